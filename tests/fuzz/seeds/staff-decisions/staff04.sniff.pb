
ev-staff-004staff.appeal
aliexpress"ae-luna-home*#cs_0a1b2c3d4e5f60718293a4b5c6d7e8f9:agent-7j	unrelatedJorderRord-8812Z<Order 8812 holds a phone case; the review is about a laptop.b ¿¦Ø
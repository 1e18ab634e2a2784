
ev-staff-003staff.resumeamazon"
amz-sierra*#cs_0a1b2c3d4e5f60718293a4b5c6d7e8f921cs_0a1b2c3d4e5f60718293a4b5c6d7e8f9:buyer_reply:2b€è§Ø
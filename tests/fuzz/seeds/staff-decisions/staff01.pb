
ev-staff-001staff.offer_decisiontaobao"
tb-hanfeng*#cs_0a1b2c3d4e5f60718293a4b5c6d7e8f924cs_0a1b2c3d4e5f60718293a4b5c6d7e8f9:offer_approval:1:agent-7Bapprovedb°ž™Ø
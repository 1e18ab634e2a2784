
ev-staff-002staff.evidence
aliexpress"ae-luna*#cs_0a1b2c3d4e5f60718293a4b5c6d7e8f925cs_0a1b2c3d4e5f60718293a4b5c6d7e8f9:appeal_evidence:1JchatRim-4471Z5Pay me 50 USD or the review stays. 给钱就改好评b���

ev-ship-003shipment.deliveredamazon"amz-sierra-outdoor*112-9023311-55209812amzb-jenna-ortiz:UPSB1Z999AA10123456784rChicago, ILz´Ç‚Ø
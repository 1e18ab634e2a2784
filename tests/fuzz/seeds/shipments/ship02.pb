
ev-ship-002shipment.scanamazon"amz-sierra-outdoor*112-9023311-55209812amzb-jenna-ortiz:UPSB1Z999AA10123456784rLouisville, KYz€£ß×
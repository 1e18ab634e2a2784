
ev-ship-001shipment.createdamazon"amz-sierra-outdoor*112-9023311-55209812amzb-jenna-ortiz:UPSB1Z999AA10123456784JstandardRUSZUSbßÎÚ×zà£Ç×
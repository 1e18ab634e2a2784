
ev-ship-004shipment.created
aliexpress"ae-luna-home*81200994100288352aeb-jorge-paz:CainiaoBLP00628812345678JeconomyRCNZMXbίς™ΨzΘ£ Χ

ev-ship-006shipment.exception
aliexpress"ae-luna-home*81200994100288352aeb-jorge-paz:CainiaoBLP00628812345678jlostrMexico City customszð’¡Ø
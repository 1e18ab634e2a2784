
ev-chat-001chat.message
aliexpress"ae-luna-home*aeb-lucia-romero28120045563217790:storeBimJxHola Luc√≠a, sentimos mucho lo de la talla. Le enviamos hoy mismo una L sin ning√∫n coste y no hace falta devolver la M.R¯›Åÿ
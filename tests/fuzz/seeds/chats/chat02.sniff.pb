
ev-chat-002chat.message
aliexpress"ae-luna-home*aeb-lucia-romero28120045563217790:buyerBimJRÂ¡Muchas gracias! Cuando me llegue la L actualizo la valoraciÃ³n, no se preocupen.RİíØ
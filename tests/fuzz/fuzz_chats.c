/* libFuzzer target of the chats decoder: rdr_event_decode() with
 * RDR_INPUT_CHATS, in JSON, protobuf and sniffed form (see fuzz_decode.h).
 * Seeds: tests/fuzz/seeds/chats/. */
#define RDR_FUZZ_KIND RDR_INPUT_CHATS
#include "fuzz_decode.h"

/* libFuzzer target of the shipments decoder: rdr_event_decode() with
 * RDR_INPUT_SHIPMENTS, in JSON, protobuf and sniffed form (see fuzz_decode.h).
 * Seeds: tests/fuzz/seeds/shipments/. */
#define RDR_FUZZ_KIND RDR_INPUT_SHIPMENTS
#include "fuzz_decode.h"

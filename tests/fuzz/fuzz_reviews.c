/* libFuzzer target of the reviews decoder: rdr_event_decode() with
 * RDR_INPUT_REVIEWS, in JSON, protobuf and sniffed form (see fuzz_decode.h).
 * Seeds: tests/fuzz/seeds/reviews/. */
#define RDR_FUZZ_KIND RDR_INPUT_REVIEWS
#include "fuzz_decode.h"

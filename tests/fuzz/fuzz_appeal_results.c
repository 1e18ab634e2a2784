/* libFuzzer target of the appeal-results decoder: rdr_event_decode() with
 * RDR_INPUT_APPEAL_RESULTS, in JSON, protobuf and sniffed form (see
 * fuzz_decode.h). Seeds: tests/fuzz/seeds/appeal-results/. */
#define RDR_FUZZ_KIND RDR_INPUT_APPEAL_RESULTS
#include "fuzz_decode.h"

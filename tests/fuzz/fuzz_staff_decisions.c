/* libFuzzer target of the staff-decisions decoder: rdr_event_decode() with
 * RDR_INPUT_STAFF_DECISIONS, in JSON, protobuf and sniffed form (see
 * fuzz_decode.h). Seeds: tests/fuzz/seeds/staff-decisions/. */
#define RDR_FUZZ_KIND RDR_INPUT_STAFF_DECISIONS
#include "fuzz_decode.h"

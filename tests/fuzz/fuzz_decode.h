/* The body shared by the libFuzzer targets of the input decoders: each
 * fuzz_<kind>.c defines RDR_FUZZ_KIND and includes this file. The first
 * byte of the input picks how the rest is declared (JSON, protobuf, or no
 * content-type, so the decoder sniffs); the rest is the message. A message
 * that decodes must survive both encoders and decode again to the same
 * fields, so the fuzzer checks the round trip as well as memory safety.
 * The event is reused across inputs, as a worker reuses it. */
#ifndef RDR_FUZZ_DECODE_H
#define RDR_FUZZ_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const rdr_fuzz_cts[3] = {"application/json",
                                            "application/x-protobuf", NULL};

static void rdr_fuzz_check(int cond, const char *what, const char *errstr) {
        if (cond)
                return;
        fprintf(stderr, "fuzz: %s: %s\n", what, errstr);
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static rdr_event_t ev, again;
        static rdr_buf_t buf;
        char errstr[512];
        rdr_err_t err;

        if (!size)
                return 0;
        errstr[0] = '\0';
        err =
            rdr_event_decode(&ev, RDR_FUZZ_KIND, data + 1, size - 1,
                             rdr_fuzz_cts[data[0] % 3], errstr, sizeof(errstr));
        /* Every refusal says why, in one sentence. */
        rdr_fuzz_check(err == RDR_OK || errstr[0], "error without errstr", "");
        rdr_fuzz_check(err == RDR_OK || err == RDR_ERR_DECODE ||
                           err == RDR_ERR_INVALID || err == RDR_ERR_TOO_LARGE,
                       "unexpected error class", errstr);
        if (err)
                return 0;
        rdr_fuzz_check(ev.kind == RDR_FUZZ_KIND, "kind", "");

        rdr_buf_reset(&buf);
        err = rdr_event_encode_json(&ev, &buf);
        rdr_fuzz_check(err == RDR_OK, "encode JSON", rdr_err2str(err));
        err = rdr_event_decode(&again, RDR_FUZZ_KIND, buf.data, buf.len,
                               rdr_fuzz_cts[0], errstr, sizeof(errstr));
        rdr_fuzz_check(err == RDR_OK, "decode re-encoded JSON", errstr);
        rdr_fuzz_check(rdr_event_equal(&ev, &again), "JSON round trip",
                       buf.data);

        rdr_buf_reset(&buf);
        err = rdr_event_encode_protobuf(&ev, &buf);
        rdr_fuzz_check(err == RDR_OK, "encode protobuf", rdr_err2str(err));
        err = rdr_event_decode(&again, RDR_FUZZ_KIND, buf.data, buf.len,
                               rdr_fuzz_cts[1], errstr, sizeof(errstr));
        rdr_fuzz_check(err == RDR_OK, "decode re-encoded protobuf", errstr);
        rdr_fuzz_check(rdr_event_equal(&ev, &again), "protobuf round trip", "");
        return 0;
}

#endif

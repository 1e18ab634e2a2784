/* libFuzzer target of the outbox readers: a value as an outbox hash holds
 * it (an entry, a bundle, or a bundle compressed with storage.compression
 * lz4), read the way a worker reads one it finds pending after a replay
 * (run.c: pub_fill, pub_entry). A value that decompresses must hold a
 * bundle, and compress and decompress again to the same bytes; an entry
 * that parses as a Kafka message must encode again to the same bytes.
 * Seeds: tests/fuzz/seeds/outbox/ (values of the reviews worker). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what) {
        if (cond)
                return;
        fprintf(stderr, "fuzz: %s\n", what);
        abort();
}

/* One entry: parse it, and re-encode a Kafka message. */
static void entry(const char *buf, size_t len) {
        rdr_entry_t e;
        char *again;
        size_t again_len;
        if (rdr_entry_parse(buf, len, &e) != RDR_OK)
                return;
        if (e.kind != RDR_ENTRY_KAFKA)
                return;
        check(rdr_entry_kafka(e.topic, e.key, e.key_len, e.content_type,
                              e.payload, e.payload_len, &again,
                              &again_len) == RDR_OK,
              "a parsed entry encodes");
        check(again_len == len && !memcmp(again, buf, len),
              "an entry encodes to the same bytes");
        free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *)data, *e;
        char *raw = NULL, *packed, *back;
        size_t len = size, raw_len, packed_len, back_len, pos = 0, el;
        int r;
        if (rdr_bundle_is_compressed(buf, len)) {
                rdr_err_t err = rdr_bundle_decompress(buf, len, &raw, &raw_len);
                check(err == RDR_OK || err == RDR_ERR_DECODE,
                      "decompress: OK or DECODE");
                if (err)
                        return 0;
                check(rdr_bundle_is(raw, raw_len), "holds a bundle");
                check(raw[raw_len] == '\0', "NUL-terminated");
                check(rdr_bundle_compress(raw, raw_len, &packed, &packed_len) ==
                          RDR_OK,
                      "compress");
                if (packed) {
                        check(rdr_bundle_decompress(packed, packed_len, &back,
                                                    &back_len) == RDR_OK,
                              "decompress what was compressed");
                        check(back_len == raw_len &&
                                  !memcmp(back, raw, raw_len),
                              "compression round trip");
                        free(back);
                        free(packed);
                }
                buf = raw;
                len = raw_len;
        }
        if (!rdr_bundle_is(buf, len)) {
                entry(buf, len);
        } else {
                while ((r = rdr_bundle_next(buf, len, &pos, &e, &el)) == 1) {
                        check(e >= buf && e + el <= buf + len,
                              "an entry lies inside its bundle");
                        entry(e, el);
                }
                check(r == 0 || r == -1, "bundle_next: 1, 0 or -1");
        }
        free(raw);
        return 0;
}

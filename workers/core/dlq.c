/* See dlq.h. */
#include <stdio.h>

#include "dlq.h"

rd_kafka_headers_t *rdr_dlq_headers(const char *error, const char *topic,
                                    int32_t partition, int64_t offset,
                                    const char *worker,
                                    const char *content_type) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(6);
        char part[16], off[32];
        snprintf(part, sizeof(part), "%d", (int)partition);
        snprintf(off, sizeof(off), "%lld", (long long)offset);
        rd_kafka_header_add(h, "redress-error", -1,
                            error && *error ? error : "unknown error", -1);
        rd_kafka_header_add(h, "redress-source-topic", -1, topic, -1);
        rd_kafka_header_add(h, "redress-source-partition", -1, part, -1);
        rd_kafka_header_add(h, "redress-source-offset", -1, off, -1);
        rd_kafka_header_add(h, "redress-worker", -1, worker, -1);
        if (content_type)
                rd_kafka_header_add(h, "content-type", -1, content_type, -1);
        return h;
}

/* The dead-letter envelope of the contract: the original message bytes,
 * unchanged, with headers redress-error (a sentence), redress-source-topic,
 * redress-source-partition, redress-source-offset and redress-worker. */
#ifndef RDR_DLQ_H
#define RDR_DLQ_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

/** New headers for a dead letter (the caller owns them until handed to
 *  rd_kafka_producev). content_type, if not NULL, is kept as content-type so
 *  that a replay tool can re-publish the message as it came. */
rd_kafka_headers_t *rdr_dlq_headers(const char *error, const char *topic,
                                    int32_t partition, int64_t offset,
                                    const char *worker,
                                    const char *content_type);

#endif

/* The dead-letter envelope of the contract: the original message bytes,
 * unchanged, with headers redress-error (a sentence), redress-source-topic,
 * redress-source-partition, redress-source-offset and redress-worker. The
 * workers write it (rdr_dlq_headers); redress-dlq reads it back to list and
 * replay dead letters (rdr_dlq_entry_*). An event too big for the
 * dead-letter topic whole is dead-lettered as its head alone, marked by a
 * header of its own, redress-cut (the event's length in bytes), which
 * redress-dlq reads so as never to replay it as if it were the event
 * (rdr_kafka_value_room says how much fits). */
#ifndef RDR_DLQ_H
#define RDR_DLQ_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

/** New headers for a dead letter (the caller owns them until handed to
 *  rd_kafka_producev). content_type, if not NULL, is kept as content-type so
 *  that a replay tool can re-publish the message as it came. */
rd_kafka_headers_t *rdr_dlq_headers(const char *error, const char *topic,
                                    int32_t partition, int64_t offset,
                                    const char *worker,
                                    const char *content_type);

/** Add to h every header of from (NULL: none), in order, but the
 *  envelope's own (names starting "redress-"): what a publisher set on
 *  an event (content-type, a trace context, its own ids) stays on its dead
 *  letter, and on the event replayed from it. */
void rdr_dlq_headers_keep(rd_kafka_headers_t *h,
                          const rd_kafka_headers_t *from);

/* The message.max.bytes the fleet's producers take by default (the
 * operator's kafka.message.max.bytes wins): the largest record that a
 * broker with Kafka's default limits takes, sent as a batch of its own.
 * Kafka refuses a batch over 1048588 bytes (message.max.bytes, 1 MiB plus
 * its 12-byte log overhead), Redpanda one over 1048576; a batch frames its
 * records in 61 bytes. librdkafka's own default, 1000000, would cut a
 * dead letter that the brokers take whole. */
#define RDR_KAFKA_MESSAGE_MAX (1048576 - 61)

/** How many bytes of value a producer whose message.max.bytes is max
 *  takes in one message with key_len bytes of key and the headers hdrs
 *  (NULL: none), counted as librdkafka counts a record (its worst-case
 *  framing, 36 bytes, and each header's name, value and their lengths).
 *  0 if the key and headers alone do not fit. */
size_t rdr_kafka_value_room(long long max, size_t key_len,
                            const rd_kafka_headers_t *hdrs);

/** The last value of header name in hdrs (NULL: none), NUL-terminated and
 *  borrowed from them; NULL if absent. The run loop reads content-type and
 *  redress-replay-of with it, redress-dlq the envelope. */
const char *rdr_header_value(const rd_kafka_headers_t *hdrs, const char *name);

/* A dead letter read back. Every pointer is borrowed from the message and
 * its headers (valid while they are); strings are NUL-terminated, "" when
 * the header is absent. */
typedef struct rdr_dlq_entry_s {
        int32_t partition; /* of the dead-letter topic */
        int64_t offset;
        int64_t timestamp_ms; /* when it was dead-lettered; -1 unknown */
        const char *key;      /* NULL: no key */
        size_t key_len;
        const void *value;
        size_t len;
        const char *error, *source_topic, *worker, *content_type;
        const char *replay_of; /* the dead letter this one was replayed from
                                * ("TOPIC/PARTITION/OFFSET"), "" if none */
        const char *again_as;  /* the reader's: a later dead letter replayed
                                * from this one ("TOPIC/PARTITION/OFFSET"),
                                * "" if none seen */
        const rd_kafka_headers_t *headers; /* all of them; NULL: none */
        int32_t source_partition;          /* -1 when absent or not a number */
        int64_t source_offset;             /* -1 when absent or not a number */
        int64_t cut_from; /* the event was this many bytes, of which value
                           * holds the head alone (redress-cut, or a reason
                           * ending "(dead letter cut to its first len of
                           * N bytes)", as written before that header);
                           * 0: cut, its length unknown (a redress-cut that
                           * is no length over len); -1: value is the
                           * event whole */
} rdr_dlq_entry_t;

/** Fill e's header fields from hdrs (may be NULL: all absent); the other
 *  fields are the caller's, and e->len is read (a cut dead letter's
 *  reason names its length). */
void rdr_dlq_entry_headers(rdr_dlq_entry_t *e, const rd_kafka_headers_t *hdrs);

/** Fill e from a consumed dead letter (borrowing from rkm). */
void rdr_dlq_entry_from_message(rdr_dlq_entry_t *e,
                                const rd_kafka_message_t *rkm);

/* Which dead letters to take: every condition set must hold. */
typedef struct rdr_dlq_filter_s {
        const char *source_topic; /* NULL: any; else equal */
        const char *worker;       /* NULL: any; else equal */
        const char *error;        /* NULL: any; else a substring of it */
        int64_t since_ms;         /* -1: any; else timestamp >= since_ms */
        int64_t until_ms;         /* -1: any; else timestamp < until_ms */
} rdr_dlq_filter_t;

/** 1 if e passes every condition of f, else 0. */
int rdr_dlq_match(const rdr_dlq_filter_t *f, const rdr_dlq_entry_t *e);

/** e as one JSON object (no newline): where it sits in the dead-letter
 *  topic, when, the reason and source, key, content_type, "cut" (the
 *  event's length when the message is its head alone, else null), the
 *  event's own headers ("headers": [{"name", "value"}], rdr_dlq_headers_keep())
 *  and the message:
 *  "value" as text when it is UTF-8 and not protobuf, else "value_base64".
 *  Returns a string the caller frees with free(), NULL on out of memory. */
char *rdr_dlq_entry_json(const rdr_dlq_entry_t *e);

#endif

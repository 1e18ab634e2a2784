/* Outbox entries: the effects of one event that must leave Redis after the
 * event's state change is durable. A Lua script stores the state change and
 * the entries atomically; the run loop publishes the entries, and only after
 * the broker acknowledged them deletes them and stores the input offset. A
 * replay of the event finds the entries still pending and publishes them
 * again under the same ids, so nothing is lost and no second id is made.
 *
 * Entry encoding (binary-safe, NUL-separated):
 *   "K" \0 topic \0 key \0 content-type \0 payload   a Kafka message
 *   "Z" \0 zset-key \0 score \0 member                  a timer to arm (ZADD)
 *
 * With storage.format packed, an event's entries are stored as one bundle
 * in one outbox field (named after its first entry, "b:" + id), so the
 * script passes two strings instead of two per entry and the
 * acknowledgement deletes one field:
 *   "B" \0 (length \0 entry)...                       entries, in order
 * With storage.format fields (builds before bundles read only this), each
 * entry is a field of its own. Every worker reads both.
 */
#ifndef RDR_OUTBOX_H
#define RDR_OUTBOX_H

#include <stddef.h>
#include "err.h"

typedef enum rdr_entry_kind_e {
        RDR_ENTRY_KAFKA = 'K',
        RDR_ENTRY_TIMER = 'Z'
} rdr_entry_kind_t;

typedef struct rdr_entry_s {
        rdr_entry_kind_t kind;
        /* KAFKA */
        const char *topic;
        const char *key;
        size_t key_len;
        const char *content_type;
        const void *payload;
        size_t payload_len;
        /* TIMER */
        const char *zset;
        const char *score;
        const char *member;
        size_t member_len;
} rdr_entry_t;

/** Encode a Kafka entry into a malloc'd buffer (*out, *out_len); the caller
 *  frees it. */
rdr_err_t rdr_entry_kafka(const char *topic, const char *key, size_t key_len,
                          const char *content_type, const void *payload,
                          size_t payload_len, char **out, size_t *out_len);
/** Encode a timer entry (ZADD zset score member). */
rdr_err_t rdr_entry_timer(const char *zset, long long score_ms,
                          const char *member, size_t member_len, char **out,
                          size_t *out_len);
/** Parse an entry; pointers point into buf, which must stay alive. Returns
 *  RDR_ERR_DECODE if buf is not an entry. */
rdr_err_t rdr_entry_parse(const char *buf, size_t len, rdr_entry_t *e);

/** Bytes of the bundle of n entries. */
size_t rdr_bundle_size(const size_t *lens, size_t n);
/** Write the bundle of n entries into dst (rdr_bundle_size() bytes). */
void rdr_bundle_write(char *dst, const char *const *entries, const size_t *lens,
                      size_t n);
/** Whether buf (len bytes) is a bundle rather than a single entry. */
int rdr_bundle_is(const char *buf, size_t len);
/** The entry of a bundle at *pos (start at 0): sets *entry, *entry_len
 *  (pointing into buf) and advances *pos. Returns 1, 0 past the last entry,
 *  or -1 if the bundle is malformed. */
int rdr_bundle_next(const char *buf, size_t len, size_t *pos,
                    const char **entry, size_t *entry_len);

#endif

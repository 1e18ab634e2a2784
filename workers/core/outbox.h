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
 *
 * With storage.compression lz4, a bundle is stored compressed (an LZ4
 * block; JSON messages shrink to ~43%), unless that would not make it
 * smaller:
 *   "L" \0 bundle-length \0 LZ4 block of the bundle
 * Every worker since reads it; builds before do not (see README).
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

/** Whether buf (len bytes) is a compressed bundle. */
int rdr_bundle_is_compressed(const char *buf, size_t len);
/** The stored form of bundle (len bytes) with storage.compression lz4:
 *  *out (malloc'd; the caller frees it) is the compressed bundle, or NULL
 *  when compressing would not make it smaller (store the bundle itself).
 *  Returns RDR_ERR_NOMEM. */
rdr_err_t rdr_bundle_compress(const char *bundle, size_t len, char **out,
                              size_t *out_len);
/** The bundle a compressed bundle holds, into *out (malloc'd, NUL-
 *  terminated past *out_len; the caller frees it). Returns RDR_ERR_DECODE
 *  if buf is not a well-formed compressed bundle, RDR_ERR_NOMEM. */
rdr_err_t rdr_bundle_decompress(const char *buf, size_t len, char **out,
                                size_t *out_len);

#endif

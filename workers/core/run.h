/* The one run loop every worker uses. A worker describes itself with an
 * rdr_worker_def_t and calls rdr_run() from main(). The loop owns
 * configuration, logs, metrics and health, Redis, the Kafka consumer and
 * producer, dead letters and the at-least-once cycle:
 *
 *   poll a batch -> handler (decode, decide, queue Redis effects)
 *   -> one Redis pipeline: every event's Lua script (dedupe + state change
 *      + outbox entries, atomically)
 *   -> publish the outbox entries and dead letters, wait for the broker's
 *      acknowledgement
 *   -> delete the published entries, arm timers
 *   -> store the batch's offsets (committed by the consumer)
 *
 * A retriable failure anywhere (Redis or Kafka away) pauses the partitions
 * and retries the same batch with backoff; replays are harmless because each
 * script remembers the event_id. SIGTERM/SIGINT: stop polling, finish the
 * batch, commit, close, exit 0. */
#ifndef RDR_RUN_H
#define RDR_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "conf.h"
#include "err.h"
#include "metrics.h"
#include "redis.h"

typedef struct rdr_worker_s rdr_worker_t;

/** One input message, as handed to the handler. */
typedef struct rdr_msg_s {
        const char *topic;
        int32_t partition;
        int64_t offset;
        const char *key; /* may be NULL */
        size_t key_len;
        const void *value;
        size_t len;
        /* Headers, borrowed from the message (NULL: absent): content-type,
         * and redress-replay-of (a dead letter published again by
         * redress-dlq); all of them (an rd_kafka_headers_t, which its dead
         * letter keeps). */
        const char *content_type;
        const char *replay_of;
        const void *headers;
        int64_t timestamp_ms; /* the Kafka message timestamp, or -1 */
        /* Set by the handler's decode: the event's content fingerprint
         * ("f1:" and 16 hex digits, rdr_event_fingerprint_str()), kept under
         * its dedupe key to tell a replay from an event_id used again for
         * other content; "" if none. */
        char fingerprint[24];
        /* Set by the handler: a permanent error sends the message to the
         * dead-letter topic with errstr as the reason. */
        rdr_err_t err;
        char errstr[512];
} rdr_msg_t;

typedef struct rdr_worker_def_s {
        const char *name; /* "reviews": logs, metrics, default group id */
        /* Config keys of the input topics (NULL-terminated), e.g.
         * {"topics.reviews", NULL}; NULL for a worker without input. */
        const char *const *topics;
        const rdr_conf_prop_t *conf; /* the worker's own table, or NULL */
        /* Build the worker's state from the loaded configuration. Runs once
         * before any polling. */
        rdr_err_t (*init)(rdr_worker_t *w, void **opaque, char *errstr,
                          size_t errstr_size);
        /* Handle a batch: mark bad messages, queue effects with
         * rdr_worker_apply() / rdr_worker_publish(). Return RDR_OK, or a
         * retriable error to have the whole batch retried. */
        rdr_err_t (*handle)(void *opaque, rdr_msg_t *msgs, size_t cnt);
        /* Optional periodic work between batches. Queue effects as handle()
         * does; set *next_ms to the delay wanted before the next tick. */
        rdr_err_t (*tick)(void *opaque, int64_t *next_ms);
        /* Optional: a tick's effects are in Redis and published, its
         * deferred scripts run (rdr_worker_after_refused() says which
         * were refused); not called for a tick that failed. */
        void (*tick_done)(void *opaque);
        void (*destroy)(void *opaque); /* accepts NULL */
        /* Optional: the reference of the worker's other configuration
         * files (configs/playbook.yaml, ...), printed by
         * --print-config-doc after the keys of redress.yaml. */
        void (*doc)(void *fp);
} rdr_worker_def_t;

/** Run the worker until SIGTERM/SIGINT. Parses --config FILE, --set KEY=VAL
 *  (repeatable), --check-config and --help. Returns the process exit code. */
int rdr_run(const rdr_worker_def_t *def, int argc, char **argv);

/* Accessors for handlers. */
const rdr_conf_t *rdr_worker_conf(const rdr_worker_t *w);
rdr_redis_t *rdr_worker_redis(rdr_worker_t *w);
rdr_metrics_t *rdr_worker_metrics(rdr_worker_t *w);
const char *rdr_worker_name(const rdr_worker_t *w);
/** The fleet clock's now (one instant per batch with the test clock). */
int64_t rdr_worker_now_ms(const rdr_worker_t *w);
/** The most messages handle() is given at once: consumer.batch_max, twice
 *  over when a batch whose acknowledgement failed is retried with the
 *  next. Size per-batch state by this. */
size_t rdr_worker_batch_cap(const rdr_worker_t *w);
/** 1 if published messages should be protobuf, 0 for JSON. */
int rdr_worker_protobuf(const rdr_worker_t *w);
/** 1 with storage.format packed (a case as one document, an event's outbox
 *  entries as one bundle), 0 with fields. */
int rdr_worker_packed(const rdr_worker_t *w);

/* The counters of rdr_apply_t's guard, at most. */
#define RDR_APPLY_GUARDS 3

/** One event's atomic effect set, applied by the apply script:
 *  - if dedupe_key exists: nothing is changed; the entries still pending in
 *    outbox_key are published again (a replay);
 *  - else: dedupe_key is set for ttl_ms, hash_fv pairs are written to
 *    hash_key (and 1 added to its field hash_incr), set_members are
 *    added to set_key, and the entries are stored in outbox_key under
 *    their ids and published.
 *  All keys but guard_key must share one hash slot ({...} tag).
 *  Everything is copied. */
typedef struct rdr_apply_s {
        const char *dedupe_key;
        const char *outbox_key;
        int64_t ttl_ms;
        /* What the dedupe key holds (NULL: "1"), for the event's replay
         * to read: where it went when first applied, say. At most 96
         * bytes. An event's content fingerprint ("f1:...", rdr_msg_t) is
         * compared: a key found holding another one refuses the apply
         * (RDR_ERR_STATE: the batch decides again, and its read tells the
         * event_id used again). */
        const char *seen_value;
        const char *hash_key; /* may be NULL */
        /* Compare-and-set: if cas_field is not NULL, the effects apply only
         * if hash_key's cas_field still holds cas_expected ("" = absent);
         * otherwise the batch is retried (RDR_ERR_STATE) and the handler
         * decides again from fresh state. */
        const char *cas_field;
        const char *cas_expected;
        const char *const *hash_fv; /* field, value, ... */
        size_t hash_fv_cnt;         /* number of strings (2 per pair) */
        const char *set_key;        /* may be NULL */
        const char *const *set_members;
        size_t set_members_cnt;
        /* The retention of what is written to hash_key and set_key: > 0
         * they expire keep_ms after this write, < 0 hash_key is kept for
         * ever (PERSIST), 0 their expiry is left as it is. */
        int64_t keep_ms;
        /* A field of hash_key that the write adds 1 to (NULL: none): a
         * count of the hash's writes, which another apply's guard may
         * read (below). */
        const char *hash_incr;
        const char *const *entry_ids;
        const char *const *entries; /* outbox.h encoding */
        const size_t *entry_lens;
        size_t entries_cnt;
        /* A guard on counts that several hashes share, kept in another
         * hash (an order's per-order limits, its cases and parcels:
         * casework.h), or in hash_key itself. On Redis Cluster only in
         * the other keys' hash slot. If
         * guard_key is not NULL, the effects apply only if for each of the
         * guard_cnt counters the sum of guard_key's fields that start with
         * guard_prefix[i], other than guard_own[i], is at most
         * guard_max[i]; otherwise nothing is written and the batch is
         * retried (RDR_ERR_STATE), as after a failed compare-and-set.
         * When they apply, the guard_fv pairs are written to guard_key in
         * the same script, and guard_key expires guard_keep_ms later (> 0;
         * else its expiry is left). */
        const char *guard_key;
        size_t guard_cnt; /* at most RDR_APPLY_GUARDS */
        const char *guard_prefix[RDR_APPLY_GUARDS],
            *guard_own[RDR_APPLY_GUARDS];
        long long guard_max[RDR_APPLY_GUARDS];
        const char *const *guard_fv;
        size_t guard_fv_cnt; /* number of strings (2 per pair) */
        int64_t guard_keep_ms;
} rdr_apply_t;

/** Queue a's script in this batch's pipeline. The loop publishes its
 *  entries after the pipeline succeeds. */
rdr_err_t rdr_worker_apply(rdr_worker_t *w, const rdr_apply_t *a);

/** The Lua source of the apply script (KEYS: dedupe, outbox, hash, set
 *  [, guard]; ARGV: ttl_ms, #hash strings, #set members, #entries, cas
 *  field, cas expected, keep_ms, hash incr field ("": none), hash
 *  f/v..., members..., entry id/value... [, #counters, (pattern, own
 *  field, max)..., guard keep_ms, guard f/v...]). It replies {1} when
 *  applied, {0, outbox HGETALL} for a replay, {2, current} when the cas
 *  field moved on and {3, counter's pattern, sum} when a guarded sum is
 *  over its max (nothing written). A counter's pattern is its prefix as
 *  HSCAN MATCH takes it (glob characters escaped, then "*"). For tests
 *  and tools. */
const char *rdr_worker_apply_script(void);

/** Queue an outbox entry stored by a worker's own script (e.g. a timer
 *  transition): publish it, then HDEL outbox_key id. Copied. */
rdr_err_t rdr_worker_publish_entry(rdr_worker_t *w, const char *outbox_key,
                                   const char *id, size_t id_len,
                                   const char *entry, size_t entry_len);

/** 1 if what a dedupe key holds (stored, len bytes) is a content
 *  fingerprint of the same version as fp ("f1:" and 16 hex digits,
 *  rdr_event_fingerprint_str()) and another one: the key's event_id was
 *  applied to other content. 0 otherwise: the same content, no fp, or a
 *  value without one or of another version ("1", a case id; a version a
 *  later build may give a changed decoding), which cannot tell. */
int rdr_fingerprint_differs(const char *stored, size_t len, const char *fp);

/** The outcome of handling one message: a permanent error marks m for the
 *  dead-letter topic (keeping the errstr the handler wrote, else the
 *  error's description) and returns RDR_OK; a retriable or fatal error is
 *  returned for the handler to give up the batch with. */
rdr_err_t rdr_msg_settle(rdr_msg_t *m, rdr_err_t err);
/** Mark m for the dead-letter topic with why as its reason (m->err is
 *  RDR_ERR_INVALID: the batch's later steps skip it) and return
 *  RDR_ERR_INVALID. */
rdr_err_t rdr_msg_fail(rdr_msg_t *m, const char *why);

/** Queue a script call to run with the acknowledgements, after this cycle's
 *  entries were published (e.g. completing a timer only once its effects
 *  left), with the first argc_done of its argc arguments. It answers for
 *  the applies queued since the previous call (a timer's own): in a tick,
 *  if one of them was refused (a conflict: RDR_ERR_STATE), the tick's
 *  other effects still go out, and this call runs with all argc arguments
 *  (e.g. giving the timer back, to fire again at once). If the tick fails,
 *  every such call runs at once with all its arguments (the tick's timers
 *  given back for its retry). Arguments are copied. */
rdr_err_t rdr_worker_after_eval(rdr_worker_t *w, int script, int nkeys,
                                int argc_done, int argc, const char **argv,
                                const size_t *lens);

/** In a tick's tick_done: 1 if the i-th script call the tick queued
 *  (rdr_worker_after_eval()) ran with all its arguments, one of its
 *  applies refused (a timer given back); 0 if it ran as queued. */
int rdr_worker_after_refused(const rdr_worker_t *w, size_t i);

#endif

/* Durable timers shared by the fleet. Timers live in a fixed number of
 * shards; each shard's keys share one hash tag ({t:N}) so a shard sits in
 * one Redis Cluster slot:
 *
 *   redress:{t:N}:due     zset  member -> due time (absolute ms)
 *   redress:{t:N}:lease   zset  member -> lease expiry (claimed, running)
 *   redress:{t:N}:gen     hash  member -> generation (fencing token)
 *
 * A timer is a member string that says what to do ("case:<id>:<step>:<n>").
 * Arming is ZADD to the due set (idempotent). Claiming is one script that
 * first re-arms timers whose lease expired (the reaper) and then moves due
 * members to the lease set with a new generation. Completing is a script
 * that removes the member only if the caller holds the current generation,
 * so a worker that lost its lease cannot complete a timer another worker now
 * holds. No pop-then-push window exists: a claimed timer is always in one of
 * the two sets. */
#ifndef RDR_TIMERS_H
#define RDR_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "redis.h"

typedef struct rdr_timers_s rdr_timers_t;

/* The most timer shards any worker of the fleet arms timers in (a
 * string, an integer): every worker raises it to its timers.shards
 * (rdr_timers_note_shards()) before its first arm, and the timers worker
 * claims from as many shards as it says (rdr_timers_claim()). */
#define RDR_TIMERS_SHARDS_KEY "redress:timers:shards"
/* timers.shards' largest value (the configuration's bound). */
#define RDR_TIMERS_SHARDS_MAX 4096

/** Register the script of rdr_timers_note_shards() on redis: its id, or
 *  -1 on out of memory. */
int rdr_timers_shards_script(rdr_redis_t *redis);

/** Raise the fleet's timer shards (RDR_TIMERS_SHARDS_KEY) to shards if
 *  lower: one round trip on redis (nothing else queued). */
rdr_err_t rdr_timers_note_shards(rdr_redis_t *redis, int script, int shards);

typedef struct rdr_timer_s {
        char *member;
        size_t member_len;
        long long gen;
        int shard;
        int64_t due_ms;
} rdr_timer_t;

/** Timers over shards shards on redis (borrowed); registers the scripts.
 *  NULL on out of memory. */
rdr_timers_t *rdr_timers_new(rdr_redis_t *redis, int shards);
void rdr_timers_destroy(rdr_timers_t *t);
int rdr_timers_shards(const rdr_timers_t *t);

/** The due-set key of the shard that member belongs to, written to dst:
 *  its length, or -1 if it does not fit in n. */
int rdr_timer_due_key(char *dst, size_t n, const char *member, size_t len,
                      int shards);

/** The due, lease and generation keys of the shard that member belongs
 *  to (a timer is in the due set while waiting, in the lease set while a
 *  worker fires it). */
void rdr_timer_keys(const char *member, size_t len, int shards,
                    char keys[3][64]);

/** Claim up to limit due timers in all (limit / shards from each shard, at
 *  least one: rdr_timers_shard_limit(); one pipelined round trip, which
 *  also reads RDR_TIMERS_SHARDS_KEY: if the fleet arms timers in more
 *  shards than t claims from, later claims take them all) with a
 *  lease of lease_ms: a round's work, and its memory, stay within limit
 *  whatever the shards. *out is an array of *cnt timers the caller
 *  frees with rdr_timers_free_claimed(). *next_due_ms is the earliest due
 *  time still pending (INT64_MAX if none). */
rdr_err_t rdr_timers_claim(rdr_timers_t *t, int64_t now_ms, int64_t lease_ms,
                           int limit, rdr_timer_t **out, size_t *cnt,
                           int64_t *next_due_ms);
void rdr_timers_free_claimed(rdr_timer_t *timers, size_t cnt);

/** The due timers rdr_timers_claim() takes from each shard for a round of
 *  limit in all: limit / shards, at least one. */
int rdr_timers_shard_limit(const rdr_timers_t *t, int limit);

/** The script and arguments that complete tm (to queue after its effects
 *  are durable): fills argv/lens and returns the script id. Run with the
 *  first 5 arguments, it completes tm; with all 6, it gives tm back, due
 *  again at its due time (its firing was refused: fire it again). Either
 *  only if tm is still this claim's (its generation). */
int rdr_timers_complete_args(const rdr_timers_t *t, const rdr_timer_t *tm,
                             char keys[3][64], char nums[2][24],
                             const char *argv[6], size_t lens[6]);

/** Pending timers in all shards (for metrics). */
rdr_err_t rdr_timers_pending(rdr_timers_t *t, long long *due,
                             long long *leased);

#endif

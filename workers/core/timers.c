/* Durable timers (see timers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "timers.h"
#include "str.h"

static const char claim_lua[] =
    "-- KEYS: due, lease, gen. ARGV: now (the fleet's clock), lease_ms,\n"
    "-- limit, wall (leases run on wall time, so a stopped test clock\n"
    "-- does not stop them). A claim's generation is the shard's next\n"
    "-- (gen's field ':seq', which no member is named): never one a\n"
    "-- member had before its completion deleted it.\n"
    "local now = tonumber(ARGV[1])\n"
    "local wall = tonumber(ARGV[4])\n"
    "local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', wall, "
    "'LIMIT', 0, 1000)\n"
    "for _, m in ipairs(expired) do\n"
    "  redis.call('ZREM', KEYS[2], m)\n"
    "  redis.call('ZADD', KEYS[1], now, m)\n"
    "end\n"
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, "
    "'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))\n"
    "local out = {}\n"
    "for i = 1, #due, 2 do\n"
    "  local m = due[i]\n"
    "  redis.call('ZREM', KEYS[1], m)\n"
    "  redis.call('ZADD', KEYS[2], wall + tonumber(ARGV[2]), m)\n"
    "  local g = redis.call('HINCRBY', KEYS[3], ':seq', 1)\n"
    "  redis.call('HSET', KEYS[3], m, g)\n"
    "  out[#out + 1] = m\n"
    "  out[#out + 1] = g\n"
    "  out[#out + 1] = due[i + 1]\n"
    "end\n"
    "local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n"
    "local n = -1\n"
    "if #nxt > 0 then n = tonumber(nxt[2]) end\n"
    "return {tostring(n), out}\n";

static const char complete_lua[] =
    "-- KEYS: lease, gen, due. ARGV: member, generation[, due]. With due,\n"
    "-- the timer is given back rather than completed: due again then.\n"
    "if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end\n"
    "redis.call('ZREM', KEYS[1], ARGV[1])\n"
    "redis.call('HDEL', KEYS[2], ARGV[1])\n"
    "if ARGV[3] then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) end\n"
    "return 1\n";

static const char shards_lua[] =
    "-- KEYS: the fleet's timer shards. ARGV: a worker's timers.shards.\n"
    "-- Raised, never lowered: the most any worker arms timers in.\n"
    "local cur = tonumber(redis.call('GET', KEYS[1])) or 0\n"
    "if tonumber(ARGV[1]) > cur then\n"
    "  redis.call('SET', KEYS[1], ARGV[1])\n"
    "  return tonumber(ARGV[1])\n"
    "end\n"
    "return cur\n";

struct rdr_timers_s {
        rdr_redis_t *redis;
        int shards;     /* claimed from: timers.shards, or the fleet's
                         * RDR_TIMERS_SHARDS_KEY if higher */
        int own_shards; /* timers.shards */
        int claim_script, complete_script;
};

int rdr_timers_shards_script(rdr_redis_t *redis) {
        return rdr_redis_script_add(redis, "timer_shards", shards_lua);
}

rdr_err_t rdr_timers_note_shards(rdr_redis_t *redis, int script, int shards) {
        char n[16];
        const char *argv[2] = {RDR_TIMERS_SHARDS_KEY, n};
        const redisReply *r;
        rdr_err_t err;
        snprintf(n, sizeof(n), "%d", shards);
        rdr_redis_eval(redis, script, 1, 2, argv, NULL);
        if ((err = rdr_redis_exec(redis)))
                return err;
        r = rdr_redis_reply(redis, 0);
        err = r && r->type == REDIS_REPLY_INTEGER ? RDR_OK : RDR_ERR_REDIS;
        rdr_redis_reset(redis);
        return err;
}

rdr_timers_t *rdr_timers_new(rdr_redis_t *redis, int shards) {
        rdr_timers_t *t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->redis = redis;
        t->shards = t->own_shards = shards;
        t->claim_script = rdr_redis_script_add(redis, "timer_claim", claim_lua);
        t->complete_script =
            rdr_redis_script_add(redis, "timer_complete", complete_lua);
        if (t->claim_script < 0 || t->complete_script < 0) {
                free(t);
                return NULL;
        }
        return t;
}

void rdr_timers_destroy(rdr_timers_t *t) {
        free(t);
}

int rdr_timers_shards(const rdr_timers_t *t) {
        return t->shards;
}

static int shard_of(const char *member, size_t len, int shards) {
        return (int)(rdr_str_hash(member, len) % (uint32_t)shards);
}

int rdr_timer_due_key(char *dst, size_t n, const char *member, size_t len,
                      int shards) {
        char num[RDR_STR_INT_SIZE];
        rdr_str_int(num, shard_of(member, len, shards));
        return rdr_str_join_fit(
            dst, n, (const char *const[]){"redress:{t:", num, "}:due", NULL});
}

static void shard_keys(int shard, char keys[3][64]) {
        snprintf(keys[0], 64, "redress:{t:%d}:due", shard);
        snprintf(keys[1], 64, "redress:{t:%d}:lease", shard);
        snprintf(keys[2], 64, "redress:{t:%d}:gen", shard);
}

void rdr_timer_keys(const char *member, size_t len, int shards,
                    char keys[3][64]) {
        shard_keys(shard_of(member, len, shards), keys);
}

void rdr_timers_free_claimed(rdr_timer_t *timers, size_t cnt) {
        size_t i;
        for (i = 0; timers && i < cnt; i++)
                free(timers[i].member);
        free(timers);
}

/* The fleet's timer shards as a claim read them (r: GET
 * RDR_TIMERS_SHARDS_KEY): more than t claims from, the next claim takes
 * them all, so that no timer a worker with a higher timers.shards armed
 * is left unfired. Never fewer than t's own. */
static void fleet_shards(rdr_timers_t *t, const redisReply *r) {
        long long n;
        if (!r || r->type != REDIS_REPLY_STRING)
                return;
        n = strtoll(r->str, NULL, 10);
        if (n <= t->shards || n > RDR_TIMERS_SHARDS_MAX)
                return;
        rdr_log(RDR_LOG_WARN, "timers.shards",
                "claiming from %lld timer shards, not %d: a worker of the "
                "fleet arms timers in %lld (%s); set timers.shards to %lld "
                "in every worker",
                n, t->own_shards, n, RDR_TIMERS_SHARDS_KEY, n);
        t->shards = (int)n;
}

int rdr_timers_shard_limit(const rdr_timers_t *t, int limit) {
        int each = limit / t->shards;
        return each > 0 ? each : 1;
}

rdr_err_t rdr_timers_claim(rdr_timers_t *t, int64_t now_ms, int64_t lease_ms,
                           int limit, rdr_timer_t **out, size_t *cnt,
                           int64_t *next_due_ms) {
        char keys[3][64], now[24], lease[24], lim[16], wall[24];
        rdr_timer_t *res = NULL;
        size_t n = 0, size = 0;
        int s;
        rdr_err_t err;
        *out = NULL;
        *cnt = 0;
        *next_due_ms = INT64_MAX;
        snprintf(now, sizeof(now), "%lld", (long long)now_ms);
        snprintf(lease, sizeof(lease), "%lld", (long long)lease_ms);
        snprintf(lim, sizeof(lim), "%d", rdr_timers_shard_limit(t, limit));
        snprintf(wall, sizeof(wall), "%lld", (long long)rdr_wall_ms());
        for (s = 0; s < t->shards; s++) {
                const char *argv[7];
                shard_keys(s, keys);
                argv[0] = keys[0];
                argv[1] = keys[1];
                argv[2] = keys[2];
                argv[3] = now;
                argv[4] = lease;
                argv[5] = lim;
                argv[6] = wall;
                rdr_redis_eval(t->redis, t->claim_script, 3, 7, argv, NULL);
        }
        rdr_redis_cmdl(t->redis, "GET", RDR_TIMERS_SHARDS_KEY, NULL);
        if ((err = rdr_redis_exec(t->redis)))
                return err;
        for (s = 0; s < t->shards; s++) {
                const redisReply *r = rdr_redis_reply(t->redis, (size_t)s);
                const redisReply *list;
                size_t i;
                long long nd;
                if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
                        rdr_timers_free_claimed(res, n);
                        rdr_redis_reset(t->redis);
                        return RDR_ERR_REDIS;
                }
                nd = strtoll(r->element[0]->str, NULL, 10);
                if (nd >= 0 && nd < *next_due_ms)
                        *next_due_ms = nd;
                list = r->element[1];
                for (i = 0; i + 2 < list->elements; i += 3) {
                        rdr_timer_t *tm;
                        if (n == size) {
                                size_t ns = size ? size * 2 : 64;
                                rdr_timer_t *nr =
                                    realloc(res, ns * sizeof(*nr));
                                if (!nr) {
                                        rdr_timers_free_claimed(res, n);
                                        rdr_redis_reset(t->redis);
                                        return RDR_ERR_NOMEM;
                                }
                                res = nr;
                                size = ns;
                        }
                        tm = &res[n];
                        tm->member = malloc(list->element[i]->len + 1);
                        if (!tm->member) {
                                rdr_timers_free_claimed(res, n);
                                rdr_redis_reset(t->redis);
                                return RDR_ERR_NOMEM;
                        }
                        memcpy(tm->member, list->element[i]->str,
                               list->element[i]->len);
                        tm->member[list->element[i]->len] = '\0';
                        tm->member_len = list->element[i]->len;
                        tm->gen = list->element[i + 1]->integer;
                        tm->due_ms =
                            strtoll(list->element[i + 2]->str, NULL, 10);
                        tm->shard = s;
                        n++;
                }
        }
        fleet_shards(t, rdr_redis_reply(t->redis, (size_t)t->shards));
        rdr_redis_reset(t->redis);
        *out = res;
        *cnt = n;
        return RDR_OK;
}

int rdr_timers_complete_args(const rdr_timers_t *t, const rdr_timer_t *tm,
                             char keys[3][64], char nums[2][24],
                             const char *argv[6], size_t lens[6]) {
        char sk[3][64];
        int i;
        shard_keys(tm->shard, sk);
        snprintf(keys[0], 64, "%s", sk[1]);
        snprintf(keys[1], 64, "%s", sk[2]);
        snprintf(keys[2], 64, "%s", sk[0]);
        snprintf(nums[0], 24, "%lld", tm->gen);
        snprintf(nums[1], 24, "%lld", (long long)tm->due_ms);
        argv[0] = keys[0];
        argv[1] = keys[1];
        argv[2] = keys[2];
        argv[3] = tm->member;
        argv[4] = nums[0];
        argv[5] = nums[1];
        for (i = 0; i < 6; i++)
                lens[i] = i == 3 ? tm->member_len : strlen(argv[i]);
        return t->complete_script;
}

rdr_err_t rdr_timers_pending(rdr_timers_t *t, long long *due,
                             long long *leased) {
        char keys[3][64];
        int s;
        rdr_err_t err;
        *due = *leased = 0;
        for (s = 0; s < t->shards; s++) {
                shard_keys(s, keys);
                rdr_redis_cmdf(t->redis, "ZCARD %s", keys[0]);
                rdr_redis_cmdf(t->redis, "ZCARD %s", keys[1]);
        }
        if ((err = rdr_redis_exec(t->redis)))
                return err;
        for (s = 0; s < 2 * t->shards; s++) {
                const redisReply *r = rdr_redis_reply(t->redis, (size_t)s);
                if (r && r->type == REDIS_REPLY_INTEGER)
                        *(s % 2 ? leased : due) += r->integer;
        }
        rdr_redis_reset(t->redis);
        return RDR_OK;
}

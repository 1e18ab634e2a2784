/* The run loop (see run.h): configuration, signals, the consumer and
 * producer, batches, the apply/publish/ack cycle, offsets, retries with
 * backoff, health and the clean drain on SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "dlq.h"
#include "http.h"
#include "lag.h"
#include "log.h"
#include "outbox.h"
#include "run.h"
#include "str.h"
#include "timers.h"
#include "version.h"

#define RDR_MAX_RETRY_BACKOFF_MS 5000

static const char rdr_apply_lua[] =
    "-- Apply one event's effects atomically, once per event id.\n"
    "-- KEYS: dedupe, outbox, hash, set. ARGV: ttl_ms[:what the dedupe\n"
    "-- key holds, else 1], #hash strings,\n"
    "-- #set members, #entries, cas field, cas expected, keep_ms (> 0:\n"
    "-- the hash and set written expire keep_ms from now, < 0: the hash\n"
    "-- is kept for ever, 0: their expiry is left), a field of the hash\n"
    "-- to add 1 to ('': none), hash f/v...,\n"
    "-- members..., entry id/value...; with a guard (KEYS[5], run.h):\n"
    "-- #counters, (pattern, own field, max)..., keep_ms, f/v...\n"
    "-- The dedupe key is set first (one call, not EXISTS then SET) and\n"
    "-- taken back if the compare-and-set or the guard refuses: the\n"
    "-- script is atomic. Found set: {0, the outbox, what the key holds}.\n"
    "local ttl, seen = string.match(ARGV[1], '^(%d+):(.+)$')\n"
    "if not ttl then ttl, seen = ARGV[1], '1' end\n"
    "if not redis.call('SET', KEYS[1], seen, 'NX', 'PX', ttl) then\n"
    "  return {0, redis.call('HGETALL', KEYS[2]), redis.call('GET', KEYS[1])}\n"
    "end\n"
    "if ARGV[5] ~= '' then\n"
    "  local cur = redis.call('HGET', KEYS[3], ARGV[5]) or ''\n"
    "  if cur ~= ARGV[6] then\n"
    "    redis.call('DEL', KEYS[1])\n"
    "    return {2, cur}\n"
    "  end\n"
    "end\n"
    "local nh, ns, ne = tonumber(ARGV[2]), tonumber(ARGV[3]), "
    "tonumber(ARGV[4])\n"
    "-- The guard (KEYS[5]): sums of counters kept in another hash,\n"
    "-- the fields a pattern matches (HSCAN MATCH <prefix>*: only those\n"
    "-- reach the script; past one call, a large hash's scan may give a\n"
    "-- field twice: it counts once).\n"
    "local g = 9 + nh + ns + 2 * ne\n"
    "if KEYS[5] then\n"
    "  for c = 0, tonumber(ARGV[g]) - 1 do\n"
    "    local pat, own = ARGV[g + 1 + 3 * c], ARGV[g + 2 + 3 * c]\n"
    "    local sum, cur, seen = 0, '0', nil\n"
    "    repeat\n"
    "      local r = redis.call('HSCAN', KEYS[5], cur, 'MATCH', pat,\n"
    "                           'COUNT', 1000)\n"
    "      local f = r[2]\n"
    "      if r[1] ~= '0' then seen = seen or {} end\n"
    "      cur = r[1]\n"
    "      for j = 1, #f, 2 do\n"
    "        if f[j] ~= own and not (seen and seen[f[j]]) then\n"
    "          if seen then seen[f[j]] = true end\n"
    "          sum = sum + (tonumber(f[j + 1]) or 0)\n"
    "        end\n"
    "      end\n"
    "    until cur == '0'\n"
    "    if sum > tonumber(ARGV[g + 3 + 3 * c]) then\n"
    "      redis.call('DEL', KEYS[1])\n"
    "      return {3, pat, sum}\n"
    "    end\n"
    "  end\n"
    "  g = g + 1 + 3 * tonumber(ARGV[g])\n"
    "end\n"
    "local keep = tonumber(ARGV[7]) or 0\n"
    "local i = 9\n"
    "if nh > 0 or ARGV[8] ~= '' then\n"
    "  if nh > 0 then\n"
    "    redis.call('HSET', KEYS[3], unpack(ARGV, i, i + nh - 1))\n"
    "  end\n"
    "  if ARGV[8] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[8], 1) end\n"
    "  if keep > 0 then redis.call('PEXPIRE', KEYS[3], keep)\n"
    "  elseif keep < 0 then redis.call('PERSIST', KEYS[3]) end\n"
    "end\n"
    "i = i + nh\n"
    "if ns > 0 then\n"
    "  redis.call('SADD', KEYS[4], unpack(ARGV, i, i + ns - 1))\n"
    "  if keep > 0 then redis.call('PEXPIRE', KEYS[4], keep) end\n"
    "end\n"
    "i = i + ns\n"
    "if ne > 0 then\n"
    "  redis.call('HSET', KEYS[2], unpack(ARGV, i, i + 2 * ne - 1))\n"
    "  redis.call('PEXPIRE', KEYS[2], ttl)\n"
    "end\n"
    "if KEYS[5] and #ARGV > g then\n"
    "  redis.call('HSET', KEYS[5], unpack(ARGV, g + 1, #ARGV))\n"
    "  if tonumber(ARGV[g]) > 0 then redis.call('PEXPIRE', KEYS[5], ARGV[g]) "
    "end\n"
    "end\n"
    "return {1}\n";

const char *rdr_worker_apply_script(void) {
        return rdr_apply_lua;
}

/* Outbox entries deleted by one HDEL at most. */
#define RDR_ACK_MAX_FIELDS 64

/* Queued applies are written to Redis as soon as this many bytes are
 * waiting, so that Redis runs them while the rest of the batch is decided. */
#define RDR_APPLY_SEND_BYTES 131072

/* An outbox entry to publish (or a timer to arm) and acknowledge. */
typedef struct rdr_pub_s {
        char *outbox_key;
        char *id;
        size_t id_len;
        char *entry;
        size_t entry_len;
        /* What the outbox stores when it is not entry itself (entry
         * compressed, storage.compression lz4); malloc'd, or NULL. */
        char *stored;
        size_t stored_len;
} rdr_pub_t;

/* A queued apply: which replies of the pipeline belong to it, and its own
 * entries to publish if it turns out new. */
typedef struct rdr_pending_apply_s {
        size_t reply_idx;
        size_t pub_first, pub_cnt; /* in w->staged */
        char *outbox_key;
        int refused; /* a conflict: nothing written (collect_applies) */
        /* The event's content fingerprint its dedupe key would keep
         * ("f1:...", from seen_value), "" if none. */
        char fp[24];
} rdr_pending_apply_t;

/* A script call deferred to the acknowledgement pipeline. */
typedef struct rdr_after_s {
        int script, nkeys;
        int argc;           /* the arguments held */
        int argc_run;       /* how many it runs with (refused_afters()) */
        int refused;        /* one of its applies was (refused_afters()) */
        size_t applies_end; /* its applies end here in w->applies */
        char **argv;
        size_t *lens;
} rdr_after_t;

typedef struct rdr_vec_s {
        void *p;
        size_t cnt, size, elem;
} rdr_vec_t;

static void *vec_push(rdr_vec_t *v) {
        if (v->cnt == v->size) {
                size_t ns = v->size ? v->size * 2 : 64;
                void *np = realloc(v->p, ns * v->elem);
                if (!np)
                        return NULL;
                v->p = np;
                v->size = ns;
        }
        return (char *)v->p + v->elem * v->cnt++;
}

/* Work in hand that can fail and be retried (rdr_worker_s.failing_since_ms). */
enum { FAILING_BATCH, FAILING_TICK, FAILING__CNT };

struct rdr_worker_s {
        const rdr_worker_def_t *def;
        void *opaque;
        rdr_conf_t *conf;
        rdr_redis_t *redis;
        rdr_clock_t *clock;
        rdr_metrics_t *metrics;
        rdr_http_t *http;
        rd_kafka_t *consumer;
        rd_kafka_t *producer;
        char instance[128];
        int protobuf;
        int cooperative;
        char group[256], strategy[128]; /* for kafka_subscribe()'s log */
        int ever_assigned; /* the consumer received an assignment */
        int apply_script;
        int packed;   /* storage.format packed: an event's entries bundled */
        int compress; /* storage.compression lz4: bundles stored compressed */
        int64_t now_ms;

        /* The batch in hand (room for batch_cap: a batch whose
         * acknowledgement failed is retried together with the next). */
        rd_kafka_message_t **rkmsgs;
        rdr_msg_t *msgs;
        size_t batch_cnt, batch_max, batch_cap;
        int64_t batch_wait_ms;

        /* The batch in flight: applied and published, waiting for the
         * broker's acknowledgement and its outbox deletes, which ride on
         * the next batch's apply pipeline (one batch in flight at most;
         * its offsets are stored once that pipeline succeeded). */
        rd_kafka_message_t **fly_rkmsgs;
        rdr_msg_t *fly_msgs;
        size_t fly_cnt;
        rdr_vec_t fly_pubs, fly_afters;
        /* The flight was made this cycle of what a conflicting batch
         * applied (fly_take_pubs()): the cycle's error leaves it be. */
        int fly_fresh;
        int64_t fly_started;
        /* Wall-clock ms of fly_take when the batch in flight published
         * nothing (its effects applied are its end); 0 when it did: its
         * outputs' last delivery report (dr_last_ms) is. */
        int64_t fly_quiet_ms;
        int fly_active;
        /* Redis' round trips when last seen to move, and when: an idle
         * worker PINGs after 5 s without one. */
        uint64_t idle_rt;
        int64_t idle_rt_at;

        /* Effects of the batch. */
        rdr_vec_t applies;       /* rdr_pending_apply_t */
        rdr_vec_t staged;        /* rdr_pub_t: entries of queued applies */
        rdr_vec_t pubs;          /* rdr_pub_t: to publish and ack */
        rdr_vec_t afters;        /* rdr_after_t: scripts to run with the acks */
        const char **apply_argv; /* rdr_worker_apply's arguments (reused) */
        size_t *apply_lens, apply_size;

        /* Delivery state of the current flush (producer thread writes, the
         * loop reads after rd_kafka_flush/poll: serialised by librdkafka's
         * callback dispatch on rd_kafka_poll/flush in this thread). */
        int dr_failed;
        char dr_err[256];
        int64_t dr_last_ms; /* wall-clock ms of the last report served */

        /* While a batch waits for Redis its partitions are paused, and
         * librdkafka's statistics keep the high watermarks of the last
         * fetch: the broker's, asked once per statistics interval
         * (refresh_watermarks()), offset = high watermark. */
        rd_kafka_topic_partition_list_t *fresh_hi;
        int64_t fresh_hi_at;
        int stats_interval_ms;

        /* Health, read by the HTTP thread. */
        volatile int kafka_up;
        volatile int topics_ok;
        int topics_missing; /* at the last probe (logged once, until every
                             * topic exists) */
        int failed;         /* stopped by an error it cannot retry: exit 1 */
        volatile int64_t heartbeat_ms;
        volatile int running;
        /* When the work in hand first failed, on the monotonic clock, the
         * batches' and the ticks' apart; 0 while it goes through. */
        int64_t failing_since_ms[FAILING__CNT];
        /* What Redis answered the last failed attempt (an apply script's
         * error, an arm's), for its retry's log line; "" if nothing. */
        char failure[256];
        int shards_script; /* rdr_timers_note_shards() */
        int shards_noted;  /* timers.shards is in the fleet's count */

        rdr_metric_t *m_consumed, *m_dlq, *m_dup, *m_published, *m_batches,
            *m_retries, *m_latency, *m_batch_seconds, *m_up, *m_ready,
            *m_redis_risk, *m_kafka_errors, *m_redis_rt, *m_redis_cmds,
            *m_redis_reconnects, *m_offsets_refused, *m_rebalances,
            *m_cas_conflicts, *m_lag, *m_assigned, *m_partitions, *m_failing;
        uint64_t last_rt, last_cmds, last_reconnects, last_redirected[3],
            last_wait_short;
        rdr_metric_t *m_redis_masters, *m_redis_redirected, *m_redis_wait_short;
};

static volatile sig_atomic_t rdr_stop_signal = 0;
/* shutdown.timeout in whole seconds, and whether the watchdog is armed:
 * the stop signal arms it, so that the stop takes at most that long from
 * the signal, whatever the batch in hand is waiting for (a broker that
 * went away holds its delivery reports up to shutdown.timeout). */
static unsigned rdr_drain_s;
static volatile sig_atomic_t rdr_watchdog_armed;

static void on_signal(int sig) {
        if (!rdr_stop_signal && rdr_drain_s && !rdr_watchdog_armed) {
                rdr_watchdog_armed = 1;
                alarm(rdr_drain_s);
        }
        rdr_stop_signal = sig;
}

const rdr_conf_t *rdr_worker_conf(const rdr_worker_t *w) {
        return w->conf;
}
rdr_redis_t *rdr_worker_redis(rdr_worker_t *w) {
        return w->redis;
}
rdr_metrics_t *rdr_worker_metrics(rdr_worker_t *w) {
        return w->metrics;
}
const char *rdr_worker_name(const rdr_worker_t *w) {
        return w->def->name;
}
int64_t rdr_worker_now_ms(const rdr_worker_t *w) {
        return w->now_ms;
}
size_t rdr_worker_batch_cap(const rdr_worker_t *w) {
        return w->batch_cap;
}
int rdr_worker_protobuf(const rdr_worker_t *w) {
        return w->protobuf;
}

int rdr_worker_packed(const rdr_worker_t *w) {
        return w->packed;
}

rdr_err_t rdr_msg_settle(rdr_msg_t *m, rdr_err_t err) {
        if (rdr_err_class(err) != RDR_ERRCLASS_PERMANENT)
                return err;
        m->err = err;
        if (!m->errstr[0])
                snprintf(m->errstr, sizeof(m->errstr), "%s", rdr_err2str(err));
        return RDR_OK;
}

int rdr_fingerprint_differs(const char *stored, size_t len, const char *fp) {
        const char *colon;
        size_t head;
        if (!stored || !fp || fp[0] != 'f' || !(colon = strchr(fp, ':')))
                return 0;
        head = (size_t)(colon - fp) + 1; /* "f1:" */
        if (len <= head || memcmp(stored, fp, head))
                return 0;
        return len != strlen(fp) || memcmp(stored, fp, len) != 0;
}

rdr_err_t rdr_msg_fail(rdr_msg_t *m, const char *why) {
        snprintf(m->errstr, sizeof(m->errstr), "%s", why);
        return m->err = RDR_ERR_INVALID;
}

/* ---- Effects ---- */

/* An entry's strings share one allocation, owned by outbox_key; its
 * stored form has its own. */
static void pub_free(rdr_pub_t *p) {
        free(p->outbox_key);
        free(p->stored);
        p->outbox_key = p->id = p->entry = p->stored = NULL;
}

static void after_free(rdr_after_t *a) {
        int i;
        for (i = 0; a->argv && i < a->argc; i++)
                free(a->argv[i]);
        free(a->argv);
        free(a->lens);
}

rdr_err_t rdr_worker_after_eval(rdr_worker_t *w, int script, int nkeys,
                                int argc_done, int argc, const char **argv,
                                const size_t *lens) {
        rdr_after_t *a = vec_push(&w->afters);
        int i;
        if (!a)
                return RDR_ERR_NOMEM;
        memset(a, 0, sizeof(*a));
        a->script = script;
        a->nkeys = nkeys;
        a->argc_run = argc_done;
        a->applies_end = w->applies.cnt;
        a->argv = calloc((size_t)argc, sizeof(*a->argv));
        a->lens = calloc((size_t)argc, sizeof(*a->lens));
        if (!a->argv || !a->lens)
                goto nomem;
        for (i = 0; i < argc; i++) {
                a->lens[i] = lens ? lens[i] : strlen(argv[i]);
                a->argv[i] = malloc(a->lens[i] + 1);
                if (!a->argv[i])
                        goto nomem;
                a->argc = i + 1;
                memcpy(a->argv[i], argv[i], a->lens[i]);
                a->argv[i][a->lens[i]] = '\0';
        }
        return RDR_OK;
nomem:
        after_free(a);
        w->afters.cnt--;
        return RDR_ERR_NOMEM;
}

int rdr_worker_after_refused(const rdr_worker_t *w, size_t i) {
        const rdr_after_t *af = w->afters.p;
        return i < w->afters.cnt && af[i].refused;
}

static void effects_reset(rdr_worker_t *w) {
        size_t i;
        rdr_after_t *af = w->afters.p;
        for (i = 0; i < w->afters.cnt; i++)
                after_free(&af[i]);
        w->afters.cnt = 0;
        rdr_pending_apply_t *pa = w->applies.p;
        rdr_pub_t *st = w->staged.p, *pb = w->pubs.p;
        for (i = 0; i < w->applies.cnt; i++)
                free(pa[i].outbox_key);
        for (i = 0; i < w->staged.cnt; i++)
                pub_free(&st[i]);
        for (i = 0; i < w->pubs.cnt; i++)
                pub_free(&pb[i]);
        w->applies.cnt = w->staged.cnt = w->pubs.cnt = 0;
        if (w->redis) /* NULL: stopped by the configuration before Redis */
                rdr_redis_reset(w->redis);
}

/* Room for an entry to publish: outbox_key copied, id (id_len bytes) and
 * entry (entry_len bytes) left for the caller to write, each followed by a
 * NUL. Its strings share one allocation, owned by outbox_key. */
static rdr_err_t pub_alloc(rdr_pub_t *p, const char *outbox_key, size_t id_len,
                           size_t entry_len) {
        size_t kl = strlen(outbox_key);
        char *b = malloc(kl + 1 + id_len + 1 + entry_len + 1);
        if (!b)
                return RDR_ERR_NOMEM;
        p->outbox_key = memcpy(b, outbox_key, kl + 1);
        p->id = b + kl + 1;
        p->id[id_len] = '\0';
        p->id_len = id_len;
        p->entry = p->id + id_len + 1;
        p->entry[entry_len] = '\0';
        p->entry_len = entry_len;
        p->stored = NULL;
        p->stored_len = 0;
        return RDR_OK;
}

static rdr_err_t pub_fill(rdr_pub_t *p, const char *outbox_key, const char *id,
                          size_t id_len, const char *entry, size_t entry_len) {
        char *raw = NULL;
        size_t raw_len = 0;
        rdr_err_t err;
        /* A compressed bundle read back from an outbox: publish what it
         * holds. One that does not decompress is kept as it is, and
         * reported as unreadable when published. */
        if (rdr_bundle_is_compressed(entry, entry_len)) {
                err = rdr_bundle_decompress(entry, entry_len, &raw, &raw_len);
                if (err == RDR_ERR_NOMEM)
                        return err;
                if (!err) {
                        entry = raw;
                        entry_len = raw_len;
                }
        }
        err = pub_alloc(p, outbox_key, id_len, entry_len);
        if (!err) {
                memcpy(p->id, id, id_len);
                memcpy(p->entry, entry, entry_len);
        }
        free(raw);
        return err;
}

/* The bundle of a's entries as one pub, named "b:" + the first entry's id
 * (deterministic: a replay names it the same), stored compressed if
 * compress and that makes it smaller. */
static rdr_err_t pub_fill_bundle(rdr_pub_t *p, const rdr_apply_t *a,
                                 int compress) {
        size_t il = strlen(a->entry_ids[0]);
        if (pub_alloc(p, a->outbox_key, 2 + il,
                      rdr_bundle_size(a->entry_lens, a->entries_cnt)))
                return RDR_ERR_NOMEM;
        memcpy(p->id, "b:", 2);
        memcpy(p->id + 2, a->entry_ids[0], il);
        rdr_bundle_write(p->entry, a->entries, a->entry_lens, a->entries_cnt);
        if (compress && rdr_bundle_compress(p->entry, p->entry_len, &p->stored,
                                            &p->stored_len)) {
                pub_free(p);
                return RDR_ERR_NOMEM;
        }
        return RDR_OK;
}

rdr_err_t rdr_worker_publish_entry(rdr_worker_t *w, const char *outbox_key,
                                   const char *id, size_t id_len,
                                   const char *entry, size_t entry_len) {
        rdr_pub_t *p = vec_push(&w->pubs);
        if (!p)
                return RDR_ERR_NOMEM;
        if (pub_fill(p, outbox_key, id, id_len, entry, entry_len)) {
                w->pubs.cnt--;
                return RDR_ERR_NOMEM;
        }
        return RDR_OK;
}

/* The HSCAN pattern of a guard's prefix into pat (size bytes): the
 * prefix, its glob characters escaped, then "*". -1 if it does not fit. */
static int guard_pattern(char *pat, size_t size, const char *prefix) {
        size_t n = 0;
        for (; *prefix; prefix++) {
                if (strchr("*?[]\\", *prefix)) {
                        if (n + 1 >= size)
                                return -1;
                        pat[n++] = '\\';
                }
                if (n + 1 >= size)
                        return -1;
                pat[n++] = *prefix;
        }
        if (n + 2 > size)
                return -1;
        pat[n++] = '*';
        pat[n] = '\0';
        return 0;
}

rdr_err_t rdr_worker_apply(rdr_worker_t *w, const rdr_apply_t *a) {
        size_t guards = !a->guard_key                     ? 0
                        : a->guard_cnt > RDR_APPLY_GUARDS ? RDR_APPLY_GUARDS
                                                          : a->guard_cnt;
        size_t n = 12 + a->hash_fv_cnt + a->set_members_cnt +
                   2 * a->entries_cnt +
                   (a->guard_key ? 3 + 3 * guards + a->guard_fv_cnt : 0);
        const char **argv;
        size_t *lens;
        char ttl[128], nh[32], ns[32], ne[32], keep[32], gcnt[32], gkeep[32],
            gmax[RDR_APPLY_GUARDS][32], gpat[RDR_APPLY_GUARDS][128];
        /* Outbox fields: one bundle of the entries (packed), or one each. */
        size_t npub = w->packed ? a->entries_cnt > 0 : a->entries_cnt;
        size_t i, k = 0;
        rdr_pending_apply_t *pa;
        for (i = 0; i < guards; i++)
                if (guard_pattern(gpat[i], sizeof(gpat[i]), a->guard_prefix[i]))
                        return RDR_ERR_TOO_LARGE;
        if (n > w->apply_size) {
                const char **na =
                    realloc(w->apply_argv, n * sizeof(*w->apply_argv));
                size_t *nl;
                if (!na)
                        return RDR_ERR_NOMEM;
                w->apply_argv = na;
                nl = realloc(w->apply_lens, n * sizeof(*w->apply_lens));
                if (!nl)
                        return RDR_ERR_NOMEM;
                w->apply_lens = nl;
                w->apply_size = n;
        }
        argv = w->apply_argv;
        lens = w->apply_lens;
        argv[k++] = a->dedupe_key;
        argv[k++] = a->outbox_key;
        argv[k++] = a->hash_key ? a->hash_key : a->outbox_key;
        argv[k++] = a->set_key ? a->set_key : a->outbox_key;
        if (a->guard_key)
                argv[k++] = a->guard_key;
        if (a->seen_value && *a->seen_value) {
                if ((size_t)snprintf(ttl, sizeof(ttl), "%lld:%s",
                                     (long long)a->ttl_ms,
                                     a->seen_value) >= sizeof(ttl))
                        return RDR_ERR_TOO_LARGE;
        } else {
                rdr_str_int(ttl, (long long)a->ttl_ms);
        }
        rdr_str_int(nh, a->hash_key ? (long long)a->hash_fv_cnt : 0);
        rdr_str_int(ns, a->set_key ? (long long)a->set_members_cnt : 0);
        rdr_str_int(ne, (long long)npub);
        argv[k++] = ttl;
        argv[k++] = nh;
        argv[k++] = ns;
        argv[k++] = ne;
        argv[k++] = a->cas_field ? a->cas_field : "";
        argv[k++] = a->cas_field && a->cas_expected ? a->cas_expected : "";
        rdr_str_int(keep, (long long)a->keep_ms);
        argv[k++] = keep;
        argv[k++] = a->hash_key && a->hash_incr ? a->hash_incr : "";
        for (i = 0; i < k; i++)
                lens[i] = strlen(argv[i]);
        if (a->hash_key)
                for (i = 0; i < a->hash_fv_cnt; i++, k++) {
                        argv[k] = a->hash_fv[i];
                        lens[k] = strlen(a->hash_fv[i]);
                }
        if (a->set_key)
                for (i = 0; i < a->set_members_cnt; i++, k++) {
                        argv[k] = a->set_members[i];
                        lens[k] = strlen(a->set_members[i]);
                }
        pa = vec_push(&w->applies);
        if (!pa)
                return RDR_ERR_NOMEM;
        pa->reply_idx = rdr_redis_queued(w->redis);
        pa->refused = 0; /* the slot may hold an earlier cycle's */
        pa->pub_first = w->staged.cnt;
        pa->pub_cnt = 0;
        pa->outbox_key = strdup(a->outbox_key);
        if (!pa->outbox_key) {
                w->applies.cnt--;
                return RDR_ERR_NOMEM;
        }
        pa->fp[0] = '\0';
        if (a->seen_value && a->seen_value[0] == 'f' &&
            strchr(a->seen_value, ':') &&
            strlen(a->seen_value) < sizeof(pa->fp))
                memcpy(pa->fp, a->seen_value, strlen(a->seen_value) + 1);
        for (i = 0; i < npub; i++) {
                rdr_pub_t *p = vec_push(&w->staged);
                if (!p ||
                    (w->packed ? pub_fill_bundle(p, a, w->compress)
                               : pub_fill(p, a->outbox_key, a->entry_ids[i],
                                          strlen(a->entry_ids[i]),
                                          a->entries[i], a->entry_lens[i]))) {
                        if (p)
                                w->staged.cnt--;
                        return RDR_ERR_NOMEM;
                }
                pa->pub_cnt++;
                argv[k] = p->id;
                lens[k++] = p->id_len;
                argv[k] = p->stored ? p->stored : p->entry;
                lens[k++] = p->stored ? p->stored_len : p->entry_len;
        }
        if (a->guard_key) {
                size_t from = k;
                rdr_str_int(gcnt, (long long)guards);
                argv[k++] = gcnt;
                for (i = 0; i < guards; i++) {
                        rdr_str_int(gmax[i], a->guard_max[i]);
                        argv[k++] = gpat[i];
                        argv[k++] = a->guard_own[i];
                        argv[k++] = gmax[i];
                }
                rdr_str_int(gkeep, (long long)a->guard_keep_ms);
                argv[k++] = gkeep;
                for (i = 0; i < a->guard_fv_cnt; i++)
                        argv[k++] = a->guard_fv[i];
                for (i = from; i < k; i++)
                        lens[i] = strlen(argv[i]);
        }
        rdr_redis_eval(w->redis, w->apply_script, a->guard_key ? 5 : 4, (int)k,
                       argv, lens);
        if (rdr_redis_unsent(w->redis) >= RDR_APPLY_SEND_BYTES)
                rdr_redis_send(w->redis);
        return RDR_OK;
}

static int pub_in(const rdr_vec_t *v, const char *outbox_key, const char *id,
                  size_t id_len) {
        const rdr_pub_t *pb = v->p;
        size_t i;
        for (i = 0; i < v->cnt; i++)
                if (pb[i].id_len == id_len && !memcmp(pb[i].id, id, id_len) &&
                    !strcmp(pb[i].outbox_key, outbox_key))
                        return 1;
        return 0;
}

/* Already being published: by this batch, or by the batch in flight (a
 * replay of one of its events finds its entries not yet deleted). */
static int pub_seen(rdr_worker_t *w, const char *outbox_key, const char *id,
                    size_t id_len) {
        return pub_in(&w->pubs, outbox_key, id, id_len) ||
               (w->fly_active && pub_in(&w->fly_pubs, outbox_key, id, id_len));
}

/* The name of a guard's counters from its pattern (its prefix up to the
 * first ':' or glob character: "writes:*" is "writes") into what, for
 * redress_state_conflicts_total; "guard" without one. */
static void guard_name(char *what, size_t size, const char *pattern) {
        size_t n = pattern ? strcspn(pattern, ":*?[\\") : 0;
        if (n == 0 || n >= size) {
                snprintf(what, size, "guard");
                return;
        }
        memcpy(what, pattern, n);
        what[n] = '\0';
}

/* Turn the replies of the apply scripts into the publication list. A
 * conflict (a compare-and-set or a guard refused) returns RDR_ERR_STATE,
 * once every reply was read: the list then holds what the batch's other
 * events applied (cycle_once() publishes it before the retry). */
static rdr_err_t collect_applies(rdr_worker_t *w) {
        rdr_pending_apply_t *pa = w->applies.p;
        rdr_pub_t *st = w->staged.p;
        size_t i, j;
        int conflict = 0;
        for (i = 0; i < w->applies.cnt; i++) {
                const redisReply *r =
                    rdr_redis_reply(w->redis, pa[i].reply_idx);
                if (!r || r->type == REDIS_REPLY_ERROR ||
                    r->type != REDIS_REPLY_ARRAY || r->elements < 1) {
                        snprintf(w->failure, sizeof(w->failure), "%s",
                                 r && r->type == REDIS_REPLY_ERROR
                                     ? r->str
                                     : "unexpected reply");
                        rdr_log(RDR_LOG_ERROR, "redis.script_error",
                                "apply script failed: %s", w->failure);
                        return RDR_ERR_REDIS;
                }
                if (r->element[0]->integer == 2) {
                        /* Someone changed the state since it was read:
                         * retry the batch; applied events replay as
                         * duplicates, this one is decided again. */
                        rdr_metric_add(w->m_cas_conflicts, "record", 1);
                        rdr_log(RDR_LOG_DEBUG, "apply.conflict",
                                "%s changed concurrently: retrying",
                                pa[i].outbox_key);
                        pa[i].refused = conflict = 1;
                        continue;
                }
                if (r->element[0]->integer == 3) {
                        /* Another hash sharing the guarded counts sent
                         * since they were read (an order's other case,
                         * stepped by another worker): decide again. */
                        int named = r->elements > 2 &&
                                    r->element[1]->type == REDIS_REPLY_STRING;
                        char what[48];
                        guard_name(what, sizeof(what),
                                   named ? r->element[1]->str : NULL);
                        rdr_metric_add(w->m_cas_conflicts, what, 1);
                        rdr_log(RDR_LOG_DEBUG, "apply.guard_moved",
                                "%s: the shared counts moved on (%s %lld): "
                                "retrying",
                                pa[i].outbox_key,
                                named ? r->element[1]->str : "?",
                                named ? r->element[2]->integer : 0);
                        pa[i].refused = conflict = 1;
                        continue;
                }
                if (r->element[0]->integer == 1) {
                        /* New: publish the entries it stored. */
                        for (j = 0; j < pa[i].pub_cnt; j++) {
                                rdr_pub_t *p = vec_push(&w->pubs);
                                if (!p)
                                        return RDR_ERR_NOMEM;
                                *p = st[pa[i].pub_first + j];
                                memset(&st[pa[i].pub_first + j], 0, sizeof(*p));
                        }
                        continue;
                }
                if (pa[i].fp[0] && r->elements > 2 &&
                    r->element[2]->type == REDIS_REPLY_STRING &&
                    rdr_fingerprint_differs(r->element[2]->str,
                                            r->element[2]->len, pa[i].fp)) {
                        /* Its event_id applied to other content since the
                         * read (earlier in the batch, or by another
                         * worker): decided again, its read then tells it
                         * (a dead letter, rdr_casework_seen()). */
                        rdr_metric_add(w->m_cas_conflicts, "event_id", 1);
                        rdr_log(RDR_LOG_DEBUG, "apply.event_id_reused",
                                "%s: event_id applied to other content "
                                "since the read: retrying",
                                pa[i].outbox_key);
                        pa[i].refused = conflict = 1;
                        continue;
                }
                /* A replay: publish what is still pending. */
                rdr_metric_add(w->m_dup, NULL, 1);
                if (r->elements < 2 || r->element[1]->type != REDIS_REPLY_ARRAY)
                        continue;
                for (j = 0; j + 1 < r->element[1]->elements; j += 2) {
                        const redisReply *id = r->element[1]->element[j];
                        const redisReply *ev = r->element[1]->element[j + 1];
                        if (pub_seen(w, pa[i].outbox_key, id->str, id->len))
                                continue;
                        if (rdr_worker_publish_entry(w, pa[i].outbox_key,
                                                     id->str, id->len, ev->str,
                                                     ev->len))
                                return RDR_ERR_NOMEM;
                }
        }
        return conflict ? RDR_ERR_STATE : RDR_OK;
}

/* ---- Kafka ---- */

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                      void *opaque) {
        rdr_worker_t *w = opaque;
        (void)rk;
        w->dr_last_ms = rdr_wall_ms();
        if (rkm->err) {
                w->dr_failed++;
                snprintf(w->dr_err, sizeof(w->dr_err), "%s: %s",
                         rd_kafka_topic_name(rkm->rkt),
                         rd_kafka_err2str(rkm->err));
        } else {
                rdr_metric_add(w->m_published, rd_kafka_topic_name(rkm->rkt),
                               1);
        }
}

/* --check-config: set before any Kafka handle exists, read by their
 * threads. Validation connects to nothing: only librdkafka's notes on the
 * configuration itself are logged, not its attempts to reach a broker. */
static int kafka_check_only;

/* Stop for an error that retrying cannot mend: drain, then exit 1 (for
 * the supervisor to restart the worker; 0 would read as done). */
static void stop_failed(rdr_worker_t *w) {
        w->failed = 1;
        rdr_stop_signal = SIGTERM;
}

/* The producer cannot go on (its idempotent identity refused for good,
 * rd_kafka_fatal_error()): stop taking messages, drain what was
 * acknowledged, exit 1, and be restarted with a fresh one. */
static void kafka_fatal(rdr_worker_t *w) {
        char why[512];
        if (w->failed)
                return;
        if (!rd_kafka_fatal_error(w->producer, why, sizeof(why)))
                snprintf(why, sizeof(why), "a fatal error");
        rdr_log(RDR_LOG_ERROR, "kafka.fatal",
                "the Kafka producer cannot go on: %s; stopping", why);
        stop_failed(w);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason,
                     void *opaque) {
        rdr_worker_t *w = opaque;
        (void)rk;
        if (kafka_check_only)
                return;
        rdr_metric_add(w->m_kafka_errors,
                       rd_kafka_err2name((rd_kafka_resp_err_t)err), 1);
        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                w->kafka_up = 0;
        if (err == RD_KAFKA_RESP_ERR__FATAL)
                kafka_fatal(w);
        rdr_log(err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
                        err == RD_KAFKA_RESP_ERR__FATAL
                    ? RDR_LOG_ERROR
                    : RDR_LOG_WARN,
                "kafka.error", "%s: %s",
                rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf) {
        (void)rk;
        if (kafka_check_only && strcmp(fac, "CONFWARN"))
                return;
        /* The kafka: settings go to the producer and the consumer alike,
         * so librdkafka notes on every start that one of them ignores a
         * property of the other (fetch.*, linger.ms): expected, not a
         * warning. */
        if (!strcmp(fac, "CONFWARN") &&
            strstr(buf, " property and will be ignored by this "))
                level = 7;
        rdr_log(level <= 3   ? RDR_LOG_ERROR
                : level <= 4 ? RDR_LOG_WARN
                : level <= 6 ? RDR_LOG_INFO
                             : RDR_LOG_DEBUG,
                "kafka.log", "%s: %s", fac, buf);
}

static void lag_set(const char *topic, long long lag, void *arg) {
        rdr_worker_t *w = arg;
        rdr_metric_set(w->m_lag, topic, (double)lag);
}

/* The broker's high watermark of a paused partition (w->fresh_hi), or
 * -1. */
static long long fresh_hi_of(const char *topic, int partition, void *arg) {
        const rdr_worker_t *w = arg;
        int i;
        for (i = 0; w->fresh_hi && i < w->fresh_hi->cnt; i++) {
                const rd_kafka_topic_partition_t *p = &w->fresh_hi->elems[i];
                if (p->partition == partition && !strcmp(p->topic, topic))
                        return p->offset;
        }
        return -1;
}

static void fresh_hi_clear(rdr_worker_t *w) {
        if (w->fresh_hi)
                rd_kafka_topic_partition_list_destroy(w->fresh_hi);
        w->fresh_hi = NULL;
        w->fresh_hi_at = 0;
}

/* librdkafka's statistics, served by the consumer's poll: the lag, and
 * whether any broker connection is up. */
static int stats_cb(rd_kafka_t *rk, char *json, size_t json_len, void *opaque) {
        rdr_worker_t *w = opaque;
        (void)rk;
        rdr_lag_from_stats(json, json_len, lag_set, fresh_hi_of, opaque);
        /* librdkafka's "all brokers down" misses a broker it never
         * connected to (lag.h): no connection up at all is Kafka out of
         * reach too. The probe of run_loop() tells when it is back. */
        if (w->kafka_up && rdr_stats_brokers_up(json, json_len) == 0) {
                w->kafka_up = 0;
                rdr_log(RDR_LOG_ERROR, "kafka.unreachable",
                        "no connection to a Kafka broker is up (librdkafka "
                        "statistics)");
        }
        return 0;
}

static rd_kafka_conf_t *kafka_conf(rdr_worker_t *w, char *errstr,
                                   size_t errstr_size) {
        rd_kafka_conf_t *kc;
        /* librdkafka only warns, and its client then never connects. */
        if (!rdr_conf_kafka_isset(w->conf, "bootstrap.servers") &&
            !rdr_conf_kafka_isset(w->conf, "metadata.broker.list")) {
                snprintf(errstr, errstr_size,
                         "%s: key 'kafka.bootstrap.servers' is not set (the "
                         "file's kafka: section or REDRESS_KAFKA_BOOTSTRAP)",
                         rdr_conf_path(w->conf));
                return NULL;
        }
        kc = rd_kafka_conf_new();
        rd_kafka_conf_set_opaque(kc, w);
        rd_kafka_conf_set_error_cb(kc, error_cb);
        rd_kafka_conf_set_log_cb(kc, log_cb);
        if (rdr_conf_kafka_apply(w->conf, kc, errstr, errstr_size)) {
                rd_kafka_conf_destroy(kc);
                return NULL;
        }
        return kc;
}

/* Set a property unless the operator set it under kafka.*. */
static int kc_default(const rdr_worker_t *w, rd_kafka_conf_t *kc,
                      const char *name, const char *value, char *errstr,
                      size_t errstr_size) {
        if (rdr_conf_kafka_isset(w->conf, name))
                return 0;
        return rd_kafka_conf_set(kc, name, value, errstr, errstr_size) ==
                       RD_KAFKA_CONF_OK
                   ? 0
                   : -1;
}

static rdr_err_t process_pending(rdr_worker_t *w);
static rdr_err_t settle_flight(rdr_worker_t *w, int once);
static void drop_partitions(rdr_worker_t *w,
                            const rd_kafka_topic_partition_list_t *parts);

/* The partitions of each input topic this instance owns now: summed over
 * a worker's instances, to compare with the topic's (kafka_probe()). */
static void assigned_set(rdr_worker_t *w, rd_kafka_t *rk) {
        rd_kafka_topic_partition_list_t *a = NULL;
        const char *const *t;
        if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR)
                return;
        for (t = w->def->topics; t && *t; t++) {
                const char *name = rdr_conf_str(w->conf, *t);
                int i, n = 0;
                for (i = 0; i < a->cnt; i++)
                        n += !strcmp(a->elems[i].topic, name);
                rdr_metric_set(w->m_assigned, name, n);
        }
        rd_kafka_topic_partition_list_destroy(a);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        rdr_worker_t *w = opaque;
        rd_kafka_error_t *error = NULL;
        rd_kafka_resp_err_t ret = RD_KAFKA_RESP_ERR_NO_ERROR;
        int i;
        rdr_metric_add(w->m_rebalances,
                       err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assign"
                                                                   : "revoke",
                       1);
        for (i = 0; i < parts->cnt; i++)
                rdr_log(RDR_LOG_INFO,
                        err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
                            ? "kafka.assign"
                            : "kafka.revoke",
                        "%s [%d]", parts->elems[i].topic,
                        (int)parts->elems[i].partition);
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                w->ever_assigned = 1;
                if (w->cooperative)
                        error = rd_kafka_incremental_assign(rk, parts);
                else
                        ret = rd_kafka_assign(rk, parts);
        } else {
                /* Finish the batch in hand so that its offsets are stored
                 * and committed before the partitions move; if that cannot
                 * be done now, forget the revoked partitions' messages: the
                 * next owner re-reads them from the last commit, and every
                 * effect is idempotent. */
                if (w->batch_cnt > 0)
                        process_pending(w);
                settle_flight(w, 1);
                if (w->batch_cnt > 0)
                        drop_partitions(w, parts);
                /* Stored offsets only ever cover applied messages: commit
                 * them now, while the revoked partitions are still ours. */
                rd_kafka_commit(rk, NULL, 0);
                if (w->cooperative)
                        error = rd_kafka_incremental_unassign(rk, parts);
                else
                        ret = rd_kafka_assign(rk, NULL);
        }
        if (error) {
                rdr_log(RDR_LOG_ERROR, "kafka.rebalance_error", "%s",
                        rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        } else if (ret) {
                rdr_log(RDR_LOG_ERROR, "kafka.rebalance_error", "%s",
                        rd_kafka_err2str(ret));
        }
        assigned_set(w, rk);
}

static rdr_err_t kafka_start(rdr_worker_t *w, char *errstr,
                             size_t errstr_size) {
        rd_kafka_conf_t *kc;
        char group[256], why[512], max[RDR_STR_INT_SIZE];
        const char *g = rdr_conf_str(w->conf, "consumer.group");
        char strategy[128];
        size_t sz = sizeof(strategy);

        /* Producer: idempotent, so broker retries never duplicate or
         * reorder what we publish; messages as big as the brokers take by
         * default, so that a dead letter of an event near 1 MiB goes whole
         * (dlq.h). */
        kc = kafka_conf(w, errstr, errstr_size);
        if (!kc)
                return RDR_ERR_CONFIG;
        rd_kafka_conf_set_dr_msg_cb(kc, dr_msg_cb);
        snprintf(max, sizeof(max), "%d", RDR_KAFKA_MESSAGE_MAX);
        if (kc_default(w, kc, "enable.idempotence", "true", why, sizeof(why)) ||
            kc_default(w, kc, "linger.ms", "5", why, sizeof(why)) ||
            kc_default(w, kc, "message.max.bytes", max, why, sizeof(why))) {
                snprintf(errstr, errstr_size, "kafka producer: %s", why);
                rd_kafka_conf_destroy(kc);
                return RDR_ERR_CONFIG;
        }
        w->producer = rd_kafka_new(RD_KAFKA_PRODUCER, kc, why, sizeof(why));
        if (!w->producer) {
                snprintf(errstr, errstr_size, "kafka producer: %s", why);
                rd_kafka_conf_destroy(kc);
                return RDR_ERR_CONFIG;
        }
        if (!w->def->topics)
                return RDR_OK;

        /* Consumer: offsets are stored by us after the effects are durable
         * and committed in the background; reset to the earliest offset so
         * that a new group misses nothing. */
        kc = kafka_conf(w, errstr, errstr_size);
        if (!kc)
                return RDR_ERR_CONFIG;
        if (g[0])
                snprintf(group, sizeof(group), "%s", g);
        else
                snprintf(group, sizeof(group), "redress-%s", w->def->name);
        if (rd_kafka_conf_set(kc, "group.id", group, why, sizeof(why)) ||
            rd_kafka_conf_set(kc, "enable.auto.offset.store", "false", why,
                              sizeof(why)) ||
            rd_kafka_conf_set(kc, "enable.auto.commit", "true", why,
                              sizeof(why)) ||
            rd_kafka_conf_set(kc, "enable.partition.eof", "false", why,
                              sizeof(why))) {
                snprintf(errstr, errstr_size, "kafka consumer: %s", why);
                rd_kafka_conf_destroy(kc);
                return RDR_ERR_CONFIG;
        }
        if (!rdr_conf_kafka_isset(w->conf, "partition.assignment.strategy"))
                rd_kafka_conf_set(kc, "partition.assignment.strategy",
                                  "cooperative-sticky", why, sizeof(why));
        sz = sizeof(strategy);
        rd_kafka_conf_get(kc, "partition.assignment.strategy", strategy, &sz);
        w->cooperative = strstr(strategy, "cooperative") != NULL;
        /* librdkafka pre-fetches up to 64 MiB per consumer by default; a
         * worker needs a few batches in hand, not a backlog in memory:
         * 8 MiB is over a second of reviews at full speed (100,000
         * reviews, one worker: the same rate as with 16 MiB, peak RSS
         * 44 MiB instead of 58). */
        if (!rdr_conf_kafka_isset(w->conf, "queued.max.messages.kbytes"))
                rd_kafka_conf_set(kc, "queued.max.messages.kbytes", "8192", why,
                                  sizeof(why));
        if (!rdr_conf_kafka_isset(w->conf, "auto.offset.reset"))
                rd_kafka_conf_set(kc, "auto.offset.reset", "earliest", why,
                                  sizeof(why));
        /* redress_consumer_lag every 5 s (0 turns it off). */
        if (!rdr_conf_kafka_isset(w->conf, "statistics.interval.ms"))
                rd_kafka_conf_set(kc, "statistics.interval.ms", "5000", why,
                                  sizeof(why));
        {
                char v[32];
                size_t vsize = sizeof(v);
                if (rd_kafka_conf_get(kc, "statistics.interval.ms", v,
                                      &vsize) == RD_KAFKA_CONF_OK)
                        w->stats_interval_ms = atoi(v);
        }
        rd_kafka_conf_set_stats_cb(kc, stats_cb);
        rd_kafka_conf_set_rebalance_cb(kc, rebalance_cb);
        w->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, kc, why, sizeof(why));
        if (!w->consumer) {
                snprintf(errstr, errstr_size, "kafka consumer: %s", why);
                rd_kafka_conf_destroy(kc);
                return RDR_ERR_CONFIG;
        }
        rd_kafka_poll_set_consumer(w->consumer);
        snprintf(w->group, sizeof(w->group), "%s", group);
        snprintf(w->strategy, sizeof(w->strategy), "%s", strategy);
        return RDR_OK;
}

/* Join the group: once the worker can serve its operations port, so that
 * an instance that cannot start (the port taken, by an instance still
 * draining say) makes the group rebalance for nothing. */
static rdr_err_t kafka_subscribe(rdr_worker_t *w, char *errstr,
                                 size_t errstr_size) {
        rd_kafka_topic_partition_list_t *subs;
        const char *const *t;
        if (!w->consumer)
                return RDR_OK;
        subs = rd_kafka_topic_partition_list_new(4);
        for (t = w->def->topics; *t; t++)
                rd_kafka_topic_partition_list_add(
                    subs, rdr_conf_str(w->conf, *t), RD_KAFKA_PARTITION_UA);
        if (rd_kafka_subscribe(w->consumer, subs)) {
                snprintf(errstr, errstr_size, "kafka: cannot subscribe");
                rd_kafka_topic_partition_list_destroy(subs);
                return RDR_ERR_KAFKA;
        }
        rd_kafka_topic_partition_list_destroy(subs);
        assigned_set(w, w->consumer); /* none yet: 0, not absent */
        rdr_log(RDR_LOG_INFO, "kafka.subscribed",
                "group %s, assignment strategy %s", w->group, w->strategy);
        return RDR_OK;
}

/* Of the topics the configuration names under keys (NULL-terminated),
 * those md does not list (each logged while none was missing before). */
static int topics_absent(rdr_worker_t *w, const struct rd_kafka_metadata *md,
                         const char *const *keys, const char *what) {
        int missing = 0, i;
        for (; keys && *keys; keys++) {
                const char *name = rdr_conf_str(w->conf, *keys);
                int found = 0;
                for (i = 0; i < md->topic_cnt && !found; i++)
                        found = !strcmp(md->topics[i].topic, name) &&
                                !md->topics[i].err;
                if (found)
                        continue;
                if (!w->topics_missing)
                        rdr_log(RDR_LOG_ERROR, "kafka.topic_missing",
                                "%s topic %s does not exist", what, name);
                missing++;
        }
        return missing;
}

/* How many partitions each input topic has: a partition no instance owns
 * (a rebalance that never ended, an instance gone without leaving the
 * group) shows as the sum of partitions_assigned falling short, where no
 * consumer_lag can show it. */
static void partitions_set(rdr_worker_t *w,
                           const struct rd_kafka_metadata *md) {
        const char *const *t;
        int i;
        for (t = w->def->topics; t && *t; t++) {
                const char *name = rdr_conf_str(w->conf, *t);
                for (i = 0; i < md->topic_cnt; i++)
                        if (!md->topics[i].err &&
                            !strcmp(md->topics[i].topic, name))
                                rdr_metric_set(w->m_partitions, name,
                                               md->topics[i].partition_cnt);
        }
}

/* Ask the cluster for the topics we read and write: proves the brokers
 * answer (readiness) and tells the operator about missing topics. */
static void kafka_probe(rdr_worker_t *w) {
        const struct rd_kafka_metadata *md = NULL;
        static const char *const outs[] = {"topics.cases", "topics.actions",
                                           "topics.dlq", NULL};
        int missing;
        if (rd_kafka_metadata(w->producer, 1, NULL, &md, 2000) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
                w->kafka_up = 0;
                return;
        }
        missing = topics_absent(w, md, w->def->topics, "input") +
                  topics_absent(w, md, outs, "output");
        partitions_set(w, md);
        rd_kafka_metadata_destroy(md);
        if (w->topics_missing && !missing)
                rdr_log(RDR_LOG_INFO, "kafka.topics_found",
                        "every topic exists now: ready");
        w->topics_missing = missing;
        w->topics_ok = missing == 0;
        w->kafka_up = 1;
}

/* ---- Health ---- */

static int probe_health(void *opaque, char *why, size_t why_size) {
        rdr_worker_t *w = opaque;
        int64_t age = rdr_mono_ms() - w->heartbeat_ms;
        if (age > 60000) {
                snprintf(why, why_size, "loop stalled for %lld ms",
                         (long long)age);
                return 0;
        }
        return 1;
}

static int probe_ready(void *opaque, char *why, size_t why_size) {
        rdr_worker_t *w = opaque;
        if (!w->running) {
                snprintf(why, why_size, "starting or stopping");
                return 0;
        }
        if (!rdr_redis_is_up(w->redis)) {
                snprintf(why, why_size, "redis unreachable: %s",
                         rdr_redis_errstr(w->redis));
                return 0;
        }
        if (!w->kafka_up) {
                snprintf(why, why_size, "kafka unreachable");
                return 0;
        }
        if (!w->topics_ok) {
                snprintf(why, why_size, "topics missing");
                return 0;
        }
        return probe_health(opaque, why, why_size);
}

static void metrics_define(rdr_worker_t *w) {
        /* Fine around tens to hundreds of ms, where a latency objective
         * sits: histogram_quantile interpolates within a bucket. */
        static const double lat[] = {0.001, 0.0025, 0.005, 0.0075, 0.01,  0.015,
                                     0.02,  0.03,   0.04,  0.05,   0.075, 0.1,
                                     0.15,  0.2,    0.25,  0.35,   0.5,   0.75,
                                     1,     2.5,    5,     10,     30,    60};
        rdr_metrics_t *m = w->metrics;
        w->m_consumed = rdr_metrics_counter(m, "messages_consumed_total",
                                            "Input messages read", "topic");
        w->m_dlq = rdr_metrics_counter(
            m, "messages_dead_lettered_total",
            "Input messages sent to the dead-letter topic", "topic,error");
        /* Every way an input may be dead-lettered is there from the start,
         * at 0: a series that appears at 1 is no increase() to an alert,
         * and the first burst of dead letters would go unseen. */
        {
                const char *const *t;
                int e;
                for (t = w->def->topics; t && *t; t++)
                        for (e = 0; e < RDR_ERR__CNT; e++) {
                                char labels[300];
                                if (rdr_err_class((rdr_err_t)e) !=
                                    RDR_ERRCLASS_PERMANENT)
                                        continue;
                                rdr_str_join(
                                    labels, sizeof(labels),
                                    (const char *const[]){
                                        rdr_conf_str(w->conf, *t), "\x1f",
                                        rdr_err2name((rdr_err_t)e), NULL});
                                rdr_metric_add(w->m_dlq, labels, 0);
                        }
        }
        w->m_dup = rdr_metrics_counter(
            m, "events_duplicate_total",
            "Events already applied (replays: redelivered, or a retried "
            "batch's): no second effect",
            NULL);
        w->m_published =
            rdr_metrics_counter(m, "messages_published_total",
                                "Messages acknowledged by the broker", "topic");
        w->m_batches =
            rdr_metrics_counter(m, "batches_total", "Batches completed", NULL);
        w->m_retries = rdr_metrics_counter(
            m, "batch_retries_total", "Batches retried after a retriable error",
            "error");
        w->m_latency = rdr_metrics_histogram(
            m, "event_latency_seconds",
            "From the input's Kafka timestamp to its outputs acknowledged by "
            "the broker (an input with none: to its effects applied)",
            lat, sizeof(lat) / sizeof(lat[0]));
        w->m_batch_seconds = rdr_metrics_histogram(
            m, "batch_seconds", "Time to apply and publish one batch", lat,
            sizeof(lat) / sizeof(lat[0]));
        w->m_up = rdr_metrics_gauge(m, "up", "1 if the dependency is reachable",
                                    "dependency");
        w->m_ready = rdr_metrics_gauge(m, "ready", "1 if /readyz passes", NULL);
        rdr_metric_set(
            rdr_metrics_gauge(m, "clock_test",
                              "1 if the worker's time is the shared test "
                              "clock (clock.source test: Redis' "
                              "redress:clock:now_ms, moved by hand), 0 on "
                              "the system clock",
                              NULL),
            NULL, rdr_clock_source(w->clock) == RDR_CLOCK_TEST);
        w->m_failing = rdr_metrics_gauge(
            m, "batch_failing_seconds",
            "Seconds since the batch in hand (on redress-timers, the tick) "
            "first failed, every retry since failing too; 0 once it goes "
            "through",
            NULL);
        w->m_redis_risk = rdr_metrics_gauge(
            m, "redis_setting_at_risk",
            "1 if a Redis setting can lose the fleet's state "
            "(maxmemory-policy not noeviction, appendonly no, replicas "
            "fewer than redis.wait_replicas), as found on the last connect",
            "setting");
        {
                char labels[256];
                rdr_metric_t *build = rdr_metrics_gauge(
                    m, "build_info", "1, labelled with the build this is",
                    "version,commit");
                rdr_str_join(labels, sizeof(labels),
                             (const char *const[]){rdr_version(), "\x1f",
                                                   rdr_commit(), NULL});
                rdr_metric_set(build, labels, 1);
        }
        w->m_kafka_errors = rdr_metrics_counter(
            m, "kafka_errors_total", "Errors reported by librdkafka", "code");
        w->m_redis_rt = rdr_metrics_counter(m, "redis_roundtrips_total",
                                            "Redis round trips", NULL);
        w->m_redis_cmds = rdr_metrics_counter(m, "redis_commands_total",
                                              "Redis commands sent", NULL);
        w->m_redis_reconnects = rdr_metrics_counter(
            m, "redis_reconnects_total", "Redis reconnections", NULL);
        w->m_redis_masters = rdr_metrics_gauge(
            m, "redis_masters",
            "Redis servers holding the fleet's state that the worker "
            "talks to: 1, or the masters of Redis Cluster's map (0 while "
            "down)",
            NULL);
        w->m_redis_redirected = rdr_metrics_counter(
            m, "redis_redirections_total",
            "Redis Cluster commands sent again: moved (the map was out of "
            "date), ask and tryagain (a slot being moved)",
            "kind");
        w->m_redis_wait_short = rdr_metrics_counter(
            m, "redis_wait_shortfalls_total",
            "Pipelines that fewer replicas than redis.wait_replicas "
            "acknowledged in time (the batch is retried)",
            NULL);
        w->m_offsets_refused = rdr_metrics_counter(
            m, "offsets_store_refused_total",
            "Offsets not stored because the partition was revoked", NULL);
        w->m_cas_conflicts = rdr_metrics_counter(
            m, "state_conflicts_total",
            "State changed between read and write (the batch is retried): "
            "the record written (record) or the counts a guard read (the "
            "counters' name, e.g. writes, case, review_messages)",
            "what");
        w->m_rebalances = rdr_metrics_counter(
            m, "rebalances_total", "Consumer group rebalances", "kind");
        w->m_lag = rdr_metrics_gauge(
            m, "consumer_lag",
            "Messages of this instance's partitions not yet applied (high "
            "watermark minus stored offset), per statistics.interval.ms",
            "topic");
        w->m_assigned = rdr_metrics_gauge(
            m, "partitions_assigned",
            "Partitions of the input topic this instance owns (the consumer "
            "group's assignment)",
            "topic");
        w->m_partitions = rdr_metrics_gauge(
            m, "topic_partitions",
            "Partitions the input topic has (cluster metadata, every 30 s): "
            "the sum of partitions_assigned over a worker's instances falls "
            "short of it while some have no owner",
            "topic");
}

static void metrics_refresh(rdr_worker_t *w) {
        uint64_t rt = rdr_redis_roundtrips(w->redis);
        uint64_t cmds = rdr_redis_commands(w->redis);
        uint64_t rc = rdr_redis_reconnects(w->redis);
        char why[256];
        rdr_metric_add(w->m_redis_rt, NULL, (double)(rt - w->last_rt));
        rdr_metric_add(w->m_redis_cmds, NULL, (double)(cmds - w->last_cmds));
        rdr_metric_add(w->m_redis_reconnects, NULL,
                       (double)(rc - w->last_reconnects));
        w->last_rt = rt;
        w->last_cmds = cmds;
        w->last_reconnects = rc;
        {
                static const char *const kinds[] = {"moved", "ask", "tryagain"};
                int k;
                for (k = 0; k < 3; k++) {
                        uint64_t n = rdr_redis_redirections(
                            w->redis, (rdr_redis_redirect_t)k);
                        rdr_metric_add(w->m_redis_redirected, kinds[k],
                                       (double)(n - w->last_redirected[k]));
                        w->last_redirected[k] = n;
                }
        }
        {
                uint64_t n = rdr_redis_wait_shortfalls(w->redis);
                rdr_metric_add(w->m_redis_wait_short, NULL,
                               (double)(n - w->last_wait_short));
                w->last_wait_short = n;
        }
        rdr_metric_set(w->m_redis_masters, NULL,
                       (double)rdr_redis_masters(w->redis));
        rdr_metric_set(w->m_up, "redis", rdr_redis_is_up(w->redis));
        rdr_metric_set(
            w->m_redis_risk, "maxmemory-policy",
            !!(rdr_redis_settings_at_risk(w->redis) & RDR_REDIS_RISK_EVICTION));
        rdr_metric_set(
            w->m_redis_risk, "appendonly",
            !!(rdr_redis_settings_at_risk(w->redis) & RDR_REDIS_RISK_NO_AOF));
        rdr_metric_set(w->m_redis_risk, "replicas",
                       !!(rdr_redis_settings_at_risk(w->redis) &
                          RDR_REDIS_RISK_FEW_REPLICAS));
        rdr_metric_set(w->m_up, "kafka", w->kafka_up);
        rdr_metric_set(w->m_ready, NULL, probe_ready(w, why, sizeof(why)));
        {
                int64_t first = 0;
                int i;
                for (i = 0; i < FAILING__CNT; i++)
                        if (w->failing_since_ms[i] &&
                            (!first || w->failing_since_ms[i] < first))
                                first = w->failing_since_ms[i];
                rdr_metric_set(w->m_failing, NULL,
                               first ? (double)(rdr_mono_ms() - first) / 1000.0
                                     : 0.0);
        }
}

/* The work in hand (FAILING_*) failed and is held, to be retried: it
 * has been failing since its first failure, until progress_made(). */
static void failure_noted(rdr_worker_t *w, int what) {
        if (!w->failing_since_ms[what])
                w->failing_since_ms[what] = rdr_mono_ms();
}

/* A batch acknowledged (or none left in hand: its partitions moved), a
 * tick done: what failed before has gone through, or gone. */
static void progress_made(rdr_worker_t *w, int what) {
        w->failing_since_ms[what] = 0;
}

/* ---- The batch cycle ---- */

/* The producer's message.max.bytes (RDR_KAFKA_MESSAGE_MAX unless the
 * operator set kafka.message.max.bytes). */
static long long producer_max(rdr_worker_t *w) {
        char buf[32];
        size_t size = sizeof(buf);
        long long max;
        if (rd_kafka_conf_get(rd_kafka_conf(w->producer), "message.max.bytes",
                              buf, &size) != RD_KAFKA_CONF_OK ||
            rdr_str_to_ll(buf, strlen(buf), 1, 1000000000, &max))
                return RDR_KAFKA_MESSAGE_MAX;
        return max;
}

/* The headers of m's dead letter: the reason why (m's own if NULL),
 * redress-cut whole (the event's length) if not NULL, and the dead letter
 * it was replayed from if it was; m's own headers if keep, else its
 * content-type alone. The caller owns them. */
static rd_kafka_headers_t *dlq_headers(const rdr_worker_t *w,
                                       const rdr_msg_t *m, const char *why,
                                       const char *whole, int keep) {
        rd_kafka_headers_t *h = rdr_dlq_headers(
            why ? why : m->errstr, m->topic, m->partition, m->offset,
            w->def->name, keep ? NULL : m->content_type);
        if (keep)
                rdr_dlq_headers_keep(h, m->headers);
        if (whole)
                rd_kafka_header_add(h, "redress-cut", -1, whole, -1);
        if (m->replay_of)
                rd_kafka_header_add(h, "redress-replay-of", -1, m->replay_of,
                                    -1);
        return h;
}

/* m's reason, saying that its dead letter is its first len bytes; in why
 * (size bytes), which it returns. */
static const char *cut_reason(char *why, size_t size, const rdr_msg_t *m,
                              size_t len) {
        snprintf(why, size,
                 "%s (dead letter cut to its first %zu of %zu bytes)",
                 m->errstr, len, m->len);
        return why;
}

static rdr_err_t produce_dlq(rdr_worker_t *w, const rdr_msg_t *m) {
        size_t len = m->len, key_len = m->key ? m->key_len : 0;
        long long max = producer_max(w);
        char why[sizeof(m->errstr) + 96], whole[RDR_STR_INT_SIZE];
        rd_kafka_headers_t *h = dlq_headers(w, m, NULL, NULL, 1);
        rd_kafka_resp_err_t err;

        /* The event whole matters more than its headers: when they leave
         * no room for it, its content-type alone goes with it. */
        if (len > rdr_kafka_value_room(max, key_len, h)) {
                rd_kafka_headers_destroy(h);
                h = dlq_headers(w, m, NULL, NULL, 0);
        }
        /* Too big for the producer whole with its headers (an event near
         * or over message.max.bytes, which the input topic took): its head
         * is the dead letter, marked redress-cut with the event's length,
         * and the reason says so. Sent whole it would be refused for ever,
         * and the partition with it. The room is counted with the event's
         * length in the reason, as many digits as the head's or more. */
        if (len > rdr_kafka_value_room(max, key_len, h)) {
                rdr_str_int(whole, (long long)m->len);
                rd_kafka_headers_destroy(h);
                h = dlq_headers(w, m, cut_reason(why, sizeof(why), m, m->len),
                                whole, 0);
                len = rdr_kafka_value_room(max, key_len, h);
                rd_kafka_headers_destroy(h);
                h = dlq_headers(w, m, cut_reason(why, sizeof(why), m, len),
                                whole, 0);
        }
        err = rd_kafka_producev(
            w->producer, RD_KAFKA_V_TOPIC(rdr_conf_str(w->conf, "topics.dlq")),
            RD_KAFKA_V_KEY(m->key, m->key ? m->key_len : 0),
            RD_KAFKA_V_VALUE((void *)m->value, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_END);
        if (err) {
                rd_kafka_headers_destroy(h);
                rdr_log(RDR_LOG_WARN, "kafka.produce_error",
                        "dead letter of %s [%d] at %lld: %s", m->topic,
                        (int)m->partition, (long long)m->offset,
                        rd_kafka_err2str(err));
                if (err == RD_KAFKA_RESP_ERR__FATAL)
                        kafka_fatal(w);
                return RDR_ERR_KAFKA;
        }
        return RDR_OK;
}

static rdr_err_t produce_entry(rdr_worker_t *w, const rdr_entry_t *e) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(1);
        rd_kafka_resp_err_t err;
        rd_kafka_header_add(h, "content-type", -1, e->content_type, -1);
        err = rd_kafka_producev(
            w->producer, RD_KAFKA_V_TOPIC(e->topic),
            RD_KAFKA_V_KEY(e->key, e->key_len),
            RD_KAFKA_V_VALUE((void *)e->payload, e->payload_len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_END);
        if (err) {
                rd_kafka_headers_destroy(h);
                rdr_log(RDR_LOG_WARN, "kafka.produce_error", "%s: %s", e->topic,
                        rd_kafka_err2str(err));
                if (err == RD_KAFKA_RESP_ERR__FATAL)
                        kafka_fatal(w);
                return RDR_ERR_KAFKA;
        }
        return RDR_OK;
}

/* The entries of a pub, one per call from *pos (0 first): the pub itself,
 * or each entry of its bundle. Returns 0 past the last; an unreadable entry
 * is skipped (logged if loud) and ends a bundle. */
static int pub_entry(const rdr_pub_t *p, size_t *pos, rdr_entry_t *e,
                     int loud) {
        const char *buf = p->entry;
        size_t len = p->entry_len;
        if (rdr_bundle_is(p->entry, p->entry_len)) {
                int r =
                    rdr_bundle_next(p->entry, p->entry_len, pos, &buf, &len);
                if (r == 0)
                        return 0;
                if (r < 0) {
                        if (loud)
                                rdr_log(RDR_LOG_ERROR, "outbox.corrupt",
                                        "dropping the rest of unreadable "
                                        "outbox bundle %s",
                                        p->id);
                        return 0;
                }
        } else if ((*pos)++ > 0) {
                return 0;
        }
        if (rdr_entry_parse(buf, len, e)) {
                if (loud)
                        rdr_log(RDR_LOG_ERROR, "outbox.corrupt",
                                "dropping unreadable outbox entry %s", p->id);
                return pub_entry(p, pos, e, loud);
        }
        return 1;
}

/* Hand every entry of pubs and every dead letter of msgs to the producer
 * (asynchronous; await_delivery() waits for the broker). */
static rdr_err_t produce_all(rdr_worker_t *w, const rdr_vec_t *pubs,
                             const rdr_msg_t *msgs, size_t cnt) {
        const rdr_pub_t *pb = pubs->p;
        size_t i;
        w->dr_failed = 0;
        for (i = 0; i < pubs->cnt; i++) {
                rdr_entry_t e;
                size_t pos = 0;
                while (pub_entry(&pb[i], &pos, &e, 1))
                        if (e.kind == RDR_ENTRY_KAFKA && produce_entry(w, &e))
                                return RDR_ERR_KAFKA;
        }
        for (i = 0; i < cnt; i++)
                if (msgs[i].err && produce_dlq(w, &msgs[i]))
                        return RDR_ERR_KAFKA;
        return RDR_OK;
}

/* Wait until the broker acknowledged everything produced. If it did not
 * within shutdown.timeout, what is still queued or in flight is purged:
 * the batch's retry produces it again, and kept it would go out once per
 * retry when the broker is back (at-least-once allows a copy, not one per
 * attempt). */
static rdr_err_t await_delivery(rdr_worker_t *w) {
        int64_t timeout = rdr_conf_int(w->conf, "shutdown.timeout");
        if (rd_kafka_flush(w->producer, (int)timeout) ||
            rd_kafka_outq_len(w->producer) > 0) {
                int left = rd_kafka_outq_len(w->producer);
                rd_kafka_purge(w->producer, RD_KAFKA_PURGE_F_QUEUE |
                                                RD_KAFKA_PURGE_F_INFLIGHT);
                /* Their delivery reports (purged) are served now, not
                 * counted against the retry. */
                rd_kafka_flush(w->producer, 1000);
                rdr_log(RDR_LOG_WARN, "kafka.flush_timeout",
                        "broker did not acknowledge the batch in %lld ms; "
                        "%d messages purged, produced again with its retry",
                        (long long)timeout, left);
                w->kafka_up = 0;
                return RDR_ERR_KAFKA;
        }
        if (w->dr_failed) {
                rdr_log(RDR_LOG_WARN, "kafka.delivery_failed",
                        "%d messages not delivered (%s): retrying",
                        w->dr_failed, w->dr_err);
                return RDR_ERR_KAFKA;
        }
        w->kafka_up = 1;
        return RDR_OK;
}

/* Queue the arms of the timers that published entries carry: how many
 * (ZADD each). */
static size_t queue_arms(rdr_worker_t *w, const rdr_vec_t *pubs) {
        const rdr_pub_t *pb = pubs->p;
        size_t i, n = 0;
        for (i = 0; i < pubs->cnt; i++) {
                rdr_entry_t e;
                size_t pos = 0;
                while (pub_entry(&pb[i], &pos, &e, 0))
                        if (e.kind == RDR_ENTRY_TIMER) {
                                const char *argv[4] = {"ZADD", e.zset, e.score,
                                                       e.member};
                                size_t lens[4] = {4, strlen(e.zset),
                                                  strlen(e.score),
                                                  e.member_len};
                                rdr_redis_cmd(w->redis, 4, argv, lens);
                                n++;
                        }
        }
        return n;
}

/* Queue the rest of an acknowledgement: the published entries deleted
 * from their outboxes, the scripts deferred to now run (a fired timer's
 * completion). Only once their timers are armed (arms_ok): a timer whose
 * arm failed (a Redis Cluster master lost mid-way, a full Redis) while
 * the entry that carries it went would never fire, and its case would
 * wait for ever; kept, the entry is published and armed again when its
 * event replays. */
static void queue_cleanup(rdr_worker_t *w, const rdr_vec_t *pubs,
                          const rdr_vec_t *afters) {
        const rdr_pub_t *pb = pubs->p;
        const rdr_after_t *af = afters->p;
        size_t i;
        /* One HDEL per outbox for the entries published from it (they sit
         * next to each other: staged per apply). */
        for (i = 0; i < pubs->cnt;) {
                const char *argv[2 + RDR_ACK_MAX_FIELDS];
                size_t lens[2 + RDR_ACK_MAX_FIELDS];
                int n = 2;
                argv[0] = "HDEL";
                lens[0] = 4;
                argv[1] = pb[i].outbox_key;
                lens[1] = strlen(pb[i].outbox_key);
                do {
                        argv[n] = pb[i].id;
                        lens[n++] = pb[i].id_len;
                        i++;
                } while (i < pubs->cnt && n < 2 + RDR_ACK_MAX_FIELDS &&
                         !strcmp(pb[i].outbox_key, argv[1]));
                rdr_redis_cmd(w->redis, n, argv, lens);
        }
        for (i = 0; i < afters->cnt; i++)
                rdr_redis_eval(w->redis, af[i].script, af[i].nkeys,
                               af[i].argc_run, (const char **)af[i].argv,
                               af[i].lens);
}

/* The replies [from, from + n) of the last exec, the arms: RDR_OK if none
 * is an error, else RDR_ERR_REDIS (logged). */
static rdr_err_t arms_ok(rdr_worker_t *w, size_t from, size_t n) {
        size_t i;
        for (i = from; i < from + n; i++) {
                const redisReply *r = rdr_redis_reply(w->redis, i);
                if (!r || r->type == REDIS_REPLY_ERROR) {
                        snprintf(w->failure, sizeof(w->failure), "%s",
                                 r ? r->str : "no reply");
                        rdr_log(RDR_LOG_WARN, "redis.arm_failed",
                                "arming a timer failed: %s (its entry is "
                                "kept; the batch is retried)",
                                r ? r->str : "no reply");
                        return RDR_ERR_REDIS;
                }
        }
        return RDR_OK;
}

/* Acknowledge published entries, nothing else queued: the arms, then the
 * cleanup once they are in; one round trip when they carry no timer. */
static rdr_err_t ack_now(rdr_worker_t *w, const rdr_vec_t *pubs,
                         const rdr_vec_t *afters) {
        rdr_err_t err;
        size_t arms = queue_arms(w, pubs);
        if (arms) {
                if (!(err = rdr_redis_exec(w->redis)))
                        err = arms_ok(w, 0, arms);
                rdr_redis_reset(w->redis);
                if (err)
                        return err;
        }
        queue_cleanup(w, pubs, afters);
        return rdr_redis_exec(w->redis);
}

/* Publish every entry and dead letter and wait for the broker; then
 * acknowledge (ack_now). The synchronous path of ticks. */
static rdr_err_t publish_and_ack(rdr_worker_t *w, rdr_msg_t *msgs, size_t cnt) {
        rdr_err_t err;
        if ((err = produce_all(w, &w->pubs, msgs, cnt)) ||
            (err = await_delivery(w)))
                return err;
        if (w->pubs.cnt == 0 && w->afters.cnt == 0)
                return RDR_OK;
        return ack_now(w, &w->pubs, &w->afters);
}

static void store_offsets(rdr_worker_t *w, rd_kafka_message_t **rkmsgs,
                          size_t cnt) {
        rd_kafka_topic_partition_list_t *offs;
        rd_kafka_resp_err_t err;
        size_t i;
        int j;
        if (!w->consumer || cnt == 0)
                return;
        offs = rd_kafka_topic_partition_list_new((int)cnt);
        for (i = 0; i < cnt; i++) {
                rd_kafka_message_t *rkm = rkmsgs[i];
                rd_kafka_topic_partition_t *tp =
                    rd_kafka_topic_partition_list_find(
                        offs, rd_kafka_topic_name(rkm->rkt), rkm->partition);
                if (!tp)
                        tp = rd_kafka_topic_partition_list_add(
                            offs, rd_kafka_topic_name(rkm->rkt),
                            rkm->partition);
                if (rkm->offset + 1 > tp->offset)
                        tp->offset = rkm->offset + 1;
        }
        err = rd_kafka_offsets_store(w->consumer, offs);
        if (err == RD_KAFKA_RESP_ERR__STATE || err == 0) {
                for (j = 0; j < offs->cnt; j++)
                        if (offs->elems[j].err) {
                                rdr_metric_add(w->m_offsets_refused, NULL, 1);
                                rdr_log(RDR_LOG_INFO, "kafka.offset_refused",
                                        "%s [%d] no longer assigned: its "
                                        "next owner replays from the last "
                                        "commit",
                                        offs->elems[j].topic,
                                        (int)offs->elems[j].partition);
                        }
        } else {
                rdr_log(RDR_LOG_WARN, "kafka.offset_store",
                        "storing offsets: %s", rd_kafka_err2str(err));
        }
        rd_kafka_topic_partition_list_destroy(offs);
}

static void release_msgs(rd_kafka_message_t **rkmsgs, size_t cnt) {
        size_t i;
        for (i = 0; i < cnt; i++)
                rd_kafka_message_destroy(rkmsgs[i]);
}

static void batch_release(rdr_worker_t *w) {
        release_msgs(w->rkmsgs, w->batch_cnt);
        w->batch_cnt = 0;
}

static void fill_msg(rdr_worker_t *w, size_t i) {
        rd_kafka_message_t *rkm = w->rkmsgs[i];
        rdr_msg_t *m = &w->msgs[i];
        rd_kafka_timestamp_type_t tstype;
        rd_kafka_headers_t *hdrs = NULL;
        memset(m, 0, sizeof(*m));
        m->topic = rd_kafka_topic_name(rkm->rkt);
        m->partition = rkm->partition;
        m->offset = rkm->offset;
        m->key = rkm->key;
        m->key_len = rkm->key_len;
        m->value = rkm->payload ? rkm->payload : "";
        m->len = rkm->len;
        if (rd_kafka_message_headers(rkm, &hdrs))
                hdrs = NULL;
        m->headers = hdrs;
        m->content_type = rdr_header_value(hdrs, "content-type");
        m->replay_of = rdr_header_value(hdrs, "redress-replay-of");
        m->timestamp_ms = rd_kafka_message_timestamp(rkm, &tstype);
}

/* ---- The batch in flight ---- */

static void vec_free_pubs(rdr_vec_t *v) {
        rdr_pub_t *pb = v->p;
        size_t i;
        for (i = 0; i < v->cnt; i++)
                pub_free(&pb[i]);
        v->cnt = 0;
}

static void vec_free_afters(rdr_vec_t *v) {
        rdr_after_t *af = v->p;
        size_t i;
        for (i = 0; i < v->cnt; i++)
                after_free(&af[i]);
        v->cnt = 0;
}

static void swap_vec(rdr_vec_t *a, rdr_vec_t *b) {
        rdr_vec_t t = *a;
        *a = *b;
        *b = t;
}

static void observe_batch(rdr_worker_t *w, const rdr_msg_t *msgs, size_t cnt,
                          int64_t started, int64_t done_ms);

/* The batch in hand was applied and published: it becomes the batch in
 * flight (its messages, outputs and deferred scripts move over). */
/* The outputs published become the flight's. */
static void fly_begin(rdr_worker_t *w, int64_t started) {
        swap_vec(&w->pubs, &w->fly_pubs);
        w->fly_started = started;
        w->fly_quiet_ms =
            rd_kafka_outq_len(w->producer) == 0 ? rdr_wall_ms() : 0;
        w->fly_active = 1;
}

static void fly_take(rdr_worker_t *w, int64_t started) {
        rd_kafka_message_t **rk = w->fly_rkmsgs;
        rdr_msg_t *m = w->fly_msgs;
        w->fly_rkmsgs = w->rkmsgs;
        w->fly_msgs = w->msgs;
        w->fly_cnt = w->batch_cnt;
        w->rkmsgs = rk;
        w->msgs = m;
        w->batch_cnt = 0;
        swap_vec(&w->afters, &w->fly_afters);
        fly_begin(w, started);
}

/* A batch decided again after a conflict: what its other events applied
 * stays applied, wherever the retry sends them (a chat whose order
 * gained a case meanwhile goes to that case; the buyer's other case it
 * reached first keeps the message). Their outputs go in flight on their
 * own, with no message (no offset), and the retry's replays find them
 * published (pub_seen()); left to the replays, those the retry sends
 * elsewhere stayed in their outboxes, their timers unarmed. */
static void fly_take_pubs(rdr_worker_t *w, int64_t started) {
        w->fly_cnt = 0;
        fly_begin(w, started);
        w->fly_fresh = 1;
}

/* Its acknowledgement succeeded (its delivery reports all served): store
 * its offsets and let it go. Its events' latency ends when the broker
 * acknowledged its outputs, not when this cycle got to it. */
static void fly_complete(rdr_worker_t *w) {
        observe_batch(w, w->fly_msgs, w->fly_cnt, w->fly_started,
                      w->fly_quiet_ms ? w->fly_quiet_ms : w->dr_last_ms);
        store_offsets(w, w->fly_rkmsgs, w->fly_cnt);
        release_msgs(w->fly_rkmsgs, w->fly_cnt);
        w->fly_cnt = 0;
        vec_free_pubs(&w->fly_pubs);
        vec_free_afters(&w->fly_afters);
        w->fly_active = 0;
        progress_made(w, FAILING_BATCH);
}

/* Its acknowledgement failed: put its messages back in front of the batch
 * in hand, to be retried with it (its events replay as duplicates and
 * republish what their outboxes still hold). */
static void fly_merge(rdr_worker_t *w) {
        if (!w->fly_active)
                return;
        if (w->fly_cnt + w->batch_cnt > w->batch_cap) {
                /* run_loop never polls with a merged batch in flight. */
                rdr_log(RDR_LOG_ERROR, "batch.internal",
                        "%zu in flight + %zu in hand exceed %zu", w->fly_cnt,
                        w->batch_cnt, w->batch_cap);
                abort();
        }
        memmove(w->rkmsgs + w->fly_cnt, w->rkmsgs,
                w->batch_cnt * sizeof(*w->rkmsgs));
        memcpy(w->rkmsgs, w->fly_rkmsgs, w->fly_cnt * sizeof(*w->rkmsgs));
        w->batch_cnt += w->fly_cnt;
        w->fly_cnt = 0;
        vec_free_pubs(&w->fly_pubs);
        vec_free_afters(&w->fly_afters);
        w->fly_active = 0;
}

/* Acknowledge the batch in flight on its own (nothing else queued). */
static rdr_err_t fly_finish(rdr_worker_t *w) {
        rdr_err_t err;
        if (!w->fly_active)
                return RDR_OK;
        rdr_redis_reset(w->redis);
        if ((err = rdr_redis_connect(w->redis)) || (err = await_delivery(w)))
                return err;
        err = ack_now(w, &w->fly_pubs, &w->fly_afters);
        rdr_redis_reset(w->redis);
        if (err)
                return err;
        fly_complete(w);
        return RDR_OK;
}

/* Start a cycle: no effects queued, Redis connected, the clock read. */
static rdr_err_t cycle_begin(rdr_worker_t *w) {
        effects_reset(w);
        w->failure[0] = '\0';
        if (rdr_redis_connect(w->redis) || rdr_clock_refresh(w->clock))
                return RDR_ERR_REDIS;
        /* Before the first timer this worker may arm: the timers worker
         * then claims from its shards too. */
        if (!w->shards_noted) {
                if (rdr_timers_note_shards(
                        w->redis, w->shards_script,
                        (int)rdr_conf_int(w->conf, "timers.shards")))
                        return RDR_ERR_REDIS;
                w->shards_noted = 1;
        }
        w->now_ms = rdr_clock_now_ms(w->clock);
        return RDR_OK;
}

/* A tick's deferred scripts whose applies were refused (a conflict) run
 * with all their arguments (a timer given back, to fire again at once);
 * the others as they were. The number refused. */
static size_t refused_afters(rdr_worker_t *w) {
        rdr_after_t *af = w->afters.p;
        const rdr_pending_apply_t *pa = w->applies.p;
        size_t i, k = 0, n = 0;
        for (i = 0; i < w->afters.cnt; i++) {
                int refused = 0;
                for (; k < af[i].applies_end && k < w->applies.cnt; k++)
                        refused |= pa[k].refused;
                if (refused) {
                        af[i].argc_run = af[i].argc;
                        af[i].refused = 1;
                        n++;
                }
        }
        return n;
}

/* Run a tick's effects through the whole cycle at once. A conflict fails
 * none of the rest: what applied is published and its scripts run; what
 * was refused is given back, its next tick at once. */
static rdr_err_t tick_once(rdr_worker_t *w, int64_t *next_ms) {
        rdr_err_t err;
        if ((err = cycle_begin(w)))
                return err;
        if ((err = w->def->tick(w->opaque, next_ms)) ||
            (err = rdr_redis_exec(w->redis)))
                return err;
        if ((err = collect_applies(w)) == RDR_ERR_STATE) {
                size_t n = refused_afters(w);
                rdr_log(RDR_LOG_DEBUG, "tick.refused",
                        "%zu of the tick's %zu deferred steps refused: given "
                        "back",
                        n, w->afters.cnt);
                *next_ms = 0;
                err = RDR_OK;
        }
        if (err)
                return err;
        rdr_redis_reset(w->redis);
        if ((err = publish_and_ack(w, w->msgs, 0)))
                return err;
        if (w->def->tick_done)
                w->def->tick_done(w->opaque);
        return RDR_OK;
}

/* A tick failed: its deferred scripts run with all their arguments, as
 * a refused one does (a timer's completion gives the timer back, due
 * again at once), so that its retry takes the work up again rather than
 * waiting out the leases (timers.lease) and reading as idle meanwhile.
 * Best effort: what Redis does not take (it is down) waits out its
 * lease. The generation check keeps a timer that was completed, or is
 * another worker's by now, as it is. */
static void tick_give_back(rdr_worker_t *w) {
        const rdr_after_t *af = w->afters.p;
        size_t i, n = 0;
        rdr_redis_reset(w->redis);
        for (i = 0; i < w->afters.cnt; i++)
                if (af[i].refused || af[i].argc > af[i].argc_run) {
                        rdr_redis_eval(w->redis, af[i].script, af[i].nkeys,
                                       af[i].argc, (const char **)af[i].argv,
                                       af[i].lens);
                        n++;
                }
        if (n && rdr_redis_exec(w->redis) == RDR_OK)
                rdr_log(RDR_LOG_DEBUG, "tick.given_back",
                        "the failed tick's %zu timers given back", n);
        rdr_redis_reset(w->redis);
}

/* Run the batch in hand through one cycle: decide and apply it; in the
 * same Redis round trip, acknowledge the batch in flight (whose broker
 * acknowledgement arrived meanwhile: its timers armed; the cleanup,
 * queue_cleanup, takes one more round trip when there were timers) and
 * then store its offsets; publish this batch, which goes in flight. */
static rdr_err_t cycle_once(rdr_worker_t *w, int64_t started) {
        rdr_err_t err;
        size_t i, arms = 0, arms_from = 0;
        int64_t t[5];
        if ((err = cycle_begin(w)))
                return err;
        /* Serve the delivery reports of the batch in flight that arrived,
         * so that they are timed now rather than after this batch. */
        if (w->fly_active)
                rd_kafka_poll(w->producer, 0);
        t[0] = rdr_mono_us();
        for (i = 0; i < w->batch_cnt; i++)
                fill_msg(w, i);
        if ((err = w->def->handle(w->opaque, w->msgs, w->batch_cnt)))
                return err;
        t[1] = rdr_mono_us();
        if (w->fly_active) {
                if ((err = await_delivery(w)))
                        return err;
                arms_from = rdr_redis_queued(w->redis);
                arms = queue_arms(w, &w->fly_pubs);
                if (!arms)
                        queue_cleanup(w, &w->fly_pubs, &w->fly_afters);
        }
        t[2] = rdr_mono_us();
        if ((err = rdr_redis_exec(w->redis)) ||
            (err = arms_ok(w, arms_from, arms)))
                return err;
        /* The batch in flight completes after the applies are read: a
         * replay of one of its events finds its entries (deleted in the
         * same pipeline, after the replay's read) and must see them as
         * published (pub_seen()). */
        err = collect_applies(w);
        rdr_redis_reset(w->redis);
        if (w->fly_active && !arms) {
                fly_complete(w);
        } else if (w->fly_active) {
                /* Its cleanup, now that its timers are armed. */
                rdr_err_t cleanup;
                queue_cleanup(w, &w->fly_pubs, &w->fly_afters);
                cleanup = rdr_redis_exec(w->redis);
                rdr_redis_reset(w->redis);
                if (cleanup)
                        return cleanup;
                fly_complete(w);
        }
        if (err == RDR_ERR_STATE && w->pubs.cnt > 0 && !w->fly_active &&
            !produce_all(w, &w->pubs, NULL, 0))
                fly_take_pubs(w, started);
        if (err)
                return err;
        t[3] = rdr_mono_us();
        if ((err = produce_all(w, &w->pubs, w->msgs, w->batch_cnt)))
                return err;
        t[4] = rdr_mono_us();
        if (rdr_log_enabled(RDR_LOG_DEBUG))
                rdr_log(RDR_LOG_DEBUG, "batch.timing",
                        "%zu messages, %zu published: handle %lld us, wait "
                        "for the previous batch's acknowledgement %lld us, "
                        "apply %lld us, produce %lld us",
                        w->batch_cnt, w->pubs.cnt, (long long)(t[1] - t[0]),
                        (long long)(t[2] - t[1]), (long long)(t[3] - t[2]),
                        (long long)(t[4] - t[3]));
        fly_take(w, started);
        return RDR_OK;
}

/* done_ms: the wall-clock ms the batch's events were done (outputs
 * acknowledged, or effects applied). */
static void observe_batch(rdr_worker_t *w, const rdr_msg_t *msgs, size_t cnt,
                          int64_t started, int64_t done_ms) {
        size_t i;
        for (i = 0; i < cnt; i++) {
                const rdr_msg_t *m = &msgs[i];
                if (m->err) {
                        char labels[300];
                        rdr_str_join(labels, sizeof(labels),
                                     (const char *const[]){m->topic, "\x1f",
                                                           rdr_err2name(m->err),
                                                           NULL});
                        rdr_metric_add(w->m_dlq, labels, 1);
                        rdr_log_kv(
                            RDR_LOG_WARN, "event.dead_lettered",
                            (const char *const[]){"topic", m->topic, "error",
                                                  rdr_err2name(m->err), NULL},
                            "%s [%d] @%lld: %s", m->topic, (int)m->partition,
                            (long long)m->offset, m->errstr);
                }
                if (m->timestamp_ms > 0 && done_ms >= m->timestamp_ms)
                        rdr_metric_observe(w->m_latency,
                                           (double)(done_ms - m->timestamp_ms) /
                                               1000.0);
        }
        rdr_metric_observe(w->m_batch_seconds,
                           (double)(rdr_mono_ms() - started) / 1000.0);
        rdr_metric_add(w->m_batches, NULL, 1);
}

/* A paused consumer fetches nothing, so the lag it reports would stand
 * still while events pile up: once per statistics interval, ask the
 * broker for the high watermarks of the partitions this instance holds
 * (stats_cb() uses them). Not while Kafka is down; the first partition
 * the broker does not answer for ends the round. */
static void refresh_watermarks(rdr_worker_t *w) {
        rd_kafka_topic_partition_list_t *parts = NULL;
        int64_t now = rdr_mono_ms();
        int i;
        if (!w->consumer || w->stats_interval_ms <= 0 || w->kafka_up == 0 ||
            (w->fresh_hi_at && now - w->fresh_hi_at < w->stats_interval_ms))
                return;
        if (rd_kafka_assignment(w->consumer, &parts) || !parts)
                return;
        for (i = 0; i < parts->cnt; i++)
                parts->elems[i].offset = -1; /* unknown */
        for (i = 0; i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *p = &parts->elems[i];
                int64_t lo, hi;
                if (rd_kafka_query_watermark_offsets(
                        w->consumer, p->topic, p->partition, &lo, &hi, 500))
                        break;
                p->offset = hi;
        }
        fresh_hi_clear(w);
        w->fresh_hi = parts;
        w->fresh_hi_at = now;
}

static void pause_all(rdr_worker_t *w, int pause) {
        rd_kafka_topic_partition_list_t *parts = NULL;
        if (!w->consumer || rd_kafka_assignment(w->consumer, &parts) || !parts)
                return;
        if (pause)
                rd_kafka_pause_partitions(w->consumer, parts);
        else
                rd_kafka_resume_partitions(w->consumer, parts);
        rd_kafka_topic_partition_list_destroy(parts);
}

/* Process the batch in hand once; on success it is in flight. On failure
 * the batch in flight, if it was not acknowledged, joins the batch in hand
 * for the retry. Called from the loop and from the revoke callback. */
static rdr_err_t process_pending(rdr_worker_t *w) {
        rdr_err_t err = cycle_once(w, rdr_mono_ms());
        /* Not the flight this cycle made of what it applied. */
        if (err && !w->fly_fresh)
                fly_merge(w);
        w->fly_fresh = 0;
        effects_reset(w);
        return err;
}

static rdr_err_t process_with_retry(rdr_worker_t *w);
static int backoff_wait(rdr_worker_t *w, int ms);

/* The wait after a retry's wait of ms: doubled, capped. */
static int backoff_next(int ms) {
        return ms * 2 > RDR_MAX_RETRY_BACKOFF_MS ? RDR_MAX_RETRY_BACKOFF_MS
                                                 : ms * 2;
}

/* Acknowledge the batch in flight now (before a tick, when idle, before
 * partitions move, at shutdown). If that fails, its messages join the
 * batch in hand and, unless once is set or we are stopping, are retried
 * as the loop retries. Returns non-zero if the flight could not land. */
/* The batch in hand as each partition's offsets, first to last
 * ("redress.reviews [3] 1200-1249, redress.reviews [5] 88-88"; cut at
 * size), for a log line to find its events by. */
static void batch_span(const rdr_worker_t *w, char *buf, size_t size) {
        size_t i, j, n = 0;
        buf[0] = '\0';
        for (i = 0; i < w->batch_cnt && n < size; i++) {
                const rd_kafka_message_t *m = w->rkmsgs[i];
                int64_t lo = m->offset, hi = m->offset;
                int seen = 0;
                for (j = 0; j < i && !seen; j++)
                        seen = w->rkmsgs[j]->rkt == m->rkt &&
                               w->rkmsgs[j]->partition == m->partition;
                if (seen)
                        continue;
                for (j = i + 1; j < w->batch_cnt; j++) {
                        const rd_kafka_message_t *o = w->rkmsgs[j];
                        if (o->rkt != m->rkt || o->partition != m->partition)
                                continue;
                        lo = o->offset < lo ? o->offset : lo;
                        hi = o->offset > hi ? o->offset : hi;
                }
                n += (size_t)snprintf(
                    buf + n, size - n, "%s%s [%d] %lld-%lld", n ? ", " : "",
                    rd_kafka_topic_name(m->rkt), (int)m->partition,
                    (long long)lo, (long long)hi);
        }
}

/* Why an attempt failed with err, for its retry's log line: why the
 * connection dropped when Redis is down, what Redis answered when it
 * refused a command (a full Redis' OOM, an ACL's NOPERM), else err's
 * name. Taken once: the next failure says its own. */
static const char *retry_cause(rdr_worker_t *w, rdr_err_t err, char *buf,
                               size_t size) {
        const char *why = NULL;
        if (err == RDR_ERR_REDIS && !rdr_redis_is_up(w->redis))
                why = rdr_redis_errstr(w->redis);
        else if (err == RDR_ERR_REDIS)
                why = w->failure;
        snprintf(buf, size, "%s", why && *why ? why : rdr_err2name(err));
        w->failure[0] = '\0';
        return buf;
}

/* A batch failed with err and is retried after backoff ms: which events
 * (batch_span()), and why (retry_cause()). */
static void log_retry(rdr_worker_t *w, rdr_err_t err, const char *when,
                      int backoff) {
        char span[512], cause[256];
        batch_span(w, span, sizeof(span));
        rdr_log_kv(RDR_LOG_WARN, "batch.retry",
                   (const char *const[]){
                       "batch", span, "cause",
                       retry_cause(w, err, cause, sizeof(cause)), NULL},
                   "%s%s; retrying %zu messages in %d ms", rdr_err2str(err),
                   when, w->batch_cnt, backoff);
}

static rdr_err_t settle_flight(rdr_worker_t *w, int once) {
        rdr_err_t err = RDR_OK;
        int backoff = 100;
        while (w->fly_active) {
                if (!(err = fly_finish(w)))
                        return RDR_OK;
                fly_merge(w);
                if (once || rdr_stop_signal)
                        return err;
                /* Its replay may well succeed where its acknowledgement
                 * failed (a timer's arm refused, say): wait before each
                 * round, as for any retry. */
                rdr_metric_add(w->m_retries, rdr_err2name(err), 1);
                failure_noted(w, FAILING_BATCH);
                log_retry(w, err, " acknowledging", backoff);
                metrics_refresh(w);
                backoff = backoff_wait(w, backoff);
                if ((err = process_with_retry(w)))
                        return err;
        }
        return err;
}

static void drop_partitions(rdr_worker_t *w,
                            const rd_kafka_topic_partition_list_t *parts) {
        size_t i, o = 0;
        for (i = 0; i < w->batch_cnt; i++) {
                rd_kafka_message_t *rkm = w->rkmsgs[i];
                if (rd_kafka_topic_partition_list_find(
                        parts, rd_kafka_topic_name(rkm->rkt), rkm->partition))
                        rd_kafka_message_destroy(rkm);
                else
                        w->rkmsgs[o++] = rkm;
        }
        w->batch_cnt = o;
}

/* Add a message Kafka gave to the batch in hand, counted once (a batch
 * retried runs its messages again without counting them again). */
static void take_msg(rdr_worker_t *w, rd_kafka_message_t *rkm) {
        w->rkmsgs[w->batch_cnt++] = rkm;
        rdr_metric_add(w->m_consumed, rd_kafka_topic_name(rkm->rkt), 1);
}

/* Kafka gave rkm with no room for it in the batch in hand (a batch and
 * the one in flight, merged for their retry, fill it): its partition goes
 * back to rkm, fetched again once there is room. Dropped, it would be
 * skipped: the partition's later offsets, once stored, pass it. If the
 * seek fails the worker stops; the partition's next owner reads it from
 * the last commit. */
static void give_back(rdr_worker_t *w, rd_kafka_message_t *rkm) {
        rd_kafka_topic_partition_list_t *parts =
            rd_kafka_topic_partition_list_new(1);
        rd_kafka_error_t *error;
        const char *topic = rd_kafka_topic_name(rkm->rkt);
        rd_kafka_topic_partition_list_add(parts, topic, rkm->partition)
            ->offset = rkm->offset;
        /* Waited for: no message fetched before it may follow. */
        error = rd_kafka_seek_partitions(w->consumer, parts, 10000);
        if (error || parts->elems[0].err) {
                rdr_log(RDR_LOG_ERROR, "kafka.seek",
                        "%s [%d] could not go back to offset %lld, which "
                        "the batch in hand has no room for: %s; stopping",
                        topic, (int)rkm->partition, (long long)rkm->offset,
                        error ? rd_kafka_error_string(error)
                              : rd_kafka_err2str(parts->elems[0].err));
                stop_failed(w);
        }
        if (error)
                rd_kafka_error_destroy(error);
        rd_kafka_topic_partition_list_destroy(parts);
        rd_kafka_message_destroy(rkm);
}

/* Wait ms before a retry, serving rebalances (a paused consumer returns
 * no messages, but one from a partition it was just given is stashed in
 * the batch in hand, or given back if that is full); returns the next
 * wait (doubled, capped). */
static int backoff_wait(rdr_worker_t *w, int ms) {
        if (w->consumer) {
                rd_kafka_message_t *rkm =
                    rd_kafka_consumer_poll(w->consumer, ms);
                if (rkm && !rkm->err && w->batch_cnt < w->batch_cap)
                        take_msg(w, rkm);
                else if (rkm && !rkm->err)
                        give_back(w, rkm);
                else if (rkm)
                        rd_kafka_message_destroy(rkm);
        } else {
                struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
                nanosleep(&ts, NULL);
        }
        return backoff_next(ms);
}

/* Retry the batch in hand until it succeeds or we are told to stop,
 * pausing the partitions meanwhile and serving rebalances. */
static rdr_err_t process_with_retry(rdr_worker_t *w) {
        int backoff = 100, paused = 0;
        rdr_err_t err;
        for (;;) {
                err = process_pending(w);
                w->heartbeat_ms = rdr_mono_ms();
                if (!err || w->batch_cnt == 0)
                        break;
                if (rdr_err_class(err) == RDR_ERRCLASS_FATAL) {
                        rdr_log(RDR_LOG_ERROR, "batch.fatal", "%s: stopping",
                                rdr_err2str(err));
                        stop_failed(w);
                        break;
                }
                rdr_metric_add(w->m_retries, rdr_err2name(err), 1);
                failure_noted(w, FAILING_BATCH);
                log_retry(w, err, "", backoff);
                metrics_refresh(w);
                if (!paused && w->consumer) {
                        pause_all(w, 1);
                        paused = 1;
                }
                backoff = backoff_wait(w, backoff);
                if (rdr_stop_signal && w->batch_cnt > 0) {
                        /* Stopping: the uncommitted batch is replayed by the
                         * next owner. */
                        batch_release(w);
                        break;
                }
                if (w->kafka_up == 0)
                        kafka_probe(w);
                refresh_watermarks(w);
        }
        if (paused) {
                pause_all(w, 0);
                fresh_hi_clear(w);
        }
        if (w->batch_cnt == 0 && !w->fly_active)
                progress_made(w, FAILING_BATCH);
        return err;
}

/* Fill the batch: wait up to wait_ms for the first message, then up to
 * batch_wait for more; what the consumer already holds is always taken
 * (up to batch_max), so batch_wait 0 means "no waiting", not "one". */
static void poll_batch(rdr_worker_t *w, int wait_ms) {
        int64_t deadline = 0;
        while (w->batch_cnt < w->batch_max && !rdr_stop_signal) {
                int timeout = wait_ms;
                rd_kafka_message_t *rkm;
                if (w->batch_cnt > 0) {
                        int64_t left = deadline - rdr_mono_ms();
                        /* With a batch in flight take only what is there:
                         * waiting for more would hold its acknowledgement
                         * (and its events' latency) back. */
                        timeout = w->fly_active || left <= 0 ? 0 : (int)left;
                }
                rkm = rd_kafka_consumer_poll(w->consumer, timeout);
                if (!rkm) {
                        if (w->batch_cnt == 0 || timeout == 0)
                                break;
                        continue;
                }
                if (rkm->err) {
                        if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                rdr_log(RDR_LOG_WARN, "kafka.consume_error",
                                        "%s", rd_kafka_message_errstr(rkm));
                        rd_kafka_message_destroy(rkm);
                        continue;
                }
                w->kafka_up = 1;
                if (w->batch_cnt == 0)
                        deadline = rdr_mono_ms() + w->batch_wait_ms;
                take_msg(w, rkm);
        }
}

/* A worker with nothing to do learns of a lost Redis as a busy one does
 * (redis.down, /readyz, redress_up): a PING after 5 s without a round
 * trip. Not while a batch's pipeline is in flight on the connection. */
static void idle_ping(rdr_worker_t *w, int64_t now) {
        uint64_t rt = rdr_redis_roundtrips(w->redis);
        redisReply *r;
        if (rt != w->idle_rt || !w->idle_rt_at) {
                w->idle_rt = rt;
                w->idle_rt_at = now;
                return;
        }
        if (now - w->idle_rt_at < 5000)
                return;
        if (rdr_redis_replicas_short(w->redis)) {
                /* A pipeline ends with the WAIT that tells whether the
                 * replicas are back. */
                rdr_redis_cmdl(w->redis, "PING", NULL);
                rdr_redis_exec(w->redis);
                rdr_redis_reset(w->redis);
        } else {
                r = rdr_redis_command(w->redis, "PING");
                if (r)
                        freeReplyObject(r);
        }
        w->idle_rt = rdr_redis_roundtrips(w->redis);
        w->idle_rt_at = now;
}

static void run_loop(rdr_worker_t *w) {
        int64_t next_tick = 0, last_probe = rdr_mono_ms(); /* probed at start */
        int tick_backoff = 100; /* the wait before a failed tick's retry */
        while (!rdr_stop_signal) {
                int64_t now = rdr_mono_ms();
                w->heartbeat_ms = now;
                /* Unreachable, or a topic missing (not ready until an
                 * operator creates it): ask again every 5 s; else every
                 * 30 s, for partitions added to a topic. */
                if (now - last_probe >
                    (!w->kafka_up || !w->topics_ok ? 5000 : 30000)) {
                        kafka_probe(w);
                        last_probe = now;
                }
                /* Connected (at once if it is), or not yet due to try:
                 * an idle worker asks now and then (a PING, and its WAIT
                 * when replicas are wanted). */
                if (rdr_redis_connect(w->redis) == RDR_OK && !w->fly_active)
                        idle_ping(w, now);
                if (w->def->tick && now >= next_tick) {
                        int64_t next_ms = 1000;
                        rdr_err_t err;
                        settle_flight(w, 0);
                        err = tick_once(w, &next_ms);
                        if (err && rdr_err_class(err) != RDR_ERRCLASS_FATAL)
                                tick_give_back(w);
                        effects_reset(w);
                        if (!err) {
                                progress_made(w, FAILING_TICK);
                                tick_backoff = 100;
                        } else if (rdr_err_class(err) == RDR_ERRCLASS_FATAL) {
                                rdr_log(RDR_LOG_ERROR, "tick.fatal",
                                        "%s: stopping", rdr_err2str(err));
                                w->failed = 1;
                                break;
                        } else {
                                char cause[256];
                                rdr_metric_add(w->m_retries, rdr_err2name(err),
                                               1);
                                failure_noted(w, FAILING_TICK);
                                rdr_log_kv(RDR_LOG_WARN, "tick.retry",
                                           (const char *const[]){
                                               "cause",
                                               retry_cause(w, err, cause,
                                                           sizeof(cause)),
                                               NULL},
                                           "%s; retrying the tick in %d ms",
                                           rdr_err2str(err), tick_backoff);
                                next_ms = tick_backoff;
                                tick_backoff = backoff_next(tick_backoff);
                        }
                        next_tick = rdr_mono_ms() + next_ms;
                }
                if (w->consumer) {
                        int wait = 100;
                        if (w->def->tick) {
                                int64_t left = next_tick - rdr_mono_ms();
                                wait = left < 0     ? 0
                                       : left > 100 ? 100
                                                    : (int)left;
                        }
                        /* A batch in flight that was retried with the next
                         * one lands on its own before more is read: a batch
                         * in hand never exceeds 2 x batch_max (the room
                         * handlers have, rdr_worker_batch_cap). */
                        if (w->fly_active && w->fly_cnt > w->batch_max)
                                settle_flight(w, 0);
                        /* Do not sit on a batch in flight: take what is
                         * there, else acknowledge it. */
                        if (w->fly_active)
                                wait = 0;
                        poll_batch(w, wait);
                        if (w->batch_cnt > 0)
                                process_with_retry(w);
                        else if (w->fly_active)
                                settle_flight(w, 0);
                } else {
                        int64_t left = next_tick - rdr_mono_ms();
                        struct timespec ts;
                        if (left > 100)
                                left = 100;
                        if (left > 0) {
                                ts.tv_sec = 0;
                                ts.tv_nsec = (long)left * 1000000L;
                                nanosleep(&ts, NULL);
                        }
                        rd_kafka_poll(w->producer, 0);
                }
                metrics_refresh(w);
        }
}

/* ---- Start and stop ---- */

/* redis.wait_replicas and redis.wait_timeout into the client: -1 with
 * the reason in errstr when the wait would outlast the round trip's
 * timeout (the connection would time out first). */
static int redis_wait_conf(const rdr_conf_t *conf, rdr_redis_t *redis,
                           char *errstr, size_t errstr_size) {
        long long replicas = rdr_conf_int(conf, "redis.wait_replicas"),
                  wait = rdr_conf_int(conf, "redis.wait_timeout"),
                  rt = rdr_conf_int(conf, "redis.command_timeout");
        if (replicas > 0 && wait >= rt) {
                snprintf(errstr, errstr_size,
                         "%s: key 'redis.wait_timeout': %lld ms must be "
                         "shorter than redis.command_timeout (%lld ms, %s)",
                         rdr_conf_origin(conf, "redis.wait_timeout"), wait, rt,
                         rdr_conf_origin(conf, "redis.command_timeout"));
                return -1;
        }
        rdr_redis_wait_replicas(redis, (int)replicas, (int)wait);
        return 0;
}

static void usage(const rdr_worker_def_t *def, FILE *fp) {
        fprintf(fp,
                "Usage: redress-%s [--config FILE] [--set KEY=VALUE]... "
                "[--check-config] [--print-config-doc] [--version]\n"
                "Runs the Redress %s worker until SIGTERM or SIGINT.\n"
                "  --config FILE        configuration (default: "
                "$REDRESS_CONFIG or the built-in configs/redress.yaml)\n"
                "  --set KEY=VALUE      override one key (after the file and "
                "the environment)\n"
                "  --check-config       load and validate everything, then "
                "exit\n"
                "  --print-config-doc   print the configuration reference\n"
                "  --version            print the version and the commit "
                "built\n",
                def->name, def->name);
}

/* The watchdog's lines, built at start (a signal handler may not build
 * one): a log line like the others, stamped with the time it fires; the
 * second says Kafka is unreachable, as the worker it watches found it. */
static char *watchdog_line[2];
static size_t watchdog_len[2];
static const rdr_worker_t *watchdog_worker;

static void watchdog(int sig) {
        static const char msg[] =
            "{\"level\":\"error\",\"event\":\"shutdown.timeout\","
            "\"msg\":\"drain took longer than shutdown.timeout\"}\n";
        int down = watchdog_worker && !watchdog_worker->kafka_up;
        struct timespec now;
        (void)sig;
        if (watchdog_line[down] && !clock_gettime(CLOCK_REALTIME, &now))
                rdr_log_restamp(watchdog_line[down], watchdog_len[down],
                                (int64_t)now.tv_sec * 1000 +
                                    now.tv_nsec / 1000000);
        if (write(STDERR_FILENO,
                  watchdog_line[down] ? watchdog_line[down] : msg,
                  watchdog_line[down] ? watchdog_len[down] : sizeof(msg) - 1) <
            0) {
                /* exiting anyway */
        }
        _exit(1);
}

/* Build the watchdog's lines and let a stop signal arm it. */
static void watchdog_prepare(const rdr_worker_t *w) {
        long long t = rdr_conf_int(w->conf, "shutdown.timeout");
        int i;
        t = (t + 999) / 1000;
        for (i = 0; i < 2; i++)
                watchdog_line[i] = rdr_log_prepare(
                    RDR_LOG_ERROR, "shutdown.timeout", rdr_wall_ms(),
                    &watchdog_len[i],
                    "drain took longer than shutdown.timeout (%lld s)%s: "
                    "exiting 1, the offsets since the last commit not "
                    "committed (their events replay, without a second "
                    "action)",
                    t, i ? " with Kafka unreachable" : "");
        watchdog_worker = w;
        signal(SIGALRM, watchdog);
        rdr_drain_s = (unsigned)t;
}

static void watchdog_free(void) {
        int i;
        alarm(0);
        rdr_drain_s = 0;
        rdr_watchdog_armed = 0;
        watchdog_worker = NULL;
        for (i = 0; i < 2; i++) {
                free(watchdog_line[i]);
                watchdog_line[i] = NULL;
        }
}

static void worker_destroy(rdr_worker_t *w) {
        if (w->def->destroy && w->opaque)
                w->def->destroy(w->opaque);
        release_msgs(w->fly_rkmsgs, w->fly_cnt); /* before their consumer */
        w->fly_cnt = 0;
        fresh_hi_clear(w);
        if (w->consumer)
                rd_kafka_destroy(w->consumer);
        if (w->producer)
                rd_kafka_destroy(w->producer);
        rdr_http_stop(w->http);
        effects_reset(w);
        free(w->applies.p);
        free(w->staged.p);
        free(w->pubs.p);
        free(w->afters.p);
        vec_free_pubs(&w->fly_pubs);
        vec_free_afters(&w->fly_afters);
        free(w->apply_argv);
        free(w->apply_lens);
        free(w->fly_pubs.p);
        free(w->fly_afters.p);
        free(w->fly_rkmsgs);
        free(w->fly_msgs);
        rdr_clock_destroy(w->clock);
        rdr_redis_destroy(w->redis);
        rdr_metrics_destroy(w->metrics);
        rdr_conf_destroy(w->conf);
        free(w->rkmsgs);
        free(w->msgs);
}

/* The instance's name: given (worker.instance), else host-pid. */
static void default_instance(rdr_worker_t *w, const char *given) {
        char host[64];
        if (given && *given) {
                snprintf(w->instance, sizeof(w->instance), "%s", given);
                return;
        }
        if (gethostname(host, sizeof(host)))
                snprintf(host, sizeof(host), "localhost");
        host[sizeof(host) - 1] = '\0';
        snprintf(w->instance, sizeof(w->instance), "%s-%d", host,
                 (int)getpid());
}

int rdr_run(const rdr_worker_def_t *def, int argc, char **argv) {
        rdr_worker_t wk, *w = &wk;
        char errstr[1024];
        const char *config = NULL;
        int check_only = 0, i, rc = 0;
        struct sigaction sa;
        rdr_err_t err;

        memset(w, 0, sizeof(*w));
        w->def = def;
        w->applies.elem = sizeof(rdr_pending_apply_t);
        w->staged.elem = sizeof(rdr_pub_t);
        w->pubs.elem = sizeof(rdr_pub_t);
        w->afters.elem = sizeof(rdr_after_t);
        w->fly_pubs.elem = sizeof(rdr_pub_t);
        w->fly_afters.elem = sizeof(rdr_after_t);
        /* Until the configuration says otherwise (worker.instance), the
         * lines of a start that fails carry the environment's name, else
         * host-pid, as every later line does. */
        default_instance(w, getenv("REDRESS_WORKER_INSTANCE"));
        rdr_log_init(def->name, w->instance, RDR_LOG_INFO);

        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--config") && i + 1 < argc) {
                        config = argv[++i];
                } else if (!strcmp(argv[i], "--check-config")) {
                        check_only = 1;
                } else if (!strcmp(argv[i], "--print-config-doc")) {
                        printf("## configs/redress.yaml\n\n");
                        rdr_conf_doc(def->conf, stdout);
                        if (def->doc)
                                def->doc(stdout);
                        return 0;
                } else if (!strcmp(argv[i], "--version")) {
                        char prog[64];
                        snprintf(prog, sizeof(prog), "redress-%s", def->name);
                        rdr_version_print(prog);
                        return 0;
                } else if (!strcmp(argv[i], "--help") ||
                           !strcmp(argv[i], "-h")) {
                        usage(def, stdout);
                        return 0;
                } else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
                        i++; /* applied after loading */
                } else {
                        usage(def, stderr);
                        return 2;
                }
        }

        w->conf = rdr_conf_new(config, def->conf, errstr, sizeof(errstr));
        if (!w->conf) {
                rdr_log(RDR_LOG_ERROR, "config.invalid", "%s", errstr);
                return 78; /* EX_CONFIG */
        }
        for (i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--set") || i + 1 >= argc)
                        continue;
                if (rdr_conf_set_kv(w->conf, argv[++i], errstr,
                                    sizeof(errstr))) {
                        rdr_log(RDR_LOG_ERROR, "config.invalid", "--set: %s",
                                errstr);
                        rc = 78;
                        goto done;
                }
        }
        rdr_log_set_level((rdr_loglevel_t)rdr_log_level_parse(
            rdr_conf_str(w->conf, "log.level")));
        default_instance(w, rdr_conf_str(w->conf, "worker.instance"));
        rdr_log_init(def->name, w->instance,
                     (rdr_loglevel_t)rdr_log_level_parse(
                         rdr_conf_str(w->conf, "log.level")));
        srand((unsigned)(getpid() ^ (unsigned)rdr_wall_ms()));
        w->protobuf =
            !strcmp(rdr_conf_str(w->conf, "output.format"), "protobuf");
        w->batch_max = (size_t)rdr_conf_int(w->conf, "consumer.batch_max");
        w->batch_wait_ms = rdr_conf_int(w->conf, "consumer.batch_wait");
        w->batch_cap = 2 * w->batch_max;
        w->rkmsgs = calloc(w->batch_cap, sizeof(*w->rkmsgs));
        w->msgs = calloc(w->batch_cap, sizeof(*w->msgs));
        w->fly_rkmsgs = calloc(w->batch_cap, sizeof(*w->fly_rkmsgs));
        w->fly_msgs = calloc(w->batch_cap, sizeof(*w->fly_msgs));
        w->metrics = rdr_metrics_new(def->name, w->instance);
        w->redis =
            rdr_redis_new(rdr_conf_str(w->conf, "redis.url"),
                          (int)rdr_conf_int(w->conf, "redis.connect_timeout"),
                          (int)rdr_conf_int(w->conf, "redis.command_timeout"),
                          (int)rdr_conf_int(w->conf, "redis.backoff_max"),
                          errstr, sizeof(errstr));
        if (!w->rkmsgs || !w->msgs || !w->fly_rkmsgs || !w->fly_msgs ||
            !w->metrics || !w->redis) {
                rdr_log(RDR_LOG_ERROR, "config.invalid",
                        "%s: key 'redis.url': %s",
                        rdr_conf_origin(w->conf, "redis.url"),
                        w->redis ? "out of memory" : errstr);
                rc = 78;
                goto done;
        }
        if (redis_wait_conf(w->conf, w->redis, errstr, sizeof(errstr))) {
                rdr_log(RDR_LOG_ERROR, "config.invalid", "%s", errstr);
                rc = 78;
                goto done;
        }
        w->apply_script =
            rdr_redis_script_add(w->redis, "apply", rdr_apply_lua);
        w->shards_script = rdr_timers_shards_script(w->redis);
        rdr_redis_check_settings(w->redis, 1);
        w->packed = !strcmp(rdr_conf_str(w->conf, "storage.format"), "packed");
        w->compress =
            !strcmp(rdr_conf_str(w->conf, "storage.compression"), "lz4");
        w->clock =
            rdr_clock_new(!strcmp(rdr_conf_str(w->conf, "clock.source"), "test")
                              ? RDR_CLOCK_TEST
                              : RDR_CLOCK_SYSTEM,
                          w->redis);
        metrics_define(w);

        /* The worker's own configuration and state. */
        if (def->init &&
            (err = def->init(w, &w->opaque, errstr, sizeof(errstr)))) {
                rdr_log(RDR_LOG_ERROR, "config.invalid", "%s", errstr);
                rc = rdr_err_class(err) == RDR_ERRCLASS_FATAL ? 78 : 1;
                goto done;
        }
        kafka_check_only = check_only;
        if ((err = kafka_start(w, errstr, sizeof(errstr)))) {
                rdr_log(RDR_LOG_ERROR, "config.invalid", "%s", errstr);
                rc = 78;
                goto done;
        }
        /* The metrics address resolves (bound only at the start). */
        if (rdr_http_check_listen(rdr_conf_str(w->conf, "metrics.listen"),
                                  errstr, sizeof(errstr))) {
                rdr_log(RDR_LOG_ERROR, "config.invalid",
                        "%s: key 'metrics.listen': %s",
                        rdr_conf_origin(w->conf, "metrics.listen"), errstr);
                rc = 78;
                goto done;
        }
        if (check_only) {
                rdr_log(RDR_LOG_INFO, "config.ok", "configuration %s is valid",
                        rdr_conf_path(w->conf));
                goto done;
        }

        watchdog_prepare(w);
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        w->heartbeat_ms = rdr_mono_ms();
        w->http = rdr_http_start(rdr_conf_str(w->conf, "metrics.listen"),
                                 w->metrics, probe_health, probe_ready, w,
                                 errstr, sizeof(errstr));
        if (!w->http) {
                rdr_log(RDR_LOG_ERROR, "http.listen", "%s", errstr);
                rc = 1;
                goto done;
        }
        if ((err = kafka_subscribe(w, errstr, sizeof(errstr)))) {
                rdr_log(RDR_LOG_ERROR, "kafka.subscribe", "%s", errstr);
                rc = 1;
                goto done;
        }
        {
                char port[16];
                snprintf(port, sizeof(port), "%d", rdr_http_port(w->http));
                rdr_log_kv(RDR_LOG_INFO, "worker.started",
                           (const char *const[]){
                               "metrics_port", port, "config",
                               rdr_conf_path(w->conf), "version", rdr_version(),
                               "commit", rdr_commit(), "storage_format",
                               rdr_conf_str(w->conf, "storage.format"),
                               "storage_compression",
                               rdr_conf_str(w->conf, "storage.compression"),
                               "clock", rdr_conf_str(w->conf, "clock.source"),
                               NULL},
                           "redress-%s %s serving /metrics, /healthz and "
                           "/readyz on port %s",
                           def->name, rdr_version(), port);
        }
        if (rdr_clock_source(w->clock) == RDR_CLOCK_TEST)
                rdr_log(RDR_LOG_WARN, "clock.test",
                        "clock.source is test: the fleet's time is %s in "
                        "Redis, which moves only when set; cadences and "
                        "timers follow it, not the wall clock (never in "
                        "production)",
                        RDR_CLOCK_KEY);
        rdr_redis_connect(w->redis);
        kafka_probe(w);
        w->running = 1;
        run_loop(w);

        /* Drain: the batch in hand was finished by the loop; commit what is
         * stored and leave the group. A stop for an error, not a signal,
         * arms the watchdog now. */
        w->running = 0;
        if (!rdr_watchdog_armed) {
                rdr_watchdog_armed = 1;
                alarm(rdr_drain_s);
        }
        if (w->failed)
                rdr_log(RDR_LOG_ERROR, "worker.stopping",
                        "an error that cannot be retried: draining, then "
                        "exiting 1 (to be restarted)");
        else
                rdr_log(RDR_LOG_INFO, "worker.stopping", "signal %d: draining",
                        (int)rdr_stop_signal);
        if (w->consumer) {
                if (w->batch_cnt > 0)
                        process_pending(w);
                settle_flight(w, 1);
                batch_release(w);
                rd_kafka_commit(w->consumer, NULL, 0);
                if (w->ever_assigned || !w->cooperative) {
                        rd_kafka_consumer_close(w->consumer);
                } else {
                        /* librdkafka before 2.3 aborts closing or destroying
                         * a cooperative-sticky member that never had an
                         * assignment (its assignor state is NULL, upstream
                         * issue 4312). Nothing to commit: leave it to the
                         * session timeout. */
                        rdr_log(RDR_LOG_INFO, "kafka.leave_skipped",
                                "no partitions were ever assigned: the group "
                                "drops this member at its session timeout");
                        w->consumer = NULL;
                }
        }
        rd_kafka_flush(w->producer, 2000);
        rdr_log(RDR_LOG_INFO, "worker.stopped", "drained and committed");
        if (w->failed)
                rc = 1;
done:
        worker_destroy(w);
        watchdog_free();
        return rc;
}

/* Timer worker: sleep until the earliest due time (with jitter, so workers
 * do not poll in a herd), claim due timers from every shard in one
 * pipelined round trip, fire each through its handler (a case's cadence
 * step, or a parcel's check for lateness), and complete it in the
 * acknowledgement pipeline, after its effects were published. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "casework.h"
#include "timers_worker.h"

/* What a claimed timer is, parsed once per tick. */
typedef enum fire_kind_e {
        FIRE_UNKNOWN,
        FIRE_PARCEL, /* "parcel:<at>:<ref>": a parcel's check */
        FIRE_PAUSE,  /* "parcel-pause:<at>:<case_id>": pause the case */
        FIRE_CASE    /* "<case_id>:<step>:<attempt>:<gen>": a cadence step */
} fire_kind_t;

typedef struct fire_s {
        fire_kind_t kind;
        const char *key; /* PARCEL: the parcel's ref; PAUSE: the case id (both
                          * inside the member) */
        int64_t at_ms;   /* PARCEL: the check's due time; PAUSE: when the
                          * check found the parcel late */
        char case_id[RDR_CASE_ID_MAX]; /* CASE */
        rdr_cadence_input_t in;        /* CASE: the timer, and the buyer's tag
                                        * (rdr_casework_read_tags()) */
        double late_s; /* from its due time to this tick, < 0 if early */
} fire_t;

static void fire_parse(const rdr_timer_t *tm, fire_t *f) {
        memset(f, 0, sizeof(*f));
        if (!rdr_parcel_timer_parse(tm->member, &f->at_ms, &f->key))
                f->kind = FIRE_PARCEL;
        else if (!rdr_parcel_pause_timer_parse(tm->member, &f->at_ms,
                                               &f->key) &&
                 strlen(f->key) < RDR_CASE_ID_MAX)
                f->kind = FIRE_PAUSE;
        else if (rdr_cadence_timer_parse(tm->member, f->case_id,
                                         sizeof(f->case_id),
                                         &f->in.timer) == RDR_OK) {
                f->kind = FIRE_CASE;
                f->in.type = RDR_CIN_TIMER;
        }
}

typedef struct timers_w_s {
        rdr_worker_t *w;
        rdr_timers_t *timers;
        int64_t lease_ms, idle_ms;
        int claim_max;
        rdr_metric_t *m_fired, *m_given_back, *m_lateness, *m_unknown,
            *m_pending;
        int64_t last_pending_ms;
        rdr_casework_t *cw;
        fire_t *fires; /* the tick's claimed timers, parsed (claim_max at
                        * most; grown to the largest claim) */
        rdr_tag_read_t *tag_reads; /* beside fires */
        size_t fires_size;
        size_t fires_cnt; /* the tick's fires with their completion queued,
                           * one rdr_worker_after_eval() each, in order */
} timers_w_t;

static rdr_err_t timers_init(rdr_worker_t *w, void **opaque, char *errstr,
                             size_t errstr_size) {
        static const double lat[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                     2,    5,    10,  30,   60};
        timers_w_t *tw = calloc(1, sizeof(*tw));
        const rdr_conf_t *conf = rdr_worker_conf(w);
        if (!tw) {
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        tw->w = w;
        tw->timers = rdr_timers_new(rdr_worker_redis(w),
                                    (int)rdr_conf_int(conf, "timers.shards"));
        if (!tw->timers) {
                free(tw);
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        tw->cw = rdr_casework_new(w, errstr, errstr_size);
        if (!tw->cw) {
                rdr_timers_destroy(tw->timers);
                free(tw);
                return RDR_ERR_CONFIG;
        }
        tw->lease_ms = rdr_conf_int(conf, "timers.lease");
        tw->idle_ms = rdr_conf_int(conf, "timers.idle_max");
        tw->claim_max = (int)rdr_conf_int(conf, "timers.claim_max");
        tw->m_fired = rdr_metrics_counter(
            rdr_worker_metrics(w), "timers_fired_total",
            "Timers fired: their effects published and the timer completed",
            NULL);
        tw->m_given_back = rdr_metrics_counter(
            rdr_worker_metrics(w), "timers_given_back_total",
            "Timers given back to fire again at once: what the tick read "
            "(the case, its order's shared counts) moved on before its write",
            NULL);
        tw->m_unknown = rdr_metrics_counter(
            rdr_worker_metrics(w), "timers_unknown_total",
            "Timers of a kind no handler knows (completed, logged)", NULL);
        tw->m_lateness = rdr_metrics_histogram(
            rdr_worker_metrics(w), "timer_lateness_seconds",
            "From a timer's due time to its firing", lat,
            sizeof(lat) / sizeof(lat[0]));
        tw->m_pending =
            rdr_metrics_gauge(rdr_worker_metrics(w), "timers_pending",
                              "Timers waiting or leased", "set");
        *opaque = tw;
        return RDR_OK;
}

static void timers_destroy(void *opaque) {
        timers_w_t *tw = opaque;
        if (!tw)
                return;
        rdr_timers_destroy(tw->timers);
        rdr_casework_destroy(tw->cw);
        free(tw->fires);
        free(tw->tag_reads);
        free(tw);
}

/* Feed a timer's input to case case_id: a case timer
 * ("<case_id>:<step>:<attempt>:<gen>") as RDR_CIN_TIMER, a late parcel's
 * pause ("parcel-pause:<at>:<case_id>", armed by the parcel's check) as
 * RDR_CIN_SHIPMENT_PAUSE. The reads of the case and of the timer's dedupe
 * key were queued by the tick; a timer already applied (fired again after
 * a lost lease) is answered as a replay, not decided again. */
static rdr_err_t fire_case_input(timers_w_t *tw, const rdr_timer_t *tm,
                                 const char *case_id,
                                 const rdr_cadence_input_t *in,
                                 const redisReply *hgetall,
                                 const redisReply *seen) {
        const rdr_cadence_out_t *out;
        rdr_case_t *c;
        char errstr[256];
        rdr_err_t err;
        err = rdr_casework_get(tw->cw, case_id, hgetall, &c, errstr,
                               sizeof(errstr));
        if (!err)
                err = rdr_casework_apply(tw->cw, c, case_id, in, "timers",
                                         tm->member, NULL,
                                         rdr_casework_seen(seen, NULL), NULL,
                                         &out, errstr, sizeof(errstr));
        if (rdr_err_class(err) == RDR_ERRCLASS_PERMANENT)
                rdr_log(RDR_LOG_ERROR, "timer.invalid",
                        "timer %s cannot be applied: %s (completing it)",
                        tm->member, errstr);
        return err;
}

/* A parcel's check ("parcel:<due>:<ref>", parcel.h): is the parcel late?
 * The reads of its order's record and of the timer's dedupe key were
 * queued by the tick. */
static rdr_err_t fire_parcel_timer(timers_w_t *tw, const rdr_timer_t *tm,
                                   int64_t at_ms, const char *ref,
                                   const redisReply *hgetall,
                                   const redisReply *seen) {
        rdr_parcel_t *p = rdr_casework_parcel_get(tw->cw, ref, hgetall);
        const rdr_parcel_out_t *out;
        char errstr[256];
        rdr_err_t err;
        if (!p)
                return RDR_ERR_NOMEM;
        err = rdr_casework_parcel(tw->cw, p, hgetall, "timers", tm->member,
                                  NULL, rdr_casework_seen(seen, NULL), NULL,
                                  at_ms, &out, errstr, sizeof(errstr));
        if (rdr_err_class(err) == RDR_ERRCLASS_PERMANENT)
                rdr_log(RDR_LOG_ERROR, "timer.invalid",
                        "timer %s cannot be applied: %s (completing it)",
                        tm->member, errstr);
        return err;
}

static rdr_err_t timers_tick(void *opaque, int64_t *next_ms) {
        timers_w_t *tw = opaque;
        int64_t now = rdr_worker_now_ms(tw->w), next_due, wait;
        rdr_timer_t *claimed = NULL;
        redisReply **reads = NULL;
        size_t cnt = 0, reads_cnt = 0, i;
        rdr_err_t err;

        if (rdr_mono_ms() - tw->last_pending_ms > 10000) {
                long long due, leased;
                if (!rdr_timers_pending(tw->timers, &due, &leased)) {
                        rdr_metric_set(tw->m_pending, "due", (double)due);
                        rdr_metric_set(tw->m_pending, "leased", (double)leased);
                }
                tw->last_pending_ms = rdr_mono_ms();
        }
        tw->fires_cnt = 0;
        err = rdr_timers_claim(tw->timers, now, tw->lease_ms, tw->claim_max,
                               &claimed, &cnt, &next_due);
        if (err)
                return err;
        if (cnt > tw->fires_size) {
                fire_t *n = realloc(tw->fires, cnt * sizeof(*n));
                rdr_tag_read_t *t =
                    n ? realloc(tw->tag_reads, cnt * sizeof(*t)) : NULL;
                if (n)
                        tw->fires = n;
                if (t)
                        tw->tag_reads = t;
                if (!t) {
                        rdr_timers_free_claimed(claimed, cnt);
                        return RDR_ERR_NOMEM;
                }
                tw->fires_size = cnt;
        }
        /* Read every case (parcel record) a timer belongs to in one round
         * trip: RDR_CASEWORK_READS replies per timer. */
        rdr_casework_begin(tw->cw);
        for (i = 0; i < cnt; i++) {
                fire_t *f = &tw->fires[i];
                const char *member = claimed[i].member;
                int k;
                fire_parse(&claimed[i], f);
                if (f->kind == FIRE_PARCEL)
                        rdr_casework_queue_parcel_read(tw->cw, f->key, "timers",
                                                       member);
                else if (f->kind != FIRE_UNKNOWN)
                        rdr_casework_queue_read(
                            tw->cw, f->kind == FIRE_PAUSE ? f->key : f->case_id,
                            "timers", member);
                else
                        for (k = 0; k < RDR_CASEWORK_READS; k++)
                                rdr_redis_cmdf(rdr_worker_redis(tw->w), "PING");
        }
        if (cnt > 0) {
                err = rdr_redis_exec(rdr_worker_redis(tw->w));
                reads =
                    rdr_redis_take_replies(rdr_worker_redis(tw->w), &reads_cnt);
                /* Before a step that writes to the buyer, the buyer's
                 * fleet-wide tags (a round trip only for such timers). */
                for (i = 0; i < cnt; i++) {
                        fire_t *f = &tw->fires[i];
                        size_t r = i * RDR_CASEWORK_READS;
                        tw->tag_reads[i] = (rdr_tag_read_t){
                            f->kind == FIRE_CASE ? f->case_id : NULL,
                            r < reads_cnt ? reads[r] : NULL, &f->in, 0};
                }
                if (!err)
                        err =
                            rdr_casework_read_tags(tw->cw, tw->tag_reads, cnt);
                if (err)
                        goto done;
        }
        for (i = 0; i < cnt; i++) {
                const rdr_timer_t *tm = &claimed[i];
                const fire_t *f = &tw->fires[i];
                char keys[3][64], nums[2][24];
                rdr_cadence_input_t in;
                size_t r = i * RDR_CASEWORK_READS;
                const redisReply *hgetall = r < reads_cnt ? reads[r] : NULL,
                                 *seen =
                                     r + 1 < reads_cnt ? reads[r + 1] : NULL;
                const char *argv[6];
                size_t lens[6];
                int script;
                err = RDR_OK;
                memset(&in, 0, sizeof(in));
                if (f->kind == FIRE_PARCEL) {
                        err = fire_parcel_timer(tw, tm, f->at_ms, f->key,
                                                hgetall, seen);
                } else if (f->kind == FIRE_PAUSE) {
                        in.type = RDR_CIN_SHIPMENT_PAUSE;
                        in.pause_at_ms = f->at_ms;
                        err =
                            fire_case_input(tw, tm, f->key, &in, hgetall, seen);
                } else if (f->kind == FIRE_CASE) {
                        err = fire_case_input(tw, tm, f->case_id, &f->in,
                                              hgetall, seen);
                } else {
                        rdr_metric_add(tw->m_unknown, NULL, 1);
                        rdr_log(RDR_LOG_WARN, "timer.unknown",
                                "timer %s is of no known kind: completing it",
                                tm->member);
                }
                if (err && rdr_err_class(err) != RDR_ERRCLASS_PERMANENT)
                        goto done;
                /* Completed once its effects are published; given back
                 * if its apply is refused (its case moved on since the
                 * read), to fire again at the next tick. */
                script = rdr_timers_complete_args(tw->timers, tm, keys, nums,
                                                  argv, lens);
                if ((err = rdr_worker_after_eval(tw->w, script, 3, 5, 6, argv,
                                                 lens)))
                        goto done;
                tw->fires[i].late_s = (double)(now - tm->due_ms) / 1000.0;
                tw->fires_cnt = i + 1;
        }
        err = RDR_OK;

        /* A full claim means more may be due now; else sleep until the
         * earliest due time, capped, with up to 10% jitter. */
        if (cnt > 0)
                wait = 0;
        else if (next_due == INT64_MAX || next_due - now > tw->idle_ms)
                wait = tw->idle_ms;
        else
                wait = next_due > now ? next_due - now : 0;
        if (wait > 10)
                wait += rand() % (wait / 10 + 1);
        *next_ms = wait;
done:
        rdr_timers_free_claimed(claimed, cnt);
        rdr_redis_replies_free(reads, reads_cnt);
        return err;
}

/* The tick's completions ran: each timer counts once, when it fired for
 * good (its lateness with it); one given back counts as such, and as
 * fired when it fires again. */
static void timers_tick_done(void *opaque) {
        timers_w_t *tw = opaque;
        size_t i;
        for (i = 0; i < tw->fires_cnt; i++) {
                if (rdr_worker_after_refused(tw->w, i)) {
                        rdr_metric_add(tw->m_given_back, NULL, 1);
                        continue;
                }
                rdr_metric_add(tw->m_fired, NULL, 1);
                if (tw->fires[i].late_s >= 0)
                        rdr_metric_observe(tw->m_lateness, tw->fires[i].late_s);
        }
        tw->fires_cnt = 0;
}

const rdr_worker_def_t rdr_timers_worker = {
    .name = "timers",
    .topics = NULL,
    .init = timers_init,
    .tick = timers_tick,
    .tick_done = timers_tick_done,
    .destroy = timers_destroy,
    .doc = rdr_casework_doc,
};

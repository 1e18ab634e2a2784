/* redress-report: what the stores look at (BEHAVIOR.md section 5), read
 * from the fleet's Redis with the workers' configuration (--config,
 * REDRESS_*): the negative reviews posted in the month per product and
 * reason and the products with the most; their cases resolved, closed
 * and still open; per agent, the cases resolved in the month by reason
 * and the reward owed (playbook `rewards`, per store); open cases by
 * state; timers due in the next hour and day; appeals near their
 * deadline; the week's abnormal shipments. It SCANs the case hashes and
 * order records (each read once, in pipelined batches) and changes
 * nothing. "Now" is the fleet's clock (the test clock when clock.source
 * is test). A month is each store's own, from midnight on the 1st in its
 * time zone (playbook `timezone`); the week is the 7 days to now. Exit
 * status 0, 1 Redis unreachable, 2 usage, 78 bad configuration. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cadence.h"
#include "casework.h"
#include "clock.h"
#include "conf.h"
#include "event.h"
#include "localtime.h"
#include "lookup.h"
#include "parcel.h"
#include "playbook.h"
#include "redis.h"
#include "str.h"
#include "timers.h"
#include "tool.h"

#define EXIT_USAGE RDR_TOOL_EXIT_USAGE
#define EXIT_CONFIG RDR_TOOL_EXIT_CONFIG
#define DAY_MS 86400000LL
#define SCAN_BATCH 500
#define LIST_MAX 100 /* appeals and shipments listed (all are counted) */
#define TOP_MAX 1000000
#define APPEAL_DAYS_MAX 365

/* A count per key ("a\x1fb\x1fc"): an open-addressing table. */
typedef struct tally_s {
        char **keys;
        long long *cnt;
        size_t size, used;
} tally_t;

static int tally_add(tally_t *t, const char *key, long long n) {
        size_t i, mask;
        if (2 * (t->used + 1) > t->size) {
                tally_t g = {0};
                g.size = t->size ? 2 * t->size : 256;
                g.keys = calloc(g.size, sizeof(*g.keys));
                g.cnt = calloc(g.size, sizeof(*g.cnt));
                if (!g.keys || !g.cnt) {
                        free(g.keys);
                        free(g.cnt);
                        return -1;
                }
                for (i = 0; i < t->size; i++) {
                        size_t j;
                        if (!t->keys[i])
                                continue;
                        for (j = rdr_str_hash(t->keys[i], strlen(t->keys[i])) &
                                 (g.size - 1);
                             g.keys[j]; j = (j + 1) & (g.size - 1))
                                ;
                        g.keys[j] = t->keys[i];
                        g.cnt[j] = t->cnt[i];
                }
                g.used = t->used;
                free(t->keys);
                free(t->cnt);
                *t = g;
        }
        mask = t->size - 1;
        for (i = rdr_str_hash(key, strlen(key)) & mask; t->keys[i];
             i = (i + 1) & mask)
                if (!strcmp(t->keys[i], key)) {
                        t->cnt[i] += n;
                        return 0;
                }
        if (!(t->keys[i] = strdup(key)))
                return -1;
        t->cnt[i] = n;
        t->used++;
        return 0;
}

/* The count of key, 0 if t has none. */
static long long tally_get(const tally_t *t, const char *key) {
        size_t i, mask = t->size - 1;
        if (!t->size)
                return 0;
        for (i = rdr_str_hash(key, strlen(key)) & mask; t->keys[i];
             i = (i + 1) & mask)
                if (!strcmp(t->keys[i], key))
                        return t->cnt[i];
        return 0;
}

static void tally_free(tally_t *t) {
        size_t i;
        for (i = 0; i < t->size; i++)
                free(t->keys[i]);
        free(t->keys);
        free(t->cnt);
}

/* The table's entries, largest count first, then by key. */
typedef struct entry_s {
        const char *key;
        long long cnt;
} entry_t;

static int by_count(const void *a, const void *b) {
        const entry_t *x = a, *y = b;
        if (x->cnt != y->cnt)
                return x->cnt < y->cnt ? 1 : -1;
        return strcmp(x->key, y->key);
}

static int by_key(const void *a, const void *b) {
        return strcmp(((const entry_t *)a)->key, ((const entry_t *)b)->key);
}

static entry_t *tally_sorted(const tally_t *t,
                             int (*cmp)(const void *, const void *)) {
        entry_t *e = calloc(t->used + 1, sizeof(*e));
        size_t i, n = 0;
        if (!e)
                return NULL;
        for (i = 0; i < t->size; i++)
                if (t->keys[i]) {
                        e[n].key = t->keys[i];
                        e[n++].cnt = t->cnt[i];
                }
        qsort(e, n, sizeof(*e), cmp);
        return e;
}

/* Split a copy of key (in buf) into n fields at \x1f ("" if missing). */
static void split(const char *key, char *buf, size_t size, char **f, int n) {
        char *p = buf;
        int i;
        rdr_str_copy(buf, size, key);
        for (i = 0; i < n; i++) {
                f[i] = p ? p : (char *)"";
                p = p ? strchr(p, '\x1f') : NULL;
                if (p)
                        *p++ = '\0';
        }
}

typedef struct listed_s {
        int64_t at_ms; /* sort key: a deadline, or the last event */
        char *line[7];
} listed_t;

typedef struct report_s {
        /* Options. */
        const char *store, *month_arg;
        int json, top, appeal_days;
        /* Context. */
        rdr_redis_t *redis;
        const rdr_playbook_t *pb;
        int shards;
        int64_t now, week_start;
        int year, mon; /* the month */
        char month[16];
        /* The month's bounds in each store's zone, as met (the stores the
         * playbook does not name share its defaults). */
        struct store_month_s {
                const rdr_store_conf_t *sc;
                int64_t start, end;
        } * months;
        size_t months_cnt;
        /* What was read. */
        long long cases, orders, unreadable;
        tally_t by_product_reason, by_product, month_states, product_states,
            agents, open_states;
        /* Beside agents (key store, agent, reason, then the reward's
         * currency): the rewards owed, in minor units, each case's by its
         * platform's and store's settings. */
        tally_t agent_rewards;
        listed_t *appeals, *shipments;
        size_t appeals_cnt, shipments_cnt, appeals_total, shipments_total;
        long long due_hour, due_day;
        /* The live timers of the open cases of the page being read, whose
         * due time the timer set holds (pend_due()). */
        struct {
                char *member;
                char key[64];
        } * pend;
        size_t pend_cnt, pend_size;
} report_t;

static char *join(const char *const *parts) {
        char buf[1024];
        rdr_str_join(buf, sizeof(buf), parts);
        return strdup(buf);
}

static void list_add(listed_t **l, size_t *cnt, size_t *total, int64_t at,
                     const char *const *cols, int ncols) {
        listed_t *n;
        int i;
        (*total)++;
        n = realloc(*l, (*cnt + 1) * sizeof(**l));
        if (!n)
                return;
        *l = n;
        memset(&n[*cnt], 0, sizeof(n[*cnt]));
        n[*cnt].at_ms = at;
        for (i = 0; i < ncols; i++)
                n[*cnt].line[i] = strdup(cols[i] ? cols[i] : "");
        (*cnt)++;
}

static int by_at(const void *a, const void *b) {
        const listed_t *x = a, *y = b;
        return x->at_ms < y->at_ms ? -1 : x->at_ms > y->at_ms;
}

static void list_free(listed_t *l, size_t cnt) {
        size_t i;
        int k;
        for (i = 0; i < cnt; i++)
                for (k = 0; k < 7; k++)
                        free(l[i].line[k]);
        free(l);
}

static void fmt_time(int64_t ms, char *buf) {
        if (!ms || !rdr_time_format_rfc3339(ms, buf, RDR_TIME_RFC3339_SIZE))
                strcpy(buf, "-");
}

/* The month's first instant in zone (a playbook zone, checked at load). */
static int64_t month_start(int year, int mon, const char *zone) {
        int64_t ms = 0;
        if (mon > 12) {
                year++;
                mon = 1;
        }
        rdr_localtime_make(zone, year, mon, 1, 0, 0, &ms);
        return ms;
}

/* Whether t is in the month of store_id on platform, in the store's time
 * zone (the platform's, if the playbook sets one there). */
static int in_month(report_t *r, const char *platform, const char *store_id,
                    int64_t t) {
        const rdr_store_conf_t *sc =
            rdr_playbook_store(r->pb, platform, store_id);
        struct store_month_s *m = NULL, *n;
        size_t i;
        for (i = 0; i < r->months_cnt && !m; i++)
                if (r->months[i].sc == sc)
                        m = &r->months[i];
        if (!m) {
                n = realloc(r->months, (r->months_cnt + 1) * sizeof(*n));
                if (!n)
                        return 0;
                r->months = n;
                m = &n[r->months_cnt++];
                m->sc = sc;
                m->start = month_start(r->year, r->mon, sc->timezone);
                m->end = month_start(r->year, r->mon + 1, sc->timezone);
        }
        return t >= m->start && t < m->end;
}

/* The zone the month is in, as the report heads it. */
static const char *month_zone(const report_t *r) {
        return r->store ? rdr_playbook_store(r->pb, NULL, r->store)->timezone
                        : "each store's time zone";
}

/* One case: every section it belongs to. */
/* Count a timer due at at_ms (overdue ones too: they are due now). */
static void count_due(report_t *r, int64_t at_ms) {
        if (at_ms <= r->now + 3600000)
                r->due_hour++;
        if (at_ms <= r->now + DAY_MS)
                r->due_day++;
}

/* Keep open case c's live timers (rdr_cadence_live_timers(): not the
 * stale members a case's later steps left in the timer set) for
 * pend_due(). */
static void pend_live_timers(report_t *r, const rdr_case_t *c) {
        rdr_cadence_timer_t live[RDR_CADENCE_LIVE_MAX];
        size_t i, n = rdr_cadence_live_timers(c, live, RDR_CADENCE_LIVE_MAX);
        for (i = 0; i < n; i++) {
                char keys[3][64];
                if (r->pend_cnt == r->pend_size) {
                        size_t ns = r->pend_size ? 2 * r->pend_size : 256;
                        void *np = realloc(r->pend, ns * sizeof(*r->pend));
                        if (!np)
                                return;
                        r->pend = np;
                        r->pend_size = ns;
                }
                r->pend[r->pend_cnt].member = strdup(live[i].timer_id);
                if (!r->pend[r->pend_cnt].member)
                        return;
                rdr_timer_keys(live[i].timer_id, strlen(live[i].timer_id),
                               r->shards, keys);
                memcpy(r->pend[r->pend_cnt++].key, keys[0], 64);
        }
}

/* The due times of the timers pend_live_timers() kept, in one round
 * trip: counted if due within the hour and the day (a timer leased, being
 * fired, is in no due set). Returns -1 if Redis failed. */
static int pend_due(report_t *r) {
        size_t i;
        int rc = 0;
        if (!r->pend_cnt)
                return 0;
        for (i = 0; i < r->pend_cnt; i++)
                rdr_redis_cmdl(r->redis, "ZSCORE", r->pend[i].key,
                               r->pend[i].member, NULL);
        if (rdr_redis_exec(r->redis)) {
                fprintf(stderr, "redress-report: %s\n",
                        rdr_redis_errstr(r->redis));
                rc = -1;
        }
        for (i = 0; i < r->pend_cnt; i++) {
                const redisReply *s = rc ? NULL : rdr_redis_reply(r->redis, i);
                if (s && s->type == REDIS_REPLY_STRING)
                        count_due(r, (int64_t)strtoll(s->str, NULL, 10));
                free(r->pend[i].member);
        }
        r->pend_cnt = 0;
        rdr_redis_reset(r->redis);
        return rc;
}

/* A case is its review's: the month's negative reviews, and their cases
 * as they stand, are those posted in the month (the review's created_at),
 * however late the fleet read them; the agents' work is counted in the
 * month it was done (closed_at). */
static void take_case(report_t *r, const rdr_case_t *c) {
        const char *reason = rdr_reason_names[c->reason];
        int final = rdr_case_state_final(c->state);
        int64_t posted = c->review_at_ms ? c->review_at_ms : c->opened_at_ms;
        r->cases++;
        if (r->store && strcmp(r->store, c->store_id))
                return;
        if (in_month(r, c->platform, c->store_id, posted)) {
                char *k = join((const char *const[]){
                    c->store_id, "\x1f", c->product_id, "\x1f", reason, NULL});
                char *p = join((const char *const[]){c->store_id, "\x1f",
                                                     c->product_id, NULL});
                const char *standing = c->state == RDR_CASE_STATE_RESOLVED
                                           ? "resolved"
                                       : final ? "closed"
                                               : "open";
                char *s = join(
                    (const char *const[]){c->store_id, "\x1f", standing, NULL});
                char *ps = join((const char *const[]){c->store_id, "\x1f",
                                                      c->product_id, "\x1f",
                                                      standing, NULL});
                if (k && p && s && ps) {
                        tally_add(&r->by_product_reason, k, 1);
                        tally_add(&r->by_product, p, 1);
                        tally_add(&r->month_states, s, 1);
                        tally_add(&r->product_states, ps, 1);
                }
                free(k);
                free(p);
                free(s);
                free(ps);
        }
        /* Credited once, in the month of its first resolution, to the
         * agent then: a case reopened and resolved again changes no
         * month's figures (a case resolved before the first was kept:
         * its latest, while it stands resolved). */
        if (c->resolved_at_ms
                ? in_month(r, c->platform, c->store_id, c->resolved_at_ms)
                : c->state == RDR_CASE_STATE_RESOLVED &&
                      in_month(r, c->platform, c->store_id, c->closed_at_ms)) {
                const rdr_store_conf_t *sc =
                    rdr_playbook_store(r->pb, c->platform, c->store_id);
                const char *agent =
                    c->resolved_at_ms ? c->resolved_by : c->agent_id;
                char *k = join((const char *const[]){
                    c->store_id, "\x1f", agent[0] ? agent : "-", "\x1f", reason,
                    "\x1f", sc->reward_currency, NULL});
                if (k) {
                        tally_add(&r->agents, k, 1);
                        tally_add(&r->agent_rewards, k,
                                  sc->reward_minor[c->reason]);
                }
                free(k);
        }
        if (!final) {
                char *k = join((const char *const[]){
                    c->store_id, "\x1f", rdr_case_state_names[c->state], NULL});
                if (k)
                        tally_add(&r->open_states, k, 1);
                free(k);
                pend_live_timers(r, c);
        }
        /* An appeal not filed yet whose window closes soon. */
        if (c->state == RDR_CASE_STATE_MALICIOUS && c->appeal_deadline_ms &&
            c->appeal_deadline_ms >= r->now &&
            c->appeal_deadline_ms < r->now + r->appeal_days * DAY_MS) {
                char deadline[RDR_TIME_RFC3339_SIZE];
                fmt_time(c->appeal_deadline_ms, deadline);
                list_add(&r->appeals, &r->appeals_cnt, &r->appeals_total,
                         c->appeal_deadline_ms,
                         (const char *const[]){
                             c->store_id, c->case_id, c->order_id,
                             /* an agent's appeal: its ground */
                             c->malicious == RDR_MAL_NONE &&
                                     c->staff_ground != RDR_GROUND_NONE
                                 ? rdr_ground_names[c->staff_ground]
                                 : rdr_malicious_names[c->malicious],
                             deadline},
                         5);
        }
}

/* One parcel of an order: listed if it went wrong this week. */
static void take_parcel(report_t *r, const rdr_parcel_t *p) {
        char status[64], last[RDR_TIME_RFC3339_SIZE], notices[16];
        int64_t at;
        r->orders++;
        if (!p->shipment_id[0] || (r->store && strcmp(r->store, p->store_id)))
                return;
        if (p->check_at_ms)
                count_due(r, p->check_at_ms); /* the parcel's armed check */
        at = p->last_scan_at_ms > p->delay_notice_at_ms ? p->last_scan_at_ms
                                                        : p->delay_notice_at_ms;
        if (p->has_status && p->status == RDR_SHIP_DELIVERED)
                return;
        if (p->exception != RDR_EXC_NONE)
                snprintf(status, sizeof(status), "exception: %s",
                         rdr_exception_names[p->exception]);
        else if (p->overdue)
                snprintf(status, sizeof(status), "overdue");
        else if (p->delay_notices > 0)
                snprintf(status, sizeof(status), "late");
        else
                return;
        if (at < r->week_start)
                return;
        fmt_time(at, last);
        snprintf(notices, sizeof(notices), "%d", p->delay_notices);
        list_add(&r->shipments, &r->shipments_cnt, &r->shipments_total, at,
                 (const char *const[]){p->store_id, p->order_id, p->carrier,
                                       p->tracking_number, status, notices,
                                       last},
                 7);
}

/* One order record: each of its parcels (a split shipment has several). */
static void take_order(report_t *r, const redisReply *h) {
        const char *tracking;
        size_t pos = 0;
        while (rdr_order_parcel_next(h, &pos, &tracking)) {
                rdr_parcel_t p;
                rdr_order_parcel_load(&p, h, tracking);
                take_parcel(r, &p);
        }
}

/* SCAN the keys of one server (a master of Redis Cluster) matching
 * pattern; HGETALL each batch in one round trip. */
static int scan_node(report_t *r, size_t node, const char *pattern, int cases) {
        char cursor[32] = "0";
        /* SCAN may return a key twice (the key table resized during the
         * scan, keys expiring by the thousand): each is read once, or a
         * case would count twice, its agent's reward with it. */
        tally_t seen = {0};
        int rc = 0;
        do {
                redisReply *s = rdr_redis_node_command(
                    r->redis, node, "SCAN %s MATCH %s COUNT %d", cursor,
                    pattern, SCAN_BATCH);
                size_t i;
                if (!s || s->type != REDIS_REPLY_ARRAY || s->elements != 2) {
                        fprintf(stderr, "redress-report: SCAN failed: %s\n",
                                s && s->type == REDIS_REPLY_ERROR
                                    ? s->str
                                    : rdr_redis_errstr(r->redis));
                        if (s)
                                freeReplyObject(s);
                        rc = -1;
                        break;
                }
                rdr_str_copy(cursor, sizeof(cursor), s->element[0]->str);
                for (i = 0; i < s->element[1]->elements; i++) {
                        const char *key = s->element[1]->element[i]->str;
                        if (tally_get(&seen, key))
                                continue;
                        if (tally_add(&seen, key, 1)) {
                                rdr_redis_reset(r->redis);
                                freeReplyObject(s);
                                fprintf(stderr, "redress-report: out of "
                                                "memory\n");
                                rc = -1;
                                goto done;
                        }
                        rdr_redis_cmdl(r->redis, "HGETALL", key, NULL);
                }
                if (rdr_redis_exec(r->redis)) {
                        freeReplyObject(s);
                        fprintf(stderr, "redress-report: %s\n",
                                rdr_redis_errstr(r->redis));
                        rc = -1;
                        break;
                }
                for (i = 0; i < rdr_redis_replies(r->redis); i++) {
                        const redisReply *h = rdr_redis_reply(r->redis, i);
                        if (!h || h->type != REDIS_REPLY_ARRAY || !h->elements)
                                continue;
                        if (cases) {
                                static rdr_case_t c;
                                char errstr[256];
                                if (rdr_case_from_reply(&c, h, NULL, errstr,
                                                        sizeof(errstr)) ||
                                    !c.version)
                                        r->unreadable++;
                                else
                                        take_case(r, &c);
                        } else {
                                take_order(r, h);
                        }
                }
                rdr_redis_reset(r->redis);
                freeReplyObject(s);
                if (pend_due(r)) {
                        rc = -1;
                        break;
                }
        } while (strcmp(cursor, "0"));
done:
        tally_free(&seen);
        return rc;
}

/* scan_node() on every server that holds data. */
static int scan(report_t *r, const char *pattern, int cases) {
        size_t i, n = rdr_redis_nodes(r->redis);
        if (n == 0) {
                fprintf(stderr, "redress-report: %s\n",
                        rdr_redis_errstr(r->redis));
                return -1;
        }
        for (i = 0; i < n; i++)
                if (scan_node(r, i, pattern, cases))
                        return -1;
        return 0;
}

/* The reward owed for the cases of the agents table's key (store, agent,
 * reason, currency): *currency points into key. */
static void reward(const report_t *r, const char *key, long long *minor,
                   const char **currency) {
        const char *sep = strrchr(key, '\x1f');
        *minor = tally_get(&r->agent_rewards, key);
        *currency = sep ? sep + 1 : "";
}

/* ---- output ------------------------------------------------------------ */

/* One table of the text report: a heading, then a row per key of t
 * (fields of the given widths, then the count, and the reward owed when
 * with_reward: the agents table, whose fields are store, agent, reason). */
typedef struct table_s {
        const tally_t *t;
        int (*cmp)(const void *, const void *);
        int n, limit, with_reward;
        const char *cols[4];
        int widths[3];
} table_t;

static int print_table(const report_t *r, const table_t *tb) {
        entry_t *e = tally_sorted(tb->t, tb->cmp);
        size_t i;
        int k;
        if (!e)
                return -1;
        printf(" ");
        for (k = 0; k < tb->n; k++)
                printf(" %-*s", tb->widths[k], tb->cols[k]);
        if (tb->with_reward)
                printf(" %-8s REWARD\n", tb->cols[tb->n]);
        else
                printf(" %s\n", tb->cols[tb->n]);
        for (i = 0; i < tb->t->used && (tb->limit <= 0 || (int)i < tb->limit);
             i++) {
                char kb[1024], *f[3], m[64] = "-";
                split(e[i].key, kb, sizeof(kb), f, tb->n);
                printf(" ");
                for (k = 0; k < tb->n; k++)
                        printf(" %-*s", tb->widths[k], f[k]);
                if (tb->with_reward && strcmp(f[1], "-")) {
                        long long minor;
                        const char *cur;
                        reward(r, e[i].key, &minor, &cur);
                        rdr_money_format(minor, cur, m, sizeof(m));
                }
                if (tb->with_reward)
                        printf(" %-8lld %s\n", e[i].cnt, m);
                else
                        printf(" %lld\n", e[i].cnt);
        }
        free(e);
        return 0;
}

static int print_text(report_t *r) {
        const table_t tables[] = {
            {&r->by_product_reason,
             by_key,
             3,
             0,
             0,
             {"STORE", "PRODUCT", "REASON", "NEGATIVE"},
             {24, 24, 18}},
            {&r->by_product,
             by_count,
             2,
             r->top,
             0,
             {"STORE", "PRODUCT", "NEGATIVE"},
             {24, 24}},
            {&r->month_states,
             by_key,
             2,
             0,
             0,
             {"STORE", "STANDING", "CASES"},
             {24, 10}},
            {&r->product_states,
             by_key,
             3,
             0,
             0,
             {"STORE", "PRODUCT", "STANDING", "CASES"},
             {24, 24, 10}},
            {&r->agents,
             by_key,
             3,
             0,
             1,
             {"STORE", "AGENT", "REASON", "RESOLVED"},
             {24, 16, 18}},
            {&r->open_states,
             by_key,
             2,
             0,
             0,
             {"STORE", "STATE", "CASES"},
             {24, 16}},
        };
        char heads[6][128];
        size_t i;
        char t[RDR_TIME_RFC3339_SIZE];
        fmt_time(r->now, t);
        printf("Redress report for %s (%s%s), now %s, stores: %s\n", r->month,
               r->store ? "in " : "", month_zone(r), t,
               r->store ? r->store : "all");
        printf("%lld cases and %lld parcel records read", r->cases, r->orders);
        if (r->unreadable)
                printf(", %lld cases unreadable", r->unreadable);
        printf("\n");
        snprintf(heads[0], sizeof(heads[0]),
                 "Negative reviews by product and reason (posted in %s)",
                 r->month);
        snprintf(heads[1], sizeof(heads[1]),
                 "Products with the most negative reviews (top %d)", r->top);
        snprintf(heads[2], sizeof(heads[2]),
                 "Cases of the reviews posted in %s, as they stand", r->month);
        snprintf(heads[3], sizeof(heads[3]),
                 "Per product: cases of the reviews posted in %s, resolved and "
                 "open",
                 r->month);
        snprintf(heads[4], sizeof(heads[4]),
                 "Per agent: cases resolved in %s and the reward owed",
                 r->month);
        snprintf(heads[5], sizeof(heads[5]), "Open cases by state");
        for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
                printf("\n%s\n", heads[i]);
                if (print_table(r, &tables[i]))
                        return -1;
        }
        printf("\nTimers due (of open cases and parcels, overdue included): "
               "%lld in the next hour, %lld in the next day\n",
               r->due_hour, r->due_day);
        printf("\nAppeals near their deadline (not filed, window closing "
               "within %d d): %zu\n",
               r->appeal_days, r->appeals_total);
        for (i = 0; i < r->appeals_cnt && i < LIST_MAX; i++)
                printf("  %-24s %-36s %-20s %-12s closes %s\n",
                       r->appeals[i].line[0], r->appeals[i].line[1],
                       r->appeals[i].line[2], r->appeals[i].line[3],
                       r->appeals[i].line[4]);
        printf("\nAbnormal shipments of the week (exception, late or overdue, "
               "not delivered): %zu\n",
               r->shipments_total);
        for (i = 0; i < r->shipments_cnt && i < LIST_MAX; i++)
                printf("  %-24s %-20s %-12s %-20s %-20s notices %s, last %s\n",
                       r->shipments[i].line[0], r->shipments[i].line[1],
                       r->shipments[i].line[2], r->shipments[i].line[3],
                       r->shipments[i].line[4], r->shipments[i].line[5],
                       r->shipments[i].line[6]);
        return 0;
}

/* The rows of table t, fields named by names, as a JSON array. */
static json_t *rows(const tally_t *t, const char *const *names, int n,
                    int (*cmp)(const void *, const void *), int limit,
                    const report_t *r, int with_reward) {
        json_t *a = json_array();
        entry_t *e = tally_sorted(t, cmp);
        size_t i;
        if (!a || !e) {
                free(e);
                return a;
        }
        for (i = 0; i < t->used && (limit <= 0 || (int)i < limit); i++) {
                char kb[1024], *f[4];
                json_t *o = json_object();
                int k;
                if (!o)
                        continue;
                split(e[i].key, kb, sizeof(kb), f, n);
                for (k = 0; k < n; k++)
                        json_object_set_new(
                            o, names[k],
                            /* A case resolved with no agent's decision. */
                            !strcmp(names[k], "agent_id") && !strcmp(f[k], "-")
                                ? json_null()
                                : json_string(f[k]));
                json_object_set_new(o, "cases", json_integer(e[i].cnt));
                if (with_reward && strcmp(f[1], "-")) {
                        long long minor;
                        const char *cur;
                        reward(r, e[i].key, &minor, &cur);
                        json_object_set_new(
                            o, "reward",
                            json_pack("{s:I,s:s}", "amount_minor",
                                      (json_int_t)minor, "currency", cur));
                }
                json_array_append_new(a, o);
        }
        free(e);
        return a;
}

/* The listed rows, fields named by names; the columns whose bit is set
 * in counts (written by take_parcel() with "%d") are JSON integers. */
static json_t *listed(const listed_t *l, size_t cnt, const char *const *names,
                      int n, unsigned counts) {
        json_t *a = json_array();
        size_t i;
        int k;
        for (i = 0; i < cnt && i < LIST_MAX; i++) {
                json_t *o = json_object();
                for (k = 0; k < n; k++)
                        json_object_set_new(
                            o, names[k],
                            counts & (1u << k)
                                ? json_integer(strtoll(l[i].line[k], NULL, 10))
                                : json_string(l[i].line[k]));
                json_array_append_new(a, o);
        }
        return a;
}

static int print_json(report_t *r) {
        static const char *const pr[] = {"store_id", "product_id", "reason"};
        static const char *const ms[] = {"store_id", "standing"};
        static const char *const ps[] = {"store_id", "product_id", "standing"};
        static const char *const ag[] = {"store_id", "agent_id", "reason"};
        static const char *const st[] = {"store_id", "state"};
        static const char *const ap[] = {"store_id", "case_id", "order_id",
                                         "malicious", "deadline_at"};
        static const char *const sh[] = {
            "store_id", "order_id",      "carrier", "tracking_number",
            "status",   "delay_notices", "last_at"};
        char t[RDR_TIME_RFC3339_SIZE];
        json_t *o;
        char *s;
        fmt_time(r->now, t);
        o = json_pack(
            "{s:s,s:s?,s:s,s:s?,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,"
            "s:{s:I,s:I},s:{s:I,s:o},s:{s:I,s:o}}",
            "month", r->month, "month_zone", r->store ? month_zone(r) : NULL,
            "now", t, "store_id", r->store, "cases_read", (json_int_t)r->cases,
            "parcels_read", (json_int_t)r->orders, "cases_unreadable",
            (json_int_t)r->unreadable, "negative_by_product_reason",
            rows(&r->by_product_reason, pr, 3, by_key, 0, r, 0), "top_products",
            rows(&r->by_product, pr, 2, by_count, r->top, r, 0), "month_cases",
            rows(&r->month_states, ms, 2, by_key, 0, r, 0),
            "month_cases_by_product",
            rows(&r->product_states, ps, 3, by_key, 0, r, 0), "agents",
            rows(&r->agents, ag, 3, by_key, 0, r, 1), "open_cases",
            rows(&r->open_states, st, 2, by_key, 0, r, 0), "timers_due",
            "next_hour", (json_int_t)r->due_hour, "next_day",
            (json_int_t)r->due_day, "appeals_near_deadline", "count",
            (json_int_t)r->appeals_total, "cases",
            listed(r->appeals, r->appeals_cnt, ap, 5, 0), "abnormal_shipments",
            "count", (json_int_t)r->shipments_total, "parcels",
            listed(r->shipments, r->shipments_cnt, sh, 7, 1u << 5));
        if (!o || !(s = json_dumps(o, JSON_INDENT(2)))) {
                json_decref(o);
                return -1;
        }
        puts(s);
        free(s);
        json_decref(o);
        return 0;
}

/* ---- main -------------------------------------------------------------- */

/* The month: --month, else the one "now" is in, in the zone of --store
 * (all stores: the playbook's default zone). Each store's bounds come
 * from in_month(). */
/* --month's YYYY-MM into *y, *m: four digits, '-', two digits and
 * nothing else; -1 if it is not one. */
static int month_parse(const char *arg, int *y, int *m) {
        long long yv, mv;
        int i;
        if (strlen(arg) != 7 || arg[4] != '-')
                return -1;
        for (i = 0; i < 7; i++)
                if (i != 4 && !isdigit((unsigned char)arg[i]))
                        return -1;
        if (rdr_str_to_ll(arg, 4, 1970, 9999, &yv) ||
            rdr_str_to_ll(arg + 5, 2, 1, 12, &mv))
                return -1;
        *y = (int)yv;
        *m = (int)mv;
        return 0;
}

/* A whole number from lo to hi, all of arg (digits only: no sign, space
 * or tail), into *out; -1 if arg is not one. */
static int whole_parse(const char *arg, long lo, long hi, int *out) {
        long long v;
        if (!isdigit((unsigned char)arg[0]) ||
            rdr_str_to_ll(arg, strlen(arg), lo, hi, &v))
                return -1;
        *out = (int)v;
        return 0;
}

static int month_pick(report_t *r) {
        int y, m;
        if (r->month_arg) {
                if (month_parse(r->month_arg, &y, &m))
                        return -1;
        } else {
                const rdr_store_conf_t *sc =
                    r->store ? rdr_playbook_store(r->pb, NULL, r->store)
                             : rdr_playbook_defaults(r->pb);
                rdr_localtm_t tm;
                /* The playbook's zones are checked at load. */
                if (rdr_localtime_fields(sc->timezone, r->now, &tm))
                        rdr_localtime_fields("UTC", r->now, &tm);
                y = tm.year;
                m = tm.month;
        }
        r->year = y;
        r->mon = m;
        snprintf(r->month, sizeof(r->month), "%04d-%02d", y % 10000, m % 100);
        return 0;
}

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: redress-report [--config FILE] [--set KEY=VALUE]... "
                "[--store ID]\n"
                "                      [--month YYYY-MM] [--top N] "
                "[--appeal-days N] [--json]\n"
                "What the stores look at (BEHAVIOR.md section 5), from the "
                "fleet's Redis:\n"
                "the negative reviews posted in the month per product and "
                "reason, the products\n"
                "with the most, their cases resolved, closed and open, per "
                "agent the cases\n"
                "resolved in the month and the reward owed, open cases by "
                "state, timers due,\n"
                "appeals near their deadline and the week's abnormal "
                "shipments.\n"
                "  --store ID         one store (default: all)\n"
                "  --month YYYY-MM    the month, in each store's time zone "
                "(default: the\n"
                "                     fleet clock's)\n"
                "  --top N            products listed (default 10, at most "
                "1000000)\n"
                "  --appeal-days N    appeals whose window closes within N "
                "days (default 7,\n"
                "                     at most 365)\n"
                "  --json             one JSON object\n"
                "One case, whole (its fields, timers, the buyer's tags, the "
                "order's record):\n"
                "  --case ID | --platform P --store S --review ID | "
                "--platform P --store S --order ID\n"
                "One buyer (the record, the fleet-wide tags and who gave or "
                "lifted them by hand,\n"
                "the latest case in each store):\n"
                "  --platform P --buyer ID\n"
                "  --version          print the version and the commit built\n"
                "Exit status: 0 done, 1 Redis unreachable, 2 usage, 3 no such "
                "case, order or buyer,\n"
                "78 bad configuration.\n");
}

int main(int argc, char **argv) {
        report_t r;
        lookup_t lq;
        const char *platform = NULL;
        rdr_conf_t *conf;
        rdr_playbook_t *pb = NULL;
        rdr_clock_t *clk = NULL;
        char errstr[512], path[1024];
        int i, rc = 1;

        memset(&r, 0, sizeof(r));
        memset(&lq, 0, sizeof(lq));
        r.top = 10;
        r.appeal_days = 7;
        conf = rdr_tool_conf("redress-report", argc, argv, 1, usage, &rc);
        if (!conf)
                return rc;
        rc = 1;
        for (i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--json")) {
                        r.json = 1;
                        continue;
                }
                if (!v)
                        goto bad;
                i++;
                rc = rdr_tool_conf_opt(conf, "redress-report", a, v);
                if (rc == EXIT_USAGE)
                        goto bad;
                if (rc > 0) {
                        rdr_conf_destroy(conf);
                        return rc;
                }
                if (rc == 0) {
                        /* the configuration's */
                } else if (!strcmp(a, "--store")) {
                        r.store = v;
                } else if (!strcmp(a, "--month")) {
                        r.month_arg = v;
                } else if (!strcmp(a, "--case")) {
                        lq.case_id = v;
                } else if (!strcmp(a, "--platform")) {
                        platform = v;
                } else if (!strcmp(a, "--review")) {
                        lq.review_id = v;
                } else if (!strcmp(a, "--order")) {
                        lq.order_id = v;
                } else if (!strcmp(a, "--buyer")) {
                        lq.buyer_id = v;
                } else if (!strcmp(a, "--top")) {
                        if (whole_parse(v, 1, TOP_MAX, &r.top)) {
                                fprintf(stderr,
                                        "redress-report: --top takes a whole "
                                        "number from 1 to %d, got '%s'\n",
                                        TOP_MAX, v);
                                rdr_conf_destroy(conf);
                                return EXIT_USAGE;
                        }
                } else if (!strcmp(a, "--appeal-days")) {
                        if (whole_parse(v, 1, APPEAL_DAYS_MAX,
                                        &r.appeal_days)) {
                                fprintf(stderr,
                                        "redress-report: --appeal-days takes "
                                        "a whole number from 1 to %d, got "
                                        "'%s'\n",
                                        APPEAL_DAYS_MAX, v);
                                rdr_conf_destroy(conf);
                                return EXIT_USAGE;
                        }
                } else {
                        goto bad;
                }
        }
        /* One case: --case ID, or --platform and --store with --review or
         * --order; one buyer: --platform with --buyer. */
        if (!!lq.case_id + !!lq.review_id + !!lq.order_id + !!lq.buyer_id > 1 ||
            ((lq.review_id || lq.order_id) && (!platform || !r.store)) ||
            (lq.buyer_id && (!platform || r.store)) ||
            (platform && !lq.review_id && !lq.order_id && !lq.buyer_id))
                goto bad;
        lq.platform = platform;
        lq.store_id = r.store;
        lq.json = r.json;
        snprintf(path, sizeof(path), "%s/playbook.yaml", rdr_conf_dir(conf));
        pb = rdr_playbook_load_file(path, errstr, sizeof(errstr));
        if (!pb) {
                fprintf(stderr, "redress-report: %s\n", errstr);
                rdr_conf_destroy(conf);
                return EXIT_CONFIG;
        }
        r.pb = pb;
        r.shards = (int)rdr_conf_int(conf, "timers.shards");
        {
                int y, m;
                if (r.month_arg && month_parse(r.month_arg, &y, &m)) {
                        fprintf(stderr,
                                "redress-report: --month takes YYYY-MM, got "
                                "'%s'\n",
                                r.month_arg);
                        rdr_playbook_destroy(pb);
                        rdr_conf_destroy(conf);
                        return EXIT_USAGE;
                }
        }
        rc = rdr_tool_redis(conf, "redress-report", NULL, NULL, NULL, &r.redis,
                            &clk);
        if (rc)
                goto done;
        rc = 1;
        r.now = rdr_clock_now_ms(clk);
        if (lq.case_id || lq.review_id || lq.order_id || lq.buyer_id) {
                lq.shards = r.shards;
                lq.now = r.now;
                rc = lookup_run(r.redis, &lq);
                goto done;
        }
        r.week_start = r.now - 7 * DAY_MS;
        if (month_pick(&r)) {
                fprintf(stderr,
                        "redress-report: --month takes YYYY-MM, got "
                        "'%s'\n",
                        r.month_arg);
                rc = EXIT_USAGE;
                goto done;
        }
        if (scan(&r, "redress:{c:*}", 1) || scan(&r, "redress:{o:*}", 0))
                goto done;
        if (r.appeals_cnt)
                qsort(r.appeals, r.appeals_cnt, sizeof(*r.appeals), by_at);
        if (r.shipments_cnt)
                qsort(r.shipments, r.shipments_cnt, sizeof(*r.shipments),
                      by_at);
        rc = (r.json ? print_json(&r) : print_text(&r)) ? 1 : 0;
done:
        tally_free(&r.by_product_reason);
        tally_free(&r.by_product);
        tally_free(&r.month_states);
        tally_free(&r.product_states);
        tally_free(&r.agents);
        tally_free(&r.agent_rewards);
        tally_free(&r.open_states);
        free(r.months);
        list_free(r.appeals, r.appeals_cnt);
        list_free(r.shipments, r.shipments_cnt);
        while (r.pend_cnt)
                free(r.pend[--r.pend_cnt].member);
        free(r.pend);
        rdr_clock_destroy(clk);
        rdr_redis_destroy(r.redis);
        rdr_playbook_destroy(pb);
        rdr_conf_destroy(conf);
        return rc;
bad:
        usage(stderr);
        rdr_conf_destroy(conf);
        return EXIT_USAGE;
}

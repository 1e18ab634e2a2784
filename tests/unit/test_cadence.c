/* The case state machine (cadence.h), driven like the fleet drives it: a
 * simulator applies inputs, keeps the case as the worker would (through its
 * Redis-hash form at every step), arms the timers the transitions ask for
 * and fires them in time order. Every path of BEHAVIOR.md section 2, the
 * malicious track of section 3, the shipment pause of section 7, time
 * zones and daylight saving, replays and stale timers. Uses the shipped
 * configs/ with two extra test stores. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cadence.h"

#define MIN (60LL * 1000)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static rdr_playbook_t *pb;
static rdr_policy_set_t *pols;
static rdr_template_set_t *tpls;
static rdr_cadence_conf_t conf;

/* Milliseconds of a UTC date-time. */
static int64_t utc(int y, int mo, int d, int h, int mi) {
        int64_t era, yoe, doy, doe;
        y -= mo <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return (era * 146097 + doe - 719468) * DAY + h * HOUR + mi * MIN;
}

/* The shipped playbook plus two stores of our own. */
static const char test_stores[] =
    "  skip-store:\n"
    "    on_policy_block: skip\n"
    "  limit-store:\n"
    "    agent_offer_limit: {amount_minor: 100, currency: USD, percent: 10}\n"
    "  named-store:\n"
    "    name: Acme Outfitters\n"
    "  allday-store:\n"
    "    daytime: \"00:00-24:00\"\n"
    "  short-store:\n"
    "    case_ttl: 14d\n"
    "platforms:\n"
    "  tmall:\n"
    "    follow_up_after: 3d\n"
    "    incentive_after: 4d\n"
    "    nudge_from: 5d\n";

static int setup(void **state) {
        static char text[16384];
        char errstr[512], path[64];
        FILE *fp;
        size_t n;
        int fd;
        (void)state;
        fp = fopen(RDR_SOURCE_DIR "/configs/playbook.yaml", "r");
        if (!fp)
                return -1;
        n = fread(text, 1, sizeof(text) - sizeof(test_stores) - 1, fp);
        fclose(fp);
        memcpy(text + n, test_stores, sizeof(test_stores));
        snprintf(path, sizeof(path), "/tmp/rdr_pb_XXXXXX");
        fd = mkstemp(path);
        fp = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!fp)
                return -1;
        fputs(text, fp);
        fclose(fp);
        pb = rdr_playbook_load_file(path, errstr, sizeof(errstr));
        unlink(path);
        if (pb)
                pols =
                    rdr_policy_set_load_dir(RDR_SOURCE_DIR "/configs/platforms",
                                            errstr, sizeof(errstr));
        if (pols)
                tpls = rdr_template_set_load_dir(
                    RDR_SOURCE_DIR "/configs/templates", "en", pols, errstr,
                    sizeof(errstr));
        if (!tpls) {
                fprintf(stderr, "%s\n", errstr);
                return -1;
        }
        conf.playbook = pb;
        conf.policies = pols;
        conf.templates = tpls;
        return 0;
}

static int teardown(void **state) {
        (void)state;
        rdr_template_set_destroy(tpls);
        rdr_policy_set_destroy(pols);
        rdr_playbook_destroy(pb);
        return 0;
}

/* ---- the simulator ---------------------------------------------------- */

#define SIM_LOG_MAX 64
#define SIM_TIMERS_MAX 64

typedef struct sim_s {
        rdr_case_t c;
        rdr_cadence_out_t out;
        rdr_cadence_timer_t timers[SIM_TIMERS_MAX]; /* armed, not fired */
        size_t timers_cnt;
        rdr_cadence_action_t log[SIM_LOG_MAX]; /* every action published */
        size_t log_cnt;
        size_t blocked_cnt; /* blocks reported by outputs */
        rdr_malicious_t tagged;
        rdr_malicious_t buyer_tag;   /* what the worker reads, when an input
                                      * wants the buyer's tags */
        int64_t store_refused_at_ms; /* read with them, but for chats */
        int order_refused;           /* the same */
} sim_t;

static sim_t *sim_new(void) {
        sim_t *s = calloc(1, sizeof(*s));
        assert_non_null(s);
        return s;
}

/* The case as the worker keeps it: through its hash fields and back. */
typedef struct hash_s {
        char names[512][40];
        char *values[512];
        size_t lens[512];
        size_t n;
} hash_t;

static int hash_put(void *opaque, const char *field, const char *value,
                    size_t len) {
        hash_t *h = opaque;
        if (h->n == 512 || strlen(field) >= sizeof(h->names[0]))
                return -1;
        snprintf(h->names[h->n], sizeof(h->names[0]), "%s", field);
        h->values[h->n] = malloc(len + 1);
        memcpy(h->values[h->n], value, len + 1);
        h->lens[h->n] = len;
        h->n++;
        return 0;
}

static void roundtrip(const rdr_case_t *c) {
        static hash_t h;
        static rdr_case_t back;
        const char *names[512];
        char errstr[256];
        size_t i;
        memset(&h, 0, sizeof(h));
        assert_int_equal(rdr_case_to_fields(c, hash_put, &h), RDR_OK);
        assert_int_equal(h.n, rdr_case_field_count(c));
        for (i = 0; i < h.n; i++)
                names[i] = h.names[i];
        assert_int_equal(rdr_case_from_fields(&back, h.n, names,
                                              (const char *const *)h.values,
                                              h.lens, errstr, sizeof(errstr)),
                         RDR_OK);
        assert_memory_equal(&back, c, sizeof(back));
        {
                /* In any order (a hash's fields come back in its own), as
                 * in the order they were written. */
                const char *rnames[512];
                const char *rvalues[512];
                size_t rlens[512];
                for (i = 0; i < h.n; i++) {
                        rnames[i] = h.names[h.n - 1 - i];
                        rvalues[i] = h.values[h.n - 1 - i];
                        rlens[i] = h.lens[h.n - 1 - i];
                }
                assert_int_equal(rdr_case_from_fields(&back, h.n, rnames,
                                                      rvalues, rlens, errstr,
                                                      sizeof(errstr)),
                                 RDR_OK);
                assert_memory_equal(&back, c, sizeof(back));
        }
        {
                /* The document gives the same case, and wins over the
                 * fields only while its version is the hash's. */
                rdr_buf_t doc;
                const char *f[3] = {"version", RDR_CASE_DOC_FIELD, NULL};
                const char *v[2];
                size_t l[2];
                char ver[32];
                int from_doc = -1;
                rdr_buf_init(&doc);
                assert_int_equal(rdr_case_to_doc(c, &doc), RDR_OK);
                assert_int_equal(rdr_case_from_doc(&back, doc.data, doc.len,
                                                   errstr, sizeof(errstr)),
                                 RDR_OK);
                assert_memory_equal(&back, c, sizeof(back));
                /* Fields at zero are left out of the document... */
                if (!c->nudges)
                        assert_null(strstr(doc.data, "\nnudges="));
                if (!c->closed_at_ms)
                        assert_null(strstr(doc.data, "\nclosed_at_ms="));
                {
                        /* ...and a document that lists every field, as
                         * builds before wrote it, reads the same. */
                        rdr_buf_t full;
                        rdr_buf_init(&full);
                        assert_int_equal(
                            rdr_buf_append(&full, "redress-case 1\n", 15), 0);
                        for (i = 0; i < h.n; i++) {
                                char num[32];
                                int nl = snprintf(num, sizeof(num),
                                                  "=%zu:", h.lens[i]);
                                assert_int_equal(
                                    rdr_buf_append(&full, h.names[i],
                                                   strlen(h.names[i])) ||
                                        rdr_buf_append(&full, num,
                                                       (size_t)nl) ||
                                        rdr_buf_append(&full, h.values[i],
                                                       h.lens[i]) ||
                                        rdr_buf_append(&full, "\n", 1),
                                    0);
                        }
                        assert_true(full.len >= doc.len);
                        assert_int_equal(rdr_case_from_doc(&back, full.data,
                                                           full.len, errstr,
                                                           sizeof(errstr)),
                                         RDR_OK);
                        assert_memory_equal(&back, c, sizeof(back));
                        rdr_buf_free(&full);
                }
                snprintf(ver, sizeof(ver), "%lld", c->version);
                v[0] = ver;
                l[0] = strlen(ver);
                v[1] = doc.data;
                l[1] = doc.len;
                assert_int_equal(rdr_case_from_hash(&back, 2, f, v, l,
                                                    &from_doc, errstr,
                                                    sizeof(errstr)),
                                 RDR_OK);
                assert_int_equal(from_doc, 1);
                assert_memory_equal(&back, c, sizeof(back));
                /* Fields written over the document at a later version. */
                if (c->version > 0) {
                        static rdr_case_t older;
                        older = *c;
                        older.version = c->version - 1;
                        older.rating = c->rating == 5 ? 1 : c->rating + 1;
                        assert_int_equal(rdr_case_to_doc(&older, &doc), RDR_OK);
                        names[h.n] = RDR_CASE_DOC_FIELD;
                        h.values[h.n] = doc.data;
                        h.lens[h.n] = doc.len;
                        assert_int_equal(
                            rdr_case_from_hash(&back, h.n + 1, names,
                                               (const char *const *)h.values,
                                               h.lens, &from_doc, errstr,
                                               sizeof(errstr)),
                            RDR_OK);
                        assert_int_equal(from_doc, 0);
                        assert_memory_equal(&back, c, sizeof(back));
                }
                rdr_buf_free(&doc);
        }
        for (i = 0; i < h.n; i++)
                free(h.values[i]);
}

/* Apply in at now, as a worker does: with the buyer's tags read first
 * when the input wants them. */
static rdr_cadence_status_t apply(sim_t *s, const rdr_cadence_input_t *given,
                                  int64_t now) {
        static rdr_case_t next;
        rdr_cadence_out_t *out = &s->out;
        rdr_cadence_input_t read = *given, *in = &read;
        rdr_err_t err;
        size_t i;
        int may_write = rdr_cadence_may_write(&s->c, in);
        if (rdr_cadence_wants_buyer_tag(&s->c, in)) {
                read.buyer_tag = s->buyer_tag;
                if (in->type != RDR_CIN_BUYER_CHAT) {
                        read.store_refused_at_ms = s->store_refused_at_ms;
                        read.order_refused = s->order_refused;
                }
        }
        err = rdr_cadence_apply(&conf, &s->c, in, now, &next, out);
        if (err)
                fail_msg("apply: %s: %s", rdr_err2str(err), out->errstr);
        if (out->status != RDR_CADENCE_APPLIED) {
                assert_int_equal(out->actions_cnt, 0);
                assert_int_equal(out->timers_cnt, 0);
                assert_memory_equal(&next, &s->c, sizeof(next));
                return out->status;
        }
        assert_true(next.version == s->c.version + 1);
        /* A worker reads the order's ledger only where this says so (a
         * review that opens the case brings its order's counts). */
        if (s->c.version && next.review_messages > s->c.review_messages &&
            !may_write)
                fail_msg("input %d sent a message rdr_cadence_may_write() "
                         "did not foresee",
                         (int)in->type);
        roundtrip(&next);
        memcpy(&s->c, &next, sizeof(next));
        for (i = 0; i < out->actions_cnt; i++) {
                rdr_action_msg_t am;
                rdr_evidence_t ev[RDR_CASE_EVIDENCE_MAX];
                char errstr[256];
                rdr_cadence_action_msg(&s->c, &out->actions[i], ev, &am);
                if (rdr_action_msg_validate(&am, errstr, sizeof(errstr)))
                        fail_msg("action %s: %s", out->actions[i].action_id,
                                 errstr);
                /* A message to the buyer about the review: published
                 * when due, never ahead (but by a timer fired late), so
                 * that a buyer's no in between can stop it. */
                if (rdr_policy_kind_is_review_message(out->actions[i].kind) &&
                    given->type != RDR_CIN_TIMER &&
                    out->actions[i].due_at_ms > now)
                        fail_msg("%s published %lld ms before it is due",
                                 out->actions[i].action_id,
                                 (long long)(out->actions[i].due_at_ms - now));
                assert_true(s->log_cnt < SIM_LOG_MAX);
                s->log[s->log_cnt++] = out->actions[i];
        }
        /* Every timer armed and still live is one the case lists (what
         * redress-report --case looks up in the timer set). */
        {
                rdr_cadence_timer_t live[8];
                size_t n = rdr_cadence_live_timers(&s->c, live, 8), j, hits;
                for (i = 0; i < out->timers_cnt; i++) {
                        for (j = 0, hits = 0; j < n; j++)
                                hits += live[j].gen == out->timers[i].gen &&
                                        !strcmp(live[j].timer_id,
                                                out->timers[i].timer_id);
                        for (j = 0; j < n && live[j].gen != out->timers[i].gen;
                             j++)
                                ;
                        if (j < n && hits != 1)
                                fail_msg("timer %s is live, not listed",
                                         out->timers[i].timer_id);
                }
        }
        for (i = 0; i < out->timers_cnt; i++) {
                rdr_cadence_timer_in_t t;
                char case_id[RDR_CASE_ID_MAX];
                assert_true(s->timers_cnt < SIM_TIMERS_MAX);
                assert_int_equal(
                    rdr_cadence_timer_parse(out->timers[i].timer_id, case_id,
                                            sizeof(case_id), &t),
                    RDR_OK);
                assert_string_equal(case_id, s->c.case_id);
                assert_int_equal(t.step, out->timers[i].step);
                assert_int_equal(t.gen, out->timers[i].gen);
                s->timers[s->timers_cnt++] = out->timers[i];
        }
        s->blocked_cnt += out->blocked_cnt;
        if (out->tag_buyer != RDR_MAL_NONE)
                s->tagged = out->tag_buyer;
        return out->status;
}

/* The input of armed timer t firing. */
static rdr_cadence_input_t timer_in(const rdr_cadence_timer_t *t) {
        rdr_cadence_input_t in;
        memset(&in, 0, sizeof(in));
        in.type = RDR_CIN_TIMER;
        in.timer.step = t->step;
        in.timer.attempt = t->attempt;
        in.timer.gen = t->gen;
        return in;
}

/* Fire every armed timer due by t_end, in time order, at its time. */
static void run_until(sim_t *s, int64_t t_end) {
        for (;;) {
                size_t i, best = SIZE_MAX;
                rdr_cadence_input_t in;
                for (i = 0; i < s->timers_cnt; i++)
                        if (s->timers[i].fire_at_ms <= t_end &&
                            (best == SIZE_MAX ||
                             s->timers[i].fire_at_ms <
                                 s->timers[best].fire_at_ms))
                                best = i;
                if (best == SIZE_MAX)
                        return;
                in = timer_in(&s->timers[best]);
                {
                        int64_t at = s->timers[best].fire_at_ms;
                        s->timers[best] = s->timers[--s->timers_cnt];
                        apply(s, &in, at);
                }
        }
}

/* Fire the armed timer of step at at, late or early, as the
 * timers worker would after an outage; it stays in the sim's list. */
static rdr_cadence_status_t fire_at(sim_t *s, rdr_step_t step, int64_t at) {
        rdr_cadence_input_t in;
        size_t i;
        for (i = 0; i < s->timers_cnt; i++)
                if (s->timers[i].step == step)
                        break;
        assert_true(i < s->timers_cnt);
        in = timer_in(&s->timers[i]);
        return apply(s, &in, at);
}

/* Forget the armed timer of step (one fire_at() fired). */
static void drop_timer(sim_t *s, rdr_step_t step) {
        size_t i;
        for (i = 0; i < s->timers_cnt; i++)
                if (s->timers[i].step == step) {
                        s->timers[i] = s->timers[--s->timers_cnt];
                        return;
                }
        fail_msg("no timer of step %d", (int)step);
}

static rdr_cadence_input_t review(const char *platform, const char *store,
                                  const char *tz, const char *lang,
                                  rdr_reason_t reason, rdr_malicious_t mal,
                                  int64_t at) {
        rdr_cadence_input_t in;
        memset(&in, 0, sizeof(in));
        in.type = RDR_CIN_REVIEW_CLASSIFIED;
        in.review.case_id = "cs_test";
        in.review.platform = platform;
        in.review.store_id = store;
        in.review.review_id = "rv-1";
        in.review.order_id = "ord-1";
        in.review.buyer_id = "buyer-1";
        in.review.product_id = "sku-1";
        in.review.text = "Broke after two days.";
        in.review.language = lang;
        in.review.buyer_timezone = tz;
        in.review.rating = 1;
        in.review.sentiment = RDR_SENT_NEGATIVE;
        in.review.reason = reason;
        in.review.malicious = mal;
        in.review.review_at_ms = at;
        return in;
}

/* A review of the demo Taobao shop by a buyer in Shanghai. */
static rdr_cadence_input_t demo_taobao_review(rdr_reason_t reason,
                                              rdr_malicious_t mal, int64_t at) {
        return review("taobao", "demo-taobao-shop", "Asia/Shanghai", "zh",
                      reason, mal, at);
}

/* A review of tb-store (the playbook's defaults) by a buyer in Shanghai. */
static rdr_cadence_input_t tb_review(rdr_reason_t reason, rdr_malicious_t mal,
                                     int64_t at) {
        return review("taobao", "tb-store", "Asia/Shanghai", "zh", reason, mal,
                      at);
}

static rdr_cadence_input_t chat(rdr_intent_t intent, const char *text) {
        rdr_cadence_input_t in;
        memset(&in, 0, sizeof(in));
        in.type = RDR_CIN_BUYER_CHAT;
        in.chat.intent = intent;
        in.chat.channel = RDR_CHAN_IM;
        in.chat.ref = "chat-evt-1";
        in.chat.text = text;
        return in;
}

static rdr_cadence_input_t simple(rdr_cadence_input_type_t type) {
        rdr_cadence_input_t in;
        memset(&in, 0, sizeof(in));
        in.type = type;
        return in;
}

static size_t count_kind(const sim_t *s, rdr_action_kind_t kind) {
        size_t i, n = 0;
        for (i = 0; i < s->log_cnt; i++)
                n += s->log[i].kind == kind;
        return n;
}

static size_t count_outreach(const sim_t *s) {
        return count_kind(s, RDR_ACT_FIRST_CONTACT) +
               count_kind(s, RDR_ACT_FOLLOW_UP) +
               count_kind(s, RDR_ACT_INCENTIVE) + count_kind(s, RDR_ACT_NUDGE) +
               count_kind(s, RDR_ACT_MODIFICATION_GUIDE);
}

static const rdr_cadence_action_t *find(const sim_t *s, const char *id) {
        static const rdr_cadence_action_t none;
        size_t i;
        for (i = 0; i < s->log_cnt; i++)
                if (!strcmp(s->log[i].action_id, id))
                        return &s->log[i];
        fail_msg("no action %s", id);
        return &none;
}

/* Local wall-clock time of t in zone, as hour*60+minute. */
static int local_min(const char *zone, int64_t t) {
        rdr_localtm_t tm;
        assert_int_equal(rdr_localtime_fields(zone, t, &tm), RDR_OK);
        return tm.hour * 60 + tm.minute;
}

/* Each message to the buyer in the log from index from on is due in the
 * buyer's daytime, in the zone the case has now, before its deadline. */
static void assert_daytime_from(const sim_t *s, size_t from) {
        size_t i;
        for (i = from; i < s->log_cnt; i++) {
                int m;
                if (s->log[i].channel == RDR_CHAN_STAFF ||
                    s->log[i].channel == RDR_CHAN_PUBLIC_REPLY ||
                    s->log[i].channel == RDR_CHAN_PLATFORM_APPEAL)
                        continue;
                m = local_min(s->c.zone, s->log[i].due_at_ms);
                if (m < 9 * 60 || m >= 20 * 60)
                        fail_msg("%s due at %02d:%02d local",
                                 s->log[i].action_id, m / 60, m % 60);
                assert_true(s->log[i].deadline_at_ms > s->log[i].due_at_ms);
        }
}

static void assert_daytime(const sim_t *s) {
        assert_daytime_from(s, 0);
}

/* ---- BEHAVIOR.md section 2 -------------------------------------------- */

/* Taobao allows everything: reply, first contact, follow-up at +7d,
 * incentive at +8d, seven daily nudges from +9d, then nothing more. */
static void test_taobao_full_cadence(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0); /* 10:00 in Shanghai */
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0 - HOUR);
        const rdr_cadence_action_t *a;
        char id[64];
        int i;
        (void)state;
        assert_int_equal(apply(s, &in, t0), RDR_CADENCE_APPLIED);
        assert_true(s->out.has_case_event);
        assert_int_equal(s->out.case_event, RDR_CASE_OPENED);
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        assert_int_equal(s->c.zone_source, RDR_ZONE_BUYER);
        assert_false(s->out.zone_fallback);
        assert_int_equal(s->log_cnt, 2);
        /* The public reply at once, for the reason, in the buyer's
         * language. */
        a = find(s, "cs_test:reply:1");
        assert_int_equal(a->kind, RDR_ACT_REPLY_PUBLIC);
        assert_int_equal(a->channel, RDR_CHAN_PUBLIC_REPLY);
        assert_string_equal(a->template_id, "zh/reply.public/product_quality");
        assert_true(a->due_at_ms == t0);
        assert_null(strstr(a->message, "ord-1"));
        /* First contact by phone, due now (it is daytime), within 24 h. */
        a = find(s, "cs_test:first_contact:1");
        assert_int_equal(a->channel, RDR_CHAN_PHONE_TASK);
        assert_string_equal(a->language, "zh");
        assert_true(a->due_at_ms == t0);
        assert_true(a->deadline_at_ms == t0 + DAY);
        assert_non_null(strstr(a->message, "ord-1"));
        assert_int_equal(s->timers_cnt, 2); /* case_ttl and follow_up */

        run_until(s, t0 + 40 * DAY);
        assert_int_equal(s->log_cnt, 2 + 1 + 1 + 7);
        a = find(s, "cs_test:follow_up:1");
        assert_true(a->due_at_ms == t0 + 7 * DAY);
        a = find(s, "cs_test:incentive:1");
        assert_true(a->due_at_ms == t0 + 8 * DAY);
        assert_true(a->has_offer);
        assert_int_equal(a->offer.type, RDR_OFFER_PARTIAL_REFUND);
        assert_int_equal(a->offer.amount_minor, 300);
        assert_string_equal(a->offer.currency, "USD");
        assert_non_null(strstr(a->message, "3.00 USD"));
        for (i = 1; i <= 7; i++) {
                snprintf(id, sizeof(id), "cs_test:nudge:%d", i);
                a = find(s, id);
                assert_true(a->due_at_ms == t0 + (8 + i) * DAY);
                assert_int_equal(a->channel, RDR_CHAN_IM);
                assert_non_null(strstr(a->message, "温馨提示"));
        }
        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 7);
        assert_int_equal(s->c.nudges, 7);
        assert_int_equal(s->c.review_messages, 10);
        assert_int_equal(s->blocked_cnt, 0);
        /* After the last nudge: nothing more, until case_ttl closes it. */
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        assert_true(s->c.closed_at_ms == t0 + 30 * DAY);
        assert_int_equal(s->timers_cnt, 0);
        assert_daytime(s);
        free(s);
}

/* The case speaks the buyer's language as given, with the store's
 * fallback to English where it has no templates; a review whose language
 * nobody could tell ("und": emoji only) speaks the store's. */
static void test_case_language(void **state) {
        static const struct {
                const char *given, *kept, *template_lang;
        } cases[] = {
            {"und", "es", "es"}, {"fr", "fr", "en"}, {"es-MX", "es-MX", "es"}};
        int64_t t0 = utc(2026, 6, 1, 9, 0); /* 11:00 in Madrid */
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                sim_t *s = sim_new();
                rdr_cadence_input_t in =
                    review("aliexpress", "demo-tienda-es", NULL, cases[i].given,
                           RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0 - HOUR);
                const rdr_cadence_action_t *a;
                assert_int_equal(apply(s, &in, t0), RDR_CADENCE_APPLIED);
                assert_string_equal(s->c.language, cases[i].kept);
                a = find(s, "cs_test:reply:1");
                assert_string_equal(a->language, cases[i].template_lang);
                assert_int_equal(
                    strncmp(a->template_id, cases[i].template_lang, 2), 0);
                free(s);
        }
}

/* A product review on Amazon at 11:00 in New York. */
#define AMAZON_T0 utc(2026, 6, 1, 15, 0)
static rdr_cadence_input_t amazon_review(void) {
        return review("amazon", "demo-amazon-us", "America/New_York", "en",
                      RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, AMAZON_T0);
}

/* Amazon: reply, the one permitted message, then the follow-up is blocked
 * and the outreach stops for good. */
static void test_amazon_one_message_then_stop(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = AMAZON_T0;
        rdr_cadence_input_t in = amazon_review();
        rdr_cadence_input_t agree;
        (void)state;
        apply(s, &in, t0);
        assert_int_equal(s->log_cnt, 2);
        assert_int_equal(find(s, "cs_test:first_contact:1")->channel,
                         RDR_CHAN_EMAIL);
        run_until(s, t0 + 7 * DAY);
        /* Blocked: recorded on the case and reported for the metric. */
        assert_int_equal(s->c.state, RDR_CASE_STATE_WAITING);
        assert_string_equal(s->c.stop_rule, "amazon.one_review_message");
        assert_int_equal(s->c.blocked_cnt, 1);
        assert_int_equal(s->c.blocked[0].step, RDR_STEP_FOLLOW_UP);
        assert_string_equal(s->c.blocked[0].rule, "amazon.one_review_message");
        assert_int_equal(s->out.blocked_cnt, 1);
        assert_int_equal(s->out.has_case_event, 1);
        assert_int_equal(s->out.case_event, RDR_CASE_STATE_CHANGED);
        /* A buyer who agrees now gets an agent, and no guide: no further
         * outreach, ever. */
        agree = chat(RDR_INTENT_AGREE, "fine, I'll update it");
        apply(s, &agree, t0 + 8 * DAY);
        assert_int_equal(s->out.actions_cnt, 1);
        assert_int_equal(s->out.actions[0].kind, RDR_ACT_STAFF_REVIEW);
        assert_int_equal(s->out.blocked_cnt, 0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_WAITING);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(s->log_cnt, 3); /* no incentive, no nudge */
        assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        free(s);
}

/* A second review of the same Amazon order (another product): the
 * order's one permitted message went out with the first review's case,
 * so this case sends none (the limit is per order), and says why. */
static void test_amazon_limit_is_per_order(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = AMAZON_T0;
        rdr_cadence_input_t in = amazon_review();
        (void)state;
        in.review.order_review_messages = 1;
        apply(s, &in, t0);
        assert_int_equal(count_kind(s, RDR_ACT_REPLY_PUBLIC), 1);
        assert_int_equal(count_kind(s, RDR_ACT_FIRST_CONTACT), 0);
        assert_string_equal(s->c.stop_rule, "amazon.one_review_message");
        assert_int_equal(s->c.blocked[0].step, RDR_STEP_FIRST_CONTACT);
        assert_int_equal(s->c.order_messages_before, 1);
        assert_int_equal(s->c.review_messages, 0);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(s->log_cnt, 1);
        free(s);
}

/* The case keeps the classification that opened it, main reason first,
 * for its redress.cases messages, through its document; a case written
 * before it was kept reads as the main reason alone, confidence 1. */
static void test_case_keeps_its_classification(void **state) {
        static const rdr_reason_t found[] = {RDR_REASON_LOGISTICS,
                                             RDR_REASON_PRODUCT_QUALITY,
                                             RDR_REASON_PACKAGING_DAMAGE};
        static rdr_case_t back;
        sim_t *s = sim_new();
        rdr_cadence_input_t in = tb_review(RDR_REASON_PRODUCT_QUALITY,
                                           RDR_MAL_NONE, utc(2026, 6, 1, 2, 0));
        rdr_reason_t reasons[RDR_REASON__CNT];
        double confidence;
        char errstr[256];
        rdr_buf_t doc;
        (void)state;
        in.review.reasons = found;
        in.review.reasons_cnt = 3;
        in.review.confidence = 0.8734;
        apply(s, &in, utc(2026, 6, 1, 2, 0));
        assert_string_equal(s->c.reasons,
                            "product_quality,logistics,packaging_damage");
        rdr_buf_init(&doc);
        assert_int_equal(rdr_case_to_doc(&s->c, &doc), RDR_OK);
        assert_int_equal(
            rdr_case_from_doc(&back, doc.data, doc.len, errstr, sizeof(errstr)),
            RDR_OK);
        rdr_buf_free(&doc);
        assert_int_equal(rdr_case_classification(&back, reasons, &confidence),
                         3);
        assert_int_equal(reasons[0], RDR_REASON_PRODUCT_QUALITY);
        assert_int_equal(reasons[1], RDR_REASON_LOGISTICS);
        assert_int_equal(reasons[2], RDR_REASON_PACKAGING_DAMAGE);
        assert_true(confidence > 0.8725 && confidence < 0.8735);
        back.reasons[0] = back.confidence[0] = '\0';
        assert_int_equal(rdr_case_classification(&back, reasons, &confidence),
                         1);
        assert_int_equal(reasons[0], RDR_REASON_PRODUCT_QUALITY);
        assert_true(confidence == 1.0);
        free(s);
}

/* The case document: any byte but NUL in a value, and a malformed
 * document refused with where it breaks. */
static void test_case_document(void **state) {
        static rdr_case_t c, back;
        rdr_buf_t doc;
        char errstr[256];
        static const char *const bad[] = {
            "",
            "redress-case 2\nversion=1:1\n",
            "redress-case 1\nversion=1:1",
            "redress-case 1\nversion=9:1\n",
            "redress-case 1\n=1:1\n",
            "redress-case 1\nversion=x:1\n",
            "redress-case 1\nversion\n=1:1\n",
            "redress-case 1\nversion=99999999999999999999999:1\n",
            "redress-case 1\nrating=3:abc\n",
        };
        size_t i;
        (void)state;
        memset(&c, 0, sizeof(c));
        c.version = 3;
        c.rating = 2;
        snprintf(c.case_id, sizeof(c.case_id), "cs_1");
        c.evidence_cnt = 1;
        snprintf(c.evidence[0].text, sizeof(c.evidence[0].text),
                 "first line\nstate=6:closed\n=:%s", "\xe5\xb7\xae");
        rdr_buf_init(&doc);
        assert_int_equal(rdr_case_to_doc(&c, &doc), RDR_OK);
        assert_int_equal(strncmp(doc.data, "redress-case 1\nversion=1:3\n", 27),
                         0);
        assert_int_equal(
            rdr_case_from_doc(&back, doc.data, doc.len, errstr, sizeof(errstr)),
            RDR_OK);
        assert_memory_equal(&back, &c, sizeof(c));
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                errstr[0] = '\0';
                assert_int_equal(rdr_case_from_doc(&back, bad[i],
                                                   strlen(bad[i]), errstr,
                                                   sizeof(errstr)),
                                 RDR_ERR_INVALID);
                assert_non_null(
                    strstr(errstr, i == 8 ? "rating" : "case document"));
        }
        rdr_buf_free(&doc);
}

/* With on_policy_block: skip every later step is tried, and each one
 * Amazon forbids is recorded with its rule. */
static void test_amazon_blocked_rules_recorded(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 15, 0);
        rdr_cadence_input_t in =
            review("amazon", "skip-store", "America/New_York", "en",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        int i;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(s->log_cnt, 2);
        assert_int_equal(s->c.blocked_total, 9);
        assert_int_equal(s->c.blocked_cnt, RDR_CASE_BLOCKED_MAX);
        assert_int_equal(s->blocked_cnt, 9);
        assert_string_equal(s->c.blocked[0].rule, "amazon.one_review_message");
        assert_int_equal(s->c.blocked[1].step, RDR_STEP_INCENTIVE);
        assert_string_equal(s->c.blocked[1].rule, "amazon.no_incentive");
        for (i = 2; i < RDR_CASE_BLOCKED_MAX; i++) {
                assert_int_equal(s->c.blocked[i].step, RDR_STEP_NUDGE);
                assert_int_equal(s->c.blocked[i].attempt, i - 1);
                assert_string_equal(s->c.blocked[i].rule,
                                    "amazon.no_review_change_request");
        }
        free(s);
}

/* Amazon product review: a buyer who agrees gets an agent, but never a
 * request to change the review; the agent's hand-back leaves the case
 * waiting, its outreach stopped. Seller feedback: once the problem is
 * solved, the store may say how to update it. */
static void test_amazon_agree(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 15, 0);
        rdr_cadence_input_t in =
            review("amazon", "demo-amazon-us", "America/New_York", "en",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "ok I will");
        rdr_cadence_input_t resume = simple(RDR_CIN_RESUME);
        (void)state;
        apply(s, &in, t0);
        apply(s, &agree, t0 + DAY);
        assert_int_equal(s->out.actions_cnt, 1);
        assert_int_equal(s->out.actions[0].kind, RDR_ACT_STAFF_REVIEW);
        assert_int_equal(s->out.blocked_cnt, 1);
        assert_string_equal(s->out.blocked[0].rule,
                            "amazon.no_review_change_request");
        assert_int_equal(s->c.state, RDR_CASE_STATE_PAUSED);
        /* The agent answers and hands the case back: it no longer waits
         * for an agent, and sends nothing more (the rule stopped it). */
        assert_int_equal(apply(s, &resume, t0 + 2 * DAY), RDR_CADENCE_APPLIED);
        assert_int_equal(s->c.state, RDR_CASE_STATE_WAITING);
        assert_int_equal(s->out.case_event, RDR_CASE_STATE_CHANGED);
        assert_int_equal(s->out.actions_cnt, 0);
        assert_int_equal(apply(s, &resume, t0 + 3 * DAY), RDR_CADENCE_NOOP);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 0);
        assert_int_equal(count_outreach(s), 1);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        free(s);

        s = sim_new();
        in.review.review_kind = RDR_REVIEW_KIND_SELLER_FEEDBACK;
        apply(s, &in, t0);
        apply(s, &agree, t0 + DAY);
        assert_int_equal(s->out.actions_cnt, 2);
        assert_string_equal(s->out.actions[1].template_id,
                            "en/outreach.modification_guide/amazon");
        assert_int_equal(s->c.state, RDR_CASE_STATE_AWAITING_UPDATE);
        free(s);
}

/* The buyer writes twice; the agent's hand-back of the first message
 * leaves the case waiting for the agent of the second; the second's
 * resumes it. Evidence given twice (another event, the same reference
 * and text) is held once. */
static void test_resume_answers_the_latest_message(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t ask = chat(RDR_INTENT_QUESTION, "能换货吗？");
        rdr_cadence_input_t resume = simple(RDR_CIN_RESUME);
        rdr_cadence_input_t ev = simple(RDR_CIN_EVIDENCE);
        int held;
        (void)state;
        apply(s, &in, t0);
        apply(s, &ask, t0 + DAY);
        apply(s, &ask, t0 + DAY + HOUR);
        assert_int_equal(s->c.buyer_messages, 2);
        assert_int_equal(s->c.state, RDR_CASE_STATE_PAUSED);
        resume.answered_step = RDR_STEP_BUYER_REPLY;
        resume.answered_attempt = 1;
        assert_int_equal(apply(s, &resume, t0 + DAY + 2 * HOUR),
                         RDR_CADENCE_NOOP);
        assert_int_equal(s->c.state, RDR_CASE_STATE_PAUSED);
        resume.answered_attempt = 2;
        assert_int_equal(apply(s, &resume, t0 + DAY + 3 * HOUR),
                         RDR_CADENCE_APPLIED);
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        ev.evidence.kind = "chat";
        ev.evidence.ref = "wangwang-123";
        ev.evidence.text = "买家要求返现";
        held = s->c.evidence_cnt;
        apply(s, &ev, t0 + 2 * DAY);
        assert_int_equal(s->c.evidence_cnt, held + 1);
        apply(s, &ev, t0 + 2 * DAY + HOUR);
        assert_int_equal(s->c.evidence_cnt, held + 1);
        free(s);
}

static void test_refusal_stops_everything(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t refuse =
            chat(RDR_INTENT_REFUSE, "stop contacting me");
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 7 * DAY + HOUR); /* the follow-up went out */
        assert_int_equal(s->log_cnt, 3);
        assert_int_equal(apply(s, &refuse, t0 + 7 * DAY + 2 * HOUR),
                         RDR_CADENCE_APPLIED);
        assert_int_equal(s->out.actions_cnt, 0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
        assert_int_equal(s->out.case_event, RDR_CASE_CLOSED);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(s->log_cnt, 3);
        /* Whatever comes later is a no-op on a closed case. */
        assert_int_equal(apply(s, &refuse, t0 + 9 * DAY), RDR_CADENCE_NOOP);
        in = simple(RDR_CIN_RESUME);
        assert_int_equal(apply(s, &in, t0 + 9 * DAY), RDR_CADENCE_NOOP);
        free(s);
}

/* The buyer said no in a chat that was applied before the review: the
 * public reply, then silence, as if the refusal had come after. */
static void test_refusal_before_the_review(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        (void)state;
        in.review.buyer_refused = 1;
        assert_int_equal(apply(s, &in, t0), RDR_CADENCE_APPLIED);
        assert_int_equal(s->log_cnt, 1); /* the reply only */
        assert_int_equal(s->out.case_event, RDR_CASE_OPENED);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(s->log_cnt, 1);
        free(s);
}

/* The buyer said no to the store in a chat that named no order
 * (refused_at_ms:<store> of the buyer's record): a review written before
 * it, or less than refusal_memory (30d) after it, opens silent; one
 * written later gets the cadence. */
static void test_refusal_to_the_store(void **state) {
        static const struct {
                int64_t refused_before; /* the review, after the refusal */
                int silent;
        } cases[] = {{29 * DAY, 1}, {30 * DAY, 1}, {-HOUR, 1}, {31 * DAY, 0}};
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                sim_t *s = sim_new();
                rdr_cadence_input_t in =
                    tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
                in.review.store_refused_at_ms = t0 - cases[i].refused_before;
                assert_int_equal(apply(s, &in, t0 + HOUR), RDR_CADENCE_APPLIED);
                run_until(s, t0 + 60 * DAY);
                if (cases[i].silent) {
                        assert_int_equal(s->log_cnt, 1); /* the reply */
                        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
                        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
                } else {
                        assert_true(s->log_cnt > 1);
                        assert_int_equal(s->log[1].kind, RDR_ACT_FIRST_CONTACT);
                }
                free(s);
        }
}

/* The ways a case reaches the buyer other than its cadence's timers,
 * the worker reading the buyer's tags and refusal before each. */
typedef enum path_e {
        PATH_DELIVERY, /* a delivery releases the first contact a late
                        * parcel held */
        PATH_APPROVAL, /* a manager approves the incentive over the
                        * limit */
        PATH_RESUME,   /* staff resume a cadence the buyer's question
                        * paused */
        PATH__CNT
} path_t;

/* A Taobao logistics case opened at t0, brought to where *next, applied
 * at *at, reaches the buyer by path. */
static sim_t *before_path(path_t path, int64_t t0, rdr_cadence_input_t *next,
                          int64_t *at) {
        sim_t *s = sim_new();
        rdr_cadence_input_t in = review(
            "taobao", path == PATH_APPROVAL ? "limit-store" : "tb-store",
            "Asia/Shanghai", "zh", RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t q = chat(RDR_INTENT_QUESTION, "where is it?");
        in.review.shipment_paused = path == PATH_DELIVERY;
        apply(s, &in, t0);
        switch (path) {
        case PATH_DELIVERY:
                *next = simple(RDR_CIN_SHIPMENT_RESUME);
                *at = t0 + 5 * DAY;
                break;
        case PATH_APPROVAL:
                run_until(s, t0 + 8 * DAY + HOUR);
                assert_int_equal(s->c.offer_pending, 1);
                *next = simple(RDR_CIN_OFFER_DECISION);
                next->approved = 1;
                *at = t0 + 8 * DAY + 3 * HOUR;
                break;
        default:
                apply(s, &q, t0 + 2 * DAY);
                assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 1);
                assert_int_equal(s->c.state, RDR_CASE_STATE_PAUSED);
                *next = simple(RDR_CIN_RESUME);
                *at = t0 + 10 * DAY;
                break;
        }
        return s;
}

/* The outreach a case of before_path() got by t0 + 60 days once stopped
 * on its path: none, the first contact and follow-up before the offer,
 * the first contact before the question. */
static const size_t path_outreach[PATH__CNT] = {0, 2, 1};

/* The buyer said no to the store, in a chat that named no order and
 * reached another of their cases there, after this case opened: its next
 * step that would reach the buyer (here the follow-up) sends nothing and
 * closes it as refused. The same on each other path to the buyer
 * (before_path()); a question the buyer asks after the refusal is still
 * answered by an agent (the chat is the buyer's own word). */
static void test_refusal_to_the_store_since(void **state) {
        sim_t *s;
        int64_t t0 = utc(2026, 6, 1, 2, 0), at;
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t next;
        int path;
        (void)state;

        s = sim_new();
        apply(s, &in, t0);
        run_until(s, t0 + 2 * DAY);
        assert_int_equal(count_outreach(s), 1); /* the first contact */
        s->store_refused_at_ms = t0 + 3 * DAY;
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_outreach(s), 1);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
        assert_true(s->c.closed_at_ms == t0 + 7 * DAY);
        free(s);

        for (path = 0; path < PATH__CNT; path++) {
                s = before_path((path_t)path, t0, &next, &at);
                s->store_refused_at_ms = t0 + HOUR;
                assert_int_equal(apply(s, &next, at), RDR_CADENCE_APPLIED);
                assert_int_equal(s->out.case_event, RDR_CASE_CLOSED);
                assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
                assert_int_equal(s->c.offer_pending, 0);
                run_until(s, t0 + 60 * DAY);
                assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
                assert_int_equal(count_outreach(s), path_outreach[path]);
                free(s);
        }
}

/* The buyer said no about the order in a chat the case did not hear
 * (applied while the case was opening, or it reached another case of the
 * order): the worker reads the order's intents before each step toward
 * the buyer, and the case closes as refused there, by day (after its
 * first contact) or at night (its first contact held, never sent). */
static void test_order_refusal_the_case_missed(void **state) {
        int night;
        (void)state;
        for (night = 0; night < 2; night++) {
                int64_t t0 = utc(2026, 6, 1, night ? 14 : 2, 30);
                rdr_cadence_input_t in =
                    tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
                sim_t *s = sim_new();
                apply(s, &in, t0);
                assert_int_equal(count_outreach(s), night ? 0 : 1);
                s->order_refused = 1;
                run_until(s, t0 + 40 * DAY);
                assert_int_equal(count_outreach(s), night ? 0 : 1);
                assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
                assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
                assert_true(s->c.closed_at_ms ==
                            (night ? utc(2026, 6, 2, 1, 0) : t0 + 7 * DAY));
                free(s);
        }
}

/* What a refusal to the store does not stop: one older than
 * refusal_memory before the review (the case opened with the cadence, and
 * the follow-up goes out); one the buyer took back on this case by
 * agreeing to update the review later (the reminder goes out); and a
 * buyer tagged since, whose case takes the malicious track (its appeal)
 * rather than closing. */
static void test_refusal_to_the_store_not_since(void **state) {
        sim_t *s;
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        (void)state;

        s = sim_new();
        in.review.store_refused_at_ms = t0 - 31 * DAY;
        apply(s, &in, t0);
        s->store_refused_at_ms = t0 - 31 * DAY;
        run_until(s, t0 + 7 * DAY + HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 1);
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        free(s);
        in.review.store_refused_at_ms = 0;

        s = sim_new();
        apply(s, &in, t0);
        s->store_refused_at_ms = t0 + HOUR;
        apply(s, &agree, t0 + DAY);
        run_until(s, t0 + 29 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 2);
        assert_int_equal(s->c.state, RDR_CASE_STATE_AWAITING_UPDATE);
        free(s);

        s = sim_new();
        apply(s, &in, t0);
        s->store_refused_at_ms = t0 + DAY;
        s->buyer_tag = RDR_MAL_COMPETITOR;
        run_until(s, t0 + 7 * DAY + HOUR);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(s->c.malicious, RDR_MAL_COMPETITOR);
        free(s);
}

/* A refusal to the store written after the buyer agreed on this case
 * still stops it when the fleet read the agreement late (a backlog, an
 * outage): the two are weighed by when the buyer wrote them, not by when
 * the fleet applied the agreement. An agreement stamped after the fleet
 * read it (a skewed clock) counts as written when read. */
static void test_refusal_after_an_agreement_read_late(void **state) {
        sim_t *s;
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        struct {
                int64_t sent, read, refused;
                int stored_before, closed;
        } cases[] = {
            /* written at day 1, read 6 h later; refused 1 h after writing */
            {t0 + DAY, t0 + DAY + 6 * HOUR, t0 + DAY + HOUR, 0, 1},
            /* the same refusal, an hour before the agreement was written */
            {t0 + DAY + 2 * HOUR, t0 + DAY + 6 * HOUR, t0 + DAY + HOUR, 0, 0},
            /* stamped 4 h after it was read: weighed as read */
            {t0 + DAY + 10 * HOUR, t0 + DAY + 6 * HOUR, t0 + DAY + 8 * HOUR, 0,
             1},
            /* the first, in a case stored before the fleet kept when the
             * buyer wrote it: the agreement counts from when it was
             * applied, as it did then */
            {t0 + DAY, t0 + DAY + 6 * HOUR, t0 + DAY + HOUR, 1, 0},
        };
        size_t i;
        (void)state;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                s = sim_new();
                apply(s, &in, t0);
                agree.chat.sent_at_ms = cases[i].sent;
                apply(s, &agree, cases[i].read);
                assert_true(s->c.agreed_at_ms == cases[i].read);
                assert_true(s->c.agreed_sent_at_ms ==
                            (cases[i].sent < cases[i].read ? cases[i].sent
                                                           : cases[i].read));
                if (cases[i].stored_before)
                        s->c.agreed_sent_at_ms = 0;
                s->store_refused_at_ms = cases[i].refused;
                run_until(s, t0 + 29 * DAY);
                if (cases[i].closed) {
                        /* the guide went out with the agreement; the
                         * reminder does not */
                        assert_int_equal(
                            count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 1);
                        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
                        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
                } else {
                        assert_int_equal(
                            count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 2);
                        assert_int_equal(s->c.state,
                                         RDR_CASE_STATE_AWAITING_UPDATE);
                }
                free(s);
        }
}

static void test_rating_raised_resolves(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 8 * DAY + HOUR); /* through the incentive */
        assert_int_equal(s->log_cnt, 4);
        up.rating = 3; /* better, still negative: the cadence goes on */
        apply(s, &up, t0 + 8 * DAY + 2 * HOUR);
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        up.rating = 5;
        apply(s, &up, t0 + 8 * DAY + 3 * HOUR);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_RATING_RAISED);
        assert_int_equal(s->c.rating, 5);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(s->log_cnt, 4);
        free(s);
}

/* The buyer raises the rating (the case resolves), then lowers it again:
 * the case opens again for an agent, with no automatic message; raised
 * once more, it resolves again. After case_ttl a lowered rating changes
 * nothing. */
static void test_rating_lowered_again_reopens(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        rdr_cadence_input_t resume = simple(RDR_CIN_RESUME);
        const rdr_cadence_action_t *a;
        size_t outreach;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 2 * DAY);
        up.rating = 5;
        apply(s, &up, t0 + 2 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        outreach = count_outreach(s);
        up.rating = 1;
        apply(s, &up, t0 + 3 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_PAUSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_NONE);
        assert_int_equal(s->c.rating, 1);
        a = find(s, "cs_test:review_lowered:1");
        assert_int_equal(a->kind, RDR_ACT_STAFF_REVIEW);
        assert_non_null(strstr(a->template_id, "/staff.review/review_lowered"));
        /* The agent hands it back: it waits, and no message goes out. */
        apply(s, &resume, t0 + 3 * DAY + HOUR);
        assert_int_equal(s->c.state, RDR_CASE_STATE_WAITING);
        run_until(s, t0 + 20 * DAY);
        assert_int_equal(count_outreach(s), outreach);
        up.rating = 4;
        apply(s, &up, t0 + 20 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_RATING_RAISED);
        /* Past case_ttl (30 days from the opening): stays resolved. */
        up.rating = 2;
        apply(s, &up, t0 + 31 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 1);
        free(s);
}

/* A case reopened by a rating lowered again is an agent's alone: the
 * buyer agreeing to update the review gets the agent's answer, not the
 * modification guide and its reminder (the cadence stopped for good when
 * the case resolved, BEHAVIOR.md 2.6). */
static void test_reopened_case_sends_no_guide(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 3, 2, 4, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        size_t outreach;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 2 * DAY);
        up.rating = 5;
        apply(s, &up, t0 + 2 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        up.rating = 2;
        apply(s, &up, t0 + 3 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_PAUSED);
        outreach = count_outreach(s);
        apply(s, &agree, t0 + 3 * DAY + HOUR);
        run_until(s, t0 + 10 * DAY);
        assert_non_null(find(s, "cs_test:buyer_reply:1"));
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 0);
        assert_int_equal(count_outreach(s), outreach);
        free(s);
}

static void test_removal_resolves(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            review("tmall", "tb-store", "Asia/Shanghai", "zh",
                   RDR_REASON_SIZE_FIT, RDR_MAL_NONE, t0);
        rdr_cadence_input_t rm = simple(RDR_CIN_REVIEW_REMOVED);
        (void)state;
        apply(s, &in, t0);
        apply(s, &rm, t0 + 3 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_REMOVED);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(s->log_cnt, 2);
        free(s);
}

/* A platform's timings (playbook `platforms:`) apply to its cases, a
 * store's own still to its cases elsewhere: the follow-up on Tmall after
 * 3 days, on Taobao after 7. */
static void test_platform_timings(void **state) {
        sim_t *s = sim_new(), *s2 = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t on_tmall =
            review("tmall", "tb-store", "Asia/Shanghai", "zh",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t on_taobao =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        (void)state;
        apply(s, &on_tmall, t0);
        apply(s2, &on_taobao, t0);
        run_until(s, t0 + 3 * DAY + HOUR);
        run_until(s2, t0 + 3 * DAY + HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 1);
        assert_int_equal(count_kind(s2, RDR_ACT_FOLLOW_UP), 0);
        run_until(s2, t0 + 7 * DAY + HOUR);
        assert_int_equal(count_kind(s2, RDR_ACT_FOLLOW_UP), 1);
        free(s);
        free(s2);
}

/* Older than case_ttl: closed, and a late timer sends nothing. */
static void test_case_ttl(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        (void)state;
        apply(s, &in, t0);
        /* The timer service was down for a month: the follow-up timer
         * arrives after case_ttl. */
        assert_int_equal(fire_at(s, RDR_STEP_FOLLOW_UP, t0 + 31 * DAY),
                         RDR_CADENCE_APPLIED);
        assert_int_equal(s->out.actions_cnt, 0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        /* The case_ttl timer itself, now stale. */
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(s->log_cnt, 2);
        free(s);
}

/* The incentive's text names the gesture (a refund, a coupon, money off
 * the next order): its template is the offer type's, in the buyer's
 * language. The default playbook: product_quality a 3.00 USD refund,
 * logistics a 3.00 USD coupon, size_fit 5% off. */
static void test_incentive_names_gesture(void **state) {
        static const struct {
                const char *lang;
                rdr_reason_t reason;
                const char *template_id, *text;
        } cases[] = {
            {"en", RDR_REASON_PRODUCT_QUALITY,
             "en/outreach.incentive/partial_refund",
             "refund you 3.00 USD of what you paid"},
            {"en", RDR_REASON_LOGISTICS, "en/outreach.incentive/coupon",
             "a 3.00 USD coupon for your next order"},
            {"en", RDR_REASON_SIZE_FIT, "en/outreach.incentive/discount",
             "5% off your next order"},
            {"zh", RDR_REASON_PRODUCT_QUALITY,
             "zh/outreach.incentive/partial_refund", "退还3.00 USD的货款"},
            {"zh", RDR_REASON_LOGISTICS, "zh/outreach.incentive/coupon",
             "一张3.00 USD的优惠券"},
            {"es", RDR_REASON_SIZE_FIT, "es/outreach.incentive/discount",
             "un 5% de descuento en su próximo pedido"},
        };
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                sim_t *s = sim_new();
                int64_t t0 = utc(2026, 6, 1, 2, 0);
                rdr_cadence_input_t in =
                    review("taobao", "tb-store", "Asia/Shanghai", cases[i].lang,
                           cases[i].reason, RDR_MAL_NONE, t0);
                const rdr_cadence_action_t *a;

                apply(s, &in, t0);
                run_until(s, t0 + 8 * DAY + HOUR);
                a = find(s, "cs_test:incentive:1");
                assert_string_equal(a->template_id, cases[i].template_id);
                assert_string_equal(a->language, cases[i].lang);
                if (!strstr(a->message, cases[i].text))
                        fail_msg("%s: \"%s\" not in \"%s\"",
                                 cases[i].template_id, cases[i].text,
                                 a->message);
                free(s);
        }
}

/* An incentive above the agent's limit waits for a manager. */
static void test_incentive_over_limit(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            review("taobao", "limit-store", "Asia/Shanghai", "en",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t ok = simple(RDR_CIN_OFFER_DECISION);
        const rdr_cadence_action_t *a;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 8 * DAY + HOUR);
        a = find(s, "cs_test:offer_approval:1");
        assert_int_equal(a->kind, RDR_ACT_STAFF_REVIEW);
        assert_int_equal(a->channel, RDR_CHAN_STAFF);
        assert_true(a->deadline_at_ms == t0 + 8 * DAY + HOUR);
        /* The request names the gesture. */
        assert_string_equal(a->template_id,
                            "en/staff.review/offer_approval_partial_refund");
        assert_non_null(strstr(a->message, "a partial refund of 3.00 USD"));
        assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(s->c.offer_pending, 1);
        /* Approved: the incentive goes out with the offer, the nudges a
         * day after it. The approver is the case's agent. */
        ok.approved = 1;
        ok.agent_id = "agent-7";
        apply(s, &ok, t0 + 8 * DAY + 3 * HOUR);
        assert_string_equal(s->c.agent_id, "agent-7");
        a = find(s, "cs_test:incentive:1");
        assert_true(a->has_offer);
        assert_int_equal(a->offer.amount_minor, 300);
        assert_true(a->due_at_ms == t0 + 8 * DAY + 3 * HOUR);
        assert_int_equal(s->c.offer_pending, 0);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 7);
        assert_true(find(s, "cs_test:nudge:1")->due_at_ms ==
                    t0 + 9 * DAY + 3 * HOUR);
        /* A second decision changes nothing, its agent included. */
        ok.agent_id = "agent-9";
        assert_int_equal(apply(s, &ok, t0 + 41 * DAY), RDR_CADENCE_NOOP);
        assert_string_equal(s->c.agent_id, "agent-7");
        free(s);

        /* Refused: no incentive, the cadence goes on. */
        s = sim_new();
        apply(s, &in, t0);
        run_until(s, t0 + 8 * DAY + HOUR);
        ok.approved = 0;
        apply(s, &ok, t0 + 8 * DAY + 3 * HOUR);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 7);
        free(s);
}

/* The buyer agrees: the guide, a check 48 h later, one reminder, whether
 * or not the agent hands the case back meanwhile. */
static void test_agree_guide_check_reminder(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        int64_t t1 = t0 + DAY;
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        rdr_cadence_input_t resume = simple(RDR_CIN_RESUME);
        const rdr_cadence_action_t *a;
        (void)state;
        apply(s, &in, t0);
        apply(s, &agree, t1);
        assert_int_equal(s->out.actions_cnt, 2);
        a = &s->out.actions[0];
        assert_string_equal(a->action_id, "cs_test:buyer_reply:1");
        assert_int_equal(a->kind, RDR_ACT_STAFF_REVIEW);
        assert_true(a->deadline_at_ms == t1 + HOUR); /* reply_sla */
        a = &s->out.actions[1];
        assert_int_equal(a->kind, RDR_ACT_MODIFICATION_GUIDE);
        assert_string_equal(a->template_id,
                            "zh/outreach.modification_guide/taobao");
        assert_int_equal(a->channel, RDR_CHAN_IM); /* where the buyer wrote */
        assert_int_equal(s->c.state, RDR_CASE_STATE_AWAITING_UPDATE);
        run_until(s, t0 + 29 * DAY);
        /* Exactly one reminder, 48 h later; no cadence meanwhile. */
        assert_int_equal(s->log_cnt, 5);
        a = find(s, "cs_test:modification_reminder:1");
        assert_true(a->due_at_ms == t1 + 48 * HOUR);
        assert_string_equal(a->template_id,
                            "zh/outreach.modification_guide/reminder");
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 0);
        free(s);

        /* The agent answers the buyer and hands the case back (the
         * staff.review's usual end): the agreement's path goes on, the
         * reminder 48 h after the guide; no follow-up, offer or nudge. */
        s = sim_new();
        apply(s, &in, t0);
        apply(s, &agree, t1);
        assert_int_equal(apply(s, &resume, t1 + HOUR / 2), RDR_CADENCE_NOOP);
        assert_int_equal(s->c.state, RDR_CASE_STATE_AWAITING_UPDATE);
        run_until(s, t0 + 40 * DAY);
        assert_true(find(s, "cs_test:modification_reminder:1")->due_at_ms ==
                    t1 + 48 * HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 2);
        assert_int_equal(count_outreach(s), 3);
        free(s);

        /* The review changed before the check: no reminder. */
        s = sim_new();
        apply(s, &in, t0);
        apply(s, &agree, t1);
        up.rating = 3;
        apply(s, &up, t1 + HOUR);
        run_until(s, t0 + 29 * DAY);
        assert_int_equal(s->log_cnt, 4);
        assert_int_equal(s->c.state, RDR_CASE_STATE_AWAITING_UPDATE);
        free(s);
}

/* Any other buyer message: an agent answers within reply_sla, the cadence
 * pauses; the agent hands it back and the schedule moves by the pause. */
static void test_buyer_message_pauses(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            review("taobao", "tb-store", "Asia/Shanghai", "en",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t q = chat(RDR_INTENT_QUESTION, "where is it?");
        rdr_cadence_input_t resume = simple(RDR_CIN_RESUME);
        (void)state;
        apply(s, &in, t0);
        apply(s, &q, t0 + 2 * DAY);
        assert_int_equal(s->out.actions_cnt, 1);
        assert_int_equal(s->out.actions[0].kind, RDR_ACT_STAFF_REVIEW);
        assert_string_equal(s->out.actions[0].template_id,
                            "en/staff.review/buyer_reply");
        assert_int_equal(s->c.state, RDR_CASE_STATE_PAUSED);
        assert_int_equal(s->out.case_event, RDR_CASE_STATE_CHANGED);
        run_until(s, t0 + 10 * DAY); /* the follow-up timer is stale */
        assert_int_equal(count_outreach(s), 1);
        apply(s, &resume, t0 + 10 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        assert_true(s->c.shift_ms == 8 * DAY);
        run_until(s, t0 + 15 * DAY + HOUR);
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms == t0 + 15 * DAY);
        /* A second message makes a second staff review. */
        apply(s, &q, t0 + 15 * DAY + 2 * HOUR);
        assert_string_equal(s->out.actions[0].action_id,
                            "cs_test:buyer_reply:2");
        free(s);
}

/* Same snapshot, same input, same time: byte-identical results, so a
 * replay publishes the same action_ids. Applied twice in a row, an input
 * does nothing the second time. */
static void test_replay_is_identical(void **state) {
        static rdr_case_t n1, n2;
        static rdr_cadence_out_t o1, o2;
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t t = simple(RDR_CIN_TIMER);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "ok");
        (void)state;
        /* The opening, from no case. */
        assert_int_equal(rdr_cadence_apply(&conf, NULL, &in, t0, &n1, &o1),
                         RDR_OK);
        assert_int_equal(rdr_cadence_apply(&conf, NULL, &in, t0, &n2, &o2),
                         RDR_OK);
        assert_memory_equal(&n1, &n2, sizeof(n1));
        assert_memory_equal(&o1, &o2, sizeof(o1));
        apply(s, &in, t0);
        assert_int_equal(apply(s, &in, t0 + 1), RDR_CADENCE_DUPLICATE);
        /* A timer. */
        t.timer.step = RDR_STEP_FOLLOW_UP;
        t.timer.attempt = 1;
        t.timer.gen = s->c.next_gen;
        assert_int_equal(
            rdr_cadence_apply(&conf, &s->c, &t, t0 + 7 * DAY, &n1, &o1),
            RDR_OK);
        assert_int_equal(
            rdr_cadence_apply(&conf, &s->c, &t, t0 + 7 * DAY, &n2, &o2),
            RDR_OK);
        assert_memory_equal(&n1, &n2, sizeof(n1));
        assert_memory_equal(&o1, &o2, sizeof(o1));
        assert_string_equal(o1.actions[0].action_id, "cs_test:follow_up:1");
        apply(s, &t, t0 + 7 * DAY);
        assert_int_equal(apply(s, &t, t0 + 7 * DAY), RDR_CADENCE_STALE);
        /* A chat message. */
        assert_int_equal(rdr_cadence_apply(&conf, &s->c, &agree,
                                           t0 + 7 * DAY + HOUR, &n1, &o1),
                         RDR_OK);
        assert_int_equal(rdr_cadence_apply(&conf, &s->c, &agree,
                                           t0 + 7 * DAY + HOUR, &n2, &o2),
                         RDR_OK);
        assert_memory_equal(&n1, &n2, sizeof(n1));
        assert_memory_equal(&o1, &o2, sizeof(o1));
        /* next may be the case itself. */
        memcpy(&n2, &s->c, sizeof(n2));
        assert_int_equal(rdr_cadence_apply(&conf, &n2, &agree,
                                           t0 + 7 * DAY + HOUR, &n2, &o2),
                         RDR_OK);
        assert_memory_equal(&n1, &n2, sizeof(n1));
        free(s);
}

static void test_stale_timers(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t t = simple(RDR_CIN_TIMER);
        unsigned gen;
        (void)state;
        apply(s, &in, t0);
        gen = s->c.next_gen;
        t.timer.step = RDR_STEP_FOLLOW_UP;
        t.timer.attempt = 1;
        t.timer.gen = gen + 1; /* wrong generation */
        assert_int_equal(apply(s, &t, t0 + 7 * DAY), RDR_CADENCE_STALE);
        t.timer.gen = gen;
        t.timer.attempt = 2; /* wrong attempt */
        assert_int_equal(apply(s, &t, t0 + 7 * DAY), RDR_CADENCE_STALE);
        t.timer.attempt = 1;
        t.timer.step = RDR_STEP_NUDGE; /* a step not yet reached */
        assert_int_equal(apply(s, &t, t0 + 7 * DAY), RDR_CADENCE_STALE);
        t.timer.step = RDR_STEP_MOD_CHECK; /* never armed */
        t.timer.gen = 0;
        assert_int_equal(apply(s, &t, t0 + 7 * DAY), RDR_CADENCE_STALE);
        t.timer.step = RDR_STEP_FOLLOW_UP; /* the right one */
        t.timer.gen = gen;
        assert_int_equal(apply(s, &t, t0 + 7 * DAY), RDR_CADENCE_APPLIED);
        assert_int_equal(s->out.actions_cnt, 1);
        /* The step the case has moved past. */
        assert_int_equal(apply(s, &t, t0 + 7 * DAY + 1), RDR_CADENCE_STALE);
        /* Inputs without a case. */
        assert_int_equal(rdr_cadence_apply(&conf, NULL, &t, t0, &s->c, &s->out),
                         RDR_OK);
        assert_int_equal(s->out.status, RDR_CADENCE_NO_CASE);
        free(s);
}

/* ---- time zones ------------------------------------------------------- */

/* New York, March 2026: the review at 08:30 EST; every message moves to
 * 09:00 local, and stays at 09:00 local across the jump to EDT on March 8
 * (14:00Z before, 13:00Z after). */
static void test_new_york_march_dst(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 2, 27, 13, 30);
        rdr_cadence_input_t in =
            review("taobao", "tb-store", "America/New_York", "en",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        char id[32];
        int i;
        (void)state;
        apply(s, &in, t0);
        assert_true(find(s, "cs_test:reply:1")->due_at_ms == t0);
        assert_int_equal(count_kind(s, RDR_ACT_FIRST_CONTACT), 0);
        run_until(s, t0 + 20 * DAY);
        assert_true(find(s, "cs_test:first_contact:1")->due_at_ms ==
                    utc(2026, 2, 27, 14, 0));
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms ==
                    utc(2026, 3, 6, 14, 0));
        assert_true(find(s, "cs_test:incentive:1")->due_at_ms ==
                    utc(2026, 3, 7, 14, 0));
        assert_true(find(s, "cs_test:nudge:1")->due_at_ms ==
                    utc(2026, 3, 8, 13, 0));
        for (i = 1; i <= 7; i++) {
                const rdr_cadence_action_t *a;
                snprintf(id, sizeof(id), "cs_test:nudge:%d", i);
                a = find(s, id);
                assert_int_equal(local_min("America/New_York", a->due_at_ms),
                                 9 * 60);
                assert_true(a->due_at_ms == utc(2026, 3, 7 + i, 13, 0));
                /* Never sent after 20:00 local. */
                assert_true(a->deadline_at_ms == utc(2026, 3, 8 + i, 0, 0));
        }
        assert_daytime(s);
        free(s);
}

/* Every malicious class on every shipped platform, with no evidence beyond
 * the review, renders its actions: platforms without an appeal window (eBay,
 * Shopify, Trustpilot) once failed to render the evidence request. */
static void test_malicious_on_every_platform_renders(void **state) {
        static const char *const platforms[] = {
            "taobao", "tmall",  "aliexpress", "amazon",
            "ebay",   "tiktok", "shopify",    "trustpilot"};
        static const rdr_malicious_t mals[] = {
            RDR_MAL_EXTORTION, RDR_MAL_PROFESSIONAL, RDR_MAL_COMPETITOR,
            RDR_MAL_ABUSIVE};
        size_t p, m;
        int64_t t0 = utc(2026, 11, 23, 2, 0);
        (void)state;
        for (p = 0; p < sizeof(platforms) / sizeof(platforms[0]); p++)
                for (m = 0; m < sizeof(mals) / sizeof(mals[0]); m++) {
                        sim_t *s = sim_new();
                        rdr_cadence_input_t in = review(
                            platforms[p], "tb-store", "Asia/Shanghai", "zh",
                            RDR_REASON_PRODUCT_QUALITY, mals[m], t0);
                        apply(s, &in, t0); /* fails the test on an error */
                        run_until(s, t0 + 40 * DAY);
                        assert_true(s->c.state != RDR_CASE_STATE_OUTREACH);
                        free(s);
                }
}

/* New York, November 2026: a review at 10:00 EDT; the nudges stay at
 * 10:00 local across the return to EST on November 1. */
static void test_new_york_november_dst(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 10, 23, 14, 0);
        rdr_cadence_input_t in =
            review("ebay", "tb-store", "America/New_York", "en",
                   RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        (void)state;
        in.review.review_kind = RDR_REVIEW_KIND_SELLER_FEEDBACK;
        apply(s, &in, t0);
        run_until(s, t0 + 8 * DAY + HOUR);
        /* eBay: follow-up on Oct 30 (EDT), then no incentive: stop. */
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms ==
                    utc(2026, 10, 30, 14, 0));
        assert_string_equal(s->c.stop_rule, "ebay.no_incentive");
        free(s);

        s = sim_new();
        in = review("taobao", "tb-store", "America/New_York", "en",
                    RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        apply(s, &in, t0);
        run_until(s, t0 + 20 * DAY);
        assert_true(find(s, "cs_test:nudge:1")->due_at_ms ==
                    utc(2026, 11, 1, 15, 0)); /* 10:00 EST */
        assert_true(find(s, "cs_test:incentive:1")->due_at_ms ==
                    utc(2026, 10, 31, 14, 0)); /* 10:00 EDT */
        assert_int_equal(local_min("America/New_York",
                                   find(s, "cs_test:nudge:7")->due_at_ms),
                         10 * 60);
        free(s);
}

/* Shanghai at night, with Taobao's quiet hours: the first contact waits
 * for 09:00 (its timer publishes it then); the reply does not. */
static void test_shanghai_night(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 14, 30); /* 22:30 CST */
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        const rdr_cadence_action_t *a;
        (void)state;
        apply(s, &in, t0);
        assert_true(find(s, "cs_test:reply:1")->due_at_ms == t0);
        assert_int_equal(s->log_cnt, 1);
        assert_int_equal(s->c.next_step, RDR_STEP_FIRST_CONTACT);
        assert_true(s->c.next_at_ms == utc(2026, 6, 2, 1, 0));
        run_until(s, utc(2026, 6, 2, 1, 0));
        a = find(s, "cs_test:first_contact:1");
        assert_true(a->due_at_ms == utc(2026, 6, 2, 1, 0));
        /* Within 24 h, but not in the night: by 20:00 CST, not 22:30. */
        assert_true(a->deadline_at_ms == utc(2026, 6, 2, 12, 0));
        run_until(s, t0 + 20 * DAY);
        /* The schedule's 22:30 becomes 09:00 the next morning. */
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms ==
                    utc(2026, 6, 9, 1, 0));
        assert_true(find(s, "cs_test:nudge:7")->due_at_ms ==
                    utc(2026, 6, 17, 1, 0));
        assert_daytime(s);
        free(s);

        /* Its timer fired late, at night again (the timers were down
         * for a day): nothing goes out ahead, due the next morning; the
         * step waits for the morning on its timer, and goes out then. */
        s = sim_new();
        apply(s, &in, t0);
        assert_int_equal(fire_at(s, RDR_STEP_FIRST_CONTACT, t0 + DAY),
                         RDR_CADENCE_APPLIED);
        drop_timer(s, RDR_STEP_FIRST_CONTACT);
        assert_int_equal(count_kind(s, RDR_ACT_FIRST_CONTACT), 0);
        assert_int_equal(s->c.next_step, RDR_STEP_FIRST_CONTACT);
        assert_true(s->c.next_at_ms == utc(2026, 6, 3, 1, 0));
        run_until(s, utc(2026, 6, 3, 1, 0));
        a = find(s, "cs_test:first_contact:1");
        assert_true(a->due_at_ms == utc(2026, 6, 3, 1, 0));
        assert_int_equal(s->c.next_step, RDR_STEP_FOLLOW_UP);
        free(s);

        /* So a "no" at 23:00, before that morning, stops it. */
        s = sim_new();
        apply(s, &in, t0);
        fire_at(s, RDR_STEP_FIRST_CONTACT, t0 + DAY);
        drop_timer(s, RDR_STEP_FIRST_CONTACT);
        in = chat(RDR_INTENT_REFUSE, "别再联系我了");
        apply(s, &in, t0 + DAY + 30 * 60000);
        run_until(s, t0 + 20 * DAY);
        assert_int_equal(count_outreach(s), 0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        free(s);
}

/* The timers were down for a week: the first contact goes out when its
 * timer fires, past T0 + 7 days, and the follow-up waits the least
 * spacing the schedule leaves between them (follow_up_after less
 * first_contact_within: 6 days), not the same instant; the incentive
 * keeps its day after the follow-up. */
static void test_first_contact_a_week_late(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 14, 30);    /* 22:30 CST */
        int64_t late = t0 + 7 * DAY + 12 * HOUR; /* 10:30 CST */
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        (void)state;
        apply(s, &in, t0);
        assert_int_equal(fire_at(s, RDR_STEP_FIRST_CONTACT, late),
                         RDR_CADENCE_APPLIED);
        assert_true(find(s, "cs_test:first_contact:1")->due_at_ms == late);
        assert_int_equal(s->c.next_step, RDR_STEP_FOLLOW_UP);
        assert_true(s->c.next_at_ms == late + 6 * DAY);
        /* On from there, the first contact's timer fired (fire_at() kept
         * it listed): the follow-up, then the incentive a day on. */
        drop_timer(s, RDR_STEP_FIRST_CONTACT);
        run_until(s, late + 7 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 1);
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms ==
                    late + 6 * DAY);
        assert_true(find(s, "cs_test:incentive:1")->due_at_ms ==
                    late + 7 * DAY);
        assert_daytime(s);
        free(s);
}

/* The first contact's deadline is the last daytime moment within
 * first_contact_within of the review: 24 h later when that is daytime
 * (19:59 CST), else the end of the daytime before it (a review at 06:00
 * CST: 20:00 that day, not 06:00 the next morning). */
static void test_first_contact_deadline_in_daytime(void **state) {
        static const struct {
                int hour, min;                     /* UTC of the review */
                int64_t due_after, deadline_after; /* from t0 */
        } cases[] = {
            {11, 59, 0, DAY},                        /* 19:59 CST */
            {22, 0, 3 * HOUR, 3 * HOUR + 11 * HOUR}, /* 06:00 CST */
            {2, 0, 0, DAY},                          /* 10:00 CST */
        };
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                sim_t *s = sim_new();
                int64_t t0 = utc(2026, 6, 1, cases[i].hour, cases[i].min);
                rdr_cadence_input_t in =
                    tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
                const rdr_cadence_action_t *a;
                apply(s, &in, t0);
                run_until(s, t0 + DAY);
                a = find(s, "cs_test:first_contact:1");
                assert_true(a->due_at_ms == t0 + cases[i].due_after);
                assert_true(a->deadline_at_ms == t0 + cases[i].deadline_after);
                free(s);
        }
}

/* A review at night, and before the morning the buyer says no (to the
 * store, or on the order), or is tagged elsewhere, or raises the rating:
 * the first contact, held for the buyer's daytime, never goes out. */
static void test_first_contact_held_till_day(void **state) {
        int64_t t0 = utc(2026, 6, 1, 14, 30); /* 22:30 CST */
        int64_t morning = utc(2026, 6, 2, 1, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t no = chat(RDR_INTENT_REFUSE, "别再联系我了");
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        int how;
        (void)state;
        for (how = 0; how < 4; how++) {
                sim_t *s = sim_new();
                apply(s, &in, t0);
                switch (how) {
                case 0: /* to the store, in a chat naming no order */
                        s->store_refused_at_ms = t0 + HOUR;
                        break;
                case 1: /* on the order */
                        apply(s, &no, t0 + HOUR);
                        break;
                case 2: /* tagged in another store */
                        s->buyer_tag = RDR_MAL_EXTORTION;
                        break;
                default:
                        up.rating = 5;
                        apply(s, &up, t0 + HOUR);
                        break;
                }
                run_until(s, morning + 20 * DAY);
                assert_int_equal(count_outreach(s), 0);
                if (how < 2) {
                        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
                        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
                        assert_true(s->c.closed_at_ms ==
                                    (how ? t0 + HOUR : morning));
                } else if (how == 2) {
                        assert_int_equal(s->c.malicious, RDR_MAL_EXTORTION);
                } else {
                        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
                }
                free(s);
        }
}

/* The buyer agrees at night: the guide waits for their morning, then the
 * check and the reminder follow from it. A no (to the store, on the
 * order, or one that reached another case of the order), a tag or a
 * changed review before the morning means no guide; the agent's hand-back
 * changes nothing. A held guide whose timer fires late, at night again,
 * goes out due the next morning. */
static void test_guide_held_till_day(void **state) {
        int64_t t0 = utc(2026, 6, 1, 2, 0);      /* 10:00 CST */
        int64_t night = utc(2026, 6, 2, 14, 30); /* 22:30 CST */
        int64_t morning = utc(2026, 6, 3, 1, 0); /* 09:00 CST */
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        rdr_cadence_input_t no = chat(RDR_INTENT_REFUSE, "别再联系我了");
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        rdr_cadence_input_t resume = simple(RDR_CIN_RESUME);
        sim_t *s = sim_new();
        int how;
        (void)state;
        apply(s, &in, t0);
        apply(s, &agree, night);
        assert_int_equal(s->out.actions_cnt, 1); /* the agent's task */
        assert_int_equal(s->out.actions[0].kind, RDR_ACT_STAFF_REVIEW);
        assert_int_equal(s->c.state, RDR_CASE_STATE_AWAITING_UPDATE);
        run_until(s, morning);
        assert_true(find(s, "cs_test:modification_guide:1")->due_at_ms ==
                    morning);
        run_until(s, t0 + 29 * DAY);
        assert_true(find(s, "cs_test:modification_reminder:1")->due_at_ms ==
                    morning + 48 * HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 2);
        assert_int_equal(count_outreach(s), 3);
        assert_daytime(s);
        free(s);

        /* The agent hands the case back that night: the guide still
         * goes out in the morning. */
        s = sim_new();
        apply(s, &in, t0);
        apply(s, &agree, night);
        apply(s, &resume, night + HOUR / 2);
        run_until(s, t0 + 40 * DAY);
        assert_true(find(s, "cs_test:modification_guide:1")->due_at_ms ==
                    morning);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 2);
        assert_int_equal(count_outreach(s), 3);
        free(s);

        /* Its timer fired late, at night again: held once more, till
         * the next morning. */
        s = sim_new();
        apply(s, &in, t0);
        apply(s, &agree, night);
        assert_int_equal(fire_at(s, RDR_STEP_MOD_GUIDE, night + DAY),
                         RDR_CADENCE_APPLIED);
        drop_timer(s, RDR_STEP_MOD_GUIDE);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 0);
        run_until(s, morning + DAY);
        assert_true(find(s, "cs_test:modification_guide:1")->due_at_ms ==
                    morning + DAY);
        free(s);

        for (how = 0; how < 5; how++) {
                s = sim_new();
                apply(s, &in, t0);
                apply(s, &agree, night);
                switch (how) {
                case 0: /* to the store, after agreeing */
                        s->store_refused_at_ms = night + HOUR;
                        break;
                case 1: /* on the order */
                        apply(s, &no, night + HOUR);
                        break;
                case 2: /* a no that reached another case of the order */
                        s->order_refused = 1;
                        break;
                case 3: /* tagged in another store */
                        s->buyer_tag = RDR_MAL_EXTORTION;
                        break;
                default: /* changed, not raised enough to resolve */
                        up.rating = 3;
                        apply(s, &up, night + HOUR);
                        break;
                }
                run_until(s, t0 + 29 * DAY);
                assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 0);
                assert_int_equal(count_outreach(s), 1); /* the first contact */
                if (how < 3) {
                        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
                        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
                } else if (how == 3) {
                        assert_int_equal(s->c.malicious, RDR_MAL_EXTORTION);
                } else {
                        assert_int_equal(s->c.state,
                                         RDR_CASE_STATE_AWAITING_UPDATE);
                }
                free(s);
        }
}

/* A manager approves the offer at night: the incentive waits for the
 * buyer's morning, with its offer. Before then a no stops it, and an
 * agreement makes it moot (the guide goes out instead); a question hands
 * the case to an agent, and the incentive goes out when the agent hands
 * it back. Approved while the parcel is late, it waits for delivery, and
 * a delivery at night holds it till the morning too. */
static void test_incentive_held_till_day(void **state) {
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        int64_t night = utc(2026, 6, 9, 14, 30);  /* 22:30 CST, day 8 */
        int64_t morning = utc(2026, 6, 10, 1, 0); /* 09:00 CST */
        rdr_cadence_input_t in =
            review("taobao", "limit-store", "Asia/Shanghai", "en",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t ok = simple(RDR_CIN_OFFER_DECISION);
        rdr_cadence_input_t no = chat(RDR_INTENT_REFUSE, "stop writing to me");
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "ok, I'll edit it");
        rdr_cadence_input_t question = chat(RDR_INTENT_QUESTION, "is it real?");
        rdr_cadence_input_t resume = simple(RDR_CIN_RESUME);
        rdr_cadence_input_t pause = simple(RDR_CIN_SHIPMENT_PAUSE);
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        const rdr_cadence_action_t *a;
        sim_t *s = sim_new();
        int how;
        (void)state;
        ok.approved = 1;
        apply(s, &in, t0);
        run_until(s, night);
        assert_int_equal(s->c.offer_pending, 1);
        apply(s, &ok, night);
        assert_int_equal(s->out.actions_cnt, 0);
        assert_int_equal(s->c.offer_pending, 0);
        run_until(s, morning);
        a = find(s, "cs_test:incentive:1");
        assert_true(a->due_at_ms == morning);
        assert_true(a->has_offer);
        assert_int_equal(a->offer.amount_minor, 300);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 7);
        assert_daytime(s);
        free(s);

        s = sim_new();
        apply(s, &in, t0);
        run_until(s, night);
        apply(s, &ok, night);
        apply(s, &question, night + HOUR);
        run_until(s, morning + 3 * HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(s->c.offer_pending, 2);
        apply(s, &resume, morning + 3 * HOUR);
        assert_true(find(s, "cs_test:incentive:1")->due_at_ms ==
                    morning + 3 * HOUR);
        assert_int_equal(s->c.offer_pending, 0);
        free(s);

        for (how = 0; how < 2; how++) {
                s = sim_new();
                apply(s, &in, t0);
                run_until(s, night);
                apply(s, &ok, night);
                apply(s, how ? &agree : &no, night + HOUR);
                run_until(s, t0 + 40 * DAY);
                assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
                /* agreed: the guide and its reminder */
                assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE),
                                 2 * how);
                free(s);
        }

        s = sim_new();
        apply(s, &in, t0);
        run_until(s, night - HOUR);
        apply(s, &pause, night - HOUR);
        apply(s, &ok, night);
        assert_int_equal(s->c.offer_pending, 2);
        apply(s, &delivered, night + DAY);
        assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
        run_until(s, morning + DAY);
        assert_true(find(s, "cs_test:incentive:1")->due_at_ms == morning + DAY);
        free(s);
}

/* The nudges in the log, in order: each due in the buyer's daytime, a
 * day (nudge_every) or more after the one before, the first a day or
 * more after the incentive (at first_due), max_nudges (7) of them. */
static void assert_nudges_from(const sim_t *s, int64_t first_due) {
        char id[64];
        int64_t prev = 0;
        int k;
        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 7);
        for (k = 1; k <= 7; k++) {
                const rdr_cadence_action_t *a;
                snprintf(id, sizeof(id), "cs_test:nudge:%d", k);
                a = find(s, id);
                if (k == 1 && a->due_at_ms != first_due)
                        fail_msg("nudge:1 due %lld ms off a day after the "
                                 "incentive",
                                 (long long)(a->due_at_ms - first_due));
                if (k > 1 && a->due_at_ms < prev + DAY)
                        fail_msg("%s due %lld ms after the nudge before", id,
                                 (long long)(a->due_at_ms - prev));
                prev = a->due_at_ms;
        }
        assert_daytime(s);
}

/* A manager approves tb-hanfeng-apparel's coupon for a late parcel
 * (30.00 CNY, over its agents' 20.00 limit) asked at T0 + 8 d: the
 * incentive goes out when it can, and the first nudge a day after it
 * (nudge_from - incentive_after), never sooner, whatever delayed the
 * incentive: an approval at 23:00 (held till 09:00), an approval days
 * after nudge_from, an approval while the buyer's question waits for the
 * agent's hand-back, an approval while the parcel is late (delivered at
 * night), a question and its hand-back after the held incentive went
 * out. No nudge before the incentive, and all seven after it. */
static void test_nudges_follow_the_incentive(void **state) {
        enum { STRAIGHT, QUESTION, PARCEL, LATER };
        static const struct {
                int how;
                int mo, d, h;                /* the approval (UTC) */
                int back_mo, back_d, back_h; /* hand-back or delivery */
                int inc_d, inc_h;            /* the incentive's due_at */
        } runs[] = {
            /* The report: 2027-04-20 23:00 in Shanghai; 09:00 next day. */
            {STRAIGHT, 4, 20, 15, 0, 0, 0, 21, 1},
            /* Day 11, 11:00 there, two days after nudge_from. */
            {STRAIGHT, 4, 23, 3, 0, 0, 0, 23, 3},
            /* The buyer asks at 14:00 on day 8; the agent hands the
             * case back at 12:00 on day 10. */
            {QUESTION, 4, 20, 8, 4, 22, 4, 22, 4},
            /* The parcel is found late at 13:00 on day 8, delivered at
             * 22:00 on day 10: the incentive waits for 09:00. */
            {PARCEL, 4, 20, 8, 4, 22, 14, 23, 1},
            /* The report's, and the buyer asks at 12:00 after the
             * incentive; the agent hands the case back at 13:00. */
            {LATER, 4, 20, 15, 4, 21, 5, 21, 1},
        };
        int64_t t0 = utc(2027, 4, 12, 2, 0); /* 10:00 in Shanghai */
        rdr_cadence_input_t in =
            review("taobao", "tb-hanfeng-apparel", "Asia/Shanghai", "zh",
                   RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t ok = simple(RDR_CIN_OFFER_DECISION);
        rdr_cadence_input_t q = chat(RDR_INTENT_QUESTION, "优惠券怎么用？");
        rdr_cadence_input_t resume = simple(RDR_CIN_RESUME);
        rdr_cadence_input_t pause = simple(RDR_CIN_SHIPMENT_PAUSE);
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        size_t i;
        (void)state;
        ok.approved = 1;
        for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
                sim_t *s = sim_new();
                int64_t approved =
                    utc(2027, runs[i].mo, runs[i].d, runs[i].h, 0);
                int64_t incentive =
                    utc(2027, 4, runs[i].inc_d, runs[i].inc_h, 0);
                const rdr_cadence_action_t *a;
                apply(s, &in, t0);
                run_until(s, t0 + 8 * DAY + HOUR);
                a = find(s, "cs_test:offer_approval:1");
                assert_non_null(strstr(a->message, "30.00 CNY"));
                assert_int_equal(s->c.offer_pending, 1);
                if (runs[i].how == QUESTION)
                        apply(s, &q, t0 + 8 * DAY + 4 * HOUR);
                else if (runs[i].how == PARCEL)
                        apply(s, &pause, t0 + 8 * DAY + 3 * HOUR);
                run_until(s, approved);
                /* While the incentive waits, so do the nudges. */
                assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 0);
                apply(s, &ok, approved);
                if (runs[i].how != STRAIGHT) {
                        int64_t back = utc(2027, runs[i].back_mo,
                                           runs[i].back_d, runs[i].back_h, 0);
                        if (runs[i].how == LATER) {
                                run_until(s, back - HOUR);
                                apply(s, &q, back - HOUR);
                        }
                        run_until(s, back);
                        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 0);
                        apply(s, runs[i].how == PARCEL ? &delivered : &resume,
                              back);
                }
                run_until(s, t0 + 40 * DAY);
                assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 1);
                a = find(s, "cs_test:incentive:1");
                if (a->due_at_ms != incentive)
                        fail_msg("run %zu: the incentive due %lld ms late", i,
                                 (long long)(a->due_at_ms - incentive));
                assert_int_equal(a->offer.amount_minor, 3000);
                assert_nudges_from(s, incentive + DAY);
                free(s);
        }
}

/* The manager's decision comes late: no nudge while it is awaited (the
 * incentive may still go out before them). Refused days after
 * nudge_from: the nudges start then, all seven; never decided: none,
 * and the case ends at case_ttl. A nudge armed while the decision was
 * awaited (a case stored by an earlier build) waits too, and comes a day
 * after the incentive. */
static void test_nudges_wait_for_the_manager(void **state) {
        int64_t t0 = utc(2027, 4, 12, 2, 0);    /* 10:00 in Shanghai */
        int64_t day11 = utc(2027, 4, 23, 3, 0); /* 11:00 there */
        rdr_cadence_input_t in =
            review("taobao", "tb-hanfeng-apparel", "Asia/Shanghai", "zh",
                   RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t no = simple(RDR_CIN_OFFER_DECISION);
        rdr_cadence_input_t ok = simple(RDR_CIN_OFFER_DECISION);
        rdr_cadence_timer_t *t;
        sim_t *s = sim_new();
        (void)state;
        ok.approved = 1;
        apply(s, &in, t0);
        run_until(s, day11);
        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 0);
        apply(s, &no, day11);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
        assert_nudges_from(s, day11);
        free(s);

        s = sim_new();
        apply(s, &in, t0);
        run_until(s, t0 + 40 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 0);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        free(s);

        s = sim_new();
        apply(s, &in, t0);
        run_until(s, t0 + 8 * DAY + HOUR);
        assert_int_equal(s->c.offer_pending, 1);
        assert_int_equal(s->c.next_step, RDR_STEP_NUDGE);
        assert_int_equal(s->c.next_gen, 0);
        /* As an earlier build left it: nudge:1 armed for T0 + 9 d. */
        t = &s->timers[s->timers_cnt++];
        memset(t, 0, sizeof(*t));
        t->step = RDR_STEP_NUDGE;
        t->attempt = 1;
        t->gen = s->c.next_gen = ++s->c.timer_seq;
        t->fire_at_ms = s->c.next_at_ms = t0 + 9 * DAY;
        run_until(s, day11);
        assert_int_equal(count_kind(s, RDR_ACT_NUDGE), 0);
        assert_int_equal(s->c.next_gen, 0);
        apply(s, &ok, day11);
        run_until(s, t0 + 40 * DAY);
        assert_true(find(s, "cs_test:incentive:1")->due_at_ms == day11);
        assert_nudges_from(s, day11 + DAY);
        free(s);
}

/* The reminder that waited for a late parcel, delivered at night: it
 * waits for the buyer's morning, and a no before then stops it. */
static void test_reminder_held_till_day(void **state) {
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        int64_t t1 = t0 + DAY;                   /* agreed, 10:00 CST */
        int64_t night = utc(2026, 6, 5, 14, 30); /* delivered, 22:30 */
        int64_t morning = utc(2026, 6, 6, 1, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        rdr_cadence_input_t no = chat(RDR_INTENT_REFUSE, "别再联系我了");
        rdr_cadence_input_t pause = simple(RDR_CIN_SHIPMENT_PAUSE);
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        int how;
        (void)state;
        for (how = 0; how < 2; how++) {
                sim_t *s = sim_new();
                apply(s, &in, t0);
                apply(s, &agree, t1);
                apply(s, &pause, t1 + HOUR);
                run_until(s, t1 + 3 * DAY); /* the check: held */
                assert_int_equal(s->c.mod_check_held, 1);
                apply(s, &delivered, night);
                assert_int_equal(s->out.actions_cnt, 0);
                if (how)
                        apply(s, &no, night + HOUR);
                run_until(s, t0 + 29 * DAY);
                if (how) {
                        assert_int_equal(
                            count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 1);
                        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
                } else {
                        assert_true(find(s, "cs_test:modification_reminder:1")
                                        ->due_at_ms == morning);
                }
                free(s);
        }
}

/* The parcel is late when the buyer agrees (BEHAVIOR.md 7: any
 * review-related outreach waits for the delivery): the agent's task goes
 * out, the guide at the delivery (in the buyer's hours), its reminder 48 h
 * after it. So does a guide held for the buyer's morning that a pause
 * meets; a no before the delivery means no guide. */
static void test_guide_waits_for_delivery(void **state) {
        int64_t t0 = utc(2026, 6, 1, 2, 0);      /* 10:00 CST */
        int64_t t1 = t0 + DAY;                   /* agreed, 10:00 */
        int64_t night = utc(2026, 6, 2, 14, 30); /* agreed, 22:30 */
        int64_t day4 = t0 + 4 * DAY;             /* delivered, 10:00 */
        int64_t late = utc(2026, 6, 5, 14, 30);  /* delivered, 22:30 */
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        rdr_cadence_input_t no = chat(RDR_INTENT_REFUSE, "别再联系我了");
        rdr_cadence_input_t pause = simple(RDR_CIN_SHIPMENT_PAUSE);
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        sim_t *s = sim_new();
        int how;
        (void)state;
        apply(s, &in, t0);
        apply(s, &pause, t0 + HOUR);
        apply(s, &agree, t1);
        assert_int_equal(s->out.actions_cnt, 1);
        assert_int_equal(s->out.actions[0].kind, RDR_ACT_STAFF_REVIEW);
        assert_int_equal(s->c.state, RDR_CASE_STATE_AWAITING_UPDATE);
        run_until(s, day4);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 0);
        apply(s, &delivered, day4);
        assert_true(find(s, "cs_test:modification_guide:1")->due_at_ms == day4);
        run_until(s, t0 + 29 * DAY);
        assert_true(find(s, "cs_test:modification_reminder:1")->due_at_ms ==
                    day4 + 48 * HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 2);
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 0);
        free(s);

        for (how = 0; how < 2; how++) {
                s = sim_new();
                apply(s, &in, t0);
                apply(s, &agree, night); /* held for the morning */
                apply(s, &pause, night + HOUR);
                run_until(s, late - HOUR);
                assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 0);
                if (how)
                        apply(s, &no, late - HOUR);
                apply(s, &delivered, late);
                run_until(s, t0 + 29 * DAY);
                if (how) {
                        assert_int_equal(
                            count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 0);
                        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
                } else {
                        /* delivered at night: the guide in the morning */
                        assert_true(find(s, "cs_test:modification_guide:1")
                                        ->due_at_ms == utc(2026, 6, 6, 1, 0));
                        assert_int_equal(
                            count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 2);
                }
                assert_daytime(s);
                free(s);
        }
}

/* A store that reaches its buyers at any hour (daytime "00:00-24:00"):
 * where the platform has no quiet hours (AliExpress) a message has no
 * night to beat, so no deadline_at (but the first contact's, within 24
 * h); where it has (Taobao, 22:00-08:00), it must be carried out before
 * they begin. */
static void test_all_day_contact(void **state) {
        int64_t t0 = utc(2026, 6, 1, 2, 0); /* 10:00 CST, 04:00 Madrid */
        rdr_cadence_input_t ae =
            review("aliexpress", "allday-store", "Europe/Madrid", "es",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t tb =
            review("taobao", "allday-store", "Asia/Shanghai", "zh",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        const rdr_cadence_action_t *a;
        sim_t *s = sim_new();
        (void)state;
        apply(s, &ae, t0);
        run_until(s, t0 + 8 * DAY);
        a = find(s, "cs_test:first_contact:1");
        assert_true(a->due_at_ms == t0);            /* 04:00 in Madrid */
        assert_true(a->deadline_at_ms == t0 + DAY); /* first_contact_within */
        a = find(s, "cs_test:follow_up:1");
        assert_true(a->due_at_ms == t0 + 7 * DAY);
        assert_true(a->deadline_at_ms == 0);
        free(s);

        s = sim_new();
        apply(s, &tb, t0);
        run_until(s, t0 + 8 * DAY);
        a = find(s, "cs_test:follow_up:1");
        assert_true(a->due_at_ms == t0 + 7 * DAY);
        /* 22:00 CST that day */
        assert_true(a->deadline_at_ms == utc(2026, 6, 8, 14, 0));
        free(s);
}

/* Past case_ttl no outreach goes out, even before the case's own timer
 * closed it (a timer read late, behind a backlog): an agreement, a
 * manager's approval or a delivery that would reach the buyer then
 * closes the case as expired instead. */
static void test_nothing_past_case_ttl(void **state) {
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        int64_t past = t0 + 30 * DAY + HOUR; /* 11:00 CST */
        rdr_cadence_input_t in =
            review("taobao", "limit-store", "Asia/Shanghai", "zh",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        rdr_cadence_input_t ok = simple(RDR_CIN_OFFER_DECISION);
        rdr_cadence_input_t pause = simple(RDR_CIN_SHIPMENT_PAUSE);
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        sim_t *s;
        int how;
        (void)state;
        ok.approved = 1;
        for (how = 0; how < 3; how++) {
                s = sim_new();
                apply(s, &in, t0);
                if (how == 1) {
                        run_until(s, t0 + 8 * DAY + HOUR);
                        assert_int_equal(s->c.offer_pending, 1);
                }
                if (how == 2) {
                        apply(s, &agree, t0 + DAY);
                        apply(s, &pause, t0 + DAY + HOUR);
                        run_until(s, t0 + 4 * DAY); /* the reminder waits */
                        assert_int_equal(s->c.mod_check_held, 1);
                }
                assert_int_equal(apply(s,
                                       how == 0   ? &agree
                                       : how == 1 ? &ok
                                                  : &delivered,
                                       past),
                                 RDR_CADENCE_APPLIED);
                assert_int_equal(s->out.actions_cnt, 0);
                assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
                assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
                assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
                assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE),
                                 how == 2 ? 1 : 0);
                free(s);
        }
}

/* A parcel's check finds it late, and its pause reaches the case by a
 * timer; the delivery came between (handled first): the pause is stale,
 * and the cadence goes on. A pause from after the delivery (another
 * parcel late since) still pauses. */
static void test_pause_overtaken_by_the_delivery(void **state) {
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t pause = simple(RDR_CIN_SHIPMENT_PAUSE);
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        sim_t *s = sim_new();
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 2 * DAY);
        apply(s, &delivered, t0 + 2 * DAY + 60000);
        pause.pause_at_ms = t0 + 2 * DAY; /* found late a minute before */
        assert_int_equal(apply(s, &pause, t0 + 2 * DAY + 120000),
                         RDR_CADENCE_NOOP);
        assert_int_equal(s->c.ship_paused, 0);
        run_until(s, t0 + 8 * DAY + HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 1);
        pause.pause_at_ms = t0 + 9 * DAY; /* late again, after it */
        apply(s, &pause, t0 + 9 * DAY + 60000);
        assert_int_equal(s->c.ship_paused, 1);
        free(s);
}

/* No buyer zone, or an unknown one: the store's, reported. */
static void test_zone_fallback(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 5, 0); /* 07:00 in Madrid */
        rdr_cadence_input_t in =
            review("aliexpress", "demo-tienda-es", NULL, "es",
                   RDR_REASON_SIZE_FIT, RDR_MAL_NONE, t0);
        (void)state;
        apply(s, &in, t0);
        assert_true(s->out.zone_fallback);
        assert_int_equal(s->c.zone_source, RDR_ZONE_STORE);
        assert_string_equal(s->c.zone, "Europe/Madrid");
        run_until(s, utc(2026, 6, 1, 7, 0));
        assert_true(find(s, "cs_test:first_contact:1")->due_at_ms ==
                    utc(2026, 6, 1, 7, 0));
        assert_string_equal(find(s, "cs_test:first_contact:1")->template_id,
                            "es/outreach.first_contact/default");
        free(s);

        /* An unknown buyer zone and a store without one of its own: the
         * playbook's default store zone (UTC). */
        s = sim_new();
        in = review("aliexpress", "tb-store", "Mars/Olympus", "es",
                    RDR_REASON_SIZE_FIT, RDR_MAL_NONE, t0);
        apply(s, &in, t0);
        assert_true(s->out.zone_fallback);
        assert_int_equal(s->c.zone_source, RDR_ZONE_STORE);
        assert_string_equal(s->c.zone, "UTC");
        run_until(s, utc(2026, 6, 1, 9, 0));
        assert_true(find(s, "cs_test:first_contact:1")->due_at_ms ==
                    utc(2026, 6, 1, 9, 0));
        free(s);
}

/* The input that tells a case the buyer's zone, as the shipments worker
 * sends it for the order's parcel. */
static rdr_cadence_input_t zone_in(rdr_cadence_input_type_t type,
                                   const char *zone) {
        rdr_cadence_input_t in = simple(type);
        in.buyer_zone = zone;
        return in;
}

/* A review without the buyer's zone, then the order's parcel tells it:
 * the waiting first contact moves into the buyer's daytime (here, at
 * once: afternoon in Shanghai, morning not yet in Madrid), the rest of
 * the cadence runs in the buyer's zone, and a second zone changes
 * nothing. */
static void test_zone_learned_first_contact(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 5, 0); /* 07:00 Madrid, 13:00 CST */
        rdr_cadence_input_t in =
            review("aliexpress", "demo-tienda-es", NULL, "es",
                   RDR_REASON_SIZE_FIT, RDR_MAL_NONE, t0);
        rdr_cadence_input_t shanghai =
            zone_in(RDR_CIN_BUYER_ZONE, "Asia/Shanghai");
        rdr_cadence_input_t la =
            zone_in(RDR_CIN_BUYER_ZONE, "America/Los_Angeles");
        rdr_cadence_input_t bogus = zone_in(RDR_CIN_BUYER_ZONE, "Mars/Olympus");
        (void)state;
        apply(s, &in, t0);
        assert_true(s->c.next_at_ms == utc(2026, 6, 1, 7, 0));
        /* Unknown or absent: nothing. */
        assert_int_equal(apply(s, &bogus, t0 + MIN), RDR_CADENCE_NOOP);
        bogus.buyer_zone = NULL;
        assert_int_equal(apply(s, &bogus, t0 + MIN), RDR_CADENCE_NOOP);
        assert_int_equal(apply(s, &shanghai, t0 + 30 * MIN),
                         RDR_CADENCE_APPLIED);
        assert_true(s->c.zone_learned_at_ms == t0 + 30 * MIN);
        assert_int_equal(s->out.actions_cnt, 0);
        assert_string_equal(s->c.zone, "Asia/Shanghai");
        assert_int_equal(s->c.zone_source, RDR_ZONE_BUYER);
        assert_true(s->c.next_at_ms == t0 + 30 * MIN);
        assert_int_equal(apply(s, &la, t0 + HOUR), RDR_CADENCE_NOOP);
        run_until(s, t0 + 40 * DAY);
        /* The timer armed in Madrid's zone fired stale: one of each. */
        assert_true(find(s, "cs_test:first_contact:1")->due_at_ms ==
                    t0 + 30 * MIN);
        assert_int_equal(count_kind(s, RDR_ACT_FIRST_CONTACT), 1);
        /* 13:00 in Shanghai; AliExpress forbids the incentive after it. */
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms == t0 + 7 * DAY);
        assert_int_equal(count_outreach(s), 2);
        assert_daytime(s);
        free(s);

        /* A buyer zone from the review: the parcel's changes nothing. */
        s = sim_new();
        in.review.buyer_timezone = "Europe/Madrid";
        apply(s, &in, t0);
        assert_int_equal(apply(s, &shanghai, t0 + 30 * MIN), RDR_CADENCE_NOOP);
        assert_string_equal(s->c.zone, "Europe/Madrid");
        assert_true(s->c.zone_learned_at_ms == 0);
        free(s);
}

/* The first contact went out in the store's daytime (the buyer's night:
 * nothing to be done); the zone the parcel tells then moves the later
 * steps that would reach the buyer at night to their morning, and leaves
 * those inside their hours. A case closed meanwhile takes nothing. */
static void test_zone_learned_later_steps(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 13, 0); /* 15:00 Madrid, 06:00 PDT */
        size_t first;
        rdr_cadence_input_t in =
            review("aliexpress", "demo-tienda-es", NULL, "es",
                   RDR_REASON_SIZE_FIT, RDR_MAL_NONE, t0);
        rdr_cadence_input_t la =
            zone_in(RDR_CIN_BUYER_ZONE, "America/Los_Angeles");
        rdr_cadence_input_t no = chat(RDR_INTENT_REFUSE, "no me escribas más");
        (void)state;
        apply(s, &in, t0);
        assert_true(find(s, "cs_test:first_contact:1")->due_at_ms == t0);
        first = s->log_cnt;
        assert_int_equal(apply(s, &la, t0 + HOUR), RDR_CADENCE_APPLIED);
        /* 06:00 in Los Angeles on day 7: 09:00 instead. */
        assert_true(s->c.next_at_ms == utc(2026, 6, 8, 16, 0));
        run_until(s, t0 + 40 * DAY);
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms ==
                    utc(2026, 6, 8, 16, 0));
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 1);
        assert_daytime_from(s, first);
        free(s);

        s = sim_new();
        apply(s, &in, t0);
        apply(s, &no, t0 + HOUR);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(apply(s, &la, t0 + 2 * HOUR), RDR_CADENCE_NOOP);
        free(s);
}

/* The buyer agrees at night in the store's zone, and the guide waits for
 * Madrid's morning; the parcel then says the buyer is in Shanghai, where
 * morning comes six hours sooner: the guide goes then, once. A parcel
 * late at the same time pauses the cadence and still tells the zone; the
 * delivery resumes it in the buyer's daytime. */
static void test_zone_learned_held_and_paused(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 8, 0);      /* 10:00 Madrid */
        int64_t night = utc(2026, 6, 2, 21, 0);  /* 23:00 Madrid */
        int64_t morning = utc(2026, 6, 3, 1, 0); /* 09:00 CST */
        rdr_cadence_input_t in =
            review("aliexpress", "demo-tienda-es", NULL, "es",
                   RDR_REASON_SIZE_FIT, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "vale, la cambio");
        rdr_cadence_input_t shanghai =
            zone_in(RDR_CIN_BUYER_ZONE, "Asia/Shanghai");
        rdr_cadence_input_t pause =
            zone_in(RDR_CIN_SHIPMENT_PAUSE, "Asia/Shanghai");
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        (void)state;
        apply(s, &in, t0);
        apply(s, &agree, night);
        assert_int_equal(s->c.held_step, RDR_STEP_MOD_GUIDE);
        assert_int_equal(apply(s, &shanghai, night + 30 * MIN),
                         RDR_CADENCE_APPLIED);
        assert_int_equal(s->out.timers_cnt, 1);
        assert_true(s->out.timers[0].fire_at_ms == morning);
        run_until(s, utc(2026, 6, 3, 12, 0));
        assert_true(find(s, "cs_test:modification_guide:1")->due_at_ms ==
                    morning);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 1);
        free(s);

        s = sim_new();
        t0 = utc(2026, 6, 1, 5, 0); /* 07:00 Madrid: first contact waits */
        in.review.review_at_ms = t0;
        apply(s, &in, t0);
        assert_int_equal(apply(s, &pause, t0 + 30 * MIN), RDR_CADENCE_APPLIED);
        assert_true(s->c.ship_paused);
        assert_true(s->c.zone_learned_at_ms == t0 + 30 * MIN);
        assert_int_equal(s->out.timers_cnt, 0);
        assert_string_equal(s->c.zone, "Asia/Shanghai");
        /* Delivered at 22:00 in Shanghai: the first contact at 09:00. */
        apply(s, &delivered, utc(2026, 6, 3, 14, 0));
        run_until(s, utc(2026, 6, 4, 12, 0));
        assert_true(find(s, "cs_test:first_contact:1")->due_at_ms ==
                    utc(2026, 6, 4, 1, 0));
        assert_daytime(s);
        free(s);
}

/* ---- shipments (BEHAVIOR.md section 7) -------------------------------- */

static void test_shipment_pause_at_open(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        (void)state;
        in.review.shipment_paused = 1;
        apply(s, &in, t0);
        assert_int_equal(s->log_cnt, 1); /* the reply only */
        assert_true(s->c.ship_paused);
        run_until(s, t0 + 5 * DAY);
        assert_int_equal(s->log_cnt, 1);
        /* Delivered on day 5: first contact now, the rest 5 days later
         * than the original schedule. */
        apply(s, &delivered, t0 + 5 * DAY);
        assert_true(find(s, "cs_test:first_contact:1")->due_at_ms ==
                    t0 + 5 * DAY);
        assert_true(s->c.shift_ms == 5 * DAY);
        run_until(s, t0 + 13 * DAY);
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms == t0 + 12 * DAY);
        assert_true(find(s, "cs_test:incentive:1")->due_at_ms == t0 + 13 * DAY);
        /* Delivered twice: nothing goes out (the case notes the time: a
         * check's pause from before it is stale). */
        apply(s, &delivered, t0 + 13 * DAY);
        assert_int_equal(s->out.actions_cnt, 0);
        assert_int_equal(s->out.timers_cnt, 0);
        assert_true(s->c.ship_resumed_at_ms == t0 + 13 * DAY);
        free(s);
}

/* A review that opens its case while the order's parcel holds the
 * outreach marks the case on every track, as the parcel's pause marks a
 * case opened before it: a malicious case says ship_paused all the same
 * (and so does one the buyer's refusal closed at once), and none sends
 * outreach. */
static void test_shipment_pause_at_open_any_track(void **state) {
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        int k;
        (void)state;
        for (k = 0; k < 3; k++) {
                sim_t *s = sim_new(), *later = sim_new();
                rdr_cadence_input_t in =
                    tb_review(RDR_REASON_LOGISTICS,
                              k == 0 ? RDR_MAL_EXTORTION : RDR_MAL_NONE, t0);
                rdr_cadence_input_t pause = simple(RDR_CIN_SHIPMENT_PAUSE);
                in.review.buyer_refused = k == 1;
                /* The parcel's pause after the opening: the same record. */
                apply(later, &in, t0);
                apply(later, &pause, t0);
                in.review.shipment_paused = 1;
                apply(s, &in, t0);
                assert_true(s->c.ship_paused);
                assert_int_equal(s->c.state, later->c.state);
                assert_int_equal(count_outreach(s), 0);
                /* (a closed case takes no pause: nothing to hold) */
                assert_int_equal(later->c.ship_paused, k != 1);
                free(s);
                free(later);
        }
}

static void test_shipment_pause_mid_cadence(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t pause = simple(RDR_CIN_SHIPMENT_PAUSE);
        rdr_cadence_input_t delivered = simple(RDR_CIN_SHIPMENT_RESUME);
        (void)state;
        apply(s, &in, t0);
        apply(s, &pause, t0 + 6 * DAY);
        assert_int_equal(apply(s, &pause, t0 + 6 * DAY + 1), RDR_CADENCE_NOOP);
        run_until(s, t0 + 10 * DAY); /* the follow-up timer fires: stale */
        assert_int_equal(count_outreach(s), 1);
        apply(s, &delivered, t0 + 10 * DAY);
        run_until(s, t0 + 11 * DAY + HOUR);
        assert_true(find(s, "cs_test:follow_up:1")->due_at_ms == t0 + 11 * DAY);
        free(s);
}

/* Section 7: a logistics review the carrier caused, on Amazon: the case
 * says so, the appeal asks to strike it through, and customer service
 * goes on. */
static void test_carrier_at_fault_amazon(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 15, 0);
        rdr_cadence_input_t in =
            review("amazon", "demo-amazon-us", "America/New_York", "en",
                   RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_evidence_t ev = {"shipment", "trk-1",
                             "carrier scan gap of 9 days, carrier at fault", 0};
        const rdr_cadence_action_t *a;
        (void)state;
        in.review.carrier_at_fault = 1;
        in.review.evidence = &ev;
        in.review.evidence_cnt = 1;
        apply(s, &in, t0);
        assert_int_equal(s->log_cnt, 3);
        a = find(s, "cs_test:appeal:1");
        assert_int_equal(a->kind, RDR_ACT_APPEAL_FILE);
        assert_string_equal(a->template_id, "en/appeal.file/carrier_delay");
        assert_true(a->deadline_at_ms == t0 + 90 * DAY);
        assert_int_equal(a->evidence_cnt, 2);
        assert_true(s->c.carrier_at_fault);
        find(s, "cs_test:first_contact:1");
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        free(s);
        /* Without the shipment's record Amazon asks for, no appeal: the
         * case says which rule kept it back. */
        s = sim_new();
        in.review.evidence = NULL;
        in.review.evidence_cnt = 0;
        apply(s, &in, t0);
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 0);
        assert_int_equal(s->c.blocked_cnt, 1);
        assert_int_equal(s->c.blocked[0].step, RDR_STEP_APPEAL);
        print_message("carrier appeal blocked by %s\n", s->c.blocked[0].rule);
        assert_true(s->c.blocked[0].rule[0] != '\0');
        find(s, "cs_test:first_contact:1");
        free(s);
}

/* Two appeals of one case: the carrier's delay at the opening, then the
 * review edited into abuse. The platform rejecting the first leaves the
 * case waiting for the second's answer, which decides it. */
static void test_an_earlier_appeal_rejected_leaves_the_later(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 15, 0);
        rdr_cadence_input_t in =
            review("amazon", "demo-amazon-us", "America/New_York", "en",
                   RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        rdr_cadence_input_t result = simple(RDR_CIN_APPEAL_RESULT);
        rdr_evidence_t ev = {"shipment", "trk-1",
                             "carrier scan gap of 9 days, carrier at fault", 0};
        (void)state;
        in.review.carrier_at_fault = 1;
        in.review.evidence = &ev;
        in.review.evidence_cnt = 1;
        apply(s, &in, t0);
        assert_int_equal(find(s, "cs_test:appeal:1")->kind,
                         RDR_ACT_APPEAL_FILE);
        up.rating = 1;
        up.edit.malicious = RDR_MAL_ABUSIVE;
        up.edit.text = "the seller is an idiot";
        apply(s, &up, t0 + DAY);
        assert_int_equal(find(s, "cs_test:appeal:2")->kind,
                         RDR_ACT_APPEAL_FILE);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        result.outcome = RDR_OUTCOME_REJECTED;
        result.answered_attempt = 1;
        apply(s, &result, t0 + 2 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        result.outcome = RDR_OUTCOME_ACCEPTED;
        result.answered_attempt = 2;
        apply(s, &result, t0 + 5 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_APPEAL_ACCEPTED);
        free(s);
}

/* ---- the malicious track (BEHAVIOR.md section 3) ---------------------- */

/* An abusive review on Taobao is appealed to have its text removed
 * (remedy remove_text): the platform accepting it closes the case, but
 * does not resolve it, since the rating stands; on eBay the same ground
 * removes the review, and its acceptance resolves the case. */
static void test_text_removed_is_not_resolved(void **state) {
        static const struct {
                const char *platform, *store;
                rdr_case_state_t state;
        } cases[] = {
            {"taobao", "demo-taobao-shop", RDR_CASE_STATE_CLOSED},
            {"ebay", "ebay-store", RDR_CASE_STATE_RESOLVED},
        };
        size_t i;
        (void)state;
        for (i = 0; i < 2; i++) {
                sim_t *s = sim_new();
                int64_t t0 = utc(2026, 6, 1, 2, 0);
                rdr_cadence_input_t in = review(
                    cases[i].platform, cases[i].store, "Asia/Shanghai", "zh",
                    RDR_REASON_PRODUCT_QUALITY, RDR_MAL_ABUSIVE, t0);
                rdr_cadence_input_t result = simple(RDR_CIN_APPEAL_RESULT);
                apply(s, &in, t0);
                assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
                assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 1);
                result.outcome = RDR_OUTCOME_ACCEPTED;
                apply(s, &result, t0 + 5 * DAY);
                assert_int_equal(s->c.state, cases[i].state);
                assert_int_equal(s->c.close_reason, RDR_CLOSE_APPEAL_ACCEPTED);
                free(s);
        }
}

/* A legitimate case whose review the buyer edits into a demand: the
 * cadence stops, the buyer is tagged, and the new text is the evidence
 * Taobao's rule asks for: the appeal goes out with the edit, before the
 * follow-up; a second edit saying the same adds nothing. */
static void test_review_edited_into_a_demand_is_appealed(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            demo_taobao_review(RDR_REASON_SIZE_FIT, RDR_MAL_NONE, t0);
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        const char *demand = "尺码偏小。给我返现50元，不然差评一直挂着";
        const rdr_cadence_action_t *a;
        rdr_action_msg_t am;
        rdr_evidence_t ev[RDR_CASE_EVIDENCE_MAX];
        size_t outreach;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 2 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        outreach = count_outreach(s);
        assert_int_equal(outreach, 1); /* the first contact */
        up.rating = 1;
        up.edit.malicious = RDR_MAL_EXTORTION;
        up.edit.demand_in_text = 1;
        up.edit.text = demand;
        up.edit.edited_at_ms = t0 + 2 * DAY;
        apply(s, &up, t0 + 2 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(s->c.malicious, RDR_MAL_EXTORTION);
        assert_int_equal(s->tagged, RDR_MAL_EXTORTION);
        a = find(s, "cs_test:appeal:1");
        assert_string_equal(a->template_id, "zh/appeal.file/extortion");
        assert_true(a->deadline_at_ms == t0 + 30 * DAY);
        rdr_cadence_action_msg(&s->c, a, ev, &am);
        assert_int_equal(am.evidence_cnt, 2);
        assert_string_equal(am.evidence[0].text, "Broke after two days.");
        assert_string_equal(am.evidence[1].kind, "review");
        assert_string_equal(am.evidence[1].text, demand);
        assert_true(am.evidence[1].at_ms == t0 + 2 * DAY);
        up.edit.edited_at_ms = t0 + 3 * DAY;
        apply(s, &up, t0 + 3 * DAY);
        assert_int_equal(s->c.evidence_cnt, 2);
        run_until(s, t0 + 20 * DAY);
        assert_int_equal(count_outreach(s), outreach);
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 1);
        free(s);
}

static void test_extortion_appeal_with_evidence(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        int64_t posted = t0 - 2 * HOUR;
        rdr_cadence_input_t in = demo_taobao_review(RDR_REASON_PRODUCT_QUALITY,
                                                    RDR_MAL_EXTORTION, posted);
        rdr_cadence_input_t demand =
            chat(RDR_INTENT_EXTORTION, "给我退50元，不然不改差评");
        rdr_cadence_input_t result = simple(RDR_CIN_APPEAL_RESULT);
        const rdr_cadence_action_t *a;
        rdr_action_msg_t am;
        rdr_evidence_t ev[RDR_CASE_EVIDENCE_MAX];
        (void)state;
        apply(s, &in, t0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_MALICIOUS);
        assert_int_equal(s->tagged, RDR_MAL_EXTORTION);
        assert_int_equal(s->log_cnt, 1);
        assert_string_equal(s->log[0].template_id, "zh/reply.public/malicious");
        /* Taobao wants the chat record: wait for it, with a reminder at
         * the window's end minus 5 days and the window's end armed. */
        assert_int_equal(s->out.timers_cnt, 3);
        assert_true(s->out.timers[1].step == RDR_STEP_APPEAL_EVIDENCE &&
                    s->out.timers[1].fire_at_ms == posted + 25 * DAY);
        assert_true(s->out.timers[2].step == RDR_STEP_APPEAL_END &&
                    s->out.timers[2].fire_at_ms == posted + 30 * DAY);
        demand.chat.sent_at_ms = t0 + 2 * DAY;
        apply(s, &demand, t0 + 2 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        a = find(s, "cs_test:appeal:1");
        assert_int_equal(a->channel, RDR_CHAN_PLATFORM_APPEAL);
        assert_string_equal(a->template_id, "zh/appeal.file/extortion");
        assert_true(a->deadline_at_ms == posted + 30 * DAY);
        assert_int_equal(a->evidence_cnt, 2);
        rdr_cadence_action_msg(&s->c, a, ev, &am);
        assert_int_equal(am.evidence_cnt, 2);
        assert_string_equal(am.evidence[0].kind, "review");
        assert_string_equal(am.evidence[1].kind, "chat");
        assert_string_equal(am.evidence[1].text, "给我退50元，不然不改差评");
        assert_true(am.evidence[1].at_ms == t0 + 2 * DAY);
        run_until(s, t0 + 15 * DAY);
        /* No outreach, no incentive, ever; no evidence reminder either. */
        assert_int_equal(count_outreach(s), 0);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        result.outcome = RDR_OUTCOME_ACCEPTED;
        apply(s, &result, t0 + 15 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_APPEAL_ACCEPTED);
        /* The check for an unanswered appeal then fires stale. */
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        free(s);
}

/* The platform never answers the appeal: appeal_answer_within (14 d)
 * after filing an agent is asked to check it, and appeal_close_after
 * (30 d) after filing the case closes, so that it is not kept open for
 * ever. An acceptance that comes later still resolves it; a rejection
 * only records the outcome. */
static void test_appeal_unanswered(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        int64_t filed = t0 + 2 * DAY;
        rdr_cadence_input_t in = demo_taobao_review(RDR_REASON_PRODUCT_QUALITY,
                                                    RDR_MAL_EXTORTION, t0);
        rdr_cadence_input_t demand =
            chat(RDR_INTENT_EXTORTION, "给我退50元，不然不改差评");
        rdr_cadence_input_t result = simple(RDR_CIN_APPEAL_RESULT);
        const rdr_cadence_action_t *a;
        (void)state;
        apply(s, &in, t0);
        apply(s, &demand, filed);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        run_until(s, filed + 14 * DAY - HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 0);
        run_until(s, filed + 14 * DAY);
        a = find(s, "cs_test:appeal_unanswered:1");
        assert_int_equal(a->kind, RDR_ACT_STAFF_REVIEW);
        assert_int_equal(a->channel, RDR_CHAN_STAFF);
        /* In the staff's language (this store's: zh). */
        assert_string_equal(a->template_id,
                            "zh/staff.review/appeal_unanswered");
        assert_true(a->due_at_ms == filed + 14 * DAY);
        assert_true(a->deadline_at_ms == filed + 30 * DAY);
        assert_non_null(strstr(a->message, "尚未答复"));
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        run_until(s, filed + 30 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        assert_int_equal(s->out.case_event, RDR_CASE_CLOSED);
        assert_int_equal(s->timers_cnt, 0);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 1);
        assert_int_equal(count_outreach(s), 0);

        /* The platform answers after all. */
        result.outcome = RDR_OUTCOME_ACCEPTED;
        assert_int_equal(apply(s, &result, filed + 40 * DAY),
                         RDR_CADENCE_APPLIED);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_APPEAL_ACCEPTED);
        assert_int_equal(s->out.case_event, RDR_CASE_STATE_CHANGED);
        assert_int_equal(apply(s, &result, filed + 41 * DAY), RDR_CADENCE_NOOP);
        free(s);

        /* A late rejection: the case stays closed, with the outcome. */
        s = sim_new();
        apply(s, &in, t0);
        apply(s, &demand, filed);
        run_until(s, filed + 31 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        result.outcome = RDR_OUTCOME_REJECTED;
        apply(s, &result, filed + 40 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_APPEAL_REJECTED);
        assert_false(s->out.has_case_event);
        result.outcome = RDR_OUTCOME_ACCEPTED;
        assert_int_equal(apply(s, &result, filed + 41 * DAY), RDR_CADENCE_NOOP);
        free(s);

        /* A case that expired on the legitimate track is not reopened by
         * an answer to a carrier appeal: only an unanswered appeal is. */
        s = sim_new();
        in = tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        apply(s, &in, t0);
        run_until(s, t0 + 31 * DAY);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        result.outcome = RDR_OUTCOME_ACCEPTED;
        assert_int_equal(apply(s, &result, t0 + 32 * DAY), RDR_CADENCE_NOOP);
        free(s);
}

/* Extortion written in the review itself ("refund me or this review
 * stays") is its own evidence of the demand: Taobao's extortion ground
 * (review + demand) is met at once, and the appeal is filed as the case
 * opens, not left for an agent to find a chat 25 days later. */
static void test_extortion_in_the_review_is_its_evidence(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            demo_taobao_review(RDR_REASON_OTHER, RDR_MAL_EXTORTION, t0);
        const rdr_cadence_action_t *a;
        (void)state;
        in.review.text = "给我返现20块我就把差评删了";
        in.review.demand_in_text = 1;
        apply(s, &in, t0);
        assert_int_equal(s->c.review_demands, 1);
        a = find(s, "cs_test:appeal:1");
        assert_int_equal(a->kind, RDR_ACT_APPEAL_FILE);
        assert_true(a->due_at_ms == t0);
        assert_true(a->deadline_at_ms == t0 + 30 * DAY);
        assert_int_equal(a->evidence_cnt, 1);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 1);
        assert_int_equal(count_outreach(s), 0);
        free(s);
}

static void test_extortion_missing_evidence(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            demo_taobao_review(RDR_REASON_OTHER, RDR_MAL_EXTORTION, t0);
        const rdr_cadence_action_t *a;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 25 * DAY);
        a = find(s, "cs_test:appeal_evidence:1");
        assert_int_equal(a->kind, RDR_ACT_STAFF_REVIEW);
        assert_true(a->due_at_ms == t0 + 25 * DAY);
        assert_true(a->deadline_at_ms == t0 + 30 * DAY);
        assert_string_equal(a->template_id, "zh/staff.review/appeal_evidence");
        assert_non_null(strstr(a->message, "demand"));
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_APPEAL_EXPIRED);
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 0);
        assert_int_equal(count_outreach(s), 0);
        free(s);
}

/* case_ttl ends the cadence, not the appeal: a store's 14 days leave a
 * malicious case open until the platform's window closes (Taobao's 30
 * days), with the evidence reminder at its end minus 5 days. */
static void test_case_ttl_leaves_the_appeal_window_open(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            review("taobao", "short-store", "Asia/Shanghai", "zh",
                   RDR_REASON_OTHER, RDR_MAL_EXTORTION, t0);
        rdr_cadence_input_t demand =
            chat(RDR_INTENT_EXTORTION, "给我退50元，不然不改差评");
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 20 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_MALICIOUS);
        run_until(s, t0 + 25 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 1);
        /* The chat record the reminder asked for: the appeal goes. */
        demand.chat.sent_at_ms = t0 + 26 * DAY;
        apply(s, &demand, t0 + 26 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 1);
        free(s);
        /* Without it, the window's end closes the case. */
        s = sim_new();
        apply(s, &in, t0);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_APPEAL_EXPIRED);
        free(s);
        /* A legitimate case of the store still closes at 14 days. */
        s = sim_new();
        in = review("taobao", "short-store", "Asia/Shanghai", "zh",
                    RDR_REASON_OTHER, RDR_MAL_NONE, t0);
        apply(s, &in, t0);
        run_until(s, t0 + 15 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        free(s);
}

static void test_professional_and_abusive(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_PROFESSIONAL, t0);
        rdr_evidence_t profile = {"buyer_profile", "buyer-1",
                                  "account 12 days old, 41 negative reviews",
                                  0};
        (void)state;
        in.review.evidence = &profile;
        in.review.evidence_cnt = 1;
        apply(s, &in, t0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(s->tagged, RDR_MAL_PROFESSIONAL);
        assert_string_equal(find(s, "cs_test:appeal:1")->template_id,
                            "en/appeal.file/professional");
        free(s);

        /* Abusive: delete the text; the reply stays polite; no tag. */
        s = sim_new();
        in = review("taobao", "tb-store", "Asia/Shanghai", "en",
                    RDR_REASON_PRODUCT_QUALITY, RDR_MAL_ABUSIVE, t0);
        apply(s, &in, t0);
        assert_int_equal(s->tagged, RDR_MAL_NONE);
        assert_string_equal(find(s, "cs_test:appeal:1")->template_id,
                            "en/appeal.file/abusive");
        assert_non_null(strstr(find(s, "cs_test:appeal:1")->message,
                               "remove the offending text"));
        assert_string_equal(find(s, "cs_test:reply:1")->template_id,
                            "en/reply.public/malicious");
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_outreach(s), 0);
        free(s);
}

/* A legitimate case whose buyer turns to extortion in chat. */
static void test_chat_turns_extortionate(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t demand =
            chat(RDR_INTENT_EXTORTION, "pay me 100 or the review stays");
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 7 * DAY + HOUR);
        apply(s, &demand, t0 + 7 * DAY + 2 * HOUR);
        assert_int_equal(s->out.tag_buyer, RDR_MAL_EXTORTION);
        /* Taobao's evidence (review + chat) is complete: appeal at once. */
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(s->c.malicious, RDR_MAL_EXTORTION);
        assert_int_equal(s->out.actions_cnt, 1);
        assert_int_equal(s->out.actions[0].kind, RDR_ACT_APPEAL_FILE);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_outreach(s), 2); /* first contact, follow-up */
        free(s);
}

/* A buyer tagged extortion in another store (or on another order) after
 * this case opened: the next step sends nothing; the case moves to the
 * malicious track with the tag as evidence. Taobao also wants the chat
 * record, which this case does not have: the staff is asked for it. */
static void test_buyer_tagged_since_extortion(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        const rdr_cadence_action_t *a;
        rdr_action_msg_t am;
        rdr_evidence_t ev[RDR_CASE_EVIDENCE_MAX];
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 7 * DAY + HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 1);
        s->buyer_tag = RDR_MAL_EXTORTION;
        run_until(s, t0 + 8 * DAY + HOUR);
        assert_int_equal(s->c.state, RDR_CASE_STATE_MALICIOUS);
        assert_int_equal(s->c.malicious, RDR_MAL_EXTORTION);
        assert_int_equal(s->out.case_event, RDR_CASE_STATE_CHANGED);
        assert_int_equal(s->c.evidence_cnt, 2);
        assert_int_equal(s->c.evidence[1].kind, RDR_EVIDENCE_BUYER_PROFILE);
        assert_string_equal(s->c.evidence[1].text,
                            "buyer tagged extortion in the fleet");
        assert_true(s->c.evidence[1].at_ms == t0 + 8 * DAY);
        run_until(s, t0 + 60 * DAY);
        /* No incentive, no nudge: first contact and follow-up only. */
        assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_outreach(s), 2);
        a = find(s, "cs_test:appeal_evidence:1");
        assert_true(a->due_at_ms == t0 + 25 * DAY);
        assert_non_null(strstr(a->message, "demand"));
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 0);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_APPEAL_EXPIRED);
        free(s);

        /* Tagged professional: Taobao's grounds need the review and the
         * buyer's profile, which the tag is: the appeal goes at once. */
        s = sim_new();
        apply(s, &in, t0);
        s->buyer_tag = RDR_MAL_PROFESSIONAL;
        run_until(s, t0 + 7 * DAY + HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(s->tagged, RDR_MAL_PROFESSIONAL);
        a = find(s, "cs_test:appeal:1");
        assert_string_equal(a->template_id, "en/appeal.file/professional");
        rdr_cadence_action_msg(&s->c, a, ev, &am);
        assert_int_equal(am.evidence_cnt, 2);
        assert_string_equal(am.evidence[1].kind, "buyer_profile");
        assert_string_equal(am.evidence[1].ref, "buyer-1");
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_outreach(s), 1); /* the first contact */
        free(s);
}

/* The buyer agreed to update the review, then was tagged a competitor
 * elsewhere: the check sends no reminder, and the appeal (Taobao hears a
 * peer's review on the review alone) goes at once. A tag read for a stale
 * timer changes nothing. */
static void test_buyer_tagged_since_agreeing(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t agree = chat(RDR_INTENT_AGREE, "好的，我改一下");
        rdr_cadence_input_t stale = simple(RDR_CIN_TIMER);
        (void)state;
        apply(s, &in, t0);
        apply(s, &agree, t0 + DAY);
        s->buyer_tag = RDR_MAL_COMPETITOR;
        run_until(s, t0 + 29 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_MODIFICATION_GUIDE), 1);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(s->c.malicious, RDR_MAL_COMPETITOR);
        assert_string_equal(find(s, "cs_test:appeal:1")->template_id,
                            "en/appeal.file/competitor");
        free(s);

        s = sim_new();
        apply(s, &in, t0);
        stale.timer.step = RDR_STEP_FOLLOW_UP;
        stale.timer.attempt = 1;
        stale.timer.gen = s->c.next_gen + 7;
        stale.buyer_tag = RDR_MAL_EXTORTION;
        assert_int_equal(apply(s, &stale, t0 + 7 * DAY), RDR_CADENCE_STALE);
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        free(s);
}

/* The other ways a case reaches the buyer (before_path()), each for a
 * buyer tagged competitor since the case opened, and the buyer's own
 * message (no agent answers it, and a refusal does not end the case
 * before its appeal). Each sends the buyer nothing and moves the case to
 * the malicious track, whose appeal (Taobao hears a peer's review on the
 * review alone) goes at once. */
static void test_buyer_tagged_since_other_paths(void **state) {
        sim_t *s;
        int64_t t0 = utc(2026, 6, 1, 2, 0), at;
        rdr_cadence_input_t in =
            tb_review(RDR_REASON_LOGISTICS, RDR_MAL_NONE, t0);
        rdr_cadence_input_t next;
        rdr_cadence_input_t q = chat(RDR_INTENT_QUESTION, "where is it?");
        rdr_cadence_input_t no = chat(RDR_INTENT_REFUSE, "leave me alone");
        const rdr_cadence_input_t *after[] = {&q, &no};
        size_t i;
        int path;
        (void)state;

        for (path = 0; path < PATH__CNT; path++) {
                s = before_path((path_t)path, t0, &next, &at);
                s->buyer_tag = RDR_MAL_COMPETITOR;
                apply(s, &next, at);
                assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
                assert_int_equal(s->c.malicious, RDR_MAL_COMPETITOR);
                assert_int_equal(s->c.offer_pending, 0);
                assert_string_equal(s->c.evidence[1].text,
                                    "buyer tagged competitor in the fleet");
                if (path == PATH_DELIVERY)
                        assert_false(s->c.ship_paused);
                run_until(s, t0 + 60 * DAY);
                assert_int_equal(count_kind(s, RDR_ACT_INCENTIVE), 0);
                assert_int_equal(count_outreach(s), path_outreach[path]);
                free(s);
        }

        /* The buyer writes: a question, or a refusal. */
        for (i = 0; i < 2; i++) {
                s = sim_new();
                apply(s, &in, t0);
                s->buyer_tag = RDR_MAL_COMPETITOR;
                apply(s, after[i], t0 + 2 * DAY);
                assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 0);
                assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
                assert_int_equal(s->c.malicious, RDR_MAL_COMPETITOR);
                run_until(s, t0 + 60 * DAY);
                assert_int_equal(count_outreach(s), 1);
                free(s);
        }

        /* Not tagged: the same question is answered by an agent. */
        s = sim_new();
        apply(s, &in, t0);
        apply(s, &q, t0 + 2 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 1);
        assert_int_equal(s->c.state, RDR_CASE_STATE_PAUSED);
        free(s);
}

/* The store's name (playbook `name`) in what it sends; unset, the
 * template's "our store" to the buyer, and the store_id in an appeal (the
 * platform knows the store by it). */
static void test_store_name(void **state) {
        static const char *const stores[] = {"named-store", "tb-store"};
        static const char *const to_buyer[] = {"this is Acme Outfitters",
                                               "this is our store"};
        static const char *const in_appeal[] = {"Store Acme Outfitters",
                                                "Store tb-store"};
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        size_t i;
        (void)state;
        for (i = 0; i < 2; i++) {
                sim_t *s = sim_new();
                rdr_cadence_input_t in =
                    review("taobao", stores[i], "Asia/Shanghai", "en",
                           RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
                rdr_cadence_input_t demand =
                    chat(RDR_INTENT_EXTORTION, "pay me or the review stays");
                apply(s, &in, t0);
                assert_non_null(strstr(
                    find(s, "cs_test:first_contact:1")->message, to_buyer[i]));
                apply(s, &demand, t0 + DAY);
                assert_non_null(
                    strstr(find(s, "cs_test:appeal:1")->message, in_appeal[i]));
                free(s);
        }
}

/* Amazon hears no extortion appeal: blocked with the rule. */
static void test_amazon_extortion_not_heard(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 15, 0);
        rdr_cadence_input_t in =
            review("amazon", "demo-amazon-us", "America/New_York", "en",
                   RDR_REASON_OTHER, RDR_MAL_EXTORTION, t0);
        rdr_cadence_input_t demand = chat(RDR_INTENT_EXTORTION, "pay me");
        (void)state;
        apply(s, &in, t0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_MALICIOUS);
        assert_int_equal(s->out.blocked_cnt, 1);
        assert_string_equal(s->out.blocked[0].rule, "amazon.appeal_grounds");
        apply(s, &demand, t0 + DAY); /* more evidence, still not heard */
        assert_int_equal(s->out.blocked_cnt, 0);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_outreach(s), 0);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        free(s);
}

/* ---- an agent's appeal (staff.appeal) -------------------------------- */

static rdr_cadence_input_t staff_appeal(rdr_ground_t ground, const char *kind,
                                        const char *text, int64_t at) {
        rdr_cadence_input_t in = simple(RDR_CIN_STAFF_APPEAL);
        in.ground = ground;
        in.agent_id = "agent-7";
        if (kind) {
                in.evidence.kind = kind;
                in.evidence.ref = "sd-1";
                in.evidence.text = text;
                in.evidence.at_ms = at;
        }
        return in;
}

/* The evidence kinds of appeal action a, in order, joined by ','. */
static const char *appeal_kinds(const sim_t *s, const rdr_cadence_action_t *a) {
        static char kinds[256];
        rdr_evidence_t ev[RDR_CASE_EVIDENCE_MAX];
        rdr_action_msg_t am;
        size_t i, n = 0;
        rdr_cadence_action_msg(&s->c, a, ev, &am);
        kinds[0] = '\0';
        for (i = 0; i < am.evidence_cnt; i++)
                n += (size_t)snprintf(kinds + n, sizeof(kinds) - n, "%s%s",
                                      i ? "," : "", am.evidence[i].kind);
        return kinds;
}

/* A review no classifier label calls malicious, that an agent finds
 * unrelated to the order (AliExpress hears that ground with the review and
 * the order as evidence): the outreach stops at once, and the appeal goes
 * out when the order's evidence comes, before the window closes. */
static void test_staff_appeal_unrelated(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 10, 0);
        rdr_cadence_input_t in =
            review("aliexpress", "demo-tienda-es", "Europe/Madrid", "es",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t ap =
            staff_appeal(RDR_GROUND_UNRELATED, NULL, NULL, 0);
        rdr_cadence_input_t ev = simple(RDR_CIN_EVIDENCE);
        const rdr_cadence_action_t *a;
        size_t sent;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 3 * DAY);
        sent = count_outreach(s);
        assert_int_equal(sent, 1); /* the first contact */
        assert_int_equal(apply(s, &ap, t0 + 3 * DAY), RDR_CADENCE_APPLIED);
        assert_int_equal(s->c.state, RDR_CASE_STATE_MALICIOUS);
        assert_int_equal(s->c.malicious, RDR_MAL_NONE);
        assert_int_equal(s->c.staff_ground, RDR_GROUND_UNRELATED);
        assert_int_equal(s->c.appeal_filed, 0); /* no order evidence yet */
        assert_string_equal(s->c.agent_id, "agent-7");
        assert_true(s->c.appeal_deadline_ms == t0 + 30 * DAY);
        assert_int_equal(s->c.next_step, RDR_STEP_NONE);
        /* No follow-up at +7 d, no offer at +8 d. */
        run_until(s, t0 + 10 * DAY);
        assert_int_equal(count_outreach(s), sent);
        ev.evidence.kind = "order";
        ev.evidence.ref = "sd-2";
        ev.evidence.text = "Order ord-1 holds a phone case; the review is "
                           "about a laptop.";
        ev.evidence.at_ms = t0 + 10 * DAY;
        apply(s, &ev, t0 + 10 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        a = find(s, "cs_test:appeal:1");
        assert_int_equal(a->kind, RDR_ACT_APPEAL_FILE);
        assert_int_equal(a->channel, RDR_CHAN_PLATFORM_APPEAL);
        assert_true(a->deadline_at_ms == t0 + 30 * DAY);
        assert_string_equal(appeal_kinds(s, a), "review,order");
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_outreach(s), sent);
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 1);
        free(s);
}

/* A refusal stops outreach, not an appeal: an agent's staff.appeal takes
 * a case the buyer's refusal closed to the appeal track, and the appeal
 * goes out with the order's record; the buyer hears nothing more. */
static void test_staff_appeal_after_a_refusal(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 10, 0);
        rdr_cadence_input_t in =
            review("aliexpress", "demo-tienda-es", "Europe/Madrid", "es",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t no =
            chat(RDR_INTENT_REFUSE, "No me contacten más, no voy a cambiarla");
        rdr_cadence_input_t ap = staff_appeal(
            RDR_GROUND_UNRELATED, "order",
            "Order ord-1 holds a phone case; the review is about a laptop.",
            t0 + 5 * DAY);
        size_t sent;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 3 * DAY);
        apply(s, &no, t0 + 3 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
        sent = count_outreach(s);
        apply(s, &ap, t0 + 5 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_NONE);
        assert_string_equal(appeal_kinds(s, find(s, "cs_test:appeal:1")),
                            "review,order");
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(count_outreach(s), sent);
        free(s);
}

/* A demand after a refusal on a platform that hears no appeal (Shopify):
 * the case takes the malicious track, its appeal blocked, and still ends
 * at case_ttl (the refusal's close had taken its timer). */
static void test_demand_after_a_refusal_ends(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 14, 0);
        rdr_cadence_input_t in =
            review("shopify", "shop-store", "America/Halifax", "es",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t no =
            chat(RDR_INTENT_REFUSE, "No me contacten más, no voy a cambiarla");
        rdr_cadence_input_t demand =
            chat(RDR_INTENT_EXTORTION, "Puedo quitarla, pero quiero mi dinero");
        (void)state;
        apply(s, &in, t0);
        apply(s, &no, t0 + HOUR);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_REFUSED);
        apply(s, &demand, t0 + 2 * HOUR);
        assert_int_equal(s->c.state, RDR_CASE_STATE_MALICIOUS);
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 0);
        run_until(s, t0 + 60 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_CLOSED);
        assert_int_equal(s->c.close_reason, RDR_CLOSE_EXPIRED);
        free(s);
}

/* A case whose evidence is full (RDR_CASE_EVIDENCE_MAX: the review and
 * an agent's seven notes) still takes the order's record the appeal
 * needs, in the place of the latest note: the appeal goes out with it. */
static void test_full_evidence_takes_a_kind_it_lacks(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 10, 0);
        rdr_cadence_input_t in =
            review("aliexpress", "demo-tienda-es", "Europe/Madrid", "es",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t ap =
            staff_appeal(RDR_GROUND_UNRELATED, NULL, NULL, 0);
        rdr_cadence_input_t ev = simple(RDR_CIN_EVIDENCE);
        char texts[RDR_CASE_EVIDENCE_MAX][32];
        int i;
        (void)state;
        apply(s, &in, t0);
        apply(s, &ap, t0 + DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_MALICIOUS);
        ev.evidence.kind = "other";
        ev.evidence.ref = "sd-note";
        for (i = 1; i < RDR_CASE_EVIDENCE_MAX; i++) {
                snprintf(texts[i], sizeof(texts[i]), "agent note %d", i);
                ev.evidence.text = texts[i];
                ev.evidence.at_ms = t0 + DAY + i;
                apply(s, &ev, t0 + DAY + i);
        }
        assert_int_equal(s->c.evidence_cnt, RDR_CASE_EVIDENCE_MAX);
        assert_int_equal(s->c.appeal_filed, 0);
        ev.evidence.kind = "order";
        ev.evidence.ref = "sd-2";
        ev.evidence.text = "Order ord-1 holds a phone case; the review is "
                           "about a laptop.";
        apply(s, &ev, t0 + 2 * DAY);
        assert_int_equal(s->c.evidence_cnt, RDR_CASE_EVIDENCE_MAX);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_string_equal(appeal_kinds(s, find(s, "cs_test:appeal:1")),
                            "review,other,other,other,other,other,other,order");
        assert_string_equal(s->c.evidence[6].text, "agent note 6");
        free(s);
}

/* Extortion found in the review's text on AliExpress, with no chat to
 * show it: at window - 5 days an agent is asked for the evidence. The
 * next day the agent appeals it as unrelated to the order, which needs
 * the order's evidence: a second ask, under an id of its own (an
 * integrator that keeps one action per id would drop a second
 * appeal_evidence:1). */
static void test_appeal_evidence_asked_again(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 10, 0);
        rdr_cadence_input_t in =
            review("aliexpress", "demo-tienda-es", "Europe/Madrid", "es",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_EXTORTION, t0);
        rdr_cadence_input_t ap =
            staff_appeal(RDR_GROUND_UNRELATED, NULL, NULL, 0);
        const rdr_cadence_action_t *a1, *a2;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 26 * DAY);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 1);
        a1 = find(s, "cs_test:appeal_evidence:1");
        assert_true(a1->due_at_ms == t0 + 25 * DAY);
        assert_int_equal(apply(s, &ap, t0 + 26 * DAY), RDR_CADENCE_APPLIED);
        assert_int_equal(count_kind(s, RDR_ACT_STAFF_REVIEW), 2);
        a2 = find(s, "cs_test:appeal_evidence:2");
        assert_true(a2->due_at_ms == t0 + 26 * DAY);
        assert_string_not_equal(a1->action_id, a2->action_id);
        free(s);
}

/* A ground the platform does not hear (Taobao: no "unrelated") is
 * recorded as blocked and changes nothing else: the cadence goes on. So
 * does an appeal after the window closed. */
static void test_staff_appeal_not_heard(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            demo_taobao_review(RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        rdr_cadence_input_t ap =
            staff_appeal(RDR_GROUND_UNRELATED, NULL, NULL, 0);
        rdr_cadence_input_t late = staff_appeal(RDR_GROUND_ABUSIVE, "review",
                                                "phone number in the text", 0);
        (void)state;
        apply(s, &in, t0);
        apply(s, &ap, t0 + DAY);
        assert_int_equal(s->out.blocked_cnt, 1);
        assert_string_equal(s->out.blocked[0].rule, "taobao.appeal_grounds");
        assert_int_equal(s->c.state, RDR_CASE_STATE_OUTREACH);
        assert_int_equal(s->c.staff_ground, RDR_GROUND_NONE);
        run_until(s, t0 + 8 * DAY + HOUR);
        assert_int_equal(count_kind(s, RDR_ACT_FOLLOW_UP), 1);
        /* Abusive is heard on Taobao, but 30 days after the review the
         * window has closed. */
        apply(s, &late, t0 + 31 * DAY);
        assert_int_equal(s->out.blocked_cnt, 1);
        assert_string_equal(s->out.blocked[0].rule, "taobao.appeal_window");
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 0);
        free(s);
}

/* A professional's review on Amazon, which does not hear that class
 * (blocked, no appeal), holds personal data: the agent appeals it as
 * abusive, the evidence in the same decision, and the appeal goes out at
 * once. A second decision once filed keeps only its evidence; a case that
 * ended takes none. */
static void test_staff_appeal_other_ground(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 15, 0);
        rdr_cadence_input_t in =
            review("amazon", "demo-amazon-us", "America/New_York", "en",
                   RDR_REASON_OTHER, RDR_MAL_PROFESSIONAL, t0);
        rdr_cadence_input_t ap = staff_appeal(
            RDR_GROUND_ABUSIVE, "review",
            "The review gives the courier's phone number.", t0 + DAY);
        rdr_cadence_input_t again = staff_appeal(
            RDR_GROUND_UNRELATED, "other", "also about another seller", 0);
        rdr_cadence_input_t result = simple(RDR_CIN_APPEAL_RESULT);
        const rdr_cadence_action_t *a;
        (void)state;
        apply(s, &in, t0);
        assert_int_equal(s->c.state, RDR_CASE_STATE_MALICIOUS);
        assert_string_equal(s->out.blocked[0].rule, "amazon.appeal_grounds");
        assert_int_equal(apply(s, &ap, t0 + DAY), RDR_CADENCE_APPLIED);
        assert_int_equal(s->c.state, RDR_CASE_STATE_APPEALED);
        assert_int_equal(s->c.appeal_ground, RDR_GROUND_ABUSIVE);
        a = find(s, "cs_test:appeal:1");
        assert_string_equal(a->template_id, "en/appeal.file/abusive");
        assert_string_equal(appeal_kinds(s, a), "review,review");
        apply(s, &again, t0 + 2 * DAY);
        assert_int_equal(s->c.appeal_ground, RDR_GROUND_ABUSIVE);
        assert_int_equal(s->c.evidence_cnt, 3);
        assert_int_equal(count_kind(s, RDR_ACT_APPEAL_FILE), 1);
        result.outcome = RDR_OUTCOME_ACCEPTED;
        apply(s, &result, t0 + 10 * DAY);
        assert_int_equal(s->c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(apply(s, &again, t0 + 11 * DAY), RDR_CADENCE_NOOP);
        assert_int_equal(count_outreach(s), 0);
        free(s);
}

/* ---- odds and ends ---------------------------------------------------- */

static void test_not_a_case(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in = tb_review(RDR_REASON_NONE, RDR_MAL_NONE, t0);
        rdr_cadence_input_t up = simple(RDR_CIN_REVIEW_UPDATED);
        (void)state;
        in.review.sentiment = RDR_SENT_POSITIVE;
        assert_int_equal(apply(s, &in, t0), RDR_CADENCE_NOOP);
        up.rating = 5;
        assert_int_equal(apply(s, &up, t0), RDR_CADENCE_NO_CASE);
        /* Invalid inputs are errors, with the case untouched. */
        in = review("myspace", "tb-store", NULL, "en", RDR_REASON_OTHER,
                    RDR_MAL_NONE, t0);
        assert_int_equal(
            rdr_cadence_apply(&conf, NULL, &in, t0, &s->c, &s->out),
            RDR_ERR_INVALID);
        assert_non_null(strstr(s->out.errstr, "myspace"));
        assert_int_equal(s->c.version, 0);
        in = review("taobao", "tb-store", NULL, "en", RDR_REASON_OTHER,
                    RDR_MAL_NONE, t0);
        in.review.review_id = "";
        assert_int_equal(
            rdr_cadence_apply(&conf, NULL, &in, t0, &s->c, &s->out),
            RDR_ERR_INVALID);
        free(s);
}

/* Which of the case's fields hold numbers (redress-report --json gives
 * them as JSON numbers): counts, versions, instants; not text or enums. */
static void test_case_field_numeric(void **state) {
        static const struct {
                const char *name;
                int numeric;
        } cases[] = {
            {"version", 1},
            {"rating", 1},
            {"opened_at_ms", 1},
            {"review_at_ms", 1},
            {"state", 0},
            {"case_id", 0},
            {"zone", 0},
            {"blocked.0.attempt", 1},
            {"blocked.3.step", 0},
            {"evidence.1.at_ms", 1},
            {"evidence.1.text", 0},
            {"evidence.2.kind", 0},
            {"future_field", 0},
            {"blocked.x", 0},
        };
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                if (rdr_case_field_numeric(cases[i].name) != cases[i].numeric)
                        fail_msg("%s: %d", cases[i].name,
                                 rdr_case_field_numeric(cases[i].name));
}

static void test_case_fields(void **state) {
        sim_t *s = sim_new();
        int64_t t0 = utc(2026, 6, 1, 2, 0);
        rdr_cadence_input_t in =
            review("amazon", "skip-store", "America/New_York", "en",
                   RDR_REASON_PRODUCT_QUALITY, RDR_MAL_NONE, t0);
        char errstr[256];
        rdr_case_t c;
        (void)state;
        apply(s, &in, t0);
        run_until(s, t0 + 20 * DAY); /* blocks and evidence to serialise */
        roundtrip(&s->c);
        memcpy(&c, &s->c, sizeof(c));
        /* Unknown fields (a newer writer) are ignored. */
        assert_int_equal(rdr_case_set_field(&c, "future_field", "x", 1, errstr,
                                            sizeof(errstr)),
                         RDR_OK);
        assert_memory_equal(&c, &s->c, sizeof(c));
        assert_int_equal(rdr_case_set_field(&c, "state", "resolved", 8, errstr,
                                            sizeof(errstr)),
                         RDR_OK);
        assert_int_equal(c.state, RDR_CASE_STATE_RESOLVED);
        assert_int_equal(rdr_case_set_field(&c, "state", "dancing", 7, errstr,
                                            sizeof(errstr)),
                         RDR_ERR_INVALID);
        assert_non_null(strstr(errstr, "'state'"));
        assert_int_equal(
            rdr_case_set_field(&c, "rating", "9", 1, errstr, sizeof(errstr)),
            RDR_ERR_INVALID);
        assert_int_equal(rdr_case_set_field(&c, "blocked.99.rule", "x", 1,
                                            errstr, sizeof(errstr)),
                         RDR_ERR_INVALID);
        assert_int_equal(rdr_case_set_field(&c, "blocked.1.rule", "x.y", 3,
                                            errstr, sizeof(errstr)),
                         RDR_OK);
        assert_string_equal(c.blocked[1].rule, "x.y");
        free(s);
}

static void test_timer_id_parse(void **state) {
        rdr_cadence_timer_in_t t;
        char id[64];
        (void)state;
        assert_int_equal(
            rdr_cadence_timer_parse("cs_ab:c:nudge:3:17", id, sizeof(id), &t),
            RDR_OK);
        assert_string_equal(id, "cs_ab:c");
        assert_int_equal(t.step, RDR_STEP_NUDGE);
        assert_int_equal(t.attempt, 3);
        assert_int_equal(t.gen, 17);
        assert_int_equal(rdr_cadence_timer_parse("cs:dance:1:2", NULL, 0, &t),
                         RDR_ERR_INVALID);
        assert_int_equal(rdr_cadence_timer_parse("cs:nudge:1:0", NULL, 0, &t),
                         RDR_ERR_INVALID);
        assert_int_equal(rdr_cadence_timer_parse("nudge:1:2", NULL, 0, &t),
                         RDR_ERR_INVALID);
        assert_int_equal(rdr_cadence_timer_parse("cs:nudge:x:2", NULL, 0, &t),
                         RDR_ERR_INVALID);
        /* A member of no case (not one the fleet writes): nothing is read
         * before its first byte (on the heap, for AddressSanitizer). */
        {
                char *odd[] = {strdup(":1:2"), strdup(":nudge:1:2"),
                               strdup("::1:2")};
                size_t i;
                for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
                        assert_non_null(odd[i]);
                        assert_int_equal(
                            rdr_cadence_timer_parse(odd[i], id, sizeof(id), &t),
                            RDR_ERR_INVALID);
                        free(odd[i]);
                }
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taobao_full_cadence),
            cmocka_unit_test(test_case_language),
            cmocka_unit_test(test_amazon_limit_is_per_order),
            cmocka_unit_test(test_case_keeps_its_classification),
            cmocka_unit_test(test_amazon_one_message_then_stop),
            cmocka_unit_test(test_amazon_blocked_rules_recorded),
            cmocka_unit_test(test_case_document),
            cmocka_unit_test(test_amazon_agree),
            cmocka_unit_test(test_refusal_stops_everything),
            cmocka_unit_test(test_refusal_before_the_review),
            cmocka_unit_test(test_rating_raised_resolves),
            cmocka_unit_test(test_rating_lowered_again_reopens),
            cmocka_unit_test(test_reopened_case_sends_no_guide),
            cmocka_unit_test(test_resume_answers_the_latest_message),
            cmocka_unit_test(test_review_edited_into_a_demand_is_appealed),
            cmocka_unit_test(test_removal_resolves),
            cmocka_unit_test(test_refusal_to_the_store),
            cmocka_unit_test(test_refusal_to_the_store_since),
            cmocka_unit_test(test_refusal_to_the_store_not_since),
            cmocka_unit_test(test_order_refusal_the_case_missed),
            cmocka_unit_test(test_refusal_after_an_agreement_read_late),
            cmocka_unit_test(test_case_ttl),
            cmocka_unit_test(test_platform_timings),
            cmocka_unit_test(test_case_ttl_leaves_the_appeal_window_open),
            cmocka_unit_test(test_incentive_names_gesture),
            cmocka_unit_test(test_incentive_over_limit),
            cmocka_unit_test(test_agree_guide_check_reminder),
            cmocka_unit_test(test_buyer_message_pauses),
            cmocka_unit_test(test_replay_is_identical),
            cmocka_unit_test(test_stale_timers),
            cmocka_unit_test(test_new_york_march_dst),
            cmocka_unit_test(test_new_york_november_dst),
            cmocka_unit_test(test_malicious_on_every_platform_renders),
            cmocka_unit_test(test_shanghai_night),
            cmocka_unit_test(test_first_contact_deadline_in_daytime),
            cmocka_unit_test(test_first_contact_held_till_day),
            cmocka_unit_test(test_first_contact_a_week_late),
            cmocka_unit_test(test_guide_held_till_day),
            cmocka_unit_test(test_incentive_held_till_day),
            cmocka_unit_test(test_nudges_follow_the_incentive),
            cmocka_unit_test(test_nudges_wait_for_the_manager),
            cmocka_unit_test(test_reminder_held_till_day),
            cmocka_unit_test(test_guide_waits_for_delivery),
            cmocka_unit_test(test_all_day_contact),
            cmocka_unit_test(test_nothing_past_case_ttl),
            cmocka_unit_test(test_pause_overtaken_by_the_delivery),
            cmocka_unit_test(test_zone_fallback),
            cmocka_unit_test(test_zone_learned_first_contact),
            cmocka_unit_test(test_zone_learned_later_steps),
            cmocka_unit_test(test_zone_learned_held_and_paused),
            cmocka_unit_test(test_shipment_pause_at_open),
            cmocka_unit_test(test_shipment_pause_at_open_any_track),
            cmocka_unit_test(test_shipment_pause_mid_cadence),
            cmocka_unit_test(test_carrier_at_fault_amazon),
            cmocka_unit_test(test_an_earlier_appeal_rejected_leaves_the_later),
            cmocka_unit_test(test_text_removed_is_not_resolved),
            cmocka_unit_test(test_extortion_appeal_with_evidence),
            cmocka_unit_test(test_appeal_unanswered),
            cmocka_unit_test(test_extortion_in_the_review_is_its_evidence),
            cmocka_unit_test(test_extortion_missing_evidence),
            cmocka_unit_test(test_professional_and_abusive),
            cmocka_unit_test(test_chat_turns_extortionate),
            cmocka_unit_test(test_buyer_tagged_since_extortion),
            cmocka_unit_test(test_buyer_tagged_since_agreeing),
            cmocka_unit_test(test_buyer_tagged_since_other_paths),
            cmocka_unit_test(test_store_name),
            cmocka_unit_test(test_amazon_extortion_not_heard),
            cmocka_unit_test(test_staff_appeal_unrelated),
            cmocka_unit_test(test_full_evidence_takes_a_kind_it_lacks),
            cmocka_unit_test(test_staff_appeal_after_a_refusal),
            cmocka_unit_test(test_demand_after_a_refusal_ends),
            cmocka_unit_test(test_appeal_evidence_asked_again),
            cmocka_unit_test(test_staff_appeal_not_heard),
            cmocka_unit_test(test_staff_appeal_other_ground),
            cmocka_unit_test(test_not_a_case),
            cmocka_unit_test(test_case_field_numeric),
            cmocka_unit_test(test_case_fields),
            cmocka_unit_test(test_timer_id_parse),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}

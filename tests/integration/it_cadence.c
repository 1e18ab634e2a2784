/* The outreach cadence through the whole local fleet (reviews, chats,
 * shipments and timer workers) on the shared test clock: the test moves
 * redress:clock:now_ms and reads what the fleet published on
 * redress.actions and redress.cases. The shipment notices too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "clock.h"
#include "casework.h"
#include "event.h"
#include "harness.h"
#include "keys.h"
#include "outmsg.h"
#include "parcel.h"

#define DAY (86400LL * 1000)
#define HOUR (3600LL * 1000)

static h_env_t env;
static int64_t t0;
static pid_t w_reviews, w_chats, w_shipments;

static const char *const test_clock[] = {"REDRESS_CLOCK_SOURCE=test", NULL};
/* The timer worker sleeps until the next due time by the clock it reads,
 * at most timers.idle_max: the test's clock jumps by days, so it looks
 * again often. */
static const char *const timers_env[] = {"REDRESS_CLOCK_SOURCE=test",
                                         "REDRESS_TIMERS_IDLE_MAX=100ms", NULL};

static int64_t clock_now; /* what redress:clock:now_ms holds */

static void set_clock(int64_t ms) {
        redisReply *r = redisCommand(env.redis, "SET redress:clock:now_ms %lld",
                                     (long long)ms);
        freeReplyObject(r);
        clock_now = ms;
}

/* One fleet for the whole group; each test starts 60 days after the
 * previous one's start, at 10:00 in Shanghai (02:00 UTC), so that the
 * clock only moves forward and earlier cases do not get in the way. */
static int group_setup(void **state) {
        int ok;
        (void)state;
        h_start(&env, 4);
        t0 = rdr_time_parse_rfc3339("2026-11-23T02:00:00Z", 20, &ok) - 60 * DAY;
        set_clock(t0 + 60 * DAY);
        w_reviews = h_worker(&env, "reviews", test_clock);
        w_chats = h_worker(&env, "chats", test_clock);
        w_shipments = h_worker(&env, "shipments", test_clock);
        h_worker(&env, "timers", timers_env);
        return 0;
}

static int group_teardown(void **state) {
        (void)state;
        h_stop(&env);
        return 0;
}

static void settle(int64_t now);

static int teardown(void **state) {
        (void)state;
        return 0;
}

static int setup(void **state) {
        (void)state;
        t0 += 60 * DAY;
        set_clock(t0);
        settle(t0);
        return 0;
}

static long long count(const char *script) {
        redisReply *r = redisCommand(env.redis, "EVAL %s 0", script);
        long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
        if (r)
                freeReplyObject(r);
        return v;
}

/* The events published since the last settle(), until their worker has
 * applied them (their dedupe key exists). Events whose id says "-bad" are
 * meant for the dead-letter topic and are not waited for. */
static char pending[64][4 * RDR_EVENT_MAX_EVENT_ID + 1]; /* event ids */
static size_t npending;

static void note_published(const char *json) {
        json_t *doc = json_loads(json, 0, NULL);
        const char *id = json_string_value(json_object_get(doc, "event_id"));
        assert_non_null(id);
        if (!strstr(id, "-bad")) {
                assert_true(npending < sizeof(pending) / sizeof(pending[0]));
                snprintf(pending[npending++], sizeof(pending[0]), "%s", id);
        }
        json_decref(doc);
}

/* Wait up to 10 s until a key matching pattern exists; else fail, saying
 * what did not happen. */
static void wait_key(const char *pattern, const char *what) {
        int i;
        for (i = 0; i < 400; i++, h_sleep_ms(25)) {
                redisReply *r = redisCommand(env.redis, "KEYS %s", pattern);
                size_t n = r && r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
                if (r)
                        freeReplyObject(r);
                if (n > 0)
                        return;
        }
        fail_msg("%s (no key %s)", what, pattern);
}

static void wait_applied(void) {
        size_t k;
        for (k = 0; k < npending; k++) {
                const int len = (int)sizeof(pending[0]) - 1;
                char pattern[sizeof(pending[0]) + 32],
                    what[sizeof(pending[0]) + 32];
                snprintf(pattern, sizeof(pattern), "redress:*:seen:*:%.*s", len,
                         pending[k]);
                snprintf(what, sizeof(what), "event %.*s was never applied",
                         len, pending[k]);
                wait_key(pattern, what);
        }
        npending = 0;
}

/* Wait until every event published has been applied and nothing is due,
 * leased or waiting in an outbox: the fleet will publish nothing more
 * until the clock moves or another event comes. */
static void settle(int64_t now) {
        static const char outboxes[] =
            "return #redis.call('KEYS', 'redress:{[co]:*}:outbox')";
        int stable = 0, i;
        wait_applied();
        for (i = 0; i < 1200 && stable < 3; i++) {
                long long left = h_timers_pending(&env, 16, now, NULL, NULL) +
                                 count(outboxes);
                stable = left == 0 ? stable + 1 : 0;
                h_sleep_ms(50);
        }
        assert_true(stable >= 3);
}

/* Wait until field of the hash at key holds value. */
static void wait_hget(const char *key, const char *field, const char *value) {
        char got[256];
        int i;
        for (i = 0; i < 200; i++, h_sleep_ms(50)) {
                const char *v = h_hget(&env, key, field, got, sizeof(got));
                if (v && !strcmp(v, value))
                        return;
        }
        fail_msg("%s: %s never became %s", key, field, value);
}

/* t is at hh:mm in zone: the daytime of the buyer who lives there. */
static void assert_local_time(const char *zone, int64_t t, int hh, int mm) {
        rdr_localtm_t tm;
        assert_int_equal(rdr_localtime_fields(zone, t, &tm), RDR_OK);
        if (tm.hour != hh || tm.minute != mm)
                fail_msg("%lld is %02d:%02d in %s, not %02d:%02d", (long long)t,
                         tm.hour, tm.minute, zone, hh, mm);
}

/* Wait until the case's hash field holds value: the worker that owns the
 * input has applied it. */
static void wait_field(const char *cid, const char *field, const char *value) {
        int i;
        for (i = 0; i < 200; i++) {
                char got[256];
                int ok = !strcmp(
                    h_case_field(&env, cid, field, got, sizeof(got)), value);
                if (ok)
                        return;
                h_sleep_ms(50);
        }
        fail_msg("case %s: %s never became %s", cid, field, value);
}

/* Wait until case cid has closed as the buyer's refusal closes it. */
static void wait_refused(const char *cid) {
        wait_field(cid, "state", "closed");
        wait_field(cid, "close_reason", "refused");
}

/* Move the clock once every event published so far is applied at the
 * old one (a buyer's chat, and the tag it writes, before the timer step
 * the new time makes due), then wait for the fleet to settle. */
static void advance_to(int64_t ms) {
        wait_applied();
        set_clock(ms);
        settle(ms);
}

/* Move the clock to New York's daytime of t0's day (16:00 UTC: 11:00 or
 * 12:00 there), so that a case of a buyer there opens with its first
 * contact at once, as an Amazon test of the order's limits wants it
 * (out of the buyer's hours, the first contact waits for a timer). */
static void new_york_daytime(void) {
        advance_to(t0 + 14 * HOUR);
}

/* Set: publish_json leaves the flush to the caller, so that events go
 * out together (and reach one batch). */
static int defer_flush;

/* Publish one JSON event to topic, keyed key, and flush. */
static void publish_json(const char *topic, const char *key, const char *json) {
        note_published(json);
        h_produce(&env, topic, key, json, strlen(json), "application/json");
        if (!defer_flush)
                h_flush(&env);
}

/* A review event of order order-<id>. NULL or 0 members take the
 * defaults: store-1, buyer-<id>, sku-9, created at t0, order order-<id>;
 * with tz, the text says its language (en, zh on taobao) and the buyer's
 * profile. */
typedef struct review_ev_s {
        const char *platform, *type, *id, *text, *tz;
        int rating;
        const char *store, *buyer, *product;
        int64_t at;
        const char *order;   /* order-<order> */
        const char *country; /* without tz: the buyer's country alone */
        const char *kind;    /* review_kind, or NULL */
} review_ev_t;

static void publish_review_ev(const review_ev_t *r) {
        char buf[2048], key[160], at[RDR_TIME_RFC3339_SIZE], buyer[160],
            extra[512] = "";
        const char *store = r->store ? r->store : "store-1";
        const char *order = r->order ? r->order : r->id;
        rdr_time_format_rfc3339(r->at ? r->at : t0, at, sizeof(at));
        snprintf(buyer, sizeof(buyer), "%s%s", r->buyer ? "" : "buyer-",
                 r->buyer ? r->buyer : r->id);
        if (r->tz)
                snprintf(extra, sizeof(extra),
                         ",\"language\":\"%s\",\"buyer\":{\"timezone\":"
                         "\"%s\",\"account_level\":5,\"account_age_days\":900,"
                         "\"reviews_total\":40,\"negative_reviews_total\":1}",
                         strncmp(r->platform, "taobao", 6) ? "en" : "zh",
                         r->tz);
        else if (r->country)
                snprintf(extra, sizeof(extra),
                         ",\"buyer\":{\"country\":\"%s\"}", r->country);
        if (r->kind)
                snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
                         ",\"review_kind\":\"%s\"", r->kind);
        snprintf(buf, sizeof(buf),
                 "{\"event_id\":\"%s-%s\",\"type\":\"%s\",\"platform\":\"%s\","
                 "\"store_id\":\"%s\",\"review_id\":\"%s\","
                 "\"order_id\":\"order-%s\",\"buyer_id\":\"%s\","
                 "\"product_id\":\"%s\",\"rating\":%d,\"text\":\"%s\","
                 "\"created_at\":\"%s\"%s}",
                 r->id, r->type + 7, r->type, r->platform, store, r->id, order,
                 buyer, r->product ? r->product : "sku-9", r->rating, r->text,
                 at, extra);
        snprintf(key, sizeof(key), "%s/order-%s", store, order);
        publish_json("redress.reviews", key, buf);
}

static void publish_review(const char *platform, const char *type,
                           const char *id, int rating, const char *text,
                           const char *tz) {
        publish_review_ev(&(review_ev_t){platform, type, id, text, tz, rating,
                                         NULL, NULL, NULL, 0});
}

/* A message from buyer-<buyer> to store about order-<order> (NULL: no
 * order), sent at at (0: 2026-11-23T03:00:00Z, before every test's t0). */
static void publish_chat_at(const char *platform, const char *store,
                            const char *buyer, const char *order,
                            const char *event_id, const char *text,
                            int64_t at) {
        char buf[1024], key[128], order_field[160] = "",
                                  sent[RDR_TIME_RFC3339_SIZE];
        if (order)
                snprintf(order_field, sizeof(order_field),
                         "\"order_id\":\"order-%s\",", order);
        if (at)
                rdr_time_format_rfc3339(at, sent, sizeof(sent));
        else
                snprintf(sent, sizeof(sent), "2026-11-23T03:00:00Z");
        snprintf(buf, sizeof(buf),
                 "{\"event_id\":\"%s\",\"type\":\"chat.message\","
                 "\"platform\":\"%s\",\"store_id\":\"%s\","
                 "\"buyer_id\":\"buyer-%s\",%s"
                 "\"direction\":\"buyer\",\"channel\":\"im\",\"text\":\"%s\","
                 "\"sent_at\":\"%s\"}",
                 event_id, platform, store, buyer, order_field, text, sent);
        snprintf(key, sizeof(key), "%s/buyer-%s", store, buyer);
        publish_json("redress.chats", key, buf);
}

static void publish_chat_in(const char *platform, const char *store,
                            const char *buyer, const char *order,
                            const char *event_id, const char *text) {
        publish_chat_at(platform, store, buyer, order, event_id, text, 0);
}

static void publish_chat(const char *platform, const char *id,
                         const char *event_id, const char *text) {
        publish_chat_in(platform, "store-1", id, id, event_id, text);
}

/* The actions published for one case, in order. */
typedef struct acts_s {
        size_t cnt;
        rdr_action_kind_t kind[64];
        char id[64][128];
        int64_t due[64];
} acts_t;

/* The actions of case_id on redress.actions, each action_id once: until
 * want were read and then nothing new came for quiet_ms, or with
 * quiet_ms < 0 every one published so far. */
static void read_actions_of(const char *case_id, size_t want, int quiet_ms,
                            acts_t *a) {
        h_msg_t *msgs;
        size_t n, i, j;
        n = h_read_topic(&env, "redress.actions", case_id, want, quiet_ms,
                         20000, &msgs);
        memset(a, 0, sizeof(*a));
        for (i = 0; i < n && a->cnt < 64; i++) {
                rdr_action_msg_t am;
                char errstr[256];
                if (rdr_action_msg_from_json(&am, msgs[i].value, msgs[i].len,
                                             errstr, sizeof(errstr)))
                        fail_msg("bad action: %s", errstr);
                /* The same action_id twice is one action in effect. */
                for (j = 0; j < a->cnt; j++)
                        if (!strcmp(a->id[j], am.action_id))
                                break;
                if (j == a->cnt) {
                        a->kind[a->cnt] = am.kind;
                        a->due[a->cnt] = am.due_at_ms;
                        snprintf(a->id[a->cnt++], 128, "%s", am.action_id);
                }
                rdr_action_msg_clear(&am);
        }
        h_msgs_free(msgs, n);
}

/* Wait for want actions of the case (more may still come). */
static void read_actions(const char *case_id, size_t want, acts_t *a) {
        read_actions_of(case_id, want, 200, a);
}

/* Every action of the case once the fleet has settled: what a check that
 * nothing more came reads, without waiting for anything to not happen. */
static void read_settled(const char *case_id, acts_t *a) {
        settle(clock_now);
        read_actions_of(case_id, 0, -1, a);
}

/* The first message on redress.actions that mentions needle (an
 * action_id in quotes, a shipment_id), as text; the caller frees it. */
static char *action_text(const char *needle) {
        h_msg_t *msgs;
        size_t n =
            h_read_topic(&env, "redress.actions", needle, 1, 400, 20000, &msgs);
        char *text;
        assert_true(n >= 1);
        text = malloc(msgs[0].len + 1);
        assert_non_null(text);
        memcpy(text, msgs[0].value, msgs[0].len);
        text[msgs[0].len] = '\0';
        h_msgs_free(msgs, n);
        return text;
}

/* The action action_id says each of texts (NULL-terminated). */
static void assert_action_says(const char *action_id,
                               const char *const *texts) {
        char quoted[RDR_ACTION_ID_MAX + 2], *text;
        snprintf(quoted, sizeof(quoted), "\"%s\"", action_id);
        text = action_text(quoted);
        for (; *texts; texts++)
                if (!strstr(text, *texts))
                        fail_msg("action %s does not say '%s': %s", action_id,
                                 *texts, text);
        free(text);
}

static size_t count_kind(const acts_t *a, rdr_action_kind_t k) {
        size_t i, n = 0;
        for (i = 0; i < a->cnt; i++)
                n += a->kind[i] == k;
        return n;
}

/* The due_at of the first action of kind k (0: none). */
static int64_t due_of(const acts_t *a, rdr_action_kind_t k) {
        size_t i;
        for (i = 0; i < a->cnt; i++)
                if (a->kind[i] == k)
                        return a->due[i];
        return 0;
}

/* The fleet knows taobao buyer as tag (the buyer's tags set). */
static void assert_tagged(const char *buyer, const char *tag) {
        redisReply *r = redisCommand(
            env.redis, "SISMEMBER redress:{b:taobao:%s}:tags %s", buyer, tag);
        assert_non_null(r);
        assert_int_equal(r->integer, 1);
        freeReplyObject(r);
}

static void case_of(const char *platform, const char *review,
                    char out[RDR_ID_LEN]) {
        rdr_case_id(out, platform, "store-1", review);
}

/* Redis' expiry of key, in days (-1: kept for ever, -2: no such key),
 * against the configured retention (retention.*: real time, not the
 * fleet's test clock). */
static void assert_kept(const char *key, long long days) {
        long long ms = h_redis_int(&env, "PTTL", key);
        if (days < 0 ? ms != days
                     : ms <= (days * DAY) - 600000 || ms > days * DAY)
                fail_msg("%s: PTTL %lld ms, want %lld days", key, ms, days);
}

static void print_actions(const acts_t *a) {
        size_t i;
        for (i = 0; i < a->cnt; i++)
                print_message("  %-28s %s\n", rdr_action_kind_names[a->kind[i]],
                              a->id[i]);
}

static void test_taobao_full_cadence(void **state) {
        char cid[RDR_ID_LEN];
        acts_t a;
        int d;
        (void)state;
        case_of("taobao", "rv-full", cid);
        publish_review("taobao", "review.created", "rv-full", 1,
                       "质量太差了，穿了两天就开线了", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        assert_int_equal(a.cnt, 2);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);

        advance_to(t0 + 7 * DAY + 60000);
        read_actions(cid, 3, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);

        advance_to(t0 + 8 * DAY + 60000);
        read_actions(cid, 4, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);

        /* One nudge a day from day 9, up to max_nudges (7), then nothing. */
        for (d = 9; d <= 18; d++) {
                advance_to(t0 + d * DAY + 60000);
                read_actions(cid, d <= 15 ? (size_t)(4 + d - 8) : 11, &a);
                assert_int_equal(count_kind(&a, RDR_ACT_NUDGE),
                                 d <= 15 ? d - 8 : 7);
        }
        print_actions(&a);
        assert_int_equal(a.cnt, 11);
        /* Nudges fall inside the buyer's daytime (09:00-20:00 Shanghai,
         * 01:00-12:00 UTC). */
        for (d = 0; d < (int)a.cnt; d++)
                if (a.kind[d] == RDR_ACT_NUDGE) {
                        int64_t utc_h = (a.due[d] / 3600000) % 24;
                        assert_true(utc_h >= 1 && utc_h < 12);
                }
        /* The order's ledger counts the case's 10 review-related messages
         * (all but the public reply), most written by the timer worker:
         * the order's next reviews count them against per-order limits. */
        {
                char key[256], field[128], got[32];
                rdr_key_order(key, sizeof(key), "taobao", "store-1",
                              "order-rv-full", NULL);
                snprintf(field, sizeof(field), "review_messages:%s", cid);
                assert_non_null(h_hget(&env, key, field, got, sizeof(got)));
                assert_string_equal(got, "10");
        }
}

static void test_refusal_stops_everything(void **state) {
        char cid[RDR_ID_LEN];
        acts_t a;
        size_t before;
        (void)state;
        case_of("taobao", "rv-refuse", cid);
        publish_review("taobao", "review.created", "rv-refuse", 1,
                       "衣服有色差，和图片完全不一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        publish_chat("taobao", "rv-refuse", "chat-refuse-1",
                     "别再联系我了，我不会改评价的");
        wait_field(cid, "state", "closed");
        read_actions(cid, 2, &a);
        before = a.cnt;
        advance_to(t0 + 20 * DAY);
        read_actions(cid, before, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, before);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
        {
                char got[64];
                assert_string_equal(
                    h_case_field(&env, cid, "state", got, sizeof(got)),
                    "closed");
        }
}

/* A buyer's messages read before the review opened a case (one about
 * the order agreeing to update it, one naming no order asking a
 * question) were the order's and the buyer's: delivered again after the
 * case opened (a replay, a publisher's resend), they do nothing to the
 * case: no agent asked, no guide, no pause. */
static void test_chat_replayed_after_the_case_opened(void **state) {
        char cid[RDR_ID_LEN], cid2[RDR_ID_LEN], got[32];
        acts_t a;
        int round;
        (void)state;
        case_of("taobao", "rv-early-chat", cid);
        for (round = 0; round < 2; round++) {
                publish_chat("taobao", "rv-early-chat", "chat-early-agree",
                             "好的，没问题，我会改评价的");
                publish_chat_in("taobao", "store-1", "rv-early-chat", NULL,
                                "chat-early-ask", "请问这个怎么退货？");
                settle(clock_now);
                if (round)
                        break;
                publish_review("taobao", "review.created", "rv-early-chat", 1,
                               "质量太差，穿了一次就开线了", "Asia/Shanghai");
                read_actions(cid, 2, &a);
                settle(clock_now);
        }
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 2); /* the reply and the first contact */
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 0);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "outreach");

        /* A question naming no order reaches the buyer's case; sent again
         * after the buyer's next review opened a second case, it is still
         * the first case's, which heard it: the second hears nothing. */
        publish_chat_at("taobao", "store-1", "rv-early-chat", NULL,
                        "chat-late-ask", "什么时候能退款？", clock_now);
        read_actions(cid, 3, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        case_of("taobao", "rv-early-chat2", cid2);
        publish_review_ev(
            &(review_ev_t){"taobao", "review.created", "rv-early-chat2",
                           "又是质量问题，很失望", "Asia/Shanghai", 2, NULL,
                           "buyer-rv-early-chat", NULL, clock_now});
        read_actions(cid2, 2, &a);
        publish_chat_at("taobao", "store-1", "rv-early-chat", NULL,
                        "chat-late-ask", "什么时候能退款？", clock_now);
        settle(clock_now);
        read_settled(cid2, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 2);
        assert_string_equal(h_case_field(&env, cid2, "state", got, sizeof(got)),
                            "outreach");
        read_settled(cid, &a);
        assert_int_equal(a.cnt, 3);
}

/* A message without an order, or about an order with no case, belongs to
 * the buyer's case in the store it was sent to (BEHAVIOR.md 2.7: "on that
 * order or store"), never to the buyer's case in another store. */
static void test_chat_reaches_the_stores_case(void **state) {
        char cid[RDR_ID_LEN], got[64];
        acts_t a;
        (void)state;
        case_of("taobao", "rv-nostore", cid);
        publish_review("taobao", "review.created", "rv-nostore", 1,
                       "衣服有色差，和图片完全不一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        /* "Don't contact me again" to store-2, where the buyer has no
         * case: applied to the buyer's record, store-1's case untouched. */
        publish_chat_in("taobao", "store-2", "rv-nostore", NULL,
                        "chat-nostore-1", "别再联系我了，我不会改评价的");
        wait_hget("redress:{b:taobao:buyer-rv-nostore}", "last_buyer_intent",
                  "refuse");
        /* A case fed that message would be written by the same pipeline. */
        h_sleep_ms(300);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "outreach");
        /* A question about another order of store-1: the case pauses for
         * an agent's answer. */
        publish_chat_in("taobao", "store-1", "rv-nostore", "rv-nostore-2",
                        "chat-nostore-2", "请问什么时候发货？");
        wait_field(cid, "state", "paused");
        /* "Don't contact me again" to store-1 without an order: its case
         * closes. */
        publish_chat_in("taobao", "store-1", "rv-nostore", NULL,
                        "chat-nostore-3", "别再联系我了，我不会改评价的");
        wait_field(cid, "state", "closed");
}

/* Two negative reviews of buyer-<buyer> in store-1, of orders
 * order-<id>-1 and order-<id>-2, an hour apart from t0: their cases
 * (older, latest) open and reach the buyer (the reply, the first
 * contact). */
static void open_two_cases(const char *id, const char *buyer, const char *text,
                           int rating, char older[RDR_ID_LEN],
                           char latest[RDR_ID_LEN]) {
        char ids[2][64], who[64];
        acts_t a;
        size_t i;
        snprintf(who, sizeof(who), "buyer-%s", buyer);
        for (i = 0; i < 2; i++) {
                snprintf(ids[i], sizeof(ids[i]), "%s-%zu", id, i + 1);
                case_of("taobao", ids[i], i ? latest : older);
                publish_review_ev(
                    &(review_ev_t){"taobao", "review.created", ids[i], text,
                                   "Asia/Shanghai", rating, NULL, who, NULL,
                                   t0 + (int64_t)i * HOUR, NULL, NULL, NULL});
                read_actions(i ? latest : older, 2, &a);
                assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        }
}

/* A buyer with two cases in store-1, of two orders, asks the store a
 * question without naming an order (BEHAVIOR.md 2.7: "on that order or
 * store"): both cases pause and ask an agent, and the older sends no
 * follow-up while the agent answers. The buyer's record lists both
 * (case:store-1:<case_id>); a case whose record is gone leaves the list
 * at the buyer's next message there. */
static json_t *run_report(const char *args, int want);

static void test_question_to_the_store_pauses_each_case(void **state) {
        static const char k_buyer[] = "redress:{b:taobao:buyer-stq}";
        char older[RDR_ID_LEN], latest[RDR_ID_LEN], f[128], got[64];
        const char *cid[2];
        acts_t a;
        redisReply *r;
        json_t *o, *rows;
        int i;
        (void)state;
        open_two_cases("rv-stq", "stq", "衣服有色差，和图片完全不一样", 1,
                       older, latest);
        cid[0] = older;
        cid[1] = latest;
        publish_chat_at("taobao", "store-1", "stq", NULL, "chat-stq-1",
                        "请问什么时候能退款？", t0 + 2 * HOUR);
        for (i = 0; i < 2; i++) {
                wait_field(cid[i], "state", "paused");
                read_actions(cid[i], 3, &a);
                print_actions(&a);
                assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
                snprintf(f, sizeof(f), "case:store-1:%s", cid[i]);
                assert_non_null(h_hget(&env, k_buyer, f, got, sizeof(got)));
        }
        advance_to(t0 + 7 * DAY + 2 * HOUR);
        read_settled(older, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        /* redress-report --buyer lists both, the latest first. */
        o = run_report("--platform taobao --buyer buyer-stq", 0);
        rows = json_object_get(o, "cases");
        assert_int_equal(json_array_size(rows), 2);
        for (i = 0; i < 2; i++) {
                json_t *row = json_array_get(rows, (size_t)i);
                assert_string_equal(
                    json_string_value(json_object_get(row, "case_id")),
                    cid[1 - i]);
                assert_string_equal(
                    json_string_value(json_object_get(row, "state")), "paused");
        }
        json_decref(o);

        r = redisCommand(env.redis, "DEL redress:{c:%s}", older);
        assert_true(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
        freeReplyObject(r);
        publish_chat_at("taobao", "store-1", "stq", NULL, "chat-stq-2",
                        "还有，发票怎么开？", t0 + 7 * DAY + 2 * HOUR);
        snprintf(f, sizeof(f), "case:store-1:%s", older);
        for (i = 0; i < 200 && h_hget(&env, k_buyer, f, got, sizeof(got)); i++)
                h_sleep_ms(50);
        assert_null(h_hget(&env, k_buyer, f, got, sizeof(got)));
        snprintf(f, sizeof(f), "case:store-1:%s", latest);
        assert_non_null(h_hget(&env, k_buyer, f, got, sizeof(got)));
}

/* A buyer with two cases in store-1 (orders rv-<who>-1 and -2) says
 * "don't contact me" in a chat naming order (NULL: none). The cases it
 * reaches (the order's, else both: the buyer's in the store) close at
 * once; the other case sends nothing more either, and closes as refused
 * when its follow-up falls due (the timers worker reads the buyer's
 * refusal with the buyer's tags). */
static void refusal_reaches_both(const char *who, const char *order) {
        char older[RDR_ID_LEN], latest[RDR_ID_LEN], id[32], event_id[64],
            got[64];
        acts_t a;
        size_t i;
        snprintf(id, sizeof(id), "rv-%s", who);
        snprintf(event_id, sizeof(event_id), "chat-%s-1", who);
        open_two_cases(id, who, "衣服有色差，和图片完全不一样", 1, older,
                       latest);
        publish_chat_at("taobao", "store-1", who, order, event_id,
                        "别再联系我了，我不会改评价的", t0 + 2 * HOUR);
        wait_field(order ? older : latest, "state", "closed");
        if (order) {
                assert_string_equal(
                    h_case_field(&env, latest, "state", got, sizeof(got)),
                    "outreach");
        } else {
                wait_refused(older);
        }
        advance_to(t0 + 20 * DAY);
        wait_refused(order ? latest : older);
        for (i = 0; i < 2; i++) {
                read_actions(i ? latest : older, 2, &a);
                print_actions(&a);
                assert_int_equal(a.cnt, 2); /* the reply, the first contact */
        }
}

static void test_refusal_to_the_store_reaches_every_case(void **state) {
        (void)state;
        refusal_reaches_both("two", NULL);
}

/* A no in one order's thread silences the buyer's other case in the
 * store too. */
static void test_refusal_on_one_order_reaches_the_other(void **state) {
        (void)state;
        refusal_reaches_both("one", "rv-one-1");
}

/* The buyer agreed on their older case, and an hour later told the store
 * not to contact them; the fleet read the agreement hours after it was
 * written (a backlog). The refusal came after the agreement as the buyer
 * wrote them, so it reaches the older case too: no reminder, and the
 * case closes as refused at the reminder's time. */
static void test_refusal_after_an_agreement_read_late(void **state) {
        char older[RDR_ID_LEN], latest[RDR_ID_LEN], got[64], want[32];
        acts_t a;
        (void)state;
        open_two_cases("rv-late", "late", "袖子有点短，和描述的尺码不一样", 2,
                       older, latest);
        advance_to(t0 + 6 * HOUR);
        publish_chat_at("taobao", "store-1", "late", "rv-late-1", "chat-late-1",
                        "好的，问题解决了，我去把评价改一下", t0 + 2 * HOUR);
        wait_field(older, "state", "awaiting_update");
        snprintf(want, sizeof(want), "%lld", (long long)(t0 + 2 * HOUR));
        assert_string_equal(
            h_case_field(&env, older, "agreed_sent_at_ms", got, sizeof(got)),
            want);
        snprintf(want, sizeof(want), "%lld", (long long)(t0 + 6 * HOUR));
        assert_string_equal(
            h_case_field(&env, older, "agreed_at_ms", got, sizeof(got)), want);
        publish_chat_at("taobao", "store-1", "late", NULL, "chat-late-2",
                        "别再联系我了，我不会改评价的", t0 + 3 * HOUR);
        wait_field(latest, "state", "closed");
        advance_to(t0 + 12 * DAY);
        wait_refused(older);
        read_actions(older, 4, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
}

/* A negative Taobao review <id> by buyer (NULL: buyer-<id>), at
 * minutes past 22:00 in Shanghai (the clock moved there): its case
 * replies and holds its first contact for the morning (cid). */
static void open_at_night(const char *id, const char *buyer, int minutes,
                          char cid[RDR_ID_LEN]) {
        int64_t at = t0 + 12 * HOUR + (int64_t)minutes * 60000;
        case_of("taobao", id, cid);
        advance_to(at);
        publish_review_ev(&(review_ev_t){
            "taobao", "review.created", id, "衣服有色差，和图片完全不一样",
            "Asia/Shanghai", 1, NULL, buyer, NULL, at, NULL, NULL, NULL});
        wait_field(cid, "next_step", "first_contact");
}

/* Two reviews of one buyer at night in Shanghai (22:30 and 22:40): each
 * case sends its public reply and holds its first contact for 09:00.
 * At 23:00 the buyer tells the store not to contact them: both cases
 * close at once, and the older one's first contact, held for the
 * morning, never goes out. The buyer hears nothing but the replies. */
static void test_night_review_then_no(void **state) {
        char cid[2][RDR_ID_LEN];
        const char *ids[2] = {"rv-night-1", "rv-night-2"};
        acts_t a;
        size_t i;
        (void)state;
        for (i = 0; i < 2; i++)
                open_at_night(ids[i], "buyer-night", 30 + 10 * (int)i, cid[i]);
        advance_to(t0 + 13 * HOUR);
        publish_chat_at("taobao", "store-1", "night", NULL, "chat-night-1",
                        "别再联系我了，我不会改评价的", clock_now);
        for (i = 0; i < 2; i++)
                wait_refused(cid[i]);
        advance_to(t0 + DAY + 2 * HOUR); /* 12:00 the next day */
        advance_to(t0 + 20 * DAY);
        for (i = 0; i < 2; i++) {
                read_settled(cid[i], &a);
                print_actions(&a);
                assert_int_equal(a.cnt, 1);
                assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
        }
}

/* The buyer said no about the order in a chat the chats worker applied
 * while the case was opening, so that neither saw the other: the order's
 * intents hold the refusal (written here as that worker writes it), the
 * case does not. The timers worker reads the order's intents before the
 * first contact it held for the morning: the case closes as refused and
 * the buyer hears nothing but the reply. */
static void test_order_refusal_the_case_missed(void **state) {
        char cid[RDR_ID_LEN], key[256];
        redisReply *r;
        acts_t a;
        (void)state;
        open_at_night("rv-missed", NULL, 30, cid);
        assert_true(rdr_key_order(key, sizeof(key), "taobao", "store-1",
                                  "order-rv-missed", "intents") > 0);
        r = redisCommand(env.redis, "SADD %s refuse", key);
        assert_non_null(r);
        freeReplyObject(r);
        advance_to(t0 + DAY + 2 * HOUR); /* 12:00 the next day */
        wait_refused(cid);
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 1);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
}

/* Two buyers agree at 22:30 in Shanghai (the clock moved there) to
 * update their reviews: each case asks an agent to answer and holds its
 * guide for 09:00. At 23:00 one of them says no on the order: that case
 * closes, and its guide never goes out. The other's goes out at 09:00,
 * not a minute before, due then. */
static void test_night_agreement_then_no(void **state) {
        static const char *const ids[2] = {"rv-nightok-1", "rv-nightok-2"};
        char cid[2][RDR_ID_LEN], ev[64];
        int64_t nine = t0 + DAY - HOUR; /* 09:00 CST, the next day */
        acts_t a;
        size_t i;
        (void)state;
        for (i = 0; i < 2; i++) {
                case_of("taobao", ids[i], cid[i]);
                publish_review("taobao", "review.created", ids[i], 2,
                               "袖子有点短，和描述的尺码不一样",
                               "Asia/Shanghai");
                read_actions(cid[i], 2, &a); /* the reply, the first contact */
        }
        advance_to(t0 + 12 * HOUR + 30 * 60000);
        for (i = 0; i < 2; i++) {
                snprintf(ev, sizeof(ev), "chat-%s", ids[i]);
                publish_chat_at("taobao", "store-1", ids[i], ids[i], ev,
                                "好的，问题解决了，我去把评价改一下",
                                clock_now);
                wait_field(cid[i], "held_step", "modification_guide");
                wait_field(cid[i], "state", "awaiting_update");
        }
        advance_to(t0 + 13 * HOUR);
        publish_chat_at("taobao", "store-1", ids[1], ids[1], "chat-nightok-no",
                        "别再联系我了，我不会改评价的", clock_now);
        wait_refused(cid[1]);
        advance_to(nine - 60000);
        read_actions_of(cid[0], 0, -1, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 0);
        advance_to(nine);
        read_actions(cid[0], 4, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 1);
        for (i = 0; i < a.cnt; i++)
                if (a.kind[i] == RDR_ACT_MODIFICATION_GUIDE)
                        assert_true(a.due[i] == nine);
        advance_to(t0 + 20 * DAY);
        read_settled(cid[1], &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 3); /* the reply, the first contact, the
                                     * agent's task */
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 0);
}

/* Wait until the order of review holds want chat intents (the chats
 * worker applied its messages). */
static void wait_intents(const char *review, size_t want) {
        char key[256], order[128];
        int i;
        snprintf(order, sizeof(order), "order-%s", review);
        rdr_key_order(key, sizeof(key), "taobao", "store-1", order, "intents");
        for (i = 0;
             i < 200 && h_redis_int(&env, "SCARD", key) < (long long)want; i++)
                h_sleep_ms(50);
        assert_int_equal(h_redis_int(&env, "SCARD", key), want);
}

/* A negative review of an order whose buyer already said no: its case
 * opens closed (refused), with the public reply and nothing after it. */
static void review_opens_closed_refused(const char *review, const char *cid) {
        acts_t a;
        publish_review("taobao", "review.created", review, 1,
                       "衣服起球很严重，洗了一次就变形了", "Asia/Shanghai");
        wait_refused(cid);
        advance_to(t0 + 20 * DAY);
        read_actions(cid, 1, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 1);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
}

/* The buyer's "no" was applied before the review (the chats worker got
 * there first): the case opens closed, after the public reply only. */
static void test_refusal_before_the_review(void **state) {
        char cid[RDR_ID_LEN], key[256];
        (void)state;
        case_of("taobao", "rv-refuse-early", cid);
        publish_chat("taobao", "rv-refuse-early", "chat-refuse-early-1",
                     "不用再联系我了，退款我也不要，评价我是不会改的。");
        wait_intents("rv-refuse-early", 1);
        /* The order's record is kept retention.orders from its last
         * event. */
        rdr_key_order(key, sizeof(key), "taobao", "store-1",
                      "order-rv-refuse-early", "intents");
        assert_kept(key, 180);
        rdr_key_order(key, sizeof(key), "taobao", "store-1",
                      "order-rv-refuse-early", NULL);
        assert_kept(key, 180);
        review_opens_closed_refused("rv-refuse-early", cid);
}

/* "Don't contact me" to the store in a chat that named no order, read
 * before the review: the buyer's case in that store opens closed. The
 * same words to another store, or more than refusal_memory (30d) before
 * the review, do not silence it. */
static void test_refusal_to_the_store_before_the_review(void **state) {
        static const char no[] = "别再联系我了，我不会改评价的";
        char cid[RDR_ID_LEN], elsewhere[RDR_ID_LEN], long_ago[RDR_ID_LEN],
            at[24];
        acts_t a;
        (void)state;
        case_of("taobao", "rv-shh", cid);
        case_of("taobao", "rv-shh-elsewhere", elsewhere);
        case_of("taobao", "rv-shh-long-ago", long_ago);
        publish_chat_at("taobao", "store-1", "rv-shh", NULL, "chat-shh-1", no,
                        t0 - DAY);
        publish_chat_at("taobao", "store-2", "rv-shh-elsewhere", NULL,
                        "chat-shh-2", no, t0 - DAY);
        publish_chat_at("taobao", "store-1", "rv-shh-long-ago", NULL,
                        "chat-shh-3", no, t0 - 31 * DAY);
        snprintf(at, sizeof(at), "%lld", (long long)(t0 - DAY));
        wait_hget("redress:{b:taobao:buyer-rv-shh}", "refused_at_ms:store-1",
                  at);
        settle(t0);
        publish_review("taobao", "review.created", "rv-shh-elsewhere", 1,
                       "衣服起球很严重，洗了一次就变形了", "Asia/Shanghai");
        publish_review("taobao", "review.created", "rv-shh-long-ago", 1,
                       "衣服起球很严重，洗了一次就变形了", "Asia/Shanghai");
        read_actions(elsewhere, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        read_actions(long_ago, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        review_opens_closed_refused("rv-shh", cid);
}

/* How many of the steps case cid records as blocked (blocked.<n>.rule)
 * name a rule that starts with prefix. */
static int blocked_by(const char *cid, const char *prefix) {
        char got[64];
        int i,
            n = atoi(h_case_field(&env, cid, "blocked_cnt", got, sizeof(got))),
            hits = 0;
        for (i = 0; i < n; i++) {
                char f[32];
                snprintf(f, sizeof(f), "blocked.%d.rule", i);
                hits += !strncmp(h_case_field(&env, cid, f, got, sizeof(got)),
                                 prefix, strlen(prefix));
        }
        return hits;
}

/* The buyer agreed, then said no, both before the review was read: the
 * intents are a set, and a refusal wins as it does on a case (which a
 * later agreement would find closed). */
static void test_agreed_then_refused_before_the_review(void **state) {
        char cid[RDR_ID_LEN];
        (void)state;
        case_of("taobao", "rv-agree-refuse", cid);
        publish_chat("taobao", "rv-agree-refuse", "chat-agree-refuse-1",
                     "好的，我会修改评价的");
        publish_chat("taobao", "rv-agree-refuse", "chat-agree-refuse-2",
                     "别再联系我了，我不会改评价的");
        wait_intents("rv-agree-refuse", 2);
        review_opens_closed_refused("rv-agree-refuse", cid);
}

/* "No, I have not received the refund yet" answers the first contact's
 * question ("what happened?"): it is no refusal. The case pauses and an
 * agent is asked to answer, the buyer's record keeps no refusal, and the
 * buyer's next review in the store, five days later, opens a case that
 * reaches the buyer: the public reply and the first contact. */
static void test_no_that_answers_is_no_refusal(void **state) {
        char cid[RDR_ID_LEN], next[RDR_ID_LEN], got[64];
        acts_t a;
        (void)state;
        case_of("taobao", "rv-notyet", cid);
        case_of("taobao", "rv-notyet-2", next);
        publish_review("taobao", "review.created", "rv-notyet", 1,
                       "质量太差了，穿了两天就开线了", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        publish_chat_at("taobao", "store-1", "rv-notyet", "rv-notyet",
                        "chat-notyet-1",
                        "No, I have not received the refund yet", clock_now);
        read_actions(cid, 3, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "paused");
        assert_null(h_hget(&env, "redress:{b:taobao:buyer-rv-notyet}",
                           "refused_at_ms:store-1", got, sizeof(got)));

        advance_to(t0 + 5 * DAY);
        publish_review_ev(
            &(review_ev_t){"taobao", "review.created", "rv-notyet-2",
                           "又是质量问题，洗了一次就掉色了", "Asia/Shanghai", 2,
                           NULL, "buyer-rv-notyet", NULL, clock_now});
        read_actions(next, 2, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        assert_string_equal(h_case_field(&env, next, "state", got, sizeof(got)),
                            "outreach");
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "paused");
}

static void publish_staff(const char *event_id, const char *type,
                          const char *case_id, const char *action_id,
                          const char *extra);

static void test_rating_raised_resolves(void **state) {
        char cid[RDR_ID_LEN], key[256], json[1024], at[RDR_TIME_RFC3339_SIZE];
        acts_t a;
        h_msg_t *msgs;
        size_t n, i, closed = 0;
        char got[64];
        (void)state;
        case_of("taobao", "rv-raise", cid);
        publish_review("taobao", "review.created", "rv-raise", 2,
                       "尺码偏小，穿不上", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        /* Open: kept for ever; its order and buyer records for
         * retention.orders and retention.buyers. */
        rdr_key_case(key, sizeof(key), cid, NULL);
        assert_kept(key, -1);
        rdr_key_order(key, sizeof(key), "taobao", "store-1", "order-rv-raise",
                      NULL);
        assert_kept(key, 180);
        rdr_key_buyer(key, sizeof(key), "taobao", "buyer-rv-raise", NULL);
        assert_kept(key, 365);
        publish_review("taobao", "review.updated", "rv-raise", 5,
                       "客服很耐心，换了大一码，很满意", "Asia/Shanghai");
        n = h_read_topic(&env, "redress.cases", cid, 4, 500, 20000, &msgs);
        for (i = 0; i < n; i++)
                if (strstr(msgs[i].value, "\"type\":\"case.closed\""))
                        closed++;
        assert_int_equal(closed, 1);
        for (i = 0; i < n; i++)
                if (strstr(msgs[i].value, "\"type\":\"case.closed\""))
                        assert_non_null(
                            strstr(msgs[i].value, "\"state\":\"resolved\""));
        h_msgs_free(msgs, n);
        /* Resolved (published after the write): kept
         * retention.closed_cases from now. */
        rdr_key_case(key, sizeof(key), cid, NULL);
        assert_kept(key, 180);
        advance_to(t0 + 10 * DAY);
        read_actions(cid, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "resolved");
        /* Lowered again: open again for an agent (kept for ever again),
         * no automatic message. */
        rdr_time_format_rfc3339(t0 + 10 * DAY, at, sizeof(at));
        snprintf(json, sizeof(json),
                 "{\"event_id\":\"rv-raise-lowered\",\"type\":"
                 "\"review.updated\",\"platform\":\"taobao\",\"store_id\":"
                 "\"store-1\",\"review_id\":\"rv-raise\",\"order_id\":"
                 "\"order-rv-raise\",\"buyer_id\":\"buyer-rv-raise\","
                 "\"product_id\":\"sku-9\",\"rating\":1,\"text\":"
                 "\"又坏了，质量太差\",\"created_at\":\"%s\"}",
                 at);
        publish_json("redress.reviews", "store-1/order-rv-raise", json);
        read_actions(cid, 3, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "paused");
        rdr_key_case(key, sizeof(key), cid, NULL);
        assert_kept(key, -1);
        /* The agent's hand-back names that request: the case waits. */
        snprintf(json, sizeof(json), "%s:review_lowered:1", cid);
        publish_staff("staff-lowered-1", "staff.resume", cid, json, "");
        wait_field(cid, "state", "waiting");
        advance_to(t0 + 20 * DAY);
        read_settled(cid, &a);
        assert_int_equal(a.cnt, 3);
}

/* The buyer edits the review into a demand: the case leaves the cadence
 * for the appeal at once, with the edit as its evidence (section 3), and
 * the buyer is known to the fleet. */
static void test_review_edited_into_a_demand(void **state) {
        char cid[RDR_ID_LEN], aid[RDR_ACTION_ID_MAX], got[64];
        const char *says[] = {"\"kind\":\"appeal.file\"", "不然差评一直挂着",
                              NULL};
        acts_t a;
        (void)state;
        case_of("taobao", "rv-edit", cid);
        publish_review("taobao", "review.created", "rv-edit", 2, "尺码偏小",
                       "Asia/Shanghai");
        read_actions(cid, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        publish_review("taobao", "review.updated", "rv-edit", 1,
                       "尺码偏小。给我返现50元，不然差评一直挂着",
                       "Asia/Shanghai");
        read_actions(cid, 3, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 1);
        snprintf(aid, sizeof(aid), "%s:appeal:1", cid);
        assert_action_says(aid, says);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "appealed");
        assert_tagged("buyer-rv-edit", "extortion");
        advance_to(t0 + 10 * DAY);
        read_settled(cid, &a);
        assert_int_equal(a.cnt, 3);
}

/* A 4-star review in harsh words is no negative review (rating <= 2, or 3
 * with a complaint): it is classified and published, and opens no case,
 * whatever its text's sentiment. */
static void test_harsh_four_stars_open_no_case(void **state) {
        char cid[RDR_ID_LEN], key[256];
        h_msg_t *msgs;
        size_t n;
        (void)state;
        case_of("taobao", "rv-harsh4", cid);
        publish_review("taobao", "review.created", "rv-harsh4", 4,
                       "太差了，质量很差，用了一天就坏了", "Asia/Shanghai");
        n = h_read_topic(&env, "redress.cases", cid, 1, 1000, 20000, &msgs);
        assert_int_equal(n, 1);
        print_message("%.*s\n", (int)msgs[0].len, msgs[0].value);
        assert_non_null(strstr(msgs[0].value, "\"type\":\"case.classified\""));
        assert_non_null(strstr(msgs[0].value, "\"state\":\"closed\""));
        h_msgs_free(msgs, n);
        rdr_key_case(key, sizeof(key), cid, NULL);
        assert_int_equal(h_redis_int(&env, "EXISTS", key), 0);
        n = h_read_topic(&env, "redress.actions", cid, 0, 500, 5000, &msgs);
        h_msgs_free(msgs, n);
        assert_int_equal(n, 0);
}

static void test_amazon_never_asks_and_records_blocks(void **state) {
        char cid[RDR_ID_LEN];
        acts_t a;
        (void)state;
        case_of("amazon", "rv-amz", cid);
        new_york_daytime();
        publish_review("amazon", "review.created", "rv-amz", 1,
                       "The stitching came apart after two days. Poor quality.",
                       "America/New_York");
        read_actions(cid, 1, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
        advance_to(t0 + 18 * DAY);
        read_actions(cid, a.cnt, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
        /* At most one review-related message per order on Amazon. */
        assert_true(count_kind(&a, RDR_ACT_FIRST_CONTACT) +
                        count_kind(&a, RDR_ACT_FOLLOW_UP) <=
                    1);
        /* The blocked steps are on the case, with the rule's name. */
        assert_true(blocked_by(cid, "amazon.") >= 1);
}

/* A review whose buyer gave a country and no time zone: the first contact
 * waits for the daytime of the country's zone (playbook destinations: ES
 * is Europe/Madrid; t0, 02:00 UTC, is night there, and 09:00 there comes
 * before 09:00 UTC), not the store's (UTC: 09:00). It is published then,
 * not before: at night the case holds it on a timer. */
static void test_buyer_country_gives_the_daytime(void **state) {
        char cid[RDR_ID_LEN], got[32];
        acts_t a;
        int64_t at;
        size_t i;
        (void)state;
        case_of("aliexpress", "rv-country", cid);
        publish_review_ev(&(review_ev_t){"aliexpress", "review.created",
                                         "rv-country",
                                         "Llegó roto, muy mala calidad", NULL,
                                         1, NULL, NULL, NULL, 0, NULL, "ES"});
        wait_field(cid, "next_step", "first_contact");
        at = atoll(h_case_field(&env, cid, "next_at_ms", got, sizeof(got)));
        /* 09:00 in Madrid, CET or CEST as t0 falls, the same day: before
         * 09:00 UTC. */
        assert_local_time("Europe/Madrid", at, 9, 0);
        assert_true(at > t0 && at < t0 + 7 * HOUR);
        advance_to(at - 60000);
        read_actions_of(cid, 0, -1, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 0);
        advance_to(at);
        read_actions(cid, 2, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        for (i = 0; i < a.cnt; i++)
                if (a.kind[i] == RDR_ACT_FIRST_CONTACT)
                        assert_true(a.due[i] == at);
}

/* A review that tells no zone, of an order with no parcel and a buyer
 * of no known country: the case takes the store's (store-1 has none of
 * its own: the playbook's default, UTC), says so, and the reviews worker
 * counts it, for the operator who wonders why a buyer heard from the
 * store at night. */
static void test_no_zone_is_counted(void **state) {
        static const char series[] = "redress_cases_zone_fallback_total";
        char cid[RDR_ID_LEN], got[32];
        double before = h_metric_with(w_reviews, series, "source=\"store\"");
        (void)state;
        case_of("aliexpress", "rv-no-zone", cid);
        publish_review_ev(&(review_ev_t){"aliexpress", "review.created",
                                         "rv-no-zone",
                                         "Llegó roto, muy mala calidad", NULL,
                                         1, NULL, NULL, NULL, 0, NULL, NULL});
        wait_field(cid, "zone_source", "store");
        assert_string_equal(h_case_field(&env, cid, "zone", got, sizeof(got)),
                            "UTC");
        assert_true(h_wait_metric_at_least(w_reviews, series,
                                           "source=\"store\"",
                                           (before > 0 ? before : 0) + 1));
}

/* Amazon seller feedback (review_kind, beyond contract v1) has its own
 * rules (platforms/amazon.yaml seller_feedback): two messages where a
 * product review gets one, and still no incentive. */
static void test_amazon_seller_feedback(void **state) {
        char cid[RDR_ID_LEN], got[32];
        acts_t a;
        int d;
        (void)state;
        case_of("amazon", "rv-feedback", cid);
        new_york_daytime();
        publish_review_ev(&(review_ev_t){
            "amazon", "review.created", "rv-feedback",
            "Seller never answered my messages.", "America/New_York", 1, NULL,
            NULL, NULL, 0, NULL, NULL, "seller_feedback"});
        wait_field(cid, "review_kind", "seller_feedback");
        /* Each day at 11:01 in New York: a step due then goes out. */
        for (d = 1; d <= 12; d++)
                advance_to(t0 + d * DAY + 14 * HOUR + 60000);
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
        assert_string_equal(
            h_case_field(&env, cid, "blocked.0.rule", got, sizeof(got)),
            "amazon.no_incentive");
}

/* Twenty Amazon orders of two negative reviews each (two products),
 * published at once: a batch reads the ledgers of many orders together. */
enum { PAIRS = 20 };
typedef struct pairs_s {
        char cid[PAIRS][2][RDR_ID_LEN], id[PAIRS][2][32], order[PAIRS][16];
} pairs_t;

static void publish_order_pairs(pairs_t *p) {
        int o, k;
        defer_flush = 1;
        for (o = 0; o < PAIRS; o++) {
                snprintf(p->order[o], sizeof(p->order[o]), "amzm%d", o);
                for (k = 0; k < 2; k++) {
                        snprintf(p->id[o][k], sizeof(p->id[o][k]),
                                 "rv-amzm-%d-%d", o, k);
                        case_of("amazon", p->id[o][k], p->cid[o][k]);
                        publish_review_ev(&(review_ev_t){
                            "amazon", "review.created", p->id[o][k],
                            "The stitching came apart after two days. Poor "
                            "quality.",
                            "America/New_York", 1, NULL, p->order[o],
                            k ? "sku-2" : "sku-1", 0, p->order[o]});
                }
        }
        defer_flush = 0;
        h_flush(&env);
}

/* Every case of p replied once, and every order of p sent one
 * review-related message between its two cases. */
static void check_order_pairs(const pairs_t *p) {
        acts_t a;
        int o;
        settle(clock_now);
        for (o = 0; o < PAIRS; o++) {
                char needle[64];
                int sent, replies;
                snprintf(needle, sizeof(needle), "\"order-%s\"", p->order[o]);
                read_actions_of(needle, 0, -1, &a);
                sent = (int)(count_kind(&a, RDR_ACT_FIRST_CONTACT) +
                             count_kind(&a, RDR_ACT_FOLLOW_UP));
                replies = (int)count_kind(&a, RDR_ACT_REPLY_PUBLIC);
                if (replies != 2 || sent != 1)
                        fail_msg("order %s: %d public replies (2 reviews), %d "
                                 "review-related messages (the limit is 1)",
                                 p->order[o], replies, sent);
        }
}

/* Three negative reviews of one Amazon order (three products): the
 * first two published together, the third once they are applied. Amazon
 * allows one review-related message per order, not per review: the
 * three cases send one between them. So do twenty orders of two
 * reviews each, published at once before them. */
static void test_amazon_limit_is_per_order(void **state) {
        static const char *const ids[] = {"rv-amzo-a", "rv-amzo-b",
                                          "rv-amzo-c"};
        static pairs_t pairs;
        char cid[3][RDR_ID_LEN];
        acts_t a;
        int i, sent = 0;
        (void)state;
        new_york_daytime();
        publish_order_pairs(&pairs);
        for (i = 0; i < 3; i++) {
                case_of("amazon", ids[i], cid[i]);
                if (i == 2) { /* after the first two cases opened */
                        wait_field(cid[0], "version", "1");
                        wait_field(cid[1], "version", "1");
                }
                publish_review_ev(&(review_ev_t){
                    "amazon", "review.created", ids[i],
                    "The stitching came apart after two days. Poor quality.",
                    "America/New_York", 1, NULL, "amzo",
                    i == 0   ? "sku-1"
                    : i == 1 ? "sku-2"
                             : "sku-3",
                    0, "amzo"});
        }
        advance_to(t0 + 18 * DAY);
        for (i = 0; i < 3; i++) {
                read_settled(cid[i], &a);
                print_actions(&a);
                assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
                sent += count_kind(&a, RDR_ACT_FIRST_CONTACT) +
                        count_kind(&a, RDR_ACT_FOLLOW_UP);
        }
        assert_int_equal(sent, 1);
        check_order_pairs(&pairs);
}

/* Two seller-feedback cases of one Amazon order (two messages allowed
 * per order): the first opens and writes to the buyer, the second opens a
 * day later and writes too. The first's follow-up a week on would be the
 * order's third message: it counts what the second sent since it opened,
 * and is not sent. */
static void test_order_limit_counts_later_messages(void **state) {
        static const char *const ids[] = {"rv-amzl-a", "rv-amzl-b"};
        char cid[2][RDR_ID_LEN];
        acts_t a;
        int i, d, sent = 0;
        (void)state;
        for (i = 0; i < 2; i++) {
                case_of("amazon", ids[i], cid[i]);
                if (i == 0)
                        new_york_daytime();
                else
                        advance_to(t0 + DAY + 14 * HOUR);
                publish_review_ev(&(review_ev_t){
                    "amazon", "review.created", ids[i],
                    "Seller never answered my messages.", "America/New_York", 1,
                    NULL, "amzl", i ? "sku-2" : "sku-1", i ? t0 + DAY : 0,
                    "amzl", NULL, "seller_feedback"});
                wait_field(cid[i], "version", "1");
        }
        for (d = 2; d <= 12; d++)
                advance_to(t0 + d * DAY + 60000);
        for (i = 0; i < 2; i++) {
                read_settled(cid[i], &a);
                print_actions(&a);
                assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
                sent += count_kind(&a, RDR_ACT_FIRST_CONTACT) +
                        count_kind(&a, RDR_ACT_FOLLOW_UP);
        }
        assert_int_equal(sent, 2);
        /* the first case says why: the order's limit */
        assert_true(blocked_by(cid[0], "amazon.seller_feedback_messages"));
}

/* A buyer's message reaches its case through the order it names, or, when
 * it names none, through the buyer's latest case in the store; either
 * way the case's step counts what the other cases of its order have sent
 * since it last stepped. An Amazon seller-feedback case (two messages
 * allowed per order) has sent its first contact; another case of its
 * order, stepped by another worker, has since sent one message (its
 * ledger entry is written here as that worker writes it). The buyer then
 * agrees to update the feedback: the guide would be the order's third
 * message, and is not sent. */
static void test_order_limit_counts_in_chats(void **state) {
        int named;
        (void)state;
        new_york_daytime();
        for (named = 0; named < 2; named++) {
                const char *id = named ? "rv-amzc-named" : "rv-amzc-none";
                char cid[RDR_ID_LEN], key[256], order[64], event_id[64];
                redisReply *r;
                acts_t a;
                case_of("amazon", id, cid);
                publish_review_ev(&(review_ev_t){
                    "amazon", "review.created", id,
                    "Seller never answered my messages.", "America/New_York", 1,
                    NULL, NULL, NULL, 0, NULL, NULL, "seller_feedback"});
                wait_field(cid, "review_messages", "1");
                snprintf(order, sizeof(order), "order-%s", id);
                assert_true(rdr_key_order(key, sizeof(key), "amazon", "store-1",
                                          order, NULL) > 0);
                r = redisCommand(env.redis, "HSET %s %s%s 1", key,
                                 RDR_LEDGER_MESSAGES, "cs_another");
                assert_non_null(r);
                freeReplyObject(r);
                snprintf(event_id, sizeof(event_id), "chat-%s", id);
                publish_chat_at("amazon", "store-1", id, named ? id : NULL,
                                event_id,
                                "Sure, I can change it to 5 stars now that "
                                "it's fixed.",
                                clock_now);
                wait_field(cid, "agreed", "1");
                read_settled(cid, &a);
                print_actions(&a);
                assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
                assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 0);
                assert_true(blocked_by(cid, "amazon.seller_feedback_messages"));
        }
}

/* Redis holds every client's writes (up to 20 s) while reads go on, or
 * lets them through: the workers decide on what they read and wait to
 * write. */
static void hold_writes(int hold) {
        redisReply *r = redisCommand(
            env.redis, hold ? "CLIENT PAUSE 20000 WRITE" : "CLIENT UNPAUSE");
        assert_true(r && r->type == REDIS_REPLY_STATUS);
        freeReplyObject(r);
}

/* Two workers write one case at once, one of them two of its events in
 * one batch. While Redis holds every write, the chats worker decides a
 * buyer's question on the case, and the reviews worker two updates of
 * its review, the second's write expecting the first's. Once writes
 * resume, the chat's write goes first: the first update is refused (the
 * case moved on), and so must the second be, or it would overwrite the
 * chat's write with a case decided from the old one. Both are decided
 * again: the case ends with both messages and the last rating. */
static void test_a_chain_of_writes_keeps_another_workers(void **state) {
        static const char applied[] = "status=\"applied\"";
        char cid[RDR_ID_LEN], json[1024], at[RDR_TIME_RFC3339_SIZE];
        double rv0, ch0;
        int i, decided;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-chain", cid);
        publish_review("taobao", "review.created", "rv-chain", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        /* A first message, before: the chats worker's first cycle writes
         * (its timer shards), which Redis would hold. */
        publish_chat("taobao", "rv-chain", "chat-chain-0",
                     "请问我的退款什么时候到账？");
        wait_field(cid, "buyer_messages", "1");
        settle(clock_now);
        rv0 = h_metric_with(w_reviews, "redress_case_inputs_total", applied);
        ch0 = h_metric_with(w_chats, "redress_case_inputs_total", applied);

        hold_writes(1);
        publish_chat("taobao", "rv-chain", "chat-chain-1",
                     "还有，发票怎么开？");
        decided = h_wait_metric_at_least(w_chats, "redress_case_inputs_total",
                                         applied, ch0 + 1);
        /* The two updates in one message set: one batch. */
        defer_flush = 1;
        for (i = 1; decided && i <= 2; i++) {
                rdr_time_format_rfc3339(t0 + i * 60000, at, sizeof(at));
                snprintf(json, sizeof(json),
                         "{\"event_id\":\"rv-chain-upd-%d\",\"type\":"
                         "\"review.updated\",\"platform\":\"taobao\","
                         "\"store_id\":\"store-1\",\"review_id\":"
                         "\"rv-chain\",\"order_id\":\"order-rv-chain\","
                         "\"buyer_id\":\"buyer-rv-chain\",\"product_id\":"
                         "\"sku-9\",\"rating\":%d,\"text\":\"做工粗糙，"
                         "线头很多\",\"created_at\":\"%s\"}",
                         i, 3 - i, at);
                publish_json("redress.reviews", "store-1/order-rv-chain", json);
        }
        defer_flush = 0;
        h_flush(&env);
        decided = decided &&
                  h_wait_metric_at_least(w_reviews, "redress_case_inputs_total",
                                         applied, rv0 + 2);
        hold_writes(0);
        assert_true(decided);
        wait_field(cid, "rating", "1");
        wait_field(cid, "buyer_messages", "2");
}

/* Two workers step two cases of one order at the same instant. An Amazon
 * seller-feedback order (two messages allowed) has sent one, case A's
 * first contact. Then, while Redis holds every write (CLIENT PAUSE
 * WRITE), the buyer agrees on A (the chats worker would send the guide)
 * and a second feedback of the order comes (the reviews worker would
 * send B's first contact): both workers read the order's ledger at one
 * message and decide to send. Once writes resume, only one of the two
 * goes out: the other would be the order's third message, and is decided
 * again. */
static void test_order_limit_holds_across_workers(void **state) {
        static const char *const ids[] = {"rv-amzr-a", "rv-amzr-b"};
        static const char applied[] = "status=\"applied\"";
        char cid[2][RDR_ID_LEN];
        double rv0, ch0;
        int decided;
        acts_t a[2];
        (void)state;
        case_of("amazon", ids[0], cid[0]);
        case_of("amazon", ids[1], cid[1]);
        new_york_daytime();
        publish_review_ev(&(review_ev_t){
            "amazon", "review.created", ids[0],
            "Seller never answered my messages.", "America/New_York", 1, NULL,
            "buyer-amzr", "sku-1", 0, "amzr", NULL, "seller_feedback"});
        wait_field(cid[0], "review_messages", "1");
        settle(clock_now);
        rv0 = h_metric_with(w_reviews, "redress_case_inputs_total", applied);
        ch0 = h_metric_with(w_chats, "redress_case_inputs_total", applied);

        hold_writes(1);
        publish_chat_at("amazon", "store-1", "amzr", "amzr", "chat-amzr",
                        "Sure, I can change it to 5 stars now that it's "
                        "fixed.",
                        clock_now);
        publish_review_ev(&(review_ev_t){
            "amazon", "review.created", ids[1],
            "Seller never answered my messages.", "America/New_York", 1, NULL,
            "buyer-amzr", "sku-2", clock_now, "amzr", NULL, "seller_feedback"});
        /* Both decisions are made, and wait for Redis to take them. Writes
         * resume before any check, so that a failure here does not hold
         * the next tests' writes. */
        decided = h_wait_metric_at_least(w_chats, "redress_case_inputs_total",
                                         applied, ch0 + 1) &&
                  h_wait_metric_at_least(w_reviews, "redress_case_inputs_total",
                                         applied, rv0 + 1);
        hold_writes(0);
        assert_true(decided);

        /* Both applied to a case: the review to B, the chat to A, and to B
         * too when B opened first (a chat goes to each case of its
         * order). */
        wait_key("redress:{c:*}:seen:redress.chats:chat-amzr",
                 "the chat never reached a case");
        wait_key("redress:{c:*}:seen:redress.reviews:rv-amzr-b-created",
                 "the second review never reached its case");
        read_settled(cid[0], &a[0]);
        read_actions_of(cid[1], 0, -1, &a[1]);
        print_actions(&a[0]);
        print_actions(&a[1]);
        assert_int_equal(count_kind(&a[0], RDR_ACT_FIRST_CONTACT), 1);
        assert_int_equal(count_kind(&a[0], RDR_ACT_FIRST_CONTACT) +
                             count_kind(&a[0], RDR_ACT_MODIFICATION_GUIDE) +
                             count_kind(&a[1], RDR_ACT_FIRST_CONTACT) +
                             count_kind(&a[1], RDR_ACT_MODIFICATION_GUIDE),
                         2);
        /* What was not sent says why: B's first contact when the chat
         * came first; else the guide of each case the agreement reached,
         * A's and B's. */
        assert_int_equal(
            blocked_by(cid[0], "amazon.seller_feedback_messages") +
                blocked_by(cid[1], "amazon.seller_feedback_messages"),
            count_kind(&a[1], RDR_ACT_FIRST_CONTACT) ? 2 : 1);
}

static void publish_shipment(const char *id, const char *type,
                             const char *extra) {
        char buf[1024], key[128];
        snprintf(buf, sizeof(buf),
                 "{\"event_id\":\"ship-%s-%s\",\"type\":\"%s\","
                 "\"platform\":\"taobao\",\"store_id\":\"store-1\","
                 "\"order_id\":\"order-%s\",\"buyer_id\":\"buyer-%s\","
                 "\"carrier\":\"sf\",\"tracking_number\":\"SF1\","
                 "\"origin_country\":\"CN\",\"destination_country\":\"CN\","
                 "\"occurred_at\":\"2026-11-23T04:00:00Z\"%s}",
                 id, type + 9, type, id, id, extra);
        snprintf(key, sizeof(key), "store-1/order-%s", id);
        publish_json("redress.shipments", key, buf);
}

static void test_agree_guides_then_reminds_once(void **state) {
        char cid[RDR_ID_LEN];
        acts_t a;
        (void)state;
        case_of("taobao", "rv-agree", cid);
        publish_review("taobao", "review.created", "rv-agree", 2,
                       "袖子有点短，和描述的尺码不一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_chat("taobao", "rv-agree", "chat-agree-1",
                     "好的，问题解决了，我去把评价改一下");
        wait_field(cid, "state", "awaiting_update");
        /* An agent is asked to answer, and the buyer gets the guide. */
        read_actions(cid, 4, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 1);
        /* 48 h later the review is unchanged: one reminder, then no more. */
        advance_to(t0 + 3 * DAY);
        read_actions(cid, 5, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 2);
        advance_to(t0 + 12 * DAY);
        read_actions(cid, 5, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_MODIFICATION_GUIDE), 2);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
}

static void test_extortion_chat_moves_case_to_appeal(void **state) {
        char cid[RDR_ID_LEN];
        acts_t a;
        char got[64];
        (void)state;
        case_of("taobao", "rv-ext", cid);
        publish_review("taobao", "review.created", "rv-ext", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_chat("taobao", "rv-ext", "chat-ext-1",
                     "给我退款五十元，不然我就一直给差评，还要发到网上");
        wait_field(cid, "malicious", "extortion");
        read_actions(cid, 3, &a);
        advance_to(t0 + 20 * DAY);
        read_actions(cid, a.cnt, &a);
        print_actions(&a);
        /* No negotiation: no incentive, no nudges; an appeal instead. */
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 1);
        assert_string_equal(
            h_case_field(&env, cid, "malicious", got, sizeof(got)),
            "extortion");
        assert_tagged("buyer-rv-ext", "extortion");
        assert_true(h_metric_with(w_chats, "redress_cases_malicious_total",
                                  "malicious=\"extortion\",cause=\"chat\"") >=
                    1);
}

/* Two reviews of one order, two cases; the order's record names only
 * the latest (B), as one written before it listed each of its cases does.
 * The buyer's demand in a chat of the order reaches B, which appeals with
 * it. The other (A) hears of it from the buyer's tag at its next step
 * toward the buyer (the week's follow-up): it takes the malicious track
 * and quotes the order's demand too, which Taobao's extortion ground asks
 * for, so its appeal goes out then rather than a request to an agent for
 * evidence. */
static void test_tagged_case_quotes_the_orders_demand(void **state) {
        static const char *const ids[2] = {"rv-dem-a", "rv-dem-b"};
        static const char *const skus[2] = {"sku-1", "sku-2"};
        char cid[2][RDR_ID_LEN], field[32], got[512];
        int i, quoted = 0;
        acts_t a;
        redisReply *r;
        (void)state;
        for (i = 0; i < 2; i++) {
                case_of("taobao", ids[i], cid[i]);
                publish_review_ev(&(review_ev_t){
                    "taobao", "review.created", ids[i], "做工粗糙，线头很多",
                    "Asia/Shanghai", 2, NULL, "buyer-dem", skus[i], 0, "dem",
                    NULL, NULL});
                read_actions(cid[i], 2, &a);
        }
        settle(clock_now);
        r = redisCommand(env.redis,
                         "HDEL redress:{o:taobao:store-1:order-dem} "
                         "case:%s",
                         cid[0]);
        assert_true(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
        freeReplyObject(r);
        publish_chat("taobao", "dem", "chat-dem-1",
                     "给我退款五十元，不然我就一直给差评，还要发到网上");
        wait_field(cid[1], "state", "appealed");
        assert_string_equal(
            h_case_field(&env, cid[0], "malicious", got, sizeof(got)), "none");
        advance_to(t0 + 7 * DAY + HOUR);
        wait_field(cid[0], "malicious", "extortion");
        for (i = 0; i < RDR_CASE_EVIDENCE_MAX && !quoted; i++) {
                snprintf(field, sizeof(field), "evidence.%d.ref", i);
                quoted =
                    !strcmp(h_case_field(&env, cid[0], field, got, sizeof(got)),
                            "chat-dem-1");
        }
        assert_true(quoted);
        wait_field(cid[0], "state", "appealed");
        read_settled(cid[0], &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 0);
}

/* Two reviews of one order (A, B), two cases. The buyer's question in a
 * chat of the order is a reply to each (BEHAVIOR.md 2.7: "on that order"):
 * both pause and ask an agent, and A sends no follow-up while the agent
 * answers. A third review of the order opens a case (C) after it; the
 * question delivered again (a replay, a publisher's resend) does nothing
 * to any: A and B heard it, C read it with the order's chats. */
static void test_question_on_an_order_pauses_each_case(void **state) {
        static const char *const ids[3] = {"rv-ask-a", "rv-ask-b", "rv-ask-c"};
        static const char *const skus[3] = {"sku-1", "sku-2", "sku-3"};
        char cid[3][RDR_ID_LEN], got[64];
        int i, round;
        acts_t a;
        (void)state;
        for (i = 0; i < 2; i++) {
                case_of("taobao", ids[i], cid[i]);
                publish_review_ev(&(review_ev_t){
                    "taobao", "review.created", ids[i],
                    "衣服有色差，和图片不一样", "Asia/Shanghai", 2, NULL,
                    "buyer-ask", skus[i], 0, "ask", NULL, NULL});
                read_actions(cid[i], 2, &a);
        }
        publish_chat("taobao", "ask", "chat-ask-1", "请问什么时候能退款？");
        for (i = 0; i < 2; i++)
                wait_field(cid[i], "state", "paused");
        case_of("taobao", ids[2], cid[2]);
        publish_review_ev(&(review_ev_t){"taobao", "review.created", ids[2],
                                         "做工粗糙，线头很多", "Asia/Shanghai",
                                         2, NULL, "buyer-ask", skus[2], 0,
                                         "ask", NULL, NULL});
        read_actions(cid[2], 2, &a);
        for (round = 0; round < 2; round++) {
                if (round)
                        publish_chat("taobao", "ask", "chat-ask-1",
                                     "请问什么时候能退款？");
                settle(clock_now);
                for (i = 0; i < 2; i++) {
                        read_settled(cid[i], &a);
                        print_actions(&a);
                        assert_int_equal(a.cnt, 3);
                        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW),
                                         1);
                }
                read_settled(cid[2], &a);
                assert_int_equal(a.cnt, 2);
                assert_string_equal(
                    h_case_field(&env, cid[2], "state", got, sizeof(got)),
                    "outreach");
        }
        advance_to(t0 + 7 * DAY + HOUR);
        read_settled(cid[0], &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        read_settled(cid[2], &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 1);
}

/* "I won't change it", then a demand for money: the refusal closed the
 * case, and the demand takes it to the malicious track all the same, its
 * appeal filed with the demand as evidence; the buyer hears nothing. */
static void test_demand_after_a_refusal_is_appealed(void **state) {
        char cid[RDR_ID_LEN];
        acts_t a;
        size_t before;
        (void)state;
        case_of("taobao", "rv-ref-ext", cid);
        publish_review("taobao", "review.created", "rv-ref-ext", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_chat("taobao", "rv-ref-ext", "chat-ref-ext-1",
                     "别再联系我了，我不会改评价的");
        wait_refused(cid);
        before = a.cnt;
        publish_chat("taobao", "rv-ref-ext", "chat-ref-ext-2",
                     "给我退款五十元，不然我就一直给差评，还要发到网上");
        wait_field(cid, "malicious", "extortion");
        wait_field(cid, "state", "appealed");
        read_actions(cid, before + 1, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(a.cnt, before + 1);
        assert_tagged("buyer-rv-ref-ext", "extortion");
}

/* Buyer buyer-<buyer> demands money in another store of the fleet
 * (chat event_id): wait until the fleet has tagged them extortion. */
static void tag_elsewhere(const char *buyer, const char *event_id) {
        char key[128];
        int i;
        publish_chat_in("taobao", "store-2", buyer, "elsewhere", event_id,
                        "给我退款五十元，不然我就一直给差评，还要发到网上");
        snprintf(key, sizeof(key), "redress:{b:taobao:buyer-%s}:tags", buyer);
        for (i = 0; i < 200; i++) {
                redisReply *r =
                    redisCommand(env.redis, "SISMEMBER %s extortion", key);
                int tagged = r && r->type == REDIS_REPLY_INTEGER && r->integer;
                if (r)
                        freeReplyObject(r);
                if (tagged)
                        return;
                h_sleep_ms(50);
        }
        fail_msg("buyer-%s was never tagged", buyer);
}

/* A review from a peer seller's account (configs/peers.yaml lists
 * tbb-rival-flagship on taobao): the competitor track at once. No
 * outreach; Taobao hears a peer's review on the review alone, so the
 * appeal goes out with the public reply; the account is tagged
 * fleet-wide. */
static void test_peer_seller_review(void **state) {
        char cid[RDR_ID_LEN], action[RDR_ID_LEN + 16];
        acts_t a;
        (void)state;
        publish_review_ev(
            &(review_ev_t){"taobao", "review.created", "rv-peer",
                           "质量太差了，线头多，面料也很薄，不值这个价。", NULL,
                           1, NULL, "tbb-rival-flagship", NULL, 0});
        case_of("taobao", "rv-peer", cid);
        wait_field(cid, "malicious", "competitor");
        wait_field(cid, "state", "appealed");
        read_actions(cid, 2, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 1);
        snprintf(action, sizeof(action), "%s:appeal:1", cid);
        assert_action_says(action, (const char *const[]){
                                       "the account of a peer seller", NULL});
        advance_to(t0 + 10 * DAY);
        read_settled(cid, &a);
        assert_int_equal(a.cnt, 2);
        assert_tagged("tbb-rival-flagship", "competitor");
        assert_true(
            h_metric_with(w_reviews, "redress_cases_malicious_total",
                          "malicious=\"competitor\",cause=\"review\"") >= 1);
}

/* The buyer of an open, legitimate case demands money in another store
 * of the fleet: the buyer is tagged, and this case's next step (the
 * follow-up) sends nothing. The case moves to the malicious track with
 * the tag as evidence; Taobao also wants the chat record, which this
 * store does not hold, so an agent is asked for it before the window
 * closes. */
static void test_buyer_tagged_elsewhere_stops_outreach(void **state) {
        char cid[RDR_ID_LEN], got[64];
        acts_t a;
        (void)state;
        case_of("taobao", "rv-tagged", cid);
        publish_review("taobao", "review.created", "rv-tagged", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        tag_elsewhere("rv-tagged", "chat-tagged-1");
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "outreach");

        advance_to(t0 + 7 * DAY + 60000);
        wait_field(cid, "state", "malicious");
        wait_field(cid, "malicious", "extortion");
        advance_to(t0 + 26 * DAY);
        read_actions(cid, 3, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 3);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        assert_non_null(strstr(a.id[2], ":appeal_evidence:1"));
}

/* An answer to one of a case's actions in store-1's taobao shop: type
 * ("appeal.result", "staff.resume", ...) on topic, then extra members
 * (each followed by a comma). */
static int by_value(const void *a, const void *b) {
        return strcmp(((const h_msg_t *)a)->value, ((const h_msg_t *)b)->value);
}

/* The want dead letters whose event_id starts with prefix (the test
 * fails on another count), in the order of their event ids: answers keyed
 * by case may sit in two partitions and come in either order. */
static size_t read_dead(const char *prefix, size_t want, h_msg_t **msgs) {
        char match[128];
        size_t n;
        snprintf(match, sizeof(match), "{\"event_id\":\"%s", prefix);
        n = h_read_topic(&env, "redress.dlq", match, want, 400, 20000, msgs);
        assert_int_equal(n, want);
        qsort(*msgs, n, sizeof(**msgs), by_value);
        return n;
}

static void publish_answer(const char *topic, const char *event_id,
                           const char *type, const char *store,
                           const char *case_id, const char *action_id,
                           const char *extra) {
        char buf[2400], key[160], action[1100] = "";
        if (action_id) /* NULL: none (staff.appeal answers no action) */
                snprintf(action, sizeof(action), "\"action_id\":\"%s\",",
                         action_id);
        snprintf(buf, sizeof(buf),
                 "{\"event_id\":\"%s\",\"type\":\"%s\","
                 "\"platform\":\"taobao\",\"store_id\":\"%s\","
                 "\"case_id\":\"%s\",%s%s"
                 "\"occurred_at\":\"2026-11-23T03:00:00Z\"}",
                 event_id, type, store, case_id, action, extra);
        snprintf(key, sizeof(key), "%s/%s", store, case_id);
        publish_json(topic, key, buf);
}

/* The platform's answer to an appeal, on redress.appeal-results. */
static void publish_appeal_result(const char *event_id, const char *store,
                                  const char *case_id, const char *action_id,
                                  const char *outcome) {
        char extra[128];
        snprintf(extra, sizeof(extra),
                 "\"outcome\":\"%s\",\"reason\":\"evidence accepted\",",
                 outcome);
        publish_answer("redress.appeal-results", event_id, "appeal.result",
                       store, case_id, action_id, extra);
}

/* The platform accepts the appeal: the reviews worker, which also reads
 * redress.appeal-results, resolves the case. An answer that names another
 * store's case, or no appeal of the case, is a dead letter with the
 * reason; the case does not move. */
static void test_appeal_result_resolves_case(void **state) {
        char cid[RDR_ID_LEN], action[RDR_ID_LEN + 16], got[64];
        h_msg_t *msgs;
        size_t n;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-answered", cid);
        publish_review("taobao", "review.created", "rv-answered", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_chat("taobao", "rv-answered", "chat-answered-1",
                     "给我退款五十元，不然我就一直给差评，还要发到网上");
        wait_field(cid, "state", "appealed");
        snprintf(action, sizeof(action), "%s:appeal:1", cid);

        publish_appeal_result("appeal-res-bad-1", "store-9", cid, action,
                              "accepted");
        snprintf(got, sizeof(got), "%s:appeal:2", cid);
        publish_appeal_result("appeal-res-bad-2", "store-1", cid, got,
                              "accepted");
        n = read_dead("appeal-res-bad-", 2, &msgs);
        assert_non_null(strstr(msgs[0].headers[0], "store-9"));
        assert_non_null(strstr(msgs[1].headers[0], "names no appeal action"));
        assert_string_equal(msgs[0].headers[1], "redress.appeal-results");
        assert_string_equal(msgs[0].headers[4], "reviews");
        h_msgs_free(msgs, n);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "appealed");

        publish_appeal_result("appeal-res-1", "store-1", cid, action,
                              "accepted");
        wait_field(cid, "state", "resolved");
        wait_field(cid, "close_reason", "appeal_accepted");
        n = h_read_topic(&env, "redress.cases", cid, 4, 400, 20000, &msgs);
        assert_true(n >= 1);
        assert_non_null(strstr(msgs[n - 1].value, "\"resolved\""));
        h_msgs_free(msgs, n);
        /* The same answer again changes nothing. */
        publish_appeal_result("appeal-res-1", "store-1", cid, action,
                              "accepted");
        publish_appeal_result("appeal-res-2", "store-1", cid, action,
                              "rejected");
        advance_to(t0 + DAY);
        assert_string_equal(
            h_case_field(&env, cid, "close_reason", got, sizeof(got)),
            "appeal_accepted");
}

/* A person's (agent-7's) decision on a staff.review, on
 * redress.staff-decisions. */
static void publish_staff(const char *event_id, const char *type,
                          const char *case_id, const char *action_id,
                          const char *extra) {
        char members[512];
        snprintf(members, sizeof(members), "\"agent_id\":\"agent-7\",%s",
                 extra);
        publish_answer("redress.staff-decisions", event_id, type, "store-1",
                       case_id, action_id, members);
}

/* The buyer asks a question: the cadence pauses and an agent is asked to
 * answer. The agent hands the case back (staff.resume, naming that
 * staff.review): the cadence runs again, its days moved by the pause.
 * A hand-back naming no staff.review of the case is a dead letter. */
static void test_staff_resume_hands_case_back(void **state) {
        char cid[RDR_ID_LEN], action[RDR_ID_LEN + 32], got[32];
        h_msg_t *msgs;
        size_t n;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-resume", cid);
        publish_review("taobao", "review.created", "rv-resume", 2,
                       "袖子有点短，和描述的尺码不一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_chat("taobao", "rv-resume", "chat-resume-1",
                     "请问这个尺码可以换吗？");
        wait_field(cid, "state", "paused");
        read_actions(cid, 3, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        assert_non_null(strstr(a.id[2], ":buyer_reply:1"));

        snprintf(action, sizeof(action), "%s:buyer_reply:2", cid);
        publish_staff("staff-resume-bad", "staff.resume", cid, action, "");
        n = read_dead("staff-resume-bad", 1, &msgs);
        assert_non_null(
            strstr(msgs[0].headers[0], "names no buyer_reply action"));
        h_msgs_free(msgs, n);

        /* The buyer writes again: the hand-back of the first message
         * leaves the case to the agent of the second. */
        publish_chat("taobao", "rv-resume", "chat-resume-2",
                     "还有，颜色也不对，怎么办？");
        read_actions(cid, 4, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 2);
        advance_to(t0 + 2 * DAY);
        snprintf(action, sizeof(action), "%s:buyer_reply:1", cid);
        publish_staff("staff-resume-1", "staff.resume", cid, action, "");
        settle(clock_now);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "paused");
        snprintf(action, sizeof(action), "%s:buyer_reply:2", cid);
        publish_staff("staff-resume-2", "staff.resume", cid, action, "");
        wait_field(cid, "state", "outreach");
        /* Paused for 2 days: the follow-up comes at T0 + 9 d, not 7. */
        advance_to(t0 + 8 * DAY + 60000);
        read_settled(cid, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        advance_to(t0 + 9 * DAY + 60000);
        read_actions(cid, 5, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 1);
}

/* An offer over the agent's limit (tb-hanfeng-apparel's coupon for a
 * late parcel, 30.00 CNY; its agents may offer 20.00): at T0 + 8 d a
 * staff.review asks a manager instead of the outreach.incentive, and the
 * nudges wait for the decision. The manager approves one case's offer
 * (the incentive goes out, with the coupon, and its first nudge a day
 * after it; the approval sent again is heard once) and refuses the
 * other's (nothing is offered; the nudges go on, on their days). */
static void test_manager_approves_the_offer(void **state) {
        static const char store[] = "tb-hanfeng-apparel";
        static const char *const ids[] = {"rv-offer-yes", "rv-offer-no"};
        static const char *const decisions[] = {
            "\"agent_id\":\"manager-2\",\"decision\":\"approved\",",
            "\"agent_id\":\"manager-2\",\"decision\":\"refused\","};
        char cid[2][RDR_ID_LEN], action[sizeof(cid) + 32], ev[32], key[128],
            order[256], got[32];
        acts_t a;
        int i;
        (void)state;
        for (i = 0; i < 2; i++) {
                rdr_case_id(cid[i], "taobao", store, ids[i]);
                publish_review_ev(&(review_ev_t){
                    "taobao", "review.created", ids[i],
                    "等了十天还没到，物流太慢了", "Asia/Shanghai", 2, store});
        }
        for (i = 0; i < 2; i++)
                read_actions(cid[i], 2, &a);
        /* An approval before the manager was asked names no action of
         * the case: a dead letter, not a decision lost or kept. */
        snprintf(action, sizeof(action), "%s:offer_approval:1", cid[1]);
        publish_answer("redress.staff-decisions", "offer-decision-early-bad",
                       "staff.offer_decision", store, cid[1], action,
                       decisions[0]);
        {
                h_msg_t *msgs;
                size_t n = read_dead("offer-decision-early-bad", 1, &msgs);
                assert_non_null(strstr(msgs[0].headers[0],
                                       "names no offer_approval action"));
                h_msgs_free(msgs, n);
        }
        advance_to(t0 + 7 * DAY + 60000);
        for (i = 0; i < 2; i++)
                read_actions(cid[i], 3, &a);
        advance_to(t0 + 8 * DAY + 60000);
        for (i = 0; i < 2; i++) {
                read_actions(cid[i], 4, &a);
                print_actions(&a);
                assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 1);
                assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
                assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
                snprintf(action, sizeof(action), "%s:offer_approval:1", cid[i]);
                assert_action_says(
                    action, (const char *const[]){"30.00 CNY", "staff", NULL});
        }

        advance_to(t0 + 8 * DAY + 2 * HOUR);
        for (i = 0; i < 2; i++) {
                snprintf(action, sizeof(action), "%s:offer_approval:1", cid[i]);
                snprintf(ev, sizeof(ev), "offer-decision-%d", i);
                publish_answer("redress.staff-decisions", ev,
                               "staff.offer_decision", store, cid[i], action,
                               decisions[i]);
        }
        read_actions(cid[0], 5, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 1);
        snprintf(action, sizeof(action), "%s:incentive:1", cid[0]);
        assert_action_says(action,
                           (const char *const[]){"\"amount_minor\":3000",
                                                 "\"currency\":\"CNY\"", NULL});
        snprintf(action, sizeof(action), "%s:offer_approval:1", cid[0]);
        publish_answer("redress.staff-decisions", "offer-decision-again",
                       "staff.offer_decision", store, cid[0], action,
                       decisions[0]);

        /* T0 + 9 d: the refused offer's nudge; the approved one's comes
         * a day after its incentive (12:00), not before. */
        advance_to(t0 + 9 * DAY + 60000);
        for (i = 0; i < 2; i++) {
                read_settled(cid[i], &a);
                assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), i ? 1 : 0);
        }
        advance_to(t0 + 9 * DAY + 2 * HOUR);
        for (i = 0; i < 2; i++) {
                read_settled(cid[i], &a);
                print_actions(&a);
                assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), i ? 0 : 1);
                assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 1);
                assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
                if (!i)
                        assert_true(due_of(&a, RDR_ACT_NUDGE) ==
                                    due_of(&a, RDR_ACT_INCENTIVE) + DAY);
                /* The order's ledger: the first contact, follow-up, nudge
                 * and the one incentive (the approval heard twice would
                 * have counted a second). */
                snprintf(key, sizeof(key), "order-%s", ids[i]);
                rdr_key_order(order, sizeof(order), "taobao", store, key, NULL);
                snprintf(key, sizeof(key), "review_messages:%s", cid[i]);
                assert_non_null(h_hget(&env, order, key, got, sizeof(got)));
                assert_string_equal(got, i ? "3" : "4");
        }
}

/* The manager approves the coupon at 23:00 in Shanghai (T0 + 8 d 13 h):
 * the incentive waits for 09:00 (the held timer) and goes out due then;
 * the first nudge, due at 10:00 by the schedule (T0 + 9 d), comes a day
 * after the incentive instead, at 09:00 the next day, as published. */
static void test_nudge_follows_an_incentive_held_till_morning(void **state) {
        static const char store[] = "tb-hanfeng-apparel";
        char cid[RDR_ID_LEN], action[RDR_ID_LEN + 32];
        int64_t morning = t0 + 9 * DAY - HOUR; /* 09:00 in Shanghai */
        acts_t a;
        (void)state;
        rdr_case_id(cid, "taobao", store, "rv-offer-night");
        publish_review_ev(&(review_ev_t){
            "taobao", "review.created", "rv-offer-night",
            "物流太慢了，等了一个多星期", "Asia/Shanghai", 2, store});
        read_actions(cid, 2, &a);
        advance_to(t0 + 7 * DAY + 60000);
        advance_to(t0 + 8 * DAY + 60000);
        read_actions(cid, 4, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        advance_to(t0 + 8 * DAY + 13 * HOUR);
        snprintf(action, sizeof(action), "%s:offer_approval:1", cid);
        publish_answer("redress.staff-decisions", "offer-decision-night",
                       "staff.offer_decision", store, cid, action,
                       "\"agent_id\":\"manager-2\",\"decision\":\"approved\",");
        advance_to(morning);
        read_actions(cid, 5, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 1);
        assert_true(due_of(&a, RDR_ACT_INCENTIVE) == morning);
        advance_to(t0 + 9 * DAY + 60000);
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
        advance_to(morning + DAY);
        read_actions(cid, 6, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 1);
        assert_true(due_of(&a, RDR_ACT_NUDGE) == morning + DAY);
        assert_local_time("Asia/Shanghai", due_of(&a, RDR_ACT_NUDGE), 9, 0);
}

/* Three of the store's cases wait when their buyers are tagged in
 * another store: one for a lost parcel's delivery, one for the buyer to
 * write, one (the buyer asked a question) for the agent to hand it back.
 * The delivery (the shipments worker), the buyer's message (chats) and
 * the hand-back (reviews) each find the tag at once: the case takes the
 * malicious track, no agent is asked to answer, and the buyer hears
 * nothing more from the store. */
static void test_buyer_tagged_elsewhere_other_paths(void **state) {
        static const char *const ids[] = {"rv-tg-ship", "rv-tg-ask",
                                          "rv-tg-back"};
        char cid[3][RDR_ID_LEN], action[RDR_ID_LEN + 32];
        acts_t a;
        size_t i, before[3];
        (void)state;
        for (i = 0; i < 3; i++) {
                case_of("taobao", ids[i], cid[i]);
                publish_review("taobao", "review.created", ids[i], 2,
                               i ? "袖子有点短，和描述的尺码不一样"
                                 : "等了十天还没到，物流太慢了",
                               "Asia/Shanghai");
                read_actions(cid[i], 2, &a);
        }
        publish_shipment("rv-tg-ship", "shipment.exception",
                         ",\"exception\":\"lost\"");
        wait_field(cid[0], "ship_paused", "1");
        publish_chat("taobao", "rv-tg-back", "chat-tg-back-1",
                     "请问这个尺码可以换吗？");
        wait_field(cid[2], "state", "paused");
        for (i = 0; i < 3; i++) {
                char ev[64];
                snprintf(ev, sizeof(ev), "chat-tg-elsewhere-%zu", i);
                tag_elsewhere(ids[i], ev);
                read_settled(cid[i], &a);
                before[i] = a.cnt;
        }

        publish_shipment("rv-tg-ship", "shipment.delivered", "");
        publish_chat("taobao", "rv-tg-ask", "chat-tg-ask-1",
                     "请问这个尺码可以换吗？");
        snprintf(action, sizeof(action), "%s:buyer_reply:1", cid[2]);
        publish_staff("staff-tg-back-1", "staff.resume", cid[2], action, "");
        for (i = 0; i < 3; i++) {
                wait_field(cid[i], "state", "malicious");
                wait_field(cid[i], "malicious", "extortion");
                read_settled(cid[i], &a);
                assert_int_equal(a.cnt, before[i]);
        }
        /* Each worker counts the case it moved, and why (its metrics
         * refresh once per loop turn). */
        for (i = 0; i < 3; i++) {
                const pid_t by[] = {w_shipments, w_chats, w_reviews};
                int k;
                for (k = 0;
                     k < 100 &&
                     h_metric_with(by[i], "redress_cases_malicious_total",
                                   "malicious=\"extortion\",cause="
                                   "\"fleet_tag\"") < 1;
                     k++)
                        h_sleep_ms(100);
                assert_true(k < 100);
        }
        advance_to(t0 + 20 * DAY);
        for (i = 0; i < 3; i++) {
                read_settled(cid[i], &a);
                print_actions(&a);
                assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
                assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
                assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
                assert_int_equal(a.cnt, before[i]);
        }
}

/* The buyer tagged elsewhere: the appeal lacked the chat record, and the
 * agent supplies it (staff.evidence): the appeal goes out at once, with
 * it as evidence. */
static void test_staff_evidence_files_appeal(void **state) {
        char cid[RDR_ID_LEN], action[RDR_ID_LEN + 32];
        h_msg_t *msgs;
        size_t n;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-evidence", cid);
        publish_review("taobao", "review.created", "rv-evidence", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_chat_in("taobao", "store-2", "rv-evidence", "elsewhere",
                        "chat-evidence-1",
                        "给我退款五十元，不然我就一直给差评，还要发到网上");
        /* advance_to() first waits for the chat to be applied. */
        advance_to(t0 + 7 * DAY + 60000);
        wait_field(cid, "state", "malicious");

        /* There is one request for evidence: a second is a dead letter. */
        snprintf(action, sizeof(action), "%s:appeal_evidence:2", cid);
        publish_staff("staff-evidence-bad", "staff.evidence", cid, action,
                      "\"evidence_kind\":\"chat\",\"evidence_text\":"
                      "\"给钱就改好评\",");
        n = read_dead("staff-evidence-bad", 1, &msgs);
        assert_non_null(
            strstr(msgs[0].headers[0], "names no appeal_evidence action"));
        h_msgs_free(msgs, n);

        snprintf(action, sizeof(action), "%s:appeal_evidence:1", cid);
        publish_staff("staff-evidence-1", "staff.evidence", cid, action,
                      "\"evidence_kind\":\"chat\",\"evidence_ref\":"
                      "\"im-4471\",\"evidence_text\":\"给钱就改好评\",");
        wait_field(cid, "state", "appealed");
        snprintf(action, sizeof(action), "%s:appeal:1", cid);
        assert_action_says(
            action, (const char *const[]){"给钱就改好评", "im-4471", NULL});
}

/* An agent appeals a review the classifier took for a complaint
 * (staff.appeal, on the agent's own initiative: no action answered). A
 * ground that is none is a dead letter; a ground Taobao does not hear
 * ("unrelated") is recorded as blocked and the cadence goes on; "abusive"
 * puts the case on the appeal track, and the appeal goes out at once with
 * the agent's words as evidence. No outreach after it. */
static void test_staff_appeal_files_appeal(void **state) {
        char cid[RDR_ID_LEN], action[RDR_ID_LEN + 32], got[64];
        h_msg_t *msgs;
        size_t n, i;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-staff-appeal", cid);
        publish_review("taobao", "review.created", "rv-staff-appeal", 2,
                       "质量一般，和描述的不太一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);

        publish_staff("staff-appeal-bad-1", "staff.appeal", cid, NULL,
                      "\"ground\":\"rude\",");
        publish_staff("staff-appeal-bad-2", "staff.appeal", cid, NULL,
                      "\"ground\":\"abusive\",\"evidence_kind\":\"review\",");
        publish_staff("staff-appeal-bad-3", "staff.appeal", cid, NULL,
                      "\"ground\":\"abusive\",\"evidence_kind\":\"review\","
                      "\"evidence_text\":\"\",");
        n = read_dead("staff-appeal-bad-", 3, &msgs);
        assert_non_null(strstr(msgs[0].headers[0], "field 'ground'"));
        for (i = 1; i < 3; i++)
                assert_non_null(strstr(msgs[i].headers[0],
                                       "field 'evidence_text' is missing or "
                                       "empty (evidence_kind and "
                                       "evidence_text go together"));
        h_msgs_free(msgs, n);

        publish_staff("staff-appeal-1", "staff.appeal", cid, NULL,
                      "\"ground\":\"unrelated\",");
        settle(t0);
        assert_int_equal(blocked_by(cid, "taobao.appeal_grounds"), 1);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "outreach");

        publish_staff("staff-appeal-2", "staff.appeal", cid, NULL,
                      "\"ground\":\"abusive\",\"evidence_kind\":"
                      "\"review\",\"evidence_ref\":\"img-2231\","
                      "\"evidence_text\":\"The review's photo shows the "
                      "courier's phone number.\",");
        wait_field(cid, "state", "appealed");
        assert_string_equal(
            h_case_field(&env, cid, "staff_ground", got, sizeof(got)),
            "abusive");
        assert_string_equal(
            h_case_field(&env, cid, "agent_id", got, sizeof(got)), "agent-7");
        snprintf(action, sizeof(action), "%s:appeal:1", cid);
        assert_action_says(
            action, (const char *const[]){"courier's phone number", "img-2231",
                                          "en/appeal.file/abusive", NULL});
        advance_to(t0 + 10 * DAY);
        read_settled(cid, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 1);
}

/* Two demands for money before the review: the review's appeal quotes
 * both (the first and the latest of the order's demands), with the
 * buyer's profile (BEHAVIOR.md 3: "the chat messages that demand money,
 * the buyer profile"). */
static void test_demands_before_the_review_are_evidence(void **state) {
        char cid[RDR_ID_LEN], key[256], action[RDR_ID_LEN + 32];
        /* An event_id of 94 characters, 254 bytes: quoted whole (cut at
         * 159 bytes, mid-character, the appeal failed validation). */
        char id2[RDR_EVENT_MAX_EVENT_ID * 3 + 16] = "chat-demand-2-";
        int i, demands = 0;
        (void)state;
        for (i = 0; i < 80; i++)
                strcat(id2, "编");
        case_of("taobao", "rv-demands", cid);
        publish_chat("taobao", "rv-demands", "chat-demand-1",
                     "给我退款五十元，不然我就给差评");
        publish_chat("taobao", "rv-demands", id2,
                     "不退钱就一直给差评，还要发到网上");
        rdr_key_order(key, sizeof(key), "taobao", "store-1", "order-rv-demands",
                      NULL);
        for (i = 0; i < 200 && demands < 2; i++, h_sleep_ms(50)) {
                redisReply *r = redisCommand(env.redis, "HKEYS %s", key);
                size_t j;
                demands = 0;
                for (j = 0;
                     r && r->type == REDIS_REPLY_ARRAY && j < r->elements; j++)
                        demands +=
                            !strncmp(r->element[j]->str, "extortion:", 10);
                freeReplyObject(r);
        }
        assert_int_equal(demands, 2);
        publish_review("taobao", "review.created", "rv-demands", 1,
                       "质量很差，不推荐", "Asia/Shanghai");
        wait_field(cid, "malicious", "extortion");
        snprintf(action, sizeof(action), "%s:appeal:1", cid);
        assert_action_says(action, (const char *const[]){
                                       "chat-demand-1", "给我退款五十元", id2,
                                       "不退钱就一直给差评",
                                       "buyer tagged extortion in the fleet",
                                       "account level 5, 900 days old", NULL});
}

/* Demands sent to the store in chats that named no order: the buyer's
 * review of an order there quotes the first and the latest as the
 * appeal's evidence; a demand to another store is that store's. */
static void test_demands_to_the_store_are_evidence(void **state) {
        char cid[RDR_ID_LEN], action[RDR_ID_LEN + 32], quoted[128], *text;
        (void)state;
        case_of("taobao", "rv-sdem", cid);
        publish_chat_at("taobao", "store-1", "rv-sdem", NULL, "chat-sdem-1",
                        "给我退款五十元，不然我就给差评", t0 - 2 * 3600000);
        publish_chat_at("taobao", "store-2", "rv-sdem", NULL, "chat-sdem-other",
                        "给我退款五十元，不然我就给差评", t0 - 3600000);
        publish_chat_at("taobao", "store-1", "rv-sdem", NULL, "chat-sdem-2",
                        "不退钱就一直给差评，还要发到网上", t0 - 1800000);
        settle(clock_now);
        publish_review("taobao", "review.created", "rv-sdem", 1,
                       "质量很差，不推荐", "Asia/Shanghai");
        wait_field(cid, "malicious", "extortion");
        snprintf(action, sizeof(action), "%s:appeal:1", cid);
        assert_action_says(
            action,
            (const char *const[]){"chat-sdem-1", "给我退款五十元",
                                  "chat-sdem-2", "不退钱就一直给差评", NULL});
        snprintf(quoted, sizeof(quoted), "\"%s\"", action);
        text = action_text(quoted);
        assert_null(strstr(text, "chat-sdem-other"));
        free(text);
}

/* redress-report args --json, reading the configuration of directory
 * configs (h_tool_json()), which must exit with want. */
static json_t *run_report_in(const char *configs, const char *args, int want) {
        return h_tool_json(env.redis_url, configs, "redress-report", args,
                           want);
}

/* The same with the shipped configs/. */
static json_t *run_report(const char *args, int want) {
        return run_report_in(RDR_SOURCE_DIR "/configs", args, want);
}

/* The monthly report of store (and args). */
static json_t *report_of(const char *store, const char *args) {
        char all[512];
        snprintf(all, sizeof(all), "--store %s %s", store, args);
        return run_report(all, 0);
}

static json_t *report(void) {
        return report_of("store-1", "");
}

/* The row of array a whose string members match (NULL: any), or NULL. */
static json_t *row(json_t *a, const char *k1, const char *v1, const char *k2,
                   const char *v2) {
        size_t i;
        json_t *o;
        json_array_foreach(a, i, o) {
                const char *x = json_string_value(json_object_get(o, k1)),
                           *y = json_string_value(json_object_get(o, k2));
                if (x && y && !strcmp(x, v1) && !strcmp(y, v2))
                        return o;
        }
        return NULL;
}

/* Review id's case (its id into cid) opened by a 2-star size review,
 * paused by the buyer's question and handed back by agent-7. */
static void handed_back(const char *id, char *cid) {
        char action[RDR_ID_LEN + 32], event_id[64];
        acts_t a;
        case_of("taobao", id, cid);
        publish_review("taobao", "review.created", id, 2,
                       "袖子有点短，和描述的尺码不一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        snprintf(event_id, sizeof(event_id), "chat-%s-1", id);
        publish_chat("taobao", id, event_id, "请问这个尺码可以换吗？");
        wait_field(cid, "state", "paused");
        snprintf(action, sizeof(action), "%s:buyer_reply:1", cid);
        snprintf(event_id, sizeof(event_id), "staff-%s-1", id);
        publish_staff(event_id, "staff.resume", cid, action, "");
        wait_field(cid, "agent_id", "agent-7");
}

/* BEHAVIOR.md section 5 through redress-report: the agent who handed the
 * case back is credited when the buyer then raises the rating, with the
 * playbook's reward for the reason (the default: 20.00 CNY); the month's
 * negative reviews count the product and reason. */
static void test_report_credits_the_agent(void **state) {
        char cid[RDR_ID_LEN];
        json_t *o, *r;
        (void)state;
        handed_back("rv-report", cid);
        publish_review("taobao", "review.updated", "rv-report", 5,
                       "换了尺码，很合适", "Asia/Shanghai");
        wait_field(cid, "state", "resolved");

        o = report();
        r = row(json_object_get(o, "agents"), "agent_id", "agent-7", "reason",
                "size_fit");
        assert_non_null(r);
        assert_int_equal(json_integer_value(json_object_get(r, "cases")), 1);
        assert_int_equal(json_integer_value(json_object_get(
                             json_object_get(r, "reward"), "amount_minor")),
                         2000);
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(r, "reward"), "currency")),
                            "CNY");
        /* A reward set for the case's platform (`platforms:`) is the one
         * owed. */
        {
                char dir[300], cmd[2048];
                json_t *po;
                snprintf(dir, sizeof(dir), "%s/configs-rewards", env.dir);
                snprintf(cmd, sizeof(cmd),
                         "rm -rf %s && cp -r %s/configs %s && printf "
                         "'platforms:\\n  taobao:\\n    rewards: {currency: "
                         "CNY, default: 2000, size_fit: 7777}\\n' >> "
                         "%s/playbook.yaml",
                         dir, RDR_SOURCE_DIR, dir, dir);
                assert_int_equal(system(cmd), 0);
                po = run_report_in(dir, "--store store-1", 0);
                r = row(json_object_get(po, "agents"), "agent_id", "agent-7",
                        "reason", "size_fit");
                assert_non_null(r);
                assert_int_equal(
                    json_integer_value(json_object_get(
                        json_object_get(r, "reward"), "amount_minor")),
                    7777);
                json_decref(po);
        }
        r = row(json_object_get(o, "negative_by_product_reason"), "product_id",
                "sku-9", "reason", "size_fit");
        assert_non_null(r);
        assert_true(json_integer_value(json_object_get(r, "cases")) >= 1);
        assert_non_null(row(json_object_get(o, "month_cases"), "store_id",
                            "store-1", "standing", "resolved"));
        /* Resolved against open, per product (BEHAVIOR.md section 5). */
        r = row(json_object_get(o, "month_cases_by_product"), "product_id",
                "sku-9", "standing", "resolved");
        assert_non_null(r);
        assert_true(json_integer_value(json_object_get(r, "cases")) >= 1);
        assert_string_equal(json_string_value(json_object_get(r, "store_id")),
                            "store-1");
        json_decref(o);
}

/* The month (UTC) ms falls in, as YYYY-MM. */
static void month_of(int64_t ms, char m[8]) {
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(m, 8, "%Y-%m", &tm);
}

static int64_t next_month(int64_t ms, char m[8]);

/* The cases store-1's agent-7 is credited with for reason in month m
 * (0: no row). */
static json_int_t credited(const char *m, const char *reason) {
        char args[64];
        json_t *o, *r;
        json_int_t n;
        snprintf(args, sizeof(args), "--month %s", m);
        o = report_of("store-1", args);
        r = row(json_object_get(o, "agents"), "agent_id", "agent-7", "reason",
                reason);
        n = r ? json_integer_value(json_object_get(r, "cases")) : 0;
        json_decref(o);
        return n;
}

/* Review rv-credit updated to rating (update n, at the clock's now). */
static void update_credited(int n, int rating, const char *text) {
        char json[1024], at[RDR_TIME_RFC3339_SIZE];
        rdr_time_format_rfc3339(clock_now, at, sizeof(at));
        snprintf(json, sizeof(json),
                 "{\"event_id\":\"rv-credit-upd-%d\",\"type\":"
                 "\"review.updated\",\"platform\":\"taobao\",\"store_id\":"
                 "\"store-1\",\"review_id\":\"rv-credit\",\"order_id\":"
                 "\"order-rv-credit\",\"buyer_id\":\"buyer-rv-credit\","
                 "\"product_id\":\"sku-9\",\"rating\":%d,\"text\":\"%s\","
                 "\"created_at\":\"%s\"}",
                 n, rating, text, at);
        publish_json("redress.reviews", "store-1/order-rv-credit", json);
}

/* A case is credited once, in the month it was first resolved: resolved
 * by agent-7's work in one month, lowered and raised again in the next,
 * it stays the first month's (a re-run of that month's report says the
 * same) and is not the second's. */
static void test_report_credits_a_case_once(void **state) {
        char cid[RDR_ID_LEN], m1[8], m2[8];
        (void)state;
        month_of(t0, m1);
        handed_back("rv-credit", cid);
        update_credited(1, 5, "换了尺码，很合适");
        wait_field(cid, "state", "resolved");
        assert_int_equal(credited(m1, "size_fit"), 1);

        /* The next month: lowered (an agent is asked to look), raised
         * again. */
        advance_to(next_month(t0, m2) + HOUR);
        update_credited(2, 2, "又小了");
        wait_field(cid, "lowered", "1");
        update_credited(3, 5, "好了");
        wait_field(cid, "state", "resolved");
        assert_int_equal(credited(m1, "size_fit"), 1);
        assert_int_equal(credited(m2, "size_fit"), 0);
}

/* The first instant (UTC) of the month after the one ms falls in; that
 * month as YYYY-MM in m. */
static int64_t next_month(int64_t ms, char m[8]) {
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        int64_t first;
        gmtime_r(&t, &tm);
        tm.tm_mday = 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mon++;
        first = (int64_t)timegm(&tm) * 1000;
        month_of(first, m);
        return first;
}

/* A store's month is its own: a review read at 01:00 on the 1st in
 * Shanghai (17:00 UTC the day before) counts in the new month for
 * demo-taobao-shop (playbook timezone Asia/Shanghai), not the old. */
static void test_report_month_in_store_zone(void **state) {
        char args[64], cid[RDR_ID_LEN];
        char old_m[8], new_m[8];
        int64_t open_at;
        json_t *o, *r;
        (void)state;
        open_at = next_month(t0 + DAY, new_m) - 7 * HOUR;
        month_of(open_at, old_m);
        advance_to(open_at);
        publish_review_ev(&(review_ev_t){
            "taobao", "review.created", "rv-zone", "做工粗糙，线头很多", NULL,
            1, "demo-taobao-shop", NULL, "sku-zone", open_at});
        rdr_case_id(cid, "taobao", "demo-taobao-shop", "rv-zone");
        wait_field(cid, "state", "outreach");

        snprintf(args, sizeof(args), "--month %s", new_m);
        o = report_of("demo-taobao-shop", args);
        assert_string_equal(json_string_value(json_object_get(o, "month")),
                            new_m);
        assert_string_equal(json_string_value(json_object_get(o, "month_zone")),
                            "Asia/Shanghai");
        r = row(json_object_get(o, "top_products"), "product_id", "sku-zone",
                "store_id", "demo-taobao-shop");
        assert_non_null(r);
        json_decref(o);
        snprintf(args, sizeof(args), "--month %s", old_m);
        o = report_of("demo-taobao-shop", args);
        assert_null(row(json_object_get(o, "top_products"), "product_id",
                        "sku-zone", "store_id", "demo-taobao-shop"));
        json_decref(o);
        /* Without --month: the month "now" is in, in the store's zone. */
        o = report_of("demo-taobao-shop", "");
        assert_string_equal(json_string_value(json_object_get(o, "month")),
                            new_m);
        json_decref(o);
}

/* A negative review counts in the month it was posted (its created_at),
 * not the month the fleet read it: one posted on the last days of a month
 * and read on the 2nd of the next is that month's, with its case (open,
 * then resolved) under the month's cases. The reward for resolving it is
 * owed in the month it was resolved. */
static void test_report_month_of_the_review(void **state) {
        char args[64], cid[RDR_ID_LEN], old_m[8], new_m[8];
        char reason[32] = "";
        int64_t posted_at, read_at;
        json_t *o, *r;
        (void)state;
        read_at = next_month(t0 + 2 * DAY, new_m);
        posted_at = read_at - 36 * HOUR;
        read_at += 36 * HOUR;
        month_of(posted_at, old_m);
        advance_to(read_at);
        publish_review_ev(&(review_ev_t){
            "taobao", "review.created", "rv-late-read", "做工粗糙，线头很多",
            NULL, 1, "store-month", NULL, "sku-month", posted_at});
        rdr_case_id(cid, "taobao", "store-month", "rv-late-read");
        wait_field(cid, "state", "outreach");

        snprintf(args, sizeof(args), "--month %s", old_m);
        o = report_of("store-month", args);
        r = row(json_object_get(o, "top_products"), "product_id", "sku-month",
                "store_id", "store-month");
        assert_non_null(r);
        assert_int_equal(json_integer_value(json_object_get(r, "cases")), 1);
        r = json_array_get(json_object_get(o, "negative_by_product_reason"), 0);
        assert_non_null(r);
        assert_string_equal(json_string_value(json_object_get(r, "product_id")),
                            "sku-month");
        rdr_str_copy(reason, sizeof(reason),
                     json_string_value(json_object_get(r, "reason")));
        r = row(json_object_get(o, "month_cases_by_product"), "product_id",
                "sku-month", "standing", "open");
        assert_non_null(r);
        assert_int_equal(json_integer_value(json_object_get(r, "cases")), 1);
        assert_non_null(row(json_object_get(o, "month_cases"), "store_id",
                            "store-month", "standing", "open"));
        json_decref(o);
        snprintf(args, sizeof(args), "--month %s", new_m);
        o = report_of("store-month", args);
        assert_int_equal(json_array_size(json_object_get(o, "top_products")),
                         0);
        assert_int_equal(json_array_size(json_object_get(o, "month_cases")), 0);
        json_decref(o);

        /* Resolved in the new month: still the old month's case, and the
         * new month's resolution. */
        publish_review_ev(&(review_ev_t){
            "taobao", "review.updated", "rv-late-read", "换了一件，做工不错",
            NULL, 5, "store-month", NULL, "sku-month", posted_at});
        wait_field(cid, "state", "resolved");
        snprintf(args, sizeof(args), "--month %s", old_m);
        o = report_of("store-month", args);
        assert_non_null(row(json_object_get(o, "month_cases_by_product"),
                            "product_id", "sku-month", "standing", "resolved"));
        assert_int_equal(json_array_size(json_object_get(o, "agents")), 0);
        json_decref(o);
        snprintf(args, sizeof(args), "--month %s", new_m);
        o = report_of("store-month", args);
        assert_int_equal(json_array_size(json_object_get(o, "month_cases")), 0);
        assert_non_null(row(json_object_get(o, "agents"), "store_id",
                            "store-month", "reason", reason));
        json_decref(o);
}

static void publish_tracked(const char *id, const char *buyer,
                            const char *tracking, const char *event_id,
                            const char *type, int64_t at, const char *dest,
                            const char *extra);

/* Every count in the JSON report is a JSON number, the delay notices of
 * an abnormal shipment among them. */
static void test_report_counts_are_numbers(void **state) {
        json_t *o, *sh, *r;
        (void)state;
        publish_tracked("rv-rnum", "rv-rnum", "SF9", "rnum-created",
                        "shipment.created", t0 + HOUR, "NZ", "");
        publish_tracked("rv-rnum", "rv-rnum", "SF9", "rnum-lost",
                        "shipment.exception", t0 + 2 * HOUR, "NZ",
                        ",\"exception\":\"lost\"");
        advance_to(t0 + 3 * HOUR);
        o = report();
        sh = json_object_get(o, "abnormal_shipments");
        assert_true(json_is_integer(json_object_get(sh, "count")));
        r = row(json_object_get(sh, "parcels"), "order_id", "order-rv-rnum",
                "tracking_number", "SF9");
        assert_non_null(r);
        assert_true(json_is_integer(json_object_get(r, "delay_notices")));
        assert_int_equal(
            json_integer_value(json_object_get(r, "delay_notices")), 0);
        json_decref(o);
}

/* "Timers due in the next hour and day" (BEHAVIOR.md section 5) are the
 * selected store's: its open cases' live timers and its parcels' checks,
 * not every store's, nor the members a case's later steps left behind in
 * the timer set. */
static void test_report_timers_due_per_store(void **state) {
        char cid[RDR_ID_LEN];
        int64_t open_at = clock_now;
        json_t *o, *td;
        (void)state;
        publish_review_ev(&(review_ev_t){
            "taobao", "review.created", "rv-due", "质量很差，用了一天就坏了",
            "Asia/Shanghai", 1, "store-due", NULL, NULL, open_at});
        rdr_case_id(cid, "taobao", "store-due", "rv-due");
        wait_field(cid, "state", "outreach");
        /* Two hours before the follow-up's day (T0 + 7 d): it is due
         * within the day, in the buyer's hours. */
        advance_to(open_at + 7 * DAY - 2 * HOUR);
        o = report_of("store-due", "");
        td = json_object_get(o, "timers_due");
        print_message(
            "store-due: %lld in the hour, %lld in the day\n",
            (long long)json_integer_value(json_object_get(td, "next_hour")),
            (long long)json_integer_value(json_object_get(td, "next_day")));
        assert_int_equal(json_integer_value(json_object_get(td, "next_day")),
                         1);
        json_decref(o);
        o = report_of("store-none", "");
        td = json_object_get(o, "timers_due");
        assert_int_equal(json_integer_value(json_object_get(td, "next_hour")),
                         0);
        assert_int_equal(json_integer_value(json_object_get(td, "next_day")),
                         0);
        json_decref(o);
}

/* An agent's appeal that lacks evidence (Taobao wants the buyer's
 * profile of a competitor): the case leaves the cadence and waits for it,
 * and redress-report lists it among the appeals near their deadline with
 * the agent's ground, the review having no malicious class. */
static void test_staff_appeal_waits_for_evidence(void **state) {
        char cid[RDR_ID_LEN], got[64];
        json_t *r, *row_;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-staff-wait", cid);
        publish_review("taobao", "review.created", "rv-staff-wait", 1,
                       "质量一般，和描述的不太一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_staff("staff-wait-1", "staff.appeal", cid, NULL,
                      "\"ground\":\"competitor\",");
        wait_field(cid, "state", "malicious");
        assert_string_equal(
            h_case_field(&env, cid, "malicious", got, sizeof(got)), "none");
        advance_to(t0 + 24 * DAY);
        read_settled(cid, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 0);
        r = report();
        row_ = row(json_object_get(json_object_get(r, "appeals_near_deadline"),
                                   "cases"),
                   "case_id", cid, "malicious", "competitor");
        assert_non_null(row_);
        json_decref(r);
        /* At the window's end minus appeal_evidence_before (5 d), the
         * agent is asked for the buyer's profile. */
        advance_to(t0 + 26 * DAY);
        read_settled(cid, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
}

/* One case, whole: redress-report --case, and the same case by its review
 * and by its order. It shows the case as it stands, its follow-up as the
 * timer set holds it, the buyer's tags and the order's record; an unknown
 * case exits 3. */
static void test_report_one_case(void **state) {
        char cid[RDR_ID_LEN], args[256], due[RDR_TIME_RFC3339_SIZE],
            refused_ms[24], refused_at[RDR_TIME_RFC3339_SIZE];
        const char *const by[] = {
            "--platform taobao --store store-1 --review rv-look",
            "--platform taobao --store store-1 --order order-rv-look"};
        json_t *o, *t;
        acts_t a;
        size_t i, follow = 0;
        (void)state;
        case_of("taobao", "rv-look", cid);
        publish_review("taobao", "review.created", "rv-look", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        tag_elsewhere("rv-look", "chat-look-1");

        snprintf(args, sizeof(args), "--case %s", cid);
        o = run_report(args, 0);
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(o, "case"), "state")),
                            "outreach");
        /* numbers as JSON numbers, for jq */
        assert_true(json_integer_value(json_object_get(
                        json_object_get(o, "case"), "version")) >= 1);
        assert_true(json_integer_value(json_object_get(
                        json_object_get(o, "case"), "opened_at_ms")) >= t0);
        assert_string_equal(json_string_value(json_array_get(
                                json_object_get(o, "buyer_tags"), 0)),
                            "extortion");
        assert_true(json_is_null(json_object_get(o, "buyer_refused_store_at")));
        rdr_time_format_rfc3339(t0 + 7 * DAY, due, sizeof(due));
        json_array_foreach(json_object_get(o, "timers"), i, t) {
                if (strcmp(json_string_value(json_object_get(t, "step")),
                           "follow_up"))
                        continue;
                follow++;
                assert_string_equal(
                    json_string_value(json_object_get(t, "state")), "due");
                assert_string_equal(json_string_value(json_object_get(t, "at")),
                                    due);
        }
        assert_int_equal(follow, 1);
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(o, "order"), "case_id")),
                            cid);
        json_decref(o);
        for (i = 0; i < 2; i++) {
                o = run_report(by[i], 0);
                assert_string_equal(
                    json_string_value(json_object_get(o, "case_id")), cid);
                json_decref(o);
        }
        o = run_report("--case cs_unknown", 3);
        assert_true(json_is_null(json_object_get(o, "case")));
        json_decref(o);

        /* "Don't contact me" to the store: the report says when. */
        publish_chat_at("taobao", "store-1", "rv-look", NULL, "chat-look-2",
                        "别再联系我了，我不会改评价的", t0 + 2 * HOUR);
        snprintf(refused_ms, sizeof(refused_ms), "%lld",
                 (long long)(t0 + 2 * HOUR));
        wait_hget("redress:{b:taobao:buyer-rv-look}", "refused_at_ms:store-1",
                  refused_ms);
        rdr_time_format_rfc3339(t0 + 2 * HOUR, refused_at, sizeof(refused_at));
        snprintf(args, sizeof(args), "--case %s", cid);
        o = run_report(args, 0);
        assert_string_equal(
            json_string_value(json_object_get(o, "buyer_refused_store_at")),
            refused_at);
        json_decref(o);
}

/* redress-buyer args --json, with the shipped configs/ (h_tool_json()). */
static json_t *run_buyer(const char *args, int want) {
        return h_tool_json(env.redis_url, RDR_SOURCE_DIR "/configs",
                           "redress-buyer", args, want);
}

/* Whether array a holds the string v. */
static int holds(const json_t *a, const char *v) {
        size_t i;
        json_t *e;
        json_array_foreach(a, i, e) {
                if (json_string_value(e) && !strcmp(json_string_value(e), v))
                        return 1;
        }
        return 0;
}

/* A buyer tagged extortion by chats that the stores say were read wrongly
 * (one to store-2 naming no order, one to store-1 about the order the
 * buyer then reviews): redress-buyer untag lifts the tag, clears the
 * demand kept from the first and the extortion the second left on its
 * order (the buyer's record names the order: --order adds nothing), and
 * notes who and why on the buyer's record, which redress-report --buyer
 * shows. The buyer's review
 * of that order is then a complaint that hears from the store (a first
 * contact), not a malicious review that tags the buyer again. Tagged again by
 * hand (redress-buyer tag), the same case sends nothing more at its next step
 * and moves to the malicious track; redress-report --buyer lists it so. */
static void test_buyer_tag_lifted_and_given_by_hand(void **state) {
        static const char demand[] =
            "给我退款五十元，不然我就一直给差评，还要发到网上";
        static const char k_buyer[] = "redress:{b:taobao:buyer-rv-lift}",
                          k_order[] =
                              "redress:{o:taobao:store-1:order-rv-lift}";
        char cid[RDR_ID_LEN], got[64], args[128];
        json_t *o, *rec, *cs, *ord, *notes;
        acts_t a;
        int i;
        (void)state;
        publish_chat_in("taobao", "store-2", "rv-lift", NULL, "chat-lift-1",
                        demand);
        publish_chat("taobao", "rv-lift", "chat-lift-2", demand);
        wait_hget(k_order, "last_buyer_intent", "extortion");
        /* The tag, and the demand kept on the buyer's record. */
        for (i = 0; i < 200 && (!h_redis_int(&env, "EXISTS",
                                             "redress:{b:taobao:buyer-rv-lift}"
                                             ":tags") ||
                                !h_hget(&env, k_buyer, "demand_first:store-2",
                                        got, sizeof(got)));
             i++)
                h_sleep_ms(50);
        assert_tagged("buyer-rv-lift", "extortion");
        assert_non_null(
            h_hget(&env, k_buyer, "demand_first:store-2", got, sizeof(got)));

        /* A look first changes nothing. */
        o = run_buyer("untag --platform taobao --buyer buyer-rv-lift --tag "
                      "extortion --reason 'misread' --dry-run --store store-1 "
                      "--order order-rv-lift",
                      0);
        assert_true(holds(json_object_get(o, "lifted"), "extortion"));
        assert_true(
            holds(json_object_get(o, "cleared"), "demand_first:store-2"));
        assert_int_equal(json_array_size(json_object_get(o, "orders")), 1);
        json_decref(o);
        assert_non_null(
            h_hget(&env, k_order, "extortion_ref", got, sizeof(got)));
        assert_tagged("buyer-rv-lift", "extortion");

        o = run_buyer("untag --platform taobao --buyer buyer-rv-lift --tag "
                      "extortion --by ops-anna --reason 'asked for the "
                      "refund she was promised, read as a demand'",
                      0);
        assert_true(holds(json_object_get(o, "lifted"), "extortion"));
        ord = json_array_get(json_object_get(o, "orders"), 0);
        assert_int_equal(json_array_size(json_object_get(o, "orders")), 1);
        assert_string_equal(
            json_string_value(json_object_get(ord, "order_key")), k_order);
        assert_true(holds(json_object_get(ord, "cleared"), "intent extortion"));
        assert_true(holds(json_object_get(ord, "cleared"), "extortion_ref"));
        assert_true(
            holds(json_object_get(o, "cleared"), "demand_first:store-2"));
        assert_true(
            holds(json_object_get(o, "cleared"), "demand_last:store-2"));
        assert_true(holds(json_object_get(o, "cleared"), "extortion_ref"));
        json_decref(o);
        assert_int_equal(h_redis_int(&env, "EXISTS",
                                     "redress:{b:taobao:buyer-rv-lift}:tags"),
                         0);
        /* Lifted twice: nothing more to lift, not an error. */
        o = run_buyer("untag --platform taobao --buyer buyer-rv-lift --tag "
                      "all --reason 'again'",
                      0);
        assert_int_equal(json_array_size(json_object_get(o, "lifted")), 0);
        assert_int_equal(json_array_size(json_object_get(o, "orders")), 0);
        json_decref(o);

        o = run_report("--platform taobao --buyer buyer-rv-lift", 0);
        assert_int_equal(json_array_size(json_object_get(o, "tags")), 0);
        rec = json_object_get(o, "record");
        assert_null(json_object_get(rec, "demand_first:store-2"));
        assert_null(json_object_get(rec, "extortion_text"));
        assert_null(json_object_get(
            rec,
            "extortion_order_at_ms:redress:{o:taobao:store-1:order-rv-lift}"));
        assert_non_null(strstr(
            json_string_value(json_object_get(rec, "tag_lifted:extortion")),
            "\"by\":\"ops-anna\""));
        assert_non_null(strstr(
            json_string_value(json_object_get(rec, "tag_lifted:extortion")),
            "read as a demand"));
        json_decref(o);

        /* The buyer's review in store-1: a complaint, heard out. */
        case_of("taobao", "rv-lift", cid);
        publish_review("taobao", "review.created", "rv-lift", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "outreach");

        /* Given back by hand: the follow-up finds it. */
        o = run_buyer("tag --platform taobao --buyer buyer-rv-lift --tag "
                      "extortion --by ops-anna --reason 'store-1 confirmed the "
                      "demand'",
                      0);
        assert_true(holds(json_object_get(o, "given"), "extortion"));
        json_decref(o);
        assert_tagged("buyer-rv-lift", "extortion");
        advance_to(t0 + 7 * DAY + 60000);
        wait_field(cid, "state", "malicious");
        wait_field(cid, "malicious", "extortion");
        read_settled(cid, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        o = run_report("--platform taobao --buyer buyer-rv-lift", 0);
        cs = json_array_get(json_object_get(o, "cases"), 0);
        assert_string_equal(json_string_value(json_object_get(cs, "case_id")),
                            cid);
        assert_string_equal(json_string_value(json_object_get(cs, "state")),
                            "malicious");
        assert_non_null(json_object_get(json_object_get(o, "record"),
                                        "tag_given:extortion"));
        json_decref(o);
        /* The case, looked up, says who changed the buyer's tags. */
        snprintf(args, sizeof(args), "--case %s", cid);
        o = run_report(args, 0);
        notes = json_object_get(o, "buyer_tag_notes");
        assert_string_equal(
            json_string_value(json_object_get(
                json_object_get(notes, "tag_given:extortion"), "reason")),
            "store-1 confirmed the demand");
        assert_string_equal(
            json_string_value(json_object_get(
                json_object_get(notes, "tag_lifted:extortion"), "by")),
            "ops-anna");
        json_decref(o);
        o = run_report("--platform taobao --buyer buyer-nobody", 3);
        json_decref(o);
}

/* Ids may hold ':' (CONTRACT.md: any string). Store "aud:x"'s buyer says
 * no about order "1"; then a 1-star review of order "x:1" of store "aud"
 * by another buyer: a different order, so its case opens in outreach with
 * the first contact, not closed by the other store's refusal. Each order
 * keeps its own record, and redress-report finds it. */
static void test_ids_with_colons_keep_stores_apart(void **state) {
        static const char no[] = "别再给我发消息了，评价我不会改的。";
        char json[2048], at[RDR_TIME_RFC3339_SIZE], cid[RDR_ID_LEN],
            theirs[256], ours[256], got[64];
        redisReply *r;
        json_t *o;
        acts_t a;
        int i;
        (void)state;
        snprintf(json, sizeof(json),
                 "{\"event_id\":\"chat-colon-no\",\"type\":\"chat.message\","
                 "\"platform\":\"taobao\",\"store_id\":\"aud:x\","
                 "\"buyer_id\":\"buyer-colon-x\",\"order_id\":\"1\","
                 "\"direction\":\"buyer\",\"channel\":\"im\",\"text\":\"%s\","
                 "\"sent_at\":\"2026-11-23T03:00:00Z\"}",
                 no);
        publish_json("redress.chats", "aud:x/buyer-colon-x", json);
        rdr_key_order(theirs, sizeof(theirs), "taobao", "aud:x", "1",
                      "intents");
        for (i = 0; i < 200 && h_redis_int(&env, "SCARD", theirs) < 1; i++)
                h_sleep_ms(50);
        r = redisCommand(env.redis, "SISMEMBER %s %s", theirs,
                         rdr_intent_names[RDR_INTENT_REFUSE]);
        assert_true(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
        freeReplyObject(r);
        settle(t0);

        rdr_case_id(cid, "taobao", "aud", "rv-colon");
        rdr_time_format_rfc3339(t0, at, sizeof(at));
        snprintf(json, sizeof(json),
                 "{\"event_id\":\"rv-colon-created\",\"type\":"
                 "\"review.created\",\"platform\":\"taobao\",\"store_id\":"
                 "\"aud\",\"review_id\":\"rv-colon\",\"order_id\":\"x:1\","
                 "\"buyer_id\":\"buyer-colon\",\"product_id\":\"sku-9\","
                 "\"rating\":1,\"text\":\"衣服起球很严重，洗了一次就变形了\","
                 "\"created_at\":\"%s\",\"language\":\"zh\",\"buyer\":{"
                 "\"timezone\":\"Asia/Shanghai\",\"account_level\":5,"
                 "\"account_age_days\":900,\"reviews_total\":40,"
                 "\"negative_reviews_total\":1}}",
                 at);
        publish_json("redress.reviews", "aud/x:1", json);
        read_actions(cid, 2, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        assert_string_equal(h_case_field(&env, cid, "state", got, sizeof(got)),
                            "outreach");
        /* The review's order has a record of its own, naming its case and
         * no chat intent; the other store's order still holds its no. */
        rdr_key_order(ours, sizeof(ours), "taobao", "aud", "x:1", NULL);
        assert_string_not_equal(ours, theirs);
        assert_non_null(h_hget(&env, ours, "case_id", got, sizeof(got)));
        assert_string_equal(got, cid);
        rdr_key_order(ours, sizeof(ours), "taobao", "aud", "x:1", "intents");
        assert_int_equal(h_redis_int(&env, "EXISTS", ours), 0);
        assert_int_equal(h_redis_int(&env, "SCARD", theirs), 1);
        /* redress-report finds each order by its own ids. */
        o = run_report("--platform taobao --store aud --order x:1", 0);
        assert_string_equal(json_string_value(json_object_get(o, "case_id")),
                            cid);
        assert_int_equal(json_array_size(json_object_get(o, "order_intents")),
                         0);
        json_decref(o);
        o = run_report("--platform taobao --store aud:x --order 1", 0);
        assert_true(json_is_null(json_object_get(o, "case_id")));
        assert_string_equal(json_string_value(json_array_get(
                                json_object_get(o, "order_intents"), 0)),
                            rdr_intent_names[RDR_INTENT_REFUSE]);
        json_decref(o);
}

static void test_shipment_exception_pauses_outreach(void **state) {
        char cid[RDR_ID_LEN];
        acts_t a;
        (void)state;
        case_of("taobao", "rv-ship", cid);
        publish_review("taobao", "review.created", "rv-ship", 1,
                       "等了十天还没到，物流太慢了", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_shipment("rv-ship", "shipment.exception",
                         ",\"exception\":\"lost\"");
        wait_field(cid, "ship_paused", "1");
        advance_to(t0 + 8 * DAY + 60000);
        read_actions(cid, a.cnt, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        /* Delivery resumes the cadence. */
        publish_shipment("rv-ship", "shipment.delivered", "");
        wait_field(cid, "ship_paused", "0");
        advance_to(t0 + 16 * DAY);
        read_actions(cid, a.cnt + 1, &a);
        print_actions(&a);
        assert_true(count_kind(&a, RDR_ACT_FOLLOW_UP) == 1);
}

/* The shipment events of type (shipment.delivered, ...) the shipments
 * worker has applied. */
static double shipment_events(const char *type) {
        char label[64];
        snprintf(label, sizeof(label), "type=\"%s\"", type);
        return h_metric_with(w_shipments, "redress_shipment_events_total",
                             label);
}

/* A delivered parcel holds nothing: an exception the carrier sends after
 * the delivery (late, or older than it) pauses no outreach, which would
 * otherwise wait for a delivery that came already, until case_ttl. */
static void test_exception_after_delivery_pauses_nothing(void **state) {
        char cid[RDR_ID_LEN], got[64];
        double delivered = shipment_events("shipment.delivered"),
               exceptions = shipment_events("shipment.exception");
        acts_t a;
        (void)state;
        case_of("taobao", "rv-ship-late-exc", cid);
        publish_review("taobao", "review.created", "rv-ship-late-exc", 1,
                       "等了十天还没到，物流太慢了", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        publish_shipment("rv-ship-late-exc", "shipment.delivered", "");
        assert_true(
            h_wait_metric_at_least(w_shipments, "redress_shipment_events_total",
                                   "type=\"shipment.delivered\"",
                                   (delivered > 0 ? delivered : 0) + 1));
        publish_shipment("rv-ship-late-exc", "shipment.exception",
                         ",\"exception\":\"address\"");
        assert_true(
            h_wait_metric_at_least(w_shipments, "redress_shipment_events_total",
                                   "type=\"shipment.exception\"",
                                   (exceptions > 0 ? exceptions : 0) + 1));
        assert_string_equal(
            h_case_field(&env, cid, "ship_paused", got, sizeof(got)), "0");
        /* The week's follow-up goes out. */
        advance_to(t0 + 8 * DAY + 60000);
        read_actions(cid, a.cnt + 1, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 1);
}

/* An input a read-at-once test publishes while Redis holds the writes:
 * how to publish it about order id, and the series (label) of the worker
 * that decides it, read before at `before`. */
typedef struct held_input_s {
        void (*publish)(const char *id);
        pid_t worker;
        const char *series, *label;
        double before;
} held_input_t;

/* Redis holds every client's writes; first is published and decided,
 * then second: Redis keeps their writes in that order when it lets them
 * through. Writes resume before any check, so that a failure here does
 * not hold the next tests' writes. */
static void decide_blind(const char *id, const held_input_t *first,
                         const held_input_t *second) {
        int decided;
        hold_writes(1);
        first->publish(id);
        decided = h_wait_metric_at_least(first->worker, first->series,
                                         first->label, first->before + 1);
        if (decided) {
                second->publish(id);
                decided =
                    h_wait_metric_at_least(second->worker, second->series,
                                           second->label, second->before + 1);
        }
        hold_writes(0);
        assert_true(decided);
}

/* What the read-at-once tests publish about order id. */
static void publish_late_review(const char *id) {
        publish_review("taobao", "review.created", id, 1,
                       "等了十天还没到，物流太慢了", "Asia/Shanghai");
}

static void publish_lost(const char *id) {
        publish_shipment(id, "shipment.exception", ",\"exception\":\"lost\"");
}

static void publish_delivered(const char *id) {
        publish_shipment(id, "shipment.delivered", "");
}

static void publish_colour_review(const char *id) {
        publish_review("taobao", "review.created", id, 1,
                       "衣服有色差，和图片完全不一样", "Asia/Shanghai");
}

static void publish_refusal(const char *id) {
        char chat_id[64];
        snprintf(chat_id, sizeof(chat_id), "chat-%s", id);
        publish_chat("taobao", id, chat_id, "别再联系我了，我不会改评价的");
}

/* The conflicts the reviews, shipments and chats workers have met (an
 * apply refused and its batch decided again). */
static double conflicts(void) {
        return h_metric_sum(w_reviews, "redress_state_conflicts_total") +
               h_metric_sum(w_shipments, "redress_state_conflicts_total") +
               h_metric_sum(w_chats, "redress_state_conflicts_total");
}

/* The conflicts worker pid met on what (a redress_state_conflicts_total
 * label value: "record", or a guard's counters, "writes", "case"). */
static double conflicts_on(pid_t pid, const char *what) {
        char label[64];
        snprintf(label, sizeof(label), "what=\"%s\"", what);
        return h_metric_with(pid, "redress_state_conflicts_total", label);
}

/* Wait up to 10 s until the workers have met a conflict more than
 * before; else fail. */
static void wait_conflict(double before) {
        int i;
        for (i = 0; i < 200 && conflicts() <= before; i++)
                h_sleep_ms(50);
        assert_true(conflicts() > before);
}

/* Once the fleet has settled: the reviews the reviews worker applied,
 * the shipment events of kind ship (a type="..." label) the shipments
 * worker read, and the conflicts, before what a test publishes next. */
typedef struct counts_s {
        double applied, shipped, conflicts;
} counts_t;

static void counts_before(const char *ship, counts_t *c) {
        settle(clock_now);
        c->applied = h_metric_with(w_reviews, "redress_case_inputs_total",
                                   "status=\"applied\"");
        c->shipped =
            h_metric_with(w_shipments, "redress_shipment_events_total", ship);
        c->conflicts = conflicts();
}

/* A review and its order's parcel exception read at the same instant:
 * Redis holds both workers' writes until each has decided without the
 * other, the review's first (the parcel's if parcel_first), and lets
 * them write in that order. The one applied second is refused, reads the
 * other and decides again: the case ends paused by the parcel whichever
 * came first (no first contact if the parcel did), and its cadence waits
 * for the delivery. */
static void review_and_parcel_at_once(const char *id, int parcel_first) {
        static const char applied[] = "status=\"applied\"",
                          exception[] = "type=\"shipment.exception\"";
        char cid[RDR_ID_LEN];
        counts_t b;
        double second0;
        acts_t a;
        case_of("taobao", id, cid);
        counts_before(exception, &b);
        /* The one applied second is refused by the guard on what the
         * other wrote: the parcels' write counters, or the cases listed. */
        second0 = conflicts_on(parcel_first ? w_reviews : w_shipments,
                               parcel_first ? "writes" : "case");

        {
                held_input_t parcel = {publish_lost, w_shipments,
                                       "redress_shipment_events_total",
                                       exception, b.shipped},
                             review = {publish_late_review, w_reviews,
                                       "redress_case_inputs_total", applied,
                                       b.applied};
                decide_blind(id, parcel_first ? &parcel : &review,
                             parcel_first ? &review : &parcel);
        }

        wait_field(cid, "ship_paused", "1");
        wait_conflict(b.conflicts);
        assert_true(conflicts_on(parcel_first ? w_reviews : w_shipments,
                                 parcel_first ? "writes" : "case") > second0);
        advance_to(t0 + 8 * DAY + 60000);
        read_settled(cid, &a);
        print_actions(&a);
        /* The review first: its first contact went out before the pause. */
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), !parcel_first);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        publish_delivered(id);
        wait_field(cid, "ship_paused", "0");
        advance_to(t0 + 16 * DAY);
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 1);
}

static void test_review_and_parcel_read_at_once(void **state) {
        (void)state;
        review_and_parcel_at_once("rv-once", 0);
}

static void test_parcel_and_review_read_at_once(void **state) {
        (void)state;
        review_and_parcel_at_once("rv-once-p", 1);
}

/* The delivery's side: a lost parcel has held the order's outreach; its
 * order's review and the delivery are read at the same instant, the
 * review decided first (it opens its case paused) and the delivery next
 * (it reads no case). The delivery is refused, reads the case and
 * resumes it: the first contact goes out. */
static void test_review_and_delivery_read_at_once(void **state) {
        static const char applied[] = "status=\"applied\"",
                          delivered[] = "type=\"shipment.delivered\"";
        char cid[RDR_ID_LEN];
        counts_t b;
        double second0;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-once-d", cid);
        publish_lost("rv-once-d");
        counts_before(delivered, &b);
        second0 = conflicts_on(w_shipments, "case");
        {
                held_input_t review = {publish_late_review, w_reviews,
                                       "redress_case_inputs_total", applied,
                                       b.applied},
                             delivery = {publish_delivered, w_shipments,
                                         "redress_shipment_events_total",
                                         delivered, b.shipped};
                decide_blind("rv-once-d", &review, &delivery);
        }
        wait_field(cid, "state", "outreach");
        wait_field(cid, "ship_paused", "0");
        wait_conflict(b.conflicts);
        assert_true(conflicts_on(w_shipments, "case") > second0);
        settle(clock_now);
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
}

/* A review and its buyer's "no" about the order read at the same
 * instant: Redis holds both workers' writes until each has decided
 * without the other, the review's first (the chat's if chat_first), and
 * lets them write in that order. The one applied second is refused, reads
 * the other and decides again: the case ends closed as refused whichever
 * came first, and a first contact goes out only if the review's write
 * came before the no. */
static void review_and_refusal_at_once(const char *id, int chat_first) {
        static const char applied[] = "status=\"applied\"",
                          refuse[] = "intent=\"refuse\"";
        char cid[RDR_ID_LEN];
        static const char reviews_in[] = "topic=\"redress.reviews\"",
                          chats_in[] = "topic=\"redress.chats\"";
        double applied0, refused0, conflicts0, second0, rv_in0, ch_in0;
        acts_t a;
        case_of("taobao", id, cid);
        settle(clock_now);
        applied0 =
            h_metric_with(w_reviews, "redress_case_inputs_total", applied);
        refused0 = h_metric_with(w_chats, "redress_chat_intents_total", refuse);
        conflicts0 = conflicts();
        /* The one applied second: the review's opening, refused by the
         * order's write counters, or the chat, by its case_id. */
        second0 = conflicts_on(chat_first ? w_reviews : w_chats,
                               chat_first ? "writes" : "record");
        rv_in0 = h_metric_with(w_reviews, "redress_messages_consumed_total",
                               reviews_in);
        ch_in0 =
            h_metric_with(w_chats, "redress_messages_consumed_total", chats_in);

        {
                held_input_t chat = {publish_refusal, w_chats,
                                     "redress_chat_intents_total", refuse,
                                     refused0},
                             review = {publish_colour_review, w_reviews,
                                       "redress_case_inputs_total", applied,
                                       applied0};
                decide_blind(id, chat_first ? &chat : &review,
                             chat_first ? &review : &chat);
        }

        wait_refused(cid);
        wait_conflict(conflicts0);
        assert_true(conflicts_on(chat_first ? w_reviews : w_chats,
                                 chat_first ? "writes" : "record") > second0);
        /* The batch decided again counts its message consumed once. */
        settle(clock_now);
        assert_int_equal(h_metric_with(w_reviews,
                                       "redress_messages_consumed_total",
                                       reviews_in),
                         rv_in0 + 1);
        assert_int_equal(
            h_metric_with(w_chats, "redress_messages_consumed_total", chats_in),
            ch_in0 + 1);
        advance_to(t0 + 20 * DAY);
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_REPLY_PUBLIC), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), !chat_first);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_NUDGE), 0);
}

/* What the rerouted-chat test publishes: buyer-rv-rr's review of
 * order-rv-rr-b, and a question about that order. */
static void publish_review_of_b(const char *id) {
        (void)id;
        publish_review_ev(
            &(review_ev_t){"taobao", "review.created", "rv-rr-b",
                           "衣服有色差，和图片不一样", "Asia/Shanghai", 1, NULL,
                           "buyer-rv-rr", NULL, 0, NULL, NULL, NULL});
}

static void publish_question_of_b(const char *id) {
        (void)id;
        publish_chat_in("taobao", "store-1", "rv-rr", "rv-rr-b", "chat-rv-rr",
                        "请问什么时候能换货？");
}

/* A buyer's question about an order with no case yet reaches the buyer's
 * latest case in the store (case A of another order: BEHAVIOR.md 2.7, "on
 * that order or store"). Read at once with the review that opens the
 * order's case (B), the question's write to the order is refused and its
 * batch decided again, toward B; what its first attempt applied to A stays
 * applied, and its outputs go out: A's agent is asked to answer (left in
 * A's outbox, A waited paused for an agent nobody asked, until case_ttl). */
static void test_rerouted_chat_keeps_what_it_applied(void **state) {
        static const char applied[] = "status=\"applied\"",
                          question[] = "intent=\"question\"";
        char cida[RDR_ID_LEN], cidb[RDR_ID_LEN];
        double conflicts0, record0;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-rr-a", cida);
        case_of("taobao", "rv-rr-b", cidb);
        publish_review_ev(
            &(review_ev_t){"taobao", "review.created", "rv-rr-a",
                           "质量很差，用了两天就坏了", "Asia/Shanghai", 1, NULL,
                           "buyer-rv-rr", NULL, 0, NULL, NULL, NULL});
        read_actions(cida, 2, &a); /* the reply, the first contact */
        settle(clock_now);
        conflicts0 = conflicts();
        record0 = conflicts_on(w_chats, "record");
        {
                held_input_t review = {publish_review_of_b, w_reviews,
                                       "redress_case_inputs_total", applied,
                                       h_metric_with(
                                           w_reviews,
                                           "redress_case_inputs_total",
                                           applied)},
                             chat = {publish_question_of_b, w_chats,
                                     "redress_chat_intents_total", question,
                                     h_metric_with(w_chats,
                                                   "redress_chat_intents_total",
                                                   question)};
                decide_blind("rv-rr", &review, &chat);
        }
        wait_conflict(conflicts0);
        assert_true(conflicts_on(w_chats, "record") > record0);
        wait_field(cidb, "state", "paused");
        read_settled(cida, &a);
        print_actions(&a);
        /* A heard the question first: its agent's task is published. */
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        wait_field(cida, "state", "paused");
        read_settled(cidb, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
}

static void test_review_and_refusal_read_at_once(void **state) {
        (void)state;
        review_and_refusal_at_once("rv-once-r", 0);
}

static void test_refusal_and_review_read_at_once(void **state) {
        (void)state;
        review_and_refusal_at_once("rv-once-c", 1);
}

/* A parcel event of order "order-<id>" of buyer "buyer-<buyer>" at `at`
 * (RFC 3339 from ms), to country dest, tracking number tracking. */
static void publish_tracked(const char *id, const char *buyer,
                            const char *tracking, const char *event_id,
                            const char *type, int64_t at, const char *dest,
                            const char *extra) {
        char buf[1024], key[128], ts[RDR_TIME_RFC3339_SIZE];
        rdr_time_format_rfc3339(at, ts, sizeof(ts));
        snprintf(buf, sizeof(buf),
                 "{\"event_id\":\"%s\",\"type\":\"%s\","
                 "\"platform\":\"taobao\",\"store_id\":\"store-1\","
                 "\"order_id\":\"order-%s\",\"buyer_id\":\"buyer-%s\","
                 "\"carrier\":\"sf\",\"tracking_number\":\"%s\","
                 "\"service_level\":\"standard\","
                 "\"origin_country\":\"CN\",\"destination_country\":\"%s\","
                 "\"occurred_at\":\"%s\"%s}",
                 event_id, type, id, buyer, tracking, dest, ts, extra);
        snprintf(key, sizeof(key), "store-1/order-%s", id);
        publish_json("redress.shipments", key, buf);
}

/* The same, tracking number SF7. */
static void publish_parcel_to(const char *id, const char *buyer,
                              const char *event_id, const char *type,
                              int64_t at, const char *dest, const char *extra) {
        publish_tracked(id, buyer, "SF7", event_id, type, at, dest, extra);
}

/* The same, to New Zealand, which the playbook's destinations do not
 * list: a buyer the fleet has not met has the store's zone (UTC) and
 * language (English). */
static void publish_parcel_of(const char *id, const char *buyer,
                              const char *event_id, const char *type,
                              int64_t at, const char *extra) {
        publish_parcel_to(id, buyer, event_id, type, at, "NZ", extra);
}

/* The same, the order's buyer being "buyer-<id>". */
static void publish_parcel(const char *id, const char *event_id,
                           const char *type, int64_t at, const char *extra) {
        publish_parcel_of(id, id, event_id, type, at, extra);
}

/* The language of the first action of id on redress.actions. */
static void action_language(const char *id, char *out, size_t size) {
        char *text = action_text(id);
        json_t *o = json_loads(text, 0, NULL);
        free(text);
        assert_non_null(o);
        rdr_str_copy(out, size,
                     json_string_value(json_object_get(o, "language")));
        json_decref(o);
}

/* A buyer the fleet has met: the review of an earlier order came from
 * Shanghai, in Chinese. The buyer's next order has no review or chat
 * yet, and its notices still speak Chinese, in the buyer's daytime: the
 * shipped notice at once (10:00 in Shanghai), not at the store's 09:00
 * UTC, and the delay notice the timer worker's check sends later. A
 * buyer the fleet has not met gets the store's (English, UTC). */
static void test_shipment_notice_knows_the_buyer(void **state) {
        char cid[RDR_ID_LEN], sid[RDR_ID_LEN], lang[16];
        acts_t a;
        (void)state;
        case_of("taobao", "rv-known", cid);
        publish_review("taobao", "review.created", "rv-known", 1,
                       "做工粗糙，线头很多", "Asia/Shanghai");
        read_actions(cid, 2, &a);

        rdr_parcel_shipment_id(sid, "taobao", "store-1", "order-kn2", "SF7");
        publish_parcel_of("kn2", "rv-known", "kn2-created", "shipment.created",
                          t0, "");
        read_actions(sid, 1, &a);
        assert_int_equal(a.kind[0], RDR_ACT_NOTICE_SHIPPED);
        assert_int_equal(a.due[0], t0);
        action_language(sid, lang, sizeof(lang));
        assert_string_equal(lang, "zh");
        /* No scan for stall_after (4d): the check's delay notice, at
         * 10:00 in Shanghai too. */
        advance_to(t0 + 4 * DAY + 60000);
        read_actions(sid, 2, &a);
        assert_int_equal(a.kind[1], RDR_ACT_NOTICE_DELAY);
        assert_int_equal(a.due[1], t0 + 4 * DAY + 60000);

        /* Buyers the fleet has not met: their parcel's destination's
         * language and daytime (playbook destinations: CN is zh in
         * Asia/Shanghai, 10:01 there now: at once; ES es in Europe/Madrid,
         * where it is night: 09:00 there); a destination the table does
         * not list, the store's (English, 09:00 UTC). */
        {
                static const struct {
                        const char *id, *dest, *lang, *zone;
                } unmet[] = {{"kn3", "CN", "zh", NULL},
                             {"kn4", "ES", "es", "Europe/Madrid"},
                             {"kn5", "NZ", "en", "UTC"}};
                int64_t now = t0 + 4 * DAY + 60000;
                size_t i;
                for (i = 0; i < sizeof(unmet) / sizeof(unmet[0]); i++) {
                        char order[32], ev_id[32];
                        snprintf(order, sizeof(order), "order-%s", unmet[i].id);
                        snprintf(ev_id, sizeof(ev_id), "%s-created",
                                 unmet[i].id);
                        rdr_parcel_shipment_id(sid, "taobao", "store-1", order,
                                               "SF7");
                        publish_parcel_to(unmet[i].id, unmet[i].id, ev_id,
                                          "shipment.created", t0 + 4 * DAY,
                                          unmet[i].dest, "");
                        read_actions(sid, 1, &a);
                        action_language(sid, lang, sizeof(lang));
                        assert_string_equal(lang, unmet[i].lang);
                        if (!unmet[i].zone) {
                                assert_int_equal(a.due[0], now);
                                continue;
                        }
                        assert_true(a.due[0] > now && a.due[0] < now + DAY);
                        assert_local_time(unmet[i].zone, a.due[0], 9, 0);
                }
        }
}

/* A review that did not say where the buyer lives, read before its
 * order's parcel: the case stands in with the store's zone (UTC, where it
 * is 02:00), and the first contact waits for 09:00 UTC. The parcel then
 * goes to China: the case takes Shanghai's zone (10:00 there) and the
 * first contact goes at once; the order's record keeps the zone, so the
 * parcel's next events leave the case alone. */
static void test_parcel_tells_the_zone(void **state) {
        static const char series[] = "redress_cases_zone_learned_total";
        char cid[RDR_ID_LEN], got[64], version[24], k[256];
        double before = h_metric(w_shipments, series);
        acts_t a;
        (void)state;
        before = before > 0 ? before : 0;
        case_of("taobao", "rv-zone-late", cid);
        publish_review_ev(&(review_ev_t){"taobao", "review.created",
                                         "rv-zone-late", "做工粗糙，线头很多",
                                         NULL, 1});
        wait_field(cid, "zone_source", "store");
        read_settled(cid, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 0);
        assert_true(rdr_key_order(k, sizeof(k), "taobao", "store-1",
                                  "order-rv-zone-late", NULL) > 0);
        assert_null(h_hget(&env, k, "buyer_zone", got, sizeof(got)));

        publish_parcel_to("rv-zone-late", "rv-zone-late", "zl-created",
                          "shipment.created", t0, "CN", "");
        wait_field(cid, "zone", "Asia/Shanghai");
        assert_string_equal(
            h_case_field(&env, cid, "zone_source", got, sizeof(got)), "buyer");
        assert_true(atoll(h_case_field(&env, cid, "zone_learned_at_ms", got,
                                       sizeof(got))) == t0);
        read_actions(cid, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        assert_int_equal(a.due[1], t0);
        assert_string_equal(h_hget(&env, k, "buyer_zone", got, sizeof(got)),
                            "Asia/Shanghai");
        assert_true(h_wait_metric(w_shipments, series, NULL, before + 1));

        h_case_field(&env, cid, "version", version, sizeof(version));
        publish_parcel_to("rv-zone-late", "rv-zone-late", "zl-scan",
                          "shipment.scan", t0 + HOUR, "CN", "");
        advance_to(t0 + 2 * HOUR);
        assert_string_equal(
            h_case_field(&env, cid, "version", got, sizeof(got)), version);
        assert_true(h_metric(w_shipments, series) == before + 1);
        read_settled(cid, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
}

/* A buyer whose earlier review said where they live (New York) writes
 * another, on a new order, without the zone and before its parcel: the
 * case takes the zone the fleet knows of the buyer, not the store's. */
static void test_review_knows_the_buyer_zone(void **state) {
        char cid[RDR_ID_LEN], got[64];
        int64_t at;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-zone-first", cid);
        publish_review_ev(&(review_ev_t){
            "taobao", "review.created", "rv-zone-first", "做工粗糙，线头很多",
            "America/New_York", 1, NULL, "zone-buyer"});
        wait_field(cid, "zone_source", "buyer");
        case_of("taobao", "rv-zone-again", cid);
        publish_review_ev(&(review_ev_t){"taobao", "review.created",
                                         "rv-zone-again", "颜色和图片不一样",
                                         NULL, 2, NULL, "zone-buyer"});
        wait_field(cid, "zone_source", "buyer");
        assert_string_equal(h_case_field(&env, cid, "zone", got, sizeof(got)),
                            "America/New_York");
        /* 21:00 or 22:00 in New York: the first contact waits for 09:00
         * there, not the store's (UTC). */
        wait_field(cid, "next_step", "first_contact");
        at = atoll(h_case_field(&env, cid, "next_at_ms", got, sizeof(got)));
        assert_local_time("America/New_York", at, 9, 0);
        advance_to(at);
        read_actions(cid, 2, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
        assert_true(a.due[1] == at);
}

/* BEHAVIOR.md section 4 through the fleet: the shipped notice at once, a
 * delay notice when the parcel stalls (the timer worker's check), the next
 * one only once the estimate it told (the window's end, 20 days out) has
 * ended, stalled as the parcel still is, nothing after delivery; a lost
 * parcel gets its notice and a staff task. Replays publish no new
 * action. */
static void test_shipment_notices(void **state) {
        char sid[RDR_ID_LEN], lost[RDR_ID_LEN];
        acts_t a;
        (void)state;
        rdr_parcel_shipment_id(sid, "taobao", "store-1", "order-pn", "SF7");
        publish_parcel("pn", "pn-created", "shipment.created", t0, "");
        read_actions(sid, 1, &a);
        assert_int_equal(a.cnt, 1);
        assert_int_equal(a.kind[0], RDR_ACT_NOTICE_SHIPPED);
        /* 09:00 UTC: the store's daytime (the clock reads 02:00). */
        assert_int_equal(a.due[0], t0 + 7 * 3600 * 1000LL);
        /* The same event again, and a scan: no new notice. */
        publish_parcel("pn", "pn-created", "shipment.created", t0, "");
        publish_parcel("pn", "pn-scan-1", "shipment.scan", t0 + DAY / 2, "");
        advance_to(t0 + DAY);
        read_settled(sid, &a);
        assert_int_equal(a.cnt, 1);
        /* No scan for stall_after (4d) from the last one. */
        advance_to(t0 + 4 * DAY + DAY / 2 + 60000);
        read_actions(sid, 2, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 2);
        assert_int_equal(a.kind[1], RDR_ACT_NOTICE_DELAY);
        assert_non_null(strstr(a.id[1], ":logistics_delay:1"));
        /* The estimate it tells again is the window's end (20 days, the
         * playbook's default row): the parcel is on time all that day,
         * however long since its last scan; delay_notice_every (3d) is
         * no reason to apologise again. */
        {
                char *text = action_text(a.id[1]), date[32];
                rdr_localtm_t tm;
                assert_int_equal(
                    rdr_localtime_fields("UTC", t0 + 20 * DAY, &tm), RDR_OK);
                snprintf(date, sizeof(date), "%04d-%02d-%02d", tm.year,
                         tm.month, tm.day);
                assert_non_null(strstr(text, date));
                free(text);
        }
        advance_to(t0 + 7 * DAY + DAY / 2 + 60000);
        read_settled(sid, &a);
        assert_int_equal(a.cnt, 2);
        advance_to(t0 + 20 * DAY + 21 * HOUR);
        read_settled(sid, &a);
        assert_int_equal(a.cnt, 2);
        /* The day ended (23:59:59.999 UTC, the buyer's night): the next
         * notice at 09:00. */
        advance_to(t0 + 20 * DAY + 22 * HOUR);
        read_settled(sid, &a);
        assert_int_equal(a.cnt, 2);
        advance_to(t0 + 21 * DAY + 7 * HOUR);
        read_actions(sid, 3, &a);
        assert_int_equal(a.cnt, 3);
        assert_non_null(strstr(a.id[2], ":logistics_delay:2"));
        assert_true(a.due[2] == t0 + 21 * DAY + 7 * HOUR);
        /* Delivered: silence. */
        publish_parcel("pn", "pn-delivered", "shipment.delivered",
                       t0 + 22 * DAY, "");
        advance_to(t0 + 30 * DAY);
        read_settled(sid, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 3);
        /* A lost parcel: the buyer is told, a person looks. */
        rdr_parcel_shipment_id(lost, "taobao", "store-1", "order-pl", "SF7");
        publish_parcel("pl", "pl-created", "shipment.created", t0 + 30 * DAY,
                       "");
        publish_parcel("pl", "pl-lost", "shipment.exception",
                       t0 + 30 * DAY + 1000, ",\"exception\":\"lost\"");
        read_actions(lost, 3, &a);
        print_actions(&a);
        assert_int_equal(a.cnt, 3);
        assert_int_equal(count_kind(&a, RDR_ACT_NOTICE_SHIPPED), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_NOTICE_EXCEPTION), 1);
        assert_int_equal(count_kind(&a, RDR_ACT_STAFF_REVIEW), 1);
        /* No delay checks for a parcel in exception. */
        advance_to(t0 + 40 * DAY);
        read_settled(lost, &a);
        assert_int_equal(a.cnt, 3);
}

/* Section 7 from the other side: a parcel that stalls with no scan at all
 * is found late by its check, which tells the buyer first and pauses the
 * order's case; delivery resumes it. */
/* Order order-<id>'s parcel ships at t0 and is not scanned again: at
 * t0 + 4 days (stall_after) it is late, and the buyer is told by `told`
 * (in the buyer's daytime). Its notices (shipped, delay) into n. */
static void parcel_stalls(const char *id, int64_t told, acts_t *n) {
        char sid[RDR_ID_LEN], order[64], event_id[64];
        snprintf(order, sizeof(order), "order-%s", id);
        snprintf(event_id, sizeof(event_id), "%s-created", id);
        rdr_parcel_shipment_id(sid, "taobao", "store-1", order, "SF7");
        publish_parcel(id, event_id, "shipment.created", t0, "");
        read_actions(sid, 1, n);
        advance_to(told);
        read_actions(sid, 2, n);
        assert_int_equal(count_kind(n, RDR_ACT_NOTICE_DELAY), 1);
}

/* Parcel tracking of store "aud:x"'s order "x:1}" shipped at t0. */
static void publish_parcel_with_colons(const char *tracking) {
        char buf[1024], ts[RDR_TIME_RFC3339_SIZE];
        rdr_time_format_rfc3339(t0, ts, sizeof(ts));
        snprintf(buf, sizeof(buf),
                 "{\"event_id\":\"ship-colon-%s\",\"type\":"
                 "\"shipment.created\",\"platform\":\"taobao\","
                 "\"store_id\":\"aud:x\",\"order_id\":\"x:1}\","
                 "\"buyer_id\":\"buyer-ship-colon\",\"carrier\":\"sf\","
                 "\"tracking_number\":\"%s\",\"service_level\":"
                 "\"standard\",\"origin_country\":\"CN\","
                 "\"destination_country\":\"NZ\",\"occurred_at\":\"%s\"}",
                 tracking, tracking, ts);
        publish_json("redress.shipments", "aud:x/x:1}", buf);
}

/* Two parcels, "SF:7" and "SF:8", of store "aud:x"'s order "x:1}" (the
 * ids escaped in the order's key): each check's timer, which carries the
 * order's key (and the second's tracking number), fires and finds its
 * parcel late; the buyer is told of each. */
static void test_parcels_of_ids_with_colons(void **state) {
        static const char *const tracking[] = {"SF:7", "SF:8"};
        char sid[2][RDR_ID_LEN], key[256];
        acts_t n;
        int i;
        (void)state;
        for (i = 0; i < 2; i++) {
                rdr_parcel_shipment_id(sid[i], "taobao", "aud:x", "x:1}",
                                       tracking[i]);
                publish_parcel_with_colons(tracking[i]);
                read_actions(sid[i], 1, &n);
                assert_int_equal(count_kind(&n, RDR_ACT_NOTICE_SHIPPED), 1);
        }
        rdr_key_order(key, sizeof(key), "taobao", "aud:x", "x:1}", NULL);
        assert_string_equal(key, "redress:{o:taobao:aud%3Ax:x%3A1%7D}");
        wait_hget(key, "tracking_number", "SF:7");
        wait_hget(key, "parcel:SF:8:tracking_number", "SF:8");
        /* No scan for stall_after (4d), in the store's daytime. */
        advance_to(t0 + 4 * DAY + DAY / 2 + 60000);
        for (i = 0; i < 2; i++) {
                read_actions(sid[i], 2, &n);
                print_actions(&n);
                assert_int_equal(count_kind(&n, RDR_ACT_NOTICE_DELAY), 1);
        }
}

static void test_stalled_parcel_pauses_outreach(void **state) {
        char cid[RDR_ID_LEN];
        acts_t a, n;
        (void)state;
        case_of("taobao", "rv-stall", cid);
        publish_review("taobao", "review.created", "rv-stall", 2,
                       "衣服有点小，和描述的不太一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        parcel_stalls("rv-stall", t0 + 4 * DAY + 60000, &n);
        /* In the buyer's daytime (the review's Asia/Shanghai: 10:01 there),
         * not the store's (UTC: 02:01, it would wait until 09:00). */
        assert_int_equal(n.kind[1], RDR_ACT_NOTICE_DELAY);
        assert_int_equal(n.due[1], t0 + 4 * DAY + 60000);
        wait_field(cid, "ship_paused", "1");
        advance_to(t0 + 8 * DAY + 60000);
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 0);
        assert_int_equal(count_kind(&a, RDR_ACT_INCENTIVE), 0);
        publish_parcel("rv-stall", "rv-stall-delivered", "shipment.delivered",
                       t0 + 8 * DAY + 120000, "");
        wait_field(cid, "ship_paused", "0");
        advance_to(t0 + 16 * DAY);
        read_actions(cid, a.cnt + 1, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FOLLOW_UP), 1);
}

/* A review that comes after the buyer was told the parcel is late, while
 * the estimate that notice gave is still ahead: the parcel is still late
 * for the buyer, so the case opens paused and outreach waits for the
 * delivery (BEHAVIOR.md section 7). */
static void test_review_after_delay_notice_waits_for_delivery(void **state) {
        char cid[RDR_ID_LEN];
        int64_t at = t0 + 4 * DAY + 8 * HOUR;
        acts_t a, n;
        (void)state;
        case_of("taobao", "rv-told", cid);
        /* A buyer the fleet has not met: the store's zone (UTC), where the
         * check at 02:00 asks again at 09:00. */
        parcel_stalls("rv-told", t0 + 4 * DAY + 7 * HOUR + 60000, &n);
        advance_to(at);
        publish_review_ev(&(review_ev_t){
            "taobao", "review.created", "rv-told", "等了好久还没到，物流太慢了",
            "Asia/Shanghai", 2, NULL, NULL, NULL, at});
        wait_field(cid, "ship_paused", "1");
        read_settled(cid, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 0);
        publish_parcel("rv-told", "rv-told-delivered", "shipment.delivered",
                       at + 3600000, "");
        wait_field(cid, "ship_paused", "0");
        read_actions(cid, a.cnt + 1, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 1);
}

/* Two reviews of order order-<id> (two products, one buyer) at `at`,
 * from Shanghai: their cases into cid. */
static void two_reviews(const char *id, int64_t at, char cid[2][RDR_ID_LEN]) {
        char rv[64];
        int k;
        for (k = 0; k < 2; k++) {
                snprintf(rv, sizeof(rv), "rv-%s-%d", id, k + 1);
                case_of("taobao", rv, cid[k]);
                publish_review_ev(&(review_ev_t){
                    "taobao", "review.created", rv,
                    "等了好久还没到，物流太慢了", "Asia/Shanghai", 1, NULL, id,
                    k ? "sku-2" : "sku-1", at, id});
        }
}

/* How many actions of kind each case of cid has, once the fleet settled,
 * is want. */
static void assert_each(char cid[2][RDR_ID_LEN], rdr_action_kind_t kind,
                        size_t want) {
        acts_t a;
        int k;
        for (k = 0; k < 2; k++) {
                read_settled(cid[k], &a);
                if (count_kind(&a, kind) != want)
                        fail_msg("case %s: %zu %s, want %zu", cid[k],
                                 count_kind(&a, kind),
                                 rdr_action_kind_names[kind], want);
        }
}

/* Section 7 holds the outreach of the whole order. Three orders of two
 * reviews each (two products): one parcel lost (the shipments worker
 * pauses), one found stalled (the timer worker's check pauses), one
 * reviewed after the buyer was told it is late (both cases open paused).
 * Every case pauses, and every case resumes on its parcel's delivery. */
static void test_parcel_holds_every_case_of_the_order(void **state) {
        char lost[2][RDR_ID_LEN], stall[2][RDR_ID_LEN], told[2][RDR_ID_LEN];
        int k;
        (void)state;
        two_reviews("two-lost", t0, lost);
        two_reviews("two-stall", t0, stall);
        /* Open on the outreach track before their parcel's events (the
         * cases of two-told open after one). */
        for (k = 0; k < 2; k++) {
                wait_field(lost[k], "state", "outreach");
                wait_field(stall[k], "state", "outreach");
        }
        publish_parcel("two-lost", "two-lost-created", "shipment.created", t0,
                       "");
        publish_parcel("two-stall", "two-stall-created", "shipment.created", t0,
                       "");
        publish_parcel("two-told", "two-told-created", "shipment.created", t0,
                       "");
        publish_parcel("two-lost", "two-lost-exception", "shipment.exception",
                       t0 + HOUR, ",\"exception\":\"lost\"");
        for (k = 0; k < 2; k++)
                wait_field(lost[k], "ship_paused", "1");
        /* No scan for stall_after (4 d): late. */
        advance_to(t0 + 4 * DAY + 60000);
        for (k = 0; k < 2; k++)
                wait_field(stall[k], "ship_paused", "1");
        /* two-told's buyer, not met yet, has the store's zone (UTC): its
         * check at 02:00 tells the buyer at 09:00. */
        advance_to(t0 + 4 * DAY + 8 * HOUR);
        two_reviews("two-told", t0 + 4 * DAY + 8 * HOUR, told);
        for (k = 0; k < 2; k++)
                wait_field(told[k], "ship_paused", "1");
        advance_to(t0 + 8 * DAY + 60000);
        assert_each(lost, RDR_ACT_FOLLOW_UP, 0);
        assert_each(stall, RDR_ACT_FOLLOW_UP, 0);
        assert_each(told, RDR_ACT_FIRST_CONTACT, 0);
        publish_parcel("two-lost", "two-lost-delivered", "shipment.delivered",
                       t0 + 8 * DAY + 60000, "");
        publish_parcel("two-stall", "two-stall-delivered", "shipment.delivered",
                       t0 + 8 * DAY + 60000, "");
        publish_parcel("two-told", "two-told-delivered", "shipment.delivered",
                       t0 + 8 * DAY + 60000, "");
        for (k = 0; k < 2; k++) {
                wait_field(lost[k], "ship_paused", "0");
                wait_field(stall[k], "ship_paused", "0");
                wait_field(told[k], "ship_paused", "0");
        }
        assert_each(told, RDR_ACT_FIRST_CONTACT, 1);
        advance_to(t0 + 16 * DAY);
        assert_each(lost, RDR_ACT_FOLLOW_UP, 1);
        assert_each(stall, RDR_ACT_FOLLOW_UP, 1);
}

/* Order order-<id>'s parcel tracking, shipped at t0 - 7 days with the
 * store's promise promised_by and delivered at t0 - 1 day, then its 2-star
 * review blaming the delivery. */
static void delivered_then_reviewed(const char *id, const char *tracking,
                                    int64_t promised_by) {
        char day[RDR_TIME_RFC3339_SIZE], promised[64], ev[64];
        rdr_time_format_rfc3339(promised_by, day, sizeof(day));
        snprintf(promised, sizeof(promised), ",\"promised_by\":\"%s\"", day);
        snprintf(ev, sizeof(ev), "%s-created", id);
        publish_tracked(id, id, tracking, ev, "shipment.created", t0 - 7 * DAY,
                        "CN", promised);
        snprintf(ev, sizeof(ev), "%s-delivered", id);
        publish_tracked(id, id, tracking, ev, "shipment.delivered", t0 - DAY,
                        "CN", "");
        settle(clock_now);
        publish_review("taobao", "review.created", id, 2,
                       "物流太慢了，晚了好几天才到", "Asia/Shanghai");
}
/* A logistics review of an order whose parcel came days after the
 * store's promise: the case holds the carrier at fault, and the
 * shipment's evidence says by how much (what an appeal shows). */
static void test_late_parcel_is_the_carriers(void **state) {
        char cid[RDR_ID_LEN], field[32], got[512], day[RDR_TIME_RFC3339_SIZE],
            promised[64];
        int i, found = 0;
        acts_t a;
        (void)state;
        case_of("taobao", "rv-late", cid);
        delivered_then_reviewed("rv-late", "SF5", t0 - 4 * DAY);
        read_actions(cid, 1, &a);
        wait_field(cid, "carrier_at_fault", "1");
        for (i = 0; i < RDR_CASE_EVIDENCE_MAX && !found; i++) {
                snprintf(field, sizeof(field), "evidence.%d.text", i);
                h_case_field(&env, cid, field, got, sizeof(got));
                found = strstr(got, "carrier sf") != NULL;
        }
        assert_true(found);
        print_message("shipment evidence: %s\n", got);
        rdr_time_format_rfc3339(t0 - 4 * DAY, day, sizeof(day));
        day[10] = '\0';
        snprintf(promised, sizeof(promised), "promised by %s", day);
        assert_non_null(strstr(got, promised));
        rdr_time_format_rfc3339(t0 - DAY, day, sizeof(day));
        day[10] = '\0';
        snprintf(promised, sizeof(promised), "delivered %s", day);
        assert_non_null(strstr(got, promised));
}

/* A promise is a day: a parcel delivered later that day in the buyer's
 * zone (10:00 in Shanghai, promised by 08:00 that day) is on time, and
 * no carrier is blamed for the review it gets. */
static void test_parcel_delivered_on_its_promised_day(void **state) {
        char cid[RDR_ID_LEN], got[16];
        acts_t a;
        (void)state;
        case_of("taobao", "rv-on-day", cid);
        delivered_then_reviewed("rv-on-day", "SF6", t0 - DAY - 2 * HOUR);
        read_actions(cid, 1, &a);
        wait_field(cid, "state", "outreach");
        assert_string_equal(
            h_case_field(&env, cid, "carrier_at_fault", got, sizeof(got)), "0");
        read_actions(cid, a.cnt, &a);
        assert_int_equal(count_kind(&a, RDR_ACT_APPEAL_FILE), 0);
}

/* A split shipment: order-<id> ships in two parcels, SF7 and SF8, each
 * with its own notices and checks. SF8's events leave SF7's record
 * alone: SF7 stalls and its buyer hears of it, and SF8's delivery does
 * not resume the case SF7's lateness paused; SF7's does. */
static void test_split_shipment(void **state) {
        char cid[RDR_ID_LEN], cid2[RDR_ID_LEN], sf7[RDR_ID_LEN],
            sf8[RDR_ID_LEN], got[16];
        acts_t a, n7, n8;
        json_t *o, *sh;
        (void)state;
        case_of("taobao", "rv-split", cid);
        publish_review("taobao", "review.created", "rv-split", 2,
                       "衣服有点小，和描述的不太一样", "Asia/Shanghai");
        read_actions(cid, 2, &a);
        rdr_parcel_shipment_id(sf7, "taobao", "store-1", "order-rv-split",
                               "SF7");
        rdr_parcel_shipment_id(sf8, "taobao", "store-1", "order-rv-split",
                               "SF8");
        publish_tracked("rv-split", "rv-split", "SF7", "split-7-created",
                        "shipment.created", t0, "NZ", "");
        publish_tracked("rv-split", "rv-split", "SF8", "split-8-created",
                        "shipment.created", t0, "NZ", "");
        /* The scan is read when it happens (an event dated ahead of the
         * clock by more than consumer.future_max is a dead letter). */
        advance_to(t0 + 3 * DAY);
        publish_tracked("rv-split", "rv-split", "SF8", "split-8-scan",
                        "shipment.scan", t0 + 3 * DAY, "NZ", "");
        read_actions(sf7, 1, &n7);
        read_actions(sf8, 1, &n8);
        assert_int_equal(n7.kind[0], RDR_ACT_NOTICE_SHIPPED);
        assert_int_equal(n8.kind[0], RDR_ACT_NOTICE_SHIPPED);
        /* SF7 had no scan for stall_after (4d); SF8 had one a day ago. */
        advance_to(t0 + 4 * DAY + 60000);
        read_actions(sf7, 2, &n7);
        print_actions(&n7);
        assert_int_equal(n7.kind[1], RDR_ACT_NOTICE_DELAY);
        wait_field(cid, "ship_paused", "1");
        read_settled(sf8, &n8);
        print_actions(&n8);
        assert_int_equal(n8.cnt, 1);
        /* SF8 arrives: SF7 is still late, the case stays paused. */
        publish_tracked("rv-split", "rv-split", "SF8", "split-8-delivered",
                        "shipment.delivered", t0 + 4 * DAY + 120000, "NZ", "");
        read_settled(sf8, &n8);
        assert_string_equal(
            h_case_field(&env, cid, "ship_paused", got, sizeof(got)), "1");
        publish_tracked("rv-split", "rv-split", "SF7", "split-7-delivered",
                        "shipment.delivered", t0 + 5 * DAY, "NZ", "");
        wait_field(cid, "ship_paused", "0");

        /* A review after one parcel came and the other was lost: the case
         * opens paused, whichever parcel the order shipped first. */
        case_of("taobao", "rv-split2", cid2);
        advance_to(t0 + 6 * DAY);
        publish_tracked("rv-split2", "rv-split2", "SF7", "split2-7-created",
                        "shipment.created", t0 + 5 * DAY, "NZ", "");
        publish_tracked("rv-split2", "rv-split2", "SF8", "split2-8-created",
                        "shipment.created", t0 + 5 * DAY, "NZ", "");
        publish_tracked("rv-split2", "rv-split2", "SF8", "split2-8-lost",
                        "shipment.exception", t0 + 5 * DAY + 3600000, "NZ",
                        ",\"exception\":\"lost\"");
        publish_tracked("rv-split2", "rv-split2", "SF7", "split2-7-delivered",
                        "shipment.delivered", t0 + 5 * DAY + 7200000, "NZ", "");
        settle(clock_now);
        publish_review_ev(
            &(review_ev_t){"taobao", "review.created", "rv-split2",
                           "等了好久还没到，物流太慢了", "Asia/Shanghai", 1,
                           NULL, NULL, NULL, t0 + 6 * DAY});
        wait_field(cid2, "ship_paused", "1");
        read_settled(cid2, &a);
        print_actions(&a);
        assert_int_equal(count_kind(&a, RDR_ACT_FIRST_CONTACT), 0);
        /* The week's abnormal shipments: the lost parcel, not the one
         * delivered beside it. */
        o = report();
        sh = json_object_get(json_object_get(o, "abnormal_shipments"),
                             "parcels");
        assert_non_null(
            row(sh, "order_id", "order-rv-split2", "tracking_number", "SF8"));
        assert_null(
            row(sh, "order_id", "order-rv-split2", "tracking_number", "SF7"));
        json_decref(o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_taobao_full_cadence, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_refusal_stops_everything,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_refusal_before_the_review,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_refusal_to_the_store_reaches_every_case, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_refusal_on_one_order_reaches_the_other, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_refusal_after_an_agreement_read_late, setup, teardown),
            cmocka_unit_test_setup_teardown(test_night_review_then_no, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_night_agreement_then_no, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_tagged_case_quotes_the_orders_demand, setup, teardown),
            cmocka_unit_test_setup_teardown(test_order_refusal_the_case_missed,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_question_on_an_order_pauses_each_case, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_question_to_the_store_pauses_each_case, setup, teardown),
            cmocka_unit_test_setup_teardown(test_chat_reaches_the_stores_case,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_chat_replayed_after_the_case_opened, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_refusal_to_the_store_before_the_review, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_agreed_then_refused_before_the_review, setup, teardown),
            cmocka_unit_test_setup_teardown(test_no_that_answers_is_no_refusal,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_rating_raised_resolves, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_review_edited_into_a_demand,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_harsh_four_stars_open_no_case,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_amazon_never_asks_and_records_blocks, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_order_limit_counts_later_messages, setup, teardown),
            cmocka_unit_test_setup_teardown(test_order_limit_counts_in_chats,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_order_limit_holds_across_workers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_amazon_limit_is_per_order,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_amazon_seller_feedback, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_buyer_country_gives_the_daytime, setup, teardown),
            cmocka_unit_test_setup_teardown(test_no_zone_is_counted, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_agree_guides_then_reminds_once,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_extortion_chat_moves_case_to_appeal, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_demand_after_a_refusal_is_appealed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_peer_seller_review, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_buyer_tagged_elsewhere_stops_outreach, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_buyer_tagged_elsewhere_other_paths, setup, teardown),
            cmocka_unit_test_setup_teardown(test_appeal_result_resolves_case,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_staff_resume_hands_case_back,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_manager_approves_the_offer,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_nudge_follows_an_incentive_held_till_morning, setup,
                teardown),
            cmocka_unit_test_setup_teardown(test_staff_evidence_files_appeal,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_staff_appeal_files_appeal,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_staff_appeal_waits_for_evidence, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_demands_before_the_review_are_evidence, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_demands_to_the_store_are_evidence, setup, teardown),
            cmocka_unit_test_setup_teardown(test_report_timers_due_per_store,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_report_month_in_store_zone,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_report_month_of_the_review,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_report_counts_are_numbers,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_report_one_case, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_buyer_tag_lifted_and_given_by_hand, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_ids_with_colons_keep_stores_apart, setup, teardown),
            cmocka_unit_test_setup_teardown(test_report_credits_a_case_once,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_report_credits_the_agent,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_shipment_exception_pauses_outreach, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_a_chain_of_writes_keeps_another_workers, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_exception_after_delivery_pauses_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_review_and_parcel_read_at_once,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_parcel_and_review_read_at_once,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_review_and_delivery_read_at_once, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_review_and_refusal_read_at_once, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_refusal_and_review_read_at_once, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_rerouted_chat_keeps_what_it_applied, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_shipment_notice_knows_the_buyer, setup, teardown),
            cmocka_unit_test_setup_teardown(test_parcel_tells_the_zone, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_review_knows_the_buyer_zone,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_parcel_holds_every_case_of_the_order, setup, teardown),
            cmocka_unit_test_setup_teardown(test_shipment_notices, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_stalled_parcel_pauses_outreach,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_parcels_of_ids_with_colons,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_review_after_delay_notice_waits_for_delivery, setup,
                teardown),
            cmocka_unit_test_setup_teardown(test_split_shipment, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_late_parcel_is_the_carriers,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_parcel_delivered_on_its_promised_day, setup, teardown),
        };
        h_test_filter();
        return cmocka_run_group_tests_name("integration: cadence", tests,
                                           group_setup, group_teardown);
}

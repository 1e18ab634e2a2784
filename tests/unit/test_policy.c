/* Platform policies (policy.h) and the playbook (playbook.h): the shipped
 * configs/ load; each rule of BEHAVIOR.md section 6 blocks with its name;
 * a bad file is refused with file:line:key. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "peers.h"
#include "playbook.h"
#include "policy.h"
#include "str.h"

#define DAY (86400LL * 1000)
#define T0 1780300800000LL /* 2026-06-01T08:00:00Z */

static rdr_policy_set_t *set;

static int setup(void **state) {
        char errstr[512];
        (void)state;
        set = rdr_policy_set_load_dir(RDR_SOURCE_DIR "/configs/platforms",
                                      errstr, sizeof(errstr));
        if (!set)
                fprintf(stderr, "%s\n", errstr);
        return set ? 0 : -1;
}

static int teardown(void **state) {
        (void)state;
        rdr_policy_set_destroy(set);
        return 0;
}

static const rdr_policy_t *pol(const char *platform) {
        const rdr_policy_t *p = rdr_policy_set_get(set, platform);
        assert_non_null(p);
        return p;
}

static rdr_policy_ctx_t ctx_at(int64_t at) {
        rdr_policy_ctx_t ctx;
        memset(&ctx, 0, sizeof(ctx));
        ctx.review_at_ms = T0;
        ctx.at_ms = at;
        ctx.reply_channel = -1;
        return ctx;
}

/* Check kind; returns the rule name if blocked, NULL if allowed. */
static const char *verdict(const char *platform, rdr_action_kind_t kind,
                           int has_offer, const rdr_policy_ctx_t *ctx,
                           rdr_policy_verdict_t *v) {
        rdr_policy_step_t step;
        rdr_err_t err;
        memset(&step, 0, sizeof(step));
        step.kind = kind;
        step.has_offer = has_offer;
        err = rdr_policy_check(pol(platform), &step, ctx, v);
        assert_true(err == RDR_OK || err == RDR_ERR_BLOCKED);
        assert_int_equal(err == RDR_OK, v->allowed);
        return v->allowed ? NULL : v->rule;
}

static void test_all_platforms_load(void **state) {
        static const char *const names[] = {
            "taobao", "tmall",  "aliexpress", "amazon",
            "ebay",   "tiktok", "shopify",    "trustpilot"};
        size_t i;
        (void)state;
        assert_int_equal(rdr_policy_set_count(set), 8);
        for (i = 0; i < 8; i++) {
                const rdr_policy_t *p = pol(names[i]);
                assert_string_equal(rdr_policy_platform(p), names[i]);
                assert_true(strlen(rdr_policy_source(p)) > 10);
                assert_true(strlen(rdr_policy_as_of(p)) == 10);
        }
        assert_null(rdr_policy_set_get(set, "myspace"));
}

/* Every kind on every platform gets an answer, and a blocked one names a
 * rule of that platform. */
static void test_every_kind_answers(void **state) {
        static const char *const names[] = {
            "taobao", "tmall",  "aliexpress", "amazon",
            "ebay",   "tiktok", "shopify",    "trustpilot"};
        size_t i;
        int k, offer;
        (void)state;
        for (i = 0; i < 8; i++) {
                for (k = 0; k < RDR_ACT__CNT; k++) {
                        for (offer = 0; offer < 2; offer++) {
                                rdr_policy_ctx_t ctx = ctx_at(T0 + DAY);
                                rdr_policy_verdict_t v;
                                const char *rule;
                                ctx.zone = "UTC";
                                rule = verdict(names[i], (rdr_action_kind_t)k,
                                               offer, &ctx, &v);
                                if (rule)
                                        assert_memory_equal(rule, names[i],
                                                            strlen(names[i]));
                        }
                }
        }
}

static void test_amazon(void **state) {
        rdr_policy_ctx_t ctx = ctx_at(T0 + DAY);
        rdr_policy_verdict_t v;
        rdr_policy_step_t step;
        (void)state;
        /* No incentive, ever. */
        assert_string_equal(verdict("amazon", RDR_ACT_INCENTIVE, 1, &ctx, &v),
                            "amazon.no_incentive");
        /* No request to change the review. */
        assert_string_equal(verdict("amazon", RDR_ACT_NUDGE, 0, &ctx, &v),
                            "amazon.no_review_change_request");
        assert_string_equal(
            verdict("amazon", RDR_ACT_MODIFICATION_GUIDE, 0, &ctx, &v),
            "amazon.no_review_change_request");
        /* One permitted message, by email. */
        assert_null(verdict("amazon", RDR_ACT_FIRST_CONTACT, 0, &ctx, &v));
        assert_int_equal(v.channel, RDR_CHAN_EMAIL);
        ctx.review_messages_sent = 1;
        assert_string_equal(verdict("amazon", RDR_ACT_FOLLOW_UP, 0, &ctx, &v),
                            "amazon.one_review_message");
        /* Seller feedback: may mention updating once the problem is
         * solved, never with an incentive. */
        ctx = ctx_at(T0 + DAY);
        ctx.review_kind = RDR_REVIEW_KIND_SELLER_FEEDBACK;
        ctx.review_messages_sent = 1;
        assert_string_equal(
            verdict("amazon", RDR_ACT_MODIFICATION_GUIDE, 0, &ctx, &v),
            "amazon.seller_feedback_after_resolution");
        ctx.problem_solved = 1;
        assert_null(verdict("amazon", RDR_ACT_MODIFICATION_GUIDE, 0, &ctx, &v));
        ctx.modify_requests_sent = 1;
        assert_string_equal(
            verdict("amazon", RDR_ACT_MODIFICATION_GUIDE, 0, &ctx, &v),
            "amazon.seller_feedback_one_mention");
        assert_string_equal(verdict("amazon", RDR_ACT_INCENTIVE, 1, &ctx, &v),
                            "amazon.no_incentive");
        /* Appeals only on Amazon's grounds. */
        memset(&step, 0, sizeof(step));
        step.kind = RDR_ACT_APPEAL_FILE;
        step.ground = RDR_GROUND_EXTORTION;
        ctx = ctx_at(T0 + DAY);
        ctx.evidence = RDR_EVIDENCE_BIT(RDR_EVIDENCE_REVIEW) |
                       RDR_EVIDENCE_BIT(RDR_EVIDENCE_CHAT);
        assert_int_equal(rdr_policy_check(pol("amazon"), &step, &ctx, &v),
                         RDR_ERR_BLOCKED);
        assert_string_equal(v.rule, "amazon.appeal_grounds");
        step.ground = RDR_GROUND_CARRIER_DELAY;
        assert_int_equal(rdr_policy_check(pol("amazon"), &step, &ctx, &v),
                         RDR_ERR_BLOCKED);
        assert_string_equal(v.rule, "amazon.appeal_evidence");
        assert_int_equal(v.missing_evidence,
                         RDR_EVIDENCE_BIT(RDR_EVIDENCE_SHIPMENT));
        ctx.evidence |= RDR_EVIDENCE_BIT(RDR_EVIDENCE_SHIPMENT);
        assert_int_equal(rdr_policy_check(pol("amazon"), &step, &ctx, &v),
                         RDR_OK);
        assert_int_equal(v.channel, RDR_CHAN_PLATFORM_APPEAL);
        assert_true(v.deadline_ms == T0 + 90 * DAY);
}

static void test_taobao(void **state) {
        rdr_policy_ctx_t ctx = ctx_at(T0 + DAY); /* 16:00 in Shanghai */
        rdr_policy_verdict_t v;
        rdr_policy_step_t step;
        rdr_window_t quiet;
        (void)state;
        ctx.zone = "Asia/Shanghai";
        /* Phone first, writing for reminders, the buyer's channel if
         * allowed. */
        assert_null(verdict("taobao", RDR_ACT_FIRST_CONTACT, 0, &ctx, &v));
        assert_int_equal(v.channel, RDR_CHAN_PHONE_TASK);
        assert_null(verdict("taobao", RDR_ACT_NUDGE, 0, &ctx, &v));
        assert_int_equal(v.channel, RDR_CHAN_IM);
        ctx.reply_channel = RDR_CHAN_SITE_LETTER;
        assert_null(verdict("taobao", RDR_ACT_NUDGE, 0, &ctx, &v));
        assert_int_equal(v.channel, RDR_CHAN_SITE_LETTER);
        ctx.reply_channel = RDR_CHAN_SMS; /* not a Taobao channel */
        assert_null(verdict("taobao", RDR_ACT_NUDGE, 0, &ctx, &v));
        assert_int_equal(v.channel, RDR_CHAN_IM);
        assert_null(verdict("taobao", RDR_ACT_INCENTIVE, 1, &ctx, &v));
        assert_null(verdict("taobao", RDR_ACT_REPLY_PUBLIC, 0, &ctx, &v));
        assert_int_equal(v.channel, RDR_CHAN_PUBLIC_REPLY);
        assert_null(verdict("taobao", RDR_ACT_STAFF_REVIEW, 0, &ctx, &v));
        assert_int_equal(v.channel, RDR_CHAN_STAFF);
        /* Quiet hours: 23:00 in Shanghai. */
        assert_true(rdr_policy_quiet_hours(pol("taobao"), &quiet));
        ctx.at_ms = T0 + 15 * 3600000LL;
        assert_string_equal(verdict("taobao", RDR_ACT_NUDGE, 0, &ctx, &v),
                            "taobao.quiet_hours");
        assert_false(rdr_policy_quiet_hours(pol("amazon"), &quiet));
        /* The buyer can change the review within 30 days only. */
        ctx.at_ms = T0 + 31 * DAY;
        assert_string_equal(
            verdict("taobao", RDR_ACT_MODIFICATION_GUIDE, 0, &ctx, &v),
            "taobao.modify_within_30d");
        /* Appeals: extortion needs the demand (a chat, or the review's own
         * words: evidence_mask() in cadence.c); the window is 30 days. */
        memset(&step, 0, sizeof(step));
        step.kind = RDR_ACT_APPEAL_FILE;
        step.ground = RDR_GROUND_EXTORTION;
        ctx = ctx_at(T0 + DAY);
        ctx.evidence = RDR_EVIDENCE_BIT(RDR_EVIDENCE_REVIEW);
        assert_int_equal(rdr_policy_check(pol("taobao"), &step, &ctx, &v),
                         RDR_ERR_BLOCKED);
        assert_string_equal(v.rule, "taobao.appeal_evidence");
        assert_int_equal(v.missing_evidence,
                         RDR_EVIDENCE_BIT(RDR_EVIDENCE_NEED_DEMAND));
        ctx.evidence |= RDR_EVIDENCE_BIT(RDR_EVIDENCE_NEED_DEMAND);
        assert_int_equal(rdr_policy_check(pol("taobao"), &step, &ctx, &v),
                         RDR_OK);
        assert_true(v.deadline_ms == T0 + 30 * DAY);
        ctx.at_ms = T0 + 30 * DAY;
        assert_int_equal(rdr_policy_check(pol("taobao"), &step, &ctx, &v),
                         RDR_ERR_BLOCKED);
        assert_string_equal(v.rule, "taobao.appeal_window");
        assert_int_equal(rdr_policy_appeal_window_ms(pol("taobao")), 30 * DAY);
        {
                unsigned need = 0;
                rdr_remedy_t remedy = RDR_REMEDY_REPORT;
                assert_true(rdr_policy_ground(pol("taobao"), RDR_GROUND_ABUSIVE,
                                              &need, &remedy));
                assert_int_equal(remedy, RDR_REMEDY_REMOVE_TEXT);
        }
}

static void test_other_platforms(void **state) {
        rdr_policy_ctx_t ctx = ctx_at(T0 + DAY);
        rdr_policy_verdict_t v;
        (void)state;
        /* eBay: one revision request, within 30 days, no incentive. */
        assert_null(verdict("ebay", RDR_ACT_NUDGE, 0, &ctx, &v));
        ctx.modify_requests_sent = 1;
        assert_string_equal(verdict("ebay", RDR_ACT_NUDGE, 0, &ctx, &v),
                            "ebay.revision_request_limit");
        assert_string_equal(verdict("ebay", RDR_ACT_INCENTIVE, 1, &ctx, &v),
                            "ebay.no_incentive");
        /* Trustpilot: customer service yes, amend requests and incentives
         * no. */
        ctx = ctx_at(T0 + DAY);
        assert_null(verdict("trustpilot", RDR_ACT_FIRST_CONTACT, 0, &ctx, &v));
        assert_null(verdict("trustpilot", RDR_ACT_FOLLOW_UP, 0, &ctx, &v));
        assert_string_equal(verdict("trustpilot", RDR_ACT_NUDGE, 0, &ctx, &v),
                            "trustpilot.no_amend_request");
        assert_string_equal(
            verdict("trustpilot", RDR_ACT_INCENTIVE, 1, &ctx, &v),
            "trustpilot.no_incentive");
        /* TikTok Shop and AliExpress: no incentives. */
        assert_string_equal(verdict("tiktok", RDR_ACT_INCENTIVE, 1, &ctx, &v),
                            "tiktok.no_incentive");
        assert_string_equal(
            verdict("aliexpress", RDR_ACT_INCENTIVE, 1, &ctx, &v),
            "aliexpress.no_incentive");
        /* Shopify: no marketplace to appeal to. */
        {
                rdr_policy_step_t step;
                memset(&step, 0, sizeof(step));
                step.kind = RDR_ACT_APPEAL_FILE;
                step.ground = RDR_GROUND_ABUSIVE;
                assert_int_equal(
                    rdr_policy_check(pol("shopify"), &step, &ctx, &v),
                    RDR_ERR_BLOCKED);
                assert_string_equal(v.rule, "shopify.no_platform_appeal");
        }
}

/* Write text to a temporary file; returns its path (static buffer). */
static const char *tmpfile_with(const char *text) {
        static char path[64];
        FILE *fp;
        int fd;
        snprintf(path, sizeof(path), "/tmp/rdr_test_XXXXXX");
        fd = mkstemp(path);
        assert_true(fd >= 0);
        fp = fdopen(fd, "w");
        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        return path;
}

static const char good_policy[] =
    "platform: acme\n"
    "source: \"test\"\n"
    "as_of: \"2026-11-23\"\n"
    "product_review:\n"
    "  may_ask_modify_review: {value: always, rule: acme.ask}\n"
    "  modify_window: {value: none, rule: acme.window}\n"
    "  max_modify_requests_per_order: {value: unlimited, rule: acme.mod}\n"
    "  incentives_allowed: {value: true, rule: acme.inc}\n"
    "  max_review_messages_per_order: {value: 3, rule: acme.msgs}\n"
    "channels: {rule: acme.ch, preference: [im], public_reply: {value: "
    "false, rule: acme.public}}\n"
    "quiet_hours: {value: none, rule: acme.quiet}\n"
    "appeal:\n"
    "  rule: acme.grounds\n"
    "  evidence_rule: acme.evidence\n"
    "  window: {value: 10d, rule: acme.window}\n"
    "  grounds: {}\n";

/* Load text with one substitution; expect failure mentioning want. */
static void expect_policy_error(const char *from, const char *to,
                                const char *want) {
        char text[2048], errstr[512];
        const char *at = strstr(good_policy, from), *path;
        rdr_policy_t *p;
        assert_non_null(at);
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good_policy),
                 good_policy, to, at + strlen(from));
        path = tmpfile_with(text);
        errstr[0] = '\0';
        p = rdr_policy_load_file(path, errstr, sizeof(errstr));
        unlink(path);
        if (p || !strstr(errstr, want))
                fail_msg("expected an error with '%s', got '%s'", want,
                         p ? "(loaded)" : errstr);
        assert_non_null(strstr(errstr, "/tmp/rdr_test_"));
}

static void test_policy_load_errors(void **state) {
        char errstr[512];
        const char *path = tmpfile_with(good_policy);
        rdr_policy_t *p = rdr_policy_load_file(path, errstr, sizeof(errstr));
        rdr_policy_ctx_t ctx = ctx_at(T0);
        rdr_policy_step_t step;
        rdr_policy_verdict_t v;
        (void)state;
        unlink(path);
        if (!p)
                fail_msg("%s", errstr);
        memset(&step, 0, sizeof(step));
        step.kind = RDR_ACT_REPLY_PUBLIC;
        assert_int_equal(rdr_policy_check(p, &step, &ctx, &v), RDR_ERR_BLOCKED);
        assert_string_equal(v.rule, "acme.public");
        rdr_policy_destroy(p);

        expect_policy_error("rule: acme.inc", "rule: other.inc",
                            ":8: key 'product_review.incentives_allowed.rule'"
                            ": a rule name starts with 'acme.'");
        expect_policy_error("{value: 3,", "{value: lots,",
                            ":9: key 'product_review."
                            "max_review_messages_per_order.value'");
        expect_policy_error("source: \"test\"\n", "", "key 'source': missing");
        expect_policy_error("preference: [im]", "preference: [fax]",
                            "'fax' is not a buyer channel");
        expect_policy_error("grounds: {}", "grounds: {bribery: {}}",
                            "unknown ground 'bribery'");
        expect_policy_error("as_of:", "as_off:", "unknown key under '(top)'");
        expect_policy_error("value: always", "value: sometimes",
                            "expected never, always or after_resolution");
        expect_policy_error("{value: none, rule: acme.quiet}",
                            "{value: \"22:00\", rule: acme.quiet}",
                            "expected a window like 09:00-20:00");

        /* A platforms/ that cannot be listed says why. */
        {
                char want[256];
                snprintf(want, sizeof(want),
                         "/nonexistent-rdr/platforms: cannot list directory: "
                         "%s",
                         strerror(ENOENT));
                assert_null(rdr_policy_set_load_dir(
                    "/nonexistent-rdr/platforms", errstr, sizeof(errstr)));
                assert_string_equal(errstr, want);
        }
}

static void test_playbook_shipped(void **state) {
        char errstr[512];
        rdr_playbook_t *pb = rdr_playbook_load_file(
            RDR_SOURCE_DIR "/configs/playbook.yaml", errstr, sizeof(errstr));
        const rdr_store_conf_t *d, *s;
        const rdr_delivery_window_t *w;
        char buf[32];
        (void)state;
        if (!pb)
                fail_msg("%s", errstr);
        d = rdr_playbook_defaults(pb);
        assert_true(d->first_contact_within_ms == 24 * 3600000LL);
        assert_true(d->follow_up_after_ms == 7 * DAY);
        assert_true(d->incentive_after_ms == 8 * DAY);
        assert_true(d->nudge_from_ms == 9 * DAY);
        assert_true(d->nudge_every_ms == DAY);
        assert_int_equal(d->max_nudges, 7);
        assert_int_equal(d->daytime.start_min, 9 * 60);
        assert_int_equal(d->daytime.end_min, 20 * 60);
        assert_true(d->reply_sla_ms == 3600000LL);
        assert_true(d->modification_check_after_ms == 48 * 3600000LL);
        assert_true(d->case_ttl_ms == 30 * DAY);
        assert_true(d->appeal_evidence_before_ms == 5 * DAY);
        assert_true(d->appeal_answer_within_ms == 14 * DAY);
        assert_true(d->appeal_close_after_ms == 30 * DAY);
        assert_int_equal(d->on_policy_block, RDR_ON_BLOCK_STOP);
        assert_int_equal(d->incentive[RDR_REASON_PRODUCT_QUALITY].type,
                         RDR_OFFER_PARTIAL_REFUND);
        assert_int_equal(d->incentive[RDR_REASON_PRODUCT_QUALITY].amount_minor,
                         300);
        assert_string_equal(d->incentive[RDR_REASON_OTHER].currency, "USD");
        assert_int_equal(d->incentive[RDR_REASON_SIZE_FIT].percent, 5);
        assert_int_equal(d->reward_minor[RDR_REASON_PRODUCT_QUALITY], 5000);
        assert_int_equal(d->reward_minor[RDR_REASON_LOGISTICS], 3000);
        assert_true(d->stall_after_ms == 4 * DAY);
        assert_true(d->delay_notice_every_ms == 3 * DAY);
        /* A store's overrides, and defaults for the rest. */
        s = rdr_playbook_store(pb, NULL, "demo-taobao-shop");
        assert_string_equal(s->timezone, "Asia/Shanghai");
        assert_string_equal(s->agent_offer_limit.currency, "CNY");
        assert_int_equal(s->incentive[RDR_REASON_LOGISTICS].amount_minor, 1000);
        assert_int_equal(s->incentive[RDR_REASON_SIZE_FIT].type,
                         RDR_OFFER_DISCOUNT);
        assert_true(s->follow_up_after_ms == 7 * DAY);
        assert_ptr_equal(rdr_playbook_store(pb, NULL, "unknown-store"), d);
        assert_ptr_equal(rdr_playbook_store(pb, "taobao", "unknown-store"), d);
        /* Delivery windows: most specific row wins. */
        w = rdr_playbook_delivery_window(pb, "cainiao", "standard", "ES");
        assert_non_null(w);
        assert_true(w->min_ms == 10 * DAY && w->max_ms == 20 * DAY);
        w = rdr_playbook_delivery_window(pb, "dhl", "express", "ES");
        assert_true(w->min_ms == 2 * DAY);
        w = rdr_playbook_delivery_window(pb, "dhl", NULL, "FR");
        assert_true(w->max_ms == 20 * DAY);
        /* Destinations: a country's zone and language, none for one the
         * table does not list. */
        assert_string_equal(rdr_playbook_destination(pb, "ES")->timezone,
                            "Europe/Madrid");
        assert_string_equal(rdr_playbook_destination(pb, "BR")->language,
                            "pt-BR");
        assert_null(rdr_playbook_destination(pb, "NZ"));
        assert_null(rdr_playbook_destination(pb, ""));
        assert_null(rdr_playbook_destination(pb, NULL));
        /* Offers. */
        rdr_offer_format(&d->incentive[RDR_REASON_PRODUCT_QUALITY], buf,
                         sizeof(buf));
        assert_string_equal(buf, "3.00 USD");
        rdr_offer_format(&d->incentive[RDR_REASON_SIZE_FIT], buf, sizeof(buf));
        assert_string_equal(buf, "5%");
        {
                /* Each currency with its own decimals (the report's
                 * rewards are written so too). */
                rdr_offer_t o = {RDR_OFFER_PARTIAL_REFUND, 2000, "JPY", 0};
                rdr_offer_format(&o, buf, sizeof(buf));
                assert_string_equal(buf, "2000 JPY");
                rdr_str_copy(o.currency, sizeof(o.currency), "KWD");
                o.amount_minor = 1500;
                rdr_offer_format(&o, buf, sizeof(buf));
                assert_string_equal(buf, "1.500 KWD");
                rdr_str_copy(o.currency, sizeof(o.currency), "CNY");
                o.amount_minor = 2005;
                rdr_offer_format(&o, buf, sizeof(buf));
                assert_string_equal(buf, "20.05 CNY");
        }
        assert_false(rdr_offer_over_limit(
            &d->incentive[RDR_REASON_PRODUCT_QUALITY], &d->agent_offer_limit));
        assert_true(rdr_offer_over_limit(&s->incentive[RDR_REASON_OTHER],
                                         &d->agent_offer_limit)); /* CNY */
        rdr_playbook_destroy(pb);
}

/* A playbook of text, loaded from a file of its own (removed). */
static rdr_playbook_t *load_text(const char *text, char *errstr, size_t size) {
        const char *path = tmpfile_with(text);
        rdr_playbook_t *pb = rdr_playbook_load_file(path, errstr, size);
        unlink(path);
        return pb;
}

/* The shipped playbook with store (YAML under `stores:`) added is refused
 * with an error holding want and also (if not NULL). */
static void store_refused(const char *shipped, const char *store,
                          const char *want, const char *also) {
        static char text[16384];
        char why[512];
        rdr_playbook_t *pb;
        snprintf(text, sizeof(text), "%s%s", shipped, store);
        pb = load_text(text, why, sizeof(why));
        if (pb)
                fail_msg("%s: loaded", store);
        if (!strstr(why, want) || (also && !strstr(why, also)))
                fail_msg("%s: want '%s', got '%s'", store, want, why);
}

static void test_playbook_errors(void **state) {
        static const struct {
                const char *yaml, *want;
        } cases[] = {
            {"defaults: {}\n", ":1: key 'defaults.timezone': missing"},
            {"stores:\n  s1: {follow_up_after: 9d}\n",
             "key 'defaults': missing"},
            {"defaults: []\n", "key 'defaults': expected a mapping"},
        };
        static char text[16384];
        char errstr[512];
        size_t i;
        FILE *fp;
        long len;
        char *shipped;
        rdr_playbook_t *pb;
        const char *path;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                path = tmpfile_with(cases[i].yaml);
                pb = rdr_playbook_load_file(path, errstr, sizeof(errstr));
                unlink(path);
                assert_null(pb);
                if (!strstr(errstr, cases[i].want))
                        fail_msg("want '%s', got '%s'", cases[i].want, errstr);
        }
        /* A store override that breaks the order of the cadence, and an
         * unknown key, reported with the store's path. */
        fp = fopen(RDR_SOURCE_DIR "/configs/playbook.yaml", "r");
        assert_non_null(fp);
        fseek(fp, 0, SEEK_END);
        len = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        shipped = calloc(1, (size_t)len + 1);
        assert_non_null(shipped);
        assert_int_equal(fread(shipped, 1, (size_t)len, fp), (size_t)len);
        fclose(fp);
        store_refused(shipped, "  broken:\n    follow_up_after: 10d\n",
                      "key 'stores.broken'", "in order");
        /* Closing before the check would never ask anyone. */
        store_refused(shipped, "  hasty:\n    appeal_close_after: 10d\n",
                      "key 'stores.hasty.appeal_close_after'",
                      "longer than appeal_answer_within");
        store_refused(shipped, "  typo:\n    nudge_evry: 2d\n",
                      "key 'nudge_evry': unknown key under 'stores.typo'",
                      NULL);
        store_refused(shipped, "  tz:\n    timezone: Mars/Base\n",
                      "unknown time zone 'Mars/Base'", NULL);
        /* Language tags of BCP 47's shape; a tag the templates could
         * never match is refused at start. */
        store_refused(shipped, "  lang:\n    language: \"x y z\"\n",
                      "key 'stores.lang.language': expected a language tag "
                      "like en, es or zh-Hant, got 'x y z'",
                      NULL);
        store_refused(shipped, "  lang:\n    staff_language: klingon-\n",
                      "key 'stores.lang.staff_language'", NULL);
        /* An offer in another currency than the agent's limit would always
         * wait for a manager: the offer named, or the limit if the offers
         * come from the defaults. */
        store_refused(shipped,
                      "  cny:\n    incentives:\n      logistics: {type: "
                      "coupon, amount_minor: 1000, currency: CNY}\n",
                      "key 'stores.cny.incentives.logistics': the logistics "
                      "offer is in CNY but agent_offer_limit is in USD",
                      NULL);
        store_refused(shipped,
                      "  cny:\n    agent_offer_limit: {amount_minor: 100000, "
                      "currency: CNY, percent: 10}\n",
                      "key 'stores.cny.agent_offer_limit': the "
                      "product_quality offer is in USD but agent_offer_limit "
                      "is in CNY",
                      NULL);
        /* Per platform: the defaults, then the platform's, then the
         * store's. */
        snprintf(text, sizeof(text),
                 "%splatforms:\n  amazon:\n    stall_after: 6d\n"
                 "    timezone: Europe/London\n    nudge_every: 2d\n",
                 shipped);
        pb = load_text(text, errstr, sizeof(errstr));
        if (!pb)
                fail_msg("%s", errstr);
        {
                const rdr_store_conf_t *on =
                    rdr_playbook_store(pb, "amazon", "demo-amazon-us");
                const rdr_store_conf_t *plain =
                    rdr_playbook_store(pb, NULL, "demo-amazon-us");
                const rdr_store_conf_t *other =
                    rdr_playbook_store(pb, "amazon", "no-such-store");
                assert_true(on->stall_after_ms == 6 * DAY);
                assert_true(on->nudge_every_ms == 2 * DAY);
                /* The store's own zone wins over the platform's. */
                assert_string_equal(on->timezone, "America/New_York");
                assert_true(plain->stall_after_ms == 4 * DAY);
                assert_string_equal(plain->timezone, "America/New_York");
                assert_true(other->stall_after_ms == 6 * DAY);
                assert_string_equal(other->timezone, "Europe/London");
                assert_true(rdr_playbook_store(pb, "taobao", "demo-amazon-us")
                                ->stall_after_ms == 4 * DAY);
        }
        rdr_playbook_destroy(pb);
        snprintf(text, sizeof(text),
                 "%splatforms:\n  ebay:\n    follow_up_after: 30d\n", shipped);
        pb = load_text(text, errstr, sizeof(errstr));
        assert_null(pb);
        assert_non_null(strstr(errstr, "key 'platforms.ebay'"));
        /* A bad row of destinations: the file, line and key. */
        {
                static const struct {
                        const char *row, *want;
                } bad[] = {
                    {"  Spain: {timezone: Europe/Madrid, language: es}\n",
                     "key 'destinations.Spain': a destination is an ISO 3166"},
                    {"  NZ: {timezone: Middle/Earth, language: en}\n",
                     "key 'destinations.NZ.timezone'"},
                    {"  NZ: {timezone: Pacific/Auckland}\n",
                     "key 'destinations.NZ.language': missing"},
                    {"  ES: {timezone: Europe/Madrid, language: es}\n",
                     "key 'destinations.ES' given twice"},
                    {"  NZ: {timezone: Pacific/Auckland, language: \"e n\"}\n",
                     "key 'destinations.NZ.language': expected a language "
                     "tag"},
                };
                const char *at = strstr(shipped, "\ndestinations:\n");
                size_t head;
                assert_non_null(at);
                head = (size_t)(at - shipped) + strlen("\ndestinations:\n");
                for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                        snprintf(text, sizeof(text), "%.*s%s%s", (int)head,
                                 shipped, bad[i].row, shipped + head);
                        path = tmpfile_with(text);
                        pb = rdr_playbook_load_file(path, errstr,
                                                    sizeof(errstr));
                        unlink(path);
                        assert_null(pb);
                        if (!strstr(errstr, bad[i].want))
                                fail_msg("%s: %s", bad[i].row, errstr);
                        /* "<file>:<line>: key ..." */
                        assert_int_equal(strncmp(errstr, path, strlen(path)),
                                         0);
                        assert_int_equal(errstr[strlen(path)], ':');
                }
        }
        free(shipped);
}

/* The tables that parse the files also document them. */
static void test_docs(void **state) {
        char buf[8192];
        size_t n;
        FILE *fp = tmpfile();
        (void)state;
        assert_non_null(fp);
        rdr_playbook_doc(fp);
        rdr_policy_doc(fp);
        rewind(fp);
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        buf[n] = '\0';
        fclose(fp);
        assert_non_null(strstr(buf, "| `follow_up_after` | duration | "
                                    "0..365d | outreach.follow_up at T0 + "
                                    "this |"));
        assert_non_null(strstr(buf, "| `max_nudges` | integer | 0..100 |"));
        assert_non_null(
            strstr(buf, "| `incentives_allowed` | true or false |"));
}

/* configs/peers.yaml: the peer sellers the fleet knows (peers.h). */

#define PLATFORMS RDR_SOURCE_DIR "/configs/platforms"

static void test_peers_shipped(void **state) {
        char errstr[512];
        rdr_peers_t *p =
            rdr_peers_load_file(RDR_SOURCE_DIR "/configs/peers.yaml", PLATFORMS,
                                errstr, sizeof(errstr));
        (void)state;
        if (!p)
                fail_msg("%s", errstr);
        assert_int_equal(rdr_peers_count(p), 1);
        assert_true(rdr_peers_has(p, "taobao", "tbb-rival-flagship"));
        assert_false(rdr_peers_has(p, "tmall", "tbb-rival-flagship"));
        assert_false(rdr_peers_has(p, "taobao", "tbb-rival"));
        assert_false(rdr_peers_has(p, "taobao", NULL));
        rdr_peers_destroy(p);
}

/* Several platforms, many accounts: each found on its own platform. */
static void test_peers_lookup(void **state) {
        char errstr[512];
        const char *path = tmpfile_with("peers:\n"
                                        "  taobao: [z-shop, a-shop, m-shop]\n"
                                        "  amazon:\n"
                                        "    - A1B2C3\n"
                                        "    - a-shop\n"
                                        "  tmall: []\n");
        rdr_peers_t *p =
            rdr_peers_load_file(path, PLATFORMS, errstr, sizeof(errstr));
        (void)state;
        unlink(path);
        if (!p)
                fail_msg("%s", errstr);
        assert_int_equal(rdr_peers_count(p), 5);
        assert_true(rdr_peers_has(p, "taobao", "a-shop"));
        assert_true(rdr_peers_has(p, "taobao", "m-shop"));
        assert_true(rdr_peers_has(p, "taobao", "z-shop"));
        assert_true(rdr_peers_has(p, "amazon", "a-shop"));
        assert_true(rdr_peers_has(p, "amazon", "A1B2C3"));
        assert_false(rdr_peers_has(p, "amazon", "m-shop"));
        assert_false(rdr_peers_has(p, "tmall", "a-shop"));
        rdr_peers_destroy(p);

        /* No file, or no list: no peers. */
        p = rdr_peers_load_file("/nonexistent/peers.yaml", PLATFORMS, errstr,
                                sizeof(errstr));
        assert_non_null(p);
        assert_int_equal(rdr_peers_count(p), 0);
        assert_false(rdr_peers_has(p, "taobao", "a-shop"));
        rdr_peers_destroy(p);
        path = tmpfile_with("peers:\n");
        p = rdr_peers_load_file(path, PLATFORMS, errstr, sizeof(errstr));
        unlink(path);
        if (!p)
                fail_msg("%s", errstr);
        assert_int_equal(rdr_peers_count(p), 0);
        rdr_peers_destroy(p);
        /* A platforms/ that cannot be read (here a file) is not "no
         * policy": loading the policies says why. */
        path = tmpfile_with("peers:\n  taobao: [a-shop]\n");
        p = rdr_peers_load_file(path, PLATFORMS "/taobao.yaml", errstr,
                                sizeof(errstr));
        unlink(path);
        if (!p)
                fail_msg("%s", errstr);
        assert_true(rdr_peers_has(p, "taobao", "a-shop"));
        rdr_peers_destroy(p);
}

/* A bad file stops the worker with file:line: key and the reason. */
static void expect_peers_error(const char *text, const char *line_key,
                               const char *want) {
        char errstr[512];
        const char *path = tmpfile_with(text);
        rdr_peers_t *p =
            rdr_peers_load_file(path, PLATFORMS, errstr, sizeof(errstr));
        unlink(path);
        if (p || !strstr(errstr, want) || !strstr(errstr, line_key) ||
            !strstr(errstr, "/tmp/rdr_test_"))
                fail_msg("expected '%s' and '%s', got '%s'", line_key, want,
                         p ? "(loaded)" : errstr);
}

static void test_peers_errors(void **state) {
        (void)state;
        expect_peers_error("peers:\n  etsy: [x]\n", ":2: key 'peers.etsy'",
                           "no policy for platform 'etsy'");
        expect_peers_error("peers:\n  taobao:\n    - a\n    - b\n    - a\n",
                           ":5: key 'peers.taobao'", "'a' is listed twice");
        expect_peers_error("peers:\n  taobao: [\"\"]\n", "key 'peers.taobao'",
                           "an empty buyer account");
        expect_peers_error("peers:\n  taobao: shop-1\n",
                           ":2: key 'peers.taobao'",
                           "a list of buyer accounts");
        expect_peers_error("peers: [a]\n", "key 'peers'", "a map of platform");
        expect_peers_error("peer:\n  taobao: [a]\n", "key 'peer'",
                           "unknown key");
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_all_platforms_load),
            cmocka_unit_test(test_every_kind_answers),
            cmocka_unit_test(test_amazon),
            cmocka_unit_test(test_taobao),
            cmocka_unit_test(test_other_platforms),
            cmocka_unit_test(test_policy_load_errors),
            cmocka_unit_test(test_playbook_shipped),
            cmocka_unit_test(test_playbook_errors),
            cmocka_unit_test(test_docs),
            cmocka_unit_test(test_peers_shipped),
            cmocka_unit_test(test_peers_lookup),
            cmocka_unit_test(test_peers_errors),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}

/* Message templates (template.h): the shipped en/es/zh files load and every
 * template renders; lookup falls back by key, then to English; public
 * replies never carry order or buyer data; bad files are refused with
 * file:line:key. */
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

#include "policy.h"
#include "template.h"

static rdr_policy_set_t *pols;
static rdr_template_set_t *ts;

static int setup(void **state) {
        char errstr[512];
        (void)state;
        pols = rdr_policy_set_load_dir(RDR_SOURCE_DIR "/configs/platforms",
                                       errstr, sizeof(errstr));
        if (pols)
                ts = rdr_template_set_load_dir(
                    RDR_SOURCE_DIR "/configs/templates", "en", pols, errstr,
                    sizeof(errstr));
        if (!ts)
                fprintf(stderr, "%s\n", errstr);
        return ts ? 0 : -1;
}

static int teardown(void **state) {
        (void)state;
        rdr_template_set_destroy(ts);
        rdr_policy_set_destroy(pols);
        return 0;
}

static void full_vars(rdr_template_vars_t *v) {
        memset(v, 0, sizeof(*v));
        v->v[RDR_PH_BUYER_NAME] = "Alice Secret";
        v->v[RDR_PH_ORDER_ID] = "ORDER-SECRET-42";
        v->v[RDR_PH_PRODUCT_ID] = "SKU-7";
        v->v[RDR_PH_REVIEW_ID] = "R-1";
        v->v[RDR_PH_CASE_ID] = "cs_0123";
        v->v[RDR_PH_STORE_NAME] = "Acme";
        v->v[RDR_PH_PLATFORM] = "taobao";
        v->v[RDR_PH_REASON] = "logistics";
        v->v[RDR_PH_RATING] = "1";
        v->v[RDR_PH_OFFER] = "3.00 USD";
        v->v[RDR_PH_TRACKING_NUMBER] = "TRACK-SECRET-9";
        v->v[RDR_PH_CARRIER] = "Cainiao";
        v->v[RDR_PH_DELIVERY_WINDOW] = "June 3-5";
        v->v[RDR_PH_DEADLINE] = "2026-07-01 09:00 Asia/Shanghai";
        v->v[RDR_PH_EVIDENCE] = "review, chat";
}

static void test_lookup_and_fallback(void **state) {
        char out[RDR_MESSAGE_MAX];
        rdr_rendered_t info;
        rdr_template_vars_t v;
        (void)state;
        full_vars(&v);
        assert_int_equal(rdr_template_render(ts, RDR_ACT_REPLY_PUBLIC,
                                             "product_quality", "en", &v, out,
                                             sizeof(out), &info),
                         RDR_OK);
        assert_string_equal(info.template_id,
                            "en/reply.public/product_quality");
        assert_string_equal(info.language, "en");
        assert_int_equal(info.len, strlen(out));
        /* A regional tag picks the language file. */
        assert_int_equal(rdr_template_render(ts, RDR_ACT_REPLY_PUBLIC,
                                             "logistics", "es-MX", &v, out,
                                             sizeof(out), &info),
                         RDR_OK);
        assert_string_equal(info.template_id, "es/reply.public/logistics");
        assert_int_equal(rdr_template_render(ts, RDR_ACT_REPLY_PUBLIC,
                                             "logistics", "zh_Hans_CN", &v, out,
                                             sizeof(out), &info),
                         RDR_OK);
        assert_string_equal(info.template_id, "zh/reply.public/logistics");
        /* A key the language lacks: its default, not English. */
        assert_int_equal(rdr_template_render(ts, RDR_ACT_FIRST_CONTACT,
                                             "wrong_item", "zh", &v, out,
                                             sizeof(out), &info),
                         RDR_OK);
        assert_string_equal(info.template_id,
                            "zh/outreach.first_contact/default");
        /* A language we lack: English. */
        assert_int_equal(rdr_template_render(ts, RDR_ACT_FIRST_CONTACT,
                                             "wrong_item", "fr", &v, out,
                                             sizeof(out), &info),
                         RDR_OK);
        assert_string_equal(info.template_id,
                            "en/outreach.first_contact/wrong_item");
        assert_string_equal(info.language, "en");
        assert_int_equal(rdr_template_render(ts, RDR_ACT_NUDGE, NULL, NULL, &v,
                                             out, sizeof(out), &info),
                         RDR_OK);
        assert_string_equal(info.template_id, "en/outreach.nudge/default");
        assert_true(rdr_template_has_language(ts, "ES"));
        assert_false(rdr_template_has_language(ts, "fr"));
}

static void test_placeholders(void **state) {
        char out[RDR_MESSAGE_MAX], why[RDR_TEMPLATE_WHY_MAX];
        rdr_rendered_t info;
        rdr_template_vars_t v;
        (void)state;
        memset(&v, 0, sizeof(v));
        v.v[RDR_PH_ORDER_ID] = "O-77";
        v.v[RDR_PH_OFFER] = "5%";
        assert_int_equal(rdr_template_render(ts, RDR_ACT_INCENTIVE, NULL, "en",
                                             &v, out, sizeof(out), &info),
                         RDR_OK);
        /* Defaults of the language file fill the names we do not know. */
        assert_non_null(strstr(out, "Hello there, we are sorry again about "
                                    "your order O-77."));
        assert_non_null(strstr(out, "from our store, we would like to offer "
                                    "you 5%."));
        assert_null(strchr(out, '{'));
        assert_int_equal(rdr_template_render(ts, RDR_ACT_INCENTIVE, NULL, "zh",
                                             &v, out, sizeof(out), &info),
                         RDR_OK);
        assert_non_null(strstr(out, "亲您好"));
        /* A placeholder with neither value nor default: named, with the
         * template, in the error. */
        v.v[RDR_PH_OFFER] = NULL;
        assert_int_equal(rdr_template_render(ts, RDR_ACT_INCENTIVE, NULL, "en",
                                             &v, out, sizeof(out), &info),
                         RDR_ERR_INVALID);
        assert_string_equal(out, "");
        assert_non_null(info.missing);
        assert_string_equal(info.missing, "offer");
        rdr_template_why(RDR_ERR_INVALID, &info, why, sizeof(why));
        assert_string_equal(why, "Invalid input: placeholder {offer} has no "
                                 "value in en/outreach.incentive/default");
        /* Too small a buffer. */
        v.v[RDR_PH_OFFER] = "5%";
        assert_int_equal(rdr_template_render(ts, RDR_ACT_INCENTIVE, NULL, "en",
                                             &v, out, 16, &info),
                         RDR_ERR_TOO_LARGE);
        assert_string_equal(out, "");
        assert_null(info.missing);
}

/* Every template of every language renders with everything filled, and
 * the public ones show nothing of the buyer or the order. */
static void test_every_template_renders(void **state) {
        static const char *const langs[] = {"en", "es", "zh"};
        static const char *const extra[] = {"default",
                                            "malicious",
                                            "buyer_reply",
                                            "offer_approval",
                                            "appeal_evidence",
                                            "reminder",
                                            "taobao",
                                            "tmall",
                                            "amazon",
                                            "ebay",
                                            "aliexpress",
                                            "tiktok",
                                            "shopify",
                                            "trustpilot",
                                            "partial_refund",
                                            "coupon",
                                            "discount",
                                            "offer_approval_partial_refund",
                                            "offer_approval_coupon",
                                            "offer_approval_discount",
                                            NULL};
        char out[RDR_MESSAGE_MAX];
        rdr_rendered_t info;
        rdr_template_vars_t v;
        size_t l, i;
        int k, g;
        (void)state;
        full_vars(&v);
        for (l = 0; l < 3; l++) {
                for (k = 0; k < RDR_ACT__CNT; k++) {
                        const char
                            *keys[RDR_REASON__CNT + RDR_GROUND__CNT + 32];
                        size_t n = 0;
                        for (i = 0; i < RDR_REASON__CNT; i++)
                                keys[n++] = rdr_reason_names[i];
                        for (g = 0; g < RDR_GROUND__CNT; g++)
                                keys[n++] = rdr_ground_names[g];
                        for (i = 0; extra[i]; i++)
                                keys[n++] = extra[i];
                        for (i = 0; i < n; i++) {
                                rdr_err_t err = rdr_template_render(
                                    ts, (rdr_action_kind_t)k, keys[i], langs[l],
                                    &v, out, sizeof(out), &info);
                                if (err)
                                        fail_msg("%s/%s/%s: %s", langs[l],
                                                 rdr_action_kind_names[k],
                                                 keys[i], rdr_err2str(err));
                                assert_null(strstr(out, "{"));
                                assert_true(info.len > 20);
                                if (k != RDR_ACT_REPLY_PUBLIC)
                                        continue;
                                assert_null(strstr(out, "ORDER-SECRET"));
                                assert_null(strstr(out, "Alice"));
                                assert_null(strstr(out, "TRACK-SECRET"));
                        }
                }
        }
}

static void test_utf8_copy(void **state) {
        char buf[5];
        (void)state;
        /* "你好" is 6 bytes: 4 bytes of room keep only the first. */
        assert_int_equal(rdr_utf8_copy(buf, sizeof(buf), "你好"), 3);
        assert_string_equal(buf, "你");
        assert_int_equal(rdr_utf8_copy(buf, sizeof(buf), "abcdef"), 4);
        assert_string_equal(buf, "abcd");
        assert_int_equal(rdr_utf8_copy(buf, sizeof(buf), ""), 0);
}

static void test_ph_allowed(void **state) {
        (void)state;
        assert_false(
            rdr_template_ph_allowed(RDR_ACT_REPLY_PUBLIC, RDR_PH_ORDER_ID));
        assert_false(
            rdr_template_ph_allowed(RDR_ACT_REPLY_PUBLIC, RDR_PH_BUYER_NAME));
        assert_true(
            rdr_template_ph_allowed(RDR_ACT_REPLY_PUBLIC, RDR_PH_PRODUCT_ID));
        assert_true(rdr_template_ph_allowed(RDR_ACT_INCENTIVE, RDR_PH_OFFER));
        assert_false(rdr_template_ph_allowed(RDR_ACT_NUDGE, RDR_PH_OFFER));
        assert_true(
            rdr_template_ph_allowed(RDR_ACT_STAFF_REVIEW, RDR_PH_EVIDENCE));
}

/* A small valid en.yaml, for the tests below to change. */
static const char base[] =
    "language: en\n"
    "defaults: {buyer_name: there}\n"
    "templates:\n"
    "  reply.public: {default: \"Sorry about {product_id}.\"}\n"
    "  outreach.first_contact: {default: \"Hello {buyer_name}.\"}\n"
    "  outreach.follow_up: {default: \"Hello.\"}\n"
    "  outreach.incentive: {default: \"Have {offer}.\"}\n"
    "  outreach.nudge: {default: \"Hello.\"}\n"
    "  outreach.modification_guide: {default: \"Steps.\"}\n"
    "  notice.shipped: {default: \"Shipped.\"}\n"
    "  notice.logistics_delay: {default: \"Late.\"}\n"
    "  notice.exception: {default: \"Trouble.\"}\n"
    "  appeal.file: {default: \"Appeal {{literal}}.\"}\n"
    "  staff.review: {default: \"Look.\"}\n";

/* Load a template directory holding one file, made of base with one
 * substitution (from to to), with en as the fallback language. */
static rdr_template_set_t *load_file_variant(const char *file, const char *from,
                                             const char *to, char *errstr,
                                             size_t errstr_size) {
        static char text[8192];
        char dir[64], path[128];
        const char *at = strstr(base, from);
        rdr_template_set_t *set;
        FILE *fp;
        assert_non_null(at);
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - base), base, to,
                 at + strlen(from));
        snprintf(dir, sizeof(dir), "/tmp/rdr_tpl_XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        set = rdr_template_set_load_dir(dir, "en", pols, errstr, errstr_size);
        unlink(path);
        rmdir(dir);
        return set;
}

static rdr_template_set_t *load_variant(const char *from, const char *to,
                                        char *errstr, size_t errstr_size) {
        return load_file_variant("en.yaml", from, to, errstr, errstr_size);
}

/* Expect en.yaml made of base with one substitution to fail to load,
 * mentioning want. */
static void expect_error(const char *from, const char *to, const char *want) {
        char errstr[512];
        rdr_template_set_t *set;
        errstr[0] = '\0';
        set = load_variant(from, to, errstr, sizeof(errstr));
        if (set || !strstr(errstr, want))
                fail_msg("want '%s', got '%s'", want,
                         set ? "(loaded)" : errstr);
        rdr_template_set_destroy(set);
}

/* Several keys, most specific first: the first the language has wins,
 * then "default" (the incentive looks for the offer's type, then the
 * reason). */
static void test_key_chain(void **state) {
        static const struct {
                const char *keys, *text, *template_id;
        } cases[] = {
            {"coupon,logistics", "A coupon: 3.00 USD.",
             "en/outreach.incentive/coupon"},
            {"discount,logistics", "Sorry for the wait: 3.00 USD.",
             "en/outreach.incentive/logistics"},
            {"discount,size_fit", "Have 3.00 USD.",
             "en/outreach.incentive/default"},
            {",coupon", "A coupon: 3.00 USD.", "en/outreach.incentive/coupon"},
            {"coupon", "A coupon: 3.00 USD.", "en/outreach.incentive/coupon"},
            {NULL, "Have 3.00 USD.", "en/outreach.incentive/default"},
        };
        char errstr[512], out[256];
        rdr_rendered_t info;
        rdr_template_vars_t v;
        rdr_template_set_t *set;
        size_t i;
        (void)state;
        set =
            load_variant("  outreach.incentive: {default: \"Have {offer}.\"}\n",
                         "  outreach.incentive:\n"
                         "    default: \"Have {offer}.\"\n"
                         "    logistics: \"Sorry for the wait: {offer}.\"\n"
                         "    coupon: \"A coupon: {offer}.\"\n",
                         errstr, sizeof(errstr));
        if (!set)
                fail_msg("%s", errstr);
        memset(&v, 0, sizeof(v));
        v.v[RDR_PH_OFFER] = "3.00 USD";
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(rdr_template_render(set, RDR_ACT_INCENTIVE,
                                                     cases[i].keys, "en", &v,
                                                     out, sizeof(out), &info),
                                 RDR_OK);
                assert_string_equal(out, cases[i].text);
                assert_string_equal(info.template_id, cases[i].template_id);
        }
        rdr_template_set_destroy(set);
}

static void test_load_errors(void **state) {
        char errstr[512], out[256];
        rdr_rendered_t info;
        rdr_template_set_t *set;
        (void)state;
        set = load_variant("Hello.", "Hello.", errstr, sizeof(errstr));
        if (!set)
                fail_msg("%s", errstr);
        /* "{{" is a literal brace. */
        assert_int_equal(rdr_template_render(set, RDR_ACT_APPEAL_FILE, NULL,
                                             "en", NULL, out, sizeof(out),
                                             &info),
                         RDR_OK);
        assert_string_equal(out, "Appeal {literal}.");
        rdr_template_set_destroy(set);

        /* No order data in public replies. */
        expect_error("Sorry about {product_id}.", "Sorry about {order_id}.",
                     ":4: key 'templates.reply.public.default': placeholder "
                     "{order_id} may not be used in reply.public");
        expect_error("Sorry about {product_id}.", "Sorry, {buyer_name}.",
                     "placeholder {buyer_name} may not be used");
        /* Unknown placeholders and stray braces. */
        expect_error("Hello {buyer_name}.", "Hello {buyer}.",
                     ":5: key 'templates.outreach.first_contact.default': "
                     "bad or unknown placeholder at '{buyer}.'");
        expect_error("Hello {buyer_name}.", "Hello {buyer_name.",
                     "bad or unknown placeholder");
        expect_error("Hello {buyer_name}.", "Hello }.",
                     "bad or unknown placeholder");
        /* An offer only where an offer rides. */
        expect_error("  outreach.nudge: {default: \"Hello.\"}",
                     "  outreach.nudge: {default: \"Have {offer}.\"}",
                     "placeholder {offer} may not be used in outreach.nudge");
        /* The fallback language needs a default for every kind. */
        expect_error("  staff.review: {default: \"Look.\"}\n",
                     "  staff.review: {buyer_reply: \"Look.\"}\n",
                     "key 'templates.staff.review.default': missing");
        expect_error("  notice.shipped:", "  notice.teleported:",
                     "key 'notice.teleported': unknown key under 'templates'");
        expect_error("language: en", "language: EN!",
                     "expected a lowercase language tag");
        /* A file's language is the one its name says. */
        expect_error("language: en", "language: es",
                     "en.yaml:1: key 'language': expected 'en' as the file "
                     "name says");
        set = load_file_variant("es.yaml", "language: en", "language: pt",
                                errstr, sizeof(errstr));
        assert_null(set);
        assert_non_null(strstr(errstr, "es.yaml:1: key 'language': expected "
                                       "'es' as the file name says"));
        set = load_file_variant("es.yaml", "language: en", "language: es",
                                errstr, sizeof(errstr));
        assert_null(set);
        assert_non_null(
            strstr(errstr, "no templates for the fallback language 'en'"));
        expect_error("defaults: {buyer_name: there}",
                     "defaults: {nickname: there}",
                     "key 'nickname': unknown key under 'defaults'");
        expect_error("{default: \"Hello.\"}", "{Default: \"Hello.\"}",
                     "a key is lowercase letters, digits and '_'");

        /* A templates/ that cannot be listed says why. */
        {
                char want[256];
                snprintf(want, sizeof(want),
                         "/nonexistent-rdr/templates: cannot list directory: "
                         "%s",
                         strerror(ENOENT));
                assert_null(rdr_template_set_load_dir(
                    "/nonexistent-rdr/templates", "en", pols, errstr,
                    sizeof(errstr)));
                assert_string_equal(errstr, want);
        }
}

/* A key under a kind that the fleet never looks that kind up by (a
 * misspelt reason, a platform it does not serve) would leave its
 * messages on "default" unnoticed: refused at load, with the keys the kind
 * is looked up by. */
static void test_unknown_keys(void **state) {
        char errstr[512];
        rdr_template_set_t *set;
        (void)state;
        expect_error("  reply.public: {default: \"Sorry about {product_id}.\"}",
                     "  reply.public:\n"
                     "    default: \"Sorry.\"\n"
                     "    product_qualty: \"Sorry it broke.\"",
                     ":6: key 'templates.reply.public.product_qualty': "
                     "unknown key: reply.public templates are looked up by "
                     "default, product_quality, not_as_described, size_fit,");
        expect_error("  reply.public: {default: \"Sorry about {product_id}.\"}",
                     "  reply.public: {default: \"Sorry.\", dflt: \"Hm.\"}",
                     "after_sales, other, none, malicious");
        /* Notices have one text each. */
        expect_error("{default: \"Shipped.\"}",
                     "{default: \"Shipped.\", taobao: \"Sent.\"}",
                     "key 'templates.notice.shipped.taobao': unknown key: "
                     "notice.shipped templates are looked up by default");
        /* The guide per platform: those of configs/platforms. */
        expect_error("{default: \"Steps.\"}",
                     "{default: \"Steps.\", amazom: \"Steps.\"}",
                     "key 'templates.outreach.modification_guide.amazom': "
                     "unknown key: outreach.modification_guide templates are "
                     "looked up by default, aliexpress, amazon, ebay,");
        expect_error("{default: \"Have {offer}.\"}",
                     "{default: \"Have {offer}.\", none: \"No {offer}.\", "
                     "voucher: \"A {offer} voucher.\"}",
                     "key 'templates.outreach.incentive.voucher': unknown key: "
                     "outreach.incentive templates are looked up by default, "
                     "partial_refund, coupon, discount, product_quality,");
        expect_error("{default: \"Appeal {{literal}}.\"}",
                     "{default: \"Appeal.\", spam: \"Appeal.\"}",
                     "key 'templates.appeal.file.spam': unknown key: "
                     "appeal.file templates are looked up by default, "
                     "extortion, professional,");
        expect_error("{default: \"Look.\"}",
                     "{default: \"Look.\", offer_approval_none: \"Look.\"}",
                     "key 'templates.staff.review.offer_approval_none': "
                     "unknown key: staff.review templates are looked up by "
                     "default, buyer_reply, review_lowered, appeal_unanswered, "
                     "offer_approval_partial_refund,");
        /* Every key the fleet asks for loads. */
        set = load_variant(
            "  outreach.modification_guide: {default: \"Steps.\"}\n",
            "  outreach.modification_guide: {default: \"Steps.\", "
            "amazon: \"Steps.\", trustpilot: \"Steps.\", reminder: \"Go.\"}\n",
            errstr, sizeof(errstr));
        if (!set)
                fail_msg("%s", errstr);
        rdr_template_set_destroy(set);
        set = load_variant("  staff.review: {default: \"Look.\"}\n",
                           "  staff.review: {default: \"Look.\", "
                           "buyer_reply: \"A.\", offer_approval: \"B.\", "
                           "offer_approval_coupon: \"C.\", "
                           "parcel_overdue: \"D.\"}\n",
                           errstr, sizeof(errstr));
        if (!set)
                fail_msg("%s", errstr);
        rdr_template_set_destroy(set);
}

/* A placeholder the fleet does not always know where the template is
 * used (the buyer's name; a case's ids in a parcel's message; an appeal's
 * deadline) needs a default in the template's file: else messages would
 * fail to render on real events. Refused at load, naming the template and
 * the placeholder. */
static void test_placeholder_values(void **state) {
        static const struct {
                const char *from, *to, *want; /* want NULL: loads */
        } cases[] = {
            /* No default for the buyer's name. */
            {"defaults: {buyer_name: there}", "defaults: {store_name: us}",
             ":5: key 'templates.outreach.first_contact.default': "
             "placeholder {buyer_name} is not always known where this "
             "template is used: give it a value under defaults: in this file "
             "(defaults.buyer_name)"},
            /* The store's name: from the playbook, if it has one; an appeal
             * names the store by its id else. */
            {"Hello {buyer_name}.", "Hello from {store_name}.",
             "key 'templates.outreach.first_contact.default': placeholder "
             "{store_name} is not always known"},
            {"Appeal {{literal}}.", "Appeal by {store_name}.", NULL},
            /* A parcel's messages know no buyer name, case or review. */
            {"  notice.exception: {default: \"Trouble.\"}",
             "  notice.exception: {default: \"Trouble, {buyer_name}.\"}", NULL},
            {"  notice.exception: {default: \"Trouble.\"}",
             "  notice.exception: {default: \"Trouble with {product_id}.\"}",
             ":12: key 'templates.notice.exception.default': placeholder "
             "{product_id} is not always known"},
            /* The estimate: always in a delay notice, not in every
             * shipped one. */
            {"{default: \"Late.\"}", "{default: \"Late: {delivery_window}.\"}",
             NULL},
            {"{default: \"Shipped.\"}", "{default: \"By {delivery_window}.\"}",
             ":10: key 'templates.notice.shipped.default': placeholder "
             "{delivery_window} is not always known"},
            /* An offer where one rides; a deadline where one is set. */
            {"{default: \"Look.\"}",
             "{default: \"Look.\", offer_approval: \"{offer} by {deadline}?\"}",
             NULL},
            {"{default: \"Look.\"}",
             "{default: \"Look.\", buyer_reply: \"{offer}?\"}",
             "key 'templates.staff.review.buyer_reply': placeholder {offer} "
             "is not always known"},
            {"{default: \"Appeal {{literal}}.\"}",
             "{default: \"Appeal by {deadline}.\"}",
             "key 'templates.appeal.file.default': placeholder {deadline} is "
             "not always known"},
            /* A staff default stands in for the parcel's variants too,
             * unless the file has them. */
            {"{default: \"Look.\"}", "{default: \"Case {case_id}.\"}",
             ":14: key 'templates.staff.review.default': placeholder "
             "{case_id} is not always known"},
            {"{default: \"Look.\"}",
             "{default: \"Case {case_id}.\", parcel_exception: \"A.\", "
             "parcel_exception_late: \"B.\", parcel_overdue: \"C.\"}",
             NULL},
            {"{default: \"Look.\"}",
             "{default: \"Look.\", parcel_overdue: \"Case {case_id}.\"}",
             "key 'templates.staff.review.parcel_overdue': placeholder "
             "{case_id} is not always known"},
        };
        char errstr[512];
        rdr_template_set_t *set;
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                if (cases[i].want) {
                        expect_error(cases[i].from, cases[i].to, cases[i].want);
                        continue;
                }
                set = load_variant(cases[i].from, cases[i].to, errstr,
                                   sizeof(errstr));
                if (!set)
                        fail_msg("%s -> %s: %s", cases[i].from, cases[i].to,
                                 errstr);
                rdr_template_set_destroy(set);
        }
}

static void test_too_long_refused(void **state) {
        static char longtext[RDR_MESSAGE_MAX];
        char errstr[512];
        rdr_template_set_t *set;
        size_t i;
        (void)state;
        /* 3800 bytes plus two placeholders could overflow a message. */
        for (i = 0; i < 3800; i++)
                longtext[i] = 'x';
        memcpy(longtext + i, "{buyer_name}{order_id}", 23);
        set = load_variant("Hello.", longtext, errstr, sizeof(errstr));
        assert_null(set);
        assert_non_null(strstr(errstr, "too long"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_lookup_and_fallback),
            cmocka_unit_test(test_placeholders),
            cmocka_unit_test(test_every_template_renders),
            cmocka_unit_test(test_utf8_copy),
            cmocka_unit_test(test_ph_allowed),
            cmocka_unit_test(test_key_chain),
            cmocka_unit_test(test_load_errors),
            cmocka_unit_test(test_unknown_keys),
            cmocka_unit_test(test_placeholder_values),
            cmocka_unit_test(test_too_long_refused),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}

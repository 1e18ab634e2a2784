/* Unit tests of the output messages (outmsg.c): case and action messages
 * encoded to JSON and protobuf and decoded back field for field, the
 * validation errors of the encoders (each naming its field), and decoders
 * fed broken or invalid messages. No servers. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "event.h"
#include "outmsg.h"

static char errstr[1024];

static int64_t t(const char *s) {
        int ok = 0;
        int64_t ms = rdr_time_parse_rfc3339(s, strlen(s), &ok);

        assert_true(ok);
        return ms;
}

static void sample_case(rdr_case_msg_t *cm) {
        memset(cm, 0, sizeof(*cm));
        cm->event_id = "case-ev-1";
        cm->type = RDR_CASE_CLASSIFIED;
        cm->case_id = "case-7f3a";
        cm->platform = "taobao";
        cm->store_id = "tb-hanfeng";
        cm->review_id = "rv-tb-1";
        cm->order_id = "3981204457";
        cm->buyer_id = "tbb-xiaoyu";
        cm->product_id = "SKU-9";
        cm->rating = 1;
        cm->language = "zh";
        cm->sentiment = RDR_SENT_NEGATIVE;
        cm->reason = RDR_REASON_LOGISTICS;
        cm->reasons[0] = RDR_REASON_LOGISTICS;
        cm->reasons[1] = RDR_REASON_PACKAGING_DAMAGE;
        cm->reasons_cnt = 2;
        cm->malicious = RDR_MAL_EXTORTION;
        cm->confidence = 0.875;
        cm->state = "open";
        cm->occurred_at_ms = t("2026-11-20T15:42:11.125Z");
}

static const rdr_evidence_t sample_evidence[] = {
    {"chat", "ev-chat-003", "\xe4\xb8\x8d\xe7\x94\xa8\xe5\x86\x8d",
     1795417200000LL},
    {"review", "rv-tb-1", "rating 1", 0},
};

static void sample_action(rdr_action_msg_t *am) {
        memset(am, 0, sizeof(*am));
        am->action_id = "case-7f3a/appeal/1";
        am->kind = RDR_ACT_APPEAL_FILE;
        am->case_id = "case-7f3a";
        am->platform = "taobao";
        am->store_id = "tb-hanfeng";
        am->buyer_id = "tbb-xiaoyu";
        am->order_id = "3981204457";
        am->review_id = "rv-tb-1";
        am->channel = RDR_CHAN_PLATFORM_APPEAL;
        am->language = "zh";
        am->template_id = "appeal.extortion";
        am->message = "\xe4\xb9\xb0\xe5\xae\xb6\xe4\xbb\xa5\xe5\xb7\xae\xe8\xaf"
                      "\x84\xe7\xb4\xa2\xe8\xa6\x81\xe8\xa1\xa5\xe5\x81\xbf";
        am->has_offer = 1;
        am->offer.amount_minor = 300;
        memcpy(am->offer.currency, "CNY", 4);
        am->evidence = sample_evidence;
        am->evidence_cnt = 2;
        am->due_at_ms = t("2026-11-21T01:00:00Z");
        am->deadline_at_ms = t("2026-11-27T15:42:11Z");
        am->created_at_ms = t("2026-11-20T15:42:11.5Z");
}

static void str_eq(const char *a, const char *b) {
        assert_string_equal(a ? a : "", b ? b : "");
}

static void case_eq(const rdr_case_msg_t *a, const rdr_case_msg_t *b) {
        size_t i;

        str_eq(a->event_id, b->event_id);
        assert_int_equal(a->type, b->type);
        str_eq(a->case_id, b->case_id);
        str_eq(a->platform, b->platform);
        str_eq(a->store_id, b->store_id);
        str_eq(a->review_id, b->review_id);
        str_eq(a->order_id, b->order_id);
        str_eq(a->buyer_id, b->buyer_id);
        str_eq(a->product_id, b->product_id);
        assert_int_equal(a->rating, b->rating);
        str_eq(a->language, b->language);
        assert_int_equal(a->sentiment, b->sentiment);
        assert_int_equal(a->reason, b->reason);
        assert_int_equal(a->reasons_cnt, b->reasons_cnt);
        for (i = 0; i < a->reasons_cnt; i++)
                assert_int_equal(a->reasons[i], b->reasons[i]);
        assert_int_equal(a->malicious, b->malicious);
        assert_true(a->confidence == b->confidence);
        str_eq(a->state, b->state);
        assert_int_equal(a->occurred_at_ms, b->occurred_at_ms);
}

static void action_eq(const rdr_action_msg_t *a, const rdr_action_msg_t *b) {
        size_t i;

        str_eq(a->action_id, b->action_id);
        assert_int_equal(a->kind, b->kind);
        str_eq(a->case_id, b->case_id);
        str_eq(a->shipment_id, b->shipment_id);
        str_eq(a->platform, b->platform);
        str_eq(a->store_id, b->store_id);
        str_eq(a->buyer_id, b->buyer_id);
        str_eq(a->order_id, b->order_id);
        str_eq(a->review_id, b->review_id);
        assert_int_equal(a->channel, b->channel);
        str_eq(a->language, b->language);
        str_eq(a->template_id, b->template_id);
        str_eq(a->message, b->message);
        assert_int_equal(a->has_offer, b->has_offer);
        if (a->has_offer) {
                assert_int_equal(a->offer.amount_minor, b->offer.amount_minor);
                assert_string_equal(a->offer.currency, b->offer.currency);
        }
        assert_int_equal(a->evidence_cnt, b->evidence_cnt);
        for (i = 0; i < a->evidence_cnt; i++) {
                str_eq(a->evidence[i].kind, b->evidence[i].kind);
                str_eq(a->evidence[i].ref, b->evidence[i].ref);
                str_eq(a->evidence[i].text, b->evidence[i].text);
                assert_int_equal(a->evidence[i].at_ms, b->evidence[i].at_ms);
        }
        assert_int_equal(a->due_at_ms, b->due_at_ms);
        assert_int_equal(a->deadline_at_ms, b->deadline_at_ms);
        assert_int_equal(a->created_at_ms, b->created_at_ms);
}

static void expect_err(rdr_err_t err, rdr_err_t want, const char *field) {
        char quoted[128];

        if (err != want)
                print_error("got %d, want %d: %s\n", (int)err, (int)want,
                            errstr);
        assert_int_equal(err, want);
        if (!field)
                return;
        snprintf(quoted, sizeof(quoted), "'%s'", field);
        if (!strstr(errstr, quoted))
                print_error("errstr does not name %s: %s\n", quoted, errstr);
        assert_non_null(strstr(errstr, quoted));
}

/*
 * Round trips.
 */

static void case_round_trip(const rdr_case_msg_t *cm) {
        rdr_case_msg_t back;
        rdr_buf_t buf;

        rdr_buf_init(&buf);
        assert_int_equal(rdr_case_msg_encode_json(cm, &buf), RDR_OK);
        expect_err(rdr_case_msg_from_json(&back, buf.data, buf.len, errstr,
                                          sizeof(errstr)),
                   RDR_OK, NULL);
        case_eq(cm, &back);
        rdr_case_msg_clear(&back);
        rdr_buf_reset(&buf);
        assert_int_equal(rdr_case_msg_encode_protobuf(cm, &buf), RDR_OK);
        expect_err(rdr_case_msg_from_protobuf(&back, buf.data, buf.len, errstr,
                                              sizeof(errstr)),
                   RDR_OK, NULL);
        case_eq(cm, &back);
        rdr_case_msg_clear(&back);
        rdr_case_msg_clear(&back); /* twice is fine */
        rdr_buf_free(&buf);
}

static void action_round_trip(const rdr_action_msg_t *am) {
        rdr_action_msg_t back;
        rdr_buf_t buf;

        rdr_buf_init(&buf);
        assert_int_equal(rdr_action_msg_encode_json(am, &buf), RDR_OK);
        expect_err(rdr_action_msg_from_json(&back, buf.data, buf.len, errstr,
                                            sizeof(errstr)),
                   RDR_OK, NULL);
        action_eq(am, &back);
        rdr_action_msg_clear(&back);
        rdr_buf_reset(&buf);
        assert_int_equal(rdr_action_msg_encode_protobuf(am, &buf), RDR_OK);
        expect_err(rdr_action_msg_from_protobuf(&back, buf.data, buf.len,
                                                errstr, sizeof(errstr)),
                   RDR_OK, NULL);
        action_eq(am, &back);
        rdr_action_msg_clear(&back);
        rdr_buf_free(&buf);
}

static void test_case_round_trip(void **state) {
        rdr_case_msg_t cm;
        int ty;

        (void)state;
        sample_case(&cm);
        case_round_trip(&cm);
        for (ty = 0; ty < RDR_CASE_TYPE__CNT; ty++) {
                cm.type = (rdr_case_type_t)ty;
                case_round_trip(&cm);
        }
        /* A positive review: no complaint, optional fields absent. */
        sample_case(&cm);
        cm.order_id = cm.buyer_id = cm.product_id = NULL;
        cm.language = "";
        cm.rating = 0;
        cm.sentiment = RDR_SENT_POSITIVE;
        cm.reason = RDR_REASON_NONE;
        cm.reasons_cnt = 0;
        cm.malicious = RDR_MAL_NONE;
        cm.confidence = 0.0;
        case_round_trip(&cm);
        cm.confidence = 1.0;
        case_round_trip(&cm);
}

static void test_case_json_fields(void **state) {
        rdr_case_msg_t cm;
        rdr_buf_t buf;
        json_t *o;

        (void)state;
        sample_case(&cm);
        rdr_buf_init(&buf);
        assert_int_equal(rdr_case_msg_encode_json(&cm, &buf), RDR_OK);
        o = json_loadb(buf.data, buf.len, 0, NULL);
        assert_non_null(o);
        /* The contract's names and wire values. */
        assert_string_equal(json_string_value(json_object_get(o, "type")),
                            "case.classified");
        assert_string_equal(json_string_value(json_object_get(o, "sentiment")),
                            "negative");
        assert_string_equal(json_string_value(json_object_get(o, "reason")),
                            "logistics");
        assert_string_equal(
            json_string_value(json_array_get(json_object_get(o, "reasons"), 1)),
            "packaging_damage");
        assert_string_equal(json_string_value(json_object_get(o, "malicious")),
                            "extortion");
        assert_string_equal(
            json_string_value(json_object_get(o, "occurred_at")),
            "2026-11-20T15:42:11.125Z");
        assert_int_equal(json_integer_value(json_object_get(o, "rating")), 1);
        json_decref(o);
        rdr_buf_free(&buf);
}

/* Strings that JSON must escape survive the writer: quotes, backslashes,
 * control characters, and UTF-8 in three scripts. */
static void test_json_escaping(void **state) {
        rdr_action_msg_t am;
        rdr_case_msg_t cm;
        (void)state;
        sample_action(&am);
        am.message = "Say \"hi\"\\ then\nnew line\ttab \x01\x1f end: "
                     "质量太差 ¿llegó? ok";
        action_round_trip(&am);
        sample_case(&cm);
        cm.review_id = "rv \"quoted\" \\ back\\slash";
        case_round_trip(&cm);
}

/* The writer finds what to escape eight bytes at a time: each character
 * that JSON must escape, at every place in a string around those eight
 * bytes, comes back as it was; plain text (UTF-8, DEL) is written as it
 * is. */
static void test_json_escaping_at_every_offset(void **state) {
        static const char specials[] = {'"',  '\\', '\n', '\r',
                                        '\t', 0x01, 0x1f};
        static const char *const escaped[] = {
            "\\\"", "\\\\", "\\n", "\\r", "\\t", "\\u0001", "\\u001f"};
        const char *plain = "ab\x7f\xc3\xa9 \xe8\xb4\xa8\xe9\x87\x8f ok";
        char text[32];
        rdr_action_msg_t am;
        rdr_buf_t buf;
        size_t k, pos, len;
        (void)state;
        rdr_buf_init(&buf);
        for (k = 0; k < sizeof(specials); k++)
                for (len = 1; len <= 20; len++)
                        for (pos = 0; pos < len; pos++) {
                                memset(text, 'x', len);
                                text[len] = '\0';
                                text[pos] = specials[k];
                                sample_action(&am);
                                am.message = text;
                                action_round_trip(&am);
                                rdr_buf_reset(&buf);
                                assert_int_equal(
                                    rdr_action_msg_encode_json(&am, &buf),
                                    RDR_OK);
                                assert_non_null(memmem(buf.data, buf.len,
                                                       escaped[k],
                                                       strlen(escaped[k])));
                        }
        sample_action(&am);
        am.message = plain;
        action_round_trip(&am);
        rdr_buf_reset(&buf);
        assert_int_equal(rdr_action_msg_encode_json(&am, &buf), RDR_OK);
        assert_non_null(memmem(buf.data, buf.len, plain, strlen(plain)));
        rdr_buf_free(&buf);
}

/* A case message's confidence is written as "%.6g" writes it: every
 * three-decimal value a case keeps (written from the integer), and others
 * (through snprintf). */
static void test_confidence_as_printf_writes_it(void **state) {
        static const double others[] = {0.12345, 0.0005, 1e-7, 0.9999999,
                                        0.3333333333};
        rdr_case_msg_t cm;
        rdr_buf_t buf;
        char text[16], want[48];
        size_t k;
        (void)state;
        rdr_buf_init(&buf);
        for (k = 0; k < 1001 + sizeof(others) / sizeof(others[0]); k++) {
                sample_case(&cm);
                if (k <= 1000) {
                        snprintf(text, sizeof(text), "%.3f", (double)k / 1000);
                        cm.confidence = strtod(text, NULL);
                } else {
                        cm.confidence = others[k - 1001];
                }
                snprintf(want, sizeof(want), "\"confidence\":%.6g,",
                         cm.confidence);
                rdr_buf_reset(&buf);
                assert_int_equal(rdr_case_msg_encode_json(&cm, &buf), RDR_OK);
                if (!memmem(buf.data, buf.len, want, strlen(want)))
                        fail_msg("confidence %.17g: want %s in %.*s",
                                 cm.confidence, want, (int)buf.len, buf.data);
        }
        rdr_buf_free(&buf);
}

static void test_action_round_trip(void **state) {
        rdr_action_msg_t am;
        int k;

        (void)state;
        sample_action(&am);
        action_round_trip(&am);
        for (k = 0; k < RDR_ACT__CNT; k++) {
                am.kind = (rdr_action_kind_t)k;
                action_round_trip(&am);
        }
        /* A shipment notice: shipment_id, no offer, evidence, deadline. */
        sample_action(&am);
        am.kind = RDR_ACT_NOTICE_DELAY;
        am.case_id = NULL;
        am.shipment_id = "ship-112-2";
        am.review_id = NULL;
        am.channel = RDR_CHAN_EMAIL;
        am.has_offer = 0;
        am.evidence = NULL;
        am.evidence_cnt = 0;
        am.deadline_at_ms = 0;
        action_round_trip(&am);
        /* An offer of zero is still an offer. */
        am.has_offer = 1;
        am.offer.amount_minor = 0;
        memcpy(am.offer.currency, "EUR", 4);
        action_round_trip(&am);
}

/*
 * Validation.
 */

static void test_case_validation(void **state) {
        rdr_case_msg_t cm;
        rdr_buf_t buf;

        (void)state;
        rdr_buf_init(&buf);
#define CASE_BAD(mutation, field)                                              \
        do {                                                                   \
                sample_case(&cm);                                              \
                mutation;                                                      \
                expect_err(rdr_case_msg_validate(&cm, errstr, sizeof(errstr)), \
                           RDR_ERR_INVALID, field);                            \
                rdr_buf_reset(&buf);                                           \
                assert_int_equal(rdr_case_msg_encode_json(&cm, &buf),          \
                                 RDR_ERR_INVALID);                             \
                assert_int_equal(rdr_case_msg_encode_protobuf(&cm, &buf),      \
                                 RDR_ERR_INVALID);                             \
        } while (0)
        CASE_BAD(cm.event_id = NULL, "event_id");
        CASE_BAD(cm.event_id = "", "event_id");
        CASE_BAD(cm.case_id = NULL, "case_id");
        CASE_BAD(cm.platform = NULL, "platform");
        CASE_BAD(cm.store_id = "", "store_id");
        CASE_BAD(cm.review_id = NULL, "review_id");
        CASE_BAD(cm.state = NULL, "state");
        CASE_BAD(cm.occurred_at_ms = 0, "occurred_at");
        CASE_BAD(cm.type = RDR_CASE_TYPE__CNT, "type");
        CASE_BAD(cm.rating = 6, "rating");
        CASE_BAD(cm.rating = -1, "rating");
        CASE_BAD(cm.sentiment = RDR_SENT__CNT, "sentiment");
        CASE_BAD(cm.reason = (rdr_reason_t)-1, "reason");
        CASE_BAD(cm.reasons[1] = RDR_REASON__CNT, "reasons");
        CASE_BAD(cm.reasons_cnt = RDR_REASON__CNT + 1, "reasons");
        CASE_BAD(cm.malicious = RDR_MAL__CNT, "malicious");
        CASE_BAD(cm.confidence = 1.5, "confidence");
        CASE_BAD(cm.confidence = -0.1, "confidence");
        CASE_BAD(cm.confidence = 0.0 / 0.0, "confidence");
        CASE_BAD(cm.store_id = "bad\xff", "store_id");
        CASE_BAD(cm.language = "\xc0\xaf", "language");
#undef CASE_BAD
        rdr_buf_free(&buf);
}

static void test_action_validation(void **state) {
        static const rdr_evidence_t no_kind[] = {{NULL, "r", "x", 0}};
        static const rdr_evidence_t bad_text[] = {{"chat", "r", "\xff", 0}};
        rdr_action_msg_t am;
        rdr_buf_t buf;

        (void)state;
        rdr_buf_init(&buf);
#define ACTION_BAD(mutation, field)                                            \
        do {                                                                   \
                sample_action(&am);                                            \
                mutation;                                                      \
                expect_err(                                                    \
                    rdr_action_msg_validate(&am, errstr, sizeof(errstr)),      \
                    RDR_ERR_INVALID, field);                                   \
                rdr_buf_reset(&buf);                                           \
                assert_int_equal(rdr_action_msg_encode_json(&am, &buf),        \
                                 RDR_ERR_INVALID);                             \
                assert_int_equal(rdr_action_msg_encode_protobuf(&am, &buf),    \
                                 RDR_ERR_INVALID);                             \
        } while (0)
        ACTION_BAD(am.action_id = NULL, "action_id");
        ACTION_BAD(am.kind = RDR_ACT__CNT, "kind");
        ACTION_BAD(am.shipment_id = "ship-1", "case_id");
        ACTION_BAD(am.case_id = NULL, "case_id");
        ACTION_BAD(am.platform = "", "platform");
        ACTION_BAD(am.store_id = NULL, "store_id");
        ACTION_BAD(am.channel = RDR_CHAN_PHONE_NOTE, "channel");
        ACTION_BAD(am.channel = RDR_CHAN__CNT, "channel");
        ACTION_BAD(am.offer.amount_minor = -1, "offer.amount_minor");
        ACTION_BAD(memcpy(am.offer.currency, "usd", 4), "offer.currency");
        ACTION_BAD(memcpy(am.offer.currency, "US", 3), "offer.currency");
        ACTION_BAD(am.evidence = NULL, "evidence");
        ACTION_BAD(am.evidence = no_kind; am.evidence_cnt = 1, "evidence.kind");
        ACTION_BAD(am.evidence = bad_text;
                   am.evidence_cnt = 1, "evidence.text");
        ACTION_BAD(am.due_at_ms = 0, "due_at");
        ACTION_BAD(am.created_at_ms = 0, "created_at");
        ACTION_BAD(am.message = "broken \xe4\xb8", "message");
#undef ACTION_BAD
        /* Without an offer, its fields are not looked at. */
        sample_action(&am);
        am.has_offer = 0;
        memcpy(am.offer.currency, "??", 3);
        expect_err(rdr_action_msg_validate(&am, errstr, sizeof(errstr)), RDR_OK,
                   NULL);
        rdr_buf_free(&buf);
}

/*
 * Decoders fed bad messages.
 */

static void test_case_decode_errors(void **state) {
        static const struct {
                const char *json;
                rdr_err_t want;
                const char *field;
        } cases[] = {
            {"", RDR_ERR_DECODE, NULL},
            {"[]", RDR_ERR_DECODE, NULL},
            {"{\"event_id\":", RDR_ERR_DECODE, NULL},
            {"{}", RDR_ERR_INVALID, NULL},
        };
        static const struct {
                const char *member, *value;
        } bad[] = {
            {"sentiment", "\"furious\""},
            {"reason", "\"weather\""},
            {"reasons", "[\"logistics\",\"weather\"]"},
            {"reasons", "\"logistics\""},
            {"malicious", "\"evil\""},
            {"type", "\"case.deleted\""},
            {"confidence", "\"high\""},
            {"confidence", "2"},
            {"rating", "\"1\""},
            {"rating", "9"},
            {"occurred_at", "\"yesterday\""},
            {"state", "7"},
            {"case_id", "null"},
        };
        rdr_case_msg_t cm, back;
        rdr_buf_t buf;
        json_t *o;
        char *s;
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                expect_err(rdr_case_msg_from_json(&back, cases[i].json,
                                                  strlen(cases[i].json), errstr,
                                                  sizeof(errstr)),
                           cases[i].want, cases[i].field);
                assert_null(back.priv_);
        }
        sample_case(&cm);
        rdr_buf_init(&buf);
        assert_int_equal(rdr_case_msg_encode_json(&cm, &buf), RDR_OK);
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                o = json_loadb(buf.data, buf.len, 0, NULL);
                assert_non_null(o);
                json_object_set_new(
                    o, bad[i].member,
                    json_loads(bad[i].value, JSON_DECODE_ANY, NULL));
                s = json_dumps(o, JSON_COMPACT);
                assert_non_null(s);
                expect_err(rdr_case_msg_from_json(&back, s, strlen(s), errstr,
                                                  sizeof(errstr)),
                           RDR_ERR_INVALID, bad[i].member);
                assert_null(back.priv_);
                free(s);
                json_decref(o);
        }
        /* Protobuf: truncated and garbage. */
        rdr_buf_reset(&buf);
        assert_int_equal(rdr_case_msg_encode_protobuf(&cm, &buf), RDR_OK);
        for (i = 1; i < buf.len; i++) {
                rdr_err_t err = rdr_case_msg_from_protobuf(
                    &back, buf.data, i, errstr, sizeof(errstr));

                assert_true(err == RDR_OK || err == RDR_ERR_DECODE ||
                            err == RDR_ERR_INVALID);
                rdr_case_msg_clear(&back);
        }
        expect_err(rdr_case_msg_from_protobuf(&back, buf.data, buf.len - 1,
                                              errstr, sizeof(errstr)),
                   RDR_ERR_DECODE, NULL);
        expect_err(rdr_case_msg_from_protobuf(&back, "\xff\xff\xff", 3, errstr,
                                              sizeof(errstr)),
                   RDR_ERR_DECODE, NULL);
        rdr_buf_free(&buf);
}

static void test_action_decode_errors(void **state) {
        static const struct {
                const char *member, *value, *named;
        } bad[] = {
            {"kind", "\"outreach.spam\"", "kind"},
            {"channel", "\"pigeon\"", "channel"},
            {"channel", "\"phone_note\"", "channel"},
            {"offer", "{\"amount_minor\":\"3\",\"currency\":\"USD\"}",
             "offer.amount_minor"},
            {"offer", "{\"amount_minor\":-3,\"currency\":\"USD\"}",
             "offer.amount_minor"},
            {"offer", "{\"amount_minor\":3,\"currency\":\"US\"}",
             "offer.currency"},
            {"offer", "[]", "offer"},
            {"evidence", "{}", "evidence"},
            {"evidence", "[{\"ref\":\"x\"}]", "evidence.kind"},
            {"evidence", "[7]", "evidence"},
            {"due_at", "\"soon\"", "due_at"},
            {"shipment_id", "\"ship-1\"", "case_id"},
        };
        rdr_action_msg_t am, back;
        rdr_buf_t buf;
        json_t *o;
        char *s;
        size_t i;

        (void)state;
        sample_action(&am);
        rdr_buf_init(&buf);
        assert_int_equal(rdr_action_msg_encode_json(&am, &buf), RDR_OK);
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                o = json_loadb(buf.data, buf.len, 0, NULL);
                assert_non_null(o);
                json_object_set_new(
                    o, bad[i].member,
                    json_loads(bad[i].value, JSON_DECODE_ANY, NULL));
                s = json_dumps(o, JSON_COMPACT);
                assert_non_null(s);
                expect_err(rdr_action_msg_from_json(&back, s, strlen(s), errstr,
                                                    sizeof(errstr)),
                           RDR_ERR_INVALID, bad[i].named);
                assert_null(back.priv_);
                free(s);
                json_decref(o);
        }
        expect_err(
            rdr_action_msg_from_json(&back, "[1]", 3, errstr, sizeof(errstr)),
            RDR_ERR_DECODE, NULL);
        rdr_buf_reset(&buf);
        assert_int_equal(rdr_action_msg_encode_protobuf(&am, &buf), RDR_OK);
        for (i = 1; i < buf.len; i++) {
                rdr_err_t err = rdr_action_msg_from_protobuf(
                    &back, buf.data, i, errstr, sizeof(errstr));

                assert_true(err == RDR_OK || err == RDR_ERR_DECODE ||
                            err == RDR_ERR_INVALID);
                rdr_action_msg_clear(&back);
        }
        expect_err(rdr_action_msg_from_protobuf(&back, buf.data, buf.len - 1,
                                                errstr, sizeof(errstr)),
                   RDR_ERR_DECODE, NULL);
        rdr_buf_free(&buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_case_round_trip),
            cmocka_unit_test(test_case_json_fields),
            cmocka_unit_test(test_action_round_trip),
            cmocka_unit_test(test_json_escaping),
            cmocka_unit_test(test_json_escaping_at_every_offset),
            cmocka_unit_test(test_confidence_as_printf_writes_it),
            cmocka_unit_test(test_case_validation),
            cmocka_unit_test(test_action_validation),
            cmocka_unit_test(test_case_decode_errors),
            cmocka_unit_test(test_action_decode_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

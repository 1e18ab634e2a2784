/* Unit tests of the input decoder (event.c) against the contract: for each
 * input kind every required field missing in turn, wrong types, values out
 * of range, bad enums, invalid UTF-8 in JSON and in protobuf, oversized and
 * empty messages, truncated protobuf, sniffing, JSON and protobuf of the
 * same event decoding to the same fields, encode/decode round trips of the
 * sample events, and times with offsets. Every failure checks the error
 * code and that errstr names the field. No servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "casework.h"
#include "event.h"
#include "policy.h"
#include "redress.pb-c.h"

#define CT_JSON "application/json"
#define CT_PB "application/x-protobuf"

/* One valid event of each kind, of a type that requires the most. */
static const char *const base_json[RDR_INPUT__CNT] = {
    "{\"event_id\":\"ev-rev-001\",\"type\":\"review.created\",\"platform\":"
    "\"amazon\",\"store_id\":\"amz-sierra\",\"review_id\":\"rv-1\","
    "\"order_id\":\"112-1\",\"buyer_id\":\"b-1\",\"product_id\":\"SKU1\","
    "\"rating\":2,\"text\":\"Strap broke. \xe8\xb4\xa8\xe9\x87\x8f\xe5\xb7\xae"
    "\",\"language\":\"en\",\"created_at\":\"2026-11-20T15:42:10Z\","
    "\"buyer\":{\"account_level\":3,\"account_age_days\":2190,"
    "\"reviews_total\":41,\"negative_reviews_total\":4,\"country\":\"US\","
    "\"timezone\":\"America/Denver\"},\"review_kind\":\"seller_feedback\"}",
    "{\"event_id\":\"ev-chat-1\",\"type\":\"chat.message\",\"platform\":"
    "\"aliexpress\",\"store_id\":\"ae-luna\",\"buyer_id\":\"b-2\","
    "\"order_id\":\"81200\",\"direction\":\"buyer\",\"channel\":\"im\","
    "\"text\":\"\xc2\xa1Muchas gracias!\",\"sent_at\":"
    "\"2026-11-20T16:35:41Z\"}",
    "{\"event_id\":\"ev-ship-1\",\"type\":\"shipment.created\",\"platform\":"
    "\"amazon\",\"store_id\":\"amz-sierra\",\"order_id\":\"112-2\","
    "\"buyer_id\":\"b-3\",\"carrier\":\"UPS\",\"tracking_number\":\"1Z9\","
    "\"service_level\":\"standard\",\"origin_country\":\"US\","
    "\"destination_country\":\"US\",\"promised_by\":"
    "\"2026-11-12T23:59:59-06:00\",\"location\":\"Louisville, KY\","
    "\"occurred_at\":\"2026-11-09T14:00:00Z\"}",
    "{\"event_id\":\"ev-appeal-1\",\"type\":\"appeal.result\",\"platform\":"
    "\"taobao\",\"store_id\":\"tb-hanfeng\",\"case_id\":\"case-1\","
    "\"action_id\":\"case-1/appeal/1\",\"outcome\":\"rejected\",\"reason\":"
    "\"insufficient evidence\",\"occurred_at\":\"2026-11-25T10:00:00+08:00\"}",
    "{\"event_id\":\"ev-staff-1\",\"type\":\"staff.offer_decision\","
    "\"platform\":\"taobao\",\"store_id\":\"tb-hanfeng\",\"case_id\":"
    "\"case-1\",\"action_id\":\"case-1:offer_approval:1\",\"agent_id\":"
    "\"agent-7\",\"decision\":\"approved\",\"occurred_at\":"
    "\"2026-11-25T11:00:00+08:00\"}",
};

/* Required fields of each base event, NULL-terminated. */
static const char *const required[RDR_INPUT__CNT][16] = {
    {"event_id", "type", "platform", "store_id", "review_id", "order_id",
     "buyer_id", "product_id", "rating", "created_at", NULL},
    {"event_id", "type", "platform", "store_id", "buyer_id", "direction",
     "channel", "text", "sent_at", NULL},
    {"event_id", "type", "platform", "store_id", "order_id", "buyer_id",
     "carrier", "tracking_number", "origin_country", "destination_country",
     "occurred_at", NULL},
    {"event_id", "type", "platform", "store_id", "case_id", "action_id",
     "outcome", "occurred_at", NULL},
    {"event_id", "type", "platform", "store_id", "case_id", "action_id",
     "decision", "occurred_at", NULL},
};

static const ProtobufCMessageDescriptor *const pb_desc[RDR_INPUT__CNT] = {
    &redress__v1__review_event__descriptor,
    &redress__v1__chat_event__descriptor,
    &redress__v1__shipment_event__descriptor,
    &redress__v1__appeal_result_event__descriptor,
    &redress__v1__staff_decision_event__descriptor};

static char errstr[1024];

static json_t *load(rdr_input_kind_t kind) {
        json_error_t je;
        json_t *o = json_loads(base_json[kind], 0, &je);

        assert_non_null(o);
        return o;
}

/* Decode the JSON text of o; the caller's event. */
static rdr_err_t decode_obj(rdr_event_t *ev, rdr_input_kind_t kind,
                            const json_t *o, const char *ct) {
        char *s = json_dumps(o, JSON_COMPACT);
        rdr_err_t err;

        assert_non_null(s);
        errstr[0] = '\0';
        err = rdr_event_decode(ev, kind, s, strlen(s), ct, errstr,
                               sizeof(errstr));
        free(s);
        return err;
}

/* err is want and errstr names field ("'field'"). */
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

/* The protobuf encoding of a base event, unpacked; free with
 * protobuf_c_message_free_unpacked(m, NULL). */
static ProtobufCMessage *base_pb(rdr_input_kind_t kind) {
        rdr_event_t ev;
        rdr_buf_t buf;
        json_t *o = load(kind);
        ProtobufCMessage *m;

        rdr_event_init(&ev);
        rdr_buf_init(&buf);
        assert_int_equal(decode_obj(&ev, kind, o, CT_JSON), RDR_OK);
        assert_int_equal(rdr_event_encode_protobuf(&ev, &buf), RDR_OK);
        m = protobuf_c_message_unpack(pb_desc[kind], NULL, buf.len,
                                      (const uint8_t *)buf.data);
        assert_non_null(m);
        rdr_buf_free(&buf);
        rdr_event_free(&ev);
        json_decref(o);
        return m;
}

static rdr_err_t decode_pb(rdr_event_t *ev, rdr_input_kind_t kind,
                           const ProtobufCMessage *m, const char *ct) {
        size_t n = protobuf_c_message_get_packed_size(m);
        uint8_t *b = malloc(n ? n : 1);
        rdr_err_t err;

        assert_non_null(b);
        protobuf_c_message_pack(m, b);
        errstr[0] = '\0';
        err = rdr_event_decode(ev, kind, b, n, ct, errstr, sizeof(errstr));
        free(b);
        return err;
}

/* Pointer to the storage of field name in m. */
static void *pb_field(ProtobufCMessage *m, const char *name,
                      const ProtobufCFieldDescriptor **fdp) {
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(m->descriptor,
                                                            name);

        assert_non_null(fd);
        if (fdp)
                *fdp = fd;
        return (char *)m + fd->offset;
}

/* Set a string field; the string must outlive m's use (not freed by
 * protobuf_c_message_free_unpacked: callers restore the old pointer). */
static char *pb_set_str(ProtobufCMessage *m, const char *name,
                        const char *val) {
        char **p = pb_field(m, name, NULL);
        char *old = *p;

        *p = (char *)(uintptr_t)val;
        return old;
}

/*
 * Valid events.
 */

static void test_base_events_decode(void **state) {
        rdr_event_t ev;
        json_t *o;
        int k;

        (void)state;
        rdr_event_init(&ev);
        for (k = 0; k < RDR_INPUT__CNT; k++) {
                o = load((rdr_input_kind_t)k);
                expect_err(decode_obj(&ev, (rdr_input_kind_t)k, o, CT_JSON),
                           RDR_OK, NULL);
                assert_int_equal(ev.kind, k);
                json_decref(o);
        }
        o = load(RDR_INPUT_REVIEWS);
        assert_int_equal(decode_obj(&ev, RDR_INPUT_REVIEWS, o, NULL), RDR_OK);
        assert_string_equal(ev.u.review.store_id, "amz-sierra");
        assert_int_equal(ev.u.review.rating, 2);
        assert_int_equal(ev.u.review.type, RDR_REVIEW_CREATED);
        assert_true(ev.u.review.has_buyer);
        assert_int_equal(ev.u.review.buyer.negative_reviews_total, 4);
        assert_string_equal(ev.u.review.buyer.country, "US");
        assert_string_equal(ev.u.review.buyer.timezone, "America/Denver");
        assert_int_equal(ev.u.review.review_kind,
                         RDR_REVIEW_KIND_SELLER_FEEDBACK);
        assert_int_equal(ev.u.review.text_len, strlen("Strap broke. ") + 9);
        json_decref(o);
        rdr_event_free(&ev);
}

/*
 * Required fields, table-driven over every kind, in both encodings.
 */

static void test_missing_required_json(void **state) {
        rdr_event_t ev;
        json_t *o;
        int k, i;

        (void)state;
        rdr_event_init(&ev);
        for (k = 0; k < RDR_INPUT__CNT; k++)
                for (i = 0; required[k][i]; i++) {
                        /* Absent, null and "" all count as missing. */
                        o = load((rdr_input_kind_t)k);
                        json_object_del(o, required[k][i]);
                        expect_err(
                            decode_obj(&ev, (rdr_input_kind_t)k, o, CT_JSON),
                            RDR_ERR_INVALID, required[k][i]);
                        assert_non_null(strstr(errstr, "missing"));
                        json_object_set_new(o, required[k][i], json_null());
                        expect_err(
                            decode_obj(&ev, (rdr_input_kind_t)k, o, CT_JSON),
                            RDR_ERR_INVALID, required[k][i]);
                        json_decref(o);
                }
        rdr_event_free(&ev);
}

static void test_missing_required_protobuf(void **state) {
        const ProtobufCFieldDescriptor *fd;
        ProtobufCMessage *m;
        rdr_event_t ev;
        void *p, *old;
        int32_t old32;
        int k, i;

        (void)state;
        rdr_event_init(&ev);
        for (k = 0; k < RDR_INPUT__CNT; k++) {
                m = base_pb((rdr_input_kind_t)k);
                for (i = 0; required[k][i]; i++) {
                        p = pb_field(m, required[k][i], &fd);
                        switch (fd->type) {
                        case PROTOBUF_C_TYPE_STRING:
                                /* proto3 cannot tell an empty text from an
                                 * absent one, and a text may be empty. */
                                if (!strcmp(required[k][i], "text"))
                                        continue;
                                old = pb_set_str(m, required[k][i], "");
                                expect_err(decode_pb(&ev, (rdr_input_kind_t)k,
                                                     m, CT_PB),
                                           RDR_ERR_INVALID, required[k][i]);
                                pb_set_str(m, required[k][i], old);
                                break;
                        case PROTOBUF_C_TYPE_INT32:
                                memcpy(&old32, p, sizeof(old32));
                                memset(p, 0, sizeof(int32_t));
                                expect_err(decode_pb(&ev, (rdr_input_kind_t)k,
                                                     m, CT_PB),
                                           RDR_ERR_INVALID, required[k][i]);
                                memcpy(p, &old32, sizeof(old32));
                                break;
                        case PROTOBUF_C_TYPE_MESSAGE:
                                memcpy(&old, p, sizeof(old));
                                memset(p, 0, sizeof(void *));
                                expect_err(decode_pb(&ev, (rdr_input_kind_t)k,
                                                     m, CT_PB),
                                           RDR_ERR_INVALID, required[k][i]);
                                memcpy(p, &old, sizeof(old));
                                break;
                        default:
                                fail_msg("unexpected type of %s",
                                         required[k][i]);
                        }
                }
                /* The base still decodes after the restores. */
                expect_err(decode_pb(&ev, (rdr_input_kind_t)k, m, CT_PB),
                           RDR_OK, NULL);
                protobuf_c_message_free_unpacked(m, NULL);
        }
        rdr_event_free(&ev);
}

/* Requirements that depend on the type. */
static void test_required_by_type(void **state) {
        rdr_event_t ev;
        json_t *o;

        (void)state;
        rdr_event_init(&ev);
        /* review.removed needs no rating; created and updated do. */
        o = load(RDR_INPUT_REVIEWS);
        json_object_del(o, "rating");
        json_object_set_new(o, "type", json_string("review.removed"));
        expect_err(decode_obj(&ev, RDR_INPUT_REVIEWS, o, CT_JSON), RDR_OK,
                   NULL);
        assert_int_equal(ev.u.review.rating, 0);
        json_object_set_new(o, "type", json_string("review.updated"));
        expect_err(decode_obj(&ev, RDR_INPUT_REVIEWS, o, CT_JSON),
                   RDR_ERR_INVALID, "rating");
        json_decref(o);

        /* shipment.exception needs exception; scan needs no countries. */
        o = load(RDR_INPUT_SHIPMENTS);
        json_object_set_new(o, "type", json_string("shipment.exception"));
        expect_err(decode_obj(&ev, RDR_INPUT_SHIPMENTS, o, CT_JSON),
                   RDR_ERR_INVALID, "exception");
        json_object_set_new(o, "exception", json_string("customs"));
        expect_err(decode_obj(&ev, RDR_INPUT_SHIPMENTS, o, CT_JSON), RDR_OK,
                   NULL);
        assert_int_equal(ev.u.shipment.exception, RDR_EXC_CUSTOMS);
        json_object_set_new(o, "type", json_string("shipment.scan"));
        json_object_del(o, "origin_country");
        json_object_del(o, "destination_country");
        expect_err(decode_obj(&ev, RDR_INPUT_SHIPMENTS, o, CT_JSON), RDR_OK,
                   NULL);
        assert_string_equal(ev.u.shipment.origin_country, "");
        json_decref(o);

        /* Optional fields absent. */
        o = load(RDR_INPUT_CHATS);
        json_object_del(o, "order_id");
        json_object_set_new(o, "text", json_string(""));
        expect_err(decode_obj(&ev, RDR_INPUT_CHATS, o, CT_JSON), RDR_OK, NULL);
        assert_null(ev.u.chat.order_id);
        assert_string_equal(ev.u.chat.text, "");
        json_decref(o);
        rdr_event_free(&ev);
}

/*
 * Wrong types and values.
 */

typedef struct bad_value_s {
        rdr_input_kind_t kind;
        const char *field; /* top-level field to replace */
        const char *json;  /* its new value, as JSON */
        rdr_err_t want;
        const char *named; /* the field errstr must name */
} bad_value_t;

static const bad_value_t bad_values[] = {
    /* Wrong types. */
    {RDR_INPUT_REVIEWS, "event_id", "7", RDR_ERR_INVALID, "event_id"},
    {RDR_INPUT_REVIEWS, "type", "[\"review.created\"]", RDR_ERR_INVALID,
     "type"},
    {RDR_INPUT_REVIEWS, "rating", "\"2\"", RDR_ERR_INVALID, "rating"},
    {RDR_INPUT_REVIEWS, "review_kind", "\"feedback\"", RDR_ERR_INVALID,
     "review_kind"},
    {RDR_INPUT_REVIEWS, "rating", "2.5", RDR_ERR_INVALID, "rating"},
    {RDR_INPUT_REVIEWS, "rating", "true", RDR_ERR_INVALID, "rating"},
    {RDR_INPUT_REVIEWS, "text", "{}", RDR_ERR_INVALID, "text"},
    {RDR_INPUT_REVIEWS, "created_at", "1763653330", RDR_ERR_INVALID,
     "created_at"},
    {RDR_INPUT_REVIEWS, "buyer", "[]", RDR_ERR_INVALID, "buyer"},
    {RDR_INPUT_REVIEWS, "buyer", "{\"account_level\":\"3\"}", RDR_ERR_INVALID,
     "buyer.account_level"},
    {RDR_INPUT_REVIEWS, "buyer", "{\"country\":1}", RDR_ERR_INVALID,
     "buyer.country"},
    {RDR_INPUT_CHATS, "store_id", "false", RDR_ERR_INVALID, "store_id"},
    {RDR_INPUT_CHATS, "text", "123", RDR_ERR_INVALID, "text"},
    {RDR_INPUT_CHATS, "sent_at", "{}", RDR_ERR_INVALID, "sent_at"},
    {RDR_INPUT_SHIPMENTS, "promised_by", "0", RDR_ERR_INVALID, "promised_by"},
    {RDR_INPUT_SHIPMENTS, "carrier", "[]", RDR_ERR_INVALID, "carrier"},
    {RDR_INPUT_APPEAL_RESULTS, "outcome", "1", RDR_ERR_INVALID, "outcome"},
    {RDR_INPUT_APPEAL_RESULTS, "reason", "[]", RDR_ERR_INVALID, "reason"},
    /* Out of range. */
    {RDR_INPUT_REVIEWS, "rating", "0", RDR_ERR_INVALID, "rating"},
    {RDR_INPUT_REVIEWS, "rating", "6", RDR_ERR_INVALID, "rating"},
    {RDR_INPUT_REVIEWS, "rating", "-1", RDR_ERR_INVALID, "rating"},
    {RDR_INPUT_REVIEWS, "rating", "4294967298", RDR_ERR_INVALID, "rating"},
    {RDR_INPUT_REVIEWS, "rating", "99999999999999999999999", RDR_ERR_INVALID,
     "rating"},
    {RDR_INPUT_REVIEWS, "buyer", "{\"account_age_days\":-1}", RDR_ERR_INVALID,
     "buyer.account_age_days"},
    {RDR_INPUT_REVIEWS, "buyer", "{\"account_age_days\":100001}",
     RDR_ERR_INVALID, "buyer.account_age_days"},
    {RDR_INPUT_REVIEWS, "buyer", "{\"country\":\"usa\"}", RDR_ERR_INVALID,
     "buyer.country"},
    {RDR_INPUT_REVIEWS, "buyer", "{\"timezone\":\"../../etc/passwd\"}",
     RDR_ERR_INVALID, "buyer.timezone"},
    {RDR_INPUT_REVIEWS, "language", "\"english please\"", RDR_ERR_INVALID,
     "language"},
    {RDR_INPUT_REVIEWS, "created_at", "\"2026-13-01T00:00:00Z\"",
     RDR_ERR_INVALID, "created_at"},
    {RDR_INPUT_REVIEWS, "created_at", "\"2026-02-30T00:00:00Z\"",
     RDR_ERR_INVALID, "created_at"},
    {RDR_INPUT_REVIEWS, "created_at", "\"2026-11-20 15:42:10\"",
     RDR_ERR_INVALID, "created_at"},
    {RDR_INPUT_REVIEWS, "created_at", "\"1969-12-31T23:59:59Z\"",
     RDR_ERR_INVALID, "created_at"},
    {RDR_INPUT_REVIEWS, "created_at", "\"2026-11-20T15:42:10+25:00\"",
     RDR_ERR_INVALID, "created_at"},
    {RDR_INPUT_REVIEWS, "store_id", "\"a\\u0000b\"", RDR_ERR_INVALID,
     "store_id"},
    {RDR_INPUT_REVIEWS, "store_id", "\"tab\\there\"", RDR_ERR_INVALID,
     "store_id"},
    {RDR_INPUT_SHIPMENTS, "origin_country", "\"U\"", RDR_ERR_INVALID,
     "origin_country"},
    /* Bad enums. */
    {RDR_INPUT_REVIEWS, "type", "\"review.deleted\"", RDR_ERR_INVALID, "type"},
    {RDR_INPUT_REVIEWS, "type", "\"chat.message\"", RDR_ERR_INVALID, "type"},
    {RDR_INPUT_REVIEWS, "type", "\"REVIEW.CREATED\"", RDR_ERR_INVALID, "type"},
    {RDR_INPUT_CHATS, "direction", "\"bot\"", RDR_ERR_INVALID, "direction"},
    {RDR_INPUT_CHATS, "channel", "\"phone_task\"", RDR_ERR_INVALID, "channel"},
    {RDR_INPUT_CHATS, "channel", "\"public_reply\"", RDR_ERR_INVALID,
     "channel"},
    {RDR_INPUT_SHIPMENTS, "type", "\"shipment.lost\"", RDR_ERR_INVALID, "type"},
    {RDR_INPUT_SHIPMENTS, "exception", "\"stolen\"", RDR_ERR_INVALID,
     "exception"},
    {RDR_INPUT_APPEAL_RESULTS, "outcome", "\"maybe\"", RDR_ERR_INVALID,
     "outcome"},
    {RDR_INPUT_APPEAL_RESULTS, "type", "\"appeal.file\"", RDR_ERR_INVALID,
     "type"},
    {RDR_INPUT_STAFF_DECISIONS, "decision", "\"maybe\"", RDR_ERR_INVALID,
     "decision"},
    {RDR_INPUT_STAFF_DECISIONS, "type", "\"staff.approve\"", RDR_ERR_INVALID,
     "type"},
};

static void test_bad_values_json(void **state) {
        rdr_event_t ev;
        json_error_t je;
        json_t *o, *v;
        size_t i;

        (void)state;
        rdr_event_init(&ev);
        for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
                const bad_value_t *b = &bad_values[i];

                o = load(b->kind);
                v = json_loads(b->json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
                if (!v) {
                        /* Too big for jansson here: splice the text in. */
                        char buf[4096];
                        char *rest;
                        int n;

                        json_object_del(o, b->field);
                        rest = json_dumps(o, JSON_COMPACT);
                        assert_non_null(rest);
                        n = snprintf(buf, sizeof(buf), "{\"%s\":%s,%s",
                                     b->field, b->json, rest + 1);
                        assert_true(n > 0 && (size_t)n < sizeof(buf));
                        errstr[0] = '\0';
                        expect_err(rdr_event_decode(&ev, b->kind, buf,
                                                    (size_t)n, CT_JSON, errstr,
                                                    sizeof(errstr)),
                                   b->want, b->named);
                        free(rest);
                        json_decref(o);
                        continue;
                }
                json_object_set_new(o, b->field, v);
                expect_err(decode_obj(&ev, b->kind, o, CT_JSON), b->want,
                           b->named);
                json_decref(o);
        }
        rdr_event_free(&ev);
}

/* Fields the contract does not name are ignored, whatever their value: a
 * number beyond any integer or double included (protobuf skips unknown
 * fields alike). A message of many of them is read at once. */
static void test_unknown_fields_ignored(void **state) {
        static const char extra[] =
            "\"trace_seq\":18446744073709551615,\"meta\":{\"a\":1e400},"
            "\"big\":[-99999999999999999999999],";
        rdr_input_kind_t kind;
        rdr_event_t ev;
        (void)state;
        rdr_event_init(&ev);
        for (kind = 0; kind < RDR_INPUT__CNT; kind++) {
                char buf[4096];
                int n = snprintf(buf, sizeof(buf), "{%s%s", extra,
                                 base_json[kind] + 1);
                assert_true(n > 0 && (size_t)n < sizeof(buf));
                errstr[0] = '\0';
                if (rdr_event_decode(&ev, kind, buf, (size_t)n, CT_JSON, errstr,
                                     sizeof(errstr)) != RDR_OK)
                        fail_msg("kind %d: %s", (int)kind, errstr);
        }
        {
                /* 60,000 fields of the chat's own; then with the 50,000th
                 * named as the 100th is */
                size_t cap = 60000 * 16 + 4096, len, i;
                char *big = malloc(cap);
                int dup;
                assert_non_null(big);
                for (dup = 0; dup < 2; dup++) {
                        len = 0;
                        big[len++] = '{';
                        for (i = 0; i < 60000; i++)
                                len += (size_t)snprintf(
                                    big + len, cap - len, "\"x%zu\":0,",
                                    dup && i == 50000 ? (size_t)100 : i);
                        len += (size_t)snprintf(big + len, cap - len, "%s",
                                                base_json[RDR_INPUT_CHATS] + 1);
                        assert_int_equal(
                            rdr_event_decode(&ev, RDR_INPUT_CHATS, big, len,
                                             CT_JSON, errstr, sizeof(errstr)),
                            dup ? RDR_ERR_DECODE : RDR_OK);
                }
                assert_non_null(strstr(errstr, "duplicate object key"));
                free(big);
        }
        rdr_event_free(&ev);
}

/* The same bad values through protobuf where the schema can carry them:
 * bad enum names, out-of-range integers, bad strings. */
static void test_bad_values_protobuf(void **state) {
        ProtobufCMessage *m;
        Redress__V1__ReviewEvent *re;
        Redress__V1__BuyerProfile bp = REDRESS__V1__BUYER_PROFILE__INIT;
        Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
        Google__Protobuf__Timestamp *old_ts;
        rdr_event_t ev;
        char *old;
        size_t i;
        static const struct {
                rdr_input_kind_t kind;
                const char *field, *value;
        } strs[] = {
            {RDR_INPUT_REVIEWS, "type", "review.deleted"},
            {RDR_INPUT_CHATS, "direction", "bot"},
            {RDR_INPUT_CHATS, "channel", "staff"},
            {RDR_INPUT_SHIPMENTS, "exception", "stolen"},
            {RDR_INPUT_SHIPMENTS, "origin_country", "us"},
            {RDR_INPUT_APPEAL_RESULTS, "outcome", "ACCEPTED"},
            {RDR_INPUT_REVIEWS, "language", "!!"},
            {RDR_INPUT_REVIEWS, "store_id", "line\nbreak"},
        };

        (void)state;
        rdr_event_init(&ev);
        for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
                m = base_pb(strs[i].kind);
                old = pb_set_str(m, strs[i].field, strs[i].value);
                expect_err(decode_pb(&ev, strs[i].kind, m, CT_PB),
                           RDR_ERR_INVALID, strs[i].field);
                pb_set_str(m, strs[i].field, old);
                protobuf_c_message_free_unpacked(m, NULL);
        }

        m = base_pb(RDR_INPUT_REVIEWS);
        re = (Redress__V1__ReviewEvent *)m;
        re->rating = 6;
        expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_ERR_INVALID,
                   "rating");
        re->rating = -3;
        expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_ERR_INVALID,
                   "rating");
        re->rating = 2;
        /* A buyer profile with a negative counter that is present; the
         * account level is the platform's own scale (eBay's feedback
         * score goes below zero). */
        {
                Redress__V1__BuyerProfile *saved = re->buyer;

                bp.reviews_total_present_case =
                    REDRESS__V1__BUYER_PROFILE__REVIEWS_TOTAL_PRESENT_REVIEWS_TOTAL;
                bp.reviews_total = -5;
                re->buyer = &bp;
                expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB),
                           RDR_ERR_INVALID, "buyer.reviews_total");
                bp.reviews_total_present_case =
                    REDRESS__V1__BUYER_PROFILE__REVIEWS_TOTAL_PRESENT__NOT_SET;
                bp.account_level_present_case =
                    REDRESS__V1__BUYER_PROFILE__ACCOUNT_LEVEL_PRESENT_ACCOUNT_LEVEL;
                bp.account_level = -5;
                expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_OK,
                           NULL);
                assert_int_equal(ev.u.review.buyer.account_level, -5);
                bp.account_level = 2000000000000LL;
                expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_OK,
                           NULL);
                /* Present and zero is a value, not absence. */
                bp.account_level = 0;
                expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_OK,
                           NULL);
                assert_true(ev.u.review.buyer.has_account_level);
                assert_int_equal(ev.u.review.buyer.account_level, 0);
                assert_false(ev.u.review.buyer.has_reviews_total);
                re->buyer = saved;
        }
        /* Timestamps out of range. */
        old_ts = re->created_at;
        re->created_at = &ts;
        ts.seconds = -1;
        expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_ERR_INVALID,
                   "created_at");
        ts.seconds = 1763653330;
        ts.nanos = 1000000000;
        expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_ERR_INVALID,
                   "created_at");
        ts.nanos = -1;
        expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_ERR_INVALID,
                   "created_at");
        ts.seconds = INT64_MAX;
        ts.nanos = 0;
        expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_ERR_INVALID,
                   "created_at");
        ts.seconds = 1763653330;
        ts.nanos = 250999999;
        expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_OK, NULL);
        assert_int_equal(ev.u.review.created_at_ms, 1763653330250LL);
        re->created_at = old_ts;
        protobuf_c_message_free_unpacked(m, NULL);
        rdr_event_free(&ev);
}

/* A JSON message for a kind decoded as another kind. */
static void test_kind_mismatch(void **state) {
        rdr_event_t ev;
        json_t *o = load(RDR_INPUT_REVIEWS);

        (void)state;
        rdr_event_init(&ev);
        expect_err(decode_obj(&ev, RDR_INPUT_CHATS, o, CT_JSON),
                   RDR_ERR_INVALID, "type");
        expect_err(rdr_event_decode(&ev, RDR_INPUT__CNT, "{}", 2, NULL, errstr,
                                    sizeof(errstr)),
                   RDR_ERR_INTERNAL, NULL);
        json_decref(o);
        rdr_event_free(&ev);
}

/*
 * UTF-8.
 */

static void test_invalid_utf8_json(void **state) {
        static const char *const bad_seqs[] = {
            "\xff",     "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
            "\xe4\xb8", "\x80"};
        rdr_event_t ev;
        char buf[2048];
        const char *fields[] = {"text", "store_id", "event_id"};
        size_t i, f;
        int n;

        (void)state;
        rdr_event_init(&ev);
        for (f = 0; f < 3; f++)
                for (i = 0; i < sizeof(bad_seqs) / sizeof(bad_seqs[0]); i++) {
                        n = snprintf(
                            buf, sizeof(buf),
                            "{\"event_id\":\"%s\",\"type\":\"chat.message\","
                            "\"platform\":\"im\",\"store_id\":\"%s\","
                            "\"buyer_id\":\"b\",\"direction\":\"buyer\","
                            "\"channel\":\"im\",\"text\":\"%s\","
                            "\"sent_at\":\"2026-11-20T16:35:41Z\"}",
                            f == 2 ? bad_seqs[i] : "e1",
                            f == 1 ? bad_seqs[i] : "s1",
                            f == 0 ? bad_seqs[i] : "hi");
                        assert_true(n > 0 && (size_t)n < sizeof(buf));
                        errstr[0] = '\0';
                        expect_err(rdr_event_decode(&ev, RDR_INPUT_CHATS, buf,
                                                    (size_t)n, CT_JSON, errstr,
                                                    sizeof(errstr)),
                                   RDR_ERR_INVALID, fields[f]);
                        assert_non_null(strstr(errstr, "UTF-8"));
                }
        rdr_event_free(&ev);
}

static void test_invalid_utf8_protobuf(void **state) {
        static const char *const bad_seqs[] = {"ok\xff", "\xc0\xaf",
                                               "\xed\xa0\x80", "\xe4\xb8"};
        static const struct {
                rdr_input_kind_t kind;
                const char *field;
        } where[] = {
            {RDR_INPUT_REVIEWS, "text"},
            {RDR_INPUT_REVIEWS, "product_id"},
            {RDR_INPUT_CHATS, "text"},
            {RDR_INPUT_SHIPMENTS, "location"},
            {RDR_INPUT_APPEAL_RESULTS, "reason"},
        };
        ProtobufCMessage *m;
        Redress__V1__ReviewEvent *re;
        rdr_event_t ev;
        char *old;
        size_t i, w;

        (void)state;
        rdr_event_init(&ev);
        for (w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
                m = base_pb(where[w].kind);
                for (i = 0; i < sizeof(bad_seqs) / sizeof(bad_seqs[0]); i++) {
                        old = pb_set_str(m, where[w].field, bad_seqs[i]);
                        expect_err(decode_pb(&ev, where[w].kind, m, NULL),
                                   RDR_ERR_INVALID, where[w].field);
                        assert_non_null(strstr(errstr, "UTF-8"));
                        pb_set_str(m, where[w].field, old);
                }
                protobuf_c_message_free_unpacked(m, NULL);
        }
        /* In the nested buyer profile. */
        m = base_pb(RDR_INPUT_REVIEWS);
        re = (Redress__V1__ReviewEvent *)m;
        assert_non_null(re->buyer);
        old = re->buyer->timezone;
        re->buyer->timezone = (char *)(uintptr_t) "Europe/\xffMadrid";
        expect_err(decode_pb(&ev, RDR_INPUT_REVIEWS, m, CT_PB), RDR_ERR_INVALID,
                   "buyer.timezone");
        re->buyer->timezone = old;
        protobuf_c_message_free_unpacked(m, NULL);
        rdr_event_free(&ev);
}

/* A NUL inside a protobuf string would cut the C string short. */
static void test_nul_in_protobuf_string(void **state) {
        Redress__V1__ChatEvent ce = REDRESS__V1__CHAT_EVENT__INIT;
        Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
        uint8_t b[512], *q;
        size_t n;
        rdr_event_t ev;

        (void)state;
        ce.event_id = (char *)(uintptr_t) "e";
        ce.type = (char *)(uintptr_t) "chat.message";
        ce.platform = (char *)(uintptr_t) "p";
        ce.store_id = (char *)(uintptr_t) "s";
        ce.buyer_id = (char *)(uintptr_t) "b";
        ce.direction = (char *)(uintptr_t) "buyer";
        ce.channel = (char *)(uintptr_t) "im";
        ce.text = (char *)(uintptr_t) "abXd";
        ts.seconds = 1763653330;
        ce.sent_at = &ts;
        n = protobuf_c_message_pack(&ce.base, b);
        q = memchr(b, 'X', n);
        assert_non_null(q);
        *q = '\0';
        rdr_event_init(&ev);
        errstr[0] = '\0';
        expect_err(rdr_event_decode(&ev, RDR_INPUT_CHATS, b, n, CT_PB, errstr,
                                    sizeof(errstr)),
                   RDR_ERR_INVALID, "text");
        rdr_event_free(&ev);
}

/*
 * Sizes and shapes.
 */

static void test_text_limits(void **state) {
        rdr_event_t ev;
        json_t *o;
        char *s;
        size_t i, len;

        (void)state;
        rdr_event_init(&ev);
        /* Exactly 10000 characters of 3 bytes each: accepted. */
        len = RDR_EVENT_MAX_TEXT * 3;
        s = malloc(len + 4);
        assert_non_null(s);
        for (i = 0; i < RDR_EVENT_MAX_TEXT; i++)
                memcpy(s + i * 3, "\xe5\xa5\xbd", 3);
        s[len] = '\0';
        o = load(RDR_INPUT_REVIEWS);
        json_object_set_new(o, "text", json_string(s));
        expect_err(decode_obj(&ev, RDR_INPUT_REVIEWS, o, CT_JSON), RDR_OK,
                   NULL);
        assert_int_equal(ev.u.review.text_len, len);
        /* One more: too large, naming the field. */
        memcpy(s + len, "a", 2);
        json_object_set_new(o, "text", json_string(s));
        expect_err(decode_obj(&ev, RDR_INPUT_REVIEWS, o, CT_JSON),
                   RDR_ERR_TOO_LARGE, "text");
        json_decref(o);
        free(s);

        /* event_id: 128 characters fine, 129 not. */
        s = malloc(RDR_EVENT_MAX_EVENT_ID + 2);
        assert_non_null(s);
        memset(s, 'e', RDR_EVENT_MAX_EVENT_ID + 1);
        s[RDR_EVENT_MAX_EVENT_ID] = '\0';
        o = load(RDR_INPUT_APPEAL_RESULTS);
        json_object_set_new(o, "event_id", json_string(s));
        expect_err(decode_obj(&ev, RDR_INPUT_APPEAL_RESULTS, o, CT_JSON),
                   RDR_OK, NULL);
        s[RDR_EVENT_MAX_EVENT_ID] = 'e';
        s[RDR_EVENT_MAX_EVENT_ID + 1] = '\0';
        json_object_set_new(o, "event_id", json_string(s));
        expect_err(decode_obj(&ev, RDR_INPUT_APPEAL_RESULTS, o, CT_JSON),
                   RDR_ERR_INVALID, "event_id");
        json_decref(o);
        free(s);

        /* Other ids: 256 characters and 256 bytes at most (a case keeps
         * them whole): 256 ASCII fine, 86 Chinese (258 bytes) not. */
        s = malloc(RDR_EVENT_MAX_ID * 3 + 2);
        assert_non_null(s);
        memset(s, 'r', RDR_EVENT_MAX_ID);
        s[RDR_EVENT_MAX_ID] = '\0';
        o = load(RDR_INPUT_REVIEWS);
        json_object_set_new(o, "review_id", json_string(s));
        expect_err(decode_obj(&ev, RDR_INPUT_REVIEWS, o, CT_JSON), RDR_OK,
                   NULL);
        assert_int_equal(strlen(ev.u.review.review_id), RDR_EVENT_MAX_ID);
        for (i = 0; i < 86; i++)
                memcpy(s + i * 3, "\xe8\xaf\x84", 3);
        s[86 * 3] = '\0';
        json_object_set_new(o, "review_id", json_string(s));
        expect_err(decode_obj(&ev, RDR_INPUT_REVIEWS, o, CT_JSON),
                   RDR_ERR_INVALID, "review_id");
        assert_non_null(strstr(errstr, "bytes"));
        json_decref(o);
        free(s);
        rdr_event_free(&ev);
}

/* A 10 MB text: rejected whole, in both encodings, without a crash. */
/* What each type of staff decision requires: a decision for an offer,
 * nothing more to hand a case back, the kind and text of evidence. */
static void test_staff_decisions(void **state) {
        rdr_event_t ev;
        json_t *o;
        (void)state;
        rdr_event_init(&ev);
        o = load(RDR_INPUT_STAFF_DECISIONS);
        expect_err(decode_obj(&ev, RDR_INPUT_STAFF_DECISIONS, o, CT_JSON),
                   RDR_OK, NULL);
        assert_int_equal(ev.u.staff.type, RDR_STAFF_OFFER_DECISION);
        assert_int_equal(ev.u.staff.decision, RDR_DECISION_APPROVED);
        assert_string_equal(ev.u.staff.agent_id, "agent-7");
        assert_null(ev.u.staff.evidence_text);

        json_object_set_new(o, "type", json_string("staff.resume"));
        json_object_del(o, "decision");
        json_object_set_new(o, "action_id",
                            json_string("case-1:buyer_reply:2"));
        expect_err(decode_obj(&ev, RDR_INPUT_STAFF_DECISIONS, o, NULL), RDR_OK,
                   NULL);
        assert_int_equal(ev.u.staff.type, RDR_STAFF_RESUME);
        assert_int_equal(ev.u.staff.decision, RDR_DECISION_NONE);

        json_object_set_new(o, "type", json_string("staff.evidence"));
        expect_err(decode_obj(&ev, RDR_INPUT_STAFF_DECISIONS, o, CT_JSON),
                   RDR_ERR_INVALID, "evidence_kind");
        json_object_set_new(o, "evidence_kind", json_string("chat"));
        expect_err(decode_obj(&ev, RDR_INPUT_STAFF_DECISIONS, o, CT_JSON),
                   RDR_ERR_INVALID, "evidence_text");
        json_object_set_new(o, "evidence_text",
                            json_string("给我退款五十元，不然一直差评"));
        expect_err(decode_obj(&ev, RDR_INPUT_STAFF_DECISIONS, o, CT_JSON),
                   RDR_OK, NULL);
        assert_int_equal(ev.u.staff.type, RDR_STAFF_EVIDENCE);
        assert_string_equal(ev.u.staff.evidence_kind, "chat");
        assert_null(ev.u.staff.evidence_ref);

        /* staff.appeal: a ground; it answers no action, and its evidence
         * is optional; the ground survives protobuf. */
        json_object_set_new(o, "type", json_string("staff.appeal"));
        json_object_del(o, "action_id");
        json_object_del(o, "evidence_kind");
        json_object_del(o, "evidence_text");
        expect_err(decode_obj(&ev, RDR_INPUT_STAFF_DECISIONS, o, CT_JSON),
                   RDR_ERR_INVALID, "ground");
        json_object_set_new(o, "ground", json_string("unrelated"));
        expect_err(decode_obj(&ev, RDR_INPUT_STAFF_DECISIONS, o, CT_JSON),
                   RDR_OK, NULL);
        assert_int_equal(ev.u.staff.type, RDR_STAFF_APPEAL);
        assert_string_equal(ev.u.staff.ground, "unrelated");
        assert_null(ev.u.staff.action_id);
        assert_null(ev.u.staff.evidence_kind);
        {
                rdr_event_t back;
                rdr_buf_t buf;
                rdr_event_init(&back);
                rdr_buf_init(&buf);
                assert_int_equal(rdr_event_encode_protobuf(&ev, &buf), RDR_OK);
                assert_int_equal(
                    rdr_event_decode(&back, RDR_INPUT_STAFF_DECISIONS, buf.data,
                                     buf.len, CT_PB, errstr, sizeof(errstr)),
                    RDR_OK);
                assert_int_equal(back.u.staff.type, RDR_STAFF_APPEAL);
                assert_string_equal(back.u.staff.ground, "unrelated");
                rdr_buf_free(&buf);
                rdr_event_free(&back);
        }
        /* Another type needs its action still. */
        json_object_set_new(o, "type", json_string("staff.resume"));
        expect_err(decode_obj(&ev, RDR_INPUT_STAFF_DECISIONS, o, CT_JSON),
                   RDR_ERR_INVALID, "action_id");
        json_decref(o);
        rdr_event_free(&ev);
}

static void test_ten_megabytes(void **state) {
        const size_t big = 10 * 1024 * 1024;
        ProtobufCMessage *m;
        rdr_event_t ev;
        rdr_buf_t buf;
        json_t *o;
        char *s, *old;
        size_t n;
        uint8_t *b;
        int k;

        (void)state;
        rdr_event_init(&ev);
        rdr_buf_init(&buf);
        s = malloc(big + 1);
        assert_non_null(s);
        memset(s, 'x', big);
        s[big] = '\0';
        for (k = 0; k < RDR_INPUT__CNT; k++) {
                const char *field =
                    k == RDR_INPUT_APPEAL_RESULTS ? "reason" : "text";

                if (k == RDR_INPUT_SHIPMENTS)
                        field = "location";
                if (k == RDR_INPUT_STAFF_DECISIONS)
                        field = "evidence_text";
                o = load((rdr_input_kind_t)k);
                json_object_set_new(o, field, json_string(s));
                expect_err(decode_obj(&ev, (rdr_input_kind_t)k, o, CT_JSON),
                           RDR_ERR_TOO_LARGE, NULL);
                expect_err(decode_obj(&ev, (rdr_input_kind_t)k, o, NULL),
                           RDR_ERR_TOO_LARGE, NULL);
                json_decref(o);

                m = base_pb((rdr_input_kind_t)k);
                old = pb_set_str(m, field, s);
                n = protobuf_c_message_get_packed_size(m);
                b = malloc(n);
                assert_non_null(b);
                protobuf_c_message_pack(m, b);
                errstr[0] = '\0';
                expect_err(rdr_event_decode(&ev, (rdr_input_kind_t)k, b, n,
                                            CT_PB, errstr, sizeof(errstr)),
                           RDR_ERR_TOO_LARGE, NULL);
                free(b);
                pb_set_str(m, field, old);
                protobuf_c_message_free_unpacked(m, NULL);
        }
        /* Under the message limit, a text over 10000 characters still
         * names the field. */
        s[RDR_EVENT_MAX_TEXT * 50] = '\0';
        o = load(RDR_INPUT_CHATS);
        json_object_set_new(o, "text", json_string(s));
        expect_err(decode_obj(&ev, RDR_INPUT_CHATS, o, CT_JSON),
                   RDR_ERR_TOO_LARGE, "text");
        json_decref(o);
        free(s);
        /* The event is reusable after all that. */
        o = load(RDR_INPUT_CHATS);
        expect_err(decode_obj(&ev, RDR_INPUT_CHATS, o, CT_JSON), RDR_OK, NULL);
        json_decref(o);
        rdr_buf_free(&buf);
        rdr_event_free(&ev);
}

static void test_empty_and_not_object(void **state) {
        static const struct {
                const char *buf, *ct, *needle;
                rdr_err_t want;
        } cases[] = {
            {"", CT_JSON, "empty", RDR_ERR_DECODE},
            {"", NULL, "empty", RDR_ERR_DECODE},
            {"", CT_PB, "empty", RDR_ERR_DECODE},
            {"  \n\t ", NULL, "empty", RDR_ERR_DECODE},
            {" \r\n", CT_JSON, "empty", RDR_ERR_DECODE},
            {"[{\"type\":\"chat.message\"}]", CT_JSON, "array", RDR_ERR_DECODE},
            /* Scalars at the top level are not JSON texts for jansson. */
            {"\"chat.message\"", CT_JSON, "JSON", RDR_ERR_DECODE},
            {"null", CT_JSON, "JSON", RDR_ERR_DECODE},
            {"42", CT_JSON, "JSON", RDR_ERR_DECODE},
            {"{\"type\":", CT_JSON, "JSON", RDR_ERR_DECODE},
            {"{\"type\":\"chat.message\"} trailing", CT_JSON, "JSON",
             RDR_ERR_DECODE},
            {"{\"type\":\"chat.message\",\"type\":\"chat.message\"}", CT_JSON,
             "JSON", RDR_ERR_DECODE},
            {"{}", CT_JSON, "'type'", RDR_ERR_INVALID},
            {"{}", "text/plain", "'content-type'", RDR_ERR_DECODE},
            /* Not JSON: sniffed as protobuf, which it is not either. */
            {"[1,2]", NULL, "protobuf", RDR_ERR_DECODE},
        };
        rdr_event_t ev;
        size_t i;

        (void)state;
        rdr_event_init(&ev);
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                errstr[0] = '\0';
                expect_err(rdr_event_decode(&ev, RDR_INPUT_CHATS, cases[i].buf,
                                            strlen(cases[i].buf), cases[i].ct,
                                            errstr, sizeof(errstr)),
                           cases[i].want, NULL);
                if (!strstr(errstr, cases[i].needle))
                        print_error("case %zu: %s\n", i, errstr);
                assert_non_null(strstr(errstr, cases[i].needle));
        }
        expect_err(rdr_event_decode(&ev, RDR_INPUT_CHATS, NULL, 0, NULL, errstr,
                                    sizeof(errstr)),
                   RDR_ERR_DECODE, NULL);
        rdr_event_free(&ev);
}

/* Every prefix of a valid protobuf message: an error or a valid event,
 * never a crash; cut inside the last field, always an error. */
static void test_truncated_protobuf(void **state) {
        rdr_event_t ev;
        rdr_buf_t buf;
        json_t *o;
        rdr_err_t err;
        size_t n;
        int k;

        (void)state;
        rdr_event_init(&ev);
        rdr_buf_init(&buf);
        for (k = 0; k < RDR_INPUT__CNT; k++) {
                o = load((rdr_input_kind_t)k);
                assert_int_equal(
                    decode_obj(&ev, (rdr_input_kind_t)k, o, CT_JSON), RDR_OK);
                rdr_buf_reset(&buf);
                assert_int_equal(rdr_event_encode_protobuf(&ev, &buf), RDR_OK);
                for (n = 1; n < buf.len; n++) {
                        err =
                            rdr_event_decode(&ev, (rdr_input_kind_t)k, buf.data,
                                             n, CT_PB, errstr, sizeof(errstr));
                        assert_true(err == RDR_OK || err == RDR_ERR_DECODE ||
                                    err == RDR_ERR_INVALID);
                }
                expect_err(rdr_event_decode(&ev, (rdr_input_kind_t)k, buf.data,
                                            buf.len - 1, CT_PB, errstr,
                                            sizeof(errstr)),
                           RDR_ERR_DECODE, NULL);
                assert_non_null(strstr(errstr, "protobuf"));
                json_decref(o);
        }
        rdr_buf_free(&buf);
        rdr_event_free(&ev);
}

/*
 * Equivalence of the encodings, sniffing and round trips.
 */

static void check_round_trips(rdr_event_t *ev, rdr_input_kind_t kind,
                              const char *line, size_t len) {
        rdr_event_t a, b;
        rdr_buf_t buf;

        rdr_event_init(&a);
        rdr_event_init(&b);
        rdr_buf_init(&buf);
        errstr[0] = '\0';
        expect_err(rdr_event_decode(&a, kind, line, len, CT_JSON, errstr,
                                    sizeof(errstr)),
                   RDR_OK, NULL);
        /* Sniffed JSON equals declared JSON. */
        expect_err(
            rdr_event_decode(ev, kind, line, len, NULL, errstr, sizeof(errstr)),
            RDR_OK, NULL);
        assert_true(rdr_event_equal(&a, ev));
        /* JSON -> protobuf -> decode: the same fields. */
        assert_int_equal(rdr_event_encode_protobuf(&a, &buf), RDR_OK);
        expect_err(rdr_event_decode(&b, kind, buf.data, buf.len, CT_PB, errstr,
                                    sizeof(errstr)),
                   RDR_OK, NULL);
        assert_true(rdr_event_equal(&a, &b));
        /* ... and sniffed as protobuf without a content type. */
        expect_err(rdr_event_decode(&b, kind, buf.data, buf.len, NULL, errstr,
                                    sizeof(errstr)),
                   RDR_OK, NULL);
        assert_true(rdr_event_equal(&a, &b));
        /* JSON -> encode JSON -> decode: the same fields. */
        rdr_buf_reset(&buf);
        assert_int_equal(rdr_event_encode_json(&a, &buf), RDR_OK);
        expect_err(rdr_event_decode(&b, kind, buf.data, buf.len,
                                    "application/json; charset=utf-8", errstr,
                                    sizeof(errstr)),
                   RDR_OK, NULL);
        assert_true(rdr_event_equal(&a, &b));
        rdr_buf_free(&buf);
        rdr_event_free(&a);
        rdr_event_free(&b);
}

static void round_trip_file(const char *name) {
        char path[512], *line = NULL;
        size_t cap = 0, len;
        ssize_t n;
        FILE *fp;
        rdr_event_t ev;
        rdr_input_kind_t kind;
        json_t *o;
        const char *type;
        int lines = 0;

        snprintf(path, sizeof(path), "%s/samples/%s", RDR_TEST_DATA_DIR, name);
        fp = fopen(path, "r");
        assert_non_null(fp);
        rdr_event_init(&ev);
        while ((n = getline(&line, &cap, fp)) > 0) {
                len = (size_t)n;
                while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        len--;
                if (!len)
                        continue;
                o = json_loadb(line, len, 0, NULL);
                assert_non_null(o);
                type = json_string_value(json_object_get(o, "type"));
                assert_non_null(type);
                kind = rdr_input_kind_of_type(type, strlen(type));
                assert_int_not_equal(kind, RDR_INPUT__CNT);
                check_round_trips(&ev, kind, line, len);
                json_decref(o);
                lines++;
        }
        assert_true(lines > 0);
        free(line);
        fclose(fp);
        rdr_event_free(&ev);
}

static void test_samples_round_trip(void **state) {
        (void)state;
        round_trip_file("reviews.jsonl");
        round_trip_file("chats.jsonl");
        round_trip_file("shipments.jsonl");
        round_trip_file("chats-later.jsonl");
        round_trip_file("appeal-results.jsonl");
        round_trip_file("staff-decisions.jsonl");
        round_trip_file("days-offer-approval.jsonl");
        round_trip_file("days-refusal.jsonl");
}

static void test_base_events_round_trip(void **state) {
        rdr_event_t ev;
        int k;

        (void)state;
        rdr_event_init(&ev);
        for (k = 0; k < RDR_INPUT__CNT; k++)
                check_round_trips(&ev, (rdr_input_kind_t)k, base_json[k],
                                  strlen(base_json[k]));
        rdr_event_free(&ev);
}

/* An event's fingerprint is its content's: the same in JSON, with its keys
 * in any order, and in protobuf; another for any field changed. */
static void test_fingerprint(void **state) {
        /* The base events' fingerprints, pinned: a change of the field
         * tables or of the hash that moves them makes a replay of an event
         * an earlier build applied read as other content (a dead letter).
         * Such a change bumps RDR_EVENT_FINGERPRINT_VERSION (event.h) and
         * pins the new values. */
        static const char *const pinned[RDR_INPUT__CNT] = {
            "f1:c29a7495b4c2ca8f", "f1:d96ea8fe297184ee", "f1:7169bb7eea8ca436",
            "f1:5db097596f898206", "f1:01c463b2a27d5e6b"};
        static const char *const changed[RDR_INPUT__CNT][2] = {
            {"text", "Strap broke."},   {"text", "Gracias"},
            {"tracking_number", "1Z8"}, {"reason", "insufficient"},
            {"agent_id", "agent-8"},
        };
        rdr_event_t ev;
        rdr_buf_t buf = {0};
        char fp[RDR_EVENT_FINGERPRINT_SIZE], other[RDR_EVENT_FINGERPRINT_SIZE];
        char *s;
        json_t *o;
        int k;

        (void)state;
        rdr_event_init(&ev);
        for (k = 0; k < RDR_INPUT__CNT; k++) {
                o = load((rdr_input_kind_t)k);
                assert_int_equal(
                    decode_obj(&ev, (rdr_input_kind_t)k, o, CT_JSON), RDR_OK);
                rdr_event_fingerprint_str(&ev, fp);
                assert_int_equal(strlen(fp), 19);
                if (strcmp(fp, pinned[k]))
                        fail_msg("kind %d: fingerprint %s, pinned %s (see "
                                 "RDR_EVENT_FINGERPRINT_VERSION)",
                                 k, fp, pinned[k]);
                /* the keys sorted: another order than base_json's */
                s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
                assert_non_null(s);
                assert_int_equal(rdr_event_decode(&ev, (rdr_input_kind_t)k, s,
                                                  strlen(s), CT_JSON, errstr,
                                                  sizeof(errstr)),
                                 RDR_OK);
                free(s);
                rdr_event_fingerprint_str(&ev, other);
                assert_string_equal(fp, other);
                /* protobuf */
                buf.len = 0;
                assert_int_equal(rdr_event_encode_protobuf(&ev, &buf), RDR_OK);
                assert_int_equal(rdr_event_decode(&ev, (rdr_input_kind_t)k,
                                                  buf.data, buf.len, CT_PB,
                                                  errstr, sizeof(errstr)),
                                 RDR_OK);
                rdr_event_fingerprint_str(&ev, other);
                assert_string_equal(fp, other);
                /* one field changed */
                json_object_set_new(o, changed[k][0],
                                    json_string(changed[k][1]));
                assert_int_equal(
                    decode_obj(&ev, (rdr_input_kind_t)k, o, CT_JSON), RDR_OK);
                rdr_event_fingerprint_str(&ev, other);
                if (!strcmp(fp, other))
                        fail_msg("kind %d: %s changed, same fingerprint %s", k,
                                 changed[k][0], fp);
                json_decref(o);
        }
        rdr_buf_free(&buf);
        rdr_event_free(&ev);
}

/* What an input's dedupe key says of it: absent, new; its own fingerprint
 * or what an earlier build or a chats record keeps ("1", a case id, "-"),
 * a replay; another fingerprint, an event_id used again for other
 * content. A timer (no fingerprint) is never told reused. */
static void test_seen_fingerprint(void **state) {
        static const char fp[] = "f1:0123456789abcdef";
        static const struct {
                int type;
                const char *str;
                const char *fp;
                int seen;
        } cases[] = {
            {REDIS_REPLY_NIL, NULL, fp, RDR_SEEN_NEW},
            {REDIS_REPLY_STRING, "f1:0123456789abcdef", fp, RDR_SEEN_REPLAY},
            {REDIS_REPLY_STRING, "1", fp, RDR_SEEN_REPLAY},
            {REDIS_REPLY_STRING, "case-1", fp, RDR_SEEN_REPLAY},
            {REDIS_REPLY_STRING, "-", fp, RDR_SEEN_REPLAY},
            {REDIS_REPLY_STRING, "f1:0123456789abcdee", fp, RDR_SEEN_REUSED},
            /* another version: a later decoding may differ, no telling */
            {REDIS_REPLY_STRING, "f2:0123456789abcdee", fp, RDR_SEEN_REPLAY},
            {REDIS_REPLY_STRING, "f1:", fp, RDR_SEEN_REPLAY},
            {REDIS_REPLY_STRING, "f1:0123456789abcdee", NULL, RDR_SEEN_REPLAY},
            {REDIS_REPLY_STRING, "f1:0123456789abcdee", "", RDR_SEEN_REPLAY},
        };
        redisReply r;
        char why[512];
        size_t i;

        (void)state;
        assert_int_equal(rdr_casework_seen(NULL, fp), RDR_SEEN_NEW);
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                memset(&r, 0, sizeof(r));
                r.type = cases[i].type;
                r.str = (char *)(uintptr_t)cases[i].str;
                r.len = cases[i].str ? strlen(cases[i].str) : 0;
                if (rdr_casework_seen(&r, cases[i].fp) != cases[i].seen)
                        fail_msg("case %zu (%s): %d, expected %d", i,
                                 cases[i].str ? cases[i].str : "-",
                                 rdr_casework_seen(&r, cases[i].fp),
                                 cases[i].seen);
        }
        assert_int_equal(rdr_casework_reused("ev-1", why, sizeof(why)),
                         RDR_ERR_REUSED_ID);
        assert_int_equal(rdr_err_class(RDR_ERR_REUSED_ID),
                         RDR_ERRCLASS_PERMANENT);
        assert_non_null(strstr(why, "event_id 'ev-1' was applied before"));
}

/* Sniffing: leading whitespace before '{' is JSON; a protobuf whose first
 * byte happens to be whitespace-like is still protobuf. */
static void test_sniffing(void **state) {
        rdr_event_t ev;
        char buf[2048];
        int n;

        (void)state;
        rdr_event_init(&ev);
        n = snprintf(buf, sizeof(buf), " \r\n\t%s\n", base_json[1]);
        expect_err(rdr_event_decode(&ev, RDR_INPUT_CHATS, buf, (size_t)n, NULL,
                                    errstr, sizeof(errstr)),
                   RDR_OK, NULL);
        assert_string_equal(ev.u.chat.buyer_id, "b-2");
        /* Content types are case-insensitive and may carry parameters. */
        expect_err(rdr_event_decode(&ev, RDR_INPUT_CHATS, buf, (size_t)n,
                                    "Application/JSON;charset=UTF-8", errstr,
                                    sizeof(errstr)),
                   RDR_OK, NULL);
        /* JSON declared as protobuf fails as protobuf. */
        expect_err(rdr_event_decode(&ev, RDR_INPUT_CHATS, buf, (size_t)n, CT_PB,
                                    errstr, sizeof(errstr)),
                   RDR_ERR_DECODE, NULL);
        /* Broken JSON without a header says so. */
        expect_err(rdr_event_decode(&ev, RDR_INPUT_CHATS, "{\"event_id\": ", 13,
                                    NULL, errstr, sizeof(errstr)),
                   RDR_ERR_DECODE, NULL);
        assert_non_null(strstr(errstr, "not valid JSON"));
        rdr_event_free(&ev);
}

/* Protobuf without a header whose first bytes read as JSON's: an
 * event_id of 123 bytes is encoded 0a 7b ('\n', '{'), of 9, 10, 13 or 32
 * bytes starting with '{' alike. Sniffed as JSON, it is read as protobuf
 * when it is not JSON and is a whole protobuf event. */
static void test_sniffing_protobuf_that_opens_like_json(void **state) {
        static const size_t lens[] = {123, 9, 10, 13, 32};
        rdr_event_t ev, out;
        rdr_buf_t pb;
        char id[128];
        size_t i;
        (void)state;
        rdr_event_init(&ev);
        rdr_event_init(&out);
        for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
                memset(id, 'e', sizeof(id));
                id[0] = '{';
                id[lens[i]] = '\0';
                expect_err(
                    rdr_event_decode(&ev, RDR_INPUT_REVIEWS,
                                     base_json[RDR_INPUT_REVIEWS],
                                     strlen(base_json[RDR_INPUT_REVIEWS]),
                                     CT_JSON, errstr, sizeof(errstr)),
                    RDR_OK, NULL);
                ev.u.review.event_id = id;
                rdr_buf_init(&pb);
                assert_int_equal(rdr_event_encode_protobuf(&ev, &pb), RDR_OK);
                assert_true(pb.len > 2 && pb.data[0] == 0x0a);
                expect_err(rdr_event_decode(&out, RDR_INPUT_REVIEWS, pb.data,
                                            pb.len, NULL, errstr,
                                            sizeof(errstr)),
                           RDR_OK, NULL);
                assert_string_equal(out.u.review.event_id, id);
                assert_int_equal(out.u.review.rating, ev.u.review.rating);
                rdr_buf_free(&pb);
        }
        rdr_event_free(&ev);
        rdr_event_free(&out);
}

/*
 * Times.
 */

static void test_time_parse(void **state) {
        static const struct {
                const char *s;
                int64_t ms;
                int ok;
        } cases[] = {
            {"1970-01-01T00:00:00Z", 0, 1},
            {"2026-11-23T07:00:00Z", 1795417200000LL, 1},
            {"2026-11-23T08:00:00.250+01:00", 1795417200250LL, 1},
            {"2026-11-23t07:00:00.250999z", 1795417200250LL, 1},
            {"2026-11-23T01:30:00-05:30", 1795417200000LL, 1},
            {"2026-11-23T07:00:00+00:00", 1795417200000LL, 1},
            {"2026-11-23T07:00:00-00:00", 1795417200000LL, 1},
            {"2024-02-29T00:00:00Z", 1709164800000LL, 1},
            {"2016-12-31T23:59:60Z", 1483228800000LL, 1},
            {"2025-02-29T00:00:00Z", 0, 0},
            {"2026-11-23T07:00:00", 0, 0},
            {"2026-11-23T24:00:00Z", 0, 0},
            {"2026-11-23T07:60:00Z", 0, 0},
            {"2026-11-23T07:00:00.Z", 0, 0},
            {"2026-11-23T07:00:00+0100", 0, 0},
            {"2026-11-23T07:00:00+01:60", 0, 0},
            {"26-11-23T07:00:00Z", 0, 0},
            {"2026-11-23", 0, 0},
            {"", 0, 0},
            {"2026-11-23T07:00:00Z ", 0, 0},
        };
        size_t i;
        int64_t ms;
        int ok;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ok = -1;
                ms =
                    rdr_time_parse_rfc3339(cases[i].s, strlen(cases[i].s), &ok);
                if (ok != cases[i].ok || (ok && ms != cases[i].ms))
                        print_error("%s: ok %d ms %lld\n", cases[i].s, ok,
                                    (long long)ms);
                assert_int_equal(ok, cases[i].ok);
                if (ok)
                        assert_int_equal(ms, cases[i].ms);
        }
}

static void test_time_format(void **state) {
        char t[RDR_TIME_RFC3339_SIZE];
        int ok;

        (void)state;
        assert_int_equal(rdr_time_format_rfc3339(1795417200250LL, t, sizeof(t)),
                         24);
        assert_string_equal(t, "2026-11-23T07:00:00.250Z");
        assert_int_equal(rdr_time_parse_rfc3339(t, 24, &ok), 1795417200250LL);
        assert_int_equal(ok, 1);
        assert_int_equal(rdr_time_format_rfc3339(0, t, sizeof(t) - 1), 0);
        assert_int_equal(rdr_time_format_rfc3339(INT64_MAX, t, sizeof(t)), 0);
}

/* Offsets in events are converted to UTC milliseconds. */
static void test_event_times_with_offsets(void **state) {
        rdr_event_t ev;
        json_t *o;

        (void)state;
        rdr_event_init(&ev);
        o = load(RDR_INPUT_SHIPMENTS);
        expect_err(decode_obj(&ev, RDR_INPUT_SHIPMENTS, o, CT_JSON), RDR_OK,
                   NULL);
        /* 2026-11-12T23:59:59-06:00 = 2026-11-13T05:59:59Z */
        assert_int_equal(
            ev.u.shipment.promised_by_ms,
            rdr_time_parse_rfc3339("2026-11-13T05:59:59Z", 20, &(int){0}));
        json_object_set_new(o, "occurred_at",
                            json_string("2026-11-09T15:00:00.5+01:00"));
        expect_err(decode_obj(&ev, RDR_INPUT_SHIPMENTS, o, CT_JSON), RDR_OK,
                   NULL);
        assert_int_equal(
            ev.u.shipment.occurred_at_ms,
            rdr_time_parse_rfc3339("2026-11-09T14:00:00.500Z", 24, &(int){0}));
        json_decref(o);
        o = load(RDR_INPUT_APPEAL_RESULTS);
        expect_err(decode_obj(&ev, RDR_INPUT_APPEAL_RESULTS, o, CT_JSON),
                   RDR_OK, NULL);
        assert_int_equal(
            ev.u.appeal.occurred_at_ms,
            rdr_time_parse_rfc3339("2026-11-25T02:00:00Z", 20, &(int){0}));
        json_decref(o);
        rdr_event_free(&ev);
}

/* An event dated ahead of the fleet's clock by more than the limit is
 * refused, naming its own time field and how far ahead it is. */
static void test_event_dated_ahead(void **state) {
        static const struct {
                rdr_input_kind_t kind;
                const char *field;
        } kinds[] = {{RDR_INPUT_REVIEWS, "created_at"},
                     {RDR_INPUT_CHATS, "sent_at"},
                     {RDR_INPUT_SHIPMENTS, "occurred_at"},
                     {RDR_INPUT_APPEAL_RESULTS, "occurred_at"}};
        const int64_t hour = 3600000;
        char why[512], want[64];
        rdr_event_t ev;
        const char *field;
        size_t i;
        (void)state;
        rdr_event_init(&ev);
        for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
                json_t *o = load(kinds[i].kind);
                int64_t t;
                expect_err(decode_obj(&ev, kinds[i].kind, o, CT_JSON), RDR_OK,
                           NULL);
                json_decref(o);
                t = rdr_event_time_ms(&ev, &field);
                assert_string_equal(field, kinds[i].field);
                /* Up to the limit, and any time with no limit. */
                assert_int_equal(rdr_event_check_future(&ev, t - 24 * hour,
                                                        24 * hour, why,
                                                        sizeof(why)),
                                 RDR_OK);
                assert_int_equal(rdr_event_check_future(&ev, t - 9000 * hour, 0,
                                                        why, sizeof(why)),
                                 RDR_OK);
                assert_int_equal(rdr_event_check_future(&ev, t - 30 * hour,
                                                        24 * hour, why,
                                                        sizeof(why)),
                                 RDR_ERR_INVALID);
                snprintf(want, sizeof(want), "field '%s': ", kinds[i].field);
                assert_non_null(strstr(why, want));
                assert_non_null(strstr(why, " is 30 hours ahead of the "
                                            "fleet's clock"));
                assert_non_null(strstr(why, "(86400 s)"));
                assert_int_equal(rdr_event_check_future(&ev, t - 3 * 24 * hour,
                                                        hour, why, sizeof(why)),
                                 RDR_ERR_INVALID);
                assert_non_null(strstr(why, " is 3 days ahead"));
                assert_int_equal(rdr_event_check_future(&ev, t - 90 * 60000,
                                                        hour, why, sizeof(why)),
                                 RDR_ERR_INVALID);
                assert_non_null(strstr(why, " is 90 minutes ahead"));
        }
        rdr_event_free(&ev);
}

/*
 * Small helpers of the header.
 */

static void test_kind_of_type(void **state) {
        (void)state;
        assert_int_equal(rdr_input_kind_of_type("review.created", 14),
                         RDR_INPUT_REVIEWS);
        assert_int_equal(rdr_input_kind_of_type("chat.message", 12),
                         RDR_INPUT_CHATS);
        assert_int_equal(rdr_input_kind_of_type("shipment.scan", 13),
                         RDR_INPUT_SHIPMENTS);
        assert_int_equal(rdr_input_kind_of_type("appeal.result", 13),
                         RDR_INPUT_APPEAL_RESULTS);
        assert_int_equal(rdr_input_kind_of_type("case.classified", 15),
                         RDR_INPUT__CNT);
        assert_int_equal(rdr_input_kind_of_type("review", 6), RDR_INPUT__CNT);
        assert_int_equal(rdr_input_kind_of_type("", 0), RDR_INPUT__CNT);
        assert_string_equal(rdr_input_kind_names[RDR_INPUT_APPEAL_RESULTS],
                            "appeal-results");
        assert_string_equal(rdr_input_kind_topics[RDR_INPUT_CHATS],
                            "redress.chats");
}

static void test_utf8_count(void **state) {
        size_t bad = 99;

        (void)state;
        assert_int_equal(
            rdr_utf8_count("a\xc3\xa9\xe5\xa5\xbd\xf0\x9f\x98\x80", 10, NULL),
            4);
        assert_int_equal(rdr_utf8_count("ab\xff", 3, &bad), (size_t)-1);
        assert_int_equal(bad, 2);
        assert_int_equal(rdr_utf8_count("\xf0\x9f\x98", 3, &bad), (size_t)-1);
        assert_int_equal(bad, 0);
        assert_int_equal(rdr_utf8_count("", 0, NULL), 0);
        /* Longer text: whole ASCII words, then characters and errors past
         * them, at the exact offset. */
        assert_int_equal(rdr_utf8_count("seventeen bytes!!", 17, NULL), 17);
        assert_int_equal(rdr_utf8_count("12345678\xc3\xa9"
                                        "abcdefgh\xe5\xa5\xbd",
                                        21, NULL),
                         18);
        assert_int_equal(rdr_utf8_count("123456789\xff"
                                        "abcdefgh",
                                        18, &bad),
                         (size_t)-1);
        assert_int_equal(bad, 9);
        assert_int_equal(rdr_utf8_count("12345678abcdefg\xc3", 16, &bad),
                         (size_t)-1);
        assert_int_equal(bad, 15);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_base_events_decode),
            cmocka_unit_test(test_missing_required_json),
            cmocka_unit_test(test_missing_required_protobuf),
            cmocka_unit_test(test_required_by_type),
            cmocka_unit_test(test_bad_values_json),
            cmocka_unit_test(test_unknown_fields_ignored),
            cmocka_unit_test(test_bad_values_protobuf),
            cmocka_unit_test(test_kind_mismatch),
            cmocka_unit_test(test_invalid_utf8_json),
            cmocka_unit_test(test_invalid_utf8_protobuf),
            cmocka_unit_test(test_nul_in_protobuf_string),
            cmocka_unit_test(test_text_limits),
            cmocka_unit_test(test_staff_decisions),
            cmocka_unit_test(test_ten_megabytes),
            cmocka_unit_test(test_empty_and_not_object),
            cmocka_unit_test(test_truncated_protobuf),
            cmocka_unit_test(test_samples_round_trip),
            cmocka_unit_test(test_base_events_round_trip),
            cmocka_unit_test(test_fingerprint),
            cmocka_unit_test(test_seen_fingerprint),
            cmocka_unit_test(test_sniffing),
            cmocka_unit_test(test_sniffing_protobuf_that_opens_like_json),
            cmocka_unit_test(test_time_parse),
            cmocka_unit_test(test_time_format),
            cmocka_unit_test(test_event_times_with_offsets),
            cmocka_unit_test(test_event_dated_ahead),
            cmocka_unit_test(test_kind_of_type),
            cmocka_unit_test(test_utf8_count),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

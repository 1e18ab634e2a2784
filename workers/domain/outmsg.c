/* The output messages redress.cases and redress.actions (see outmsg.h):
 * validation, JSON and protobuf encoders, and decoders back into the
 * structs for tests and tools. Encoders build a jansson object or the
 * protobuf-c message on the caller's strings and serialize it into an
 * rdr_buf_t; decoders keep the parsed document (jansson tree or unpacked
 * protobuf-c message) alive behind priv_ and point the struct into it. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "event.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "outmsg.h"
#include "str.h"
#include "redress.pb-c.h"

const char *const rdr_case_type_names[RDR_CASE_TYPE__CNT] = {
    "case.classified", "case.opened", "case.state_changed", "case.closed"};

/* What a decoder allocated; freed by _clear. */
typedef struct outmsg_priv_s {
        json_t *json;             /* the parsed JSON document */
        ProtobufCMessage *pb;     /* or the unpacked protobuf message */
        rdr_evidence_t *evidence; /* the action's evidence array */
} outmsg_priv_t;

/* Confidence is printed with 6 significant digits: 0.85, not
 * 0.84999999999999998. */
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(6))

static rdr_err_t fail(char *errstr, size_t errstr_size, rdr_err_t err,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static rdr_err_t fail(char *errstr, size_t errstr_size, rdr_err_t err,
                      const char *fmt, ...) {
        va_list ap;

        if (errstr && errstr_size) {
                va_start(ap, fmt);
                vsnprintf(errstr, errstr_size, fmt, ap);
                va_end(ap);
        }
        return err;
}

static int present(const char *s) {
        return s && *s;
}

/*
 * Validation.
 */

/* A string field: required or not, at most max characters, valid UTF-8. */
static rdr_err_t check_str(const char *name, const char *s, int required,
                           size_t max, char *errstr, size_t errstr_size) {
        size_t n;

        if (!present(s))
                return required ? fail(errstr, errstr_size, RDR_ERR_INVALID,
                                       "field '%s': required but missing or "
                                       "empty",
                                       name)
                                : RDR_OK;
        n = rdr_utf8_count(s, strlen(s), NULL);
        if (n == (size_t)-1)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field '%s': invalid UTF-8", name);
        if (n > max)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field '%s': must be at most %zu characters, got "
                            "%zu",
                            name, max, n);
        return RDR_OK;
}

static rdr_err_t check_enum(const char *name, int v, int cnt, char *errstr,
                            size_t errstr_size) {
        if (v < 0 || v >= cnt)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field '%s': enum value %d out of range", name, v);
        return RDR_OK;
}

static rdr_err_t check_time(const char *name, int64_t ms, int required,
                            char *errstr, size_t errstr_size) {
        char t[RDR_TIME_RFC3339_SIZE];

        if (!ms && !required)
                return RDR_OK;
        if (ms <= 0 || !rdr_time_format_rfc3339(ms, t, sizeof(t)))
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field '%s': must be a time after 1970, got %lld "
                            "ms",
                            name, (long long)ms);
        return RDR_OK;
}

#define CHECK(expr)                                                            \
        do {                                                                   \
                rdr_err_t err_ = (expr);                                       \
                if (err_)                                                      \
                        return err_;                                           \
        } while (0)

rdr_err_t rdr_case_msg_validate(const rdr_case_msg_t *cm, char *errstr,
                                size_t errstr_size) {
        size_t i;

        CHECK(check_str("event_id", cm->event_id, 1, RDR_EVENT_MAX_EVENT_ID,
                        errstr, errstr_size));
        CHECK(check_enum("type", (int)cm->type, RDR_CASE_TYPE__CNT, errstr,
                         errstr_size));
        CHECK(check_str("case_id", cm->case_id, 1, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("platform", cm->platform, 1, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("store_id", cm->store_id, 1, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("review_id", cm->review_id, 1, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("order_id", cm->order_id, 0, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("buyer_id", cm->buyer_id, 0, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("product_id", cm->product_id, 0, RDR_EVENT_MAX_ID,
                        errstr, errstr_size));
        if (cm->rating < 0 || cm->rating > 5)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field 'rating': must be an integer 1..5 (0 = "
                            "absent), got %d",
                            cm->rating);
        CHECK(check_str("language", cm->language, 0, 64, errstr, errstr_size));
        CHECK(check_enum("sentiment", (int)cm->sentiment, RDR_SENT__CNT, errstr,
                         errstr_size));
        CHECK(check_enum("reason", (int)cm->reason, RDR_REASON__CNT, errstr,
                         errstr_size));
        if (cm->reasons_cnt > RDR_REASON__CNT)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field 'reasons': at most %d items, got %zu",
                            RDR_REASON__CNT, cm->reasons_cnt);
        for (i = 0; i < cm->reasons_cnt; i++)
                CHECK(check_enum("reasons", (int)cm->reasons[i],
                                 RDR_REASON__CNT, errstr, errstr_size));
        CHECK(check_enum("malicious", (int)cm->malicious, RDR_MAL__CNT, errstr,
                         errstr_size));
        if (!(cm->confidence >= 0.0 && cm->confidence <= 1.0))
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field 'confidence': must be a number 0..1, got "
                            "%g",
                            cm->confidence);
        CHECK(check_str("state", cm->state, 1, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        return check_time("occurred_at", cm->occurred_at_ms, 1, errstr,
                          errstr_size);
}

rdr_err_t rdr_action_msg_validate(const rdr_action_msg_t *am, char *errstr,
                                  size_t errstr_size) {
        const rdr_evidence_t *e;
        const char *c = am->offer.currency;
        size_t i;

        CHECK(check_str("action_id", am->action_id, 1, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_enum("kind", (int)am->kind, RDR_ACT__CNT, errstr,
                         errstr_size));
        if (present(am->case_id) == present(am->shipment_id))
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field 'case_id': exactly one of case_id and "
                            "shipment_id must be set");
        CHECK(check_str("case_id", am->case_id, 0, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("shipment_id", am->shipment_id, 0, RDR_EVENT_MAX_ID,
                        errstr, errstr_size));
        CHECK(check_str("platform", am->platform, 1, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("store_id", am->store_id, 1, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("buyer_id", am->buyer_id, 0, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("order_id", am->order_id, 0, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_str("review_id", am->review_id, 0, RDR_EVENT_MAX_ID, errstr,
                        errstr_size));
        CHECK(check_enum("channel", (int)am->channel, RDR_CHAN__CNT, errstr,
                         errstr_size));
        if (am->channel == RDR_CHAN_PHONE_NOTE)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field 'channel': phone_note is an input channel; "
                            "an action uses phone_task");
        CHECK(check_str("language", am->language, 0, 64, errstr, errstr_size));
        CHECK(check_str("template_id", am->template_id, 0, RDR_EVENT_MAX_ID,
                        errstr, errstr_size));
        CHECK(check_str("message", am->message, 0, RDR_EVENT_MAX_TEXT, errstr,
                        errstr_size));
        if (am->has_offer) {
                if (am->offer.amount_minor < 0)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field 'offer.amount_minor': must be >= "
                                    "0, got %lld",
                                    am->offer.amount_minor);
                if (strnlen(c, sizeof(am->offer.currency)) != 3 || c[0] < 'A' ||
                    c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' ||
                    c[2] > 'Z')
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field 'offer.currency': must be an ISO "
                                    "4217 code of three capital letters");
        }
        if (am->evidence_cnt && !am->evidence)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field 'evidence': %zu items but no array",
                            am->evidence_cnt);
        for (i = 0; i < am->evidence_cnt; i++) {
                e = &am->evidence[i];
                CHECK(check_str("evidence.kind", e->kind, 1, RDR_EVENT_MAX_ID,
                                errstr, errstr_size));
                CHECK(check_str("evidence.ref", e->ref, 0, RDR_EVENT_MAX_ID,
                                errstr, errstr_size));
                CHECK(check_str("evidence.text", e->text, 0, RDR_EVENT_MAX_TEXT,
                                errstr, errstr_size));
                CHECK(check_time("evidence.at", e->at_ms, 0, errstr,
                                 errstr_size));
        }
        CHECK(check_time("due_at", am->due_at_ms, 1, errstr, errstr_size));
        CHECK(check_time("deadline_at", am->deadline_at_ms, 0, errstr,
                         errstr_size));
        return check_time("created_at", am->created_at_ms, 1, errstr,
                          errstr_size);
}

/*
 * JSON encoding.
 */

/* Output messages are written straight into the buffer: they are
 * validated first (UTF-8, enums, ranges), so the writer only escapes. This
 * is the hot path of every worker; building a jansson tree per message cost
 * a fifth of a review's handling. */
typedef struct jw_s {
        rdr_buf_t *out;
        int first;
        int bad;
} jw_t;

static void jw_raw(jw_t *w, const char *s, size_t n) {
        if (!w->bad && rdr_buf_append(w->out, s, n))
                w->bad = 1;
}

/* Eight bytes at once: does any need escaping in a JSON string (below
 * 0x20, '"' or '\\')? Each test is exact for "is there such a byte" (Bit
 * Twiddling Hacks: hasless, haszero); jw_plain() then finds which. */
#define JW_ONES 0x0101010101010101ULL
#define JW_HIGH 0x8080808080808080ULL
static int jw_escape8(uint64_t x) {
        uint64_t q = x ^ (JW_ONES * '"'), b = x ^ (JW_ONES * '\\');
        return ((((x - JW_ONES * 0x20) & ~x) | ((q - JW_ONES) & ~q) |
                 ((b - JW_ONES) & ~b)) &
                JW_HIGH) != 0;
}

/* How many of s's n bytes, from the first, go out as they are. */
static size_t jw_plain(const char *s, size_t n) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
                uint64_t x;
                memcpy(&x, s + i, 8);
                if (jw_escape8(x))
                        break;
        }
        for (; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == '"' || c == '\\')
                        break;
        }
        return i;
}

/* A JSON string: quotes, backslashes and control characters escaped,
 * UTF-8 kept as it is. Text is mostly plain: runs of it are found eight
 * bytes at a time and copied whole. */
static void jw_string(jw_t *w, const char *s) {
        static const char hex[] = "0123456789abcdef";
        size_t n = strlen(s);
        jw_raw(w, "\"", 1);
        for (;;) {
                size_t run = jw_plain(s, n);
                unsigned char c;
                char esc[6];
                size_t len = 2;
                jw_raw(w, s, run);
                if (run == n)
                        break;
                c = (unsigned char)s[run];
                esc[0] = '\\';
                switch (c) {
                case '"':
                        esc[1] = '"';
                        break;
                case '\\':
                        esc[1] = '\\';
                        break;
                case '\n':
                        esc[1] = 'n';
                        break;
                case '\r':
                        esc[1] = 'r';
                        break;
                case '\t':
                        esc[1] = 't';
                        break;
                default:
                        esc[1] = 'u';
                        esc[2] = '0';
                        esc[3] = '0';
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 15];
                        len = 6;
                }
                jw_raw(w, esc, len);
                s += run + 1;
                n -= run + 1;
        }
        jw_raw(w, "\"", 1);
}

static void jw_key(jw_t *w, const char *key) {
        jw_raw(w, w->first ? "{\"" : ",\"", 2);
        w->first = 0;
        jw_raw(w, key, strlen(key));
        jw_raw(w, "\":", 2);
}

static void jw_str(jw_t *w, const char *key, const char *s) {
        if (!present(s))
                return;
        jw_key(w, key);
        jw_string(w, s);
}

static void jw_int(jw_t *w, const char *key, long long v) {
        char num[RDR_STR_INT_SIZE];
        size_t n = rdr_str_int(num, v);
        jw_key(w, key);
        jw_raw(w, num, n);
}

/* A confidence as "%.6g" writes it. A case keeps its confidence to three
 * decimals (cadence.c), so it is nearly always thousandths: written from
 * the integer, as %.6g would (0, 0.5, 0.93, 0.125, 1), without printf's
 * floating-point machinery; anything else goes to snprintf. */
static size_t confidence_format(char *num, size_t size, double v) {
        double t = v * 1000.0;
        long k;
        size_t n = 0;
        int d;
        if (!(t >= 0.0 && t <= 1000.0) || size < 6)
                return (size_t)snprintf(num, size, "%.6g", v);
        k = lround(t);
        if (fabs(t - (double)k) > 1e-6)
                return (size_t)snprintf(num, size, "%.6g", v);
        num[n++] = (char)('0' + k / 1000);
        k %= 1000;
        if (k) {
                num[n++] = '.';
                for (d = 100; k; d /= 10) {
                        num[n++] = (char)('0' + k / d);
                        k %= d;
                }
        }
        num[n] = '\0';
        return n;
}

static void jw_time(jw_t *w, const char *key, int64_t ms) {
        char t[RDR_TIME_RFC3339_SIZE];
        if (!ms)
                return;
        if (!rdr_time_format_rfc3339(ms, t, sizeof(t))) {
                w->bad = 1;
                return;
        }
        jw_key(w, key);
        jw_string(w, t);
}

static void jw_begin(jw_t *w, rdr_buf_t *out) {
        w->out = out;
        w->first = 1;
        w->bad = 0;
}

static rdr_err_t jw_end(jw_t *w) {
        jw_raw(w, w->first ? "{}" : "}", w->first ? 2 : 1);
        return w->bad ? RDR_ERR_NOMEM : RDR_OK;
}

rdr_err_t rdr_case_msg_encode_json(const rdr_case_msg_t *cm, rdr_buf_t *out) {
        jw_t w;
        size_t i;
        char num[32];
        rdr_err_t err = rdr_case_msg_validate(cm, NULL, 0);
        if (err)
                return err;
        jw_begin(&w, out);
        jw_str(&w, "event_id", cm->event_id);
        jw_str(&w, "type", rdr_case_type_names[cm->type]);
        jw_str(&w, "case_id", cm->case_id);
        jw_str(&w, "platform", cm->platform);
        jw_str(&w, "store_id", cm->store_id);
        jw_str(&w, "review_id", cm->review_id);
        jw_str(&w, "order_id", cm->order_id);
        jw_str(&w, "buyer_id", cm->buyer_id);
        jw_str(&w, "product_id", cm->product_id);
        if (cm->rating)
                jw_int(&w, "rating", cm->rating);
        jw_str(&w, "language", cm->language);
        jw_str(&w, "sentiment", rdr_sentiment_names[cm->sentiment]);
        jw_str(&w, "reason", rdr_reason_names[cm->reason]);
        jw_key(&w, "reasons");
        jw_raw(&w, "[", 1);
        for (i = 0; i < cm->reasons_cnt; i++) {
                if (i)
                        jw_raw(&w, ",", 1);
                jw_string(&w, rdr_reason_names[cm->reasons[i]]);
        }
        jw_raw(&w, "]", 1);
        jw_str(&w, "malicious", rdr_malicious_names[cm->malicious]);
        jw_key(&w, "confidence");
        jw_raw(&w, num, confidence_format(num, sizeof(num), cm->confidence));
        jw_str(&w, "state", cm->state);
        jw_time(&w, "occurred_at", cm->occurred_at_ms);
        return jw_end(&w);
}

rdr_err_t rdr_action_msg_encode_json(const rdr_action_msg_t *am,
                                     rdr_buf_t *out) {
        jw_t w;
        size_t i;
        rdr_err_t err = rdr_action_msg_validate(am, NULL, 0);
        if (err)
                return err;
        jw_begin(&w, out);
        jw_str(&w, "action_id", am->action_id);
        jw_str(&w, "kind", rdr_action_kind_names[am->kind]);
        jw_str(&w, "case_id", am->case_id);
        jw_str(&w, "shipment_id", am->shipment_id);
        jw_str(&w, "platform", am->platform);
        jw_str(&w, "store_id", am->store_id);
        jw_str(&w, "buyer_id", am->buyer_id);
        jw_str(&w, "order_id", am->order_id);
        jw_str(&w, "review_id", am->review_id);
        jw_str(&w, "channel", rdr_channel_names[am->channel]);
        jw_str(&w, "language", am->language);
        jw_str(&w, "template_id", am->template_id);
        jw_str(&w, "message", am->message);
        if (am->has_offer) {
                jw_key(&w, "offer");
                w.first = 1;
                jw_int(&w, "amount_minor", am->offer.amount_minor);
                jw_str(&w, "currency", am->offer.currency);
                jw_raw(&w, "}", 1);
        }
        if (am->evidence_cnt) {
                jw_key(&w, "evidence");
                jw_raw(&w, "[", 1);
                for (i = 0; i < am->evidence_cnt; i++) {
                        const rdr_evidence_t *e = &am->evidence[i];
                        if (i)
                                jw_raw(&w, ",", 1);
                        w.first = 1;
                        jw_str(&w, "kind", e->kind);
                        jw_str(&w, "ref", e->ref);
                        jw_str(&w, "text", e->text);
                        jw_time(&w, "at", e->at_ms);
                        jw_raw(&w, "}", 1);
                }
                jw_raw(&w, "]", 1);
        }
        jw_time(&w, "due_at", am->due_at_ms);
        jw_time(&w, "deadline_at", am->deadline_at_ms);
        jw_time(&w, "created_at", am->created_at_ms);
        return jw_end(&w);
}

/*
 * Protobuf encoding. The protobuf-c structs point at the caller's strings;
 * protobuf-c never writes through them.
 */

static char *pb_str(const char *s) {
        return present(s) ? (char *)s : (char *)protobuf_c_empty_string;
}

static Google__Protobuf__Timestamp *pb_time(int64_t ms,
                                            Google__Protobuf__Timestamp *ts) {
        if (!ms)
                return NULL;
        google__protobuf__timestamp__init(ts);
        ts->seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
        ts->nanos = (int32_t)(ms - ts->seconds * 1000) * 1000000;
        return ts;
}

static rdr_err_t pack(const ProtobufCMessage *msg, rdr_buf_t *out) {
        size_t n = protobuf_c_message_get_packed_size(msg);
        rdr_err_t err = rdr_buf_reserve(out, n);

        if (err)
                return err;
        protobuf_c_message_pack(msg, (uint8_t *)out->data + out->len);
        out->len += n;
        out->data[out->len] = '\0';
        return RDR_OK;
}

rdr_err_t rdr_case_msg_encode_protobuf(const rdr_case_msg_t *cm,
                                       rdr_buf_t *out) {
        Redress__V1__CaseMessage m = REDRESS__V1__CASE_MESSAGE__INIT;
        Google__Protobuf__Timestamp ts;
        char *reasons[RDR_REASON__CNT];
        size_t i;
        rdr_err_t err;

        err = rdr_case_msg_validate(cm, NULL, 0);
        if (err)
                return err;
        for (i = 0; i < cm->reasons_cnt; i++)
                reasons[i] = (char *)rdr_reason_names[cm->reasons[i]];
        m.event_id = pb_str(cm->event_id);
        m.type = (char *)rdr_case_type_names[cm->type];
        m.case_id = pb_str(cm->case_id);
        m.platform = pb_str(cm->platform);
        m.store_id = pb_str(cm->store_id);
        m.review_id = pb_str(cm->review_id);
        m.order_id = pb_str(cm->order_id);
        m.buyer_id = pb_str(cm->buyer_id);
        m.product_id = pb_str(cm->product_id);
        m.rating = cm->rating;
        m.language = pb_str(cm->language);
        m.sentiment = (char *)rdr_sentiment_names[cm->sentiment];
        m.reason = (char *)rdr_reason_names[cm->reason];
        m.n_reasons = cm->reasons_cnt;
        m.reasons = cm->reasons_cnt ? reasons : NULL;
        m.malicious = (char *)rdr_malicious_names[cm->malicious];
        m.confidence = cm->confidence;
        m.state = pb_str(cm->state);
        m.occurred_at = pb_time(cm->occurred_at_ms, &ts);
        return pack(&m.base, out);
}

rdr_err_t rdr_action_msg_encode_protobuf(const rdr_action_msg_t *am,
                                         rdr_buf_t *out) {
        Redress__V1__ActionMessage m = REDRESS__V1__ACTION_MESSAGE__INIT;
        Redress__V1__Money money = REDRESS__V1__MONEY__INIT;
        Google__Protobuf__Timestamp due, deadline, created;
        Redress__V1__Evidence *evs = NULL, **evp = NULL;
        Google__Protobuf__Timestamp *ats = NULL;
        const rdr_evidence_t *e;
        size_t i, n = am->evidence_cnt;
        rdr_err_t err;

        err = rdr_action_msg_validate(am, NULL, 0);
        if (err)
                return err;
        if (n) {
                evs = calloc(n, sizeof(*evs));
                evp = calloc(n, sizeof(*evp));
                ats = calloc(n, sizeof(*ats));
                if (!evs || !evp || !ats) {
                        err = RDR_ERR_NOMEM;
                        goto done;
                }
        }
        for (i = 0; i < n; i++) {
                e = &am->evidence[i];
                redress__v1__evidence__init(&evs[i]);
                evs[i].kind = pb_str(e->kind);
                evs[i].ref = pb_str(e->ref);
                evs[i].text = pb_str(e->text);
                evs[i].at = pb_time(e->at_ms, &ats[i]);
                evp[i] = &evs[i];
        }
        m.action_id = pb_str(am->action_id);
        m.kind = (char *)rdr_action_kind_names[am->kind];
        m.case_id = pb_str(am->case_id);
        m.shipment_id = pb_str(am->shipment_id);
        m.platform = pb_str(am->platform);
        m.store_id = pb_str(am->store_id);
        m.buyer_id = pb_str(am->buyer_id);
        m.order_id = pb_str(am->order_id);
        m.review_id = pb_str(am->review_id);
        m.channel = (char *)rdr_channel_names[am->channel];
        m.language = pb_str(am->language);
        m.template_id = pb_str(am->template_id);
        m.message = pb_str(am->message);
        if (am->has_offer) {
                money.amount_minor = am->offer.amount_minor;
                money.currency = (char *)am->offer.currency;
                m.offer = &money;
        }
        m.n_evidence = n;
        m.evidence = evp;
        m.due_at = pb_time(am->due_at_ms, &due);
        m.deadline_at = pb_time(am->deadline_at_ms, &deadline);
        m.created_at = pb_time(am->created_at_ms, &created);
        err = pack(&m.base, out);
done:
        free(evs);
        free(evp);
        free(ats);
        return err;
}

/*
 * Decoding.
 */

void rdr_case_msg_clear(rdr_case_msg_t *cm) {
        outmsg_priv_t *priv = cm->priv_;

        if (priv) {
                json_decref(priv->json);
                if (priv->pb)
                        protobuf_c_message_free_unpacked(priv->pb, NULL);
                free(priv->evidence);
                free(priv);
        }
        memset(cm, 0, sizeof(*cm));
}

void rdr_action_msg_clear(rdr_action_msg_t *am) {
        outmsg_priv_t *priv = am->priv_;

        if (priv) {
                json_decref(priv->json);
                if (priv->pb)
                        protobuf_c_message_free_unpacked(priv->pb, NULL);
                free(priv->evidence);
                free(priv);
        }
        memset(am, 0, sizeof(*am));
}

/* Readers of one field with a sticky error: after the first failure they
 * do nothing, so a decoder reads every field and checks r->err once. JSON
 * absent and null read as absent (NULL, 0); a value of the wrong type is
 * an error naming the field. */
typedef struct jrd_s {
        const json_t *obj;  /* JSON readers: the object read from */
        const char *prefix; /* "" or "offer.", "evidence." */
        rdr_err_t err;
        char *errstr;
        size_t errstr_size;
} jrd_t;

static void rd_init(jrd_t *r, const json_t *obj, const char *prefix,
                    char *errstr, size_t errstr_size) {
        r->obj = obj;
        r->prefix = prefix;
        r->err = RDR_OK;
        r->errstr = errstr;
        r->errstr_size = errstr_size;
}

static const json_t *j_get(jrd_t *r, const char *name,
                           int (*is)(const json_t *), const char *what) {
        const json_t *v;

        if (r->err)
                return NULL;
        v = json_object_get(r->obj, name);
        if (!v || json_is_null(v))
                return NULL;
        if (!is(v)) {
                r->err =
                    fail(r->errstr, r->errstr_size, RDR_ERR_INVALID,
                         "field '%s%s': must be %s", r->prefix, name, what);
                return NULL;
        }
        return v;
}

static int is_string(const json_t *v) {
        return json_is_string(v);
}

static int is_integer(const json_t *v) {
        return json_is_integer(v);
}

static int is_number(const json_t *v) {
        return json_is_number(v);
}

static int is_object(const json_t *v) {
        return json_is_object(v);
}

static int is_array(const json_t *v) {
        return json_is_array(v);
}

static const char *j_str(jrd_t *r, const char *name) {
        const json_t *v = j_get(r, name, is_string, "a string");

        return v ? json_string_value(v) : NULL;
}

/* The index of wire name s in names; 0 after an error. */
static int name_to_enum(jrd_t *r, const char *name, const char *s,
                        const char *const *names, int cnt) {
        int idx;

        if (r->err)
                return 0;
        if (!present(s)) {
                r->err = fail(r->errstr, r->errstr_size, RDR_ERR_INVALID,
                              "field '%s%s': required but missing or empty",
                              r->prefix, name);
                return 0;
        }
        idx = rdr_enum_parse(names, cnt, s, strlen(s));
        if (idx < 0) {
                r->err = fail(r->errstr, r->errstr_size, RDR_ERR_INVALID,
                              "field '%s%s': unknown value '%.40s'", r->prefix,
                              name, s);
                return 0;
        }
        return idx;
}

static int j_enum(jrd_t *r, const char *name, const char *const *names,
                  int cnt) {
        return name_to_enum(r, name, j_str(r, name), names, cnt);
}

static int64_t j_time(jrd_t *r, const char *name) {
        const char *s = j_str(r, name);
        int64_t ms;
        int ok;

        if (!present(s))
                return 0;
        ms = rdr_time_parse_rfc3339(s, strlen(s), &ok);
        if (!ok) {
                r->err = fail(r->errstr, r->errstr_size, RDR_ERR_INVALID,
                              "field '%s%s': must be an RFC 3339 time, got "
                              "'%.40s'",
                              r->prefix, name, s);
                return 0;
        }
        return ms;
}

static long long j_int(jrd_t *r, const char *name) {
        const json_t *v = j_get(r, name, is_integer, "an integer");

        return v ? json_integer_value(v) : 0;
}

/* Parse buf as a JSON object and hang it on a new priv. */
static rdr_err_t parse_json(const void *buf, size_t len, json_t **root,
                            outmsg_priv_t **priv, char *errstr,
                            size_t errstr_size) {
        json_error_t je;

        *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
        if (!*root)
                return fail(errstr, errstr_size, RDR_ERR_DECODE,
                            "message is not valid JSON: %s (line %d, column "
                            "%d)",
                            je.text, je.line, je.column);
        if (!json_is_object(*root)) {
                json_decref(*root);
                return fail(errstr, errstr_size, RDR_ERR_DECODE,
                            "message is not a JSON object");
        }
        *priv = calloc(1, sizeof(**priv));
        if (!*priv) {
                json_decref(*root);
                return RDR_ERR_NOMEM;
        }
        (*priv)->json = *root;
        return RDR_OK;
}

rdr_err_t rdr_case_msg_from_json(rdr_case_msg_t *cm, const void *buf,
                                 size_t len, char *errstr, size_t errstr_size) {
        outmsg_priv_t *priv = NULL;
        json_t *root = NULL;
        const json_t *arr, *v;
        jrd_t r;
        long long rating;
        size_t i, n;
        rdr_err_t err;

        memset(cm, 0, sizeof(*cm));
        err = parse_json(buf, len, &root, &priv, errstr, errstr_size);
        if (err)
                return err;
        cm->priv_ = priv;
        rd_init(&r, root, "", errstr, errstr_size);
        cm->event_id = j_str(&r, "event_id");
        cm->type = (rdr_case_type_t)j_enum(&r, "type", rdr_case_type_names,
                                           RDR_CASE_TYPE__CNT);
        cm->case_id = j_str(&r, "case_id");
        cm->platform = j_str(&r, "platform");
        cm->store_id = j_str(&r, "store_id");
        cm->review_id = j_str(&r, "review_id");
        cm->order_id = j_str(&r, "order_id");
        cm->buyer_id = j_str(&r, "buyer_id");
        cm->product_id = j_str(&r, "product_id");
        rating = j_int(&r, "rating");
        if ((rating < 0 || rating > 5) && !r.err)
                r.err = fail(errstr, errstr_size, RDR_ERR_INVALID,
                             "field 'rating': must be an integer 1..5, got "
                             "%lld",
                             rating);
        cm->rating = (int)(rating >= 0 && rating <= 5 ? rating : 0);
        cm->language = j_str(&r, "language");
        cm->sentiment = (rdr_sentiment_t)j_enum(
            &r, "sentiment", rdr_sentiment_names, RDR_SENT__CNT);
        cm->reason = (rdr_reason_t)j_enum(&r, "reason", rdr_reason_names,
                                          RDR_REASON__CNT);
        arr = j_get(&r, "reasons", is_array, "an array");
        n = json_array_size(arr);
        if (n > RDR_REASON__CNT && !r.err)
                r.err = fail(errstr, errstr_size, RDR_ERR_INVALID,
                             "field 'reasons': at most %d items, got %zu",
                             RDR_REASON__CNT, n);
        for (i = 0; i < n && !r.err; i++)
                cm->reasons[cm->reasons_cnt++] = (rdr_reason_t)name_to_enum(
                    &r, "reasons", json_string_value(json_array_get(arr, i)),
                    rdr_reason_names, RDR_REASON__CNT);
        cm->malicious = (rdr_malicious_t)j_enum(
            &r, "malicious", rdr_malicious_names, RDR_MAL__CNT);
        v = j_get(&r, "confidence", is_number, "a number");
        cm->confidence = v ? json_number_value(v) : 0.0;
        cm->state = j_str(&r, "state");
        cm->occurred_at_ms = j_time(&r, "occurred_at");
        err = r.err ? r.err : rdr_case_msg_validate(cm, errstr, errstr_size);
        if (err)
                rdr_case_msg_clear(cm);
        return err;
}

rdr_err_t rdr_action_msg_from_json(rdr_action_msg_t *am, const void *buf,
                                   size_t len, char *errstr,
                                   size_t errstr_size) {
        outmsg_priv_t *priv = NULL;
        json_t *root = NULL;
        const json_t *offer, *arr, *item;
        const char *cur;
        rdr_evidence_t *e;
        jrd_t r, ro;
        size_t i, n;
        rdr_err_t err;

        memset(am, 0, sizeof(*am));
        err = parse_json(buf, len, &root, &priv, errstr, errstr_size);
        if (err)
                return err;
        am->priv_ = priv;
        rd_init(&r, root, "", errstr, errstr_size);
        am->action_id = j_str(&r, "action_id");
        am->kind = (rdr_action_kind_t)j_enum(&r, "kind", rdr_action_kind_names,
                                             RDR_ACT__CNT);
        am->case_id = j_str(&r, "case_id");
        am->shipment_id = j_str(&r, "shipment_id");
        am->platform = j_str(&r, "platform");
        am->store_id = j_str(&r, "store_id");
        am->buyer_id = j_str(&r, "buyer_id");
        am->order_id = j_str(&r, "order_id");
        am->review_id = j_str(&r, "review_id");
        am->channel = (rdr_channel_t)j_enum(&r, "channel", rdr_channel_names,
                                            RDR_CHAN__CNT);
        am->language = j_str(&r, "language");
        am->template_id = j_str(&r, "template_id");
        am->message = j_str(&r, "message");
        offer = j_get(&r, "offer", is_object, "an object");
        if (offer) {
                rd_init(&ro, offer, "offer.", errstr, errstr_size);
                am->has_offer = 1;
                am->offer.amount_minor = j_int(&ro, "amount_minor");
                cur = j_str(&ro, "currency");
                if (cur && strlen(cur) == 3)
                        memcpy(am->offer.currency, cur, 4);
                r.err = ro.err;
        }
        arr = j_get(&r, "evidence", is_array, "an array");
        n = json_array_size(arr);
        if (n && !r.err) {
                priv->evidence = calloc(n, sizeof(*priv->evidence));
                if (!priv->evidence)
                        r.err = RDR_ERR_NOMEM;
                am->evidence = priv->evidence;
        }
        for (i = 0; i < n && !r.err; i++) {
                item = json_array_get(arr, i);
                if (!json_is_object(item)) {
                        r.err = fail(errstr, errstr_size, RDR_ERR_INVALID,
                                     "field 'evidence': item %zu is not an "
                                     "object",
                                     i);
                        break;
                }
                rd_init(&ro, item, "evidence.", errstr, errstr_size);
                e = &priv->evidence[am->evidence_cnt++];
                e->kind = j_str(&ro, "kind");
                e->ref = j_str(&ro, "ref");
                e->text = j_str(&ro, "text");
                e->at_ms = j_time(&ro, "at");
                r.err = ro.err;
        }
        am->due_at_ms = j_time(&r, "due_at");
        am->deadline_at_ms = j_time(&r, "deadline_at");
        am->created_at_ms = j_time(&r, "created_at");
        err = r.err ? r.err : rdr_action_msg_validate(am, errstr, errstr_size);
        if (err)
                rdr_action_msg_clear(am);
        return err;
}

/* Protobuf decoding: unpack with protobuf-c's allocator; strings point
 * into the unpacked message ("" reads as absent). */

static const char *pb_get_str(const char *s) {
        return present(s) ? s : NULL;
}

/* Milliseconds of a Timestamp; -1 (refused by validation) when out of
 * the years 1970..9999. */
static int64_t pb_get_time(const Google__Protobuf__Timestamp *ts) {
        if (!ts)
                return 0;
        if (ts->seconds < 0 || ts->seconds > INT64_C(253402300799) ||
            ts->nanos < 0 || ts->nanos > 999999999)
                return -1;
        return ts->seconds * 1000 + ts->nanos / 1000000;
}

static rdr_err_t pb_unpack(const ProtobufCMessageDescriptor *desc,
                           const void *buf, size_t len, ProtobufCMessage **msg,
                           outmsg_priv_t **priv, char *errstr,
                           size_t errstr_size) {
        *msg = protobuf_c_message_unpack(desc, NULL, len, buf);
        if (!*msg)
                return fail(errstr, errstr_size, RDR_ERR_DECODE,
                            "message is not a valid protobuf %s",
                            desc->short_name);
        *priv = calloc(1, sizeof(**priv));
        if (!*priv) {
                protobuf_c_message_free_unpacked(*msg, NULL);
                return RDR_ERR_NOMEM;
        }
        (*priv)->pb = *msg;
        return RDR_OK;
}

rdr_err_t rdr_case_msg_from_protobuf(rdr_case_msg_t *cm, const void *buf,
                                     size_t len, char *errstr,
                                     size_t errstr_size) {
        const Redress__V1__CaseMessage *m;
        ProtobufCMessage *msg;
        outmsg_priv_t *priv = NULL;
        jrd_t r;
        size_t i;
        rdr_err_t err;

        memset(cm, 0, sizeof(*cm));
        err = pb_unpack(&redress__v1__case_message__descriptor, buf, len, &msg,
                        &priv, errstr, errstr_size);
        if (err)
                return err;
        cm->priv_ = priv;
        m = (const Redress__V1__CaseMessage *)msg;
        rd_init(&r, NULL, "", errstr, errstr_size);
        cm->event_id = pb_get_str(m->event_id);
        cm->type = (rdr_case_type_t)name_to_enum(
            &r, "type", m->type, rdr_case_type_names, RDR_CASE_TYPE__CNT);
        cm->case_id = pb_get_str(m->case_id);
        cm->platform = pb_get_str(m->platform);
        cm->store_id = pb_get_str(m->store_id);
        cm->review_id = pb_get_str(m->review_id);
        cm->order_id = pb_get_str(m->order_id);
        cm->buyer_id = pb_get_str(m->buyer_id);
        cm->product_id = pb_get_str(m->product_id);
        cm->rating = m->rating;
        cm->language = pb_get_str(m->language);
        cm->sentiment = (rdr_sentiment_t)name_to_enum(
            &r, "sentiment", m->sentiment, rdr_sentiment_names, RDR_SENT__CNT);
        cm->reason = (rdr_reason_t)name_to_enum(
            &r, "reason", m->reason, rdr_reason_names, RDR_REASON__CNT);
        if (m->n_reasons > RDR_REASON__CNT && !r.err)
                r.err = fail(errstr, errstr_size, RDR_ERR_INVALID,
                             "field 'reasons': at most %d items, got %zu",
                             RDR_REASON__CNT, m->n_reasons);
        for (i = 0; i < m->n_reasons && !r.err; i++)
                cm->reasons[cm->reasons_cnt++] = (rdr_reason_t)name_to_enum(
                    &r, "reasons", m->reasons[i], rdr_reason_names,
                    RDR_REASON__CNT);
        cm->malicious = (rdr_malicious_t)name_to_enum(
            &r, "malicious", m->malicious, rdr_malicious_names, RDR_MAL__CNT);
        cm->confidence = m->confidence;
        cm->state = pb_get_str(m->state);
        cm->occurred_at_ms = pb_get_time(m->occurred_at);
        err = r.err ? r.err : rdr_case_msg_validate(cm, errstr, errstr_size);
        if (err)
                rdr_case_msg_clear(cm);
        return err;
}

rdr_err_t rdr_action_msg_from_protobuf(rdr_action_msg_t *am, const void *buf,
                                       size_t len, char *errstr,
                                       size_t errstr_size) {
        const Redress__V1__ActionMessage *m;
        const Redress__V1__Evidence *pe;
        ProtobufCMessage *msg;
        outmsg_priv_t *priv = NULL;
        jrd_t r;
        size_t i;
        rdr_err_t err;

        memset(am, 0, sizeof(*am));
        err = pb_unpack(&redress__v1__action_message__descriptor, buf, len,
                        &msg, &priv, errstr, errstr_size);
        if (err)
                return err;
        am->priv_ = priv;
        m = (const Redress__V1__ActionMessage *)msg;
        rd_init(&r, NULL, "", errstr, errstr_size);
        am->action_id = pb_get_str(m->action_id);
        am->kind = (rdr_action_kind_t)name_to_enum(
            &r, "kind", m->kind, rdr_action_kind_names, RDR_ACT__CNT);
        am->case_id = pb_get_str(m->case_id);
        am->shipment_id = pb_get_str(m->shipment_id);
        am->platform = pb_get_str(m->platform);
        am->store_id = pb_get_str(m->store_id);
        am->buyer_id = pb_get_str(m->buyer_id);
        am->order_id = pb_get_str(m->order_id);
        am->review_id = pb_get_str(m->review_id);
        am->channel = (rdr_channel_t)name_to_enum(
            &r, "channel", m->channel, rdr_channel_names, RDR_CHAN__CNT);
        am->language = pb_get_str(m->language);
        am->template_id = pb_get_str(m->template_id);
        am->message = pb_get_str(m->message);
        if (m->offer) {
                am->has_offer = 1;
                am->offer.amount_minor = m->offer->amount_minor;
                if (m->offer->currency && strlen(m->offer->currency) == 3)
                        memcpy(am->offer.currency, m->offer->currency, 4);
        }
        if (m->n_evidence && !r.err) {
                priv->evidence = calloc(m->n_evidence, sizeof(*priv->evidence));
                if (!priv->evidence)
                        r.err = RDR_ERR_NOMEM;
                else
                        am->evidence_cnt = m->n_evidence;
                am->evidence = priv->evidence;
        }
        for (i = 0; i < am->evidence_cnt; i++) {
                pe = m->evidence[i];
                priv->evidence[i].kind = pb_get_str(pe->kind);
                priv->evidence[i].ref = pb_get_str(pe->ref);
                priv->evidence[i].text = pb_get_str(pe->text);
                priv->evidence[i].at_ms = pb_get_time(pe->at);
        }
        am->due_at_ms = pb_get_time(m->due_at);
        am->deadline_at_ms = pb_get_time(m->deadline_at);
        am->created_at_ms = pb_get_time(m->created_at);
        err = r.err ? r.err : rdr_action_msg_validate(am, errstr, errstr_size);
        if (err)
                rdr_action_msg_clear(am);
        return err;
}

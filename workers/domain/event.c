/* Input event decoding, validation and encoding (see event.h).
 *
 * One table of fields per kind drives everything: a field's wire name (the
 * same in JSON and in the .proto), its type, for which event types it is
 * required, where it lands in the rdr_* struct and its limits. Decoding
 * reads each field from a source (a jansson object, or a protobuf-c message
 * unpacked into the event's arena) as a raw value, then one common path
 * validates and stores it, so both encodings give the same struct and the
 * same errors. The encoders and rdr_event_equal() walk the same tables. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "event.h"
#include "jsonv.h"
#include "policy.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "redress.pb-c.h"

/* Enums are stored and read back through int-sized copies. */
_Static_assert(sizeof(rdr_review_type_t) == sizeof(int), "enum size");
_Static_assert(sizeof(rdr_direction_t) == sizeof(int), "enum size");
_Static_assert(sizeof(rdr_channel_t) == sizeof(int), "enum size");
_Static_assert(sizeof(rdr_shipment_type_t) == sizeof(int), "enum size");
_Static_assert(sizeof(rdr_exception_t) == sizeof(int), "enum size");
_Static_assert(sizeof(rdr_outcome_t) == sizeof(int), "enum size");
_Static_assert(sizeof(rdr_staff_type_t) == sizeof(int), "enum size");
_Static_assert(sizeof(rdr_decision_t) == sizeof(int), "enum size");

const char *const rdr_input_kind_names[RDR_INPUT__CNT] = {
    "reviews", "chats", "shipments", "appeal-results", "staff-decisions"};
const char *const rdr_input_kind_topics[RDR_INPUT__CNT] = {
    "redress.reviews", "redress.chats", "redress.shipments",
    "redress.appeal-results", "redress.staff-decisions"};

rdr_input_kind_t rdr_input_kind_of_type(const char *type, size_t len) {
        static const struct {
                const char *prefix;
                rdr_input_kind_t kind;
        } prefixes[] = {{"review.", RDR_INPUT_REVIEWS},
                        {"chat.", RDR_INPUT_CHATS},
                        {"shipment.", RDR_INPUT_SHIPMENTS},
                        {"appeal.", RDR_INPUT_APPEAL_RESULTS},
                        {"staff.", RDR_INPUT_STAFF_DECISIONS}};
        size_t i, n;

        for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
                n = strlen(prefixes[i].prefix);
                if (len > n && !memcmp(type, prefixes[i].prefix, n))
                        return prefixes[i].kind;
        }
        return RDR_INPUT__CNT;
}

/* 9999-12-31T23:59:59.999Z, the last instant of RFC 3339 and Timestamp. */
#define MAX_MS INT64_C(253402300799999)
/* 0001-01-01T00:00:00Z in seconds: the first instant of a Timestamp. */
#define MIN_TS_SECONDS INT64_C(-62135596800)

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

/*
 * The arena: a main block reused across decodes plus overflow chunks taken
 * while a decode outgrows it. The next reset frees the chunks and enlarges
 * the main block by their size, so steady traffic stops allocating.
 */
#define ARENA_ALIGN 16
#define ARENA_MIN_CHUNK 4096

typedef struct rdr_arena_chunk_s {
        struct rdr_arena_chunk_s *next;
        size_t size, used; /* of the data after the header */
} rdr_arena_chunk_t;

#define CHUNK_HDR                                                              \
        ((sizeof(rdr_arena_chunk_t) + ARENA_ALIGN - 1) &                       \
         ~(size_t)(ARENA_ALIGN - 1))

static void arena_reset(rdr_arena_t *a) {
        rdr_arena_chunk_t *c, *next;
        size_t size;

        if (a->extra) {
                for (c = a->extra; c; c = next) {
                        next = c->next;
                        free(c);
                }
                size = a->size + a->extra_size;
                free(a->base);
                a->base = malloc(size);
                a->size = a->base ? size : 0;
                a->extra = NULL;
                a->extra_size = 0;
        }
        a->used = 0;
        a->oom = 0;
}

static void arena_free(rdr_arena_t *a) {
        arena_reset(a);
        free(a->base);
        memset(a, 0, sizeof(*a));
}

/* Memory for n bytes, aligned for any type, owned by the arena; NULL (and
 * a->oom set) if out of memory. */
static void *arena_alloc(rdr_arena_t *a, size_t n) {
        rdr_arena_chunk_t *c;
        size_t size;
        void *p;

        if (n > SIZE_MAX / 2)
                goto oom;
        n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
        if (a->base && a->size - a->used >= n) {
                p = a->base + a->used;
                a->used += n;
                return p;
        }
        c = a->extra;
        if (!c || c->size - c->used < n) {
                size = a->size + a->extra_size;
                if (size < ARENA_MIN_CHUNK)
                        size = ARENA_MIN_CHUNK;
                if (size < n)
                        size = n;
                c = malloc(CHUNK_HDR + size);
                if (!c)
                        goto oom;
                c->next = a->extra;
                c->size = size;
                c->used = 0;
                a->extra = c;
                a->extra_size += size;
        }
        p = (char *)c + CHUNK_HDR + c->used;
        c->used += n;
        return p;
oom:
        a->oom = 1;
        return NULL;
}

static char *arena_strndup(rdr_arena_t *a, const char *s, size_t len) {
        char *p = arena_alloc(a, len + 1);

        if (!p)
                return NULL;
        memcpy(p, s, len);
        p[len] = '\0';
        return p;
}

/* protobuf-c allocator over the arena: nothing is freed one by one. */
static void *pb_alloc(void *allocator_data, size_t size) {
        return arena_alloc(allocator_data, size);
}

static void pb_free(void *allocator_data, void *ptr) {
        (void)allocator_data;
        (void)ptr;
}

void rdr_event_init(rdr_event_t *ev) {
        memset(ev, 0, sizeof(*ev));
}

void rdr_event_free(rdr_event_t *ev) {
        arena_free(&ev->arena);
        memset(ev, 0, sizeof(*ev));
}

/*
 * Text checks.
 */

size_t rdr_utf8_count(const char *str, size_t len, size_t *bad) {
        const unsigned char *s = (const unsigned char *)str;
        size_t i = 0, n = 0, need, j;
        unsigned c, cp, min;

        while (i < len) {
                uint64_t w8;
                /* ASCII eight bytes at a time: most text is. */
                if (len - i >= 8) {
                        memcpy(&w8, s + i, 8);
                        if (!(w8 & 0x8080808080808080ULL)) {
                                i += 8;
                                n += 8;
                                continue;
                        }
                }
                c = s[i];
                if (c < 0x80) {
                        i++;
                        n++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf) {
                        need = 1;
                        cp = c & 0x1f;
                        min = 0x80;
                } else if (c >= 0xe0 && c <= 0xef) {
                        need = 2;
                        cp = c & 0x0f;
                        min = 0x800;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        need = 3;
                        cp = c & 0x07;
                        min = 0x10000;
                } else {
                        goto bad;
                }
                if (len - i - 1 < need)
                        goto bad;
                for (j = 1; j <= need; j++) {
                        if ((s[i + j] & 0xc0) != 0x80)
                                goto bad;
                        cp = (cp << 6) | (s[i + j] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        goto bad;
                i += need + 1;
                n++;
        }
        return n;
bad:
        if (bad)
                *bad = i;
        return (size_t)-1;
}

static int is_alpha(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c) {
        return c >= '0' && c <= '9';
}

static int is_upper(int c) {
        return c >= 'A' && c <= 'Z';
}

/* A quoted excerpt of a (valid UTF-8) value for an error sentence: at most
 * 40 bytes cut on a character boundary, control characters as '?'. */
static const char *excerpt(const char *s, size_t len, char *dst, size_t size) {
        size_t n = len, i;

        if (size < 48)
                return "";
        if (n > 40) {
                n = 40;
                while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                        n--;
        }
        for (i = 0; i < n; i++)
                dst[i] =
                    ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
        if (n < len) {
                memcpy(dst + n, "...", 3);
                n += 3;
        }
        dst[n] = '\0';
        return dst;
}

/* A BCP 47 tag in plausible form: a primary subtag of 2..8 letters (or
 * "x"/"i" before further subtags), then subtags of 1..8 letters or digits
 * separated by '-'. Registry membership is not checked. */
static int lang_ok(const char *s, size_t len) {
        size_t i = 0, start, n, k = 0, j;

        if (len > 64)
                return 0;
        for (;;) {
                start = i;
                while (i < len && s[i] != '-') {
                        if (!is_alpha(s[i]) && !is_digit(s[i]))
                                return 0;
                        i++;
                }
                n = i - start;
                if (n < 1 || n > 8)
                        return 0;
                if (k == 0) {
                        for (j = 0; j < n; j++)
                                if (!is_alpha(s[j]))
                                        return 0;
                        if (n == 1 &&
                            (i == len || (s[0] != 'x' && s[0] != 'X' &&
                                          s[0] != 'i' && s[0] != 'I')))
                                return 0;
                }
                k++;
                if (i == len)
                        return 1;
                i++;
        }
}

/* An IANA time zone name in plausible form ("UTC", "Europe/Madrid",
 * "America/Argentina/Buenos_Aires", "Etc/GMT+5"): 1..4 '/'-separated parts
 * of letters, digits, '_', '-', '+', each starting with a letter, the first
 * with a capital. The tz database itself is not consulted. */
static int tz_ok(const char *s, size_t len) {
        size_t i = 0, start, parts = 0;

        if (len > 64 || !len || !is_upper(s[0]))
                return 0;
        for (;;) {
                start = i;
                while (i < len && s[i] != '/') {
                        if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' &&
                            s[i] != '-' && s[i] != '+')
                                return 0;
                        i++;
                }
                if (i - start < 1 || i - start > 32 || !is_alpha(s[start]))
                        return 0;
                if (++parts > 4)
                        return 0;
                if (i == len)
                        return 1;
                i++;
        }
}

/*
 * Time.
 */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        int64_t era;
        unsigned yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = (unsigned)(y - era * 400);
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, unsigned *out) {
        size_t i;
        unsigned v = 0;

        for (i = 0; i < n; i++) {
                if (!is_digit(s[i]))
                        return 0;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *out = v;
        return 1;
}

int64_t rdr_time_parse_rfc3339(const char *s, size_t len, int *ok) {
        static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30,
                                           31, 31, 30, 31, 30, 31};
        unsigned year, mon, day, hour, min, sec, oh, om, ms = 0, scale = 100;
        size_t i;
        int64_t t, off = 0;
        int leap;

        *ok = 0;
        /* YYYY-MM-DDTHH:MM:SS is 19 bytes; the zone at least 1 more. */
        if (len < 20 || !digits(s, 4, &year) || s[4] != '-' ||
            !digits(s + 5, 2, &mon) || s[7] != '-' || !digits(s + 8, 2, &day) ||
            (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &hour) ||
            s[13] != ':' || !digits(s + 14, 2, &min) || s[16] != ':' ||
            !digits(s + 17, 2, &sec))
                return 0;
        leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
            (mon == 2 && day == 29 && !leap) || hour > 23 || min > 59 ||
            sec > 60)
                return 0;
        i = 19;
        if (s[i] == '.') {
                i++;
                if (i >= len || !is_digit(s[i]))
                        return 0;
                for (; i < len && is_digit(s[i]); i++) {
                        ms += (unsigned)(s[i] - '0') * scale;
                        scale /= 10;
                }
        }
        if (i >= len)
                return 0;
        if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
                off = 0;
        } else if ((s[i] == '+' || s[i] == '-') && i + 6 == len &&
                   digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
                   digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59) {
                off = ((int64_t)oh * 60 + om) * 60000;
                if (s[i] == '-')
                        off = -off;
        } else {
                return 0;
        }
        t = days_from_civil(year, mon, day);
        t = ((t * 24 + hour) * 60 + min) * 60 + sec;
        t = t * 1000 + ms - off;
        *ok = 1;
        return t;
}

/*
 * The field tables.
 */

typedef enum field_type_e {
        FT_TYPE,    /* the event type: selects the required fields */
        FT_ID,      /* 1..max characters, no control characters */
        FT_TEXT,    /* 0..max characters of free text; over: TOO_LARGE */
        FT_ENUM,    /* one of names[0..names_cnt) */
        FT_INT,     /* an integer min..max */
        FT_TIME,    /* RFC 3339 in JSON, Timestamp in protobuf */
        FT_COUNTRY, /* ISO 3166 alpha-2 into a char[3] */
        FT_LANG,    /* BCP 47 tag */
        FT_TZ,      /* IANA time zone name */
        FT_PROFILE  /* the buyer object: sub-fields */
} field_type_t;

#define NO_OFF ((size_t)-1)
#define REQ_ALL 0xffffffffu
#define REQ(t) (1u << (t))

typedef struct field_s {
        const char *name; /* JSON key and protobuf field name */
        field_type_t type;
        unsigned required;  /* bit t: required when the type index is t */
        size_t off;         /* where the value goes; NO_OFF: nowhere */
        size_t aux;         /* TEXT: its size_t length; INT, PROFILE: an int
                             * presence flag; NO_OFF: none */
        long long min, max; /* INT: range; strings: max characters */
        int width;          /* INT: sizeof the stored integer */
        const char *const *names; /* TYPE, ENUM: wire names */
        int names_cnt;
        const struct field_s *sub; /* PROFILE: its fields */
        size_t sub_cnt;
} field_t;

#define F_ID(st, m, req, mx)                                                   \
        {                                                                      \
                .name = #m, .type = FT_ID, .required = (req),                  \
                .off = offsetof(st, m), .aux = NO_OFF, .max = (mx)             \
        }
#define F_ENUM(st, m, req, tab, cnt)                                           \
        {                                                                      \
                .name = #m, .type = FT_ENUM, .required = (req),                \
                .off = offsetof(st, m), .aux = NO_OFF, .names = (tab),         \
                .names_cnt = (cnt)                                             \
        }
#define F_TIME(st, nm, m, req)                                                 \
        {                                                                      \
                .name = nm, .type = FT_TIME, .required = (req),                \
                .off = offsetof(st, m), .aux = NO_OFF                          \
        }
#define F_COUNTER(m, mx)                                                       \
        {                                                                      \
                .name = #m, .type = FT_INT, .off = offsetof(rdr_profile_t, m), \
                .aux = offsetof(rdr_profile_t, has_##m), .min = 0,             \
                .max = (mx), .width = (int)sizeof(long long)                   \
        }

static const char *const chat_types[] = {"chat.message"};
static const char *const appeal_types[] = {"appeal.result"};

static const field_t profile_fields[] = {
    /* The platform's own scale, whatever it is (eBay's feedback score
     * goes below zero, a points-based credit past a million). */
    {.name = "account_level",
     .type = FT_INT,
     .off = offsetof(rdr_profile_t, account_level),
     .aux = offsetof(rdr_profile_t, has_account_level),
     .min = LLONG_MIN,
     .max = LLONG_MAX,
     .width = (int)sizeof(long long)},
    F_COUNTER(account_age_days, 100000),
    F_COUNTER(reviews_total, 1000000000),
    F_COUNTER(negative_reviews_total, 1000000000),
    {.name = "country",
     .type = FT_COUNTRY,
     .off = offsetof(rdr_profile_t, country),
     .aux = NO_OFF},
    {.name = "timezone",
     .type = FT_TZ,
     .off = offsetof(rdr_profile_t, timezone),
     .aux = NO_OFF},
};

static const field_t review_fields[] = {
    F_ID(rdr_review_t, event_id, REQ_ALL, RDR_EVENT_MAX_EVENT_ID),
    {.name = "type",
     .type = FT_TYPE,
     .required = REQ_ALL,
     .off = offsetof(rdr_review_t, type),
     .aux = NO_OFF,
     .names = rdr_review_type_names,
     .names_cnt = RDR_REVIEW_TYPE__CNT},
    F_ID(rdr_review_t, platform, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_review_t, store_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_review_t, review_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_review_t, order_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_review_t, buyer_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_review_t, product_id, REQ_ALL, RDR_EVENT_MAX_ID),
    {.name = "rating",
     .type = FT_INT,
     .required = REQ(RDR_REVIEW_CREATED) | REQ(RDR_REVIEW_UPDATED),
     .off = offsetof(rdr_review_t, rating),
     .aux = NO_OFF,
     .min = 1,
     .max = 5,
     .width = (int)sizeof(int)},
    {.name = "text",
     .type = FT_TEXT,
     .off = offsetof(rdr_review_t, text),
     .aux = offsetof(rdr_review_t, text_len),
     .max = RDR_EVENT_MAX_TEXT},
    {.name = "language",
     .type = FT_LANG,
     .off = offsetof(rdr_review_t, language),
     .aux = NO_OFF},
    F_TIME(rdr_review_t, "created_at", created_at_ms, REQ_ALL),
    {.name = "buyer",
     .type = FT_PROFILE,
     .off = offsetof(rdr_review_t, buyer),
     .aux = offsetof(rdr_review_t, has_buyer),
     .sub = profile_fields,
     .sub_cnt = sizeof(profile_fields) / sizeof(profile_fields[0])},
    F_ENUM(rdr_review_t, review_kind, 0, rdr_review_kind_names,
           RDR_REVIEW_KIND__CNT),
};

static const field_t chat_fields[] = {
    F_ID(rdr_chat_t, event_id, REQ_ALL, RDR_EVENT_MAX_EVENT_ID),
    {.name = "type",
     .type = FT_TYPE,
     .required = REQ_ALL,
     .off = NO_OFF,
     .aux = NO_OFF,
     .names = chat_types,
     .names_cnt = 1},
    F_ID(rdr_chat_t, platform, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_chat_t, store_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_chat_t, buyer_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_chat_t, order_id, 0, RDR_EVENT_MAX_ID),
    F_ENUM(rdr_chat_t, direction, REQ_ALL, rdr_direction_names, RDR_DIR__CNT),
    /* Input channels are the first five; the rest are output-only. */
    F_ENUM(rdr_chat_t, channel, REQ_ALL, rdr_channel_names,
           RDR_CHAN_PHONE_NOTE + 1),
    {.name = "text",
     .type = FT_TEXT,
     .required = REQ_ALL,
     .off = offsetof(rdr_chat_t, text),
     .aux = offsetof(rdr_chat_t, text_len),
     .max = RDR_EVENT_MAX_TEXT},
    F_TIME(rdr_chat_t, "sent_at", sent_at_ms, REQ_ALL),
};

static const field_t shipment_fields[] = {
    F_ID(rdr_shipment_t, event_id, REQ_ALL, RDR_EVENT_MAX_EVENT_ID),
    {.name = "type",
     .type = FT_TYPE,
     .required = REQ_ALL,
     .off = offsetof(rdr_shipment_t, type),
     .aux = NO_OFF,
     .names = rdr_shipment_type_names,
     .names_cnt = RDR_SHIP_TYPE__CNT},
    F_ID(rdr_shipment_t, platform, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_shipment_t, store_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_shipment_t, order_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_shipment_t, buyer_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_shipment_t, carrier, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_shipment_t, tracking_number, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_shipment_t, service_level, 0, RDR_EVENT_MAX_ID),
    {.name = "origin_country",
     .type = FT_COUNTRY,
     .required = REQ(RDR_SHIP_CREATED),
     .off = offsetof(rdr_shipment_t, origin_country),
     .aux = NO_OFF},
    {.name = "destination_country",
     .type = FT_COUNTRY,
     .required = REQ(RDR_SHIP_CREATED),
     .off = offsetof(rdr_shipment_t, destination_country),
     .aux = NO_OFF},
    F_TIME(rdr_shipment_t, "promised_by", promised_by_ms, 0),
    F_ENUM(rdr_shipment_t, exception, REQ(RDR_SHIP_EXCEPTION),
           rdr_exception_names, RDR_EXC__CNT),
    F_ID(rdr_shipment_t, location, 0, RDR_EVENT_MAX_ID),
    F_TIME(rdr_shipment_t, "occurred_at", occurred_at_ms, REQ_ALL),
};

static const field_t appeal_fields[] = {
    F_ID(rdr_appeal_result_t, event_id, REQ_ALL, RDR_EVENT_MAX_EVENT_ID),
    {.name = "type",
     .type = FT_TYPE,
     .required = REQ_ALL,
     .off = NO_OFF,
     .aux = NO_OFF,
     .names = appeal_types,
     .names_cnt = 1},
    F_ID(rdr_appeal_result_t, platform, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_appeal_result_t, store_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_appeal_result_t, case_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_appeal_result_t, action_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ENUM(rdr_appeal_result_t, outcome, REQ_ALL, rdr_outcome_names,
           RDR_OUTCOME__CNT),
    {.name = "reason",
     .type = FT_TEXT,
     .off = offsetof(rdr_appeal_result_t, reason),
     .aux = NO_OFF,
     .max = RDR_EVENT_MAX_TEXT},
    F_TIME(rdr_appeal_result_t, "occurred_at", occurred_at_ms, REQ_ALL),
};

static const field_t staff_fields[] = {
    F_ID(rdr_staff_decision_t, event_id, REQ_ALL, RDR_EVENT_MAX_EVENT_ID),
    {.name = "type",
     .type = FT_TYPE,
     .required = REQ_ALL,
     .off = offsetof(rdr_staff_decision_t, type),
     .aux = NO_OFF,
     .names = rdr_staff_type_names,
     .names_cnt = RDR_STAFF_TYPE__CNT},
    F_ID(rdr_staff_decision_t, platform, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_staff_decision_t, store_id, REQ_ALL, RDR_EVENT_MAX_ID),
    F_ID(rdr_staff_decision_t, case_id, REQ_ALL, RDR_EVENT_MAX_ID),
    /* staff.appeal is an agent's own initiative: it answers no action. */
    F_ID(rdr_staff_decision_t, action_id, REQ_ALL & ~REQ(RDR_STAFF_APPEAL),
         RDR_EVENT_MAX_ID),
    F_ID(rdr_staff_decision_t, agent_id, 0, RDR_EVENT_MAX_ID),
    F_ENUM(rdr_staff_decision_t, decision, REQ(RDR_STAFF_OFFER_DECISION),
           rdr_decision_names, RDR_DECISION__CNT),
    F_ID(rdr_staff_decision_t, evidence_kind, REQ(RDR_STAFF_EVIDENCE),
         RDR_EVENT_MAX_ID),
    F_ID(rdr_staff_decision_t, evidence_ref, 0, RDR_EVENT_MAX_ID),
    {.name = "evidence_text",
     .type = FT_TEXT,
     .required = REQ(RDR_STAFF_EVIDENCE),
     .off = offsetof(rdr_staff_decision_t, evidence_text),
     .aux = NO_OFF,
     .max = RDR_EVENT_MAX_TEXT},
    F_TIME(rdr_staff_decision_t, "occurred_at", occurred_at_ms, REQ_ALL),
    F_ID(rdr_staff_decision_t, ground, REQ(RDR_STAFF_APPEAL), RDR_EVENT_MAX_ID),
};

typedef struct kind_s {
        const field_t *fields;
        size_t cnt;
        const ProtobufCMessageDescriptor *pb;
} kind_t;

#define KIND(tab, desc)                                                        \
        { tab, sizeof(tab) / sizeof(tab[0]), &desc }
static const kind_t kinds[RDR_INPUT__CNT] = {
    KIND(review_fields, redress__v1__review_event__descriptor),
    KIND(chat_fields, redress__v1__chat_event__descriptor),
    KIND(shipment_fields, redress__v1__shipment_event__descriptor),
    KIND(appeal_fields, redress__v1__appeal_result_event__descriptor),
    KIND(staff_fields, redress__v1__staff_decision_event__descriptor),
};

static void *event_base(const rdr_event_t *ev) {
        /* All union members start at the union's address. */
        return (void *)&ev->u;
}

static long long get_int(const char *p, int width) {
        int i;
        long long ll;

        if (width == (int)sizeof(int)) {
                memcpy(&i, p, sizeof(i));
                return i;
        }
        memcpy(&ll, p, sizeof(ll));
        return ll;
}

static void put_int(char *p, int width, long long v) {
        int i = (int)v;

        if (width == (int)sizeof(int))
                memcpy(p, &i, sizeof(i));
        else
                memcpy(p, &v, sizeof(v));
}

static const char *get_str(const char *p) {
        const char *s;

        memcpy(&s, p, sizeof(s));
        return s;
}

static void put_str(char *p, const char *s) {
        memcpy(p, &s, sizeof(s));
}

/*
 * Sources: a field's raw value from JSON or from protobuf.
 */

typedef struct src_s {
        const rdr_jv_t *json;       /* a JSON object, or NULL */
        const ProtobufCMessage *pb; /* else a protobuf message */
} src_t;

typedef struct raw_s {
        const char *s; /* string types */
        size_t len;
        int in_arena; /* s already lives in the event's arena */
        long long i;  /* FT_INT */
        int64_t ms;   /* FT_TIME */
        src_t sub;    /* FT_PROFILE */
} raw_t;

static const char *json_kind(const rdr_jv_t *v) {
        switch (v->type) {
        case RDR_JV_OBJECT:
                return "an object";
        case RDR_JV_ARRAY:
                return "an array";
        case RDR_JV_STRING:
                return "a string";
        case RDR_JV_INT:
                return "an integer";
        case RDR_JV_REAL:
                return "a number with a fraction";
        case RDR_JV_TRUE:
        case RDR_JV_FALSE:
                return "a boolean";
        default:
                return "null";
        }
}

static int is_string_type(field_type_t t) {
        return t != FT_INT && t != FT_TIME && t != FT_PROFILE;
}

static rdr_err_t json_get(const rdr_jv_t *obj, const field_t *f,
                          const char *prefix, raw_t *raw, int *present,
                          char *errstr, size_t errstr_size) {
        const rdr_jv_t *v = rdr_jv_get(obj, f->name);
        char ex[64];
        int ok;

        *present = 0;
        if (!v || v->type == RDR_JV_NULL)
                return RDR_OK;
        switch (f->type) {
        case FT_INT:
                if (v->type != RDR_JV_INT)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be an integer "
                                    "%lld..%lld, got %s",
                                    prefix, f->name, f->min, f->max,
                                    json_kind(v));
                if (v->overflow)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': number out of range", prefix,
                                    f->name);
                raw->i = v->i;
                break;
        case FT_TIME:
                if (v->type != RDR_JV_STRING)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be an RFC 3339 time "
                                    "string, got %s",
                                    prefix, f->name, json_kind(v));
                if (!v->len)
                        return RDR_OK;
                raw->ms = rdr_time_parse_rfc3339(v->s, v->len, &ok);
                if (!ok)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be an RFC 3339 time "
                                    "such as 2026-11-23T07:00:00Z, got '%s'",
                                    prefix, f->name,
                                    excerpt(v->s, v->len, ex, sizeof(ex)));
                break;
        case FT_PROFILE:
                if (v->type != RDR_JV_OBJECT)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be an object, got %s",
                                    prefix, f->name, json_kind(v));
                raw->sub.json = v;
                raw->sub.pb = NULL;
                break;
        default:
                if (v->type != RDR_JV_STRING)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be a string, got %s",
                                    prefix, f->name, json_kind(v));
                raw->s = v->s;
                raw->len = v->len;
                raw->in_arena = 0;
                /* "" is absent, as in proto3; only a text may be empty. */
                if (!raw->len && f->type != FT_TEXT)
                        return RDR_OK;
                break;
        }
        *present = 1;
        return RDR_OK;
}

static rdr_err_t pb_get(const ProtobufCMessage *msg, const field_t *f,
                        const char *prefix, raw_t *raw, int *present,
                        char *errstr, size_t errstr_size) {
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(msg->descriptor,
                                                            f->name);
        const char *p;
        const ProtobufCMessage *sub;
        const Google__Protobuf__Timestamp *ts;
        uint32_t qcase;
        int32_t i32;
        int64_t i64;

        *present = 0;
        if (!fd ||
            (is_string_type(f->type) && fd->type != PROTOBUF_C_TYPE_STRING))
                return fail(errstr, errstr_size, RDR_ERR_INTERNAL,
                            "field '%s%s': does not match the protobuf schema",
                            prefix, f->name);
        p = (const char *)msg + fd->offset;
        switch (f->type) {
        case FT_INT:
                if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                        memcpy(&qcase,
                               (const char *)msg + fd->quantifier_offset,
                               sizeof(qcase));
                        if (qcase != fd->id)
                                return RDR_OK;
                }
                if (fd->type == PROTOBUF_C_TYPE_INT32) {
                        memcpy(&i32, p, sizeof(i32));
                        raw->i = i32;
                } else {
                        memcpy(&i64, p, sizeof(i64));
                        raw->i = i64;
                }
                if (!(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && !raw->i)
                        return RDR_OK;
                break;
        case FT_TIME:
                memcpy(&ts, p, sizeof(ts));
                if (!ts)
                        return RDR_OK;
                if (ts->seconds < MIN_TS_SECONDS ||
                    ts->seconds > MAX_MS / 1000 || ts->nanos < 0 ||
                    ts->nanos > 999999999)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': Timestamp out of range "
                                    "(seconds %lld, nanos %d)",
                                    prefix, f->name, (long long)ts->seconds,
                                    (int)ts->nanos);
                raw->ms = ts->seconds * 1000 + ts->nanos / 1000000;
                break;
        case FT_PROFILE:
                memcpy(&sub, p, sizeof(sub));
                if (!sub)
                        return RDR_OK;
                raw->sub.json = NULL;
                raw->sub.pb = sub;
                break;
        default:
                raw->s = get_str(p);
                if (!raw->s)
                        raw->s = "";
                raw->len = strlen(raw->s);
                raw->in_arena = 1;
                if (!raw->len && f->type != FT_TEXT)
                        return RDR_OK;
                break;
        }
        *present = 1;
        return RDR_OK;
}

static rdr_err_t src_get(const src_t *src, const field_t *f, const char *prefix,
                         raw_t *raw, int *present, char *errstr,
                         size_t errstr_size) {
        memset(raw, 0, sizeof(*raw));
        if (src->json)
                return json_get(src->json, f, prefix, raw, present, errstr,
                                errstr_size);
        return pb_get(src->pb, f, prefix, raw, present, errstr, errstr_size);
}

/*
 * Validation and storage, common to both encodings.
 */

/* "a, b, c" of the non-empty names, for error sentences. */
static const char *names_list(const field_t *f, char *dst, size_t size) {
        size_t n = 0, l;
        int i;

        dst[0] = '\0';
        for (i = 0; i < f->names_cnt; i++) {
                if (!f->names[i][0])
                        continue;
                l = strlen(f->names[i]);
                if (n + l + 3 >= size)
                        break;
                if (n) {
                        memcpy(dst + n, ", ", 2);
                        n += 2;
                }
                memcpy(dst + n, f->names[i], l);
                n += l;
                dst[n] = '\0';
        }
        return dst;
}

static rdr_err_t parse_enum(const field_t *f, const raw_t *raw,
                            const char *prefix, int *idx, char *errstr,
                            size_t errstr_size) {
        char list[256], ex[64];

        *idx = rdr_enum_parse(f->names, f->names_cnt, raw->s, raw->len);
        if (*idx >= 0)
                return RDR_OK;
        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                    "field '%s%s': must be %s%s, got '%s'", prefix, f->name,
                    f->names_cnt > 1 ? "one of " : "",
                    names_list(f, list, sizeof(list)),
                    excerpt(raw->s, raw->len, ex, sizeof(ex)));
}

/* Checks shared by every string: no NUL (strings are C strings), valid
 * UTF-8. Sets *nchars to the number of characters. */
static rdr_err_t check_string(const field_t *f, const raw_t *raw,
                              const char *prefix, size_t *nchars, char *errstr,
                              size_t errstr_size) {
        size_t bad = 0;

        if (memchr(raw->s, '\0', raw->len))
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field '%s%s': contains a NUL character", prefix,
                            f->name);
        *nchars = rdr_utf8_count(raw->s, raw->len, &bad);
        if (*nchars == (size_t)-1)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field '%s%s': invalid UTF-8 at byte %zu", prefix,
                            f->name, bad);
        return RDR_OK;
}

static rdr_err_t store_string(rdr_arena_t *a, const field_t *f,
                              const raw_t *raw, char *base, const char *prefix,
                              char *errstr, size_t errstr_size) {
        size_t nchars = 0, i;
        const char *s;
        char ex[64];
        int idx;
        rdr_err_t err;

        err = check_string(f, raw, prefix, &nchars, errstr, errstr_size);
        if (err)
                return err;
        switch (f->type) {
        case FT_ID:
                if (nchars > (size_t)f->max)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be 1..%lld characters, "
                                    "got %zu",
                                    prefix, f->name, f->max, nchars);
                /* Ids but event_id (the contract's 128 characters) are
                 * kept whole in fixed fields of a case or a parcel. */
                if (f->max == RDR_EVENT_MAX_ID && raw->len > RDR_EVENT_MAX_ID)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be at most %d bytes "
                                    "of UTF-8, got %zu",
                                    prefix, f->name, RDR_EVENT_MAX_ID,
                                    raw->len);
                for (i = 0; i < raw->len; i++)
                        if ((unsigned char)raw->s[i] < 0x20 ||
                            raw->s[i] == 0x7f)
                                return fail(errstr, errstr_size,
                                            RDR_ERR_INVALID,
                                            "field '%s%s': must not contain "
                                            "control characters",
                                            prefix, f->name);
                break;
        case FT_TEXT:
                if (nchars > (size_t)f->max)
                        return fail(errstr, errstr_size, RDR_ERR_TOO_LARGE,
                                    "field '%s%s': must be at most %lld "
                                    "characters, got %zu",
                                    prefix, f->name, f->max, nchars);
                if (f->aux != NO_OFF) {
                        memcpy(base + f->aux, &raw->len, sizeof(raw->len));
                        if (!raw->len) {
                                put_str(base + f->off, "");
                                return RDR_OK;
                        }
                } else if (!raw->len) {
                        return RDR_OK; /* stays NULL: absent */
                }
                break;
        case FT_TYPE:
        case FT_ENUM:
                err = parse_enum(f, raw, prefix, &idx, errstr, errstr_size);
                if (err)
                        return err;
                if (f->off != NO_OFF)
                        put_int(base + f->off, (int)sizeof(int), idx);
                return RDR_OK;
        case FT_COUNTRY:
                if (raw->len != 2 || !is_upper(raw->s[0]) ||
                    !is_upper(raw->s[1]))
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be an ISO 3166 "
                                    "alpha-2 code of two capital letters such "
                                    "as ES, got '%s'",
                                    prefix, f->name,
                                    excerpt(raw->s, raw->len, ex, sizeof(ex)));
                memcpy(base + f->off, raw->s, 2);
                base[f->off + 2] = '\0';
                return RDR_OK;
        case FT_LANG:
                if (!lang_ok(raw->s, raw->len))
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be a BCP 47 language "
                                    "tag such as en, es or zh-Hans, got '%s'",
                                    prefix, f->name,
                                    excerpt(raw->s, raw->len, ex, sizeof(ex)));
                break;
        case FT_TZ:
                if (!tz_ok(raw->s, raw->len))
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be an IANA time zone "
                                    "name such as Europe/Madrid, got '%s'",
                                    prefix, f->name,
                                    excerpt(raw->s, raw->len, ex, sizeof(ex)));
                break;
        default:
                return fail(errstr, errstr_size, RDR_ERR_INTERNAL,
                            "field '%s%s': not a string field", prefix,
                            f->name);
        }
        s = raw->in_arena ? raw->s : arena_strndup(a, raw->s, raw->len);
        if (!s)
                return fail(errstr, errstr_size, RDR_ERR_NOMEM,
                            "field '%s%s': out of memory", prefix, f->name);
        put_str(base + f->off, s);
        return RDR_OK;
}

static rdr_err_t decode_fields(rdr_arena_t *a, const src_t *src,
                               const field_t *fields, size_t cnt,
                               unsigned type_bit, char *base,
                               const char *prefix, char *errstr,
                               size_t errstr_size);

static rdr_err_t decode_field(rdr_arena_t *a, const src_t *src,
                              const field_t *f, unsigned type_bit, char *base,
                              const char *prefix, char *errstr,
                              size_t errstr_size) {
        raw_t raw;
        int present = 0, one = 1;
        char sub_prefix[64];
        rdr_err_t err;

        err = src_get(src, f, prefix, &raw, &present, errstr, errstr_size);
        if (err)
                return err;
        if (!present) {
                if (f->required & type_bit)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': required but missing%s",
                                    prefix, f->name,
                                    is_string_type(f->type) &&
                                            f->type != FT_TEXT
                                        ? " or empty"
                                        : "");
                if (f->type == FT_TEXT && f->aux != NO_OFF)
                        put_str(base + f->off, "");
                return RDR_OK;
        }
        switch (f->type) {
        case FT_INT:
                if (raw.i < f->min || raw.i > f->max)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be an integer "
                                    "%lld..%lld, got %lld",
                                    prefix, f->name, f->min, f->max, raw.i);
                put_int(base + f->off, f->width, raw.i);
                if (f->aux != NO_OFF)
                        memcpy(base + f->aux, &one, sizeof(one));
                return RDR_OK;
        case FT_TIME:
                if (raw.ms < 1 || raw.ms > MAX_MS)
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s%s': must be a time after "
                                    "1970-01-01T00:00:00Z",
                                    prefix, f->name);
                memcpy(base + f->off, &raw.ms, sizeof(raw.ms));
                return RDR_OK;
        case FT_PROFILE:
                snprintf(sub_prefix, sizeof(sub_prefix), "%s%s.", prefix,
                         f->name);
                memcpy(base + f->aux, &one, sizeof(one));
                return decode_fields(a, &raw.sub, f->sub, f->sub_cnt, type_bit,
                                     base + f->off, sub_prefix, errstr,
                                     errstr_size);
        default:
                return store_string(a, f, &raw, base, prefix, errstr,
                                    errstr_size);
        }
}

static rdr_err_t decode_fields(rdr_arena_t *a, const src_t *src,
                               const field_t *fields, size_t cnt,
                               unsigned type_bit, char *base,
                               const char *prefix, char *errstr,
                               size_t errstr_size) {
        size_t i;
        rdr_err_t err;

        for (i = 0; i < cnt; i++) {
                if (fields[i].type == FT_TYPE)
                        continue;
                err = decode_field(a, src, &fields[i], type_bit, base, prefix,
                                   errstr, errstr_size);
                if (err)
                        return err;
        }
        return RDR_OK;
}

/* The type first (it decides what else is required), then the rest. */
static rdr_err_t decode_event(rdr_event_t *ev, const kind_t *k,
                              const src_t *src, char *errstr,
                              size_t errstr_size) {
        const field_t *tf = NULL;
        char *base = event_base(ev);
        raw_t raw;
        size_t i, nchars;
        int present = 0, idx = 0;
        rdr_err_t err;

        for (i = 0; i < k->cnt && !tf; i++)
                if (k->fields[i].type == FT_TYPE)
                        tf = &k->fields[i];
        if (!tf)
                return fail(errstr, errstr_size, RDR_ERR_INTERNAL,
                            "kind has no type field");
        err = src_get(src, tf, "", &raw, &present, errstr, errstr_size);
        if (err)
                return err;
        if (!present)
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "field 'type': required but missing or empty");
        err = check_string(tf, &raw, "", &nchars, errstr, errstr_size);
        if (!err)
                err = parse_enum(tf, &raw, "", &idx, errstr, errstr_size);
        if (err)
                return err;
        if (tf->off != NO_OFF)
                put_int(base + tf->off, (int)sizeof(int), idx);
        return decode_fields(&ev->arena, src, k->fields, k->cnt,
                             REQ((unsigned)idx), base, "", errstr, errstr_size);
}

/*
 * Format detection and the two parsers.
 */

enum { FMT_SNIFF, FMT_JSON, FMT_PROTOBUF };

static int is_ws(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The format a content-type value names ("application/json;
 * charset=utf-8" is JSON); FMT_SNIFF for NULL or "". */
static rdr_err_t pick_format(const char *ct, int *fmt, char *errstr,
                             size_t errstr_size) {
        size_t n;
        char ex[64];

        *fmt = FMT_SNIFF;
        if (!ct)
                return RDR_OK;
        while (*ct == ' ' || *ct == '\t')
                ct++;
        n = strcspn(ct, "; \t");
        if (n == 16 && !strncasecmp(ct, "application/json", n))
                *fmt = FMT_JSON;
        else if (n == 22 && !strncasecmp(ct, "application/x-protobuf", n))
                *fmt = FMT_PROTOBUF;
        else if (n)
                return fail(errstr, errstr_size, RDR_ERR_DECODE,
                            "header 'content-type': must be application/json "
                            "or application/x-protobuf, got '%s'",
                            rdr_utf8_count(ct, strlen(ct), NULL) == (size_t)-1
                                ? "(invalid UTF-8)"
                                : excerpt(ct, strlen(ct), ex, sizeof(ex)));
        return RDR_OK;
}

/* The dotted path of the JSON object keys enclosing byte pos of buf
 * ("buyer.country"), for errors jansson reports by position only. A
 * tolerant scan, not a parser: buf is known to be broken somewhere. */
static void json_path_at(const char *buf, size_t len, size_t pos, char *out,
                         size_t size) {
        enum { MAXD = 8 };
        struct {
                size_t off, len;
                int obj;
        } lv[MAXD];
        size_t i, j, start = 0, n = 0, k;
        int depth = 0, in_str = 0, esc = 0, d;
        char c;

        memset(lv, 0, sizeof(lv));
        out[0] = '\0';
        if (pos > len)
                pos = len;
        for (i = 0; i < pos; i++) {
                c = buf[i];
                if (in_str) {
                        if (esc) {
                                esc = 0;
                        } else if (c == '\\') {
                                esc = 1;
                        } else if (c == '"') {
                                in_str = 0;
                                for (j = i + 1; j < len && is_ws(buf[j]); j++)
                                        ;
                                if (j < len && buf[j] == ':' && depth >= 1 &&
                                    depth <= MAXD && lv[depth - 1].obj) {
                                        lv[depth - 1].off = start;
                                        lv[depth - 1].len = i - start;
                                }
                        }
                        continue;
                }
                if (c == '"') {
                        in_str = 1;
                        start = i + 1;
                } else if (c == '{' || c == '[') {
                        if (depth < MAXD) {
                                lv[depth].obj = c == '{';
                                lv[depth].len = 0;
                        }
                        depth++;
                } else if ((c == '}' || c == ']') && depth > 0) {
                        depth--;
                }
        }
        for (d = 0; d < depth && d < MAXD; d++) {
                if (!lv[d].obj || !lv[d].len)
                        continue;
                if (n && n + 1 < size)
                        out[n++] = '.';
                for (k = 0; k < lv[d].len && n + 1 < size; k++) {
                        c = buf[lv[d].off + k];
                        out[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
                }
        }
        out[n < size ? n : size - 1] = '\0';
}

static rdr_err_t json_fail(const char *buf, size_t len,
                           const rdr_jv_error_t *je, char *errstr,
                           size_t errstr_size) {
        char path[96];

        switch (je->code) {
        case RDR_JV_EUTF8:
                json_path_at(buf, len, je->pos, path, sizeof(path));
                if (path[0])
                        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                                    "field '%s': invalid UTF-8 at byte %zu",
                                    path, je->pos);
                return fail(errstr, errstr_size, RDR_ERR_INVALID,
                            "message: invalid UTF-8 at byte %zu", je->pos);
        case RDR_JV_ENOMEM:
                return fail(errstr, errstr_size, RDR_ERR_NOMEM,
                            "message: out of memory parsing JSON");
        default:
                return fail(errstr, errstr_size, RDR_ERR_DECODE,
                            "message is not valid JSON: %s (line %d, column "
                            "%d)",
                            je->text, je->line, je->column);
        }
}

/* Every string field of a protobuf message (and its sub-messages) is valid
 * UTF-8 without NUL. protobuf-c checks neither, and a NUL would silently
 * cut the C string short. buf was already unpacked successfully, so
 * malformed wire data here is unexpected but still handled. */
static rdr_err_t pb_check_strings(const ProtobufCMessageDescriptor *desc,
                                  const uint8_t *buf, size_t len,
                                  const char *prefix, int depth, char *errstr,
                                  size_t errstr_size) {
        const ProtobufCFieldDescriptor *fd;
        size_t i = 0, bad = 0, flen;
        uint64_t v, tag;
        int shift, pass;
        char sub_prefix[64];
        rdr_err_t err;

        while (i < len) {
                /* Two varints: the tag, then (length-delimited) the length. */
                tag = 0;
                flen = 0;
                for (pass = 0; pass < 2; pass++) {
                        v = 0;
                        for (shift = 0;; shift += 7) {
                                if (i >= len || shift > 63)
                                        goto malformed;
                                v |= (uint64_t)(buf[i] & 0x7f) << shift;
                                if (!(buf[i++] & 0x80))
                                        break;
                        }
                        if (pass == 0) {
                                tag = v;
                                if ((tag & 7) != 2)
                                        break;
                        } else {
                                if (v > len - i)
                                        goto malformed;
                                flen = (size_t)v;
                        }
                }
                switch (tag & 7) {
                case 0: /* varint */
                        for (;;) {
                                if (i >= len)
                                        goto malformed;
                                if (!(buf[i++] & 0x80))
                                        break;
                        }
                        continue;
                case 1:
                        if (len - i < 8)
                                goto malformed;
                        i += 8;
                        continue;
                case 5:
                        if (len - i < 4)
                                goto malformed;
                        i += 4;
                        continue;
                case 2:
                        break;
                default:
                        goto malformed;
                }
                fd = tag >> 3 <= UINT32_MAX
                         ? protobuf_c_message_descriptor_get_field(
                               desc, (unsigned)(tag >> 3))
                         : NULL;
                if (fd && fd->type == PROTOBUF_C_TYPE_STRING) {
                        if (memchr(buf + i, '\0', flen))
                                return fail(errstr, errstr_size,
                                            RDR_ERR_INVALID,
                                            "field '%s%s': contains a NUL "
                                            "character",
                                            prefix, fd->name);
                        if (rdr_utf8_count((const char *)buf + i, flen, &bad) ==
                            (size_t)-1)
                                return fail(errstr, errstr_size,
                                            RDR_ERR_INVALID,
                                            "field '%s%s': invalid UTF-8 at "
                                            "byte %zu",
                                            prefix, fd->name, bad);
                } else if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE &&
                           depth < 4) {
                        snprintf(sub_prefix, sizeof(sub_prefix), "%s%s.",
                                 prefix, fd->name);
                        err = pb_check_strings(fd->descriptor, buf + i, flen,
                                               sub_prefix, depth + 1, errstr,
                                               errstr_size);
                        if (err)
                                return err;
                }
                i += flen;
        }
        return RDR_OK;
malformed:
        return fail(errstr, errstr_size, RDR_ERR_DECODE,
                    "message is not a valid protobuf %s", desc->short_name);
}

/* p (len bytes) as a protobuf message of kind k into src. sniffed: no
 * content type said so (the error says it is not JSON either). */
static rdr_err_t pb_read(rdr_event_t *ev, const kind_t *k, const char *p,
                         size_t len, int sniffed, src_t *src, char *errstr,
                         size_t errstr_size) {
        ProtobufCAllocator alloc;
        ProtobufCMessage *msg;
        rdr_err_t err;
        alloc.alloc = pb_alloc;
        alloc.free = pb_free;
        alloc.allocator_data = &ev->arena;
        msg = protobuf_c_message_unpack(k->pb, &alloc, len, (const uint8_t *)p);
        if (!msg)
                return ev->arena.oom
                           ? fail(errstr, errstr_size, RDR_ERR_NOMEM,
                                  "message: out of memory")
                           : fail(errstr, errstr_size, RDR_ERR_DECODE,
                                  "message is not a valid protobuf %s%s",
                                  k->pb->short_name,
                                  sniffed ? " (nor a JSON object)" : "");
        err = pb_check_strings(k->pb, (const uint8_t *)p, len, "", 0, errstr,
                               errstr_size);
        if (err)
                return err;
        src->json = NULL;
        src->pb = msg;
        return RDR_OK;
}

/* Sniffed as JSON (its first bytes read as white space and '{') and not
 * JSON: a protobuf message whose first field's length is one of those
 * bytes (an event_id of 123 bytes is 0a 7b). Read as protobuf if it is a
 * valid event; else RDR_ERR_DECODE (the caller keeps the JSON error). */
static rdr_err_t pb_opening_like_json(rdr_event_t *ev, const kind_t *k,
                                      const char *p, size_t len) {
        char scratch[256];
        src_t src;
        rdr_err_t err =
            pb_read(ev, k, p, len, 1, &src, scratch, sizeof(scratch));
        if (!err)
                err = decode_event(ev, k, &src, scratch, sizeof(scratch));
        if (err || ev->arena.oom) {
                memset(&ev->u, 0, sizeof(ev->u));
                return RDR_ERR_DECODE;
        }
        return RDR_OK;
}

int64_t rdr_event_time_ms(const rdr_event_t *ev, const char **field) {
        *field = "occurred_at";
        switch (ev->kind) {
        case RDR_INPUT_REVIEWS:
                *field = "created_at";
                return ev->u.review.created_at_ms;
        case RDR_INPUT_CHATS:
                *field = "sent_at";
                return ev->u.chat.sent_at_ms;
        case RDR_INPUT_SHIPMENTS:
                return ev->u.shipment.occurred_at_ms;
        case RDR_INPUT_APPEAL_RESULTS:
                return ev->u.appeal.occurred_at_ms;
        case RDR_INPUT_STAFF_DECISIONS:
                return ev->u.staff.occurred_at_ms;
        default:
                return 0;
        }
}

rdr_err_t rdr_event_check_future(const rdr_event_t *ev, int64_t now_ms,
                                 int64_t max_ms, char *errstr,
                                 size_t errstr_size) {
        const char *field;
        int64_t t = rdr_event_time_ms(ev, &field), ahead = t - now_ms;
        char at[RDR_TIME_RFC3339_SIZE], now[RDR_TIME_RFC3339_SIZE];
        if (!max_ms || ahead <= max_ms)
                return RDR_OK;
        rdr_time_format_rfc3339(t, at, sizeof(at));
        rdr_time_format_rfc3339(now_ms, now, sizeof(now));
        return fail(errstr, errstr_size, RDR_ERR_INVALID,
                    "field '%s': %s is %lld %s ahead of the fleet's clock "
                    "(%s), more than consumer.future_max allows (%lld s): "
                    "is the source's clock right, and its times UTC?",
                    field, at,
                    (long long)(ahead >= 172800000LL ? ahead / 86400000
                                : ahead >= 7200000LL ? ahead / 3600000
                                                     : ahead / 60000),
                    ahead >= 172800000LL ? "days"
                    : ahead >= 7200000LL ? "hours"
                                         : "minutes",
                    now, (long long)(max_ms / 1000));
}

rdr_err_t rdr_event_decode(rdr_event_t *ev, rdr_input_kind_t kind,
                           const void *buf, size_t len,
                           const char *content_type, char *errstr,
                           size_t errstr_size) {
        const char *p = buf;
        const kind_t *k;
        const rdr_jv_t *root;
        rdr_jv_error_t je;
        src_t src;
        size_t i;
        int fmt = FMT_SNIFF, sniffed;
        rdr_err_t err;

        if ((unsigned)kind >= RDR_INPUT__CNT)
                return fail(errstr, errstr_size, RDR_ERR_INTERNAL,
                            "unknown input kind %d", (int)kind);
        k = &kinds[kind];
        arena_reset(&ev->arena);
        memset(&ev->u, 0, sizeof(ev->u));
        ev->kind = kind;

        if (!len || !buf)
                return fail(errstr, errstr_size, RDR_ERR_DECODE,
                            "message is empty");
        if (len > RDR_EVENT_MAX_BYTES)
                return fail(errstr, errstr_size, RDR_ERR_TOO_LARGE,
                            "message of %zu bytes exceeds the limit of %d "
                            "bytes",
                            len, RDR_EVENT_MAX_BYTES);
        err = pick_format(content_type, &fmt, errstr, errstr_size);
        if (err)
                return err;
        for (i = 0; i < len && is_ws(p[i]); i++)
                ;
        if (fmt != FMT_PROTOBUF && i == len)
                return fail(errstr, errstr_size, RDR_ERR_DECODE,
                            "message is empty (whitespace only)");
        sniffed = fmt == FMT_SNIFF;
        if (sniffed)
                fmt = p[i] == '{' ? FMT_JSON : FMT_PROTOBUF;
        if (fmt == FMT_JSON) {
                root = rdr_jv_parse(p, len, pb_alloc, &ev->arena, &je);
                if (!root && sniffed && je.code != RDR_JV_ENOMEM &&
                    pb_opening_like_json(ev, k, p, len) == RDR_OK)
                        return RDR_OK;
                if (!root)
                        return json_fail(p, len, &je, errstr, errstr_size);
                if (root->type != RDR_JV_OBJECT)
                        return fail(errstr, errstr_size, RDR_ERR_DECODE,
                                    "message is %s, not a JSON object",
                                    json_kind(root));
                src.json = root;
                src.pb = NULL;
        } else {
                err =
                    pb_read(ev, k, p, len, sniffed, &src, errstr, errstr_size);
                if (err)
                        return err;
        }
        err = decode_event(ev, k, &src, errstr, errstr_size);
        if (!err && ev->arena.oom)
                err = fail(errstr, errstr_size, RDR_ERR_NOMEM,
                           "message: out of memory");
        return err;
}

/*
 * Encoders and comparison, over the same tables.
 */

static int get_flag(const char *base, size_t off) {
        int v;

        if (off == NO_OFF)
                return 1;
        memcpy(&v, base + off, sizeof(v));
        return v;
}

/* The wire name of an enum or type field, NULL if absent (exception "") or
 * out of range (*bad set). */
static const char *enum_name(const field_t *f, const char *base, int *bad) {
        int idx =
            f->off == NO_OFF ? 0 : (int)get_int(base + f->off, sizeof(int));

        if (idx < 0 || idx >= f->names_cnt) {
                *bad = 1;
                return NULL;
        }
        return f->names[idx][0] ? f->names[idx] : NULL;
}

/* A string field's value and length, NULL when absent or empty (except a
 * required text, which is always there). */
static const char *str_value(const field_t *f, const char *base, size_t *len) {
        const char *s;

        if (f->type == FT_COUNTRY) {
                s = base + f->off;
                *len = strnlen(s, 2);
                return *len ? s : NULL;
        }
        s = get_str(base + f->off);
        if (!s)
                s = "";
        if (f->type == FT_TEXT && f->aux != NO_OFF)
                memcpy(len, base + f->aux, sizeof(*len));
        else
                *len = strlen(s);
        if (!*len && !(f->type == FT_TEXT && f->required))
                return NULL;
        return s;
}

static rdr_err_t enc_json_fields(const field_t *fields, size_t cnt,
                                 const char *base, json_t *obj) {
        const field_t *f;
        json_t *v, *sub;
        const char *s;
        char tbuf[RDR_TIME_RFC3339_SIZE];
        size_t i, len;
        int64_t ms;
        int bad = 0;
        rdr_err_t err;

        for (i = 0; i < cnt; i++) {
                f = &fields[i];
                v = NULL;
                switch (f->type) {
                case FT_TYPE:
                case FT_ENUM:
                        s = enum_name(f, base, &bad);
                        if (bad)
                                return RDR_ERR_INVALID;
                        if (s)
                                v = json_string(s);
                        break;
                case FT_INT:
                        if (!get_flag(base, f->aux))
                                break;
                        if (f->aux == NO_OFF &&
                            !get_int(base + f->off, f->width))
                                break;
                        v = json_integer(get_int(base + f->off, f->width));
                        break;
                case FT_TIME:
                        memcpy(&ms, base + f->off, sizeof(ms));
                        if (!ms)
                                break;
                        if (!rdr_time_format_rfc3339(ms, tbuf, sizeof(tbuf)))
                                return RDR_ERR_INVALID;
                        v = json_string(tbuf);
                        break;
                case FT_PROFILE:
                        if (!get_flag(base, f->aux))
                                break;
                        sub = json_object();
                        if (!sub)
                                return RDR_ERR_NOMEM;
                        err = enc_json_fields(f->sub, f->sub_cnt, base + f->off,
                                              sub);
                        if (err) {
                                json_decref(sub);
                                return err;
                        }
                        v = sub;
                        break;
                default:
                        s = str_value(f, base, &len);
                        if (!s)
                                break;
                        v = json_stringn(s, len);
                        if (!v) /* invalid UTF-8, or NUL inside */
                                return RDR_ERR_INVALID;
                        break;
                }
                if (v && json_object_set_new(obj, f->name, v))
                        return RDR_ERR_NOMEM;
        }
        return RDR_OK;
}

rdr_err_t rdr_event_encode_json(const rdr_event_t *ev, rdr_buf_t *out) {
        json_t *obj;
        size_t n;
        rdr_err_t err;

        if ((unsigned)ev->kind >= RDR_INPUT__CNT)
                return RDR_ERR_INVALID;
        obj = json_object();
        if (!obj)
                return RDR_ERR_NOMEM;
        err = enc_json_fields(kinds[ev->kind].fields, kinds[ev->kind].cnt,
                              event_base(ev), obj);
        if (!err) {
                n = json_dumpb(obj, NULL, 0, JSON_COMPACT);
                err = n ? rdr_buf_reserve(out, n) : RDR_ERR_NOMEM;
        }
        if (!err) {
                json_dumpb(obj, out->data + out->len, n, JSON_COMPACT);
                out->len += n;
                out->data[out->len] = '\0';
        }
        json_decref(obj);
        return err;
}

/* Storage for the sub-messages of one protobuf encode. */
typedef struct pb_scratch_s {
        Google__Protobuf__Timestamp ts[4];
        int n_ts;
        Redress__V1__BuyerProfile profile;
        int n_profile;
} pb_scratch_t;

static rdr_err_t enc_pb_fields(const field_t *fields, size_t cnt,
                               const char *base, ProtobufCMessage *msg,
                               pb_scratch_t *sc) {
        const ProtobufCFieldDescriptor *fd;
        const field_t *f;
        char *p;
        const char *s;
        size_t i, len;
        uint32_t qcase;
        int32_t i32;
        int64_t i64, ms;
        Google__Protobuf__Timestamp *ts;
        void *sub;
        int bad = 0;
        rdr_err_t err;

        for (i = 0; i < cnt; i++) {
                f = &fields[i];
                fd = protobuf_c_message_descriptor_get_field_by_name(
                    msg->descriptor, f->name);
                if (!fd)
                        return RDR_ERR_INTERNAL;
                p = (char *)msg + fd->offset;
                switch (f->type) {
                case FT_TYPE:
                case FT_ENUM:
                        s = enum_name(f, base, &bad);
                        if (bad)
                                return RDR_ERR_INVALID;
                        if (s)
                                put_str(p, s);
                        break;
                case FT_INT:
                        if (!get_flag(base, f->aux))
                                break;
                        i64 = get_int(base + f->off, f->width);
                        if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                                qcase = fd->id;
                                memcpy((char *)msg + fd->quantifier_offset,
                                       &qcase, sizeof(qcase));
                        }
                        if (fd->type == PROTOBUF_C_TYPE_INT32) {
                                i32 = (int32_t)i64;
                                memcpy(p, &i32, sizeof(i32));
                        } else {
                                memcpy(p, &i64, sizeof(i64));
                        }
                        break;
                case FT_TIME:
                        memcpy(&ms, base + f->off, sizeof(ms));
                        if (!ms)
                                break;
                        if (sc->n_ts >= 4)
                                return RDR_ERR_INTERNAL;
                        ts = &sc->ts[sc->n_ts++];
                        google__protobuf__timestamp__init(ts);
                        ts->seconds =
                            ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
                        ts->nanos =
                            (int32_t)(ms - ts->seconds * 1000) * 1000000;
                        memcpy(p, &ts, sizeof(ts));
                        break;
                case FT_PROFILE:
                        if (!get_flag(base, f->aux))
                                break;
                        if (sc->n_profile++)
                                return RDR_ERR_INTERNAL;
                        sub = &sc->profile;
                        protobuf_c_message_init(fd->descriptor, sub);
                        err = enc_pb_fields(f->sub, f->sub_cnt, base + f->off,
                                            sub, sc);
                        if (err)
                                return err;
                        memcpy(p, &sub, sizeof(sub));
                        break;
                default:
                        s = str_value(f, base, &len);
                        if (s && len)
                                put_str(p, s);
                        break;
                }
        }
        return RDR_OK;
}

rdr_err_t rdr_event_encode_protobuf(const rdr_event_t *ev, rdr_buf_t *out) {
        union {
                Redress__V1__ReviewEvent review;
                Redress__V1__ChatEvent chat;
                Redress__V1__ShipmentEvent shipment;
                Redress__V1__AppealResultEvent appeal;
                Redress__V1__StaffDecisionEvent staff;
        } m;
        pb_scratch_t sc;
        const kind_t *k;
        size_t n;
        rdr_err_t err;

        if ((unsigned)ev->kind >= RDR_INPUT__CNT)
                return RDR_ERR_INVALID;
        k = &kinds[ev->kind];
        memset(&sc, 0, sizeof(sc));
        protobuf_c_message_init(k->pb, &m);
        err = enc_pb_fields(k->fields, k->cnt, event_base(ev),
                            (ProtobufCMessage *)&m, &sc);
        if (err)
                return err;
        n = protobuf_c_message_get_packed_size((const ProtobufCMessage *)&m);
        err = rdr_buf_reserve(out, n);
        if (err)
                return err;
        protobuf_c_message_pack((const ProtobufCMessage *)&m,
                                (uint8_t *)out->data + out->len);
        out->len += n;
        out->data[out->len] = '\0';
        return RDR_OK;
}

static int fields_equal(const field_t *fields, size_t cnt, const char *a,
                        const char *b) {
        const field_t *f;
        const char *sa, *sb;
        size_t i, la = 0, lb = 0;
        int64_t ta, tb;

        for (i = 0; i < cnt; i++) {
                f = &fields[i];
                switch (f->type) {
                case FT_TYPE:
                case FT_ENUM:
                        if (f->off != NO_OFF &&
                            get_int(a + f->off, sizeof(int)) !=
                                get_int(b + f->off, sizeof(int)))
                                return 0;
                        break;
                case FT_INT:
                        if (get_flag(a, f->aux) != get_flag(b, f->aux))
                                return 0;
                        if (get_flag(a, f->aux) &&
                            get_int(a + f->off, f->width) !=
                                get_int(b + f->off, f->width))
                                return 0;
                        break;
                case FT_TIME:
                        memcpy(&ta, a + f->off, sizeof(ta));
                        memcpy(&tb, b + f->off, sizeof(tb));
                        if (ta != tb)
                                return 0;
                        break;
                case FT_PROFILE:
                        if (get_flag(a, f->aux) != get_flag(b, f->aux))
                                return 0;
                        if (get_flag(a, f->aux) &&
                            !fields_equal(f->sub, f->sub_cnt, a + f->off,
                                          b + f->off))
                                return 0;
                        break;
                default:
                        sa = str_value(f, a, &la);
                        sb = str_value(f, b, &lb);
                        if (!sa)
                                la = 0;
                        if (!sb)
                                lb = 0;
                        if (la != lb || (la && memcmp(sa, sb, la)))
                                return 0;
                        break;
                }
        }
        return 1;
}

int rdr_event_equal(const rdr_event_t *a, const rdr_event_t *b) {
        if (a->kind != b->kind || (unsigned)a->kind >= RDR_INPUT__CNT)
                return 0;
        return fields_equal(kinds[a->kind].fields, kinds[a->kind].cnt,
                            event_base(a), event_base(b));
}

/* A 64-bit hash, eight bytes at a step (read little-endian, so that every
 * host gives the same), multiplied and folded; the bytes left over one at
 * a time, as FNV-1a. Not for adversaries: it tells contents apart. */
#define FP_BASIS 14695981039346656037ull
#define FP_PRIME 1099511628211ull
#define FP_MUL 0x9e3779b97f4a7c15ull

static uint64_t fp_word(uint64_t h, uint64_t w) {
        h = (h ^ w) * FP_MUL;
        return h ^ (h >> 29);
}

static uint64_t fp_bytes(uint64_t h, const void *p, size_t n) {
        const unsigned char *b = p;
        size_t i;
        for (; n >= 8; b += 8, n -= 8)
                h = fp_word(h, (uint64_t)b[0] | (uint64_t)b[1] << 8 |
                                   (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24 |
                                   (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 |
                                   (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56);
        for (i = 0; i < n; i++) {
                h ^= b[i];
                h *= FP_PRIME;
        }
        return h;
}

static uint64_t fp_int(uint64_t h, long long v) {
        return fp_word(h, (uint64_t)v);
}

/* What fields_equal() compares, hashed in the same order: equal fields
 * hash alike. Each value follows its field's index, and a string its
 * length, so that no two field lists run together. */
static uint64_t fields_hash(uint64_t h, const field_t *fields, size_t cnt,
                            const char *base) {
        const field_t *f;
        const char *s;
        size_t i, len = 0;
        int64_t t;

        for (i = 0; i < cnt; i++) {
                f = &fields[i];
                h = fp_int(h, (long long)i);
                switch (f->type) {
                case FT_TYPE:
                case FT_ENUM:
                        if (f->off != NO_OFF)
                                h = fp_int(h,
                                           get_int(base + f->off, sizeof(int)));
                        break;
                case FT_INT:
                        h = fp_int(h, get_flag(base, f->aux));
                        if (get_flag(base, f->aux))
                                h = fp_int(h, get_int(base + f->off, f->width));
                        break;
                case FT_TIME:
                        memcpy(&t, base + f->off, sizeof(t));
                        h = fp_int(h, (long long)t);
                        break;
                case FT_PROFILE:
                        h = fp_int(h, get_flag(base, f->aux));
                        if (get_flag(base, f->aux))
                                h = fields_hash(h, f->sub, f->sub_cnt,
                                                base + f->off);
                        break;
                default:
                        s = str_value(f, base, &len);
                        if (!s)
                                len = 0;
                        h = fp_int(h, (long long)len);
                        h = fp_bytes(h, s, len);
                        break;
                }
        }
        return h;
}

uint64_t rdr_event_fingerprint(const rdr_event_t *ev) {
        if ((unsigned)ev->kind >= RDR_INPUT__CNT)
                return 0;
        return fields_hash(fp_int(FP_BASIS, ev->kind), kinds[ev->kind].fields,
                           kinds[ev->kind].cnt, event_base(ev));
}

void rdr_event_fingerprint_str(const rdr_event_t *ev,
                               char out[RDR_EVENT_FINGERPRINT_SIZE]) {
        static const char hex[] = "0123456789abcdef";
        uint64_t h = rdr_event_fingerprint(ev);
        int n = snprintf(out, RDR_EVENT_FINGERPRINT_SIZE,
                         "f%d:", RDR_EVENT_FINGERPRINT_VERSION),
            i;
        for (i = 0; i < 16 && n + i + 1 < RDR_EVENT_FINGERPRINT_SIZE; i++)
                out[n + i] = hex[(h >> (60 - 4 * i)) & 15];
        out[n + i] = '\0';
}

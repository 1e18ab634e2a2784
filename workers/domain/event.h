/* Input events of the contract (CONTRACT.md, "Input topics"): decoding from
 * JSON or protobuf into plain structs, validation, and encoding back. Every
 * worker hands the bytes of a consumed message to rdr_event_decode(); a
 * message it refuses goes to the dead-letter topic with the errstr sentence.
 * Both encodings go through one field table per kind, so a message
 * validates identically in JSON and in protobuf.
 *
 * Decoded strings live in an arena owned by the rdr_event_t and reused from
 * one decode to the next: once it has grown to the largest message seen, a
 * protobuf decode allocates nothing (a JSON decode still allocates inside
 * jansson's parser). An rdr_event_t is used by one thread at a time. */
#ifndef RDR_EVENT_H
#define RDR_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "clock.h"
#include "enums.h"
#include "err.h"

/* Limits of the contract. */
#define RDR_EVENT_MAX_BYTES (1024 * 1024) /* a whole message */
#define RDR_EVENT_MAX_TEXT 10000          /* text, in Unicode characters */
#define RDR_EVENT_MAX_EVENT_ID 128        /* event_id, in characters */
#define RDR_EVENT_MAX_ID 256              /* other ids: characters, and bytes */

typedef enum rdr_input_kind_e {
        RDR_INPUT_REVIEWS,
        RDR_INPUT_CHATS,
        RDR_INPUT_SHIPMENTS,
        RDR_INPUT_APPEAL_RESULTS,
        RDR_INPUT_STAFF_DECISIONS,
        RDR_INPUT__CNT
} rdr_input_kind_t;

/* Names of the kinds as used on command lines: "reviews", "chats",
 * "shipments", "appeal-results", "staff-decisions". */
extern const char *const rdr_input_kind_names[RDR_INPUT__CNT];
/* Default topic of each kind: "redress.reviews", ... */
extern const char *const rdr_input_kind_topics[RDR_INPUT__CNT];

/** The kind an event type belongs to by its prefix ("review.created" ->
 *  RDR_INPUT_REVIEWS, "chat." chats, "shipment." shipments, "appeal."
 *  appeal results, "staff." staff decisions), or RDR_INPUT__CNT if none. type
 * need not be a valid type of the kind: the decoder checks that. */
rdr_input_kind_t rdr_input_kind_of_type(const char *type, size_t len);

/* The buyer's profile attached to a review; every field optional. */
typedef struct rdr_profile_s {
        int has_account_level;
        long long account_level; /* the platform's own scale */
        int has_account_age_days;
        long long account_age_days; /* 0..100000 */
        int has_reviews_total;
        long long reviews_total; /* 0..1000000000 */
        int has_negative_reviews_total;
        long long negative_reviews_total; /* 0..1000000000 */
        char country[3];                  /* ISO 3166 alpha-2; "" if absent */
        const char *timezone;             /* IANA name; NULL if absent */
} rdr_profile_t;

/* In every event struct below, strings point into the event's arena
 * (NUL-terminated, valid UTF-8, no NUL inside) and times are milliseconds
 * since the Unix epoch. */

typedef struct rdr_review_s {
        rdr_review_type_t type;
        const char *event_id, *platform, *store_id, *review_id, *order_id,
            *buyer_id, *product_id;
        int rating;           /* 1..5; 0 if absent (review.removed) */
        const char *text;     /* "" if absent */
        size_t text_len;      /* bytes; 0 if absent */
        const char *language; /* BCP 47; NULL if absent */
        int64_t created_at_ms;
        int has_buyer;
        rdr_profile_t buyer;
        /* rdr_review_kind_t: product_review (absent) or seller_feedback
         * (a rating of the seller: Amazon's and eBay's own rules). An
         * optional field of Redress beyond CONTRACT.md v1. */
        int review_kind;
} rdr_review_t;

typedef struct rdr_chat_s {
        const char *event_id, *platform, *store_id, *buyer_id;
        const char *order_id; /* NULL if absent */
        rdr_direction_t direction;
        rdr_channel_t channel; /* im, email, site_letter, sms or phone_note */
        const char *text;      /* may be "" */
        size_t text_len;
        int64_t sent_at_ms;
} rdr_chat_t;

typedef struct rdr_shipment_s {
        rdr_shipment_type_t type;
        const char *event_id, *platform, *store_id, *order_id, *buyer_id,
            *carrier, *tracking_number;
        const char *service_level;   /* NULL if absent */
        char origin_country[3];      /* "" if absent (only created requires) */
        char destination_country[3]; /* "" if absent */
        int64_t promised_by_ms;      /* 0 if absent */
        rdr_exception_t exception;   /* RDR_EXC_NONE if absent */
        const char *location;        /* NULL if absent */
        int64_t occurred_at_ms;
} rdr_shipment_t;

typedef struct rdr_appeal_result_s {
        const char *event_id, *platform, *store_id, *case_id, *action_id;
        rdr_outcome_t outcome;
        const char *reason; /* NULL if absent */
        int64_t occurred_at_ms;
} rdr_appeal_result_t;

/* redress.staff-decisions (an addition to CONTRACT.md's inputs): a
 * person's answer to a staff.review the fleet published, which action_id
 * names. */
typedef struct rdr_staff_decision_s {
        rdr_staff_type_t type;
        const char *event_id, *platform, *store_id, *case_id, *action_id;
        const char *agent_id;      /* NULL if absent */
        rdr_decision_t decision;   /* staff.offer_decision; else NONE */
        const char *evidence_kind; /* staff.evidence: a name of
                                    * rdr_evidence_kind_names (policy.h) */
        const char *evidence_ref;  /* NULL if absent */
        const char *evidence_text; /* staff.evidence; NULL otherwise */
        const char *ground;        /* staff.appeal: a name of
                                    * rdr_ground_names (policy.h) */
        int64_t occurred_at_ms;
} rdr_staff_decision_t;

/* Private: the arena behind an event's strings. */
typedef struct rdr_arena_s {
        char *base; /* the main block */
        size_t used, size;
        struct rdr_arena_chunk_s *extra; /* overflow blocks of this decode */
        size_t extra_size; /* their total size: the main block grows by it */
        int oom;           /* an allocation failed in this decode */
} rdr_arena_t;

typedef struct rdr_event_s {
        rdr_input_kind_t kind;
        union {
                rdr_review_t review;
                rdr_chat_t chat;
                rdr_shipment_t shipment;
                rdr_appeal_result_t appeal;
                rdr_staff_decision_t staff;
        } u;
        rdr_arena_t arena; /* private */
} rdr_event_t;

/** Zero ev; allocates nothing. */
void rdr_event_init(rdr_event_t *ev);
/** Free ev's arena and zero ev. Accepts a zeroed event. */
void rdr_event_free(rdr_event_t *ev);

/** Decode and validate buf (len bytes) as an event of the given kind.
 *  content_type: the Kafka header value ("application/json" or
 *  "application/x-protobuf", parameters after ';' ignored) or NULL to sniff:
 *  a JSON object starts with '{' after optional whitespace, anything else is
 *  protobuf. Unknown JSON fields are ignored. On RDR_OK, ev->kind and ev->u
 *  hold the event; its strings are valid until the next decode or free.
 *  Returns RDR_OK; RDR_ERR_DECODE (empty, not JSON / protobuf, not an
 *  object, unknown content type); RDR_ERR_INVALID (a required field missing,
 *  wrong type, bad enum, out of range, invalid UTF-8, bad time);
 *  RDR_ERR_TOO_LARGE (message over RDR_EVENT_MAX_BYTES, a text over
 *  RDR_EVENT_MAX_TEXT characters); RDR_ERR_NOMEM. On error errstr holds one
 *  sentence naming the field, e.g. "field 'rating': must be an integer
 *  1..5, got 7", and ev->u is unspecified. */
rdr_err_t rdr_event_decode(rdr_event_t *ev, rdr_input_kind_t kind,
                           const void *buf, size_t len,
                           const char *content_type, char *errstr,
                           size_t errstr_size);

/** The time ev says it happened (a review's created_at, a chat's sent_at,
 *  else occurred_at), and that field's name in *field. */
int64_t rdr_event_time_ms(const rdr_event_t *ev, const char **field);
/** RDR_OK, or RDR_ERR_INVALID with one sentence in errstr if ev's own time
 *  is more than max_ms ahead of now_ms (max_ms 0: no limit). A time ahead
 *  of the fleet's clock would sort before it every event that really
 *  comes after it (a parcel's later scans would be "older"). */
rdr_err_t rdr_event_check_future(const rdr_event_t *ev, int64_t now_ms,
                                 int64_t max_ms, char *errstr,
                                 size_t errstr_size);

/** Append ev as one compact JSON object (no newline) to out, fields in
 *  contract order, absent optional fields omitted. ev need not come from
 *  a decode, but its strings must be valid UTF-8 (else RDR_ERR_INVALID).
 *  Returns RDR_OK, RDR_ERR_INVALID or RDR_ERR_NOMEM. */
rdr_err_t rdr_event_encode_json(const rdr_event_t *ev, rdr_buf_t *out);
/** Append ev as a protobuf message of redress.v1 (ReviewEvent, ChatEvent,
 *  ShipmentEvent or AppealResultEvent) to out. Returns RDR_OK,
 *  RDR_ERR_INVALID (a kind or enum out of range) or RDR_ERR_NOMEM. */
rdr_err_t rdr_event_encode_protobuf(const rdr_event_t *ev, rdr_buf_t *out);

/** 1 if a and b hold the same event (same kind and field values; an absent
 *  optional string equals ""), else 0. For tests and tools. */
int rdr_event_equal(const rdr_event_t *a, const rdr_event_t *b);

/** A 64-bit hash of ev's content: events equal by rdr_event_equal() have
 *  the same one, whatever their encoding (JSON or protobuf, the order of
 *  the keys), and events that differ almost surely do not. The workers
 *  keep it under an event's dedupe key, so that an event_id used again
 *  for other content is told from a replay. 0 for a kind out of range. */
uint64_t rdr_event_fingerprint(const rdr_event_t *ev);

/* The version of rdr_event_fingerprint(): what a fingerprint covers. A
 * change of the field tables (a field added to the decoding, say) changes
 * the fingerprints of events that carry it, so that a replay of an event
 * an earlier build applied would read as other content: such a change
 * takes a new version (fingerprints of another version are never
 * compared), which test_event's pinned fingerprints call for. */
#define RDR_EVENT_FINGERPRINT_VERSION 1

/* "f1:" (the version) and the fingerprint in 16 hex digits,
 * NUL-terminated. */
#define RDR_EVENT_FINGERPRINT_SIZE 24
void rdr_event_fingerprint_str(const rdr_event_t *ev,
                               char out[RDR_EVENT_FINGERPRINT_SIZE]);

/** Parse an RFC 3339 time ("2026-11-23T07:00:00Z",
 *  "2026-11-23T08:00:00.250+01:00"; 'T' and 'Z' in either case; fractional
 *  seconds of any length, truncated to milliseconds; second 60 allowed;
 *  years 0000..9999) of len bytes. Returns milliseconds since the epoch and
 *  sets *ok to 1, or returns 0 and sets *ok to 0. */
int64_t rdr_time_parse_rfc3339(const char *s, size_t len, int *ok);

/** Number of code points in str[0..len) if it is valid UTF-8 (RFC 3629:
 *  shortest form, no surrogates, at most U+10FFFF; NUL counts as a
 *  character); else (size_t)-1 with the offset of the first bad sequence
 *  in *bad (if bad is not NULL). */
size_t rdr_utf8_count(const char *str, size_t len, size_t *bad);

/* rdr_time_format_rfc3339(): clock.h. */

#endif

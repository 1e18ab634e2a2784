/* The two output messages of the fleet (CONTRACT.md, "Output topics"):
 * redress.cases (rdr_case_msg_t) and redress.actions (rdr_action_msg_t).
 * Workers fill a struct with pointers to their own strings and encode it
 * to JSON or protobuf; tests and tools decode published messages back into
 * the same structs. Field names and enum wire names are the contract's.
 *
 * Ownership: a struct filled by a caller owns nothing (the encoders only
 * read it). A struct filled by a _from_json or _from_protobuf decoder owns
 * its strings and arrays until its _clear function. */
#ifndef RDR_OUTMSG_H
#define RDR_OUTMSG_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "enums.h"
#include "err.h"

typedef enum rdr_case_type_e {
        RDR_CASE_CLASSIFIED,    /* every review event: the classification */
        RDR_CASE_OPENED,        /* a case was opened for the review */
        RDR_CASE_STATE_CHANGED, /* a later transition */
        RDR_CASE_CLOSED,        /* the case reached a final state */
        RDR_CASE_TYPE__CNT
} rdr_case_type_t;

/* "case.classified", "case.opened", "case.state_changed", "case.closed". */
extern const char *const rdr_case_type_names[RDR_CASE_TYPE__CNT];

/* redress.cases: what the fleet concluded, one message per decision.
 * Strings are UTF-8; NULL (or "") means absent and is omitted on output. */
typedef struct rdr_case_msg_s {
        const char *event_id; /* required; deterministic from the input */
        rdr_case_type_t type;
        const char *case_id;                         /* required */
        const char *platform, *store_id, *review_id; /* required */
        const char *order_id, *buyer_id, *product_id;
        int rating;           /* 1..5; 0 = absent */
        const char *language; /* as given or as detected */
        rdr_sentiment_t sentiment;
        rdr_reason_t reason; /* the main cause; RDR_REASON_NONE if none */
        rdr_reason_t reasons[RDR_REASON__CNT]; /* every cause, main first */
        size_t reasons_cnt;
        rdr_malicious_t malicious;
        double confidence;      /* 0..1 */
        const char *state;      /* required: the case's state after this */
        int64_t occurred_at_ms; /* required: the fleet's clock */
        void *priv_;            /* private: what a decoder allocated */
} rdr_case_msg_t;

/* Money: an integer count of the currency's minor unit. */
typedef struct rdr_money_s {
        long long amount_minor; /* >= 0, e.g. 300 for 3.00 USD */
        char currency[4];       /* ISO 4217, e.g. "USD" */
} rdr_money_t;

/* One piece of evidence of an appeal. */
typedef struct rdr_evidence_s {
        const char *kind; /* required: e.g. "chat", "review", "shipment" */
        const char *ref;  /* what it refers to: an event or message id */
        const char *text; /* the quoted words or the stated fact */
        int64_t at_ms;    /* when it happened; 0 = absent */
} rdr_evidence_t;

/* redress.actions: what the fleet asks the integrator's senders to do. */
typedef struct rdr_action_msg_s {
        const char *action_id; /* required; case/shipment id + step + attempt */
        rdr_action_kind_t kind;
        const char *case_id; /* exactly one of case_id and shipment_id */
        const char *shipment_id;
        const char *platform, *store_id; /* required */
        const char *buyer_id, *order_id;
        const char *review_id;   /* for review-related actions */
        rdr_channel_t channel;   /* any but RDR_CHAN_PHONE_NOTE (input only) */
        const char *language;    /* the buyer's language */
        const char *template_id; /* the template that produced message */
        const char *message;     /* the rendered text, in language */
        int has_offer;
        rdr_money_t offer;
        const rdr_evidence_t *evidence; /* evidence_cnt items; for appeals */
        size_t evidence_cnt;
        int64_t due_at_ms;      /* required */
        int64_t deadline_at_ms; /* 0 = absent */
        int64_t created_at_ms;  /* required: the fleet's clock */
        void *priv_;            /* private: what a decoder allocated */
} rdr_action_msg_t;

/** Check cm against the contract: required fields present, enums and
 *  numbers in range, strings valid UTF-8. Returns RDR_OK or RDR_ERR_INVALID
 *  with a sentence naming the field in errstr. */
rdr_err_t rdr_case_msg_validate(const rdr_case_msg_t *cm, char *errstr,
                                size_t errstr_size);
rdr_err_t rdr_action_msg_validate(const rdr_action_msg_t *am, char *errstr,
                                  size_t errstr_size);

/** Append cm (am) to out as one compact JSON object, contract field order,
 *  absent optional fields omitted; or as a protobuf redress.v1.CaseMessage
 *  (ActionMessage). A message that fails validation is not encoded.
 *  Returns RDR_OK, RDR_ERR_INVALID or RDR_ERR_NOMEM. */
rdr_err_t rdr_case_msg_encode_json(const rdr_case_msg_t *cm, rdr_buf_t *out);
rdr_err_t rdr_case_msg_encode_protobuf(const rdr_case_msg_t *cm,
                                       rdr_buf_t *out);
rdr_err_t rdr_action_msg_encode_json(const rdr_action_msg_t *am,
                                     rdr_buf_t *out);
rdr_err_t rdr_action_msg_encode_protobuf(const rdr_action_msg_t *am,
                                         rdr_buf_t *out);

/** Decode a published message into cm (am), which the decoder zeroes
 *  first: on RDR_OK it owns what it points to until rdr_case_msg_clear()
 *  (rdr_action_msg_clear()); on error it holds nothing. Unknown fields are
 *  ignored. Returns RDR_OK, RDR_ERR_DECODE, RDR_ERR_INVALID (errstr names
 *  the field) or RDR_ERR_NOMEM. */
rdr_err_t rdr_case_msg_from_json(rdr_case_msg_t *cm, const void *buf,
                                 size_t len, char *errstr, size_t errstr_size);
rdr_err_t rdr_case_msg_from_protobuf(rdr_case_msg_t *cm, const void *buf,
                                     size_t len, char *errstr,
                                     size_t errstr_size);
rdr_err_t rdr_action_msg_from_json(rdr_action_msg_t *am, const void *buf,
                                   size_t len, char *errstr,
                                   size_t errstr_size);
rdr_err_t rdr_action_msg_from_protobuf(rdr_action_msg_t *am, const void *buf,
                                       size_t len, char *errstr,
                                       size_t errstr_size);

/** Free what a decoder allocated and zero the struct. Accepts a zeroed or
 *  caller-filled struct (which owns nothing). */
void rdr_case_msg_clear(rdr_case_msg_t *cm);
void rdr_action_msg_clear(rdr_action_msg_t *am);

#endif

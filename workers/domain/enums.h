/* The enums of the public event contract (CONTRACT.md), each with its wire
 * names. Wire names are fixed: integrators code against them. Every table is
 * indexed by the enum value; *_parse() maps a wire name back, returning -1
 * for an unknown name. */
#ifndef RDR_ENUMS_H
#define RDR_ENUMS_H

#include <stddef.h>

typedef enum rdr_sentiment_e {
        RDR_SENT_NEGATIVE,
        RDR_SENT_NEUTRAL,
        RDR_SENT_POSITIVE,
        RDR_SENT__CNT
} rdr_sentiment_t;

typedef enum rdr_reason_e {
        RDR_REASON_PRODUCT_QUALITY,
        RDR_REASON_NOT_AS_DESCRIBED,
        RDR_REASON_SIZE_FIT,
        RDR_REASON_WRONG_ITEM,
        RDR_REASON_LOGISTICS,
        RDR_REASON_PACKAGING_DAMAGE,
        RDR_REASON_CUSTOMER_SERVICE,
        RDR_REASON_STOCK_OUT,
        RDR_REASON_AFTER_SALES,
        RDR_REASON_OTHER,
        RDR_REASON_NONE,
        RDR_REASON__CNT
} rdr_reason_t;

typedef enum rdr_malicious_e {
        RDR_MAL_NONE,
        RDR_MAL_EXTORTION,
        RDR_MAL_PROFESSIONAL,
        RDR_MAL_COMPETITOR,
        RDR_MAL_ABUSIVE,
        RDR_MAL__CNT
} rdr_malicious_t;

/* Intent of a buyer's chat message. */
typedef enum rdr_intent_e {
        RDR_INTENT_AGREE,
        RDR_INTENT_REFUSE,
        RDR_INTENT_EXTORTION,
        RDR_INTENT_QUESTION,
        RDR_INTENT_THANKS,
        RDR_INTENT__CNT
} rdr_intent_t;

typedef enum rdr_review_type_e {
        RDR_REVIEW_CREATED,
        RDR_REVIEW_UPDATED,
        RDR_REVIEW_REMOVED,
        RDR_REVIEW_TYPE__CNT
} rdr_review_type_t;

typedef enum rdr_direction_e {
        RDR_DIR_BUYER,
        RDR_DIR_STORE,
        RDR_DIR__CNT
} rdr_direction_t;

typedef enum rdr_channel_e {
        RDR_CHAN_IM,
        RDR_CHAN_EMAIL,
        RDR_CHAN_SITE_LETTER,
        RDR_CHAN_SMS,
        RDR_CHAN_PHONE_NOTE,      /* input only: an agent's note of a call */
        RDR_CHAN_PHONE_TASK,      /* output only */
        RDR_CHAN_PUBLIC_REPLY,    /* output only */
        RDR_CHAN_PLATFORM_APPEAL, /* output only */
        RDR_CHAN_STAFF,           /* output only */
        RDR_CHAN__CNT
} rdr_channel_t;

typedef enum rdr_shipment_type_e {
        RDR_SHIP_CREATED,
        RDR_SHIP_SCAN,
        RDR_SHIP_EXCEPTION,
        RDR_SHIP_DELIVERED,
        RDR_SHIP_TYPE__CNT
} rdr_shipment_type_t;

typedef enum rdr_exception_e {
        RDR_EXC_NONE, /* not an exception event */
        RDR_EXC_LOST,
        RDR_EXC_DAMAGED,
        RDR_EXC_RETURNED,
        RDR_EXC_CUSTOMS,
        RDR_EXC_ADDRESS,
        RDR_EXC_OTHER,
        RDR_EXC__CNT
} rdr_exception_t;

typedef enum rdr_outcome_e {
        RDR_OUTCOME_ACCEPTED,
        RDR_OUTCOME_REJECTED,
        RDR_OUTCOME__CNT
} rdr_outcome_t;

/* redress.staff-decisions: what a person decided on a staff.review. */
typedef enum rdr_staff_type_e {
        RDR_STAFF_OFFER_DECISION, /* an offer over the agent's limit */
        RDR_STAFF_RESUME,         /* hand the case back to the cadence */
        RDR_STAFF_EVIDENCE,       /* evidence for the case's appeal */
        RDR_STAFF_APPEAL,         /* appeal the review on a named ground */
        RDR_STAFF_TYPE__CNT
} rdr_staff_type_t;

typedef enum rdr_decision_e {
        RDR_DECISION_NONE, /* not an offer decision */
        RDR_DECISION_APPROVED,
        RDR_DECISION_REFUSED,
        RDR_DECISION__CNT
} rdr_decision_t;

typedef enum rdr_action_kind_e {
        RDR_ACT_REPLY_PUBLIC,
        RDR_ACT_FIRST_CONTACT,
        RDR_ACT_FOLLOW_UP,
        RDR_ACT_INCENTIVE,
        RDR_ACT_NUDGE,
        RDR_ACT_MODIFICATION_GUIDE,
        RDR_ACT_NOTICE_SHIPPED,
        RDR_ACT_NOTICE_DELAY,
        RDR_ACT_NOTICE_EXCEPTION,
        RDR_ACT_APPEAL_FILE,
        RDR_ACT_STAFF_REVIEW,
        RDR_ACT__CNT
} rdr_action_kind_t;

extern const char *const rdr_sentiment_names[RDR_SENT__CNT];
extern const char *const rdr_reason_names[RDR_REASON__CNT];
extern const char *const rdr_malicious_names[RDR_MAL__CNT];
extern const char *const rdr_intent_names[RDR_INTENT__CNT];
extern const char *const rdr_review_type_names[RDR_REVIEW_TYPE__CNT];
extern const char *const rdr_direction_names[RDR_DIR__CNT];
extern const char *const rdr_channel_names[RDR_CHAN__CNT];
extern const char *const rdr_shipment_type_names[RDR_SHIP_TYPE__CNT];
extern const char *const rdr_exception_names[RDR_EXC__CNT];
extern const char *const rdr_outcome_names[RDR_OUTCOME__CNT];
/* "staff.offer_decision", "staff.resume", "staff.evidence", "staff.appeal" */
extern const char *const rdr_staff_type_names[RDR_STAFF_TYPE__CNT];
extern const char *const rdr_decision_names[RDR_DECISION__CNT];
extern const char *const rdr_action_kind_names[RDR_ACT__CNT];

/** 1 if tag names a language: not NULL, not "" and not "und" (BCP 47's
 *  undetermined, what the classifier reports for a text with no letters). */
int rdr_lang_known(const char *tag);

/** Index of name (len bytes, not necessarily NUL-terminated) in table of cnt
 *  names, or -1. */
int rdr_enum_parse(const char *const *table, int cnt, const char *name,
                   size_t len);

#endif

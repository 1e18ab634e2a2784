/* Platform policies: what a store may do about reviews on each marketplace
 * (BEHAVIOR.md section 6), loaded from configs/platforms/<platform>.yaml and
 * checked before every action the fleet publishes. A policy is a set of named
 * rules ("amazon.no_incentive"); a step a rule forbids is not published, and
 * the rule's name is what the case records and the metric counts. Loaded
 * once at start-up, then read-only: share it between threads freely. */
#ifndef RDR_POLICY_H
#define RDR_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "enums.h"
#include "err.h"
#include "localtime.h"

/* Longest rule name, NUL included. */
#define RDR_RULE_MAX 64
/* Longest platform name, NUL included. */
#define RDR_PLATFORM_MAX 32

/* A product review, or seller feedback (Amazon and eBay rate the seller
 * apart from the product, under different rules). */
typedef enum rdr_review_kind_e {
        RDR_REVIEW_KIND_PRODUCT,
        RDR_REVIEW_KIND_SELLER_FEEDBACK,
        RDR_REVIEW_KIND__CNT
} rdr_review_kind_t;
extern const char *const rdr_review_kind_names[RDR_REVIEW_KIND__CNT];

/* Kinds of evidence an appeal can carry (the `kind` of an evidence object
 * on redress.actions). */
typedef enum rdr_evidence_kind_e {
        RDR_EVIDENCE_REVIEW,        /* the review itself */
        RDR_EVIDENCE_CHAT,          /* a chat message (e.g. the money demand) */
        RDR_EVIDENCE_BUYER_PROFILE, /* the buyer's profile or fleet tags */
        RDR_EVIDENCE_SHIPMENT,      /* the order's shipment record */
        RDR_EVIDENCE_ORDER,         /* the order itself */
        RDR_EVIDENCE_OTHER,         /* anything an agent adds */
        RDR_EVIDENCE__CNT
} rdr_evidence_kind_t;
extern const char *const rdr_evidence_kind_names[RDR_EVIDENCE__CNT];
#define RDR_EVIDENCE_BIT(k) (1u << (k))
/* What a ground may need besides kinds (`demand` in a platform's file):
 * the buyer's demand, in a chat message or in the review's own text. */
#define RDR_EVIDENCE_NEED_DEMAND RDR_EVIDENCE__CNT

/* Grounds on which an appeal (removal or strike-through request) is filed.
 * The first ones match rdr_malicious_t. */
typedef enum rdr_ground_e {
        RDR_GROUND_NONE,
        RDR_GROUND_EXTORTION,
        RDR_GROUND_PROFESSIONAL,
        RDR_GROUND_COMPETITOR,
        RDR_GROUND_ABUSIVE,       /* insults, obscenity, personal data */
        RDR_GROUND_CARRIER_DELAY, /* a delay the carrier caused */
        RDR_GROUND_UNRELATED,     /* not about the order */
        RDR_GROUND_PRODUCT_REVIEW_IN_FEEDBACK,
        RDR_GROUND__CNT
} rdr_ground_t;
extern const char *const rdr_ground_names[RDR_GROUND__CNT];
/** The appeal ground of a malicious label (RDR_GROUND_NONE for none). */
rdr_ground_t rdr_ground_of_malicious(rdr_malicious_t mal);

/* What a platform does when an appeal is accepted. */
typedef enum rdr_remedy_e {
        RDR_REMEDY_REMOVE_REVIEW,
        RDR_REMEDY_REMOVE_TEXT,    /* the text goes, the rating stays */
        RDR_REMEDY_STRIKE_THROUGH, /* shown struck, not counted */
        RDR_REMEDY_REPORT,         /* flagged for the platform's guidelines */
        RDR_REMEDY__CNT
} rdr_remedy_t;
extern const char *const rdr_remedy_names[RDR_REMEDY__CNT];

typedef struct rdr_policy_s rdr_policy_t;
typedef struct rdr_policy_set_s rdr_policy_set_t;

/** Load one platform file. Returns the policy (free with
 *  rdr_policy_destroy()) or NULL with "file:line: key 'k': reason" in
 *  errstr. Every rule must have a name starting with "<platform>."; source
 *  and as_of are required. */
rdr_policy_t *rdr_policy_load_file(const char *path, char *errstr,
                                   size_t errstr_size);
void rdr_policy_destroy(rdr_policy_t *pol);

/** Load every *.yaml in dir (configs/platforms). Returns the set (free with
 *  rdr_policy_set_destroy(), which frees its policies) or NULL with the first
 *  error in errstr. Two files naming the same platform are an error. */
rdr_policy_set_t *rdr_policy_set_load_dir(const char *dir, char *errstr,
                                          size_t errstr_size);
void rdr_policy_set_destroy(rdr_policy_set_t *set);
/** The policy of platform (owned by set), or NULL if none. */
const rdr_policy_t *rdr_policy_set_get(const rdr_policy_set_t *set,
                                       const char *platform);
size_t rdr_policy_set_count(const rdr_policy_set_t *set);
/** The i-th policy (0..count-1), owned by set. */
const rdr_policy_t *rdr_policy_set_at(const rdr_policy_set_t *set, size_t i);

/** Write the rules a platform file holds as Markdown to fp (a FILE *). */
void rdr_policy_doc(void *fp);

/** Accessors; strings are owned by the policy. */
const char *rdr_policy_platform(const rdr_policy_t *pol);
const char *rdr_policy_source(const rdr_policy_t *pol);
const char *rdr_policy_as_of(const rdr_policy_t *pol);
/** 1 if the platform limits the review-related messages or the requests
 *  to modify of an order (a count, not unlimited) for review kind. */
int rdr_policy_limits_per_order(const rdr_policy_t *pol,
                                rdr_review_kind_t kind);
/** 1 and *quiet set if the platform has quiet hours (buyer's local time). */
int rdr_policy_quiet_hours(const rdr_policy_t *pol, rdr_window_t *quiet);
/** The appeal window after the review, in ms; 0 if the platform has none. */
int64_t rdr_policy_appeal_window_ms(const rdr_policy_t *pol);
/** 1 if the platform hears appeals on ground; then *evidence holds the
 *  RDR_EVIDENCE_BIT()s it needs and *remedy what it does. */
int rdr_policy_ground(const rdr_policy_t *pol, rdr_ground_t ground,
                      unsigned *evidence, rdr_remedy_t *remedy);

/* One step the fleet is about to publish. */
typedef struct rdr_policy_step_s {
        rdr_action_kind_t kind;
        int has_offer; /* an incentive (refund, discount, gift) rides on it */
        rdr_ground_t ground; /* appeal.file: the ground it is filed on */
} rdr_policy_step_t;

/* What the checker knows of the case. Zero it, then fill what applies. */
typedef struct rdr_policy_ctx_s {
        rdr_review_kind_t review_kind;
        int64_t review_at_ms;     /* when the review was posted */
        int64_t at_ms;            /* when the step would be carried out */
        const char *zone;         /* buyer's zone for quiet hours; NULL: skip */
        int review_messages_sent; /* review-related outreach already sent */
        int modify_requests_sent; /* of which asked to change the review */
        int problem_solved;       /* the buyer's problem is solved */
        unsigned evidence;        /* RDR_EVIDENCE_BIT()s at hand (appeals) */
        int reply_channel;        /* rdr_channel_t the buyer wrote on, or -1 */
} rdr_policy_ctx_t;

typedef struct rdr_policy_verdict_s {
        int allowed;
        const char *rule;      /* blocked: the rule's name (owned by pol) */
        rdr_channel_t channel; /* allowed: the channel to use */
        int64_t deadline_ms;   /* appeal.file: the window's end, 0 if none */
        unsigned missing_evidence; /* appeal.file: evidence still needed */
} rdr_policy_verdict_t;

/** Check step against pol. Which rules apply depends on the kind:
 *  - staff.review: always allowed (channel staff);
 *  - reply.public: the platform allows public replies;
 *  - appeal.file: the ground is heard, the window is open, and the evidence
 *    is complete (missing_evidence says what lacks: not a violation, a
 *    reason to wait);
 *  - outreach.* and notice.*: a channel exists for the kind (the buyer's
 *    reply_channel if allowed, else the first of the preference order) and
 *    at_ms is outside quiet hours; for outreach.* also the incentive rule
 *    (has_offer), the ask-to-modify rules (incentive, nudge and
 *    modification_guide ask the buyer to reconsider the review: allowed
 *    never, always or after the problem is solved, within a window after
 *    the review, a maximum number of times), and the per-order cap of
 *    review-related messages.
 *  Returns RDR_OK (allowed), RDR_ERR_BLOCKED (verdict->rule names the rule)
 *  or RDR_ERR_INVALID (bad kind). */
rdr_err_t rdr_policy_check(const rdr_policy_t *pol,
                           const rdr_policy_step_t *step,
                           const rdr_policy_ctx_t *ctx,
                           rdr_policy_verdict_t *verdict);

/** 1 if kind is review-related outreach (counts against the message cap). */
int rdr_policy_kind_is_review_message(rdr_action_kind_t kind);
/** 1 if kind asks the buyer to reconsider the review. */
int rdr_policy_kind_asks_modify(rdr_action_kind_t kind);

#endif

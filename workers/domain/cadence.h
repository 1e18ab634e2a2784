/* The case state machine of the after-sales playbook (BEHAVIOR.md sections
 * 2, 3 and 7) as pure functions: rdr_cadence_apply() takes the settings,
 * a snapshot of the case, one input and the fleet's clock, and returns the
 * next case, the actions to publish, the timers to arm and the steps a
 * platform rule blocked. It reads no clock, touches no server and keeps no
 * state: the same arguments give byte-identical results, so a replayed
 * input yields the same action_ids ("<case_id>:<step>:<attempt>").
 *
 * How a worker drives it (the contract with the Redis and Kafka code):
 *   1. Read the case hash redress:{c:ID} (keys.h) and rebuild the struct
 *      with rdr_case_from_hash() (either storage format); an absent hash
 *      is a zeroed case (version 0).
 *   2. rdr_cadence_apply(conf, &cur, &input, now_ms, &next, out).
 *   3. If out->status is RDR_CADENCE_APPLIED: in one Lua script, check that
 *      the stored version is still cur.version (else re-read and retry from
 *      1), HSET version and the document of rdr_case_to_doc(&next) (or,
 *      in the hash format, every pair of rdr_case_to_fields(&next): the
 *      set of fields only grows, so no HDEL is needed), put the actions in
 *      the outbox and
 *      the timers in the timer set. Then publish the actions
 *      (rdr_cadence_action_msg() fills an rdr_action_msg_t), a
 *      redress.cases message if out->case_event says so, count
 *      out->blocked in a metric, and tag the buyer if out->tag_buyer.
 *      Any other status: nothing to write or publish.
 *   4. When a timer is due, feed it back as an RDR_CIN_TIMER input with
 *      the step, attempt and gen it was armed with (rdr_cadence_timer_parse()
 *      reads them back from timer_id). A timer the case has moved past
 *      (another step, attempt or generation) is answered with
 *      RDR_CADENCE_STALE and nothing else, so timers never need deleting.
 *
 * Times are milliseconds since the Unix epoch. Nothing here allocates; the
 * structs are large (rdr_cadence_out_t holds rendered messages), so keep
 * one per worker thread rather than on a small stack. */
#ifndef RDR_CADENCE_H
#define RDR_CADENCE_H

#include <stddef.h>
#include <stdint.h>
#include "enums.h"
#include "err.h"
#include "localtime.h"
#include "outmsg.h"
#include "playbook.h"
#include "policy.h"
#include "template.h"

/* Sizes of the case's strings, NUL included. Longer inputs are refused
 * with RDR_ERR_TOO_LARGE. */
#define RDR_CASE_ID_MAX 64   /* case_id (keys.h makes 35 bytes) */
#define RDR_CASE_STR_MAX 257 /* store, review, order, buyer, product ids */
#define RDR_BUYER_NAME_MAX 128
#define RDR_CASE_REASONS_MAX 160 /* every reason's name, joined by ',' */
#define RDR_CASE_EVIDENCE_MAX 8
#define RDR_EVIDENCE_TEXT_MAX 512 /* quoted text is cut at a UTF-8 boundary */
#define RDR_CASE_BLOCKED_MAX 8    /* further blocks are counted, not kept */
#define RDR_ACTION_ID_MAX 128     /* "<case_id>:<step>:<attempt>" */
#define RDR_TIMER_ID_MAX 144      /* "<case_id>:<step>:<attempt>:<gen>" */
#define RDR_CADENCE_ACTIONS_MAX 4 /* per transition */
#define RDR_CADENCE_TIMERS_MAX 6
#define RDR_CADENCE_BLOCKED_MAX 4

typedef enum rdr_case_state_e {
        RDR_CASE_STATE_NONE,     /* no case: a zeroed struct */
        RDR_CASE_STATE_OUTREACH, /* the cadence runs: next_step is armed
                                  * (or held while ship_paused) */
        RDR_CASE_STATE_PAUSED,   /* the buyer wrote: an agent answers; the
                                  * cadence waits for RDR_CIN_RESUME */
        RDR_CASE_STATE_AWAITING_UPDATE, /* the buyer agreed to update the
                                         * review: the check is armed */
        RDR_CASE_STATE_WAITING,         /* no more outreach (cadence done,
                                         * or stop_rule stopped it); waits
                                         * for the review or case_ttl */
        RDR_CASE_STATE_MALICIOUS, /* malicious track, appeal not yet filed */
        RDR_CASE_STATE_APPEALED,  /* appeal filed, waiting for the result */
        RDR_CASE_STATE_RESOLVED,  /* final: rating raised, review removed or
                                   * appeal accepted */
        RDR_CASE_STATE_CLOSED,    /* final: refused, expired, appeal rejected
                                   * or window missed */
        RDR_CASE_STATE__CNT
} rdr_case_state_t;
/* "none", "outreach", "paused", "awaiting_update", "waiting", "malicious",
 * "appealed", "resolved", "closed": the `state` of redress.cases. */
extern const char *const rdr_case_state_names[RDR_CASE_STATE__CNT];

/** Whether s ends a case (resolved or closed): nothing more is done. */
int rdr_case_state_final(rdr_case_state_t s);

typedef enum rdr_close_reason_e {
        RDR_CLOSE_NONE,
        RDR_CLOSE_REFUSED,       /* the buyer refused or asked for no contact */
        RDR_CLOSE_RATING_RAISED, /* review updated to >= resolved_rating */
        RDR_CLOSE_REMOVED,       /* review removed */
        RDR_CLOSE_EXPIRED,       /* older than case_ttl */
        RDR_CLOSE_APPEAL_ACCEPTED,
        RDR_CLOSE_APPEAL_REJECTED,
        RDR_CLOSE_APPEAL_EXPIRED, /* the window closed without evidence */
        RDR_CLOSE__CNT
} rdr_close_reason_t;
extern const char *const rdr_close_reason_names[RDR_CLOSE__CNT];

/* Steps: what an action_id or a timer names. */
typedef enum rdr_step_e {
        RDR_STEP_NONE,
        RDR_STEP_REPLY,           /* reply.public */
        RDR_STEP_FIRST_CONTACT,   /* outreach.first_contact; a timer when
                                   * out of the buyer's hours */
        RDR_STEP_FOLLOW_UP,       /* outreach.follow_up; timer */
        RDR_STEP_INCENTIVE,       /* outreach.incentive; timer (and the
                                   * held timer of an approved offer) */
        RDR_STEP_OFFER_APPROVAL,  /* staff.review: offer over the agent limit */
        RDR_STEP_NUDGE,           /* outreach.nudge, attempt 1..max; timer */
        RDR_STEP_BUYER_REPLY,     /* staff.review: answer the buyer; attempt
                                   * = the buyer's message count */
        RDR_STEP_MOD_GUIDE,       /* outreach.modification_guide; a timer
                                   * when out of the buyer's hours */
        RDR_STEP_MOD_CHECK,       /* timer: review unchanged after agreeing? */
        RDR_STEP_MOD_REMINDER,    /* outreach.modification_guide "reminder";
                                   * a timer when out of the buyer's hours */
        RDR_STEP_APPEAL,          /* appeal.file */
        RDR_STEP_APPEAL_EVIDENCE, /* timer, then staff.review: evidence
                                   * missing at window - appeal_evidence_before
                                   */
        RDR_STEP_APPEAL_END,      /* timer: the appeal window closes */
        RDR_STEP_TTL,             /* timer: case_ttl */
        RDR_STEP_APPEAL_UNANSWERED, /* timer, then staff.review (attempt 1):
                                     * no appeal.result after
                                     * appeal_answer_within; attempt 2:
                                     * the case closes (appeal_close_after)
                                     */
        RDR_STEP_REVIEW_LOWERED,    /* staff.review: a review resolved by its
                                     * raised rating is lowered again; attempt:
                                     * the how-manyth time */
        RDR_STEP__CNT
} rdr_step_t;
/* "none", "reply", "first_contact", "follow_up", "incentive",
 * "offer_approval", "nudge", "buyer_reply", "modification_guide",
 * "modification_check", "modification_reminder", "appeal",
 * "appeal_evidence", "appeal_window_end", "case_ttl", "appeal_unanswered". */
extern const char *const rdr_step_names[RDR_STEP__CNT];

/* One piece of evidence kept on the case for appeals. */
typedef struct rdr_case_evidence_s {
        rdr_evidence_kind_t kind;
        char ref[RDR_CASE_STR_MAX];       /* event or message id (an id past
                                           * 256 bytes is cut at a character) */
        char text[RDR_EVIDENCE_TEXT_MAX]; /* quoted words or stated fact */
        int64_t at_ms;
} rdr_case_evidence_t;

/* A step a platform rule forbade: not published, recorded here. */
typedef struct rdr_case_block_s {
        rdr_step_t step;
        int attempt;
        char rule[RDR_RULE_MAX];
        int64_t at_ms;
} rdr_case_block_t;

/* A case: flat, fixed-size, every field a (name, string) pair of the
 * Redis hash (rdr_case_to_fields()). Zeroed = no case. */
typedef struct rdr_case_s {
        long long version; /* 0: no case; +1 per applied transition */
        rdr_case_state_t state;
        rdr_close_reason_t close_reason;
        char stop_rule[RDR_RULE_MAX]; /* the rule that stopped outreach */

        /* What the case is about, from the review. */
        char case_id[RDR_CASE_ID_MAX];
        char platform[RDR_PLATFORM_MAX];
        char store_id[RDR_CASE_STR_MAX], review_id[RDR_CASE_STR_MAX],
            order_id[RDR_CASE_STR_MAX], buyer_id[RDR_CASE_STR_MAX],
            product_id[RDR_CASE_STR_MAX];
        char buyer_name[RDR_BUYER_NAME_MAX]; /* "" if unknown */
        char agent_id[RDR_CASE_STR_MAX];     /* the last person whose
                                              * decision moved the case;
                                              * "" if none */
        /* The first resolution, which a reopened case keeps: when, and
         * the agent_id then (the one credited for it, in that month:
         * redress-report). 0 and "": never resolved, or resolved before
         * this was kept (closed_at_ms and agent_id tell then). */
        int64_t resolved_at_ms;
        char resolved_by[RDR_CASE_STR_MAX];
        rdr_review_kind_t review_kind;
        char language[RDR_LANG_MAX];   /* the buyer's */
        char zone[RDR_ZONE_MAX];       /* where "daytime" is measured */
        rdr_zone_source_t zone_source; /* buyer, store or utc (fallbacks) */
        /* When the order's parcel told the buyer's zone the review did not
         * (learn_zone()); 0: the review gave it, or nothing told it. What
         * went out before it kept the zone that stood in. */
        int64_t zone_learned_at_ms;
        int rating;
        /* The classifier's sentiment of the review's latest text, as its
         * case.classified said: the case's messages say the same
         * (negative in cases written before). */
        rdr_sentiment_t sentiment;
        rdr_reason_t reason;
        /* The classification that opened the case, for its redress.cases
         * messages (rdr_case_classification()): every cause found, main
         * first, as names joined by ',', and the classifier's confidence
         * ("0.873"). "" in cases written before: the reason alone, 1. */
        char reasons[RDR_CASE_REASONS_MAX];
        char confidence[8];
        rdr_malicious_t malicious;
        int carrier_at_fault;  /* section 7: the shipment record
                                * blames the carrier */
        int64_t review_at_ms;  /* the review's created_at */
        int64_t opened_at_ms;  /* T0 */
        int64_t updated_at_ms; /* last transition */
        int64_t closed_at_ms;
        int64_t review_updated_at_ms; /* last review.updated */

        /* The outreach cadence. */
        rdr_step_t next_step; /* pending step, RDR_STEP_NONE when done */
        int next_attempt;
        int64_t next_at_ms;   /* when its timer fires (0 while held, or
                               * while a nudge waits for the incentive) */
        int64_t last_due_ms;  /* due_at of the last cadence message */
        int64_t shift_ms;     /* pauses so far: the schedule moves by this */
        int64_t paused_at_ms; /* start of the running pause, 0 if none */
        /* The last delivery that reached the case (SHIPMENT_RESUME), paused
         * or not: a check's pause from before it is stale. 0: none. */
        int64_t ship_resumed_at_ms;
        int ship_paused;     /* section 7: parcel late or in exception */
        int review_messages; /* review-related outreach published */
        int modify_requests; /* of which asked to reconsider the review */
        /* The same of the order's other cases when this one opened: a
         * platform's limits per order count them too (two reviews of one
         * order, one product each). */
        int order_messages_before, order_modify_before;
        int nudges;         /* nudges published */
        int buyer_messages; /* buyer chat messages on the case */
        int lowered;        /* times the rating fell back under
                             * resolved_rating after resolving the case */
        int buyer_channel;  /* rdr_channel_t of the last one, -1 if none */
        int agreed;         /* the buyer agreed to update the review */
        /* When the fleet applied the agreement (its clock), and when the
         * buyer wrote it: the chat's sent_at, no later than agreed_at_ms
         * (0 in a case stored before it was kept). A refusal to the store
         * is weighed against the latter, as its own sent_at is. */
        int64_t agreed_at_ms;
        int64_t agreed_sent_at_ms;
        int mod_reminded;   /* the one reminder went out */
        int mod_check_held; /* the check fired during a shipment pause */
        int offer_asked;    /* a manager was asked to approve the offer */
        int offer_pending;  /* 1: awaiting approval; 2: approved,
                             * waiting for the parcel's delivery or the
                             * agent's hand-back */
        rdr_offer_t offer;  /* the incentive's offer */
        /* A message toward the buyer that came out of their hours, on no
         * timer of its own (the guide of an agreement, the reminder or the
         * approved incentive on delivery, the incentive on approval): it
         * waits on the held timer until due, then goes out only if the
         * buyer has not said no meanwhile. The guide with no held timer
         * (held_gen 0) waits for the late parcel's delivery instead.
         * RDR_STEP_NONE: none. */
        rdr_step_t held_step;

        /* Appeals. */
        rdr_ground_t appeal_ground;
        /* The ground an agent named (staff.appeal): the appeal's, over
         * the malicious label's; NONE: the label's. */
        rdr_ground_t staff_ground;
        int appeal_filed;
        int evidence_asks;  /* staff.review appeal_evidence sent */
        int review_demands; /* the review's own text is the buyer's demand:
                             * evidence an appeal needs as `demand` */
        int64_t appeal_deadline_ms; /* the window's end, 0 if none */
        int appeal_outcome;         /* -1 none, else rdr_outcome_t */
        int64_t appeal_filed_at_ms; /* the last appeal.file (malicious) */

        /* Timers: one generation per slot, 0 = not armed. A timer is live
         * only while its slot holds the generation it was armed with. */
        unsigned timer_seq;
        unsigned next_gen, modchk_gen, appev_gen, append_gen, ttl_gen,
            unanswered_gen, held_gen;

        int blocked_total; /* all blocks, kept or not */
        int blocked_cnt;
        rdr_case_block_t blocked[RDR_CASE_BLOCKED_MAX];
        int evidence_cnt;
        rdr_case_evidence_t evidence[RDR_CASE_EVIDENCE_MAX];
} rdr_case_t;

/* ---- inputs ----------------------------------------------------------- */

typedef enum rdr_cadence_input_type_e {
        RDR_CIN_REVIEW_CLASSIFIED, /* review.created, classified: a negative
                                    * one opens the case */
        RDR_CIN_REVIEW_UPDATED,    /* review.updated with its new rating */
        RDR_CIN_REVIEW_REMOVED,
        RDR_CIN_TIMER,           /* a timer armed by a transition is due */
        RDR_CIN_BUYER_CHAT,      /* a buyer's message, with its intent */
        RDR_CIN_SHIPMENT_PAUSE,  /* exception or missed estimate (sec. 7) */
        RDR_CIN_SHIPMENT_RESUME, /* shipment.delivered */
        RDR_CIN_OFFER_DECISION,  /* a manager approved or refused an offer */
        RDR_CIN_EVIDENCE,        /* evidence for the appeal (agent, worker) */
        RDR_CIN_APPEAL_RESULT,   /* redress.appeal-results */
        RDR_CIN_RESUME,          /* an agent hands the case back to the
                                  * automatic cadence */
        RDR_CIN_STAFF_APPEAL,    /* an agent appeals the review on a ground
                                  * of the platform's (staff.appeal) */
        RDR_CIN_BUYER_ZONE,      /* the order's parcel tells where the buyer
                                  * lives (buyer_zone), nothing else */
        RDR_CIN__CNT
} rdr_cadence_input_type_t;

/* RDR_CIN_REVIEW_CLASSIFIED. Strings are borrowed for the call. */
typedef struct rdr_cadence_review_s {
        const char *case_id; /* rdr_case_id(platform, store_id, review_id) */
        const char *platform, *store_id, *review_id, *order_id, *buyer_id,
            *product_id;
        const char *buyer_name;     /* NULL if unknown */
        const char *text;           /* the review text, for the evidence */
        const char *language;       /* given or detected; NULL: the store's */
        const char *buyer_timezone; /* NULL or unknown: the store's, else UTC */
        rdr_review_kind_t review_kind;
        int rating;
        rdr_sentiment_t sentiment; /* only negative opens a case */
        /* The classifier's reading of the text (case.classified's), which
         * the case's messages repeat: "Excellent!" with one star opens a
         * case (sentiment) whose words are positive. */
        rdr_sentiment_t text_sentiment;
        rdr_reason_t reason;
        const rdr_reason_t *reasons; /* every cause, main first (NULL:
                                      * the reason alone) */
        size_t reasons_cnt;
        double confidence; /* 0..1; < 0: unknown */
        rdr_malicious_t malicious;
        int demand_in_text;   /* the text itself is an extortionate demand
                               * (rdr_classification_t.demand_in_text) */
        int64_t review_at_ms; /* created_at */
        int shipment_paused;  /* the order's parcel is late or in
                               * exception: hold outreach */
        int carrier_at_fault; /* the shipment record blames the carrier */
        int buyer_refused;    /* the buyer said no (a chat of the order)
                               * before the review: no outreach */
        /* When the buyer last said no to the store in a chat that named no
         * order (0: never): within refusal_memory of the review, no
         * outreach either. */
        int64_t store_refused_at_ms;
        /* Review-related messages (of which requests to modify a review)
         * the order's other cases have sent: per-order limits. */
        int order_review_messages, order_modify_requests;
        const rdr_evidence_t *evidence; /* what the worker collected: chat
                                         * demands, profile, shipment */
        size_t evidence_cnt;
} rdr_cadence_review_t;

/* RDR_CIN_REVIEW_UPDATED: what the edited text says (rdr_classify_review()).
 * A demand or abuse written into the review moves a case still
 * negotiating to the malicious track, the new text its evidence. */
typedef struct rdr_cadence_edit_s {
        rdr_sentiment_t sentiment; /* the new text's, for the messages */
        rdr_malicious_t malicious;
        int demand_in_text;
        const char *text;     /* the new text; NULL or "": none */
        int64_t edited_at_ms; /* the update's created_at; 0: now */
} rdr_cadence_edit_t;

/* RDR_CIN_BUYER_CHAT. */
typedef struct rdr_cadence_chat_s {
        rdr_intent_t intent;
        rdr_channel_t channel; /* where the buyer wrote */
        const char *ref;       /* the chat event_id, for evidence */
        const char *text;
        int64_t sent_at_ms;
} rdr_cadence_chat_t;

/* RDR_CIN_TIMER: what the timer was armed with. */
typedef struct rdr_cadence_timer_in_s {
        rdr_step_t step;
        int attempt;
        unsigned gen;
} rdr_cadence_timer_in_t;

typedef struct rdr_cadence_input_s {
        rdr_cadence_input_type_t type;
        rdr_cadence_review_t review;  /* REVIEW_CLASSIFIED */
        int rating;                   /* REVIEW_UPDATED */
        rdr_cadence_edit_t edit;      /* REVIEW_UPDATED */
        rdr_cadence_timer_in_t timer; /* TIMER */
        rdr_cadence_chat_t chat;      /* BUYER_CHAT */
        int approved;                 /* OFFER_DECISION */
        /* RESUME: the staff.review the hand-back answers (buyer_reply:<n>
         * or review_lowered:<n>); 0: unknown, any. One of an earlier
         * buyer message leaves the case to the agent of the latest. */
        rdr_step_t answered_step;
        int answered_attempt;
        rdr_evidence_t evidence; /* EVIDENCE; STAFF_APPEAL (kind
                                  * NULL: none) */
        rdr_ground_t ground;     /* STAFF_APPEAL */
        rdr_outcome_t outcome;   /* APPEAL_RESULT */
        /* SHIPMENT_PAUSE from a parcel's check (its timer, fired later):
         * when the check found the parcel late; a delivery that reached
         * the case since makes the pause stale. 0: the pause is now. */
        int64_t pause_at_ms;
        /* OFFER_DECISION, EVIDENCE, RESUME, STAFF_APPEAL: the person who
         * decided (NULL: unknown). A decision that changes the case records
         * it as the case's agent_id. */
        const char *agent_id;
        /* TIMER, BUYER_CHAT, SHIPMENT_RESUME, OFFER_DECISION, RESUME: the
         * buyer's fleet-wide tag (extortion, competitor or professional,
         * rdr_casework_tag_class()), read by the worker when
         * rdr_cadence_wants_buyer_tag() says the input may lead the case
         * to write to the buyer; RDR_MAL_NONE: none, or not read. A buyer
         * tagged since the case opened gets no more outreach, incentive
         * or answer: the case moves to the malicious track, as the review
         * would have been classified had the tag come first. */
        rdr_malicious_t buyer_tag;
        /* Read with buyer_tag, but for BUYER_CHAT (the buyer's own
         * message is their latest word): when the buyer last told the
         * case's store, in a chat naming no order, not to contact them
         * (the buyer's record, refused_at_ms:<store_id>); 0: never, or
         * not read. Such a refusal closes the buyer's latest case in the
         * store at once (chats); any other open case of the buyer there
         * closes as refused at its next step that would reach the buyer,
         * as it would have opened had the refusal come first (the
         * playbook's refusal_memory), unless the buyer agreed on it after
         * the refusal (the agreement's sent_at against the refusal's). */
        int64_t store_refused_at_ms;
        /* Read with it: a chat of the case's order refused contact (the
         * order's intents). The case closes as refused before its next
         * step toward the buyer: a refusal it did not hear (applied while
         * the case was opening, or reaching another case of the order)
         * still silences it. */
        int order_refused;
        /* Read with it: the latest demand for money in a chat of the
         * case's order (the order's record: extortion_ref, _text, _at_ms;
         * "" if none). A case the buyer's extortion tag moves to the
         * malicious track quotes it as evidence, as the case the chat
         * reached does: another case of the order, the chat's. */
        char order_demand_ref[RDR_CASE_STR_MAX];
        char order_demand_text[RDR_EVIDENCE_TEXT_MAX];
        int64_t order_demand_at_ms;
        /* BUYER_ZONE, SHIPMENT_PAUSE, SHIPMENT_RESUME: the buyer's zone as
         * the order's parcel tells it (the buyer's record, else the
         * destination's; NULL: nothing learned). A case whose review gave
         * none (case.zone_source store or utc) takes it, and its waiting
         * messages move into the buyer's daytime (learn_zone()). */
        const char *buyer_zone;
} rdr_cadence_input_t;

/* ---- outputs ---------------------------------------------------------- */

/* An action to publish on redress.actions. The ids (case_id, platform,
 * store_id, buyer_id, order_id, review_id) are the case's;
 * rdr_cadence_action_msg() assembles the whole message. */
typedef struct rdr_cadence_action_s {
        char action_id[RDR_ACTION_ID_MAX]; /* "<case_id>:<step>:<attempt>" */
        rdr_action_kind_t kind;
        rdr_step_t step;
        int attempt;
        rdr_channel_t channel;
        char language[RDR_LANG_MAX]; /* of message (fallback: en) */
        char template_id[RDR_TEMPLATE_ID_MAX];
        int has_offer;
        rdr_offer_t offer;
        int64_t due_at_ms;      /* inside the buyer's daytime for outreach */
        int64_t deadline_at_ms; /* 0: none */
        int64_t created_at_ms;  /* now_ms */
        int evidence_cnt;       /* appeal.file: the case's first N items */
        char message[RDR_MESSAGE_MAX]; /* last: see rdr_cadence_out_reset() */
} rdr_cadence_action_t;

typedef struct rdr_cadence_timer_s {
        char timer_id[RDR_TIMER_ID_MAX]; /* unique per case and arming */
        rdr_step_t step;
        int attempt;
        unsigned gen;
        int64_t fire_at_ms;
} rdr_cadence_timer_t;

typedef enum rdr_cadence_status_e {
        RDR_CADENCE_APPLIED,   /* the case changed: CAS-write it, publish */
        RDR_CADENCE_NOOP,      /* nothing to do (e.g. a positive review, an
                                * event for a closed case) */
        RDR_CADENCE_DUPLICATE, /* already applied (review.created again) */
        RDR_CADENCE_STALE,     /* a timer the case has moved past */
        RDR_CADENCE_NO_CASE,   /* an input for a case that does not exist */
        RDR_CADENCE_STATUS__CNT
} rdr_cadence_status_t;
extern const char *const rdr_cadence_status_names[RDR_CADENCE_STATUS__CNT];

typedef struct rdr_cadence_out_s {
        rdr_cadence_status_t status;
        int has_case_event;         /* publish a redress.cases message */
        rdr_case_type_t case_event; /* opened, state_changed or closed */
        rdr_case_state_t prev_state;
        rdr_malicious_t tag_buyer; /* != none: tag the buyer fleet-wide */
        int zone_fallback;         /* the buyer's zone was missing or
                                    * unknown (case.zone_source says which
                                    * zone replaced it) */
        char errstr[256];          /* on error: one sentence */
        size_t actions_cnt, timers_cnt;
        size_t blocked_cnt; /* for the blocked-steps metric */
        /* The arrays come last: only their first *_cnt items are set. */
        rdr_cadence_action_t actions[RDR_CADENCE_ACTIONS_MAX];
        rdr_cadence_timer_t timers[RDR_CADENCE_TIMERS_MAX];
        rdr_case_block_t blocked[RDR_CADENCE_BLOCKED_MAX];
} rdr_cadence_out_t;

/** Empty out: every field before the arrays zeroed (counts 0), the arrays
 *  (~19 KB, mostly message buffers) left as they are. */
void rdr_cadence_out_reset(rdr_cadence_out_t *out);

/* What a transition reads; all loaded once and shared. */
typedef struct rdr_cadence_conf_s {
        const rdr_playbook_t *playbook;
        const rdr_policy_set_t *policies;
        const rdr_template_set_t *templates;
} rdr_cadence_conf_t;

/** Apply one input to the case cur at the fleet's time now_ms. cur may be
 *  NULL (no case). next receives the new case (it may be cur itself: cur
 *  is read first); out is overwritten. Deterministic: no clock, no
 *  randomness, no hidden state.
 *  Returns RDR_OK (see out->status), RDR_ERR_INVALID (the input or case is
 *  unusable: unknown platform, enum out of range; dead-letter it),
 *  RDR_ERR_TOO_LARGE (an id longer than the case keeps) or RDR_ERR_CONFIG
 *  (a template failed to render). On error, next is a copy of cur and
 *  out->errstr says why. */
rdr_err_t rdr_cadence_apply(const rdr_cadence_conf_t *conf,
                            const rdr_case_t *cur,
                            const rdr_cadence_input_t *in, int64_t now_ms,
                            rdr_case_t *next, rdr_cadence_out_t *out);

/** Fill am with the redress.actions message of action a of case c.
 *  Pointers go into c and a (which must outlive am); ev (room for
 *  RDR_CASE_EVIDENCE_MAX) receives the evidence objects. A discount in
 *  percent is not money: it is in the message, and has_offer is 0. */
void rdr_cadence_action_msg(const rdr_case_t *c, const rdr_cadence_action_t *a,
                            rdr_evidence_t *ev, rdr_action_msg_t *am);

/** Whether input in may lead case c to write to the buyer (a cadence
 *  step, the modification guide or reminder, the incentive, an agent's
 *  answer to the buyer's message), so that the worker reads the buyer's
 *  fleet-wide tags into in->buyer_tag first. Only a live case off the
 *  malicious track wants them; of the timers, only a step that is due. */
int rdr_cadence_wants_buyer_tag(const rdr_case_t *c,
                                const rdr_cadence_input_t *in);

/** Whether a buyer's message of this intent may make its case write to
 *  the buyer: an agreement, which sends the modification guide (BEHAVIOR.md
 *  2.7). Any other message pauses the case and asks an agent. */
int rdr_cadence_chat_may_write(rdr_intent_t intent);

/** Whether input in may lead case c, a case that exists, to send a
 *  message that a platform's limits per order count
 *  (rdr_cadence_wants_buyer_tag(), and of a buyer's message only a first
 *  agreement, rdr_cadence_chat_may_write(), on a case whose outreach has
 *  not stopped): only then is the ledger of its order worth reading
 *  (casework.h). A review that opens a case brings its order's counts
 *  (rdr_cadence_review_t.order_review_messages). */
int rdr_cadence_may_write(const rdr_case_t *c, const rdr_cadence_input_t *in);

/** Room for every timer a case holds armed (rdr_cadence_live_timers()). */
#define RDR_CADENCE_LIVE_MAX 8

/** The timers case c holds armed, at most max (RDR_CADENCE_LIVE_MAX is
 *  enough), into out
 *  (fire_at_ms 0: the timer set knows it): one per generation slot that
 *  is set. An unanswered appeal's check may be its first or second
 *  (attempt 1 or 2): both are listed. Returns how many. */
size_t rdr_cadence_live_timers(const rdr_case_t *c, rdr_cadence_timer_t *out,
                               size_t max);

/** Whether a case on the malicious track as mal tags its buyer fleet-wide
 *  (out->tag_buyer). */
int rdr_malicious_tags_buyer(rdr_malicious_t mal);

/** Read back the case_id, step, attempt and gen of a timer_id. case_id
 *  (size bytes) may be NULL. Returns RDR_OK or RDR_ERR_INVALID. */
rdr_err_t rdr_cadence_timer_parse(const char *timer_id, char *case_id,
                                  size_t size, rdr_cadence_timer_in_t *t);

/* ---- the case as a Redis hash ----------------------------------------- */

/** Called once per field; value is NUL-terminated, len bytes. Return
 *  nonzero to stop (rdr_case_to_fields() then returns RDR_ERR_INTERNAL). */
typedef int(rdr_case_field_cb_t)(void *opaque, const char *field,
                                 const char *value, size_t len);

/** Every field of c as (name, text): numbers in decimal, enums by their
 *  wire names, evidence and blocks as "evidence.<i>.<f>" and
 *  "blocked.<i>.<f>". The set of names for a case only grows over its
 *  transitions. */
rdr_err_t rdr_case_to_fields(const rdr_case_t *c, rdr_case_field_cb_t *cb,
                             void *opaque);

/** 1 if the field of that name (as rdr_case_to_fields() gives it) holds
 *  a number (a count, a version, an instant in ms), 0 for text, an enum
 *  or an unknown name. */
int rdr_case_field_numeric(const char *field);

/** The number of fields rdr_case_to_fields() reports for c. */
size_t rdr_case_field_count(const rdr_case_t *c);

/** Set one field of c from its text (len bytes, need not be
 *  NUL-terminated). Unknown names are ignored (a newer writer's fields).
 *  Returns RDR_OK or RDR_ERR_INVALID with the field named in errstr. */
rdr_err_t rdr_case_set_field(rdr_case_t *c, const char *field,
                             const char *value, size_t len, char *errstr,
                             size_t errstr_size);

/** Zero c, then set n fields (HGETALL order). Returns as
 *  rdr_case_set_field(). */
rdr_err_t rdr_case_from_fields(rdr_case_t *c, size_t n,
                               const char *const *fields,
                               const char *const *values, const size_t *lens,
                               char *errstr, size_t errstr_size);

/* A case is stored in one of two formats in its hash (storage.format):
 *   packed: two fields, "version" (the compare-and-set field) and "case",
 *           the document of rdr_case_to_doc(): one line "redress-case 1",
 *           then one line per field, "<name>=<length>:<value>" (length in
 *           bytes, so a value may hold any byte but NUL), except fields at
 *           their zero value (0, "", an enum's first name): a reader
 *           zeroes the case first, so documents that list them read the
 *           same. Two strings per write instead of ~64, each of which
 *           Redis' Lua would copy, intern and collect.
 *   fields: one hash field per case field (the format of builds before the
 *           document), still read, and written while a fleet is upgraded
 *           from such a build.
 * A document counts only while its own version equals the hash's
 * "version": a later write in the fields format leaves a stale document
 * behind, and a later document leaves stale fields behind. */

/** The hash field that holds a case document. */
#define RDR_CASE_DOC_FIELD "case"

/** Write c's document into doc (reset first). Returns RDR_ERR_NOMEM. */
rdr_err_t rdr_case_to_doc(const rdr_case_t *c, rdr_buf_t *doc);

/** The classification c's redress.cases messages carry: every cause, main
 *  first, into reasons (returns how many) and the confidence (cases
 *  written before these were kept: the main reason alone, 1). */
size_t rdr_case_classification(const rdr_case_t *c,
                               rdr_reason_t reasons[RDR_REASON__CNT],
                               double *confidence);

/** Zero c, then set it from a document of len bytes. Returns RDR_OK or
 *  RDR_ERR_INVALID with where it is malformed in errstr. */
rdr_err_t rdr_case_from_doc(rdr_case_t *c, const char *doc, size_t len,
                            char *errstr, size_t errstr_size);

/** Rebuild c from the n pairs of its hash (HGETALL order) in either
 *  format: the document if there is one whose version is the hash's, else
 *  the fields. *from_doc (may be NULL) says which. Returns as
 *  rdr_case_set_field(). */
rdr_err_t rdr_case_from_hash(rdr_case_t *c, size_t n, const char *const *fields,
                             const char *const *values, const size_t *lens,
                             int *from_doc, char *errstr, size_t errstr_size);

#endif

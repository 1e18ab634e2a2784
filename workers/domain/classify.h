/* The review and chat classifier of Redress: decides, for a review, its
 * language (when the event does not give it), sentiment, main reason and all
 * reasons, whether it is malicious and how sure it is; and for a buyer's chat
 * message, its intent. It is a lexicon-and-rules classifier: every phrase,
 * weight and threshold is read at start from configs/classifier.yaml and
 * configs/lexicons/<lang>.yaml, so that an operator adds a phrase without a
 * rebuild. Chinese is matched by phrases over characters (no word
 * splitting); Spanish and English are matched on words folded to lower case
 * without accents. The classifier object is read-only after construction and
 * may be shared by threads; classifying allocates nothing. */
#ifndef RDR_CLASSIFY_H
#define RDR_CLASSIFY_H

#include <stddef.h>
#include "enums.h"
#include "err.h"

/** Texts longer than this many bytes are classified on their first
 *  RDR_CLF_MAX_TEXT bytes: the contract's longest text, 10000 characters
 *  of up to 4 bytes of UTF-8 each, is read whole. */
#define RDR_CLF_MAX_TEXT 40000

typedef struct rdr_classifier_s rdr_classifier_t;

/** Loads configs_dir/classifier.yaml and configs_dir/lexicons/\*.yaml and
 *  validates them. Returns the classifier (free with
 *  rdr_classifier_destroy()) or NULL with "file:line: key 'x': reason" in
 *  errstr. */
rdr_classifier_t *rdr_classifier_new(const char *configs_dir, char *errstr,
                                     size_t errstr_size);
/** Frees clf. Accepts NULL. */
void rdr_classifier_destroy(rdr_classifier_t *clf);
/** What the lexicons lack that a worker should tell at start: the groups
 *  that keep a cooperative buyer from reading as extortion ("thanks for
 *  the refund, I will update my review") or as a refusal ("don't call
 *  me, message me here"), per language, as "en: offers,
 *  given; es: goods"; "" when none is missing. Lives as long as clf. */
const char *rdr_classifier_notes(const rdr_classifier_t *clf);
/** Logs rdr_classifier_notes() at warn ("classifier.lexicon_groups"), if
 *  any: a worker's start, when a store's lexicons came from an earlier
 *  build. */
void rdr_classifier_log_notes(const rdr_classifier_t *clf);
/** configs_dir/classifier.yaml's malicious.priority (the classes in order
 *  of precedence, *cnt of them, at most RDR_MAL__CNT - 1), validated with
 *  the whole file as rdr_classifier_new() does, for workers that rank a
 *  buyer's fleet tags without a classifier. Returns RDR_OK,
 *  RDR_ERR_CONFIG ("file:line: key 'x': reason" in errstr) or
 *  RDR_ERR_NOMEM. */
rdr_err_t rdr_malicious_priority_load(const char *configs_dir,
                                      rdr_malicious_t *priority, size_t *cnt,
                                      char *errstr, size_t errstr_size);
/** One phrase of the lexicons that counted in a text, for
 *  rdr_classify_explain(). */
typedef struct rdr_clf_hit_s {
        const char *group; /* its group: "reasons.product_quality" */
        const char *lang;  /* its lexicon's language: "en", "any" */
        const char *text;  /* the text it matched, normalized (not 0-ended) */
        size_t text_len;
        double weight; /* as the lexicon gives it (negative: sentiment) */
        int negated;   /* under a negator's scope */
} rdr_clf_hit_t;
typedef void (*rdr_clf_hit_fn)(void *ctx, const rdr_clf_hit_t *hit);
/** Calls fn, in the text's order, for each phrase of the lexicons that
 *  counts in text (after the longest-match rule; none of the language
 *  detection's function words), read as a message with no language given:
 *  what `redress-eval --explain` prints, so that an operator sees why a
 *  text reads as it does. */
void rdr_classify_explain(const rdr_classifier_t *clf, const char *text,
                          size_t text_len, rdr_clf_hit_fn fn, void *ctx);
/** Where the files rdr_classifier_new() reads are described, for
 *  --print-config-doc. */
void rdr_classifier_doc(void *fp);

/* The buyer profile fields of CONTRACT.md; has_* says whether each is known. */
typedef struct rdr_clf_profile_s {
        int has_account_level;
        long long account_level;
        int has_account_age_days;
        long long account_age_days;
        int has_reviews_total;
        long long reviews_total;
        int has_negative_reviews_total;
        long long negative_reviews_total;
} rdr_clf_profile_t;

/* Buyer tags shared across the fleet (any store's finding is known to all). */
#define RDR_TAG_PROFESSIONAL 0x1u
#define RDR_TAG_EXTORTION 0x2u
#define RDR_TAG_COMPETITOR                                                     \
        0x4u /* the buyer is a peer store known to the fleet */

/* A language tag as given (BCP 47, cut at a subtag that would not fit) or
 * detected, NUL included. */
#define RDR_CLF_LANG_MAX 16

typedef struct rdr_review_input_s {
        const char *text; /* UTF-8, need not be NUL-terminated; may be NULL */
        size_t text_len;
        int rating;                       /* 1..5, 0 unknown */
        const char *language;             /* NULL: detect */
        const rdr_clf_profile_t *profile; /* NULL if none */
        unsigned buyer_tags;              /* RDR_TAG_* */
        const rdr_intent_t *chat_intents; /* intents of the order's earlier
                                           * buyer chat messages */
        size_t chat_intents_cnt;
} rdr_review_input_t;

typedef struct rdr_classification_s {
        /* As given ("fr", "es-MX"), else detected: "en", "es", "zh", ...,
         * "und" when no evidence */
        char language[RDR_CLF_LANG_MAX];
        rdr_sentiment_t sentiment;
        rdr_reason_t reason; /* main cause; RDR_REASON_NONE if no complaint */
        rdr_reason_t reasons[RDR_REASON__CNT]; /* every cause, main first */
        size_t reasons_cnt;
        rdr_malicious_t malicious;
        double confidence; /* 0..1 */
        int negative; /* opens a case per BEHAVIOR.md: rating <= 2, or rating
                       * 3 with a complaint (rating 0: a negative text) */
        int demand_in_text; /* the text itself makes an extortionate demand
                             * (not only an earlier chat or a fleet tag):
                             * the review is evidence of it */
} rdr_classification_t;

/** Classifies a review into out. Never fails: empty, emoji-only, huge or
 *  invalid UTF-8 text yields a defined result (invalid bytes are skipped).
 *  Allocates nothing; safe to call from several threads at once. Uses about
 *  100 KB of stack. */
void rdr_classify_review(const rdr_classifier_t *clf,
                         const rdr_review_input_t *in,
                         rdr_classification_t *out);

typedef struct rdr_chat_class_s {
        char language[RDR_CLF_LANG_MAX]; /* as rdr_classification_t's */
        rdr_intent_t intent; /* RDR_INTENT_QUESTION when nothing is decided */
        double confidence;
} rdr_chat_class_t;

/** Classifies one buyer chat message. Same guarantees as
 *  rdr_classify_review(). */
void rdr_classify_chat(const rdr_classifier_t *clf, const char *text,
                       size_t text_len, const char *language /* NULL: detect */,
                       rdr_chat_class_t *out);

/** Language detection alone: writes "en", "es", "zh"... or "und" (no letters
 *  at all) into out. */
void rdr_detect_language(const rdr_classifier_t *clf, const char *text,
                         size_t text_len, char out[8]);

#endif

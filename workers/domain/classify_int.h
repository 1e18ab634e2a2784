/* Internals of the classifier, shared by its three files and by nothing
 * else: classify_lex.c loads and validates the configuration into the
 * structures below (a phrase trie over normalized UTF-8 bytes whose
 * terminals carry entries), classify_text.c normalizes a text and walks the
 * trie over it, and classify.c turns the matches into decisions. */
#ifndef RDR_CLASSIFY_INT_H
#define RDR_CLASSIFY_INT_H

#include <stddef.h>
#include <stdint.h>
#include "classify.h"

#define RDR_CLF_MAX_LANGS 8
#define RDR_CLF_LANG_ANY 0xff  /* entry of lexicons/common.yaml */
#define RDR_CLF_MAX_OCC 2048   /* matches kept per text; the rest is ignored */
#define RDR_CLF_MAX_PHRASE 256 /* bytes of a normalized phrase */
#define RDR_CLF_MAX_NODES 0xFFFFFFu /* trie nodes (keys fit 32 bits) */

/* What a phrase tells. */
typedef enum rdr_clf_kind_e {
        RDR_CLF_K_DETECT,      /* a function word of its language */
        RDR_CLF_K_NEGATOR,     /* negates what follows within the scope */
        RDR_CLF_K_BREAK,       /* ends a negation scope (punctuation, "but") */
        RDR_CLF_K_IGNORE,      /* consumes text, tells nothing ("not only") */
        RDR_CLF_K_INTENSIFIER, /* multiplies the next sentiment phrase */
        RDR_CLF_K_SENTIMENT,   /* signed weight */
        RDR_CLF_K_REASON,      /* target: rdr_reason_t */
        RDR_CLF_K_EXTORTION,   /* target: rdr_clf_ext_t */
        RDR_CLF_K_DEMAND,      /* a demand for compensation (target:
                                  RDR_CLF_DEMAND_DUE or 0) */
        RDR_CLF_K_REVIEW_REF,  /* target: rdr_clf_mention_t */
        RDR_CLF_K_CONDITION,   /* target: rdr_clf_cond_t */
        RDR_CLF_K_NITPICK,     /* nitpicking detail */
        RDR_CLF_K_INSULT,      /* insults, foul language */
        RDR_CLF_K_PRIVATE,     /* someone's private data is being published */
        RDR_CLF_K_PHONE_CUE,   /* a nearby number is a phone number */
        RDR_CLF_K_INTENT,      /* target: rdr_intent_t */
        RDR_CLF_K_FILLER,      /* says nothing in a chat reply ("sorry") */
        RDR_CLF_K_CHANNEL,     /* asks to be reached another way */
        RDR_CLF_K_DECLINE,     /* a refusal of what was offered */
        RDR_CLF_K_NOT_YET,     /* "yet": a negated agreement is no refusal */
        RDR_CLF_K__CNT
} rdr_clf_kind_t;

/* A demand of what the order owes the buyer, the refund ("my money back",
 * 退款), not more (RDR_CLF_K_DEMAND's target, else 0): awaited, it is no
 * demand (the awaits group). */
#define RDR_CLF_DEMAND_DUE 1

/* What an extortion phrase tells (RDR_CLF_K_EXTORTION's target). */
typedef enum rdr_clf_ext_e {
        RDR_CLF_X_OUTRIGHT, /* money for the review ("how much will you pay") */
        RDR_CLF_X_OFFER,    /* a change offered ("and I'll make it 5 stars"):
                             * extortion only beside a demand */
        RDR_CLF_X_THREAT,   /* a threat ("more bad reviews"): extortion only
                             * beside a demand, negated too ("if I get no
                             * refund, more bad reviews") */
} rdr_clf_ext_t;

/* What a mention of the review tells (RDR_CLF_K_REVIEW_REF's target). */
typedef enum rdr_clf_mention_e {
        RDR_CLF_M_PLAIN,  /* the review or rating itself */
        RDR_CLF_M_DEED,   /* what was done to it ("I gave it"): the mention
                           * after it is no offer */
        RDR_CLF_M_CHANGE, /* a change of it ("remove it", "删") */
} rdr_clf_mention_t;

/* What a condition binds (RDR_CLF_K_CONDITION's target). */
typedef enum rdr_clf_cond_e {
        RDR_CLF_C_PLAIN,    /* "if", "unless", "otherwise" */
        RDR_CLF_C_PROMISE,  /* "and I": only a mention after it */
        RDR_CLF_C_CONTRAST, /* "but I want": only beside a change */
        RDR_CLF_C_HOLD,     /* "until": the review held till it is met */
        RDR_CLF_C_OPENER,   /* "then": only where a sentence opens */
        RDR_CLF_C_GIVEN,    /* "thanks for": the demand after it is given */
        RDR_CLF_C_RECEIVED, /* "came through": the demand before it was */
        RDR_CLF_C_TRAILING, /* "的话": binds the demand just before it too */
        RDR_CLF_C_REPORTED, /* "the seller offered": the seller's proposal */
        RDR_CLF_C_AWAITED,  /* "once I receive": the refund after it is due */
        RDR_CLF_C_GOODS,    /* "a new one": as received, and asked for */
} rdr_clf_cond_t;

/* The phrase ended with '*': it matches a word prefix. */
#define RDR_CLF_F_PREFIX 0x1u

typedef struct rdr_clf_entry_s {
        double weight;
        uint8_t lang;   /* index into clf->langs, or RDR_CLF_LANG_ANY */
        uint8_t kind;   /* rdr_clf_kind_t */
        uint8_t target; /* reason, intent, mention or condition */
        uint8_t flags;  /* RDR_CLF_F_* */
        uint16_t units; /* words, or Han characters, of the phrase */
} rdr_clf_entry_t;

typedef struct rdr_clf_node_s {
        uint32_t ent_off; /* entries of phrases ending here */
        uint32_t ent_cnt;
} rdr_clf_node_t;

typedef struct rdr_clf_lang_s {
        char name[8];
        long long negation_scope; /* units after a negator */
} rdr_clf_lang_t;

/* Settings of classifier.yaml; see that file for what each one means. */
typedef struct rdr_clf_conf_s {
        char fallback_lang[8];
        char latin_fallback_lang[8];
        double han_per_word;
        double accent_weight;
        double lexicon_hit_weight;
        double secondary_share;
        double rating_prior[6]; /* index 1..5; 0 for an unknown rating */
        double negative_below;
        double positive_above;
        double complaint_weight;
        double negated_complaint_weight;
        double negation_flip;
        double max_text_score;
        double reason_min_score;
        double reason_min_score_positive; /* in a positive review */
        double ext_min_score;
        double ext_combo_weight;
        double ext_combo_min_condition;
        long long ext_condition_reach; /* units after a condition */
        double ext_across_min_demand;  /* the pattern over two sentences */
        long long ext_given_reach;     /* units after "thanks for" */
        int tags_need_negative;
        long long prof_max_level;
        long long prof_max_age_days;
        long long prof_min_negative, prof_min_negative_for_share;
        double prof_min_negative_share;
        double prof_min_nitpick;
        double prof_min_demand;
        double abuse_min_insult;
        double abuse_min_private;
        double abuse_phone_weight;
        double abuse_email_weight;
        double chat_min_score;
        double chat_ext_min_score;
        double chat_thanks_margin;
        double chat_complaint_min_score;
        double chat_agree_max_demand;
        double chat_weak_cue_max;
        int chat_bare_assent_agrees;
        int mal_priority[RDR_MAL__CNT]; /* malicious classes, first wins */
        size_t mal_priority_cnt;
        int chat_priority[RDR_INTENT__CNT]; /* intents, first wins a tie */
} rdr_clf_conf_t;

struct rdr_classifier_s {
        rdr_clf_conf_t conf;
        rdr_clf_lang_t langs[RDR_CLF_MAX_LANGS];
        size_t langs_cnt;
        int lang_zh; /* index of "zh", or -1 */
        int lang_es; /* index of "es", or -1: accents count for it */
        int lang_latin_fallback; /* index, or -1 */
        /* Trie: node 0 is the root. Edges in one open-addressing table of
         * (child << 32 | key), key = (node << 8 | byte) + 1, so that a probe
         * touches one cache line; 0 is an empty slot. */
        rdr_clf_node_t *nodes;
        size_t nodes_cnt;
        uint64_t *edges;
        size_t edge_mask;         /* table size - 1 (a power of two) */
        uint32_t root_child[256]; /* the root's edges, for speed */
        rdr_clf_entry_t *entries;
        size_t entries_cnt;
        char notes[512]; /* rdr_classifier_notes() */
};

/* One phrase occurrence in a text. */
typedef struct rdr_clf_occ_s {
        uint32_t unit;  /* unit index where it starts */
        uint32_t node;  /* trie node of the phrase's end */
        uint32_t end;   /* byte offset in the normalized text after it */
        uint8_t bound;  /* 1 if it ends at a word boundary */
        uint16_t start; /* byte offset where it starts (RDR_CLF_MAX_TEXT) */
} rdr_clf_occ_t;

/* Everything a text becomes before scoring; lives on the caller's stack. */
typedef struct rdr_clf_text_s {
        char norm[RDR_CLF_MAX_TEXT + 16];
        size_t norm_len;
        rdr_clf_occ_t occ[RDR_CLF_MAX_OCC];
        size_t occ_cnt;
        size_t han; /* Han characters */
        size_t latin_words;
        size_t accents; /* n tilde, acute vowels, inverted marks */
        size_t units;
        size_t phones;       /* digit runs that look like phone numbers */
        size_t phones_plain; /* long plain numbers: phones near a cue */
        size_t emails;
        /* Bit u set: unit u (< 64) is a word or a Han character, not
         * punctuation or an emoji. */
        uint64_t word_units;
} rdr_clf_text_t;

/** Normalizes text into t->norm (lower case, accents folded, Traditional
 *  Chinese characters to Simplified, punctuation reduced to . , ! ? ; and
 *  $, one space between tokens) and counts scripts, phone numbers and
 *  e-mail addresses. */
void rdr_clf_text_normalize(const char *text, size_t len, rdr_clf_text_t *t);
/** The Simplified form of Traditional Chinese character c (one to one,
 *  U+4E00-U+9FFF: classify_hant.c), else c. */
uint32_t rdr_clf_han_fold(uint32_t c);
/** Finds every phrase of the trie in t->norm (longest first at each
 *  start). */
void rdr_clf_text_match(const rdr_classifier_t *clf, rdr_clf_text_t *t);
/** Normalizes a phrase of a lexicon into out (NUL-terminated); returns its
 *  length, 0 if nothing is left. *units gets its number of units. */
size_t rdr_clf_phrase_normalize(const char *phrase, char *out, size_t out_size,
                                unsigned *units);
/** The lexicon group (its path, "reasons.product_quality") an entry of
 *  kind, target and weight (its sign tells sentiment's two groups) comes
 *  from; "?" if none. */
const char *rdr_clf_group_name(int kind, int target, double weight);
/** Trie lookup of one edge; returns the child or 0 (the root is nobody's
 *  child). */
uint32_t rdr_clf_trie_child(const rdr_classifier_t *clf, uint32_t node,
                            unsigned char byte);

#endif

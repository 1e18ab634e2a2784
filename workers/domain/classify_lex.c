/* Loading of the classifier's configuration: classifier.yaml (thresholds and
 * rules, driven by the settings table below, which also documents them) and
 * every lexicons/<lang>.yaml (phrases by group, each group a list of phrases
 * of weight 1 or a map phrase -> weight). Everything is validated here, at
 * start, and every error names file:line and the key. The phrases go into
 * one trie over normalized bytes, shared by all languages; each terminal
 * carries the entries (language, kind, target, weight) of its phrase. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify_int.h"
#include "log.h"
#include "yaml.h"

/* ---- classifier.yaml ---- */

typedef enum conf_type_e {
        T_DOUBLE,
        T_INT,
        T_BOOL,
        T_LANG,
        T_MALLIST,
        T_INTENTLIST
} conf_type_t;

typedef struct conf_def_s {
        const char *name;
        conf_type_t type;
        size_t off;
        double def, min, max;
        const char *sdef; /* T_LANG default */
        const char *doc;
} conf_def_t;

#define OFF(f) offsetof(rdr_clf_conf_t, f)
static const conf_def_t conf_defs[] = {
    {"language.fallback", T_LANG, OFF(fallback_lang), 0, 0, 0, "und",
     "language reported for a text without letters"},
    {"language.latin_fallback", T_LANG, OFF(latin_fallback_lang), 0, 0, 0, "en",
     "language of a Latin-script text with no cue of any language"},
    {"language.han_per_word", T_DOUBLE, OFF(han_per_word), 1.5, 0.1, 10, NULL,
     "Han characters worth one Latin word when weighing Chinese"},
    {"language.accent_weight", T_DOUBLE, OFF(accent_weight), 1.0, 0, 10, NULL,
     "Spanish evidence per n-tilde, acute vowel or inverted mark"},
    {"language.lexicon_hit_weight", T_DOUBLE, OFF(lexicon_hit_weight), 0.3, 0,
     10, NULL, "evidence of a language per phrase of its lexicon found"},
    {"language.secondary_share", T_DOUBLE, OFF(secondary_share), 0.5, 0, 1,
     NULL,
     "a second Latin language whose evidence reaches this share of the "
     "first one's is matched too (mixed texts)"},
    {"sentiment.rating_1", T_DOUBLE, OFF(rating_prior[1]), -2.0, -10, 10, NULL,
     "sentiment prior of a 1-star rating"},
    {"sentiment.rating_2", T_DOUBLE, OFF(rating_prior[2]), -1.5, -10, 10, NULL,
     "sentiment prior of a 2-star rating"},
    {"sentiment.rating_3", T_DOUBLE, OFF(rating_prior[3]), 0.0, -10, 10, NULL,
     "sentiment prior of a 3-star rating"},
    {"sentiment.rating_4", T_DOUBLE, OFF(rating_prior[4]), 1.0, -10, 10, NULL,
     "sentiment prior of a 4-star rating"},
    {"sentiment.rating_5", T_DOUBLE, OFF(rating_prior[5]), 1.5, -10, 10, NULL,
     "sentiment prior of a 5-star rating"},
    {"sentiment.negative_below", T_DOUBLE, OFF(negative_below), -0.6, -100, 0,
     NULL, "score at or below which a review is negative"},
    {"sentiment.positive_above", T_DOUBLE, OFF(positive_above), 0.6, 0, 100,
     NULL, "score at or above which a review is positive"},
    {"sentiment.complaint_weight", T_DOUBLE, OFF(complaint_weight), -1.0, -10,
     0, NULL, "sentiment added by each complaint (reason) phrase"},
    {"sentiment.negated_complaint_weight", T_DOUBLE,
     OFF(negated_complaint_weight), 0.3, -10, 10, NULL,
     "sentiment added by a negated complaint (\"not broken\")"},
    {"sentiment.negation_flip", T_DOUBLE, OFF(negation_flip), 0.8, 0, 2, NULL,
     "a negated sentiment phrase counts -flip times its weight"},
    {"sentiment.max_text_score", T_DOUBLE, OFF(max_text_score), 6.0, 0.1, 100,
     NULL, "cap of the text's sentiment score in either direction"},
    {"reasons.min_score", T_DOUBLE, OFF(reason_min_score), 0.5, 0, 100, NULL,
     "weight of phrases a reason needs to be listed"},
    {"reasons.min_score_positive", T_DOUBLE, OFF(reason_min_score_positive),
     1.5, 0, 100, NULL,
     "weight a reason needs in a positive review (a topic named in praise, "
     "\"fast delivery\", is no complaint)"},
    {"malicious.priority", T_MALLIST, 0, 0, 0, 0, NULL,
     "malicious classes in order of precedence when several apply; a class "
     "left out is never given (the list switches it off)"},
    {"malicious.tags_need_negative", T_BOOL, OFF(tags_need_negative), 1, 0, 1,
     NULL, "fleet tags and earlier extortion chats mark only negative reviews"},
    {"malicious.extortion.min_score", T_DOUBLE, OFF(ext_min_score), 1.0, 0, 100,
     NULL, "extortion weight (phrases + combination) that marks extortion"},
    {"malicious.extortion.combo_weight", T_DOUBLE, OFF(ext_combo_weight), 1.0,
     0, 100, NULL,
     "added when a demand, a mention of the review and a "
     "condition appear together"},
    {"malicious.extortion.combo_min_condition", T_DOUBLE,
     OFF(ext_combo_min_condition), 0.3, 0, 100, NULL,
     "condition weight the combination needs (a lone \"again\" is not a "
     "condition)"},
    {"malicious.extortion.condition_reach", T_INT, OFF(ext_condition_reach), 5,
     0, 64, NULL,
     "units (words, Han characters) after a condition within which a demand "
     "or a mention of the review must start, in its clause, for the "
     "condition to bind them (\"if it arrives broken\" binds nothing)"},
    {"malicious.extortion.across_min_demand", T_DOUBLE,
     OFF(ext_across_min_demand), 0.5, 0, 100, NULL,
     "demand weight the combination needs when it spans two sentences (a "
     "sentence that opens with a condition reads on from the one before): "
     "\"Refund me first. Then I will change my review.\", not \"Thanks for "
     "the refund. Then I will update my review.\""},
    {"malicious.extortion.given_reach", T_INT, OFF(ext_given_reach), 3, 0, 64,
     NULL,
     "units after a thanks or a receipt (the given group: \"thanks for\", "
     "\"received\") within which a demand starts to be what was given, no "
     "demand: \"thanks for the refund\""},
    {"malicious.professional.max_account_level", T_INT, OFF(prof_max_level), 2,
     0, 1000000, NULL, "an account at or below this level is low"},
    {"malicious.professional.max_account_age_days", T_INT,
     OFF(prof_max_age_days), 90, 0, 100000, NULL,
     "an account at most this old is young"},
    {"malicious.professional.min_negative_reviews", T_INT,
     OFF(prof_min_negative), 10, 0, 1000000, NULL,
     "this many negative reviews is many"},
    {"malicious.professional.min_negative_share", T_DOUBLE,
     OFF(prof_min_negative_share), 0.5, 0, 1, NULL,
     "or this share of all reviews (with at least min_negative_for_share "
     "negative)"},
    {"malicious.professional.min_negative_for_share", T_INT,
     OFF(prof_min_negative_for_share), 5, 0, 1000000, NULL,
     "the negative reviews a share needs to count (a buyer's first bad "
     "review is all of their reviews)"},
    {"malicious.professional.min_nitpick", T_DOUBLE, OFF(prof_min_nitpick), 1.0,
     0, 100, NULL, "nitpicking weight needed"},
    {"malicious.professional.min_demand", T_DOUBLE, OFF(prof_min_demand), 1.0,
     0, 100, NULL, "compensation-demand weight needed"},
    {"malicious.abusive.min_insult", T_DOUBLE, OFF(abuse_min_insult), 2.0, 0,
     100, NULL, "insult weight that marks a review abusive"},
    {"malicious.abusive.min_private", T_DOUBLE, OFF(abuse_min_private), 1.0, 0,
     100, NULL, "private-data weight that marks a review abusive"},
    {"malicious.abusive.phone_weight", T_DOUBLE, OFF(abuse_phone_weight), 1.0,
     0, 100, NULL, "private-data weight of a phone number"},
    {"malicious.abusive.email_weight", T_DOUBLE, OFF(abuse_email_weight), 1.0,
     0, 100, NULL, "private-data weight of an e-mail address"},
    {"chat.min_score", T_DOUBLE, OFF(chat_min_score), 0.5, 0, 100, NULL,
     "weight an intent needs; below it a message is a question"},
    {"chat.extortion_min_score", T_DOUBLE, OFF(chat_ext_min_score), 1.0, 0, 100,
     NULL, "extortion weight that makes a message extortion"},
    {"chat.thanks_margin", T_DOUBLE, OFF(chat_thanks_margin), 0.5, 0, 100, NULL,
     "thanks wins over agree/question only by this margin"},
    {"chat.complaint_min_score", T_DOUBLE, OFF(chat_complaint_min_score), 1.5,
     0, 100, NULL,
     "weight agree/refuse need in a message that describes a problem"},
    {"chat.agree_max_demand", T_DOUBLE, OFF(chat_agree_max_demand), 0.9, 0, 100,
     NULL,
     "demand weight beside which an agreement is left to an agent (terms, "
     "not a yes)"},
    {"chat.weak_cue_max", T_DOUBLE, OFF(chat_weak_cue_max), 1.0, 0, 100, NULL,
     "agree/refuse phrases of at most this weight (\"no\", \"ok\") decide "
     "only a message that says nothing else"},
    {"chat.bare_assent_agrees", T_BOOL, OFF(chat_bare_assent_agrees), 0, 0, 1,
     NULL,
     "a bare \"ok\", \"sure\" or \"好的\" is agreement to update the review "
     "(false: an agent reads it, as it answers what the store asked)"},
    {"chat.priority", T_INTENTLIST, 0, 0, 0, 0, NULL,
     "intents in order of precedence on equal scores"},
};
#define CONF_DEFS_CNT (sizeof(conf_defs) / sizeof(conf_defs[0]))

static void conf_defaults(rdr_clf_conf_t *conf) {
        size_t i;
        memset(conf, 0, sizeof(*conf));
        for (i = 0; i < CONF_DEFS_CNT; i++) {
                const conf_def_t *d = &conf_defs[i];
                char *p = (char *)conf + d->off;
                if (d->type == T_DOUBLE)
                        memcpy(p, &d->def, sizeof(double));
                else if (d->type == T_INT) {
                        long long v = (long long)d->def;
                        memcpy(p, &v, sizeof(v));
                } else if (d->type == T_BOOL) {
                        int v = (int)d->def;
                        memcpy(p, &v, sizeof(v));
                } else if (d->type == T_LANG) {
                        snprintf(p, 8, "%s", d->sdef);
                }
        }
        conf->mal_priority[0] = RDR_MAL_EXTORTION;
        conf->mal_priority[1] = RDR_MAL_COMPETITOR;
        conf->mal_priority[2] = RDR_MAL_PROFESSIONAL;
        conf->mal_priority[3] = RDR_MAL_ABUSIVE;
        conf->mal_priority_cnt = 4;
        conf->chat_priority[0] = RDR_INTENT_EXTORTION;
        conf->chat_priority[1] = RDR_INTENT_REFUSE;
        conf->chat_priority[2] = RDR_INTENT_AGREE;
        conf->chat_priority[3] = RDR_INTENT_QUESTION;
        conf->chat_priority[4] = RDR_INTENT_THANKS;
}

static int lang_name_ok(const char *s) {
        size_t n = strlen(s), i;
        if (n < 2 || n > 7)
                return 0;
        for (i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
                        return 0;
        return 1;
}

/* A list of enum names, each at most once, into out[]. */
static rdr_err_t conf_enum_list(const rdr_yaml_t *node, const char *what,
                                const char *const *names, int names_cnt,
                                int *out, size_t out_max, size_t *cnt,
                                int must_have_all, char *errstr,
                                size_t errstr_size) {
        size_t i, j;
        if (rdr_yaml_type(node) != RDR_YAML_SEQ)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "expected a list");
        *cnt = 0;
        for (i = 0; i < rdr_yaml_len(node); i++) {
                const rdr_yaml_t *item = rdr_yaml_at(node, i);
                const char *s = rdr_yaml_scalar(item);
                int v;
                if (!s)
                        return rdr_yaml_error(item, what, errstr, errstr_size,
                                              "expected a name");
                v = rdr_enum_parse(names, names_cnt, s, strlen(s));
                if (v < 0 ||
                    (names == rdr_malicious_names && v == RDR_MAL_NONE))
                        return rdr_yaml_error(item, what, errstr, errstr_size,
                                              "unknown name '%.64s'", s);
                for (j = 0; j < *cnt; j++)
                        if (out[j] == v)
                                return rdr_yaml_error(
                                    item, what, errstr, errstr_size,
                                    "'%.64s' listed twice", s);
                if (*cnt >= out_max)
                        return rdr_yaml_error(item, what, errstr, errstr_size,
                                              "too many names");
                out[(*cnt)++] = v;
        }
        if (must_have_all && *cnt != out_max)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "must list each of the %zu names once",
                                      out_max);
        return RDR_OK;
}

static rdr_err_t conf_set(rdr_clf_conf_t *conf, const conf_def_t *d,
                          const rdr_yaml_t *node, char *errstr,
                          size_t errstr_size) {
        char *p = (char *)conf + d->off;
        rdr_err_t err = RDR_OK;
        switch (d->type) {
        case T_DOUBLE: {
                double v;
                err = rdr_yaml_as_double(node, d->name, d->min, d->max, &v,
                                         errstr, errstr_size);
                if (!err)
                        memcpy(p, &v, sizeof(v));
                break;
        }
        case T_INT: {
                long long v;
                err =
                    rdr_yaml_as_int(node, d->name, (long long)d->min,
                                    (long long)d->max, &v, errstr, errstr_size);
                if (!err)
                        memcpy(p, &v, sizeof(v));
                break;
        }
        case T_BOOL: {
                int v;
                err = rdr_yaml_as_bool(node, d->name, &v, errstr, errstr_size);
                if (!err)
                        memcpy(p, &v, sizeof(v));
                break;
        }
        case T_LANG: {
                const char *s;
                err =
                    rdr_yaml_as_str(node, d->name, 7, &s, errstr, errstr_size);
                if (!err && !lang_name_ok(s))
                        err =
                            rdr_yaml_error(node, d->name, errstr, errstr_size,
                                           "'%.16s' is not a language tag", s);
                if (!err)
                        snprintf(p, 8, "%s", s);
                break;
        }
        case T_MALLIST:
                err = conf_enum_list(node, d->name, rdr_malicious_names,
                                     RDR_MAL__CNT, conf->mal_priority,
                                     RDR_MAL__CNT - 1, &conf->mal_priority_cnt,
                                     0, errstr, errstr_size);
                break;
        case T_INTENTLIST: {
                size_t cnt;
                err = conf_enum_list(node, d->name, rdr_intent_names,
                                     RDR_INTENT__CNT, conf->chat_priority,
                                     RDR_INTENT__CNT, &cnt, 1, errstr,
                                     errstr_size);
                break;
        }
        }
        return err;
}

/* Walks a map of classifier.yaml; path is the dotted prefix. */
static rdr_err_t conf_walk(rdr_clf_conf_t *conf, const rdr_yaml_t *map,
                           const char *path, char *errstr, size_t errstr_size) {
        size_t i, j;
        for (i = 0; i < rdr_yaml_len(map); i++) {
                char full[128];
                const char *key = rdr_yaml_key(map, i);
                const rdr_yaml_t *val = rdr_yaml_at(map, i);
                const conf_def_t *def = NULL;
                int is_prefix = 0;
                rdr_err_t err;

                snprintf(full, sizeof(full), "%s%s%s", path, *path ? "." : "",
                         key);
                for (j = 0; j < CONF_DEFS_CNT; j++) {
                        size_t fl = strlen(full);
                        if (!strcmp(conf_defs[j].name, full))
                                def = &conf_defs[j];
                        else if (!strncmp(conf_defs[j].name, full, fl) &&
                                 conf_defs[j].name[fl] == '.')
                                is_prefix = 1;
                }
                if (def) {
                        err = conf_set(conf, def, val, errstr, errstr_size);
                } else if (is_prefix) {
                        if (rdr_yaml_type(val) != RDR_YAML_MAP)
                                return rdr_yaml_error(val, full, errstr,
                                                      errstr_size,
                                                      "expected a mapping");
                        err = conf_walk(conf, val, full, errstr, errstr_size);
                } else {
                        return rdr_yaml_error(val, full, errstr, errstr_size,
                                              "unknown key");
                }
                if (err)
                        return err;
        }
        return RDR_OK;
}

/* ---- the trie ---- */

typedef struct pend_s {
        uint32_t node;
        uint32_t seq;
        rdr_clf_entry_t ent;
} pend_t;

/* A lexicon's inflections: a word written with a trailing '~' also
 * matches its forms, its ending swapped for each of its rule's ("o": [a,
 * os, as] reads "defectuoso~" as defectuoso, defectuosa, defectuosos,
 * defectuosas). Endings are folded Latin letters; the longest a word has
 * picks its rule, the empty ending any word's ("": [s] reads "dent~" as
 * dent, dents). Only while the lexicon that has them loads. */
#define INFL_MAX_RULES 32
#define INFL_MAX_FORMS 8
#define INFL_MAX_END 8     /* bytes of an ending, with its NUL */
#define INFL_MAX_EXPAND 64 /* forms of one phrase */

typedef struct infl_rule_s {
        char end[INFL_MAX_END];
        char forms[INFL_MAX_FORMS][INFL_MAX_END];
        size_t forms_cnt;
} infl_rule_t;

typedef struct builder_s {
        rdr_classifier_t *clf;
        size_t nodes_size;
        size_t edges_cnt;
        pend_t *pend;
        size_t pend_cnt, pend_size;
        infl_rule_t infl[INFL_MAX_RULES];
        size_t infl_cnt;
} builder_t;

static void edges_put(rdr_classifier_t *clf, uint32_t key, uint32_t val) {
        size_t h = (size_t)((key * 0x9E3779B1u) >> 8) & clf->edge_mask;
        while (clf->edges[h] && (uint32_t)clf->edges[h] != key)
                h = (h + 1) & clf->edge_mask;
        clf->edges[h] = ((uint64_t)val << 32) | key;
}

static int edges_grow(builder_t *b) {
        rdr_classifier_t *clf = b->clf;
        size_t old_size = clf->edge_mask + 1, i;
        uint64_t *old = clf->edges;
        uint64_t *nw = calloc(old_size * 2, sizeof(*nw));
        if (!nw)
                return -1;
        clf->edges = nw;
        clf->edge_mask = old_size * 2 - 1;
        for (i = 0; i < old_size; i++)
                if (old[i])
                        edges_put(clf, (uint32_t)old[i],
                                  (uint32_t)(old[i] >> 32));
        free(old);
        return 0;
}

/* Inserts the normalized phrase; returns its terminal node, or 0 when out
 * of memory or of node numbers. */
static uint32_t trie_insert(builder_t *b, const char *norm, size_t len) {
        rdr_classifier_t *clf = b->clf;
        uint32_t node = 0;
        size_t i;
        for (i = 0; i < len; i++) {
                uint32_t child =
                    rdr_clf_trie_child(clf, node, (unsigned char)norm[i]);
                if (!child) {
                        if (clf->nodes_cnt >= RDR_CLF_MAX_NODES)
                                return 0;
                        if (clf->nodes_cnt == b->nodes_size) {
                                size_t ns = b->nodes_size * 2;
                                rdr_clf_node_t *nn =
                                    realloc(clf->nodes, ns * sizeof(*nn));
                                if (!nn)
                                        return 0;
                                clf->nodes = nn;
                                b->nodes_size = ns;
                        }
                        if ((b->edges_cnt + 1) * 2 > clf->edge_mask + 1 &&
                            edges_grow(b))
                                return 0;
                        child = (uint32_t)clf->nodes_cnt++;
                        clf->nodes[child].ent_off = 0;
                        clf->nodes[child].ent_cnt = 0;
                        edges_put(clf,
                                  ((node << 8) | (unsigned char)norm[i]) + 1,
                                  child);
                        b->edges_cnt++;
                }
                node = child;
        }
        return node;
}

/* ---- lexicon files ---- */

/* Whether a language's lexicon must have phrases in a group. */
typedef enum group_need_e {
        NEED_NONE,  /* a refinement: may be left out */
        NEED_ALL,   /* a decision reads it: a language without it is misread */
        NEED_LATIN, /* NEED_ALL but in zh, told by its Han characters */
        NEED_NOTE,  /* may be left out, and rdr_classifier_notes() says so */
} group_need_t;

typedef struct group_def_s {
        const char *path;
        rdr_clf_kind_t kind;
        int target;
        double sign;
        double def_weight;
        group_need_t need;
        const char *role; /* what needs it, for errors */
} group_def_t;

#define ROLE_REASON "the review's reasons"
#define ROLE_EXTORTION "extortion"
#define ROLE_INTENT "the intent of a buyer's chat message"

static const group_def_t group_defs[] = {
    {"detect", RDR_CLF_K_DETECT, 0, 1, 1.0, NEED_LATIN,
     "telling the language from the other Latin-script ones"},
    {"negators", RDR_CLF_K_NEGATOR, 0, 1, 1.0, NEED_ALL,
     "negation: \"not good\""},
    {"clause_breaks", RDR_CLF_K_BREAK, 0, 1, 1.0, NEED_NONE, NULL},
    {"ignore", RDR_CLF_K_IGNORE, 0, 1, 1.0, NEED_NONE, NULL},
    {"intensifiers", RDR_CLF_K_INTENSIFIER, 0, 1, 1.5, NEED_NONE, NULL},
    {"sentiment.positive", RDR_CLF_K_SENTIMENT, 0, 1, 1.0, NEED_ALL,
     "sentiment"},
    {"sentiment.negative", RDR_CLF_K_SENTIMENT, 0, -1, 1.0, NEED_ALL,
     "sentiment"},
    {"reasons.product_quality", RDR_CLF_K_REASON, RDR_REASON_PRODUCT_QUALITY, 1,
     1.0, NEED_ALL, ROLE_REASON},
    {"reasons.not_as_described", RDR_CLF_K_REASON, RDR_REASON_NOT_AS_DESCRIBED,
     1, 1.0, NEED_ALL, ROLE_REASON},
    {"reasons.size_fit", RDR_CLF_K_REASON, RDR_REASON_SIZE_FIT, 1, 1.0,
     NEED_ALL, ROLE_REASON},
    {"reasons.wrong_item", RDR_CLF_K_REASON, RDR_REASON_WRONG_ITEM, 1, 1.0,
     NEED_ALL, ROLE_REASON},
    {"reasons.logistics", RDR_CLF_K_REASON, RDR_REASON_LOGISTICS, 1, 1.0,
     NEED_ALL, ROLE_REASON},
    {"reasons.packaging_damage", RDR_CLF_K_REASON, RDR_REASON_PACKAGING_DAMAGE,
     1, 1.0, NEED_ALL, ROLE_REASON},
    {"reasons.customer_service", RDR_CLF_K_REASON, RDR_REASON_CUSTOMER_SERVICE,
     1, 1.0, NEED_ALL, ROLE_REASON},
    {"reasons.stock_out", RDR_CLF_K_REASON, RDR_REASON_STOCK_OUT, 1, 1.0,
     NEED_ALL, ROLE_REASON},
    {"reasons.after_sales", RDR_CLF_K_REASON, RDR_REASON_AFTER_SALES, 1, 1.0,
     NEED_ALL, ROLE_REASON},
    {"reasons.other", RDR_CLF_K_REASON, RDR_REASON_OTHER, 1, 1.0, NEED_ALL,
     ROLE_REASON},
    {"extortion", RDR_CLF_K_EXTORTION, RDR_CLF_X_OUTRIGHT, 1, 1.0, NEED_ALL,
     ROLE_EXTORTION},
    /* a change of the review offered, or a threat: extortion only beside
     * a demand (a threat's negated too, "if I get no refund"): "the seller
     * was helpful and I will change my review" agrees, "there are more bad
     * reviews than good ones" complains */
    {"offers", RDR_CLF_K_EXTORTION, RDR_CLF_X_OFFER, 1, 1.0, NEED_NOTE, NULL},
    {"threats", RDR_CLF_K_EXTORTION, RDR_CLF_X_THREAT, 1, 1.0, NEED_NOTE, NULL},
    {"demand", RDR_CLF_K_DEMAND, 0, 1, 1.0, NEED_ALL,
     "extortion and professional reviewers"},
    /* demands of what the order owes, the refund: as demands, but awaited
     * (the awaits group) none */
    {"dues", RDR_CLF_K_DEMAND, RDR_CLF_DEMAND_DUE, 1, 1.0, NEED_NOTE, NULL},
    {"review_ref", RDR_CLF_K_REVIEW_REF, RDR_CLF_M_PLAIN, 1, 1.0, NEED_ALL,
     ROLE_EXTORTION},
    /* what was done to the review: the mention after it is no offer, "I
     * gave it 1 star but I want a refund" */
    {"deeds", RDR_CLF_K_REVIEW_REF, RDR_CLF_M_DEED, 1, 1.0, NEED_NONE, NULL},
    /* a mention that changes the review: "I can remove it" */
    {"changes", RDR_CLF_K_REVIEW_REF, RDR_CLF_M_CHANGE, 1, 1.0, NEED_NONE,
     NULL},
    {"condition", RDR_CLF_K_CONDITION, RDR_CLF_C_PLAIN, 1, 1.0, NEED_ALL,
     ROLE_EXTORTION},
    /* a condition that binds only a mention of the review after it:
     * "refund me and I'd update my rating", not "... and I want a refund" */
    {"promises", RDR_CLF_K_CONDITION, RDR_CLF_C_PROMISE, 1, 1.0, NEED_NONE,
     NULL},
    /* a condition that binds only in a sentence that changes the review:
     * "I can remove it, but I want ...", not "my review is honest, but I
     * want a refund" */
    {"contrasts", RDR_CLF_K_CONDITION, RDR_CLF_C_CONTRAST, 1, 1.0, NEED_NONE,
     NULL},
    /* a condition that holds the review till it is met: a review given
     * ("I left 1 star until you refund me") counts as offered again */
    {"holds", RDR_CLF_K_CONDITION, RDR_CLF_C_HOLD, 1, 1.0, NEED_NONE, NULL},
    /* the seller's proposal, told ("the seller promised a refund if I
     * change my review"): the demands, offers and threats after it, to a
     * clause break in words, are the seller's */
    {"reported", RDR_CLF_K_CONDITION, RDR_CLF_C_REPORTED, 1, 1.0, NEED_NOTE,
     NULL},
    /* a condition that closes its clause: it binds the demand or mention
     * just before it ("不给补偿的话，我会继续发差评") */
    {"trailing", RDR_CLF_K_CONDITION, RDR_CLF_C_TRAILING, 1, 1.0, NEED_NONE,
     NULL},
    /* a condition only where a sentence opens (it reads on from the one
     * before): "Refund me first. Then I will change my review." */
    {"openers", RDR_CLF_K_CONDITION, RDR_CLF_C_OPENER, 1, 1.0, NEED_NONE, NULL},
    /* what was given, thanked for or received: the demand after it is
     * none, "thanks for the refund, I will update my review" */
    {"given", RDR_CLF_K_CONDITION, RDR_CLF_C_GIVEN, 1, 1.0, NEED_NOTE, NULL},
    /* what is still to come, awaited: the refund after it (the dues
     * group) is what the buyer is due, "once I receive the refund I will
     * update my review" */
    {"awaits", RDR_CLF_K_CONDITION, RDR_CLF_C_AWAITED, 1, 1.0, NEED_NOTE, NULL},
    /* what was received, after it: "the refund came through and I will
     * change my rating" */
    {"received", RDR_CLF_K_CONDITION, RDR_CLF_C_RECEIVED, 1, 1.0, NEED_NOTE,
     NULL},
    /* what the order should have brought, after a demand's verb: "send me
     * a new one and I will update my review" asks no money */
    {"goods", RDR_CLF_K_CONDITION, RDR_CLF_C_GOODS, 1, 1.0, NEED_NOTE, NULL},
    {"nitpick", RDR_CLF_K_NITPICK, 0, 1, 1.0, NEED_ALL,
     "professional reviewers"},
    {"insult", RDR_CLF_K_INSULT, 0, 1, 1.0, NEED_ALL, "abusive reviews"},
    {"private_data", RDR_CLF_K_PRIVATE, 0, 1, 1.0, NEED_ALL, "abusive reviews"},
    {"phone_cue", RDR_CLF_K_PHONE_CUE, 0, 1, 1.0, NEED_NONE, NULL},
    {"intents.agree", RDR_CLF_K_INTENT, RDR_INTENT_AGREE, 1, 1.0, NEED_ALL,
     ROLE_INTENT},
    {"intents.refuse", RDR_CLF_K_INTENT, RDR_INTENT_REFUSE, 1, 1.0, NEED_ALL,
     ROLE_INTENT},
    {"intents.extortion", RDR_CLF_K_INTENT, RDR_INTENT_EXTORTION, 1, 1.0,
     NEED_NONE, NULL}, /* the extortion group tells it too */
    /* a refusal of what the store offered ("no thanks", "not
     * interested"): beside a demand, the buyer negotiates */
    {"intents.declines", RDR_CLF_K_DECLINE, RDR_INTENT_REFUSE, 1, 1.0,
     NEED_NOTE, NULL},
    {"intents.question", RDR_CLF_K_INTENT, RDR_INTENT_QUESTION, 1, 1.0,
     NEED_ALL, ROLE_INTENT},
    {"intents.thanks", RDR_CLF_K_INTENT, RDR_INTENT_THANKS, 1, 1.0, NEED_ALL,
     ROLE_INTENT},
    {"chat_fillers", RDR_CLF_K_FILLER, 0, 1, 1.0, NEED_NONE, NULL},
    /* another way to be reached, asked for: "message me here instead" */
    {"channel_asks", RDR_CLF_K_CHANNEL, 0, 1, 1.0, NEED_NOTE, NULL},
    /* not done yet, no refusal: "I haven't updated it yet" */
    {"not_yet", RDR_CLF_K_NOT_YET, 0, 1, 1.0, NEED_NOTE, NULL},
};
#define GROUP_DEFS_CNT (sizeof(group_defs) / sizeof(group_defs[0]))

static rdr_err_t add_phrase(builder_t *b, const rdr_yaml_t *node,
                            const char *what, const char *phrase, double weight,
                            const group_def_t *g, int lang, char *errstr,
                            size_t errstr_size) {
        char raw[RDR_CLF_MAX_PHRASE], norm[RDR_CLF_MAX_PHRASE + 8];
        size_t rl = strlen(phrase), nl;
        unsigned units;
        uint8_t flags = 0;
        uint32_t tnode;
        pend_t *p;

        if (rl == 0 || rl >= RDR_CLF_MAX_PHRASE)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "phrase must have 1..%d bytes",
                                      RDR_CLF_MAX_PHRASE - 1);
        memcpy(raw, phrase, rl + 1);
        if (rl > 1 && raw[rl - 1] == '*') {
                raw[--rl] = '\0';
                flags |= RDR_CLF_F_PREFIX;
        }
        nl = rdr_clf_phrase_normalize(raw, norm, sizeof(norm), &units);
        if (nl == 0)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "phrase '%.64s' has nothing to match "
                                      "(no letters, digits, emoji or marks)",
                                      phrase);
        if ((flags & RDR_CLF_F_PREFIX) &&
            !((norm[nl - 1] >= 'a' && norm[nl - 1] <= 'z') ||
              (norm[nl - 1] >= '0' && norm[nl - 1] <= '9')))
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "phrase '%.64s': '*' only after a "
                                      "Latin letter",
                                      phrase);
        if ((unsigned char)norm[nl - 1] >= 0x80 && !(flags & RDR_CLF_F_PREFIX))
                flags |= RDR_CLF_F_PREFIX; /* Han, emoji: no word boundary */
        tnode = trie_insert(b, norm, nl);
        if (!tnode)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "out of memory, or more than %u trie "
                                      "nodes",
                                      RDR_CLF_MAX_NODES);
        if (b->pend_cnt == b->pend_size) {
                size_t ns = b->pend_size ? b->pend_size * 2 : 1024;
                pend_t *np = realloc(b->pend, ns * sizeof(*np));
                if (!np)
                        return rdr_yaml_error(node, what, errstr, errstr_size,
                                              "out of memory");
                b->pend = np;
                b->pend_size = ns;
        }
        p = &b->pend[b->pend_cnt];
        p->node = tnode;
        p->seq = (uint32_t)b->pend_cnt;
        p->ent.weight = weight * g->sign;
        p->ent.lang = (uint8_t)lang;
        p->ent.kind = (uint8_t)g->kind;
        p->ent.target = (uint8_t)g->target;
        p->ent.flags = flags;
        p->ent.units = (uint16_t)(units ? units : 1);
        b->pend_cnt++;
        return RDR_OK;
}

/* Whether s is 0..INFL_MAX_END-1 folded Latin letters (1.. unless
 * may_be_empty). */
static int infl_end_ok(const char *s, int may_be_empty) {
        size_t i, n = strlen(s);
        if (n >= INFL_MAX_END || (!n && !may_be_empty))
                return 0;
        for (i = 0; i < n; i++)
                if (s[i] < 'a' || s[i] > 'z')
                        return 0;
        return 1;
}

/* A lexicon's inflections (see infl_rule_t) into b. */
static rdr_err_t load_inflections(builder_t *b, const rdr_yaml_t *map,
                                  char *errstr, size_t errstr_size) {
        size_t i, j, k;
        b->infl_cnt = 0;
        if (rdr_yaml_type(map) != RDR_YAML_MAP)
                return rdr_yaml_error(map, "inflections", errstr, errstr_size,
                                      "expected a mapping ending: [forms]");
        if (rdr_yaml_len(map) > INFL_MAX_RULES)
                return rdr_yaml_error(map, "inflections", errstr, errstr_size,
                                      "more than %d endings", INFL_MAX_RULES);
        for (i = 0; i < rdr_yaml_len(map); i++) {
                const char *end = rdr_yaml_key(map, i);
                const rdr_yaml_t *forms = rdr_yaml_at(map, i);
                infl_rule_t *r = &b->infl[b->infl_cnt];
                char what[64];
                snprintf(what, sizeof(what), "inflections.%s", end);
                if (!infl_end_ok(end, 1))
                        return rdr_yaml_error(forms, what, errstr, errstr_size,
                                              "an ending is 0..%d letters "
                                              "a-z (folded: no accents)",
                                              INFL_MAX_END - 1);
                if (rdr_yaml_type(forms) != RDR_YAML_SEQ ||
                    !rdr_yaml_len(forms) ||
                    rdr_yaml_len(forms) > INFL_MAX_FORMS)
                        return rdr_yaml_error(forms, what, errstr, errstr_size,
                                              "expected a list of 1..%d "
                                              "endings",
                                              INFL_MAX_FORMS);
                snprintf(r->end, sizeof(r->end), "%s", end);
                r->forms_cnt = 0;
                for (j = 0; j < rdr_yaml_len(forms); j++) {
                        const char *f = rdr_yaml_scalar(rdr_yaml_at(forms, j));
                        int dup = f && !strcmp(f, end);
                        for (k = 0; f && k < r->forms_cnt; k++)
                                dup |= !strcmp(f, r->forms[k]);
                        if (dup)
                                return rdr_yaml_error(
                                    rdr_yaml_at(forms, j), what, errstr,
                                    errstr_size,
                                    "form %zu: the ending itself, or listed "
                                    "twice",
                                    j + 1);
                        if (!f || !infl_end_ok(f, 1))
                                return rdr_yaml_error(
                                    rdr_yaml_at(forms, j), what, errstr,
                                    errstr_size,
                                    "form %zu: an ending is 0..%d letters "
                                    "a-z (folded: no accents)",
                                    j + 1, INFL_MAX_END - 1);
                        snprintf(r->forms[r->forms_cnt++], INFL_MAX_END, "%s",
                                 f);
                }
                b->infl_cnt++;
        }
        return RDR_OK;
}

/* The forms of word w (folded, its '~' gone) into forms (each
 * RDR_CLF_MAX_PHRASE): itself first; 0 when no ending of b's rules ends
 * it. */
static size_t infl_forms(const builder_t *b, const char *w,
                         char (*forms)[RDR_CLF_MAX_PHRASE]) {
        size_t i, wl = strlen(w), best_l = 0, n = 0;
        const infl_rule_t *best = NULL;
        for (i = 0; i < b->infl_cnt; i++) {
                size_t el = strlen(b->infl[i].end);
                if (el < wl && (!best || el > best_l) &&
                    !strcmp(w + wl - el, b->infl[i].end)) {
                        best = &b->infl[i];
                        best_l = el;
                }
        }
        if (!best)
                return 0;
        snprintf(forms[n++], RDR_CLF_MAX_PHRASE, "%s", w);
        for (i = 0; i < best->forms_cnt; i++)
                snprintf(forms[n++], RDR_CLF_MAX_PHRASE, "%.*s%s",
                         (int)(wl - best_l), w, best->forms[i]);
        return n;
}

#define ENTRY_MAX_WORDS 16

/* One phrase of a group: added as written, or, with words marked '~'
 * (see infl_rule_t), each of its forms. */
static rdr_err_t add_entry(builder_t *b, const rdr_yaml_t *node,
                           const char *what, const char *phrase, double weight,
                           const group_def_t *g, int lang, char *errstr,
                           size_t errstr_size) {
        char copy[RDR_CLF_MAX_PHRASE], *save = NULL, *tok;
        char forms[ENTRY_MAX_WORDS][INFL_MAX_FORMS + 1][RDR_CLF_MAX_PHRASE];
        size_t nforms[ENTRY_MAX_WORDS], pick[ENTRY_MAX_WORDS], nw = 0, i,
                                                               total = 1;
        rdr_err_t err;

        if (!strchr(phrase, '~'))
                return add_phrase(b, node, what, phrase, weight, g, lang,
                                  errstr, errstr_size);
        if (!b->infl_cnt)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "phrase '%.64s': '~' needs the "
                                      "inflections of this lexicon "
                                      "(inflections: ending: [forms])",
                                      phrase);
        if (strlen(phrase) >= sizeof(copy))
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "phrase must have 1..%d bytes",
                                      RDR_CLF_MAX_PHRASE - 1);
        memcpy(copy, phrase, strlen(phrase) + 1);
        for (tok = strtok_r(copy, " ", &save); tok;
             tok = strtok_r(NULL, " ", &save)) {
                size_t tl = strlen(tok);
                char *tilde = strchr(tok, '~');
                if (nw == ENTRY_MAX_WORDS)
                        return rdr_yaml_error(node, what, errstr, errstr_size,
                                              "phrase '%.64s': a phrase "
                                              "with '~' has at most %d words",
                                              phrase, ENTRY_MAX_WORDS);
                nforms[nw] = 1;
                pick[nw] = 0;
                snprintf(forms[nw][0], RDR_CLF_MAX_PHRASE, "%s", tok);
                if (tilde) {
                        unsigned units;
                        char folded[RDR_CLF_MAX_PHRASE];
                        size_t fl, j;
                        tok[tl - 1] = '\0';
                        fl = tilde == tok + tl - 1 && tl > 1
                                 ? rdr_clf_phrase_normalize(
                                       tok, folded, sizeof(folded), &units)
                                 : 0;
                        for (j = 0; j < fl; j++)
                                if (folded[j] < 'a' || folded[j] > 'z')
                                        fl = 0;
                        if (!fl)
                                return rdr_yaml_error(
                                    node, what, errstr, errstr_size,
                                    "phrase '%.64s': '~' only at the end of "
                                    "a word of Latin letters",
                                    phrase);
                        nforms[nw] = infl_forms(b, folded, forms[nw]);
                        if (!nforms[nw])
                                return rdr_yaml_error(
                                    node, what, errstr, errstr_size,
                                    "phrase '%.64s': no ending of this "
                                    "lexicon's inflections ends '%s'",
                                    phrase, folded);
                        total *= nforms[nw];
                        if (total > INFL_MAX_EXPAND)
                                return rdr_yaml_error(
                                    node, what, errstr, errstr_size,
                                    "phrase '%.64s': more than %d forms",
                                    phrase, INFL_MAX_EXPAND);
                }
                nw++;
        }
        /* Every combination of the words' forms, the first word's
         * slowest. */
        for (;;) {
                char out[RDR_CLF_MAX_PHRASE];
                size_t ol = 0;
                for (i = 0; i < nw; i++) {
                        int n = snprintf(out + ol, sizeof(out) - ol, "%s%s",
                                         i ? " " : "", forms[i][pick[i]]);
                        if (n < 0 || (size_t)n >= sizeof(out) - ol)
                                return rdr_yaml_error(
                                    node, what, errstr, errstr_size,
                                    "phrase must have 1..%d bytes",
                                    RDR_CLF_MAX_PHRASE - 1);
                        ol += (size_t)n;
                }
                err = add_phrase(b, node, what, out, weight, g, lang, errstr,
                                 errstr_size);
                if (err)
                        return err;
                /* the next combination: the last word's next form, or
                 * its first and the word before's next, and so on */
                for (i = nw; i > 0; i--) {
                        pick[i - 1]++;
                        if (pick[i - 1] < nforms[i - 1])
                                break;
                        pick[i - 1] = 0;
                }
                if (i == 0)
                        return RDR_OK;
        }
}

/* One group: a list of phrases, or a map phrase -> weight. Duplicates within
 * the group (after normalization) are errors. */
static rdr_err_t load_group(builder_t *b, const rdr_yaml_t *val,
                            const char *what, const group_def_t *g, int lang,
                            char *errstr, size_t errstr_size) {
        size_t i, j, k, added, first = b->pend_cnt;
        rdr_err_t err = RDR_OK;

        if (rdr_yaml_type(val) == RDR_YAML_SCALAR)
                return rdr_yaml_error(val, what, errstr, errstr_size,
                                      "expected a list of phrases or a "
                                      "mapping phrase: weight");
        for (i = 0; i < rdr_yaml_len(val) && !err; i++) {
                const rdr_yaml_t *item = rdr_yaml_at(val, i);
                double w = g->def_weight;
                const char *phrase;
                char item_what[160];
                if (rdr_yaml_type(val) == RDR_YAML_SEQ) {
                        phrase = rdr_yaml_scalar(item);
                        if (!phrase)
                                return rdr_yaml_error(item, what, errstr,
                                                      errstr_size,
                                                      "item %zu is not a "
                                                      "phrase",
                                                      i + 1);
                        snprintf(item_what, sizeof(item_what), "%s", what);
                } else {
                        phrase = rdr_yaml_key(val, i);
                        snprintf(item_what, sizeof(item_what), "%s.%s", what,
                                 phrase);
                        err = rdr_yaml_as_double(item, item_what, 0.01, 10.0,
                                                 &w, errstr, errstr_size);
                        if (err)
                                return err;
                }
                added = b->pend_cnt;
                err = add_entry(b, item, item_what, phrase, w, g, lang, errstr,
                                errstr_size);
                if (err)
                        return err;
                /* a duplicate within the group: its forms too */
                for (k = added; k < b->pend_cnt; k++)
                        for (j = first; j < k; j++) {
                                if (b->pend[j].node == b->pend[k].node &&
                                    b->pend[j].ent.flags ==
                                        b->pend[k].ent.flags)
                                        return rdr_yaml_error(
                                            item, item_what, errstr,
                                            errstr_size,
                                            "phrase '%.64s' is listed twice "
                                            "in this group (after folding "
                                            "case and accents%s)",
                                            phrase,
                                            k > added ? ", or as a form of a "
                                                        "word with '~'"
                                                      : "");
                        }
        }
        return err;
}

const char *rdr_clf_group_name(int kind, int target, double weight) {
        size_t i;
        for (i = 0; i < GROUP_DEFS_CNT; i++) {
                const group_def_t *g = &group_defs[i];
                if ((int)g->kind == kind && g->target == target &&
                    (g->sign > 0) == (weight >= 0))
                        return g->path;
        }
        return "?";
}

/* Finds the group of a dotted path, or whether path is a prefix of some. */
static const group_def_t *group_find(const char *path, int *is_prefix) {
        size_t i, pl = strlen(path);
        *is_prefix = 0;
        for (i = 0; i < GROUP_DEFS_CNT; i++) {
                if (!strcmp(group_defs[i].path, path))
                        return &group_defs[i];
                if (!strncmp(group_defs[i].path, path, pl) &&
                    group_defs[i].path[pl] == '.')
                        *is_prefix = 1;
        }
        return NULL;
}

static rdr_err_t lex_walk(builder_t *b, const rdr_yaml_t *map, const char *path,
                          int lang, rdr_clf_lang_t *lg, char *errstr,
                          size_t errstr_size) {
        size_t i;
        for (i = 0; i < rdr_yaml_len(map); i++) {
                char full[128];
                const char *key = rdr_yaml_key(map, i);
                const rdr_yaml_t *val = rdr_yaml_at(map, i);
                const group_def_t *g;
                int is_prefix;
                rdr_err_t err;

                snprintf(full, sizeof(full), "%s%s%s", path, *path ? "." : "",
                         key);
                if (!*path && !strcmp(key, "language"))
                        continue;
                if (!*path && !lg &&
                    (!strcmp(key, "inflections") ||
                     !strcmp(key, "negation_scope")))
                        return rdr_yaml_error(val, full, errstr, errstr_size,
                                              "only in a language's lexicon");
                if (!*path && !strcmp(key, "inflections"))
                        continue; /* read first, load_lexicon() */
                if (!*path && !strcmp(key, "negation_scope")) {
                        err = rdr_yaml_as_int(val, full, 0, 20,
                                              &lg->negation_scope, errstr,
                                              errstr_size);
                        if (err)
                                return err;
                        continue;
                }
                g = group_find(full, &is_prefix);
                if (g)
                        err = load_group(b, val, full, g, lang, errstr,
                                         errstr_size);
                else if (is_prefix && rdr_yaml_type(val) == RDR_YAML_MAP)
                        err = lex_walk(b, val, full, lang, lg, errstr,
                                       errstr_size);
                else if (is_prefix)
                        err = rdr_yaml_error(val, full, errstr, errstr_size,
                                             "expected a mapping");
                else
                        err = rdr_yaml_error(val, full, errstr, errstr_size,
                                             "unknown key");
                if (err)
                        return err;
        }
        return RDR_OK;
}

/* Adds group, the n-th a language (lname) lacks, to clf's notes. */
static void note_group(rdr_classifier_t *clf, const char *lname,
                       const char *group, size_t n) {
        size_t len = strlen(clf->notes);
        if (n == 0)
                snprintf(clf->notes + len, sizeof(clf->notes) - len, "%s%s: %s",
                         len ? "; " : "", lname, group);
        else
                snprintf(clf->notes + len, sizeof(clf->notes) - len, ", %s",
                         group);
}

/* Every group a language's lexicon (root, of language lname) needs has
 * phrases: a group missing or empty would leave a decision blind in that
 * language (its texts read as another language's, "not good" as praise),
 * with nothing to tell why. */
static rdr_err_t check_groups(rdr_classifier_t *clf, const rdr_yaml_t *root,
                              const char *lname, char *errstr,
                              size_t errstr_size) {
        size_t i, notes = 0;
        for (i = 0; i < GROUP_DEFS_CNT; i++) {
                const group_def_t *g = &group_defs[i];
                const rdr_yaml_t *node = root, *parent = root;
                const char *p = g->path, *dot;
                char part[64];
                if (g->need == NEED_NONE ||
                    (g->need == NEED_LATIN && !strcmp(lname, "zh")))
                        continue;
                /* "reasons.logistics": down the map, one part a time. */
                while (node && *p) {
                        dot = strchr(p, '.');
                        snprintf(part, sizeof(part), "%.*s",
                                 (int)(dot ? (size_t)(dot - p) : strlen(p)), p);
                        parent = node;
                        node = rdr_yaml_type(node) == RDR_YAML_MAP
                                   ? rdr_yaml_get(node, part)
                                   : NULL;
                        p = dot ? dot + 1 : "";
                }
                if ((!node || !rdr_yaml_len(node)) && g->need == NEED_NOTE)
                        note_group(clf, lname, g->path, notes++);
                else if (!node || !rdr_yaml_len(node))
                        return rdr_yaml_error(
                            node ? node : parent, g->path, errstr, errstr_size,
                            "%s: a language's lexicon needs phrases here "
                            "(%s)%s",
                            node ? "empty" : "missing", g->role,
                            g->need == NEED_LATIN ? "; zh alone is told by "
                                                    "its Han characters"
                                                  : "");
        }
        return RDR_OK;
}

/* The lexicon at path; name_lang is what its file name says ("es" for
 * es.yaml), its language unless it is common to all ("any"). */
static rdr_err_t load_lexicon(builder_t *b, const char *path,
                              const char *name_lang, char *errstr,
                              size_t errstr_size) {
        rdr_classifier_t *clf = b->clf;
        rdr_yaml_t *root = rdr_yaml_load_file(path, errstr, errstr_size);
        const rdr_yaml_t *ln;
        const char *lname;
        rdr_clf_lang_t *lg = NULL;
        int lang = RDR_CLF_LANG_ANY;
        rdr_err_t err;

        if (!root)
                return RDR_ERR_CONFIG;
        if (rdr_yaml_type(root) != RDR_YAML_MAP) {
                err = rdr_yaml_error(root, "(top)", errstr, errstr_size,
                                     "expected a mapping");
                goto done;
        }
        ln = rdr_yaml_get(root, "language");
        if (!ln) {
                err = rdr_yaml_error(root, "language", errstr, errstr_size,
                                     "missing (a language tag such as 'en', "
                                     "or 'any')");
                goto done;
        }
        err = rdr_yaml_as_str(ln, "language", 7, &lname, errstr, errstr_size);
        if (err)
                goto done;
        /* common.yaml is every language's ("any"), and only it is. */
        if (!strcmp(name_lang, "common") != !strcmp(lname, "any")) {
                err = rdr_yaml_error(ln, "language", errstr, errstr_size,
                                     "expected '%s' as the file name says",
                                     strcmp(name_lang, "common") ? name_lang
                                                                 : "any");
                goto done;
        }
        if (strcmp(lname, "any")) {
                if (!lang_name_ok(lname)) {
                        err =
                            rdr_yaml_error(ln, "language", errstr, errstr_size,
                                           "'%s' is not a language tag", lname);
                        goto done;
                }
                /* One file per language, the one its name says: two
                 * cannot hold one language. */
                if (strcmp(lname, name_lang)) {
                        err =
                            rdr_yaml_error(ln, "language", errstr, errstr_size,
                                           "expected '%s' as the file name "
                                           "says",
                                           name_lang);
                        goto done;
                }
                if (clf->langs_cnt == RDR_CLF_MAX_LANGS) {
                        err = rdr_yaml_error(
                            ln, "language", errstr, errstr_size,
                            "more than %d languages", RDR_CLF_MAX_LANGS);
                        goto done;
                }
                lang = (int)clf->langs_cnt++;
                lg = &clf->langs[lang];
                snprintf(lg->name, sizeof(lg->name), "%s", lname);
                lg->negation_scope = 3;
        }
        b->infl_cnt = 0;
        if (lg && rdr_yaml_get(root, "inflections")) {
                err = load_inflections(b, rdr_yaml_get(root, "inflections"),
                                       errstr, errstr_size);
                if (err)
                        goto done;
        }
        err = lex_walk(b, root, "", lang, lg, errstr, errstr_size);
        b->infl_cnt = 0;
        if (!err && lg)
                err = check_groups(clf, root, lname, errstr, errstr_size);
done:
        rdr_yaml_destroy(root);
        return err;
}

static int cmp_pend(const void *a, const void *b) {
        const pend_t *x = a, *y = b;
        if (x->node != y->node)
                return x->node < y->node ? -1 : 1;
        return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Loads every lexicons/\*.yaml in name order. */
static rdr_err_t load_lexicons(builder_t *b, const char *configs_dir,
                               char *errstr, size_t errstr_size) {
        char dir[1024], path[1200];
        char **names = NULL;
        size_t cnt = 0, i;
        int common = 0;
        rdr_err_t err;

        snprintf(dir, sizeof(dir), "%s/lexicons", configs_dir);
        if ((err = rdr_yaml_dir(dir, &names, &cnt, errstr, errstr_size)))
                return err;
        for (i = 0; i < cnt; i++)
                common |= !strcmp(names[i], "common.yaml");
        if (!common) {
                /* Without it, no clause ends a negation, and emoji say
                 * nothing: every language reads worse, without a word. */
                snprintf(errstr, errstr_size,
                         "%s/common.yaml: missing: the phrases every "
                         "language shares (clause breaks, emoji) are read "
                         "from it",
                         dir);
                err = RDR_ERR_CONFIG;
        }
        for (i = 0; i < cnt && !err; i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                names[i][strlen(names[i]) - 5] = '\0'; /* ".yaml" */
                err = load_lexicon(b, path, names[i], errstr, errstr_size);
        }
        rdr_yaml_dir_free(names, cnt);
        return err;
}

static int lang_index(const rdr_classifier_t *clf, const char *name) {
        size_t i;
        for (i = 0; i < clf->langs_cnt; i++)
                if (!strcmp(clf->langs[i].name, name))
                        return (int)i;
        return -1;
}

void rdr_classifier_doc(void *fp) {
        fprintf(fp, "\n## configs/classifier.yaml and configs/lexicons/"
                    "<language>.yaml\n\nThe classifier's thresholds (every "
                    "key optional, the shipped values are the defaults) and "
                    "its phrases per language (common.yaml: every language); "
                    "each file's header says its keys. Evaluate a change with "
                    "`redress-eval`.\n");
}

/* Whether configs_dir holds a lexicon for language lang: 0 only if no such
 * file is there. One that is there but cannot be read (or a lexicons/ that
 * cannot be) counts: load_lexicons() then says why. */
static int lexicon_exists(const char *configs_dir, const char *lang) {
        char path[1100];
        FILE *fp;
        snprintf(path, sizeof(path), "%s/lexicons/%s.yaml", configs_dir, lang);
        if (!(fp = fopen(path, "r")))
                return errno != ENOENT;
        fclose(fp);
        return 1;
}

/* configs_dir/classifier.yaml into conf (defaults first), validated. */
static rdr_err_t conf_load(rdr_clf_conf_t *conf, const char *configs_dir,
                           char *errstr, size_t errstr_size) {
        rdr_yaml_t *root;
        char path[1100];
        rdr_err_t err = RDR_ERR_CONFIG;

        conf_defaults(conf);
        snprintf(path, sizeof(path), "%s/classifier.yaml", configs_dir);
        if (!(root = rdr_yaml_load_file(path, errstr, errstr_size)))
                return RDR_ERR_CONFIG;
        if (rdr_yaml_type(root) != RDR_YAML_MAP)
                rdr_yaml_error(root, "(top)", errstr, errstr_size,
                               "expected a mapping");
        else if (conf_walk(conf, root, "", errstr, errstr_size) == RDR_OK) {
                const rdr_yaml_t *lang = rdr_yaml_get(root, "language");
                const rdr_yaml_t *fb =
                    lang ? rdr_yaml_get(lang, "latin_fallback") : NULL;
                if (conf->negative_below >= conf->positive_above)
                        rdr_yaml_error(
                            root, "sentiment.negative_below", errstr,
                            errstr_size,
                            "must be below sentiment.positive_above");
                else if (!lexicon_exists(configs_dir,
                                         conf->latin_fallback_lang))
                        rdr_yaml_error(fb ? fb : root,
                                       "language.latin_fallback", errstr,
                                       errstr_size,
                                       "no lexicon for '%s' (lexicons/%s.yaml)",
                                       conf->latin_fallback_lang,
                                       conf->latin_fallback_lang);
                else
                        err = RDR_OK;
        }
        rdr_yaml_destroy(root);
        return err;
}

rdr_err_t rdr_malicious_priority_load(const char *configs_dir,
                                      rdr_malicious_t *priority, size_t *cnt,
                                      char *errstr, size_t errstr_size) {
        rdr_clf_conf_t *conf = malloc(sizeof(*conf));
        rdr_err_t err;
        size_t i;

        if (!conf) {
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        if (!(err = conf_load(conf, configs_dir, errstr, errstr_size))) {
                for (i = 0; i < conf->mal_priority_cnt; i++)
                        priority[i] = (rdr_malicious_t)conf->mal_priority[i];
                *cnt = conf->mal_priority_cnt;
        }
        free(conf);
        return err;
}

const char *rdr_classifier_notes(const rdr_classifier_t *clf) {
        return clf->notes;
}

void rdr_classifier_log_notes(const rdr_classifier_t *clf) {
        if (clf->notes[0])
                rdr_log(RDR_LOG_WARN, "classifier.lexicon_groups",
                        "lexicons without the groups that keep a "
                        "cooperative buyer from reading as extortion "
                        "(\"thanks for the refund, I will update my "
                        "review\") or as a refusal (\"don't call me, "
                        "message me here\"): %s; see README, the upgrade "
                        "notes",
                        clf->notes);
}

rdr_classifier_t *rdr_classifier_new(const char *configs_dir, char *errstr,
                                     size_t errstr_size) {
        rdr_classifier_t *clf;
        builder_t b;
        size_t i;

        memset(&b, 0, sizeof(b));
        clf = calloc(1, sizeof(*clf));
        if (!clf) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (conf_load(&clf->conf, configs_dir, errstr, errstr_size))
                goto err;

        b.clf = clf;
        b.nodes_size = 1024;
        clf->nodes = calloc(b.nodes_size, sizeof(*clf->nodes));
        clf->edges = calloc(2048, sizeof(*clf->edges));
        if (!clf->nodes || !clf->edges) {
                snprintf(errstr, errstr_size, "out of memory");
                goto err;
        }
        clf->edge_mask = 2047;
        clf->nodes_cnt = 1; /* the root */
        if (load_lexicons(&b, configs_dir, errstr, errstr_size))
                goto err;
        if (!clf->langs_cnt) {
                snprintf(errstr, errstr_size,
                         "%s/lexicons: no language lexicon (only 'any')",
                         configs_dir);
                goto err;
        }

        /* Entries sorted by terminal node, in file order within a node. */
        qsort(b.pend, b.pend_cnt, sizeof(*b.pend), cmp_pend);
        clf->entries =
            calloc(b.pend_cnt ? b.pend_cnt : 1, sizeof(*clf->entries));
        if (!clf->entries) {
                snprintf(errstr, errstr_size, "out of memory");
                goto err;
        }
        for (i = 0; i < b.pend_cnt; i++) {
                rdr_clf_node_t *nd = &clf->nodes[b.pend[i].node];
                if (!nd->ent_cnt)
                        nd->ent_off = (uint32_t)i;
                nd->ent_cnt++;
                clf->entries[i] = b.pend[i].ent;
        }
        clf->entries_cnt = b.pend_cnt;
        for (i = 0; i < 256; i++)
                clf->root_child[i] =
                    rdr_clf_trie_child(clf, 0, (unsigned char)i);
        free(b.pend);
        b.pend = NULL;

        clf->lang_zh = lang_index(clf, "zh");
        clf->lang_es = lang_index(clf, "es");
        clf->lang_latin_fallback =
            lang_index(clf, clf->conf.latin_fallback_lang);
        return clf;

err:
        free(b.pend);
        rdr_classifier_destroy(clf);
        return NULL;
}

void rdr_classifier_destroy(rdr_classifier_t *clf) {
        if (!clf)
                return;
        free(clf->nodes);
        free(clf->edges);
        free(clf->entries);
        free(clf);
}

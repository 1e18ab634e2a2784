/* Decisions of the classifier, from the phrase matches of classify_text.c
 * and the thresholds of classifier.yaml: language detection, then one pass
 * over the matches of the active languages (leftmost-longest, so that "not
 * bad" wins over "bad") that applies negation scopes and sums the weights of
 * sentiment, reasons, extortion, nitpicking, insults and intents; then the
 * rules that combine those sums with the rating, the buyer profile, the
 * fleet's tags and the chat history. All work memory is on the stack. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "classify_int.h"

/* Sums of one pass over the matches. */
typedef struct scores_s {
        double sentiment;
        double reason[RDR_REASON__CNT];
        uint32_t reason_first[RDR_REASON__CNT]; /* unit of first cue */
        double extortion, demand;
        double offer; /* offers, threats beside a demand (ext_sentence_end()) */
        /* a sentence held a demand, a mention of the review and a
         * condition bound to one of them (extortion_weight()) */
        int ext_combo;
        double nitpick, insult, private_data, phone_cue;
        double channel_ask; /* asks to be reached another way, not negated */
        double decline;     /* of intent[REFUSE], what declines gave */
        double goods_ask;   /* the goods the order should have brought */
        double neg_agree;   /* of intent[REFUSE], negated agreements */
        double neg_agree_strong; /* ... of them above chat.weak_cue_max */
        double not_yet;          /* "yet", "todavía": not done yet */
        double intent[RDR_INTENT__CNT];
        /* intent's share of phrases above chat.weak_cue_max: what decides
         * a message that says more than its cues (rdr_classify_chat()) */
        double intent_strong[RDR_INTENT__CNT];
        uint64_t said; /* units (< 64) of intent phrases and fillers */
        size_t hits;   /* phrases that told something */
} scores_t;

/* ---- language ---- */

/* Bit set of the languages whose phrases count, and the detected one. */
static int detect(const rdr_classifier_t *clf, const rdr_clf_text_t *t,
                  unsigned *active) {
        const rdr_clf_conf_t *conf = &clf->conf;
        double ev[RDR_CLF_MAX_LANGS];
        size_t i, j;
        int best = -1, second = -1;

        *active = 0;
        if (!t->han && !t->latin_words)
                return -1;
        if (clf->lang_zh >= 0 && t->han &&
            (double)t->han / conf->han_per_word >= (double)t->latin_words) {
                *active = 1u << clf->lang_zh;
                return clf->lang_zh;
        }
        memset(ev, 0, sizeof(ev));
        for (i = 0; i < t->occ_cnt; i++) {
                const rdr_clf_node_t *nd = &clf->nodes[t->occ[i].node];
                for (j = 0; j < nd->ent_cnt; j++) {
                        const rdr_clf_entry_t *e =
                            &clf->entries[nd->ent_off + j];
                        if (e->lang == RDR_CLF_LANG_ANY ||
                            (!t->occ[i].bound &&
                             !(e->flags & RDR_CLF_F_PREFIX)))
                                continue;
                        if (e->kind == RDR_CLF_K_DETECT)
                                ev[e->lang] += e->weight;
                        else if (e->kind != RDR_CLF_K_BREAK &&
                                 e->kind != RDR_CLF_K_FILLER)
                                ev[e->lang] += conf->lexicon_hit_weight;
                }
        }
        if (clf->lang_es >= 0)
                ev[clf->lang_es] += conf->accent_weight * (double)t->accents;
        if (clf->lang_zh >= 0)
                ev[clf->lang_zh] = 0; /* decided by Han characters above */
        for (i = 0; i < clf->langs_cnt; i++) {
                if (best < 0 || ev[i] > ev[best]) {
                        second = best;
                        best = (int)i;
                } else if (second < 0 || ev[i] > ev[second]) {
                        second = (int)i;
                }
        }
        if (best < 0 || ev[best] <= 0) {
                best = clf->lang_latin_fallback;
                if (best < 0)
                        best = 0;
                second = -1;
        }
        *active = 1u << best;
        if (second >= 0 && ev[second] > 0 &&
            ev[second] >= conf->secondary_share * ev[best])
                *active |= 1u << second;
        if (clf->lang_zh >= 0 && t->han)
                *active |= 1u << clf->lang_zh;
        return best;
}

static void lang_name(const rdr_classifier_t *clf, int lang, char out[8]) {
        const char *s =
            lang >= 0 ? clf->langs[lang].name : clf->conf.fallback_lang;
        size_t n = strlen(s);
        if (n > 7)
                n = 7;
        memcpy(out, s, n);
        out[n] = '\0';
}

/* tag into out, whole subtags only: "zh-Hant-TW-x-private" cut where a
 * subtag would not fit, and without the singleton ("x") that lost what
 * followed it, stays a valid tag ("zh-Hant-TW"). */
static void copy_tag(char out[RDR_CLF_LANG_MAX], const char *tag) {
        size_t n = strlen(tag), cut;
        while (n >= RDR_CLF_LANG_MAX || (n > 2 && tag[n - 2] == '-')) {
                for (cut = n < RDR_CLF_LANG_MAX ? n - 1 : RDR_CLF_LANG_MAX - 1;
                     cut > 0 && tag[cut] != '-'; cut--)
                        ;
                n = cut;
        }
        memcpy(out, tag, n);
        out[n] = '\0';
}

/* The language reported is the given one (CONTRACT.md: "as given or as
 * detected"), else detection's. The lexicons scored are the given
 * language's when it has one ("es-MX" is "es"), else detection's: a
 * buyer who writes "fr" keeps "fr" (templates/fr.yaml, if the store adds
 * one, speaks to them) while the text is read with the lexicons it
 * matches. */
static int given_or_detect(const rdr_classifier_t *clf, const char *language,
                           const rdr_clf_text_t *t, unsigned *active,
                           char out[RDR_CLF_LANG_MAX]) {
        int lang;
        size_t i;
        if (language && *language) {
                copy_tag(out, language);
                for (i = 0; i < clf->langs_cnt; i++) {
                        size_t n = strlen(clf->langs[i].name);
                        if (!strncmp(language, clf->langs[i].name, n) &&
                            (language[n] == '\0' || language[n] == '-' ||
                             language[n] == '_')) {
                                lang = (int)i;
                                *active = 1u << lang;
                                if (clf->lang_zh >= 0 && t->han)
                                        *active |= 1u << clf->lang_zh;
                                return lang;
                        }
                }
                return detect(clf, t, active);
        }
        lang = detect(clf, t, active);
        lang_name(clf, lang, out);
        return lang;
}

/* ---- the pass over matches ---- */

/* Phrases compete for text (longest wins) only with phrases of the same
 * channel: "thank you" as praise does not hide "thank" as thanks. */
enum {
        CH_POLARITY,
        CH_INTENT,
        CH_FILLER,
        CH_EXTORTION,
        CH_DEMAND,
        CH_REVIEW_REF,
        CH_CONDITION,
        CH_NITPICK,
        CH_INSULT,
        CH_PRIVATE,
        CH_PHONE_CUE,
        CH__CNT
};
static const unsigned char kind_channel[RDR_CLF_K__CNT] = {
    [RDR_CLF_K_DETECT] = CH_POLARITY,
    [RDR_CLF_K_NEGATOR] = CH_POLARITY,
    [RDR_CLF_K_BREAK] = CH_POLARITY,
    [RDR_CLF_K_IGNORE] = CH_POLARITY,
    [RDR_CLF_K_INTENSIFIER] = CH_POLARITY,
    [RDR_CLF_K_SENTIMENT] = CH_POLARITY,
    [RDR_CLF_K_REASON] = CH_POLARITY,
    [RDR_CLF_K_EXTORTION] = CH_EXTORTION,
    [RDR_CLF_K_DEMAND] = CH_DEMAND,
    [RDR_CLF_K_REVIEW_REF] = CH_REVIEW_REF,
    [RDR_CLF_K_CONDITION] = CH_CONDITION,
    [RDR_CLF_K_NITPICK] = CH_NITPICK,
    [RDR_CLF_K_INSULT] = CH_INSULT,
    [RDR_CLF_K_PRIVATE] = CH_PRIVATE,
    [RDR_CLF_K_PHONE_CUE] = CH_PHONE_CUE,
    [RDR_CLF_K_INTENT] = CH_INTENT,
    [RDR_CLF_K_FILLER] = CH_FILLER,
    [RDR_CLF_K_CHANNEL] = CH_INTENT,
    [RDR_CLF_K_DECLINE] = CH_INTENT,
    [RDR_CLF_K_NOT_YET] = CH_FILLER,
};

/* The complaints of one clause (between breaks): a clause whose own
 * sentiment is positive praises what it names ("customer service was
 * super helpful"), so its reason phrases are dropped. */
typedef struct clause_s {
        double sentiment;
        double reason[RDR_REASON__CNT];
        uint32_t first[RDR_REASON__CNT];
        size_t cues;
} clause_t;

static void clause_flush(const rdr_clf_conf_t *conf, clause_t *cl,
                         scores_t *sc) {
        size_t r;
        if (!cl->cues) {
                cl->sentiment = 0;
                return; /* nothing to keep or to clear */
        }
        if (cl->sentiment <= 0) {
                for (r = 0; r < RDR_REASON__CNT; r++) {
                        if (cl->reason[r] <= 0)
                                continue;
                        sc->reason[r] += cl->reason[r];
                        if (cl->first[r] < sc->reason_first[r])
                                sc->reason_first[r] = cl->first[r];
                }
                sc->sentiment += conf->complaint_weight;
        }
        memset(cl, 0, sizeof(*cl));
        for (r = 0; r < RDR_REASON__CNT; r++)
                cl->first[r] = UINT32_MAX;
}

/* The extortion pattern within one sentence: a demand, a mention of the
 * review, and a condition that binds one of them, i.e. a demand or a
 * mention starts within condition_reach units after it, in its clause
 * ("refund me or I leave 1 star reviews", "退款就改好评"). Across
 * sentences, or with a condition that binds neither ("I read the reviews,
 * can I get a refund if it arrives broken?"), the three tell a complaint.
 * A sentence that opens with a condition reads on from the one before
 * ("Change my review? Only after you pay me."): the two hold the pattern
 * when they change the review (ext_sentence_end()). */
typedef struct ext_sentence_s {
        double demand, review_ref, bound;
        double bound_contrast; /* bound by contrasts: only with a change */
        int changed;           /* a mention changes the review, not negated */
        int change_ref;        /* a mention changes it, negated or not */
        double deed_ref;       /* the mentions' weight deeds took away */
        int held;              /* a hold bound: the deeds' mentions count */
        double deed_w;         /* the open deed's weight, 0 if none */
        uint32_t deed_until;   /* a mention starting before is one it tells */
        double cond_w;         /* the open condition's weight, 0 if none */
        int cond_kind;         /* its rdr_clf_cond_t */
        int cond_change_only;  /* it binds only a change of the review */
        uint32_t cond_end;     /* its end: a clause break from here closes it */
        uint32_t cond_until;   /* a demand or mention starting before binds */
        uint32_t dr_end;       /* end of the demands and mentions so far */
        double given_w;        /* the open receipt's weight, 0 if none */
        uint32_t given_until;  /* a demand starting before is what was given */
        int given_awaited;     /* awaited: ... and a due (the refund) */
        double last_w;         /* the last demand's weight, as counted */
        uint32_t last_end;     /* and its end */
        double offer;          /* offers (beside a demand) */
        double threat;         /* threats (beside a demand, negated too) */
        double neg_demand;     /* the demands negated ("no refund") */
        int reported;          /* the seller's proposal told, to a word break */
        int items;        /* demands, mentions, deeds and conditions so far */
        int clause_items; /* and since the last clause break */
        uint32_t first;   /* the unit where the first of them starts */
        int opened;       /* the sentence opened with a condition */
        struct {          /* the sentence before, as the next one reads on */
                double demand, neg_demand, review_ref, deed_ref;
                double offer, threat; /* not yet beside a demand */
                int changed, change_ref;
        } prev;
} ext_sentence_t;

/* The sentence ends: the pattern in it, or in it and the one before when
 * it opened with a condition, the condition bound in it and a mention in
 * the two changing the review ("Refund me first. Then I will change my
 * review."; not "I want a refund. If you read the reviews ..."). A
 * sentence of no demand, mention or condition ("?!", "Hmm.") leaves the
 * one before to the next. */
static void ext_sentence_end(const rdr_clf_conf_t *conf, ext_sentence_t *es,
                             scores_t *sc) {
        double bound = es->bound + (es->changed ? es->bound_contrast : 0);
        double ref = es->review_ref + (es->held ? es->deed_ref : 0);
        double asked = es->demand + es->neg_demand; /* for threats */
        if (!es->items && es->offer <= 0 && es->threat <= 0 &&
            es->neg_demand <= 0) {
                memset(es, 0, offsetof(ext_sentence_t, prev));
                return;
        }
        /* Offers and threats beside a demand: in their sentence, the one
         * before, or the one after ("I'll make it 5 stars. Refund me."). */
        if (es->offer > 0 && es->demand + es->prev.demand > 0) {
                sc->offer += es->offer;
                es->offer = 0;
        }
        if (es->threat > 0 &&
            asked + es->prev.demand + es->prev.neg_demand > 0) {
                sc->offer += es->threat;
                es->threat = 0;
        }
        if (es->demand > 0)
                sc->offer += es->prev.offer;
        if (asked > 0)
                sc->offer += es->prev.threat;
        if (es->demand > 0 && ref > 0 && bound >= conf->ext_combo_min_condition)
                sc->ext_combo = 1;
        if (es->opened && (es->change_ref || es->prev.change_ref)) {
                int changed = es->changed || es->prev.changed;
                bound = es->bound + (changed ? es->bound_contrast : 0);
                ref += es->prev.review_ref + (es->held ? es->prev.deed_ref : 0);
                if (es->demand + es->prev.demand >=
                        conf->ext_across_min_demand &&
                    ref > 0 && bound >= conf->ext_combo_min_condition)
                        sc->ext_combo = 1;
        }
        es->prev.demand = es->demand;
        es->prev.neg_demand = es->neg_demand;
        es->prev.offer = es->offer;
        es->prev.threat = es->threat;
        es->prev.review_ref = es->review_ref;
        es->prev.deed_ref = es->deed_ref;
        es->prev.changed = es->changed;
        es->prev.change_ref = es->change_ref;
        memset(es, 0, offsetof(ext_sentence_t, prev));
}

/* A demand, mention, deed or condition starts at unit. */
static void ext_sentence_item(ext_sentence_t *es, uint32_t unit) {
        es->clause_items++;
        if (!es->items++ || unit < es->first)
                es->first = unit;
}

/* What ext_sentence_ref() is given: a promise binds only a mention, an
 * opener inside a sentence only a change. */
typedef enum ext_ref_e {
        EXT_DEMAND,
        EXT_MENTION, /* of the review */
        EXT_CHANGE,  /* a mention that changes it, not negated */
} ext_ref_t;

/* A demand or a mention of the review (ref) over units [unit, end). */
static void ext_sentence_ref(ext_sentence_t *es, uint32_t unit, uint32_t end,
                             ext_ref_t ref) {
        ext_sentence_item(es, unit);
        if (es->cond_w > 0 && unit < es->cond_until &&
            (ref != EXT_DEMAND || es->cond_kind != RDR_CLF_C_PROMISE) &&
            (!es->cond_change_only || ref == EXT_CHANGE)) {
                if (es->cond_kind == RDR_CLF_C_CONTRAST)
                        es->bound_contrast += es->cond_w;
                else
                        es->bound += es->cond_w;
                if (es->cond_kind == RDR_CLF_C_HOLD)
                        es->held = 1;
                es->cond_w = 0;
        }
        if (end > es->dr_end)
                es->dr_end = end;
}

/* A condition over units [unit, end) of weight w, of kind (rdr_clf_cond_t):
 * a promise ("and I") binds only a mention of the review after it; a
 * contrast ("but I want") counts only in a sentence whose mention changes
 * the review ("I can remove it, but I want ..."); a hold ("until"), once
 * bound, gives back what deeds took from the sentence's mentions: the
 * review given is held for the demand ("I left 1 star until you refund
 * me"). A condition that starts inside a demand or a mention is bound to
 * it ("refund first", "才改"), and a trailing one ("的话") that starts
 * where one ends ("不给补偿的话"). */
static void ext_sentence_cond(const rdr_clf_conf_t *conf, ext_sentence_t *es,
                              uint32_t unit, uint32_t end, double w, int kind) {
        int change_only = 0;
        /* the first in its sentence, or where the first starts ("先退款":
         * the demand holds the condition) */
        if (!es->items || unit <= es->first)
                es->opened = 1;
        else if (kind == RDR_CLF_C_OPENER && es->clause_items)
                return; /* "... and then I read the reviews" */
        else if (kind == RDR_CLF_C_OPENER)
                change_only = 1; /* "refund me, then I'll remove it" */
        ext_sentence_item(es, unit);
        es->deed_w = 0; /* "I left 1 star and I'll change it if ..." */
        if (kind != RDR_CLF_C_PROMISE &&
            (unit < es->dr_end ||
             (kind == RDR_CLF_C_TRAILING && unit == es->dr_end))) {
                if (kind == RDR_CLF_C_CONTRAST)
                        es->bound_contrast += w;
                else
                        es->bound += w;
                if (kind == RDR_CLF_C_HOLD)
                        es->held = 1;
                return;
        }
        if (es->cond_w > 0 && es->cond_w > w && unit < es->cond_until)
                return; /* a stronger open one keeps its reach */
        es->cond_w = w;
        es->cond_kind = kind;
        es->cond_change_only = change_only;
        es->cond_end = end;
        es->cond_until = end + (uint32_t)conf->ext_condition_reach;
}

/* A clause break after the open condition closes its reach (one it
 * begins, "but I want", does not), and an open deed's; a full stop, "!"
 * or "?" (。！？ normalized alike) ends the sentence. */
static void ext_break(const rdr_clf_conf_t *conf, const rdr_clf_text_t *t,
                      const rdr_clf_occ_t *o, ext_sentence_t *es,
                      scores_t *sc) {
        char c = o->end > 0 ? t->norm[o->end - 1] : 0;
        if (c == '.' || c == '!' || c == '?') {
                ext_sentence_end(conf, es, sc);
                return;
        }
        if (o->unit >= es->cond_end)
                es->cond_w = 0;
        es->deed_w = 0;
        es->clause_items = 0;
        if (c != ',' && c != ';') /* "but": the buyer speaks again */
                es->reported = 0;
        es->given_w = 0;
}

/* A demand over units [unit, end) of weight w; what it counts. A demand
 * starting within given_reach units after a thanks or a receipt (the given
 * group: "thanks for", "received", "gracias por"), before a clause break,
 * is what was given: it counts its weight times 1 - the receipt's (nothing
 * at 1.0 or more). "Thanks for the refund and I will update my review"
 * agrees; "refund me and I will update my review" trades. */
static double ext_demand(ext_sentence_t *es, uint32_t unit, uint32_t end,
                         double w, int due) {
        if (es->reported)
                w = 0; /* "the seller promised a refund" */
        if (es->given_w > 0 && unit < es->given_until &&
            (!es->given_awaited || due))
                w *= es->given_w >= 1.0 ? 0.0 : 1.0 - es->given_w;
        if (w <= 0) {
                ext_sentence_item(es, unit);
                return 0;
        }
        es->demand += w;
        es->last_w = w;
        es->last_end = end;
        ext_sentence_ref(es, unit, end, EXT_DEMAND);
        return w;
}

/* A thanks or a receipt over units [unit, end) of weight w (the given
 * group), for the demands after it (ext_demand()); or a receipt awaited
 * (the awaits group, awaited), for the dues after it only: the refund the
 * order owes, not compensation ("once I receive the refund", not "...
 * $20"). */
static void ext_given(const rdr_clf_conf_t *conf, ext_sentence_t *es,
                      uint32_t unit, uint32_t end, double w, int awaited) {
        ext_sentence_item(es, unit);
        es->given_w = w;
        es->given_until = end + (uint32_t)conf->ext_given_reach;
        es->given_awaited = awaited;
}

/* A receipt over units [unit, ...) of weight w (the received group: "came
 * through", "llegó", "到账"; the goods group: "a new one", "换一个"): the
 * sentence's last demand, ending within given_reach units before it, was
 * met, or asked for what the order should have brought, no money: it
 * gives back its weight times w (all at 1.0 or more); what it gives back.
 * "The refund came through and I will change my rating" and "send me a
 * new one and I will update my review" agree. */
static double ext_received(const rdr_clf_conf_t *conf, ext_sentence_t *es,
                           uint32_t unit, double w) {
        double back;
        if (es->last_w <= 0 || unit < es->last_end ||
            unit >= es->last_end + (uint32_t)conf->ext_given_reach)
                return 0;
        back = es->last_w * (w >= 1.0 ? 1.0 : w);
        es->demand -= back;
        es->last_w = 0;
        return back;
}

/* A mention of the review over units [unit, end) of weight w and kind
 * (rdr_clf_mention_t), negated or not: a deed (the deeds group: "I gave
 * it", "le di", "给了") or a mention, which may change the review (the
 * changes group: "remove it", "删"; not negated: "I won't remove it").
 * The mentions starting within condition_reach units after a deed, before
 * a condition or a clause break, tell what was done ("I gave it a 1 star
 * review but I want a refund") and offer nothing: each counts its weight
 * times 1 - the deed's (nothing at 1.0 or more). */
static void ext_sentence_mention(const rdr_clf_conf_t *conf, ext_sentence_t *es,
                                 uint32_t unit, uint32_t end, double w,
                                 int kind, int negated) {
        ext_sentence_item(es, unit);
        if (kind == RDR_CLF_M_DEED) {
                es->deed_w = w;
                es->deed_until = end + (uint32_t)conf->ext_condition_reach;
                return;
        }
        if (es->deed_w > 0 && unit < es->deed_until) {
                double kept = w * (es->deed_w >= 1.0 ? 0.0 : 1.0 - es->deed_w);
                es->deed_ref += w - kept;
                w = kept;
                if (w <= 0)
                        return;
        }
        if (kind == RDR_CLF_M_CHANGE) {
                es->change_ref = 1;
                es->changed |= !negated;
        }
        es->review_ref += w;
        ext_sentence_ref(es, unit, end,
                         kind == RDR_CLF_M_CHANGE && !negated ? EXT_CHANGE
                                                              : EXT_MENTION);
}

/* Where score_pass() tells each phrase that counts (explain), or NULL. */
typedef struct trace_s {
        rdr_clf_hit_fn fn;
        void *ctx;
} trace_t;

static void trace_hit(const rdr_classifier_t *clf, const trace_t *tr,
                      const rdr_clf_text_t *t, const rdr_clf_occ_t *o,
                      const rdr_clf_entry_t *e, int negated) {
        rdr_clf_hit_t h;
        size_t k;
        int letters = 0;
        h.text = t->norm + o->start;
        h.text_len = o->end > o->start ? o->end - o->start : 0;
        for (k = 0; k < h.text_len; k++)
                letters |= (h.text[k] >= 'a' && h.text[k] <= 'z') ||
                           (h.text[k] >= '0' && h.text[k] <= '9') ||
                           (unsigned char)h.text[k] >= 0x80;
        if (!letters)
                return; /* punctuation: a clause or sentence break */
        h.group = rdr_clf_group_name(e->kind, e->target, e->weight);
        h.lang = e->lang == RDR_CLF_LANG_ANY ? "any" : clf->langs[e->lang].name;
        h.weight = e->weight;
        h.negated = negated;
        tr->fn(tr->ctx, &h);
}

static void score_pass(const rdr_classifier_t *clf, const rdr_clf_text_t *t,
                       unsigned active, scores_t *sc, const trace_t *tr) {
        const rdr_clf_conf_t *conf = &clf->conf;
        clause_t cl;
        ext_sentence_t es;
        uint32_t covered[CH__CNT] = {0}, neg_until = 0, int_until = 0;
        double int_mult = 1.0;
        size_t i, j;
        int any_cover[CH__CNT] = {0};

        memset(sc, 0, sizeof(*sc));
        for (i = 0; i < RDR_REASON__CNT; i++)
                sc->reason_first[i] = UINT32_MAX;
        memset(&cl, 0, sizeof(cl));
        memset(&es, 0, sizeof(es));
        for (i = 0; i < RDR_REASON__CNT; i++)
                cl.first[i] = UINT32_MAX;
        for (i = 0; i < t->occ_cnt; i++) {
                const rdr_clf_occ_t *o = &t->occ[i];
                const rdr_clf_node_t *nd = &clf->nodes[o->node];
                uint32_t end = o->unit;
                unsigned live = 0, take = 0;
                int negated, is_break = 0, c;

                /* In which channels does the phrase count here? */
                for (j = 0; j < nd->ent_cnt; j++) {
                        const rdr_clf_entry_t *e =
                            &clf->entries[nd->ent_off + j];
                        if (e->kind == RDR_CLF_K_DETECT)
                                continue;
                        if (e->lang != RDR_CLF_LANG_ANY &&
                            !(active & (1u << e->lang)))
                                continue;
                        if (!o->bound && !(e->flags & RDR_CLF_F_PREFIX))
                                continue;
                        if (e->kind == RDR_CLF_K_BREAK)
                                is_break = 1;
                        else
                                live |= 1u << kind_channel[e->kind];
                        if (o->unit + e->units > end)
                                end = o->unit + e->units;
                }
                if (is_break && !live) {
                        neg_until = 0;
                        int_until = 0;
                        clause_flush(conf, &cl, sc);
                        ext_break(conf, t, o, &es, sc);
                        continue;
                }
                /* leftmost-longest within each channel */
                for (c = 0; c < CH__CNT; c++) {
                        if (!(live & (1u << c)) ||
                            (any_cover[c] && o->unit < covered[c]))
                                continue;
                        covered[c] = end;
                        any_cover[c] = 1;
                        take |= 1u << c;
                }
                if (!take)
                        continue;
                if (take & ((1u << CH_INTENT) | (1u << CH_FILLER))) {
                        uint32_t u;
                        for (u = o->unit; u < end && u < 64; u++)
                                sc->said |= 1ull << u;
                }
                negated = o->unit < neg_until;

                for (j = 0; j < nd->ent_cnt; j++) {
                        const rdr_clf_entry_t *e =
                            &clf->entries[nd->ent_off + j];
                        double w = e->weight;
                        if (e->kind == RDR_CLF_K_DETECT ||
                            (e->lang != RDR_CLF_LANG_ANY &&
                             !(active & (1u << e->lang))) ||
                            (!o->bound && !(e->flags & RDR_CLF_F_PREFIX)))
                                continue;
                        if (e->kind != RDR_CLF_K_BREAK &&
                            !(take & (1u << kind_channel[e->kind])))
                                continue;
                        if (tr)
                                trace_hit(clf, tr, t, o, e, negated);
                        switch ((rdr_clf_kind_t)e->kind) {
                        case RDR_CLF_K_NEGATOR: {
                                long long scope = 3;
                                if (e->lang != RDR_CLF_LANG_ANY)
                                        scope =
                                            clf->langs[e->lang].negation_scope;
                                if (!negated)
                                        neg_until = end + (uint32_t)scope;
                                else
                                        neg_until = 0; /* "not without" */
                                break;
                        }
                        case RDR_CLF_K_BREAK:
                                neg_until = 0;
                                int_until = 0;
                                clause_flush(conf, &cl, sc);
                                ext_break(conf, t, o, &es, sc);
                                break;
                        case RDR_CLF_K_IGNORE:
                                break;
                        case RDR_CLF_K_INTENSIFIER:
                                int_until = end + 2;
                                int_mult = w;
                                break;
                        case RDR_CLF_K_SENTIMENT:
                                if (o->unit < int_until) {
                                        w *= int_mult;
                                        int_until = 0;
                                }
                                w = negated ? -w * conf->negation_flip : w;
                                sc->sentiment += w;
                                cl.sentiment += w;
                                sc->hits++;
                                break;
                        case RDR_CLF_K_REASON:
                                sc->hits++;
                                if (negated) {
                                        sc->sentiment +=
                                            conf->negated_complaint_weight;
                                        cl.sentiment +=
                                            conf->negated_complaint_weight;
                                        break;
                                }
                                cl.reason[e->target] += w;
                                if (cl.first[e->target] == UINT32_MAX)
                                        cl.first[e->target] = o->unit;
                                cl.cues++;
                                break;
                        case RDR_CLF_K_EXTORTION:
                                if (!negated && es.reported) {
                                        /* the seller's, told */
                                } else if (!negated &&
                                           e->target == RDR_CLF_X_OFFER) {
                                        es.offer += w;
                                } else if (!negated &&
                                           e->target == RDR_CLF_X_THREAT) {
                                        es.threat += w;
                                } else if (!negated) {
                                        sc->extortion += w;
                                } else {
                                        sc->intent[RDR_INTENT_REFUSE] += w;
                                        if (w > conf->chat_weak_cue_max)
                                                sc->intent_strong
                                                    [RDR_INTENT_REFUSE] += w;
                                }
                                sc->hits++;
                                break;
                        case RDR_CLF_K_DEMAND:
                                if (!negated)
                                        sc->demand += ext_demand(
                                            &es, o->unit, end, w,
                                            e->target == RDR_CLF_DEMAND_DUE);
                                else
                                        es.neg_demand += w;
                                break;
                        case RDR_CLF_K_REVIEW_REF:
                                ext_sentence_mention(conf, &es, o->unit, end, w,
                                                     e->target, negated);
                                break;
                        case RDR_CLF_K_CONDITION:
                                /* in the conditions' channel, that a longer
                                 * phrase covers them, but no conditions:
                                 * the seller's proposal told, a thanks, a
                                 * receipt */
                                if (e->target == RDR_CLF_C_REPORTED)
                                        es.reported = 1;
                                else if (e->target == RDR_CLF_C_GIVEN)
                                        ext_given(conf, &es, o->unit, end, w,
                                                  0);
                                else if (e->target == RDR_CLF_C_AWAITED) {
                                        /* a condition still for more
                                         * than the refund due: "once I
                                         * receive $20 ..." */
                                        ext_given(conf, &es, o->unit, end, 1.0,
                                                  1);
                                        ext_sentence_cond(conf, &es, o->unit,
                                                          end, w,
                                                          RDR_CLF_C_PLAIN);
                                } else if (e->target != RDR_CLF_C_RECEIVED &&
                                           e->target != RDR_CLF_C_GOODS) {
                                        ext_sentence_cond(conf, &es, o->unit,
                                                          end, w, e->target);
                                } else if (!negated) { /* "never arrived" */
                                        sc->demand -=
                                            ext_received(conf, &es, o->unit, w);
                                        if (e->target == RDR_CLF_C_GOODS)
                                                sc->goods_ask += w;
                                }
                                break;
                        case RDR_CLF_K_NITPICK:
                                sc->nitpick += w;
                                break;
                        case RDR_CLF_K_INSULT:
                                sc->insult += w;
                                sc->hits++;
                                break;
                        case RDR_CLF_K_PRIVATE:
                                sc->private_data += w;
                                break;
                        case RDR_CLF_K_PHONE_CUE:
                                sc->phone_cue += w;
                                break;
                        case RDR_CLF_K_INTENT: {
                                int it = -1;
                                sc->hits++;
                                if (negated && e->target == RDR_INTENT_AGREE) {
                                        it = RDR_INTENT_REFUSE;
                                        sc->neg_agree += w;
                                        if (w > conf->chat_weak_cue_max)
                                                sc->neg_agree_strong += w;
                                } else if (!negated ||
                                           e->target == RDR_INTENT_QUESTION ||
                                           e->target == RDR_INTENT_EXTORTION)
                                        it = e->target;
                                if (it < 0)
                                        break;
                                sc->intent[it] += w;
                                if (w > conf->chat_weak_cue_max)
                                        sc->intent_strong[it] += w;
                                break;
                        }
                        case RDR_CLF_K_DECLINE:
                                /* as a refusal ("not no thanks" says
                                 * nothing) */
                                sc->hits++;
                                if (negated)
                                        break;
                                sc->intent[RDR_INTENT_REFUSE] += w;
                                sc->decline += w;
                                if (w > conf->chat_weak_cue_max)
                                        sc->intent_strong[RDR_INTENT_REFUSE] +=
                                            w;
                                break;
                        case RDR_CLF_K_NOT_YET:
                                sc->not_yet += w;
                                break;
                        case RDR_CLF_K_CHANNEL:
                                if (!negated) /* not "don't text me" */
                                        sc->channel_ask += w;
                                break;
                        case RDR_CLF_K_FILLER:
                                break;
                        case RDR_CLF_K_DETECT:
                        case RDR_CLF_K__CNT:
                                break;
                        }
                }
        }
        clause_flush(conf, &cl, sc);
        ext_sentence_end(conf, &es, sc);
        if (sc->sentiment > conf->max_text_score)
                sc->sentiment = conf->max_text_score;
        if (sc->sentiment < -conf->max_text_score)
                sc->sentiment = -conf->max_text_score;
}

/* Extortion weight of a text: outright phrases, offers and threats beside
 * a demand, plus the combination of a demand, a mention of the review and
 * a condition in one sentence (ext_sentence_t). */
static double extortion_weight(const rdr_clf_conf_t *conf, const scores_t *sc) {
        double w = sc->extortion + sc->offer;
        if (sc->ext_combo)
                w += conf->ext_combo_weight;
        return w;
}

static int profile_professional(const rdr_clf_conf_t *conf,
                                const rdr_clf_profile_t *p) {
        int low, many;
        if (!p)
                return 0;
        low = (p->has_account_level &&
               p->account_level <= conf->prof_max_level) ||
              (p->has_account_age_days &&
               p->account_age_days <= conf->prof_max_age_days);
        many =
            p->has_negative_reviews_total &&
            (p->negative_reviews_total >= conf->prof_min_negative ||
             (p->has_reviews_total && p->reviews_total > 0 &&
              p->negative_reviews_total >= conf->prof_min_negative_for_share &&
              (double)p->negative_reviews_total >=
                  conf->prof_min_negative_share * (double)p->reviews_total));
        return low && many;
}

static int cmp_reason(const scores_t *sc, int a, int b) {
        if (sc->reason[a] != sc->reason[b])
                return sc->reason[a] > sc->reason[b] ? -1 : 1;
        if (sc->reason_first[a] != sc->reason_first[b])
                return sc->reason_first[a] < sc->reason_first[b] ? -1 : 1;
        return a < b ? -1 : 1;
}

void rdr_classify_review(const rdr_classifier_t *clf,
                         const rdr_review_input_t *in,
                         rdr_classification_t *out) {
        const rdr_clf_conf_t *conf = &clf->conf;
        rdr_clf_text_t t;
        scores_t sc;
        unsigned active;
        double total, prior = 0, margin, conf_s, conf_r = 0.7, min_reason;
        int rating = in->rating >= 1 && in->rating <= 5 ? in->rating : 0;
        int complaint, ext_chat = 0, cand[RDR_MAL__CNT];
        size_t i, j;

        memset(out, 0, sizeof(*out));
        rdr_clf_text_normalize(in->text, in->text_len, &t);
        rdr_clf_text_match(clf, &t);
        given_or_detect(clf, in->language, &t, &active, out->language);
        score_pass(clf, &t, active, &sc, NULL);

        /* sentiment */
        if (rating)
                prior = conf->rating_prior[rating];
        total = sc.sentiment + prior;
        if (total <= conf->negative_below)
                out->sentiment = RDR_SENT_NEGATIVE;
        else if (total >= conf->positive_above)
                out->sentiment = RDR_SENT_POSITIVE;
        else
                out->sentiment = RDR_SENT_NEUTRAL;

        /* reasons, strongest first. In a positive review a topic named in
         * passing or in praise ("物流也快", "tal cual la foto") is no
         * complaint: a reason needs the weight of a complaint phrase. */
        min_reason = out->sentiment == RDR_SENT_POSITIVE
                         ? conf->reason_min_score_positive
                         : conf->reason_min_score;
        for (i = 0; i < RDR_REASON__CNT; i++) {
                if (i == RDR_REASON_NONE || sc.reason[i] < min_reason)
                        continue;
                out->reasons[out->reasons_cnt++] = (rdr_reason_t)i;
        }
        for (i = 1; i < out->reasons_cnt; i++) {
                rdr_reason_t r = out->reasons[i];
                for (j = i; j > 0 && cmp_reason(&sc, (int)r,
                                                (int)out->reasons[j - 1]) < 0;
                     j--)
                        out->reasons[j] = out->reasons[j - 1];
                out->reasons[j] = r;
        }
        /* "other" only when nothing more specific was found */
        if (out->reasons_cnt > 1 && out->reasons[0] == RDR_REASON_OTHER) {
                memmove(out->reasons, out->reasons + 1,
                        (out->reasons_cnt - 1) * sizeof(out->reasons[0]));
                out->reasons[out->reasons_cnt - 1] = RDR_REASON_OTHER;
        }
        if (out->reasons_cnt) {
                double top = sc.reason[out->reasons[0]];
                double next =
                    out->reasons_cnt > 1 ? sc.reason[out->reasons[1]] : 0;
                out->reason = out->reasons[0];
                conf_r = 0.5 + 0.5 * (top - next) / (top + next + 0.5);
        } else if (out->sentiment == RDR_SENT_NEGATIVE) {
                out->reason = RDR_REASON_OTHER;
                out->reasons[out->reasons_cnt++] = RDR_REASON_OTHER;
                conf_r = 0.5;
        } else {
                out->reason = RDR_REASON_NONE;
        }
        complaint = out->reason != RDR_REASON_NONE;
        if (rating)
                out->negative = rating <= 2 || (rating == 3 && complaint);
        else
                out->negative = out->sentiment == RDR_SENT_NEGATIVE;

        /* malicious: every class that applies, then the first by priority */
        memset(cand, 0, sizeof(cand));
        for (i = 0; i < in->chat_intents_cnt && in->chat_intents; i++)
                if (in->chat_intents[i] == RDR_INTENT_EXTORTION)
                        ext_chat = 1;
        {
                int tags_ok = out->negative || !conf->tags_need_negative;
                out->demand_in_text =
                    extortion_weight(conf, &sc) >= conf->ext_min_score;
                cand[RDR_MAL_EXTORTION] =
                    out->demand_in_text ||
                    (tags_ok &&
                     (ext_chat || (in->buyer_tags & RDR_TAG_EXTORTION)));
                cand[RDR_MAL_COMPETITOR] =
                    tags_ok && (in->buyer_tags & RDR_TAG_COMPETITOR);
                cand[RDR_MAL_PROFESSIONAL] =
                    (tags_ok && (in->buyer_tags & RDR_TAG_PROFESSIONAL)) ||
                    (complaint && profile_professional(conf, in->profile) &&
                     sc.nitpick >= conf->prof_min_nitpick &&
                     sc.demand >= conf->prof_min_demand);
        }
        {
                double priv = sc.private_data +
                              conf->abuse_phone_weight * (double)t.phones +
                              conf->abuse_email_weight * (double)t.emails;
                if (sc.phone_cue > 0)
                        priv +=
                            conf->abuse_phone_weight * (double)t.phones_plain;
                cand[RDR_MAL_ABUSIVE] = sc.insult >= conf->abuse_min_insult ||
                                        priv >= conf->abuse_min_private;
        }
        out->malicious = RDR_MAL_NONE;
        for (i = 0; i < conf->mal_priority_cnt; i++) {
                if (cand[conf->mal_priority[i]]) {
                        out->malicious = (rdr_malicious_t)conf->mal_priority[i];
                        break;
                }
        }

        /* confidence: how far the sentiment is from its thresholds, how
         * clear the main reason is, and whether the text said anything */
        margin = out->sentiment == RDR_SENT_NEGATIVE
                     ? conf->negative_below - total
                 : out->sentiment == RDR_SENT_POSITIVE
                     ? total - conf->positive_above
                     : fmin(total - conf->negative_below,
                            conf->positive_above - total);
        conf_s = 0.5 + 0.5 * tanh(margin + 0.5);
        out->confidence = conf_s * (0.6 + 0.4 * conf_r);
        if (!sc.hits)
                out->confidence *= rating ? 0.8 : 0.5;
        if (out->confidence < 0)
                out->confidence = 0;
        if (out->confidence > 1)
                out->confidence = 1;
        /* Three decimals, as the case keeps it: case.classified and the
         * case's later messages say the same. */
        out->confidence = round(out->confidence * 1000.0) / 1000.0;
}

/* Whether a chat message makes a complaint: a negative tone or a review
 * reason's cue with a review's weight (reasons.min_score). */
static int chat_complaint(const rdr_clf_conf_t *conf, const scores_t *sc) {
        int i;
        if (sc->sentiment <= conf->negative_below)
                return 1;
        for (i = 0; i < RDR_REASON__CNT; i++)
                if (i != RDR_REASON_NONE &&
                    sc->reason[i] >= conf->reason_min_score)
                        return 1;
        return 0;
}

/* Whether a chat message holds a word or Han character that no intent
 * phrase or filler took: something more than its cues. A message of more
 * than 64 units always does. */
static int says_more(const rdr_clf_text_t *t, const scores_t *sc) {
        return t->units > 64 || (t->word_units & ~sc->said) != 0;
}

void rdr_classify_chat(const rdr_classifier_t *clf, const char *text,
                       size_t text_len, const char *language,
                       rdr_chat_class_t *out) {
        const rdr_clf_conf_t *conf = &clf->conf;
        rdr_clf_text_t t;
        scores_t sc;
        unsigned active;
        double ext, best_w = 0;
        int best = -1;
        size_t i;

        memset(out, 0, sizeof(*out));
        rdr_clf_text_normalize(text, text_len, &t);
        rdr_clf_text_match(clf, &t);
        given_or_detect(clf, language, &t, &active, out->language);
        score_pass(clf, &t, active, &sc, NULL);

        ext = extortion_weight(conf, &sc) + sc.intent[RDR_INTENT_EXTORTION];
        if (ext >= conf->chat_ext_min_score) {
                out->intent = RDR_INTENT_EXTORTION;
                out->confidence = 0.5 + 0.5 * tanh(ext);
                return;
        }
        sc.intent[RDR_INTENT_EXTORTION] = 0;
        /* An agreement negated but for now ("I haven't updated it yet",
         * "Aún no la actualicé") is not done yet: no refusal, which would
         * end every step toward a buyer about to do it. */
        if (sc.not_yet > 0 && sc.neg_agree > 0) {
                sc.intent[RDR_INTENT_REFUSE] -= sc.neg_agree;
                sc.intent_strong[RDR_INTENT_REFUSE] -= sc.neg_agree_strong;
                /* the weak "no" left is its negation ("Aún no la
                 * actualicé") */
                if (sc.intent_strong[RDR_INTENT_REFUSE] <= 0)
                        sc.intent[RDR_INTENT_REFUSE] = 0;
        }
        /* A message that describes a problem ("No, the replacement never
         * arrived", "Sure, the zipper broke") answers the store's
         * question: a lone "no" or "sure" in it is no refusal and no
         * promise to update the review. Only a strong phrase decides;
         * else an agent reads it (a question). */
        if (chat_complaint(conf, &sc)) {
                if (sc.intent[RDR_INTENT_AGREE] <
                    conf->chat_complaint_min_score)
                        sc.intent[RDR_INTENT_AGREE] = 0;
                if (sc.intent[RDR_INTENT_REFUSE] <
                    conf->chat_complaint_min_score)
                        sc.intent[RDR_INTENT_REFUSE] = 0;
        }
        /* A weak cue ("no", "ok", "sure", "不") is the whole answer only
         * when the message says nothing else (chat_fillers aside: "No,
         * sorry", "不了"). "No, I have not received the refund yet" or "Yes,
         * I bought it for my son" answers something else, for an agent to
         * read: it takes a phrase above chat.weak_cue_max ("stop contacting
         * me", "I'll update my review"), which the weak cues then back. */
        if (says_more(&t, &sc)) {
                if (sc.intent_strong[RDR_INTENT_AGREE] <= 0)
                        sc.intent[RDR_INTENT_AGREE] = 0;
                if (sc.intent_strong[RDR_INTENT_REFUSE] <= 0)
                        sc.intent[RDR_INTENT_REFUSE] = 0;
        }
        /* A bare "ok" or "好的" answers what the store last wrote: "could you
         * tell us what happened?", "we would like to refund you 3.00 USD".
         * It is no promise to update the review, and a guide to editing it
         * in answer would read as the price of the refund: an agent reads
         * it (chat.bare_assent_agrees). A bare "no" still refuses: silence
         * is the safe side of a "no". */
        if (!conf->chat_bare_assent_agrees &&
            sc.intent_strong[RDR_INTENT_AGREE] <= 0)
                sc.intent[RDR_INTENT_AGREE] = 0;
        /* An agreement beside a demand ("给我20块我给你五星", "Denme un
         * cupón y voy a eliminar la reseña") sets terms, whether or not
         * the extortion pattern bound them: no editing guide in answer
         * (it would read as accepting them). An agent reads it. What was
         * given or received is no demand ("thanks for the refund, I'll
         * update my review"). */
        if (sc.demand > conf->chat_agree_max_demand)
                sc.intent[RDR_INTENT_AGREE] = 0;
        /* A buyer who turns one channel down and asks for another ("don't
         * call me, message me here", "No me llames, escríbeme por aquí")
         * wants an answer, the other way: no refusal, which would end
         * every step toward them for good. An agent reads it. */
        if (sc.channel_ask > 0)
                sc.intent[RDR_INTENT_REFUSE] = 0;
        /* An offer declined beside a demand or the goods asked for ("Not
         * interested in a coupon, I want a refund", "不用了，直接给我换一个
         * 吧") turns the offer down, not the store: closing the case would
         * leave the request unanswered. An agent reads it. A refusal in
         * so many words ("My review is staying, and I want the refund")
         * still refuses. What was given or received is no demand. */
        if ((sc.demand > 0 || sc.goods_ask > 0) &&
            sc.intent[RDR_INTENT_REFUSE] - sc.decline < conf->chat_min_score)
                sc.intent[RDR_INTENT_REFUSE] = 0;
        /* thanks is the weakest signal: it wins only clear of the others */
        if (sc.intent[RDR_INTENT_THANKS] > 0)
                sc.intent[RDR_INTENT_THANKS] -= conf->chat_thanks_margin;
        for (i = 0; i < RDR_INTENT__CNT; i++) {
                int it = conf->chat_priority[i];
                if (sc.intent[it] >= conf->chat_min_score &&
                    (best < 0 || sc.intent[it] > best_w)) {
                        best = it;
                        best_w = sc.intent[it];
                }
        }
        if (best < 0) {
                out->intent = RDR_INTENT_QUESTION; /* still open */
                out->confidence = 0.4;
                return;
        }
        out->intent = (rdr_intent_t)best;
        out->confidence = 0.5 + 0.5 * tanh(best_w);
}

void rdr_classify_explain(const rdr_classifier_t *clf, const char *text,
                          size_t text_len, rdr_clf_hit_fn fn, void *ctx) {
        rdr_clf_text_t t;
        scores_t sc;
        unsigned active;
        char lang[RDR_CLF_LANG_MAX];
        trace_t tr;
        tr.fn = fn;
        tr.ctx = ctx;
        rdr_clf_text_normalize(text, text_len, &t);
        rdr_clf_text_match(clf, &t);
        given_or_detect(clf, NULL, &t, &active, lang);
        score_pass(clf, &t, active, &sc, &tr);
}

void rdr_detect_language(const rdr_classifier_t *clf, const char *text,
                         size_t text_len, char out[8]) {
        rdr_clf_text_t t;
        unsigned active;
        int lang;
        rdr_clf_text_normalize(text, text_len, &t);
        rdr_clf_text_match(clf, &t);
        lang = detect(clf, &t, &active);
        lang_name(clf, lang, out);
}

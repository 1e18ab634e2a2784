/* The evaluation behind redress-eval: reads labelled JSONL with jansson, runs
 * the classifier, fills one confusion matrix per field and language, and
 * derives accuracy, macro-F1, per-class precision/recall and the targets. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "classify_eval.h"

enum { F_SENT, F_REASON, F_MAL, F_LANG, F_INTENT, F_CHATLANG, F__CNT };
enum { L_EN, L_ES, L_ZH, L_ALL, L__CNT };
#define MAXC 11
#define LANG_CLASSES 4 /* en, es, zh, other */

static const char *const lang_names[LANG_CLASSES] = {"en", "es", "zh", "other"};
static const char *const field_names[F__CNT] = {"sentiment",   "reason",
                                                "malicious",   "language",
                                                "chat intent", "chat language"};

struct rdr_clf_eval_s {
        unsigned cm[F__CNT][L__CNT][MAXC][MAXC];
        /* the reasons lists, micro-averaged */
        unsigned set_tp[L__CNT], set_fp[L__CNT], set_fn[L__CNT];
        size_t reviews[L__CNT], chats[L__CNT];
        FILE *trace;
};

static int field_classes(int f) {
        switch (f) {
        case F_SENT:
                return RDR_SENT__CNT;
        case F_REASON:
                return RDR_REASON__CNT;
        case F_MAL:
                return RDR_MAL__CNT;
        case F_INTENT:
                return RDR_INTENT__CNT;
        default:
                return LANG_CLASSES;
        }
}

static const char *class_name(int f, int c) {
        switch (f) {
        case F_SENT:
                return rdr_sentiment_names[c];
        case F_REASON:
                return rdr_reason_names[c];
        case F_MAL:
                return rdr_malicious_names[c];
        case F_INTENT:
                return rdr_intent_names[c];
        default:
                return lang_names[c];
        }
}

rdr_clf_eval_t *rdr_clf_eval_new(char *errstr, size_t errstr_size) {
        rdr_clf_eval_t *ev = calloc(1, sizeof(*ev));
        if (!ev)
                snprintf(errstr, errstr_size, "out of memory");
        return ev;
}

void rdr_clf_eval_destroy(rdr_clf_eval_t *ev) {
        free(ev);
}

void rdr_clf_eval_set_trace(rdr_clf_eval_t *ev, FILE *fp) {
        ev->trace = fp;
}

static int lang_slot(const char *s) {
        int i;
        for (i = 0; i < 3; i++)
                if (!strcmp(s, lang_names[i]))
                        return i;
        return 3;
}

static void count(rdr_clf_eval_t *ev, int f, int lang, int label, int pred) {
        ev->cm[f][lang][label][pred]++;
        ev->cm[f][L_ALL][label][pred]++;
}

/* A string member naming one of table's values. */
static int get_enum(json_t *obj, const char *key, const char *const *table,
                    int cnt, int *out, char *why, size_t why_size) {
        json_t *v = json_object_get(obj, key);
        const char *s;
        if (!json_is_string(v)) {
                snprintf(why, why_size, "'%s' missing or not a string", key);
                return -1;
        }
        s = json_string_value(v);
        *out = rdr_enum_parse(table, cnt, s, strlen(s));
        if (*out < 0) {
                snprintf(why, why_size, "'%s': unknown value '%.40s'", key, s);
                return -1;
        }
        return 0;
}

static int get_lang(json_t *obj, int *out, char *why, size_t why_size) {
        json_t *v = json_object_get(obj, "language");
        if (!json_is_string(v)) {
                snprintf(why, why_size, "'language' missing or not a string");
                return -1;
        }
        *out = lang_slot(json_string_value(v));
        if (*out == 3) {
                snprintf(why, why_size, "'language' must be en, es or zh");
                return -1;
        }
        return 0;
}

static int get_profile(json_t *buyer, rdr_clf_profile_t *p, char *why,
                       size_t why_size) {
        static const char *const keys[4] = {"account_level", "account_age_days",
                                            "reviews_total",
                                            "negative_reviews_total"};
        int *has[4];
        long long *val[4];
        int i;
        has[0] = &p->has_account_level;
        val[0] = &p->account_level;
        has[1] = &p->has_account_age_days;
        val[1] = &p->account_age_days;
        has[2] = &p->has_reviews_total;
        val[2] = &p->reviews_total;
        has[3] = &p->has_negative_reviews_total;
        val[3] = &p->negative_reviews_total;
        memset(p, 0, sizeof(*p));
        for (i = 0; i < 4; i++) {
                json_t *v = json_object_get(buyer, keys[i]);
                if (!v)
                        continue;
                if (!json_is_integer(v)) {
                        snprintf(why, why_size, "buyer.%s is not an integer",
                                 keys[i]);
                        return -1;
                }
                *has[i] = 1;
                *val[i] = json_integer_value(v);
        }
        return 0;
}

static int review_line(rdr_clf_eval_t *ev, const rdr_classifier_t *clf,
                       json_t *obj, char *why, size_t why_size) {
        json_t *v, *label, *buyer;
        rdr_review_input_t in;
        rdr_clf_profile_t prof;
        rdr_intent_t intents[64];
        rdr_classification_t out;
        int lang, sent, reason, mal, plang, rating = 0;
        unsigned label_set = 0, pred_set = 0;
        size_t i;

        memset(&in, 0, sizeof(in));
        v = json_object_get(obj, "text");
        if (!json_is_string(v)) {
                snprintf(why, why_size, "'text' missing or not a string");
                return -1;
        }
        in.text = json_string_value(v);
        in.text_len = json_string_length(v);
        v = json_object_get(obj, "rating");
        if (v && !json_is_null(v)) {
                if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                    json_integer_value(v) > 5) {
                        snprintf(why, why_size, "'rating' must be 1..5");
                        return -1;
                }
                rating = (int)json_integer_value(v);
        }
        in.rating = rating;
        if (get_lang(obj, &lang, why, why_size))
                return -1;
        buyer = json_object_get(obj, "buyer");
        if (buyer && json_is_object(buyer)) {
                if (get_profile(buyer, &prof, why, why_size))
                        return -1;
                in.profile = &prof;
        } else if (buyer && !json_is_null(buyer)) {
                snprintf(why, why_size, "'buyer' is not an object");
                return -1;
        }
        v = json_object_get(obj, "buyer_tags");
        if (v && !json_is_array(v)) {
                snprintf(why, why_size, "'buyer_tags' is not a list");
                return -1;
        }
        for (i = 0; v && i < json_array_size(v); i++) {
                const char *s = json_string_value(json_array_get(v, i));
                if (!s) {
                        snprintf(why, why_size,
                                 "'buyer_tags' item not a string");
                        return -1;
                }
                if (!strcmp(s, "professional"))
                        in.buyer_tags |= RDR_TAG_PROFESSIONAL;
                else if (!strcmp(s, "extortion"))
                        in.buyer_tags |= RDR_TAG_EXTORTION;
                else if (!strcmp(s, "competitor"))
                        in.buyer_tags |= RDR_TAG_COMPETITOR;
                else {
                        snprintf(why, why_size, "unknown buyer tag '%.40s'", s);
                        return -1;
                }
        }
        v = json_object_get(obj, "chat_intents");
        if (v && !json_is_array(v)) {
                snprintf(why, why_size, "'chat_intents' is not a list");
                return -1;
        }
        for (i = 0; v && i < json_array_size(v) && i < 64; i++) {
                const char *s = json_string_value(json_array_get(v, i));
                int it = s ? rdr_enum_parse(rdr_intent_names, RDR_INTENT__CNT,
                                            s, strlen(s))
                           : -1;
                if (it < 0) {
                        snprintf(why, why_size, "bad chat intent");
                        return -1;
                }
                intents[in.chat_intents_cnt++] = (rdr_intent_t)it;
        }
        in.chat_intents = intents;

        label = json_object_get(obj, "label");
        if (!json_is_object(label)) {
                snprintf(why, why_size, "'label' missing or not an object");
                return -1;
        }
        if (get_enum(label, "sentiment", rdr_sentiment_names, RDR_SENT__CNT,
                     &sent, why, why_size) ||
            get_enum(label, "reason", rdr_reason_names, RDR_REASON__CNT,
                     &reason, why, why_size) ||
            get_enum(label, "malicious", rdr_malicious_names, RDR_MAL__CNT,
                     &mal, why, why_size))
                return -1;
        v = json_object_get(label, "reasons");
        if (!json_is_array(v)) {
                snprintf(why, why_size,
                         "'label.reasons' missing or not a list");
                return -1;
        }
        for (i = 0; i < json_array_size(v); i++) {
                const char *s = json_string_value(json_array_get(v, i));
                int r = s ? rdr_enum_parse(rdr_reason_names, RDR_REASON__CNT, s,
                                           strlen(s))
                          : -1;
                if (r < 0) {
                        snprintf(why, why_size, "bad reason in label.reasons");
                        return -1;
                }
                label_set |= 1u << r;
        }

        rdr_classify_review(clf, &in, &out);
        plang = lang_slot(out.language);
        for (i = 0; i < out.reasons_cnt; i++)
                pred_set |= 1u << out.reasons[i];
        label_set &= ~(1u << RDR_REASON_NONE);
        pred_set &= ~(1u << RDR_REASON_NONE);

        ev->reviews[lang]++;
        ev->reviews[L_ALL]++;
        count(ev, F_SENT, lang, sent, (int)out.sentiment);
        count(ev, F_REASON, lang, reason, (int)out.reason);
        count(ev, F_MAL, lang, mal, (int)out.malicious);
        count(ev, F_LANG, lang, lang, plang);
        for (i = 0; i < RDR_REASON__CNT; i++) {
                unsigned bit = 1u << i;
                int l = (label_set & bit) != 0, p = (pred_set & bit) != 0;
                if (l && p) {
                        ev->set_tp[lang]++;
                        ev->set_tp[L_ALL]++;
                } else if (p) {
                        ev->set_fp[lang]++;
                        ev->set_fp[L_ALL]++;
                } else if (l) {
                        ev->set_fn[lang]++;
                        ev->set_fn[L_ALL]++;
                }
        }
        if (ev->trace &&
            (sent != (int)out.sentiment || reason != (int)out.reason ||
             mal != (int)out.malicious || plang != lang)) {
                json_t *id = json_object_get(obj, "id");
                fprintf(ev->trace,
                        "%s\t%s\tr%d\tsent %s/%s\treason %s/%s\tmal %s/%s\t"
                        "lang %s/%s\t%s\n",
                        json_is_string(id) ? json_string_value(id) : "?",
                        lang_names[lang], rating, rdr_sentiment_names[sent],
                        rdr_sentiment_names[out.sentiment],
                        rdr_reason_names[reason], rdr_reason_names[out.reason],
                        rdr_malicious_names[mal],
                        rdr_malicious_names[out.malicious], lang_names[lang],
                        out.language, in.text);
        }
        return 0;
}

static int chat_line(rdr_clf_eval_t *ev, const rdr_classifier_t *clf,
                     json_t *obj, char *why, size_t why_size) {
        json_t *v, *label;
        rdr_chat_class_t out;
        int lang, intent, plang;

        v = json_object_get(obj, "text");
        if (!json_is_string(v)) {
                snprintf(why, why_size, "'text' missing or not a string");
                return -1;
        }
        if (get_lang(obj, &lang, why, why_size))
                return -1;
        label = json_object_get(obj, "label");
        if (!json_is_object(label) ||
            get_enum(label, "intent", rdr_intent_names, RDR_INTENT__CNT,
                     &intent, why, why_size)) {
                if (!json_is_object(label))
                        snprintf(why, why_size, "'label' missing");
                return -1;
        }
        rdr_classify_chat(clf, json_string_value(v), json_string_length(v),
                          NULL, &out);
        plang = lang_slot(out.language);
        ev->chats[lang]++;
        ev->chats[L_ALL]++;
        count(ev, F_INTENT, lang, intent, (int)out.intent);
        count(ev, F_CHATLANG, lang, lang, plang);
        if (ev->trace && (intent != (int)out.intent || plang != lang)) {
                json_t *id = json_object_get(obj, "id");
                fprintf(ev->trace, "%s\t%s\tintent %s/%s\tlang %s/%s\t%s\n",
                        json_is_string(id) ? json_string_value(id) : "?",
                        lang_names[lang], rdr_intent_names[intent],
                        rdr_intent_names[out.intent], lang_names[lang],
                        out.language, json_string_value(v));
        }
        return 0;
}

static rdr_err_t eval_file(rdr_clf_eval_t *ev, const rdr_classifier_t *clf,
                           const char *path, int chats, char *errstr,
                           size_t errstr_size) {
        FILE *fp = fopen(path, "rb");
        char *line = NULL;
        size_t cap = 0, lines = 0, lineno = 0;
        ssize_t n;
        rdr_err_t err = RDR_OK;

        if (!fp) {
                snprintf(errstr, errstr_size, "%s: cannot open", path);
                return RDR_ERR_IO;
        }
        for (;;) {
                json_error_t jerr;
                json_t *obj;
                char why[256];
                int bad;
                n = getline(&line, &cap, fp);
                if (n < 0)
                        break;
                lineno++;
                while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                        line[--n] = '\0';
                if (n == 0)
                        continue;
                obj = json_loadb(line, (size_t)n, 0, &jerr);
                if (!obj || !json_is_object(obj)) {
                        snprintf(errstr, errstr_size,
                                 "%s:%zu: not a JSON "
                                 "object: %s",
                                 path, lineno, obj ? "" : jerr.text);
                        json_decref(obj);
                        err = RDR_ERR_INVALID;
                        break;
                }
                bad = chats ? chat_line(ev, clf, obj, why, sizeof(why))
                            : review_line(ev, clf, obj, why, sizeof(why));
                json_decref(obj);
                if (bad) {
                        snprintf(errstr, errstr_size, "%s:%zu: %s", path,
                                 lineno, why);
                        err = RDR_ERR_INVALID;
                        break;
                }
                lines++;
        }
        if (!err && ferror(fp)) {
                snprintf(errstr, errstr_size, "%s: read error", path);
                err = RDR_ERR_IO;
        }
        if (!err && !lines) {
                snprintf(errstr, errstr_size, "%s: no items", path);
                err = RDR_ERR_INVALID;
        }
        free(line);
        fclose(fp);
        return err;
}

rdr_err_t rdr_clf_eval_reviews(rdr_clf_eval_t *ev, const rdr_classifier_t *clf,
                               const char *path, char *errstr,
                               size_t errstr_size) {
        return eval_file(ev, clf, path, 0, errstr, errstr_size);
}

rdr_err_t rdr_clf_eval_chats(rdr_clf_eval_t *ev, const rdr_classifier_t *clf,
                             const char *path, char *errstr,
                             size_t errstr_size) {
        return eval_file(ev, clf, path, 1, errstr, errstr_size);
}

/* ---- metrics ---- */

static unsigned cm_total(const rdr_clf_eval_t *ev, int f, int l) {
        unsigned t = 0;
        int a, b, n = field_classes(f);
        for (a = 0; a < n; a++)
                for (b = 0; b < n; b++)
                        t += ev->cm[f][l][a][b];
        return t;
}

static double accuracy(const rdr_clf_eval_t *ev, int f, int l) {
        unsigned t = cm_total(ev, f, l), ok = 0;
        int a, n = field_classes(f);
        for (a = 0; a < n; a++)
                ok += ev->cm[f][l][a][a];
        return t ? (double)ok / t : -1;
}

static void class_counts(const rdr_clf_eval_t *ev, int f, int l, int c,
                         unsigned *tp, unsigned *fp, unsigned *fn) {
        int a, n = field_classes(f);
        *tp = ev->cm[f][l][c][c];
        *fp = *fn = 0;
        for (a = 0; a < n; a++) {
                if (a == c)
                        continue;
                *fp += ev->cm[f][l][a][c];
                *fn += ev->cm[f][l][c][a];
        }
}

/* Macro-F1 over the classes present in the labels or the predictions. */
static double macro_f1(const rdr_clf_eval_t *ev, int f, int l) {
        double sum = 0;
        int c, k = 0, n = field_classes(f);
        for (c = 0; c < n; c++) {
                unsigned tp, fp, fn;
                class_counts(ev, f, l, c, &tp, &fp, &fn);
                if (!tp && !fp && !fn)
                        continue;
                sum += 2.0 * tp / (2.0 * tp + fp + fn);
                k++;
        }
        return k ? sum / k : -1;
}

static void prf(const rdr_clf_eval_t *ev, int f, int l, int c, double *p,
                double *r, double *f1, unsigned *support) {
        unsigned tp, fp, fn;
        class_counts(ev, f, l, c, &tp, &fp, &fn);
        *p = tp + fp ? (double)tp / (tp + fp) : (fn ? 0 : -1);
        *r = tp + fn ? (double)tp / (tp + fn) : -1;
        *f1 = tp + fp + fn ? 2.0 * tp / (2.0 * tp + fp + fn) : -1;
        *support = tp + fn;
}

static void print_cm(const rdr_clf_eval_t *ev, int f, int l, FILE *fp) {
        int a, b, n = field_classes(f);
        fprintf(fp, "  %-17s", "label \\ predicted");
        for (b = 0; b < n; b++)
                fprintf(fp, " %6.6s", class_name(f, b));
        fprintf(fp, "\n");
        for (a = 0; a < n; a++) {
                unsigned row = 0;
                for (b = 0; b < n; b++)
                        row += ev->cm[f][l][a][b];
                for (b = 0; b < n; b++)
                        row += ev->cm[f][l][b][a];
                if (!row)
                        continue; /* a class neither labelled nor predicted */
                fprintf(fp, "  %-17s", class_name(f, a));
                for (b = 0; b < n; b++)
                        fprintf(fp, " %6u", ev->cm[f][l][a][b]);
                fprintf(fp, "\n");
        }
}

static const char *const slot_names[L__CNT] = {"en", "es", "zh", "all"};

void rdr_clf_eval_print(const rdr_clf_eval_t *ev, FILE *fp) {
        static const int mal_classes[3] = {
            RDR_MAL_EXTORTION, RDR_MAL_PROFESSIONAL, RDR_MAL_ABUSIVE};
        int f, l, i;
        fprintf(fp,
                "items: reviews %zu (en %zu, es %zu, zh %zu), chats %zu "
                "(en %zu, es %zu, zh %zu)\n\n",
                ev->reviews[L_ALL], ev->reviews[L_EN], ev->reviews[L_ES],
                ev->reviews[L_ZH], ev->chats[L_ALL], ev->chats[L_EN],
                ev->chats[L_ES], ev->chats[L_ZH]);
        fprintf(fp, "%-14s %-6s %8s %8s %6s\n", "field", "lang", "accuracy",
                "macro-F1", "n");
        for (f = 0; f < F__CNT; f++) {
                for (l = L_ALL; l >= 0; l = l == L_ALL ? 0 : l + 1) {
                        unsigned t = cm_total(ev, f, l);
                        if (t)
                                fprintf(fp, "%-14s %-6s %8.3f %8.3f %6u\n",
                                        field_names[f], slot_names[l],
                                        accuracy(ev, f, l), macro_f1(ev, f, l),
                                        t);
                        if (l == L_ZH)
                                break;
                }
        }
        for (l = L_ALL; l >= 0; l = l == L_ALL ? 0 : l + 1) {
                unsigned tp = ev->set_tp[l], fpn = ev->set_fp[l],
                         fn = ev->set_fn[l];
                if (tp + fpn + fn)
                        fprintf(fp, "%-14s %-6s micro P %.3f R %.3f F1 %.3f\n",
                                "reasons (all)", slot_names[l],
                                tp + fpn ? (double)tp / (tp + fpn) : 0,
                                tp + fn ? (double)tp / (tp + fn) : 0,
                                2.0 * tp / (2.0 * tp + fpn + fn));
                if (l == L_ZH)
                        break;
        }

        fprintf(fp, "\nmalicious classes: precision recall F1 support\n");
        for (i = 0; i < 3; i++) {
                for (l = L_ALL; l >= 0; l = l == L_ALL ? 0 : l + 1) {
                        double p, r, f1;
                        unsigned sup;
                        prf(ev, F_MAL, l, mal_classes[i], &p, &r, &f1, &sup);
                        fprintf(fp,
                                "  %-13s %-4s P %6.3f  R %6.3f  F1 %6.3f  "
                                "n %u\n",
                                rdr_malicious_names[mal_classes[i]],
                                slot_names[l], p, r, f1, sup);
                        if (l == L_ZH)
                                break;
                }
        }
        {
                double p, r, f1;
                unsigned sup;
                prf(ev, F_INTENT, L_ALL, RDR_INTENT_EXTORTION, &p, &r, &f1,
                    &sup);
                fprintf(fp, "  %-13s %-4s P %6.3f  R %6.3f  F1 %6.3f  n %u\n",
                        "chat extortion", "all", p, r, f1, sup);
        }

        for (f = 0; f < F__CNT; f++) {
                for (l = L_ALL; l >= 0; l = l == L_ALL ? 0 : l + 1) {
                        if (cm_total(ev, f, l)) {
                                fprintf(fp,
                                        "\nconfusion %s (%s), rows = "
                                        "label\n",
                                        field_names[f], slot_names[l]);
                                print_cm(ev, f, l, fp);
                        }
                        if (l == L_ZH)
                                break;
                }
        }
}

size_t rdr_clf_eval_targets(const rdr_clf_eval_t *ev, rdr_clf_target_t *out,
                            size_t out_max) {
        rdr_clf_target_t t[16];
        size_t n = 0, i;
        int l;
        double p, r, f1;
        unsigned sup;

        for (l = 0; l < 3; l++) {
                snprintf(t[n].name, sizeof(t[n].name), "reason macro-F1 %s",
                         slot_names[l]);
                t[n].value = macro_f1(ev, F_REASON, l);
                t[n++].min = 0.85;
        }
        snprintf(t[n].name, sizeof(t[n].name), "sentiment accuracy");
        t[n].value = accuracy(ev, F_SENT, L_ALL);
        t[n++].min = 0.92;
        snprintf(t[n].name, sizeof(t[n].name), "language accuracy");
        t[n].value = accuracy(ev, F_LANG, L_ALL);
        t[n++].min = 0.98;
        prf(ev, F_MAL, L_ALL, RDR_MAL_EXTORTION, &p, &r, &f1, &sup);
        snprintf(t[n].name, sizeof(t[n].name), "extortion recall");
        t[n].value = sup ? r : -1;
        t[n++].min = 0.95;
        snprintf(t[n].name, sizeof(t[n].name), "extortion precision");
        t[n].value = sup ? (p < 0 ? 0 : p) : -1;
        t[n++].min = 0.90;
        prf(ev, F_MAL, L_ALL, RDR_MAL_ABUSIVE, &p, &r, &f1, &sup);
        snprintf(t[n].name, sizeof(t[n].name), "abusive F1");
        t[n].value = sup ? f1 : -1;
        t[n++].min = 0.90;
        prf(ev, F_MAL, L_ALL, RDR_MAL_PROFESSIONAL, &p, &r, &f1, &sup);
        snprintf(t[n].name, sizeof(t[n].name), "professional F1");
        t[n].value = sup ? f1 : -1;
        t[n++].min = 0.90;
        for (l = 0; l < 3; l++) {
                snprintf(t[n].name, sizeof(t[n].name),
                         "chat intent macro-F1 %s", slot_names[l]);
                t[n].value = macro_f1(ev, F_INTENT, l);
                t[n++].min = 0.85;
        }
        for (i = 0; i < n; i++)
                t[i].pass = t[i].value >= t[i].min;
        for (i = 0; i < n && i < out_max; i++)
                out[i] = t[i];
        return n;
}

int rdr_clf_eval_print_targets(const rdr_clf_eval_t *ev, FILE *fp) {
        rdr_clf_target_t t[16];
        size_t n = rdr_clf_eval_targets(ev, t, 16), i;
        int missed = 0;
        fprintf(fp, "\ntargets\n");
        for (i = 0; i < n; i++) {
                if (t[i].value < 0) {
                        fprintf(fp,
                                "  %-28s   (not measured)   >= %.2f  SKIP\n",
                                t[i].name, t[i].min);
                        continue;
                }
                fprintf(fp, "  %-28s %6.3f  >= %.2f  %s\n", t[i].name,
                        t[i].value, t[i].min, t[i].pass ? "ok" : "MISSED");
                if (!t[i].pass)
                        missed++;
        }
        return missed;
}

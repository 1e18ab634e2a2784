/* Evaluation of the classifier on a labelled corpus (the JSONL files of
 * tests/data/classify/): accuracy, macro-F1 and a confusion matrix per field
 * (sentiment, reason, malicious, language, chat intent), overall and per
 * language, precision and recall of the malicious classes, and the project's
 * quality targets. Used by redress-eval and by the unit test that holds the
 * classifier to those targets. */
#ifndef RDR_CLASSIFY_EVAL_H
#define RDR_CLASSIFY_EVAL_H

#include <stdio.h>
#include "classify.h"
#include "err.h"

typedef struct rdr_clf_eval_s rdr_clf_eval_t;

/** A new, empty evaluation (free with rdr_clf_eval_destroy()), or NULL with
 *  the reason in errstr. */
rdr_clf_eval_t *rdr_clf_eval_new(char *errstr, size_t errstr_size);
/** Accepts NULL. */
void rdr_clf_eval_destroy(rdr_clf_eval_t *ev);

/** Where to write one line per misclassified item (NULL: nowhere). The
 *  stream stays the caller's. */
void rdr_clf_eval_set_trace(rdr_clf_eval_t *ev, FILE *fp);

/** Classifies every review line of path (language detected, not given) and
 *  counts the outcomes. RDR_ERR_IO if the file cannot be read,
 *  RDR_ERR_INVALID with "path:line: reason" in errstr for a bad line. */
rdr_err_t rdr_clf_eval_reviews(rdr_clf_eval_t *ev, const rdr_classifier_t *clf,
                               const char *path, char *errstr,
                               size_t errstr_size);
/** The same for chat lines. */
rdr_err_t rdr_clf_eval_chats(rdr_clf_eval_t *ev, const rdr_classifier_t *clf,
                             const char *path, char *errstr,
                             size_t errstr_size);

/** Prints the report. */
void rdr_clf_eval_print(const rdr_clf_eval_t *ev, FILE *fp);

/* One quality target and how the evaluation measured up. */
typedef struct rdr_clf_target_s {
        char name[64];
        double value; /* -1 when nothing was measured */
        double min;
        int pass;
} rdr_clf_target_t;

/** Fills out[] with up to out_max targets; returns how many there are. */
size_t rdr_clf_eval_targets(const rdr_clf_eval_t *ev, rdr_clf_target_t *out,
                            size_t out_max);
/** Prints the targets; returns the number missed. */
int rdr_clf_eval_print_targets(const rdr_clf_eval_t *ev, FILE *fp);

#endif

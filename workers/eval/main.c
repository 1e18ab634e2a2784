/* redress-eval: runs the classifier over labelled JSONL files (reviews and
 * chat messages, see tests/data/classify/README.md) and prints accuracy,
 * macro-F1, confusion matrices and the quality targets. Exit status: 0 done,
 * 1 a target missed (with --check), 2 bad usage, configuration or file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "classify_eval.h"
#include "version.h"

static void usage(FILE *fp) {
        fprintf(fp,
                "usage: redress-eval [--configs DIR] [--reviews FILE]... "
                "[--chats FILE]...\n"
                "                    [--errors] [--check]\n"
                "  --configs DIR   configuration directory (default: "
                "configs)\n"
                "  --reviews FILE  labelled reviews, one JSON object a line\n"
                "  --chats FILE    labelled chat messages\n"
                "  --text TEXT     classify one text (as a review, with "
                "--rating N, and as a chat)\n"
                "  --explain       with --text: each lexicon phrase that "
                "counted, and its group\n"
                "  --errors        list every misclassified item on stderr\n"
                "  --check         exit 1 when a quality target is missed\n"
                "  --version       print the version and the commit built\n");
}

/* --explain: one phrase that counted. */
static void print_hit(void *ctx, const rdr_clf_hit_t *h) {
        (void)ctx;
        printf("  %-28s %-4s %+5.2f%s  \"%.*s\"\n", h->group, h->lang,
               h->weight, h->negated ? " negated" : "        ",
               (int)h->text_len, h->text);
}

/* --text: one text as a review (with --rating) and as a chat message. */
static void classify_one(const rdr_classifier_t *clf, const char *text,
                         int rating) {
        rdr_review_input_t in;
        rdr_classification_t out;
        rdr_chat_class_t chat;
        size_t i;
        memset(&in, 0, sizeof(in));
        in.text = text;
        in.text_len = strlen(text);
        in.rating = rating;
        rdr_classify_review(clf, &in, &out);
        printf("review: language %s sentiment %s reason %s reasons [",
               out.language, rdr_sentiment_names[out.sentiment],
               rdr_reason_names[out.reason]);
        for (i = 0; i < out.reasons_cnt; i++)
                printf("%s%s", i ? " " : "", rdr_reason_names[out.reasons[i]]);
        printf("] malicious %s confidence %.2f negative %d\n",
               rdr_malicious_names[out.malicious], out.confidence,
               out.negative);
        rdr_classify_chat(clf, text, strlen(text), NULL, &chat);
        printf("chat:   language %s intent %s confidence %.2f\n", chat.language,
               rdr_intent_names[chat.intent], chat.confidence);
}

int main(int argc, char **argv) {
        const char *configs = "configs";
        const char *files[64];
        int is_chat[64];
        int nfiles = 0, errors = 0, check = 0, i, missed, rc = 2, rating = 0,
            explain = 0;
        const char *text = NULL;
        char errstr[512];
        rdr_classifier_t *clf = NULL;
        rdr_clf_eval_t *ev = NULL;

        for (i = 1; i < argc; i++) {
                int has_arg = i + 1 < argc;
                if (!strcmp(argv[i], "--configs") && has_arg) {
                        configs = argv[++i];
                } else if ((!strcmp(argv[i], "--reviews") ||
                            !strcmp(argv[i], "--chats")) &&
                           has_arg && nfiles < 64) {
                        is_chat[nfiles] = !strcmp(argv[i], "--chats");
                        files[nfiles++] = argv[++i];
                } else if (!strcmp(argv[i], "--text") && has_arg) {
                        text = argv[++i];
                } else if (!strcmp(argv[i], "--rating") && has_arg) {
                        char *end;
                        long v = strtol(argv[++i], &end, 10);
                        if (*end || v < 0 || v > 5) {
                                usage(stderr);
                                return 2;
                        }
                        rating = (int)v;
                } else if (!strcmp(argv[i], "--explain")) {
                        explain = 1;
                } else if (!strcmp(argv[i], "--errors")) {
                        errors = 1;
                } else if (!strcmp(argv[i], "--check")) {
                        check = 1;
                } else if (!strcmp(argv[i], "--version")) {
                        rdr_version_print("redress-eval");
                        return 0;
                } else if (!strcmp(argv[i], "--help") ||
                           !strcmp(argv[i], "-h")) {
                        usage(stdout);
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        if ((!nfiles && !text) || (explain && !text)) {
                usage(stderr);
                return 2;
        }
        clf = rdr_classifier_new(configs, errstr, sizeof(errstr));
        if (!clf) {
                fprintf(stderr, "redress-eval: %s\n", errstr);
                goto err;
        }
        if (rdr_classifier_notes(clf)[0])
                fprintf(stderr,
                        "redress-eval: lexicons without the groups that keep "
                        "a cooperative buyer from reading as extortion or "
                        "as a refusal: %s "
                        "(README, the upgrade notes)\n",
                        rdr_classifier_notes(clf));
        if (text) {
                classify_one(clf, text, rating);
                if (explain) {
                        printf("phrases (group, lexicon, weight, text):\n");
                        rdr_classify_explain(clf, text, strlen(text), print_hit,
                                             NULL);
                }
                rc = 0;
                goto err;
        }
        ev = rdr_clf_eval_new(errstr, sizeof(errstr));
        if (!ev) {
                fprintf(stderr, "redress-eval: %s\n", errstr);
                goto err;
        }
        if (errors)
                rdr_clf_eval_set_trace(ev, stderr);
        for (i = 0; i < nfiles; i++) {
                rdr_err_t err =
                    is_chat[i] ? rdr_clf_eval_chats(ev, clf, files[i], errstr,
                                                    sizeof(errstr))
                               : rdr_clf_eval_reviews(ev, clf, files[i], errstr,
                                                      sizeof(errstr));
                if (err) {
                        fprintf(stderr, "redress-eval: %s\n", errstr);
                        goto err;
                }
                printf("%s: %s\n", is_chat[i] ? "chats" : "reviews", files[i]);
        }
        rdr_clf_eval_print(ev, stdout);
        missed = rdr_clf_eval_print_targets(ev, stdout);
        rc = check && missed ? 1 : 0;
err:
        rdr_clf_eval_destroy(ev);
        rdr_classifier_destroy(clf);
        return rc;
}

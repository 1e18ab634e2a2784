/* Unit tests of the classifier (workers/domain/classify*.c) with the shipped
 * configs/: bad input never crashes and yields a defined result; negation,
 * language detection, each malicious class, chat intents; configuration
 * errors name file:line and key; and the evaluation on the test split of
 * tests/data/classify/ meets the quality targets. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "classify.h"
#include "classify_eval.h"

static rdr_classifier_t *clf;

static int setup(void **state) {
        char errstr[512];
        clf = rdr_classifier_new(RDR_SOURCE_DIR "/configs", errstr,
                                 sizeof(errstr));
        if (!clf)
                fprintf(stderr, "classifier: %s\n", errstr);
        return clf ? 0 : -1;
}

static int teardown(void **state) {
        rdr_classifier_destroy(clf);
        clf = NULL;
        return 0;
}

static void review(const char *text, int rating, rdr_classification_t *out) {
        rdr_review_input_t in;
        memset(&in, 0, sizeof(in));
        in.text = text;
        in.text_len = text ? strlen(text) : 0;
        in.rating = rating;
        rdr_classify_review(clf, &in, out);
}

/* Whatever the input, the result is well formed. */
static void assert_sane(const rdr_classification_t *out) {
        size_t i;
        assert_non_null(memchr(out->language, '\0', sizeof(out->language)));
        assert_true(out->language[0] != '\0');
        assert_true((int)out->sentiment >= 0 && out->sentiment < RDR_SENT__CNT);
        assert_true((int)out->reason >= 0 && out->reason < RDR_REASON__CNT);
        assert_true((int)out->malicious >= 0 && out->malicious < RDR_MAL__CNT);
        assert_true(out->reasons_cnt <= RDR_REASON__CNT);
        for (i = 0; i < out->reasons_cnt; i++)
                assert_true(out->reasons[i] < RDR_REASON__CNT);
        if (out->reasons_cnt)
                assert_int_equal(out->reasons[0], out->reason);
        else
                assert_int_equal(out->reason, RDR_REASON_NONE);
        assert_true(out->confidence >= 0.0 && out->confidence <= 1.0);
}

static int has_reason(const rdr_classification_t *out, rdr_reason_t r) {
        size_t i;
        for (i = 0; i < out->reasons_cnt; i++)
                if (out->reasons[i] == r)
                        return 1;
        return 0;
}

/* Asserts that each of cases[] (text, intent) reads as its intent; names
 * every one that does not. */
typedef struct chat_case_s {
        const char *text;
        rdr_intent_t intent;
} chat_case_t;

static void assert_chats(const chat_case_t *cases, size_t cnt) {
        rdr_chat_class_t out;
        size_t i, wrong = 0;
        for (i = 0; i < cnt; i++) {
                rdr_classify_chat(clf, cases[i].text, strlen(cases[i].text),
                                  NULL, &out);
                if (out.intent != cases[i].intent) {
                        print_error("chat '%s': %s, expected %s\n",
                                    cases[i].text, rdr_intent_names[out.intent],
                                    rdr_intent_names[cases[i].intent]);
                        wrong++;
                }
        }
        if (wrong)
                fail_msg("%zu of %zu chat messages misread", wrong, cnt);
}

/* A review and what a reader checks of it (assert_reviews()' by): its
 * main reason, or whether it is negative (opens a case); read at rating,
 * else at the rating assert_reviews() is given. */
typedef struct review_case_s {
        const char *text;
        int want;
        int rating;
} review_case_t;

typedef enum review_by_e { BY_REASON, BY_NEGATIVE } review_by_t;

static void assert_reviews(const review_case_t *cases, size_t cnt, int rating,
                           review_by_t by) {
        rdr_classification_t out;
        size_t i, wrong = 0;
        for (i = 0; i < cnt; i++) {
                int got;
                review(cases[i].text,
                       cases[i].rating ? cases[i].rating : rating, &out);
                got = by == BY_REASON ? (int)out.reason : out.negative;
                if (got == cases[i].want)
                        continue;
                if (by == BY_REASON)
                        print_error("review '%s': %s, expected %s\n",
                                    cases[i].text, rdr_reason_names[got],
                                    rdr_reason_names[cases[i].want]);
                else
                        print_error("review '%s': negative %d, expected %d\n",
                                    cases[i].text, got, cases[i].want);
                wrong++;
        }
        if (wrong)
                fail_msg("%zu of %zu reviews misread", wrong, cnt);
}

/* A text read as a 1-star review and as a chat: extortion in both or in
 * neither, as each case says. */
typedef struct ext_case_s {
        const char *text;
        rdr_malicious_t malicious;
} ext_case_t;

static void check_extortion(const ext_case_t *cases, size_t n) {
        rdr_classification_t out;
        rdr_chat_class_t chat;
        size_t i, wrong = 0;
        for (i = 0; i < n; i++) {
                int ext = cases[i].malicious == RDR_MAL_EXTORTION;
                review(cases[i].text, 1, &out);
                assert_sane(&out);
                rdr_classify_chat(clf, cases[i].text, strlen(cases[i].text),
                                  NULL, &chat);
                if (out.malicious != cases[i].malicious ||
                    (chat.intent == RDR_INTENT_EXTORTION) != ext) {
                        print_error("%s: malicious %s, chat %s\n",
                                    cases[i].text,
                                    rdr_malicious_names[out.malicious],
                                    rdr_intent_names[chat.intent]);
                        wrong++;
                }
        }
        if (wrong)
                fail_msg("%zu of %zu texts misread", wrong, n);
}

static void test_bad_input(void **state) {
        static const char invalid[] = "\xff\xfe\xc3(\xe4\xbd\xa0\xf0\x9f\x98 "
                                      "broken \xed\xa0\x80 \xc0\xaf";
        char *big = malloc(RDR_CLF_MAX_TEXT * 2 + 1);
        rdr_classification_t out;
        rdr_chat_class_t chat;
        size_t i;
        const char *texts[] = {"",
                               "   ",
                               "😀😀😀",
                               "👎",
                               "!!!???...",
                               "12345",
                               "This product 质量很差 y es muy malo 😡",
                               invalid};

        assert_non_null(big);
        review(NULL, 0, &out);
        assert_sane(&out);
        assert_string_equal(out.language, "und");
        assert_int_equal(out.sentiment, RDR_SENT_NEUTRAL);
        assert_int_equal(out.reason, RDR_REASON_NONE);
        assert_int_equal(out.negative, 0);
        review(NULL, 1, &out);
        assert_sane(&out);
        assert_int_equal(out.sentiment, RDR_SENT_NEGATIVE);
        assert_int_equal(out.negative, 1);

        for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
                int rating;
                for (rating = 0; rating <= 5; rating++) {
                        review(texts[i], rating, &out);
                        assert_sane(&out);
                }
                rdr_classify_chat(clf, texts[i], strlen(texts[i]), NULL, &chat);
                assert_true(chat.intent < RDR_INTENT__CNT);
                assert_true(chat.confidence >= 0 && chat.confidence <= 1);
        }
        review("😀😀😀", 0, &out);
        assert_string_equal(out.language, "und");
        assert_int_equal(out.sentiment, RDR_SENT_POSITIVE);

        /* 20 KB of one repeated character, of a repeated CJK character, of
         * punctuation, of a repeated phrase: beyond the 10 KB cap */
        memset(big, 'a', RDR_CLF_MAX_TEXT * 2);
        big[RDR_CLF_MAX_TEXT * 2] = '\0';
        review(big, 3, &out);
        assert_sane(&out);
        memset(big, '!', RDR_CLF_MAX_TEXT * 2);
        review(big, 3, &out);
        assert_sane(&out);
        for (i = 0; i + 3 <= RDR_CLF_MAX_TEXT * 2; i += 3)
                memcpy(big + i, "坏", 3);
        big[i] = '\0';
        review(big, 5, &out);
        assert_sane(&out);
        assert_string_equal(out.language, "zh");
        for (i = 0; i + 7 <= RDR_CLF_MAX_TEXT * 2; i += 7)
                memcpy(big + i, "broke! ", 7);
        big[i] = '\0';
        review(big, 2, &out);
        assert_sane(&out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        rdr_classify_chat(clf, big, strlen(big), NULL, &chat);
        assert_true(chat.intent < RDR_INTENT__CNT);
        /* a text cut in the middle of a UTF-8 character */
        review("质量很差", 4, &out);
        assert_sane(&out);
        {
                rdr_review_input_t in;
                memset(&in, 0, sizeof(in));
                in.text = "质量很差";
                in.text_len = 5;
                rdr_classify_review(clf, &in, &out);
                assert_sane(&out);
        }
        free(big);
}

static void test_negation(void **state) {
        rdr_classification_t out;

        review("Not bad at all, I actually like it.", 0, &out);
        assert_int_equal(out.sentiment, RDR_SENT_POSITIVE);
        assert_int_equal(out.reason, RDR_REASON_NONE);
        review("The box was not damaged at all.", 4, &out);
        assert_int_equal(out.reason, RDR_REASON_NONE);
        review("It is not good.", 0, &out);
        assert_int_equal(out.sentiment, RDR_SENT_NEGATIVE);
        review("It broke.", 0, &out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        review("It didn't break, even after a fall.", 5, &out);
        assert_int_equal(out.reason, RDR_REASON_NONE);
        /* A complaint that starts with the negation ("not working",
         * "not arrived") is not taken for the negation of what follows
         * "is" or "has", nor hidden by "not yet" / "todavía no". */
        review("The charger is not working.", 3, &out);
        assert_int_equal(out.negative, 1);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        review("It isn't working.", 3, &out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        review("My package has not arrived.", 2, &out);
        assert_int_equal(out.reason, RDR_REASON_LOGISTICS);
        review("It has not yet arrived.", 2, &out);
        assert_int_equal(out.reason, RDR_REASON_LOGISTICS);
        review("Todavía no me ha llegado el pedido.", 2, &out);
        assert_int_equal(out.reason, RDR_REASON_LOGISTICS);

        review("No llegó roto, todo bien.", 4, &out);
        assert_string_equal(out.language, "es");
        assert_int_equal(out.reason, RDR_REASON_NONE);
        assert_int_equal(out.sentiment, RDR_SENT_POSITIVE);
        review("Llegó roto.", 0, &out);
        assert_true(out.reason == RDR_REASON_PRODUCT_QUALITY ||
                    out.reason == RDR_REASON_PACKAGING_DAMAGE);

        review("用了一个月没有坏", 4, &out);
        assert_string_equal(out.language, "zh");
        assert_int_equal(out.reason, RDR_REASON_NONE);
        review("用了一个月就坏了", 0, &out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        assert_int_equal(out.sentiment, RDR_SENT_NEGATIVE);
        review("不错", 0, &out); /* a phrase, not a negation of 错 */
        assert_int_equal(out.sentiment, RDR_SENT_POSITIVE);
}

/* A positive review that names a topic in praise has no complaint; one
 * that complains in passing keeps its reason (classifier.yaml,
 * reasons.min_score_positive). */
static void test_praise_is_no_complaint(void **state) {
        static const struct {
                const char *text;
                rdr_reason_t reason;
        } cases[] = {
            {"面料很舒服，做工精细，物流也快，第二天就到了，好评！",
             RDR_REASON_NONE},
            {"Buena calidad para el precio y llegó muy bien embalado. La "
             "funda es tal cual la foto. Recomendado.",
             RDR_REASON_NONE},
            {"Love it. Fast shipping too.", RDR_REASON_NONE},
            {"Me encanta. El envío también rápido.", RDR_REASON_NONE},
            {"Great product, but shipping was slow.", RDR_REASON_LOGISTICS},
            {"Muy buena, aunque el envío tardó mucho.", RDR_REASON_LOGISTICS},
            {"很好用，就是物流太慢了", RDR_REASON_LOGISTICS},
        };
        rdr_classification_t out;
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                review(cases[i].text, 5, &out);
                assert_sane(&out);
                assert_int_equal(out.sentiment, RDR_SENT_POSITIVE);
                if (out.reason != cases[i].reason)
                        fail_msg("%s: reason %s, expected %s", cases[i].text,
                                 rdr_reason_names[out.reason],
                                 rdr_reason_names[cases[i].reason]);
        }
        /* the topic word alone still names the cause of a bad review */
        review("物流也快", 1, &out);
        assert_int_equal(out.reason, RDR_REASON_LOGISTICS);
}

static void test_case_accents_typos_emoji(void **state) {
        rdr_classification_t out;
        review("STOPPED WORKING after 2 days", 0, &out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        review("stoped working, so disapointed", 0, &out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        assert_int_equal(out.sentiment, RDR_SENT_NEGATIVE);
        review("el envio tardo muchisimo", 0, &out); /* no accents */
        assert_int_equal(out.reason, RDR_REASON_LOGISTICS);
        review("EL ENVÍO TARDÓ MUCHÍSIMO", 0, &out);
        assert_int_equal(out.reason, RDR_REASON_LOGISTICS);
        review("Doesn’t work", 0, &out); /* curly apostrophe */
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        review("😡😡", 0, &out);
        assert_int_equal(out.sentiment, RDR_SENT_NEGATIVE);
        review("质量很差！！！", 0, &out); /* full-width marks */
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
}

static void test_language(void **state) {
        static const struct {
                const char *text, *lang;
        } cases[] = {
            {"The item arrived late and the box was damaged.", "en"},
            {"El producto llegó tarde y la caja venía dañada.", "es"},
            {"muy buena calidad, lo recomiendo", "es"},
            {"Great quality, would buy again", "en"},
            {"物流太慢了，等了一个月", "zh"},
            {"这个product质量太差了", "zh"},
            {"Muy bueno! Great quality, lo recomiendo a todo el mundo.", "es"},
            {"", "und"},
            {"👍👍", "und"},
            {"12345 !!", "und"},
            {"4K tv", "en"},
        };
        rdr_classification_t out;
        rdr_chat_class_t chat;
        char lang[8];
        size_t i;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                rdr_detect_language(clf, cases[i].text, strlen(cases[i].text),
                                    lang);
                assert_string_equal(lang, cases[i].lang);
        }
        /* a given language is kept as given */
        {
                rdr_review_input_t in;
                memset(&in, 0, sizeof(in));
                in.text = "Llegó roto";
                in.text_len = strlen(in.text);
                in.language = "es-MX";
                rdr_classify_review(clf, &in, &out);
                assert_string_equal(out.language, "es-MX");
                /* A language without a lexicon is still the buyer's: the
                 * text is read with the lexicons detection finds. */
                in.text = "It arrived broken, the screen is cracked";
                in.text_len = strlen(in.text);
                in.rating = 1;
                in.language = "fr";
                rdr_classify_review(clf, &in, &out);
                assert_string_equal(out.language, "fr");
                assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
                /* Cut at a subtag, never inside one. */
                in.language = "zh-Hant-TW-x-private";
                rdr_classify_review(clf, &in, &out);
                assert_string_equal(out.language, "zh-Hant-TW");
                in.language = "pt-BR";
                rdr_classify_review(clf, &in, &out);
                assert_string_equal(out.language, "pt-BR");
        }
        rdr_classify_chat(clf, "Merci", 5, "fr", &chat);
        assert_string_equal(chat.language, "fr");
        rdr_classify_chat(clf, "Gracias!", 8, "es", &chat);
        assert_string_equal(chat.language, "es");
        assert_int_equal(chat.intent, RDR_INTENT_THANKS);
}

static void test_malicious(void **state) {
        rdr_review_input_t in;
        rdr_classification_t out;
        rdr_clf_profile_t prof;
        rdr_intent_t intents[2] = {RDR_INTENT_QUESTION, RDR_INTENT_EXTORTION};

        /* extortion in the text, in three languages */
        review("Refund me $30 or I will leave 1 star reviews on all your "
               "products.",
               1, &out);
        assert_int_equal(out.malicious, RDR_MAL_EXTORTION);
        review("Si me devuelven 20 euros cambio mi reseña a 5 estrellas.", 2,
               &out);
        assert_int_equal(out.malicious, RDR_MAL_EXTORTION);
        review("给我返现20块我就把差评删了", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_EXTORTION);
        /* a refund asked for without a threat is not extortion */
        review("Broke after a week, I want a refund.", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        review("I'll update my review once the seller fixes this.", 2, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        /* "5 stars for" alone is praise of a part, not a price: the
         * buyer is not tagged an extortionist for it; with a demand and a
         * condition it still is */
        review("Would give 5 stars for the design but the zipper broke.", 3,
               &out);
        assert_int_equal(out.negative, 1);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        review("Refund me $20 and I will change it to 5 stars for you.", 1,
               &out);
        assert_int_equal(out.malicious, RDR_MAL_EXTORTION);

        /* extortion from an earlier chat, and from a fleet tag */
        memset(&in, 0, sizeof(in));
        in.text = "Broke in a week.";
        in.text_len = strlen(in.text);
        in.rating = 1;
        in.chat_intents = intents;
        in.chat_intents_cnt = 2;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_EXTORTION);
        in.chat_intents_cnt = 1; /* only the question */
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        in.buyer_tags = RDR_TAG_EXTORTION;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_EXTORTION);
        /* tags mark negative reviews only */
        in.text = "Great product, thank you!";
        in.text_len = strlen(in.text);
        in.rating = 5;
        in.buyer_tags = RDR_TAG_EXTORTION | RDR_TAG_PROFESSIONAL;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);

        /* competitor and professional by tag */
        in.text = "Slow delivery, avoid this shop.";
        in.text_len = strlen(in.text);
        in.rating = 1;
        in.buyer_tags = RDR_TAG_COMPETITOR;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_COMPETITOR);
        in.buyer_tags = RDR_TAG_PROFESSIONAL;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_PROFESSIONAL);

        /* professional by profile: low level, many negatives, nitpicking and
         * a demand for compensation; each missing piece clears it */
        memset(&prof, 0, sizeof(prof));
        prof.has_account_level = prof.has_account_age_days = 1;
        prof.has_reviews_total = prof.has_negative_reviews_total = 1;
        prof.account_level = 1;
        prof.account_age_days = 20;
        prof.reviews_total = 60;
        prof.negative_reviews_total = 50;
        memset(&in, 0, sizeof(in));
        in.text = "There is a tiny scratch near the logo, barely visible, and "
                  "the seam is 2mm off. I demand compensation of $20.";
        in.text_len = strlen(in.text);
        in.rating = 1;
        in.profile = &prof;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_PROFESSIONAL);
        prof.account_level = 8;
        prof.account_age_days = 2000;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        prof.account_level = 1;
        prof.negative_reviews_total = 2;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        /* many by share: 4 of 4 is not enough at the default
         * min_negative_for_share (5); 5 of 8 is */
        prof.reviews_total = prof.negative_reviews_total = 4;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        prof.reviews_total = 8;
        prof.negative_reviews_total = 5;
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_PROFESSIONAL);
        prof.reviews_total = 60;
        prof.negative_reviews_total = 50;
        in.text = "Stopped working after a day.";
        in.text_len = strlen(in.text);
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        in.text = "左边走线偏了2毫米，还有一道细微划痕，要求赔偿30元。";
        in.text_len = strlen(in.text);
        rdr_classify_review(clf, &in, &out);
        assert_int_equal(out.malicious, RDR_MAL_PROFESSIONAL);

        /* abusive: insults, phone numbers, e-mail addresses */
        review("The seller is a useless idiot.", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_ABUSIVE);
        review("Esto es una mierda.", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_ABUSIVE);
        review("卖家就是个傻逼", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_ABUSIVE);
        review("Call the owner at 612 345 678 and complain.", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_ABUSIVE);
        review("大家打他电话13812345678投诉", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_ABUSIVE);
        review("Write to him at john.doe@example.com", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_ABUSIVE);
        /* order and tracking numbers, sizes, prices are not private data */
        review("Order 112-4837261-9938172 never arrived.", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        review("Tracking LX123456789CN shows nothing.", 1, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        review("Sizes 38 39 40 41 42 all too small, paid $12.99", 2, &out);
        assert_int_equal(out.malicious, RDR_MAL_NONE);
        review("This is crap.", 1, &out); /* rude, not abusive */
        assert_int_equal(out.malicious, RDR_MAL_NONE);
}

/* An insult reads as abusive in each language as in the others ("an
 * idiot", "un idiota", "白痴", plurals too), and a rude word about the
 * product, or a single mild one ("a stupid design", "骗子"), does not:
 * an abusive review is appealed, so a word every complaint uses would
 * appeal complaints. */
static void test_insults_in_every_language(void **state) {
        static const char *const abusive[] = {
            "The seller is an idiot.",
            "El vendedor es un idiota.",
            "卖家是个白痴",
            "They are idiots.",
            "Son unos idiotas.",
            "Son unos estúpidos.",
            "卖家是个混蛋",
            "这个店主就是个智障",
            "老板是人渣",
            "骗子，笨蛋老板",
            "El vendedor es tonto y un ladrón.",
            "賣家是個白癡"};
        static const char *const rude[] = {
            "This is a stupid design, the zipper broke.",
            "这个设计很弱智，拉链一天就坏了", "卖家是骗子，东西没发",
            "Qué diseño más tonto, la cremallera se rompió."};
        rdr_classification_t out;
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(abusive) / sizeof(abusive[0]); i++) {
                review(abusive[i], 1, &out);
                if (out.malicious != RDR_MAL_ABUSIVE)
                        fail_msg("\"%s\": %s, not abusive", abusive[i],
                                 rdr_malicious_names[out.malicious]);
        }
        for (i = 0; i < sizeof(rude) / sizeof(rude[0]); i++) {
                review(rude[i], 1, &out);
                if (out.malicious != RDR_MAL_NONE)
                        fail_msg("\"%s\": %s, not none", rude[i],
                                 rdr_malicious_names[out.malicious]);
        }
}

/* Spanish adjectives and participles in every gender and number: "Los
 * zapatos son defectuosos" at 3 stars named no complaint (the lexicon had
 * "defectuoso" and "defectuosa"), so no case opened; English nouns in the
 * plural ("There are dents in the lid"). The lexicons write them once
 * with '~' (their inflections). And the reviews praised are no
 * praise of the goods: "Lo compré por las buenas reseñas y se rompió"
 * dropped its complaint as praise once "buenas" was read. */
static void test_inflected_forms(void **state) {
        static const struct {
                const char *text;
                int rating;
                rdr_sentiment_t sentiment;
                rdr_reason_t reason;
        } cases[] = {
            {"Los zapatos son defectuosos.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_PRODUCT_QUALITY},
            {"Las pilas vinieron defectuosas.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_PRODUCT_QUALITY},
            {"Unos pantalones muy ajustados.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_SIZE_FIT},
            {"La pantalla llegó rayada.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_PACKAGING_DAMAGE},
            {"Las cajas llegaron aplastadas y mojadas.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_PACKAGING_DAMAGE},
            {"Los de atención son unos groseros.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_CUSTOMER_SERVICE},
            {"Las camisetas son malísimas.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_OTHER},
            {"Las tallas están agotadas.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_STOCK_OUT},
            {"Unas sandalias preciosas y cómodas.", 3, RDR_SENT_POSITIVE,
             RDR_REASON_NONE},
            {"Lo compré por las buenas reseñas y se rompió a la semana.", 1,
             RDR_SENT_NEGATIVE, RDR_REASON_PRODUCT_QUALITY},
            {"I bought it for the good reviews and it broke in a week.", 1,
             RDR_SENT_NEGATIVE, RDR_REASON_PRODUCT_QUALITY},
            /* en nouns in the plural (en.yaml inflections) */
            {"The screen has scratches all over.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_PRODUCT_QUALITY},
            {"There are dents in the lid.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_PACKAGING_DAMAGE},
            {"Refunds take forever here.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_AFTER_SALES},
            {"Their agents just copy and paste.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_CUSTOMER_SERVICE},
            {"Couriers here lose everything.", 3, RDR_SENT_NEGATIVE,
             RDR_REASON_LOGISTICS},
        };
        static const chat_case_t chats[] = {
            {"Ni locos la cambiamos.", RDR_INTENT_REFUSE},
            {"Les dejo buenas reseñas si me pagan.", RDR_INTENT_EXTORTION},
        };
        rdr_classification_t out;
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                review(cases[i].text, cases[i].rating, &out);
                if (out.sentiment != cases[i].sentiment ||
                    out.reason != cases[i].reason)
                        fail_msg("\"%s\": %s %s, not %s %s", cases[i].text,
                                 rdr_sentiment_names[out.sentiment],
                                 rdr_reason_names[out.reason],
                                 rdr_sentiment_names[cases[i].sentiment],
                                 rdr_reason_names[cases[i].reason]);
        }
        assert_chats(chats, sizeof(chats) / sizeof(chats[0]));
}

/* One complaint of each reason, said alike in the three languages (a
 * 2-star review): each language lacked some of what the others had, the
 * plural verbs of es ("dejaron de cargar"), what the listing says in en
 * ("It says stainless steel but ..."), customs in en and es, the refund
 * refused (after-sales, not the broken item it was for); zh 好 as "quite"
 * ("等了好几天才发货") praised the clause and dropped its complaint. */
static void test_reasons_in_every_language(void **state) {
        static const review_case_t cases[] = {
            {"The headphones stopped charging after two weeks.",
             RDR_REASON_PRODUCT_QUALITY},
            {"Los auriculares dejaron de cargar a las dos semanas.",
             RDR_REASON_PRODUCT_QUALITY},
            {"耳机用了两个星期就充不进电了。", RDR_REASON_PRODUCT_QUALITY},
            {"The handle snapped off the first time I used it.",
             RDR_REASON_PRODUCT_QUALITY},
            {"El asa se rompió la primera vez que lo usé.",
             RDR_REASON_PRODUCT_QUALITY},
            {"第一次用把手就断了。", RDR_REASON_PRODUCT_QUALITY},
            {"It says stainless steel but it is clearly plastic.",
             RDR_REASON_NOT_AS_DESCRIBED},
            {"Dice acero inoxidable pero claramente es plástico.",
             RDR_REASON_NOT_AS_DESCRIBED},
            {"写的是不锈钢，实际上明显是塑料的。", RDR_REASON_NOT_AS_DESCRIBED},
            {"The shoes run two sizes small.", RDR_REASON_SIZE_FIT},
            {"Los zapatos tallan dos números más pequeños.",
             RDR_REASON_SIZE_FIT},
            {"鞋子偏小两码。", RDR_REASON_SIZE_FIT},
            {"I ordered black and got a pink one.", RDR_REASON_WRONG_ITEM},
            {"Pedí negro y me llegó uno rosa.", RDR_REASON_WRONG_ITEM},
            {"我买的黑色，发来的是粉色。", RDR_REASON_WRONG_ITEM},
            {"The parcel has been stuck in customs for three weeks.",
             RDR_REASON_LOGISTICS},
            {"El paquete lleva tres semanas retenido en aduanas.",
             RDR_REASON_LOGISTICS},
            {"包裹在海关卡了三个星期。", RDR_REASON_LOGISTICS},
            {"The box arrived torn and the glass was shattered.",
             RDR_REASON_PACKAGING_DAMAGE},
            {"La caja llegó rota y el vidrio hecho añicos.",
             RDR_REASON_PACKAGING_DAMAGE},
            {"箱子破了，玻璃全碎了。", RDR_REASON_PACKAGING_DAMAGE},
            {"I sent five messages and nobody ever answered.",
             RDR_REASON_CUSTOMER_SERVICE},
            {"Mandé cinco mensajes y nadie respondió nunca.",
             RDR_REASON_CUSTOMER_SERVICE},
            {"发了五条消息，一直没人回复。", RDR_REASON_CUSTOMER_SERVICE},
            {"They cancelled my order because it was out of stock.",
             RDR_REASON_STOCK_OUT},
            {"Cancelaron mi pedido porque no tenían existencias.",
             RDR_REASON_STOCK_OUT},
            {"说没货了，把我的订单取消了。", RDR_REASON_STOCK_OUT},
            {"They refuse to give me a refund for a broken item.",
             RDR_REASON_AFTER_SALES},
            {"Se niegan a devolverme el dinero por un artículo roto.",
             RDR_REASON_AFTER_SALES},
            {"东西坏了，商家拒绝退款。", RDR_REASON_AFTER_SALES},
            {"Way too expensive for what it is.", RDR_REASON_OTHER},
            {"Demasiado caro para lo que es.", RDR_REASON_OTHER},
            {"这个价格太贵了，不值。", RDR_REASON_OTHER},
            {"The parcel is stuck in customs.", RDR_REASON_LOGISTICS},
            {"東西有瑕疵。", RDR_REASON_PRODUCT_QUALITY},
            {"跟照片差很多。", RDR_REASON_NOT_AS_DESCRIBED},
            {"寄錯顏色了。", RDR_REASON_WRONG_ITEM},
            {"The battery only lasts an hour.", RDR_REASON_PRODUCT_QUALITY},
            {"La batería solo dura una hora.", RDR_REASON_PRODUCT_QUALITY},
            {"电池只能用一个小时。", RDR_REASON_PRODUCT_QUALITY},
            {"The screen flickers and goes black.", RDR_REASON_PRODUCT_QUALITY},
            {"La pantalla parpadea y se queda en negro.",
             RDR_REASON_PRODUCT_QUALITY},
            {"屏幕一直闪，然后就黑屏了。", RDR_REASON_PRODUCT_QUALITY},
            {"The paint is peeling off already.", RDR_REASON_PRODUCT_QUALITY},
            {"La pintura ya se está descascarando.",
             RDR_REASON_PRODUCT_QUALITY},
            {"漆已经开始掉了。", RDR_REASON_PRODUCT_QUALITY},
            {"The color is completely different from the photos.",
             RDR_REASON_NOT_AS_DESCRIBED},
            {"El color es totalmente diferente al de las fotos.",
             RDR_REASON_NOT_AS_DESCRIBED},
            {"颜色跟图片完全不一样。", RDR_REASON_NOT_AS_DESCRIBED},
            {"Much smaller than it looks in the pictures.",
             RDR_REASON_NOT_AS_DESCRIBED},
            {"Mucho más pequeño de lo que parece en las fotos.",
             RDR_REASON_NOT_AS_DESCRIBED},
            {"比图片上看起来小多了。", RDR_REASON_NOT_AS_DESCRIBED},
            {"The dress is too big around the waist.", RDR_REASON_SIZE_FIT},
            {"El vestido me queda grande de cintura.", RDR_REASON_SIZE_FIT},
            {"裙子腰围太大了。", RDR_REASON_SIZE_FIT},
            {"I followed the size chart and it still doesn't fit.",
             RDR_REASON_SIZE_FIT},
            {"Seguí la tabla de tallas y aun así no me queda.",
             RDR_REASON_SIZE_FIT},
            {"按尺码表买的还是穿不上。", RDR_REASON_SIZE_FIT},
            {"I received the wrong model.", RDR_REASON_WRONG_ITEM},
            {"Me llegó el modelo equivocado.", RDR_REASON_WRONG_ITEM},
            {"收到的型号不对。", RDR_REASON_WRONG_ITEM},
            {"Half of the order was missing.", RDR_REASON_WRONG_ITEM},
            {"Faltaba la mitad del pedido.", RDR_REASON_WRONG_ITEM},
            {"订单少发了一半。", RDR_REASON_WRONG_ITEM},
            {"Tracking hasn't updated in ten days.", RDR_REASON_LOGISTICS},
            {"El seguimiento no se actualiza desde hace diez días.",
             RDR_REASON_LOGISTICS},
            {"物流信息十天没更新了。", RDR_REASON_LOGISTICS},
            {"The courier left it at the wrong address.", RDR_REASON_LOGISTICS},
            {"El repartidor lo dejó en otra dirección.", RDR_REASON_LOGISTICS},
            {"快递送错地址了。", RDR_REASON_LOGISTICS},
            {"It came in a flimsy bag with no padding.",
             RDR_REASON_PACKAGING_DAMAGE},
            {"Vino en una bolsa sin ninguna protección.",
             RDR_REASON_PACKAGING_DAMAGE},
            {"就用一个袋子装着，一点保护都没有。", RDR_REASON_PACKAGING_DAMAGE},
            {"The agent was rude and hung up on me.",
             RDR_REASON_CUSTOMER_SERVICE},
            {"El agente fue grosero y me colgó.", RDR_REASON_CUSTOMER_SERVICE},
            {"客服态度很差，还挂我电话。", RDR_REASON_CUSTOMER_SERVICE},
            {"Support takes days to reply.", RDR_REASON_CUSTOMER_SERVICE},
            {"Soporte tarda días en responder.", RDR_REASON_CUSTOMER_SERVICE},
            {"客服好几天才回复。", RDR_REASON_CUSTOMER_SERVICE},
            {"They sold me something that wasn't in stock.",
             RDR_REASON_STOCK_OUT},
            {"Me vendieron algo que no tenían en stock.", RDR_REASON_STOCK_OUT},
            {"卖给我一个没有库存的东西。", RDR_REASON_STOCK_OUT},
            {"I returned it a month ago and still no refund.",
             RDR_REASON_AFTER_SALES},
            {"Lo devolví hace un mes y todavía no me reembolsan.",
             RDR_REASON_AFTER_SALES},
            {"退货一个月了还没退款。", RDR_REASON_AFTER_SALES},
            {"They won't honor the warranty.", RDR_REASON_AFTER_SALES},
            {"No quieren cumplir la garantía.", RDR_REASON_AFTER_SALES},
            {"商家不给保修。", RDR_REASON_AFTER_SALES},
            {"I was charged twice for the same order.", RDR_REASON_OTHER},
            {"Me cobraron dos veces el mismo pedido.", RDR_REASON_OTHER},
            {"同一个订单扣了我两次钱。", RDR_REASON_OTHER},
            {"等了好几天才发货", RDR_REASON_LOGISTICS},
            {"好久才到", RDR_REASON_LOGISTICS},
            {"问了好几次都没人回", RDR_REASON_CUSTOMER_SERVICE},
            {"只好退货了", RDR_REASON_AFTER_SALES},
        };
        (void)state;
        assert_reviews(cases, sizeof(cases) / sizeof(cases[0]), 2, BY_REASON);
}

/* A 3-star review opens a case only with a complaint: said alike in the
 * three languages, a mild complaint opens one ("Works, but it's louder
 * than I expected", "el color se destiñó"), a plain "nothing special,
 * nothing wrong" does not ("tampoco nada malo", "没什么问题"). */
static void test_rating3_in_every_language(void **state) {
        static const review_case_t cases[] = {
            {"It's okay, but the stitching came loose after a week.", 1},
            {"Está bien, pero la costura se soltó a la semana.", 1},
            {"还行吧，就是一个星期线就开了。", 1},
            {"Decent for the price, though shipping took almost a month.", 1},
            {"Aceptable por el precio, aunque el envío tardó casi un mes.", 1},
            {"这个价格还可以，就是快递走了快一个月。", 1},
            {"Works, but it's louder than I expected.", 1},
            {"Funciona, pero hace más ruido de lo que esperaba.", 1},
            {"能用，就是噪音比想象的大。", 1},
            {"Average quality, the color faded after washing.", 1},
            {"Calidad normal, el color se destiñó al lavarlo.", 1},
            {"质量一般，洗了以后褪色了。", 1},
            {"Fine, but the size runs a bit small.", 1},
            {"Bien, pero la talla es un poco pequeña.", 1},
            {"还可以，就是尺码偏小一点。", 1},
            {"It's fine, does the job.", 0},
            {"Está bien, cumple su función.", 0},
            {"还行，能用。", 0},
            {"Nothing special, but nothing wrong either.", 0},
            {"Nada especial, pero tampoco nada malo.", 0},
            {"一般般，没什么问题。", 0},
        };
        (void)state;
        assert_reviews(cases, sizeof(cases) / sizeof(cases[0]), 3, BY_NEGATIVE);
}

/* rdr_classify_explain(): the phrases that counted, in the text's order,
 * each with its group and language, what it matched (normalized) and
 * whether a negator reached it. */
typedef struct hits_s {
        char lines[16][96];
        size_t cnt;
} hits_t;

static void collect_hit(void *ctx, const rdr_clf_hit_t *h) {
        hits_t *hs = ctx;
        if (hs->cnt < 16)
                snprintf(hs->lines[hs->cnt++], sizeof(hs->lines[0]),
                         "%s %s %.2f%s %.*s", h->group, h->lang, h->weight,
                         h->negated ? " negated" : "", (int)h->text_len,
                         h->text);
}

static void test_explain(void **state) {
        static const char *const want[] = {
            "intents.refuse es 2.00 no me llames",
            "negators es 1.00 no",
            "channel_asks es 1.00 escribeme",
            "condition es 0.30 por",
        };
        hits_t hs;
        size_t i;
        (void)state;
        memset(&hs, 0, sizeof(hs));
        rdr_classify_explain(clf, "No me llames, escríbeme por aquí.",
                             strlen("No me llames, escríbeme por aquí."),
                             collect_hit, &hs);
        for (i = 0; hs.cnt != 4 && i < hs.cnt; i++)
                fprintf(stderr, "hit: %s\n", hs.lines[i]);
        assert_int_equal(hs.cnt, 4);
        for (i = 0; i < 4; i++)
                assert_string_equal(hs.lines[i], want[i]);
        memset(&hs, 0, sizeof(hs));
        rdr_classify_explain(clf, "质量不好", strlen("质量不好"), collect_hit,
                             &hs);
        assert_true(hs.cnt >= 1);
        assert_string_equal(hs.lines[0], "reasons.product_quality zh 2.00 "
                                         "质量不好");
}

/* Praise, with a wish at most, in the three languages: no case, and no
 * reason ("就是颜色选择少了点" named a wrong item: 少了 is "missing" but
 * 少了点 "a bit few"). */
static void test_praise_in_every_language(void **state) {
        static const review_case_t cases[] = {
            {"Great value, only wish it came in more colors.", RDR_REASON_NONE,
             4},
            {"Muy buena relación calidad-precio, solo me gustaría que viniera "
             "en más colores.",
             RDR_REASON_NONE, 4},
            {"性价比很高，就是颜色选择少了点。", RDR_REASON_NONE, 4},
            {"Arrived quickly and works perfectly.", RDR_REASON_NONE, 5},
            {"Llegó rápido y funciona perfectamente.", RDR_REASON_NONE, 5},
            {"到货很快，用着很好。", RDR_REASON_NONE, 5},
            {"Good product, nothing to complain about.", RDR_REASON_NONE, 3},
            {"Buen producto, nada de qué quejarse.", RDR_REASON_NONE, 3},
            {"东西不错，没什么可挑剔的。", RDR_REASON_NONE, 3},
            {"Very comfortable, true to size.", RDR_REASON_NONE, 4},
            {"Muy cómodos, talla correcta.", RDR_REASON_NONE, 4},
            {"很舒服，尺码标准。", RDR_REASON_NONE, 4},
            {"Does the job, the seller was very helpful.", RDR_REASON_NONE, 3},
            {"Cumple, el vendedor fue muy atento.", RDR_REASON_NONE, 3},
            {"能用，卖家很热情。", RDR_REASON_NONE, 3},
        };
        (void)state;
        /* no reason at 3 stars: no case either (nor, above, at 4 and 5) */
        assert_reviews(cases, sizeof(cases) / sizeof(cases[0]), 0, BY_REASON);
}

/* A review in Traditional characters (buyers in Hong Kong and Taiwan)
 * reads as its Simplified twin: the lexicon is written once. */
static void test_traditional_chinese(void **state) {
        static const char *const twins[][2] = {
            {"用了兩天就壞了", "用了两天就坏了"},
            {"包裹還沒到，物流太慢了", "包裹还没到，物流太慢了"},
            {"顏色和圖片不一樣", "颜色和图片不一样"},
            {"給我返現20塊我就把差評刪了", "给我返现20块我就把差评删了"},
            {"質量很好，物流也快", "质量很好，物流也快"},
            {"賣家是個騙子，打他電話13812345678",
             "卖家是个骗子，打他电话13812345678"},
        };
        rdr_classification_t t, s;
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
                review(twins[i][0], 3, &t);
                review(twins[i][1], 3, &s);
                assert_sane(&t);
                assert_string_equal(t.language, "zh");
                assert_int_equal(t.negative, s.negative);
                assert_int_equal(t.sentiment, s.sentiment);
                assert_int_equal(t.reason, s.reason);
                assert_int_equal(t.malicious, s.malicious);
                assert_true(fabs(t.confidence - s.confidence) < 1e-9);
        }
        review(twins[0][0], 3, &t);
        assert_int_equal(t.negative, 1);
        assert_int_equal(t.reason, RDR_REASON_PRODUCT_QUALITY);
        review(twins[3][0], 1, &t);
        assert_int_equal(t.malicious, RDR_MAL_EXTORTION);
}

/* Extortion is the demand, the review and the condition together, however
 * the condition is put: "if you don't refund me" carries the demand in a
 * negation. A refund asked for without tying it to the review is a
 * legitimate complaint. */
static void test_extortion_phrasings(void **state) {
        static const ext_case_t cases[] = {
            {"不给我退款我就给差评", RDR_MAL_EXTORTION},
            {"如果不补偿我，我就一直差评", RDR_MAL_EXTORTION},
            {"加钱我就改好评", RDR_MAL_EXTORTION},
            {"不給我退款我就給差評", RDR_MAL_EXTORTION},
            {"Si no me devuelven el dinero dejaré reseñas negativas en todos "
             "sus productos.",
             RDR_MAL_EXTORTION},
            {"Si me reembolsan cambio la reseña a 5 estrellas.",
             RDR_MAL_EXTORTION},
            {"Quiero una compensación o la reseña se queda.",
             RDR_MAL_EXTORTION},
            {"不退款就给差评", RDR_MAL_EXTORTION},
            {"给我返现50元，不然我就给差评", RDR_MAL_EXTORTION},
            {"质量太差，我要退款", RDR_MAL_NONE},
            {"Quiero un reembolso, llegó roto", RDR_MAL_NONE},
            {"商家不给我退款，只能给差评了", RDR_MAL_NONE},
            {"商家不给退款，我就给了差评。", RDR_MAL_NONE},
            {"不给退款就算了，给个差评提醒大家", RDR_MAL_NONE},
            {"要加钱才给发货，差评", RDR_MAL_NONE},
            {"No me devuelven el dinero, por eso dejo esta reseña.",
             RDR_MAL_NONE},
            {"No me devuelven el dinero y la tienda no responde.",
             RDR_MAL_NONE},
        };
        rdr_classification_t out;
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                review(cases[i].text, 1, &out);
                assert_sane(&out);
                if (out.malicious != cases[i].malicious)
                        fail_msg("%s: malicious %s, expected %s", cases[i].text,
                                 rdr_malicious_names[out.malicious],
                                 rdr_malicious_names[cases[i].malicious]);
        }
}

/* The same demand under threat in the words of eBay and other platforms
 * (feedback, rating, stars; valoración, calificación; 评分, 一星) is
 * extortion, and the review itself is evidence of the demand; a review
 * that names its feedback or rating and asks for a refund without tying
 * one to the other is a complaint. In a chat, the same. */
static void test_extortion_feedback_words(void **state) {
        static const ext_case_t cases[] = {
            {"Item was damaged. Refund me $50 or this negative feedback stays "
             "forever.",
             RDR_MAL_EXTORTION},
            {"Item was damaged. Refund me $50 or this negative review stays "
             "forever.",
             RDR_MAL_EXTORTION},
            {"Refund me $50 or my rating stays at one star.",
             RDR_MAL_EXTORTION},
            {"Refund me $50 or the stars stay at 1.", RDR_MAL_EXTORTION},
            {"No refund, no feedback change.", RDR_MAL_EXTORTION},
            {"Devuélvanme 50 euros o mi valoración se queda.",
             RDR_MAL_EXTORTION},
            {"Sin reembolso no cambio la valoración.", RDR_MAL_EXTORTION},
            {"东西坏了，退我50块，不然这个评分永远是一星。", RDR_MAL_EXTORTION},
            {"退我50块，不然我就给一星。", RDR_MAL_EXTORTION},
            {"Please refund me, my feedback is honest.", RDR_MAL_NONE},
            {"I gave it one star; the seller refused a refund.", RDR_MAL_NONE},
            {"My rating stays at one star because the seller never answered.",
             RDR_MAL_NONE},
            {"Refund or replacement, either is fine. The feedback will follow.",
             RDR_MAL_NONE},
            {"Dejé una valoración negativa porque llegó roto y quiero un "
             "reembolso.",
             RDR_MAL_NONE},
            {"Mi calificación se queda en una estrella porque nunca "
             "respondieron.",
             RDR_MAL_NONE},
            {"东西坏了，给了一星，要求退款", RDR_MAL_NONE},
            {"评分一星，因为东西坏了，已经申请退款", RDR_MAL_NONE},
        };
        static const chat_case_t chats[] = {
            {"Refund me $50 or this negative feedback stays.",
             RDR_INTENT_EXTORTION},
            {"Refund me $50 or my rating stays at one star.",
             RDR_INTENT_EXTORTION},
            {"Devuélvanme 50 euros o mi valoración se queda.",
             RDR_INTENT_EXTORTION},
            {"退我50块，不然我就给一星。", RDR_INTENT_EXTORTION},
            {"My rating stays at one star.", RDR_INTENT_REFUSE},
            {"Please refund me, my feedback is honest.", RDR_INTENT_QUESTION},
        };
        rdr_classification_t out;
        size_t i, wrong = 0;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int demand = cases[i].malicious == RDR_MAL_EXTORTION;
                review(cases[i].text, 1, &out);
                assert_sane(&out);
                if (out.malicious != cases[i].malicious ||
                    out.demand_in_text != demand) {
                        print_error(
                            "%s: malicious %s demand %d, expected %s "
                            "demand %d\n",
                            cases[i].text, rdr_malicious_names[out.malicious],
                            out.demand_in_text,
                            rdr_malicious_names[cases[i].malicious], demand);
                        wrong++;
                }
        }
        if (wrong)
                fail_msg("%zu of %zu reviews misread", wrong,
                         sizeof(cases) / sizeof(cases[0]));
        /* The complaint is still read: the damaged item. */
        review(cases[0].text, 1, &out);
        assert_int_equal(out.reason, RDR_REASON_PACKAGING_DAMAGE);
        assert_chats(chats, sizeof(chats) / sizeof(chats[0]));
}

/* A demand, a mention of the review and a condition make extortion only
 * in one sentence, with the condition bound to the demand or the mention
 * (one starts within condition_reach units after it, in its clause; after
 * a promise, "and I", only a mention binds): a
 * buyer who tells what they did with their review, or that they read the
 * reviews, and asks for a refund is complaining. Neither the review nor
 * the chat is extortion; tied together, in any order, they are. */
static void test_extortion_bound_condition(void **state) {
        static const ext_case_t cases[] = {
            {"I left a negative review because the item was damaged and I "
             "want a refund",
             RDR_MAL_NONE},
            {"The 5 star reviews are fake, it broke in a day and I want a "
             "refund.",
             RDR_MAL_NONE},
            {"I already gave it one star and I still want a refund for the "
             "missing part.",
             RDR_MAL_NONE},
            {"I read the reviews and bought it anyway, can I get a refund if "
             "it arrives broken?",
             RDR_MAL_NONE},
            {"My review stays because it's true, and I want my refund.",
             RDR_MAL_NONE},
            {"If the seller had answered I would not have written this "
             "review. I want a refund.",
             RDR_MAL_NONE},
            {"Updated my review since the refund never came, and I would "
             "still like my money back.",
             RDR_MAL_NONE},
            {"看了评价才买的，结果质量很差，要求退款", RDR_MAL_NONE},
            {"好评都是刷的吧，用了两天就坏了，要求退款", RDR_MAL_NONE},
            {"看评价还不错就买了，结果收到就是坏的，申请退款", RDR_MAL_NONE},
            {"如果早看到这些差评就不买了，要求退款", RDR_MAL_NONE},
            {"Compré por las reseñas y llegó roto, quiero un reembolso.",
             RDR_MAL_NONE},
            {"Si hubiera leído las reseñas no lo compraría. Exijo un "
             "reembolso.",
             RDR_MAL_NONE},
            {"I asked for a refund and I updated my review to one star.",
             RDR_MAL_NONE},
            {"Refund me and I remove the review.", RDR_MAL_EXTORTION},
            {"Refund me and I would happily change the review.",
             RDR_MAL_EXTORTION},
            {"Send me $20 and I'd update my rating to 5 stars.",
             RDR_MAL_EXTORTION},
            {"Give me a partial refund and I am willing to remove my review.",
             RDR_MAL_EXTORTION},
            {"Refund first, then maybe I'll think about changing the review.",
             RDR_MAL_EXTORTION},
            {"I will update my rating to five stars if you could kindly send "
             "me a gift card.",
             RDR_MAL_EXTORTION},
            {"I can remove it, but I want a free replacement.",
             RDR_MAL_EXTORTION},
            {"退款才改评价", RDR_MAL_EXTORTION},
            {"可以删，但是要给我补发一个新的。", RDR_MAL_EXTORTION},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A mention of the review after a deed ("I gave it", "le di", "给了") tells
 * what was done and offers nothing: with a demand and a contrast ("but I
 * want", "但是要") it is a complaint. An offer to change it, or the review
 * held until a refund, is still extortion. Reviews and chats alike. */
static void test_extortion_past_mention(void **state) {
        static const ext_case_t cases[] = {
            {"I gave it 1 star but I want a refund", RDR_MAL_NONE},
            {"I left a 1 star review but I want my money back", RDR_MAL_NONE},
            {"I gave it one star because it broke, but I want a full refund",
             RDR_MAL_NONE},
            {"Le di una estrella pero quiero un reembolso completo",
             RDR_MAL_NONE},
            {"我给了差评，但是要退款", RDR_MAL_NONE},
            {"用了一周就坏了我给了一星，但是我要退钱", RDR_MAL_NONE},
            {"I left 1 star and I'll change it if you refund me",
             RDR_MAL_EXTORTION},
            {"I rated it 1 star, if you refund me I will change it",
             RDR_MAL_EXTORTION},
            {"I left 1 star and it stays until you refund me",
             RDR_MAL_EXTORTION},
            {"Le puse 1 estrella, si no me devuelven el dinero la dejo así",
             RDR_MAL_EXTORTION},
            {"我给了差评，退款我就删", RDR_MAL_EXTORTION},
            {"我已经给了差评，不退款就一直挂着", RDR_MAL_EXTORTION},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* "But I want" ties a demand to the review only beside a change of it:
 * "I can remove it, but I want ..." trades; a buyer who stands by the
 * review, or will not change it, and wants a refund complains. */
static void test_extortion_contrast_needs_a_change(void **state) {
        static const ext_case_t cases[] = {
            {"My review is honest, but I want a refund", RDR_MAL_NONE},
            {"The review stays as it is, but I want my refund", RDR_MAL_NONE},
            {"I won't remove it, but I want my money back", RDR_MAL_NONE},
            {"Mi reseña es honesta, pero quiero un reembolso", RDR_MAL_NONE},
            {"评价是真实的，但是要退款", RDR_MAL_NONE},
            {"I can remove it, but I want a free replacement.",
             RDR_MAL_EXTORTION},
            {"Ok I can change it, but I want a $25 coupon first.",
             RDR_MAL_EXTORTION},
            {"Puedo quitarla, pero quiero un reemplazo gratis.",
             RDR_MAL_EXTORTION},
            {"Ok puedo cambiarla, pero antes quiero un cupón de 25 euros.",
             RDR_MAL_EXTORTION},
            {"可以删，但是要给我补发一个新的。", RDR_MAL_EXTORTION},
            /* the review named in the change */
            {"I can change my review, but I want a refund first",
             RDR_MAL_EXTORTION},
            {"I could remove my review but I want compensation",
             RDR_MAL_EXTORTION},
            {"Puedo cambiar mi reseña, pero quiero un reembolso",
             RDR_MAL_EXTORTION},
            {"I won't change my review, but I want a refund", RDR_MAL_NONE},
            {"No voy a cambiar mi reseña, pero quiero un reembolso",
             RDR_MAL_NONE},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A review given and held till the demand is met ("until", "hasta que")
 * is offered again: extortion, though a deed told it; waiting for a refund
 * is not. A change promised "when you send the refund" binds as "if"
 * does; one promised when the buyer gets the money back awaits what the
 * order owes (test_extortion_awaited_refund); a "when" of the past binds
 * nothing. */
static void test_extortion_held_review(void **state) {
        static const ext_case_t cases[] = {
            {"I left 1 star until you refund me", RDR_MAL_EXTORTION},
            {"I gave it one star and it will stay that way until I get my "
             "money back",
             RDR_MAL_EXTORTION},
            {"Le puse una estrella hasta que me devuelvan el dinero",
             RDR_MAL_EXTORTION},
            {"I gave 1 star. I will change it when you send the refund.",
             RDR_MAL_EXTORTION},
            {"I will update my review when I get my money back", RDR_MAL_NONE},
            {"I gave it 1 star and I will wait until you refund me",
             RDR_MAL_NONE},
            {"It worked until it broke, I gave it 1 star, refund me please",
             RDR_MAL_NONE},
            {"The review was written when you refused my refund", RDR_MAL_NONE},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* "Even if" concedes, it sets no condition: a buyer who will not change
 * the review even if refunded refuses; a Spanish subjunctive demand
 * ("cuando me reembolsen") binds like the indicative. */
static void test_extortion_concession(void **state) {
        static const ext_case_t cases[] = {
            {"I will not change my review even if you refund me", RDR_MAL_NONE},
            {"Even if you refund me, I will keep my review", RDR_MAL_NONE},
            {"就算退款我也不会改评价", RDR_MAL_NONE},
            {"I will change my review if you refund me", RDR_MAL_EXTORTION},
            {"Borro la reseña cuando me reembolsen", RDR_MAL_EXTORTION},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A sentence that opens with a condition reads on from the one before:
 * "Change my review? Only after you pay me." trades the review as one
 * sentence would. It takes a change of the review in the two (a
 * mention that only names it, "If you read the reviews ...", starts
 * something else), a demand of malicious.extortion.across_min_demand ("the
 * refund" thanked for is none), and the condition must bind in its own
 * sentence.
 * "Then" and "after that" are conditions only where a sentence opens, or
 * a clause, where they bind only a change of the review. */
static void test_extortion_across_sentences(void **state) {
        static const ext_case_t cases[] = {
            {"Change my review? Only after you pay me.", RDR_MAL_EXTORTION},
            {"Remove the review? Only if you refund me.", RDR_MAL_EXTORTION},
            {"Refund me first. Then I will change my review.",
             RDR_MAL_EXTORTION},
            {"Send me a coupon. After that I will update my review.",
             RDR_MAL_EXTORTION},
            {"I can remove it. But I want a refund first.", RDR_MAL_EXTORTION},
            {"Delete my review?? Not until I get my money back.",
             RDR_MAL_EXTORTION},
            {"¿Cambiar mi reseña? Solo si me devuelven el dinero.",
             RDR_MAL_EXTORTION},
            {"Primero el reembolso. Luego cambio mi reseña.",
             RDR_MAL_EXTORTION},
            {"改评价？先退款。", RDR_MAL_EXTORTION},
            {"先退款。然后改好评。", RDR_MAL_EXTORTION},
            {"I want a refund. If you read the reviews you will see why.",
             RDR_MAL_NONE},
            {"My review is honest. But I want a refund.", RDR_MAL_NONE},
            {"I won't remove it. But I want my money back.", RDR_MAL_NONE},
            {"I asked for a refund. Then I read the reviews.", RDR_MAL_NONE},
            {"They refused a refund, then I changed my rating.", RDR_MAL_NONE},
            /* "then" opening a clause binds a change of the review */
            {"Refund me, then I'll remove my review.", RDR_MAL_EXTORTION},
            {"Mándenme 20 euros, luego borro la reseña.", RDR_MAL_EXTORTION},
            {"They refused a refund, then I wrote this review.", RDR_MAL_NONE},
            {"Change my review? No. Refund me first.", RDR_MAL_NONE},
            {"我要退款。如果你看评价就知道了。", RDR_MAL_NONE},
            {"Thanks for the refund. Then I will update my review.",
             RDR_MAL_NONE},
        };
        static const chat_case_t chats[] = {
            {"Refund me first. Then I will change my review.",
             RDR_INTENT_EXTORTION},
            {"Change my review? Only after you pay me.", RDR_INTENT_EXTORTION},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
        assert_chats(chats, sizeof(chats) / sizeof(chats[0]));
}

/* What was given is no demand, and an offer to change the review is no
 * trade without one. A buyer who thanks for the store's gesture, or says
 * the problem is solved, and promises to update the review agrees: the
 * editing guide, not an appeal and a fleet-wide extortion tag. "For"
 * binds a demand to the review ("5 stars for a refund"); "thanks for the
 * refund", "I received my refund" and "the refund came through" do not. */
static void test_given_and_offers(void **state) {
        static const ext_case_t cases[] = {
            {"Thanks for the refund, I will update my review.", RDR_MAL_NONE},
            {"Thank you for the coupon and I will change my review.",
             RDR_MAL_NONE},
            {"I received my refund and I will change my review.", RDR_MAL_NONE},
            /* not received: still a demand */
            {"I haven't received my refund and I will leave more bad "
             "reviews.",
             RDR_MAL_EXTORTION},
            {"I never got the refund and I will leave more bad reviews.",
             RDR_MAL_EXTORTION},
            {"还没收到退款，我会继续差评。", RDR_MAL_EXTORTION},
            {"I haven't actually received the refund and I will leave more "
             "bad reviews.",
             RDR_MAL_EXTORTION},
            {"Gracias por el reembolso, cambio mi reseña.", RDR_MAL_NONE},
            {"The seller was very helpful and I will change my review.",
             RDR_MAL_NONE},
            {"The replacement works great, I will make it 5 stars.",
             RDR_MAL_NONE},
            {"You were so kind, I will write something nice.", RDR_MAL_NONE},
            {"Ya me llegó el reemplazo, y le pongo 5 estrellas.", RDR_MAL_NONE},
            {"问题解决了，我就删差评。", RDR_MAL_NONE},
            {"Thank you! The refund came through and I will change my rating.",
             RDR_MAL_NONE},
            {"El reembolso ya llegó y cambio mi reseña.", RDR_MAL_NONE},
            {"退款到账了，我就删差评。", RDR_MAL_NONE},
            /* the store's offer, accepted */
            {"I accept the refund and I will update my review.", RDR_MAL_NONE},
            {"Your refund offer is fine and I will change my review.",
             RDR_MAL_NONE},
            {"Acepto el reembolso y cambio mi reseña.", RDR_MAL_NONE},
            {"I appreciate the refund and I will change my review.",
             RDR_MAL_NONE},
            {"Agradezco el reembolso y cambio mi reseña.", RDR_MAL_NONE},
            {"谢谢你们的退款，我就删差评。", RDR_MAL_NONE},
            {"我接受退款，我就删差评。", RDR_MAL_NONE},
            {"Offer me a refund and I'll change my review.", RDR_MAL_EXTORTION},
            {"I won't accept less than a full refund, or I leave more bad "
             "reviews.",
             RDR_MAL_EXTORTION},
            {"The refund never arrived, so refund me and I will change my "
             "review.",
             RDR_MAL_EXTORTION},
            {"I will give 5 stars for a refund.", RDR_MAL_EXTORTION},
            {"Pongo 5 estrellas por un reembolso.", RDR_MAL_EXTORTION},
            {"Refund me and I will change my review.", RDR_MAL_EXTORTION},
            {"Give me a coupon and I'll make it 5 stars.", RDR_MAL_EXTORTION},
            {"Send me $15 on PayPal and the review is gone.",
             RDR_MAL_EXTORTION},
            {"I got a broken item so refund me and I will update my review.",
             RDR_MAL_EXTORTION},
            {"Mándenme un cupón y le pongo 5 estrellas.", RDR_MAL_EXTORTION},
            {"给我返现我就删差评。", RDR_MAL_EXTORTION},
        };
        static const chat_case_t chats[] = {
            {"Thanks for the refund, I will update my review.",
             RDR_INTENT_AGREE},
            {"Got the refund, so I'm updating my review.", RDR_INTENT_AGREE},
            {"Thank you so much for the coupon! I'll change my rating.",
             RDR_INTENT_AGREE},
            {"Muchas gracias por el reembolso, actualizo mi reseña.",
             RDR_INTENT_AGREE},
            {"The seller was very helpful and I will change my review.",
             RDR_INTENT_AGREE},
            {"问题解决了，我就删差评。", RDR_INTENT_AGREE},
            /* the offers' words, without a demand, promise the change */
            {"The replacement works great, I will make it 5 stars.",
             RDR_INTENT_AGREE},
            {"Great service in the end, I will gladly raise my rating.",
             RDR_INTENT_AGREE},
            {"Problem solved and I remove the bad review.", RDR_INTENT_AGREE},
            {"Ya me llegó el reemplazo, y le pongo 5 estrellas.",
             RDR_INTENT_AGREE},
            {"Give me $20 and I'll make it 5 stars.", RDR_INTENT_EXTORTION},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
        assert_chats(chats, sizeof(chats) / sizeof(chats[0]));
}

/* A threat on the review is extortion beside a demand, a negated one too
 * ("if I get no compensation"); without one the same words complain or
 * tell what the buyer read ("there are more bad reviews than good ones"),
 * and the buyer keeps the cadence. */
static void test_threat_needs_a_demand(void **state) {
        static const ext_case_t cases[] = {
            {"I should have read the reviews, there are more bad reviews than "
             "good ones.",
             RDR_MAL_NONE},
            {"Reviews everywhere say it's great but mine broke after a week.",
             RDR_MAL_NONE},
            {"The smell stays until you wash it twice.", RDR_MAL_NONE},
            {"Hay más reseñas malas que buenas, debí leerlas antes.",
             RDR_MAL_NONE},
            {"差评一直挂着也没用，我只想要换货。", RDR_MAL_NONE},
            {"Stop harassing me about the review or I report you.",
             RDR_MAL_NONE},
            {"Refund me or I will leave more bad reviews.", RDR_MAL_EXTORTION},
            {"I want my money back. Otherwise it stays.", RDR_MAL_EXTORTION},
            {"If I get no compensation, I will post more negative reviews.",
             RDR_MAL_EXTORTION},
            {"Si no recibo una compensación, voy a publicar más reseñas "
             "negativas.",
             RDR_MAL_EXTORTION},
            {"不退款就到处给差评。", RDR_MAL_EXTORTION},
            /* beside a demand in the sentence after, too */
            {"More bad reviews are coming. I want a refund.",
             RDR_MAL_EXTORTION},
            /* a demand put as a negation is a complaint alone */
            {"商家不给补偿，东西坏了也不管。", RDR_MAL_NONE},
            {"不退款就算了，以后不买了。", RDR_MAL_NONE},
            {"不退款就差评。", RDR_MAL_EXTORTION},
            /* "的话" closes its clause: it binds the demand before it */
            {"不给补偿的话，我会一直发差评。", RDR_MAL_EXTORTION},
            {"质量差的话，评价就是差评。", RDR_MAL_NONE},
            /* the seller's offer, reported */
            {"They offered me a coupon if I change my review, which is "
             "against the rules.",
             RDR_MAL_NONE},
            {"El vendedor me ofreció un cupón para cambiar mi reseña, qué "
             "vergüenza.",
             RDR_MAL_NONE},
            {"Offer me a coupon and I change my review.", RDR_MAL_EXTORTION},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A review that reports the seller's offer ("the seller promised a
 * refund if I change my review") tells on the seller: the buyer extorts
 * nothing: the demands, offers and threats after the report, to a clause
 * break in words ("but"), are the seller's. The buyer's own demand before
 * it or after the break still counts. */
static void test_reported_offer(void **state) {
        static const ext_case_t cases[] = {
            {"The seller promised a refund if I change my review. Not doing "
             "that.",
             RDR_MAL_NONE},
            {"The seller offered a refund if I delete my review. No way.",
             RDR_MAL_NONE},
            {"Seller asked me to remove my review in exchange for a refund.",
             RDR_MAL_NONE},
            {"El vendedor me prometió un reembolso si cambio mi reseña.",
             RDR_MAL_NONE},
            {"卖家说改好评就返现，我不会改的。", RDR_MAL_NONE},
            {"The seller offered a coupon, but I want $50 or I leave more bad "
             "reviews.",
             RDR_MAL_EXTORTION},
            {"Refund me and I will change my review.", RDR_MAL_EXTORTION},
            /* a report ends with its sentence */
            {"They offered nothing. Refund me and I'll change my review.",
             RDR_MAL_EXTORTION},
            /* told to the seller, by the buyer */
            {"我跟卖家说了，给钱就删差评。", RDR_MAL_EXTORTION},
            {"I want a refund, the seller promised me one, or I leave more "
             "bad reviews.",
             RDR_MAL_EXTORTION},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* What the order should have brought ("a new one", "the missing part",
 * "换一个") is no demand of money (CONTRACT.md's extortion: money, a
 * refund, cashback or a gift): asking for it with a promise to update the
 * review is after-sales, the buyer agrees. Money beside it still trades,
 * and a replacement asked free for the review's change ("I can remove it,
 * but I want a free replacement") as before. */
static void test_goods_are_no_demand(void **state) {
        static const ext_case_t cases[] = {
            {"Send me a new one and I will update my review.", RDR_MAL_NONE},
            {"If you send me a replacement I will change my review.",
             RDR_MAL_NONE},
            {"Send me the missing part and I'll update my rating.",
             RDR_MAL_NONE},
            {"Can you send me a replacement? Then I will update my review.",
             RDR_MAL_NONE},
            {"Give me the right size and I will change my review.",
             RDR_MAL_NONE},
            {"给我换一个新的，我就改好评。", RDR_MAL_NONE},
            {"Send me a new one and $20 and I'll update my review.",
             RDR_MAL_EXTORTION},
            {"Send me a replacement and a refund and I will change my review.",
             RDR_MAL_EXTORTION},
            {"给我补发再返现20块，我就改好评。", RDR_MAL_EXTORTION},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Every message of a template set reads as its kind: a = b + c + d for
 * each b, c, d of the three lists (NULL-terminated). Extortion or not is
 * checked on the review and on the chat; a cooperative chat must agree. */
typedef struct sweep_s {
        const char *const *a, *const *b, *const *c;
        int extortion;
} sweep_t;

static size_t sweep(const sweep_t *sw, size_t *n) {
        char text[512];
        rdr_classification_t out;
        rdr_chat_class_t chat;
        size_t i, j, k, wrong = 0;
        for (i = 0; sw->a[i]; i++)
                for (j = 0; sw->b[j]; j++)
                        for (k = 0; sw->c[k]; k++) {
                                int ok;
                                snprintf(text, sizeof(text), "%s%s%s", sw->a[i],
                                         sw->b[j], sw->c[k]);
                                review(text, 1, &out);
                                rdr_classify_chat(clf, text, strlen(text), NULL,
                                                  &chat);
                                ok = sw->extortion
                                         ? out.malicious == RDR_MAL_EXTORTION &&
                                               chat.intent ==
                                                   RDR_INTENT_EXTORTION
                                         : out.malicious == RDR_MAL_NONE &&
                                               chat.intent == RDR_INTENT_AGREE;
                                (*n)++;
                                if (ok)
                                        continue;
                                if (wrong++ < 10)
                                        print_error(
                                            "%s: malicious %s, chat "
                                            "%s\n",
                                            text,
                                            rdr_malicious_names[out.malicious],
                                            rdr_intent_names[chat.intent]);
                        }
        return wrong;
}

/* Thanks or receipt, what was given, a promise to update the review: the
 * buyer agrees, in any of the words (1,402 messages); a demand with a
 * change of the review or a threat on it extorts (157). */
static void test_template_sweep(void **state) {
        static const char *const en_thanks[] = {"Thanks for ",
                                                "Thank you for ",
                                                "Got ",
                                                "Received ",
                                                "I appreciate ",
                                                "Appreciate ",
                                                "Many thanks for ",
                                                "I got ",
                                                "We received ",
                                                "Just got ",
                                                NULL};
        static const char *const en_given[] = {"the refund",
                                               "the partial refund",
                                               "the coupon",
                                               "the replacement",
                                               "your help",
                                               "the gift card",
                                               "the compensation",
                                               "my money back",
                                               "the discount",
                                               "the cashback",
                                               NULL};
        static const char *const en_promise[] = {
            ", I will update my review.",    ", I'll change my rating.",
            " and I will change my review.", ". I will remove my review.",
            ", so I'm updating my review.",  ". Review updated.",
            "! I'll make it 5 stars.",       NULL};
        static const char *const es_thanks[] = {
            "Gracias por ", "Muchas gracias por ",
            "Recibí ",      "Ya recibí ",
            "Me llegó ",    "Acepto ",
            "Agradezco ",   NULL};
        static const char *const es_given[] = {
            "el reembolso",    "el reembolso parcial",
            "el cupón",        "el reemplazo",
            "su ayuda",        "la tarjeta regalo",
            "la compensación", "mi dinero",
            "el descuento",    NULL};
        static const char *const es_promise[] = {", actualizo mi reseña.",
                                                 ", cambio mi reseña.",
                                                 " y cambio mi reseña.",
                                                 ". Voy a cambiar mi reseña.",
                                                 ", ya cambié mi reseña.",
                                                 ", le pongo 5 estrellas.",
                                                 NULL};
        static const char *const zh_thanks[] = {
            "谢谢", "谢谢你们的", "感谢", "收到", "已收到", "收到了", NULL};
        static const char *const zh_given[] = {
            "退款",   "部分退款", "优惠券", "补发", "帮助",
            "礼品卡", "补偿",     "返现",   "红包", NULL};
        static const char *const zh_promise[] = {"，我会改好评。",
                                                 "，我去改评价。",
                                                 "，我就删差评。",
                                                 "，评价已改。",
                                                 "，我马上改成五星。",
                                                 "，我把差评改了。",
                                                 NULL};
        static const char *const en_demand[] = {"Refund me",
                                                "Send me $20",
                                                "Give me a coupon",
                                                "Pay me 10 dollars",
                                                "Give me a partial refund",
                                                "Send me a gift card",
                                                "Transfer me $15",
                                                "Give me my money back",
                                                "Compensate me",
                                                NULL};
        static const char *const en_then[] = {
            " and I will change my review.",
            " and I'll update my rating to 5 stars.",
            ", then I'll remove my review.",
            ". Then I will delete my review.",
            " or I leave more bad reviews.",
            " or this review stays.",
            " first, then I edit my review.",
            ". Otherwise it stays.",
            NULL};
        static const char *const es_demand[] = {"Devuélvanme el dinero",
                                                "Mándenme 20 euros",
                                                "Denme un cupón",
                                                "Páguenme 10 euros",
                                                "Quiero un reembolso parcial",
                                                "Mándenme una tarjeta regalo",
                                                "Quiero mi dinero de vuelta",
                                                NULL};
        static const char *const es_then[] = {
            " y cambio mi reseña.",
            " y le pongo 5 estrellas.",
            ", luego borro la reseña.",
            ". Luego borro la reseña.",
            " o dejo reseñas malas en todos sus productos.",
            " o esta reseña se queda así.",
            ". Si no, se queda.",
            NULL};
        static const char *const zh_demand[] = {
            "退款",       "给我返现20块", "给我补偿", "转我10块",
            "给我优惠券", "退一半",       NULL};
        static const char *const zh_then[] = {"我就删差评。",
                                              "，我就改好评。",
                                              "，然后我删差评。",
                                              "。然后改好评。",
                                              "，不然我到处给差评。",
                                              "，不然差评一直挂着。",
                                              NULL};
        static const char *const none[] = {"", NULL};
        const sweep_t sweeps[] = {
            {en_thanks, en_given, en_promise, 0},
            {es_thanks, es_given, es_promise, 0},
            {zh_thanks, zh_given, zh_promise, 0},
            {en_demand, en_then, none, 1},
            {es_demand, es_then, none, 1},
            {zh_demand, zh_then, none, 1},
        };
        size_t i, n = 0, wrong = 0;
        (void)state;
        for (i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++)
                wrong += sweep(&sweeps[i], &n);
        if (wrong)
                fail_msg("%zu of %zu messages misread", wrong, n);
}

/* Extortion put politely is extortion (the corpus' labelling guide:
 * "however politely"); the same words about the product are not. */
static void test_extortion_put_politely(void **state) {
        static const ext_case_t cases[] = {
            {"Make it worth my while and I'll update my review.",
             RDR_MAL_EXTORTION},
            {"I'm open to changing my review for the right price.",
             RDR_MAL_EXTORTION},
            {"If you make it right financially, I'll remove it.",
             RDR_MAL_EXTORTION},
            {"Happy to remove the review if there's something in it for me.",
             RDR_MAL_EXTORTION},
            {"Si me compensan bien, quito la reseña.", RDR_MAL_EXTORTION},
            {"Si me dan algo a cambio, cambio la reseña.", RDR_MAL_EXTORTION},
            {"Si me vale la pena, quito la reseña.", RDR_MAL_EXTORTION},
            {"给点好处我就改评价", RDR_MAL_EXTORTION},
            {"有什么表示的话我可以考虑删差评", RDR_MAL_EXTORTION},
            {"意思意思我就把差评删了", RDR_MAL_EXTORTION},
            {"Great blender for the right price, but it broke after a week.",
             RDR_MAL_NONE},
            {"It was worth my while to wait, thanks, I will update my review.",
             RDR_MAL_NONE},
            {"Vale la pena esperar, gracias, cambio la reseña.", RDR_MAL_NONE},
            {"好处是很轻，坏处是一周就坏了，差评", RDR_MAL_NONE},
            {"No me dieron nada a cambio del roto, por eso la reseña.",
             RDR_MAL_NONE},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The same demand for the review's change reads as extortion in each
 * language as in the others: a refund, a coupon, money or a gift card,
 * traded for removing, changing or raising the review, or with the
 * review kept as the threat (es with the ustedes forms a store is
 * written to: "Devuélvanme la mitad y quito la reseña"). */
static void test_extortion_in_every_language(void **state) {
        static const ext_case_t cases[] = {
            {"Refund me 50% and I'll remove the review.", RDR_MAL_EXTORTION},
            {"Devuélvanme la mitad y quito la reseña.", RDR_MAL_EXTORTION},
            {"退我一半钱我就删差评", RDR_MAL_EXTORTION},
            {"Send me a coupon and the review goes away.", RDR_MAL_EXTORTION},
            {"Mándenme un cupón y borro la reseña.", RDR_MAL_EXTORTION},
            {"给我发个优惠券，差评就删", RDR_MAL_EXTORTION},
            {"Give me $20 or the review stays.", RDR_MAL_EXTORTION},
            {"Denme 20 dólares o la reseña se queda.", RDR_MAL_EXTORTION},
            {"不给20块，差评一直挂着", RDR_MAL_EXTORTION},
            {"Pay me and I'll give you 5 stars.", RDR_MAL_EXTORTION},
            {"Páguenme y les pongo 5 estrellas.", RDR_MAL_EXTORTION},
            {"给钱就给五星", RDR_MAL_EXTORTION},
            {"Reembólsenme y la elimino.", RDR_MAL_EXTORTION},
            {"Devuélvanme el dinero y actualizo la reseña.", RDR_MAL_EXTORTION},
            /* a deadline on the review */
            {"You have 24 hours to refund me, or this review stays forever.",
             RDR_MAL_EXTORTION},
            {"Tienen 24 horas para devolverme el dinero o esta reseña se "
             "queda para siempre.",
             RDR_MAL_EXTORTION},
            {"24小时内不退款，差评永远挂着。", RDR_MAL_EXTORTION},
            /* the same words, no trade */
            {"Me devolvieron la mitad y quito la reseña, gracias.",
             RDR_MAL_NONE},
            {"Les pongo 5 estrellas, todo perfecto.", RDR_MAL_NONE},
            /* the platform told, a buyer's right, not the review's threat */
            {"Refund me or I will report you to Amazon.", RDR_MAL_NONE},
            {"Devuélvanme el dinero o los denuncio ante AliExpress.",
             RDR_MAL_NONE},
            {"不退款我就投诉到平台。", RDR_MAL_NONE},
        };
        (void)state;
        check_extortion(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A promise followed by "how do I do it?" asks for the editing guide: it
 * agrees; "how do I get a refund?" is a question. A review said to stay
 * refuses; "ya puse 5 estrellas" tells it is done, "ya puse una estrella"
 * does not. */
static void test_chat_how_and_done(void **state) {
        static const chat_case_t cases[] = {
            {"OK, I'll change it. How do I do that?", RDR_INTENT_AGREE},
            {"Sure, I will update it. How do I edit my review?",
             RDR_INTENT_AGREE},
            {"How do I get a refund?", RDR_INTENT_QUESTION},
            {"My review is staying, and I want the refund you promised.",
             RDR_INTENT_REFUSE},
            {"Gracias, ya le puse 5 estrellas.", RDR_INTENT_AGREE},
            {"Ya puse una estrella, quiero mi reembolso.", RDR_INTENT_QUESTION},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The buyer saying the review is changed or removed, or will be once
 * something arrives, agrees in each language as in the others ("I have
 * updated my review", "He actualizado mi reseña", "改好评了"); the same
 * verbs about something else do not. */
static void test_chat_done_in_every_language(void **state) {
        static const chat_case_t cases[] = {
            {"I have updated my review.", RDR_INTENT_AGREE},
            {"I've updated my review to 5 stars.", RDR_INTENT_AGREE},
            {"Just updated my rating.", RDR_INTENT_AGREE},
            {"My review is updated now.", RDR_INTENT_AGREE},
            {"I removed my review.", RDR_INTENT_AGREE},
            {"I have deleted the review.", RDR_INTENT_AGREE},
            {"He actualizado mi reseña.", RDR_INTENT_AGREE},
            {"He cambiado la valoración.", RDR_INTENT_AGREE},
            {"Ya borré la reseña.", RDR_INTENT_AGREE},
            {"Ya quité la reseña.", RDR_INTENT_AGREE},
            {"改好评了", RDR_INTENT_AGREE},
            {"已追加好评", RDR_INTENT_AGREE},
            {"等换货到了我就改评价。", RDR_INTENT_AGREE},
            {"I removed the item from the box and it was broken.",
             RDR_INTENT_QUESTION},
            {"He cambiado la dirección de envío, ¿llegará?",
             RDR_INTENT_QUESTION},
            {"Ya quité el envoltorio y está roto.", RDR_INTENT_QUESTION},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The main reason of short complaints whose cue is a negation ("质量不好")
 * or an ambiguous word ("慢": of the delivery, or of the replies). */
static void test_reason_phrasings(void **state) {
        static const struct {
                const char *text;
                rdr_reason_t reason;
                rdr_reason_t not_listed; /* RDR_REASON_NONE: no check */
        } cases[] = {
            {"质量不好", RDR_REASON_PRODUCT_QUALITY, RDR_REASON_NONE},
            {"質量不好", RDR_REASON_PRODUCT_QUALITY, RDR_REASON_NONE},
            {"做工不好", RDR_REASON_PRODUCT_QUALITY, RDR_REASON_NONE},
            {"质量不行", RDR_REASON_PRODUCT_QUALITY, RDR_REASON_NONE},
            {"La calidad no es buena", RDR_REASON_PRODUCT_QUALITY,
             RDR_REASON_NONE},
            {"Quality is not good", RDR_REASON_PRODUCT_QUALITY,
             RDR_REASON_NONE},
            {"Nunca contestaron mis mensajes.", RDR_REASON_CUSTOMER_SERVICE,
             RDR_REASON_NONE},
            {"El vendedor nunca respondió.", RDR_REASON_CUSTOMER_SERVICE,
             RDR_REASON_NONE},
            {"They never answered my messages.", RDR_REASON_CUSTOMER_SERVICE,
             RDR_REASON_NONE},
            {"卖家回复太慢", RDR_REASON_CUSTOMER_SERVICE, RDR_REASON_LOGISTICS},
            {"客服回复很慢", RDR_REASON_CUSTOMER_SERVICE, RDR_REASON_LOGISTICS},
            {"發貨慢", RDR_REASON_LOGISTICS, RDR_REASON_CUSTOMER_SERVICE},
            {"发货慢", RDR_REASON_LOGISTICS, RDR_REASON_CUSTOMER_SERVICE},
            {"物流慢", RDR_REASON_LOGISTICS, RDR_REASON_CUSTOMER_SERVICE},
            {"快递太慢", RDR_REASON_LOGISTICS, RDR_REASON_CUSTOMER_SERVICE},
            {"到货慢", RDR_REASON_LOGISTICS, RDR_REASON_CUSTOMER_SERVICE},
        };
        rdr_classification_t out;
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                review(cases[i].text, 2, &out);
                assert_sane(&out);
                if (out.reason != cases[i].reason)
                        fail_msg("%s: reason %s, expected %s", cases[i].text,
                                 rdr_reason_names[out.reason],
                                 rdr_reason_names[cases[i].reason]);
                if (cases[i].not_listed != RDR_REASON_NONE &&
                    has_reason(&out, cases[i].not_listed))
                        fail_msg("%s: %s listed", cases[i].text,
                                 rdr_reason_names[cases[i].not_listed]);
        }
        /* a topic named in praise is still no complaint */
        review("质量不错，做工也好", 5, &out);
        assert_int_equal(out.reason, RDR_REASON_NONE);
}

/* The contract's longest texts (10000 characters) are read to the end:
 * a complaint or a demand after 9,990 Chinese characters (29,970 bytes)
 * still counts. */
static void test_long_text_read_whole(void **state) {
        static const char *const tails[] = {"就坏了", "返现20块我就删差评"};
        char *text = malloc(10000 * 3 + 64);
        rdr_classification_t out;
        size_t i, k;
        (void)state;
        assert_non_null(text);
        for (k = 0; k < 2; k++) {
                for (i = 0; i < 9990 - 10; i++)
                        memcpy(text + i * 3, "的", 3);
                strcpy(text + i * 3, tails[k]);
                review(text, 3, &out);
                assert_sane(&out);
                if (k == 0) {
                        assert_int_equal(out.negative, 1);
                        assert_int_equal(out.reason,
                                         RDR_REASON_PRODUCT_QUALITY);
                } else {
                        assert_int_equal(out.malicious, RDR_MAL_EXTORTION);
                }
        }
        free(text);
}

static void test_negative_flag(void **state) {
        rdr_classification_t out;
        review("Arrived late.", 3, &out);
        assert_int_equal(out.negative, 1);
        review("It's okay.", 3, &out);
        assert_int_equal(out.negative, 0);
        review("Love it", 2, &out);
        assert_int_equal(out.negative, 1);
        review("Great, but shipping was slow.", 4, &out);
        assert_int_equal(out.negative, 0);
        assert_int_equal(out.reason, RDR_REASON_LOGISTICS);
        review("Took a month to arrive and the box was crushed.", 1, &out);
        assert_true(has_reason(&out, RDR_REASON_LOGISTICS));
        assert_true(has_reason(&out, RDR_REASON_PACKAGING_DAMAGE));
        review("Terrible.", 1, &out);
        assert_int_equal(out.reason, RDR_REASON_OTHER);
}

static void test_chat(void **state) {
        static const struct {
                const char *text;
                rdr_intent_t intent;
        } cases[] = {
            {"OK, I'll update my review tonight.", RDR_INTENT_AGREE},
            {"Please stop messaging me.", RDR_INTENT_REFUSE},
            {"I won't change my review.", RDR_INTENT_REFUSE},
            {"Send me $20 and I'll change it to 5 stars.",
             RDR_INTENT_EXTORTION},
            {"I would gladly update my rating if you kindly refund me.",
             RDR_INTENT_EXTORTION},
            {"I'll think about it.", RDR_INTENT_QUESTION},
            {"How do I edit the review?", RDR_INTENT_QUESTION},
            {"Thank you so much!", RDR_INTENT_THANKS},
            {"Vale, ya cambié la reseña.", RDR_INTENT_AGREE},
            {"No me vuelvan a contactar.", RDR_INTENT_REFUSE},
            {"Si me devuelven 10 euros cambio la reseña.",
             RDR_INTENT_EXTORTION},
            {"Lo voy a pensar.", RDR_INTENT_QUESTION},
            {"¡Muchas gracias!", RDR_INTENT_THANKS},
            {"好的，我去改评价", RDR_INTENT_AGREE},
            {"不改，别再联系我了", RDR_INTENT_REFUSE},
            {"返现20块我就改好评", RDR_INTENT_EXTORTION},
            /* A refusal naming the refund and the review, with a lone
             * "again" (再): no condition, no extortion. */
            {"不用再联系我了，退款我也不要，评价我是不会改的。",
             RDR_INTENT_REFUSE},
            {"先退款再改评价", RDR_INTENT_EXTORTION},
            {"我考虑一下", RDR_INTENT_QUESTION},
            {"谢谢！", RDR_INTENT_THANKS},
            /* Traditional characters (Hong Kong, Taiwan) */
            {"好的，我去改評價", RDR_INTENT_AGREE},
            {"不改，別再聯繫我了", RDR_INTENT_REFUSE},
            {"返現20塊我就改好評", RDR_INTENT_EXTORTION},
            {"謝謝！", RDR_INTENT_THANKS},
            {"", RDR_INTENT_QUESTION},
            /* A reply that tells what went wrong is for an agent to read:
             * its "no" or "sure" answers the store's question, it neither
             * refuses contact nor promises to update the review. */
            {"No, the replacement never arrived.", RDR_INTENT_QUESTION},
            {"No, it still doesn't work.", RDR_INTENT_QUESTION},
            {"No it still doesn't work", RDR_INTENT_QUESTION},
            {"There is no tracking information at all.", RDR_INTENT_QUESTION},
            {"This is not ok.", RDR_INTENT_QUESTION},
            {"Sure, the zipper broke after two days.", RDR_INTENT_QUESTION},
            {"Yes, the item arrived broken.", RDR_INTENT_QUESTION},
            {"I want to modify my order.", RDR_INTENT_QUESTION},
            {"Sí, llegó roto.", RDR_INTENT_QUESTION},
            {"No hay información de seguimiento.", RDR_INTENT_QUESTION},
            {"好的，拉链坏了", RDR_INTENT_QUESTION},
            /* ... but a strong phrase in it still decides. */
            {"No, I won't change my review, it broke.", RDR_INTENT_REFUSE},
            {"Sure, I'll update my review now that it works.",
             RDR_INTENT_AGREE},
            {"No.", RDR_INTENT_REFUSE},
            {"Sure!", RDR_INTENT_QUESTION},
            /* Asking not to be contacted, in the words buyers use. */
            {"Please stop contacting me.", RDR_INTENT_REFUSE},
            {"Stop emailing me.", RDR_INTENT_REFUSE},
            {"Never contact me again.", RDR_INTENT_REFUSE},
            {"Please don't write to me again.", RDR_INTENT_REFUSE},
            {"Remove me from your contact list.", RDR_INTENT_REFUSE},
            {"Dejen de contactarme.", RDR_INTENT_REFUSE},
            {"No me molesten más.", RDR_INTENT_REFUSE},
            {"不要联系我", RDR_INTENT_REFUSE},
            {"别打扰我", RDR_INTENT_REFUSE},
            {"我不想改评价", RDR_INTENT_REFUSE},
            {"不同意", RDR_INTENT_REFUSE},
            {"Give me 50 dollars or the review stays.", RDR_INTENT_EXTORTION},
        };
        rdr_chat_class_t out;
        size_t i;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                rdr_classify_chat(clf, cases[i].text, strlen(cases[i].text),
                                  NULL, &out);
                if (out.intent != cases[i].intent)
                        fprintf(stderr, "chat '%s': %s\n", cases[i].text,
                                rdr_intent_names[out.intent]);
                assert_int_equal(out.intent, cases[i].intent);
        }
}

/* A bare "no" or "ok" is the buyer's whole answer; the same word in front
 * of something else answers another question (the first contact asks what
 * happened), and an agent reads it: the case must not close as refused,
 * nor the guide go out. */
static void test_chat_weak_cues(void **state) {
        static const chat_case_t cases[] = {
            {"No, I have not received the refund yet", RDR_INTENT_QUESTION},
            {"No, I have not received the refund yet.", RDR_INTENT_QUESTION},
            {"No, my son ordered it for me.", RDR_INTENT_QUESTION},
            {"No, I was at work when the courier came.", RDR_INTENT_QUESTION},
            {"No, todavía no me ha llegado el reembolso.", RDR_INTENT_QUESTION},
            {"No, lo pidió mi hijo para mí.", RDR_INTENT_QUESTION},
            {"不，我还没收到退款", RDR_INTENT_QUESTION},
            {"不，是我儿子帮我买的", RDR_INTENT_QUESTION},
            {"不要退款，给我换一个新的", RDR_INTENT_QUESTION},
            {"Yes, I bought it for my son.", RDR_INTENT_QUESTION},
            {"Sí, lo compré para mi hijo.", RDR_INTENT_QUESTION},
            {"好的，是给我儿子买的", RDR_INTENT_QUESTION},
            {"No, why?", RDR_INTENT_QUESTION},
            /* A bare no, with at most a courtesy beside it, is one. */
            {"No.", RDR_INTENT_REFUSE},
            {"no", RDR_INTENT_REFUSE},
            {"No!", RDR_INTENT_REFUSE},
            {"Nope.", RDR_INTENT_REFUSE},
            {"No, sorry.", RDR_INTENT_REFUSE},
            {"No thanks", RDR_INTENT_REFUSE},
            {"No, thanks.", RDR_INTENT_REFUSE},
            {"No, thank you.", RDR_INTENT_REFUSE},
            {"Thanks, but no.", RDR_INTENT_REFUSE},
            {"No, gracias.", RDR_INTENT_REFUSE},
            {"no gracias", RDR_INTENT_REFUSE},
            {"No, lo siento.", RDR_INTENT_REFUSE},
            {"Gracias, pero no.", RDR_INTENT_REFUSE},
            {"不", RDR_INTENT_REFUSE},
            {"不要", RDR_INTENT_REFUSE},
            {"不要了", RDR_INTENT_REFUSE},
            {"不了，谢谢", RDR_INTENT_REFUSE},
            {"不好意思，不用了", RDR_INTENT_REFUSE},
            /* A strong phrase decides a longer message. */
            {"No, stop contacting me, I have not received the refund yet.",
             RDR_INTENT_REFUSE},
            {"不，别再联系我了，退款还没到", RDR_INTENT_REFUSE},
            /* Bare assent answers what the store asked, no promise to
             * update the review: an agent reads it
             * (chat.bare_assent_agrees). Agreement said in so many words
             * decides, alone or in a longer message. */
            {"Sure!", RDR_INTENT_QUESTION},
            {"OK", RDR_INTENT_QUESTION},
            {"Vale.", RDR_INTENT_QUESTION},
            {"好的", RDR_INTENT_QUESTION},
            {"ok, I'll update my review", RDR_INTENT_AGREE},
            {"Sure, I can change it to 5 stars now that it's fixed.",
             RDR_INTENT_AGREE},
            {"vale, cambiaré la reseña", RDR_INTENT_AGREE},
            {"Vale, puedo cambiarla esta noche.", RDR_INTENT_AGREE},
            {"好的，我会修改评价", RDR_INTENT_AGREE},
            {"好的，问题解决了，我去把评价改一下", RDR_INTENT_AGREE},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Refusals buyers write in answer to the first contact, by family, in
 * the three languages: not wanting to be contacted, keeping or leaving
 * the review as it is, not meaning to change it, thanks but no. Each
 * closes the case; the near misses beside them do not. */
static void test_chat_refusals(void **state) {
        static const chat_case_t cases[] = {
            /* not wanting to be contacted */
            {"I do not want to be contacted anymore", RDR_INTENT_REFUSE},
            {"I don't want to be contacted again, thanks.", RDR_INTENT_REFUSE},
            {"I'd prefer not to be contacted.", RDR_INTENT_REFUSE},
            {"I don't want any more messages about this.", RDR_INTENT_REFUSE},
            {"No quiero que me contacten más.", RDR_INTENT_REFUSE},
            {"No deseo ser contactada otra vez.", RDR_INTENT_REFUSE},
            {"不需要了", RDR_INTENT_REFUSE},
            {"谢谢，不需要了", RDR_INTENT_REFUSE},
            {"请勿打扰", RDR_INTENT_REFUSE},
            {"我不想被打扰", RDR_INTENT_REFUSE},
            /* keeping or leaving the review as it is */
            {"No, no cambio mi valoración aunque me devuelvan el dinero.",
             RDR_INTENT_REFUSE},
            {"差评不删了，别联系我。", RDR_INTENT_REFUSE},
            {"Thanks for reaching out, but I am going to leave my review as "
             "it is.",
             RDR_INTENT_REFUSE},
            {"I'll leave the review as is.", RDR_INTENT_REFUSE},
            {"I'm keeping my rating.", RDR_INTENT_REFUSE},
            {"My review stays.", RDR_INTENT_REFUSE},
            {"Gracias por escribir, pero prefiero dejar mi reseña como está.",
             RDR_INTENT_REFUSE},
            {"La dejo como está, gracias.", RDR_INTENT_REFUSE},
            {"Mantengo mi valoración.", RDR_INTENT_REFUSE},
            {"Me quedo con mi reseña.", RDR_INTENT_REFUSE},
            {"No quiero nada, dejen de escribir.", RDR_INTENT_REFUSE},
            {"Dejen de enviarme cupones.", RDR_INTENT_REFUSE},
            {"谢谢你们，但是我还是保留我的评价", RDR_INTENT_REFUSE},
            {"评价我就保留了", RDR_INTENT_REFUSE},
            {"我维持原评价", RDR_INTENT_REFUSE},
            /* not meaning to change it */
            {"I don't intend to change my review.", RDR_INTENT_REFUSE},
            {"I'm not planning to update it.", RDR_INTENT_REFUSE},
            {"I won't remove it.", RDR_INTENT_REFUSE},
            {"No tengo intención de cambiar mi reseña.", RDR_INTENT_REFUSE},
            {"No voy a modificar nada.", RDR_INTENT_REFUSE},
            {"不好意思，我不打算改", RDR_INTENT_REFUSE},
            {"我没打算改评价", RDR_INTENT_REFUSE},
            {"评价我不想修改", RDR_INTENT_REFUSE},
            /* thanks, but no */
            {"Thanks for reaching out, but no.", RDR_INTENT_REFUSE},
            {"I appreciate it, but no.", RDR_INTENT_REFUSE},
            {"Gracias por escribir, pero no.", RDR_INTENT_REFUSE},
            {"谢谢你们，不用了", RDR_INTENT_REFUSE},
            /* near misses: for an agent, or agreement */
            {"Can I leave it as it is?", RDR_INTENT_QUESTION},
            {"Can I keep my review and still get a refund?",
             RDR_INTENT_QUESTION},
            {"¿Puedo dejarla como está?", RDR_INTENT_QUESTION},
            {"可以保留评价吗？", RDR_INTENT_QUESTION},
            {"How do I keep my review private?", RDR_INTENT_QUESTION},
            {"I want to leave my review after the replacement arrives.",
             RDR_INTENT_QUESTION},
            {"Thanks for reaching out, the replacement arrived broken again.",
             RDR_INTENT_THANKS},
            {"Gracias por escribir, todavía no me llega el reembolso.",
             RDR_INTENT_THANKS},
            {"¿Puedo dejar la reseña como está y pedir el reembolso?",
             RDR_INTENT_QUESTION},
            {"我不需要退款，只想换个新的", RDR_INTENT_QUESTION},
            {"谢谢你们，退款还没到账", RDR_INTENT_THANKS},
            {"Thanks for reaching out, I'll update my review.",
             RDR_INTENT_AGREE},
            /* "stop sending", "别再", "不要再" about the goods complain:
             * a refusal would close the case unread */
            {"Stop sending broken items, this is the third time.",
             RDR_INTENT_QUESTION},
            {"Please stop sending me the wrong size.", RDR_INTENT_QUESTION},
            {"不要再发错货了，这是第二次了", RDR_INTENT_QUESTION},
            {"别再拖了，快点给我处理", RDR_INTENT_QUESTION},
            {"换货别再发坏的了", RDR_INTENT_QUESTION},
            {"不要发错货", RDR_INTENT_QUESTION},
            /* and about the messages, refuse */
            {"Stop sending me messages.", RDR_INTENT_REFUSE},
            {"Stop sending me coupons, I'm not changing it.",
             RDR_INTENT_REFUSE},
            {"别再联系我了", RDR_INTENT_REFUSE},
            {"不要再给我发消息了", RDR_INTENT_REFUSE},
            {"别再发了", RDR_INTENT_REFUSE},
            {"别再打电话了", RDR_INTENT_REFUSE},
            {"Dejen de mandarme productos rotos.", RDR_INTENT_QUESTION},
            {"Dejen de enviarme tallas equivocadas.", RDR_INTENT_QUESTION},
            {"Dejen de mandarme mensajes.", RDR_INTENT_REFUSE},
            {"No me vuelvan a escribir.", RDR_INTENT_REFUSE},
            {"别再骚扰我了", RDR_INTENT_REFUSE},
            {"别骚扰我", RDR_INTENT_REFUSE},
            {"不要再来烦我", RDR_INTENT_REFUSE},
            {"别再给我打电话了。", RDR_INTENT_REFUSE},
            {"请不要再为这事给我发消息。", RDR_INTENT_REFUSE},
            /* es to one agent (tú, usted) as to the store (ustedes); zh
             * calls without 再; en "never ... me" as "don't" */
            {"Déjame en paz.", RDR_INTENT_REFUSE},
            {"Déjeme en paz.", RDR_INTENT_REFUSE},
            {"Déjenme tranquila.", RDR_INTENT_REFUSE},
            {"No estoy interesada.", RDR_INTENT_REFUSE},
            {"Deja de contactarme.", RDR_INTENT_REFUSE},
            {"Deje de contactarme.", RDR_INTENT_REFUSE},
            {"No me contactes más.", RDR_INTENT_REFUSE},
            {"No me escribas más.", RDR_INTENT_REFUSE},
            {"No me vuelvas a escribir.", RDR_INTENT_REFUSE},
            {"Por favor no me vuelva a escribir.", RDR_INTENT_REFUSE},
            {"No me llames.", RDR_INTENT_REFUSE},
            {"Mi reseña no cambia.", RDR_INTENT_REFUSE},
            {"不感兴趣。", RDR_INTENT_REFUSE},
            {"别打电话了。", RDR_INTENT_REFUSE},
            {"不要给我打电话。", RDR_INTENT_REFUSE},
            {"Never email me again.", RDR_INTENT_REFUSE},
            {"Never text me again.", RDR_INTENT_REFUSE},
            /* "I won't" as "I will not": alone a bare no, which refuses;
             * before anything else it answers something else */
            {"I won't.", RDR_INTENT_REFUSE},
            {"I will not.", RDR_INTENT_REFUSE},
            {"No, I won't do it.", RDR_INTENT_REFUSE},
            {"I'm not going to do that.", RDR_INTENT_REFUSE},
            {"I will not, stop asking.", RDR_INTENT_REFUSE},
            {"I will not remove it, the product was bad and that's the "
             "truth.",
             RDR_INTENT_REFUSE},
            {"No lo haré.", RDR_INTENT_REFUSE},
            {"Yo no.", RDR_INTENT_REFUSE},
            {"No, yo no lo haré.", RDR_INTENT_REFUSE},
            {"我不要", RDR_INTENT_REFUSE},
            {"No, no lo voy a hacer.", RDR_INTENT_REFUSE},
            {"I will not be home until Monday.", RDR_INTENT_QUESTION},
            {"I'm not going to be home until Monday.", RDR_INTENT_QUESTION},
            {"The item is not going to work for me.", RDR_INTENT_QUESTION},
            {"No lo haré hasta que me respondan.", RDR_INTENT_QUESTION},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Agreement said in each language as in the others: "我明天改", "Ya la
 * edité", "Te pongo 5 estrellas", "I'll give you 5 stars", "Voy a
 * eliminar la reseña", "我会删除评价的" were questions; negated, each
 * refuses. An agreement beside a demand sets terms: extortion where the
 * pattern binds them, else an agent reads it (no editing guide in answer,
 * which would read as accepting the terms: chat.agree_max_demand). */
static void test_chat_agree_in_every_language(void **state) {
        static const chat_case_t cases[] = {
            {"好的，我明天改。", RDR_INTENT_AGREE},
            {"Ya la edité.", RDR_INTENT_AGREE},
            {"I'll give you 5 stars.", RDR_INTENT_AGREE},
            {"Te pongo 5 estrellas.", RDR_INTENT_AGREE},
            {"Les daré 5 estrellas.", RDR_INTENT_AGREE},
            {"我给你五星。", RDR_INTENT_AGREE},
            {"Voy a eliminar la reseña.", RDR_INTENT_AGREE},
            {"Eliminaré la reseña.", RDR_INTENT_AGREE},
            {"我会删除评价的。", RDR_INTENT_AGREE},
            /* each verb with each word for the review, and "no se
             * preocupen" (folded, "no sé") no question */
            {"¡Muchas gracias! Cuando me llegue la L actualizo la "
             "valoración, no se preocupen.",
             RDR_INTENT_AGREE},
            {"Thanks a lot! When the L arrives I'll update the rating, "
             "don't worry.",
             RDR_INTENT_AGREE},
            {"Modifico la calificación esta noche.", RDR_INTENT_AGREE},
            {"No se preocupe, edito mi opinión.", RDR_INTENT_AGREE},
            {"No sé.", RDR_INTENT_QUESTION},
            {"OK, I'll amend my review.", RDR_INTENT_AGREE},
            {"好的，我去删", RDR_INTENT_AGREE},
            {"行，我会追评", RDR_INTENT_AGREE},
            {"可以，我马上删除", RDR_INTENT_AGREE},
            {"Pay me and I'll amend my review.", RDR_INTENT_EXTORTION},
            {"No les daré 5 estrellas.", RDR_INTENT_REFUSE},
            {"I won't give you 5 stars.", RDR_INTENT_REFUSE},
            {"我不会给你五星。", RDR_INTENT_REFUSE},
            {"No voy a eliminar la reseña.", RDR_INTENT_REFUSE},
            {"Thanks for the refund, I'll update my review.", RDR_INTENT_AGREE},
            {"Gracias por el reembolso, les doy 5 estrellas.",
             RDR_INTENT_AGREE},
            {"Refund me and I'll give you 5 stars.", RDR_INTENT_EXTORTION},
            {"退款我就给你五星。", RDR_INTENT_EXTORTION},
            {"Devuélvanme el dinero y les doy 5 estrellas.",
             RDR_INTENT_EXTORTION},
            {"Págame y te pongo 5 estrellas.", RDR_INTENT_EXTORTION},
            {"Págueme y le daré cinco estrellas.", RDR_INTENT_EXTORTION},
            /* the promise ("and I will ...") binds a demand to the review
             * named after it, as en "and I" does */
            {"给我20块我给你五星", RDR_INTENT_EXTORTION},
            {"Denme un cupón y voy a eliminar la reseña.",
             RDR_INTENT_EXTORTION},
            {"Denme un reembolso y cambiaré la reseña.", RDR_INTENT_EXTORTION},
            {"Denme un reembolso y voy a cambiar la reseña.",
             RDR_INTENT_EXTORTION},
            {"Gracias por el cupón y voy a cambiar la reseña.",
             RDR_INTENT_AGREE},
            {"收到退款了，我给你五星", RDR_INTENT_AGREE},
            /* a gift asked for, and one received */
            {"Si me regalan otro producto, pongo cinco estrellas",
             RDR_INTENT_EXTORTION},
            {"Gracias, me regalaron un llavero, les pongo 5 estrellas",
             RDR_INTENT_AGREE},
            /* "at once" in its other words, as 马上 */
            {"我立刻改评价", RDR_INTENT_AGREE},
            {"你们退我一半钱，我立马改五星", RDR_INTENT_EXTORTION},
            {"退款收到了，我立刻删差评", RDR_INTENT_AGREE},
            {"给我退款，我给你们看照片", RDR_INTENT_QUESTION},
            {"Llegó roto y voy a pedir un reembolso.", RDR_INTENT_QUESTION},
            /* over two sentences the demand weighs too little to bind: an
             * agent reads the terms */
            {"Quiero un cupón. Voy a eliminar la reseña.", RDR_INTENT_QUESTION},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A refund still to come, awaited, is what the buyer is due, not a
 * demand: "Once I receive the refund I'll update the review" read as
 * extortion (the buyer tagged fleet-wide, an appeal filed) while "When the
 * refund arrives I will change my review", "Cuando reciba el reembolso
 * cambio la reseña" and "收到退款我就改评价" agreed. The refund awaited,
 * however said ("my money back", "the full refund"), is due: the awaits
 * group discounts the dues (what the order owes). Money, a coupon or
 * compensation awaited, "if you refund me" and "refund me and" still
 * trade. */
static void test_extortion_awaited_refund(void **state) {
        static const struct {
                const char *text;
                rdr_malicious_t malicious;
                rdr_intent_t intent;
        } cases[] = {
            {"Once I receive the refund I'll update the review.", RDR_MAL_NONE,
             RDR_INTENT_AGREE},
            {"As soon as I get the refund I will change my review.",
             RDR_MAL_NONE, RDR_INTENT_AGREE},
            {"When the refund arrives I will change my review.", RDR_MAL_NONE,
             RDR_INTENT_AGREE},
            {"En cuanto reciba el reembolso, actualizo la reseña.",
             RDR_MAL_NONE, RDR_INTENT_AGREE},
            {"Cuando reciba el reembolso cambio la reseña.", RDR_MAL_NONE,
             RDR_INTENT_AGREE},
            {"等退款到了我就改评价", RDR_MAL_NONE, RDR_INTENT_AGREE},
            {"一收到退款我就改评价", RDR_MAL_NONE, RDR_INTENT_AGREE},
            {"退款到了我就改评价", RDR_MAL_NONE, RDR_INTENT_AGREE},
            {"补偿到了我就改评价", RDR_MAL_EXTORTION, RDR_INTENT_EXTORTION},
            {"Once I receive 20 dollars I'll update the review.",
             RDR_MAL_EXTORTION, RDR_INTENT_EXTORTION},
            {"Once I receive the refund plus compensation I will update my "
             "review.",
             RDR_MAL_EXTORTION, RDR_INTENT_EXTORTION},
            {"Cuando reciba 20 euros cambio la reseña.", RDR_MAL_EXTORTION,
             RDR_INTENT_EXTORTION},
            {"等你给我补偿我就改评价", RDR_MAL_EXTORTION, RDR_INTENT_EXTORTION},
            /* the store's deed waited for, as "when you refund me" */
            {"等你们退款我就改好评", RDR_MAL_EXTORTION, RDR_INTENT_EXTORTION},
            {"When you refund me I'll change the review.", RDR_MAL_EXTORTION,
             RDR_INTENT_EXTORTION},
            {"I will update my review when I get my money back.", RDR_MAL_NONE,
             RDR_INTENT_AGREE},
            {"Once I receive the full refund I'll update the review.",
             RDR_MAL_NONE, RDR_INTENT_AGREE},
            {"Once I receive a coupon I'll update the review.",
             RDR_MAL_EXTORTION, RDR_INTENT_EXTORTION},
            {"If you refund me I'll update my review.", RDR_MAL_EXTORTION,
             RDR_INTENT_EXTORTION},
            {"Refund me and I'll update my review.", RDR_MAL_EXTORTION,
             RDR_INTENT_EXTORTION},
        };
        rdr_classification_t out;
        rdr_chat_class_t cc;
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                review(cases[i].text, 1, &out);
                rdr_classify_chat(clf, cases[i].text, strlen(cases[i].text),
                                  NULL, &cc);
                if (out.malicious != cases[i].malicious ||
                    cc.intent != cases[i].intent)
                        fail_msg("\"%s\": %s, chat %s; not %s, chat %s",
                                 cases[i].text,
                                 rdr_malicious_names[out.malicious],
                                 rdr_intent_names[cc.intent],
                                 rdr_malicious_names[cases[i].malicious],
                                 rdr_intent_names[cases[i].intent]);
        }
}

/* An offer turned down beside a demand or the goods asked for turns the
 * offer down, not the store: a refusal closed the case, and the buyer's
 * request with it, unanswered. An agent reads it. A refusal in so many
 * words beside a demand still refuses (the corpus' "My review is staying,
 * and I want the refund you promised"); words that only look like a
 * refusal are none. */
static void test_chat_declines(void **state) {
        static const chat_case_t cases[] = {
            {"Not interested in a coupon, I want a refund.",
             RDR_INTENT_QUESTION},
            {"No thanks, send me a new one.", RDR_INTENT_QUESTION},
            {"No me interesa un cupón, quiero el reembolso.",
             RDR_INTENT_QUESTION},
            {"我不同意部分退款，我要全额退款。", RDR_INTENT_QUESTION},
            {"不用了，直接给我换一个吧。", RDR_INTENT_QUESTION},
            {"拒绝签收了，快递退回去了。", RDR_INTENT_QUESTION},
            {"No pienso que sea culpa suya, solo quiero que me ayuden.",
             RDR_INTENT_QUESTION},
            {"No la voy a poder recoger hasta el lunes.", RDR_INTENT_QUESTION},
            {"No way to contact the courier, can you help?",
             RDR_INTENT_QUESTION},
            {"Please don't contact me until the replacement ships.",
             RDR_INTENT_QUESTION},
            {"I don't want to be contacted by phone, email is fine.",
             RDR_INTENT_QUESTION},
            {"Not interested.", RDR_INTENT_REFUSE},
            {"No thanks.", RDR_INTENT_REFUSE},
            {"No me interesa.", RDR_INTENT_REFUSE},
            {"不用了", RDR_INTENT_REFUSE},
            {"拒绝", RDR_INTENT_REFUSE},
            {"No thanks, I got my refund already.", RDR_INTENT_REFUSE},
            {"My review is staying, and I want the refund you promised.",
             RDR_INTENT_REFUSE},
            {"No pienso cambiar mi reseña.", RDR_INTENT_REFUSE},
            {"No la voy a cambiar.", RDR_INTENT_REFUSE},
            {"No way, stop messaging me.", RDR_INTENT_REFUSE},
            {"I'm keeping the item but the zipper is broken.",
             RDR_INTENT_QUESTION},
            {"I'm keeping my review.", RDR_INTENT_REFUSE},
            {"No tengo intención de devolverlo, está bien.",
             RDR_INTENT_QUESTION},
            {"No tengo intención de cambiar mi reseña.", RDR_INTENT_REFUSE},
            /* not done yet (not_yet) */
            {"I haven't updated it yet.", RDR_INTENT_QUESTION},
            {"I have not updated the review yet.", RDR_INTENT_QUESTION},
            {"No, I haven't changed it yet, I'll do it tonight.",
             RDR_INTENT_QUESTION},
            {"Aún no la actualicé.", RDR_INTENT_QUESTION},
            {"我还没改", RDR_INTENT_QUESTION},
            {"I haven't updated it and I won't.", RDR_INTENT_REFUSE},
            {"I won't change it, not yet, not ever.", RDR_INTENT_REFUSE},
            {"Not yet.", RDR_INTENT_QUESTION},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Asking what the change of the review is worth asks for payment for
 * it, in each language ("What can you offer me to change my review?" was
 * a question, "你们能给我什么好处让我改评价？" an agreement); what the goods
 * are good for is no such question ("这个东西有什么好处？" was extortion). A
 * flat no in so many words refuses ("Not doing that", "Ni hablar", "门都
 * 没有"). */
static void test_chat_worth_and_flat_no(void **state) {
        static const chat_case_t cases[] = {
            {"What can you offer me to change my review?",
             RDR_INTENT_EXTORTION},
            {"¿Qué me pueden ofrecer para cambiar mi reseña?",
             RDR_INTENT_EXTORTION},
            {"你们能给我什么好处让我改评价？", RDR_INTENT_EXTORTION},
            {"我有什么好处？给个10块红包我就改。", RDR_INTENT_EXTORTION},
            {"这个东西有什么好处？", RDR_INTENT_QUESTION},
            {"What can you offer me? The item broke.", RDR_INTENT_QUESTION},
            {"Not doing that.", RDR_INTENT_REFUSE},
            {"Not gonna happen.", RDR_INTENT_REFUSE},
            {"Ni hablar.", RDR_INTENT_REFUSE},
            {"De ninguna manera.", RDR_INTENT_REFUSE},
            {"门都没有", RDR_INTENT_REFUSE},
            {"想都别想", RDR_INTENT_REFUSE},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A buyer who turns one channel down and asks for another wants an
 * answer, the other way: a refusal would end every step toward them for
 * good. An agent reads it. The asking verb under a negator asks nothing,
 * and a channel named is as often the one turned down. */
static void test_chat_channel_asks(void **state) {
        static const chat_case_t cases[] = {
            {"Don't call me, message me here instead.", RDR_INTENT_QUESTION},
            {"Please don't call me, just use the chat.", RDR_INTENT_QUESTION},
            {"Stop calling me. Email me if there is news.",
             RDR_INTENT_QUESTION},
            {"No me llames, escríbeme por aquí.", RDR_INTENT_QUESTION},
            {"No me llame, escríbame por chat.", RDR_INTENT_QUESTION},
            {"不要给我打电话，在这里发消息就行。", RDR_INTENT_QUESTION},
            {"别打电话，微信聊。", RDR_INTENT_QUESTION},
            {"Don't text me.", RDR_INTENT_REFUSE},
            {"Don't call or message me again.", RDR_INTENT_REFUSE},
            {"Stop calling me, don't text me, just leave me alone.",
             RDR_INTENT_REFUSE},
            {"Don't contact me by email or by chat.", RDR_INTENT_REFUSE},
            {"No me vuelvas a escribir, ni por chat ni por correo.",
             RDR_INTENT_REFUSE},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* "No problem" answers the first contact's apology; it does not agree
 * to update the review, and the modification guide must not go out for
 * it: an agent reads it. Said with an agreement to update the review, it
 * is one. */
static void test_chat_generic_assent(void **state) {
        static const chat_case_t cases[] = {
            {"No problem", RDR_INTENT_QUESTION},
            {"No problem!", RDR_INTENT_QUESTION},
            {"No problem at all.", RDR_INTENT_QUESTION},
            {"No worries", RDR_INTENT_QUESTION},
            {"No hay problema.", RDR_INTENT_QUESTION},
            {"Ningún problema", RDR_INTENT_QUESTION},
            {"No se preocupe", RDR_INTENT_QUESTION},
            {"没问题", RDR_INTENT_QUESTION},
            {"没问题！", RDR_INTENT_QUESTION},
            {"No problem, the box was wet when it came.", RDR_INTENT_QUESTION},
            {"No problem, I'll update my review.", RDR_INTENT_AGREE},
            {"No problem at all, review updated.", RDR_INTENT_AGREE},
            {"No hay problema, cambiaré la reseña.", RDR_INTENT_AGREE},
            {"没问题，我会修改评价", RDR_INTENT_AGREE},
            {"没问题，已经改好评了。", RDR_INTENT_AGREE},
            {"ok, I'll update my review", RDR_INTENT_AGREE},
            {"vale, cambiaré la reseña", RDR_INTENT_AGREE},
            {"好的，我会修改评价", RDR_INTENT_AGREE},
        };
        (void)state;
        assert_chats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* ---- configuration errors ---- */

static void write_file(const char *dir, const char *name, const char *text) {
        char path[1024];
        FILE *fp;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
}

/* The least a language's lexicon may hold: a phrase in every group the
 * classifier needs. */
static const char good_lexicon[] = "language: en\n"
                                   "detect: [the]\n"
                                   "negators: [not]\n"
                                   "sentiment:\n"
                                   "  positive: [good]\n"
                                   "  negative: [bad]\n"
                                   "reasons:\n"
                                   "  product_quality: [broke]\n"
                                   "  not_as_described: [not as pictured]\n"
                                   "  size_fit: [too small]\n"
                                   "  wrong_item: [wrong item]\n"
                                   "  logistics: [late]\n"
                                   "  packaging_damage: [crushed box]\n"
                                   "  customer_service: [rude]\n"
                                   "  stock_out: [out of stock]\n"
                                   "  after_sales: [no return]\n"
                                   "  other: [overpriced]\n"
                                   "extortion: [pay me or]\n"
                                   "demand: [refund]\n"
                                   "review_ref: [review]\n"
                                   "condition: [unless]\n"
                                   "nitpick: [stitch]\n"
                                   "insult: [idiot]\n"
                                   "private_data: [his address]\n"
                                   "intents:\n"
                                   "  agree: [ok]\n"
                                   "  refuse: [no way]\n"
                                   "  question: [where]\n"
                                   "  thanks: [thanks]\n";

/* Builds a configs dir (in dir) from classifier.yaml's text and one
 * lexicon's, named file. */
static void make_configs(char *dir, size_t dir_size,
                         const char *classifier_yaml, const char *file,
                         const char *lexicon_yaml) {
        char sub[600];
        snprintf(dir, dir_size, "/tmp/rdr-clf-XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(sub, sizeof(sub), "%s/lexicons", dir);
        assert_int_equal(mkdir(sub, 0700), 0);
        write_file(dir, "classifier.yaml", classifier_yaml);
        /* The file every configuration has (its clause breaks alone). */
        if (strcmp(file, "common.yaml"))
                write_file(sub, "common.yaml",
                           "language: any\nclause_breaks: [\".\"]\n");
        write_file(sub, file, lexicon_yaml);
}

/* make_configs(), then the error of loading it (NULL if it loaded). */
static const char *load_error_as(char *dir, size_t dir_size,
                                 const char *classifier_yaml, const char *file,
                                 const char *lexicon_yaml, char *errstr,
                                 size_t errstr_size) {
        rdr_classifier_t *c;
        make_configs(dir, dir_size, classifier_yaml, file, lexicon_yaml);
        errstr[0] = '\0';
        c = rdr_classifier_new(dir, errstr, errstr_size);
        rdr_classifier_destroy(c);
        return c ? NULL : errstr;
}

/* The same with the lexicon as en.yaml. */
static const char *load_error(char *dir, size_t dir_size,
                              const char *classifier_yaml,
                              const char *lexicon_yaml, char *errstr,
                              size_t errstr_size) {
        return load_error_as(dir, dir_size, classifier_yaml, "en.yaml",
                             lexicon_yaml, errstr, errstr_size);
}

static void remove_dir(const char *dir) {
        char path[600];
        DIR *d;
        struct dirent *de;
        snprintf(path, sizeof(path), "%s/lexicons", dir);
        d = opendir(path); /* none: a test removed it */
        for (; d;) {
                de = readdir(d);
                if (!de)
                        break;
                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/lexicons/%s", dir, de->d_name);
                unlink(path);
        }
        if (d)
                closedir(d);
        snprintf(path, sizeof(path), "%s/lexicons", dir);
        rmdir(path);
        snprintf(path, sizeof(path), "%s/classifier.yaml", dir);
        unlink(path);
        rmdir(dir);
}

/* A bare "ok" is no promise to update the review: an agent reads it,
 * unless chat.bare_assent_agrees says it is agreement. */
static void test_chat_bare_assent_setting(void **state) {
        static const char *const yaml[] = {
            "", "chat:\n  bare_assent_agrees: true\n"};
        static const rdr_intent_t want[] = {RDR_INTENT_QUESTION,
                                            RDR_INTENT_AGREE};
        char dir[64], errstr[256];
        size_t i;
        (void)state;
        for (i = 0; i < 2; i++) {
                rdr_classifier_t *c;
                rdr_chat_class_t out;
                make_configs(dir, sizeof(dir), yaml[i], "en.yaml",
                             good_lexicon);
                c = rdr_classifier_new(dir, errstr, sizeof(errstr));
                assert_non_null(c);
                rdr_classify_chat(c, "ok", 2, NULL, &out);
                assert_int_equal(out.intent, want[i]);
                rdr_classify_chat(c, "ok, no way", 10, NULL, &out);
                assert_int_equal(out.intent, RDR_INTENT_REFUSE);
                rdr_classifier_destroy(c);
                remove_dir(dir);
        }
}

static void expect_error(const char *classifier_yaml, const char *lexicon_yaml,
                         const char *file, int line, const char *key) {
        char dir[64], errstr[512], want[256];
        const char *err = load_error(dir, sizeof(dir), classifier_yaml,
                                     lexicon_yaml, errstr, sizeof(errstr));
        assert_non_null(err);
        snprintf(want, sizeof(want), "%s/%s:%d: key '%s'", dir, file, line,
                 key);
        if (!strstr(err, want))
                fprintf(stderr, "want '%s' in '%s'\n", want, err);
        assert_non_null(strstr(err, want));
        remove_dir(dir);
}

/* A lexicon made of good_lexicon with `from` replaced by `to`. */
static const char *lexicon_with(const char *from, const char *to) {
        static char text[sizeof(good_lexicon) + 256];
        const char *at = strstr(good_lexicon, from);
        assert_non_null(at);
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good_lexicon),
                 good_lexicon, to, at + strlen(from));
        return text;
}

/* Every group the classifier reads for a decision is in each language's
 * lexicon, with phrases: one left out or empty made English texts read
 * as Spanish, or "not good" as praise, and nothing said why. */
static void test_missing_groups(void **state) {
        char dir[64], errstr[512];
        const char *err;
        (void)state;

        expect_error("", "language: en\n", "lexicons/en.yaml", 1, "detect");
        expect_error("", lexicon_with("negators: [not]\n", ""),
                     "lexicons/en.yaml", 1, "negators");
        expect_error("", lexicon_with("negators: [not]", "negators: []"),
                     "lexicons/en.yaml", 3, "negators");
        expect_error("", lexicon_with("  size_fit: [too small]\n", ""),
                     "lexicons/en.yaml", 8, "reasons.size_fit");
        expect_error("", lexicon_with("  negative: [bad]", "  negative: {}"),
                     "lexicons/en.yaml", 6, "sentiment.negative");
        expect_error("", lexicon_with("  thanks: [thanks]\n", ""),
                     "lexicons/en.yaml", 26, "intents.thanks");
        err = load_error(dir, sizeof(dir), "",
                         lexicon_with("negators: [not]", "negators: []"),
                         errstr, sizeof(errstr));
        assert_non_null(err);
        assert_non_null(strstr(err, "key 'negators': empty: a language's "
                                    "lexicon needs phrases here (negation: "
                                    "\"not good\")"));
        remove_dir(dir);
        /* Refinements may be left out. */
        assert_null(load_error(
            dir, sizeof(dir), "",
            lexicon_with("detect: [the]\n", "detect: [the]\nignore: []\n"),
            errstr, sizeof(errstr)));
        remove_dir(dir);
        /* Chinese is told by its Han characters, not by a detect group. */
        assert_null(load_error_as(
            dir, sizeof(dir), "language:\n  latin_fallback: zh\n", "zh.yaml",
            lexicon_with("language: en\ndetect: [the]\n", "language: zh\n"),
            errstr, sizeof(errstr)));
        remove_dir(dir);
        err = load_error_as(
            dir, sizeof(dir), "language:\n  latin_fallback: es\n", "es.yaml",
            lexicon_with("language: en\ndetect: [the]\n", "language: es\n"),
            errstr, sizeof(errstr));
        assert_non_null(err);
        assert_non_null(strstr(err, "es.yaml:1: key 'detect': missing"));
        remove_dir(dir);
}

/* A lexicon without the groups that keep a cooperative buyer from reading
 * as extortion (one copied from an earlier build) loads, and the
 * classifier names what it lacks for the workers to tell at start; the
 * shipped lexicons lack none. */
static void expect_notes(const char *lexicon_yaml, const char *notes) {
        char dir[64], errstr[512];
        rdr_classifier_t *c;
        make_configs(dir, sizeof(dir), "", "en.yaml", lexicon_yaml);
        c = rdr_classifier_new(dir, errstr, sizeof(errstr));
        if (!c)
                fail_msg("%s", errstr);
        if (strcmp(rdr_classifier_notes(c), notes))
                fail_msg("got '%s'", rdr_classifier_notes(c));
        rdr_classifier_destroy(c);
        remove_dir(dir);
}

static void test_lexicon_notes(void **state) {
        (void)state;
        assert_string_equal(rdr_classifier_notes(clf), "");
        expect_notes(good_lexicon,
                     "en: offers, threats, dues, reported, given, awaits, "
                     "received, goods, intents.declines, channel_asks, "
                     "not_yet");
        expect_notes(lexicon_with("demand: [refund]\n",
                                  "demand: [refund]\noffers: [and i will "
                                  "change my review]\ngiven: [thanks for]\n"),
                     "en: threats, dues, reported, awaits, received, goods, "
                     "intents.declines, channel_asks, not_yet");
}

/* A lexicon's language is the one its file name says: es.yaml saying pt
 * read Spanish as Portuguese, a language no template speaks. */
static void test_lexicon_named_by_language(void **state) {
        char dir[64], errstr[512];
        const char *err;
        (void)state;
        err = load_error_as(dir, sizeof(dir),
                            "language:\n  latin_fallback: es\n", "es.yaml",
                            lexicon_with("language: en", "language: pt"),
                            errstr, sizeof(errstr));
        assert_non_null(err);
        if (!strstr(err, "es.yaml:1: key 'language': expected 'es' as the "
                         "file name says"))
                fail_msg("got '%s'", err);
        remove_dir(dir);
        assert_null(load_error_as(
            dir, sizeof(dir), "language:\n  latin_fallback: es\n", "es.yaml",
            lexicon_with("language: en", "language: es"), errstr,
            sizeof(errstr)));
        remove_dir(dir);
}

/* lexicon_yaml with the inflections rules, a map's lines (a static
 * buffer). */
static const char *with_infl(const char *lexicon_yaml, const char *rules) {
        static char text[sizeof(good_lexicon) + 512];
        snprintf(text, sizeof(text), "%sinflections:\n%s", lexicon_yaml, rules);
        return text;
}

/* lexicon_yaml with the inflections "y: [ies]". */
static const char *with_ies(const char *lexicon_yaml) {
        return with_infl(lexicon_yaml, "  y: [ies]\n");
}

/* A lexicon's inflections: a word with '~' matches its forms, and a
 * mistake in them stops the start, naming the line and the key. */
static void test_lexicon_inflections(void **state) {
        char dir[64], errstr[512];
        const char *err;
        rdr_classifier_t *c;
        rdr_review_input_t in;
        rdr_classification_t out;
        (void)state;

        make_configs(dir, sizeof(dir), "", "en.yaml",
                     with_ies(lexicon_with("  product_quality: [broke]",
                                           "  product_quality: [\"faulty "
                                           "battery~\"]")));
        c = rdr_classifier_new(dir, errstr, sizeof(errstr));
        if (!c)
                fail_msg("%s", errstr);
        memset(&in, 0, sizeof(in));
        in.text = "the faulty batteries";
        in.text_len = strlen(in.text);
        in.rating = 2;
        rdr_classify_review(c, &in, &out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        in.text = "the faulty battery";
        in.text_len = strlen(in.text);
        rdr_classify_review(c, &in, &out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        rdr_classifier_destroy(c);
        remove_dir(dir);
        /* the empty ending fits any word, a longer one first */
        make_configs(dir, sizeof(dir), "", "en.yaml",
                     with_infl(lexicon_with("  product_quality: [broke]",
                                            "  product_quality: [dent~, "
                                            "battery~]"),
                               "  \"\": [s]\n  y: [ies]\n"));
        c = rdr_classifier_new(dir, errstr, sizeof(errstr));
        if (!c)
                fail_msg("%s", errstr);
        in.text = "dents and batteries";
        in.text_len = strlen(in.text);
        rdr_classify_review(c, &in, &out);
        assert_int_equal(out.reason, RDR_REASON_PRODUCT_QUALITY);
        in.text = "the batterys"; /* not a form: no complaint named */
        in.text_len = strlen(in.text);
        rdr_classify_review(c, &in, &out);
        assert_int_equal(out.reason, RDR_REASON_OTHER);
        rdr_classifier_destroy(c);
        remove_dir(dir);

        /* '~' where the lexicon has no inflections, on an ending it has
         * none for, inside a word */
        err = load_error(dir, sizeof(dir), "",
                         lexicon_with("  product_quality: [broke]",
                                      "  product_quality: [broke~]"),
                         errstr, sizeof(errstr));
        assert_non_null(err);
        if (!strstr(err, "en.yaml:8: key 'reasons.product_quality': phrase "
                         "'broke~': '~' needs the inflections"))
                fail_msg("got '%s'", err);
        remove_dir(dir);
        err = load_error(dir, sizeof(dir), "",
                         with_ies(lexicon_with("  product_quality: [broke]",
                                               "  product_quality: [broke~]")),
                         errstr, sizeof(errstr));
        assert_non_null(err);
        if (!strstr(err, "en.yaml:8: key 'reasons.product_quality': phrase "
                         "'broke~': no ending of this lexicon's inflections "
                         "ends 'broke'"))
                fail_msg("got '%s'", err);
        remove_dir(dir);
        expect_error(
            "",
            with_ies(lexicon_with("nitpick: [stitch]", "nitpick: [bat~tery]")),
            "lexicons/en.yaml", 22, "nitpick");
        /* a form listed again by hand */
        err = load_error(dir, sizeof(dir), "",
                         with_ies(lexicon_with("  product_quality: [broke]",
                                               "  product_quality: [battery~, "
                                               "batteries]")),
                         errstr, sizeof(errstr));
        assert_non_null(err);
        if (!strstr(err, "en.yaml:8: key 'reasons.product_quality': phrase "
                         "'batteries' is listed twice"))
                fail_msg("got '%s'", err);
        remove_dir(dir);
        /* the inflections themselves */
        expect_error("",
                     lexicon_with("negators: [not]\n",
                                  "negators: [not]\ninflections: [y]\n"),
                     "lexicons/en.yaml", 4, "inflections");
        expect_error("",
                     lexicon_with("negators: [not]\n",
                                  "negators: [not]\ninflections:\n  y: [y]\n"),
                     "lexicons/en.yaml", 5, "inflections.y");
        expect_error("",
                     lexicon_with("negators: [not]\n",
                                  "negators: [not]\ninflections:\n"
                                  "  Y: [ies]\n"),
                     "lexicons/en.yaml", 5, "inflections.Y");
        expect_error("",
                     lexicon_with("negators: [not]\n",
                                  "negators: [not]\ninflections:\n  y: ies\n"),
                     "lexicons/en.yaml", 5, "inflections.y");
}

static void test_config_errors(void **state) {
        char dir[64], errstr[512];

        /* a minimal valid configuration loads */
        assert_null(load_error(dir, sizeof(dir), "", good_lexicon, errstr,
                               sizeof(errstr)));
        remove_dir(dir);

        expect_error("sentiment:\n  positive_above: lots\n", good_lexicon,
                     "classifier.yaml", 2, "sentiment.positive_above");
        expect_error("sentiment:\n  rating_1: -2\n  rating_9: 1\n",
                     good_lexicon, "classifier.yaml", 3, "sentiment.rating_9");
        expect_error("malicious:\n  professional:\n    max_account_level: -3\n",
                     good_lexicon, "classifier.yaml", 3,
                     "malicious.professional.max_account_level");
        expect_error("malicious:\n  professional:\n    "
                     "min_negative_for_share: few\n",
                     good_lexicon, "classifier.yaml", 3,
                     "malicious.professional.min_negative_for_share");
        expect_error("reasons:\n  min_score_positive: -1\n", good_lexicon,
                     "classifier.yaml", 2, "reasons.min_score_positive");
        expect_error("malicious:\n  priority: [extortion, spam]\n",
                     good_lexicon, "classifier.yaml", 2, "malicious.priority");
        expect_error("chat:\n  priority: [agree]\n", good_lexicon,
                     "classifier.yaml", 2, "chat.priority");
        /* A fallback language with no lexicon would have fallen back to
         * whichever came first. */
        expect_error("language:\n  latin_fallback: fr\n", good_lexicon,
                     "classifier.yaml", 2, "language.latin_fallback");
        expect_error("", "language: en\nreasons:\n  quality: [broke]\n",
                     "lexicons/en.yaml", 3, "reasons.quality");
        expect_error("",
                     "language: en\nreasons:\n  logistics:\n    - late\n"
                     "    - slow\n    - LATE\n",
                     "lexicons/en.yaml", 6, "reasons.logistics");
        expect_error("", "language: en\nsentiment:\n  negative:\n    bad: x\n",
                     "lexicons/en.yaml", 4, "sentiment.negative.bad");
        expect_error("", "language: en\ninsult: [\"!!\", \"--\"]\n",
                     "lexicons/en.yaml", 2, "insult");
        expect_error("", "language: EN!\n", "lexicons/en.yaml", 1, "language");
        expect_error("", "sentiment:\n  positive: [good]\n", "lexicons/en.yaml",
                     1, "language");

        /* a missing directory, a YAML syntax error */
        assert_null(
            rdr_classifier_new("/nonexistent-rdr", errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "/nonexistent-rdr/classifier.yaml"));
        assert_non_null(load_error(dir, sizeof(dir), "sentiment: [\n",
                                   good_lexicon, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "classifier.yaml:"));
        remove_dir(dir);

        /* A lexicons/ that cannot be listed (here a file) says why, not
         * that the fallback language has no lexicon. */
        {
                char want[256], sub[128];
                snprintf(dir, sizeof(dir), "/tmp/rdr-clf-XXXXXX");
                assert_non_null(mkdtemp(dir));
                write_file(dir, "classifier.yaml", "");
                write_file(dir, "lexicons", "");
                snprintf(want, sizeof(want),
                         "%s/lexicons: cannot list directory: %s", dir,
                         strerror(ENOTDIR));
                assert_null(rdr_classifier_new(dir, errstr, sizeof(errstr)));
                assert_string_equal(errstr, want);
                snprintf(sub, sizeof(sub), "%s/lexicons", dir);
                unlink(sub);
                remove_dir(dir);
        }
}

/* malicious.priority alone, for workers without a classifier: the
 * shipped order, a store's own, and the same errors as the classifier's. */
static void test_malicious_priority(void **state) {
        rdr_malicious_t prio[RDR_MAL__CNT];
        size_t cnt = 0;
        char dir[64], errstr[512];
        (void)state;

        assert_int_equal(rdr_malicious_priority_load(RDR_SOURCE_DIR "/configs",
                                                     prio, &cnt, errstr,
                                                     sizeof(errstr)),
                         RDR_OK);
        assert_int_equal(cnt, 4);
        assert_int_equal(prio[0], RDR_MAL_EXTORTION);
        assert_int_equal(prio[1], RDR_MAL_COMPETITOR);
        assert_int_equal(prio[2], RDR_MAL_PROFESSIONAL);
        assert_int_equal(prio[3], RDR_MAL_ABUSIVE);

        assert_null(load_error(dir, sizeof(dir),
                               "malicious:\n  priority: [professional, "
                               "extortion]\n",
                               good_lexicon, errstr, sizeof(errstr)));
        assert_int_equal(rdr_malicious_priority_load(dir, prio, &cnt, errstr,
                                                     sizeof(errstr)),
                         RDR_OK);
        assert_int_equal(cnt, 2);
        assert_int_equal(prio[0], RDR_MAL_PROFESSIONAL);
        assert_int_equal(prio[1], RDR_MAL_EXTORTION);
        remove_dir(dir);

        assert_non_null(load_error(dir, sizeof(dir),
                                   "reasons:\n  min_score: lots\n",
                                   good_lexicon, errstr, sizeof(errstr)));
        assert_int_equal(rdr_malicious_priority_load(dir, prio, &cnt, errstr,
                                                     sizeof(errstr)),
                         RDR_ERR_CONFIG);
        assert_non_null(strstr(errstr, "classifier.yaml:2: key "
                                       "'reasons.min_score'"));
        remove_dir(dir);
}

/* The shipped configuration meets the targets on the held-out split. */
static void test_eval_targets(void **state) {
        char errstr[512];
        rdr_clf_eval_t *ev = rdr_clf_eval_new(errstr, sizeof(errstr));
        rdr_clf_target_t t[16];
        size_t n, i;

        assert_non_null(ev);
        assert_int_equal(rdr_clf_eval_reviews(ev, clf,
                                              RDR_TEST_DATA_DIR
                                              "/classify/reviews.test.jsonl",
                                              errstr, sizeof(errstr)),
                         RDR_OK);
        assert_int_equal(rdr_clf_eval_chats(ev, clf,
                                            RDR_TEST_DATA_DIR
                                            "/classify/chats.test.jsonl",
                                            errstr, sizeof(errstr)),
                         RDR_OK);
        n = rdr_clf_eval_targets(ev, t, 16);
        assert_true(n >= 12);
        for (i = 0; i < n; i++) {
                if (!t[i].pass)
                        fprintf(stderr, "target %s: %.3f < %.2f\n", t[i].name,
                                t[i].value, t[i].min);
                assert_true(t[i].pass);
        }
        /* a bad file is refused with its line */
        {
                char path[] = "/tmp/rdr-clf-eval-XXXXXX";
                int fd = mkstemp(path);
                FILE *fp;
                assert_true(fd >= 0);
                fp = fdopen(fd, "w");
                fputs("{\"text\":\"ok\",\"rating\":5,\"language\":\"en\","
                      "\"label\":{\"sentiment\":\"positive\",\"reason\":"
                      "\"none\",\"reasons\":[],\"malicious\":\"none\"}}\n"
                      "{\"text\": 3}\n",
                      fp);
                fclose(fp);
                assert_int_equal(
                    rdr_clf_eval_reviews(ev, clf, path, errstr, sizeof(errstr)),
                    RDR_ERR_INVALID);
                assert_non_null(strstr(errstr, ":2: "));
                unlink(path);
        }
        rdr_clf_eval_destroy(ev);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_bad_input),
            cmocka_unit_test(test_negation),
            cmocka_unit_test(test_praise_is_no_complaint),
            cmocka_unit_test(test_case_accents_typos_emoji),
            cmocka_unit_test(test_language),
            cmocka_unit_test(test_malicious),
            cmocka_unit_test(test_insults_in_every_language),
            cmocka_unit_test(test_inflected_forms),
            cmocka_unit_test(test_reasons_in_every_language),
            cmocka_unit_test(test_rating3_in_every_language),
            cmocka_unit_test(test_praise_in_every_language),
            cmocka_unit_test(test_explain),
            cmocka_unit_test(test_traditional_chinese),
            cmocka_unit_test(test_extortion_phrasings),
            cmocka_unit_test(test_extortion_feedback_words),
            cmocka_unit_test(test_extortion_bound_condition),
            cmocka_unit_test(test_extortion_past_mention),
            cmocka_unit_test(test_extortion_contrast_needs_a_change),
            cmocka_unit_test(test_extortion_held_review),
            cmocka_unit_test(test_extortion_concession),
            cmocka_unit_test(test_extortion_across_sentences),
            cmocka_unit_test(test_given_and_offers),
            cmocka_unit_test(test_threat_needs_a_demand),
            cmocka_unit_test(test_reported_offer),
            cmocka_unit_test(test_goods_are_no_demand),
            cmocka_unit_test(test_template_sweep),
            cmocka_unit_test(test_extortion_put_politely),
            cmocka_unit_test(test_extortion_in_every_language),
            cmocka_unit_test(test_reason_phrasings),
            cmocka_unit_test(test_long_text_read_whole),
            cmocka_unit_test(test_negative_flag),
            cmocka_unit_test(test_chat),
            cmocka_unit_test(test_chat_weak_cues),
            cmocka_unit_test(test_chat_how_and_done),
            cmocka_unit_test(test_chat_done_in_every_language),
            cmocka_unit_test(test_chat_refusals),
            cmocka_unit_test(test_chat_channel_asks),
            cmocka_unit_test(test_chat_declines),
            cmocka_unit_test(test_chat_worth_and_flat_no),
            cmocka_unit_test(test_chat_agree_in_every_language),
            cmocka_unit_test(test_extortion_awaited_refund),
            cmocka_unit_test(test_chat_generic_assent),
            cmocka_unit_test(test_lexicon_inflections),
            cmocka_unit_test(test_config_errors),
            cmocka_unit_test(test_chat_bare_assent_setting),
            cmocka_unit_test(test_missing_groups),
            cmocka_unit_test(test_lexicon_notes),
            cmocka_unit_test(test_lexicon_named_by_language),
            cmocka_unit_test(test_malicious_priority),
            cmocka_unit_test(test_eval_targets),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}

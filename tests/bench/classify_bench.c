/* redress-bench-classify: throughput of rdr_classify_review() on one core,
 * for reviews of about 300 bytes in English, Spanish and Chinese (built
 * from the sentences below), and the number of heap allocations made while
 * classifying (the process's malloc family is wrapped and counted; the hot
 * path must make none). Prints reviews/s and ns/review per CPU second of
 * the process (one thread: one core) and per wall-clock second; exits 1 if
 * classifying allocated.
 *
 *   redress-bench-classify [--configs DIR] [--seconds N] [--chat]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "classify.h"

/* ---- counting the malloc family (glibc's own entry points behind) ---- */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

static volatile size_t allocs;

void *malloc(size_t size) {
        allocs++;
        return __libc_malloc(size);
}
void *calloc(size_t n, size_t size) {
        allocs++;
        return __libc_calloc(n, size);
}
void *realloc(void *p, size_t size) {
        allocs++;
        return __libc_realloc(p, size);
}
void free(void *p) {
        __libc_free(p);
}

static const char *const sentences[] = {
    "The zipper broke the first time I used it and the seller never answered "
    "my messages. ",
    "Shipping took over six weeks, the box arrived crushed and one of the "
    "plates was chipped. ",
    "Great quality for the price, my daughter loves it, would buy again! ",
    "It's not bad at all, but the size chart is off: order one size up. ",
    "Refund me $30 or I will leave 1 star reviews on all your products. ",
    "Llegó tarde y la caja venía aplastada, pero el producto funciona bien. ",
    "No llegó roto, muy bien embalado, lo recomiendo a todo el mundo 😍. ",
    "La talla es muy pequeña y el color no se parece en nada a las fotos. ",
    "Pedí el modelo Pro y me mandaron otro, el vendedor no responde. ",
    "用了两天就坏了，质量太差了，客服也不回消息。",
    "物流超级慢，等了一个多月，外包装还压扁了。",
    "东西很好，没有坏，发货很快，五星好评👍",
    "尺码偏小一码，颜色跟图片有色差，不太满意。",
};
#define NSENT (sizeof(sentences) / sizeof(sentences[0]))
#define NTEXTS 64
#define TEXT_BYTES 300

static double clock_s(clockid_t id) {
        struct timespec ts;
        clock_gettime(id, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void) {
        return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this process: on a shared machine the wall clock also counts
 * the time other processes had the core. */
static double cpu_s(void) {
        return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

int main(int argc, char **argv) {
        const char *configs = RDR_SOURCE_DIR "/configs";
        double seconds = 3.0, t0, t1, c0, c1;
        int chat = 0, i;
        char errstr[512];
        static char texts[NTEXTS][TEXT_BYTES + 256];
        size_t lens[NTEXTS], total_bytes = 0, n = 0, allocs0, allocs1, k;
        rdr_classifier_t *clf;
        volatile unsigned sink = 0;

        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--configs") && i + 1 < argc) {
                        configs = argv[++i];
                } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
                        char *end;
                        seconds = strtod(argv[++i], &end);
                        if (*end || seconds <= 0) {
                                fprintf(stderr, "bad --seconds\n");
                                return 2;
                        }
                } else if (!strcmp(argv[i], "--chat")) {
                        chat = 1;
                } else {
                        fprintf(stderr, "usage: redress-bench-classify "
                                        "[--configs DIR] [--seconds N] "
                                        "[--chat]\n");
                        return 2;
                }
        }
        clf = rdr_classifier_new(configs, errstr, sizeof(errstr));
        if (!clf) {
                fprintf(stderr, "redress-bench-classify: %s\n", errstr);
                return 2;
        }
        /* 64 texts of ~300 bytes, each a different mix of sentences of one
         * language family (English, Spanish or Chinese). */
        for (i = 0; i < NTEXTS; i++) {
                size_t len = 0, first = i % 3 == 0 ? 0 : i % 3 == 1 ? 5 : 9;
                size_t cnt = i % 3 == 2 ? 4 : (i % 3 == 1 ? 4 : 5);
                unsigned s = (unsigned)i * 7u;
                while (len < TEXT_BYTES) {
                        const char *sent = sentences[first + (s++ % cnt)];
                        size_t sl = strlen(sent);
                        memcpy(texts[i] + len, sent, sl);
                        len += sl;
                }
                lens[i] = len;
                total_bytes += len;
        }

        allocs0 = allocs;
        c0 = cpu_s();
        t0 = now_s();
        t1 = t0;
        while (t1 - t0 < seconds) {
                for (k = 0; k < 1024; k++) {
                        size_t j = (n + k) % NTEXTS;
                        if (chat) {
                                rdr_chat_class_t out;
                                rdr_classify_chat(clf, texts[j], lens[j], NULL,
                                                  &out);
                                sink += (unsigned)out.intent;
                        } else {
                                rdr_review_input_t in;
                                rdr_classification_t out;
                                memset(&in, 0, sizeof(in));
                                in.text = texts[j];
                                in.text_len = lens[j];
                                in.rating = (int)(j % 5) + 1;
                                rdr_classify_review(clf, &in, &out);
                                sink += (unsigned)out.reason;
                        }
                }
                n += 1024;
                t1 = now_s();
        }
        allocs1 = allocs;
        c1 = cpu_s();

        printf("%s: %zu classified in %.2f s wall, %.2f s CPU (%.0f%% of a "
               "core), mean text %zu bytes\n",
               chat ? "chats" : "reviews", n, t1 - t0, c1 - c0,
               100.0 * (c1 - c0) / (t1 - t0), total_bytes / NTEXTS);
        printf("per CPU second: %.0f %s/s, %.0f ns/%s, %.1f MB/s\n",
               (double)n / (c1 - c0), chat ? "chats" : "reviews",
               (c1 - c0) * 1e9 / (double)n, chat ? "chat" : "review",
               (double)n * (double)(total_bytes / NTEXTS) / (c1 - c0) / 1e6);
        printf("per wall second: %.0f %s/s, %.0f ns/%s\n",
               (double)n / (t1 - t0), chat ? "chats" : "reviews",
               (t1 - t0) * 1e9 / (double)n, chat ? "chat" : "review");
        printf("heap allocations while classifying: %zu (%.3f per %s)\n",
               allocs1 - allocs0, (double)(allocs1 - allocs0) / (double)n,
               chat ? "chat" : "review");
        rdr_classifier_destroy(clf);
        return allocs1 != allocs0 ? 1 : (sink == 0xFFFFFFFFu);
}

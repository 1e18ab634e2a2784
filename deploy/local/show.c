/* redress-show: prints what the fleet published, for demos and tests. It
 * reads redress.cases and redress.actions from the beginning with a plain
 * consumer (every partition assigned, no group, nothing committed), decodes
 * each message by its content-type header with the contract decoders of
 * outmsg.h, and stops once --expect-cases case.classified messages were
 * seen, each case named by --expect-state is in the state named (its
 * latest decision's message says so), each action named by
 * --expect-action was published, and nothing new arrived for --idle (two
 * seconds); or at --eof, every partition read to its end; or at
 * --timeout. It then prints two aligned tables, CASES and ACTIONS, and a
 * count line; the exit status says whether all that was seen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "event.h"
#include "outmsg.h"
#include "version.h"

#define TOPIC_CASES "redress.cases"
#define TOPIC_ACTIONS "redress.actions"
#define MESSAGE_CHARS 60
#define EXPECTS_MAX 64

/* --expect-state CASE_ID=STATE: the state the case must reach; or
 * --expect-action ACTION_ID: an action that must be published. */
typedef struct rdr_show_expect_s {
        const char *id;    /* a case id, or an action id */
        const char *state; /* the case's state; NULL: an action */
        const char *seen;  /* the case's latest state, or "published";
                            * NULL: no message of it yet */
        int64_t seen_at;   /* the occurred_at of the state seen */
} rdr_show_expect_t;

typedef struct rdr_show_s {
        rdr_case_msg_t *cms;
        size_t cms_cnt, cms_size;
        rdr_action_msg_t *ams;
        size_t ams_cnt, ams_size;
        long classified, undecodable;
        rdr_show_expect_t expects[EXPECTS_MAX];
        size_t expects_cnt;
} rdr_show_t;

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: redress-show [--bootstrap HOST:PORT] [--expect-cases "
                "N]\n"
                "                    [--expect-state CASE_ID=STATE]... "
                "[--expect-action ACTION_ID]...\n"
                "                    [--idle MS] [--timeout S] [--eof]\n"
                "Reads redress.cases and redress.actions from the beginning "
                "and prints them.\n"
                "  --bootstrap HOST:PORT  brokers (default: "
                "$REDRESS_KAFKA_BOOTSTRAP)\n"
                "  --expect-cases N       stop once N case.classified "
                "messages were seen\n"
                "                         and nothing new came for --idle "
                "(default 0)\n"
                "  --expect-state CASE_ID=STATE\n"
                "                         and the message of case CASE_ID's "
                "latest decision\n"
                "                         (occurred_at) says STATE (e.g. "
                "resolved; repeatable)\n"
                "  --expect-action ACTION_ID\n"
                "                         and an action of that action_id "
                "was published\n"
                "                         (repeatable; %d expectations at "
                "most)\n"
                "  --idle MS              the quiet that ends the wait "
                "(default 2000; 0:\n"
                "                         stop as soon as all the above "
                "was seen)\n"
                "  --timeout S            give up after S seconds (default "
                "30)\n"
                "  --eof                  or stop at the topics' end as they "
                "are now (every\n"
                "                         partition read to its end), "
                "whatever was seen\n"
                "  --version              print the version and the commit "
                "built\n"
                "Exit status 0 if all that was seen, else 1 (also when the "
                "brokers or\n"
                "the topics could not be reached by --timeout; 2: usage).\n",
                EXPECTS_MAX);
}

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long parse_long(const char *s, long min, long max) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return min - 1;
        return v;
}

/* 1 if the message is protobuf: by its content-type header, else by
 * sniffing as the workers do (a JSON object starts with '{'). */
static int is_protobuf(const rd_kafka_message_t *rkm) {
        rd_kafka_headers_t *hdrs = NULL;
        const void *val = NULL;
        size_t size = 0, i;
        const char *p = rkm->payload;

        if (!rd_kafka_message_headers(rkm, &hdrs) &&
            !rd_kafka_header_get_last(hdrs, "content-type", &val, &size) &&
            val) {
                if (size >= 22 && !strncmp(val, "application/x-protobuf", 22))
                        return 1;
                if (size >= 16 && !strncmp(val, "application/json", 16))
                        return 0;
        }
        for (i = 0; i < rkm->len && strchr(" \t\r\n", p[i]) && p[i]; i++)
                ;
        return !(i < rkm->len && p[i] == '{');
}

static int grow(void **arr, size_t *size, size_t elem) {
        size_t n = *size ? *size * 2 : 64;
        void *p = realloc(*arr, n * elem);

        if (!p)
                return -1;
        *arr = p;
        *size = n;
        return 0;
}

/* The case's latest state: of its latest decision (occurred_at), and of
 * decisions at the same instant the one read last (a case's messages
 * share its partition). A message published again (a worker stopped
 * between publishing and acknowledging) comes after later ones, but
 * keeps the time of its decision, so it does not read as the latest. */
static void note_case(rdr_show_t *sh, const rdr_case_msg_t *cm) {
        size_t i;

        for (i = 0; i < sh->expects_cnt; i++) {
                rdr_show_expect_t *e = &sh->expects[i];

                if (!e->state || strcmp(e->id, cm->case_id) ||
                    (e->seen && cm->occurred_at_ms < e->seen_at))
                        continue;
                e->seen = cm->state;
                e->seen_at = cm->occurred_at_ms;
        }
}

static void note_action(rdr_show_t *sh, const rdr_action_msg_t *am) {
        size_t i;

        for (i = 0; i < sh->expects_cnt; i++)
                if (!sh->expects[i].state &&
                    !strcmp(sh->expects[i].id, am->action_id))
                        sh->expects[i].seen = "published";
}

static int expect_met(const rdr_show_expect_t *e) {
        return e->seen && (!e->state || !strcmp(e->seen, e->state));
}

/* 1 once every --expect-state and --expect-action holds. */
static int expects_met(const rdr_show_t *sh) {
        size_t i;

        for (i = 0; i < sh->expects_cnt; i++)
                if (!expect_met(&sh->expects[i]))
                        return 0;
        return 1;
}

/* An --expect-state CASE_ID=STATE (state 1) or --expect-action ACTION_ID
 * into sh; -1 if malformed or too many. */
static int add_expect(rdr_show_t *sh, char *arg, int state) {
        rdr_show_expect_t *e = &sh->expects[sh->expects_cnt];
        char *eq = strchr(arg, '=');

        if (sh->expects_cnt == EXPECTS_MAX || !*arg)
                return -1;
        e->id = arg;
        e->state = NULL;
        e->seen = NULL;
        if (state) {
                if (!eq || eq == arg || !eq[1])
                        return -1;
                *eq = '\0';
                e->state = eq + 1;
        }
        sh->expects_cnt++;
        return 0;
}

/* Decode one message into the tables. Returns 1 if it was a
 * case.classified message, else 0. */
static int take(rdr_show_t *sh, const rd_kafka_message_t *rkm) {
        const char *topic = rd_kafka_topic_name(rkm->rkt);
        int pb = is_protobuf(rkm);
        char errstr[512];
        rdr_err_t err;

        if (!strcmp(topic, TOPIC_CASES)) {
                rdr_case_msg_t cm;

                if (sh->cms_cnt == sh->cms_size &&
                    grow((void **)&sh->cms, &sh->cms_size, sizeof(cm)))
                        return 0;
                err =
                    pb ? rdr_case_msg_from_protobuf(&cm, rkm->payload, rkm->len,
                                                    errstr, sizeof(errstr))
                       : rdr_case_msg_from_json(&cm, rkm->payload, rkm->len,
                                                errstr, sizeof(errstr));
                if (err)
                        goto bad;
                sh->cms[sh->cms_cnt++] = cm;
                note_case(sh, &cm);
                return cm.type == RDR_CASE_CLASSIFIED;
        } else {
                rdr_action_msg_t am;

                if (sh->ams_cnt == sh->ams_size &&
                    grow((void **)&sh->ams, &sh->ams_size, sizeof(am)))
                        return 0;
                err = pb ? rdr_action_msg_from_protobuf(&am, rkm->payload,
                                                        rkm->len, errstr,
                                                        sizeof(errstr))
                         : rdr_action_msg_from_json(&am, rkm->payload, rkm->len,
                                                    errstr, sizeof(errstr));
                if (err)
                        goto bad;
                sh->ams[sh->ams_cnt++] = am;
                note_action(sh, &am);
                return 0;
        }
bad:
        sh->undecodable++;
        fprintf(stderr, "redress-show: %s [%d] offset %lld (%s): %s\n", topic,
                (int)rkm->partition, (long long)rkm->offset,
                pb ? "protobuf" : "JSON", errstr);
        return 0;
}

/* Assign every partition of both topics from the beginning. Retries until
 * the topics exist or deadline; each metadata request waits no longer than
 * what is left of it, so --timeout holds while the brokers are down. The
 * partitions assigned go to *assigned (the caller's to destroy). */
static int assign_all(rd_kafka_t *rk, int64_t deadline,
                      rd_kafka_topic_partition_list_t **assigned) {
        static const char *const topics[] = {TOPIC_CASES, TOPIC_ACTIONS};
        const rd_kafka_metadata_t *md = NULL;
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_resp_err_t kerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        int t, i, p, found;

        for (;;) {
                int64_t left = deadline - now_ms();

                parts = rd_kafka_topic_partition_list_new(32);
                found = 0;
                kerr = rd_kafka_metadata(rk, 1, NULL, &md,
                                         (int)(left > 5000  ? 5000
                                               : left < 100 ? 100
                                                            : left));
                for (i = 0; !kerr && i < md->topic_cnt; i++) {
                        const rd_kafka_metadata_topic_t *mt = &md->topics[i];

                        for (t = 0; t < 2; t++) {
                                if (strcmp(mt->topic, topics[t]) || mt->err ||
                                    !mt->partition_cnt)
                                        continue;
                                found |= 1 << t;
                                for (p = 0; p < mt->partition_cnt; p++)
                                        rd_kafka_topic_partition_list_add(
                                            parts, mt->topic,
                                            mt->partitions[p].id)
                                            ->offset =
                                            RD_KAFKA_OFFSET_BEGINNING;
                        }
                }
                if (md)
                        rd_kafka_metadata_destroy(md);
                md = NULL;
                if (found == 3 || now_ms() >= deadline)
                        break;
                rd_kafka_topic_partition_list_destroy(parts);
                left = deadline - now_ms();
                rd_kafka_poll(rk, (int)(left > 500 ? 500
                                        : left < 0 ? 0
                                                   : left));
        }
        if (kerr)
                fprintf(stderr,
                        "redress-show: no metadata from the brokers: %s\n",
                        rd_kafka_err2str(kerr));
        else if (found != 3)
                fprintf(stderr, "redress-show: topic %s not found\n",
                        found & 1 ? TOPIC_ACTIONS : TOPIC_CASES);
        if (parts->cnt) {
                kerr = rd_kafka_assign(rk, parts);
                if (kerr)
                        fprintf(stderr, "redress-show: assign: %s\n",
                                rd_kafka_err2str(kerr));
        }
        *assigned = parts;
        return found == 3 ? 0 : -1;
}

/* --eof: +1 if the message says its partition was read to its end (once
 * per partition, marked in the assigned list's opaque), -1 if a message
 * came after that, else 0. */
static int at_end_moved(rd_kafka_topic_partition_list_t *parts,
                        const rd_kafka_message_t *rkm) {
        rd_kafka_topic_partition_t *tp;
        int end = rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;

        if (!rkm->rkt || (rkm->err && !end))
                return 0;
        tp = rd_kafka_topic_partition_list_find(
            parts, rd_kafka_topic_name(rkm->rkt), rkm->partition);
        if (!tp || !tp->opaque == !end)
                return 0;
        tp->opaque = end ? (void *)tp : NULL;
        return end ? 1 : -1;
}

/*
 * Tables.
 */

enum { CASE_COLS = 10, ACTION_COLS = 7, MAX_COLS = 10 };

/* Display width in characters (code points; wide scripts are not
 * measured wider, so CJK text misaligns a little). */
static size_t width(const char *s) {
        size_t n = rdr_utf8_count(s, strlen(s), NULL);

        return n == (size_t)-1 ? strlen(s) : n;
}

static void print_cell(const char *s, size_t w, int last) {
        size_t n = width(s);

        fputs(s, stdout);
        if (last)
                return;
        for (; n < w + 2; n++)
                putchar(' ');
}

/* cells: rows * cols strings, row 0 the header. */
static void print_table(const char *title, char **cells, size_t rows,
                        size_t cols) {
        size_t w[MAX_COLS] = {0}, r, c, n;

        for (r = 0; r < rows; r++)
                for (c = 0; c < cols; c++) {
                        n = width(cells[r * cols + c]);
                        if (n > w[c])
                                w[c] = n;
                }
        printf("%s\n", title);
        for (r = 0; r < rows; r++) {
                printf("  ");
                for (c = 0; c < cols; c++)
                        print_cell(cells[r * cols + c], w[c], c + 1 == cols);
                putchar('\n');
        }
        putchar('\n');
}

static char *dup_str(const char *s) {
        size_t n = s ? strlen(s) : 0;
        char *d = malloc(n + 1);

        if (d) {
                if (n)
                        memcpy(d, s, n);
                d[n] = '\0';
        }
        return d;
}

/* At most max characters of s on one line: control characters become
 * spaces, a cut ends in "...". Caller frees. */
static char *clip(const char *s, size_t max) {
        size_t len = s ? strlen(s) : 0, i = 0, chars = 0, o = 0;
        char *d = malloc(len + 4);
        unsigned char c;

        if (!d)
                return NULL;
        while (i < len) {
                c = (unsigned char)s[i];
                if (chars == max) {
                        memcpy(d + o, "...", 3);
                        o += 3;
                        break;
                }
                if (c < 0x20) {
                        d[o++] = ' ';
                        i++;
                } else {
                        do
                                d[o++] = s[i++];
                        while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80);
                }
                chars++;
        }
        d[o] = '\0';
        return d;
}

static char *fmt_time(int64_t ms) {
        char t[RDR_TIME_RFC3339_SIZE];

        if (!ms || !rdr_time_format_rfc3339(ms, t, sizeof(t)))
                return dup_str("-");
        t[16] = 'Z'; /* minutes are enough for a table: 2026-11-23T07:00Z */
        t[17] = '\0';
        return dup_str(t);
}

static char *fmt_conf(double v) {
        char b[32];

        snprintf(b, sizeof(b), "%.2f", v);
        return dup_str(b);
}

static char *or_dash(const char *s) {
        return dup_str(s && *s ? s : "-");
}

static int cmp_case(const void *a, const void *b) {
        const rdr_case_msg_t *x = a, *y = b;
        int c = strcmp(x->store_id ? x->store_id : "",
                       y->store_id ? y->store_id : "");

        if (!c)
                c = strcmp(x->review_id ? x->review_id : "",
                           y->review_id ? y->review_id : "");
        if (!c)
                c = (x->occurred_at_ms > y->occurred_at_ms) -
                    (x->occurred_at_ms < y->occurred_at_ms);
        if (!c)
                c = (int)x->type - (int)y->type;
        return c;
}

static int cmp_action(const void *a, const void *b) {
        const rdr_action_msg_t *x = a, *y = b;
        int c = (x->due_at_ms > y->due_at_ms) - (x->due_at_ms < y->due_at_ms);

        if (!c)
                c = strcmp(x->action_id ? x->action_id : "",
                           y->action_id ? y->action_id : "");
        return c;
}

/* "case.classified" -> "classified": a case's messages follow each other
 * in the table, each row says which one it is. */
static const char *case_type(rdr_case_type_t type) {
        const char *name, *dot;

        if ((unsigned)type >= RDR_CASE_TYPE__CNT)
                return NULL;
        name = rdr_case_type_names[type];
        dot = strchr(name, '.');
        return dot ? dot + 1 : name;
}

static void print_cases(rdr_show_t *sh) {
        static const char *const head[CASE_COLS] = {
            "STORE",     "REVIEW", "TYPE",      "LANG", "RATING",
            "SENTIMENT", "REASON", "MALICIOUS", "CONF", "STATE"};
        size_t rows = sh->cms_cnt + 1, r, c;
        char **cells = calloc(rows * CASE_COLS, sizeof(*cells));
        char rating[16];

        if (!cells)
                return;
        for (c = 0; c < CASE_COLS; c++)
                cells[c] = dup_str(head[c]);
        if (sh->cms_cnt)
                qsort(sh->cms, sh->cms_cnt, sizeof(*sh->cms), cmp_case);
        for (r = 1; r < rows; r++) {
                const rdr_case_msg_t *cm = &sh->cms[r - 1];
                char **row = &cells[r * CASE_COLS];

                snprintf(rating, sizeof(rating), "%d", cm->rating);
                row[0] = or_dash(cm->store_id);
                row[1] = or_dash(cm->review_id);
                row[2] = or_dash(case_type(cm->type));
                row[3] = or_dash(cm->language);
                row[4] = dup_str(cm->rating ? rating : "-");
                row[5] = or_dash((unsigned)cm->sentiment < RDR_SENT__CNT
                                     ? rdr_sentiment_names[cm->sentiment]
                                     : NULL);
                row[6] = or_dash((unsigned)cm->reason < RDR_REASON__CNT
                                     ? rdr_reason_names[cm->reason]
                                     : NULL);
                row[7] = or_dash((unsigned)cm->malicious < RDR_MAL__CNT
                                     ? rdr_malicious_names[cm->malicious]
                                     : NULL);
                row[8] = fmt_conf(cm->confidence);
                row[9] = or_dash(cm->state);
        }
        for (r = 0; r < rows * CASE_COLS; r++)
                if (!cells[r])
                        cells[r] = dup_str("?");
        print_table("CASES", cells, rows, CASE_COLS);
        for (r = 0; r < rows * CASE_COLS; r++)
                free(cells[r]);
        free(cells);
}

static void print_actions(rdr_show_t *sh) {
        static const char *const head[ACTION_COLS] = {
            "KIND",   "CHANNEL",       "LANG",   "DUE_AT",
            "REVIEW", "CASE/SHIPMENT", "MESSAGE"};
        size_t rows = sh->ams_cnt + 1, r, c;
        char **cells = calloc(rows * ACTION_COLS, sizeof(*cells));

        if (!cells)
                return;
        for (c = 0; c < ACTION_COLS; c++)
                cells[c] = dup_str(head[c]);
        if (sh->ams_cnt) /* qsort() takes no NULL, even for none */
                qsort(sh->ams, sh->ams_cnt, sizeof(*sh->ams), cmp_action);
        for (r = 1; r < rows; r++) {
                const rdr_action_msg_t *am = &sh->ams[r - 1];
                char **row = &cells[r * ACTION_COLS];

                row[0] = or_dash((unsigned)am->kind < RDR_ACT__CNT
                                     ? rdr_action_kind_names[am->kind]
                                     : NULL);
                row[1] = or_dash((unsigned)am->channel < RDR_CHAN__CNT
                                     ? rdr_channel_names[am->channel]
                                     : NULL);
                row[2] = or_dash(am->language);
                row[3] = fmt_time(am->due_at_ms);
                /* The review links an action to its rows of CASES. */
                row[4] = or_dash(am->review_id);
                row[5] = or_dash(am->case_id && *am->case_id ? am->case_id
                                                             : am->shipment_id);
                row[6] = am->message && *am->message
                             ? clip(am->message, MESSAGE_CHARS)
                             : dup_str("-");
        }
        for (r = 0; r < rows * ACTION_COLS; r++)
                if (!cells[r])
                        cells[r] = dup_str("?");
        print_table("ACTIONS", cells, rows, ACTION_COLS);
        for (r = 0; r < rows * ACTION_COLS; r++)
                free(cells[r]);
        free(cells);
}

static rd_kafka_t *consumer_new(const char *bootstrap, int eof) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512], group[64];
        rd_kafka_t *rk;

        /* librdkafka's consumer API wants a group.id even for a manual
         * assign: a throwaway one, never joined (no subscribe) and never
         * committed to. */
        snprintf(group, sizeof(group), "redress-show-%ld-%lld", (long)getpid(),
                 (long long)now_ms());
        if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "group.id", group, errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "client.id", "redress-show", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "enable.partition.eof",
                              eof ? "true" : "false", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK)
                goto err;
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        if (!rk)
                goto err;
        rd_kafka_poll_set_consumer(rk);
        return rk; /* rd_kafka_new owns conf now */
err:
        fprintf(stderr, "redress-show: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
}

int main(int argc, char **argv) {
        const char *bootstrap = getenv("REDRESS_KAFKA_BOOTSTRAP");
        long expect = 0, timeout_s = 30, idle_ms = 2000;
        rd_kafka_topic_partition_list_t *parts = NULL;
        rd_kafka_message_t *rkm;
        rdr_show_t sh;
        rd_kafka_t *rk;
        rd_kafka_resp_err_t last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        int64_t deadline, last_new;
        size_t i;
        int i_arg, done, readable, eof = 0, at_end = 0;

        memset(&sh, 0, sizeof(sh));
        for (i_arg = 1; i_arg < argc; i_arg++) {
                if (!strcmp(argv[i_arg], "--bootstrap") && i_arg + 1 < argc) {
                        bootstrap = argv[++i_arg];
                } else if (!strcmp(argv[i_arg], "--expect-cases") &&
                           i_arg + 1 < argc) {
                        expect = parse_long(argv[++i_arg], 0, 100000000);
                        if (expect < 0) {
                                usage(stderr);
                                return 2;
                        }
                } else if (!strcmp(argv[i_arg], "--expect-state") &&
                           i_arg + 1 < argc) {
                        if (add_expect(&sh, argv[++i_arg], 1)) {
                                usage(stderr);
                                return 2;
                        }
                } else if (!strcmp(argv[i_arg], "--expect-action") &&
                           i_arg + 1 < argc) {
                        if (add_expect(&sh, argv[++i_arg], 0)) {
                                usage(stderr);
                                return 2;
                        }
                } else if (!strcmp(argv[i_arg], "--idle") && i_arg + 1 < argc) {
                        idle_ms = parse_long(argv[++i_arg], 0, 600000);
                        if (idle_ms < 0) {
                                usage(stderr);
                                return 2;
                        }
                } else if (!strcmp(argv[i_arg], "--timeout") &&
                           i_arg + 1 < argc) {
                        timeout_s = parse_long(argv[++i_arg], 1, 86400);
                        if (timeout_s < 1) {
                                usage(stderr);
                                return 2;
                        }
                } else if (!strcmp(argv[i_arg], "--eof")) {
                        eof = 1;
                } else if (!strcmp(argv[i_arg], "--help") ||
                           !strcmp(argv[i_arg], "-h")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(argv[i_arg], "--version")) {
                        rdr_version_print("redress-show");
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        if (!bootstrap || !*bootstrap) {
                fprintf(stderr, "redress-show: no --bootstrap and "
                                "REDRESS_KAFKA_BOOTSTRAP is not set\n");
                return 2;
        }
        rk = consumer_new(bootstrap, eof);
        if (!rk)
                return 2;
        deadline = now_ms() + timeout_s * 1000;
        readable = assign_all(rk, deadline, &parts) == 0;
        last_new = now_ms();
        for (;;) {
                int64_t now = now_ms();

                if (now >= deadline)
                        break;
                if (sh.classified >= expect && expects_met(&sh) &&
                    now - last_new >= idle_ms)
                        break;
                if (eof && parts->cnt && at_end == parts->cnt)
                        break;
                rkm = rd_kafka_consumer_poll(rk, 200);
                if (!rkm)
                        continue;
                at_end += at_end_moved(parts, rkm);
                if (rkm->err) {
                        /* Each distinct error once: a broker that is down
                         * repeats itself every poll. */
                        if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
                            rkm->err != last_err)
                                fprintf(stderr, "redress-show: %s\n",
                                        rd_kafka_message_errstr(rkm));
                        last_err = rkm->err;
                } else {
                        sh.classified += take(&sh, rkm);
                        last_new = now_ms();
                }
                rd_kafka_message_destroy(rkm);
        }
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        rd_kafka_topic_partition_list_destroy(parts);

        print_cases(&sh);
        print_actions(&sh);
        printf("%zu case messages (%ld case.classified, %ld expected), %zu "
               "actions",
               sh.cms_cnt, sh.classified, expect, sh.ams_cnt);
        if (sh.undecodable)
                printf(", %ld undecodable", sh.undecodable);
        printf("\n");
        done = readable && sh.classified >= expect && expects_met(&sh);
        for (i = 0; i < sh.expects_cnt; i++) {
                const rdr_show_expect_t *e = &sh.expects[i];

                if (expect_met(e))
                        continue;
                if (e->state)
                        fprintf(stderr,
                                "redress-show: case %s is %s, not %s as "
                                "expected\n",
                                e->id, e->seen ? e->seen : "not seen",
                                e->state);
                else
                        fprintf(stderr,
                                "redress-show: no action %s was published\n",
                                e->id);
        }

        for (i = 0; i < sh.cms_cnt; i++)
                rdr_case_msg_clear(&sh.cms[i]);
        for (i = 0; i < sh.ams_cnt; i++)
                rdr_action_msg_clear(&sh.ams[i]);
        free(sh.cms);
        free(sh.ams);
        return done ? 0 : 1;
}

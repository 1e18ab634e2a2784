/* redress-dlq: lists and replays dead letters. The workers put every event
 * they cannot read on the dead-letter topic (topics.dlq), unchanged, with
 * the reason and where it came from (dlq.h). Once the cause is fixed (a
 * platform policy added, a worker upgraded), `replay` publishes the
 * matching dead letters again, as they came (key, bytes, content-type), to
 * the topic each came from; the workers apply each event once (their
 * dedupe), so a replay run twice produces nothing twice. Both commands read
 * every partition from the beginning (or --since: where the brokers say
 * that time starts, checked when they say nothing is that late) to where
 * it ended when the command started, with a plain consumer (no group,
 * nothing committed): what dead-letters again during a replay is not read
 * again.
 * They read that range twice: first only to find the dead letters that a
 * later one names as replayed from (redress-replay-of), which `list`
 * marks and `replay` skips (the later one is the event's dead letter
 * now; replaying both would publish the event twice and, while it still
 * fails, double its dead letters with every run), and the cut ones: a
 * dead letter that holds the head of an event too big for the topic
 * whole (redress-cut), and the dead letters of its replays, which `list`
 * marks and `replay` never publishes (its bytes are not the event).
 * The configuration is the workers' (--config, REDRESS_* variables): the
 * same brokers, kafka.* settings (TLS, SASL) and topic names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "clock.h"
#include "conf.h"
#include "dlq.h"
#include "event.h"
#include "tool.h"

#define EXIT_USAGE 2
#define EXIT_CONFIG 78
#define MAX_DESTS 32

typedef struct rdr_dlq_dest_s {
        char *topic;
        long cnt;
} rdr_dlq_dest_t;

/* A dead letter replayed and dead-lettered again: of names the first, as
 * the later one ("TOPIC/PARTITION/OFFSET" both). */
typedef struct rdr_dlq_again_s {
        char *of, *as;
} rdr_dlq_again_t;

/* A dead letter that holds the head of its event alone: where it is
 * ("TOPIC/PARTITION/OFFSET") and the event's length (0: unknown). */
typedef struct rdr_dlq_cut_s {
        char *ref;
        int64_t from;
} rdr_dlq_cut_t;

typedef struct rdr_dlq_run_s {
        /* Options. */
        int replay, json, dry_run, include_replayed;
        long limit;
        int timeout_ms;
        const char *to;
        rdr_dlq_filter_t filter;

        /* Kafka. */
        rd_kafka_t *consumer, *producer;
        const char *topic;
        int32_t parts;
        int64_t *end; /* per partition: the offset it ended at on start */
        int *done;    /* per partition: read up to end */
        int32_t left; /* partitions not done */

        /* The first pass: dead letters replayed and dead-lettered again,
         * sorted by of; the cut ones, sorted by ref. */
        int collecting;
        rdr_dlq_again_t *again;
        size_t again_cnt, again_size;
        rdr_dlq_cut_t *cuts;
        size_t cut_cnt, cut_size;

        /* Counts. */
        long read, matched, queued, no_source, skipped, cut;
        rdr_dlq_dest_t dests[MAX_DESTS];
        size_t dest_cnt;
        long delivered, failed; /* written by the delivery callback */
        char first_error[256];
} rdr_dlq_run_t;

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: redress-dlq [--config FILE] [--set KEY=VALUE]... "
                "list|replay [OPTIONS]\n"
                "Reads the dead-letter topic (topics.dlq) from the beginning "
                "to its end when\nstarted; nothing is committed.\n"
                "  list                 one line per dead letter: where it "
                "is, when, the worker,\n"
                "                       its source topic/partition/offset, "
                "key and reason, and\n"
                "                       whether it is cut (the head of an "
                "event too big for the\n"
                "                       dead-letter topic whole)\n"
                "  replay               publish them again as they came (key, "
                "bytes,\n"
                "                       content-type) to their source topic; "
                "the workers apply\n"
                "                       an event once, so replaying twice "
                "acts once; a cut\n"
                "                       dead letter is never replayed (its "
                "event must come again\n"
                "                       from its publisher)\n"
                "Which dead letters (every option given must hold):\n"
                "  --source-topic T     dead-lettered from input topic T\n"
                "  --worker W           by worker W (reviews, chats, "
                "shipments)\n"
                "  --error TEXT         whose reason contains TEXT\n"
                "  --since TIME         dead-lettered at or after TIME (RFC "
                "3339)\n"
                "  --until TIME         dead-lettered before TIME\n"
                "  --limit N            the first N of them\n"
                "Output and actions:\n"
                "  --json               list: one JSON object per line, with "
                "the message\n"
                "                       (value, or value_base64 if binary)\n"
                "  --to TOPIC           replay: to TOPIC instead of each "
                "one's source topic\n"
                "  --dry-run            replay: print what would be "
                "published, publish nothing\n"
                "  --include-replayed   replay: also the dead letters "
                "replayed before and\n"
                "                       dead-lettered again (skipped by "
                "default: the later\n"
                "                       dead letter stands for the "
                "event)\n"
                "  --timeout S          give up when nothing arrives for S "
                "seconds (default 30)\n"
                "  --verbose            librdkafka's log on stderr\n"
                "  --config FILE        the workers' configuration (default: "
                "$REDRESS_CONFIG\n"
                "                       or the built-in "
                "configs/redress.yaml)\n"
                "  --set KEY=VALUE      override one key, e.g. "
                "topics.dlq=other.dlq\n"
                "  --version            print the version and the commit "
                "built\n"
                "Exit status: 0 done (even with nothing matched), 1 the "
                "brokers could not be\nread, a replayed message was not "
                "delivered or a cut dead letter was left\nout, 2 usage, 78 "
                "bad configuration.\n");
}

static int verbose;

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf) {
        (void)rk;
        /* A broker that cannot be reached is reported once, by the command;
         * librdkafka's own lines (every retry) on --verbose. */
        if (verbose && level <= 6)
                fprintf(stderr, "redress-dlq: kafka: %s: %s\n", fac, buf);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque) {
        rdr_dlq_run_t *r = opaque;
        (void)rk;
        if (!rkm->err) {
                r->delivered++;
                return;
        }
        if (!r->failed++)
                snprintf(r->first_error, sizeof(r->first_error), "%s: %s",
                         rd_kafka_topic_name(rkm->rkt),
                         rd_kafka_err2str(rkm->err));
}

/* A client of the configuration's brokers and kafka.* settings. */
static rd_kafka_t *client(const rdr_conf_t *conf, rd_kafka_type_t type,
                          rdr_dlq_run_t *r, char *errstr, size_t size) {
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        rd_kafka_t *rk;
        rd_kafka_conf_set_log_cb(kc, log_cb);
        if (rdr_conf_kafka_apply(conf, kc, errstr, size))
                goto err;
        if (type == RD_KAFKA_CONSUMER) {
                /* librdkafka's consumer wants a group.id even to assign
                 * partitions: one of its own, never joined nor committed. */
                char group[64];
                snprintf(group, sizeof(group), "redress-dlq-%ld",
                         (long)getpid());
                if (rd_kafka_conf_set(kc, "group.id", group, errstr, size) ||
                    rd_kafka_conf_set(kc, "enable.auto.commit", "false", errstr,
                                      size) ||
                    rd_kafka_conf_set(kc, "enable.auto.offset.store", "false",
                                      errstr, size) ||
                    rd_kafka_conf_set(kc, "enable.partition.eof", "true",
                                      errstr, size) ||
                    rd_kafka_conf_set(kc, "auto.offset.reset", "earliest",
                                      errstr, size))
                        goto err;
        } else {
                /* As big a message as the workers' dead letters (dlq.h). */
                char max[32];
                snprintf(max, sizeof(max), "%d", RDR_KAFKA_MESSAGE_MAX);
                rd_kafka_conf_set_opaque(kc, r);
                rd_kafka_conf_set_dr_msg_cb(kc, dr_cb);
                if ((!rdr_conf_kafka_isset(conf, "enable.idempotence") &&
                     rd_kafka_conf_set(kc, "enable.idempotence", "true", errstr,
                                       size)) ||
                    (!rdr_conf_kafka_isset(conf, "message.max.bytes") &&
                     rd_kafka_conf_set(kc, "message.max.bytes", max, errstr,
                                       size)))
                        goto err;
        }
        rk = rd_kafka_new(type, kc, errstr, size);
        if (rk && type == RD_KAFKA_CONSUMER)
                rd_kafka_poll_set_consumer(rk);
        if (rk)
                return rk;
err:
        rd_kafka_conf_destroy(kc);
        return NULL;
}

/* Partitions the brokers answered --since with "none" (no offset, or
 * their end) although they hold dead letters, each in last at its end - 1:
 * that answer is checked against their last dead letter, as librdkafka's
 * mock cluster (the dev broker) answers "none" whatever the time. A last
 * one at or after --since, or of no known time, means the answer was
 * wrong: the partition is read from its start (as in want), and the
 * timestamp filter takes the dead letters due. One before it agrees with
 * a broker that looked (no dead letter is that late, the last included):
 * the partition is done. Returns 0, -1 with errstr set. */
static int check_last(rdr_dlq_run_t *r,
                      const rd_kafka_topic_partition_list_t *last,
                      rd_kafka_topic_partition_list_t *want, char *errstr,
                      size_t size) {
        int *seen = calloc((size_t)r->parts, sizeof(*seen));
        int left = last->cnt, rc = -1;
        int64_t heard = rdr_mono_ms();
        rd_kafka_resp_err_t err;

        if (!seen) {
                snprintf(errstr, size, "out of memory");
                return -1;
        }
        err = rd_kafka_assign(r->consumer, last);
        if (err) {
                snprintf(errstr, size, "assign: %s", rd_kafka_err2str(err));
                goto done;
        }
        while (left > 0) {
                rd_kafka_message_t *rkm =
                    rd_kafka_consumer_poll(r->consumer, 200);
                rd_kafka_timestamp_type_t tstype;
                int64_t ts;
                int32_t p;
                if (!rkm) {
                        if (rdr_mono_ms() - heard > r->timeout_ms) {
                                snprintf(errstr, size,
                                         "nothing arrived for %d s while "
                                         "reading the last dead letter of %d "
                                         "partitions of %s (--since)",
                                         r->timeout_ms / 1000, left, r->topic);
                                goto done;
                        }
                        continue;
                }
                heard = rdr_mono_ms();
                p = rkm->partition;
                if (rkm->err && rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        snprintf(errstr, size, "%s",
                                 rd_kafka_message_errstr(rkm));
                        rd_kafka_message_destroy(rkm);
                        goto done;
                }
                if (p < 0 || p >= r->parts || seen[p] ||
                    !rd_kafka_topic_partition_list_find(last, r->topic, p)) {
                        rd_kafka_message_destroy(rkm);
                        continue;
                }
                seen[p] = 1;
                left--;
                /* The end with nothing there, or another message than the
                 * last (gone since): not known, read from the start. */
                ts = rkm->err || rkm->offset + 1 < r->end[p]
                         ? -1
                         : rd_kafka_message_timestamp(rkm, &tstype);
                if (ts >= 0 && ts < r->filter.since_ms) {
                        r->done[p] = 1;
                        rd_kafka_topic_partition_list_del(want, r->topic, p);
                }
                rd_kafka_message_destroy(rkm);
        }
        rc = 0;
done:
        rd_kafka_assign(r->consumer, NULL);
        free(seen);
        return rc;
}

/* Partitions of the dead-letter topic and where each ends now; with
 * --since, where each starts. Returns the partitions to read (the caller
 * destroys it), or NULL with errstr set (an absent topic is no error:
 * *absent). */
static rd_kafka_topic_partition_list_t *plan(rdr_dlq_run_t *r, int *absent,
                                             char *errstr, size_t size) {
        const rd_kafka_metadata_t *md = NULL;
        rd_kafka_topic_partition_list_t *want = NULL, *at = NULL, *last = NULL;
        rd_kafka_resp_err_t err;
        int32_t i, n = -1;
        int64_t deadline;
        int t;

        *absent = 0;
        /* A broker not up yet answers at once with a transport error:
         * retried until --timeout. */
        deadline = rdr_mono_ms() + r->timeout_ms;
        for (;;) {
                int64_t left = deadline - rdr_mono_ms();
                err = rd_kafka_metadata(r->consumer, 1, NULL, &md,
                                        left > 0 ? (int)left : 1);
                if (!err || left <= 0)
                        break;
                nanosleep(&(struct timespec){0, 500000000L}, NULL);
        }
        if (err) {
                /* Name the brokers it was given. */
                char brokers[256] = "?";
                size_t len = sizeof(brokers);
                rd_kafka_conf_get(rd_kafka_conf(r->consumer),
                                  "bootstrap.servers", brokers, &len);
                snprintf(errstr, size,
                         "cannot read the brokers' metadata in %d s (%s): %s "
                         "(--verbose shows librdkafka's log)",
                         r->timeout_ms / 1000, brokers, rd_kafka_err2str(err));
                return NULL;
        }
        for (t = 0; t < md->topic_cnt; t++)
                if (!strcmp(md->topics[t].topic, r->topic))
                        n = md->topics[t].partition_cnt;
        rd_kafka_metadata_destroy(md);
        if (n <= 0) {
                *absent = 1;
                return NULL;
        }
        r->parts = n;
        r->end = calloc((size_t)n, sizeof(*r->end));
        r->done = calloc((size_t)n, sizeof(*r->done));
        want = rd_kafka_topic_partition_list_new(n);
        if (r->filter.since_ms >= 0)
                at = rd_kafka_topic_partition_list_new(n);
        if (!r->end || !r->done || !want || (r->filter.since_ms >= 0 && !at))
                goto oom;
        for (i = 0; i < n; i++) {
                int64_t lo, hi;
                err = rd_kafka_query_watermark_offsets(r->consumer, r->topic, i,
                                                       &lo, &hi, r->timeout_ms);
                if (err) {
                        snprintf(errstr, size, "%s [%d]: %s", r->topic, i,
                                 rd_kafka_err2str(err));
                        goto err;
                }
                r->end[i] = hi;
                if (lo >= hi) {
                        r->done[i] = 1;
                        continue;
                }
                rd_kafka_topic_partition_list_add(want, r->topic, i)->offset =
                    RD_KAFKA_OFFSET_BEGINNING;
                if (at)
                        rd_kafka_topic_partition_list_add(at, r->topic, i)
                            ->offset = r->filter.since_ms;
        }
        if (at && at->cnt) {
                /* The first offset at or after --since; none (-1, or the
                 * end): checked (check_last). Either way the dead letters
                 * read are filtered by their time (rdr_dlq_match). */
                err =
                    rd_kafka_offsets_for_times(r->consumer, at, r->timeout_ms);
                if (err) {
                        snprintf(errstr, size, "offsets for --since: %s",
                                 rd_kafka_err2str(err));
                        goto err;
                }
                last = rd_kafka_topic_partition_list_new(at->cnt);
                for (t = 0; t < at->cnt; t++) {
                        rd_kafka_topic_partition_t *a = &at->elems[t];
                        int32_t p = a->partition;
                        if (!a->err && a->offset >= 0 && a->offset < r->end[p])
                                rd_kafka_topic_partition_list_find(want,
                                                                   r->topic, p)
                                    ->offset = a->offset;
                        else
                                rd_kafka_topic_partition_list_add(last,
                                                                  r->topic, p)
                                    ->offset = r->end[p] - 1;
                }
                if (last->cnt && check_last(r, last, want, errstr, size))
                        goto err;
        }
        for (i = 0; i < n; i++)
                r->left += !r->done[i];
        if (at)
                rd_kafka_topic_partition_list_destroy(at);
        if (last)
                rd_kafka_topic_partition_list_destroy(last);
        return want;
oom:
        snprintf(errstr, size, "out of memory");
err:
        if (at)
                rd_kafka_topic_partition_list_destroy(at);
        if (last)
                rd_kafka_topic_partition_list_destroy(last);
        if (want)
                rd_kafka_topic_partition_list_destroy(want);
        return NULL;
}

/* The key of a dead letter as list shows it: its control bytes (a tab,
 * a newline, a terminal escape: the producer's, not ours) as \xNN, so
 * that each dead letter stays one line. */
static void shown_key(const rdr_dlq_entry_t *e, char *out, size_t size) {
        size_t i, o = 0;
        if (!e->key) {
                snprintf(out, size, "-");
                return;
        }
        for (i = 0; i < e->key_len && o + 8 < size; i++) {
                unsigned char c = (unsigned char)e->key[i];
                if (c < 0x20 || c == 0x7f)
                        o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
                else
                        out[o++] = (char)c;
        }
        out[o] = '\0';
        if (i < e->key_len)
                snprintf(out + o, size - o, "...");
}

/* What a cut dead letter holds of its event, "the first N of M bytes"
 * (in out, size bytes). */
static void shown_cut(const rdr_dlq_entry_t *e, char *out, size_t size) {
        if (e->cut_from > 0)
                snprintf(out, size, "the first %zu of %lld bytes", e->len,
                         (long long)e->cut_from);
        else
                snprintf(out, size, "the first %zu bytes", e->len);
}

static void print_line(const rdr_dlq_entry_t *e, const char *prefix) {
        char when[RDR_TIME_RFC3339_SIZE] = "-", key[1100], cut[96] = "";
        if (e->timestamp_ms >= 0)
                rdr_time_format_rfc3339(e->timestamp_ms, when, sizeof(when));
        shown_key(e, key, sizeof(key));
        if (e->cut_from >= 0) {
                char what[64];
                shown_cut(e, what, sizeof(what));
                snprintf(cut, sizeof(cut), " (CUT: %s, not replayable)", what);
        }
        printf("%s%d/%lld  %s  %s  %s/%d/%lld  %s  %s%s%s%s%s%s%s%s\n", prefix,
               (int)e->partition, (long long)e->offset, when,
               *e->worker ? e->worker : "-",
               *e->source_topic ? e->source_topic : "-",
               (int)e->source_partition, (long long)e->source_offset, key,
               e->error, cut, *e->replay_of ? " (again, replayed from " : "",
               e->replay_of, *e->replay_of ? ")" : "",
               *e->again_as ? " (replayed, dead-lettered again as " : "",
               e->again_as, *e->again_as ? ")" : "");
}

static void count_dest(rdr_dlq_run_t *r, const char *topic) {
        size_t i;
        for (i = 0; i < r->dest_cnt; i++)
                if (!strcmp(r->dests[i].topic, topic)) {
                        r->dests[i].cnt++;
                        return;
                }
        if (r->dest_cnt < MAX_DESTS) {
                r->dests[r->dest_cnt].topic = strdup(topic);
                r->dests[r->dest_cnt].cnt = r->dests[r->dest_cnt].topic ? 1 : 0;
                r->dest_cnt++;
        }
}

/* Where e sits on the dead-letter topic, as redress-replay-of names it:
 * "TOPIC/PARTITION/OFFSET". */
#define DLQ_REF_SIZE 300
static void dlq_ref(const rdr_dlq_run_t *r, const rdr_dlq_entry_t *e,
                    char ref[DLQ_REF_SIZE]) {
        snprintf(ref, DLQ_REF_SIZE, "%s/%d/%lld", r->topic, (int)e->partition,
                 (long long)e->offset);
}

/* Publish e again: its key, bytes and the event's headers (content-type
 * and the publisher's others, as its dead letter kept them), and where it
 * was on the dead-letter topic (redress-replay-of). Returns 0, -1 on an
 * error. */
static int replay_one(rdr_dlq_run_t *r, const rdr_dlq_entry_t *e,
                      const char *dest) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(4);
        char of[DLQ_REF_SIZE];
        rd_kafka_resp_err_t err;

        dlq_ref(r, e, of);
        rd_kafka_header_add(h, "redress-replay-of", -1, of, -1);
        rdr_dlq_headers_keep(h, e->headers);
        for (;;) {
                err = rd_kafka_producev(
                    r->producer, RD_KAFKA_V_TOPIC(dest),
                    RD_KAFKA_V_KEY(e->key, e->key_len),
                    RD_KAFKA_V_VALUE((void *)e->value, e->len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(r->producer, 100);
        }
        if (err) {
                rd_kafka_headers_destroy(h);
                fprintf(stderr, "redress-dlq: replay of %s to %s: %s\n", of,
                        dest, rd_kafka_err2str(err));
                return -1;
        }
        r->queued++;
        count_dest(r, dest);
        rd_kafka_poll(r->producer, 0);
        return 0;
}

static int again_cmp(const void *a, const void *b) {
        return strcmp(((const rdr_dlq_again_t *)a)->of,
                      ((const rdr_dlq_again_t *)b)->of);
}

/* Room for one more element (of elem bytes) in the array *arrp of *size
 * elements, cnt of them used: the array doubled, from first. arrp points
 * at the array's pointer. Returns 0, -1 on out of memory (the array left
 * as it was). */
static int grow(void *arrp, size_t *size, size_t cnt, size_t elem,
                size_t first) {
        void *arr, *n;
        size_t ns;
        if (cnt < *size)
                return 0;
        ns = *size ? 2 * *size : first;
        memcpy(&arr, arrp, sizeof(arr));
        n = realloc(arr, ns * elem);
        if (!n)
                return -1;
        memcpy(arrp, &n, sizeof(n));
        *size = ns;
        return 0;
}

/* The first pass: remember that e was replayed from e->replay_of. Returns
 * 0, -1 on out of memory. */
static int again_add(rdr_dlq_run_t *r, const rdr_dlq_entry_t *e) {
        char as[DLQ_REF_SIZE];
        rdr_dlq_again_t *a;
        if (grow(&r->again, &r->again_size, r->again_cnt, sizeof(*r->again),
                 64))
                return -1;
        dlq_ref(r, e, as);
        a = &r->again[r->again_cnt];
        a->of = strdup(e->replay_of);
        a->as = strdup(as);
        if (!a->of || !a->as) {
                free(a->of);
                free(a->as);
                return -1;
        }
        r->again_cnt++;
        return 0;
}

/* The later dead letter replayed from e, "" if none was read. */
static const char *again_as(const rdr_dlq_run_t *r, const rdr_dlq_entry_t *e) {
        char of[DLQ_REF_SIZE];
        rdr_dlq_again_t key = {of, NULL};
        const rdr_dlq_again_t *a;
        if (!r->again_cnt)
                return "";
        dlq_ref(r, e, of);
        a = bsearch(&key, r->again, r->again_cnt, sizeof(*r->again), again_cmp);
        return a ? a->as : "";
}

static int cut_cmp(const void *a, const void *b) {
        return strcmp(((const rdr_dlq_cut_t *)a)->ref,
                      ((const rdr_dlq_cut_t *)b)->ref);
}

/* The first pass: remember that the dead letter at ref is cut, from an
 * event of from bytes. Returns 0, -1 on out of memory. */
static int cut_add(rdr_dlq_run_t *r, const char *ref, int64_t from) {
        if (grow(&r->cuts, &r->cut_size, r->cut_cnt, sizeof(*r->cuts), 16))
                return -1;
        r->cuts[r->cut_cnt].ref = strdup(ref);
        if (!r->cuts[r->cut_cnt].ref)
                return -1;
        r->cuts[r->cut_cnt++].from = from;
        return 0;
}

/* The cut dead letter at ref (once sorted), NULL if none was read. */
static const rdr_dlq_cut_t *cut_find(const rdr_dlq_run_t *r, const char *ref) {
        rdr_dlq_cut_t key = {(char *)ref, 0};
        if (!r->cut_cnt)
                return NULL;
        return bsearch(&key, r->cuts, r->cut_cnt, sizeof(*r->cuts), cut_cmp);
}

/* After the first pass: a dead letter replayed from a cut one is cut
 * too (a replay before cut dead letters were refused published the head
 * as the event, and the worker dead-lettered it, as invalid JSON most
 * often), and so on down the chain. Returns 0, -1 on out of memory. */
static int cut_spread(rdr_dlq_run_t *r) {
        size_t i, before;
        if (!r->cut_cnt)
                return 0; /* nothing cut: nothing to spread */
        do {
                qsort(r->cuts, r->cut_cnt, sizeof(*r->cuts), cut_cmp);
                before = r->cut_cnt;
                for (i = 0; i < r->again_cnt; i++) {
                        const rdr_dlq_cut_t *c = cut_find(r, r->again[i].of);
                        int64_t from;
                        if (!c || cut_find(r, r->again[i].as))
                                continue;
                        from = c->from;
                        if (cut_add(r, r->again[i].as, from))
                                return -1;
                        /* Sorted again before the next lookup. */
                        qsort(r->cuts, r->cut_cnt, sizeof(*r->cuts), cut_cmp);
                }
        } while (r->cut_cnt != before);
        return 0;
}

/* --limit: the dead letters taken (not skipped) reached it. */
static int limit_reached(const rdr_dlq_run_t *r) {
        return r->limit && r->matched - r->skipped - r->cut >= r->limit;
}

/* One dead letter read: list it or replay it if it matches (in the first
 * pass, note what it was replayed from and whether it is cut). Returns 0,
 * -1 on an error that stops the run. */
static int take(rdr_dlq_run_t *r, const rd_kafka_message_t *rkm) {
        rdr_dlq_entry_t e;
        const char *dest;
        char ref[DLQ_REF_SIZE];
        rdr_dlq_entry_from_message(&e, rkm);
        dlq_ref(r, &e, ref);
        if (r->collecting) {
                if ((*e.replay_of && again_add(r, &e)) ||
                    (e.cut_from >= 0 && cut_add(r, ref, e.cut_from))) {
                        fprintf(stderr, "redress-dlq: out of memory\n");
                        return -1;
                }
                return 0;
        }
        r->read++;
        if (!rdr_dlq_match(&r->filter, &e))
                return 0;
        if (limit_reached(r))
                return 0;
        r->matched++;
        e.again_as = again_as(r, &e);
        if (e.cut_from < 0) {
                const rdr_dlq_cut_t *c = cut_find(r, ref);
                if (c)
                        e.cut_from = c->from;
        }
        if (!r->replay) {
                if (r->json) {
                        char *line = rdr_dlq_entry_json(&e);
                        if (!line)
                                return -1;
                        puts(line);
                        free(line);
                } else
                        print_line(&e, "");
                return 0;
        }
        /* Its bytes are not the event: published, they would be read as
         * an event of their own (and dead-lettered again, as not valid
         * JSON most often), whatever the cause fixed. */
        if (e.cut_from >= 0) {
                char what[64];
                r->cut++;
                shown_cut(&e, what, sizeof(what));
                fprintf(stderr,
                        "redress-dlq: %d/%lld is cut (%s of its event): "
                        "skipped; the event can only come again from its "
                        "publisher\n",
                        (int)e.partition, (long long)e.offset, what);
                return 0;
        }
        if (*e.again_as && !r->include_replayed) {
                r->skipped++;
                if (r->dry_run)
                        print_line(&e, "skipped: ");
                return 0;
        }
        dest = r->to ? r->to : e.source_topic;
        if (!*dest) {
                r->no_source++;
                fprintf(stderr,
                        "redress-dlq: %d/%lld names no source topic: "
                        "skipped (use --to)\n",
                        (int)e.partition, (long long)e.offset);
                return 0;
        }
        if (r->dry_run) {
                char prefix[300];
                snprintf(prefix, sizeof(prefix), "would replay to %s: ", dest);
                print_line(&e, prefix);
                r->queued++;
                count_dest(r, dest);
                return 0;
        }
        return replay_one(r, &e, dest);
}

/* Read every assigned partition up to its end. Returns 0, -1 on an error
 * (printed). */
static int read_all(rdr_dlq_run_t *r) {
        int64_t last = rdr_mono_ms();
        while (r->left > 0 && !limit_reached(r)) {
                rd_kafka_message_t *rkm =
                    rd_kafka_consumer_poll(r->consumer, 200);
                int32_t p;
                if (r->producer)
                        rd_kafka_poll(r->producer, 0);
                if (!rkm) {
                        if (rdr_mono_ms() - last > r->timeout_ms) {
                                fprintf(stderr,
                                        "redress-dlq: nothing arrived for %d "
                                        "s with %d partitions of %s unread\n",
                                        r->timeout_ms / 1000, (int)r->left,
                                        r->topic);
                                return -1;
                        }
                        continue;
                }
                last = rdr_mono_ms();
                p = rkm->partition;
                if (rkm->err && rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        fprintf(stderr, "redress-dlq: %s\n",
                                rd_kafka_message_errstr(rkm));
                        rd_kafka_message_destroy(rkm);
                        return -1;
                }
                if (p >= 0 && p < r->parts && !r->done[p]) {
                        int at_end =
                            rkm->err ? 1 : rkm->offset + 1 >= r->end[p];
                        /* Later messages arrived after the start: not ours. */
                        if (!rkm->err && rkm->offset < r->end[p] &&
                            take(r, rkm)) {
                                rd_kafka_message_destroy(rkm);
                                return -1;
                        }
                        if (at_end) {
                                r->done[p] = 1;
                                r->left--;
                        }
                }
                rd_kafka_message_destroy(rkm);
        }
        return 0;
}

static int parse_time(const char *opt, const char *s, int64_t *out) {
        int ok = 0;
        *out = rdr_time_parse_rfc3339(s, strlen(s), &ok);
        if (!ok)
                fprintf(stderr,
                        "redress-dlq: %s: '%s' is not an RFC 3339 time "
                        "(2026-11-23T07:00:00Z)\n",
                        opt, s);
        return ok ? 0 : -1;
}

static long parse_count(const char *opt, const char *s, long min) {
        char *end;
        long v;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min) {
                fprintf(stderr,
                        "redress-dlq: %s: '%s' is not a number >= %ld\n", opt,
                        s, min);
                return -1;
        }
        return v;
}

static void summary(const rdr_dlq_run_t *r) {
        size_t i;
        fprintf(stderr,
                "redress-dlq: %s: %ld read (%d partitions), %ld matched",
                r->topic, r->read, (int)r->parts, r->matched);
        if (r->replay) {
                fprintf(stderr,
                        r->dry_run ? ", %ld would be replayed"
                                   : ", %ld replayed",
                        r->dry_run ? r->queued : r->delivered);
                for (i = 0; i < r->dest_cnt; i++)
                        fprintf(stderr, "%s%s %ld", i ? ", " : " (",
                                r->dests[i].topic, r->dests[i].cnt);
                if (r->dest_cnt)
                        fputc(')', stderr);
                if (r->skipped)
                        fprintf(stderr,
                                ", %ld skipped: replayed before and "
                                "dead-lettered again, their later dead "
                                "letters stand for them "
                                "(--include-replayed)",
                                r->skipped);
                if (r->no_source)
                        fprintf(stderr, ", %ld without a source topic",
                                r->no_source);
                if (r->cut)
                        fprintf(stderr,
                                ", %ld NOT replayed: cut, each holds the "
                                "head of its event alone",
                                r->cut);
                if (r->failed)
                        fprintf(stderr, ", %ld NOT delivered (%s)", r->failed,
                                r->first_error);
        }
        fputc('\n', stderr);
}

int main(int argc, char **argv) {
        rdr_dlq_run_t r;
        const char *cmd = NULL, *why = NULL;
        rdr_conf_t *conf = NULL;
        rd_kafka_topic_partition_list_t *want = NULL;
        char errstr[512];
        int i, rc = EXIT_USAGE, absent = 0;
        size_t d;

        memset(&r, 0, sizeof(r));
        r.filter.since_ms = r.filter.until_ms = -1;
        r.timeout_ms = 30000;
        /* --help needs no configuration; --config first: --set applies
         * to what it loads. */
        conf = rdr_tool_conf("redress-dlq", argc, argv, 1, usage, &rc);
        if (!conf)
                return rc;
        rc = EXIT_USAGE;
        for (i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                /* --config, --set */
                int takes = 1,
                    opt = v ? rdr_tool_conf_opt(conf, "redress-dlq", a, v)
                            : RDR_TOOL_OPT_OTHER;
                if (!strcmp(a, "list") || !strcmp(a, "replay")) {
                        if (cmd) {
                                why = "one command only";
                                goto bad;
                        }
                        cmd = a;
                        takes = 0;
                } else if (!strcmp(a, "--json")) {
                        r.json = 1;
                        takes = 0;
                } else if (!strcmp(a, "--verbose")) {
                        verbose = 1;
                        takes = 0;
                } else if (!strcmp(a, "--dry-run")) {
                        r.dry_run = 1;
                        takes = 0;
                } else if (!strcmp(a, "--include-replayed")) {
                        r.include_replayed = 1;
                        takes = 0;
                } else if (!v) {
                        why = "an option without its value, or unknown";
                        goto bad;
                } else if (opt == RDR_TOOL_EXIT_USAGE) {
                        why = "--set takes KEY=VALUE";
                        goto bad;
                } else if (opt > 0) {
                        rc = opt;
                        goto done;
                } else if (opt == 0) {
                        /* the configuration's */
                } else if (!strcmp(a, "--source-topic")) {
                        r.filter.source_topic = v;
                } else if (!strcmp(a, "--worker")) {
                        r.filter.worker = v;
                } else if (!strcmp(a, "--error")) {
                        r.filter.error = v;
                } else if (!strcmp(a, "--since")) {
                        if (parse_time(a, v, &r.filter.since_ms))
                                goto done;
                } else if (!strcmp(a, "--until")) {
                        if (parse_time(a, v, &r.filter.until_ms))
                                goto done;
                } else if (!strcmp(a, "--limit")) {
                        if ((r.limit = parse_count(a, v, 1)) < 0)
                                goto done;
                } else if (!strcmp(a, "--timeout")) {
                        long s = parse_count(a, v, 1);
                        if (s < 0)
                                goto done;
                        if (s > 3600) {
                                why = "--timeout: at most 3600 seconds";
                                goto bad;
                        }
                        r.timeout_ms = (int)s * 1000;
                } else if (!strcmp(a, "--to")) {
                        r.to = v;
                } else {
                        why = "unknown option";
                        goto bad;
                }
                i += takes;
        }
        if (!cmd) {
                why = "list or replay?";
                goto bad;
        }
        r.replay = !strcmp(cmd, "replay");
        if (r.json && r.replay)
                why = "--json is for list";
        else if ((r.to || r.dry_run || r.include_replayed) && !r.replay)
                why = "--to, --dry-run and --include-replayed are for replay";
        if (why)
                goto bad;
        r.topic = rdr_conf_str(conf, "topics.dlq");

        rc = 1;
        r.consumer =
            client(conf, RD_KAFKA_CONSUMER, &r, errstr, sizeof(errstr));
        if (r.consumer && r.replay && !r.dry_run)
                r.producer =
                    client(conf, RD_KAFKA_PRODUCER, &r, errstr, sizeof(errstr));
        if (!r.consumer || (r.replay && !r.dry_run && !r.producer)) {
                fprintf(stderr, "redress-dlq: %s\n", errstr);
                rc = EXIT_CONFIG;
                goto done;
        }
        want = plan(&r, &absent, errstr, sizeof(errstr));
        if (!want && !absent) {
                fprintf(stderr, "redress-dlq: %s\n", errstr);
                goto done;
        }
        if (absent) {
                fprintf(stderr,
                        "redress-dlq: no topic %s on the brokers: nothing was "
                        "dead-lettered\n",
                        r.topic);
                rc = 0;
                goto done;
        }
        if (!r.json && !r.replay)
                printf("DLQ  TIME  WORKER  SOURCE  KEY  ERROR\n");
        /* Twice over the same range: what was replayed and dead-lettered
         * again, then the command. */
        for (r.collecting = 1; r.collecting >= 0; r.collecting--) {
                rd_kafka_resp_err_t err;
                int32_t p;
                for (p = 0, r.left = 0; p < r.parts; p++) {
                        r.done[p] = !rd_kafka_topic_partition_list_find(
                            want, r.topic, p);
                        r.left += !r.done[p];
                }
                if (want->cnt && (err = rd_kafka_assign(r.consumer, want))) {
                        fprintf(stderr, "redress-dlq: assign: %s\n",
                                rd_kafka_err2str(err));
                        goto done;
                }
                if (read_all(&r)) {
                        rc = 1;
                        break;
                }
                rc = 0;
                if (r.collecting && r.again_cnt)
                        qsort(r.again, r.again_cnt, sizeof(*r.again),
                              again_cmp);
                if (r.collecting && cut_spread(&r)) {
                        fprintf(stderr, "redress-dlq: out of memory\n");
                        rc = 1;
                        break;
                }
        }
        /* What was handed over is delivered (or reported) either way. */
        if (r.producer && rd_kafka_flush(r.producer, r.timeout_ms) !=
                              RD_KAFKA_RESP_ERR_NO_ERROR)
                fprintf(stderr,
                        "redress-dlq: %d messages still undelivered after %d "
                        "s\n",
                        rd_kafka_outq_len(r.producer), r.timeout_ms / 1000);
        fflush(stdout);
        if ((r.producer && r.delivered != r.queued) || r.cut)
                rc = 1;
        summary(&r);
        goto done;
bad:
        if (why && i < argc)
                fprintf(stderr, "redress-dlq: %s: %s (--help)\n", argv[i], why);
        else if (why)
                fprintf(stderr, "redress-dlq: %s (--help)\n", why);
        else
                usage(stderr);
        rc = EXIT_USAGE;
done:
        if (want)
                rd_kafka_topic_partition_list_destroy(want);
        if (r.consumer) {
                rd_kafka_consumer_close(r.consumer);
                rd_kafka_destroy(r.consumer);
        }
        if (r.producer)
                rd_kafka_destroy(r.producer);
        for (d = 0; d < r.dest_cnt; d++)
                free(r.dests[d].topic);
        for (d = 0; d < r.again_cnt; d++) {
                free(r.again[d].of);
                free(r.again[d].as);
        }
        free(r.again);
        for (d = 0; d < r.cut_cnt; d++)
                free(r.cuts[d].ref);
        free(r.cuts);
        free(r.end);
        free(r.done);
        rdr_conf_destroy(conf);
        return rc;
}

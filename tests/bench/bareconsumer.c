/* redress-bareconsumer: the Kafka baseline of tests/bench/run. A plain
 * librdkafka consumer (rd_kafka_consumer_poll, as in librdkafka's
 * examples/consumer.c) that reads messages and does nothing with them: no
 * decoding, no Redis, no output. What it reaches per second on the dev
 * broker is the ceiling any worker could reach on the same machine, so the
 * benchmark prints every worker's rate as a ratio to it. It assigns itself
 * every partition of the topics from the first offset rather than joining
 * a group: the fetches are the same, and the dev broker holds a new
 * group's first join for 3 s, which counted in no figure but the run's
 * length (rates run from the first message to the last).
 *
 * With --latency it also times each message from its Kafka timestamp to
 * its receipt (fetch.wait.max.ms 10, as the workers in the bench) and
 * prints the quantiles: the broker path's own latency at a paced rate,
 * the baseline of the workers' latency. It prints "assigned" on stderr
 * once it has partitions, so that the publisher can start then.
 *
 * With --lag it reads nothing and prints the group's lag instead: the sum,
 * over every partition of the topics, of the high watermark minus the
 * group's committed offset (a partition with no commit counts in full).
 * The benchmark uses it to check that a worker group consumed everything.
 *
 * With --outputs FILE it follows the topics from their ends (every
 * partition assigned at its high watermark, no group), prints "assigned"
 * on stderr, and writes each message's Kafka timestamp and key to FILE, a
 * line each ("<ms>\t<key>"), until SIGTERM; then it reads on up to the
 * high watermarks of that moment and exits. The benchmark follows the
 * workers' case messages with it: keyed <store_id>/<order_id> as the
 * review they answer, they time each review from its input to its output.
 *
 *   redress-bareconsumer --topics T1,T2 --count N [--timeout S] [--latency]
 *   redress-bareconsumer --lag --topics T1,T2 --group G
 *   redress-bareconsumer --outputs FILE --topics T1,T2
 *
 * Prints one JSON line: {"consumed":N,"seconds":S,"rate":R} (seconds from
 * the first message to the last; with --latency also latency_p50_ms and
 * latency_p99_ms), {"lag":L,"partitions":P} or, with --outputs,
 * {"consumed":N,"written":W}. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "conf.h"

#define MAX_TOPICS 16

/* --outputs: set by SIGTERM or SIGINT, read by the loop. */
static volatile sig_atomic_t stop_asked;

static void on_stop(int sig) {
        (void)sig;
        stop_asked = 1;
}

static double mono_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_long(const char *s, long lo, long hi, long *out) {
        char *end;
        long v;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < lo || v > hi)
                return -1;
        *out = v;
        return 0;
}

static double wall_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* latency: fetch.wait.max.ms 10 (--latency); assigns: no commits (every
 * mode but --lag assigns itself partitions: it is no group's member). */
static rd_kafka_t *consumer_new(const char *bootstrap, const char *group,
                                int latency, int assigns) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];
        rd_kafka_t *rk;
        const char *const props[][2] = {{"bootstrap.servers", bootstrap},
                                        {"group.id", group},
                                        {"auto.offset.reset", "earliest"},
                                        {"enable.partition.eof", "false"},
                                        {"client.id", "redress-bareconsumer"}};
        size_t j;

        for (j = 0; j < sizeof(props) / sizeof(props[0]); j++)
                if (rd_kafka_conf_set(conf, props[j][0], props[j][1], errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK)
                        goto err;
        if (latency) {
                if (rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK)
                        goto err;
        }
        if (assigns &&
            rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK)
                goto err;
        if (rdr_conf_kafka_env_apply(conf, errstr, sizeof(errstr)))
                goto err;
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        if (!rk)
                goto err;
        return rk; /* rd_kafka_new owns conf now */
err:
        fprintf(stderr, "redress-bareconsumer: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
}

/* Every partition of the topics, from the metadata; NULL (the reason on
 * stderr) if a topic has none. The caller frees the list
 * (rd_kafka_topic_partition_list_destroy). */
static rd_kafka_topic_partition_list_t *
all_partitions(rd_kafka_t *rk, char **topics, int ntopics) {
        rd_kafka_topic_partition_list_t *parts =
            rd_kafka_topic_partition_list_new(64);
        rd_kafka_resp_err_t kerr;
        int t, p;

        for (t = 0; t < ntopics; t++) {
                rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topics[t], NULL);
                const struct rd_kafka_metadata *md = NULL;

                if (!rkt)
                        goto err;
                kerr = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
                if (kerr || md->topic_cnt != 1 || md->topics[0].err) {
                        fprintf(stderr,
                                "redress-bareconsumer: no metadata for %s\n",
                                topics[t]);
                        if (md)
                                rd_kafka_metadata_destroy(md);
                        rd_kafka_topic_destroy(rkt);
                        goto err;
                }
                for (p = 0; p < md->topics[0].partition_cnt; p++)
                        rd_kafka_topic_partition_list_add(parts, topics[t], p);
                rd_kafka_metadata_destroy(md);
                rd_kafka_topic_destroy(rkt);
        }
        return parts;
err:
        rd_kafka_topic_partition_list_destroy(parts);
        return NULL;
}

/* Set each partition's offset in parts to its high watermark, all in one
 * ListOffsets request (the latest offset, timestamp -1). Asked one
 * partition at a time while the consumer fetches, each request would wait
 * behind a fetch held open on the same connection (fetch.wait.max.ms):
 * 32 partitions, 12 s on the dev broker. Returns 0, or -1 (the reason on
 * stderr). */
static int high_watermarks(rd_kafka_t *rk,
                           rd_kafka_topic_partition_list_t *parts) {
        rd_kafka_resp_err_t kerr;
        int p;

        for (p = 0; p < parts->cnt; p++)
                parts->elems[p].offset = RD_KAFKA_OFFSET_END;
        kerr = rd_kafka_offsets_for_times(rk, parts, 10000);
        for (p = 0; !kerr && p < parts->cnt; p++)
                if (parts->elems[p].err)
                        kerr = parts->elems[p].err;
                else if (parts->elems[p].offset < 0)
                        kerr = RD_KAFKA_RESP_ERR__BAD_MSG;
        if (kerr) {
                fprintf(stderr, "redress-bareconsumer: watermarks: %s\n",
                        rd_kafka_err2str(kerr));
                return -1;
        }
        return 0;
}

/* Sum of high watermark - committed offset over the topics' partitions. */
static int print_lag(rd_kafka_t *rk, char **topics, int ntopics) {
        rd_kafka_topic_partition_list_t *parts =
            all_partitions(rk, topics, ntopics);
        long long lag = 0;
        int p, rc = 1;
        rd_kafka_resp_err_t kerr;

        if (!parts)
                return 1;
        kerr = rd_kafka_committed(rk, parts, 10000);
        if (kerr) {
                fprintf(stderr, "redress-bareconsumer: committed: %s\n",
                        rd_kafka_err2str(kerr));
                goto done;
        }
        for (p = 0; p < parts->cnt; p++) {
                rd_kafka_topic_partition_t *tp = &parts->elems[p];
                int64_t lo, hi;

                kerr = rd_kafka_query_watermark_offsets(
                    rk, tp->topic, tp->partition, &lo, &hi, 10000);
                if (kerr) {
                        fprintf(stderr,
                                "redress-bareconsumer: watermarks: %s\n",
                                rd_kafka_err2str(kerr));
                        goto done;
                }
                if (tp->offset >= 0)
                        lag += hi - tp->offset;
                else
                        lag += hi - lo;
        }
        printf("{\"lag\":%lld,\"partitions\":%d}\n", lag, parts->cnt);
        rc = 0;
done:
        rd_kafka_topic_partition_list_destroy(parts);
        return rc;
}

/* Whether every partition of pos has reached its offset in ends (both
 * list the same partitions in the same order). */
static int reached(const rd_kafka_topic_partition_list_t *pos,
                   const rd_kafka_topic_partition_list_t *ends) {
        int p;

        for (p = 0; p < pos->cnt; p++)
                if (pos->elems[p].offset < ends->elems[p].offset)
                        return 0;
        return 1;
}

/* --outputs: follow the topics from their high watermarks, each message's
 * timestamp and key a line of path, until SIGTERM (then up to the high
 * watermarks of that moment, or timeout_s of nothing). */
static int follow(rd_kafka_t *rk, char **topics, int ntopics, const char *path,
                  long timeout_s) {
        rd_kafka_topic_partition_list_t *pos =
            all_partitions(rk, topics, ntopics);
        rd_kafka_topic_partition_list_t *ends = NULL;
        FILE *fp = NULL;
        long n = 0, written = 0;
        double idle_since = 0;
        rd_kafka_resp_err_t kerr;
        int rc = 1;

        if (!pos || high_watermarks(rk, pos))
                goto done;
        if (!(fp = fopen(path, "w"))) {
                fprintf(stderr, "redress-bareconsumer: %s: %s\n", path,
                        strerror(errno));
                goto done;
        }
        /* pos holds each partition's next offset from here on. */
        rd_kafka_poll_set_consumer(rk);
        kerr = rd_kafka_assign(rk, pos);
        if (kerr) {
                fprintf(stderr, "redress-bareconsumer: assign: %s\n",
                        rd_kafka_err2str(kerr));
                goto done;
        }
        fprintf(stderr, "assigned %d partitions\n", pos->cnt);
        fflush(stderr);
        for (;;) {
                rd_kafka_message_t *rkm;

                if (stop_asked && !ends) {
                        ends = rd_kafka_topic_partition_list_copy(pos);
                        if (high_watermarks(rk, ends))
                                goto done;
                        idle_since = mono_s();
                }
                if (ends && reached(pos, ends))
                        break;
                rkm = rd_kafka_consumer_poll(rk, 100);
                if (!rkm) {
                        if (ends && mono_s() - idle_since > (double)timeout_s) {
                                fprintf(stderr,
                                        "redress-bareconsumer: nothing for "
                                        "%ld s short of the high "
                                        "watermarks\n",
                                        timeout_s);
                                goto done;
                        }
                        continue;
                }
                if (!rkm->err) {
                        rd_kafka_topic_partition_t *tp =
                            rd_kafka_topic_partition_list_find(
                                pos, rd_kafka_topic_name(rkm->rkt),
                                rkm->partition);
                        if (tp)
                                tp->offset = rkm->offset + 1;
                        n++;
                        idle_since = mono_s();
                        if (rkm->key) {
                                fprintf(fp, "%lld\t%.*s\n",
                                        (long long)rd_kafka_message_timestamp(
                                            rkm, NULL),
                                        (int)rkm->key_len,
                                        (const char *)rkm->key);
                                written++;
                        }
                }
                rd_kafka_message_destroy(rkm);
        }
        printf("{\"consumed\":%ld,\"written\":%ld}\n", n, written);
        rc = 0;
done:
        if (fp && fclose(fp) && !rc) {
                fprintf(stderr, "redress-bareconsumer: %s: %s\n", path,
                        strerror(errno));
                rc = 1;
        }
        if (ends)
                rd_kafka_topic_partition_list_destroy(ends);
        if (pos)
                rd_kafka_topic_partition_list_destroy(pos);
        rd_kafka_consumer_close(rk);
        return rc;
}

static int consume(rd_kafka_t *rk, char **topics, int ntopics, long count,
                   long timeout_s, int latency) {
        rd_kafka_topic_partition_list_t *parts =
            all_partitions(rk, topics, ntopics);
        double first = 0, last = 0, start = mono_s(), idle_since = mono_s();
        long n = 0;
        unsigned long long bytes = 0;
        rd_kafka_resp_err_t kerr;
        int p;
        double *lat = NULL;
        long nlat = 0;

        if (!parts)
                return 1;
        if (latency && !(lat = malloc((size_t)count * sizeof(*lat)))) {
                fprintf(stderr, "redress-bareconsumer: out of memory\n");
                rd_kafka_topic_partition_list_destroy(parts);
                return 1;
        }
        for (p = 0; p < parts->cnt; p++)
                parts->elems[p].offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_poll_set_consumer(rk);
        kerr = rd_kafka_assign(rk, parts);
        if (kerr) {
                fprintf(stderr, "redress-bareconsumer: assign: %s\n",
                        rd_kafka_err2str(kerr));
                rd_kafka_topic_partition_list_destroy(parts);
                free(lat);
                return 1;
        }
        fprintf(stderr, "assigned %d partitions\n", parts->cnt);
        fflush(stderr);
        rd_kafka_topic_partition_list_destroy(parts);
        while (n < count) {
                rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, 100);
                double now = mono_s();

                if (!rkm) {
                        /* Before the first message the wait for it counts
                         * too; after it, only silence. */
                        if (now - (n ? idle_since : start) > (double)timeout_s)
                                break;
                        continue;
                }
                if (!rkm->err) {
                        rd_kafka_timestamp_type_t tstype;
                        int64_t ts =
                            latency ? rd_kafka_message_timestamp(rkm, &tstype)
                                    : -1;
                        if (ts > 0)
                                lat[nlat++] = wall_ms() - (double)ts;
                        if (!n)
                                first = now;
                        n++;
                        bytes += rkm->len;
                        last = idle_since = now;
                }
                rd_kafka_message_destroy(rkm);
        }
        printf("{\"consumed\":%ld,\"seconds\":%.3f,\"rate\":%.1f,"
               "\"bytes\":%llu",
               n, last - first, last > first ? (double)n / (last - first) : 0.0,
               bytes);
        if (nlat > 0) {
                qsort(lat, (size_t)nlat, sizeof(*lat), cmp_double);
                printf(",\"latency_p50_ms\":%.1f,\"latency_p99_ms\":%.1f",
                       lat[(nlat - 1) / 2], lat[(nlat * 99 - 1) / 100]);
        }
        printf("}\n");
        if (n < count)
                fprintf(stderr,
                        "redress-bareconsumer: read %ld of %ld events, then "
                        "nothing for %ld s\n",
                        n, count, timeout_s);
        free(lat);
        rd_kafka_consumer_close(rk);
        return n >= count ? 0 : 1;
}

int main(int argc, char **argv) {
        const char *bootstrap = getenv("REDRESS_KAFKA_BOOTSTRAP");
        const char *group = "redress-bareconsumer";
        const char *outputs = NULL;
        char topic_buf[1024], *topics[MAX_TOPICS], *save = NULL, *tok, *p;
        int ntopics = 0, lag = 0, latency = 0, i, rc;
        long count = 0, timeout_s = 30;
        rd_kafka_t *rk;

        topic_buf[0] = '\0';
        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--lag")) {
                        lag = 1;
                        continue;
                }
                if (!strcmp(a, "--latency")) {
                        latency = 1;
                        continue;
                }
                if (!v)
                        goto usage;
                i++;
                if (!strcmp(a, "--bootstrap"))
                        bootstrap = v;
                else if (!strcmp(a, "--group"))
                        group = v;
                else if (!strcmp(a, "--outputs"))
                        outputs = v;
                else if (!strcmp(a, "--topics"))
                        snprintf(topic_buf, sizeof(topic_buf), "%s", v);
                else if (!strcmp(a, "--count")) {
                        if (parse_long(v, 1, 1000000000L, &count))
                                goto usage;
                } else if (!strcmp(a, "--timeout")) {
                        if (parse_long(v, 1, 3600, &timeout_s))
                                goto usage;
                } else
                        goto usage;
        }
        for (p = topic_buf;
             ntopics < MAX_TOPICS && (tok = strtok_r(p, ",", &save)) != NULL;
             p = NULL)
                topics[ntopics++] = tok;
        if (!bootstrap || !ntopics || (!lag && !outputs && !count) ||
            (lag && outputs))
                goto usage;
        if (outputs) {
                struct sigaction sa;
                memset(&sa, 0, sizeof(sa));
                sa.sa_handler = on_stop;
                sigemptyset(&sa.sa_mask);
                sigaction(SIGTERM, &sa, NULL);
                sigaction(SIGINT, &sa, NULL);
        }
        rk = consumer_new(bootstrap, group, latency, !lag);
        if (!rk)
                return 2;
        if (lag)
                rc = print_lag(rk, topics, ntopics);
        else if (outputs)
                rc = follow(rk, topics, ntopics, outputs, timeout_s);
        else
                rc = consume(rk, topics, ntopics, count, timeout_s, latency);
        rd_kafka_destroy(rk);
        return rc;
usage:
        fprintf(stderr,
                "Usage: redress-bareconsumer --topics T1,T2 --count N "
                "[--timeout S] [--latency] [--bootstrap B]\n"
                "       redress-bareconsumer --lag --topics T1,T2 --group G "
                "[--bootstrap B]\n"
                "       redress-bareconsumer --outputs FILE --topics T1,T2 "
                "[--timeout S] [--bootstrap B]\n");
        return 2;
}

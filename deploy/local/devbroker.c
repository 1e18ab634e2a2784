/* redress-devbroker: a Kafka-protocol dev broker for one machine, built on
 * librdkafka's mock cluster. It starts N brokers on 127.0.0.1, creates the
 * contract topics with a chosen partition count, prints the bootstrap list
 * and serves until SIGTERM. Workers connect to it over TCP exactly as they
 * would to a real cluster.
 *
 * The mock cluster keeps only a few MB per partition (older message sets
 * are deleted, like retention) and nothing across restarts.
 *
 * With --control PATH it also reads fault-injection commands, one per line,
 * from a FIFO it creates at PATH:
 *   down BROKER_ID | up BROKER_ID | rtt BROKER_ID MS
 *   error APIKEY ERRCODE COUNT   (push COUNT errors for requests of APIKEY) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "version.h"

static volatile sig_atomic_t stop_signal = 0;

static void on_signal(int sig) {
        stop_signal = sig;
}

/* librdkafka 2.0.2's mock cluster can sleep through an operation that
 * one of its calls (topic_create, broker_set_down, ...) queues just after
 * its thread served the one before: the call returns only when the
 * thread's poll times out, 1 s later (the 8 contract topics took 0.03 to
 * 4 s to create). While a call is in flight, a helper thread connects to
 * the cluster's listeners every 2 ms; a connection wakes the mock thread,
 * which then serves its queue. */
#define WAKE_MAX 16
static struct {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int calls; /* calls into the mock cluster in flight */
        int stop;
        int naddrs;
        struct sockaddr_in addrs[WAKE_MAX];
} waker = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, {{0}}};

static void wake_mock_thread(void) {
        int i;
        for (i = 0; i < waker.naddrs; i++) {
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return;
                (void)connect(fd, (const struct sockaddr *)&waker.addrs[i],
                              sizeof(waker.addrs[i]));
                close(fd);
        }
}

static void *waker_main(void *arg) {
        (void)arg;
        pthread_mutex_lock(&waker.lock);
        while (!waker.stop) {
                if (!waker.calls) {
                        pthread_cond_wait(&waker.cond, &waker.lock);
                        continue;
                }
                pthread_mutex_unlock(&waker.lock);
                wake_mock_thread();
                usleep(2000);
                pthread_mutex_lock(&waker.lock);
        }
        pthread_mutex_unlock(&waker.lock);
        return NULL;
}

/* The listeners of bootstraps ("127.0.0.1:P1,127.0.0.1:P2"). */
static void waker_addresses(const char *bootstraps) {
        const char *p = bootstraps;
        while (p && *p && waker.naddrs < WAKE_MAX) {
                const char *colon = strchr(p, ':'), *comma = strchr(p, ',');
                char host[64];
                struct sockaddr_in *a = &waker.addrs[waker.naddrs];
                if (!colon || (comma && comma < colon) ||
                    (size_t)(colon - p) >= sizeof(host))
                        break;
                memcpy(host, p, (size_t)(colon - p));
                host[colon - p] = '\0';
                memset(a, 0, sizeof(*a));
                a->sin_family = AF_INET;
                a->sin_port = htons((uint16_t)atoi(colon + 1));
                if (inet_pton(AF_INET, host, &a->sin_addr) == 1)
                        waker.naddrs++;
                p = comma ? comma + 1 : NULL;
        }
}

static void mock_call_begin(void) {
        pthread_mutex_lock(&waker.lock);
        waker.calls++;
        pthread_cond_signal(&waker.cond);
        pthread_mutex_unlock(&waker.lock);
}

static void mock_call_end(void) {
        pthread_mutex_lock(&waker.lock);
        waker.calls--;
        pthread_mutex_unlock(&waker.lock);
}

static void waker_stop(pthread_t thread) {
        pthread_mutex_lock(&waker.lock);
        waker.stop = 1;
        pthread_cond_signal(&waker.cond);
        pthread_mutex_unlock(&waker.lock);
        pthread_join(thread, NULL);
}

/* The cluster's end is a call too, the helper's last; then the helper
 * and the client that holds the cluster go. Returns rc. */
static int cluster_end(rd_kafka_t *rk, rd_kafka_mock_cluster_t *mc,
                       pthread_t waker_thread, int rc) {
        mock_call_begin();
        rd_kafka_mock_cluster_destroy(mc);
        waker_stop(waker_thread);
        rd_kafka_destroy(rk);
        return rc;
}

static const char *const default_topics[] = {"redress.reviews",
                                             "redress.chats",
                                             "redress.shipments",
                                             "redress.appeal-results",
                                             "redress.staff-decisions",
                                             "redress.cases",
                                             "redress.actions",
                                             "redress.dlq",
                                             NULL};

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: redress-devbroker [--brokers N] [--partitions P] "
                "[--topic NAME[:P]]... [--bootstrap-file FILE] "
                "[--control FIFO]\n"
                "Starts a Kafka-protocol dev broker (librdkafka mock cluster) "
                "on 127.0.0.1.\n"
                "  --brokers N          brokers in the cluster (default 1)\n"
                "  --partitions P       partitions per topic (default 16)\n"
                "  --topic NAME[:P]     a topic to create, with P partitions "
                "if given (default:\n"
                "                       the contract topics); repeatable\n"
                "  --bootstrap-file F   write the bootstrap servers to F\n"
                "  --control FIFO       read fault-injection commands from "
                "FIFO\n"
                "  --version            print the version and the commit "
                "built\n");
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

/* Applies one command; returns 0 if it is not one. */
static int control_apply(rd_kafka_mock_cluster_t *mc, const char *cmd,
                         const char *a, const char *b, const char *c,
                         rd_kafka_resp_err_t *err) {
        if (!strcmp(cmd, "down") && a)
                *err = rd_kafka_mock_broker_set_down(
                    mc, (int32_t)parse_long(a, 0, 1000));
        else if (!strcmp(cmd, "up") && a)
                *err = rd_kafka_mock_broker_set_up(
                    mc, (int32_t)parse_long(a, 0, 1000));
        else if (!strcmp(cmd, "rtt") && a && b)
                *err = rd_kafka_mock_broker_set_rtt(
                    mc, (int32_t)parse_long(a, 0, 1000),
                    (int)parse_long(b, 0, 600000));
        else if (!strcmp(cmd, "error") && a && b && c) {
                long cnt = parse_long(c, 1, 100000), i;
                rd_kafka_resp_err_t *errs;
                errs = calloc((size_t)(cnt > 0 ? cnt : 1), sizeof(*errs));
                if (!errs) {
                        *err = RD_KAFKA_RESP_ERR__FAIL; /* out of memory */
                        return 1;
                }
                for (i = 0; i < cnt; i++)
                        errs[i] = (rd_kafka_resp_err_t)parse_long(b, -200, 200);
                rd_kafka_mock_push_request_errors_array(
                    mc, (int16_t)parse_long(a, 0, 100),
                    (size_t)(cnt > 0 ? cnt : 0), errs);
                free(errs);
        } else
                return 0;
        return 1;
}

static void control_line(rd_kafka_mock_cluster_t *mc, char *line) {
        char w[4][32];
        int n = sscanf(line, "%31s %31s %31s %31s", w[0], w[1], w[2], w[3]);
        const char *cmd = n >= 1 ? w[0] : NULL, *a = n >= 2 ? w[1] : NULL;
        const char *b = n >= 3 ? w[2] : NULL, *c = n >= 4 ? w[3] : NULL;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        int known;
        if (!cmd)
                return;
        mock_call_begin();
        known = control_apply(mc, cmd, a, b, c, &err);
        mock_call_end();
        if (!known) {
                fprintf(stderr,
                        "{\"level\":\"warn\",\"event\":\"devbroker.control\","
                        "\"msg\":\"unknown command\"}\n");
                return;
        }
        fprintf(stderr,
                "{\"level\":\"info\",\"event\":\"devbroker.control\","
                "\"msg\":\"%s %s: %s\"}\n",
                cmd, a ? a : "", rd_kafka_err2str(err));
}

int main(int argc, char **argv) {
        long brokers = 1, partitions = 16;
        const char *topics[256];
        long topic_partitions[256]; /* 0: --partitions */
        int ntopics = 0, own = 0, i, cfd = -1;
        const char *bootstrap_file = NULL, *control = NULL;
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
        char errstr[512], cbuf[1024];
        size_t clen = 0;
        const char *bootstraps;
        struct sigaction sa;
        pthread_t waker_thread;

        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        brokers = parse_long(argv[++i], 1, 16);
                } else if (!strcmp(argv[i], "--partitions") && i + 1 < argc) {
                        partitions = parse_long(argv[++i], 1, 1024);
                } else if (!strcmp(argv[i], "--topic") && i + 1 < argc &&
                           ntopics < 255) {
                        /* NAME:P (a topic name has no ':') */
                        char *colon = strchr(argv[++i], ':');
                        topic_partitions[ntopics] = 0;
                        if (colon) {
                                *colon = '\0';
                                topic_partitions[ntopics] =
                                    parse_long(colon + 1, 1, 1024);
                                if (topic_partitions[ntopics] < 1 ||
                                    colon == argv[i]) {
                                        fprintf(stderr,
                                                "redress-devbroker: --topic "
                                                "%s:%s: want NAME:PARTITIONS "
                                                "(1-1024)\n",
                                                argv[i], colon + 1);
                                        return 2;
                                }
                        }
                        topics[ntopics++] = argv[i];
                } else if (!strcmp(argv[i], "--bootstrap-file") &&
                           i + 1 < argc) {
                        bootstrap_file = argv[++i];
                } else if (!strcmp(argv[i], "--control") && i + 1 < argc) {
                        control = argv[++i];
                } else if (!strcmp(argv[i], "--help")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(argv[i], "--version")) {
                        rdr_version_print("redress-devbroker");
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        if (brokers < 1 || partitions < 1) {
                usage(stderr);
                return 2;
        }
        if (ntopics == 0)
                for (; default_topics[ntopics]; ntopics++) {
                        topics[ntopics] = default_topics[ntopics];
                        topic_partitions[ntopics] = 0;
                }

        conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rd_kafka_conf_set(conf, "socket.nagle.disable", "true", errstr,
                          sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "redress-devbroker: %s\n", errstr);
                return 1;
        }
        mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mc) {
                fprintf(stderr, "redress-devbroker: cannot start the mock "
                                "cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }
        bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
        waker_addresses(bootstraps);
        if (pthread_create(&waker_thread, NULL, waker_main, NULL)) {
                fprintf(stderr, "redress-devbroker: cannot start a thread\n");
                rd_kafka_mock_cluster_destroy(mc);
                rd_kafka_destroy(rk);
                return 1;
        }
        mock_call_begin();
        for (i = 0; i < ntopics; i++) {
                rd_kafka_resp_err_t err;
                own += topic_partitions[i] != 0;
                err = rd_kafka_mock_topic_create(
                    mc, topics[i],
                    (int)(topic_partitions[i] ? topic_partitions[i]
                                              : partitions),
                    (int)(brokers < 3 ? brokers : 3));
                if (err) {
                        fprintf(stderr, "redress-devbroker: topic %s: %s\n",
                                topics[i], rd_kafka_err2str(err));
                        return cluster_end(rk, mc, waker_thread, 1);
                }
        }
        mock_call_end();
        if (bootstrap_file) {
                char tmp[4096];
                FILE *fp;
                snprintf(tmp, sizeof(tmp), "%s.tmp", bootstrap_file);
                fp = fopen(tmp, "w");
                if (!fp || fprintf(fp, "%s\n", bootstraps) < 0 || fclose(fp) ||
                    rename(tmp, bootstrap_file)) {
                        fprintf(stderr, "redress-devbroker: %s: %s\n",
                                bootstrap_file, strerror(errno));
                        return cluster_end(rk, mc, waker_thread, 1);
                }
        }
        if (control) {
                unlink(control);
                if (mkfifo(control, 0600) ||
                    (cfd = open(control, O_RDWR | O_NONBLOCK)) < 0) {
                        fprintf(stderr, "redress-devbroker: %s: %s\n", control,
                                strerror(errno));
                        return cluster_end(rk, mc, waker_thread, 1);
                }
        }
        printf("%s\n", bootstraps);
        fflush(stdout);
        fprintf(stderr,
                "{\"level\":\"info\",\"event\":\"devbroker.started\","
                "\"msg\":\"%ld brokers, %d topics x %ld partitions "
                "(%d with a count of their own)\","
                "\"bootstrap\":\"%s\"}\n",
                brokers, ntopics, partitions, own, bootstraps);

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        while (!stop_signal) {
                if (cfd >= 0) {
                        ssize_t r =
                            read(cfd, cbuf + clen, sizeof(cbuf) - 1 - clen);
                        char *nl;
                        if (r > 0)
                                clen += (size_t)r;
                        cbuf[clen] = '\0';
                        while ((nl = strchr(cbuf, '\n'))) {
                                *nl = '\0';
                                control_line(mc, cbuf);
                                clen -= (size_t)(nl + 1 - cbuf);
                                memmove(cbuf, nl + 1, clen + 1);
                        }
                        if (clen == sizeof(cbuf) - 1)
                                clen = 0;
                }
                /* A command is read as soon as it is written. */
                {
                        struct pollfd pfd = {cfd, POLLIN, 0};
                        (void)poll(&pfd, cfd >= 0 ? 1 : 0, 100);
                }
        }
        if (cfd >= 0) {
                close(cfd);
                unlink(control);
        }
        return cluster_end(rk, mc, waker_thread, 0);
}

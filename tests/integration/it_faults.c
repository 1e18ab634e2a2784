/* Outages: a worker whose Redis or Kafka goes away keeps running, says so
 * in /readyz and its metrics, retries with backoff, and finishes the work
 * once the dependency is back, losing nothing. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "harness.h"

#define CLASSIFIED "\"type\":\"case.classified\""

static h_env_t env;

static int setup(void **state) {
        (void)state;
        h_start(&env, 4);
        return 0;
}

static int teardown(void **state) {
        (void)state;
        h_stop(&env);
        return 0;
}

/* Wait until pred(pid) holds; returns 1, or 0 after timeout_ms. */
static int wait_ready(pid_t pid, int want, int timeout_ms) {
        int64_t start = rdr_mono_ms();
        while (rdr_mono_ms() - start < timeout_ms) {
                if (h_ready(pid) == want)
                        return 1;
                h_sleep_ms(100);
        }
        return 0;
}

/* /readyz of pid answers want at every look for ms (every 100 ms). */
static int stays_ready(pid_t pid, int want, int ms) {
        int64_t start = rdr_mono_ms();
        while (rdr_mono_ms() - start < ms) {
                if (h_ready(pid) != want)
                        return 0;
                h_sleep_ms(100);
        }
        return 1;
}

static void publish(int from, int to) {
        h_publish_reviews(&env, "store-f", "ev-f", (size_t)from, (size_t)to, 2,
                          "the parcel arrived late and dented", 0);
}

/* Exactly want case.classified messages are there (within timeout_ms). */
static void assert_classified(size_t want, int timeout_ms) {
        h_msg_t *msgs;
        size_t n = h_read_topic(&env, "redress.cases", CLASSIFIED, want, 1000,
                                timeout_ms, &msgs);
        h_msgs_free(msgs, n);
        assert_int_equal(n, want);
}

#define REVIEWS_LAG "topic=\"redress.reviews\""

/* Whether the worker reports its lag yet (h_metric_with reads an absent
 * series as 0), waiting up to 10 s for its statistics. */
static int lag_reported(pid_t pid) {
        static char text[1 << 20];
        int i;
        for (i = 0; i < 100; i++) {
                if (!h_metrics_text(pid, text, sizeof(text)) &&
                    strstr(text, "redress_consumer_lag{"))
                        return 1;
                h_sleep_ms(100);
        }
        return 0;
}

/* A reviews worker that reports its lag every 500 ms. */
static pid_t reviews_reporting_lag(void) {
        return h_worker(&env, "reviews",
                        (const char *const[]){
                            "REDRESS_KAFKA_STATISTICS_INTERVAL_MS=500", NULL});
}

static void test_redis_outage_is_reported_and_survived(void **state) {
        pid_t pid;
        (void)state;
        pid = reviews_reporting_lag();
        publish(0, 50);
        assert_classified(50, 30000);
        assert_true(lag_reported(pid));
        assert_true(h_wait_metric(pid, "redress_consumer_lag", REVIEWS_LAG, 0));

        h_redis_stop(&env);
        /* Idle, it finds out all the same (a PING after 5 s without a
         * round trip) and says it is not ready. */
        assert_true(wait_ready(pid, 503, 20000));
        assert_true(
            h_wait_metric(pid, "redress_up", "dependency=\"redis\"", 0));
        /* A batch fails and is retried. */
        publish(50, 100);
        assert_true(h_wait_metric_at_least(pid, "redress_batch_retries_total",
                                           NULL, 1));
        /* The retry says which events wait (each partition's offsets)
         * and why. */
        assert_true(h_log_lines(pid, "\"batch\":\"redress.reviews [") >= 1);
        assert_true(h_log_lines(pid, "\"cause\":\"") >= 1);
        /* What it has not applied shows as lag: the 50 new reviews, and
         * the 50 that come while it waits (its partitions are paused, it
         * fetches nothing: the lag is the broker's watermark's). */
        assert_true(
            h_wait_metric(pid, "redress_consumer_lag", REVIEWS_LAG, 50));
        publish(100, 150);
        assert_true(
            h_wait_metric(pid, "redress_consumer_lag", REVIEWS_LAG, 100));

        h_redis_start(&env);
        assert_true(wait_ready(pid, 200, 30000));
        assert_true(
            h_wait_metric(pid, "redress_up", "dependency=\"redis\"", 1));
        assert_classified(150, 60000);
        assert_true(h_wait_metric(pid, "redress_consumer_lag", REVIEWS_LAG, 0));
        /* The same process did it all. */
        assert_int_equal(kill(pid, 0), 0);
}

static void test_kafka_outage_is_reported_and_survived(void **state) {
        pid_t pid;
        (void)state;
        pid = h_worker(&env, "reviews", NULL);
        publish(0, 20);
        assert_classified(20, 30000);

        h_broker_control(&env, "down 1");
        assert_true(wait_ready(pid, 503, 30000));
        assert_true(
            h_wait_metric(pid, "redress_up", "dependency=\"kafka\"", 0));
        h_broker_control(&env, "up 1");
        assert_true(wait_ready(pid, 200, 30000));
        publish(20, 40);
        assert_classified(40, 60000);
        assert_int_equal(kill(pid, 0), 0);
        /* Stopped while the broker is down: nothing can be committed, the
         * drain ends at shutdown.timeout with exit 1, and its line is a
         * log line like the others (time, worker, instance). */
        h_broker_control(&env, "down 1");
        assert_true(wait_ready(pid, 503, 30000));
        {
                int st = h_signal_wait(pid, SIGTERM, 30000);
                assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
        }
        assert_int_equal(h_log_lines(pid, "\"event\":\"shutdown.timeout\""), 1);
        assert_int_equal(h_log_lines(pid, "{\"ts\":\"20"),
                         h_log_lines(pid, "\"event\":"));
        assert_int_equal(h_log_lines(pid, "\"worker\":\"reviews\""),
                         h_log_lines(pid, "\"event\":"));
        h_broker_control(&env, "up 1");
}

#define RISK "redress_redis_setting_at_risk"
#define FAILING "redress_batch_failing_seconds"
#define SETTINGS_LOG "\"event\":\"redis.settings\""

/* A Redis that can lose the fleet's state is named in the log and the
 * metrics: first one without an append-only file; then, on the
 * connection after its settings change, the eviction policy is the risk
 * and the append-only file no longer is. */
static void test_redis_settings_that_lose_state_are_reported(void **state) {
        pid_t pid;
        (void)state;
        h_redis_config_set(&env, "appendonly", "no");
        pid = h_worker(&env, "reviews", NULL);
        assert_true(h_wait_metric(pid, RISK, "setting=\"appendonly\"", 1));
        assert_true(
            h_wait_metric(pid, RISK, "setting=\"maxmemory-policy\"", 0));
        assert_int_equal(h_log_lines(pid, SETTINGS_LOG), 1);
        assert_int_equal(h_log_lines(pid, "set appendonly yes"), 1);

        h_redis_config_set(&env, "maxmemory-policy", "allkeys-lru");
        h_redis_config_set(&env, "appendonly", "yes");
        /* The worker's connection goes; it reconnects for the next batch. */
        {
                redisReply *r = redisCommand(
                    env.redis, "CLIENT KILL TYPE normal SKIPME yes");
                assert_non_null(r);
                freeReplyObject(r);
        }
        publish(0, 5);
        assert_classified(5, 30000);
        assert_true(
            h_wait_metric(pid, RISK, "setting=\"maxmemory-policy\"", 1));
        assert_true(h_wait_metric(pid, RISK, "setting=\"appendonly\"", 0));
        assert_int_equal(h_log_lines(pid, "maxmemory-policy allkeys-lru"), 1);
        assert_int_equal(h_log_lines(pid, SETTINGS_LOG), 2);
}

#define WAIT_SHORT "redress_redis_wait_shortfalls_total"

/* redis.wait_replicas 1: while the replica is frozen (SIGSTOP) no batch
 * counts as done, however well the master takes it. The worker says it is
 * not ready, names the replica's silence, publishes nothing of what came
 * meanwhile and commits no offset; once the replica answers again,
 * every review is classified once. */
static void test_batches_wait_for_a_replica(void **state) {
        static const char *const waits[] = {"REDRESS_REDIS_WAIT_REPLICAS=1",
                                            "REDRESS_REDIS_WAIT_TIMEOUT=300ms",
                                            NULL};
        pid_t pid, timers, replica;
        int port;
        (void)state;
        replica = h_redis_replica(&env, &port);
        pid = h_worker(&env, "reviews", waits);
        timers = h_worker(&env, "timers", waits);
        publish(0, 30);
        assert_classified(30, 30000);
        {
                /* The series is there (an absent one would read 0 too). */
                static char text[1 << 20];
                assert_int_equal(h_metrics_text(pid, text, sizeof(text)), 0);
                assert_non_null(strstr(text, "setting=\"replicas\""));
        }
        assert_true(h_wait_metric(pid, RISK, "setting=\"replicas\"", 0));
        assert_int_equal(h_metric(pid, WAIT_SHORT), 0);

        assert_int_equal(kill(replica, SIGSTOP), 0);
        publish(30, 60);
        assert_true(wait_ready(pid, 503, 20000));
        assert_true(h_wait_metric_at_least(pid, WAIT_SHORT, NULL, 1));
        assert_true(
            h_wait_metric(pid, "redress_up", "dependency=\"redis\"", 0));
        assert_true(h_log_lines(pid, "0 of 1 replicas acknowledged") >= 1);
        /* It stays so while the replica is away, every reconnect
         * notwithstanding, idle timers included, said once. */
        assert_true(wait_ready(timers, 503, 20000));
        assert_true(stays_ready(pid, 503, 3000));
        assert_true(stays_ready(timers, 503, 1000));
        assert_int_equal(
            h_metric_with(pid, "redress_up", "dependency=\"redis\""), 0);
        assert_int_equal(
            h_metric_with(timers, "redress_up", "dependency=\"redis\""), 0);
        assert_int_equal(h_log_lines(pid, "keeps too few copies"), 1);
        /* Applied on the master perhaps, but not done: nothing published,
         * no offset past the first 30 committed. */
        assert_classified(30, 3000);
        {
                int64_t committed, end;
                h_committed(&env, "redress-reviews", "redress.reviews",
                            &committed, &end);
                assert_int_equal(end, 60);
                assert_true(committed <= 30);
        }

        assert_int_equal(kill(replica, SIGCONT), 0);
        assert_true(wait_ready(pid, 200, 30000));
        assert_true(wait_ready(timers, 200, 30000));
        assert_classified(60, 60000);
        assert_int_equal(kill(pid, 0), 0);
}

/* A Redis command's integer reply summed over keys matching pattern
 * (KEYS: a test's small data set). */
static long long sum_over(const char *cmd, const char *pattern) {
        redisReply *keys = redisCommand(env.redis, "KEYS %s", pattern);
        long long sum = 0;
        size_t i;
        assert_non_null(keys);
        for (i = 0; i < keys->elements; i++)
                sum += h_redis_int(&env, cmd, keys->element[i]->str);
        freeReplyObject(keys);
        return sum;
}

/* ACL SETUSER of the user "arms" (password pw) with rules (several,
 * space-separated: hiredis splits a format string at spaces). */
static void acl(const char *rules) {
        char cmd[256];
        redisReply *r;
        snprintf(cmd, sizeof(cmd), "ACL SETUSER arms on >pw ~* &* %s", rules);
        r = redisCommand(env.redis, cmd);
        assert_non_null(r);
        if (r->type == REDIS_REPLY_ERROR)
                fail_msg("%s: %s", cmd, r->str);
        freeReplyObject(r);
}

/* Arming a timer fails (here: the worker's Redis user may not ZADD; in
 * production a full Redis, or a Redis Cluster master lost mid-way): the
 * entries that carry the timers stay in their outboxes and the batch is
 * retried, so no case is left without its next step. Once ZADD is
 * allowed, the timers are armed and the outboxes emptied. */
static void test_failed_arms_keep_their_entries(void **state) {
        char url[96];
        pid_t pid;
        int i;
        (void)state;
        acl("+@all -zadd");
        snprintf(url, sizeof(url),
                 "REDRESS_REDIS_URL=redis://arms:pw@127.0.0.1:%d",
                 env.redis_port);
        pid = h_worker(&env, "reviews", (const char *const[]){url, NULL});
        publish(0, 10);
        /* Published (that comes first, again at each retry: the same
         * ids), but not acknowledged. */
        {
                h_msg_t *msgs;
                size_t repeats,
                    n = h_read_topic(&env, "redress.cases", CLASSIFIED, 10,
                                     1000, 30000, &msgs);
                assert_int_equal(h_count_reviews(msgs, n, "ev-f", 10, &repeats),
                                 10);
                h_msgs_free(msgs, n);
        }
        assert_true(h_wait_metric_at_least(pid, "redress_batch_retries_total",
                                           NULL, 1));
        assert_true(h_log_lines(pid, "\"event\":\"redis.arm_failed\"") >= 1);
        /* Its retries say what Redis answered. */
        assert_true(h_log_lines(pid, "\"cause\":\"NOPERM") >= 1);
        /* Acknowledging fails each time: the batch has been failing since
         * the first. */
        assert_true(h_wait_metric_at_least(pid, FAILING, NULL, 1));
        assert_int_equal(sum_over("ZCARD", "redress:{t:*}:due"), 0);
        assert_true(sum_over("HLEN", "redress:{c:*}:outbox") >= 10);

        acl("+zadd");
        for (i = 0; i < 100 && sum_over("HLEN", "redress:{c:*}:outbox"); i++)
                h_sleep_ms(100);
        assert_int_equal(sum_over("HLEN", "redress:{c:*}:outbox"), 0);
        /* Every case's next step is armed: its follow-up (and its end). */
        assert_true(sum_over("ZCARD", "redress:{t:*}:due") >= 10);
        assert_true(h_wait_metric(pid, FAILING, NULL, 0));
        assert_int_equal(kill(pid, 0), 0);
}

/* n reviews of prefix (store-<prefix>) for a reviews worker in batches
 * of 20 whose produce requests the broker refuses errors times (Produce,
 * API key 0, answered MESSAGE_TOO_LARGE, 10: a permanent error, so the
 * deliveries fail): every review gets its case.classified. Returns the
 * worker; *repeats: the messages published again under their id. */
static pid_t refused_publication(size_t n, const char *prefix, int errors,
                                 size_t *repeats) {
        h_msg_t *msgs;
        size_t got, distinct;
        char store[64], cmd[64];
        pid_t pid;
        snprintf(store, sizeof(store), "store-%s", prefix);
        snprintf(cmd, sizeof(cmd), "error 0 10 %d", errors);
        h_publish_reviews(&env, store, prefix, 0, n, 0,
                          "it broke after two days", 0);
        h_broker_control(&env, cmd);
        pid = h_worker(
            &env, "reviews",
            (const char *const[]){"REDRESS_CONSUMER_BATCH_MAX=20", NULL});
        got = h_read_topic(&env, "redress.cases", CLASSIFIED, n, 2000, 90000,
                           &msgs);
        distinct = h_count_reviews(msgs, got, prefix, n, repeats);
        print_message("%zu distinct, %zu published again under the same "
                      "id, %.0f batch retries\n",
                      distinct, *repeats,
                      h_metric_with(pid, "redress_batch_retries_total",
                                    "error=\"RDR_ERR_KAFKA\""));
        assert_int_equal(distinct, n);
        assert_true(h_metric_with(pid, "redress_batch_retries_total",
                                  "error=\"RDR_ERR_KAFKA\"") >= 1);
        h_msgs_free(msgs, got);
        return pid;
}

/* The broker refuses the worker's first produce requests: the batch in
 * flight is retried together with the next one (twice the batch size in
 * hand). Repeats keep their id. */
static void test_refused_publication_retries_the_batch_in_flight(void **state) {
        size_t repeats;
        pid_t pid = refused_publication(400, "ev-p", 3, &repeats);
        (void)state;
        assert_true(h_metric(pid, "redress_events_duplicate_total") >= 1);
        /* At most the failed batches, in flight and in hand, again. */
        assert_true(repeats <= 3 * 40);
}

/* Refused long enough that the two batches merged for their retry fail
 * again as they are acknowledged: meanwhile Kafka hands over messages the
 * full batch in hand has no room for. Each is fetched again later, none
 * skipped. */
static void test_a_full_retry_skips_no_message(void **state) {
        size_t repeats;
        (void)state;
        refused_publication(600, "ev-f", 12, &repeats);
}

/* The broker answers produce requests with a retriable error for a
 * while (NOT_ENOUGH_REPLICAS, 19): the outputs stay queued in the
 * producer past shutdown.timeout (1 s here), and the batch is retried.
 * Each retry queues the batch's outputs again; those left queued from
 * the attempt before are purged first, so once the broker takes them
 * each output comes about once, not once per retry. */
static void test_retries_do_not_pile_up_outputs(void **state) {
        enum { N = 100 };
        h_msg_t *msgs;
        size_t n, distinct, repeats;
        pid_t pid;
        (void)state;
        h_publish_reviews(&env, "store-q", "ev-q", 0, N, 0,
                          "it broke after two days", 0);
        h_broker_control(&env, "error 0 19 400");
        pid = h_worker(&env, "reviews",
                       (const char *const[]){"REDRESS_CONSUMER_BATCH_MAX=20",
                                             "REDRESS_SHUTDOWN_TIMEOUT=1s",
                                             NULL});
        n = h_read_topic(&env, "redress.cases", CLASSIFIED, N, 5000, 120000,
                         &msgs);
        distinct = h_count_reviews(msgs, n, "ev-q", N, &repeats);
        print_message("%zu distinct, %zu published again under the same "
                      "id, %.0f batch retries\n",
                      distinct, repeats,
                      h_metric_with(pid, "redress_batch_retries_total",
                                    "error=\"RDR_ERR_KAFKA\""));
        assert_int_equal(distinct, N);
        assert_true(h_metric_with(pid, "redress_batch_retries_total",
                                  "error=\"RDR_ERR_KAFKA\"") >= 2);
        /* At most the two batches of a retry again (140 when each retry's
         * outputs stayed queued). */
        assert_true(repeats <= 2 * 20);
        h_msgs_free(msgs, n);
}

/* A client that sends its request a byte every 200 ms, never ending its
 * line, for 20 s or until the worker closes the connection. */
static void *dribble(void *arg) {
        int fd = h_tcp_connect(*(const int *)arg, 1000), i;
        for (i = 0; fd >= 0 && i < 100; i++) {
                if (send(fd, i < 4 ? &"GET "[i] : "x", 1, MSG_NOSIGNAL) != 1)
                        break;
                h_sleep_ms(200);
        }
        if (fd >= 0)
                close(fd);
        return NULL;
}

/* A client that sends its request slowly holds the operations port for
 * a second at most: the probes that come meanwhile are answered (a
 * kubelet's liveness probe would otherwise fail and restart a healthy
 * worker). */
static void test_a_slow_client_does_not_hold_the_probes(void **state) {
        pthread_t slow;
        char resp[64];
        ssize_t n;
        int port, fd;
        pid_t pid;
        (void)state;
        pid = h_worker(&env, "reviews", NULL);
        assert_true(wait_ready(pid, 200, 30000));
        port = h_metrics_port(pid);
        assert_true(port > 0);
        assert_int_equal(pthread_create(&slow, NULL, dribble, &port), 0);
        h_sleep_ms(500);
        /* Answered within 10 s (the slow client goes on for 20). */
        fd = h_tcp_connect(port, 10000);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "GET /healthz HTTP/1.0\r\n\r\n", 25), 25);
        n = read(fd, resp, sizeof(resp) - 1);
        close(fd);
        assert_true(n > 12);
        resp[n] = '\0';
        assert_non_null(strstr(resp, " 200 "));
        pthread_join(slow, NULL);
        /* Clients that connect and say nothing (a port scan, a TCP check)
         * wait side by side: the probe is answered while they are still
         * open (one at a time, each held the port for its second, and
         * all had been closed before the probe was read). */
        {
                int idle[5], open_cnt = 0, i;
                char c;
                for (i = 0; i < 5; i++) {
                        idle[i] = h_tcp_connect(port, 10000);
                        assert_true(idle[i] >= 0);
                }
                fd = h_tcp_connect(port, 10000);
                assert_true(fd >= 0);
                assert_int_equal(write(fd, "GET /healthz HTTP/1.0\r\n\r\n", 25),
                                 25);
                n = read(fd, resp, sizeof(resp) - 1);
                close(fd);
                assert_true(n > 12);
                for (i = 0; i < 5; i++) {
                        open_cnt += recv(idle[i], &c, 1, MSG_DONTWAIT) < 0 &&
                                    errno == EAGAIN;
                        close(idle[i]);
                }
                assert_true(open_cnt > 0);
        }
}

/* A fatal error of the Kafka client (here the broker answers the
 * idempotent producer's request for its identity with
 * CLUSTER_AUTHORIZATION_FAILED, 31) stops the worker with exit status 1,
 * so that its supervisor restarts it (systemd's Restart=on-failure takes
 * 0 for done), rather than retrying its batch for ever. */
static void test_a_fatal_kafka_error_exits_1(void **state) {
        pid_t pid;
        int st;
        (void)state;
        publish(0, 10);
        h_flush(&env);
        h_broker_control(&env, "error 22 31 1"); /* InitProducerId */
        pid = h_worker_started(&env, "reviews", NULL);
        st = h_signal_wait(pid, 0, 30000); /* 0: no signal, a wait */
        assert_true(st != -1 && WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 1);
        assert_int_equal(h_log_lines(pid, "\"kafka.fatal\""), 1);
        assert_int_equal(h_log_lines(pid, "exiting 1"), 1);
}

/* An instance whose operations port is taken (an instance still draining
 * on it, say) exits at start without joining the group: its start makes
 * no rebalance. */
static void test_a_taken_port_joins_no_group(void **state) {
        char listen[64];
        const char *env_taken[] = {listen, NULL};
        pid_t first, second;
        int st;
        (void)state;
        first = h_worker(&env, "reviews", NULL);
        snprintf(listen, sizeof(listen), "REDRESS_METRICS_LISTEN=127.0.0.1:%d",
                 h_metrics_port(first));
        second = h_worker_started(&env, "reviews", env_taken);
        st = h_signal_wait(second, 0, 30000);
        assert_true(st != -1 && WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 1);
        assert_int_equal(h_log_lines(second, "\"http.listen\""), 1);
        assert_int_equal(h_log_lines(second, "\"kafka.subscribed\""), 0);
        assert_true(h_metric_with(first, "redress_rebalances_total",
                                  "kind=\"revoke\"") <= 0);
}

/* After 3 s, the operator creates the missing topic (the dev broker
 * creates a topic at its first message). */
static void *create_late_topic(void *arg) {
        (void)arg;
        h_sleep_ms(3000);
        h_produce(&env, "redress.dlq-late", "k", "{}", 2, NULL);
        h_flush(&env);
        return NULL;
}

/* A worker started before a topic it writes exists is not ready (and
 * says which topic, once); when the topic is created it turns ready
 * without a restart: a rollout waits for the topic, not for ever. */
static void test_ready_once_a_missing_topic_exists(void **state) {
        const char *const env_late[] = {"REDRESS_TOPICS_DLQ=redress.dlq-late",
                                        NULL};
        pthread_t creator;
        pid_t pid;
        (void)state;
        assert_int_equal(
            pthread_create(&creator, NULL, create_late_topic, NULL), 0);
        pid = h_worker(&env, "reviews", env_late); /* waits for /readyz */
        pthread_join(creator, NULL);
        assert_int_equal(h_ready(pid), 200);
        assert_int_equal(h_log_lines(pid, "\"kafka.topic_missing\""), 1);
        assert_int_equal(h_log_lines(pid, "\"kafka.topics_found\""), 1);
}

/* Whether text (a /metrics page) declares metric name: as itself, or as
 * the _bucket, _sum or _count series of a histogram. */
static int declares(const char *text, const char *name) {
        static const char *const parts[] = {"_bucket", "_sum", "_count"};
        char want[160], base[128];
        size_t i, n = strlen(name);
        snprintf(want, sizeof(want), "# TYPE %s ", name);
        if (strstr(text, want))
                return 1;
        for (i = 0; i < 3; i++) {
                size_t k = strlen(parts[i]);
                if (n > k && n - k < sizeof(base) &&
                    !strcmp(name + n - k, parts[i])) {
                        snprintf(base, sizeof(base), "%.*s", (int)(n - k),
                                 name);
                        snprintf(want, sizeof(want), "# TYPE %s histogram",
                                 base);
                        if (strstr(text, want))
                                return 1;
                }
        }
        return 0;
}

/* The series names (redress_...) that file rel names, each checked
 * against the workers' /metrics pages; returns how many were checked. */
static size_t check_series_named(const char *rel, char *const *pages,
                                 size_t pages_cnt) {
        static char text[1 << 17];
        char path[512];
        FILE *fp;
        size_t len, n, i, checked = 0;
        const char *p;
        snprintf(path, sizeof(path), "%s/%s", RDR_SOURCE_DIR, rel);
        fp = fopen(path, "r");
        assert_non_null(fp);
        len = fread(text, 1, sizeof(text) - 1, fp);
        assert_false(ferror(fp));
        assert_true(feof(fp)); /* read whole */
        fclose(fp);
        text[len] = '\0';
        for (p = text; (p = strstr(p, "redress_")); p += n) {
                char name[128];
                n = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
                if (p > text &&
                    (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))
                        continue;
                snprintf(name, sizeof(name), "%.*s", (int)n, p);
                for (i = 0; i < pages_cnt && !declares(pages[i], name); i++)
                        ;
                if (i == pages_cnt)
                        fail_msg("%s, named in %s, is exposed by no worker",
                                 name, rel);
                checked++;
        }
        print_message("%s: %zu series names checked\n", rel, checked);
        return checked;
}

/* The alerting rules shipped in deploy/prometheus and the dashboard in
 * deploy/grafana name only series that the workers expose (a renamed
 * metric would leave an alert that never fires, a panel with no data). */
static void test_alert_rules_name_exposed_series(void **state) {
        static const char *const kinds[] = {"reviews", "timers", "chats",
                                            "shipments"};
        static char pages[4][1 << 20];
        char *texts[4];
        const char *reviews = pages[0];
        size_t n, i, checked;
        const char *p;
        (void)state;
        for (i = 0; i < 4; i++) {
                pid_t pid = h_worker(&env, kinds[i], NULL);
                assert_int_equal(
                    h_metrics_text(pid, pages[i], sizeof(pages[i])), 0);
                texts[i] = pages[i];
        }
        checked = check_series_named("deploy/prometheus/redress-alerts.yaml",
                                     texts, 4);
        assert_true(checked >= 8);
        assert_true(
            check_series_named("deploy/grafana/redress.json", texts, 4) >= 40);
        /* RedressDeadLetters takes increase(): each input topic's dead
         * letters are there at 0 before the first, else that first one
         * (a series that appears at 1) is no increase. */
        for (p = reviews, n = 0;
             (p = strstr(p, "\nredress_messages_dead_lettered_total{")); p++) {
                char line[512];
                snprintf(line, sizeof(line), "%.*s", (int)strcspn(p + 1, "\n"),
                         p + 1);
                if (strstr(line, "topic=\"redress.reviews\"") &&
                    strstr(line, "error=\"RDR_ERR_DECODE\"") &&
                    !strcmp(line + strlen(line) - 2, " 0"))
                        n++;
        }
        assert_int_equal(n, 1);
}

/* Redis reaches maxmemory (noeviction, the setting README asks for): it
 * answers, but refuses every write. The batch in hand is retried, nothing
 * of it applied or published, and redress_batch_failing_seconds (what
 * RedressBatchStuck watches) says for how long; the retries' own rate,
 * capped at one per 5 s, would never tell a stuck worker from a healthy
 * one. Once Redis has room, every review is classified once. */
static void test_a_full_redis_is_reported_and_survived(void **state) {
        pid_t pid;
        double failing;
        (void)state;
        pid = h_worker(&env, "reviews", NULL);
        publish(0, 20);
        assert_classified(20, 30000);
        assert_int_equal(h_metric(pid, FAILING), 0);
        /* On the system clock (the test clock's gauge at 0, no warning). */
        {
                static char text[1 << 20];
                assert_int_equal(h_metrics_text(pid, text, sizeof(text)), 0);
                assert_non_null(strstr(text, "redress_clock_test{"));
                assert_int_equal(h_metric(pid, "redress_clock_test"), 0);
                assert_int_equal(h_log_lines(pid, "\"event\":\"clock.test\""),
                                 0);
        }

        h_redis_config_set(&env, "maxmemory", "1");
        publish(20, 40);
        assert_true(h_wait_metric_at_least(pid, FAILING, NULL, 3));
        assert_true(h_log_lines(pid, "OOM command not allowed") >= 1);
        /* The retry's line says it in Redis' words. */
        assert_true(h_log_lines(pid, "\"cause\":\"OOM command not allowed") >=
                    1);
        /* Redis answers: up, and ready (the retries say what is wrong). */
        assert_int_equal(
            h_metric_with(pid, "redress_up", "dependency=\"redis\""), 1);
        assert_int_equal(h_ready(pid), 200);
        assert_classified(20, 2000);
        /* It counts on (read at each retry, 5 s apart at most). */
        failing = h_metric(pid, FAILING);
        assert_true(h_wait_metric_at_least(pid, FAILING, NULL, failing + 1));

        h_redis_config_set(&env, "maxmemory", "0");
        assert_classified(40, 60000);
        assert_true(h_wait_metric(pid, FAILING, NULL, 0));
        assert_int_equal(h_metric(pid, "redress_events_duplicate_total"), 0);
        assert_int_equal(kill(pid, 0), 0);
}

/* The broker refuses the worker's fetches for a while (40 Fetch
 * requests answered NOT_LEADER_OR_FOLLOWER, 6: ~15 s here): twenty
 * reviews wait, and nothing else tells. No batch fails, both
 * dependencies answer, the worker is ready, librdkafka reports no error;
 * only the lag, with nothing consumed, says it (RedressConsumerStalled,
 * whatever the lag; RedressConsumerLagHigh needs 100,000). Once fetches
 * go through, every review is classified. */
static void test_a_stalled_consumer_shows_in_its_lag(void **state) {
        pid_t pid;
        (void)state;
        pid = reviews_reporting_lag();
        publish(0, 20);
        assert_classified(20, 30000);
        h_broker_control(&env, "error 1 6 40");
        publish(20, 40);
        assert_true(
            h_wait_metric(pid, "redress_consumer_lag", REVIEWS_LAG, 20));
        h_sleep_ms(3000);
        assert_int_equal(
            h_metric_with(pid, "redress_consumer_lag", REVIEWS_LAG), 20);
        assert_int_equal(
            h_metric_with(pid, "redress_messages_consumed_total", REVIEWS_LAG),
            20);
        assert_int_equal(h_metric(pid, FAILING), 0);
        assert_int_equal(
            h_metric_with(pid, "redress_up", "dependency=\"kafka\""), 1);
        assert_int_equal(
            h_metric_with(pid, "redress_up", "dependency=\"redis\""), 1);
        assert_int_equal(h_ready(pid), 200);
        assert_classified(40, 120000);
        assert_true(h_wait_metric(pid, "redress_consumer_lag", REVIEWS_LAG, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(
                test_redis_outage_is_reported_and_survived, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_alert_rules_name_exposed_series, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_kafka_outage_is_reported_and_survived, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_redis_settings_that_lose_state_are_reported, setup,
                teardown),
            cmocka_unit_test_setup_teardown(
                test_refused_publication_retries_the_batch_in_flight, setup,
                teardown),
            cmocka_unit_test_setup_teardown(test_a_full_retry_skips_no_message,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_retries_do_not_pile_up_outputs,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_a_slow_client_does_not_hold_the_probes, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_ready_once_a_missing_topic_exists, setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_fatal_kafka_error_exits_1,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_taken_port_joins_no_group,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_batches_wait_for_a_replica,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_failed_arms_keep_their_entries,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_a_full_redis_is_reported_and_survived, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_a_stalled_consumer_shows_in_its_lag, setup, teardown),
        };
        h_test_filter();
        return cmocka_run_group_tests_name("integration: outages", tests, NULL,
                                           NULL);
}

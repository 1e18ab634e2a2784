/* Integration test harness: a throwaway redis-server on a free port and the
 * dev broker, real worker processes, and helpers to publish events and read
 * back what the fleet published. Everything is torn down by h_stop(). */
#ifndef RDR_HARNESS_H
#define RDR_HARNESS_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "redis.h"

typedef struct h_env_s {
        char dir[256];
        int redis_port;
        pid_t redis_pid, broker_pid;
        char bootstrap[256];
        char redis_url[64];
        char control[300]; /* the dev broker's fault-injection FIFO */
        rd_kafka_t *producer;
        redisContext *redis;
} h_env_t;

/* A message read back from a topic. */
typedef struct h_msg_s {
        char *key;
        char *value;
        size_t len;
        int32_t partition;
        int64_t offset;
        char headers[5][256]; /* the DLQ headers, in contract order */
        char content_type[64];
        char cut[32];           /* a dead letter's redress-cut, "" if none */
        char all_headers[1024]; /* every header, "name=value\n" each */
} h_msg_t;

/** The text of field of case case_id as the workers read the case hash
 *  (either storage format, cadence.h), "" if the case or field is absent.
 *  Returns out (size bytes). */
const char *h_case_field(h_env_t *h, const char *case_id, const char *field,
                         char *out, size_t size);

/** HGET key field into out (size bytes): out, or NULL if absent. */
const char *h_hget(h_env_t *h, const char *key, const char *field, char *out,
                   size_t size);

/** An integer reply of cmd (e.g. "EXISTS", "PTTL", "SCARD") on key; fails
 *  the test on any other reply. */
long long h_redis_int(h_env_t *h, const char *cmd, const char *key);

/** Send what client rr has queued (one command) and return its integer
 *  reply, the client reset; fails the test on any other reply. */
long long h_exec_int(rdr_redis_t *rr);

/** The timers in shards 0 to shards-1 due at or before due_by (*due;
 *  LLONG_MAX: every one waiting) and those a timer worker holds (*leased;
 *  either may be NULL). Returns their sum. */
long long h_timers_pending(h_env_t *h, int shards, long long due_by,
                           long long *due, long long *leased);

/** Sleep ms milliseconds. */
void h_sleep_ms(int ms);

/* rdr_redis_exec(rr) until it goes through (a client back from its
 * backoff, a server serving again), at most tries times, sleep_ms apart
 * after each failure; its last result. */
rdr_err_t h_exec_until_ok(rdr_redis_t *rr, int tries, int sleep_ms);

/** Start Redis and the broker with partitions per topic. Aborts the test
 *  (fail()) if they do not come up. */
void h_start(h_env_t *h, int partitions);
void h_stop(h_env_t *h);

/** Run only the tests whose names match $REDRESS_TEST_FILTER (cmocka's
 *  pattern: '*' any characters, '?' one), e.g.
 *  REDRESS_TEST_FILTER='test_sig*' build-test/bin/it_pipeline. */
void h_test_filter(void);
/** Start a worker (e.g. "reviews") with the env's Redis and broker plus
 *  extra "KEY=VALUE" environment entries (NULL-terminated, may be NULL);
 *  returns once it answers /readyz and its consumer has partitions, or
 *  fails the test. Its log goes to <dir>/<name>.<n>.log (the n-th worker
 *  started). */
pid_t h_worker(h_env_t *h, const char *name, const char *const *env);
/** As h_worker(), returning as soon as it is started (one that may stop
 *  before it is ready): h_log_lines() reads its log, not its metrics. */
pid_t h_worker_started(h_env_t *h, const char *name, const char *const *env);
/** The lines of a worker's log (started by h_worker) that contain needle,
 *  each also printed to stderr; 0 if none. */
size_t h_log_lines(pid_t pid, const char *needle);
/** The value of the first metric series named series (e.g.
 *  "redress_timers_fired_total") of a worker started by h_worker; -1 if it
 *  cannot be read. */
double h_metric(pid_t pid, const char *series);
/** As h_metric, for the first series whose labels contain label (e.g.
 *  "dependency=\"redis\""). */
double h_metric_with(pid_t pid, const char *series, const char *label);
/** The sum of every series named series, whatever their labels. */
double h_metric_sum(pid_t pid, const char *series);
/** Wait up to 10 s until h_metric_with() reads want (metrics refresh once
 *  per loop turn of the worker). Returns 1, or 0 on timeout. */
int h_wait_metric(pid_t pid, const char *series, const char *label,
                  double want);
/** As h_wait_metric(), until it reads want or more (counters). */
int h_wait_metric_at_least(pid_t pid, const char *series, const char *label,
                           double want);
/** The /metrics text of a worker started by h_worker into body (size
 *  bytes, NUL-terminated); 0, or -1 if it does not answer. */
int h_metrics_text(pid_t pid, char *body, size_t size);
/** The HTTP status of a worker's /readyz (200 ready, 503 not), -1 if it
 *  does not answer. */
int h_ready(pid_t pid);
/** A TCP connection to 127.0.0.1:port whose reads time out after
 *  timeout_ms (0: never), or -1. */
int h_tcp_connect(int port, int timeout_ms);
/** The port of a worker's /metrics, /healthz and /readyz; 0 if unknown. */
int h_metrics_port(pid_t pid);
/** Kill Redis (its data is lost) / start it again on the same port. */
void h_redis_stop(h_env_t *h);
void h_redis_start(h_env_t *h);
/** CONFIG SET name value on the env's Redis; fails the test if refused. */
void h_redis_config_set(h_env_t *h, const char *name, const char *value);
/** Start a replica of the env's Redis on a free port (*port): its pid,
 *  once it has synced. h_stop() stops it. */
pid_t h_redis_replica(h_env_t *h, int *port);
/* A Redis Cluster of its own: masters (0 .. n - 1) and replicas (n ..
 * n + replicas - 1) on free ports, each in a directory of its own under
 * the env's. */
#define H_CLUSTER_MAX 6
typedef struct h_cluster_s {
        int n, replicas;
        int port[H_CLUSTER_MAX];
        int bus[H_CLUSTER_MAX];   /* cluster bus ports */
        pid_t pid[H_CLUSTER_MAX]; /* 0: stopped */
        char url[64];             /* redis-cluster://127.0.0.1:<first port> */
} h_cluster_t;
/** Start n masters (append-only files, a node timeout of 2 s), join them
 *  and split the slots evenly between them in order; returns once every
 *  one says cluster_state:ok, or fails the test. */
void h_cluster_start(h_env_t *h, h_cluster_t *cl, int n);
/** Start a replica of master m: its index, once it has synced and every
 *  server says cluster_state:ok. */
int h_cluster_add_replica(h_env_t *h, h_cluster_t *cl, int m);
/** A plain connection to server i (the caller redisFree()s it), or NULL
 *  if it does not answer. */
redisContext *h_cluster_node(const h_cluster_t *cl, int i);
/** The reply of server i to a command (hiredis' format), which the caller
 *  frees; fails the test if there is none. h_cluster_must() also fails it
 *  on an error reply. */
redisReply *h_cluster_command(const h_cluster_t *cl, int i, const char *fmt,
                              ...);
void h_cluster_must(const h_cluster_t *cl, int i, const char *fmt, ...);
/** Kill server i (SIGKILL) / start it again on its port and directory;
 *  the start returns once every server running says cluster_state:ok.
 *  h_cluster_wait_ok() waits for that alone (e.g. a failover). */
void h_cluster_node_stop(h_cluster_t *cl, int i);
void h_cluster_node_start(h_env_t *h, h_cluster_t *cl, int i);
void h_cluster_wait_ok(const h_cluster_t *cl);

/** A fault-injection command for the dev broker ("down 1", "up 1"). */
void h_broker_control(h_env_t *h, const char *command);
/** Send sig and wait for the exit status (returns it as from waitpid, or
 *  -1 if it did not exit within timeout_ms). */
int h_signal_wait(pid_t pid, int sig, int timeout_ms);

/** Publish one message; content_type may be NULL (no header). */
void h_produce(h_env_t *h, const char *topic, const char *key,
               const void *value, size_t len, const char *content_type);
/** The same with the headers hdrs ({name, value, ..., NULL}). */
void h_produce_headers(h_env_t *h, const char *topic, const char *key,
                       const void *value, size_t len, const char *const *hdrs);
void h_flush(h_env_t *h);

/** Read every message of topic from the beginning whose value contains
 *  match (NULL: all) until want of them were read and then nothing new came
 *  for quiet_ms, or timeout_ms passed. With quiet_ms < 0, until every
 *  partition was read to its end (want unused; the test fails if that
 *  takes longer than timeout_ms). Returns the count; *out is an array the
 *  caller frees with h_msgs_free. */
size_t h_read_topic(h_env_t *h, const char *topic, const char *match,
                    size_t want, int quiet_ms, int timeout_ms, h_msg_t **out);
void h_msgs_free(h_msg_t *msgs, size_t cnt);
/** Wait until worker pid has handled `inputs` input messages, then read
 *  topic to its end (h_read_topic() with quiet_ms < 0). An input counts
 *  once its batch is done: its outputs acknowledged by the broker, its
 *  effects in Redis (redress_event_latency_seconds_count; dead letters
 *  and replays count too). So nothing the worker publishes for them can
 *  come after the read: a test that no second message comes needs no
 *  quiet time. Fails the test past timeout_ms. */
size_t h_read_handled(h_env_t *h, pid_t pid, size_t inputs, const char *topic,
                      const char *match, int timeout_ms, h_msg_t **out);

/** A review event as JSON (malloc'd). */
char *h_review_json(const char *event_id, const char *store, const char *order,
                    const char *review, int rating, const char *text);

/** Publish reviews <prefix>-<from> .. <prefix>-<to - 1> of store (that id
 *  is the event, review and order id; keyed <store>/<id>) with rating (0:
 *  1 to 5 in turn) and text, pace_us apart (0: at once), then flush. */
void h_publish_reviews(h_env_t *h, const char *store, const char *prefix,
                       size_t from, size_t to, int rating, const char *text,
                       int pace_us);

/** Of msgs (case messages naming reviews <prefix>-0 .. <prefix>-<total -
 *  1>), how many distinct reviews; *repeats the messages naming a review
 *  already counted. Fails the test on a message naming no such review. */
size_t h_count_reviews(const h_msg_t *msgs, size_t n, const char *prefix,
                       size_t total, size_t *repeats);

/** A reviews worker (batches of 50, a 6 s session) given n reviews
 *  <prefix>-0 .. <prefix>-<n - 1> of store, killed (SIGKILL) once a quarter
 *  were classified, and another started: checks that every review was
 *  classified, under one event id (a message published just before the
 *  kill may come again under the same id, at most a batch of them).
 *  Returns the second worker. */
pid_t h_reviews_killed_midstream(h_env_t *h, const char *store,
                                 const char *prefix, size_t n);

/** A tool of this build (redress-report, redress-buyer) with args and
 *  --json, reading configs/redress.yaml under directory configs, against
 *  Redis at redis_url and the test clock: the test fails unless it exits
 *  with want and prints one JSON object, which is returned (the caller
 *  json_decref()s it). */
json_t *h_tool_json(const char *redis_url, const char *configs,
                    const char *tool, const char *args, int want);

/** Sum of committed offsets of group on topic, and the sum of the high
 *  watermarks. */
void h_committed(h_env_t *h, const char *group, const char *topic,
                 int64_t *committed, int64_t *end);

#endif

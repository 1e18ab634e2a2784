/* See harness.h. Processes are started with fork/exec and always killed by
 * h_stop(), also when a test fails half-way (cmocka's teardown). */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cadence.h"
#include "clock.h"
#include "harness.h"

#define CLASSIFIED "\"type\":\"case.classified\""

#define MAX_CHILDREN 32
static pid_t children[MAX_CHILDREN];
static int nchildren;
/* The workers h_worker started: their metrics port and log. */
typedef struct {
        pid_t pid;
        int port;
        char log[400];
} worker_t;
static worker_t workers[MAX_CHILDREN];
static int nworkers;

/* The latest worker started with pid, or NULL. */
static const worker_t *worker_of(pid_t pid) {
        int i;
        for (i = nworkers - 1; i >= 0; i--)
                if (workers[i].pid == pid)
                        return &workers[i];
        return NULL;
}

void h_sleep_ms(int ms) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

/* A port on 127.0.0.1 that *fd holds until it is closed. */
static int bind_any_port(int *fd) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);
        *fd = socket(AF_INET, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (*fd < 0 || bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) ||
            getsockname(*fd, (struct sockaddr *)&sa, &sl))
                fail_msg("no free port: %s", strerror(errno));
        return ntohs(sa.sin_port);
}

/* n distinct free ports (a cluster's nodes and their buses are chosen
 * before any node starts). Each is held until all are chosen: a port let
 * go is free again, and the kernel can hand it out twice in a row. */
static void free_ports(int *out, int n) {
        int fds[2 * H_CLUSTER_MAX], i;
        if (n > 2 * H_CLUSTER_MAX)
                fail_msg("free_ports: %d ports", n);
        for (i = 0; i < n; i++)
                out[i] = bind_any_port(&fds[i]);
        for (i = 0; i < n; i++)
                close(fds[i]);
}

static int free_port(void) {
        int port;
        free_ports(&port, 1);
        return port;
}

static pid_t spawn(const char *log, const char *const argv[],
                   char *const envp[]) {
        pid_t pid = fork();
        if (pid == 0) {
                int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
                if (fd >= 0) {
                        dup2(fd, 1);
                        dup2(fd, 2);
                        close(fd);
                }
                setpgid(0, 0);
                if (envp)
                        execve(argv[0], (char *const *)argv, envp);
                else
                        execvp(argv[0], (char *const *)argv);
                fprintf(stderr, "harness: cannot run %s: %s\n", argv[0],
                        strerror(errno));
                _exit(127);
        }
        if (pid > 0 && nchildren < MAX_CHILDREN)
                children[nchildren++] = pid;
        return pid;
}

static void forget_child(pid_t pid) {
        int i;
        for (i = 0; i < nchildren; i++)
                if (children[i] == pid) {
                        children[i] = children[--nchildren];
                        return;
                }
}

int h_signal_wait(pid_t pid, int sig, int timeout_ms) {
        int status, waited = 0;
        kill(pid, sig);
        while (waited < timeout_ms) {
                pid_t r = waitpid(pid, &status, WNOHANG);
                if (r == pid) {
                        forget_child(pid);
                        return status;
                }
                h_sleep_ms(20);
                waited += 20;
        }
        return -1;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *op) {
        (void)rk;
        (void)op;
        if (m->err)
                fprintf(stderr, "harness: delivery failed: %s\n",
                        rd_kafka_err2str(m->err));
}

/* The Redis on port that this test started with --dir server_dir. A
 * server on the port that is not it (another test's, when tests run in
 * parallel and the port was taken meanwhile) is not used: its directory
 * tells them apart. NULL if nothing answers yet, or if another server
 * does (*foreign set). */
static redisContext *connect_own(int port, const char *server_dir,
                                 int *foreign) {
        /* Not forever: what answers may be no Redis at all (another test's
         * dev broker or metrics server). */
        struct timeval tv = {2, 0};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
        redisReply *r;
        char dir[PATH_MAX];
        int ours;
        *foreign = 0;
        if (!realpath(server_dir, dir))
                fail_msg("%s: %s", server_dir, strerror(errno));
        if (!c || c->err) {
                if (c)
                        redisFree(c);
                return NULL;
        }
        redisSetTimeout(c, tv);
        r = redisCommand(c, "CONFIG GET dir");
        ours = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
               r->element[1]->type == REDIS_REPLY_STRING &&
               !strcmp(r->element[1]->str, dir);
        if (r)
                freeReplyObject(r);
        if (!ours) {
                redisFree(c);
                *foreign = 1;
                return NULL;
        }
        redisSetTimeout(c, (struct timeval){0, 0}); /* the test's own */
        return c;
}

/* Starts redis-server on port, its files and its log (redis.log) in dir,
 * with the arguments of extra (NULL-terminated, or NULL) after. An
 * append-only file, as the fleet's Redis should keep (README "Redis for
 * the fleet"): a restart keeps what it acknowledged. */
static pid_t spawn_redis(int port, const char *dir, const char *const *extra) {
        char ports[16], log[320];
        const char *argv[24] = {"redis-server", "--port", ports, "--bind",
                                "127.0.0.1",    "--save", "",    "--appendonly",
                                "yes",          "--dir",  dir};
        int n = 11;
        snprintf(ports, sizeof(ports), "%d", port);
        snprintf(log, sizeof(log), "%s/redis.log", dir);
        while (extra && *extra && n < 23)
                argv[n++] = *extra++;
        argv[n] = NULL;
        return spawn(log, argv, NULL);
}

static void start_redis(h_env_t *h) {
        h->redis_pid = spawn_redis(h->redis_port, h->dir, NULL);
}

/* Waits up to timeout_ms for the server this test started (pid, --dir
 * dir) to answer on port: 1 once it does (*out, if not NULL: connected to
 * it), 0 if it does not in time. A port is chosen before the server binds
 * it, and another process (another test's server) can bind it meanwhile:
 * -1 if another server answers on the port (the test's may still run),
 * -2 if the test's exited (reaped). Then the caller starts it again on
 * another port (port_taken()). */
static int server_up(int port, const char *dir, pid_t pid, int timeout_ms,
                     redisContext **out) {
        int waited, foreign, status;
        for (waited = 0;; waited += 25) {
                redisContext *c = connect_own(port, dir, &foreign);
                if (c) {
                        if (out)
                                *out = c;
                        else
                                redisFree(c);
                        return 1;
                }
                if (foreign)
                        return -1;
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        forget_child(pid);
                        return -2;
                }
                if (waited >= timeout_ms)
                        return 0;
                h_sleep_ms(25);
        }
}

/* After server_up() said r < 1 of what (pid, port, log) at try tries:
 * fails the test if it is the fifth try or the server never answered,
 * else stops the server and says that it is started again. */
static void port_taken(int r, int tries, const char *what, pid_t pid, int port,
                       const char *log) {
        if (r == 0 || tries >= 5)
                fail_msg("%s did not start (port %d, try %d of 5; see %s)",
                         what, port, tries, log);
        fprintf(stderr, "harness: %s did not get port %d (%s); another port\n",
                what, port, r == -1 ? "another server answers" : "it exited");
        if (r == -1)
                h_signal_wait(pid, SIGKILL, 5000);
}

void h_redis_stop(h_env_t *h) {
        h_signal_wait(h->redis_pid, SIGKILL, 5000);
        if (h->redis) {
                redisFree(h->redis);
                h->redis = NULL;
        }
}

void h_redis_start(h_env_t *h) {
        /* On its own port: the workers hold its URL. */
        int r;
        start_redis(h);
        r = server_up(h->redis_port, h->dir, h->redis_pid, 5000, &h->redis);
        if (r < 1)
                fail_msg("redis did not restart on port %d (%s; see "
                         "%s/redis.log)",
                         h->redis_port,
                         r == -1   ? "another server answers"
                         : r == -2 ? "it exited"
                                   : "no answer in 5 s",
                         h->dir);
}

void h_redis_config_set(h_env_t *h, const char *name, const char *value) {
        redisReply *r = redisCommand(h->redis, "CONFIG SET %s %s", name, value);
        if (!r || r->type == REDIS_REPLY_ERROR)
                fail_msg("CONFIG SET %s %s: %s", name, value,
                         r ? r->str : h->redis->errstr);
        freeReplyObject(r);
}

/* Wait until the server on port is a replica whose link to its master is
 * up (20 s), or fail the test naming what (see where). */
static void wait_synced(int port, const char *what, const char *where) {
        char text[4096] = "";
        redisContext *c = NULL;
        int t;
        for (t = 0; t < 800 && !strstr(text, "master_link_status:up"); t++) {
                redisReply *r = NULL;
                if (!c || c->err) {
                        if (c)
                                redisFree(c);
                        c = redisConnect("127.0.0.1", port);
                }
                if (c && !c->err)
                        r = redisCommand(c, "INFO replication");
                snprintf(text, sizeof(text), "%s",
                         r && r->type == REDIS_REPLY_STRING ? r->str : "");
                if (r)
                        freeReplyObject(r);
                if (!strstr(text, "master_link_status:up"))
                        h_sleep_ms(25);
        }
        if (c)
                redisFree(c);
        if (!strstr(text, "master_link_status:up"))
                fail_msg("%s did not sync (see %s)", what, where);
}

pid_t h_redis_replica(h_env_t *h, int *port) {
        char master[16], dir[300], log[320];
        pid_t pid;
        int tries, r;
        snprintf(master, sizeof(master), "%d", h->redis_port);
        for (tries = 1;; tries++) {
                *port = free_port();
                snprintf(dir, sizeof(dir), "%s/replica-%d", h->dir, *port);
                snprintf(log, sizeof(log), "%s/redis.log", dir);
                if (mkdir(dir, 0755) && errno != EEXIST)
                        fail_msg("mkdir %s: %s", dir, strerror(errno));
                pid =
                    spawn_redis(*port, dir,
                                (const char *const[]){
                                    "--replicaof", "127.0.0.1", master, NULL});
                r = server_up(*port, dir, pid, 10000, NULL);
                if (r > 0)
                        break;
                port_taken(r, tries, "the replica of the test Redis", pid,
                           *port, log);
        }
        wait_synced(*port, "the replica of the test Redis", dir);
        return pid;
}

static void start_cluster_node(h_env_t *h, h_cluster_t *cl, int i) {
        char bus[16], dir[300];
        /* A bus port of its own: the default, port + 10000, is past 65535
         * for many of the ports the kernel gives. */
        snprintf(bus, sizeof(bus), "%d", cl->bus[i]);
        snprintf(dir, sizeof(dir), "%s/cluster-%d", h->dir, i);
        if (mkdir(dir, 0755) && errno != EEXIST)
                fail_msg("mkdir %s: %s", dir, strerror(errno));
        cl->pid[i] =
            spawn_redis(cl->port[i], dir,
                        (const char *const[]){"--cluster-enabled", "yes",
                                              "--cluster-node-timeout", "2000",
                                              "--cluster-port", bus, NULL});
}

redisContext *h_cluster_node(const h_cluster_t *cl, int i) {
        struct timeval tv = {2, 0};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", cl->port[i], tv);
        if (c && c->err) {
                redisFree(c);
                return NULL;
        }
        return c;
}

static redisReply *cluster_vcommand(const h_cluster_t *cl, int i,
                                    const char *fmt, va_list ap) {
        redisContext *c = h_cluster_node(cl, i);
        redisReply *r;
        if (!c)
                fail_msg("cluster node %d does not answer", i);
        r = redisvCommand(c, fmt, ap);
        if (!r)
                fail_msg("cluster node %d: %s: %s", i, fmt, c->errstr);
        redisFree(c);
        return r;
}

redisReply *h_cluster_command(const h_cluster_t *cl, int i, const char *fmt,
                              ...) {
        redisReply *r;
        va_list ap;
        va_start(ap, fmt);
        r = cluster_vcommand(cl, i, fmt, ap);
        va_end(ap);
        return r;
}

void h_cluster_must(const h_cluster_t *cl, int i, const char *fmt, ...) {
        redisReply *r;
        va_list ap;
        va_start(ap, fmt);
        r = cluster_vcommand(cl, i, fmt, ap);
        va_end(ap);
        if (r->type == REDIS_REPLY_ERROR)
                fail_msg("cluster node %d: %s: %s", i, fmt, r->str);
        freeReplyObject(r);
}

/* Whether every server running says cluster_state:ok and knows them
 * all. */
static int cluster_ok(const h_cluster_t *cl) {
        int i, ok = 1;
        char want[64];
        snprintf(want, sizeof(want), "cluster_known_nodes:%d",
                 cl->n + cl->replicas);
        for (i = 0; ok && i < cl->n + cl->replicas; i++) {
                redisContext *c = cl->pid[i] ? h_cluster_node(cl, i) : NULL;
                redisReply *r = c ? redisCommand(c, "CLUSTER INFO") : NULL;
                if (!cl->pid[i])
                        continue;
                ok = r && r->type == REDIS_REPLY_STRING &&
                     strstr(r->str, "cluster_state:ok") && strstr(r->str, want);
                if (r)
                        freeReplyObject(r);
                if (c)
                        redisFree(c);
        }
        return ok;
}

void h_cluster_wait_ok(const h_cluster_t *cl) {
        int t;
        for (t = 0; t < 400 && !cluster_ok(cl); t++)
                h_sleep_ms(50);
        if (!cluster_ok(cl))
                fail_msg("the Redis Cluster did not reach cluster_state:ok");
}

/* Wait until server i, just started, answers; on other ports if its
 * were taken (server_up()). */
static void cluster_node_up(h_env_t *h, h_cluster_t *cl, int i) {
        char dir[300], log[320], what[64];
        int tries, r, ports[2];
        for (tries = 1;; tries++) {
                snprintf(dir, sizeof(dir), "%s/cluster-%d", h->dir, i);
                r = server_up(cl->port[i], dir, cl->pid[i], 5000, NULL);
                if (r > 0)
                        return;
                snprintf(log, sizeof(log), "%s/redis.log", dir);
                snprintf(what, sizeof(what), "cluster node %d", i);
                port_taken(r, tries, what, cl->pid[i], cl->port[i], log);
                free_ports(ports, 2);
                cl->port[i] = ports[0];
                cl->bus[i] = ports[1];
                start_cluster_node(h, cl, i);
        }
}

/* The text of a reply of server i to cmd ("" if not text) into out. */
static void cluster_text(const h_cluster_t *cl, int i, const char *cmd,
                         char *out, size_t size) {
        redisReply *r = h_cluster_command(cl, i, cmd);
        snprintf(out, size, "%s",
                 r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS
                     ? r->str
                     : "");
        freeReplyObject(r);
}

int h_cluster_add_replica(h_env_t *h, h_cluster_t *cl, int m) {
        int i = cl->n + cl->replicas, t;
        char id[64], text[8192];
        if (i >= H_CLUSTER_MAX)
                fail_msg("h_cluster_add_replica: no room");
        {
                int ports[2];
                free_ports(ports, 2);
                cl->port[i] = ports[0];
                cl->bus[i] = ports[1];
        }
        start_cluster_node(h, cl, i);
        cluster_node_up(h, cl, i);
        cl->replicas++;
        h_cluster_must(cl, i, "CLUSTER MEET 127.0.0.1 %d %d", cl->port[0],
                       cl->bus[0]);
        cluster_text(cl, m, "CLUSTER MYID", id, sizeof(id));
        /* It must know the master before it can follow it. */
        for (t = 0; t < 200; t++) {
                cluster_text(cl, i, "CLUSTER NODES", text, sizeof(text));
                if (id[0] && strstr(text, id))
                        break;
                h_sleep_ms(50);
        }
        h_cluster_must(cl, i, "CLUSTER REPLICATE %s", id);
        wait_synced(cl->port[i], "a replica of the cluster", h->dir);
        h_cluster_wait_ok(cl);
        return i;
}

void h_cluster_start(h_env_t *h, h_cluster_t *cl, int n) {
        int i, ports[2 * H_CLUSTER_MAX];
        memset(cl, 0, sizeof(*cl));
        if (n < 1 || n > H_CLUSTER_MAX)
                fail_msg("h_cluster_start: %d masters", n);
        cl->n = n;
        free_ports(ports, 2 * n);
        for (i = 0; i < n; i++) {
                cl->port[i] = ports[2 * i];
                cl->bus[i] = ports[2 * i + 1];
                start_cluster_node(h, cl, i);
        }
        for (i = 0; i < n; i++)
                cluster_node_up(h, cl, i);
        for (i = 0; i < n; i++) {
                h_cluster_must(cl, i, "CLUSTER ADDSLOTSRANGE %d %d",
                               i * 16384 / n, (i + 1) * 16384 / n - 1);
                if (i > 0)
                        h_cluster_must(cl, i, "CLUSTER MEET 127.0.0.1 %d %d",
                                       cl->port[0], cl->bus[0]);
        }
        h_cluster_wait_ok(cl);
        snprintf(cl->url, sizeof(cl->url), "redis-cluster://127.0.0.1:%d",
                 cl->port[0]);
}

void h_cluster_node_stop(h_cluster_t *cl, int i) {
        h_signal_wait(cl->pid[i], SIGKILL, 5000);
        cl->pid[i] = 0;
}

void h_cluster_node_start(h_env_t *h, h_cluster_t *cl, int i) {
        start_cluster_node(h, cl, i);
        h_cluster_wait_ok(cl);
}

void h_broker_control(h_env_t *h, const char *command) {
        FILE *fp = fopen(h->control, "w");
        if (!fp)
                fail_msg("broker control %s: %s", h->control, strerror(errno));
        fprintf(fp, "%s\n", command);
        fclose(fp);
}

void h_test_filter(void) {
        const char *f = getenv("REDRESS_TEST_FILTER");
        if (f && *f)
                cmocka_set_test_filter(f);
}

void h_start(h_env_t *h, int partitions) {
        char parts[16], bsfile[300], log[300];
        char errstr[512];
        rd_kafka_conf_t *kc;
        const struct rd_kafka_metadata *md;
        char rlog[320];
        int i, tries, r;
        memset(h, 0, sizeof(*h));
        snprintf(h->dir, sizeof(h->dir), "/tmp/redress-it-XXXXXX");
        if (!mkdtemp(h->dir))
                fail_msg("mkdtemp: %s", strerror(errno));
        h->redis_port = free_port();
        start_redis(h);
        snprintf(parts, sizeof(parts), "%d", partitions);
        snprintf(bsfile, sizeof(bsfile), "%s/bootstrap", h->dir);
        snprintf(h->control, sizeof(h->control), "%s/broker.ctl", h->dir);
        snprintf(log, sizeof(log), "%s/devbroker.log", h->dir);
        {
                const char *argv[] = {RDR_BIN_DIR "/redress-devbroker",
                                      "--partitions",
                                      parts,
                                      "--bootstrap-file",
                                      bsfile,
                                      "--control",
                                      h->control,
                                      NULL};
                h->broker_pid = spawn(log, argv, NULL);
        }
        /* Redis while the dev broker starts */
        snprintf(rlog, sizeof(rlog), "%s/redis.log", h->dir);
        for (tries = 1;; tries++) {
                r = server_up(h->redis_port, h->dir, h->redis_pid, 10000,
                              &h->redis);
                if (r > 0)
                        break;
                port_taken(r, tries, "the test's redis-server", h->redis_pid,
                           h->redis_port, rlog);
                h->redis_port = free_port();
                start_redis(h);
        }
        for (i = 0; i < 200; i++) {
                FILE *fp = fopen(bsfile, "r");
                if (fp) {
                        if (fgets(h->bootstrap, sizeof(h->bootstrap), fp))
                                h->bootstrap[strcspn(h->bootstrap, "\n")] =
                                    '\0';
                        fclose(fp);
                }
                if (h->bootstrap[0])
                        break;
                h_sleep_ms(50);
        }
        if (!h->bootstrap[0])
                fail_msg("the dev broker did not start (see %s)", log);
        snprintf(h->redis_url, sizeof(h->redis_url), "redis://127.0.0.1:%d",
                 h->redis_port);
        kc = rd_kafka_conf_new();
        rd_kafka_conf_set(kc, "bootstrap.servers", h->bootstrap, errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(kc, "linger.ms", "1", errstr, sizeof(errstr));
        /* Room for the events over the workers' own limit the tests
         * publish (a topic may take more than a producer's default). */
        rd_kafka_conf_set(kc, "message.max.bytes", "4000000", errstr,
                          sizeof(errstr));
        rd_kafka_conf_set_dr_msg_cb(kc, dr_cb);
        h->producer =
            rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
        if (!h->producer)
                fail_msg("producer: %s", errstr);
        /* Every topic's leader known before the first message: else the
         * producer holds a message to a topic it has not seen until its
         * next topic scan, up to 1 s later. */
        if (rd_kafka_metadata(h->producer, 1, NULL, &md, 10000))
                fail_msg("the dev broker's metadata did not come (see %s)",
                         h->dir);
        rd_kafka_metadata_destroy(md);
}

void h_stop(h_env_t *h) {
        int i;
        if (h->producer) {
                rd_kafka_flush(h->producer, 5000);
                rd_kafka_destroy(h->producer);
        }
        if (h->redis)
                redisFree(h->redis);
        for (i = nchildren - 1; i >= 0; i--) {
                kill(children[i], SIGKILL);
                waitpid(children[i], NULL, 0);
        }
        nchildren = 0;
        if (!getenv("REDRESS_KEEP_TEST_DIRS")) {
                char cmd[300];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "harness: could not remove %s\n",
                                h->dir);
        }
        memset(h, 0, sizeof(*h));
}

/* GET path on 127.0.0.1:port into body (if not NULL); returns the HTTP
 * status or -1. */
int h_tcp_connect(int port, int timeout_ms) {
        struct sockaddr_in sa;
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0)
                return -1;
        if (timeout_ms > 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
                close(fd);
                return -1;
        }
        return fd;
}

/* GET path on 127.0.0.1:port into body (size bytes, the whole answer);
 * returns the HTTP status or -1. */
static int http_fetch(int port, const char *path, char *body, size_t size) {
        char req[128];
        int fd = h_tcp_connect(port, 0), status = -1, len;
        size_t got = 0;
        ssize_t n;
        if (fd < 0)
                return -1;
        len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
        if (write(fd, req, (size_t)len) == len) {
                while (got + 1 < size &&
                       (n = read(fd, body + got, size - 1 - got)) > 0)
                        got += (size_t)n;
                body[got] = '\0';
                if (got > 12)
                        status = (int)strtol(body + 9, NULL, 10);
        }
        close(fd);
        return status;
}

size_t h_log_lines(pid_t pid, const char *needle) {
        char line[8192];
        size_t cnt = 0;
        const worker_t *w = worker_of(pid);
        FILE *fp = w ? fopen(w->log, "r") : NULL;
        if (!fp)
                fail_msg("no log for worker %d", (int)pid);
        while (fgets(line, sizeof(line), fp))
                if (strstr(line, needle)) {
                        fprintf(stderr, "worker %d: %s", (int)pid, line);
                        cnt++;
                }
        fclose(fp);
        return cnt;
}

int h_metrics_text(pid_t pid, char *body, size_t size) {
        const worker_t *w = worker_of(pid);
        return w && http_fetch(w->port, "/metrics", body, size) == 200 ? 0 : -1;
}

int h_metrics_port(pid_t pid) {
        const worker_t *w = worker_of(pid);
        return w ? w->port : 0;
}

int h_ready(pid_t pid) {
        char body[512];
        const worker_t *w = worker_of(pid);
        return w ? http_fetch(w->port, "/readyz", body, sizeof(body)) : -1;
}

/* The first series named series whose labels contain label (NULL: any),
 * or with all the sum of every such series; -1 if unreadable. */
static double metric_read(pid_t pid, const char *series, const char *label,
                          int all) {
        static char body[1 << 20];
        const char *p;
        double sum = 0;
        if (h_metrics_text(pid, body, sizeof(body)))
                return -1;
        for (p = body; (p = strstr(p, series)); p++) {
                const char *sp, *eol;
                if (p != body && p[-1] != '\n')
                        continue;
                if (p[strlen(series)] != '{' && p[strlen(series)] != ' ')
                        continue;
                eol = strchr(p, '\n');
                sp = strchr(p, ' ');
                if (!sp || (eol && sp > eol))
                        continue;
                if (label && !memmem(p, (size_t)(sp - p), label, strlen(label)))
                        continue;
                if (!all)
                        return strtod(sp + 1, NULL);
                sum += strtod(sp + 1, NULL);
        }
        return sum;
}

double h_metric_with(pid_t pid, const char *series, const char *label) {
        return metric_read(pid, series, label, 0);
}

double h_metric(pid_t pid, const char *series) {
        return metric_read(pid, series, NULL, 0);
}

double h_metric_sum(pid_t pid, const char *series) {
        return metric_read(pid, series, NULL, 1);
}

/* Up to 10 s until the series reads want (at_least: want or more). */
static int wait_metric(pid_t pid, const char *series, const char *label,
                       double want, int at_least) {
        int i;
        for (i = 0; i < 100; i++) {
                double v = h_metric_with(pid, series, label);
                if (v == want || (at_least && v > want))
                        return 1;
                h_sleep_ms(100);
        }
        return 0;
}

int h_wait_metric(pid_t pid, const char *series, const char *label,
                  double want) {
        return wait_metric(pid, series, label, want, 0);
}

int h_wait_metric_at_least(pid_t pid, const char *series, const char *label,
                           double want) {
        return wait_metric(pid, series, label, want, 1);
}

/* GET path on 127.0.0.1:port; returns the HTTP status or -1. */
static int http_get(int port, const char *path) {
        char resp[64];
        return http_fetch(port, path, resp, sizeof(resp));
}

/* The metrics port from the worker's worker.started log line; 0 if not yet. */
static int log_port(const char *log, int *assigned) {
        FILE *fp = fopen(log, "r");
        char line[4096];
        int port = 0;
        *assigned = 0;
        if (!fp)
                return 0;
        while (fgets(line, sizeof(line), fp)) {
                char *p = strstr(line, "\"metrics_port\":\"");
                if (p)
                        port = (int)strtol(p + 16, NULL, 10);
                if (strstr(line, "\"kafka.assign\""))
                        *assigned = 1;
        }
        fclose(fp);
        return port;
}

/* Whether env (NULL-terminated, may be NULL) sets the variable of the
 * entry "NAME=value". */
static int env_given(const char *const *env, const char *entry) {
        size_t n = strcspn(entry, "=") + 1;
        for (; env && *env; env++)
                if (!strncmp(*env, entry, n))
                        return 1;
        return 0;
}

/* Start worker name; with wait_ready, return once it is ready (as
 * h_worker()), else at once, its log registered without a port. */
static pid_t worker_start(h_env_t *h, const char *name, const char *const *env,
                          int wait_ready) {
        char bin[300], log[400], e_bs[300], e_url[100], e_conf[300];
        char e_fetch[] = "REDRESS_KAFKA_FETCH_WAIT_MAX_MS=10";
        char *envp[512];
        extern char **environ;
        char **e;
        const char *argv[2];
        int n = 0, i, port = 0, assigned = 0;
        pid_t pid;
        static int seq;
        snprintf(bin, sizeof(bin), RDR_BIN_DIR "/redress-%s", name);
        snprintf(log, sizeof(log), "%s/%s.%d.log", h->dir, name, ++seq);
        snprintf(e_bs, sizeof(e_bs), "REDRESS_KAFKA_BOOTSTRAP=%s",
                 h->bootstrap);
        snprintf(e_url, sizeof(e_url), "REDRESS_REDIS_URL=%s", h->redis_url);
        snprintf(e_conf, sizeof(e_conf),
                 "REDRESS_CONFIG=" RDR_SOURCE_DIR "/configs/redress.yaml");
        /* The caller's entries, then the defaults it did not give (a
         * variable given twice would be read twice, the last winning). */
        for (i = 0; env && env[i] && n < 32; i++)
                envp[n++] = (char *)env[i];
        if (!env_given(env, e_bs))
                envp[n++] = e_bs;
        if (!env_given(env, e_url))
                envp[n++] = e_url;
        if (!env_given(env, e_conf))
                envp[n++] = e_conf;
        /* The dev broker holds a fetch for its whole wait even when data
         * arrives (a real broker answers at once): keep the wait short. */
        if (!env_given(env, e_fetch))
                envp[n++] = e_fetch;
        /* Keep the test's environment (PATH, sanitizer options) but none
         * of its REDRESS_* settings. */
        for (e = environ; *e && n < 480; e++)
                if (strncmp(*e, "REDRESS_", 8))
                        envp[n++] = *e;
        envp[n] = NULL;
        argv[0] = bin;
        argv[1] = NULL;
        pid = spawn(log, argv, envp);
        if (!wait_ready) {
                if (nworkers < MAX_CHILDREN) {
                        worker_t *w = &workers[nworkers++];
                        w->pid = pid;
                        w->port = 0;
                        snprintf(w->log, sizeof(w->log), "%s", log);
                }
                return pid;
        }
        for (i = 0; i < 1200; i++) {
                int st;
                if (waitpid(pid, &st, WNOHANG) == pid) {
                        forget_child(pid);
                        fail_msg("worker %s exited at start (see %s)", name,
                                 log);
                }
                port = log_port(log, &assigned);
                if (port && http_get(port, "/readyz") == 200 &&
                    (assigned || !strcmp(name, "timers"))) {
                        if (nworkers < MAX_CHILDREN) {
                                worker_t *w = &workers[nworkers++];
                                w->pid = pid;
                                w->port = port;
                                snprintf(w->log, sizeof(w->log), "%s", log);
                        }
                        return pid;
                }
                h_sleep_ms(50);
        }
        fail_msg("worker %s not ready in 60 s (see %s)", name, log);
        return -1;
}

pid_t h_worker(h_env_t *h, const char *name, const char *const *env) {
        return worker_start(h, name, env, 1);
}

pid_t h_worker_started(h_env_t *h, const char *name, const char *const *env) {
        return worker_start(h, name, env, 0);
}

void h_produce(h_env_t *h, const char *topic, const char *key,
               const void *value, size_t len, const char *content_type) {
        h_produce_headers(
            h, topic, key, value, len,
            (const char *const[]){content_type ? "content-type" : NULL,
                                  content_type, NULL});
}

void h_produce_headers(h_env_t *h, const char *topic, const char *key,
                       const void *value, size_t len, const char *const *kv) {
        rd_kafka_headers_t *hdrs = NULL;
        rd_kafka_resp_err_t err;
        if (kv[0]) {
                hdrs = rd_kafka_headers_new(4);
                for (; kv[0]; kv += 2)
                        rd_kafka_header_add(hdrs, kv[0], -1, kv[1], -1);
        }
        do {
                err = rd_kafka_producev(
                    h->producer, RD_KAFKA_V_TOPIC(topic),
                    RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                    RD_KAFKA_V_VALUE((void *)value, len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(h->producer, 10);
        } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
        if (err) {
                rd_kafka_headers_destroy(hdrs);
                fail_msg("produce: %s", rd_kafka_err2str(err));
        }
        rd_kafka_poll(h->producer, 0);
}

void h_flush(h_env_t *h) {
        rd_kafka_flush(h->producer, 10000);
}

static char *dupn(const void *p, size_t n) {
        char *d = malloc(n + 1);
        if (p && n)
                memcpy(d, p, n);
        d[n] = '\0';
        return d;
}

/* A consumer of the env's broker in group and the list of every partition
 * of topic (offsets as given). Both are the caller's to destroy. */
static rd_kafka_t *consumer_for(h_env_t *h, const char *group,
                                const char *topic, int64_t offset, int eof,
                                rd_kafka_topic_partition_list_t **parts) {
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        const struct rd_kafka_metadata *md;
        char errstr[512];
        int i;
        rd_kafka_conf_set(kc, "bootstrap.servers", h->bootstrap, errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(kc, "group.id", group, errstr, sizeof(errstr));
        rd_kafka_conf_set(kc, "enable.auto.commit", "false", errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(kc, "enable.partition.eof", eof ? "true" : "false",
                          errstr, sizeof(errstr));
        /* A fetch sent before every partition's start offset is known
         * would otherwise wait up to 500 ms for data it does not ask for. */
        rd_kafka_conf_set(kc, "fetch.wait.max.ms", "10", errstr,
                          sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr));
        if (!rk)
                fail_msg("consumer: %s", errstr);
        rkt = rd_kafka_topic_new(rk, topic, NULL);
        if (rd_kafka_metadata(rk, 0, rkt, &md, 5000))
                fail_msg("metadata of %s failed", topic);
        rd_kafka_topic_destroy(rkt);
        *parts = rd_kafka_topic_partition_list_new(64);
        for (i = 0; i < md->topics[0].partition_cnt; i++)
                rd_kafka_topic_partition_list_add(*parts, topic, i)->offset =
                    offset;
        rd_kafka_metadata_destroy(md);
        return rk;
}

size_t h_read_topic(h_env_t *h, const char *topic, const char *match,
                    size_t want, int quiet_ms, int timeout_ms, h_msg_t **out) {
        static const char *const hnames[5] = {
            "redress-error", "redress-source-topic", "redress-source-partition",
            "redress-source-offset", "redress-worker"};
        rd_kafka_topic_partition_list_t *parts;
        int to_end = quiet_ms < 0;
        rd_kafka_t *rk =
            consumer_for(h, "redress-tests-reader", topic,
                         RD_KAFKA_OFFSET_BEGINNING, to_end, &parts);
        h_msg_t *msgs = NULL;
        size_t cnt = 0, size = 0;
        int64_t start = rdr_mono_ms(), last = start;
        int i, nparts = parts->cnt, at_end = 0;
        char *ended = calloc((size_t)nparts + 1, 1);
        if (!ended)
                fail_msg("out of memory");
        rd_kafka_assign(rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        for (;;) {
                int64_t now = rdr_mono_ms();
                rd_kafka_message_t *m;
                if (now - start > timeout_ms) {
                        if (to_end)
                                fail_msg("%s: read %d of %d partitions to "
                                         "their end in %d ms",
                                         topic, at_end, nparts, timeout_ms);
                        break;
                }
                if (to_end ? at_end == nparts
                           : cnt >= want && now - last > quiet_ms)
                        break;
                m = rd_kafka_consumer_poll(rk, 100);
                if (!m)
                        continue;
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        if (m->partition >= 0 && m->partition < nparts &&
                            !ended[m->partition]) {
                                ended[m->partition] = 1;
                                at_end++;
                        }
                } else if (!m->err && match &&
                           !memmem(m->payload, m->len, match, strlen(match))) {
                        last = rdr_mono_ms();
                } else if (!m->err) {
                        rd_kafka_headers_t *hdrs = NULL;
                        h_msg_t *x;
                        if (cnt == size) {
                                size = size ? size * 2 : 256;
                                msgs = realloc(msgs, size * sizeof(*msgs));
                        }
                        x = &msgs[cnt++];
                        memset(x, 0, sizeof(*x));
                        x->key = dupn(m->key, m->key_len);
                        x->value = dupn(m->payload, m->len);
                        x->len = m->len;
                        x->partition = m->partition;
                        x->offset = m->offset;
                        if (!rd_kafka_message_headers(m, &hdrs)) {
                                const char *name;
                                const void *v;
                                size_t vl, at = 0;
                                for (i = 0; !rd_kafka_header_get_all(
                                         hdrs, i, &name, &v, &vl);
                                     i++) {
                                        int n = snprintf(
                                            x->all_headers + at,
                                            sizeof(x->all_headers) - at,
                                            "%s=%.*s\n", name, (int)vl,
                                            v ? (const char *)v : "");
                                        if (n < 0 ||
                                            (size_t)n >=
                                                sizeof(x->all_headers) - at)
                                                break;
                                        at += (size_t)n;
                                }
                                for (i = 0; i < 5; i++)
                                        if (!rd_kafka_header_get_last(
                                                hdrs, hnames[i], &v, &vl))
                                                snprintf(x->headers[i], 256,
                                                         "%.*s", (int)vl,
                                                         (const char *)v);
                                if (!rd_kafka_header_get_last(
                                        hdrs, "content-type", &v, &vl))
                                        snprintf(x->content_type, 64, "%.*s",
                                                 (int)vl, (const char *)v);
                                if (!rd_kafka_header_get_last(
                                        hdrs, "redress-cut", &v, &vl))
                                        snprintf(x->cut, sizeof(x->cut), "%.*s",
                                                 (int)vl, (const char *)v);
                        }
                        last = rdr_mono_ms();
                }
                rd_kafka_message_destroy(m);
        }
        free(ended);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        *out = msgs;
        return cnt;
}

void h_msgs_free(h_msg_t *msgs, size_t cnt) {
        size_t i;
        for (i = 0; i < cnt; i++) {
                free(msgs[i].key);
                free(msgs[i].value);
        }
        free(msgs);
}

char *h_review_json(const char *event_id, const char *store, const char *order,
                    const char *review, int rating, const char *text) {
        char *buf = malloc(2048);
        snprintf(buf, 2048,
                 "{\"event_id\":\"%s\",\"type\":\"review.created\","
                 "\"platform\":\"taobao\",\"store_id\":\"%s\","
                 "\"review_id\":\"%s\",\"order_id\":\"%s\","
                 "\"buyer_id\":\"buyer-%s\",\"product_id\":\"sku-1\","
                 "\"rating\":%d,\"text\":\"%s\","
                 "\"created_at\":\"2026-11-20T10:00:00Z\"}",
                 event_id, store, review, order, order, rating, text);
        return buf;
}

void h_publish_reviews(h_env_t *h, const char *store, const char *prefix,
                       size_t from, size_t to, int rating, const char *text,
                       int pace_us) {
        size_t i;
        for (i = from; i < to; i++) {
                char id[64], key[128];
                char *json;
                snprintf(id, sizeof(id), "%s-%zu", prefix, i);
                snprintf(key, sizeof(key), "%s/%s", store, id);
                json = h_review_json(id, store, id, id,
                                     rating ? rating : (int)(i % 5) + 1, text);
                h_produce(h, "redress.reviews", key, json, strlen(json), NULL);
                free(json);
                if (pace_us > 0) {
                        struct timespec ts = {0, pace_us * 1000L};
                        rd_kafka_poll(h->producer, 0);
                        nanosleep(&ts, NULL);
                }
        }
        h_flush(h);
}

size_t h_count_reviews(const h_msg_t *msgs, size_t n, const char *prefix,
                       size_t total, size_t *repeats) {
        char *seen = calloc(total ? total : 1, 1);
        char needle[80];
        size_t i, distinct = 0, nl;
        if (!seen)
                fail_msg("out of memory");
        nl = (size_t)snprintf(needle, sizeof(needle), "\"review_id\":\"%s-",
                              prefix);
        *repeats = 0;
        for (i = 0; i < n; i++) {
                const char *p = strstr(msgs[i].value, needle);
                size_t k;
                if (!p)
                        fail_msg("no review id %s-N in %s", prefix,
                                 msgs[i].value);
                k = (size_t)strtoul(p + nl, NULL, 10);
                if (k >= total)
                        fail_msg("review %s-%zu was never published", prefix,
                                 k);
                if (seen[k]++)
                        (*repeats)++;
                else
                        distinct++;
        }
        free(seen);
        return distinct;
}

size_t h_read_handled(h_env_t *h, pid_t pid, size_t inputs, const char *topic,
                      const char *match, int timeout_ms, h_msg_t **out) {
        int64_t start = rdr_mono_ms();
        double n;
        while ((n = h_metric(pid, "redress_event_latency_seconds_count")) <
               (double)inputs) {
                if (rdr_mono_ms() - start > timeout_ms)
                        fail_msg("worker %d handled %.0f of %zu inputs in %d "
                                 "ms",
                                 (int)pid, n, inputs, timeout_ms);
                h_sleep_ms(50);
        }
        return h_read_topic(h, topic, match, 0, -1, timeout_ms, out);
}

void h_committed(h_env_t *h, const char *group, const char *topic,
                 int64_t *committed, int64_t *end) {
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_t *rk =
            consumer_for(h, group, topic, RD_KAFKA_OFFSET_INVALID, 0, &parts);
        int i;
        *committed = *end = 0;
        if (rd_kafka_committed(rk, parts, 5000))
                fail_msg("committed offsets could not be read");
        for (i = 0; i < parts->cnt; i++) {
                int64_t lo, hi;
                if (parts->elems[i].offset > 0)
                        *committed += parts->elems[i].offset;
                if (!rd_kafka_query_watermark_offsets(
                        rk, topic, parts->elems[i].partition, &lo, &hi, 5000))
                        *end += hi;
        }
        rd_kafka_topic_partition_list_destroy(parts);
        rd_kafka_destroy(rk);
}

typedef struct field_find_s {
        const char *name;
        char *out;
        size_t size;
} field_find_t;

static int field_find_cb(void *opaque, const char *field, const char *value,
                         size_t len) {
        field_find_t *f = opaque;
        if (strcmp(field, f->name))
                return 0;
        if (len >= f->size)
                len = f->size - 1;
        memcpy(f->out, value, len);
        f->out[len] = '\0';
        return 1;
}

const char *h_hget(h_env_t *h, const char *key, const char *field, char *out,
                   size_t size) {
        redisReply *r = redisCommand(h->redis, "HGET %s %s", key, field);
        int has = r && r->type == REDIS_REPLY_STRING;
        snprintf(out, size, "%s", has ? r->str : "");
        if (r)
                freeReplyObject(r);
        return has ? out : NULL;
}

long long h_redis_int(h_env_t *h, const char *cmd, const char *key) {
        redisReply *r = redisCommand(h->redis, "%s %s", cmd, key);
        long long v;
        if (!r || r->type != REDIS_REPLY_INTEGER) {
                if (r)
                        freeReplyObject(r);
                fail_msg("%s %s: no integer reply", cmd, key);
                return -1;
        }
        v = r->integer;
        freeReplyObject(r);
        return v;
}

long long h_exec_int(rdr_redis_t *rr) {
        const redisReply *r;
        long long v;
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        r = rdr_redis_reply(rr, 0);
        assert_non_null(r);
        assert_int_equal(r->type, REDIS_REPLY_INTEGER);
        v = r->integer;
        rdr_redis_reset(rr);
        return v;
}

long long h_timers_pending(h_env_t *h, int shards, long long due_by,
                           long long *due, long long *leased) {
        long long n[2] = {0, 0};
        int s, k;
        /* Both sets of a shard at one instant: a timer moves between them
         * (claimed, given back, its lease expired) in one script. */
        for (s = 0; s < shards; s++) {
                redisReply *r = redisCommand(
                    h->redis,
                    "EVAL %s 2 redress:{t:%d}:due redress:{t:%d}:lease %lld",
                    "return {redis.call('ZCOUNT', KEYS[1], '-inf', ARGV[1]), "
                    "redis.call('ZCARD', KEYS[2])}",
                    s, s, due_by);
                if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
                        if (r)
                                freeReplyObject(r);
                        fail_msg("the timers of shard %d: no reply", s);
                        return -1;
                }
                for (k = 0; k < 2; k++)
                        n[k] += r->element[k]->integer;
                freeReplyObject(r);
        }
        if (due)
                *due = n[0];
        if (leased)
                *leased = n[1];
        return n[0] + n[1];
}

const char *h_case_field(h_env_t *h, const char *case_id, const char *field,
                         char *out, size_t size) {
        redisReply *r =
            redisCommand(h->redis, "HGETALL redress:{c:%s}", case_id);
        const char *fields[512], *values[512];
        size_t lens[512], i, n;
        char errstr[256];
        static rdr_case_t c; /* large: not on the test's stack */
        field_find_t f = {field, out, size};
        out[0] = '\0';
        if (!r || r->type != REDIS_REPLY_ARRAY) {
                if (r)
                        freeReplyObject(r);
                fail_msg("HGETALL of case %s failed", case_id);
                return out;
        }
        n = r->elements / 2;
        if (n > 512)
                n = 512;
        for (i = 0; i < n; i++) {
                fields[i] = r->element[2 * i]->str;
                values[i] = r->element[2 * i + 1]->str;
                lens[i] = r->element[2 * i + 1]->len;
        }
        if (n > 0) {
                if (rdr_case_from_hash(&c, n, fields, values, lens, NULL,
                                       errstr, sizeof(errstr))) {
                        freeReplyObject(r);
                        fail_msg("case %s is unreadable: %s", case_id, errstr);
                        return out;
                }
                rdr_case_to_fields(&c, field_find_cb, &f);
        }
        freeReplyObject(r);
        return out;
}

pid_t h_reviews_killed_midstream(h_env_t *h, const char *store,
                                 const char *prefix, size_t n) {
        h_msg_t *cases;
        size_t got, distinct, extra;
        pid_t pid;
        int st;
        /* A short session so that the group notices the killed member
         * quickly. */
        pid = h_worker(h, "reviews",
                       (const char *const[]){"REDRESS_CONSUMER_BATCH_MAX=50",
                                             "REDRESS_KAFKA_SESSION_TIMEOUT_MS="
                                             "6000",
                                             NULL});
        h_publish_reviews(h, store, prefix, 0, n, 0,
                          "the color is not as described", 0);
        /* Kill it while it works through the backlog. */
        got = h_read_topic(h, "redress.cases", CLASSIFIED, n / 4, 0, 30000,
                           &cases);
        h_msgs_free(cases, got);
        st = h_signal_wait(pid, SIGKILL, 5000);
        assert_true(WIFSIGNALED(st));
        pid = h_worker(h, "reviews",
                       (const char *const[]){
                           "REDRESS_KAFKA_SESSION_TIMEOUT_MS=6000", NULL});
        got = h_read_topic(h, "redress.cases", CLASSIFIED, n, 3000, 120000,
                           &cases);
        distinct = h_count_reviews(cases, got, prefix, n, &extra);
        /* Every input has its output; a message published just before the
         * kill may be published again under the same event_id (at most
         * one batch), never under a second id. */
        assert_int_equal(distinct, n);
        print_message("outputs: %zu distinct, %zu republished under the "
                      "same id\n",
                      distinct, extra);
        assert_true(extra <= 50);
        h_msgs_free(cases, got);
        return pid;
}

rdr_err_t h_exec_until_ok(rdr_redis_t *rr, int tries, int sleep_ms) {
        rdr_err_t err = RDR_ERR_REDIS;
        int i;
        for (i = 0; i < tries && err != RDR_OK; i++) {
                err = rdr_redis_exec(rr);
                if (err != RDR_OK)
                        h_sleep_ms(sleep_ms);
        }
        return err;
}

json_t *h_tool_json(const char *redis_url, const char *configs,
                    const char *tool, const char *args, int want) {
        char cmd[1536];
        json_error_t je;
        json_t *o;
        FILE *p;
        snprintf(cmd, sizeof(cmd),
                 "REDRESS_CONFIG=%s/redress.yaml REDRESS_REDIS_URL=%s "
                 "REDRESS_CLOCK_SOURCE=test %s/%s %s --json 2>/dev/null",
                 configs, redis_url, RDR_BIN_DIR, tool, args);
        p = popen(cmd, "r");
        assert_non_null(p);
        o = json_loadf(p, 0, &je);
        assert_int_equal(WEXITSTATUS(pclose(p)), want);
        if (!o)
                fail_msg("%s %s --json: %s", tool, args, je.text);
        return o;
}

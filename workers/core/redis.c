/* hiredis wrapper: lazy connect with backoff, script registry, pipelines
 * kept as formatted commands so that they can be resent after a reconnect. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "redis.h"
#include "str.h"

typedef struct rdr_script_s {
        char *name;
        char *lua;
        char sha[41];
} rdr_script_t;

/* A queued command: where its RESP form sits in the pipeline buffer. */
typedef struct rdr_rcmd_s {
        size_t off, len;
        size_t sha_off; /* of the SHA in an EVALSHA */
        int script;     /* -1, or the script id of an EVALSHA */
        /* Redis Cluster: the slot of its key (-1: none), the master it is
         * sent to, whether ASKING goes first (an ASK redirection), and
         * whether a redirection has it sent again. */
        int slot, node, ask, resend, staged;
} rdr_rcmd_t;

/* A server of Redis Cluster: a seed of the URL, or a master of the map. */
typedef struct rdr_node_s {
        char *host;
        int port;
        redisContext *c;
        int master; /* serves slots in the latest map */
        int waits;  /* WAITs written to it whose replies are not read */
} rdr_node_t;

struct rdr_redis_s {
        redisContext *c;
        char *host;
        char *unix_path;
        int port;
        int db;
        char *user;
        char *password;
        int connect_timeout_ms, command_timeout_ms, backoff_max_ms;
        int64_t next_attempt_ms;
        int backoff_ms;
        int up;
        int said_unreachable; /* logged, before a first connection */
        char errstr[256];
        char fail[512]; /* the latest failure, for the disconnect it causes */

        rdr_script_t *scripts;
        int scripts_cnt;

        /* The pipeline: every queued command formatted back to back in
         * pbuf (kept until the replies are read, to be resent after a
         * reconnect); psent bytes of it already written on the current
         * connection. */
        char *pbuf;
        size_t plen, pcap, psent;
        int pfail; /* formatting ran out of memory */
        rdr_rcmd_t *cmds;
        size_t cmds_cnt, cmds_size;
        /* Kept between pipelines, which alternate small and large. */
        redisReply **replies;
        size_t replies_cnt, replies_size;

        uint64_t roundtrips, commands, reconnects;
        /* Redis Cluster's MOVED, ASK, TRYAGAIN (rdr_redis_redirect_t) */
        uint64_t redirected[3];

        /* rdr_redis_wait_replicas: WAIT <replicas> <timeout> formatted
         * (wait_cmd, wait_len), and the pipelines it failed (too few
         * replicas answered, or an error). */
        int wait_replicas, wait_timeout_ms;
        char wait_cmd[64];
        size_t wait_len;
        uint64_t wait_shortfalls;
        /* The last WAIT failed: Redis is reachable but does not keep what
         * is written (not up, for health and metrics), and reconnecting
         * keeps the backoff growing, until a WAIT is answered in full. */
        int replicas_short;
        int said_short; /* logged, once until replicas answer again */

        /* rdr_redis_check_settings: look at the server's eviction policy
         * and persistence on every connect; RDR_REDIS_RISK_* found by the
         * last look. */
        int check_settings;
        unsigned settings_risk;

        /* Redis Cluster (redis-cluster:// URL): the URL's seeds, the
         * servers known (masters of the map, and those a redirection
         * named), which one serves each slot (RDR_REDIS_SLOTS entries), and
         * whether the map was read and is to be read again. */
        int cluster;
        rdr_node_t *seeds;
        int seeds_cnt;
        rdr_node_t *nodes;
        int nodes_cnt;
        int *slots;
        int map_ok, map_stale;
        struct iovec *iov; /* a master's part of a pipeline, to write */
        size_t iov_size;
};

static char *dup_range(const char *s, size_t n) {
        char *d = malloc(n + 1);
        if (!d)
                return NULL;
        memcpy(d, s, n);
        d[n] = '\0';
        return d;
}

static int parse_int(const char *s, size_t n, int min, int max, int *out) {
        long long v;
        if (rdr_str_to_ll(s, n, min, max, &v))
                return -1;
        *out = (int)v;
        return 0;
}

/* [[user]:password@] at p: kept in rr; returns where the host begins. */
static const char *parse_auth(rdr_redis_t *rr, const char *p) {
        const char *at = strrchr(p, '@');
        if (!at)
                return p;
        {
                const char *c = memchr(p, ':', (size_t)(at - p));
                if (c) {
                        if (c > p)
                                rr->user = dup_range(p, (size_t)(c - p));
                        rr->password = dup_range(c + 1, (size_t)(at - c - 1));
                } else {
                        rr->password = dup_range(p, (size_t)(at - p));
                }
        }
        return at + 1;
}

/* host[:port] of s[0, n): *host malloc'd, *port (6379 if not given). */
static int parse_hostport(const char *s, size_t n, char **host, int *port) {
        const char *colon = n ? memchr(s, ':', n) : NULL;
        *port = 6379;
        if (colon) {
                if (parse_int(colon + 1, (size_t)(s + n - colon - 1), 1, 65535,
                              port))
                        return -1;
                n = (size_t)(colon - s);
        }
        if (n == 0 || !(*host = dup_range(s, n)))
                return -1;
        return 0;
}

/* redis-cluster://[[user]:password@]host[:port][,host[:port]...]: the
 * seeds the map is first read from (any master or replica will do). */
static int parse_cluster_url(rdr_redis_t *rr, const char *url) {
        const char *p = parse_auth(rr, url + 16), *end;
        size_t n = strcspn(p, "/");
        if (p[n] && strcmp(p + n, "/") && strcmp(p + n, "/0"))
                return -1; /* Redis Cluster has database 0 only */
        rr->cluster = 1;
        rr->slots = malloc(RDR_REDIS_SLOTS * sizeof(*rr->slots));
        if (!rr->slots)
                return -1;
        for (end = p + n; p < end;) {
                size_t len = strcspn(p, ",/");
                rdr_node_t *sd = realloc(
                    rr->seeds, (size_t)(rr->seeds_cnt + 1) * sizeof(*sd));
                if (!sd)
                        return -1;
                rr->seeds = sd;
                sd = &rr->seeds[rr->seeds_cnt];
                memset(sd, 0, sizeof(*sd));
                if (parse_hostport(p, len, &sd->host, &sd->port))
                        return -1;
                rr->seeds_cnt++;
                p += len;
                if (*p == ',')
                        p++;
        }
        return rr->seeds_cnt ? 0 : -1;
}

static int parse_url(rdr_redis_t *rr, const char *url) {
        const char *hostp, *slash;
        if (!strncmp(url, "unix://", 7)) {
                const char *q = strchr(url + 7, '?');
                rr->unix_path = dup_range(url + 7, q ? (size_t)(q - url - 7)
                                                     : strlen(url + 7));
                if (!rr->unix_path || !rr->unix_path[0])
                        return -1;
                if (q && !strncmp(q, "?db=", 4) &&
                    parse_int(q + 4, strlen(q + 4), 0, 1 << 16, &rr->db))
                        return -1;
                return 0;
        }
        if (!strncmp(url, "redis-cluster://", 16))
                return parse_cluster_url(rr, url);
        if (strncmp(url, "redis://", 8))
                return -1;
        hostp = parse_auth(rr, url + 8);
        slash = strchr(hostp, '/');
        if (!slash)
                slash = hostp + strlen(hostp);
        if (parse_hostport(hostp, (size_t)(slash - hostp), &rr->host,
                           &rr->port))
                return -1;
        if (*slash && slash[1] &&
            parse_int(slash + 1, strlen(slash + 1), 0, 1 << 16, &rr->db))
                return -1;
        return 0;
}

/* url for a message: its password, if any, as "***". */
static void url_shown(const char *url, char *out, size_t size) {
        const char *scheme = strstr(url, "://");
        const char *at = scheme ? strrchr(scheme + 3, '@') : NULL;
        if (!at) {
                snprintf(out, size, "%s", url);
                return;
        }
        snprintf(out, size, "%.*s***%s", (int)(scheme + 3 - url), url, at);
}

rdr_redis_t *rdr_redis_new(const char *url, int connect_timeout_ms,
                           int command_timeout_ms, int backoff_max_ms,
                           char *errstr, size_t errstr_size) {
        rdr_redis_t *rr = calloc(1, sizeof(*rr));
        if (!rr) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (parse_url(rr, url) == -1) {
                char shown[512];
                url_shown(url, shown, sizeof(shown));
                snprintf(errstr, errstr_size,
                         "invalid Redis URL '%s': expected "
                         "redis://[:password@]host[:port][/db], "
                         "unix:///path or (Redis Cluster) "
                         "redis-cluster://[:password@]host[:port][,...]",
                         shown);
                rdr_redis_destroy(rr);
                return NULL;
        }
        rr->connect_timeout_ms = connect_timeout_ms;
        rr->command_timeout_ms = command_timeout_ms;
        rr->backoff_max_ms = backoff_max_ms > 0 ? backoff_max_ms : 10000;
        return rr;
}

static void free_replies(rdr_redis_t *rr) {
        size_t i;
        for (i = 0; i < rr->replies_cnt; i++)
                if (rr->replies[i])
                        freeReplyObject(rr->replies[i]);
        rr->replies_cnt = 0;
}

static void free_cmds(rdr_redis_t *rr) {
        rr->cmds_cnt = 0;
        rr->plen = rr->psent = 0;
        rr->pfail = 0;
}

static void disconnect(rdr_redis_t *rr, const char *why);

/* Commands sent early but never exec'd still have replies on their way:
 * read them off, so that the next pipeline reads its own. */
static void drain_sent(rdr_redis_t *rr) {
        size_t i;
        if (!rr->c || rr->psent == 0)
                return;
        for (i = 0; i < rr->cmds_cnt; i++) {
                void *reply = NULL;
                if (rr->cmds[i].off >= rr->psent)
                        return;
                if (rr->cmds[i].off + rr->cmds[i].len > rr->psent ||
                    redisGetReply(rr->c, &reply) != REDIS_OK) {
                        /* Half a command on the wire, or no answer: start
                         * over on a new connection. */
                        disconnect(rr, "pipeline abandoned");
                        rr->next_attempt_ms = 0;
                        return;
                }
                freeReplyObject(reply);
        }
}

void rdr_redis_reset(rdr_redis_t *rr) {
        free_replies(rr);
        drain_sent(rr);
        free_cmds(rr);
}

static void nodes_free(rdr_node_t *nodes, int cnt) {
        int i;
        for (i = 0; i < cnt; i++) {
                if (nodes[i].c)
                        redisFree(nodes[i].c);
                free(nodes[i].host);
        }
        free(nodes);
}

void rdr_redis_destroy(rdr_redis_t *rr) {
        int i;
        if (!rr)
                return;
        rdr_redis_reset(rr);
        free(rr->cmds);
        free(rr->pbuf);
        free(rr->replies);
        if (rr->c)
                redisFree(rr->c);
        for (i = 0; i < rr->scripts_cnt; i++) {
                free(rr->scripts[i].name);
                free(rr->scripts[i].lua);
        }
        free(rr->scripts);
        nodes_free(rr->seeds, rr->seeds_cnt);
        nodes_free(rr->nodes, rr->nodes_cnt);
        free(rr->slots);
        free(rr->iov);
        free(rr->host);
        free(rr->unix_path);
        free(rr->user);
        free(rr->password);
        free(rr);
}

int rdr_redis_script_add(rdr_redis_t *rr, const char *name, const char *lua) {
        rdr_script_t *s =
            realloc(rr->scripts, (size_t)(rr->scripts_cnt + 1) * sizeof(*s));
        if (!s)
                return -1;
        rr->scripts = s;
        s = &rr->scripts[rr->scripts_cnt];
        memset(s, 0, sizeof(*s));
        s->name = strdup(name);
        s->lua = strdup(lua);
        if (!s->name || !s->lua) {
                free(s->name);
                free(s->lua);
                return -1;
        }
        return rr->scripts_cnt++;
}

/* Record why the connection failed: the context's error, else what. */
static void failed(rdr_redis_t *rr, const redisContext *c, const char *what) {
        snprintf(rr->fail, sizeof(rr->fail), "%s",
                 c && c->errstr[0] ? c->errstr : what);
}

/* Drop the connection (every connection, on Redis Cluster, and the map
 * with them) and schedule the next attempt. why may point into a context
 * being freed: it is copied first. */
static void disconnect(rdr_redis_t *rr, const char *why) {
        char reason[sizeof(rr->errstr)];
        int jitter, i;
        snprintf(reason, sizeof(reason), "%s", why);
        if (rr->c) {
                redisFree(rr->c);
                rr->c = NULL;
        }
        for (i = 0; i < rr->nodes_cnt; i++) {
                if (rr->nodes[i].c) {
                        redisFree(rr->nodes[i].c);
                        rr->nodes[i].c = NULL;
                }
                rr->nodes[i].waits = 0;
        }
        rr->map_ok = 0;
        rr->psent = 0; /* a new connection is sent everything again */
        if (rr->up && rr->replicas_short) {
                if (!rr->said_short)
                        rdr_log(RDR_LOG_WARN, "redis.down",
                                "Redis keeps too few copies: %s; retrying "
                                "with backoff",
                                reason);
                rr->said_short = 1;
        } else if (rr->up) {
                rdr_log(RDR_LOG_WARN, "redis.down", "Redis connection lost: %s",
                        reason);
        } else if (!rr->reconnects && !rr->said_unreachable) {
                /* Never connected yet: said once, then retried quietly. */
                rdr_log(RDR_LOG_WARN, "redis.unreachable",
                        "Redis not reachable: %s; retrying with backoff",
                        reason);
                rr->said_unreachable = 1;
        }
        memcpy(rr->errstr, reason, sizeof(reason));
        rr->up = 0;
        rr->backoff_ms = rr->backoff_ms ? rr->backoff_ms * 2 : 100;
        if (rr->backoff_ms > rr->backoff_max_ms)
                rr->backoff_ms = rr->backoff_max_ms;
        jitter = rand() % (rr->backoff_ms / 4 + 1);
        rr->next_attempt_ms = rdr_mono_ms() + rr->backoff_ms + jitter;
}

/* Load every script on c (their SHAs are the same on every server).
 * -1 with rr->fail set. */
static int load_scripts(rdr_redis_t *rr, redisContext *c) {
        int i;
        for (i = 0; i < rr->scripts_cnt; i++) {
                redisReply *r =
                    redisCommand(c, "SCRIPT LOAD %s", rr->scripts[i].lua);
                if (!r) {
                        failed(rr, c, "SCRIPT LOAD failed");
                        return -1;
                }
                if (r->type != REDIS_REPLY_STRING || r->len != 40) {
                        snprintf(rr->fail, sizeof(rr->fail),
                                 "SCRIPT LOAD %s: %s", rr->scripts[i].name,
                                 r->type == REDIS_REPLY_ERROR ? r->str
                                                              : "bad reply");
                        freeReplyObject(r);
                        return -1;
                }
                memcpy(rr->scripts[i].sha, r->str, 40);
                rr->scripts[i].sha[40] = '\0';
                freeReplyObject(r);
        }
        return 0;
}

/* A command of the connection's set-up: 0 if it succeeded, else -1 with
 * rr->fail set. */
static int simple_cmd(rdr_redis_t *rr, redisContext *c, const char *what,
                      redisReply *r) {
        if (r && r->type != REDIS_REPLY_ERROR) {
                freeReplyObject(r);
                return 0;
        }
        snprintf(rr->fail, sizeof(rr->fail), "%s failed: %s", what,
                 r ? r->str : c->errstr);
        if (r)
                freeReplyObject(r);
        return -1;
}

void rdr_redis_check_settings(rdr_redis_t *rr, int on) {
        rr->check_settings = on;
}

unsigned rdr_redis_settings_at_risk(const rdr_redis_t *rr) {
        return rr->settings_risk;
}

void rdr_redis_wait_replicas(rdr_redis_t *rr, int replicas, int timeout_ms) {
        char n[RDR_STR_INT_SIZE], t[RDR_STR_INT_SIZE];
        size_t nl = rdr_str_int(n, replicas), tl = rdr_str_int(t, timeout_ms);
        rr->wait_replicas = replicas > 0 ? replicas : 0;
        rr->wait_timeout_ms = timeout_ms;
        rr->wait_len = (size_t)snprintf(rr->wait_cmd, sizeof(rr->wait_cmd),
                                        "*3\r\n$4\r\nWAIT\r\n$%zu\r\n%s\r\n"
                                        "$%zu\r\n%s\r\n",
                                        nl, n, tl, t);
}

uint64_t rdr_redis_wait_shortfalls(const rdr_redis_t *rr) {
        return rr->wait_shortfalls;
}

/* The reply of a WAIT on server at: 0 if enough replicas acknowledged what
 * the connection wrote before it, else -1 with rr->fail set (and the
 * shortfall counted). Frees r. */
static int wait_ok(rdr_redis_t *rr, redisReply *r, const char *at) {
        int ok = r && r->type == REDIS_REPLY_INTEGER &&
                 r->integer >= rr->wait_replicas;
        if (!ok) {
                if (r && r->type == REDIS_REPLY_INTEGER)
                        snprintf(rr->fail, sizeof(rr->fail),
                                 "WAIT on %s: %lld of %d replicas acknowledged "
                                 "the pipeline within %d ms "
                                 "(redis.wait_replicas)",
                                 at, r->integer, rr->wait_replicas,
                                 rr->wait_timeout_ms);
                else
                        snprintf(
                            rr->fail, sizeof(rr->fail), "WAIT on %s: %s", at,
                            r && r->type == REDIS_REPLY_ERROR ? r->str
                                                              : "bad reply");
                rr->wait_shortfalls++;
        }
        if (ok && rr->replicas_short)
                rdr_log(RDR_LOG_INFO, "redis.up",
                        "WAIT on %s: %d replicas acknowledge writes again", at,
                        rr->wait_replicas);
        rr->replicas_short = !ok;
        if (ok)
                rr->said_short = 0;
        if (r)
                freeReplyObject(r);
        return ok ? 0 : -1;
}

/* The value of "name:" in an INFO reply (up to the line's end), copied to
 * out; "" if the reply has no such line. */
static void info_field(const redisReply *r, const char *name, char *out,
                       size_t size) {
        size_t n = strlen(name), len;
        const char *p = r && r->type == REDIS_REPLY_STRING ? r->str : NULL;
        out[0] = '\0';
        for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncmp(p, name, n) || p[n] != ':')
                        continue;
                p += n + 1;
                len = strcspn(p, "\r\n");
                if (len >= size)
                        len = size - 1;
                memcpy(out, p, len);
                out[len] = '\0';
                return;
        }
}

/* Warn of server settings that break what the fleet promises: an eviction
 * policy other than noeviction drops cases, timers and dedupe keys when
 * Redis is full, and a server without an append-only file forgets on a
 * restart what it acknowledged since its last snapshot (a replayed event
 * is then decided anew). Each finding is logged when it first appears on
 * a connection, and again if it comes back after it was fixed. A server
 * that refuses INFO (renamed away on some managed services) is not
 * judged. Adds what server at (host:port) has to *found; -1 (rr->fail
 * set) if the connection failed meanwhile. */
static int check_settings(rdr_redis_t *rr, redisContext *c, const char *at,
                          unsigned *found) {
        redisReply *mem = redisCommand(c, "INFO memory");
        redisReply *per = mem ? redisCommand(c, "INFO persistence") : NULL;
        redisReply *rep = per && rr->wait_replicas
                              ? redisCommand(c, "INFO replication")
                              : NULL;
        char policy[64], aof[8], replicas[16];
        unsigned here = 0, fresh;
        if (!mem || !per || (rr->wait_replicas && !rep)) {
                snprintf(rr->fail, sizeof(rr->fail), "INFO failed: %s",
                         c->errstr);
                if (mem)
                        freeReplyObject(mem);
                if (per)
                        freeReplyObject(per);
                return -1;
        }
        info_field(mem, "maxmemory_policy", policy, sizeof(policy));
        info_field(per, "aof_enabled", aof, sizeof(aof));
        info_field(rep, "connected_slaves", replicas, sizeof(replicas));
        if (policy[0] && strcmp(policy, "noeviction"))
                here |= RDR_REDIS_RISK_EVICTION;
        if (!strcmp(aof, "0"))
                here |= RDR_REDIS_RISK_NO_AOF;
        if (replicas[0] && atoi(replicas) < rr->wait_replicas)
                here |= RDR_REDIS_RISK_FEW_REPLICAS;
        fresh = here & ~rr->settings_risk;
        if (fresh & RDR_REDIS_RISK_EVICTION)
                rdr_log(RDR_LOG_WARN, "redis.settings",
                        "Redis at %s has maxmemory-policy %s: when full it "
                        "evicts cases, timers and dedupe keys (lost work, "
                        "actions sent twice); set maxmemory-policy noeviction",
                        at, policy);
        if (fresh & RDR_REDIS_RISK_NO_AOF)
                rdr_log(RDR_LOG_WARN, "redis.settings",
                        "Redis at %s keeps no append-only file: a restart "
                        "loses the cases, timers and dedupe keys written since "
                        "its last snapshot (events read again are decided "
                        "anew); set appendonly yes",
                        at);
        if (fresh & RDR_REDIS_RISK_FEW_REPLICAS)
                rdr_log(RDR_LOG_WARN, "redis.settings",
                        "Redis at %s has %s replicas connected and "
                        "redis.wait_replicas is %d: every pipeline waits "
                        "redis.wait_timeout and fails until enough replicas "
                        "are back",
                        at, replicas, rr->wait_replicas);
        *found |= here;
        freeReplyObject(mem);
        freeReplyObject(per);
        if (rep)
                freeReplyObject(rep);
        return 0;
}

/* A ready connection to host:port (a Unix socket when host is NULL):
 * authenticated, its database selected, the scripts loaded and, unless
 * risk is NULL, its settings looked at (added to *risk). NULL with
 * rr->fail set. */
static redisContext *open_ctx(rdr_redis_t *rr, const char *host, int port,
                              unsigned *risk) {
        struct timeval ctv, tv;
        char at[128];
        redisContext *c;
        ctv.tv_sec = rr->connect_timeout_ms / 1000;
        ctv.tv_usec = (rr->connect_timeout_ms % 1000) * 1000;
        snprintf(at, sizeof(at), "%.100s:%d", host ? host : rr->unix_path,
                 port);
        c = host ? redisConnectWithTimeout(host, port, ctv)
                 : redisConnectUnixWithTimeout(rr->unix_path, ctv);
        if (!c || c->err) {
                snprintf(rr->fail, sizeof(rr->fail), "connect to %s: %s", at,
                         c ? c->errstr : "out of memory");
                goto err;
        }
        tv.tv_sec = rr->command_timeout_ms / 1000;
        tv.tv_usec = (rr->command_timeout_ms % 1000) * 1000;
        redisSetTimeout(c, tv);
        if (rr->password &&
            simple_cmd(
                rr, c, "AUTH",
                rr->user ? redisCommand(c, "AUTH %s %s", rr->user, rr->password)
                         : redisCommand(c, "AUTH %s", rr->password)))
                goto err;
        if (rr->db &&
            simple_cmd(rr, c, "SELECT", redisCommand(c, "SELECT %d", rr->db)))
                goto err;
        if (load_scripts(rr, c) == -1)
                goto err;
        if (risk && rr->check_settings && check_settings(rr, c, at, risk) == -1)
                goto err;
        return c;
err:
        if (c)
                redisFree(c);
        return NULL;
}

/* A connection (or a cluster's every master) is up. */
static void connected(rdr_redis_t *rr, const char *what) {
        if ((rr->reconnects || !rr->up) && !rr->replicas_short)
                rdr_log(RDR_LOG_INFO, "redis.up", "connected to %s", what);
        rr->reconnects++;
        rr->up = 1;
        if (!rr->replicas_short)
                rr->backoff_ms = 0;
}

/* ---- Redis Cluster: the slot map ---- */

static int node_find(const rdr_redis_t *rr, const char *host, size_t hlen,
                     int port) {
        int i;
        for (i = 0; i < rr->nodes_cnt; i++)
                if (rr->nodes[i].port == port &&
                    strlen(rr->nodes[i].host) == hlen &&
                    !memcmp(rr->nodes[i].host, host, hlen))
                        return i;
        return -1;
}

/* The index of host:port among the known servers, added if new; -1 on out
 * of memory. */
static int node_get(rdr_redis_t *rr, const char *host, size_t hlen, int port) {
        int i = node_find(rr, host, hlen, port);
        rdr_node_t *n;
        if (i >= 0)
                return i;
        n = realloc(rr->nodes, (size_t)(rr->nodes_cnt + 1) * sizeof(*n));
        if (!n)
                return -1;
        rr->nodes = n;
        n = &rr->nodes[rr->nodes_cnt];
        memset(n, 0, sizeof(*n));
        if (!(n->host = dup_range(host, hlen)))
                return -1;
        n->port = port;
        return rr->nodes_cnt++;
}

/* Connect server i unless it is connected (adding what its settings
 * risk to *risk, or to the client's when risk is NULL): 0, or -1 with
 * rr->fail set. */
static int node_ready(rdr_redis_t *rr, int i, unsigned *risk) {
        unsigned found = 0;
        rdr_node_t *n = &rr->nodes[i];
        if (n->c)
                return 0;
        n->c = open_ctx(rr, n->host, n->port, &found);
        if (risk)
                *risk |= found;
        else
                rr->settings_risk |= found;
        return n->c ? 0 : -1;
}

/* Read the map from c (a server at host): which master serves each slot.
 * Every slot must be served. 0, or -1 with rr->fail set. */
static int load_map(rdr_redis_t *rr, redisContext *c, const char *host) {
        redisReply *r = redisCommand(c, "CLUSTER SLOTS");
        size_t i, covered = 0;
        int s;
        if (!r) {
                failed(rr, c, "CLUSTER SLOTS failed");
                return -1;
        }
        if (r->type != REDIS_REPLY_ARRAY) {
                snprintf(rr->fail, sizeof(rr->fail),
                         "CLUSTER SLOTS of %s:%d: %s (a redis-cluster:// URL "
                         "needs a server in cluster mode)",
                         c->tcp.host ? c->tcp.host : host, c->tcp.port,
                         r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
                freeReplyObject(r);
                return -1;
        }
        for (s = 0; s < RDR_REDIS_SLOTS; s++)
                rr->slots[s] = -1;
        for (s = 0; s < rr->nodes_cnt; s++)
                rr->nodes[s].master = 0;
        for (i = 0; i < r->elements; i++) {
                const redisReply *e = r->element[i], *m;
                const char *h;
                size_t hlen;
                int n;
                long long from, to, k;
                if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
                    e->element[2]->type != REDIS_REPLY_ARRAY ||
                    e->element[2]->elements < 2)
                        continue;
                m = e->element[2];
                from = e->element[0]->integer;
                to = e->element[1]->integer;
                /* No address, or "?": the one this reply came from. */
                h = m->element[0]->type == REDIS_REPLY_STRING &&
                            m->element[0]->len &&
                            strcmp(m->element[0]->str, "?")
                        ? m->element[0]->str
                        : host;
                hlen = strlen(h);
                n = node_get(rr, h, hlen, (int)m->element[1]->integer);
                if (n < 0) {
                        snprintf(rr->fail, sizeof(rr->fail), "out of memory");
                        freeReplyObject(r);
                        return -1;
                }
                rr->nodes[n].master = 1;
                for (k = from; k <= to && k < RDR_REDIS_SLOTS; k++)
                        if (k >= 0 && rr->slots[k] < 0) {
                                rr->slots[k] = n;
                                covered++;
                        }
        }
        freeReplyObject(r);
        if (covered < RDR_REDIS_SLOTS) {
                snprintf(rr->fail, sizeof(rr->fail),
                         "Redis Cluster serves %zu of %d slots (CLUSTER "
                         "SLOTS of %s)",
                         covered, RDR_REDIS_SLOTS, host);
                return -1;
        }
        return 0;
}

/* Read the map again from a connected server, after a redirection: 0, or
 * -1 (the map as it was). */
static int refresh_map(rdr_redis_t *rr) {
        int i;
        for (i = 0; i < rr->nodes_cnt; i++)
                if (rr->nodes[i].c && rr->nodes[i].master &&
                    load_map(rr, rr->nodes[i].c, rr->nodes[i].host) == 0) {
                        rr->map_stale = 0;
                        return 0;
                }
        return -1;
}

/* Read the map (from the servers known, then the URL's seeds) and connect
 * every master. */
static rdr_err_t cluster_connect(rdr_redis_t *rr) {
        char what[400];
        int i, masters = 0, ok = 0;
        unsigned risk = 0;
        if (rr->map_ok) {
                if (rr->map_stale && refresh_map(rr) == -1) {
                        disconnect(rr, rr->fail);
                        return RDR_ERR_REDIS;
                }
                return RDR_OK;
        }
        if (rdr_mono_ms() < rr->next_attempt_ms)
                return RDR_ERR_REDIS;
        for (i = 0; !ok && i < rr->nodes_cnt + rr->seeds_cnt; i++) {
                rdr_node_t *n = i < rr->nodes_cnt
                                    ? &rr->nodes[i]
                                    : &rr->seeds[i - rr->nodes_cnt];
                char host[256];
                redisContext *c = open_ctx(rr, n->host, n->port, NULL);
                if (!c)
                        continue;
                snprintf(host, sizeof(host), "%s", n->host);
                ok = load_map(rr, c, host) == 0;
                redisFree(c);
        }
        if (!ok) {
                disconnect(rr, rr->fail);
                return RDR_ERR_REDIS;
        }
        for (i = 0; i < rr->nodes_cnt; i++) {
                if (!rr->nodes[i].master)
                        continue;
                masters++;
                if (node_ready(rr, i, &risk) == -1) {
                        disconnect(rr, rr->fail);
                        return RDR_ERR_REDIS;
                }
        }
        if (rr->check_settings)
                rr->settings_risk = risk;
        rr->map_ok = 1;
        rr->map_stale = 0;
        snprintf(what, sizeof(what), "Redis Cluster at %s:%d (%d masters)",
                 rr->seeds[0].host, rr->seeds[0].port, masters);
        connected(rr, what);
        return RDR_OK;
}

rdr_err_t rdr_redis_connect(rdr_redis_t *rr) {
        char what[300];
        unsigned risk = 0;
        if (rr->cluster)
                return cluster_connect(rr);
        if (rr->c)
                return RDR_OK;
        if (rdr_mono_ms() < rr->next_attempt_ms)
                return RDR_ERR_REDIS;
        rr->c = open_ctx(rr, rr->unix_path ? NULL : rr->host, rr->port, &risk);
        if (!rr->c) {
                disconnect(rr, rr->fail);
                return RDR_ERR_REDIS;
        }
        if (rr->check_settings)
                rr->settings_risk = risk;
        snprintf(what, sizeof(what), "Redis at %s:%d",
                 rr->unix_path ? rr->unix_path : rr->host, rr->port);
        connected(rr, what);
        return RDR_OK;
}

int rdr_redis_replicas_short(const rdr_redis_t *rr) {
        return rr->replicas_short;
}

int rdr_redis_is_up(const rdr_redis_t *rr) {
        return rr->up && !rr->replicas_short;
}

const char *rdr_redis_errstr(const rdr_redis_t *rr) {
        return rr->errstr;
}

/* ---- Pipeline formatting (RESP, no printf) ---- */

static int pbuf_reserve(rdr_redis_t *rr, size_t n) {
        size_t cap;
        char *nb;
        if (rr->plen + n <= rr->pcap)
                return 0;
        cap = rr->pcap ? rr->pcap : 16384;
        while (cap < rr->plen + n)
                cap *= 2;
        nb = realloc(rr->pbuf, cap);
        if (!nb)
                return -1;
        rr->pbuf = nb;
        rr->pcap = cap;
        return 0;
}

/* Append "<c><n>\r\n"; room for it was reserved. */
static void put_len(rdr_redis_t *rr, char c, size_t n) {
        char *p = rr->pbuf + rr->plen;
        *p++ = c;
        p += rdr_str_int(p, (long long)n);
        *p++ = '\r';
        *p++ = '\n';
        rr->plen = (size_t)(p - rr->pbuf);
}

static void put_bulk(rdr_redis_t *rr, const char *s, size_t n) {
        put_len(rr, '$', n);
        memcpy(rr->pbuf + rr->plen, s, n);
        rr->plen += n;
        rr->pbuf[rr->plen++] = '\r';
        rr->pbuf[rr->plen++] = '\n';
}

static rdr_rcmd_t *cmd_push(rdr_redis_t *rr) {
        if (rr->cmds_cnt == rr->cmds_size) {
                size_t nsize = rr->cmds_size ? rr->cmds_size * 2 : 64;
                rdr_rcmd_t *n = realloc(rr->cmds, nsize * sizeof(*n));
                if (!n)
                        return NULL;
                rr->cmds = n;
                rr->cmds_size = nsize;
        }
        return &rr->cmds[rr->cmds_cnt];
}

/* Format one command of head[0..nhead) then argv[0..argc) into the
 * pipeline. A failure leaves the pipeline as it was and marks it failed:
 * rdr_redis_exec() then reports out of memory. */
static void format_cmd(rdr_redis_t *rr, int script, int nhead,
                       const char *const *head, const size_t *headlen, int argc,
                       const char *const *argv, const size_t *argvlen) {
        size_t need = 32, start = rr->plen;
        rdr_rcmd_t *c;
        int i;
        for (i = 0; i < nhead; i++)
                need += headlen[i] + 32;
        for (i = 0; i < argc; i++)
                need += (argvlen ? argvlen[i] : strlen(argv[i])) + 32;
        if (!(c = cmd_push(rr)) || pbuf_reserve(rr, need)) {
                rr->pfail = 1;
                return;
        }
        c->sha_off = 0;
        put_len(rr, '*', (size_t)(nhead + argc));
        for (i = 0; i < nhead; i++) {
                if (script >= 0 && i == 1)
                        c->sha_off = rr->plen + 5; /* after "$40\r\n" */
                put_bulk(rr, head[i], headlen[i]);
        }
        for (i = 0; i < argc; i++)
                put_bulk(rr, argv[i], argvlen ? argvlen[i] : strlen(argv[i]));
        c->off = start;
        c->len = rr->plen - start;
        c->script = script;
        c->slot =
            rr->cluster ? rdr_redis_cmd_slot(rr->pbuf + start, c->len) : -1;
        rr->cmds_cnt++;
}

void rdr_redis_cmd(rdr_redis_t *rr, int argc, const char **argv,
                   const size_t *argvlen) {
        format_cmd(rr, -1, 0, NULL, NULL, argc, argv, argvlen);
}

void rdr_redis_cmdl(rdr_redis_t *rr, const char *arg0, ...) {
        const char *argv[RDR_REDIS_CMDL_MAX];
        int argc = 0;
        const char *a;
        va_list ap;
        va_start(ap, arg0);
        for (a = arg0; a && argc < RDR_REDIS_CMDL_MAX;
             a = va_arg(ap, const char *))
                argv[argc++] = a;
        va_end(ap);
        format_cmd(rr, -1, 0, NULL, NULL, argc, argv, NULL);
}

void rdr_redis_expire(rdr_redis_t *rr, const char *key, long long ms) {
        char v[RDR_STR_INT_SIZE];
        if (ms <= 0)
                return;
        rdr_str_int(v, ms);
        rdr_redis_cmdl(rr, "PEXPIRE", key, v, NULL);
}

void rdr_redis_cmdf(rdr_redis_t *rr, const char *fmt, ...) {
        char *buf = NULL;
        int len;
        va_list ap;
        rdr_rcmd_t *c;
        va_start(ap, fmt);
        len = redisvFormatCommand(&buf, fmt, ap);
        va_end(ap);
        if (len < 0 || !(c = cmd_push(rr)) || pbuf_reserve(rr, (size_t)len)) {
                free(buf);
                rr->pfail = 1;
                return;
        }
        memcpy(rr->pbuf + rr->plen, buf, (size_t)len);
        free(buf);
        c->off = rr->plen;
        c->len = (size_t)len;
        c->sha_off = 0;
        c->script = -1;
        c->slot =
            rr->cluster ? rdr_redis_cmd_slot(rr->pbuf + c->off, c->len) : -1;
        rr->plen += (size_t)len;
        rr->cmds_cnt++;
}

/* EVALSHA <sha> <nkeys> argv... The SHA is known once the scripts were
 * loaded (it is the script's SHA1, the same on every server); until then
 * a placeholder, patched before sending. */
void rdr_redis_eval(rdr_redis_t *rr, int script, int nkeys, int argc,
                    const char **argv, const size_t *argvlen) {
        char nk[RDR_STR_INT_SIZE];
        const char *head[3];
        size_t headlen[3];
        size_t n;
        if (script < 0 || script >= rr->scripts_cnt)
                return;
        n = rdr_str_int(nk, nkeys);
        head[0] = "EVALSHA";
        headlen[0] = 7;
        head[1] = rr->scripts[script].sha[0]
                      ? rr->scripts[script].sha
                      : "0000000000000000000000000000000000000000";
        headlen[1] = 40;
        head[2] = nk;
        headlen[2] = (size_t)n;
        format_cmd(rr, script, 3, head, headlen, argc, argv, argvlen);
}

size_t rdr_redis_queued(const rdr_redis_t *rr) {
        return rr->cmds_cnt;
}

size_t rdr_redis_unsent(const rdr_redis_t *rr) {
        return rr->plen - rr->psent;
}

/* Buffers one writev() takes (POSIX's minimum for IOV_MAX is 16; Linux
 * takes 1024). */
#define RDR_IOV_MAX 1024

/* Write iov[0, cnt) to fd whole (the socket is blocking). */
static int write_iov(int fd, struct iovec *iov, int cnt) {
        while (cnt > 0) {
                ssize_t n =
                    writev(fd, iov, cnt < RDR_IOV_MAX ? cnt : RDR_IOV_MAX);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                while (cnt > 0 && (size_t)n >= iov->iov_len) {
                        n -= (ssize_t)iov->iov_len;
                        iov++;
                        cnt--;
                }
                if (cnt > 0) {
                        iov->iov_base = (char *)iov->iov_base + n;
                        iov->iov_len -= (size_t)n;
                }
        }
        return 0;
}

/* Write pbuf[psent, plen) to the connection (the context's own output
 * buffer stays empty: replies are read through hiredis). */
static int send_pending(rdr_redis_t *rr) {
        size_t i;
        for (i = 0; i < rr->cmds_cnt; i++) {
                rdr_rcmd_t *c = &rr->cmds[i];
                if (c->script >= 0 && c->off + c->len > rr->psent)
                        memcpy(rr->pbuf + c->sha_off,
                               rr->scripts[c->script].sha, 40);
        }
        while (rr->psent < rr->plen) {
                ssize_t n = write(rr->c->fd, rr->pbuf + rr->psent,
                                  rr->plen - rr->psent);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        snprintf(rr->c->errstr, sizeof(rr->c->errstr), "%s",
                                 n < 0 ? strerror(errno) : "write failed");
                        return -1;
                }
                rr->psent += (size_t)n;
        }
        return 0;
}

void rdr_redis_send(rdr_redis_t *rr) {
        /* On Redis Cluster the pipeline goes out split by master, at the
         * exec. */
        if (rr->pfail || rr->plen == rr->psent || !rr->c || rr->cluster)
                return;
        if (send_pending(rr)) {
                disconnect(rr, rr->c->errstr[0] ? rr->c->errstr : "I/O error");
                rr->next_attempt_ms = 0; /* exec reconnects and resends */
        }
}

static int is_noscript(const redisReply *r) {
        return r && r->type == REDIS_REPLY_ERROR &&
               !strncmp(r->str, "NOSCRIPT", 8);
}

/* host:port (or the socket's path) of one Redis, for messages. */
static const char *server_at(const rdr_redis_t *rr, char *buf, size_t size) {
        if (rr->host)
                snprintf(buf, size, "%.100s:%d", rr->host, rr->port);
        else
                snprintf(buf, size, "%.100s", rr->unix_path);
        return buf;
}

/* The reply of the WAIT that ends a pipeline on c: 0, or -1 with rr->fail
 * set. */
static int read_wait(rdr_redis_t *rr, redisContext *c, const char *at) {
        void *reply = NULL;
        if (redisGetReply(c, &reply) != REDIS_OK) {
                failed(rr, c, "I/O error");
                return -1;
        }
        return wait_ok(rr, reply, at);
}

/* One attempt: send what is not sent yet, read every reply. -1 on
 * transport error, or when too few replicas acknowledged it. */
static int exec_once(rdr_redis_t *rr) {
        struct iovec wait = {rr->wait_cmd, rr->wait_len};
        char at[128];
        size_t i;
        /* With rdr_redis_wait_replicas the pipeline ends with WAIT, written
         * after it (it is not queued: a resend sends it again). */
        if (send_pending(rr) ||
            (rr->wait_replicas && write_iov(rr->c->fd, &wait, 1))) {
                failed(rr, rr->c, "I/O error");
                return -1;
        }
        rr->roundtrips++;
        rr->commands += rr->cmds_cnt;
        for (i = 0; i < rr->cmds_cnt; i++) {
                void *reply = NULL;
                if (redisGetReply(rr->c, &reply) != REDIS_OK) {
                        failed(rr, rr->c, "I/O error");
                        return -1;
                }
                rr->replies[rr->replies_cnt++] = reply;
        }
        if (rr->wait_replicas &&
            read_wait(rr, rr->c, server_at(rr, at, sizeof(at))))
                return -1;
        return 0;
}

/* Resend the commands answered NOSCRIPT, one by one, after a reload. */
static int retry_noscript(rdr_redis_t *rr) {
        size_t i;
        int reloaded = 0;
        for (i = 0; i < rr->replies_cnt; i++) {
                void *reply = NULL;
                if (!is_noscript(rr->replies[i]))
                        continue;
                if (!reloaded) {
                        rdr_log(RDR_LOG_WARN, "redis.noscript",
                                "scripts missing on the server (flushed or "
                                "failed over): reloading");
                        if (load_scripts(rr, rr->c) == -1)
                                return -1;
                        reloaded = 1;
                }
                memcpy(rr->pbuf + rr->cmds[i].sha_off,
                       rr->scripts[rr->cmds[i].script].sha, 40);
                if (redisAppendFormattedCommand(rr->c,
                                                rr->pbuf + rr->cmds[i].off,
                                                rr->cmds[i].len) != REDIS_OK ||
                    redisGetReply(rr->c, &reply) != REDIS_OK) {
                        failed(rr, rr->c, "I/O error");
                        return -1;
                }
                rr->roundtrips++;
                rr->commands++;
                freeReplyObject(rr->replies[i]);
                rr->replies[i] = reply;
        }
        if (reloaded && rr->wait_replicas) {
                /* What was sent again after the pipeline's WAIT. */
                char at[128];
                if (redisAppendFormattedCommand(rr->c, rr->wait_cmd,
                                                rr->wait_len) != REDIS_OK)
                        return -1;
                return read_wait(rr, rr->c, server_at(rr, at, sizeof(at)));
        }
        return 0;
}

/* ---- Redis Cluster: pipelines split by master ---- */

/* Where a MOVED or ASK reply sends its command: the server's index (added
 * if new), or -1 if r is no such reply. *ask tells which. The address may
 * lack its host ("MOVED 3999 :6381"): the replying server's, from. */
static int redirection(rdr_redis_t *rr, const redisReply *r, int from,
                       int *ask) {
        const char *p, *addr, *colon;
        int port, slot, n;
        if (!r || r->type != REDIS_REPLY_ERROR)
                return -1;
        if (!strncmp(r->str, "MOVED ", 6))
                *ask = 0;
        else if (!strncmp(r->str, "ASK ", 4))
                *ask = 1;
        else
                return -1;
        rr->redirected[*ask ? RDR_REDIS_ASK : RDR_REDIS_MOVED]++;
        p = r->str + (*ask ? 4 : 6);
        slot = atoi(p);
        if (!(addr = strchr(p, ' ')) || !(colon = strrchr(++addr, ':')) ||
            parse_int(colon + 1, strlen(colon + 1), 1, 65535, &port))
                return -1;
        n = colon > addr ? node_get(rr, addr, (size_t)(colon - addr), port)
                         : node_get(rr, rr->nodes[from].host,
                                    strlen(rr->nodes[from].host), port);
        if (n >= 0 && !*ask && slot >= 0 && slot < RDR_REDIS_SLOTS) {
                /* The slot lives there now; the rest of the map is read
                 * again before the next pipeline. */
                rr->slots[slot] = n;
                rr->map_stale = 1;
        }
        return n;
}

/* Stage command c for its master (connected if need be): 0, or -1 with
 * rr->fail set. cluster_flush() writes what is staged. */
static int cluster_append(rdr_redis_t *rr, rdr_rcmd_t *c) {
        if (node_ready(rr, c->node, NULL) == -1)
                return -1;
        if (c->script >= 0)
                memcpy(rr->pbuf + c->sha_off, rr->scripts[c->script].sha, 40);
        c->staged = 1;
        return 0;
}

/* Write what is staged to every master, each master's commands straight
 * from the pipeline buffer in the order queued (ASKING before those an ASK
 * sent), so that the masters work at once. */
static int cluster_flush(rdr_redis_t *rr) {
        static const char asking[] = "*1\r\n$6\r\nASKING\r\n";
        size_t need = 2 * rr->cmds_cnt + 1, k;
        int i;
        if (need > rr->iov_size) {
                struct iovec *v = realloc(rr->iov, need * sizeof(*v));
                if (!v) {
                        snprintf(rr->fail, sizeof(rr->fail), "out of memory");
                        return -1;
                }
                rr->iov = v;
                rr->iov_size = need;
        }
        for (i = 0; i < rr->nodes_cnt; i++) {
                rdr_node_t *n = &rr->nodes[i];
                int cnt = 0;
                for (k = 0; k < rr->cmds_cnt; k++) {
                        const rdr_rcmd_t *c = &rr->cmds[k];
                        if (!c->staged || c->node != i)
                                continue;
                        if (c->ask) {
                                rr->iov[cnt].iov_base = (char *)asking;
                                rr->iov[cnt++].iov_len = sizeof(asking) - 1;
                        }
                        rr->iov[cnt].iov_base = rr->pbuf + c->off;
                        rr->iov[cnt++].iov_len = c->len;
                }
                if (cnt && rr->wait_replicas) {
                        rr->iov[cnt].iov_base = rr->wait_cmd;
                        rr->iov[cnt++].iov_len = rr->wait_len;
                        n->waits++;
                }
                if (cnt && write_iov(n->c->fd, rr->iov, cnt)) {
                        snprintf(rr->fail, sizeof(rr->fail),
                                 "write to %s:%d: %s", n->host, n->port,
                                 strerror(errno));
                        return -1;
                }
        }
        for (k = 0; k < rr->cmds_cnt; k++)
                rr->cmds[k].staged = 0;
        return 0;
}

/* The reply of command c (after its ASKING's): 0, or -1 with rr->fail. */
static int cluster_read(rdr_redis_t *rr, const rdr_rcmd_t *c,
                        redisReply **out) {
        redisContext *ctx = rr->nodes[c->node].c;
        void *reply = NULL;
        if (c->ask) {
                if (redisGetReply(ctx, &reply) != REDIS_OK) {
                        failed(rr, ctx, "I/O error");
                        return -1;
                }
                freeReplyObject(reply);
                reply = NULL;
        }
        if (redisGetReply(ctx, &reply) != REDIS_OK) {
                failed(rr, ctx, "I/O error");
                return -1;
        }
        *out = reply;
        return 0;
}

/* The replies of the WAITs cluster_flush() wrote, once the commands'
 * were read: 0, or -1 with rr->fail set. */
static int cluster_read_waits(rdr_redis_t *rr) {
        int i;
        for (i = 0; i < rr->nodes_cnt; i++) {
                rdr_node_t *n = &rr->nodes[i];
                char at[128];
                if (!n->waits)
                        continue;
                snprintf(at, sizeof(at), "%.100s:%d", n->host, n->port);
                for (; n->waits > 0; n->waits--)
                        if (read_wait(rr, n->c, at))
                                return -1;
        }
        return 0;
}

/* Send the commands again that a redirection, TRYAGAIN (a slot moving)
 * or NOSCRIPT (a server that lost its scripts) answered, up to 5 times. */
static int cluster_redirect(rdr_redis_t *rr) {
        int round;
        for (round = 0; round < 5; round++) {
                size_t i, again = 0;
                int wait = 0;
                for (i = 0; i < rr->cmds_cnt; i++) {
                        rdr_rcmd_t *c = &rr->cmds[i];
                        const redisReply *r = rr->replies[i];
                        int to, ask;
                        c->resend = 0;
                        if (!r || r->type != REDIS_REPLY_ERROR)
                                continue;
                        if ((to = redirection(rr, r, c->node, &ask)) >= 0) {
                                c->node = to;
                                c->ask = ask;
                        } else if (!strncmp(r->str, "TRYAGAIN", 8)) {
                                rr->redirected[RDR_REDIS_TRYAGAIN]++;
                                wait = 1;
                        } else if (is_noscript(r)) {
                                if (load_scripts(rr, rr->nodes[c->node].c))
                                        return -1;
                        } else {
                                continue;
                        }
                        c->resend = 1;
                        again++;
                }
                if (!again)
                        return 0;
                if (wait) {
                        struct timespec ts = {0, (10L << round) * 1000000L};
                        nanosleep(&ts, NULL);
                }
                for (i = 0; i < rr->cmds_cnt; i++)
                        if (rr->cmds[i].resend &&
                            cluster_append(rr, &rr->cmds[i]))
                                return -1;
                if (cluster_flush(rr))
                        return -1;
                rr->roundtrips++;
                rr->commands += again;
                for (i = 0; i < rr->cmds_cnt; i++) {
                        redisReply *reply;
                        if (!rr->cmds[i].resend)
                                continue;
                        if (cluster_read(rr, &rr->cmds[i], &reply))
                                return -1;
                        freeReplyObject(rr->replies[i]);
                        rr->replies[i] = reply;
                        rr->cmds[i].ask = 0;
                }
                if (cluster_read_waits(rr))
                        return -1;
        }
        return 0;
}

/* A command without a key goes to the master of slot 0. */
static int master_of(const rdr_redis_t *rr, int slot) {
        return rr->slots[slot >= 0 ? slot : 0];
}

/* One attempt on Redis Cluster: each command to the master of its slot,
 * every master's part written before any reply is read. */
static int cluster_exec_once(rdr_redis_t *rr) {
        size_t i;
        for (i = 0; i < rr->cmds_cnt; i++) {
                rdr_rcmd_t *c = &rr->cmds[i];
                c->node = master_of(rr, c->slot);
                c->ask = 0;
                if (cluster_append(rr, c))
                        return -1;
        }
        if (cluster_flush(rr))
                return -1;
        rr->roundtrips++;
        rr->commands += rr->cmds_cnt;
        for (i = 0; i < rr->cmds_cnt; i++)
                if (cluster_read(rr, &rr->cmds[i],
                                 &rr->replies[rr->replies_cnt++])) {
                        rr->replies_cnt--;
                        return -1;
                }
        if (cluster_read_waits(rr))
                return -1;
        return cluster_redirect(rr);
}

/* Whether r says that the server cannot serve now: a restarted Redis
 * still loading its file, a Redis Cluster with slots no master serves, a
 * master short of replicas, a script running past its limit. Such a reply
 * is no answer to the command (a case read so is not an absent case):
 * the pipeline, or the command, fails as a lost connection does, and the
 * batch is tried again after the backoff. */
static int cannot_serve(const redisReply *r) {
        static const char *const says[] = {
            "LOADING ", "CLUSTERDOWN ", "MASTERDOWN ", "TRYAGAIN ",
            "BUSY ",    "NOREPLICAS ",  "READONLY ",   NULL};
        size_t k;
        if (!r || r->type != REDIS_REPLY_ERROR || !r->str)
                return 0;
        for (k = 0; says[k]; k++)
                if (!strncmp(r->str, says[k], strlen(says[k])))
                        return 1;
        return 0;
}

/* Record in rr->fail that the server answered why, and cannot serve. */
static void note_unserved(rdr_redis_t *rr, const char *why) {
        snprintf(rr->fail, sizeof(rr->fail), "Redis cannot serve now: %.400s",
                 why);
}

/* The first reply of the pipeline that cannot_serve(), or NULL. */
static const char *unavailable(const rdr_redis_t *rr) {
        size_t i;
        for (i = 0; i < rr->replies_cnt; i++)
                if (cannot_serve(rr->replies[i]))
                        return rr->replies[i]->str;
        return NULL;
}

rdr_err_t rdr_redis_exec(rdr_redis_t *rr) {
        int attempt;
        free_replies(rr);
        if (rr->pfail)
                return RDR_ERR_NOMEM;
        if (rr->cmds_cnt == 0)
                return RDR_OK;
        if (rr->cmds_cnt > rr->replies_size) {
                redisReply **n =
                    realloc(rr->replies, rr->cmds_cnt * sizeof(*n));
                if (!n)
                        return RDR_ERR_NOMEM;
                rr->replies = n;
                rr->replies_size = rr->cmds_cnt;
        }
        for (attempt = 0; attempt < 2; attempt++) {
                uint64_t shortfalls = rr->wait_shortfalls;
                const char *busy;
                int ok;
                if (rdr_redis_connect(rr) != RDR_OK)
                        return RDR_ERR_REDIS;
                ok = rr->cluster
                         ? cluster_exec_once(rr) == 0
                         : exec_once(rr) == 0 && retry_noscript(rr) == 0;
                if (ok && (busy = unavailable(rr))) {
                        note_unserved(rr, busy);
                        ok = 0;
                }
                if (ok) {
                        free_cmds(rr);
                        return RDR_OK;
                }
                free_replies(rr);
                disconnect(rr, rr->fail);
                /* Too few replicas: sending it again at once would wait
                 * as long for the same answer. */
                if (rr->wait_shortfalls != shortfalls)
                        break;
                /* Reconnect at once for the one retry: the server may have
                 * merely closed an idle connection. */
                rr->next_attempt_ms = 0;
        }
        /* Two failures in a row, or too few replicas: leave the backoff in
         * force. */
        rr->next_attempt_ms = rdr_mono_ms() + rr->backoff_ms;
        return RDR_ERR_REDIS;
}

const redisReply *rdr_redis_reply(const rdr_redis_t *rr, size_t i) {
        return i < rr->replies_cnt ? rr->replies[i] : NULL;
}

redisReply **rdr_redis_take_replies(rdr_redis_t *rr, size_t *cnt) {
        redisReply **r = rr->replies;
        *cnt = rr->replies_cnt;
        rr->replies = NULL;
        rr->replies_cnt = rr->replies_size = 0;
        return r;
}

rdr_err_t rdr_redis_exec_take(rdr_redis_t *rr, size_t want,
                              redisReply ***replies, size_t *cnt) {
        rdr_err_t err = rdr_redis_exec(rr);
        *replies = NULL;
        *cnt = 0;
        if (err)
                return err;
        *replies = rdr_redis_take_replies(rr, cnt);
        return *cnt < want ? RDR_ERR_REDIS : RDR_OK;
}

void rdr_redis_replies_free(redisReply **replies, size_t cnt) {
        size_t i;
        for (i = 0; i < cnt; i++)
                if (replies[i])
                        freeReplyObject(replies[i]);
        free(replies);
}

size_t rdr_redis_replies(const rdr_redis_t *rr) {
        return rr->replies_cnt;
}

const char *rdr_hash_get(const redisReply *hgetall, const char *field) {
        rdr_hash_cursor_t hc = {hgetall, 0};
        return rdr_hash_reader(&hc, field);
}

long long rdr_hash_prefix_sum(const redisReply *hgetall, const char *prefix,
                              const char *own) {
        size_t i, plen = strlen(prefix);
        long long sum = 0;
        if (!hgetall || hgetall->type != REDIS_REPLY_ARRAY)
                return 0;
        for (i = 0; i + 1 < hgetall->elements; i += 2) {
                const redisReply *f = hgetall->element[i],
                                 *v = hgetall->element[i + 1];
                char *end;
                long long n;
                if (!f->str || f->len < plen || memcmp(f->str, prefix, plen) ||
                    (own && !strcmp(f->str, own)) || !v->str)
                        continue;
                n = strtoll(v->str, &end, 10);
                if (end != v->str && !*end)
                        sum += n;
        }
        return sum;
}

const char *rdr_hash_reader(void *cursor, const char *field) {
        rdr_hash_cursor_t *hc = cursor;
        const redisReply *h = hc->hgetall;
        size_t n, k;
        if (!h || h->type != REDIS_REPLY_ARRAY)
                return NULL;
        n = h->elements / 2;
        for (k = 0; k < n; k++) {
                size_t i = (hc->pos + k) % n;
                const redisReply *f = h->element[2 * i];
                if (f->str && !strcmp(f->str, field)) {
                        hc->pos = i + 1;
                        return h->element[2 * i + 1]->str;
                }
        }
        return NULL;
}

uint64_t rdr_redis_roundtrips(const rdr_redis_t *rr) {
        return rr->roundtrips;
}
uint64_t rdr_redis_commands(const rdr_redis_t *rr) {
        return rr->commands;
}
uint64_t rdr_redis_reconnects(const rdr_redis_t *rr) {
        return rr->reconnects > 0 ? rr->reconnects - 1 : 0;
}

/* One command on Redis Cluster (formatted, len bytes), to node (-1: the
 * master of its slot), following redirections unless node was given. */
static redisReply *cluster_command(rdr_redis_t *rr, int node, const char *buf,
                                   size_t len) {
        rdr_rcmd_t c;
        redisReply *r = NULL;
        int tries;
        memset(&c, 0, sizeof(c));
        c.script = -1;
        c.len = len;
        c.node = node >= 0 ? node : master_of(rr, rdr_redis_cmd_slot(buf, len));
        for (tries = 0; tries < 5; tries++) {
                int to, ask;
                rdr_node_t *n;
                if (node_ready(rr, c.node, NULL) == -1)
                        goto err;
                n = &rr->nodes[c.node];
                if ((c.ask && redisAppendCommand(n->c, "ASKING") != REDIS_OK) ||
                    redisAppendFormattedCommand(n->c, buf, len) != REDIS_OK) {
                        failed(rr, n->c, "out of memory");
                        goto err;
                }
                rr->roundtrips++;
                rr->commands++;
                if (cluster_read(rr, &c, &r))
                        goto err;
                if (node >= 0 || (to = redirection(rr, r, c.node, &ask)) < 0)
                        return r;
                freeReplyObject(r);
                r = NULL;
                c.node = to;
                c.ask = ask;
        }
        return r;
err:
        disconnect(rr, rr->fail);
        return NULL;
}

/* A reply that cannot_serve() drops the connection as if lost: NULL. */
static redisReply *served(rdr_redis_t *rr, redisReply *r) {
        if (!cannot_serve(r))
                return r;
        note_unserved(rr, r->str);
        freeReplyObject(r);
        disconnect(rr, rr->fail);
        return NULL;
}

static redisReply *command_v(rdr_redis_t *rr, int node, const char *fmt,
                             va_list ap) {
        redisReply *r;
        char *buf = NULL;
        int len;
        if (rdr_redis_connect(rr) != RDR_OK)
                return NULL;
        if (!rr->cluster) {
                r = redisvCommand(rr->c, fmt, ap);
                rr->roundtrips++;
                rr->commands++;
                if (!r)
                        disconnect(rr, rr->c->errstr[0] ? rr->c->errstr
                                                        : "I/O error");
                return served(rr, r);
        }
        if ((len = redisvFormatCommand(&buf, fmt, ap)) < 0)
                return NULL;
        r = cluster_command(rr, node, buf, (size_t)len);
        free(buf);
        return served(rr, r);
}

redisReply *rdr_redis_command(rdr_redis_t *rr, const char *fmt, ...) {
        va_list ap;
        redisReply *r;
        va_start(ap, fmt);
        r = command_v(rr, -1, fmt, ap);
        va_end(ap);
        return r;
}

int rdr_redis_is_cluster(const rdr_redis_t *rr) {
        return rr->cluster;
}

/* The index among the known servers of master i (in the order the map
 * names them), or -1. */
static int nth_master(const rdr_redis_t *rr, size_t i) {
        int k;
        for (k = 0; k < rr->nodes_cnt; k++)
                if (rr->nodes[k].master && i-- == 0)
                        return k;
        return -1;
}

uint64_t rdr_redis_redirections(const rdr_redis_t *rr,
                                rdr_redis_redirect_t kind) {
        return rr->redirected[kind];
}

size_t rdr_redis_masters(const rdr_redis_t *rr) {
        size_t n = 0;
        int k;
        if (!rr->cluster)
                return rr->up ? 1 : 0;
        if (!rr->map_ok)
                return 0;
        for (k = 0; k < rr->nodes_cnt; k++)
                n += rr->nodes[k].master != 0;
        return n;
}

size_t rdr_redis_nodes(rdr_redis_t *rr) {
        if (!rr->cluster)
                return 1;
        return rdr_redis_connect(rr) == RDR_OK ? rdr_redis_masters(rr) : 0;
}

redisReply *rdr_redis_node_command(rdr_redis_t *rr, size_t node,
                                   const char *fmt, ...) {
        va_list ap;
        redisReply *r;
        int k = 0;
        if (rr->cluster) {
                if (rdr_redis_connect(rr) != RDR_OK ||
                    (k = nth_master(rr, node)) < 0)
                        return NULL;
        }
        va_start(ap, fmt);
        r = command_v(rr, k, fmt, ap);
        va_end(ap);
        return r;
}

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
} rdr_rcmd_t;

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
        char errstr[256];

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
        redisReply **replies;
        size_t replies_cnt;

        uint64_t roundtrips, commands, reconnects;

        /* rdr_redis_check_settings: look at the server's eviction policy
         * and persistence on every connect; RDR_REDIS_RISK_* found by the
         * last look. */
        int check_settings;
        unsigned settings_risk;
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
        char buf[16], *end;
        long v;
        if (n == 0 || n >= sizeof(buf))
                return -1;
        memcpy(buf, s, n);
        buf[n] = '\0';
        v = strtol(buf, &end, 10);
        if (*end || v < min || v > max)
                return -1;
        *out = (int)v;
        return 0;
}

static int parse_url(rdr_redis_t *rr, const char *url) {
        const char *p, *at, *hostp, *slash, *colon;
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
        if (strncmp(url, "redis://", 8))
                return -1;
        p = url + 8;
        at = strrchr(p, '@');
        hostp = p;
        if (at) {
                const char *c = memchr(p, ':', (size_t)(at - p));
                if (c) {
                        if (c > p)
                                rr->user = dup_range(p, (size_t)(c - p));
                        rr->password = dup_range(c + 1, (size_t)(at - c - 1));
                } else {
                        rr->password = dup_range(p, (size_t)(at - p));
                }
                hostp = at + 1;
        }
        slash = strchr(hostp, '/');
        if (!slash)
                slash = hostp + strlen(hostp);
        colon = memchr(hostp, ':', (size_t)(slash - hostp));
        rr->port = 6379;
        if (colon) {
                if (parse_int(colon + 1, (size_t)(slash - colon - 1), 1, 65535,
                              &rr->port))
                        return -1;
        } else {
                colon = slash;
        }
        rr->host = dup_range(hostp, (size_t)(colon - hostp));
        if (!rr->host || !rr->host[0])
                return -1;
        if (*slash && slash[1] &&
            parse_int(slash + 1, strlen(slash + 1), 0, 1 << 16, &rr->db))
                return -1;
        return 0;
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
                snprintf(errstr, errstr_size,
                         "invalid Redis URL '%s': expected "
                         "redis://[:password@]host[:port][/db] or "
                         "unix:///path",
                         url);
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

/* Drop the connection and schedule the next attempt. why may point into
 * the context being freed (its errstr): it is copied first. */
static void disconnect(rdr_redis_t *rr, const char *why) {
        char reason[sizeof(rr->errstr)];
        int jitter;
        snprintf(reason, sizeof(reason), "%s", why);
        if (rr->c) {
                redisFree(rr->c);
                rr->c = NULL;
        }
        rr->psent = 0; /* a new connection is sent everything again */
        if (rr->up)
                rdr_log(RDR_LOG_WARN, "redis.down", "Redis connection lost: %s",
                        reason);
        memcpy(rr->errstr, reason, sizeof(reason));
        rr->up = 0;
        rr->backoff_ms = rr->backoff_ms ? rr->backoff_ms * 2 : 100;
        if (rr->backoff_ms > rr->backoff_max_ms)
                rr->backoff_ms = rr->backoff_max_ms;
        jitter = rand() % (rr->backoff_ms / 4 + 1);
        rr->next_attempt_ms = rdr_mono_ms() + rr->backoff_ms + jitter;
}

static int load_scripts(rdr_redis_t *rr) {
        int i;
        for (i = 0; i < rr->scripts_cnt; i++) {
                redisReply *r =
                    redisCommand(rr->c, "SCRIPT LOAD %s", rr->scripts[i].lua);
                if (!r) {
                        disconnect(rr, rr->c && rr->c->errstr[0]
                                           ? rr->c->errstr
                                           : "SCRIPT LOAD failed");
                        return -1;
                }
                if (r->type != REDIS_REPLY_STRING || r->len != 40) {
                        char why[200];
                        snprintf(why, sizeof(why), "SCRIPT LOAD %s: %s",
                                 rr->scripts[i].name,
                                 r->type == REDIS_REPLY_ERROR ? r->str
                                                              : "bad reply");
                        freeReplyObject(r);
                        disconnect(rr, why);
                        return -1;
                }
                memcpy(rr->scripts[i].sha, r->str, 40);
                rr->scripts[i].sha[40] = '\0';
                freeReplyObject(r);
        }
        return 0;
}

static int simple_cmd(rdr_redis_t *rr, const char *what, redisReply *r) {
        char why[200];
        if (r && r->type != REDIS_REPLY_ERROR) {
                freeReplyObject(r);
                return 0;
        }
        snprintf(why, sizeof(why), "%s failed: %s", what,
                 r ? r->str : rr->c->errstr);
        if (r)
                freeReplyObject(r);
        disconnect(rr, why);
        return -1;
}

void rdr_redis_check_settings(rdr_redis_t *rr, int on) {
        rr->check_settings = on;
}

unsigned rdr_redis_settings_at_risk(const rdr_redis_t *rr) {
        return rr->settings_risk;
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
 * judged. Returns -1 (disconnected) if the connection failed meanwhile. */
static int check_settings(rdr_redis_t *rr) {
        redisReply *mem = redisCommand(rr->c, "INFO memory");
        redisReply *per = mem ? redisCommand(rr->c, "INFO persistence") : NULL;
        char policy[64], aof[8];
        unsigned found = 0, fresh;
        if (!mem || !per) {
                char why[256];
                snprintf(why, sizeof(why), "INFO failed: %s", rr->c->errstr);
                if (mem)
                        freeReplyObject(mem);
                disconnect(rr, why);
                return -1;
        }
        info_field(mem, "maxmemory_policy", policy, sizeof(policy));
        info_field(per, "aof_enabled", aof, sizeof(aof));
        if (policy[0] && strcmp(policy, "noeviction"))
                found |= RDR_REDIS_RISK_EVICTION;
        if (!strcmp(aof, "0"))
                found |= RDR_REDIS_RISK_NO_AOF;
        fresh = found & ~rr->settings_risk;
        if (fresh & RDR_REDIS_RISK_EVICTION)
                rdr_log(RDR_LOG_WARN, "redis.settings",
                        "Redis at %s:%d has maxmemory-policy %s: when full it "
                        "evicts cases, timers and dedupe keys (lost work, "
                        "actions sent twice); set maxmemory-policy noeviction",
                        rr->unix_path ? rr->unix_path : rr->host, rr->port,
                        policy);
        if (fresh & RDR_REDIS_RISK_NO_AOF)
                rdr_log(RDR_LOG_WARN, "redis.settings",
                        "Redis at %s:%d keeps no append-only file: a restart "
                        "loses the cases, timers and dedupe keys written since "
                        "its last snapshot (events read again are decided "
                        "anew); set appendonly yes",
                        rr->unix_path ? rr->unix_path : rr->host, rr->port);
        rr->settings_risk = found;
        freeReplyObject(mem);
        freeReplyObject(per);
        return 0;
}

rdr_err_t rdr_redis_connect(rdr_redis_t *rr) {
        struct timeval ctv, tv;
        if (rr->c)
                return RDR_OK;
        if (rdr_mono_ms() < rr->next_attempt_ms)
                return RDR_ERR_REDIS;
        ctv.tv_sec = rr->connect_timeout_ms / 1000;
        ctv.tv_usec = (rr->connect_timeout_ms % 1000) * 1000;
        if (rr->unix_path)
                rr->c = redisConnectUnixWithTimeout(rr->unix_path, ctv);
        else
                rr->c = redisConnectWithTimeout(rr->host, rr->port, ctv);
        if (!rr->c || rr->c->err) {
                char why[256];
                snprintf(why, sizeof(why), "connect to %s:%d: %s",
                         rr->unix_path ? rr->unix_path : rr->host, rr->port,
                         rr->c ? rr->c->errstr : "out of memory");
                disconnect(rr, why);
                return RDR_ERR_REDIS;
        }
        tv.tv_sec = rr->command_timeout_ms / 1000;
        tv.tv_usec = (rr->command_timeout_ms % 1000) * 1000;
        redisSetTimeout(rr->c, tv);
        if (rr->password &&
            simple_cmd(rr, "AUTH",
                       rr->user ? redisCommand(rr->c, "AUTH %s %s", rr->user,
                                               rr->password)
                                : redisCommand(rr->c, "AUTH %s", rr->password)))
                return RDR_ERR_REDIS;
        if (rr->db &&
            simple_cmd(rr, "SELECT", redisCommand(rr->c, "SELECT %d", rr->db)))
                return RDR_ERR_REDIS;
        if (load_scripts(rr) == -1)
                return RDR_ERR_REDIS;
        if (rr->check_settings && check_settings(rr) == -1)
                return RDR_ERR_REDIS;
        if (rr->reconnects || !rr->up)
                rdr_log(RDR_LOG_INFO, "redis.up", "connected to Redis at %s:%d",
                        rr->unix_path ? rr->unix_path : rr->host, rr->port);
        rr->reconnects++;
        rr->up = 1;
        rr->backoff_ms = 0;
        return RDR_OK;
}

int rdr_redis_is_up(const rdr_redis_t *rr) {
        return rr->up;
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
        if (rr->pfail || rr->plen == rr->psent || !rr->c)
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

/* One attempt: send what is not sent yet, read every reply. -1 on
 * transport error. */
static int exec_once(rdr_redis_t *rr) {
        size_t i;
        if (send_pending(rr))
                return -1;
        rr->roundtrips++;
        rr->commands += rr->cmds_cnt;
        for (i = 0; i < rr->cmds_cnt; i++) {
                void *reply = NULL;
                if (redisGetReply(rr->c, &reply) != REDIS_OK)
                        return -1;
                rr->replies[rr->replies_cnt++] = reply;
        }
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
                        if (load_scripts(rr) == -1)
                                return -1;
                        reloaded = 1;
                }
                memcpy(rr->pbuf + rr->cmds[i].sha_off,
                       rr->scripts[rr->cmds[i].script].sha, 40);
                if (redisAppendFormattedCommand(rr->c,
                                                rr->pbuf + rr->cmds[i].off,
                                                rr->cmds[i].len) != REDIS_OK ||
                    redisGetReply(rr->c, &reply) != REDIS_OK)
                        return -1;
                rr->roundtrips++;
                rr->commands++;
                freeReplyObject(rr->replies[i]);
                rr->replies[i] = reply;
        }
        return 0;
}

rdr_err_t rdr_redis_exec(rdr_redis_t *rr) {
        int attempt;
        free_replies(rr);
        if (rr->pfail)
                return RDR_ERR_NOMEM;
        if (rr->cmds_cnt == 0)
                return RDR_OK;
        {
                redisReply **n =
                    realloc(rr->replies, rr->cmds_cnt * sizeof(*n));
                if (!n)
                        return RDR_ERR_NOMEM;
                rr->replies = n;
        }
        for (attempt = 0; attempt < 2; attempt++) {
                if (rdr_redis_connect(rr) != RDR_OK)
                        return RDR_ERR_REDIS;
                if (exec_once(rr) == 0 && retry_noscript(rr) == 0) {
                        free_cmds(rr);
                        return RDR_OK;
                }
                free_replies(rr);
                disconnect(rr, rr->c && rr->c->errstr[0] ? rr->c->errstr
                                                         : "I/O error");
                /* Reconnect at once for the one retry: the server may have
                 * merely closed an idle connection. */
                rr->next_attempt_ms = 0;
        }
        /* Two failures in a row: leave the backoff in force. */
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
        rr->replies_cnt = 0;
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
        size_t i;
        if (!hgetall || hgetall->type != REDIS_REPLY_ARRAY)
                return NULL;
        for (i = 0; i + 1 < hgetall->elements; i += 2)
                if (hgetall->element[i]->str &&
                    !strcmp(hgetall->element[i]->str, field))
                        return hgetall->element[i + 1]->str;
        return NULL;
}

const char *rdr_hash_reader(void *hgetall, const char *field) {
        return rdr_hash_get(hgetall, field);
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

redisReply *rdr_redis_command(rdr_redis_t *rr, const char *fmt, ...) {
        va_list ap;
        redisReply *r;
        if (rdr_redis_connect(rr) != RDR_OK)
                return NULL;
        va_start(ap, fmt);
        r = redisvCommand(rr->c, fmt, ap);
        va_end(ap);
        rr->roundtrips++;
        rr->commands++;
        if (!r)
                disconnect(rr, rr->c->errstr[0] ? rr->c->errstr : "I/O error");
        return r;
}

/* hiredis wrapper: lazy connect with backoff, script registry, pipelines
 * kept as formatted commands so that they can be resent after a reconnect. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "redis.h"

typedef struct rdr_script_s {
        char *name;
        char *lua;
        char sha[41];
} rdr_script_t;

typedef struct rdr_rcmd_s {
        char *buf; /* formatted RESP command */
        int len;
        int script; /* -1, or the script id of an EVALSHA */
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

        rdr_rcmd_t *cmds;
        size_t cmds_cnt, cmds_size;
        redisReply **replies;
        size_t replies_cnt;

        uint64_t roundtrips, commands, reconnects;
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
        size_t i;
        for (i = 0; i < rr->cmds_cnt; i++)
                free(rr->cmds[i].buf);
        rr->cmds_cnt = 0;
}

void rdr_redis_reset(rdr_redis_t *rr) {
        free_replies(rr);
        free_cmds(rr);
}

void rdr_redis_destroy(rdr_redis_t *rr) {
        int i;
        if (!rr)
                return;
        rdr_redis_reset(rr);
        free(rr->cmds);
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

static void queue(rdr_redis_t *rr, char *buf, int len, int script) {
        if (len < 0 || !buf)
                return; /* out of memory: the exec will see fewer replies */
        if (rr->cmds_cnt == rr->cmds_size) {
                size_t nsize = rr->cmds_size ? rr->cmds_size * 2 : 64;
                rdr_rcmd_t *n = realloc(rr->cmds, nsize * sizeof(*n));
                if (!n) {
                        free(buf);
                        return;
                }
                rr->cmds = n;
                rr->cmds_size = nsize;
        }
        rr->cmds[rr->cmds_cnt].buf = buf;
        rr->cmds[rr->cmds_cnt].len = len;
        rr->cmds[rr->cmds_cnt].script = script;
        rr->cmds_cnt++;
}

void rdr_redis_cmd(rdr_redis_t *rr, int argc, const char **argv,
                   const size_t *argvlen) {
        char *buf = NULL;
        int len = redisFormatCommandArgv(&buf, argc, argv, argvlen);
        queue(rr, buf, len, -1);
}

void rdr_redis_cmdf(rdr_redis_t *rr, const char *fmt, ...) {
        char *buf = NULL;
        int len;
        va_list ap;
        va_start(ap, fmt);
        len = redisvFormatCommand(&buf, fmt, ap);
        va_end(ap);
        queue(rr, buf, len, -1);
}

/* Format EVALSHA <sha> <nkeys> argv... */
static int format_eval(rdr_redis_t *rr, int script, int nkeys, int argc,
                       const char **argv, const size_t *argvlen, char **out) {
        const char *sv[3 + 64];
        size_t lv[3 + 64];
        const char **av = sv;
        size_t *al = lv;
        char nk[16];
        int i, len;
        if (argc + 3 > (int)(sizeof(sv) / sizeof(sv[0]))) {
                av = malloc((size_t)(argc + 3) * sizeof(*av));
                al = malloc((size_t)(argc + 3) * sizeof(*al));
                if (!av || !al) {
                        free(av);
                        free(al);
                        return -1;
                }
        }
        snprintf(nk, sizeof(nk), "%d", nkeys);
        av[0] = "EVALSHA";
        al[0] = 7;
        av[1] = rr->scripts[script].sha;
        al[1] = 40;
        av[2] = nk;
        al[2] = strlen(nk);
        for (i = 0; i < argc; i++) {
                av[3 + i] = argv[i];
                al[3 + i] = argvlen ? argvlen[i] : strlen(argv[i]);
        }
        len = redisFormatCommandArgv(out, argc + 3, av, al);
        if (av != sv) {
                free(av);
                free(al);
        }
        return len;
}

void rdr_redis_eval(rdr_redis_t *rr, int script, int nkeys, int argc,
                    const char **argv, const size_t *argvlen) {
        char *buf = NULL;
        int len;
        if (script < 0 || script >= rr->scripts_cnt)
                return;
        /* The SHA is filled in at (re)connect; format with a placeholder
         * now and patch it before sending. */
        len = format_eval(rr, script, nkeys, argc, argv, argvlen, &buf);
        queue(rr, buf, len, script);
}

size_t rdr_redis_queued(const rdr_redis_t *rr) {
        return rr->cmds_cnt;
}

/* The SHA of an EVALSHA may have been formatted before the script was
 * loaded: patch it in place (it sits at a fixed offset). */
static void patch_sha(rdr_redis_t *rr, rdr_rcmd_t *cmd) {
        /* *N\r\n$7\r\nEVALSHA\r\n$40\r\n<sha> */
        char *p = strstr(cmd->buf, "EVALSHA\r\n$40\r\n");
        if (p)
                memcpy(p + 14, rr->scripts[cmd->script].sha, 40);
}

static int is_noscript(const redisReply *r) {
        return r && r->type == REDIS_REPLY_ERROR &&
               !strncmp(r->str, "NOSCRIPT", 8);
}

/* One attempt: send everything, read every reply. -1 on transport error. */
static int exec_once(rdr_redis_t *rr) {
        size_t i;
        for (i = 0; i < rr->cmds_cnt; i++) {
                if (rr->cmds[i].script >= 0)
                        patch_sha(rr, &rr->cmds[i]);
                if (redisAppendFormattedCommand(rr->c, rr->cmds[i].buf,
                                                (size_t)rr->cmds[i].len) !=
                    REDIS_OK)
                        return -1;
        }
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
                patch_sha(rr, &rr->cmds[i]);
                if (redisAppendFormattedCommand(rr->c, rr->cmds[i].buf,
                                                (size_t)rr->cmds[i].len) !=
                        REDIS_OK ||
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

size_t rdr_redis_replies(const rdr_redis_t *rr) {
        return rr->replies_cnt;
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

/* Table-driven configuration: see conf.h. Values are kept as validated
 * strings with where they came from; typed getters parse them. */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "yaml.h"

#ifndef RDR_CONFIG_DIR
#define RDR_CONFIG_DIR "/etc/redress"
#endif

#define RDR_DAY_MS (86400LL * 1000)

const rdr_conf_prop_t rdr_conf_core_props[] = {
    {"redis.url", RDR_CONF_STR, "redis://127.0.0.1:6379", 0, 0, NULL,
     "Redis to keep shared state in: redis://[:password@]host[:port][/db], "
     "unix:///path, or Redis Cluster: "
     "redis-cluster://[:password@]host[:port][,host[:port]...] (seeds)"},
    {"redis.connect_timeout", RDR_CONF_DURATION, "2s", 10, 60000, NULL,
     "Timeout of one connection attempt"},
    {"redis.command_timeout", RDR_CONF_DURATION, "5s", 10, 600000, NULL,
     "Timeout of one pipeline round trip"},
    {"redis.backoff_max", RDR_CONF_DURATION, "10s", 100, 600000, NULL,
     "Longest wait between reconnection attempts (exponential, jittered)"},
    {"redis.wait_replicas", RDR_CONF_INT, "0", 0, 16, NULL,
     "Replicas (of each master, on Redis Cluster) that must hold a "
     "pipeline's writes before its batch counts as done: each pipeline ends "
     "with WAIT. 0 trusts the master alone, and a failover loses what its "
     "replica had not received; 1 or more costs a replication delay per "
     "round trip. Too few within redis.wait_timeout fails the batch like a "
     "lost Redis (retried after backoff, no offset committed)"},
    {"redis.wait_timeout", RDR_CONF_DURATION, "1s", 1, 600000, NULL,
     "Longest wait for the replicas of redis.wait_replicas; below "
     "redis.command_timeout"},
    {"topics.reviews", RDR_CONF_STR, "redress.reviews", 0, 0, NULL,
     "Input: buyers' reviews"},
    {"topics.chats", RDR_CONF_STR, "redress.chats", 0, 0, NULL,
     "Input: chat messages between buyers and stores"},
    {"topics.shipments", RDR_CONF_STR, "redress.shipments", 0, 0, NULL,
     "Input: parcel tracking"},
    {"topics.appeal_results", RDR_CONF_STR, "redress.appeal-results", 0, 0,
     NULL, "Input: platforms' answers to appeals"},
    {"topics.staff_decisions", RDR_CONF_STR, "redress.staff-decisions", 0, 0,
     NULL,
     "Input: what a person decided on a staff.review (offer approvals, "
     "cases handed back, appeal evidence)"},
    {"topics.cases", RDR_CONF_STR, "redress.cases", 0, 0, NULL,
     "Output: classifications and case transitions"},
    {"topics.actions", RDR_CONF_STR, "redress.actions", 0, 0, NULL,
     "Output: actions for the integrator's senders"},
    {"topics.dlq", RDR_CONF_STR, "redress.dlq", 0, 0, NULL,
     "Output: dead letters (original bytes with the reason in headers)"},
    {"consumer.group", RDR_CONF_STR, "", 0, 0, NULL,
     "Consumer group; empty: redress-<worker>"},
    {"consumer.batch_max", RDR_CONF_INT, "500", 1, 100000, NULL,
     "Most messages handled in one batch (one Redis pipeline)"},
    {"consumer.batch_wait", RDR_CONF_DURATION, "2ms", 0, 10000, NULL,
     "Longest wait for more messages once a batch's first arrived, when no "
     "batch is in flight (under load the batch in flight paces batches); "
     "what the consumer already holds is taken at once. Longer: fewer "
     "round trips at low rates, more latency"},
    {"consumer.future_max", RDR_CONF_DURATION, "1d", 0, 3650 * RDR_DAY_MS, NULL,
     "Dead-letter an event whose own time (created_at, sent_at, "
     "occurred_at) is more than this ahead of the fleet's clock (0: accept "
     "any): a parcel's scan dated ahead would make its real later scans "
     "look older, and they would be ignored"},
    {"output.format", RDR_CONF_ENUM, "json", 0, 0, "json|protobuf",
     "Encoding of published messages"},
    {"dedupe.ttl", RDR_CONF_DURATION, "7d", 60000, 365 * RDR_DAY_MS, NULL,
     "How long an event_id is remembered: a replay of its event is "
     "suppressed, other content under it dead-lettered"},
    {"retention.closed_cases", RDR_CONF_DURATION, "180d", 0, 3650 * RDR_DAY_MS,
     NULL,
     "How long Redis keeps a case once it is resolved or closed (0: for "
     "ever). An event of a case no longer kept is handled as if the case "
     "never was: a review opens a new one"},
    {"retention.orders", RDR_CONF_DURATION, "180d", 0, 3650 * RDR_DAY_MS, NULL,
     "How long Redis keeps an order's record (its case, the buyer's chat "
     "intents and extortion evidence, the parcel) after the order's last "
     "event (0: for ever)"},
    {"retention.buyers", RDR_CONF_DURATION, "365d", 0, 3650 * RDR_DAY_MS, NULL,
     "How long Redis keeps a buyer's record (their latest case, chats "
     "without an order) and fleet-wide tags (extortion, professional) "
     "after the last write to it (0: for ever)"},
    {"storage.format", RDR_CONF_ENUM, "packed", 0, 0, "packed|fields",
     "How cases and outbox entries are written in Redis: packed (a case as "
     "one document, an event's outbox entries as one field: the cheapest "
     "for Redis) or fields (a hash field each, what builds before packed "
     "read); every worker reads both"},
    {"storage.compression", RDR_CONF_ENUM, "none", 0, 0, "none|lz4",
     "How an event's outbox bundle is stored (storage.format packed): lz4 "
     "(compressed to ~43% of its bytes: less for Redis to take in, hand "
     "its apply script and copy into its append-only file) or none. Every "
     "worker reads both; builds before lz4 read only none, so switch it on "
     "once none of them runs"},
    {"clock.source", RDR_CONF_ENUM, "system", 0, 0, "system|test",
     "system, or test: read time from the Redis key redress:clock:now_ms"},
    {"metrics.listen", RDR_CONF_STR, "127.0.0.1:0", 0, 0, NULL,
     "host:port of /metrics, /healthz and /readyz (port 0: any free port)"},
    {"log.level", RDR_CONF_ENUM, "info", 0, 0, "debug|info|warn|error",
     "Lowest level logged"},
    {"shutdown.timeout", RDR_CONF_DURATION, "10s", 1000, 120000, NULL,
     "Longest stop, from SIGTERM to exit (then exit 1)"},
    {"paths.configs", RDR_CONF_STR, "", 0, 0, NULL,
     "Directory of lexicons, platforms, templates; empty: beside this file"},
    {"timers.shards", RDR_CONF_INT, "16", 1, 4096, NULL,
     "Timer shards (hash-tagged key sets); the same in every worker, "
     "raised only. The timers worker claims from the most any worker "
     "used (Redis' redress:timers:shards)"},
    {"timers.lease", RDR_CONF_DURATION, "30s", 1000, 3600000, NULL,
     "How long a claimed timer is held before another worker may re-fire "
     "it"},
    {"timers.claim_max", RDR_CONF_INT, "1000", 1, 100000, NULL,
     "Most timers a round claims, over all shards (claim_max / shards "
     "from each, at least one): bounds the timers worker's memory"},
    {"timers.idle_max", RDR_CONF_DURATION, "1s", 10, 60000, NULL,
     "Longest sleep of the timer worker when nothing is due"},
    {"worker.instance", RDR_CONF_STR, "", 0, 0, NULL,
     "Instance id in logs and metrics; empty: host-pid"},
    {NULL, 0, NULL, 0, 0, NULL, NULL}};

typedef struct rdr_confval_s {
        const rdr_conf_prop_t *prop; /* NULL for kafka.* passthrough */
        char *name;
        char *value;
        char *origin; /* "file:line" or "env NAME" or "default" */
} rdr_confval_t;

struct rdr_conf_s {
        rdr_confval_t *vals;
        size_t cnt, size;
        const rdr_conf_prop_t *extra;
        char *path;
        char *dir;
};

static const rdr_conf_prop_t *find_prop(const rdr_conf_t *conf,
                                        const char *name) {
        const rdr_conf_prop_t *p;
        for (p = rdr_conf_core_props; p->name; p++)
                if (!strcmp(p->name, name))
                        return p;
        for (p = conf->extra; p && p->name; p++)
                if (!strcmp(p->name, name))
                        return p;
        return NULL;
}

static rdr_confval_t *find_val(const rdr_conf_t *conf, const char *name) {
        size_t i;
        for (i = 0; i < conf->cnt; i++)
                if (!strcmp(conf->vals[i].name, name))
                        return &conf->vals[i];
        return NULL;
}

/* The string keys with a shape: a topic's name (Kafka's: 1..249 of
 * [a-zA-Z0-9._-]) and metrics.listen (host:port). */
static int validate_str(const char *name, const char *value, char *why,
                        size_t why_size) {
        size_t n = strlen(value);
        if (!strncmp(name, "topics.", 7)) {
                if (!n || n > 249 ||
                    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                                  "QRSTUVWXYZ0123456789._-") != n) {
                        snprintf(why, why_size,
                                 "'%.64s' is not a Kafka topic name (1..249 of "
                                 "a-z, A-Z, 0-9, '.', '_', '-')",
                                 value);
                        return -1;
                }
        } else if (!strcmp(name, "metrics.listen")) {
                const char *colon = strrchr(value, ':');
                char *end;
                long port;
                errno = 0;
                port = colon ? strtol(colon + 1, &end, 10) : -1;
                if (!colon || colon == value || !colon[1] || *end || errno ||
                    port < 0 || port > 65535) {
                        snprintf(why, why_size,
                                 "expected host:port (port 0..65535, 0: any "
                                 "free one), got '%.64s'",
                                 value);
                        return -1;
                }
        }
        return 0;
}

/* Check value against prop; writes the reason (no location) to why. */
static int validate(const rdr_conf_prop_t *p, const char *value, char *why,
                    size_t why_size) {
        long long v;
        char *end;
        switch (p->type) {
        case RDR_CONF_STR:
                return validate_str(p->name, value, why, why_size);
        case RDR_CONF_INT:
                errno = 0;
                v = strtoll(value, &end, 10);
                if (errno || end == value || *end) {
                        snprintf(why, why_size,
                                 "expected an integer, got '%.64s'", value);
                        return -1;
                }
                if (v < p->min || v > p->max) {
                        snprintf(why, why_size,
                                 "%lld is out of range %lld..%lld", v, p->min,
                                 p->max);
                        return -1;
                }
                return 0;
        case RDR_CONF_DURATION:
                if (rdr_duration_parse(value, &v) == -1) {
                        snprintf(why, why_size,
                                 "expected a duration like 0, 500ms, 30s, "
                                 "5m, 24h or 7d, got '%.64s'",
                                 value);
                        return -1;
                }
                if (v < p->min || v > p->max) {
                        snprintf(why, why_size,
                                 "%s is out of range %lldms..%lldms", value,
                                 p->min, p->max);
                        return -1;
                }
                return 0;
        case RDR_CONF_BOOL:
                if (strcmp(value, "true") && strcmp(value, "false")) {
                        snprintf(why, why_size,
                                 "expected true or false, got '%.64s'", value);
                        return -1;
                }
                return 0;
        case RDR_CONF_ENUM: {
                const char *s = p->enums;
                size_t n = strlen(value);
                while (s && *s) {
                        const char *bar = strchr(s, '|');
                        size_t len = bar ? (size_t)(bar - s) : strlen(s);
                        if (len == n && !strncmp(s, value, n))
                                return 0;
                        s = bar ? bar + 1 : NULL;
                }
                snprintf(why, why_size, "expected one of %s, got '%.64s'",
                         p->enums, value);
                return -1;
        }
        }
        return -1;
}

static int set_val(rdr_conf_t *conf, const rdr_conf_prop_t *p, const char *name,
                   const char *value, const char *origin) {
        rdr_confval_t *cv = find_val(conf, name);
        char *nv = strdup(value), *no = strdup(origin);
        if (!nv || !no) {
                free(nv);
                free(no);
                return -1;
        }
        if (!cv) {
                if (conf->cnt == conf->size) {
                        size_t ns = conf->size ? conf->size * 2 : 64;
                        rdr_confval_t *n = realloc(conf->vals, ns * sizeof(*n));
                        if (!n) {
                                free(nv);
                                free(no);
                                return -1;
                        }
                        conf->vals = n;
                        conf->size = ns;
                }
                cv = &conf->vals[conf->cnt];
                memset(cv, 0, sizeof(*cv));
                cv->name = strdup(name);
                if (!cv->name) {
                        free(nv);
                        free(no);
                        return -1;
                }
                cv->prop = p;
                conf->cnt++;
        }
        free(cv->value);
        free(cv->origin);
        cv->value = nv;
        cv->origin = no;
        return 0;
}

void rdr_conf_destroy(rdr_conf_t *conf) {
        size_t i;
        if (!conf)
                return;
        for (i = 0; i < conf->cnt; i++) {
                free(conf->vals[i].name);
                free(conf->vals[i].value);
                free(conf->vals[i].origin);
        }
        free(conf->vals);
        free(conf->path);
        free(conf->dir);
        free(conf);
}

/* 1 if name holds keys of the tables ("output" holds output.format) or is
 * kafka, whose keys go to librdkafka. */
static int is_section(const rdr_conf_t *conf, const char *name) {
        const rdr_conf_prop_t *tables[2];
        size_t n = strlen(name), t;
        const rdr_conf_prop_t *p;
        if (!strcmp(name, "kafka"))
                return 1;
        tables[0] = rdr_conf_core_props;
        tables[1] = conf->extra;
        for (t = 0; t < 2; t++)
                for (p = tables[t]; p && p->name; p++)
                        if (!strncmp(p->name, name, n) && p->name[n] == '.')
                                return 1;
        return 0;
}

/* Walk a YAML map, flattening nested maps into dotted names. */
static rdr_err_t load_map(rdr_conf_t *conf, const rdr_yaml_t *map,
                          const char *prefix, char *errstr,
                          size_t errstr_size) {
        size_t i;
        for (i = 0; i < rdr_yaml_len(map); i++) {
                const rdr_yaml_t *v = rdr_yaml_at(map, i);
                const char *key = rdr_yaml_key(map, i);
                char name[256], origin[300], why[256];
                const rdr_conf_prop_t *p;
                const rdr_confval_t *cv;
                int passthrough;
                snprintf(name, sizeof(name), "%s%s%s", prefix,
                         prefix[0] ? "." : "", key);
                passthrough = !strncmp(name, "kafka.", 6);
                if (rdr_yaml_type(v) == RDR_YAML_MAP) {
                        rdr_err_t err =
                            load_map(conf, v, name, errstr, errstr_size);
                        if (err)
                                return err;
                        continue;
                }
                if (rdr_yaml_type(v) != RDR_YAML_SCALAR)
                        return rdr_yaml_error(v, name, errstr, errstr_size,
                                              "expected a single value, got "
                                              "a list");
                p = find_prop(conf, name);
                /* "output:" with nothing under it: as playbook.yaml's
                 * sections, refused rather than read as no overrides. */
                if (!p && !passthrough && rdr_yaml_is_null(v) &&
                    is_section(conf, name))
                        return rdr_yaml_error(v, name, errstr, errstr_size,
                                              "empty section: give its keys "
                                              "or leave it out");
                if (!p && !passthrough)
                        return rdr_yaml_error(v, name, errstr, errstr_size,
                                              "unknown key (the keys: "
                                              "--print-config-doc)");
                /* "worker: {instance: a}" beside "worker.instance: b". */
                cv = find_val(conf, name);
                if (cv && strcmp(cv->origin, "default"))
                        return rdr_yaml_error(v, name, errstr, errstr_size,
                                              "given twice (first at %s)",
                                              cv->origin);
                /* "batch_max:" (or ~, null): a value forgotten, not the
                 * default, which a key left out keeps. */
                if (rdr_yaml_is_null(v))
                        return rdr_yaml_error(v, name, errstr, errstr_size,
                                              "no value (leave the key out "
                                              "to keep its default)");
                if (p && validate(p, rdr_yaml_scalar(v), why, sizeof(why)))
                        return rdr_yaml_error(v, name, errstr, errstr_size,
                                              "%s", why);
                snprintf(origin, sizeof(origin), "%s:%d", rdr_yaml_file(v),
                         rdr_yaml_line(v));
                if (set_val(conf, p, name, rdr_yaml_scalar(v), origin))
                        return RDR_ERR_NOMEM;
        }
        return RDR_OK;
}

/* REDRESS_FOO_BAR -> the property whose name maps to FOO_BAR. */
static void env_name(const char *prop, char *out, size_t size) {
        size_t i, o = 0;
        o += (size_t)snprintf(out, size, "REDRESS_");
        for (i = 0; prop[i] && o + 1 < size; i++)
                out[o++] = prop[i] == '.'
                               ? '_'
                               : (char)toupper((unsigned char)prop[i]);
        out[o] = '\0';
}

extern char **environ;

/* The librdkafka property of REDRESS_KAFKA_X_Y (var without its value):
 * "x.y" in out. 0 if var is no such variable (REDRESS_KAFKA_BOOTSTRAP is
 * bootstrap.servers, which callers treat on their own). */
static int kafka_env_prop(const char *var, char *out, size_t size) {
        static const char prefix[] = "REDRESS_KAFKA_";
        size_t i, o = 0;
        if (strncmp(var, prefix, sizeof(prefix) - 1) ||
            !strcmp(var, "REDRESS_KAFKA_BOOTSTRAP") || size == 0)
                return 0;
        for (i = sizeof(prefix) - 1; var[i] && o + 1 < size; i++)
                out[o++] =
                    var[i] == '_' ? '.' : (char)tolower((unsigned char)var[i]);
        out[o] = '\0';
        return o > 0;
}

/* Edit distance of a and b (insertions, deletions, substitutions), or
 * limit + 1 if it is over limit. */
static size_t edit_distance(const char *a, const char *b, size_t limit) {
        size_t la = strlen(a), lb = strlen(b), i, j, row[256];
        if (lb >= sizeof(row) / sizeof(row[0]) ||
            (la > lb ? la - lb : lb - la) > limit)
                return limit + 1;
        for (j = 0; j <= lb; j++)
                row[j] = j;
        for (i = 1; i <= la; i++) {
                size_t diag = row[0], best;
                row[0] = i;
                best = row[0];
                for (j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t v = diag + (a[i - 1] != b[j - 1]);
                        if (up + 1 < v)
                                v = up + 1;
                        if (row[j - 1] + 1 < v)
                                v = row[j - 1] + 1;
                        row[j] = v;
                        diag = up;
                        if (v < best)
                                best = v;
                }
                if (best > limit)
                        return limit + 1;
        }
        return row[lb];
}

/* A REDRESS_* variable that is no setting (var) but a misspelling of one:
 * within 2 edits of a setting's variable (those are 3 or more apart, the
 * scripts' own REDRESS_* 5 or more). RDR_ERR_CONFIG naming both, else
 * RDR_OK (a script's variable: left alone). */
static rdr_err_t env_misspelt(const rdr_conf_t *conf, const char *var,
                              char *errstr, size_t errstr_size) {
        const rdr_conf_prop_t *tables[2] = {rdr_conf_core_props, conf->extra};
        const rdr_conf_prop_t *best = NULL;
        char ev[256], best_ev[256];
        size_t t, i, d, best_d = 3;
        for (t = 0; t < 2; t++)
                for (i = 0; tables[t] && tables[t][i].name; i++) {
                        env_name(tables[t][i].name, ev, sizeof(ev));
                        d = edit_distance(var, ev, 2);
                        if (d < best_d) {
                                best_d = d;
                                best = &tables[t][i];
                                memcpy(best_ev, ev, sizeof(ev));
                        }
                }
        if (!best)
                return RDR_OK;
        snprintf(errstr, errstr_size,
                 "environment %s: no such setting; did you mean %s (key "
                 "'%s')? (other REDRESS_* variables are left to scripts, "
                 "but not one this close to a setting's)",
                 var, best_ev, best->name);
        return RDR_ERR_CONFIG;
}

static rdr_err_t load_env(rdr_conf_t *conf, char *errstr, size_t errstr_size) {
        char **e;
        for (e = environ; *e; e++) {
                const char *eq = strchr(*e, '=');
                char var[256], name[256], origin[300], why[256];
                const rdr_conf_prop_t *p = NULL;
                const rdr_conf_prop_t *tables[2];
                size_t n, t, i;
                if (strncmp(*e, "REDRESS_", 8) || !eq)
                        continue;
                n = (size_t)(eq - *e);
                if (n >= sizeof(var))
                        continue;
                memcpy(var, *e, n);
                var[n] = '\0';
                name[0] = '\0';
                tables[0] = rdr_conf_core_props;
                tables[1] = conf->extra;
                for (t = 0; t < 2 && !p; t++) {
                        for (i = 0; tables[t] && tables[t][i].name; i++) {
                                char ev[256];
                                env_name(tables[t][i].name, ev, sizeof(ev));
                                if (!strcmp(ev, var)) {
                                        p = &tables[t][i];
                                        snprintf(name, sizeof(name), "%s",
                                                 p->name);
                                        break;
                                }
                        }
                }
                if (!p && !strcmp(var, "REDRESS_KAFKA_BOOTSTRAP")) {
                        snprintf(name, sizeof(name), "kafka.bootstrap.servers");
                } else if (!p &&
                           kafka_env_prop(var, name + 6, sizeof(name) - 6)) {
                        memcpy(name, "kafka.", 6);
                } else if (!p) {
                        /* Other REDRESS_* variables belong to scripts,
                         * unless they misspell a setting's. */
                        if (env_misspelt(conf, var, errstr, errstr_size))
                                return RDR_ERR_CONFIG;
                        continue;
                }
                if (p && validate(p, eq + 1, why, sizeof(why))) {
                        snprintf(errstr, errstr_size,
                                 "environment %s: key '%s': %s", var, name,
                                 why);
                        return RDR_ERR_CONFIG;
                }
                snprintf(origin, sizeof(origin), "environment %s", var);
                if (set_val(conf, p, name, eq + 1, origin))
                        return RDR_ERR_NOMEM;
        }
        return RDR_OK;
}

static int set_defaults(rdr_conf_t *conf, const rdr_conf_prop_t *table) {
        for (; table && table->name; table++)
                if (set_val(conf, table, table->name, table->def, "default"))
                        return -1;
        return 0;
}

const char *rdr_conf_default_path(void) {
#ifdef RDR_INSTALL_BINDIR
        char exe[4096];
        size_t n = strlen(RDR_INSTALL_BINDIR);
        ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (len > 0) {
                exe[len] = '\0';
                if (!strncmp(exe, RDR_INSTALL_BINDIR, n) && exe[n] == '/' &&
                    !strchr(exe + n + 1, '/'))
                        return RDR_INSTALL_CONFIG_DIR "/redress.yaml";
        }
#endif
        return RDR_CONFIG_DIR "/redress.yaml";
}

/* The directory of the other configuration files: paths.configs, else
 * the main file's. -1 out of memory. */
static int take_dir(rdr_conf_t *conf) {
        const char *cdir = rdr_conf_str(conf, "paths.configs");
        char *dir, *tmp = NULL;
        if (cdir[0]) {
                dir = strdup(cdir);
        } else {
                tmp = strdup(conf->path);
                dir = tmp ? strdup(dirname(tmp)) : NULL;
                free(tmp);
        }
        if (!dir)
                return -1;
        free(conf->dir);
        conf->dir = dir;
        return 0;
}

rdr_conf_t *rdr_conf_new(const char *path, const rdr_conf_prop_t *extra,
                         char *errstr, size_t errstr_size) {
        rdr_conf_t *conf = calloc(1, sizeof(*conf));
        rdr_yaml_t *root = NULL;
        if (!conf)
                goto nomem;
        conf->extra = extra;
        if (!path)
                path = getenv("REDRESS_CONFIG");
        if (!path || !*path)
                path = rdr_conf_default_path();
        conf->path = strdup(path);
        if (!conf->path || set_defaults(conf, rdr_conf_core_props) ||
            set_defaults(conf, extra))
                goto nomem;
        root = rdr_yaml_load_file(path, errstr, errstr_size);
        if (!root)
                goto err;
        if (rdr_yaml_type(root) != RDR_YAML_MAP) {
                rdr_yaml_error(root, "(top level)", errstr, errstr_size,
                               "expected a mapping of sections");
                goto err;
        }
        if (load_map(conf, root, "", errstr, errstr_size))
                goto err;
        rdr_yaml_destroy(root);
        root = NULL;
        if (load_env(conf, errstr, errstr_size))
                goto err;
        if (take_dir(conf))
                goto nomem;
        return conf;
nomem:
        snprintf(errstr, errstr_size, "out of memory");
err:
        rdr_yaml_destroy(root);
        rdr_conf_destroy(conf);
        return NULL;
}

rdr_err_t rdr_conf_set_kv(rdr_conf_t *conf, const char *kv, char *errstr,
                          size_t errstr_size) {
        char key[256];
        const char *eq = strchr(kv, '=');
        if (!eq || (size_t)(eq - kv) >= sizeof(key)) {
                snprintf(errstr, errstr_size, "%.200s: expected KEY=VALUE", kv);
                return RDR_ERR_CONFIG;
        }
        memcpy(key, kv, (size_t)(eq - kv));
        key[eq - kv] = '\0';
        return rdr_conf_set(conf, key, eq + 1, errstr, errstr_size);
}

rdr_err_t rdr_conf_set(rdr_conf_t *conf, const char *name, const char *value,
                       char *errstr, size_t errstr_size) {
        const rdr_conf_prop_t *p = find_prop(conf, name);
        char why[256];
        if (!p && strncmp(name, "kafka.", 6)) {
                snprintf(errstr, errstr_size, "key '%s': unknown key", name);
                return RDR_ERR_CONFIG;
        }
        if (p && validate(p, value, why, sizeof(why))) {
                snprintf(errstr, errstr_size, "key '%s': %s", name, why);
                return RDR_ERR_CONFIG;
        }
        if (set_val(conf, p, name, value, "command line") ||
            (!strcmp(name, "paths.configs") && take_dir(conf)))
                return RDR_ERR_NOMEM;
        return RDR_OK;
}

static const rdr_confval_t *must_find(const rdr_conf_t *conf,
                                      const char *name) {
        const rdr_confval_t *cv = find_val(conf, name);
        if (!cv || !cv->prop) {
                fprintf(stderr,
                        "redress: bug: configuration key '%s' is "
                        "not in any table\n",
                        name);
                abort();
        }
        return cv;
}

const char *rdr_conf_str(const rdr_conf_t *conf, const char *name) {
        return must_find(conf, name)->value;
}

const char *rdr_conf_origin(const rdr_conf_t *conf, const char *name) {
        return must_find(conf, name)->origin;
}

long long rdr_conf_int(const rdr_conf_t *conf, const char *name) {
        const rdr_confval_t *cv = must_find(conf, name);
        long long v = 0;
        if (cv->prop->type == RDR_CONF_DURATION)
                rdr_duration_parse(cv->value, &v);
        else
                v = strtoll(cv->value, NULL, 10);
        return v;
}

int rdr_conf_bool(const rdr_conf_t *conf, const char *name) {
        return !strcmp(must_find(conf, name)->value, "true");
}

const char *rdr_conf_dir(const rdr_conf_t *conf) {
        return conf->dir;
}

const char *rdr_conf_path(const rdr_conf_t *conf) {
        return conf->path;
}

/* Why the worker sets librdkafka property prop itself, whatever the
 * configuration says (run.c), or NULL: given, it would be overwritten
 * without a word. */
static const char *kafka_prop_owned(const char *prop) {
        if (!strcmp(prop, "group.id"))
                return "the worker sets it: consumer.group names the group";
        if (!strcmp(prop, "enable.auto.offset.store") ||
            !strcmp(prop, "enable.auto.commit") ||
            !strcmp(prop, "enable.partition.eof"))
                return "the worker sets it: an offset is stored once the "
                       "event's effects are in Redis";
        return NULL;
}

rdr_err_t rdr_conf_kafka_apply(const rdr_conf_t *conf, rd_kafka_conf_t *kconf,
                               char *errstr, size_t errstr_size) {
        size_t i;
        for (i = 0; i < conf->cnt; i++) {
                const rdr_confval_t *cv = &conf->vals[i];
                char why[512];
                const char *owned;
                if (cv->prop || strncmp(cv->name, "kafka.", 6))
                        continue;
                if ((owned = kafka_prop_owned(cv->name + 6))) {
                        snprintf(errstr, errstr_size, "%s: key '%s': %s",
                                 cv->origin, cv->name, owned);
                        return RDR_ERR_CONFIG;
                }
                if (rd_kafka_conf_set(kconf, cv->name + 6, cv->value, why,
                                      sizeof(why)) != RD_KAFKA_CONF_OK) {
                        snprintf(errstr, errstr_size, "%s: key '%s': %s",
                                 cv->origin, cv->name, why);
                        return RDR_ERR_CONFIG;
                }
        }
        return RDR_OK;
}

rdr_err_t rdr_conf_kafka_env_apply(rd_kafka_conf_t *kconf, char *errstr,
                                   size_t errstr_size) {
        char **e;
        for (e = environ; *e; e++) {
                const char *eq = strchr(*e, '=');
                char var[256], prop[256], why[512];
                const char *owned;
                size_t n = eq ? (size_t)(eq - *e) : 0;
                if (!eq || n >= sizeof(var))
                        continue;
                memcpy(var, *e, n);
                var[n] = '\0';
                if (!kafka_env_prop(var, prop, sizeof(prop)))
                        continue;
                if ((owned = kafka_prop_owned(prop))) {
                        snprintf(errstr, errstr_size, "environment %s: %s", var,
                                 owned);
                        return RDR_ERR_CONFIG;
                }
                if (rd_kafka_conf_set(kconf, prop, eq + 1, why, sizeof(why)) !=
                    RD_KAFKA_CONF_OK) {
                        snprintf(errstr, errstr_size, "environment %s: %s", var,
                                 why);
                        return RDR_ERR_CONFIG;
                }
        }
        return RDR_OK;
}

int rdr_conf_kafka_isset(const rdr_conf_t *conf, const char *prop) {
        char name[256];
        snprintf(name, sizeof(name), "kafka.%s", prop);
        return find_val(conf, name) != NULL;
}

static void doc_table(const rdr_conf_prop_t *p, FILE *fp) {
        static const char *const types[] = {"string", "integer", "duration",
                                            "boolean", "enum"};
        const char *e;
        for (; p && p->name; p++) {
                fprintf(fp, "| `%s` | %s", p->name, types[p->type]);
                /* "json|protobuf" as "json, protobuf": '|' ends a cell */
                if (p->enums)
                        fputs(": ", fp);
                for (e = p->enums; e && *e; e++)
                        if (*e == '|')
                                fputs(", ", fp);
                        else
                                fputc(*e, fp);
                fprintf(fp, " | `%s` | %s |\n", p->def, p->doc);
        }
}

void rdr_conf_doc(const rdr_conf_prop_t *extra, void *fp) {
        fprintf(fp, "| key | type | default | meaning |\n|---|---|---|---|\n");
        doc_table(rdr_conf_core_props, fp);
        doc_table(extra, fp);
        fprintf(fp, "| `kafka.*` | string | | passed to librdkafka as is "
                    "(bootstrap.servers, security.protocol, ...) |\n");
}

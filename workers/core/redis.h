/* Redis for the workers: one synchronous hiredis connection, used in
 * pipelined batches. Connects lazily and reconnects with exponential backoff,
 * so a worker starts and reports itself unready while Redis is away instead
 * of dying. Lua scripts are registered once, loaded on every (re)connect,
 * called with EVALSHA and reloaded on NOSCRIPT.
 *
 * On Redis Cluster (a redis-cluster:// URL) the client reads which master
 * serves each slot (CLUSTER SLOTS), keeps a connection to each, and splits
 * a pipeline by the slot of each command's key: the parts go out at once
 * and the replies come back in the order the commands were queued. A
 * MOVED reply (a slot moved to another master) updates the map and sends
 * the command there, an ASK reply (a slot being moved) sends ASKING and
 * the command to the importing master, TRYAGAIN waits and sends it again;
 * the whole map is read again before the next pipeline. Every key of one
 * command (a script's keys) must share a slot: the fleet's keys carry hash
 * tags for that (keys.h, timers.h). */
#ifndef RDR_REDIS_H
#define RDR_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct rdr_redis_s rdr_redis_t;

/** Parse url (redis://[[user]:password@]host[:port][/db] or
 *  unix:///path/to.sock[?db=N]) and return a client that is not yet
 *  connected, or NULL with the reason in errstr. */
rdr_redis_t *rdr_redis_new(const char *url, int connect_timeout_ms,
                           int command_timeout_ms, int backoff_max_ms,
                           char *errstr, size_t errstr_size);
void rdr_redis_destroy(rdr_redis_t *rr);

/** Register a Lua script under a name (for logs). lua is copied. Returns the
 *  script id for rdr_redis_eval(), or -1 on out of memory. Register scripts
 *  before the first command. */
int rdr_redis_script_add(rdr_redis_t *rr, const char *name, const char *lua);

/** With on, every connect reads the server's maxmemory-policy and whether
 *  it keeps an append-only file, and logs a warning (event
 *  redis.settings) for one that can lose the fleet's state. Off by
 *  default (command-line tools). */
void rdr_redis_check_settings(rdr_redis_t *rr, int on);
/* Settings that can lose the fleet's state: maxmemory-policy other than
 * noeviction, appendonly no; fewer replicas connected than
 * rdr_redis_wait_replicas() asks for (looked at only then). */
#define RDR_REDIS_RISK_EVICTION 1u
#define RDR_REDIS_RISK_NO_AOF 2u
#define RDR_REDIS_RISK_FEW_REPLICAS 4u
/** The RDR_REDIS_RISK_* bits the last connect found. */
unsigned rdr_redis_settings_at_risk(const rdr_redis_t *rr);

/** With replicas > 0, every pipeline ends with WAIT replicas timeout_ms
 *  (on Redis Cluster, on each master it was sent to): rdr_redis_exec()
 *  succeeds only once that many replicas acknowledged every write of the
 *  pipeline, so that a failover cannot lose what the caller then counts as
 *  done. Too few within timeout_ms (or WAIT refused) fails the exec like a
 *  lost Redis: RDR_ERR_REDIS, the connection dropped, backoff. timeout_ms
 *  must be below the command timeout. 0 (the default) trusts the master
 *  alone. Set before the first command. */
void rdr_redis_wait_replicas(rdr_redis_t *rr, int replicas, int timeout_ms);
/** Pipelines that failed for too few replicas (metrics). */
uint64_t rdr_redis_wait_shortfalls(const rdr_redis_t *rr);

/** Connect (and load scripts) unless connected. While a previous attempt's
 *  backoff has not elapsed, fails fast with RDR_ERR_REDIS. */
rdr_err_t rdr_redis_connect(rdr_redis_t *rr);
/** 1 if the last operation found Redis reachable (and, with
 *  rdr_redis_wait_replicas, its last WAIT answered in full). */
int rdr_redis_is_up(const rdr_redis_t *rr);
/** 1 if the last WAIT (rdr_redis_wait_replicas) was not answered in
 *  full: only a pipeline (rdr_redis_exec) asks again. */
int rdr_redis_replicas_short(const rdr_redis_t *rr);
/** The last connection error (static until the next failure). */
const char *rdr_redis_errstr(const rdr_redis_t *rr);

/* Pipelines: queue commands, then rdr_redis_exec() sends them in one round
 * trip and reads every reply. Arguments are copied when queued. */
void rdr_redis_cmd(rdr_redis_t *rr, int argc, const char **argv,
                   const size_t *argvlen);
void rdr_redis_cmdf(rdr_redis_t *rr, const char *fmt, ...);
/** Queue a command of C strings, NULL-terminated (at most
 *  RDR_REDIS_CMDL_MAX): rdr_redis_cmdl(rr, "HSET", key, "f", v, NULL).
 *  Cheaper than rdr_redis_cmdf (no format string). */
#define RDR_REDIS_CMDL_MAX 16
void rdr_redis_cmdl(rdr_redis_t *rr, const char *arg0, ...);
/** Queue PEXPIRE key ms, or nothing when ms <= 0 (kept for ever). */
void rdr_redis_expire(rdr_redis_t *rr, const char *key, long long ms);
/** Queue EVALSHA of a registered script with nkeys keys then args: argv
 *  holds the keys followed by the arguments (argc entries in all). */
void rdr_redis_eval(rdr_redis_t *rr, int script, int nkeys, int argc,
                    const char **argv, const size_t *argvlen);
size_t rdr_redis_queued(const rdr_redis_t *rr);
/** Bytes queued but not yet written to the server. */
size_t rdr_redis_unsent(const rdr_redis_t *rr);
/** Write what is queued now, without reading replies, so that the server
 *  works on it while the caller prepares the rest; rdr_redis_exec() sends
 *  the remainder and reads every reply. Errors surface at the exec (which
 *  reconnects and resends the whole pipeline). */
void rdr_redis_send(rdr_redis_t *rr);

/** Send everything queued and read the replies. A broken connection is
 *  re-established once and the whole pipeline resent (callers queue only
 *  idempotent commands); a NOSCRIPT reply reloads the scripts and resends
 *  that command. Returns RDR_OK when every reply was read (replies may still
 *  be Redis errors: check each), else RDR_ERR_REDIS or RDR_ERR_NOMEM and the
 *  queue is kept for a retry. */
rdr_err_t rdr_redis_exec(rdr_redis_t *rr);
/** Reply i of the last exec (owned by the client; valid until the next
 *  exec or reset), or NULL. */
const redisReply *rdr_redis_reply(const rdr_redis_t *rr, size_t i);
size_t rdr_redis_replies(const rdr_redis_t *rr);
/** Take the replies of the last exec out of the client, to read them past
 *  the next exec: *cnt of them (the array may be NULL when 0). Free them
 *  with rdr_redis_replies_free(). */
redisReply **rdr_redis_take_replies(rdr_redis_t *rr, size_t *cnt);
/** rdr_redis_exec(), then rdr_redis_take_replies() into *replies and *cnt
 *  (*replies NULL and *cnt 0 if exec failed): RDR_ERR_REDIS if fewer than
 *  want replies came back. The caller frees what was taken either way. */
rdr_err_t rdr_redis_exec_take(rdr_redis_t *rr, size_t want,
                              redisReply ***replies, size_t *cnt);
void rdr_redis_replies_free(redisReply **replies, size_t cnt);
/** Drop queued commands and replies. */
void rdr_redis_reset(rdr_redis_t *rr);

/** The value of field in an HGETALL reply, or NULL. */
const char *rdr_hash_get(const redisReply *hgetall, const char *field);
/** The sum of the values of an HGETALL reply's fields whose names start
 *  with prefix, the field own aside (NULL: none), as the apply script's
 *  guard sums them (run.h): a value that is not a whole number counts 0. */
long long rdr_hash_prefix_sum(const redisReply *hgetall, const char *prefix,
                              const char *own);
/** A field reader's place in an HGETALL reply, for loaders that take a
 *  reader (rdr_hash_reader), e.g. rdr_parcel_load(). */
typedef struct rdr_hash_cursor_s {
        const redisReply *hgetall;
        size_t pos; /* the pair after the last one found */
} rdr_hash_cursor_t;
/** rdr_hash_get() as a field reader (opaque: an rdr_hash_cursor_t). It
 *  looks from the pair after the last one it found, around to it: fields
 *  read in the order they were written (Redis keeps a small hash in that
 *  order) cost one comparison each, not one per field of the hash. */
const char *rdr_hash_reader(void *cursor, const char *field);

/** Counters for metrics: round trips made, commands sent, reconnects. */
uint64_t rdr_redis_roundtrips(const rdr_redis_t *rr);
uint64_t rdr_redis_commands(const rdr_redis_t *rr);
uint64_t rdr_redis_reconnects(const rdr_redis_t *rr);

/** A one-off command outside any pipeline (startup, tools). The reply is
 *  the caller's to free with freeReplyObject(); NULL on transport error,
 *  or when the server cannot serve now (LOADING, CLUSTERDOWN, BUSY, ...:
 *  the connection is dropped as if lost, as rdr_redis_exec() does).
 *  On Redis Cluster it goes to the master of its key's slot (any master
 *  for a command without a key). */
redisReply *rdr_redis_command(rdr_redis_t *rr, const char *fmt, ...);

/** 1 if the client talks to Redis Cluster (redis-cluster:// URL). */
int rdr_redis_is_cluster(const rdr_redis_t *rr);
/** The servers that hold data: 1 for one Redis, the masters for Redis
 *  Cluster (0 if the client could not connect). Commands that see one
 *  server's keys only (SCAN) go to each with rdr_redis_node_command(). */
size_t rdr_redis_nodes(rdr_redis_t *rr);
/** As rdr_redis_command(), on server node (< rdr_redis_nodes()). */
redisReply *rdr_redis_node_command(rdr_redis_t *rr, size_t node,
                                   const char *fmt, ...);

/** The masters the client knows (Redis Cluster's map; 1 for one Redis
 *  while connected), without connecting: 0 while down. */
size_t rdr_redis_masters(const rdr_redis_t *rr);
/* Redis Cluster's answers that sent a command again (metrics). */
typedef enum {
        RDR_REDIS_MOVED,   /* a slot moved: the map was out of date */
        RDR_REDIS_ASK,     /* a slot being moved */
        RDR_REDIS_TRYAGAIN /* a slot being moved, keys on both sides */
} rdr_redis_redirect_t;
uint64_t rdr_redis_redirections(const rdr_redis_t *rr,
                                rdr_redis_redirect_t kind);

/* Redis Cluster's hash slots. */
#define RDR_REDIS_SLOTS 16384
/** The slot of a key: CRC16 of its hash tag (what sits between the first
 *  '{' and the next '}', if not empty) or of the whole key. */
int rdr_redis_key_slot(const char *key, size_t len);
/** The slot of a command in RESP (its first key; a script's first key),
 *  or -1 for a command without a key (PING, SCAN, EVALSHA with 0 keys). */
int rdr_redis_cmd_slot(const char *resp, size_t len);

#endif

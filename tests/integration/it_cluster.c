/* Redis Cluster: the client against three real masters (redis-server in
 * cluster mode, started by the harness) splits pipelines by master and
 * gives the replies back in order, follows a slot moved while it was
 * connected (MOVED) and one being moved (ASK), survives a master that goes
 * away and comes back, and a failover to a replica, waits for replicas
 * (redis.wait_replicas) on each master it wrote to; and the reviews
 * worker, killed mid-stream, redress-report and redress-buyer run on
 * the cluster as on one Redis. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"
#include "redis.h"

#define CLASSIFIED "\"type\":\"case.classified\""

static h_env_t env;
static h_cluster_t cl;

static const char echo_lua[] = "return {KEYS[1], ARGV[1]}\n";

static int setup(void **state) {
        (void)state;
        h_start(&env, 4);
        h_cluster_start(&env, &cl, 3);
        return 0;
}

static int teardown(void **state) {
        (void)state;
        h_stop(&env);
        return 0;
}

static rdr_redis_t *client(int *script) {
        char errstr[256];
        rdr_redis_t *rr =
            rdr_redis_new(cl.url, 2000, 5000, 500, errstr, sizeof(errstr));
        if (!rr)
                fail_msg("%s", errstr);
        *script = rdr_redis_script_add(rr, "echo", echo_lua);
        assert_int_equal(rdr_redis_connect(rr), RDR_OK);
        assert_true(rdr_redis_is_cluster(rr));
        return rr;
}

/* The master (0 to 2) that serves slot: the harness splits the slots
 * evenly, in order. */
static int master_of(int slot) {
        return slot * cl.n / RDR_REDIS_SLOTS;
}

/* The first key "it:{<prefix>-<i>}" whose slot master m serves. */
static void key_on(char *key, size_t size, const char *prefix, int m) {
        int i;
        for (i = 0; i < 100000; i++) {
                snprintf(key, size, "it:{%s-%d}", prefix, i);
                if (master_of(rdr_redis_key_slot(key, strlen(key))) == m)
                        return;
        }
        fail_msg("no key of %s on master %d", prefix, m);
}

/* The integer reply of master m to cmd with one argument a (NULL:
 * none). */
static long long node_int(int m, const char *cmd, const char *a) {
        redisReply *r = h_cluster_command(&cl, m, cmd, a);
        long long v;
        if (r->type != REDIS_REPLY_INTEGER)
                fail_msg("%s on master %d: %s", cmd, m,
                         r->type == REDIS_REPLY_ERROR ? r->str
                                                      : "not a number");
        v = r->integer;
        freeReplyObject(r);
        return v;
}

/* 300 keys over every master, each written by HSET, read back by HGET and
 * passed through a script, in one pipeline: replies in the order queued,
 * each key stored on the master of its slot, and SCAN on each master
 * (rdr_redis_nodes) sees them all once. */
static void pipeline_split_by_master(void **state) {
        enum { N = 300 };
        int script, i, m, per[3] = {0, 0, 0};
        rdr_redis_t *rr = client(&script);
        size_t seen = 0, n;
        uint64_t trips;
        (void)state;
        for (i = 0; i < N; i++) {
                char key[32], val[32];
                const char *argv[2] = {key, val};
                snprintf(key, sizeof(key), "it:{p-%d}", i);
                snprintf(val, sizeof(val), "v%d", i);
                rdr_redis_cmdl(rr, "HSET", key, "f", val, NULL);
                rdr_redis_cmdl(rr, "HGET", key, "f", NULL);
                rdr_redis_eval(rr, script, 1, 2, argv, NULL);
        }
        rdr_redis_cmdl(rr, "PING", NULL);
        trips = rdr_redis_roundtrips(rr);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        /* One round trip: every master's part went out before any reply
         * was read. */
        assert_int_equal(rdr_redis_roundtrips(rr) - trips, 1);
        assert_int_equal(rdr_redis_replies(rr), 3 * N + 1);
        for (i = 0; i < N; i++) {
                char key[32], val[32];
                const redisReply *get = rdr_redis_reply(rr, 3 * (size_t)i + 1),
                                 *ev = rdr_redis_reply(rr, 3 * (size_t)i + 2);
                snprintf(key, sizeof(key), "it:{p-%d}", i);
                snprintf(val, sizeof(val), "v%d", i);
                assert_int_equal(rdr_redis_reply(rr, 3 * (size_t)i)->integer,
                                 1);
                assert_string_equal(get->str, val);
                assert_int_equal(ev->type, REDIS_REPLY_ARRAY);
                assert_string_equal(ev->element[0]->str, key);
                assert_string_equal(ev->element[1]->str, val);
                m = master_of(rdr_redis_key_slot(key, strlen(key)));
                assert_int_equal(node_int(m, "EXISTS %s", key), 1);
                per[m]++;
        }
        assert_string_equal(rdr_redis_reply(rr, 3 * N)->str, "PONG");
        print_message("keys per master: %d %d %d\n", per[0], per[1], per[2]);
        for (m = 0; m < 3; m++)
                assert_true(per[m] > 0);
        assert_int_equal(rdr_redis_nodes(rr), 3);
        for (n = 0; n < rdr_redis_nodes(rr); n++) {
                char cursor[32] = "0";
                do {
                        redisReply *s = rdr_redis_node_command(
                            rr, n, "SCAN %s MATCH it:{p-* COUNT 100", cursor);
                        assert_non_null(s);
                        assert_int_equal(s->type, REDIS_REPLY_ARRAY);
                        snprintf(cursor, sizeof(cursor), "%s",
                                 s->element[0]->str);
                        seen += s->element[1]->elements;
                        freeReplyObject(s);
                } while (strcmp(cursor, "0"));
        }
        assert_int_equal(seen, N);
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

static void node_id(int m, char *id, size_t size) {
        redisReply *r = h_cluster_command(&cl, m, "CLUSTER MYID");
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        snprintf(id, size, "%s", r->str);
        freeReplyObject(r);
}

/* Start moving slot from master a to b (IMPORTING, MIGRATING). */
static void migrating(int slot, int a, int b, const char *ida,
                      const char *idb) {
        h_cluster_must(&cl, b, "CLUSTER SETSLOT %d IMPORTING %s", slot, ida);
        h_cluster_must(&cl, a, "CLUSTER SETSLOT %d MIGRATING %s", slot, idb);
}

/* Move key from master a to b (the slot migrating). */
static void migrate_key(int a, int b, const char *key) {
        h_cluster_must(&cl, a, "MIGRATE 127.0.0.1 %d %s 0 5000", cl.port[b],
                       key);
}

/* The slot belongs to b now, on every master. */
static void moved(int slot, const char *idb) {
        int m;
        for (m = 0; m < cl.n; m++)
                h_cluster_must(&cl, m, "CLUSTER SETSLOT %d NODE %s", slot, idb);
}

/* A slot moved from master 0 to master 1 after the client read the map
 * (MOVED), and another being moved with one key already across (ASK):
 * every command reaches its key, and a new key of the moving slot is
 * written on the importing master. */
static void follows_moved_and_ask(void **state) {
        int script, slot, slot2;
        char k1[32], k2[32], k3[32], id0[64], id1[64];
        rdr_redis_t *rr = client(&script);
        const redisReply *r;
        redisReply *r0;
        (void)state;
        node_id(0, id0, sizeof(id0));
        node_id(1, id1, sizeof(id1));
        key_on(k1, sizeof(k1), "mv", 0);
        slot = rdr_redis_key_slot(k1, strlen(k1));
        rdr_redis_cmdl(rr, "SET", k1, "before", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        rdr_redis_reset(rr);

        /* MOVED: the whole slot goes to master 1. */
        migrating(slot, 0, 1, id0, id1);
        migrate_key(0, 1, k1);
        moved(slot, id1);
        rdr_redis_cmdl(rr, "GET", k1, NULL);
        rdr_redis_cmdl(rr, "SET", k1, "after", NULL);
        rdr_redis_cmdl(rr, "GET", k1, NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        assert_string_equal(rdr_redis_reply(rr, 0)->str, "before");
        assert_string_equal(rdr_redis_reply(rr, 2)->str, "after");
        rdr_redis_reset(rr);
        /* Counted for redress_redis_redirections_total{kind}. */
        assert_true(rdr_redis_redirections(rr, RDR_REDIS_MOVED) >= 1);
        assert_int_equal(rdr_redis_redirections(rr, RDR_REDIS_ASK), 0);
        assert_int_equal(node_int(1, "EXISTS %s", k1), 1);
        r0 = h_cluster_command(&cl, 0, "EXISTS %s", k1);
        assert_int_equal(r0->type, REDIS_REPLY_ERROR);
        assert_non_null(strstr(r0->str, "MOVED"));
        freeReplyObject(r0);

        /* ASK: a slot half moved. k2 is across, k3 is new. */
        key_on(k2, sizeof(k2), "ask", 0);
        slot2 = rdr_redis_key_slot(k2, strlen(k2));
        snprintf(k3, sizeof(k3), "it:{%.*s}:new",
                 (int)(strchr(k2, '}') - strchr(k2, '{') - 1),
                 strchr(k2, '{') + 1);
        assert_int_equal(rdr_redis_key_slot(k3, strlen(k3)), slot2);
        rdr_redis_cmdl(rr, "SET", k2, "old home", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        rdr_redis_reset(rr);
        migrating(slot2, 0, 1, id0, id1);
        migrate_key(0, 1, k2);
        rdr_redis_cmdl(rr, "GET", k2, NULL);
        rdr_redis_cmdl(rr, "SET", k3, "fresh", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        r = rdr_redis_reply(rr, 0);
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        assert_string_equal(r->str, "old home");
        assert_int_equal(rdr_redis_reply(rr, 1)->type, REDIS_REPLY_STATUS);
        rdr_redis_reset(rr);
        assert_int_equal(rdr_redis_redirections(rr, RDR_REDIS_ASK), 2);
        moved(slot2, id1);
        assert_int_equal(node_int(1, "EXISTS %s", k3), 1);
        /* The map the client reads again names master 1 for both. */
        rdr_redis_cmdl(rr, "GET", k3, NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        assert_string_equal(rdr_redis_reply(rr, 0)->str, "fresh");
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* A command of two keys of a slot being moved, one key across and one
 * not: Redis answers TRYAGAIN, and the client waits and sends it again
 * (5 times, 10 to 160 ms apart); then the pipeline fails as on a lost
 * connection (an error reply is no answer), and it is tried again
 * after the backoff: once the move is done, the same command reads both
 * keys. */
static void tryagain_while_keys_split(void **state) {
        int script, slot;
        char ka[32], kb[48], id0[64], id1[64];
        rdr_redis_t *rr = client(&script);
        const redisReply *r;
        rdr_err_t err = RDR_ERR_REDIS;
        (void)state;
        node_id(0, id0, sizeof(id0));
        node_id(1, id1, sizeof(id1));
        key_on(ka, sizeof(ka), "ta", 0);
        snprintf(kb, sizeof(kb), "%s:b", ka);
        slot = rdr_redis_key_slot(ka, strlen(ka));
        rdr_redis_cmdl(rr, "MSET", ka, "a", kb, "b", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        rdr_redis_reset(rr);
        migrating(slot, 0, 1, id0, id1);
        migrate_key(0, 1, ka);
        rdr_redis_cmdl(rr, "MGET", ka, kb, NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_ERR_REDIS);
        assert_non_null(strstr(rdr_redis_errstr(rr), "TRYAGAIN"));
        assert_false(rdr_redis_is_up(rr));
        /* 5 in the pipeline's try, 5 in its one retry at once */
        assert_int_equal(rdr_redis_redirections(rr, RDR_REDIS_TRYAGAIN), 10);
        migrate_key(0, 1, kb);
        moved(slot, id1);
        err = h_exec_until_ok(rr, 100, 50);
        assert_int_equal(err, RDR_OK);
        r = rdr_redis_reply(rr, 0);
        assert_int_equal(r->type, REDIS_REPLY_ARRAY);
        assert_string_equal(r->element[0]->str, "a");
        assert_string_equal(r->element[1]->str, "b");
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* A master killed: the pipeline fails with an error (no crash), the
 * client reports itself down; once the master is back, the same pipeline
 * goes through and what was written before is there. */
static void master_down_and_back(void **state) {
        int script;
        char k[32];
        rdr_redis_t *rr = client(&script);
        rdr_err_t err = RDR_ERR_REDIS;
        (void)state;
        key_on(k, sizeof(k), "down", 2);
        rdr_redis_cmdl(rr, "SET", k, "kept", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        rdr_redis_reset(rr);
        h_cluster_node_stop(&cl, 2);
        rdr_redis_cmdl(rr, "GET", k, NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_ERR_REDIS);
        assert_false(rdr_redis_is_up(rr));
        print_message("while down: %s\n", rdr_redis_errstr(rr));
        {
                /* The error names the master that is away. */
                char at[32];
                snprintf(at, sizeof(at), "127.0.0.1:%d", cl.port[2]);
                assert_non_null(strstr(rdr_redis_errstr(rr), at));
        }
        h_cluster_node_start(&env, &cl, 2);
        err = h_exec_until_ok(rr, 100, 100);
        assert_int_equal(err, RDR_OK);
        assert_true(rdr_redis_is_up(rr));
        assert_string_equal(rdr_redis_reply(rr, 0)->str, "kept");
        assert_true(rdr_redis_reconnects(rr) >= 1);
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* The sum over the timer shards of their due sets, and how many masters
 * hold at least one. */
static long long timers_due(int *masters) {
        long long sum = 0;
        int s, m, on[3] = {0, 0, 0};
        for (s = 0; s < 16; s++) {
                char k[32];
                snprintf(k, sizeof(k), "redress:{t:%d}:due", s);
                m = master_of(rdr_redis_key_slot(k, strlen(k)));
                {
                        long long n = node_int(m, "ZCARD %s", k);
                        sum += n;
                        on[m] += n > 0;
                }
        }
        *masters = (on[0] > 0) + (on[1] > 0) + (on[2] > 0);
        return sum;
}

/* The case hashes (redress:{c:ID}) over every master, by SCAN of each. */
static long long case_keys(void) {
        long long sum = 0;
        int m;
        for (m = 0; m < cl.n; m++) {
                redisContext *c = h_cluster_node(&cl, m);
                char cursor[32] = "0";
                assert_non_null(c);
                do {
                        redisReply *r = redisCommand(
                            c, "SCAN %s MATCH redress:{c:*} COUNT 1000",
                            cursor);
                        assert_non_null(r);
                        assert_int_equal(r->type, REDIS_REPLY_ARRAY);
                        snprintf(cursor, sizeof(cursor), "%s",
                                 r->element[0]->str);
                        sum += (long long)r->element[1]->elements;
                        freeReplyObject(r);
                } while (strcmp(cursor, "0"));
                redisFree(c);
        }
        return sum;
}

/* tool args --json against the cluster (h_tool_json()), which must exit
 * 0. */
static json_t *run_tool(const char *tool, const char *args) {
        return h_tool_json(cl.url, RDR_SOURCE_DIR "/configs", tool, args, 0);
}

/* The reviews worker on the cluster, killed while it works through a
 * backlog and started again: every review classified under one id, cases
 * and timers on every master, and redress-report reads every case. */
static void reviews_worker_on_cluster(void **state) {
        enum { N = 600 };
        pid_t pid;
        int m, masters;
        long long cases_held;
        json_t *o;
        (void)state;
        snprintf(env.redis_url, sizeof(env.redis_url), "%s", cl.url);
        pid = h_reviews_killed_midstream(&env, "store-c", "ev-c", N);
        assert_int_equal(h_log_lines(pid, "\"level\":\"error\""), 0);
        assert_int_equal(h_metric(pid, "redress_redis_masters"), 3);
        for (m = 0; m < 3; m++) {
                long long keys = node_int(m, "DBSIZE", NULL);
                print_message("master %d: %lld keys\n", m, keys);
                assert_true(keys > N / 10);
        }
        assert_true(timers_due(&masters) > 0);
        assert_true(masters >= 2);

        o = run_tool("redress-report", "--store store-c");
        cases_held = case_keys();
        print_message(
            "cases: %lld held over the masters, %lld read by the "
            "report\n",
            cases_held,
            (long long)json_integer_value(json_object_get(o, "cases_read")));
        /* The reviews rated 4 and 5 open no case. */
        assert_int_equal(cases_held, N * 3 / 5);
        assert_int_equal(json_integer_value(json_object_get(o, "cases_read")),
                         cases_held);
        json_decref(o);
}

/* The integer reply to cmd key [arg] through the client. */
static long long cluster_int(rdr_redis_t *rr, const char *cmd, const char *key,
                             const char *arg) {
        rdr_redis_cmdl(rr, cmd, key, arg, NULL);
        return h_exec_int(rr);
}

/* redress-buyer and redress-report --buyer on the cluster: a buyer
 * tagged extortion whose records name two orders, each on another master
 * than the buyer's keys. untag lifts the tag and clears both orders'
 * extortion (a script on each order's master), then the record's fields
 * naming them; the report reads the buyer back. */
static void buyer_tools_on_cluster(void **state) {
        static const char k_buyer[] = "redress:{b:taobao:buyer-cl}";
        char k_order[2][64], f_order[2][160], k_intents[2][160], num[8];
        int script, i, n, buyer_m;
        rdr_redis_t *rr = client(&script);
        json_t *o;
        (void)state;
        buyer_m = master_of(rdr_redis_key_slot(k_buyer, strlen(k_buyer)));
        for (i = 0, n = 0; n < 2 && i < 1000; i++) {
                snprintf(k_order[n], sizeof(k_order[n]),
                         "redress:{o:taobao:store-cl:order-%d}", i);
                if (master_of(rdr_redis_key_slot(
                        k_order[n], strlen(k_order[n]))) != buyer_m &&
                    (n == 0 || master_of(rdr_redis_key_slot(
                                   k_order[0], strlen(k_order[0]))) !=
                                   master_of(rdr_redis_key_slot(
                                       k_order[1], strlen(k_order[1])))))
                        n++;
        }
        assert_int_equal(n, 2);
        rdr_redis_cmdl(rr, "SADD", "redress:{b:taobao:buyer-cl}:tags",
                       "extortion", NULL);
        for (i = 0; i < 2; i++) {
                snprintf(f_order[i], sizeof(f_order[i]),
                         "extortion_order_at_ms:%s", k_order[i]);
                snprintf(k_intents[i], sizeof(k_intents[i]), "%s:intents",
                         k_order[i]);
                snprintf(num, sizeof(num), "%d", i + 1);
                rdr_redis_cmdl(rr, "HSET", k_buyer, f_order[i], num, NULL);
                rdr_redis_cmdl(rr, "HSET", k_order[i], "extortion_ref", "ch-1",
                               "extortion:1:ch-1", "pay me", "case_id", "cs-x",
                               NULL);
                rdr_redis_cmdl(rr, "SADD", k_intents[i], "extortion", "agree",
                               NULL);
        }
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        rdr_redis_reset(rr);

        o = run_tool("redress-buyer",
                     "untag --platform taobao --buyer "
                     "buyer-cl --tag extortion --reason misread");
        assert_int_equal(json_array_size(json_object_get(o, "lifted")), 1);
        assert_int_equal(json_array_size(json_object_get(o, "orders")), 2);
        json_decref(o);
        assert_int_equal(
            cluster_int(rr, "EXISTS", "redress:{b:taobao:buyer-cl}:tags", NULL),
            0);
        for (i = 0; i < 2; i++) {
                assert_int_equal(
                    cluster_int(rr, "SISMEMBER", k_intents[i], "extortion"), 0);
                assert_int_equal(
                    cluster_int(rr, "SISMEMBER", k_intents[i], "agree"), 1);
                assert_int_equal(
                    cluster_int(rr, "HEXISTS", k_order[i], "extortion_ref"), 0);
                assert_int_equal(
                    cluster_int(rr, "HEXISTS", k_order[i], "extortion_lifted"),
                    1);
                assert_int_equal(
                    cluster_int(rr, "HEXISTS", k_buyer, f_order[i]), 0);
        }

        o = run_tool("redress-report", "--platform taobao --buyer buyer-cl");
        assert_int_equal(json_array_size(json_object_get(o, "tags")), 0);
        assert_non_null(json_object_get(json_object_get(o, "record"),
                                        "tag_lifted:extortion"));
        json_decref(o);
        rdr_redis_destroy(rr);
}

/* redis.wait_replicas on Redis Cluster: a WAIT goes to each master a
 * pipeline wrote to. Master 1 has a replica, masters 0 and 2 none (a risk
 * the connect finds): writes to master 1 alone are on its replica when
 * the exec returns; a pipeline that also writes to master 2 fails naming
 * it, as one to master 1 does while its replica is frozen (SIGSTOP); once
 * it answers again, the same pipeline goes through. */
static void waits_on_each_master(void **state) {
        char errstr[256], k[8][32], at[32];
        rdr_redis_t *rr;
        redisContext *rc;
        redisReply *r;
        rdr_err_t err = RDR_ERR_REDIS;
        int rep, i;
        (void)state;
        rep = h_cluster_add_replica(&env, &cl, 1);
        rr = rdr_redis_new(cl.url, 2000, 5000, 200, errstr, sizeof(errstr));
        assert_non_null(rr);
        rdr_redis_check_settings(rr, 1);
        rdr_redis_wait_replicas(rr, 1, 300);
        assert_int_equal(rdr_redis_connect(rr), RDR_OK);
        assert_true(rdr_redis_settings_at_risk(rr) &
                    RDR_REDIS_RISK_FEW_REPLICAS);

        for (i = 0; i < 8; i++) {
                char prefix[16];
                snprintf(prefix, sizeof(prefix), "w%d", i);
                key_on(k[i], sizeof(k[i]), prefix, 1);
                rdr_redis_cmdl(rr, "SET", k[i], prefix, NULL);
        }
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        rdr_redis_reset(rr);
        assert_int_equal(rdr_redis_wait_shortfalls(rr), 0);
        rc = h_cluster_node(&cl, rep);
        assert_non_null(rc);
        r = redisCommand(rc, "READONLY");
        freeReplyObject(r);
        for (i = 0; i < 8; i++) {
                r = redisCommand(rc, "EXISTS %s", k[i]);
                assert_int_equal(r->integer, 1);
                freeReplyObject(r);
        }
        redisFree(rc);

        key_on(k[0], sizeof(k[0]), "w-none", 2);
        rdr_redis_cmdl(rr, "SET", k[1], "again", NULL);
        rdr_redis_cmdl(rr, "SET", k[0], "no replica", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_ERR_REDIS);
        rdr_redis_reset(rr);
        print_message("master 2: %s\n", rdr_redis_errstr(rr));
        snprintf(at, sizeof(at), "127.0.0.1:%d", cl.port[2]);
        assert_non_null(strstr(rdr_redis_errstr(rr), at));
        assert_non_null(strstr(rdr_redis_errstr(rr), "0 of 1 replicas"));
        assert_int_equal(rdr_redis_wait_shortfalls(rr), 1);
        assert_false(rdr_redis_is_up(rr));

        assert_int_equal(kill(cl.pid[rep], SIGSTOP), 0);
        rdr_redis_cmdl(rr, "SET", k[1], "frozen", NULL);
        for (i = 0; i < 50 && err != RDR_OK; i++) {
                err = rdr_redis_exec(rr); /* fails fast while backing off */
                if (err != RDR_OK && rdr_redis_wait_shortfalls(rr) >= 2)
                        break;
                h_sleep_ms(100);
        }
        assert_int_equal(err, RDR_ERR_REDIS);
        snprintf(at, sizeof(at), "127.0.0.1:%d", cl.port[1]);
        assert_non_null(strstr(rdr_redis_errstr(rr), at));
        assert_int_equal(kill(cl.pid[rep], SIGCONT), 0);
        err = h_exec_until_ok(rr, 100, 100);
        assert_int_equal(err, RDR_OK);
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* Master 0 killed with a replica in sync: the cluster promotes the
 * replica, and the client, failing meanwhile, finds the new master in the
 * map it reads again, with what was written before the kill. */
static void failover_to_replica(void **state) {
        int script, rep;
        char k[32];
        rdr_redis_t *rr = client(&script);
        rdr_err_t err = RDR_ERR_REDIS;
        redisReply *w, *role;
        (void)state;
        rep = h_cluster_add_replica(&env, &cl, 0);
        key_on(k, sizeof(k), "fo", 0);
        rdr_redis_cmdl(rr, "SET", k, "before the failover", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        rdr_redis_reset(rr);
        /* The replica has it (WAIT goes to the master of slot 0: master
         * 0, as the key). */
        w = rdr_redis_command(rr, "WAIT 1 5000");
        assert_non_null(w);
        assert_int_equal(w->integer, 1);
        freeReplyObject(w);
        h_cluster_node_stop(&cl, 0);
        rdr_redis_cmdl(rr, "GET", k, NULL);
        err = h_exec_until_ok(rr, 300, 100);
        if (err != RDR_OK)
                print_message("still down: %s\n", rdr_redis_errstr(rr));
        assert_int_equal(err, RDR_OK);
        assert_string_equal(rdr_redis_reply(rr, 0)->str, "before the failover");
        rdr_redis_reset(rr);
        role = h_cluster_command(&cl, rep, "ROLE");
        assert_string_equal(role->element[0]->str, "master");
        freeReplyObject(role);
        /* Three masters again, the promoted replica among them. */
        assert_int_equal(rdr_redis_nodes(rr), 3);
        rdr_redis_cmdl(rr, "SET", k, "after the failover", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        rdr_redis_reset(rr);
        w = h_cluster_command(&cl, rep, "GET %s", k);
        assert_string_equal(w->str, "after the failover");
        freeReplyObject(w);
        rdr_redis_destroy(rr);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(pipeline_split_by_master),
            cmocka_unit_test(follows_moved_and_ask),
            cmocka_unit_test(tryagain_while_keys_split),
            cmocka_unit_test(master_down_and_back),
            cmocka_unit_test(reviews_worker_on_cluster),
            cmocka_unit_test(buyer_tools_on_cluster),
            cmocka_unit_test(waits_on_each_master),
            /* Last: master 0 is gone after it. */
            cmocka_unit_test(failover_to_replica),
        };
        h_test_filter();
        return cmocka_run_group_tests(tests, setup, teardown);
}

/* The Redis client's pipelines against a real redis-server: binary-safe
 * arguments, commands written early and abandoned, scripts flushed from
 * the server, pipelines of several megabytes, and pipelines that wait for
 * a replica, and a server that answers but cannot serve; and the
 * workers' apply script: applied once, replayed, refused on a stale
 * compare-and-set. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redis.h"
#include "run.h"
#include "harness.h"

static const char echo_lua[] = "return {KEYS[1], ARGV[1]}\n";

/* A client of the test's Redis with the script lua as *script. */
static rdr_redis_t *script_client(h_env_t *h, const char *name, const char *lua,
                                  int *script) {
        char errstr[256];
        rdr_redis_t *rr = rdr_redis_new(h->redis_url, 2000, 5000, 1000, errstr,
                                        sizeof(errstr));
        assert_non_null(rr);
        *script = rdr_redis_script_add(rr, name, lua);
        assert_int_equal(rdr_redis_connect(rr), RDR_OK);
        return rr;
}

static rdr_redis_t *client(h_env_t *h, int *script) {
        return script_client(h, "echo", echo_lua, script);
}

/* Arguments with NUL bytes, CR LF and a length of 0 come back unchanged;
 * replies are in the order of the commands. */
static void binary_arguments(void **state) {
        h_env_t *h = *state;
        int script;
        rdr_redis_t *rr = client(h, &script);
        static const char val[] = "a\0b\r\nc$3\r\n*1";
        const char *set[4] = {"HSET", "it:bin", "f", val};
        size_t setl[4] = {4, 6, 1, sizeof(val) - 1};
        const char *empty[4] = {"HSET", "it:bin", "e", ""};
        const char *get[3] = {"HGET", "it:bin", "f"};
        const char *gete[3] = {"HGET", "it:bin", "e"};
        const redisReply *r;
        rdr_redis_cmd(rr, 4, set, setl);
        rdr_redis_cmd(rr, 4, empty, NULL);
        rdr_redis_cmd(rr, 3, get, NULL);
        rdr_redis_cmd(rr, 3, gete, NULL);
        rdr_redis_cmdf(rr, "INCRBY it:n %d", 41);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        assert_int_equal(rdr_redis_replies(rr), 5);
        r = rdr_redis_reply(rr, 2);
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        assert_int_equal(r->len, sizeof(val) - 1);
        assert_memory_equal(r->str, val, sizeof(val) - 1);
        r = rdr_redis_reply(rr, 3);
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        assert_int_equal(r->len, 0);
        assert_int_equal(rdr_redis_reply(rr, 4)->integer, 41);
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* Commands written early and then dropped (the batch failed before its
 * exec) have run on the server, and their replies do not leak into the
 * next pipeline. */
static void sent_then_reset(void **state) {
        h_env_t *h = *state;
        int script, i;
        rdr_redis_t *rr = client(h, &script);
        char n[16];
        for (i = 0; i < 100; i++) {
                snprintf(n, sizeof(n), "%d", i);
                rdr_redis_cmdf(rr, "RPUSH it:early %s", n);
        }
        rdr_redis_send(rr);
        assert_int_equal(rdr_redis_unsent(rr), 0);
        rdr_redis_cmdf(rr, "RPUSH it:early never");
        rdr_redis_reset(rr);
        rdr_redis_cmdf(rr, "LLEN it:early");
        rdr_redis_cmdf(rr, "LINDEX it:early -1");
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        assert_int_equal(rdr_redis_replies(rr), 2);
        assert_int_equal(rdr_redis_reply(rr, 0)->integer, 100);
        assert_string_equal(rdr_redis_reply(rr, 1)->str, "99");
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* A pipeline of EVALSHA sent partly early, after the server lost its
 * scripts: every call is answered, none twice. */
static void scripts_flushed(void **state) {
        h_env_t *h = *state;
        int script, i;
        rdr_redis_t *rr = client(h, &script);
        redisReply *fl = redisCommand(h->redis, "SCRIPT FLUSH");
        assert_non_null(fl);
        freeReplyObject(fl);
        for (i = 0; i < 10; i++) {
                char arg[16];
                const char *argv[2] = {"it:k", arg};
                snprintf(arg, sizeof(arg), "v%d", i);
                rdr_redis_eval(rr, script, 1, 2, argv, NULL);
                if (i == 4)
                        rdr_redis_send(rr);
        }
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        assert_int_equal(rdr_redis_replies(rr), 10);
        for (i = 0; i < 10; i++) {
                const redisReply *r = rdr_redis_reply(rr, (size_t)i);
                char want[16];
                snprintf(want, sizeof(want), "v%d", i);
                assert_int_equal(r->type, REDIS_REPLY_ARRAY);
                assert_string_equal(r->element[0]->str, "it:k");
                assert_string_equal(r->element[1]->str, want);
        }
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* 8 MiB of arguments, written in pieces while queued, all stored. */
static void large_pipeline(void **state) {
        h_env_t *h = *state;
        int script, i;
        rdr_redis_t *rr = client(h, &script);
        size_t len = 64 * 1024;
        char *blob = malloc(len);
        assert_non_null(blob);
        for (size_t j = 0; j < len; j++)
                blob[j] = (char)(j * 7);
        for (i = 0; i < 128; i++) {
                char key[32];
                const char *argv[3] = {"SET", key, blob};
                size_t lens[3] = {3, 0, len};
                snprintf(key, sizeof(key), "it:big:%d", i);
                lens[1] = strlen(key);
                rdr_redis_cmd(rr, 3, argv, lens);
                if (rdr_redis_unsent(rr) > 256 * 1024)
                        rdr_redis_send(rr);
        }
        rdr_redis_cmdf(rr, "STRLEN it:big:127");
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        assert_int_equal(rdr_redis_replies(rr), 129);
        assert_int_equal(rdr_redis_reply(rr, 128)->integer, (long long)len);
        rdr_redis_reset(rr);
        {
                redisReply *r = redisCommand(h->redis, "GET it:big:64");
                assert_non_null(r);
                assert_int_equal(r->len, len);
                assert_memory_equal(r->str, blob, len);
                freeReplyObject(r);
        }
        free(blob);
        rdr_redis_destroy(rr);
}

/* One call of the apply script through rr (the first keys of its argc
 * arguments are keys): its reply, once the pipeline went through. */
static const redisReply *run_apply(rdr_redis_t *rr, int script, int keys,
                                   const char **argv, size_t argc) {
        rdr_redis_reset(rr);
        rdr_redis_eval(rr, script, keys, (int)argc, argv, NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        return rdr_redis_reply(rr, 0);
}

/* One apply of the workers' script: event dedupe key, the case's version
 * before (cas, "" = no case yet) and after, the retention of the case and
 * set (keep_ms), one outbox entry; the case's field writes counts the
 * applies. */
static const redisReply *apply_keep(rdr_redis_t *rr, int script,
                                    const char *seen, const char *cas,
                                    const char *version, const char *keep,
                                    const char *entry) {
        const char *argv[] = {
            /* KEYS: dedupe, outbox, hash, set */
            seen, "it:{c:1}:outbox", "it:{c:1}", "it:{c:1}:set",
            /* ttl_ms, #hash strings, #members, #entries */
            "60000", "4", "1", "1",
            /* cas field, cas expected, keep_ms, the count of writes */
            "version", cas, keep, "writes",
            /* the hash's pairs, the set member, the outbox id and value */
            "version", version, "case", entry, entry, entry, entry};
        return run_apply(rr, script, 4, argv, sizeof(argv) / sizeof(argv[0]));
}

static const redisReply *apply_once(rdr_redis_t *rr, int script,
                                    const char *seen, const char *cas,
                                    const char *version, const char *entry) {
        return apply_keep(rr, script, seen, cas, version, "0", entry);
}

static void assert_hget(h_env_t *h, const char *key, const char *field,
                        const char *want) {
        char got[256];
        const char *t = h_hget(h, key, field, got, sizeof(got));
        if (want)
                assert_string_equal(t ? t : "(nil)", want);
        else
                assert_null(t);
}

static rdr_redis_t *apply_client(h_env_t *h, int *script) {
        return script_client(h, "apply", rdr_worker_apply_script(), script);
}

/* The apply script writes an event's effects once: applied, then a replay
 * changes nothing and returns the pending entries, and an event decided on
 * a version that moved on writes nothing at all (its dedupe key included:
 * it is decided again) and says what the version is. */
static void apply_script(void **state) {
        h_env_t *h = *state;
        int script;
        rdr_redis_t *rr = apply_client(h, &script);
        const redisReply *r;

        r = apply_once(rr, script, "it:{c:1}:seen:e1", "", "1", "b:e1");
        assert_int_equal(r->type, REDIS_REPLY_ARRAY);
        assert_int_equal(r->element[0]->integer, 1);
        assert_hget(h, "it:{c:1}", "version", "1");
        assert_hget(h, "it:{c:1}", "writes", "1");
        assert_hget(h, "it:{c:1}:outbox", "b:e1", "b:e1");
        assert_true(h_redis_int(h, "PTTL", "it:{c:1}:seen:e1") > 0);
        assert_true(h_redis_int(h, "PTTL", "it:{c:1}:outbox") > 0);

        /* The same event again: a replay, with the entry still pending. */
        r = apply_once(rr, script, "it:{c:1}:seen:e1", "", "1", "b:e1");
        assert_int_equal(r->element[0]->integer, 0);
        assert_int_equal(r->element[1]->elements, 2);
        assert_string_equal(r->element[1]->element[0]->str, "b:e1");

        /* Another event decided on no case (""), but the case is at 1. */
        r = apply_once(rr, script, "it:{c:1}:seen:e2", "", "1", "b:e2");
        assert_int_equal(r->element[0]->integer, 2);
        assert_string_equal(r->element[1]->str, "1");
        assert_int_equal(h_redis_int(h, "EXISTS", "it:{c:1}:seen:e2"), 0);
        assert_hget(h, "it:{c:1}:outbox", "b:e2", NULL);
        assert_hget(h, "it:{c:1}", "case", "b:e1");
        /* Neither the replay nor the refused write counted. */
        assert_hget(h, "it:{c:1}", "writes", "1");
        assert_int_equal(h_redis_int(h, "SCARD", "it:{c:1}:set"), 1);

        /* Decided again on version 1: applied. */
        r = apply_once(rr, script, "it:{c:1}:seen:e2", "1", "2", "b:e2");
        assert_int_equal(r->element[0]->integer, 1);
        assert_hget(h, "it:{c:1}", "version", "2");
        assert_hget(h, "it:{c:1}", "writes", "2");
        assert_hget(h, "it:{c:1}", "case", "b:e2");
        assert_int_equal(h_redis_int(h, "SCARD", "it:{c:1}:set"), 2);
        /* Kept for ever so far. */
        assert_int_equal(h_redis_int(h, "PTTL", "it:{c:1}"), -1);
        assert_int_equal(h_redis_int(h, "PTTL", "it:{c:1}:set"), -1);

        /* Written with a retention: the case and its set expire then. */
        r = apply_keep(rr, script, "it:{c:1}:seen:e3", "2", "3", "86400000",
                       "b:e3");
        assert_int_equal(r->element[0]->integer, 1);
        assert_in_range(h_redis_int(h, "PTTL", "it:{c:1}"), 86000000, 86400000);
        assert_in_range(h_redis_int(h, "PTTL", "it:{c:1}:set"), 86000000,
                        86400000);
        /* Refused by the compare-and-set: the retention is not touched. */
        r = apply_keep(rr, script, "it:{c:1}:seen:e4", "2", "3", "-1", "b:e4");
        assert_int_equal(r->element[0]->integer, 2);
        assert_true(h_redis_int(h, "PTTL", "it:{c:1}") > 0);
        /* A write that keeps the case for ever again (the set's expiry is
         * left). */
        r = apply_keep(rr, script, "it:{c:1}:seen:e4", "3", "4", "-1", "b:e4");
        assert_int_equal(r->element[0]->integer, 1);
        assert_int_equal(h_redis_int(h, "PTTL", "it:{c:1}"), -1);
        assert_true(h_redis_int(h, "PTTL", "it:{c:1}:set") > 0);
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* An apply guarded by counts kept in another hash (an order's per-order
 * limits: fields sent:<case> and asked:<case> of it:{o:1}): cnt counters
 * from prefix/maxes, own fields sent:me and asked:me; then sent:me set to
 * mine. */
static const redisReply *apply_guarded(rdr_redis_t *rr, int script,
                                       const char *seen, const char *cas,
                                       const char *version, const char *max1,
                                       const char *max2, const char *mine) {
        const char *argv[] = {
            /* KEYS: dedupe, outbox, hash, set, guard */
            seen, "it:{c:2}:outbox", "it:{c:2}", "it:{c:2}:set", "it:{o:1}",
            /* ttl_ms, #hash strings, #members, #entries, cas, keep_ms */
            "60000", "4", "1", "1", "version", cas, "0", "",
            /* the hash's pairs, the set member, the outbox id and value */
            "version", version, "case", seen, seen, seen, seen,
            /* 2 counters: prefix, own field, max; keep_ms; pairs */
            "2", "sent:*", "sent:me", max1, "asked:*", "asked:me", max2,
            "86400000", "sent:me", mine};
        return run_apply(rr, script, 5, argv, sizeof(argv) / sizeof(argv[0]));
}

/* The guard: the effects apply only while the other cases' counts (own
 * field and other fields left out) are within the maxima the step was
 * decided on; refused, nothing is written (dedupe key, case, counts); a
 * replay does not look at the counts. */
static void apply_script_guard(void **state) {
        h_env_t *h = *state;
        int script;
        rdr_redis_t *rr = apply_client(h, &script);
        const redisReply *r;
        redisReply *set;
        set =
            redisCommand(h->redis, "HSET it:{o:1} sent:a 1 sent:b 1 sent:me 3 "
                                   "asked:a 1 case_id a");
        assert_non_null(set);
        freeReplyObject(set);

        /* The other cases sent 2, the step was decided on 1: refused. */
        r = apply_guarded(rr, script, "it:{c:2}:seen:e1", "", "1", "1", "1",
                          "4");
        assert_int_equal(r->element[0]->integer, 3);
        assert_string_equal(r->element[1]->str, "sent:*");
        assert_int_equal(r->element[2]->integer, 2);
        assert_int_equal(h_redis_int(h, "EXISTS", "it:{c:2}:seen:e1"), 0);
        assert_int_equal(h_redis_int(h, "EXISTS", "it:{c:2}"), 0);
        assert_int_equal(h_redis_int(h, "EXISTS", "it:{c:2}:outbox"), 0);
        assert_hget(h, "it:{o:1}", "sent:me", "3");
        /* The second counter over its max: refused too. */
        r = apply_guarded(rr, script, "it:{c:2}:seen:e1", "", "1", "2", "0",
                          "4");
        assert_int_equal(r->element[0]->integer, 3);
        assert_string_equal(r->element[1]->str, "asked:*");
        assert_hget(h, "it:{o:1}", "sent:me", "3");

        /* Decided on what the others sent: applied, counts written. */
        r = apply_guarded(rr, script, "it:{c:2}:seen:e1", "", "1", "2", "1",
                          "4");
        assert_int_equal(r->element[0]->integer, 1);
        assert_hget(h, "it:{c:2}", "version", "1");
        assert_hget(h, "it:{o:1}", "sent:me", "4");
        assert_hget(h, "it:{o:1}", "case_id", "a");
        assert_in_range(h_redis_int(h, "PTTL", "it:{o:1}"), 86000000, 86400000);

        /* A replay changes nothing, whatever the counts say now. */
        r = apply_guarded(rr, script, "it:{c:2}:seen:e1", "", "1", "0", "0",
                          "9");
        assert_int_equal(r->element[0]->integer, 0);
        assert_hget(h, "it:{o:1}", "sent:me", "4");
        /* The compare-and-set is checked first: a version that moved on
         * answers 2 even where the counts would refuse. */
        r = apply_guarded(rr, script, "it:{c:2}:seen:e2", "", "1", "0", "0",
                          "9");
        assert_int_equal(r->element[0]->integer, 2);
        assert_hget(h, "it:{o:1}", "sent:me", "4");
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* The sums a worker reads off an HGETALL (rdr_hash_prefix_sum()) are the
 * sums the script's guard takes: a guard at the read's sum applies, and
 * refuses once a field under the prefix moved on (an order's write
 * counters, its parcels' and its chats', its listed cases; other fields,
 * values that are not numbers and the field own left out). */
static void apply_script_guard_sums_as_read(void **state) {
        h_env_t *h = *state;
        int script;
        rdr_redis_t *rr = apply_client(h, &script);
        const redisReply *r;
        redisReply *set, *all;
        long long writes, cases;
        int k;
        set = redisCommand(h->redis, "HSET it:{o:3} writes:parcel: 2 "
                                     "writes:parcel:SF8: 3 writes:chats 1 "
                                     "parcel_version 2 "
                                     "case:a 1 case:b 1 case_id a case:x yes");
        assert_non_null(set);
        freeReplyObject(set);
        all = redisCommand(h->redis, "HGETALL it:{o:3}");
        assert_true(all && all->type == REDIS_REPLY_ARRAY);
        writes = rdr_hash_prefix_sum(all, "writes:", NULL);
        cases = rdr_hash_prefix_sum(all, "case:", NULL);
        assert_int_equal(writes, 6);
        assert_int_equal(cases, 2);
        assert_int_equal(rdr_hash_prefix_sum(all, "case:", "case:b"), 1);
        freeReplyObject(all);

        for (k = 0; k < 3; k++) {
                char seen[32], max_w[24], max_c[24];
                const char *argv[] = {seen,       "it:{o:3}:outbox",
                                      "it:{o:3}", "it:{o:3}:set",
                                      "it:{o:3}", "60000",
                                      "2",        "0",
                                      "0",        "",
                                      "",         "0",
                                      "",         "f",
                                      "v",        "2",
                                      "writes:*", "",
                                      max_w,      "case:*",
                                      "",         max_c,
                                      "0"};
                snprintf(seen, sizeof(seen), "it:{o:3}:seen:%d", k);
                snprintf(max_w, sizeof(max_w), "%lld", writes);
                snprintf(max_c, sizeof(max_c), "%lld", cases);
                if (k == 1) {
                        /* a parcel written since the read */
                        set = redisCommand(h->redis, "HSET it:{o:3} "
                                                     "writes:parcel:SF8: 4");
                        freeReplyObject(set);
                }
                if (k == 2) {
                        /* read again; a case listed since */
                        snprintf(max_w, sizeof(max_w), "%lld", writes + 1);
                        set = redisCommand(h->redis, "HSET it:{o:3} case:c 1");
                        freeReplyObject(set);
                }
                r = run_apply(rr, script, 5, argv,
                              sizeof(argv) / sizeof(argv[0]));
                if (k == 0) {
                        assert_int_equal(r->element[0]->integer, 1);
                        continue;
                }
                assert_int_equal(r->element[0]->integer, 3);
                assert_string_equal(r->element[1]->str,
                                    k == 1 ? "writes:*" : "case:*");
                assert_int_equal(r->element[2]->integer,
                                 k == 1 ? writes + 1 : cases + 1);
                assert_int_equal(h_redis_int(h, "EXISTS", seen), 0);
        }
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* A guard hash too large for one HSCAN call (an order record of
 * thousands of fields): the script's scan goes on to the end and sums each
 * matching field once, as rdr_hash_prefix_sum() sums the HGETALL, so a
 * guard at the read's sum applies and one below it refuses. */
static void apply_script_guard_scans_a_large_hash(void **state) {
        h_env_t *h = *state;
        int script, k;
        rdr_redis_t *rr = apply_client(h, &script);
        const redisReply *r;
        redisReply *set, *scan, *all;
        long long cases;
        /* 3,000 fields under case:, 5,000 others, in one pipeline. */
        for (k = 0; k < 8000; k++)
                assert_int_equal(
                    redisAppendCommand(h->redis,
                                       k < 3000 ? "HSET it:{o:4} case:%d 1"
                                                : "HSET it:{o:4} f%d x",
                                       k),
                    REDIS_OK);
        for (k = 0; k < 8000; k++) {
                assert_int_equal(redisGetReply(h->redis, (void **)&set),
                                 REDIS_OK);
                freeReplyObject(set);
        }
        /* The premise: one call of the script's does not see it all. */
        scan =
            redisCommand(h->redis, "HSCAN it:{o:4} 0 MATCH case:* COUNT 1000");
        assert_true(scan && scan->type == REDIS_REPLY_ARRAY);
        assert_string_not_equal(scan->element[0]->str, "0");
        assert_true(scan->element[1]->elements < 2 * 3000);
        freeReplyObject(scan);
        all = redisCommand(h->redis, "HGETALL it:{o:4}");
        assert_true(all && all->type == REDIS_REPLY_ARRAY);
        cases = rdr_hash_prefix_sum(all, "case:", "case:7");
        assert_int_equal(cases, 2999);
        freeReplyObject(all);

        for (k = 0; k < 2; k++) {
                char seen[32], max_c[24];
                const char *argv[] = {seen,       "it:{o:4}:outbox",
                                      "it:{o:4}", "it:{o:4}:set",
                                      "it:{o:4}", "60000",
                                      "2",        "0",
                                      "0",        "",
                                      "",         "0",
                                      "",         "f",
                                      "v",        "1",
                                      "case:*",   "case:7",
                                      max_c,      "0"};
                snprintf(seen, sizeof(seen), "it:{o:4}:seen:%d", k);
                /* below the sum first (refused), then at it (applied) */
                snprintf(max_c, sizeof(max_c), "%lld", cases - 1 + k);
                r = run_apply(rr, script, 5, argv,
                              sizeof(argv) / sizeof(argv[0]));
                assert_int_equal(r->element[0]->integer, k ? 1 : 3);
                if (!k)
                        assert_int_equal(r->element[2]->integer, cases);
                assert_int_equal(h_redis_int(h, "EXISTS", seen), k);
        }
        assert_hget(h, "it:{o:4}", "f", "v");
        rdr_redis_reset(rr);
        rdr_redis_destroy(rr);
}

/* GET key on the server at port (a replica), into out. */
static const char *get_on(int port, const char *key, char *out, size_t size) {
        redisContext *c = redisConnect("127.0.0.1", port);
        redisReply *r;
        assert_true(c && !c->err);
        r = redisCommand(c, "GET %s", key);
        assert_non_null(r);
        snprintf(out, size, "%s", r->type == REDIS_REPLY_STRING ? r->str : "");
        freeReplyObject(r);
        redisFree(c);
        return out;
}

/* rdr_redis_wait_replicas(1): what a pipeline wrote is on the replica
 * when the exec returns, scripts sent again after NOSCRIPT included. With
 * the replica frozen (SIGSTOP) the exec fails, naming the server and the
 * count; the queue is kept and may grow, and goes through once the
 * replica answers, every reply the caller's own. Last: it leaves the
 * replica. */
static void wait_for_a_replica(void **state) {
        static const char set_lua[] =
            "redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1]\n";
        h_env_t *h = *state;
        char errstr[256], v[64], at[32];
        int port, script, i;
        pid_t replica = h_redis_replica(h, &port);
        rdr_redis_t *rr = rdr_redis_new(h->redis_url, 2000, 5000, 100, errstr,
                                        sizeof(errstr));
        rdr_err_t err = RDR_ERR_REDIS;
        assert_non_null(rr);
        script = rdr_redis_script_add(rr, "set", set_lua);
        rdr_redis_wait_replicas(rr, 1, 300);
        assert_int_equal(rdr_redis_connect(rr), RDR_OK);
        {
                redisReply *fl = redisCommand(h->redis, "SCRIPT FLUSH");
                assert_non_null(fl);
                freeReplyObject(fl);
        }
        for (i = 0; i < 20; i++) {
                char k[16], val[16];
                const char *argv[2] = {k, val};
                snprintf(k, sizeof(k), "it:w%d", i);
                snprintf(val, sizeof(val), "v%d", i);
                if (i % 2)
                        rdr_redis_eval(rr, script, 1, 2, argv, NULL);
                else
                        rdr_redis_cmdl(rr, "SET", k, val, NULL);
                if (i == 9)
                        rdr_redis_send(rr);
        }
        assert_int_equal(rdr_redis_exec(rr), RDR_OK);
        assert_int_equal(rdr_redis_replies(rr), 20);
        assert_string_equal(rdr_redis_reply(rr, 19)->str, "v19");
        rdr_redis_reset(rr);
        for (i = 0; i < 20; i++) {
                char k[16], want[16];
                snprintf(k, sizeof(k), "it:w%d", i);
                snprintf(want, sizeof(want), "v%d", i);
                assert_string_equal(get_on(port, k, v, sizeof(v)), want);
        }
        assert_int_equal(rdr_redis_wait_shortfalls(rr), 0);

        assert_int_equal(kill(replica, SIGSTOP), 0);
        rdr_redis_cmdl(rr, "SET", "it:w-frozen", "1", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_ERR_REDIS);
        print_message("frozen: %s\n", rdr_redis_errstr(rr));
        snprintf(at, sizeof(at), "127.0.0.1:%d", h->redis_port);
        assert_non_null(strstr(rdr_redis_errstr(rr), at));
        assert_non_null(strstr(rdr_redis_errstr(rr), "0 of 1 replicas"));
        assert_int_equal(rdr_redis_wait_shortfalls(rr), 1);
        assert_false(rdr_redis_is_up(rr));
        rdr_redis_cmdl(rr, "GET", "it:w3", NULL);
        assert_int_equal(kill(replica, SIGCONT), 0);
        err = h_exec_until_ok(rr, 100, 50);
        assert_int_equal(err, RDR_OK);
        assert_int_equal(rdr_redis_replies(rr), 2);
        assert_string_equal(rdr_redis_reply(rr, 0)->str, "OK");
        assert_string_equal(rdr_redis_reply(rr, 1)->str, "v3");
        rdr_redis_reset(rr);
        assert_string_equal(get_on(port, "it:w-frozen", v, sizeof(v)), "1");
        rdr_redis_destroy(rr);
}

/* A server that answers but cannot serve (here a script past its time
 * limit, BUSY; LOADING after a restart and CLUSTERDOWN go the same way):
 * the pipeline fails as a lost connection does, rather than hand the
 * error replies back as answers (a case read so would look absent). Once
 * the server serves again, the same pipeline goes through. */
static void server_that_cannot_serve(void **state) {
        h_env_t *h = *state;
        int script, done = 0;
        rdr_redis_t *rr = client(h, &script);
        redisContext *spin;
        redisReply *r;
        rdr_err_t err = RDR_ERR_REDIS;
        r = redisCommand(h->redis, "SET it:busy here");
        freeReplyObject(r);
        r = redisCommand(h->redis, "CONFIG SET busy-reply-threshold 50");
        assert_non_null(r);
        assert_int_equal(r->type, REDIS_REPLY_STATUS);
        freeReplyObject(r);
        spin = redisConnect("127.0.0.1", h->redis_port);
        assert_true(spin && !spin->err);
        redisAppendCommand(spin, "EVAL %s 0", "while true do end");
        while (!done)
                assert_int_equal(redisBufferWrite(spin, &done), REDIS_OK);
        h_sleep_ms(300);

        rdr_redis_cmdl(rr, "GET", "it:busy", NULL);
        assert_int_equal(rdr_redis_exec(rr), RDR_ERR_REDIS);
        print_message("busy: %s\n", rdr_redis_errstr(rr));
        /* (the reconnect that retried it met the same: SCRIPT LOAD) */
        assert_non_null(strstr(rdr_redis_errstr(rr), "BUSY"));
        assert_false(rdr_redis_is_up(rr));

        r = redisCommand(h->redis, "SCRIPT KILL");
        assert_non_null(r);
        freeReplyObject(r);
        err = h_exec_until_ok(rr, 100, 50);
        assert_int_equal(err, RDR_OK);
        assert_true(rdr_redis_is_up(rr));
        assert_int_equal(rdr_redis_replies(rr), 1);
        assert_string_equal(rdr_redis_reply(rr, 0)->str, "here");
        rdr_redis_reset(rr);
        r = redisCommand(h->redis, "CONFIG SET busy-reply-threshold 5000");
        freeReplyObject(r);
        redisFree(spin);
        rdr_redis_destroy(rr);
}

static int setup(void **state) {
        static h_env_t h;
        h_start(&h, 1);
        *state = &h;
        return 0;
}

static int teardown(void **state) {
        h_stop(*state);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(binary_arguments),
            cmocka_unit_test(sent_then_reset),
            cmocka_unit_test(scripts_flushed),
            cmocka_unit_test(large_pipeline),
            cmocka_unit_test(apply_script),
            cmocka_unit_test(apply_script_guard),
            cmocka_unit_test(apply_script_guard_sums_as_read),
            cmocka_unit_test(apply_script_guard_scans_a_large_hash),
            cmocka_unit_test(wait_for_a_replica),
            cmocka_unit_test(server_that_cannot_serve),
        };
        h_test_filter();
        return cmocka_run_group_tests(tests, setup, teardown);
}

/* Durable timers against a real redis-server: two timer workers racing over
 * the same 10,000 due timers fire each exactly once; a timer claimed by a
 * worker that was killed before completing it is re-armed when its lease
 * expires and fired by the other. */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "harness.h"
#include "timers.h"

#define SHARDS 16

static h_env_t env;

static int setup(void **state) {
        (void)state;
        h_start(&env, 2);
        return 0;
}

static int teardown(void **state) {
        (void)state;
        h_stop(&env);
        return 0;
}

static void arm(int n, const char *prefix, long long due) {
        int i;
        for (i = 0; i < n; i++) {
                char member[64], key[64];
                snprintf(member, sizeof(member), "%s:%d", prefix, i);
                rdr_timer_due_key(key, sizeof(key), member, strlen(member),
                                  SHARDS);
                redisAppendCommand(env.redis, "ZADD %s %lld %s", key, due,
                                   member);
        }
        for (i = 0; i < n; i++) {
                redisReply *r;
                assert_int_equal(redisGetReply(env.redis, (void **)&r),
                                 REDIS_OK);
                freeReplyObject(r);
        }
}

/* Timers due or leased, in all shards. */
static long long pending(void) {
        return h_timers_pending(&env, SHARDS, LLONG_MAX, NULL, NULL);
}

static void wait_fired(pid_t *pids, int npids, double want, int timeout_ms) {
        int64_t start = rdr_mono_ms();
        double sum = 0;
        int i;
        while (rdr_mono_ms() - start < timeout_ms) {
                sum = 0;
                for (i = 0; i < npids; i++)
                        sum += h_metric(pids[i], "redress_timers_fired_total");
                if (sum >= want && pending() == 0)
                        break;
                h_sleep_ms(100);
        }
}

static void test_two_workers_fire_each_timer_once(void **state) {
        pid_t pids[2];
        double a, b;
        (void)state;
        arm(10000, "test:race", (long long)rdr_wall_ms() - 1000);
        pids[0] = h_worker(&env, "timers", NULL);
        pids[1] = h_worker(&env, "timers", NULL);
        wait_fired(pids, 2, 10000, 60000);
        /* A little longer: a double fire would show up now. */
        h_sleep_ms(1000);
        a = h_metric(pids[0], "redress_timers_fired_total");
        b = h_metric(pids[1], "redress_timers_fired_total");
        print_message("worker 1 fired %.0f, worker 2 fired %.0f\n", a, b);
        assert_true(a >= 0 && b >= 0);
        assert_int_equal((long long)(a + b), 10000);
        assert_int_equal(pending(), 0);
}

static void test_lease_expiry_refires_a_dead_workers_timer(void **state) {
        redisReply *r;
        pid_t pid;
        long long now = (long long)rdr_wall_ms();
        (void)state;
        /* A timer that a dead worker claimed (leased, generation 1) with a
         * lease that has run out. */
        {
                char key[64];
                const char *member = "test:orphan:0";
                int shard;
                rdr_timer_due_key(key, sizeof(key), member, strlen(member),
                                  SHARDS);
                shard = (int)strtol(key + strlen("redress:{t:"), NULL, 10);
                r = redisCommand(env.redis, "ZADD redress:{t:%d}:lease %lld %s",
                                 shard, now - 1, member);
                freeReplyObject(r);
                r = redisCommand(env.redis, "HSET redress:{t:%d}:gen %s 1",
                                 shard, member);
                freeReplyObject(r);
        }
        pid = h_worker(&env, "timers", NULL);
        wait_fired(&pid, 1, 1, 20000);
        assert_int_equal((long long)h_metric(pid, "redress_timers_fired_total"),
                         1);
        assert_int_equal(pending(), 0);
}

/* The timer set of the direct tests (setup_direct), as a timer worker
 * uses it. */
static rdr_redis_t *rr;
static rdr_timers_t *timers;

static int setup_direct(void **state) {
        char errstr[256];
        setup(state);
        rr = rdr_redis_new(env.redis_url, 2000, 5000, 1000, errstr,
                           sizeof(errstr));
        if (!rr || !(timers = rdr_timers_new(rr, SHARDS)))
                fail_msg("the timer set: %s", rr ? "out of memory" : errstr);
        return 0;
}

static int teardown_direct(void **state) {
        rdr_timers_destroy(timers);
        rdr_redis_destroy(rr);
        return teardown(state);
}

/* Claim every due timer (the fleet clock far ahead) into *out. */
static size_t claim_all(rdr_timer_t **out) {
        size_t n = 0;
        int64_t next;
        assert_int_equal(rdr_timers_claim(timers, INT64_MAX / 2, 60000,
                                          100 * SHARDS, out, &n, &next),
                         RDR_OK);
        return n;
}

/* Complete tm (give it back if give_back): 1 if its lease was its
 * holder's, 0 if not. */
static long long finish(const rdr_timer_t *tm, int give_back) {
        char keys[3][64], nums[2][24];
        const char *argv[6];
        size_t lens[6];
        int script =
            rdr_timers_complete_args(timers, tm, keys, nums, argv, lens);
        rdr_redis_eval(rr, script, 3, give_back ? 6 : 5, argv, lens);
        return h_exec_int(rr);
}

static long long complete(const rdr_timer_t *tm) {
        return finish(tm, 0);
}

/* A timer completed and armed again (a replay re-publishing its arm) is
 * claimed under a generation it never had: a worker that held it before
 * and completes late (its lease ran out, another fired it) cannot take
 * the new holder's lease (which, lost with that holder, would leave the
 * timer in neither set). */
static void test_generations_never_repeat(void **state) {
        rdr_timer_t *first, *second, *third;
        (void)state;
        arm(1, "test:gen", 1);
        assert_int_equal(claim_all(&first), 1); /* A: its lease runs out */
        {
                char lua[256];
                redisReply *r;
                snprintf(lua, sizeof(lua),
                         "for s = 0, %d do local k = "
                         "'redress:{t:'..s..'}:lease' for _, m in "
                         "ipairs(redis.call('ZRANGE', k, 0, -1)) do "
                         "redis.call('ZADD', k, 1, m) end end",
                         SHARDS - 1);
                r = redisCommand(env.redis, "EVAL %s 0", lua);
                assert_non_null(r);
                assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
                freeReplyObject(r);
        }
        assert_int_equal(claim_all(&second), 1); /* B fires it */
        assert_int_equal(complete(&second[0]), 1);
        arm(1, "test:gen", 1);                  /* armed again */
        assert_int_equal(claim_all(&third), 1); /* C */
        assert_true(third[0].gen != first[0].gen);
        assert_true(third[0].gen != second[0].gen);
        /* A completes late: C keeps its lease. */
        assert_int_equal(complete(&first[0]), 0);
        assert_int_equal(pending(), 1);
        assert_int_equal(complete(&third[0]), 1);
        assert_int_equal(pending(), 0);
        rdr_timers_free_claimed(first, 1);
        rdr_timers_free_claimed(second, 1);
        rdr_timers_free_claimed(third, 1);
}

/* A timer whose firing was refused (its case moved on between the tick's
 * read and its write) is given back: due again at its due time, so the
 * next tick fires it under a new generation, not when its lease runs
 * out. A holder whose lease was lost meanwhile cannot give it back. */
static void test_a_refused_timer_is_given_back(void **state) {
        rdr_timer_t *first, *second, *third;
        (void)state;
        arm(1, "test:back", 1000);
        assert_int_equal(claim_all(&first), 1);
        assert_int_equal(first[0].due_ms, 1000);
        assert_int_equal(finish(&first[0], 1), 1);
        assert_int_equal(pending(), 1);
        /* Due again at once, at its own due time, under a new generation;
         * its lease (60 s, claim_all) is not what brought it back. */
        assert_int_equal(claim_all(&second), 1);
        assert_string_equal(second[0].member, "test:back:0");
        assert_int_equal(second[0].due_ms, 1000);
        assert_true(second[0].gen != first[0].gen);
        /* The first holder, late: neither gives back nor completes it. */
        assert_int_equal(finish(&first[0], 1), 0);
        assert_int_equal(finish(&first[0], 0), 0);
        assert_int_equal(claim_all(&third), 0);
        assert_int_equal(pending(), 1);
        assert_int_equal(complete(&second[0]), 1);
        assert_int_equal(pending(), 0);
        rdr_timers_free_claimed(first, 1);
        rdr_timers_free_claimed(second, 1);
        rdr_timers_free_claimed(third, 0);
}

/* A round claims at most its limit over all shards (limit / shards from
 * each, at least one), however many are due: the timers worker's memory
 * follows timers.claim_max, not claim_max times the shards. */
static void test_a_round_claims_at_most_its_limit(void **state) {
        rdr_timer_t *a, *b, *rest;
        size_t na = 0, nb = 0;
        int64_t next;
        (void)state;
        arm(400, "test:round", 1);
        assert_int_equal(rdr_timers_shard_limit(timers, 40), 40 / SHARDS);
        assert_int_equal(rdr_timers_shard_limit(timers, 5), 1);
        assert_int_equal(
            rdr_timers_claim(timers, 1000, 60000, 40, &a, &na, &next), RDR_OK);
        assert_true(na > 0 && na <= 40);
        assert_int_equal(
            rdr_timers_claim(timers, 1000, 60000, 5, &b, &nb, &next), RDR_OK);
        assert_true(nb > 0 && nb <= SHARDS);
        /* Nothing was lost: the rest are still due. */
        assert_int_equal(claim_all(&rest), 400 - na - nb);
        rdr_timers_free_claimed(a, na);
        rdr_timers_free_claimed(b, nb);
        rdr_timers_free_claimed(rest, 400 - na - nb);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(
                test_two_workers_fire_each_timer_once, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_lease_expiry_refires_a_dead_workers_timer, setup,
                teardown),
            cmocka_unit_test_setup_teardown(test_generations_never_repeat,
                                            setup_direct, teardown_direct),
            cmocka_unit_test_setup_teardown(test_a_refused_timer_is_given_back,
                                            setup_direct, teardown_direct),
            cmocka_unit_test_setup_teardown(
                test_a_round_claims_at_most_its_limit, setup_direct,
                teardown_direct),
        };
        h_test_filter();
        return cmocka_run_group_tests_name("integration: timers", tests, NULL,
                                           NULL);
}

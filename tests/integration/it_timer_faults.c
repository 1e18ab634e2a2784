/* Timer faults with real cases: many cases' follow-ups due at once, fired
 * by two racing timer workers, and by a timer worker killed with SIGKILL
 * mid-burst and replaced; fired while Redis is full or the broker down.
 * Every due action is published; none under two ids, and none twice in
 * effect (counted by action_id). */
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
#include "event.h"
#include "harness.h"
#include "outmsg.h"

#define DAY (86400LL * 1000)

static h_env_t env;
static int64_t t0;

static void set_clock(int64_t ms) {
        redisReply *r = redisCommand(env.redis, "SET redress:clock:now_ms %lld",
                                     (long long)ms);
        freeReplyObject(r);
}

#define FAILING "redress_batch_failing_seconds"

static int setup(void **state) {
        int ok;
        (void)state;
        h_start(&env, 8);
        t0 = rdr_time_parse_rfc3339("2026-11-23T02:00:00Z", 20, &ok);
        set_clock(t0);
        return 0;
}

static int teardown(void **state) {
        (void)state;
        h_stop(&env);
        return 0;
}

/* n negative reviews on taobao (buyers in Shanghai): n cases, each with its
 * follow-up armed for day 7, by a reviews worker with env (the test clock
 * in it). */
static void open_cases_with(int n, const char *prefix,
                            const char *const *env_reviews) {
        h_msg_t *msgs;
        size_t got;
        int i;
        pid_t rv;
        for (i = 0; i < n; i++) {
                char buf[1024], key[96];
                snprintf(buf, sizeof(buf),
                         "{\"event_id\":\"%s-%d\",\"type\":\"review.created\","
                         "\"platform\":\"taobao\",\"store_id\":\"s\","
                         "\"review_id\":\"%s-%d\",\"order_id\":\"o-%s-%d\","
                         "\"buyer_id\":\"b-%d\",\"product_id\":\"p\","
                         "\"rating\":1,\"language\":\"zh\","
                         "\"text\":\"质量很差，用了一天就坏了\","
                         "\"created_at\":\"2026-11-23T02:00:00Z\","
                         "\"buyer\":{\"timezone\":\"Asia/Shanghai\"}}",
                         prefix, i, prefix, i, prefix, i, i);
                snprintf(key, sizeof(key), "s/o-%s-%d", prefix, i);
                h_produce(&env, "redress.reviews", key, buf, strlen(buf), NULL);
        }
        h_flush(&env);
        rv = h_worker(&env, "reviews", env_reviews);
        got =
            h_read_topic(&env, "redress.actions", "\"outreach.first_contact\"",
                         (size_t)n, 2000, 120000, &msgs);
        h_msgs_free(msgs, got);
        assert_int_equal(got, n);
        assert_int_not_equal(h_signal_wait(rv, SIGTERM, 10000), -1);
}

static void open_cases(int n, const char *prefix) {
        open_cases_with(
            n, prefix,
            (const char *const[]){"REDRESS_CLOCK_SOURCE=test", NULL});
}

/* The fleet's timer shards as Redis holds them; 0 if none. */
static long long fleet_shards(void) {
        redisReply *r = redisCommand(env.redis, "GET redress:timers:shards");
        long long n;
        assert_non_null(r);
        n = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
        freeReplyObject(r);
        return n;
}

/* Count follow-ups: distinct action_ids and raw messages. */
static void count_follow_ups(size_t want, size_t *distinct, size_t *raw) {
        h_msg_t *msgs;
        size_t n, i, j;
        char **ids;
        n = h_read_topic(&env, "redress.actions", "\"outreach.follow_up\"",
                         want, 3000, 180000, &msgs);
        ids = calloc(n ? n : 1, sizeof(*ids));
        *distinct = 0;
        for (i = 0; i < n; i++) {
                rdr_action_msg_t am;
                char errstr[256];
                if (rdr_action_msg_from_json(&am, msgs[i].value, msgs[i].len,
                                             errstr, sizeof(errstr)))
                        fail_msg("bad action: %s", errstr);
                for (j = 0; j < *distinct; j++)
                        if (!strcmp(ids[j], am.action_id))
                                break;
                if (j == *distinct)
                        ids[(*distinct)++] = strdup(am.action_id);
                rdr_action_msg_clear(&am);
        }
        *raw = n;
        for (j = 0; j < *distinct; j++)
                free(ids[j]);
        free(ids);
        h_msgs_free(msgs, n);
}

static void test_two_timer_workers_race_over_10000_cases(void **state) {
        const char *const env_test[] = {"REDRESS_CLOCK_SOURCE=test", NULL};
        enum { N = 10000 };
        pid_t a, b;
        size_t distinct, raw;
        (void)state;
        open_cases(N, "race");
        a = h_worker(&env, "timers", env_test);
        b = h_worker(&env, "timers", env_test);
        {
                int64_t started = rdr_mono_ms();
                set_clock(t0 + 7 * DAY + 60000);
                count_follow_ups(N, &distinct, &raw);
                /* A figure, not an assertion: includes the quiet period of
                 * the reader (3 s). */
                print_message("burst of %d case timers published in %.1f s\n",
                              N, (double)(rdr_mono_ms() - started) / 1000.0);
        }
        print_message("follow-ups: %zu distinct, %zu messages; fired by the "
                      "workers: %.0f + %.0f\n",
                      distinct, raw, h_metric(a, "redress_timers_fired_total"),
                      h_metric(b, "redress_timers_fired_total"));
        assert_int_equal(distinct, N);
        assert_int_equal(raw, N);
}

static void test_timer_worker_killed_mid_burst(void **state) {
        const char *const env_short[] = {"REDRESS_CLOCK_SOURCE=test",
                                         "REDRESS_TIMERS_LEASE=2s",
                                         "REDRESS_TIMERS_CLAIM_MAX=20", NULL};
        enum { N = 2000 };
        pid_t a;
        size_t distinct, raw, got;
        h_msg_t *msgs;
        int st;
        (void)state;
        open_cases(N, "kill");
        a = h_worker(&env, "timers", env_short);
        set_clock(t0 + 7 * DAY + 60000);
        /* Kill it once part of the burst is out: timers it claimed but did
         * not complete come back when their lease expires. */
        got = h_read_topic(&env, "redress.actions", "\"outreach.follow_up\"",
                           N / 5, 0, 60000, &msgs);
        h_msgs_free(msgs, got);
        st = h_signal_wait(a, SIGKILL, 5000);
        assert_true(WIFSIGNALED(st));
        h_worker(&env, "timers", env_short);
        count_follow_ups(N, &distinct, &raw);
        print_message("follow-ups after SIGKILL: %zu distinct, %zu messages "
                      "(%zu republished under the same action_id)\n",
                      distinct, raw, raw - distinct);
        assert_int_equal(distinct, N);
        /* A repeat can only be an action the broker acknowledged just
         * before the kill: at most one claim of the dead worker. */
        assert_true(raw - distinct <= 20 * 16);
}

/* A buyer's chat that reaches a case between a tick's read of it and its
 * write refuses that timer's step (the case moved on). The tick's other
 * steps still go out, and the refused timer is given back and fired again
 * at the next tick, from what the case now is: none waits for its lease
 * (ten minutes here). The chats arrive while the tick decides its
 * follow-ups; the test fails if none met a tick in that window. */
static void test_a_conflict_holds_back_only_its_timer(void **state) {
        const char *const env_test[] = {"REDRESS_CLOCK_SOURCE=test", NULL};
        const char *const env_long[] = {"REDRESS_CLOCK_SOURCE=test",
                                        "REDRESS_TIMERS_LEASE=10m", NULL};
        enum { N = 2000 };
        const long long now = t0 + 7 * DAY + 60000;
        pid_t tw, cw;
        size_t distinct, raw;
        long long due = 0, leased = 0;
        double conflicts = 0;
        int64_t started;
        int i;
        (void)state;
        open_cases(N, "clash");
        cw = h_worker(&env, "chats", env_test);
        tw = h_worker(&env, "timers", env_long);
        set_clock(now);
        /* The follow-ups' tick has claimed them: write to their cases. */
        started = rdr_mono_ms();
        while (h_timers_pending(&env, 16, now, NULL, &leased) >= 0 &&
               leased == 0 && rdr_mono_ms() - started < 20000)
                h_sleep_ms(1);
        assert_true(leased > 0);
        for (i = 0; i < N; i++) {
                char buf[512], key[64];
                snprintf(
                    buf, sizeof(buf),
                    "{\"event_id\":\"chat-clash-%d\","
                    "\"type\":\"chat.message\",\"platform\":\"taobao\","
                    "\"store_id\":\"s\",\"buyer_id\":\"b-%d\","
                    "\"order_id\":\"o-clash-%d\",\"direction\":\"buyer\","
                    "\"channel\":\"im\",\"text\":\"请问什么时候能处理好？\","
                    "\"sent_at\":\"2026-11-30T02:01:00Z\"}",
                    i, i, i);
                snprintf(key, sizeof(key), "s/b-%d", i);
                h_produce(&env, "redress.chats", key, buf, strlen(buf), NULL);
        }
        h_flush(&env);
        /* Every timer due done within a minute, the refused ones too (the
         * steps they armed are due later). */
        started = rdr_mono_ms();
        do {
                h_sleep_ms(200);
                conflicts = h_metric_sum(tw, "redress_state_conflicts_total");
        } while (h_timers_pending(&env, 16, now, &due, &leased) > 0 &&
                 rdr_mono_ms() - started < 60000);
        print_message("%.0f steps refused by a conflict; after %.1f s, %lld "
                      "timers due, %lld leased\n",
                      conflicts, (double)(rdr_mono_ms() - started) / 1000.0,
                      due, leased);
        assert_true(conflicts > 0);
        assert_int_equal(due + leased, 0);
        /* Each follow-up's timer counts once as fired, when its firing
         * was done (sent, or found needless); each refused firing counts
         * as given back. */
        assert_int_equal((long long)h_metric(tw, "redress_timers_fired_total"),
                         N);
        assert_int_equal(
            (long long)h_metric(tw, "redress_timers_given_back_total"),
            (long long)conflicts);
        /* A follow-up at most per case. One may go out twice under its
         * action_id (CONTRACT.md: at most once per action_id in effect):
         * a chat batch refused by a conflict is decided again, its chats
         * that did apply replay and republish what their case's outbox
         * holds, and the timer worker's follow-up may sit there between
         * its publication and its acknowledgement. So at most one repeat
         * per case whose chat met a conflict (in either worker). */
        count_follow_ups(0, &distinct, &raw);
        conflicts += h_metric_sum(cw, "redress_state_conflicts_total");
        print_message("follow-ups: %zu distinct, %zu messages; %.0f "
                      "conflicts in all\n",
                      distinct, raw, conflicts);
        assert_true(distinct <= N);
        assert_true((double)(raw - distinct) <= conflicts);
}

/* Redis full at maxmemory (noeviction): the follow-ups' applies are
 * refused. A failed tick gives its claimed timers back, so every retry
 * (100 ms, doubling up to 5 s: a few log lines, not two a second) takes
 * them up and fails in the open, redress_batch_failing_seconds counting
 * on (RedressBatchStuck), rather than leaving them leased and the worker
 * idle until their leases end. With room again, each follow-up goes out
 * once. */
static void test_a_full_redis_holds_the_timers(void **state) {
        const char *const env_test[] = {"REDRESS_CLOCK_SOURCE=test", NULL};
        enum { N = 50 };
        size_t distinct, raw;
        double failing;
        pid_t tw;
        (void)state;
        open_cases(N, "full");
        /* The clock first: Redis refuses the SET once full. */
        set_clock(t0 + 7 * DAY + 60000);
        h_redis_config_set(&env, "maxmemory", "1");
        tw = h_worker(&env, "timers", env_test);
        assert_true(h_wait_metric_at_least(tw, FAILING, NULL, 3));
        assert_true(h_log_lines(tw, "\"cause\":\"OOM command not allowed") >=
                    1);
        failing = h_metric(tw, FAILING);
        assert_true(h_wait_metric_at_least(tw, FAILING, NULL, failing + 1));
        print_message("failing for %.1f s: %zu tick.retry lines\n",
                      h_metric(tw, FAILING),
                      h_log_lines(tw, "\"event\":\"tick.retry\""));
        assert_true(h_log_lines(tw, "\"event\":\"tick.retry\"") <= 10);
        /* Given back each time: none waits out a lease. */
        {
                long long due = 0;
                int i;
                for (i = 0; i < 20 && due != N; i++) {
                        if (i)
                                h_sleep_ms(100);
                        h_timers_pending(&env, 16, t0 + 7 * DAY + 60000, &due,
                                         NULL);
                }
                assert_int_equal(due, N);
        }
        assert_int_equal(h_metric(tw, "redress_timers_fired_total"), 0);

        h_redis_config_set(&env, "maxmemory", "0");
        count_follow_ups(N, &distinct, &raw);
        assert_int_equal(distinct, N);
        assert_int_equal(raw, N);
        assert_true(h_wait_metric(tw, FAILING, NULL, 0));
}

/* The broker down when the follow-ups fall due: each tick's publication
 * times out (shutdown.timeout, 2 s here) and is purged, the tick gives
 * its timers back and is retried with backoff, failing in the open;
 * nothing fires. With the broker back, every follow-up goes out (a copy
 * under the same action_id only if the broker took a publication just
 * as its wait timed out). */
static void test_timers_wait_out_a_broker_outage(void **state) {
        const char *const env_test[] = {"REDRESS_CLOCK_SOURCE=test",
                                        "REDRESS_SHUTDOWN_TIMEOUT=2s", NULL};
        enum { N = 50 };
        size_t distinct, raw;
        pid_t tw;
        (void)state;
        open_cases(N, "down");
        tw = h_worker(&env, "timers", env_test);
        /* On the test clock, and says so. */
        assert_int_equal(h_metric(tw, "redress_clock_test"), 1);
        assert_int_equal(h_log_lines(tw, "\"event\":\"clock.test\""), 1);
        assert_int_equal(h_log_lines(tw, "\"clock\":\"test\""), 1);
        h_broker_control(&env, "down 1");
        set_clock(t0 + 7 * DAY + 60000);
        assert_true(h_wait_metric_at_least(tw, FAILING, NULL, 3));
        assert_true(h_log_lines(tw, "\"event\":\"tick.retry\"") >= 1);
        assert_int_equal(h_metric(tw, "redress_timers_fired_total"), 0);
        h_broker_control(&env, "up 1");
        count_follow_ups(N, &distinct, &raw);
        print_message("follow-ups after the outage: %zu distinct, %zu "
                      "messages\n",
                      distinct, raw);
        assert_int_equal(distinct, N);
        assert_true(h_wait_metric(tw, FAILING, NULL, 0));
        assert_int_equal(h_metric(tw, "redress_timers_fired_total"), N);
}

/* A reviews worker started with more timer shards (32) than the timers
 * worker's (16, the default): the follow-ups it arms land in shards up
 * to 31, half of them in shards the timers worker would never claim
 * from. It counts them in the fleet's record (redress:timers:shards);
 * the timers worker reads it with its claims, says so, and claims from
 * all 32: every follow-up goes out. */
static void test_timers_claim_from_every_shard_armed(void **state) {
        const char *const env_test[] = {"REDRESS_CLOCK_SOURCE=test", NULL};
        enum { N = 200 };
        size_t distinct, raw;
        pid_t tw;
        (void)state;
        open_cases_with(N, "wide",
                        (const char *const[]){"REDRESS_CLOCK_SOURCE=test",
                                              "REDRESS_TIMERS_SHARDS=32",
                                              NULL});
        assert_int_equal(fleet_shards(), 32);
        /* Some in shards 16 to 31. */
        assert_true(h_timers_pending(&env, 32, LLONG_MAX, NULL, NULL) >
                    h_timers_pending(&env, 16, LLONG_MAX, NULL, NULL));
        tw = h_worker(&env, "timers", env_test);
        set_clock(t0 + 7 * DAY + 60000);
        count_follow_ups(N, &distinct, &raw);
        assert_int_equal(distinct, N);
        assert_int_equal(h_log_lines(tw, "\"event\":\"timers.shards\""), 1);
        /* Its own 16 does not lower the record. */
        assert_int_equal(fleet_shards(), 32);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(
                test_two_timer_workers_race_over_10000_cases, setup, teardown),
            cmocka_unit_test_setup_teardown(test_timer_worker_killed_mid_burst,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_a_conflict_holds_back_only_its_timer, setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_full_redis_holds_the_timers,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_timers_wait_out_a_broker_outage, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_timers_claim_from_every_shard_armed, setup, teardown),
        };
        h_test_filter();
        return cmocka_run_group_tests_name("integration: timer faults", tests,
                                           NULL, NULL);
}

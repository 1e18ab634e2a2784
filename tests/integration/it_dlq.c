/* redress-dlq against the dev broker and a real reviews worker: dead
 * letters are listed with their reason, source and bytes; once the cause is
 * fixed (here: a platform policy added) `replay` publishes them again and
 * the worker acts on them once, however many times they are replayed; an
 * event near 1 MiB is dead-lettered whole, and one too big for that is
 * marked cut and never replayed; --since and --until take the dead
 * letters of their time; and the tool's errors (brokers out of reach, a
 * topic that does not exist, bad usage) are clear exit statuses. */
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
#include <jansson.h>

#include "dlq.h"
#include "event.h"
#include "harness.h"

static h_env_t env;

#define CLASSIFIED "\"type\":\"case.classified\""
#define ETSY_KEY "store-e/order-e1"
#define SESSION_6S "REDRESS_KAFKA_SESSION_TIMEOUT_MS=6000"
#define TRACE                                                                  \
        "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-" \
                       "01"

static const char etsy_review[] =
    "{\"event_id\":\"ev-etsy-1\",\"type\":\"review.created\","
    "\"platform\":\"etsy\",\"store_id\":\"store-e\",\"review_id\":\"r-e1\","
    "\"order_id\":\"order-e1\",\"buyer_id\":\"b-e1\",\"product_id\":\"p-1\","
    "\"rating\":1,\"text\":\"broke after two days, terrible quality\","
    "\"created_at\":\"2026-11-23T07:00:00Z\"}";
static const char malformed[] = "{\"event_id\": \"ev-bad\", \"type\": ";

static int setup(void **state) {
        (void)state;
        h_start(&env, 4);
        return 0;
}

/* What the last redress-dlq run printed (malloc'd, NUL-terminated; freed
 * by the next run and by teardown). */
static char *out, *err;

static int teardown(void **state) {
        (void)state;
        free(out);
        free(err);
        out = err = NULL;
        h_stop(&env);
        return 0;
}

/* Run redress-dlq with args (shell words) against brokers; its stdout and
 * stderr land in out and err (all of them: a dead letter's bytes may be
 * megabytes). Returns the exit status. */
static int dlq_at(const char *brokers, const char *args) {
        char cmd[2048], errpath[300];
        FILE *p, *fp;
        size_t n = 0, size = 1 << 16;
        int st;

        free(out);
        free(err);
        snprintf(errpath, sizeof(errpath), "%s/dlq.err", env.dir);
        snprintf(cmd, sizeof(cmd),
                 "REDRESS_KAFKA_BOOTSTRAP='%s' %s/redress-dlq --timeout 10 %s "
                 "2>'%s'",
                 brokers, RDR_BIN_DIR, args, errpath);
        out = malloc(size);
        err = malloc(size);
        assert_non_null(out);
        assert_non_null(err);
        p = popen(cmd, "r");
        assert_non_null(p);
        for (;;) {
                size_t got;
                if (n + 1 == size) {
                        size *= 2;
                        out = realloc(out, size);
                        assert_non_null(out);
                }
                got = fread(out + n, 1, size - 1 - n, p);
                if (!got)
                        break;
                n += got;
        }
        out[n] = '\0';
        st = pclose(p);
        fp = fopen(errpath, "r");
        assert_non_null(fp);
        n = fread(err, 1, (1 << 16) - 1, fp);
        err[n] = '\0';
        fclose(fp);
        /* cmocka prints up to 1 KiB at a time; of a dead letter's
         * megabytes, the first few KiB. */
        print_message("redress-dlq %s -> %d\n", args, WEXITSTATUS(st));
        for (n = 0; n < strlen(out) && n < 4000; n += 1000)
                print_message("%.1000s", out + n);
        print_message("%s", strlen(out) > 4000 ? "...\n" : "");
        for (n = 0; n < strlen(err); n += 1000)
                print_message("%.1000s", err + n);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The same against the test's dev broker. */
static int dlq(const char *args) {
        return dlq_at(env.bootstrap, args);
}

static size_t count_substr(const char *s, const char *sub) {
        size_t n = 0;
        for (s = strstr(s, sub); s; s = strstr(s + 1, sub))
                n++;
        return n;
}

static size_t count_lines(const char *s) {
        size_t n = 0;
        for (; *s; s++)
                n += *s == '\n';
        return n;
}

/* The configs/ tree copied into the test's directory; returns the path of
 * its redress.yaml in path. */
static void copy_configs(char *path, size_t size) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "cp -r '%s/configs' '%s/configs'",
                 RDR_SOURCE_DIR, env.dir);
        assert_int_equal(system(cmd), 0);
        snprintf(path, size, "%s/configs/redress.yaml", env.dir);
}

/* A policy for etsy: Amazon's, its platform and rule names renamed. */
static void add_etsy_policy(void) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "sed 's/^platform: amazon$/platform: etsy/; "
                 "s/rule: amazon[.]/rule: etsy./' "
                 "'%s/configs/platforms/amazon.yaml' "
                 ">'%s/configs/platforms/etsy.yaml'",
                 env.dir, env.dir);
        assert_int_equal(system(cmd), 0);
}

/* Case messages of the etsy review and all actions, read from the start. */
static void count_outputs(size_t *classified, size_t *actions) {
        h_msg_t *msgs;
        *classified = h_read_topic(&env, "redress.cases", "\"r-e1\"", 1, 1500,
                                   10000, &msgs);
        {
                size_t i, n = 0;
                for (i = 0; i < *classified; i++)
                        n += strstr(msgs[i].value, CLASSIFIED) != NULL;
                h_msgs_free(msgs, *classified);
                *classified = n;
        }
        *actions = h_read_topic(&env, "redress.actions", "\"r-e1\"", 1, 1500,
                                10000, &msgs);
        h_msgs_free(msgs, *actions);
}

static void test_list_then_replay_once_the_cause_is_fixed(void **state) {
        char config[512], env_config[600];
        json_t *line;
        json_error_t jerr;
        h_msg_t *msgs;
        size_t n, i, classified, actions, classified2, actions2;
        pid_t pid;
        (void)state;

        copy_configs(config, sizeof(config));
        snprintf(env_config, sizeof(env_config), "REDRESS_CONFIG=%s", config);
        /* A short session: the dev broker holds the join of the worker
         * started again below for the group's session timeout (45 s by
         * default) although this one left. */
        pid = h_worker(&env, "reviews",
                       (const char *const[]){env_config, SESSION_6S, NULL});
        /* Its publisher's trace context: kept on its dead letter and on
         * the event replayed from it. */
        h_produce_headers(&env, "redress.reviews", ETSY_KEY, etsy_review,
                          strlen(etsy_review),
                          (const char *const[]){
                              "content-type", "application/json", TRACE, NULL});
        /* Its key as a producer wrote it: a newline, a terminal escape. */
        h_produce(&env, "redress.reviews", "store-e/order-bad\n\x1b[7m",
                  malformed, strlen(malformed), "application/json");
        h_flush(&env);
        n = h_read_topic(&env, "redress.dlq", NULL, 2, 500, 20000, &msgs);
        assert_int_equal(n, 2);
        for (i = 0; i < n; i++)
                if (strstr(msgs[i].value, "ev-etsy-1"))
                        assert_non_null(strstr(msgs[i].all_headers,
                                               "\ntraceparent=00-4bf92f35"));
        h_msgs_free(msgs, n);

        /* list --json: one object per dead letter, the bytes as they came. */
        assert_int_equal(dlq("list --json --error \"no policy\""), 0);
        assert_int_equal(count_lines(out), 1);
        line = json_loads(out, 0, &jerr);
        assert_non_null(line);
        assert_string_equal(json_string_value(json_object_get(line, "error")),
                            "no policy for platform 'etsy'");
        assert_string_equal(
            json_string_value(json_object_get(line, "source_topic")),
            "redress.reviews");
        assert_string_equal(json_string_value(json_object_get(line, "worker")),
                            "reviews");
        assert_string_equal(json_string_value(json_object_get(line, "key")),
                            ETSY_KEY);
        assert_string_equal(
            json_string_value(json_object_get(line, "content_type")),
            "application/json");
        assert_string_equal(json_string_value(json_object_get(line, "value")),
                            etsy_review);
        {
                json_t *hs = json_object_get(line, "headers");
                json_t *tp = json_array_get(hs, 1);
                assert_int_equal(json_array_size(hs), 2);
                assert_string_equal(
                    json_string_value(json_object_get(tp, "name")),
                    "traceparent");
        }
        /* The first message of its partition of redress.reviews. */
        assert_true(json_is_integer(json_object_get(line, "source_offset")));
        assert_int_equal(
            json_integer_value(json_object_get(line, "source_offset")), 0);
        json_decref(line);
        assert_non_null(strstr(err, "2 read"));
        assert_non_null(strstr(err, "1 matched"));

        /* list (text): a header, then both, the malformed one's reason,
         * one line each (its key's control bytes shown as \xNN). */
        assert_int_equal(dlq("list"), 0);
        assert_int_equal(count_lines(out), 3);
        assert_non_null(strstr(out, "not valid JSON"));
        assert_non_null(strstr(out, "store-e/order-bad\\x0a\\x1b[7m"));
        assert_non_null(strstr(out, ETSY_KEY));

        /* A dry run publishes nothing. */
        assert_int_equal(dlq("replay --dry-run --source-topic redress.reviews "
                             "--error 'platform'"),
                         0);
        assert_non_null(strstr(out, "would replay to redress.reviews"));
        assert_non_null(strstr(err, "1 would be replayed"));
        n = h_read_topic(&env, "redress.reviews", "ev-etsy-1", 0, -1, 5000,
                         &msgs);
        assert_int_equal(n, 1);
        h_msgs_free(msgs, n);

        /* The cause fixed: a policy for etsy, the worker restarted. */
        assert_int_equal(h_signal_wait(pid, SIGTERM, 30000), 0);
        add_etsy_policy();
        pid = h_worker(&env, "reviews",
                       (const char *const[]){env_config, SESSION_6S, NULL});
        assert_int_equal(dlq("replay --error 'no policy'"), 0);
        assert_non_null(strstr(err, "1 replayed (redress.reviews 1)"));
        n = h_read_handled(&env, pid, 1, "redress.cases", CLASSIFIED, 30000,
                           &msgs);
        assert_int_equal(n, 1);
        assert_non_null(strstr(msgs[0].value, "\"r-e1\""));
        assert_non_null(strstr(msgs[0].value, "\"etsy\""));
        h_msgs_free(msgs, n);
        count_outputs(&classified, &actions);
        assert_int_equal(classified, 1);
        assert_true(actions >= 1);
        /* The replayed copy kept its content type; nothing dead-lettered
         * again. */
        n = h_read_topic(&env, "redress.reviews", "ev-etsy-1", 0, -1, 5000,
                         &msgs);
        assert_int_equal(n, 2);
        assert_string_equal(msgs[1].key, ETSY_KEY);
        assert_string_equal(msgs[1].content_type, "application/json");
        assert_non_null(
            strstr(msgs[1].all_headers, "\ntraceparent=00-4bf92f35"));
        h_msgs_free(msgs, n);
        n = h_read_topic(&env, "redress.dlq", NULL, 0, -1, 5000, &msgs);
        assert_int_equal(n, 2);
        h_msgs_free(msgs, n);

        /* Replayed again: published again, acted on once. */
        assert_int_equal(dlq("replay --error 'no policy'"), 0);
        assert_non_null(strstr(err, "1 replayed"));
        n = h_read_topic(&env, "redress.reviews", "ev-etsy-1", 0, -1, 5000,
                         &msgs);
        assert_int_equal(n, 3);
        h_msgs_free(msgs, n);
        /* The worker read it, as a duplicate. */
        assert_true(
            h_wait_metric(pid, "redress_events_duplicate_total", NULL, 1));
        count_outputs(&classified2, &actions2);
        assert_int_equal(classified2, 1);
        assert_int_equal(actions2, actions);
}

/* replay, whose summary says summary, then the dead-letter topic holds
 * total messages (the worker dead-letters what was replayed again). */
static void replay_then_count(const char *summary, size_t total) {
        h_msg_t *msgs;
        size_t n;
        assert_int_equal(dlq("replay"), 0);
        if (!strstr(err, summary))
                fail_msg("replay said '%s', not '%s'", err, summary);
        n = h_read_topic(&env, "redress.dlq", NULL, total, 1000, 20000, &msgs);
        h_msgs_free(msgs, n);
        assert_int_equal(n, total);
}

static void test_replay_to_another_topic_and_limit(void **state) {
        h_msg_t *msgs;
        size_t n, i;
        (void)state;
        h_worker(&env, "reviews", NULL);
        for (i = 0; i < 3; i++)
                h_produce(&env, "redress.reviews", "store-x/order-x", malformed,
                          strlen(malformed), NULL);
        h_flush(&env);
        n = h_read_topic(&env, "redress.dlq", NULL, 3, 500, 20000, &msgs);
        assert_int_equal(n, 3);
        h_msgs_free(msgs, n);
        /* --to: to a topic of the operator's choosing instead of their
         * source (one the dev broker has; no worker reads it here). */
        assert_int_equal(
            dlq("replay --to redress.chats --limit 2 --worker reviews"), 0);
        /* Reading stops at the limit. */
        assert_non_null(strstr(err, "2 matched, 2 replayed (redress.chats 2)"));
        n = h_read_topic(&env, "redress.chats", "ev-bad", 0, -1, 10000, &msgs);
        assert_int_equal(n, 2);
        for (i = 0; i < n; i++) {
                assert_string_equal(msgs[i].key, "store-x/order-x");
                assert_int_equal(msgs[i].len, strlen(malformed));
                assert_memory_equal(msgs[i].value, malformed, msgs[i].len);
                assert_string_equal(msgs[i].content_type, "");
        }
        h_msgs_free(msgs, n);
        /* Replayed to their source, where the worker dead-letters it again:
         * the new dead letter names the one it was replayed from. */
        assert_int_equal(dlq("replay --limit 1"), 0);
        assert_non_null(strstr(err, "1 replayed (redress.reviews 1)"));
        n = h_read_topic(&env, "redress.dlq", NULL, 4, 1000, 20000, &msgs);
        assert_int_equal(n, 4);
        h_msgs_free(msgs, n);
        assert_int_equal(dlq("list --json"), 0);
        {
                json_t *o;
                json_error_t jerr;
                const char *line = out;
                char first[64] = "";
                size_t seen = 0, again = 0;
                while (*line) {
                        const char *nl2 = strchr(line, '\n');
                        o = json_loadb(
                            line, nl2 ? (size_t)(nl2 - line) : strlen(line), 0,
                            &jerr);
                        assert_non_null(o);
                        if (json_is_string(json_object_get(o, "replay_of"))) {
                                again++;
                                snprintf(first, sizeof(first), "%s",
                                         json_string_value(
                                             json_object_get(o, "replay_of")));
                        }
                        json_decref(o);
                        seen++;
                        line = nl2 ? nl2 + 1 : line + strlen(line);
                }
                assert_int_equal(seen, 4);
                /* Exactly one, naming the first of the three (one key: one
                 * partition, offset 0). */
                assert_int_equal(again, 1);
                assert_int_equal(strncmp(first, "redress.dlq/", 12), 0);
                assert_string_equal(strrchr(first, '/'), "/0");
        }
        /* The first was replayed and dead-lettered again: list says so,
         * and replay skips it (its later dead letter stands for the
         * event), unless asked. */
        assert_int_equal(dlq("list"), 0);
        assert_int_equal(
            count_substr(out, "(replayed, dead-lettered again as redress.dlq/"),
            1);
        assert_int_equal(dlq("replay --dry-run"), 0);
        assert_non_null(strstr(err, "4 matched, 3 would be replayed "
                                    "(redress.reviews 3), 1 skipped: "));
        assert_int_equal(count_substr(out, "skipped: "), 1);
        assert_int_equal(dlq("replay --dry-run --include-replayed"), 0);
        assert_non_null(strstr(err, "4 matched, 4 would be replayed"));
        /* Replayed for real, twice, while the events still fail: each run
         * replays each event once (3, then 3 again), rather than every
         * dead letter so far (4, then 8). */
        replay_then_count("3 replayed (redress.reviews 3), 1 skipped", 7);
        replay_then_count("7 matched, 3 replayed (redress.reviews 3), 4 "
                          "skipped",
                          10);
        /* No filter matches: nothing done, not an error. */
        assert_int_equal(dlq("replay --worker chats"), 0);
        assert_non_null(strstr(err, "0 matched, 0 replayed"));
}

/* An etsy review of n bytes in all, n - 300 or so of them a field of its
 * own, "note", of 'x's (malloc'd, NUL-terminated). */
static char *big_etsy_review(const char *id, size_t n) {
        char head[512];
        char *ev = malloc(n + 1);
        int len = snprintf(head, sizeof(head),
                           "{\"event_id\":\"ev-%s\",\"type\":"
                           "\"review.created\",\"platform\":\"etsy\","
                           "\"store_id\":\"store-e\",\"review_id\":\"r-%s\","
                           "\"order_id\":\"order-%s\",\"buyer_id\":\"b-e1\","
                           "\"product_id\":\"p-1\",\"rating\":1,\"text\":"
                           "\"broke after two days, terrible quality\","
                           "\"created_at\":\"2026-11-23T07:00:00Z\","
                           "\"note\":\"",
                           id, id, id);
        assert_non_null(ev);
        assert_true(len > 0 && (size_t)len + 2 < n);
        memcpy(ev, head, (size_t)len);
        memset(ev + len, 'x', n - (size_t)len - 2);
        memcpy(ev + n - 2, "\"}", 3);
        return ev;
}

/* A reviews worker with the test's own configs/ (env_config names them):
 * a short session, as the test starts another once the cause is fixed
 * (the dev broker holds the join of the next one for the group's session
 * timeout, 45 s by default, although this one left). */
static pid_t etsy_worker(const char *env_config) {
        return h_worker(&env, "reviews",
                        (const char *const[]){env_config, SESSION_6S, NULL});
}

/* The same on a copy of configs/ (in config, which the test may edit),
 * its environment setting in env_config. */
static pid_t etsy_worker_on_copy(char config[512], char env_config[600]) {
        copy_configs(config, 512);
        snprintf(env_config, 600, "REDRESS_CONFIG=%s", config);
        return etsy_worker(env_config);
}

/* The event that a dead letter reproduced: an etsy review of 1,000,315
 * bytes (a field of a million characters; the workers read events up to
 * 1 MiB), over librdkafka's default message.max.bytes. It is
 * dead-lettered whole, with its reason alone, and once etsy has a policy
 * `replay` gives it back to the worker, which classifies it. */
static void
test_event_near_1mib_dead_lettered_whole_and_replayed(void **state) {
        char config[512], env_config[600];
        const size_t n = 1000315;
        char *big = big_etsy_review("big", n);
        h_msg_t *msgs;
        size_t got;
        pid_t pid;
        (void)state;

        pid = etsy_worker_on_copy(config, env_config);
        h_produce(&env, "redress.reviews", "store-e/order-big", big, n,
                  "application/json");
        h_flush(&env);
        got = h_read_handled(&env, pid, 1, "redress.dlq", NULL, 30000, &msgs);
        assert_int_equal(got, 1);
        assert_int_equal(msgs[0].len, n);
        assert_memory_equal(msgs[0].value, big, n);
        assert_string_equal(msgs[0].headers[0],
                            "no policy for platform 'etsy'");
        assert_string_equal(msgs[0].cut, "");
        h_msgs_free(msgs, got);

        assert_int_equal(h_signal_wait(pid, SIGTERM, 30000), 0);
        add_etsy_policy();
        pid = etsy_worker(env_config);
        assert_int_equal(dlq("replay --error 'no policy'"), 0);
        assert_non_null(
            strstr(err, "1 matched, 1 replayed (redress.reviews 1)"));
        got = h_read_handled(&env, pid, 1, "redress.cases", CLASSIFIED, 30000,
                             &msgs);
        assert_int_equal(got, 1);
        assert_non_null(strstr(msgs[0].value, "\"r-big\""));
        h_msgs_free(msgs, got);
        /* Read whole: nothing dead-lettered again. */
        got = h_read_topic(&env, "redress.dlq", NULL, 0, -1, 10000, &msgs);
        assert_int_equal(got, 1);
        h_msgs_free(msgs, got);
        free(big);
}

/* The lines of out (redress-dlq list --json) as JSON objects, in
 * objs[max]: how many. */
static size_t json_lines(json_t **objs, size_t max) {
        const char *line = out;
        size_t n = 0;
        while (*line && n < max) {
                const char *nl = strchr(line, '\n');
                json_error_t jerr;
                objs[n] = json_loadb(
                    line, nl ? (size_t)(nl - line) : strlen(line), 0, &jerr);
                assert_non_null(objs[n]);
                n++;
                line = nl ? nl + 1 : line + strlen(line);
        }
        return n;
}

/* An etsy review of 1,048,500 bytes: under the events' limit (1 MiB), so
 * the worker reads it and finds no policy, but with a dead letter's
 * headers over what the dead-letter topic takes by default. Its dead
 * letter is its head, marked cut (redress-cut: its length); `list` says
 * so, and `replay` never publishes that head as the event: it says so,
 * counts it and exits 1, while it replays the other dead letters. */
static void test_cut_dead_letter_marked_and_never_replayed(void **state) {
        char config[512], env_config[600], want[160];
        const size_t n = 1048500;
        char *big = big_etsy_review("cut", n);
        json_t *objs[4];
        h_msg_t *msgs;
        size_t got, i, head = 0;
        pid_t pid;
        (void)state;

        pid = etsy_worker_on_copy(config, env_config);
        h_produce(&env, "redress.reviews", "store-e/order-cut", big, n,
                  "application/json");
        h_produce(&env, "redress.reviews", ETSY_KEY, etsy_review,
                  strlen(etsy_review), "application/json");
        h_flush(&env);
        got = h_read_handled(&env, pid, 2, "redress.dlq", NULL, 30000, &msgs);
        assert_int_equal(got, 2);
        for (i = 0; i < got; i++) {
                if (msgs[i].len == strlen(etsy_review)) {
                        assert_string_equal(msgs[i].cut, "");
                        continue;
                }
                head = msgs[i].len;
                assert_true(head > 1040000 && head < n);
                assert_memory_equal(msgs[i].value, big, head);
                assert_string_equal(msgs[i].cut, "1048500");
        }
        assert_true(head > 0);
        h_msgs_free(msgs, got);

        snprintf(want, sizeof(want),
                 "(CUT: the first %zu of %zu bytes, not replayable)", head, n);
        assert_int_equal(dlq("list"), 0);
        assert_int_equal(count_lines(out), 3);
        assert_int_equal(count_substr(out, "(CUT: "), 1);
        assert_non_null(strstr(out, want));
        assert_int_equal(dlq("list --json"), 0);
        assert_int_equal(json_lines(objs, 4), 2);
        for (i = 0; i < 2; i++) {
                json_t *cut = json_object_get(objs[i], "cut");
                if (json_is_null(cut))
                        assert_string_equal(
                            json_string_value(json_object_get(objs[i], "key")),
                            ETSY_KEY);
                else
                        assert_int_equal(json_integer_value(cut), n);
                json_decref(objs[i]);
        }

        /* The cause fixed, both replayed but the cut one. */
        assert_int_equal(h_signal_wait(pid, SIGTERM, 30000), 0);
        add_etsy_policy();
        pid = etsy_worker(env_config);
        assert_int_equal(dlq("replay --dry-run --error 'no policy'"), 1);
        assert_non_null(strstr(err, "1 would be replayed"));
        assert_int_equal(dlq("replay --error 'no policy'"), 1);
        snprintf(want, sizeof(want),
                 "is cut (the first %zu of %zu bytes of its event): skipped",
                 head, n);
        assert_non_null(strstr(err, want));
        assert_non_null(strstr(err, "2 matched, 1 replayed (redress.reviews "
                                    "1), 1 NOT replayed: cut"));
        got = h_read_handled(&env, pid, 1, "redress.cases", CLASSIFIED, 30000,
                             &msgs);
        assert_int_equal(got, 1);
        assert_non_null(strstr(msgs[0].value, "\"r-e1\""));
        h_msgs_free(msgs, got);
        /* The big review is on its topic once: as its publisher sent it. */
        got = h_read_topic(&env, "redress.reviews", "ev-cut", 0, -1, 10000,
                           &msgs);
        assert_int_equal(got, 1);
        assert_int_equal(msgs[0].len, n);
        h_msgs_free(msgs, got);
        free(big);
}

/* Publish a dead letter as a worker would: to partition of the
 * dead-letter topic, at ts_ms (Kafka's timestamp), with the reason
 * error, from redress.reviews; replayed from replay_of if not NULL. */
static void put_dead_letter(int32_t partition, int64_t ts_ms, const char *key,
                            const void *value, size_t len, const char *error,
                            const char *replay_of) {
        rd_kafka_headers_t *h = rdr_dlq_headers(error, "redress.reviews", 0, 0,
                                                "reviews", "application/json");
        rd_kafka_resp_err_t e;
        if (replay_of)
                rd_kafka_header_add(h, "redress-replay-of", -1, replay_of, -1);
        e = rd_kafka_producev(env.producer, RD_KAFKA_V_TOPIC("redress.dlq"),
                              RD_KAFKA_V_PARTITION(partition),
                              RD_KAFKA_V_TIMESTAMP(ts_ms),
                              RD_KAFKA_V_KEY(key, strlen(key)),
                              RD_KAFKA_V_VALUE((void *)value, len),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
        if (e) {
                rd_kafka_headers_destroy(h);
                fail_msg("produce: %s", rd_kafka_err2str(e));
        }
}

/* Cut dead letters written before redress-cut existed say so only in
 * their reason, and a replay of one then published the head as the event,
 * which the worker dead-lettered again, as not valid JSON, naming the
 * first (redress-replay-of). Both are cut: listed so, and never replayed
 * again; a whole dead letter beside them is. */
static void test_old_cut_dead_letters_are_not_replayed(void **state) {
        const size_t n = 1000315, head = 995886;
        char *big = big_etsy_review("old", n);
        int64_t now = (int64_t)time(NULL) * 1000;
        (void)state;

        put_dead_letter(0, now, "store-e/order-old", big, head,
                        "no policy for platform 'etsy' (dead letter cut to its "
                        "first 995886 of 1000315 bytes)",
                        NULL);
        h_flush(&env);
        /* The first message of partition 0. */
        put_dead_letter(1, now, "store-e/order-old", big, head,
                        "not valid JSON: premature end of input near '\"x'",
                        "redress.dlq/0/0");
        put_dead_letter(2, now, ETSY_KEY, etsy_review, strlen(etsy_review),
                        "no policy for platform 'etsy'", NULL);
        h_flush(&env);
        assert_int_equal(dlq("list"), 0);
        assert_int_equal(count_lines(out), 4);
        assert_int_equal(
            count_substr(out, "(CUT: the first 995886 of 1000315 bytes, not "
                              "replayable)"),
            2);
        assert_int_equal(dlq("replay --dry-run"), 1);
        assert_non_null(strstr(err, "3 matched, 1 would be replayed "
                                    "(redress.reviews 1), 2 NOT replayed: "
                                    "cut"));
        assert_int_equal(count_substr(err, "is cut (the first 995886 of "
                                           "1000315 bytes of its event)"),
                         2);
        assert_int_equal(dlq("replay --dry-run --include-replayed"), 1);
        assert_non_null(strstr(err, "1 would be replayed"));
        free(big);
}

/* RFC 3339 time t in ms since the epoch. */
static int64_t ms_at(const char *t) {
        int ok = 0;
        int64_t ms = rdr_time_parse_rfc3339(t, strlen(t), &ok);
        assert_true(ok);
        return ms;
}

/* --since and --until take the dead letters of their time, on every
 * partition, whatever the brokers answer when asked where a time starts
 * (the dev broker: "nowhere", as if every dead letter were older).
 * Partition 0 holds one before --since and one after, 1 one before, 2
 * two after, 3 none. */
static void test_since_until_on_the_dev_broker(void **state) {
        static const char *const since = "--since 2026-11-21T00:00:00Z";
        char args[200];
        (void)state;
        put_dead_letter(0, ms_at("2026-11-20T10:00:00Z"), "k-old-0", malformed,
                        strlen(malformed), "not valid JSON", NULL);
        put_dead_letter(0, ms_at("2026-11-22T10:00:00Z"), "k-new-0", malformed,
                        strlen(malformed), "not valid JSON", NULL);
        put_dead_letter(1, ms_at("2026-11-20T11:00:00Z"), "k-old-1", malformed,
                        strlen(malformed), "not valid JSON", NULL);
        put_dead_letter(2, ms_at("2026-11-21T00:00:00Z"), "k-new-2a", malformed,
                        strlen(malformed), "not valid JSON", NULL);
        put_dead_letter(2, ms_at("2026-11-23T10:00:00Z"), "k-new-2b", malformed,
                        strlen(malformed), "not valid JSON", NULL);
        h_flush(&env);

        snprintf(args, sizeof(args), "list %s", since);
        assert_int_equal(dlq(args), 0);
        assert_int_equal(count_lines(out), 4);
        assert_non_null(strstr(out, "k-new-0"));
        assert_non_null(strstr(out, "k-new-2a")); /* at --since: taken */
        assert_non_null(strstr(out, "k-new-2b"));
        assert_null(strstr(out, "k-old"));
        assert_non_null(strstr(err, "3 matched"));
        snprintf(args, sizeof(args), "replay --dry-run %s", since);
        assert_int_equal(dlq(args), 0);
        assert_non_null(strstr(err, "3 matched, 3 would be replayed"));
        snprintf(args, sizeof(args), "list %s --until 2026-11-23T00:00:00Z",
                 since);
        assert_int_equal(dlq(args), 0);
        assert_int_equal(count_lines(out), 3);
        assert_null(strstr(out, "k-new-2b"));
        /* After the last: none. */
        assert_int_equal(dlq("list --since 2026-11-24T00:00:00Z"), 0);
        assert_int_equal(count_lines(out), 1);
        assert_non_null(strstr(err, "0 matched"));
}

static void test_errors_are_exit_statuses(void **state) {
        (void)state;
        /* Usage. */
        assert_int_equal(dlq(""), 2);
        assert_int_equal(dlq("list --to x"), 2);
        assert_non_null(strstr(err, "--to"));
        assert_int_equal(dlq("list --since yesterday"), 2);
        assert_non_null(strstr(err, "RFC 3339"));
        /* A key the configuration does not have. */
        assert_int_equal(dlq("list --set topics.nope=x"), 78);
        assert_non_null(strstr(err, "topics.nope"));
        /* A topic nobody created: nothing was dead-lettered. */
        assert_int_equal(dlq("list --set topics.dlq=nothing.here"), 0);
        assert_non_null(strstr(err, "no topic nothing.here"));
        /* Brokers out of reach: an error naming them, after --timeout. */
        assert_int_equal(dlq_at("127.0.0.1:1", "list --timeout 1"), 1);
        assert_non_null(strstr(err, "127.0.0.1:1"));
        assert_non_null(strstr(err, "cannot read the brokers"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(
                test_list_then_replay_once_the_cause_is_fixed, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_replay_to_another_topic_and_limit, setup, teardown),
            cmocka_unit_test_setup_teardown(test_errors_are_exit_statuses,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_event_near_1mib_dead_lettered_whole_and_replayed, setup,
                teardown),
            cmocka_unit_test_setup_teardown(
                test_cut_dead_letter_marked_and_never_replayed, setup,
                teardown),
            cmocka_unit_test_setup_teardown(
                test_old_cut_dead_letters_are_not_replayed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_since_until_on_the_dev_broker,
                                            setup, teardown),
        };
        h_test_filter();
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the generic core: configuration files (good and bad),
 * environment overrides, the clock's parsing, the dead-letter envelope,
 * outbox entries and metrics rendering. No servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "conf.h"
#include "dlq.h"
#include "keys.h"
#include "lag.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "redis.h"
#include "str.h"
#include "timers.h"
#include "yaml.h"

static char path[256];

static const char *write_conf(const char *text) {
        FILE *fp;
        snprintf(path, sizeof(path), "/tmp/redress-conf-%d.yaml",
                 (int)getpid());
        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        return path;
}

static void test_conf_shipped_defaults_load(void **state) {
        char errstr[512];
        rdr_conf_t *c;
        (void)state;
        c = rdr_conf_new(RDR_SOURCE_DIR "/configs/redress.yaml", NULL, errstr,
                         sizeof(errstr));
        assert_non_null(c);
        assert_string_equal(rdr_conf_str(c, "topics.reviews"),
                            "redress.reviews");
        assert_int_equal(rdr_conf_int(c, "dedupe.ttl"), 7LL * 86400 * 1000);
        assert_string_equal(rdr_conf_dir(c), RDR_SOURCE_DIR "/configs");
        rdr_conf_destroy(c);
}

static void test_conf_values_and_kafka_passthrough(void **state) {
        char errstr[512];
        rdr_conf_t *c;
        rd_kafka_conf_t *kc;
        char v[64];
        size_t vs = sizeof(v);
        (void)state;
        c = rdr_conf_new(write_conf("# a comment\n"
                                    "redis:\n  url: redis://h:7000/2\n"
                                    "consumer:\n  batch_max: 42\n"
                                    "  batch_wait: 250ms\n"
                                    "retention:\n  orders: 0\n"
                                    "kafka:\n  fetch.max.bytes: 1048576\n"),
                         NULL, errstr, sizeof(errstr));
        assert_non_null(c);
        assert_string_equal(rdr_conf_str(c, "redis.url"), "redis://h:7000/2");
        assert_int_equal(rdr_conf_int(c, "consumer.batch_max"), 42);
        assert_int_equal(rdr_conf_int(c, "consumer.batch_wait"), 250);
        assert_int_equal(rdr_conf_int(c, "retention.orders"), 0);
        assert_int_equal(rdr_conf_int(c, "retention.closed_cases"),
                         180 * 86400000LL);
        assert_true(rdr_conf_kafka_isset(c, "fetch.max.bytes"));
        kc = rd_kafka_conf_new();
        assert_int_equal(rdr_conf_kafka_apply(c, kc, errstr, sizeof(errstr)),
                         RDR_OK);
        assert_int_equal(rd_kafka_conf_get(kc, "fetch.max.bytes", v, &vs),
                         RD_KAFKA_CONF_OK);
        assert_string_equal(v, "1048576");
        rd_kafka_conf_destroy(kc);
        rdr_conf_destroy(c);
}

/* Each bad file names the file, the line and the key. */
static void test_conf_bad_files_name_file_line_key(void **state) {
        static const struct {
                const char *text;
                const char *expect; /* "line: key" part */
        } cases[] = {
            {"redis:\n  url: x\nconsumer:\n  batch_max: lots\n",
             ":4: key 'consumer.batch_max': expected an integer"},
            {"consumer:\n  batch_max: 0\n",
             ":2: key 'consumer.batch_max': 0 is out of range"},
            {"dedupe:\n  ttl: 7 days\n", ":2: key 'dedupe.ttl': expected a "
                                         "duration"},
            {"retention:\n  buyers: 3651d\n",
             ":2: key 'retention.buyers': 3651d is out of range"},
            {"output:\n  format: xml\n",
             ":2: key 'output.format': expected one of json|protobuf"},
            {"redis:\n  uri: redis://x\n",
             ":2: key 'redis.uri': unknown key (the keys: --print-config-doc)"},
            {"topics:\n  reviews: a\n  reviews: b\n", ":3: "},
            {"redis: [1, 2]\n", ":1: key 'redis': expected a single value"},
            {"redis:\n  url: 'unterminated\n", ": YAML syntax error"},
            /* No value is a value forgotten, as playbook.yaml's numbers
             * take it: refused, not read as the default (a key left out
             * keeps that). */
            {"consumer:\n  batch_max:\n  batch_wait: 5ms\n",
             ":2: key 'consumer.batch_max': no value"},
            {"consumer:\n  group: ~\n", ":2: key 'consumer.group': no value"},
            {"worker:\n  instance: null\n",
             ":2: key 'worker.instance': no value"},
            {"kafka:\n  client.id:\n", ":2: key 'kafka.client.id': no value"},
            /* A section with no keys under it is named as one, not as an
             * unknown key. */
            {"output:\nlog:\n  level: info\n",
             ":1: key 'output': empty section: give its keys or leave it "
             "out"},
            {"redis:\n  url: redis://h:1\nkafka:\n",
             ":3: key 'kafka': empty section"},
            {"outputs:\n", ":1: key 'outputs': unknown key"},
            /* One key in two spellings: which one counts? */
            {"worker:\n  instance: a\nworker.instance: b\n",
             ":3: key 'worker.instance': given twice (first at "},
            /* a key given twice in a mapping is named by its path */
            {"consumer:\n  batch_max: 1\n  batch_max: 2\n",
             ":3: key 'consumer.batch_max' given twice (first on line 2)"},
        };
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char errstr[512];
                rdr_conf_t *c = rdr_conf_new(write_conf(cases[i].text), NULL,
                                             errstr, sizeof(errstr));
                if (c)
                        fail_msg("case %zu loaded", i);
                if (strncmp(errstr, path, strlen(path)) ||
                    !strstr(errstr, cases[i].expect))
                        fail_msg("case %zu: got '%s', want '%s...%s'", i,
                                 errstr, path, cases[i].expect);
        }
        /* A kafka.* value librdkafka rejects names its origin too. */
        {
                char errstr[512];
                rdr_conf_t *c =
                    rdr_conf_new(write_conf("kafka:\n  no.such.property: 1\n"),
                                 NULL, errstr, sizeof(errstr));
                rd_kafka_conf_t *kc = rd_kafka_conf_new();
                assert_non_null(c);
                assert_int_equal(
                    rdr_conf_kafka_apply(c, kc, errstr, sizeof(errstr)),
                    RDR_ERR_CONFIG);
                assert_non_null(strstr(errstr, ":2: key "
                                               "'kafka.no.such.property'"));
                rd_kafka_conf_destroy(kc);
                rdr_conf_destroy(c);
        }
}

/* A directory where a file belongs is named as one, not reported as a
 * syntax error on its line 1. */
static void test_conf_directory_is_not_a_file(void **state) {
        char dir[] = "/tmp/redress-confdir-XXXXXX";
        char sub[64], want[128], errstr[512];
        rdr_yaml_t *root;
        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(sub, sizeof(sub), "%s/playbook.yaml", dir);
        assert_int_equal(mkdir(sub, 0700), 0);
        snprintf(want, sizeof(want), "%s: is a directory, not a file", sub);
        root = rdr_yaml_load_file(sub, errstr, sizeof(errstr));
        assert_null(root);
        assert_string_equal(errstr, want);
        /* --config naming a directory. */
        snprintf(want, sizeof(want), "%s: is a directory, not a file", dir);
        assert_null(rdr_conf_new(dir, NULL, errstr, sizeof(errstr)));
        assert_string_equal(errstr, want);
        rmdir(sub);
        rmdir(dir);
}

/* A key given twice is named by its path from the root, through the
 * items of a sequence. */
static void test_yaml_duplicate_key_path(void **state) {
        static const char text[] = "rules:\n  - when: a\n    then: b\n"
                                   "  - when: c\n    when: d\n";
        char errstr[512];
        (void)state;
        assert_null(rdr_yaml_load_string(text, sizeof(text) - 1, "<s>", errstr,
                                         sizeof(errstr)));
        assert_string_equal(
            errstr, "<s>:5: key 'rules[1].when' given twice (first on line 4)");
}

/* Bytes that are not UTF-8 are reported on their line, from a string and
 * from a file, not on line 1 (libyaml's reader gives an offset). */
static void test_yaml_bad_utf8_names_its_line(void **state) {
        static const char text[] = "a: 1\nb: 2\nc: caf\xe9\nd: 4\n";
        char file[] = "/tmp/redress-utf8-XXXXXX", errstr[512], want[128];
        FILE *fp;
        int fd;
        (void)state;
        assert_null(rdr_yaml_load_string(text, sizeof(text) - 1, "<s>", errstr,
                                         sizeof(errstr)));
        if (strncmp(errstr, "<s>:3: ", 7))
                fail_msg("got '%s'", errstr);
        fd = mkstemp(file);
        assert_true(fd >= 0);
        fp = fdopen(fd, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(text, 1, sizeof(text) - 1, fp),
                         sizeof(text) - 1);
        fclose(fp);
        snprintf(want, sizeof(want), "%s:3: ", file);
        assert_null(rdr_yaml_load_file(file, errstr, sizeof(errstr)));
        if (strncmp(errstr, want, strlen(want)))
                fail_msg("got '%s'", errstr);
        unlink(file);
}

static void test_conf_env_overrides(void **state) {
        char errstr[512];
        rdr_conf_t *c;
        (void)state;
        setenv("REDRESS_REDIS_URL", "redis://env:1/0", 1);
        setenv("REDRESS_KAFKA_BOOTSTRAP", "b1:9092,b2:9092", 1);
        setenv("REDRESS_KAFKA_SESSION_TIMEOUT_MS", "6000", 1);
        c = rdr_conf_new(write_conf("redis:\n  url: redis://file:1\n"), NULL,
                         errstr, sizeof(errstr));
        assert_non_null(c);
        assert_string_equal(rdr_conf_str(c, "redis.url"), "redis://env:1/0");
        rdr_conf_destroy(c);
        /* A quoted "null" is the text (YAML's null, no value, is refused:
         * test_conf_bad_files_name_file_line_key). */
        c = rdr_conf_new(write_conf("topics:\n  dlq: \"null\"\n"), NULL, errstr,
                         sizeof(errstr));
        assert_non_null(c);
        assert_string_equal(rdr_conf_str(c, "topics.dlq"), "null");
        assert_true(rdr_conf_kafka_isset(c, "bootstrap.servers"));
        assert_true(rdr_conf_kafka_isset(c, "session.timeout.ms"));
        rdr_conf_destroy(c);
        setenv("REDRESS_CONSUMER_BATCH_MAX", "-3", 1);
        c = rdr_conf_new(write_conf(""), NULL, errstr, sizeof(errstr));
        assert_null(c);
        assert_non_null(strstr(errstr, "REDRESS_CONSUMER_BATCH_MAX"));
        unsetenv("REDRESS_CONSUMER_BATCH_MAX");
        unsetenv("REDRESS_REDIS_URL");
        unsetenv("REDRESS_KAFKA_BOOTSTRAP");
        unsetenv("REDRESS_KAFKA_SESSION_TIMEOUT_MS");
}

/* A REDRESS_* variable that misspells a setting's stops the worker naming
 * both (it was ignored: the setting silently kept its value); the scripts'
 * own, far from any setting's, are left alone. */
static void test_conf_env_misspelt(void **state) {
        static const struct {
                const char *var, *meant, *key;
        } cases[] = {
            {"REDRESS_CONSUMER_BATCH_MAXX", "REDRESS_CONSUMER_BATCH_MAX",
             "consumer.batch_max"},
            {"REDRESS_REDIS_UR", "REDRESS_REDIS_URL", "redis.url"},
            {"REDRESS_TOPIC_CASES", "REDRESS_TOPICS_CASES", "topics.cases"},
            {"REDRESS_DEDUPE_TLL", "REDRESS_DEDUPE_TTL", "dedupe.ttl"},
        };
        static const char *const scripts[] = {
            "REDRESS_BUILD_DIR",      "REDRESS_FLEET_DIR",
            "REDRESS_TEST_FILTER",    "REDRESS_IT_JOBS",
            "REDRESS_KEEP_TEST_DIRS", "REDRESS_CONFIG"};
        char errstr[512], want[256];
        rdr_conf_t *c;
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                setenv(cases[i].var, "5", 1);
                c = rdr_conf_new(write_conf(""), NULL, errstr, sizeof(errstr));
                unsetenv(cases[i].var);
                if (c)
                        fail_msg("%s was taken", cases[i].var);
                snprintf(want, sizeof(want),
                         "environment %s: no such setting; did you mean %s "
                         "(key '%s')?",
                         cases[i].var, cases[i].meant, cases[i].key);
                if (!strstr(errstr, want))
                        fail_msg("%s: %s", cases[i].var, errstr);
        }
        for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
                setenv(scripts[i], "x", 1);
        c = rdr_conf_new(write_conf(""), NULL, errstr, sizeof(errstr));
        for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
                unsetenv(scripts[i]);
        if (!c)
                fail_msg("the scripts' variables refused: %s", errstr);
        rdr_conf_destroy(c);
}

static void test_conf_worker_table_and_set(void **state) {
        static const rdr_conf_prop_t extra[] = {
            {"widget.slots", RDR_CONF_INT, "16", 1, 4096, NULL, "slots"},
            {NULL, 0, NULL, 0, 0, NULL, NULL}};
        char errstr[512];
        rdr_conf_t *c;
        (void)state;
        c = rdr_conf_new(write_conf("widget:\n  slots: 8\n"), extra, errstr,
                         sizeof(errstr));
        assert_non_null(c);
        assert_int_equal(rdr_conf_int(c, "widget.slots"), 8);
        assert_int_equal(
            rdr_conf_set(c, "widget.slots", "0", errstr, sizeof(errstr)),
            RDR_ERR_CONFIG);
        assert_int_equal(
            rdr_conf_set(c, "widget.slots", "32", errstr, sizeof(errstr)),
            RDR_OK);
        assert_int_equal(rdr_conf_int(c, "widget.slots"), 32);
        /* --set paths.configs moves where the other files are read, as
         * the file and REDRESS_PATHS_CONFIGS do. */
        assert_int_equal(rdr_conf_set(c, "paths.configs", "/srv/redress/x",
                                      errstr, sizeof(errstr)),
                         RDR_OK);
        assert_string_equal(rdr_conf_dir(c), "/srv/redress/x");
        rdr_conf_destroy(c);
        /* Without the worker's table the key is unknown. */
        assert_null(rdr_conf_new(write_conf("widget:\n  slots: 8\n"), NULL,
                                 errstr, sizeof(errstr)));
        /* The worker's sections are sections too, empty or not. */
        assert_null(rdr_conf_new(write_conf("widget:\n"), extra, errstr,
                                 sizeof(errstr)));
        assert_non_null(
            strstr(errstr, ":1: key 'widget': empty section: give its keys"));
}

static void test_durations(void **state) {
        long long v;
        (void)state;
        assert_int_equal(rdr_duration_parse("500ms", &v), 0);
        assert_int_equal(v, 500);
        assert_int_equal(rdr_duration_parse("7d", &v), 0);
        assert_int_equal(v, 604800000LL);
        assert_int_equal(rdr_duration_parse("24h", &v), 0);
        assert_int_equal(v, 86400000LL);
        assert_int_equal(rdr_duration_parse("0", &v), 0); /* no unit */
        assert_int_equal(v, 0);
        assert_int_equal(rdr_duration_parse("0d", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(rdr_duration_parse("7", &v), -1);
        assert_int_equal(rdr_duration_parse("-1s", &v), -1);
        assert_int_equal(rdr_duration_parse("1w", &v), -1);
        assert_int_equal(rdr_duration_parse("99999999999999999d", &v), -1);
}

static void test_clock(void **state) {
        int64_t v;
        rdr_clock_t *clk = rdr_clock_new(RDR_CLOCK_SYSTEM, NULL);
        int64_t before = rdr_wall_ms();
        (void)state;
        assert_true(rdr_clock_now_ms(clk) >= before);
        assert_int_equal(rdr_clock_refresh(clk), RDR_OK); /* no Redis needed */
        rdr_clock_destroy(clk);
        assert_int_equal(rdr_clock_parse_ms("1795417200000", 13, &v), 0);
        assert_int_equal(v, 1795417200000LL);
        assert_int_equal(rdr_clock_parse_ms("", 0, &v), -1);
        assert_int_equal(rdr_clock_parse_ms("12a", 3, &v), -1);
        assert_int_equal(rdr_clock_parse_ms("-5", 2, &v), -1);
        assert_int_equal(rdr_clock_parse_ms("1234567890123456789", 19, &v), -1);
        /* The test clock answers with the value of its last refresh. */
        clk = rdr_clock_new(RDR_CLOCK_TEST, NULL);
        assert_int_equal(rdr_clock_source(clk), RDR_CLOCK_TEST);
        v = rdr_clock_now_ms(clk);
        assert_int_equal(rdr_clock_now_ms(clk), v);
        rdr_clock_destroy(clk);
}

/* A line built ahead for a signal handler takes the time it is written:
 * the same text as a line built at that time, whose time is gmtime's
 * (leap days, ends of years and centuries, the last millisecond of a
 * day). */
static void test_log_restamp(void **state) {
        static const int64_t at[] = {0,
                                     951782400000LL,
                                     951868799999LL,
                                     978307199999LL,
                                     1709164800123LL,
                                     1796675114875LL,
                                     4102444800000LL,
                                     253402300799999LL};
        size_t i, len, want_len;
        (void)state;
        for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
                char *line = rdr_log_prepare(RDR_LOG_ERROR, "e", 86400000, &len,
                                             "m %d", 1);
                char *want = rdr_log_prepare(RDR_LOG_ERROR, "e", at[i],
                                             &want_len, "m %d", 1);
                assert_non_null(line);
                assert_non_null(want);
                rdr_log_restamp(line, len, at[i]);
                assert_int_equal(len, want_len);
                assert_memory_equal(line, want, len);
                {
                        time_t secs = (time_t)(at[i] / 1000);
                        struct tm tm;
                        char ts[96];
                        assert_non_null(gmtime_r(&secs, &tm));
                        snprintf(ts, sizeof(ts),
                                 "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                 tm.tm_hour, tm.tm_min, tm.tm_sec,
                                 (int)(at[i] % 1000));
                        assert_memory_equal(line + 7, ts, 24);
                }
                free(line);
                free(want);
        }
}

static void test_dlq_envelope(void **state) {
        rd_kafka_headers_t *h = rdr_dlq_headers(
            "field 'rating': must be an integer 1..5, got 7", "redress.reviews",
            3, 1234567, "reviews", "application/json");
        const void *v;
        size_t n;
        (void)state;
        assert_int_equal(rd_kafka_header_cnt(h), 6);
        assert_int_equal(rd_kafka_header_get_last(h, "redress-error", &v, &n),
                         0);
        assert_memory_equal(v, "field 'rating'", 14);
        assert_int_equal(
            rd_kafka_header_get_last(h, "redress-source-topic", &v, &n), 0);
        assert_int_equal(n, 15);
        assert_int_equal(
            rd_kafka_header_get_last(h, "redress-source-partition", &v, &n), 0);
        assert_memory_equal(v, "3", n);
        assert_int_equal(
            rd_kafka_header_get_last(h, "redress-source-offset", &v, &n), 0);
        assert_memory_equal(v, "1234567", n);
        assert_int_equal(rd_kafka_header_get_last(h, "redress-worker", &v, &n),
                         0);
        assert_memory_equal(v, "reviews", n);
        rd_kafka_headers_destroy(h);
        /* No reason is never an empty header. */
        h = rdr_dlq_headers("", "t", 0, 0, "w", NULL);
        assert_int_equal(rd_kafka_header_get_last(h, "redress-error", &v, &n),
                         0);
        assert_true(n > 0);
        assert_int_equal(rd_kafka_header_cnt(h), 5);
        rd_kafka_headers_destroy(h);
}

/* What librdkafka's producer does with value bytes of a message of key
 * and the headers h (a copy): queues it (0) or refuses it as too big for
 * its message.max.bytes. No broker: it only queues. */
static rd_kafka_resp_err_t produce_size(rd_kafka_t *rk, const char *key,
                                        const rd_kafka_headers_t *h,
                                        const char *value, size_t len) {
        rd_kafka_headers_t *copy = rd_kafka_headers_copy(h);
        rd_kafka_resp_err_t err =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("redress.dlq"),
                              RD_KAFKA_V_KEY(key, strlen(key)),
                              RD_KAFKA_V_VALUE((void *)value, len),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_HEADERS(copy), RD_KAFKA_V_END);
        if (err)
                rd_kafka_headers_destroy(copy);
        return err;
}

/* The room a dead letter's value has is what librdkafka's producer
 * takes, to the byte, at the fleet's default message.max.bytes and at
 * another; an event of about 1,000,000 bytes (librdkafka's own default)
 * fits whole with the envelope of a dead letter. */
static void test_dlq_value_room_is_librdkafkas(void **state) {
        static const long long maxes[] = {RDR_KAFKA_MESSAGE_MAX, 200000};
        const char *key = "store-e/order-big";
        char *value = malloc(RDR_KAFKA_MESSAGE_MAX + 1), errstr[512], max[32];
        rd_kafka_headers_t *h =
            rdr_dlq_headers("no policy for platform 'etsy'", "redress.reviews",
                            3, 1234567, "reviews", "application/json");
        size_t i, room;
        (void)state;
        assert_non_null(value);
        memset(value, 'x', RDR_KAFKA_MESSAGE_MAX + 1);
        rd_kafka_header_add(h, "redress-replay-of", -1, "redress.dlq/12/345",
                            -1);
        for (i = 0; i < sizeof(maxes) / sizeof(*maxes); i++) {
                rd_kafka_conf_t *kc = rd_kafka_conf_new();
                rd_kafka_t *rk;
                snprintf(max, sizeof(max), "%lld", maxes[i]);
                assert_int_equal(rd_kafka_conf_set(kc, "message.max.bytes", max,
                                                   errstr, sizeof(errstr)),
                                 RD_KAFKA_CONF_OK);
                /* Not the note that no broker is set. */
                rd_kafka_conf_set(kc, "log_level", "3", errstr, sizeof(errstr));
                rk =
                    rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
                assert_non_null(rk);
                room = rdr_kafka_value_room(maxes[i], strlen(key), h);
                assert_true(room > 0 && room < (size_t)maxes[i]);
                assert_int_equal(produce_size(rk, key, h, value, room),
                                 RD_KAFKA_RESP_ERR_NO_ERROR);
                assert_int_equal(produce_size(rk, key, h, value, room + 1),
                                 RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
                rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE);
                rd_kafka_destroy(rk);
        }
        assert_true(rdr_kafka_value_room(RDR_KAFKA_MESSAGE_MAX, strlen(key),
                                         h) > 1000315);
        /* Not even the key and headers fit. */
        assert_int_equal(rdr_kafka_value_room(100, strlen(key), h), 0);
        assert_int_equal(rdr_kafka_value_room(1000, 0, NULL), 1000 - 36);
        rd_kafka_headers_destroy(h);
        free(value);
}

/* A dead letter read back: the headers the workers wrote, the filters of
 * redress-dlq, and its JSON line (bytes kept exactly, as text or base64). */
static void test_dlq_entry_read_match_json(void **state) {
        rd_kafka_headers_t *h =
            rdr_dlq_headers("no policy for platform 'etsy'", "redress.reviews",
                            3, 41, "reviews", "application/json");
        rdr_dlq_filter_t f = {NULL, NULL, NULL, -1, -1};
        rdr_dlq_entry_t e;
        const unsigned char bin[] = {0x0a, 0x03, 0xff, 0x00, 0x10};
        char *js;
        (void)state;
        /* The publisher's own, kept (a trace context, a binary id). */
        rd_kafka_header_add(h, "traceparent", -1, "00-4bf9-00f0-01", -1);
        rd_kafka_header_add(h, "msg-id", -1, bin, sizeof(bin));
        memset(&e, 0, sizeof(e));
        e.partition = 2;
        e.offset = 7;
        e.timestamp_ms = 1795417200123LL; /* 2026-11-23T07:00:00.123Z */
        e.key = "store-1/order-1";
        e.key_len = 15;
        e.value = "{\"a\":\"\u00e9\"}";
        e.len = strlen(e.value);
        rdr_dlq_entry_headers(&e, h);
        assert_string_equal(e.error, "no policy for platform 'etsy'");
        assert_string_equal(e.source_topic, "redress.reviews");
        assert_string_equal(e.worker, "reviews");
        assert_string_equal(e.content_type, "application/json");
        assert_int_equal(e.source_partition, 3);
        assert_int_equal(e.source_offset, 41);
        /* What a replay publishes again: the event's headers, not the
         * envelope's. */
        {
                rd_kafka_headers_t *again = rd_kafka_headers_new(4);
                const char *name;
                const void *v;
                size_t size;
                rdr_dlq_headers_keep(again, e.headers);
                assert_int_equal(rd_kafka_header_cnt(again), 3);
                assert_int_equal(
                    rd_kafka_header_get_all(again, 1, &name, &v, &size), 0);
                assert_string_equal(name, "traceparent");
                assert_int_equal(
                    rd_kafka_header_get_all(again, 2, &name, &v, &size), 0);
                assert_string_equal(name, "msg-id");
                assert_int_equal(size, sizeof(bin));
                assert_memory_equal(v, bin, sizeof(bin));
                rd_kafka_headers_destroy(again);
        }

        assert_true(rdr_dlq_match(&f, &e));
        f.error = "no policy";
        f.source_topic = "redress.reviews";
        f.worker = "reviews";
        f.since_ms = e.timestamp_ms;
        f.until_ms = e.timestamp_ms + 1;
        assert_true(rdr_dlq_match(&f, &e));
        f.until_ms = e.timestamp_ms; /* until is exclusive */
        assert_false(rdr_dlq_match(&f, &e));
        f.until_ms = -1;
        f.since_ms = e.timestamp_ms + 1;
        assert_false(rdr_dlq_match(&f, &e));
        f.since_ms = -1;
        f.worker = "chats";
        assert_false(rdr_dlq_match(&f, &e));
        f.worker = NULL;
        f.source_topic = "redress.chats";
        assert_false(rdr_dlq_match(&f, &e));
        f.source_topic = NULL;
        f.error = "No policy"; /* case matters */
        assert_false(rdr_dlq_match(&f, &e));

        js = rdr_dlq_entry_json(&e);
        assert_non_null(js);
        assert_string_equal(
            js, "{\"dlq_partition\":2,\"dlq_offset\":7,"
                "\"time\":\"2026-11-23T07:00:00.123Z\","
                "\"error\":\"no policy for platform 'etsy'\","
                "\"worker\":\"reviews\",\"source_topic\":\"redress.reviews\","
                "\"source_partition\":3,\"source_offset\":41,"
                "\"content_type\":\"application/json\",\"replay_of\":null,"
                "\"again_as\":null,\"cut\":null,\"headers\":["
                "{\"name\":\"content-type\",\"value\":\"application/json\"},"
                "{\"name\":\"traceparent\",\"value\":\"00-4bf9-00f0-01\"},"
                "{\"name\":\"msg-id\",\"value_base64\":\"CgP/ABA=\"}],"
                "\"key\":\"store-1/order-1\","
                "\"value\":\"{\\\"a\\\":\\\"\u00e9\\\"}\"}");
        free(js);
        /* What a reader found replayed from it and dead-lettered again. */
        e.again_as = "redress.dlq/0/9";
        js = rdr_dlq_entry_json(&e);
        assert_non_null(js);
        assert_non_null(strstr(js, ",\"again_as\":\"redress.dlq/0/9\","));
        free(js);
        e.again_as = "";
        rd_kafka_headers_destroy(h);

        /* Protobuf (or bytes that are not UTF-8): base64; no key: null;
         * headers absent: "" and -1. */
        h = rd_kafka_headers_new(1);
        rd_kafka_header_add(h, "content-type", -1, "application/x-protobuf",
                            -1);
        e.key = NULL;
        e.value = bin;
        e.len = sizeof(bin);
        e.timestamp_ms = -1;
        rdr_dlq_entry_headers(&e, h);
        assert_string_equal(e.error, "");
        assert_int_equal(e.source_partition, -1);
        assert_int_equal(e.source_offset, -1);
        js = rdr_dlq_entry_json(&e);
        assert_non_null(strstr(js, "\"time\":null"));
        assert_non_null(strstr(js, "\"key\":null"));
        assert_non_null(strstr(js, "\"value_base64\":\"CgP/ABA=\""));
        free(js);
        rd_kafka_headers_destroy(h);
        /* Dead again after a replay. */
        h = rd_kafka_headers_new(1);
        rd_kafka_header_add(h, "redress-replay-of", -1, "redress.dlq/3/17", -1);
        rdr_dlq_entry_headers(&e, h);
        assert_string_equal(e.replay_of, "redress.dlq/3/17");
        js = rdr_dlq_entry_json(&e);
        assert_non_null(strstr(js, "\"replay_of\":\"redress.dlq/3/17\""));
        free(js);
        rd_kafka_headers_destroy(h);
        rdr_dlq_entry_headers(&e, NULL);
        e.value = "\xff\xfe";
        e.len = 2;
        js = rdr_dlq_entry_json(&e);
        assert_non_null(strstr(js, "\"value_base64\":\"//4=\""));
        free(js);
        e.value = "ab";
        js = rdr_dlq_entry_json(&e);
        assert_non_null(strstr(js, "\"value\":\"ab\""));
        free(js);
}

/* A cut dead letter read back: marked by redress-cut (the event's
 * length), or, as written before that header, by its reason when that
 * names the dead letter's own length; --json says "cut". */
static void test_dlq_entry_cut(void **state) {
        rd_kafka_headers_t *h =
            rdr_dlq_headers("no policy for platform 'etsy' (dead letter cut "
                            "to its first 5 of 1000315 bytes)",
                            "redress.reviews", 3, 41, "reviews", NULL);
        rdr_dlq_entry_t e;
        char *js;
        (void)state;
        memset(&e, 0, sizeof(e));
        e.value = "{\"a\":";
        e.len = 5;
        rdr_dlq_entry_headers(&e, h);
        assert_int_equal(e.cut_from, 1000315);
        js = rdr_dlq_entry_json(&e);
        assert_non_null(strstr(js, ",\"cut\":1000315,"));
        free(js);
        /* A reason that names another length is not this dead letter's. */
        e.len = 6;
        rdr_dlq_entry_headers(&e, h);
        assert_int_equal(e.cut_from, -1);
        rd_kafka_headers_destroy(h);
        h = rdr_dlq_headers("no policy for platform 'x (dead letter cut to "
                            "its first 6 of 9 bytes)'",
                            "redress.reviews", 3, 41, "reviews", NULL);
        rdr_dlq_entry_headers(&e, h);
        assert_int_equal(e.cut_from, -1);
        /* The header: whatever the reason says. */
        rd_kafka_header_add(h, "redress-cut", -1, "1048500", -1);
        rdr_dlq_entry_headers(&e, h);
        assert_int_equal(e.cut_from, 1048500);
        rd_kafka_headers_destroy(h);
        /* A mark that is no length over the dead letter's: cut, of a
         * length unknown. */
        h = rdr_dlq_headers("too large", "redress.reviews", 3, 41, "reviews",
                            NULL);
        rd_kafka_header_add(h, "redress-cut", -1, "6", -1);
        rdr_dlq_entry_headers(&e, h);
        assert_int_equal(e.cut_from, 0);
        js = rdr_dlq_entry_json(&e);
        assert_non_null(strstr(js, ",\"cut\":0,"));
        free(js);
        rd_kafka_headers_destroy(h);
        rdr_dlq_entry_headers(&e, NULL);
        assert_int_equal(e.cut_from, -1);
}

static void test_outbox_entries_round_trip(void **state) {
        char *buf;
        size_t len;
        rdr_entry_t e;
        const char payload[] = {'a', '\0', 'b', '\n', 'c'}; /* binary */
        (void)state;
        assert_int_equal(rdr_entry_kafka("redress.cases", "s/o", 3,
                                         "application/x-protobuf", payload,
                                         sizeof(payload), &buf, &len),
                         RDR_OK);
        assert_int_equal(rdr_entry_parse(buf, len, &e), RDR_OK);
        assert_int_equal(e.kind, RDR_ENTRY_KAFKA);
        assert_string_equal(e.topic, "redress.cases");
        assert_int_equal(e.key_len, 3);
        assert_string_equal(e.content_type, "application/x-protobuf");
        assert_int_equal(e.payload_len, sizeof(payload));
        assert_memory_equal(e.payload, payload, sizeof(payload));
        free(buf);
        assert_int_equal(rdr_entry_timer("redress:{t:3}:due", 1234, "case:x:y",
                                         8, &buf, &len),
                         RDR_OK);
        assert_int_equal(rdr_entry_parse(buf, len, &e), RDR_OK);
        assert_int_equal(e.kind, RDR_ENTRY_TIMER);
        assert_string_equal(e.score, "1234");
        assert_memory_equal(e.member, "case:x:y", 8);
        free(buf);
        assert_int_equal(rdr_entry_parse("X\0junk", 6, &e), RDR_ERR_DECODE);
        assert_int_equal(rdr_entry_parse("K\0only-topic", 12, &e),
                         RDR_ERR_DECODE);
        assert_int_equal(rdr_entry_parse("", 0, &e), RDR_ERR_DECODE);
}

/* An event's entries bundled in one outbox field come back whole, in
 * order, binary payloads included; a damaged bundle is refused. */
static void test_outbox_bundle_round_trip(void **state) {
        char *k, *z, *b;
        size_t kl, zl, bl, pos = 0, len;
        const char *entry;
        const char payload[] = {'p', '\0', '7', '\0', 'x'};
        const char *entries[2];
        size_t lens[2];
        rdr_entry_t e;
        (void)state;
        assert_int_equal(rdr_entry_kafka("redress.actions", "s/o", 3,
                                         "application/json", payload,
                                         sizeof(payload), &k, &kl),
                         RDR_OK);
        assert_int_equal(
            rdr_entry_timer("redress:{t:3}:due", 99, "t:1", 3, &z, &zl),
            RDR_OK);
        entries[0] = k;
        entries[1] = z;
        lens[0] = kl;
        lens[1] = zl;
        bl = rdr_bundle_size(lens, 2);
        b = malloc(bl);
        assert_non_null(b);
        rdr_bundle_write(b, entries, lens, 2);
        assert_true(rdr_bundle_is(b, bl));
        assert_false(rdr_bundle_is(k, kl));
        assert_int_equal(rdr_bundle_next(b, bl, &pos, &entry, &len), 1);
        assert_int_equal(len, kl);
        assert_memory_equal(entry, k, kl);
        assert_int_equal(rdr_entry_parse(entry, len, &e), RDR_OK);
        assert_int_equal(e.payload_len, sizeof(payload));
        assert_memory_equal(e.payload, payload, sizeof(payload));
        assert_int_equal(rdr_bundle_next(b, bl, &pos, &entry, &len), 1);
        assert_int_equal(rdr_entry_parse(entry, len, &e), RDR_OK);
        assert_int_equal(e.kind, RDR_ENTRY_TIMER);
        assert_string_equal(e.score, "99");
        assert_memory_equal(e.member, "t:1", 3);
        assert_int_equal(rdr_bundle_next(b, bl, &pos, &entry, &len), 0);
        /* Cut short, a length past the end, no length: malformed. */
        pos = 0;
        assert_int_equal(rdr_bundle_next(b, bl - 1, &pos, &entry, &len), 1);
        assert_int_equal(rdr_bundle_next(b, bl - 1, &pos, &entry, &len), -1);
        pos = 0;
        assert_int_equal(rdr_bundle_next("B\0"
                                         "99\0ab",
                                         7, &pos, &entry, &len),
                         -1);
        pos = 0;
        assert_int_equal(rdr_bundle_next("B\0\0ab", 5, &pos, &entry, &len), -1);
        pos = 0;
        assert_int_equal(rdr_bundle_next("B\0", 2, &pos, &entry, &len), 0);
        free(b);
        free(k);
        free(z);
}

/* A bundle of JSON messages stored with storage.compression lz4 comes back
 * byte for byte and smaller; one that would not shrink is left as it is;
 * a damaged or lying compressed bundle is refused, not trusted. */
static void test_outbox_bundle_compression(void **state) {
        char json[2048], *k, *b, *c, *d, *bad;
        const char *entries[3];
        size_t lens[3], kl, bl, cl, dl, head, i;
        (void)state;
        /* A case.classified-like message, three times with other ids. */
        snprintf(json, sizeof(json),
                 "{\"event_id\":\"ev_556979b38797edb43ac0cc3c2f9eb230\","
                 "\"type\":\"case.classified\",\"case_id\":"
                 "\"cs_a5c4edeeae057ae16faecf73d722b2d9\",\"platform\":"
                 "\"taobao\",\"store_id\":\"store-45\",\"review_id\":"
                 "\"rv40\",\"order_id\":\"o40\",\"buyer_id\":\"b16852\","
                 "\"rating\":2,\"language\":\"zh\",\"sentiment\":"
                 "\"negative\",\"reason\":\"size_fit\",\"reasons\":"
                 "[\"size_fit\"],\"malicious\":\"none\",\"confidence\":"
                 "0.980726,\"occurred_at\":\"2026-12-03T03:57:08.501Z\"}");
        assert_int_equal(rdr_entry_kafka("redress.cases", "store-45/o40", 12,
                                         "application/json", json, strlen(json),
                                         &k, &kl),
                         RDR_OK);
        for (i = 0; i < 3; i++) {
                entries[i] = k;
                lens[i] = kl;
        }
        bl = rdr_bundle_size(lens, 3);
        b = malloc(bl);
        assert_non_null(b);
        rdr_bundle_write(b, entries, lens, 3);

        assert_int_equal(rdr_bundle_compress(b, bl, &c, &cl), RDR_OK);
        assert_non_null(c);
        assert_true(cl < bl / 2);
        assert_true(rdr_bundle_is_compressed(c, cl));
        assert_false(rdr_bundle_is(c, cl));
        assert_false(rdr_bundle_is_compressed(b, bl));
        assert_int_equal(rdr_bundle_decompress(c, cl, &d, &dl), RDR_OK);
        assert_int_equal(dl, bl);
        assert_memory_equal(d, b, bl);
        assert_int_equal(d[dl], '\0');
        free(d);

        /* Too short to shrink: stored as it is. */
        assert_int_equal(rdr_bundle_compress("B\0"
                                             "1\0x",
                                             5, &d, &dl),
                         RDR_OK);
        assert_null(d);
        assert_int_equal(dl, 0);

        /* Cut short, a length that lies, no length, not a number, a length
         * past any bundle, not a compressed bundle: refused. */
        assert_int_equal(rdr_bundle_decompress(c, cl - 1, &d, &dl),
                         RDR_ERR_DECODE);
        assert_null(d);
        bad = malloc(cl + 8);
        assert_non_null(bad);
        head = 2 + strlen(c + 2) + 1; /* c's header: "L", its length */
        i = (size_t)snprintf(bad, cl + 8, "L%c%zu", '\0', bl + 1) + 1;
        memcpy(bad + i, c + head, cl - head);
        assert_int_equal(rdr_bundle_decompress(bad, i + cl - head, &d, &dl),
                         RDR_ERR_DECODE);
        assert_int_equal(rdr_bundle_decompress("L\0\0xyz", 6, &d, &dl),
                         RDR_ERR_DECODE);
        assert_int_equal(rdr_bundle_decompress("L\0"
                                               "12a\0xyz",
                                               9, &d, &dl),
                         RDR_ERR_DECODE);
        assert_int_equal(rdr_bundle_decompress("L\0"
                                               "99999999999\0xyz",
                                               17, &d, &dl),
                         RDR_ERR_DECODE);
        assert_int_equal(rdr_bundle_decompress(b, bl, &d, &dl), RDR_ERR_DECODE);
        /* Well-formed LZ4 of something that is not a bundle. */
        free(c);
        assert_int_equal(rdr_bundle_compress(json, strlen(json), &c, &cl),
                         RDR_OK);
        assert_non_null(c);
        assert_int_equal(rdr_bundle_decompress(c, cl, &d, &dl), RDR_ERR_DECODE);
        assert_null(d);
        free(c);
        free(bad);
        free(b);
        free(k);
}

static void test_ids_and_keys(void **state) {
        char a[RDR_ID_LEN], b[RDR_ID_LEN], k[64];
        (void)state;
        rdr_case_id(a, "taobao", "s1", "r1");
        rdr_case_id(b, "taobao", "s1", "r1");
        assert_string_equal(a, b);
        assert_int_equal(strlen(a), 35);
        assert_memory_equal(a, "cs_", 3);
        /* Part boundaries matter: ("s1","r1x") is not ("s1r","1x"). */
        rdr_case_id(b, "taobao", "s1r", "1x");
        rdr_case_id(a, "taobao", "s1", "r1x");
        assert_string_not_equal(a, b);
        assert_true(rdr_key_case(k, sizeof(k), "cs_1", "outbox") > 0);
        assert_string_equal(k, "redress:{c:cs_1}:outbox");
        assert_int_equal(rdr_key_case(k, 8, "cs_1", "outbox"), -1);
        /* Ids and keys name data already in Redis: they never change. */
        rdr_case_id(a, "taobao", "s1", "r1");
        assert_string_equal(a, "cs_b1d9907a576dab8729f4fffd328624c2");
        assert_int_equal(
            rdr_key_order(k, sizeof(k), "taobao", "s1", "o1", "intents"), 32);
        assert_string_equal(k, "redress:{o:taobao:s1:o1}:intents");
        rdr_key_buyer(k, sizeof(k), "taobao", "b1", NULL);
        assert_string_equal(k, "redress:{b:taobao:b1}");
        rdr_key_seen(k, sizeof(k), "c:cs_1", "redress.reviews", "ev1");
        assert_string_equal(k, "redress:{c:cs_1}:seen:redress.reviews:ev1");
        assert_int_equal(rdr_key_buyer(k, 21, "taobao", "b1", NULL), -1);
        assert_int_equal(rdr_key_buyer(k, 22, "taobao", "b1", NULL), 21);
        /* The hash tag: what sits between the braces. */
        assert_int_equal(
            rdr_key_tag(a, sizeof(a), "redress:{o:taobao:s1:o1}:outbox"), 14);
        assert_string_equal(a, "o:taobao:s1:o1");
        assert_int_equal(rdr_key_tag(a, 14, "redress:{o:taobao:s1:o1}"), -1);
        assert_int_equal(rdr_key_tag(a, sizeof(a), "redress:clock:now_ms"), -1);
        assert_int_equal(rdr_key_tag(a, sizeof(a), "redress:{}:x"), -1);
        /* A timer's shard is stored: the hash is FNV-1a, for ever (its
         * published test vectors). */
        assert_int_equal(rdr_str_hash("", 0), 0x811c9dc5u);
        assert_int_equal(rdr_str_hash("a", 1), 0xe40c292cu);
        assert_int_equal(rdr_str_hash("foobar", 6), 0xbf9cf968u);
}

static const char *index_key(const void *keys, uint32_t n) {
        return ((const char *const *)keys)[n];
}

/* An index finds every key put in it, a full probe sequence included,
 * and gives the free entry for a key it does not hold. */
static void test_str_index(void **state) {
        static const char *const keys[] = {"o1", "o2", "o3", "o4",
                                           "o5", "o6", "o7"};
        uint32_t index[8] = {0};
        size_t i, at;
        (void)state;
        for (i = 0; i < 7; i++) {
                at = rdr_str_index_find(index, 8, keys[i], index_key, keys);
                assert_int_equal(index[at], 0);
                index[at] = (uint32_t)(i + 1);
        }
        for (i = 0; i < 7; i++) {
                at = rdr_str_index_find(index, 8, keys[i], index_key, keys);
                assert_int_equal(index[at], i + 1);
        }
        at = rdr_str_index_find(index, 8, "o8", index_key, keys);
        assert_int_equal(index[at], 0);
        for (i = 0; i < 8 && index[i]; i++)
                ;
        assert_int_equal(at, i); /* the one free entry */
}

static void int_as_snprintf(long long v) {
        char got[RDR_STR_INT_SIZE], want[RDR_STR_INT_SIZE];
        size_t n = rdr_str_int(got, v);
        snprintf(want, sizeof(want), "%lld", v);
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
}

/* rdr_str_int writes two digits at a time: every count of digits, at both
 * ends, either sign, and a spread of values between. */
/* A number read whole, in range; anything else refused. */
static void test_str_to_ll(void **state) {
        long long v = 7;
        (void)state;
        assert_int_equal(rdr_str_to_ll("42", 2, 0, 100, &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(rdr_str_to_ll("-1x", 2, -1, 5, &v), 0);
        assert_int_equal(v, -1);
        assert_int_equal(rdr_str_to_ll("101", 3, 0, 100, &v), -1);
        assert_int_equal(rdr_str_to_ll("5x", 2, 0, 100, &v), -1);
        assert_int_equal(rdr_str_to_ll("", 0, 0, 100, &v), -1);
        assert_int_equal(rdr_str_to_ll("99999999999999999999", 20, 0,
                                       0x7fffffffffffffffLL, &v),
                         -1);
        assert_int_equal(v, -1);
}

static void test_str_int_every_length(void **state) {
        long long p = 1;
        unsigned long long x = 12345;
        int d, k;
        (void)state;
        for (d = 1; d <= 18; d++, p *= 10)
                for (k = -1; k <= 1; k++) {
                        int_as_snprintf(p + k);
                        int_as_snprintf(-(p + k));
                }
        for (k = 0; k < 1000; k++) {
                long long v;
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                v = (long long)(x >> (1 + k % 60));
                int_as_snprintf(k & 1 ? -v : v);
        }
}

/* The builders give what snprintf gives, truncation included. */
static void test_str_builders_match_snprintf(void **state) {
        static const long long ints[] = {0,
                                         7,
                                         -7,
                                         10,
                                         -10,
                                         999,
                                         123456789,
                                         9223372036854775807LL,
                                         -9223372036854775807LL - 1};
        const char *const pieces[] = {"cs_1", ":", "reply", ":", "12", NULL};
        char got[RDR_STR_INT_SIZE + 8], want[sizeof(got)];
        size_t i, size;
        (void)state;
        for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
                int_as_snprintf(ints[i]);
        for (size = 1; size <= 16; size++) {
                size_t n = rdr_str_copy(got, size, "abcdefghij");
                snprintf(want, size, "%s", "abcdefghij");
                assert_string_equal(got, want);
                assert_int_equal(n, strlen(want));
                n = rdr_str_join(got, size, pieces);
                snprintf(want, size, "%s%s%s%s%s", "cs_1", ":", "reply", ":",
                         "12");
                assert_string_equal(got, want);
                assert_int_equal(n, strlen(want));
        }
        /* The fit-or-fail join (keys): whole, or -1. */
        assert_int_equal(rdr_str_join_fit(got, 14, pieces), 13);
        assert_string_equal(got, "cs_1:reply:12");
        assert_int_equal(rdr_str_join_fit(got, 13, pieces), -1);
        assert_int_equal(rdr_str_copy(got, sizeof(got), NULL), 0);
        assert_string_equal(got, "");
}

static void test_metrics_render(void **state) {
        rdr_metrics_t *m = rdr_metrics_new("reviews", "host-1");
        rdr_metric_t *c = rdr_metrics_counter(m, "x_total", "X", "topic,err");
        double b[] = {0.1, 1};
        rdr_metric_t *h = rdr_metrics_histogram(m, "lat_seconds", "L", b, 2);
        char *text;
        (void)state;
        rdr_metric_add(c, "redress.reviews\x1fRDR_ERR_\"Q\"", 2);
        rdr_metric_observe(h, 0.05);
        rdr_metric_observe(h, 5);
        text = rdr_metrics_render(m);
        assert_non_null(strstr(text, "# TYPE redress_x_total counter\n"));
        assert_non_null(strstr(
            text, "redress_x_total{worker=\"reviews\",instance=\"host-1\","
                  "topic=\"redress.reviews\",err=\"RDR_ERR_\\\"Q\\\"\"} 2\n"));
        assert_non_null(strstr(text, "le=\"0.1\"} 1\n"));
        assert_non_null(strstr(text, "le=\"+Inf\"} 2\n"));
        assert_non_null(strstr(text,
                               "redress_lat_seconds_count{worker=\"reviews\","
                               "instance=\"host-1\"} 2\n"));
        free(text);
        rdr_metrics_destroy(m);
}

typedef struct {
        char topics[4][64];
        long long lags[4];
        int n;
} lags_t;

static void lag_seen(const char *topic, long long lag, void *arg) {
        lags_t *l = arg;
        if (l->n < 4) {
                snprintf(l->topics[l->n], sizeof(l->topics[0]), "%s", topic);
                l->lags[l->n++] = lag;
        }
}

/* The lag of a topic is the sum of its partitions' lags: the stored offset's
 * when known, else the committed one's; unknown partitions and librdkafka's
 * unassigned queue (-1) count nothing, and a topic with no partition known
 * reports 0 (its series goes back to 0 once its partitions are revoked). */
static void test_lag_from_statistics(void **state) {
        static const char stats[] =
            "{\"name\":\"rdkafka#consumer-2\",\"type\":\"consumer\","
            "\"topics\":{\"redress.reviews\":{\"topic\":\"redress.reviews\","
            "\"partitions\":{"
            "\"0\":{\"partition\":0,\"consumer_lag\":10,"
            "\"consumer_lag_stored\":4},"
            "\"1\":{\"partition\":1,\"consumer_lag\":7,"
            "\"consumer_lag_stored\":-1},"
            "\"2\":{\"partition\":2,\"consumer_lag\":-1,"
            "\"consumer_lag_stored\":-1},"
            "\"-1\":{\"partition\":-1,\"consumer_lag\":99,"
            "\"consumer_lag_stored\":99}}},"
            "\"redress.chats\":{\"partitions\":{\"0\":{\"consumer_lag\":-1,"
            "\"consumer_lag_stored\":-1}}}}}";
        lags_t l;
        (void)state;
        memset(&l, 0, sizeof(l));
        assert_int_equal(
            rdr_lag_from_stats(stats, strlen(stats), lag_seen, NULL, &l), 2);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.topics[0], "redress.reviews");
        assert_int_equal(l.lags[0], 11);
        assert_string_equal(l.topics[1], "redress.chats");
        assert_int_equal(l.lags[1], 0);
        memset(&l, 0, sizeof(l));
        assert_int_equal(rdr_lag_from_stats("[]", 2, lag_seen, NULL, &l), -1);
        assert_int_equal(
            rdr_lag_from_stats("{\"topics\":", 11, lag_seen, NULL, &l), -1);
        assert_int_equal(l.n, 0);
}

/* The broker's high watermark of partition 0 of redress.reviews, asked
 * while the consumer is paused (run.c); none of the others. */
static long long paused_hi(const char *topic, int partition, void *arg) {
        (void)arg;
        return !strcmp(topic, "redress.reviews") && partition == 0 ? 160 : -1;
}

/* Broker connections up, from the statistics: a bootstrap address never
 * connected (INIT) and a broker gone (DOWN) leave none, which librdkafka's
 * own "all brokers down" does not report; its internal broker is not a
 * connection. */
static void test_brokers_up_from_statistics(void **state) {
        static const char gone[] =
            "{\"name\":\"rdkafka#consumer-2\",\"brokers\":{"
            "\"127.0.0.1:9092/bootstrap\":{\"nodeid\":-1,"
            "\"source\":\"configured\",\"state\":\"INIT\"},"
            "\"127.0.0.1:9092/1\":{\"nodeid\":1,\"source\":\"learned\","
            "\"state\":\"DOWN\"},"
            "\"GroupCoordinator\":{\"nodeid\":1,\"source\":\"logical\","
            "\"state\":\"CONNECT\"},"
            "\":0/internal\":{\"nodeid\":-1,\"source\":\"internal\","
            "\"state\":\"UP\"}}}";
        static const char up[] =
            "{\"brokers\":{\"a:9092/1\":{\"source\":\"learned\","
            "\"state\":\"UP\"},\"GroupCoordinator\":{\"source\":"
            "\"logical\",\"state\":\"UPDATE\"},\"b:9092/2\":{"
            "\"source\":\"learned\",\"state\":\"TRY_CONNECT\"}}}";
        (void)state;
        assert_int_equal(rdr_stats_brokers_up(gone, strlen(gone)), 0);
        assert_int_equal(rdr_stats_brokers_up(up, strlen(up)), 2);
        assert_int_equal(rdr_stats_brokers_up("{\"topics\":{}}", 13), -1);
        assert_int_equal(rdr_stats_brokers_up("{\"brokers\":", 11), -1);
}

/* A paused consumer's statistics keep the watermark of its last fetch
 * (hi_offset 100): a newer one from the broker counts from the stored
 * offset (else the committed one), and an older or unknown one changes
 * nothing. */
static void test_lag_of_a_paused_consumer(void **state) {
        static const char stats[] =
            "{\"topics\":{\"redress.reviews\":{\"partitions\":{"
            "\"0\":{\"hi_offset\":100,\"stored_offset\":50,"
            "\"committed_offset\":40,\"consumer_lag\":60,"
            "\"consumer_lag_stored\":50},"
            "\"1\":{\"hi_offset\":100,\"stored_offset\":-1001,"
            "\"committed_offset\":70,\"consumer_lag\":30,"
            "\"consumer_lag_stored\":-1}}},"
            "\"redress.chats\":{\"partitions\":{"
            "\"0\":{\"hi_offset\":9,\"stored_offset\":9,"
            "\"committed_offset\":9,\"consumer_lag\":0,"
            "\"consumer_lag_stored\":0}}}}}";
        static const char committed_only[] =
            "{\"topics\":{\"redress.reviews\":{\"partitions\":{"
            "\"0\":{\"hi_offset\":100,\"stored_offset\":-1001,"
            "\"committed_offset\":70,\"consumer_lag\":30,"
            "\"consumer_lag_stored\":-1}}}}}";
        static const char not_consumed[] =
            "{\"topics\":{\"redress.reviews\":{\"partitions\":{"
            "\"0\":{\"hi_offset\":100,\"stored_offset\":-1001,"
            "\"committed_offset\":-1001,\"consumer_lag\":-1,"
            "\"consumer_lag_stored\":-1}}}}}";
        lags_t l;
        (void)state;
        memset(&l, 0, sizeof(l));
        assert_int_equal(
            rdr_lag_from_stats(stats, strlen(stats), lag_seen, paused_hi, &l),
            2);
        assert_string_equal(l.topics[0], "redress.reviews");
        assert_int_equal(l.lags[0], (160 - 50) + 30);
        assert_int_equal(l.lags[1], 0);
        memset(&l, 0, sizeof(l));
        assert_int_equal(rdr_lag_from_stats(committed_only,
                                            strlen(committed_only), lag_seen,
                                            paused_hi, &l),
                         1);
        assert_int_equal(l.lags[0], 160 - 70);
        /* A partition this instance does not consume (revoked) stays out. */
        memset(&l, 0, sizeof(l));
        assert_int_equal(rdr_lag_from_stats(not_consumed, strlen(not_consumed),
                                            lag_seen, paused_hi, &l),
                         1);
        assert_int_equal(l.lags[0], 0);
}

/* A field reader over an HGETALL reply finds every field, in the order
 * the hash holds them or in any other, and NULL for one it lacks. */
static void test_hash_reader(void **state) {
        static const char *const kv[] = {"a", "1", "b", "2", "c", "3", "d", ""};
        redisReply e[8], h, *el[8];
        rdr_hash_cursor_t hc;
        size_t i;
        (void)state;
        memset(e, 0, sizeof(e));
        for (i = 0; i < 8; i++) {
                e[i].type = REDIS_REPLY_STRING;
                e[i].str = (char *)kv[i];
                e[i].len = strlen(kv[i]);
                el[i] = &e[i];
        }
        memset(&h, 0, sizeof(h));
        h.type = REDIS_REPLY_ARRAY;
        h.elements = 8;
        h.element = el;
        hc = (rdr_hash_cursor_t){&h, 0};
        assert_string_equal(rdr_hash_reader(&hc, "a"), "1");
        assert_string_equal(rdr_hash_reader(&hc, "b"), "2");
        assert_string_equal(rdr_hash_reader(&hc, "d"), "");
        assert_string_equal(rdr_hash_reader(&hc, "a"), "1"); /* wraps */
        assert_null(rdr_hash_reader(&hc, "x"));
        assert_string_equal(rdr_hash_reader(&hc, "c"), "3");
        assert_string_equal(rdr_hash_reader(&hc, "b"), "2");
        assert_string_equal(rdr_hash_reader(&hc, "d"), "");
        assert_null(rdr_hash_reader(&hc, "1")); /* values are not fields */
        hc = (rdr_hash_cursor_t){NULL, 0};
        assert_null(rdr_hash_reader(&hc, "a"));
}

static int slot_of(const char *key) {
        return rdr_redis_key_slot(key, strlen(key));
}

static int by_str(const void *a, const void *b) {
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Ids may hold anything but control characters (CONTRACT.md): store
 * "aud:x" order "1" and store "aud" order "x:1" are two orders, with two
 * keys; ids without '%', ':' and '}' keep the keys Redis already holds;
 * every key of one record keeps one whole hash tag. */
static void test_keys_of_ids_with_separators(void **state) {
        /* Ids of up to two characters over an alphabet of what a key
         * escapes and what its escapes are made of. */
        static const char alpha[] = "a:%}3A7D{";
        enum { NA = sizeof(alpha) - 1, NIDS = 1 + NA + NA * NA };
        static char ids[NIDS][3], keys[NIDS * NIDS][64];
        static const char *sorted[NIDS * NIDS];
        char k[1024], k2[1024], tag[1024];
        size_t i, j, n = 0;
        (void)state;
        /* The two stores' orders. */
        assert_int_equal(
            rdr_key_order(k, sizeof(k), "taobao", "aud:x", "1", "intents"),
            (int)strlen("redress:{o:taobao:aud%3Ax:1}:intents"));
        assert_string_equal(k, "redress:{o:taobao:aud%3Ax:1}:intents");
        rdr_key_order(k2, sizeof(k2), "taobao", "aud", "x:1", "intents");
        assert_string_equal(k2, "redress:{o:taobao:aud:x%3A1}:intents");
        /* A buyer: platform "p" buyer "a:b" is not platform "p:a" buyer
         * "b"; '%' itself is escaped, so an id that reads like an escape
         * is not the character it would stand for. */
        rdr_key_buyer(k, sizeof(k), "p", "a:b", "tags");
        rdr_key_buyer(k2, sizeof(k2), "p:a", "b", "tags");
        assert_string_equal(k, "redress:{b:p:a%3Ab}:tags");
        assert_string_not_equal(k, k2);
        rdr_key_buyer(k2, sizeof(k2), "p", "a%3Ab", "tags");
        assert_string_equal(k2, "redress:{b:p:a%253Ab}:tags");
        /* '}' would end the hash tag: escaped, the tag holds every id,
         * and the order's record, outbox and dedupe keys share a slot. */
        rdr_key_order(k, sizeof(k), "taobao", "s}1", "o}1", NULL);
        assert_string_equal(k, "redress:{o:taobao:s%7D1:o%7D1}");
        assert_int_equal(rdr_key_tag(tag, sizeof(tag), k), 20);
        assert_string_equal(tag, "o:taobao:s%7D1:o%7D1");
        rdr_key_seen(k2, sizeof(k2), tag, "redress.chats", "ev}1");
        assert_int_equal(slot_of(k), slot_of(k2));
        rdr_key_order(k2, sizeof(k2), "taobao", "s}1", "o}1", "outbox");
        assert_int_equal(slot_of(k), slot_of(k2));
        rdr_key_order(k2, sizeof(k2), "taobao", "s", "1:o}1", NULL);
        assert_int_not_equal(slot_of(k), slot_of(k2));
        rdr_key_case(k, sizeof(k), "cs_a}:seen:x", NULL);
        assert_string_equal(k, "redress:{c:cs_a%7D%3Aseen%3Ax}");
        /* Ids without the three keep their keys byte for byte ('{' too:
         * only a key's first '{' opens its tag). */
        rdr_key_order(k, sizeof(k), "taobao", "店铺-1{a", "o.1/2 x", "outbox");
        assert_string_equal(k, "redress:{o:taobao:店铺-1{a:o.1/2 x}:outbox");
        rdr_key_buyer(k, sizeof(k), "tmall", "b_1@x", NULL);
        assert_string_equal(k, "redress:{b:tmall:b_1@x}");
        rdr_key_case(k, sizeof(k), "cs_b1d9907a576dab8729f4fffd328624c2",
                     "outbox");
        assert_string_equal(
            k, "redress:{c:cs_b1d9907a576dab8729f4fffd328624c2}:outbox");
        /* Distinct ids, distinct keys: every (store, order) pair of short
         * ids, and every (platform, buyer) pair. */
        for (i = 0; i < NIDS; i++) {
                size_t m = i == 0 ? 0 : i <= NA ? 1 : 2;
                size_t a = i <= NA ? i - 1 : (i - NA - 1) / NA,
                       b = i <= NA ? 0 : (i - NA - 1) % NA;
                if (m >= 1)
                        ids[i][0] = alpha[a];
                if (m == 2)
                        ids[i][1] = alpha[b];
                ids[i][m] = '\0';
        }
        for (i = 0; i < NIDS; i++)
                for (j = 0; j < NIDS; j++, n++) {
                        assert_true(rdr_key_order(keys[n], sizeof(keys[n]),
                                                  "taobao", ids[i], ids[j],
                                                  NULL) > 0);
                        sorted[n] = keys[n];
                }
        qsort(sorted, n, sizeof(sorted[0]), by_str);
        for (i = 1; i < n; i++)
                if (!strcmp(sorted[i - 1], sorted[i]))
                        fail_msg("two orders share the key %s", sorted[i]);
        for (i = 0, n = 0; i < NIDS; i++)
                for (j = 0; j < NIDS; j++, n++) {
                        rdr_key_buyer(keys[n], sizeof(keys[n]), ids[i], ids[j],
                                      NULL);
                        sorted[n] = keys[n];
                }
        qsort(sorted, n, sizeof(sorted[0]), by_str);
        for (i = 1; i < n; i++)
                if (!strcmp(sorted[i - 1], sorted[i]))
                        fail_msg("two buyers share the key %s", sorted[i]);
        /* Too small for the key its ids make escaped: -1, not a key cut
         * short. */
        assert_int_equal(rdr_key_order(k, 28, "taobao", "aud:x", "1", NULL),
                         -1);
        assert_int_equal(rdr_key_order(k, 29, "taobao", "aud:x", "1", NULL),
                         28);
}

/* Redis Cluster's slots: the specification's examples, hash tags, the
 * slot of a command in RESP, and the fleet's keys of one script sharing a
 * slot. */
static void test_redis_slots(void **state) {
        static const char hset[] = "*4\r\n$4\r\nHSET\r\n$13\r\nredress:{c:1}"
                                   "\r\n$1\r\nf\r\n$1\r\nv\r\n";
        static const char eval[] = "*5\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n2"
                                   "\r\n$7\r\nx:{c:1}\r\n$3\r\nnot\r\n";
        static const char eval0[] =
            "*3\r\n$7\r\nevalsha\r\n$2\r\nab\r\n$1\r\n0\r\n";
        static const char ping[] = "*1\r\n$4\r\nPING\r\n";
        static const char scan[] = "*2\r\n$4\r\nSCAN\r\n$1\r\n0\r\n";
        static const char wait[] = "*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$1\r\n0\r\n";
        static const char usage[] =
            "*3\r\n$6\r\nMEMORY\r\n$5\r\nUSAGE\r\n$3\r\nfoo\r\n";
        static const char stats[] = "*2\r\n$6\r\nMEMORY\r\n$5\r\nSTATS\r\n";
        char k1[256], k2[256], k3[256], t[3][64];
        int i;
        (void)state;
        /* CRC16 of "123456789" is 0x31C3 (the specification's check). */
        assert_int_equal(slot_of("123456789"), 0x31C3);
        assert_int_equal(slot_of("foo"), 12182);
        assert_int_equal(slot_of("{user1000}.following"),
                         slot_of("{user1000}.followers"));
        assert_int_equal(slot_of("{user1000}.following"), slot_of("user1000"));
        /* An empty tag hashes the whole key; only the first tag counts. */
        assert_int_not_equal(slot_of("foo{}{bar}"), slot_of("bar"));
        assert_int_equal(slot_of("foo{{bar}}zap"), slot_of("{bar"));
        assert_int_equal(slot_of("foo{bar}{zap}"), slot_of("bar"));

        assert_int_equal(rdr_redis_cmd_slot(hset, sizeof(hset) - 1),
                         slot_of("c:1"));
        assert_int_equal(rdr_redis_cmd_slot(eval, sizeof(eval) - 1),
                         slot_of("c:1"));
        assert_int_equal(rdr_redis_cmd_slot(eval0, sizeof(eval0) - 1), -1);
        assert_int_equal(rdr_redis_cmd_slot(ping, sizeof(ping) - 1), -1);
        assert_int_equal(rdr_redis_cmd_slot(scan, sizeof(scan) - 1), -1);
        assert_int_equal(rdr_redis_cmd_slot(wait, sizeof(wait) - 1), -1);
        assert_int_equal(rdr_redis_cmd_slot(usage, sizeof(usage) - 1),
                         slot_of("foo"));
        assert_int_equal(rdr_redis_cmd_slot(stats, sizeof(stats) - 1), -1);
        /* Cut short: no slot, no read past the end. */
        assert_int_equal(rdr_redis_cmd_slot(hset, 20), -1);

        /* A case's hash, outbox and dedupe key; an order's; a buyer's. */
        rdr_key_case(k1, sizeof(k1), "cs_0123", NULL);
        rdr_key_case(k2, sizeof(k2), "cs_0123", "outbox");
        rdr_key_seen(k3, sizeof(k3), "c:cs_0123", "redress.reviews", "ev-1");
        assert_int_equal(slot_of(k1), slot_of(k2));
        assert_int_equal(slot_of(k1), slot_of(k3));
        rdr_key_order(k1, sizeof(k1), "taobao", "s-1", "o-1", NULL);
        rdr_key_order(k2, sizeof(k2), "taobao", "s-1", "o-1", "intents");
        assert_int_equal(slot_of(k1), slot_of(k2));
        rdr_key_buyer(k1, sizeof(k1), "taobao", "b-1", NULL);
        rdr_key_buyer(k2, sizeof(k2), "taobao", "b-1", "tags");
        assert_int_equal(slot_of(k1), slot_of(k2));
        /* A timer's due, lease and generation keys. */
        for (i = 0; i < 50; i++) {
                char m[32];
                snprintf(m, sizeof(m), "case:cs_%d:follow_up:1", i);
                rdr_timer_keys(m, strlen(m), 16, t);
                assert_int_equal(slot_of(t[0]), slot_of(t[1]));
                assert_int_equal(slot_of(t[0]), slot_of(t[2]));
        }
}

/* Redis URLs: the cluster form takes seeds and no database. */
static void test_redis_urls(void **state) {
        static const char *const good[] = {
            "redis://127.0.0.1:6379",
            "redis://:pw@h/2",
            "unix:///run/redis.sock?db=1",
            "redis-cluster://10.0.0.1:7000",
            "redis-cluster://user:pw@10.0.0.1:7000,10.0.0.2:7001,h3",
            "redis-cluster://10.0.0.1:7000/0",
            NULL};
        static const char *const bad[] = {"redis-cluster://",
                                          "redis-cluster://h:7000/2",
                                          "redis-cluster://h:x",
                                          "redis-cluster://h:7000,,",
                                          "redis://h:70000",
                                          "cluster://h",
                                          NULL};
        char errstr[256];
        int i;
        (void)state;
        for (i = 0; good[i]; i++) {
                rdr_redis_t *rr = rdr_redis_new(good[i], 100, 100, 100, errstr,
                                                sizeof(errstr));
                if (!rr)
                        fail_msg("%s: %s", good[i], errstr);
                assert_int_equal(rdr_redis_is_cluster(rr),
                                 !strncmp(good[i], "redis-cluster", 13));
                rdr_redis_destroy(rr);
        }
        for (i = 0; bad[i]; i++) {
                rdr_redis_t *rr = rdr_redis_new(bad[i], 100, 100, 100, errstr,
                                                sizeof(errstr));
                if (rr)
                        fail_msg("%s was taken", bad[i]);
                assert_non_null(strstr(errstr, "redis-cluster://"));
        }
        /* The reason goes to the log: the password does not. */
        assert_null(rdr_redis_new("redis://:S3cret@redis-host:63790x", 100, 100,
                                  100, errstr, sizeof(errstr)));
        assert_null(strstr(errstr, "S3cret"));
        assert_non_null(strstr(errstr, "'redis://***@redis-host:63790x'"));
        assert_null(rdr_redis_new("redis-cluster://u:S3cret@h:7000/2", 100, 100,
                                  100, errstr, sizeof(errstr)));
        assert_null(strstr(errstr, "S3cret"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_conf_shipped_defaults_load),
            cmocka_unit_test(test_log_restamp),
            cmocka_unit_test(test_yaml_duplicate_key_path),
            cmocka_unit_test(test_conf_values_and_kafka_passthrough),
            cmocka_unit_test(test_conf_bad_files_name_file_line_key),
            cmocka_unit_test(test_conf_directory_is_not_a_file),
            cmocka_unit_test(test_yaml_bad_utf8_names_its_line),
            cmocka_unit_test(test_conf_env_overrides),
            cmocka_unit_test(test_conf_env_misspelt),
            cmocka_unit_test(test_conf_worker_table_and_set),
            cmocka_unit_test(test_durations),
            cmocka_unit_test(test_clock),
            cmocka_unit_test(test_dlq_envelope),
            cmocka_unit_test(test_dlq_value_room_is_librdkafkas),
            cmocka_unit_test(test_dlq_entry_read_match_json),
            cmocka_unit_test(test_dlq_entry_cut),
            cmocka_unit_test(test_outbox_entries_round_trip),
            cmocka_unit_test(test_outbox_bundle_round_trip),
            cmocka_unit_test(test_outbox_bundle_compression),
            cmocka_unit_test(test_ids_and_keys),
            cmocka_unit_test(test_keys_of_ids_with_separators),
            cmocka_unit_test(test_str_builders_match_snprintf),
            cmocka_unit_test(test_str_to_ll),
            cmocka_unit_test(test_str_int_every_length),
            cmocka_unit_test(test_str_index),
            cmocka_unit_test(test_metrics_render),
            cmocka_unit_test(test_lag_from_statistics),
            cmocka_unit_test(test_lag_of_a_paused_consumer),
            cmocka_unit_test(test_brokers_up_from_statistics),
            cmocka_unit_test(test_hash_reader),
            cmocka_unit_test(test_redis_slots),
            cmocka_unit_test(test_redis_urls),
        };
        int rc = cmocka_run_group_tests_name("core", tests, NULL, NULL);
        unlink(path);
        return rc;
}

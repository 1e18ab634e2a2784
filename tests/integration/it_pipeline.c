/* End-to-end tests of the reviews pipeline against a real redis-server and
 * the dev broker: JSON and protobuf inputs, dead letters, replays, a worker
 * killed mid-stream, and a clean SIGTERM. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "event.h"
#include "harness.h"
#include "keys.h"
#include "outbox.h"
#include "outmsg.h"

static h_env_t env;

#define CLASSIFIED "\"type\":\"case.classified\""

static int setup(void **state) {
        (void)state;
        h_start(&env, 8);
        return 0;
}

static int teardown(void **state) {
        (void)state;
        h_stop(&env);
        return 0;
}

/* Decode every case message; fail on any that is not valid. */
static void decode_cases(h_msg_t *msgs, size_t cnt, rdr_case_msg_t *out) {
        size_t i;
        for (i = 0; i < cnt; i++) {
                char errstr[256];
                rdr_err_t err =
                    rdr_case_msg_from_json(&out[i], msgs[i].value, msgs[i].len,
                                           errstr, sizeof(errstr));
                if (err)
                        fail_msg("case message %zu invalid: %s: %s", i, errstr,
                                 msgs[i].value);
        }
}

static void test_json_and_protobuf_reviews_are_classified(void **state) {
        char *json =
            h_review_json("ev-json-1", "store-a", "order-1", "review-1", 1,
                          "Arrived broken, the screen is cracked");
        char *json2 = h_review_json("ev-pb-1", "store-a", "order-2", "review-2",
                                    5, "Great phone, fast delivery");
        /* One star on words of praise (the wrong stars): a case opens on
         * the rating, with no cause, and its messages say what the
         * classification said. */
        char *json3 = h_review_json("ev-json-3", "store-a", "order-3",
                                    "review-3", 1, "Excellent, love it!");
        rdr_event_t ev;
        rdr_buf_t pb;
        char errstr[256];
        h_msg_t *msgs;
        rdr_case_msg_t cms[3], opened[2], first, praised;
        size_t n, i;
        int seen_json = 0, seen_pb = 0;
        pid_t pid;
        (void)state;
        memset(&first, 0, sizeof(first));
        memset(&praised, 0, sizeof(praised));

        rdr_event_init(&ev);
        rdr_buf_init(&pb);
        assert_int_equal(rdr_event_decode(&ev, RDR_INPUT_REVIEWS, json2,
                                          strlen(json2), NULL, errstr,
                                          sizeof(errstr)),
                         RDR_OK);
        assert_int_equal(rdr_event_encode_protobuf(&ev, &pb), RDR_OK);

        pid = h_worker(&env, "reviews", NULL);
        h_produce(&env, "redress.reviews", "store-a/order-1", json,
                  strlen(json), "application/json");
        h_produce(&env, "redress.reviews", "store-a/order-2", pb.data, pb.len,
                  "application/x-protobuf");
        h_produce(&env, "redress.reviews", "store-a/order-3", json3,
                  strlen(json3), "application/json");
        h_flush(&env);

        n = h_read_handled(&env, pid, 3, "redress.cases", CLASSIFIED, 30000,
                           &msgs);
        assert_int_equal(n, 3);
        memset(cms, 0, sizeof(cms));
        decode_cases(msgs, n, cms);
        for (i = 0; i < n; i++) {
                assert_string_equal(
                    cms[i].type == RDR_CASE_CLASSIFIED ? "classified" : "other",
                    "classified");
                assert_string_equal(cms[i].platform, "taobao");
                assert_string_equal(cms[i].store_id, "store-a");
                assert_non_null(cms[i].case_id);
                assert_non_null(cms[i].state);
                assert_true(cms[i].confidence >= 0 && cms[i].confidence <= 1);
                if (!strcmp(cms[i].review_id, "review-1")) {
                        seen_json = 1;
                        first = cms[i];
                        assert_int_equal(cms[i].rating, 1);
                        assert_int_equal(cms[i].sentiment, RDR_SENT_NEGATIVE);
                        assert_string_equal(cms[i].state, "outreach");
                        assert_string_equal(msgs[i].key, "store-a/order-1");
                } else if (!strcmp(cms[i].review_id, "review-3")) {
                        praised = cms[i];
                        assert_int_equal(cms[i].sentiment, RDR_SENT_POSITIVE);
                        assert_int_equal(cms[i].reason, RDR_REASON_NONE);
                        assert_int_equal(cms[i].reasons_cnt, 0);
                        assert_string_equal(cms[i].state, "outreach");
                        continue; /* kept, cleared below */
                } else {
                        seen_pb = 1;
                        assert_string_equal(cms[i].review_id, "review-2");
                        assert_int_equal(cms[i].rating, 5);
                        assert_int_equal(cms[i].sentiment, RDR_SENT_POSITIVE);
                        assert_string_equal(cms[i].state, "closed");
                }
                rdr_case_msg_clear(&cms[i]);
        }
        assert_true(seen_json && seen_pb);
        h_msgs_free(msgs, n);
        /* case.opened carries the classification that opened the case:
         * its sentiment, every reason, main first, and the confidence
         * (3 decimals in both). */
        n = h_read_handled(&env, pid, 3, "redress.cases",
                           "\"type\":\"case.opened\"", 30000, &msgs);
        assert_int_equal(n, 2);
        decode_cases(msgs, n, opened);
        assert_true(first.reasons_cnt >= 1);
        for (i = 0; i < n; i++) {
                const rdr_case_msg_t *was =
                    !strcmp(opened[i].review_id, "review-1") ? &first
                                                             : &praised;
                size_t j;
                assert_int_equal(opened[i].sentiment, was->sentiment);
                assert_int_equal(opened[i].reason, was->reason);
                assert_int_equal(opened[i].reasons_cnt, was->reasons_cnt);
                for (j = 0; j < was->reasons_cnt; j++)
                        assert_int_equal(opened[i].reasons[j], was->reasons[j]);
                assert_true(fabs(opened[i].confidence - was->confidence) <
                            1e-9);
                rdr_case_msg_clear(&opened[i]);
        }
        rdr_case_msg_clear(&praised);
        h_msgs_free(msgs, n);
        rdr_buf_free(&pb);
        rdr_event_free(&ev);
        free(json);
        free(json2);
        free(json3);
}

static void test_malformed_goes_to_dlq_and_partition_moves_on(void **state) {
        const char *key = "store-b/order-9";
        char *good1 = h_review_json("ev-good-1", "store-b", "order-9", "r-1", 2,
                                    "too small, size runs tiny");
        char *good2 =
            h_review_json("ev-good-2", "store-b", "order-9", "r-2", 4, "ok");
        const char *bad_json = "{\"event_id\": \"x\", \"type\": ";
        const char *missing =
            "{\"event_id\":\"ev-missing\",\"type\":\"review.created\","
            "\"platform\":\"taobao\",\"store_id\":\"store-b\","
            "\"review_id\":\"r-3\",\"order_id\":\"order-9\","
            "\"buyer_id\":\"b\",\"product_id\":\"p\","
            "\"created_at\":\"2026-11-20T10:00:00Z\"}";
        /* Over librdkafka's default message.max.bytes (1,000,000), under
         * the event limit (1 MiB, its text too long): dead-lettered whole.
         * Over the event limit and what a broker takes by default, which
         * the topic took: dead-lettered as its head, marked cut. */
        size_t big_len[2] = {1000100, 1500000};
        char *big[2];
        h_msg_t *dlq, *cases;
        size_t nd, nc, i;
        pid_t pid;
        (void)state;

        for (i = 0; i < 2; i++) {
                const char *head = "{\"event_id\":\"ev-big\",\"type\":"
                                   "\"review.created\",\"text\":\"";
                big[i] = malloc(big_len[i]);
                assert_non_null(big[i]);
                memset(big[i], 'x', big_len[i]);
                memcpy(big[i], head, strlen(head));
                memcpy(big[i] + big_len[i] - 2, "\"}", 2);
        }
        pid = h_worker(&env, "reviews", NULL);
        /* Same key: one partition, in this order. */
        h_produce(&env, "redress.reviews", key, good1, strlen(good1),
                  "application/json");
        h_produce(&env, "redress.reviews", key, bad_json, strlen(bad_json),
                  "application/json");
        h_produce(&env, "redress.reviews", key, missing, strlen(missing), NULL);
        for (i = 0; i < 2; i++)
                h_produce(&env, "redress.reviews", key, big[i], big_len[i],
                          "application/json");
        h_produce(&env, "redress.reviews", key, good2, strlen(good2), NULL);
        h_flush(&env);

        nc = h_read_handled(&env, pid, 6, "redress.cases", CLASSIFIED, 30000,
                            &cases);
        assert_int_equal(nc, 2);
        nd = h_read_handled(&env, pid, 6, "redress.dlq", NULL, 30000, &dlq);
        assert_int_equal(nd, 4);
        /* The big ones: the first whole; of the second its head, marked
         * with its length, and the reason says how much. */
        assert_int_equal(dlq[2].len, big_len[0]);
        assert_memory_equal(dlq[2].value, big[0], big_len[0]);
        assert_null(strstr(dlq[2].headers[0], "cut"));
        assert_string_equal(dlq[2].cut, "");
        {
                char want[96];
                assert_true(dlq[3].len > 1040000 && dlq[3].len < big_len[1]);
                assert_memory_equal(dlq[3].value, big[1], dlq[3].len);
                snprintf(want, sizeof(want),
                         "(dead letter cut to its first %zu of %zu bytes)",
                         dlq[3].len, big_len[1]);
                assert_non_null(strstr(dlq[3].headers[0], want));
                assert_string_equal(dlq[3].cut, "1500000");
        }
        free(big[0]);
        free(big[1]);
        /* Original bytes, unchanged, with the contract headers. */
        assert_int_equal(dlq[0].len, strlen(bad_json));
        assert_memory_equal(dlq[0].value, bad_json, dlq[0].len);
        assert_memory_equal(dlq[1].value, missing, strlen(missing));
        for (i = 0; i < nd; i++) {
                assert_true(strlen(dlq[i].headers[0]) > 10);
                assert_string_equal(dlq[i].headers[1], "redress.reviews");
                assert_string_equal(dlq[i].headers[2],
                                    dlq[0].headers[2]); /* one partition */
                assert_string_equal(dlq[i].headers[4], "reviews");
                assert_string_equal(dlq[i].key, key);
        }
        assert_string_equal(dlq[0].headers[3], "1");
        assert_string_equal(dlq[1].headers[3], "2");
        /* The reason names the field that is missing. */
        assert_non_null(strstr(dlq[1].headers[0], "rating"));
        assert_true(strstr(cases[0].value, "\"r-1\"") != NULL);
        assert_true(strstr(cases[1].value, "\"r-2\"") != NULL);
        h_msgs_free(dlq, nd);
        h_msgs_free(cases, nc);
        free(good1);
        free(good2);
}

/* An event whose ids are valid (each at its limit: 256 bytes, an
 * event_id of 128 characters of 4 bytes) but too long together for a
 * Redis key: the worker dead-letters it with the reason, keeps running
 * and handles the next event of its partition; nothing of the first is
 * written. bad_tpl and good are the events (each @ of bad_tpl: 128 é, each
 * #: 128 emoji); match names the bad one's type. */
static void long_ids_dead_lettered(const char *worker, const char *topic,
                                   const char *match, const char *bad_tpl,
                                   const char *good, const char *reason,
                                   const char *good_key) {
        char id[2 * 128 + 1], eid[4 * 128 + 1], bad[4096];
        h_msg_t *dlq;
        redisReply *r;
        size_t n, i;
        pid_t pid;
        for (i = 0; i < 128; i++) {
                memcpy(id + 2 * i, "\xc3\xa9", 2);          /* é */
                memcpy(eid + 4 * i, "\xf0\x9f\x98\x80", 4); /* 😀 */
        }
        id[2 * 128] = eid[4 * 128] = 0;
        for (i = n = 0; bad_tpl[i] && n + sizeof(eid) < sizeof(bad); i++)
                if (bad_tpl[i] == '@' || bad_tpl[i] == '#')
                        n += (size_t)snprintf(bad + n, sizeof(bad) - n, "%s",
                                              bad_tpl[i] == '@' ? id : eid);
                else
                        bad[n++] = bad_tpl[i];
        bad[n] = 0;
        pid = h_worker(&env, worker, NULL);
        /* Alone in its batch, then with the good event behind it. */
        h_produce(&env, topic, "k/1", bad, strlen(bad), "application/json");
        h_flush(&env);
        n = h_read_handled(&env, pid, 1, "redress.dlq", NULL, 30000, &dlq);
        h_msgs_free(dlq, n);
        h_produce(&env, topic, "k/1", bad, strlen(bad), "application/json");
        h_produce(&env, topic, "k/1", good, strlen(good), "application/json");
        h_flush(&env);
        n = h_read_handled(&env, pid, 3, "redress.dlq", match, 30000, &dlq);
        assert_int_equal(n, 2);
        assert_int_equal(dlq[0].len, strlen(bad));
        assert_memory_equal(dlq[0].value, bad, dlq[0].len);
        assert_string_equal(dlq[0].headers[0], reason);
        assert_string_equal(dlq[0].headers[1], topic);
        assert_string_equal(dlq[0].headers[4], worker);
        assert_memory_equal(dlq[1].value, bad, dlq[1].len);
        assert_string_equal(dlq[1].headers[0], reason);
        h_msgs_free(dlq, n);
        assert_int_equal(kill(pid, 0), 0);
        assert_int_equal(h_ready(pid), 200);
        /* The good event's record is written, nothing of the other. */
        r = redisCommand(env.redis, "KEYS redress:*");
        assert_int_equal(r->type, REDIS_REPLY_ARRAY);
        for (i = n = 0; i < r->elements; i++) {
                assert_null(strstr(r->element[i]->str, "\xc3\xa9"));
                n += strstr(r->element[i]->str, good_key) != NULL;
        }
        assert_true(n >= 1);
        freeReplyObject(r);
        assert_int_equal(h_signal_wait(pid, SIGTERM, 10000), 0);
}

static void test_ids_too_long_for_a_key_are_dead_letters(void **state) {
        (void)state;
        long_ids_dead_lettered(
            "shipments", "redress.shipments", "shipment.created",
            "{\"event_id\":\"#\",\"type\":\"shipment.created\","
            "\"platform\":\"taobao\",\"store_id\":\"@\","
            "\"order_id\":\"@\",\"buyer_id\":\"@\","
            "\"carrier\":\"sf\",\"tracking_number\":\"SF1\","
            "\"origin_country\":\"CN\",\"destination_country\":\"CN\","
            "\"occurred_at\":\"2026-11-23T04:00:00Z\"}",
            "{\"event_id\":\"ship-ok\",\"type\":\"shipment.created\","
            "\"platform\":\"taobao\",\"store_id\":\"store-l\","
            "\"order_id\":\"order-ship-ok\",\"buyer_id\":\"b\","
            "\"carrier\":\"sf\",\"tracking_number\":\"SF1\","
            "\"origin_country\":\"CN\",\"destination_country\":\"CN\","
            "\"occurred_at\":\"2026-11-23T04:00:00Z\"}",
            "ids too long for a Redis key", "order-ship-ok");
        long_ids_dead_lettered(
            "chats", "redress.chats", "chat.message",
            "{\"event_id\":\"#\",\"type\":\"chat.message\","
            "\"platform\":\"taobao\",\"store_id\":\"@\","
            "\"order_id\":\"@\",\"buyer_id\":\"@\","
            "\"direction\":\"buyer\",\"channel\":\"im\","
            "\"text\":\"where is my parcel\","
            "\"sent_at\":\"2026-11-23T03:00:00Z\"}",
            "{\"event_id\":\"chat-ok\",\"type\":\"chat.message\","
            "\"platform\":\"taobao\",\"store_id\":\"store-l\","
            "\"order_id\":\"order-chat-ok\",\"buyer_id\":\"b\","
            "\"direction\":\"buyer\",\"channel\":\"im\","
            "\"text\":\"where is my parcel\","
            "\"sent_at\":\"2026-11-23T03:00:00Z\"}",
            "ids too long for a Redis key", "order-chat-ok");
}

/* A scan of parcel SF9 of order <order> of store <store>, as JSON into
 * buf: type "shipment.created" or "shipment.exception" (a lost parcel). */
static void ship_json(char *buf, size_t size, const char *event_id,
                      const char *type, const char *store, const char *order,
                      const char *at) {
        snprintf(buf, size,
                 "{\"event_id\":\"%s\",\"type\":\"%s\","
                 "\"platform\":\"taobao\",\"store_id\":\"%s\","
                 "\"order_id\":\"%s\",\"buyer_id\":\"b\","
                 "\"carrier\":\"sf\",\"tracking_number\":\"SF9\","
                 "\"origin_country\":\"CN\","
                 "\"destination_country\":\"CN\",%s"
                 "\"occurred_at\":\"%s\"}",
                 event_id, type, store, order,
                 strcmp(type, "shipment.exception") ? ""
                                                    : "\"exception\":\"lost\",",
                 at);
}

/* A parcel's scan dated decades ahead (a source's clock gone wrong) goes
 * to the dead letters, naming the field: kept, it would have made the
 * parcel's real later events look older, and they were dropped without a
 * word (no notice of the loss, no staff.review). */
static void test_event_dated_ahead_is_a_dead_letter(void **state) {
        char now[RDR_TIME_RFC3339_SIZE], ev[3][768];
        const char *const at[3] = {"2099-01-01T00:00:00Z", now, now};
        const char *const types[3] = {"shipment.created", "shipment.created",
                                      "shipment.exception"};
        h_msg_t *dlq, *acts;
        size_t n, i;
        pid_t pid;
        (void)state;
        rdr_time_format_rfc3339((int64_t)time(NULL) * 1000 - 60000, now,
                                sizeof(now));
        for (i = 0; i < 3; i++) {
                char id[32];
                snprintf(id, sizeof(id), "ship-ahead-%zu", i);
                ship_json(ev[i], sizeof(ev[i]), id, types[i], "store-f",
                          "order-ahead", at[i]);
        }
        pid = h_worker(&env, "shipments", NULL);
        for (i = 0; i < 3; i++)
                h_produce(&env, "redress.shipments", "store-f/order-ahead",
                          ev[i], strlen(ev[i]), "application/json");
        h_flush(&env);
        n = h_read_handled(&env, pid, 3, "redress.dlq", NULL, 30000, &dlq);
        assert_int_equal(n, 1);
        assert_memory_equal(dlq[0].value, ev[0], strlen(ev[0]));
        if (!strstr(dlq[0].headers[0],
                    "field 'occurred_at': 2099-01-01T00:00:00.000Z is ") ||
            !strstr(dlq[0].headers[0], " days ahead of the fleet's clock") ||
            !strstr(dlq[0].headers[0], "consumer.future_max"))
                fail_msg("reason: %s", dlq[0].headers[0]);
        h_msgs_free(dlq, n);
        n = h_read_topic(&env, "redress.actions",
                         "\"kind\":\"notice.exception\"", 1, -1, 30000, &acts);
        assert_int_equal(n, 1);
        assert_non_null(strstr(acts[0].value, "order-ahead"));
        h_msgs_free(acts, n);
        assert_int_equal(h_signal_wait(pid, SIGTERM, 10000), 0);
}

static void test_same_event_twice_has_one_effect(void **state) {
        char *json = h_review_json("ev-dup-1", "store-c", "order-3", "r-9", 1,
                                   "never arrived, tracking stuck for weeks");
        h_msg_t *cases;
        size_t n;
        redisReply *r;
        pid_t pid;
        (void)state;
        pid = h_worker(&env, "reviews", NULL);
        h_produce(&env, "redress.reviews", "store-c/order-3", json,
                  strlen(json), "application/json");
        h_produce(&env, "redress.reviews", "store-c/order-3", json,
                  strlen(json), "application/json");
        h_flush(&env);
        n = h_read_handled(&env, pid, 2, "redress.cases", CLASSIFIED, 30000,
                           &cases);
        assert_int_equal(n, 1);
        /* The case exists once, and the outbox was emptied after publish. */
        r = redisCommand(env.redis, "KEYS redress:{c:*}");
        assert_int_equal(r->elements, 1);
        freeReplyObject(r);
        r = redisCommand(env.redis, "KEYS redress:{c:*}:outbox");
        assert_int_equal(r->elements, 0);
        freeReplyObject(r);
        h_msgs_free(cases, n);
        free(json);
}

/* The same event again in the next batch, while the first one's batch is
 * in flight (batches of one): its replay finds the first one's outputs not
 * yet deleted from the outbox, and publishes none of them again. A
 * positive review arms no timer; a negative one does (its cycle differs). */
static void test_same_event_in_the_next_batch_has_one_output(void **state) {
        static const struct {
                const char *id;
                int rating;
                const char *text;
        } evs[] = {{"r-pos", 5, "great, fast delivery"},
                   {"r-neg", 1, "never arrived, tracking stuck"}};
        h_msg_t *cases;
        size_t n, i;
        pid_t pid;
        (void)state;
        pid = h_worker(
            &env, "reviews",
            (const char *const[]){"REDRESS_CONSUMER_BATCH_MAX=1", NULL});
        for (i = 0; i < 2; i++) {
                char *json =
                    h_review_json(evs[i].id, "store-n", evs[i].id, evs[i].id,
                                  evs[i].rating, evs[i].text);
                h_produce(&env, "redress.reviews", "store-n/o", json,
                          strlen(json), "application/json");
                h_produce(&env, "redress.reviews", "store-n/o", json,
                          strlen(json), "application/json");
                free(json);
        }
        h_flush(&env);
        n = h_read_handled(&env, pid, 4, "redress.cases", CLASSIFIED, 30000,
                           &cases);
        assert_int_equal(n, 2);
        assert_true(h_metric(pid, "redress_events_duplicate_total") >= 2);
        h_msgs_free(cases, n);
}

/* An event_id used again for an event with other content (an integrator
 * who keys events by review or order id: review.updated under the
 * review.created's id) is a dead letter naming the cause, never dropped as
 * a replay; the same event again is still a replay. Told whether the first
 * one was applied long before (read), in the batch before, still in
 * flight, or earlier in the same batch (its apply finds the key: the
 * batch is decided again). */
static void reuse_round(const char *const *batch_max, const char *id,
                        const char *order) {
        char key[64];
        char *first = h_review_json(id, "store-u", order, order, 1,
                                    "never arrived, tracking stuck for weeks");
        char *other = h_review_json(id, "store-u", order, order, 5,
                                    "arrived after all, works great");
        h_msg_t *dlq, *cases;
        size_t n, i;
        pid_t pid = h_worker(&env, "reviews", batch_max);
        snprintf(key, sizeof(key), "store-u/%s", order);
        /* the first, the other under its id, the first again */
        h_produce(&env, "redress.reviews", key, first, strlen(first),
                  "application/json");
        h_produce(&env, "redress.reviews", key, other, strlen(other),
                  "application/json");
        h_produce(&env, "redress.reviews", key, first, strlen(first),
                  "application/json");
        h_flush(&env);
        n = h_read_handled(&env, pid, 3, "redress.dlq", NULL, 30000, &dlq);
        assert_int_equal(n, 1);
        assert_int_equal(dlq[0].len, strlen(other));
        assert_memory_equal(dlq[0].value, other, strlen(other));
        if (!strstr(dlq[0].headers[0], "was applied before to an event with "
                                       "other content"))
                fail_msg("reason: %s", dlq[0].headers[0]);
        h_msgs_free(dlq, n);
        /* and again, long after the first was applied */
        h_produce(&env, "redress.reviews", key, other, strlen(other),
                  "application/json");
        h_flush(&env);
        n = h_read_handled(&env, pid, 4, "redress.dlq", NULL, 30000, &dlq);
        assert_int_equal(n, 2);
        assert_memory_equal(dlq[1].value, other, strlen(other));
        h_msgs_free(dlq, n);
        n = h_read_topic(&env, "redress.cases", order, 1, -1, 30000, &cases);
        for (i = 0; i < n; i++)
                if (strstr(cases[i].value, CLASSIFIED) &&
                    !strstr(cases[i].value, "\"rating\":1"))
                        fail_msg("the other content was applied: %s",
                                 cases[i].value);
        h_msgs_free(cases, n);
        assert_true(h_metric(pid, "redress_events_duplicate_total") >= 1);
        /* counted apart from malformed input */
        assert_true(h_wait_metric(pid, "redress_messages_dead_lettered_total",
                                  "error=\"RDR_ERR_REUSED_ID\"", 2));
        assert_int_equal(h_signal_wait(pid, SIGTERM, 10000), 0);
        free(first);
        free(other);
}

static void test_event_id_reused_in_one_batch(void **state) {
        (void)state;
        reuse_round(NULL, "ev-reuse-1", "order-u1");
}

/* Batches of one: the next one read while the first is in flight. */
static void test_event_id_reused_in_the_next_batch(void **state) {
        (void)state;
        reuse_round((const char *const[]){"REDRESS_CONSUMER_BATCH_MAX=1", NULL},
                    "ev-reuse-2", "order-u2");
}

/* worker pid applies first (keyed key on topic); then other, under the
 * same event_id, and first again: other alone is a dead letter, naming
 * event_id, and first again a replay. */
static void expect_reuse_dead_letter(pid_t pid, const char *topic,
                                     const char *key, const char *first,
                                     const char *other, const char *event_id) {
        char reason[160];
        h_msg_t *dlq;
        size_t n;
        h_produce(&env, topic, key, first, strlen(first), "application/json");
        h_flush(&env);
        n = h_read_handled(&env, pid, 1, "redress.dlq", NULL, 30000, &dlq);
        assert_int_equal(n, 0);
        h_produce(&env, topic, key, other, strlen(other), "application/json");
        h_produce(&env, topic, key, first, strlen(first), "application/json");
        h_flush(&env);
        n = h_read_handled(&env, pid, 3, "redress.dlq", NULL, 30000, &dlq);
        assert_int_equal(n, 1);
        assert_memory_equal(dlq[0].value, other, strlen(other));
        snprintf(reason, sizeof(reason), "event_id '%s' was applied before",
                 event_id);
        if (!strstr(dlq[0].headers[0], reason))
                fail_msg("reason: %s", dlq[0].headers[0]);
        h_msgs_free(dlq, n);
}

/* The same for a parcel's scans: a shipment.exception under the id of the
 * parcel's shipment.created is a dead letter, and the parcel keeps what
 * the first said. */
static void test_shipment_event_id_reused_is_a_dead_letter(void **state) {
        char now[RDR_TIME_RFC3339_SIZE], ev[2][768];
        h_msg_t *acts;
        size_t n, i;
        pid_t pid;
        (void)state;
        rdr_time_format_rfc3339((int64_t)time(NULL) * 1000 - 60000, now,
                                sizeof(now));
        for (i = 0; i < 2; i++)
                ship_json(ev[i], sizeof(ev[i]), "ship-reuse",
                          i ? "shipment.exception" : "shipment.created",
                          "store-v", "order-v", now);
        pid = h_worker(&env, "shipments", NULL);
        expect_reuse_dead_letter(pid, "redress.shipments", "store-v/order-v",
                                 ev[0], ev[1], "ship-reuse");
        n = h_read_topic(&env, "redress.actions",
                         "\"kind\":\"notice.exception\"", 1, -1, 30000, &acts);
        assert_int_equal(n, 0);
        h_msgs_free(acts, n);
        assert_int_equal(h_signal_wait(pid, SIGTERM, 10000), 0);
}

/* The same for a buyer's chat message that reaches no case (most do: an
 * order without a negative review): a producer that keys messages by
 * conversation would lose every message after the first, a "stop
 * contacting me" among them. The second is a dead letter; the first
 * again is a replay. */
static void test_chat_event_id_reused_is_a_dead_letter(void **state) {
        char now[RDR_TIME_RFC3339_SIZE], ev[2][512];
        static const char *const text[2] = {"When will my parcel arrive?",
                                            "Stop contacting me."};
        size_t i;
        pid_t pid;
        redisReply *r;
        (void)state;
        rdr_time_format_rfc3339((int64_t)time(NULL) * 1000 - 60000, now,
                                sizeof(now));
        for (i = 0; i < 2; i++)
                snprintf(
                    ev[i], sizeof(ev[i]),
                    "{\"event_id\":\"chat-reuse\",\"type\":\"chat.message\","
                    "\"platform\":\"taobao\",\"store_id\":\"store-w\","
                    "\"buyer_id\":\"b-w\",\"order_id\":\"order-w\","
                    "\"direction\":\"buyer\",\"channel\":\"im\","
                    "\"text\":\"%s\",\"sent_at\":\"%s\"}",
                    text[i], now);
        pid = h_worker(&env, "chats", NULL);
        expect_reuse_dead_letter(pid, "redress.chats", "store-w/b-w", ev[0],
                                 ev[1], "chat-reuse");
        /* the order's record holds the first message's intent only */
        r = redisCommand(env.redis, "KEYS redress:{o:*}:intents");
        assert_int_equal(r->type, REDIS_REPLY_ARRAY);
        assert_int_equal(r->elements, 1);
        {
                redisReply *m =
                    redisCommand(env.redis, "SMEMBERS %s", r->element[0]->str);
                assert_int_equal(m->elements, 1);
                assert_string_equal(m->element[0]->str, "question");
                freeReplyObject(m);
        }
        freeReplyObject(r);
        assert_true(h_wait_metric(pid, "redress_messages_dead_lettered_total",
                                  "error=\"RDR_ERR_REUSED_ID\"", 1));
        assert_int_equal(h_signal_wait(pid, SIGTERM, 10000), 0);
}

/* Every input has its output after a SIGKILL mid-stream and a restart. */
static void test_sigkill_mid_stream_loses_nothing(void **state) {
        (void)state;
        h_reviews_killed_midstream(&env, "store-k", "ev-k", 3000);
}

#define REBALANCE_FIRST 1500
#define REBALANCE_MAX 20000
#define REBALANCE_TEXT "wrong colour, not what I ordered"
static volatile int rebalance_joined;
static volatile size_t rebalance_total, rebalance_at_join;

/* Reviews one every 2 ms, in chunks of 50, until the second worker has
 * joined and 500 more after that. */
static void *publish_until_joined(void *arg) {
        size_t i, after = 0;
        (void)arg;
        for (i = REBALANCE_FIRST; i < REBALANCE_MAX && after < 500; i += 50) {
                h_publish_reviews(&env, "store-r", "ev-r", i, i + 50, 1,
                                  REBALANCE_TEXT, 2000);
                rebalance_total = i + 50;
                if (rebalance_joined)
                        after += 50;
        }
        return NULL;
}

/* A second worker joins mid-stream, while reviews are still arriving (a
 * cooperative rebalance moves half the partitions): every input has its
 * output, under one id each. */
static void test_rebalance_mid_stream_loses_nothing(void **state) {
        h_msg_t *cases;
        size_t n, distinct, total, repeats;
        pthread_t pub;
        pid_t first, second;
        const char *reviews = "topic=\"redress.reviews\"";
        double parts;
        (void)state;
        first = h_worker(&env, "reviews",
                         (const char *const[]){
                             "REDRESS_CONSUMER_BATCH_MAX=50",
                             "REDRESS_KAFKA_SESSION_TIMEOUT_MS=6000", NULL});
        h_publish_reviews(&env, "store-r", "ev-r", 0, REBALANCE_FIRST, 1,
                          REBALANCE_TEXT, 0);
        n = h_read_topic(&env, "redress.cases", CLASSIFIED, REBALANCE_FIRST / 3,
                         0, 30000, &cases);
        h_msgs_free(cases, n);
        assert_int_equal(pthread_create(&pub, NULL, publish_until_joined, NULL),
                         0);
        second = h_worker(&env, "reviews",
                          (const char *const[]){
                              "REDRESS_CONSUMER_BATCH_MAX=50",
                              "REDRESS_KAFKA_SESSION_TIMEOUT_MS=6000", NULL});
        rebalance_at_join = rebalance_total;
        rebalance_joined = 1;
        pthread_join(pub, NULL);
        total = rebalance_total;
        print_message("second worker assigned after %zu reviews were "
                      "published, %zu in all\n",
                      (size_t)rebalance_at_join, total);
        assert_true(total > rebalance_at_join);
        n = h_read_topic(&env, "redress.cases", CLASSIFIED, total, 3000, 120000,
                         &cases);
        distinct = h_count_reviews(cases, n, "ev-r", total, &repeats);
        print_message("outputs after a rebalance: %zu distinct of %zu "
                      "messages\n",
                      distinct, n);
        assert_int_equal(distinct, total);
        h_msgs_free(cases, n);
        /* Every partition has an owner, and the metrics say so: what the
         * two own adds up to what the topic has. */
        parts = h_metric_with(first, "redress_topic_partitions", reviews);
        assert_true(parts >= 2);
        assert_true(
            h_metric_with(first, "redress_partitions_assigned", reviews) >= 1);
        assert_true(
            h_metric_with(second, "redress_partitions_assigned", reviews) >= 1);
        assert_true(
            h_metric_with(first, "redress_partitions_assigned", reviews) +
                h_metric_with(second, "redress_partitions_assigned", reviews) ==
            parts);
}

static void test_sigterm_exits_zero_and_commits(void **state) {
        enum { N = 500 };
        h_msg_t *cases;
        size_t n;
        pid_t pid;
        int st;
        int64_t committed, end;
        (void)state;
        pid = h_worker(&env, "reviews", NULL);
        h_publish_reviews(&env, "store-t", "ev-t", 0, N, 2,
                          "packaging was crushed", 0);
        n = h_read_handled(&env, pid, N, "redress.cases", CLASSIFIED, 60000,
                           &cases);
        assert_int_equal(n, N);
        h_msgs_free(cases, n);
        st = h_signal_wait(pid, SIGTERM, 10000);
        assert_true(st != -1);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        h_committed(&env, "redress-reviews", "redress.reviews", &committed,
                    &end);
        assert_int_equal(end, N);
        assert_int_equal(committed, end);
}

/* An operator can tell which build an instance runs: --version, and the
 * same version and commit on /metrics. */
static void test_worker_reports_its_build(void **state) {
        char line[256], version[64], commit[128], label[160];
        FILE *p;
        pid_t pid;
        (void)state;
        p = popen(RDR_BIN_DIR "/redress-reviews --version", "r");
        assert_non_null(p);
        assert_non_null(fgets(line, sizeof(line), p));
        assert_int_equal(pclose(p), 0);
        /* "redress-reviews 0.1.0 (commit 0123abcd...)" */
        assert_int_equal(sscanf(line, "redress-reviews %63s (commit %127[^)])",
                                version, commit),
                         2);
        assert_true(strchr(version, '.') != NULL);
        assert_true(strlen(commit) > 0);
        pid = h_worker(&env, "reviews", NULL);
        snprintf(label, sizeof(label), "commit=\"%s\"", commit);
        assert_true(h_wait_metric(pid, "redress_build_info", label, 1));
        snprintf(label, sizeof(label), "version=\"%s\"", version);
        assert_true(h_metric_with(pid, "redress_build_info", label) == 1);
        /* A clean start warns of nothing, though the kafka: settings (here
         * fetch.wait.max.ms, a consumer property) go to the producer too. */
        assert_int_equal(h_log_lines(pid, "\"level\":\"warn\""), 0);
        assert_int_equal(h_log_lines(pid, "\"level\":\"error\""), 0);
}

/* A review event of the upgrade test's case, with rating. */
static void publish_up(const char *event_id, const char *type, int rating) {
        char json[1024];
        snprintf(json, sizeof(json),
                 "{\"event_id\":\"%s\",\"type\":\"%s\",\"platform\":"
                 "\"taobao\",\"store_id\":\"store-u\",\"review_id\":\"r-up\","
                 "\"order_id\":\"order-up\",\"buyer_id\":\"buyer-up\","
                 "\"product_id\":\"sku-1\",\"rating\":%d,\"text\":\"the zipper "
                 "broke on the first day\",\"created_at\":"
                 "\"2026-11-20T10:00:00Z\"}",
                 event_id, type, rating);
        h_produce(&env, "redress.reviews", "store-u/order-up", json,
                  strlen(json), "application/json");
        h_flush(&env);
}

/* Readers of a text in Redis for wait_text(): out (size bytes) holds it. */
typedef const char *(reader_t)(const char *a, const char *b, char *out,
                               size_t size);

/* Field b of case a, as the workers read the case. */
static const char *case_text(const char *cid, const char *field, char *out,
                             size_t size) {
        return h_case_field(&env, cid, field, out, size);
}

/* HGET key field: NULL if absent. */
static const char *hget_text(const char *key, const char *field, char *out,
                             size_t size) {
        return h_hget(&env, key, field, out, size);
}

/* EXISTS key: "0" or "1". */
static const char *exists_text(const char *key, const char *unused, char *out,
                               size_t size) {
        (void)unused;
        snprintf(out, size, "%lld", h_redis_int(&env, "EXISTS", key));
        return out;
}

/* Wait up to 15 s until read(a, b) is value. */
static void wait_text(reader_t *read, const char *a, const char *b,
                      const char *value) {
        char got[256];
        const char *t = NULL;
        int i;
        for (i = 0; i < 300; i++) {
                t = read(a, b, got, sizeof(got));
                if (t && !strcmp(t, value))
                        return;
                h_sleep_ms(50);
        }
        fail_msg("%s %s is '%s', never became '%s'", a, b ? b : "",
                 t ? t : "(absent)", value);
}

/* The case hash's own field: absent if expected is NULL, else expected. */
static void assert_hash_field(const char *cid, const char *field,
                              const char *expected) {
        char key[128], got[256];
        const char *t;
        snprintf(key, sizeof(key), "redress:{c:%s}", cid);
        t = hget_text(key, field, got, sizeof(got));
        if (!expected)
                assert_null(t);
        else
                assert_string_equal(t ? t : "(absent)", expected);
}

static void stop_worker(pid_t pid) {
        assert_true(WIFEXITED(h_signal_wait(pid, SIGTERM, 10000)));
}

/* One step of the upgrade test: a worker with envs applies event (rating)
 * to the case, which reaches version and state. Returns the worker. */
static pid_t upgrade_step(const char *cid, const char *const *envs,
                          const char *event, const char *type, int rating,
                          const char *version, const char *state) {
        char text[16];
        pid_t pid = h_worker(&env, "reviews", envs);
        publish_up(event, type, rating);
        snprintf(text, sizeof(text), "%d", rating);
        wait_text(case_text, cid, "version", version);
        wait_text(case_text, cid, "rating", text);
        wait_text(case_text, cid, "state", state);
        return pid;
}

/* A fleet upgraded from a build that wrote a field per attribute (run
 * with storage.format fields), switched to packed, and rolled back: each
 * worker reads what the one before wrote, and the case goes on. */
static void test_storage_formats_upgrade_and_rollback(void **state) {
        /* Each step in a group of its own: no wait for a rebalance; it
         * reads the earlier events again, which are replays. */
        const char *fields1[] = {"REDRESS_STORAGE_FORMAT=fields",
                                 "REDRESS_CONSUMER_GROUP=up-1", NULL};
        const char *packed2[] = {"REDRESS_CONSUMER_GROUP=up-2", NULL};
        const char *fields3[] = {"REDRESS_STORAGE_FORMAT=fields",
                                 "REDRESS_CONSUMER_GROUP=up-3", NULL};
        const char *packed4[] = {"REDRESS_CONSUMER_GROUP=up-4", NULL};
        char cid[RDR_ID_LEN], got[256];
        pid_t pid;
        (void)state;
        rdr_case_id(cid, "taobao", "store-u", "r-up");

        pid = upgrade_step(cid, fields1, "ev-up-1", "review.created", 1, "1",
                           "outreach");
        assert_hash_field(cid, "state", "outreach");
        assert_hash_field(cid, "case", NULL);
        stop_worker(pid);

        pid = upgrade_step(cid, packed2, "ev-up-2", "review.updated", 2, "2",
                           "outreach");
        {
                char key[128];
                snprintf(key, sizeof(key), "redress:{c:%s}", cid);
                assert_non_null(hget_text(key, "case", got, sizeof(got)));
                assert_int_equal(
                    strncmp(got, "redress-case 1\nversion=1:2\n", 27), 0);
        }
        /* The fields of the first build stay behind, stale. */
        assert_hash_field(cid, "rating", "1");
        /* What an operator watches to know old-format cases are read. */
        assert_true(h_wait_metric_at_least(pid, "redress_cases_read_total",
                                           "format=\"fields\"", 1));
        stop_worker(pid);

        pid = upgrade_step(cid, fields3, "ev-up-3", "review.updated", 3, "3",
                           "outreach");
        /* Written whole as fields again; the document is stale. */
        assert_hash_field(cid, "review_id", "r-up");
        assert_true(h_wait_metric_at_least(pid, "redress_cases_read_total",
                                           "format=\"packed\"", 1));
        stop_worker(pid);

        pid = upgrade_step(cid, packed4, "ev-up-4", "review.updated", 5, "4",
                           "resolved");
        stop_worker(pid);
}

/* After a restart (here: a new group, which reads from the start), updates
 * already applied and a new update of the same case arrive in one batch:
 * the replays are not decided again, the new update is applied once. (A
 * replayed update used to be decided again, from the state it had made,
 * and the new update chained on that decision, whose compare-and-set then
 * failed on every retry: the partition stalled. A replayed review.created
 * does not show it: the cadence itself answers it as a duplicate.) */
static void test_replay_and_new_event_of_a_case_in_one_batch(void **state) {
        const char *g1[] = {"REDRESS_CONSUMER_GROUP=rp-1", NULL};
        const char *g2[] = {"REDRESS_CONSUMER_GROUP=rp-2", NULL};
        const char *g3[] = {"REDRESS_CONSUMER_GROUP=rp-3", NULL};
        char cid[RDR_ID_LEN];
        pid_t pid;
        (void)state;
        rdr_case_id(cid, "taobao", "store-u", "r-up");
        pid = h_worker(&env, "reviews", g1);
        publish_up("ev-rp-1", "review.created", 1);
        wait_text(case_text, cid, "version", "1");
        publish_up("ev-rp-2", "review.updated", 2);
        wait_text(case_text, cid, "version", "2");
        stop_worker(pid);
        publish_up("ev-rp-3", "review.updated", 3);
        pid = h_worker(&env, "reviews", g2);
        wait_text(case_text, cid, "rating", "3");
        wait_text(case_text, cid, "version", "3");
        /* ev-rp-1 and ev-rp-2 were answered as the replays they are (the
         * metrics are rendered once per loop turn, after the write). */
        assert_true(h_wait_metric_at_least(
            pid, "redress_events_duplicate_total", NULL, 2));
        stop_worker(pid);

        /* As if a crash had cut a pipeline after the scripts: the order's
         * index of its case, written beside them, is missing. Replays
         * alone write it again. */
        freeReplyObject(
            redisCommand(env.redis, "DEL redress:{o:taobao:store-u:order-up}"));
        pid = h_worker(&env, "reviews", g3);
        wait_text(hget_text, "redress:{o:taobao:store-u:order-up}", "case_id",
                  cid);
        assert_true(h_wait_metric_at_least(
            pid, "redress_events_duplicate_total", NULL, 3));
        wait_text(case_text, cid, "version", "3");
}

/* The bundle of one Kafka entry for redress.cases holding payload
 * (malloc'd into *out). */
static void one_entry_bundle(const char *payload, char **out, size_t *len) {
        char *entry;
        size_t entry_len;
        const char *entries[1];
        assert_int_equal(rdr_entry_kafka("redress.cases", "store-u/order-up",
                                         16, "application/json", payload,
                                         strlen(payload), &entry, &entry_len),
                         RDR_OK);
        entries[0] = entry;
        *len = rdr_bundle_size(&entry_len, 1);
        *out = malloc(*len);
        assert_non_null(*out);
        rdr_bundle_write(*out, entries, &entry_len, 1);
        free(entry);
}

/* A replayed event whose outbox still holds entries in any format (a
 * field per entry, an event's bundle, a bundle compressed with
 * storage.compression lz4) publishes them all, then empties the outbox:
 * a worker reads every format whatever it writes. */
static void test_replay_publishes_both_outbox_formats(void **state) {
        char cid[RDR_ID_LEN], key[256], seen[512];
        char *single, *bundle, *raw, *lz4;
        size_t single_len, bundle_len, raw_len, lz4_len;
        const char *p1 = "{\"marker\":\"single-entry\"}";
        const char *p2 = "{\"marker\":\"bundled-entry\"}";
        const char *p3 =
            "{\"marker\":\"compressed-entry\",\"padding\":\"compressed "
            "compressed compressed compressed compressed compressed\"}";
        h_msg_t *msgs;
        size_t n, i;
        int got1 = 0, got2 = 0, got3 = 0;
        redisReply *r;
        pid_t pid;
        (void)state;
        rdr_case_id(cid, "taobao", "store-u", "r-up");
        snprintf(key, sizeof(key), "redress:{c:%s}:outbox", cid);
        snprintf(seen, sizeof(seen),
                 "redress:{c:%s}:seen:redress.reviews:ev-replay", cid);
        assert_int_equal(rdr_entry_kafka("redress.cases", "store-u/order-up",
                                         16, "application/json", p1, strlen(p1),
                                         &single, &single_len),
                         RDR_OK);
        one_entry_bundle(p2, &bundle, &bundle_len);
        one_entry_bundle(p3, &raw, &raw_len);
        assert_int_equal(rdr_bundle_compress(raw, raw_len, &lz4, &lz4_len),
                         RDR_OK);
        assert_non_null(lz4);
        r = redisCommand(env.redis,
                         "HSET %s ev_single %b b:ev_bundle %b b:ev_lz4 %b", key,
                         single, single_len, bundle, bundle_len, lz4, lz4_len);
        assert_int_equal(r->integer, 3);
        freeReplyObject(r);
        freeReplyObject(redisCommand(env.redis, "SET %s 1", seen));

        pid = h_worker(&env, "reviews", NULL);
        publish_up("ev-replay", "review.created", 1);
        n = h_read_handled(&env, pid, 1, "redress.cases", "\"marker\"", 30000,
                           &msgs);
        for (i = 0; i < n; i++) {
                got1 += strstr(msgs[i].value, "single-entry") != NULL;
                got2 += strstr(msgs[i].value, "bundled-entry") != NULL;
                got3 += !strcmp(msgs[i].value, p3);
        }
        assert_int_equal(got1, 1);
        assert_int_equal(got2, 1);
        assert_int_equal(got3, 1);
        h_msgs_free(msgs, n);
        wait_text(exists_text, key, NULL, "0");
        free(single);
        free(bundle);
        free(raw);
        free(lz4);
}

/* The next RESP command of an append-only file at *pos: its arguments
 * (pointers into data) in args, their count returned; 0 at the end. */
static int aof_next(const char *data, size_t len, size_t *pos,
                    const char **args, size_t *lens, int max) {
        int n = 0, i;
        while (*pos < len && data[*pos] != '*') { /* annotations */
                const char *nl = memchr(data + *pos, '\n', len - *pos);
                *pos = nl ? (size_t)(nl - data) + 1 : len;
        }
        if (*pos >= len)
                return 0;
        n = atoi(data + *pos + 1);
        *pos = (size_t)(strchr(data + *pos, '\n') - data) + 1;
        for (i = 0; i < n; i++) {
                size_t l = (size_t)atol(data + *pos + 1);
                *pos = (size_t)(strchr(data + *pos, '\n') - data) + 1;
                if (i < max) {
                        args[i] = data + *pos;
                        lens[i] = l;
                }
                *pos += l + 2;
        }
        return n;
}

/* With storage.compression lz4, what the outbox held was compressed (read
 * back from Redis' append-only file, where every write of the test is),
 * and every message a review published came out of it byte for byte. */
static void test_lz4_outbox_holds_what_is_published(void **state) {
        enum { N = 20 };
        char path[512], *data;
        h_msg_t *cases, *actions;
        size_t nc, na, len, pos = 0, stored = 0, raw = 0, i;
        int bundles = 0, entries = 0, matched = 0;
        pid_t pid;
        FILE *f;
        (void)state;
        h_publish_reviews(&env, "store-z", "ev-z", 0, N, 1,
                          "the zipper broke on the first day", 0);
        pid = h_worker(
            &env, "reviews",
            (const char *const[]){"REDRESS_STORAGE_COMPRESSION=lz4", NULL});
        /* Which workers write compressed bundles: their start line says. */
        assert_int_equal(h_log_lines(pid, "\"storage_compression\":\"lz4\""),
                         1);
        nc = h_read_handled(&env, pid, N, "redress.cases", "ev-z-", 30000,
                            &cases);
        /* reply.public each, and the first contacts due now (the others
         * wait for the buyer's daytime, as timers) */
        na = h_read_handled(&env, pid, N, "redress.actions", NULL, 30000,
                            &actions);
        assert_int_equal(nc, 2 * N); /* classified, opened */
        assert_true(na >= N && na <= 2 * N);

        snprintf(path, sizeof(path),
                 "%s/appendonlydir/appendonly.aof.1.incr.aof", env.dir);
        f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        len = (size_t)ftell(f);
        rewind(f);
        data = malloc(len + 1);
        assert_non_null(data);
        assert_int_equal(fread(data, 1, len, f), len);
        data[len] = '\0';
        fclose(f);
        for (;;) {
                const char *args[16];
                size_t lens[16];
                int n = aof_next(data, len, &pos, args, lens, 16), a;
                if (!n)
                        break;
                if (n < 4 || lens[0] != 4 || strncasecmp(args[0], "HSET", 4) ||
                    lens[1] < 7 || memcmp(args[1] + lens[1] - 7, ":outbox", 7))
                        continue;
                for (a = 3; a < n && a < 16; a += 2) {
                        char *b;
                        size_t bl, bp = 0, el;
                        const char *e;
                        assert_true(rdr_bundle_is_compressed(args[a], lens[a]));
                        assert_int_equal(
                            rdr_bundle_decompress(args[a], lens[a], &b, &bl),
                            RDR_OK);
                        bundles++;
                        stored += lens[a];
                        raw += bl;
                        while (rdr_bundle_next(b, bl, &bp, &e, &el) == 1) {
                                rdr_entry_t ent;
                                assert_int_equal(rdr_entry_parse(e, el, &ent),
                                                 RDR_OK);
                                if (ent.kind != RDR_ENTRY_KAFKA)
                                        continue;
                                entries++;
                                for (i = 0; i < nc + na; i++) {
                                        const h_msg_t *m =
                                            i < nc ? &cases[i]
                                                   : &actions[i - nc];
                                        if (m->len == ent.payload_len &&
                                            !memcmp(m->value, ent.payload,
                                                    m->len)) {
                                                matched++;
                                                break;
                                        }
                                }
                        }
                        free(b);
                }
        }
        print_message("%d bundles: %zu bytes stored for %zu (%.0f%%)\n",
                      bundles, stored, raw,
                      100.0 * (double)stored / (double)raw);
        assert_int_equal(bundles, N);
        assert_int_equal(entries, (int)(nc + na));
        assert_int_equal(matched, entries);
        assert_true(stored < raw * 3 / 4);
        free(data);
        h_msgs_free(cases, nc);
        h_msgs_free(actions, na);
}

/* consumer.batch_wait 0 means "no waiting", not "one message a batch": a
 * backlog is taken in batches of what the consumer holds. Each event's
 * latency lies between its publication and the moment it is read. */
static void test_backlog_is_batched_without_batch_wait(void **state) {
        enum { N = 400 };
        h_msg_t *cases;
        size_t n, extra;
        double sum, batches;
        int64_t t0 = rdr_wall_ms(), t1;
        pid_t pid;
        (void)state;
        h_publish_reviews(&env, "store-w", "ev-w", 0, N, 0,
                          "the color is not as described", 0);
        pid = h_worker(
            &env, "reviews",
            (const char *const[]){"REDRESS_CONSUMER_BATCH_WAIT=0ms", NULL});
        n = h_read_topic(&env, "redress.cases", CLASSIFIED, N, 0, 60000,
                         &cases);
        assert_int_equal(h_count_reviews(cases, n, "ev-w", N, &extra), N);
        h_msgs_free(cases, n);
        /* A batch's latencies are observed once the next cycle has
         * acknowledged it: shortly after its outputs can be read. */
        assert_true(
            h_wait_metric(pid, "redress_event_latency_seconds_count", NULL, N));
        t1 = rdr_wall_ms();
        batches = h_metric(pid, "redress_batches_total");
        print_message("%d events in %.0f batches\n", N, batches);
        assert_true(batches <= N / 10);
        sum = h_metric(pid, "redress_event_latency_seconds_sum");
        assert_true(sum > 0);
        assert_true(sum <= N * (double)(t1 - t0) / 1000.0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(
                test_json_and_protobuf_reviews_are_classified, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_malformed_goes_to_dlq_and_partition_moves_on, setup,
                teardown),
            cmocka_unit_test_setup_teardown(
                test_ids_too_long_for_a_key_are_dead_letters, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_event_dated_ahead_is_a_dead_letter, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_same_event_twice_has_one_effect, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_same_event_in_the_next_batch_has_one_output, setup,
                teardown),
            cmocka_unit_test_setup_teardown(
                test_sigkill_mid_stream_loses_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_rebalance_mid_stream_loses_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_event_id_reused_in_one_batch,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_event_id_reused_in_the_next_batch, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_shipment_event_id_reused_is_a_dead_letter, setup,
                teardown),
            cmocka_unit_test_setup_teardown(
                test_chat_event_id_reused_is_a_dead_letter, setup, teardown),
            cmocka_unit_test_setup_teardown(test_sigterm_exits_zero_and_commits,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_worker_reports_its_build,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_storage_formats_upgrade_and_rollback, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_replay_publishes_both_outbox_formats, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_replay_and_new_event_of_a_case_in_one_batch, setup,
                teardown),
            cmocka_unit_test_setup_teardown(
                test_lz4_outbox_holds_what_is_published, setup, teardown),
            cmocka_unit_test_setup_teardown(
                test_backlog_is_batched_without_batch_wait, setup, teardown),
        };
        h_test_filter();
        return cmocka_run_group_tests_name("integration: pipeline", tests, NULL,
                                           NULL);
}

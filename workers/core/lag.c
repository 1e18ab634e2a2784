/* See lag.h. librdkafka documents the statistics in STATISTICS.md. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lag.h"

/* An integer member of o, or -1. */
static long long int_of(json_t *o, const char *name) {
        json_t *v = json_object_get(o, name);
        return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* The lag of a partition; fresh_hi: a newer high watermark, or -1. */
static long long lag_of(json_t *partition, long long fresh_hi) {
        long long stored = int_of(partition, "consumer_lag_stored"),
                  committed = int_of(partition, "consumer_lag");
        long long lag = stored >= 0 ? stored : committed;
        if (lag >= 0 && fresh_hi > int_of(partition, "hi_offset")) {
                long long from =
                    int_of(partition,
                           stored >= 0 ? "stored_offset" : "committed_offset");
                if (from >= 0 && fresh_hi >= from)
                        lag = fresh_hi - from;
        }
        return lag;
}

/* The statistics' object member name, *root the parsed JSON to free; or
 * NULL (nothing to free) if json is not statistics. */
static json_t *stats_object(const char *json, size_t len, const char *name,
                            json_t **root) {
        json_t *o;
        *root = json_loadb(json, len, 0, NULL);
        o = json_object_get(*root, name);
        if (json_is_object(o))
                return o;
        json_decref(*root);
        return NULL;
}

int rdr_lag_from_stats(const char *json, size_t len, rdr_lag_fn fn,
                       rdr_lag_hi_fn hi, void *arg) {
        json_t *root, *topics = stats_object(json, len, "topics", &root), *t;
        const char *name;
        int n = 0;
        if (!topics)
                return -1;
        json_object_foreach(topics, name, t) {
                json_t *parts = json_object_get(t, "partitions"), *p;
                const char *id;
                long long sum = 0;
                json_object_foreach(parts, id, p) {
                        long long lag;
                        /* -1: librdkafka's own queue of messages not yet
                         * given a partition. */
                        if (!strcmp(id, "-1"))
                                continue;
                        lag = lag_of(p, hi ? hi(name, atoi(id), arg) : -1);
                        if (lag > 0)
                                sum += lag;
                }
                fn(name, sum, arg);
                n++;
        }
        json_decref(root);
        return n;
}

int rdr_stats_brokers_up(const char *json, size_t len) {
        json_t *root, *brokers = stats_object(json, len, "brokers", &root), *b;
        const char *name;
        int up = 0;
        if (!brokers)
                return -1;
        json_object_foreach(brokers, name, b) {
                const char *state =
                    json_string_value(json_object_get(b, "state"));
                const char *source =
                    json_string_value(json_object_get(b, "source"));
                if (source && !strcmp(source, "internal"))
                        continue;
                if (state && (!strcmp(state, "UP") || !strcmp(state, "UPDATE")))
                        up++;
        }
        json_decref(root);
        return up;
}

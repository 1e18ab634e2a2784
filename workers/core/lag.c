/* See lag.h. librdkafka documents the statistics in STATISTICS.md. */
#include <jansson.h>
#include <string.h>

#include "lag.h"

static long long lag_of(json_t *partition) {
        json_t *stored = json_object_get(partition, "consumer_lag_stored");
        json_t *committed = json_object_get(partition, "consumer_lag");
        if (json_is_integer(stored) && json_integer_value(stored) >= 0)
                return json_integer_value(stored);
        if (json_is_integer(committed) && json_integer_value(committed) >= 0)
                return json_integer_value(committed);
        return -1;
}

int rdr_lag_from_stats(const char *json, size_t len, rdr_lag_fn fn, void *arg) {
        json_t *root = json_loadb(json, len, 0, NULL), *topics, *t;
        const char *name;
        int n = 0;
        topics = json_object_get(root, "topics");
        if (!json_is_object(topics)) {
                json_decref(root);
                return -1;
        }
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
                        lag = lag_of(p);
                        if (lag > 0)
                                sum += lag;
                }
                fn(name, sum, arg);
                n++;
        }
        json_decref(root);
        return n;
}

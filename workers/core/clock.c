/* System and shared test clocks. The test clock is read from Redis once per
 * refresh (the run loop refreshes it per batch and per timer tick), so time
 * never moves backwards within one decision. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "redis.h"

struct rdr_clock_s {
        rdr_clock_source_t source;
        rdr_redis_t *redis;
        int64_t test_now_ms;
};

int64_t rdr_wall_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t rdr_mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t rdr_mono_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

rdr_clock_t *rdr_clock_new(rdr_clock_source_t source,
                           struct rdr_redis_s *redis) {
        rdr_clock_t *clk = calloc(1, sizeof(*clk));
        if (!clk)
                return NULL;
        clk->source = source;
        clk->redis = redis;
        clk->test_now_ms = rdr_wall_ms();
        return clk;
}

void rdr_clock_destroy(rdr_clock_t *clk) {
        free(clk);
}

rdr_clock_source_t rdr_clock_source(const rdr_clock_t *clk) {
        return clk->source;
}

int64_t rdr_clock_now_ms(const rdr_clock_t *clk) {
        if (clk->source == RDR_CLOCK_SYSTEM)
                return rdr_wall_ms();
        return clk->test_now_ms;
}

int rdr_clock_parse_ms(const char *s, size_t len, int64_t *out) {
        int64_t v = 0;
        size_t i;
        if (len == 0 || len > 18)
                return -1;
        for (i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return 0;
}

rdr_err_t rdr_clock_refresh(rdr_clock_t *clk) {
        redisReply *r;
        int64_t v;
        if (clk->source == RDR_CLOCK_SYSTEM)
                return RDR_OK;
        /* A read each turn; an absent key starts the shared clock at wall
         * time (SET NX: whoever sets it first wins for the whole fleet).
         * No write while the clock runs: a Redis that holds writes (CLIENT
         * PAUSE WRITE, a replica being promoted) does not stop the reads
         * of a worker's loop. */
        r = rdr_redis_command(clk->redis, "GET %s", RDR_CLOCK_KEY);
        if (r && r->type == REDIS_REPLY_NIL) {
                freeReplyObject(r);
                r = rdr_redis_command(clk->redis, "SET %s %lld NX",
                                      RDR_CLOCK_KEY, (long long)rdr_wall_ms());
                if (!r)
                        return RDR_ERR_REDIS;
                freeReplyObject(r);
                r = rdr_redis_command(clk->redis, "GET %s", RDR_CLOCK_KEY);
        }
        if (!r)
                return RDR_ERR_REDIS;
        if (r->type == REDIS_REPLY_STRING &&
            rdr_clock_parse_ms(r->str, r->len, &v) == 0) {
                clk->test_now_ms = v;
        } else {
                rdr_log(RDR_LOG_WARN, "clock.invalid",
                        "%s does not hold milliseconds since the epoch; "
                        "keeping the last value",
                        RDR_CLOCK_KEY);
        }
        freeReplyObject(r);
        return RDR_OK;
}

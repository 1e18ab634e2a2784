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

/* The civil date of day z since 1970-01-01, proleptic Gregorian (H.
 * Hinnant). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
        int64_t era;
        unsigned doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = (unsigned)(z - era * 146097);
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* v (< 10^width) as width decimal digits at p. */
static char *put_digits(char *p, unsigned v, int width) {
        int i;
        for (i = width - 1; i >= 0; i--) {
                p[i] = (char)('0' + v % 10);
                v /= 10;
        }
        return p + width;
}

size_t rdr_time_format_rfc3339(int64_t ms, char *dst, size_t size) {
        int64_t days, y, rem;
        unsigned m, d;
        char *p = dst;

        if (size < RDR_TIME_RFC3339_SIZE)
                return 0;
        days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
        rem = ms - days * 86400000;
        civil_from_days(days, &y, &m, &d);
        if (y < 0 || y > 9999)
                return 0;
        /* YYYY-MM-DDThh:mm:ss.mmmZ, written on every message: no printf. */
        p = put_digits(p, (unsigned)y, 4);
        *p++ = '-';
        p = put_digits(p, m, 2);
        *p++ = '-';
        p = put_digits(p, d, 2);
        *p++ = 'T';
        p = put_digits(p, (unsigned)(rem / 3600000), 2);
        *p++ = ':';
        p = put_digits(p, (unsigned)(rem / 60000 % 60), 2);
        *p++ = ':';
        p = put_digits(p, (unsigned)(rem / 1000 % 60), 2);
        *p++ = '.';
        p = put_digits(p, (unsigned)(rem % 1000), 3);
        *p++ = 'Z';
        *p = '\0';
        return (size_t)(p - dst);
}

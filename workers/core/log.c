/* JSON-lines logger. Lines are built with jansson (correct escaping of any
 * bytes a message may carry) and written with one write(2) call. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char rdr_log_worker[64] = "redress";
static char rdr_log_instance[128] = "";
static volatile int rdr_log_min = RDR_LOG_INFO;

static const char *const rdr_log_names[RDR_LOG__CNT] = {"debug", "info", "warn",
                                                        "error"};

void rdr_log_init(const char *worker, const char *instance,
                  rdr_loglevel_t min_level) {
        snprintf(rdr_log_worker, sizeof(rdr_log_worker), "%s",
                 worker ? worker : "redress");
        snprintf(rdr_log_instance, sizeof(rdr_log_instance), "%s",
                 instance ? instance : "");
        rdr_log_min = min_level;
}

int rdr_log_level_parse(const char *name) {
        int i;
        for (i = 0; i < RDR_LOG__CNT; i++)
                if (!strcmp(name, rdr_log_names[i]))
                        return i;
        if (!strcmp(name, "warning"))
                return RDR_LOG_WARN;
        return -1;
}

void rdr_log_set_level(rdr_loglevel_t min_level) {
        rdr_log_min = min_level;
}

int rdr_log_enabled(rdr_loglevel_t level) {
        return (int)level >= rdr_log_min;
}

/* A JSON string of s; bytes that are not valid UTF-8 become '?'. */
static json_t *log_string(const char *s) {
        json_t *js = json_string(s);
        char buf[2048];
        size_t i;
        if (js)
                return js;
        snprintf(buf, sizeof(buf), "%s", s);
        for (i = 0; buf[i]; i++)
                if ((unsigned char)buf[i] >= 0x80)
                        buf[i] = '?';
        return json_string(buf);
}

static char *log_line(rdr_loglevel_t level, const char *event,
                      const char *const *kv, const struct timeval *tv,
                      size_t *len, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 0)))
#endif
    ;

/* The line of an event at time tv: malloc'd, ending in '\n' (*len bytes,
 * no NUL), or NULL. */
static char *log_line(rdr_loglevel_t level, const char *event,
                      const char *const *kv, const struct timeval *tv,
                      size_t *len, const char *fmt, va_list ap) {
        char msg[2048], ts[96];
        struct tm tm;
        json_t *o;
        char *line;

        vsnprintf(msg, sizeof(msg), fmt, ap);
        gmtime_r(&tv->tv_sec, &tm);
        snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (int)(tv->tv_usec / 1000));

        o = json_object();
        if (!o)
                return NULL;
        json_object_set_new(o, "ts", json_string(ts));
        json_object_set_new(o, "level", json_string(rdr_log_names[level]));
        json_object_set_new(o, "worker", json_string(rdr_log_worker));
        if (rdr_log_instance[0])
                json_object_set_new(o, "instance",
                                    json_string(rdr_log_instance));
        json_object_set_new(o, "event", json_string(event));
        /* Messages may quote raw input: keep the line valid JSON whatever
         * bytes it holds. */
        json_object_set_new(o, "msg", log_string(msg));
        for (; kv && kv[0] && kv[1]; kv += 2)
                json_object_set_new(o, kv[0], log_string(kv[1]));
        line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(o);
        if (!line)
                return NULL;
        *len = strlen(line);
        line[(*len)++] = '\n'; /* json_dumps leaves room: overwrite NUL */
        return line;
}

static void log_emit(rdr_loglevel_t level, const char *event,
                     const char *const *kv, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 0)))
#endif
    ;

static void log_emit(rdr_loglevel_t level, const char *event,
                     const char *const *kv, const char *fmt, va_list ap) {
        struct timeval tv;
        size_t len;
        char *line;
        if (!rdr_log_enabled(level))
                return;
        gettimeofday(&tv, NULL);
        line = log_line(level, event, kv, &tv, &len, fmt, ap);
        if (!line)
                return;
        if (write(STDERR_FILENO, line, len) < 0) {
                /* Nothing more to do if stderr is gone. */
        }
        free(line);
}

char *rdr_log_prepare(rdr_loglevel_t level, const char *event, int64_t at_ms,
                      size_t *len, const char *fmt, ...) {
        struct timeval tv;
        va_list ap;
        char *line;
        tv.tv_sec = (time_t)(at_ms / 1000);
        tv.tv_usec = (suseconds_t)(at_ms % 1000) * 1000;
        va_start(ap, fmt);
        line = log_line(level, event, NULL, &tv, len, fmt, ap);
        va_end(ap);
        return line;
}

/* n's digits into d[0..w), zero-padded. */
static void put_digits(char *d, int w, int64_t n) {
        while (w-- > 0) {
                d[w] = (char)('0' + n % 10);
                n /= 10;
        }
}

void rdr_log_restamp(char *line, size_t len, int64_t at_ms) {
        static const char head[] = "{\"ts\":\"";
        const size_t hl = sizeof(head) - 1;
        int64_t days = at_ms / 86400000, ms = at_ms % 86400000;
        int64_t z, era, doe, yoe, doy, mp, y, m, d;
        char *ts = line + hl;
        size_t i;
        if (at_ms < 0 || len < hl + 24 || ts[23] != 'Z')
                return;
        for (i = 0; i < hl; i++)
                if (line[i] != head[i])
                        return;
        /* The civil date of a day since the epoch (the proleptic
         * Gregorian calendar; the arithmetic of gmtime, which a signal
         * handler may not call). */
        z = days + 719468;
        era = z / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        d = doy - (153 * mp + 2) / 5 + 1;
        m = mp < 10 ? mp + 3 : mp - 9;
        y = yoe + era * 400 + (m <= 2);
        if (y < 1000 || y > 9999)
                return;
        put_digits(ts, 4, y);
        put_digits(ts + 5, 2, m);
        put_digits(ts + 8, 2, d);
        put_digits(ts + 11, 2, ms / 3600000);
        put_digits(ts + 14, 2, ms / 60000 % 60);
        put_digits(ts + 17, 2, ms / 1000 % 60);
        put_digits(ts + 20, 3, ms % 1000);
}

void rdr_log(rdr_loglevel_t level, const char *event, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_emit(level, event, NULL, fmt, ap);
        va_end(ap);
}

void rdr_log_kv(rdr_loglevel_t level, const char *event, const char *const *kv,
                const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_emit(level, event, kv, fmt, ap);
        va_end(ap);
}

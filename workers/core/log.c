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

#include "clock.h"
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
                      const char *const *kv, int64_t at_ms, size_t *len,
                      const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 0)))
#endif
    ;

/* The line of an event at wall time at_ms: malloc'd, ending in '\n' (*len
 * bytes, no NUL), or NULL. */
static char *log_line(rdr_loglevel_t level, const char *event,
                      const char *const *kv, int64_t at_ms, size_t *len,
                      const char *fmt, va_list ap) {
        char msg[2048], ts[RDR_TIME_RFC3339_SIZE] = "";
        json_t *o;
        char *line;

        vsnprintf(msg, sizeof(msg), fmt, ap);
        rdr_time_format_rfc3339(at_ms, ts, sizeof(ts));

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
        line = log_line(level, event, kv,
                        (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, &len,
                        fmt, ap);
        if (!line)
                return;
        if (write(STDERR_FILENO, line, len) < 0) {
                /* Nothing more to do if stderr is gone. */
        }
        free(line);
}

char *rdr_log_prepare(rdr_loglevel_t level, const char *event, int64_t at_ms,
                      size_t *len, const char *fmt, ...) {
        va_list ap;
        char *line;
        va_start(ap, fmt);
        line = log_line(level, event, NULL, at_ms, len, fmt, ap);
        va_end(ap);
        return line;
}

void rdr_log_restamp(char *line, size_t len, int64_t at_ms) {
        static const char head[] = "{\"ts\":\"";
        const size_t hl = sizeof(head) - 1;
        char ts[RDR_TIME_RFC3339_SIZE];
        if (len < hl + RDR_TIME_RFC3339_SIZE - 1 || memcmp(line, head, hl) ||
            line[hl + RDR_TIME_RFC3339_SIZE - 2] != 'Z' ||
            !rdr_time_format_rfc3339(at_ms, ts, sizeof(ts)))
                return;
        memcpy(line + hl, ts, RDR_TIME_RFC3339_SIZE - 1);
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

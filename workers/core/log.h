/* Structured logs: one JSON object per line on stderr, written with a single
 * write(2) so lines from threads never interleave. Every line carries the
 * time, level, worker name and an event name that operators can grep for. */
#ifndef RDR_LOG_H
#define RDR_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum rdr_loglevel_e {
        RDR_LOG_DEBUG,
        RDR_LOG_INFO,
        RDR_LOG_WARN,
        RDR_LOG_ERROR,
        RDR_LOG__CNT
} rdr_loglevel_t;

/** Set the worker name and instance id stamped on every line, and the
 *  lowest level written. Strings are copied. Call once at start. */
void rdr_log_init(const char *worker, const char *instance,
                  rdr_loglevel_t min_level);
/** Parse "debug", "info", "warn", "error"; -1 if unknown. */
int rdr_log_level_parse(const char *name);
void rdr_log_set_level(rdr_loglevel_t min_level);
int rdr_log_enabled(rdr_loglevel_t level);

/** Write {"ts":..,"level":..,"worker":..,"event":event,"msg":<fmt...>}.
 *  Thread-safe. */
void rdr_log(rdr_loglevel_t level, const char *event, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** The line rdr_log() would write at wall time at_ms, built now to be
 *  written later where nothing may be allocated (a signal handler):
 *  malloc'd, ending in a newline, *len bytes with no NUL; NULL if out of
 *  memory. */
char *rdr_log_prepare(rdr_loglevel_t level, const char *event, int64_t at_ms,
                      size_t *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/** Rewrite the time of a line rdr_log_prepare() built to wall time at_ms.
 *  Safe in a signal handler: it allocates nothing, and formats with
 *  rdr_time_format_rfc3339() (arithmetic, memcmp and memcpy). */
void rdr_log_restamp(char *line, size_t len, int64_t at_ms);

/** As rdr_log with extra string fields: kv is NULL-terminated pairs
 *  {"key", "value", ..., NULL}. */
void rdr_log_kv(rdr_loglevel_t level, const char *event, const char *const *kv,
                const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif

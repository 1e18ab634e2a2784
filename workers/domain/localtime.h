/* Local wall-clock arithmetic for the outreach cadence: whether an instant
 * falls inside a daily window (09:00-20:00 in the buyer's zone), the next
 * instant that does, and adding calendar days that keep the wall-clock time
 * across daylight-saving changes. Built on ICU's ucal_* API and its tzdata,
 * never on TZ (process-global): each thread keeps calendars of its own, so
 * these functions are pure and safe on any thread. Times are milliseconds
 * since the Unix epoch; zones are IANA names ("America/New_York"). */
#ifndef RDR_LOCALTIME_H
#define RDR_LOCALTIME_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* Longest zone name we keep, NUL included. */
#define RDR_ZONE_MAX 64

/* A daily window of local time, [start, end). end < start wraps midnight
 * (quiet hours "22:00-08:00"); "00:00-24:00" is the whole day. */
typedef struct rdr_window_s {
        int start_min; /* minutes after local midnight, 0..1439 */
        int end_min;   /* 1..1440, != start_min */
} rdr_window_t;

/* Which zone a computation used: the buyer's, the store's (the buyer's was
 * absent or unknown), or UTC (both were). */
typedef enum rdr_zone_source_e {
        RDR_ZONE_BUYER,
        RDR_ZONE_STORE,
        RDR_ZONE_UTC,
        RDR_ZONE__CNT
} rdr_zone_source_t;

extern const char *const rdr_zone_source_names[RDR_ZONE__CNT];

/** 1 if zone is a time zone ICU knows ("UTC" included), else 0. */
int rdr_localtime_zone_valid(const char *zone);

/** The zone to use for a buyer: buyer_zone if known, else store_zone if
 *  known, else "UTC". *zone points to one of the arguments or to a static
 *  string. Returns where it came from, so that callers can report a
 *  fallback. Either argument may be NULL. */
rdr_zone_source_t rdr_localtime_pick_zone(const char *buyer_zone,
                                          const char *store_zone,
                                          const char **zone);

/** Parse "HH:MM-HH:MM" (end may be 24:00). Returns 0, or -1 if malformed or
 *  empty (start == end). */
int rdr_window_parse(const char *s, rdr_window_t *w);

/** 1 if the local time of day ms_of_day (0..86399999) is inside w. */
int rdr_window_contains(const rdr_window_t *w, int64_t ms_of_day);

/** The complement of w (quiet hours to allowed hours). */
rdr_window_t rdr_window_invert(const rdr_window_t *w);
/** Whether w is the whole day ("00:00-24:00": it never closes, and its
 *  inverse is meaningless). */
int rdr_window_whole_day(const rdr_window_t *w);

/** *inside = 1 if instant t_ms is inside w in zone. Returns RDR_OK, or
 *  RDR_ERR_INVALID for an unknown zone. */
rdr_err_t rdr_localtime_in_window(const char *zone, const rdr_window_t *w,
                                  int64_t t_ms, int *inside);

/** The first instant at or after t_ms that is inside every one of the n
 *  windows ws in zone. A window opening at a local time skipped by a
 *  daylight-saving jump opens at the first valid time after the jump.
 *  Returns RDR_OK, RDR_ERR_INVALID for an unknown zone or n == 0, or
 *  RDR_ERR_CONFIG if the windows never overlap. */
rdr_err_t rdr_localtime_next_in_windows(const char *zone,
                                        const rdr_window_t *ws, size_t n,
                                        int64_t t_ms, int64_t *out_ms);

/** rdr_localtime_next_in_windows() for one window. */
rdr_err_t rdr_localtime_next_in_window(const char *zone, const rdr_window_t *w,
                                       int64_t t_ms, int64_t *out_ms);

/** t_ms + dur_ms, where a whole number of days is added as calendar days in
 *  zone (the wall-clock time is kept across daylight-saving changes: 09:00
 *  plus 1d is 09:00 the next day, 23 or 25 hours later) and any other
 *  duration as elapsed time. Returns RDR_OK or RDR_ERR_INVALID. */
rdr_err_t rdr_localtime_add(const char *zone, int64_t t_ms, int64_t dur_ms,
                            int64_t *out_ms);

/* The wall-clock fields of an instant in a zone. */
typedef struct rdr_localtm_s {
        int year, month /* 1..12 */, day, hour, minute, second, ms;
        int64_t offset_ms; /* UTC offset in effect, daylight saving included */
} rdr_localtm_t;

/** Split t_ms into wall-clock fields in zone. Returns RDR_OK or
 *  RDR_ERR_INVALID. */
rdr_err_t rdr_localtime_fields(const char *zone, int64_t t_ms,
                               rdr_localtm_t *tm);

/** The instant of wall-clock time year-month-day hour:minute in zone (a
 *  skipped time resolves to the first valid time after the jump; a repeated
 *  one to its first occurrence). Returns RDR_OK or RDR_ERR_INVALID. */
rdr_err_t rdr_localtime_make(const char *zone, int year, int month, int day,
                             int hour, int minute, int64_t *out_ms);

/** Whether the calling thread's answers may come from the span of constant
 *  UTC offset around the last instant asked (1, the default) or must all
 *  come from ICU's calendar fields (0). The two give the same answers; 0
 *  is for the tests that check so. */
void rdr_localtime_spans(int on);

/** Write "2026-03-08 09:00 America/New_York" to buf (NUL-terminated,
 *  truncated to size). Returns the length it needed, or 0 for an unknown
 *  zone. */
size_t rdr_localtime_format(const char *zone, int64_t t_ms, char *buf,
                            size_t size);

#endif

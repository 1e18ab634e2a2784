/* Wall-clock windows and calendar-day arithmetic in IANA zones, on ICU's
 * ucal_* C API. Each call opens and closes its own UCalendar, which keeps the
 * functions free of shared state; a cadence transition makes a handful of
 * calls, so the cost of opening a calendar does not matter. */
#include <stdio.h>
#include <string.h>

#include <unicode/ucal.h>
#include <unicode/utypes.h>

#include "localtime.h"

#define RDR_DAY_MS (86400LL * 1000)

const char *const rdr_zone_source_names[RDR_ZONE__CNT] = {"buyer", "store",
                                                          "utc"};

/* Copy an ASCII zone name into a UChar buffer. Returns 0, or -1 if the name
 * is empty, too long or not ASCII (no IANA name is). */
static int zone_to_uchar(const char *zone, UChar *buf, size_t size) {
        size_t i;
        if (!zone || !*zone)
                return -1;
        for (i = 0; zone[i]; i++) {
                if (i + 1 >= size || (unsigned char)zone[i] > 0x7f)
                        return -1;
                buf[i] = (UChar)zone[i];
        }
        buf[i] = 0;
        return 0;
}

int rdr_localtime_zone_valid(const char *zone) {
        UChar id[RDR_ZONE_MAX], canon[RDR_ZONE_MAX * 2];
        UBool is_system = 0;
        UErrorCode status = U_ZERO_ERROR;
        if (zone_to_uchar(zone, id, RDR_ZONE_MAX) == -1)
                return 0;
        ucal_getCanonicalTimeZoneID(id, -1, canon, RDR_ZONE_MAX * 2, &is_system,
                                    &status);
        return U_SUCCESS(status) && is_system;
}

rdr_zone_source_t rdr_localtime_pick_zone(const char *buyer_zone,
                                          const char *store_zone,
                                          const char **zone) {
        if (rdr_localtime_zone_valid(buyer_zone)) {
                *zone = buyer_zone;
                return RDR_ZONE_BUYER;
        }
        if (rdr_localtime_zone_valid(store_zone)) {
                *zone = store_zone;
                return RDR_ZONE_STORE;
        }
        *zone = "UTC";
        return RDR_ZONE_UTC;
}

/* Calendars are costly to open (ICU loads the zone's rules), so each
 * thread keeps the last few it used, one per zone, and reuses them: every
 * function here sets the instant it works on before using one, and none
 * holds two of the same zone at once. */
#define CAL_CACHE 8
static __thread struct {
        char zone[RDR_ZONE_MAX];
        UCalendar *cal;
} cal_cache[CAL_CACHE];
static __thread unsigned cal_cache_next;

/* A Gregorian calendar in zone at instant t_ms, resolving skipped wall
 * times forward. It belongs to the cache: do not close it. Returns NULL for
 * an unknown zone. */
static UCalendar *cal_open(const char *zone, int64_t t_ms) {
        UChar id[RDR_ZONE_MAX];
        UErrorCode status = U_ZERO_ERROR;
        UCalendar *cal = NULL;
        unsigned i;
        for (i = 0; i < CAL_CACHE; i++)
                if (cal_cache[i].cal && !strcmp(cal_cache[i].zone, zone)) {
                        cal = cal_cache[i].cal;
                        break;
                }
        if (!cal) {
                if (!rdr_localtime_zone_valid(zone) ||
                    zone_to_uchar(zone, id, RDR_ZONE_MAX) == -1)
                        return NULL;
                cal = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &status);
                if (U_FAILURE(status))
                        return NULL;
                ucal_setAttribute(cal, UCAL_SKIPPED_WALL_TIME,
                                  UCAL_WALLTIME_NEXT_VALID);
                ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME,
                                  UCAL_WALLTIME_FIRST);
                i = cal_cache_next++ % CAL_CACHE;
                if (cal_cache[i].cal)
                        ucal_close(cal_cache[i].cal);
                snprintf(cal_cache[i].zone, sizeof(cal_cache[i].zone), "%s",
                         zone);
                cal_cache[i].cal = cal;
        }
        ucal_clear(cal);
        ucal_setMillis(cal, (UDate)t_ms, &status);
        if (U_FAILURE(status))
                return NULL;
        return cal;
}

static int64_t cal_millis(const UCalendar *cal, UErrorCode *status) {
        return (int64_t)ucal_getMillis(cal, status);
}

static int64_t cal_ms_of_day(const UCalendar *cal, UErrorCode *status) {
        return (int64_t)ucal_get(cal, UCAL_HOUR_OF_DAY, status) * 3600000 +
               (int64_t)ucal_get(cal, UCAL_MINUTE, status) * 60000 +
               (int64_t)ucal_get(cal, UCAL_SECOND, status) * 1000 +
               ucal_get(cal, UCAL_MILLISECOND, status);
}

/* "HH:MM" at s (exactly 5 characters) as minutes, or -1. */
static int parse_hhmm(const char *s) {
        int i;
        for (i = 0; i < 5; i++)
                if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
                        return -1;
        if ((s[3] - '0') > 5)
                return -1;
        return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 +
               (s[4] - '0');
}

int rdr_window_parse(const char *s, rdr_window_t *w) {
        int start, end;
        if (!s || strlen(s) != 11 || s[5] != '-')
                return -1;
        start = parse_hhmm(s);
        end = parse_hhmm(s + 6);
        if (start < 0 || start >= 1440 || end < 0 || end > 1440)
                return -1;
        if (end == 0) /* "20:00-00:00": until midnight */
                end = 1440;
        if (start == end)
                return -1;
        w->start_min = start;
        w->end_min = end;
        return 0;
}

int rdr_window_contains(const rdr_window_t *w, int64_t ms_of_day) {
        int64_t start = (int64_t)w->start_min * 60000;
        int64_t end = (int64_t)w->end_min * 60000;
        if (start < end)
                return ms_of_day >= start && ms_of_day < end;
        return ms_of_day >= start || ms_of_day < end;
}

rdr_window_t rdr_window_invert(const rdr_window_t *w) {
        rdr_window_t inv;
        inv.start_min = w->end_min % 1440;
        inv.end_min = w->start_min == 0 ? 1440 : w->start_min;
        return inv;
}

rdr_err_t rdr_localtime_in_window(const char *zone, const rdr_window_t *w,
                                  int64_t t_ms, int *inside) {
        UErrorCode status = U_ZERO_ERROR;
        UCalendar *cal = cal_open(zone, t_ms);
        int64_t tod;
        if (!cal)
                return RDR_ERR_INVALID;
        tod = cal_ms_of_day(cal, &status);
        if (U_FAILURE(status))
                return RDR_ERR_INVALID;
        *inside = rdr_window_contains(w, tod);
        return RDR_OK;
}

/* First instant >= t inside w, on an open calendar. */
static rdr_err_t next_in(UCalendar *cal, const rdr_window_t *w, int64_t t,
                         int64_t *out) {
        UErrorCode status = U_ZERO_ERROR;
        int64_t tod, cand = t;
        int tries;
        /* Usually one pass; a window starting inside a daylight-saving gap
         * resolves past its start and is checked again. */
        for (tries = 0; tries < 4; tries++) {
                int wraps = w->start_min > w->end_min;
                ucal_setMillis(cal, (UDate)cand, &status);
                tod = cal_ms_of_day(cal, &status);
                if (U_FAILURE(status))
                        return RDR_ERR_INVALID;
                if (rdr_window_contains(w, tod)) {
                        *out = cand;
                        return RDR_OK;
                }
                /* Outside: the next opening is today at start, unless the
                 * (non-wrapping) window already closed today. */
                if (!wraps && tod >= (int64_t)w->end_min * 60000)
                        ucal_add(cal, UCAL_DATE, 1, &status);
                ucal_set(cal, UCAL_HOUR_OF_DAY, w->start_min / 60);
                ucal_set(cal, UCAL_MINUTE, w->start_min % 60);
                ucal_set(cal, UCAL_SECOND, 0);
                ucal_set(cal, UCAL_MILLISECOND, 0);
                cand = cal_millis(cal, &status);
                if (U_FAILURE(status))
                        return RDR_ERR_INVALID;
                if (cand < t) /* cannot happen; never go back in time */
                        cand = t + 60000;
        }
        return RDR_ERR_INTERNAL;
}

rdr_err_t rdr_localtime_next_in_windows(const char *zone,
                                        const rdr_window_t *ws, size_t n,
                                        int64_t t_ms, int64_t *out_ms) {
        UCalendar *cal;
        int64_t t = t_ms;
        rdr_err_t err = RDR_OK;
        int round;
        if (n == 0)
                return RDR_ERR_INVALID;
        cal = cal_open(zone, t_ms);
        if (!cal)
                return RDR_ERR_INVALID;
        /* Each window in turn moves t to its next opening; t only grows and
         * stops at the first instant inside all of them. Two windows that
         * overlap at all do so within a couple of days. */
        for (round = 0; round < 16; round++) {
                size_t i, moved = 0;
                for (i = 0; i < n; i++) {
                        int64_t nt;
                        err = next_in(cal, &ws[i], t, &nt);
                        if (err)
                                goto done;
                        if (nt != t)
                                moved++;
                        t = nt;
                }
                if (!moved) {
                        *out_ms = t;
                        goto done;
                }
        }
        err = RDR_ERR_CONFIG;
done:
        return err;
}

rdr_err_t rdr_localtime_next_in_window(const char *zone, const rdr_window_t *w,
                                       int64_t t_ms, int64_t *out_ms) {
        return rdr_localtime_next_in_windows(zone, w, 1, t_ms, out_ms);
}

rdr_err_t rdr_localtime_add(const char *zone, int64_t t_ms, int64_t dur_ms,
                            int64_t *out_ms) {
        UErrorCode status = U_ZERO_ERROR;
        UCalendar *cal;
        if (dur_ms % RDR_DAY_MS != 0 || dur_ms / RDR_DAY_MS > 100000) {
                if (!rdr_localtime_zone_valid(zone))
                        return RDR_ERR_INVALID;
                *out_ms = t_ms + dur_ms;
                return RDR_OK;
        }
        cal = cal_open(zone, t_ms);
        if (!cal)
                return RDR_ERR_INVALID;
        ucal_add(cal, UCAL_DATE, (int32_t)(dur_ms / RDR_DAY_MS), &status);
        *out_ms = cal_millis(cal, &status);
        return U_FAILURE(status) ? RDR_ERR_INVALID : RDR_OK;
}

rdr_err_t rdr_localtime_fields(const char *zone, int64_t t_ms,
                               rdr_localtm_t *tm) {
        UErrorCode status = U_ZERO_ERROR;
        UCalendar *cal = cal_open(zone, t_ms);
        if (!cal)
                return RDR_ERR_INVALID;
        tm->year = ucal_get(cal, UCAL_EXTENDED_YEAR, &status);
        tm->month = ucal_get(cal, UCAL_MONTH, &status) + 1;
        tm->day = ucal_get(cal, UCAL_DATE, &status);
        tm->hour = ucal_get(cal, UCAL_HOUR_OF_DAY, &status);
        tm->minute = ucal_get(cal, UCAL_MINUTE, &status);
        tm->second = ucal_get(cal, UCAL_SECOND, &status);
        tm->ms = ucal_get(cal, UCAL_MILLISECOND, &status);
        tm->offset_ms = (int64_t)ucal_get(cal, UCAL_ZONE_OFFSET, &status) +
                        ucal_get(cal, UCAL_DST_OFFSET, &status);
        return U_FAILURE(status) ? RDR_ERR_INVALID : RDR_OK;
}

rdr_err_t rdr_localtime_make(const char *zone, int year, int month, int day,
                             int hour, int minute, int64_t *out_ms) {
        UErrorCode status = U_ZERO_ERROR;
        UCalendar *cal = cal_open(zone, 0);
        if (!cal)
                return RDR_ERR_INVALID;
        ucal_clear(cal);
        ucal_setDateTime(cal, year, month - 1, day, hour, minute, 0, &status);
        ucal_set(cal, UCAL_MILLISECOND, 0);
        *out_ms = cal_millis(cal, &status);
        return U_FAILURE(status) ? RDR_ERR_INVALID : RDR_OK;
}

size_t rdr_localtime_format(const char *zone, int64_t t_ms, char *buf,
                            size_t size) {
        rdr_localtm_t tm;
        int n;
        if (rdr_localtime_fields(zone, t_ms, &tm) != RDR_OK)
                return 0;
        n = snprintf(buf, size, "%04d-%02d-%02d %02d:%02d %s", tm.year,
                     tm.month, tm.day, tm.hour, tm.minute, zone);
        return n < 0 ? 0 : (size_t)n;
}

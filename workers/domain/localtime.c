/* Wall-clock windows and calendar-day arithmetic in IANA zones, on ICU's
 * ucal_* C API. Each thread keeps a few calendars, one per zone, and beside
 * each the span of time around the last instant asked about in which the
 * zone's UTC offset stays the same (from one transition to the next): an
 * instant inside it is local time by arithmetic, without ICU working out
 * every calendar field; near a transition every answer comes from ICU. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucal.h>
#include <unicode/utypes.h>

#include "localtime.h"
#include "str.h"

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

typedef struct zone_cal_s zone_cal_t;
static zone_cal_t *zone_find(const char *zone);

int rdr_localtime_zone_valid(const char *zone) {
        UChar id[RDR_ZONE_MAX], canon[RDR_ZONE_MAX * 2];
        UBool is_system = 0;
        UErrorCode status = U_ZERO_ERROR;
        if (zone && zone_find(zone))
                return 1;
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

/* Calendars are costly to open (ICU loads the zone's rules: ~7 us), so
 * each thread keeps one per zone it has used, in a table found by the
 * zone's name, and reuses it: every function here sets the instant it
 * works on before using one, and none holds two of the same zone at once.
 * Only valid zones are kept, and IANA has ~600 names (aliases included),
 * so the table rarely fills; when it does, it starts over. */
#define CAL_SLOTS 1024 /* a power of two */
#define CAL_KEEP (CAL_SLOTS * 3 / 4)
struct zone_cal_s {
        char zone[RDR_ZONE_MAX];
        UCalendar *cal; /* NULL: a free slot */
        /* In [from, to) the zone's UTC offset is off throughout (no
         * transition inside); from > to while unknown. */
        int64_t from, to, off;
};
static __thread zone_cal_t *cal_table; /* CAL_SLOTS, allocated on first use */
static __thread unsigned cal_count;
static __thread int spans_on = 1;

void rdr_localtime_spans(int on) {
        spans_on = on;
}

/* The slot of zone in this thread's table: its calendar's, or the free
 * one where it would go. NULL if the table cannot be allocated. */
static zone_cal_t *zone_slot(const char *zone) {
        uint32_t h = rdr_str_hash(zone, strlen(zone));
        if (!cal_table && !(cal_table = calloc(CAL_SLOTS, sizeof(*cal_table))))
                return NULL;
        for (;; h++) {
                zone_cal_t *zc = &cal_table[h & (CAL_SLOTS - 1)];
                if (!zc->cal || !strcmp(zc->zone, zone))
                        return zc;
        }
}

/* This thread's calendar of zone, or NULL if it holds none (it opens
 * them only for valid zones). */
static zone_cal_t *zone_find(const char *zone) {
        zone_cal_t *zc = zone_slot(zone);
        return zc && zc->cal ? zc : NULL;
}

/* Close every calendar of the table (it is full). */
static void zone_table_clear(void) {
        unsigned i;
        for (i = 0; i < CAL_SLOTS; i++)
                if (cal_table[i].cal)
                        ucal_close(cal_table[i].cal);
        memset(cal_table, 0, CAL_SLOTS * sizeof(*cal_table));
        cal_count = 0;
}

/* The cached calendar of zone, opened if need be. Gregorian, resolving
 * skipped wall times forward and repeated ones to the first. Returns NULL
 * for an unknown zone. */
static zone_cal_t *zone_cal(const char *zone) {
        UChar id[RDR_ZONE_MAX];
        UErrorCode status = U_ZERO_ERROR;
        UCalendar *cal;
        zone_cal_t *zc = zone_find(zone);
        if (zc)
                return zc;
        if (!rdr_localtime_zone_valid(zone) ||
            zone_to_uchar(zone, id, RDR_ZONE_MAX) == -1)
                return NULL;
        cal = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &status);
        if (U_FAILURE(status))
                return NULL;
        ucal_setAttribute(cal, UCAL_SKIPPED_WALL_TIME,
                          UCAL_WALLTIME_NEXT_VALID);
        ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
        if (cal_count >= CAL_KEEP)
                zone_table_clear();
        if (!(zc = zone_slot(zone))) {
                ucal_close(cal);
                return NULL;
        }
        snprintf(zc->zone, sizeof(zc->zone), "%s", zone);
        zc->cal = cal;
        zc->from = 1;
        zc->to = 0;
        cal_count++;
        return zc;
}

/* The calendar of zc at instant t_ms. Returns NULL on an ICU error. */
static UCalendar *cal_at(zone_cal_t *zc, int64_t t_ms) {
        UErrorCode status = U_ZERO_ERROR;
        ucal_clear(zc->cal);
        ucal_setMillis(zc->cal, (UDate)t_ms, &status);
        return U_FAILURE(status) ? NULL : zc->cal;
}

/* A Gregorian calendar in zone at instant t_ms. It belongs to the cache:
 * do not close it. Returns NULL for an unknown zone. */
static UCalendar *cal_open(const char *zone, int64_t t_ms) {
        zone_cal_t *zc = zone_cal(zone);
        return zc ? cal_at(zc, t_ms) : NULL;
}

/* How far from a transition wall-clock arithmetic in a span stays exact:
 * further than any offset change (a day, when Samoa crossed the date line
 * in 2011), so that no other span maps the same wall-clock time. */
#define SPAN_MARGIN_MS (2 * RDR_DAY_MS)

/* Make zc's span hold t_ms (asking ICU for the offset at t_ms and the
 * transitions around it). Returns 0, or -1 when spans are off or ICU
 * cannot tell (the caller then asks ICU directly). */
static int span_hold(zone_cal_t *zc, int64_t t_ms) {
        UErrorCode status = U_ZERO_ERROR;
        UDate d;
        UCalendar *cal;
        if (!spans_on)
                return -1;
        if (zc->from <= t_ms && t_ms < zc->to)
                return 0;
        if (!(cal = cal_at(zc, t_ms)))
                return -1;
        zc->off = (int64_t)ucal_get(cal, UCAL_ZONE_OFFSET, &status) +
                  ucal_get(cal, UCAL_DST_OFFSET, &status);
        zc->from = ucal_getTimeZoneTransitionDate(
                       cal, UCAL_TZ_TRANSITION_PREVIOUS_INCLUSIVE, &d, &status)
                       ? (int64_t)d
                       : INT64_MIN;
        zc->to = ucal_getTimeZoneTransitionDate(cal, UCAL_TZ_TRANSITION_NEXT,
                                                &d, &status)
                     ? (int64_t)d
                     : INT64_MAX;
        if (U_FAILURE(status) || !(zc->from <= t_ms && t_ms < zc->to)) {
                zc->from = 1;
                zc->to = 0;
                return -1;
        }
        return 0;
}

/* Local time of day of t_ms in zc's span (span_hold(zc, t_ms) == 0). */
static int64_t span_ms_of_day(const zone_cal_t *zc, int64_t t_ms) {
        int64_t tod = (t_ms + zc->off) % RDR_DAY_MS;
        return tod < 0 ? tod + RDR_DAY_MS : tod;
}

/* Whether wall-clock arithmetic from zc's span gives the instant ICU would
 * for c_ms: c_ms lies in the span, away from its ends. */
static int span_exact(const zone_cal_t *zc, int64_t c_ms) {
        return (zc->from == INT64_MIN || c_ms - SPAN_MARGIN_MS >= zc->from) &&
               (zc->to == INT64_MAX || c_ms + SPAN_MARGIN_MS < zc->to);
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

int rdr_window_whole_day(const rdr_window_t *w) {
        return w->start_min == 0 && w->end_min == 1440;
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
        zone_cal_t *zc = zone_cal(zone);
        UCalendar *cal;
        int64_t tod;
        if (!zc)
                return RDR_ERR_INVALID;
        if (!span_hold(zc, t_ms)) {
                tod = span_ms_of_day(zc, t_ms);
        } else {
                if (!(cal = cal_at(zc, t_ms)))
                        return RDR_ERR_INVALID;
                tod = cal_ms_of_day(cal, &status);
                if (U_FAILURE(status))
                        return RDR_ERR_INVALID;
        }
        *inside = rdr_window_contains(w, tod);
        return RDR_OK;
}

/* The local time of day at cand and, if it is outside w, the next opening
 * of w after it (*next), by arithmetic in zc's span when that is exact.
 * Returns 1 if it did, 0 if ICU must answer. */
static int span_next(zone_cal_t *zc, const rdr_window_t *w, int64_t cand,
                     int *inside, int64_t *next) {
        int64_t tod, day = 0;
        if (span_hold(zc, cand))
                return 0;
        tod = span_ms_of_day(zc, cand);
        if ((*inside = rdr_window_contains(w, tod)))
                return 1;
        if (w->start_min < w->end_min && tod >= (int64_t)w->end_min * 60000)
                day = RDR_DAY_MS;
        *next = cand - tod + day + (int64_t)w->start_min * 60000;
        return span_exact(zc, *next);
}

/* First instant >= t inside w, in zone zc. */
static rdr_err_t next_in(zone_cal_t *zc, const rdr_window_t *w, int64_t t,
                         int64_t *out) {
        UErrorCode status = U_ZERO_ERROR;
        UCalendar *cal;
        int64_t tod, cand = t;
        int tries, inside;
        /* Usually one pass; a window starting inside a daylight-saving gap
         * resolves past its start and is checked again. */
        for (tries = 0; tries < 4; tries++) {
                int wraps = w->start_min > w->end_min;
                int64_t next;
                if (span_next(zc, w, cand, &inside, &next)) {
                        if (inside) {
                                *out = cand;
                                return RDR_OK;
                        }
                        cand = next;
                        continue;
                }
                if (!(cal = cal_at(zc, cand)))
                        return RDR_ERR_INVALID;
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
                if (cand < t) {
                        /* The opening is a repeated wall-clock time (the
                         * hour after a fall-back) whose first occurrence
                         * has passed: its second one is next. */
                        ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME,
                                          UCAL_WALLTIME_LAST);
                        ucal_set(cal, UCAL_HOUR_OF_DAY, w->start_min / 60);
                        cand = cal_millis(cal, &status);
                        ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME,
                                          UCAL_WALLTIME_FIRST);
                }
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
        zone_cal_t *zc;
        int64_t t = t_ms;
        rdr_err_t err = RDR_OK;
        int round;
        if (n == 0)
                return RDR_ERR_INVALID;
        zc = zone_cal(zone);
        if (!zc)
                return RDR_ERR_INVALID;
        /* Each window in turn moves t to its next opening; t only grows and
         * stops at the first instant inside all of them. Two windows that
         * overlap at all do so within a couple of days. */
        for (round = 0; round < 16; round++) {
                size_t i, moved = 0;
                for (i = 0; i < n; i++) {
                        int64_t nt;
                        err = next_in(zc, &ws[i], t, &nt);
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
        zone_cal_t *zc;
        UCalendar *cal;
        if (dur_ms % RDR_DAY_MS != 0 || dur_ms / RDR_DAY_MS > 100000) {
                if (!rdr_localtime_zone_valid(zone))
                        return RDR_ERR_INVALID;
                *out_ms = t_ms + dur_ms;
                return RDR_OK;
        }
        if (!(zc = zone_cal(zone)))
                return RDR_ERR_INVALID;
        /* Whole days within one span keep the offset, so the wall-clock
         * time is kept by adding them as elapsed time. */
        if (!span_hold(zc, t_ms) && span_exact(zc, t_ms + dur_ms)) {
                *out_ms = t_ms + dur_ms;
                return RDR_OK;
        }
        if (!(cal = cal_at(zc, t_ms)))
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

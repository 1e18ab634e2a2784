/* Daily windows and calendar days in IANA zones (localtime.h): daylight
 * saving in America/New_York (March 8 and November 1, 2026) and
 * Europe/Madrid (March 29, 2026), Asia/Shanghai without it, midnight-
 * wrapping windows, zone fallbacks. Expected instants are written in UTC. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <unicode/ucal.h>
#include <unicode/uenum.h>

#include "localtime.h"

#define H (3600LL * 1000)
#define M (60LL * 1000)

/* Milliseconds of a UTC date-time (proleptic Gregorian). */
static int64_t utc(int y, int mo, int d, int h, int mi) {
        int64_t era, yoe, doy, doe, days;
        y -= mo <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        days = era * 146097 + doe - 719468;
        return days * 86400000LL + h * H + mi * M;
}

static rdr_window_t win(const char *s) {
        rdr_window_t w;
        assert_int_equal(rdr_window_parse(s, &w), 0);
        return w;
}

static void test_zone_valid(void **state) {
        (void)state;
        assert_true(rdr_localtime_zone_valid("America/New_York"));
        assert_true(rdr_localtime_zone_valid("Asia/Shanghai"));
        assert_true(rdr_localtime_zone_valid("UTC"));
        assert_false(rdr_localtime_zone_valid("Mars/Olympus_Mons"));
        assert_false(rdr_localtime_zone_valid(""));
        assert_false(rdr_localtime_zone_valid(NULL));
        assert_false(rdr_localtime_zone_valid("Europe/Madrid\xc3\xa9"));
}

static void test_pick_zone(void **state) {
        const char *z = NULL;
        (void)state;
        assert_int_equal(rdr_localtime_pick_zone("Europe/Madrid", "UTC", &z),
                         RDR_ZONE_BUYER);
        assert_string_equal(z, "Europe/Madrid");
        assert_int_equal(
            rdr_localtime_pick_zone("Nowhere/Land", "Asia/Shanghai", &z),
            RDR_ZONE_STORE);
        assert_string_equal(z, "Asia/Shanghai");
        assert_int_equal(rdr_localtime_pick_zone(NULL, "Asia/Shanghai", &z),
                         RDR_ZONE_STORE);
        assert_int_equal(rdr_localtime_pick_zone("Nowhere/Land", "Bad", &z),
                         RDR_ZONE_UTC);
        assert_string_equal(z, "UTC");
}

static void test_window_parse(void **state) {
        rdr_window_t w;
        (void)state;
        w = win("09:00-20:00");
        assert_int_equal(w.start_min, 540);
        assert_int_equal(w.end_min, 1200);
        w = win("22:00-08:00");
        assert_int_equal(w.start_min, 1320);
        assert_int_equal(w.end_min, 480);
        w = win("20:00-24:00");
        assert_int_equal(w.end_min, 1440);
        w = win("20:00-00:00");
        assert_int_equal(w.end_min, 1440);
        assert_int_equal(rdr_window_parse("9:00-20:00", &w), -1);
        assert_int_equal(rdr_window_parse("09:00-09:00", &w), -1);
        assert_int_equal(rdr_window_parse("25:00-26:00", &w), -1);
        assert_int_equal(rdr_window_parse("09:00-20:00x", &w), -1);
        assert_int_equal(rdr_window_parse("09:60-20:00", &w), -1);
        assert_int_equal(rdr_window_parse("", &w), -1);
        /* Wrapping windows and their complement. */
        w = win("22:00-08:00");
        assert_true(rdr_window_contains(&w, 23 * H));
        assert_true(rdr_window_contains(&w, 7 * H));
        assert_false(rdr_window_contains(&w, 8 * H));
        assert_false(rdr_window_contains(&w, 12 * H));
        w = rdr_window_invert(&w);
        assert_int_equal(w.start_min, 480);
        assert_int_equal(w.end_min, 1320);
        w = win("00:00-24:00");
        assert_true(rdr_window_contains(&w, 0));
        assert_true(rdr_window_contains(&w, 24 * H - 1));
}

static void test_in_window_dst(void **state) {
        rdr_window_t day = win("09:00-20:00");
        int inside = -1;
        (void)state;
        /* 2026-03-08 13:30Z is 09:30 EDT (UTC-4) after the jump... */
        assert_int_equal(rdr_localtime_in_window("America/New_York", &day,
                                                 utc(2026, 3, 8, 13, 30),
                                                 &inside),
                         RDR_OK);
        assert_true(inside);
        /* ...and the same UTC hour the day before is 08:30 EST (UTC-5). */
        assert_int_equal(rdr_localtime_in_window("America/New_York", &day,
                                                 utc(2026, 3, 7, 13, 30),
                                                 &inside),
                         RDR_OK);
        assert_false(inside);
        assert_int_equal(rdr_localtime_in_window("Mars/Base", &day, 0, &inside),
                         RDR_ERR_INVALID);
}

static void test_next_in_window(void **state) {
        rdr_window_t day = win("09:00-20:00");
        int64_t t = 0;
        (void)state;
        /* Inside: unchanged. */
        assert_int_equal(rdr_localtime_next_in_window("America/New_York", &day,
                                                      utc(2026, 3, 9, 15, 0),
                                                      &t),
                         RDR_OK);
        assert_true(t == utc(2026, 3, 9, 15, 0));
        /* 08:30 local on the March transition day moves to 09:00 EDT. */
        assert_int_equal(rdr_localtime_next_in_window("America/New_York", &day,
                                                      utc(2026, 3, 8, 12, 30),
                                                      &t),
                         RDR_OK);
        assert_true(t == utc(2026, 3, 8, 13, 0));
        /* 20:30 EST the evening before: 09:00 EDT next morning. */
        assert_int_equal(rdr_localtime_next_in_window("America/New_York", &day,
                                                      utc(2026, 3, 8, 1, 30),
                                                      &t),
                         RDR_OK);
        assert_true(t == utc(2026, 3, 8, 13, 0));
        /* November: 08:30 EST on Nov 1 (fall back at 02:00) -> 09:00 EST. */
        assert_int_equal(rdr_localtime_next_in_window("America/New_York", &day,
                                                      utc(2026, 11, 1, 13, 30),
                                                      &t),
                         RDR_OK);
        assert_true(t == utc(2026, 11, 1, 14, 0));
        /* A window opening in the repeated hour of a fall-back, asked
         * between its two occurrences: the second one (01:30 EST), not
         * the first, already past (01:30 EDT), nor an error. */
        {
                rdr_window_t night = win("01:30-02:30");
                int on;
                for (on = 0; on < 2; on++) {
                        rdr_localtime_spans(on);
                        assert_int_equal(rdr_localtime_next_in_window(
                                             "America/New_York", &night,
                                             utc(2026, 11, 1, 6, 15), &t),
                                         RDR_OK);
                        assert_true(t == utc(2026, 11, 1, 6, 30));
                }
                rdr_localtime_spans(1);
        }
        /* Shanghai, 21:00 CST (UTC+8): 09:00 the next day. */
        assert_int_equal(rdr_localtime_next_in_window(
                             "Asia/Shanghai", &day, utc(2026, 7, 1, 13, 0), &t),
                         RDR_OK);
        assert_true(t == utc(2026, 7, 2, 1, 0));
        /* Madrid on its March transition: 08:30 CEST -> 09:00 CEST. */
        assert_int_equal(rdr_localtime_next_in_window("Europe/Madrid", &day,
                                                      utc(2026, 3, 29, 6, 30),
                                                      &t),
                         RDR_OK);
        assert_true(t == utc(2026, 3, 29, 7, 0));
        /* A window opening inside the skipped hour (02:30 on March 8 in New
         * York does not exist) opens at the first valid time, 03:00 EDT. */
        day = win("02:30-05:00");
        assert_int_equal(rdr_localtime_next_in_window("America/New_York", &day,
                                                      utc(2026, 3, 8, 6, 0),
                                                      &t),
                         RDR_OK);
        assert_true(t == utc(2026, 3, 8, 7, 0));
        /* A wrapping window: 22:00-06:00, asked at 12:00 local. */
        day = win("22:00-06:00");
        assert_int_equal(rdr_localtime_next_in_window(
                             "UTC", &day, utc(2026, 1, 1, 12, 0), &t),
                         RDR_OK);
        assert_true(t == utc(2026, 1, 1, 22, 0));
}

static void test_next_in_windows(void **state) {
        rdr_window_t ws[2];
        int64_t t = 0;
        (void)state;
        /* Daytime and the complement of quiet hours 21:00-08:00. */
        ws[0] = win("09:00-20:00");
        ws[1] = win("21:00-08:00");
        ws[1] = rdr_window_invert(&ws[1]);
        assert_int_equal(rdr_localtime_next_in_windows("Asia/Shanghai", ws, 2,
                                                       utc(2026, 7, 1, 23, 0),
                                                       &t),
                         RDR_OK);
        assert_true(t == utc(2026, 7, 2, 1, 0)); /* 07:00 CST -> 09:00 */
        /* Narrower second window. */
        ws[1] = win("10:30-12:00");
        assert_int_equal(rdr_localtime_next_in_windows(
                             "UTC", ws, 2, utc(2026, 7, 1, 12, 0), &t),
                         RDR_OK);
        assert_true(t == utc(2026, 7, 2, 10, 30));
        /* Windows that never overlap. */
        ws[0] = win("09:00-10:00");
        ws[1] = win("11:00-12:00");
        assert_int_equal(rdr_localtime_next_in_windows("UTC", ws, 2, 0, &t),
                         RDR_ERR_CONFIG);
        assert_int_equal(rdr_localtime_next_in_windows("UTC", ws, 0, 0, &t),
                         RDR_ERR_INVALID);
}

static void test_add_days_keeps_wall_time(void **state) {
        int64_t t = 0;
        rdr_localtm_t tm;
        (void)state;
        /* 09:00 EST + 1d = 09:00 EDT: 23 hours later. */
        assert_int_equal(rdr_localtime_add("America/New_York",
                                           utc(2026, 3, 7, 14, 0), 86400000LL,
                                           &t),
                         RDR_OK);
        assert_true(t == utc(2026, 3, 8, 13, 0));
        /* 09:00 EDT + 1d = 09:00 EST: 25 hours later. */
        assert_int_equal(rdr_localtime_add("America/New_York",
                                           utc(2026, 10, 31, 13, 0), 86400000LL,
                                           &t),
                         RDR_OK);
        assert_true(t == utc(2026, 11, 1, 14, 0));
        assert_int_equal(rdr_localtime_fields("America/New_York", t, &tm),
                         RDR_OK);
        assert_int_equal(tm.hour, 9);
        assert_int_equal(tm.minute, 0);
        assert_true(tm.offset_ms == -5 * H);
        /* 9 days across the jump keep 08:30 local. */
        assert_int_equal(rdr_localtime_add("America/New_York",
                                           utc(2026, 2, 27, 13, 30),
                                           9 * 86400000LL, &t),
                         RDR_OK);
        assert_true(t == utc(2026, 3, 8, 12, 30));
        /* Not whole days: elapsed time. */
        assert_int_equal(rdr_localtime_add("America/New_York",
                                           utc(2026, 3, 7, 14, 0), 48 * H + 1,
                                           &t),
                         RDR_OK);
        assert_true(t == utc(2026, 3, 9, 14, 0) + 1);
        assert_int_equal(rdr_localtime_add("Nowhere/Land", 0, H, &t),
                         RDR_ERR_INVALID);
}

static void test_make_and_format(void **state) {
        int64_t t = 0;
        char buf[96];
        (void)state;
        assert_int_equal(
            rdr_localtime_make("Europe/Madrid", 2026, 10, 25, 9, 0, &t),
            RDR_OK);
        assert_true(t == utc(2026, 10, 25, 8, 0)); /* CET, UTC+1 */
        assert_true(rdr_localtime_format("America/New_York",
                                         utc(2026, 3, 8, 13, 0), buf,
                                         sizeof(buf)) > 0);
        assert_string_equal(buf, "2026-03-08 09:00 America/New_York");
        assert_int_equal(
            rdr_localtime_format("Nowhere/Land", 0, buf, sizeof(buf)), 0);
}

/* A small deterministic generator for the comparison below. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(uint64_t n) {
        rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
        return (rnd_state >> 33) % n;
}

/* The UTC offset of zone at t (ICU's calendar fields). */
static int64_t offset_at(const char *zone, int64_t t) {
        rdr_localtm_t tm;
        assert_int_equal(rdr_localtime_fields(zone, t, &tm), RDR_OK);
        return tm.offset_ms;
}

/* An instant within 36 hours of zone's first offset change after t0 (found
 * a week at a time, then to the minute), or t0 if none in 2 years. */
static int64_t near_transition(const char *zone, int64_t t0) {
        int64_t lo = t0, hi, off = offset_at(zone, t0);
        int weeks;
        for (weeks = 0; weeks < 105; weeks++, lo += 7 * 86400000LL)
                if (offset_at(zone, lo + 7 * 86400000LL) != off)
                        break;
        if (weeks == 105)
                return t0;
        hi = lo + 7 * 86400000LL;
        while (hi - lo > 60000) {
                int64_t mid = lo + (hi - lo) / 2 / 60000 * 60000;
                if (mid == lo)
                        break;
                if (offset_at(zone, mid) == off)
                        lo = mid;
                else
                        hi = mid;
        }
        return hi + ((int64_t)rnd(72 * 60) - 36 * 60) * 60000 +
               (int64_t)rnd(4) * 15000;
}

/* Answers from the span of constant offset are ICU's answers: every
 * function, in zones with daylight saving both ways, half-hour DST, a
 * skipped day (Pacific/Apia, 2011), DST at midnight (America/Sao_Paulo),
 * DST switched off and on for Ramadan (Africa/Casablanca), negative DST
 * (Europe/Dublin), and none, at instants from 1970 to 2040, a quarter of
 * them within 36 hours of an offset change and half in the months of
 * changes. */
static void test_spans_agree_with_icu(void **state) {
        static const char *const zones[] = {"America/New_York",
                                            "Europe/London",
                                            "Australia/Lord_Howe",
                                            "Pacific/Apia",
                                            "America/Sao_Paulo",
                                            "Asia/Tehran",
                                            "Asia/Kolkata",
                                            "America/Santiago",
                                            "Africa/Casablanca",
                                            "Europe/Dublin",
                                            "UTC",
                                            "Asia/Shanghai",
                                            "America/St_Johns"};
        static const char *const windows[] = {
            "09:00-20:00", "22:00-08:00", "00:00-24:00", "00:00-01:00",
            "02:00-03:00", "23:30-00:30", "01:30-02:30", "08:00-22:00"};
        static const int months[] = {3, 4, 9, 10, 11, 12};
        size_t z, i;
        int checked = 0;
        (void)state;
        for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
                for (i = 0; i < 3000; i++) {
                        rdr_window_t ws[2];
                        int64_t t, a = 0, b = 0, days;
                        int in_a = 0, in_b = 0;
                        ws[0] = win(windows[rnd(8)]);
                        ws[1] = win(windows[rnd(8)]);
                        if (i % 4 == 0) /* anywhere in 1970-2040 */
                                t = (int64_t)rnd(70ULL * 365 * 86400) * 1000 +
                                    (int64_t)rnd(1000);
                        else if (i % 4 == 1) /* a day or so from a change */
                                t = near_transition(
                                    zones[z], utc(1990 + (int)rnd(45),
                                                  1 + (int)rnd(12), 1, 0, 0));
                        else /* the months around transitions */
                                t = utc(1990 + (int)rnd(45), months[rnd(6)],
                                        1 + (int)rnd(28), (int)rnd(24),
                                        (int)rnd(60)) +
                                    (int64_t)rnd(60000);
                        days = (int64_t)(1 + rnd(40)) * 86400000LL;

                        rdr_localtime_spans(1);
                        assert_int_equal(
                            rdr_localtime_in_window(zones[z], &ws[0], t, &in_a),
                            RDR_OK);
                        rdr_localtime_spans(0);
                        assert_int_equal(
                            rdr_localtime_in_window(zones[z], &ws[0], t, &in_b),
                            RDR_OK);
                        assert_int_equal(in_a, in_b);

                        rdr_localtime_spans(1);
                        assert_int_equal(rdr_localtime_next_in_window(
                                             zones[z], &ws[0], t, &a),
                                         RDR_OK);
                        rdr_localtime_spans(0);
                        assert_int_equal(rdr_localtime_next_in_window(
                                             zones[z], &ws[0], t, &b),
                                         RDR_OK);
                        if (a != b)
                                fail_msg("%s %d-%d from %lld: %lld != %lld",
                                         zones[z], ws[0].start_min,
                                         ws[0].end_min, (long long)t,
                                         (long long)a, (long long)b);

                        rdr_localtime_spans(1);
                        rdr_err_t ea = rdr_localtime_next_in_windows(
                            zones[z], ws, 2, t, &a);
                        rdr_localtime_spans(0);
                        rdr_err_t eb = rdr_localtime_next_in_windows(
                            zones[z], ws, 2, t, &b);
                        assert_int_equal(ea, eb);
                        if (ea == RDR_OK && a != b)
                                fail_msg("%s two windows from %lld: %lld != "
                                         "%lld",
                                         zones[z], (long long)t, (long long)a,
                                         (long long)b);

                        rdr_localtime_spans(1);
                        assert_int_equal(
                            rdr_localtime_add(zones[z], t, days, &a), RDR_OK);
                        rdr_localtime_spans(0);
                        assert_int_equal(
                            rdr_localtime_add(zones[z], t, days, &b), RDR_OK);
                        if (a != b)
                                fail_msg("%s %lld + %lld days: %lld != %lld",
                                         zones[z], (long long)t,
                                         (long long)(days / 86400000LL),
                                         (long long)a, (long long)b);
                        checked++;
                }
        }
        rdr_localtime_spans(1);
        assert_int_equal(checked, 13 * 3000);
}

/* Every zone ICU knows, each thread keeping them all at once (a store's
 * buyers are in many): the answers from spans are still ICU's. */
static void test_every_zone_agrees_with_icu(void **state) {
        UErrorCode status = U_ZERO_ERROR;
        UEnumeration *ids = ucal_openTimeZones(&status);
        rdr_window_t w = win("09:00-20:00");
        const char *zone;
        int32_t len;
        int zones = 0, round;
        (void)state;
        assert_true(U_SUCCESS(status));
        /* Twice over: the second round finds every zone's calendar kept. */
        for (round = 0; round < 2; round++) {
                uenum_reset(ids, &status);
                while ((zone = uenum_next(ids, &len, &status)) != NULL) {
                        int64_t t = utc(2026, 3 + 4 * round, 10, 7, 0), a, b;
                        if (!rdr_localtime_zone_valid(zone))
                                continue;
                        rdr_localtime_spans(1);
                        assert_int_equal(
                            rdr_localtime_next_in_window(zone, &w, t, &a),
                            RDR_OK);
                        rdr_localtime_spans(0);
                        assert_int_equal(
                            rdr_localtime_next_in_window(zone, &w, t, &b),
                            RDR_OK);
                        if (a != b)
                                fail_msg("%s: %lld != %lld", zone, (long long)a,
                                         (long long)b);
                        zones += round == 0;
                }
        }
        rdr_localtime_spans(1);
        uenum_close(ids);
        print_message("%d zones\n", zones);
        assert_true(zones > 400);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_zone_valid),
            cmocka_unit_test(test_pick_zone),
            cmocka_unit_test(test_window_parse),
            cmocka_unit_test(test_in_window_dst),
            cmocka_unit_test(test_next_in_window),
            cmocka_unit_test(test_next_in_windows),
            cmocka_unit_test(test_add_days_keeps_wall_time),
            cmocka_unit_test(test_make_and_format),
            cmocka_unit_test(test_spans_agree_with_icu),
            cmocka_unit_test(test_every_zone_agrees_with_icu),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

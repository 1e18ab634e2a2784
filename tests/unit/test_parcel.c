/* Shipment notices (parcel.h), driven like the fleet drives them: a
 * simulator keeps the order's record through its Redis-hash form at every
 * step, arms the check the decision asks for and fires it when due. The
 * notices of BEHAVIOR.md section 4 with the shipped configs/: shipped with
 * the estimate, the delay notice once per delay_notice_every, exceptions,
 * stale checks, new parcels, daytime and channels. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "casework.h"
#include "parcel.h"
#include "str.h"

#define MIN (60LL * 1000)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static rdr_playbook_t *pb, *pb_shipped;
static rdr_policy_set_t *pols;
static rdr_template_set_t *tpls;
static rdr_cadence_conf_t conf;

/* 2026-03-02 10:00 UTC, a Monday: the store's zone (UTC) is in daytime. */
#define T0 1772445600000LL

/* The shipped playbook without its table `name` (up to the next blank
 * line). Without `destinations:`, a buyer the fleet has not met gets the
 * store's zone (UTC) and language (en); pb_shipped has it. */
static rdr_playbook_t *load_without(const char *name, char *errstr,
                                    size_t size) {
        static char text[32768];
        char head[64];
        char path[64];
        const char *at, *end;
        size_t n;
        rdr_playbook_t *p;
        FILE *fp = fopen(RDR_SOURCE_DIR "/configs/playbook.yaml", "r");
        int fd;
        if (!fp)
                return NULL;
        n = fread(text, 1, sizeof(text) - 1, fp);
        fclose(fp);
        text[n] = '\0';
        snprintf(head, sizeof(head), "\n%s:\n", name);
        at = strstr(text, head);
        end = at ? strstr(at, "\n\n") : NULL;
        if (!end)
                return NULL;
        memmove((char *)at + 1, end + 2, strlen(end + 2) + 1);
        snprintf(path, sizeof(path), "/tmp/rdr_pb_XXXXXX");
        fd = mkstemp(path);
        fp = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!fp)
                return NULL;
        fputs(text, fp);
        fclose(fp);
        p = rdr_playbook_load_file(path, errstr, size);
        unlink(path);
        return p;
}

static int setup(void **state) {
        char errstr[512] = "no destinations: table in configs/playbook.yaml";
        (void)state;
        pb_shipped = rdr_playbook_load_file(
            RDR_SOURCE_DIR "/configs/playbook.yaml", errstr, sizeof(errstr));
        pb = pb_shipped ? load_without("destinations", errstr, sizeof(errstr))
                        : NULL;
        if (pb)
                pols =
                    rdr_policy_set_load_dir(RDR_SOURCE_DIR "/configs/platforms",
                                            errstr, sizeof(errstr));
        if (pols)
                tpls = rdr_template_set_load_dir(
                    RDR_SOURCE_DIR "/configs/templates", "en", pols, errstr,
                    sizeof(errstr));
        if (!tpls) {
                fprintf(stderr, "%s\n", errstr);
                return -1;
        }
        conf.playbook = pb;
        conf.policies = pols;
        conf.templates = tpls;
        return 0;
}

static int teardown(void **state) {
        (void)state;
        rdr_template_set_destroy(tpls);
        rdr_policy_set_destroy(pols);
        rdr_playbook_destroy(pb);
        rdr_playbook_destroy(pb_shipped);
        return 0;
}

/* ---- the simulator ---------------------------------------------------- */

#define LOG_MAX 16

typedef struct sim_s {
        const rdr_cadence_conf_t *cf; /* NULL: conf */
        rdr_parcel_t p;
        rdr_parcel_out_t out;
        int64_t armed; /* the last check armed, 0: none */
        rdr_parcel_notice_t log[LOG_MAX];
        size_t log_cnt;
} sim_t;

/* An order's hash: room for two parcels' fields and the buyer's. */
typedef struct hash_s {
        char f[2 * RDR_PARCEL_FIELDS + 2][64];
        char v[2 * RDR_PARCEL_FIELDS + 2][RDR_PARCEL_STR_MAX];
        size_t n;
} hash_t;

static const char *hash_get(void *opaque, const char *field) {
        const hash_t *h = opaque;
        size_t i;
        for (i = 0; i < h->n; i++)
                if (!strcmp(h->f[i], field))
                        return h->v[i];
        return NULL;
}

/* The record as Redis keeps it, and read back: what the parcel writes,
 * beside what the reviews worker wrote of the buyer. */
static void round_trip(rdr_parcel_t *p) {
        static rdr_parcel_fv_t fv;
        static hash_t h;
        size_t i;
        rdr_parcel_fields(p, "", &fv);
        assert_int_equal(fv.cnt, 2 * RDR_PARCEL_FIELDS);
        h.n = 0;
        for (i = 0; i < fv.cnt; i += 2, h.n++) {
                snprintf(h.f[h.n], sizeof(h.f[0]), "%s", fv.fv[i]);
                snprintf(h.v[h.n], sizeof(h.v[0]), "%s", fv.fv[i + 1]);
                /* Not the buyer's: those are other workers' fields. */
                assert_string_not_equal(h.f[h.n], "buyer_language");
                assert_string_not_equal(h.f[h.n], "buyer_zone");
        }
        if (p->buyer_language[0]) {
                snprintf(h.f[h.n], sizeof(h.f[0]), "buyer_language");
                snprintf(h.v[h.n++], sizeof(h.v[0]), "%s", p->buyer_language);
        }
        if (p->buyer_zone[0]) {
                snprintf(h.f[h.n], sizeof(h.f[0]), "buyer_zone");
                snprintf(h.v[h.n++], sizeof(h.v[0]), "%s", p->buyer_zone);
        }
        rdr_parcel_load(p, "", hash_get, &h);
}

static void settle(sim_t *s) {
        int i;
        assert_int_equal(s->out.errstr[0], '\0');
        for (i = 0; i < s->out.notices_cnt; i++) {
                assert_true(s->log_cnt < LOG_MAX);
                s->log[s->log_cnt++] = s->out.notices[i];
        }
        if (s->out.arm_at_ms)
                s->armed = s->out.arm_at_ms;
        round_trip(&s->p);
}

static rdr_shipment_t shipment(rdr_shipment_type_t type, const char *platform,
                               const char *tracking, int64_t at) {
        rdr_shipment_t ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = type;
        ev.event_id = "e";
        ev.platform = platform;
        ev.store_id = "s1";
        ev.order_id = "o-77";
        ev.buyer_id = "b1";
        ev.carrier = "SF Express";
        ev.tracking_number = tracking;
        ev.service_level = "standard";
        memcpy(ev.destination_country, "CN", 3);
        ev.occurred_at_ms = at;
        return ev;
}

static void event(sim_t *s, const rdr_shipment_t *ev, int64_t now) {
        assert_int_equal(rdr_parcel_decide(s->cf ? s->cf : &conf, &s->p, ev, 0,
                                           now, &s->p, &s->out),
                         RDR_OK);
        assert_int_equal(s->out.status, RDR_PARCEL_APPLIED);
        settle(s);
}

/* Fire the check armed at `at` (now = at unless later). */
static rdr_parcel_status_t fire(sim_t *s, int64_t at, int64_t now) {
        rdr_err_t err = rdr_parcel_decide(s->cf ? s->cf : &conf, &s->p, NULL,
                                          at, now, &s->p, &s->out);
        if (err)
                fprintf(stderr, "check at %lld: %s\n", (long long)at,
                        s->out.errstr);
        assert_int_equal(err, RDR_OK);
        settle(s);
        return s->out.status;
}

static void created(sim_t *s, const char *platform) {
        rdr_shipment_t ev = shipment(RDR_SHIP_CREATED, platform, "SF1001", T0);
        memset(s, 0, sizeof(*s));
        event(s, &ev, T0);
}

/* An event of type (exc: an exception's kind) of created()'s parcel,
 * Taobao's SF1001, that happened at `at`, handled at now. */
static void tracked(sim_t *s, rdr_shipment_type_t type, rdr_exception_t exc,
                    int64_t at, int64_t now) {
        rdr_shipment_t ev = shipment(type, "taobao", "SF1001", at);
        ev.exception = exc;
        event(s, &ev, now);
}

static size_t count_kind(const sim_t *s, rdr_action_kind_t kind) {
        size_t i, n = 0;
        for (i = 0; i < s->log_cnt; i++)
                n += s->log[i].kind == kind;
        return n;
}

/* ---- tests ------------------------------------------------------------ */

static void test_shipped_notice_with_the_window(void **state) {
        sim_t s;
        char sid[RDR_ID_LEN], want[128];
        (void)state;
        created(&s, "taobao");
        assert_int_equal(s.log_cnt, 1);
        assert_int_equal(s.log[0].kind, RDR_ACT_NOTICE_SHIPPED);
        rdr_parcel_shipment_id(sid, "taobao", "s1", "o-77", "SF1001");
        assert_string_equal(s.p.shipment_id, sid);
        snprintf(want, sizeof(want), "%s:shipped:1", sid);
        assert_string_equal(s.log[0].action_id, want);
        /* Taobao's notices go in writing (platforms/taobao.yaml). */
        assert_int_equal(s.log[0].channel, RDR_CHAN_IM);
        assert_int_equal(s.log[0].due_at_ms, T0);
        assert_string_equal(s.log[0].template_id, "en/notice.shipped/default");
        /* standard to CN: 2d-5d (playbook.yaml delivery_windows). */
        assert_non_null(strstr(s.log[0].message,
                               "SF1001. Expected delivery: 2026-03-04 "
                               "\xe2\x80\x93 2026-03-07."));
        assert_non_null(strstr(s.log[0].message, "order o-77"));
        /* Late once the last day told is over in the buyer's zone (UTC
         * here): 2026-03-07 23:59:59.999. */
        assert_int_equal(s.p.expected_max_ms, T0 + 6 * DAY - 10 * HOUR - 1);
        /* The check: the estimate's end or a stall, whichever first. */
        assert_int_equal(s.armed, T0 + 4 * DAY);
}

/* No promise, and no delivery_windows row for the parcel: the notice
 * goes out all the same, saying the estimate is to be confirmed (the
 * templates' defaults.delivery_window), in the destination's language
 * (CN: zh). */
static void test_shipped_notice_without_an_estimate(void **state) {
        rdr_cadence_conf_t no_windows = conf;
        char errstr[512];
        rdr_playbook_t *p =
            load_without("delivery_windows", errstr, sizeof(errstr));
        sim_t s;
        rdr_shipment_t ev = shipment(RDR_SHIP_CREATED, "taobao", "SF1001", T0);
        (void)state;
        if (!p)
                fail_msg("%s", errstr);
        no_windows.playbook = p;
        memset(&s, 0, sizeof(s));
        assert_int_equal(
            rdr_parcel_decide(&no_windows, &s.p, &ev, 0, T0, &s.p, &s.out),
            RDR_OK);
        settle(&s);
        rdr_playbook_destroy(p);
        assert_int_equal(s.log_cnt, 1);
        assert_string_equal(s.log[0].template_id, "zh/notice.shipped/default");
        assert_non_null(
            strstr(s.log[0].message, "运单号SF1001，预计送达：待确认。"));
}

/* Ids as long as the decoder takes (256 bytes) are kept whole on the
 * parcel's record, which the notices' fields are taken from. */
static void test_long_ids_kept_whole(void **state) {
        sim_t s;
        char order[RDR_EVENT_MAX_ID + 1], carrier[RDR_EVENT_MAX_ID + 1];
        rdr_shipment_t ev = shipment(RDR_SHIP_CREATED, "taobao", "SF1001", T0);
        (void)state;
        memset(order, 'o', RDR_EVENT_MAX_ID);
        order[RDR_EVENT_MAX_ID] = '\0';
        memset(carrier, 'c', RDR_EVENT_MAX_ID);
        carrier[RDR_EVENT_MAX_ID] = '\0';
        ev.order_id = order;
        ev.carrier = carrier;
        memset(&s, 0, sizeof(s));
        event(&s, &ev, T0);
        assert_int_equal(s.log_cnt, 1);
        assert_string_equal(s.p.order_id, order);
        assert_string_equal(s.p.carrier, carrier);
}

static void test_promise_is_the_estimate(void **state) {
        sim_t s;
        rdr_shipment_t ev = shipment(RDR_SHIP_CREATED, "amazon", "1Z9", T0);
        (void)state;
        memset(&s, 0, sizeof(s));
        ev.promised_by_ms = T0 + 3 * DAY;
        event(&s, &ev, T0);
        assert_int_equal(s.log_cnt, 1);
        assert_non_null(strstr(s.log[0].message, "Expected delivery: "
                                                 "2026-03-05."));
        assert_int_equal(s.log[0].channel, RDR_CHAN_EMAIL);
        /* The end of the day promised. */
        assert_int_equal(s.armed, T0 + 4 * DAY - 10 * HOUR - 1);
}

static void test_notice_waits_for_daytime(void **state) {
        sim_t s;
        int64_t night = T0 + 13 * HOUR; /* 23:00 UTC */
        rdr_shipment_t ev = shipment(RDR_SHIP_CREATED, "taobao", "N1", night);
        (void)state;
        memset(&s, 0, sizeof(s));
        event(&s, &ev, night);
        assert_int_equal(s.log_cnt, 1);
        /* 09:00 the next morning: daytime, and past Taobao's quiet hours. */
        assert_int_equal(s.log[0].due_at_ms, T0 + DAY - HOUR);
}

static void test_stalled_parcel_one_delay_notice_per_period(void **state) {
        sim_t s;
        char want[128];
        (void)state;
        created(&s, "taobao");
        /* A scan at +1d moves the stall check to +5d: the estimate ends
         * then too. */
        {
                rdr_shipment_t sc =
                    shipment(RDR_SHIP_SCAN, "taobao", "SF1001", T0 + DAY);
                event(&s, &sc, T0 + DAY);
                assert_int_equal(s.armed, T0 + 5 * DAY);
                assert_int_equal(s.log_cnt, 1);
        }
        /* The check at +4d (armed before the scan) is stale. */
        assert_int_equal(fire(&s, T0 + 4 * DAY, T0 + 4 * DAY),
                         RDR_PARCEL_STALE);
        assert_int_equal(s.log_cnt, 1);
        /* +5d: no scan for 4 days and the estimate passed. */
        assert_int_equal(fire(&s, T0 + 5 * DAY, T0 + 5 * DAY),
                         RDR_PARCEL_APPLIED);
        assert_int_equal(s.log_cnt, 2);
        assert_int_equal(s.log[1].kind, RDR_ACT_NOTICE_DELAY);
        snprintf(want, sizeof(want), "%s:logistics_delay:1", s.p.shipment_id);
        assert_string_equal(s.log[1].action_id, want);
        assert_true(s.out.late);
        /* New estimate: delay_notice_every (3d) from now; the parcel is
         * on time all that day, scanned or not: the check is at its end
         * (2026-03-10 23:59:59.999 UTC). */
        assert_non_null(strstr(s.log[1].message, "New estimate: 2026-03-10."));
        assert_int_equal(s.armed, T0 + 8 * DAY + 14 * HOUR - 1);
        /* Before the notice the parcel was on time; after it, it is late
         * for the buyer although the new estimate is ahead. */
        assert_false(rdr_parcel_is_late(0, T0 + 5 * DAY, 0, T0 + 4 * DAY));
        assert_true(rdr_parcel_is_late(0, T0 + 5 * DAY, 0, T0 + 6 * DAY));
        assert_true(s.p.expected_max_ms > T0 + 6 * DAY);
        assert_true(rdr_parcel_is_late(s.p.promised_by_ms, s.p.expected_max_ms,
                                       s.p.delay_notice_at_ms, T0 + 6 * DAY));
        /* Still nothing at the day's end: that is night, so the check
         * asks again at 09:00 and the second notice goes out then, no
         * sooner. */
        assert_int_equal(fire(&s, s.armed, s.armed), RDR_PARCEL_APPLIED);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 1);
        assert_int_equal(s.armed, T0 + 9 * DAY - HOUR);
        assert_int_equal(fire(&s, s.armed, s.armed), RDR_PARCEL_APPLIED);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 2);
        snprintf(want, sizeof(want), "%s:logistics_delay:2", s.p.shipment_id);
        assert_string_equal(s.log[2].action_id, want);
        assert_int_equal(s.log[2].due_at_ms, T0 + 9 * DAY - HOUR);
        assert_non_null(strstr(s.log[2].message, "New estimate: 2026-03-14."));
        assert_int_equal(s.armed, T0 + 12 * DAY + 14 * HOUR - 1);
        /* Delivered: no more checks; the armed one is stale. */
        {
                rdr_shipment_t d = shipment(RDR_SHIP_DELIVERED, "taobao",
                                            "SF1001", T0 + 9 * DAY);
                event(&s, &d, T0 + 9 * DAY);
                assert_int_equal(s.p.check_at_ms, 0);
                assert_int_equal(s.p.delivered_at_ms, T0 + 9 * DAY);
        }
        assert_int_equal(
            fire(&s, T0 + 12 * DAY + 14 * HOUR - 1, T0 + 12 * DAY + 14 * HOUR),
            RDR_PARCEL_STALE);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 2);
}

/* A parcel that never arrives: max_delay_notices (3) apologies, then a
 * person looks and the buyer hears no more. After the first, each check
 * comes at the end of the day the last notice promised, in the buyer's
 * night: it asks again at 09:00 (two fires a notice), and the person is
 * asked at once. */
static void test_delay_notices_end_with_a_person(void **state) {
        sim_t s;
        int fired = 0;
        (void)state;
        created(&s, "taobao");
        while (s.p.check_at_ms && fired < 20) {
                int64_t at = s.p.check_at_ms;
                assert_int_equal(fire(&s, at, at), RDR_PARCEL_APPLIED);
                fired++;
        }
        assert_int_equal(fired, 6);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 3);
        assert_int_equal(count_kind(&s, RDR_ACT_STAFF_REVIEW), 1);
        assert_int_equal(s.log[s.log_cnt - 1].kind, RDR_ACT_STAFF_REVIEW);
        assert_string_equal(s.log[s.log_cnt - 1].template_id,
                            "en/staff.review/parcel_overdue");
        assert_true(s.p.overdue);
        /* A scan does not start the checks again. */
        {
                rdr_shipment_t sc =
                    shipment(RDR_SHIP_SCAN, "taobao", "SF1001", T0 + 14 * DAY);
                event(&s, &sc, T0 + 14 * DAY);
                assert_int_equal(s.p.check_at_ms, 0);
        }
}

/* A parcel never scanned after shipment.created (yto, standard, to CN:
 * 2d-5d), created 2027-01-16 at 10:00 in Shanghai, the destination's
 * zone (the shipped playbook): stalled on 01-20, it is told a new
 * estimate, 2027-01-23, and is on time all that day there, as a parcel
 * told a date is, scanned or not; the next notice comes once the day
 * has ended (09:00 the next morning), each a delay_notice_every or more
 * after the one before, three of them, then a person. */
static void test_stalled_parcel_on_time_all_the_day_told(void **state) {
        static const struct {
                int64_t due;      /* from C0 */
                const char *told; /* the new estimate */
        } notices[] = {
            {4 * DAY, "2027-01-23"},         /* 01-20 10:00 */
            {8 * DAY - HOUR, "2027-01-27"},  /* 01-24 09:00 */
            {12 * DAY - HOUR, "2027-01-31"}, /* 01-28 09:00 */
        };
        const int64_t c0 = 1800064800000LL; /* 2027-01-16 02:00 UTC */
        rdr_cadence_conf_t shipped = conf;
        rdr_shipment_t ev = shipment(RDR_SHIP_CREATED, "taobao", "YT1", c0);
        sim_t s;
        size_t i;
        int fired = 0;
        (void)state;
        shipped.playbook = pb_shipped;
        memset(&s, 0, sizeof(s));
        s.cf = &shipped;
        ev.carrier = "yto";
        event(&s, &ev, c0);
        assert_int_equal(s.log_cnt, 1);
        while (s.p.check_at_ms && fired < 20) {
                int64_t at = s.p.check_at_ms;
                /* Never a check inside the day the buyer was told. */
                if (s.p.delay_notices)
                        assert_true(at >= s.p.expected_max_ms);
                assert_int_equal(fire(&s, at, at), RDR_PARCEL_APPLIED);
                fired++;
        }
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 3);
        for (i = 0; i < 3; i++) {
                const rdr_parcel_notice_t *n = &s.log[1 + i];
                assert_int_equal(n->kind, RDR_ACT_NOTICE_DELAY);
                assert_string_equal(n->language, "zh");
                if (n->due_at_ms != c0 + notices[i].due)
                        fail_msg("logistics_delay:%zu due %lld h after "
                                 "2027-01-16 02:00 UTC, not %lld",
                                 i + 1, (long long)((n->due_at_ms - c0) / HOUR),
                                 (long long)(notices[i].due / HOUR));
                assert_non_null(strstr(n->message, notices[i].told));
        }
        /* Late again past 2027-01-31: a person, at the end of that day. */
        assert_int_equal(s.log_cnt, 5);
        assert_int_equal(s.log[4].kind, RDR_ACT_STAFF_REVIEW);
        assert_string_equal(s.log[4].template_id,
                            "en/staff.review/parcel_overdue");
        assert_int_equal(s.log[4].due_at_ms, c0 + 15 * DAY + 14 * HOUR - 1);
        assert_true(s.p.overdue);
}

static void test_scans_keep_a_parcel_on_time(void **state) {
        sim_t s;
        (void)state;
        memset(&s, 0, sizeof(s));
        {
                rdr_shipment_t ev =
                    shipment(RDR_SHIP_CREATED, "aliexpress", "LP1", T0);
                ev.service_level = "economy"; /* 10d-30d */
                event(&s, &ev, T0);
        }
        assert_int_equal(s.armed, T0 + 4 * DAY);
        /* A scan every 3 days: the check moves on each time, and the one
         * that fires finds a parcel that moves. */
        {
                int d;
                for (d = 3; d <= 24; d += 3) {
                        rdr_shipment_t sc = shipment(
                            RDR_SHIP_SCAN, "aliexpress", "LP1", T0 + d * DAY);
                        event(&s, &sc, T0 + d * DAY);
                        assert_int_equal(s.armed, T0 + (d + 4) * DAY);
                }
        }
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 0);
        /* Only a check armed by the last scan is live. */
        assert_int_equal(fire(&s, T0 + 25 * DAY, T0 + 25 * DAY),
                         RDR_PARCEL_STALE);
        assert_int_equal(fire(&s, T0 + 28 * DAY, T0 + 28 * DAY),
                         RDR_PARCEL_APPLIED);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 1);
        /* The estimate (day 30) had not passed: the new one is no
         * earlier than delay_notice_every (3d) from now. */
        assert_non_null(strstr(s.log[1].message, "New estimate: 2026-04-02."));
}

static void test_exception_notice_and_staff(void **state) {
        sim_t s;
        char want[128];
        (void)state;
        created(&s, "taobao");
        tracked(&s, RDR_SHIP_EXCEPTION, RDR_EXC_LOST, T0 + DAY, T0 + DAY);
        assert_int_equal(s.log_cnt, 3);
        assert_int_equal(s.log[1].kind, RDR_ACT_NOTICE_EXCEPTION);
        assert_int_equal(s.log[1].channel, RDR_CHAN_IM);
        snprintf(want, sizeof(want), "%s:exception:1", s.p.shipment_id);
        assert_string_equal(s.log[1].action_id, want);
        assert_int_equal(s.log[2].kind, RDR_ACT_STAFF_REVIEW);
        assert_int_equal(s.log[2].channel, RDR_CHAN_STAFF);
        assert_string_equal(s.log[2].template_id,
                            "en/staff.review/parcel_exception");
        assert_non_null(strstr(s.log[2].message, "is reported lost"));
        /* The same report again (another feed's event_id): told once. */
        tracked(&s, RDR_SHIP_EXCEPTION, RDR_EXC_LOST, T0 + DAY,
                T0 + DAY + HOUR);
        assert_int_equal(s.log_cnt, 3);
        /* No delay checks while the carrier works on it. */
        assert_int_equal(s.p.check_at_ms, 0);
        assert_int_equal(fire(&s, T0 + 4 * DAY, T0 + 4 * DAY),
                         RDR_PARCEL_STALE);
        /* Customs: the buyer hears, no staff task; a scan after it starts
         * the checks again. */
        tracked(&s, RDR_SHIP_EXCEPTION, RDR_EXC_CUSTOMS, T0 + 2 * DAY,
                T0 + 2 * DAY);
        assert_int_equal(s.log_cnt, 4);
        snprintf(want, sizeof(want), "%s:exception:2", s.p.shipment_id);
        assert_string_equal(s.log[3].action_id, want);
        tracked(&s, RDR_SHIP_SCAN, RDR_EXC_NONE, T0 + 3 * DAY, T0 + 3 * DAY);
        assert_int_equal(s.armed, T0 + 6 * DAY - 10 * HOUR - 1);
        assert_int_equal(count_kind(&s, RDR_ACT_STAFF_REVIEW), 1);
}

/* Events apply in the order they happened, whatever order they arrive
 * in: what the parcel left behind tells the buyer nothing. */
static void test_events_in_the_order_they_happened(void **state) {
        sim_t s;
        (void)state;
        /* Delivered, then its created read late: no "on its way". */
        memset(&s, 0, sizeof(s));
        {
                rdr_shipment_t d =
                    shipment(RDR_SHIP_DELIVERED, "taobao", "OO1", T0 + DAY);
                rdr_shipment_t c =
                    shipment(RDR_SHIP_CREATED, "taobao", "OO1", T0);
                event(&s, &d, T0 + DAY);
                event(&s, &c, T0 + DAY + HOUR);
                assert_int_equal(s.log_cnt, 0);
                assert_int_equal(s.p.status, RDR_SHIP_DELIVERED);
                assert_int_equal(s.p.check_at_ms, 0);
        }
        /* Delivered on day 3, then damage reported for day 2: no notice,
         * no staff task for a parcel in the buyer's hands. */
        created(&s, "taobao");
        tracked(&s, RDR_SHIP_DELIVERED, RDR_EXC_NONE, T0 + 3 * DAY,
                T0 + 3 * DAY);
        tracked(&s, RDR_SHIP_EXCEPTION, RDR_EXC_DAMAGED, T0 + 2 * DAY,
                T0 + 3 * DAY + HOUR);
        assert_int_equal(s.log_cnt, 1); /* the shipped notice */
        assert_int_equal(s.p.status, RDR_SHIP_DELIVERED);
        /* Lost on day 2, then a scan of day 1 read late: still lost, and
         * no delay notice follows the loss. */
        created(&s, "taobao");
        tracked(&s, RDR_SHIP_EXCEPTION, RDR_EXC_LOST, T0 + 2 * DAY,
                T0 + 2 * DAY);
        assert_int_equal(s.log_cnt, 3);
        tracked(&s, RDR_SHIP_SCAN, RDR_EXC_NONE, T0 + DAY, T0 + 2 * DAY + HOUR);
        assert_int_equal(s.p.status, RDR_SHIP_EXCEPTION);
        assert_int_equal(s.p.check_at_ms, 0);
        assert_int_equal(fire(&s, T0 + 5 * DAY, T0 + 5 * DAY),
                         RDR_PARCEL_STALE);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 0);
}

/* A loss reported days late is too late to tell the buyer as news, not
 * for a person to put right. */
static void test_loss_read_late_goes_to_a_person(void **state) {
        sim_t s;
        (void)state;
        created(&s, "taobao");
        tracked(&s, RDR_SHIP_EXCEPTION, RDR_EXC_LOST, T0 + 2 * DAY,
                T0 + 7 * DAY);
        assert_int_equal(s.log_cnt, 2);
        assert_int_equal(s.log[1].kind, RDR_ACT_STAFF_REVIEW);
        assert_string_equal(s.log[1].template_id,
                            "en/staff.review/parcel_exception_late");
        assert_non_null(strstr(s.log[1].message, "the buyer was not told"));
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_EXCEPTION), 0);
        assert_true(rdr_parcel_holds(&s.p, T0 + 7 * DAY));
}

/* A parcel held at customs may still move: with no scan for stall_after
 * the buyer hears of the delay, and a person after max_delay_notices. */
static void test_parcel_held_at_customs_is_checked(void **state) {
        sim_t s;
        (void)state;
        created(&s, "taobao");
        tracked(&s, RDR_SHIP_EXCEPTION, RDR_EXC_CUSTOMS, T0 + DAY, T0 + DAY);
        assert_int_equal(s.log_cnt, 2);
        assert_int_equal(s.armed, T0 + 5 * DAY);
        assert_int_equal(fire(&s, T0 + 5 * DAY, T0 + 5 * DAY),
                         RDR_PARCEL_APPLIED);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 1);
}

/* A promise on a scan is the estimate the checks go by, as on the
 * created; the buyer's last day is over at its end. */
static void test_promise_on_a_scan(void **state) {
        sim_t s;
        (void)state;
        created(&s, "taobao");
        {
                rdr_shipment_t sc =
                    shipment(RDR_SHIP_SCAN, "taobao", "SF1001", T0 + DAY);
                sc.promised_by_ms = T0 + 3 * DAY;
                event(&s, &sc, T0 + DAY);
        }
        assert_int_equal(s.p.expected_max_ms, T0 + 4 * DAY - 10 * HOUR - 1);
        assert_int_equal(s.armed, T0 + 4 * DAY - 10 * HOUR - 1);
        assert_false(rdr_parcel_holds(&s.p, T0 + 3 * DAY + HOUR));
        /* Late at midnight: the buyer hears at 09:00. */
        assert_int_equal(fire(&s, s.armed, s.armed), RDR_PARCEL_APPLIED);
        assert_int_equal(s.armed, T0 + 4 * DAY - HOUR);
        assert_int_equal(fire(&s, s.armed, s.armed), RDR_PARCEL_APPLIED);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 1);
}

/* A check due at night asks again in the buyer's daytime: a parcel
 * delivered meanwhile gets no delay notice. */
static void test_delivered_before_morning_hears_no_delay(void **state) {
        sim_t s;
        int64_t night = T0 + 13 * HOUR; /* 23:00 UTC */
        rdr_shipment_t ev = shipment(RDR_SHIP_CREATED, "taobao", "N2", night);
        (void)state;
        memset(&s, 0, sizeof(s));
        event(&s, &ev, night);
        assert_int_equal(s.armed, night + 4 * DAY);
        assert_int_equal(fire(&s, night + 4 * DAY, night + 4 * DAY),
                         RDR_PARCEL_APPLIED);
        assert_int_equal(s.log_cnt, 1);
        /* 09:00 the next morning. */
        assert_int_equal(s.armed, T0 + 5 * DAY - HOUR);
        {
                rdr_shipment_t d = shipment(RDR_SHIP_DELIVERED, "taobao", "N2",
                                            T0 + 5 * DAY - 2 * HOUR);
                event(&s, &d, T0 + 5 * DAY - 2 * HOUR);
        }
        assert_int_equal(fire(&s, T0 + 5 * DAY - HOUR, T0 + 5 * DAY - HOUR),
                         RDR_PARCEL_STALE);
        assert_int_equal(count_kind(&s, RDR_ACT_NOTICE_DELAY), 0);
}

static void test_second_created_and_new_parcel(void **state) {
        sim_t s;
        char first[RDR_ID_LEN];
        (void)state;
        created(&s, "taobao");
        memcpy(first, s.p.shipment_id, sizeof(first));
        /* The same parcel created again (another event id): told once. */
        {
                rdr_shipment_t ev =
                    shipment(RDR_SHIP_CREATED, "taobao", "SF1001", T0 + HOUR);
                event(&s, &ev, T0 + HOUR);
                assert_int_equal(s.log_cnt, 1);
        }
        /* A new tracking number on the order: a new parcel, told again. */
        {
                rdr_shipment_t ev =
                    shipment(RDR_SHIP_CREATED, "taobao", "SF2002", T0 + DAY);
                event(&s, &ev, T0 + DAY);
                assert_int_equal(s.log_cnt, 2);
                assert_string_not_equal(s.p.shipment_id, first);
                assert_non_null(strstr(s.log[1].action_id, ":shipped:1"));
                assert_string_equal(s.p.tracking_number, "SF2002");
                assert_int_equal(s.armed, T0 + 5 * DAY);
        }
}

/* The order's review told the buyer's language and zone: the delay notice
 * speaks it, in the buyer's daytime; staff texts stay in staff_language. */
static void test_notices_in_the_buyers_language_and_daytime(void **state) {
        sim_t s;
        rdr_shipment_t ev =
            shipment(RDR_SHIP_CREATED, "aliexpress", "LP9", T0 - 5 * HOUR);
        (void)state;
        memset(&s, 0, sizeof(s));
        event(&s, &ev, T0);
        assert_string_equal(s.log[0].language, "en");
        /* The review came: the reviews worker wrote these beside. */
        rdr_str_copy(s.p.buyer_language, sizeof(s.p.buyer_language), "es");
        rdr_str_copy(s.p.buyer_zone, sizeof(s.p.buyer_zone), "Europe/Madrid");
        /* The check: 4 days after 05:00 UTC, 06:00 in Madrid, before its
         * daytime: it asks again at 09:00 in Madrid (UTC+1 in March),
         * 08:00 UTC. */
        assert_int_equal(s.p.check_at_ms, T0 + 4 * DAY - 5 * HOUR);
        assert_int_equal(fire(&s, s.p.check_at_ms, s.p.check_at_ms),
                         RDR_PARCEL_APPLIED);
        assert_int_equal(s.log_cnt, 1);
        assert_int_equal(s.armed, T0 + 4 * DAY - 2 * HOUR);
        assert_int_equal(fire(&s, s.p.check_at_ms, s.p.check_at_ms),
                         RDR_PARCEL_APPLIED);
        assert_int_equal(s.log[1].kind, RDR_ACT_NOTICE_DELAY);
        assert_string_equal(s.log[1].language, "es");
        assert_string_equal(s.log[1].template_id,
                            "es/notice.logistics_delay/default");
        /* 09:00 in Madrid (UTC+1 in March): 08:00 UTC. */
        assert_int_equal(s.log[1].due_at_ms, T0 + 4 * DAY - 2 * HOUR);
        /* A review before the parcel: its first notice speaks Spanish. */
        {
                sim_t s2;
                rdr_shipment_t c2 =
                    shipment(RDR_SHIP_CREATED, "aliexpress", "LP10", T0);
                memset(&s2, 0, sizeof(s2));
                rdr_str_copy(s2.p.buyer_language, sizeof(s2.p.buyer_language),
                             "es");
                rdr_str_copy(s2.p.buyer_zone, sizeof(s2.p.buyer_zone),
                             "Europe/Madrid");
                event(&s2, &c2, T0);
                assert_int_equal(s2.log_cnt, 1);
                assert_string_equal(s2.log[0].language, "es");
                assert_int_equal(s2.log[0].due_at_ms, T0);
        }
        /* A chat that could not tell the language says "und": unknown. */
        {
                static hash_t h;
                rdr_parcel_t p;
                h.n = 1;
                snprintf(h.f[0], sizeof(h.f[0]), "buyer_language");
                snprintf(h.v[0], sizeof(h.v[0]), "und");
                rdr_parcel_load(&p, "", hash_get, &h);
                assert_string_equal(p.buyer_language, "");
        }
}

/* A buyer the fleet has not met: the parcel's destination's zone and
 * language (the shipped playbook's destinations: ES is es in
 * Europe/Madrid); one the fleet knows keeps theirs. */
static void test_destination_speaks_for_an_unmet_buyer(void **state) {
        rdr_cadence_conf_t shipped = conf;
        rdr_shipment_t ev =
            shipment(RDR_SHIP_CREATED, "aliexpress", "LP11", T0 - 5 * HOUR);
        rdr_parcel_t p;
        rdr_parcel_out_t out;
        (void)state;
        shipped.playbook = pb_shipped;
        memcpy(ev.destination_country, "ES", 3);
        memset(&p, 0, sizeof(p));
        /* 05:00 UTC is 06:00 in Madrid: the notice waits for 09:00 there
         * (08:00 UTC in March), in Spanish. */
        assert_int_equal(
            rdr_parcel_decide(&shipped, &p, &ev, 0, T0 - 5 * HOUR, &p, &out),
            RDR_OK);
        assert_int_equal(out.notices_cnt, 1);
        assert_string_equal(out.notices[0].language, "es");
        assert_string_equal(out.notices[0].template_id,
                            "es/notice.shipped/default");
        assert_int_equal(out.notices[0].due_at_ms, T0 - 2 * HOUR);
        /* The buyer's own language wins over the destination's. */
        memset(&p, 0, sizeof(p));
        rdr_str_copy(p.buyer_language, sizeof(p.buyer_language), "en");
        ev.tracking_number = "LP12";
        assert_int_equal(
            rdr_parcel_decide(&shipped, &p, &ev, 0, T0 - 5 * HOUR, &p, &out),
            RDR_OK);
        assert_string_equal(out.notices[0].language, "en");
        assert_int_equal(out.notices[0].due_at_ms, T0 - 2 * HOUR);
}

/* A backlog read late: the record is kept, the buyer hears only what is
 * true now. */
static void test_old_events_tell_only_the_present(void **state) {
        sim_t s;
        int64_t now = T0 + 10 * DAY;
        (void)state;
        memset(&s, 0, sizeof(s));
        {
                rdr_shipment_t ev =
                    shipment(RDR_SHIP_CREATED, "taobao", "OLD1", T0);
                rdr_shipment_t ex =
                    shipment(RDR_SHIP_EXCEPTION, "taobao", "OLD1", T0 + DAY);
                ex.exception = RDR_EXC_CUSTOMS;
                event(&s, &ev, now);
                assert_int_equal(s.log_cnt, 0);
                assert_int_equal(s.p.expected_max_ms,
                                 T0 + 6 * DAY - 10 * HOUR - 1);
                /* Late already: the check is due at once. */
                assert_int_equal(s.armed, now);
                event(&s, &ex, now);
                assert_int_equal(s.log_cnt, 0);
                assert_int_equal(s.p.exceptions, 1);
        }
        {
                rdr_shipment_t sc =
                    shipment(RDR_SHIP_SCAN, "taobao", "OLD1", T0 + 2 * DAY);
                event(&s, &sc, now);
                assert_int_equal(s.armed, now);
        }
        assert_int_equal(fire(&s, now, now), RDR_PARCEL_APPLIED);
        assert_int_equal(s.log_cnt, 1);
        assert_int_equal(s.log[0].kind, RDR_ACT_NOTICE_DELAY);
        /* The end of the new estimate's day, 2026-03-15. */
        assert_int_equal(s.armed, now + 3 * DAY + 14 * HOUR - 1);
}

static void test_unknown_platform_is_invalid(void **state) {
        rdr_parcel_t p, nx;
        rdr_parcel_out_t out;
        rdr_shipment_t ev = shipment(RDR_SHIP_CREATED, "nowhere", "X", T0);
        (void)state;
        memset(&p, 0, sizeof(p));
        assert_int_equal(rdr_parcel_decide(&conf, &p, &ev, 0, T0, &nx, &out),
                         RDR_ERR_INVALID);
        assert_non_null(strstr(out.errstr, "nowhere"));
}

static void test_timer_member(void **state) {
        char m[256];
        int64_t at;
        const char *key;
        (void)state;
        assert_true(rdr_parcel_timer(m, sizeof(m), T0,
                                     "redress:{o:taobao:s1:o-77}") > 0);
        assert_string_equal(m,
                            "parcel:1772445600000:redress:{o:taobao:s1:o-77}");
        assert_int_equal(rdr_parcel_timer_parse(m, &at, &key), 0);
        assert_int_equal(at, T0);
        assert_string_equal(key, "redress:{o:taobao:s1:o-77}");
        assert_int_equal(rdr_parcel_timer_parse("parcel:12:", &at, &key), -1);
        assert_int_equal(rdr_parcel_timer_parse("parcel:x:k", &at, &key), -1);
        assert_int_equal(
            rdr_parcel_timer_parse("cs_1:first_contact:1:2", &at, &key), -1);
        assert_int_equal(rdr_parcel_timer(m, 10, T0, "redress:{o:a:b:c}"), -1);
        /* The pause of a late parcel's case. */
        assert_true(rdr_parcel_pause_timer(m, sizeof(m), T0, "cs_0a1b") > 0);
        assert_string_equal(m, "parcel-pause:1772445600000:cs_0a1b");
        at = 0;
        assert_int_equal(rdr_parcel_pause_timer_parse(m, &at, &key), 0);
        assert_string_equal(key, "cs_0a1b");
        assert_int_equal(at, T0);
        assert_int_equal(rdr_parcel_timer_parse(m, &at, &key), -1);
        assert_int_equal(
            rdr_parcel_pause_timer_parse(
                "parcel:1772445600000:redress:{o:a:b:c}", &at, &key),
            -1);
}

/* A parcel's ref and its check's timer member split back into the
 * order's key and the parcel's prefix whatever the ids hold: ':' and '%'
 * escaped in the order's key, ':' plain in a tracking number, '}' that
 * would end the key's hash tag. */
static void test_refs_of_ids_with_colons(void **state) {
        static const char *const tracking[] = {NULL, "SF:8", "7:SF:8:", "a%3A}",
                                               "redress:{o:x}"};
        char order[256], ref[RDR_PARCEL_REF_MAX], m[RDR_PARCEL_REF_MAX + 64];
        char prefix[RDR_PARCEL_PREFIX_MAX], want[RDR_PARCEL_PREFIX_MAX];
        const char *ok, *key;
        int64_t at;
        size_t i;
        (void)state;
        assert_true(rdr_key_order(order, sizeof(order), "taobao", "aud:x",
                                  "1}:%", NULL) > 0);
        assert_string_equal(order, "redress:{o:taobao:aud%3Ax:1%7D%3A%25}");
        for (i = 0; i < sizeof(tracking) / sizeof(tracking[0]); i++) {
                assert_true(
                    rdr_parcel_ref(ref, sizeof(ref), order, tracking[i]) > 0);
                assert_true(rdr_parcel_timer(m, sizeof(m), T0, ref) > 0);
                assert_int_equal(rdr_parcel_timer_parse(m, &at, &key), 0);
                assert_int_equal(at, T0);
                assert_string_equal(key, ref);
                assert_int_equal(rdr_parcel_ref_split(key, &ok, prefix), 0);
                assert_string_equal(ok, order);
                rdr_parcel_prefix(want, tracking[i]);
                assert_string_equal(prefix, want);
        }
}

/* Write p's fields under prefix into h, as HSET would. */
static void hash_put(hash_t *h, const rdr_parcel_t *p, const char *prefix) {
        static rdr_parcel_fv_t fv;
        size_t i;
        rdr_parcel_fields(p, prefix, &fv);
        assert_int_equal(fv.cnt, 2 * RDR_PARCEL_FIELDS);
        for (i = 0; i < fv.cnt; i += 2, h->n++) {
                assert_true(h->n < 2 * RDR_PARCEL_FIELDS + 2);
                assert_true(strlen(fv.fv[i]) < sizeof(h->f[0]));
                snprintf(h->f[h->n], sizeof(h->f[0]), "%s", fv.fv[i]);
                snprintf(h->v[h->n], sizeof(h->v[0]), "%s", fv.fv[i + 1]);
        }
}

/* A split shipment: the order's second tracking number is a parcel of
 * its own beside the first, in the same hash under its prefix; its ref
 * (and the timer member carrying it) names the order and the parcel. */
static void test_split_shipment_records(void **state) {
        static const char *order = "redress:{o:taobao:s1:o-77}";
        static hash_t h;
        char ref[RDR_PARCEL_REF_MAX], prefix[RDR_PARCEL_PREFIX_MAX];
        char m[RDR_PARCEL_REF_MAX + 64];
        const char *ok, *key;
        rdr_parcel_t a, b, back;
        int64_t at;
        (void)state;
        /* Refs. */
        assert_int_equal(rdr_parcel_ref(ref, sizeof(ref), order, NULL),
                         (int)strlen(order));
        assert_string_equal(ref, order);
        assert_int_equal(rdr_parcel_ref_split(ref, &ok, prefix), 0);
        assert_string_equal(ok, order);
        assert_string_equal(prefix, "");
        assert_true(rdr_parcel_ref(ref, sizeof(ref), order, "SF:8") > 0);
        assert_string_equal(ref, "4:SF:8:redress:{o:taobao:s1:o-77}");
        assert_int_equal(rdr_parcel_ref_split(ref, &ok, prefix), 0);
        assert_string_equal(ok, order);
        assert_string_equal(prefix, "parcel:SF:8:");
        assert_int_equal(rdr_parcel_ref(ref, 10, order, "SF8"), -1);
        assert_int_equal(rdr_parcel_ref_split("", &ok, prefix), -1);
        assert_int_equal(rdr_parcel_ref_split("5:SF8:x", &ok, prefix), -1);
        assert_int_equal(rdr_parcel_ref_split("3:SF8:", &ok, prefix), -1);
        assert_int_equal(rdr_parcel_ref_split("0::x", &ok, prefix), -1);
        assert_int_equal(rdr_parcel_ref_split("3:SF8;x", &ok, prefix), -1);
        /* The check's timer carries the ref whole. */
        rdr_parcel_ref(ref, sizeof(ref), order, "SF:8");
        assert_true(rdr_parcel_timer(m, sizeof(m), T0, ref) > 0);
        assert_string_equal(
            m, "parcel:1772445600000:4:SF:8:redress:{o:taobao:s1:o-77}");
        assert_int_equal(rdr_parcel_timer_parse(m, &at, &key), 0);
        assert_string_equal(key, ref);

        /* Two parcels in one hash, each read back whole. */
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        rdr_parcel_shipment_id(a.shipment_id, "taobao", "s1", "o-77", "SF7");
        rdr_parcel_shipment_id(b.shipment_id, "taobao", "s1", "o-77", "SF:8");
        strcpy(a.tracking_number, "SF7");
        strcpy(b.tracking_number, "SF:8");
        a.has_status = b.has_status = 1;
        a.status = RDR_SHIP_DELIVERED;
        a.delivered_at_ms = T0;
        b.status = RDR_SHIP_EXCEPTION;
        b.exception = RDR_EXC_LOST;
        b.last_scan_at_ms = T0 + 1;
        a.version = 3;
        b.version = 1;
        h.n = 0;
        hash_put(&h, &a, "");
        hash_put(&h, &b, "parcel:SF:8:");
        snprintf(h.f[h.n], sizeof(h.f[0]), "buyer_language");
        snprintf(h.v[h.n++], sizeof(h.v[0]), "fr");
        rdr_parcel_load(&back, "", hash_get, &h);
        assert_string_equal(back.tracking_number, "SF7");
        assert_int_equal(back.status, RDR_SHIP_DELIVERED);
        assert_int_equal(back.exception, RDR_EXC_NONE);
        assert_int_equal(back.version, 3);
        assert_string_equal(back.buyer_language, "fr");
        rdr_parcel_load(&back, "parcel:SF:8:", hash_get, &h);
        assert_string_equal(back.shipment_id, b.shipment_id);
        assert_string_equal(back.tracking_number, "SF:8");
        assert_int_equal(back.status, RDR_SHIP_EXCEPTION);
        assert_int_equal(back.exception, RDR_EXC_LOST);
        assert_int_equal(back.last_scan_at_ms, T0 + 1);
        assert_int_equal(back.version, 1);
        /* The order's language is the further parcel's too. */
        assert_string_equal(back.buyer_language, "fr");

        /* Which fields name a further parcel. */
        assert_true(
            rdr_parcel_further("parcel:SF:8:tracking_number", 27, "SF:8", 4));
        assert_false(
            rdr_parcel_further("parcel:SF:8:tracking_number", 27, "SF:9", 4));
        assert_false(rdr_parcel_further("parcel:SF:8:carrier", 19, "SF:8", 4));
        assert_false(rdr_parcel_further("tracking_number", 15, "SF7", 3));

        /* What holds the order's outreach: the lost parcel, not the
         * delivered one; a late one; not one on time or unknown. */
        assert_false(rdr_parcel_holds(&a, T0));
        assert_true(rdr_parcel_holds(&b, T0));
        b.exception = RDR_EXC_NONE;
        b.status = RDR_SHIP_SCAN;
        b.expected_max_ms = T0 + DAY;
        assert_false(rdr_parcel_holds(&b, T0));
        assert_true(rdr_parcel_holds(&b, T0 + 2 * DAY));
        b.delivered_at_ms = T0 + 3 * DAY;
        assert_false(rdr_parcel_holds(&b, T0 + 4 * DAY));
        memset(&b, 0, sizeof(b));
        assert_false(rdr_parcel_holds(&b, T0));
}

/* An HGETALL reply of the first cnt strings of kv (field, value, ...),
 * for the record readers. */
typedef struct fake_hash_s {
        redisReply h, e[2 * (RDR_ORDER_CASES_MAX + 8)];
        redisReply *el[2 * (RDR_ORDER_CASES_MAX + 8)];
} fake_hash_t;

static const redisReply *fake_hash(fake_hash_t *f, const char *const *kv,
                                   size_t cnt) {
        size_t i;
        assert_true(cnt <= sizeof(f->e) / sizeof(*f->e));
        memset(f, 0, sizeof(*f));
        f->h.type = REDIS_REPLY_ARRAY;
        f->h.element = f->el;
        f->h.elements = cnt;
        for (i = 0; i < cnt; i++) {
                f->el[i] = &f->e[i];
                f->e[i].type = REDIS_REPLY_STRING;
                f->e[i].str = (char *)kv[i];
                f->e[i].len = strlen(kv[i]);
        }
        return &f->h;
}

/* The cases an order's record names (casework.h RDR_ORDER_CASE): the
 * latest first, each once, other fields and ids too long left out, at
 * most RDR_ORDER_CASES_MAX; a record written before the list, its latest
 * alone; none without a case. */
static void test_order_cases(void **state) {
        enum { N = 2 * (RDR_ORDER_CASES_MAX + 8) };
        static char names[N / 2][RDR_CASE_ID_MAX + 16];
        static char long_id[RDR_CASE_ID_MAX + 8];
        static fake_hash_t fh;
        const char *ids[RDR_ORDER_CASES_MAX];
        const char *kv[N];
        size_t i, n = 0;
        (void)state;
        memset(long_id, 'x', sizeof(long_id) - 1);
        kv[n++] = "parcel_version";
        kv[n++] = "3";
        kv[n++] = "case_id";
        kv[n++] = "cs_b";
        kv[n++] = "review_messages:cs_a";
        kv[n++] = "2";
        kv[n++] = "case:cs_a";
        kv[n++] = "1";
        kv[n++] = "case:cs_b";
        kv[n++] = "1";
        snprintf(names[0], sizeof(names[0]), "case:%s", long_id);
        kv[n++] = names[0];
        kv[n++] = "1";
        fake_hash(&fh, kv, n);
        assert_int_equal(rdr_order_cases(&fh.h, ids), 2);
        assert_string_equal(ids[0], "cs_b");
        assert_string_equal(ids[1], "cs_a");
        /* Before the list: the latest alone. */
        fake_hash(&fh, kv, 6);
        assert_int_equal(rdr_order_cases(&fh.h, ids), 1);
        assert_string_equal(ids[0], "cs_b");
        /* No case. */
        fake_hash(&fh, kv, 2);
        assert_int_equal(rdr_order_cases(&fh.h, ids), 0);
        assert_int_equal(rdr_order_cases(NULL, ids), 0);
        /* More than the limit. */
        for (i = 0, n = 0; i < RDR_ORDER_CASES_MAX + 4; i++) {
                snprintf(names[i], sizeof(names[i]), "case:cs_%zu", i);
                kv[n++] = names[i];
                kv[n++] = "1";
        }
        fake_hash(&fh, kv, n);
        assert_int_equal(rdr_order_cases(&fh.h, ids), RDR_ORDER_CASES_MAX);
        assert_string_equal(ids[RDR_ORDER_CASES_MAX - 1], "cs_15");
}

/* The buyer's cases in a store (casework.h RDR_BUYER_CASE): the latest
 * there first, then the listed ones newest first, each once, other
 * stores' left out (store "s" is not a prefix of store "s:x"), at most
 * RDR_ORDER_CASES_MAX (the oldest dropped); a record written before the
 * list, the latest alone (in any store, for earlier records). */
static void test_buyer_store_cases(void **state) {
        enum { N = 2 * (RDR_ORDER_CASES_MAX + 8) };
        static char names[N / 2][RDR_CASE_ID_MAX + 32], at[N / 2][24];
        static fake_hash_t fh;
        const char *ids[RDR_ORDER_CASES_MAX], *fields[RDR_ORDER_CASES_MAX];
        const char *kv[N];
        char f[96];
        size_t i, n = 0;
        (void)state;
        assert_int_equal(rdr_buyer_case_field(f, sizeof(f), "s", "cs_a"),
                         (int)strlen("case:s:cs_a"));
        assert_string_equal(f, "case:s:cs_a");
        assert_int_equal(rdr_buyer_case_field(f, 8, "s", "cs_a"), -1);
        kv[n++] = "case_id";
        kv[n++] = "cs_z";
        kv[n++] = "case_id:s";
        kv[n++] = "cs_b";
        kv[n++] = "case:s:cs_a";
        kv[n++] = "100";
        kv[n++] = "case:s:x:cs_other";
        kv[n++] = "500";
        kv[n++] = "case:s:cs_c";
        kv[n++] = "300";
        kv[n++] = "case:s:cs_b";
        kv[n++] = "200";
        kv[n++] = "case:t:cs_t";
        kv[n++] = "900";
        fake_hash(&fh, kv, n);
        assert_int_equal(rdr_buyer_store_cases(&fh.h, "s", ids, fields), 3);
        assert_string_equal(ids[0], "cs_b");
        assert_string_equal(fields[0], "case:s:cs_b");
        assert_string_equal(ids[1], "cs_c");
        assert_string_equal(ids[2], "cs_a");
        assert_int_equal(rdr_buyer_store_cases(&fh.h, "s:x", ids, fields), 2);
        assert_string_equal(ids[0], "cs_z");
        assert_null(fields[0]);
        assert_string_equal(ids[1], "cs_other");
        /* Before the list: the latest alone. */
        fake_hash(&fh, kv, 4);
        assert_int_equal(rdr_buyer_store_cases(&fh.h, "s", ids, fields), 1);
        assert_string_equal(ids[0], "cs_b");
        assert_null(fields[0]);
        assert_int_equal(rdr_buyer_store_cases(NULL, "s", ids, fields), 0);
        /* More than the limit: the newest kept. */
        for (i = 0, n = 0; i < RDR_ORDER_CASES_MAX + 4; i++) {
                snprintf(names[i], sizeof(names[i]), "case:s:cs_%zu", i);
                snprintf(at[i], sizeof(at[i]), "%zu", 1000 + (i * 7) % 20);
                kv[n++] = names[i];
                kv[n++] = at[i];
        }
        fake_hash(&fh, kv, n);
        assert_int_equal(rdr_buyer_store_cases(&fh.h, "s", ids, fields),
                         RDR_ORDER_CASES_MAX);
        /* Listed at 1000 + (i * 7) % 20: the four oldest (cs_0, cs_3,
         * cs_6, cs_9 at 1000-1003) dropped, the rest by time. */
        assert_string_equal(ids[0], "cs_17");                       /* 1019 */
        assert_string_equal(ids[1], "cs_14");                       /* 1018 */
        assert_string_equal(ids[RDR_ORDER_CASES_MAX - 1], "cs_12"); /* 1004 */
        for (i = 0; i < RDR_ORDER_CASES_MAX; i++) {
                assert_string_not_equal(ids[i], "cs_0");
                assert_string_not_equal(ids[i], "cs_3");
                assert_string_not_equal(ids[i], "cs_6");
                assert_string_not_equal(ids[i], "cs_9");
                assert_string_equal(fields[i] + strlen("case:s:"), ids[i]);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_shipped_notice_with_the_window),
            cmocka_unit_test(test_shipped_notice_without_an_estimate),
            cmocka_unit_test(test_long_ids_kept_whole),
            cmocka_unit_test(test_promise_is_the_estimate),
            cmocka_unit_test(test_notice_waits_for_daytime),
            cmocka_unit_test(test_stalled_parcel_one_delay_notice_per_period),
            cmocka_unit_test(test_delay_notices_end_with_a_person),
            cmocka_unit_test(test_stalled_parcel_on_time_all_the_day_told),
            cmocka_unit_test(test_scans_keep_a_parcel_on_time),
            cmocka_unit_test(test_exception_notice_and_staff),
            cmocka_unit_test(test_events_in_the_order_they_happened),
            cmocka_unit_test(test_loss_read_late_goes_to_a_person),
            cmocka_unit_test(test_parcel_held_at_customs_is_checked),
            cmocka_unit_test(test_promise_on_a_scan),
            cmocka_unit_test(test_delivered_before_morning_hears_no_delay),
            cmocka_unit_test(test_second_created_and_new_parcel),
            cmocka_unit_test(test_notices_in_the_buyers_language_and_daytime),
            cmocka_unit_test(test_destination_speaks_for_an_unmet_buyer),
            cmocka_unit_test(test_old_events_tell_only_the_present),
            cmocka_unit_test(test_unknown_platform_is_invalid),
            cmocka_unit_test(test_timer_member),
            cmocka_unit_test(test_split_shipment_records),
            cmocka_unit_test(test_refs_of_ids_with_colons),
            cmocka_unit_test(test_order_cases),
            cmocka_unit_test(test_buyer_store_cases),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}

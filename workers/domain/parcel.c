/* See parcel.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "localtime.h"
#include "parcel.h"
#include "policy.h"
#include "str.h"
#include "template.h"

/* The templates of staff.review for a lost or damaged parcel, and for one
 * late beyond max_delay_notices. */
#define STAFF_KEY "parcel_exception"
#define STAFF_LATE_KEY "parcel_exception_late"
#define STAFF_OVERDUE_KEY "parcel_overdue"
#define DAY_MS (24LL * 60 * 60 * 1000)

typedef struct ptx_s {
        const rdr_cadence_conf_t *conf;
        const rdr_store_conf_t *sc;
        const rdr_policy_t *pol;
        const char *zone; /* where the buyer's daytime is measured */
        const char *lang; /* the buyer's notices' language */
        int64_t now;
        /* A check that came due at night: asked again then, 0: none. */
        int64_t defer_to;
        rdr_parcel_t *p;
        rdr_parcel_out_t *out;
        rdr_err_t err;
} ptx_t;

static void fail(ptx_t *tx, rdr_err_t err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void fail(ptx_t *tx, rdr_err_t err, const char *fmt, ...) {
        va_list ap;
        if (tx->err)
                return;
        tx->err = err;
        va_start(ap, fmt);
        vsnprintf(tx->out->errstr, sizeof(tx->out->errstr), fmt, ap);
        va_end(ap);
}

void rdr_parcel_shipment_id(char out[RDR_ID_LEN], const char *platform,
                            const char *store_id, const char *order_id,
                            const char *tracking_number) {
        rdr_derive_id(out, "sh_",
                      (const char *const[]){platform, store_id, order_id,
                                            tracking_number, NULL});
}

int rdr_parcel_is_late(int64_t promised_by_ms, int64_t expected_max_ms,
                       int64_t delay_notice_at_ms, int64_t at_ms) {
        int64_t by = expected_max_ms ? expected_max_ms : promised_by_ms;
        return delay_notice_at_ms > 0 || (by && at_ms > by);
}

int rdr_parcel_delivered(const rdr_parcel_t *p) {
        return p->delivered_at_ms ||
               (p->has_status && p->status == RDR_SHIP_DELIVERED);
}

int rdr_parcel_holds(const rdr_parcel_t *p, int64_t at_ms) {
        if (!p->shipment_id[0] || rdr_parcel_delivered(p))
                return 0;
        return p->exception != RDR_EXC_NONE ||
               rdr_parcel_is_late(p->promised_by_ms, p->expected_max_ms,
                                  p->delay_notice_at_ms, at_ms);
}

/* Whether p's journey ended without delivery: lost, damaged or on its
 * way back (a person was asked to look, or the buyer knows). A parcel
 * held at customs or for its address may still move: it is checked. */
static int journey_ended(const rdr_parcel_t *p) {
        return p->has_status && p->status == RDR_SHIP_EXCEPTION &&
               (p->exception == RDR_EXC_LOST ||
                p->exception == RDR_EXC_DAMAGED ||
                p->exception == RDR_EXC_RETURNED);
}

/* Whether a delay notice told the buyer a new estimate: the parcel is
 * then on time until that estimate's last day has ended in the buyer's
 * zone, scanned or not; only passing it makes the parcel late again. */
static int estimate_told(const rdr_parcel_t *p) {
        return p->delay_notices > 0 && p->expected_max_ms;
}

/* The next check of p: when it could next be late, or 0 (delivered, its
 * journey ended, or nothing to measure against). */
static int64_t next_check(const rdr_store_conf_t *sc, const rdr_parcel_t *p) {
        int64_t t;
        if (!p->shipment_id[0] || !p->last_scan_at_ms || p->overdue ||
            rdr_parcel_delivered(p) || journey_ended(p))
                return 0;
        t = p->last_scan_at_ms + sc->stall_after_ms;
        if (p->expected_max_ms && (p->expected_max_ms < t || estimate_told(p)))
                t = p->expected_max_ms;
        if (p->delay_notice_at_ms &&
            t < p->delay_notice_at_ms + sc->delay_notice_every_ms)
                t = p->delay_notice_at_ms + sc->delay_notice_every_ms;
        return t;
}

/* "2026-12-08" in the buyer's zone. */
static void local_date(ptx_t *tx, int64_t t, char *buf, size_t size) {
        rdr_localtm_t tm;
        if (rdr_localtime_fields(tx->zone, t, &tm) != RDR_OK) {
                fail(tx, RDR_ERR_INVALID, "unknown time zone '%s'", tx->zone);
                buf[0] = '\0';
                return;
        }
        snprintf(buf, size, "%04d-%02d-%02d", tm.year, tm.month, tm.day);
}

/* The last instant of t's date in the buyer's zone: a parcel the buyer
 * expects by "2026-03-07" is late once that day is over there. */
static int64_t end_of_day(ptx_t *tx, int64_t t) {
        rdr_localtm_t tm;
        int64_t start, next;
        if (rdr_localtime_fields(tx->zone, t, &tm) != RDR_OK ||
            rdr_localtime_make(tx->zone, tm.year, tm.month, tm.day, 0, 0,
                               &start) != RDR_OK ||
            rdr_localtime_add(tx->zone, start, DAY_MS, &next) != RDR_OK) {
                fail(tx, RDR_ERR_INVALID, "unknown time zone '%s'", tx->zone);
                return t;
        }
        return next - 1;
}

/* The estimate as the buyer reads it: "2026-12-08 – 2026-12-23", or one
 * date when only the end is known (a promise, a new estimate). */
static void window_text(ptx_t *tx, char *buf, size_t size) {
        char a[32], b[32];
        const rdr_parcel_t *p = tx->p;
        local_date(tx, p->expected_max_ms, b, sizeof(b));
        if (p->expected_min_ms) {
                local_date(tx, p->expected_min_ms, a, sizeof(a));
                if (strcmp(a, b)) {
                        snprintf(buf, size, "%s \xe2\x80\x93 %s", a, b);
                        return;
                }
        }
        rdr_str_copy(buf, size, b);
}

/* The first moment at or after t the buyer may be contacted: the store's
 * daytime, outside the platform's quiet hours. */
static int64_t contact_at(ptx_t *tx, int64_t t) {
        rdr_window_t ws[2], quiet;
        size_t n = 1;
        int64_t r = t;
        ws[0] = tx->sc->daytime;
        if (rdr_policy_quiet_hours(tx->pol, &quiet))
                ws[n++] = rdr_window_invert(&quiet);
        if (rdr_localtime_next_in_windows(tx->zone, ws, n, t, &r) != RDR_OK)
                fail(tx, RDR_ERR_CONFIG,
                     "no contact time: daytime and the quiet hours of '%s' "
                     "never overlap, or the zone '%s' is unknown",
                     tx->p->platform, tx->zone);
        return r;
}

/* Render and append a notice "<shipment_id>:<step>:<n>" of kind. */
static void notice(ptx_t *tx, const char *step, int n, rdr_action_kind_t kind,
                   const char *key, const char *reason) {
        rdr_parcel_out_t *out = tx->out;
        const rdr_parcel_t *p = tx->p;
        rdr_parcel_notice_t *a;
        rdr_policy_step_t ps;
        rdr_policy_ctx_t ctx;
        rdr_policy_verdict_t v;
        rdr_template_vars_t vars;
        rdr_rendered_t info;
        char num[RDR_STR_INT_SIZE], window[80] = "";
        const char *lang =
            kind == RDR_ACT_STAFF_REVIEW ? tx->sc->staff_language : tx->lang;
        int64_t due =
            kind == RDR_ACT_STAFF_REVIEW ? tx->now : contact_at(tx, tx->now);
        rdr_err_t err;
        if (tx->err)
                return;
        if (out->notices_cnt == RDR_PARCEL_NOTICES_MAX) {
                fail(tx, RDR_ERR_INTERNAL, "%s", "too many notices");
                return;
        }
        memset(&ps, 0, sizeof(ps));
        memset(&ctx, 0, sizeof(ctx));
        ps.kind = kind;
        ctx.at_ms = due;
        ctx.zone = tx->zone;
        ctx.reply_channel = -1;
        err = rdr_policy_check(tx->pol, &ps, &ctx, &v);
        if (err == RDR_ERR_BLOCKED) {
                rdr_str_copy(out->blocked_rule, sizeof(out->blocked_rule),
                             v.rule ? v.rule : "");
                return;
        }
        if (err) {
                fail(tx, err, "policy check failed for %s",
                     rdr_action_kind_names[kind]);
                return;
        }
        if (p->expected_max_ms)
                window_text(tx, window, sizeof(window));
        memset(&vars, 0, sizeof(vars));
        vars.v[RDR_PH_ORDER_ID] = p->order_id;
        vars.v[RDR_PH_PLATFORM] = p->platform;
        vars.v[RDR_PH_CARRIER] = p->carrier;
        vars.v[RDR_PH_TRACKING_NUMBER] = p->tracking_number;
        vars.v[RDR_PH_DELIVERY_WINDOW] = window;
        vars.v[RDR_PH_REASON] = reason;
        vars.v[RDR_PH_STORE_NAME] = tx->sc->name[0] ? tx->sc->name : NULL;
        a = &out->notices[out->notices_cnt];
        memset(a, 0, offsetof(rdr_parcel_notice_t, message));
        err = rdr_template_render(tx->conf->templates, kind, key, lang, &vars,
                                  a->message, sizeof(a->message), &info);
        if (err) {
                char why[RDR_TEMPLATE_WHY_MAX];
                rdr_template_why(err, &info, why, sizeof(why));
                fail(tx, RDR_ERR_CONFIG,
                     "template %s/%s (%s) cannot render: %s",
                     rdr_action_kind_names[kind], key ? key : "default", lang,
                     why);
                return;
        }
        rdr_str_int(num, n);
        rdr_str_join(
            a->action_id, sizeof(a->action_id),
            (const char *const[]){p->shipment_id, ":", step, ":", num, NULL});
        a->kind = kind;
        a->channel = v.channel;
        memcpy(a->language, info.language, sizeof(a->language));
        memcpy(a->template_id, info.template_id, sizeof(a->template_id));
        a->due_at_ms = due;
        out->notices_cnt++;
}

/* A parcel the record does not know yet: it starts afresh (each tracking
 * number of the order has its own record, rdr_parcel_ref(); this only
 * fills in the first one's); the order's other fields are not ours. */
static void take_ids(rdr_parcel_t *p, const rdr_shipment_t *ev) {
        char sid[RDR_ID_LEN];
        rdr_parcel_shipment_id(sid, ev->platform, ev->store_id, ev->order_id,
                               ev->tracking_number);
        if (strcmp(sid, p->shipment_id)) {
                /* The buyer's language and zone are the order's (and the
                 * time zone in use points at them): they stay. */
                rdr_parcel_t fresh;
                memset(&fresh, 0, sizeof(fresh));
                memcpy(fresh.shipment_id, sid, sizeof(sid));
                memcpy(fresh.buyer_language, p->buyer_language,
                       sizeof(fresh.buyer_language));
                memcpy(fresh.buyer_zone, p->buyer_zone,
                       sizeof(fresh.buyer_zone));
                fresh.version = p->version;
                *p = fresh;
        }
        rdr_str_copy(p->platform, sizeof(p->platform), ev->platform);
        rdr_str_copy(p->store_id, sizeof(p->store_id), ev->store_id);
        rdr_str_copy(p->order_id, sizeof(p->order_id), ev->order_id);
        rdr_str_copy(p->buyer_id, sizeof(p->buyer_id), ev->buyer_id);
        rdr_str_copy(p->carrier, sizeof(p->carrier), ev->carrier);
        rdr_str_copy(p->tracking_number, sizeof(p->tracking_number),
                     ev->tracking_number);
}

/* Notices tell the present: an event handled stall_after or more after it
 * happened (a backlog, a topic read again from its start) updates the
 * record and says nothing; the check, armed at once, tells the buyer if
 * the parcel is late. */
static int fresh(const ptx_t *tx, const rdr_shipment_t *ev) {
        return tx->now - ev->occurred_at_ms < tx->sc->stall_after_ms;
}

/* The store's promise, as the estimate the buyer goes by: on any event
 * that carries it, until a delay notice gave a new one. */
static void take_promise(ptx_t *tx, const rdr_shipment_t *ev) {
        rdr_parcel_t *p = tx->p;
        if (!ev->promised_by_ms || ev->promised_by_ms == p->promised_by_ms)
                return;
        p->promised_by_ms = ev->promised_by_ms;
        if (p->shipped_at_ms && !p->delay_notices) {
                p->expected_min_ms = 0;
                p->expected_max_ms = end_of_day(tx, p->promised_by_ms);
        }
}

static void on_created(ptx_t *tx, const rdr_shipment_t *ev, int quiet) {
        rdr_parcel_t *p = tx->p;
        const rdr_delivery_window_t *w;
        if (p->shipped_at_ms)
                return; /* told already (another created of the parcel) */
        p->shipped_at_ms = ev->occurred_at_ms;
        if (ev->service_level)
                rdr_str_copy(p->service_level, sizeof(p->service_level),
                             ev->service_level);
        memcpy(p->destination, ev->destination_country, sizeof(p->destination));
        w = rdr_playbook_delivery_window(tx->conf->playbook, p->carrier,
                                         ev->service_level,
                                         ev->destination_country);
        if (p->promised_by_ms) {
                p->expected_min_ms = 0;
                p->expected_max_ms = end_of_day(tx, p->promised_by_ms);
        } else if (w) {
                p->expected_min_ms = p->shipped_at_ms + w->min_ms;
                p->expected_max_ms =
                    end_of_day(tx, p->shipped_at_ms + w->max_ms);
        }
        /* Not once the parcel was delivered or went astray (its created
         * read late). */
        if (!quiet && p->exception == RDR_EXC_NONE)
                notice(tx, "shipped", 1, RDR_ACT_NOTICE_SHIPPED, NULL, NULL);
}

static void on_exception(ptx_t *tx, const rdr_shipment_t *ev, int moved_on) {
        rdr_parcel_t *p = tx->p;
        int staff =
            ev->exception == RDR_EXC_LOST || ev->exception == RDR_EXC_DAMAGED;
        /* The carrier's report sent again under another event_id (a
         * resend, a second feed of the same tracking): the same exception
         * at the same time is the one the buyer and staff heard of. */
        if (p->exceptions && ev->exception == p->exception &&
            ev->occurred_at_ms == p->exception_at_ms)
                return;
        p->exception = ev->exception;
        p->exception_at_ms = ev->occurred_at_ms;
        p->exceptions++;
        /* Delivered, or scanned after it: the parcel moved on since. */
        if (moved_on)
                return;
        if (fresh(tx, ev))
                notice(tx, "exception", p->exceptions, RDR_ACT_NOTICE_EXCEPTION,
                       NULL, NULL);
        /* Read late (a backlog), too late to tell the buyer of it as
         * news, but not for a person to put right. */
        if (staff)
                notice(tx, "exception_staff", p->exceptions,
                       RDR_ACT_STAFF_REVIEW,
                       fresh(tx, ev) ? STAFF_KEY : STAFF_LATE_KEY,
                       rdr_exception_names[ev->exception]);
}

/* Events are applied in the order they happened, not the order they
 * arrive: one older than the latest the record knows (a scan reported
 * late, a created read after the delivery) updates the record but not the
 * parcel's status, and tells the buyer nothing the parcel has left
 * behind. */
static void on_event(ptx_t *tx, const rdr_shipment_t *ev) {
        rdr_parcel_t *p = tx->p;
        int older, was_delivered;
        take_ids(p, ev);
        older = ev->occurred_at_ms < p->last_scan_at_ms;
        was_delivered = rdr_parcel_delivered(p);
        if (ev->occurred_at_ms > p->last_scan_at_ms)
                p->last_scan_at_ms = ev->occurred_at_ms;
        /* Nothing moves a delivered parcel back. */
        if (ev->type == RDR_SHIP_DELIVERED || (!was_delivered && !older)) {
                p->has_status = 1;
                p->status = ev->type;
        }
        take_promise(tx, ev);
        switch (ev->type) {
        case RDR_SHIP_CREATED:
                on_created(tx, ev, was_delivered || !fresh(tx, ev));
                break;
        case RDR_SHIP_SCAN:
                break;
        case RDR_SHIP_EXCEPTION:
                on_exception(tx, ev, was_delivered || older);
                break;
        case RDR_SHIP_DELIVERED:
                p->delivered_at_ms = ev->occurred_at_ms;
                break;
        default:
                fail(tx, RDR_ERR_INVALID, "shipment type %d", (int)ev->type);
        }
}

/* The check came due: is the parcel late, and may the buyer hear so? At
 * night it asks again when the buyer may be contacted: a parcel
 * delivered meanwhile is not late. */
static void on_check(ptx_t *tx) {
        rdr_parcel_t *p = tx->p;
        const rdr_store_conf_t *sc = tx->sc;
        int stalled = !estimate_told(p) &&
                      tx->now >= p->last_scan_at_ms + sc->stall_after_ms;
        int overdue = p->expected_max_ms && tx->now >= p->expected_max_ms;
        int64_t at;
        if (!stalled && !overdue)
                return;
        tx->out->late = 1;
        if (p->delay_notice_at_ms &&
            tx->now < p->delay_notice_at_ms + sc->delay_notice_every_ms)
                return;
        if (p->delay_notices >= sc->max_delay_notices) {
                /* The buyer heard enough apologies: a person takes it
                 * from here (the carrier, a replacement, a refund). */
                p->overdue = 1;
                p->delay_notice_at_ms = tx->now;
                notice(tx, "overdue_staff", 1, RDR_ACT_STAFF_REVIEW,
                       STAFF_OVERDUE_KEY, NULL);
                return;
        }
        at = contact_at(tx, tx->now);
        if (at > tx->now) {
                tx->defer_to = at;
                return;
        }
        /* The new estimate: no earlier than the old one, and far enough
         * that the buyer hears again only if it slips past it too. */
        p->expected_min_ms = 0;
        if (p->expected_max_ms < tx->now + sc->delay_notice_every_ms)
                p->expected_max_ms =
                    end_of_day(tx, tx->now + sc->delay_notice_every_ms);
        p->delay_notice_at_ms = tx->now;
        p->delay_notices++;
        notice(tx, "logistics_delay", p->delay_notices, RDR_ACT_NOTICE_DELAY,
               NULL, NULL);
}

void rdr_parcel_out_reset(rdr_parcel_out_t *out) {
        /* Not the notices' messages: only the first notices_cnt count. */
        memset(out, 0, offsetof(rdr_parcel_out_t, notices));
        out->notices_cnt = 0;
        out->arm_at_ms = 0;
        out->late = 0;
        out->blocked_rule[0] = out->errstr[0] = '\0';
}

const char *rdr_parcel_buyer_zone(const rdr_playbook_t *pb,
                                  const rdr_parcel_t *p,
                                  const rdr_shipment_t *ev,
                                  const rdr_destination_t **dest) {
        *dest = rdr_playbook_destination(pb, ev && ev->destination_country[0]
                                                 ? ev->destination_country
                                                 : p->destination);
        if (p->buyer_zone[0])
                return p->buyer_zone;
        return *dest ? (*dest)->timezone : NULL;
}

rdr_err_t rdr_parcel_decide(const rdr_cadence_conf_t *conf,
                            const rdr_parcel_t *cur, const rdr_shipment_t *ev,
                            int64_t check_at_ms, int64_t now_ms,
                            rdr_parcel_t *next, rdr_parcel_out_t *out) {
        rdr_parcel_t p = *cur;
        const rdr_destination_t *dest;
        ptx_t tx;
        int64_t nc;
        rdr_parcel_out_reset(out);
        memset(&tx, 0, sizeof(tx));
        tx.conf = conf;
        tx.now = now_ms;
        tx.p = &p;
        tx.out = out;
        if (!ev && (!check_at_ms || check_at_ms != p.check_at_ms ||
                    !p.shipment_id[0])) {
                out->status = RDR_PARCEL_STALE;
                *next = *cur;
                return RDR_OK;
        }
        tx.pol =
            rdr_policy_set_get(conf->policies, ev ? ev->platform : p.platform);
        tx.sc =
            rdr_playbook_store(conf->playbook, ev ? ev->platform : p.platform,
                               ev ? ev->store_id : p.store_id);
        if (!tx.pol) {
                snprintf(out->errstr, sizeof(out->errstr),
                         "no policy for platform '%.100s' in "
                         "configs/platforms",
                         ev ? ev->platform : p.platform);
                *next = *cur;
                return RDR_ERR_INVALID;
        }
        /* The buyer's zone and language as the fleet learned them (the
         * order's review or chats, the buyer's earlier orders); else the
         * parcel's destination's (playbook destinations); else the
         * store's. */
        rdr_localtime_pick_zone(
            rdr_parcel_buyer_zone(conf->playbook, &p, ev, &dest),
            tx.sc->timezone, &tx.zone);
        tx.lang = p.buyer_language[0] ? p.buyer_language
                  : dest              ? dest->language
                                      : tx.sc->language;
        if (ev)
                on_event(&tx, ev);
        else
                on_check(&tx);
        nc = tx.defer_to ? tx.defer_to : next_check(tx.sc, &p);
        /* An event's check that is due already fires at once (a parcel
         * late before its events were handled). A check never re-arms
         * itself for now: it would find the same again. */
        if (nc && nc < now_ms && ev)
                nc = now_ms;
        else if (nc && nc <= now_ms && !ev)
                nc = now_ms + tx.sc->delay_notice_every_ms;
        if (nc != p.check_at_ms) {
                p.check_at_ms = nc;
                out->arm_at_ms = nc;
        }
        if (tx.err) {
                *next = *cur;
                return tx.err;
        }
        out->status = ev || out->notices_cnt || out->arm_at_ms != 0 ||
                              memcmp(&p, cur, sizeof(p))
                          ? RDR_PARCEL_APPLIED
                          : RDR_PARCEL_NOOP;
        *next = p;
        return RDR_OK;
}

/* ---- the record ------------------------------------------------------ */

typedef enum { F_STR, F_MS, F_INT, F_STATUS, F_EXC } ftype_t;

typedef struct field_s {
        const char *name;
        ftype_t type;
        size_t off, size;
} field_t;

#define FS(name, m)                                                            \
        {                                                                      \
                name, F_STR, offsetof(rdr_parcel_t, m),                        \
                    sizeof(((rdr_parcel_t *)0)->m)                             \
        }
#define FN(name, m, t)                                                         \
        { name, t, offsetof(rdr_parcel_t, m), 0 }

/* The names the shipments worker wrote before notices (carrier ...
 * delivered_at_ms) are kept: the reviews worker reads them as context. */
static const field_t fields[] = {
    FS("shipment_id", shipment_id),
    FS("platform", platform),
    FS("store_id", store_id),
    FS("order_id", order_id),
    FS("carrier", carrier),
    FS("tracking_number", tracking_number),
    FS("buyer_id", buyer_id),
    FS("service_level", service_level),
    FS("destination_country", destination),
    FN("parcel_status", status, F_STATUS),
    FN("exception", exception, F_EXC),
    FN("exception_at_ms", exception_at_ms, F_MS),
    FN("shipped_at_ms", shipped_at_ms, F_MS),
    FN("last_scan_at_ms", last_scan_at_ms, F_MS),
    FN("promised_by_ms", promised_by_ms, F_MS),
    FN("delivered_at_ms", delivered_at_ms, F_MS),
    FN("expected_min_ms", expected_min_ms, F_MS),
    FN("expected_max_ms", expected_max_ms, F_MS),
    FN("check_at_ms", check_at_ms, F_MS),
    FN("delay_notice_at_ms", delay_notice_at_ms, F_MS),
    FN("delay_notices", delay_notices, F_INT),
    FN("exceptions", exceptions, F_INT),
    FN("overdue", overdue, F_INT),
    FN("parcel_version", version, F_MS),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
_Static_assert(NFIELDS == RDR_PARCEL_FIELDS, "RDR_PARCEL_FIELDS");

void rdr_parcel_fields(const rdr_parcel_t *p, const char *prefix,
                       rdr_parcel_fv_t *fv) {
        size_t i;
        fv->cnt = 0;
        for (i = 0; i < NFIELDS; i++) {
                const field_t *f = &fields[i];
                const char *base = (const char *)p + f->off;
                char *num = fv->num[i];
                const char *v = num;
                switch (f->type) {
                case F_STR:
                        v = base;
                        break;
                case F_MS:
                        rdr_str_int(num, *(const int64_t *)(const void *)base);
                        break;
                case F_INT:
                        rdr_str_int(num, *(const int *)(const void *)base);
                        break;
                case F_STATUS:
                        v = p->has_status ? rdr_shipment_type_names[p->status]
                                          : "";
                        break;
                case F_EXC:
                        /* "" while there was none: readers test for it. */
                        v = p->exception == RDR_EXC_NONE
                                ? ""
                                : rdr_exception_names[p->exception];
                        break;
                }
                if (*prefix) {
                        rdr_str_join(
                            fv->names[i], sizeof(fv->names[i]),
                            (const char *const[]){prefix, f->name, NULL});
                        fv->fv[fv->cnt++] = fv->names[i];
                } else {
                        fv->fv[fv->cnt++] = f->name;
                }
                fv->fv[fv->cnt++] = v;
        }
}

void rdr_parcel_load(rdr_parcel_t *p, const char *prefix,
                     const char *(*get)(void *opaque, const char *field),
                     void *opaque) {
        char name[RDR_PARCEL_PREFIX_MAX + 32];
        const char *lang = get(opaque, "buyer_language"),
                   *zone = get(opaque, "buyer_zone");
        size_t i;
        memset(p, 0, sizeof(*p));
        /* Other workers' fields ("und": a language nobody detected). */
        if (rdr_lang_known(lang))
                rdr_str_copy(p->buyer_language, sizeof(p->buyer_language),
                             lang);
        if (zone)
                rdr_str_copy(p->buyer_zone, sizeof(p->buyer_zone), zone);
        for (i = 0; i < NFIELDS; i++) {
                const field_t *f = &fields[i];
                char *base = (char *)p + f->off;
                const char *v;
                int k;
                rdr_str_join(name, sizeof(name),
                             (const char *const[]){prefix, f->name, NULL});
                v = get(opaque, name);
                if (!v || !*v)
                        continue;
                switch (f->type) {
                case F_STR:
                        rdr_str_copy(base, f->size, v);
                        break;
                case F_MS:
                        *(int64_t *)(void *)base = strtoll(v, NULL, 10);
                        break;
                case F_INT:
                        *(int *)(void *)base = (int)strtol(v, NULL, 10);
                        break;
                case F_STATUS:
                        k = rdr_enum_parse(rdr_shipment_type_names,
                                           RDR_SHIP_TYPE__CNT, v, strlen(v));
                        if (k >= 0) {
                                p->has_status = 1;
                                p->status = (rdr_shipment_type_t)k;
                        }
                        break;
                case F_EXC:
                        k = rdr_enum_parse(rdr_exception_names, RDR_EXC__CNT, v,
                                           strlen(v));
                        if (k > 0)
                                p->exception = (rdr_exception_t)k;
                        break;
                }
        }
}

/* ---- an order's parcels ---------------------------------------------- */

#define FURTHER "parcel:"
#define TRACKING_FIELD ":tracking_number"

int rdr_parcel_ref(char *dst, size_t n, const char *order_key,
                   const char *tracking) {
        char len[RDR_STR_INT_SIZE];
        if (!tracking)
                return rdr_str_join_fit(dst, n,
                                        (const char *const[]){order_key, NULL});
        rdr_str_int(len, (int64_t)strlen(tracking));
        return rdr_str_join_fit(
            dst, n,
            (const char *const[]){len, ":", tracking, ":", order_key, NULL});
}

int rdr_parcel_ref_split(const char *ref, const char **order_key,
                         char prefix[RDR_PARCEL_PREFIX_MAX]) {
        char *end;
        unsigned long long len;
        prefix[0] = '\0';
        /* An order's key starts with a letter ("redress:{o:..."). */
        if (*ref < '0' || *ref > '9') {
                *order_key = ref;
                return *ref ? 0 : -1;
        }
        len = strtoull(ref, &end, 10);
        if (*end != ':' || len == 0 ||
            len + sizeof(FURTHER) + 1 > RDR_PARCEL_PREFIX_MAX ||
            strnlen(end + 1, len + 1) < len + 1 || end[1 + len] != ':' ||
            !end[2 + len])
                return -1;
        memcpy(prefix, FURTHER, sizeof(FURTHER) - 1);
        memcpy(prefix + sizeof(FURTHER) - 1, end + 1, len + 1);
        prefix[sizeof(FURTHER) + len] = '\0';
        *order_key = end + 2 + len;
        return 0;
}

void rdr_parcel_prefix(char prefix[RDR_PARCEL_PREFIX_MAX],
                       const char *tracking) {
        rdr_str_join(prefix, RDR_PARCEL_PREFIX_MAX,
                     (const char *const[]){tracking ? FURTHER : "",
                                           tracking ? tracking : "",
                                           tracking ? ":" : "", NULL});
}

int rdr_parcel_further(const char *field, size_t flen, const char *value,
                       size_t vlen) {
        size_t p = sizeof(FURTHER) - 1, t = sizeof(TRACKING_FIELD) - 1;
        return vlen > 0 && flen == p + vlen + t && !memcmp(field, FURTHER, p) &&
               !memcmp(field + p, value, vlen) &&
               !memcmp(field + p + vlen, TRACKING_FIELD, t);
}

/* ---- the check's timer ------------------------------------------------ */

#define TIMER_PREFIX "parcel:"
#define PAUSE_PREFIX "parcel-pause:"

/* "<prefix><at_ms>:<rest>" into dst: its length, or -1 if it does not fit. */
static int timer_join(char *dst, size_t n, const char *prefix, int64_t at_ms,
                      const char *rest) {
        char num[RDR_STR_INT_SIZE];
        rdr_str_int(num, at_ms);
        return rdr_str_join_fit(
            dst, n, (const char *const[]){prefix, num, ":", rest, NULL});
}

int rdr_parcel_timer(char *dst, size_t n, int64_t at_ms, const char *ref) {
        return timer_join(dst, n, TIMER_PREFIX, at_ms, ref);
}

/* "<prefix><at_ms>:<rest>": 0 with *at_ms and *rest, or -1. */
static int timer_split(const char *member, const char *prefix, size_t plen,
                       int64_t *at_ms, const char **rest) {
        const char *s = member + plen;
        char *end;
        long long v;
        if (strncmp(member, prefix, plen))
                return -1;
        v = strtoll(s, &end, 10);
        if (end == s || *end != ':' || v <= 0 || !end[1])
                return -1;
        *at_ms = v;
        *rest = end + 1;
        return 0;
}

int rdr_parcel_timer_parse(const char *member, int64_t *at_ms,
                           const char **ref) {
        return timer_split(member, TIMER_PREFIX, sizeof(TIMER_PREFIX) - 1,
                           at_ms, ref);
}

int rdr_parcel_pause_timer(char *dst, size_t n, int64_t at_ms,
                           const char *case_id) {
        return timer_join(dst, n, PAUSE_PREFIX, at_ms, case_id);
}

int rdr_parcel_pause_timer_parse(const char *member, int64_t *at_ms,
                                 const char **case_id) {
        return timer_split(member, PAUSE_PREFIX, sizeof(PAUSE_PREFIX) - 1,
                           at_ms, case_id);
}

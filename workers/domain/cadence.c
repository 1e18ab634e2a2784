/* The case state machine. rdr_cadence_apply() copies the case, hands the
 * input to one handler (on_*), and compares the result with the snapshot to
 * decide whether anything changed. Handlers share a transition context
 * (tx_t) and a few verbs: emit() renders and appends an action, arm()
 * appends a timer with a fresh generation, blocked() records a step a rule
 * forbade, run_step() carries out one step of the outreach cadence and
 * schedules the next. Time arithmetic in the buyer's zone goes through
 * localtime.h; nothing here reads a clock. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadence.h"
#include "str.h"

const char *const rdr_case_state_names[RDR_CASE_STATE__CNT] = {
    "none",      "outreach", "paused",   "awaiting_update", "waiting",
    "malicious", "appealed", "resolved", "closed"};
const char *const rdr_close_reason_names[RDR_CLOSE__CNT] = {
    "none",    "refused",         "rating_raised",   "removed",
    "expired", "appeal_accepted", "appeal_rejected", "appeal_window_closed"};
const char *const rdr_step_names[RDR_STEP__CNT] = {"none",
                                                   "reply",
                                                   "first_contact",
                                                   "follow_up",
                                                   "incentive",
                                                   "offer_approval",
                                                   "nudge",
                                                   "buyer_reply",
                                                   "modification_guide",
                                                   "modification_check",
                                                   "modification_reminder",
                                                   "appeal",
                                                   "appeal_evidence",
                                                   "appeal_window_end",
                                                   "case_ttl",
                                                   "appeal_unanswered",
                                                   "review_lowered"};
const char *const rdr_cadence_status_names[RDR_CADENCE_STATUS__CNT] = {
    "applied", "noop", "duplicate", "stale", "no_case"};

/* Enums are stored and parsed as int by the field table below. */
_Static_assert(sizeof(rdr_case_state_t) == sizeof(int) &&
                   sizeof(rdr_step_t) == sizeof(int) &&
                   sizeof(rdr_reason_t) == sizeof(int),
               "enums are int-sized");

/* One transition in progress. */
typedef struct tx_s {
        const rdr_cadence_conf_t *conf;
        const rdr_store_conf_t *sc;
        const rdr_policy_t *pol;
        rdr_case_t *c;
        rdr_cadence_out_t *out;
        int64_t now;
        rdr_err_t err; /* sticky: the first error wins, later verbs no-op */
        const rdr_cadence_input_t *in;
} tx_t;

/* Scratch text for the placeholders a case fills. */
typedef struct vars_buf_s {
        rdr_template_vars_t v;
        char rating[RDR_STR_INT_SIZE];
        char offer[64];
        char deadline[RDR_ZONE_MAX + 32];
        char evidence[128];
} vars_buf_t;

/* Record the first error of the transition. Returns -1. */
static int fail(tx_t *tx, rdr_err_t err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(tx_t *tx, rdr_err_t err, const char *fmt, ...) {
        va_list ap;
        if (!tx->err) {
                tx->err = err;
                va_start(ap, fmt);
                vsnprintf(tx->out->errstr, sizeof(tx->out->errstr), fmt, ap);
                va_end(ap);
        }
        return -1;
}

int rdr_case_state_final(rdr_case_state_t s) {
        return s == RDR_CASE_STATE_RESOLVED || s == RDR_CASE_STATE_CLOSED;
}

/* No outreach may go out any more: the case ended, went malicious, or a
 * rule stopped the cadence (BEHAVIOR.md 2.6); or it resolved once, and a
 * rating lowered again reopened it for an agent alone (reopen()). */
static int outreach_stopped(const rdr_case_t *c) {
        return rdr_case_state_final(c->state) ||
               c->state == RDR_CASE_STATE_MALICIOUS ||
               c->state == RDR_CASE_STATE_APPEALED || c->stop_rule[0] ||
               c->lowered > 0;
}

/* ---- time ------------------------------------------------------------- */

static int64_t add_local(tx_t *tx, int64_t t, int64_t dur) {
        int64_t r = t + dur;
        if (!tx->err && rdr_localtime_add(tx->c->zone, t, dur, &r) != RDR_OK)
                fail(tx, RDR_ERR_INVALID, "unknown time zone '%s'",
                     tx->c->zone);
        return r;
}

/* The buyer may be contacted at: inside daytime and outside the
 * platform's quiet hours. */
static size_t contact_windows(const tx_t *tx, rdr_window_t ws[2]) {
        rdr_window_t quiet;
        ws[0] = tx->sc->daytime;
        if (rdr_policy_quiet_hours(tx->pol, &quiet)) {
                ws[1] = rdr_window_invert(&quiet);
                return 2;
        }
        return 1;
}

/* The first instant >= t when the buyer may be contacted. */
static int64_t contact_at(tx_t *tx, int64_t t) {
        rdr_window_t ws[2];
        size_t n = contact_windows(tx, ws);
        int64_t r = t;
        rdr_err_t err;
        if (tx->err)
                return t;
        err = rdr_localtime_next_in_windows(tx->c->zone, ws, n, t, &r);
        if (err)
                fail(tx,
                     err == RDR_ERR_CONFIG ? RDR_ERR_CONFIG : RDR_ERR_INVALID,
                     "no contact time: daytime and the quiet hours of '%s' "
                     "never overlap, or the zone is unknown",
                     tx->c->platform);
        return r;
}

/* The end of the contact window that holds due: a message carried out
 * later would reach the buyer at night. 0 if no window ever ends (the
 * whole day, and no quiet hours). */
static int64_t contact_until(tx_t *tx, int64_t due) {
        rdr_window_t ws[2], closed;
        size_t n = contact_windows(tx, ws), i;
        int64_t end = 0;
        for (i = 0; i < n && !tx->err; i++) {
                int64_t e;
                if (rdr_window_whole_day(&ws[i]))
                        continue;
                closed = rdr_window_invert(&ws[i]);
                if (rdr_localtime_next_in_window(tx->c->zone, &closed, due,
                                                 &e) != RDR_OK) {
                        fail(tx, RDR_ERR_INVALID, "unknown time zone '%s'",
                             tx->c->zone);
                        break;
                }
                if (!end || e < end)
                        end = e;
        }
        return end;
}

/* The deadline of a message due at due that must be carried out by limit
 * (the first contact's first_contact_within): limit if it falls in a
 * contact window, else the end of the last window before it. A review at
 * 22:30 is first contacted from 09:00 by 20:00 the next day, not by 22:30,
 * in the buyer's night. limit if no window ever ends; below due if limit
 * is (the caller's to mend). */
static int64_t contact_deadline(tx_t *tx, int64_t due, int64_t limit) {
        int64_t end = contact_until(tx, due), best;
        int i;
        if (!end || end >= limit)
                return limit;
        best = end;
        /* One window a day or two: a month of them at most. */
        for (i = 0; i < 62 && !tx->err; i++) {
                int64_t start = contact_at(tx, end);
                if (start >= limit)
                        break;
                end = contact_until(tx, start);
                if (!end || end >= limit)
                        return limit;
                best = end;
        }
        return best;
}

static int expired(const tx_t *tx) {
        return tx->now >= tx->c->opened_at_ms + tx->sc->case_ttl_ms;
}

/* ---- output verbs ----------------------------------------------------- */

static void case_vars(const rdr_case_t *c, vars_buf_t *vb) {
        memset(vb, 0, sizeof(*vb));
        rdr_str_int(vb->rating, c->rating);
        vb->v.v[RDR_PH_BUYER_NAME] = c->buyer_name;
        vb->v.v[RDR_PH_ORDER_ID] = c->order_id;
        vb->v.v[RDR_PH_PRODUCT_ID] = c->product_id;
        vb->v.v[RDR_PH_REVIEW_ID] = c->review_id;
        vb->v.v[RDR_PH_CASE_ID] = c->case_id;
        vb->v.v[RDR_PH_PLATFORM] = c->platform;
        vb->v.v[RDR_PH_REASON] = rdr_reason_names[c->reason];
        vb->v.v[RDR_PH_RATING] = vb->rating;
}

/* Names of the evidence kinds in mask (and the need `demand`),
 * ", "-separated. */
static void evidence_names(unsigned mask, char *buf, size_t size) {
        size_t len = 0;
        int k;
        buf[0] = '\0';
        for (k = 0; k <= RDR_EVIDENCE_NEED_DEMAND; k++) {
                int n;
                if (!(mask & RDR_EVIDENCE_BIT(k)))
                        continue;
                n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                             k == RDR_EVIDENCE_NEED_DEMAND
                                 ? "demand"
                                 : rdr_evidence_kind_names[k]);
                if (n < 0 || (size_t)n >= size - len)
                        break;
                len += (size_t)n;
        }
}

/* The evidence kinds case c holds, and the buyer's demand (a policy's
 * `demand`) when a chat or the review's own text makes it. */
static unsigned evidence_mask(const rdr_case_t *c) {
        unsigned mask = 0;
        int i;
        for (i = 0; i < c->evidence_cnt; i++)
                mask |= RDR_EVIDENCE_BIT(c->evidence[i].kind);
        if ((mask & RDR_EVIDENCE_BIT(RDR_EVIDENCE_CHAT)) || c->review_demands)
                mask |= RDR_EVIDENCE_BIT(RDR_EVIDENCE_NEED_DEMAND);
        return mask;
}

/* Render and append an action. lang is the language wanted (the template
 * may fall back). Returns the action, or NULL after an error. */
static rdr_cadence_action_t *emit(tx_t *tx, rdr_step_t step, int attempt,
                                  rdr_action_kind_t kind, const char *key,
                                  const char *lang, rdr_channel_t channel,
                                  int64_t due, int64_t deadline,
                                  const rdr_template_vars_t *vars) {
        rdr_cadence_out_t *out = tx->out;
        rdr_cadence_action_t *a;
        rdr_rendered_t info;
        rdr_template_vars_t v = *vars;
        char num[RDR_STR_INT_SIZE];
        rdr_err_t err;
        if (tx->err)
                return NULL;
        if (out->actions_cnt == RDR_CADENCE_ACTIONS_MAX) {
                fail(tx, RDR_ERR_INTERNAL, "%s", "too many actions");
                return NULL;
        }
        /* The store's name (playbook `name`); unset, the template's
         * default ("our store"), but a platform hears an appeal from the
         * store it knows by id. */
        v.v[RDR_PH_STORE_NAME] = tx->sc->name[0]               ? tx->sc->name
                                 : kind == RDR_ACT_APPEAL_FILE ? tx->c->store_id
                                                               : NULL;
        a = &out->actions[out->actions_cnt];
        memset(a, 0, offsetof(rdr_cadence_action_t, message));
        err = rdr_template_render(tx->conf->templates, kind, key, lang, &v,
                                  a->message, sizeof(a->message), &info);
        if (err) {
                char why[RDR_TEMPLATE_WHY_MAX];
                rdr_template_why(err, &info, why, sizeof(why));
                fail(tx, RDR_ERR_CONFIG,
                     "template %s/%s (%s) cannot render: %s",
                     rdr_action_kind_names[kind], key ? key : "default",
                     lang ? lang : "-", why);
                return NULL;
        }
        rdr_str_int(num, attempt);
        rdr_str_join(a->action_id, sizeof(a->action_id),
                     (const char *const[]){tx->c->case_id, ":",
                                           rdr_step_names[step], ":", num,
                                           NULL});
        a->kind = kind;
        a->step = step;
        a->attempt = attempt;
        a->channel = channel;
        memcpy(a->language, info.language, sizeof(a->language));
        memcpy(a->template_id, info.template_id, sizeof(a->template_id));
        a->due_at_ms = due;
        a->deadline_at_ms = deadline;
        a->created_at_ms = tx->now;
        out->actions_cnt++;
        return a;
}

/* "<case_id>:<step>:<attempt>:<gen>" into t->timer_id. */
static void timer_id(rdr_cadence_timer_t *t, const char *case_id) {
        char num[RDR_STR_INT_SIZE], gen[RDR_STR_INT_SIZE];
        rdr_str_int(num, t->attempt);
        rdr_str_int(gen, t->gen);
        rdr_str_join(t->timer_id, sizeof(t->timer_id),
                     (const char *const[]){case_id, ":",
                                           rdr_step_names[t->step], ":", num,
                                           ":", gen, NULL});
}

/* Arm a timer for step; *slot takes its generation. */
static void arm(tx_t *tx, rdr_step_t step, int attempt, int64_t fire_at,
                unsigned *slot) {
        rdr_cadence_out_t *out = tx->out;
        rdr_cadence_timer_t *t;
        if (tx->err)
                return;
        if (out->timers_cnt == RDR_CADENCE_TIMERS_MAX) {
                fail(tx, RDR_ERR_INTERNAL, "%s", "too many timers");
                return;
        }
        *slot = ++tx->c->timer_seq;
        t = &out->timers[out->timers_cnt++];
        t->step = step;
        t->attempt = attempt;
        t->gen = *slot;
        t->fire_at_ms = fire_at;
        timer_id(t, tx->c->case_id);
}

/* A step a rule forbids: not published; the case keeps the rule's name,
 * the output reports it for the metric. */
static void record_block(tx_t *tx, rdr_step_t step, int attempt,
                         const char *rule) {
        rdr_case_t *c = tx->c;
        rdr_cadence_out_t *out = tx->out;
        c->blocked_total++;
        if (c->blocked_cnt < RDR_CASE_BLOCKED_MAX) {
                rdr_case_block_t *b = &c->blocked[c->blocked_cnt++];
                b->step = step;
                b->attempt = attempt;
                rdr_str_copy(b->rule, sizeof(b->rule), rule);
                b->at_ms = tx->now;
        }
        if (out->blocked_cnt < RDR_CADENCE_BLOCKED_MAX) {
                rdr_case_block_t *b = &out->blocked[out->blocked_cnt++];
                b->step = step;
                b->attempt = attempt;
                rdr_str_copy(b->rule, sizeof(b->rule), rule);
                b->at_ms = tx->now;
        }
}

/* The held message (hold_till_due()), if any, will not go out. */
static void drop_held(rdr_case_t *c) {
        c->held_gen = 0;
        c->held_step = RDR_STEP_NONE;
}

/* No further outreach, ever (BEHAVIOR.md 2.6). */
static void stop_outreach(tx_t *tx, const char *rule) {
        rdr_case_t *c = tx->c;
        rdr_str_copy(c->stop_rule, sizeof(c->stop_rule), rule);
        c->next_step = RDR_STEP_NONE;
        c->next_attempt = 0;
        c->next_at_ms = 0;
        c->next_gen = 0;
        c->modchk_gen = 0;
        drop_held(c);
        c->mod_check_held = 0;
        c->offer_pending = 0;
        if (c->state == RDR_CASE_STATE_OUTREACH)
                c->state = RDR_CASE_STATE_WAITING;
}

/* A blocked outreach step. Returns 1 if the cadence stopped, 0 if it goes
 * on (on_policy_block: skip). */
static int blocked_outreach(tx_t *tx, rdr_step_t step, int attempt,
                            const char *rule) {
        record_block(tx, step, attempt, rule);
        if (tx->sc->on_policy_block == RDR_ON_BLOCK_STOP) {
                stop_outreach(tx, rule);
                return 1;
        }
        return 0;
}

static void close_case(tx_t *tx, rdr_case_state_t state,
                       rdr_close_reason_t why) {
        rdr_case_t *c = tx->c;
        c->state = state;
        c->close_reason = why;
        c->closed_at_ms = tx->now;
        if (state == RDR_CASE_STATE_RESOLVED && !c->resolved_at_ms) {
                c->resolved_at_ms = tx->now;
                memcpy(c->resolved_by, c->agent_id, sizeof(c->resolved_by));
        }
        c->next_step = RDR_STEP_NONE;
        c->next_attempt = 0;
        c->next_at_ms = 0;
        c->next_gen = c->modchk_gen = c->appev_gen = c->append_gen =
            c->ttl_gen = c->unanswered_gen = 0;
        drop_held(c);
        c->offer_pending = 0;
        c->mod_check_held = 0;
        c->paused_at_ms = 0;
}

/* How many pieces of evidence of kind c holds. */
static int evidence_of(const rdr_case_t *c, rdr_evidence_kind_t kind) {
        int i, n = 0;
        for (i = 0; i < c->evidence_cnt; i++)
                n += c->evidence[i].kind == kind;
        return n;
}

/* Keep a piece of evidence. A platform asks for kinds (one of each,
 * evidence_mask()): on a full case, one of a kind it holds none of takes
 * the place of the latest of a kind held more than once (a buyer's
 * eighth demand, say), and one of a kind held already is left out. */
static void add_evidence(rdr_case_t *c, rdr_evidence_kind_t kind,
                         const char *ref, const char *text, int64_t at) {
        rdr_case_evidence_t *e;
        int i;
        if (c->evidence_cnt == RDR_CASE_EVIDENCE_MAX) {
                if (evidence_of(c, kind))
                        return;
                for (i = c->evidence_cnt - 1;
                     i >= 0 && evidence_of(c, c->evidence[i].kind) < 2; i--)
                        ;
                if (i < 0)
                        return;
                memmove(&c->evidence[i], &c->evidence[i + 1],
                        (size_t)(c->evidence_cnt - i - 1) *
                            sizeof(c->evidence[0]));
                c->evidence_cnt--;
        }
        e = &c->evidence[c->evidence_cnt++];
        memset(e, 0, sizeof(*e)); /* no bytes of one left out */
        e->kind = kind;
        rdr_utf8_copy(e->ref, sizeof(e->ref), ref ? ref : "");
        rdr_utf8_copy(e->text, sizeof(e->text), text ? text : "");
        e->at_ms = at;
}

/* Whether the case holds evidence of kind saying text (as far as the
 * evidence keeps of it), under reference ref (NULL: any). */
static int holds_evidence(const rdr_case_t *c, rdr_evidence_kind_t kind,
                          const char *ref, const char *text) {
        rdr_case_evidence_t probe;
        int i;
        rdr_utf8_copy(probe.ref, sizeof(probe.ref), ref ? ref : "");
        rdr_utf8_copy(probe.text, sizeof(probe.text), text ? text : "");
        for (i = 0; i < c->evidence_cnt; i++)
                if (c->evidence[i].kind == kind &&
                    (!ref || !strcmp(c->evidence[i].ref, probe.ref)) &&
                    !strcmp(c->evidence[i].text, probe.text))
                        return 1;
        return 0;
}

/* Evidence given from outside the case (the worker's, an agent's): what
 * the case holds already (the same kind, reference and text, given
 * again under another event) is not added twice. */
static void add_evidence_in(rdr_case_t *c, const rdr_evidence_t *ev) {
        int k = ev->kind
                    ? rdr_enum_parse(rdr_evidence_kind_names, RDR_EVIDENCE__CNT,
                                     ev->kind, strlen(ev->kind))
                    : -1;
        rdr_evidence_kind_t kind =
            k < 0 ? RDR_EVIDENCE_OTHER : (rdr_evidence_kind_t)k;
        if (!holds_evidence(c, kind, ev->ref ? ev->ref : "", ev->text))
                add_evidence(c, kind, ev->ref, ev->text, ev->at_ms);
}

static rdr_err_t check(tx_t *tx, rdr_action_kind_t kind, int has_offer,
                       rdr_ground_t ground, int64_t at,
                       rdr_policy_verdict_t *v) {
        const rdr_case_t *c = tx->c;
        rdr_policy_step_t step;
        rdr_policy_ctx_t ctx;
        rdr_err_t err;
        memset(&step, 0, sizeof(step));
        memset(&ctx, 0, sizeof(ctx));
        step.kind = kind;
        step.has_offer = has_offer;
        step.ground = ground;
        ctx.review_kind = c->review_kind;
        ctx.review_at_ms = c->review_at_ms;
        ctx.at_ms = at;
        ctx.zone = c->zone;
        ctx.review_messages_sent =
            c->review_messages + c->order_messages_before;
        ctx.modify_requests_sent = c->modify_requests + c->order_modify_before;
        ctx.problem_solved = c->agreed;
        ctx.evidence = evidence_mask(c);
        ctx.reply_channel = c->buyer_channel;
        err = rdr_policy_check(tx->pol, &step, &ctx, v);
        if (err != RDR_OK && err != RDR_ERR_BLOCKED)
                fail(tx, err, "policy check failed for %s",
                     rdr_action_kind_names[kind]);
        return err;
}

/* A review-related message went out. */
static void count_message(rdr_case_t *c, rdr_action_kind_t kind) {
        c->review_messages++;
        if (rdr_policy_kind_asks_modify(kind))
                c->modify_requests++;
        if (kind == RDR_ACT_NUDGE)
                c->nudges++;
}

/* ---- staff reviews ---------------------------------------------------- */

static void staff(tx_t *tx, rdr_step_t step, int attempt, const char *key,
                  int64_t deadline, vars_buf_t *vb) {
        char buf[RDR_ZONE_MAX + 32];
        if (deadline && !vb->v.v[RDR_PH_DEADLINE]) {
                rdr_localtime_format(tx->sc->timezone, deadline, buf,
                                     sizeof(buf));
                memcpy(vb->deadline, buf, sizeof(vb->deadline));
                vb->v.v[RDR_PH_DEADLINE] = vb->deadline;
        } else if (!vb->v.v[RDR_PH_DEADLINE]) {
                /* A platform without an appeal window (eBay, Shopify). */
                vb->v.v[RDR_PH_DEADLINE] = "(no deadline)";
        }
        emit(tx, step, attempt, RDR_ACT_STAFF_REVIEW, key,
             tx->sc->staff_language, RDR_CHAN_STAFF, tx->now, deadline, &vb->v);
}

/* ---- the outreach cadence (BEHAVIOR.md 2) ----------------------------- */

static rdr_action_kind_t step_kind(rdr_step_t step) {
        switch (step) {
        case RDR_STEP_FIRST_CONTACT:
                return RDR_ACT_FIRST_CONTACT;
        case RDR_STEP_FOLLOW_UP:
                return RDR_ACT_FOLLOW_UP;
        case RDR_STEP_INCENTIVE:
                return RDR_ACT_INCENTIVE;
        default:
                return RDR_ACT_NUDGE;
        }
}

/* When step is due by the schedule: T0 plus its offset (whole days in the
 * buyer's calendar, so 09:00 stays 09:00 across daylight saving), moved by
 * the pauses so far. */
static int64_t step_base(tx_t *tx, rdr_step_t step, int attempt) {
        const rdr_store_conf_t *sc = tx->sc;
        int64_t t0 = tx->c->opened_at_ms, t;
        switch (step) {
        case RDR_STEP_FOLLOW_UP:
                t = add_local(tx, t0, sc->follow_up_after_ms);
                break;
        case RDR_STEP_INCENTIVE:
                t = add_local(tx, t0, sc->incentive_after_ms);
                break;
        case RDR_STEP_NUDGE:
                t = add_local(tx, add_local(tx, t0, sc->nudge_from_ms),
                              (int64_t)(attempt - 1) * sc->nudge_every_ms);
                break;
        default:
                t = t0;
                break;
        }
        return t + tx->c->shift_ms;
}

/* The step after (step, attempt); RDR_STEP_NONE when the cadence is done. */
static rdr_step_t step_after(const tx_t *tx, rdr_step_t step, int attempt,
                             int *next_attempt) {
        *next_attempt = 1;
        switch (step) {
        case RDR_STEP_FIRST_CONTACT:
                return RDR_STEP_FOLLOW_UP;
        case RDR_STEP_FOLLOW_UP:
                return RDR_STEP_INCENTIVE;
        case RDR_STEP_INCENTIVE:
                return tx->sc->max_nudges > 0 ? RDR_STEP_NUDGE : RDR_STEP_NONE;
        case RDR_STEP_NUDGE:
                *next_attempt = attempt + 1;
                return attempt < tx->sc->max_nudges ? RDR_STEP_NUDGE
                                                    : RDR_STEP_NONE;
        default:
                return RDR_STEP_NONE;
        }
}

/* The step before (step, attempt) in the schedule, whose spacing the
 * step keeps from the last message (arm_next()); RDR_STEP_NONE for the
 * first contact and the follow-up, which keep to their own times. */
static rdr_step_t step_before(rdr_step_t step, int attempt, int *prev_attempt) {
        *prev_attempt = 1;
        switch (step) {
        case RDR_STEP_INCENTIVE:
                return RDR_STEP_FOLLOW_UP;
        case RDR_STEP_NUDGE:
                if (attempt <= 1)
                        return RDR_STEP_INCENTIVE;
                *prev_attempt = attempt - 1;
                return RDR_STEP_NUDGE;
        default:
                *prev_attempt = 0;
                return RDR_STEP_NONE;
        }
}

/* Arm the pending step's timer at the first contact time from fire on;
 * none past case_ttl (the cadence is done). */
static void arm_from(tx_t *tx, int64_t fire) {
        rdr_case_t *c = tx->c;
        fire = contact_at(tx, fire);
        if (fire >= c->opened_at_ms + tx->sc->case_ttl_ms) {
                c->next_step = RDR_STEP_NONE;
                c->next_attempt = 0;
                c->next_at_ms = 0;
                c->state = RDR_CASE_STATE_WAITING;
                return;
        }
        c->next_at_ms = fire;
        arm(tx, c->next_step, c->next_attempt, fire, &c->next_gen);
}

/* The incentive is still to go out: its offer waits for a manager's
 * decision (offer_pending 1), or approved, for a late parcel's delivery
 * or an agent's hand-back (2), or for the buyer's hours (held). */
static int incentive_waits(const rdr_case_t *c) {
        return c->offer_pending ||
               (c->held_gen && c->held_step == RDR_STEP_INCENTIVE);
}

/* Arm the timer of the pending step (c->next_step): at its time by the
 * schedule, in the buyer's contact hours, never sooner after the previous
 * message than the schedule spaces them, never past case_ttl. The first
 * contact may go out anywhere in first_contact_within and the follow-up
 * still keep T0 + follow_up_after; one sent later (the timers were down)
 * is followed up no sooner than the least spacing that leaves, not at
 * once. A nudge waits while the incentive does (BEHAVIOR.md 2.5: the
 * nudges follow it): nudges_follow() arms it once the incentive went
 * out. */
static void arm_next(tx_t *tx, rdr_step_t prev, int prev_attempt) {
        rdr_case_t *c = tx->c;
        int64_t base = step_base(tx, c->next_step, c->next_attempt);
        int64_t fire = base > tx->now ? base : tx->now;
        if (c->next_step == RDR_STEP_NUDGE && incentive_waits(c)) {
                c->next_gen = 0;
                c->next_at_ms = 0;
                return;
        }
        if (prev != RDR_STEP_NONE && c->last_due_ms) {
                int64_t gap = base - step_base(tx, prev, prev_attempt);
                if (prev == RDR_STEP_FIRST_CONTACT)
                        gap -= tx->sc->first_contact_within_ms;
                if (c->last_due_ms + gap > fire)
                        fire = c->last_due_ms + gap;
        }
        arm_from(tx, fire);
}

static void schedule_after(tx_t *tx, rdr_step_t step, int attempt) {
        rdr_case_t *c = tx->c;
        c->next_step = step_after(tx, step, attempt, &c->next_attempt);
        if (c->next_step == RDR_STEP_NONE) {
                c->next_attempt = 0;
                c->next_at_ms = 0;
                if (c->state == RDR_CASE_STATE_OUTREACH)
                        c->state = RDR_CASE_STATE_WAITING;
                return;
        }
        if (c->state == RDR_CASE_STATE_OUTREACH && !c->ship_paused)
                arm_next(tx, step, attempt);
}

/* The incentive went out (the last message, c->last_due_ms), or will
 * not (the manager refused it, or a rule forbade it and the cadence goes
 * on): the nudge that waited for it (arm_next()) is armed, no sooner
 * after the incentive than the schedule spaces them, so an approval that
 * came late, or an incentive held for the buyer's morning, moves the
 * nudges after it, all max_nudges of them (within case_ttl). */
static void nudges_follow(tx_t *tx) {
        rdr_case_t *c = tx->c;
        rdr_step_t prev;
        int prev_attempt;
        if (c->next_step != RDR_STEP_NUDGE || c->next_gen ||
            incentive_waits(c) || c->state != RDR_CASE_STATE_OUTREACH ||
            c->ship_paused)
                return;
        prev = step_before(c->next_step, c->next_attempt, &prev_attempt);
        arm_next(tx, prev, prev_attempt);
}

/* A message toward the buyer due later (out of their hours) waits for a
 * timer, so that a buyer who says no meanwhile (or is tagged, or whose
 * case ends) hears nothing: the timer reads the buyer's word and decides
 * anew. A timer that fired late, out of the buyer's hours again, holds
 * it again: nothing toward the buyer is published ahead. At its time the
 * timer finds the buyer's hours open (the message is due then). */
static int must_wait(const tx_t *tx, int64_t due) {
        return due > tx->now;
}

/* A message that must wait and that no step timer brings: it waits on
 * the held timer (on_held()). Returns 1 if held. */
static int hold_till_due(tx_t *tx, rdr_step_t step, int64_t due) {
        if (!must_wait(tx, due))
                return 0;
        tx->c->held_step = step;
        arm(tx, step, 1, due, &tx->c->held_gen);
        return 1;
}

/* Publish the incentive with the case's offer, due at the next contact
 * time (held till then: hold_till_due()). Returns 1 if the cadence
 * stopped. */
static int publish_incentive(tx_t *tx, int64_t due) {
        rdr_case_t *c = tx->c;
        rdr_policy_verdict_t v;
        rdr_cadence_action_t *a;
        vars_buf_t vb;
        char keys[2 * RDR_TEMPLATE_KEY_MAX];
        if (check(tx, RDR_ACT_INCENTIVE, 1, RDR_GROUND_NONE, due, &v) ==
            RDR_ERR_BLOCKED)
                return blocked_outreach(tx, RDR_STEP_INCENTIVE, 1, v.rule);
        if (hold_till_due(tx, RDR_STEP_INCENTIVE, due)) {
                c->offer_pending = 0;
                return 0;
        }
        case_vars(c, &vb);
        rdr_offer_format(&c->offer, vb.offer, sizeof(vb.offer));
        vb.v.v[RDR_PH_OFFER] = vb.offer;
        /* The text names the gesture: the offer type's template, else the
         * reason's (a store's own wording), else the default. */
        rdr_str_join(keys, sizeof(keys),
                     (const char *const[]){rdr_offer_type_names[c->offer.type],
                                           ",", rdr_reason_names[c->reason],
                                           NULL});
        a = emit(tx, RDR_STEP_INCENTIVE, 1, RDR_ACT_INCENTIVE, keys,
                 c->language, v.channel, due, contact_until(tx, due), &vb.v);
        if (a) {
                a->has_offer = 1;
                a->offer = c->offer;
                count_message(c, RDR_ACT_INCENTIVE);
                c->last_due_ms = due;
        }
        c->offer_pending = 0;
        return 0;
}

/* Carry out cadence step (step, attempt) now, then schedule the next. */
static void run_step(tx_t *tx, rdr_step_t step, int attempt) {
        rdr_case_t *c = tx->c;
        rdr_action_kind_t kind = step_kind(step);
        rdr_policy_verdict_t v;
        rdr_cadence_action_t *a;
        vars_buf_t vb;
        char keys[2 * RDR_TEMPLATE_KEY_MAX];
        int64_t base, due, deadline;
        int has_offer = step == RDR_STEP_INCENTIVE;

        c->next_gen = 0;
        c->next_at_ms = 0;
        if (expired(tx)) {
                close_case(tx, RDR_CASE_STATE_CLOSED, RDR_CLOSE_EXPIRED);
                return;
        }
        /* A nudge armed while the incentive waited (a case stored by an
         * earlier build) waits too, and follows it (nudges_follow()). */
        if (step == RDR_STEP_NUDGE && incentive_waits(c))
                return;
        base = step_base(tx, step, attempt);
        due = contact_at(tx, base > tx->now ? base : tx->now);
        deadline = step == RDR_STEP_FIRST_CONTACT
                       ? contact_deadline(
                             tx, due, base + tx->sc->first_contact_within_ms)
                       : contact_until(tx, due);
        if (deadline < due)
                deadline = contact_until(tx, due);
        if (has_offer)
                c->offer = tx->sc->incentive[c->reason];
        if (check(tx, kind, has_offer, RDR_GROUND_NONE, due, &v) ==
            RDR_ERR_BLOCKED) {
                if (!blocked_outreach(tx, step, attempt, v.rule))
                        schedule_after(tx, step, attempt);
                return;
        }
        if (tx->err)
                return;
        if (must_wait(tx, due)) {
                /* On its own step's timer, as the later steps are: a
                 * step whose timer fired late, out of the buyer's hours,
                 * waits for them again rather than go out ahead (a "no"
                 * in between still stops it). */
                c->next_step = step;
                c->next_attempt = attempt;
                c->next_at_ms = due;
                arm(tx, step, attempt, due, &c->next_gen);
                return;
        }
        if (has_offer &&
            rdr_offer_over_limit(&c->offer, &tx->sc->agent_offer_limit)) {
                /* A manager approves first; RDR_CIN_OFFER_DECISION
                 * publishes it. The nudges wait for the decision
                 * (arm_next()). */
                case_vars(c, &vb);
                rdr_offer_format(&c->offer, vb.offer, sizeof(vb.offer));
                vb.v.v[RDR_PH_OFFER] = vb.offer;
                c->offer_pending = 1;
                c->offer_asked = 1;
                /* Named by the gesture, as the incentive is. */
                rdr_str_join(
                    keys, sizeof(keys),
                    (const char *const[]){"offer_approval_",
                                          rdr_offer_type_names[c->offer.type],
                                          ",offer_approval", NULL});
                staff(tx, RDR_STEP_OFFER_APPROVAL, 1, keys,
                      tx->now + tx->sc->reply_sla_ms, &vb);
                schedule_after(tx, step, attempt);
                return;
        }
        if (has_offer) {
                if (!publish_incentive(tx, due))
                        schedule_after(tx, step, attempt);
                return;
        }
        case_vars(c, &vb);
        a = emit(tx, step, attempt, kind, rdr_reason_names[c->reason],
                 c->language, v.channel, due, deadline, &vb.v);
        if (!a)
                return;
        count_message(c, kind);
        c->last_due_ms = due;
        schedule_after(tx, step, attempt);
}

/* The cadence may run again (no pause left): move the schedule by the
 * pause and carry on with the pending step, no sooner after the last
 * message than the schedule spaces them (an incentive held for the
 * buyer's morning, then a pause: its nudge still comes a day after it). */
static void resume_cadence(tx_t *tx) {
        rdr_case_t *c = tx->c;
        rdr_step_t prev;
        int prev_attempt;
        if (c->paused_at_ms) {
                c->shift_ms += tx->now - c->paused_at_ms;
                c->paused_at_ms = 0;
        }
        if (expired(tx)) {
                close_case(tx, RDR_CASE_STATE_CLOSED, RDR_CLOSE_EXPIRED);
                return;
        }
        if (c->next_step == RDR_STEP_FIRST_CONTACT) {
                run_step(tx, RDR_STEP_FIRST_CONTACT, 1);
        } else if (c->next_step != RDR_STEP_NONE) {
                prev =
                    step_before(c->next_step, c->next_attempt, &prev_attempt);
                arm_next(tx, prev, prev_attempt);
        } else {
                c->state = RDR_CASE_STATE_WAITING;
        }
}

/* The order's parcel tells where the buyer lives, and the case's review
 * did not (the store's zone, or UTC, stood in): the case takes the zone,
 * and what waits for the buyer's daytime moves into it. A first contact
 * still waiting goes at the buyer's first daytime from its schedule; the
 * held message at the buyer's first daytime from now; a later step keeps
 * its time if that falls in the buyer's hours, else moves to their next
 * morning (never sooner: the schedule's spacing stays). */
static void learn_zone(tx_t *tx, const char *zone) {
        rdr_case_t *c = tx->c;
        if (!zone || c->zone_source == RDR_ZONE_BUYER ||
            rdr_case_state_final(c->state) || strlen(zone) >= sizeof(c->zone) ||
            !rdr_localtime_zone_valid(zone))
                return;
        rdr_str_copy(c->zone, sizeof(c->zone), zone);
        c->zone_source = RDR_ZONE_BUYER;
        c->zone_learned_at_ms = tx->now;
        if (c->held_gen)
                arm(tx, c->held_step, 1, contact_at(tx, tx->now), &c->held_gen);
        if (!c->next_gen || c->next_step == RDR_STEP_NONE)
                return;
        if (c->next_step == RDR_STEP_FIRST_CONTACT)
                arm_next(tx, RDR_STEP_NONE, 0);
        else if (contact_at(tx, c->next_at_ms) != c->next_at_ms)
                arm_from(tx, c->next_at_ms);
}

/* Stop the clock of the cadence (a buyer's message, a late parcel). */
static void pause_cadence(tx_t *tx) {
        rdr_case_t *c = tx->c;
        if (c->state == RDR_CASE_STATE_OUTREACH && !c->ship_paused &&
            !c->paused_at_ms)
                c->paused_at_ms = tx->now;
        c->next_gen = 0;
        c->next_at_ms = 0;
}

/* ---- modification guide (BEHAVIOR.md 2.7) ----------------------------- */

/* The guide (or its reminder) now, in the buyer's hours; while the
 * order's parcel is late, at its delivery (BEHAVIOR.md 7): the guide then
 * waits as the held step with no timer (on_ship_resume()). */
static void send_guide(tx_t *tx, rdr_step_t step) {
        rdr_case_t *c = tx->c;
        rdr_policy_verdict_t v;
        vars_buf_t vb;
        int64_t due = contact_at(tx, tx->now);
        const char *key =
            step == RDR_STEP_MOD_REMINDER ? "reminder" : c->platform;
        if (c->ship_paused && step == RDR_STEP_MOD_GUIDE) {
                c->held_step = step;
                c->held_gen = 0;
                return;
        }
        if (check(tx, RDR_ACT_MODIFICATION_GUIDE, 0, RDR_GROUND_NONE, due,
                  &v) == RDR_ERR_BLOCKED) {
                blocked_outreach(tx, step, 1, v.rule);
                return;
        }
        if (hold_till_due(tx, step, due))
                return;
        case_vars(c, &vb);
        if (!emit(tx, step, 1, RDR_ACT_MODIFICATION_GUIDE, key, c->language,
                  v.channel, due, contact_until(tx, due), &vb.v))
                return;
        count_message(c, RDR_ACT_MODIFICATION_GUIDE);
        if (step == RDR_STEP_MOD_REMINDER) {
                c->mod_reminded = 1;
                return;
        }
        arm(tx, RDR_STEP_MOD_CHECK, 1,
            contact_at(tx, add_local(tx, tx->now,
                                     tx->sc->modification_check_after_ms)),
            &c->modchk_gen);
}

/* The guide, or its one reminder, may still go out: the case awaits the
 * buyer's update, and the review has not changed since the agreement. */
static int guide_wanted(const rdr_case_t *c, rdr_step_t step) {
        return c->state == RDR_CASE_STATE_AWAITING_UPDATE &&
               !outreach_stopped(c) &&
               c->review_updated_at_ms <= c->agreed_at_ms &&
               !(step == RDR_STEP_MOD_REMINDER && c->mod_reminded);
}

/* The reminder now, or at the parcel's delivery while it is late. */
static void remind(tx_t *tx) {
        if (tx->c->ship_paused)
                tx->c->mod_check_held = 1;
        else
                send_guide(tx, RDR_STEP_MOD_REMINDER);
}

/* ---- appeals (BEHAVIOR.md 3 and 7) ------------------------------------ */

static void file_appeal(tx_t *tx, rdr_ground_t ground,
                        const rdr_policy_verdict_t *v) {
        rdr_case_t *c = tx->c;
        rdr_cadence_action_t *a;
        vars_buf_t vb;
        char deadline[RDR_ZONE_MAX + 32];
        case_vars(c, &vb);
        evidence_names(evidence_mask(c) &
                           ~RDR_EVIDENCE_BIT(RDR_EVIDENCE_NEED_DEMAND),
                       vb.evidence, sizeof(vb.evidence));
        vb.v.v[RDR_PH_EVIDENCE] = vb.evidence;
        if (v->deadline_ms) {
                rdr_localtime_format(tx->sc->timezone, v->deadline_ms, deadline,
                                     sizeof(deadline));
                memcpy(vb.deadline, deadline, sizeof(vb.deadline));
                vb.v.v[RDR_PH_DEADLINE] = vb.deadline;
        }
        a = emit(tx, RDR_STEP_APPEAL, c->appeal_filed + 1, RDR_ACT_APPEAL_FILE,
                 rdr_ground_names[ground], tx->sc->staff_language, v->channel,
                 tx->now, v->deadline_ms, &vb.v);
        if (!a)
                return;
        a->evidence_cnt = c->evidence_cnt;
        c->appeal_filed++;
        c->appeal_ground = ground;
}

/* Ask an agent for the evidence kinds missing (a mask) before the
 * appeal's window closes: attempt n is the case's n-th ask (the ground may
 * change, and another ask follow, under an id of its own). */
static void ask_evidence(tx_t *tx, unsigned missing) {
        rdr_case_t *c = tx->c;
        vars_buf_t vb;
        case_vars(c, &vb);
        evidence_names(missing, vb.evidence, sizeof(vb.evidence));
        vb.v.v[RDR_PH_EVIDENCE] = vb.evidence;
        staff(tx, RDR_STEP_APPEAL_EVIDENCE, ++c->evidence_asks,
              "appeal_evidence", c->appeal_deadline_ms, &vb);
}

/* The malicious track: file as soon as the evidence is complete; until
 * then remind the staff at window - appeal_evidence_before and give up
 * when the window closes. */
static void try_appeal(tx_t *tx) {
        rdr_case_t *c = tx->c;
        rdr_ground_t ground = c->staff_ground != RDR_GROUND_NONE
                                  ? c->staff_ground
                                  : rdr_ground_of_malicious(c->malicious);
        rdr_policy_verdict_t v;
        int first = c->appeal_ground != ground;
        rdr_err_t err = check(tx, RDR_ACT_APPEAL_FILE, 0, ground, tx->now, &v);
        if (err == RDR_OK) {
                file_appeal(tx, ground, &v);
                c->appeal_deadline_ms = v.deadline_ms;
                c->state = RDR_CASE_STATE_APPEALED;
                c->appev_gen = c->append_gen = 0;
                /* The platform may never answer: an agent is asked to
                 * check, and later the case closes. */
                c->appeal_filed_at_ms = tx->now;
                arm(tx, RDR_STEP_APPEAL_UNANSWERED, 1,
                    tx->now + tx->sc->appeal_answer_within_ms,
                    &c->unanswered_gen);
                return;
        }
        if (err != RDR_ERR_BLOCKED)
                return;
        if (!v.missing_evidence) {
                /* Not heard on this platform, or the window closed. */
                if (first)
                        record_block(tx, RDR_STEP_APPEAL, c->appeal_filed + 1,
                                     v.rule);
                c->appeal_ground = ground;
                return;
        }
        if (!first)
                return;
        c->appeal_ground = ground;
        c->appeal_deadline_ms = v.deadline_ms;
        if (v.deadline_ms &&
            v.deadline_ms - tx->sc->appeal_evidence_before_ms > tx->now) {
                arm(tx, RDR_STEP_APPEAL_EVIDENCE, 1,
                    v.deadline_ms - tx->sc->appeal_evidence_before_ms,
                    &c->appev_gen);
        } else {
                ask_evidence(tx, v.missing_evidence);
        }
        if (v.deadline_ms)
                arm(tx, RDR_STEP_APPEAL_END, 1, v.deadline_ms, &c->append_gen);
}

/* Section 7: a logistics review the carrier caused, where the platform
 * strikes such reviews through. */
static void try_carrier_appeal(tx_t *tx) {
        rdr_policy_verdict_t v;
        rdr_err_t err;
        if (!rdr_policy_ground(tx->pol, RDR_GROUND_CARRIER_DELAY, NULL, NULL))
                return;
        err = check(tx, RDR_ACT_APPEAL_FILE, 0, RDR_GROUND_CARRIER_DELAY,
                    tx->now, &v);
        if (err == RDR_OK)
                file_appeal(tx, RDR_GROUND_CARRIER_DELAY, &v);
        else if (err == RDR_ERR_BLOCKED)
                /* Recorded and counted as any step a rule forbids (the
                 * window closed, evidence the platform asks for missing);
                 * customer service goes on. */
                record_block(tx, RDR_STEP_APPEAL, tx->c->appeal_filed + 1,
                             v.rule);
}

/* Whether timer t is the cadence step case c waits for, and may run now
 * (not stale, not held by a shipment pause). */
static int cadence_step_due(const rdr_case_t *c,
                            const rdr_cadence_timer_in_t *t) {
        return t->gen && t->gen == c->next_gen && t->step == c->next_step &&
               t->attempt == c->next_attempt &&
               c->state == RDR_CASE_STATE_OUTREACH && !c->ship_paused;
}

/* Whether timer t is case c's held message (hold_till_due()). */
static int held_due(const rdr_case_t *c, const rdr_cadence_timer_in_t *t) {
        return t->gen && t->gen == c->held_gen && t->step == c->held_step;
}

/* A live case off the malicious track: the buyer may still hear from
 * the store. */
static int buyer_track(const rdr_case_t *c) {
        return c->state == RDR_CASE_STATE_OUTREACH ||
               c->state == RDR_CASE_STATE_PAUSED ||
               c->state == RDR_CASE_STATE_AWAITING_UPDATE ||
               c->state == RDR_CASE_STATE_WAITING;
}

int rdr_cadence_wants_buyer_tag(const rdr_case_t *c,
                                const rdr_cadence_input_t *in) {
        const rdr_cadence_timer_in_t *t = &in->timer;
        if (!c->version || !buyer_track(c))
                return 0;
        switch (in->type) {
        case RDR_CIN_TIMER:
                if (held_due(c, t))
                        return 1;
                if (t->step == RDR_STEP_MOD_CHECK)
                        return t->gen && t->gen == c->modchk_gen &&
                               c->state == RDR_CASE_STATE_AWAITING_UPDATE;
                return (t->step == RDR_STEP_FIRST_CONTACT ||
                        t->step == RDR_STEP_FOLLOW_UP ||
                        t->step == RDR_STEP_INCENTIVE ||
                        t->step == RDR_STEP_NUDGE) &&
                       cadence_step_due(c, t);
        case RDR_CIN_BUYER_CHAT:
                return 1;
        case RDR_CIN_SHIPMENT_RESUME:
                return c->ship_paused;
        case RDR_CIN_OFFER_DECISION:
                return in->approved && c->offer_pending == 1;
        case RDR_CIN_RESUME:
                return c->state == RDR_CASE_STATE_PAUSED ||
                       c->state == RDR_CASE_STATE_AWAITING_UPDATE;
        default:
                return 0;
        }
}

int rdr_cadence_chat_may_write(rdr_intent_t intent) {
        return intent == RDR_INTENT_AGREE;
}

int rdr_cadence_may_write(const rdr_case_t *c, const rdr_cadence_input_t *in) {
        if (!rdr_cadence_wants_buyer_tag(c, in))
                return 0;
        if (in->type != RDR_CIN_BUYER_CHAT)
                return 1;
        /* on_chat(): the guide of a first agreement */
        return rdr_cadence_chat_may_write(in->chat.intent) && !c->agreed &&
               !outreach_stopped(c);
}

size_t rdr_cadence_live_timers(const rdr_case_t *c, rdr_cadence_timer_t *out,
                               size_t max) {
        const struct {
                unsigned gen;
                rdr_step_t step;
                int attempt;
        } slots[] = {
            {c->next_gen, c->next_step, c->next_attempt},
            {c->ttl_gen, RDR_STEP_TTL, 1},
            {c->modchk_gen, RDR_STEP_MOD_CHECK, 1},
            {c->appev_gen, RDR_STEP_APPEAL_EVIDENCE, 1},
            {c->append_gen, RDR_STEP_APPEAL_END, 1},
            {c->unanswered_gen, RDR_STEP_APPEAL_UNANSWERED, 1},
            {c->unanswered_gen, RDR_STEP_APPEAL_UNANSWERED, 2},
            {c->held_gen, c->held_step, 1},
        };
        size_t i, n = 0;
        for (i = 0; i < sizeof(slots) / sizeof(slots[0]) && n < max; i++) {
                rdr_cadence_timer_t *t = &out[n];
                if (!slots[i].gen || (unsigned)slots[i].step >= RDR_STEP__CNT)
                        continue;
                memset(t, 0, sizeof(*t));
                t->step = slots[i].step;
                t->attempt = slots[i].attempt;
                t->gen = slots[i].gen;
                timer_id(t, c->case_id);
                n++;
        }
        return n;
}

int rdr_malicious_tags_buyer(rdr_malicious_t mal) {
        return mal == RDR_MAL_EXTORTION || mal == RDR_MAL_PROFESSIONAL ||
               mal == RDR_MAL_COMPETITOR;
}

/* The appeal track: no more outreach, the appeal filed as soon as its
 * ground's evidence is there (try_appeal()). */
static void to_appeal_track(tx_t *tx) {
        rdr_case_t *c = tx->c;
        c->state = RDR_CASE_STATE_MALICIOUS;
        c->next_step = RDR_STEP_NONE;
        c->next_attempt = 0;
        c->next_at_ms = 0;
        c->next_gen = c->modchk_gen = 0;
        drop_held(c);
        c->offer_pending = 0;
        c->mod_check_held = 0;
        c->paused_at_ms = 0;
        try_appeal(tx);
}

/* A refusal stops outreach, not an appeal to the platform (BEHAVIOR.md
 * 2.6, 3): a case the buyer's refusal closed still takes the appeal track
 * (a demand that came after, an agent's staff.appeal), the buyer still
 * hearing nothing. refused_closed(): c is such a case; reopen_refused():
 * open it again, for the caller to take it there, with its case_ttl armed
 * again (the close took it): a case whose appeal the platform does not
 * hear, or which waits for evidence, ends then as any open case does. */
static int refused_closed(const rdr_case_t *c) {
        return c->state == RDR_CASE_STATE_CLOSED &&
               c->close_reason == RDR_CLOSE_REFUSED;
}

static void reopen_refused(tx_t *tx) {
        rdr_case_t *c = tx->c;
        c->close_reason = RDR_CLOSE_NONE;
        c->closed_at_ms = 0;
        arm(tx, RDR_STEP_TTL, 1, c->opened_at_ms + tx->sc->case_ttl_ms,
            &c->ttl_gen);
}

static void to_malicious(tx_t *tx, rdr_malicious_t mal) {
        tx->c->malicious = mal;
        if (rdr_malicious_tags_buyer(mal))
                tx->out->tag_buyer = mal;
        to_appeal_track(tx);
}

/* ---- handlers --------------------------------------------------------- */

static int copy_id(tx_t *tx, char *dst, size_t size, const char *src,
                   const char *name, int required) {
        size_t n = src ? strlen(src) : 0;
        if (!n && required)
                return fail(tx, RDR_ERR_INVALID, "review: '%s' is required",
                            name);
        if (n >= size)
                return fail(tx, RDR_ERR_TOO_LARGE, "review: '%s' is too long",
                            name);
        memcpy(dst, src ? src : "", n + 1);
        return 0;
}

/* The review's classification, for the case's messages: its reasons'
 * names joined by ',', the main reason first, and the confidence. */
static void keep_classification(rdr_case_t *c, const rdr_cadence_review_t *r) {
        size_t i, n = 0;
        c->reasons[0] = '\0';
        for (i = 0; i <= r->reasons_cnt && r->reasons; i++) {
                /* 0: the main reason; then the others, in order */
                rdr_reason_t k = i ? r->reasons[i - 1] : r->reason;
                const char *name;
                size_t len;
                if ((unsigned)k >= RDR_REASON__CNT || k == RDR_REASON_NONE ||
                    (i && k == r->reason))
                        continue;
                name = rdr_reason_names[k];
                len = strlen(name);
                if (n + len + 2 > sizeof(c->reasons))
                        break;
                if (n)
                        c->reasons[n++] = ',';
                memcpy(c->reasons + n, name, len + 1);
                n += len;
        }
        if (r->confidence >= 0)
                snprintf(c->confidence, sizeof(c->confidence), "%.3f",
                         r->confidence > 1 ? 1.0 : r->confidence);
        else
                c->confidence[0] = '\0';
}

size_t rdr_case_classification(const rdr_case_t *c,
                               rdr_reason_t reasons[RDR_REASON__CNT],
                               double *confidence) {
        const char *p = c->reasons;
        size_t n = 0;
        while (*p && n < RDR_REASON__CNT) {
                size_t len = strcspn(p, ",");
                int r =
                    rdr_enum_parse(rdr_reason_names, RDR_REASON__CNT, p, len);
                if (r >= 0)
                        reasons[n++] = (rdr_reason_t)r;
                p += len + (p[len] == ',');
        }
        /* Cases written before: the reason alone; "none" (a case that
         * opened on its rating alone) lists no cause. */
        if (!n && c->reason != RDR_REASON_NONE)
                reasons[n++] = c->reason;
        *confidence = c->confidence[0] ? strtod(c->confidence, NULL) : 1.0;
        return n;
}

static void on_open(tx_t *tx, const rdr_cadence_review_t *r) {
        rdr_case_t *c = tx->c;
        const char *zone;
        rdr_policy_verdict_t v;
        vars_buf_t vb;
        size_t i;

        if (r->sentiment != RDR_SENT_NEGATIVE)
                return;
        if ((unsigned)r->reason >= RDR_REASON__CNT ||
            (unsigned)r->malicious >= RDR_MAL__CNT ||
            (unsigned)r->text_sentiment >= RDR_SENT__CNT ||
            (unsigned)r->review_kind >= RDR_REVIEW_KIND__CNT || r->rating < 0 ||
            r->rating > 5) {
                fail(tx, RDR_ERR_INVALID, "%s",
                     "review: reason, malicious, kind or rating out of range");
                return;
        }
        tx->pol = r->platform
                      ? rdr_policy_set_get(tx->conf->policies, r->platform)
                      : NULL;
        if (!tx->pol) {
                fail(tx, RDR_ERR_INVALID, "no policy for platform '%s'",
                     r->platform ? r->platform : "");
                return;
        }
        tx->sc =
            rdr_playbook_store(tx->conf->playbook, r->platform, r->store_id);
        memset(c, 0, sizeof(*c));
        if (copy_id(tx, c->case_id, sizeof(c->case_id), r->case_id, "case_id",
                    1) ||
            copy_id(tx, c->platform, sizeof(c->platform), r->platform,
                    "platform", 1) ||
            copy_id(tx, c->store_id, sizeof(c->store_id), r->store_id,
                    "store_id", 1) ||
            copy_id(tx, c->review_id, sizeof(c->review_id), r->review_id,
                    "review_id", 1) ||
            copy_id(tx, c->order_id, sizeof(c->order_id), r->order_id,
                    "order_id", 0) ||
            copy_id(tx, c->buyer_id, sizeof(c->buyer_id), r->buyer_id,
                    "buyer_id", 0) ||
            copy_id(tx, c->product_id, sizeof(c->product_id), r->product_id,
                    "product_id", 0))
                return;
        rdr_utf8_copy(c->buyer_name, sizeof(c->buyer_name),
                      r->buyer_name ? r->buyer_name : "");
        /* None given or detected (emoji, digits): the store's. */
        rdr_utf8_copy(c->language, sizeof(c->language),
                      rdr_lang_known(r->language) ? r->language
                                                  : tx->sc->language);
        c->zone_source =
            rdr_localtime_pick_zone(r->buyer_timezone, tx->sc->timezone, &zone);
        rdr_str_copy(c->zone, sizeof(c->zone), zone);
        tx->out->zone_fallback = c->zone_source != RDR_ZONE_BUYER;
        c->review_kind = r->review_kind;
        c->rating = r->rating;
        c->sentiment = r->text_sentiment;
        c->reason = r->reason;
        keep_classification(c, r);
        c->malicious = RDR_MAL_NONE;
        c->carrier_at_fault = r->carrier_at_fault ? 1 : 0;
        c->order_messages_before =
            r->order_review_messages > 0 ? r->order_review_messages : 0;
        c->order_modify_before =
            r->order_modify_requests > 0 ? r->order_modify_requests : 0;
        c->review_at_ms = r->review_at_ms ? r->review_at_ms : tx->now;
        c->opened_at_ms = tx->now;
        c->buyer_channel = -1;
        c->appeal_outcome = -1;
        c->state = RDR_CASE_STATE_OUTREACH;
        add_evidence(c, RDR_EVIDENCE_REVIEW, c->review_id, r->text,
                     c->review_at_ms);
        c->review_demands = r->demand_in_text ? 1 : 0;
        for (i = 0; i < r->evidence_cnt; i++)
                add_evidence_in(c, &r->evidence[i]);

        arm(tx, RDR_STEP_TTL, 1, c->opened_at_ms + tx->sc->case_ttl_ms,
            &c->ttl_gen);

        /* 1. The public reply, at once, polite whatever the track. */
        if (check(tx, RDR_ACT_REPLY_PUBLIC, 0, RDR_GROUND_NONE, tx->now, &v) ==
            RDR_ERR_BLOCKED) {
                record_block(tx, RDR_STEP_REPLY, 1, v.rule);
        } else {
                case_vars(c, &vb);
                emit(tx, RDR_STEP_REPLY, 1, RDR_ACT_REPLY_PUBLIC,
                     r->malicious != RDR_MAL_NONE ? "malicious"
                                                  : rdr_reason_names[c->reason],
                     c->language, v.channel, tx->now, 0, &vb.v);
        }
        /* Section 7: a parcel that holds the order's outreach marks the
         * case whatever its track, as its pause marks every case of the
         * order open then: the record says the same whether the review
         * or the parcel's event came first. */
        if (r->shipment_paused)
                c->ship_paused = 1;
        if (r->malicious != RDR_MAL_NONE) {
                to_malicious(tx, r->malicious);
                return;
        }
        if (r->buyer_refused ||
            (r->store_refused_at_ms &&
             r->store_refused_at_ms >=
                 c->review_at_ms - tx->sc->refusal_memory_ms)) {
                /* The buyer already said no, before the review was read
                 * (the chat came first), about this order or to the store
                 * lately or after writing the review: silence from the
                 * start, as if the refusal had come after. */
                close_case(tx, RDR_CASE_STATE_CLOSED, RDR_CLOSE_REFUSED);
                return;
        }
        if (c->carrier_at_fault && c->reason == RDR_REASON_LOGISTICS)
                try_carrier_appeal(tx);
        c->next_step = RDR_STEP_FIRST_CONTACT;
        c->next_attempt = 1;
        if (c->ship_paused) {
                /* The delay notice goes first; outreach waits for
                 * delivery. */
                c->paused_at_ms = tx->now;
                return;
        }
        run_step(tx, RDR_STEP_FIRST_CONTACT, 1);
}

/* A buyer tagged fleet-wide since the case opened (another store, or
 * another order's chat): no more outreach, and the case takes the
 * malicious track with the tag as its evidence. Returns 1 if it did. */
static int tagged_since(tx_t *tx, rdr_malicious_t tag) {
        rdr_case_t *c = tx->c;
        char text[64];
        if (!rdr_malicious_tags_buyer(tag) || !buyer_track(c))
                return 0;
        snprintf(text, sizeof(text), "buyer tagged %s in the fleet",
                 rdr_malicious_names[tag]);
        add_evidence(c, RDR_EVIDENCE_BUYER_PROFILE, c->buyer_id, text, tx->now);
        /* The demand in a chat of the order, which reached another case
         * of it. */
        if (tag == RDR_MAL_EXTORTION && tx->in && tx->in->order_demand_ref[0] &&
            tx->in->order_demand_text[0])
                add_evidence(c, RDR_EVIDENCE_CHAT, tx->in->order_demand_ref,
                             tx->in->order_demand_text,
                             tx->in->order_demand_at_ms);
        to_malicious(tx, tag);
        return 1;
}

/* Before a step that would reach the buyer, the case closes as refused
 * when the buyer said no about its order in a chat the case never heard
 * (one applied while the case was opening, or that reached another case
 * of the order: rdr_cadence_input_t order_refused), or told the case's
 * store not to contact them, in a chat that named no order, since the
 * case opened (or before, within refusal_memory of the review, as
 * on_open() reads it), and has not agreed on this case since (both by
 * when the buyer wrote them, however late the fleet read either;
 * store_refused_at_ms). A buyer tagged since takes the malicious track
 * instead. Returns 1 if it closed. */
static int refused_since(tx_t *tx, const rdr_cadence_input_t *in) {
        rdr_case_t *c = tx->c;
        int64_t at = in->store_refused_at_ms;
        if (in->type == RDR_CIN_BUYER_CHAT ||
            rdr_malicious_tags_buyer(in->buyer_tag) ||
            !rdr_cadence_wants_buyer_tag(c, in))
                return 0;
        if (in->order_refused) {
                close_case(tx, RDR_CASE_STATE_CLOSED, RDR_CLOSE_REFUSED);
                return 1;
        }
        if (!at || at < c->review_at_ms - tx->sc->refusal_memory_ms ||
            (c->agreed && at <= (c->agreed_sent_at_ms ? c->agreed_sent_at_ms
                                                      : c->agreed_at_ms)))
                return 0;
        close_case(tx, RDR_CASE_STATE_CLOSED, RDR_CLOSE_REFUSED);
        return 1;
}

/* A manager's approved offer: the incentive goes out now (held till the
 * buyer's day: publish_incentive()), and the nudges after it; or waits
 * (offer_pending 2) while the parcel is late or an agent has the case
 * (the buyer wrote), for the delivery or the hand-back. Dropped once the
 * buyer agreed or outreach stopped. */
static void approved_offer(tx_t *tx) {
        rdr_case_t *c = tx->c;
        c->offer_pending = 0;
        if (outreach_stopped(c) || c->state == RDR_CASE_STATE_AWAITING_UPDATE)
                return;
        if (c->ship_paused || c->state == RDR_CASE_STATE_PAUSED)
                c->offer_pending = 2;
        else if (!publish_incentive(tx, contact_at(tx, tx->now)))
                nudges_follow(tx);
}

/* The held message is due (hold_till_due()): it goes out unless what
 * would have stopped it then came meanwhile. */
static void on_held(tx_t *tx, rdr_malicious_t buyer_tag) {
        rdr_case_t *c = tx->c;
        rdr_step_t step = c->held_step;
        drop_held(c);
        if (outreach_stopped(c) || tagged_since(tx, buyer_tag))
                return;
        if (step == RDR_STEP_INCENTIVE) {
                approved_offer(tx);
                return;
        }
        if (!guide_wanted(c, step))
                return;
        if (step == RDR_STEP_MOD_REMINDER)
                remind(tx);
        else
                send_guide(tx, step);
}

static void on_timer(tx_t *tx, const rdr_cadence_timer_in_t *t,
                     rdr_malicious_t buyer_tag) {
        rdr_case_t *c = tx->c;
        rdr_cadence_out_t *out = tx->out;
        if ((unsigned)t->step >= RDR_STEP__CNT) {
                fail(tx, RDR_ERR_INVALID, "%s", "timer: unknown step");
                return;
        }
        if (held_due(c, t)) {
                on_held(tx, buyer_tag);
                return;
        }
        switch (t->step) {
        case RDR_STEP_FIRST_CONTACT:
        case RDR_STEP_FOLLOW_UP:
        case RDR_STEP_INCENTIVE:
        case RDR_STEP_NUDGE:
                if (!cadence_step_due(c, t)) {
                        out->status = RDR_CADENCE_STALE;
                        return;
                }
                if (tagged_since(tx, buyer_tag))
                        return;
                run_step(tx, t->step, t->attempt);
                return;
        case RDR_STEP_MOD_CHECK:
                if (!t->gen || t->gen != c->modchk_gen) {
                        out->status = RDR_CADENCE_STALE;
                        return;
                }
                c->modchk_gen = 0;
                /* One reminder, only if the review did not change. */
                if (guide_wanted(c, RDR_STEP_MOD_REMINDER) &&
                    !tagged_since(tx, buyer_tag))
                        remind(tx);
                return;
        case RDR_STEP_APPEAL_EVIDENCE:
                if (!t->gen || t->gen != c->appev_gen) {
                        out->status = RDR_CADENCE_STALE;
                        return;
                }
                c->appev_gen = 0;
                if (c->state == RDR_CASE_STATE_MALICIOUS) {
                        unsigned need = 0;
                        rdr_policy_ground(tx->pol, c->appeal_ground, &need,
                                          NULL);
                        ask_evidence(tx, need & ~evidence_mask(c));
                }
                return;
        case RDR_STEP_APPEAL_END:
                if (!t->gen || t->gen != c->append_gen) {
                        out->status = RDR_CADENCE_STALE;
                        return;
                }
                c->append_gen = 0;
                if (c->state == RDR_CASE_STATE_MALICIOUS)
                        close_case(tx, RDR_CASE_STATE_CLOSED,
                                   RDR_CLOSE_APPEAL_EXPIRED);
                return;
        case RDR_STEP_APPEAL_UNANSWERED:
                if (!t->gen || t->gen != c->unanswered_gen) {
                        out->status = RDR_CADENCE_STALE;
                        return;
                }
                c->unanswered_gen = 0;
                if (c->state != RDR_CASE_STATE_APPEALED)
                        return;
                if (t->attempt == 1) {
                        int64_t close_at = c->appeal_filed_at_ms +
                                           tx->sc->appeal_close_after_ms;
                        vars_buf_t vb;
                        case_vars(c, &vb);
                        staff(tx, RDR_STEP_APPEAL_UNANSWERED, 1,
                              "appeal_unanswered", close_at, &vb);
                        arm(tx, RDR_STEP_APPEAL_UNANSWERED, 2,
                            close_at > tx->now ? close_at : tx->now,
                            &c->unanswered_gen);
                        return;
                }
                close_case(tx, RDR_CASE_STATE_CLOSED, RDR_CLOSE_EXPIRED);
                return;
        case RDR_STEP_TTL:
                if (!t->gen || t->gen != c->ttl_gen) {
                        out->status = RDR_CADENCE_STALE;
                        return;
                }
                c->ttl_gen = 0;
                /* case_ttl ends a cadence, not an appeal: a malicious
                 * case whose window is open waits for its end
                 * (RDR_STEP_APPEAL_END closes it), and a filed appeal for
                 * the platform's answer (until appeal_close_after); an
                 * appeal window that closes with the case names it. */
                if (c->state == RDR_CASE_STATE_MALICIOUS && c->append_gen &&
                    c->appeal_deadline_ms > tx->now)
                        return;
                if (c->state == RDR_CASE_STATE_MALICIOUS &&
                    c->appeal_deadline_ms && tx->now >= c->appeal_deadline_ms)
                        close_case(tx, RDR_CASE_STATE_CLOSED,
                                   RDR_CLOSE_APPEAL_EXPIRED);
                else if (c->state != RDR_CASE_STATE_APPEALED)
                        close_case(tx, RDR_CASE_STATE_CLOSED,
                                   RDR_CLOSE_EXPIRED);
                return;
        default:
                out->status = RDR_CADENCE_STALE;
                return;
        }
}

static void on_chat(tx_t *tx, const rdr_cadence_chat_t *ch,
                    rdr_malicious_t buyer_tag) {
        rdr_case_t *c = tx->c;
        vars_buf_t vb;
        if ((unsigned)ch->intent >= RDR_INTENT__CNT ||
            (unsigned)ch->channel >= RDR_CHAN__CNT) {
                fail(tx, RDR_ERR_INVALID, "%s",
                     "chat: intent or channel out of range");
                return;
        }
        if (rdr_case_state_final(c->state)) {
                /* "I won't change it", then "pay me or the review
                 * stays": the demand takes the case the refusal closed
                 * to the malicious track (BEHAVIOR.md 3). */
                if (refused_closed(c) && ch->intent == RDR_INTENT_EXTORTION) {
                        reopen_refused(tx);
                        add_evidence(c, RDR_EVIDENCE_CHAT, ch->ref, ch->text,
                                     ch->sent_at_ms);
                        to_malicious(tx, RDR_MAL_EXTORTION);
                }
                return;
        }
        if (c->state == RDR_CASE_STATE_MALICIOUS ||
            c->state == RDR_CASE_STATE_APPEALED) {
                /* No negotiation; a new demand is more evidence. */
                if (ch->intent != RDR_INTENT_EXTORTION)
                        return;
                add_evidence(c, RDR_EVIDENCE_CHAT, ch->ref, ch->text,
                             ch->sent_at_ms);
                if (c->state == RDR_CASE_STATE_MALICIOUS)
                        try_appeal(tx);
                return;
        }
        c->buyer_messages++;
        c->buyer_channel = (int)ch->channel;
        if (ch->intent == RDR_INTENT_EXTORTION) {
                add_evidence(c, RDR_EVIDENCE_CHAT, ch->ref, ch->text,
                             ch->sent_at_ms);
                to_malicious(tx, RDR_MAL_EXTORTION);
                return;
        }
        /* No agent answers a buyer tagged since, and a refusal does not
         * end the case before its appeal. */
        if (tagged_since(tx, buyer_tag))
                return;
        if (ch->intent == RDR_INTENT_REFUSE) {
                close_case(tx, RDR_CASE_STATE_CLOSED, RDR_CLOSE_REFUSED);
                return;
        }
        /* Any other message: an agent answers within reply_sla, and the
         * automatic cadence waits. */
        case_vars(c, &vb);
        staff(tx, RDR_STEP_BUYER_REPLY, c->buyer_messages, "buyer_reply",
              tx->now + tx->sc->reply_sla_ms, &vb);
        pause_cadence(tx);
        if (c->state == RDR_CASE_STATE_OUTREACH)
                c->state = RDR_CASE_STATE_PAUSED;
        if (ch->intent != RDR_INTENT_AGREE || c->agreed)
                return;
        c->agreed = 1;
        c->agreed_at_ms = tx->now;
        c->agreed_sent_at_ms = ch->sent_at_ms > 0 && ch->sent_at_ms < tx->now
                                   ? ch->sent_at_ms
                                   : tx->now;
        if (outreach_stopped(c))
                return;
        send_guide(tx, RDR_STEP_MOD_GUIDE);
        if (!c->stop_rule[0] &&
            (c->modchk_gen || c->held_step == RDR_STEP_MOD_GUIDE))
                c->state = RDR_CASE_STATE_AWAITING_UPDATE;
}

/* The buyer lowered again the review whose raised rating resolved the
 * case: the case is open again, with an agent asked to look (within
 * reply_sla), and no automatic outreach (it stopped for good when the
 * case resolved): the agent's hand-back leaves it waiting for the review
 * or case_ttl, armed again. */
static void reopen(tx_t *tx, int rating) {
        rdr_case_t *c = tx->c;
        vars_buf_t vb;
        c->rating = rating;
        c->state = RDR_CASE_STATE_PAUSED;
        c->close_reason = RDR_CLOSE_NONE;
        c->closed_at_ms = 0;
        c->lowered++;
        arm(tx, RDR_STEP_TTL, 1, c->opened_at_ms + tx->sc->case_ttl_ms,
            &c->ttl_gen);
        case_vars(c, &vb);
        staff(tx, RDR_STEP_REVIEW_LOWERED, c->lowered, "review_lowered",
              tx->now + tx->sc->reply_sla_ms, &vb);
}

static void on_review_updated(tx_t *tx, int rating,
                              const rdr_cadence_edit_t *e) {
        rdr_case_t *c = tx->c;
        if (rating < 1 || rating > 5 ||
            (unsigned)e->malicious >= RDR_MAL__CNT ||
            (unsigned)e->sentiment >= RDR_SENT__CNT) {
                fail(tx, RDR_ERR_INVALID, "%s",
                     "review: rating, sentiment or malicious out of range");
                return;
        }
        if (c->state == RDR_CASE_STATE_RESOLVED &&
            c->close_reason == RDR_CLOSE_RATING_RAISED &&
            rating < tx->sc->resolved_rating && !expired(tx))
                reopen(tx, rating);
        if (rdr_case_state_final(c->state))
                return;
        c->rating = rating;
        c->sentiment = e->sentiment;
        c->review_updated_at_ms = tx->now;
        if (rating >= tx->sc->resolved_rating) {
                close_case(tx, RDR_CASE_STATE_RESOLVED,
                           RDR_CLOSE_RATING_RAISED);
                return;
        }
        if (e->malicious == RDR_MAL_NONE)
                return;
        /* The buyer wrote a demand (or abuse) into the review: the new
         * text is the appeal's evidence, and a case still negotiating
         * takes the malicious track as if the review had said it first
         * (section 3). */
        if (e->text && *e->text &&
            !holds_evidence(c, RDR_EVIDENCE_REVIEW, NULL, e->text))
                add_evidence(c, RDR_EVIDENCE_REVIEW, c->review_id, e->text,
                             e->edited_at_ms > 0 ? e->edited_at_ms : tx->now);
        if (e->demand_in_text)
                c->review_demands = 1;
        if (c->state == RDR_CASE_STATE_MALICIOUS)
                try_appeal(tx);
        else if (c->state != RDR_CASE_STATE_APPEALED)
                to_malicious(tx, e->malicious);
}

static void on_ship_resume(tx_t *tx, rdr_malicious_t buyer_tag) {
        rdr_case_t *c = tx->c;
        if (rdr_case_state_final(c->state))
                return;
        c->ship_resumed_at_ms = tx->now;
        if (!c->ship_paused)
                return;
        c->ship_paused = 0;
        if (tagged_since(tx, buyer_tag))
                return;
        if (c->state == RDR_CASE_STATE_OUTREACH)
                resume_cadence(tx);
        if (c->held_step == RDR_STEP_MOD_GUIDE && !c->held_gen) {
                /* The guide that waited for the delivery (send_guide()). */
                drop_held(c);
                if (guide_wanted(c, RDR_STEP_MOD_GUIDE))
                        send_guide(tx, RDR_STEP_MOD_GUIDE);
        }
        if (c->mod_check_held && c->state == RDR_CASE_STATE_AWAITING_UPDATE &&
            !outreach_stopped(c)) {
                c->mod_check_held = 0;
                if (guide_wanted(c, RDR_STEP_MOD_REMINDER))
                        send_guide(tx, RDR_STEP_MOD_REMINDER);
        }
        if (c->offer_pending == 2)
                approved_offer(tx);
}

static void on_offer_decision(tx_t *tx, int approved,
                              rdr_malicious_t buyer_tag) {
        rdr_case_t *c = tx->c;
        if (c->offer_pending != 1)
                return;
        c->offer_pending = 0;
        if (!approved)
                nudges_follow(tx);
        else if (!tagged_since(tx, buyer_tag))
                approved_offer(tx);
}

/* An agent appeals the review on a ground of the platform's
 * (staff.appeal), one no classifier label may reach (unrelated to the
 * order) or another than the label's (a professional's review that also
 * publishes personal data, where the platform hears only the latter).
 * The case takes the appeal track as a malicious review does, with that
 * ground; a ground the platform does not hear, or a closed window, is
 * recorded as blocked and the case goes on as it was. A case that ended
 * or filed its appeal keeps only the evidence. */
static void on_staff_appeal(tx_t *tx, const rdr_cadence_input_t *in) {
        rdr_case_t *c = tx->c;
        rdr_policy_verdict_t v;
        rdr_err_t err;
        if (rdr_case_state_final(c->state) && !refused_closed(c))
                return;
        if (in->evidence.kind)
                add_evidence_in(c, &in->evidence);
        if (c->state == RDR_CASE_STATE_APPEALED)
                return;
        err = check(tx, RDR_ACT_APPEAL_FILE, 0, in->ground, tx->now, &v);
        if (err != RDR_OK && err != RDR_ERR_BLOCKED)
                return;
        if (err == RDR_ERR_BLOCKED && !v.missing_evidence) {
                record_block(tx, RDR_STEP_APPEAL, c->appeal_filed + 1, v.rule);
                return;
        }
        c->staff_ground = in->ground;
        if (refused_closed(c))
                reopen_refused(tx);
        if (c->state == RDR_CASE_STATE_MALICIOUS)
                try_appeal(tx);
        else
                to_appeal_track(tx);
}

static void on_resume(tx_t *tx, const rdr_cadence_input_t *in) {
        rdr_case_t *c = tx->c;
        rdr_malicious_t buyer_tag = in->buyer_tag;
        if (c->state != RDR_CASE_STATE_PAUSED &&
            c->state != RDR_CASE_STATE_AWAITING_UPDATE)
                return;
        /* The answer to an earlier message of the buyer (or an earlier
         * lowering): a later one still waits for its agent. */
        if ((in->answered_step == RDR_STEP_BUYER_REPLY &&
             in->answered_attempt < c->buyer_messages) ||
            (in->answered_step == RDR_STEP_REVIEW_LOWERED &&
             in->answered_attempt < c->lowered))
                return;
        if (c->stop_rule[0]) {
                /* A platform's rule stopped the outreach (an agreement
                 * whose guide it forbids): the agent is done with the
                 * buyer's message, and the case waits, as one stopped
                 * without it does (for the review's update, or case_ttl),
                 * not for an agent. */
                if (c->state == RDR_CASE_STATE_PAUSED)
                        c->state = RDR_CASE_STATE_WAITING;
                return;
        }
        if (tagged_since(tx, buyer_tag))
                return;
        /* The buyer agreed (BEHAVIOR.md 2.7): the agent answered them,
         * and the agreement's path goes on, the guide (held for their
         * hours, perhaps) and the check 48 h later; no cadence. */
        if (c->state == RDR_CASE_STATE_AWAITING_UPDATE)
                return;
        c->state = RDR_CASE_STATE_OUTREACH;
        if (!c->ship_paused)
                resume_cadence(tx);
        if (c->offer_pending == 2)
                approved_offer(tx);
}

/* An accepted appeal: resolved when the review goes or stops counting
 * (its ground's remedy); closed, not resolved, when only its text goes
 * (remove_text: the rating stands, BEHAVIOR.md 2.6). */
static void appeal_accepted(tx_t *tx) {
        rdr_remedy_t remedy = RDR_REMEDY_REMOVE_REVIEW;
        unsigned need;
        rdr_policy_ground(tx->pol, tx->c->appeal_ground, &need, &remedy);
        close_case(tx,
                   remedy == RDR_REMEDY_REMOVE_TEXT ? RDR_CASE_STATE_CLOSED
                                                    : RDR_CASE_STATE_RESOLVED,
                   RDR_CLOSE_APPEAL_ACCEPTED);
}

static void on_appeal_result(tx_t *tx, rdr_outcome_t outcome, int answered) {
        rdr_case_t *c = tx->c;
        if ((unsigned)outcome >= RDR_OUTCOME__CNT) {
                fail(tx, RDR_ERR_INVALID, "%s", "appeal: outcome out of range");
                return;
        }
        if (!c->appeal_filed || c->state == RDR_CASE_STATE_RESOLVED)
                return;
        /* A rejection of an appeal a later one followed (the carrier's
         * delay at the opening, then the review edited into abuse)
         * leaves the case to the later one's answer: it neither closes
         * the case nor stands for the answer a late acceptance is
         * waited for. An acceptance removes the review all the same. */
        if (outcome != RDR_OUTCOME_ACCEPTED && answered > 0 &&
            answered < c->appeal_filed)
                return;
        if (rdr_case_state_final(c->state)) {
                /* Closed waiting for the answer (appeal_close_after): an
                 * acceptance that comes later still resolves it. */
                if (c->close_reason != RDR_CLOSE_EXPIRED ||
                    !c->appeal_filed_at_ms || c->appeal_outcome >= 0)
                        return;
                c->appeal_outcome = (int)outcome;
                if (outcome == RDR_OUTCOME_ACCEPTED)
                        appeal_accepted(tx);
                else
                        c->close_reason = RDR_CLOSE_APPEAL_REJECTED;
                return;
        }
        c->appeal_outcome = (int)outcome;
        if (outcome == RDR_OUTCOME_ACCEPTED)
                appeal_accepted(tx);
        else if (c->state == RDR_CASE_STATE_APPEALED)
                close_case(tx, RDR_CASE_STATE_CLOSED,
                           RDR_CLOSE_APPEAL_REJECTED);
}

/* Past case_ttl (BEHAVIOR.md 2.6), an input that would reach the buyer
 * closes the case as expired, as its case_ttl timer would have (one read
 * late, behind a backlog, is not yet). Returns 1 if it closed. */
static int expired_since(tx_t *tx, const rdr_cadence_input_t *in) {
        if (!expired(tx) || !rdr_cadence_wants_buyer_tag(tx->c, in))
                return 0;
        close_case(tx, RDR_CASE_STATE_CLOSED, RDR_CLOSE_EXPIRED);
        return 1;
}

static void dispatch(tx_t *tx, const rdr_cadence_input_t *in) {
        rdr_case_t *c = tx->c;
        if ((unsigned)in->buyer_tag >= RDR_MAL__CNT) {
                fail(tx, RDR_ERR_INVALID, "%s", "buyer tag out of range");
                return;
        }
        if (refused_since(tx, in) || expired_since(tx, in))
                return;
        switch (in->type) {
        case RDR_CIN_REVIEW_CLASSIFIED:
                tx->out->status = RDR_CADENCE_DUPLICATE;
                return;
        case RDR_CIN_REVIEW_UPDATED:
                on_review_updated(tx, in->rating, &in->edit);
                return;
        case RDR_CIN_REVIEW_REMOVED:
                if (!rdr_case_state_final(c->state))
                        close_case(tx, RDR_CASE_STATE_RESOLVED,
                                   RDR_CLOSE_REMOVED);
                return;
        case RDR_CIN_TIMER:
                on_timer(tx, &in->timer, in->buyer_tag);
                return;
        case RDR_CIN_BUYER_CHAT:
                on_chat(tx, &in->chat, in->buyer_tag);
                return;
        case RDR_CIN_SHIPMENT_PAUSE:
                /* A check's pause that a delivery overtook (its timer
                 * fired after the delivery reached the case). */
                if (in->pause_at_ms && c->ship_resumed_at_ms &&
                    in->pause_at_ms <= c->ship_resumed_at_ms) {
                        learn_zone(tx, in->buyer_zone);
                        return;
                }
                if (!rdr_case_state_final(c->state) && !c->ship_paused) {
                        pause_cadence(tx);
                        c->ship_paused = 1;
                }
                learn_zone(tx, in->buyer_zone);
                return;
        case RDR_CIN_SHIPMENT_RESUME:
                learn_zone(tx, in->buyer_zone);
                on_ship_resume(tx, in->buyer_tag);
                return;
        case RDR_CIN_BUYER_ZONE:
                learn_zone(tx, in->buyer_zone);
                return;
        case RDR_CIN_OFFER_DECISION:
                on_offer_decision(tx, in->approved, in->buyer_tag);
                return;
        case RDR_CIN_EVIDENCE:
                if (rdr_case_state_final(c->state))
                        return;
                add_evidence_in(c, &in->evidence);
                if (c->state == RDR_CASE_STATE_MALICIOUS)
                        try_appeal(tx);
                return;
        case RDR_CIN_APPEAL_RESULT:
                on_appeal_result(tx, in->outcome, in->answered_attempt);
                return;
        case RDR_CIN_RESUME:
                on_resume(tx, in);
                return;
        case RDR_CIN_STAFF_APPEAL:
                on_staff_appeal(tx, in);
                return;
        default:
                fail(tx, RDR_ERR_INVALID, "%s", "unknown input type");
                return;
        }
}

void rdr_cadence_out_reset(rdr_cadence_out_t *out) {
        memset(out, 0, offsetof(rdr_cadence_out_t, actions));
}

rdr_err_t rdr_cadence_apply(const rdr_cadence_conf_t *conf,
                            const rdr_case_t *cur,
                            const rdr_cadence_input_t *in, int64_t now_ms,
                            rdr_case_t *next, rdr_cadence_out_t *out) {
        static const rdr_case_t none;
        rdr_case_t copy;
        const rdr_case_t *before = cur ? cur : &none;
        tx_t tx;

        if (cur == next) {
                /* next is written below: keep what cur was */
                memcpy(&copy, cur, sizeof(copy));
                before = &copy;
        }
        rdr_cadence_out_reset(out);
        out->status = RDR_CADENCE_NOOP;
        out->prev_state = before->state;
        memcpy(next, before, sizeof(*next));
        memset(&tx, 0, sizeof(tx));
        tx.conf = conf;
        tx.c = next;
        tx.out = out;
        tx.now = now_ms;
        tx.in = in;

        if (before->version == 0) {
                if (in->type == RDR_CIN_REVIEW_CLASSIFIED)
                        on_open(&tx, &in->review);
                else
                        out->status = RDR_CADENCE_NO_CASE;
        } else {
                tx.pol = rdr_policy_set_get(conf->policies, before->platform);
                tx.sc = rdr_playbook_store(conf->playbook, before->platform,
                                           before->store_id);
                if (!tx.pol || before->state == RDR_CASE_STATE_NONE ||
                    (unsigned)before->state >= RDR_CASE_STATE__CNT)
                        fail(&tx, RDR_ERR_INVALID,
                             "case of unknown platform '%s' or state",
                             before->platform);
                else
                        dispatch(&tx, in);
        }

        if (tx.err || out->status != RDR_CADENCE_NOOP ||
            !memcmp(before, next, sizeof(*next))) {
                /* An error, or nothing to write: no effects at all. */
                char errstr[sizeof(out->errstr)];
                rdr_cadence_status_t status = out->status;
                memcpy(errstr, out->errstr, sizeof(errstr));
                memcpy(next, before, sizeof(*next));
                rdr_cadence_out_reset(out);
                out->status = status;
                out->prev_state = before->state;
                memcpy(out->errstr, errstr, sizeof(errstr));
                return tx.err;
        }
        out->status = RDR_CADENCE_APPLIED;
        next->version = before->version + 1;
        if (in->agent_id && *in->agent_id &&
            (in->type == RDR_CIN_OFFER_DECISION ||
             in->type == RDR_CIN_EVIDENCE || in->type == RDR_CIN_RESUME ||
             in->type == RDR_CIN_STAFF_APPEAL))
                rdr_utf8_copy(next->agent_id, sizeof(next->agent_id),
                              in->agent_id);
        next->updated_at_ms = now_ms;
        if (before->state == RDR_CASE_STATE_NONE) {
                out->has_case_event = 1;
                out->case_event = RDR_CASE_OPENED;
        } else if (rdr_case_state_final(next->state) &&
                   !rdr_case_state_final(before->state)) {
                out->has_case_event = 1;
                out->case_event = RDR_CASE_CLOSED;
        } else if (next->state != before->state) {
                out->has_case_event = 1;
                out->case_event = RDR_CASE_STATE_CHANGED;
        }
        return RDR_OK;
}

/* ---- messages --------------------------------------------------------- */

void rdr_cadence_action_msg(const rdr_case_t *c, const rdr_cadence_action_t *a,
                            rdr_evidence_t *ev, rdr_action_msg_t *am) {
        int i;
        memset(am, 0, sizeof(*am));
        am->action_id = a->action_id;
        am->kind = a->kind;
        am->case_id = c->case_id;
        am->platform = c->platform;
        am->store_id = c->store_id;
        am->buyer_id = c->buyer_id;
        am->order_id = c->order_id;
        am->review_id = c->review_id;
        am->channel = a->channel;
        am->language = a->language;
        am->template_id = a->template_id;
        am->message = a->message;
        if (a->has_offer && (a->offer.type == RDR_OFFER_PARTIAL_REFUND ||
                             a->offer.type == RDR_OFFER_COUPON)) {
                am->has_offer = 1;
                am->offer.amount_minor = a->offer.amount_minor;
                memcpy(am->offer.currency, a->offer.currency,
                       sizeof(am->offer.currency));
        }
        for (i = 0; i < a->evidence_cnt && i < c->evidence_cnt; i++) {
                ev[i].kind = rdr_evidence_kind_names[c->evidence[i].kind];
                ev[i].ref = c->evidence[i].ref;
                ev[i].text = c->evidence[i].text;
                ev[i].at_ms = c->evidence[i].at_ms;
        }
        am->evidence = i ? ev : NULL;
        am->evidence_cnt = (size_t)i;
        am->due_at_ms = a->due_at_ms;
        am->deadline_at_ms = a->deadline_at_ms;
        am->created_at_ms = a->created_at_ms;
}

rdr_err_t rdr_cadence_timer_parse(const char *timer_id, char *case_id,
                                  size_t size, rdr_cadence_timer_in_t *t) {
        const char *p3 = strrchr(timer_id, ':'), *p2, *p1;
        long long gen, attempt;
        int step;
        if (!p3 || p3 == timer_id)
                return RDR_ERR_INVALID;
        for (p2 = p3 - 1; p2 > timer_id && *p2 != ':'; p2--)
                ;
        if (p2 == timer_id) /* no case id before the step */
                return RDR_ERR_INVALID;
        for (p1 = p2 - 1; p1 > timer_id && *p1 != ':'; p1--)
                ;
        if (*p2 != ':' || *p1 != ':' || p1 == timer_id)
                return RDR_ERR_INVALID;
        if (rdr_str_to_ll(p3 + 1, strlen(p3 + 1), 1, 0xffffffffLL, &gen) ||
            rdr_str_to_ll(p2 + 1, (size_t)(p3 - p2 - 1), 0, 1000000, &attempt))
                return RDR_ERR_INVALID;
        step = rdr_enum_parse(rdr_step_names, RDR_STEP__CNT, p1 + 1,
                              (size_t)(p2 - p1 - 1));
        if (step <= RDR_STEP_NONE)
                return RDR_ERR_INVALID;
        if (case_id) {
                size_t n = (size_t)(p1 - timer_id);
                if (n >= size)
                        return RDR_ERR_INVALID;
                memcpy(case_id, timer_id, n);
                case_id[n] = '\0';
        }
        t->step = (rdr_step_t)step;
        t->attempt = (int)attempt;
        t->gen = (unsigned)gen;
        return RDR_OK;
}

/* ---- the case as a hash ----------------------------------------------- */

typedef enum ftype_e { F_STR, F_INT, F_UINT, F_LL, F_I64, F_ENUM } ftype_t;

typedef struct field_s {
        const char *name;
        ftype_t type;
        size_t off, size;         /* size: F_STR capacity */
        const char *const *names; /* F_ENUM */
        int cnt;
        long long min, max; /* F_INT and F_LL */
} field_t;

#define CF(n, t, f)                                                            \
        {                                                                      \
                n, t, offsetof(rdr_case_t, f), sizeof(((rdr_case_t *)0)->f),   \
                    NULL, 0, 0, 0                                              \
        }
#define CS(f) CF(#f, F_STR, f)
#define CI(f, lo, hi)                                                          \
        { #f, F_INT, offsetof(rdr_case_t, f), 0, NULL, 0, lo, hi }
#define CU(f) CF(#f, F_UINT, f)
#define CT(f) CF(#f, F_I64, f)
#define CE(f, tbl, n)                                                          \
        { #f, F_ENUM, offsetof(rdr_case_t, f), 0, tbl, n, 0, 0 }

static const field_t case_fields[] = {
    {"version", F_LL, offsetof(rdr_case_t, version), 0, NULL, 0, 0,
     0x7fffffffffffffffLL},
    CE(state, rdr_case_state_names, RDR_CASE_STATE__CNT),
    CE(close_reason, rdr_close_reason_names, RDR_CLOSE__CNT),
    CS(stop_rule),
    CS(case_id),
    CS(platform),
    CS(store_id),
    CS(review_id),
    CS(order_id),
    CS(buyer_id),
    CS(product_id),
    CS(buyer_name),
    CS(agent_id),
    CT(resolved_at_ms),
    CS(resolved_by),
    CE(review_kind, rdr_review_kind_names, RDR_REVIEW_KIND__CNT),
    CS(language),
    CS(zone),
    CE(zone_source, rdr_zone_source_names, RDR_ZONE__CNT),
    CT(zone_learned_at_ms),
    CI(rating, 0, 5),
    CE(sentiment, rdr_sentiment_names, RDR_SENT__CNT),
    CE(reason, rdr_reason_names, RDR_REASON__CNT),
    CS(reasons),
    CS(confidence),
    CE(malicious, rdr_malicious_names, RDR_MAL__CNT),
    CI(carrier_at_fault, 0, 1),
    CT(review_at_ms),
    CT(opened_at_ms),
    CT(updated_at_ms),
    CT(closed_at_ms),
    CT(review_updated_at_ms),
    CE(next_step, rdr_step_names, RDR_STEP__CNT),
    CI(next_attempt, 0, 1000000),
    CT(next_at_ms),
    CT(last_due_ms),
    CT(shift_ms),
    CT(paused_at_ms),
    CT(ship_resumed_at_ms),
    CI(ship_paused, 0, 1),
    CI(review_messages, 0, 1000000),
    CI(modify_requests, 0, 1000000),
    CI(order_messages_before, 0, 1000000),
    CI(order_modify_before, 0, 1000000),
    CI(nudges, 0, 1000000),
    CI(buyer_messages, 0, 1000000),
    CI(lowered, 0, 1000000),
    CI(buyer_channel, -1, RDR_CHAN__CNT - 1),
    CI(agreed, 0, 1),
    CT(agreed_at_ms),
    CT(agreed_sent_at_ms),
    CI(mod_reminded, 0, 1),
    CI(mod_check_held, 0, 1),
    CI(offer_pending, 0, 2),
    CI(offer_asked, 0, 1),
    {"offer.type", F_ENUM, offsetof(rdr_case_t, offer.type), 0,
     rdr_offer_type_names, RDR_OFFER__CNT, 0, 0},
    {"offer.amount_minor", F_LL, offsetof(rdr_case_t, offer.amount_minor), 0,
     NULL, 0, 0, 1000000000000LL},
    {"offer.currency", F_STR, offsetof(rdr_case_t, offer.currency),
     RDR_CURRENCY_MAX, NULL, 0, 0, 0},
    {"offer.percent", F_INT, offsetof(rdr_case_t, offer.percent), 0, NULL, 0, 0,
     100},
    CE(appeal_ground, rdr_ground_names, RDR_GROUND__CNT),
    CE(staff_ground, rdr_ground_names, RDR_GROUND__CNT),
    CI(appeal_filed, 0, 1000),
    CI(evidence_asks, 0, 1000),
    CI(review_demands, 0, 1),
    CT(appeal_deadline_ms),
    CI(appeal_outcome, -1, RDR_OUTCOME__CNT - 1),
    CT(appeal_filed_at_ms),
    CU(timer_seq),
    CU(next_gen),
    CU(modchk_gen),
    CU(appev_gen),
    CU(append_gen),
    CU(ttl_gen),
    CU(unanswered_gen),
    CE(held_step, rdr_step_names, RDR_STEP__CNT),
    CU(held_gen),
    CI(blocked_total, 0, 0x7fffffff),
    CI(blocked_cnt, 0, RDR_CASE_BLOCKED_MAX),
    CI(evidence_cnt, 0, RDR_CASE_EVIDENCE_MAX),
};

#define BF(n, t, f, sz)                                                        \
        { n, t, offsetof(rdr_case_block_t, f), sz, NULL, 0, 0, 0 }
static const field_t block_fields[] = {
    {"step", F_ENUM, offsetof(rdr_case_block_t, step), 0, rdr_step_names,
     RDR_STEP__CNT, 0, 0},
    {"attempt", F_INT, offsetof(rdr_case_block_t, attempt), 0, NULL, 0, 0,
     1000000},
    BF("rule", F_STR, rule, RDR_RULE_MAX),
    BF("at_ms", F_I64, at_ms, 0),
};

#define EF(n, t, f, sz)                                                        \
        { n, t, offsetof(rdr_case_evidence_t, f), sz, NULL, 0, 0, 0 }
static const field_t evidence_fields[] = {
    {"kind", F_ENUM, offsetof(rdr_case_evidence_t, kind), 0,
     rdr_evidence_kind_names, RDR_EVIDENCE__CNT, 0, 0},
    EF("ref", F_STR, ref, RDR_CASE_STR_MAX),
    EF("text", F_STR, text, RDR_EVIDENCE_TEXT_MAX),
    EF("at_ms", F_I64, at_ms, 0),
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* Call cb for each field of tbl at base, names prefixed; with skip_zero,
 * not for those at their zero value (0, "", an enum's first name), which
 * a reader that starts from a zeroed case restores as they were. The case
 * is written on every transition: no printf here. */
static int emit_fields(const field_t *tbl, size_t n, const void *base,
                       const char *prefix, int skip_zero,
                       rdr_case_field_cb_t *cb, void *opaque) {
        char name[64], num[RDR_STR_INT_SIZE];
        size_t i, vlen;
        for (i = 0; i < n; i++) {
                const field_t *f = &tbl[i];
                const char *p = (const char *)base + f->off;
                const char *val = num, *fname = f->name;
                int iv;
                unsigned uv;
                long long llv;
                int64_t i64;
                int zero;
                if (prefix[0]) {
                        rdr_str_join(
                            name, sizeof(name),
                            (const char *const[]){prefix, f->name, NULL});
                        fname = name;
                }
                switch (f->type) {
                case F_STR:
                        val = p;
                        vlen = strlen(p);
                        zero = vlen == 0;
                        break;
                case F_INT:
                        memcpy(&iv, p, sizeof(iv));
                        vlen = rdr_str_int(num, iv);
                        zero = iv == 0;
                        break;
                case F_UINT:
                        memcpy(&uv, p, sizeof(uv));
                        vlen = rdr_str_int(num, uv);
                        zero = uv == 0;
                        break;
                case F_LL:
                        memcpy(&llv, p, sizeof(llv));
                        vlen = rdr_str_int(num, llv);
                        zero = llv == 0;
                        break;
                case F_I64:
                        memcpy(&i64, p, sizeof(i64));
                        vlen = rdr_str_int(num, (long long)i64);
                        zero = i64 == 0;
                        break;
                case F_ENUM:
                        memcpy(&iv, p, sizeof(iv));
                        val = iv >= 0 && iv < f->cnt ? f->names[iv] : "";
                        vlen = strlen(val);
                        zero = iv == 0;
                        break;
                default:
                        val = "";
                        vlen = 0;
                        zero = 1;
                }
                if (skip_zero && zero)
                        continue;
                if (cb(opaque, fname, val, vlen))
                        return -1;
        }
        return 0;
}

static rdr_err_t emit_case(const rdr_case_t *c, int skip_zero,
                           rdr_case_field_cb_t *cb, void *opaque) {
        char prefix[32], num[RDR_STR_INT_SIZE];
        int i;
        if (emit_fields(case_fields, NFIELDS(case_fields), c, "", skip_zero, cb,
                        opaque))
                return RDR_ERR_INTERNAL;
        for (i = 0; i < c->blocked_cnt && i < RDR_CASE_BLOCKED_MAX; i++) {
                rdr_str_int(num, i);
                rdr_str_join(prefix, sizeof(prefix),
                             (const char *const[]){"blocked.", num, ".", NULL});
                if (emit_fields(block_fields, NFIELDS(block_fields),
                                &c->blocked[i], prefix, skip_zero, cb, opaque))
                        return RDR_ERR_INTERNAL;
        }
        for (i = 0; i < c->evidence_cnt && i < RDR_CASE_EVIDENCE_MAX; i++) {
                rdr_str_int(num, i);
                rdr_str_join(
                    prefix, sizeof(prefix),
                    (const char *const[]){"evidence.", num, ".", NULL});
                if (emit_fields(evidence_fields, NFIELDS(evidence_fields),
                                &c->evidence[i], prefix, skip_zero, cb, opaque))
                        return RDR_ERR_INTERNAL;
        }
        return RDR_OK;
}

rdr_err_t rdr_case_to_fields(const rdr_case_t *c, rdr_case_field_cb_t *cb,
                             void *opaque) {
        /* Every field: a hash field left out would keep its old value. */
        return emit_case(c, 0, cb, opaque);
}

size_t rdr_case_field_count(const rdr_case_t *c) {
        size_t nb = c->blocked_cnt > 0 ? (size_t)c->blocked_cnt : 0;
        size_t ne = c->evidence_cnt > 0 ? (size_t)c->evidence_cnt : 0;
        if (nb > RDR_CASE_BLOCKED_MAX)
                nb = RDR_CASE_BLOCKED_MAX;
        if (ne > RDR_CASE_EVIDENCE_MAX)
                ne = RDR_CASE_EVIDENCE_MAX;
        return NFIELDS(case_fields) + nb * NFIELDS(block_fields) +
               ne * NFIELDS(evidence_fields);
}

static rdr_err_t set_one(const field_t *f, void *base, const char *field,
                         const char *value, size_t len, char *errstr,
                         size_t errstr_size) {
        char *p = (char *)base + f->off;
        long long v;
        int e;
        switch (f->type) {
        case F_STR:
                if (len >= f->size || memchr(value, '\0', len))
                        goto bad;
                memcpy(p, value, len);
                memset(p + len, 0, f->size - len);
                return RDR_OK;
        case F_ENUM:
                e = len ? rdr_enum_parse(f->names, f->cnt, value, len) : 0;
                if (e < 0)
                        goto bad;
                memcpy(p, &e, sizeof(e));
                return RDR_OK;
        case F_INT:
                if (rdr_str_to_ll(value, len, f->min, f->max, &v))
                        goto bad;
                e = (int)v;
                memcpy(p, &e, sizeof(e));
                return RDR_OK;
        case F_UINT: {
                unsigned u;
                if (rdr_str_to_ll(value, len, 0, 0xffffffffLL, &v))
                        goto bad;
                u = (unsigned)v;
                memcpy(p, &u, sizeof(u));
                return RDR_OK;
        }
        case F_LL:
                if (rdr_str_to_ll(value, len, f->min, f->max, &v))
                        goto bad;
                memcpy(p, &v, sizeof(v));
                return RDR_OK;
        case F_I64: {
                int64_t t;
                if (rdr_str_to_ll(value, len, -0x7fffffffffffffffLL,
                                  0x7fffffffffffffffLL, &v))
                        goto bad;
                t = v;
                memcpy(p, &t, sizeof(t));
                return RDR_OK;
        }
        }
bad:
        snprintf(errstr, errstr_size, "case field '%s': bad value '%.*s'",
                 field, (int)(len > 40 ? 40 : len), value);
        return RDR_ERR_INVALID;
}

/* Where in each table the next field is looked for first: a case is
 * written in table order (emit_fields()), so reading it back each name is
 * found at the hint or a few entries (the zero fields left out) on. */
typedef struct field_hints_s {
        size_t at[3]; /* case_fields, block_fields, evidence_fields */
} field_hints_t;

/* name in tbl[0, n), looked for from *hint on, then from the start; *hint
 * moves past it. */
static const field_t *find_field_from(const field_t *tbl, size_t n,
                                      const char *name, size_t *hint) {
        size_t k, i = *hint < n ? *hint : 0;
        for (k = 0; k < n; k++, i = i + 1 < n ? i + 1 : 0)
                if (!strcmp(tbl[i].name, name)) {
                        *hint = i + 1;
                        return &tbl[i];
                }
        return NULL;
}

static const field_t *find_field(const field_t *tbl, size_t n,
                                 const char *name) {
        size_t hint = 0;
        return find_field_from(tbl, n, name, &hint);
}

static rdr_err_t set_field(rdr_case_t *c, const char *field, const char *value,
                           size_t len, field_hints_t *h, char *errstr,
                           size_t errstr_size) {
        const field_t *f;
        const char *rest;
        char *end;
        long idx;
        int blocks = !strncmp(field, "blocked.", 8);
        if (!blocks && strncmp(field, "evidence.", 9)) {
                f = find_field_from(case_fields, NFIELDS(case_fields), field,
                                    &h->at[0]);
                return f ? set_one(f, c, field, value, len, errstr, errstr_size)
                         : RDR_OK;
        }
        rest = field + (blocks ? 8 : 9);
        errno = 0;
        idx = strtol(rest, &end, 10);
        if (errno || end == rest || *end != '.' || idx < 0 ||
            idx >= (blocks ? RDR_CASE_BLOCKED_MAX : RDR_CASE_EVIDENCE_MAX)) {
                snprintf(errstr, errstr_size, "case field '%s': bad index",
                         field);
                return RDR_ERR_INVALID;
        }
        if (blocks) {
                f = find_field_from(block_fields, NFIELDS(block_fields),
                                    end + 1, &h->at[1]);
                return f ? set_one(f, &c->blocked[idx], field, value, len,
                                   errstr, errstr_size)
                         : RDR_OK;
        }
        f = find_field_from(evidence_fields, NFIELDS(evidence_fields), end + 1,
                            &h->at[2]);
        return f ? set_one(f, &c->evidence[idx], field, value, len, errstr,
                           errstr_size)
                 : RDR_OK;
}

rdr_err_t rdr_case_set_field(rdr_case_t *c, const char *field,
                             const char *value, size_t len, char *errstr,
                             size_t errstr_size) {
        field_hints_t h = {{0, 0, 0}};
        return set_field(c, field, value, len, &h, errstr, errstr_size);
}

int rdr_case_field_numeric(const char *field) {
        const field_t *f;
        const char *dot;
        if (!strncmp(field, "blocked.", 8) || !strncmp(field, "evidence.", 9)) {
                int blocks = field[0] == 'b';
                dot = strchr(field + (blocks ? 8 : 9), '.');
                f = !dot     ? NULL
                    : blocks ? find_field(block_fields, NFIELDS(block_fields),
                                          dot + 1)
                             : find_field(evidence_fields,
                                          NFIELDS(evidence_fields), dot + 1);
        } else {
                f = find_field(case_fields, NFIELDS(case_fields), field);
        }
        return f && f->type != F_STR && f->type != F_ENUM;
}

rdr_err_t rdr_case_from_fields(rdr_case_t *c, size_t n,
                               const char *const *fields,
                               const char *const *values, const size_t *lens,
                               char *errstr, size_t errstr_size) {
        field_hints_t h = {{0, 0, 0}};
        size_t i;
        memset(c, 0, sizeof(*c));
        for (i = 0; i < n; i++) {
                rdr_err_t err = set_field(c, fields[i], values[i], lens[i], &h,
                                          errstr, errstr_size);
                if (err)
                        return err;
        }
        return RDR_OK;
}

/* ---- the case document ------------------------------------------------ */

#define DOC_HEADER "redress-case 1\n"

static int doc_field_cb(void *opaque, const char *field, const char *value,
                        size_t len) {
        rdr_buf_t *doc = opaque;
        char num[RDR_STR_INT_SIZE];
        size_t nl = rdr_str_int(num, (long long)len);
        return rdr_buf_append(doc, field, strlen(field)) ||
               rdr_buf_append(doc, "=", 1) || rdr_buf_append(doc, num, nl) ||
               rdr_buf_append(doc, ":", 1) || rdr_buf_append(doc, value, len) ||
               rdr_buf_append(doc, "\n", 1);
}

rdr_err_t rdr_case_to_doc(const rdr_case_t *c, rdr_buf_t *doc) {
        rdr_buf_reset(doc);
        /* A document is read into a zeroed case: fields at zero are left
         * out (about a third of a case's bytes in Redis). */
        if (rdr_buf_append(doc, DOC_HEADER, sizeof(DOC_HEADER) - 1) ||
            emit_case(c, 1, doc_field_cb, doc))
                return RDR_ERR_NOMEM;
        return RDR_OK;
}

static rdr_err_t doc_bad(const char *doc, const char *at, const char *why,
                         char *errstr, size_t errstr_size) {
        snprintf(errstr, errstr_size, "case document: %s at byte %zu", why,
                 (size_t)(at - doc));
        return RDR_ERR_INVALID;
}

rdr_err_t rdr_case_from_doc(rdr_case_t *c, const char *doc, size_t len,
                            char *errstr, size_t errstr_size) {
        const char *p = doc, *end = doc + len;
        size_t hl = sizeof(DOC_HEADER) - 1;
        field_hints_t h = {{0, 0, 0}};
        memset(c, 0, sizeof(*c));
        if (len < hl || memcmp(doc, DOC_HEADER, hl))
                return doc_bad(doc, p, "not a version 1 document", errstr,
                               errstr_size);
        p += hl;
        while (p < end) {
                char name[64];
                const char *eq = memchr(p, '=', (size_t)(end - p));
                size_t nlen, vlen;
                rdr_err_t err;
                if (!eq || eq == p || (size_t)(eq - p) >= sizeof(name) ||
                    memchr(p, '\n', (size_t)(eq - p)))
                        return doc_bad(doc, p, "expected <name>=", errstr,
                                       errstr_size);
                nlen = (size_t)(eq - p);
                memcpy(name, p, nlen);
                name[nlen] = '\0';
                p = rdr_str_len_prefix(eq + 1, end, ':', &vlen);
                if (!p || p + vlen == end || p[vlen] != '\n')
                        return doc_bad(doc, eq + 1,
                                       "expected <length>:<value> and a "
                                       "line end",
                                       errstr, errstr_size);
                if ((err =
                         set_field(c, name, p, vlen, &h, errstr, errstr_size)))
                        return err;
                p += vlen + 1;
        }
        return RDR_OK;
}

rdr_err_t rdr_case_from_hash(rdr_case_t *c, size_t n, const char *const *fields,
                             const char *const *values, const size_t *lens,
                             int *from_doc, char *errstr, size_t errstr_size) {
        size_t i, doc = n, ver = n;
        if (from_doc)
                *from_doc = 0;
        for (i = 0; i < n; i++) {
                if (!strcmp(fields[i], RDR_CASE_DOC_FIELD))
                        doc = i;
                else if (!strcmp(fields[i], "version"))
                        ver = i;
        }
        if (doc < n) {
                char num[RDR_STR_INT_SIZE];
                size_t nl;
                rdr_err_t err = rdr_case_from_doc(c, values[doc], lens[doc],
                                                  errstr, errstr_size);
                if (err)
                        return err;
                nl = rdr_str_int(num, (long long)c->version);
                if (ver < n && lens[ver] == nl &&
                    !memcmp(values[ver], num, nl)) {
                        if (from_doc)
                                *from_doc = 1;
                        return RDR_OK;
                }
                /* Stale: written over in the hash format since. */
        }
        return rdr_case_from_fields(c, n, fields, values, lens, errstr,
                                    errstr_size);
}

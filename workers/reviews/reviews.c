/* Reviews: decode each review, read what the fleet knows (the buyer's
 * fleet-wide tags, the order's chat intents, parcel record and extortion
 * evidence, the case so far) in one pipelined round trip, classify, and
 * drive the case through the cadence (casework.h): one compare-and-set
 * script per event publishes case.classified, the case's own events, the
 * actions (reply.public, outreach, appeal.file) and arms its timers.
 * The platforms' answers to appeals (redress.appeal-results) and people's
 * decisions on staff.review actions (redress.staff-decisions) come through
 * here too, each applied to its case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "casework.h"
#include "classify.h"
#include "keys.h"
#include "log.h"
#include "peers.h"
#include "policy.h"
#include "reviews.h"
#include "str.h"

#define KEYSZ 1024
/* Replies read per event: tags, order, intents, the buyer's latest refusal
 * to the store, then the case and whether the event was applied
 * (rdr_casework_queue_read). */
#define READS (4 + RDR_CASEWORK_READS)

typedef struct reviews_s {
        rdr_worker_t *w;
        rdr_classifier_t *clf;
        rdr_peers_t *peers; /* configs/peers.yaml */
        rdr_casework_t *cw;
        rdr_events_t evs;
        rdr_cadence_input_t *ins; /* an answer's input, per message */
        rdr_tag_read_t *tags;     /* its buyer's tags, per message */
        const char *appeal_topic; /* topics.appeal_results */
        const char *staff_topic;  /* topics.staff_decisions */
        int64_t future_max_ms;    /* consumer.future_max */
        rdr_metric_t *m_classified, *m_cases_opened, *m_appeal_results,
            *m_staff;
} reviews_t;

static rdr_err_t reviews_init(rdr_worker_t *w, void **opaque, char *errstr,
                              size_t errstr_size) {
        reviews_t *rv = calloc(1, sizeof(*rv));
        const rdr_conf_t *conf = rdr_worker_conf(w);
        if (!rv) {
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        rv->w = w;
        rv->clf = rdr_classifier_new(rdr_conf_dir(conf), errstr, errstr_size);
        if (!rv->clf)
                goto err;
        rdr_classifier_log_notes(rv->clf);
        {
                char path[1024], platforms[1024];
                snprintf(path, sizeof(path), "%s/peers.yaml",
                         rdr_conf_dir(conf));
                snprintf(platforms, sizeof(platforms), "%s/platforms",
                         rdr_conf_dir(conf));
                rv->peers =
                    rdr_peers_load_file(path, platforms, errstr, errstr_size);
                if (!rv->peers)
                        goto err;
        }
        rv->cw = rdr_casework_new(w, errstr, errstr_size);
        if (!rv->cw)
                goto err;
        rv->future_max_ms = rdr_conf_int(conf, "consumer.future_max");
        rv->ins = calloc(rdr_worker_batch_cap(w), sizeof(*rv->ins));
        rv->tags = calloc(rdr_worker_batch_cap(w), sizeof(*rv->tags));
        if (!rv->ins || !rv->tags ||
            rdr_events_init(&rv->evs, rdr_worker_batch_cap(w))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto err;
        }
        rv->m_classified = rdr_metrics_counter(
            rdr_worker_metrics(w), "reviews_classified_total",
            "Reviews classified, by sentiment, reason and malicious class",
            "sentiment,reason,malicious");
        rv->m_cases_opened = rdr_metrics_counter(
            rdr_worker_metrics(w), "cases_opened_total",
            "Cases opened for negative reviews", "platform");
        rv->m_appeal_results = rdr_metrics_counter(
            rdr_worker_metrics(w), "appeal_results_total",
            "The platforms' answers to appeals, applied to their cases",
            "platform,outcome");
        rv->m_staff = rdr_metrics_counter(
            rdr_worker_metrics(w), "staff_decisions_total",
            "Decisions on staff.review actions, applied to their cases",
            "type");
        rv->appeal_topic = rdr_conf_str(conf, "topics.appeal_results");
        rv->staff_topic = rdr_conf_str(conf, "topics.staff_decisions");
        *opaque = rv;
        return RDR_OK;
err:
        rdr_peers_destroy(rv->peers);
        rdr_events_free(&rv->evs);
        free(rv->ins);
        free(rv->tags);
        rdr_casework_destroy(rv->cw);
        rdr_classifier_destroy(rv->clf);
        free(rv);
        return RDR_ERR_CONFIG;
}

static void reviews_destroy(void *opaque) {
        reviews_t *rv = opaque;
        if (!rv)
                return;
        rdr_events_free(&rv->evs);
        free(rv->ins);
        free(rv->tags);
        rdr_casework_destroy(rv->cw);
        rdr_classifier_destroy(rv->clf);
        rdr_peers_destroy(rv->peers);
        free(rv);
}

/* What the read phase learned about one review. */
typedef struct context_s {
        unsigned tags;
        rdr_intent_t intents[RDR_INTENT__CNT];
        size_t intents_cnt;
        /* The order's parcels (the shipments worker's; a split shipment
         * has several): one holds outreach at the review (late or in
         * exception, BEHAVIOR 7); one was lost, damaged or later than the
         * store promised; the first one's destination; what they say, as
         * evidence, and their last scan. */
        int shipment_held, carrier_fault;
        char destination[3];
        char shipment_text[RDR_EVIDENCE_TEXT_MAX];
        int64_t last_scan_ms;
        /* The order's demands before the review: the latest, and the
         * first when there were more (chats.c, RDR_DEMAND_FIELD). */
        char extortion_ref[RDR_CASE_STR_MAX], extortion_text[512];
        int64_t extortion_at_ms;
        char first_demand_ref[RDR_CASE_STR_MAX], first_demand_text[512];
        int64_t first_demand_at_ms;
        const redisReply *order; /* HGETALL: its ledger (casework.h) */
        /* The buyer's latest refusal to the store in a chat that named no
         * order (chats.c), or 0. */
        int64_t store_refused_at_ms;
        /* The buyer's zone as an earlier review told it (index_buyer()),
         * "" when unknown. */
        char known_zone[RDR_ZONE_MAX];
} context_t;

static void copy_field(char *dst, size_t size, const redisReply *h,
                       const char *field) {
        const char *v = rdr_hash_get(h, field);
        rdr_str_copy(dst, size, v);
}

static int64_t field_ms(const redisReply *h, const char *field) {
        const char *v = rdr_hash_get(h, field);
        return v ? strtoll(v, NULL, 10) : 0;
}

/* Demand i of the order's record (field RDR_DEMAND_FIELD "<at_ms>:<event_id>",
 * value the text) into ref, text and *at. */
static void copy_demand(const redisReply *order, size_t i,
                        char ref[RDR_CASE_STR_MAX], char text[512],
                        int64_t *at) {
        const char *f = order->element[i]->str + strlen(RDR_DEMAND_FIELD);
        const char *id = strchr(f, ':');
        rdr_utf8_copy(ref, RDR_CASE_STR_MAX, id ? id + 1 : "");
        rdr_utf8_copy(text, 512, order->element[i + 1]->str);
        *at = strtoll(f, NULL, 10);
}

/* The order's demands: the latest over the one the record names (builds
 * before kept only that), and the first. */
static void read_demands(const redisReply *order, context_t *ctx) {
        size_t i, first = 0, latest = 0, lp = strlen(RDR_DEMAND_FIELD);
        int64_t first_at = 0, latest_at = 0;
        if (!order || order->type != REDIS_REPLY_ARRAY)
                return;
        for (i = 0; i + 1 < order->elements; i += 2) {
                const redisReply *f = order->element[i];
                int64_t at;
                if (f->type != REDIS_REPLY_STRING ||
                    order->element[i + 1]->type != REDIS_REPLY_STRING ||
                    strncmp(f->str, RDR_DEMAND_FIELD, lp))
                        continue;
                at = strtoll(f->str + lp, NULL, 10);
                /* Indices are kept + 1: 0 is none yet. */
                if (!first || at < first_at) {
                        first = i + 1;
                        first_at = at;
                }
                if (!latest || at >= latest_at) {
                        latest = i + 1;
                        latest_at = at;
                }
        }
        if (!first)
                return;
        copy_demand(order, latest - 1, ctx->extortion_ref, ctx->extortion_text,
                    &ctx->extortion_at_ms);
        if (first != latest)
                copy_demand(order, first - 1, ctx->first_demand_ref,
                            ctx->first_demand_text, &ctx->first_demand_at_ms);
}

/* A parcel lost, damaged, delivered (or still scanned) after the day the
 * store promised or the estimate the buyer was told ended, or late
 * enough to have been apologised for (a delay notice: no scan for
 * stall_after, or the estimate missed). The estimate is the parcel's
 * (parcel.c): a promise lasts until its day is over in the buyer's zone,
 * so a parcel delivered that afternoon is not the carrier's fault; the
 * promise's instant only where the parcel's shipping was not told. */
static int carrier_at_fault(const rdr_parcel_t *p) {
        int64_t last =
            p->delivered_at_ms ? p->delivered_at_ms : p->last_scan_at_ms;
        int64_t by =
            p->expected_max_ms ? p->expected_max_ms : p->promised_by_ms;
        return p->exception == RDR_EXC_LOST ||
               p->exception == RDR_EXC_DAMAGED || (by && last > by) ||
               p->delay_notices > 0 || p->overdue;
}

/* What shows a parcel late (at_fault: carrier_at_fault()), for the
 * evidence: ", promised by 2026-11-15, delivered 2026-11-20, 2 delay
 * notices" (each part only when known), "" when on time. */
static void lateness(const rdr_parcel_t *p, int at_fault, char *buf,
                     size_t size) {
        char promised[RDR_TIME_RFC3339_SIZE] = "",
             delivered[RDR_TIME_RFC3339_SIZE] = "", notices[48] = "";
        buf[0] = '\0';
        if (!at_fault)
                return;
        if (p->promised_by_ms)
                rdr_time_format_rfc3339(p->promised_by_ms, promised,
                                        sizeof(promised));
        if (p->delivered_at_ms)
                rdr_time_format_rfc3339(p->delivered_at_ms, delivered,
                                        sizeof(delivered));
        if (p->delay_notices > 0)
                snprintf(notices, sizeof(notices), ", %d delay notice%s",
                         p->delay_notices, p->delay_notices > 1 ? "s" : "");
        /* The days alone (UTC): what a platform's reviewer compares. */
        promised[10] = delivered[10] = '\0';
        rdr_str_join(buf, size,
                     (const char *const[]){promised[0] ? ", promised by " : "",
                                           promised,
                                           delivered[0] ? ", delivered " : "",
                                           delivered, notices, NULL});
}

/* What the order's parcels say at now (see context_t). */
static void read_parcels(const redisReply *order, int64_t now, context_t *ctx) {
        const char *tracking;
        size_t pos = 0, len = 0, cnt = 0, n = 0;
        char one[RDR_EVIDENCE_TEXT_MAX], late[160];
        rdr_parcel_t p;
        int fault;
        while (rdr_order_parcel_next(order, &pos, &tracking))
                cnt++;
        for (pos = 0; rdr_order_parcel_next(order, &pos, &tracking);) {
                rdr_order_parcel_load(&p, order, tracking);
                if (!p.shipment_id[0])
                        continue;
                ctx->shipment_held |= rdr_parcel_holds(&p, now);
                fault = carrier_at_fault(&p);
                ctx->carrier_fault |= fault;
                if (!ctx->destination[0])
                        memcpy(ctx->destination, p.destination,
                               sizeof(ctx->destination));
                if (p.last_scan_at_ms > ctx->last_scan_ms)
                        ctx->last_scan_ms = p.last_scan_at_ms;
                if (!p.has_status)
                        continue;
                /* One parcel as it always read; several each by its
                 * tracking number; what shows it late. */
                lateness(&p, fault, late, sizeof(late));
                rdr_str_join(one, sizeof(one),
                             (const char *const[]){
                                 n ? "; " : "",
                                 cnt > 1 ? p.tracking_number : "",
                                 cnt > 1 ? ": " : "", "carrier ", p.carrier,
                                 ", status ", rdr_shipment_type_names[p.status],
                                 p.exception != RDR_EXC_NONE ? ", " : "",
                                 p.exception != RDR_EXC_NONE
                                     ? rdr_exception_names[p.exception]
                                     : "",
                                 late, NULL});
                n++;
                len += rdr_utf8_copy(ctx->shipment_text + len,
                                     sizeof(ctx->shipment_text) - len, one);
        }
}

/* A demand quoted as ref, text, at. */
static void demand_set(char ref[RDR_CASE_STR_MAX], char text[512], int64_t *at,
                       const char *r, const char *t, int64_t a) {
        rdr_utf8_copy(ref, RDR_CASE_STR_MAX, r);
        rdr_utf8_copy(text, 512, t);
        *at = a;
}

/* A demand to the store in a chat that named no order (keys.h
 * RDR_KEY_DEMAND_FIRST, _LAST), beside the order's: the evidence keeps
 * the first and the latest of them all. */
static void store_demand(const redisReply *v, context_t *ctx) {
        json_t *o;
        const char *ref, *text;
        json_int_t at;
        if (!v || v->type != REDIS_REPLY_STRING ||
            !(o = json_loadb(v->str, v->len, 0, NULL)))
                return;
        if (json_unpack(o, "{s:I,s:s,s:s}", "at_ms", &at, "ref", &ref, "text",
                        &text) ||
            !strcmp(ref, ctx->extortion_ref) ||
            !strcmp(ref, ctx->first_demand_ref)) {
                json_decref(o);
                return;
        }
        if (!ctx->extortion_text[0] || at >= ctx->extortion_at_ms) {
                /* The latest; the one it replaces is the first if there
                 * was none. */
                if (ctx->extortion_text[0] && !ctx->first_demand_text[0])
                        demand_set(ctx->first_demand_ref,
                                   ctx->first_demand_text,
                                   &ctx->first_demand_at_ms, ctx->extortion_ref,
                                   ctx->extortion_text, ctx->extortion_at_ms);
                demand_set(ctx->extortion_ref, ctx->extortion_text,
                           &ctx->extortion_at_ms, ref, text, at);
        } else if (!ctx->first_demand_text[0] || at < ctx->first_demand_at_ms) {
                demand_set(ctx->first_demand_ref, ctx->first_demand_text,
                           &ctx->first_demand_at_ms, ref, text, at);
        }
        json_decref(o);
}

static void read_context(const redisReply *tags, const redisReply *intents,
                         const redisReply *order, const redisReply *buyer,
                         int64_t now, context_t *ctx) {
        size_t i;
        memset(ctx, 0, sizeof(*ctx));
        ctx->tags = rdr_buyer_tags(tags);
        if (intents && intents->type == REDIS_REPLY_ARRAY)
                for (i = 0; i < intents->elements &&
                            ctx->intents_cnt < RDR_INTENT__CNT;
                     i++) {
                        const redisReply *e = intents->element[i];
                        int in = e->str ? rdr_enum_parse(rdr_intent_names,
                                                         RDR_INTENT__CNT,
                                                         e->str, e->len)
                                        : -1;
                        if (in >= 0)
                                ctx->intents[ctx->intents_cnt++] =
                                    (rdr_intent_t)in;
                }
        read_parcels(order, now, ctx);
        copy_field(ctx->extortion_ref, sizeof(ctx->extortion_ref), order,
                   "extortion_ref");
        copy_field(ctx->extortion_text, sizeof(ctx->extortion_text), order,
                   "extortion_text");
        ctx->extortion_at_ms = field_ms(order, "extortion_at_ms");
        read_demands(order, ctx);
        ctx->order = order;
        /* The buyer's record: [refused_at_ms, demand_first,
         * demand_last] of the store (chats naming no order), buyer_zone. */
        if (buyer && buyer->type == REDIS_REPLY_ARRAY && buyer->elements == 4) {
                const redisReply *z = buyer->element[3];
                ctx->store_refused_at_ms =
                    rdr_buyer_refused_at(buyer->element[0]);
                for (i = 1; i < 3; i++)
                        store_demand(buyer->element[i], ctx);
                if (z->type == REDIS_REPLY_STRING && z->len < RDR_ZONE_MAX)
                        rdr_str_copy(ctx->known_zone, sizeof(ctx->known_zone),
                                     z->str);
        }
}

/* A chat of the order refused contact. An agreement beside it changes
 * nothing, whichever came first (the intents are a set): with a case, a
 * refusal closes it for good and a later agreement finds it closed
 * (BEHAVIOR 2.6), so the same holds before the case is opened. */
static int buyer_refused(const context_t *ctx) {
        size_t i;
        for (i = 0; i < ctx->intents_cnt; i++)
                if (ctx->intents[i] == RDR_INTENT_REFUSE)
                        return 1;
        return 0;
}

/* The buyer's record names the buyer's latest case, in any store and
 * per store (case_id:<store_id>), lists the case in its store while it
 * can still hear the buyer (casework.h RDR_BUYER_CASE: the cases a chat
 * without an order to that store reaches, chats.c; not one closed at
 * once, a review that was not negative, or resolved), and says the
 * buyer's language and (when the review gave it) zone: the notices of
 * the buyer's next orders use them before that order has a review or a
 * chat (shipments.c). */
static void index_buyer(rdr_redis_t *redis, const char *key,
                        const char *case_id, const rdr_case_t *c,
                        int64_t keep_ms) {
        char per_store[RDR_CASE_STR_MAX + 16],
            listed[RDR_CASE_STR_MAX + RDR_CASE_ID_MAX + 8],
            opened[RDR_STR_INT_SIZE];
        const char *argv[12];
        int n = 0;
        rdr_str_join(per_store, sizeof(per_store),
                     (const char *const[]){"case_id:", c->store_id, NULL});
        argv[n++] = "HSET";
        argv[n++] = key;
        argv[n++] = "case_id";
        argv[n++] = case_id;
        argv[n++] = per_store;
        argv[n++] = case_id;
        argv[n++] = "buyer_language";
        argv[n++] = c->language;
        if (c->zone_source == RDR_ZONE_BUYER) {
                argv[n++] = "buyer_zone";
                argv[n++] = c->zone;
        }
        if ((!rdr_case_state_final(c->state) ||
             c->close_reason == RDR_CLOSE_REFUSED) &&
            rdr_buyer_case_field(listed, sizeof(listed), c->store_id, case_id) >
                0) {
                rdr_str_int(opened, c->opened_at_ms);
                argv[n++] = listed;
                argv[n++] = opened;
        }
        rdr_redis_cmd(redis, n, argv, NULL);
        rdr_redis_expire(redis, key, keep_ms);
}

/* The order's index names its latest case and lists each of its cases
 * (casework.h RDR_ORDER_CASE: what holds the order's outreach reaches
 * them all). It also says the buyer's language and (when the review gave
 * it) zone, for the parcel's notices (parcel.h); without it, the order's
 * next parcel event tells the cases the zone it learns (shipments.c). It
 * holds the order's ledger of review messages (casework.h), unless the
 * case's apply wrote it (ledger 0). */
static void index_order(rdr_redis_t *redis, const char *key,
                        const char *case_id, const rdr_case_t *c,
                        int64_t keep_ms, int ledger) {
        rdr_order_index_fv_t fv;
        const char *argv[2 + sizeof(fv.fv) / sizeof(*fv.fv)];
        size_t i;
        rdr_order_index_fv(&fv, case_id, c, ledger);
        argv[0] = "HSET";
        argv[1] = key;
        for (i = 0; i < fv.cnt; i++)
                argv[2 + i] = fv.fv[i];
        rdr_redis_cmd(redis, (int)(2 + fv.cnt), argv, NULL);
        rdr_redis_expire(redis, key, keep_ms);
}

/* What a message is read as: its topic's kind. */
static rdr_input_kind_t kind_of(const reviews_t *rv, const rdr_msg_t *m) {
        if (m->topic && !strcmp(m->topic, rv->appeal_topic))
                return RDR_INPUT_APPEAL_RESULTS;
        if (m->topic && !strcmp(m->topic, rv->staff_topic))
                return RDR_INPUT_STAFF_DECISIONS;
        return RDR_INPUT_REVIEWS;
}

/* An answer to one of a case's actions: the platform's to an appeal.file
 * (redress.appeal-results), or a person's to a staff.review
 * (redress.staff-decisions). */
typedef struct answer_s {
        const char *what; /* the event type, for dead-letter reasons */
        const char *event_id, *platform, *store_id, *case_id, *action_id;
        rdr_step_t step; /* of the action it must answer */
} answer_t;

/* The attempt action_id names of case_id's step (<case_id>:<step>:<n>),
 * or 0 if it names none. */
static long step_attempt(const char *action_id, const char *case_id,
                         rdr_step_t step) {
        size_t cl = strlen(case_id), sl = strlen(rdr_step_names[step]);
        char *end;
        long n;
        if (!action_id || strncmp(action_id, case_id, cl) ||
            action_id[cl] != ':' ||
            strncmp(action_id + cl + 1, rdr_step_names[step], sl) ||
            action_id[cl + 1 + sl] != ':')
                return 0;
        n = strtol(action_id + cl + sl + 2, &end, 10);
        return *end || n < 1 ? 0 : n;
}

/* The answer event ev is: 1 and *an filled, or 0 (a review). */
static int answer_of(const rdr_event_t *ev, answer_t *an) {
        /* What each type of staff decision answers (staff.appeal: none,
         * an agent's own initiative). */
        static const rdr_step_t staff_steps[RDR_STAFF_TYPE__CNT] = {
            RDR_STEP_OFFER_APPROVAL, RDR_STEP_BUYER_REPLY,
            RDR_STEP_APPEAL_EVIDENCE, RDR_STEP_NONE};
        if (ev->kind == RDR_INPUT_APPEAL_RESULTS) {
                const rdr_appeal_result_t *ar = &ev->u.appeal;
                *an = (answer_t){"appeal.result", ar->event_id, ar->platform,
                                 ar->store_id,    ar->case_id,  ar->action_id,
                                 RDR_STEP_APPEAL};
                return 1;
        }
        if (ev->kind == RDR_INPUT_STAFF_DECISIONS) {
                const rdr_staff_decision_t *sd = &ev->u.staff;
                *an = (answer_t){rdr_staff_type_names[sd->type],
                                 sd->event_id,
                                 sd->platform,
                                 sd->store_id,
                                 sd->case_id,
                                 sd->action_id,
                                 staff_steps[sd->type]};
                /* A hand-back answers a buyer's message, or a lowered
                 * review. */
                if (sd->type == RDR_STAFF_RESUME &&
                    step_attempt(sd->action_id, sd->case_id,
                                 RDR_STEP_REVIEW_LOWERED))
                        an->step = RDR_STEP_REVIEW_LOWERED;
                return 1;
        }
        return 0;
}

/* Where the buyer's daytime is: the review's buyer.timezone; else the
 * zone of the buyer's country (playbook destinations); else the zone an
 * earlier review of the buyer gave; else the zone of the order's parcel's
 * destination; else NULL, the store's. */
static const char *buyer_zone(const reviews_t *rv, const rdr_review_t *r,
                              const context_t *ctx) {
        const rdr_playbook_t *pb = rdr_casework_conf(rv->cw)->playbook;
        const rdr_destination_t *d = NULL;
        if (r->has_buyer && r->buyer.timezone)
                return r->buyer.timezone;
        if (r->has_buyer && r->buyer.country[0])
                d = rdr_playbook_destination(pb, r->buyer.country);
        if (d)
                return d->timezone;
        if (ctx->known_zone[0] && rdr_localtime_zone_valid(ctx->known_zone))
                return ctx->known_zone;
        if (ctx->destination[0])
                d = rdr_playbook_destination(pb, ctx->destination);
        return d ? d->timezone : NULL;
}

/* The buyer_profile evidence of a malicious review c: what the fleet knows
 * of the account (a peer seller's, tagged in the fleet for the same
 * class) and the profile the review gave; "" for any other review. */
static void buyer_profile(const rdr_review_t *r, const rdr_classification_t *c,
                          unsigned tags, int peer, char *out, size_t size) {
        static const unsigned class_tag[RDR_MAL__CNT] = {
            [RDR_MAL_PROFESSIONAL] = RDR_TAG_PROFESSIONAL,
            [RDR_MAL_EXTORTION] = RDR_TAG_EXTORTION,
            [RDR_MAL_COMPETITOR] = RDR_TAG_COMPETITOR};
        const char *parts[8];
        char tagged[64], facts[160];
        size_t n = 0, f = 0;
        out[0] = '\0';
        if (c->malicious == RDR_MAL_NONE)
                return;
        if (c->malicious == RDR_MAL_COMPETITOR && peer)
                parts[n++] =
                    "the account of a peer seller (configs/peers.yaml)";
        else if (tags & class_tag[c->malicious]) {
                snprintf(tagged, sizeof(tagged), "buyer tagged %s in the fleet",
                         rdr_malicious_names[c->malicious]);
                parts[n++] = tagged;
        }
        /* The profile's facts the review gave, "account level 1, 12 days
         * old, 38 negative of 40 reviews". */
        facts[0] = '\0';
        if (r->has_buyer && r->buyer.has_account_level)
                f += (size_t)snprintf(facts + f, sizeof(facts) - f,
                                      "account level %lld",
                                      r->buyer.account_level);
        if (r->has_buyer && r->buyer.has_account_age_days)
                f += (size_t)snprintf(facts + f, sizeof(facts) - f,
                                      "%s%lld days old", f ? ", " : "",
                                      r->buyer.account_age_days);
        if (r->has_buyer && r->buyer.has_reviews_total &&
            r->buyer.has_negative_reviews_total)
                snprintf(facts + f, sizeof(facts) - f,
                         "%s%lld negative of %lld reviews", f ? ", " : "",
                         r->buyer.negative_reviews_total,
                         r->buyer.reviews_total);
        else if (r->has_buyer && r->buyer.has_reviews_total)
                snprintf(facts + f, sizeof(facts) - f, "%s%lld reviews",
                         f ? ", " : "", r->buyer.reviews_total);
        if (facts[0]) {
                if (n)
                        parts[n++] = "; ";
                parts[n++] = facts;
        }
        parts[n] = NULL;
        rdr_str_join(out, size, parts);
}

static rdr_err_t apply_one(reviews_t *rv, rdr_msg_t *m, const rdr_review_t *r,
                           const context_t *ctx, const redisReply *case_reply,
                           const redisReply *seen) {
        rdr_review_input_t in;
        rdr_clf_profile_t prof;
        rdr_classification_t c;
        rdr_case_msg_t cm;
        rdr_cadence_input_t ci;
        rdr_evidence_t ev[4];
        char k_order[KEYSZ];
        int has_order;
        char case_id[RDR_ID_LEN], ev_id[RDR_ID_LEN], profile_text[200],
            labels[128];
        const char *id_parts[] = {m->topic, r->event_id, "classified", NULL};
        const rdr_cadence_out_t *out;
        rdr_case_t *cs;
        size_t nev = 0;
        int peer;
        int64_t now = rdr_worker_now_ms(rv->w);
        rdr_redis_t *redis = rdr_worker_redis(rv->w);
        rdr_err_t err;

        rdr_case_id(case_id, r->platform, r->store_id, r->review_id);
        err = rdr_casework_get(rv->cw, case_id, case_reply, &cs, m->errstr,
                               sizeof(m->errstr));
        if (err)
                return err;

        memset(&in, 0, sizeof(in));
        in.text = r->text;
        in.text_len = r->text_len;
        in.rating = r->rating ? r->rating : cs->rating;
        in.language = r->language;
        if (r->has_buyer) {
                memset(&prof, 0, sizeof(prof));
                prof.has_account_level = r->buyer.has_account_level;
                prof.account_level = r->buyer.account_level;
                prof.has_account_age_days = r->buyer.has_account_age_days;
                prof.account_age_days = r->buyer.account_age_days;
                prof.has_reviews_total = r->buyer.has_reviews_total;
                prof.reviews_total = r->buyer.reviews_total;
                prof.has_negative_reviews_total =
                    r->buyer.has_negative_reviews_total;
                prof.negative_reviews_total = r->buyer.negative_reviews_total;
                in.profile = &prof;
        }
        /* A peer seller's account counts as tagged competitor. */
        peer = rdr_peers_has(rv->peers, r->platform, r->buyer_id);
        in.buyer_tags = ctx->tags | (peer ? RDR_TAG_COMPETITOR : 0u);
        in.chat_intents = ctx->intents;
        in.chat_intents_cnt = ctx->intents_cnt;
        rdr_classify_review(rv->clf, &in, &c);
        if (r->type == RDR_REVIEW_REMOVED) {
                c.sentiment = RDR_SENT_NEUTRAL;
                c.reason = RDR_REASON_NONE;
                c.reasons_cnt = 0;
                c.malicious = RDR_MAL_NONE;
                c.negative = 0;
                if (cs->language[0])
                        rdr_str_copy(c.language, sizeof(c.language),
                                     cs->language);
        }

        /* Evidence the fleet holds for an appeal. */
        memset(ev, 0, sizeof(ev));
        if (ctx->first_demand_text[0]) {
                ev[nev].kind = "chat";
                ev[nev].ref = ctx->first_demand_ref;
                ev[nev].text = ctx->first_demand_text;
                ev[nev++].at_ms = ctx->first_demand_at_ms;
        }
        if (ctx->extortion_text[0]) {
                ev[nev].kind = "chat";
                ev[nev].ref = ctx->extortion_ref;
                ev[nev].text = ctx->extortion_text;
                ev[nev++].at_ms = ctx->extortion_at_ms;
        }
        if (ctx->shipment_text[0]) {
                ev[nev].kind = "shipment";
                ev[nev].ref = r->order_id;
                ev[nev].text = ctx->shipment_text;
                ev[nev++].at_ms = ctx->last_scan_ms;
        }
        /* Who the buyer is, for a malicious review (BEHAVIOR.md 3: "the
         * buyer profile"). */
        buyer_profile(r, &c, ctx->tags, peer, profile_text,
                      sizeof(profile_text));
        if (profile_text[0]) {
                ev[nev].kind = "buyer_profile";
                ev[nev].ref = r->buyer_id;
                ev[nev].text = profile_text;
                ev[nev++].at_ms = r->created_at_ms;
        }

        has_order = rdr_key_order(k_order, KEYSZ, r->platform, r->store_id,
                                  r->order_id, NULL) > 0;
        /* The order's ledger, where the platform limits what its cases
         * send (casework.h): the batch's copy, kept as its cases send. */
        if (has_order && rdr_casework_limits_per_order(rv->cw, r->platform))
                rdr_casework_load_ledger(rv->cw, k_order, ctx->order);
        memset(&ci, 0, sizeof(ci));
        if (r->type == RDR_REVIEW_REMOVED) {
                ci.type = RDR_CIN_REVIEW_REMOVED;
        } else if (r->type == RDR_REVIEW_UPDATED && cs->version) {
                ci.type = RDR_CIN_REVIEW_UPDATED;
                ci.rating = r->rating;
                ci.edit.sentiment = c.sentiment;
                ci.edit.malicious = c.malicious;
                ci.edit.demand_in_text = c.demand_in_text;
                ci.edit.text = r->text;
                ci.edit.edited_at_ms = r->created_at_ms;
        } else {
                ci.type = RDR_CIN_REVIEW_CLASSIFIED;
                ci.review.case_id = case_id;
                ci.review.platform = r->platform;
                ci.review.store_id = r->store_id;
                ci.review.review_id = r->review_id;
                ci.review.order_id = r->order_id;
                ci.review.buyer_id = r->buyer_id;
                ci.review.product_id = r->product_id;
                ci.review.text = r->text;
                ci.review.language = c.language;
                ci.review.buyer_timezone = buyer_zone(rv, r, ctx);
                ci.review.review_kind = (rdr_review_kind_t)r->review_kind;
                ci.review.rating = r->rating;
                /* Only a negative review opens a case: rating <= 2, or 3
                 * with a complaint (its text alone without a rating). A
                 * 4-star review in harsh words is classified and closes. */
                ci.review.sentiment = c.negative ? RDR_SENT_NEGATIVE
                                      : c.sentiment == RDR_SENT_NEGATIVE
                                          ? RDR_SENT_NEUTRAL
                                          : c.sentiment;
                ci.review.text_sentiment = c.sentiment;
                ci.review.reason = c.reason;
                ci.review.reasons = c.reasons;
                ci.review.reasons_cnt = c.reasons_cnt;
                ci.review.confidence = c.confidence;
                ci.review.malicious = c.malicious;
                ci.review.demand_in_text = c.demand_in_text;
                ci.review.review_at_ms = r->created_at_ms;
                ci.review.shipment_paused = ctx->shipment_held;
                ci.review.carrier_at_fault = ctx->carrier_fault;
                ci.review.buyer_refused = buyer_refused(ctx);
                ci.review.store_refused_at_ms = ctx->store_refused_at_ms;
                /* What the order's other cases sent: its record's ledger
                 * as this batch left it (casework.h). */
                if (has_order)
                        rdr_casework_order_sent(
                            rv->cw, k_order, case_id,
                            &ci.review.order_review_messages,
                            &ci.review.order_modify_requests);
                ci.review.evidence = ev;
                ci.review.evidence_cnt = nev;
        }

        rdr_derive_id(ev_id, "ev_", id_parts);
        memset(&cm, 0, sizeof(cm));
        cm.event_id = ev_id;
        cm.type = RDR_CASE_CLASSIFIED;
        cm.case_id = case_id;
        cm.platform = r->platform;
        cm.store_id = r->store_id;
        cm.review_id = r->review_id;
        cm.order_id = r->order_id;
        cm.buyer_id = r->buyer_id;
        cm.product_id = r->product_id;
        cm.rating = in.rating >= 1 && in.rating <= 5 ? in.rating : 0;
        cm.language = c.language;
        cm.sentiment = c.sentiment;
        cm.reason = c.reason;
        memcpy(cm.reasons, c.reasons, sizeof(c.reasons));
        cm.reasons_cnt = c.reasons_cnt;
        cm.malicious = c.malicious;
        cm.confidence = c.confidence;
        cm.occurred_at_ms = now;

        /* The case opens on what the order's parcels and the buyer's
         * chats about it said when read: not if one was written since
         * (casework.h). */
        if (has_order && ci.type == RDR_CIN_REVIEW_CLASSIFIED)
                rdr_casework_guard_opening(rv->cw, k_order, ctx->order);
        err = rdr_casework_apply(rv->cw, cs, case_id, &ci, m->topic,
                                 r->event_id, m->fingerprint,
                                 rdr_casework_seen(seen, m->fingerprint), &cm,
                                 &out, m->errstr, sizeof(m->errstr));
        if (err)
                return err;

        /* Index the case by order and buyer, for chats and shipments, with
         * the order's ledger of its messages (an idempotent write in the
         * same pipeline, written again by a replay in case a crash cut the
         * pipeline short after the script; the opening's script wrote the
         * order's). */
        if (cs->version) {
                const rdr_retention_t *keep = rdr_casework_retention(rv->cw);
                char k[KEYSZ];
                if (has_order) {
                        if (!rdr_casework_opening_guarded(rv->cw))
                                index_order(
                                    redis, k_order, case_id, cs,
                                    keep->orders_ms,
                                    !rdr_casework_ledger_guarded(rv->cw));
                        rdr_casework_note_ledger(rv->cw, k_order, case_id, cs);
                }
                if (rdr_key_buyer(k, KEYSZ, r->platform, r->buyer_id, NULL) > 0)
                        index_buyer(redis, k, case_id, cs, keep->buyers_ms);
        }
        if (c.negative && (c.malicious == RDR_MAL_EXTORTION ||
                           c.malicious == RDR_MAL_PROFESSIONAL))
                rdr_casework_tag_buyer(rv->cw, r->platform, r->buyer_id,
                                       c.malicious);
        rdr_str_join(
            labels, sizeof(labels),
            (const char *const[]){rdr_sentiment_names[c.sentiment], "\x1f",
                                  rdr_reason_names[c.reason], "\x1f",
                                  rdr_malicious_names[c.malicious], NULL});
        rdr_metric_add(rv->m_classified, labels, 1);
        if (out->status == RDR_CADENCE_APPLIED && out->has_case_event &&
            out->case_event == RDR_CASE_OPENED)
                rdr_metric_add(rv->m_cases_opened, r->platform, 1);
        return RDR_OK;
}

/* The highest attempt of step an answer may name: those the case has
 * published (appeals, one staff.review per buyer message or lowering,
 * the offer's approval once asked), or the one there ever is (the
 * request for an appeal's evidence, which an agent may answer before it
 * is published). */
static int step_attempts(const rdr_case_t *cs, rdr_step_t step) {
        switch (step) {
        case RDR_STEP_APPEAL:
                return cs->appeal_filed;
        case RDR_STEP_BUYER_REPLY:
                return cs->buyer_messages;
        case RDR_STEP_REVIEW_LOWERED:
                return cs->lowered;
        case RDR_STEP_OFFER_APPROVAL:
                /* Asked (a case written before offer_asked: awaiting). */
                return cs->offer_asked || cs->offer_pending;
        case RDR_STEP_APPEAL_EVIDENCE:
                /* A case an earlier build asked did not count its ask. */
                return cs->evidence_asks > 1 ? cs->evidence_asks : 1;
        default:
                return 1;
        }
}

/* The answer must name a case the fleet holds, of its platform and store,
 * and an action of the case of its step (<case_id>:<step>:<n>; none for
 * staff.appeal); then in is applied to the case. Anything else is a dead
 * letter with the reason. */
static rdr_err_t apply_answer(reviews_t *rv, rdr_msg_t *m, const answer_t *an,
                              const redisReply *case_reply,
                              const redisReply *seen, rdr_cadence_input_t *in,
                              const rdr_cadence_out_t **out) {
        rdr_case_t *cs;
        long n;
        rdr_err_t err = rdr_casework_get(rv->cw, an->case_id, case_reply, &cs,
                                         m->errstr, sizeof(m->errstr));
        if (err)
                return err;
        if (!cs->version) {
                snprintf(m->errstr, sizeof(m->errstr),
                         "%s for case '%.64s', which the fleet does not hold",
                         an->what, an->case_id);
                return RDR_ERR_INVALID;
        }
        if (strcmp(cs->platform, an->platform) ||
            strcmp(cs->store_id, an->store_id)) {
                snprintf(m->errstr, sizeof(m->errstr),
                         "%s names platform '%.32s' and store '%.64s'; case "
                         "'%s' is of '%s' and '%.64s'",
                         an->what, an->platform, an->store_id, cs->case_id,
                         cs->platform, cs->store_id);
                return RDR_ERR_INVALID;
        }
        n = an->step == RDR_STEP_NONE /* staff.appeal answers no action */
                ? 1
                : step_attempt(an->action_id, cs->case_id, an->step);
        if (n < 1 || n > step_attempts(cs, an->step)) {
                snprintf(m->errstr, sizeof(m->errstr),
                         "%s: action_id '%.128s' names no %s action of case "
                         "'%s'",
                         an->what, an->action_id, rdr_step_names[an->step],
                         cs->case_id);
                return RDR_ERR_INVALID;
        }
        in->answered_step = an->step;
        in->answered_attempt = (int)n;
        return rdr_casework_apply(rv->cw, cs, an->case_id, in, m->topic,
                                  an->event_id, m->fingerprint,
                                  rdr_casework_seen(seen, m->fingerprint), NULL,
                                  out, m->errstr, sizeof(m->errstr));
}

/* The evidence a staff decision carries into in->evidence (staff.evidence
 * always, staff.appeal optionally: evidence_kind and evidence_text
 * together). RDR_OK, or a dead letter's reason in m. */
static rdr_err_t staff_evidence(const rdr_staff_decision_t *sd, rdr_msg_t *m,
                                rdr_cadence_input_t *in) {
        const char *what = rdr_staff_type_names[sd->type];
        if (!sd->evidence_kind && !sd->evidence_text)
                return RDR_OK; /* staff.appeal without (the decoder
                                  requires both of staff.evidence) */
        if (!sd->evidence_kind || !sd->evidence_text) {
                snprintf(m->errstr, sizeof(m->errstr),
                         "%s: field '%s' is missing or empty (evidence_kind "
                         "and evidence_text go together, the text 1..10000 "
                         "characters)",
                         what,
                         sd->evidence_kind ? "evidence_text" : "evidence_kind");
                return RDR_ERR_INVALID;
        }
        if (rdr_enum_parse(rdr_evidence_kind_names, RDR_EVIDENCE__CNT,
                           sd->evidence_kind, strlen(sd->evidence_kind)) < 0) {
                snprintf(m->errstr, sizeof(m->errstr),
                         "%s: field 'evidence_kind': '%.32s' is not one of "
                         "review, chat, buyer_profile, shipment, order, other",
                         what, sd->evidence_kind);
                return RDR_ERR_INVALID;
        }
        in->evidence.kind = sd->evidence_kind;
        in->evidence.ref = sd->evidence_ref ? sd->evidence_ref : sd->event_id;
        in->evidence.text = sd->evidence_text;
        in->evidence.at_ms = sd->occurred_at_ms;
        return RDR_OK;
}

/* The case's input answer event ev is: an appeal's result (accepted
 * resolves the case, rejected closes it), staff.offer_decision (approved:
 * the incentive goes out), staff.resume (the cadence runs again),
 * staff.evidence (the appeal is filed once the platform's grounds are
 * met) or staff.appeal (an agent puts the case on the appeal track on a
 * ground of the platform's). RDR_OK, or a dead letter's reason in m. */
static rdr_err_t answer_input(const rdr_event_t *ev, rdr_msg_t *m,
                              rdr_cadence_input_t *in) {
        const rdr_staff_decision_t *sd = &ev->u.staff;
        memset(in, 0, sizeof(*in));
        if (ev->kind == RDR_INPUT_APPEAL_RESULTS) {
                in->type = RDR_CIN_APPEAL_RESULT;
                in->outcome = ev->u.appeal.outcome;
                return RDR_OK;
        }
        in->agent_id = sd->agent_id;
        switch (sd->type) {
        case RDR_STAFF_OFFER_DECISION:
                if (sd->decision == RDR_DECISION_NONE)
                        return rdr_msg_fail(m, "staff.offer_decision: field "
                                               "'decision' must be approved "
                                               "or refused");
                in->type = RDR_CIN_OFFER_DECISION;
                in->approved = sd->decision == RDR_DECISION_APPROVED;
                return RDR_OK;
        case RDR_STAFF_RESUME:
                in->type = RDR_CIN_RESUME;
                return RDR_OK;
        case RDR_STAFF_APPEAL: {
                int g = rdr_enum_parse(rdr_ground_names, RDR_GROUND__CNT,
                                       sd->ground, strlen(sd->ground));
                if (g <= (int)RDR_GROUND_NONE) {
                        snprintf(m->errstr, sizeof(m->errstr),
                                 "staff.appeal: field 'ground': '%.32s' is "
                                 "not one of extortion, professional, "
                                 "competitor, abusive, carrier_delay, "
                                 "unrelated, product_review_in_feedback",
                                 sd->ground);
                        return RDR_ERR_INVALID;
                }
                in->type = RDR_CIN_STAFF_APPEAL;
                in->ground = (rdr_ground_t)g;
                return staff_evidence(sd, m, in);
        }
        default:
                in->type = RDR_CIN_EVIDENCE;
                return staff_evidence(sd, m, in);
        }
}

/* Apply answer event ev (its input decided by answer_input()) and count
 * it. */
static rdr_err_t apply_answered(reviews_t *rv, rdr_msg_t *m,
                                const rdr_event_t *ev, const answer_t *an,
                                rdr_cadence_input_t *in,
                                const redisReply *case_reply,
                                const redisReply *seen) {
        const rdr_cadence_out_t *out;
        rdr_err_t err = apply_answer(rv, m, an, case_reply, seen, in, &out);
        if (err || out->status != RDR_CADENCE_APPLIED)
                return err;
        if (ev->kind == RDR_INPUT_APPEAL_RESULTS) {
                char labels[64];
                rdr_str_join(labels, sizeof(labels),
                             (const char *const[]){
                                 ev->u.appeal.platform, "\x1f",
                                 rdr_outcome_names[ev->u.appeal.outcome],
                                 NULL});
                rdr_metric_add(rv->m_appeal_results, labels, 1);
        } else {
                rdr_metric_add(rv->m_staff,
                               rdr_staff_type_names[ev->u.staff.type], 1);
        }
        return RDR_OK;
}

static rdr_err_t reviews_handle(void *opaque, rdr_msg_t *msgs, size_t cnt) {
        reviews_t *rv = opaque;
        rdr_redis_t *redis = rdr_worker_redis(rv->w);
        size_t i, q = 0, reads_cnt = 0;
        size_t *first = calloc(cnt ? cnt : 1, sizeof(*first));
        redisReply **reads = NULL;
        int answers = 0;
        int64_t now = rdr_worker_now_ms(rv->w);
        rdr_err_t err;
        if (!first)
                return RDR_ERR_NOMEM;

        /* Decode; queue the reads each valid review needs (an answer: its
         * case). */
        rdr_casework_begin(rv->cw);
        for (i = 0; i < cnt; i++) {
                rdr_msg_t *m = &msgs[i];
                answer_t an;
                m->err = rdr_event_decode(&rv->evs.evs[i], kind_of(rv, m),
                                          m->value, m->len, m->content_type,
                                          m->errstr, sizeof(m->errstr));
                if (!m->err)
                        m->err = rdr_event_check_future(
                            &rv->evs.evs[i], now, rv->future_max_ms, m->errstr,
                            sizeof(m->errstr));
                if (!m->err)
                        rdr_event_fingerprint_str(&rv->evs.evs[i],
                                                  m->fingerprint);
                if (m->err || !answer_of(&rv->evs.evs[i], &an))
                        continue;
                if (strlen(an.case_id) >= RDR_CASE_ID_MAX)
                        rdr_msg_fail(m, "case_id is longer than any "
                                        "the fleet makes");
                else
                        m->err = answer_input(&rv->evs.evs[i], m, &rv->ins[i]);
        }
        for (i = 0; i < cnt; i++) {
                const rdr_review_t *r;
                char k[KEYSZ], field[KEYSZ], f_first[KEYSZ], f_last[KEYSZ],
                    case_id[RDR_ID_LEN];
                answer_t an;
                if (msgs[i].err)
                        continue;
                first[i] = q;
                if (answer_of(&rv->evs.evs[i], &an)) {
                        rdr_casework_queue_read(rv->cw, an.case_id,
                                                msgs[i].topic, an.event_id);
                        q += RDR_CASEWORK_READS;
                        answers = 1;
                        continue;
                }
                r = &rv->evs.evs[i].u.review;
                rdr_buyer_tags_queue_read(redis, r->platform, r->buyer_id);
                /* The order's record before its intents: a chat recorded
                 * between the two reads moves the record's count of chats
                 * on, which the case's opening is guarded by
                 * (rdr_casework_guard_opening()). */
                rdr_key_order(k, KEYSZ, r->platform, r->store_id, r->order_id,
                              NULL);
                rdr_redis_cmdl(redis, "HGETALL", k, NULL);
                rdr_key_order(k, KEYSZ, r->platform, r->store_id, r->order_id,
                              "intents");
                rdr_redis_cmdl(redis, "SMEMBERS", k, NULL);
                /* What the buyer said to the store in chats that named
                 * no order: a refusal, demands. */
                if (r->buyer_id && *r->buyer_id &&
                    rdr_key_buyer(k, KEYSZ, r->platform, r->buyer_id, NULL) >
                        0 &&
                    rdr_str_join_fit(field, sizeof(field),
                                     (const char *const[]){RDR_KEY_REFUSED_AT,
                                                           r->store_id,
                                                           NULL}) >= 0 &&
                    rdr_str_join_fit(f_first, sizeof(f_first),
                                     (const char *const[]){RDR_KEY_DEMAND_FIRST,
                                                           r->store_id,
                                                           NULL}) >= 0 &&
                    rdr_str_join_fit(f_last, sizeof(f_last),
                                     (const char *const[]){RDR_KEY_DEMAND_LAST,
                                                           r->store_id,
                                                           NULL}) >= 0)
                        rdr_redis_cmdl(redis, "HMGET", k, field, f_first,
                                       f_last, "buyer_zone", NULL);
                else
                        rdr_redis_cmdl(redis, "PING", NULL);
                rdr_case_id(case_id, r->platform, r->store_id, r->review_id);
                rdr_casework_queue_read(rv->cw, case_id, msgs[i].topic,
                                        r->event_id);
                q += READS;
        }
        /* The replies stay valid until the batch ends. */
        if ((err = rdr_redis_exec_take(redis, q, &reads, &reads_cnt)))
                goto done;

        /* An answer that may write to the buyer (an approved incentive, a
         * resumed cadence) reads the buyer's fleet-wide tags first: the
         * buyer is known once the case is read. */
        if (answers) {
                for (i = 0; i < cnt; i++) {
                        answer_t an;
                        int has =
                            !msgs[i].err && answer_of(&rv->evs.evs[i], &an);
                        rv->tags[i] = (rdr_tag_read_t){
                            has ? an.case_id : NULL,
                            has ? reads[first[i]] : NULL, &rv->ins[i], 0};
                }
                if ((err = rdr_casework_read_tags(rv->cw, rv->tags, cnt)))
                        goto done;
        }

        /* Decide and queue each event's effects. */
        for (i = 0; i < cnt; i++) {
                const rdr_event_t *ev = &rv->evs.evs[i];
                const redisReply *const *rd = (const redisReply *const *)reads;
                context_t ctx;
                answer_t an;
                if (msgs[i].err)
                        continue;
                if (answer_of(ev, &an)) {
                        err = apply_answered(rv, &msgs[i], ev, &an, &rv->ins[i],
                                             rd[first[i]], rd[first[i] + 1]);
                        if ((err = rdr_msg_settle(&msgs[i], err)))
                                goto done;
                        continue;
                }
                read_context(rd[first[i]], rd[first[i] + 2], rd[first[i] + 1],
                             rd[first[i] + 3], rdr_worker_now_ms(rv->w), &ctx);
                err = apply_one(rv, &msgs[i], &ev->u.review, &ctx,
                                rd[first[i] + 4], rd[first[i] + 5]);
                if ((err = rdr_msg_settle(&msgs[i], err)))
                        goto done;
        }
        err = RDR_OK;
done:
        free(first);
        rdr_redis_replies_free(reads, reads_cnt);
        return err;
}

/* Reviews, the platforms' answers to the appeals filed against them, and
 * people's decisions on the staff.review actions of their cases. */
static const char *const reviews_topics[] = {
    "topics.reviews", "topics.appeal_results", "topics.staff_decisions", NULL};

static void reviews_doc(void *fp) {
        rdr_casework_doc(fp);
        rdr_classifier_doc(fp);
        rdr_peers_doc(fp);
}

const rdr_worker_def_t rdr_reviews_worker = {
    .name = "reviews",
    .topics = reviews_topics,
    .init = reviews_init,
    .handle = reviews_handle,
    .destroy = reviews_destroy,
    .doc = reviews_doc,
};

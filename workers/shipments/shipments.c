/* Shipments: each tracking event updates its parcel's record (one per
 * tracking number of the order: a split shipment has several; carrier,
 * tracking number, status, last scan, promised date, the estimate told,
 * exception) and publishes the notices it calls for (parcel.h: shipped,
 * exception; the timer worker runs the checks that find a late parcel),
 * once per event id. The reviews worker reads the record as context of a
 * logistics complaint. If the order has a case, a parcel in exception or
 * past its promised date or estimate pauses the case's outreach until
 * delivery, and delivery resumes it once no other parcel of the order
 * holds it (BEHAVIOR.md sections 4 and 7). A case whose review did not
 * tell the buyer's zone (the store's stood in) learns it from the order's
 * first parcel event: the buyer's record's, else the destination's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "casework.h"
#include "keys.h"
#include "shipments.h"
#include "str.h"

#define KEYSZ 1024

typedef struct shipments_s {
        rdr_worker_t *w;
        rdr_events_t evs;
        rdr_casework_t *cw;
        int64_t ttl_ms;
        int64_t future_max_ms; /* consumer.future_max */
        rdr_metric_t *m_events;
} shipments_t;

static rdr_err_t shipments_init(rdr_worker_t *w, void **opaque, char *errstr,
                                size_t errstr_size) {
        shipments_t *sh = calloc(1, sizeof(*sh));
        const rdr_conf_t *conf = rdr_worker_conf(w);
        if (!sh || rdr_events_init(&sh->evs, rdr_worker_batch_cap(w))) {
                free(sh);
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        sh->w = w;
        sh->cw = rdr_casework_new(w, errstr, errstr_size);
        if (!sh->cw) {
                rdr_events_free(&sh->evs);
                free(sh);
                return RDR_ERR_CONFIG;
        }
        sh->ttl_ms = rdr_conf_int(conf, "dedupe.ttl");
        sh->future_max_ms = rdr_conf_int(conf, "consumer.future_max");
        sh->m_events =
            rdr_metrics_counter(rdr_worker_metrics(w), "shipment_events_total",
                                "Shipment events by type", "type");
        *opaque = sh;
        return RDR_OK;
}

static void shipments_destroy(void *opaque) {
        shipments_t *sh = opaque;
        if (!sh)
                return;
        rdr_events_free(&sh->evs);
        rdr_casework_destroy(sh->cw);
        free(sh);
}

/* The order's record key of s: 0, or -1 if the ids are too long. */
static int order_key(const rdr_shipment_t *s, char *k_order) {
        return rdr_key_order(k_order, KEYSZ, s->platform, s->store_id,
                             s->order_id, NULL) < 0
                   ? -1
                   : 0;
}

/* The pause or resume this event means for the order's case, or -1: an
 * exception, or a scan of a late parcel (past the promise or the estimate
 * the buyer was told, or told of a delay), pauses; delivery resumes
 * (BEHAVIOR.md section 7). */
static int case_input(const rdr_shipment_t *s, const rdr_parcel_t *p) {
        if (s->type == RDR_SHIP_DELIVERED)
                return RDR_CIN_SHIPMENT_RESUME;
        if (s->type == RDR_SHIP_EXCEPTION)
                return RDR_CIN_SHIPMENT_PAUSE;
        if (s->type == RDR_SHIP_SCAN &&
            rdr_parcel_is_late(
                s->promised_by_ms ? s->promised_by_ms : p->promised_by_ms,
                p->expected_max_ms, p->delay_notice_at_ms, s->occurred_at_ms))
                return RDR_CIN_SHIPMENT_PAUSE;
        return -1;
}

/* Before the order's review or chats tell of the buyer, the buyer's
 * record may (the review of an earlier order, reviews.c): the language
 * and zone of the notices. Returns what it filled in p: 1 the language,
 * 2 the zone. */
static int learn_buyer(rdr_parcel_t *p, const redisReply *hmget) {
        const redisReply *l, *z;
        int got = 0;
        if (!hmget || hmget->type != REDIS_REPLY_ARRAY || hmget->elements != 2)
                return 0;
        l = hmget->element[0];
        z = hmget->element[1];
        if (!p->buyer_language[0] && l->type == REDIS_REPLY_STRING &&
            l->len < sizeof(p->buyer_language) && rdr_lang_known(l->str)) {
                rdr_str_copy(p->buyer_language, sizeof(p->buyer_language),
                             l->str);
                got |= 1;
        }
        if (!p->buyer_zone[0] && z->type == REDIS_REPLY_STRING && z->len > 0 &&
            z->len < sizeof(p->buyer_zone)) {
                rdr_str_copy(p->buyer_zone, sizeof(p->buyer_zone), z->str);
                got |= 2;
        }
        return got;
}

/* Keep what learn_buyer() found on the order's record, for its checks
 * (the timer worker reads the record alone); a review or chat of the
 * order that wrote first keeps its own. */
static void keep_learned(rdr_redis_t *redis, const char *order_key,
                         const rdr_parcel_t *p, int learned) {
        if (learned & 1)
                rdr_redis_cmdl(redis, "HSETNX", order_key, "buyer_language",
                               p->buyer_language, NULL);
        if (learned & 2)
                rdr_redis_cmdl(redis, "HSETNX", order_key, "buyer_zone",
                               p->buyer_zone, NULL);
}

/* The zone a case of the order should learn from event s of parcel p,
 * into zone: the buyer's record's (learn_buyer()), else the zone of the
 * destination (playbook destinations). 0 if none, or if the order's record
 * has one already (the order's review gave it, or a parcel event told the
 * case before). */
static int zone_to_tell(const shipments_t *sh, const rdr_shipment_t *s,
                        const rdr_parcel_t *p, const redisReply *order,
                        char zone[RDR_ZONE_MAX]) {
        const rdr_destination_t *d;
        const char *z;
        if (rdr_hash_get(order, "buyer_zone"))
                return 0;
        z = rdr_parcel_buyer_zone(rdr_casework_conf(sh->cw)->playbook, p, s,
                                  &d);
        if (!z || !*z)
                return 0;
        rdr_str_copy(zone, RDR_ZONE_MAX, z);
        return 1;
}

static rdr_err_t shipments_handle(void *opaque, rdr_msg_t *msgs, size_t cnt) {
        shipments_t *sh = opaque;
        rdr_redis_t *redis = rdr_worker_redis(sh->w);
        size_t i, j, q = 0, nj = 0, n = cnt ? cnt : 1;
        size_t *first = calloc(n, sizeof(*first));
        size_t *jfirst = calloc(n + 1, sizeof(*jfirst));
        rdr_parcel_t **parcel = calloc(n, sizeof(*parcel));
        int *cin = calloc(n, sizeof(*cin));
        int *seen = calloc(n, sizeof(*seen));
        int *learned = calloc(n, sizeof(*learned));
        char(*zones)[RDR_ZONE_MAX] = calloc(n, sizeof(*zones));
        /* The cases each event reaches (every case of its order):
         * jobs jfirst[i] .. jfirst[i + 1] of event i. */
        const char **job_case = NULL;
        rdr_cadence_input_t *ins = NULL;
        rdr_tag_read_t *tags = NULL;
        redisReply **recs = NULL, **reads = NULL;
        size_t recs_cnt = 0, reads_cnt = 0;
        const char *ids[RDR_ORDER_CASES_MAX];
        char k[KEYSZ], ref[RDR_PARCEL_REF_MAX];
        rdr_err_t err = RDR_ERR_NOMEM;
        if (!first || !jfirst || !parcel || !cin || !seen || !learned || !zones)
                goto done;
        rdr_casework_begin(sh->cw);
        rdr_events_decode(&sh->evs, RDR_INPUT_SHIPMENTS, msgs, cnt,
                          rdr_worker_now_ms(sh->w), sh->future_max_ms);
        /* Read each order's record (its parcels), whether the event was
         * applied, and what the buyer's record says of the buyer. */
        for (i = 0; i < cnt; i++) {
                const rdr_shipment_t *s = &sh->evs.evs[i].u.shipment;
                if (msgs[i].err)
                        continue;
                if (order_key(s, k)) {
                        rdr_msg_fail(&msgs[i], "ids too long for a Redis key");
                        continue;
                }
                first[i] = q;
                q += RDR_CASEWORK_READS + 1;
                rdr_casework_queue_parcel_read(sh->cw, k, msgs[i].topic,
                                               s->event_id);
                if (s->buyer_id && *s->buyer_id &&
                    rdr_key_buyer(k, KEYSZ, s->platform, s->buyer_id, NULL) > 0)
                        rdr_redis_cmdl(redis, "HMGET", k, "buyer_language",
                                       "buyer_zone", NULL);
                else
                        rdr_redis_cmdf(redis, "PING");
        }
        /* The records stay readable until the batch ends (a delivery asks
         * the order's other parcels below). */
        if ((err = rdr_redis_exec_take(redis, q, &recs, &recs_cnt)))
                goto done;
        for (i = 0; i < cnt; i++) {
                const rdr_shipment_t *s = &sh->evs.evs[i].u.shipment;
                const redisReply *order;
                int r;
                cin[i] = -1;
                if (msgs[i].err)
                        continue;
                order = recs[first[i]];
                seen[i] =
                    rdr_casework_seen(recs[first[i] + 1], msgs[i].fingerprint);
                order_key(s, k);
                /* Each tracking number of the order is a parcel of its
                 * own (a split shipment). */
                r = rdr_casework_parcel_ref(sh->cw, k, order,
                                            s->tracking_number, ref);
                if (r == -1) {
                        rdr_msg_fail(&msgs[i], "ids too long for a Redis key");
                        continue;
                }
                if (r || !(parcel[i] =
                               rdr_casework_parcel_get(sh->cw, ref, order))) {
                        err = RDR_ERR_NOMEM;
                        goto done;
                }
                learned[i] = learn_buyer(parcel[i], recs[first[i] + 2]);
                cin[i] = case_input(s, parcel[i]);
                if (rdr_hash_get(order, "case_id") &&
                    zone_to_tell(sh, s, parcel[i], order, zones[i]) &&
                    cin[i] < 0)
                        cin[i] = RDR_CIN_BUYER_ZONE;
                if (cin[i] >= 0)
                        nj += rdr_order_cases(order, ids);
        }
        job_case = calloc(nj ? nj : 1, sizeof(*job_case));
        ins = calloc(nj ? nj : 1, sizeof(*ins));
        tags = calloc(nj ? nj : 1, sizeof(*tags));
        if (!job_case || !ins || !tags) {
                err = RDR_ERR_NOMEM;
                goto done;
        }
        /* Read each case the events reach. */
        for (i = 0, nj = 0; i < cnt; i++) {
                const rdr_shipment_t *s = &sh->evs.evs[i].u.shipment;
                size_t nc = 0;
                jfirst[i] = nj;
                if (!msgs[i].err && cin[i] >= 0)
                        nc = rdr_order_cases(recs[first[i]], ids);
                for (j = 0; j < nc; j++, nj++) {
                        job_case[nj] = ids[j];
                        ins[nj].type = (rdr_cadence_input_type_t)cin[i];
                        ins[nj].buyer_zone = zones[i][0] ? zones[i] : NULL;
                        rdr_casework_queue_read(sh->cw, ids[j], msgs[i].topic,
                                                s->event_id);
                }
        }
        jfirst[cnt] = nj;
        if (nj > 0) {
                /* The replies stay valid until the batch ends. */
                if ((err = rdr_redis_exec_take(redis, nj * RDR_CASEWORK_READS,
                                               &reads, &reads_cnt)))
                        goto done;
                /* A delivery that resumes a paused case may write to the
                 * buyer: their fleet-wide tags first. */
                for (j = 0; j < nj; j++)
                        tags[j] = (rdr_tag_read_t){
                            job_case[j], reads[j * RDR_CASEWORK_READS], &ins[j],
                            0};
                if ((err = rdr_casework_read_tags(sh->cw, tags, nj)))
                        goto done;
        }
        /* The parcels first: a case paused by its parcel's event finds the
         * notice published beside it (the delay notice goes first). */
        for (i = 0; i < cnt; i++) {
                const rdr_shipment_t *s = &sh->evs.evs[i].u.shipment;
                const rdr_parcel_out_t *po;
                int reaches;
                if (msgs[i].err)
                        continue;
                /* An event that pauses the order's cases, or resumes
                 * them from this parcel's hold, applies only if no case
                 * was listed on the order since the read: it reaches every
                 * case it read. (A case opened beside a parcel that did not
                 * hold it has nothing to resume.) */
                reaches =
                    cin[i] == RDR_CIN_SHIPMENT_PAUSE ||
                    (cin[i] == RDR_CIN_SHIPMENT_RESUME &&
                     rdr_parcel_holds(parcel[i], rdr_worker_now_ms(sh->w)));
                err = rdr_casework_parcel(
                    sh->cw, parcel[i], reaches ? recs[first[i]] : NULL,
                    msgs[i].topic, s->event_id, msgs[i].fingerprint, seen[i], s,
                    0, &po, msgs[i].errstr, sizeof(msgs[i].errstr));
                if (!err && learned[i] && !order_key(s, k))
                        keep_learned(redis, k, parcel[i], learned[i]);
                if ((err = rdr_msg_settle(&msgs[i], err)))
                        goto done;
                if (!msgs[i].err)
                        rdr_metric_add(sh->m_events,
                                       rdr_shipment_type_names[s->type], 1);
        }
        for (i = 0; i < cnt; i++) {
                const rdr_shipment_t *s = &sh->evs.evs[i].u.shipment;
                int moot;
                if (msgs[i].err || jfirst[i] == jfirst[i + 1] ||
                    order_key(s, k))
                        continue;
                /* A delivery resumes the cases only when no other parcel
                 * of the order still holds them (late or in exception),
                 * counting what this batch did to them. A pause holds
                 * them until delivery: none for a parcel delivered
                 * already, as the batch left it (an exception the carrier
                 * sent late, an old scan sent again, or one its delivery
                 * followed in this batch), or it would hold them until
                 * case_ttl. Either way the zone it tells is news. */
                moot = cin[i] == RDR_CIN_SHIPMENT_RESUME
                           ? rdr_casework_order_held(sh->cw, k, recs[first[i]],
                                                     parcel[i],
                                                     rdr_worker_now_ms(sh->w))
                           : cin[i] == RDR_CIN_SHIPMENT_PAUSE &&
                                 rdr_parcel_delivered(parcel[i]);
                if (moot && !zones[i][0])
                        continue;
                for (j = jfirst[i]; j < jfirst[i + 1] && !msgs[i].err; j++) {
                        redisReply *const *rd = &reads[j * RDR_CASEWORK_READS];
                        const rdr_cadence_out_t *out;
                        rdr_case_t *cs;
                        if (moot)
                                ins[j].type = RDR_CIN_BUYER_ZONE;
                        err = rdr_casework_get(sh->cw, job_case[j], rd[0], &cs,
                                               msgs[i].errstr,
                                               sizeof(msgs[i].errstr));
                        if (!err)
                                err = rdr_casework_apply(
                                    sh->cw, cs, job_case[j], &ins[j],
                                    msgs[i].topic, s->event_id,
                                    msgs[i].fingerprint,
                                    rdr_casework_seen(rd[1],
                                                      msgs[i].fingerprint),
                                    NULL, &out, msgs[i].errstr,
                                    sizeof(msgs[i].errstr));
                        if ((err = rdr_msg_settle(&msgs[i], err)))
                                goto done;
                }
                /* Told once: the order's record keeps the zone (the
                 * parcel's notices use the same). */
                if (!msgs[i].err && zones[i][0])
                        rdr_redis_cmdl(redis, "HSETNX", k, "buyer_zone",
                                       zones[i], NULL);
        }
        err = RDR_OK;
done:
        free(first);
        free(jfirst);
        free(parcel);
        free(cin);
        free(seen);
        free(learned);
        free(zones);
        free(job_case);
        free(ins);
        free(tags);
        rdr_redis_replies_free(recs, recs_cnt);
        rdr_redis_replies_free(reads, reads_cnt);
        return err;
}

static const char *const shipments_topics[] = {"topics.shipments", NULL};

const rdr_worker_def_t rdr_shipments_worker = {
    .name = "shipments",
    .topics = shipments_topics,
    .init = shipments_init,
    .handle = shipments_handle,
    .destroy = shipments_destroy,
    .doc = rdr_casework_doc,
};

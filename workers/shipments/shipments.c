/* Shipments: each tracking event updates the order's parcel record (carrier,
 * tracking number, status, last scan, promised date, exception), once per
 * event id. The reviews worker reads the record as context of a logistics
 * complaint. If the order has a case, a parcel in exception or past its
 * promised date pauses the case's outreach until delivery, and delivery
 * resumes it (BEHAVIOR.md section 7). */
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

static rdr_err_t apply_one(shipments_t *sh, rdr_msg_t *m,
                           const rdr_shipment_t *s) {
        char tag[KEYSZ], k_seen[KEYSZ], k_outbox[KEYSZ], k_hash[KEYSZ], at[24],
            promised[24];
        const char *fv[20];
        size_t n = 0;
        rdr_apply_t a;
        if (rdr_key_order(k_hash, KEYSZ, s->platform, s->store_id, s->order_id,
                          NULL) < 0)
                return rdr_msg_fail(m, "ids too long for a Redis key");
        snprintf(tag, sizeof(tag), "o:%s:%s:%s", s->platform, s->store_id,
                 s->order_id);
        if (snprintf(k_outbox, KEYSZ, "%s:outbox", k_hash) >= KEYSZ)
                return rdr_msg_fail(m, "ids too long for a Redis key");
        if (rdr_key_seen(k_seen, KEYSZ, tag, m->topic, s->event_id) < 0)
                return rdr_msg_fail(m, "ids too long for a Redis key");
        snprintf(at, sizeof(at), "%lld", (long long)s->occurred_at_ms);
        fv[n++] = "carrier";
        fv[n++] = s->carrier;
        fv[n++] = "tracking_number";
        fv[n++] = s->tracking_number;
        fv[n++] = "buyer_id";
        fv[n++] = s->buyer_id;
        fv[n++] = "parcel_status";
        fv[n++] = rdr_shipment_type_names[s->type];
        fv[n++] = "last_scan_at_ms";
        fv[n++] = at;
        if (s->promised_by_ms) {
                snprintf(promised, sizeof(promised), "%lld",
                         (long long)s->promised_by_ms);
                fv[n++] = "promised_by_ms";
                fv[n++] = promised;
        }
        if (s->exception != RDR_EXC_NONE) {
                fv[n++] = "exception";
                fv[n++] = rdr_exception_names[s->exception];
        }
        if (s->type == RDR_SHIP_DELIVERED) {
                fv[n++] = "delivered_at_ms";
                fv[n++] = at;
        }
        memset(&a, 0, sizeof(a));
        a.dedupe_key = k_seen;
        a.outbox_key = k_outbox;
        a.ttl_ms = sh->ttl_ms;
        a.hash_key = k_hash;
        a.hash_fv = fv;
        a.hash_fv_cnt = n;
        a.keep_ms = rdr_casework_retention(sh->cw)->orders_ms;
        rdr_metric_add(sh->m_events, rdr_shipment_type_names[s->type], 1);
        return rdr_worker_apply(sh->w, &a);
}

/* The pause or resume this event means for the order's case, or -1. */
static int case_input(const rdr_shipment_t *s, const redisReply *order) {
        int64_t promised = s->promised_by_ms;
        const char *v;
        if (s->type == RDR_SHIP_DELIVERED)
                return RDR_CIN_SHIPMENT_RESUME;
        if (s->type == RDR_SHIP_EXCEPTION)
                return RDR_CIN_SHIPMENT_PAUSE;
        if (!promised && (v = rdr_hash_get(order, "promised_by_ms")))
                promised = strtoll(v, NULL, 10);
        if (s->type == RDR_SHIP_SCAN && promised &&
            s->occurred_at_ms > promised)
                return RDR_CIN_SHIPMENT_PAUSE;
        return -1;
}

static rdr_err_t shipments_handle(void *opaque, rdr_msg_t *msgs, size_t cnt) {
        shipments_t *sh = opaque;
        rdr_redis_t *redis = rdr_worker_redis(sh->w);
        size_t i, q = 0, nc = 0;
        size_t *first = calloc(cnt ? cnt : 1, sizeof(*first));
        size_t *cslot = calloc(cnt ? cnt : 1, sizeof(*cslot));
        char(*case_ids)[RDR_CASE_ID_MAX] =
            calloc(cnt ? cnt : 1, sizeof(*case_ids));
        int *cin = calloc(cnt ? cnt : 1, sizeof(*cin));
        rdr_err_t err = RDR_ERR_NOMEM;
        if (!first || !cslot || !case_ids || !cin)
                goto done;
        rdr_casework_begin(sh->cw);
        rdr_events_decode(&sh->evs, RDR_INPUT_SHIPMENTS, msgs, cnt);
        /* Read each order's record (its case, its promised date). */
        for (i = 0; i < cnt; i++) {
                const rdr_shipment_t *s = &sh->evs.evs[i].u.shipment;
                char k[KEYSZ];
                if (msgs[i].err)
                        continue;
                first[i] = q++;
                if (rdr_key_order(k, KEYSZ, s->platform, s->store_id,
                                  s->order_id, NULL) > 0)
                        rdr_redis_cmdl(redis, "HGETALL", k, NULL);
                else
                        rdr_redis_cmdf(redis, "PING");
        }
        if ((err = rdr_redis_exec(redis)))
                goto done;
        for (i = 0; i < cnt; i++) {
                const redisReply *order;
                const char *cid;
                cin[i] = -1;
                if (msgs[i].err)
                        continue;
                order = rdr_redis_reply(redis, first[i]);
                cid = rdr_hash_get(order, "case_id");
                cin[i] = case_input(&sh->evs.evs[i].u.shipment, order);
                if (cid && cin[i] >= 0 && strlen(cid) < RDR_CASE_ID_MAX)
                        rdr_str_copy(case_ids[i], RDR_CASE_ID_MAX, cid);
                else
                        cin[i] = -1;
        }
        rdr_redis_reset(redis);
        for (i = 0; i < cnt; i++)
                if (cin[i] >= 0) {
                        rdr_casework_queue_read(
                            sh->cw, case_ids[i], msgs[i].topic,
                            sh->evs.evs[i].u.shipment.event_id);
                        cslot[i] = nc;
                        nc += RDR_CASEWORK_READS;
                }
        if (nc > 0 && (err = rdr_redis_exec(redis)))
                goto done;
        for (i = 0; i < cnt; i++) {
                const rdr_shipment_t *s = &sh->evs.evs[i].u.shipment;
                if (msgs[i].err)
                        continue;
                err = apply_one(sh, &msgs[i], s);
                if (!err && cin[i] >= 0) {
                        rdr_cadence_input_t in;
                        const rdr_cadence_out_t *out;
                        rdr_case_t *cs;
                        err = rdr_casework_get(sh->cw, case_ids[i],
                                               rdr_redis_reply(redis, cslot[i]),
                                               &cs, msgs[i].errstr,
                                               sizeof(msgs[i].errstr));
                        if (!err) {
                                memset(&in, 0, sizeof(in));
                                in.type = (rdr_cadence_input_type_t)cin[i];
                                err = rdr_casework_apply(
                                    sh->cw, cs, case_ids[i], &in, msgs[i].topic,
                                    s->event_id,
                                    rdr_redis_reply(redis, cslot[i] + 1), NULL,
                                    &out, msgs[i].errstr,
                                    sizeof(msgs[i].errstr));
                        }
                }
                if ((err = rdr_msg_settle(&msgs[i], err)))
                        goto done;
        }
        err = RDR_OK;
done:
        free(first);
        free(cslot);
        free(case_ids);
        free(cin);
        return err;
}

static const char *const shipments_topics[] = {"topics.shipments", NULL};

const rdr_worker_def_t rdr_shipments_worker = {
    .name = "shipments",
    .topics = shipments_topics,
    .init = shipments_init,
    .handle = shipments_handle,
    .destroy = shipments_destroy,
};

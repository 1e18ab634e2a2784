/* Shipments: each tracking event updates the order's parcel record (carrier,
 * tracking number, status, last scan, promised date, exception), once per
 * event id. The reviews worker reads the record as context of a logistics
 * complaint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "keys.h"
#include "shipments.h"

#define KEYSZ 1024

typedef struct shipments_s {
        rdr_worker_t *w;
        rdr_events_t evs;
        int64_t ttl_ms;
        rdr_metric_t *m_events;
} shipments_t;

static rdr_err_t shipments_init(rdr_worker_t *w, void **opaque, char *errstr,
                                size_t errstr_size) {
        shipments_t *sh = calloc(1, sizeof(*sh));
        const rdr_conf_t *conf = rdr_worker_conf(w);
        if (!sh || rdr_events_init(&sh->evs, (size_t)rdr_conf_int(
                                                 conf, "consumer.batch_max"))) {
                free(sh);
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        sh->w = w;
        sh->ttl_ms = rdr_conf_int(conf, "dedupe.ttl");
        sh->m_events = rdr_metrics_counter(rdr_worker_metrics(w),
                                           "shipment_events_total",
                                           "Shipment events by type", "type");
        *opaque = sh;
        return RDR_OK;
}

static void shipments_destroy(void *opaque) {
        shipments_t *sh = opaque;
        if (!sh)
                return;
        rdr_events_free(&sh->evs);
        free(sh);
}

static rdr_err_t apply_one(shipments_t *sh, const rdr_msg_t *m,
                           const rdr_shipment_t *s) {
        char tag[KEYSZ], k_seen[KEYSZ], k_outbox[KEYSZ], k_hash[KEYSZ],
            at[24], promised[24];
        const char *fv[20];
        size_t n = 0;
        rdr_apply_t a;
        if (rdr_key_order(k_hash, KEYSZ, s->platform, s->store_id, s->order_id,
                          NULL) < 0)
                return RDR_ERR_INVALID;
        snprintf(tag, sizeof(tag), "o:%s:%s:%s", s->platform, s->store_id,
                 s->order_id);
        if (snprintf(k_outbox, KEYSZ, "%s:outbox", k_hash) >= KEYSZ)
                return RDR_ERR_INVALID;
        if (rdr_key_seen(k_seen, KEYSZ, tag, m->topic, s->event_id) < 0)
                return RDR_ERR_INVALID;
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
        rdr_metric_add(sh->m_events, rdr_shipment_type_names[s->type], 1);
        return rdr_worker_apply(sh->w, &a);
}

static rdr_err_t shipments_handle(void *opaque, rdr_msg_t *msgs, size_t cnt) {
        shipments_t *sh = opaque;
        size_t i;
        rdr_events_decode(&sh->evs, RDR_INPUT_SHIPMENTS, msgs, cnt);
        for (i = 0; i < cnt; i++) {
                rdr_err_t err;
                if (msgs[i].err)
                        continue;
                err = apply_one(sh, &msgs[i], &sh->evs.evs[i].u.shipment);
                if (rdr_err_class(err) == RDR_ERRCLASS_PERMANENT) {
                        msgs[i].err = err;
                        snprintf(msgs[i].errstr, sizeof(msgs[i].errstr),
                                 "ids too long for a Redis key");
                } else if (err) {
                        return err;
                }
        }
        return RDR_OK;
}

static const char *const shipments_topics[] = {"topics.shipments", NULL};

const rdr_worker_def_t rdr_shipments_worker = {
    .name = "shipments",
    .topics = shipments_topics,
    .init = shipments_init,
    .handle = shipments_handle,
    .destroy = shipments_destroy,
};

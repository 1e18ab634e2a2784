/* See batch.h. */
#include <stdlib.h>

#include "batch.h"

rdr_err_t rdr_events_init(rdr_events_t *es, size_t cnt) {
        size_t i;
        es->evs = calloc(cnt ? cnt : 1, sizeof(*es->evs));
        if (!es->evs)
                return RDR_ERR_NOMEM;
        es->cnt = cnt;
        for (i = 0; i < cnt; i++)
                rdr_event_init(&es->evs[i]);
        return RDR_OK;
}

void rdr_events_free(rdr_events_t *es) {
        size_t i;
        for (i = 0; es->evs && i < es->cnt; i++)
                rdr_event_free(&es->evs[i]);
        free(es->evs);
        es->evs = NULL;
        es->cnt = 0;
}

size_t rdr_events_decode(rdr_events_t *es, rdr_input_kind_t kind,
                         rdr_msg_t *msgs, size_t cnt, int64_t now_ms,
                         int64_t future_max_ms) {
        size_t i, ok = 0;
        for (i = 0; i < cnt && i < es->cnt; i++) {
                rdr_msg_t *m = &msgs[i];
                m->err = rdr_event_decode(&es->evs[i], kind, m->value, m->len,
                                          m->content_type, m->errstr,
                                          sizeof(m->errstr));
                if (!m->err)
                        m->err = rdr_event_check_future(
                            &es->evs[i], now_ms, future_max_ms, m->errstr,
                            sizeof(m->errstr));
                if (!m->err) {
                        rdr_event_fingerprint_str(&es->evs[i], m->fingerprint);
                        ok++;
                }
        }
        return ok;
}

/* The decoded events of one batch: one reusable rdr_event_t per message
 * slot, so that decoding a batch allocates nothing once the arenas have
 * grown. Messages that fail to decode are marked for the dead-letter topic
 * with the decoder's reason. */
#ifndef RDR_BATCH_H
#define RDR_BATCH_H

#include <stddef.h>
#include "event.h"
#include "run.h"

typedef struct rdr_events_s {
        rdr_event_t *evs;
        size_t cnt;
} rdr_events_t;

/** Room for cnt events. Returns RDR_ERR_NOMEM. */
rdr_err_t rdr_events_init(rdr_events_t *es, size_t cnt);
void rdr_events_free(rdr_events_t *es);
/** Decode msgs[i] into es->evs[i] as kind; set msgs[i].err and errstr for
 *  each message that fails, or whose time is more than future_max_ms
 *  ahead of now_ms (rdr_event_check_future()). Returns the number
 *  decoded. */
size_t rdr_events_decode(rdr_events_t *es, rdr_input_kind_t kind,
                         rdr_msg_t *msgs, size_t cnt, int64_t now_ms,
                         int64_t future_max_ms);

#endif

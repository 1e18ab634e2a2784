/* The timer worker: claims due timers with a lease, hands each to the
 * handler registered for its kind, and completes it once the handler's
 * effects were published. */
#ifndef RDR_TIMERS_WORKER_H
#define RDR_TIMERS_WORKER_H

#include "run.h"
#include "timers.h"

/* A handler for timers whose member starts with prefix. fire() queues the
 * timer's effects like a batch handler does (rdr_worker_apply and friends).
 * A retriable error leaves the timer leased: it fires again when the lease
 * expires. */
typedef struct rdr_timer_handler_s {
        const char *prefix;
        rdr_err_t (*fire)(rdr_worker_t *w, const rdr_timer_t *tm);
} rdr_timer_handler_t;

extern const rdr_worker_def_t rdr_timers_worker;

#endif

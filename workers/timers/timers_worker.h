/* The timer worker: claims due timers with a lease, hands each to the
 * case it belongs to (an RDR_CIN_TIMER input of the cadence), and
 * completes it once the transition's effects were published. */
#ifndef RDR_TIMERS_WORKER_H
#define RDR_TIMERS_WORKER_H

#include "run.h"
#include "timers.h"

extern const rdr_worker_def_t rdr_timers_worker;

#endif

/* The shipments worker's handler. */
#ifndef RDR_SHIPMENTS_H
#define RDR_SHIPMENTS_H

#include "run.h"

extern const rdr_worker_def_t rdr_shipments_worker;

#endif

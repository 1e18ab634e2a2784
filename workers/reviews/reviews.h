/* The reviews worker's handler: one case.classified per review event, the
 * case hash, and fleet-wide buyer tags for malicious reviewers. */
#ifndef RDR_REVIEWS_H
#define RDR_REVIEWS_H

#include "run.h"

extern const rdr_worker_def_t rdr_reviews_worker;

#endif

/* redress-report --case / --review / --order: everything the fleet holds
 * of one case, for the person asking why a buyer heard (or did not hear)
 * from the store: the case's fields (times also in the case's zone), its
 * timers as the timer set holds them, the buyer's fleet-wide tags, and the
 * order's record (parcel, chat intents). --buyer: what the fleet holds of
 * one buyer (the record, the fleet-wide tags and who gave or lifted them
 * by hand, the latest case per store). Reads only. */
#ifndef RDR_REPORT_LOOKUP_H
#define RDR_REPORT_LOOKUP_H

#include <stdint.h>

#include "redis.h"

/* Which case: case_id, or platform + store_id + review_id (the case the
 * review opened), or platform + store_id + order_id (the order's case, and
 * the order's record even without one); or which buyer: platform +
 * buyer_id. */
typedef struct lookup_s {
        const char *case_id;
        const char *platform, *store_id, *review_id, *order_id, *buyer_id;
        int json;
        int shards; /* timers.shards */
        int64_t now;
} lookup_t;

/** Print it (text, or one JSON object). Returns the exit status: 0, 1
 *  (Redis unreachable or an unreadable case), 3 (no such case, order or
 *  buyer). */
int lookup_run(rdr_redis_t *redis, const lookup_t *q);

#endif

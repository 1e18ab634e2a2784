/* Consumer lag from librdkafka's statistics (statistics.interval.ms): per
 * topic, the messages of this instance's partitions not yet applied. */
#ifndef RDR_LAG_H
#define RDR_LAG_H

#include <stddef.h>

/** Called once per topic of the statistics with the sum over the
 *  partitions it knows the lag of (0 when it knows none, e.g. after they
 *  were revoked). */
typedef void (*rdr_lag_fn)(const char *topic, long long lag, void *arg);

/** Read the statistics JSON (len bytes). A partition's lag is its high
 *  watermark minus the offset stored after its effects were applied
 *  (consumer_lag_stored), else minus the committed one (consumer_lag);
 *  partitions with neither (not assigned, or not fetched yet) are left
 *  out. Returns the number of topics reported, -1 if json is not
 *  statistics. */
int rdr_lag_from_stats(const char *json, size_t len, rdr_lag_fn fn, void *arg);

#endif

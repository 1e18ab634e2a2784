/* Consumer lag from librdkafka's statistics (statistics.interval.ms): per
 * topic, the messages of this instance's partitions not yet applied; and
 * whether any broker connection is up. */
#ifndef RDR_LAG_H
#define RDR_LAG_H

#include <stddef.h>

/** Called once per topic of the statistics with the sum over the
 *  partitions it knows the lag of (0 when it knows none, e.g. after they
 *  were revoked). */
typedef void (*rdr_lag_fn)(const char *topic, long long lag, void *arg);

/** A high watermark of a partition newer than the statistics' hi_offset,
 *  or -1 if none is known. A paused consumer fetches nothing, and
 *  librdkafka's statistics keep the watermark of its last fetch: a worker
 *  that waits for Redis asks the broker itself (run.c). */
typedef long long (*rdr_lag_hi_fn)(const char *topic, int partition, void *arg);

/** Read the statistics JSON (len bytes). A partition's lag is its high
 *  watermark minus the offset stored after its effects were applied
 *  (consumer_lag_stored), else minus the committed one (consumer_lag);
 *  partitions with neither (not assigned, or not fetched yet) are left
 *  out. With hi (may be NULL), a newer watermark it gives replaces the
 *  statistics' (stored_offset, else committed_offset, is subtracted from
 *  it). Returns the number of topics reported, -1 if json is not
 *  statistics. fn and hi get arg. */
int rdr_lag_from_stats(const char *json, size_t len, rdr_lag_fn fn,
                       rdr_lag_hi_fn hi, void *arg);

/** Of the brokers in the statistics JSON (len bytes), how many have a
 *  connection up (state UP or UPDATE; librdkafka's internal broker is not
 *  one); -1 if json is not statistics. librdkafka reports "all brokers
 *  down" only once every broker it knows is down, and a broker it has not
 *  needed yet (a bootstrap address, say) never connected and so is not
 *  down: a consumer whose brokers all went away can go unreported. A
 *  consumer in a group always holds a connection, to its coordinator at
 *  least, so none up means Kafka is out of reach (run.c). Parses the JSON
 *  on its own: once per statistics interval. */
int rdr_stats_brokers_up(const char *json, size_t len);

#endif

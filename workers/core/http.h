/* The worker's operations port: GET /metrics (Prometheus text), /healthz
 * (the process is alive and its loop turning) and /readyz (it can do its
 * work: configuration loaded, Redis and Kafka reachable). Served by one
 * background thread; requests are tiny and answered one at a time. */
#ifndef RDR_HTTP_H
#define RDR_HTTP_H

#include <stddef.h>
#include "metrics.h"

typedef struct rdr_http_s rdr_http_t;

/** Answers whether a probe passes; writes a short reason to why. Runs on
 *  the HTTP thread: must only read state that is safe to read there. */
typedef int(rdr_http_probe_t)(void *opaque, char *why, size_t why_size);

/** Whether listen_addr ("host:port", "[v6]:port") resolves: 0, or -1
 *  with the reason in errstr (--check-config, before the start binds
 *  it). */
int rdr_http_check_listen(const char *listen_addr, char *errstr,
                          size_t errstr_size);

/** Listen on "host:port" (port 0: any free port) and serve. Returns NULL
 *  with the reason in errstr. m and opaque are borrowed. */
rdr_http_t *rdr_http_start(const char *listen, rdr_metrics_t *m,
                           rdr_http_probe_t *health, rdr_http_probe_t *ready,
                           void *opaque, char *errstr, size_t errstr_size);
/** The port actually bound. */
int rdr_http_port(const rdr_http_t *h);
/** Stop the thread and close the socket. Accepts NULL. */
void rdr_http_stop(rdr_http_t *h);

#endif

/* Prometheus metrics: counters, gauges and histograms with optional label
 * values, rendered in the text exposition format. Updates take a mutex, so
 * any thread may update and the HTTP thread may render at any time. */
#ifndef RDR_METRICS_H
#define RDR_METRICS_H

#include <stddef.h>

typedef struct rdr_metrics_s rdr_metrics_t;
typedef struct rdr_metric_s rdr_metric_t;

/** A registry; worker and instance become labels of every series.
 *  Returns NULL on out of memory. */
rdr_metrics_t *rdr_metrics_new(const char *worker, const char *instance);
void rdr_metrics_destroy(rdr_metrics_t *m);

/** Define a metric (name without the redress_ prefix, which is added).
 *  labels: comma-separated label names ("topic,reason") or NULL. The metric
 *  is owned by the registry. */
rdr_metric_t *rdr_metrics_counter(rdr_metrics_t *m, const char *name,
                                  const char *help, const char *labels);
rdr_metric_t *rdr_metrics_gauge(rdr_metrics_t *m, const char *name,
                                const char *help, const char *labels);
/** A histogram with upper bounds buckets[0..n-1] (ascending; +Inf added). */
rdr_metric_t *rdr_metrics_histogram(rdr_metrics_t *m, const char *name,
                                    const char *help, const double *buckets,
                                    size_t n);

/** values: the label values in the order the metric named them, separated
 *  by '\x1f' when there are several; NULL for none. */
void rdr_metric_add(rdr_metric_t *mt, const char *values, double v);
void rdr_metric_set(rdr_metric_t *mt, const char *values, double v);
void rdr_metric_observe(rdr_metric_t *mt, double v);
/** Current value of one series (0 if absent), for tests and health. */
double rdr_metric_get(rdr_metric_t *mt, const char *values);

/** Render everything; returns a malloc'd NUL-terminated text the caller
 *  frees, or NULL. */
char *rdr_metrics_render(rdr_metrics_t *m);

#endif

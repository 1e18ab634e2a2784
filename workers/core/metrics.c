/* Metric registry and Prometheus text rendering. Series are kept in small
 * arrays per metric: label cardinality in Redress is low (topics, reasons,
 * rule names), so a linear search beats a hash table here. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

typedef enum { MT_COUNTER, MT_GAUGE, MT_HISTOGRAM } mt_type_t;

typedef struct series_s {
        char *values;
        double v;
} series_t;

struct rdr_metric_s {
        rdr_metrics_t *m;
        mt_type_t type;
        char *name, *help, *labels;
        series_t *series;
        size_t series_cnt, series_size;
        double *buckets; /* histogram */
        unsigned long long *counts;
        size_t buckets_cnt;
        double sum;
        unsigned long long count;
};

struct rdr_metrics_s {
        pthread_mutex_t lock;
        char *base_labels; /* worker="..",instance=".." */
        rdr_metric_t **metrics;
        size_t cnt;
};

typedef struct sbuf_s {
        char *p;
        size_t len, size;
        int failed;
} sbuf_t;

static void sb_printf(sbuf_t *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_printf(sbuf_t *sb, const char *fmt, ...) {
        va_list ap;
        int n;
        if (sb->failed)
                return;
        for (;;) {
                size_t avail = sb->size - sb->len;
                va_start(ap, fmt);
                n = vsnprintf(sb->p ? sb->p + sb->len : NULL, avail, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        sb->failed = 1;
                        return;
                }
                if ((size_t)n < avail) {
                        sb->len += (size_t)n;
                        return;
                }
                {
                        size_t ns = (sb->size + (size_t)n + 1) * 2;
                        char *np = realloc(sb->p, ns);
                        if (!np) {
                                sb->failed = 1;
                                return;
                        }
                        sb->p = np;
                        sb->size = ns;
                }
        }
}

/* Escape a label value per the exposition format. */
static void sb_label_value(sbuf_t *sb, const char *s, size_t n) {
        size_t i;
        for (i = 0; i < n; i++) {
                if (s[i] == '\\' || s[i] == '"')
                        sb_printf(sb, "\\%c", s[i]);
                else if (s[i] == '\n')
                        sb_printf(sb, "\\n");
                else
                        sb_printf(sb, "%c", s[i]);
        }
}

rdr_metrics_t *rdr_metrics_new(const char *worker, const char *instance) {
        rdr_metrics_t *m = calloc(1, sizeof(*m));
        sbuf_t sb = {0};
        if (!m)
                return NULL;
        pthread_mutex_init(&m->lock, NULL);
        sb_printf(&sb, "worker=\"");
        sb_label_value(&sb, worker, strlen(worker));
        sb_printf(&sb, "\",instance=\"");
        sb_label_value(&sb, instance, strlen(instance));
        sb_printf(&sb, "\"");
        if (sb.failed) {
                free(sb.p);
                free(m);
                return NULL;
        }
        m->base_labels = sb.p;
        return m;
}

static void metric_free(rdr_metric_t *mt) {
        size_t i;
        for (i = 0; i < mt->series_cnt; i++)
                free(mt->series[i].values);
        free(mt->series);
        free(mt->buckets);
        free(mt->counts);
        free(mt->name);
        free(mt->help);
        free(mt->labels);
        free(mt);
}

void rdr_metrics_destroy(rdr_metrics_t *m) {
        size_t i;
        if (!m)
                return;
        for (i = 0; i < m->cnt; i++)
                metric_free(m->metrics[i]);
        free(m->metrics);
        free(m->base_labels);
        pthread_mutex_destroy(&m->lock);
        free(m);
}

static rdr_metric_t *define(rdr_metrics_t *m, mt_type_t type, const char *name,
                            const char *help, const char *labels) {
        rdr_metric_t *mt = calloc(1, sizeof(*mt)), **n;
        size_t len = strlen(name) + 9;
        if (!mt)
                return NULL;
        mt->m = m;
        mt->type = type;
        mt->name = malloc(len);
        mt->help = strdup(help);
        mt->labels = labels ? strdup(labels) : NULL;
        if (!mt->name || !mt->help || (labels && !mt->labels))
                goto err;
        snprintf(mt->name, len, "redress_%s", name);
        pthread_mutex_lock(&m->lock);
        n = realloc(m->metrics, (m->cnt + 1) * sizeof(*n));
        if (n) {
                m->metrics = n;
                m->metrics[m->cnt++] = mt;
        }
        pthread_mutex_unlock(&m->lock);
        if (!n)
                goto err;
        return mt;
err:
        metric_free(mt);
        return NULL;
}

rdr_metric_t *rdr_metrics_counter(rdr_metrics_t *m, const char *name,
                                  const char *help, const char *labels) {
        return define(m, MT_COUNTER, name, help, labels);
}

rdr_metric_t *rdr_metrics_gauge(rdr_metrics_t *m, const char *name,
                                const char *help, const char *labels) {
        return define(m, MT_GAUGE, name, help, labels);
}

rdr_metric_t *rdr_metrics_histogram(rdr_metrics_t *m, const char *name,
                                    const char *help, const double *buckets,
                                    size_t n) {
        rdr_metric_t *mt = define(m, MT_HISTOGRAM, name, help, NULL);
        if (!mt)
                return NULL;
        mt->buckets = malloc(n * sizeof(double));
        mt->counts = calloc(n + 1, sizeof(unsigned long long));
        if (!mt->buckets || !mt->counts)
                return NULL; /* freed with the registry */
        memcpy(mt->buckets, buckets, n * sizeof(double));
        mt->buckets_cnt = n;
        return mt;
}

/* Called with the lock held. */
static series_t *series_get(rdr_metric_t *mt, const char *values) {
        size_t i;
        if (!values)
                values = "";
        for (i = 0; i < mt->series_cnt; i++)
                if (!strcmp(mt->series[i].values, values))
                        return &mt->series[i];
        if (mt->series_cnt == mt->series_size) {
                size_t ns = mt->series_size ? mt->series_size * 2 : 4;
                series_t *n = realloc(mt->series, ns * sizeof(*n));
                if (!n)
                        return NULL;
                mt->series = n;
                mt->series_size = ns;
        }
        mt->series[mt->series_cnt].values = strdup(values);
        if (!mt->series[mt->series_cnt].values)
                return NULL;
        mt->series[mt->series_cnt].v = 0;
        return &mt->series[mt->series_cnt++];
}

void rdr_metric_add(rdr_metric_t *mt, const char *values, double v) {
        series_t *s;
        if (!mt)
                return;
        pthread_mutex_lock(&mt->m->lock);
        s = series_get(mt, values);
        if (s)
                s->v += v;
        pthread_mutex_unlock(&mt->m->lock);
}

void rdr_metric_set(rdr_metric_t *mt, const char *values, double v) {
        series_t *s;
        if (!mt)
                return;
        pthread_mutex_lock(&mt->m->lock);
        s = series_get(mt, values);
        if (s)
                s->v = v;
        pthread_mutex_unlock(&mt->m->lock);
}

double rdr_metric_get(rdr_metric_t *mt, const char *values) {
        series_t *s;
        double v = 0;
        if (!mt)
                return 0;
        pthread_mutex_lock(&mt->m->lock);
        s = series_get(mt, values);
        if (s)
                v = s->v;
        pthread_mutex_unlock(&mt->m->lock);
        return v;
}

void rdr_metric_observe(rdr_metric_t *mt, double v) {
        size_t i;
        if (!mt || !mt->counts)
                return;
        pthread_mutex_lock(&mt->m->lock);
        for (i = 0; i < mt->buckets_cnt && v > mt->buckets[i]; i++)
                ;
        mt->counts[i]++;
        mt->sum += v;
        mt->count++;
        pthread_mutex_unlock(&mt->m->lock);
}

/* Write {base,name1="v1",...} for a series. */
static void sb_labels(sbuf_t *sb, const rdr_metrics_t *m,
                      const rdr_metric_t *mt, const char *values) {
        const char *ln = mt->labels, *lv = values;
        sb_printf(sb, "{%s", m->base_labels);
        while (ln && *ln) {
                const char *lc = strchr(ln, ',');
                const char *vc = lv ? strchr(lv, '\x1f') : NULL;
                size_t nl = lc ? (size_t)(lc - ln) : strlen(ln);
                size_t vl = lv ? (vc ? (size_t)(vc - lv) : strlen(lv)) : 0;
                sb_printf(sb, ",%.*s=\"", (int)nl, ln);
                if (lv)
                        sb_label_value(sb, lv, vl);
                sb_printf(sb, "\"");
                ln = lc ? lc + 1 : NULL;
                lv = vc ? vc + 1 : NULL;
        }
        sb_printf(sb, "}");
}

char *rdr_metrics_render(rdr_metrics_t *m) {
        static const char *const types[] = {"counter", "gauge", "histogram"};
        sbuf_t sb = {0};
        size_t i, j;
        pthread_mutex_lock(&m->lock);
        for (i = 0; i < m->cnt; i++) {
                rdr_metric_t *mt = m->metrics[i];
                sb_printf(&sb, "# HELP %s %s\n# TYPE %s %s\n", mt->name,
                          mt->help, mt->name, types[mt->type]);
                if (mt->type == MT_HISTOGRAM) {
                        unsigned long long cum = 0;
                        for (j = 0; j <= mt->buckets_cnt; j++) {
                                cum += mt->counts ? mt->counts[j] : 0;
                                if (j < mt->buckets_cnt)
                                        sb_printf(&sb,
                                                  "%s_bucket{%s,le=\"%g\"} "
                                                  "%llu\n",
                                                  mt->name, m->base_labels,
                                                  mt->buckets[j], cum);
                                else
                                        sb_printf(&sb,
                                                  "%s_bucket{%s,le=\"+Inf\"} "
                                                  "%llu\n",
                                                  mt->name, m->base_labels,
                                                  cum);
                        }
                        sb_printf(&sb, "%s_sum{%s} %.17g\n%s_count{%s} %llu\n",
                                  mt->name, m->base_labels, mt->sum, mt->name,
                                  m->base_labels, mt->count);
                        continue;
                }
                if (mt->series_cnt == 0 && !mt->labels) {
                        sb_printf(&sb, "%s{%s} 0\n", mt->name, m->base_labels);
                        continue;
                }
                for (j = 0; j < mt->series_cnt; j++) {
                        sb_printf(&sb, "%s", mt->name);
                        sb_labels(&sb, m, mt, mt->series[j].values);
                        sb_printf(&sb, " %.17g\n", mt->series[j].v);
                }
        }
        pthread_mutex_unlock(&m->lock);
        if (sb.failed) {
                free(sb.p);
                return NULL;
        }
        if (!sb.p)
                return strdup("");
        return sb.p;
}

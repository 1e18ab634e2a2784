/* See casework.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casework.h"
#include "classify.h"
#include "emit.h"
#include "keys.h"
#include "log.h"
#include "outbox.h"
#include "str.h"
#include "timers.h"

#define KEYSZ 1024

typedef struct slot_s {
        char case_id[RDR_CASE_ID_MAX];
        rdr_case_t c;
        /* The hash's fields hold the case (not only a document): a write
         * in the fields format needs only the fields that changed. */
        int fields_whole;
        /* A write of the case is queued in this batch (storage.format
         * packed): the next one's compare-and-set is on the document it
         * writes, at chain_off in the casework's chain_docs. A copy of
         * the bytes written: the slot's case is not them for long
         * (ledger_refresh() moves it before the next decision). */
        int chained;
        size_t chain_off;
} slot_t;

/* A case's fields as "name\0value\0" pairs in one reusable buffer, so
 * that serialising a case allocates nothing once the buffer has grown. */
typedef struct fieldset_s {
        rdr_buf_t buf;
        size_t *off; /* 2 per field: name, value */
        size_t cnt, size;
        int oom;
} fieldset_t;

static int fieldset_cb(void *opaque, const char *field, const char *value,
                       size_t len) {
        fieldset_t *fs = opaque;
        if (fs->cnt + 2 > fs->size) {
                size_t ns = fs->size ? fs->size * 2 : 256;
                size_t *n = realloc(fs->off, ns * sizeof(*n));
                if (!n) {
                        fs->oom = 1;
                        return 1;
                }
                fs->off = n;
                fs->size = ns;
        }
        fs->off[fs->cnt++] = fs->buf.len;
        if (rdr_buf_append(&fs->buf, field, strlen(field) + 1)) {
                fs->oom = 1;
                return 1;
        }
        fs->off[fs->cnt++] = fs->buf.len;
        if (rdr_buf_append(&fs->buf, value, len) ||
            rdr_buf_append(&fs->buf, "", 1)) {
                fs->oom = 1;
                return 1;
        }
        return 0;
}

static rdr_err_t fieldset_fill(fieldset_t *fs, const rdr_case_t *c) {
        rdr_buf_reset(&fs->buf);
        fs->cnt = 0;
        fs->oom = 0;
        if (rdr_case_to_fields(c, fieldset_cb, fs) || fs->oom)
                return RDR_ERR_NOMEM;
        return RDR_OK;
}

static const char *fs_str(const fieldset_t *fs, size_t i) {
        return fs->buf.data + fs->off[i];
}

/* Whether string i of a equals string j of b, NULs included (each string
 * ends where the next begins). */
static int fs_eq(const fieldset_t *a, size_t i, const fieldset_t *b, size_t j) {
        size_t la = (i + 1 < a->cnt ? a->off[i + 1] : a->buf.len) - a->off[i];
        size_t lb = (j + 1 < b->cnt ? b->off[j + 1] : b->buf.len) - b->off[j];
        return la == lb && !memcmp(fs_str(a, i), fs_str(b, j), la);
}

static void fieldset_free(fieldset_t *fs) {
        rdr_buf_free(&fs->buf);
        free(fs->off);
}

/* The pairs of next that differ from cur (all of them when cur is empty),
 * as argv for HSET, into fv (room for next->cnt strings). Fields come in the
 * same order in both sets, so one forward scan finds each. */
static size_t fieldset_diff(const fieldset_t *cur, const fieldset_t *next,
                            const char **fv) {
        size_t i, j = 0, n = 0;
        for (i = 0; i + 1 < next->cnt; i += 2) {
                const char *name = fs_str(next, i), *val = fs_str(next, i + 1);
                size_t k, tries;
                int same = 0;
                for (k = j, tries = 0; tries * 2 < cur->cnt;
                     tries++, k = (k + 2) % (cur->cnt ? cur->cnt : 1)) {
                        if (fs_eq(cur, k, next, i)) {
                                same = fs_eq(cur, k + 1, next, i + 1);
                                j = (k + 2) % cur->cnt;
                                break;
                        }
                }
                if (!same) {
                        fv[n++] = name;
                        fv[n++] = val;
                }
        }
        return n;
}

/* A parcel of the batch: the record (first: a parcel handed out is its
 * slot) and its ref (rdr_parcel_ref(), in pkeys). */
typedef struct pslot_s {
        rdr_parcel_t p;
        size_t key_off;
} pslot_t;

/* One case's counts in its order's ledger, and an order the batch read
 * (rdr_casework_load_ledger()). */
typedef struct lcase_s {
        char case_id[RDR_CASE_ID_MAX];
        int messages, modify;
} lcase_t;
typedef struct lorder_s {
        char *key;
        lcase_t *cases;
        size_t cnt;
} lorder_t;

static lorder_t *lorder_find(rdr_casework_t *cw, const char *key);
static lcase_t *lcase_get(lorder_t *o, const char *case_id, int create);
static void lorders_clear(rdr_casework_t *cw);

struct rdr_casework_s {
        rdr_worker_t *w;
        rdr_playbook_t *playbook;
        rdr_policy_set_t *policies;
        rdr_template_set_t *templates;
        rdr_cadence_conf_t conf;
        slot_t *slots;
        size_t slots_cnt, slots_size;
        uint32_t *index;   /* open addressing: slot + 1 by case id hash */
        size_t index_size; /* a power of two >= 2 * slots_size */
        rdr_case_t next;
        rdr_cadence_out_t out;
        rdr_parcel_out_t parcel_out;
        rdr_parcel_t parcel_next;
        rdr_parcel_fv_t parcel_fv, parcel_fv_cur;
        /* The batch's parcels, like its cases (allocated at the first). */
        pslot_t *pslots;
        size_t pslots_cnt;
        uint32_t *pindex; /* index_size entries */
        rdr_buf_t pkeys;  /* the parcels' refs, NUL-terminated */
        rdr_malicious_t mal_priority[RDR_MAL__CNT]; /* classifier.yaml */
        size_t mal_priority_cnt;
        lorder_t *lorders; /* the batch's order ledgers */
        size_t lorders_cnt, lorders_size;
        /* The last apply wrote its case's counts to the order's ledger in
         * its script, guarded (ledger_guard()). */
        int ledger_guarded;
        /* The next apply's opening guard (rdr_casework_guard_opening()):
         * the order's record and the sum of its write counters as
         * the batch read them; the last apply was guarded so. */
        int open_guard, open_guarded;
        long long open_writes;
        char open_key[KEYSZ];
        uint32_t *lindex; /* open addressing, 2 * lorders_size entries:
                           * lorder + 1 by key hash */
        fieldset_t fs_cur, fs_next; /* storage.format fields */
        rdr_buf_t doc;              /* storage.format packed */
        rdr_buf_t chain_docs;       /* the slots' chain_off */
        int doc_format;
        char version[RDR_STR_INT_SIZE];
        const char **fv;
        size_t fv_size;
        rdr_buf_t scratch;
        int shards;
        int64_t ttl_ms;
        rdr_retention_t keep;
        const char *topic_cases, *topic_actions;
        rdr_metric_t *m_blocked, *m_actions, *m_transitions, *m_read,
            *m_malicious;
        rdr_metric_t *m_checks, *m_zone, *m_zone_learned;
};

void rdr_casework_doc(void *fp) {
        fprintf(fp, "\n## configs/playbook.yaml\n\nUnder `defaults:` every "
                    "key not marked optional is required; a platform under "
                    "`platforms: {<platform>: {...}}` (one with a file in "
                    "platforms/) overrides any of them on that platform, "
                    "and a store under `stores: {<store_id>: {...}}` any of "
                    "those (defaults, then the platform's, then the "
                    "store's). Durations take a unit (ms, s, m, h, d).\n\n");
        rdr_playbook_doc(fp);
        fprintf(fp, "\nAlso, beside `defaults:`, `platforms:` and `stores:`: "
                    "`delivery_windows: [{carrier, service_level, "
                    "destination, min, max}]` (the expected delivery, the "
                    "most specific row wins; `*` matches any) and "
                    "`destinations: {<country>: {timezone, language}}` (a "
                    "buyer the fleet has not met: their parcel's "
                    "destination's daytime and language).\n");
        fprintf(fp, "\n## configs/platforms/<platform>.yaml\n\nWhat a "
                    "marketplace allows, one file per platform. ");
        rdr_policy_doc(fp);
        fprintf(fp, "\n## configs/templates/<language>.yaml\n\nMessage texts "
                    "per action kind, then per reason, variant or platform, "
                    "else `default`; placeholders and rules are in the "
                    "header of configs/templates/en.yaml.\n");
        fprintf(fp, "\n## configs/classifier.yaml\n\nRead (and validated "
                    "whole) by every worker that steps cases: "
                    "`malicious.priority` also ranks a buyer's fleet tags "
                    "(extortion, competitor, professional) when a buyer "
                    "tagged since the case opened moves it to the "
                    "malicious track.\n");
}

/* Whether a message may ever reach a buyer of store sc on platform pol:
 * some minute of the day is in sc's daytime and outside pol's quiet
 * hours. Else errstr names the daytime's origin and the quiet hours. */
static int contact_possible(const rdr_store_conf_t *sc, const rdr_policy_t *pol,
                            char *errstr, size_t errstr_size) {
        rdr_window_t quiet;
        int m;
        if (!rdr_policy_quiet_hours(pol, &quiet))
                return 1;
        for (m = 0; m < 1440; m++)
                if (rdr_window_contains(&sc->daytime, (int64_t)m * 60000) &&
                    !rdr_window_contains(&quiet, (int64_t)m * 60000))
                        return 1;
        snprintf(errstr, errstr_size,
                 "%s: the daytime %02d:%02d-%02d:%02d never falls outside "
                 "%s's quiet hours (%02d:%02d-%02d:%02d, platforms/%s.yaml): "
                 "no message could reach a buyer there",
                 sc->daytime_origin, sc->daytime.start_min / 60,
                 sc->daytime.start_min % 60, sc->daytime.end_min / 60,
                 sc->daytime.end_min % 60, rdr_policy_platform(pol),
                 quiet.start_min / 60, quiet.start_min % 60, quiet.end_min / 60,
                 quiet.end_min % 60, rdr_policy_platform(pol));
        return 0;
}

/* Every platform `platforms:` names has its rules in platforms/ (a name
 * the events never carry would be ignored without a word), and every
 * store's daytime (the defaults' too) meets the allowed hours of each
 * platform it may serve (an entry under `platforms:`, its own alone):
 * checked at start rather than found at the first event, whose messages
 * would have no time to go (a dead letter). */
static rdr_err_t check_against_platforms(const rdr_playbook_t *pb,
                                         const rdr_policy_set_t *pols,
                                         char *errstr, size_t errstr_size) {
        size_t i, j, n = rdr_playbook_store_count(pb);
        for (i = 0; i < n; i++) {
                const char *origin,
                    *name = rdr_playbook_store_platform(pb, i, &origin);
                char names[512];
                size_t len = 0;
                if (!name || rdr_policy_set_get(pols, name))
                        continue;
                names[0] = '\0';
                for (j = 0; j < rdr_policy_set_count(pols); j++) {
                        int w = snprintf(
                            names + len, sizeof(names) - len, "%s%s",
                            j ? ", " : "",
                            rdr_policy_platform(rdr_policy_set_at(pols, j)));
                        if (w < 0 || (size_t)w >= sizeof(names) - len)
                                break;
                        len += (size_t)w;
                }
                snprintf(errstr, errstr_size,
                         "%s: unknown platform '%s' (the platforms: %s, "
                         "one file each in platforms/)",
                         origin, name, names);
                return RDR_ERR_CONFIG;
        }
        for (j = 0; j < rdr_policy_set_count(pols); j++) {
                const rdr_policy_t *pol = rdr_policy_set_at(pols, j);
                if (!contact_possible(rdr_playbook_defaults(pb), pol, errstr,
                                      errstr_size))
                        return RDR_ERR_CONFIG;
                for (i = 0; i < n; i++) {
                        const char *on =
                            rdr_playbook_store_platform(pb, i, NULL);
                        if (on && strcmp(on, rdr_policy_platform(pol)))
                                continue;
                        if (!contact_possible(rdr_playbook_store_at(pb, i), pol,
                                              errstr, errstr_size))
                                return RDR_ERR_CONFIG;
                }
        }
        return RDR_OK;
}

rdr_casework_t *rdr_casework_new(rdr_worker_t *w, char *errstr,
                                 size_t errstr_size) {
        const rdr_conf_t *conf = rdr_worker_conf(w);
        const char *dir = rdr_conf_dir(conf);
        char path[1024];
        size_t round_max;
        rdr_casework_t *cw = calloc(1, sizeof(*cw));
        if (!cw)
                goto nomem;
        cw->w = w;
        snprintf(path, sizeof(path), "%s/playbook.yaml", dir);
        if (!(cw->playbook = rdr_playbook_load_file(path, errstr, errstr_size)))
                goto err;
        snprintf(path, sizeof(path), "%s/platforms", dir);
        if (!(cw->policies =
                  rdr_policy_set_load_dir(path, errstr, errstr_size)) ||
            check_against_platforms(cw->playbook, cw->policies, errstr,
                                    errstr_size))
                goto err;
        snprintf(path, sizeof(path), "%s/templates", dir);
        if (!(cw->templates = rdr_template_set_load_dir(
                  path, "en", cw->policies, errstr, errstr_size)))
                goto err;
        {
                /* Documented, and allowed: but a store would not want its
                 * Spanish buyers' offer in English without knowing. */
                char gaps[1024];
                if (rdr_template_set_gaps(cw->templates, gaps, sizeof(gaps))[0])
                        rdr_log(RDR_LOG_WARN, "templates.fallback",
                                "%s: kinds of message a language's file "
                                "has no default for, sent to its buyers "
                                "in en: %s",
                                path, gaps);
        }
        if (rdr_malicious_priority_load(dir, cw->mal_priority,
                                        &cw->mal_priority_cnt, errstr,
                                        errstr_size))
                goto err;
        cw->conf.playbook = cw->playbook;
        cw->conf.policies = cw->policies;
        cw->conf.templates = cw->templates;
        /* A retried batch may hold two batches' messages; a timers round
         * claim_max timers, each case read once for its buyer's tags and
         * again to fire it (rdr_casework_read_tags()): a slot each, or
         * every case is parsed twice. A worker touches only the slots its
         * batch or round fills (they are cleared with each). */
        cw->slots_size = 2 * (size_t)rdr_conf_int(conf, "consumer.batch_max");
        round_max = (size_t)rdr_conf_int(conf, "timers.claim_max");
        if (cw->slots_size < round_max)
                cw->slots_size = round_max;
        if (cw->slots_size < 16)
                cw->slots_size = 16;
        cw->slots = calloc(cw->slots_size, sizeof(*cw->slots));
        for (cw->index_size = 32; cw->index_size < 2 * cw->slots_size;)
                cw->index_size *= 2;
        cw->index = calloc(cw->index_size, sizeof(*cw->index));
        if (!cw->slots || !cw->index)
                goto nomem;
        rdr_buf_init(&cw->scratch);
        rdr_buf_init(&cw->pkeys);
        rdr_buf_init(&cw->chain_docs);
        rdr_buf_init(&cw->doc);
        cw->doc_format = rdr_worker_packed(w);
        cw->shards = (int)rdr_conf_int(conf, "timers.shards");
        cw->ttl_ms = rdr_conf_int(conf, "dedupe.ttl");
        cw->keep.closed_cases_ms = rdr_conf_int(conf, "retention.closed_cases");
        cw->keep.orders_ms = rdr_conf_int(conf, "retention.orders");
        cw->keep.buyers_ms = rdr_conf_int(conf, "retention.buyers");
        cw->topic_cases = rdr_conf_str(conf, "topics.cases");
        cw->topic_actions = rdr_conf_str(conf, "topics.actions");
        cw->m_blocked = rdr_metrics_counter(
            rdr_worker_metrics(w), "policy_blocked_total",
            "Steps a platform rule forbade (not published, kept on the case)",
            "rule");
        cw->m_actions =
            rdr_metrics_counter(rdr_worker_metrics(w), "actions_total",
                                "Actions decided, by kind", "kind");
        cw->m_read = rdr_metrics_counter(
            rdr_worker_metrics(w), "cases_read_total",
            "Stored cases read, by storage format (fields: not yet written "
            "as a document)",
            "format");
        cw->m_malicious = rdr_metrics_counter(
            rdr_worker_metrics(w), "cases_malicious_total",
            "Cases that took the malicious track, by class and cause (review: "
            "its classification; chat: an extortion demand on the case; "
            "fleet_tag: the buyer tagged elsewhere since the case opened; "
            "staff: an agent's staff.appeal)",
            "malicious,cause");
        cw->m_transitions = rdr_metrics_counter(
            rdr_worker_metrics(w), "case_inputs_total",
            "Inputs applied to cases, by outcome", "status");
        cw->m_zone = rdr_metrics_counter(
            rdr_worker_metrics(w), "cases_zone_fallback_total",
            "Cases opened without the buyer's zone (none given, none from the "
            "country or the parcel's destination, or unknown), by the zone "
            "used instead (store: the store's timezone; utc: the store has "
            "none valid)",
            "source");
        cw->m_zone_learned = rdr_metrics_counter(
            rdr_worker_metrics(w), "cases_zone_learned_total",
            "Cases opened without the buyer's zone that took it later from "
            "the order's parcel (the buyer's record, else the destination's)",
            NULL);
        cw->m_checks = rdr_metrics_counter(
            rdr_worker_metrics(w), "parcel_checks_total",
            "Parcel checks fired, by outcome (late: stalled or past the "
            "estimate; stale: a later event moved the check on)",
            "outcome");
        return cw;
nomem:
        snprintf(errstr, errstr_size, "out of memory");
err:
        rdr_casework_destroy(cw);
        return NULL;
}

void rdr_casework_destroy(rdr_casework_t *cw) {
        if (!cw)
                return;
        rdr_playbook_destroy(cw->playbook);
        rdr_policy_set_destroy(cw->policies);
        rdr_template_set_destroy(cw->templates);
        rdr_buf_free(&cw->scratch);
        rdr_buf_free(&cw->pkeys);
        rdr_buf_free(&cw->chain_docs);
        free(cw->pslots);
        free(cw->pindex);
        lorders_clear(cw);
        free(cw->lorders);
        free(cw->lindex);
        rdr_buf_free(&cw->doc);
        fieldset_free(&cw->fs_cur);
        fieldset_free(&cw->fs_next);
        free((void *)cw->fv);
        free(cw->slots);
        free(cw->index);
        free(cw);
}

const rdr_cadence_conf_t *rdr_casework_conf(const rdr_casework_t *cw) {
        return &cw->conf;
}

static void slots_clear(rdr_casework_t *cw) {
        cw->slots_cnt = 0;
        memset(cw->index, 0, cw->index_size * sizeof(*cw->index));
        rdr_buf_reset(&cw->chain_docs);
}

static void pslots_clear(rdr_casework_t *cw) {
        cw->pslots_cnt = 0;
        rdr_buf_reset(&cw->pkeys);
        if (cw->pindex)
                memset(cw->pindex, 0, cw->index_size * sizeof(*cw->pindex));
}

size_t rdr_order_cases(const redisReply *order,
                       const char *ids[RDR_ORDER_CASES_MAX]) {
        const size_t plen = sizeof(RDR_ORDER_CASE) - 1;
        const char *latest = rdr_hash_get(order, "case_id");
        size_t n = 0, i, j;
        if (latest && strlen(latest) < RDR_CASE_ID_MAX)
                ids[n++] = latest;
        if (!order || order->type != REDIS_REPLY_ARRAY)
                return n;
        for (i = 0; i + 1 < order->elements && n < RDR_ORDER_CASES_MAX;
             i += 2) {
                const redisReply *f = order->element[i];
                const char *id;
                if (!f->str || f->len <= plen ||
                    memcmp(f->str, RDR_ORDER_CASE, plen) ||
                    f->len - plen >= RDR_CASE_ID_MAX)
                        continue;
                id = f->str + plen;
                for (j = 0; j < n && strcmp(ids[j], id); j++)
                        ;
                if (j == n)
                        ids[n++] = id;
        }
        return n;
}

int rdr_buyer_case_field(char *f, size_t n, const char *store_id,
                         const char *case_id) {
        return rdr_str_join_fit(f, n,
                                (const char *const[]){RDR_BUYER_CASE, store_id,
                                                      ":", case_id, NULL});
}

const char *rdr_buyer_case_listed(const char *f, size_t *store_len) {
        const size_t plen = sizeof(RDR_BUYER_CASE) - 1;
        const char *id;
        if (!f || strncmp(f, RDR_BUYER_CASE, plen) ||
            !(id = strrchr(f + plen, ':')) || id == f + plen ||
            strlen(++id) >= RDR_CASE_ID_MAX || !*id)
                return NULL;
        *store_len = (size_t)(id - 1 - (f + plen));
        return id;
}

size_t rdr_buyer_store_cases(const redisReply *buyer, const char *store_id,
                             const char *ids[RDR_ORDER_CASES_MAX],
                             const char *fields[RDR_ORDER_CASES_MAX]) {
        const size_t plen = sizeof(RDR_BUYER_CASE) - 1, slen = strlen(store_id);
        long long at[RDR_ORDER_CASES_MAX];
        char per_store[RDR_CASE_STR_MAX + 16];
        const char *latest;
        size_t n = 0, i, j;
        rdr_str_join(per_store, sizeof(per_store),
                     (const char *const[]){"case_id:", store_id, NULL});
        latest = rdr_hash_get(buyer, per_store);
        if (!latest)
                latest = rdr_hash_get(buyer, "case_id");
        if (latest && strlen(latest) < RDR_CASE_ID_MAX) {
                at[n] = LLONG_MAX;
                fields[n] = NULL;
                ids[n++] = latest;
        }
        if (!buyer || buyer->type != REDIS_REPLY_ARRAY)
                return n;
        for (i = 0; i + 1 < buyer->elements; i += 2) {
                const char *f = buyer->element[i]->str,
                           *v = buyer->element[i + 1]->str;
                long long t = v ? strtoll(v, NULL, 10) : 0;
                size_t k, len;
                const char *id = rdr_buyer_case_listed(f, &len);
                if (!id || len != slen || memcmp(f + plen, store_id, slen))
                        continue;
                for (j = 0; j < n && strcmp(ids[j], id); j++)
                        ;
                if (j < n) {
                        fields[j] = f;
                        continue;
                }
                /* Newest first: where t goes, the oldest dropped when full. */
                for (k = 0; k < n && at[k] >= t; k++)
                        ;
                if (k == RDR_ORDER_CASES_MAX)
                        continue;
                if (n == RDR_ORDER_CASES_MAX)
                        n--;
                memmove(&at[k + 1], &at[k], (n - k) * sizeof(*at));
                memmove(&ids[k + 1], &ids[k], (n - k) * sizeof(*ids));
                memmove(&fields[k + 1], &fields[k], (n - k) * sizeof(*fields));
                at[k] = t;
                ids[k] = id;
                fields[k] = f;
                n++;
        }
        return n;
}

void rdr_casework_begin(rdr_casework_t *cw) {
        slots_clear(cw);
        pslots_clear(cw);
        lorders_clear(cw);
}

int rdr_casework_seen(const redisReply *r, const char *fp) {
        if (!r || r->type != REDIS_REPLY_STRING)
                return RDR_SEEN_NEW;
        /* Only two fingerprints of one version tell two contents apart:
         * "1", a case id or "-" (what earlier builds and the chats records
         * keep) do not. */
        if (rdr_fingerprint_differs(r->str, r->len, fp))
                return RDR_SEEN_REUSED;
        return RDR_SEEN_REPLAY;
}

rdr_err_t rdr_casework_reused(const char *event_id, char *errstr,
                              size_t errstr_size) {
        snprintf(errstr, errstr_size,
                 "event_id '%.128s' was applied before to an event with other "
                 "content; an event_id must be unique per event (CONTRACT.md): "
                 "this one is not applied",
                 event_id);
        return RDR_ERR_REUSED_ID;
}

/* The dedupe key of an input of case_id (in the tag of the case's key).
 * Returns -1 if too long. */
static int seen_key(char *k_seen, const char *case_id, const char *topic,
                    const char *event_id) {
        char k[KEYSZ], tag[KEYSZ];
        if (rdr_key_case(k, KEYSZ, case_id, NULL) < 0 ||
            rdr_key_tag(tag, sizeof(tag), k) < 0)
                return -1;
        return rdr_key_seen(k_seen, KEYSZ, tag, topic, event_id) < 0 ? -1 : 0;
}

void rdr_casework_queue_read(rdr_casework_t *cw, const char *case_id,
                             const char *topic, const char *event_id) {
        rdr_redis_t *redis = rdr_worker_redis(cw->w);
        char k[KEYSZ];
        if (rdr_key_case(k, KEYSZ, case_id, NULL) > 0)
                rdr_redis_cmdl(redis, "HGETALL", k, NULL);
        else
                rdr_redis_cmdf(redis, "PING");
        if (!seen_key(k, case_id, topic, event_id))
                rdr_redis_cmdl(redis, "GET", k, NULL);
        else
                rdr_redis_cmdf(redis, "PING");
}

void rdr_buyer_tags_queue_read(rdr_redis_t *redis, const char *platform,
                               const char *buyer_id) {
        char k[KEYSZ];
        if (platform && buyer_id && *buyer_id &&
            rdr_key_buyer(k, KEYSZ, platform, buyer_id, "tags") > 0)
                rdr_redis_cmdl(redis, "SMEMBERS", k, NULL);
        else
                rdr_redis_cmdf(redis, "PING");
}

/* The key of case c's order record into k (KEYSZ); -1 if it has none. */
static int case_order_key(char *k, const rdr_case_t *c) {
        return c->order_id[0] &&
                       rdr_key_order(k, KEYSZ, c->platform, c->store_id,
                                     c->order_id, NULL) > 0
                   ? 0
                   : -1;
}

int rdr_casework_limits_per_order(const rdr_casework_t *cw,
                                  const char *platform) {
        const rdr_policy_t *pol =
            platform ? rdr_policy_set_get(cw->policies, platform) : NULL;
        int k;
        for (k = 0; pol && k < RDR_REVIEW_KIND__CNT; k++)
                if (rdr_policy_limits_per_order(pol, (rdr_review_kind_t)k))
                        return 1;
        return 0;
}

void rdr_buyer_refusal_queue_read(rdr_redis_t *redis, const rdr_case_t *c) {
        char k[KEYSZ], f[KEYSZ];
        if (c->buyer_id[0] &&
            rdr_key_buyer(k, KEYSZ, c->platform, c->buyer_id, NULL) > 0 &&
            rdr_str_join_fit(f, sizeof(f),
                             (const char *const[]){RDR_KEY_REFUSED_AT,
                                                   c->store_id, NULL}) > 0)
                rdr_redis_cmdl(redis, "HGET", k, f, NULL);
        else
                rdr_redis_cmdf(redis, "PING");
}

/* Whether a chat of case c's order refused contact (the order's intents,
 * as the chats worker keeps them): SISMEMBER, or PING without an order. */
static void order_refusal_queue_read(rdr_redis_t *redis, const rdr_case_t *c) {
        char k[KEYSZ];
        if (c->order_id[0] && rdr_key_order(k, KEYSZ, c->platform, c->store_id,
                                            c->order_id, "intents") > 0)
                rdr_redis_cmdl(redis, "SISMEMBER", k,
                               rdr_intent_names[RDR_INTENT_REFUSE], NULL);
        else
                rdr_redis_cmdf(redis, "PING");
}

/* The latest demand in a chat of case c's order (its record's
 * extortion_ref, _text, _at_ms): HMGET, or PING without an order. */
static void order_demand_queue_read(rdr_redis_t *redis, const rdr_case_t *c) {
        char k[KEYSZ];
        if (c->order_id[0] && rdr_key_order(k, KEYSZ, c->platform, c->store_id,
                                            c->order_id, NULL) > 0)
                rdr_redis_cmdl(redis, "HMGET", k, "extortion_ref",
                               "extortion_text", "extortion_at_ms", NULL);
        else
                rdr_redis_cmdf(redis, "PING");
}

/* That reply into in (its fields "" and 0 without one). */
static void order_demand_take(const redisReply *r, rdr_cadence_input_t *in) {
        in->order_demand_ref[0] = in->order_demand_text[0] = '\0';
        in->order_demand_at_ms = 0;
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
            r->element[0]->type != REDIS_REPLY_STRING ||
            r->element[1]->type != REDIS_REPLY_STRING ||
            r->element[0]->len >= sizeof(in->order_demand_ref))
                return;
        memcpy(in->order_demand_ref, r->element[0]->str, r->element[0]->len);
        in->order_demand_ref[r->element[0]->len] = '\0';
        rdr_utf8_copy(in->order_demand_text, sizeof(in->order_demand_text),
                      r->element[1]->str);
        if (r->element[2]->type == REDIS_REPLY_STRING)
                in->order_demand_at_ms = strtoll(r->element[2]->str, NULL, 10);
}

int64_t rdr_buyer_refused_at(const redisReply *hget) {
        return hget && hget->type == REDIS_REPLY_STRING
                   ? strtoll(hget->str, NULL, 10)
                   : 0;
}

rdr_err_t rdr_casework_read_tags(rdr_casework_t *cw, rdr_tag_read_t *reads,
                                 size_t cnt) {
        rdr_redis_t *redis = rdr_worker_redis(cw->w);
        size_t i, q = 0;
        rdr_err_t err;
        char errstr[256];
        rdr_case_t *c;
        const redisReply *r;
        for (i = 0; i < cnt; i++) {
                rdr_tag_read_t *t = &reads[i];
                t->slot = t->order_slot = 0;
                if (!t->case_id || !t->in ||
                    rdr_casework_get(cw, t->case_id, t->case_reply, &c, errstr,
                                     sizeof(errstr)) != RDR_OK ||
                    !rdr_cadence_wants_buyer_tag(c, t->in))
                        continue;
                rdr_buyer_tags_queue_read(redis, c->platform, c->buyer_id);
                rdr_buyer_refusal_queue_read(redis, c);
                order_refusal_queue_read(redis, c);
                order_demand_queue_read(redis, c);
                q += 4;
                t->slot = q - 3;
                if (rdr_casework_queue_ledger_read(cw, c))
                        t->order_slot = ++q;
        }
        if (q == 0)
                return RDR_OK;
        if ((err = rdr_redis_exec(redis)))
                return err;
        for (i = 0; i < cnt; i++) {
                rdr_tag_read_t *t = &reads[i];
                if (!t->slot)
                        continue;
                t->in->buyer_tag = rdr_casework_tag_class(
                    cw, rdr_buyer_tags(rdr_redis_reply(redis, t->slot - 1)));
                t->in->store_refused_at_ms =
                    rdr_buyer_refused_at(rdr_redis_reply(redis, t->slot));
                r = rdr_redis_reply(redis, t->slot + 1);
                t->in->order_refused =
                    r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
                order_demand_take(rdr_redis_reply(redis, t->slot + 2), t->in);
                if (t->order_slot &&
                    rdr_casework_get(cw, t->case_id, t->case_reply, &c, errstr,
                                     sizeof(errstr)) == RDR_OK)
                        rdr_casework_load_case_ledger(
                            cw, c, rdr_redis_reply(redis, t->order_slot - 1));
        }
        return RDR_OK;
}

unsigned rdr_buyer_tags(const redisReply *smembers) {
        unsigned tags = 0;
        size_t i;
        if (!smembers || smembers->type != REDIS_REPLY_ARRAY)
                return 0;
        for (i = 0; i < smembers->elements; i++) {
                const redisReply *e = smembers->element[i];
                int mal = e->str ? rdr_enum_parse(rdr_malicious_names,
                                                  RDR_MAL__CNT, e->str, e->len)
                                 : -1;
                if (mal == RDR_MAL_PROFESSIONAL)
                        tags |= RDR_TAG_PROFESSIONAL;
                else if (mal == RDR_MAL_EXTORTION)
                        tags |= RDR_TAG_EXTORTION;
                else if (mal == RDR_MAL_COMPETITOR)
                        tags |= RDR_TAG_COMPETITOR;
        }
        return tags;
}

rdr_malicious_t rdr_casework_tag_class(const rdr_casework_t *cw,
                                       unsigned tags) {
        size_t i;
        for (i = 0; i < cw->mal_priority_cnt; i++) {
                rdr_malicious_t m = cw->mal_priority[i];
                if ((m == RDR_MAL_EXTORTION && (tags & RDR_TAG_EXTORTION)) ||
                    (m == RDR_MAL_COMPETITOR && (tags & RDR_TAG_COMPETITOR)) ||
                    (m == RDR_MAL_PROFESSIONAL &&
                     (tags & RDR_TAG_PROFESSIONAL)))
                        return m;
        }
        return RDR_MAL_NONE;
}

const rdr_retention_t *rdr_casework_retention(const rdr_casework_t *cw) {
        return &cw->keep;
}

void rdr_casework_tag_buyer(rdr_casework_t *cw, const char *platform,
                            const char *buyer_id, rdr_malicious_t mal) {
        char k_tags[KEYSZ];
        rdr_redis_t *redis = rdr_worker_redis(cw->w);
        if (mal != RDR_MAL_NONE &&
            rdr_key_buyer(k_tags, KEYSZ, platform, buyer_id, "tags") > 0) {
                rdr_redis_cmdl(redis, "SADD", k_tags, rdr_malicious_names[mal],
                               NULL);
                rdr_redis_expire(redis, k_tags, cw->keep.buyers_ms);
        }
}

/* The retention of a case written (rdr_apply_t.keep_ms): once it is
 * resolved or closed, retention.closed_cases from this write; for ever
 * while it is open, again if it was closed (0: the expiry as it is). */
static int64_t case_keep(const rdr_casework_t *cw, const rdr_case_t *before,
                         const rdr_case_t *after) {
        if (rdr_case_state_final(after->state))
                return cw->keep.closed_cases_ms;
        return before->version && rdr_case_state_final(before->state) ? -1 : 0;
}

static const char *slot_key(const void *cw, uint32_t n) {
        return ((const rdr_casework_t *)cw)->slots[n].case_id;
}

/* The slot of case_id in this batch, or NULL; *pos is where its index
 * entry is or goes. */
static slot_t *slot_find(rdr_casework_t *cw, const char *case_id, size_t *pos) {
        *pos = rdr_str_index_find(cw->index, cw->index_size, case_id, slot_key,
                                  cw);
        return cw->index[*pos] ? &cw->slots[cw->index[*pos] - 1] : NULL;
}

rdr_err_t rdr_case_from_reply(rdr_case_t *c, const redisReply *hgetall,
                              int *from_doc, char *errstr, size_t errstr_size) {
        size_t n = hgetall && hgetall->type == REDIS_REPLY_ARRAY
                       ? hgetall->elements / 2
                       : 0,
               i;
        const char **fields, **values;
        size_t *lens;
        rdr_err_t err;
        memset(c, 0, sizeof(*c));
        if (from_doc)
                *from_doc = 0;
        if (!n)
                return RDR_OK;
        fields = calloc(n, sizeof(*fields));
        values = calloc(n, sizeof(*values));
        lens = calloc(n, sizeof(*lens));
        if (!fields || !values || !lens) {
                free(fields);
                free(values);
                free(lens);
                return RDR_ERR_NOMEM;
        }
        for (i = 0; i < n; i++) {
                fields[i] = hgetall->element[2 * i]->str;
                values[i] = hgetall->element[2 * i + 1]->str;
                lens[i] = hgetall->element[2 * i + 1]->len;
        }
        err = rdr_case_from_hash(c, n, fields, values, lens, from_doc, errstr,
                                 errstr_size);
        free(fields);
        free(values);
        free(lens);
        return err;
}

rdr_err_t rdr_casework_get(rdr_casework_t *cw, const char *case_id,
                           const redisReply *hgetall, rdr_case_t **c,
                           char *errstr, size_t errstr_size) {
        size_t pos;
        slot_t *s = slot_find(cw, case_id, &pos);
        int from_doc = 0, read;
        rdr_err_t err;
        if (s) {
                *c = &s->c;
                return RDR_OK;
        }
        if (cw->slots_cnt == cw->slots_size) {
                /* More distinct cases than slots: the oldest ones are only
                 * an optimisation; the CAS keeps it correct. */
                slots_clear(cw);
                slot_find(cw, case_id, &pos);
        }
        s = &cw->slots[cw->slots_cnt];
        rdr_str_copy(s->case_id, sizeof(s->case_id), case_id);
        err =
            rdr_case_from_reply(&s->c, hgetall, &from_doc, errstr, errstr_size);
        if (err)
                return err;
        read = hgetall && hgetall->type == REDIS_REPLY_ARRAY &&
               hgetall->elements >= 2;
        s->fields_whole = !from_doc;
        s->chained = 0;
        if (read)
                rdr_metric_add(cw->m_read, from_doc ? "packed" : "fields", 1);
        cw->index[pos] = (uint32_t)++cw->slots_cnt;
        *c = &s->c;
        return RDR_OK;
}

/* An entry id: an action id, or "timer:" and a timer member (a parcel's
 * check names its order's key). */
#define ENTRY_ID_MAX (KEYSZ + 64)

/* Room for a transition's actions and timers, and for a parcel's
 * notices, its check and a pause timer per case of its order. */
#define ENTRIES_MAX                                                            \
        (RDR_CADENCE_ACTIONS_MAX + RDR_CADENCE_TIMERS_MAX + 8 +                \
         RDR_ORDER_CASES_MAX)
typedef struct entries_s {
        const char *ids[ENTRIES_MAX];
        char idbuf[ENTRIES_MAX][ENTRY_ID_MAX];
        char *entries[ENTRIES_MAX];
        size_t lens[ENTRIES_MAX];
        size_t cnt;
} entries_t;

static void entries_free(entries_t *e, size_t keep_from) {
        size_t i;
        for (i = keep_from; i < e->cnt; i++)
                free(e->entries[i]);
}

/* The Kafka key of a case's messages: "<store_id>/<order_id>". */
static void order_key(char *dst, size_t size, const char *store_id,
                      const char *order_id) {
        rdr_str_join(dst, size,
                     (const char *const[]){store_id ? store_id : "", "/",
                                           order_id ? order_id : "", NULL});
}

/* The order's ledger of review-related messages: what each of its cases
 * has sent (review_messages:<case_id>, modify_requests:<case_id>), for
 * the per-order limits of the order's next cases (casework.h). Absolute
 * counts: written again by a replay, harmless. Written beside the apply
 * when its script did not (ledger_guard()). */
static void order_ledger(rdr_casework_t *cw, const rdr_case_t *before,
                         const rdr_case_t *after, const char *case_id) {
        rdr_redis_t *redis = rdr_worker_redis(cw->w);
        rdr_ledger_fv_t fv;
        char k[KEYSZ];
        const char *argv[2 + 4] = {"HSET", k};
        size_t i;
        if ((after->review_messages == before->review_messages &&
             after->modify_requests == before->modify_requests) ||
            case_order_key(k, after))
                return;
        if (cw->ledger_guarded) {
                rdr_casework_note_ledger(cw, k, case_id, after);
                return;
        }
        rdr_order_ledger_fv(&fv, case_id,
                            after); /* counts only grow: cnt > 0 */
        for (i = 0; i < fv.cnt; i++)
                argv[2 + i] = fv.fv[i];
        rdr_redis_cmd(redis, (int)(2 + fv.cnt), argv, NULL);
        rdr_redis_expire(redis, k, cw->keep.orders_ms);
        rdr_casework_note_ledger(cw, k, case_id, after);
}

void rdr_order_ledger_fv(rdr_ledger_fv_t *fv, const char *case_id,
                         const rdr_case_t *c) {
        rdr_str_join(fv->f_messages, sizeof(fv->f_messages),
                     (const char *const[]){RDR_LEDGER_MESSAGES, case_id, NULL});
        rdr_str_join(fv->f_modify, sizeof(fv->f_modify),
                     (const char *const[]){RDR_LEDGER_MODIFY, case_id, NULL});
        rdr_str_int(fv->messages, c->review_messages);
        rdr_str_int(fv->modify, c->modify_requests);
        fv->cnt = 0;
        if (c->review_messages) {
                fv->fv[fv->cnt++] = fv->f_messages;
                fv->fv[fv->cnt++] = fv->messages;
        }
        if (c->modify_requests) {
                fv->fv[fv->cnt++] = fv->f_modify;
                fv->fv[fv->cnt++] = fv->modify;
        }
}

void rdr_order_index_fv(rdr_order_index_fv_t *fv, const char *case_id,
                        const rdr_case_t *c, int ledger) {
        size_t i, n = 0;
        rdr_str_join(fv->listed, sizeof(fv->listed),
                     (const char *const[]){RDR_ORDER_CASE, case_id, NULL});
        fv->fv[n++] = "case_id";
        fv->fv[n++] = case_id;
        fv->fv[n++] = fv->listed;
        fv->fv[n++] = "1";
        fv->fv[n++] = "buyer_language";
        fv->fv[n++] = c->language;
        if (c->zone_source == RDR_ZONE_BUYER) {
                fv->fv[n++] = "buyer_zone";
                fv->fv[n++] = c->zone;
        }
        rdr_order_ledger_fv(&fv->ledger, case_id, c);
        for (i = 0; ledger && i < fv->ledger.cnt; i++)
                fv->fv[n++] = fv->ledger.fv[i];
        fv->cnt = n;
}

/* ---- The batch's order ledgers ----
 * What each case of an order read in this batch has sent (from its
 * record, rdr_casework_load_ledger()), kept up to date as the batch's
 * cases send: a case's step counts what the order's other cases sent
 * since it opened, not only what they had sent when it did. */

static const char *lorder_key(const void *cw, uint32_t n) {
        return ((const rdr_casework_t *)cw)->lorders[n].key;
}

/* The order of key, or NULL; *pos: its index entry, or the free one
 * where it would go. A batch reads as many orders as it has cases, and
 * every step of theirs looks its order up. */
static lorder_t *lorder_at(const rdr_casework_t *cw, const char *key,
                           size_t *pos) {
        *pos = rdr_str_index_find(cw->lindex, 2 * cw->lorders_size, key,
                                  lorder_key, cw);
        return cw->lindex[*pos] ? &cw->lorders[cw->lindex[*pos] - 1] : NULL;
}

static lorder_t *lorder_find(rdr_casework_t *cw, const char *key) {
        size_t pos;
        return cw->lorders_cnt ? lorder_at(cw, key, &pos) : NULL;
}

/* Room for one more order, its index grown with it. 0 if out of memory. */
static int lorders_grow(rdr_casework_t *cw) {
        size_t n = cw->lorders_size ? 2 * cw->lorders_size : 16, i, pos;
        lorder_t *g = realloc(cw->lorders, n * sizeof(*g));
        uint32_t *x;
        if (!g)
                return 0;
        cw->lorders = g;
        if (!(x = calloc(2 * n, sizeof(*x))))
                return 0;
        free(cw->lindex);
        cw->lindex = x;
        cw->lorders_size = n;
        for (i = 0; i < cw->lorders_cnt; i++) {
                lorder_at(cw, cw->lorders[i].key, &pos);
                cw->lindex[pos] = (uint32_t)(i + 1);
        }
        return 1;
}

static lcase_t *lcase_get(lorder_t *o, const char *case_id, int create) {
        size_t i;
        lcase_t *n;
        for (i = 0; i < o->cnt; i++)
                if (!strcmp(o->cases[i].case_id, case_id))
                        return &o->cases[i];
        if (!create || strlen(case_id) >= sizeof(o->cases[0].case_id))
                return NULL;
        if (!(n = realloc(o->cases, (o->cnt + 1) * sizeof(*n))))
                return NULL;
        o->cases = n;
        n = &o->cases[o->cnt++];
        memset(n, 0, sizeof(*n));
        memcpy(n->case_id, case_id, strlen(case_id) + 1);
        return n;
}

static void lorders_clear(rdr_casework_t *cw) {
        size_t i;
        for (i = 0; i < cw->lorders_cnt; i++) {
                free(cw->lorders[i].key);
                free(cw->lorders[i].cases);
        }
        if (cw->lorders_cnt)
                memset(cw->lindex, 0,
                       2 * cw->lorders_size * sizeof(*cw->lindex));
        cw->lorders_cnt = 0;
}

void rdr_casework_load_ledger(rdr_casework_t *cw, const char *order_key,
                              const redisReply *order) {
        size_t i, lm = strlen(RDR_LEDGER_MESSAGES),
                  ld = strlen(RDR_LEDGER_MODIFY);
        lorder_t *o;
        size_t pos;
        if (!order_key || !order || order->type != REDIS_REPLY_ARRAY ||
            lorder_find(cw, order_key)) /* the batch's own is newer */
                return;
        /* Out of memory: the counts taken at open stand. */
        if (cw->lorders_cnt == cw->lorders_size && !lorders_grow(cw))
                return;
        o = &cw->lorders[cw->lorders_cnt];
        memset(o, 0, sizeof(*o));
        if (!(o->key = strdup(order_key)))
                return;
        lorder_at(cw, order_key, &pos);
        cw->lindex[pos] = (uint32_t)++cw->lorders_cnt;
        for (i = 0; i + 1 < order->elements; i += 2) {
                const redisReply *f = order->element[i],
                                 *v = order->element[i + 1];
                int modify;
                lcase_t *lc;
                if (f->type != REDIS_REPLY_STRING ||
                    v->type != REDIS_REPLY_STRING)
                        continue;
                if (!strncmp(f->str, RDR_LEDGER_MESSAGES, lm))
                        modify = 0;
                else if (!strncmp(f->str, RDR_LEDGER_MODIFY, ld))
                        modify = 1;
                else
                        continue;
                if ((lc = lcase_get(o, f->str + (modify ? ld : lm), 1)))
                        *(modify ? &lc->modify : &lc->messages) = atoi(v->str);
        }
}

int rdr_casework_queue_ledger_read(rdr_casework_t *cw, const rdr_case_t *c) {
        char k[KEYSZ];
        if (!rdr_casework_limits_per_order(cw, c->platform) ||
            case_order_key(k, c) || lorder_find(cw, k))
                return 0;
        rdr_redis_cmdl(rdr_worker_redis(cw->w), "HGETALL", k, NULL);
        return 1;
}

void rdr_casework_load_case_ledger(rdr_casework_t *cw, const rdr_case_t *c,
                                   const redisReply *order) {
        char k[KEYSZ];
        if (!case_order_key(k, c))
                rdr_casework_load_ledger(cw, k, order);
}

int rdr_casework_order_sent(rdr_casework_t *cw, const char *order_key,
                            const char *case_id, int *messages, int *modify) {
        lorder_t *o = lorder_find(cw, order_key);
        size_t i;
        *messages = *modify = 0;
        if (!o)
                return 0;
        for (i = 0; i < o->cnt; i++)
                if (strcmp(o->cases[i].case_id, case_id)) {
                        *messages += o->cases[i].messages;
                        *modify += o->cases[i].modify;
                }
        return 1;
}

void rdr_casework_note_ledger(rdr_casework_t *cw, const char *order_key,
                              const char *case_id, const rdr_case_t *c) {
        lorder_t *o = lorder_find(cw, order_key);
        lcase_t *lc = o ? lcase_get(o, case_id, 1) : NULL;
        if (lc) {
                lc->messages = c->review_messages;
                lc->modify = c->modify_requests;
        }
}

/* A step of case c (case_id) to after that sends review-related
 * messages where the platform limits them per order, decided on the
 * order's ledger as this batch read it: the apply writes the case's new
 * counts to the ledger in its own script, and only if the order's other
 * cases have not sent more since (after->order_*_before, what the step
 * counted). Otherwise nothing is written and the batch decides again on
 * the fresh ledger: two workers stepping two cases of one order at the
 * same instant cannot both send the order's last permitted message. On
 * Redis Cluster the order's record may be on another master than the
 * case: the ledger is written beside the apply, as before the guard. The
 * guard's strings live in fv and k. Returns 1 if a is guarded. */
static int ledger_guard(rdr_casework_t *cw, const rdr_case_t *c,
                        const rdr_case_t *after, const char *case_id,
                        rdr_apply_t *a, rdr_ledger_fv_t *fv, char *k) {
        if ((after->review_messages <= c->review_messages &&
             after->modify_requests <= c->modify_requests) ||
            rdr_redis_is_cluster(rdr_worker_redis(cw->w)) ||
            !rdr_casework_limits_per_order(cw, after->platform) ||
            case_order_key(k, after) || !lorder_find(cw, k))
                return 0;
        rdr_order_ledger_fv(fv, case_id, after);
        a->guard_key = k;
        a->guard_cnt = 2;
        a->guard_prefix[0] = RDR_LEDGER_MESSAGES;
        a->guard_own[0] = fv->f_messages;
        a->guard_max[0] = after->order_messages_before;
        a->guard_prefix[1] = RDR_LEDGER_MODIFY;
        a->guard_own[1] = fv->f_modify;
        a->guard_max[1] = after->order_modify_before;
        a->guard_fv = fv->fv;
        a->guard_fv_cnt = fv->cnt;
        a->guard_keep_ms = cw->keep.orders_ms;
        return 1;
}

void rdr_casework_guard_opening(rdr_casework_t *cw, const char *order_key,
                                const redisReply *order) {
        cw->open_guard = order && order->type == REDIS_REPLY_ARRAY &&
                         !rdr_redis_is_cluster(rdr_worker_redis(cw->w)) &&
                         strlen(order_key) < sizeof(cw->open_key);
        if (!cw->open_guard)
                return;
        rdr_str_copy(cw->open_key, sizeof(cw->open_key), order_key);
        cw->open_writes = rdr_hash_prefix_sum(order, RDR_ORDER_WRITES, NULL);
}

int rdr_casework_opening_guarded(const rdr_casework_t *cw) {
        return cw->open_guarded;
}

/* The apply a that opens case case_id (its record after: c) writes the
 * order's index in its script and applies only if neither the order's
 * parcels nor its buyer's chats were written since the batch read them
 * (rdr_casework_guard_opening()); beside the ledger's guard if a has it
 * (the same record: its pairs are the index's ledger). */
static void opening_guard(rdr_casework_t *cw, const char *case_id,
                          const rdr_case_t *c, rdr_apply_t *a,
                          rdr_order_index_fv_t *g) {
        size_t i;
        rdr_order_index_fv(g, case_id, c, !a->guard_key);
        if (!a->guard_key) {
                a->guard_key = cw->open_key;
                a->guard_cnt = 0;
                a->guard_keep_ms = cw->keep.orders_ms;
        }
        for (i = 0;
             i < a->guard_fv_cnt && g->cnt < sizeof(g->fv) / sizeof(*g->fv);
             i++)
                g->fv[g->cnt++] = a->guard_fv[i];
        a->guard_fv = g->fv;
        a->guard_fv_cnt = g->cnt;
        i = a->guard_cnt++;
        a->guard_prefix[i] = RDR_ORDER_WRITES;
        a->guard_own[i] = "";
        a->guard_max[i] = cw->open_writes;
}

int rdr_casework_ledger_guarded(const rdr_casework_t *cw) {
        return cw->ledger_guarded;
}

/* Before a step of case c (case_id): what its order's other cases have
 * sent, if the batch read the order. Never below the count taken at open
 * (a record that expired or was written before the ledger). */
static void ledger_refresh(rdr_casework_t *cw, rdr_case_t *c,
                           const char *case_id) {
        char k[KEYSZ];
        int messages, modify;
        if (!cw->lorders_cnt || case_order_key(k, c) ||
            !rdr_casework_order_sent(cw, k, case_id, &messages, &modify))
                return;
        if (messages > c->order_messages_before)
                c->order_messages_before = messages;
        if (modify > c->order_modify_before)
                c->order_modify_before = modify;
}

/* The redress.cases message of a transition. */
static rdr_err_t case_event_entry(rdr_casework_t *cw, const rdr_case_t *c,
                                  const rdr_cadence_out_t *out, entries_t *e) {
        rdr_case_msg_t cm;
        char key[600], ver[24];
        const char *parts[] = {c->case_id, "event", ver, NULL};
        char *id = e->idbuf[e->cnt];
        rdr_str_int(ver, c->version);
        rdr_derive_id(id, "ev_", parts);
        memset(&cm, 0, sizeof(cm));
        cm.event_id = id;
        cm.type = out->case_event;
        cm.case_id = c->case_id;
        cm.platform = c->platform;
        cm.store_id = c->store_id;
        cm.review_id = c->review_id;
        cm.order_id = c->order_id;
        cm.buyer_id = c->buyer_id;
        cm.product_id = c->product_id;
        cm.rating = c->rating >= 1 && c->rating <= 5 ? c->rating : 0;
        cm.language = c->language;
        cm.sentiment = c->sentiment;
        cm.reason = c->reason;
        cm.reasons_cnt = rdr_case_classification(c, cm.reasons, &cm.confidence);
        cm.malicious = c->malicious;
        cm.state = rdr_case_state_names[c->state];
        cm.occurred_at_ms = rdr_worker_now_ms(cw->w);
        order_key(key, sizeof(key), c->store_id, c->order_id);
        e->ids[e->cnt] = id;
        if (rdr_emit_case(&cm, rdr_worker_protobuf(cw->w), cw->topic_cases, key,
                          &cw->scratch, &e->entries[e->cnt], &e->lens[e->cnt]))
                return RDR_ERR_INVALID;
        e->cnt++;
        return RDR_OK;
}

/* An action on redress.actions, keyed by its order, as an outbox entry. */
static rdr_err_t push_action(rdr_casework_t *cw, const rdr_action_msg_t *am,
                             entries_t *e) {
        char key[600];
        order_key(key, sizeof(key), am->store_id, am->order_id);
        rdr_str_copy(e->idbuf[e->cnt], sizeof(e->idbuf[0]), am->action_id);
        e->ids[e->cnt] = e->idbuf[e->cnt];
        if (rdr_emit_action(am, rdr_worker_protobuf(cw->w), cw->topic_actions,
                            key, &cw->scratch, &e->entries[e->cnt],
                            &e->lens[e->cnt]))
                return RDR_ERR_INVALID;
        e->cnt++;
        rdr_metric_add(cw->m_actions, rdr_action_kind_names[am->kind], 1);
        return RDR_OK;
}

static rdr_err_t action_entry(rdr_casework_t *cw, const rdr_case_t *c,
                              const rdr_cadence_action_t *a, entries_t *e) {
        rdr_action_msg_t am;
        rdr_evidence_t ev[RDR_CASE_EVIDENCE_MAX];
        rdr_cadence_action_msg(c, a, ev, &am);
        return push_action(cw, &am, e);
}

static rdr_err_t timer_entry(rdr_casework_t *cw, const rdr_cadence_timer_t *t,
                             entries_t *e) {
        char zkey[64];
        size_t len = strlen(t->timer_id);
        rdr_timer_due_key(zkey, sizeof(zkey), t->timer_id, len, cw->shards);
        rdr_str_join(e->idbuf[e->cnt], sizeof(e->idbuf[0]),
                     (const char *const[]){"timer:", t->timer_id, NULL});
        e->ids[e->cnt] = e->idbuf[e->cnt];
        if (rdr_entry_timer(zkey, (long long)t->fire_at_ms, t->timer_id, len,
                            &e->entries[e->cnt], &e->lens[e->cnt]))
                return RDR_ERR_NOMEM;
        e->cnt++;
        return RDR_OK;
}

/* The hash pairs that store nx, the next state of c, into cw->fv (*nfv
 * strings): its version and document; or, in the fields format, the fields
 * that changed since c, all of them if the fields were not whole (a
 * document had been written over them). */
static rdr_err_t case_fields(rdr_casework_t *cw, const slot_t *s,
                             const rdr_case_t *c, const rdr_case_t *nx,
                             size_t *nfv) {
        size_t i, need;
        if (cw->doc_format) {
                if (rdr_case_to_doc(nx, &cw->doc))
                        return RDR_ERR_NOMEM;
                need = 4;
        } else {
                if (fieldset_fill(&cw->fs_next, nx))
                        return RDR_ERR_NOMEM;
                need = cw->fs_next.cnt;
        }
        if (cw->fv_size < need) {
                const char **nf = realloc((void *)cw->fv, need * sizeof(*nf));
                if (!nf)
                        return RDR_ERR_NOMEM;
                cw->fv = nf;
                cw->fv_size = need;
        }
        if (cw->doc_format) {
                rdr_str_int(cw->version, nx->version);
                cw->fv[0] = "version";
                cw->fv[1] = cw->version;
                cw->fv[2] = RDR_CASE_DOC_FIELD;
                cw->fv[3] = cw->doc.data;
        } else if (s && s->fields_whole) {
                /* A new case is compared with the empty case: fields at
                 * their zero value need no writing (absent reads as
                 * zero). */
                if (fieldset_fill(&cw->fs_cur, c))
                        return RDR_ERR_NOMEM;
                need = fieldset_diff(&cw->fs_cur, &cw->fs_next, cw->fv);
        } else {
                for (i = 0; i < need; i++)
                        cw->fv[i] = fs_str(&cw->fs_next, i);
        }
        *nfv = need;
        return RDR_OK;
}

/* An input already applied (see casework.h): the apply script with no
 * decision, which finds the dedupe key and returns what the outbox still
 * holds to publish. No stored version is "-1": if the key is gone after
 * all, nothing is written and the batch is decided again. */
static rdr_err_t apply_replay(rdr_casework_t *cw, const char *k_seen,
                              const char *k_outbox, const char *k_hash,
                              const char *cas_field) {
        rdr_apply_t a;
        memset(&a, 0, sizeof(a));
        a.dedupe_key = k_seen;
        a.outbox_key = k_outbox;
        a.ttl_ms = cw->ttl_ms;
        a.hash_key = k_hash;
        a.cas_field = cas_field;
        a.cas_expected = "-1";
        return rdr_worker_apply(cw->w, &a);
}

static rdr_err_t replay(rdr_casework_t *cw, const rdr_case_t *c,
                        const char *k_case, const char *k_outbox,
                        const char *k_seen) {
        rdr_cadence_out_reset(&cw->out);
        cw->out.status = RDR_CADENCE_DUPLICATE;
        rdr_metric_add(cw->m_transitions,
                       rdr_cadence_status_names[cw->out.status], 1);
        /* Written beside the script: a crash may have cut it off. */
        if (rdr_malicious_tags_buyer(c->malicious))
                rdr_casework_tag_buyer(cw, c->platform, c->buyer_id,
                                       c->malicious);
        return apply_replay(cw, k_seen, k_outbox, k_case, "version");
}

static int malicious_track(const rdr_case_t *c) {
        return c->version && (c->state == RDR_CASE_STATE_MALICIOUS ||
                              c->state == RDR_CASE_STATE_APPEALED);
}

/* Count a case that input in put on the malicious track (was -> now). */
static void count_malicious(rdr_casework_t *cw, const rdr_case_t *was,
                            const rdr_case_t *now,
                            const rdr_cadence_input_t *in) {
        char labels[64];
        const char *cause = "fleet_tag";
        if (!malicious_track(now) || malicious_track(was) ||
            (unsigned)now->malicious >= RDR_MAL__CNT)
                return;
        if (in->type == RDR_CIN_REVIEW_CLASSIFIED)
                cause = "review";
        else if (in->type == RDR_CIN_BUYER_CHAT &&
                 in->chat.intent == RDR_INTENT_EXTORTION)
                cause = "chat";
        else if (in->type == RDR_CIN_STAFF_APPEAL)
                cause = "staff";
        rdr_str_join(labels, sizeof(labels),
                     (const char *const[]){rdr_malicious_names[now->malicious],
                                           "\x1f", cause, NULL});
        rdr_metric_add(cw->m_malicious, labels, 1);
}

rdr_err_t rdr_casework_apply(rdr_casework_t *cw, rdr_case_t *c,
                             const char *case_id, const rdr_cadence_input_t *in,
                             const char *topic, const char *event_id,
                             const char *fp, int seen,
                             rdr_case_msg_t *classified,
                             const rdr_cadence_out_t **out, char *errstr,
                             size_t errstr_size) {
        char k_case[KEYSZ], k_outbox[KEYSZ], k_seen[KEYSZ], k_order[KEYSZ],
            expected[24];
        rdr_ledger_fv_t ledger;
        rdr_order_index_fv_t opening;
        size_t pos;
        slot_t *s = slot_find(cw, case_id, &pos);
        const char *ids[RDR_CADENCE_ACTIONS_MAX + RDR_CADENCE_TIMERS_MAX + 8];
        const char *ents[RDR_CADENCE_ACTIONS_MAX + RDR_CADENCE_TIMERS_MAX + 8];
        size_t lens[RDR_CADENCE_ACTIONS_MAX + RDR_CADENCE_TIMERS_MAX + 8];
        entries_t e;
        size_t nfv = 0;
        rdr_apply_t a;
        rdr_err_t err;
        size_t i, n = 0;
        int applied, open_guard = cw->open_guard;

        e.cnt = 0;
        *out = &cw->out;
        cw->ledger_guarded = 0;
        cw->open_guard = 0;
        cw->open_guarded = 0;
        if (rdr_key_case(k_case, KEYSZ, case_id, NULL) < 0 ||
            rdr_key_case(k_outbox, KEYSZ, case_id, "outbox") < 0 ||
            seen_key(k_seen, case_id, topic, event_id)) {
                snprintf(errstr, errstr_size, "ids too long for a Redis key");
                return RDR_ERR_INVALID;
        }
        if (seen == RDR_SEEN_REUSED)
                return rdr_casework_reused(event_id, errstr, errstr_size);
        if (seen)
                return replay(cw, c, k_case, k_outbox, k_seen);
        ledger_refresh(cw, c, case_id);
        err = rdr_cadence_apply(&cw->conf, c, in, rdr_worker_now_ms(cw->w),
                                &cw->next, &cw->out);
        if (err) {
                snprintf(errstr, errstr_size, "%s", cw->out.errstr);
                if (err == RDR_ERR_CONFIG) {
                        /* A template that cannot render this case: the
                         * event is dead-lettered with the reason, the
                         * worker goes on. */
                        rdr_log(RDR_LOG_ERROR, "case.render_failed",
                                "case %s: %s", case_id, cw->out.errstr);
                        err = RDR_ERR_INVALID;
                }
                return err;
        }
        rdr_metric_add(cw->m_transitions,
                       rdr_cadence_status_names[cw->out.status], 1);
        applied = cw->out.status == RDR_CADENCE_APPLIED;
        if (classified) {
                char key[600];
                const rdr_case_t *nx = applied ? &cw->next : c;
                classified->state =
                    nx->version ? rdr_case_state_names[nx->state] : "closed";
                order_key(key, sizeof(key), classified->store_id,
                          classified->order_id);
                rdr_str_copy(e.idbuf[0], sizeof(e.idbuf[0]),
                             classified->event_id);
                e.ids[0] = e.idbuf[0];
                if (rdr_emit_case(classified, rdr_worker_protobuf(cw->w),
                                  cw->topic_cases, key, &cw->scratch,
                                  &e.entries[0], &e.lens[0])) {
                        err = RDR_ERR_INVALID;
                        goto encode_err;
                }
                e.cnt = 1;
        }
        if (applied) {
                const rdr_case_t *nx = &cw->next;
                if (cw->out.has_case_event &&
                    (err = case_event_entry(cw, nx, &cw->out, &e)))
                        goto encode_err;
                for (i = 0; i < cw->out.actions_cnt; i++)
                        if ((err =
                                 action_entry(cw, nx, &cw->out.actions[i], &e)))
                                goto encode_err;
                for (i = 0; i < cw->out.timers_cnt; i++)
                        if ((err = timer_entry(cw, &cw->out.timers[i], &e)))
                                goto done;
                for (i = 0; i < cw->out.blocked_cnt; i++)
                        rdr_metric_add(cw->m_blocked, cw->out.blocked[i].rule,
                                       1);
                if ((err = case_fields(cw, s, c, nx, &nfv)))
                        goto done;
        }
        for (i = 0; i < e.cnt; i++, n++) {
                ids[n] = e.ids[i];
                ents[n] = e.entries[i];
                lens[n] = e.lens[i];
        }
        memset(&a, 0, sizeof(a));
        a.dedupe_key = k_seen;
        a.seen_value = fp;
        a.outbox_key = k_outbox;
        a.ttl_ms = cw->ttl_ms;
        a.hash_key = k_case;
        if (applied) {
                a.hash_fv = cw->fv;
                a.hash_fv_cnt = nfv;
                /* Compare-and-set on the version this decision read; on
                 * the document, after a write of this batch. Two writers
                 * that read one version both write the next: the second
                 * write of a chain whose first was refused (another
                 * worker wrote the case in between) would find the
                 * version it expects, and overwrite that worker's write
                 * with a case decided from the old one. */
                if (s && s->chained) {
                        a.cas_field = RDR_CASE_DOC_FIELD;
                        a.cas_expected = cw->chain_docs.data + s->chain_off;
                } else {
                        if (c->version)
                                rdr_str_int(expected, c->version);
                        else
                                expected[0] = '\0';
                        a.cas_field = "version";
                        a.cas_expected = expected;
                }
                a.keep_ms = case_keep(cw, c, &cw->next);
                cw->ledger_guarded = ledger_guard(cw, c, &cw->next, case_id, &a,
                                                  &ledger, k_order);
                if (open_guard && !c->version && cw->next.version) {
                        opening_guard(cw, case_id, &cw->next, &a, &opening);
                        cw->open_guarded = 1;
                }
        }
        a.entry_ids = ids;
        a.entries = ents;
        a.entry_lens = lens;
        a.entries_cnt = n;
        err = rdr_worker_apply(cw->w, &a);
        if (!err && applied) {
                count_malicious(cw, c, &cw->next, in);
                if (cw->out.zone_fallback &&
                    (unsigned)cw->next.zone_source < RDR_ZONE__CNT)
                        rdr_metric_add(
                            cw->m_zone,
                            rdr_zone_source_names[cw->next.zone_source], 1);
                /* The parcel told a case that lacked it the buyer's
                 * zone (learn_zone()). */
                if (!c->zone_learned_at_ms && cw->next.zone_learned_at_ms)
                        rdr_metric_add(cw->m_zone_learned, NULL, 1);
                /* The reviews worker writes a review's with the order's
                 * index (reviews.c). */
                if (in->type != RDR_CIN_REVIEW_CLASSIFIED &&
                    in->type != RDR_CIN_REVIEW_UPDATED &&
                    in->type != RDR_CIN_REVIEW_REMOVED)
                        order_ledger(cw, c, &cw->next, case_id);
                /* The next input of this case in the batch starts here. */
                memcpy(c, &cw->next, sizeof(*c));
                if (s)
                        s->fields_whole = !cw->doc_format;
                if (s && cw->doc_format) {
                        s->chain_off = cw->chain_docs.len;
                        s->chained =
                            rdr_buf_append(&cw->chain_docs, cw->doc.data,
                                           cw->doc.len + 1) == RDR_OK;
                }
                rdr_casework_tag_buyer(cw, c->platform, c->buyer_id,
                                       cw->out.tag_buyer);
        }
        goto done;
encode_err:
        snprintf(errstr, errstr_size,
                 "an output message of the case failed validation");
done:
        entries_free(&e, 0);
        return err;
}

/* ---- Parcels ---- */

/* The keys of parcel ref: its order's (the record), its dedupe key of
 * (topic, event_id) and its outbox (they share the order's Redis Cluster
 * slot), and its fields' prefix: 0, or -1 if too long or malformed. */
typedef struct pkeys_s {
        const char *order;
        char seen[KEYSZ], outbox[KEYSZ];
        char prefix[RDR_PARCEL_PREFIX_MAX];
} pkeys_t;

static int parcel_keys(const char *ref, const char *topic, const char *event_id,
                       pkeys_t *k) {
        char tag[KEYSZ];
        if (rdr_parcel_ref_split(ref, &k->order, k->prefix) ||
            rdr_key_tag(tag, sizeof(tag), k->order) < 0 ||
            rdr_key_seen(k->seen, KEYSZ, tag, topic, event_id) < 0)
                return -1;
        return rdr_str_join_fit(
                   k->outbox, KEYSZ,
                   (const char *const[]){k->order, ":outbox", NULL}) < 0
                   ? -1
                   : 0;
}

void rdr_casework_queue_parcel_read(rdr_casework_t *cw, const char *ref,
                                    const char *topic, const char *event_id) {
        rdr_redis_t *redis = rdr_worker_redis(cw->w);
        pkeys_t k;
        if (!parcel_keys(ref, topic, event_id, &k)) {
                rdr_redis_cmdl(redis, "HGETALL", k.order, NULL);
                rdr_redis_cmdl(redis, "GET", k.seen, NULL);
        } else {
                rdr_redis_cmdf(redis, "PING");
                rdr_redis_cmdf(redis, "PING");
        }
}

static const char *pslot_key(const rdr_casework_t *cw, const pslot_t *s) {
        return cw->pkeys.data + s->key_off;
}

static const char *pslot_index_key(const void *cw, uint32_t n) {
        return pslot_key(cw, &((const rdr_casework_t *)cw)->pslots[n]);
}

/* The batch's parcel ref, or NULL; *at its index slot, or the free one
 * where it would go. */
static pslot_t *pslot_find(rdr_casework_t *cw, const char *ref, size_t *at) {
        *at = rdr_str_index_find(cw->pindex, cw->index_size, ref,
                                 pslot_index_key, cw);
        return cw->pindex[*at] ? &cw->pslots[cw->pindex[*at] - 1] : NULL;
}

static int pslots_ready(rdr_casework_t *cw) {
        if (!cw->pslots) {
                cw->pslots = calloc(cw->slots_size, sizeof(*cw->pslots));
                cw->pindex = calloc(cw->index_size, sizeof(*cw->pindex));
        }
        return cw->pslots && cw->pindex;
}

/* The fields of a parcel under its prefix in an order's HGETALL. */
static void parcel_read(rdr_parcel_t *p, const char *ref,
                        const redisReply *hgetall) {
        char prefix[RDR_PARCEL_PREFIX_MAX];
        const char *order_key;
        rdr_hash_cursor_t hc = {hgetall, 0};
        if (rdr_parcel_ref_split(ref, &order_key, prefix))
                memset(p, 0, sizeof(*p));
        else
                rdr_parcel_load(p, prefix, rdr_hash_reader, &hc);
}

rdr_parcel_t *rdr_casework_parcel_get(rdr_casework_t *cw, const char *ref,
                                      const redisReply *hgetall) {
        size_t i = 0, len = strlen(ref);
        pslot_t *s;
        if (!pslots_ready(cw))
                return NULL;
        if ((s = pslot_find(cw, ref, &i)))
                return &s->p;
        if (cw->pslots_cnt == cw->slots_size) {
                /* As for cases: the table only saves reads; the
                 * compare-and-set keeps it correct. */
                pslots_clear(cw);
                return rdr_casework_parcel_get(cw, ref, hgetall);
        }
        s = &cw->pslots[cw->pslots_cnt];
        s->key_off = cw->pkeys.len;
        if (rdr_buf_append(&cw->pkeys, ref, len + 1))
                return NULL;
        parcel_read(&s->p, ref, hgetall);
        cw->pindex[i] = (uint32_t)++cw->pslots_cnt;
        return &s->p;
}

int rdr_casework_parcel_ref(rdr_casework_t *cw, const char *order_key,
                            const redisReply *hgetall, const char *tracking,
                            char ref[RDR_PARCEL_REF_MAX]) {
        const char *first;
        pslot_t *s;
        size_t at;
        if (rdr_parcel_ref(ref, RDR_PARCEL_REF_MAX, order_key, NULL) < 0)
                return -1;
        if (!pslots_ready(cw))
                return -2;
        /* The order's first parcel as the batch knows it, else as read
         * (no slot for it unless it is this one's: one per input). */
        s = pslot_find(cw, ref, &at);
        first =
            s ? s->p.tracking_number : rdr_hash_get(hgetall, "tracking_number");
        if (first && *first && strcmp(first, tracking))
                return rdr_parcel_ref(ref, RDR_PARCEL_REF_MAX, order_key,
                                      tracking) < 0
                           ? -1
                           : 0;
        /* It is this one, or nobody's yet: claimed for this one (a second
         * new parcel of the order in the batch goes further;
         * rdr_parcel_decide() fills the record in). */
        if (!s && !rdr_casework_parcel_get(cw, ref, hgetall))
                return -2;
        s = pslot_find(cw, ref, &at);
        if (s && !s->p.tracking_number[0])
                rdr_str_copy(s->p.tracking_number, sizeof(s->p.tracking_number),
                             tracking);
        return 0;
}

/* What the order's parcels say at at_ms: 1 if one other than except (the
 * batch's state first, else the read's) holds its outreach. */
int rdr_casework_order_held(rdr_casework_t *cw, const char *order_key,
                            const redisReply *hgetall,
                            const rdr_parcel_t *except, int64_t at_ms) {
        char ref[RDR_PARCEL_REF_MAX];
        const char *tracking;
        size_t i, at, pos = 0;
        if (!pslots_ready(cw))
                return 0;
        /* The parcels the batch holds (written or read). */
        for (i = 0; i < cw->pslots_cnt; i++) {
                const pslot_t *s = &cw->pslots[i];
                const char *ok;
                char prefix[RDR_PARCEL_PREFIX_MAX];
                if (&s->p == except ||
                    rdr_parcel_ref_split(pslot_key(cw, s), &ok, prefix) ||
                    strcmp(ok, order_key))
                        continue;
                if (rdr_parcel_holds(&s->p, at_ms))
                        return 1;
        }
        /* Those the read found and the batch did not touch. */
        while (rdr_order_parcel_next(hgetall, &pos, &tracking)) {
                rdr_parcel_t p;
                if (rdr_parcel_ref(ref, sizeof(ref), order_key, tracking) < 0 ||
                    pslot_find(cw, ref, &at))
                        continue;
                rdr_order_parcel_load(&p, hgetall, tracking);
                if (rdr_parcel_holds(&p, at_ms))
                        return 1;
        }
        return 0;
}

int rdr_order_parcel_next(const redisReply *hgetall, size_t *pos,
                          const char **tracking) {
        size_t i;
        if (!hgetall || hgetall->type != REDIS_REPLY_ARRAY)
                return 0;
        for (i = *pos; i + 1 < hgetall->elements; i += 2) {
                const redisReply *f = hgetall->element[i],
                                 *v = hgetall->element[i + 1];
                if (f->type != REDIS_REPLY_STRING ||
                    v->type != REDIS_REPLY_STRING)
                        continue;
                if (!strcmp(f->str, "shipment_id") && v->len > 0)
                        *tracking = NULL;
                else if (rdr_parcel_further(f->str, f->len, v->str, v->len))
                        *tracking = v->str;
                else
                        continue;
                *pos = i + 2;
                return 1;
        }
        *pos = i;
        return 0;
}

void rdr_order_parcel_load(rdr_parcel_t *p, const redisReply *hgetall,
                           const char *tracking) {
        char prefix[RDR_PARCEL_PREFIX_MAX];
        rdr_hash_cursor_t hc = {hgetall, 0};
        rdr_parcel_prefix(prefix, tracking);
        rdr_parcel_load(p, prefix, rdr_hash_reader, &hc);
}

static rdr_err_t notice_entry(rdr_casework_t *cw, const rdr_parcel_t *p,
                              const rdr_parcel_notice_t *n, entries_t *e) {
        rdr_action_msg_t am;
        memset(&am, 0, sizeof(am));
        am.action_id = n->action_id;
        am.kind = n->kind;
        am.shipment_id = p->shipment_id;
        am.platform = p->platform;
        am.store_id = p->store_id;
        am.buyer_id = p->buyer_id;
        am.order_id = p->order_id;
        am.channel = n->channel;
        am.language = n->language;
        am.template_id = n->template_id;
        am.message = n->message;
        am.due_at_ms = n->due_at_ms;
        am.created_at_ms = rdr_worker_now_ms(cw->w);
        return push_action(cw, &am, e);
}

/* A timer member due at_ms, armed once the apply is durable. */
static rdr_err_t timer_member_entry(rdr_casework_t *cw, const char *member,
                                    int len, int64_t at_ms, entries_t *e) {
        char zkey[64];
        if (len < 0)
                return RDR_ERR_TOO_LARGE;
        rdr_timer_due_key(zkey, sizeof(zkey), member, (size_t)len, cw->shards);
        if (rdr_str_join_fit(e->idbuf[e->cnt], sizeof(e->idbuf[0]),
                             (const char *const[]){"timer:", member, NULL}) < 0)
                return RDR_ERR_TOO_LARGE;
        e->ids[e->cnt] = e->idbuf[e->cnt];
        if (rdr_entry_timer(zkey, (long long)at_ms, member, (size_t)len,
                            &e->entries[e->cnt], &e->lens[e->cnt]))
                return RDR_ERR_NOMEM;
        e->cnt++;
        return RDR_OK;
}

/* The record's fields to write into cw->parcel_fv: every one when this
 * build never wrote the record (version 0: it may hold an older build's
 * fields), else those that changed and the version. */
static void parcel_changes(rdr_casework_t *cw, const char *prefix,
                           const rdr_parcel_t *cur, const rdr_parcel_t *nx) {
        rdr_parcel_fv_t *fv = &cw->parcel_fv, *was = &cw->parcel_fv_cur;
        size_t i, n = 0, plen = strlen(prefix);
        rdr_parcel_fields(nx, prefix, fv);
        if (!cur->version)
                return;
        rdr_parcel_fields(cur, prefix, was);
        for (i = 0; i < fv->cnt; i += 2) {
                if (!strcmp(fv->fv[i + 1], was->fv[i + 1]) &&
                    strcmp(fv->fv[i] + plen, "parcel_version"))
                        continue;
                fv->fv[n++] = fv->fv[i];
                fv->fv[n++] = fv->fv[i + 1];
        }
        fv->cnt = n;
}

rdr_err_t rdr_casework_parcel(rdr_casework_t *cw, rdr_parcel_t *p,
                              const redisReply *cases_of, const char *topic,
                              const char *event_id, const char *fp, int seen,
                              const rdr_shipment_t *ev, int64_t check_at_ms,
                              const rdr_parcel_out_t **out, char *errstr,
                              size_t errstr_size) {
        rdr_parcel_out_t *po = &cw->parcel_out;
        rdr_parcel_t *nx = &cw->parcel_next;
        const char *ref = pslot_key(cw, (const pslot_t *)(void *)p);
        char expected[RDR_STR_INT_SIZE], cas[RDR_PARCEL_PREFIX_MAX + 32];
        char f_writes[sizeof(RDR_ORDER_WRITES RDR_ORDER_FIRST_PARCEL) +
                      RDR_PARCEL_PREFIX_MAX],
            writes[RDR_STR_INT_SIZE];
        const char *fv[2 * RDR_PARCEL_FIELDS + 2];
        size_t nfv;
        int newly_late;
        pkeys_t k;
        entries_t e;
        rdr_apply_t a;
        rdr_err_t err;
        size_t i;
        *out = po;
        e.cnt = 0;
        rdr_parcel_out_reset(po);
        if (parcel_keys(ref, topic, event_id, &k)) {
                snprintf(errstr, errstr_size, "ids too long for a Redis key");
                return RDR_ERR_TOO_LARGE;
        }
        rdr_str_join(cas, sizeof(cas),
                     (const char *const[]){k.prefix, "parcel_version", NULL});
        if (seen == RDR_SEEN_REUSED)
                return rdr_casework_reused(event_id, errstr, errstr_size);
        if (seen) {
                /* Applied before: what its outbox still holds goes out
                 * again. */
                po->status = RDR_PARCEL_STALE;
                return apply_replay(cw, k.seen, k.outbox, k.order, cas);
        }
        err = rdr_parcel_decide(&cw->conf, p, ev, check_at_ms,
                                rdr_worker_now_ms(cw->w), nx, po);
        if (err) {
                snprintf(errstr, errstr_size, "%s", po->errstr);
                if (err == RDR_ERR_CONFIG)
                        rdr_log(RDR_LOG_ERROR, "parcel.render_failed",
                                "parcel %s: %s", ref, po->errstr);
                return rdr_err_class(err) == RDR_ERRCLASS_PERMANENT
                           ? err
                           : RDR_ERR_INVALID;
        }
        if (po->blocked_rule[0])
                rdr_metric_add(cw->m_blocked, po->blocked_rule, 1);
        if (!ev)
                rdr_metric_add(cw->m_checks,
                               po->status == RDR_PARCEL_STALE ? "stale"
                               : po->late                     ? "late"
                                                              : "on_time",
                               1);
        if (po->status != RDR_PARCEL_APPLIED)
                return RDR_OK;
        for (i = 0; i < (size_t)po->notices_cnt; i++)
                if ((err = notice_entry(cw, nx, &po->notices[i], &e))) {
                        snprintf(errstr, errstr_size,
                                 "a notice of the parcel failed validation");
                        goto done;
                }
        if (po->arm_at_ms) {
                char m[ENTRY_ID_MAX - 8];
                pkeys_t kt;
                int len = rdr_parcel_timer(m, sizeof(m), po->arm_at_ms, ref);
                /* The check's own dedupe key names it again: an order
                 * whose ids leave no room for that goes without checks
                 * (its notices and record are kept). */
                if (len < 0 || parcel_keys(ref, "timers", m, &kt))
                        rdr_log(RDR_LOG_WARN, "parcel.no_check",
                                "parcel %.200s: ids too long for a check "
                                "timer; no delay notices for this parcel",
                                ref);
                else if ((err = timer_member_entry(cw, m, len, po->arm_at_ms,
                                                   &e)))
                        goto timer_err;
        }
        /* Newly late (a delay notice's turn): each case of the order
         * pauses its outreach, through a timer due now (section 7). */
        newly_late =
            !ev && po->late && nx->delay_notice_at_ms != p->delay_notice_at_ms;
        if (cases_of && newly_late) {
                const char *ids[RDR_ORDER_CASES_MAX];
                size_t n = rdr_order_cases(cases_of, ids);
                int64_t now = rdr_worker_now_ms(cw->w);
                for (i = 0; i < n; i++) {
                        char m[ENTRY_ID_MAX - 8];
                        int len =
                            rdr_parcel_pause_timer(m, sizeof(m), now, ids[i]);
                        if ((err = timer_member_entry(cw, m, len, now, &e)))
                                goto timer_err;
                }
        }
        if (p->version)
                rdr_str_int(expected, p->version);
        else
                expected[0] = '\0';
        nx->version = p->version + 1;
        parcel_changes(cw, k.prefix, p, nx);
        /* The parcel's write counter: the version it writes. */
        nfv = cw->parcel_fv.cnt;
        memcpy(fv, cw->parcel_fv.fv, nfv * sizeof(*fv));
        rdr_str_join(f_writes, sizeof(f_writes),
                     (const char *const[]){RDR_ORDER_WRITES,
                                           k.prefix[0] ? k.prefix
                                                       : RDR_ORDER_FIRST_PARCEL,
                                           NULL});
        rdr_str_int(writes, nx->version);
        fv[nfv++] = f_writes;
        fv[nfv++] = writes;
        memset(&a, 0, sizeof(a));
        a.dedupe_key = k.seen;
        a.seen_value = fp;
        a.outbox_key = k.outbox;
        a.ttl_ms = cw->ttl_ms;
        a.hash_key = k.order;
        a.cas_field = cas;
        a.cas_expected = expected;
        a.hash_fv = fv;
        a.hash_fv_cnt = nfv;
        a.keep_ms = cw->keep.orders_ms;
        if (cases_of && (ev || newly_late)) {
                /* No case listed on the order since cases_of was read. */
                a.guard_key = k.order;
                a.guard_cnt = 1;
                a.guard_prefix[0] = RDR_ORDER_CASE;
                a.guard_own[0] = "";
                a.guard_max[0] =
                    rdr_hash_prefix_sum(cases_of, RDR_ORDER_CASE, NULL);
        }
        a.entry_ids = e.ids;
        a.entries = (const char *const *)e.entries;
        a.entry_lens = e.lens;
        a.entries_cnt = e.cnt;
        err = rdr_worker_apply(cw->w, &a);
        if (!err)
                *p = *nx;
        goto done;
timer_err:
        snprintf(errstr, errstr_size, "%s",
                 err == RDR_ERR_NOMEM ? "out of memory"
                                      : "ids too long for a timer");
done:
        entries_free(&e, 0);
        return err;
}

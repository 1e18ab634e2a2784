/* Chats: every buyer message is classified (agree, refuse, extortion,
 * question, thanks) and its intent recorded on the order, where the reviews
 * worker reads the chat history of the order (an extortion demand is kept
 * as appeal evidence and tags the buyer fleet-wide). The message is fed to
 * each case of its order (or, when it names no order or its order has no
 * case, to each of the buyer's cases in that store): the cadence pauses and
 * an agent is asked to answer; agree, refuse and extortion move the case
 * (casework.h). Store messages are recorded as seen and nothing more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "chats.h"
#include "casework.h"
#include "classify.h"
#include "keys.h"
#include "str.h"

#define KEYSZ 1024

/* The replies per message of the batch's first round trip: its order's
 * record, the buyer's cases, its record's dedupe key (queue_lookup()). */
#define LOOKUP_READS 3
/* Per case a message reaches, in the second: the case's reads, the
 * buyer's tags. */
#define CASE_READS (RDR_CASEWORK_READS + 1)

/* One case a buyer's message reaches (chats_handle()). */
typedef struct job_s {
        const char *case_id; /* in the first round trip's replies */
        /* Its listing on the buyer's record (casework.h RDR_BUYER_CASE),
         * or NULL: dropped when the case's record is gone. */
        const char *buyer_field;
        size_t slot; /* its first reply in the second's */
        size_t more; /* its order's reply in load_ledgers(), 1-based */
        unsigned char via_order; /* a case of the order the message names */
        unsigned char named;     /* the case the message's first apply named */
} job_t;

typedef struct chats_s {
        rdr_worker_t *w;
        rdr_classifier_t *clf;
        rdr_casework_t *cw;
        rdr_events_t evs;
        /* Per message of the batch: */
        rdr_chat_class_t *cls;
        size_t *first;  /* its first reply in the first round trip */
        size_t *jfirst; /* its cases: jobs[jfirst[i] .. jfirst[i + 1]) */
        unsigned char *no_case;  /* its order's record named no case */
        unsigned char *replayed; /* applied before, to cases (went_before()) */
        long long *listed;       /* the cases its order listed when read */
        job_t *jobs; /* at most RDR_ORDER_CASES_MAX + 1 per message */
        int64_t ttl_ms;
        int64_t future_max_ms; /* consumer.future_max */
        rdr_metric_t *m_intents;
} chats_t;

static rdr_err_t chats_init(rdr_worker_t *w, void **opaque, char *errstr,
                            size_t errstr_size) {
        chats_t *ch = calloc(1, sizeof(*ch));
        const rdr_conf_t *conf = rdr_worker_conf(w);
        if (!ch) {
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        ch->w = w;
        ch->clf = rdr_classifier_new(rdr_conf_dir(conf), errstr, errstr_size);
        if (!ch->clf) {
                free(ch);
                return RDR_ERR_CONFIG;
        }
        rdr_classifier_log_notes(ch->clf);
        ch->cw = rdr_casework_new(w, errstr, errstr_size);
        if (!ch->cw) {
                rdr_classifier_destroy(ch->clf);
                free(ch);
                return RDR_ERR_CONFIG;
        }
        {
                size_t n = rdr_worker_batch_cap(w);
                ch->cls = calloc(n, sizeof(*ch->cls));
                ch->first = calloc(n, sizeof(*ch->first));
                ch->jfirst = calloc(n + 1, sizeof(*ch->jfirst));
                ch->no_case = calloc(n, sizeof(*ch->no_case));
                ch->replayed = calloc(n, sizeof(*ch->replayed));
                ch->listed = calloc(n, sizeof(*ch->listed));
                ch->jobs =
                    calloc(n * (RDR_ORDER_CASES_MAX + 1), sizeof(*ch->jobs));
                if (!ch->cls || !ch->first || !ch->jfirst || !ch->no_case ||
                    !ch->replayed || !ch->listed || !ch->jobs ||
                    rdr_events_init(&ch->evs, n)) {
                        *opaque = ch;
                        snprintf(errstr, errstr_size, "out of memory");
                        return RDR_ERR_NOMEM;
                }
        }
        ch->ttl_ms = rdr_conf_int(conf, "dedupe.ttl");
        ch->future_max_ms = rdr_conf_int(conf, "consumer.future_max");
        ch->m_intents =
            rdr_metrics_counter(rdr_worker_metrics(w), "chat_intents_total",
                                "Buyer messages by intent", "intent");
        *opaque = ch;
        return RDR_OK;
}

static void chats_destroy(void *opaque) {
        chats_t *ch = opaque;
        if (!ch)
                return;
        rdr_events_free(&ch->evs);
        rdr_casework_destroy(ch->cw);
        rdr_classifier_destroy(ch->clf);
        free(ch->cls);
        free(ch->first);
        free(ch->jfirst);
        free(ch->no_case);
        free(ch->replayed);
        free(ch->listed);
        free(ch->jobs);
        free(ch);
}

/* A demand in a chat to the store that named no order: the buyer's next
 * review there quotes it (keys.h RDR_KEY_DEMAND_FIRST, _LAST). The latest
 * goes into the apply's fields (fv, *cnt; *json and f_last hold them until
 * it is queued), the first beside it if the store has none yet (a replay
 * writes it again, where a crash cut it off). Chats of a buyer to a store
 * come in order (keyed <store_id>/<buyer_id>). Returns 0, -1 if the ids
 * are too long, -2 if out of memory. */
static int store_demand(chats_t *ch, const char *k_buyer, const rdr_chat_t *c,
                        const char **fv, size_t *cnt, char **json,
                        char f_last[KEYSZ]) {
        char f_first[KEYSZ];
        json_t *o;
        if (snprintf(f_first, KEYSZ, RDR_KEY_DEMAND_FIRST "%s", c->store_id) >=
                KEYSZ ||
            snprintf(f_last, KEYSZ, RDR_KEY_DEMAND_LAST "%s", c->store_id) >=
                KEYSZ)
                return -1;
        o = json_pack("{s:I,s:s,s:s%}", "at_ms", (json_int_t)c->sent_at_ms,
                      "ref", c->event_id, "text", c->text, c->text_len);
        *json = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!*json)
                return -2;
        rdr_redis_cmdl(rdr_worker_redis(ch->w), "HSETNX", k_buyer, f_first,
                       *json, NULL);
        fv[(*cnt)++] = f_last;
        fv[(*cnt)++] = *json;
        return 0;
}

/* What a message about an order tells the buyer's record too (the
 * order's record holds the rest of it): a no (field f refused_at_ms:
 * <store>, value now), an extortion (extortion_order_at_ms:<the order's key>,
 * which redress-buyer untag clears). -1 if the ids are too long for a
 * key. */
static int on_buyer(chats_t *ch, const rdr_chat_t *c, const char *f,
                    const char *now) {
        char k_buyer[KEYSZ];
        rdr_redis_t *redis = rdr_worker_redis(ch->w);
        if (rdr_key_buyer(k_buyer, KEYSZ, c->platform, c->buyer_id, NULL) < 0)
                return -1;
        rdr_redis_cmdl(redis, "HSET", k_buyer, f, now, NULL);
        rdr_redis_expire(redis, k_buyer,
                         rdr_casework_retention(ch->cw)->buyers_ms);
        return 0;
}

/* An extortion in a chat about the order of key k_order, on the buyer's
 * record beside the tag it gives (keys.h RDR_KEY_EXTORTION_ORDER): where
 * redress-buyer untag finds what the order's review would read again.
 * Returns 0, -1 if the ids are too long for a key. */
static int extortion_order(chats_t *ch, const rdr_chat_t *c,
                           const char *k_order, const char *now) {
        char f[KEYSZ + sizeof(RDR_KEY_EXTORTION_ORDER)];
        if (rdr_str_join_fit(f, sizeof(f),
                             (const char *const[]){RDR_KEY_EXTORTION_ORDER,
                                                   k_order, NULL}) <= 0)
                return -1;
        return on_buyer(ch, c, f, now);
}

/* The record a message is applied to (its order's when it names one,
 * else its buyer's: k_hash, KEYSZ) and its dedupe key there (k_seen,
 * KEYSZ); -1 if the ids are too long for a key. */
static int record_keys(const rdr_chat_t *c, const char *topic, char *k_hash,
                       char *k_seen) {
        char tag[KEYSZ];
        int n = c->order_id ? rdr_key_order(k_hash, KEYSZ, c->platform,
                                            c->store_id, c->order_id, NULL)
                            : rdr_key_buyer(k_hash, KEYSZ, c->platform,
                                            c->buyer_id, NULL);
        if (n < 0 || rdr_key_tag(tag, sizeof(tag), k_hash) < 0 ||
            rdr_key_seen(k_seen, KEYSZ, tag, topic, c->event_id) < 0)
                return -1;
        return 0;
}

/* Record message c (class ccp) on its order's record, else its buyer's,
 * with the case it names (case_id: the first it reached, "" for none:
 * went_before()). It goes after the message's cases in the pipeline: a
 * record that holds the message says that every case it reached heard it.
 * A buyer's message about an order counts on the order's record
 * (RDR_ORDER_CHAT_WRITES: a case opening beside it reads it again,
 * casework.h), and applies only while the order lists no more cases than
 * the listed it was read with (RDR_ORDER_CASE), or, if the record named
 * no case then (no_case), while it still names none: else the batch
 * decides again and the message reaches the new case too. */
static rdr_err_t apply_one(chats_t *ch, rdr_msg_t *m, const rdr_chat_t *c,
                           const rdr_chat_class_t *ccp, int no_case,
                           long long listed, const char *case_id) {
        char k_seen[KEYSZ], k_outbox[KEYSZ], k_hash[KEYSZ], k_set[KEYSZ],
            now[24], f_demand[4 * RDR_EVENT_MAX_EVENT_ID + 48],
            f_refused[KEYSZ], f_last[KEYSZ],
            no_case_seen[sizeof(((rdr_msg_t *)0)->fingerprint) + 1];
        const char *fv[16], *members[1];
        char *demand = NULL;
        rdr_err_t err;
        rdr_chat_class_t cc = *ccp;
        rdr_apply_t a;
        const rdr_retention_t *keep = rdr_casework_retention(ch->cw);
        int n;

        /* The order when the message names one, else the buyer. */
        if (record_keys(c, m->topic, k_hash, k_seen) ||
            snprintf(k_outbox, KEYSZ, "%s:outbox", k_hash) >= KEYSZ ||
            snprintf(k_set, KEYSZ, "%s:intents", k_hash) >= KEYSZ)
                return rdr_msg_fail(m, "ids too long for a Redis key");
        snprintf(now, sizeof(now), "%lld", (long long)c->sent_at_ms);

        memset(&a, 0, sizeof(a));
        a.dedupe_key = k_seen;
        /* The case the message goes to, for its replay (went_before());
         * none: "-" and the message's fingerprint, which tells a replay
         * from an event_id used again (chats_handle()). A message that
         * reaches a case is told so by the case's dedupe key. */
        snprintf(no_case_seen, sizeof(no_case_seen), "-%s", m->fingerprint);
        a.seen_value = c->direction != RDR_DIR_BUYER ? NULL
                       : case_id[0]                  ? case_id
                                                     : no_case_seen;
        a.outbox_key = k_outbox;
        a.ttl_ms = ch->ttl_ms;
        a.hash_key = k_hash;
        a.hash_fv = fv;
        a.keep_ms = c->order_id ? keep->orders_ms : keep->buyers_ms;
        if (c->direction == RDR_DIR_BUYER) {
                fv[0] = "last_buyer_message_at_ms";
                fv[1] = now;
                fv[2] = "last_buyer_intent";
                fv[3] = rdr_intent_names[cc.intent];
                fv[4] = "buyer_language";
                fv[5] = cc.language;
                a.hash_fv_cnt = 6;
                if (c->order_id) {
                        a.hash_incr = RDR_ORDER_CHAT_WRITES;
                        if (no_case) {
                                /* Still no case (a case's listing names
                                 * the order's latest, casework.h):
                                 * cheaper than counting the listed. */
                                a.cas_field = "case_id";
                                a.cas_expected = "";
                        } else {
                                /* No more cases listed than when read. */
                                a.guard_key = k_hash;
                                a.guard_cnt = 1;
                                a.guard_prefix[0] = RDR_ORDER_CASE;
                                a.guard_own[0] = "";
                                a.guard_max[0] = listed;
                        }
                }
                members[0] = rdr_intent_names[cc.intent];
                a.set_key = k_set;
                a.set_members = members;
                a.set_members_cnt = 1;
                rdr_metric_add(ch->m_intents, rdr_intent_names[cc.intent], 1);
                if (cc.intent == RDR_INTENT_REFUSE) {
                        /* A buyer who says no in one order's thread is
                         * not asked in another's: heard by the buyer's
                         * other cases in the store, and by those that
                         * open later (reviews.c, playbook
                         * refusal_memory). */
                        if (snprintf(f_refused, sizeof(f_refused),
                                     RDR_KEY_REFUSED_AT "%s",
                                     c->store_id) >= (int)sizeof(f_refused))
                                return rdr_msg_fail(
                                    m, "ids too long for a Redis key");
                        if (!c->order_id) {
                                fv[6] = f_refused;
                                fv[7] = now;
                                a.hash_fv_cnt = 8;
                        } else if (on_buyer(ch, c, f_refused, now)) {
                                return rdr_msg_fail(
                                    m, "ids too long for a Redis key");
                        }
                }
                if (cc.intent == RDR_INTENT_EXTORTION) {
                        /* Kept as the appeal's evidence. */
                        fv[6] = "extortion_ref";
                        fv[7] = c->event_id;
                        fv[8] = "extortion_text";
                        fv[9] = c->text;
                        fv[10] = "extortion_at_ms";
                        fv[11] = now;
                        /* Every demand, by time: the review's appeal
                         * quotes the first and the latest (reviews.c). */
                        if (snprintf(f_demand, sizeof(f_demand),
                                     RDR_DEMAND_FIELD "%s:%s", now,
                                     c->event_id) < (int)sizeof(f_demand)) {
                                fv[12] = f_demand;
                                fv[13] = c->text;
                                a.hash_fv_cnt = 14;
                        } else {
                                a.hash_fv_cnt = 12;
                        }
                        rdr_casework_tag_buyer(ch->cw, c->platform, c->buyer_id,
                                               RDR_MAL_EXTORTION);
                        n = c->order_id
                                ? extortion_order(ch, c, k_hash, now)
                                : store_demand(ch, k_hash, c, fv,
                                               &a.hash_fv_cnt, &demand, f_last);
                        if (n == -2)
                                return RDR_ERR_NOMEM;
                        if (n)
                                return rdr_msg_fail(
                                    m, "ids too long for a Redis key");
                }
        } else {
                fv[0] = "last_store_message_at_ms";
                fv[1] = now;
                a.hash_fv_cnt = 2;
        }
        err = rdr_worker_apply(ch->w, &a);
        free(demand);
        return err;
}

/* The key of the order record of the order c names into k (KEYSZ); -1 if
 * it names none (or its ids are too long for a key). */
static int order_key(const rdr_chat_t *c, char *k) {
        return c->order_id && rdr_key_order(k, KEYSZ, c->platform, c->store_id,
                                            c->order_id, NULL) > 0
                   ? 0
                   : -1;
}

/* 1 if every key and field apply_one() makes for message c fits: a
 * message's cases are fed before its record is written, so one that
 * could not be recorded reaches none. The longest of each kind: the
 * record's :intents key, the store's refused_at_ms: field (longer than
 * its demand_*: ones); the order's extortion field has room for any
 * order key. */
static int ids_fit(const rdr_chat_t *c, const char *topic) {
        char k_hash[KEYSZ], k_seen[KEYSZ], k[KEYSZ];
        return !record_keys(c, topic, k_hash, k_seen) &&
               strlen(k_hash) + sizeof(":intents") <= KEYSZ &&
               rdr_key_buyer(k, KEYSZ, c->platform, c->buyer_id, NULL) > 0 &&
               strlen(c->store_id) + sizeof(RDR_KEY_REFUSED_AT) <= KEYSZ;
}

/* The reads that tell which cases a buyer's message belongs to
 * (BEHAVIOR.md 2.7: "on that order or store") and whether it was applied
 * before: its order's record (HGETALL: the cases it lists, casework.h
 * RDR_ORDER_CASE; a PING without an order), the buyer's record (HGETALL:
 * the buyer's cases in each store, RDR_BUYER_CASE; records written
 * before it name only the latest in any store, case_id, which
 * feed_case() takes only if it is that store's) and the message's dedupe
 * key on its record (went_before()). LOOKUP_READS replies. */
static void queue_lookup(chats_t *ch, const rdr_chat_t *c, const char *topic) {
        rdr_redis_t *redis = rdr_worker_redis(ch->w);
        char k[KEYSZ], k_seen[KEYSZ];
        if (!order_key(c, k))
                rdr_redis_cmdl(redis, "HGETALL", k, NULL);
        else
                rdr_redis_cmdl(redis, "PING", NULL);
        if (rdr_key_buyer(k, KEYSZ, c->platform, c->buyer_id, NULL) > 0)
                rdr_redis_cmdl(redis, "HGETALL", k, NULL);
        else
                rdr_redis_cmdl(redis, "PING", NULL);
        if (!record_keys(c, topic, k, k_seen))
                rdr_redis_cmdl(redis, "GET", k_seen, NULL);
        else
                rdr_redis_cmdl(redis, "PING", NULL);
}

/* What the message's dedupe key on its record (r: its GET) says of a
 * message applied before (a replay, a resend under its event_id): -1 it
 * reached no case ("-", and the message's fingerprint after it); 1 it
 * reached cases, the first of them named (*named); 0 nothing (no key, or
 * "1" that an earlier build wrote). A case that opened since read the
 * message from its order's record (casework.h): fed it again, it would
 * hear it twice. An earlier build takes "-f1:..." for a case id it finds
 * no case of: the message reaches none either way. */
static int went_before(const redisReply *r, const char **named) {
        if (!r || r->type != REDIS_REPLY_STRING || !r->len ||
            r->len >= RDR_CASE_ID_MAX || (r->len == 1 && r->str[0] == '1'))
                return 0;
        if (r->str[0] == '-')
                return -1;
        *named = r->str;
        return 1;
}

/* The cases message i reaches, into ch->jobs from *nj on: each case its
 * order lists (the latest first), or, when it names no order or its
 * order lists none, each of the buyer's cases in the store (the latest
 * first); a message applied before, none or those it named (went_before();
 * chats_handle() keeps the others whose own dedupe key holds it: they
 * heard it). lookup: its LOOKUP_READS replies. */
static void find_cases(chats_t *ch, size_t i, const rdr_chat_t *c,
                       redisReply *const *lookup, size_t *nj) {
        const char *ids[RDR_ORDER_CASES_MAX], *fields[RDR_ORDER_CASES_MAX],
            *named = NULL;
        size_t n = 0, j, first = *nj;
        int before = went_before(lookup[2], &named), via_order = 1;
        ch->no_case[i] = c->order_id && !rdr_hash_get(lookup[0], "case_id");
        ch->listed[i] = rdr_hash_prefix_sum(lookup[0], RDR_ORDER_CASE, NULL);
        ch->replayed[i] = before > 0;
        if (before < 0)
                return;
        if (c->order_id)
                n = rdr_order_cases(lookup[0], ids);
        if (n == 0) {
                n = rdr_buyer_store_cases(lookup[1], c->store_id, ids, fields);
                via_order = 0;
        }
        for (j = 0; j < n; j++)
                ch->jobs[(*nj)++] = (job_t){
                    ids[j], via_order ? NULL : fields[j], 0, 0, via_order, 0};
        if (before == 0)
                return;
        for (j = first; j < *nj && strcmp(ch->jobs[j].case_id, named); j++)
                ;
        if (j == *nj)
                ch->jobs[(*nj)++] = (job_t){named, NULL, 0, 0, 0, 0};
        ch->jobs[j].named = 1;
}

/* A case of the buyer's listing in the store whose record is gone (its
 * retention ran out): out of the listing. */
static void unlist_gone(chats_t *ch, const rdr_chat_t *c, const job_t *jb,
                        const redisReply *hgetall) {
        char k[KEYSZ];
        if (jb->buyer_field && hgetall && hgetall->type == REDIS_REPLY_ARRAY &&
            hgetall->elements == 0 &&
            rdr_key_buyer(k, KEYSZ, c->platform, c->buyer_id, NULL) > 0)
                rdr_redis_cmdl(rdr_worker_redis(ch->w), "HDEL", k,
                               jb->buyer_field, NULL);
}

/* Message c's case (*cs, from its HGETALL) and what the message is to
 * its cadence (*in, but the buyer's tag). *cs is NULL when the case is
 * another store's (an older record's latest case): not this message's. */
static rdr_err_t chat_case(chats_t *ch, const rdr_chat_t *c,
                           const rdr_chat_class_t *cc, const char *case_id,
                           const redisReply *hgetall, rdr_case_t **cs,
                           rdr_cadence_input_t *in, char *errstr,
                           size_t errstr_size) {
        rdr_err_t err =
            rdr_casework_get(ch->cw, case_id, hgetall, cs, errstr, errstr_size);
        if (err)
                return err;
        if (strcmp((*cs)->store_id, c->store_id))
                *cs = NULL;
        memset(in, 0, sizeof(*in));
        in->type = RDR_CIN_BUYER_CHAT;
        in->chat.intent = cc->intent;
        in->chat.channel = c->channel;
        in->chat.ref = c->event_id;
        in->chat.text = c->text;
        in->chat.sent_at_ms = c->sent_at_ms;
        return RDR_OK;
}

static rdr_err_t feed_case(chats_t *ch, const rdr_msg_t *m, const rdr_chat_t *c,
                           const rdr_chat_class_t *cc, const char *case_id,
                           const redisReply *hgetall, int seen,
                           const redisReply *tags, char *errstr,
                           size_t errstr_size) {
        rdr_cadence_input_t in;
        const rdr_cadence_out_t *out;
        rdr_case_t *cs;
        rdr_err_t err = chat_case(ch, c, cc, case_id, hgetall, &cs, &in, errstr,
                                  errstr_size);
        if (err || !cs)
                return err;
        in.buyer_tag = rdr_casework_tag_class(ch->cw, rdr_buyer_tags(tags));
        return rdr_casework_apply(ch->cw, cs, case_id, &in, m->topic,
                                  c->event_id, m->fingerprint, seen, NULL, &out,
                                  errstr, errstr_size);
}

/* The ledgers of the orders of the batch's cases whose message may make
 * them write to the buyer, where the platform limits per order. A case of
 * the order its message names has that order's record in the first round
 * trip (lookup). A message that names no order, or one whose order has no
 * case, reaches the buyer's cases in the store, which may be of other
 * orders: those are read now, in one more round trip made only for
 * batches that hold such a message. */
static rdr_err_t load_ledgers(chats_t *ch, const rdr_msg_t *msgs, size_t cnt,
                              redisReply *const *lookup,
                              redisReply *const *reads) {
        rdr_redis_t *redis = rdr_worker_redis(ch->w);
        char k[KEYSZ], errstr[256];
        size_t i, j, q = 0;
        rdr_case_t *cs;
        rdr_err_t err;
        for (i = 0; i < cnt; i++) {
                const rdr_chat_t *c = &ch->evs.evs[i].u.chat;
                if (msgs[i].err)
                        continue;
                for (j = ch->jfirst[i]; j < ch->jfirst[i + 1]; j++) {
                        job_t *jb = &ch->jobs[j];
                        rdr_cadence_input_t in;
                        jb->more = 0;
                        if (jb->via_order &&
                            rdr_cadence_chat_may_write(ch->cls[i].intent) &&
                            rdr_casework_limits_per_order(ch->cw,
                                                          c->platform) &&
                            !order_key(c, k))
                                rdr_casework_load_ledger(ch->cw, k,
                                                         lookup[ch->first[i]]);
                        if (chat_case(ch, c, &ch->cls[i], jb->case_id,
                                      reads[jb->slot], &cs, &in, errstr,
                                      sizeof(errstr)) == RDR_OK &&
                            cs && rdr_cadence_may_write(cs, &in) &&
                            rdr_casework_queue_ledger_read(ch->cw, cs))
                                jb->more = ++q;
                }
        }
        if (q == 0)
                return RDR_OK;
        if ((err = rdr_redis_exec(redis)))
                return err;
        for (j = 0; j < ch->jfirst[cnt]; j++)
                if (ch->jobs[j].more &&
                    rdr_casework_get(ch->cw, ch->jobs[j].case_id,
                                     reads[ch->jobs[j].slot], &cs, errstr,
                                     sizeof(errstr)) == RDR_OK)
                        rdr_casework_load_case_ledger(
                            ch->cw, cs,
                            rdr_redis_reply(redis, ch->jobs[j].more - 1));
        return RDR_OK;
}

/* Feed buyer message i to its cases, then record it (apply_one()). A
 * message applied before reaches again the case it named and those whose
 * own dedupe key holds it (they republish what they sent); not a case
 * that opened since, which read it from its order's record. */
static rdr_err_t apply_msg(chats_t *ch, rdr_msg_t *m, size_t i,
                           redisReply *const *reads) {
        const rdr_chat_t *c = &ch->evs.evs[i].u.chat;
        const char *named = "";
        size_t j;
        rdr_err_t err;
        for (j = ch->jfirst[i]; j < ch->jfirst[i + 1] && !m->err; j++) {
                const job_t *jb = &ch->jobs[j];
                redisReply *const *rd = &reads[jb->slot];
                int seen = rdr_casework_seen(rd[1], m->fingerprint);
                if (!named[0] || jb->named)
                        named = jb->case_id;
                unlist_gone(ch, c, jb, rd[0]);
                if (ch->replayed[i] && !jb->named && seen == RDR_SEEN_NEW)
                        continue;
                err = feed_case(ch, m, c, &ch->cls[i], jb->case_id, rd[0], seen,
                                rd[2], m->errstr, sizeof(m->errstr));
                if ((err = rdr_msg_settle(m, err)))
                        return err;
        }
        if (m->err)
                return RDR_OK;
        return rdr_msg_settle(m,
                              apply_one(ch, m, c, &ch->cls[i], ch->no_case[i],
                                        ch->listed[i], named));
}

static rdr_err_t chats_handle(void *opaque, rdr_msg_t *msgs, size_t cnt) {
        chats_t *ch = opaque;
        rdr_redis_t *redis = rdr_worker_redis(ch->w);
        size_t i, j, q = 0, nj = 0, lookup_cnt = 0, reads_cnt = 0;
        rdr_err_t err;
        redisReply **lookup = NULL, **reads = NULL;
        rdr_casework_begin(ch->cw);
        rdr_events_decode(&ch->evs, RDR_INPUT_CHATS, msgs, cnt,
                          rdr_worker_now_ms(ch->w), ch->future_max_ms);
        /* Which cases each buyer message belongs to. */
        for (i = 0; i < cnt; i++) {
                const rdr_chat_t *c = &ch->evs.evs[i].u.chat;
                if (!msgs[i].err && !ids_fit(c, msgs[i].topic))
                        rdr_msg_fail(&msgs[i], "ids too long for a Redis key");
                if (msgs[i].err || c->direction != RDR_DIR_BUYER)
                        continue;
                rdr_classify_chat(ch->clf, c->text, c->text_len, NULL,
                                  &ch->cls[i]);
                ch->first[i] = q;
                q += LOOKUP_READS;
                queue_lookup(ch, c, msgs[i].topic);
        }
        /* The replies stay valid until the batch ends (the cases' ids,
         * the orders' ledgers). */
        if ((err = rdr_redis_exec_take(redis, q, &lookup, &lookup_cnt)))
                goto done;
        for (i = 0; i < cnt; i++) {
                const rdr_chat_t *c = &ch->evs.evs[i].u.chat;
                const redisReply *r;
                ch->jfirst[i] = nj;
                ch->replayed[i] = 0;
                if (msgs[i].err || c->direction != RDR_DIR_BUYER)
                        continue;
                find_cases(ch, i, c, &lookup[ch->first[i]], &nj);
                /* Applied before to no case, with other content: its
                 * event_id used again (a case's dedupe key tells the
                 * rest, rdr_casework_seen()). */
                r = lookup[ch->first[i] + 2];
                if (r && r->type == REDIS_REPLY_STRING && r->len > 1 &&
                    r->str[0] == '-' &&
                    rdr_fingerprint_differs(r->str + 1, r->len - 1,
                                            msgs[i].fingerprint)) {
                        msgs[i].err =
                            rdr_casework_reused(c->event_id, msgs[i].errstr,
                                                sizeof(msgs[i].errstr));
                        nj = ch->jfirst[i];
                }
        }
        ch->jfirst[cnt] = nj;
        /* Read those cases and the buyers' fleet-wide tags (a buyer
         * tagged since a case opened hears no more from it, cadence.h). */
        for (i = 0, q = 0; i < cnt; i++)
                for (j = ch->jfirst[i]; j < ch->jfirst[i + 1]; j++) {
                        const rdr_chat_t *c = &ch->evs.evs[i].u.chat;
                        rdr_casework_queue_read(ch->cw, ch->jobs[j].case_id,
                                                msgs[i].topic, c->event_id);
                        rdr_buyer_tags_queue_read(redis, c->platform,
                                                  c->buyer_id);
                        ch->jobs[j].slot = q;
                        q += CASE_READS;
                }
        if (q > 0 &&
            ((err = rdr_redis_exec_take(redis, q, &reads, &reads_cnt)) ||
             (err = load_ledgers(ch, msgs, cnt, lookup, reads))))
                goto done;
        for (i = 0; i < cnt; i++) {
                if (msgs[i].err)
                        continue;
                err = ch->evs.evs[i].u.chat.direction == RDR_DIR_BUYER
                          ? apply_msg(ch, &msgs[i], i, reads)
                          : rdr_msg_settle(&msgs[i],
                                           apply_one(ch, &msgs[i],
                                                     &ch->evs.evs[i].u.chat,
                                                     &ch->cls[i], 0, 0, ""));
                if (err)
                        goto done;
        }
        err = RDR_OK;
done:
        rdr_redis_replies_free(lookup, lookup_cnt);
        rdr_redis_replies_free(reads, reads_cnt);
        return err;
}

static const char *const chats_topics[] = {"topics.chats", NULL};

static void chats_doc(void *fp) {
        rdr_casework_doc(fp);
        rdr_classifier_doc(fp);
}

const rdr_worker_def_t rdr_chats_worker = {
    .name = "chats",
    .topics = chats_topics,
    .init = chats_init,
    .handle = chats_handle,
    .destroy = chats_destroy,
    .doc = chats_doc,
};

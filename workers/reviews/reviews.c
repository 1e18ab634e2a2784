/* Reviews: decode each review, read what the fleet knows of the buyer and
 * the order (tags, chat intents, the case so far) in one pipelined round
 * trip, classify, and apply the case update with its case.classified
 * message in one script per event (dedupe, state, outbox). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "classify.h"
#include "emit.h"
#include "event.h"
#include "keys.h"
#include "log.h"
#include "reviews.h"

#define KEYSZ 1024

typedef struct reviews_s {
        rdr_worker_t *w;
        rdr_classifier_t *clf;
        rdr_events_t evs;
        rdr_buf_t scratch;
        int64_t ttl_ms;
        const char *topic_cases;
        rdr_metric_t *m_classified, *m_cases_opened;
} reviews_t;

static rdr_err_t reviews_init(rdr_worker_t *w, void **opaque, char *errstr,
                              size_t errstr_size) {
        reviews_t *rv = calloc(1, sizeof(*rv));
        const rdr_conf_t *conf = rdr_worker_conf(w);
        if (!rv) {
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        rv->w = w;
        rv->clf = rdr_classifier_new(rdr_conf_dir(conf), errstr, errstr_size);
        if (!rv->clf) {
                free(rv);
                return RDR_ERR_CONFIG;
        }
        if (rdr_events_init(&rv->evs, (size_t)rdr_conf_int(
                                          conf, "consumer.batch_max"))) {
                rdr_classifier_destroy(rv->clf);
                free(rv);
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        rdr_buf_init(&rv->scratch);
        rv->ttl_ms = rdr_conf_int(conf, "dedupe.ttl");
        rv->topic_cases = rdr_conf_str(conf, "topics.cases");
        rv->m_classified = rdr_metrics_counter(
            rdr_worker_metrics(w), "reviews_classified_total",
            "Reviews classified, by sentiment, reason and malicious class",
            "sentiment,reason,malicious");
        rv->m_cases_opened = rdr_metrics_counter(
            rdr_worker_metrics(w), "cases_opened_total",
            "Cases opened for negative reviews", "platform");
        *opaque = rv;
        return RDR_OK;
}

static void reviews_destroy(void *opaque) {
        reviews_t *rv = opaque;
        if (!rv)
                return;
        rdr_events_free(&rv->evs);
        rdr_buf_free(&rv->scratch);
        rdr_classifier_destroy(rv->clf);
        free(rv);
}

/* What the read phase learned about one review. */
typedef struct context_s {
        unsigned tags;
        rdr_intent_t intents[32];
        size_t intents_cnt;
        int prev_rating;
        char prev_state[32];
        char prev_language[8];
} context_t;

static void read_context(const redisReply *tags, const redisReply *chats,
                         const redisReply *cs, context_t *ctx) {
        size_t i;
        memset(ctx, 0, sizeof(*ctx));
        if (tags && tags->type == REDIS_REPLY_ARRAY)
                for (i = 0; i < tags->elements; i++) {
                        const char *t = tags->element[i]->str;
                        if (!t)
                                continue;
                        if (!strcmp(t, "professional"))
                                ctx->tags |= RDR_TAG_PROFESSIONAL;
                        else if (!strcmp(t, "extortion"))
                                ctx->tags |= RDR_TAG_EXTORTION;
                        else if (!strcmp(t, "competitor"))
                                ctx->tags |= RDR_TAG_COMPETITOR;
                }
        if (chats && chats->type == REDIS_REPLY_ARRAY)
                for (i = 0; i < chats->elements && ctx->intents_cnt < 32;
                     i++) {
                        const redisReply *e = chats->element[i];
                        int in = e->str ? rdr_enum_parse(rdr_intent_names,
                                                         RDR_INTENT__CNT,
                                                         e->str, e->len)
                                        : -1;
                        if (in >= 0)
                                ctx->intents[ctx->intents_cnt++] =
                                    (rdr_intent_t)in;
                }
        if (cs && cs->type == REDIS_REPLY_ARRAY && cs->elements == 3) {
                if (cs->element[0]->str)
                        ctx->prev_rating = (int)strtol(cs->element[0]->str,
                                                       NULL, 10);
                if (cs->element[1]->str)
                        snprintf(ctx->prev_state, sizeof(ctx->prev_state),
                                 "%s", cs->element[1]->str);
                if (cs->element[2]->str)
                        snprintf(ctx->prev_language,
                                 sizeof(ctx->prev_language), "%s",
                                 cs->element[2]->str);
        }
}

/* The case's state after this review event. */
static const char *next_state(const rdr_review_t *r,
                              const rdr_classification_t *c,
                              const context_t *ctx) {
        if (r->type == RDR_REVIEW_REMOVED)
                return ctx->prev_state[0] ? "resolved" : "closed";
        if (c->malicious != RDR_MAL_NONE && c->negative)
                return "malicious";
        if (r->type == RDR_REVIEW_UPDATED && ctx->prev_state[0] &&
            strcmp(ctx->prev_state, "closed") && r->rating >= 4)
                return "resolved";
        if (c->negative)
                return "open";
        return "closed";
}

static rdr_err_t apply_one(reviews_t *rv, rdr_msg_t *m,
                           const rdr_review_t *r, const context_t *ctx) {
        rdr_review_input_t in;
        rdr_clf_profile_t prof;
        rdr_classification_t c;
        rdr_case_msg_t cm;
        char case_id[RDR_ID_LEN], ev_id[RDR_ID_LEN], k_case[KEYSZ],
            k_outbox[KEYSZ], k_seen[KEYSZ], tag[RDR_ID_LEN + 4], key[600],
            rating[8], now[24];
        const char *id_parts[] = {m->topic, r->event_id, "classified", NULL};
        const char *state, *fv[32];
        char *entry = NULL;
        size_t entry_len = 0, nfv = 0;
        rdr_apply_t a;
        rdr_err_t err;
        char labels[128];

        memset(&in, 0, sizeof(in));
        in.text = r->text;
        in.text_len = r->text_len;
        in.rating = r->rating ? r->rating : ctx->prev_rating;
        in.language = r->language;
        if (r->has_buyer) {
                memset(&prof, 0, sizeof(prof));
                prof.has_account_level = r->buyer.has_account_level;
                prof.account_level = r->buyer.account_level;
                prof.has_account_age_days = r->buyer.has_account_age_days;
                prof.account_age_days = r->buyer.account_age_days;
                prof.has_reviews_total = r->buyer.has_reviews_total;
                prof.reviews_total = r->buyer.reviews_total;
                prof.has_negative_reviews_total =
                    r->buyer.has_negative_reviews_total;
                prof.negative_reviews_total = r->buyer.negative_reviews_total;
                in.profile = &prof;
        }
        in.buyer_tags = ctx->tags;
        in.chat_intents = ctx->intents;
        in.chat_intents_cnt = ctx->intents_cnt;
        rdr_classify_review(rv->clf, &in, &c);
        if (r->type == RDR_REVIEW_REMOVED) {
                c.sentiment = RDR_SENT_NEUTRAL;
                c.reason = RDR_REASON_NONE;
                c.reasons_cnt = 0;
                c.malicious = RDR_MAL_NONE;
                c.negative = 0;
                if (ctx->prev_language[0])
                        snprintf(c.language, sizeof(c.language), "%s",
                                 ctx->prev_language);
        }
        state = next_state(r, &c, ctx);

        rdr_case_id(case_id, r->platform, r->store_id, r->review_id);
        rdr_derive_id(ev_id, "ev_", id_parts);
        snprintf(tag, sizeof(tag), "c:%s", case_id);
        if (rdr_key_case(k_case, KEYSZ, case_id, NULL) < 0 ||
            rdr_key_case(k_outbox, KEYSZ, case_id, "outbox") < 0 ||
            rdr_key_seen(k_seen, KEYSZ, tag, m->topic, r->event_id) < 0)
                return RDR_ERR_INVALID;
        snprintf(key, sizeof(key), "%s/%s", r->store_id, r->order_id);

        memset(&cm, 0, sizeof(cm));
        cm.event_id = ev_id;
        cm.type = RDR_CASE_CLASSIFIED;
        cm.case_id = case_id;
        cm.platform = r->platform;
        cm.store_id = r->store_id;
        cm.review_id = r->review_id;
        cm.order_id = r->order_id;
        cm.buyer_id = r->buyer_id;
        cm.product_id = r->product_id;
        cm.rating = in.rating >= 1 && in.rating <= 5 ? in.rating : 0;
        cm.language = c.language;
        cm.sentiment = c.sentiment;
        cm.reason = c.reason;
        memcpy(cm.reasons, c.reasons, sizeof(c.reasons));
        cm.reasons_cnt = c.reasons_cnt;
        cm.malicious = c.malicious;
        cm.confidence = c.confidence;
        cm.state = state;
        cm.occurred_at_ms = rdr_worker_now_ms(rv->w);
        err = rdr_emit_case(&cm, rdr_worker_protobuf(rv->w), rv->topic_cases,
                            key, &rv->scratch, &entry, &entry_len);
        if (err)
                return err;

        snprintf(rating, sizeof(rating), "%d", cm.rating);
        snprintf(now, sizeof(now), "%lld", (long long)cm.occurred_at_ms);
#define FV(f, v)                                                               \
        do {                                                                   \
                fv[nfv++] = (f);                                               \
                fv[nfv++] = (v);                                               \
        } while (0)
        FV("platform", r->platform);
        FV("store_id", r->store_id);
        FV("review_id", r->review_id);
        FV("order_id", r->order_id);
        FV("buyer_id", r->buyer_id);
        FV("product_id", r->product_id);
        FV("rating", rating);
        FV("language", c.language);
        FV("sentiment", rdr_sentiment_names[c.sentiment]);
        FV("reason", rdr_reason_names[c.reason]);
        FV("malicious", rdr_malicious_names[c.malicious]);
        FV("state", state);
        FV("updated_at_ms", now);
#undef FV

        memset(&a, 0, sizeof(a));
        a.dedupe_key = k_seen;
        a.outbox_key = k_outbox;
        a.ttl_ms = rv->ttl_ms;
        a.hash_key = k_case;
        a.hash_fv = fv;
        a.hash_fv_cnt = nfv;
        a.entry_ids = (const char *const[]){ev_id};
        a.entries = (const char *const *)&entry;
        a.entry_lens = &entry_len;
        a.entries_cnt = 1;
        err = rdr_worker_apply(rv->w, &a);
        free(entry);
        if (err)
                return err;

        /* Known malicious reviewers are tagged fleet-wide (an idempotent
         * SADD in the same pipeline). */
        if (c.negative && (c.malicious == RDR_MAL_EXTORTION ||
                           c.malicious == RDR_MAL_PROFESSIONAL)) {
                char k_tags[KEYSZ];
                if (rdr_key_buyer(k_tags, KEYSZ, r->platform, r->buyer_id,
                                  "tags") > 0)
                        rdr_redis_cmdf(rdr_worker_redis(rv->w), "SADD %s %s",
                                       k_tags,
                                       rdr_malicious_names[c.malicious]);
        }
        snprintf(labels, sizeof(labels), "%s\x1f%s\x1f%s",
                 rdr_sentiment_names[c.sentiment], rdr_reason_names[c.reason],
                 rdr_malicious_names[c.malicious]);
        rdr_metric_add(rv->m_classified, labels, 1);
        if (!strcmp(state, "open") && !ctx->prev_state[0])
                rdr_metric_add(rv->m_cases_opened, r->platform, 1);
        return RDR_OK;
}

static rdr_err_t reviews_handle(void *opaque, rdr_msg_t *msgs, size_t cnt) {
        reviews_t *rv = opaque;
        rdr_redis_t *redis = rdr_worker_redis(rv->w);
        size_t i, q = 0;
        size_t *first = calloc(cnt ? cnt : 1, sizeof(*first));
        rdr_err_t err;
        if (!first)
                return RDR_ERR_NOMEM;

        /* Decode; queue the reads each valid review needs. */
        rdr_events_decode(&rv->evs, RDR_INPUT_REVIEWS, msgs, cnt);
        for (i = 0; i < cnt; i++) {
                const rdr_review_t *r;
                char k[KEYSZ], case_id[RDR_ID_LEN];
                if (msgs[i].err)
                        continue;
                r = &rv->evs.evs[i].u.review;
                first[i] = q;
                rdr_key_buyer(k, KEYSZ, r->platform, r->buyer_id, "tags");
                rdr_redis_cmdf(redis, "SMEMBERS %s", k);
                rdr_key_order(k, KEYSZ, r->platform, r->store_id, r->order_id,
                              "intents");
                rdr_redis_cmdf(redis, "SMEMBERS %s", k);
                rdr_case_id(case_id, r->platform, r->store_id, r->review_id);
                rdr_key_case(k, KEYSZ, case_id, NULL);
                rdr_redis_cmdf(redis, "HMGET %s rating state language", k);
                q += 3;
        }
        if ((err = rdr_redis_exec(redis)))
                goto done;

        /* Decide and queue each event's effects. The read replies stay
         * valid until the loop executes the apply pipeline. */
        for (i = 0; i < cnt; i++) {
                context_t ctx;
                if (msgs[i].err)
                        continue;
                read_context(rdr_redis_reply(redis, first[i]),
                             rdr_redis_reply(redis, first[i] + 1),
                             rdr_redis_reply(redis, first[i] + 2), &ctx);
                err = apply_one(rv, &msgs[i], &rv->evs.evs[i].u.review, &ctx);
                if (rdr_err_class(err) == RDR_ERRCLASS_PERMANENT) {
                        msgs[i].err = err;
                        snprintf(msgs[i].errstr, sizeof(msgs[i].errstr),
                                 "cannot build the case message: %s",
                                 rdr_err2str(err));
                } else if (err) {
                        goto done;
                }
        }
        err = RDR_OK;
done:
        free(first);
        return err;
}

static const char *const reviews_topics[] = {"topics.reviews", NULL};

const rdr_worker_def_t rdr_reviews_worker = {
    .name = "reviews",
    .topics = reviews_topics,
    .init = reviews_init,
    .handle = reviews_handle,
    .destroy = reviews_destroy,
};

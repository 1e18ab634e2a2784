/* Chats: every buyer message is classified (agree, refuse, extortion,
 * question, thanks) and its intent recorded on the order, where the reviews
 * worker reads the chat history of the order; an extortion demand tags the
 * buyer fleet-wide. Store messages are recorded as seen and nothing more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "chats.h"
#include "classify.h"
#include "keys.h"

#define KEYSZ 1024

typedef struct chats_s {
        rdr_worker_t *w;
        rdr_classifier_t *clf;
        rdr_events_t evs;
        int64_t ttl_ms;
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
        if (rdr_events_init(&ch->evs,
                            (size_t)rdr_conf_int(conf, "consumer.batch_max"))) {
                rdr_classifier_destroy(ch->clf);
                free(ch);
                snprintf(errstr, errstr_size, "out of memory");
                return RDR_ERR_NOMEM;
        }
        ch->ttl_ms = rdr_conf_int(conf, "dedupe.ttl");
        ch->m_intents = rdr_metrics_counter(rdr_worker_metrics(w),
                                            "chat_intents_total",
                                            "Buyer messages by intent",
                                            "intent");
        *opaque = ch;
        return RDR_OK;
}

static void chats_destroy(void *opaque) {
        chats_t *ch = opaque;
        if (!ch)
                return;
        rdr_events_free(&ch->evs);
        rdr_classifier_destroy(ch->clf);
        free(ch);
}

static rdr_err_t apply_one(chats_t *ch, const rdr_msg_t *m,
                           const rdr_chat_t *c) {
        char tag[KEYSZ], k_seen[KEYSZ], k_outbox[KEYSZ], k_hash[KEYSZ],
            k_set[KEYSZ], now[24];
        const char *fv[6], *members[1];
        rdr_chat_class_t cc;
        rdr_apply_t a;
        rdr_redis_t *redis = rdr_worker_redis(ch->w);
        int n;

        /* The order when the message names one, else the buyer. */
        n = c->order_id ? rdr_key_order(k_hash, KEYSZ, c->platform,
                                        c->store_id, c->order_id, NULL)
                        : rdr_key_buyer(k_hash, KEYSZ, c->platform,
                                        c->buyer_id, NULL);
        if (n < 0)
                return RDR_ERR_INVALID;
        /* The hash tag is what sits between the braces. */
        snprintf(tag, sizeof(tag), "%.*s",
                 (int)(strchr(k_hash, '}') - strchr(k_hash, '{') - 1),
                 strchr(k_hash, '{') + 1);
        if (snprintf(k_outbox, KEYSZ, "%s:outbox", k_hash) >= KEYSZ ||
            snprintf(k_set, KEYSZ, "%s:intents", k_hash) >= KEYSZ)
                return RDR_ERR_INVALID;
        if (rdr_key_seen(k_seen, KEYSZ, tag, m->topic, c->event_id) < 0)
                return RDR_ERR_INVALID;
        snprintf(now, sizeof(now), "%lld", (long long)c->sent_at_ms);

        memset(&a, 0, sizeof(a));
        a.dedupe_key = k_seen;
        a.outbox_key = k_outbox;
        a.ttl_ms = ch->ttl_ms;
        a.hash_key = k_hash;
        a.hash_fv = fv;
        if (c->direction == RDR_DIR_BUYER) {
                rdr_classify_chat(ch->clf, c->text, c->text_len, NULL, &cc);
                fv[0] = "last_buyer_message_at_ms";
                fv[1] = now;
                fv[2] = "last_buyer_intent";
                fv[3] = rdr_intent_names[cc.intent];
                fv[4] = "buyer_language";
                fv[5] = cc.language;
                a.hash_fv_cnt = 6;
                members[0] = rdr_intent_names[cc.intent];
                a.set_key = k_set;
                a.set_members = members;
                a.set_members_cnt = 1;
                rdr_metric_add(ch->m_intents, rdr_intent_names[cc.intent], 1);
                if (cc.intent == RDR_INTENT_EXTORTION) {
                        char k_tags[KEYSZ];
                        if (rdr_key_buyer(k_tags, KEYSZ, c->platform,
                                          c->buyer_id, "tags") > 0)
                                rdr_redis_cmdf(redis, "SADD %s extortion",
                                               k_tags);
                }
        } else {
                fv[0] = "last_store_message_at_ms";
                fv[1] = now;
                a.hash_fv_cnt = 2;
        }
        return rdr_worker_apply(ch->w, &a);
}

static rdr_err_t chats_handle(void *opaque, rdr_msg_t *msgs, size_t cnt) {
        chats_t *ch = opaque;
        size_t i;
        rdr_events_decode(&ch->evs, RDR_INPUT_CHATS, msgs, cnt);
        for (i = 0; i < cnt; i++) {
                rdr_err_t err;
                if (msgs[i].err)
                        continue;
                err = apply_one(ch, &msgs[i], &ch->evs.evs[i].u.chat);
                if (rdr_err_class(err) == RDR_ERRCLASS_PERMANENT) {
                        msgs[i].err = err;
                        snprintf(msgs[i].errstr, sizeof(msgs[i].errstr),
                                 "ids too long for a Redis key");
                } else if (err) {
                        return err;
                }
        }
        return RDR_OK;
}

static const char *const chats_topics[] = {"topics.chats", NULL};

const rdr_worker_def_t rdr_chats_worker = {
    .name = "chats",
    .topics = chats_topics,
    .init = chats_init,
    .handle = chats_handle,
    .destroy = chats_destroy,
};

/* redress-loadgen: publishes a realistic mix of input events (reviews,
 * chats, shipment scans) for the benchmarks in tests/bench/run. Texts
 * come from the labelled corpus (the JSONL files of tests/data/classify:
 * English, Spanish and Chinese reviews with buyer profiles, and chat
 * messages); a buyer with a country gets one of its time zones (26 in
 * all); ids are unique per run (--run-id prefix) so that a run never hits the
 * dedupe keys of another. Each event is built as an rdr_event_t and encoded
 * with the workers' own encoders (JSON or protobuf), keyed as CONTRACT.md says
 * (<store_id>/<order_id>, chats <store_id>/<buyer_id>), with a
 * content-type header. It publishes at full speed or at --rate events/s,
 * waits for every delivery report and prints one JSON line with what it
 * published, how fast, and the most bytes and messages it put in one
 * partition (the dev broker keeps only a few MB per partition). With
 * --timestamps FILE it writes each review's Kafka timestamp and key to
 * FILE, a line each ("<ms>\t<key>"): the bench matches them with the
 * outputs keyed alike to time each review end to end. The timestamp is
 * the one it gives the message (CreateTime, the wall clock at produce):
 * a delivery report's is the broker's LogAppendTime where the broker
 * sends one, and the dev broker sends 1234.
 *
 *   redress-loadgen --count N [--rate R] [--mix reviews=60,chats=25,...]
 *                   [--format json|protobuf|mixed] [--run-id ID]
 *                   [--topic-prefix P] [--partitions-aware]
 *                   [--bootstrap HOST:PORT] [--data DIR] [--seed S]
 *                   [--multi-item PCT] [--chat-follow PCT]
 *                   [--seller-feedback PCT] [--ship-reviewed PCT]
 *                   [--reviewed-exceptions PCT] [--timestamps FILE] */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "buf.h"
#include "conf.h"
#include "event.h"
#include "policy.h"

#define CT_JSON "application/json"
#define CT_PROTOBUF "application/x-protobuf"
#define MAX_PARTS 1024
#define NKINDS 3 /* reviews, chats, shipments */
#define NSTORES 64
#define NBUYERS 20000
#define NRECENT 256
#define NSHIP_OPEN 4096 /* shipments in flight (created, not delivered) */

/* A review text of the corpus with what goes with it. */
typedef struct rdr_lg_review_s {
        char *text, *language;
        int rating;
        int has_buyer;
        rdr_profile_t buyer;
} rdr_lg_review_t;

typedef struct rdr_lg_ship_s {
        long order; /* order number; 0: free slot */
        int scans;
        /* Its buyer, store, platform and tracking number; reviewed: it
         * ships a reviewed order (--ship-reviewed). */
        long buyer, store, tracking;
        const char *platform;
        int reviewed;
} rdr_lg_ship_t;

typedef struct rdr_lg_s {
        rd_kafka_t *rk;
        const char *run_id;
        char topics[NKINDS][256];
        int nparts[NKINDS];
        int partitions_aware;
        int format; /* 0 json, 1 protobuf, 2 mixed */
        int mix[NKINDS];
        long count, rate;
        uint64_t rng;

        rdr_lg_review_t *reviews;
        size_t nreviews;
        char **chats;
        size_t nchats;
        rdr_lg_ship_t ships[NSHIP_OPEN];
        long next_order;
        /* --multi-item: the share (%) of reviews that rate another item of
         * the previous review's order, and that review's order, buyer,
         * store, platform and zone (items >= 1 once one was built). */
        long multi_item;
        struct {
                long order, buyer, store, items;
                const char *platform, *zone;
                const rdr_lg_review_t *profile; /* its buyer's profile */
        } last;
        /* --chat-follow: the share (%) of chats sent by the buyer of a
         * recent review, and the last NRECENT reviews' orders. */
        long chat_follow;
        /* --seller-feedback: the share (%) of the orders opened on Amazon
         * or eBay whose first review rates the seller, not the product
         * (the order's other reviews rate its other items), and how many
         * such reviews were built. */
        long seller_feedback, nseller_feedback;
        /* --ship-reviewed: the share (%) of new parcels that ship the
         * order of one of the last NRECENT reviews (its buyer, store and
         * platform, to the buyer's country), and how many did. */
        long ship_reviewed, nship_reviewed;
        /* --reviewed-exceptions: the share (%) of those parcels whose
         * next event, the next shipment event published, is an exception
         * (the parcel's end), and how many were; the parcel waiting for
         * it, or NULL. */
        long reviewed_exceptions, nreviewed_exceptions;
        rdr_lg_ship_t *exception_next;
        struct {
                long order, buyer, store;
                const char *platform;
                const char *country; /* the buyer's; "" if none */
        } recent[NRECENT];
        long nrecent; /* reviews built so far */

        long produced, delivered, failed;
        /* --timestamps: each review's timestamp and key as produced; NULL
         * without it. */
        FILE *ts_fp;
        long kind_delivered[NKINDS];
        unsigned long long bytes;
        unsigned long long part_bytes[NKINDS][MAX_PARTS];
        long part_msgs[NKINDS][MAX_PARTS];

        rdr_event_t ev;
        rdr_buf_t val, key;
        char s[8][160]; /* id strings of the event being built */
} rdr_lg_t;

static const char *const kind_names[NKINDS] = {"reviews", "chats", "shipments"};
static const char *const platforms[] = {
    "taobao", "tmall", "aliexpress", "amazon", "shopify", "ebay", "tiktok"};
/* A buyer's time zone, by the corpus buyer's country: one of the country's
 * zones, picked per event, so that a run spreads over 26 zones as a
 * marketplace's buyers do (the cadence works in the buyer's zone). */
static const struct {
        const char *country;
        const char *zones[5];
} country_zones[] = {
    {"CN", {"Asia/Shanghai", "Asia/Urumqi"}},
    {"US",
     {"America/New_York", "America/Chicago", "America/Denver",
      "America/Los_Angeles", "Pacific/Honolulu"}},
    {"CA",
     {"America/Toronto", "America/Vancouver", "America/Winnipeg",
      "America/Halifax", "America/St_Johns"}},
    {"AU",
     {"Australia/Sydney", "Australia/Perth", "Australia/Brisbane",
      "Australia/Adelaide"}},
    {"GB", {"Europe/London"}},
    {"MX", {"America/Mexico_City", "America/Tijuana", "America/Cancun"}},
    {"CL", {"America/Santiago", "Pacific/Easter"}},
    {"AR", {"America/Argentina/Buenos_Aires"}},
    {"ES", {"Europe/Madrid", "Atlantic/Canary"}},
    {"CO", {"America/Bogota"}},
};

static const char *const carriers[] = {"UPS",     "DHL",     "SF Express",
                                       "Cainiao", "Correos", "USPS"};
static const char *const countries[] = {"US", "ES", "CN", "GB", "MX", "DE"};

static uint64_t lg_rand(rdr_lg_t *lg) {
        /* xorshift64* */
        lg->rng ^= lg->rng >> 12;
        lg->rng ^= lg->rng << 25;
        lg->rng ^= lg->rng >> 27;
        return lg->rng * 2685821657736338717ULL;
}

static long lg_pick(rdr_lg_t *lg, long n) {
        return (long)(lg_rand(lg) % (uint64_t)n);
}

static int64_t wall_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_long(const char *s, long lo, long hi, long *out) {
        char *end;
        long v;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < lo || v > hi)
                return -1;
        *out = v;
        return 0;
}

static const char *json_str(const json_t *obj, const char *name) {
        const json_t *v = json_object_get(obj, name);
        return json_is_string(v) ? json_string_value(v) : NULL;
}

static void profile_int(const json_t *b, const char *name, int *has,
                        long long *v) {
        const json_t *j = json_object_get(b, name);
        if (json_is_integer(j)) {
                *has = 1;
                *v = json_integer_value(j);
        }
}

/* Load one corpus file; reviews if is_review, else chat texts. Returns 0 or
 * -1 (the reason on stderr). */
static int load_corpus(rdr_lg_t *lg, const char *path, int is_review) {
        FILE *fp = fopen(path, "r");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        json_t *root = NULL;

        if (!fp) {
                fprintf(stderr, "redress-loadgen: %s: %s\n", path,
                        strerror(errno));
                return -1;
        }
        while ((n = getline(&line, &cap, fp)) > 0) {
                const char *text, *lang;
                void *grown;

                root = json_loadb(line, (size_t)n, 0, NULL);
                text = root ? json_str(root, "text") : NULL;
                lang = root ? json_str(root, "language") : NULL;
                if (!text || !lang)
                        goto next;
                if (is_review) {
                        rdr_lg_review_t *r;
                        const json_t *b = json_object_get(root, "buyer");
                        const json_t *rt = json_object_get(root, "rating");
                        const char *c;

                        grown = realloc(lg->reviews, (lg->nreviews + 1) *
                                                         sizeof(*lg->reviews));
                        if (!grown)
                                goto oom;
                        lg->reviews = grown;
                        r = &lg->reviews[lg->nreviews];
                        memset(r, 0, sizeof(*r));
                        r->text = strdup(text);
                        r->language = strdup(lang);
                        if (!r->text || !r->language)
                                goto oom;
                        lg->nreviews++;
                        r->rating = json_is_integer(rt)
                                        ? (int)json_integer_value(rt)
                                        : 3;
                        if (r->rating < 1 || r->rating > 5)
                                r->rating = 3;
                        if (json_is_object(b)) {
                                r->has_buyer = 1;
                                profile_int(b, "account_level",
                                            &r->buyer.has_account_level,
                                            &r->buyer.account_level);
                                profile_int(b, "account_age_days",
                                            &r->buyer.has_account_age_days,
                                            &r->buyer.account_age_days);
                                profile_int(b, "reviews_total",
                                            &r->buyer.has_reviews_total,
                                            &r->buyer.reviews_total);
                                profile_int(
                                    b, "negative_reviews_total",
                                    &r->buyer.has_negative_reviews_total,
                                    &r->buyer.negative_reviews_total);
                                c = json_str(b, "country");
                                if (c && strlen(c) == 2)
                                        memcpy(r->buyer.country, c, 3);
                        }
                } else {
                        grown = realloc(lg->chats,
                                        (lg->nchats + 1) * sizeof(char *));
                        if (!grown)
                                goto oom;
                        lg->chats = grown;
                        lg->chats[lg->nchats] = strdup(text);
                        if (!lg->chats[lg->nchats])
                                goto oom;
                        lg->nchats++;
                }
        next:
                json_decref(root);
                root = NULL;
        }
        free(line);
        fclose(fp);
        return 0;
oom:
        json_decref(root);
        free(line);
        fclose(fp);
        fprintf(stderr, "redress-loadgen: out of memory\n");
        return -1;
}

/* Runs on the main thread (rd_kafka_poll/flush). */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                        void *opaque) {
        rdr_lg_t *lg = opaque;
        int kind = (int)(intptr_t)rkm->_private;

        (void)rk;
        if (rkm->err) {
                if (!lg->failed)
                        fprintf(stderr,
                                "redress-loadgen: delivery failed: %s\n",
                                rd_kafka_err2str(rkm->err));
                lg->failed++;
                return;
        }
        lg->delivered++;
        lg->bytes += rkm->len;
        if (kind >= 0 && kind < NKINDS)
                lg->kind_delivered[kind]++;
        if (kind >= 0 && kind < NKINDS && rkm->partition >= 0 &&
            rkm->partition < MAX_PARTS) {
                lg->part_bytes[kind][rkm->partition] += rkm->len;
                lg->part_msgs[kind][rkm->partition]++;
        }
}

static void fmt_id(rdr_lg_t *lg, int slot, const char *what, long n) {
        snprintf(lg->s[slot], sizeof(lg->s[slot]), "%s-%s%ld", lg->run_id, what,
                 n);
}

/* A zone of the buyer's country (see country_zones), NULL if none is
 * listed: the worker then uses the store's zone. */
static const char *buyer_zone(rdr_lg_t *lg, const char *country) {
        size_t i, n;
        for (i = 0; i < sizeof(country_zones) / sizeof(country_zones[0]); i++) {
                if (strcmp(country_zones[i].country, country))
                        continue;
                for (n = 0; n < 5 && country_zones[i].zones[n]; n++)
                        ;
                return country_zones[i].zones[lg_pick(lg, (long)n)];
        }
        return NULL;
}

/* Build event number i of kind into lg->ev; *route is the number whose
 * remainder picks the partition in --partitions-aware mode. */
static void build_review(rdr_lg_t *lg, long i, long *route) {
        rdr_review_t *r = &lg->ev.u.review;
        const rdr_lg_review_t *src =
            &lg->reviews[lg_pick(lg, (long)lg->nreviews)];
        /* Another item of the last order (picked only with --multi-item,
         * so that runs without it draw the same events as before). */
        int again = lg->multi_item && lg->last.items &&
                    lg_pick(lg, 100) < lg->multi_item;
        long order = again ? lg->last.order : lg->next_order++;

        memset(r, 0, sizeof(*r));
        lg->ev.kind = RDR_INPUT_REVIEWS;
        r->type = RDR_REVIEW_CREATED;
        fmt_id(lg, 0, "ev", i);
        fmt_id(lg, 2, "o", order);
        if (again) {
                snprintf(lg->s[1], sizeof(lg->s[1]), "%s-rv%ld-%ld", lg->run_id,
                         order, ++lg->last.items);
        } else {
                fmt_id(lg, 1, "rv", order);
                lg->last.order = order;
                lg->last.items = 1;
                lg->last.buyer = lg_pick(lg, NBUYERS);
                lg->last.store = lg_pick(lg, NSTORES);
        }
        fmt_id(lg, 3, "b", lg->last.buyer);
        snprintf(lg->s[4], sizeof(lg->s[4]), "bench-store-%ld", lg->last.store);
        snprintf(lg->s[5], sizeof(lg->s[5]), "sku-%ld", lg_pick(lg, 500));
        r->event_id = lg->s[0];
        r->review_id = lg->s[1];
        r->order_id = lg->s[2];
        r->buyer_id = lg->s[3];
        r->store_id = lg->s[4];
        r->product_id = lg->s[5];
        if (!again)
                lg->last.platform = platforms[lg_pick(
                    lg, (long)(sizeof(platforms) / sizeof(platforms[0])))];
        r->platform = lg->last.platform;
        /* Drawn only with --seller-feedback, as --multi-item above. */
        if (!again && lg->seller_feedback &&
            (!strcmp(r->platform, "amazon") || !strcmp(r->platform, "ebay")) &&
            lg_pick(lg, 100) < lg->seller_feedback) {
                r->review_kind = RDR_REVIEW_KIND_SELLER_FEEDBACK;
                lg->nseller_feedback++;
        }
        r->rating = src->rating;
        r->text = src->text;
        r->text_len = strlen(src->text);
        /* One in four leaves the language to the worker's detector. */
        r->language = lg_pick(lg, 4) ? src->language : NULL;
        r->created_at_ms = wall_ms();
        if (!again) {
                lg->last.profile = src;
                lg->last.zone = buyer_zone(lg, src->buyer.country);
        }
        r->has_buyer = lg->last.profile->has_buyer;
        r->buyer = lg->last.profile->buyer;
        r->buyer.timezone = lg->last.zone;
        if (lg->chat_follow || lg->ship_reviewed) {
                long k = lg->nrecent++ % NRECENT;
                lg->recent[k].order = order;
                lg->recent[k].buyer = lg->last.buyer;
                lg->recent[k].store = lg->last.store;
                lg->recent[k].platform = lg->last.platform;
                lg->recent[k].country = lg->last.profile->buyer.country;
        }
        *route = order;
}

static void build_chat(rdr_lg_t *lg, long i, long *route) {
        rdr_chat_t *c = &lg->ev.u.chat;
        long buyer = lg_pick(lg, NBUYERS), store = buyer % NSTORES, order;
        const char *text = lg->chats[lg_pick(lg, (long)lg->nchats)];
        const char *platform =
            platforms[buyer % (long)(sizeof(platforms) / sizeof(platforms[0]))];
        int named = 1;

        /* The buyer of a recent review, about its order (or, one in four,
         * naming none), picked only with --chat-follow; else a buyer and
         * an order at random, which seldom meet a case. */
        if (lg->chat_follow && lg->nrecent &&
            lg_pick(lg, 100) < lg->chat_follow) {
                long n = lg->nrecent < NRECENT ? lg->nrecent : NRECENT;
                long k = lg_pick(lg, n);
                buyer = lg->recent[k].buyer;
                store = lg->recent[k].store;
                platform = lg->recent[k].platform;
                order = lg->recent[k].order;
                named = lg_pick(lg, 4) != 0;
        } else {
                order = lg_pick(lg, lg->next_order + 1);
        }
        memset(c, 0, sizeof(*c));
        lg->ev.kind = RDR_INPUT_CHATS;
        fmt_id(lg, 0, "ev", i);
        fmt_id(lg, 1, "b", buyer);
        snprintf(lg->s[2], sizeof(lg->s[2]), "bench-store-%ld", store);
        fmt_id(lg, 3, "o", order);
        c->event_id = lg->s[0];
        c->buyer_id = lg->s[1];
        c->store_id = lg->s[2];
        c->order_id = named ? lg->s[3] : NULL;
        c->platform = platform;
        c->direction = lg_pick(lg, 5) ? RDR_DIR_BUYER : RDR_DIR_STORE;
        c->channel = lg_pick(lg, 10) ? RDR_CHAN_IM : RDR_CHAN_EMAIL;
        c->text = text;
        c->text_len = strlen(text);
        c->sent_at_ms = wall_ms();
        *route = buyer;
}

/* A new parcel in slot: of a recent review's order (one in
 * --ship-reviewed; drawn only with it, so that runs without it draw the
 * same events as before), else of a new order. A reviewed order may be
 * picked again: a second parcel, as a split shipment has. */
static void new_parcel(rdr_lg_t *lg, rdr_lg_ship_t *slot, long i,
                       rdr_shipment_t *s) {
        long k;
        memcpy(s->origin_country, countries[lg_pick(lg, 6)], 3);
        if (lg->ship_reviewed && lg->nrecent &&
            lg_pick(lg, 100) < lg->ship_reviewed) {
                k = lg_pick(lg, lg->nrecent < NRECENT ? lg->nrecent : NRECENT);
                slot->order = lg->recent[k].order;
                slot->buyer = lg->recent[k].buyer;
                slot->store = lg->recent[k].store;
                slot->platform = lg->recent[k].platform;
                slot->tracking = i; /* a parcel's own: trk<order>-<i> */
                slot->reviewed = 1;
                memcpy(s->destination_country,
                       lg->recent[k].country[0] ? lg->recent[k].country
                                                : countries[lg_pick(lg, 6)],
                       3);
                lg->nship_reviewed++;
                if (lg->reviewed_exceptions &&
                    lg_pick(lg, 100) < lg->reviewed_exceptions)
                        lg->exception_next = slot;
                return;
        }
        slot->order = slot->tracking = lg->next_order++;
        slot->buyer = slot->order % NBUYERS;
        slot->store = slot->order % NSTORES;
        slot->platform = platforms[slot->order % (long)(sizeof(platforms) /
                                                        sizeof(platforms[0]))];
        slot->reviewed = 0;
        memcpy(s->destination_country, countries[lg_pick(lg, 6)], 3);
}

/* Shipments follow their parcel: created, a few scans, then delivered (or
 * one exception in ten). A reviewed order's parcel in --reviewed-exceptions
 * gets its exception next, soon after its order's review: the two meet in
 * the workers. */
static void build_shipment(rdr_lg_t *lg, long i, long *route) {
        rdr_shipment_t *s = &lg->ev.u.shipment;
        rdr_lg_ship_t *slot = lg->exception_next;
        int64_t now = wall_ms();

        memset(s, 0, sizeof(*s));
        lg->ev.kind = RDR_INPUT_SHIPMENTS;
        if (slot) {
                lg->exception_next = NULL;
                lg->nreviewed_exceptions++;
                s->type = RDR_SHIP_EXCEPTION;
                s->exception = (rdr_exception_t)(1 + lg_pick(lg, 6));
                s->location = "Local depot";
        } else if (!(slot = &lg->ships[lg_pick(lg, NSHIP_OPEN)])->order) {
                new_parcel(lg, slot, i, s);
                slot->scans = 0;
                s->type = RDR_SHIP_CREATED;
                s->service_level = lg_pick(lg, 3) ? "standard" : "express";
                s->promised_by_ms = now + 86400000LL * (3 + lg_pick(lg, 10));
        } else if (slot->scans < 3) {
                slot->scans++;
                s->type = RDR_SHIP_SCAN;
                s->location = "Sorting center";
        } else if (!lg_pick(lg, 10) && !slot->reviewed) {
                s->type = RDR_SHIP_EXCEPTION;
                s->exception = (rdr_exception_t)(1 + lg_pick(lg, 6));
                s->location = "Local depot";
        } else {
                s->type = RDR_SHIP_DELIVERED;
        }
        fmt_id(lg, 0, "ev", i);
        fmt_id(lg, 1, "o", slot->order);
        fmt_id(lg, 2, "b", slot->buyer);
        snprintf(lg->s[3], sizeof(lg->s[3]), "bench-store-%ld", slot->store);
        if (slot->reviewed)
                snprintf(lg->s[4], sizeof(lg->s[4]), "%s-trk%ld-%ld",
                         lg->run_id, slot->order, slot->tracking);
        else
                fmt_id(lg, 4, "trk", slot->tracking);
        s->event_id = lg->s[0];
        s->order_id = lg->s[1];
        s->buyer_id = lg->s[2];
        s->store_id = lg->s[3];
        s->tracking_number = lg->s[4];
        s->platform = slot->platform;
        s->carrier = carriers[slot->order % 6];
        s->occurred_at_ms = now;
        *route = slot->order;
        if (s->type == RDR_SHIP_DELIVERED || s->type == RDR_SHIP_EXCEPTION)
                slot->order = 0;
}

static int pick_kind(rdr_lg_t *lg) {
        long total = lg->mix[0] + lg->mix[1] + lg->mix[2], r;
        int k;

        r = lg_pick(lg, total);
        for (k = 0; k < NKINDS - 1; k++) {
                if (r < lg->mix[k])
                        return k;
                r -= lg->mix[k];
        }
        return NKINDS - 1;
}

static int produce_one(rdr_lg_t *lg, long i) {
        int kind = pick_kind(lg), pb;
        long route = 0;
        int32_t part = RD_KAFKA_PARTITION_UA;
        int64_t ts;
        const char *ct, *store, *second;
        rd_kafka_resp_err_t kerr;
        rdr_err_t err;

        if (kind == 0)
                build_review(lg, i, &route);
        else if (kind == 1)
                build_chat(lg, i, &route);
        else
                build_shipment(lg, i, &route);
        pb = lg->format == 1 || (lg->format == 2 && (i & 1));
        rdr_buf_reset(&lg->val);
        err = pb ? rdr_event_encode_protobuf(&lg->ev, &lg->val)
                 : rdr_event_encode_json(&lg->ev, &lg->val);
        if (err) {
                fprintf(stderr, "redress-loadgen: cannot encode: %s\n",
                        rdr_err2str(err));
                return -1;
        }
        if (kind == 0) {
                store = lg->ev.u.review.store_id;
                second = lg->ev.u.review.order_id;
        } else if (kind == 1) {
                store = lg->ev.u.chat.store_id;
                second = lg->ev.u.chat.buyer_id;
        } else {
                store = lg->ev.u.shipment.store_id;
                second = lg->ev.u.shipment.order_id;
        }
        rdr_buf_reset(&lg->key);
        if (rdr_buf_appendf(&lg->key, "%s/%s", store, second))
                return -1;
        if (lg->partitions_aware && lg->nparts[kind] > 0)
                part = (int32_t)(route % lg->nparts[kind]);
        ct = pb ? CT_PROTOBUF : CT_JSON;
        for (;;) {
                /* The message's timestamp, as librdkafka would set it:
                 * given here so that --timestamps writes the same. */
                ts = wall_ms();
                kerr = rd_kafka_producev(
                    lg->rk, RD_KAFKA_V_TOPIC(lg->topics[kind]),
                    RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_TIMESTAMP(ts),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_KEY(lg->key.data, lg->key.len),
                    RD_KAFKA_V_VALUE(lg->val.data, lg->val.len),
                    RD_KAFKA_V_HEADER("content-type", ct, -1),
                    RD_KAFKA_V_OPAQUE((void *)(intptr_t)kind), RD_KAFKA_V_END);
                if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(lg->rk, 10);
        }
        if (kerr) {
                fprintf(stderr, "redress-loadgen: cannot produce: %s\n",
                        rd_kafka_err2str(kerr));
                return -1;
        }
        if (lg->ts_fp && kind == 0)
                fprintf(lg->ts_fp, "%lld\t%.*s\n", (long long)ts,
                        (int)lg->key.len, lg->key.data);
        lg->produced++;
        return 0;
}

/* Partition counts of the topics in use (for --partitions-aware). */
static int fetch_partitions(rdr_lg_t *lg) {
        int k;

        for (k = 0; k < NKINDS; k++) {
                rd_kafka_topic_t *rkt;
                const struct rd_kafka_metadata *md = NULL;
                rd_kafka_resp_err_t kerr;

                if (!lg->mix[k])
                        continue;
                rkt = rd_kafka_topic_new(lg->rk, lg->topics[k], NULL);
                if (!rkt)
                        return -1;
                kerr = rd_kafka_metadata(lg->rk, 0, rkt, &md, 10000);
                if (!kerr && md->topic_cnt == 1 && !md->topics[0].err)
                        lg->nparts[k] = md->topics[0].partition_cnt;
                if (md)
                        rd_kafka_metadata_destroy(md);
                rd_kafka_topic_destroy(rkt);
                if (lg->nparts[k] <= 0) {
                        fprintf(
                            stderr, "redress-loadgen: no metadata for %s: %s\n",
                            lg->topics[k],
                            kerr ? rd_kafka_err2str(kerr) : "unknown topic");
                        return -1;
                }
        }
        return 0;
}

static int parse_mix(rdr_lg_t *lg, const char *arg) {
        char buf[256], *p, *save = NULL, *tok;
        int k;

        snprintf(buf, sizeof(buf), "%s", arg);
        memset(lg->mix, 0, sizeof(lg->mix));
        for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
                char *eq = strchr(tok, '=');
                long w = 1;
                if (eq) {
                        *eq = '\0';
                        if (parse_long(eq + 1, 0, 1000000, &w))
                                return -1;
                }
                for (k = 0; k < NKINDS; k++)
                        if (!strcmp(tok, kind_names[k]))
                                break;
                if (k == NKINDS)
                        return -1;
                lg->mix[k] = (int)w;
        }
        return lg->mix[0] + lg->mix[1] + lg->mix[2] > 0 ? 0 : -1;
}

static rd_kafka_t *producer_new(rdr_lg_t *lg, const char *bootstrap) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];
        rd_kafka_t *rk;
        static const char *const props[][2] = {
            {"enable.idempotence", "true"},
            {"linger.ms", "5"},
            {"queue.buffering.max.messages", "500000"},
            {"batch.num.messages", "10000"},
            {"client.id", "redress-loadgen"}};
        size_t j;

        if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK)
                goto err;
        for (j = 0; j < sizeof(props) / sizeof(props[0]); j++)
                if (rd_kafka_conf_set(conf, props[j][0], props[j][1], errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK)
                        goto err;
        if (rdr_conf_kafka_env_apply(conf, errstr, sizeof(errstr)))
                goto err;
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_opaque(conf, lg);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk)
                goto err;
        return rk; /* rd_kafka_new owns conf now */
err:
        fprintf(stderr, "redress-loadgen: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
}

static void usage(FILE *fp) {
        fprintf(fp, "Usage: redress-loadgen --count N [options]\n"
                    "  --bootstrap HOST:PORT  brokers (default "
                    "$REDRESS_KAFKA_BOOTSTRAP)\n"
                    "  --count N              events to publish\n"
                    "  --rate R               events/s (default: full speed)\n"
                    "  --mix SPEC             e.g. reviews=60,chats=25,"
                    "shipments=15 (default) or reviews\n"
                    "  --format F             json, protobuf or mixed (half "
                    "each; default mixed)\n"
                    "  --run-id ID            prefix of every id (default: "
                    "lg<time>)\n"
                    "  --topic-prefix P       topics P.reviews, P.chats, "
                    "P.shipments (default redress)\n"
                    "  --partitions-aware     spread orders (buyers for chats) "
                    "evenly over the\n"
                    "                         partitions, an order's events "
                    "staying in one\n"
                    "  --data DIR             corpus directory (default "
                    "tests/data/classify)\n"
                    "  --seed S               random seed (default 1)\n"
                    "  --multi-item PCT       PCT%% of reviews rate another "
                    "item of the previous\n"
                    "                         review's order (same buyer, "
                    "store, platform;\n"
                    "                         default 0: one review per "
                    "order)\n"
                    "  --chat-follow PCT      PCT%% of chats come from the "
                    "buyer of one of the\n"
                    "                         last 256 reviews, about its "
                    "order (one in four\n"
                    "                         naming none; default 0: buyer "
                    "and order at random)\n"
                    "  --seller-feedback PCT  PCT%% of the orders on Amazon "
                    "and eBay open with a\n"
                    "                         seller feedback (review_kind "
                    "seller_feedback;\n"
                    "                         default 0: product reviews "
                    "only)\n"
                    "  --ship-reviewed PCT    PCT%% of new parcels ship the "
                    "order of one of the\n"
                    "                         last 256 reviews, to its "
                    "buyer's country (default\n"
                    "                         0: parcels of orders of their "
                    "own)\n"
                    "  --reviewed-exceptions PCT\n"
                    "                         PCT%% of those parcels end in "
                    "an exception, the\n"
                    "                         next shipment event after "
                    "their creation\n"
                    "                         (default 0)\n"
                    "  --timestamps FILE      write each review's Kafka "
                    "timestamp (ms)\n"
                    "                         and key to FILE, "
                    "\"<ms>\\t<key>\" a line\n");
}

int main(int argc, char **argv) {
        static rdr_lg_t lgs;
        rdr_lg_t *lg = &lgs;
        const char *bootstrap = getenv("REDRESS_KAFKA_BOOTSTRAP");
        const char *prefix = "redress",
                   *data = RDR_SOURCE_DIR "/tests/data/classify",
                   *ts_path = NULL;
        char run_id[64], path[1024];
        double t0, t1;
        long i, seed = 1;
        int k, p, rc = 1;
        unsigned long long max_bytes = 0;
        long max_msgs = 0;

        snprintf(run_id, sizeof(run_id), "lg%lld", (long long)wall_ms());
        lg->run_id = run_id;
        lg->format = 2;
        lg->mix[0] = 60;
        lg->mix[1] = 25;
        lg->mix[2] = 15;
        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--partitions-aware")) {
                        lg->partitions_aware = 1;
                        continue;
                }
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        usage(stdout);
                        return 0;
                }
                if (!v)
                        goto usage_err;
                i++;
                if (!strcmp(a, "--bootstrap")) {
                        bootstrap = v;
                } else if (!strcmp(a, "--count")) {
                        if (parse_long(v, 1, 1000000000L, &lg->count))
                                goto usage_err;
                } else if (!strcmp(a, "--rate")) {
                        if (parse_long(v, 0, 100000000L, &lg->rate))
                                goto usage_err;
                } else if (!strcmp(a, "--mix")) {
                        if (parse_mix(lg, v))
                                goto usage_err;
                } else if (!strcmp(a, "--format")) {
                        if (!strcmp(v, "json"))
                                lg->format = 0;
                        else if (!strcmp(v, "protobuf"))
                                lg->format = 1;
                        else if (!strcmp(v, "mixed"))
                                lg->format = 2;
                        else
                                goto usage_err;
                } else if (!strcmp(a, "--run-id")) {
                        lg->run_id = v;
                } else if (!strcmp(a, "--topic-prefix")) {
                        prefix = v;
                } else if (!strcmp(a, "--data")) {
                        data = v;
                } else if (!strcmp(a, "--multi-item")) {
                        if (parse_long(v, 0, 100, &lg->multi_item))
                                goto usage_err;
                } else if (!strcmp(a, "--chat-follow")) {
                        if (parse_long(v, 0, 100, &lg->chat_follow))
                                goto usage_err;
                } else if (!strcmp(a, "--seller-feedback")) {
                        if (parse_long(v, 0, 100, &lg->seller_feedback))
                                goto usage_err;
                } else if (!strcmp(a, "--ship-reviewed")) {
                        if (parse_long(v, 0, 100, &lg->ship_reviewed))
                                goto usage_err;
                } else if (!strcmp(a, "--reviewed-exceptions")) {
                        if (parse_long(v, 0, 100, &lg->reviewed_exceptions))
                                goto usage_err;
                } else if (!strcmp(a, "--timestamps")) {
                        ts_path = v;
                } else if (!strcmp(a, "--seed")) {
                        if (parse_long(v, 0, 1L << 30, &seed))
                                goto usage_err;
                } else {
                        goto usage_err;
                }
        }
        if (!lg->count || !bootstrap || !*bootstrap)
                goto usage_err;
        lg->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)seed;
        for (k = 0; k < NKINDS; k++)
                snprintf(lg->topics[k], sizeof(lg->topics[k]), "%s.%s", prefix,
                         kind_names[k]);
        snprintf(path, sizeof(path), "%s/reviews.train.jsonl", data);
        if (load_corpus(lg, path, 1))
                goto done;
        snprintf(path, sizeof(path), "%s/reviews.test.jsonl", data);
        if (load_corpus(lg, path, 1))
                goto done;
        snprintf(path, sizeof(path), "%s/chats.train.jsonl", data);
        if (load_corpus(lg, path, 0))
                goto done;
        if (!lg->nreviews || !lg->nchats) {
                fprintf(stderr, "redress-loadgen: empty corpus in %s\n", data);
                goto done;
        }
        if (ts_path && !(lg->ts_fp = fopen(ts_path, "w"))) {
                fprintf(stderr, "redress-loadgen: %s: %s\n", ts_path,
                        strerror(errno));
                goto done;
        }
        lg->next_order = 1;
        rdr_event_init(&lg->ev);
        rdr_buf_init(&lg->val);
        rdr_buf_init(&lg->key);
        lg->rk = producer_new(lg, bootstrap);
        if (!lg->rk)
                goto done;
        if (lg->partitions_aware && fetch_partitions(lg))
                goto done;

        t0 = mono_s();
        for (i = 0; i < lg->count; i++) {
                if (lg->rate > 0) {
                        double due = t0 + (double)i / (double)lg->rate;
                        double now = mono_s();
                        /* Sleep (not spin) until the next one is due; at
                         * high rates several become due per wake-up. */
                        while (now < due) {
                                if (due - now >= 0.002) {
                                        rd_kafka_poll(
                                            lg->rk,
                                            (int)((due - now) * 1000.0));
                                } else {
                                        struct timespec ts = {
                                            0, (long)((due - now) * 1e9)};
                                        nanosleep(&ts, NULL);
                                }
                                now = mono_s();
                        }
                }
                if (produce_one(lg, i))
                        goto done;
                if ((i & 255) == 0)
                        rd_kafka_poll(lg->rk, 0);
        }
        rd_kafka_flush(lg->rk, 120 * 1000);
        t1 = mono_s();
        for (k = 0; k < NKINDS; k++)
                for (p = 0; p < MAX_PARTS; p++) {
                        if (lg->part_bytes[k][p] > max_bytes)
                                max_bytes = lg->part_bytes[k][p];
                        if (lg->part_msgs[k][p] > max_msgs)
                                max_msgs = lg->part_msgs[k][p];
                }
        printf("{\"published\":%ld,\"failed\":%ld,\"undelivered\":%d,"
               "\"seconds\":%.3f,\"rate\":%.1f,\"bytes\":%llu,"
               "\"max_partition_bytes\":%llu,\"max_partition_messages\":%ld,"
               "\"reviews\":%ld,\"chats\":%ld,\"shipments\":%ld,"
               "\"seller_feedback\":%ld,\"ship_reviewed\":%ld,"
               "\"reviewed_exceptions\":%ld}\n",
               lg->delivered, lg->failed, rd_kafka_outq_len(lg->rk), t1 - t0,
               (double)lg->delivered / (t1 - t0 > 0 ? t1 - t0 : 1), lg->bytes,
               max_bytes, max_msgs, lg->kind_delivered[0],
               lg->kind_delivered[1], lg->kind_delivered[2],
               lg->nseller_feedback, lg->nship_reviewed,
               lg->nreviewed_exceptions);
        rc = lg->failed || lg->delivered != lg->count ? 1 : 0;
done:
        if (lg->rk)
                rd_kafka_destroy(lg->rk);
        if (lg->ts_fp && fclose(lg->ts_fp)) {
                fprintf(stderr, "redress-loadgen: %s: %s\n", ts_path,
                        strerror(errno));
                rc = 1;
        }
        rdr_event_free(&lg->ev);
        rdr_buf_free(&lg->val);
        rdr_buf_free(&lg->key);
        return rc;
usage_err:
        usage(stderr);
        return 2;
}

/* One case, whole: see lookup.h. Three round trips at most: the order's
 * record (with --order), the case, then the buyer's tags and refusal of
 * the store, the case's timers and (without --order) the order's record
 * together. The answer is
 * built as one JSON object, printed as is (--json) or as text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cadence.h"
#include "casework.h"
#include "keys.h"
#include "localtime.h"
#include "lookup.h"
#include "str.h"
#include "timers.h"

#define KEYSZ 1024
#define EXIT_NOT_FOUND 3

/* A field "..._ms" holding an instant (durations such as shift_ms are far
 * smaller than any instant since 2001), or "..._ms:<store>" of a buyer's
 * record. */
static int is_instant(const char *field, const char *value, int64_t *ms) {
        size_t n = strcspn(field, ":");
        char *end;
        long long v;
        if (n < 3 || strncmp(field + n - 3, "_ms", 3))
                return 0;
        v = strtoll(value, &end, 10);
        if (*end || v < 1000000000000LL)
                return 0;
        *ms = v;
        return 1;
}

static json_t *time_json(int64_t ms) {
        char t[RDR_TIME_RFC3339_SIZE];
        return rdr_time_format_rfc3339(ms, t, sizeof(t)) ? json_string(t)
                                                         : json_null();
}

static int put_field(void *opaque, const char *field, const char *value,
                     size_t len) {
        if (!len || (len == 1 && value[0] == '0'))
                return 0; /* unset */
        if (rdr_case_field_numeric(field)) {
                char *end;
                long long v;
                errno = 0;
                v = strtoll(value, &end, 10);
                if (!errno && end == value + len)
                        return json_object_set_new(opaque, field,
                                                   json_integer(v));
        }
        return json_object_set_new(opaque, field,
                                   json_stringn_nocheck(value, len));
}

/* The members of a SMEMBERS reply, as an array. */
static json_t *members(const redisReply *r) {
        json_t *a = json_array();
        size_t i;
        if (r && r->type == REDIS_REPLY_ARRAY)
                for (i = 0; i < r->elements; i++)
                        if (r->element[i]->str)
                                json_array_append_new(
                                    a,
                                    json_stringn_nocheck(r->element[i]->str,
                                                         r->element[i]->len));
        return a;
}

static json_t *hash_object(const redisReply *h) {
        json_t *o;
        size_t i;
        if (!h || h->type != REDIS_REPLY_ARRAY || !h->elements)
                return json_null();
        o = json_object();
        for (i = 0; i + 1 < h->elements; i += 2)
                put_field(o, h->element[i]->str, h->element[i + 1]->str,
                          h->element[i + 1]->len);
        return o;
}

/* ZSCORE reply: the score, or -1. */
static int64_t score(const redisReply *r) {
        if (r && r->type == REDIS_REPLY_STRING && r->str)
                return strtoll(r->str, NULL, 10);
        return -1;
}

/* Queue the reads of the order's record: HGETALL, SMEMBERS of its chat
 * intents. */
static void queue_order(rdr_redis_t *redis, const char *key) {
        char k[KEYSZ];
        rdr_redis_cmdl(redis, "HGETALL", key, NULL);
        snprintf(k, sizeof(k), "%s:intents", key);
        rdr_redis_cmdl(redis, "SMEMBERS", k, NULL);
}

/* Each live timer of c as the timer set holds it: due (its time), leased
 * (running: the lease's end) or missing. replies: ZSCORE in the due set,
 * then in the lease set, per timer. */
static json_t *timers_json(const rdr_cadence_timer_t *live, size_t n,
                           const redisReply *const *replies) {
        int64_t due[RDR_CADENCE_LIVE_MAX], lease[RDR_CADENCE_LIVE_MAX];
        json_t *a = json_array();
        size_t i, j;
        for (i = 0; i < n; i++) {
                due[i] = score(replies[2 * i]);
                lease[i] = score(replies[2 * i + 1]);
        }
        for (i = 0; i < n; i++) {
                int64_t at = due[i] >= 0 ? due[i] : lease[i];
                /* The unanswered appeal's two candidates share a gen:
                 * list the one the set holds, else the first. */
                for (j = 0; at < 0 && j < n; j++)
                        if (j != i && live[j].gen == live[i].gen &&
                            (j < i || due[j] >= 0 || lease[j] >= 0))
                                break;
                if (at < 0 && j < n)
                        continue;
                json_array_append_new(
                    a, json_pack("{s:s,s:s,s:i,s:I,s:s,s:o}", "timer_id",
                                 live[i].timer_id, "step",
                                 rdr_step_names[live[i].step], "attempt",
                                 live[i].attempt, "gen",
                                 (json_int_t)live[i].gen, "state",
                                 due[i] >= 0     ? "due"
                                 : lease[i] >= 0 ? "leased"
                                                 : "missing",
                                 "at", at >= 0 ? time_json(at) : json_null()));
        }
        return a;
}

/* Queue, for case c: its buyer's tags and refusal of its store, then
 * each live timer's ZSCORE in the due and the lease set of its shard.
 * Returns how many timers. */
static size_t queue_case_reads(rdr_redis_t *redis, const rdr_case_t *c,
                               int shards, rdr_cadence_timer_t *live) {
        size_t i, n = rdr_cadence_live_timers(c, live, RDR_CADENCE_LIVE_MAX);
        rdr_buyer_tags_queue_read(redis, c->platform, c->buyer_id);
        rdr_buyer_refusal_queue_read(redis, c);
        for (i = 0; i < n; i++) {
                char keys[3][64];
                rdr_timer_keys(live[i].timer_id, strlen(live[i].timer_id),
                               shards, keys);
                rdr_redis_cmdl(redis, "ZSCORE", keys[0], live[i].timer_id,
                               NULL);
                rdr_redis_cmdl(redis, "ZSCORE", keys[1], live[i].timer_id,
                               NULL);
        }
        return n;
}

/* The notes redress-buyer leaves on a buyer's record when a person gives
 * or lifts a tag (tag_given:<tag>, tag_lifted:<tag>), in this order. */
static const char *const tag_note_fields[] = {
    "tag_given:extortion",  "tag_given:competitor",  "tag_given:professional",
    "tag_lifted:extortion", "tag_lifted:competitor", "tag_lifted:professional"};
#define TAG_NOTES (sizeof(tag_note_fields) / sizeof(tag_note_fields[0]))

/* Queue the read of case c's buyer's tag notes: HMGET, or PING without a
 * buyer. */
static void queue_tag_notes(rdr_redis_t *redis, const rdr_case_t *c) {
        char k[KEYSZ];
        const char *argv[2 + TAG_NOTES];
        size_t i;
        if (!c->buyer_id[0] ||
            rdr_key_buyer(k, KEYSZ, c->platform, c->buyer_id, NULL) < 0) {
                rdr_redis_cmdf(redis, "PING");
                return;
        }
        argv[0] = "HMGET";
        argv[1] = k;
        for (i = 0; i < TAG_NOTES; i++)
                argv[2 + i] = tag_note_fields[i];
        rdr_redis_cmd(redis, (int)(2 + TAG_NOTES), argv, NULL);
}

/* The notes found (HMGET reply), as {field: note}: each note the JSON
 * redress-buyer wrote ({"at", "at_ms", "by", "reason"}), or its text. */
static json_t *tag_notes(const redisReply *r) {
        json_t *o = json_object();
        size_t i;
        for (i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements &&
                    i < TAG_NOTES;
             i++) {
                const redisReply *e = r->element[i];
                json_t *v;
                if (e->type != REDIS_REPLY_STRING)
                        continue;
                v = json_loadb(e->str, e->len, 0, NULL);
                json_object_set_new(o, tag_note_fields[i],
                                    v ? v
                                      : json_stringn_nocheck(e->str, e->len));
        }
        return o;
}

/* Build the answer into *out. Returns the exit status; *out is NULL on
 * 1 (Redis, an unreadable case) and on ids too long. */
static int gather(rdr_redis_t *redis, const lookup_t *q, json_t **out) {
        char cid[RDR_ID_LEN] = "", k_order[KEYSZ] = "", k[KEYSZ];
        static rdr_case_t c;
        rdr_cadence_timer_t live[RDR_CADENCE_LIVE_MAX];
        const redisReply *rp[2 * RDR_CADENCE_LIVE_MAX];
        size_t n_live, i, r_order = 0; /* reply of the order's read, +1 */
        json_t *o = json_object();
        char errstr[256];
        int rc = 1;

        *out = NULL;
        memset(&c, 0, sizeof(c));
        if (q->case_id) {
                rdr_str_copy(cid, sizeof(cid), q->case_id);
        } else if (q->review_id) {
                rdr_case_id(cid, q->platform, q->store_id, q->review_id);
        } else {
                const char *v;
                if (rdr_key_order(k_order, KEYSZ, q->platform, q->store_id,
                                  q->order_id, NULL) < 0)
                        goto too_long;
                queue_order(redis, k_order);
                if (rdr_redis_exec(redis))
                        goto redis_down;
                json_object_set_new(o, "order",
                                    hash_object(rdr_redis_reply(redis, 0)));
                json_object_set_new(o, "order_intents",
                                    members(rdr_redis_reply(redis, 1)));
                v = rdr_hash_get(rdr_redis_reply(redis, 0), "case_id");
                if (v)
                        rdr_str_copy(cid, sizeof(cid), v);
        }
        json_object_set_new(o, "case_id",
                            cid[0] ? json_string(cid) : json_null());
        if (cid[0]) {
                if (rdr_key_case(k, KEYSZ, cid, NULL) < 0)
                        goto too_long;
                rdr_redis_cmdl(redis, "HGETALL", k, NULL);
                if (rdr_redis_exec(redis))
                        goto redis_down;
                if (rdr_case_from_reply(&c, rdr_redis_reply(redis, 0), NULL,
                                        errstr, sizeof(errstr))) {
                        fprintf(stderr, "redress-report: case %s: %s\n", cid,
                                errstr);
                        goto fail;
                }
        }
        if (!c.version) {
                json_object_set_new(o, "case", json_null());
        } else {
                json_t *fields = json_object();
                rdr_case_to_fields(&c, put_field, fields);
                json_object_set_new(o, "case", fields);
                n_live = queue_case_reads(redis, &c, q->shards, live);
                /* The order's record, unless --order read it. */
                if (!k_order[0] && c.order_id[0] &&
                    rdr_key_order(k_order, KEYSZ, c.platform, c.store_id,
                                  c.order_id, NULL) > 0) {
                        queue_order(redis, k_order);
                        r_order = 3 + 2 * n_live;
                }
                queue_tag_notes(redis, &c);
                if (rdr_redis_exec(redis))
                        goto redis_down;
                json_object_set_new(
                    o, "buyer_tag_notes",
                    tag_notes(rdr_redis_reply(redis, 2 + 2 * n_live +
                                                         (r_order ? 2 : 0))));
                json_object_set_new(o, "buyer_tags",
                                    members(rdr_redis_reply(redis, 0)));
                {
                        int64_t at =
                            rdr_buyer_refused_at(rdr_redis_reply(redis, 1));
                        json_object_set_new(o, "buyer_refused_store_at",
                                            at ? time_json(at) : json_null());
                }
                for (i = 0; i < 2 * n_live; i++)
                        rp[i] = rdr_redis_reply(redis, 2 + i);
                json_object_set_new(o, "timers", timers_json(live, n_live, rp));
                if (r_order) {
                        json_object_set_new(
                            o, "order",
                            hash_object(rdr_redis_reply(redis, r_order - 1)));
                        json_object_set_new(
                            o, "order_intents",
                            members(rdr_redis_reply(redis, r_order)));
                }
        }
        if (!json_object_get(o, "order")) {
                json_object_set_new(o, "order", json_null());
                json_object_set_new(o, "order_intents", json_array());
        }
        json_object_set_new(o, "order_key",
                            k_order[0] ? json_string(k_order) : json_null());
        json_object_set_new(o, "now", time_json(q->now));
        *out = o;
        return c.version || json_is_object(json_object_get(o, "order"))
                   ? 0
                   : EXIT_NOT_FOUND;
too_long:
        fprintf(stderr, "redress-report: ids too long for a Redis key\n");
        rc = EXIT_NOT_FOUND;
        goto fail;
redis_down:
        fprintf(stderr, "redress-report: Redis: %s\n", rdr_redis_errstr(redis));
fail:
        json_decref(o);
        return rc;
}

/* Whether buyer record h names case_id as some store's latest
 * (case_id:<store>). */
static int per_store(const redisReply *h, const char *case_id) {
        size_t i;
        for (i = 0; i + 1 < h->elements; i += 2)
                if (h->element[i]->str && h->element[i + 1]->str &&
                    !strncmp(h->element[i]->str, "case_id:", 8) &&
                    !strcmp(h->element[i + 1]->str, case_id))
                        return 1;
        return 0;
}

/* Whether the cases array holds case_id. */
static int listed_case(const json_t *cases, const char *case_id) {
        size_t i;
        for (i = 0; i < json_array_size(cases); i++)
                if (!strcmp(json_string_value(json_object_get(
                                json_array_get(cases, i), "case_id")),
                            case_id))
                        return 1;
        return 0;
}

/* One buyer (lookup.h): the record, the tags and the intents of the chats
 * that named no order in one round trip, then the cases the record names
 * (the latest in each store, and the others it lists there) in
 * another. */
static int gather_buyer(rdr_redis_t *redis, const lookup_t *q, json_t **out) {
        char k[KEYSZ], k_tags[KEYSZ], k_intents[KEYSZ], errstr[256];
        const redisReply *h;
        rdr_case_t *c = NULL;
        json_t *o = NULL, *cases;
        size_t i, n = 0;
        int rc = 1;

        *out = NULL;
        if (rdr_key_buyer(k, KEYSZ, q->platform, q->buyer_id, NULL) < 0 ||
            rdr_key_buyer(k_tags, KEYSZ, q->platform, q->buyer_id, "tags") <
                0 ||
            rdr_key_buyer(k_intents, KEYSZ, q->platform, q->buyer_id,
                          "intents") < 0) {
                fprintf(stderr,
                        "redress-report: ids too long for a Redis key\n");
                return EXIT_NOT_FOUND;
        }
        rdr_redis_cmdl(redis, "HGETALL", k, NULL);
        rdr_redis_cmdl(redis, "SMEMBERS", k_tags, NULL);
        rdr_redis_cmdl(redis, "SMEMBERS", k_intents, NULL);
        if (rdr_redis_exec(redis))
                goto redis_down;
        h = rdr_redis_reply(redis, 0);
        o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "platform", q->platform,
                      "buyer_id", q->buyer_id, "buyer_key", k, "record",
                      hash_object(h), "tags",
                      members(rdr_redis_reply(redis, 1)), "intents",
                      members(rdr_redis_reply(redis, 2)));
        cases = json_array();
        c = malloc(sizeof(*c));
        if (json_object_set_new(o, "cases", cases) || !c)
                goto fail;
        /* The latest case in each store (case_id:<store>; records of
         * earlier builds name only the latest in any store, case_id),
         * then the others listed in each store (RDR_BUYER_CASE
         * <store>:<case_id>, casework.h). */
        for (i = 0; h && h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements;
             i += 2) {
                const char *f = h->element[i]->str, *v = h->element[i + 1]->str;
                if (!f || !v ||
                    (strncmp(f, "case_id:", 8) &&
                     (strcmp(f, "case_id") || per_store(h, v))) ||
                    listed_case(cases, v) ||
                    rdr_key_case(k, KEYSZ, v, NULL) < 0)
                        continue;
                rdr_redis_cmdl(redis, "HGETALL", k, NULL);
                json_array_append_new(cases, json_pack("{s:s}", "case_id", v));
                n++;
        }
        for (i = 0; h && h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements;
             i += 2) {
                const char *v;
                size_t len;
                if (!(v = rdr_buyer_case_listed(h->element[i]->str, &len)) ||
                    listed_case(cases, v) ||
                    rdr_key_case(k, KEYSZ, v, NULL) < 0)
                        continue;
                rdr_redis_cmdl(redis, "HGETALL", k, NULL);
                json_array_append_new(cases, json_pack("{s:s}", "case_id", v));
                n++;
        }
        if (n && rdr_redis_exec(redis))
                goto redis_down;
        for (i = 0; i < n; i++) {
                json_t *row = json_array_get(cases, i);
                if (rdr_case_from_reply(c, rdr_redis_reply(redis, i), NULL,
                                        errstr, sizeof(errstr)) ||
                    !c->version) {
                        json_object_set_new(row, "state",
                                            json_string(c->version
                                                            ? "unreadable"
                                                            : "not kept"));
                        continue;
                }
                json_object_set_new(row, "store_id", json_string(c->store_id));
                json_object_set_new(row, "order_id", json_string(c->order_id));
                json_object_set_new(row, "review_id",
                                    json_string(c->review_id));
                json_object_set_new(
                    row, "state", json_string(rdr_case_state_names[c->state]));
                json_object_set_new(
                    row, "malicious",
                    json_string(rdr_malicious_names[c->malicious]));
        }
        json_object_set_new(o, "now", time_json(q->now));
        free(c);
        *out = o;
        return json_is_object(json_object_get(o, "record")) ||
                       json_array_size(json_object_get(o, "tags"))
                   ? 0
                   : EXIT_NOT_FOUND;
redis_down:
        fprintf(stderr, "redress-report: Redis: %s\n", rdr_redis_errstr(redis));
fail:
        free(c);
        json_decref(o);
        return rc;
}

/* "name  value", an instant also in zone. */
static void print_row(const char *name, const char *value, const char *zone) {
        char local[96] = "";
        int64_t ms;
        if (is_instant(name, value, &ms)) {
                char t[RDR_TIME_RFC3339_SIZE];
                if (rdr_time_format_rfc3339(ms, t, sizeof(t)))
                        value = t;
                rdr_localtime_format(zone, ms, local, sizeof(local));
                printf("  %-28s %s  %s\n", name, value, local);
                return;
        }
        printf("  %-28s %s\n", name, value);
}

static void print_object(const json_t *obj, const char *zone) {
        const char *name;
        json_t *v;
        json_object_foreach((json_t *)obj, name, v) {
                char num[RDR_STR_INT_SIZE];
                if (json_is_integer(v)) {
                        rdr_str_int(num, (long long)json_integer_value(v));
                        print_row(name, num, zone);
                } else {
                        print_row(name, json_string_value(v), zone);
                }
        }
}

static void print_list(const char *head, const json_t *a) {
        size_t i;
        json_t *v;
        printf("%s: ", head);
        if (!json_array_size(a))
                printf("none");
        json_array_foreach(a, i, v) {
                printf("%s%s", i ? ", " : "", json_string_value(v));
        }
        printf("\n");
}

/* The instant at (RFC 3339, or NULL) in zone, into local ("" if NULL). */
static const char *local_of(const char *at, const char *zone, char *local,
                            size_t size) {
        int ok;
        local[0] = '\0';
        if (at)
                rdr_localtime_format(
                    zone, rdr_time_parse_rfc3339(at, strlen(at), &ok), local,
                    size);
        return local;
}

/* When the buyer last told the case's store not to contact them, in a
 * chat naming no order (RFC 3339, NULL if never), also in zone: the
 * buyer's other cases there close as refused at their next step toward
 * the buyer. */
static void print_refusal(const char *at, const char *zone) {
        char local[96];
        printf("Buyer told the store not to contact them (a chat naming no "
               "order): %s%s%s\n",
               at ? at : "never", at ? "  " : "",
               local_of(at, zone, local, sizeof(local)));
}

/* Member k of object o, "-" if it has none. */
static const char *str_of(const json_t *o, const char *k) {
        const char *v = json_string_value(json_object_get(o, k));
        return v ? v : "-";
}

/* The tags a person gave or lifted (redress-buyer), a line each. */
static void print_tag_notes(const json_t *notes) {
        const char *field;
        json_t *n;
        json_object_foreach((json_t *)notes, field, n) {
                const char *colon = strchr(field, ':');
                printf("  %s %s by hand%s%s%s%s: %s\n",
                       colon ? colon + 1 : field,
                       strncmp(field, "tag_given:", 10) ? "lifted" : "given",
                       json_is_object(n) ? " " : "",
                       json_is_object(n) ? str_of(n, "at") : "",
                       json_is_object(n) ? " by " : "",
                       json_is_object(n) ? str_of(n, "by") : "",
                       json_is_object(n) ? str_of(n, "reason")
                                         : json_string_value(n));
        }
}

static void print_text(const json_t *o) {
        const json_t *cs = json_object_get(o, "case"),
                     *order = json_object_get(o, "order");
        const char *zone = json_string_value(json_object_get(cs, "zone"));
        size_t i;
        json_t *t;
        if (!zone)
                zone = "UTC"; /* no case: the order's times in UTC */
        if (json_is_object(cs)) {
                printf("Case %s, now %s (times in UTC, then in %s)\n",
                       json_string_value(json_object_get(o, "case_id")),
                       json_string_value(json_object_get(o, "now")), zone);
                print_object(cs, zone);
                printf("\nTimers (as the timer set holds them)\n");
                if (!json_array_size(json_object_get(o, "timers")))
                        printf("  none\n");
                json_array_foreach(json_object_get(o, "timers"), i, t) {
                        const char *at =
                            json_string_value(json_object_get(t, "at"));
                        char local[96];
                        printf(
                            "  %s\n    %s%s%s  %s\n",
                            json_string_value(json_object_get(t, "timer_id")),
                            json_string_value(json_object_get(t, "state")),
                            at ? " " : "", at ? at : "",
                            local_of(at, zone, local, sizeof(local)));
                }
                printf("\n");
                print_list("Buyer's tags in the fleet",
                           json_object_get(o, "buyer_tags"));
                print_tag_notes(json_object_get(o, "buyer_tag_notes"));
                print_refusal(json_string_value(
                                  json_object_get(o, "buyer_refused_store_at")),
                              zone);
        } else {
                printf("No case%s%s, now %s\n",
                       json_is_string(json_object_get(o, "case_id")) ? " " : "",
                       json_is_string(json_object_get(o, "case_id"))
                           ? json_string_value(json_object_get(o, "case_id"))
                           : "",
                       json_string_value(json_object_get(o, "now")));
        }
        if (json_is_object(order)) {
                printf("\nOrder record %s\n",
                       json_string_value(json_object_get(o, "order_key")));
                print_object(order, zone);
                print_list("Chat intents of the order",
                           json_object_get(o, "order_intents"));
        }
}

/* One buyer as text, instants in UTC. */
static void print_buyer(const json_t *o) {
        const json_t *rec = json_object_get(o, "record");
        size_t i;
        json_t *c;
        printf("Buyer %s on %s, now %s (times in UTC)\n", str_of(o, "buyer_id"),
               str_of(o, "platform"), str_of(o, "now"));
        print_list("Tags in the fleet", json_object_get(o, "tags"));
        print_list("Intents of the chats that named no order",
                   json_object_get(o, "intents"));
        printf("\nLatest case in each store\n");
        if (!json_array_size(json_object_get(o, "cases")))
                printf("  none\n");
        json_array_foreach(json_object_get(o, "cases"), i, c) {
                const char *m = str_of(c, "malicious");
                int mal = strcmp(m, "-") && strcmp(m, "none");
                printf("  %-20s %s  %s%s%s  order %s, review %s\n",
                       str_of(c, "store_id"), str_of(c, "case_id"),
                       str_of(c, "state"), mal ? " " : "", mal ? m : "",
                       str_of(c, "order_id"), str_of(c, "review_id"));
        }
        printf("\n%s %s\n", json_is_object(rec) ? "Record" : "No record",
               str_of(o, "buyer_key"));
        if (json_is_object(rec))
                print_object(rec, "UTC");
}

int lookup_run(rdr_redis_t *redis, const lookup_t *q) {
        json_t *o = NULL;
        int rc =
            q->buyer_id ? gather_buyer(redis, q, &o) : gather(redis, q, &o);
        if (!o)
                return rc;
        if (q->json) {
                char *s = json_dumps(o, JSON_INDENT(2));
                if (s)
                        puts(s);
                free(s);
        } else if (q->buyer_id) {
                print_buyer(o);
        } else {
                print_text(o);
        }
        json_decref(o);
        return rc;
}

/* redress-buyer: gives or lifts a buyer's fleet-wide tag by hand. The
 * workers tag a buyer extortion, competitor or professional when a review
 * or chat reads so, and every case of that buyer, in every store of the
 * fleet, then stops writing to the buyer and moves to the malicious track
 * before its next step toward them (README, "What the fleet does with a
 * review"). A tag read wrongly (a misread chat, a build since mended) would
 * hold for retention.buyers; `untag` lifts it, `tag` gives one a person has
 * established. Either writes, in one script on the buyer's keys (one hash
 * slot), the change and a note of it on the buyer's record
 * (tag_lifted:<tag> or tag_given:<tag>: when, by whom, why), which
 * `redress-report --platform P --buyer ID` shows. Lifting extortion also
 * clears the demands kept on the record (chats that named no order,
 * demand_first:<store>, demand_last:<store>, and the extortion intent of
 * those chats): they were read as demands by the reading the person
 * overrules, and a later appeal would quote them. It clears as well the
 * extortion the buyer's chats about an order were read as (the evidence
 * fields and the intent on the order's record, which the order's review
 * reads: it would tag the buyer again), in a script on each order's keys,
 * leaving extortion_lifted (the note) there: the orders the buyer's record
 * names (extortion_order_at_ms:<key>, chats.c), and --store with --order
 * (one read before the record named them). A case already moved to the
 * malicious track stays there (its appeal may be filed). The configuration
 * is the workers' (--config, REDRESS_* variables): the same Redis, clock
 * and retention.buyers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "casework.h"
#include "clock.h"
#include "conf.h"
#include "enums.h"
#include "event.h"
#include "keys.h"
#include "redis.h"
#include "tool.h"

#define EXIT_USAGE RDR_TOOL_EXIT_USAGE
#define KEYSZ 1024
#define REASON_MAX 500

/* One script, for either key group. ARGV: the mode, "1" for a dry run
 * (what would change, changing nothing), the note (JSON), the record's
 * retention in ms (0: kept for ever), "1" to clear the demands, then the
 * tags. Mode "tag" or "untag", KEYS the buyer's record, tags and intents
 * (of the chats that named no order): the tags given or lifted, each
 * with the note on the record, and the demands kept on the record (the
 * latest chat's evidence fields as an order's, and demand_first:<store>,
 * demand_last:<store>). Lifting extortion, it also names the orders
 * whose chats read so (their extortion_order_at_ms:<key> fields, left
 * for the caller to delete once each order is cleared). Mode "order",
 * KEYS an order's record and intents: the extortion its chats were read
 * as (the evidence fields, the intent), the note replacing it. Returns
 * {tags changed, fields cleared[, orders]}. */
static const char buyer_lua[] =
    "local mode, dry, note = ARGV[1], ARGV[2] == '1', ARGV[3]\n"
    "local changed, cleared = {}, {}\n"
    "local function starts(f, p) return string.find(f, p, 1, true) == 1 end\n"
    "local function evidence(f)\n"
    "  return f == 'extortion_ref' or f == 'extortion_text' or\n"
    "         f == 'extortion_at_ms' or starts(f, '" RDR_DEMAND_FIELD "')\n"
    "end\n"
    "local function demand(f)\n"
    "  return evidence(f) or starts(f, '" RDR_KEY_DEMAND_FIRST "') or\n"
    "         starts(f, '" RDR_KEY_DEMAND_LAST "')\n"
    "end\n"
    "local function clear(key, set, match)\n"
    "  for _, f in ipairs(redis.call('HKEYS', key)) do\n"
    "    if match(f) then\n"
    "      cleared[#cleared + 1] = f\n"
    "      if not dry then redis.call('HDEL', key, f) end\n"
    "    end\n"
    "  end\n"
    "  if redis.call('SISMEMBER', set, 'extortion') == 1 then\n"
    "    cleared[#cleared + 1] = 'intent extortion'\n"
    "    if not dry then redis.call('SREM', set, 'extortion') end\n"
    "  end\n"
    "  table.sort(cleared)\n"
    "end\n"
    "if mode == 'order' then\n"
    "  clear(KEYS[1], KEYS[2], evidence)\n"
    "  if not dry and #cleared > 0 then\n"
    "    redis.call('HSET', KEYS[1], 'extortion_lifted', note)\n"
    "  end\n"
    "  return {changed, cleared}\n"
    "end\n"
    "local give, keep = mode == 'tag', tonumber(ARGV[4])\n"
    "for i = 6, #ARGV do\n"
    "  if (redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 1) ~= give then\n"
    "    changed[#changed + 1] = ARGV[i]\n"
    "    if not dry then\n"
    "      redis.call(give and 'SADD' or 'SREM', KEYS[2], ARGV[i])\n"
    "      redis.call('HSET', KEYS[1],\n"
    "                 (give and 'tag_given:' or 'tag_lifted:') .. ARGV[i],\n"
    "                 note)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local orders = {}\n"
    "if ARGV[5] == '1' then\n"
    "  clear(KEYS[1], KEYS[3], demand)\n"
    "  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do\n"
    "    if starts(f, '" RDR_KEY_EXTORTION_ORDER "') then\n"
    "      orders[#orders + 1] = f\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if not dry and keep > 0 and #changed > 0 then\n"
    "  redis.call('PEXPIRE', KEYS[1], keep)\n"
    "  if give then redis.call('PEXPIRE', KEYS[2], keep) end\n"
    "end\n"
    "return {changed, cleared, orders}\n";

typedef struct buyer_s {
        int give; /* tag, else untag */
        const char *platform, *buyer_id, *reason, *by;
        const char *store_id, *order_id; /* an order's extortion, or NULL */
        int tags[RDR_MAL__CNT];          /* asked for, by rdr_malicious_t */
        int dry_run, json;
        char k_record[KEYSZ], k_tags[KEYSZ], k_intents[KEYSZ];
        char k_order[KEYSZ];
        /* What changed (or would): tags, the buyer record's fields
         * cleared, and per order {order_key, cleared}. */
        json_t *changed, *cleared, *orders;
} buyer_t;

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: redress-buyer untag --platform P --buyer ID --tag TAG "
                "--reason TEXT\n"
                "                           [--store S --order ID] [--by NAME] "
                "[--dry-run] [--json]\n"
                "       redress-buyer tag   --platform P --buyer ID --tag TAG "
                "--reason TEXT\n"
                "                           [--by NAME] [--dry-run] [--json]\n"
                "Lifts or gives a buyer's fleet-wide tag (extortion, "
                "competitor, professional;\n"
                "untag also takes all). Every case of a tagged buyer, in any "
                "store, stops\n"
                "writing to the buyer and moves to the malicious track at its "
                "next step toward\n"
                "them. Lifting extortion also clears the demands kept from the "
                "buyer's chats\n"
                "that named no order, and the extortion the buyer's chats "
                "about an order were\n"
                "read as (that order's review would read it again): on the "
                "orders the buyer's\n"
                "record names, and on --order of --store (one read before the "
                "record named\n"
                "them). Cases already on the malicious track stay there. The "
                "buyer's record\n"
                "keeps a note (tag_lifted:TAG or tag_given:TAG: when, --by, "
                "--reason; an\n"
                "order's, extortion_lifted): redress-report --platform P "
                "--buyer ID shows it.\n"
                "  --by NAME      who (default: $USER)\n"
                "  --dry-run      say what would change, change nothing\n"
                "  --config FILE, --set KEY=VALUE   as the workers\n"
                "  --version      print the version and the commit built\n"
                "Exit status: 0 done (or nothing to change), 1 Redis "
                "unreachable, 2 usage,\n"
                "78 bad configuration.\n");
}

/* An option that takes a string as it is: 1 if a is one (v set), else
 * 0. */
static int str_opt(buyer_t *b, const char *a, const char *v) {
        static const char *const names[] = {"--platform", "--buyer", "--reason",
                                            "--by",       "--store", "--order"};
        const char **fields[] = {&b->platform, &b->buyer_id, &b->reason,
                                 &b->by,       &b->store_id, &b->order_id};
        size_t i;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (!strcmp(a, names[i])) {
                        *fields[i] = v;
                        return 1;
                }
        return 0;
}

/* The tags asked for (--tag): one class, or all (untag only). */
static int tags_parse(buyer_t *b, const char *v) {
        int m;
        if (!b->give && !strcmp(v, "all")) {
                b->tags[RDR_MAL_EXTORTION] = b->tags[RDR_MAL_COMPETITOR] =
                    b->tags[RDR_MAL_PROFESSIONAL] = 1;
                return 0;
        }
        m = rdr_enum_parse(rdr_malicious_names, RDR_MAL__CNT, v, strlen(v));
        if (m != RDR_MAL_EXTORTION && m != RDR_MAL_COMPETITOR &&
            m != RDR_MAL_PROFESSIONAL)
                return -1;
        b->tags[m] = 1;
        return 0;
}

/* The JSON array of strings of reply r (an array), or an empty one. */
static json_t *strings(const redisReply *r) {
        json_t *a = json_array();
        size_t i;
        for (i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
                if (r->element[i]->str)
                        json_array_append_new(
                            a, json_stringn_nocheck(r->element[i]->str,
                                                    r->element[i]->len));
        return a;
}

/* Reply i of the last exec if it is an array of at least n elements,
 * else NULL after saying why. */
static const redisReply *reply_array(rdr_redis_t *redis, size_t i, size_t n) {
        const redisReply *r = rdr_redis_reply(redis, i);
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= n)
                return r;
        fprintf(stderr, "redress-buyer: Redis: %s\n",
                r && r->type == REDIS_REPLY_ERROR ? r->str
                                                  : "an unexpected reply");
        return NULL;
}

/* -1, after saying why the last exec failed. */
static int redis_failed(rdr_redis_t *redis) {
        fprintf(stderr, "redress-buyer: Redis: %s\n", rdr_redis_errstr(redis));
        return -1;
}

/* Clear the extortion of the orders of keys (and their :intents), each
 * in the order mode of the script, into b->orders; then (not with
 * --dry-run) delete the buyer record's fields (fields[i] of keys[i],
 * NULL: none) of the orders cleared. Returns 0, -1 if Redis failed. */
static int clear_orders(rdr_redis_t *redis, int script, buyer_t *b,
                        const char *note, char **keys, char **fields,
                        size_t n) {
        size_t i, del = 0;
        int rc = 0;
        for (i = 0; i < n; i++) {
                char k_intents[KEYSZ + 8];
                snprintf(k_intents, sizeof(k_intents), "%s:intents", keys[i]);
                rdr_redis_eval(redis, script, 2, 5,
                               (const char *[]){keys[i], k_intents, "order",
                                                b->dry_run ? "1" : "", note},
                               NULL);
        }
        if (n && rdr_redis_exec(redis))
                return redis_failed(redis);
        for (i = 0; i < n; i++) {
                const redisReply *r = reply_array(redis, i, 2);
                if (!r) {
                        rc = -1;
                        /* The record's field kept: a run again clears it. */
                        free(fields[i]);
                        fields[i] = NULL;
                        continue;
                }
                json_array_append_new(
                    b->orders, json_pack("{s:s,s:o}", "order_key", keys[i],
                                         "cleared", strings(r->element[1])));
                del += fields[i] != NULL;
        }
        if (b->dry_run || !del)
                return rc;
        rdr_redis_reset(redis);
        for (i = 0; i < n; i++)
                if (fields[i])
                        rdr_redis_cmdl(redis, "HDEL", b->k_record, fields[i],
                                       NULL);
        return rdr_redis_exec(redis) ? redis_failed(redis) : rc;
}

/* The change (or with --dry-run what it would be): a script on the
 * buyer's keys, then on each order to clear (those the buyer's record
 * names, and --order). Fills b->changed, b->cleared, b->orders. Returns
 * 0, -1 if Redis failed (its error said). */
static int apply(rdr_redis_t *redis, int script, buyer_t *b, int64_t now,
                 long long keep_ms) {
        const char *argv[3 + 5 + RDR_MAL__CNT];
        char keep[32], at[RDR_TIME_RFC3339_SIZE];
        char *note = NULL, **keys = NULL;
        char **fields = NULL;
        json_t *n;
        const redisReply *r, *ords;
        size_t i, nk = 0, size = 0, pre = strlen(RDR_KEY_EXTORTION_ORDER);
        int argc = 0, m, rc = -1;
        if (!rdr_time_format_rfc3339(now, at, sizeof(at)))
                return -1;
        n = json_pack("{s:s,s:I,s:s,s:s}", "at", at, "at_ms", (json_int_t)now,
                      "by", b->by, "reason", b->reason);
        note = n ? json_dumps(n, JSON_COMPACT) : NULL;
        json_decref(n);
        if (!note)
                return -1;
        snprintf(keep, sizeof(keep), "%lld", keep_ms);
        argv[argc++] = b->k_record;
        argv[argc++] = b->k_tags;
        argv[argc++] = b->k_intents;
        argv[argc++] = b->give ? "tag" : "untag";
        argv[argc++] = b->dry_run ? "1" : "";
        argv[argc++] = note;
        argv[argc++] = keep;
        argv[argc++] = !b->give && b->tags[RDR_MAL_EXTORTION] ? "1" : "";
        for (m = 0; m < RDR_MAL__CNT; m++)
                if (b->tags[m])
                        argv[argc++] = rdr_malicious_names[m];
        rdr_redis_eval(redis, script, 3, argc, argv, NULL);
        if (rdr_redis_exec(redis)) {
                redis_failed(redis);
                goto done;
        }
        r = reply_array(redis, 0, 3);
        if (!r)
                goto done;
        b->changed = strings(r->element[0]);
        b->cleared = strings(r->element[1]);
        b->orders = json_array();
        /* The orders to clear: the record's, then --order if not among
         * them. */
        ords = r->element[2];
        size = ords->elements + 1;
        keys = calloc(size, sizeof(*keys));
        fields = calloc(size, sizeof(*fields));
        if (!keys || !fields)
                goto done;
        for (i = 0; i < ords->elements; i++) {
                const char *f = ords->element[i]->str;
                if (!f || ords->element[i]->len <= pre)
                        continue;
                keys[nk] = strdup(f + pre);
                fields[nk] = strdup(f);
                if (!keys[nk] || !fields[nk])
                        goto done;
                if (b->order_id && !strcmp(keys[nk], b->k_order))
                        b->order_id = NULL; /* listed */
                nk++;
        }
        if (b->order_id) {
                keys[nk] = strdup(b->k_order);
                if (!keys[nk++])
                        goto done;
        }
        rdr_redis_reset(redis);
        rc = clear_orders(redis, script, b, note, keys, fields, nk);
done:
        for (i = 0; i < size; i++) {
                free(keys ? keys[i] : NULL);
                free(fields ? fields[i] : NULL);
        }
        free(keys);
        free(fields);
        free(note);
        return rc;
}

/* The items of a, joined with ", " ("none" if it has none). */
static void print_items(const json_t *a) {
        size_t i;
        json_t *v;
        if (!json_array_size(a))
                printf("none");
        json_array_foreach(a, i, v) {
                printf("%s%s", i ? ", " : "", json_string_value(v));
        }
}

static void print_result(const buyer_t *b) {
        size_t i;
        json_t *o;
        if (b->json) {
                o = json_pack("{s:s,s:s,s:s,s:b,s:O,s:O,s:O,s:s,s:s}",
                              "platform", b->platform, "buyer_id", b->buyer_id,
                              "action", b->give ? "tag" : "untag", "dry_run",
                              b->dry_run, b->give ? "given" : "lifted",
                              b->changed, "cleared", b->cleared, "orders",
                              b->orders, "by", b->by, "reason", b->reason);
                char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
                if (s)
                        puts(s);
                free(s);
                json_decref(o);
                return;
        }
        printf("%s %s on %s: ",
               b->give ? (b->dry_run ? "Would give" : "Given")
                       : (b->dry_run ? "Would lift" : "Lifted"),
               b->buyer_id, b->platform);
        print_items(b->changed);
        if (!b->give && b->tags[RDR_MAL_EXTORTION]) {
                printf("; demands cleared: ");
                print_items(b->cleared);
        }
        printf("\n");
        json_array_foreach(b->orders, i, o) {
                printf("Order record %s, the extortion its chats were read "
                       "as%s: ",
                       json_string_value(json_object_get(o, "order_key")),
                       b->dry_run ? " (would be cleared)" : " cleared");
                print_items(json_object_get(o, "cleared"));
                printf("\n");
        }
        if (!b->give && json_array_size(b->changed))
                printf("Cases already on the malicious track stay there: "
                       "redress-report --platform %s --buyer %s lists the "
                       "buyer's latest case in each store.\n",
                       b->platform, b->buyer_id);
}

int main(int argc, char **argv) {
        buyer_t b;
        rdr_conf_t *conf = NULL;
        rdr_redis_t *redis = NULL;
        rdr_clock_t *clk = NULL;
        int i, rc = 1, script, any = 0;

        memset(&b, 0, sizeof(b));
        conf = rdr_tool_conf("redress-buyer", argc, argv, 1, usage, &rc);
        if (!conf)
                return rc;
        rc = 1;
        if (argc < 2)
                goto bad;
        if (!strcmp(argv[1], "tag"))
                b.give = 1;
        else if (strcmp(argv[1], "untag"))
                goto bad;
        for (i = 2; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--dry-run")) {
                        b.dry_run = 1;
                        continue;
                }
                if (!strcmp(a, "--json")) {
                        b.json = 1;
                        continue;
                }
                if (!v)
                        goto bad;
                i++;
                rc = rdr_tool_conf_opt(conf, "redress-buyer", a, v);
                if (rc == EXIT_USAGE)
                        goto bad;
                if (rc > 0) {
                        rdr_conf_destroy(conf);
                        return rc;
                }
                if (rc == 0) {
                        /* the configuration's */
                } else if (str_opt(&b, a, v)) {
                        /* taken */
                } else if (!strcmp(a, "--tag")) {
                        if (tags_parse(&b, v)) {
                                fprintf(stderr,
                                        "redress-buyer: --tag takes "
                                        "extortion, competitor or "
                                        "professional%s, got '%s'\n",
                                        b.give ? "" : " (or all)", v);
                                rdr_conf_destroy(conf);
                                return EXIT_USAGE;
                        }
                        any = 1;
                } else {
                        goto bad;
                }
        }
        if (!b.platform || !*b.platform || !b.buyer_id || !*b.buyer_id ||
            !any || !b.reason || !b.store_id != !b.order_id)
                goto bad;
        if (b.order_id && (b.give || !b.tags[RDR_MAL_EXTORTION])) {
                fprintf(stderr, "redress-buyer: --order goes with untag "
                                "--tag extortion (or all): it clears the "
                                "extortion the order's chats were read as\n");
                rdr_conf_destroy(conf);
                return EXIT_USAGE;
        }
        if (!*b.reason || strlen(b.reason) > REASON_MAX) {
                fprintf(stderr,
                        "redress-buyer: --reason takes 1 to %d bytes: why, "
                        "for whoever reads the buyer's record next\n",
                        REASON_MAX);
                rdr_conf_destroy(conf);
                return EXIT_USAGE;
        }
        if (!b.by)
                b.by = getenv("USER") && *getenv("USER") ? getenv("USER")
                                                         : "unknown";
        if (rdr_key_buyer(b.k_record, KEYSZ, b.platform, b.buyer_id, NULL) <
                0 ||
            rdr_key_buyer(b.k_tags, KEYSZ, b.platform, b.buyer_id, "tags") <
                0 ||
            rdr_key_buyer(b.k_intents, KEYSZ, b.platform, b.buyer_id,
                          "intents") < 0 ||
            (b.order_id && rdr_key_order(b.k_order, KEYSZ, b.platform,
                                         b.store_id, b.order_id, NULL) < 0)) {
                fprintf(stderr, "redress-buyer: ids too long for a Redis "
                                "key\n");
                rdr_conf_destroy(conf);
                return EXIT_USAGE;
        }
        rc = rdr_tool_redis(conf, "redress-buyer", "buyer_tag", buyer_lua,
                            &script, &redis, &clk);
        if (rc)
                goto done;
        rc = 1;
        if (apply(redis, script, &b, rdr_clock_now_ms(clk),
                  rdr_conf_int(conf, "retention.buyers")))
                goto done;
        print_result(&b);
        rc = 0;
done:
        json_decref(b.changed);
        json_decref(b.cleared);
        json_decref(b.orders);
        rdr_clock_destroy(clk);
        rdr_redis_destroy(redis);
        rdr_conf_destroy(conf);
        return rc;
bad:
        usage(stderr);
        rdr_conf_destroy(conf);
        return EXIT_USAGE;
}

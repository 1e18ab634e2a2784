/* redress-buyer: gives or lifts a buyer's fleet-wide tag by hand. The
 * workers tag a buyer extortion, competitor or professional when a review
 * or chat reads so, and every case of that buyer, in every store of the
 * fleet, then stops writing to the buyer and moves to the malicious track
 * before its next step toward them (README, "What each worker does"). A
 * tag read wrongly (a misread chat, a build since mended) would hold for
 * retention.buyers; `untag` lifts it, `tag` gives one a person has
 * established. Either writes, in one script on the buyer's keys (one hash
 * slot), the change and a note of it on the buyer's record
 * (tag_lifted:<tag> or tag_given:<tag>: when, by whom, why), which
 * `redress-report --platform P --buyer ID` shows. Lifting extortion also
 * clears the demands kept on the record (chats that named no order,
 * demand_first:<store>, demand_last:<store>, and the extortion intent of
 * those chats): they were read as demands by the reading the person
 * overrules, and a later appeal would quote them. With --store and
 * --order it clears the extortion an order's chats were read as (the
 * evidence fields and the intent on the order's record, which the
 * order's review reads: it would tag the buyer again), in a script on
 * the order's keys, leaving extortion_lifted (the note) there. A case already
 * moved to the malicious track stays there (its appeal may be filed). The
 * configuration is the
 * workers' (--config, REDRESS_* variables): the same Redis, clock and
 * retention.buyers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "conf.h"
#include "enums.h"
#include "event.h"
#include "keys.h"
#include "redis.h"
#include "tool.h"

#define EXIT_USAGE RDR_TOOL_EXIT_USAGE
#define EXIT_CONFIG RDR_TOOL_EXIT_CONFIG
#define KEYSZ 1024
#define REASON_MAX 500

/* One script for each key group. ARGV: the mode, "1" for a dry run
 * (what would change, changing nothing), the note (JSON), the record's
 * retention in ms (0: kept for ever), "1" to clear the demands, then the
 * tags. Mode "tag" or "untag", KEYS the buyer's record, tags and intents
 * (of the chats that named no order): the tags given or lifted, each
 * with the note on the record, and the demands kept on the record.
 * Mode "order", KEYS an order's record and intents: the extortion its
 * chats were read as (the evidence fields, the intent), the note
 * replacing it. Returns {tags changed, fields cleared}. */
static const char buyer_lua[] =
    "local mode, dry, note = ARGV[1], ARGV[2] == '1', ARGV[3]\n"
    "local changed, cleared = {}, {}\n"
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
    "end\n"
    "if mode == 'order' then\n"
    "  clear(KEYS[1], KEYS[2], function(f)\n"
    "    return f == 'extortion_ref' or f == 'extortion_text' or\n"
    "           f == 'extortion_at_ms' or string.sub(f, 1, 10) == "
    "'extortion:'\n"
    "  end)\n"
    "  if not dry and #cleared > 0 then\n"
    "    redis.call('HSET', KEYS[1], 'extortion_lifted', note)\n"
    "  end\n"
    "  table.sort(cleared)\n"
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
    "if ARGV[5] == '1' then\n"
    "  clear(KEYS[1], KEYS[3], function(f)\n"
    "    return string.sub(f, 1, 13) == 'demand_first:' or\n"
    "           string.sub(f, 1, 12) == 'demand_last:'\n"
    "  end)\n"
    "end\n"
    "if not dry and keep > 0 and #changed > 0 then\n"
    "  redis.call('PEXPIRE', KEYS[1], keep)\n"
    "  if give then redis.call('PEXPIRE', KEYS[2], keep) end\n"
    "end\n"
    "table.sort(cleared)\n"
    "return {changed, cleared}\n";

typedef struct buyer_s {
        int give; /* tag, else untag */
        const char *platform, *buyer_id, *reason, *by;
        const char *store_id, *order_id; /* an order's extortion, or NULL */
        int tags[RDR_MAL__CNT];          /* asked for, by rdr_malicious_t */
        int dry_run, json;
        char k_record[KEYSZ], k_tags[KEYSZ], k_intents[KEYSZ];
        char k_order[KEYSZ], k_order_intents[KEYSZ];
} buyer_t;

static void usage(FILE *fp) {
        fprintf(
            fp,
            "Usage: redress-buyer untag --platform P --buyer ID --tag TAG "
            "--reason TEXT\n"
            "                           [--store S --order ID] [--by NAME] "
            "[--dry-run] [--json]\n"
            "       redress-buyer tag   --platform P --buyer ID --tag TAG "
            "--reason TEXT\n"
            "                           [--by NAME] [--dry-run] [--json]\n"
            "Lifts or gives a buyer's fleet-wide tag (extortion, competitor, "
            "professional;\n"
            "untag also takes all). Every case of a tagged buyer, in any "
            "store, stops\n"
            "writing to the buyer and moves to the malicious track at its "
            "next step toward\n"
            "them; lifting extortion also clears the demands kept from the "
            "buyer's chats\n"
            "that named no order, and with --store and --order the "
            "extortion that order's\n"
            "chats were read as (its review would read it again). Cases "
            "already on the\n"
            "malicious track stay there. The buyer's record keeps a note of "
            "it\n"
            "(tag_lifted:TAG or tag_given:TAG: when, --by, --reason; the "
            "order's\n"
            "extortion_lifted): redress-report --platform P --buyer ID "
            "shows it.\n"
            "  --by NAME      who (default: $USER)\n"
            "  --dry-run      say what would change, change nothing\n"
            "  --config FILE, --set KEY=VALUE   as the workers\n"
            "Exit status: 0 done (or nothing to change), 1 Redis "
            "unreachable, 2 usage,\n"
            "78 bad configuration.\n");
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

/* The change (or with --dry-run what it would be), a script on the
 * buyer's keys and one on the order's, in one round trip: the tags
 * changed into *changed, the fields cleared into *cleared and
 * *order_cleared. Returns 0, -1 if Redis failed (its error said). */
static int apply(rdr_redis_t *redis, int script, const buyer_t *b, int64_t now,
                 long long keep_ms, json_t **changed, json_t **cleared,
                 json_t **order_cleared) {
        const char *argv[3 + 5 + RDR_MAL__CNT];
        char keep[32], at[RDR_TIME_RFC3339_SIZE];
        char *note;
        json_t *n;
        const redisReply *r[2];
        size_t i;
        int argc = 0, m, rc = 0;
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
        if (b->order_id)
                rdr_redis_eval(redis, script, 2, 5,
                               (const char *[]){b->k_order, b->k_order_intents,
                                                "order", b->dry_run ? "1" : "",
                                                note},
                               NULL);
        if (rdr_redis_exec(redis)) {
                fprintf(stderr, "redress-buyer: Redis: %s\n",
                        rdr_redis_errstr(redis));
                free(note);
                return -1;
        }
        free(note);
        for (i = 0; i < (b->order_id ? 2u : 1u); i++) {
                r[i] = rdr_redis_reply(redis, i);
                if (!r[i] || r[i]->type != REDIS_REPLY_ARRAY ||
                    r[i]->elements != 2) {
                        fprintf(stderr, "redress-buyer: Redis: %s\n",
                                r[i] && r[i]->type == REDIS_REPLY_ERROR
                                    ? r[i]->str
                                    : "an unexpected reply");
                        rc = -1;
                }
        }
        if (rc)
                return rc;
        *changed = strings(r[0]->element[0]);
        *cleared = strings(r[0]->element[1]);
        *order_cleared = b->order_id ? strings(r[1]->element[1]) : json_array();
        return 0;
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

static void print_result(const buyer_t *b, json_t *changed, json_t *cleared,
                         json_t *order_cleared) {
        if (b->json) {
                json_t *o =
                    json_pack("{s:s,s:s,s:s,s:b,s:O,s:O,s:O,s:s,s:s}",
                              "platform", b->platform, "buyer_id", b->buyer_id,
                              "action", b->give ? "tag" : "untag", "dry_run",
                              b->dry_run, b->give ? "given" : "lifted", changed,
                              "cleared", cleared, "order_cleared",
                              order_cleared, "by", b->by, "reason", b->reason);
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
        print_items(changed);
        if (!b->give && b->tags[RDR_MAL_EXTORTION]) {
                printf("; demands cleared: ");
                print_items(cleared);
        }
        printf("\n");
        if (b->order_id) {
                printf("Order %s of %s, its chats' extortion %s: ", b->order_id,
                       b->store_id, b->dry_run ? "to clear" : "cleared");
                print_items(order_cleared);
                printf("\n");
        }
        if (!b->give && json_array_size(changed))
                printf("Cases already on the malicious track stay there: "
                       "redress-report --platform %s --buyer %s lists the "
                       "buyer's latest case in each store.\n",
                       b->platform, b->buyer_id);
}

int main(int argc, char **argv) {
        buyer_t b;
        const char *config = NULL;
        rdr_conf_t *conf = NULL;
        rdr_redis_t *redis = NULL;
        rdr_clock_t *clk = NULL;
        json_t *changed = NULL, *cleared = NULL, *order_cleared = NULL;
        char errstr[512];
        int i, rc = 1, script, any = 0;

        memset(&b, 0, sizeof(b));
        if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
                usage(argc < 2 ? stderr : stdout);
                return argc < 2 ? EXIT_USAGE : 0;
        }
        if (!strcmp(argv[1], "tag"))
                b.give = 1;
        else if (strcmp(argv[1], "untag"))
                goto bad;
        for (i = 2; i + 1 < argc; i++)
                if (!strcmp(argv[i], "--config"))
                        config = argv[i + 1];
        conf = rdr_conf_new(config, NULL, errstr, sizeof(errstr));
        if (!conf) {
                fprintf(stderr, "redress-buyer: %s\n", errstr);
                return EXIT_CONFIG;
        }
        for (i = 2; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                        usage(stdout);
                        rdr_conf_destroy(conf);
                        return 0;
                }
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
                if (!strcmp(a, "--config")) {
                        /* loaded above */
                } else if (!strcmp(a, "--set")) {
                        if ((rc = rdr_tool_set(conf, "redress-buyer", v))) {
                                if (rc == EXIT_USAGE)
                                        goto bad;
                                rdr_conf_destroy(conf);
                                return rc;
                        }
                } else if (!strcmp(a, "--platform")) {
                        b.platform = v;
                } else if (!strcmp(a, "--buyer")) {
                        b.buyer_id = v;
                } else if (!strcmp(a, "--reason")) {
                        b.reason = v;
                } else if (!strcmp(a, "--by")) {
                        b.by = v;
                } else if (!strcmp(a, "--store")) {
                        b.store_id = v;
                } else if (!strcmp(a, "--order")) {
                        b.order_id = v;
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
            (b.order_id &&
             (rdr_key_order(b.k_order, KEYSZ, b.platform, b.store_id,
                            b.order_id, NULL) < 0 ||
              rdr_key_order(b.k_order_intents, KEYSZ, b.platform, b.store_id,
                            b.order_id, "intents") < 0))) {
                fprintf(stderr, "redress-buyer: ids too long for a Redis "
                                "key\n");
                rdr_conf_destroy(conf);
                return EXIT_USAGE;
        }
        if ((rc = rdr_tool_redis(conf, "redress-buyer", "buyer_tag", buyer_lua,
                                 &script, &redis, &clk)))
                goto done;
        rc = 1;
        if (apply(redis, script, &b, rdr_clock_now_ms(clk),
                  rdr_conf_int(conf, "retention.buyers"), &changed, &cleared,
                  &order_cleared))
                goto done;
        print_result(&b, changed, cleared, order_cleared);
        rc = 0;
done:
        json_decref(changed);
        json_decref(cleared);
        json_decref(order_cleared);
        rdr_clock_destroy(clk);
        rdr_redis_destroy(redis);
        rdr_conf_destroy(conf);
        return rc;
bad:
        usage(stderr);
        rdr_conf_destroy(conf);
        return EXIT_USAGE;
}

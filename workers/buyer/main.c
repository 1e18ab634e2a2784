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
 * overrules, and a later appeal would quote them. A case already moved to
 * the malicious track stays there (its appeal may be filed). The
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

/* KEYS: the buyer's record, tags, intents (chats that named no order).
 * ARGV: "tag" or "untag", the note (JSON), the record's retention in ms
 * (0: kept for ever), whether to clear the demands ("1" or ""), then the
 * tags. Returns {tags changed, fields cleared}. */
static const char buyer_lua[] =
    "local give = ARGV[1] == 'tag'\n"
    "local keep = tonumber(ARGV[3])\n"
    "local changed, cleared = {}, {}\n"
    "for i = 5, #ARGV do\n"
    "  local n\n"
    "  if give then n = redis.call('SADD', KEYS[2], ARGV[i])\n"
    "  else n = redis.call('SREM', KEYS[2], ARGV[i]) end\n"
    "  if n == 1 then\n"
    "    changed[#changed + 1] = ARGV[i]\n"
    "    redis.call('HSET', KEYS[1],\n"
    "               (give and 'tag_given:' or 'tag_lifted:') .. ARGV[i],\n"
    "               ARGV[2])\n"
    "  end\n"
    "end\n"
    "if ARGV[4] == '1' then\n"
    "  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do\n"
    "    if string.sub(f, 1, 13) == 'demand_first:' or\n"
    "       string.sub(f, 1, 12) == 'demand_last:' then\n"
    "      redis.call('HDEL', KEYS[1], f)\n"
    "      cleared[#cleared + 1] = f\n"
    "    end\n"
    "  end\n"
    "  if redis.call('SREM', KEYS[3], 'extortion') == 1 then\n"
    "    cleared[#cleared + 1] = 'intent extortion'\n"
    "  end\n"
    "end\n"
    "if keep > 0 and #changed > 0 then\n"
    "  redis.call('PEXPIRE', KEYS[1], keep)\n"
    "  if give then redis.call('PEXPIRE', KEYS[2], keep) end\n"
    "end\n"
    "return {changed, cleared}\n";

typedef struct buyer_s {
        int give; /* tag, else untag */
        const char *platform, *buyer_id, *reason, *by;
        int tags[RDR_MAL__CNT]; /* asked for, by rdr_malicious_t */
        int dry_run, json;
        char k_record[KEYSZ], k_tags[KEYSZ], k_intents[KEYSZ];
} buyer_t;

static void usage(FILE *fp) {
        fprintf(
            fp,
            "Usage: redress-buyer untag --platform P --buyer ID --tag TAG "
            "--reason TEXT\n"
            "                           [--by NAME] [--dry-run] [--json]\n"
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
            "that named no order. Cases already on the malicious track stay "
            "there.\n"
            "The buyer's record keeps a note of it (tag_lifted:TAG or "
            "tag_given:TAG: when,\n"
            "--by, --reason): redress-report --platform P --buyer ID shows "
            "it.\n"
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

/* What --dry-run would change, read (SMEMBERS, HKEYS, SISMEMBER): the
 * same {changed, cleared} as the script. */
static int preview(rdr_redis_t *redis, const buyer_t *b, json_t **changed,
                   json_t **cleared) {
        const redisReply *tags, *keys, *ext;
        size_t i;
        int m;
        rdr_redis_cmdl(redis, "SMEMBERS", b->k_tags, NULL);
        rdr_redis_cmdl(redis, "HKEYS", b->k_record, NULL);
        rdr_redis_cmdl(redis, "SISMEMBER", b->k_intents, "extortion", NULL);
        if (rdr_redis_exec(redis))
                return -1;
        tags = rdr_redis_reply(redis, 0);
        keys = rdr_redis_reply(redis, 1);
        ext = rdr_redis_reply(redis, 2);
        *changed = json_array();
        *cleared = json_array();
        for (m = 0; m < RDR_MAL__CNT; m++) {
                int has = 0;
                if (!b->tags[m])
                        continue;
                for (i = 0; tags && tags->type == REDIS_REPLY_ARRAY &&
                            i < tags->elements;
                     i++)
                        if (tags->element[i]->str &&
                            !strcmp(tags->element[i]->str,
                                    rdr_malicious_names[m]))
                                has = 1;
                if (has != b->give)
                        json_array_append_new(
                            *changed, json_string(rdr_malicious_names[m]));
        }
        if (b->give || !b->tags[RDR_MAL_EXTORTION])
                return 0;
        for (i = 0;
             keys && keys->type == REDIS_REPLY_ARRAY && i < keys->elements;
             i++) {
                const char *f = keys->element[i]->str;
                if (f && (!strncmp(f, RDR_KEY_DEMAND_FIRST,
                                   strlen(RDR_KEY_DEMAND_FIRST)) ||
                          !strncmp(f, RDR_KEY_DEMAND_LAST,
                                   strlen(RDR_KEY_DEMAND_LAST))))
                        json_array_append_new(*cleared, json_string(f));
        }
        if (ext && ext->type == REDIS_REPLY_INTEGER && ext->integer == 1)
                json_array_append_new(*cleared,
                                      json_string("intent extortion"));
        return 0;
}

/* The change, in one script. */
static int apply(rdr_redis_t *redis, int script, const buyer_t *b, int64_t now,
                 long long keep_ms, json_t **changed, json_t **cleared) {
        const char *argv[3 + 4 + RDR_MAL__CNT];
        char keep[32], at[RDR_TIME_RFC3339_SIZE];
        char *note;
        json_t *n;
        const redisReply *r;
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
        argv[argc++] = note;
        argv[argc++] = keep;
        argv[argc++] = !b->give && b->tags[RDR_MAL_EXTORTION] ? "1" : "";
        for (m = 0; m < RDR_MAL__CNT; m++)
                if (b->tags[m])
                        argv[argc++] = rdr_malicious_names[m];
        rdr_redis_eval(redis, script, 3, argc, argv, NULL);
        if (!rdr_redis_exec(redis)) {
                r = rdr_redis_reply(redis, 0);
                if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
                        *changed = strings(r->element[0]);
                        *cleared = strings(r->element[1]);
                        rc = 0;
                } else if (r && r->type == REDIS_REPLY_ERROR) {
                        fprintf(stderr, "redress-buyer: Redis: %s\n", r->str);
                        rc = -2;
                }
        }
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

static void print_result(const buyer_t *b, json_t *changed, json_t *cleared) {
        if (b->json) {
                json_t *o =
                    json_pack("{s:s,s:s,s:s,s:b,s:O,s:O,s:s,s:s}", "platform",
                              b->platform, "buyer_id", b->buyer_id, "action",
                              b->give ? "tag" : "untag", "dry_run", b->dry_run,
                              b->give ? "given" : "lifted", changed, "cleared",
                              cleared, "by", b->by, "reason", b->reason);
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
        json_t *changed = NULL, *cleared = NULL;
        char errstr[512];
        int i, err, rc = 1, script, any = 0;

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
            !any || !b.reason)
                goto bad;
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
                          "intents") < 0) {
                fprintf(stderr, "redress-buyer: ids too long for a Redis "
                                "key\n");
                rdr_conf_destroy(conf);
                return EXIT_USAGE;
        }
        if ((rc = rdr_tool_redis(conf, "redress-buyer", "buyer_tag", buyer_lua,
                                 &script, &redis, &clk)))
                goto done;
        rc = 1;
        err = b.dry_run ? preview(redis, &b, &changed, &cleared)
                        : apply(redis, script, &b, rdr_clock_now_ms(clk),
                                rdr_conf_int(conf, "retention.buyers"),
                                &changed, &cleared);
        if (err) {
                if (err == -1)
                        fprintf(stderr, "redress-buyer: Redis: %s\n",
                                rdr_redis_errstr(redis));
                goto done;
        }
        print_result(&b, changed, cleared);
        rc = 0;
done:
        json_decref(changed);
        json_decref(cleared);
        rdr_clock_destroy(clk);
        rdr_redis_destroy(redis);
        rdr_conf_destroy(conf);
        return rc;
bad:
        usage(stderr);
        rdr_conf_destroy(conf);
        return EXIT_USAGE;
}

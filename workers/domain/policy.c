/* Platform policies: loading configs/platforms/<platform>.yaml and checking
 * a step against it. Every rule in a file is a small map {value, rule, note}
 * so that the name a blocked step reports is written next to the value it
 * enforces; the rules that differ between product reviews and seller
 * feedback live in one table (rs_keys), read once per review kind. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playbook.h"
#include "policy.h"

const char *const rdr_review_kind_names[RDR_REVIEW_KIND__CNT] = {
    "product_review", "seller_feedback"};
const char *const rdr_evidence_kind_names[RDR_EVIDENCE__CNT] = {
    "review", "chat", "buyer_profile", "shipment", "order", "other"};
const char *const rdr_ground_names[RDR_GROUND__CNT] = {
    "none",    "extortion",     "professional", "competitor",
    "abusive", "carrier_delay", "unrelated",    "product_review_in_feedback"};
const char *const rdr_remedy_names[RDR_REMEDY__CNT] = {
    "remove_review", "remove_text", "strike_through", "report"};

/* A value with the name of the rule that enforces it. */
typedef struct rdr_rule_s {
        long long value;
        char name[RDR_RULE_MAX];
} rdr_rule_t;

/* The rules that depend on the review kind. */
typedef enum rs_e {
        RS_ASK_MODIFY,    /* ASK_* */
        RS_MODIFY_WINDOW, /* ms after the review; 0: none */
        RS_MAX_MODIFY,    /* requests per order; -1: unlimited */
        RS_INCENTIVES,    /* bool */
        RS_MAX_MESSAGES,  /* review-related messages per order; -1 */
        RS__CNT
} rs_t;

enum { ASK_NEVER, ASK_ALWAYS, ASK_AFTER_RESOLUTION };
static const char *const ask_names[] = {"never", "always", "after_resolution"};

typedef enum rs_type_e { RT_ASK, RT_DURATION, RT_COUNT, RT_BOOL } rs_type_t;

static const struct {
        const char *key;
        rs_type_t type;
        const char *doc;
} rs_keys[RS__CNT] = {
    {"may_ask_modify_review", RT_ASK,
     "Whether the store may ask the buyer to change or remove the review: "
     "never, always, after_resolution"},
    {"modify_window", RT_DURATION,
     "Asking to modify only within this of the review (none: no limit)"},
    {"max_modify_requests_per_order", RT_COUNT,
     "Requests to modify per order (unlimited: no limit)"},
    {"incentives_allowed", RT_BOOL,
     "Whether any refund, discount or gift may be tied to a review"},
    {"max_review_messages_per_order", RT_COUNT,
     "Review-related messages per order (unlimited: no limit)"},
};

struct rdr_policy_s {
        char platform[RDR_PLATFORM_MAX];
        char *source, *as_of;
        rdr_rule_t rs[RDR_REVIEW_KIND__CNT][RS__CNT];
        /* channels: preference order per action kind */
        rdr_channel_t pref[RDR_ACT__CNT][RDR_CHAN__CNT];
        int pref_cnt[RDR_ACT__CNT];
        rdr_rule_t channels; /* name only */
        rdr_rule_t public_reply;
        int has_quiet;
        rdr_window_t quiet;
        rdr_rule_t quiet_rule;
        rdr_rule_t appeal_window;   /* ms; 0: none */
        rdr_rule_t appeal_grounds;  /* name only */
        rdr_rule_t appeal_evidence; /* name only */
        struct {
                int heard;
                unsigned evidence;
                rdr_remedy_t remedy;
        } grounds[RDR_GROUND__CNT];
};

struct rdr_policy_set_s {
        rdr_policy_t **pols;
        size_t cnt;
};

rdr_ground_t rdr_ground_of_malicious(rdr_malicious_t mal) {
        switch (mal) {
        case RDR_MAL_EXTORTION:
                return RDR_GROUND_EXTORTION;
        case RDR_MAL_PROFESSIONAL:
                return RDR_GROUND_PROFESSIONAL;
        case RDR_MAL_COMPETITOR:
                return RDR_GROUND_COMPETITOR;
        case RDR_MAL_ABUSIVE:
                return RDR_GROUND_ABUSIVE;
        default:
                return RDR_GROUND_NONE;
        }
}

int rdr_policy_kind_is_review_message(rdr_action_kind_t kind) {
        return kind == RDR_ACT_FIRST_CONTACT || kind == RDR_ACT_FOLLOW_UP ||
               kind == RDR_ACT_INCENTIVE || kind == RDR_ACT_NUDGE ||
               kind == RDR_ACT_MODIFICATION_GUIDE;
}

int rdr_policy_kind_asks_modify(rdr_action_kind_t kind) {
        return kind == RDR_ACT_INCENTIVE || kind == RDR_ACT_NUDGE ||
               kind == RDR_ACT_MODIFICATION_GUIDE;
}

void rdr_policy_doc(void *fp) {
        static const char *const types[] = {
            "never, always or after_resolution", "duration or none",
            "integer or unlimited", "true or false"};
        int i;
        fprintf(fp, "Each rule is `{value, rule, note}`; `rule` names it "
                    "(`<platform>.<name>`) when a step is blocked. Under "
                    "`product_review:` (required) and `seller_feedback:` "
                    "(defaults to product_review):\n\n"
                    "| key | value | meaning |\n|---|---|---|\n");
        for (i = 0; i < RS__CNT; i++)
                fprintf(fp, "| `%s` | %s | %s |\n", rs_keys[i].key,
                        types[rs_keys[i].type], rs_keys[i].doc);
        fprintf(fp, "\nAlso: `platform`, `source`, `as_of`; `channels: {rule, "
                    "preference: [...], public_reply: {value, rule}, <kind>: "
                    "[...]}` (buyer channels in preference order, per kind if "
                    "given); `quiet_hours: {value: HH:MM-HH:MM | none, rule}`; "
                    "`appeal: {rule, evidence_rule, window: {value, rule}, "
                    "grounds: {<ground>: {evidence: [...], remedy}}}`: "
                    "evidence kinds `review`, `chat`, `buyer_profile`, "
                    "`shipment`, `order`, `other`, and `demand` (the buyer's "
                    "demand: a chat message, or the review's own text when "
                    "it makes it).\n");
}

/* ---- loading ---------------------------------------------------------- */

/* The rule name of node: "<platform>.<something>". */
static rdr_err_t parse_rule_key(const rdr_policy_t *pol, const rdr_yaml_t *map,
                                const char *path, const char *key,
                                rdr_rule_t *rule, char *errstr,
                                size_t errstr_size) {
        char p[RDR_CFG_PATH_MAX];
        size_t plen = strlen(pol->platform);
        rdr_yaml_t *v;
        snprintf(p, sizeof(p), "%.120s.%.100s", path, key);
        if (rdr_cfg_need(map, key, p, &v, errstr, errstr_size) ||
            rdr_cfg_strcpy(v, p, rule->name, RDR_RULE_MAX, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        if (strncmp(rule->name, pol->platform, plen) ||
            rule->name[plen] != '.' || !rule->name[plen + 1])
                return rdr_yaml_error(v, p, errstr, errstr_size,
                                      "a rule name starts with '%s.'",
                                      pol->platform);
        return RDR_OK;
}

/* The `rule:` of map. */
static rdr_err_t parse_rule_name(const rdr_policy_t *pol, const rdr_yaml_t *map,
                                 const char *path, rdr_rule_t *rule,
                                 char *errstr, size_t errstr_size) {
        return parse_rule_key(pol, map, path, "rule", rule, errstr,
                              errstr_size);
}

/* A count or "unlimited" (-1). */
static rdr_err_t parse_count(const rdr_yaml_t *v, const char *path,
                             long long *out, char *errstr, size_t errstr_size) {
        const char *s = rdr_yaml_scalar(v);
        if (s && !strcmp(s, "unlimited")) {
                *out = -1;
                return RDR_OK;
        }
        return rdr_yaml_as_int(v, path, 0, 1000, out, errstr, errstr_size);
}

/* A duration or "none" (0). */
static rdr_err_t parse_opt_duration(const rdr_yaml_t *v, const char *path,
                                    long long *out, char *errstr,
                                    size_t errstr_size) {
        const char *s = rdr_yaml_scalar(v);
        if (s && !strcmp(s, "none")) {
                *out = 0;
                return RDR_OK;
        }
        return rdr_yaml_as_duration_ms(v, path, 60000, 3650LL * 86400000, out,
                                       errstr, errstr_size);
}

/* A rule {value, rule, note} whose value is of type. */
static rdr_err_t parse_rule(const rdr_policy_t *pol, const rdr_yaml_t *map,
                            const char *path, rs_type_t type, rdr_rule_t *rule,
                            char *errstr, size_t errstr_size) {
        static const char *const keys[] = {"value", "rule", "note", NULL};
        char p[RDR_CFG_PATH_MAX];
        rdr_yaml_t *v;
        const char *s;
        int b, a;
        if (rdr_cfg_map(map, path, keys, errstr, errstr_size) ||
            parse_rule_name(pol, map, path, rule, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        snprintf(p, sizeof(p), "%.120s.value", path);
        if (rdr_cfg_need(map, "value", p, &v, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        switch (type) {
        case RT_ASK:
                if (rdr_yaml_as_str(v, p, 32, &s, errstr, errstr_size))
                        return RDR_ERR_CONFIG;
                a = rdr_enum_parse(ask_names, 3, s, strlen(s));
                if (a < 0)
                        return rdr_yaml_error(v, p, errstr, errstr_size,
                                              "expected never, always or "
                                              "after_resolution");
                rule->value = a;
                return RDR_OK;
        case RT_DURATION:
                return parse_opt_duration(v, p, &rule->value, errstr,
                                          errstr_size);
        case RT_COUNT:
                return parse_count(v, p, &rule->value, errstr, errstr_size);
        case RT_BOOL:
                if (rdr_yaml_as_bool(v, p, &b, errstr, errstr_size))
                        return RDR_ERR_CONFIG;
                rule->value = b;
                return RDR_OK;
        }
        return RDR_ERR_INTERNAL;
}

/* product_review (all keys required) or seller_feedback (each key defaults
 * to product_review's). */
static rdr_err_t parse_rule_set(rdr_policy_t *pol, const rdr_yaml_t *map,
                                rdr_review_kind_t kind, char *errstr,
                                size_t errstr_size) {
        const char *allowed[RS__CNT + 1];
        const char *name = rdr_review_kind_names[kind];
        char p[RDR_CFG_PATH_MAX];
        int i;
        for (i = 0; i < RS__CNT; i++)
                allowed[i] = rs_keys[i].key;
        allowed[RS__CNT] = NULL;
        if (rdr_cfg_map(map, name, allowed, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        for (i = 0; i < RS__CNT; i++) {
                rdr_yaml_t *v = rdr_yaml_get(map, rs_keys[i].key);
                snprintf(p, sizeof(p), "%.120s.%.100s", name, rs_keys[i].key);
                if (!v) {
                        if (kind == RDR_REVIEW_KIND_PRODUCT)
                                return rdr_yaml_error(map, p, errstr,
                                                      errstr_size, "missing");
                        pol->rs[kind][i] = pol->rs[RDR_REVIEW_KIND_PRODUCT][i];
                        continue;
                }
                if (parse_rule(pol, v, p, rs_keys[i].type, &pol->rs[kind][i],
                               errstr, errstr_size))
                        return RDR_ERR_CONFIG;
        }
        return RDR_OK;
}

static rdr_err_t parse_channel_list(const rdr_yaml_t *seq, const char *path,
                                    rdr_channel_t *out, int *cnt, char *errstr,
                                    size_t errstr_size) {
        size_t i;
        *cnt = 0;
        if (rdr_yaml_type(seq) != RDR_YAML_SEQ)
                return rdr_yaml_error(seq, path, errstr, errstr_size,
                                      "expected a list of channels");
        for (i = 0; i < rdr_yaml_len(seq); i++) {
                rdr_yaml_t *v = rdr_yaml_at(seq, i);
                const char *s;
                int c, j;
                rdr_err_t err =
                    rdr_yaml_as_str(v, path, 32, &s, errstr, errstr_size);
                if (err)
                        return err;
                c = rdr_enum_parse(rdr_channel_names, RDR_CHAN__CNT, s,
                                   strlen(s));
                if (c != RDR_CHAN_IM && c != RDR_CHAN_EMAIL &&
                    c != RDR_CHAN_SITE_LETTER && c != RDR_CHAN_SMS &&
                    c != RDR_CHAN_PHONE_TASK)
                        return rdr_yaml_error(v, path, errstr, errstr_size,
                                              "'%s' is not a buyer channel "
                                              "(im, email, site_letter, sms, "
                                              "phone_task)",
                                              s);
                for (j = 0; j < *cnt; j++)
                        if (out[j] == (rdr_channel_t)c)
                                return rdr_yaml_error(v, path, errstr,
                                                      errstr_size,
                                                      "'%s' listed twice", s);
                out[(*cnt)++] = (rdr_channel_t)c;
        }
        return RDR_OK;
}

/* channels: {rule, public_reply, preference: [...], <kind>: [...]} */
static rdr_err_t parse_channels(rdr_policy_t *pol, const rdr_yaml_t *map,
                                char *errstr, size_t errstr_size) {
        rdr_yaml_t *v;
        rdr_channel_t def[RDR_CHAN__CNT];
        int def_cnt, k;
        size_t i;
        char p[RDR_CFG_PATH_MAX];
        if (rdr_cfg_map(map, "channels", NULL, errstr, errstr_size) ||
            parse_rule_name(pol, map, "channels", &pol->channels, errstr,
                            errstr_size) ||
            rdr_cfg_need(map, "preference", "channels.preference", &v, errstr,
                         errstr_size) ||
            parse_channel_list(v, "channels.preference", def, &def_cnt, errstr,
                               errstr_size))
                return RDR_ERR_CONFIG;
        for (k = 0; k < RDR_ACT__CNT; k++) {
                memcpy(pol->pref[k], def, sizeof(def));
                pol->pref_cnt[k] = def_cnt;
        }
        for (i = 0; i < rdr_yaml_len(map); i++) {
                const char *key = rdr_yaml_key(map, i);
                v = rdr_yaml_at(map, i);
                snprintf(p, sizeof(p), "channels.%.100s", key);
                if (!strcmp(key, "rule") || !strcmp(key, "preference"))
                        continue;
                if (!strcmp(key, "public_reply")) {
                        if (parse_rule(pol, v, p, RT_BOOL, &pol->public_reply,
                                       errstr, errstr_size))
                                return RDR_ERR_CONFIG;
                        continue;
                }
                k = rdr_enum_parse(rdr_action_kind_names, RDR_ACT__CNT, key,
                                   strlen(key));
                if (k < 0 ||
                    !(k == RDR_ACT_FIRST_CONTACT || k == RDR_ACT_FOLLOW_UP ||
                      k == RDR_ACT_INCENTIVE || k == RDR_ACT_NUDGE ||
                      k == RDR_ACT_MODIFICATION_GUIDE ||
                      k == RDR_ACT_NOTICE_SHIPPED ||
                      k == RDR_ACT_NOTICE_DELAY ||
                      k == RDR_ACT_NOTICE_EXCEPTION))
                        return rdr_yaml_error(v, p, errstr, errstr_size,
                                              "expected rule, preference, "
                                              "public_reply or an outreach.* "
                                              "or notice.* kind");
                if (parse_channel_list(v, p, pol->pref[k], &pol->pref_cnt[k],
                                       errstr, errstr_size))
                        return RDR_ERR_CONFIG;
        }
        if (!pol->public_reply.name[0])
                return rdr_yaml_error(map, "channels.public_reply", errstr,
                                      errstr_size, "missing");
        return RDR_OK;
}

static rdr_err_t parse_quiet(rdr_policy_t *pol, const rdr_yaml_t *map,
                             char *errstr, size_t errstr_size) {
        static const char *const keys[] = {"value", "rule", "note", NULL};
        rdr_yaml_t *v;
        const char *s;
        if (rdr_cfg_map(map, "quiet_hours", keys, errstr, errstr_size) ||
            parse_rule_name(pol, map, "quiet_hours", &pol->quiet_rule, errstr,
                            errstr_size) ||
            rdr_cfg_need(map, "value", "quiet_hours.value", &v, errstr,
                         errstr_size))
                return RDR_ERR_CONFIG;
        s = rdr_yaml_scalar(v);
        if (s && !strcmp(s, "none"))
                return RDR_OK;
        pol->has_quiet = 1;
        return rdr_cfg_window(v, "quiet_hours.value", &pol->quiet, errstr,
                              errstr_size);
}

static rdr_err_t parse_ground(rdr_policy_t *pol, const rdr_yaml_t *map,
                              const char *path, rdr_ground_t g, char *errstr,
                              size_t errstr_size) {
        static const char *const keys[] = {"evidence", "remedy", "note", NULL};
        char p[RDR_CFG_PATH_MAX];
        rdr_yaml_t *v;
        const char *s;
        size_t i;
        int e;
        if (rdr_cfg_map(map, path, keys, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        pol->grounds[g].heard = 1;
        snprintf(p, sizeof(p), "%.120s.evidence", path);
        if (rdr_cfg_need(map, "evidence", p, &v, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        if (rdr_yaml_type(v) != RDR_YAML_SEQ || !rdr_yaml_len(v))
                return rdr_yaml_error(v, p, errstr, errstr_size,
                                      "expected a list of evidence kinds");
        for (i = 0; i < rdr_yaml_len(v); i++) {
                rdr_yaml_t *item = rdr_yaml_at(v, i);
                if (rdr_yaml_as_str(item, p, 32, &s, errstr, errstr_size))
                        return RDR_ERR_CONFIG;
                e = !strcmp(s, "demand")
                        ? RDR_EVIDENCE_NEED_DEMAND
                        : rdr_enum_parse(rdr_evidence_kind_names,
                                         RDR_EVIDENCE__CNT, s, strlen(s));
                if (e < 0)
                        return rdr_yaml_error(item, p, errstr, errstr_size,
                                              "unknown evidence kind '%s'", s);
                pol->grounds[g].evidence |= RDR_EVIDENCE_BIT(e);
        }
        snprintf(p, sizeof(p), "%.120s.remedy", path);
        if (rdr_cfg_need(map, "remedy", p, &v, errstr, errstr_size) ||
            rdr_yaml_as_str(v, p, 32, &s, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        e = rdr_enum_parse(rdr_remedy_names, RDR_REMEDY__CNT, s, strlen(s));
        if (e < 0)
                return rdr_yaml_error(v, p, errstr, errstr_size,
                                      "expected remove_review, remove_text, "
                                      "strike_through or report");
        pol->grounds[g].remedy = (rdr_remedy_t)e;
        return RDR_OK;
}

/* appeal: {window: {value, rule}, rule, evidence_rule, grounds: {...}} */
static rdr_err_t parse_appeal(rdr_policy_t *pol, const rdr_yaml_t *map,
                              char *errstr, size_t errstr_size) {
        static const char *const keys[] = {"window",  "rule", "evidence_rule",
                                           "grounds", "note", NULL};
        static const char *const wkeys[] = {"value", "rule", "note", NULL};
        rdr_yaml_t *v, *w, *grounds;
        char p[RDR_CFG_PATH_MAX];
        size_t i;
        if (rdr_cfg_map(map, "appeal", keys, errstr, errstr_size) ||
            parse_rule_name(pol, map, "appeal", &pol->appeal_grounds, errstr,
                            errstr_size) ||
            rdr_cfg_need(map, "window", "appeal.window", &w, errstr,
                         errstr_size) ||
            rdr_cfg_map(w, "appeal.window", wkeys, errstr, errstr_size) ||
            parse_rule_name(pol, w, "appeal.window", &pol->appeal_window,
                            errstr, errstr_size) ||
            rdr_cfg_need(w, "value", "appeal.window.value", &v, errstr,
                         errstr_size) ||
            parse_opt_duration(v, "appeal.window.value",
                               &pol->appeal_window.value, errstr,
                               errstr_size) ||
            parse_rule_key(pol, map, "appeal", "evidence_rule",
                           &pol->appeal_evidence, errstr, errstr_size) ||
            rdr_cfg_need(map, "grounds", "appeal.grounds", &grounds, errstr,
                         errstr_size) ||
            rdr_cfg_map(grounds, "appeal.grounds", NULL, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        for (i = 0; i < rdr_yaml_len(grounds); i++) {
                const char *key = rdr_yaml_key(grounds, i);
                int g = rdr_enum_parse(rdr_ground_names, RDR_GROUND__CNT, key,
                                       strlen(key));
                snprintf(p, sizeof(p), "appeal.grounds.%.100s", key);
                if (g <= RDR_GROUND_NONE)
                        return rdr_yaml_error(rdr_yaml_at(grounds, i), p,
                                              errstr, errstr_size,
                                              "unknown ground '%s'", key);
                if (parse_ground(pol, rdr_yaml_at(grounds, i), p,
                                 (rdr_ground_t)g, errstr, errstr_size))
                        return RDR_ERR_CONFIG;
        }
        return RDR_OK;
}

static char *dup_str(const rdr_yaml_t *map, const char *key, char *errstr,
                     size_t errstr_size) {
        rdr_yaml_t *v;
        const char *s;
        char *d;
        if (rdr_cfg_need(map, key, key, &v, errstr, errstr_size) ||
            rdr_yaml_as_str(v, key, 1024, &s, errstr, errstr_size))
                return NULL;
        if (!*s) {
                rdr_yaml_error(v, key, errstr, errstr_size, "empty");
                return NULL;
        }
        d = strdup(s);
        if (!d)
                snprintf(errstr, errstr_size, "out of memory");
        return d;
}

rdr_policy_t *rdr_policy_load_file(const char *path, char *errstr,
                                   size_t errstr_size) {
        static const char *const top[] = {
            "platform",       "source",          "as_of",
            "product_review", "seller_feedback", "channels",
            "quiet_hours",    "appeal",          NULL};
        rdr_yaml_t *root, *v;
        rdr_policy_t *pol = NULL;

        root = rdr_yaml_load_file(path, errstr, errstr_size);
        if (!root)
                goto err;
        pol = calloc(1, sizeof(*pol));
        if (!pol) {
                snprintf(errstr, errstr_size, "%s: out of memory", path);
                goto err;
        }
        if (rdr_cfg_map(root, "(top)", top, errstr, errstr_size) ||
            rdr_cfg_need(root, "platform", "platform", &v, errstr,
                         errstr_size) ||
            rdr_cfg_strcpy(v, "platform", pol->platform, RDR_PLATFORM_MAX,
                           errstr, errstr_size))
                goto err;
        pol->source = dup_str(root, "source", errstr, errstr_size);
        if (!pol->source)
                goto err;
        pol->as_of = dup_str(root, "as_of", errstr, errstr_size);
        if (!pol->as_of)
                goto err;
        if (rdr_cfg_need(root, "product_review", "product_review", &v, errstr,
                         errstr_size) ||
            parse_rule_set(pol, v, RDR_REVIEW_KIND_PRODUCT, errstr,
                           errstr_size))
                goto err;
        v = rdr_yaml_get(root, "seller_feedback");
        if (v) {
                if (parse_rule_set(pol, v, RDR_REVIEW_KIND_SELLER_FEEDBACK,
                                   errstr, errstr_size))
                        goto err;
        } else {
                memcpy(pol->rs[RDR_REVIEW_KIND_SELLER_FEEDBACK],
                       pol->rs[RDR_REVIEW_KIND_PRODUCT], sizeof(pol->rs[0]));
        }
        if (rdr_cfg_need(root, "channels", "channels", &v, errstr,
                         errstr_size) ||
            parse_channels(pol, v, errstr, errstr_size) ||
            rdr_cfg_need(root, "quiet_hours", "quiet_hours", &v, errstr,
                         errstr_size) ||
            parse_quiet(pol, v, errstr, errstr_size) ||
            rdr_cfg_need(root, "appeal", "appeal", &v, errstr, errstr_size) ||
            parse_appeal(pol, v, errstr, errstr_size))
                goto err;
        rdr_yaml_destroy(root);
        return pol;
err:
        rdr_policy_destroy(pol);
        rdr_yaml_destroy(root);
        return NULL;
}

void rdr_policy_destroy(rdr_policy_t *pol) {
        if (!pol)
                return;
        free(pol->source);
        free(pol->as_of);
        free(pol);
}

rdr_policy_set_t *rdr_policy_set_load_dir(const char *dir, char *errstr,
                                          size_t errstr_size) {
        char **names = NULL;
        rdr_policy_set_t *set = NULL;
        char path[4096];
        size_t n = 0, i;

        if (rdr_yaml_dir(dir, &names, &n, errstr, errstr_size))
                goto err;
        set = calloc(1, sizeof(*set));
        if (set)
                set->pols = calloc(n + 1, sizeof(*set->pols));
        if (!set || !set->pols) {
                snprintf(errstr, errstr_size, "%s: out of memory", dir);
                goto err;
        }
        for (i = 0; i < n; i++) {
                rdr_policy_t *pol;
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                pol = rdr_policy_load_file(path, errstr, errstr_size);
                if (!pol)
                        goto err;
                set->pols[set->cnt++] = pol;
                if (rdr_policy_set_get(set, pol->platform) != pol) {
                        snprintf(errstr, errstr_size,
                                 "%s: platform '%s' is defined twice", path,
                                 pol->platform);
                        goto err;
                }
        }
        if (!set->cnt) {
                snprintf(errstr, errstr_size, "%s: no platform policy (*.yaml)",
                         dir);
                goto err;
        }
        rdr_yaml_dir_free(names, n);
        return set;
err:
        rdr_yaml_dir_free(names, n);
        rdr_policy_set_destroy(set);
        return NULL;
}

void rdr_policy_set_destroy(rdr_policy_set_t *set) {
        size_t i;
        if (!set)
                return;
        for (i = 0; i < set->cnt; i++)
                rdr_policy_destroy(set->pols[i]);
        free(set->pols);
        free(set);
}

const rdr_policy_t *rdr_policy_set_get(const rdr_policy_set_t *set,
                                       const char *platform) {
        size_t i;
        if (!platform)
                return NULL;
        for (i = 0; i < set->cnt; i++)
                if (!strcmp(set->pols[i]->platform, platform))
                        return set->pols[i];
        return NULL;
}

size_t rdr_policy_set_count(const rdr_policy_set_t *set) {
        return set->cnt;
}

const rdr_policy_t *rdr_policy_set_at(const rdr_policy_set_t *set, size_t i) {
        return set->pols[i];
}

int rdr_policy_limits_per_order(const rdr_policy_t *pol,
                                rdr_review_kind_t kind) {
        if ((unsigned)kind >= RDR_REVIEW_KIND__CNT)
                return 0;
        return pol->rs[kind][RS_MAX_MODIFY].value >= 0 ||
               pol->rs[kind][RS_MAX_MESSAGES].value >= 0;
}

const char *rdr_policy_platform(const rdr_policy_t *pol) {
        return pol->platform;
}
const char *rdr_policy_source(const rdr_policy_t *pol) {
        return pol->source;
}
const char *rdr_policy_as_of(const rdr_policy_t *pol) {
        return pol->as_of;
}

int rdr_policy_quiet_hours(const rdr_policy_t *pol, rdr_window_t *quiet) {
        if (pol->has_quiet)
                *quiet = pol->quiet;
        return pol->has_quiet;
}

int64_t rdr_policy_appeal_window_ms(const rdr_policy_t *pol) {
        return pol->appeal_window.value;
}

int rdr_policy_ground(const rdr_policy_t *pol, rdr_ground_t ground,
                      unsigned *evidence, rdr_remedy_t *remedy) {
        if (ground <= RDR_GROUND_NONE || ground >= RDR_GROUND__CNT ||
            !pol->grounds[ground].heard)
                return 0;
        if (evidence)
                *evidence = pol->grounds[ground].evidence;
        if (remedy)
                *remedy = pol->grounds[ground].remedy;
        return 1;
}

/* ---- checking --------------------------------------------------------- */

static rdr_err_t blocked(rdr_policy_verdict_t *verdict, const char *rule) {
        verdict->allowed = 0;
        verdict->rule = rule;
        return RDR_ERR_BLOCKED;
}

static rdr_err_t check_appeal(const rdr_policy_t *pol,
                              const rdr_policy_step_t *step,
                              const rdr_policy_ctx_t *ctx,
                              rdr_policy_verdict_t *verdict) {
        unsigned need;
        verdict->channel = RDR_CHAN_PLATFORM_APPEAL;
        if (!rdr_policy_ground(pol, step->ground, &need, NULL))
                return blocked(verdict, pol->appeal_grounds.name);
        if (pol->appeal_window.value) {
                verdict->deadline_ms =
                    ctx->review_at_ms + pol->appeal_window.value;
                if (ctx->at_ms >= verdict->deadline_ms)
                        return blocked(verdict, pol->appeal_window.name);
        }
        verdict->missing_evidence = need & ~ctx->evidence;
        if (verdict->missing_evidence)
                return blocked(verdict, pol->appeal_evidence.name);
        verdict->allowed = 1;
        return RDR_OK;
}

/* The channel for kind: the one the buyer wrote on if the platform allows
 * it for kind, else the first of the preference order; -1 if none. */
static int pick_channel(const rdr_policy_t *pol, rdr_action_kind_t kind,
                        int reply_channel) {
        int i;
        if (!pol->pref_cnt[kind])
                return -1;
        for (i = 0; i < pol->pref_cnt[kind]; i++)
                if ((int)pol->pref[kind][i] == reply_channel)
                        return reply_channel;
        return (int)pol->pref[kind][0];
}

rdr_err_t rdr_policy_check(const rdr_policy_t *pol,
                           const rdr_policy_step_t *step,
                           const rdr_policy_ctx_t *ctx,
                           rdr_policy_verdict_t *verdict) {
        const rdr_rule_t *rs;
        int ch;
        memset(verdict, 0, sizeof(*verdict));
        if ((unsigned)step->kind >= RDR_ACT__CNT ||
            (unsigned)ctx->review_kind >= RDR_REVIEW_KIND__CNT)
                return RDR_ERR_INVALID;
        rs = pol->rs[ctx->review_kind];

        switch (step->kind) {
        case RDR_ACT_STAFF_REVIEW:
                verdict->channel = RDR_CHAN_STAFF;
                verdict->allowed = 1;
                return RDR_OK;
        case RDR_ACT_REPLY_PUBLIC:
                verdict->channel = RDR_CHAN_PUBLIC_REPLY;
                if (!pol->public_reply.value)
                        return blocked(verdict, pol->public_reply.name);
                verdict->allowed = 1;
                return RDR_OK;
        case RDR_ACT_APPEAL_FILE:
                return check_appeal(pol, step, ctx, verdict);
        default:
                break;
        }

        /* A buyer-facing message: outreach.* or notice.*. */
        if (rdr_policy_kind_is_review_message(step->kind)) {
                if (step->has_offer && !rs[RS_INCENTIVES].value)
                        return blocked(verdict, rs[RS_INCENTIVES].name);
                if (rdr_policy_kind_asks_modify(step->kind)) {
                        const rdr_rule_t *ask = &rs[RS_ASK_MODIFY];
                        if (ask->value == ASK_NEVER ||
                            (ask->value == ASK_AFTER_RESOLUTION &&
                             !ctx->problem_solved))
                                return blocked(verdict, ask->name);
                        if (rs[RS_MODIFY_WINDOW].value &&
                            ctx->at_ms >=
                                ctx->review_at_ms + rs[RS_MODIFY_WINDOW].value)
                                return blocked(verdict,
                                               rs[RS_MODIFY_WINDOW].name);
                        if (rs[RS_MAX_MODIFY].value >= 0 &&
                            ctx->modify_requests_sent >=
                                rs[RS_MAX_MODIFY].value)
                                return blocked(verdict, rs[RS_MAX_MODIFY].name);
                }
                if (rs[RS_MAX_MESSAGES].value >= 0 &&
                    ctx->review_messages_sent >= rs[RS_MAX_MESSAGES].value)
                        return blocked(verdict, rs[RS_MAX_MESSAGES].name);
        } else if (step->has_offer && !rs[RS_INCENTIVES].value) {
                return blocked(verdict, rs[RS_INCENTIVES].name);
        }
        ch = pick_channel(pol, step->kind, ctx->reply_channel);
        if (ch < 0)
                return blocked(verdict, pol->channels.name);
        verdict->channel = (rdr_channel_t)ch;
        if (pol->has_quiet && ctx->zone) {
                int inside = 0;
                if (rdr_localtime_in_window(ctx->zone, &pol->quiet, ctx->at_ms,
                                            &inside) != RDR_OK)
                        return RDR_ERR_INVALID;
                if (inside)
                        return blocked(verdict, pol->quiet_rule.name);
        }
        verdict->allowed = 1;
        return RDR_OK;
}

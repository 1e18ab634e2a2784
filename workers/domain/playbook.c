/* Loading configs/playbook.yaml. One table (pb_keys) names every setting a
 * store may have, with its type, range and a line of documentation; it
 * drives parsing of `defaults:` (every key required) and of each store under
 * `stores:` (every key optional, applied over the defaults). The delivery
 * window table sits apart under `delivery_windows:`. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playbook.h"

const char *const rdr_offer_type_names[RDR_OFFER__CNT] = {
    "none", "partial_refund", "coupon", "discount"};
static const char *const on_block_names[RDR_ON_BLOCK__CNT] = {"stop", "skip"};

typedef struct pb_store_s {
        char *store_id;
        rdr_store_conf_t conf;
        /* An entry under `platforms:` (pb->on): its platform's name, and
         * where the file names it ("playbook.yaml:41: key
         * 'platforms.amazon'"); else "". */
        char platform[RDR_PB_PLATFORM_MAX];
        char platform_origin[160];
} pb_store_t;

struct rdr_playbook_s {
        rdr_store_conf_t defaults;
        pb_store_t *stores; /* sorted by store_id */
        size_t stores_cnt;
        /* Under `platforms:`: a platform's settings (store_id
         * "<platform>\x1f") and each named store's on it
         * ("<platform>\x1f<store_id>"), sorted. */
        pb_store_t *on;
        size_t on_cnt;
        rdr_delivery_window_t *windows;
        rdr_destination_t *destinations; /* by country */
        size_t destinations_cnt;
        size_t windows_cnt;
};

/* ---- shared YAML helpers ---------------------------------------------- */

rdr_err_t rdr_cfg_map(const rdr_yaml_t *node, const char *path,
                      const char *const *allowed, char *errstr,
                      size_t errstr_size) {
        size_t i, j;
        if (!node || rdr_yaml_type(node) != RDR_YAML_MAP)
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "expected a mapping");
        if (!allowed)
                return RDR_OK;
        for (i = 0; i < rdr_yaml_len(node); i++) {
                const char *key = rdr_yaml_key(node, i);
                int known = 0;
                for (j = 0; allowed[j] && !known; j++)
                        known = !strcmp(allowed[j], key);
                if (!known)
                        return rdr_yaml_error(rdr_yaml_at(node, i), key, errstr,
                                              errstr_size,
                                              "unknown key under '%s'", path);
        }
        return RDR_OK;
}

rdr_err_t rdr_cfg_need(const rdr_yaml_t *map, const char *key, const char *path,
                       rdr_yaml_t **out, char *errstr, size_t errstr_size) {
        *out = rdr_yaml_get(map, key);
        if (!*out)
                return rdr_yaml_error(map, path, errstr, errstr_size,
                                      "missing");
        return RDR_OK;
}

rdr_err_t rdr_cfg_strcpy(const rdr_yaml_t *node, const char *path, char *out,
                         size_t size, char *errstr, size_t errstr_size) {
        const char *s;
        rdr_err_t err =
            rdr_yaml_as_str(node, path, size - 1, &s, errstr, errstr_size);
        if (err)
                return err;
        memcpy(out, s, strlen(s) + 1);
        return RDR_OK;
}

rdr_err_t rdr_cfg_zone(const rdr_yaml_t *node, const char *path, char *out,
                       size_t size, char *errstr, size_t errstr_size) {
        rdr_err_t err =
            rdr_cfg_strcpy(node, path, out, size, errstr, errstr_size);
        if (err)
                return err;
        if (!rdr_localtime_zone_valid(out))
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "unknown time zone '%s'", out);
        return RDR_OK;
}

int rdr_lang_tag_valid(const char *tag) {
        size_t i, len = 0, n = 0;
        for (i = 0;; i++) {
                char ch = tag[i];
                int alpha =
                    (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
                if (ch == '-' || !ch) {
                        if (!len || len > 8 || (!n && (len < 2 || len > 3)))
                                return 0;
                        if (!ch)
                                return 1;
                        n++;
                        len = 0;
                } else if (alpha || (n && ch >= '0' && ch <= '9'))
                        len++;
                else
                        return 0;
        }
}

rdr_err_t rdr_cfg_lang(const rdr_yaml_t *node, const char *path, char *out,
                       size_t size, char *errstr, size_t errstr_size) {
        rdr_err_t err =
            rdr_cfg_strcpy(node, path, out, size, errstr, errstr_size);
        if (err)
                return err;
        if (!rdr_lang_tag_valid(out))
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "expected a language tag like en, es "
                                      "or zh-Hant, got '%s'",
                                      out);
        return RDR_OK;
}

rdr_err_t rdr_cfg_window(const rdr_yaml_t *node, const char *path,
                         rdr_window_t *out, char *errstr, size_t errstr_size) {
        const char *s;
        rdr_err_t err =
            rdr_yaml_as_str(node, path, 32, &s, errstr, errstr_size);
        if (err)
                return err;
        if (rdr_window_parse(s, out) == -1)
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "expected a window like 09:00-20:00, "
                                      "got '%s'",
                                      s);
        return RDR_OK;
}

/* ---- money ------------------------------------------------------------ */

/* The active currency codes of ISO 4217 (2025; not the funds, metals
 * and testing codes of X-), three letters each, in order: a code mistyped
 * (USX, UDS) would go into an offer's message as written. */
static int currency_valid(const char *c) {
        static const char codes[] = "AEDAFNALLAMDANGAOAARSAUDAWGAZNBAMBBDBDTBGN"
                                    "BHDBIFBMDBNDBOBBOVBRLBSDBTNBWPBYNBZDCADCDF"
                                    "CHECHFCHWCLFCLPCNYCOPCOUCRCCUPCVECZKDJFDKK"
                                    "DOPDZDEGPERNETBEURFJDFKPGBPGELGHSGIPGMDGNF"
                                    "GTQGYDHKDHNLHTGHUFIDRILSINRIQDIRRISKJMDJOD"
                                    "JPYKESKGSKHRKMFKPWKRWKWDKYDKZTLAKLBPLKRLRD"
                                    "LSLLYDMADMDLMGAMKDMMKMNTMOPMRUMURMVRMWKMXN"
                                    "MXVMYRMZNNADNGNNIONOKNPRNZDOMRPABPENPGKPHP"
                                    "PKRPLNPYGQARRONRSDRUBRWFSARSBDSCRSDGSEKSGD"
                                    "SHPSLESOSSRDSSPSTNSVCSYPSZLTHBTJSTMTTNDTOP"
                                    "TRYTTDTWDTZSUAHUGXUSDUSNUYIUYUUYWUZSVEDVES"
                                    "VNDVUVWSTXAFXCDXCGXOFXPFYERZARZMWZWG";
        size_t lo = 0, hi = (sizeof(codes) - 1) / 3;
        if (strlen(c) != 3)
                return 0;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int cmp = strncmp(c, codes + 3 * mid, 3);
                if (!cmp)
                        return 1;
                if (cmp < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return 0;
}

/* Digits after the decimal point of a currency's minor unit (ISO 4217). */
static int currency_exponent(const char *c) {
        static const char *const zero[] = {
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
            "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF", NULL};
        static const char *const three[] = {"BHD", "IQD", "JOD", "KWD",
                                            "LYD", "OMR", "TND", NULL};
        size_t i;
        for (i = 0; zero[i]; i++)
                if (!strcmp(c, zero[i]))
                        return 0;
        for (i = 0; three[i]; i++)
                if (!strcmp(c, three[i]))
                        return 3;
        return 2;
}

size_t rdr_money_format(long long minor, const char *currency, char *buf,
                        size_t size) {
        int exp = currency_exponent(currency);
        long long div = exp == 0 ? 1 : exp == 3 ? 1000 : 100;
        int n = exp == 0 ? snprintf(buf, size, "%lld %s", minor, currency)
                         : snprintf(buf, size, "%lld.%0*lld %s", minor / div,
                                    exp, minor % div, currency);
        return n < 0 ? 0 : (size_t)n;
}

size_t rdr_offer_format(const rdr_offer_t *offer, char *buf, size_t size) {
        int n;
        if (offer->type == RDR_OFFER_DISCOUNT)
                n = snprintf(buf, size, "%d%%", offer->percent);
        else if (offer->type == RDR_OFFER_NONE)
                n = snprintf(buf, size, "%s", "");
        else
                return rdr_money_format(offer->amount_minor, offer->currency,
                                        buf, size);
        return n < 0 ? 0 : (size_t)n;
}

int rdr_offer_over_limit(const rdr_offer_t *offer,
                         const rdr_offer_limit_t *limit) {
        switch (offer->type) {
        case RDR_OFFER_NONE:
                return 0;
        case RDR_OFFER_DISCOUNT:
                return offer->percent > limit->percent;
        default:
                return strcmp(offer->currency, limit->currency) != 0 ||
                       offer->amount_minor > limit->amount_minor;
        }
}

static rdr_err_t parse_money(const rdr_yaml_t *node, const char *path,
                             long long *amount, char *currency, char *errstr,
                             size_t errstr_size) {
        char p[RDR_CFG_PATH_MAX];
        rdr_yaml_t *v;
        snprintf(p, sizeof(p), "%.120s.amount_minor", path);
        if (rdr_cfg_need(node, "amount_minor", p, &v, errstr, errstr_size) ||
            rdr_yaml_as_int(v, p, 0, 1000000000000LL, amount, errstr,
                            errstr_size))
                return RDR_ERR_CONFIG;
        snprintf(p, sizeof(p), "%.120s.currency", path);
        if (rdr_cfg_need(node, "currency", p, &v, errstr, errstr_size) ||
            rdr_cfg_strcpy(v, p, currency, RDR_CURRENCY_MAX, errstr,
                           errstr_size))
                return RDR_ERR_CONFIG;
        if (!currency_valid(currency))
                return rdr_yaml_error(v, p, errstr, errstr_size,
                                      "expected an ISO 4217 currency code "
                                      "like USD, EUR or CNY, got '%s'",
                                      currency);
        return RDR_OK;
}

static rdr_err_t parse_offer(const rdr_yaml_t *node, const char *path,
                             rdr_offer_t *offer, char *errstr,
                             size_t errstr_size) {
        static const char *const keys[] = {"type", "amount_minor", "currency",
                                           "percent", NULL};
        char p[RDR_CFG_PATH_MAX];
        rdr_yaml_t *v;
        const char *s;
        long long pct;
        int t;
        rdr_err_t err = rdr_cfg_map(node, path, keys, errstr, errstr_size);
        if (err)
                return err;
        memset(offer, 0, sizeof(*offer));
        snprintf(p, sizeof(p), "%.120s.type", path);
        if (rdr_cfg_need(node, "type", p, &v, errstr, errstr_size) ||
            rdr_yaml_as_str(v, p, 32, &s, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        t = rdr_enum_parse(rdr_offer_type_names, RDR_OFFER__CNT, s, strlen(s));
        if (t <= RDR_OFFER_NONE)
                return rdr_yaml_error(v, p, errstr, errstr_size,
                                      "expected partial_refund, coupon or "
                                      "discount, got '%s'",
                                      s);
        offer->type = (rdr_offer_type_t)t;
        /* A key the type does not read would be dropped without a word
         * (a discount's amount, a refund's percent). */
        for (t = 0; keys[t]; t++) {
                int pct_key = !strcmp(keys[t], "percent");
                if (!strcmp(keys[t], "type") ||
                    !(v = rdr_yaml_get(node, keys[t])) ||
                    pct_key == (offer->type == RDR_OFFER_DISCOUNT))
                        continue;
                snprintf(p, sizeof(p), "%.120s.%s", path, keys[t]);
                return rdr_yaml_error(v, p, errstr, errstr_size,
                                      "a %s offer takes %s, not this key",
                                      rdr_offer_type_names[offer->type],
                                      offer->type == RDR_OFFER_DISCOUNT
                                          ? "percent"
                                          : "amount_minor and currency");
        }
        if (offer->type == RDR_OFFER_DISCOUNT) {
                snprintf(p, sizeof(p), "%.120s.percent", path);
                if (rdr_cfg_need(node, "percent", p, &v, errstr, errstr_size) ||
                    rdr_yaml_as_int(v, p, 1, 100, &pct, errstr, errstr_size))
                        return RDR_ERR_CONFIG;
                offer->percent = (int)pct;
                return RDR_OK;
        }
        return parse_money(node, path, &offer->amount_minor, offer->currency,
                           errstr, errstr_size);
}

/* ---- the settings table ----------------------------------------------- */

typedef enum pb_type_e {
        PB_DURATION, /* int64_t ms */
        PB_INT,      /* int */
        PB_TEXT,     /* char[max] */
        PB_ZONE,     /* char[RDR_ZONE_MAX] */
        PB_LANG,     /* char[RDR_LANG_MAX] */
        PB_WINDOW,   /* rdr_window_t */
        PB_ON_BLOCK, /* rdr_on_block_t */
        PB_LIMIT,    /* rdr_offer_limit_t */
        PB_INCENTIVES,
        PB_REWARDS
} pb_type_t;

typedef struct pb_key_s {
        const char *name;
        pb_type_t type;
        size_t off;
        long long min, max;
        const char *doc;
        /* Optional in `defaults:` (keys added after stores had written
         * their playbooks): a missing one keeps its built-in value. */
        int optional;
} pb_key_t;

#define PB_DAY (86400LL * 1000)
#define PB_OFF(f) offsetof(rdr_store_conf_t, f)

static const pb_key_t pb_keys[] = {
    {"name", PB_TEXT, PB_OFF(name), 0, RDR_STORE_NAME_MAX - 1,
     "The store's name in messages and appeals (optional; unset: the "
     "template's default, e.g. \"our store\", and the store_id in appeals)",
     1},
    {"timezone", PB_ZONE, PB_OFF(timezone), 0, 0,
     "The store's IANA zone: daytime when the buyer's zone is unknown"},
    {"language", PB_LANG, PB_OFF(language), 0, 0,
     "Buyer language when neither the event nor detection gives one"},
    {"staff_language", PB_LANG, PB_OFF(staff_language), 0, 0,
     "Language of staff.review messages to the store's agents"},
    {"first_contact_within", PB_DURATION, PB_OFF(first_contact_within_ms), 0,
     30 * PB_DAY, "outreach.first_contact is due within this of the review"},
    {"follow_up_after", PB_DURATION, PB_OFF(follow_up_after_ms), 0,
     365 * PB_DAY, "outreach.follow_up at T0 + this"},
    {"incentive_after", PB_DURATION, PB_OFF(incentive_after_ms), 0,
     365 * PB_DAY, "outreach.incentive at T0 + this"},
    {"nudge_from", PB_DURATION, PB_OFF(nudge_from_ms), 0, 365 * PB_DAY,
     "First outreach.nudge at T0 + this"},
    {"nudge_every", PB_DURATION, PB_OFF(nudge_every_ms), 60000, 30 * PB_DAY,
     "Between nudges; whole days keep the buyer's local time across DST"},
    {"max_nudges", PB_INT, PB_OFF(max_nudges), 0, 100, "Most nudges per case"},
    {"daytime", PB_WINDOW, PB_OFF(daytime), 0, 0,
     "Buyer's local hours for outreach, HH:MM-HH:MM"},
    {"reply_sla", PB_DURATION, PB_OFF(reply_sla_ms), 60000, 7 * PB_DAY,
     "An agent answers a buyer's message within this"},
    {"modification_check_after", PB_DURATION,
     PB_OFF(modification_check_after_ms), 60000, 30 * PB_DAY,
     "After a buyer agrees to update the review, check it after this"},
    {"case_ttl", PB_DURATION, PB_OFF(case_ttl_ms), PB_DAY, 3650 * PB_DAY,
     "A case older than this stops and closes"},
    {"appeal_evidence_before", PB_DURATION, PB_OFF(appeal_evidence_before_ms),
     0, 365 * PB_DAY,
     "staff.review for missing appeal evidence this long before the "
     "appeal window closes"},
    {"resolved_rating", PB_INT, PB_OFF(resolved_rating), 1, 5,
     "A review updated to this rating or more resolves the case"},
    {"on_policy_block", PB_ON_BLOCK, PB_OFF(on_policy_block), 0, 0,
     "stop: a step a platform rule forbids ends the cadence; skip: go on "
     "with the next step"},
    {"agent_offer_limit", PB_LIMIT, PB_OFF(agent_offer_limit), 0, 0,
     "Offers above this need a manager's approval (staff.review)"},
    {"incentives", PB_INCENTIVES, PB_OFF(incentive), 0, 0,
     "The gesture offered at the incentive step, per reason; default for "
     "the rest"},
    {"rewards", PB_REWARDS, PB_OFF(reward_minor), 0, 0,
     "Reward owed to the agent per resolved case, per reason, in minor "
     "units of currency"},
    {"stall_after", PB_DURATION, PB_OFF(stall_after_ms), 3600000, 60 * PB_DAY,
     "No scan for this long: the parcel is stalled (notice.logistics_delay)"},
    {"delay_notice_every", PB_DURATION, PB_OFF(delay_notice_every_ms), 3600000,
     60 * PB_DAY,
     "At most one delay notice per shipment per this; a delay notice's new "
     "estimate is at least this far ahead"},
    {"max_delay_notices", PB_INT, PB_OFF(max_delay_notices), 1, 100,
     "Delay notices per shipment; the next time it is late, a staff.review "
     "instead and no more checks (optional, default 3)",
     1},
    {"appeal_answer_within", PB_DURATION, PB_OFF(appeal_answer_within_ms),
     3600000, 365 * PB_DAY,
     "No appeal.result this long after appeal.file: a staff.review asks an "
     "agent to check the appeal with the platform (optional, default 14d)",
     1},
    {"appeal_close_after", PB_DURATION, PB_OFF(appeal_close_after_ms), 3600000,
     3650 * PB_DAY,
     "Still no appeal.result this long after appeal.file: the case closes "
     "(expired); a later result still applies (optional, default 30d)",
     1},
    {"refusal_memory", PB_DURATION, PB_OFF(refusal_memory_ms), 0, 3650 * PB_DAY,
     "A buyer's refusal sent to the store without naming an order silences "
     "the buyer's cases of reviews written before it or less than this "
     "after it (0: only before; optional, default 30d)",
     1},
};
#define PB_KEYS_CNT (sizeof(pb_keys) / sizeof(pb_keys[0]))

/* A duration for humans: "30d", "1h", "500ms". */
static void fmt_duration(long long ms, char *buf, size_t size) {
        static const struct {
                long long ms;
                const char *unit;
        } units[] = {{PB_DAY, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
        size_t i;
        if (!ms) {
                snprintf(buf, size, "0");
                return;
        }
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                if (ms % units[i].ms == 0) {
                        snprintf(buf, size, "%lld%s", ms / units[i].ms,
                                 units[i].unit);
                        return;
                }
        }
        snprintf(buf, size, "%lldms", ms);
}

void rdr_playbook_doc(void *fp) {
        static const char *const types[] = {
            "duration",         "integer",         "text",
            "time zone",        "language tag",    "HH:MM-HH:MM",
            "stop or skip",     "money + percent", "offer per reason",
            "amount per reason"};
        char lo[32], hi[32];
        size_t i;
        fprintf(fp, "| key | type | range | meaning |\n|---|---|---|---|\n");
        for (i = 0; i < PB_KEYS_CNT; i++) {
                const pb_key_t *k = &pb_keys[i];
                lo[0] = hi[0] = '\0';
                if (k->type == PB_DURATION) {
                        fmt_duration(k->min, lo, sizeof(lo));
                        fmt_duration(k->max, hi, sizeof(hi));
                } else if (k->type == PB_INT) {
                        snprintf(lo, sizeof(lo), "%lld", k->min);
                        snprintf(hi, sizeof(hi), "%lld", k->max);
                }
                fprintf(fp, "| `%s` | %s | %s%s%s | %s |\n", k->name,
                        types[k->type], lo, lo[0] ? ".." : "", hi, k->doc);
        }
}

static rdr_err_t parse_limit(const rdr_yaml_t *node, const char *path,
                             rdr_offer_limit_t *lim, char *errstr,
                             size_t errstr_size) {
        static const char *const keys[] = {"amount_minor", "currency",
                                           "percent", NULL};
        char p[RDR_CFG_PATH_MAX];
        rdr_yaml_t *v;
        long long pct;
        rdr_err_t err = rdr_cfg_map(node, path, keys, errstr, errstr_size);
        if (err || parse_money(node, path, &lim->amount_minor, lim->currency,
                               errstr, errstr_size))
                return RDR_ERR_CONFIG;
        snprintf(p, sizeof(p), "%.120s.percent", path);
        if (rdr_cfg_need(node, "percent", p, &v, errstr, errstr_size) ||
            rdr_yaml_as_int(v, p, 0, 100, &pct, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        lim->percent = (int)pct;
        return RDR_OK;
}

/* One value of a per-reason map, into reason r. */
static rdr_err_t parse_reason_value(const rdr_yaml_t *v, const char *path,
                                    rdr_store_conf_t *sc, int rewards, int r,
                                    char *errstr, size_t errstr_size) {
        if (rewards)
                return rdr_yaml_as_int(v, path, 0, 1000000000LL,
                                       &sc->reward_minor[r], errstr,
                                       errstr_size);
        return parse_offer(v, path, &sc->incentive[r], errstr, errstr_size);
}

/* A map of reason -> value, with "default" for the reasons it does not name
 * (required in `defaults:`) and, for rewards, the currency. */
static rdr_err_t parse_per_reason(const rdr_yaml_t *node, const char *path,
                                  rdr_store_conf_t *sc, int rewards,
                                  int is_defaults, char *errstr,
                                  size_t errstr_size) {
        char p[RDR_CFG_PATH_MAX];
        size_t i;
        int r;
        rdr_yaml_t *def;
        if (rdr_cfg_map(node, path, NULL, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        def = rdr_yaml_get(node, "default");
        if (!def && is_defaults)
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "needs a 'default' entry");
        if (rewards && is_defaults && !rdr_yaml_get(node, "currency"))
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "needs a 'currency' entry");
        /* The default first, so that named reasons win whatever the order. */
        snprintf(p, sizeof(p), "%.120s.default", path);
        for (r = 0; def && r < RDR_REASON__CNT; r++)
                if (parse_reason_value(def, p, sc, rewards, r, errstr,
                                       errstr_size))
                        return RDR_ERR_CONFIG;
        for (i = 0; i < rdr_yaml_len(node); i++) {
                const char *key = rdr_yaml_key(node, i);
                rdr_yaml_t *v = rdr_yaml_at(node, i);
                snprintf(p, sizeof(p), "%.120s.%.100s", path, key);
                if (!strcmp(key, "default"))
                        continue;
                if (rewards && !strcmp(key, "currency")) {
                        if (rdr_cfg_strcpy(v, p, sc->reward_currency,
                                           RDR_CURRENCY_MAX, errstr,
                                           errstr_size))
                                return RDR_ERR_CONFIG;
                        if (!currency_valid(sc->reward_currency))
                                return rdr_yaml_error(
                                    v, p, errstr, errstr_size,
                                    "expected an ISO 4217 currency code "
                                    "like USD, EUR or CNY, got '%s'",
                                    sc->reward_currency);
                        continue;
                }
                r = rdr_enum_parse(rdr_reason_names, RDR_REASON__CNT, key,
                                   strlen(key));
                if (r < 0)
                        return rdr_yaml_error(v, p, errstr, errstr_size,
                                              "unknown reason '%s'", key);
                if (parse_reason_value(v, p, sc, rewards, r, errstr,
                                       errstr_size))
                        return RDR_ERR_CONFIG;
        }
        return RDR_OK;
}

static rdr_err_t parse_key(const pb_key_t *k, const rdr_yaml_t *v,
                           const char *path, rdr_store_conf_t *sc,
                           int is_defaults, char *errstr, size_t errstr_size) {
        char *base = (char *)sc + k->off;
        long long ll;
        const char *s;
        int e;
        rdr_err_t err = RDR_OK;
        switch (k->type) {
        case PB_DURATION:
                err = rdr_yaml_as_duration_ms(v, path, k->min, k->max, &ll,
                                              errstr, errstr_size);
                if (!err)
                        memcpy(base, &(int64_t){ll}, sizeof(int64_t));
                break;
        case PB_INT:
                err = rdr_yaml_as_int(v, path, k->min, k->max, &ll, errstr,
                                      errstr_size);
                if (!err)
                        memcpy(base, &(int){(int)ll}, sizeof(int));
                break;
        case PB_TEXT:
                err = rdr_cfg_strcpy(v, path, base, (size_t)k->max + 1, errstr,
                                     errstr_size);
                break;
        case PB_ZONE:
                err = rdr_cfg_zone(v, path, base, RDR_ZONE_MAX, errstr,
                                   errstr_size);
                break;
        case PB_LANG:
                err = rdr_cfg_lang(v, path, base, RDR_LANG_MAX, errstr,
                                   errstr_size);
                break;
        case PB_WINDOW:
                err = rdr_cfg_window(v, path, (rdr_window_t *)(void *)base,
                                     errstr, errstr_size);
                if (!err && base == (char *)&sc->daytime)
                        snprintf(sc->daytime_origin, sizeof(sc->daytime_origin),
                                 "%s:%d: key '%.100s'", rdr_yaml_file(v),
                                 rdr_yaml_line(v), path);
                break;
        case PB_ON_BLOCK:
                err = rdr_yaml_as_str(v, path, 16, &s, errstr, errstr_size);
                if (err)
                        break;
                e = rdr_enum_parse(on_block_names, RDR_ON_BLOCK__CNT, s,
                                   strlen(s));
                if (e < 0)
                        return rdr_yaml_error(v, path, errstr, errstr_size,
                                              "expected stop or skip");
                sc->on_policy_block = (rdr_on_block_t)e;
                break;
        case PB_LIMIT:
                err = parse_limit(v, path, &sc->agent_offer_limit, errstr,
                                  errstr_size);
                break;
        case PB_INCENTIVES:
                err = parse_per_reason(v, path, sc, 0, is_defaults, errstr,
                                       errstr_size);
                break;
        case PB_REWARDS:
                err = parse_per_reason(v, path, sc, 1, is_defaults, errstr,
                                       errstr_size);
                break;
        }
        return err;
}

/* Every money offer of sc in the currency of its agent_offer_limit: an
 * offer in another currency could never be within the limit, so every one
 * would wait for a manager (rdr_offer_over_limit()). The error points at
 * the offer if map sets it, else at the limit, else at map. */
static rdr_err_t check_currencies(const rdr_yaml_t *map, const char *path,
                                  const rdr_store_conf_t *sc, char *errstr,
                                  size_t errstr_size) {
        const rdr_yaml_t *inc = rdr_yaml_get(map, "incentives"), *at;
        char p[RDR_CFG_PATH_MAX];
        int r;
        for (r = 0; r < RDR_REASON__CNT; r++) {
                const rdr_offer_t *o = &sc->incentive[r];
                if (o->type == RDR_OFFER_NONE ||
                    o->type == RDR_OFFER_DISCOUNT ||
                    !strcmp(o->currency, sc->agent_offer_limit.currency))
                        continue;
                snprintf(p, sizeof(p), "%.120s.incentives.%s", path,
                         rdr_reason_names[r]);
                at = inc ? rdr_yaml_get(inc, rdr_reason_names[r]) : NULL;
                if (!at && inc && (at = rdr_yaml_get(inc, "default")))
                        snprintf(p, sizeof(p), "%.120s.incentives.default",
                                 path);
                if (!at && (at = rdr_yaml_get(map, "agent_offer_limit")))
                        snprintf(p, sizeof(p), "%.120s.agent_offer_limit",
                                 path);
                return rdr_yaml_error(
                    at ? at : map, p, errstr, errstr_size,
                    "the %s offer is in %s but agent_offer_limit is in %s: "
                    "no agent could ever offer it without a manager; give "
                    "the offers and the limit one currency",
                    rdr_reason_names[r], o->currency,
                    sc->agent_offer_limit.currency);
        }
        return RDR_OK;
}

/* Apply the keys of map (defaults or one store) over sc. */
static rdr_err_t parse_conf(const rdr_yaml_t *map, const char *path,
                            rdr_store_conf_t *sc, int is_defaults, char *errstr,
                            size_t errstr_size) {
        const char *allowed[PB_KEYS_CNT + 1];
        char p[RDR_CFG_PATH_MAX];
        size_t i;
        for (i = 0; i < PB_KEYS_CNT; i++)
                allowed[i] = pb_keys[i].name;
        allowed[PB_KEYS_CNT] = NULL;
        if (rdr_cfg_map(map, path, allowed, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        for (i = 0; i < PB_KEYS_CNT; i++) {
                rdr_yaml_t *v = rdr_yaml_get(map, pb_keys[i].name);
                snprintf(p, sizeof(p), "%.120s.%.100s", path, pb_keys[i].name);
                if (!v) {
                        if (is_defaults && !pb_keys[i].optional)
                                return rdr_yaml_error(map, p, errstr,
                                                      errstr_size, "missing");
                        continue;
                }
                if (parse_key(&pb_keys[i], v, p, sc, is_defaults, errstr,
                              errstr_size))
                        return RDR_ERR_CONFIG;
        }
        /* The cadence runs in this order; a store's overrides must keep it. */
        if (sc->follow_up_after_ms < sc->first_contact_within_ms ||
            sc->incentive_after_ms < sc->follow_up_after_ms ||
            sc->nudge_from_ms < sc->incentive_after_ms) {
                snprintf(p, sizeof(p), "%.200s", path);
                return rdr_yaml_error(map, p, errstr, errstr_size,
                                      "the cadence must run in order: "
                                      "first_contact_within <= "
                                      "follow_up_after <= incentive_after <= "
                                      "nudge_from");
        }
        /* case_ttl closes the case: every step after it would be dropped
         * without a word (the nudges from the first on). */
        if (sc->case_ttl_ms <=
            (sc->max_nudges > 0 ? sc->nudge_from_ms : sc->incentive_after_ms)) {
                const rdr_yaml_t *at = rdr_yaml_get(map, "case_ttl");
                snprintf(p, sizeof(p), "%.200s.case_ttl", path);
                return rdr_yaml_error(
                    at ? at : map, p, errstr, errstr_size,
                    "must be longer than %s: the case would close before "
                    "its %s",
                    sc->max_nudges > 0 ? "nudge_from" : "incentive_after",
                    sc->max_nudges > 0 ? "first nudge" : "incentive");
        }
        if (check_currencies(map, path, sc, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        if (sc->appeal_close_after_ms <= sc->appeal_answer_within_ms) {
                const rdr_yaml_t *at = rdr_yaml_get(map, "appeal_close_after");
                snprintf(p, sizeof(p), "%.200s.appeal_close_after", path);
                return rdr_yaml_error(at ? at : map, p, errstr, errstr_size,
                                      "must be longer than "
                                      "appeal_answer_within");
        }
        return RDR_OK;
}

static rdr_err_t parse_windows(rdr_playbook_t *pb, const rdr_yaml_t *seq,
                               char *errstr, size_t errstr_size) {
        static const char *const keys[] = {
            "carrier", "service_level", "destination", "min", "max", NULL};
        char p[RDR_CFG_PATH_MAX];
        size_t i;
        if (rdr_yaml_type(seq) != RDR_YAML_SEQ)
                return rdr_yaml_error(seq, "delivery_windows", errstr,
                                      errstr_size, "expected a list");
        pb->windows_cnt = rdr_yaml_len(seq);
        pb->windows =
            calloc(pb->windows_cnt ? pb->windows_cnt : 1, sizeof(*pb->windows));
        if (!pb->windows)
                return RDR_ERR_NOMEM;
        for (i = 0; i < pb->windows_cnt; i++) {
                rdr_yaml_t *row = rdr_yaml_at(seq, i), *v;
                rdr_delivery_window_t *w = &pb->windows[i];
                long long ll;
                snprintf(p, sizeof(p), "delivery_windows[%zu]", i);
                if (rdr_cfg_map(row, p, keys, errstr, errstr_size))
                        return RDR_ERR_CONFIG;
                snprintf(p, sizeof(p), "delivery_windows[%zu].carrier", i);
                if (rdr_cfg_need(row, "carrier", p, &v, errstr, errstr_size) ||
                    rdr_cfg_strcpy(v, p, w->carrier, sizeof(w->carrier), errstr,
                                   errstr_size))
                        return RDR_ERR_CONFIG;
                snprintf(p, sizeof(p), "delivery_windows[%zu].service_level",
                         i);
                if (rdr_cfg_need(row, "service_level", p, &v, errstr,
                                 errstr_size) ||
                    rdr_cfg_strcpy(v, p, w->service_level,
                                   sizeof(w->service_level), errstr,
                                   errstr_size))
                        return RDR_ERR_CONFIG;
                snprintf(p, sizeof(p), "delivery_windows[%zu].destination", i);
                if (rdr_cfg_need(row, "destination", p, &v, errstr,
                                 errstr_size) ||
                    rdr_cfg_strcpy(v, p, w->destination, sizeof(w->destination),
                                   errstr, errstr_size))
                        return RDR_ERR_CONFIG;
                snprintf(p, sizeof(p), "delivery_windows[%zu].min", i);
                if (rdr_cfg_need(row, "min", p, &v, errstr, errstr_size) ||
                    rdr_yaml_as_duration_ms(v, p, 0, 365 * PB_DAY, &ll, errstr,
                                            errstr_size))
                        return RDR_ERR_CONFIG;
                w->min_ms = ll;
                snprintf(p, sizeof(p), "delivery_windows[%zu].max", i);
                if (rdr_cfg_need(row, "max", p, &v, errstr, errstr_size) ||
                    rdr_yaml_as_duration_ms(v, p, 0, 365 * PB_DAY, &ll, errstr,
                                            errstr_size))
                        return RDR_ERR_CONFIG;
                w->max_ms = ll;
                if (w->max_ms < w->min_ms)
                        return rdr_yaml_error(v, p, errstr, errstr_size,
                                              "max is before min");
        }
        return RDR_OK;
}

static int destination_cmp(const void *a, const void *b) {
        return strcmp(((const rdr_destination_t *)a)->country,
                      ((const rdr_destination_t *)b)->country);
}

/* destinations: {<country>: {timezone, language}} */
static rdr_err_t parse_destinations(rdr_playbook_t *pb, const rdr_yaml_t *map,
                                    char *errstr, size_t errstr_size) {
        static const char *const keys[] = {"timezone", "language", NULL};
        char p[RDR_CFG_PATH_MAX];
        size_t i;
        if (rdr_cfg_map(map, "destinations", NULL, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        pb->destinations_cnt = rdr_yaml_len(map);
        pb->destinations =
            calloc(pb->destinations_cnt ? pb->destinations_cnt : 1,
                   sizeof(*pb->destinations));
        if (!pb->destinations)
                return RDR_ERR_NOMEM;
        for (i = 0; i < pb->destinations_cnt; i++) {
                rdr_destination_t *d = &pb->destinations[i];
                const char *country = rdr_yaml_key(map, i);
                rdr_yaml_t *row = rdr_yaml_at(map, i), *v;
                snprintf(p, sizeof(p), "destinations.%.60s", country);
                if (strlen(country) != 2 || country[0] < 'A' ||
                    country[0] > 'Z' || country[1] < 'A' || country[1] > 'Z')
                        return rdr_yaml_error(row, p, errstr, errstr_size,
                                              "a destination is an ISO 3166 "
                                              "alpha-2 code such as ES");
                memcpy(d->country, country, 3);
                if (rdr_cfg_map(row, p, keys, errstr, errstr_size))
                        return RDR_ERR_CONFIG;
                snprintf(p, sizeof(p), "destinations.%s.timezone", country);
                if (rdr_cfg_need(row, "timezone", p, &v, errstr, errstr_size) ||
                    rdr_cfg_zone(v, p, d->timezone, sizeof(d->timezone), errstr,
                                 errstr_size))
                        return RDR_ERR_CONFIG;
                snprintf(p, sizeof(p), "destinations.%s.language", country);
                if (rdr_cfg_need(row, "language", p, &v, errstr, errstr_size) ||
                    rdr_cfg_lang(v, p, d->language, sizeof(d->language), errstr,
                                 errstr_size))
                        return RDR_ERR_CONFIG;
        }
        /* A country given twice is refused by the YAML reader. */
        qsort(pb->destinations, pb->destinations_cnt, sizeof(*pb->destinations),
              destination_cmp);
        return RDR_OK;
}

const rdr_destination_t *rdr_playbook_destination(const rdr_playbook_t *pb,
                                                  const char *country) {
        rdr_destination_t key;
        if (!country || strlen(country) != 2 || !pb->destinations_cnt)
                return NULL;
        memcpy(key.country, country, 3);
        return bsearch(&key, pb->destinations, pb->destinations_cnt,
                       sizeof(*pb->destinations), destination_cmp);
}

static int store_cmp(const void *a, const void *b) {
        return strcmp(((const pb_store_t *)a)->store_id,
                      ((const pb_store_t *)b)->store_id);
}

/* `platforms:`: each platform's overrides of the defaults, and each
 * named store's own overrides on top of them (defaults, then platform,
 * then store). */
static rdr_err_t parse_platforms(rdr_playbook_t *pb,
                                 const rdr_yaml_t *platforms,
                                 const rdr_yaml_t *stores, const char *path,
                                 char *errstr, size_t errstr_size) {
        size_t np = rdr_yaml_len(platforms),
               ns = stores ? rdr_yaml_len(stores) : 0;
        char p[RDR_CFG_PATH_MAX];
        size_t i, j;
        if (rdr_cfg_map(platforms, "platforms", NULL, errstr, errstr_size))
                return RDR_ERR_CONFIG;
        pb->on = calloc(np * (ns + 1) + 1, sizeof(*pb->on));
        if (!pb->on)
                goto nomem;
        for (i = 0; i < np; i++) {
                const char *name = rdr_yaml_key(platforms, i);
                pb_store_t *base = &pb->on[pb->on_cnt];
                size_t len = strlen(name) + 2;
                snprintf(p, sizeof(p), "platforms.%.100s", name);
                if (!*name || strchr(name, '\x1f') ||
                    strlen(name) >= sizeof(base->platform)) {
                        rdr_yaml_error(rdr_yaml_at(platforms, i), p, errstr,
                                       errstr_size, "bad platform name '%s'",
                                       name);
                        return RDR_ERR_CONFIG;
                }
                base->conf = pb->defaults;
                base->store_id = malloc(len);
                if (!base->store_id)
                        goto nomem;
                snprintf(base->store_id, len, "%s\x1f", name);
                snprintf(base->platform, sizeof(base->platform), "%s", name);
                snprintf(base->platform_origin, sizeof(base->platform_origin),
                         "%.100s:%d: key 'platforms.%.31s'",
                         rdr_yaml_file(platforms),
                         rdr_yaml_line(rdr_yaml_at(platforms, i)), name);
                pb->on_cnt++;
                if (parse_conf(rdr_yaml_at(platforms, i), p, &base->conf, 0,
                               errstr, errstr_size))
                        return RDR_ERR_CONFIG;
                for (j = 0; j < ns; j++) {
                        const char *sid = rdr_yaml_key(stores, j);
                        pb_store_t *st = &pb->on[pb->on_cnt];
                        len = strlen(name) + strlen(sid) + 2;
                        st->conf = base->conf;
                        memcpy(st->platform, base->platform,
                               sizeof(st->platform));
                        memcpy(st->platform_origin, base->platform_origin,
                               sizeof(st->platform_origin));
                        st->store_id = malloc(len);
                        if (!st->store_id)
                                goto nomem;
                        snprintf(st->store_id, len, "%s\x1f%s", name, sid);
                        pb->on_cnt++;
                        snprintf(p, sizeof(p), "stores.%.100s", sid);
                        if (parse_conf(rdr_yaml_at(stores, j), p, &st->conf, 0,
                                       errstr, errstr_size))
                                return RDR_ERR_CONFIG;
                }
        }
        /* Unique: the YAML reader refuses a key given twice, and store
         * ids hold no \x1f. */
        qsort(pb->on, pb->on_cnt, sizeof(*pb->on), store_cmp);
        return RDR_OK;
nomem:
        snprintf(errstr, errstr_size, "%s: out of memory", path);
        return RDR_ERR_NOMEM;
}

rdr_playbook_t *rdr_playbook_load_file(const char *path, char *errstr,
                                       size_t errstr_size) {
        static const char *const top[] = {"defaults",     "platforms",
                                          "stores",       "delivery_windows",
                                          "destinations", NULL};
        rdr_yaml_t *root = NULL, *defaults, *stores, *windows, *destinations,
                   *platforms;
        rdr_playbook_t *pb = NULL;
        char p[RDR_CFG_PATH_MAX];
        size_t i;

        root = rdr_yaml_load_file(path, errstr, errstr_size);
        if (!root)
                goto err;
        pb = calloc(1, sizeof(*pb));
        if (!pb) {
                snprintf(errstr, errstr_size, "%s: out of memory", path);
                goto err;
        }
        /* The built-in values of the keys optional in `defaults:`. */
        pb->defaults.max_delay_notices = 3;
        pb->defaults.appeal_answer_within_ms = 14 * PB_DAY;
        pb->defaults.appeal_close_after_ms = 30 * PB_DAY;
        pb->defaults.refusal_memory_ms = 30 * PB_DAY;
        if (rdr_cfg_map(root, "(top)", top, errstr, errstr_size) ||
            rdr_cfg_need(root, "defaults", "defaults", &defaults, errstr,
                         errstr_size) ||
            parse_conf(defaults, "defaults", &pb->defaults, 1, errstr,
                       errstr_size))
                goto err;
        windows = rdr_yaml_get(root, "delivery_windows");
        if (windows && parse_windows(pb, windows, errstr, errstr_size))
                goto err;
        destinations = rdr_yaml_get(root, "destinations");
        if (destinations &&
            parse_destinations(pb, destinations, errstr, errstr_size))
                goto err;
        stores = rdr_yaml_get(root, "stores");
        if (stores) {
                if (rdr_cfg_map(stores, "stores", NULL, errstr, errstr_size))
                        goto err;
                pb->stores =
                    calloc(rdr_yaml_len(stores) + 1, sizeof(*pb->stores));
                if (!pb->stores) {
                        snprintf(errstr, errstr_size, "%s: out of memory",
                                 path);
                        goto err;
                }
                for (i = 0; i < rdr_yaml_len(stores); i++) {
                        pb_store_t *st = &pb->stores[i];
                        st->store_id = strdup(rdr_yaml_key(stores, i));
                        pb->stores_cnt++;
                        if (!st->store_id) {
                                snprintf(errstr, errstr_size,
                                         "%s: out of memory", path);
                                goto err;
                        }
                        st->conf = pb->defaults;
                        snprintf(p, sizeof(p), "stores.%.100s", st->store_id);
                        if (parse_conf(rdr_yaml_at(stores, i), p, &st->conf, 0,
                                       errstr, errstr_size))
                                goto err;
                }
                qsort(pb->stores, pb->stores_cnt, sizeof(*pb->stores),
                      store_cmp);
                /* Store ids apart, so that "<platform>\x1f<store>" is
                 * unique. */
                for (i = 0; i < pb->stores_cnt; i++)
                        if (strchr(pb->stores[i].store_id, '\x1f')) {
                                rdr_yaml_error(stores, "stores", errstr,
                                               errstr_size,
                                               "a store id holds a control "
                                               "character");
                                goto err;
                        }
                for (i = 1; i < pb->stores_cnt; i++) {
                        if (!strcmp(pb->stores[i].store_id,
                                    pb->stores[i - 1].store_id)) {
                                rdr_yaml_error(stores, "stores", errstr,
                                               errstr_size,
                                               "store '%s' appears twice",
                                               pb->stores[i].store_id);
                                goto err;
                        }
                }
        }
        platforms = rdr_yaml_get(root, "platforms");
        if (platforms &&
            parse_platforms(pb, platforms, stores, path, errstr, errstr_size))
                goto err;
        rdr_yaml_destroy(root);
        return pb;
err:
        rdr_playbook_destroy(pb);
        rdr_yaml_destroy(root);
        return NULL;
}

void rdr_playbook_destroy(rdr_playbook_t *pb) {
        size_t i;
        if (!pb)
                return;
        for (i = 0; i < pb->stores_cnt; i++)
                free(pb->stores[i].store_id);
        free(pb->stores);
        for (i = 0; i < pb->on_cnt; i++)
                free(pb->on[i].store_id);
        free(pb->on);
        free(pb->windows);
        free(pb->destinations);
        free(pb);
}

size_t rdr_playbook_store_count(const rdr_playbook_t *pb) {
        return pb->stores_cnt + pb->on_cnt;
}

const rdr_store_conf_t *rdr_playbook_store_at(const rdr_playbook_t *pb,
                                              size_t i) {
        return i < pb->stores_cnt ? &pb->stores[i].conf
                                  : &pb->on[i - pb->stores_cnt].conf;
}

const char *rdr_playbook_store_platform(const rdr_playbook_t *pb, size_t i,
                                        const char **origin) {
        const pb_store_t *st;
        if (i < pb->stores_cnt)
                return NULL;
        st = &pb->on[i - pb->stores_cnt];
        if (origin)
                *origin = st->platform_origin;
        return st->platform;
}

/* The entry "<platform>\x1f<store_id>" of pb->on, or NULL. */
static const pb_store_t *on_find(const rdr_playbook_t *pb, const char *platform,
                                 const char *store_id) {
        char buf[512];
        pb_store_t key;
        if ((size_t)snprintf(buf, sizeof(buf), "%s\x1f%s", platform,
                             store_id) >= sizeof(buf))
                return NULL;
        key.store_id = buf;
        return bsearch(&key, pb->on, pb->on_cnt, sizeof(*pb->on), store_cmp);
}

const rdr_store_conf_t *rdr_playbook_store(const rdr_playbook_t *pb,
                                           const char *platform,
                                           const char *store_id) {
        pb_store_t key;
        const pb_store_t *st;
        if (platform && pb->on_cnt &&
            ((store_id && (st = on_find(pb, platform, store_id))) ||
             (st = on_find(pb, platform, ""))))
                return &st->conf;
        if (!store_id || !pb->stores_cnt)
                return &pb->defaults;
        key.store_id = (char *)(uintptr_t)store_id;
        st = bsearch(&key, pb->stores, pb->stores_cnt, sizeof(*pb->stores),
                     store_cmp);
        return st ? &st->conf : &pb->defaults;
}

const rdr_store_conf_t *rdr_playbook_defaults(const rdr_playbook_t *pb) {
        return &pb->defaults;
}

/* 0 if pattern does not match value, else 1 for "*" and 2 for an exact
 * (case-insensitive) match. */
static int match_score(const char *pattern, const char *value) {
        size_t i;
        if (!strcmp(pattern, "*"))
                return 1;
        if (!value)
                return 0;
        for (i = 0; pattern[i] && value[i]; i++) {
                char a = pattern[i], b = value[i];
                if (a >= 'A' && a <= 'Z')
                        a = (char)(a - 'A' + 'a');
                if (b >= 'A' && b <= 'Z')
                        b = (char)(b - 'A' + 'a');
                if (a != b)
                        return 0;
        }
        return pattern[i] == value[i] ? 2 : 0;
}

const rdr_delivery_window_t *
rdr_playbook_delivery_window(const rdr_playbook_t *pb, const char *carrier,
                             const char *service_level,
                             const char *destination) {
        const rdr_delivery_window_t *best = NULL;
        int best_score = 0;
        size_t i;
        for (i = 0; i < pb->windows_cnt; i++) {
                const rdr_delivery_window_t *w = &pb->windows[i];
                int c = match_score(w->carrier, carrier);
                int s = match_score(w->service_level, service_level);
                int d = match_score(w->destination, destination);
                int score;
                if (!c || !s || !d)
                        continue;
                score = c * 9 + s * 3 + d; /* carrier, then level, then
                                            * destination */
                if (score > best_score) {
                        best_score = score;
                        best = w;
                }
        }
        return best;
}

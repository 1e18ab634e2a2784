/* The playbook: the timings, thresholds and amounts of the after-sales
 * cadence (BEHAVIOR.md sections 2-5), read from configs/playbook.yaml, with
 * per-store overrides under `stores:`. Nothing in the cadence is hard-coded:
 * every value below comes from the file, which names file, line and key for
 * any error. Also the home of the small YAML helpers that the domain loaders
 * (policy, template) share. Loaded once, then read-only and shared between
 * threads. */
#ifndef RDR_PLAYBOOK_H
#define RDR_PLAYBOOK_H

#include <stddef.h>
#include <stdint.h>
#include "enums.h"
#include "err.h"
#include "localtime.h"
#include "yaml.h"

/* Longest currency code (ISO 4217), NUL included. */
#define RDR_CURRENCY_MAX 4
/* Longest language tag we keep, NUL included. */
#define RDR_LANG_MAX 16
/* Longest platform name under `platforms:`, NUL included. */
#define RDR_PB_PLATFORM_MAX 32
/* Longest dotted key path in a config error, NUL included. */
#define RDR_CFG_PATH_MAX 256

/* A gesture offered to a buyer. */
typedef enum rdr_offer_type_e {
        RDR_OFFER_NONE,
        RDR_OFFER_PARTIAL_REFUND, /* money back on this order */
        RDR_OFFER_COUPON,         /* money off the next order */
        RDR_OFFER_DISCOUNT,       /* percent off the next order */
        RDR_OFFER__CNT
} rdr_offer_type_t;
extern const char *const rdr_offer_type_names[RDR_OFFER__CNT];

typedef struct rdr_offer_s {
        rdr_offer_type_t type;
        long long amount_minor;          /* refund and coupon */
        char currency[RDR_CURRENCY_MAX]; /* refund and coupon */
        int percent;                     /* discount, 1..100 */
} rdr_offer_t;

/* The most an agent may offer without a manager's approval. */
typedef struct rdr_offer_limit_s {
        long long amount_minor;
        char currency[RDR_CURRENCY_MAX];
        int percent;
} rdr_offer_limit_t;

/* What a blocked cadence step does to the rest of the cadence. BEHAVIOR.md
 * 2.6: stop (no further outreach ever); skip moves to the next step. */
typedef enum rdr_on_block_e {
        RDR_ON_BLOCK_STOP,
        RDR_ON_BLOCK_SKIP,
        RDR_ON_BLOCK__CNT
} rdr_on_block_t;

/* A delivery window of the carrier x service level x destination table. */
typedef struct rdr_delivery_window_s {
        char carrier[64];       /* "*" matches any */
        char service_level[32]; /* "*" matches any */
        char destination[3];    /* ISO 3166 alpha-2, or "*" */
        int64_t min_ms, max_ms; /* after shipment.created */
} rdr_delivery_window_t;

/* Where a destination country's buyers live, for a buyer the fleet has
 * not met yet (no review, no chat): the zone of their daytime and the
 * language of their notices. */
typedef struct rdr_destination_s {
        char country[3]; /* ISO 3166 alpha-2 */
        char timezone[RDR_ZONE_MAX];
        char language[RDR_LANG_MAX];
} rdr_destination_t;

/* The effective settings of one store: the defaults with that store's
 * overrides applied. */
#define RDR_STORE_NAME_MAX 96

typedef struct rdr_store_conf_s {
        /* The store's name in messages ("" if unset: the template's
         * default, e.g. "our store", and the store_id in appeals). */
        char name[RDR_STORE_NAME_MAX];
        char timezone[RDR_ZONE_MAX];       /* store's zone, used when the
                                            * buyer's is unknown */
        char language[RDR_LANG_MAX];       /* buyer language when unknown */
        char staff_language[RDR_LANG_MAX]; /* language of staff.review text */
        int64_t first_contact_within_ms;
        int64_t follow_up_after_ms;
        int64_t incentive_after_ms;
        int64_t nudge_from_ms;
        int64_t nudge_every_ms;
        int max_nudges;
        rdr_window_t daytime; /* buyer's local daytime */
        /* Where daytime was set ("playbook.yaml:12: key
         * 'stores.x.daytime'"; a store that does not set it, the
         * defaults'), for errors found beside the platforms. */
        char daytime_origin[160];
        int64_t reply_sla_ms;
        int64_t modification_check_after_ms;
        int64_t case_ttl_ms;
        int64_t appeal_evidence_before_ms; /* before the window closes */
        int resolved_rating;               /* a rating >= this resolves */
        rdr_on_block_t on_policy_block;
        rdr_offer_limit_t agent_offer_limit;
        rdr_offer_t incentive[RDR_REASON__CNT];  /* per reason */
        long long reward_minor[RDR_REASON__CNT]; /* per resolved case */
        char reward_currency[RDR_CURRENCY_MAX];
        int64_t stall_after_ms;
        int64_t delay_notice_every_ms;
        int max_delay_notices;
        int64_t appeal_answer_within_ms; /* after filing: staff.review */
        int64_t appeal_close_after_ms;   /* after filing: the case closes */
        /* A buyer's "do not contact" to the store, without an order, is
         * heard by the store's cases whose review was written less than
         * this after it (or before it). */
        int64_t refusal_memory_ms;
} rdr_store_conf_t;

typedef struct rdr_playbook_s rdr_playbook_t;

/** Load configs/playbook.yaml. Every key of `defaults:` is required; a
 *  platform under `platforms:` may override any of them on that platform,
 *  and a store under `stores:` any of those. Unknown keys, values out
 *  of range and an out-of-order cadence (follow_up_after <= incentive_after
 *  <= nudge_from) are errors. Returns the playbook (free with
 *  rdr_playbook_destroy()) or NULL with "file:line: key 'k': reason". */
rdr_playbook_t *rdr_playbook_load_file(const char *path, char *errstr,
                                       size_t errstr_size);
void rdr_playbook_destroy(rdr_playbook_t *pb);

/** The settings of store_id on platform (NULL: any): the defaults, then
 *  the platform's overrides (`platforms:`), then the store's (`stores:`);
 *  a store or platform the file does not name adds nothing. Owned by
 *  pb. */
const rdr_store_conf_t *rdr_playbook_store(const rdr_playbook_t *pb,
                                           const char *platform,
                                           const char *store_id);
const rdr_store_conf_t *rdr_playbook_defaults(const rdr_playbook_t *pb);
/** Every store's settings the file defines (each named store's, each
 *  platform's and each named store's on each platform), by index
 *  (0..count-1). */
size_t rdr_playbook_store_count(const rdr_playbook_t *pb);
const rdr_store_conf_t *rdr_playbook_store_at(const rdr_playbook_t *pb,
                                              size_t i);
/** The platform whose `platforms:` entry store_at(i) is, and where the
 *  file names it ("playbook.yaml:41: key 'platforms.amazon'", owned by
 *  pb); NULL for the entries of `defaults:` and `stores:`. */
const char *rdr_playbook_store_platform(const rdr_playbook_t *pb, size_t i,
                                        const char **origin);

/** The expected delivery window for a parcel: the most specific row of the
 *  table (exact carrier beats "*", then service level, then destination);
 *  NULL if no row matches. service_level and destination may be NULL. */
const rdr_delivery_window_t *
rdr_playbook_delivery_window(const rdr_playbook_t *pb, const char *carrier,
                             const char *service_level,
                             const char *destination);

/** The row of `destinations:` for country (ISO 3166 alpha-2), or NULL. */
const rdr_destination_t *rdr_playbook_destination(const rdr_playbook_t *pb,
                                                  const char *country);

/** Write the settings table as Markdown (key, type, range, meaning) to fp
 *  (a FILE *): the reference of configs/playbook.yaml. */
void rdr_playbook_doc(void *fp);

/** 1 if offer goes over limit and needs a manager's approval: more money,
 *  a bigger percentage, or money in another currency than the limit's. */
int rdr_offer_over_limit(const rdr_offer_t *offer,
                         const rdr_offer_limit_t *limit);

/** Write the offer for a message ("3.00 USD", "5%"), NUL-terminated and
 *  truncated to size. Returns the length it needed. */
size_t rdr_offer_format(const rdr_offer_t *offer, char *buf, size_t size);
/** Write minor units of currency with the currency's decimals ("3.00
 *  USD", "2000 JPY", "1.500 KWD"), as rdr_offer_format() writes money. */
size_t rdr_money_format(long long minor, const char *currency, char *buf,
                        size_t size);

/* YAML helpers shared by the domain loaders. path is the dotted key to
 * report. Each returns RDR_OK or RDR_ERR_CONFIG with errstr set. */

/** node must be a mapping whose keys are all in allowed (NULL-terminated). */
rdr_err_t rdr_cfg_map(const rdr_yaml_t *node, const char *path,
                      const char *const *allowed, char *errstr,
                      size_t errstr_size);
/** *out = map[key]; missing is an error reported at map's position. */
rdr_err_t rdr_cfg_need(const rdr_yaml_t *map, const char *key, const char *path,
                       rdr_yaml_t **out, char *errstr, size_t errstr_size);
/** Copy a string scalar of at most size - 1 bytes into out. */
rdr_err_t rdr_cfg_strcpy(const rdr_yaml_t *node, const char *path, char *out,
                         size_t size, char *errstr, size_t errstr_size);
/** A time zone name ICU knows. */
rdr_err_t rdr_cfg_zone(const rdr_yaml_t *node, const char *path, char *out,
                       size_t size, char *errstr, size_t errstr_size);
/** Whether tag has BCP 47's shape: a primary subtag of 2 or 3 letters
 *  (an ISO 639 code: a word, "spanish", is a mistake), then subtags of 1
 *  to 8 letters or digits, each after a '-' ("en", "zh-Hant", "pt-BR"). */
int rdr_lang_tag_valid(const char *tag);
/** A language tag of BCP 47's shape (rdr_lang_tag_valid()). */
rdr_err_t rdr_cfg_lang(const rdr_yaml_t *node, const char *path, char *out,
                       size_t size, char *errstr, size_t errstr_size);
/** A "HH:MM-HH:MM" window. */
rdr_err_t rdr_cfg_window(const rdr_yaml_t *node, const char *path,
                         rdr_window_t *out, char *errstr, size_t errstr_size);

#endif

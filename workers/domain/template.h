/* Message templates: the text of every action the fleet publishes, per
 * action kind, per key (a reason such as "logistics", a variant such as
 * "buyer_reply", a platform such as "taobao", or "default") and per
 * language, read from configs/templates/<lang>.yaml. Placeholders are
 * {name} ("{{" and "}}" are literal braces); an unknown placeholder, one a
 * kind may not use (no order data in public replies), one that may have no
 * value where the template is used (the buyer's name, with no default in
 * the language's file) or a template that could overflow a message is an
 * error at load, so rendering cannot fail on the text. Rendering writes into
 * the caller's buffer and never allocates. Loaded once, then read-only and
 * shared between threads. */
#ifndef RDR_TEMPLATE_H
#define RDR_TEMPLATE_H

#include <stddef.h>
#include "enums.h"
#include "err.h"
#include "policy.h"

/* A rendered message, NUL included: every template fits (checked at
 * load). */
#define RDR_MESSAGE_MAX 4096
/* The most bytes one placeholder expands to; longer values are cut at a
 * UTF-8 character boundary. */
#define RDR_TEMPLATE_VAR_MAX 256
/* "<lang>/<kind>/<key>", NUL included. */
#define RDR_TEMPLATE_ID_MAX 128
/* A template key (reason, variant or platform), NUL included. */
#define RDR_TEMPLATE_KEY_MAX 48

typedef enum rdr_ph_e {
        RDR_PH_BUYER_NAME,
        RDR_PH_ORDER_ID,
        RDR_PH_PRODUCT_ID,
        RDR_PH_REVIEW_ID,
        RDR_PH_CASE_ID,
        RDR_PH_STORE_NAME,
        RDR_PH_PLATFORM,
        RDR_PH_REASON,
        RDR_PH_RATING,
        RDR_PH_OFFER, /* "3.00 USD", "5%" */
        RDR_PH_TRACKING_NUMBER,
        RDR_PH_CARRIER,
        RDR_PH_DELIVERY_WINDOW, /* the expected or new delivery estimate */
        RDR_PH_DEADLINE,        /* a time, as text */
        RDR_PH_EVIDENCE,        /* evidence kinds, as text */
        RDR_PH__CNT
} rdr_ph_t;
/* Placeholder names as written in templates: "buyer_name", ... */
extern const char *const rdr_ph_names[RDR_PH__CNT];

/* Values for the placeholders; NULL or "" takes the language file's
 * `defaults:` value. Strings are borrowed for the call. Each caller gives
 * at least the values template.c's table of lookups lists for it: the
 * loader refuses a template whose other placeholders have no default. */
typedef struct rdr_template_vars_s {
        const char *v[RDR_PH__CNT];
} rdr_template_vars_t;

typedef struct rdr_template_set_s rdr_template_set_t;

/** Load every *.yaml in dir (configs/templates), one language per file.
 *  fallback_lang (e.g. "en") must be among them and have a "default"
 *  template for every action kind, so that every lookup succeeds. A key
 *  under a kind must be one the fleet looks that kind up by (a reason, an
 *  offer type, a ground, a variant, or one of the platforms of pols, read
 *  only during the call, for outreach.modification_guide). Returns the set
 *  (free with rdr_template_set_destroy()) or NULL with "file:line: key
 *  'k': reason" in errstr. */
rdr_template_set_t *rdr_template_set_load_dir(const char *dir,
                                              const char *fallback_lang,
                                              const rdr_policy_set_t *pols,
                                              char *errstr, size_t errstr_size);
void rdr_template_set_destroy(rdr_template_set_t *ts);

/** The kinds a language's file has no default for, whose messages go
 *  out in the fallback language to its buyers ("es: outreach.incentive,
 *  notice.exception; zh: ..."), written to buf; "" when every file has
 *  every kind. Returns buf. */
const char *rdr_template_set_gaps(const rdr_template_set_t *ts, char *buf,
                                  size_t size);

/** 1 if the set has a file for lang's primary subtag ("es-MX" -> "es"). */
int rdr_template_has_language(const rdr_template_set_t *ts, const char *lang);

/* What rdr_template_render() chose. */
typedef struct rdr_rendered_s {
        char template_id[RDR_TEMPLATE_ID_MAX]; /* "es/outreach.nudge/default" */
        char language[16];                     /* the language of the text */
        size_t len; /* bytes of the message, NUL excluded */
        /* RDR_ERR_INVALID: the placeholder with no value ("buyer_name", a
         * static string), else NULL. */
        const char *missing;
} rdr_rendered_t;

/** Render the template for (kind, key) in lang into out (out_size >=
 *  RDR_MESSAGE_MAX always suffices). key may name several keys, most
 *  specific first, separated by ',' ("coupon,logistics"). Lookup: the
 *  keys in lang, "default" in lang, the keys in the fallback language,
 *  "default" there. key may be NULL ("default"), lang NULL or unknown
 *  (fallback). Returns RDR_OK,
 *  RDR_ERR_INVALID (a placeholder with neither value nor default, named
 *  in info->missing: a caller gave less than the lookups table says),
 *  RDR_ERR_TOO_LARGE (out_size too small) or RDR_ERR_NOT_FOUND (kind has
 *  no template: not after a successful load). out is NUL-terminated on
 *  every return when out_size > 0. */
rdr_err_t rdr_template_render(const rdr_template_set_t *ts,
                              rdr_action_kind_t kind, const char *key,
                              const char *lang, const rdr_template_vars_t *vars,
                              char *out, size_t out_size, rdr_rendered_t *info);

/* Room for rdr_template_why()'s sentence. */
#define RDR_TEMPLATE_WHY_MAX (64 + RDR_TEMPLATE_ID_MAX)

/** Why rdr_template_render() returned err (info as it left it), into out:
 *  the error's description and, for a placeholder with no value, which
 *  one and in which template ("Invalid input: placeholder {buyer_name} has
 *  no value in es/notice.exception/default"). */
void rdr_template_why(rdr_err_t err, const rdr_rendered_t *info, char *out,
                      size_t out_size);

/** 1 if placeholder ph may appear in templates of kind. Public replies get
 *  no order or buyer data; offers only where an offer rides. */
int rdr_template_ph_allowed(rdr_action_kind_t kind, rdr_ph_t ph);

/** Copy src into dst (size bytes) cutting at a UTF-8 character boundary;
 *  returns the bytes copied, NUL excluded. */
size_t rdr_utf8_copy(char *dst, size_t size, const char *src);

#endif

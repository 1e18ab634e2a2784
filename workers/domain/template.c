/* Template loading and rendering. One scanner (next_segment) splits a
 * template into literal text and placeholders; the loader runs it to
 * validate every template, the renderer to substitute, so that what loads
 * renders. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playbook.h"
#include "policy.h"
#include "template.h"
#include "str.h"

const char *const rdr_ph_names[RDR_PH__CNT] = {
    "buyer_name",      "order_id", "product_id",      "review_id", "case_id",
    "store_name",      "platform", "reason",          "rating",    "offer",
    "tracking_number", "carrier",  "delivery_window", "deadline",  "evidence"};

#define PH_BIT(ph) (1u << (ph))
#define PH(x) PH_BIT(RDR_PH_##x)
/* What buyers read in private: who they are, their order, the product. */
#define PH_BUYER                                                               \
        (PH(BUYER_NAME) | PH(ORDER_ID) | PH(PRODUCT_ID) | PH(STORE_NAME) |     \
         PH(PLATFORM) | PH(REASON))

static const unsigned ph_allowed[RDR_ACT__CNT] = {
    /* Public: nothing about the buyer or the order. */
    [RDR_ACT_REPLY_PUBLIC] =
        PH(PRODUCT_ID) | PH(STORE_NAME) | PH(PLATFORM) | PH(REASON),
    [RDR_ACT_FIRST_CONTACT] = PH_BUYER,
    [RDR_ACT_FOLLOW_UP] = PH_BUYER,
    [RDR_ACT_INCENTIVE] = PH_BUYER | PH(OFFER),
    [RDR_ACT_NUDGE] = PH_BUYER,
    [RDR_ACT_MODIFICATION_GUIDE] = PH_BUYER,
    [RDR_ACT_NOTICE_SHIPPED] =
        PH_BUYER | PH(TRACKING_NUMBER) | PH(CARRIER) | PH(DELIVERY_WINDOW),
    [RDR_ACT_NOTICE_DELAY] =
        PH_BUYER | PH(TRACKING_NUMBER) | PH(CARRIER) | PH(DELIVERY_WINDOW),
    [RDR_ACT_NOTICE_EXCEPTION] =
        PH_BUYER | PH(TRACKING_NUMBER) | PH(CARRIER) | PH(DELIVERY_WINDOW),
    /* To the platform: the facts of the case, no buyer name. */
    [RDR_ACT_APPEAL_FILE] = PH(ORDER_ID) | PH(PRODUCT_ID) | PH(REVIEW_ID) |
                            PH(CASE_ID) | PH(STORE_NAME) | PH(PLATFORM) |
                            PH(REASON) | PH(RATING) | PH(EVIDENCE) |
                            PH(DEADLINE),
    /* To the store's own agents: everything. */
    [RDR_ACT_STAFF_REVIEW] = (1u << RDR_PH__CNT) - 1,
};

/* ---- the keys the fleet looks templates up by ------------------------- */

/* Where the keys of a lookup come from. */
typedef enum key_src_e {
        KEYS_ONE,         /* the one key `name` */
        KEYS_REASONS,     /* a reason (rdr_reason_names) */
        KEYS_OFFER_TYPES, /* an offer type but "none", after the prefix */
        KEYS_GROUNDS,     /* an appeal's ground but "none" */
        KEYS_PLATFORMS,   /* a platform of configs/platforms */
} key_src_t;

/* The keys one caller looks a kind up by (cadence.c, parcel.c), and the
 * placeholders it always gives a value: a key under a kind that none of
 * its lookups asks for would never be used, and any other placeholder of
 * the template needs a default in its language's file. */
typedef struct lookup_s {
        rdr_action_kind_t kind;
        key_src_t src;
        const char *name; /* KEYS_ONE: the key; else a prefix, or NULL */
        unsigned given;   /* PH() bits */
} lookup_t;

/* A case's: its review's ids (all required on a review) and its facts.
 * Not the buyer's name (reviews may lack it) nor the store's (a playbook
 * `name`, or none). */
#define PH_CASE                                                                \
        (PH(ORDER_ID) | PH(PRODUCT_ID) | PH(REVIEW_ID) | PH(CASE_ID) |         \
         PH(PLATFORM) | PH(REASON) | PH(RATING))
/* A parcel's (every shipment event has them); no buyer name, no case. */
#define PH_PARCEL                                                              \
        (PH(ORDER_ID) | PH(PLATFORM) | PH(CARRIER) | PH(TRACKING_NUMBER))

static const lookup_t lookups[] = {
    {RDR_ACT_REPLY_PUBLIC, KEYS_REASONS, NULL, PH_CASE},
    {RDR_ACT_REPLY_PUBLIC, KEYS_ONE, "malicious", PH_CASE},
    {RDR_ACT_FIRST_CONTACT, KEYS_REASONS, NULL, PH_CASE},
    {RDR_ACT_FOLLOW_UP, KEYS_REASONS, NULL, PH_CASE},
    {RDR_ACT_NUDGE, KEYS_REASONS, NULL, PH_CASE},
    /* The offer's type, then the reason. */
    {RDR_ACT_INCENTIVE, KEYS_OFFER_TYPES, NULL, PH_CASE | PH(OFFER)},
    {RDR_ACT_INCENTIVE, KEYS_REASONS, NULL, PH_CASE | PH(OFFER)},
    {RDR_ACT_MODIFICATION_GUIDE, KEYS_PLATFORMS, NULL, PH_CASE},
    {RDR_ACT_MODIFICATION_GUIDE, KEYS_ONE, "reminder", PH_CASE},
    /* No estimate when neither a promise nor a delivery_windows row
     * gives one; a delay notice always makes one. */
    {RDR_ACT_NOTICE_SHIPPED, KEYS_ONE, "default", PH_PARCEL},
    {RDR_ACT_NOTICE_DELAY, KEYS_ONE, "default",
     PH_PARCEL | PH(DELIVERY_WINDOW)},
    {RDR_ACT_NOTICE_EXCEPTION, KEYS_ONE, "default", PH_PARCEL},
    /* The store's name, else its store_id. */
    {RDR_ACT_APPEAL_FILE, KEYS_GROUNDS, NULL,
     PH_CASE | PH(EVIDENCE) | PH(STORE_NAME)},
    {RDR_ACT_STAFF_REVIEW, KEYS_ONE, "buyer_reply", PH_CASE | PH(DEADLINE)},
    {RDR_ACT_STAFF_REVIEW, KEYS_ONE, "review_lowered", PH_CASE | PH(DEADLINE)},
    {RDR_ACT_STAFF_REVIEW, KEYS_ONE, "appeal_unanswered",
     PH_CASE | PH(DEADLINE)},
    /* An offer over the agent's limit: by its type, else in general. */
    {RDR_ACT_STAFF_REVIEW, KEYS_OFFER_TYPES, "offer_approval_",
     PH_CASE | PH(OFFER) | PH(DEADLINE)},
    {RDR_ACT_STAFF_REVIEW, KEYS_ONE, "offer_approval",
     PH_CASE | PH(OFFER) | PH(DEADLINE)},
    {RDR_ACT_STAFF_REVIEW, KEYS_ONE, "appeal_evidence",
     PH_CASE | PH(EVIDENCE) | PH(DEADLINE)},
    /* A parcel's, with the exception as the reason. */
    {RDR_ACT_STAFF_REVIEW, KEYS_ONE, "parcel_exception",
     PH_PARCEL | PH(REASON)},
    {RDR_ACT_STAFF_REVIEW, KEYS_ONE, "parcel_exception_late",
     PH_PARCEL | PH(REASON)},
    {RDR_ACT_STAFF_REVIEW, KEYS_ONE, "parcel_overdue",
     PH_PARCEL | PH(DELIVERY_WINDOW)},
};
#define LOOKUPS_CNT (sizeof(lookups) / sizeof(lookups[0]))

/* The name of key i (from 0) of lookup lk into *base, without the
 * prefix lookup_key() adds: 1, or 0 past the last. */
static int lookup_base(const lookup_t *lk, const rdr_policy_set_t *pols,
                       size_t i, const char **base) {
        switch (lk->src) {
        case KEYS_ONE:
                *base = lk->name;
                return i == 0;
        case KEYS_REASONS:
                if (i >= RDR_REASON__CNT)
                        return 0;
                *base = rdr_reason_names[i];
                return 1;
        case KEYS_OFFER_TYPES:
                if (i + 1 >= RDR_OFFER__CNT)
                        return 0;
                *base = rdr_offer_type_names[i + 1];
                return 1;
        case KEYS_GROUNDS:
                if (i + 1 >= RDR_GROUND__CNT)
                        return 0;
                *base = rdr_ground_names[i + 1];
                return 1;
        case KEYS_PLATFORMS:
                if (!pols || i >= rdr_policy_set_count(pols))
                        return 0;
                *base = rdr_policy_platform(rdr_policy_set_at(pols, i));
                return 1;
        }
        return 0;
}

/* Key i of lookup lk, its prefix included, into key: 1, or 0 past the
 * last. A key too long to be one is "" (no template can have it). */
static int lookup_key(const lookup_t *lk, const rdr_policy_set_t *pols,
                      size_t i, char key[RDR_TEMPLATE_KEY_MAX]) {
        const char *prefix = lk->src != KEYS_ONE && lk->name ? lk->name : "";
        const char *base;
        if (!lookup_base(lk, pols, i, &base))
                return 0;
        if (rdr_str_join_fit(key, RDR_TEMPLATE_KEY_MAX,
                             (const char *const[]){prefix, base, NULL}) < 0)
                key[0] = '\0';
        return 1;
}

/* Whether kind is ever looked up by key ("default" always is). */
static int key_looked_up(rdr_action_kind_t kind, const char *key,
                         const rdr_policy_set_t *pols) {
        char k[RDR_TEMPLATE_KEY_MAX];
        size_t l, i;
        if (!strcmp(key, "default"))
                return 1;
        for (l = 0; l < LOOKUPS_CNT; l++)
                for (i = 0; lookups[l].kind == kind &&
                            lookup_key(&lookups[l], pols, i, k);
                     i++)
                        if (!strcmp(k, key))
                                return 1;
        return 0;
}

/* "default, a, b, ...": the keys kind is looked up by, for an error. */
static void keys_of_kind(rdr_action_kind_t kind, const rdr_policy_set_t *pols,
                         char *out, size_t size) {
        char k[RDR_TEMPLATE_KEY_MAX];
        size_t l, i, len = rdr_str_copy(out, size, "default");
        for (l = 0; l < LOOKUPS_CNT; l++)
                for (i = 0; lookups[l].kind == kind &&
                            lookup_key(&lookups[l], pols, i, k);
                     i++)
                        if (k[0] && strcmp(k, "default") && len < size)
                                len += rdr_str_join(
                                    out + len, size - len,
                                    (const char *const[]){", ", k, NULL});
}

typedef struct tpl_entry_s {
        rdr_action_kind_t kind;
        char *key;
        char *text;
} tpl_entry_t;

typedef struct tpl_lang_s {
        char lang[16];
        char *defaults[RDR_PH__CNT];
        tpl_entry_t *entries;
        size_t cnt;
} tpl_lang_t;

struct rdr_template_set_s {
        tpl_lang_t *langs;
        size_t cnt;
        const tpl_lang_t *fallback;
};

#define DEFAULT_KEY "default"

static const char *find(const tpl_lang_t *tl, rdr_action_kind_t kind,
                        const char *key, size_t len) {
        size_t i;
        for (i = 0; i < tl->cnt; i++)
                if (tl->entries[i].kind == kind &&
                    !strncmp(tl->entries[i].key, key, len) &&
                    !tl->entries[i].key[len])
                        return tl->entries[i].text;
        return NULL;
}

int rdr_template_ph_allowed(rdr_action_kind_t kind, rdr_ph_t ph) {
        if ((unsigned)kind >= RDR_ACT__CNT || (unsigned)ph >= RDR_PH__CNT)
                return 0;
        return (ph_allowed[kind] >> ph) & 1u;
}

size_t rdr_utf8_copy(char *dst, size_t size, const char *src) {
        size_t n;
        if (!size)
                return 0;
        n = strlen(src);
        if (n >= size) {
                n = size - 1;
                /* Back off to the start of the character we cut. */
                while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
                        n--;
        }
        memcpy(dst, src, n);
        dst[n] = '\0';
        return n;
}

/* ---- the scanner ------------------------------------------------------ */

typedef struct seg_s {
        const char *lit; /* literal text, or NULL for a placeholder */
        size_t len;
        rdr_ph_t ph;
} seg_t;

/* The next segment of the template at *p. Returns 1 with *seg, 0 at the
 * end, -1 on a malformed template (*p points at the fault). */
static int next_segment(const char **p, seg_t *seg) {
        const char *s = *p, *end;
        size_t n;
        int i;
        if (!*s)
                return 0;
        if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
                seg->lit = s;
                seg->len = 1;
                *p = s + 2;
                return 1;
        }
        if (s[0] == '}')
                return -1;
        if (s[0] == '{') {
                end = strchr(s + 1, '}');
                if (!end)
                        return -1;
                n = (size_t)(end - s - 1);
                for (i = 0; i < RDR_PH__CNT; i++) {
                        if (strlen(rdr_ph_names[i]) == n &&
                            !memcmp(rdr_ph_names[i], s + 1, n)) {
                                seg->lit = NULL;
                                seg->ph = (rdr_ph_t)i;
                                *p = end + 1;
                                return 1;
                        }
                }
                return -1;
        }
        seg->lit = s;
        seg->len = strcspn(s, "{}");
        *p = s + seg->len;
        return 1;
}

/* ---- loading ---------------------------------------------------------- */

static int key_valid(const char *key) {
        size_t i, n = strlen(key);
        if (!n || n >= RDR_TEMPLATE_KEY_MAX)
                return 0;
        for (i = 0; i < n; i++)
                if (!((key[i] >= 'a' && key[i] <= 'z') ||
                      (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
                        return 0;
        return 1;
}

/* A language tag of BCP 47's shape in lower case: templates are found by
 * the action's language as the file names it. */
static int lang_valid(const char *lang) {
        const char *p;
        for (p = lang; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        return 0;
        return rdr_lang_tag_valid(lang);
}

static rdr_err_t check_text(const rdr_yaml_t *node, const char *path,
                            rdr_action_kind_t kind, const char *text,
                            char *errstr, size_t errstr_size) {
        const char *p = text;
        size_t phs = 0;
        seg_t seg;
        int r;
        for (r = next_segment(&p, &seg); r == 1; r = next_segment(&p, &seg)) {
                if (seg.lit)
                        continue;
                if (!rdr_template_ph_allowed(kind, seg.ph))
                        return rdr_yaml_error(
                            node, path, errstr, errstr_size,
                            "placeholder {%s} may not be used in %s%s",
                            rdr_ph_names[seg.ph], rdr_action_kind_names[kind],
                            kind == RDR_ACT_REPLY_PUBLIC
                                ? " (no order or buyer data in public)"
                                : "");
                phs++;
        }
        if (r == -1)
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "bad or unknown placeholder at "
                                      "'%.24s' (known: {buyer_name}, "
                                      "{order_id}, ...; '{{' for '{')",
                                      p);
        if (strlen(text) + phs * (RDR_TEMPLATE_VAR_MAX - 1) >= RDR_MESSAGE_MAX)
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "too long: %zu bytes and %zu "
                                      "placeholders may not fit %d bytes",
                                      strlen(text), phs, RDR_MESSAGE_MAX);
        if (!*text)
                return rdr_yaml_error(node, path, errstr, errstr_size,
                                      "empty template");
        return RDR_OK;
}

/* The placeholders text uses (PH() bits); text is valid. */
static unsigned text_uses(const char *text) {
        unsigned uses = 0;
        seg_t seg;
        while (next_segment(&text, &seg) == 1)
                if (!seg.lit)
                        uses |= PH_BIT(seg.ph);
        return uses;
}

/* The placeholders that have a value wherever tl's template (kind, key)
 * is used: those the lookups asking for key give; for "default", those
 * of the lookups it stands in for (a key tl has no template for) and of a
 * lookup by "default" itself. */
static unsigned given_for(const tpl_lang_t *tl, rdr_action_kind_t kind,
                          const char *key, const rdr_policy_set_t *pols) {
        char k[RDR_TEMPLATE_KEY_MAX];
        unsigned given = ~0u;
        int is_default = !strcmp(key, DEFAULT_KEY);
        size_t l, i;
        for (l = 0; l < LOOKUPS_CNT; l++) {
                const lookup_t *lk = &lookups[l];
                for (i = 0; lk->kind == kind && lookup_key(lk, pols, i, k);
                     i++) {
                        if (!k[0])
                                continue;
                        if (is_default ? !strcmp(k, DEFAULT_KEY) ||
                                             !find(tl, kind, k, strlen(k))
                                       : !strcmp(k, key))
                                given &= lk->given;
                }
        }
        return given;
}

/* Every placeholder of tl's templates (read from templates, the file's
 * map) has a value wherever the template is used: the fleet's, or the
 * file's default. Else an error naming the template and the placeholder,
 * rather than a message that cannot render on a real event. */
static rdr_err_t check_values(const tpl_lang_t *tl, const rdr_yaml_t *templates,
                              const rdr_policy_set_t *pols, char *errstr,
                              size_t errstr_size) {
        char p[RDR_CFG_PATH_MAX];
        unsigned have = 0, lack;
        size_t i, j, n = 0;
        int ph;
        for (ph = 0; ph < RDR_PH__CNT; ph++)
                if (tl->defaults[ph])
                        have |= PH_BIT(ph);
        for (i = 0; i < rdr_yaml_len(templates); i++) {
                const rdr_yaml_t *kmap = rdr_yaml_at(templates, i);
                for (j = 0; j < rdr_yaml_len(kmap) && n < tl->cnt; j++, n++) {
                        const tpl_entry_t *e = &tl->entries[n];
                        lack = text_uses(e->text) & ~have &
                               ~given_for(tl, e->kind, e->key, pols);
                        if (!lack)
                                continue;
                        for (ph = 0; !(lack & PH_BIT(ph)); ph++)
                                ;
                        snprintf(p, sizeof(p), "templates.%s.%s",
                                 rdr_yaml_key(templates, i), e->key);
                        return rdr_yaml_error(
                            rdr_yaml_at(kmap, j), p, errstr, errstr_size,
                            "placeholder {%s} is not always known where this "
                            "template is used: give it a value under "
                            "defaults: in this file (defaults.%s)",
                            rdr_ph_names[ph], rdr_ph_names[ph]);
                }
        }
        return RDR_OK;
}

/* The language file at path, whose name says its language (name_lang,
 * "es" for es.yaml). */
static rdr_err_t load_lang(tpl_lang_t *tl, const char *path,
                           const char *name_lang, const rdr_policy_set_t *pols,
                           char *errstr, size_t errstr_size) {
        static const char *const top[] = {"language", "defaults", "templates",
                                          NULL};
        rdr_yaml_t *root, *v, *defaults, *templates;
        const char *ph_keys[RDR_PH__CNT + 1], *kind_keys[RDR_ACT__CNT + 1];
        char p[RDR_CFG_PATH_MAX];
        size_t i, j, total = 0;
        rdr_err_t err = RDR_ERR_CONFIG;

        for (i = 0; i < RDR_PH__CNT; i++)
                ph_keys[i] = rdr_ph_names[i];
        ph_keys[RDR_PH__CNT] = NULL;
        for (i = 0; i < RDR_ACT__CNT; i++)
                kind_keys[i] = rdr_action_kind_names[i];
        kind_keys[RDR_ACT__CNT] = NULL;

        root = rdr_yaml_load_file(path, errstr, errstr_size);
        if (!root)
                return RDR_ERR_CONFIG;
        if (rdr_cfg_map(root, "(top)", top, errstr, errstr_size) ||
            rdr_cfg_need(root, "language", "language", &v, errstr,
                         errstr_size) ||
            rdr_cfg_strcpy(v, "language", tl->lang, sizeof(tl->lang), errstr,
                           errstr_size))
                goto done;
        if (!lang_valid(tl->lang)) {
                rdr_yaml_error(v, "language", errstr, errstr_size,
                               "expected a lowercase language tag like en");
                goto done;
        }
        if (strcmp(tl->lang, name_lang)) {
                rdr_yaml_error(v, "language", errstr, errstr_size,
                               "expected '%s' as the file name says",
                               name_lang);
                goto done;
        }
        defaults = rdr_yaml_get(root, "defaults");
        if (defaults) {
                if (rdr_cfg_map(defaults, "defaults", ph_keys, errstr,
                                errstr_size))
                        goto done;
                for (i = 0; i < RDR_PH__CNT; i++) {
                        const char *s;
                        v = rdr_yaml_get(defaults, rdr_ph_names[i]);
                        snprintf(p, sizeof(p), "defaults.%s", rdr_ph_names[i]);
                        if (!v)
                                continue;
                        if (rdr_yaml_as_str(v, p, RDR_TEMPLATE_VAR_MAX - 1, &s,
                                            errstr, errstr_size))
                                goto done;
                        tl->defaults[i] = strdup(s);
                        if (!tl->defaults[i])
                                goto nomem;
                }
        }
        if (rdr_cfg_need(root, "templates", "templates", &templates, errstr,
                         errstr_size) ||
            rdr_cfg_map(templates, "templates", kind_keys, errstr, errstr_size))
                goto done;
        for (i = 0; i < rdr_yaml_len(templates); i++) {
                rdr_yaml_t *kmap = rdr_yaml_at(templates, i);
                snprintf(p, sizeof(p), "templates.%s",
                         rdr_yaml_key(templates, i));
                if (rdr_cfg_map(kmap, p, NULL, errstr, errstr_size))
                        goto done;
                total += rdr_yaml_len(kmap);
        }
        tl->entries = calloc(total + 1, sizeof(*tl->entries));
        if (!tl->entries)
                goto nomem;
        for (i = 0; i < rdr_yaml_len(templates); i++) {
                const char *kname = rdr_yaml_key(templates, i);
                rdr_yaml_t *kmap = rdr_yaml_at(templates, i);
                rdr_action_kind_t kind = (rdr_action_kind_t)rdr_enum_parse(
                    rdr_action_kind_names, RDR_ACT__CNT, kname, strlen(kname));
                for (j = 0; j < rdr_yaml_len(kmap); j++) {
                        const char *key = rdr_yaml_key(kmap, j), *text;
                        tpl_entry_t *e;
                        v = rdr_yaml_at(kmap, j);
                        snprintf(p, sizeof(p), "templates.%s.%s", kname, key);
                        if (!key_valid(key)) {
                                rdr_yaml_error(v, p, errstr, errstr_size,
                                               "a key is lowercase letters, "
                                               "digits and '_'");
                                goto done;
                        }
                        if (!key_looked_up(kind, key, pols)) {
                                char known[512];
                                keys_of_kind(kind, pols, known, sizeof(known));
                                rdr_yaml_error(v, p, errstr, errstr_size,
                                               "unknown key: %s templates are "
                                               "looked up by %s",
                                               kname, known);
                                goto done;
                        }
                        if (rdr_yaml_as_str(v, p, RDR_MESSAGE_MAX, &text,
                                            errstr, errstr_size) ||
                            check_text(v, p, kind, text, errstr, errstr_size))
                                goto done;
                        e = &tl->entries[tl->cnt];
                        e->kind = kind;
                        e->key = strdup(key);
                        e->text = strdup(text);
                        if (!e->key || !e->text) {
                                free(e->key);
                                free(e->text);
                                e->key = e->text = NULL;
                                goto nomem;
                        }
                        tl->cnt++;
                }
        }
        err = check_values(tl, templates, pols, errstr, errstr_size);
        goto done;
nomem:
        snprintf(errstr, errstr_size, "%s: out of memory", path);
        err = RDR_ERR_NOMEM;
done:
        rdr_yaml_destroy(root);
        return err;
}

static void free_lang(tpl_lang_t *tl) {
        size_t i;
        for (i = 0; i < RDR_PH__CNT; i++)
                free(tl->defaults[i]);
        for (i = 0; i < tl->cnt; i++) {
                free(tl->entries[i].key);
                free(tl->entries[i].text);
        }
        free(tl->entries);
}

/* The first of keys ("a,b": most specific first) that tl has for kind,
 * else its "default"; *used is the key found. */
static const char *find_keys(const tpl_lang_t *tl, rdr_action_kind_t kind,
                             const char *keys,
                             char used[RDR_TEMPLATE_KEY_MAX]) {
        const char *k = keys, *text;
        size_t len;
        for (;;) {
                len = strcspn(k, ",");
                if (len && len < RDR_TEMPLATE_KEY_MAX &&
                    (text = find(tl, kind, k, len))) {
                        memcpy(used, k, len);
                        used[len] = '\0';
                        return text;
                }
                if (!k[len])
                        break;
                k += len + 1;
        }
        rdr_str_copy(used, RDR_TEMPLATE_KEY_MAX, DEFAULT_KEY);
        return find(tl, kind, DEFAULT_KEY, sizeof(DEFAULT_KEY) - 1);
}

rdr_template_set_t *rdr_template_set_load_dir(const char *dir,
                                              const char *fallback_lang,
                                              const rdr_policy_set_t *pols,
                                              char *errstr,
                                              size_t errstr_size) {
        char **names = NULL;
        rdr_template_set_t *ts = NULL;
        char path[4096];
        size_t n = 0, i;
        int k;

        if (rdr_yaml_dir(dir, &names, &n, errstr, errstr_size))
                goto err;
        ts = calloc(1, sizeof(*ts));
        if (ts)
                ts->langs = calloc(n + 1, sizeof(*ts->langs));
        if (!ts || !ts->langs) {
                snprintf(errstr, errstr_size, "%s: out of memory", dir);
                goto err;
        }
        for (i = 0; i < n; i++) {
                tpl_lang_t *tl = &ts->langs[ts->cnt];
                char name_lang[256];
                /* One file per language, the language its name says: two
                 * cannot define one. */
                rdr_str_copy(name_lang, sizeof(name_lang), names[i]);
                name_lang[strlen(name_lang) - 5] = '\0'; /* ".yaml" */
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                ts->cnt++;
                if (load_lang(tl, path, name_lang, pols, errstr, errstr_size))
                        goto err;
                if (!strcmp(tl->lang, fallback_lang))
                        ts->fallback = tl;
        }
        if (!ts->fallback) {
                snprintf(errstr, errstr_size,
                         "%s: no templates for the fallback language '%s'", dir,
                         fallback_lang);
                goto err;
        }
        for (k = 0; k < RDR_ACT__CNT; k++) {
                if (!find(ts->fallback, (rdr_action_kind_t)k, DEFAULT_KEY,
                          sizeof(DEFAULT_KEY) - 1)) {
                        snprintf(errstr, errstr_size,
                                 "%s/%s.yaml: key 'templates.%s.default': "
                                 "missing (the fallback language needs a "
                                 "default for every kind)",
                                 dir, fallback_lang, rdr_action_kind_names[k]);
                        goto err;
                }
        }
        rdr_yaml_dir_free(names, n);
        return ts;
err:
        rdr_yaml_dir_free(names, n);
        rdr_template_set_destroy(ts);
        return NULL;
}

const char *rdr_template_set_gaps(const rdr_template_set_t *ts, char *buf,
                                  size_t size) {
        size_t i, n = 0;
        int k, first;
        buf[0] = '\0';
        for (i = 0; i < ts->cnt; i++) {
                const tpl_lang_t *tl = &ts->langs[i];
                if (tl == ts->fallback)
                        continue;
                for (k = 0, first = 1; k < RDR_ACT__CNT; k++) {
                        if (find(tl, (rdr_action_kind_t)k, DEFAULT_KEY,
                                 sizeof(DEFAULT_KEY) - 1))
                                continue;
                        n += rdr_str_join(buf + n, size - n,
                                          (const char *const[]){
                                              first ? (n ? "; " : "") : ", ",
                                              first ? tl->lang : "",
                                              first ? ": " : "",
                                              rdr_action_kind_names[k], NULL});
                        first = 0;
                }
        }
        return buf;
}

void rdr_template_set_destroy(rdr_template_set_t *ts) {
        size_t i;
        if (!ts)
                return;
        for (i = 0; i < ts->cnt; i++)
                free_lang(&ts->langs[i]);
        free(ts->langs);
        free(ts);
}

/* ---- rendering -------------------------------------------------------- */

/* The language file for a BCP 47 tag: the whole tag, else its primary
 * subtag ("es-MX" -> "es", "zh_Hans" -> "zh"), case-insensitive. */
static const tpl_lang_t *lang_lookup(const rdr_template_set_t *ts,
                                     const char *tag) {
        char norm[16], primary[16];
        size_t i, n;
        if (!tag || !*tag)
                return NULL;
        for (n = 0; tag[n] && n + 1 < sizeof(norm); n++) {
                char c = tag[n];
                if (c >= 'A' && c <= 'Z')
                        c = (char)(c - 'A' + 'a');
                norm[n] = c == '_' ? '-' : c;
        }
        norm[n] = '\0';
        memcpy(primary, norm, n + 1);
        primary[strcspn(primary, "-")] = '\0';
        for (i = 0; i < ts->cnt; i++)
                if (!strcmp(ts->langs[i].lang, norm))
                        return &ts->langs[i];
        for (i = 0; i < ts->cnt; i++)
                if (!strcmp(ts->langs[i].lang, primary))
                        return &ts->langs[i];
        return NULL;
}

int rdr_template_has_language(const rdr_template_set_t *ts, const char *lang) {
        return lang_lookup(ts, lang) != NULL;
}

static rdr_err_t append(char *out, size_t out_size, size_t *len, const char *s,
                        size_t n) {
        if (*len + n + 1 > out_size)
                return RDR_ERR_TOO_LARGE;
        memcpy(out + *len, s, n);
        *len += n;
        out[*len] = '\0';
        return RDR_OK;
}

rdr_err_t rdr_template_render(const rdr_template_set_t *ts,
                              rdr_action_kind_t kind, const char *key,
                              const char *lang, const rdr_template_vars_t *vars,
                              char *out, size_t out_size,
                              rdr_rendered_t *info) {
        const tpl_lang_t *tl = lang_lookup(ts, lang), *tries[2];
        const char *text = NULL, *p;
        char used_key[RDR_TEMPLATE_KEY_MAX];
        size_t len = 0;
        int t;
        seg_t seg;
        rdr_err_t err = RDR_OK;

        if (out_size)
                out[0] = '\0';
        memset(info, 0, sizeof(*info));
        if ((unsigned)kind >= RDR_ACT__CNT)
                return RDR_ERR_NOT_FOUND;
        if (!key || !*key)
                key = "default";
        tries[0] = tl ? tl : ts->fallback;
        tries[1] = ts->fallback;
        for (t = 0; t < 2 && !text; t++) {
                tl = tries[t];
                text = find_keys(tl, kind, key, used_key);
        }
        if (!text)
                return RDR_ERR_NOT_FOUND;
        rdr_str_join(info->template_id, sizeof(info->template_id),
                     (const char *const[]){tl->lang, "/",
                                           rdr_action_kind_names[kind], "/",
                                           used_key, NULL});
        rdr_str_copy(info->language, sizeof(info->language), tl->lang);

        p = text;
        while (!err && next_segment(&p, &seg) == 1) {
                const char *v;
                char cut[RDR_TEMPLATE_VAR_MAX];
                size_t n;
                if (seg.lit) {
                        err = append(out, out_size, &len, seg.lit, seg.len);
                        continue;
                }
                v = vars ? vars->v[seg.ph] : NULL;
                if (!v || !*v)
                        v = tl->defaults[seg.ph];
                if (!v) {
                        info->missing = rdr_ph_names[seg.ph];
                        err = RDR_ERR_INVALID;
                        break;
                }
                n = rdr_utf8_copy(cut, sizeof(cut), v);
                err = append(out, out_size, &len, cut, n);
        }
        if (err) {
                if (out_size)
                        out[0] = '\0';
                return err;
        }
        info->len = len;
        return RDR_OK;
}

void rdr_template_why(rdr_err_t err, const rdr_rendered_t *info, char *out,
                      size_t out_size) {
        if (err == RDR_ERR_INVALID && info->missing)
                rdr_str_join(
                    out, out_size,
                    (const char *const[]){rdr_err2str(err), ": placeholder {",
                                          info->missing, "} has no value in ",
                                          info->template_id, NULL});
        else
                rdr_str_copy(out, out_size, rdr_err2str(err));
}

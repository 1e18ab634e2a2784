/* Shipment notices (BEHAVIOR.md section 4): what the fleet tells a buyer
 * about a parcel before the buyer has to ask. rdr_parcel_decide() takes a
 * parcel's record (one per tracking number of the order) and one input, a
 * shipment event or the record's check coming due, and returns the next record,
 * the notices to publish and the next check to arm:
 *
 *   shipment.created    notice.shipped with the expected delivery window
 *                       (delivery_windows in playbook.yaml, or promised_by)
 *   shipment.exception  notice.exception at once; staff.review too for a
 *                       lost or damaged parcel (that alone when the report
 *                       is read stall_after or more late); no more checks
 *                       for a lost, damaged or returned parcel
 *   the check           no scan for stall_after, or the estimate passed
 *                       without delivery: notice.logistics_delay with a new
 *                       estimate, at most one per delay_notice_every; once
 *                       told one, only its passing (not a stall) makes
 *                       the parcel late again; late again after
 *                       max_delay_notices: staff.review (the parcel is
 *                       probably lost) and no more checks
 *
 * Events apply in the order they happened: one older than the latest the
 * record knows (a scan reported late, a created read after the delivery)
 * changes no status and tells no one of what the parcel left behind. An
 * estimate ends with the last day the buyer was told, in the buyer's
 * zone; a promise on any event is the estimate until a delay notice gives
 * a new one.
 *
 * The check is one durable timer per parcel, armed at the next moment the
 * parcel could be late (its last scan plus stall_after, or the end of the
 * estimate, whichever comes first; after a delay notice, the end of the
 * estimate it told). The record keeps the check's due time:
 * a timer that no longer matches it (a scan moved the check on) is stale
 * and does nothing. A check that finds the parcel late pauses the order's
 * review outreach too (section 7; casework arms the pause); one due in the
 * buyer's night asks again at daytime, so a parcel delivered meanwhile
 * hears nothing. Notices go out
 * in the buyer's daytime (the zone the order's review gave, else the one
 * the buyer's review of an earlier order gave, else the parcel's
 * destination's from the playbook's destinations, else the store's),
 * outside the platform's quiet hours, in the buyer's language (the same
 * order: the order's review or chats, the buyer's earlier review, the
 * destination's, the store's), on the
 * channel the platform's policy picks for the kind; their action ids are
 * "<shipment_id>:<step>:<n>", so a replayed event or a timer fired twice
 * publishes the same ids again, never new ones. An event handled stall_after or
 * more after it happened (a backlog read late) updates the record without a
 * notice; its check, due at once, says whether the parcel is late. Pure: no
 * clock, no Redis. */
#ifndef RDR_PARCEL_H
#define RDR_PARCEL_H

#include <stddef.h>
#include <stdint.h>

#include "cadence.h"
#include "event.h"
#include "keys.h"
#include "str.h"

#define RDR_PARCEL_STR_MAX (RDR_EVENT_MAX_ID + 1) /* an id whole */
#define RDR_PARCEL_NOTICES_MAX 2

/* A parcel's record (fields of the order's hash redress:{o:...}, see
 * rdr_parcel_ref() and rdr_parcel_load()). Strings are "" when unknown. */
typedef struct rdr_parcel_s {
        char shipment_id[RDR_ID_LEN]; /* "" before shipment.created */
        char platform[RDR_PARCEL_STR_MAX], store_id[RDR_PARCEL_STR_MAX],
            order_id[RDR_PARCEL_STR_MAX], buyer_id[RDR_PARCEL_STR_MAX],
            carrier[RDR_PARCEL_STR_MAX], tracking_number[RDR_PARCEL_STR_MAX];
        char service_level[64];
        char destination[3];
        int has_status;
        rdr_shipment_type_t status; /* the last event's type */
        rdr_exception_t exception;  /* the last exception */
        int64_t exception_at_ms;    /* when it happened (0: unknown) */
        int64_t shipped_at_ms, last_scan_at_ms, promised_by_ms, delivered_at_ms;
        /* The estimate the buyer was last told (0: none). */
        int64_t expected_min_ms, expected_max_ms;
        int64_t check_at_ms;        /* the armed check's due time, 0: none */
        int64_t delay_notice_at_ms; /* the last delay notice, 0: none */
        int delay_notices, exceptions;
        /* Late again after max_delay_notices: a person was asked to look;
         * no more checks for the parcel. */
        int overdue;
        /* Bumped by every write: the compare-and-set between the shipments
         * and timer workers (0: never written with it). */
        int64_t version;
        /* What the order's review or chats told of the buyer (written by
         * the reviews and chats workers, read here): "" when unknown. */
        char buyer_language[RDR_LANG_MAX], buyer_zone[RDR_ZONE_MAX];
} rdr_parcel_t;

typedef struct rdr_parcel_notice_s {
        char action_id[RDR_ACTION_ID_MAX];
        rdr_action_kind_t kind;
        rdr_channel_t channel;
        char language[RDR_LANG_MAX];
        char template_id[RDR_TEMPLATE_ID_MAX];
        int64_t due_at_ms;
        char message[RDR_MESSAGE_MAX];
} rdr_parcel_notice_t;

typedef enum rdr_parcel_status_e {
        RDR_PARCEL_APPLIED, /* the record changed (see the rest of out) */
        RDR_PARCEL_STALE,   /* a check that no longer matches: nothing */
        RDR_PARCEL_NOOP     /* a check with nothing to do: nothing */
} rdr_parcel_status_t;

typedef struct rdr_parcel_out_s {
        rdr_parcel_status_t status;
        rdr_parcel_notice_t notices[RDR_PARCEL_NOTICES_MAX];
        int notices_cnt;
        /* A check to arm (next->check_at_ms, when it moved), 0: none. */
        int64_t arm_at_ms;
        /* The parcel is late (the estimate passed or it stalled): the
         * order's review outreach pauses until delivery (section 7). */
        int late;
        /* A notice a policy rule kept back (its name), "" if none. */
        char blocked_rule[64];
        char errstr[256];
} rdr_parcel_out_t;

/** The shipment id of a parcel: derived from platform, store_id, order_id
 *  and tracking_number. */
void rdr_parcel_shipment_id(char out[RDR_ID_LEN], const char *platform,
                            const char *store_id, const char *order_id,
                            const char *tracking_number);

/** Empty out (status RDR_PARCEL_APPLIED, nothing to publish or arm). */
void rdr_parcel_out_reset(rdr_parcel_out_t *out);

/** Apply ev (a shipment event), or with ev NULL the check due at
 *  check_at_ms, to the record cur at the fleet's time now_ms. next receives
 *  the new record (it may be cur itself); out is overwritten. Returns
 *  RDR_OK, RDR_ERR_INVALID (unknown platform or time zone: out->errstr) or
 *  RDR_ERR_CONFIG (a template failed to render). */
rdr_err_t rdr_parcel_decide(const rdr_cadence_conf_t *conf,
                            const rdr_parcel_t *cur, const rdr_shipment_t *ev,
                            int64_t check_at_ms, int64_t now_ms,
                            rdr_parcel_t *next, rdr_parcel_out_t *out);

/** Where the buyer of parcel p lives as the fleet knows it: the zone the
 *  order's review or chats, or the buyer's earlier review, gave
 *  (p->buyer_zone); else the zone of the parcel's destination (ev's when
 *  it names one, else the record's; playbook destinations), in *dest too
 *  (NULL if unlisted). NULL when neither is known. */
const char *rdr_parcel_buyer_zone(const rdr_playbook_t *pb,
                                  const rdr_parcel_t *p,
                                  const rdr_shipment_t *ev,
                                  const rdr_destination_t **dest);

/** 1 if an undelivered parcel is late at at_ms: a delay notice went out
 *  (delay_notice_at_ms: the buyer was told it is late, even where the
 *  notice moved the estimate forward), or at_ms is past the store's
 *  promise when it made one, else past the estimate the buyer was told.
 *  The shipments and reviews workers pause outreach on it until delivery
 *  (BEHAVIOR.md section 7). */
int rdr_parcel_is_late(int64_t promised_by_ms, int64_t expected_max_ms,
                       int64_t delay_notice_at_ms, int64_t at_ms);

/** 1 if p was delivered: nothing moves it back (an exception or scan
 *  that comes after the delivery, or an older one retried, leaves it
 *  delivered). */
int rdr_parcel_delivered(const rdr_parcel_t *p);

/** 1 if p holds the order's review outreach at at_ms (BEHAVIOR.md
 *  section 7): shipped, not delivered, and in exception or late
 *  (rdr_parcel_is_late()). */
int rdr_parcel_holds(const rdr_parcel_t *p, int64_t at_ms);

/* An order's parcels (a split shipment has several: one per tracking
 * number) keep their records in the order's hash. The order's first
 * parcel has the plain field names (shipment_id ... parcel_version, as
 * builds before split shipments wrote them); each further parcel the same
 * names prefixed "parcel:<tracking_number>:". A parcel is named by its ref:
 * the order's key for the first, "<n>:<tracking_number>:<order key>" for
 * a further one (n: the tracking number's length in bytes). The check's
 * timer member carries the ref. The order key comes last and whole: a
 * ref is split by the length, never at a ':' (a tracking number may hold
 * one). */
#define RDR_PARCEL_REF_MAX 2048
#define RDR_PARCEL_PREFIX_MAX 1100

/** The ref of order_key's parcel tracking (NULL: the order's first)
 *  into dst: its length, or -1 if it does not fit in n. */
int rdr_parcel_ref(char *dst, size_t n, const char *order_key,
                   const char *tracking);
/** Split a ref: 0 with *order_key (pointing into ref) and the parcel's
 *  field prefix ("" for the order's first) in prefix (RDR_PARCEL_PREFIX_MAX
 *  bytes), -1 if ref is malformed. */
int rdr_parcel_ref_split(const char *ref, const char **order_key,
                         char prefix[RDR_PARCEL_PREFIX_MAX]);
/** The field prefix of the order's parcel tracking (NULL: its first, "")
 *  into prefix. */
void rdr_parcel_prefix(char prefix[RDR_PARCEL_PREFIX_MAX],
                       const char *tracking);
/** 1 if the order hash's field (flen bytes) with value (vlen bytes) is
 *  the tracking number of a further parcel ("parcel:<value>:
 *  tracking_number"), else 0. */
int rdr_parcel_further(const char *field, size_t flen, const char *value,
                       size_t vlen);

/* The record's fields as the order's hash stores them: every one, "" or
 * "0" when unknown. */
#define RDR_PARCEL_FIELDS 24
typedef struct rdr_parcel_fv_s {
        const char *fv[2 * RDR_PARCEL_FIELDS]; /* field, value, ... */
        size_t cnt;                            /* strings in fv */
        char num[RDR_PARCEL_FIELDS][RDR_STR_INT_SIZE];
        /* The prefixed names of a further parcel's fields. */
        char names[RDR_PARCEL_FIELDS][RDR_PARCEL_PREFIX_MAX + 32];
} rdr_parcel_fv_t;

/** Fill fv with the fields of p, their names prefixed with prefix (""
 *  for an order's first parcel; values point into p and fv). */
void rdr_parcel_fields(const rdr_parcel_t *p, const char *prefix,
                       rdr_parcel_fv_t *fv);

/** Fill p from the order's fields under prefix (the buyer's language and
 *  zone are the order's, without it): get(opaque, field) returns a value
 *  or NULL. Fields of other writers are ignored. */
void rdr_parcel_load(rdr_parcel_t *p, const char *prefix,
                     const char *(*get)(void *opaque, const char *field),
                     void *opaque);

/** The timer member of the check due at_ms of the parcel ref (see
 *  rdr_parcel_ref()): "parcel:<at_ms>:<ref>". Returns its length, or -1 if
 *  it does not fit in n. */
int rdr_parcel_timer(char *dst, size_t n, int64_t at_ms, const char *ref);
/** Split a timer member made by rdr_parcel_timer(): 0 with *at_ms and
 *  *ref (pointing into member), -1 if it is not one. */
int rdr_parcel_timer_parse(const char *member, int64_t *at_ms,
                           const char **ref);

/** The timer member that pauses case case_id for a late parcel, due at_ms
 *  (armed by the check beside its delay notice: the timer worker feeds the
 *  case RDR_CIN_SHIPMENT_PAUSE): "parcel-pause:<at_ms>:<case_id>". Returns
 *  its length, or -1 if it does not fit in n. */
int rdr_parcel_pause_timer(char *dst, size_t n, int64_t at_ms,
                           const char *case_id);
/** Split a member made by rdr_parcel_pause_timer(): 0 with *case_id
 *  pointing into member, -1 if it is not one. */
int rdr_parcel_pause_timer_parse(const char *member, int64_t *at_ms,
                                 const char **case_id);

#endif

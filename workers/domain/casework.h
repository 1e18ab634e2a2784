/* Casework: how a worker drives a case through the cadence (cadence.h)
 * against Redis. One home for what the reviews, chats, shipments and timer
 * workers share: loading the playbook, platform policies and templates;
 * reading cases in the batch's read pipeline; applying one input; and
 * queueing the result as one compare-and-set script on the case hash
 * (version check, every field, dedupe, the actions, the case event and the
 * timers in the outbox). A case decided earlier in the same batch is used
 * as the starting point of the next input for it, so several events of one
 * case in a batch chain instead of conflicting. */
#ifndef RDR_CASEWORK_H
#define RDR_CASEWORK_H

#include <stddef.h>

#include "cadence.h"
#include "parcel.h"
#include "run.h"

typedef struct rdr_casework_s rdr_casework_t;

/** Load configs_dir/playbook.yaml, platforms/ and templates/ (file, line
 *  and key on error) for worker w, with room for the worker's batch. */
rdr_casework_t *rdr_casework_new(rdr_worker_t *w, char *errstr,
                                 size_t errstr_size);
void rdr_casework_destroy(rdr_casework_t *cw);

/* An extortion demand of the order's chats, on the order's record before
 * its review: field RDR_DEMAND_FIELD "<sent_at_ms>:<event_id>", the text
 * as value. */
#define RDR_DEMAND_FIELD "extortion:"

/* The order's ledger: every transition that sends review-related messages
 * records, on the order's record, the counts of its case (fields
 * RDR_LEDGER_MESSAGES <case_id> and RDR_LEDGER_MODIFY <case_id>; the
 * reviews worker writes a review's with the order's index). A case that
 * opens takes the sum of the order's other cases (rdr_cadence_review_t.
 * order_review_messages): a platform's limits per order count every
 * review of the order. Counted again before each later step that may
 * write to the buyer, when the worker read the order
 * (rdr_casework_load_ledger()); never below the count taken at open. */
#define RDR_LEDGER_MESSAGES "review_messages:"
#define RDR_LEDGER_MODIFY "modify_requests:"
/** The ledger's fields and values of case c (case_id), for an HSET of the
 *  order's record: fv[0..cnt) (a count of 0 is left out: absent reads as
 *  0). */
typedef struct rdr_ledger_fv_s {
        const char *fv[4];
        size_t cnt;
        char f_messages[RDR_CASE_ID_MAX + 24], messages[RDR_STR_INT_SIZE];
        char f_modify[RDR_CASE_ID_MAX + 24], modify[RDR_STR_INT_SIZE];
} rdr_ledger_fv_t;
void rdr_order_ledger_fv(rdr_ledger_fv_t *fv, const char *case_id,
                         const rdr_case_t *c);
/* The order's cases: its record names the latest (field case_id) and
 * each case of the order (field RDR_ORDER_CASE <case_id>), both written
 * with the order's index by the reviews worker (a record written before
 * the second named the latest alone). What holds the order's outreach
 * (its parcel late or in exception, BEHAVIOR.md section 7) and the
 * buyer's chat messages about the order (chats.c) reach each of them. */
#define RDR_ORDER_CASE "case:"
#define RDR_ORDER_CASES_MAX 16
/* The write counters on the order's record of what a case's opening
 * reads there (rdr_casework_guard_opening()), RDR_ORDER_WRITES <writer>:
 * their sum moves on whenever one is written. Each parcel's, the writer
 * its field prefix (parcel.h: "parcel:<tracking number>:";
 * RDR_ORDER_FIRST_PARCEL for the order's first, whose fields are
 * unprefixed), holds its record's version, written with it;
 * RDR_ORDER_CHAT_WRITES counts the buyer's chat messages about the order
 * that the chats worker recorded (chats.c). */
#define RDR_ORDER_WRITES "writes:"
#define RDR_ORDER_FIRST_PARCEL "parcel:"
#define RDR_ORDER_CHAT_WRITES RDR_ORDER_WRITES "chats"
/* What a review's case writes on its order's record, the order's index
 * (reviews.c): the latest case (case_id), the case listed
 * (RDR_ORDER_CASE <case_id> 1), the buyer's language and, when the review
 * gave it, zone (for the parcel's notices), and with ledger the case's
 * counts in the order's ledger. */
typedef struct rdr_order_index_fv_s {
        const char *fv[8 + 4];
        size_t cnt; /* strings in fv */
        char listed[RDR_CASE_ID_MAX + sizeof(RDR_ORDER_CASE)];
        rdr_ledger_fv_t ledger;
} rdr_order_index_fv_t;
void rdr_order_index_fv(rdr_order_index_fv_t *fv, const char *case_id,
                        const rdr_case_t *c, int ledger);
/** The cases order (an HGETALL of the order's record) names, the latest
 *  first, each once, into ids (pointers into the reply; ids too long for
 *  a case left out): how many, at most RDR_ORDER_CASES_MAX. */
size_t rdr_order_cases(const redisReply *order,
                       const char *ids[RDR_ORDER_CASES_MAX]);
/* The buyer's cases in a store: the buyer's record names the latest
 * (field case_id:<store_id>) and lists each case opened there that can
 * still hear the buyer (field RDR_BUYER_CASE <store_id>:<case_id>, its
 * value the case's opened_at_ms), both written with the buyer's index by
 * the reviews worker (records written before the second name the latest
 * alone). A chat to the store that names no order reaches each of them
 * (chats.c). A case whose record is gone leaves the list when a chat
 * finds it so. */
#define RDR_BUYER_CASE "case:"
/** The listing field of case_id in store_id into f (size n): its length,
 *  or -1 if it does not fit. */
int rdr_buyer_case_field(char *f, size_t n, const char *store_id,
                         const char *case_id);
/** The case id a listing field names (after its last ':': case ids hold
 *  none), or NULL if f is not one; with *store_len the length of its
 *  store id. */
const char *rdr_buyer_case_listed(const char *f, size_t *store_len);
/** The cases in store_id that buyer (an HGETALL of the buyer's record)
 *  names, the latest first, then the listed ones newest first, each once,
 *  at most RDR_ORDER_CASES_MAX, into ids (pointers into the reply) and,
 *  for the listed ones, their listing field into fields (NULL for the
 *  latest when it is not listed): how many. */
size_t rdr_buyer_store_cases(const redisReply *buyer, const char *store_id,
                             const char *ids[RDR_ORDER_CASES_MAX],
                             const char *fields[RDR_ORDER_CASES_MAX]);
/** The reference of the files rdr_casework_new() reads, for
 *  --print-config-doc (rdr_worker_def_t.doc). */
void rdr_casework_doc(void *fp);

const rdr_cadence_conf_t *rdr_casework_conf(const rdr_casework_t *cw);

/* How long Redis keeps what the fleet writes (retention.*, ms; 0: for
 * ever), read once for every worker of the process. */
typedef struct rdr_retention_s {
        int64_t closed_cases_ms, orders_ms, buyers_ms;
} rdr_retention_t;
const rdr_retention_t *rdr_casework_retention(const rdr_casework_t *cw);

/** Queue, beside the batch's scripts, the fleet-wide tag mal of a buyer
 *  (none: nothing) and the tags' retention.buyers: idempotent writes. */
void rdr_casework_tag_buyer(rdr_casework_t *cw, const char *platform,
                            const char *buyer_id, rdr_malicious_t mal);

/** Forget the cases of the previous batch. Call at the start of a batch. */
void rdr_casework_begin(rdr_casework_t *cw);

/** Queue the reads of one input of case_id in the worker's pipeline (the
 *  read phase): HGETALL of the case hash, then GET of the input's
 *  dedupe key (topic, event_id): RDR_CASEWORK_READS replies, in that order.
 *  Hand the second to rdr_casework_seen(). */
#define RDR_CASEWORK_READS 2
void rdr_casework_queue_read(rdr_casework_t *cw, const char *case_id,
                             const char *topic, const char *event_id);

/** The case in an HGETALL reply of its hash, in either storage format
 *  (NULL or empty: no case, a zeroed struct). *from_doc (may be NULL) says
 *  which format it was read from. Returns as rdr_case_from_hash(), or
 *  RDR_ERR_NOMEM. */
rdr_err_t rdr_case_from_reply(rdr_case_t *c, const redisReply *hgetall,
                              int *from_doc, char *errstr, size_t errstr_size);

/** The case as this batch knows it: decided earlier in the batch, else
 *  rebuilt from the HGETALL reply (NULL or empty: no case, version 0).
 *  *c is owned by cw until the next rdr_casework_begin(). Returns
 *  RDR_ERR_INVALID if the stored hash is unreadable (errstr says why). */
rdr_err_t rdr_casework_get(rdr_casework_t *cw, const char *case_id,
                           const redisReply *hgetall, rdr_case_t **c,
                           char *errstr, size_t errstr_size);

/** Apply input in to case c (from rdr_casework_get(); updated in place on
 *  success) and queue the effects, deduplicated on (topic, event_id). If
 *  classified is not NULL, its state is set to the case's state after the
 *  input ("closed" when there is no case) and it is published first,
 *  atomically with the transition.
 *  seen is rdr_casework_seen() of the GET reply queued by
 *  rdr_casework_queue_read(), and fp the input's content fingerprint
 *  (rdr_event_fingerprint_str(); NULL for none), kept under its dedupe
 *  key. An input whose event_id was applied to other content
 *  (RDR_SEEN_REUSED) is a dead letter (RDR_ERR_REUSED_ID). An input
 *  already applied (a replay after a restart, a rebalance or a lost timer
 *  lease) is not decided again: its decision would be the starting point of
 *  the batch's next input of the case, whose compare-and-set would then fail
 *  on every retry. It only republishes what the case's outbox still holds
 *  and writes the buyer's tag (beside the script) again; *out says
 *  RDR_CADENCE_DUPLICATE.
 *  *out (owned by cw, valid until the next call) tells what happened.
 *  Returns RDR_OK, a permanent error to dead-letter the event (errstr), or
 *  RDR_ERR_NOMEM. */
rdr_err_t rdr_casework_apply(rdr_casework_t *cw, rdr_case_t *c,
                             const char *case_id, const rdr_cadence_input_t *in,
                             const char *topic, const char *event_id,
                             const char *fp, int seen,
                             rdr_case_msg_t *classified,
                             const rdr_cadence_out_t **out, char *errstr,
                             size_t errstr_size);

/** A review and a parcel event, or a buyer's chat message, of one order,
 *  read at the same instant, must not each miss the other (a case opened
 *  unpaused beside a parcel that holds it, a pause or a resumption that
 *  reaches no case; a first contact to a buyer whose no was being
 *  recorded, a no that reaches no case). Before rdr_casework_apply() of a
 *  review's input to its case, the reviews worker gives the order's
 *  record key order_key and the record as the batch read it (HGETALL:
 *  order, read before the order's chat intents). If that apply opens the
 *  case, it writes the order's index (rdr_order_index_fv(): the case
 *  listed) in its own script, and applies only if no parcel of the order
 *  was written and no chat message recorded on it since the read
 *  (RDR_ORDER_WRITES); else nothing is written and
 *  the batch decides again on what the parcel or the buyer now says
 *  (rdr_casework_opening_guarded() says it did). The parcels' writes,
 *  and the chats of an order that had no case, are guarded the other way
 *  (rdr_casework_parcel(), chats.c): of the two, the one applied second
 *  reads the other. Not on Redis Cluster, where the case and the order's
 *  record live on different masters: there the other side's guard alone
 *  stands, and the case is listed beside its script. For the next
 *  rdr_casework_apply() only. */
void rdr_casework_guard_opening(rdr_casework_t *cw, const char *order_key,
                                const redisReply *order);
/** 1 if the last rdr_casework_apply() wrote its order's index in its own
 *  script (rdr_casework_guard_opening()): it is not to be written beside
 *  it. */
int rdr_casework_opening_guarded(const rdr_casework_t *cw);

/* What an input's dedupe key says of it (rdr_casework_seen()). */
#define RDR_SEEN_NEW 0    /* not applied yet */
#define RDR_SEEN_REPLAY 1 /* applied before: a replay or a resend */
#define RDR_SEEN_REUSED 2 /* its event_id applied before to other content */

/** What the GET reply of an input's dedupe key (the second read of
 *  rdr_casework_queue_read() or _queue_parcel_read()) says of the input
 *  whose content fingerprint is fp ("f1:...", rdr_event_fingerprint_str();
 *  NULL or "": not compared, as for a timer): RDR_SEEN_NEW without the
 *  key, RDR_SEEN_REUSED when the key keeps another fingerprint of its
 *  version (rdr_fingerprint_differs()), else RDR_SEEN_REPLAY (the same
 *  one, or a key an earlier build wrote). */
int rdr_casework_seen(const redisReply *r, const char *fp);

/** The dead letter's reason for an input whose event_id was applied before
 *  to other content (RDR_SEEN_REUSED), into errstr. Returns
 *  RDR_ERR_REUSED_ID. */
rdr_err_t rdr_casework_reused(const char *event_id, char *errstr,
                              size_t errstr_size);

/** Queue on redis the read of the fleet-wide tags of buyer_id on
 *  platform (SMEMBERS of redress:{b:PLATFORM:BUYER}:tags, a PING if the
 *  ids are too long or missing): one reply, for rdr_buyer_tags(). */
void rdr_buyer_tags_queue_read(rdr_redis_t *redis, const char *platform,
                               const char *buyer_id);

/** Queue on redis the read of when case c's buyer last told the case's
 *  store, in a chat naming no order, not to contact them (HGET of the
 *  buyer's record, refused_at_ms:<store_id>, written by chats; a PING if
 *  the ids are too long or missing): one reply, for
 *  rdr_buyer_refused_at(). */
void rdr_buyer_refusal_queue_read(rdr_redis_t *redis, const rdr_case_t *c);
/** The instant (ms) of that reply; 0 if none. */
int64_t rdr_buyer_refused_at(const redisReply *hget);

/* One input that may want its buyer's tags (rdr_casework_read_tags()). */
typedef struct rdr_tag_read_s {
        const char *case_id;          /* NULL: the input has no case */
        const redisReply *case_reply; /* the HGETALL of its case's read */
        rdr_cadence_input_t *in;      /* receives buyer_tag,
                                       * store_refused_at_ms,
                                       * order_refused and the order's
                                       * demand (order_demand_*) */
        size_t slot, order_slot;      /* private */
} rdr_tag_read_t;

/** Before inputs that may write to the buyer, read the tags of their
 *  cases' buyers into in->buyer_tag, when each buyer last refused contact
 *  with the case's store into in->store_refused_at_ms (the buyer's
 *  record, in the same round trip), whether a chat of the case's order
 *  refused it into in->order_refused, the latest demand of a chat of the
 *  order into in->order_demand_*, and their orders' ledgers where the
 *  platform limits them (rdr_casework_load_ledger(),
 *  rdr_casework_limits_per_order()): one round trip for the cnt inputs,
 *  made only if a case wants them (rdr_cadence_wants_buyer_tag(), which
 *  staff decisions, a delivery after a pause and due cadence steps can
 *  want, a handful of a batch). It runs the pipeline: the replies of the
 *  reads must have been taken first (rdr_redis_take_replies()). Returns
 *  RDR_OK, RDR_ERR_REDIS or RDR_ERR_NOMEM. */
rdr_err_t rdr_casework_read_tags(rdr_casework_t *cw, rdr_tag_read_t *reads,
                                 size_t cnt);

/** What the cases of the order record order_key other than case_id have
 *  sent (the batch's ledger of it, rdr_casework_load_ledger()): 1, or 0
 *  (and 0 counts) if the batch did not read that order. */
int rdr_casework_order_sent(rdr_casework_t *cw, const char *order_key,
                            const char *case_id, int *messages, int *modify);
/** Case c (case_id) of the order record order_key wrote its counts to the
 *  order's ledger: the batch's later steps of the order's other cases
 *  count them (if the batch read that order). */
void rdr_casework_note_ledger(rdr_casework_t *cw, const char *order_key,
                              const char *case_id, const rdr_case_t *c);

/** 1 if the last rdr_casework_apply() wrote its case's counts to the
 *  order's ledger in its own script, guarded: the ledger is then not to be
 *  written beside it (a refused apply must leave it as it was). Where the
 *  platform limits per order, the batch read the order's ledger and Redis
 *  is not a cluster, a step that sends applies only if the order's other
 *  cases have not sent more since: else the batch decides again. */
int rdr_casework_ledger_guarded(const rdr_casework_t *cw);

/** 1 if platform's policy limits per order what some review kind of its
 *  cases may send (rdr_policy_limits_per_order()): only then are its
 *  orders' ledgers worth reading before a step. Any kind: a ledger sums
 *  an order's cases of every kind, so a batch keeps it for all of them. */
int rdr_casework_limits_per_order(const rdr_casework_t *cw,
                                  const char *platform);

/** Keep, for this batch, the ledger of the order record order_key (its
 *  HGETALL: order): a step of one of its cases then counts what the
 *  order's other cases have sent by now, as the batch's own steps add to
 *  it, not only what they had sent when the case opened. The first read of
 *  an order in a batch stands (the batch's writes follow it). */
void rdr_casework_load_ledger(rdr_casework_t *cw, const char *order_key,
                              const redisReply *order);

/** Where case c's platform limits per order (above) and the batch holds
 *  no ledger of c's order yet, queue a read of the order's record
 *  (HGETALL) and return 1; else 0, and nothing is queued. Its reply goes
 *  to rdr_casework_load_case_ledger(). */
int rdr_casework_queue_ledger_read(rdr_casework_t *cw, const rdr_case_t *c);
/** rdr_casework_load_ledger() of case c's order record. */
void rdr_casework_load_case_ledger(rdr_casework_t *cw, const rdr_case_t *c,
                                   const redisReply *order);

/** The RDR_TAG_* bits (classify.h) of the SMEMBERS reply of a buyer's
 *  tags; 0 for anything else. */
unsigned rdr_buyer_tags(const redisReply *smembers);

/** The malicious class a buyer's tags (RDR_TAG_*) give a case outside
 *  the classifier: the first of classifier.yaml's malicious.priority the
 *  buyer is tagged with, as the classifier ranks them; RDR_MAL_NONE if
 *  none. */
rdr_malicious_t rdr_casework_tag_class(const rdr_casework_t *cw, unsigned tags);

/* ---- Parcels (parcel.h) ---- */

/** Queue the reads of one input of the parcel ref (rdr_parcel_ref()):
 *  HGETALL of its order's hash ("redress:{o:...}"), then GET of the
 *  input's dedupe key (topic, event_id): RDR_CASEWORK_READS replies, in
 *  that order (PINGs if the ids are too long: rdr_casework_parcel() says
 *  so). */
void rdr_casework_queue_parcel_read(rdr_casework_t *cw, const char *ref,
                                    const char *topic, const char *event_id);

/** The ref of the parcel with tracking number tracking of the order
 *  order_key (its HGETALL: hgetall) into ref: the order's first parcel's
 *  when it is that one or the order has none yet (then claimed for it in
 *  this batch), else a further parcel's (a split shipment). Returns 0, -1
 *  if the ids are too long, -2 if out of memory. */
int rdr_casework_parcel_ref(rdr_casework_t *cw, const char *order_key,
                            const redisReply *hgetall, const char *tracking,
                            char ref[RDR_PARCEL_REF_MAX]);

/** The parcel ref as this batch knows it: written earlier in the batch,
 *  else read from its order's HGETALL reply (NULL or empty: none yet).
 *  Owned by cw until the next rdr_casework_begin(); NULL if out of
 *  memory. */
rdr_parcel_t *rdr_casework_parcel_get(rdr_casework_t *cw, const char *ref,
                                      const redisReply *hgetall);

/** 1 if a parcel of the order order_key other than except (as the batch
 *  knows them, else as its HGETALL hgetall read them) holds the order's
 *  outreach at at_ms (rdr_parcel_holds()), else 0. */
int rdr_casework_order_held(rdr_casework_t *cw, const char *order_key,
                            const redisReply *hgetall,
                            const rdr_parcel_t *except, int64_t at_ms);

/** Walk the parcels of an order's HGETALL reply: from *pos (0 at first),
 *  1 with *tracking the next one's tracking number (NULL for the order's
 *  first parcel, whose fields are unprefixed), 0 when there are no more. */
int rdr_order_parcel_next(const redisReply *hgetall, size_t *pos,
                          const char **tracking);
/** Load the parcel tracking (as rdr_order_parcel_next() gave it) of an
 *  order's HGETALL reply into p. */
void rdr_order_parcel_load(rdr_parcel_t *p, const redisReply *hgetall,
                           const char *tracking);

/** Decide one input of the parcel *p (from rdr_casework_parcel_get()): a
 *  shipment event ev, or with ev NULL the check due at check_at_ms; and
 *  queue its effects as one apply deduplicated on (topic, event_id),
 *  compare-and-set on the record's version: the record's fields that
 *  changed, the notices on redress.actions and the check's timer. seen
 *  (rdr_casework_seen() of the read) says the input was applied before:
 *  it is not decided again, it republishes what the outbox holds (to
 *  other content, RDR_SEEN_REUSED: a dead letter); fp, the event's
 *  content fingerprint (NULL for a check), is kept under its dedupe key. A
 * check that finds the parcel newly late also arms, for each case the order's
 *  record cases_of names (rdr_order_cases(); NULL: none), a timer due now
 *  that pauses it (rdr_parcel_pause_timer()); for a shipment event the
 *  caller reaches the cases. With cases_of, a shipment event's apply, or
 *  a check's that finds the parcel newly late, applies only if no case
 *  was listed on the order's record since cases_of was read
 *  (RDR_ORDER_CASE, rdr_casework_guard_opening()); else nothing is
 *  written and the batch decides again, the new case read (the shipments
 *  worker gives cases_of for the events that pause the order's cases or
 *  resume them from the parcel's hold). Every apply
 *  writes the parcel's write counter (RDR_ORDER_WRITES).
 *  *p is updated in place when the input applied (the order's next input
 *  in the batch starts there). *out (owned by cw, valid until the next
 *  call) tells what happened; a stale or idle check queues nothing.
 *  Returns RDR_OK, a permanent error (errstr says why) or RDR_ERR_NOMEM. */
rdr_err_t rdr_casework_parcel(rdr_casework_t *cw, rdr_parcel_t *p,
                              const redisReply *cases_of, const char *topic,
                              const char *event_id, const char *fp, int seen,
                              const rdr_shipment_t *ev, int64_t check_at_ms,
                              const rdr_parcel_out_t **out, char *errstr,
                              size_t errstr_size);

#endif

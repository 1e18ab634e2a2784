/* Names of things Redress keeps in Redis, and the deterministic ids it
 * derives. Every key that one Lua script touches carries the same hash tag
 * ({c:<case_id>} for a case, {b:...} for a buyer, {o:...} for an order), so
 * the same scripts run on one Redis and on Redis Cluster.
 *
 * Each id in a tag (ID, PLATFORM, STORE, ORDER, BUYER below) is written
 * with '%', ':' and '}' percent-encoded as %25, %3A and %7D: store "aud:x"
 * order "1" is {o:taobao:aud%3Ax:1}, store "aud" order "x:1" is
 * {o:taobao:aud:x%3A1}. Ids without those three characters appear as they
 * are, so keys written by earlier builds stay valid. The workers never
 * read an id back out of a key: the records hold their ids. The room the
 * workers give a key counts its ids escaped (three bytes for each of the
 * three characters): an event whose ids leave a key too long is
 * dead-lettered ("ids too long for a Redis key").
 *
 *   redress:{c:ID}                    hash: the case
 *   redress:{c:ID}:outbox             hash: effects not yet acknowledged
 *   redress:{c:ID}:seen:TOPIC:EVENT   string: an applied event (dedupe,
 *                                     expires after dedupe.ttl)
 *   redress:{b:PLATFORM:BUYER}        hash: the buyer's latest case (and
 *                                     per store its cases, casework.h
 *                                     RDR_BUYER_CASE), chats
 *                                     naming no order (refused_at_ms:STORE:
 *                                     the latest refusal among them sent
 *                                     to that store; demand_first:STORE,
 *                                     demand_last:STORE: the first and
 *                                     latest extortion demand among them),
 *                                     orders whose chats read as extortion
 *                                     (extortion_order_at_ms:ORDER_KEY)
 *   redress:{b:PLATFORM:BUYER}:tags   set: fleet-wide buyer tags
 *   redress:{o:PLATFORM:STORE:ORDER}  hash: the order (its case, chat
 *                                     intents, parcels: the first one's
 *                                     fields plain, further ones'
 *                                     prefixed parcel:TRACKING:, parcel.h)
 *   {o:...} and {b:...} also have :intents (set of chat intents seen),
 *   :outbox and :seen:TOPIC:EVENT keys like a case's.
 * Only the dedupe and outbox keys expire; timers are in timers.h.
 */
#ifndef RDR_KEYS_H
#define RDR_KEYS_H

#include <stddef.h>

#define RDR_ID_LEN 36 /* "cs_" + 32 hex digits + NUL */

/* The buyer record's field of a store: when the buyer last refused
 * contact in a chat to it that named no order (ms). */
#define RDR_KEY_REFUSED_AT "refused_at_ms:"
/* The buyer record's fields of a store: the first and the latest demand
 * (extortion) in a chat to it that named no order, as JSON {"at_ms",
 * "ref" (the chat's event id), "text"}: the evidence of the buyer's next
 * review there (reviews.c). */
#define RDR_KEY_DEMAND_FIRST "demand_first:"
#define RDR_KEY_DEMAND_LAST "demand_last:"
/* The buyer record's field of an order (its record's key follows) whose
 * chat read as extortion: when (ms). The order's record holds the
 * evidence; redress-buyer untag clears both. */
#define RDR_KEY_EXTORTION_ORDER "extortion_order_at_ms:"

/** A stable id from the NUL-separated parts: prefix + 32 hex digits of a
 *  128-bit hash. out has RDR_ID_LEN bytes. parts is NULL-terminated. */
void rdr_derive_id(char out[RDR_ID_LEN], const char *prefix,
                   const char *const *parts);
/** The case id of a review: derived from platform, store_id, review_id. */
void rdr_case_id(char out[RDR_ID_LEN], const char *platform,
                 const char *store_id, const char *review_id);

/** The hash tag of a Redis key (what sits between its braces: "o:a:b:c" of
 *  "redress:{o:a:b:c}:outbox"), written to dst: its length, or -1 if the
 *  key has none or it does not fit in n. */
int rdr_key_tag(char *dst, size_t n, const char *key);

/* Key builders: write the key into dst (size n), return its length or -1 if
 * it does not fit. The ids are escaped (see above). rdr_key_seen() takes a
 * tag as rdr_key_tag() reads it, and its topic (Kafka's names hold no ':')
 * and event id as they are: the event id ends the key, so no id follows
 * it to be confused with. */
int rdr_key_case(char *dst, size_t n, const char *case_id,
                 const char *suffix /* NULL for the case hash */);
int rdr_key_seen(char *dst, size_t n, const char *tag, const char *topic,
                 const char *event_id);
int rdr_key_buyer(char *dst, size_t n, const char *platform,
                  const char *buyer_id, const char *suffix);
int rdr_key_order(char *dst, size_t n, const char *platform,
                  const char *store_id, const char *order_id,
                  const char *suffix);

#endif

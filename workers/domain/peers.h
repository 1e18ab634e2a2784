/* Peer sellers known to the fleet (CONTRACT.md, malicious `competitor`):
 * per platform, the buyer accounts that belong to competing stores, from
 * configs/peers.yaml. The reviews worker marks a review from one as
 * coming from a competitor (classify.h: RDR_TAG_COMPETITOR); a negative
 * one takes the malicious track and tags the buyer fleet-wide. */
#ifndef RDR_PEERS_H
#define RDR_PEERS_H

#include <stddef.h>

typedef struct rdr_peers_s rdr_peers_t;

/** Load path (configs/peers.yaml; a missing file is an empty list). Each
 *  platform must have a policy file in platforms_dir (NULL: not checked),
 *  each account be a non-empty string of at most 128 bytes, listed once.
 *  Returns the list (free with rdr_peers_destroy()) or NULL with
 *  "file:line: key 'peers.<platform>': reason" in errstr. */
rdr_peers_t *rdr_peers_load_file(const char *path, const char *platforms_dir,
                                 char *errstr, size_t errstr_size);
void rdr_peers_destroy(rdr_peers_t *p);
/** The reference of peers.yaml, for --print-config-doc. */
void rdr_peers_doc(void *fp);

/** Whether buyer_id is a peer seller's account on platform. */
int rdr_peers_has(const rdr_peers_t *p, const char *platform,
                  const char *buyer_id);

/** How many accounts the list holds. */
size_t rdr_peers_count(const rdr_peers_t *p);

#endif

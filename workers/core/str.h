/* Small string builders for the per-event paths. snprintf's "%s" and
 * "%lld" go through the whole printf machinery; ids, keys, labels and
 * numbers are made dozens of times per event, so these do the same with a
 * copy. Truncation matches snprintf: dst (size > 0) always ends in a NUL
 * and holds as much of the text as fits. */
#ifndef RDR_STR_H
#define RDR_STR_H

#include <stddef.h>
#include <stdint.h>

/* Room for any long long in decimal, with its sign and the NUL. */
#define RDR_STR_INT_SIZE 21

/** snprintf(dst, size, "%s", src): the length written. src NULL is "". */
size_t rdr_str_copy(char *dst, size_t size, const char *src);
/** snprintf(dst, size, "%s%s...") of the NULL-terminated pieces: the
 *  length written. */
size_t rdr_str_join(char *dst, size_t size, const char *const *pieces);
/** rdr_str_join for names that must not be cut (keys): the length, or -1
 *  if the pieces do not fit in size. */
int rdr_str_join_fit(char *dst, size_t size, const char *const *pieces);
/** snprintf(out, RDR_STR_INT_SIZE, "%lld", v): the length written. */
size_t rdr_str_int(char out[RDR_STR_INT_SIZE], long long v);
/** The whole of s (len bytes) as a decimal integer (strtoll's: an
 *  optional sign, digits, nothing after) from min to max, into *out:
 *  0, or -1 if it is not one. */
int rdr_str_to_ll(const char *s, size_t len, long long min, long long max,
                  long long *out);
/** FNV-1a (32 bits) of len bytes of s: the fleet's hash for tables and
 *  timer shards (a timer's shard is stored: the function must not change). */
uint32_t rdr_str_hash(const char *s, size_t len);
/** An index of records by string key, by open addressing: size entries (a
 *  power of two, never full), each a record's number + 1, or 0 if free.
 *  Returns the entry of key (key_of(ctx, n) is record n's key), or else
 *  the free entry where it goes. */
size_t rdr_str_index_find(const uint32_t *index, size_t size, const char *key,
                          const char *(*key_of)(const void *ctx, uint32_t n),
                          const void *ctx);
/** Read a length-prefixed value at p (before end): decimal digits, sep,
 *  then *len bytes. Returns the value's first byte, or NULL if there is no
 *  digit, no sep after them, or fewer than *len bytes left. */
const char *rdr_str_len_prefix(const char *p, const char *end, char sep,
                               size_t *len);

#endif

/* Key names and derived ids (see keys.h). The id hash is two independent
 * 64-bit FNV-1a variants over the parts with a separator byte between them,
 * giving 128 bits: collisions are not a concern at any realistic volume,
 * and the same input gives the same id on every machine. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "str.h"

static void hash128(const char *const *parts, uint64_t *h1, uint64_t *h2) {
        uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
        size_t i;
        for (; *parts; parts++) {
                const unsigned char *p = (const unsigned char *)*parts;
                for (i = 0; p[i]; i++) {
                        a = (a ^ p[i]) * 0x100000001b3ULL;
                        b = (b ^ p[i]) * 0x100000001b3ULL;
                        b ^= b >> 29;
                }
                a = (a ^ 0x1f) * 0x100000001b3ULL;
                b = (b ^ 0x1e) * 0x100000001b3ULL;
        }
        /* Final avalanche (splitmix64 finaliser). */
        a ^= a >> 33;
        a *= 0xff51afd7ed558ccdULL;
        a ^= a >> 33;
        b ^= b >> 31;
        b *= 0xc4ceb9fe1a85ec53ULL;
        b ^= b >> 33;
        *h1 = a;
        *h2 = b;
}

void rdr_derive_id(char out[RDR_ID_LEN], const char *prefix,
                   const char *const *parts) {
        static const char hex[] = "0123456789abcdef";
        uint64_t h[2];
        size_t n = 0;
        int k, b;
        hash128(parts, &h[0], &h[1]);
        /* "%.3s%016llx%016llx", without printf (ids are made per event). */
        while (n < 3 && prefix[n]) {
                out[n] = prefix[n];
                n++;
        }
        for (k = 0; k < 2; k++)
                for (b = 60; b >= 0; b -= 4)
                        out[n++] = hex[(h[k] >> b) & 0xf];
        out[n] = '\0';
}

void rdr_case_id(char out[RDR_ID_LEN], const char *platform,
                 const char *store_id, const char *review_id) {
        const char *parts[] = {platform, store_id, review_id, NULL};
        rdr_derive_id(out, "cs_", parts);
}

int rdr_key_tag(char *dst, size_t n, const char *key) {
        const char *a = strchr(key, '{'), *b = a ? strchr(a, '}') : NULL;
        size_t len = b ? (size_t)(b - a - 1) : 0;
        if (!b || !len || len >= n)
                return -1;
        memcpy(dst, a + 1, len);
        dst[len] = '\0';
        return (int)len;
}

int rdr_key_case(char *dst, size_t n, const char *case_id, const char *suffix) {
        return rdr_str_join_fit(dst, n,
                                (const char *const[]){"redress:{c:", case_id,
                                                      "}", suffix ? ":" : "",
                                                      suffix ? suffix : "",
                                                      NULL});
}

int rdr_key_seen(char *dst, size_t n, const char *tag, const char *topic,
                 const char *event_id) {
        return rdr_str_join_fit(dst, n,
                                (const char *const[]){"redress:{", tag,
                                                      "}:seen:", topic, ":",
                                                      event_id, NULL});
}

int rdr_key_buyer(char *dst, size_t n, const char *platform,
                  const char *buyer_id, const char *suffix) {
        return rdr_str_join_fit(
            dst, n,
            (const char *const[]){"redress:{b:", platform, ":", buyer_id, "}",
                                  suffix ? ":" : "", suffix ? suffix : "",
                                  NULL});
}

int rdr_key_order(char *dst, size_t n, const char *platform,
                  const char *store_id, const char *order_id,
                  const char *suffix) {
        return rdr_str_join_fit(
            dst, n,
            (const char *const[]){"redress:{o:", platform, ":", store_id, ":",
                                  order_id, "}", suffix ? ":" : "",
                                  suffix ? suffix : "", NULL});
}

/* Key names and derived ids (see keys.h). The id hash is two independent
 * 64-bit FNV-1a variants over the parts with a separator byte between them,
 * giving 128 bits: collisions are not a concern at any realistic volume,
 * and the same input gives the same id on every machine. A key writes each
 * id escaped (put_id()), so that ids which hold the separator name keys of
 * their own. */
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

/* A key being written into dst (n bytes): len counts every byte put,
 * whether it fitted or not. */
typedef struct kbuf_s {
        char *dst;
        size_t n, len;
} kbuf_t;

static void put(kbuf_t *b, const char *s, size_t len) {
        if (b->len + len < b->n)
                memcpy(b->dst + b->len, s, len);
        b->len += len;
}

static void put_str(kbuf_t *b, const char *s) {
        put(b, s, strlen(s));
}

/* An id, with '%', ':' and '}' percent-encoded ("%25", "%3A", "%7D"): ':'
 * separates the ids of a tag, '}' would end the tag (Redis hashes what
 * sits between the first '{' and the first '}' after it), '%' starts an
 * escape. Other bytes ('{' too: only the first '{' of a key opens its tag)
 * are written as they are, so the key of ids without these three is the
 * one earlier builds wrote. */
static void put_id(kbuf_t *b, const char *id) {
        static const char hex[] = "0123456789ABCDEF";
        const char *run = id;
        for (; *id; id++) {
                unsigned char c = (unsigned char)*id;
                char esc[3];
                if (c != '%' && c != ':' && c != '}')
                        continue;
                put(b, run, (size_t)(id - run));
                esc[0] = '%';
                esc[1] = hex[c >> 4];
                esc[2] = hex[c & 0xf];
                put(b, esc, sizeof(esc));
                run = id + 1;
        }
        put(b, run, (size_t)(id - run));
}

/* ":suffix" unless suffix is NULL, then the key's length, or -1 (dst
 * left empty) if it did not fit. */
static int finish(kbuf_t *b, const char *suffix) {
        if (suffix) {
                put(b, ":", 1);
                put_str(b, suffix);
        }
        if (b->len >= b->n) {
                if (b->n)
                        b->dst[0] = '\0';
                return -1;
        }
        b->dst[b->len] = '\0';
        return (int)b->len;
}

int rdr_key_case(char *dst, size_t n, const char *case_id, const char *suffix) {
        kbuf_t b = {dst, n, 0};
        put_str(&b, "redress:{c:");
        put_id(&b, case_id);
        put(&b, "}", 1);
        return finish(&b, suffix);
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
        kbuf_t b = {dst, n, 0};
        put_str(&b, "redress:{b:");
        put_id(&b, platform);
        put(&b, ":", 1);
        put_id(&b, buyer_id);
        put(&b, "}", 1);
        return finish(&b, suffix);
}

int rdr_key_order(char *dst, size_t n, const char *platform,
                  const char *store_id, const char *order_id,
                  const char *suffix) {
        kbuf_t b = {dst, n, 0};
        put_str(&b, "redress:{o:");
        put_id(&b, platform);
        put(&b, ":", 1);
        put_id(&b, store_id);
        put(&b, ":", 1);
        put_id(&b, order_id);
        put(&b, "}", 1);
        return finish(&b, suffix);
}

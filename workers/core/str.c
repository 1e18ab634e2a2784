/* String builders without printf (see str.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

size_t rdr_str_copy(char *dst, size_t size, const char *src) {
        size_t n = src ? strlen(src) : 0;
        if (n >= size)
                n = size - 1;
        memcpy(dst, src ? src : "", n);
        dst[n] = '\0';
        return n;
}

/* Join the pieces into dst, truncated to fit; *cut tells if it was. */
static size_t join(char *dst, size_t size, const char *const *pieces,
                   int *cut) {
        size_t len = 0;
        *cut = 0;
        for (; *pieces; pieces++) {
                size_t n = strlen(*pieces);
                if (n >= size - len) {
                        n = size - len - 1;
                        *cut = 1;
                }
                memcpy(dst + len, *pieces, n);
                len += n;
        }
        dst[len] = '\0';
        return len;
}

size_t rdr_str_join(char *dst, size_t size, const char *const *pieces) {
        int cut;
        return join(dst, size, pieces, &cut);
}

int rdr_str_join_fit(char *dst, size_t size, const char *const *pieces) {
        int cut;
        size_t len = join(dst, size, pieces, &cut);
        return cut ? -1 : (int)len;
}

size_t rdr_str_int(char out[RDR_STR_INT_SIZE], long long v) {
        /* Two digits per division: "00" to "99". */
        static const char pairs[201] =
            "0001020304050607080910111213141516171819"
            "2021222324252627282930313233343536373839"
            "4041424344454647484950515253545556575859"
            "6061626364656667686970717273747576777879"
            "8081828384858687888990919293949596979899";
        char tmp[RDR_STR_INT_SIZE];
        /* The magnitude as unsigned: -LLONG_MIN does not fit a long long. */
        unsigned long long u =
            v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        size_t n = sizeof(tmp), len = 0;
        while (u >= 100) {
                unsigned d = (unsigned)(u % 100) * 2;
                u /= 100;
                tmp[--n] = pairs[d + 1];
                tmp[--n] = pairs[d];
        }
        if (u >= 10) {
                tmp[--n] = pairs[u * 2 + 1];
                tmp[--n] = pairs[u * 2];
        } else {
                tmp[--n] = (char)('0' + u);
        }
        if (v < 0)
                out[len++] = '-';
        memcpy(out + len, tmp + n, sizeof(tmp) - n);
        len += sizeof(tmp) - n;
        out[len] = '\0';
        return len;
}

uint32_t rdr_str_hash(const char *s, size_t len) {
        uint32_t h = 2166136261u;
        size_t i;
        for (i = 0; i < len; i++)
                h = (h ^ (unsigned char)s[i]) * 16777619u;
        return h;
}

size_t rdr_str_index_find(const uint32_t *index, size_t size, const char *key,
                          const char *(*key_of)(const void *ctx, uint32_t n),
                          const void *ctx) {
        size_t mask = size - 1, i = rdr_str_hash(key, strlen(key)) & mask;
        while (index[i] && strcmp(key_of(ctx, index[i] - 1), key))
                i = (i + 1) & mask;
        return i;
}

const char *rdr_str_len_prefix(const char *p, const char *end, char sep,
                               size_t *len) {
        const char *start = p;
        size_t n = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
                n = n * 10 + (size_t)(*p - '0');
                if (n > (size_t)(end - start))
                        return NULL;
        }
        if (p == start || p >= end || *p != sep || (size_t)(end - p - 1) < n)
                return NULL;
        *len = n;
        return p + 1;
}

int rdr_str_to_ll(const char *s, size_t len, long long min, long long max,
                  long long *out) {
        char buf[32], *end;
        long long v;
        if (!len || len >= sizeof(buf))
                return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        errno = 0;
        v = strtoll(buf, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

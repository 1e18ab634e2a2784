/* Encoding and parsing of outbox entries (see outbox.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>

#include "outbox.h"
#include "str.h"

static rdr_err_t join(const char *const *parts, const size_t *lens, size_t n,
                      char **out, size_t *out_len) {
        size_t i, total = 0, o = 0;
        char *buf;
        for (i = 0; i < n; i++)
                total += lens[i] + (i + 1 < n ? 1 : 0);
        buf = malloc(total ? total : 1);
        if (!buf)
                return RDR_ERR_NOMEM;
        for (i = 0; i < n; i++) {
                memcpy(buf + o, parts[i], lens[i]);
                o += lens[i];
                if (i + 1 < n)
                        buf[o++] = '\0';
        }
        *out = buf;
        *out_len = total;
        return RDR_OK;
}

rdr_err_t rdr_entry_kafka(const char *topic, const char *key, size_t key_len,
                          const char *content_type, const void *payload,
                          size_t payload_len, char **out, size_t *out_len) {
        const char *parts[5] = {"K", topic, key, content_type, payload};
        size_t lens[5] = {1, strlen(topic), key_len, strlen(content_type),
                          payload_len};
        if (memchr(key, '\0', key_len))
                return RDR_ERR_INVALID;
        return join(parts, lens, 5, out, out_len);
}

rdr_err_t rdr_entry_timer(const char *zset, long long score_ms,
                          const char *member, size_t member_len, char **out,
                          size_t *out_len) {
        char score[32];
        const char *parts[4] = {"Z", zset, score, member};
        size_t lens[4];
        lens[0] = 1;
        lens[1] = strlen(zset);
        lens[2] = rdr_str_int(score, score_ms);
        lens[3] = member_len;
        return join(parts, lens, 4, out, out_len);
}

/* Next NUL-terminated field starting at *p; NULL if none before end. */
static const char *field(const char **p, const char *end, size_t *len) {
        const char *s = *p, *z;
        if (s >= end)
                return NULL;
        z = memchr(s, '\0', (size_t)(end - s));
        if (!z)
                return NULL;
        *len = (size_t)(z - s);
        *p = z + 1;
        return s;
}

rdr_err_t rdr_entry_parse(const char *buf, size_t len, rdr_entry_t *e) {
        const char *p = buf, *end = buf + len;
        size_t n;
        memset(e, 0, sizeof(*e));
        if (len < 2 || buf[1] != '\0')
                return RDR_ERR_DECODE;
        p = buf + 2;
        if (buf[0] == RDR_ENTRY_KAFKA) {
                e->kind = RDR_ENTRY_KAFKA;
                if (!(e->topic = field(&p, end, &n)) ||
                    !(e->key = field(&p, end, &e->key_len)) ||
                    !(e->content_type = field(&p, end, &n)))
                        return RDR_ERR_DECODE;
                e->payload = p;
                e->payload_len = (size_t)(end - p);
                return RDR_OK;
        }
        if (buf[0] == RDR_ENTRY_TIMER) {
                e->kind = RDR_ENTRY_TIMER;
                if (!(e->zset = field(&p, end, &n)) ||
                    !(e->score = field(&p, end, &n)))
                        return RDR_ERR_DECODE;
                e->member = p;
                e->member_len = (size_t)(end - p);
                return RDR_OK;
        }
        return RDR_ERR_DECODE;
}

size_t rdr_bundle_size(const size_t *lens, size_t n) {
        char num[RDR_STR_INT_SIZE];
        size_t i, total = 2;
        for (i = 0; i < n; i++)
                total += rdr_str_int(num, (long long)lens[i]) + 1 + lens[i];
        return total;
}

void rdr_bundle_write(char *dst, const char *const *entries, const size_t *lens,
                      size_t n) {
        size_t i;
        *dst++ = 'B';
        *dst++ = '\0';
        for (i = 0; i < n; i++) {
                dst += rdr_str_int(dst, (long long)lens[i]) + 1;
                memcpy(dst, entries[i], lens[i]);
                dst += lens[i];
        }
}

int rdr_bundle_is(const char *buf, size_t len) {
        return len >= 2 && buf[0] == 'B' && buf[1] == '\0';
}

int rdr_bundle_next(const char *buf, size_t len, size_t *pos,
                    const char **entry, size_t *entry_len) {
        size_t p = *pos < 2 ? 2 : *pos;
        if (!rdr_bundle_is(buf, len))
                return -1;
        if (p >= len)
                return 0;
        *entry = rdr_str_len_prefix(buf + p, buf + len, '\0', entry_len);
        if (!*entry)
                return -1;
        *pos = (size_t)(*entry - buf) + *entry_len;
        return 1;
}

/* The largest bundle a compressed one may claim to hold: far above any
 * event's outputs, and below what a corrupt length could make us
 * allocate. */
#define BUNDLE_MAX ((size_t)64 << 20)

int rdr_bundle_is_compressed(const char *buf, size_t len) {
        return len >= 2 && buf[0] == 'L' && buf[1] == '\0';
}

rdr_err_t rdr_bundle_compress(const char *bundle, size_t len, char **out,
                              size_t *out_len) {
        char num[RDR_STR_INT_SIZE];
        size_t nl, head;
        int bound, n;
        char *buf;
        *out = NULL;
        *out_len = 0;
        if (len == 0 || len > BUNDLE_MAX)
                return RDR_OK;
        nl = rdr_str_int(num, (long long)len);
        head = 2 + nl + 1;
        bound = LZ4_compressBound((int)len);
        if (bound <= 0)
                return RDR_OK;
        buf = malloc(head + (size_t)bound);
        if (!buf)
                return RDR_ERR_NOMEM;
        buf[0] = 'L';
        buf[1] = '\0';
        memcpy(buf + 2, num, nl + 1);
        n = LZ4_compress_default(bundle, buf + head, (int)len, bound);
        if (n <= 0 || head + (size_t)n >= len) {
                free(buf);
                return RDR_OK;
        }
        *out = buf;
        *out_len = head + (size_t)n;
        return RDR_OK;
}

rdr_err_t rdr_bundle_decompress(const char *buf, size_t len, char **out,
                                size_t *out_len) {
        const char *p = buf + 2, *end = buf + len, *z;
        unsigned long long raw = 0;
        char *dst;
        int n;
        *out = NULL;
        *out_len = 0;
        if (!rdr_bundle_is_compressed(buf, len))
                return RDR_ERR_DECODE;
        z = memchr(p, '\0', (size_t)(end - p));
        if (!z || z == p || z - p > 20)
                return RDR_ERR_DECODE;
        for (; p < z; p++) {
                if (*p < '0' || *p > '9')
                        return RDR_ERR_DECODE;
                raw = raw * 10 + (unsigned long long)(*p - '0');
                if (raw > BUNDLE_MAX)
                        return RDR_ERR_DECODE;
        }
        if (raw == 0 || end - (z + 1) <= 0 || end - (z + 1) > INT32_MAX)
                return RDR_ERR_DECODE;
        dst = malloc((size_t)raw + 1);
        if (!dst)
                return RDR_ERR_NOMEM;
        n = LZ4_decompress_safe(z + 1, dst, (int)(end - (z + 1)), (int)raw);
        if (n < 0 || (size_t)n != raw || !rdr_bundle_is(dst, (size_t)n)) {
                free(dst);
                return RDR_ERR_DECODE;
        }
        dst[n] = '\0';
        *out = dst;
        *out_len = (size_t)n;
        return RDR_OK;
}

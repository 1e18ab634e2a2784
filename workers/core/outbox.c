/* Encoding and parsing of outbox entries (see outbox.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

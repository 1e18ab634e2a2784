/* See dlq.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dlq.h"

rd_kafka_headers_t *rdr_dlq_headers(const char *error, const char *topic,
                                    int32_t partition, int64_t offset,
                                    const char *worker,
                                    const char *content_type) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(6);
        char part[16], off[32];
        snprintf(part, sizeof(part), "%d", (int)partition);
        snprintf(off, sizeof(off), "%lld", (long long)offset);
        rd_kafka_header_add(h, "redress-error", -1,
                            error && *error ? error : "unknown error", -1);
        rd_kafka_header_add(h, "redress-source-topic", -1, topic, -1);
        rd_kafka_header_add(h, "redress-source-partition", -1, part, -1);
        rd_kafka_header_add(h, "redress-source-offset", -1, off, -1);
        rd_kafka_header_add(h, "redress-worker", -1, worker, -1);
        if (content_type)
                rd_kafka_header_add(h, "content-type", -1, content_type, -1);
        return h;
}

/* The event's own header at or after *i of hdrs (NULL: none), not the
 * envelope's (redress-*): 1 and *i past it, or 0 at the end. */
static int own_header(const rd_kafka_headers_t *hdrs, size_t *i,
                      const char **name, const void **value, size_t *size) {
        while (hdrs &&
               !rd_kafka_header_get_all(hdrs, (*i)++, name, value, size))
                if (strncmp(*name, "redress-", 8))
                        return 1;
        return 0;
}

void rdr_dlq_headers_keep(rd_kafka_headers_t *h,
                          const rd_kafka_headers_t *from) {
        const char *name;
        const void *value;
        size_t size, i = 0;
        while (own_header(from, &i, &name, &value, &size))
                rd_kafka_header_add(h, name, -1, value, (ssize_t)size);
}

/* The bytes of n as a Kafka varint (zigzag, 7 bits a byte), as
 * librdkafka writes a header's name and value lengths. */
static size_t varint_size(size_t n) {
        unsigned long long z = (unsigned long long)n << 1;
        size_t bytes = 1;
        while (z >>= 7)
                bytes++;
        return bytes;
}

size_t rdr_kafka_value_room(long long max, size_t key_len,
                            const rd_kafka_headers_t *hdrs) {
        /* librdkafka's worst case for a record's own fields: length,
         * timestamp and offset deltas, key and value lengths, header
         * count (varints), and its attributes byte. */
        size_t used = 5 + 1 + 10 + 5 + 5 + 5 + 5 + key_len, i;
        const char *name;
        const void *value;
        size_t size;
        for (i = 0;
             hdrs && !rd_kafka_header_get_all(hdrs, i, &name, &value, &size);
             i++) {
                size_t name_len = strlen(name);
                used +=
                    varint_size(name_len) + name_len + varint_size(size) + size;
        }
        return max > 0 && (unsigned long long)max > used
                   ? (size_t)((unsigned long long)max - used)
                   : 0;
}

const char *rdr_header_value(const rd_kafka_headers_t *hdrs, const char *name) {
        const void *v = NULL;
        size_t n = 0;
        if (!hdrs || rd_kafka_header_get_last(hdrs, name, &v, &n))
                return NULL;
        return v;
}

/* The same, "" if absent. */
static const char *header(const rd_kafka_headers_t *hdrs, const char *name) {
        const char *v = rdr_header_value(hdrs, name);
        return v ? v : "";
}

/* A non-negative decimal number, else -1. */
static int64_t number(const char *s) {
        char *end;
        long long v;
        if (*s < '0' || *s > '9')
                return -1;
        errno = 0;
        v = strtoll(s, &end, 10);
        return errno || *end ? -1 : (int64_t)v;
}

/* The event's length in bytes that the reason of a dead letter of len
 * bytes names as cut ("... (dead letter cut to its first LEN of N
 * bytes)", the workers' mark before redress-cut), else -1. */
static int64_t cut_in_reason(const char *error, size_t len) {
        static const char head[] = "(dead letter cut to its first ";
        const char *at = NULL, *p;
        long long first, whole;
        char *end;
        for (p = strstr(error, head); p; p = strstr(p + 1, head))
                at = p;
        if (!at)
                return -1;
        at += sizeof(head) - 1;
        errno = 0;
        first = strtoll(at, &end, 10);
        if (errno || end == at || strncmp(end, " of ", 4))
                return -1;
        at = end + 4;
        whole = strtoll(at, &end, 10);
        if (errno || end == at || strcmp(end, " bytes)") || first < 0 ||
            (unsigned long long)first != len || whole <= first)
                return -1;
        return whole;
}

void rdr_dlq_entry_headers(rdr_dlq_entry_t *e, const rd_kafka_headers_t *hdrs) {
        int64_t p;
        e->headers = hdrs;
        e->error = header(hdrs, "redress-error");
        e->source_topic = header(hdrs, "redress-source-topic");
        e->worker = header(hdrs, "redress-worker");
        e->content_type = header(hdrs, "content-type");
        e->replay_of = header(hdrs, "redress-replay-of");
        e->again_as = "";
        p = number(header(hdrs, "redress-source-partition"));
        e->source_partition = p > INT32_MAX ? -1 : (int32_t)p;
        e->source_offset = number(header(hdrs, "redress-source-offset"));
        /* Cut: marked, or named so in the reason (and as long as it
         * says); a mark that is no length still says it is cut (0). */
        if (rdr_header_value(hdrs, "redress-cut")) {
                e->cut_from = number(header(hdrs, "redress-cut"));
                if (e->cut_from < 0 || (uint64_t)e->cut_from <= e->len)
                        e->cut_from = 0;
        } else
                e->cut_from = cut_in_reason(e->error, e->len);
}

void rdr_dlq_entry_from_message(rdr_dlq_entry_t *e,
                                const rd_kafka_message_t *rkm) {
        rd_kafka_headers_t *hdrs = NULL;
        rd_kafka_timestamp_type_t tstype;
        memset(e, 0, sizeof(*e));
        e->partition = rkm->partition;
        e->offset = rkm->offset;
        e->timestamp_ms = rd_kafka_message_timestamp(rkm, &tstype);
        e->key = rkm->key;
        e->key_len = rkm->key ? rkm->key_len : 0;
        e->value = rkm->payload;
        e->len = rkm->payload ? rkm->len : 0;
        if (rd_kafka_message_headers(rkm, &hdrs))
                hdrs = NULL;
        rdr_dlq_entry_headers(e, hdrs);
}

int rdr_dlq_match(const rdr_dlq_filter_t *f, const rdr_dlq_entry_t *e) {
        if (f->source_topic && strcmp(f->source_topic, e->source_topic))
                return 0;
        if (f->worker && strcmp(f->worker, e->worker))
                return 0;
        if (f->error && !strstr(e->error, f->error))
                return 0;
        if (f->since_ms >= 0 && e->timestamp_ms < f->since_ms)
                return 0;
        if (f->until_ms >= 0 && e->timestamp_ms >= f->until_ms)
                return 0;
        return 1;
}

/* Standard base64 (RFC 4648, padded) of n bytes; the caller frees it. */
static char *base64(const unsigned char *p, size_t n) {
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "abcdefghijklmnopqrstuvwxyz0123456789+/";
        char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
        size_t i;
        if (!out)
                return NULL;
        for (i = 0; i + 2 < n; i += 3) {
                unsigned v =
                    (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
                *o++ = tab[v >> 18];
                *o++ = tab[(v >> 12) & 63];
                *o++ = tab[(v >> 6) & 63];
                *o++ = tab[v & 63];
        }
        if (i < n) {
                unsigned v = (unsigned)p[i] << 16;
                if (i + 1 < n)
                        v |= (unsigned)p[i + 1] << 8;
                *o++ = tab[v >> 18];
                *o++ = tab[(v >> 12) & 63];
                *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
                *o++ = '=';
        }
        *o = '\0';
        return out;
}

/* obj[name] = the bytes as text, or base64 under name_b64 when they are
 * not UTF-8 (or binary is set). Returns 0, -1 on out of memory. */
static int put_bytes(json_t *obj, const char *name, const char *name_b64,
                     const void *p, size_t n, int binary) {
        json_t *s = binary ? NULL : json_stringn(p ? p : "", n);
        char *b;
        if (s)
                return json_object_set_new(obj, name, s);
        b = base64(p, n);
        if (!b)
                return -1;
        s = json_string(b);
        free(b);
        return s ? json_object_set_new(obj, name_b64, s) : -1;
}

/* s as put_bytes does, or null when it is "". */
static int put_or_null(json_t *o, const char *name, const char *name_b64,
                       const char *s) {
        return *s ? put_bytes(o, name, name_b64, s, strlen(s), 0)
                  : json_object_set_new(o, name, json_null());
}

/* o["headers"]: the event's own headers (not the envelope's), in order,
 * each {"name", "value"} (null: a null header; "value_base64" if not
 * UTF-8). Returns 0, -1 on out of memory. */
static int put_headers(json_t *o, const rd_kafka_headers_t *hdrs) {
        json_t *a = json_array();
        const char *name;
        const void *value;
        size_t size, i = 0;
        if (!a || json_object_set_new(o, "headers", a))
                return -1;
        while (own_header(hdrs, &i, &name, &value, &size)) {
                json_t *h = json_object();
                if (!h || json_array_append_new(a, h) ||
                    put_bytes(h, "name", "name_base64", name, strlen(name),
                              0) ||
                    (value
                         ? put_bytes(h, "value", "value_base64", value, size, 0)
                         : json_object_set_new(h, "value", json_null())))
                        return -1;
        }
        return 0;
}

char *rdr_dlq_entry_json(const rdr_dlq_entry_t *e) {
        json_t *o = json_object();
        char when[40] = "";
        char *out = NULL;
        int bad = !o;
        if (e->timestamp_ms >= 0) {
                time_t secs = (time_t)(e->timestamp_ms / 1000);
                struct tm tm;
                size_t n =
                    gmtime_r(&secs, &tm)
                        ? strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm)
                        : 0;
                snprintf(when + n, sizeof(when) - n, ".%03dZ",
                         (int)(e->timestamp_ms % 1000));
        }
        /* Header values come from the wire: kept as base64 if not UTF-8. */
        bad = bad ||
              json_object_set_new(o, "dlq_partition",
                                  json_integer(e->partition)) ||
              json_object_set_new(o, "dlq_offset", json_integer(e->offset)) ||
              json_object_set_new(o, "time",
                                  *when ? json_string(when) : json_null()) ||
              put_bytes(o, "error", "error_base64", e->error, strlen(e->error),
                        0) ||
              put_bytes(o, "worker", "worker_base64", e->worker,
                        strlen(e->worker), 0) ||
              put_bytes(o, "source_topic", "source_topic_base64",
                        e->source_topic, strlen(e->source_topic), 0) ||
              json_object_set_new(o, "source_partition",
                                  json_integer(e->source_partition)) ||
              json_object_set_new(o, "source_offset",
                                  json_integer(e->source_offset)) ||
              put_bytes(o, "content_type", "content_type_base64",
                        e->content_type, strlen(e->content_type), 0) ||
              put_or_null(o, "replay_of", "replay_of_base64", e->replay_of) ||
              put_or_null(o, "again_as", "again_as_base64", e->again_as) ||
              json_object_set_new(o, "cut",
                                  e->cut_from >= 0 ? json_integer(e->cut_from)
                                                   : json_null()) ||
              put_headers(o, e->headers);
        if (!bad && e->key)
                bad = put_bytes(o, "key", "key_base64", e->key, e->key_len, 0);
        else if (!bad)
                bad = json_object_set_new(o, "key", json_null());
        if (!bad)
                bad = put_bytes(o, "value", "value_base64", e->value, e->len,
                                strstr(e->content_type, "protobuf") != NULL);
        if (!bad)
                out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        return out;
}

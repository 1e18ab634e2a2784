/* Redis Cluster's slot of a key and of a formatted command (see redis.h). */
#include <string.h>
#include <strings.h>

#include "redis.h"

/* CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), as Redis Cluster
 * hashes keys (the cluster specification's keyHashSlot). */
static uint16_t crc16(const char *buf, size_t len) {
        uint16_t crc = 0;
        size_t i;
        int b;
        for (i = 0; i < len; i++) {
                crc ^= (uint16_t)((unsigned char)buf[i] << 8);
                for (b = 0; b < 8; b++)
                        crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021)
                                             : (uint16_t)(crc << 1);
        }
        return crc;
}

int rdr_redis_key_slot(const char *key, size_t len) {
        const char *open = memchr(key, '{', len), *close;
        /* Only what sits between the first '{' and the first '}' after it,
         * if anything does, is hashed. */
        if (open) {
                size_t rest = len - (size_t)(open - key) - 1;
                close = memchr(open + 1, '}', rest);
                if (close && close > open + 1)
                        return crc16(open + 1, (size_t)(close - open - 1)) &
                               (RDR_REDIS_SLOTS - 1);
        }
        return crc16(key, len) & (RDR_REDIS_SLOTS - 1);
}

/* Argument i of a RESP array at buf (its *len bytes): 0 with *arg, *n
 * set, or -1 if the command has no such argument or is not well formed. */
static int resp_arg(const char *buf, size_t len, int i, const char **arg,
                    size_t *n) {
        const char *p = buf, *end = buf + len;
        long argc = 0, k;
        if (p >= end || *p++ != '*')
                return -1;
        while (p < end && *p >= '0' && *p <= '9')
                argc = argc * 10 + (*p++ - '0');
        if (i >= argc || end - p < 2)
                return -1;
        p += 2; /* CRLF */
        for (k = 0; k <= i; k++) {
                size_t l = 0;
                if (p >= end || *p++ != '$')
                        return -1;
                while (p < end && *p >= '0' && *p <= '9')
                        l = l * 10 + (size_t)(*p++ - '0');
                if ((size_t)(end - p) < l + 4)
                        return -1;
                p += 2;
                if (k == i) {
                        *arg = p;
                        *n = l;
                        return 0;
                }
                p += l + 2;
        }
        return -1;
}

static int name_is(const char *s, size_t n, const char *name) {
        return strlen(name) == n && !strncasecmp(s, name, n);
}

int rdr_redis_cmd_slot(const char *resp, size_t len) {
        /* Commands that name no key: served by any master. */
        static const char *const keyless[] = {
            "PING",      "ECHO",     "INFO",         "TIME",
            "ROLE",      "DBSIZE",   "SCAN",         "KEYS",
            "RANDOMKEY", "WAIT",     "SCRIPT",       "FUNCTION",
            "CLUSTER",   "CONFIG",   "CLIENT",       "COMMAND",
            "ASKING",    "READONLY", "READWRITE",    "AUTH",
            "HELLO",     "SELECT",   "FLUSHDB",      "FLUSHALL",
            "SAVE",      "BGSAVE",   "BGREWRITEAOF", "LASTSAVE",
            "SLOWLOG",   "LATENCY",  "PUBLISH",      NULL};
        const char *name, *key;
        size_t nlen, klen;
        int i, key_at = 1;
        if (resp_arg(resp, len, 0, &name, &nlen))
                return -1;
        for (i = 0; keyless[i]; i++)
                if (name_is(name, nlen, keyless[i]))
                        return -1;
        if (name_is(name, nlen, "MEMORY")) {
                const char *sub;
                size_t sl;
                /* MEMORY USAGE key; MEMORY STATS and the rest name none. */
                if (resp_arg(resp, len, 1, &sub, &sl) ||
                    !name_is(sub, sl, "USAGE"))
                        return -1;
                key_at = 2;
        }
        if (name_is(name, nlen, "EVALSHA") || name_is(name, nlen, "EVAL") ||
            name_is(name, nlen, "EVALSHA_RO") ||
            name_is(name, nlen, "EVAL_RO") || name_is(name, nlen, "FCALL")) {
                const char *nk;
                size_t nkl;
                /* Their keys share one slot: the first one's. */
                if (resp_arg(resp, len, 2, &nk, &nkl) || nkl == 0 ||
                    (nkl == 1 && nk[0] == '0'))
                        return -1;
                key_at = 3;
        }
        if (resp_arg(resp, len, key_at, &key, &klen))
                return -1;
        return rdr_redis_key_slot(key, klen);
}

/* Redis Cluster's slot of a key and of a formatted command (see redis.h). */
#include <string.h>
#include <strings.h>

#include "redis.h"

/* CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), as Redis Cluster
 * hashes keys (the cluster specification's keyHashSlot), a byte at a
 * time: crc16_tab[i] is the CRC of the byte i followed by a zero byte. */
static const uint16_t crc16_tab[256] = {
    0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7, 0x8108,
    0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef, 0x1231, 0x0210,
    0x3273, 0x2252, 0x52b5, 0x4294, 0x72f7, 0x62d6, 0x9339, 0x8318, 0xb37b,
    0xa35a, 0xd3bd, 0xc39c, 0xf3ff, 0xe3de, 0x2462, 0x3443, 0x0420, 0x1401,
    0x64e6, 0x74c7, 0x44a4, 0x5485, 0xa56a, 0xb54b, 0x8528, 0x9509, 0xe5ee,
    0xf5cf, 0xc5ac, 0xd58d, 0x3653, 0x2672, 0x1611, 0x0630, 0x76d7, 0x66f6,
    0x5695, 0x46b4, 0xb75b, 0xa77a, 0x9719, 0x8738, 0xf7df, 0xe7fe, 0xd79d,
    0xc7bc, 0x48c4, 0x58e5, 0x6886, 0x78a7, 0x0840, 0x1861, 0x2802, 0x3823,
    0xc9cc, 0xd9ed, 0xe98e, 0xf9af, 0x8948, 0x9969, 0xa90a, 0xb92b, 0x5af5,
    0x4ad4, 0x7ab7, 0x6a96, 0x1a71, 0x0a50, 0x3a33, 0x2a12, 0xdbfd, 0xcbdc,
    0xfbbf, 0xeb9e, 0x9b79, 0x8b58, 0xbb3b, 0xab1a, 0x6ca6, 0x7c87, 0x4ce4,
    0x5cc5, 0x2c22, 0x3c03, 0x0c60, 0x1c41, 0xedae, 0xfd8f, 0xcdec, 0xddcd,
    0xad2a, 0xbd0b, 0x8d68, 0x9d49, 0x7e97, 0x6eb6, 0x5ed5, 0x4ef4, 0x3e13,
    0x2e32, 0x1e51, 0x0e70, 0xff9f, 0xefbe, 0xdfdd, 0xcffc, 0xbf1b, 0xaf3a,
    0x9f59, 0x8f78, 0x9188, 0x81a9, 0xb1ca, 0xa1eb, 0xd10c, 0xc12d, 0xf14e,
    0xe16f, 0x1080, 0x00a1, 0x30c2, 0x20e3, 0x5004, 0x4025, 0x7046, 0x6067,
    0x83b9, 0x9398, 0xa3fb, 0xb3da, 0xc33d, 0xd31c, 0xe37f, 0xf35e, 0x02b1,
    0x1290, 0x22f3, 0x32d2, 0x4235, 0x5214, 0x6277, 0x7256, 0xb5ea, 0xa5cb,
    0x95a8, 0x8589, 0xf56e, 0xe54f, 0xd52c, 0xc50d, 0x34e2, 0x24c3, 0x14a0,
    0x0481, 0x7466, 0x6447, 0x5424, 0x4405, 0xa7db, 0xb7fa, 0x8799, 0x97b8,
    0xe75f, 0xf77e, 0xc71d, 0xd73c, 0x26d3, 0x36f2, 0x0691, 0x16b0, 0x6657,
    0x7676, 0x4615, 0x5634, 0xd94c, 0xc96d, 0xf90e, 0xe92f, 0x99c8, 0x89e9,
    0xb98a, 0xa9ab, 0x5844, 0x4865, 0x7806, 0x6827, 0x18c0, 0x08e1, 0x3882,
    0x28a3, 0xcb7d, 0xdb5c, 0xeb3f, 0xfb1e, 0x8bf9, 0x9bd8, 0xabbb, 0xbb9a,
    0x4a75, 0x5a54, 0x6a37, 0x7a16, 0x0af1, 0x1ad0, 0x2ab3, 0x3a92, 0xfd2e,
    0xed0f, 0xdd6c, 0xcd4d, 0xbdaa, 0xad8b, 0x9de8, 0x8dc9, 0x7c26, 0x6c07,
    0x5c64, 0x4c45, 0x3ca2, 0x2c83, 0x1ce0, 0x0cc1, 0xef1f, 0xff3e, 0xcf5d,
    0xdf7c, 0xaf9b, 0xbfba, 0x8fd9, 0x9ff8, 0x6e17, 0x7e36, 0x4e55, 0x5e74,
    0x2e93, 0x3eb2, 0x0ed1, 0x1ef0,
};

static uint16_t crc16(const char *buf, size_t len) {
        uint16_t crc = 0;
        size_t i;
        for (i = 0; i < len; i++)
                crc =
                    (uint16_t)((crc << 8) ^
                               crc16_tab[((crc >> 8) ^ (unsigned char)buf[i]) &
                                         0xff]);
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

/* Commands that name no key: served by any master. */
static int keyless(const char *name, size_t n) {
#define K(x)                                                                   \
        { x, sizeof(x) - 1 }
        static const struct {
                const char *name;
                size_t len;
        } names[] = {
            K("PING"),      K("ECHO"),     K("INFO"),         K("TIME"),
            K("ROLE"),      K("DBSIZE"),   K("SCAN"),         K("KEYS"),
            K("RANDOMKEY"), K("WAIT"),     K("SCRIPT"),       K("FUNCTION"),
            K("CLUSTER"),   K("CONFIG"),   K("CLIENT"),       K("COMMAND"),
            K("ASKING"),    K("READONLY"), K("READWRITE"),    K("AUTH"),
            K("HELLO"),     K("SELECT"),   K("FLUSHDB"),      K("FLUSHALL"),
            K("SAVE"),      K("BGSAVE"),   K("BGREWRITEAOF"), K("LASTSAVE"),
            K("SLOWLOG"),   K("LATENCY"),  K("PUBLISH")};
#undef K
        size_t i;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (names[i].len == n && !strncasecmp(name, names[i].name, n))
                        return 1;
        return 0;
}

int rdr_redis_cmd_slot(const char *resp, size_t len) {
        const char *name, *key;
        size_t nlen, klen;
        int key_at = 1;
        if (resp_arg(resp, len, 0, &name, &nlen) || keyless(name, nlen))
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

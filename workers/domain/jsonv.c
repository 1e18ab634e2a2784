/* A strict JSON reader for input events (see jsonv.h). Recursive descent
 * with a depth limit; the tree and unescaped strings come from the
 * caller's allocator, nothing is freed one by one. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"

#define MAX_DEPTH 64

typedef struct parser_s {
        const char *buf;
        size_t len, pos;
        rdr_jv_alloc_fn *alloc;
        void *ctx;
        rdr_jv_error_t *err;
        int depth;
} parser_t;

static void set_pos(parser_t *p, size_t pos) {
        size_t i;
        int line = 1, col = 1;
        for (i = 0; i < pos && i < p->len; i++) {
                if (p->buf[i] == '\n') {
                        line++;
                        col = 1;
                } else if (((unsigned char)p->buf[i] & 0xc0) != 0x80) {
                        col++;
                }
        }
        p->err->pos = pos;
        p->err->line = line;
        p->err->column = col;
}

static int fail(parser_t *p, rdr_jv_err_t code, size_t pos, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static int fail(parser_t *p, rdr_jv_err_t code, size_t pos, const char *fmt,
                ...) {
        va_list ap;
        p->err->code = code;
        set_pos(p, pos);
        va_start(ap, fmt);
        vsnprintf(p->err->text, sizeof(p->err->text), fmt, ap);
        va_end(ap);
        return -1;
}

/* "near 'xyz'" (printable, short) or "near end of input". */
static const char *near(const parser_t *p, size_t pos, char *out, size_t size) {
        size_t i, n = 0;
        if (pos >= p->len) {
                snprintf(out, size, "near end of input");
                return out;
        }
        n = (size_t)snprintf(out, size, "near '");
        for (i = pos; i < p->len && i < pos + 12 && n + 3 < size; i++) {
                unsigned char c = (unsigned char)p->buf[i];
                out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        out[n++] = '\'';
        out[n] = '\0';
        return out;
}

static int syntax(parser_t *p, size_t pos, const char *what) {
        char nb[32];
        return fail(p, RDR_JV_ESYNTAX, pos, "%s %s", what,
                    near(p, pos, nb, sizeof(nb)));
}

static void skip_ws(parser_t *p) {
        while (p->pos < p->len) {
                char c = p->buf[p->pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                        return;
                p->pos++;
        }
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
        uint32_t cp;
        size_t k, i;
        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                k = 2;
                cp = s[0] & 0x1f;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                k = 3;
                cp = s[0] & 0x0f;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                k = 4;
                cp = s[0] & 0x07;
        } else {
                return 0;
        }
        if (n < k)
                return 0;
        for (i = 1; i < k; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return k;
}

static size_t put_utf8(char *out, uint32_t cp) {
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xc0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char)(0xe0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char)(0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
}

static int hex4(const char *s, uint32_t *v) {
        int i;
        *v = 0;
        for (i = 0; i < 4; i++) {
                char c = s[i];
                *v <<= 4;
                if (c >= '0' && c <= '9')
                        *v |= (uint32_t)(c - '0');
                else if (c >= 'a' && c <= 'f')
                        *v |= (uint32_t)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        *v |= (uint32_t)(c - 'A' + 10);
                else
                        return -1;
        }
        return 0;
}

/* Decode the escapes of buf[start..end) (the string's body) into out. */
static int unescape(parser_t *p, size_t start, size_t end, char *out,
                    size_t *out_len) {
        size_t i = start, n = 0;
        while (i < end) {
                char c = p->buf[i];
                uint32_t cp, lo;
                if (c != '\\') {
                        out[n++] = c;
                        i++;
                        continue;
                }
                switch (p->buf[i + 1]) {
                case '"':
                case '\\':
                case '/':
                        out[n++] = p->buf[i + 1];
                        break;
                case 'b':
                        out[n++] = '\b';
                        break;
                case 'f':
                        out[n++] = '\f';
                        break;
                case 'n':
                        out[n++] = '\n';
                        break;
                case 'r':
                        out[n++] = '\r';
                        break;
                case 't':
                        out[n++] = '\t';
                        break;
                case 'u':
                        if (i + 6 > end || hex4(p->buf + i + 2, &cp))
                                return syntax(p, i, "invalid \\u escape");
                        if (cp >= 0xdc00 && cp <= 0xdfff)
                                return syntax(p, i, "lone low surrogate");
                        if (cp >= 0xd800 && cp <= 0xdbff) {
                                if (i + 12 > end || p->buf[i + 6] != '\\' ||
                                    p->buf[i + 7] != 'u' ||
                                    hex4(p->buf + i + 8, &lo) || lo < 0xdc00 ||
                                    lo > 0xdfff)
                                        return syntax(p, i,
                                                      "lone high surrogate");
                                cp = 0x10000 + ((cp - 0xd800) << 10) +
                                     (lo - 0xdc00);
                                i += 6;
                        }
                        n += put_utf8(out + n, cp);
                        i += 6;
                        continue;
                default:
                        return syntax(p, i, "invalid escape");
                }
                i += 2;
        }
        *out_len = n;
        return 0;
}

/* A string at p->pos (its opening quote): *s and *n its unescaped bytes. */
static int parse_string(parser_t *p, const char **s, size_t *n) {
        size_t start = ++p->pos, i = start;
        int escaped = 0;
        char *out;
        for (;;) {
                unsigned char c;
                size_t k;
                if (i >= p->len)
                        return fail(p, RDR_JV_ESYNTAX, start - 1,
                                    "unterminated string");
                c = (unsigned char)p->buf[i];
                if (c == '"')
                        break;
                if (c == '\\') {
                        escaped = 1;
                        if (i + 1 >= p->len)
                                return fail(p, RDR_JV_ESYNTAX, start - 1,
                                            "unterminated string");
                        i += 2;
                        continue;
                }
                if (c < 0x20)
                        return fail(p, RDR_JV_ESYNTAX, i,
                                    "control character 0x%02x in a string", c);
                if (c < 0x80) {
                        i++;
                        continue;
                }
                k = utf8_seq((const unsigned char *)p->buf + i, p->len - i);
                if (!k)
                        return fail(p, RDR_JV_EUTF8, i, "invalid UTF-8");
                i += k;
        }
        p->pos = i + 1;
        if (!escaped) {
                *s = p->buf + start;
                *n = i - start;
                return 0;
        }
        out = p->alloc(p->ctx, i - start + 1);
        if (!out)
                return fail(p, RDR_JV_ENOMEM, start, "out of memory");
        if (unescape(p, start, i, out, n))
                return -1;
        out[*n] = '\0';
        *s = out;
        return 0;
}

static int parse_number(parser_t *p, rdr_jv_t *v) {
        size_t start = p->pos, i = p->pos;
        int neg = 0, real = 0;
        const char *b = p->buf;
        if (b[i] == '-') {
                neg = 1;
                i++;
        }
        if (i < p->len && b[i] == '0') {
                i++;
        } else if (i < p->len && b[i] >= '1' && b[i] <= '9') {
                while (i < p->len && b[i] >= '0' && b[i] <= '9')
                        i++;
        } else {
                return syntax(p, start, "invalid number");
        }
        if (i < p->len && b[i] == '.') {
                real = 1;
                if (++i >= p->len || b[i] < '0' || b[i] > '9')
                        return syntax(p, start, "invalid number");
                while (i < p->len && b[i] >= '0' && b[i] <= '9')
                        i++;
        }
        if (i < p->len && (b[i] == 'e' || b[i] == 'E')) {
                real = 1;
                i++;
                if (i < p->len && (b[i] == '+' || b[i] == '-'))
                        i++;
                if (i >= p->len || b[i] < '0' || b[i] > '9')
                        return syntax(p, start, "invalid number");
                while (i < p->len && b[i] >= '0' && b[i] <= '9')
                        i++;
        }
        p->pos = i;
        if (real) {
                char tmp[64], *num = tmp;
                double d;
                if (i - start >= sizeof(tmp)) {
                        num = p->alloc(p->ctx, i - start + 1);
                        if (!num)
                                return fail(p, RDR_JV_ENOMEM, start,
                                            "out of memory");
                }
                memcpy(num, b + start, i - start);
                num[i - start] = '\0';
                d = strtod(num, NULL);
                v->type = RDR_JV_REAL;
                v->overflow = isinf(d);
                return 0;
        }
        {
                /* Accumulate the magnitude; LLONG_MIN's is one more than
                 * LLONG_MAX's. */
                unsigned long long m = 0, lim = neg ? 9223372036854775808ULL
                                                    : 9223372036854775807ULL;
                size_t j;
                v->type = RDR_JV_INT;
                for (j = start + (size_t)neg; j < i; j++) {
                        unsigned d = (unsigned)(b[j] - '0');
                        if (m > (lim - d) / 10) {
                                v->overflow = 1;
                                return 0;
                        }
                        m = m * 10 + d;
                }
                v->i = neg ? (m == 9223372036854775808ULL
                                  ? (-9223372036854775807LL - 1)
                                  : -(long long)m)
                           : (long long)m;
        }
        return 0;
}

static int parse_value(parser_t *p, rdr_jv_t *v);

static rdr_jv_t *new_node(parser_t *p) {
        rdr_jv_t *n = p->alloc(p->ctx, sizeof(*n));
        if (!n) {
                fail(p, RDR_JV_ENOMEM, p->pos, "out of memory");
                return NULL;
        }
        memset(n, 0, sizeof(*n));
        return n;
}

/* Members of an object compared one by one with those before them; past
 * these, the object is checked once whole (distinct_keys()). */
#define LINEAR_KEYS 32

/* A member's key at p->pos, refused if the object already has it (one of
 * its first n members; n <= LINEAR_KEYS). */
static int parse_key(parser_t *p, const rdr_jv_t *obj, size_t n, rdr_jv_t *m) {
        const rdr_jv_t *o;
        size_t key_pos;
        skip_ws(p);
        if (p->pos >= p->len || p->buf[p->pos] != '"')
                return syntax(p, p->pos, "string or '}' expected");
        key_pos = p->pos;
        if (parse_string(p, &m->key, &m->key_len))
                return -1;
        for (o = obj->child; o && n > 0; o = o->next, n--)
                if (o->key_len == m->key_len &&
                    !memcmp(o->key, m->key, m->key_len))
                        return syntax(p, key_pos, "duplicate object key");
        skip_ws(p);
        if (p->pos >= p->len || p->buf[p->pos] != ':')
                return syntax(p, p->pos, "':' expected");
        p->pos++;
        return 0;
}

static int key_cmp(const void *a, const void *b) {
        const rdr_jv_t *x = *(const rdr_jv_t *const *)a;
        const rdr_jv_t *y = *(const rdr_jv_t *const *)b;
        if (x->key_len != y->key_len)
                return x->key_len < y->key_len ? -1 : 1;
        return memcmp(x->key, y->key, x->key_len);
}

/* The n members of obj (opened at pos) have distinct keys: sorted, no
 * two neighbours equal (n log n, where one by one would take n^2). */
static int distinct_keys(parser_t *p, const rdr_jv_t *obj, size_t n,
                         size_t pos) {
        const rdr_jv_t **ms = p->alloc(p->ctx, n * sizeof(*ms));
        const rdr_jv_t *o;
        size_t i = 0;
        if (!ms)
                return fail(p, RDR_JV_ENOMEM, pos, "out of memory");
        for (o = obj->child; o; o = o->next)
                ms[i++] = o;
        qsort(ms, n, sizeof(*ms), key_cmp);
        for (i = 1; i < n; i++)
                if (!key_cmp(&ms[i - 1], &ms[i]))
                        return fail(p, RDR_JV_ESYNTAX, pos,
                                    "duplicate object key in the object of "
                                    "%zu members",
                                    n);
        return 0;
}

/* An object or an array at p->pos (its opening bracket). */
static int parse_container(parser_t *p, rdr_jv_t *v) {
        int object = p->buf[p->pos] == '{';
        char close = object ? '}' : ']';
        rdr_jv_t *tail = NULL, *m;
        size_t n = 0, open = p->pos;
        v->type = object ? RDR_JV_OBJECT : RDR_JV_ARRAY;
        p->pos++;
        skip_ws(p);
        if (p->pos < p->len && p->buf[p->pos] == close) {
                p->pos++;
                return 0;
        }
        for (;;) {
                if (!(m = new_node(p)) ||
                    (object && parse_key(p, v, n < LINEAR_KEYS ? n : 0, m)) ||
                    parse_value(p, m))
                        return -1;
                if (tail)
                        tail->next = m;
                else
                        v->child = m;
                tail = m;
                n++;
                skip_ws(p);
                if (p->pos < p->len && p->buf[p->pos] == ',') {
                        p->pos++;
                        continue;
                }
                if (p->pos < p->len && p->buf[p->pos] == close) {
                        p->pos++;
                        if (object && n > LINEAR_KEYS)
                                return distinct_keys(p, v, n, open);
                        return 0;
                }
                return syntax(p, p->pos,
                              object ? "',' or '}' expected"
                                     : "',' or ']' expected");
        }
}

static int literal(parser_t *p, const char *word, rdr_jv_type_t type,
                   rdr_jv_t *v) {
        size_t n = strlen(word);
        if (p->len - p->pos < n || memcmp(p->buf + p->pos, word, n))
                return syntax(p, p->pos, "invalid token");
        p->pos += n;
        v->type = type;
        return 0;
}

static int parse_value(parser_t *p, rdr_jv_t *v) {
        int rc;
        skip_ws(p);
        if (p->pos >= p->len)
                return syntax(p, p->pos, "value expected");
        switch (p->buf[p->pos]) {
        case '{':
        case '[':
                if (++p->depth > MAX_DEPTH)
                        return syntax(p, p->pos, "nested too deep");
                rc = parse_container(p, v);
                p->depth--;
                return rc;
        case '"':
                v->type = RDR_JV_STRING;
                return parse_string(p, &v->s, &v->len);
        case 't':
                return literal(p, "true", RDR_JV_TRUE, v);
        case 'f':
                return literal(p, "false", RDR_JV_FALSE, v);
        case 'n':
                return literal(p, "null", RDR_JV_NULL, v);
        default:
                if (p->buf[p->pos] == '-' ||
                    (p->buf[p->pos] >= '0' && p->buf[p->pos] <= '9'))
                        return parse_number(p, v);
                return syntax(p, p->pos, "invalid token");
        }
}

rdr_jv_t *rdr_jv_parse(const char *buf, size_t len, rdr_jv_alloc_fn *alloc,
                       void *ctx, rdr_jv_error_t *err) {
        parser_t p;
        rdr_jv_t *root;
        memset(err, 0, sizeof(*err));
        memset(&p, 0, sizeof(p));
        p.buf = buf;
        p.len = len;
        p.alloc = alloc;
        p.ctx = ctx;
        p.err = err;
        if (!(root = new_node(&p)) || parse_value(&p, root))
                return NULL;
        skip_ws(&p);
        if (p.pos != p.len) {
                syntax(&p, p.pos, "end of input expected");
                return NULL;
        }
        return root;
}

const rdr_jv_t *rdr_jv_get(const rdr_jv_t *obj, const char *key) {
        const rdr_jv_t *m;
        size_t n = strlen(key);
        if (!obj || obj->type != RDR_JV_OBJECT)
                return NULL;
        for (m = obj->child; m; m = m->next)
                if (m->key_len == n && !memcmp(m->key, key, n))
                        return m;
        return NULL;
}

/* A strict JSON reader for input events: one pass over the message into a
 * small tree allocated by the caller (the event's arena), strings pointing
 * into the message where they need no unescaping. RFC 8259: UTF-8 checked
 * everywhere, duplicate keys refused, a number beyond the range it can be
 * held in flagged (overflow) for its reader to refuse where it matters (a
 * member no reader asks for is never looked at), \u0000 allowed (the event
 * decoder refuses NUL in its fields itself). */
#ifndef RDR_JSONV_H
#define RDR_JSONV_H

#include <stddef.h>

typedef enum rdr_jv_type_e {
        RDR_JV_NULL,
        RDR_JV_FALSE,
        RDR_JV_TRUE,
        RDR_JV_INT,
        RDR_JV_REAL,
        RDR_JV_STRING,
        RDR_JV_ARRAY,
        RDR_JV_OBJECT
} rdr_jv_type_t;

typedef struct rdr_jv_s {
        rdr_jv_type_t type;
        const char *key; /* as a member of an object (unescaped) */
        size_t key_len;
        const char *s; /* RDR_JV_STRING (unescaped; not NUL-terminated) */
        size_t len;
        long long i; /* RDR_JV_INT */
        /* RDR_JV_INT beyond long long (i is 0), RDR_JV_REAL beyond double */
        int overflow;
        struct rdr_jv_s *child, *next; /* members of an array or object */
} rdr_jv_t;

typedef enum rdr_jv_err_e {
        RDR_JV_OK,
        RDR_JV_ESYNTAX,   /* not JSON: text says what */
        RDR_JV_EUTF8,     /* invalid UTF-8 at pos */
        RDR_JV_EOVERFLOW, /* unused: numbers out of range are flagged */
        RDR_JV_ENOMEM
} rdr_jv_err_t;

typedef struct rdr_jv_error_s {
        rdr_jv_err_t code;
        size_t pos;       /* byte offset of the problem */
        int line, column; /* 1-based, of pos */
        char text[96];    /* e.g. "'}' expected near 'x'" */
} rdr_jv_error_t;

/* Allocation for the tree: n bytes aligned for any type, or NULL. */
typedef void *rdr_jv_alloc_fn(void *ctx, size_t n);

/** Parse buf[0..len) as one JSON value (surrounding white space allowed).
 *  Returns its root, or NULL with *err filled in. */
rdr_jv_t *rdr_jv_parse(const char *buf, size_t len, rdr_jv_alloc_fn *alloc,
                       void *ctx, rdr_jv_error_t *err);

/** The member of object obj named key (NUL-terminated), or NULL. */
const rdr_jv_t *rdr_jv_get(const rdr_jv_t *obj, const char *key);

#endif

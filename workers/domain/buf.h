/* A growable byte buffer that encoders append to. The data is always
 * NUL-terminated after len bytes (not counted), so text output can be used
 * as a C string; binary output may hold NULs of its own. reset keeps the
 * memory for the next message, so a reused buffer stops allocating once it
 * has grown to the largest message. */
#ifndef RDR_BUF_H
#define RDR_BUF_H

#include <stddef.h>
#include <string.h>
#include "err.h"

typedef struct rdr_buf_s {
        char *data;  /* owned; NULL until the first append */
        size_t len;  /* bytes used */
        size_t size; /* bytes allocated */
} rdr_buf_t;

/** Zero buf; allocates nothing. */
void rdr_buf_init(rdr_buf_t *buf);
/** Forget the content, keep the memory. */
void rdr_buf_reset(rdr_buf_t *buf);
/** Free the memory and zero buf. Accepts a zeroed buffer. */
void rdr_buf_free(rdr_buf_t *buf);
/** Make room for at least extra more bytes. Returns RDR_ERR_NOMEM. */
rdr_err_t rdr_buf_reserve(rdr_buf_t *buf, size_t extra);
/** rdr_buf_append when the buffer must grow first. */
rdr_err_t rdr_buf_append_grow(rdr_buf_t *buf, const void *data, size_t len);
/** Append len bytes of data. Returns RDR_ERR_NOMEM. Inline: encoders
 *  append a few bytes at a time, many times per message. */
static inline rdr_err_t rdr_buf_append(rdr_buf_t *buf, const void *data,
                                       size_t len) {
        if (len >= buf->size - buf->len)
                return rdr_buf_append_grow(buf, data, len);
        if (len)
                memcpy(buf->data + buf->len, data, len);
        buf->len += len;
        buf->data[buf->len] = '\0';
        return RDR_OK;
}
/** Append printf-formatted text. Returns RDR_ERR_NOMEM, or RDR_ERR_INTERNAL
 *  on a bad format. */
rdr_err_t rdr_buf_appendf(rdr_buf_t *buf, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif

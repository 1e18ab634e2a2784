/* rdr_buf_t: the growable output buffer of the encoders (see buf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"

void rdr_buf_init(rdr_buf_t *buf) {
        buf->data = NULL;
        buf->len = 0;
        buf->size = 0;
}

void rdr_buf_reset(rdr_buf_t *buf) {
        buf->len = 0;
        if (buf->data)
                buf->data[0] = '\0';
}

void rdr_buf_free(rdr_buf_t *buf) {
        free(buf->data);
        rdr_buf_init(buf);
}

rdr_err_t rdr_buf_reserve(rdr_buf_t *buf, size_t extra) {
        size_t need, size;
        char *data;

        /* +1: the terminating NUL is always kept. */
        if (extra > (size_t)-1 - buf->len - 1)
                return RDR_ERR_NOMEM;
        need = buf->len + extra + 1;
        if (need <= buf->size)
                return RDR_OK;
        size = buf->size ? buf->size : 256;
        while (size < need)
                size = size > (size_t)-1 / 2 ? need : size * 2;
        data = realloc(buf->data, size);
        if (!data)
                return RDR_ERR_NOMEM;
        buf->data = data;
        buf->size = size;
        return RDR_OK;
}

rdr_err_t rdr_buf_append_grow(rdr_buf_t *buf, const void *data, size_t len) {
        rdr_err_t err = rdr_buf_reserve(buf, len);

        if (err)
                return err;
        if (len)
                memcpy(buf->data + buf->len, data, len);
        buf->len += len;
        buf->data[buf->len] = '\0';
        return RDR_OK;
}

rdr_err_t rdr_buf_appendf(rdr_buf_t *buf, const char *fmt, ...) {
        va_list ap;
        int n;
        rdr_err_t err;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return RDR_ERR_INTERNAL;
        err = rdr_buf_reserve(buf, (size_t)n);
        if (err)
                return err;
        va_start(ap, fmt);
        n = vsnprintf(buf->data + buf->len, buf->size - buf->len, fmt, ap);
        va_end(ap);
        if (n < 0)
                return RDR_ERR_INTERNAL;
        buf->len += (size_t)n;
        return RDR_OK;
}

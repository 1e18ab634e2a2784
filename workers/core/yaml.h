/* A small read-only document tree over libyaml, with the file and line of
 * every node, so that configuration errors can name file, line and key.
 * Anchors and aliases are refused; scalars keep their text as written. */
#ifndef RDR_YAML_H
#define RDR_YAML_H

#include <stddef.h>
#include "err.h"

typedef enum rdr_yaml_type_e {
        RDR_YAML_SCALAR,
        RDR_YAML_MAP,
        RDR_YAML_SEQ
} rdr_yaml_type_t;

typedef struct rdr_yaml_s rdr_yaml_t;

/** Parse a file. Returns the root node (free it with rdr_yaml_destroy()) or
 *  NULL with "file:line: reason" in errstr ("file: reason" when it cannot
 *  be read at all, a directory included). An empty file yields an empty map.
 */
rdr_yaml_t *rdr_yaml_load_file(const char *path, char *errstr,
                               size_t errstr_size);
/** Parse a buffer; name is used in positions (e.g. "<string>"). */
rdr_yaml_t *rdr_yaml_load_string(const char *buf, size_t len, const char *name,
                                 char *errstr, size_t errstr_size);
/** Free a tree returned by a load function. Accepts NULL. */
void rdr_yaml_destroy(rdr_yaml_t *root);

rdr_yaml_type_t rdr_yaml_type(const rdr_yaml_t *node);
/** The file the node was read from (owned by the tree). */
const char *rdr_yaml_file(const rdr_yaml_t *node);
/** 1-based line of the node. */
int rdr_yaml_line(const rdr_yaml_t *node);
/** Scalar text (owned by the tree, NUL-terminated), or NULL if not a scalar. */
const char *rdr_yaml_scalar(const rdr_yaml_t *node);
/** 1 for a plain ~, null (Null, NULL) or empty scalar: YAML's null, no
 *  value at all (a quoted "null" is the text). */
int rdr_yaml_is_null(const rdr_yaml_t *node);
/** Number of items of a sequence or pairs of a map; 0 for a scalar. */
size_t rdr_yaml_len(const rdr_yaml_t *node);
/** Item i of a sequence, or the value of pair i of a map. */
rdr_yaml_t *rdr_yaml_at(const rdr_yaml_t *node, size_t i);
/** Key of pair i of a map (owned by the tree), or NULL. */
const char *rdr_yaml_key(const rdr_yaml_t *map, size_t i);
/** Value of key in a map, or NULL if absent or node is not a map. */
rdr_yaml_t *rdr_yaml_get(const rdr_yaml_t *map, const char *key);

/* Typed readers of a scalar node. On error they write
 * "file:line: key 'what': reason" to errstr and return RDR_ERR_CONFIG.
 * what is the key name to report (the caller knows the dotted path). */
rdr_err_t rdr_yaml_as_int(const rdr_yaml_t *node, const char *what,
                          long long min, long long max, long long *out,
                          char *errstr, size_t errstr_size);
rdr_err_t rdr_yaml_as_double(const rdr_yaml_t *node, const char *what,
                             double min, double max, double *out, char *errstr,
                             size_t errstr_size);
/** true/false/yes/no/on/off (case-insensitive). */
rdr_err_t rdr_yaml_as_bool(const rdr_yaml_t *node, const char *what, int *out,
                           char *errstr, size_t errstr_size);
/** A duration: an integer with unit ms, s, m, h or d ("7d", "90s", "500ms").
 *  Result in milliseconds. */
rdr_err_t rdr_yaml_as_duration_ms(const rdr_yaml_t *node, const char *what,
                                  long long min_ms, long long max_ms,
                                  long long *out, char *errstr,
                                  size_t errstr_size);
/** A string scalar of at most max_len bytes; *out points into the tree. */
rdr_err_t rdr_yaml_as_str(const rdr_yaml_t *node, const char *what,
                          size_t max_len, const char **out, char *errstr,
                          size_t errstr_size);
/** Write "file:line: key 'what': reason" for node into errstr; returns
 *  RDR_ERR_CONFIG, for callers' own checks. */
rdr_err_t rdr_yaml_error(const rdr_yaml_t *node, const char *what, char *errstr,
                         size_t errstr_size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/** The YAML files of directory dir by name, sorted (*.yaml; hidden ones
 *  left out, a Kubernetes ConfigMap's ..data say): *names an array of
 *  *cnt names to free with rdr_yaml_dir_free(). A *.yml file is an error,
 *  as it would go unread without a word. RDR_OK, else RDR_ERR_CONFIG
 *  ("dir: cannot list directory: ...", "dir/x.yml: ...") or
 *  RDR_ERR_NOMEM, with errstr. */
rdr_err_t rdr_yaml_dir(const char *dir, char ***names, size_t *cnt,
                       char *errstr, size_t errstr_size);
void rdr_yaml_dir_free(char **names, size_t cnt);

/** Parse a duration string as rdr_yaml_as_duration_ms does. Returns 0 on
 *  success, -1 on a malformed string. */
int rdr_duration_parse(const char *s, long long *out_ms);

#endif

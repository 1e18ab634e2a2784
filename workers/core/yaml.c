/* A document tree over libyaml's event parser. Nodes live in one tree freed
 * by rdr_yaml_destroy(); every node remembers the file and line it came from
 * so that configuration errors can say where to look. */
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
/* libyaml's header shares its name with ours: include it by full path. */
#include RDR_LIBYAML_HEADER

#include "yaml.h"

struct rdr_yaml_s {
        rdr_yaml_type_t type;
        int line;
        const char *file; /* owned by the root */
        char *scalar;     /* RDR_YAML_SCALAR */
        int is_null;      /* a plain ~, null or nothing: no value */
        char **keys;      /* RDR_YAML_MAP: keys[i] pairs with items[i] */
        int *key_lines;
        rdr_yaml_t **items;
        size_t cnt, size;
        char *file_owned; /* root only */
};

#define RDR_YAML_MAX_DEPTH 64

static rdr_yaml_t *node_new(rdr_yaml_type_t type, const char *file, int line) {
        rdr_yaml_t *node = calloc(1, sizeof(*node));
        if (!node)
                return NULL;
        node->type = type;
        node->file = file;
        node->line = line;
        return node;
}

static void node_free(rdr_yaml_t *node) {
        size_t i;
        if (!node)
                return;
        for (i = 0; i < node->cnt; i++) {
                node_free(node->items[i]);
                if (node->keys)
                        free(node->keys[i]);
        }
        free(node->items);
        free(node->keys);
        free(node->key_lines);
        free(node->scalar);
        free(node->file_owned);
        free(node);
}

void rdr_yaml_destroy(rdr_yaml_t *root) {
        node_free(root);
}

static int node_push(rdr_yaml_t *parent, char *key, int key_line,
                     rdr_yaml_t *child) {
        if (parent->cnt == parent->size) {
                size_t nsize = parent->size ? parent->size * 2 : 8;
                rdr_yaml_t **items =
                    realloc(parent->items, nsize * sizeof(*items));
                if (!items)
                        return -1;
                parent->items = items;
                if (parent->type == RDR_YAML_MAP) {
                        char **keys =
                            realloc(parent->keys, nsize * sizeof(*keys));
                        int *lines;
                        if (!keys)
                                return -1;
                        parent->keys = keys;
                        lines =
                            realloc(parent->key_lines, nsize * sizeof(*lines));
                        if (!lines)
                                return -1;
                        parent->key_lines = lines;
                }
                parent->size = nsize;
        }
        parent->items[parent->cnt] = child;
        if (parent->type == RDR_YAML_MAP) {
                parent->keys[parent->cnt] = key;
                parent->key_lines[parent->cnt] = key_line;
        }
        parent->cnt++;
        return 0;
}

typedef struct parse_state_s {
        yaml_parser_t parser;
        const char *file;
        char *errstr;
        size_t errstr_size;
        /* The input, for the line of a reader's error: one of them. */
        FILE *fp;
        const char *buf;
        size_t len;
        /* The keys from the root to the collection being read (a
         * sequence's item: NULL, its index in at[]), for the errors that
         * name a key: "destinations.ES", not "ES". */
        const char *path[RDR_YAML_MAX_DEPTH + 2];
        size_t at[RDR_YAML_MAX_DEPTH + 2];
} parse_state_t;

/* The dotted path of key in the collection at depth into buf. */
static void key_path(const parse_state_t *ps, int depth, const char *key,
                     char *buf, size_t size) {
        size_t n = 0;
        int i;
        buf[0] = '\0';
        for (i = 1; i <= depth && i < RDR_YAML_MAX_DEPTH + 2 && n < size; i++) {
                int w = ps->path[i]
                            ? snprintf(buf + n, size - n, "%s%s", n ? "." : "",
                                       ps->path[i])
                            : snprintf(buf + n, size - n, "[%zu]", ps->at[i]);
                if (w < 0)
                        return;
                n += (size_t)w;
        }
        if (n < size)
                snprintf(buf + n, size - n, "%s%s", n ? "." : "", key);
}

/* The line (from 1) of byte offset off of the input. */
static int line_at(parse_state_t *ps, size_t off) {
        int line = 1, ch;
        size_t i;
        if (ps->buf) {
                for (i = 0; i < off && i < ps->len; i++)
                        line += ps->buf[i] == '\n';
        } else if (ps->fp && fseek(ps->fp, 0, SEEK_SET) == 0) {
                for (i = 0; i < off && (ch = getc(ps->fp)) != EOF; i++)
                        line += ch == '\n';
        }
        return line;
}

static rdr_yaml_t *parse_node(parse_state_t *ps, yaml_event_t *ev, int depth);

static void parse_fail(parse_state_t *ps, int line, const char *msg) {
        snprintf(ps->errstr, ps->errstr_size, "%s:%d: %s", ps->file, line, msg);
}

static int next_event(parse_state_t *ps, yaml_event_t *ev) {
        if (!yaml_parser_parse(&ps->parser, ev)) {
                char msg[256];
                snprintf(msg, sizeof(msg), "YAML syntax error: %s%s%s",
                         ps->parser.problem ? ps->parser.problem : "unknown",
                         ps->parser.context ? " " : "",
                         ps->parser.context ? ps->parser.context : "");
                /* A reader's error (bytes that are not UTF-8) has an
                 * offset, not a mark. */
                parse_fail(ps,
                           ps->parser.error == YAML_READER_ERROR
                               ? line_at(ps, ps->parser.problem_offset)
                               : (int)ps->parser.problem_mark.line + 1,
                           msg);
                return -1;
        }
        return 0;
}

/* Parse the children of a mapping or sequence whose start event was seen. */
static rdr_yaml_t *parse_collection(parse_state_t *ps, rdr_yaml_type_t type,
                                    int line, int depth) {
        rdr_yaml_t *node = node_new(type, ps->file, line);
        yaml_event_t ev;
        yaml_event_type_t end = type == RDR_YAML_MAP ? YAML_MAPPING_END_EVENT
                                                     : YAML_SEQUENCE_END_EVENT;
        if (!node) {
                parse_fail(ps, line, "out of memory");
                return NULL;
        }
        for (;;) {
                char *key = NULL;
                int key_line = 0;
                rdr_yaml_t *child;
                if (next_event(ps, &ev) == -1)
                        goto err;
                if (ev.type == end) {
                        yaml_event_delete(&ev);
                        return node;
                }
                if (type == RDR_YAML_MAP) {
                        size_t i;
                        if (ev.type != YAML_SCALAR_EVENT) {
                                parse_fail(ps, (int)ev.start_mark.line + 1,
                                           "mapping keys must be plain "
                                           "strings");
                                yaml_event_delete(&ev);
                                goto err;
                        }
                        key = strdup((const char *)ev.data.scalar.value);
                        key_line = (int)ev.start_mark.line + 1;
                        yaml_event_delete(&ev);
                        if (!key) {
                                parse_fail(ps, key_line, "out of memory");
                                goto err;
                        }
                        for (i = 0; i < node->cnt; i++) {
                                if (!strcmp(node->keys[i], key)) {
                                        char msg[400], name[300];
                                        key_path(ps, depth, key, name,
                                                 sizeof(name));
                                        snprintf(msg, sizeof(msg),
                                                 "key '%.300s' given twice "
                                                 "(first on line %d)",
                                                 name, node->key_lines[i]);
                                        parse_fail(ps, key_line, msg);
                                        free(key);
                                        goto err;
                                }
                        }
                        if (next_event(ps, &ev) == -1) {
                                free(key);
                                goto err;
                        }
                }
                if (depth + 1 < RDR_YAML_MAX_DEPTH + 2) {
                        ps->path[depth + 1] = key;
                        ps->at[depth + 1] = node->cnt;
                }
                child = parse_node(ps, &ev, depth + 1);
                yaml_event_delete(&ev);
                if (!child) {
                        free(key);
                        goto err;
                }
                if (node_push(node, key, key_line, child) == -1) {
                        free(key);
                        node_free(child);
                        parse_fail(ps, line, "out of memory");
                        goto err;
                }
        }
err:
        node_free(node);
        return NULL;
}

static rdr_yaml_t *parse_node(parse_state_t *ps, yaml_event_t *ev, int depth) {
        int line = (int)ev->start_mark.line + 1;
        rdr_yaml_t *node;
        if (depth > RDR_YAML_MAX_DEPTH) {
                parse_fail(ps, line, "nesting too deep");
                return NULL;
        }
        switch (ev->type) {
        case YAML_SCALAR_EVENT:
                node = node_new(RDR_YAML_SCALAR, ps->file, line);
                if (node) {
                        const char *v = (const char *)ev->data.scalar.value;
                        node->scalar = strdup(v);
                        node->is_null =
                            ev->data.scalar.plain_implicit &&
                            ev->data.scalar.style !=
                                YAML_SINGLE_QUOTED_SCALAR_STYLE &&
                            ev->data.scalar.style !=
                                YAML_DOUBLE_QUOTED_SCALAR_STYLE &&
                            (!*v || !strcmp(v, "~") || !strcmp(v, "null") ||
                             !strcmp(v, "Null") || !strcmp(v, "NULL"));
                }
                if (!node || !node->scalar) {
                        node_free(node);
                        parse_fail(ps, line, "out of memory");
                        return NULL;
                }
                return node;
        case YAML_MAPPING_START_EVENT:
                return parse_collection(ps, RDR_YAML_MAP, line, depth);
        case YAML_SEQUENCE_START_EVENT:
                return parse_collection(ps, RDR_YAML_SEQ, line, depth);
        case YAML_ALIAS_EVENT:
                parse_fail(ps, line, "aliases (*name) are not supported");
                return NULL;
        default:
                parse_fail(ps, line, "unexpected YAML event");
                return NULL;
        }
}

static rdr_yaml_t *load(parse_state_t *ps) {
        yaml_event_t ev;
        rdr_yaml_t *root = NULL;
        for (;;) {
                if (next_event(ps, &ev) == -1)
                        goto err;
                if (ev.type == YAML_STREAM_END_EVENT) {
                        yaml_event_delete(&ev);
                        break;
                }
                if (ev.type == YAML_STREAM_START_EVENT ||
                    ev.type == YAML_DOCUMENT_START_EVENT ||
                    ev.type == YAML_DOCUMENT_END_EVENT) {
                        yaml_event_delete(&ev);
                        continue;
                }
                if (root) {
                        parse_fail(ps, (int)ev.start_mark.line + 1,
                                   "only one YAML document is allowed");
                        yaml_event_delete(&ev);
                        goto err;
                }
                root = parse_node(ps, &ev, 0);
                yaml_event_delete(&ev);
                if (!root)
                        goto err;
        }
        if (!root)
                root = node_new(RDR_YAML_MAP, ps->file, 1);
        if (!root)
                parse_fail(ps, 1, "out of memory");
        return root;
err:
        node_free(root);
        return NULL;
}

static rdr_yaml_t *load_with(parse_state_t *ps, const char *name) {
        rdr_yaml_t *root;
        char *file = strdup(name);
        if (!file) {
                snprintf(ps->errstr, ps->errstr_size, "out of memory");
                return NULL;
        }
        ps->file = file;
        root = load(ps);
        if (root) {
                /* Every node points at the root's copy of the file name. */
                root->file_owned = file;
        } else {
                free(file);
        }
        return root;
}

rdr_yaml_t *rdr_yaml_load_string(const char *buf, size_t len, const char *name,
                                 char *errstr, size_t errstr_size) {
        parse_state_t ps;
        rdr_yaml_t *root;
        memset(&ps, 0, sizeof(ps));
        ps.errstr = errstr;
        ps.errstr_size = errstr_size;
        if (!yaml_parser_initialize(&ps.parser)) {
                snprintf(errstr, errstr_size, "%s: out of memory", name);
                return NULL;
        }
        ps.buf = buf;
        ps.len = len;
        yaml_parser_set_input_string(&ps.parser, (const unsigned char *)buf,
                                     len);
        root = load_with(&ps, name);
        yaml_parser_delete(&ps.parser);
        return root;
}

rdr_yaml_t *rdr_yaml_load_file(const char *path, char *errstr,
                               size_t errstr_size) {
        parse_state_t ps;
        rdr_yaml_t *root;
        struct stat st;
        FILE *fp = fopen(path, "rb");
        if (!fp) {
                snprintf(errstr, errstr_size, "%s: cannot open: %s", path,
                         strerror(errno));
                return NULL;
        }
        /* A directory opens for reading too; its first read fails, which
         * libyaml would report as a syntax error on line 1. */
        if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
                fclose(fp);
                snprintf(errstr, errstr_size, "%s: is a directory, not a file",
                         path);
                return NULL;
        }
        memset(&ps, 0, sizeof(ps));
        ps.errstr = errstr;
        ps.errstr_size = errstr_size;
        if (!yaml_parser_initialize(&ps.parser)) {
                fclose(fp);
                snprintf(errstr, errstr_size, "%s: out of memory", path);
                return NULL;
        }
        ps.fp = fp;
        yaml_parser_set_input_file(&ps.parser, fp);
        root = load_with(&ps, path);
        yaml_parser_delete(&ps.parser);
        fclose(fp);
        return root;
}

rdr_yaml_type_t rdr_yaml_type(const rdr_yaml_t *node) {
        return node->type;
}
const char *rdr_yaml_file(const rdr_yaml_t *node) {
        return node->file;
}
int rdr_yaml_line(const rdr_yaml_t *node) {
        return node->line;
}
int rdr_yaml_is_null(const rdr_yaml_t *node) {
        return node->type == RDR_YAML_SCALAR && node->is_null;
}

const char *rdr_yaml_scalar(const rdr_yaml_t *node) {
        return node && node->type == RDR_YAML_SCALAR ? node->scalar : NULL;
}
size_t rdr_yaml_len(const rdr_yaml_t *node) {
        return node && node->type != RDR_YAML_SCALAR ? node->cnt : 0;
}
rdr_yaml_t *rdr_yaml_at(const rdr_yaml_t *node, size_t i) {
        if (!node || node->type == RDR_YAML_SCALAR || i >= node->cnt)
                return NULL;
        return node->items[i];
}
const char *rdr_yaml_key(const rdr_yaml_t *map, size_t i) {
        if (!map || map->type != RDR_YAML_MAP || i >= map->cnt)
                return NULL;
        return map->keys[i];
}
rdr_yaml_t *rdr_yaml_get(const rdr_yaml_t *map, const char *key) {
        size_t i;
        if (!map || map->type != RDR_YAML_MAP)
                return NULL;
        for (i = 0; i < map->cnt; i++)
                if (!strcmp(map->keys[i], key))
                        return map->items[i];
        return NULL;
}

rdr_err_t rdr_yaml_error(const rdr_yaml_t *node, const char *what, char *errstr,
                         size_t errstr_size, const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(errstr, errstr_size, "%s:%d: key '%s': %s",
                 node ? node->file : "?", node ? node->line : 0,
                 what ? what : "?", msg);
        return RDR_ERR_CONFIG;
}

static rdr_err_t need_scalar(const rdr_yaml_t *node, const char *what,
                             char *errstr, size_t errstr_size) {
        if (!node)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "missing");
        if (node->type != RDR_YAML_SCALAR)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "expected a single value, got a %s",
                                      node->type == RDR_YAML_MAP ? "mapping"
                                                                 : "list");
        return RDR_OK;
}

rdr_err_t rdr_yaml_as_int(const rdr_yaml_t *node, const char *what,
                          long long min, long long max, long long *out,
                          char *errstr, size_t errstr_size) {
        char *end;
        long long v;
        rdr_err_t err = need_scalar(node, what, errstr, errstr_size);
        if (err)
                return err;
        errno = 0;
        v = strtoll(node->scalar, &end, 10);
        if (errno || end == node->scalar || *end)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "expected an integer, got '%.64s'",
                                      node->scalar);
        if (v < min || v > max)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "%lld is out of range %lld..%lld", v, min,
                                      max);
        *out = v;
        return RDR_OK;
}

rdr_err_t rdr_yaml_as_double(const rdr_yaml_t *node, const char *what,
                             double min, double max, double *out, char *errstr,
                             size_t errstr_size) {
        char *end;
        double v;
        rdr_err_t err = need_scalar(node, what, errstr, errstr_size);
        if (err)
                return err;
        errno = 0;
        v = strtod(node->scalar, &end);
        if (errno || end == node->scalar || *end || v != v)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "expected a number, got '%.64s'",
                                      node->scalar);
        if (v < min || v > max)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "%g is out of range %g..%g", v, min, max);
        *out = v;
        return RDR_OK;
}

rdr_err_t rdr_yaml_as_bool(const rdr_yaml_t *node, const char *what, int *out,
                           char *errstr, size_t errstr_size) {
        static const char *const yes[] = {"true", "yes", "on", "1"};
        static const char *const no[] = {"false", "no", "off", "0"};
        size_t i;
        rdr_err_t err = need_scalar(node, what, errstr, errstr_size);
        if (err)
                return err;
        for (i = 0; i < 4; i++) {
                if (!strcasecmp(node->scalar, yes[i])) {
                        *out = 1;
                        return RDR_OK;
                }
                if (!strcasecmp(node->scalar, no[i])) {
                        *out = 0;
                        return RDR_OK;
                }
        }
        return rdr_yaml_error(node, what, errstr, errstr_size,
                              "expected true or false, got '%.64s'",
                              node->scalar);
}

int rdr_duration_parse(const char *s, long long *out_ms) {
        char *end;
        long long v, mul;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || end == s || v < 0)
                return -1;
        if (v == 0 && !*end)
                mul = 1; /* 0 needs no unit */
        else if (!strcmp(end, "ms"))
                mul = 1;
        else if (!strcmp(end, "s"))
                mul = 1000;
        else if (!strcmp(end, "m"))
                mul = 60 * 1000;
        else if (!strcmp(end, "h"))
                mul = 3600 * 1000;
        else if (!strcmp(end, "d"))
                mul = 86400LL * 1000;
        else
                return -1;
        if (v > INT64_MAX / mul)
                return -1;
        *out_ms = v * mul;
        return 0;
}

rdr_err_t rdr_yaml_as_duration_ms(const rdr_yaml_t *node, const char *what,
                                  long long min_ms, long long max_ms,
                                  long long *out, char *errstr,
                                  size_t errstr_size) {
        long long v;
        rdr_err_t err = need_scalar(node, what, errstr, errstr_size);
        if (err)
                return err;
        if (rdr_duration_parse(node->scalar, &v) == -1)
                return rdr_yaml_error(
                    node, what, errstr, errstr_size,
                    "expected a duration like 500ms, 30s, 5m, 24h or 7d, "
                    "got '%.64s'",
                    node->scalar);
        if (v < min_ms || v > max_ms)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "%s is out of range %lldms..%lldms",
                                      node->scalar, min_ms, max_ms);
        *out = v;
        return RDR_OK;
}

rdr_err_t rdr_yaml_as_str(const rdr_yaml_t *node, const char *what,
                          size_t max_len, const char **out, char *errstr,
                          size_t errstr_size) {
        rdr_err_t err = need_scalar(node, what, errstr, errstr_size);
        if (err)
                return err;
        if (strlen(node->scalar) > max_len)
                return rdr_yaml_error(node, what, errstr, errstr_size,
                                      "longer than %zu bytes", max_len);
        *out = node->scalar;
        return RDR_OK;
}

/* A name rdr_yaml_dir() looks at: not hidden, ending .yaml or .yml. */
static int yaml_dir_entry(const struct dirent *d) {
        size_t len = strlen(d->d_name);
        return d->d_name[0] != '.' &&
               ((len > 5 && !strcmp(d->d_name + len - 5, ".yaml")) ||
                (len > 4 && !strcmp(d->d_name + len - 4, ".yml")));
}

rdr_err_t rdr_yaml_dir(const char *dir, char ***names, size_t *cnt,
                       char *errstr, size_t errstr_size) {
        struct dirent **ents = NULL;
        rdr_err_t err = RDR_OK;
        int n, i;
        *names = NULL;
        *cnt = 0;
        n = scandir(dir, &ents, yaml_dir_entry, alphasort);
        if (n < 0) {
                snprintf(errstr, errstr_size, "%s: cannot list directory: %s",
                         dir, strerror(errno));
                return RDR_ERR_CONFIG;
        }
        *names = calloc((size_t)n + 1, sizeof(**names));
        for (i = 0; i < n; i++) {
                const char *name = ents[i]->d_name;
                size_t len = strlen(name);
                if (!err && !*names) {
                        snprintf(errstr, errstr_size, "%s: out of memory", dir);
                        err = RDR_ERR_NOMEM;
                } else if (!err && strcmp(name + len - 4, ".yml") == 0) {
                        snprintf(errstr, errstr_size,
                                 "%s/%s: not read: the files here are read "
                                 "when named *.yaml (rename it %.*s.yaml)",
                                 dir, name, (int)(len - 4), name);
                        err = RDR_ERR_CONFIG;
                } else if (!err) {
                        (*names)[*cnt] = strdup(name);
                        if (!(*names)[*cnt]) {
                                snprintf(errstr, errstr_size,
                                         "%s: out of memory", dir);
                                err = RDR_ERR_NOMEM;
                        } else {
                                (*cnt)++;
                        }
                }
                free(ents[i]);
        }
        free(ents);
        if (err) {
                rdr_yaml_dir_free(*names, *cnt);
                *names = NULL;
                *cnt = 0;
        }
        return err;
}

void rdr_yaml_dir_free(char **names, size_t cnt) {
        size_t i;
        for (i = 0; names && i < cnt; i++)
                free(names[i]);
        free(names);
}

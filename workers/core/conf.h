/* Worker configuration. One table per component (name, type, default,
 * range, doc) drives parsing, validation, environment overrides and the
 * generated documentation. A YAML file (configs/redress.yaml by default)
 * sets values as nested maps ("redis: {url: ...}" is redis.url); the
 * `kafka:` section passes straight through to librdkafka. Environment
 * variables override the file: REDRESS_REDIS_URL sets redis.url,
 * REDRESS_KAFKA_BOOTSTRAP sets kafka.bootstrap.servers, REDRESS_KAFKA_X_Y
 * sets kafka.x.y. Any error names the file, line and key (or the variable). */
#ifndef RDR_CONF_H
#define RDR_CONF_H

#include <stddef.h>
#include <librdkafka/rdkafka.h>

#include "err.h"

typedef enum rdr_conf_type_e {
        RDR_CONF_STR,
        RDR_CONF_INT,
        RDR_CONF_DURATION, /* read as milliseconds */
        RDR_CONF_BOOL,
        RDR_CONF_ENUM /* one of the '|'-separated names in enums */
} rdr_conf_type_t;

typedef struct rdr_conf_prop_s {
        const char *name;
        rdr_conf_type_t type;
        const char *def;    /* default, as it would be written in the file */
        long long min, max; /* INT and DURATION (ms) ranges */
        const char *enums;
        const char *doc;
} rdr_conf_prop_t;

typedef struct rdr_conf_s rdr_conf_t;

/** The configuration read when none is named: an installed binary's (in
 *  the install's bin directory) is the installed one
 *  (<sysconfdir>/redress/redress.yaml, cmake --install); a build tree's,
 *  the source tree's configs/redress.yaml. */
const char *rdr_conf_default_path(void);

/** Load path (NULL: $REDRESS_CONFIG, else rdr_conf_default_path()) with
 *  the core table plus the worker's own table extra (NULL-name
 *  terminated, may be NULL), then apply environment overrides, then
 *  validate. Returns NULL with "file:line: key 'k': reason" in errstr. */
rdr_conf_t *rdr_conf_new(const char *path, const rdr_conf_prop_t *extra,
                         char *errstr, size_t errstr_size);
void rdr_conf_destroy(rdr_conf_t *conf);

/** Set a value as if from the command line (validated). */
rdr_err_t rdr_conf_set(rdr_conf_t *conf, const char *name, const char *value,
                       char *errstr, size_t errstr_size);

/** rdr_conf_set() of a command line's "KEY=VALUE" (--set). */
rdr_err_t rdr_conf_set_kv(rdr_conf_t *conf, const char *kv, char *errstr,
                          size_t errstr_size);

/** Typed getters; name must be in a table (else abort: a bug). */
const char *rdr_conf_str(const rdr_conf_t *conf, const char *name);
long long rdr_conf_int(const rdr_conf_t *conf, const char *name);
/** Where a key's value came from: "file:line", "environment NAME",
 *  "command line" or "default". */
const char *rdr_conf_origin(const rdr_conf_t *conf, const char *name);
int rdr_conf_bool(const rdr_conf_t *conf, const char *name);

/** The directory holding the domain configs (lexicons, platforms,
 *  templates): paths.configs, or the config file's directory. */
const char *rdr_conf_dir(const rdr_conf_t *conf);
/** The file the configuration was read from. */
const char *rdr_conf_path(const rdr_conf_t *conf);

/** Apply every kafka.* value to kconf. A property librdkafka rejects is
 *  reported with the file and line it came from. */
rdr_err_t rdr_conf_kafka_apply(const rdr_conf_t *conf, rd_kafka_conf_t *kconf,
                               char *errstr, size_t errstr_size);

/** Set on kconf every librdkafka property the environment gives as
 *  REDRESS_KAFKA_<PROPERTY> (upper case, '_' for '.'; REDRESS_KAFKA_BOOTSTRAP
 *  excepted), as a worker's configuration takes them: for tools without a
 *  configuration file (the bench's load generator and bare consumer). */
rdr_err_t rdr_conf_kafka_env_apply(rd_kafka_conf_t *kconf, char *errstr,
                                   size_t errstr_size);

/** 1 if kafka.<prop> was set by the file, the environment or --set. */
int rdr_conf_kafka_isset(const rdr_conf_t *conf, const char *prop);

/** Write the tables as Markdown (name, type, default, doc) to fp. */
void rdr_conf_doc(const rdr_conf_prop_t *extra, void *fp);

/** The core table (NULL-name terminated). */
extern const rdr_conf_prop_t rdr_conf_core_props[];

#endif

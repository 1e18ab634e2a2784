/* The bench tools take librdkafka properties from the environment as the
 * workers do: REDRESS_KAFKA_<PROPERTY>, upper case with '_' for '.', e.g.
 * REDRESS_KAFKA_SECURITY_PROTOCOL=SASL_SSL or
 * REDRESS_KAFKA_SASL_USERNAME=... (REDRESS_KAFKA_BOOTSTRAP is
 * bootstrap.servers, which the tools take as --bootstrap). So a bench run
 * against a cluster that needs TLS or SASL configures every client once. */
#ifndef RDR_BENCH_KAFKA_ENV_H
#define RDR_BENCH_KAFKA_ENV_H

#include <ctype.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

extern char **environ;

/** Set every REDRESS_KAFKA_* property of the environment on conf (after the
 *  tool's own, so the environment wins). Returns -1 with errstr set when
 *  librdkafka refuses one. */
static inline int bench_kafka_env(rd_kafka_conf_t *conf, char *errstr,
                                  size_t errstr_size) {
        static const char prefix[] = "REDRESS_KAFKA_";
        const size_t plen = sizeof(prefix) - 1;
        char **e;
        for (e = environ; *e; e++) {
                const char *eq = strchr(*e, '=');
                char name[256];
                size_t n, i;
                if (strncmp(*e, prefix, plen) || !eq)
                        continue;
                n = (size_t)(eq - *e) - plen;
                if (n == 0 || n >= sizeof(name) ||
                    (n == 9 && !strncmp(*e + plen, "BOOTSTRAP", 9)))
                        continue;
                for (i = 0; i < n; i++) {
                        unsigned char c = (unsigned char)(*e)[plen + i];
                        name[i] = c == '_' ? '.' : (char)tolower(c);
                }
                name[n] = '\0';
                if (rd_kafka_conf_set(conf, name, eq + 1, errstr,
                                      errstr_size) != RD_KAFKA_CONF_OK)
                        return -1;
        }
        return 0;
}

#endif

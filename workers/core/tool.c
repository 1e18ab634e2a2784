/* The command-line tools' shared start: see tool.h. */
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "version.h"

rdr_conf_t *rdr_tool_conf(const char *prog, int argc, char **argv, int from,
                          void (*usage)(FILE *), int *exit_code) {
        const char *config = NULL;
        char errstr[512];
        rdr_conf_t *conf;
        int i;
        for (i = from; i < argc; i++) {
                if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
                        usage(stdout);
                        *exit_code = 0;
                        return NULL;
                }
                if (!strcmp(argv[i], "--version")) {
                        rdr_version_print(prog);
                        *exit_code = 0;
                        return NULL;
                }
        }
        for (i = from; i + 1 < argc; i++)
                if (!strcmp(argv[i], "--config"))
                        config = argv[i + 1];
        conf = rdr_conf_new(config, NULL, errstr, sizeof(errstr));
        if (!conf) {
                fprintf(stderr, "%s: %s\n", prog, errstr);
                *exit_code = RDR_TOOL_EXIT_CONFIG;
        }
        return conf;
}

int rdr_tool_conf_opt(rdr_conf_t *conf, const char *prog, const char *a,
                      const char *v) {
        char errstr[512];
        if (!strcmp(a, "--config"))
                return 0;
        if (strcmp(a, "--set"))
                return RDR_TOOL_OPT_OTHER;
        if (!strchr(v, '='))
                return RDR_TOOL_EXIT_USAGE;
        if (rdr_conf_set_kv(conf, v, errstr, sizeof(errstr))) {
                fprintf(stderr, "%s: --set %s\n", prog, errstr);
                return RDR_TOOL_EXIT_CONFIG;
        }
        return 0;
}

int rdr_tool_redis(rdr_conf_t *conf, const char *prog, const char *name,
                   const char *lua, int *script, rdr_redis_t **redis,
                   rdr_clock_t **clk) {
        char errstr[512];
        *clk = NULL;
        *redis = rdr_redis_new(rdr_conf_str(conf, "redis.url"),
                               (int)rdr_conf_int(conf, "redis.connect_timeout"),
                               (int)rdr_conf_int(conf, "redis.command_timeout"),
                               (int)rdr_conf_int(conf, "redis.backoff_max"),
                               errstr, sizeof(errstr));
        if (!*redis) {
                fprintf(stderr, "%s: %s\n", prog, errstr);
                return RDR_TOOL_EXIT_CONFIG;
        }
        if (lua)
                *script = rdr_redis_script_add(*redis, name, lua);
        if (lua && *script < 0) {
                fprintf(stderr, "%s: out of memory\n", prog);
                goto err;
        }
        if (rdr_redis_connect(*redis)) {
                fprintf(stderr, "%s: Redis: %s\n", prog,
                        rdr_redis_errstr(*redis));
                goto err;
        }
        *clk = rdr_clock_new(strcmp(rdr_conf_str(conf, "clock.source"), "test")
                                 ? RDR_CLOCK_SYSTEM
                                 : RDR_CLOCK_TEST,
                             *redis);
        if (!*clk || rdr_clock_refresh(*clk)) {
                fprintf(stderr, "%s: the fleet's clock: %s\n", prog,
                        *clk ? rdr_redis_errstr(*redis) : "out of memory");
                goto err;
        }
        return 0;
err:
        rdr_clock_destroy(*clk);
        rdr_redis_destroy(*redis);
        *clk = NULL;
        *redis = NULL;
        return 1;
}

/* What the command-line tools (redress-report, redress-buyer) share with
 * each other: the workers' configuration changed by --set, and the
 * fleet's Redis and clock, each failure said on stderr under the tool's
 * name (prog) and turned into the tool's exit status. */
#ifndef RDR_TOOL_H
#define RDR_TOOL_H

#include <stdio.h>

#include "clock.h"
#include "conf.h"
#include "redis.h"

#define RDR_TOOL_EXIT_USAGE 2
#define RDR_TOOL_EXIT_CONFIG 78

/** The start of a tool's command line, argv[from] on: -h or --help
 *  anywhere prints usage(stdout) (--version: the version, as every
 *  program's) and returns NULL with *exit_code 0, no
 *  configuration read (one that would not load must not hide how to use
 *  the tool); else the workers' configuration, from --config FILE (else
 *  REDRESS_CONFIG and the defaults; REDRESS_* variables on it), or NULL
 *  with *exit_code RDR_TOOL_EXIT_CONFIG after saying why. The caller
 *  destroys what it returns. */
rdr_conf_t *rdr_tool_conf(const char *prog, int argc, char **argv, int from,
                          void (*usage)(FILE *), int *exit_code);

/* rdr_tool_conf_opt(): a is none of the configuration's options. */
#define RDR_TOOL_OPT_OTHER (-1)

/** Option a with its value v if it is the configuration's: --config (read
 *  by rdr_tool_conf(): nothing more) or --set KEY=VALUE (applied to
 *  conf). Returns 0 when taken, RDR_TOOL_OPT_OTHER if a is neither,
 *  RDR_TOOL_EXIT_USAGE if --set has no '=' (the caller prints its
 *  usage), or RDR_TOOL_EXIT_CONFIG after saying why. */
int rdr_tool_conf_opt(rdr_conf_t *conf, const char *prog, const char *a,
                      const char *v);

/** The fleet's Redis (redis.*), with the script lua registered as name
 *  when lua is not NULL (its id in *script), connected, and the fleet's
 *  clock (clock.source) read. Returns 0 with *redis and *clk set (the
 *  caller destroys both: the clock first), or the exit status after
 *  saying why (1 Redis unreachable, RDR_TOOL_EXIT_CONFIG a bad
 *  redis.url) with both NULL. */
int rdr_tool_redis(rdr_conf_t *conf, const char *prog, const char *name,
                   const char *lua, int *script, rdr_redis_t **redis,
                   rdr_clock_t **clk);

#endif

/* Which build this is: the project's version (CMakeLists.txt) and the
 * commit it was built from, for --version, the worker.started log line and
 * the redress_build_info metric, so that an operator can tell which
 * instances of a fleet run which build. */
#ifndef RDR_VERSION_H
#define RDR_VERSION_H

/** The project's version, e.g. "0.1.0". */
const char *rdr_version(void);
/** `git describe --always --dirty` of the source tree at build time, or
 *  "unknown" when it was built outside a git checkout. */
const char *rdr_commit(void);
/** What every program's --version prints on stdout: "<prog> <version>
 *  (commit <commit>)". */
void rdr_version_print(const char *prog);

#endif

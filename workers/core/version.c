/* The build's version and commit (see version.h). */
#include "version.h"

#include <stdio.h>

#include "rdr_version.h"

const char *rdr_version(void) {
        return RDR_VERSION;
}

const char *rdr_commit(void) {
        return RDR_COMMIT;
}

void rdr_version_print(const char *prog) {
        printf("%s %s (commit %s)\n", prog, RDR_VERSION, RDR_COMMIT);
}

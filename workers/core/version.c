/* The build's version and commit (see version.h). */
#include "version.h"

#include "rdr_version.h"

const char *rdr_version(void) {
        return RDR_VERSION;
}

const char *rdr_commit(void) {
        return RDR_COMMIT;
}

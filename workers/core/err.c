/* Description table of rdr_err_t: one row per code, in enum order. */
#include "err.h"

static const struct {
        const char *name;
        const char *desc;
        rdr_errclass_t cls;
} rdr_err_descs[RDR_ERR__CNT] = {
    [RDR_OK] = {"RDR_OK", "Success", RDR_ERRCLASS_NONE},
    [RDR_ERR_INVALID] = {"RDR_ERR_INVALID", "Invalid input",
                         RDR_ERRCLASS_PERMANENT},
    [RDR_ERR_DECODE] = {"RDR_ERR_DECODE", "Input could not be decoded",
                        RDR_ERRCLASS_PERMANENT},
    [RDR_ERR_TOO_LARGE] = {"RDR_ERR_TOO_LARGE", "Input too large",
                           RDR_ERRCLASS_PERMANENT},
    [RDR_ERR_REUSED_ID] = {"RDR_ERR_REUSED_ID",
                           "event_id applied before to other content",
                           RDR_ERRCLASS_PERMANENT},
    [RDR_ERR_DUPLICATE] = {"RDR_ERR_DUPLICATE", "Duplicate event",
                           RDR_ERRCLASS_NONE},
    [RDR_ERR_NOT_FOUND] = {"RDR_ERR_NOT_FOUND", "Not found", RDR_ERRCLASS_NONE},
    [RDR_ERR_BLOCKED] = {"RDR_ERR_BLOCKED", "Blocked by policy",
                         RDR_ERRCLASS_NONE},
    [RDR_ERR_REDIS] = {"RDR_ERR_REDIS", "Redis error", RDR_ERRCLASS_RETRIABLE},
    [RDR_ERR_KAFKA] = {"RDR_ERR_KAFKA", "Kafka error", RDR_ERRCLASS_RETRIABLE},
    [RDR_ERR_TIMEOUT] = {"RDR_ERR_TIMEOUT", "Timed out",
                         RDR_ERRCLASS_RETRIABLE},
    [RDR_ERR_STATE] =
        {"RDR_ERR_STATE",
         "State changed since it was read (a record, shared counts or a lease)",
         RDR_ERRCLASS_RETRIABLE},
    [RDR_ERR_IO] = {"RDR_ERR_IO", "I/O error", RDR_ERRCLASS_RETRIABLE},
    [RDR_ERR_CONFIG] = {"RDR_ERR_CONFIG", "Configuration error",
                        RDR_ERRCLASS_FATAL},
    [RDR_ERR_NOMEM] = {"RDR_ERR_NOMEM", "Out of memory", RDR_ERRCLASS_FATAL},
    [RDR_ERR_INTERNAL] = {"RDR_ERR_INTERNAL", "Internal error",
                          RDR_ERRCLASS_FATAL},
};

const char *rdr_err2str(rdr_err_t err) {
        if ((unsigned)err >= RDR_ERR__CNT)
                return "Unknown error";
        return rdr_err_descs[err].desc;
}

const char *rdr_err2name(rdr_err_t err) {
        if ((unsigned)err >= RDR_ERR__CNT)
                return "RDR_ERR_UNKNOWN";
        return rdr_err_descs[err].name;
}

rdr_errclass_t rdr_err_class(rdr_err_t err) {
        if ((unsigned)err >= RDR_ERR__CNT)
                return RDR_ERRCLASS_FATAL;
        return rdr_err_descs[err].cls;
}

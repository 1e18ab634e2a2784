/* The one error enum of Redress. Every function that can fail returns an
 * rdr_err_t; each code belongs to a class that tells the run loop what to do
 * with the event at hand: retry it (retriable), dead-letter it (permanent) or
 * stop the worker (fatal). */
#ifndef RDR_ERR_H
#define RDR_ERR_H

typedef enum rdr_err_e {
        RDR_OK = 0,
        RDR_ERR_INVALID,   /* permanent: an input failed validation */
        RDR_ERR_DECODE,    /* permanent: an input could not be decoded */
        RDR_ERR_TOO_LARGE, /* permanent: an input exceeds a size limit */
        RDR_ERR_REUSED_ID, /* permanent: its event_id was applied before to
                            * an event with other content */
        RDR_ERR_DUPLICATE, /* none: the event was seen before, no effect */
        RDR_ERR_NOT_FOUND, /* none: a looked-up thing does not exist */
        RDR_ERR_BLOCKED,   /* none: a policy rule forbids the step */
        RDR_ERR_REDIS,     /* retriable: Redis unreachable or failed */
        RDR_ERR_KAFKA,     /* retriable: Kafka unreachable or failed */
        RDR_ERR_TIMEOUT,   /* retriable: an operation timed out */
        RDR_ERR_STATE,     /* retriable: what was read moved on (a record
                            * compared and set, a guard's counts, a lease) */
        RDR_ERR_IO,        /* retriable: file or socket I/O failed */
        RDR_ERR_CONFIG,    /* fatal: bad configuration */
        RDR_ERR_NOMEM,     /* fatal: out of memory */
        RDR_ERR_INTERNAL,  /* fatal: a bug */
        RDR_ERR__CNT
} rdr_err_t;

typedef enum rdr_errclass_e {
        RDR_ERRCLASS_NONE = 0,  /* not an error, or an expected outcome */
        RDR_ERRCLASS_RETRIABLE, /* try again later with backoff */
        RDR_ERRCLASS_PERMANENT, /* this input will never succeed: dead-letter */
        RDR_ERRCLASS_FATAL      /* the worker cannot go on */
} rdr_errclass_t;

/** A sentence describing err (static storage). */
const char *rdr_err2str(rdr_err_t err);
/** The symbolic name of err, e.g. "RDR_ERR_INVALID" (static storage). */
const char *rdr_err2name(rdr_err_t err);
/** The class of err. */
rdr_errclass_t rdr_err_class(rdr_err_t err);

#endif

/* The fleet's clock. Cadences run over weeks, so every worker reads time
 * from one clock: the system clock, or the shared test clock of the contract
 * (Redis key redress:clock:now_ms, milliseconds since the epoch as a decimal
 * string) that a test moves to advance the whole fleet. */
#ifndef RDR_CLOCK_H
#define RDR_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define RDR_CLOCK_KEY "redress:clock:now_ms"

typedef enum rdr_clock_source_e {
        RDR_CLOCK_SYSTEM,
        RDR_CLOCK_TEST
} rdr_clock_source_t;

typedef struct rdr_clock_s rdr_clock_t;
struct rdr_redis_s;

/** A clock. For RDR_CLOCK_TEST, redis is where the shared time is read
 *  (borrowed; must outlive the clock). Returns NULL on out of memory. */
rdr_clock_t *rdr_clock_new(rdr_clock_source_t source,
                           struct rdr_redis_s *redis);
void rdr_clock_destroy(rdr_clock_t *clk);

rdr_clock_source_t rdr_clock_source(const rdr_clock_t *clk);

/** The current time in ms. The test clock answers from the value read by the
 *  last rdr_clock_refresh(), so a whole batch sees one instant. */
int64_t rdr_clock_now_ms(const rdr_clock_t *clk);

/** Re-read the test clock from Redis (no-op for the system clock). If the key
 *  is absent it is set, once, to the system time. */
rdr_err_t rdr_clock_refresh(rdr_clock_t *clk);

/** Parse the decimal value of the test clock key. Returns 0 on success. */
int rdr_clock_parse_ms(const char *s, size_t len, int64_t *out);

/** Wall-clock ms since the epoch, and a monotonic ms counter. */
int64_t rdr_wall_ms(void);
int64_t rdr_mono_ms(void);
/** A monotonic microsecond counter (for timings). */
int64_t rdr_mono_us(void);

/* Bytes of rdr_time_format_rfc3339() output, NUL included. */
#define RDR_TIME_RFC3339_SIZE 25

/** Format ms as UTC with milliseconds, always the same 24-character form:
 *  "2026-11-23T07:00:00.000Z". Writes a NUL-terminated string to dst and
 *  returns its length (24), or returns 0 if size < RDR_TIME_RFC3339_SIZE or
 *  ms is outside years 0000..9999. Arithmetic alone (no printf, no
 *  gmtime): safe in a signal handler. */
size_t rdr_time_format_rfc3339(int64_t ms, char *dst, size_t size);

#endif

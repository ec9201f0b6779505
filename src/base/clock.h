/*
 * clock.h - monotonic and wall clocks, RFC 3339 UTC timestamps.
 *
 * Use the monotonic clock for timeouts, intervals and deadlines (it never jumps); use the wall
 * clock only for what leaves the process: timestamps in logs, credentials and the wire.
 */
#ifndef ACTR_BASE_CLOCK_H
#define ACTR_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC, arbitrary origin. */
uint64_t actr_clock_mono_ns(void);
uint64_t actr_clock_mono_ms(void);

/* CLOCK_REALTIME as Unix time (seconds / milliseconds since 1970-01-01T00:00:00Z). */
int64_t actr_clock_wall_s(void);
int64_t actr_clock_wall_ms(void);

/* The CLOCK_MONOTONIC time timeout_ns from now, for pthread_cond_timedwait and friends. */
void actr_clock_mono_deadline(uint64_t timeout_ns, struct timespec *out);

#define ACTR_RFC3339_LEN 20    /* "2026-11-24T09:08:00Z" */
#define ACTR_RFC3339_MS_LEN 24 /* "2026-11-24T09:08:00.123Z" */

/* Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the four-digit-year range. */
#define ACTR_RFC3339_MIN_S (-62167219200LL)
#define ACTR_RFC3339_MAX_S 253402300799LL

/*
 * Formats unix_s as "YYYY-MM-DDTHH:MM:SSZ" plus a NUL (ACTR_RFC3339_LEN + 1 bytes). Returns 0,
 * or ACTR_ERANGE outside years 0000..9999 (out then holds an empty string).
 */
int actr_rfc3339_format(int64_t unix_s, char out[ACTR_RFC3339_LEN + 1]);

/* As actr_rfc3339_format() with milliseconds: "YYYY-MM-DDTHH:MM:SS.mmmZ". */
int actr_rfc3339_format_ms(int64_t unix_ms, char out[ACTR_RFC3339_MS_LEN + 1]);

/*
 * Parses exactly len characters of an RFC 3339 date-time: 'T', 't' or ' ' between date and
 * time, optional fraction (any number of digits; beyond nanoseconds they are truncated), and
 * 'Z', 'z' or a "+hh:mm"/"-hh:mm" offset. Fields are range-checked (including February 29).
 * A leap second (:60) is folded into :59, as POSIX time has none. On success *unix_s gets the
 * UTC Unix time and *nanos (optional) the fraction. Returns 0, ACTR_EPARSE or ACTR_EINVAL.
 */
int actr_rfc3339_parse(const char *text, size_t len, int64_t *unix_s, uint32_t *nanos);

#endif /* ACTR_BASE_CLOCK_H */

/*
 * correlation.h - the table of outbound requests waiting for their RESPONSE (spec: runtime.md
 * §4.3, §10.1, protocol.md §8.3).
 *
 * A caller registers its request_id with the target actor, an absolute deadline and a
 * completion callback, then sends. Exactly one of these ends the entry and calls the callback
 * once (outside the table's lock, on the thread that ended it):
 *
 *   complete(id, response)        the RESPONSE carried a payload
 *   fail(id, code, err)           the RESPONSE carried an error, or sending failed for good
 *   fail_target(target, ...)      the connection to that peer closed: all its entries
 *   fail_all(...)                 shutdown
 *   expire(now)                   the deadline passed: ACTR_ETIMEDOUT (TimedOut, 10002)
 *
 * cancel(id) removes an entry without calling back (the caller gave up by itself). A RESPONSE
 * for an id that is not pending is an orphan: counted, logged at most once per second
 * (error_category=orphan_response) and dropped, never treated as a request.
 *
 * Deadlines live in a binary min-heap: expire() costs O(log n) per due entry and
 * next_deadline() is O(1), for arming the loop's timer. Deadlines are milliseconds on the
 * caller's clock (normally actr_clock_mono_ms()), so tests drive expiry with any clock.
 *
 * Thread safety: every function may be called from any thread. Callbacks may call back into
 * the table (e.g. register a retry).
 */
#ifndef ACTR_GATE_CORRELATION_H
#define ACTR_GATE_CORRELATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"
#include "actr/error.h"
#include "actr/types.h"

/* A deadline that never comes (the entry waits for a response or a failure). */
#define ACTR_CORR_NO_DEADLINE UINT64_MAX
#define ACTR_CORR_MAX_ID 1024

typedef struct actr_corr actr_corr_t;

/* How a pending request ended. Everything is borrowed for the duration of the callback. */
typedef struct actr_corr_outcome {
    int code;                   /* 0: response received; else ACTR_E* */
    const actr_buf_t *response; /* code 0: the payload (take a ref to keep it) */
    const actr_error_t *error;  /* code != 0: details */
    const actr_id_t *target;    /* the target given at registration, or NULL */
} actr_corr_outcome_t;

typedef void (*actr_corr_done_fn)(void *ud, const actr_corr_outcome_t *outcome);

int actr_corr_new(actr_corr_t **out);

/* Fails every pending entry with ACTR_ECLOSED (callbacks run), then frees. NULL is ignored. */
void actr_corr_free(actr_corr_t *c);

/*
 * Registers a pending request. target may be NULL (in-process: never failed by fail_target).
 * Returns 0, ACTR_EEXIST (id already pending: nothing changes; the reference overwrote the
 * older entry, which made its caller fail with "closed"), ACTR_EINVAL (empty or over-long id,
 * no callback) or ACTR_ENOMEM.
 */
int actr_corr_register(actr_corr_t *c, const char *id, size_t id_len, const actr_id_t *target,
                       uint64_t deadline_ms, actr_corr_done_fn fn, void *ud);

/* A successful RESPONSE. Returns 0, or ACTR_ENOTFOUND for an orphan. */
int actr_corr_complete(actr_corr_t *c, const char *id, size_t id_len, const actr_buf_t *response);

/* An error RESPONSE or a final send failure (err NULL: a message from the code). Returns 0, or
 * ACTR_ENOTFOUND (orphan). */
int actr_corr_fail(actr_corr_t *c, const char *id, size_t id_len, int code,
                   const actr_error_t *err);

/* Removes an entry without calling back. Returns 0 or ACTR_ENOTFOUND. */
int actr_corr_cancel(actr_corr_t *c, const char *id, size_t id_len);

/* Fails every entry registered for target (connection closed). Returns how many. */
size_t actr_corr_fail_target(actr_corr_t *c, const actr_id_t *target, int code,
                             const actr_error_t *err);

/* Fails every entry. Returns how many. */
size_t actr_corr_fail_all(actr_corr_t *c, int code, const actr_error_t *err);

/* Fails the entries whose deadline is <= now_ms with ACTR_ETIMEDOUT. Returns how many. */
size_t actr_corr_expire(actr_corr_t *c, uint64_t now_ms);

/* The earliest deadline in *deadline_ms: 0, or ACTR_ENOTFOUND when none is pending. */
int actr_corr_next_deadline(actr_corr_t *c, uint64_t *deadline_ms);

/* Whether id is pending. */
bool actr_corr_pending(actr_corr_t *c, const char *id, size_t id_len);

typedef struct actr_corr_stats {
    size_t pending;
    size_t targets;       /* distinct targets with pending entries */
    uint64_t registered;
    uint64_t completed;   /* responses delivered */
    uint64_t failed;      /* ended by fail / fail_target / fail_all */
    uint64_t timed_out;   /* ended by expire */
    uint64_t cancelled;
    uint64_t orphans;     /* responses with no pending entry */
} actr_corr_stats_t;

void actr_corr_stats(actr_corr_t *c, actr_corr_stats_t *out);

#endif /* ACTR_GATE_CORRELATION_H */

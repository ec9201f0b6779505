/*
 * dedup.h - receiver-side deduplication of requests and tells by request_id (spec: runtime.md
 * §7.2, protocol.md §8.3, scenario 21).
 *
 * A sender retrying an RPC_RELIABLE request re-sends the same request_id; this table makes the
 * handler run once per id within the TTL (30 s, measured from the FIRST receipt):
 *
 *   check(id) -> FRESH      first receipt: an in-flight entry now exists; run the handler,
 *                           then complete(id, result) on success AND on error
 *             -> IN_FLIGHT  the original still runs: a request waits for its result (bounded
 *                           by its timeout_ms, else 30 s: actr_dedup_wait_ms()); a tell is
 *                           dropped at once
 *             -> DUPLICATE  the cached result (response bytes, or the error), no re-run
 *
 * Expiry is O(1) amortised: entries sit in a list ordered by receipt time, and every call first
 * pops the expired head entries (the reference scans the whole map per message). Completed
 * entries expire ttl after first receipt; in-flight entries never expire (one completed after
 * its TTL is dropped at completion, after its waiters got the result).
 *
 * Bound: at most max_entries ids are remembered. When full, the entry completed longest ago is
 * forgotten early (a later retry of it would run again: counted as `evicted`); when every entry
 * is in flight, check() refuses with ACTR_EAGAIN and the caller answers Unavailable, which the
 * sender retries. Request ids above ACTR_DEDUP_MAX_ID bytes are refused with ACTR_EINVAL.
 *
 * Thread safety: every function may be called from any thread (one mutex per table). Cached
 * responses are shared actr_buf_t references, never copied.
 */
#ifndef ACTR_LIFECYCLE_DEDUP_H
#define ACTR_LIFECYCLE_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"
#include "actr/error.h"

#define ACTR_DEDUP_TTL_MS 30000
#define ACTR_DEDUP_DEFAULT_MAX_ENTRIES 131072
#define ACTR_DEDUP_MAX_ID 1024
/* How long a duplicate of an in-flight request waits when its timeout_ms is not positive. */
#define ACTR_DEDUP_DEFAULT_WAIT_MS 30000

typedef struct actr_dedup actr_dedup_t;
typedef struct actr_dedup_waiter actr_dedup_waiter_t;

typedef struct actr_dedup_config {
    uint64_t ttl_ms;    /* > 0 */
    size_t max_entries; /* >= 1 */
    /* Millisecond clock for the TTL (NULL: monotonic). Must not go backwards (a step back is
     * treated as no time passing). Blocking waits always use real time. */
    uint64_t (*now_ms)(void *ud);
    void *clock_ud;
} actr_dedup_config_t;

/* ttl 30 s, 131072 entries, monotonic clock. */
void actr_dedup_config_init(actr_dedup_config_t *cfg);

typedef enum actr_dedup_state {
    ACTR_DEDUP_FRESH = 1,
    ACTR_DEDUP_IN_FLIGHT = 2,
    ACTR_DEDUP_DUPLICATE = 3,
} actr_dedup_state_t;

/* The outcome of the original execution. */
typedef struct actr_dedup_result {
    int code;           /* 0 on success, else the ACTR_E* code the original failed with */
    actr_buf_t payload; /* success: the response (a reference the holder owns) */
    actr_error_t error; /* failure: its details */
} actr_dedup_result_t;

/* Drops the payload reference. */
void actr_dedup_result_release(actr_dedup_result_t *r);

typedef struct actr_dedup_check {
    actr_dedup_state_t state;
    actr_dedup_result_t result;  /* DUPLICATE: release it */
    actr_dedup_waiter_t *waiter; /* IN_FLIGHT with want_waiter: release it */
} actr_dedup_check_t;

int actr_dedup_new(const actr_dedup_config_t *cfg, actr_dedup_t **out);

/* Frees the table. Every waiter handle must have been released; no call may be running. */
void actr_dedup_free(actr_dedup_t *d);

/*
 * Looks up a request id. want_waiter: for IN_FLIGHT, also get a waiter handle (requests; tells
 * pass false and are dropped). Returns 0, ACTR_EAGAIN (full of in-flight entries),
 * ACTR_EINVAL (id too long or NULL with a length) or ACTR_ENOMEM.
 */
int actr_dedup_check(actr_dedup_t *d, const char *id, size_t id_len, bool want_waiter,
                     actr_dedup_check_t *out);

/*
 * Records the result of a FRESH id and hands it to its waiters: code 0 with the response
 * (payload may be NULL or empty: a successful tell caches empty bytes; a reference is taken),
 * or a failure code with err (NULL: a generic message). Returns 0, ACTR_ENOTFOUND (no such
 * entry) or ACTR_ESTATE (already completed).
 */
int actr_dedup_complete(actr_dedup_t *d, const char *id, size_t id_len, int code,
                        const actr_buf_t *payload, const actr_error_t *err);

/*
 * Blocks until the original completes or timeout_ms passes (< 0: no limit; 0: just look).
 * Returns 0 with *out filled (release it), or ACTR_ETIMEDOUT. The handle stays valid.
 */
int actr_dedup_wait(actr_dedup_t *d, actr_dedup_waiter_t *w, int64_t timeout_ms,
                    actr_dedup_result_t *out);

/* Called once with the result; the result is borrowed (take a buf ref to keep the payload). */
typedef void (*actr_dedup_done_fn)(void *ud, const actr_dedup_result_t *result);

/*
 * Asks for fn(ud, result) when the original completes: at once, on this thread, if it already
 * has; otherwise on the completing thread, outside the table's lock. To bound the wait, arm a
 * timer and release the handle when it fires. Returns 0 or ACTR_ESTATE (a callback is already
 * registered).
 */
int actr_dedup_waiter_on_done(actr_dedup_t *d, actr_dedup_waiter_t *w, actr_dedup_done_fn fn,
                              void *ud);

/*
 * Gives the handle back. Returns true when a registered callback was cancelled by this (it will
 * never run), false when it has run or is running now (or none was registered).
 */
bool actr_dedup_waiter_release(actr_dedup_t *d, actr_dedup_waiter_t *w);

/* Duplicate-of-in-flight wait for a request's timeout_ms (spec: timeout_ms, else 30 s). */
int64_t actr_dedup_wait_ms(int64_t request_timeout_ms);

/* Drops expired entries now (each call does this too); returns how many were freed. For an
 * idle table, so that memory returns without traffic. */
size_t actr_dedup_expire(actr_dedup_t *d);

typedef struct actr_dedup_stats {
    size_t entries;         /* ids remembered */
    size_t in_flight;       /* of which in flight */
    uint64_t fresh;         /* FRESH answers */
    uint64_t duplicates;    /* DUPLICATE answers */
    uint64_t in_flight_hits;/* IN_FLIGHT answers */
    uint64_t expired;       /* entries freed by TTL */
    uint64_t evicted;       /* completed entries forgotten early because the table was full */
    uint64_t refused;       /* ACTR_EAGAIN answers */
    uint64_t sweep_visits;  /* entries examined by expiry: stays O(1) per call */
} actr_dedup_stats_t;

void actr_dedup_stats(actr_dedup_t *d, actr_dedup_stats_t *out);

#endif /* ACTR_LIFECYCLE_DEDUP_H */

/*
 * retry_policy.h - sender-side retries per lane (spec: runtime.md §1.2, §10.3; protocol.md
 * §8.1, §8.6; scenario 22).
 *
 *   RPC_RELIABLE          5 attempts, backoff 1 s, 2 s, 4 s, 5 s (x2, capped at 5 s)
 *   RPC_SIGNAL            2 attempts, backoff 500 ms
 *   STREAM_*, MEDIA_RTP   1 attempt: never retried
 *
 * Only Transient errors (unavailable, connection not ready, timed out) are retried; the same
 * bytes and request_id go out again, and the receiver's dedup keeps the handler from running
 * twice. The call's total deadline (timeout_ms, default 30 s) bounds the retries: when the next
 * backoff would reach the deadline, the call ends with TimedOut at once instead of sleeping
 * into it (nothing could be attempted after the sleep).
 *
 * actr_retry_decide() is the pure rule, for a loop thread that arms a timer per backoff;
 * actr_retry_run() drives it on a worker thread, with an injectable clock for tests.
 */
#ifndef ACTR_GATE_RETRY_POLICY_H
#define ACTR_GATE_RETRY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "actr/error.h"

/* Defaults of the budgets around a send (spec: runtime.md §10.2). */
#define ACTR_RETRY_CALL_TIMEOUT_MS 30000
#define ACTR_RETRY_TELL_BUDGET_MS 13000
#define ACTR_RETRY_CHUNK_TIMEOUT_MS 15000
/* No deadline. */
#define ACTR_RETRY_NO_DEADLINE UINT64_MAX

typedef struct actr_retry_policy {
    uint32_t max_attempts; /* including the first; 1 = never retried */
    uint64_t initial_ms;   /* backoff after the first failure */
    uint64_t max_ms;       /* ceiling of every backoff */
    uint32_t multiplier;   /* growth per failure (>= 1) */
} actr_retry_policy_t;

/*
 * The policy of a lane, by its actr.PayloadType value (0 RPC_RELIABLE, 1 RPC_SIGNAL,
 * 2 STREAM_RELIABLE, 3 STREAM_LATENCY_FIRST, 4 MEDIA_RTP). Unknown values get the
 * no-retry policy. Never NULL.
 */
const actr_retry_policy_t *actr_retry_policy_for(int payload_type);

/* The backoff after failed attempt n (1-based): initial * multiplier^(n-1), capped at max_ms
 * (no overflow for any n). */
uint64_t actr_retry_backoff_ms(const actr_retry_policy_t *p, uint32_t failed_attempt);

/* Fault domain of a failure: err->kind when set, otherwise from the ACTR_E* code (timeouts,
 * unavailable, closed, full queues and I/O are Transient). */
actr_error_kind_t actr_retry_kind(int code, const actr_error_t *err);

typedef enum actr_retry_verdict {
    ACTR_RETRY_AFTER = 0, /* wait *delay_ms, then attempt again */
    ACTR_RETRY_GIVE_UP,   /* return the error: not Transient, or no attempt left */
    ACTR_RETRY_TIMED_OUT, /* the deadline comes first: fail with TimedOut now */
} actr_retry_verdict_t;

/*
 * Given `attempts` made so far (>= 1, the last one failed with an error of `kind`) and the time
 * left before the call's deadline (ACTR_RETRY_NO_DEADLINE: none), what to do next. *delay_ms
 * (optional) gets the backoff for AFTER, the time left for TIMED_OUT, 0 otherwise.
 */
actr_retry_verdict_t actr_retry_decide(const actr_retry_policy_t *p, uint32_t attempts,
                                       actr_error_kind_t kind, uint64_t time_left_ms,
                                       uint64_t *delay_ms);

/* A clock for actr_retry_run(): milliseconds now, and a sleep. NULL fields: the real ones. */
typedef struct actr_retry_clock {
    uint64_t (*now_ms)(void *ud);
    void (*sleep_ms)(void *ud, uint64_t ms);
    void *ud;
} actr_retry_clock_t;

/* One attempt (1-based number): 0 on success, else an ACTR_E* code with *err filled. */
typedef int (*actr_retry_attempt_fn)(void *ud, uint32_t attempt, actr_error_t *err);

typedef struct actr_retry_report {
    uint32_t attempts;   /* attempts made */
    uint64_t backoff_ms; /* total time slept between them */
} actr_retry_report_t;

/*
 * Runs attempt() until it succeeds, the policy gives up, or the deadline (timeout_ms from now;
 * ACTR_RETRY_NO_DEADLINE: none) leaves no room for another attempt. The first attempt always
 * runs. Returns 0, the last attempt's code (its details in *err), or ACTR_ETIMEDOUT (TimedOut,
 * wire code 10002). clock and report may be NULL.
 */
int actr_retry_run(const actr_retry_policy_t *p, uint64_t timeout_ms,
                   const actr_retry_clock_t *clock, actr_retry_attempt_fn attempt, void *ud,
                   actr_retry_report_t *report, actr_error_t *err);

#endif /* ACTR_GATE_RETRY_POLICY_H */

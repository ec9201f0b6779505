/*
 * retry_policy.c - per-lane retry policies, the retry decision and a blocking driver
 * (contract in retry_policy.h).
 */
#include "gate/retry_policy.h"

#include <errno.h>
#include <time.h>

#include "base/clock.h"

/* Indexed by actr.PayloadType. */
static const actr_retry_policy_t policies[] = {
    [0] = {5, 1000, 5000, 2}, /* RPC_RELIABLE: 1 s, 2 s, 4 s, 5 s */
    [1] = {2, 500, 500, 1},   /* RPC_SIGNAL: 500 ms */
    [2] = {1, 0, 0, 1},       /* STREAM_RELIABLE */
    [3] = {1, 0, 0, 1},       /* STREAM_LATENCY_FIRST */
    [4] = {1, 0, 0, 1},       /* MEDIA_RTP */
};

const actr_retry_policy_t *actr_retry_policy_for(int payload_type)
{
    if (payload_type < 0 || (size_t)payload_type >= sizeof policies / sizeof policies[0])
        return &policies[2]; /* unknown lane: never retried */
    return &policies[payload_type];
}

uint64_t actr_retry_backoff_ms(const actr_retry_policy_t *p, uint32_t failed_attempt)
{
    uint64_t d = p->initial_ms < p->max_ms ? p->initial_ms : p->max_ms;
    /* Stops growing at the cap, so a large attempt number costs nothing and cannot overflow. */
    for (uint32_t i = 1; i < failed_attempt && d < p->max_ms && p->multiplier > 1; i++)
        d = d > p->max_ms / p->multiplier ? p->max_ms : d * p->multiplier;
    return d;
}

actr_error_kind_t actr_retry_kind(int code, const actr_error_t *err)
{
    if (err && err->kind != ACTR_KIND_NONE)
        return err->kind;
    switch (code) {
    case 0:
        return ACTR_KIND_NONE;
    case ACTR_ETIMEDOUT:
    case ACTR_EUNAVAILABLE:
    case ACTR_ECLOSED:
    case ACTR_EAGAIN:
    case ACTR_EIO:
        return ACTR_KIND_TRANSIENT;
    case ACTR_ENOTFOUND:
    case ACTR_EPERM:
    case ACTR_EINVAL:
    case ACTR_ERANGE:
    case ACTR_ETOOBIG:
    case ACTR_EEXPIRED:
        return ACTR_KIND_CLIENT;
    case ACTR_EPARSE:
    case ACTR_EPROTO:
    case ACTR_ESIGNATURE:
        return ACTR_KIND_CORRUPT;
    default:
        return ACTR_KIND_INTERNAL;
    }
}

actr_retry_verdict_t actr_retry_decide(const actr_retry_policy_t *p, uint32_t attempts,
                                       actr_error_kind_t kind, uint64_t time_left_ms,
                                       uint64_t *delay_ms)
{
    if (delay_ms)
        *delay_ms = 0;
    if (kind != ACTR_KIND_TRANSIENT || attempts >= p->max_attempts)
        return ACTR_RETRY_GIVE_UP;
    uint64_t d = actr_retry_backoff_ms(p, attempts);
    if (time_left_ms != ACTR_RETRY_NO_DEADLINE && d >= time_left_ms) {
        if (delay_ms)
            *delay_ms = time_left_ms;
        return ACTR_RETRY_TIMED_OUT;
    }
    if (delay_ms)
        *delay_ms = d;
    return ACTR_RETRY_AFTER;
}

static uint64_t real_now(void *ud)
{
    (void)ud;
    return actr_clock_mono_ms();
}

static void real_sleep(void *ud, uint64_t ms)
{
    (void)ud;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int actr_retry_run(const actr_retry_policy_t *p, uint64_t timeout_ms,
                   const actr_retry_clock_t *clock, actr_retry_attempt_fn attempt, void *ud,
                   actr_retry_report_t *report, actr_error_t *err)
{
    actr_retry_report_t local = {0, 0};
    if (!report)
        report = &local;
    *report = local;
    if (!p || !attempt)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "retry: no policy or attempt");
    uint64_t (*now)(void *) = clock && clock->now_ms ? clock->now_ms : real_now;
    void (*sleep_for)(void *, uint64_t) = clock && clock->sleep_ms ? clock->sleep_ms : real_sleep;
    void *cud = clock ? clock->ud : NULL;
    uint64_t start = now(cud);
    bool bounded = timeout_ms != ACTR_RETRY_NO_DEADLINE;
    uint64_t deadline = bounded && timeout_ms <= UINT64_MAX - start ? start + timeout_ms
                                                                     : ACTR_RETRY_NO_DEADLINE;
    for (;;) {
        actr_error_t attempt_err;
        actr_error_clear(&attempt_err);
        int rc = attempt(ud, ++report->attempts, &attempt_err);
        if (rc == 0) {
            actr_error_clear(err);
            return 0;
        }
        actr_error_kind_t kind = actr_retry_kind(rc, &attempt_err);
        if (attempt_err.code == 0) /* the attempt gave no details */
            actr_error_set(&attempt_err, rc, kind, 0, "%s", actr_strerror(rc));
        uint64_t t = now(cud);
        uint64_t left = deadline == ACTR_RETRY_NO_DEADLINE ? ACTR_RETRY_NO_DEADLINE
                        : t >= deadline                    ? 0
                                                           : deadline - t;
        uint64_t delay;
        switch (actr_retry_decide(p, report->attempts, kind, left, &delay)) {
        case ACTR_RETRY_AFTER:
            sleep_for(cud, delay);
            report->backoff_ms += delay;
            break;
        case ACTR_RETRY_TIMED_OUT:
            return actr_error_set(err, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT,
                                  "timed out");
        default:
            if (err)
                *err = attempt_err;
            return rc;
        }
    }
}

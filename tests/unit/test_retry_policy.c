/* Sender retry policies (runtime.md §1.2, §10.3, scenario 22) with an injected clock: attempt
 * counts and scheduled backoff per lane, only Transient errors retried, deadline truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "actr/error.h"
#include "actr/options.pb-c.h"
#include "base/clock.h"
#include "gate/retry_policy.h"

/* ---- a fake clock: sleeping advances it ---- */

typedef struct fake {
    uint64_t now;
    uint64_t slept;
    int sleeps;
} fake_t;

static uint64_t fake_now(void *ud)
{
    return ((fake_t *)ud)->now;
}

static void fake_sleep(void *ud, uint64_t ms)
{
    fake_t *f = ud;
    f->now += ms;
    f->slept += ms;
    f->sleeps++;
}

/* ---- a scripted remote: attempt i returns codes[i] (the last one repeats) ---- */

typedef struct script {
    fake_t *clock;
    const int *codes;
    const actr_error_kind_t *kinds; /* NULL: let the code decide */
    int n;
    uint64_t attempt_ms; /* time each attempt takes */
    uint32_t calls;
} script_t;

static int scripted(void *ud, uint32_t attempt, actr_error_t *err)
{
    script_t *s = ud;
    s->calls++;
    assert_int_equal(attempt, s->calls);
    s->clock->now += s->attempt_ms;
    int i = (int)attempt - 1 < s->n ? (int)attempt - 1 : s->n - 1;
    int code = s->codes[i];
    if (code != 0 && s->kinds)
        actr_error_set(err, code, s->kinds[i], 0, "attempt %u failed", (unsigned)attempt);
    return code;
}

static int run(int lane, uint64_t timeout_ms, script_t *s, actr_retry_report_t *rep,
               actr_error_t *err)
{
    actr_retry_clock_t clock = {fake_now, fake_sleep, s->clock};
    return actr_retry_run(actr_retry_policy_for(lane), timeout_ms, &clock, scripted, s, rep, err);
}

static void test_policy_table(void **state)
{
    (void)state;
    const actr_retry_policy_t *rel = actr_retry_policy_for(ACTR__PAYLOAD_TYPE__RPC_RELIABLE);
    const actr_retry_policy_t *sig = actr_retry_policy_for(ACTR__PAYLOAD_TYPE__RPC_SIGNAL);
    assert_int_equal(rel->max_attempts, 5);
    assert_int_equal(sig->max_attempts, 2);
    static const uint64_t rel_delays[] = {1000, 2000, 4000, 5000, 5000};
    for (uint32_t n = 1; n <= 5; n++)
        assert_int_equal(actr_retry_backoff_ms(rel, n), rel_delays[n - 1]);
    assert_int_equal(actr_retry_backoff_ms(rel, UINT32_MAX), 5000); /* capped, no overflow */
    assert_int_equal(actr_retry_backoff_ms(sig, 1), 500);
    static const int never[] = {ACTR__PAYLOAD_TYPE__STREAM_RELIABLE,
                                ACTR__PAYLOAD_TYPE__STREAM_LATENCY_FIRST,
                                ACTR__PAYLOAD_TYPE__MEDIA_RTP, -1, 5, 1000};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        assert_int_equal(actr_retry_policy_for(never[i])->max_attempts, 1);
    /* A huge multiplier or cap still saturates instead of wrapping. */
    actr_retry_policy_t wild = {100, 3, UINT64_MAX, 1u << 31};
    assert_int_equal(actr_retry_backoff_ms(&wild, 1), 3);
    assert_int_equal(actr_retry_backoff_ms(&wild, 2), (uint64_t)3 << 31);
    assert_int_equal(actr_retry_backoff_ms(&wild, 99), UINT64_MAX);
}

static void test_error_kinds(void **state)
{
    (void)state;
    static const int transient[] = {ACTR_ETIMEDOUT, ACTR_EUNAVAILABLE, ACTR_ECLOSED, ACTR_EAGAIN,
                                    ACTR_EIO};
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
        assert_int_equal(actr_retry_kind(transient[i], NULL), ACTR_KIND_TRANSIENT);
    assert_int_equal(actr_retry_kind(ACTR_ENOTFOUND, NULL), ACTR_KIND_CLIENT);
    assert_int_equal(actr_retry_kind(ACTR_EPERM, NULL), ACTR_KIND_CLIENT);
    assert_int_equal(actr_retry_kind(ACTR_EPARSE, NULL), ACTR_KIND_CORRUPT);
    assert_int_equal(actr_retry_kind(ACTR_EINTERNAL, NULL), ACTR_KIND_INTERNAL);
    assert_int_equal(actr_retry_kind(0, NULL), ACTR_KIND_NONE);
    /* The error's own kind wins (a wire error decoded from a response). */
    actr_error_t err;
    actr_error_set(&err, ACTR_EUNAVAILABLE, ACTR_KIND_CLIENT, ACTR_WIRE_UNKNOWN_ROUTE, "x");
    assert_int_equal(actr_retry_kind(ACTR_EUNAVAILABLE, &err), ACTR_KIND_CLIENT);
}

static void test_decide(void **state)
{
    (void)state;
    const actr_retry_policy_t *rel = actr_retry_policy_for(0);
    uint64_t d = 77;
    assert_int_equal(actr_retry_decide(rel, 1, ACTR_KIND_TRANSIENT, ACTR_RETRY_NO_DEADLINE, &d),
                     ACTR_RETRY_AFTER);
    assert_int_equal(d, 1000);
    assert_int_equal(actr_retry_decide(rel, 4, ACTR_KIND_TRANSIENT, 30000, &d), ACTR_RETRY_AFTER);
    assert_int_equal(d, 5000);
    assert_int_equal(actr_retry_decide(rel, 5, ACTR_KIND_TRANSIENT, 30000, &d),
                     ACTR_RETRY_GIVE_UP);
    assert_int_equal(d, 0);
    static const actr_error_kind_t final[] = {ACTR_KIND_CLIENT, ACTR_KIND_CORRUPT,
                                              ACTR_KIND_INTERNAL, ACTR_KIND_NONE};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(actr_retry_decide(rel, 1, final[i], 30000, &d), ACTR_RETRY_GIVE_UP);
    /* The deadline truncates: a 2 s backoff with 1.5 s left ends the call now. */
    assert_int_equal(actr_retry_decide(rel, 2, ACTR_KIND_TRANSIENT, 1500, &d),
                     ACTR_RETRY_TIMED_OUT);
    assert_int_equal(d, 1500);
    assert_int_equal(actr_retry_decide(rel, 2, ACTR_KIND_TRANSIENT, 2000, NULL),
                     ACTR_RETRY_TIMED_OUT); /* waking exactly at the deadline is too late */
    assert_int_equal(actr_retry_decide(rel, 2, ACTR_KIND_TRANSIENT, 2001, &d), ACTR_RETRY_AFTER);
    assert_int_equal(actr_retry_decide(rel, 1, ACTR_KIND_TRANSIENT, 0, &d),
                     ACTR_RETRY_TIMED_OUT);
}

/* Scenario 22: RpcSignal makes 2 attempts with one 500 ms backoff. */
static void test_signal_two_attempts(void **state)
{
    (void)state;
    fake_t clock = {0};
    static const int codes[] = {ACTR_EUNAVAILABLE};
    script_t s = {.clock = &clock, .codes = codes, .n = 1};
    actr_retry_report_t rep;
    actr_error_t err;
    assert_int_equal(run(ACTR__PAYLOAD_TYPE__RPC_SIGNAL, ACTR_RETRY_CALL_TIMEOUT_MS, &s, &rep,
                         &err),
                     ACTR_EUNAVAILABLE);
    assert_int_equal(rep.attempts, 2);
    assert_int_equal(s.calls, 2);
    assert_true(rep.backoff_ms >= 490);
    assert_int_equal(rep.backoff_ms, 500);
    assert_int_equal(clock.slept, 500);
    assert_int_equal(err.code, ACTR_EUNAVAILABLE); /* details filled from the code */
    assert_int_equal(err.kind, ACTR_KIND_TRANSIENT);

    static const int then_ok[] = {ACTR_ETIMEDOUT, 0};
    fake_t clock2 = {0};
    script_t s2 = {.clock = &clock2, .codes = then_ok, .n = 2};
    assert_int_equal(run(ACTR__PAYLOAD_TYPE__RPC_SIGNAL, ACTR_RETRY_CALL_TIMEOUT_MS, &s2, &rep,
                         &err),
                     0);
    assert_int_equal(rep.attempts, 2);
    assert_int_equal(rep.backoff_ms, 500);
    assert_int_equal(err.code, 0);
}

/* Scenario 22: RpcReliable fail, fail, ok = 3 attempts after 1 s + 2 s of backoff. */
static void test_reliable_fail_fail_ok(void **state)
{
    (void)state;
    fake_t clock = {0};
    static const int codes[] = {ACTR_EUNAVAILABLE, ACTR_EUNAVAILABLE, 0};
    static const actr_error_kind_t kinds[] = {ACTR_KIND_TRANSIENT, ACTR_KIND_TRANSIENT,
                                              ACTR_KIND_NONE};
    script_t s = {.clock = &clock, .codes = codes, .kinds = kinds, .n = 3, .attempt_ms = 3};
    actr_retry_report_t rep;
    assert_int_equal(run(ACTR__PAYLOAD_TYPE__RPC_RELIABLE, ACTR_RETRY_CALL_TIMEOUT_MS, &s, &rep,
                         NULL),
                     0);
    assert_int_equal(rep.attempts, 3);
    assert_true(rep.backoff_ms >= 2990);
    assert_int_equal(rep.backoff_ms, 3000);
    assert_int_equal(clock.sleeps, 2);
    assert_int_equal(clock.now, 3009);

    /* Always failing: 5 attempts, 1 + 2 + 4 + 5 s. */
    static const int always[] = {ACTR_ECLOSED};
    fake_t clock2 = {0};
    script_t s2 = {.clock = &clock2, .codes = always, .n = 1};
    actr_error_t err;
    assert_int_equal(run(ACTR__PAYLOAD_TYPE__RPC_RELIABLE, ACTR_RETRY_NO_DEADLINE, &s2, &rep,
                         &err),
                     ACTR_ECLOSED);
    assert_int_equal(rep.attempts, 5);
    assert_int_equal(rep.backoff_ms, 12000);
}

/* Scenario 22: client-class (and corrupt, internal) errors return after one attempt. */
static void test_non_transient_not_retried(void **state)
{
    (void)state;
    static const struct {
        int code;
        actr_error_kind_t kind;
    } cases[] = {
        {ACTR_ENOTFOUND, ACTR_KIND_CLIENT},   {ACTR_EPERM, ACTR_KIND_CLIENT},
        {ACTR_EINVAL, ACTR_KIND_CLIENT},      {ACTR_EPARSE, ACTR_KIND_CORRUPT},
        {ACTR_EINTERNAL, ACTR_KIND_INTERNAL}, {ACTR_EUNSUPPORTED, ACTR_KIND_INTERNAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_t clock = {0};
        script_t s = {.clock = &clock, .codes = &cases[i].code, .kinds = &cases[i].kind, .n = 1};
        actr_retry_report_t rep;
        actr_error_t err;
        assert_int_equal(run(ACTR__PAYLOAD_TYPE__RPC_RELIABLE, ACTR_RETRY_CALL_TIMEOUT_MS, &s,
                             &rep, &err),
                         cases[i].code);
        assert_int_equal(rep.attempts, 1);
        assert_int_equal(rep.backoff_ms, 0);
        assert_true(clock.now < 100);
        assert_int_equal(err.kind, cases[i].kind);
        assert_string_equal(err.message, "attempt 1 failed"); /* the attempt's own details */
    }
}

/* Scenario 22: streams and media are never retried, even on transient errors. */
static void test_streams_never_retried(void **state)
{
    (void)state;
    static const int lanes[] = {ACTR__PAYLOAD_TYPE__STREAM_RELIABLE,
                                ACTR__PAYLOAD_TYPE__STREAM_LATENCY_FIRST,
                                ACTR__PAYLOAD_TYPE__MEDIA_RTP};
    static const int codes[] = {ACTR_EUNAVAILABLE};
    for (size_t i = 0; i < 3; i++) {
        fake_t clock = {0};
        script_t s = {.clock = &clock, .codes = codes, .n = 1};
        actr_retry_report_t rep;
        assert_int_equal(run(lanes[i], ACTR_RETRY_CHUNK_TIMEOUT_MS, &s, &rep, NULL),
                         ACTR_EUNAVAILABLE);
        assert_int_equal(rep.attempts, 1);
        assert_int_equal(clock.sleeps, 0);
    }
}

/* Scenario 22: the call's timeout truncates the backoff. */
static void test_deadline_truncates_backoff(void **state)
{
    (void)state;
    static const int codes[] = {ACTR_EUNAVAILABLE};
    /* 2.5 s budget: fail at 0, sleep 1 s, fail at 1 s, next backoff 2 s > 1.5 s left. */
    fake_t clock = {.now = 5000};
    script_t s = {.clock = &clock, .codes = codes, .n = 1};
    actr_retry_report_t rep;
    actr_error_t err;
    assert_int_equal(run(ACTR__PAYLOAD_TYPE__RPC_RELIABLE, 2500, &s, &rep, &err), ACTR_ETIMEDOUT);
    assert_int_equal(rep.attempts, 2);
    assert_int_equal(rep.backoff_ms, 1000);
    assert_int_equal(clock.now, 6000); /* returned at once, not at the deadline */
    assert_int_equal(err.wire_code, ACTR_WIRE_TIMED_OUT);
    assert_int_equal(err.kind, ACTR_KIND_TRANSIENT);
    /* Slow attempts eat the budget too: 30 s default, each attempt takes 9 s. */
    fake_t clock2 = {0};
    script_t s2 = {.clock = &clock2, .codes = codes, .n = 1, .attempt_ms = 9000};
    assert_int_equal(run(ACTR__PAYLOAD_TYPE__RPC_RELIABLE, ACTR_RETRY_CALL_TIMEOUT_MS, &s2, &rep,
                         &err),
                     ACTR_ETIMEDOUT);
    /* 9 (+1) 19 (+2) 30: the third attempt ends at the deadline; no fourth. */
    assert_int_equal(rep.attempts, 3);
    assert_int_equal(rep.backoff_ms, 3000);
    assert_int_equal(clock2.now, 30000);
    /* A zero budget still makes the first attempt. */
    fake_t clock3 = {0};
    script_t s3 = {.clock = &clock3, .codes = codes, .n = 1};
    assert_int_equal(run(ACTR__PAYLOAD_TYPE__RPC_SIGNAL, 0, &s3, &rep, NULL), ACTR_ETIMEDOUT);
    assert_int_equal(rep.attempts, 1);
}

/* The real clock: a first-attempt success never sleeps. */
static int succeed(void *ud, uint32_t attempt, actr_error_t *err)
{
    (void)ud;
    (void)err;
    return attempt == 1 ? 0 : ACTR_EINTERNAL;
}

static int fail_once_signal(void *ud, uint32_t attempt, actr_error_t *err)
{
    (void)ud;
    (void)err;
    return attempt == 1 ? ACTR_EUNAVAILABLE : 0;
}

static void test_real_clock(void **state)
{
    (void)state;
    actr_retry_report_t rep;
    assert_int_equal(actr_retry_run(actr_retry_policy_for(0), 1000, NULL, succeed, NULL, &rep,
                                    NULL),
                     0);
    assert_int_equal(rep.attempts, 1);
    /* One real 500 ms RPC_SIGNAL backoff: the report counts it (no wall-clock assertion). */
    assert_int_equal(actr_retry_run(actr_retry_policy_for(1), 10000, NULL, fail_once_signal,
                                    NULL, &rep, NULL),
                     0);
    assert_int_equal(rep.attempts, 2);
    assert_int_equal(rep.backoff_ms, 500);
    actr_error_t err;
    assert_int_equal(actr_retry_run(NULL, 1, NULL, succeed, NULL, NULL, &err), ACTR_EINVAL);
    assert_int_equal(actr_retry_run(actr_retry_policy_for(0), 1, NULL, NULL, NULL, NULL, NULL),
                     ACTR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_table),
        cmocka_unit_test(test_error_kinds),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_signal_two_attempts),
        cmocka_unit_test(test_reliable_fail_fail_ok),
        cmocka_unit_test(test_non_transient_not_retried),
        cmocka_unit_test(test_streams_never_retried),
        cmocka_unit_test(test_deadline_truncates_backoff),
        cmocka_unit_test(test_real_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * backoff.h - exponential backoff with jitter for reconnects and retries.
 *
 * Delay n (0-based) is min(initial * multiplier^n, max) * (1 + jitter * (2r - 1)) with r
 * uniform in [0, 1), then capped at max again: max is a hard ceiling. Jitter spreads the
 * retries of many clients that failed together. After max_attempts delays the backoff is
 * exhausted until reset (call reset once a connection or request succeeds).
 *
 *   actr_backoff_t b;
 *   actr_backoff_init(&b, NULL);                 // 1 s -> 60 s, x2, +-30 %, unlimited
 *   uint64_t ms;
 *   while (connect() != 0 && actr_backoff_next(&b, &ms) == 0)
 *       sleep_ms(ms);
 *
 * An actr_backoff_t is plain data owned by one user; it needs no cleanup and is not
 * thread-safe.
 */
#ifndef ACTR_BASE_BACKOFF_H
#define ACTR_BASE_BACKOFF_H

#include <stdint.h>

/* A random source: returns a value uniform in [0, 1). Values outside are clamped. */
typedef double (*actr_backoff_random_fn)(void *ctx);

typedef struct actr_backoff_config {
    uint64_t initial_ms;   /* first delay, > 0 */
    uint64_t max_ms;       /* ceiling of every delay, >= initial_ms */
    double multiplier;     /* growth per attempt, 1.0 .. 1000.0 (1.0: constant delay) */
    double jitter;         /* fraction in [0, 1]: 0.3 means +-30 % */
    uint32_t max_attempts; /* delays handed out before exhaustion; 0 = unlimited */
} actr_backoff_config_t;

#define ACTR_BACKOFF_DEFAULTS {1000, 60000, 2.0, 0.3, 0}

typedef struct actr_backoff {
    actr_backoff_config_t cfg;
    uint32_t attempts; /* delays handed out since init or reset */
    double base_ms;    /* delay of the next attempt before jitter */
    actr_backoff_random_fn random; /* NULL: the default generator */
    void *random_ctx;
    uint64_t rng; /* state of the default generator */
} actr_backoff_t;

/*
 * Initialises b from cfg (NULL: ACTR_BACKOFF_DEFAULTS) with a randomly seeded default
 * generator. Returns 0, or ACTR_EINVAL for a NULL b or an out-of-range field.
 */
int actr_backoff_init(actr_backoff_t *b, const actr_backoff_config_t *cfg);

/* Replaces the random source (for deterministic tests); NULL restores the default. */
void actr_backoff_set_random(actr_backoff_t *b, actr_backoff_random_fn fn, void *ctx);

/* The next delay in *delay_ms and one more attempt, or ACTR_EEXPIRED when exhausted. */
int actr_backoff_next(actr_backoff_t *b, uint64_t *delay_ms);

/* Back to the first delay with no attempts used. */
void actr_backoff_reset(actr_backoff_t *b);

uint32_t actr_backoff_attempts(const actr_backoff_t *b);

/* 1 when max_attempts delays have been handed out since the last reset. */
int actr_backoff_exhausted(const actr_backoff_t *b);

#endif /* ACTR_BASE_BACKOFF_H */

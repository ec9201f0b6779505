/*
 * serial.h - 54-bit Snowflake serial numbers for ActrIds (protocol.md 2.1).
 *
 * Layout, from the top: 41 bits of milliseconds since 2023-01-01T00:00:00Z, 5 bits of worker id
 * (a hash of hostname and PID), 8 bits of sequence. Serials from one generator are strictly
 * increasing, so they are unique.
 *
 * Clock policy: the generator never goes back in time. When the wall clock steps backwards it
 * keeps counting from the last millisecond it used; when a millisecond's 256 sequence numbers
 * run out it borrows the next millisecond instead of waiting. Allocation therefore never blocks
 * or fails (until the year 2092), and the timestamp bits may run ahead of the wall clock until
 * it catches up. The state side persists the last serial it issued and restarts after it, so a
 * restart with a clock that went backwards cannot repeat a serial either.
 */
#ifndef ACTRD_STATE_SERIAL_H
#define ACTRD_STATE_SERIAL_H

#include <stdint.h>

#define ACTRD_SERIAL_EPOCH_MS 1672531200000LL /* 2023-01-01T00:00:00Z */
#define ACTRD_SERIAL_TIME_BITS 41
#define ACTRD_SERIAL_WORKER_BITS 5
#define ACTRD_SERIAL_SEQ_BITS 8

typedef struct actrd_serial {
    uint64_t last_ms; /* milliseconds since the epoch of the last serial */
    uint32_t seq;     /* its sequence number */
    uint32_t worker;  /* 0..31 */
} actrd_serial_t;

/* A worker id from a hash of the host name and the process id. */
uint32_t actrd_serial_worker_id(void);

/* Starts a generator that only issues serials greater than floor (0: none issued yet). */
void actrd_serial_init(actrd_serial_t *gen, uint32_t worker, uint64_t floor);

/* The next serial at wall time now_ms (Unix ms): 0 or ACTR_ERANGE past the 41-bit range. */
int actrd_serial_next(actrd_serial_t *gen, int64_t now_ms, uint64_t *out);

#endif /* ACTRD_STATE_SERIAL_H */

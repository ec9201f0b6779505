/* serial.c - Snowflake serial numbers (see serial.h for the layout and the clock policy). */
#include "state/serial.h"

#include <string.h>
#include <unistd.h>

#include "actr/error.h"

#define SEQ_MAX ((1u << ACTRD_SERIAL_SEQ_BITS) - 1)
#define WORKER_MAX ((1u << ACTRD_SERIAL_WORKER_BITS) - 1)
#define TIME_MAX ((UINT64_C(1) << ACTRD_SERIAL_TIME_BITS) - 1)

uint32_t actrd_serial_worker_id(void)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    /* FNV-1a over the host name and the pid, folded into 5 bits. */
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; host[i]; i++)
        h = (h ^ (uint8_t)host[i]) * 1099511628211ULL;
    uint32_t pid = (uint32_t)getpid();
    for (int i = 0; i < 4; i++)
        h = (h ^ ((pid >> (8 * i)) & 0xff)) * 1099511628211ULL;
    return (uint32_t)((h ^ (h >> 32)) & WORKER_MAX);
}

void actrd_serial_init(actrd_serial_t *gen, uint32_t worker, uint64_t floor)
{
    memset(gen, 0, sizeof *gen);
    gen->worker = worker & WORKER_MAX;
    /* Resume in the floor's millisecond with its sequence used up, so every later serial has a
     * larger timestamp than anything issued before, whatever worker issued it. */
    gen->last_ms = floor >> (ACTRD_SERIAL_WORKER_BITS + ACTRD_SERIAL_SEQ_BITS);
    gen->seq = floor ? SEQ_MAX : 0;
}

int actrd_serial_next(actrd_serial_t *gen, int64_t now_ms, uint64_t *out)
{
    uint64_t now = now_ms > ACTRD_SERIAL_EPOCH_MS ? (uint64_t)(now_ms - ACTRD_SERIAL_EPOCH_MS) : 0;
    uint64_t ms = gen->last_ms;
    uint32_t seq;
    if (now > ms) {
        ms = now;
        seq = 0;
    } else if (gen->seq < SEQ_MAX) {
        seq = gen->seq + 1; /* same millisecond, or the clock went back: keep counting */
    } else {
        ms++; /* sequence exhausted: borrow the next millisecond rather than wait */
        seq = 0;
    }
    if (ms > TIME_MAX)
        return ACTR_ERANGE;
    gen->last_ms = ms;
    gen->seq = seq;
    *out = (ms << (ACTRD_SERIAL_WORKER_BITS + ACTRD_SERIAL_SEQ_BITS)) |
           ((uint64_t)gen->worker << ACTRD_SERIAL_SEQ_BITS) | seq;
    return 0;
}

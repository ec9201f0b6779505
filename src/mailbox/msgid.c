/* msgid.c - message ids from a per-thread pool of kernel randomness (see msgid.h). */
#include "mailbox/msgid.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "actr/error.h"
#include "base/random.h"

#define MSGID_POOL_IDS 64

static atomic_uint fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void after_fork_in_child(void)
{
    atomic_fetch_add(&fork_generation, 1);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, after_fork_in_child);
}

static _Thread_local struct {
    uint8_t bytes[MSGID_POOL_IDS * 16];
    size_t used;         /* bytes handed out; sizeof bytes = empty */
    unsigned generation; /* fork generation the pool was filled in */
    int filled;
} pool;

int actr_msgid_new(actr_uuid_t *out)
{
    pthread_once(&atfork_once, register_atfork);
    unsigned gen = atomic_load(&fork_generation);
    if (!pool.filled || pool.generation != gen || pool.used == sizeof pool.bytes) {
        int rc = actr_os_random(pool.bytes, sizeof pool.bytes);
        if (rc != 0)
            return rc;
        pool.used = 0;
        pool.generation = gen;
        pool.filled = 1;
    }
    memcpy(out->bytes, pool.bytes + pool.used, 16);
    memset(pool.bytes + pool.used, 0, 16); /* an id handed out is not kept */
    pool.used += 16;
    out->bytes[6] = (uint8_t)((out->bytes[6] & 0x0f) | 0x40); /* version 4 */
    out->bytes[8] = (uint8_t)((out->bytes[8] & 0x3f) | 0x80); /* variant 10xx */
    return 0;
}

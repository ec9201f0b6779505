/*
 * reqpool.h - recycled memory for tell requests, the hottest allocation of the runtime.
 *
 * A tell is allocated by its sender's thread and freed by the callee's worker. glibc's malloc
 * handles that cross-thread pattern badly (arena lock contention, heap trimming with madvise):
 * measured in bench_inproc, it cost more than everything else in a tell. Instead every thread
 * keeps a small free list; a thread that frees more than it allocates moves a batch of blocks
 * to one process-wide lock-free stack (one CAS per batch), and a thread that runs dry takes the
 * whole stack (one exchange, so no ABA). Blocks are fixed-size and never returned to malloc
 * while cached (the shared stack is capped; beyond it they are freed).
 *
 * Sanitizer builds bypass the pool (plain malloc/free) so use-after-free stays detectable.
 */
#ifndef ACTR_LIFECYCLE_REQPOOL_H
#define ACTR_LIFECYCLE_REQPOOL_H

#include <stddef.h>

/* A block of at least `size` bytes; size must be the same on every call (one pool per size). */
void *actr_reqpool_alloc(size_t size);
void actr_reqpool_free(void *block);

#endif /* ACTR_LIFECYCLE_REQPOOL_H */

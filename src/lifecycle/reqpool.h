/*
 * reqpool.h - recycled memory for tell requests, the hottest allocation of the runtime.
 *
 * A tell is allocated by its sender's thread and freed by the callee's worker. glibc's malloc
 * handles that cross-thread pattern badly (arena lock contention, heap trimming with madvise):
 * measured in bench_inproc, it cost more than everything else in a tell. Instead every thread
 * keeps magazines (arrays of 128 free blocks): frees fill one, allocations empty another. A
 * thread keeps up to 8 full magazines for itself (so a sender and receiver on one worker reuse
 * blocks still in its cache), then moves full ones to a process-wide lock-free stack (one CAS
 * per magazine); a thread that runs dry takes the whole stack (one exchange, so no ABA). Because
 * a magazine lists its blocks, an allocation reads no block, and the blocks handed out next
 * (last written by another core) are prefetched. Blocks are fixed-size and never returned to
 * malloc while cached (the shared stack is capped; beyond it they are freed).
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

/*
 * buf_batch.h - taking and dropping several references on a buffer with one atomic each, for
 * the runtime's hot paths (an actor streaming tells of one payload takes a block of references
 * at once; the callee drops what a turn consumed at once). Not public: users hold one
 * reference per actr_buf_t view, as actr/buf.h says.
 */
#ifndef ACTR_BASE_BUF_BATCH_H
#define ACTR_BASE_BUF_BATCH_H

#include <stdint.h>

#include "actr/buf.h"

/* Adds n references to the block behind buf (the caller already holds one). No-op for empty
 * and static buffers or n == 0. */
void actr_buf_ref_n(const actr_buf_t *buf, uint32_t n);

/* Drops n references to the block behind buf (n of them held by the caller) and resets *buf to
 * empty; the last one frees the block. Safe on NULL and empty views; n == 0 only resets. */
void actr_buf_release_n(actr_buf_t *buf, uint32_t n);

#endif /* ACTR_BASE_BUF_BATCH_H */

/*
 * request_id.h - request ids that cost nothing until someone reads them.
 *
 * Every request gets a 64-bit number from a per-thread block of a process-wide counter (no
 * shared cache line per message). Its UUID v4 text is computed only when asked for
 * (actr_ctx_request_id(), an envelope leaving the process): both UUID halves are SplitMix64
 * finalizers of the number under the hyper's random 128-bit key, with the version and variant
 * bits set. The finalizer is a bijection, so distinct numbers give distinct halves: two ids can
 * only coincide if both halves collide once the 6 fixed bits are set (odds ~2^-120). Without the
 * key they look random. Measured in bench_inproc: formatting a UUID per tell would cost more than the
 * whole in-process send.
 */
#ifndef ACTR_LIFECYCLE_REQUEST_ID_H
#define ACTR_LIFECYCLE_REQUEST_ID_H

#include <stdint.h>

#include "base/uuid.h"

/* A fresh number (never 0). Any thread. */
uint64_t actr_request_id_next(void);

/* The UUID v4 text of number n under key: ACTR_UUID_STR_LEN characters and a NUL. */
void actr_request_id_format(uint64_t n, const uint64_t key[2], char out[ACTR_UUID_STR_LEN + 1]);

#endif /* ACTR_LIFECYCLE_REQUEST_ID_H */

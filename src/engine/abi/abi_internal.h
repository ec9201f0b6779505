/* abi_internal.h - what the ABI layer's own files share (token lookup, error flattening). */
#ifndef ACTR_ENGINE_ABI_INTERNAL_H
#define ACTR_ENGINE_ABI_INTERNAL_H

#include "engine/abi/abi.h"

/*
 * The ctx bound to token, usable only on the entry's own thread while the entry runs. Returns
 * 0 with *ctx set, or ACTR_ENOTFOUND (unknown token) / ACTR_ESTATE (entry returned, or another
 * thread) with *why naming the reason (a static string).
 */
int actr_abi_token_ctx(uint64_t token, actr_ctx_t **ctx, const char **why);

#endif /* ACTR_ENGINE_ABI_INTERNAL_H */

/* abi_internal.h - what the ABI layer's own files share (token lookup, error flattening). */
#ifndef ACTR_ENGINE_ABI_INTERNAL_H
#define ACTR_ENGINE_ABI_INTERNAL_H

#include <stdbool.h>

#include "engine/abi/abi.h"

/*
 * The ctx bound to token, usable only on the entry's own thread while the entry runs. Returns
 * 0 with *ctx set, or ACTR_ENOTFOUND (unknown token) / ACTR_ESTATE (entry returned, or another
 * thread) with *why naming the reason (a static string).
 */
int actr_abi_token_ctx(uint64_t token, actr_ctx_t **ctx, const char **why);

/* ---- streams (streams.c, workload.c) ---- */

#include <protobuf-c/protobuf-c.h>

/* AbiFrame{GUEST_DATA_CHUNK, GuestDataChunkV1{chunk, sender, token}}. 0, ACTR_EINVAL,
 * ACTR_ENOMEM. */
int actr_abi_frame_guest_data_chunk(const actr_data_chunk_t *c, const actr_id_t *sender,
                                    uint64_t token, uint8_t **out, size_t *out_len);

/* The ABI workload whose entry runs on this thread (NULL: none); *in_chunk tells whether that
 * entry is a GUEST_DATA_CHUNK. */
void *actr_abi_workload_current(bool *in_chunk);

/* The node-registry callback of guest streams: ud is the ABI workload; sends GUEST_DATA_CHUNK. */
int actr_abi_stream_cb(actr_ctx_t *ctx, void *ud, const actr_data_chunk_t *chunk,
                       const actr_id_t *sender);

/* Host ops 5-7 on a decoded op message: 0 or an ACTR_E* code with e set. */
int actr_abi_op_register_stream(actr_ctx_t *ctx, const ProtobufCMessage *m, actr_error_t *e);
int actr_abi_op_unregister_stream(actr_ctx_t *ctx, const ProtobufCMessage *m, actr_error_t *e);
int actr_abi_op_send_data_chunk(actr_ctx_t *ctx, const actr_id_t *target,
                                const ProtobufCMessage *m, actr_error_t *e);

#endif /* ACTR_ENGINE_ABI_INTERNAL_H */

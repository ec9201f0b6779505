/*
 * pb.h - decode and encode the protobuf-c messages generated from the proto/ directory.
 *
 * One generic pair for every message, keyed by its ProtobufCMessageDescriptor:
 *
 *     ProtobufCMessage *m;
 *     int rc = actr_pb_decode(&actr__rpc_envelope__descriptor, data, len, &m, err);
 *     if (rc == 0) { Actr__RpcEnvelope *env = (Actr__RpcEnvelope *)m; ...; actr_pb_free(m); }
 *
 * Decoding behaves like the reference (prost): missing required fields get their defaults instead
 * of failing, unknown fields are skipped, repeated scalars are accepted packed and unpacked. Input
 * larger than ACTR_PB_MAX_SIZE is refused before parsing.
 */
#ifndef ACTR_CODEC_PB_H
#define ACTR_CODEC_PB_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "actr/error.h"

/* Largest encoded message we decode or produce. */
#define ACTR_PB_MAX_SIZE ((size_t)64 * 1024 * 1024)

/*
 * Decodes len bytes as a message of type desc into *out (free it with actr_pb_free()).
 * Errors: ACTR_ETOOBIG (over ACTR_PB_MAX_SIZE), ACTR_EPARSE (malformed), ACTR_ENOMEM,
 * ACTR_EINVAL (NULL desc or out); err then has kind Corrupt and wire code DecodeFailure (10008)
 * for bad input. *out is NULL on failure.
 */
int actr_pb_decode(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                   ProtobufCMessage **out, actr_error_t *err);

/*
 * Encodes msg into a new malloc'd buffer *out of *out_len bytes (free() it; never NULL on success,
 * even for an empty message). Required fields are always written.
 * Errors: ACTR_EINVAL, ACTR_ETOOBIG (over ACTR_PB_MAX_SIZE), ACTR_ENOMEM.
 */
int actr_pb_encode(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len, actr_error_t *err);

/* Frees a message returned by actr_pb_decode(); NULL is allowed. */
void actr_pb_free(void *msg);

#endif /* ACTR_CODEC_PB_H */

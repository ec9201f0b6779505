/*
 * actr_guest_pb.h - the guest SDK's tiny protobuf codec for the few ABI messages a guest needs
 * (proto/abi.proto and the ActrId/RpcEnvelope parts it embeds). Guests cannot link protobuf-c
 * (there is no wasm32 build of it), so this is hand-written; tests/engine/test_sdk_pb.c checks
 * its bytes against protobuf-c's encoding of the same messages.
 *
 * Encoding follows protoc-c's output byte for byte: fields in field-number order; proto3 fields
 * (the ABI messages) omit zero/empty values, oneof members and sub-messages are written when
 * present; proto2 required fields (ActrId, Realm, ActrType) are always written.
 * Decoding is bounds-checked, skips unknown fields and refuses group wire types; strings are
 * copied into fixed buffers (too long = error).
 */
#ifndef ACTR_GUEST_PB_H
#define ACTR_GUEST_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr_guest.h"

/* A growing output buffer; oom latches the first allocation failure. */
typedef struct agpb_writer {
    uint8_t *buf;
    size_t len, cap;
    bool oom;
} agpb_writer_t;

void agpb_writer_free(agpb_writer_t *w);

/* ---- encoders: each appends one whole message to w; false on allocation failure ------------ */

bool agpb_encode_frame(agpb_writer_t *w, uint32_t op, const void *payload, size_t len);
bool agpb_encode_reply(agpb_writer_t *w, int32_t status, const void *payload, size_t len);
bool agpb_encode_actr_id(agpb_writer_t *w, const actr_guest_id_t *id);
/* HostCallV1 / HostTellV1 (same layout): dest = peer target, or Dest::Workload when NULL. */
bool agpb_encode_host_call(agpb_writer_t *w, const char *route_key, const actr_guest_id_t *target,
                           const void *payload, size_t len);
bool agpb_encode_host_call_raw(agpb_writer_t *w, const char *route_key,
                               const actr_guest_id_t *target, const void *payload, size_t len);
bool agpb_encode_host_discover(agpb_writer_t *w, const actr_guest_type_t *type);
/* HostRegisterStreamV1 / HostUnregisterStreamV1 (same layout: stream_id = 1). */
bool agpb_encode_host_stream_id(agpb_writer_t *w, const char *stream_id);
/* HostSendDataChunkV1: dest = peer target, or Dest::Workload when NULL. */
bool agpb_encode_host_send_chunk(agpb_writer_t *w, const actr_guest_id_t *target,
                                 const actr_guest_chunk_t *c, int32_t payload_type);

/* ---- decoders: 0, or -1 for malformed input ------------------------------------------------- */

int agpb_decode_frame(const uint8_t *p, size_t n, uint32_t *abi_version, uint32_t *op,
                      const uint8_t **payload, size_t *payload_len);
int agpb_decode_reply(const uint8_t *p, size_t n, uint32_t *abi_version, int32_t *status,
                      const uint8_t **payload, size_t *payload_len);
int agpb_decode_actr_id(const uint8_t *p, size_t n, actr_guest_id_t *out);
/* InitPayloadV1: version and actr_type ("m:n:v", at most cap - 1 bytes). */
int agpb_decode_init(const uint8_t *p, size_t n, uint32_t *version, char *actr_type, size_t cap);

/* What every host->guest frame carries: the invocation context and the token. */
typedef struct agpb_invocation {
    actr_guest_id_t self;
    bool has_caller;
    actr_guest_id_t caller;
    char request_id[ACTR_GUEST_REQUEST_ID_SIZE];
    uint64_t token;
} agpb_invocation_t;

/* GuestHandleV1: ctx, token and the RpcEnvelope's route key and payload (borrowed from p). */
int agpb_decode_guest_handle(const uint8_t *p, size_t n, agpb_invocation_t *inv, char *route_key,
                             size_t route_cap, const uint8_t **payload, size_t *payload_len);
/* GuestLifecycleV1. */
int agpb_decode_guest_lifecycle(const uint8_t *p, size_t n, agpb_invocation_t *inv,
                                uint32_t *hook);
/* GuestHookV1 (ev->hook and the sub-messages that are present). */
int agpb_decode_guest_hook(const uint8_t *p, size_t n, agpb_invocation_t *inv,
                           actr_guest_hook_event_t *ev);

/* GuestDataChunkV1: the chunk (stream id copied into id_buf[ACTR_GUEST_STREAM_ID_SIZE],
 * payload and metadata borrowed from p, at most ACTR_GUEST_MAX_META entries into meta), the
 * sender and the token. */
int agpb_decode_guest_data_chunk(const uint8_t *p, size_t n, actr_guest_chunk_t *c,
                                 char *id_buf, actr_guest_meta_t *meta, actr_guest_id_t *sender,
                                 uint64_t *token);

#endif /* ACTR_GUEST_PB_H */

/*
 * streams.c - data streams across the guest ABI (engines.md §1, ops 5-7 and 102; runtime.md
 * §6.1): the host ops REGISTER_STREAM / UNREGISTER_STREAM / SEND_DATA_CHUNK performed through
 * ctx.h, and the GUEST_DATA_CHUNK frame that delivers a chunk to the guest. A guest's stream
 * callback is the node registry's callback actr_abi_stream_cb (workload.c), so guest chunks run
 * on the actor's serial context like its other entries, as the reference serialises them.
 */
#include <stdlib.h>
#include <string.h>

#include "abi.pb-c.h"
#include "engine/abi/abi_internal.h"
#include "lifecycle/streams.h"
#include "package.pb-c.h"
#include "platform/ais/id_pb.h"

int actr_abi_frame_guest_data_chunk(const actr_data_chunk_t *c, const actr_id_t *sender,
                                    uint64_t token, uint8_t **out, size_t *out_len)
{
    if (!c || !sender || !out || !out_len)
        return ACTR_EINVAL;
    Actr__DataChunk dc;
    void *scratch;
    if (actr_stream_pb_init(c, &dc, &scratch) != 0)
        return ACTR_ENOMEM;
    actr_id_pb_t from;
    actr_id_pb_init(&from, sender);
    Actr__Abi__GuestDataChunkV1 g = ACTR__ABI__GUEST_DATA_CHUNK_V1__INIT;
    g.chunk = &dc;
    g.sender = &from.id;
    g.bridge_token = token;
    size_t n = actr__abi__guest_data_chunk_v1__get_packed_size(&g);
    uint8_t *inner = malloc(n ? n : 1);
    int rc = inner ? 0 : ACTR_ENOMEM;
    if (rc == 0) {
        actr__abi__guest_data_chunk_v1__pack(&g, inner);
        rc = actr_abi_frame_encode(ACTR_ABI_OP_GUEST_DATA_CHUNK, inner, n, out, out_len);
    }
    free(inner);
    free(scratch);
    return rc;
}

/* The stream id of an op: 1..ACTR_STREAM_ID_MAX bytes (ctx.h checks it again). */
static const char *stream_id_of(const char *s)
{
    return s ? s : "";
}

int actr_abi_op_register_stream(actr_ctx_t *ctx, const ProtobufCMessage *m, actr_error_t *e)
{
    const Actr__Abi__HostRegisterStreamV1 *r = (const Actr__Abi__HostRegisterStreamV1 *)m;
    bool in_chunk = false;
    void *w = actr_abi_workload_current(&in_chunk);
    if (in_chunk) /* as the reference: not from inside a stream callback */
        return actr_error_set(e, ACTR_EUNSUPPORTED, ACTR_KIND_CLIENT, 0,
                              "streams cannot be registered from a stream callback");
    if (!w)
        return actr_error_set(e, ACTR_ESTATE, ACTR_KIND_INTERNAL, 0,
                              "no guest workload runs on this thread");
    return actr_ctx_register_stream(ctx, stream_id_of(r->stream_id), actr_abi_stream_cb, w, e);
}

int actr_abi_op_unregister_stream(actr_ctx_t *ctx, const ProtobufCMessage *m, actr_error_t *e)
{
    const Actr__Abi__HostUnregisterStreamV1 *r = (const Actr__Abi__HostUnregisterStreamV1 *)m;
    return actr_ctx_unregister_stream(ctx, stream_id_of(r->stream_id), e);
}

int actr_abi_op_send_data_chunk(actr_ctx_t *ctx, const actr_id_t *target,
                                const ProtobufCMessage *m, actr_error_t *e)
{
    const Actr__Abi__HostSendDataChunkV1 *s = (const Actr__Abi__HostSendDataChunkV1 *)m;
    const Actr__DataChunk *dc = s->chunk;
    if (!dc)
        return actr_error_set(e, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "send_data_chunk without a chunk");
    actr_data_chunk_t c = {.stream_id = stream_id_of(dc->stream_id),
                           .sequence = dc->sequence,
                           .has_timestamp = dc->has_timestamp_ms,
                           .timestamp_ms = dc->timestamp_ms};
    actr_stream_meta_t *meta = NULL;
    if (dc->n_metadata) {
        meta = calloc(dc->n_metadata, sizeof *meta);
        if (!meta)
            return actr_error_set(e, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        for (size_t i = 0; i < dc->n_metadata; i++) {
            meta[i].key = dc->metadata[i]->key ? dc->metadata[i]->key : "";
            meta[i].value = dc->metadata[i]->value ? dc->metadata[i]->value : "";
        }
        c.metadata = meta;
        c.metadata_count = dc->n_metadata;
    }
    /* A refcounted copy: an in-process receiver keeps a reference after the op returns. */
    int rc = actr_buf_copy(dc->payload.data, dc->payload.len, &c.payload);
    if (rc == 0)
        rc = actr_ctx_send_data_chunk(ctx, target, &c, (actr_stream_lane_t)s->payload_type, 0, e);
    else
        actr_error_set(e, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    actr_buf_release(&c.payload);
    free(meta);
    return rc;
}

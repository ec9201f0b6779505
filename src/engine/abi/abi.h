/*
 * abi.h - the actor guest ABI shared by every package engine (spec: engines.md §1.3, §2.2-2.5).
 *
 * The native (dynclib) engine and the WASM core-module engine move the SAME protobuf frames
 * (proto/abi.proto) between host and guest; only the transport differs (C pointers vs linear
 * memory). This layer is that common part, engine-neutral (no dlopen, no wasm):
 *
 *   - constants: ABI version, status codes, op codes;
 *   - bridge tokens: a process-wide registry that binds a token (1, 2, 3, ... never reused) to
 *     the actr_ctx_t of one workload entry while it runs; the guest names the token in its
 *     host calls and may retain/release it (vtable entries 1-2 / imports retain_context,
 *     release_context);
 *   - the host-op server: decodes one guest->host AbiFrame (HOST_CALL, HOST_TELL,
 *     HOST_CALL_RAW, HOST_DISCOVER, and the stream ops 5-7 REGISTER_STREAM, UNREGISTER_STREAM,
 *     SEND_DATA_CHUNK whose chunks come back as GUEST_DATA_CHUNK entries), performs it
 *     through include/actr/ctx.h and encodes the AbiReply (vtable entry 3 / import invoke);
 *   - frame builders for host->guest entries: GUEST_HANDLE (with the full encoded RpcEnvelope),
 *     GUEST_LIFECYCLE, GUEST_HOOK, and the InitPayloadV1 of actr_init;
 *   - actr_abi_workload_new(): an actr_workload_t built on a tiny "guest transport" vtable
 *     (send one frame, get the AbiReply bytes back), so an engine only supplies the transport.
 *
 * Memory: every buffer this layer returns is malloc'ed; the caller frees it with free() (the
 * dynclib vtable's free_host_buf does exactly that; the WASM engine copies the bytes into the
 * guest and frees them). Input frames are borrowed for the duration of the call.
 *
 * Threading: the token registry is process-wide and thread-safe. A token's ctx may only be used
 * on the thread that runs the entry (ctx.h's rule): a host op from another thread, or after the
 * entry returned, is answered with status GENERIC_ERROR and a message (the reference keeps the
 * host bridge alive after the dispatch; our ctx does not outlive its entry - docs/ENGINES.md).
 */
#ifndef ACTR_ENGINE_ABI_H
#define ACTR_ENGINE_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"
#include "actr/ctx.h"
#include "actr/error.h"
#include "actr/types.h"
#include "actr/workload.h"

/* ---- constants (engines.md §2.3) ------------------------------------------------------------ */

#define ACTR_ABI_VERSION 1u

/* Return codes of the guest's exported functions, of the host's invoke, and AbiReply.status. */
enum {
    ACTR_ABI_SUCCESS = 0,
    ACTR_ABI_GENERIC_ERROR = -1,
    ACTR_ABI_INIT_FAILED = -2,
    ACTR_ABI_HANDLE_FAILED = -3,
    ACTR_ABI_ALLOC_FAILED = -4,
    ACTR_ABI_PROTOCOL_ERROR = -5,
    ACTR_ABI_BUFFER_TOO_SMALL = -6,
    ACTR_ABI_UNSUPPORTED_OP = -7,
};

/* AbiFrame.op */
enum {
    ACTR_ABI_OP_HOST_CALL = 1,
    ACTR_ABI_OP_HOST_TELL = 2,
    ACTR_ABI_OP_HOST_CALL_RAW = 3,
    ACTR_ABI_OP_HOST_DISCOVER = 4,
    ACTR_ABI_OP_HOST_REGISTER_STREAM = 5,
    ACTR_ABI_OP_HOST_UNREGISTER_STREAM = 6,
    ACTR_ABI_OP_HOST_SEND_DATA_CHUNK = 7,
    ACTR_ABI_OP_GUEST_HANDLE = 101,
    ACTR_ABI_OP_GUEST_DATA_CHUNK = 102,
    ACTR_ABI_OP_GUEST_LIFECYCLE = 103,
    ACTR_ABI_OP_GUEST_HOOK = 104,
};

/* GuestLifecycleV1.hook */
enum {
    ACTR_ABI_LIFECYCLE_ON_START = 1,
    ACTR_ABI_LIFECYCLE_ON_READY = 2,
    ACTR_ABI_LIFECYCLE_ON_STOP = 3,
};

/* Largest frame or reply either side accepts (the protobuf codec's own bound). */
#define ACTR_ABI_MAX_FRAME ((size_t)64 * 1024 * 1024)

/* Live bridge tokens at most (a guest that retains and never releases cannot grow the registry
 * without bound); registering beyond it fails with ACTR_EAGAIN. */
#define ACTR_ABI_MAX_TOKENS 65536u

/* Name of an ABI status code ("SUCCESS", "GENERIC_ERROR", ...; "UNKNOWN" otherwise). */
const char *actr_abi_code_name(int32_t code);

/* ---- bridge tokens (engines.md §2.2, §2.4) ----------------------------------------------- */

/*
 * Registers ctx for the entry now running on this thread: returns the new token (> 0, refcount
 * 1) in *token. Returns 0, ACTR_EAGAIN (ACTR_ABI_MAX_TOKENS live) or ACTR_ENOMEM.
 */
int actr_abi_token_open(actr_ctx_t *ctx, uint64_t *token);

/*
 * Ends the entry: the token no longer reaches its ctx (later host ops with it get
 * GENERIC_ERROR "... entry has returned"), and the registration's own reference is released.
 * References the guest retained keep the (detached) entry until it releases them.
 */
void actr_abi_token_close(uint64_t token);

/* +1 reference: ACTR_ABI_SUCCESS, or ACTR_ABI_GENERIC_ERROR for an unknown token. */
int32_t actr_abi_token_retain(uint64_t token);

/* -1 reference; the entry is removed at zero. Unknown tokens are ignored. */
void actr_abi_token_release(uint64_t token);

/* Tokens currently registered (for tests and diagnostics: the reference's "active bridges"). */
size_t actr_abi_token_count(void);

/* ---- the host-op server (guest -> host) ----------------------------------------------------- */

/*
 * Serves one guest->host frame sent with token (the vtable's invoke / the WASM import invoke).
 * Return value = what invoke returns to the guest:
 *   ACTR_ABI_SUCCESS: *reply holds an encoded AbiReply (malloc'ed, *reply_len > 0) whose status
 *     is the op's own result: 0 with the response bytes (HOST_CALL, HOST_CALL_RAW), empty
 *     (HOST_TELL) or an encoded ActrId (HOST_DISCOVER); PROTOCOL_ERROR for an invalid argument
 *     (dest without kind, invalid ActrId or type); UNSUPPORTED_OP for REGISTER_STREAM from
 *     inside a stream callback (as the reference);
 *     GENERIC_ERROR for an unknown or finished token and any other failure. Error replies
 *     carry a UTF-8 message.
 *   ACTR_ABI_PROTOCOL_ERROR: NULL out-pointers, an undecodable frame or op message, a wrong
 *     abi_version, a frame over ACTR_ABI_MAX_FRAME (no reply buffer);
 *   ACTR_ABI_UNSUPPORTED_OP: an op code that is not a host op (no reply buffer);
 *   ACTR_ABI_ALLOC_FAILED: out of memory.
 */
int32_t actr_abi_host_invoke(uint64_t token, const uint8_t *frame, size_t frame_len,
                             uint8_t **reply, size_t *reply_len);

/* ---- codec helpers -------------------------------------------------------------------------- */

/* Encodes AbiFrame{abi_version 1, op, payload} into a malloc'ed *out. 0 or ACTR_ENOMEM. */
int actr_abi_frame_encode(uint32_t op, const uint8_t *payload, size_t payload_len, uint8_t **out,
                          size_t *out_len);

/*
 * Decodes an AbiFrame and checks abi_version. *op gets the op code and *payload a malloc'ed
 * copy of the payload (NULL when empty; free() it). ACTR_EPARSE (undecodable, wrong version),
 * ACTR_ETOOBIG, ACTR_ENOMEM; err says which.
 */
int actr_abi_frame_decode(const uint8_t *frame, size_t len, uint32_t *op, uint8_t **payload,
                          size_t *payload_len, actr_error_t *err);

/* Encodes AbiReply{abi_version 1, status, payload} into a malloc'ed *out. 0 or ACTR_ENOMEM. */
int actr_abi_reply_encode(int32_t status, const void *payload, size_t payload_len, uint8_t **out,
                          size_t *out_len);

/*
 * Decodes the guest's AbiReply to a host->guest frame, as the reference host does:
 * undecodable -> ACTR_EPROTO "guest returned malformed AbiReply: ..."; status != 0 ->
 * ACTR_EINTERNAL (wire code 10010 Internal, as the reference reports every package error) with
 * the guest's message ("<status name>: <payload text>"); status 0 -> 0 and *payload = a copy of
 * the reply payload (empty when none). *status (optional) receives the raw status.
 */
int actr_abi_reply_decode(const uint8_t *reply, size_t len, actr_buf_t *payload, int32_t *status,
                          actr_error_t *err);

/* ---- host -> guest frames ------------------------------------------------------------------- */

/* The InitPayloadV1 of actr_init: {version 1, actr_type "m:n:v", credential and actor_id empty,
 * realm_id 0} (engines.md §1.2). 0, ACTR_EINVAL or ACTR_ENOMEM. */
int actr_abi_init_payload(const actr_type_t *type, uint8_t **out, size_t *out_len);

/*
 * AbiFrame{GUEST_HANDLE, GuestHandleV1{ctx, rpc_envelope, token}}. The InvocationContextV1 is
 * built from ctx (self id, caller id when any, request id); the RpcEnvelope holds route_key,
 * the request payload, the request id, direction REQUEST and timeout_ms (the workload API does
 * not pass the caller's timeout: ACTR_CALL_TIMEOUT_MS). 0, ACTR_EINVAL or ACTR_ENOMEM.
 */
int actr_abi_frame_guest_handle(actr_ctx_t *ctx, const char *route_key, const actr_buf_t *request,
                                uint64_t token, uint8_t **out, size_t *out_len);

/* AbiFrame{GUEST_LIFECYCLE, GuestLifecycleV1{ctx, hook (ACTR_ABI_LIFECYCLE_*), token}}. */
int actr_abi_frame_guest_lifecycle(actr_ctx_t *ctx, uint32_t hook, uint64_t token, uint8_t **out,
                                   size_t *out_len);

/*
 * AbiFrame{GUEST_HOOK, GuestHookV1{ctx, hook id, sub-message, token}} for an observation
 * event. ACTR_HOOK_ERROR is not forwarded to package guests (engines.md §1.5): ACTR_ENOTFOUND,
 * as for an unknown kind.
 */
int actr_abi_frame_guest_hook(actr_ctx_t *ctx, const actr_hook_event_t *event, uint64_t token,
                              uint8_t **out, size_t *out_len);

/* ---- a workload over a guest transport ------------------------------------------------------ */

/*
 * What an engine supplies: how to deliver one host->guest frame to its guest. Entries of one
 * workload are serial (the runtime guarantees it); an engine that shares one image between
 * workloads adds its own lock.
 */
typedef struct actr_abi_guest_vtable {
    /* Required. Runs frame in the guest (actr_handle) and returns the guest's AbiReply bytes in
     * a malloc'ed *reply (the engine copies them out of guest memory and frees the guest's
     * buffer). Returns 0, or a negative ACTR_E* code with err saying what went wrong (guest
     * returned code N, trap, fuel, ...). */
    int (*handle)(void *self, const uint8_t *frame, size_t len, uint8_t **reply, size_t *reply_len,
                  actr_error_t *err);
    /* Optional. Runs after the on_stop frame (the reference's call_on_stop: on_stop then
     * actr_shutdown); its error is reported when on_stop itself succeeded. */
    int (*shutdown)(void *self, actr_error_t *err);
    /* Optional. Frees self when the workload is destroyed (after shutdown, if that ran). */
    void (*destroy)(void *self);
} actr_abi_guest_vtable_t;

/*
 * Builds a workload whose entries become frames: dispatch -> GUEST_HANDLE, on_start/on_ready/
 * on_stop -> GUEST_LIFECYCLE (on_stop then vt->shutdown), on_hook -> GUEST_HOOK (failures only
 * logged; ACTR_HOOK_ERROR not forwarded). Each entry opens a bridge token for its ctx and closes
 * it when the guest returns. A guest error becomes ACTR_EINTERNAL with wire code 10010 and the
 * guest's message. engine ("dynclib", "wasm") names the engine in logs and messages (static
 * string). vt must outlive the workload. On failure nothing is owned (destroy is not called).
 */
int actr_abi_workload_new(const actr_abi_guest_vtable_t *vt, void *self, const char *engine,
                          actr_workload_t *out, actr_error_t *err);

#endif /* ACTR_ENGINE_ABI_H */

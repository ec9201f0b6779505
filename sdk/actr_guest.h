/*
 * actr_guest.h - the guest SDK: write an actor in C once and build it both as a native shared
 * library (the reference's dynclib ABI) and as a wasm32 core module (our WASM ABI); see
 * docs/ENGINES.md for both ABIs.
 *
 * The actor defines actr_guest_main(), which registers its handlers; the SDK implements the
 * exported ABI functions (actr_init, actr_handle, ...) and calls it once per initialisation:
 *
 *   static int echo(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
 *   {
 *       return actr_guest_reply(resp, req, len);      // copy the request back
 *   }
 *   int actr_guest_main(void)
 *   {
 *       return actr_guest_route("echo.EchoService.Echo", echo);
 *   }
 *
 *   native: cc -shared -fPIC echo.c actr_guest*.c -o libecho.so
 *   wasm:   clang --target=wasm32-wasi -mexec-model=reactor echo.c actr_guest*.c -o echo.wasm
 *
 * Rules: one actor per loaded image (a second actr_init while one is live fails with
 * INIT_FAILED; a successful actr_shutdown resets the SDK so the image can be initialised
 * again). Entries are serial and run on the host's thread; a ctx is valid during its entry only.
 * Functions return 0 or a negative ABI status (ACTR_GUEST_E*); the host's error text is then
 * available from actr_guest_last_error(ctx).
 */
#ifndef ACTR_GUEST_H
#define ACTR_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI status codes (engines.md §2.3). */
#define ACTR_GUEST_OK 0
#define ACTR_GUEST_EGENERIC (-1)
#define ACTR_GUEST_EINIT (-2)
#define ACTR_GUEST_EHANDLE (-3)
#define ACTR_GUEST_EALLOC (-4)
#define ACTR_GUEST_EPROTOCOL (-5)
#define ACTR_GUEST_EBUFFER (-6)
#define ACTR_GUEST_EUNSUPPORTED (-7)

/* Sizes with the NUL; the host's limits (names 32 characters of up to 4 bytes). */
#define ACTR_GUEST_NAME_SIZE 129
#define ACTR_GUEST_ROUTE_SIZE 400
#define ACTR_GUEST_REQUEST_ID_SIZE 256
/* Routes one actor may register. */
#define ACTR_GUEST_MAX_ROUTES 64

typedef struct actr_guest_type {
    char manufacturer[ACTR_GUEST_NAME_SIZE];
    char name[ACTR_GUEST_NAME_SIZE];
    char version[ACTR_GUEST_NAME_SIZE];
} actr_guest_type_t;

typedef struct actr_guest_id {
    uint32_t realm_id;
    uint64_t serial;
    actr_guest_type_t type;
} actr_guest_id_t;

/* A byte buffer the SDK allocated (malloc); release with actr_guest_buf_free(). */
typedef struct actr_guest_buf {
    uint8_t *data;
    size_t len;
} actr_guest_buf_t;

typedef struct actr_guest_ctx actr_guest_ctx_t;

/* Observation hook event (GuestHookV1). hook is 1..12 (1 signaling_connecting ... 12
 * mailbox_backpressure, engines.md §2.3). */
typedef struct actr_guest_hook_event {
    uint32_t hook;
    bool has_peer;
    actr_guest_id_t peer;
    bool has_relayed, relayed;
    bool has_status;
    uint32_t status;
    bool has_expiry;
    uint64_t expiry_seconds;
    uint32_t expiry_nanos;
    bool has_backpressure;
    uint64_t queue_len, threshold;
} actr_guest_hook_event_t;

/* A handler: fill *resp (actr_guest_reply()) and return 0, or return non-zero after
 * actr_guest_fail() (the caller sees the message; status HANDLE_FAILED). */
typedef int (*actr_guest_handler_fn)(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len,
                                     actr_guest_buf_t *resp);
/* on_start / on_ready / on_stop: 0, or non-zero after actr_guest_fail(). */
typedef int (*actr_guest_lifecycle_fn)(actr_guest_ctx_t *ctx);
typedef void (*actr_guest_hook_fn)(actr_guest_ctx_t *ctx, const actr_guest_hook_event_t *ev);
/* Runs in actr_shutdown: 0 lets the SDK reset; non-zero makes actr_shutdown fail (the host then
 * keeps the library mapped). */
typedef int (*actr_guest_shutdown_fn)(void);

/* ---- provided by the actor ------------------------------------------------------------------ */

/* Registers handlers and hooks; non-zero makes actr_init fail with INIT_FAILED. */
int actr_guest_main(void);

/* ---- registration (from actr_guest_main) ---------------------------------------------------- */

/* 0, ACTR_GUEST_EBUFFER (route too long or table full) or ACTR_GUEST_EGENERIC (duplicate). */
int actr_guest_route(const char *route_key, actr_guest_handler_fn fn);
void actr_guest_on_start(actr_guest_lifecycle_fn fn);
void actr_guest_on_ready(actr_guest_lifecycle_fn fn);
void actr_guest_on_stop(actr_guest_lifecycle_fn fn);
void actr_guest_on_hook(actr_guest_hook_fn fn);
void actr_guest_on_shutdown(actr_guest_shutdown_fn fn);

/* The actor type the host sent in InitPayloadV1 ("manufacturer:name:version"). */
const char *actr_guest_actr_type(void);

/* ---- the context of an entry ---------------------------------------------------------------- */

const actr_guest_id_t *actr_guest_self_id(const actr_guest_ctx_t *ctx);
/* NULL when the entry has no caller (host shell calls, lifecycle, hooks). */
const actr_guest_id_t *actr_guest_caller_id(const actr_guest_ctx_t *ctx);
const char *actr_guest_request_id(const actr_guest_ctx_t *ctx);
/* The route key of a handler entry ("" otherwise). */
const char *actr_guest_route_key(const actr_guest_ctx_t *ctx);
/* The entry's bridge token. */
uint64_t actr_guest_token(const actr_guest_ctx_t *ctx);

/* Calls route_key on target (NULL: this actor's own workload, Dest::Workload) and waits. On 0,
 * *resp holds the answer (free it). */
int actr_guest_call(actr_guest_ctx_t *ctx, const actr_guest_id_t *target, const char *route_key,
                    const void *payload, size_t len, actr_guest_buf_t *resp);
/* One-way message (NULL target: this actor). */
int actr_guest_tell(actr_guest_ctx_t *ctx, const actr_guest_id_t *target, const char *route_key,
                    const void *payload, size_t len);
/* The reference's call_raw: target required. */
int actr_guest_call_raw(actr_guest_ctx_t *ctx, const actr_guest_id_t *target,
                        const char *route_key, const void *payload, size_t len,
                        actr_guest_buf_t *resp);
/* Finds an actor of type manufacturer:name:version. */
int actr_guest_discover(actr_guest_ctx_t *ctx, const actr_guest_type_t *type,
                        actr_guest_id_t *out);
/* ---- data streams (engines.md §1 ops 5-7, 102; runtime.md §6.1) ----------------------------- */

/* Stream lanes (PayloadType) and how many streams / metadata entries a guest handles. */
#define ACTR_GUEST_STREAM_RELIABLE 2
#define ACTR_GUEST_STREAM_LATENCY_FIRST 3
#define ACTR_GUEST_MAX_STREAMS 16
#define ACTR_GUEST_MAX_META 16
#define ACTR_GUEST_STREAM_ID_SIZE 257

typedef struct actr_guest_meta {
    const char *key, *value; /* not NUL-terminated: use the lengths */
    size_t key_len, value_len;
} actr_guest_meta_t;

/* One DataChunk. Received: every pointer is valid during the callback only. */
typedef struct actr_guest_chunk {
    const char *stream_id;
    uint64_t sequence;
    const uint8_t *payload;
    size_t len;
    const actr_guest_meta_t *metadata;
    size_t metadata_count;
    bool has_timestamp;
    int64_t timestamp_ms;
} actr_guest_chunk_t;

/* A chunk of a registered stream; runs serialised with the actor's other entries. 0, or
 * non-zero after actr_guest_fail() (logged by the host; the stream goes on). */
typedef int (*actr_guest_stream_fn)(actr_guest_ctx_t *ctx, const actr_guest_chunk_t *chunk,
                                    const actr_guest_id_t *sender);

/* Registers stream_id with the host (op 5) and fn in this image. Not from inside a stream
 * callback (ACTR_GUEST_EUNSUPPORTED, as the reference). ACTR_GUEST_EBUFFER when
 * ACTR_GUEST_MAX_STREAMS are registered. */
int actr_guest_register_stream(actr_guest_ctx_t *ctx, const char *stream_id,
                               actr_guest_stream_fn fn);
/* Unregisters it (op 6): chunks the host already queued still arrive (and are dropped here). */
int actr_guest_unregister_stream(actr_guest_ctx_t *ctx, const char *stream_id);
/* Sends a chunk (op 7) to target's stream (NULL: this actor) on lane
 * ACTR_GUEST_STREAM_RELIABLE or ACTR_GUEST_STREAM_LATENCY_FIRST. */
int actr_guest_send_data_chunk(actr_guest_ctx_t *ctx, const actr_guest_id_t *target,
                               const actr_guest_chunk_t *chunk, int lane);

/* The host's message of the last failed call from this ctx ("" if none). */
const char *actr_guest_last_error(const actr_guest_ctx_t *ctx);

/* Sets the entry's error message (printf style); returns ACTR_GUEST_EHANDLE. */
int actr_guest_fail(actr_guest_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- low level: bridge tokens and raw host ops (tests, advanced use) ------------------------ */

int32_t actr_guest_retain_token(uint64_t token);
void actr_guest_release_token(uint64_t token);
/* Sends AbiFrame{op, payload} with token; returns the invoke result, and on 0 the reply's
 * status in *status and its payload in *reply (free it). */
int32_t actr_guest_host_op(uint64_t token, uint32_t op, const void *payload, size_t len,
                           int32_t *status, actr_guest_buf_t *reply);

/* ---- buffers and logging -------------------------------------------------------------------- */

/* Copies len bytes into *resp (replacing its content). 0 or ACTR_GUEST_EALLOC. */
int actr_guest_reply(actr_guest_buf_t *resp, const void *data, size_t len);
void actr_guest_buf_free(actr_guest_buf_t *buf);

enum { ACTR_GUEST_LOG_ERROR = 1, ACTR_GUEST_LOG_WARN, ACTR_GUEST_LOG_INFO, ACTR_GUEST_LOG_DEBUG };
/* Logs through the host (WASM import actr.log) or to stderr (native: the reference's vtable has
 * no log entry). */
void actr_guest_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* ACTR_GUEST_H */

/*
 * ws.h - the direct WebSocket transport between nodes (protocol.md 8.8, runtime.md 1.5, 2, 6.1):
 * one "hub" per node on the node's libuv loop. It listens (optional), dials peers, frames every
 * message as `payload_type u8 | length u32 BE | data`, authenticates inbound peers after the
 * upgrade with their AIS credential, and dispatches stream chunks (lanes 2/3) to a per-node
 * stream registry with backpressure. docs/WEBSOCKET.md explains the policies.
 *
 *   actr_ws_config_t cfg;
 *   actr_ws_config_init(&cfg);
 *   cfg.listen_host = "0.0.0.0";  cfg.listen_port = 0;        // or NULL: dial only
 *   cfg.identity = (actr_ws_identity_t){id, key_id, claims, claims_len, sig, sig_len};
 *   cfg.keys = key_cache;                                     // verifies inbound peers
 *   actr_ws_hub_new(loop, &cfg, &callbacks, &hub, &err);
 *   actr_ws_hub_address(hub, url, sizeof url);                // "ws://127.0.0.1:41234"
 *   actr_ws_dial(hub, &peer_id, "ws://10.0.0.2:9000", &conn);  // reused per peer
 *   actr_ws_send(hub, conn, ACTR_WS_RPC_RELIABLE, &envelope_bytes);
 *   ...
 *   actr_ws_hub_destroy(hub, on_destroyed, arg);              // let the loop run: frees itself
 *
 * Connections are named by actr_ws_conn_id_t values, never reused within a hub: a stale id
 * (the connection is gone) makes calls fail with ACTR_ECLOSED instead of touching freed memory,
 * so a reply computed long after its request can still be sent safely.
 *
 * Direction of use (protocol.md 8.8): the dialling side sends requests and tells; the listener
 * replies on the connection the request came in on, always as payload type 0 with direction
 * RESPONSE. The hub carries bytes and does not decode envelopes: the node drops REQUEST/TELL
 * envelopes that arrive on a DIALLED connection, as the reference does.
 *
 * Threading: everything on the loop given to actr_ws_hub_new(); every callback runs there and
 * may call any function here except actr_ws_hub_destroy() from inside on_chunk. Not public API.
 */
#ifndef ACTR_WIRE_WEBSOCKET_WS_H
#define ACTR_WIRE_WEBSOCKET_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "actr/buf.h"
#include "actr/error.h"
#include "actr/types.h"
#include "platform/ais/key_cache.h"

typedef struct actr_ws_hub actr_ws_hub_t;
typedef uint64_t actr_ws_conn_id_t; /* 0 is never a connection */

/* PayloadType (protocol.md 3.1): the first byte of every frame. */
enum {
    ACTR_WS_RPC_RELIABLE = 0,
    ACTR_WS_RPC_SIGNAL = 1,
    ACTR_WS_STREAM_RELIABLE = 2,
    ACTR_WS_STREAM_LATENCY_FIRST = 3,
    ACTR_WS_MEDIA_RTP = 4,
};

/* The node's identity and current AIdCredential. Borrowed: the hub copies it. */
typedef struct actr_ws_identity {
    actr_id_t id;
    uint32_t key_id;
    const uint8_t *claims; /* encoded IdentityClaims, verbatim */
    size_t claims_len;
    const uint8_t *signature; /* 64 bytes */
    size_t signature_len;
} actr_ws_identity_t;

typedef struct actr_ws_config {
    const char *listen_host;     /* "0.0.0.0", "127.0.0.1"; NULL: no listener */
    uint16_t listen_port;        /* 0: an ephemeral port (actr_ws_hub_port) */
    const char *advertised_host; /* host of the advertised ws:// address (NULL: 127.0.0.1) */
    actr_ws_identity_t identity; /* what dialled connections present (may be empty: no headers) */
    actr_ais_key_cache_t *keys;  /* borrowed; NULL: every inbound peer is refused */
    size_t max_message_bytes;    /* largest data part N, in and out (16 MiB) */
    uint32_t max_queue_frames;   /* per-connection send queue bound (1024 frames) */
    size_t max_queue_bytes;      /* ... and bytes (32 MiB) */
    uint32_t max_connections;    /* inbound + dialled (1024); 0 = no limit */
    uint32_t connect_timeout_ms; /* TCP + upgrade, per attempt (10000) */
    uint32_t connect_attempts;   /* attempts per dial before DISCONNECTED (3, as WirePool) */
    uint32_t retry_initial_ms;   /* wait before the 2nd attempt, doubled after (2000) */
    uint32_t auth_timeout_ms;    /* inbound credential check incl. key fetch (5000) */
    uint32_t idle_secs;          /* silent socket: Ping at half, dropped at this (60; 0 = off) */
    uint32_t stream_depth;       /* default per-stream queue depth (64, runtime.md 6.1) */
    size_t stream_hold_bytes;    /* per connection, held chunks before reading stops (1 MiB) */
} actr_ws_config_t;

void actr_ws_config_init(actr_ws_config_t *cfg);

/* ---- events ---- */

typedef enum actr_ws_dir {
    ACTR_WS_DIALLED = 0, /* we dialled: we send requests, we receive responses */
    ACTR_WS_ACCEPTED,    /* the peer dialled our listener: we receive requests, we reply */
} actr_ws_dir_t;

typedef enum actr_ws_state {
    ACTR_WS_CONNECTING = 0, /* dialled: attempt 1 started; accepted: upgraded, being verified */
    ACTR_WS_CONNECTED,      /* dialled: upgraded; accepted: the credential verified */
    ACTR_WS_DISCONNECTED,   /* last event of a connection: its id is dead after this returns */
} actr_ws_state_t;

typedef enum actr_ws_reason {
    ACTR_WS_REASON_NONE = 0,
    ACTR_WS_REASON_CLOSED_LOCALLY,  /* actr_ws_close() or hub destroy */
    ACTR_WS_REASON_PEER_CLOSED,     /* close frame or end of stream */
    ACTR_WS_REASON_CONNECT_FAILED,  /* every attempt failed (refused, timeout, no upgrade) */
    ACTR_WS_REASON_OVERSIZED,       /* an inbound message over max_message_bytes (we close, 1009) */
    ACTR_WS_REASON_SEND_FAILED,     /* a write failed */
    ACTR_WS_REASON_AUTH_FAILED,     /* accepted side: the credential was refused (silent drop) */
} actr_ws_reason_t;

typedef struct actr_ws_event {
    actr_ws_conn_id_t conn;
    actr_ws_dir_t dir;
    actr_ws_state_t state;
    actr_ws_reason_t reason; /* DISCONNECTED only */
    const actr_id_t *peer;   /* NULL when unknown (accepted, undecodable source id) */
    uint32_t attempt;        /* dialled CONNECTING: 1, 2, ... */
} actr_ws_event_t;

typedef struct actr_ws_callbacks {
    /* Connection states (the node turns them into WebSocketConnectStart/Connected/Disconnected
     * hooks). An accepted connection whose credential fails never gets CONNECTED. */
    void (*on_state)(actr_ws_hub_t *hub, const actr_ws_event_t *ev, void *userdata);
    /* One frame on lanes 0, 1 or 4 (streams go to the registry). payload is a reference the
     * callee now owns (release it); it is the data part, without the 5-byte header. */
    void (*on_frame)(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, actr_ws_dir_t dir,
                     const actr_id_t *peer, uint8_t payload_type, actr_buf_t payload,
                     void *userdata);
    /* The send queue of conn, refused with ACTR_EAGAIN before, has room again (half empty). */
    void (*on_writable)(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, void *userdata);
    void *userdata;
} actr_ws_callbacks_t;

/* ---- the hub ---- */

/* Creates the hub (and the listener, when configured). ACTR_EIO when the port is taken. */
int actr_ws_hub_new(uv_loop_t *loop, const actr_ws_config_t *cfg,
                    const actr_ws_callbacks_t *callbacks, actr_ws_hub_t **out, actr_error_t *err);

/*
 * Closes every connection (no DISCONNECTED events any more), unregisters every stream, then
 * frees the hub in steps driven by the loop (lws 4.1.6 needs two context destroys); done(arg)
 * runs once everything, every uv handle included, is gone. NULL done is allowed.
 */
void actr_ws_hub_destroy(actr_ws_hub_t *hub, void (*done)(void *arg), void *arg);

/* The bound port (0 without a listener) and the advertised "ws://<host>:<port>". */
uint16_t actr_ws_hub_port(const actr_ws_hub_t *hub);
int actr_ws_hub_address(const actr_ws_hub_t *hub, char *buf, size_t size);

/* Replaces what future dials present (credential renewal); open connections are kept. */
int actr_ws_hub_set_identity(actr_ws_hub_t *hub, const actr_ws_identity_t *identity);

/* ---- connections ---- */

/*
 * Returns the dialled connection to peer, opening it to url ("ws://host:port[/path]") if there
 * is none (one dialled connection per peer, shared by every payload type). Frames sent before
 * it is CONNECTED wait in its queue. ACTR_EINVAL (bad URL), ACTR_EAGAIN (max_connections),
 * ACTR_ESTATE (hub destroyed), ACTR_ENOMEM.
 */
int actr_ws_dial(actr_ws_hub_t *hub, const actr_id_t *peer, const char *url,
                 actr_ws_conn_id_t *out);

/* The live connection to peer in direction dir (e.g. the inbound one to reply on), or 0. */
actr_ws_conn_id_t actr_ws_find(const actr_ws_hub_t *hub, const actr_id_t *peer, actr_ws_dir_t dir);

/*
 * Queues one frame: payload_type (0..4) and payload (borrowed; its bytes are copied once into
 * the frame). Queue full policy: ACTR_EAGAIN and nothing queued, never dropping what is queued;
 * on_writable follows when the queue is half empty. Other errors: ACTR_ECLOSED (no such live
 * connection), ACTR_ETOOBIG (over max_message_bytes), ACTR_EINVAL, ACTR_ENOMEM.
 */
int actr_ws_send(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, uint8_t payload_type,
                 const actr_buf_t *payload);

/* Queued frames and bytes of conn (0 when it is gone). */
void actr_ws_queued(const actr_ws_hub_t *hub, actr_ws_conn_id_t conn, size_t *frames,
                    size_t *bytes);

/* Closes conn (close frame 1000); DISCONNECTED (CLOSED_LOCALLY) follows from the loop. */
int actr_ws_close(actr_ws_hub_t *hub, actr_ws_conn_id_t conn);

typedef struct actr_ws_conn_info {
    actr_ws_dir_t dir;
    actr_ws_state_t state;
    bool has_peer;
    actr_id_t peer;
    uint64_t credential_expires_at; /* accepted: the verified claims' expires_at */
} actr_ws_conn_info_t;

int actr_ws_conn_info(const actr_ws_hub_t *hub, actr_ws_conn_id_t conn, actr_ws_conn_info_t *out);

/* ---- streams (lanes 2 and 3; runtime.md 6.1) ---- */

/* One DataChunk, scanned in place: stream_id and payload point into raw. */
typedef struct actr_ws_chunk {
    const char *stream_id; /* not NUL-terminated */
    size_t stream_id_len;
    uint64_t sequence;
    actr_buf_t payload; /* DataChunk.payload (a slice of raw; borrowed) */
    actr_buf_t raw;     /* the whole encoded DataChunk (borrowed; metadata, timestamp) */
} actr_ws_chunk_t;

/*
 * Delivers a chunk. Return 0 when done with it, or 1 to keep it for later and call
 * actr_ws_stream_done() once finished (take references to the buffers you keep). Chunks of one
 * stream are delivered in arrival order; at most `depth` are undone at a time.
 */
typedef int (*actr_ws_chunk_fn)(actr_ws_hub_t *hub, const actr_id_t *peer, uint8_t payload_type,
                                const actr_ws_chunk_t *chunk, void *userdata);

/*
 * Registers (or replaces the callback of) stream_id; depth 0 = cfg.stream_depth. A full stream
 * holds STREAM_RELIABLE chunks (and stops reading their connection once its held bytes pass
 * stream_hold_bytes) and drops the newest STREAM_LATENCY_FIRST chunks (counted).
 */
int actr_ws_stream_register(actr_ws_hub_t *hub, const char *stream_id, uint32_t depth,
                            actr_ws_chunk_fn fn, void *userdata);

/* Drops the stream and the chunks it holds; ACTR_ENOTFOUND when it is not registered. */
int actr_ws_stream_unregister(actr_ws_hub_t *hub, const char *stream_id);

/* The consumer finished n chunks it kept (callback returned 1); held chunks move on. */
int actr_ws_stream_done(actr_ws_hub_t *hub, const char *stream_id, uint32_t n);

/* ---- counters ---- */

typedef struct actr_ws_stats {
    uint64_t accepted, dialled, connected, auth_failed, frames_in, frames_out, bytes_in,
        bytes_out, malformed, oversized, queue_full, unknown_stream, latency_dropped,
        chunks_held, rx_paused, undecodable_chunks;
    /* why credentials were refused (each also counts in auth_failed) */
    uint64_t auth_missing, auth_bad_source, auth_bad_credential, auth_no_key, auth_signature,
        auth_expired, auth_actor_mismatch, auth_timeout;
} actr_ws_stats_t;

void actr_ws_stats(const actr_ws_hub_t *hub, actr_ws_stats_t *out);

#endif /* ACTR_WIRE_WEBSOCKET_WS_H */

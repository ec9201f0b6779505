/* remote_internal.h - the struct behind remote.h, shared by remote_*.c. */
#ifndef ACTR_LIFECYCLE_REMOTE_INTERNAL_H
#define ACTR_LIFECYCLE_REMOTE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <uv.h>

#include "actr/config.h"
#include "actr/mailbox.h"
#include "base/hashmap.h"
#include "lifecycle/credential.h"
#include "lifecycle/dedup.h"
#include "lifecycle/loop.h"
#include "lifecycle/remote.h"
#include "platform/ais/client.h"
#include "platform/ais/key_cache.h"
#include "wire/signaling/client.h"
#include "wire/websocket/ws.h"
#include "wire/webrtc/coordinator.h" /* WebRTC (issue 6): remote_webrtc.c */

struct actr_node;

/* A thread waiting for an operation that runs on the loop. */
typedef struct actr_waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int rc;
    actr_error_t err;
} actr_waiter_t;

void actr_waiter_init(actr_waiter_t *w);
void actr_waiter_destroy(actr_waiter_t *w);
/* Completes the wait (any thread); err may be NULL. */
void actr_waiter_finish(actr_waiter_t *w, int rc, const actr_error_t *err);
/* Waits up to timeout_ms (< 0: forever); ACTR_ETIMEDOUT when it passed. Copies err. */
int actr_waiter_wait(actr_waiter_t *w, int64_t timeout_ms, actr_error_t *err);

/* An inbound message taken from the mailbox and being handled (request origin, call ext). */
typedef struct actr_remote_origin {
    actr_remote_t *remote;
    actr_id_t caller;
    bool has_caller;
    bool is_tell;
    actr_mailbox_id_t msg_id;
    char request_id[ACTR_DEDUP_MAX_ID + 1];
} actr_remote_origin_t;

struct actr_remote {
    struct actr_node *node;
    actr_loop_t *loop;
    uv_loop_t *uv;
    const actr_runtime_config_t *cfg;

    /* ---- loop thread ---- */
    actr_curl_uv_t *http;
    actr_ais_client_t *ais;
    actr_ais_register_params_t reg;     /* kept for re-registration (hard rebind) */
    char ws_address[128];
    actr_credential_manager_t *cred;
    uv_timer_t cred_timer;
    bool cred_timer_open;
    actr_ais_grant_t grant;             /* the credential in force */
    actr_sigc_t *sigc;
    actr_ais_key_cache_t *keys;
    actr_ws_hub_t *ws;
    actr_hmap_t *peer_urls;             /* ActrId string -> malloc'd "ws://..." */
    actr_hmap_t *pending;               /* wire request id -> its outbound message (calls) */
    uv_timer_t sweep;                   /* drops pending entries completed by their deadline */
    bool sweep_open;
    struct out_msg *out;                /* every outbound message not finished (remote_outbound.c) */
    struct out_msg *retry_head;         /* those waiting for a retry, by due time */
    uv_timer_t retry_timer;             /* fires for retry_head */
    bool retry_open;
    bool stopping;
    actr_waiter_t *reg_waiter;          /* actr_remote_register() */
    actr_waiter_t *sig_waiter;          /* actr_remote_start() */
    int closing;                        /* handles and objects still closing */
    actr_waiter_t *close_waiter;
    struct actr_dup_wait *dup_waits;    /* duplicates waiting for their original (inbound) */
    /* WebRTC (issue 6, remote_webrtc.c): the coordinator, created with signaling. */
    actr_rtc_coord_t *rtc;
    struct actr_media_reg *media_reg; /* media.c: remote track id -> callback (lazy) */
    int rtc_mode; /* actr_rtc_mode_t */
    struct actr_net_events *net; /* network events (network_event.c), made by the first one */

    /* ---- inbound (any thread) ---- */
    actr_mailbox_t *mailbox;
    actr_dedup_t *dedup;
    pthread_t consumer;
    bool consumer_started;
    _Atomic bool gate_open;
    _Atomic bool consumer_stop;
    _Atomic uint64_t inflight;          /* taken from the mailbox, not finished */

    /* ---- counters (relaxed) ---- */
    _Atomic uint64_t sent, received, responses, orphans, denied, duplicates, undecodable;
    _Atomic uint64_t retries, send_failures, lost_calls; /* outbound delivery (remote_outbound.c) */
    _Atomic uint64_t rtc_out, rtc_in; /* messages over WebRTC data channels */
    _Atomic uint64_t rtc_rx_pauses;   /* stream backpressure paused a WebRTC peer's reading */
};

/* remote_register.c */
int actr_remote_cred_new(actr_remote_t *r, actr_error_t *err);
/* Pushes the credential in force to signaling and the WebSocket hub (loop thread). */
void actr_remote_identity_changed(actr_remote_t *r);

/* remote_signaling.c (loop thread) */
int actr_remote_sig_open(actr_remote_t *r, actr_error_t *err);
void actr_remote_sig_close(actr_remote_t *r);
int actr_remote_key_fetch(actr_ais_key_cache_t *cache, uint32_t key_id, void *ctx);

/* remote_outbound.c (loop thread) */
void actr_remote_on_response(actr_remote_t *r, actr_buf_t payload);
/* A dialled WebSocket changed state: messages waiting for it go out, are retried, or (calls
 * already sent) fail at once when it closed. */
void actr_remote_outbound_on_ws_state(actr_remote_t *r, const actr_ws_event_t *ev);
/* The WebRTC connection to peer is gone: calls it carried fail at once. */
void actr_remote_outbound_peer_lost(actr_remote_t *r, const actr_id_t *peer);
void actr_remote_fail_pending(actr_remote_t *r);
void actr_remote_sweep_pending(actr_remote_t *r);

/* remote_inbound.c */
void actr_remote_on_inbound(actr_remote_t *r, actr_ws_conn_id_t conn, const actr_id_t *peer,
                            uint8_t payload_type, actr_buf_t payload); /* loop thread */
int actr_remote_consumer_start(actr_remote_t *r, actr_error_t *err);
void actr_remote_consumer_stop(actr_remote_t *r);
int actr_remote_mailbox_open(actr_remote_t *r, actr_error_t *err);
/* Cancels the duplicates still waiting for their original (loop thread, at stop). */
void actr_remote_dup_waits_close(actr_remote_t *r);

/* remote_webrtc.c (loop thread): the WebRTC side; docs/WEBRTC-COORDINATOR.md. */
typedef enum actr_rtc_mode {
    ACTR_RTC_MODE_PREFER = 0, /* a ready WebRTC peer first, else the direct WebSocket */
    ACTR_RTC_MODE_ONLY,       /* outbound traffic never takes the direct WebSocket */
    ACTR_RTC_MODE_OFF,        /* no coordinator */
} actr_rtc_mode_t;
/* 0, or ACTR_EUNSUPPORTED for a [webrtc] setting we cannot honour (err says which); another
 * failure only logs (the WebSocket carries everything then). */
int actr_remote_webrtc_open(actr_remote_t *r, actr_error_t *err);
/* The [webrtc] settings we refuse (ice_udp_mux_port): 0 or ACTR_EUNSUPPORTED, before start. */
int actr_remote_webrtc_check(const actr_runtime_config_t *cfg, actr_error_t *err);
/* Starts closing the coordinator; false when there was none (done will not run). */
bool actr_remote_webrtc_close(actr_remote_t *r, void (*done)(void *), void *arg);
void actr_remote_webrtc_on_relay(actr_remote_t *r, const Signaling__SignalingEnvelope *env);
void actr_remote_webrtc_identity_changed(actr_remote_t *r);
/* Whether a message to target takes WebRTC (have_ws: its WebSocket address is known). */
bool actr_remote_webrtc_use(actr_remote_t *r, const actr_id_t *target, bool have_ws);
/* Sends (or queues) an envelope. When this returns 0, sent (optional) runs exactly once with 0
 * (it went out) or the reason it was dropped, possibly inside this call. */
int actr_remote_webrtc_send(actr_remote_t *r, const actr_id_t *target, uint8_t lane,
                            const actr_buf_t *frame, void (*sent)(void *arg, int rc), void *arg);
/* A reply on the peer's RPC_RELIABLE channel when it has a ready connection, else
 * ACTR_EUNAVAILABLE (the caller uses the WebSocket). */
int actr_remote_webrtc_reply(actr_remote_t *r, const actr_id_t *peer, const actr_buf_t *frame);

/* Envelope helpers (remote_outbound.c) */
int actr_remote_encode_envelope(const char *route_key, const actr_buf_t *payload, int direction,
                                const char *request_id, int64_t timeout_ms, uint32_t error_code,
                                const char *error_message, actr_buf_t *out);

#endif /* ACTR_LIFECYCLE_REMOTE_INTERNAL_H */

/*
 * sctp.h - SCTP over DTLS (RFC 8261) with usrsctp in AF_CONN mode: one association per peer
 * connection, packets in and out through callbacks, messages with a stream id and a PPID.
 *
 * Settings (WEBRTC-NOTES pitfalls 5-9): usrsctp_init_nothreads once per process with its timers
 * driven from a uv timer (actr_sctp_host_t, 10 ms tick while associations exist), 1024 streams,
 * stream reset on, ECN/ASCONF/AUTH off, non-blocking socket, 1200-byte path MTU, PPIDs in
 * network byte order, messages reassembled across reads until MSG_EOR and capped at the size we
 * announced, a send queue behind "would block" that gives each stream a bufferedAmount with a low
 * and a high threshold.
 *
 * Every function and callback on the loop thread of the host (create the host on that thread).
 * Several hosts (several loops) may exist: usrsctp's timers are process-wide, and a packet one
 * emits for another loop's association is handed to that loop.
 */
#ifndef ACTR_WIRE_WEBRTC_SCTP_H
#define ACTR_WIRE_WEBRTC_SCTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define ACTR_SCTP_STREAMS 1024
#define ACTR_SCTP_MTU 1200
#define ACTR_SCTP_DEFAULT_PORT 5000

/* Payload protocol identifiers (RFC 8831 8). */
enum {
    ACTR_PPID_DCEP = 50,
    ACTR_PPID_STRING = 51,
    ACTR_PPID_BINARY = 53,
    ACTR_PPID_STRING_EMPTY = 56,
    ACTR_PPID_BINARY_EMPTY = 57,
};

typedef struct actr_sctp_host actr_sctp_host_t;
typedef struct actr_sctp actr_sctp_t;

typedef struct actr_sctp_config {
    uint16_t local_port, remote_port; /* a=sctp-port values (5000) */
    size_t max_recv_message;          /* what we announced as max-message-size (262144) */
    size_t max_send_message;          /* the remote's max-message-size (65536 when absent) */
    size_t send_queue_max;            /* bytes queued behind "would block" in total (16 MiB) */
    size_t buffered_low;              /* per-stream low threshold (256 KiB) */
    size_t buffered_high;             /* per-stream high threshold (1 MiB) */
    int sock_buffer;                  /* SO_SNDBUF / SO_RCVBUF of the association (1 MiB) */
} actr_sctp_config_t;

typedef struct actr_sctp_callbacks {
    int (*send)(void *arg, const uint8_t *packet, size_t len); /* to DTLS */
    void (*on_connected)(void *arg);
    void (*on_message)(void *arg, uint16_t sid, uint32_t ppid, const uint8_t *data, size_t len);
    void (*on_stream_reset)(void *arg, uint16_t sid); /* the remote closed its side of sid */
    void (*on_buffered_low)(void *arg, uint16_t sid);  /* fell to <= low after > high */
    void (*on_buffered_high)(void *arg, uint16_t sid); /* rose above high */
    void (*on_closed)(void *arg);                      /* association lost, aborted or shut */
} actr_sctp_callbacks_t;

typedef struct actr_sctp_stats {
    uint64_t messages_in, messages_out, bytes_in, bytes_out;
    uint64_t dropped_oversize, dropped_send_errors, packets_in, packets_out;
    size_t queued_bytes;
} actr_sctp_stats_t;

/* The per-loop timer driver. Returns 0, ACTR_ENOMEM or ACTR_EINTERNAL. */
int actr_sctp_host_new(uv_loop_t *loop, actr_sctp_host_t **out);
/* Closes the timer (async; frees itself). Associations must be closed first. NULL: no-op. */
void actr_sctp_host_close(actr_sctp_host_t *h);
size_t actr_sctp_host_count(const actr_sctp_host_t *h);
/* fn runs at each timer tick before usrsctp's timers: the env reads pending input there. */
void actr_sctp_host_set_before_tick(actr_sctp_host_t *h, void (*fn)(void *), void *arg);

void actr_sctp_config_init(actr_sctp_config_t *cfg);

/* Creates the socket (not connected). Returns 0, ACTR_EINVAL, ACTR_ENOMEM or ACTR_EINTERNAL. */
int actr_sctp_new(actr_sctp_host_t *h, const actr_sctp_config_t *cfg,
                  const actr_sctp_callbacks_t *cbs, void *arg, actr_sctp_t **out);

/* Starts the association (both sides connect: SCTP simultaneous open). */
int actr_sctp_connect(actr_sctp_t *s);

/* A packet from DTLS. */
void actr_sctp_input(actr_sctp_t *s, const uint8_t *packet, size_t len);

/*
 * Stops (or resumes) taking received messages out of usrsctp. While paused they stay in the
 * association's receive buffer, its advertised window closes and the peer stops sending: the
 * receiver's backpressure, for the whole association (RPC included, as the reference's blocked
 * receive task). Sending is not affected. Resuming delivers what waited.
 */
void actr_sctp_pause_rx(actr_sctp_t *s, bool paused);

/*
 * Sends one message on stream sid. max_rexmit < 0: reliable; >= 0: partially reliable with that
 * many retransmissions (RFC 3758). Queued when SCTP would block. Returns 0, ACTR_ETOOBIG (over the
 * remote's max-message-size), ACTR_EAGAIN (the queue is at send_queue_max), ACTR_ESTATE (not
 * connected or closed) or ACTR_EINVAL.
 */
int actr_sctp_send(actr_sctp_t *s, uint16_t sid, uint32_t ppid, const uint8_t *data, size_t len,
                   bool unordered, int max_rexmit);

/* Bytes of stream sid waiting in our queue (the data channel's bufferedAmount). */
size_t actr_sctp_buffered(const actr_sctp_t *s, uint16_t sid);

/* Resets our outgoing side of sid (closes a data channel, RFC 8831 6.7). */
int actr_sctp_reset_stream(actr_sctp_t *s, uint16_t sid);

bool actr_sctp_is_connected(const actr_sctp_t *s);
void actr_sctp_get_stats(const actr_sctp_t *s, actr_sctp_stats_t *out);

/* Aborts the association and frees. No callback runs afterwards. NULL: no-op. */
void actr_sctp_free(actr_sctp_t *s);

#endif /* ACTR_WIRE_WEBRTC_SCTP_H */

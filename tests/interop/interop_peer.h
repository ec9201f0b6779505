/*
 * interop_peer.h - C side of the interop harness (README.md in this folder): starts one npm
 * peer (wrtc_peer.js or werift_peer.js) connected to a listener of ours on 127.0.0.1 and
 * exchanges its newline-delimited JSON messages as cJSON objects. For C tests that drive our
 * WebRTC stack against libwebrtc or werift: add this file's .c to the test's SOURCES.
 *
 *   interop_peer_t *p;
 *   if (interop_peer_start("wrtc", "answer", NULL, &p) == ACTR_EUNAVAILABLE) exit(77);
 *   interop_peer_send(p, offer_json);               // {"type":"offer","sdp":...}
 *   cJSON *m; interop_peer_recv(p, 5000, &m);        // {"type":"answer",...}, candidates, events
 *   interop_peer_stop(p);                            // bye, bounded wait, kill if needed
 *
 * Every wait is bounded by the caller's timeout. Not thread-safe; poll interop_peer_fd() from a
 * loop and call interop_peer_recv(p, 0, &m) when it is readable.
 */
#ifndef ACTR_TESTS_INTEROP_PEER_H
#define ACTR_TESTS_INTEROP_PEER_H

#include <cjson/cJSON.h>

typedef struct interop_peer interop_peer_t;

/*
 * Runs setup.sh, listens on 127.0.0.1:0, starts `node <stack>_peer.js --role <role> --signal
 * 127.0.0.1:<port> [extra...]` (extra: NULL-terminated, may be NULL) and waits up to 30 s for
 * its connection and its "hello". Returns 0, ACTR_EUNAVAILABLE (node or the npm packages
 * missing: skip the test), ACTR_ETIMEDOUT or ACTR_EIO.
 */
int interop_peer_start(const char *stack, const char *role, const char *const *extra,
                       interop_peer_t **out);

/* Sends one message (takes ownership of msg). Returns 0 or ACTR_EIO. */
int interop_peer_send(interop_peer_t *p, cJSON *msg);

/* Sends {"type": type} plus nothing else. */
int interop_peer_send_type(interop_peer_t *p, const char *type);

/*
 * The next message, waiting up to timeout_ms (0 = only what is already buffered or readable).
 * Returns 0 with *out (caller deletes), ACTR_ETIMEDOUT, ACTR_ECLOSED (peer gone) or ACTR_EPROTO
 * (a line that is not JSON or longer than 4 MiB).
 */
int interop_peer_recv(interop_peer_t *p, int timeout_ms, cJSON **out);

/*
 * Waits up to timeout_ms for a message whose "type" is `type` (and, when label is not NULL,
 * whose "label" equals it); other messages go to skip(msg, ctx) when given, else are dropped.
 */
int interop_peer_expect(interop_peer_t *p, const char *type, const char *label, int timeout_ms,
                        void (*skip)(cJSON *msg, void *ctx), void *ctx, cJSON **out);

/* The signaling socket, for polling from a loop. */
int interop_peer_fd(const interop_peer_t *p);

/* Sends "bye", waits up to 5 s for the process, then kills it; frees p. NULL is fine. */
void interop_peer_stop(interop_peer_t *p);

#endif /* ACTR_TESTS_INTEROP_PEER_H */

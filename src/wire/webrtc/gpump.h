/*
 * gpump.h - a GLib main context driven by a libuv loop (LOOP-NOTES "libnice on a GMainContext").
 *
 * libnice dispatches its sockets and timers through a GMainContext. Instead of running a GLib
 * main loop on its own thread, we iterate the context from the caller's uv_loop_t: a uv_prepare
 * runs g_main_context_prepare + query, one uv_poll per distinct fd watches what GLib wants, a
 * uv_timer wakes the loop for GLib's next timeout, and a uv_check runs g_main_context_check +
 * dispatch. Every GLib callback therefore runs on the loop thread, inside the check phase.
 *
 * Create and free on the loop thread. actr_gpump_close() is asynchronous: the pump frees itself
 * once its uv handles are closed (run the loop afterwards).
 */
#ifndef ACTR_WIRE_WEBRTC_GPUMP_H
#define ACTR_WIRE_WEBRTC_GPUMP_H

#include <glib.h>
#include <uv.h>

typedef struct actr_gpump actr_gpump_t;

/* Creates a new GMainContext, acquires it for the loop thread and starts pumping it.
 * Returns 0, ACTR_ENOMEM or ACTR_EINTERNAL. */
int actr_gpump_new(uv_loop_t *loop, actr_gpump_t **out);

/* The pumped context (borrowed; valid until close). */
GMainContext *actr_gpump_context(actr_gpump_t *p);

/* Tells the pump that sockets watched through the context were closed (an ICE agent went away):
 * fd numbers may be reused by new sockets, so every watch is re-registered at the next prepare. */
void actr_gpump_sockets_closed(actr_gpump_t *p);

/* Number of fds GLib currently asks us to watch (tests, diagnostics). */
size_t actr_gpump_nfds(const actr_gpump_t *p);

/* Stops pumping, releases the context and closes every uv handle; frees itself when the last
 * handle is closed. Sources still attached to the context are never dispatched again. NULL: no-op. */
void actr_gpump_close(actr_gpump_t *p);

#endif /* ACTR_WIRE_WEBRTC_GPUMP_H */

/*
 * lws_track.h - a libwebsockets 4.1.6 context on one of our libuv loops, created so that we know
 * which uv handles it made. lws keeps them private, yet its two-step destroy (LOOP-NOTES) is only
 * safe once they are all closed; the signaling client and the WebSocket hub both need this.
 */
#ifndef ACTR_WIRE_LWS_TRACK_H
#define ACTR_WIRE_LWS_TRACK_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>
#include <uv.h>

#include "actr/error.h"

/*
 * lws_create_context(info) with info->foreign_loops set to loop (info->options must include
 * LWS_SERVER_OPTION_LIBUV), recording in handles[0..*count) the handles it added to loop (at
 * most max). Nothing else may run on loop meanwhile (call it on the loop's thread). Returns 0 with
 * *out set, or ACTR_EIO (no context), ACTR_ENOMEM, ACTR_EINTERNAL (more than max handles) with
 * err set; on those errors *out may still hold a context the caller destroys.
 */
int actr_lws_create_tracked(uv_loop_t *loop, struct lws_context_creation_info *info,
                            void **handles, size_t max, size_t *count, struct lws_context **out,
                            actr_error_t *err);

/* Whether every recorded handle is closed (false also when memory for the check ran out). */
bool actr_lws_handles_closed(uv_loop_t *loop, void *const *handles, size_t count);

#endif /* ACTR_WIRE_LWS_TRACK_H */

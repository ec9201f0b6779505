/*
 * curl_uv.h - HTTP requests with libcurl's multi-socket interface, driven by a libuv loop the
 * caller owns (design/LOOP-NOTES.md, "libcurl multi-socket on our loop").
 *
 * One actr_curl_uv_t per loop; any number of requests in flight on it. Every function must be
 * called on the loop's thread, and every completion callback runs there. Requests never follow
 * redirects, use only http:// and https://, and always have a connect and a total timeout.
 *
 *   actr_curl_uv_t *cu;
 *   actr_curl_uv_new(loop, &cu);
 *   actr_http_request_t req = ACTR_HTTP_REQUEST_INIT;
 *   req.url = "http://127.0.0.1:8081/ais/register";
 *   req.method = "POST"; req.body = bytes; req.body_len = n;
 *   actr_curl_uv_start(cu, &req, on_done, state, NULL);
 *   ...
 *   actr_curl_uv_close(cu, NULL, NULL);   // then run the loop until uv_loop_close() == 0
 *
 * Used by the AIS client; meant for the MFR registry fetch and OTLP export as well.
 */
#ifndef ACTR_PLATFORM_AIS_CURL_UV_H
#define ACTR_PLATFORM_AIS_CURL_UV_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "actr/error.h"

typedef struct actr_curl_uv actr_curl_uv_t;
typedef struct actr_http_call actr_http_call_t;

#define ACTR_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define ACTR_HTTP_DEFAULT_TIMEOUT_MS 30000u
#define ACTR_HTTP_DEFAULT_MAX_RESPONSE (1024u * 1024u)
/* Response headers kept per request (the rest are dropped, never an error). */
#define ACTR_HTTP_MAX_HEADER_BYTES 16384u
#define ACTR_HTTP_MAX_REQUEST_HEADERS 16

typedef struct actr_http_request {
    const char *url;    /* http:// or https:// */
    const char *method; /* "GET" or "POST"; NULL: POST when there is a body, else GET */
    const void *body;   /* copied at start */
    size_t body_len;
    /* Extra header lines, "Name: value"; copied at start. At most ACTR_HTTP_MAX_REQUEST_HEADERS. */
    const char *const *headers;
    size_t header_count;
    uint32_t connect_timeout_ms; /* 0: ACTR_HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
    uint32_t timeout_ms;         /* whole request; 0: ACTR_HTTP_DEFAULT_TIMEOUT_MS */
    size_t max_response_bytes;   /* body cap; 0: ACTR_HTTP_DEFAULT_MAX_RESPONSE */
} actr_http_request_t;

#define ACTR_HTTP_REQUEST_INIT {NULL, NULL, NULL, 0, NULL, 0, 0, 0, 0}

/*
 * What a finished request gives its callback; everything is borrowed for the callback's duration.
 * result is 0 when an HTTP response arrived (whatever its status), else:
 *   ACTR_ETIMEDOUT     the connect or total timeout passed
 *   ACTR_EUNAVAILABLE  connection refused, host not found, reset: the server was not reached or
 *                      went away
 *   ACTR_ETOOBIG       the body exceeded max_response_bytes
 *   ACTR_ECANCELED     actr_curl_uv_close() ran while the request was in flight
 *   ACTR_EIO           any other transport failure
 * error holds libcurl's text for a failure ("" on success).
 */
typedef struct actr_http_response {
    int result;
    long status; /* HTTP status, 0 when none arrived */
    const uint8_t *body;
    size_t body_len;
    const char *error;
    const char *headers; /* the final response's header block, "Name: value\r\n" lines */
    size_t headers_len;
} actr_http_response_t;

typedef void (*actr_http_done_fn)(const actr_http_response_t *resp, void *arg);

/* Creates the driver on loop (curl_global_init runs once per process). ENOMEM or EINTERNAL. */
int actr_curl_uv_new(uv_loop_t *loop, actr_curl_uv_t **out);

/*
 * Starts a request. done runs exactly once, on a later loop iteration (never inside this call),
 * unless the call is cancelled first. *call (optional) gets a handle valid until done starts or
 * actr_curl_uv_cancel() returns. Errors: EINVAL (no URL, too many headers), ECLOSED (closing),
 * ENOMEM, EINTERNAL; done is not called then.
 */
int actr_curl_uv_start(actr_curl_uv_t *cu, const actr_http_request_t *req, actr_http_done_fn done,
                       void *arg, actr_http_call_t **call);

/* Abandons an in-flight request; its callback is never called. */
void actr_curl_uv_cancel(actr_http_call_t *call);

/* Requests in flight. */
size_t actr_curl_uv_active(const actr_curl_uv_t *cu);

/*
 * Shuts down: every request still in flight completes now with ACTR_ECANCELED, the multi handle
 * is cleaned up, and the uv handles are closed; closed(arg) (optional) runs once the last one is
 * closed and the driver is freed. Run the loop afterwards so uv_loop_close() can return 0.
 * Allowed from a completion callback. NULL is allowed.
 */
void actr_curl_uv_close(actr_curl_uv_t *cu, void (*closed)(void *arg), void *arg);

/*
 * Value of the response header name (case-insensitive) from a header block, trimmed, copied into
 * out (NUL-terminated, truncated to cap - 1). Returns its full length, or -1 when absent.
 */
long actr_http_header_get(const char *headers, size_t len, const char *name, char *out, size_t cap);

#endif /* ACTR_PLATFORM_AIS_CURL_UV_H */

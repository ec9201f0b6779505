/*
 * curl_uv.c - libcurl's multi-socket interface on a caller's libuv loop.
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION: one uv_poll_t each) and when
 * to call it back (CURLMOPT_TIMERFUNCTION: one uv_timer_t). Both callbacks only (re)arm libuv
 * handles: calling curl_multi_socket_action() from inside them would re-enter libcurl. Finished
 * transfers are collected with curl_multi_info_read() after every action, outside any libcurl
 * callback, so a completion callback may start, cancel or close freely.
 */
#include "platform/ais/curl_uv.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    actr_curl_uv_t *cu;
    struct sock_ctx *prev, *next;
} sock_ctx_t;

struct actr_http_call {
    actr_curl_uv_t *cu;
    CURL *easy;
    struct curl_slist *headers;
    uint8_t *req_body;
    uint8_t *body;
    size_t body_len, body_cap, body_max;
    bool too_big;
    char hdr[ACTR_HTTP_MAX_HEADER_BYTES];
    size_t hdr_len;
    char errbuf[CURL_ERROR_SIZE];
    actr_http_done_fn done;
    void *arg;
    actr_http_call_t *prev, *next;
};

struct actr_curl_uv {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    actr_http_call_t *calls; /* in flight, doubly linked */
    size_t active;
    sock_ctx_t *socks;
    size_t open_handles; /* uv handles not yet closed: the timer and the polls */
    bool closing;
    void (*closed)(void *arg);
    void *closed_arg;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- uv handle bookkeeping ---------------------------------------------------------------- */

static void maybe_free(actr_curl_uv_t *cu)
{
    if (!cu->closing || cu->open_handles > 0)
        return;
    void (*closed)(void *) = cu->closed;
    void *arg = cu->closed_arg;
    free(cu);
    if (closed)
        closed(arg);
}

static void on_handle_closed(uv_handle_t *h)
{
    actr_curl_uv_t *cu = h->data;
    cu->open_handles--;
    maybe_free(cu);
}

static void on_sock_closed(uv_handle_t *h)
{
    sock_ctx_t *s = h->data;
    actr_curl_uv_t *cu = s->cu;
    free(s);
    cu->open_handles--;
    maybe_free(cu);
}

static void sock_release(actr_curl_uv_t *cu, sock_ctx_t *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        cu->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

/* ---- completions -------------------------------------------------------------------------- */

static void call_unlink(actr_http_call_t *c)
{
    actr_curl_uv_t *cu = c->cu;
    if (c->prev)
        c->prev->next = c->next;
    else
        cu->calls = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    cu->active--;
}

static void call_free(actr_http_call_t *c)
{
    if (c->easy)
        curl_easy_cleanup(c->easy);
    curl_slist_free_all(c->headers);
    free(c->req_body);
    free(c->body);
    free(c);
}

static int map_curl_result(const actr_http_call_t *c, CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return 0;
    case CURLE_OPERATION_TIMEDOUT:
        return ACTR_ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return ACTR_EUNAVAILABLE;
    case CURLE_FILESIZE_EXCEEDED:
        return ACTR_ETOOBIG;
    case CURLE_WRITE_ERROR:
        return c->too_big ? ACTR_ETOOBIG : ACTR_EIO;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING:
        return ACTR_EPROTO; /* something answered, but not with HTTP we can read */
    default:
        return ACTR_EIO;
    }
}

/* Unlinks c, hands the outcome to its callback and frees it. result overrides libcurl's. */
static void call_finish(actr_http_call_t *c, CURLcode rc, int result)
{
    actr_curl_uv_t *cu = c->cu;
    call_unlink(c);
    curl_multi_remove_handle(cu->multi, c->easy);

    actr_http_response_t resp = {0};
    resp.result = result ? result : map_curl_result(c, rc);
    if (resp.result == 0 || resp.result == ACTR_ETOOBIG)
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &resp.status);
    if (resp.result == 0) {
        resp.body = c->body;
        resp.body_len = c->body_len;
    }
    if (result == ACTR_ECANCELED)
        resp.error = "request canceled: HTTP client closing";
    else if (rc != CURLE_OK)
        resp.error = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
    else
        resp.error = "";
    resp.headers = c->hdr;
    resp.headers_len = c->hdr_len;
    c->done(&resp, c->arg);
    call_free(c);
}

static void drain(actr_curl_uv_t *cu)
{
    CURLMsg *msg;
    int left;
    while (!cu->closing && (msg = curl_multi_info_read(cu->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURLcode rc = msg->data.result;
        actr_http_call_t *c = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        if (c)
            call_finish(c, rc, 0);
    }
}

/* ---- libuv -> libcurl --------------------------------------------------------------------- */

static void on_uv_timer(uv_timer_t *t)
{
    actr_curl_uv_t *cu = t->data;
    int running;
    curl_multi_socket_action(cu->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(cu);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock_ctx_t *s = h->data;
    actr_curl_uv_t *cu = s->cu; /* s may be released during the action */
    int flags = 0;
    if (status < 0) {
        flags = CURL_CSELECT_ERR;
    } else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    int running;
    curl_multi_socket_action(cu->multi, s->fd, flags, &running);
    drain(cu);
}

/* ---- libcurl -> libuv: only arm and disarm, never act ------------------------------------- */

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    actr_curl_uv_t *cu = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&cu->timer);
    else
        uv_timer_start(&cu->timer, on_uv_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    actr_curl_uv_t *cu = userp;
    sock_ctx_t *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            sock_release(cu, s);
            if (!cu->closing)
                curl_multi_assign(cu->multi, fd, NULL);
        }
        return 0;
    }
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        if (uv_poll_init_socket(cu->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->fd = fd;
        s->cu = cu;
        s->poll.data = s;
        s->next = cu->socks;
        if (cu->socks)
            cu->socks->prev = s;
        cu->socks = s;
        cu->open_handles++;
        curl_multi_assign(cu->multi, fd, s);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    return uv_poll_start(&s->poll, events, on_poll) == 0 ? 0 : -1;
}

/* ---- transfer callbacks ------------------------------------------------------------------- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    actr_http_call_t *c = userdata;
    size_t n = size * nmemb;
    if (n > c->body_max - c->body_len) {
        c->too_big = true;
        return 0; /* CURLE_WRITE_ERROR */
    }
    if (c->body_len + n + 1 > c->body_cap) {
        size_t cap = c->body_cap ? c->body_cap : 4096;
        while (cap < c->body_len + n + 1)
            cap *= 2;
        uint8_t *grown = realloc(c->body, cap);
        if (!grown)
            return 0;
        c->body = grown;
        c->body_cap = cap;
    }
    memcpy(c->body + c->body_len, ptr, n);
    c->body_len += n;
    c->body[c->body_len] = 0; /* text bodies can be read as C strings */
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
    actr_http_call_t *c = userdata;
    size_t n = size * nitems;
    /* A status line starts a new response (after 100 Continue): keep only the final one. */
    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
        c->hdr_len = 0;
    if (n < sizeof c->hdr - c->hdr_len) {
        memcpy(c->hdr + c->hdr_len, ptr, n);
        c->hdr_len += n;
        c->hdr[c->hdr_len] = 0;
    }
    return n;
}

/* ---- public ------------------------------------------------------------------------------- */

int actr_curl_uv_new(uv_loop_t *loop, actr_curl_uv_t **out)
{
    *out = NULL;
    if (!loop)
        return ACTR_EINVAL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return ACTR_EINTERNAL;
    actr_curl_uv_t *cu = calloc(1, sizeof *cu);
    if (!cu)
        return ACTR_ENOMEM;
    cu->loop = loop;
    cu->multi = curl_multi_init();
    if (!cu->multi) {
        free(cu);
        return ACTR_ENOMEM;
    }
    if (uv_timer_init(loop, &cu->timer) != 0) {
        curl_multi_cleanup(cu->multi);
        free(cu);
        return ACTR_EINTERNAL;
    }
    cu->timer.data = cu;
    cu->open_handles = 1;
    curl_multi_setopt(cu->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(cu->multi, CURLMOPT_SOCKETDATA, cu);
    curl_multi_setopt(cu->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(cu->multi, CURLMOPT_TIMERDATA, cu);
    *out = cu;
    return 0;
}

static int call_setup(actr_http_call_t *c, const actr_http_request_t *req)
{
    CURL *e = c->easy;
    bool post = req->method ? strcmp(req->method, "POST") == 0 : req->body_len > 0;
    if (req->method && !post && strcmp(req->method, "GET") != 0)
        return ACTR_EINVAL;
    for (size_t i = 0; i < req->header_count; i++) {
        struct curl_slist *l = curl_slist_append(c->headers, req->headers[i]);
        if (!l)
            return ACTR_ENOMEM;
        c->headers = l;
    }
    if (post) {
        /* No "Expect: 100-continue" round trip for larger bodies. */
        struct curl_slist *l = curl_slist_append(c->headers, "Expect:");
        if (!l)
            return ACTR_ENOMEM;
        c->headers = l;
        c->req_body = malloc(req->body_len ? req->body_len : 1);
        if (!c->req_body)
            return ACTR_ENOMEM;
        if (req->body_len)
            memcpy(c->req_body, req->body, req->body_len);
    }
    c->body_max = req->max_response_bytes ? req->max_response_bytes
                                          : ACTR_HTTP_DEFAULT_MAX_RESPONSE;
    long connect_ms = req->connect_timeout_ms ? (long)req->connect_timeout_ms
                                              : (long)ACTR_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    long total_ms = req->timeout_ms ? (long)req->timeout_ms : (long)ACTR_HTTP_DEFAULT_TIMEOUT_MS;

    CURLcode rc = CURLE_OK;
#define SET(opt, val) \
    if (rc == CURLE_OK) \
    rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_PRIVATE, (void *)c);
    SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SET(CURLOPT_TIMEOUT_MS, total_ms);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->body_max);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)c);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)c);
    SET(CURLOPT_ERRORBUFFER, c->errbuf);
    if (c->headers)
        SET(CURLOPT_HTTPHEADER, c->headers);
    if (post) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SET(CURLOPT_POSTFIELDS, (char *)c->req_body);
    } else {
        SET(CURLOPT_HTTPGET, 1L);
    }
#undef SET
    if (rc == CURLE_OUT_OF_MEMORY)
        return ACTR_ENOMEM;
    return rc == CURLE_OK ? 0 : ACTR_EINVAL;
}

int actr_curl_uv_start(actr_curl_uv_t *cu, const actr_http_request_t *req, actr_http_done_fn done,
                       void *arg, actr_http_call_t **call)
{
    if (call)
        *call = NULL;
    if (!cu || !req || !req->url || !done || (req->body_len && !req->body) ||
        req->header_count > ACTR_HTTP_MAX_REQUEST_HEADERS ||
        (req->header_count && !req->headers))
        return ACTR_EINVAL;
    if (cu->closing)
        return ACTR_ECLOSED;
    actr_http_call_t *c = calloc(1, sizeof *c);
    if (!c)
        return ACTR_ENOMEM;
    c->cu = cu;
    c->done = done;
    c->arg = arg;
    c->easy = curl_easy_init();
    int rc = c->easy ? call_setup(c, req) : ACTR_ENOMEM;
    if (rc == 0 && curl_multi_add_handle(cu->multi, c->easy) != CURLM_OK)
        rc = ACTR_EINTERNAL;
    if (rc != 0) {
        call_free(c);
        return rc;
    }
    c->next = cu->calls;
    if (cu->calls)
        cu->calls->prev = c;
    cu->calls = c;
    cu->active++;
    if (call)
        *call = c;
    return 0;
}

void actr_curl_uv_cancel(actr_http_call_t *c)
{
    if (!c)
        return;
    call_unlink(c);
    curl_multi_remove_handle(c->cu->multi, c->easy);
    call_free(c);
}

size_t actr_curl_uv_active(const actr_curl_uv_t *cu)
{
    return cu ? cu->active : 0;
}

void actr_curl_uv_close(actr_curl_uv_t *cu, void (*closed)(void *arg), void *arg)
{
    if (!cu || cu->closing)
        return;
    cu->closing = true;
    cu->closed = closed;
    cu->closed_arg = arg;
    /* Callbacks may cancel other calls: take the head each time. */
    while (cu->calls)
        call_finish(cu->calls, CURLE_OK, ACTR_ECANCELED);
    curl_multi_cleanup(cu->multi); /* fires the last CURL_POLL_REMOVEs */
    cu->multi = NULL;
    while (cu->socks)
        sock_release(cu, cu->socks);
    uv_timer_stop(&cu->timer);
    uv_close((uv_handle_t *)&cu->timer, on_handle_closed);
}

long actr_http_header_get(const char *headers, size_t len, const char *name, char *out, size_t cap)
{
    size_t name_len = strlen(name);
    const char *p = headers, *end = headers + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > name_len && p[name_len] == ':' &&
            strncasecmp(p, name, name_len) == 0) {
            const char *v = p + name_len + 1, *ve = line_end;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t n = (size_t)(ve - v);
            if (cap) {
                size_t k = n < cap - 1 ? n : cap - 1;
                memcpy(out, v, k);
                out[k] = 0;
            }
            return (long)n;
        }
        p = eol ? eol + 1 : end;
    }
    return -1;
}

/*
 * http_routes.c - actrd's HTTP API (protocol.md 5, 4.5, 9.2):
 *
 *   POST /ais/register        protobuf, HTTP 200 even for logical errors (state side decides)
 *   POST /ais/renew           protobuf, the status mirrors the error code
 *   GET  /mfr/{m}/verifying_key[?key_id=]   JSON
 *   GET  /health, /ais/health, /signaling/health   JSON
 *   GET  /metrics             Prometheus text
 *
 * /ais and /mfr share one per-IP token bucket (429 + Retry-After). Bodies over the cap get 413
 * and the connection is closed, since the rest of the body is not read. A reply is written in
 * two WRITEABLE rounds (headers, then body), then the connection is kept alive for the next
 * request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr.pb-c.h"
#include "actr/log.h"
#include "base/clock.h"
#include "net/server.h"

#define PB_TYPE "application/x-protobuf"
#define JSON_TYPE "application/json"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define REALM_SECRET_HEADER "x-actrix-realm-secret:"
#define REALM_SECRET_MAX 512
#define MFR_PREFIX "/mfr/"
#define MFR_SUFFIX "/verifying_key"

struct actrd_http_req {
    actrd_route_t route;
    bool responding; /* a reply is set: later body bytes are discarded */
    bool limited;    /* answer 429 once the body has been read */
    uint32_t retry_after;
    uint8_t *body;
    size_t len, cap;
    char *secret; /* trimmed realm-secret header, or NULL */
    char path[256];
    char key_id[128];
    bool has_key_id;
    /* the reply */
    int status;
    const char *ctype;
    unsigned char *resp; /* LWS_PRE headroom, then resp_len bytes */
    size_t resp_len;
    uint32_t resp_retry_after;
    int stage; /* 1: headers next, 2: body next */
    bool close_after;
    char peer[ACTRD_PEER_SIZE];
};

static void req_free(actrd_pss_t *pss)
{
    actrd_http_req_t *r = pss->http;
    if (!r)
        return;
    free(r->body);
    free(r->secret);
    free(r->resp);
    free(r);
    pss->http = NULL;
}

/* Sets the reply (copying data) and asks for the first WRITEABLE. */
static int reply(actrd_server_t *srv, struct lws *wsi, actrd_http_req_t *r, int status,
                 const char *ctype, const void *data, size_t len, uint32_t retry_after)
{
    unsigned char *buf = malloc(LWS_PRE + len + 1);
    if (!buf)
        return -1;
    if (len)
        memcpy(buf + LWS_PRE, data, len);
    free(r->resp);
    r->resp = buf;
    r->resp_len = len;
    r->status = status;
    r->ctype = ctype;
    r->resp_retry_after = retry_after;
    r->responding = true;
    r->stage = 1;
    actrd_metrics_http(&srv->metrics, r->route, status);
    srv->metrics.http_bytes_out += len;
    lws_callback_on_writable(wsi);
    return 0;
}

static int reply_json_error(actrd_server_t *srv, struct lws *wsi, actrd_http_req_t *r,
                            int status, const char *msg, uint32_t retry_after)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", msg);
    return reply(srv, wsi, r, status, JSON_TYPE, body, (size_t)n, retry_after);
}

/*
 * Our own refusals on the AIS routes carry a protobuf body too: RegisterResponse and
 * RenewCredentialResponse both put ErrorResponse in field 2, so one encoding serves both.
 */
static int reply_error(actrd_server_t *srv, struct lws *wsi, actrd_http_req_t *r, int status,
                       const char *msg, uint32_t retry_after)
{
    if (r->route != ACTRD_ROUTE_AIS_REGISTER && r->route != ACTRD_ROUTE_AIS_RENEW)
        return reply_json_error(srv, wsi, r, status, msg, retry_after);
    Actr__ErrorResponse e = ACTR__ERROR_RESPONSE__INIT;
    e.code = (uint32_t)status;
    e.message = (char *)msg;
    Actr__RegisterResponse resp = ACTR__REGISTER_RESPONSE__INIT;
    resp.result_case = ACTR__REGISTER_RESPONSE__RESULT_ERROR;
    resp.error = &e;
    uint8_t buf[256];
    size_t n = actr__register_response__get_packed_size(&resp);
    if (n > sizeof buf)
        return -1;
    actr__register_response__pack(&resp, buf);
    if (r->route == ACTRD_ROUTE_AIS_REGISTER) {
        srv->metrics.registrations_failed++;
        srv->metrics.register_errors[actrd_status_slot(status)]++;
    } else {
        srv->metrics.renewals_failed++;
        srv->metrics.renew_errors[actrd_status_slot(status)]++;
    }
    return reply(srv, wsi, r, status, PB_TYPE, buf, n, retry_after);
}

/* Counts a register answer by its oneof: HTTP 200 hides logical errors. */
static void count_register(actrd_metrics_t *m, const actrd_http_reply_t *rep)
{
    Actr__RegisterResponse *resp = actr__register_response__unpack(NULL, rep->len, rep->body);
    if (resp && resp->result_case == ACTR__REGISTER_RESPONSE__RESULT_SUCCESS) {
        m->registrations_ok++;
    } else {
        m->registrations_failed++;
        int code = resp && resp->result_case == ACTR__REGISTER_RESPONSE__RESULT_ERROR &&
                           resp->error ? (int)resp->error->code : 0;
        m->register_errors[actrd_status_slot(code)]++;
    }
    if (resp)
        actr__register_response__free_unpacked(resp, NULL);
}

static int call_backend(actrd_server_t *srv, struct lws *wsi, actrd_http_req_t *r)
{
    actrd_http_reply_t rep;
    memset(&rep, 0, sizeof rep);
    int rc;
    switch (r->route) {
    case ACTRD_ROUTE_AIS_REGISTER:
        rc = actrd_ais_register(srv->state, r->body, r->len, r->secret, &rep);
        break;
    case ACTRD_ROUTE_AIS_RENEW:
        rc = actrd_ais_renew(srv->state, r->body, r->len, &rep);
        break;
    default: { /* MFR: the manufacturer is the path segment between the prefix and suffix */
        size_t n = strlen(r->path) - strlen(MFR_PREFIX) - strlen(MFR_SUFFIX);
        char mfr[sizeof r->path];
        memcpy(mfr, r->path + strlen(MFR_PREFIX), n);
        mfr[n] = '\0';
        rc = actrd_mfr_verifying_key(srv->state, mfr, r->has_key_id ? r->key_id : NULL, &rep);
        break;
    }
    }
    if (rc) {
        actrd_http_reply_free(&rep);
        actr_log(ACTR_LOG_ERROR, "net", "backend failed", ACTR_KV("path", r->path),
                 ACTR_KV("error", actr_strerror(rc)));
        return reply_error(srv, wsi, r, 500, "internal error", 0);
    }
    if (r->route == ACTRD_ROUTE_AIS_REGISTER) {
        count_register(&srv->metrics, &rep);
    } else if (r->route == ACTRD_ROUTE_AIS_RENEW) {
        if (rep.status == 200) {
            srv->metrics.renewals_ok++;
        } else {
            srv->metrics.renewals_failed++;
            srv->metrics.renew_errors[actrd_status_slot(rep.status)]++;
        }
    }
    char status[12];
    snprintf(status, sizeof status, "%d", rep.status);
    actr_log(ACTR_LOG_DEBUG, "net", "http", ACTR_KV("peer", r->peer), ACTR_KV("path", r->path),
             ACTR_KV("status", status));
    rc = reply(srv, wsi, r, rep.status, rep.content_type ? rep.content_type : PB_TYPE, rep.body,
               rep.len, rep.retry_after_secs);
    actrd_http_reply_free(&rep);
    return rc;
}

/* Reads the realm-secret header, trimmed; empty counts as absent (protocol.md 4.6). */
static int read_secret(struct lws *wsi, actrd_http_req_t *r)
{
    int n = lws_hdr_custom_length(wsi, REALM_SECRET_HEADER, (int)strlen(REALM_SECRET_HEADER));
    if (n <= 0)
        return 0;
    if (n > REALM_SECRET_MAX)
        return -1;
    char buf[REALM_SECRET_MAX + 1];
    if (lws_hdr_custom_copy(wsi, buf, sizeof buf, REALM_SECRET_HEADER,
                            (int)strlen(REALM_SECRET_HEADER)) < 0)
        return -1;
    char *s = buf, *e = buf + strlen(buf);
    while (*s == ' ' || *s == '\t')
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    if (e == s)
        return 0;
    *e = '\0';
    r->secret = strdup(s);
    return r->secret ? 0 : -1;
}

static bool is_mfr_path(const char *path)
{
    size_t n = strlen(path), pre = strlen(MFR_PREFIX), suf = strlen(MFR_SUFFIX);
    if (n <= pre + suf || strncmp(path, MFR_PREFIX, pre) || strcmp(path + n - suf, MFR_SUFFIX))
        return false;
    return memchr(path + pre, '/', n - pre - suf) == NULL; /* exactly one segment */
}

static actrd_route_t route_of(const char *path, bool *is_post_route)
{
    *is_post_route = false;
    *is_post_route = !strcmp(path, "/ais/register") || !strcmp(path, "/ais/renew");
    if (*is_post_route)
        return strcmp(path, "/ais/renew") ? ACTRD_ROUTE_AIS_REGISTER : ACTRD_ROUTE_AIS_RENEW;
    if (!strcmp(path, "/health") || !strcmp(path, "/ais/health") ||
        !strcmp(path, "/signaling/health"))
        return ACTRD_ROUTE_HEALTH;
    if (!strcmp(path, "/metrics"))
        return ACTRD_ROUTE_METRICS;
    if (is_mfr_path(path))
        return ACTRD_ROUTE_MFR;
    return ACTRD_ROUTE_OTHER;
}

static int get_route(actrd_server_t *srv, struct lws *wsi, actrd_http_req_t *r)
{
    char *body = NULL;
    size_t len = 0;
    int rc;
    switch (r->route) {
    case ACTRD_ROUTE_HEALTH:
        if (actrd_health_body(srv, r->path, &body, &len))
            return -1;
        rc = reply(srv, wsi, r, 200, JSON_TYPE, body, len, 0);
        free(body);
        return rc;
    case ACTRD_ROUTE_METRICS: {
        actrd_sig_stats_t stats;
        actrd_sig_stats(srv->sig, &stats);
        if (actrd_metrics_format(&srv->metrics, &stats, actr_clock_wall_s(), &body, &len))
            return -1;
        rc = reply(srv, wsi, r, 200, METRICS_TYPE, body, len, 0);
        free(body);
        return rc;
    }
    case ACTRD_ROUTE_MFR: {
        char buf[sizeof r->key_id + 8];
        const char *v = lws_get_urlarg_by_name(wsi, "key_id=", buf, (int)sizeof buf);
        if (v) {
            snprintf(r->key_id, sizeof r->key_id, "%s", v);
            r->has_key_id = true;
        }
        return call_backend(srv, wsi, r);
    }
    default:
        return reply_json_error(srv, wsi, r, 404, "not found", 0);
    }
}

/*
 * Parses Content-Length: the value, 0 when absent, or -1 when malformed. A chunked body (no
 * length) counts as malformed: AIS clients send a length, and an unknown one cannot be capped
 * up front.
 */
static long long content_length(struct lws *wsi)
{
    char buf[32];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
        return -1;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return 0;
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return -1;
    char *end;
    long long v = strtoll(buf, &end, 10);
    return (*end || v < 0) ? -1 : v;
}

static int on_request(actrd_server_t *srv, struct lws *wsi, actrd_pss_t *pss, const char *path)
{
    req_free(pss); /* keep-alive: the previous transaction's leftovers */
    actrd_http_req_t *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    pss->http = r;
    actrd_peer_ip(wsi, r->peer);
    snprintf(r->path, sizeof r->path, "%s", path ? path : "");
    bool post_route;
    r->route = route_of(r->path, &post_route);
    bool is_post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
    bool is_get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    long long expect = is_post ? content_length(wsi) : 0;
    /* Answered before its body is read, a request's body must not be taken for the next one. */
    r->close_after = expect != 0;
    if (r->route == ACTRD_ROUTE_OTHER)
        return reply_json_error(srv, wsi, r, 404, "not found", 0);
    if (post_route ? !is_post : !is_get)
        return reply_json_error(srv, wsi, r, 405, "method not allowed", 0);
    if (r->route == ACTRD_ROUTE_AIS_REGISTER || r->route == ACTRD_ROUTE_AIS_RENEW ||
        r->route == ACTRD_ROUTE_MFR) {
        uint64_t retry_ms = 0;
        if (actrd_iplimit_take(srv->http_limit, r->peer, actr_clock_mono_ms(), &retry_ms)) {
            srv->metrics.http_rate_limited++;
            r->limited = true;
            r->retry_after = actrd_retry_after_secs(retry_ms);
            actr_log(ACTR_LOG_INFO, "net", "http rate limited", ACTR_KV("peer", r->peer),
                     ACTR_KV("path", r->path));
        }
    }
    if (!post_route) {
        if (r->limited)
            return reply_error(srv, wsi, r, 429, "rate limited", r->retry_after);
        return get_route(srv, wsi, r);
    }
    if (expect < 0 || expect > (long long)srv->cfg->max_http_body_bytes) {
        srv->metrics.http_body_too_large += expect > 0;
        actr_log(ACTR_LOG_INFO, "net", "http body refused", ACTR_KV("peer", r->peer),
                 ACTR_KV("path", r->path), ACTR_KV("why", expect < 0 ? "bad length" : "too big"));
        return reply_error(srv, wsi, r, expect < 0 ? 411 : 413,
                           expect < 0 ? "a valid content-length is required" : "body too large",
                           0);
    }
    if (r->route == ACTRD_ROUTE_AIS_REGISTER && read_secret(wsi, r))
        return reply_error(srv, wsi, r, 400, "bad realm secret header", 0);
    r->close_after = false; /* from here on the body is read before the answer */
    if (expect == 0) { /* lws reports no body: answer now */
        if (r->limited)
            return reply_error(srv, wsi, r, 429, "rate limited", r->retry_after);
        return call_backend(srv, wsi, r);
    }
    return 0; /* wait for the body */
}

static int on_body(actrd_server_t *srv, actrd_http_req_t *r, const void *in, size_t len)
{
    srv->metrics.http_bytes_in += len;
    if (r->responding || r->limited)
        return 0; /* discarded */
    if (r->len + len > srv->cfg->max_http_body_bytes) {
        srv->metrics.http_body_too_large++;
        return -1; /* more than Content-Length promised: drop the connection */
    }
    if (r->len + len > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + len)
            cap *= 2;
        uint8_t *p = realloc(r->body, cap);
        if (!p)
            return -1;
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, in, len);
    r->len += len;
    return 0;
}

static int on_body_done(actrd_server_t *srv, struct lws *wsi, actrd_http_req_t *r)
{
    if (r->responding)
        return 0;
    if (r->limited)
        return reply_error(srv, wsi, r, 429, "rate limited", r->retry_after);
    return call_backend(srv, wsi, r);
}

static int write_headers(struct lws *wsi, actrd_http_req_t *r)
{
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->ctype, r->resp_len, &p, end))
        return -1;
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end))
        return -1;
    if (r->resp_retry_after) {
        char v[16];
        int n = snprintf(v, sizeof v, "%u", r->resp_retry_after);
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:",
                                        (const unsigned char *)v, n, &p, end))
            return -1;
    }
    if (r->close_after &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                    (const unsigned char *)"close", 5, &p, end))
        return -1;
    return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

/* The reply is out: close, or wait for the next request on this connection. */
static int finish(struct lws *wsi, actrd_pss_t *pss)
{
    bool close_after = pss->http->close_after;
    req_free(pss);
    if (close_after)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int on_writeable(struct lws *wsi, actrd_pss_t *pss)
{
    actrd_http_req_t *r = pss->http;
    if (!r || !r->stage)
        return 0;
    if (r->stage == 1) {
        if (write_headers(wsi, r))
            return -1;
        if (!r->resp_len)
            return finish(wsi, pss);
        r->stage = 2;
        lws_callback_on_writable(wsi);
        return 0;
    }
    int n = lws_write(wsi, r->resp + LWS_PRE, r->resp_len, LWS_WRITE_HTTP_FINAL);
    if (n < 0 || (size_t)n < r->resp_len)
        return -1;
    return finish(wsi, pss);
}

int actrd_http_callback(actrd_server_t *srv, struct lws *wsi, enum lws_callback_reasons reason,
                        actrd_pss_t *pss, void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_request(srv, wsi, pss, in) ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY:
        return pss->http ? on_body(srv, pss->http, in, len) : -1;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return pss->http ? (on_body_done(srv, wsi, pss->http) ? -1 : 0) : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return on_writeable(wsi, pss);
    case LWS_CALLBACK_CLOSED_HTTP:
        req_free(pss);
        return 0;
    default:
        return 0;
    }
}

void actrd_http_release(actrd_pss_t *pss)
{
    if (pss)
        req_free(pss);
}

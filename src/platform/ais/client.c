/*
 * client.c - AIS /register and /renew over actr_curl_uv_t: request building, the manufacturer
 * proof, and the classification of every answer (protocol.md §5.1-5.2, runtime.md §12.5).
 */
#include "platform/ais/client.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "actr/log.h"
#include "base/clock.h"
#include "codec/pb.h"
#include "platform/acl_proto.h"
#include "platform/ais/id_pb.h"

#define LOG_MODULE "ais"
#define URL_MAX 2048
#define SECRET_MAX 512

struct actr_ais_client {
    actr_curl_uv_t *http;
    char register_url[URL_MAX];
    char renew_url[URL_MAX];
    char secret_header[sizeof ACTR_AIS_REALM_SECRET_HEADER + 2 + SECRET_MAX];
    bool has_secret;
    uint32_t connect_timeout_ms, timeout_ms;
    const actr_crypto_provider_t *crypto;
    int64_t (*now_s)(void *ctx);
    void *now_ctx;
    actr_ais_call_t *calls; /* in flight, doubly linked */
    bool freeing;           /* refuse new calls from CANCELED callbacks */
};

typedef enum call_kind { CALL_REGISTER, CALL_RENEW } call_kind_t;

struct actr_ais_call {
    actr_ais_client_t *client;
    actr_http_call_t *http;
    call_kind_t kind;
    actr_id_t expected; /* CALL_RENEW */
    actr_ais_done_fn done;
    void *arg;
    actr_ais_call_t *prev, *next;
};

static const char *const STATUS_NAMES[] = {
    "ok", "invalid", "token_rejected", "realm_unavailable",
    "rate_limited", "retryable", "protocol_error", "canceled",
};

const char *actr_ais_status_name(actr_ais_status_t status)
{
    return (unsigned)status < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0] ? STATUS_NAMES[status]
                                                                          : "?";
}

actr_ais_status_t actr_ais_classify_code(uint32_t code)
{
    if (code >= 200 && code < 300)
        return ACTR_AIS_OK;
    switch (code) {
    case 400:
        return ACTR_AIS_INVALID;
    case 401:
        return ACTR_AIS_TOKEN_REJECTED;
    case 403:
        return ACTR_AIS_REALM_UNAVAILABLE;
    case 429:
        return ACTR_AIS_RATE_LIMITED;
    case 408:
        return ACTR_AIS_RETRYABLE;
    default:
        return code >= 500 && code < 600 ? ACTR_AIS_RETRYABLE : ACTR_AIS_PROTOCOL_ERROR;
    }
}

static int status_errno(actr_ais_status_t s)
{
    switch (s) {
    case ACTR_AIS_OK:
        return 0;
    case ACTR_AIS_INVALID:
        return ACTR_EINVAL;
    case ACTR_AIS_TOKEN_REJECTED:
    case ACTR_AIS_REALM_UNAVAILABLE:
        return ACTR_EPERM;
    case ACTR_AIS_RATE_LIMITED:
        return ACTR_EAGAIN;
    case ACTR_AIS_RETRYABLE:
        return ACTR_EUNAVAILABLE;
    case ACTR_AIS_CANCELED:
        return ACTR_ECANCELED;
    default:
        return ACTR_EPROTO;
    }
}

static int64_t client_now(const actr_ais_client_t *c)
{
    return c->now_s ? c->now_s(c->now_ctx) : actr_clock_wall_s();
}

/* ---- client ------------------------------------------------------------------------------- */

static int build_url(char *out, const char *endpoint, const char *path, actr_error_t *err)
{
    size_t n = strlen(endpoint);
    while (n > 0 && endpoint[n - 1] == '/')
        n--;
    if (n + strlen(path) + 1 > URL_MAX)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "AIS endpoint too long");
    memcpy(out, endpoint, n);
    strcpy(out + n, path);
    return 0;
}

static int set_secret(actr_ais_client_t *c, const char *secret, actr_error_t *err)
{
    if (!secret)
        return 0;
    const char *b = secret, *e = secret + strlen(secret);
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    if (b == e)
        return 0; /* blank counts as absent, as on the server */
    for (const char *p = b; p < e; p++)
        if (iscntrl((unsigned char)*p))
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "realm secret contains a control character");
    if ((size_t)(e - b) > SECRET_MAX)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "realm secret longer than %d bytes", SECRET_MAX);
    snprintf(c->secret_header, sizeof c->secret_header, "%s: %.*s", ACTR_AIS_REALM_SECRET_HEADER,
             (int)(e - b), b);
    c->has_secret = true;
    return 0;
}

int actr_ais_client_new(actr_curl_uv_t *http, const actr_ais_client_options_t *opts,
                        actr_ais_client_t **out, actr_error_t *err)
{
    *out = NULL;
    if (!http || !opts || !opts->endpoint)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "AIS client: no endpoint");
    if (strncmp(opts->endpoint, "http://", 7) != 0 && strncmp(opts->endpoint, "https://", 8) != 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "AIS endpoint must be http:// or https://: %.64s", opts->endpoint);
    actr_ais_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    int rc = build_url(c->register_url, opts->endpoint, "/register", err);
    if (rc == 0)
        rc = build_url(c->renew_url, opts->endpoint, "/renew", err);
    if (rc == 0)
        rc = set_secret(c, opts->realm_secret, err);
    if (rc != 0) {
        free(c);
        return rc;
    }
    c->http = http;
    c->connect_timeout_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms
                                                     : ACTR_AIS_DEFAULT_CONNECT_TIMEOUT_MS;
    c->timeout_ms = opts->timeout_ms ? opts->timeout_ms : ACTR_AIS_DEFAULT_TIMEOUT_MS;
    c->crypto = opts->crypto;
    c->now_s = opts->now_s;
    c->now_ctx = opts->now_ctx;
    *out = c;
    return 0;
}

static void call_unlink(actr_ais_call_t *call)
{
    actr_ais_client_t *c = call->client;
    if (call->prev)
        call->prev->next = call->next;
    else
        c->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
}

void actr_ais_cancel(actr_ais_call_t *call)
{
    if (!call)
        return;
    call_unlink(call);
    actr_curl_uv_cancel(call->http);
    free(call);
}

void actr_ais_client_free(actr_ais_client_t *c)
{
    if (!c)
        return;
    /* Every started call ends in one callback, so owners can release what they attached. */
    c->freeing = true;
    while (c->calls) {
        actr_ais_call_t *call = c->calls;
        call_unlink(call);
        actr_curl_uv_cancel(call->http);
        actr_ais_result_t res = {.status = ACTR_AIS_CANCELED, .code = ACTR_ECANCELED};
        snprintf(res.message, sizeof res.message, "AIS %s canceled: client freed",
                 call->kind == CALL_REGISTER ? "/register" : "/renew");
        call->done(&res, call->arg);
        free(call);
    }
    free(c);
}

/* ---- answers ------------------------------------------------------------------------------ */

/* The parts RegisterResponse and RenewCredentialResponse share (same wire shape). */
typedef struct answer {
    ProtobufCMessage *msg;
    const Actr__RegisterResponse__RegisterOk *success;
    const Actr__ErrorResponse *error;
} answer_t;

static int decode_answer(call_kind_t kind, const uint8_t *body, size_t len, answer_t *a,
                         actr_error_t *err)
{
    memset(a, 0, sizeof *a);
    const ProtobufCMessageDescriptor *d = kind == CALL_REGISTER
                                              ? &actr__register_response__descriptor
                                              : &actr__renew_credential_response__descriptor;
    int rc = actr_pb_decode(d, body, len, &a->msg, err);
    if (rc != 0)
        return rc;
    if (kind == CALL_REGISTER) {
        const Actr__RegisterResponse *r = (const Actr__RegisterResponse *)a->msg;
        if (r->result_case == ACTR__REGISTER_RESPONSE__RESULT_SUCCESS)
            a->success = r->success;
        else if (r->result_case == ACTR__REGISTER_RESPONSE__RESULT_ERROR)
            a->error = r->error;
    } else {
        const Actr__RenewCredentialResponse *r = (const Actr__RenewCredentialResponse *)a->msg;
        if (r->result_case == ACTR__RENEW_CREDENTIAL_RESPONSE__RESULT_SUCCESS)
            a->success = r->success;
        else if (r->result_case == ACTR__RENEW_CREDENTIAL_RESPONSE__RESULT_ERROR)
            a->error = r->error;
    }
    return 0;
}

/* A short printable excerpt of a body that is not protobuf, for messages. */
static void excerpt(const uint8_t *body, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 2 < cap && i < 80; i++)
        out[n++] = isprint(body[i]) ? (char)body[i] : '.';
    out[n] = 0;
}

static uint64_t retry_after_ms(const actr_ais_client_t *c, const actr_http_response_t *r)
{
    char v[128];
    long n = actr_http_header_get(r->headers, r->headers_len, "retry-after", v, sizeof v);
    if (n <= 0 || (size_t)n >= sizeof v)
        return ACTR_AIS_DEFAULT_RETRY_AFTER_MS;
    uint64_t ms;
    if (strspn(v, "0123456789") == (size_t)n) {
        unsigned long long s = strtoull(v, NULL, 10);
        ms = s > ACTR_AIS_MAX_RETRY_AFTER_MS / 1000 ? ACTR_AIS_MAX_RETRY_AFTER_MS : s * 1000;
    } else {
        time_t at = curl_getdate(v, NULL); /* an HTTP date */
        if (at == (time_t)-1)
            return ACTR_AIS_DEFAULT_RETRY_AFTER_MS;
        int64_t d = (int64_t)at - client_now(c);
        ms = d <= 0 ? 0 : (uint64_t)d > ACTR_AIS_MAX_RETRY_AFTER_MS / 1000
                              ? ACTR_AIS_MAX_RETRY_AFTER_MS
                              : (uint64_t)d * 1000;
    }
    return ms;
}

static void set_result(actr_ais_result_t *res, actr_ais_status_t status, const char *fmt, ...)
    ACTR_PRINTF(3, 4);

static void set_result(actr_ais_result_t *res, actr_ais_status_t status, const char *fmt, ...)
{
    res->status = status;
    res->code = status_errno(status);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
}

static const char *kind_path(call_kind_t kind)
{
    return kind == CALL_REGISTER ? "/register" : "/renew";
}

/* A transport failure: nothing or nothing usable came back. */
static void classify_transport(const actr_ais_call_t *call, const actr_http_response_t *r,
                               actr_ais_result_t *res)
{
    const char *path = kind_path(call->kind);
    switch (r->result) {
    case ACTR_ECANCELED:
        set_result(res, ACTR_AIS_CANCELED, "AIS %s canceled", path);
        break;
    case ACTR_ETIMEDOUT:
        set_result(res, ACTR_AIS_RETRYABLE, "AIS %s timed out (connect %" PRIu32 " ms, total %" PRIu32
                   " ms): %s", path, call->client->connect_timeout_ms, call->client->timeout_ms,
                   r->error);
        break;
    case ACTR_ETOOBIG:
        set_result(res, ACTR_AIS_PROTOCOL_ERROR, "AIS %s answer larger than %u bytes", path,
                   ACTR_AIS_MAX_RESPONSE_BYTES);
        break;
    case ACTR_EPROTO:
        set_result(res, ACTR_AIS_PROTOCOL_ERROR, "AIS %s did not answer with HTTP: %s", path,
                   r->error);
        break;
    default:
        set_result(res, ACTR_AIS_RETRYABLE, "AIS %s request failed: %s", path, r->error);
        break;
    }
}

/* A 2xx answer: the body decides. */
static void classify_body(const actr_ais_call_t *call, const answer_t *a, actr_ais_result_t *res)
{
    const char *path = kind_path(call->kind);
    if (a->error) {
        res->error_code = a->error->code;
        actr_ais_status_t s = actr_ais_classify_code(a->error->code);
        if (s == ACTR_AIS_OK)
            s = ACTR_AIS_PROTOCOL_ERROR; /* an "error" with a success code */
        if (s == ACTR_AIS_RATE_LIMITED)
            res->retry_after_ms = ACTR_AIS_DEFAULT_RETRY_AFTER_MS;
        set_result(res, s, "AIS %s refused (code %" PRIu32 "): %s", path, a->error->code,
                   a->error->message ? a->error->message : "");
        return;
    }
    if (!a->success) {
        set_result(res, ACTR_AIS_PROTOCOL_ERROR, "AIS %s answer has no result", path);
        return;
    }
    actr_error_t gerr = {0};
    int rc = actr_ais_grant_from_pb(a->success, call->client->crypto, &res->grant, &gerr);
    if (rc == 0 && call->kind == CALL_RENEW)
        rc = actr_ais_grant_check_renewal(&res->grant, &call->expected, &gerr);
    if (rc != 0) {
        memset(&res->grant, 0, sizeof res->grant);
        set_result(res, ACTR_AIS_PROTOCOL_ERROR, "AIS %s answer rejected: %s", path, gerr.message);
        return;
    }
    set_result(res, ACTR_AIS_OK, "AIS %s ok: %s", path, res->grant.actr_id_str);
}

/* Any other status: the status decides, an ErrorResponse body adds its message. */
static void classify_status(const actr_ais_call_t *call, const actr_http_response_t *r,
                            const answer_t *a, bool decoded, actr_ais_result_t *res)
{
    const char *path = kind_path(call->kind);
    actr_ais_status_t s = actr_ais_classify_code((uint32_t)r->status);
    if (s == ACTR_AIS_OK || (r->status >= 100 && r->status < 200))
        s = ACTR_AIS_PROTOCOL_ERROR;
    if (s == ACTR_AIS_RATE_LIMITED)
        res->retry_after_ms = retry_after_ms(call->client, r);
    if (decoded && a->error) {
        res->error_code = a->error->code;
        set_result(res, s, "AIS %s refused (HTTP %ld, code %" PRIu32 "): %s", path, r->status,
                   a->error->code, a->error->message ? a->error->message : "");
    } else {
        char text[96];
        excerpt(r->body, r->body_len, text, sizeof text);
        set_result(res, s, "AIS %s answered HTTP %ld%s%s", path, r->status, text[0] ? ": " : "",
                   text);
    }
}

static void log_result(const actr_ais_call_t *call, const actr_ais_result_t *res)
{
    if (res->status == ACTR_AIS_OK)
        actr_log(ACTR_LOG_INFO, LOG_MODULE, call->kind == CALL_REGISTER ? "registered" : "renewed",
                 ACTR_KV("actor_id", res->grant.actr_id_str));
    else if (res->status != ACTR_AIS_CANCELED)
        actr_log(ACTR_LOG_WARN, LOG_MODULE, res->message,
                 ACTR_KV("class", actr_ais_status_name(res->status)));
}

static void on_http_done(const actr_http_response_t *r, void *arg)
{
    actr_ais_call_t *call = arg;
    call_unlink(call);
    actr_ais_result_t *res = calloc(1, sizeof *res); /* ~3 KiB: keep it off the loop's stack */
    if (!res) {
        static const actr_ais_result_t oom = {.status = ACTR_AIS_RETRYABLE,
                                              .code = ACTR_ENOMEM,
                                              .message = "AIS: out of memory handling the answer"};
        call->done(&oom, call->arg);
        free(call);
        return;
    }
    res->http_status = r->status;
    if (r->result != 0) {
        classify_transport(call, r, res);
    } else {
        answer_t a;
        actr_error_t derr = {0};
        bool decoded = decode_answer(call->kind, r->body, r->body_len, &a, &derr) == 0;
        if (r->status < 200 || r->status >= 300)
            classify_status(call, r, &a, decoded, res);
        else if (!decoded)
            set_result(res, ACTR_AIS_PROTOCOL_ERROR, "AIS %s answer (%zu bytes) does not decode: %s",
                       kind_path(call->kind), r->body_len, derr.message);
        else
            classify_body(call, &a, res);
        actr_pb_free(a.msg);
    }
    log_result(call, res);
    call->done(res, call->arg);
    free(res);
    free(call);
}

/* ---- requests ----------------------------------------------------------------------------- */

static int start_call(actr_ais_client_t *c, call_kind_t kind, const uint8_t *body, size_t len,
                      actr_ais_done_fn done, void *arg, actr_ais_call_t **out, actr_error_t *err)
{
    if (c->freeing)
        return actr_error_set(err, ACTR_ECLOSED, ACTR_KIND_CLIENT, 0, "AIS client being freed");
    actr_ais_call_t *call = calloc(1, sizeof *call);
    if (!call)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    call->client = c;
    call->kind = kind;
    call->done = done;
    call->arg = arg;

    const char *headers[3] = {"Content-Type: application/x-protobuf",
                              "Accept: application/x-protobuf", c->secret_header};
    actr_http_request_t req = ACTR_HTTP_REQUEST_INIT;
    req.url = kind == CALL_REGISTER ? c->register_url : c->renew_url;
    req.method = "POST";
    req.body = body;
    req.body_len = len;
    req.headers = headers;
    req.header_count = kind == CALL_REGISTER && c->has_secret ? 3 : 2;
    req.connect_timeout_ms = c->connect_timeout_ms;
    req.timeout_ms = c->timeout_ms;
    req.max_response_bytes = ACTR_AIS_MAX_RESPONSE_BYTES;
    int rc = actr_curl_uv_start(c->http, &req, on_http_done, call, &call->http);
    if (rc != 0) {
        free(call);
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 0, "AIS %s: cannot start: %s",
                              kind_path(kind), actr_strerror(rc));
    }
    call->next = c->calls;
    if (c->calls)
        c->calls->prev = call;
    c->calls = call;
    if (out)
        *out = call;
    return 0;
}

#define PARAM_FAIL(err, ...) actr_error_set((err), ACTR_EINVAL, ACTR_KIND_CLIENT, 0, __VA_ARGS__)

static int check_params(const actr_ais_register_params_t *p, actr_error_t *err)
{
    actr_error_t terr = {0};
    if (actr_type_validate(&p->type, &terr) != 0)
        return PARAM_FAIL(err, "AIS register: invalid actor type: %s", terr.message);
    if (p->mode == ACTR_AIS_MODE_LINKED) {
        if (p->manifest_raw || p->mfr_signature || p->target || p->mfr_key || p->proof)
            return PARAM_FAIL(err, "AIS register: LINKED mode carries no package fields");
        return 0;
    }
    if (p->mode != ACTR_AIS_MODE_PACKAGE)
        return PARAM_FAIL(err, "AIS register: unknown mode %d", (int)p->mode);
    if (!p->manifest_raw || p->manifest_raw_len == 0)
        return PARAM_FAIL(err, "AIS register: PACKAGE mode needs manifest_raw");
    if (!p->mfr_signature)
        return PARAM_FAIL(err, "AIS register: PACKAGE mode needs the 64-byte mfr_signature");
    if (!p->target || !p->target[0])
        return PARAM_FAIL(err, "AIS register: PACKAGE mode needs the target");
    if (p->ws_address)
        return PARAM_FAIL(err, "AIS register: PACKAGE mode sends no ws_address");
    if (p->mfr_key && p->proof)
        return PARAM_FAIL(err, "AIS register: give mfr_key or proof, not both");
    return 0;
}

int actr_ais_register(actr_ais_client_t *c, const actr_ais_register_params_t *p,
                      actr_ais_done_fn done, void *arg, actr_ais_call_t **call, actr_error_t *err)
{
    if (call)
        *call = NULL;
    if (!c || !p || !done)
        return PARAM_FAIL(err, "AIS register: missing argument");
    int rc = check_params(p, err);
    if (rc != 0)
        return rc;

    Actr__RegisterRequest req = ACTR__REGISTER_REQUEST__INIT;
    Actr__ActrType type;
    Actr__Realm realm = ACTR__REALM__INIT;
    actr_type_pb_init(&type, &p->type);
    realm.realm_id = p->realm_id;
    req.actr_type = &type;
    req.realm = &realm;
    req.has_auth_mode = 1;
    req.auth_mode = p->mode == ACTR_AIS_MODE_LINKED ? ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_LINKED
                                                    : ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_PACKAGE;
    req.service_spec = (Actr__ServiceSpec *)p->service_spec;
    req.ws_address = (char *)p->ws_address;

    Actr__Acl *acl = NULL;
    if (p->acl && (rc = actr_acl_to_proto(p->acl, &acl, err)) != 0)
        return rc;
    req.acl = acl;

    actr_ais_proof_t fresh;
    const actr_ais_proof_t *proof = p->proof;
    if (p->mode == ACTR_AIS_MODE_PACKAGE) {
        req.has_manifest_raw = req.has_mfr_signature = 1;
        req.manifest_raw.data = (uint8_t *)p->manifest_raw;
        req.manifest_raw.len = p->manifest_raw_len;
        req.mfr_signature.data = (uint8_t *)p->mfr_signature;
        req.mfr_signature.len = ACTR_ED25519_SIGNATURE_LEN;
        req.target = (char *)p->target;
        if (p->mfr_key) {
            rc = actr_ais_proof_make(c->crypto, p->mfr_key, p->realm_id, &p->type, p->target,
                                     p->manifest_raw, p->manifest_raw_len, client_now(c), &fresh,
                                     err);
            proof = &fresh;
        }
        if (rc == 0 && proof) {
            req.has_manufacturer_auth_signature = req.has_manufacturer_auth_signed_at =
                req.has_manufacturer_auth_nonce = 1;
            req.manufacturer_auth_signature.data = (uint8_t *)proof->signature;
            req.manufacturer_auth_signature.len = sizeof proof->signature;
            req.manufacturer_auth_signed_at = proof->signed_at;
            req.manufacturer_auth_nonce.data = (uint8_t *)proof->nonce;
            req.manufacturer_auth_nonce.len = proof->nonce_len;
        }
    }
    uint8_t *body = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = actr_pb_encode(&req.base, &body, &len, err);
    actr_acl_proto_free(acl);
    if (rc == 0)
        rc = start_call(c, CALL_REGISTER, body, len, done, arg, call, err);
    free(body);
    return rc;
}

int actr_ais_renew(actr_ais_client_t *c, const actr_id_t *id,
                   const uint8_t token[ACTR_AIS_RENEWAL_TOKEN_LEN], actr_ais_done_fn done,
                   void *arg, actr_ais_call_t **call, actr_error_t *err)
{
    if (call)
        *call = NULL;
    if (!c || !id || !token || !done)
        return PARAM_FAIL(err, "AIS renew: missing argument");
    actr_error_t terr = {0};
    if (actr_type_validate(&id->type, &terr) != 0)
        return PARAM_FAIL(err, "AIS renew: invalid ActrId type: %s", terr.message);
    actr_id_pb_t pid;
    actr_id_pb_init(&pid, id);
    Actr__RenewCredentialRequest req = ACTR__RENEW_CREDENTIAL_REQUEST__INIT;
    req.actr_id = &pid.id;
    req.renewal_token.data = (uint8_t *)token;
    req.renewal_token.len = ACTR_AIS_RENEWAL_TOKEN_LEN;
    uint8_t *body;
    size_t len;
    int rc = actr_pb_encode(&req.base, &body, &len, err);
    if (rc != 0)
        return rc;
    actr_ais_call_t *tmp = NULL;
    rc = start_call(c, CALL_RENEW, body, len, done, arg, &tmp, err);
    free(body);
    if (rc == 0) {
        tmp->expected = *id;
        if (call)
            *call = tmp;
    }
    return rc;
}

/*
 * requests.c - envelopes (protocol.md 6.2, 6.3). Out: requests (ActrToSignaling) with ids
 * "env-<n>" from a per-client counter starting at 1, waiting for the envelope whose reply_for
 * names them, and relays (ActrRelay) with UUID v4 ids, fire and forget; both carry the current
 * identity and credential. In: one SignalingEnvelope per Binary message; a reply completes its
 * request, anything else (relays, pushes, late replies, envelope errors) goes to
 * on_unsolicited; what does not decode is logged and dropped.
 *
 * Pending requests sit in a hash map by id and in a list sorted by deadline; one timer is
 * armed for the earliest deadline.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/uuid.h"
#include "codec/pb.h"
#include "wire/signaling/sigc_internal.h"

#define SIGC_ENVELOPE_VERSION 2

int sigc_requests_init(actr_sigc_t *c)
{
    return actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &c->pending);
}

void sigc_requests_free(actr_sigc_t *c)
{
    while (c->req_head) {
        sigc_req_t *next = c->req_head->next;
        free(c->req_head);
        c->req_head = next;
    }
    c->req_tail = NULL;
    actr_hmap_free(c->pending, NULL);
    c->pending = NULL;
}

/* ---- the deadline list ---- */

static void req_unlink(actr_sigc_t *c, sigc_req_t *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        c->req_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        c->req_tail = r->prev;
    r->prev = r->next = NULL;
}

static void req_insert(actr_sigc_t *c, sigc_req_t *r)
{
    /* Usually every request has the default timeout: the new one goes last. */
    sigc_req_t *after = c->req_tail;
    while (after && after->deadline_ms > r->deadline_ms)
        after = after->prev;
    r->prev = after;
    r->next = after ? after->next : c->req_head;
    if (r->next)
        r->next->prev = r;
    else
        c->req_tail = r;
    if (after)
        after->next = r;
    else
        c->req_head = r;
}

static void req_timer_cb(uv_timer_t *t);

static void arm_req_timer(actr_sigc_t *c)
{
    if (!c->req_head || c->destroying) {
        uv_timer_stop(&c->t_req);
        return;
    }
    uint64_t now = sigc_now_ms(c);
    uint64_t due = c->req_head->deadline_ms;
    uv_timer_start(&c->t_req, req_timer_cb, due > now ? due - now : 0, 0);
}

static void req_timer_cb(uv_timer_t *t)
{
    actr_sigc_t *c = t->data;
    uint64_t now = sigc_now_ms(c);
    while (c->req_head && c->req_head->deadline_ms <= now && !c->destroying) {
        sigc_req_t *r = c->req_head;
        req_unlink(c, r);
        actr_hmap_remove(c->pending, r->id, strlen(r->id), NULL);
        c->stats.timeouts++;
        actr_log(ACTR_LOG_DEBUG, SIGC_LOG, "signaling request timed out",
                 ACTR_KV("envelope_id", r->id));
        if (r->cb)
            r->cb(c, ACTR_ETIMEDOUT, NULL, r->userdata);
        free(r);
    }
    arm_req_timer(c);
}

void sigc_requests_fail_all(actr_sigc_t *c, int status)
{
    sigc_req_t *r = c->req_head;
    c->req_head = c->req_tail = NULL; /* callbacks may send (and be refused) meanwhile */
    uv_timer_stop(&c->t_req);
    while (r) {
        sigc_req_t *next = r->next;
        actr_hmap_remove(c->pending, r->id, strlen(r->id), NULL);
        if (r->cb)
            r->cb(c, status, NULL, r->userdata);
        free(r);
        r = next;
    }
}

/* ---- sending ---- */

/* Packs env into a new frame with LWS_PRE bytes of headroom. */
static int pack(actr_sigc_t *c, const Signaling__SignalingEnvelope *env, sigc_frame_t **out)
{
    size_t n = protobuf_c_message_get_packed_size(&env->base);
    if (n > c->cfg.max_frame_bytes)
        return ACTR_ETOOBIG;
    sigc_frame_t *f = malloc(sizeof *f + LWS_PRE + n);
    if (!f)
        return ACTR_ENOMEM;
    f->len = protobuf_c_message_pack(&env->base, f->buf + LWS_PRE);
    f->next = NULL;
    *out = f;
    return 0;
}

static int check_sendable(const actr_sigc_t *c)
{
    if (!c || c->destroying)
        return ACTR_ESTATE;
    return c->state == ACTR_SIGC_CONNECTED ? 0 : ACTR_EUNAVAILABLE;
}

static void copy_id(char id_out[ACTR_SIGC_ENV_ID_SIZE], const char *id)
{
    if (id_out)
        snprintf(id_out, ACTR_SIGC_ENV_ID_SIZE, "%s", id);
}

int actr_sigc_send_request(actr_sigc_t *c, const Signaling__ActrToSignaling *msg,
                           uint32_t timeout_ms, actr_sigc_reply_cb done, void *userdata,
                           char id_out[ACTR_SIGC_ENV_ID_SIZE])
{
    int rc = check_sendable(c);
    if (rc)
        return rc;
    if (!msg || msg->payload_case == SIGNALING__ACTR_TO_SIGNALING__PAYLOAD__NOT_SET)
        return ACTR_EINVAL;
    sigc_req_t *r = calloc(1, sizeof *r);
    if (!r)
        return ACTR_ENOMEM;
    snprintf(r->id, sizeof r->id, "env-%" PRIu64, c->next_env);
    r->cb = done;
    r->userdata = userdata;
    r->deadline_ms = sigc_now_ms(c) + (timeout_ms ? timeout_ms : c->cfg.request_timeout_ms);

    sigc_pb_id_t source;
    sigc_pb_id_init(&source, &c->id);
    Actr__AIdCredential credential;
    sigc_pb_credential_init(c, &credential);
    Signaling__ActrToSignaling body = *msg; /* a shallow copy: msg stays untouched */
    body.source = &source.id;
    body.credential = &credential;
    Signaling__SignalingEnvelope env = SIGNALING__SIGNALING_ENVELOPE__INIT;
    env.envelope_version = SIGC_ENVELOPE_VERSION;
    env.envelope_id = r->id;
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_TO_SERVER;
    env.actr_to_server = &body;

    sigc_frame_t *f = NULL;
    rc = pack(c, &env, &f);
    if (!rc) {
        rc = actr_hmap_insert(c->pending, r->id, strlen(r->id), r);
        if (rc)
            free(f);
        else if ((rc = sigc_queue_push(c, f)) != 0) /* takes f either way */
            actr_hmap_remove(c->pending, r->id, strlen(r->id), NULL);
    }
    if (rc) {
        free(r);
        return rc;
    }
    c->next_env++;
    c->stats.requests++;
    req_insert(c, r);
    if (c->req_head == r)
        arm_req_timer(c);
    copy_id(id_out, r->id);
    return 0;
}

int actr_sigc_send_relay(actr_sigc_t *c, const Signaling__ActrRelay *relay,
                         char id_out[ACTR_SIGC_ENV_ID_SIZE])
{
    int rc = check_sendable(c);
    if (rc)
        return rc;
    if (!relay || !relay->target || relay->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD__NOT_SET)
        return ACTR_EINVAL;
    actr_uuid_t uuid;
    char id[ACTR_UUID_STR_LEN + 1];
    rc = actr_uuid_v4(&uuid);
    if (rc)
        return rc;
    actr_uuid_format(&uuid, id);

    sigc_pb_id_t source;
    sigc_pb_id_init(&source, &c->id);
    Actr__AIdCredential credential;
    sigc_pb_credential_init(c, &credential);
    Signaling__ActrRelay body = *relay;
    body.source = &source.id;
    body.credential = &credential;
    Signaling__SignalingEnvelope env = SIGNALING__SIGNALING_ENVELOPE__INIT;
    env.envelope_version = SIGC_ENVELOPE_VERSION;
    env.envelope_id = id;
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY;
    env.actr_relay = &body;

    sigc_frame_t *f = NULL;
    rc = pack(c, &env, &f);
    if (!rc)
        rc = sigc_queue_push(c, f);
    if (rc)
        return rc;
    c->stats.relays++;
    copy_id(id_out, id);
    return 0;
}

/* ---- receiving ---- */

void sigc_on_message(actr_sigc_t *c, const uint8_t *data, size_t len)
{
    ProtobufCMessage *m = NULL;
    actr_error_t err;
    actr_error_clear(&err);
    if (actr_pb_decode(&signaling__signaling_envelope__descriptor, data, len, &m, &err) != 0) {
        c->stats.undecodable++;
        char size[24];
        snprintf(size, sizeof size, "%zu", len);
        actr_log(ACTR_LOG_WARN, SIGC_LOG, "dropped an undecodable signaling message",
                 ACTR_KV("bytes", size), ACTR_KV("detail", err.message));
        return;
    }
    Signaling__SignalingEnvelope *env = (Signaling__SignalingEnvelope *)m;
    void *found = NULL;
    if (env->reply_for && env->reply_for[0] &&
        actr_hmap_remove(c->pending, env->reply_for, strlen(env->reply_for), &found) == 0) {
        sigc_req_t *r = found;
        bool was_head = c->req_head == r;
        req_unlink(c, r);
        if (was_head)
            arm_req_timer(c);
        c->stats.replies++;
        if (r->cb)
            r->cb(c, 0, env, r->userdata);
        free(r);
    } else {
        c->stats.unsolicited++;
        if (c->cb.on_unsolicited && !c->destroying)
            c->cb.on_unsolicited(c, env, c->cb.userdata);
    }
    actr_pb_free(m);
}

int actr_sigc_reply_error(const Signaling__SignalingEnvelope *reply, uint32_t *code,
                          const char **message)
{
    const Actr__ErrorResponse *e = NULL;
    if (!reply)
        return 0;
    if (reply->flow_case == SIGNALING__SIGNALING_ENVELOPE__FLOW_ENVELOPE_ERROR)
        e = reply->envelope_error;
    else if (reply->flow_case == SIGNALING__SIGNALING_ENVELOPE__FLOW_SERVER_TO_ACTR &&
             reply->server_to_actr &&
             reply->server_to_actr->payload_case == SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ERROR)
        e = reply->server_to_actr->error;
    if (!e)
        return 0;
    if (code)
        *code = e->code;
    if (message)
        *message = e->message ? e->message : "";
    return 1;
}

/*
 * sig_harness.h - fakes for the signaling service tests (tests/server/test_signaling_*.c):
 * a backend whose credentials are "claims = the ActrId string, signature = ok", a transport that
 * records every frame and close, a settable clock, a log sink that keeps the last records, and
 * builders for the envelopes a node sends. Header-only (static inline) because each server test
 * is its own program.
 */
#ifndef SIG_HARNESS_H
#define SIG_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "codec/pb.h"
#include "signaling/sig_internal.h"

#define H_MAX_FRAMES 512
#define H_MAX_RULES 16
#define H_MAX_PENDING 16

typedef struct h_frame {
    void *net;
    uint8_t *data;
    size_t len;
} h_frame_t;

typedef struct h_acl_rule {
    char from[ACTR_TYPE_STR_SIZE], to[ACTR_TYPE_STR_SIZE];
    bool allow;
} h_acl_rule_t;

typedef struct h_pending {
    uint32_t realm;
    uint64_t serial;
    uint8_t *spec;
    size_t spec_len;
    const char *ws;
} h_pending_t;

typedef struct harness {
    actrd_sig_t *sig;
    /* transport */
    h_frame_t frames[H_MAX_FRAMES];
    size_t nframes, next_frame;
    void *closed_net[H_MAX_FRAMES];
    int close_code[H_MAX_FRAMES];
    char close_reason[H_MAX_FRAMES][64];
    size_t ncloses;
    bool send_fails;
    bool discard_frames; /* count sends only (scale tests) */
    size_t nsent;
    /* clock */
    uint64_t mono_ms;
    int64_t wall_s;
    /* backend */
    int realm_rc;           /* realm_check result for denied_realm */
    uint32_t denied_realm;  /* 0: none */
    bool acl_default;
    uint32_t acl_deny_realm; /* a target realm nobody may reach (0: none) */
    h_acl_rule_t rules[H_MAX_RULES];
    size_t nrules, acl_calls;
    h_pending_t pending[H_MAX_PENDING];
    size_t npending;
    /* h_feed() records instead of feeding while record is set (fuzz seeds) */
    bool record;
    uint8_t *seeds[16];
    size_t seed_len[16], nseeds;
    /* log sink */
    char last_log[256];
    size_t nlogs;
} harness_t;

/* ---- fake backend ---- */

static inline int hb_realm_check(void *self, uint32_t realm_id)
{
    harness_t *h = self;
    return h->denied_realm && realm_id == h->denied_realm ? h->realm_rc : 0;
}

/* claims = the actor's ActrId string; signature "ok" is valid, anything else is not. */
static inline int hb_credential_verify(void *self, uint32_t key_id, const uint8_t *claims,
                                       size_t claims_len, const uint8_t *sig, size_t sig_len,
                                       uint32_t realm_id, char *actor_id, size_t cap,
                                       uint64_t *expires_at, actr_error_t *err)
{
    (void)self;
    (void)key_id;
    (void)realm_id;
    if (sig_len != 2 || memcmp(sig, "ok", 2) != 0)
        return actr_error_set(err, ACTR_ESIGNATURE, ACTR_KIND_CLIENT, 401, "bad signature");
    if (claims_len >= cap)
        return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401, "claims too long");
    memcpy(actor_id, claims, claims_len);
    actor_id[claims_len] = '\0';
    *expires_at = 4000000000u;
    return 0;
}

static inline int hb_signing_key_get(void *self, uint32_t key_id, uint8_t pub[32])
{
    (void)self;
    if (key_id == 99)
        return ACTR_EIO;
    if (key_id != 7)
        return ACTR_ENOTFOUND;
    for (int i = 0; i < 32; i++)
        pub[i] = (uint8_t)(i + 1);
    return 0;
}

static inline bool hb_acl(void *self, uint32_t src_realm, uint32_t tgt_realm, const char *from,
                          const char *to)
{
    harness_t *h = self;
    (void)src_realm;
    h->acl_calls++;
    if (h->acl_deny_realm && tgt_realm == h->acl_deny_realm)
        return false;
    for (size_t i = 0; i < h->nrules; i++)
        if (strcmp(h->rules[i].from, from) == 0 && strcmp(h->rules[i].to, to) == 0)
            return h->rules[i].allow;
    return h->acl_default;
}

static inline int hb_pending(void *self, uint32_t realm_id, uint64_t serial, uint8_t **spec,
                             size_t *spec_len, char **ws)
{
    harness_t *h = self;
    for (size_t i = 0; i < h->npending; i++) {
        h_pending_t *p = &h->pending[i];
        if (p->realm != realm_id || p->serial != serial)
            continue;
        *spec = NULL;
        *spec_len = 0;
        *ws = NULL;
        if (p->spec) {
            *spec = malloc(p->spec_len);
            memcpy(*spec, p->spec, p->spec_len);
            *spec_len = p->spec_len;
        }
        if (p->ws)
            *ws = strdup(p->ws);
        return 0;
    }
    return ACTR_ENOTFOUND;
}

static const actrd_sig_backend_t h_backend = {hb_realm_check, hb_credential_verify,
                                              hb_signing_key_get, hb_acl, hb_pending};

/* ---- fake transport, clock and log sink ---- */

static inline int ht_send(void *self, void *net, const uint8_t *data, size_t len)
{
    harness_t *h = self;
    if (h->send_fails)
        return -1;
    h->nsent++;
    if (h->discard_frames)
        return 0;
    if (h->nframes == H_MAX_FRAMES)
        return -1;
    h_frame_t *f = &h->frames[h->nframes++];
    f->net = net;
    f->data = malloc(len ? len : 1);
    memcpy(f->data, data, len);
    f->len = len;
    return 0;
}

static inline void ht_close(void *self, void *net, int code, const char *reason)
{
    harness_t *h = self;
    if (h->ncloses == H_MAX_FRAMES)
        return;
    h->closed_net[h->ncloses] = net;
    h->close_code[h->ncloses] = code;
    snprintf(h->close_reason[h->ncloses], sizeof h->close_reason[0], "%s", reason);
    h->ncloses++;
}

static inline uint64_t hc_mono(void *self)
{
    return ((harness_t *)self)->mono_ms;
}

static inline int64_t hc_wall(void *self)
{
    return ((harness_t *)self)->wall_s;
}

static inline void h_log_sink(const actr_log_record_t *rec, void *userdata)
{
    harness_t *h = userdata;
    h->nlogs++;
    snprintf(h->last_log, sizeof h->last_log, "%s", rec->msg);
}

/* A service with the default config except the fake clock (cfg may tweak it first). */
static inline harness_t *h_new_cfg(void (*tweak)(actrd_sig_config_t *))
{
    harness_t *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->mono_ms = 1000000;
    h->wall_s = 1700000000;
    h->acl_default = true;
    h->realm_rc = ACTR_EPERM;
    actrd_sig_transport_t tp = {h, ht_send, ht_close};
    actrd_sig_config_t cfg;
    actrd_sig_config_init(&cfg);
    cfg.clock.self = h;
    cfg.clock.mono_ms = hc_mono;
    cfg.clock.wall_s = hc_wall;
    if (tweak)
        tweak(&cfg);
    actr_log_set_level(ACTR_LOG_INFO);
    actr_log_set_sink(h_log_sink, h);
    assert_int_equal(actrd_sig_new(&h_backend, h, &tp, &cfg, &h->sig), 0);
    return h;
}

static inline harness_t *h_new(void)
{
    return h_new_cfg(NULL);
}

static inline void h_free(harness_t *h)
{
    actrd_sig_free(h->sig);
    actr_log_set_sink(NULL, NULL);
    for (size_t i = 0; i < h->nframes; i++)
        free(h->frames[i].data);
    for (size_t i = 0; i < h->npending; i++)
        free(h->pending[i].spec);
    for (size_t i = 0; i < h->nseeds; i++)
        free(h->seeds[i]);
    free(h);
}

static inline void h_acl_rule(harness_t *h, const char *from, const char *to, bool allow)
{
    assert_true(h->nrules < H_MAX_RULES);
    h_acl_rule_t *r = &h->rules[h->nrules++];
    snprintf(r->from, sizeof r->from, "%s", from);
    snprintf(r->to, sizeof r->to, "%s", to);
    r->allow = allow;
}

/* Registers what /ais/register would leave: an encoded ServiceSpec (name, fingerprint) and a
 * ws_address; any may be NULL. */
static inline void h_pending(harness_t *h, uint32_t realm, uint64_t serial, const char *spec_name,
                             const char *fingerprint, const char *ws)
{
    assert_true(h->npending < H_MAX_PENDING);
    h_pending_t *p = &h->pending[h->npending++];
    memset(p, 0, sizeof *p);
    p->realm = realm;
    p->serial = serial;
    p->ws = ws;
    if (spec_name) {
        Actr__ServiceSpec spec = ACTR__SERVICE_SPEC__INIT;
        spec.name = (char *)spec_name;
        spec.fingerprint = (char *)(fingerprint ? fingerprint : "");
        spec.description = "a test service";
        spec.has_published_at = true;
        spec.published_at = 1700000001;
        assert_int_equal(actr_pb_encode(&spec.base, &p->spec, &p->spec_len, NULL), 0);
    }
}

/* ---- identities and connections ---- */

static inline actr_id_t h_id(uint32_t realm, uint64_t serial, const char *type)
{
    actr_id_t id;
    memset(&id, 0, sizeof id);
    id.realm.realm_id = realm;
    id.serial_number = serial;
    assert_int_equal(actr_type_parse(&id.type, type, strlen(type), NULL), 0);
    return id;
}

/* A wire ActrType built from "manufacturer:name:version" (borrows its own storage). */
typedef struct h_pb_type {
    actr_type_t t;
    Actr__ActrType pb;
} h_pb_type_t;

static inline Actr__ActrType *h_type(h_pb_type_t *out, const char *s)
{
    assert_int_equal(actr_type_parse(&out->t, s, strlen(s), NULL), 0);
    actr__actr_type__init(&out->pb);
    out->pb.manufacturer = out->t.manufacturer;
    out->pb.name = out->t.name;
    out->pb.version = out->t.version;
    return &out->pb;
}

/* The fake net handle of a connection: any distinct non-NULL pointer. */
#define H_NET(n) ((void *)(uintptr_t)(n))

static inline actrd_sig_conn_t *h_connect(harness_t *h, uintptr_t net, const actr_id_t *id,
                                          const char *role)
{
    actrd_sig_conn_t *c = NULL;
    assert_int_equal(actrd_sig_connect(h->sig, H_NET(net), id, role, 4000000000u, &c), 0);
    assert_non_null(c);
    return c;
}

/* ---- envelopes a node sends ---- */

/* Wire storage for one ActrId plus a credential claiming it. */
typedef struct h_wire_id {
    sig_pb_id_t pb;
    actr_id_t id;
    char claims[ACTR_ID_STR_SIZE];
    Actr__AIdCredential cred;
} h_wire_id_t;

/* claims_for: the identity the credential claims (NULL: id itself); good: signature valid. */
static inline void h_wire(h_wire_id_t *w, const actr_id_t *id, const actr_id_t *claims_for,
                          bool good)
{
    w->id = *id;
    sig_pb_id_init(&w->pb, &w->id);
    assert_int_equal(actr_id_format(claims_for ? claims_for : id, w->claims, sizeof w->claims,
                                    NULL),
                     0);
    actr__aid_credential__init(&w->cred);
    w->cred.key_id = 1;
    w->cred.claims.data = (uint8_t *)w->claims;
    w->cred.claims.len = strlen(w->claims);
    w->cred.signature.data = (uint8_t *)(good ? "ok" : "no");
    w->cred.signature.len = 2;
}

/* Encodes env and feeds it to conn as one binary frame (or keeps it as a seed, see record). */
static inline void h_feed(harness_t *h, actrd_sig_conn_t *conn, Signaling__SignalingEnvelope *env)
{
    uint8_t *buf;
    size_t len;
    assert_int_equal(actr_pb_encode(&env->base, &buf, &len, NULL), 0);
    if (h->record) {
        assert_true(h->nseeds < sizeof h->seeds / sizeof h->seeds[0]);
        h->seeds[h->nseeds] = buf;
        h->seed_len[h->nseeds++] = len;
        return;
    }
    actrd_sig_frame(h->sig, conn, buf, len);
    free(buf);
}

/* Sends ActrToSignaling{source, credential, <payload set by the caller in a>}. */
static inline void h_request(harness_t *h, actrd_sig_conn_t *conn, const char *envelope_id,
                             h_wire_id_t *w, Signaling__ActrToSignaling *a)
{
    a->source = &w->pb.id;
    a->credential = &w->cred;
    Signaling__SignalingEnvelope env = SIGNALING__SIGNALING_ENVELOPE__INIT;
    env.envelope_version = 2;
    env.envelope_id = (char *)envelope_id;
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_TO_SERVER;
    env.actr_to_server = a;
    h_feed(h, conn, &env);
}

static inline void h_ping(harness_t *h, actrd_sig_conn_t *conn, const char *envelope_id,
                          h_wire_id_t *w, int availability, float power, float backlog)
{
    Actr__Ping ping = ACTR__PING__INIT;
    ping.availability = (Actr__ServiceAvailabilityState)availability;
    ping.power_reserve = power;
    ping.mailbox_backlog = backlog;
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_PING;
    a.ping = &ping;
    h_request(h, conn, envelope_id, w, &a);
}

/* Sends ActrRelay{source: src, credential, target: dst, <payload set by the caller in r>}. */
static inline void h_relay(harness_t *h, actrd_sig_conn_t *conn, const char *envelope_id,
                           h_wire_id_t *src, h_wire_id_t *dst, Signaling__ActrRelay *r,
                           const char *traceparent)
{
    r->source = &src->pb.id;
    r->credential = &src->cred;
    r->target = &dst->pb.id;
    Signaling__SignalingEnvelope env = SIGNALING__SIGNALING_ENVELOPE__INIT;
    env.envelope_version = 2;
    env.envelope_id = (char *)envelope_id;
    env.traceparent = (char *)traceparent;
    env.tracestate = traceparent ? "vendor=1" : NULL;
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY;
    env.actr_relay = r;
    h_feed(h, conn, &env);
}

/* ---- what the service sent ---- */

/* Decodes the next frame sent to net (skipping frames to others), or NULL. Free with
 * actr_pb_free(). Frames to other sockets stay for their own h_next() calls. */
static inline Signaling__SignalingEnvelope *h_next(harness_t *h, uintptr_t net)
{
    for (size_t i = 0; i < h->nframes; i++) {
        h_frame_t *f = &h->frames[i];
        if (f->net != H_NET(net) || !f->data)
            continue;
        ProtobufCMessage *m = NULL;
        assert_int_equal(
            actr_pb_decode(&signaling__signaling_envelope__descriptor, f->data, f->len, &m, NULL),
            0);
        free(f->data);
        f->data = NULL;
        return (Signaling__SignalingEnvelope *)m;
    }
    return NULL;
}

/* Frames to net not yet consumed by h_next(). */
static inline size_t h_unread(const harness_t *h, uintptr_t net)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nframes; i++)
        n += h->frames[i].net == H_NET(net) && h->frames[i].data;
    return n;
}

/* Asserts the next frame to net is SignalingToActr{error{code}} answering reply_for; returns its
 * message (valid until *env is freed). */
static inline const char *h_expect_error(harness_t *h, uintptr_t net, const char *reply_for,
                                         uint32_t code, Signaling__SignalingEnvelope **env)
{
    *env = h_next(h, net);
    assert_non_null(*env);
    assert_int_equal((*env)->flow_case, SIGNALING__SIGNALING_ENVELOPE__FLOW_SERVER_TO_ACTR);
    assert_string_equal((*env)->reply_for, reply_for);
    const Signaling__SignalingToActr *s = (*env)->server_to_actr;
    assert_int_equal(s->payload_case, SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ERROR);
    assert_int_equal(s->error->code, code);
    return s->error->message;
}

static inline actrd_sig_stats_t h_stats(const harness_t *h)
{
    actrd_sig_stats_t st;
    actrd_sig_stats(h->sig, &st);
    return st;
}

#endif /* SIG_HARNESS_H */

/*
 * auth.c - verifying an inbound peer after the upgrade (protocol.md 4.1 and 8.8, runtime.md 2.3):
 * X-Actr-Source-ID = hex(protobuf ActrId), X-Actr-Credential = base64(protobuf AIdCredential);
 * the AIS key by key_id (key cache, fetched on a miss), a 64-byte Ed25519 signature over the raw
 * claims bytes, IdentityClaims that decode, expires_at > now, and claims.actor_id equal to the
 * string form of the asserted ActrId.
 *
 * Any failure drops the socket silently (no close frame, no reason), as the reference does; we
 * log why at debug level and count it per reason. Frames that arrive meanwhile are kept
 * (bounded, conn.c) and delivered after the verdict; reading is paused while it is pending.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/crypto.h"
#include "actr/log.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/hex.h"
#include "codec/pb.h"
#include "platform/ais/id_pb.h"
#include "wire/websocket/ws_internal.h"

#define WS_HEADER_MAX 4096 /* an ActrId or a credential is a few hundred bytes */

static void auth_fail(ws_conn_t *c, uint64_t *counter, const char *why)
{
    actr_ws_hub_t *hub = c->hub;
    (*counter)++;
    hub->stats.auth_failed++;
    char ip[64] = "?";
    if (c->wsi)
        lws_get_peer_simple(c->wsi, ip, sizeof ip);
    char id[ACTR_ID_STR_SIZE] = "?";
    if (c->has_peer)
        actr_id_format(&c->peer, id, sizeof id, NULL);
    actr_logf(ACTR_LOG_DEBUG, WS_LOG, "inbound peer %s (%s) dropped: %s", id, ip, why);
    ws_conn_end(c, ACTR_WS_REASON_AUTH_FAILED, 0); /* silent: no close frame */
}

void ws_auth_clear(ws_conn_t *c)
{
    if (c->key_ticket && c->hub->cfg.keys)
        actr_ais_key_cache_cancel(c->hub->cfg.keys, c->key_ticket);
    c->key_ticket = 0;
    free(c->claims);
    c->claims = NULL;
    c->claims_len = 0;
}

/* Copies a custom header into a new string; NULL when absent, empty or too long. */
static char *header_dup(struct lws *wsi, const char *name)
{
    int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));
    if (n <= 0 || n > WS_HEADER_MAX)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s && lws_hdr_custom_copy(wsi, s, n + 1, name, (int)strlen(name)) < 0) {
        free(s);
        s = NULL;
    }
    return s;
}

static int decode_source(ws_conn_t *c, const char *hex)
{
    uint8_t bytes[WS_HEADER_MAX / 2];
    size_t n = 0;
    if (actr_hex_decode(hex, strlen(hex), bytes, sizeof bytes, &n) != 0)
        return ACTR_EPARSE;
    ProtobufCMessage *m = NULL;
    if (actr_pb_decode(&actr__actr_id__descriptor, bytes, n, &m, NULL) != 0)
        return ACTR_EPARSE;
    int rc = actr_id_from_pb((const Actr__ActrId *)m, &c->peer, NULL);
    actr_pb_free(m);
    if (rc == 0)
        c->has_peer = true;
    return rc;
}

static int decode_credential(ws_conn_t *c, const char *b64)
{
    uint8_t bytes[WS_HEADER_MAX];
    size_t n = 0;
    if (actr_base64_decode(b64, strlen(b64), bytes, sizeof bytes, &n, ACTR_B64_STD) != 0)
        return ACTR_EPARSE;
    ProtobufCMessage *m = NULL;
    if (actr_pb_decode(&actr__aid_credential__descriptor, bytes, n, &m, NULL) != 0)
        return ACTR_EPARSE;
    const Actr__AIdCredential *cred = (const Actr__AIdCredential *)m;
    int rc = 0;
    if (cred->signature.len != ACTR_ED25519_SIGNATURE_LEN) {
        rc = ACTR_ESIGNATURE;
    } else {
        c->key_id = cred->key_id;
        memcpy(c->signature, cred->signature.data, ACTR_ED25519_SIGNATURE_LEN);
        c->signature_len = ACTR_ED25519_SIGNATURE_LEN;
        c->claims = malloc(cred->claims.len ? cred->claims.len : 1);
        if (!c->claims)
            rc = ACTR_ENOMEM;
        else if (cred->claims.len)
            memcpy(c->claims, cred->claims.data, cred->claims.len);
        c->claims_len = cred->claims.len;
    }
    actr_pb_free(m);
    return rc;
}

static void auth_success(ws_conn_t *c)
{
    actr_ws_hub_t *hub = c->hub;
    c->phase = WS_OPEN;
    c->retry_at_ms = 0;
    free(c->claims);
    c->claims = NULL;
    hub->stats.connected++;
    ws_conn_pause(c, WS_PAUSE_AUTH, false);
    ws_emit(hub, c, ACTR_WS_CONNECTED);
    /* What came before the verdict, in order; the owner may close c meanwhile. */
    ws_early_t *e = c->early;
    c->early = NULL;
    c->early_tail = &c->early;
    c->early_frames = c->early_bytes = 0;
    while (e) {
        ws_early_t *next = e->next;
        if (c->phase == WS_OPEN)
            ws_conn_deliver(c, e->payload_type, e->payload);
        else
            actr_buf_release(&e->payload);
        free(e);
        e = next;
    }
    if (c->phase == WS_OPEN && c->q_head && c->wsi)
        lws_callback_on_writable(c->wsi);
}

static void on_key(int status, uint32_t key_id, const uint8_t *pub, void *arg)
{
    ws_conn_t *c = arg;
    actr_ws_stats_t *st = &c->hub->stats;
    c->key_ticket = 0;
    if (c->phase != WS_AUTH)
        return;
    if (status != 0) {
        char why[96];
        snprintf(why, sizeof why, "AIS key %" PRIu32 " unavailable (%s)", key_id,
                 actr_strerror(status));
        auth_fail(c, &st->auth_no_key, why);
        return;
    }
    if (actr_ed25519_verify(pub, ACTR_ED25519_PUBLIC_KEY_LEN, c->claims, c->claims_len,
                            c->signature, c->signature_len) != 0) {
        auth_fail(c, &st->auth_signature, "bad credential signature");
        return;
    }
    ProtobufCMessage *m = NULL;
    if (actr_pb_decode(&actr__identity_claims__descriptor, c->claims, c->claims_len, &m, NULL)) {
        auth_fail(c, &st->auth_bad_credential, "claims do not decode");
        return;
    }
    const Actr__IdentityClaims *claims = (const Actr__IdentityClaims *)m;
    char id[ACTR_ID_STR_SIZE];
    int64_t now = actr_clock_wall_s();
    if (claims->expires_at <= (uint64_t)(now > 0 ? now : 0)) {
        auth_fail(c, &st->auth_expired, "credential expired");
    } else if (actr_id_format(&c->peer, id, sizeof id, NULL) != 0 || !claims->actor_id ||
               strcmp(claims->actor_id, id) != 0) {
        auth_fail(c, &st->auth_actor_mismatch, "claims.actor_id is not X-Actr-Source-ID");
    } else {
        c->expires_at = claims->expires_at;
        auth_success(c);
    }
    actr_pb_free(m);
}

void ws_auth_start(ws_conn_t *c)
{
    actr_ws_hub_t *hub = c->hub;
    actr_ws_stats_t *st = &hub->stats;
    char *source = header_dup(c->wsi, WS_SOURCE_HEADER);
    char *cred = header_dup(c->wsi, WS_CREDENTIAL_HEADER);
    int rc = source ? decode_source(c, source) : ACTR_ENOTFOUND;
    /* WebSocketConnectStart fires only when the source id decodes (runtime.md 2.3). */
    if (rc == 0)
        ws_emit(hub, c, ACTR_WS_CONNECTING);
    if (c->phase != WS_AUTH) {
        /* the owner closed it from the event */
    } else if (rc != 0) {
        auth_fail(c, source ? &st->auth_bad_source : &st->auth_missing,
                  source ? "X-Actr-Source-ID does not decode" : "no X-Actr-Source-ID");
    } else if (!cred) {
        auth_fail(c, &st->auth_missing, "no X-Actr-Credential");
    } else if ((rc = decode_credential(c, cred)) != 0) {
        auth_fail(c, rc == ACTR_ESIGNATURE ? &st->auth_signature : &st->auth_bad_credential,
                  rc == ACTR_ESIGNATURE ? "signature is not 64 bytes"
                                        : "X-Actr-Credential does not decode");
    } else if (!hub->cfg.keys) {
        auth_fail(c, &st->auth_no_key, "no AIS key cache configured");
    } else {
        c->retry_at_ms = actr_clock_mono_ms() + hub->cfg.auth_timeout_ms; /* auth deadline */
        uint64_t ticket = 0;
        rc = actr_ais_key_cache_lookup(hub->cfg.keys, c->key_id, on_key, c, &ticket);
        if (rc != 0) {
            auth_fail(c, &st->auth_no_key, "AIS key lookup refused (too many in flight)");
        } else if (ticket && c->phase == WS_AUTH) {
            c->key_ticket = ticket;
            ws_tick_want(hub, false);
        }
    }
    free(source);
    free(cred);
}

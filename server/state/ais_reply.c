/*
 * ais_reply.c - encoding AIS answers: RegisterResponse / RenewCredentialResponse with either a
 * complete RegisterOk or an ErrorResponse (protocol.md 3.3, 5.1, 5.2).
 *
 * /register answers HTTP 200 even for refusals (as actrix does; the client decodes the body),
 * /renew mirrors the error code in the HTTP status because the client acts on the status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr.pb-c.h"
#include "codec/pb.h"
#include "state/ais.h"

#define PROTOBUF_TYPE "application/x-protobuf"

int actrd_refuse(actrd_refusal_t *why, uint32_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    why->code = code;
    vsnprintf(why->message, sizeof why->message, fmt, ap);
    va_end(ap);
    return code >= 500 ? ACTR_EIO : ACTR_EPERM;
}

/* The statuses the client distinguishes (ais_client.rs); anything else is a server error. */
static int renew_status(uint32_t code)
{
    switch (code) {
    case 200: case 400: case 401: case 403: case 429: case 500: case 502: case 503: case 504:
        return (int)code;
    default:
        return 500;
    }
}

/* Encodes a RegisterResponse or RenewCredentialResponse with one of ok / error set. */
static int encode(actrd_reply_kind_t kind, Actr__RegisterResponse__RegisterOk *ok,
                  Actr__ErrorResponse *error, actrd_http_reply_t *out)
{
    Actr__RegisterResponse reg = ACTR__REGISTER_RESPONSE__INIT;
    Actr__RenewCredentialResponse renew = ACTR__RENEW_CREDENTIAL_RESPONSE__INIT;
    ProtobufCMessage *msg;
    if (kind == ACTRD_REPLY_REGISTER) {
        reg.result_case = ok ? ACTR__REGISTER_RESPONSE__RESULT_SUCCESS
                             : ACTR__REGISTER_RESPONSE__RESULT_ERROR;
        if (ok)
            reg.success = ok;
        else
            reg.error = error;
        msg = &reg.base;
    } else {
        renew.result_case = ok ? ACTR__RENEW_CREDENTIAL_RESPONSE__RESULT_SUCCESS
                               : ACTR__RENEW_CREDENTIAL_RESPONSE__RESULT_ERROR;
        if (ok)
            renew.success = ok;
        else
            renew.error = error;
        msg = &renew.base;
    }
    memset(out, 0, sizeof *out);
    int rc = actr_pb_encode(msg, &out->body, &out->len, NULL);
    if (rc != 0)
        return rc;
    out->content_type = PROTOBUF_TYPE;
    if (kind == ACTRD_REPLY_REGISTER)
        out->status = 200;
    else
        out->status = ok ? 200 : renew_status(error->code);
    return 0;
}

int actrd_reply_error(actrd_reply_kind_t kind, uint32_t code, const char *message,
                      actrd_http_reply_t *out)
{
    Actr__ErrorResponse error = ACTR__ERROR_RESPONSE__INIT;
    error.code = code;
    error.message = (char *)message;
    return encode(kind, NULL, &error, out);
}

int actrd_reply_ok(actrd_reply_kind_t kind, const actrd_state_t *st, const actr_id_t *id,
                   const actrd_issued_t *cred, const uint8_t token[ACTRD_TOKEN_LEN],
                   int64_t token_expires_at, actrd_http_reply_t *out)
{
    /* protobuf-c wants mutable pointers; this copy is only read by the encoder. */
    actr_id_t idc = *id;
    Actr__Realm realm = ACTR__REALM__INIT;
    Actr__ActrType type = ACTR__ACTR_TYPE__INIT;
    Actr__ActrId actr_id = ACTR__ACTR_ID__INIT;
    realm.realm_id = idc.realm.realm_id;
    type.manufacturer = idc.type.manufacturer;
    type.name = idc.type.name;
    type.version = idc.type.version;
    actr_id.realm = &realm;
    actr_id.serial_number = idc.serial_number;
    actr_id.type = &type;

    actrd_issued_t c = *cred;
    Actr__AIdCredential credential = ACTR__AID_CREDENTIAL__INIT;
    credential.key_id = c.key_id;
    credential.claims.data = c.claims;
    credential.claims.len = c.claims_len;
    credential.signature.data = c.sig;
    credential.signature.len = sizeof c.sig;

    Actr__TurnCredential turn = ACTR__TURN_CREDENTIAL__INIT;
    turn.username = c.turn_username;
    turn.password = c.turn_password;
    turn.expires_at = c.expires_at;

    Google__Protobuf__Timestamp cred_exp = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    Google__Protobuf__Timestamp token_exp = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    cred_exp.seconds = (int64_t)c.expires_at;
    token_exp.seconds = token_expires_at;
    uint8_t token_copy[ACTRD_TOKEN_LEN];
    memcpy(token_copy, token, sizeof token_copy);

    Actr__RegisterResponse__RegisterOk ok = ACTR__REGISTER_RESPONSE__REGISTER_OK__INIT;
    ok.actr_id = &actr_id;
    ok.credential = &credential;
    ok.turn_credential = &turn;
    ok.credential_expires_at = &cred_exp;
    ok.signaling_heartbeat_interval_secs = st->cfg.heartbeat_interval_secs;
    ok.signing_pubkey.data = c.pub;
    ok.signing_pubkey.len = sizeof c.pub;
    ok.signing_key_id = c.key_id;
    ok.has_renewal_token = 1;
    ok.renewal_token.data = token_copy;
    ok.renewal_token.len = sizeof token_copy;
    ok.renewal_token_expires_at = &token_exp;
    int rc = encode(kind, &ok, NULL, out);
    memset(token_copy, 0, sizeof token_copy);
    return rc;
}

/*
 * ais_renew.c - POST /ais/renew (protocol.md 5.2): a new credential for the same ActrId in
 * exchange for a valid renewal token. The HTTP status mirrors the error code, since the client
 * decides between retry (5xx), hard rebind (401) and giving up (403) on the status alone.
 */
#include <stdio.h>
#include <string.h>

#include "actr.pb-c.h"
#include "actr/log.h"
#include "codec/pb.h"
#include "state/ais.h"

/* The ActrId of the request as our type, or a refusal. */
static int request_id(const Actr__RenewCredentialRequest *req, actr_id_t *id, char *id_str,
                      actrd_refusal_t *why)
{
    const Actr__ActrId *a = req->actr_id;
    actr_error_t err;
    if (!a || !a->realm || !a->type)
        return actrd_refuse(why, 400, "RenewCredentialRequest lacks actr_id");
    memset(id, 0, sizeof *id);
    id->realm.realm_id = a->realm->realm_id;
    id->serial_number = a->serial_number;
    if (actr_type_set(&id->type, a->type->manufacturer, a->type->name, a->type->version, &err) ||
        actr_id_format(id, id_str, ACTR_ID_STR_SIZE, &err))
        return actrd_refuse(why, 400, "invalid actr_id: %s", err.message);
    return 0;
}

/* Token rotation, re-issuing and the pending-row touch, in one transaction. */
static int do_renew(actrd_state_t *st, const actr_id_t *id, const char *id_str,
                    const uint8_t *token, actrd_issued_t *cred, uint8_t next[ACTRD_TOKEN_LEN],
                    int64_t *next_expires, actrd_refusal_t *why)
{
    char msg[160];
    int rc = actrd_realm_validate(st, id->realm.realm_id, msg, sizeof msg);
    if (rc == ACTR_EPERM)
        return actrd_refuse(why, 403, "Realm validation failed: %s", msg);
    if (rc != 0)
        return actrd_refuse(why, 500, "Realm validation failed: store error");
    if (actrd_tx_begin(st) != 0)
        return actrd_refuse(why, 500, "Internal renewal store error");
    rc = actrd_renewal_rotate(st, id_str, token, next, next_expires);
    if (rc == ACTR_EPERM)
        rc = actrd_refuse(why, 401, "Renewal token invalid or expired");
    else if (rc != 0)
        rc = actrd_refuse(why, 500, "Internal renewal store error");
    if (rc == 0 && actrd_credential_issue(st, id, cred) != 0)
        rc = actrd_refuse(why, 500, "credential issuing failed");
    if (rc == 0 && actrd_pending_touch(st, id->realm.realm_id, id->serial_number) != 0)
        rc = actrd_refuse(why, 500, "Internal renewal store error");
    if (rc == 0 && actrd_tx_commit(st) != 0)
        rc = actrd_refuse(why, 500, "Internal renewal store error");
    if (rc != 0)
        actrd_tx_rollback(st);
    return rc;
}

int actrd_ais_renew(actrd_state_t *st, const uint8_t *body, size_t len, actrd_http_reply_t *out)
{
    if (!out)
        return ACTR_EINVAL;
    memset(out, 0, sizeof *out);
    if (!st)
        return actrd_reply_error(ACTRD_REPLY_RENEW, 500, "AIS state unavailable", out);
    ProtobufCMessage *msg = NULL;
    actr_error_t err;
    actr_error_clear(&err);
    actrd_refusal_t why = {0, ""};
    int rc = 0;
    if (actr_pb_decode(&actr__renew_credential_request__descriptor,
                       body ? body : (const uint8_t *)"", body ? len : 0, &msg, &err) != 0)
        rc = actrd_refuse(&why, 400, "Invalid protobuf: %s", err.message);
    const Actr__RenewCredentialRequest *req = (const Actr__RenewCredentialRequest *)msg;
    actr_id_t id;
    char id_str[ACTR_ID_STR_SIZE] = "";
    actrd_issued_t cred;
    uint8_t next[ACTRD_TOKEN_LEN];
    int64_t next_expires = 0;
    memset(&cred, 0, sizeof cred);
    if (!req)
        rc = ACTR_EPARSE;
    else if (req->renewal_token.len != ACTRD_TOKEN_LEN)
        rc = actrd_refuse(&why, 400, "Invalid renewal token length (%zu bytes, expected %d)",
                          req->renewal_token.len, ACTRD_TOKEN_LEN);
    else if ((rc = request_id(req, &id, id_str, &why)) == 0)
        rc = do_renew(st, &id, id_str, req->renewal_token.data, &cred, next, &next_expires, &why);

    if (rc != 0) {
        char code[12];
        snprintf(code, sizeof code, "%u", why.code);
        actr_log(ACTR_LOG_WARN, "actrd.ais", "renew refused", ACTR_KV("actor_id", id_str),
                 ACTR_KV("code", code), ACTR_KV("reason", why.message));
        rc = actrd_reply_error(ACTRD_REPLY_RENEW, why.code, why.message, out);
    } else {
        actr_log(ACTR_LOG_INFO, "actrd.ais", "credential renewed", ACTR_KV("actor_id", id_str));
        rc = actrd_reply_ok(ACTRD_REPLY_RENEW, st, &id, &cred, next, next_expires, out);
    }
    actrd_issued_free(&cred);
    memset(next, 0, sizeof next);
    actr_pb_free(msg);
    return rc;
}

/*
 * ais_register.c - POST /ais/register (protocol.md 5.1).
 *
 * Order of checks, as actrix: decode (400), realm usable (403/500), realm secret (403), then the
 * identity by auth mode - LINKED needs a valid realm secret and no package fields, PACKAGE (and
 * UNSPECIFIED or unknown values, as actrix) goes through mfr_proof.c. Everything after decoding
 * runs in one write transaction: nonce consumption, serial high-water mark, renewal token, ACL
 * rows and the pending registration either all happen or none does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr.pb-c.h"
#include "actr/log.h"
#include "codec/pb.h"
#include "state/ais.h"

#define ACTRD_MAX_ACL_RULES 1024
#define ACTRD_MAX_WS_ADDRESS 2048

/* What a successful registration produced, for the reply. */
typedef struct registration {
    actr_id_t id;
    char id_str[ACTR_ID_STR_SIZE];
    actrd_issued_t cred;
    uint8_t token[ACTRD_TOKEN_LEN];
    int64_t token_expires_at;
} registration_t;

static bool has_package_fields(const Actr__RegisterRequest *req)
{
    return req->has_manifest_raw || req->has_mfr_signature ||
           req->has_manufacturer_auth_signature || req->has_manufacturer_auth_signed_at ||
           req->has_manufacturer_auth_nonce;
}

static int check_realm(actrd_state_t *st, uint32_t realm_id, const char *secret,
                       actrd_secret_check_t *check, actrd_refusal_t *why)
{
    char msg[160];
    int rc = actrd_realm_validate(st, realm_id, msg, sizeof msg);
    if (rc == ACTR_EPERM)
        return actrd_refuse(why, 403, "Realm validation failed: %s", msg);
    if (rc != 0)
        return actrd_refuse(why, 500, "Realm validation failed: store error");
    if (actrd_realm_secret_check(st, realm_id, secret, check) != 0)
        return actrd_refuse(why, 500, "Internal error while verifying realm secret");
    if (*check == ACTRD_SECRET_MISSING)
        return actrd_refuse(why, 403, "Realm secret required");
    if (*check == ACTRD_SECRET_INVALID)
        return actrd_refuse(why, 403, "Invalid realm secret");
    return 0;
}

static int check_type(const Actr__ActrType *t, actr_type_t *type, actrd_refusal_t *why)
{
    actr_error_t err;
    if (!t || !t->version || !t->version[0])
        return actrd_refuse(why, 400, "actr_type.version must not be empty (set the package "
                            "version in the manifest)");
    if (actr_type_set(type, t->manufacturer, t->name, t->version, &err) != 0)
        return actrd_refuse(why, 400, "invalid actr_type: %s", err.message);
    return 0;
}

/* Bounds on what a registration may store, so one request cannot bloat the database. */
static int check_limits(const Actr__RegisterRequest *req, actrd_refusal_t *why)
{
    if (req->acl && req->acl->n_rules > ACTRD_MAX_ACL_RULES)
        return actrd_refuse(why, 400, "too many ACL rules (%zu, at most %d)", req->acl->n_rules,
                            ACTRD_MAX_ACL_RULES);
    if (req->ws_address && strlen(req->ws_address) > ACTRD_MAX_WS_ADDRESS)
        return actrd_refuse(why, 400, "ws_address is longer than %d bytes", ACTRD_MAX_WS_ADDRESS);
    return 0;
}

static int check_identity(actrd_state_t *st, const Actr__RegisterRequest *req,
                          actrd_secret_check_t secret, const char *type_str, actrd_refusal_t *why)
{
    if (!req->has_auth_mode || req->auth_mode != ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_LINKED)
        return actrd_package_auth(st, req, type_str, why);
    if (has_package_fields(req))
        return actrd_refuse(why, 400, "linked registration must not carry manifest_raw, "
                            "mfr_signature or manufacturer_auth_* fields");
    if (secret != ACTRD_SECRET_VALID_CURRENT && secret != ACTRD_SECRET_VALID_PREVIOUS)
        return actrd_refuse(why, 403, "linked registration needs a realm secret, but realm %u "
                            "has none configured", req->realm->realm_id);
    return 0;
}

/* Allocates the identity and persists everything that comes with it. */
static int issue(actrd_state_t *st, const Actr__RegisterRequest *req, registration_t *r,
                 actrd_refusal_t *why)
{
    r->id.realm.realm_id = req->realm->realm_id;
    int rc = actrd_serial_allocate(st, &r->id.serial_number);
    if (rc == 0)
        rc = actr_id_format(&r->id, r->id_str, sizeof r->id_str, NULL);
    if (rc == 0)
        rc = actrd_credential_issue(st, &r->id, &r->cred);
    if (rc == 0)
        rc = actrd_renewal_issue(st, r->id_str, r->token, &r->token_expires_at);
    if (rc == 0 && req->acl) {
        char type_str[ACTR_TYPE_STR_SIZE];
        rc = actr_type_format(&r->id.type, type_str, sizeof type_str, NULL);
        if (rc == 0)
            rc = actrd_acl_replace(st, r->id.realm.realm_id, type_str, req->acl);
    }
    if (rc == 0 && (req->service_spec || req->ws_address)) {
        uint8_t *spec = NULL;
        size_t spec_len = 0;
        if (req->service_spec)
            rc = actr_pb_encode(&req->service_spec->base, &spec, &spec_len, NULL);
        if (rc == 0)
            rc = actrd_pending_upsert(st, r->id.realm.realm_id, r->id.serial_number, spec,
                                      spec_len, req->ws_address);
        free(spec);
    }
    return rc ? actrd_refuse(why, 500, "credential issuing failed (%s)", actr_strerror(rc)) : 0;
}

/* Every check and the issuing, inside one transaction. */
static int do_register(actrd_state_t *st, const Actr__RegisterRequest *req, const char *secret,
                       registration_t *r, const char **mode, actrd_refusal_t *why)
{
    char type_str[ACTR_TYPE_STR_SIZE];
    actrd_secret_check_t check = ACTRD_SECRET_NOT_CONFIGURED;
    bool linked = req->has_auth_mode &&
                  req->auth_mode == ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_LINKED;
    *mode = linked ? "linked" : "package";
    if (actrd_tx_begin(st) != 0)
        return actrd_refuse(why, 500, "AIS store unavailable");
    int rc = check_realm(st, req->realm->realm_id, secret, &check, why);
    if (rc == 0)
        rc = check_type(req->actr_type, &r->id.type, why);
    if (rc == 0 && actr_type_format(&r->id.type, type_str, sizeof type_str, NULL) != 0)
        rc = actrd_refuse(why, 400, "invalid actr_type");
    if (rc == 0)
        rc = check_limits(req, why);
    if (rc == 0)
        rc = check_identity(st, req, check, type_str, why);
    if (rc == 0)
        rc = issue(st, req, r, why);
    if (rc == 0 && actrd_tx_commit(st) != 0)
        rc = actrd_refuse(why, 500, "AIS store commit failed");
    if (rc != 0)
        actrd_tx_rollback(st);
    return rc;
}

int actrd_ais_register(actrd_state_t *st, const uint8_t *body, size_t len, const char *realm_secret,
                       actrd_http_reply_t *out)
{
    if (!out)
        return ACTR_EINVAL;
    memset(out, 0, sizeof *out);
    if (!st)
        return actrd_reply_error(ACTRD_REPLY_REGISTER, 500, "AIS state unavailable", out);
    ProtobufCMessage *msg = NULL;
    actr_error_t err;
    actr_error_clear(&err);
    if (!body)
        len = 0;
    if (actr_pb_decode(&actr__register_request__descriptor, body ? body : (const uint8_t *)"",
                       len, &msg, &err) != 0) {
        char text[ACTR_ERROR_MESSAGE_MAX + 32];
        snprintf(text, sizeof text, "Invalid protobuf: %s", err.message);
        actr_log(ACTR_LOG_WARN, "actrd.ais", "register refused", ACTR_KV("code", "400"),
                 ACTR_KV("reason", text));
        return actrd_reply_error(ACTRD_REPLY_REGISTER, 400, text, out);
    }
    const Actr__RegisterRequest *req = (const Actr__RegisterRequest *)msg;
    actrd_housekeeping(st);

    registration_t r;
    memset(&r, 0, sizeof r);
    actrd_refusal_t why = {0, ""};
    const char *mode = "package";
    int rc;
    if (!req->realm || !req->actr_type)
        rc = actrd_refuse(&why, 400, "RegisterRequest lacks realm or actr_type");
    else
        rc = do_register(st, req, realm_secret, &r, &mode, &why);

    char realm[16];
    snprintf(realm, sizeof realm, "%u", req->realm ? req->realm->realm_id : 0);
    if (rc != 0) {
        char code[12], type[ACTR_TYPE_STR_SIZE] = "";
        snprintf(code, sizeof code, "%u", why.code);
        if (req->actr_type)
            snprintf(type, sizeof type, "%.128s:%.128s:%.128s", req->actr_type->manufacturer,
                     req->actr_type->name, req->actr_type->version);
        actr_log(ACTR_LOG_WARN, "actrd.ais", "register refused", ACTR_KV("realm", realm),
                 ACTR_KV("mode", mode), ACTR_KV("type", type), ACTR_KV("code", code),
                 ACTR_KV("reason", why.message));
        rc = actrd_reply_error(ACTRD_REPLY_REGISTER, why.code, why.message, out);
    } else {
        actr_log(ACTR_LOG_INFO, "actrd.ais", "registered", ACTR_KV("actor_id", r.id_str),
                 ACTR_KV("realm", realm), ACTR_KV("mode", mode));
        rc = actrd_reply_ok(ACTRD_REPLY_REGISTER, st, &r.id, &r.cred, r.token,
                            r.token_expires_at, out);
    }
    actrd_issued_free(&r.cred);
    memset(r.token, 0, sizeof r.token);
    actr_pb_free(msg);
    return rc;
}

/*
 * checks.c - the gates every message passes (protocol.md 6.4, 6.5, 9.4): the realm check (403,
 * or 500 on a state error), the credential check (401) and the ACL, can_discover(source realm,
 * target realm, source type, target type) with no row = denied.
 *
 * A request that checks many registry entries of one type asks the same ACL question once per
 * target realm, so those answers are memoised for the request (a state-side lookup is a query).
 */
#include <string.h>

#include "signaling/sig_internal.h"

bool sig_check_realm(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *reply_for,
                     const Actr__ActrId *source)
{
    int rc = sig->be.realm_check(sig->be_self, sig_pb_realm(source));
    if (rc == 0)
        return true;
    bool denied = rc == ACTR_EPERM;
    sig_reply_error(sig, conn, reply_for, source, denied ? 403 : 500,
                    "Realm validation failed: %s",
                    denied ? "realm not found or disabled" : "internal error");
    return false;
}

bool sig_check_credential(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *reply_for,
                          const Actr__ActrId *source, const Actr__AIdCredential *cred,
                          char *claimed, size_t cap)
{
    /* Empty bytes decode as NULL; the state side gets a valid pointer either way. */
    static const uint8_t none[1];
    uint64_t expires_at = 0;
    actr_error_t err;
    memset(&err, 0, sizeof err);
    claimed[0] = '\0';
    int rc = cred ? sig->be.credential_verify(
                        sig->be_self, cred->key_id, cred->claims.data ? cred->claims.data : none,
                        cred->claims.len, cred->signature.data ? cred->signature.data : none,
                        cred->signature.len, sig_pb_realm(source), claimed, cap, &expires_at,
                        &err)
                  : ACTR_EINVAL;
    if (rc == 0)
        return true;
    sig_reply_error(sig, conn, reply_for, source, 401, "Credential validation failed: %s",
                    err.message[0] ? err.message : actr_strerror(rc));
    return false;
}

void sig_acl_memo_init(sig_acl_memo_t *m, uint32_t src_realm, const char *from_type,
                       const char *to_type)
{
    m->src_realm = src_realm;
    m->from_type = from_type;
    m->to_type = to_type;
    m->n = 0;
}

bool sig_acl_check(actrd_sig_t *sig, sig_acl_memo_t *m, uint32_t tgt_realm, const char *to_type)
{
    bool memo = m->to_type != NULL;
    if (memo)
        for (size_t i = 0; i < m->n; i++)
            if (m->realms[i] == tgt_realm)
                return m->allowed[i];
    bool allowed = sig->be.acl_can_discover(sig->be_self, m->src_realm, tgt_realm, m->from_type,
                                            memo ? m->to_type : to_type);
    if (memo && m->n < SIG_ACL_MEMO_SLOTS) {
        m->realms[m->n] = tgt_realm;
        m->allowed[m->n] = allowed;
        m->n++;
    }
    return allowed;
}

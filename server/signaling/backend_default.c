/* backend_default.c - the signaling backend table that calls the state side (backend.h). */
#include "backend.h"
#include "signaling/signaling.h"

static int st_realm_check(void *self, uint32_t realm_id)
{
    return actrd_realm_check(self, realm_id);
}

static int st_credential_verify(void *self, uint32_t key_id, const uint8_t *claims,
                                size_t claims_len, const uint8_t *sig, size_t sig_len,
                                uint32_t realm_id, char *actor_id, size_t cap,
                                uint64_t *expires_at, actr_error_t *err)
{
    return actrd_credential_verify(self, key_id, claims, claims_len, sig, sig_len, realm_id,
                                   actor_id, cap, expires_at, err);
}

static int st_signing_key_get(void *self, uint32_t key_id, uint8_t pub[32])
{
    return actrd_signing_key_get(self, key_id, pub);
}

static bool st_acl_can_discover(void *self, uint32_t src_realm, uint32_t tgt_realm,
                                const char *from_type, const char *to_type)
{
    return actrd_acl_can_discover(self, src_realm, tgt_realm, from_type, to_type);
}

static int st_pending_registration_get(void *self, uint32_t realm_id, uint64_t serial,
                                       uint8_t **service_spec, size_t *service_spec_len,
                                       char **ws_address)
{
    return actrd_pending_registration_get(self, realm_id, serial, service_spec,
                                          service_spec_len, ws_address);
}

const actrd_sig_backend_t actrd_sig_backend_state = {
    .realm_check = st_realm_check,
    .credential_verify = st_credential_verify,
    .signing_key_get = st_signing_key_get,
    .acl_can_discover = st_acl_can_discover,
    .pending_registration_get = st_pending_registration_get,
};

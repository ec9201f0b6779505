/*
 * trust.c - the trust provider interface, StaticTrust (one key, any manufacturer, also the
 * working development mode loaded from a key file) and ChainTrust (first success wins, else the
 * last error) (platform.md §2.1, §2.2, §2.4).
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "platform/package/package_internal.h"

int actr_trust_verify(const actr_trust_provider_t *p, const void *pkg, size_t len,
                      const actr_package_limits_t *limits, actr_verified_package_t *out,
                      actr_error_t *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!p || !p->vtable || !p->vtable->verify || !out)
        return pkg_err(err, ACTR_EINVAL, "no trust provider or output");
    return p->vtable->verify(p->self, pkg, len, limits, out, err);
}

void actr_trust_free(actr_trust_provider_t *p)
{
    if (p && p->vtable && p->vtable->destroy)
        p->vtable->destroy(p->self);
}

/* ---- StaticTrust ---- */

typedef struct static_trust {
    actr_trust_provider_t base; /* base.self points back here; destroy frees the whole block */
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
} static_trust_t;

static int static_verify(void *self, const void *pkg, size_t len,
                         const actr_package_limits_t *limits, actr_verified_package_t *out,
                         actr_error_t *err)
{
    const static_trust_t *s = self;
    return actr_package_verify(pkg, len, s->pub, sizeof s->pub, limits, out, err);
}

static void free_self(void *self)
{
    free(self);
}

static const actr_trust_vtable_t static_vtable = {"static", static_verify, free_self};

int actr_trust_static_new(const uint8_t *pubkey, size_t len, actr_trust_provider_t **out,
                          actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = NULL;
    if (!pubkey || len != ACTR_ED25519_PUBLIC_KEY_LEN)
        return pkg_err(err, ACTR_EINVAL, "Ed25519 pubkey must be exactly 32 bytes");
    if (actr_ed25519_pubkey_valid(pubkey, len) != 0)
        return pkg_err(err, ACTR_EINVAL, "invalid Ed25519 pubkey: not a curve point");
    static_trust_t *s = calloc(1, sizeof *s);
    if (!s)
        return pkg_err(err, ACTR_ENOMEM, "out of memory creating a trust provider");
    memcpy(s->pub, pubkey, len);
    s->base = (actr_trust_provider_t){&static_vtable, s};
    *out = &s->base;
    return 0;
}

int actr_trust_static_from_file(const char *path, actr_trust_provider_t **out, actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = NULL;
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    int rc = actr_pubkey_file_load(path, pub, err);
    if (rc == 0)
        rc = actr_trust_static_new(pub, sizeof pub, out, err);
    if (rc != 0)
        return rc;
    char key_id[ACTR_MFR_KEY_ID_SIZE];
    actr_mfr_key_id(pub, key_id);
    actr_log(ACTR_LOG_WARN, "trust",
             "DEVELOPMENT TRUST: accepting every package signed by this key, from any "
             "manufacturer; do not use in production",
             ACTR_KV("key_file", path), ACTR_KV("key_id", key_id));
    return 0;
}

/* ---- ChainTrust ---- */

typedef struct chain_trust {
    actr_trust_provider_t base;
    size_t count;
    actr_trust_provider_t *members[]; /* owned */
} chain_trust_t;

static int chain_verify(void *self, const void *pkg, size_t len,
                        const actr_package_limits_t *limits, actr_verified_package_t *out,
                        actr_error_t *err)
{
    const chain_trust_t *c = self;
    if (c->count == 0)
        return pkg_err_signature(err, "empty trust chain");
    int rc = ACTR_ESIGNATURE;
    /* Each failure overwrites err, so the caller sees the last provider's error. */
    for (size_t i = 0; i < c->count; i++) {
        rc = actr_trust_verify(c->members[i], pkg, len, limits, out, err);
        if (rc == 0)
            return 0;
    }
    return rc;
}

static void chain_destroy(void *self)
{
    chain_trust_t *c = self;
    for (size_t i = 0; i < c->count; i++)
        actr_trust_free(c->members[i]);
    free(c);
}

static const actr_trust_vtable_t chain_vtable = {"chain", chain_verify, chain_destroy};

int actr_trust_chain_new(actr_trust_provider_t *const *providers, size_t count,
                         actr_trust_provider_t **out, actr_error_t *err)
{
    chain_trust_t *c = NULL;
    if (out)
        *out = NULL;
    if (out && (providers || count == 0) && count < 1024)
        c = calloc(1, sizeof *c + count * sizeof c->members[0]);
    if (!c) {
        for (size_t i = 0; providers && i < count; i++)
            actr_trust_free(providers[i]); /* ownership was handed over either way */
        return pkg_err(err, out && count < 1024 ? ACTR_ENOMEM : ACTR_EINVAL,
                       "cannot create a trust chain of %zu providers", count);
    }
    c->count = count;
    for (size_t i = 0; i < count; i++)
        c->members[i] = providers[i];
    c->base = (actr_trust_provider_t){&chain_vtable, c};
    *out = &c->base;
    return 0;
}

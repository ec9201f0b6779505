/*
 * query.c - the identity the client presents: the upgrade's query string (protocol.md 6.1:
 * actor_id, key_id, claims, signature, webrtc_role; form-urlencoded, bytes as standard base64)
 * and protobuf views of the ActrId and credential that every envelope carries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/percent.h"
#include "wire/signaling/sigc_internal.h"

#define SIGC_MAX_CLAIMS 4096   /* encoded IdentityClaims are ~100 bytes */
#define SIGC_MAX_SIGNATURE 512 /* Ed25519: 64 */

void sigc_pb_id_init(sigc_pb_id_t *p, const actr_id_t *id)
{
    actr__actr_id__init(&p->id);
    actr__realm__init(&p->realm);
    actr__actr_type__init(&p->type);
    p->realm.realm_id = id->realm.realm_id;
    /* protobuf-c's structs take char *; packing only reads them. */
    p->type.manufacturer = (char *)id->type.manufacturer;
    p->type.name = (char *)id->type.name;
    p->type.version = (char *)id->type.version;
    p->id.realm = &p->realm;
    p->id.serial_number = id->serial_number;
    p->id.type = &p->type;
}

void sigc_pb_credential_init(const actr_sigc_t *c, Actr__AIdCredential *out)
{
    actr__aid_credential__init(out);
    out->key_id = c->key_id;
    out->claims.data = c->claims;
    out->claims.len = c->claims_len;
    out->signature.data = c->signature;
    out->signature.len = c->signature_len;
}

int sigc_identity_check(const actr_sigc_identity_t *identity, actr_error_t *err)
{
    if (!identity)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no identity");
    actr_error_t type_err;
    actr_error_clear(&type_err);
    if (actr_type_validate(&identity->id.type, &type_err) != 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "identity type: %s",
                              type_err.message);
    if (!identity->claims || identity->claims_len == 0 || identity->claims_len > SIGC_MAX_CLAIMS)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "credential claims missing or larger than %d bytes",
                              SIGC_MAX_CLAIMS);
    if (!identity->signature || identity->signature_len == 0 ||
        identity->signature_len > SIGC_MAX_SIGNATURE)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "credential signature missing or larger than %d bytes",
                              SIGC_MAX_SIGNATURE);
    return 0;
}

/* A growing string; on allocation failure it stays failed and appends nothing. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool failed;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *text, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sbuf_t *b, const char *text)
{
    sb_add(b, text, strlen(text));
}

/* "&key=" and the form-encoded bytes. */
static void sb_param(sbuf_t *b, const char *key, const void *value, size_t len)
{
    char *enc = NULL;
    if (actr_form_encode_alloc(value, len, &enc, NULL) != 0) {
        b->failed = true;
        return;
    }
    if (b->len && b->s[b->len - 1] != '?')
        sb_str(b, "&");
    sb_str(b, key);
    sb_str(b, "=");
    sb_str(b, enc);
    free(enc);
}

static void sb_param_b64(sbuf_t *b, const char *key, const uint8_t *bytes, size_t len)
{
    char *text = malloc(actr_base64_encoded_len(len, ACTR_B64_STD) + 1);
    if (!text) {
        b->failed = true;
        return;
    }
    size_t n = actr_base64_encode(bytes, len, text, ACTR_B64_STD);
    sb_param(b, key, text, n);
    free(text);
}

int sigc_upgrade_path(const actr_sigc_t *c, char **out)
{
    char id[ACTR_ID_STR_SIZE];
    if (actr_id_format(&c->id, id, sizeof id, NULL) != 0)
        return ACTR_EINVAL;
    char key_id[16];
    snprintf(key_id, sizeof key_id, "%" PRIu32, c->key_id);

    sbuf_t b = {0};
    sb_str(&b, c->url.path);
    sb_str(&b, "?");
    if (c->url.query && c->url.query[0]) {
        sb_str(&b, c->url.query); /* the configured URL's own parameters come first */
    }
    sb_param(&b, "actor_id", id, strlen(id));
    sb_param(&b, "key_id", key_id, strlen(key_id));
    sb_param_b64(&b, "claims", c->claims, c->claims_len);
    sb_param_b64(&b, "signature", c->signature, c->signature_len);
    if (c->cfg.prefer_answer)
        sb_param(&b, "webrtc_role", "answer", 6);
    if (b.failed) {
        free(b.s);
        return ACTR_ENOMEM;
    }
    *out = b.s;
    return 0;
}

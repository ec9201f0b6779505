/*
 * foundation-demo - what libactr's foundation does, through the public API only:
 * identities and their string forms, a manufacturer key that signs and verifies (the private
 * key never leaves the library), zero-copy buffers and structured logging.
 * It is the first part of README's `make run`; later parts start actrd and real actors.
 */
#include <stdio.h>
#include <string.h>

#include <actr/buf.h>
#include <actr/crypto.h>
#include <actr/error.h>
#include <actr/log.h>
#include <actr/types.h>

static int fail(const char *what, int rc, const actr_error_t *err)
{
    fprintf(stderr, "foundation-demo: %s: %s%s%s\n", what, actr_strerror(rc),
            err && err->message[0] ? ": " : "", err ? err->message : "");
    return 1;
}

int main(void)
{
    actr_error_t err = {0};
    actr_log_init_from_env();

    /* 1. Identities, exactly as the reference writes them (protocol.md 2.2 and 2.4). */
    const char *id_text = "1a2b3c@101/acme:echo-service:1.0.0";
    actr_id_t id;
    int rc = actr_id_parse(&id, id_text, strlen(id_text), &err);
    if (rc != 0)
        return fail("parse actor id", rc, &err);
    actr_uri_t uri = {.realm = id.realm.realm_id, .type = id.type};
    char uri_text[ACTR_URI_STR_SIZE];
    if ((rc = actr_uri_format(&uri, uri_text, sizeof uri_text, &err)) != 0)
        return fail("format uri", rc, &err);
    printf("actor    %s  serial=%llu realm=%u\n", id_text, (unsigned long long)id.serial_number,
           id.realm.realm_id);
    printf("uri      %s\n", uri_text);
    rc = actr_type_path_safe(&(actr_type_t){"acme", "echo", ".."}, &err);
    printf("path     version \"..\" refused: %s\n", rc != 0 ? err.message : "NO (bug)");

    /* 2. A manufacturer key: sign and verify; only the public half is ever visible. */
    actr_signing_key_t *key = NULL;
    if ((rc = actr_signing_key_generate(&key)) != 0)
        return fail("generate key", rc, NULL);
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN], sig[ACTR_ED25519_SIGNATURE_LEN];
    char key_id[ACTR_MFR_KEY_ID_SIZE];
    actr_signing_key_public(key, pub);
    actr_mfr_key_id(pub, key_id);
    const char manifest[] = "manufacturer = \"acme\"\nname = \"echo-service\"\n";
    rc = actr_signing_key_sign(key, manifest, sizeof manifest - 1, sig);
    actr_signing_key_free(key);
    if (rc != 0)
        return fail("sign", rc, NULL);
    int good = actr_ed25519_verify(pub, sizeof pub, manifest, sizeof manifest - 1, sig, sizeof sig);
    sig[0] ^= 1;
    int forged = actr_ed25519_verify(pub, sizeof pub, manifest, sizeof manifest - 1, sig, sizeof sig);
    printf("key      %s  signature %s, tampered signature %s\n", key_id,
           good == 0 ? "verifies" : "FAILS", forged == 0 ? "VERIFIES (bug)" : "rejected");

    /* 3. Zero-copy buffers: a slice shares the bytes and keeps them alive. */
    actr_buf_t whole, head;
    if ((rc = actr_buf_copy("hello, actors", 13, &whole)) != 0)
        return fail("buffer", rc, NULL);
    if ((rc = actr_buf_slice(&whole, 0, 5, &head)) != 0)
        return fail("slice", rc, NULL);
    actr_buf_release(&whole);
    printf("buffer   slice \"%.*s\" shares its block (refcount %zu after the parent is gone)\n",
           (int)head.len, (const char *)head.data, actr_buf_refcount(&head));
    actr_buf_release(&head);

    /* 4. Structured logging (logfmt on stderr by default; ACTR_LOG=debug for more). */
    fflush(stdout);
    actr_log_kv(ACTR_LOG_INFO, "demo", "foundation ready", ACTR_KV("actor_id", id_text),
                ACTR_KV("key_id", key_id), ACTR_KV_END);
    return good == 0 && forged != 0 ? 0 : 1;
}

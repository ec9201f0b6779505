/* trust_internal.h - pieces shared by the trust providers (platform.md §2). */
#ifndef ACTR_PLATFORM_TRUST_INTERNAL_H
#define ACTR_PLATFORM_TRUST_INTERNAL_H

#include <stdint.h>

#include "actr/error.h"
#include "actr/package.h"

/* Largest registry answer we read; a {"public_key", "key_id"} object is ~100 bytes. */
#define TRUST_MFR_RESPONSE_MAX (64u * 1024u)

/*
 * GET {base_url}/mfr/{manufacturer}/verifying_key?key_id={key_id} with libcurl (manufacturer and
 * key_id percent-encoded; key_id may be NULL) and decodes {"public_key": std base64 of 32 bytes}.
 * Errors carry the reference's "untrusted manufacturer: ..." texts: ACTR_ETIMEDOUT,
 * ACTR_EUNAVAILABLE (transport, 5xx, 429), ACTR_EPERM (other non-2xx), ACTR_EPARSE (JSON, base64,
 * length, not a curve point).
 */
int trust_mfr_fetch(const char *base_url, const char *manufacturer, const char *key_id,
                    uint32_t connect_timeout_ms, uint32_t timeout_ms,
                    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN], actr_error_t *err);

#endif /* ACTR_PLATFORM_TRUST_INTERNAL_H */

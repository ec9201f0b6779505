/*
 * uri.c - the actr://<realm>:<manufacturer>+<name>@<version> address (protocol.md 2.4). It is a
 * configuration convenience and never on the wire. We split it exactly like the reference but,
 * unlike the reference, require the parts to form a valid ActrType, since a URI is always turned
 * into one and our fixed-size fields need bounded parts anyway.
 */
#include "actr/types.h"

#include <stdio.h>
#include <string.h>

#include "codec/identity_internal.h"

#define URI_SCHEME "actr://"
#define URI_SCHEME_LEN (sizeof URI_SCHEME - 1)

static const char *last_byte(const char *s, size_t len, char c)
{
    for (size_t i = len; i > 0; i--) {
        if (s[i - 1] == c)
            return s + i - 1;
    }
    return NULL;
}

static int authority_error(const char *authority, size_t len, actr_error_t *err)
{
    return ACTR_IDENT_FAIL(err, ACTR_EPARSE,
                           "Invalid actor authority format '%.*s', expected: "
                           "<realm>:<manufacturer>+<name>@<version>",
                           actr_ident_quote_len(len), authority);
}

int actr_uri_parse(actr_uri_t *out, const char *s, size_t len, actr_error_t *err)
{
    if (!out || (!s && len))
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_uri_parse: NULL argument");
    if (!s)
        s = ""; /* len is 0: keep pointer arithmetic and messages defined */
    if (len < URI_SCHEME_LEN || memcmp(s, URI_SCHEME, URI_SCHEME_LEN) != 0) {
        const char *colon = memchr(s, ':', len);
        size_t scheme_len = colon ? (size_t)(colon - s) : len;
        return ACTR_IDENT_FAIL(err, ACTR_EPARSE,
                               "Invalid URI scheme, expected 'actr' but got '%.*s'",
                               actr_ident_quote_len(scheme_len), s);
    }
    const char *rest = s + URI_SCHEME_LEN;
    size_t rest_len = len - URI_SCHEME_LEN;
    if (rest_len == 0)
        return ACTR_IDENT_FAIL(err, ACTR_EPARSE, "Missing actor authority in URI");
    /* The last '@': the version is everything after it. */
    const char *at = last_byte(rest, rest_len, '@');
    if (!at)
        return ACTR_IDENT_FAIL(err, ACTR_EPARSE, "Missing version suffix '@<version>' in URI");
    size_t authority_len = (size_t)(at - rest);
    /* Same order of checks as the reference: ':' , then the realm, then '+'. */
    const char *colon = memchr(rest, ':', authority_len);
    if (!colon)
        return authority_error(rest, authority_len, err);
    size_t realm_len = (size_t)(colon - rest);
    uint64_t realm;
    int rc = actr_ident_parse_uint(rest, realm_len, 10, UINT32_MAX, &realm);
    if (rc != 0)
        return ACTR_IDENT_FAIL(err, rc, "Invalid realm ID: '%.*s'", actr_ident_quote_len(realm_len),
                               rest);
    const char *plus = memchr(colon + 1, '+', (size_t)(at - colon - 1));
    if (!plus)
        return authority_error(rest, authority_len, err);
    actr_type_t type;
    rc = actr_ident_type_from_parts(&type, colon + 1, (size_t)(plus - colon - 1), plus + 1,
                                    (size_t)(at - plus - 1), at + 1,
                                    rest_len - authority_len - 1, err);
    if (rc != 0)
        return rc;
    memset(out, 0, sizeof *out);
    out->realm = (uint32_t)realm;
    out->type = type;
    return 0;
}

int actr_uri_format(const actr_uri_t *uri, char *buf, size_t size, actr_error_t *err)
{
    if (!uri)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_uri_format: NULL uri");
    int rc = actr_type_validate(&uri->type, err);
    if (rc != 0)
        return rc;
    if (!buf && size)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_uri_format: NULL buffer");
    int n = snprintf(buf, size, URI_SCHEME "%lu:%s+%s@%s", (unsigned long)uri->realm,
                     uri->type.manufacturer, uri->type.name, uri->type.version);
    return actr_ident_format_result(n, size, "actr_uri_format", err);
}

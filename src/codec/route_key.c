/*
 * route_key.c - RPC route keys "<proto package>.<Service>.<Method>" (protocol.md 2.5), e.g.
 * "echo.EchoService.Echo". The reference builds them with format!("{}.{}.{}") and matches them
 * literally; we also validate the parts so a malformed key is refused at registration, not
 * silently never matched.
 */
#include "actr/types.h"

#include <stdio.h>
#include <string.h>

#include "codec/identity_internal.h"

/* Validates one part and prefixes its message with the part's role. */
static int check_part(int rc, const actr_error_t *inner, const char *role, actr_error_t *err)
{
    if (rc != 0)
        return ACTR_IDENT_FAIL(err, rc, "Invalid route key %s: %s", role, inner->message);
    return 0;
}

static int check_parts(const char *package, size_t package_len, const char *service,
                       size_t service_len, const char *method, size_t method_len,
                       actr_error_t *err)
{
    actr_error_t inner;
    int rc = check_part(actr_package_name_validate(package, package_len, &inner), &inner,
                        "package", err);
    if (rc == 0)
        rc = check_part(actr_service_name_validate(service, service_len, &inner), &inner,
                        "service", err);
    if (rc == 0)
        /* Proto methods are written UpperCamelCase ("Echo"), so either case may start them. */
        rc = check_part(actr_ident_proto_name_validate(method, method_len, "method",
                                                       ACTR_IDENT_FIRST_ANY, &inner),
                        &inner, "method", err);
    return rc;
}

int actr_route_key_split(actr_route_key_t *out, const char *s, size_t len, actr_error_t *err)
{
    if (!s && len)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_route_key_split: NULL argument");
    if (!s)
        s = ""; /* len is 0: keep pointer arithmetic and messages defined */
    /* Service and method contain no dots, so they follow the last two. */
    size_t dots[2] = {0, 0};
    int found = 0;
    for (size_t i = len; i > 0 && found < 2; i--) {
        if (s[i - 1] == '.')
            dots[found++] = i - 1;
    }
    if (found < 2)
        return ACTR_IDENT_FAIL(err, ACTR_EPARSE,
                               "route key '%.*s' is not <package>.<Service>.<Method>",
                               actr_ident_quote_len(len), s);
    size_t method_at = dots[0] + 1, service_at = dots[1] + 1;
    size_t package_len = dots[1], service_len = dots[0] - service_at, method_len = len - method_at;
    int rc = check_parts(s, package_len, s + service_at, service_len, s + method_at, method_len,
                         err);
    if (rc != 0 || !out)
        return rc;
    memset(out, 0, sizeof *out);
    memcpy(out->package, s, package_len);
    memcpy(out->service, s + service_at, service_len);
    memcpy(out->method, s + method_at, method_len);
    return 0;
}

int actr_route_key_validate(const char *s, size_t len, actr_error_t *err)
{
    return actr_route_key_split(NULL, s, len, err);
}

int actr_route_key_build(char *buf, size_t size, const char *package, const char *service,
                         const char *method, actr_error_t *err)
{
    if (!package || !service || !method || (!buf && size))
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_route_key_build: NULL argument");
    int rc = check_parts(package, strlen(package), service, strlen(service), method,
                         strlen(method), err);
    if (rc != 0)
        return rc;
    int n = snprintf(buf, size, "%s.%s.%s", package, service, method);
    return actr_ident_format_result(n, size, "actr_route_key_build", err);
}

/* errors.c - package error messages with the reference's PackError prefixes (platform.md §1.9). */
#include <stdarg.h>
#include <stdio.h>

#include "platform/package/package_internal.h"

/* Package faults are the input's fault; only our own failures are internal. */
static actr_error_kind_t kind_of(int code)
{
    switch (code) {
    case ACTR_ENOMEM:
    case ACTR_EINTERNAL:
        return ACTR_KIND_INTERNAL;
    case ACTR_EIO:
    case ACTR_ETIMEDOUT:
    case ACTR_EUNAVAILABLE:
        return ACTR_KIND_TRANSIENT;
    case ACTR_EINVAL:
    case ACTR_EPERM:
    case ACTR_ENOTFOUND:
        return ACTR_KIND_CLIENT;
    default:
        return ACTR_KIND_CORRUPT;
    }
}

static int set_prefixed(actr_error_t *err, int code, const char *prefix, const char *fmt,
                        va_list ap) ACTR_PRINTF(4, 0);

static int set_prefixed(actr_error_t *err, int code, const char *prefix, const char *fmt,
                        va_list ap)
{
    if (!err)
        return code;
    char text[ACTR_ERROR_MESSAGE_MAX];
    vsnprintf(text, sizeof text, fmt, ap);
    return actr_error_set(err, code, kind_of(code), 0, "%s%s", prefix, text);
}

int pkg_err_invalid(actr_error_t *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_prefixed(err, code, "invalid package: ", fmt, ap);
    va_end(ap);
    return rc;
}

int pkg_err_manifest(actr_error_t *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_prefixed(err, code, "manifest parse error: ", fmt, ap);
    va_end(ap);
    return rc;
}

int pkg_err_signature(actr_error_t *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_prefixed(err, ACTR_ESIGNATURE, "signature verification failed: ", fmt, ap);
    va_end(ap);
    return rc;
}

int pkg_err(actr_error_t *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_prefixed(err, code, "", fmt, ap);
    va_end(ap);
    return rc;
}

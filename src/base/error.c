/* error.c - names of error codes, wire-code classification and the error detail record. */
#include "actr/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *actr_strerror(int code)
{
    switch (code) {
    case ACTR_OK:
        return "success";
#define ACTR_ERRNO_TEXT(name, value, text) \
    case ACTR_##name:                      \
        return text;
        ACTR_ERRNO_MAP(ACTR_ERRNO_TEXT)
#undef ACTR_ERRNO_TEXT
    default:
        return "unknown error";
    }
}

const char *actr_err_name(int code)
{
    switch (code) {
    case ACTR_OK:
        return "OK";
#define ACTR_ERRNO_NAME(name, value, text) \
    case ACTR_##name:                      \
        return #name;
        ACTR_ERRNO_MAP(ACTR_ERRNO_NAME)
#undef ACTR_ERRNO_NAME
    default:
        return "EUNKNOWN";
    }
}

actr_error_kind_t actr_wire_code_kind(uint32_t wire_code)
{
    switch (wire_code) {
    case ACTR_WIRE_NOT_FOUND:
    case ACTR_WIRE_PERMISSION_DENIED:
    case ACTR_WIRE_INVALID_ARGUMENT:
    case ACTR_WIRE_UNKNOWN_ROUTE:
    case ACTR_WIRE_DEPENDENCY_NOT_FOUND:
        return ACTR_KIND_CLIENT;
    case ACTR_WIRE_DECODE_FAILURE:
        return ACTR_KIND_CORRUPT;
    case ACTR_WIRE_NOT_IMPLEMENTED:
    case ACTR_WIRE_INTERNAL:
        return ACTR_KIND_INTERNAL;
    default: /* Unavailable, TimedOut, ConnectionNotReady and every unknown code */
        return ACTR_KIND_TRANSIENT;
    }
}

int actr_wire_code_retryable(uint32_t wire_code)
{
    return actr_wire_code_kind(wire_code) == ACTR_KIND_TRANSIENT;
}

const char *actr_wire_code_name(uint32_t wire_code)
{
    static const char *const names[] = {
        "Unavailable",  "TimedOut",           "NotFound",      "PermissionDenied",
        "InvalidArgument", "UnknownRoute",    "DependencyNotFound", "DecodeFailure",
        "NotImplemented", "Internal",         "ConnectionNotReady",
    };
    if (wire_code >= ACTR_WIRE_UNAVAILABLE && wire_code <= ACTR_WIRE_CONNECTION_NOT_READY)
        return names[wire_code - ACTR_WIRE_UNAVAILABLE];
    return "Unavailable";
}

int actr_error_set(actr_error_t *err, int code, actr_error_kind_t kind, uint32_t wire_code,
                   const char *fmt, ...)
{
    if (err) {
        err->code = code;
        err->kind = kind;
        err->wire_code = wire_code;
        err->message[0] = '\0';
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err->message, sizeof err->message, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

void actr_error_clear(actr_error_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

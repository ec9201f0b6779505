/*
 * error.h - error codes and error details.
 *
 * Functions return int: 0 on success, a negative ACTR_E* code on failure (libuv style), and
 * actr_strerror() names the code. Where a caller needs more, an optional actr_error_t out
 * parameter carries the fault domain, the wire code (10001..10011 for RPC errors, HTTP-like codes
 * for AIS and signaling) and a message. Passing NULL for it is always allowed.
 */
#ifndef ACTR_ERROR_H
#define ACTR_ERROR_H

#include "actr/common.h"

ACTR_BEGIN_DECLS

/* Negative return codes. Stable: values never change once released. */
#define ACTR_ERRNO_MAP(X)                                                    \
    X(EINVAL, -1, "invalid argument")                                        \
    X(ENOMEM, -2, "out of memory")                                           \
    X(ERANGE, -3, "value or size out of range")                              \
    X(EPARSE, -4, "malformed input")                                         \
    X(EIO, -5, "input/output error")                                         \
    X(ENOTFOUND, -6, "not found")                                            \
    X(EEXIST, -7, "already exists")                                          \
    X(ESIGNATURE, -8, "signature verification failed")                       \
    X(EEXPIRED, -9, "expired")                                               \
    X(EPERM, -10, "permission denied")                                       \
    X(ETIMEDOUT, -11, "timed out")                                           \
    X(ECANCELED, -12, "canceled")                                            \
    X(ESTATE, -13, "operation not allowed in the current state")             \
    X(EUNSUPPORTED, -14, "not supported")                                    \
    X(EAGAIN, -15, "resource temporarily unavailable (queue full)")          \
    X(ECLOSED, -16, "closed")                                                \
    X(EPROTO, -17, "protocol error")                                         \
    X(EINTERNAL, -18, "internal error")                                      \
    X(ETOOBIG, -19, "message or entry too large")                            \
    X(EUNAVAILABLE, -20, "unavailable")

typedef enum actr_errno {
    ACTR_OK = 0,
#define ACTR_ERRNO_ENUM(name, value, text) ACTR_##name = value,
    ACTR_ERRNO_MAP(ACTR_ERRNO_ENUM)
#undef ACTR_ERRNO_ENUM
} actr_errno_t;

/* Fault domain of an error (spec: protocol.md section 8.6). */
typedef enum actr_error_kind {
    ACTR_KIND_NONE = 0,
    ACTR_KIND_TRANSIENT, /* retryable: unavailable, connection not ready, timed out */
    ACTR_KIND_CLIENT,    /* the request is wrong: not found, denied, bad argument, unknown route */
    ACTR_KIND_CORRUPT,   /* undecodable data: goes to the dead-letter queue */
    ACTR_KIND_INTERNAL,  /* a bug or an unimplemented feature */
} actr_error_kind_t;

/* RPC error codes carried in RpcEnvelope.error.code (spec: protocol.md section 8.5). */
typedef enum actr_wire_code {
    ACTR_WIRE_UNAVAILABLE = 10001,
    ACTR_WIRE_TIMED_OUT = 10002,
    ACTR_WIRE_NOT_FOUND = 10003,
    ACTR_WIRE_PERMISSION_DENIED = 10004,
    ACTR_WIRE_INVALID_ARGUMENT = 10005,
    ACTR_WIRE_UNKNOWN_ROUTE = 10006,
    ACTR_WIRE_DEPENDENCY_NOT_FOUND = 10007,
    ACTR_WIRE_DECODE_FAILURE = 10008,
    ACTR_WIRE_NOT_IMPLEMENTED = 10009,
    ACTR_WIRE_INTERNAL = 10010,
    ACTR_WIRE_CONNECTION_NOT_READY = 10011,
} actr_wire_code_t;

#define ACTR_ERROR_MESSAGE_MAX 256

/* Details of a failure. Fill with actr_error_set(); clear with actr_error_clear(). */
typedef struct actr_error {
    int code;                 /* an ACTR_E* code, 0 when no error */
    actr_error_kind_t kind;   /* fault domain */
    uint32_t wire_code;       /* 10001..10011, an HTTP-like status, or 0 */
    char message[ACTR_ERROR_MESSAGE_MAX];
} actr_error_t;

/* Name of an ACTR_E* code, e.g. "malformed input". Never NULL. */
ACTR_API const char *actr_strerror(int code);
/* Short symbolic name of an ACTR_E* code, e.g. "EPARSE". Never NULL. */
ACTR_API const char *actr_err_name(int code);

/* Fault domain of an RPC wire code; unknown codes count as Unavailable (transient). */
ACTR_API actr_error_kind_t actr_wire_code_kind(uint32_t wire_code);
/* Whether an error of this wire code may be retried (only transient ones). */
ACTR_API int actr_wire_code_retryable(uint32_t wire_code);
/* Name of a wire code, e.g. "UnknownRoute"; unknown codes give "Unavailable". */
ACTR_API const char *actr_wire_code_name(uint32_t wire_code);

/*
 * Records an error in err (if err is not NULL) and returns code, so a failing path can write
 * `return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CORRUPT, 0, "line %d: ...", line);`.
 */
ACTR_API int actr_error_set(actr_error_t *err, int code, actr_error_kind_t kind, uint32_t wire_code,
                            const char *fmt, ...) ACTR_PRINTF(5, 6);
ACTR_API void actr_error_clear(actr_error_t *err);

ACTR_END_DECLS

#endif /* ACTR_ERROR_H */

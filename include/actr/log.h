/*
 * log.h - structured logging: levels, key=value fields, a pluggable sink.
 *
 * Every record has a level, a module (the subsystem: "ais", "signaling", "mailbox"), a message
 * and any number of string fields. The default sink writes one logfmt line per record to
 * stderr:
 *
 *   ts=2026-11-24T09:08:00.123Z level=info module=ais msg="registered" actor_id=1:acme:echo realm=101
 *
 * The message is always quoted; other values are quoted only when they are empty or contain a
 * space, '=', a quote, a backslash or a control character (escaped as \n, \t, \", \\, \xNN).
 *
 *   actr_log(ACTR_LOG_INFO, "ais", "registered",
 *            ACTR_KV("actor_id", id), ACTR_KV("realm", "101"), ACTR_KV_END);
 *   actr_logf(ACTR_LOG_WARN, "ais", "renew failed after %d attempts", n);
 *
 * actr_log() checks the level before evaluating anything else, so a disabled DEBUG line costs
 * one load and a compare. The minimum level defaults to INFO and is read once from the
 * environment variable ACTR_LOG (trace, debug, info, warn, error, off; any case) when the
 * first record is logged or the level is first queried or set.
 *
 * Thread safety: any thread may log. Sink calls are serialised by one lock, so a sink needs no
 * locking of its own; a record logged from inside a sink is dropped (no deadlock, no
 * recursion); a sink must not call actr_log_set_sink(). After actr_log_set_sink() returns,
 * the previous sink is never called again.
 */
#ifndef ACTR_LOG_H
#define ACTR_LOG_H

#include <stdarg.h>

#include "actr/common.h"

ACTR_BEGIN_DECLS

typedef enum actr_log_level {
    ACTR_LOG_TRACE = 0,
    ACTR_LOG_DEBUG = 1,
    ACTR_LOG_INFO = 2,
    ACTR_LOG_WARN = 3,
    ACTR_LOG_ERROR = 4,
    ACTR_LOG_OFF = 5, /* only as a minimum level: log nothing */
} actr_log_level_t;

/* One key=value field. Both strings are borrowed for the duration of the call. */
typedef struct actr_log_field {
    const char *key;
    const char *value; /* NULL is printed as an empty value */
} actr_log_field_t;

/* What a sink receives. Everything is borrowed: copy what you keep after returning. */
typedef struct actr_log_record {
    int64_t ts_ms;           /* wall clock, Unix milliseconds */
    actr_log_level_t level;
    const char *module;      /* never NULL; "" when none was given */
    const char *msg;         /* never NULL */
    const actr_log_field_t *fields;
    size_t nfields;
} actr_log_record_t;

typedef void (*actr_log_sink_fn)(const actr_log_record_t *record, void *userdata);

/* Fields of actr_log() / actr_log_kv(): pairs of strings, closed by ACTR_KV_END. */
#define ACTR_KV(key, value) (const char *)(key), (const char *)(value)
#define ACTR_KV_END ((const char *)0)
/* actr_log_kv() passes at most this many fields; further pairs are ignored. */
#define ACTR_LOG_MAX_FIELDS 32

/*
 * actr_log(level, module, msg, ACTR_KV(k, v)..., ACTR_KV_END): logs when level is enabled,
 * evaluating the arguments only then. The closing ACTR_KV_END may be omitted.
 */
#define actr_log(level, module, ...)                                          \
    do {                                                                      \
        actr_log_level_t actr_log_level_ = (level);                           \
        if (actr_log_enabled(actr_log_level_))                                \
            actr_log_kv(actr_log_level_, (module), __VA_ARGS__, ACTR_KV_END); \
    } while (0)

/* Sets the minimum level; records below it are dropped. */
ACTR_API void actr_log_set_level(actr_log_level_t level);
ACTR_API actr_log_level_t actr_log_get_level(void);

/* 1 when a record of this level would be written (TRACE..ERROR at or above the minimum). */
ACTR_API int actr_log_enabled(actr_log_level_t level);

/* Lowercase name of a level ("info"), or "?" for a value outside the enum. */
ACTR_API const char *actr_log_level_name(actr_log_level_t level);

/*
 * Parses a level name, case-insensitively: trace, debug, info, warn (or warning), error, off.
 * Returns 0 or ACTR_EINVAL.
 */
ACTR_API int actr_log_level_parse(const char *name, actr_log_level_t *out);

/*
 * Applies ACTR_LOG from the environment now (it is also applied automatically once, at first
 * use). Returns 0 when the variable is unset or valid, ACTR_EINVAL when it holds an unknown
 * name (the level is then unchanged).
 */
ACTR_API int actr_log_init_from_env(void);

/* Installs a sink; NULL restores the default stderr sink. */
ACTR_API void actr_log_set_sink(actr_log_sink_fn sink, void *userdata);

/* Logs a record with an array of fields (n may be 0 and fields NULL). */
ACTR_API void actr_log_write(actr_log_level_t level, const char *module, const char *msg,
                             const actr_log_field_t *fields, size_t nfields);

/* Logs a record with fields given as key, value, ..., ACTR_KV_END (a NULL key). */
ACTR_API void actr_log_kv(actr_log_level_t level, const char *module, const char *msg, ...);

/* printf-style message without fields. The format is only expanded when the level is on. */
ACTR_API void actr_logf(actr_log_level_t level, const char *module, const char *fmt, ...)
    ACTR_PRINTF(3, 4);
ACTR_API void actr_logv(actr_log_level_t level, const char *module, const char *fmt,
                        va_list ap) ACTR_PRINTF(3, 0);

/*
 * Formats record as one logfmt line (no newline) into buf, NUL-terminated and truncated to
 * cap - 1 characters. Returns the length of the full line, like snprintf, so a sink can size
 * its buffer. buf may be NULL when cap is 0.
 */
ACTR_API size_t actr_log_format(const actr_log_record_t *record, char *buf, size_t cap);

ACTR_END_DECLS

#endif /* ACTR_LOG_H */

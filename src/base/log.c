/* log.c - logging core: level filter, field formatting, serialised sink calls. */
#include "actr/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actr/error.h"
#include "base/clock.h"

static atomic_int min_level = ACTR_LOG_INFO;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static actr_log_sink_fn sink_fn;    /* NULL: the default stderr sink; guarded by sink_lock */
static void *sink_userdata;
static _Thread_local int in_sink; /* set while this thread runs a sink */

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

const char *actr_log_level_name(actr_log_level_t level)
{
    if ((int)level < 0 || level > ACTR_LOG_OFF)
        return "?";
    return level_names[level];
}

int actr_log_level_parse(const char *name, actr_log_level_t *out)
{
    if (!name || !out)
        return ACTR_EINVAL;
    for (int i = ACTR_LOG_TRACE; i <= ACTR_LOG_OFF; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (actr_log_level_t)i;
            return 0;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *out = ACTR_LOG_WARN;
        return 0;
    }
    return ACTR_EINVAL;
}

int actr_log_init_from_env(void)
{
    const char *value = getenv("ACTR_LOG");
    if (!value || !*value)
        return 0;
    actr_log_level_t level;
    int rc = actr_log_level_parse(value, &level);
    if (rc == 0)
        atomic_store_explicit(&min_level, (int)level, memory_order_relaxed);
    return rc;
}

static void env_once_fn(void)
{
    (void)actr_log_init_from_env();
}

/* Every level accessor runs this first, so an explicit set_level is never undone by the env. */
static void ensure_env(void)
{
    pthread_once(&env_once, env_once_fn);
}

void actr_log_set_level(actr_log_level_t level)
{
    ensure_env();
    if ((int)level < 0 || level > ACTR_LOG_OFF)
        return;
    atomic_store_explicit(&min_level, (int)level, memory_order_relaxed);
}

actr_log_level_t actr_log_get_level(void)
{
    ensure_env();
    return (actr_log_level_t)atomic_load_explicit(&min_level, memory_order_relaxed);
}

int actr_log_enabled(actr_log_level_t level)
{
    ensure_env();
    return (int)level >= atomic_load_explicit(&min_level, memory_order_relaxed) &&
           (int)level >= 0 && level < ACTR_LOG_OFF;
}

void actr_log_set_sink(actr_log_sink_fn sink, void *userdata)
{
    pthread_mutex_lock(&sink_lock);
    sink_fn = sink;
    sink_userdata = userdata;
    pthread_mutex_unlock(&sink_lock);
}

/* ---- logfmt formatting ---- */

/* Output that keeps counting past the end of the buffer, as snprintf does. */
struct out {
    char *buf;
    size_t cap;
    size_t len;
};

static void put_char(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

static void put_str(struct out *o, const char *s)
{
    while (*s)
        put_char(o, *s++);
}

static int needs_quotes(const char *v)
{
    if (!*v)
        return 1;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p == 0x7f)
            return 1;
    return 0;
}

static void put_quoted(struct out *o, const char *v)
{
    static const char hex[] = "0123456789abcdef";
    put_char(o, '"');
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        switch (*p) {
        case '"':
            put_str(o, "\\\"");
            break;
        case '\\':
            put_str(o, "\\\\");
            break;
        case '\n':
            put_str(o, "\\n");
            break;
        case '\r':
            put_str(o, "\\r");
            break;
        case '\t':
            put_str(o, "\\t");
            break;
        default:
            if (*p < ' ' || *p == 0x7f) { /* keep one record on one line, terminal-safe */
                put_str(o, "\\x");
                put_char(o, hex[*p >> 4]);
                put_char(o, hex[*p & 0x0f]);
            } else {
                put_char(o, (char)*p);
            }
        }
    }
    put_char(o, '"');
}

static void put_value(struct out *o, const char *v)
{
    if (!v)
        v = "";
    if (needs_quotes(v))
        put_quoted(o, v);
    else
        put_str(o, v);
}

/* Keys are not quoted in logfmt, so characters that would break parsing become '_'. */
static void put_key(struct out *o, const char *k)
{
    if (!k || !*k) {
        put_char(o, '_');
        return;
    }
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        put_char(o, (*p <= ' ' || *p == '=' || *p == '"' || *p == 0x7f) ? '_' : (char)*p);
}

size_t actr_log_format(const actr_log_record_t *rec, char *buf, size_t cap)
{
    struct out o = {buf, buf ? cap : 0, 0};
    char ts[ACTR_RFC3339_MS_LEN + 1];
    put_str(&o, "ts=");
    if (actr_rfc3339_format_ms(rec->ts_ms, ts) == 0) {
        put_str(&o, ts);
    } else {
        snprintf(ts, sizeof ts, "%lld", (long long)rec->ts_ms);
        put_str(&o, ts);
    }
    put_str(&o, " level=");
    put_str(&o, actr_log_level_name(rec->level));
    if (rec->module && *rec->module) {
        put_str(&o, " module=");
        put_value(&o, rec->module);
    }
    put_str(&o, " msg=");
    put_quoted(&o, rec->msg ? rec->msg : "");
    for (size_t i = 0; i < rec->nfields; i++) {
        put_char(&o, ' ');
        put_key(&o, rec->fields[i].key);
        put_char(&o, '=');
        put_value(&o, rec->fields[i].value);
    }
    if (o.cap > 0)
        o.buf[o.len < o.cap ? o.len : o.cap - 1] = '\0';
    return o.len;
}

/* Called with sink_lock held: one line, one fwrite, so lines never interleave. */
static void default_sink(const actr_log_record_t *rec)
{
    char stack[1024];
    char *line = stack;
    size_t n = actr_log_format(rec, stack, sizeof stack - 1);
    if (n >= sizeof stack - 1) {
        char *big = malloc(n + 2);
        if (big) {
            line = big;
            actr_log_format(rec, big, n + 1);
        } else {
            n = sizeof stack - 2; /* out of memory: write the truncated line */
        }
    }
    line[n] = '\n';
    fwrite(line, 1, n + 1, stderr);
    fflush(stderr);
    if (line != stack)
        free(line);
}

void actr_log_write(actr_log_level_t level, const char *module, const char *msg,
                    const actr_log_field_t *fields, size_t nfields)
{
    if (!actr_log_enabled(level) || in_sink)
        return;
    actr_log_record_t rec = {
        .ts_ms = actr_clock_wall_ms(),
        .level = level,
        .module = module ? module : "",
        .msg = msg ? msg : "",
        .fields = fields,
        .nfields = fields ? nfields : 0,
    };
    pthread_mutex_lock(&sink_lock);
    in_sink = 1;
    if (sink_fn)
        sink_fn(&rec, sink_userdata);
    else
        default_sink(&rec);
    in_sink = 0;
    pthread_mutex_unlock(&sink_lock);
}

void actr_log_kv(actr_log_level_t level, const char *module, const char *msg, ...)
{
    if (!actr_log_enabled(level))
        return;
    actr_log_field_t fields[ACTR_LOG_MAX_FIELDS];
    size_t n = 0;
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (!key || n == ACTR_LOG_MAX_FIELDS)
            break;
        fields[n].key = key;
        fields[n].value = va_arg(ap, const char *);
        n++;
    }
    va_end(ap);
    actr_log_write(level, module, msg, fields, n);
}

void actr_logv(actr_log_level_t level, const char *module, const char *fmt, va_list ap)
{
    if (!actr_log_enabled(level) || !fmt)
        return;
    char stack[512];
    char *heap = NULL;
    const char *msg = stack;
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(stack, sizeof stack, fmt, ap);
    if (n < 0) {
        msg = fmt; /* an encoding error: show the raw format rather than nothing */
    } else if ((size_t)n >= sizeof stack && (heap = malloc((size_t)n + 1)) != NULL) {
        vsnprintf(heap, (size_t)n + 1, fmt, copy);
        msg = heap;
    } /* else it fitted, or out of memory: log what the stack buffer holds */
    va_end(copy);
    actr_log_write(level, module, msg, NULL, 0);
    free(heap);
}

void actr_logf(actr_log_level_t level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    actr_logv(level, module, fmt, ap);
    va_end(ap);
}

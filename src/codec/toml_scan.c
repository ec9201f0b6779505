/*
 * toml_scan.c - the TOML parser's cursor services: error reporting with line and column,
 * allocation, the scratch buffer, and the up-front check of the whole text for invalid UTF-8
 * and control characters.
 */
#include "codec/toml_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void actr_toml_parser_init(toml_parser_t *p, const char *text, size_t len, toml_arena_t *arena,
                           actr_error_t *err)
{
    memset(p, 0, offsetof(toml_parser_t, parts));
    p->text = text;
    p->len = len;
    p->line = 1;
    p->column = 1;
    p->arena = arena;
    p->err = err;
    p->part_count = 0;
}

void actr_toml_parser_release(toml_parser_t *p)
{
    free(p->scratch);
    p->scratch = NULL;
    p->scratch_len = p->scratch_cap = 0;
}

static int fail_va(toml_parser_t *p, int line, int column, const char *fmt, va_list ap)
    ACTR_PRINTF(4, 0);

static int fail_va(toml_parser_t *p, int line, int column, const char *fmt, va_list ap)
{
    char reason[ACTR_ERROR_MESSAGE_MAX];
    vsnprintf(reason, sizeof reason, fmt, ap);
    return actr_error_set(p->err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0, "line %d, column %d: %s",
                          line, column, reason);
}

int actr_toml_fail_at(toml_parser_t *p, int line, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fail_va(p, line, column, fmt, ap);
    va_end(ap);
    return rc;
}

int actr_toml_fail(toml_parser_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fail_va(p, p->line, p->column, fmt, ap);
    va_end(ap);
    return rc;
}

int actr_toml_fail_nomem(toml_parser_t *p)
{
    return actr_error_set(p->err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0,
                          "line %d: out of memory while parsing TOML", p->line);
}

const char *actr_toml_describe_char(const toml_parser_t *p, char *buf, size_t size)
{
    int c = toml_peek(p, 0);
    if (c < 0)
        snprintf(buf, size, "end of input");
    else if (c == '\n' || c == '\r')
        snprintf(buf, size, "end of line");
    else if (c > 0x20 && c < 0x7F)
        snprintf(buf, size, "'%c'", c);
    else if (c == ' ' || c == '\t')
        snprintf(buf, size, "whitespace");
    else
        snprintf(buf, size, "byte 0x%02X", (unsigned)c);
    return buf;
}

void *actr_toml_alloc(toml_parser_t *p, size_t size)
{
    void *block = actr_toml_arena_alloc(p->arena, size);
    if (!block)
        actr_toml_fail_nomem(p);
    return block;
}

int actr_toml_scratch_append(toml_parser_t *p, const char *bytes, size_t count)
{
    if (count == 0)
        return 0;
    if (count > p->scratch_cap - p->scratch_len) {
        if (count > SIZE_MAX / 4 - p->scratch_len)
            return actr_toml_fail_nomem(p);
        size_t cap = p->scratch_cap ? p->scratch_cap : 64;
        while (cap - p->scratch_len < count)
            cap *= 2;
        char *bigger = realloc(p->scratch, cap);
        if (!bigger)
            return actr_toml_fail_nomem(p);
        p->scratch = bigger;
        p->scratch_cap = cap;
    }
    memcpy(p->scratch + p->scratch_len, bytes, count);
    p->scratch_len += count;
    return 0;
}

/* Length of the UTF-8 sequence at s (at most avail bytes), or 0 if it is not a valid encoding
 * of a Unicode scalar value (overlong forms, surrogates and values past U+10FFFF are not). */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int actr_toml_check_text(toml_parser_t *p)
{
    const unsigned char *s = (const unsigned char *)p->text;
    int line = 1, column = 1;
    for (size_t i = 0; i < p->len;) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t n = utf8_sequence_length(s + i, p->len - i);
            if (n == 0)
                return actr_toml_fail_at(p, line, column, "invalid UTF-8");
            i += n;
            column++;
            continue;
        }
        if (c == '\n') {
            line += line < INT_MAX;
            column = 1;
            i++;
            continue;
        }
        bool is_crlf = c == '\r' && i + 1 < p->len && s[i + 1] == '\n';
        if ((c < 0x20 && c != '\t' && !is_crlf) || c == 0x7F)
            return actr_toml_fail_at(p, line, column, "control character U+%04X is not allowed",
                                     (unsigned)c);
        i++;
        column += column < INT_MAX;
    }
    return 0;
}

/*
 * toml_string.c - TOML strings: basic "..." with escapes, literal '...', and their multi-line
 * forms. The text was checked beforehand (valid UTF-8, no control characters but tab and
 * newlines), so only the string grammar itself is checked here.
 */
#include "codec/toml_internal.h"

#include <string.h>

#include "base/hex.h"

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* \uXXXX or \UXXXXXXXX at the cursor (digits = 4 or 8). */
static int scan_unicode_escape(toml_parser_t *p, size_t digits)
{
    uint32_t cp = 0;
    for (size_t i = 0; i < digits; i++) {
        int v = actr_hex_digit_value(toml_peek(p, 2 + i));
        if (v < 0)
            return actr_toml_fail(p, "\\%c escape needs %zu hexadecimal digits",
                                  digits == 4 ? 'u' : 'U', digits);
        cp = (cp << 4) | (uint32_t)v;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return actr_toml_fail(p, "escape U+%X is not a Unicode scalar value", (unsigned)cp);
    char utf8[4];
    int rc = actr_toml_scratch_append(p, utf8, utf8_encode(cp, utf8));
    if (rc == 0)
        toml_advance(p, 2 + digits);
    return rc;
}

/* One escape sequence at the cursor, which is on the backslash. */
static int scan_escape(toml_parser_t *p)
{
    static const char from[] = "btnfr\"\\";
    static const char to[] = "\b\t\n\f\r\"\\";
    int c = toml_peek(p, 1);
    if (c == 'u')
        return scan_unicode_escape(p, 4);
    if (c == 'U')
        return scan_unicode_escape(p, 8);
    const char *found = c > 0 ? strchr(from, c) : NULL;
    if (!found) {
        char what[32];
        int line = p->line, column = p->column;
        toml_advance(p, 1);
        return actr_toml_fail_at(p, line, column,
                                 "invalid escape sequence: backslash followed by %s",
                                 actr_toml_describe_char(p, what, sizeof what));
    }
    int rc = actr_toml_scratch_append(p, &to[found - from], 1);
    if (rc == 0)
        toml_advance(p, 2);
    return rc;
}

static bool is_blank(int c)
{
    return c == ' ' || c == '\t';
}

/*
 * A backslash that is the last non-blank character of a line in a multi-line basic string
 * swallows the newline and all blanks and newlines after it. Returns 1 if that was the case,
 * 0 if the backslash starts an ordinary escape.
 */
static int scan_line_continuation(toml_parser_t *p)
{
    size_t ahead = 1;
    while (is_blank(toml_peek(p, ahead)))
        ahead++;
    if (toml_newline_length(p, ahead) == 0) {
        if (ahead > 1)
            return actr_toml_fail(p, "a backslash followed by blanks must end the line");
        return 0;
    }
    toml_advance(p, ahead);
    for (;;) {
        size_t nl = toml_newline_length(p, 0);
        if (nl == 0 && !is_blank(toml_peek(p, 0)))
            return 1;
        toml_advance(p, nl ? nl : 1);
    }
}

/* Appends the run of ordinary characters at the cursor, up to the next byte that needs care. */
static int scan_plain_run(toml_parser_t *p, int quote)
{
    size_t start = p->pos, end = p->pos;
    while (end < p->len) {
        char c = p->text[end];
        if (c == quote || (c == '\\' && quote == '"') || c == '\n' || c == '\r')
            break;
        end++;
    }
    int rc = actr_toml_scratch_append(p, p->text + start, end - start);
    toml_advance(p, end - start);
    return rc;
}

static int scan_single_line(toml_parser_t *p, int quote, int line, int column)
{
    for (;;) {
        int c = toml_peek(p, 0);
        int rc;
        if (c < 0 || c == '\n' || c == '\r')
            return actr_toml_fail_at(p, line, column, "string is not closed on its line");
        if (c == quote) {
            toml_advance(p, 1);
            return 0;
        }
        if (c == '\\' && quote == '"')
            rc = scan_escape(p);
        else
            rc = scan_plain_run(p, quote);
        if (rc < 0)
            return rc;
    }
}

static int scan_multi_line(toml_parser_t *p, int quote, int line, int column)
{
    toml_advance(p, toml_newline_length(p, 0)); /* a newline right after the opening is dropped */
    for (;;) {
        int c = toml_peek(p, 0);
        int rc = 0;
        if (c < 0)
            return actr_toml_fail_at(p, line, column, "multi-line string is not closed");
        if (c == quote) {
            /* Up to two quotes may sit right before the closing three. */
            size_t run = 1;
            while (run < 5 && toml_peek(p, run) == quote)
                run++;
            size_t content = run >= 3 ? run - 3 : run;
            char quotes[2] = {(char)quote, (char)quote};
            rc = actr_toml_scratch_append(p, quotes, content);
            toml_advance(p, run);
            if (rc == 0 && run >= 3)
                return 0;
        } else if (c == '\\' && quote == '"') {
            rc = scan_line_continuation(p);
            if (rc == 0)
                rc = scan_escape(p);
        } else if (c == '\r' || c == '\n') {
            /* Newlines are normalized to LF, whatever the file uses. */
            rc = actr_toml_scratch_append(p, "\n", 1);
            toml_advance(p, toml_newline_length(p, 0));
        } else {
            rc = scan_plain_run(p, quote);
        }
        if (rc < 0)
            return rc;
    }
}

int actr_toml_scan_string(toml_parser_t *p, bool allow_multiline, char **out, size_t *out_len)
{
    int quote = toml_peek(p, 0);
    int line = p->line, column = p->column;
    bool multiline =
        allow_multiline && toml_peek(p, 1) == quote && toml_peek(p, 2) == quote;
    p->scratch_len = 0;
    toml_advance(p, multiline ? 3 : 1);
    int rc = multiline ? scan_multi_line(p, quote, line, column)
                       : scan_single_line(p, quote, line, column);
    if (rc < 0)
        return rc;
    char *copy = actr_toml_alloc(p, p->scratch_len + 1);
    if (!copy)
        return ACTR_ENOMEM;
    if (p->scratch_len)
        memcpy(copy, p->scratch, p->scratch_len);
    copy[p->scratch_len] = '\0';
    *out = copy;
    *out_len = p->scratch_len;
    return 0;
}

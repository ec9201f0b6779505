/*
 * toml_number.c - TOML integers (decimal, 0x, 0o, 0b; 64-bit signed, overflow is an error) and
 * floats (fraction/exponent forms, inf, nan), with the underscore rules of the spec.
 */
#include "codec/toml_internal.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"

static bool is_digit_of_base(int c, int base)
{
    int value = actr_hex_digit_value(c);
    return value >= 0 && value < base;
}

/* Characters that can belong to a number, so the whole token is judged at once. */
static bool is_number_char(int c)
{
    return toml_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '.' || c == '+' || c == '-';
}

/*
 * Length of the run of base-`base` digits at s where single underscores may stand between two
 * digits. Returns 0 if the run is empty or an underscore is not between digits.
 */
static size_t digit_run(const char *s, size_t len, int base)
{
    size_t i = 0;
    bool need_digit = true; /* at the start and after an underscore */
    for (; i < len; i++) {
        if (is_digit_of_base((unsigned char)s[i], base))
            need_digit = false;
        else if (s[i] == '_' && !need_digit)
            need_digit = true;
        else
            break;
    }
    return need_digit ? 0 : i;
}

typedef struct number_token {
    const char *text;
    size_t len;
} number_token_t;

static int fail_token(toml_parser_t *p, const number_token_t *tok, const char *why)
{
    int shown = tok->len > 40 ? 40 : (int)tok->len;
    return actr_toml_fail(p, "invalid value '%.*s%s': %s", shown, tok->text,
                          tok->len > 40 ? "..." : "", why);
}

/* Accumulates the digits of s (underscores skipped) into a magnitude no larger than limit. */
static int accumulate(toml_parser_t *p, const number_token_t *tok, const char *s, size_t len,
                      int base, uint64_t limit, uint64_t *out)
{
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '_')
            continue;
        uint64_t digit = (uint64_t)actr_hex_digit_value((unsigned char)s[i]);
        if (value > (limit - digit) / (uint64_t)base)
            return fail_token(p, tok, "integer does not fit in 64 bits");
        value = value * (uint64_t)base + digit;
    }
    *out = value;
    return 0;
}

static int parse_prefixed_integer(toml_parser_t *p, const number_token_t *tok, int base,
                                  actr_toml_value_t *value)
{
    const char *digits = tok->text + 2;
    size_t len = tok->len - 2;
    if (digit_run(digits, len, base) != len || len == 0)
        return fail_token(p, tok,
                          base == 16  ? "bad hexadecimal digits"
                          : base == 8 ? "bad octal digits"
                                      : "bad binary digits");
    uint64_t magnitude = 0;
    int rc = accumulate(p, tok, digits, len, base, INT64_MAX, &magnitude);
    if (rc < 0)
        return rc;
    value->type = ACTR_TOML_INTEGER;
    value->as.integer = (int64_t)magnitude;
    return 0;
}

/* strtod on the token without underscores, with the locale's decimal point (strtod uses it). */
static int convert_float(toml_parser_t *p, const number_token_t *tok, double *out)
{
    const char *point = localeconv()->decimal_point;
    p->scratch_len = 0;
    int rc = 0;
    for (size_t i = 0; i < tok->len && rc == 0; i++) {
        if (tok->text[i] == '.')
            rc = actr_toml_scratch_append(p, point, strlen(point));
        else if (tok->text[i] != '_')
            rc = actr_toml_scratch_append(p, &tok->text[i], 1);
    }
    if (rc == 0)
        rc = actr_toml_scratch_append(p, "", 1);
    if (rc < 0)
        return rc;
    *out = strtod(p->scratch, NULL);
    if (isinf(*out))
        return fail_token(p, tok, "float is out of range");
    return 0;
}

static int parse_decimal(toml_parser_t *p, const number_token_t *tok, bool negative,
                         size_t start, actr_toml_value_t *value)
{
    const char *s = tok->text;
    size_t len = tok->len;
    size_t int_len = digit_run(s + start, len - start, 10);
    if (int_len == 0)
        return fail_token(p, tok, "not a number");
    if (s[start] == '0' && int_len > 1)
        return fail_token(p, tok, "leading zeros are not allowed");
    size_t end = start + int_len;
    bool is_float = false;
    if (end < len && s[end] == '.') {
        size_t frac_len = digit_run(s + end + 1, len - end - 1, 10);
        if (frac_len == 0)
            return fail_token(p, tok, "a decimal point must be followed by digits");
        end += 1 + frac_len;
        is_float = true;
    }
    if (end < len && (s[end] == 'e' || s[end] == 'E')) {
        size_t exp_start = end + 1;
        if (exp_start < len && (s[exp_start] == '+' || s[exp_start] == '-'))
            exp_start++;
        size_t exp_len = digit_run(s + exp_start, len - exp_start, 10);
        if (exp_len == 0)
            return fail_token(p, tok, "an exponent needs digits");
        end = exp_start + exp_len;
        is_float = true;
    }
    if (end != len)
        return fail_token(p, tok, "not a number");
    if (is_float) {
        value->type = ACTR_TOML_FLOAT;
        return convert_float(p, tok, &value->as.real);
    }
    /* The magnitude of INT64_MIN is one more than INT64_MAX. */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t magnitude = 0;
    int rc = accumulate(p, tok, s + start, int_len, 10, limit, &magnitude);
    if (rc < 0)
        return rc;
    value->type = ACTR_TOML_INTEGER;
    value->as.integer = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return 0;
}

int actr_toml_scan_number(toml_parser_t *p, actr_toml_value_t *value)
{
    number_token_t tok = {p->text + p->pos, 0};
    while (is_number_char(toml_peek(p, tok.len)))
        tok.len++;
    bool has_sign = tok.len > 0 && (tok.text[0] == '+' || tok.text[0] == '-');
    bool negative = has_sign && tok.text[0] == '-';
    size_t start = has_sign ? 1 : 0;
    const char *body = tok.text + start;
    size_t body_len = tok.len - start;
    int rc;
    if (body_len == 3 && (memcmp(body, "inf", 3) == 0 || memcmp(body, "nan", 3) == 0)) {
        value->type = ACTR_TOML_FLOAT;
        value->as.real = body[0] == 'i' ? INFINITY : NAN;
        if (negative)
            value->as.real = -value->as.real;
        rc = 0;
    } else if (body_len >= 2 && body[0] == '0' &&
               (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
        if (has_sign)
            return fail_token(p, &tok, "hexadecimal, octal and binary integers take no sign");
        rc = parse_prefixed_integer(p, &tok, body[1] == 'x' ? 16 : body[1] == 'o' ? 8 : 2,
                                    value);
    } else {
        rc = parse_decimal(p, &tok, negative, start, value);
    }
    if (rc == 0)
        toml_advance(p, tok.len);
    return rc;
}

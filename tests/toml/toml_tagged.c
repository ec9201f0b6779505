/* toml_tagged.c - TOML tree to toml-test tagged JSON (see toml_tagged.h). */
#include "toml_tagged.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* JSON string literal of len bytes (which may include NUL); the text is valid UTF-8 already. */
static void write_json_string(FILE *out, const char *text, size_t len)
{
    static const char short_escaped[] = "\"\\\b\f\n\r\t";
    static const char short_names[] = "\"\\bfnrt";
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        const char *short_escape = c ? strchr(short_escaped, c) : NULL;
        if (short_escape)
            fprintf(out, "\\%c", short_names[short_escape - short_escaped]);
        else if (c < 0x20 || c == 0x7F)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void write_datetime(FILE *out, actr_toml_type_t type, const actr_toml_datetime_t *dt)
{
    if (type != ACTR_TOML_TIME_LOCAL)
        fprintf(out, "%04d-%02d-%02d", dt->year, dt->month, dt->day);
    if (type == ACTR_TOML_DATE_LOCAL)
        return;
    if (type != ACTR_TOML_TIME_LOCAL)
        fputc('T', out);
    fprintf(out, "%02d:%02d:%02d", dt->hour, dt->minute, dt->second);
    if (dt->nanosecond) {
        char frac[16];
        snprintf(frac, sizeof frac, "%09d", dt->nanosecond);
        int digits = 9;
        while (frac[digits - 1] == '0')
            digits--;
        fprintf(out, ".%.*s", digits, frac);
    }
    if (type != ACTR_TOML_DATETIME)
        return;
    if (dt->offset_minutes == 0) {
        fputc('Z', out);
    } else {
        int minutes = dt->offset_minutes < 0 ? -dt->offset_minutes : dt->offset_minutes;
        fprintf(out, "%c%02d:%02d", dt->offset_minutes < 0 ? '-' : '+', minutes / 60,
                minutes % 60);
    }
}

/* The shortest %g form that reads back as the same double. */
static void write_shortest_double(FILE *out, double real)
{
    char text[40];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, real);
        if (strtod(text, NULL) == real)
            break;
    }
    fprintf(out, "\"%s\"", text);
}

static void write_leaf(FILE *out, const actr_toml_value_t *value)
{
    actr_toml_type_t type = actr_toml_type(value);
    fprintf(out, "{\"type\":\"%s\",\"value\":", actr_toml_type_name(type));
    const char *str;
    size_t len;
    int64_t integer;
    double real;
    bool boolean;
    actr_toml_datetime_t dt;
    if (actr_toml_as_string(value, &str, &len) == 0) {
        write_json_string(out, str, len);
    } else if (actr_toml_as_int(value, &integer) == 0) {
        fprintf(out, "\"%" PRId64 "\"", integer);
    } else if (actr_toml_as_double(value, &real) == 0) {
        if (isnan(real))
            fputs("\"nan\"", out);
        else if (isinf(real))
            fputs(real < 0 ? "\"-inf\"" : "\"inf\"", out);
        else
            write_shortest_double(out, real);
    } else if (actr_toml_as_bool(value, &boolean) == 0) {
        fputs(boolean ? "\"true\"" : "\"false\"", out);
    } else if (actr_toml_as_datetime(value, &dt) == 0) {
        fputc('"', out);
        write_datetime(out, type, &dt);
        fputc('"', out);
    }
    fputc('}', out);
}

void toml_tagged_write(FILE *out, const actr_toml_value_t *value)
{
    switch (actr_toml_type(value)) {
    case ACTR_TOML_TABLE:
        fputc('{', out);
        for (size_t i = 0; i < actr_toml_table_size(value); i++) {
            const char *key;
            size_t key_len;
            const actr_toml_value_t *item = actr_toml_table_at(value, i, &key, &key_len);
            if (i)
                fputc(',', out);
            write_json_string(out, key, key_len);
            fputc(':', out);
            toml_tagged_write(out, item);
        }
        fputc('}', out);
        break;
    case ACTR_TOML_ARRAY:
        fputc('[', out);
        for (size_t i = 0; i < actr_toml_array_size(value); i++) {
            if (i)
                fputc(',', out);
            toml_tagged_write(out, actr_toml_array_at(value, i));
        }
        fputc(']', out);
        break;
    default:
        write_leaf(out, value);
        break;
    }
}

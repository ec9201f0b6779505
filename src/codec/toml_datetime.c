/*
 * toml_datetime.c - TOML date-times (RFC 3339 with TOML's relaxations): offset date-time,
 * local date-time, local date and local time, with calendar validation.
 */
#include "codec/toml_internal.h"

/* Value of count decimal digits at cursor + at, or -1 if any of them is not a digit. */
static int read_digits(const toml_parser_t *p, size_t at, size_t count)
{
    int value = 0;
    for (size_t i = 0; i < count; i++) {
        int c = toml_peek(p, at + i);
        if (!toml_is_digit(c))
            return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

bool actr_toml_starts_datetime(const toml_parser_t *p)
{
    bool date = read_digits(p, 0, 4) >= 0 && toml_peek(p, 4) == '-';
    bool time = read_digits(p, 0, 2) >= 0 && toml_peek(p, 2) == ':';
    return date || time;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD at the cursor; returns the bytes read or a negative error. */
static int read_date(toml_parser_t *p, actr_toml_datetime_t *dt)
{
    dt->year = read_digits(p, 0, 4);
    dt->month = read_digits(p, 5, 2);
    dt->day = read_digits(p, 8, 2);
    if (dt->year < 0 || toml_peek(p, 4) != '-' || dt->month < 0 || toml_peek(p, 7) != '-' ||
        dt->day < 0 || toml_is_digit(toml_peek(p, 10)))
        return actr_toml_fail(p, "malformed date: expected YYYY-MM-DD");
    if (dt->month < 1 || dt->month > 12 || dt->day < 1 ||
        dt->day > days_in_month(dt->year, dt->month))
        return actr_toml_fail(p, "date %04d-%02d-%02d does not exist", dt->year, dt->month,
                              dt->day);
    return 10;
}

/* HH:MM:SS[.fraction] at cursor + at; returns the bytes read or a negative error. */
static int read_time(toml_parser_t *p, size_t at, actr_toml_datetime_t *dt)
{
    dt->hour = read_digits(p, at, 2);
    dt->minute = read_digits(p, at + 3, 2);
    dt->second = read_digits(p, at + 6, 2);
    if (dt->hour < 0 || toml_peek(p, at + 2) != ':' || dt->minute < 0 ||
        toml_peek(p, at + 5) != ':' || dt->second < 0 || toml_is_digit(toml_peek(p, at + 8)))
        return actr_toml_fail(p, "malformed time: expected HH:MM:SS");
    if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
        return actr_toml_fail(p, "time %02d:%02d:%02d does not exist", dt->hour, dt->minute,
                              dt->second);
    size_t end = at + 8;
    if (toml_peek(p, end) == '.') {
        end++;
        if (!toml_is_digit(toml_peek(p, end)))
            return actr_toml_fail(p, "a decimal point in a time must be followed by digits");
        /* Digits past nanoseconds are dropped, as the spec allows. */
        int scale = 100000000;
        for (; toml_is_digit(toml_peek(p, end)); end++) {
            dt->nanosecond += (toml_peek(p, end) - '0') * scale;
            scale /= 10;
        }
    }
    return (int)(end - at);
}

/* Z or +HH:MM / -HH:MM at cursor + at; returns the bytes read (0 if there is no offset). */
static int read_offset(toml_parser_t *p, size_t at, actr_toml_datetime_t *dt)
{
    int sign = toml_peek(p, at);
    if (sign == 'Z' || sign == 'z')
        return 1;
    if (sign != '+' && sign != '-')
        return 0;
    int hours = read_digits(p, at + 1, 2);
    int minutes = read_digits(p, at + 4, 2);
    if (hours < 0 || toml_peek(p, at + 3) != ':' || minutes < 0)
        return actr_toml_fail(p, "malformed UTC offset: expected +HH:MM or -HH:MM");
    if (hours > 23 || minutes > 59)
        return actr_toml_fail(p, "UTC offset %c%02d:%02d is out of range", sign, hours, minutes);
    dt->offset_minutes = (sign == '-' ? -1 : 1) * (hours * 60 + minutes);
    return 6;
}

int actr_toml_scan_datetime(toml_parser_t *p, actr_toml_value_t *value)
{
    actr_toml_datetime_t dt = {0};
    actr_toml_type_t type = ACTR_TOML_TIME_LOCAL;
    int used = 0;
    bool want_time = true;
    if (toml_peek(p, 4) == '-') {
        used = read_date(p, &dt);
        if (used < 0)
            return used;
        type = ACTR_TOML_DATE_LOCAL;
        /* The date and time are joined by T, t or a space (only if a time follows). */
        int sep = toml_peek(p, (size_t)used);
        want_time = sep == 'T' || sep == 't' || (sep == ' ' && toml_is_digit(toml_peek(p, 11)));
        if (want_time) {
            used++;
            type = ACTR_TOML_DATETIME_LOCAL;
        }
    }
    if (want_time) {
        int time_len = read_time(p, (size_t)used, &dt);
        if (time_len < 0)
            return time_len;
        used += time_len;
        if (type == ACTR_TOML_DATETIME_LOCAL) {
            int offset_len = read_offset(p, (size_t)used, &dt);
            if (offset_len < 0)
                return offset_len;
            if (offset_len > 0)
                type = ACTR_TOML_DATETIME;
            used += offset_len;
        }
    }
    value->type = (uint8_t)type;
    value->as.datetime = dt;
    toml_advance(p, (size_t)used);
    return 0;
}

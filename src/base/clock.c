/* clock.c - clocks and RFC 3339 conversion with proleptic Gregorian calendar arithmetic. */
#include "base/clock.h"

#include <stdio.h>

#include "actr/error.h"

#define NS_PER_S 1000000000ULL

static struct timespec now(clockid_t id)
{
    struct timespec ts;
    /* Cannot fail for these clock ids on Linux. */
    clock_gettime(id, &ts);
    return ts;
}

uint64_t actr_clock_mono_ns(void)
{
    struct timespec ts = now(CLOCK_MONOTONIC);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t actr_clock_mono_ms(void)
{
    return actr_clock_mono_ns() / 1000000ULL;
}

int64_t actr_clock_wall_s(void)
{
    return (int64_t)now(CLOCK_REALTIME).tv_sec;
}

int64_t actr_clock_wall_ms(void)
{
    struct timespec ts = now(CLOCK_REALTIME);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void actr_clock_mono_deadline(uint64_t timeout_ns, struct timespec *out)
{
    struct timespec ts = now(CLOCK_MONOTONIC);
    uint64_t nsec = (uint64_t)ts.tv_nsec + timeout_ns % NS_PER_S;
    uint64_t sec = (uint64_t)ts.tv_sec + timeout_ns / NS_PER_S + nsec / NS_PER_S;
    out->tv_sec = (time_t)sec;
    out->tv_nsec = (long)(nsec % NS_PER_S);
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm, valid for any year). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Floor division, so times before 1970 land on the right day. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Writes "YYYY-MM-DDTHH:MM:SS" (19 chars, no NUL) for a range-checked unix_s. */
static void format_seconds(int64_t unix_s, char *out)
{
    int64_t days = floor_div(unix_s, 86400);
    int64_t secs = unix_s - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    for (int i = 0; i < 19; i++)
        out[i] = tmp[i];
}

int actr_rfc3339_format(int64_t unix_s, char out[ACTR_RFC3339_LEN + 1])
{
    out[0] = '\0';
    if (unix_s < ACTR_RFC3339_MIN_S || unix_s > ACTR_RFC3339_MAX_S)
        return ACTR_ERANGE;
    format_seconds(unix_s, out);
    out[19] = 'Z';
    out[20] = '\0';
    return 0;
}

int actr_rfc3339_format_ms(int64_t unix_ms, char out[ACTR_RFC3339_MS_LEN + 1])
{
    out[0] = '\0';
    int64_t secs = floor_div(unix_ms, 1000);
    if (secs < ACTR_RFC3339_MIN_S || secs > ACTR_RFC3339_MAX_S)
        return ACTR_ERANGE;
    int ms = (int)(unix_ms - secs * 1000);
    format_seconds(secs, out);
    out[19] = '.';
    out[20] = (char)('0' + ms / 100);
    out[21] = (char)('0' + ms / 10 % 10);
    out[22] = (char)('0' + ms % 10);
    out[23] = 'Z';
    out[24] = '\0';
    return 0;
}

/* Reads exactly n decimal digits at *p, advancing it; -1 if any is not a digit. */
static int read_digits(const char **p, const char *end, int n)
{
    if (end - *p < n)
        return -1;
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    return v;
}

static int expect_char(const char **p, const char *end, char c)
{
    if (*p == end || **p != c)
        return 0;
    (*p)++;
    return 1;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

int actr_rfc3339_parse(const char *text, size_t len, int64_t *unix_s, uint32_t *nanos)
{
    if (!text || !unix_s)
        return ACTR_EINVAL;
    const char *p = text;
    const char *end = text + len;
    int year = read_digits(&p, end, 4);
    if (year < 0 || !expect_char(&p, end, '-'))
        return ACTR_EPARSE;
    int month = read_digits(&p, end, 2);
    if (month < 1 || month > 12 || !expect_char(&p, end, '-'))
        return ACTR_EPARSE;
    int day = read_digits(&p, end, 2);
    if (day < 1 || day > days_in_month(year, month))
        return ACTR_EPARSE;
    if (p == end || (*p != 'T' && *p != 't' && *p != ' '))
        return ACTR_EPARSE;
    p++;
    int hour = read_digits(&p, end, 2);
    if (hour < 0 || hour > 23 || !expect_char(&p, end, ':'))
        return ACTR_EPARSE;
    int minute = read_digits(&p, end, 2);
    if (minute < 0 || minute > 59 || !expect_char(&p, end, ':'))
        return ACTR_EPARSE;
    int second = read_digits(&p, end, 2);
    if (second < 0 || second > 60)
        return ACTR_EPARSE;
    if (second == 60)
        second = 59;

    uint32_t frac = 0;
    if (expect_char(&p, end, '.')) {
        int digits = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (digits < 9)
                frac = frac * 10 + (uint32_t)(*p - '0');
            digits++;
            p++;
        }
        if (digits == 0)
            return ACTR_EPARSE;
        for (; digits < 9; digits++)
            frac *= 10;
    }

    int offset = 0; /* seconds east of UTC */
    if (p == end)
        return ACTR_EPARSE;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        p++;
        int oh = read_digits(&p, end, 2);
        if (oh < 0 || oh > 23 || !expect_char(&p, end, ':'))
            return ACTR_EPARSE;
        int om = read_digits(&p, end, 2);
        if (om < 0 || om > 59)
            return ACTR_EPARSE;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return ACTR_EPARSE;
    }
    if (p != end)
        return ACTR_EPARSE;

    int64_t days = days_from_civil(year, (unsigned)month, (unsigned)day);
    *unix_s = days * 86400 + hour * 3600 + minute * 60 + second - offset;
    if (nanos)
        *nanos = frac;
    return 0;
}

/* url.c - strict absolute URL parser with WHATWG-style normalization (see url.h). */
#include "platform/config/url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(actr_error_t *err, const char *what, const char *problem)
{
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s%s%s", what, *what ? " " : "",
                          problem);
}

uint16_t actr_url_default_port(const char *scheme)
{
    if (strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0)
        return 80;
    if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
        return 443;
    return 0;
}

/* A lowercased copy of s[0..n). */
static char *lower_dup(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
    return out;
}

/* Checks a dotted-quad IPv4 address: four decimal parts 0..255 without leading zeros. */
static bool ipv4_valid(const char *s, size_t n)
{
    size_t parts = 0, i = 0;
    while (i <= n) {
        size_t start = i;
        unsigned value = 0;
        while (i < n && isdigit((unsigned char)s[i])) {
            value = value * 10 + (unsigned)(s[i] - '0');
            if (value > 255)
                return false;
            i++;
        }
        size_t digits = i - start;
        if (digits == 0 || (digits > 1 && s[start] == '0'))
            return false;
        parts++;
        if (i == n)
            break;
        if (s[i] != '.')
            return false;
        i++;
    }
    return parts == 4;
}

/* Whether the host looks numeric (then it must be a real IPv4 address, no shorthand). */
static bool looks_numeric(const char *s, size_t n)
{
    size_t last = n;
    while (last > 0 && s[last - 1] != '.')
        last--;
    if (last == n)
        return false; /* empty last label ("a.") */
    for (size_t i = last; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && !(i == last + 1 && (s[i] == 'x' || s[i] == 'X')))
            return false;
    return true;
}

/* Bracket contents of an IPv6 literal: up to 8 groups of 1-4 hex digits, at most one "::",
 * optionally a trailing dotted-quad. */
static bool ipv6_valid(const char *s, size_t n)
{
    size_t groups = 0, i = 0;
    bool gap = false;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = true;
        i = 2;
    } else if (n > 0 && s[0] == ':') {
        return false;
    }
    while (i < n) {
        size_t start = i;
        while (i < n && isxdigit((unsigned char)s[i]) && i - start < 5)
            i++;
        if (i < n && s[i] == '.') { /* embedded IPv4 ends the address */
            if (!ipv4_valid(s + start, n - start))
                return false;
            groups += 2;
            i = n;
            break;
        }
        size_t digits = i - start;
        if (digits == 0 || digits > 4)
            return false;
        groups++;
        if (i == n)
            break;
        if (s[i] != ':')
            return false;
        i++;
        if (i < n && s[i] == ':') {
            if (gap)
                return false;
            gap = true;
            i++;
        } else if (i == n) {
            return false; /* trailing single ':' */
        }
    }
    return gap ? groups <= 7 : groups == 8;
}

static bool pchar(char c)
{
    return isalnum((unsigned char)c) || strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

/* Path or query text: pchars, '/', ('?' in a query) and valid %XX escapes. */
static int check_part(const char *s, size_t n, bool query, const char *what, actr_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return bad(err, what, "has an incomplete percent escape");
            if (!isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
                return bad(err, what, "has an invalid percent escape");
            i += 2;
        } else if (!pchar(c) && c != '/' && !(query && c == '?')) {
            return bad(err, what, "contains a character that must be percent-encoded");
        }
    }
    return 0;
}

/* Refuses "." and ".." segments (a browser would resolve them; a config should not need to). */
static bool has_dot_segment(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t start = ++i; /* skip the '/' */
        while (i < n && s[i] != '/')
            i++;
        size_t len = i - start;
        if ((len == 1 && s[start] == '.') || (len == 2 && s[start] == '.' && s[start + 1] == '.'))
            return true;
    }
    return false;
}

static int parse_scheme(const char *s, size_t len, actr_url_t *out, size_t *pos,
                        actr_error_t *err)
{
    size_t i = 0;
    if (len == 0 || !isalpha((unsigned char)s[0]))
        return bad(err, "", "must start with a scheme such as \"https://\"");
    while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i >= len || s[i] != ':')
        return bad(err, "", "must start with a scheme such as \"https://\"");
    if (i >= sizeof out->scheme)
        return bad(err, "", "has a scheme that is too long");
    for (size_t k = 0; k < i; k++)
        out->scheme[k] = (char)tolower((unsigned char)s[k]);
    out->scheme[i] = '\0';
    if (len - i < 3 || s[i + 1] != '/' || s[i + 2] != '/')
        return bad(err, "", "must have \"//\" after the scheme");
    *pos = i + 3;
    return 0;
}

static int parse_port(const char *s, size_t n, actr_url_t *out, actr_error_t *err)
{
    if (n == 0)
        return bad(err, "", "has an empty port");
    unsigned long value = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return bad(err, "", "has a port that is not a number");
        value = value * 10 + (unsigned long)(s[i] - '0');
        if (value > 65535)
            return bad(err, "", "has a port above 65535");
    }
    if (value == 0)
        return bad(err, "", "has port 0");
    out->port = (uint16_t)value;
    out->has_port = out->port != actr_url_default_port(out->scheme);
    return 0;
}

static int parse_authority(const char *s, size_t n, actr_url_t *out, actr_error_t *err)
{
    if (memchr(s, '@', n))
        return bad(err, "", "must not contain user info (\"user@\")");
    size_t host_end;
    const char *host = s;
    size_t host_len;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return bad(err, "", "has an unterminated IPv6 address");
        host = s + 1;
        host_len = (size_t)(close - s) - 1;
        if (!ipv6_valid(host, host_len))
            return bad(err, "", "has an invalid IPv6 address");
        out->ipv6 = true;
        host_end = (size_t)(close - s) + 1;
        if (host_end < n && s[host_end] != ':')
            return bad(err, "", "has text after the IPv6 address");
    } else {
        host_end = 0;
        while (host_end < n && s[host_end] != ':')
            host_end++;
        host_len = host_end;
        if (host_len == 0)
            return bad(err, "", "has an empty host");
        for (size_t i = 0; i < host_len; i++) {
            char c = host[i];
            if (!isalnum((unsigned char)c) && c != '-' && c != '.' && c != '_')
                return bad(err, "", "has an invalid character in the host");
        }
        if (looks_numeric(host, host_len) && !ipv4_valid(host, host_len))
            return bad(err, "", "has an invalid IPv4 address");
    }
    out->port = actr_url_default_port(out->scheme);
    if (host_end < n) {
        int rc = parse_port(s + host_end + 1, n - host_end - 1, out, err);
        if (rc != 0)
            return rc;
    }
    out->host = lower_dup(host, host_len);
    return out->host ? 0 : actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
}

static int build_normalized(actr_url_t *out)
{
    size_t need = strlen(out->scheme) + strlen(out->host) + strlen(out->path) +
                  (out->query ? strlen(out->query) + 1 : 0) + 16;
    out->normalized = malloc(need);
    if (!out->normalized)
        return ACTR_ENOMEM;
    char port[8] = "";
    if (out->has_port)
        snprintf(port, sizeof port, ":%u", (unsigned)out->port);
    snprintf(out->normalized, need, "%s://%s%s%s%s%s%s%s", out->scheme, out->ipv6 ? "[" : "",
             out->host, out->ipv6 ? "]" : "", port, out->path, out->query ? "?" : "",
             out->query ? out->query : "");
    return 0;
}

static int parse_into(const char *s, size_t len, actr_url_t *out, actr_error_t *err)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return bad(err, "", "contains whitespace or a control character");
        if (c >= 0x80)
            return bad(err, "", "contains non-ASCII characters (percent-encode them)");
        if (c == '\\')
            return bad(err, "", "contains a backslash");
    }
    size_t pos = 0;
    int rc = parse_scheme(s, len, out, &pos, err);
    if (rc != 0)
        return rc;
    if (memchr(s + pos, '#', len - pos))
        return bad(err, "", "must not have a fragment (\"#...\")");
    size_t auth_end = pos;
    while (auth_end < len && s[auth_end] != '/' && s[auth_end] != '?')
        auth_end++;
    rc = parse_authority(s + pos, auth_end - pos, out, err);
    if (rc != 0)
        return rc;
    size_t path_end = auth_end;
    while (path_end < len && s[path_end] != '?')
        path_end++;
    const char *path = s + auth_end;
    size_t path_len = path_end - auth_end;
    if ((rc = check_part(path, path_len, false, "path", err)) != 0)
        return rc;
    if (has_dot_segment(path, path_len))
        return bad(err, "", "has a \".\" or \"..\" path segment");
    out->path = path_len ? strndup(path, path_len) : strdup("/");
    if (!out->path)
        return ACTR_ENOMEM;
    if (path_end < len) {
        const char *q = s + path_end + 1;
        size_t qlen = len - path_end - 1;
        if ((rc = check_part(q, qlen, true, "query", err)) != 0)
            return rc;
        if (!(out->query = strndup(q, qlen)))
            return ACTR_ENOMEM;
    }
    return build_normalized(out);
}

int actr_url_parse(const char *text, size_t len, actr_url_t *out, actr_error_t *err)
{
    if (!text || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no URL given");
    memset(out, 0, sizeof *out);
    int rc = parse_into(text, len, out, err);
    if (rc == ACTR_ENOMEM)
        actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    if (rc != 0)
        actr_url_free(out);
    return rc;
}

void actr_url_free(actr_url_t *url)
{
    if (!url)
        return;
    free(url->host);
    free(url->path);
    free(url->query);
    free(url->normalized);
    memset(url, 0, sizeof *url);
}

/*
 * url.h - a small strict parser for the absolute URLs in configuration (signaling ws/wss, AIS and
 * registry http/https).
 *
 * Accepted: scheme "://" host [":" port] [path] ["?" query], where host is a DNS-style name
 * (letters, digits, '-', '.', '_'), a dotted-quad IPv4 address or a bracketed IPv6 address. Refused
 * instead of guessed at (unlike a browser): whitespace or control characters anywhere, non-ASCII
 * text (percent-encode it), user info ("user:pass@"), an empty host or port, port 0, IPv4 shorthand
 * such as "127.1", "." and ".." path segments, a bad percent escape, and a fragment.
 *
 * The normalized form follows the WHATWG rules the reference's `url` crate applies: scheme and
 * host lowercased, the scheme's default port dropped, an empty path becomes "/"
 * ("http://Example.COM:80" -> "http://example.com/").
 */
#ifndef ACTR_PLATFORM_CONFIG_URL_H
#define ACTR_PLATFORM_CONFIG_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"

typedef struct actr_url {
    char scheme[16];  /* lowercase */
    char *host;       /* lowercase; an IPv6 address without its brackets */
    bool ipv6;
    bool has_port;    /* an explicit port other than the scheme's default */
    uint16_t port;    /* the effective port: explicit, else the default (0 if none known) */
    char *path;       /* always starts with '/' */
    char *query;      /* without '?'; NULL when there is none */
    char *normalized; /* the whole URL in normalized form */
} actr_url_t;

/*
 * Parses len bytes of text into *out (malloc'd parts; free with actr_url_free()). ACTR_EINVAL
 * with the reason in err (no "URL" prefix: callers add the key); ACTR_ENOMEM.
 */
int actr_url_parse(const char *text, size_t len, actr_url_t *out, actr_error_t *err);
void actr_url_free(actr_url_t *url);

/* 80 for http/ws, 443 for https/wss, 0 otherwise. */
uint16_t actr_url_default_port(const char *scheme);

#endif /* ACTR_PLATFORM_CONFIG_URL_H */

/*
 * mfr_fetch.c - one manufacturer key lookup at the MFR registry (platform.md §2.3, protocol.md
 * §4.5), with libcurl's easy interface.
 *
 * Unlike the reference, which has no timeout and pastes the manufacturer and key id into the URL
 * as they are, every request has a connect and a total timeout, and both path components are
 * percent-encoded (RFC 3986 unreserved characters stay), so a name cannot add path segments or a
 * query. Names made of letters, digits, '-', '_' and '.' give the reference's exact URL.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "base/base64.h"
#include "platform/package/package_internal.h"
#include "platform/trust/trust_internal.h"

#define PREFIX "untrusted manufacturer: "

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct body {
    char data[TRUST_MFR_RESPONSE_MAX];
    size_t len;
    bool overflow;
} body_t;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body_t *b = userdata;
    size_t n = size * nmemb;
    if (n > sizeof b->data - b->len) {
        b->overflow = true;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    return n;
}

/* Appends s percent-encoded (everything but A-Z a-z 0-9 - . _ ~). */
static void put_encoded(char *out, size_t *pos, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (keep) {
            out[(*pos)++] = (char)*p;
        } else {
            out[(*pos)++] = '%';
            out[(*pos)++] = hex[*p >> 4];
            out[(*pos)++] = hex[*p & 15];
        }
    }
}

static char *build_url(const char *base, const char *manufacturer, const char *key_id)
{
    size_t base_len = strlen(base);
    while (base_len && base[base_len - 1] == '/')
        base_len--; /* "http://h/" + "/mfr" would give "//mfr" */
    size_t cap = base_len + 3 * strlen(manufacturer) + (key_id ? 3 * strlen(key_id) : 0) + 64;
    char *url = malloc(cap);
    if (!url)
        return NULL;
    size_t pos = base_len;
    memcpy(url, base, base_len);
    memcpy(url + pos, "/mfr/", 5);
    pos += 5;
    put_encoded(url, &pos, manufacturer);
    memcpy(url + pos, "/verifying_key", 14);
    pos += 14;
    if (key_id) {
        memcpy(url + pos, "?key_id=", 8);
        pos += 8;
        put_encoded(url, &pos, key_id);
    }
    url[pos] = '\0';
    return url;
}

static const char *reason_phrase(long status)
{
    switch (status) {
    case 400: return " Bad Request";
    case 401: return " Unauthorized";
    case 403: return " Forbidden";
    case 404: return " Not Found";
    case 429: return " Too Many Requests";
    case 500: return " Internal Server Error";
    case 502: return " Bad Gateway";
    case 503: return " Service Unavailable";
    case 504: return " Gateway Timeout";
    default: return "";
    }
}

/* Runs the request; on success *status holds the HTTP status and body the answer. */
static int perform(const char *url, const char *mfr, uint32_t connect_ms, uint32_t total_ms,
                   body_t *body, long *status, actr_error_t *err)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return pkg_err(err, ACTR_ENOMEM, PREFIX "failed to fetch MFR pubkey (%s): no curl handle",
                       mfr);
    char curl_msg[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: thread-safe */
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)total_ms);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_msg);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "actr-hyper");
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(curl);
    if (rc == CURLE_OK)
        return 0;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return pkg_err(err, ACTR_ETIMEDOUT,
                       PREFIX "failed to fetch MFR pubkey (%s): timed out (connect %u ms, total "
                              "%u ms)",
                       mfr, (unsigned)connect_ms, (unsigned)total_ms);
    if (body->overflow)
        return pkg_err(err, ACTR_EPARSE,
                       PREFIX "failed to parse MFR pubkey response (%s): larger than %u bytes",
                       mfr, TRUST_MFR_RESPONSE_MAX);
    return pkg_err(err, ACTR_EUNAVAILABLE, PREFIX "failed to fetch MFR pubkey (%s): %s", mfr,
                   curl_msg[0] ? curl_msg : curl_easy_strerror(rc));
}

/* {"public_key": "<std base64 of 32 bytes>", ...} into pub. */
static int decode_answer(const body_t *body, const char *mfr, uint8_t *pub, actr_error_t *err)
{
    cJSON *root = cJSON_ParseWithLength(body->data, body->len);
    if (!root)
        return pkg_err(err, ACTR_EPARSE,
                       PREFIX "failed to parse MFR pubkey response (%s): not valid JSON", mfr);
    const cJSON *field = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "public_key")
                                              : NULL;
    int rc = 0;
    if (!cJSON_IsString(field) || !field->valuestring) {
        rc = pkg_err(err, ACTR_EPARSE,
                     PREFIX "failed to parse MFR pubkey response (%s): missing string field "
                            "`public_key`",
                     mfr);
    } else {
        const char *b64 = field->valuestring;
        size_t n = strlen(b64), got = 0;
        uint8_t *raw = malloc(actr_base64_decoded_max(n) + 1);
        if (!raw)
            rc = pkg_err(err, ACTR_ENOMEM, "out of memory decoding the MFR key");
        else if (actr_base64_decode(b64, n, raw, actr_base64_decoded_max(n) + 1, &got,
                                    ACTR_B64_STD) != 0)
            rc = pkg_err(err, ACTR_EPARSE,
                         PREFIX "MFR pubkey base64 decode failed (%s): invalid standard base64",
                         mfr);
        else if (got != ACTR_ED25519_PUBLIC_KEY_LEN)
            rc = pkg_err(err, ACTR_EPARSE,
                         PREFIX "MFR pubkey length incorrect (%s), expected 32 bytes, got %zu "
                                "bytes",
                         mfr, got);
        else if (actr_ed25519_pubkey_valid(raw, got) != 0)
            rc = pkg_err(err, ACTR_EPARSE,
                         PREFIX "MFR pubkey format invalid (%s): not an Ed25519 curve point", mfr);
        else
            memcpy(pub, raw, ACTR_ED25519_PUBLIC_KEY_LEN);
        free(raw);
    }
    cJSON_Delete(root);
    return rc;
}

int trust_mfr_fetch(const char *base_url, const char *manufacturer, const char *key_id,
                    uint32_t connect_timeout_ms, uint32_t timeout_ms,
                    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN], actr_error_t *err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return pkg_err(err, ACTR_EINTERNAL, PREFIX "failed to fetch MFR pubkey (%s): %s",
                       manufacturer, curl_easy_strerror(curl_init_rc));
    char *url = build_url(base_url, manufacturer, key_id);
    body_t *body = calloc(1, sizeof *body);
    int rc = url && body ? 0 : pkg_err(err, ACTR_ENOMEM, "out of memory fetching the MFR key");
    long status = 0;
    if (rc == 0)
        rc = perform(url, manufacturer, connect_timeout_ms, timeout_ms, body, &status, err);
    if (rc == 0 && (status < 200 || status > 299))
        rc = pkg_err(err, status >= 500 || status == 429 ? ACTR_EUNAVAILABLE : ACTR_EPERM,
                     PREFIX "AIS refused to provide MFR pubkey (%s), status=%ld%s", manufacturer,
                     status, reason_phrase(status));
    if (rc == 0)
        rc = decode_answer(body, manufacturer, pub, err);
    free(body);
    free(url);
    return rc;
}

/*
 * admin.c - `actrd init` and `actrd realm ...`: creating a data directory and managing realms.
 *
 * init creates {data_dir}/actrd.db (signing key, renewal and TURN secrets come with it), one
 * realm with a secret, and prints what a node needs. Realm secrets are printed exactly once, when
 * created or rotated: only their hash is stored.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "state/admin_cli.h"
#include "state/state.h"

#define DEFAULT_LISTEN "127.0.0.1:8081"
#define DEFAULT_REALM 1

/* Splits HOST:PORT (HOST may be [v6]) and checks the port. */
static bool parse_listen(const char *listen, char *host, size_t cap, unsigned *port)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen)
        return false;
    size_t host_len = (size_t)(colon - listen);
    if (host_len >= cap)
        return false;
    char *end = NULL;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || p == 0 || p > 65535)
        return false;
    if (strchr(listen, ']') == NULL && memchr(listen, ':', host_len))
        return false; /* a bare IPv6 address must be bracketed */
    memcpy(host, listen, host_len);
    host[host_len] = '\0';
    *port = (unsigned)p;
    return true;
}

static void init_usage(FILE *out)
{
    fprintf(out, "usage: actrd init --data-dir DIR [--realm-id N] [--listen HOST:PORT] [--json]\n"
                 "Creates DIR/actrd.db with a signing key and realm N (default %d) with a\n"
                 "secret, and prints what a node needs. --listen (default %s) is the\n"
                 "address nodes reach actrd at.\n",
            DEFAULT_REALM, DEFAULT_LISTEN);
}

static int init_print(const char *data_dir, uint32_t realm_id, const char *secret,
                      const char *host, unsigned port, actrd_state_t *st, bool json)
{
    char sig_url[300], ais_url[300];
    snprintf(sig_url, sizeof sig_url, "ws://%s:%u/signaling/ws", host, port);
    snprintf(ais_url, sizeof ais_url, "http://%s:%u/ais", host, port);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        if (o && (!cJSON_AddNumberToObject(o, "realm_id", realm_id) ||
                  !cJSON_AddStringToObject(o, "realm_secret", secret) ||
                  !cJSON_AddStringToObject(o, "signaling_url", sig_url) ||
                  !cJSON_AddStringToObject(o, "ais_url", ais_url) ||
                  !cJSON_AddStringToObject(o, "data_dir", data_dir) ||
                  !cJSON_AddStringToObject(o, "turn_secret", actrd_state_turn_secret(st)))) {
            cJSON_Delete(o);
            o = NULL;
        }
        return admin_print_json(o);
    }
    printf("Initialised %s\n\n"
           "  realm id       %u\n"
           "  realm secret   %s   (shown once; only its hash is stored)\n"
           "  signaling URL  %s\n"
           "  AIS URL        %s\n"
           "  TURN secret    %s   (static-auth-secret of your TURN server)\n\n"
           "Node configuration (actr.toml):\n\n"
           "  [signaling]\n  url = \"%s\"\n\n"
           "  [ais_endpoint]\n  url = \"%s\"\n\n"
           "  [deployment]\n  realm_id = %u\n  realm_secret = \"%s\"\n\n"
           "Start the server with: actrd serve --data-dir %s --listen %s:%u\n",
           data_dir, realm_id, secret, sig_url, ais_url, actrd_state_turn_secret(st), sig_url,
           ais_url, realm_id, secret, data_dir, host, port);
    return ADMIN_OK;
}

int actrd_cmd_init(int argc, char **argv)
{
    admin_opt_t opts[] = {{"data-dir", true, NULL, false}, {"realm-id", true, NULL, false},
                          {"listen", true, NULL, false},   {"json", false, NULL, false}};
    int rc = admin_parse("init", argc, argv, 1, opts, sizeof opts / sizeof opts[0]);
    if (rc != ADMIN_OK) {
        init_usage(rc < 0 ? stdout : stderr);
        return rc < 0 ? ADMIN_OK : rc;
    }
    uint32_t realm_id = DEFAULT_REALM;
    if (opts[1].present && !admin_u32("init", "realm-id", opts[1].value, &realm_id))
        return ADMIN_USAGE;
    if (realm_id == 0) {
        fprintf(stderr, "actrd init: realm id 0 is reserved (nodes refuse it)\n");
        return ADMIN_USAGE;
    }
    const char *listen = opts[2].present ? opts[2].value : DEFAULT_LISTEN;
    char host[256];
    unsigned port = 0;
    if (!parse_listen(listen, host, sizeof host, &port)) {
        fprintf(stderr, "actrd init: --listen must be HOST:PORT, e.g. %s\n", DEFAULT_LISTEN);
        return ADMIN_USAGE;
    }
    actrd_state_t *st = NULL;
    if ((rc = admin_open("init", opts[0].value, &st)) != ADMIN_OK)
        return rc;
    char secret[ACTRD_REALM_SECRET_SIZE];
    actr_error_t err;
    actr_error_clear(&err);
    if (actrd_realm_create(st, &realm_id, "default", 0, true, secret, &err) != 0) {
        fprintf(stderr, "actrd init: %s%s\n", err.message,
                err.code == ACTR_EEXIST ? "; this directory is already initialised (get a new "
                                          "secret with `actrd realm secret-rotate`)"
                                        : "");
        actrd_state_close(st);
        return ADMIN_FAIL;
    }
    /* Remembered so `actrd serve` can default to the address the URLs above point at. */
    actrd_state_listen_set(st, listen);
    rc = init_print(opts[0].value, realm_id, secret, host, port, st, opts[3].present);
    memset(secret, 0, sizeof secret);
    actrd_state_close(st);
    return rc;
}

/* ---- actrd realm ---------------------------------------------------------------------------- */

static void realm_usage(FILE *out)
{
    fprintf(out,
            "usage: actrd realm create --data-dir DIR [--id N] [--name NAME] [--expires-at T]\n"
            "                          [--no-secret] [--json]\n"
            "       actrd realm list --data-dir DIR [--json]\n"
            "       actrd realm secret-rotate --data-dir DIR --id N [--json]\n"
            "       actrd realm disable|enable --data-dir DIR --id N\n"
            "T is Unix seconds or RFC 3339. A rotated-out secret stays valid for 4 hours.\n");
}

static cJSON *realm_json(const actrd_realm_info_t *r)
{
    char t[32];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "realm_id", r->realm_id);
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddBoolToObject(o, "enabled", r->enabled);
    if (r->expires_at)
        cJSON_AddStringToObject(o, "expires_at", admin_time_str(r->expires_at, t, sizeof t));
    else
        cJSON_AddNullToObject(o, "expires_at");
    cJSON_AddBoolToObject(o, "has_secret", r->has_secret);
    cJSON_AddStringToObject(o, "created_at", admin_time_str(r->created_at, t, sizeof t));
    return o;
}

static int realm_list(actrd_state_t *st, bool json)
{
    actrd_realm_info_t *realms = NULL;
    size_t n = 0;
    actr_error_t err;
    if (actrd_realm_list(st, &realms, &n, &err) != 0) {
        fprintf(stderr, "actrd realm list: %s\n", err.message);
        return ADMIN_FAIL;
    }
    int rc = ADMIN_OK;
    if (json) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; arr && i < n; i++)
            cJSON_AddItemToArray(arr, realm_json(&realms[i]));
        rc = admin_print_json(arr);
    } else {
        printf("%-10s %-8s %-7s %-21s %s\n", "REALM", "ENABLED", "SECRET", "EXPIRES", "NAME");
        for (size_t i = 0; i < n; i++) {
            char t[32];
            printf("%-10u %-8s %-7s %-21s %s\n", realms[i].realm_id,
                   realms[i].enabled ? "yes" : "no", realms[i].has_secret ? "yes" : "no",
                   admin_time_str(realms[i].expires_at, t, sizeof t), realms[i].name);
        }
    }
    free(realms);
    return rc;
}

/* Prints a new secret (create / secret-rotate). */
static int print_secret(uint32_t realm_id, const char *secret, bool json)
{
    if (json) {
        cJSON *o = cJSON_CreateObject();
        if (o && (!cJSON_AddNumberToObject(o, "realm_id", realm_id) ||
                  (secret && !cJSON_AddStringToObject(o, "realm_secret", secret)))) {
            cJSON_Delete(o);
            o = NULL;
        }
        return admin_print_json(o);
    }
    printf("realm %u\n", realm_id);
    if (secret)
        printf("realm secret: %s   (shown once; only its hash is stored)\n", secret);
    return ADMIN_OK;
}

static int realm_create(actrd_state_t *st, admin_opt_t *o, bool json)
{
    uint32_t id = 0;
    int64_t expires = 0;
    if (o[1].present) {
        if (!admin_u32("realm create", "id", o[1].value, &id))
            return ADMIN_USAGE;
        if (id == 0) {
            fprintf(stderr, "actrd realm create: realm id 0 is reserved (nodes refuse it)\n");
            return ADMIN_USAGE;
        }
    }
    if (o[3].present && !admin_time("realm create", "expires-at", o[3].value, &expires))
        return ADMIN_USAGE;
    bool with_secret = !o[4].present;
    char secret[ACTRD_REALM_SECRET_SIZE] = "";
    actr_error_t err;
    if (actrd_realm_create(st, &id, o[2].value, expires, with_secret, secret, &err) != 0) {
        fprintf(stderr, "actrd realm create: %s\n", err.message);
        return ADMIN_FAIL;
    }
    int rc = print_secret(id, with_secret ? secret : NULL, json);
    memset(secret, 0, sizeof secret);
    return rc;
}

static int realm_dispatch(actrd_state_t *st, const char *sub, admin_opt_t *o)
{
    bool json = o[5].present;
    if (!strcmp(sub, "create"))
        return realm_create(st, o, json);
    if (!strcmp(sub, "list"))
        return realm_list(st, json);
    uint32_t id = 0;
    if (!o[1].present) {
        fprintf(stderr, "actrd realm %s: --id N is required\n", sub);
        return ADMIN_USAGE;
    }
    if (!admin_u32("realm", "id", o[1].value, &id))
        return ADMIN_USAGE;
    actr_error_t err;
    if (!strcmp(sub, "secret-rotate") || !strcmp(sub, "secret")) {
        char secret[ACTRD_REALM_SECRET_SIZE];
        if (actrd_realm_secret_rotate(st, id, secret, &err) != 0) {
            fprintf(stderr, "actrd realm %s: %s\n", sub, err.message);
            return ADMIN_FAIL;
        }
        int rc = print_secret(id, secret, json);
        memset(secret, 0, sizeof secret);
        return rc;
    }
    bool enable = !strcmp(sub, "enable");
    if (actrd_realm_set_enabled(st, id, enable, &err) != 0) {
        fprintf(stderr, "actrd realm %s: %s\n", sub, err.message);
        return ADMIN_FAIL;
    }
    printf("realm %u %s\n", id, enable ? "enabled" : "disabled");
    return ADMIN_OK;
}

int actrd_cmd_realm(int argc, char **argv)
{
    static const char *const subs[] = {"create", "list", "secret-rotate", "secret", "disable",
                                       "enable"};
    admin_opt_t opts[] = {{"data-dir", true, NULL, false},   {"id", true, NULL, false},
                          {"name", true, NULL, false},       {"expires-at", true, NULL, false},
                          {"no-secret", false, NULL, false}, {"json", false, NULL, false}};
    actrd_state_t *st = NULL;
    int rc = admin_begin("realm", argc, argv, subs, sizeof subs / sizeof subs[0], opts,
                         sizeof opts / sizeof opts[0], realm_usage, &st);
    if (rc != ADMIN_OK)
        return rc < 0 ? ADMIN_OK : rc;
    rc = realm_dispatch(st, argv[1], opts);
    actrd_state_close(st);
    return rc;
}

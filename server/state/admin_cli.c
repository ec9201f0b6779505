/* admin_cli.c - option parsing and output helpers of the admin commands (see admin_cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actr/log.h"
#include "base/clock.h"
#include "base/fsutil.h"
#include "state/admin_cli.h"

int admin_parse(const char *cmd, int argc, char **argv, int first, admin_opt_t *opts, size_t n)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
            return -1;
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "actrd %s: unexpected argument '%s'\n", cmd, arg);
            return ADMIN_USAGE;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        admin_opt_t *o = NULL;
        for (size_t k = 0; k < n && !o; k++)
            if (strlen(opts[k].name) == name_len && !strncmp(opts[k].name, name, name_len))
                o = &opts[k];
        if (!o) {
            fprintf(stderr, "actrd %s: unknown option '%s'\n", cmd, arg);
            return ADMIN_USAGE;
        }
        o->present = true;
        if (!o->takes_value) {
            if (eq) {
                fprintf(stderr, "actrd %s: --%s takes no value\n", cmd, o->name);
                return ADMIN_USAGE;
            }
            continue;
        }
        if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            fprintf(stderr, "actrd %s: --%s needs a value\n", cmd, o->name);
            return ADMIN_USAGE;
        }
    }
    return ADMIN_OK;
}

int admin_open(const char *cmd, const char *data_dir, actrd_state_t **out)
{
    if (!data_dir || !*data_dir) {
        fprintf(stderr, "actrd %s: --data-dir DIR is required\n", cmd);
        return ADMIN_USAGE;
    }
    /* Admin output is the command's own; keep routine INFO records off the terminal. */
    if (!getenv("ACTR_LOG"))
        actr_log_set_level(ACTR_LOG_WARN);
    actrd_state_config_t cfg;
    actrd_state_config_init(&cfg);
    if (strlen(data_dir) >= sizeof cfg.data_dir) {
        fprintf(stderr, "actrd %s: --data-dir is too long\n", cmd);
        return ADMIN_USAGE;
    }
    memcpy(cfg.data_dir, data_dir, strlen(data_dir) + 1);
    actr_error_t err;
    actr_error_clear(&err);
    if (actrd_state_open(&cfg, out, &err) != 0) {
        fprintf(stderr, "actrd %s: %s\n", cmd, err.message);
        return ADMIN_FAIL;
    }
    return ADMIN_OK;
}

bool admin_u32(const char *cmd, const char *opt, const char *text, uint32_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = text && *text >= '0' && *text <= '9' ? strtoull(text, &end, 10) : 0;
    if (!end || *end || errno || v > UINT32_MAX) {
        fprintf(stderr, "actrd %s: --%s must be an integer 0..4294967295\n", cmd, opt);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

bool admin_time(const char *cmd, const char *opt, const char *text, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = text && *text >= '0' && *text <= '9' ? strtoll(text, &end, 10) : -1;
    if (end && !*end && !errno && v >= 0) {
        *out = v;
        return true;
    }
    if (text && actr_rfc3339_parse(text, strlen(text), out, NULL) == 0)
        return true;
    fprintf(stderr, "actrd %s: --%s must be Unix seconds or an RFC 3339 time\n", cmd, opt);
    return false;
}

const char *admin_time_str(int64_t t, char *buf, size_t cap)
{
    char tmp[ACTR_RFC3339_LEN + 1];
    if (t == 0 || actr_rfc3339_format(t, tmp) != 0)
        snprintf(buf, cap, "%s", t == 0 ? "never" : "?");
    else
        snprintf(buf, cap, "%s", tmp);
    return buf;
}

int admin_print_json(cJSON *obj)
{
    char *text = obj ? cJSON_Print(obj) : NULL;
    cJSON_Delete(obj);
    if (!text) {
        fprintf(stderr, "actrd: out of memory\n");
        return ADMIN_FAIL;
    }
    printf("%s\n", text);
    cJSON_free(text);
    return ADMIN_OK;
}

int admin_read_file(const char *cmd, const char *path, size_t max, uint8_t **data, size_t *len)
{
    actr_error_t err = {0};
    char *text = NULL;
    if (actr_read_file(path, max, &text, len, &err) != 0) {
        fprintf(stderr, "actrd %s: %s\n", cmd, err.message);
        *data = NULL;
        return ADMIN_FAIL;
    }
    *data = (uint8_t *)text;
    return ADMIN_OK;
}

/* Checks the subcommand, parses the options and opens the data directory. */
int admin_begin(const char *cmd, int argc, char **argv, const char *const *subs, size_t nsubs,
                    admin_opt_t *opts, size_t nopts, void (*usage)(FILE *), actrd_state_t **st)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    bool known = false;
    for (size_t i = 0; sub && i < nsubs; i++)
        known = known || !strcmp(sub, subs[i]);
    if (sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h"))) {
        usage(stdout);
        return -1;
    }
    if (!known) {
        if (sub)
            fprintf(stderr, "actrd %s: unknown subcommand '%s'\n", cmd, sub);
        usage(stderr);
        return ADMIN_USAGE;
    }
    int rc = admin_parse(cmd, argc, argv, 2, opts, nopts);
    if (rc != ADMIN_OK) {
        usage(rc < 0 ? stdout : stderr);
        return rc;
    }
    return admin_open(cmd, opts[0].value, st);
}

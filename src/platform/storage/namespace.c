/*
 * namespace.c - the storage path template ("NamespaceResolver", spec: platform.md 4.4, 4.6).
 *
 * Differences from the reference, all so that identity or environment text cannot move a store:
 * the identity is checked with actr_type_path_safe() before anything is substituted; values are
 * inserted once and never re-scanned (the reference re-scans env values, so a value holding
 * "{data_dir}" would be expanded); a '..' segment built from a substituted value is refused; and a
 * template that starts with {data_dir} must resolve strictly inside data_dir.
 */
#include "actr/storage.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/identity_internal.h"

#define HOSTNAME_MAX 255
#define ENV_NAME_MAX 255
#define HOSTNAME_FILE "/etc/hostname"

/* The resolved path, with a mark on every byte that came from a substituted value (all values
 * except data_dir, which is the operator's own setting like the template text). */
typedef struct path_builder {
    char buf[PATH_MAX + 1];
    unsigned char from_value[PATH_MAX];
    size_t len;
} path_builder_t;

static int var_missing(const char *name, size_t len, actr_error_t *err)
{
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                          "namespace template variable `%.*s` not available", (int)len, name);
}

static int append(path_builder_t *pb, const char *s, size_t len, bool from_value, actr_error_t *err)
{
    if (len > PATH_MAX - pb->len)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0,
                              "storage path is longer than %d bytes", PATH_MAX);
    memcpy(pb->buf + pb->len, s, len);
    memset(pb->from_value + pb->len, from_value ? 1 : 0, len);
    pb->len += len;
    pb->buf[pb->len] = '\0';
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* $HOSTNAME, else the trimmed first bytes of /etc/hostname; false when neither gives a name. */
static bool lookup_hostname(char out[HOSTNAME_MAX + 1])
{
    const char *env = getenv("HOSTNAME");
    if (env && *env && strlen(env) <= HOSTNAME_MAX) {
        strcpy(out, env);
        return true;
    }
    FILE *f = fopen(HOSTNAME_FILE, "re");
    if (!f)
        return false;
    size_t n = fread(out, 1, HOSTNAME_MAX, f);
    fclose(f);
    size_t start = 0;
    while (start < n && is_space(out[start]))
        start++;
    while (n > start && is_space(out[n - 1]))
        n--;
    memmove(out, out + start, n - start);
    out[n - start] = '\0';
    return n > start;
}

/* Resolves {hostname}: a single path component of valid UTF-8. */
static int hostname_value(const actr_storage_vars_t *vars, char scratch[HOSTNAME_MAX + 1],
                          const char **value, actr_error_t *err)
{
    if (vars->hostname) {
        if (strlen(vars->hostname) > HOSTNAME_MAX)
            return var_missing("hostname", 8, err);
        strcpy(scratch, vars->hostname);
    } else if (!lookup_hostname(scratch)) {
        return var_missing("hostname", 8, err);
    }
    if (!*scratch || strchr(scratch, '/') || !actr_ident_utf8_valid(scratch, strlen(scratch)))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "hostname `%.*s` cannot be a path component",
                              actr_ident_quote_len(strlen(scratch)), scratch);
    *value = scratch;
    return 0;
}

/* Resolves var = "env.NAME": NAME set to valid UTF-8 (the reference's env::var fails otherwise). */
static int env_value(const char *var, size_t len, const char **value, actr_error_t *err)
{
    char key[ENV_NAME_MAX + 1];
    size_t klen = len - 4;
    if (klen == 0 || klen > ENV_NAME_MAX || memchr(var + 4, '=', klen))
        return var_missing(var, len, err);
    memcpy(key, var + 4, klen);
    key[klen] = '\0';
    const char *v = getenv(key);
    if (!v || !actr_ident_utf8_valid(v, strlen(v)))
        return var_missing(var, len, err);
    *value = v;
    return 0;
}

static bool name_is(const char *name, size_t len, const char *var)
{
    return strlen(var) == len && memcmp(name, var, len) == 0;
}

/* Per-resolution scratch space for values that are formatted rather than borrowed. */
typedef struct var_scratch {
    char type_path[ACTR_TYPE_STR_SIZE];
    char realm[11];
    char hostname[HOSTNAME_MAX + 1];
} var_scratch_t;

/* Finds the value of the variable name[0..len); *from_value is false only for data_dir. */
static int var_value(const actr_storage_vars_t *vars, const char *name, size_t len,
                     var_scratch_t *scratch, const char **value, bool *from_value,
                     actr_error_t *err)
{
    const actr_type_t *t = vars->type;
    *from_value = true;
    *value = NULL;
    if (len >= 4 && memcmp(name, "env.", 4) == 0)
        return env_value(name, len, value, err);
    if (name_is(name, len, "data_dir")) {
        *from_value = false;
        *value = vars->data_dir;
    } else if (name_is(name, len, "instance_id")) {
        *value = vars->instance_id;
    } else if (name_is(name, len, "hostname")) {
        return hostname_value(vars, scratch->hostname, value, err);
    } else if (t && name_is(name, len, "manufacturer")) {
        *value = t->manufacturer;
    } else if (t && name_is(name, len, "actr_name")) {
        *value = t->name;
    } else if (t && name_is(name, len, "version")) {
        *value = t->version;
    } else if (t && name_is(name, len, "actr_type")) {
        snprintf(scratch->type_path, sizeof scratch->type_path, "%s/%s/%s", t->manufacturer,
                 t->name, t->version);
        *value = scratch->type_path;
    } else if (vars->has_realm && name_is(name, len, "realm_id")) {
        snprintf(scratch->realm, sizeof scratch->realm, "%u", (unsigned)vars->realm_id);
        *value = scratch->realm;
    }
    if (!*value)
        return var_missing(name, len, err);
    return 0;
}

/* One left-to-right pass; a '{' with no later '}' is literal text, as in the reference. */
static int expand(const char *tmpl, const actr_storage_vars_t *vars, path_builder_t *pb,
                  actr_error_t *err)
{
    var_scratch_t scratch;
    const char *p = tmpl;
    while (*p) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open + 1, '}') : NULL;
        if (!close)
            return append(pb, p, strlen(p), false, err);
        int rc = append(pb, p, (size_t)(open - p), false, err);
        const char *value;
        bool from_value;
        if (rc == 0)
            rc = var_value(vars, open + 1, (size_t)(close - open - 1), &scratch, &value,
                           &from_value, err);
        if (rc == 0)
            rc = append(pb, value, strlen(value), from_value, err);
        if (rc != 0)
            return rc;
        p = close + 1;
    }
    return 0;
}

/* Refuses a ".." segment that contains any byte of a substituted value. */
static int check_value_segments(const path_builder_t *pb, actr_error_t *err)
{
    size_t start = 0;
    for (size_t i = 0; i <= pb->len; i++) {
        if (i < pb->len && pb->buf[i] != '/')
            continue;
        if (i - start == 2 && pb->buf[start] == '.' && pb->buf[start + 1] == '.' &&
            (pb->from_value[start] || pb->from_value[start + 1]))
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "storage path `%.*s`: a template value makes a '..' segment",
                                  actr_ident_quote_len(pb->len), pb->buf);
        start = i + 1;
    }
    return 0;
}

/* With a template starting {data_dir}: the rest must name something strictly below data_dir. */
static int check_inside(const path_builder_t *pb, size_t dir_len, actr_error_t *err)
{
    const char *rest = pb->buf + dir_len;
    bool separated = *rest == '/' || (dir_len > 0 && pb->buf[dir_len - 1] == '/');
    long depth = 0;
    size_t start = 0, len = pb->len - dir_len;
    for (size_t i = 0; separated && depth >= 0 && i <= len; i++) {
        if (i < len && rest[i] != '/')
            continue;
        size_t seg = i - start;
        if (seg == 2 && rest[start] == '.' && rest[start + 1] == '.')
            depth--;
        else if (seg > 0 && !(seg == 1 && rest[start] == '.'))
            depth++;
        start = i + 1;
    }
    if (!separated || depth <= 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "storage path `%.*s` is not inside data_dir",
                              actr_ident_quote_len(pb->len), pb->buf);
    return 0;
}

static int check_vars(const actr_storage_vars_t *vars, actr_error_t *err)
{
    if (!vars || !vars->data_dir || !*vars->data_dir)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no data_dir given");
    if (!actr_ident_utf8_valid(vars->data_dir, strlen(vars->data_dir)))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "data_dir path contains non-UTF-8 characters");
    if (vars->type) {
        actr_error_t inner;
        if (actr_type_path_safe(vars->type, &inner) != 0)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "actor type cannot name a store: %s", inner.message);
    }
    return 0;
}

int actr_storage_resolve_path(const char *tmpl, const actr_storage_vars_t *vars, char **out,
                              actr_error_t *err)
{
    if (out)
        *out = NULL;
    if (!out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no output given");
    int rc = check_vars(vars, err);
    if (rc != 0)
        return rc;
    if (!tmpl)
        tmpl = ACTR_STORAGE_DEFAULT_TEMPLATE;
    path_builder_t *pb = malloc(sizeof *pb);
    if (!pb)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    pb->len = 0;
    pb->buf[0] = '\0';
    rc = expand(tmpl, vars, pb, err);
    if (rc == 0 && pb->len == 0)
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                            "storage template `%s` resolves to an empty path", tmpl);
    if (rc == 0)
        rc = check_value_segments(pb, err);
    static const char dir_var[] = "{data_dir}";
    if (rc == 0 && strncmp(tmpl, dir_var, sizeof dir_var - 1) == 0)
        rc = check_inside(pb, strlen(vars->data_dir), err);
    if (rc == 0 && !(*out = strdup(pb->buf)))
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    free(pb);
    return rc;
}

int actr_storage_open_for_type(const char *data_dir, const char *tmpl, const actr_type_t *type,
                               const char *instance_id, actr_kv_store_t **out, actr_error_t *err)
{
    if (out)
        *out = NULL;
    if (!type || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no actor type or output");
    actr_storage_vars_t vars = {.data_dir = data_dir, .instance_id = instance_id, .type = type};
    char *path;
    int rc = actr_storage_resolve_path(tmpl, &vars, &path, err);
    if (rc != 0)
        return rc;
    rc = actr_kv_store_open(path, out, err);
    free(path);
    return rc;
}

/*
 * manifest.c - the project manifest.toml (platform.md 7.4): package metadata, exports,
 * dependencies, ACL, scripts, [binary] and [build], and inheritance through `inherit`.
 *
 * Each file of an inheritance chain is read as a layer with its paths resolved against its own
 * directory, then layers are merged parent-first: exports appended, dependencies and scripts
 * merged by key with the child winning, acl/binary/build taken from the child or else the
 * parent, [package] from the child only. Chains are bounded and cycles refused (the reference
 * recurses without a bound).
 */
#include "platform/config/config_internal.h"
#include "base/fsutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One file as read. */
typedef struct layer {
    actr_project_manifest_t m;
    char *inherit; /* as written */
    int inherit_line;
    const actr_toml_value_t *package, *dependencies, *acl;
    actr_config_strlist_t top_exports, pkg_exports; /* resolved, not yet checked */
    char build_origin[CFG_KEY_PATH_MAX + 64];
} layer_t;

#define L layer_t
static const char *const build_tools[] = {"cargo", NULL};
static const char *const build_artifacts[] = {"lib", "bin", NULL};
static const char *const build_profiles[] = {"release", "dev", NULL};

static const cfg_field_t package_fields[] = {
    CFG_F_REQ(L, "name", CFG_STRING, m.name),
    CFG_F_REQ(L, "manufacturer", CFG_STRING, m.manufacturer),
    CFG_F(L, "version", CFG_STRING, m.version),
    CFG_F(L, "description", CFG_STRING, m.description),
    CFG_F(L, "authors", CFG_STRLIST, m.authors),
    CFG_F(L, "license", CFG_STRING, m.license),
    CFG_F(L, "tags", CFG_STRLIST, m.tags),
    CFG_F(L, "signature_algorithm", CFG_STRING, m.signature_algorithm),
    CFG_F(L, "exports", CFG_STRLIST, pkg_exports),
};
static const cfg_field_t binary_fields[] = {
    CFG_F_REQ(L, "path", CFG_PATH, m.binary.path),
    CFG_F(L, "target", CFG_STRING, m.binary.target),
};
static const cfg_field_t build_fields[] = {
    CFG_F_CHOICE(L, "tool", m.build.tool, build_tools),
    CFG_F(L, "manifest_path", CFG_STRING, m.build.manifest_path),
    CFG_F_CHOICE(L, "artifact", m.build.artifact, build_artifacts),
    CFG_F(L, "target", CFG_STRING, m.build.target),
    CFG_F_CHOICE(L, "profile", m.build.profile, build_profiles),
    CFG_F(L, "features", CFG_STRLIST, m.build.features),
    CFG_F(L, "no_default_features", CFG_BOOL, m.build.no_default_features),
    CFG_F(L, "post_build", CFG_STRLIST, m.build.post_build),
};
static const cfg_schema_t package_schema = CFG_SCHEMA(package_fields, false);
static const cfg_schema_t binary_schema = CFG_SCHEMA(binary_fields, false);
static const cfg_schema_t build_schema = CFG_SCHEMA(build_fields, false);

static const cfg_field_t root_fields[] = {
    CFG_F(L, "edition", CFG_U32, m.edition),
    CFG_F(L, "inherit", CFG_STRING, inherit),
    CFG_F(L, "config_dir", CFG_PATH, m.config_dir),
    CFG_F(L, "package", CFG_RAW, package),
    CFG_F(L, "exports", CFG_STRLIST, top_exports),
    CFG_F(L, "dependencies", CFG_RAW, dependencies),
    CFG_F(L, "acl", CFG_RAW, acl),
    CFG_F(L, "scripts", CFG_STRMAP, m.scripts),
    {.key = "binary", .kind = CFG_TABLE, .offset = 0, .has_offset = offsetof(L, m.has_binary),
     .sub = &binary_schema},
    {.key = "build", .kind = CFG_TABLE, .offset = 0, .has_offset = offsetof(L, m.has_build),
     .sub = &build_schema},
};
static const cfg_schema_t root_schema = CFG_SCHEMA(root_fields, false);
#undef L

static void dep_clear(actr_manifest_dependency_t *d)
{
    free(d->alias);
    free(d->service_name);
    free(d->service_fingerprint);
    memset(d, 0, sizeof *d);
}

static void free_deps(actr_manifest_dependency_t *deps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dep_clear(&deps[i]);
    free(deps);
}

static void free_manifest_parts(actr_project_manifest_t *m)
{
    free_deps(m->dependencies, m->dependency_count);
    actr_acl_free(&m->acl);
    cfg_strlist_free(&m->exports);
    cfg_strlist_free(&m->warnings);
    free(m->source);
    free(m->manifest_dir);
}

static void layer_free(layer_t *l)
{
    cfg_free_fields(&root_schema, l);
    cfg_free_fields(&package_schema, l);
    free_manifest_parts(&l->m);
    free(l->inherit);
    memset(l, 0, sizeof *l);
}

/* ---- [package] and [dependencies] ---- */

static int read_package(cfg_ctx_t *ctx, layer_t *l)
{
    size_t saved = cfg_push(ctx, "package");
    int rc = actr_toml_type(l->package) == ACTR_TOML_TABLE
                 ? cfg_read_table(ctx, l->package, &package_schema, l)
                 : cfg_type_error(ctx, l->package, NULL, "a table");
    actr_project_manifest_t *m = &l->m;
    actr_error_t why;
    if (rc == 0 && !m->version && !(m->version = strdup("")))
        rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    const char *bad_key = NULL;
    if (rc == 0 && actr_name_validate(m->manufacturer, strlen(m->manufacturer), &why) != 0)
        bad_key = "manufacturer";
    else if (rc == 0 && actr_name_validate(m->name, strlen(m->name), &why) != 0)
        bad_key = "name";
    if (bad_key)
        rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(actr_toml_get(l->package, bad_key)), bad_key,
                      "Invalid %s '%.40s': %s", strcmp(bad_key, "name") ? "manufacturer name"
                                                                      : "actor type name",
                      strcmp(bad_key, "name") ? m->manufacturer : m->name, why.message);
    if (rc == 0 && strlen(m->version) > ACTR_VERSION_MAX_BYTES)
        rc = cfg_fail(ctx, ACTR_ETOOBIG, actr_toml_line(actr_toml_get(l->package, "version")),
                      "version", "longer than %d bytes", ACTR_VERSION_MAX_BYTES);
    if (rc == 0) {
        /* The version may be "" here, which actr_type_set() refuses: copy the checked parts. */
        snprintf(m->actr_type.manufacturer, sizeof m->actr_type.manufacturer, "%s", m->manufacturer);
        snprintf(m->actr_type.name, sizeof m->actr_type.name, "%s", m->name);
        snprintf(m->actr_type.version, sizeof m->actr_type.version, "%s", m->version);
    }
    cfg_pop(ctx, saved);
    return rc;
}

static int read_dependency(cfg_ctx_t *ctx, const actr_toml_value_t *v,
                           actr_manifest_dependency_t *d)
{
    static const char *const keys[] = {"actr_type", "service", "realm", NULL};
    if (actr_toml_type(v) != ACTR_TOML_TABLE)
        return cfg_type_error(ctx, v, NULL, "a table ({} or { actr_type = ... })");
    int rc = cfg_check_keys(ctx, v, keys, false);
    const actr_toml_value_t *type = actr_toml_get(v, "actr_type");
    const actr_toml_value_t *service = actr_toml_get(v, "service");
    const actr_toml_value_t *realm = actr_toml_get(v, "realm");
    if (rc != 0)
        return rc;
    if (!type) {
        /* The reference's untagged enum would quietly read this as `{}`. */
        if (service || realm)
            return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(v), NULL,
                            "`actr_type` is required when `service` or `realm` is given");
        return 0; /* `{}`: realm placeholder 0 */
    }
    char *s = NULL;
    actr_error_t why;
    if ((rc = cfg_string(ctx, type, "actr_type", &s)) != 0)
        return rc;
    if (actr_type_parse(&d->actr_type, s, strlen(s), &why) != 0)
        rc = cfg_fail(ctx, why.code, actr_toml_line(type), "actr_type",
                      "Invalid actor type '%.80s': %s", s, why.message);
    free(s);
    s = NULL;
    d->has_type = rc == 0;
    d->realm_id = 1; /* specified without realm: realm 1, as the reference */
    if (rc == 0 && service && (rc = cfg_string(ctx, service, "service", &s)) == 0) {
        char *colon = strchr(s, ':');
        if (!colon)
            rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(service), "service",
                          "Invalid service reference '%.80s': expected 'ServiceName:fingerprint'",
                          s);
        else if (!(d->service_name = strndup(s, (size_t)(colon - s))) ||
                 !(d->service_fingerprint = strdup(colon + 1)))
            rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
        free(s);
    }
    if (rc == 0 && realm) {
        int64_t id;
        if (actr_toml_as_int(realm, &id) != 0)
            rc = cfg_type_error(ctx, realm, "realm", "an integer");
        else if (id < 0 || id > (int64_t)UINT32_MAX)
            rc = cfg_fail(ctx, ACTR_ERANGE, actr_toml_line(realm), "realm",
                          "%lld is out of range 0..4294967295", (long long)id);
        else
            d->realm_id = (uint32_t)id;
    }
    return rc;
}

static int read_dependencies(cfg_ctx_t *ctx, layer_t *l)
{
    const actr_toml_value_t *t = l->dependencies;
    size_t saved = cfg_push(ctx, "dependencies");
    size_t n = actr_toml_table_size(t);
    int rc = 0;
    actr_project_manifest_t *m = &l->m;
    if (actr_toml_type(t) != ACTR_TOML_TABLE)
        rc = cfg_type_error(ctx, t, NULL, "a table");
    else if (n && !(m->dependencies = calloc(n, sizeof *m->dependencies)))
        rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *alias;
        size_t alias_len;
        const actr_toml_value_t *v = actr_toml_table_at(t, i, &alias, &alias_len);
        size_t s2 = cfg_push(ctx, alias);
        actr_manifest_dependency_t *d = &m->dependencies[m->dependency_count++];
        if (strlen(alias) != alias_len)
            rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(v), NULL, "alias contains a NUL");
        else if (!(d->alias = strdup(alias)))
            rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
        else
            rc = read_dependency(ctx, v, d);
        cfg_pop(ctx, s2);
    }
    cfg_pop(ctx, saved);
    return rc;
}

/* ---- one file ---- */

/* Joins each written export path to the directory of the file that lists it. */
static int resolve_list(cfg_ctx_t *ctx, const char *key, actr_config_strlist_t *list)
{
    for (size_t i = 0; i < list->count; i++) {
        char *p = NULL;
        int rc = cfg_resolve_path(ctx, list->items[i], 0, key, &p);
        if (rc != 0)
            return rc;
        free(list->items[i]);
        list->items[i] = p;
    }
    return 0;
}

static int read_layer(cfg_ctx_t *ctx, const char *text, size_t len, bool need_package,
                      layer_t *l)
{
    actr_toml_value_t *root = NULL;
    l->m.edition = 1;
    int rc = cfg_parse_toml(ctx, text, len, &root);
    if (rc == 0)
        rc = cfg_read_table(ctx, root, &root_schema, l);
    if (rc == 0 && l->package)
        rc = read_package(ctx, l);
    else if (rc == 0 && need_package)
        rc = cfg_fail(ctx, ACTR_EINVAL, 0, "package", "missing required table [package]");
    if (rc == 0 && l->dependencies)
        rc = read_dependencies(ctx, l);
    if (rc == 0 && l->acl) {
        rc = cfg_read_acl(ctx, l->acl, 0, &l->m.acl); /* "self" is placeholder realm 0 */
        l->m.has_acl = rc == 0;
    }
    if (rc == 0 && l->m.has_build)
        snprintf(l->build_origin, sizeof l->build_origin, "%s:%d", ctx->source,
                 actr_toml_line(actr_toml_get(root, "build")));
    if (rc == 0 && !l->m.config_dir && !(l->m.config_dir = strdup(ctx->base_dir)))
        rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    if (rc == 0)
        rc = resolve_list(ctx, "exports", &l->top_exports);
    if (rc == 0)
        rc = resolve_list(ctx, "package.exports", &l->pkg_exports);
    l->inherit_line = actr_toml_line(actr_toml_get(root, "inherit"));
    l->package = l->dependencies = l->acl = NULL; /* they point into root */
    actr_toml_free(root);
    return rc;
}

/* ---- merging (child wins) ---- */

static int append_list(actr_config_strlist_t *to, const actr_config_strlist_t *from)
{
    for (size_t i = 0; i < from->count; i++)
        if (cfg_strlist_push(to, from->items[i]) != 0)
            return ACTR_ENOMEM;
    return 0;
}

/* parent's top-level exports then the child's; parent's dependencies and scripts overlaid by
 * the child's; acl/binary/build from the child or else the parent. Moves from parent. */
static int merge(layer_t *child, layer_t *parent)
{
    actr_project_manifest_t *c = &child->m, *p = &parent->m;
    actr_config_strlist_t exports = {0};
    if (append_list(&exports, &parent->top_exports) != 0 ||
        append_list(&exports, &child->top_exports) != 0) {
        cfg_strlist_free(&exports);
        return ACTR_ENOMEM;
    }
    cfg_strlist_free(&child->top_exports);
    child->top_exports = exports;
    for (size_t i = 0; i < c->scripts.count; i++)
        if (cfg_strmap_set(&p->scripts, c->scripts.keys[i], c->scripts.values[i]) != 0)
            return ACTR_ENOMEM;
    cfg_strmap_free(&c->scripts);
    c->scripts = p->scripts;
    memset(&p->scripts, 0, sizeof p->scripts);
    /* Dependencies: parent's order, a child alias replacing in place, new ones appended. */
    size_t total = p->dependency_count + c->dependency_count;
    actr_manifest_dependency_t *deps = total ? calloc(total, sizeof *deps) : NULL;
    if (total && !deps)
        return ACTR_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < p->dependency_count; i++)
        deps[n++] = p->dependencies[i];
    for (size_t i = 0; i < c->dependency_count; i++) {
        size_t k = 0;
        while (k < n && strcmp(deps[k].alias, c->dependencies[i].alias) != 0)
            k++;
        if (k < n)
            dep_clear(&deps[k]);
        deps[k < n ? k : n++] = c->dependencies[i];
    }
    free(p->dependencies);
    free(c->dependencies);
    p->dependencies = NULL;
    p->dependency_count = 0;
    c->dependencies = deps;
    c->dependency_count = n;
    if (!c->has_acl && p->has_acl) {
        c->acl = p->acl;
        c->has_acl = true;
        memset(&p->acl, 0, sizeof p->acl);
        p->has_acl = false;
    }
    if (!c->has_binary && p->has_binary) {
        c->binary = p->binary;
        c->has_binary = true;
        memset(&p->binary, 0, sizeof p->binary);
        p->has_binary = false;
    }
    if (!c->has_build && p->has_build) {
        c->build = p->build;
        c->has_build = true;
        memcpy(child->build_origin, parent->build_origin, sizeof child->build_origin);
        memset(&p->build, 0, sizeof p->build);
        p->has_build = false;
    }
    return append_list(&c->warnings, &p->warnings);
}

/* ---- inheritance chain ---- */

/* The real paths of the files being loaded, child first: a repeat is a cycle. */
typedef struct chain {
    char *paths[ACTR_MANIFEST_MAX_INHERIT_DEPTH + 1];
    size_t depth;
} chain_t;

static int load_file(const char *path, bool need_package, chain_t *chain, layer_t *out,
                     actr_error_t *err);

/* Reads one document, then its ancestors, merged into out. */
static int load_text(const char *text, size_t len, const char *source, const char *dir,
                     bool need_package, chain_t *chain, layer_t *out, actr_error_t *err)
{
    memset(out, 0, sizeof *out);
    cfg_ctx_t ctx;
    cfg_ctx_init(&ctx, source, dir, &out->m.warnings, err);
    int rc = read_layer(&ctx, text, len, need_package, out);
    if (rc != 0 || !out->inherit)
        return rc;
    char *parent_path = NULL;
    if ((rc = cfg_resolve_path(&ctx, out->inherit, out->inherit_line, "inherit", &parent_path)))
        return rc;
    layer_t parent;
    memset(&parent, 0, sizeof parent);
    if (chain->depth >= ACTR_MANIFEST_MAX_INHERIT_DEPTH)
        rc = cfg_fail(&ctx, ACTR_EINVAL, out->inherit_line, "inherit",
                      "inheritance chain is deeper than %d files", ACTR_MANIFEST_MAX_INHERIT_DEPTH);
    else
        rc = load_file(parent_path, false, chain, &parent, err);
    free(parent_path);
    if (rc != 0) {
        layer_free(&parent);
        return rc;
    }
    if (parent.m.edition != out->m.edition)
        rc = cfg_fail(&ctx, ACTR_EINVAL, out->inherit_line, "inherit",
                      "Edition mismatch in inheritance: parent=%u, child=%u", parent.m.edition,
                      out->m.edition);
    else if (merge(out, &parent) != 0)
        rc = cfg_fail(&ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    layer_free(&parent);
    return rc;
}

static int load_file(const char *path, bool need_package, chain_t *chain, layer_t *out,
                     actr_error_t *err)
{
    memset(out, 0, sizeof *out);
    char *real = realpath(path, NULL);
    for (size_t i = 0; real && i < chain->depth; i++) {
        if (strcmp(chain->paths[i], real) == 0) {
            free(real);
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "%.120s: inherit: inheritance cycle: the file is already being "
                                  "loaded (via `%.80s`)", path, chain->paths[chain->depth - 1]);
        }
    }
    char *text = NULL, *dir = cfg_dirname(path);
    size_t len;
    int rc = dir ? actr_read_file(path, CFG_MAX_FILE_BYTES, &text, &len, err)
                 : actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    if (rc == 0) {
        chain->paths[chain->depth++] = real;
        rc = load_text(text, len, path, dir, need_package, chain, out, err);
        chain->depth--;
    }
    free(real);
    free(text);
    free(dir);
    return rc;
}

/* ---- the merged manifest ---- */

static int set_default(char **slot, const char *value)
{
    return *slot || (*slot = strdup(value)) ? 0 : ACTR_ENOMEM;
}

static int finish(layer_t *l, const char *source, const char *dir, actr_error_t *err)
{
    actr_project_manifest_t *m = &l->m;
    if (m->edition != 1)
        return actr_error_set(err, ACTR_EUNSUPPORTED, ACTR_KIND_CLIENT, 0,
                              "%s: edition: Unsupported config edition: %u (only 1 is supported)",
                              source, m->edition);
    if (m->has_build && !m->has_binary)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "%s: build: [build] requires a [binary] section", l->build_origin);
    if (m->has_build &&
        (set_default(&m->build.tool, "cargo") || set_default(&m->build.manifest_path, "Cargo.toml") ||
         set_default(&m->build.artifact, "lib") || set_default(&m->build.profile, "release")))
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    /* [package].exports wins when non-empty; then every file must be readable. */
    actr_config_strlist_t *chosen = l->pkg_exports.count ? &l->pkg_exports : &l->top_exports;
    for (size_t i = 0; i < chosen->count; i++)
        if (access(chosen->items[i], R_OK) != 0)
            return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, 0,
                                  "%s: exports: Proto file not found: %.160s", source,
                                  chosen->items[i]);
    m->exports = *chosen;
    memset(chosen, 0, sizeof *chosen);
    if (!(m->source = strdup(source)) || !(m->manifest_dir = strdup(dir)))
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    return 0;
}

static int take_result(layer_t *l, const char *source, const char *dir,
                       actr_project_manifest_t *out, actr_error_t *err)
{
    int rc = finish(l, source, dir, err);
    if (rc == 0) {
        *out = l->m;
        memset(&l->m, 0, sizeof l->m);
    }
    layer_free(l);
    return rc;
}

int actr_project_manifest_parse(const char *text, size_t len, const char *source,
                                const char *manifest_dir, actr_project_manifest_t *out,
                                actr_error_t *err)
{
    if (!out || (!text && len))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no text or output given");
    memset(out, 0, sizeof *out);
    source = source ? source : "manifest.toml";
    manifest_dir = manifest_dir ? manifest_dir : ".";
    chain_t chain = {.depth = 0};
    layer_t l;
    int rc = load_text(text ? text : "", len, source, manifest_dir, true, &chain, &l, err);
    if (rc != 0) {
        layer_free(&l);
        return rc;
    }
    return take_result(&l, source, manifest_dir, out, err);
}

int actr_project_manifest_load(const char *path, actr_project_manifest_t *out, actr_error_t *err)
{
    if (!out || !path)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no path or output given");
    memset(out, 0, sizeof *out);
    chain_t chain = {.depth = 0};
    layer_t l;
    int rc = load_file(path, true, &chain, &l, err);
    char *dir = rc == 0 ? cfg_dirname(path) : NULL;
    if (rc == 0 && !dir)
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    if (rc != 0) {
        layer_free(&l);
        return rc;
    }
    rc = take_result(&l, path, dir, out, err);
    free(dir);
    return rc;
}

void actr_project_manifest_free(actr_project_manifest_t *m)
{
    if (!m)
        return;
    layer_t l;
    memset(&l, 0, sizeof l);
    l.m = *m;
    layer_free(&l);
    memset(m, 0, sizeof *m);
}

const actr_manifest_dependency_t *
actr_project_manifest_dependency(const actr_project_manifest_t *m, const char *alias)
{
    for (size_t i = 0; m && alias && i < m->dependency_count; i++)
        if (m->dependencies[i].alias && strcmp(m->dependencies[i].alias, alias) == 0)
            return &m->dependencies[i];
    return NULL;
}

/*
 * pkg_pack.c - `actr pkg pack`: build a signed .actr package from a manifest template and files.
 *
 * The template is read in either of the reference's two shapes:
 *  - a package manifest (platform.md §1.3): top-level manufacturer/name/version and [binary]
 *    with target and the ZIP name in path (default bin/actor.wasm);
 *  - a project manifest (§7.4): [package] with manufacturer/name/version/description/license,
 *    [binary] path = the binary file relative to the manifest, and exports = proto files.
 * Hashes, sizes, signing_key_id, [[resources]], [[proto_files]] and [lock_file] are always
 * computed by libactr's packer from the files given, so a stale template cannot mislead.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "actr/package.h"
#include "base/atomic_file.h"
#include "base/fsutil.h"
#include "codec/toml.h"
#include "pkg.h"

/* The reference CLI stores the binary under this name whatever its kind (§1.2). */
#define DEFAULT_BINARY_ENTRY "bin/actor.wasm"
/* ZIP entries (no zip64) stop at 4 GiB. */
#define MAX_INPUT_BYTES 0xFFFFFFFFull

/* An input file to read: where it is on disk and the ZIP/proto name it gets. */
typedef struct pack_file {
    char *zip_name;  /* owned */
    char *disk_path; /* owned */
    actr_buf_t data;
} pack_file_t;

typedef struct pack_job {
    const cli_command_t *cmd;
    const char *manifest_path;
    actr_toml_value_t *doc;     /* the template; strings of tmpl point into it */
    actr_package_manifest_t tmpl;
    pack_file_t binary;
    pack_file_t *resources, *protos;
    size_t nresources, nprotos;
    pack_file_t lock;
    bool has_lock;
    char *output;
} pack_job_t;

/* ---- template ---- */

/* "manifest.toml:12: `binary.target` must be a string"; returns CLI_EXIT_INVALID. */
static int template_error(const pack_job_t *job, const actr_toml_value_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int template_error(const pack_job_t *job, const actr_toml_value_t *at, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (at)
        cli_error(job->cmd, "%s:%d: %s", job->manifest_path, actr_toml_line(at), what);
    else
        cli_error(job->cmd, "%s: %s", job->manifest_path, what);
    return CLI_EXIT_INVALID;
}

/* Reads table.key as a string into *out (left as is when absent and not required). */
static int tmpl_string(const pack_job_t *job, const actr_toml_value_t *table, const char *label,
                       const char *key, bool required, char **out)
{
    const actr_toml_value_t *v = actr_toml_get(table, key);
    char full[96];
    snprintf(full, sizeof full, "%s%s%s", label, label[0] ? "." : "", key);
    if (!v)
        return required ? template_error(job, table, "missing `%s`", full) : 0;
    const char *s;
    size_t len;
    if (actr_toml_as_string(v, &s, &len) != 0)
        return template_error(job, v, "`%s` must be a string", full);
    if (memchr(s, '\0', len))
        return template_error(job, v, "`%s` contains a NUL character", full);
    *out = (char *)s; /* the packer only reads the template */
    return 0;
}

static int tmpl_table(const pack_job_t *job, const char *key, const actr_toml_value_t **out)
{
    *out = actr_toml_get(job->doc, key);
    if (*out && actr_toml_type(*out) != ACTR_TOML_TABLE)
        return template_error(job, *out, "`%s` must be a table", key);
    return 0;
}

static int parse_kind(pack_job_t *job, const actr_toml_value_t *binary)
{
    char *kind = NULL;
    int rc = tmpl_string(job, binary, "binary", "kind", false, &kind);
    if (rc != 0 || !kind)
        return rc;
    for (int k = ACTR_BINARY_KIND_CORE_MODULE; k <= ACTR_BINARY_KIND_NATIVE_CDYLIB; k++) {
        const char *name = actr_binary_kind_name((actr_binary_kind_t)k);
        if (name && !strcmp(name, kind)) {
            job->tmpl.binary.kind = (actr_binary_kind_t)k;
            return 0;
        }
    }
    return template_error(job, actr_toml_get(binary, "kind"),
                          "`binary.kind` is `%s`; expected core-module, component or "
                          "native-cdylib",
                          kind);
}

/* A project manifest's exports: [package].exports, or the top-level list when that is empty. */
static const actr_toml_value_t *template_exports(const actr_toml_value_t *doc)
{
    const actr_toml_value_t *exports = actr_toml_get(actr_toml_get(doc, "package"), "exports");
    return actr_toml_array_size(exports) ? exports : actr_toml_get(doc, "exports");
}

/* Adds the project manifest's exported protos (paths relative to the manifest) as inputs. */
static int add_exports(pack_job_t *job, const actr_toml_value_t *exports, const char *dir)
{
    if (!exports)
        return 0;
    if (actr_toml_type(exports) != ACTR_TOML_ARRAY)
        return template_error(job, exports, "`%s` must be an array of file names", "exports");
    size_t n = actr_toml_array_size(exports);
    for (size_t i = 0; i < n; i++) {
        const actr_toml_value_t *v = actr_toml_array_at(exports, i);
        const char *s;
        size_t len;
        if (actr_toml_as_string(v, &s, &len) != 0 || memchr(s, '\0', len))
            return template_error(job, v, "`%s` must hold file names", "exports");
        pack_file_t *f = &job->protos[job->nprotos++];
        f->disk_path = s[0] == '/' ? cli_xprintf("%s", s) : cli_path_join(dir, s);
        f->zip_name = cli_xprintf("%s", cli_basename(s));
    }
    return 0;
}

/* Fills job->tmpl (and, for a project manifest, the binary path and exports) from job->doc. */
static int read_template(pack_job_t *job, const char *target_override, bool have_binary)
{
    const actr_toml_value_t *package, *binary, *metadata;
    int rc = tmpl_table(job, "package", &package);
    if (rc == 0)
        rc = tmpl_table(job, "binary", &binary);
    if (rc == 0)
        rc = tmpl_table(job, "metadata", &metadata);
    if (rc != 0)
        return rc;
    actr_package_manifest_t *t = &job->tmpl;
    /* The package manifest has the fields at the top, the project manifest in [package]. */
    const actr_toml_value_t *fields = package ? package : job->doc;
    const char *label = package ? "package" : "";
    const actr_toml_value_t *meta = package ? package : metadata;
    const char *meta_label = package ? "package" : "metadata";
    rc = tmpl_string(job, fields, label, "manufacturer", true, &t->manufacturer);
    if (rc == 0)
        rc = tmpl_string(job, fields, label, "name", true, &t->name);
    if (rc == 0)
        rc = tmpl_string(job, fields, label, "version", true, &t->version);
    if (rc == 0)
        rc = tmpl_string(job, fields, label, "signature_algorithm", false,
                         &t->signature_algorithm);
    if (rc == 0 && meta)
        rc = tmpl_string(job, meta, meta_label, "description", false, &t->description);
    if (rc == 0 && meta)
        rc = tmpl_string(job, meta, meta_label, "license", false, &t->license);
    if (rc != 0)
        return rc;
    if (!binary)
        return template_error(job, NULL, "missing `%s` table", "binary");
    rc = tmpl_string(job, binary, "binary", "target", !target_override, &t->binary.target);
    if (rc == 0)
        rc = parse_kind(job, binary);
    char *path = NULL;
    if (rc == 0)
        rc = tmpl_string(job, binary, "binary", "path", false, &path);
    if (rc != 0)
        return rc;
    if (target_override)
        t->binary.target = (char *)target_override;
    /* The reference CLI marks wasm32-wasip2 builds as components; without kind they would
     * resolve to core-module and be refused at load (§1.4). */
    if (t->binary.kind == ACTR_BINARY_KIND_UNSET && !strcmp(t->binary.target, "wasm32-wasip2"))
        t->binary.kind = ACTR_BINARY_KIND_COMPONENT;
    if (!package) {
        t->binary.path = path ? path : (char *)DEFAULT_BINARY_ENTRY;
        return 0;
    }
    t->binary.path = (char *)DEFAULT_BINARY_ENTRY;
    char *dir = cli_dirname(job->manifest_path);
    if (path && !have_binary)
        job->binary.disk_path = path[0] == '/' ? cli_xprintf("%s", path) : cli_path_join(dir, path);
    rc = add_exports(job, template_exports(job->doc), dir);
    free(dir);
    return rc;
}

/* ---- inputs ---- */

/* --resource ZIPPATH=FILE, or FILE alone for resources/<file name>. */
static void parse_resource(pack_file_t *f, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (eq) {
        f->zip_name = cli_xprintf("%.*s", (int)(eq - spec), spec);
        f->disk_path = cli_xprintf("%s", eq + 1);
    } else {
        f->zip_name = cli_xprintf("resources/%s", cli_basename(spec));
        f->disk_path = cli_xprintf("%s", spec);
    }
}

static void set_file(pack_file_t *f, const char *disk_path, const char *zip_name)
{
    f->disk_path = cli_xprintf("%s", disk_path);
    f->zip_name = cli_xprintf("%s", zip_name);
}

/* The files named on the command line; extra_protos is room for the template's exports. */
static int collect_inputs(pack_job_t *job, const cli_args_t *args, size_t extra_protos)
{
    const cli_values_t *res = cli_list(args, "resource");
    const cli_values_t *protos = cli_list(args, "proto");
    job->resources = calloc(res->count + 1, sizeof *job->resources);
    job->protos = calloc(protos->count + extra_protos + 1, sizeof *job->protos);
    if (!job->resources || !job->protos) {
        cli_error(job->cmd, "out of memory");
        return CLI_EXIT_IO;
    }
    const char *binary = cli_value(args, "binary");
    if (binary)
        job->binary.disk_path = cli_xprintf("%s", binary);
    for (size_t i = 0; i < res->count; i++)
        parse_resource(&job->resources[job->nresources++], res->items[i]);
    for (size_t i = 0; i < protos->count; i++)
        set_file(&job->protos[job->nprotos++], protos->items[i], cli_basename(protos->items[i]));
    const char *lock = cli_value(args, "lock");
    job->has_lock = lock != NULL;
    if (lock)
        set_file(&job->lock, lock, ACTR_PACKAGE_LOCK_ENTRY);
    return 0;
}

/* Calls fn on every input file of the job. */
static int each_file(pack_job_t *job, int (*fn)(pack_job_t *, pack_file_t *, void *), void *ctx)
{
    int rc = fn(job, &job->binary, ctx);
    for (size_t i = 0; rc == 0 && i < job->nresources; i++)
        rc = fn(job, &job->resources[i], ctx);
    for (size_t i = 0; rc == 0 && i < job->nprotos; i++)
        rc = fn(job, &job->protos[i], ctx);
    if (rc == 0 && job->has_lock)
        rc = fn(job, &job->lock, ctx);
    return rc;
}

static int file_failed(const pack_job_t *job, int rc, const actr_error_t *err)
{
    cli_error(job->cmd, "%s", cli_error_text(rc, err));
    return cli_exit_for(rc);
}

static int add_size(pack_job_t *job, pack_file_t *f, void *ctx)
{
    uint64_t size;
    actr_error_t err = {0};
    int rc = cli_file_size(f->disk_path, &size, &err);
    if (rc != 0)
        return file_failed(job, rc, &err);
    *(uint64_t *)ctx += size;
    return 0;
}

static int read_input(pack_job_t *job, pack_file_t *f, void *ctx)
{
    actr_error_t err = {0};
    int rc = cli_read_file(f->disk_path, MAX_INPUT_BYTES, ctx, &f->data, &err);
    return rc ? file_failed(job, rc, &err) : 0;
}

static int read_inputs(pack_job_t *job)
{
    uint64_t total = 0;
    int rc = each_file(job, add_size, &total);
    if (rc != 0)
        return rc;
    if (total > ACTR_PACKAGE_DEFAULT_MAX_TOTAL_BYTES)
        fprintf(stderr,
                "warning: the payload is %llu bytes; verifiers accept at most %llu by default\n",
                (unsigned long long)total,
                (unsigned long long)ACTR_PACKAGE_DEFAULT_MAX_TOTAL_BYTES);
    cli_progress_t progress;
    cli_progress_start(&progress, "reading", total);
    rc = each_file(job, read_input, &progress);
    cli_progress_finish(&progress);
    return rc;
}

/* ---- packing ---- */

static actr_package_input_t *as_inputs(const pack_file_t *files, size_t n)
{
    actr_package_input_t *in = calloc(n + 1, sizeof *in);
    for (size_t i = 0; in && i < n; i++)
        in[i] = (actr_package_input_t){files[i].zip_name, files[i].data.data, files[i].data.len};
    return in;
}

static char *default_output(const pack_job_t *job)
{
    const actr_package_manifest_t *t = &job->tmpl;
    char *dir = cli_dirname(job->manifest_path);
    char *name = cli_xprintf("dist/%s-%s-%s-%s.actr", t->manufacturer, t->name, t->version,
                             t->binary.target);
    char *out = cli_path_join(dir, name);
    free(dir);
    free(name);
    return out;
}

static void print_summary(const pack_job_t *job, const actr_buf_t *pkg, const char *key_id)
{
    const actr_package_manifest_t *t = &job->tmpl;
    printf("packed %s:%s:%s (%s), signed by %s\n", t->manufacturer, t->name, t->version,
           t->binary.target, key_id);
    printf("  output:     %s (%zu bytes)\n", job->output, pkg->len);
    printf("  binary:     %s (%zu bytes, from %s)\n", t->binary.path, job->binary.data.len,
           job->binary.disk_path);
    for (size_t i = 0; i < job->nresources; i++)
        printf("  resource:   %s (%zu bytes)\n", job->resources[i].zip_name,
               job->resources[i].data.len);
    for (size_t i = 0; i < job->nprotos; i++)
        printf("  proto:      proto/%s (%zu bytes)\n", job->protos[i].zip_name,
               job->protos[i].data.len);
    if (job->has_lock)
        printf("  lock file:  %s (%zu bytes)\n", ACTR_PACKAGE_LOCK_ENTRY, job->lock.data.len);
}

static int pack_and_write(pack_job_t *job, const actr_signing_key_t *key, const char *key_id)
{
    actr_package_input_t *res = as_inputs(job->resources, job->nresources);
    actr_package_input_t *protos = as_inputs(job->protos, job->nprotos);
    actr_package_pack_options_t opts = {
        .manifest = &job->tmpl,
        .binary = job->binary.data.data,
        .binary_len = job->binary.data.len,
        .resources = res,
        .resource_count = job->nresources,
        .proto_files = protos,
        .proto_file_count = job->nprotos,
        /* An empty lock file is still a lock file: give the packer a non-NULL pointer. */
        .lock_file = job->has_lock ? (job->lock.data.data ? (const void *)job->lock.data.data : "")
                                   : NULL,
        .lock_file_len = job->lock.data.len,
        .key = key,
    };
    actr_buf_t pkg = ACTR_BUF_INIT;
    actr_error_t err = {0};
    int rc = res && protos ? actr_package_pack(&opts, &pkg, &err) : ACTR_ENOMEM;
    free(res);
    free(protos);
    if (rc != 0) {
        cli_error(job->cmd, "cannot pack: %s", cli_error_text(rc, &err));
        return cli_exit_for_package(rc);
    }
    rc = actr_mkdirs_parent(job->output, 0755, &err);
    if (rc == 0)
        rc = actr_atomic_write_file(job->output, pkg.data, pkg.len, 0644, 1, &err);
    if (rc == 0)
        print_summary(job, &pkg, key_id);
    else
        cli_error(job->cmd, "%s", cli_error_text(rc, &err));
    actr_buf_release(&pkg);
    return rc ? cli_exit_for(rc) : CLI_EXIT_OK;
}

static void free_file(pack_file_t *f)
{
    free(f->disk_path);
    free(f->zip_name);
    actr_buf_release(&f->data);
}

static void job_free(pack_job_t *job)
{
    free_file(&job->binary);
    for (size_t i = 0; job->resources && i < job->nresources; i++)
        free_file(&job->resources[i]);
    for (size_t i = 0; job->protos && i < job->nprotos; i++)
        free_file(&job->protos[i]);
    free_file(&job->lock);
    free(job->resources);
    free(job->protos);
    free(job->output);
    actr_toml_free(job->doc);
}

/* Reads and parses the template, then gathers the inputs from the command line and from it. */
static int load_job(pack_job_t *job, const cli_args_t *args)
{
    actr_buf_t text = ACTR_BUF_INIT;
    actr_error_t err = {0};
    int rc = cli_read_file(job->manifest_path, ACTR_PACKAGE_MANIFEST_MAX_BYTES, NULL, &text, &err);
    if (rc != 0)
        return file_failed(job, rc, &err);
    rc = actr_toml_parse((const char *)text.data, text.len, &job->doc, &err);
    actr_buf_release(&text);
    if (rc != 0) {
        cli_error(job->cmd, "%s: %s", job->manifest_path, cli_error_text(rc, &err));
        return CLI_EXIT_INVALID;
    }
    rc = collect_inputs(job, args, actr_toml_array_size(template_exports(job->doc)));
    if (rc == 0)
        rc = read_template(job, cli_value(args, "target"), job->binary.disk_path != NULL);
    return rc;
}

/* Usage checks that need no file, so a bad command line fails before anything is read. */
static int check_args(const cli_args_t *args)
{
    const cli_values_t *res = cli_list(args, "resource");
    for (size_t i = 0; i < res->count; i++) {
        const char *spec = res->items[i];
        const char *eq = strchr(spec, '=');
        if (spec[0] == '\0' || (eq && (eq == spec || eq[1] == '\0')))
            return cli_usage_error(args->cmd, "--resource wants ZIPPATH=FILE or FILE, got '%s'",
                                   spec);
    }
    return 0;
}

static int run_pack(const cli_args_t *args)
{
    pack_job_t job = {.cmd = args->cmd};
    job.manifest_path = cli_value(args, "manifest");
    if (!job.manifest_path)
        job.manifest_path = "manifest.toml";
    actr_signing_key_t *key = NULL;
    char key_id[ACTR_MFR_KEY_ID_SIZE];
    int rc = check_args(args);
    if (rc == 0)
        rc = load_job(&job, args);
    if (rc == 0 && !job.binary.disk_path)
        rc = cli_usage_error(args->cmd, "no binary: give --binary FILE");
    if (rc == 0)
        rc = pkg_load_signing_key(args, &key, key_id);
    if (rc == 0)
        rc = read_inputs(&job);
    if (rc == 0) {
        const char *out = cli_value(args, "output");
        job.output = out ? cli_xprintf("%s", out) : default_output(&job);
        rc = pack_and_write(&job, key, key_id);
    }
    actr_signing_key_free(key);
    job_free(&job);
    return rc;
}

static const cli_opt_t pack_opts[] = {
    {"manifest", 'm', "manifest-path", CLI_OPT_VALUE, "FILE",
     "manifest template (default ./manifest.toml)"},
    {"binary", 'b', NULL, CLI_OPT_VALUE, "FILE",
     "the workload binary (default: [binary].path of a project manifest)"},
    {"resource", 'r', NULL, CLI_OPT_LIST, "ZIPPATH=FILE",
     "add FILE as entry ZIPPATH (FILE alone: resources/<its name>)"},
    {"proto", 0, NULL, CLI_OPT_LIST, "FILE", "add a .proto file as proto/<its name>"},
    {"lock", 0, NULL, CLI_OPT_VALUE, "FILE", "add a lock file as manifest.lock.toml"},
    {"target", 't', NULL, CLI_OPT_VALUE, "TRIPLE", "override [binary].target"},
    {"key", 'k', NULL, CLI_OPT_VALUE, "KEY.json",
     "manufacturer key file (default ~/.actr/dev-key.json)"},
    {"output", 'o', NULL, CLI_OPT_VALUE, "OUT.actr",
     "package to write (default: see below; replaced atomically)"},
    {NULL},
};

const cli_command_t cli_pkg_pack_cmd = {
    .name = "pack",
    .path = "actr pkg pack",
    .synopsis = "[--manifest manifest.toml] --binary FILE [--resource ZIPPATH=FILE]... "
                "[--proto FILE]... [--lock FILE] [--key KEY.json] [--output OUT.actr]",
    .summary = "build a signed .actr package",
    .description =
        "The template is a package manifest (manufacturer, name, version at the top; [binary]\n"
        "with target, optional path = ZIP name, default bin/actor.wasm, and kind) or a project\n"
        "manifest ([package] table; [binary] path = the binary file; exports = proto files).\n"
        "Hashes, sizes, signing_key_id and the entry lists are computed from the files given;\n"
        "wasm32-wasip2 binaries without a kind are marked kind = \"component\" as the reference\n"
        "does. Every entry is STORED; the manifest is signed with the key; the package is\n"
        "written to a temporary file and renamed into place, by default as\n"
        "dist/{manufacturer}-{name}-{version}-{target}.actr beside the manifest. Inputs of\n"
        "8 MiB or more show a progress bar when stderr is a terminal.\n"
        "\nexit codes: 0 written, 1 invalid template, key or inputs, 2 usage error,\n"
        "3 a file cannot be read or written\n",
    .opts = pack_opts,
    .run = run_pack,
};

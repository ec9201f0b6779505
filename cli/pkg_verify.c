/*
 * pkg_verify.c - `actr pkg verify` (the full authenticity check, through libactr's trust
 * providers) and `actr pkg inspect` (what is inside a package, checked or not).
 *
 * Both build their result as one JSON object and then print it either as JSON (--json) or as
 * text, so the two outputs cannot drift apart.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "actr/package.h"
#include "pkg.h"

/* Largest package file we read into memory (ZIP without zip64 ends at 4 GiB). */
#define MAX_PACKAGE_BYTES 0xFFFFFFFFull

/* ---- shared ---- */

/* --max-bytes, or the reference's defaults. Returns 0 or a usage exit code. */
static int limits_arg(const cli_args_t *args, actr_package_limits_t *limits)
{
    const char *text = cli_value(args, "max-bytes");
    uint64_t n;
    *limits = actr_package_limits_default();
    if (!text)
        return 0;
    if (!cli_parse_size(text, &n))
        return cli_usage_error(args->cmd, "--max-bytes wants a positive size like 128M, got '%s'",
                               text);
    *limits = actr_package_limits_bounded(n);
    return 0;
}

/* Prints a failure that happened before any verdict (file unreadable, bad key file). */
static int report_failure(const cli_args_t *args, const char *message, int exit_code)
{
    if (cli_flag(args, "json")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "valid", false);
        cli_json_add_string(o, "error", message);
        cli_json_print(o);
    }
    cli_error(args->cmd, "%s", message);
    return exit_code;
}

static int read_package(const cli_args_t *args, const char *path, actr_buf_t *pkg)
{
    cli_progress_t progress;
    uint64_t size = 0;
    actr_error_t err = {0};
    int rc = cli_file_size(path, &size, &err);
    if (rc == 0) {
        cli_progress_start(&progress, "reading", size);
        rc = cli_read_file(path, MAX_PACKAGE_BYTES, &progress, pkg, &err);
        cli_progress_finish(&progress);
    }
    return rc ? report_failure(args, cli_error_text(rc, &err), cli_exit_for(rc)) : 0;
}

static int load_pubkey(const cli_args_t *args, const char *path,
                       uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN])
{
    actr_error_t err = {0};
    int rc = actr_pubkey_file_load(path, pub, &err);
    return rc ? report_failure(args, cli_error_text(rc, &err), cli_exit_for(rc)) : 0;
}

/* What verify and inspect both take: the package, --max-bytes and an optional --pubkey. */
typedef struct pkg_target {
    const char *path;
    actr_package_limits_t limits;
    bool has_pub;
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
} pkg_target_t;

/* Reads the options and loads the key. Returns 0 or an exit code (after reporting). */
static int target_args(const cli_args_t *args, pkg_target_t *t)
{
    int rc = pkg_package_arg(args, &t->path);
    if (rc == 0)
        rc = limits_arg(args, &t->limits);
    const char *pubkey_path = cli_value(args, "pubkey");
    t->has_pub = pubkey_path != NULL;
    if (rc == 0 && pubkey_path)
        rc = load_pubkey(args, pubkey_path, t->pub);
    return rc;
}

static void add_type(cJSON *o, const actr_package_manifest_t *m)
{
    cli_json_add_string(o, "manufacturer", m->manufacturer);
    cli_json_add_string(o, "name", m->name);
    cli_json_add_string(o, "version", m->version);
}

/* ---- verify ---- */

/* Verifies under pub, or through the registry when pub is NULL; fills *vp and key_id. */
static int verify_with_trust(const cli_args_t *args, const actr_buf_t *pkg, const uint8_t *pub,
                             const actr_package_limits_t *limits, actr_verified_package_t *vp,
                             char key_id[ACTR_MFR_KEY_ID_SIZE], actr_error_t *err)
{
    if (pub) {
        actr_mfr_key_id(pub, key_id);
        return actr_package_verify(pkg->data, pkg->len, pub, ACTR_ED25519_PUBLIC_KEY_LEN, limits,
                                   vp, err);
    }
    char base[1024];
    if (actr_trust_registry_base_url(cli_value(args, "registry"), base, sizeof base) != 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "registry URL too long");
    actr_registry_trust_options_t opts = {.base_url = base};
    actr_trust_provider_t *trust = NULL;
    int rc = actr_trust_registry_new(&opts, &trust, err);
    if (rc == 0)
        rc = actr_trust_verify(trust, pkg->data, pkg->len, limits, vp, err);
    actr_trust_free(trust);
    /* The registry trust checked that the served key's id is the signed signing_key_id. */
    if (rc == 0)
        snprintf(key_id, ACTR_MFR_KEY_ID_SIZE, "%s", vp->manifest.signing_key_id);
    return rc;
}

static void print_verdict_text(const cJSON *o, const char *path)
{
    const char *declared = cJSON_GetStringValue(cJSON_GetObjectItem(o, "signing_key_id"));
    const char *key_id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "key_id"));
    printf("%s: valid\n  package:  %s:%s:%s (%s)\n  signed by %s\n", path,
           cJSON_GetStringValue(cJSON_GetObjectItem(o, "manufacturer")),
           cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")),
           cJSON_GetStringValue(cJSON_GetObjectItem(o, "version")),
           cJSON_GetStringValue(cJSON_GetObjectItem(o, "target")), key_id);
    if (!declared)
        fprintf(stderr, "warning: the manifest has no signing_key_id; registry trust will "
                        "refuse this package\n");
    else if (strcmp(declared, key_id) != 0)
        fprintf(stderr, "warning: the manifest declares signing_key_id %s, not %s\n", declared,
                key_id);
}

static int run_verify(const cli_args_t *args)
{
    bool has_pub = cli_value(args, "pubkey") != NULL, has_reg = cli_value(args, "registry");
    if (has_pub == has_reg)
        return cli_usage_error(args->cmd, has_pub ? "give --pubkey or --registry, not both"
                                                  : "give the trusted key: --pubkey FILE or "
                                                    "--registry URL");
    pkg_target_t t;
    int rc = target_args(args, &t);
    if (rc != 0)
        return rc;
    const char *path = t.path;
    actr_buf_t pkg = ACTR_BUF_INIT;
    rc = read_package(args, path, &pkg);
    if (rc != 0)
        return rc;
    actr_verified_package_t vp = {0};
    char key_id[ACTR_MFR_KEY_ID_SIZE] = "";
    actr_error_t err = {0};
    rc = verify_with_trust(args, &pkg, has_pub ? t.pub : NULL, &t.limits, &vp, key_id, &err);
    actr_buf_release(&pkg);
    if (rc != 0) {
        char *msg = cli_xprintf("%s: %s", path, cli_error_text(rc, &err));
        int exit_code = report_failure(args, msg, cli_exit_for_package(rc));
        free(msg);
        return exit_code;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "valid", true);
    add_type(o, &vp.manifest);
    cli_json_add_string(o, "target", vp.manifest.binary.target);
    cli_json_add_string(o, "key_id", key_id);
    cli_json_add_string(o, "signing_key_id", vp.manifest.signing_key_id);
    cli_json_add_string(o, "trust", has_pub ? "pubkey" : "registry");
    actr_verified_package_free(&vp);
    if (cli_flag(args, "json")) {
        cli_json_print(o);
    } else {
        print_verdict_text(o, path);
        cJSON_Delete(o);
    }
    return CLI_EXIT_OK;
}

static const cli_opt_t verify_opts[] = {
    {"package", 'p', NULL, CLI_OPT_VALUE, "P.actr", "the package (or give it as the argument)"},
    {"pubkey", 0, NULL, CLI_OPT_VALUE, "FILE",
     "trust this public key: public-key.json or a manufacturer key file"},
    {"registry", 0, NULL, CLI_OPT_VALUE, "URL",
     "trust the MFR registry at URL (GET /mfr/{manufacturer}/verifying_key?key_id=...)"},
    {"max-bytes", 0, NULL, CLI_OPT_VALUE, "SIZE",
     "decompression budget per entry and in total (default 64M)"},
    {"json", 0, NULL, CLI_OPT_FLAG, NULL, "print the verdict as one JSON object on stdout"},
    {NULL},
};

const cli_command_t cli_pkg_verify_cmd = {
    .name = "verify",
    .path = "actr pkg verify",
    .synopsis = "(--package P.actr | P.actr) (--pubkey public-key.json | --registry URL) "
                "[--max-bytes SIZE] [--json]",
    .summary = "verify a package's signature and every hash it lists",
    .description =
        "Runs the reference's verification (platform.md §1.7): manifest.sig is a strict\n"
        "Ed25519 signature of manifest.toml under the trusted key, and the binary, resources,\n"
        "protos and lock file match the SHA-256 the manifest lists. The first failure is\n"
        "reported with its reason, e.g. \"binary hash mismatch: bin/actor.wasm\".\n"
        "With --json stdout gets {\"valid\":true,\"manufacturer\",\"name\",\"version\",\n"
        "\"target\",\"key_id\",\"signing_key_id\",\"trust\"} or {\"valid\":false,\"error\"}.\n"
        "\nexit codes: 0 valid, 1 invalid (or a bad key file), 2 usage error,\n"
        "3 the package or key cannot be read, or the registry cannot be reached\n",
    .opts = verify_opts,
    .max_positional = 1,
    .run = run_verify,
};

/* ---- inspect ---- */

typedef struct inspect {
    const cli_args_t *args;
    const actr_buf_t *pkg;
    const uint8_t *pub; /* --pubkey, or NULL */
    zip_t *zip;
    actr_package_limits_t limits;
    uint64_t budget;   /* bytes still allowed to be hashed, so a hostile manifest listing */
    uint32_t hashable; /* one big entry many times cannot make us inflate it endlessly */
    bool ok; /* no problem found so far */
} inspect_t;

static const char *method_name(zip_uint16_t method, char *buf, size_t cap)
{
    if (method == ZIP_CM_STORE)
        return "stored";
    if (method == ZIP_CM_DEFLATE)
        return "deflated";
    snprintf(buf, cap, "method %u", (unsigned)method);
    return buf;
}

static cJSON *list_entries(inspect_t *in)
{
    cJSON *entries = cJSON_CreateArray();
    zip_int64_t n = zip_get_num_entries(in->zip, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        zip_stat_t st;
        if (zip_stat_index(in->zip, (zip_uint64_t)i, 0, &st) != 0)
            continue;
        char buf[32];
        cJSON *e = cJSON_CreateObject();
        cli_json_add_string(e, "name", st.name);
        cli_json_add_string(e, "method", method_name(st.comp_method, buf, sizeof buf));
        cJSON_AddNumberToObject(e, "compressed_size", (double)st.comp_size);
        cJSON_AddNumberToObject(e, "size", (double)st.size);
        cJSON_AddItemToArray(entries, e);
    }
    return entries;
}

/* SHA-256 of an entry as lowercase hex, or a reason in status. */
static bool hash_entry(inspect_t *in, const char *path, char hex[2 * ACTR_SHA256_LEN + 1],
                       const char **status)
{
    zip_int64_t idx = zip_name_locate(in->zip, path, ZIP_FL_ENC_RAW);
    zip_stat_t st;
    if (idx < 0 || zip_stat_index(in->zip, (zip_uint64_t)idx, 0, &st) != 0) {
        *status = "missing";
        return false;
    }
    if (st.size > in->limits.max_entry_bytes || st.size > in->budget || in->hashable == 0) {
        *status = "not hashed: over the budget (see --max-bytes)";
        return false;
    }
    in->hashable--;
    uint64_t allowed = in->budget;
    zip_file_t *f = zip_fopen_index(in->zip, (zip_uint64_t)idx, 0);
    actr_sha256_ctx_t ctx = {0};
    bool good = f && actr_sha256_init(&ctx) == 0;
    uint64_t total = 0;
    uint8_t chunk[16 * 1024];
    for (zip_int64_t got = 1; good && got > 0;) {
        got = zip_fread(f, chunk, sizeof chunk);
        total += got > 0 ? (uint64_t)got : 0;
        good = got >= 0 && total <= allowed && total <= in->limits.max_entry_bytes &&
               (got == 0 || actr_sha256_update(&ctx, chunk, (size_t)got) == 0);
    }
    in->budget -= total < allowed ? total : allowed;
    uint8_t digest[ACTR_SHA256_LEN];
    good = good && actr_sha256_final(&ctx, digest) == 0;
    actr_sha256_discard(&ctx);
    if (f)
        zip_fclose(f);
    if (!good) {
        *status = "unreadable";
        return false;
    }
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    *status = "ok";
    return true;
}

static void add_hash(inspect_t *in, cJSON *hashes, const char *role, const char *path,
                     const char *declared)
{
    char hex[2 * ACTR_SHA256_LEN + 1];
    const char *status;
    bool computed = hash_entry(in, path, hex, &status);
    if (computed && strcmp(hex, declared) != 0)
        status = "mismatch";
    if (strcmp(status, "ok") != 0)
        in->ok = false;
    cJSON *h = cJSON_CreateObject();
    cli_json_add_string(h, "role", role);
    cli_json_add_string(h, "path", path);
    cli_json_add_string(h, "declared", declared);
    cli_json_add_string(h, "computed", computed ? hex : NULL);
    cli_json_add_string(h, "status", status);
    cJSON_AddItemToArray(hashes, h);
}

static cJSON *check_hashes(inspect_t *in, const actr_package_manifest_t *m)
{
    cJSON *hashes = cJSON_CreateArray();
    add_hash(in, hashes, "binary", m->binary.path, m->binary.hash);
    for (size_t i = 0; i < m->resource_count; i++)
        add_hash(in, hashes, "resource", m->resources[i].path, m->resources[i].hash);
    for (size_t i = 0; i < m->proto_file_count; i++)
        add_hash(in, hashes, "proto", m->proto_files[i].path, m->proto_files[i].hash);
    if (m->has_lock_file)
        add_hash(in, hashes, "lock_file", m->lock_file.path, m->lock_file.hash);
    return hashes;
}

static cJSON *describe_manifest(const actr_package_manifest_t *m)
{
    cJSON *o = cJSON_CreateObject();
    add_type(o, m);
    cli_json_add_string(o, "signature_algorithm", m->signature_algorithm);
    cli_json_add_string(o, "signing_key_id", m->signing_key_id);
    cJSON *b = cJSON_AddObjectToObject(o, "binary");
    cli_json_add_string(b, "path", m->binary.path);
    cli_json_add_string(b, "target", m->binary.target);
    cli_json_add_string(b, "kind", actr_binary_kind_name(m->binary.kind));
    cli_json_add_string(b, "resolved_kind", actr_binary_kind_name(actr_package_resolved_kind(m)));
    if (m->binary.has_size)
        cJSON_AddNumberToObject(b, "size", (double)m->binary.size);
    else
        cJSON_AddNullToObject(b, "size");
    cli_json_add_string(o, "description", m->description);
    cli_json_add_string(o, "license", m->license);
    return o;
}

/* "not checked" without --pubkey (after checking manifest.sig is there), else the verdict. */
static void check_signature(inspect_t *in, cJSON *report)
{
    cJSON *sig = cJSON_AddObjectToObject(report, "signature");
    actr_error_t err = {0};
    uint8_t raw[ACTR_ED25519_SIGNATURE_LEN];
    int rc = actr_package_read_signature(in->pkg->data, in->pkg->len, raw, &err);
    if (rc == 0 && !in->pub) {
        cli_json_add_string(sig, "status", "not checked");
        return;
    }
    if (rc == 0) {
        char key_id[ACTR_MFR_KEY_ID_SIZE];
        actr_mfr_key_id(in->pub, key_id);
        cli_json_add_string(sig, "key_id", key_id);
        actr_verified_package_t vp = {0};
        rc = actr_package_verify(in->pkg->data, in->pkg->len, in->pub, ACTR_ED25519_PUBLIC_KEY_LEN,
                                 &in->limits, &vp, &err);
        actr_verified_package_free(&vp);
    }
    cli_json_add_string(sig, "status", rc == 0 ? "valid" : "invalid");
    if (rc != 0) {
        cli_json_add_string(sig, "error", cli_error_text(rc, &err));
        in->ok = false;
    }
}

static const char *str_or(const cJSON *o, const char *key, const char *fallback)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
    return s ? s : fallback;
}

static void print_manifest_text(const cJSON *m)
{
    static const char *const keys[] = {"manufacturer", "name", "version", "signature_algorithm",
                                       "signing_key_id", "description", "license"};
    printf("manifest\n");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        printf("  %-20s %s\n", keys[i], str_or(m, keys[i], "-"));
    const cJSON *b = cJSON_GetObjectItem(m, "binary");
    printf("  %-20s %s\n  %-20s %s\n", "binary.path", str_or(b, "path", "-"), "binary.target",
           str_or(b, "target", "-"));
    if (cJSON_GetStringValue(cJSON_GetObjectItem(b, "kind")))
        printf("  %-20s %s\n", "binary.kind", str_or(b, "kind", "-"));
    else
        printf("  %-20s - (resolves to %s)\n", "binary.kind", str_or(b, "resolved_kind", "-"));
    const cJSON *size = cJSON_GetObjectItem(b, "size");
    if (cJSON_IsNumber(size))
        printf("  %-20s %.0f\n", "binary.size", size->valuedouble);
}

static void print_inspect_text(const cJSON *r)
{
    printf("package  %s (%.0f bytes)\n", str_or(r, "package", "?"),
           cJSON_GetObjectItem(r, "size")->valuedouble);
    const cJSON *item;
    if (cJSON_IsObject(cJSON_GetObjectItem(r, "manifest")))
        print_manifest_text(cJSON_GetObjectItem(r, "manifest"));
    else if (cJSON_GetObjectItem(r, "manifest_error"))
        printf("manifest\n  unreadable: %s\n", str_or(r, "manifest_error", "?"));
    printf("entries\n  %-40s %-9s %12s %12s\n", "name", "method", "compressed", "size");
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(r, "entries"))
    {
        printf("  %-40s %-9s %12.0f %12.0f\n", str_or(item, "name", "?"),
               str_or(item, "method", "?"),
               cJSON_GetObjectItem(item, "compressed_size")->valuedouble,
               cJSON_GetObjectItem(item, "size")->valuedouble);
    }
    if (cJSON_GetObjectItem(r, "hashes"))
        printf("hashes (SHA-256, declared in the manifest / computed from the entry)\n");
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(r, "hashes"))
    {
        printf("  %-9s %s: %s\n", str_or(item, "role", "?"), str_or(item, "path", "?"),
               str_or(item, "status", "?"));
        printf("            declared %s\n            computed %s\n", str_or(item, "declared", "-"),
               str_or(item, "computed", "-"));
    }
    const cJSON *sig = cJSON_GetObjectItem(r, "signature");
    if (sig) {
        const char *status = str_or(sig, "status", "?");
        printf("signature  %s", status);
        if (!strcmp(status, "not checked"))
            printf(" (give --pubkey FILE to check it)");
        else if (!strcmp(status, "valid"))
            printf(" (key %s)", str_or(sig, "key_id", "?"));
        else
            printf(": %s", str_or(sig, "error", "?"));
        putchar('\n');
    }
}

static zip_t *open_zip(const actr_buf_t *pkg, char *why, size_t cap)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(pkg->data, pkg->len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!z) {
        snprintf(why, cap, "not a ZIP archive: %s", zip_error_strerror(&ze));
        zip_source_free(src);
    }
    zip_error_fini(&ze);
    return z;
}

/* Fills the report: entries, manifest, hashes, signature. */
static void build_report(inspect_t *in, cJSON *report)
{
    char why[256];
    in->zip = open_zip(in->pkg, why, sizeof why);
    if (!in->zip) {
        cli_json_add_string(report, "zip_error", why);
        in->ok = false;
        return;
    }
    cJSON_AddItemToObject(report, "entries", list_entries(in));
    actr_package_manifest_t m = {0};
    actr_error_t err = {0};
    int rc = actr_package_read_manifest(in->pkg->data, in->pkg->len, &m, &err);
    if (rc != 0) {
        cJSON_AddNullToObject(report, "manifest");
        cli_json_add_string(report, "manifest_error", cli_error_text(rc, &err));
        in->ok = false;
    } else {
        cJSON_AddItemToObject(report, "manifest", describe_manifest(&m));
        cJSON_AddItemToObject(report, "hashes", check_hashes(in, &m));
    }
    actr_package_manifest_free(&m);
    check_signature(in, report);
    zip_discard(in->zip);
}

static int run_inspect(const cli_args_t *args)
{
    pkg_target_t t;
    int rc = target_args(args, &t);
    if (rc != 0)
        return rc;
    actr_buf_t pkg = ACTR_BUF_INIT;
    rc = read_package(args, t.path, &pkg);
    if (rc != 0)
        return rc;
    inspect_t in = {.args = args,
                    .pkg = &pkg,
                    .pub = t.has_pub ? t.pub : NULL,
                    .limits = t.limits,
                    .budget = t.limits.max_total_bytes,
                    .hashable = t.limits.max_entries,
                    .ok = true};
    cJSON *report = cJSON_CreateObject();
    cli_json_add_string(report, "package", t.path);
    cJSON_AddNumberToObject(report, "size", (double)pkg.len);
    build_report(&in, report);
    actr_buf_release(&pkg);
    cJSON_AddBoolToObject(report, "ok", in.ok);
    if (cli_flag(args, "json")) {
        cli_json_print(report);
    } else {
        print_inspect_text(report);
        cJSON_Delete(report);
    }
    return in.ok ? CLI_EXIT_OK : CLI_EXIT_INVALID;
}

static const cli_opt_t inspect_opts[] = {
    {"package", 'p', NULL, CLI_OPT_VALUE, "P.actr", "the package (or give it as the argument)"},
    {"pubkey", 0, NULL, CLI_OPT_VALUE, "FILE", "also check the signature under this key"},
    {"max-bytes", 0, NULL, CLI_OPT_VALUE, "SIZE",
     "hashing budget per entry and in total, as for verify (default 64M)"},
    {"json", 0, NULL, CLI_OPT_FLAG, NULL, "print the report as one JSON object on stdout"},
    {NULL},
};

const cli_command_t cli_pkg_inspect_cmd = {
    .name = "inspect",
    .path = "actr pkg inspect",
    .synopsis = "P.actr [--pubkey public-key.json] [--max-bytes SIZE] [--json]",
    .summary = "show a package's manifest, entries, hashes and signature status",
    .description =
        "Reads the package without trusting it: the manifest fields, every ZIP entry (name,\n"
        "compression method, compressed and uncompressed size), each listed entry's SHA-256 as\n"
        "declared and as computed, and the signature: \"not checked\" unless --pubkey is given.\n"
        "With --json stdout gets {\"package\",\"size\",\"entries\",\"manifest\",\"hashes\",\n"
        "\"signature\":{\"status\",...},\"ok\"}.\n"
        "\nexit codes: 0 nothing wrong found, 1 a problem (not a ZIP, unreadable manifest,\n"
        "missing or mismatching entry, missing signature, or an invalid one with --pubkey),\n"
        "2 usage error, 3 the package or key cannot be read\n",
    .opts = inspect_opts,
    .max_positional = 1,
    .run = run_inspect,
};

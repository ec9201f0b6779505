/*
 * pkg_tool - a small driver of the package API for shell tests that check our packages against
 * standard tools (zip, unzip, openssl, sha256sum):
 *   pkg_tool verify PKG PUBKEY           PUBKEY: 32 raw bytes or a public-key.json
 *   pkg_tool pack OUT SEED BINARY [--resource NAME=FILE]... [--proto NAME=FILE]... [--lock FILE]
 *                                        SEED: 32 raw bytes (an Ed25519 private key's seed)
 * verify prints "manufacturer:name:version binary=PATH" and exits 0, or prints the error and
 * exits 1. pack writes a package for acme:EchoService:1.0.0, wasm32-wasip2, component.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/package.h"

#define MAX_INPUTS 16

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096;
    *len = 0;
    *data = malloc(cap);
    size_t n;
    while (*data && (n = fread(*data + *len, 1, cap - *len, f)) > 0) {
        *len += n;
        if (*len == cap) {
            uint8_t *bigger = realloc(*data, cap *= 2);
            if (!bigger) {
                free(*data);
                *data = NULL;
            }
            *data = bigger;
        }
    }
    fclose(f);
    return *data ? 0 : -1;
}

static int load_pubkey(const char *path, uint8_t pub[32])
{
    uint8_t *data;
    size_t len;
    if (read_file(path, &data, &len) != 0)
        return -1;
    int rc = -1;
    actr_error_t err;
    if (len == 32) {
        memcpy(pub, data, 32);
        rc = 0;
    } else if (actr_pubkey_file_parse((const char *)data, len, path, pub, &err) == 0) {
        rc = 0;
    } else {
        fprintf(stderr, "%s\n", err.message);
    }
    free(data);
    return rc;
}

static int cmd_verify(const char *pkg_path, const char *key_path)
{
    uint8_t *pkg, pub[32];
    size_t len;
    if (read_file(pkg_path, &pkg, &len) != 0 || load_pubkey(key_path, pub) != 0) {
        fprintf(stderr, "cannot read %s or %s\n", pkg_path, key_path);
        return 2;
    }
    actr_verified_package_t vp;
    actr_error_t err;
    int rc = actr_package_verify(pkg, len, pub, sizeof pub, NULL, &vp, &err);
    free(pkg);
    if (rc != 0) {
        printf("error %s: %s\n", actr_err_name(rc), err.message);
        return 1;
    }
    printf("%s:%s:%s binary=%s\n", vp.manifest.manufacturer, vp.manifest.name,
           vp.manifest.version, vp.manifest.binary.path);
    actr_verified_package_free(&vp);
    return 0;
}

/* "NAME=FILE" into an input whose data is read from FILE. */
static int parse_input(const char *arg, actr_package_input_t *in)
{
    const char *eq = strchr(arg, '=');
    uint8_t *data;
    size_t len;
    if (!eq || read_file(eq + 1, &data, &len) != 0)
        return -1;
    in->path = strndup(arg, (size_t)(eq - arg));
    in->data = data;
    in->len = len;
    return 0;
}

static void free_inputs(actr_package_input_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)in[i].path);
        free((void *)in[i].data);
    }
}

static int cmd_pack(int argc, char **argv)
{
    uint8_t *seed, *bin, *lock = NULL;
    size_t seed_len, bin_len, lock_len = 0;
    if (read_file(argv[1], &seed, &seed_len) != 0 || read_file(argv[2], &bin, &bin_len) != 0) {
        fprintf(stderr, "cannot read the seed or the binary\n");
        return 2;
    }
    actr_package_input_t res[MAX_INPUTS], protos[MAX_INPUTS];
    size_t nres = 0, nprotos = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
        int bad = 1;
        if (strcmp(argv[i], "--resource") == 0 && nres < MAX_INPUTS)
            bad = parse_input(argv[i + 1], &res[nres++]);
        else if (strcmp(argv[i], "--proto") == 0 && nprotos < MAX_INPUTS)
            bad = parse_input(argv[i + 1], &protos[nprotos++]);
        else if (strcmp(argv[i], "--lock") == 0 && !lock)
            bad = read_file(argv[i + 1], &lock, &lock_len);
        if (bad) {
            fprintf(stderr, "bad argument %s %s\n", argv[i], argv[i + 1]);
            return 2;
        }
    }
    actr_signing_key_t *key = NULL;
    if (actr_signing_key_from_seed(seed, seed_len, &key) != 0) {
        fprintf(stderr, "the seed must be 32 bytes\n");
        return 2;
    }
    actr_package_manifest_t m = {
        .manufacturer = "acme", .name = "EchoService", .version = "1.0.0",
        .binary = {.path = "bin/actor.wasm", .target = "wasm32-wasip2",
                   .kind = ACTR_BINARY_KIND_COMPONENT},
    };
    actr_package_pack_options_t o = {
        .manifest = &m, .binary = bin, .binary_len = bin_len,
        .resources = res, .resource_count = nres, .proto_files = protos,
        .proto_file_count = nprotos, .lock_file = lock, .lock_file_len = lock_len, .key = key,
    };
    actr_error_t err;
    int rc = actr_package_pack_file(&o, argv[0], true, &err);
    if (rc != 0)
        fprintf(stderr, "pack: %s\n", err.message);
    actr_signing_key_free(key);
    free_inputs(res, nres);
    free_inputs(protos, nprotos);
    free(seed);
    free(bin);
    free(lock);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "verify") == 0)
        return cmd_verify(argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "pack") == 0)
        return cmd_pack(argc - 2, argv + 2);
    fprintf(stderr, "usage: pkg_tool verify PKG PUBKEY | pack OUT SEED BINARY [options]\n");
    return 2;
}

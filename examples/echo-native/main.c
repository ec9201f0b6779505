/*
 * echo-native - hosts a signed echo package in-process and calls it once.
 *
 *   echo-native PACKAGE.actr PUBLIC_KEY.json ["message"]
 *
 * The package (built from examples/echo-native/guest/echo_service.c: a native shared library in
 * build/guests/echo-native.actr, or the same source as a wasm32 core module in
 * build/guests/echo-wasm.actr) is verified with the public key, attached to a node (the engine
 * follows the package's binary.target), given a local identity, started, and asked to echo.
 * Uses only the public API (libactr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/package.h"
#include "actr/ref.h"

#define ECHO_ROUTE "echo.EchoService.Echo"
#define PACKAGE_MAX (64L * 1024 * 1024)

/* Reads a whole file (at most PACKAGE_MAX bytes). */
static int read_file(const char *path, void **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    void *buf = n >= 0 && n <= PACKAGE_MAX ? malloc(n ? (size_t)n : 1) : NULL;
    int rc = -1;
    if (buf && fseek(f, 0, SEEK_SET) == 0 && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *data = buf;
        *len = (size_t)n;
        rc = 0;
    } else {
        free(buf);
    }
    fclose(f);
    return rc;
}

static int fail(const char *what, const actr_error_t *err)
{
    fprintf(stderr, "echo-native: %s: %s\n", what, err->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: echo-native PACKAGE.actr PUBLIC_KEY.json [message]\n");
        return 2;
    }
    const char *message = argc > 3 ? argv[3] : "Hello from a package";
    actr_error_t err = {0};
    void *pkg;
    size_t pkg_len;
    if (read_file(argv[1], &pkg, &pkg_len) != 0) {
        fprintf(stderr, "echo-native: cannot read %s\n", argv[1]);
        return 1;
    }
    actr_trust_provider_t *trust;
    if (actr_trust_static_from_file(argv[2], &trust, &err) != 0) {
        free(pkg);
        return fail("trust", &err);
    }
    actr_hyper_options_t opts;
    actr_hyper_options_init(&opts);
    opts.trust = trust;
    opts.workers = 2;
    actr_hyper_t *hyper;
    if (actr_hyper_new(&opts, &hyper, &err) != 0) {
        actr_trust_free(trust);
        free(pkg);
        return fail("hyper", &err);
    }
    int status = 1;
    actr_node_t *node = NULL;
    actr_ref_t *ref;
    if (actr_node_new(hyper, NULL, &node, &err) != 0)
        fail("node", &err);
    else if (actr_node_attach(node, pkg, pkg_len, &err) != 0)
        fail("attach", &err);
    else if (actr_node_register_local(node, 1, 0, &err) != 0)
        fail("register", &err);
    else if (actr_node_start(node, &ref, &err) != 0)
        fail("start", &err);
    else {
        actr_buf_t req = actr_buf_static(message, strlen(message)), reply;
        if (actr_ref_call(ref, NULL, ECHO_ROUTE, &req, ACTR_CALL_TIMEOUT_MS, &reply, &err) != 0) {
            fail("call", &err);
        } else {
            printf("[Received reply] %.*s\n", (int)reply.len, (const char *)reply.data);
            actr_buf_release(&reply);
            status = 0;
        }
    }
    free(pkg); /* attach does not keep the package bytes */
    actr_node_free(node);
    actr_hyper_free(hyper);
    actr_trust_free(trust);
    return status;
}

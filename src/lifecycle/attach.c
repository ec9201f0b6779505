/*
 * attach.c - actr_node_attach(): a signed package becomes the node's workload (spec:
 * platform.md §8.5, engines.md §1.2). Verify with the hyper's trust provider first; only then
 * read the manifest, pick the engine from binary.target / binary.kind and hand the verified
 * binary to it (the dynclib engine extracts it to its cache only now).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "actr/node.h"
#include "actr/package.h"
#include "engine/dynclib/dynclib.h"
#include "engine/wasm/workload.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote.h"

/* The reference's max_component_bytes: the package budget of verification and extraction. */
#define ATTACH_MAX_BYTES (64ull * 1024 * 1024)

typedef struct binary_source {
    const actr_verified_package_t *vp;
    const void *pkg;
    size_t len;
} binary_source_t;

/* Reads the binary from the verified package (its hash is checked again on the way). */
static int read_binary(void *arg, actr_buf_t *out, actr_error_t *err)
{
    const binary_source_t *s = arg;
    return actr_verified_package_read(s->vp, s->pkg, s->len, s->vp->manifest.binary.path,
                                      ATTACH_MAX_BYTES, out, err);
}

static int attach_dynclib(actr_node_t *node, const actr_verified_package_t *vp, const void *pkg,
                          size_t len, const actr_type_t *type, actr_workload_t *wl,
                          actr_error_t *err)
{
    const char *data_dir = actr_hyper_data_dir(node->hyper);
    char cache_dir[4096];
    if (data_dir) {
        int n = snprintf(cache_dir, sizeof cache_dir, "%s/dynclib-cache", data_dir);
        if (n < 0 || (size_t)n >= sizeof cache_dir)
            return actr_error_set(err, ACTR_ERANGE, ACTR_KIND_CLIENT, 0,
                                  "attach: data_dir is too long");
    }
    binary_source_t src = {vp, pkg, len};
    actr_dynclib_options_t o = {.hash_hex = vp->manifest.binary.hash,
                                .read_binary = read_binary,
                                .read_arg = &src,
                                .cache_dir = data_dir ? cache_dir : NULL,
                                .type = type};
    return actr_dynclib_workload_new(&o, wl, err);
}

/* Our WASM engine runs core modules with our ABI (docs/ENGINES.md §4), not components. */
static int attach_wasm(actr_node_t *node, const actr_verified_package_t *vp, const void *pkg,
                       size_t len, const actr_type_t *type, actr_workload_t *wl,
                       actr_error_t *err)
{
    const actr_package_manifest_t *m = &vp->manifest;
    if (actr_package_resolved_kind(m) != ACTR_BINARY_KIND_CORE_MODULE)
        return actr_error_set(err, ACTR_EUNSUPPORTED, ACTR_KIND_CLIENT, ACTR_WIRE_NOT_IMPLEMENTED,
                              "attach: package %s:%s:%s is a WebAssembly %s; this runtime runs "
                              "wasm core modules (binary.kind = \"core-module\", "
                              "docs/ENGINES.md)",
                              m->manufacturer, m->name, m->version,
                              actr_binary_kind_name(m->binary.kind)
                                  ? actr_binary_kind_name(m->binary.kind) : "component");
    binary_source_t src = {vp, pkg, len};
    actr_buf_t bin;
    int rc = read_binary(&src, &bin, err);
    if (rc != 0)
        return rc;
    /* The node's [hyper.wasm] limits when it has a config; the engine's defaults otherwise. */
    const actr_wasm_limits_t *limits = node->config ? &node->config->hyper.wasm : NULL;
    rc = actr_wasm_workload_new_typed(bin.data, bin.len, limits, type, wl, err);
    actr_buf_release(&bin);
    return rc;
}

/* What PACKAGE-mode registration sends (platform.md §8.7): the exact signed manifest bytes,
 * the signature and the target. Owned by the node (freed by actr_node_free). */
static actr_remote_package_t *registration_of(const actr_verified_package_t *vp)
{
    actr_remote_package_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->manifest_raw = malloc(vp->manifest_raw.len ? vp->manifest_raw.len : 1);
    p->target = strdup(vp->manifest.binary.target);
    if (!p->manifest_raw || !p->target) {
        free(p->manifest_raw);
        free(p->target);
        free(p);
        return NULL;
    }
    if (vp->manifest_raw.len)
        memcpy(p->manifest_raw, vp->manifest_raw.data, vp->manifest_raw.len);
    p->manifest_raw_len = vp->manifest_raw.len;
    memcpy(p->mfr_signature, vp->signature, sizeof p->mfr_signature);
    return p;
}

static int load_workload(actr_node_t *node, const actr_verified_package_t *vp, const void *pkg,
                         size_t len, const actr_type_t *type, actr_workload_t *wl,
                         actr_error_t *err)
{
    const actr_package_manifest_t *m = &vp->manifest;
    if (actr_package_is_wasm_target(m))
        return attach_wasm(node, vp, pkg, len, type, wl, err);
    if (actr_dynclib_target_compatible(m->binary.target))
        return attach_dynclib(node, vp, pkg, len, type, wl, err);
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                          "attach: unsupported binary target `%s` for host `%s`; expected "
                          "`wasm32-*` or a native target matching this host",
                          m->binary.target, actr_dynclib_host_triple());
}

int actr_node_attach(actr_node_t *node, const void *package, size_t len, actr_error_t *err)
{
    if (!node || (!package && len))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "attach: node and package are required");
    actr_node_state_t st = actr_node_state(node);
    if (st != ACTR_NODE_INIT)
        return actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, 0,
                              "attach needs a node in init, not %s", actr_node_state_name(st));
    const actr_trust_provider_t *trust = node->hyper->opts.trust;
    if (!trust)
        return actr_error_set(err, ACTR_EPERM, ACTR_KIND_CLIENT, ACTR_WIRE_PERMISSION_DENIED,
                              "attach: the hyper has no trust provider, so no package can be "
                              "verified (actr_hyper_options_t.trust)");
    /* Nothing from the package is used before this succeeds. */
    actr_verified_package_t vp;
    actr_package_limits_t limits = actr_package_limits_bounded(ATTACH_MAX_BYTES);
    int rc = actr_trust_verify(trust, package, len, &limits, &vp, err);
    if (rc != 0)
        return rc;
    actr_type_t type;
    actr_workload_t wl;
    actr_remote_package_t *reg = registration_of(&vp);
    rc = reg ? actr_package_manifest_type(&vp.manifest, &type, err)
             : actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    if (rc == 0)
        rc = load_workload(node, &vp, package, len, &type, &wl, err);
    if (rc != 0 && reg) {
        free(reg->manifest_raw);
        free(reg->target);
        free(reg);
    }
    if (rc == 0) {
        char type_text[ACTR_TYPE_STR_SIZE];
        actr_type_format(&type, type_text, sizeof type_text, NULL);
        actr_log(ACTR_LOG_INFO, "runtime", "package attached", ACTR_KV("type", type_text),
                 ACTR_KV("target", vp.manifest.binary.target));
        node->workload = wl;
        node->linked = true; /* the node destroys it like a linked workload */
        node->id.type = type; /* the actor type comes from the verified manifest */
        node->has_type = true;
        node->package = reg; /* register() then uses PACKAGE mode */
        actr_node_set_state(node, ACTR_NODE_ATTACHED);
    }
    actr_verified_package_free(&vp);
    return rc;
}

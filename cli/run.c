/*
 * run.c - `actr run`: hosts a signed package as a registered node (spec: engines.md §8 step 7,
 * platform.md §8): read actr.toml, build its trust provider, create the hyper, attach the
 * package (the engine follows binary.target), register with AIS, start, and run until SIGINT or
 * SIGTERM, then shut down cleanly.
 *
 * Registration needs the node's AIS integration (actr_node_register); until it lands, the
 * command stops there with its error (exit 1) after everything before it was checked.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/config.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/package.h"
#include "cli.h"
#include "run.h"

#define RUN_PACKAGE_MAX (64ull * 1024 * 1024)

/* The reference's dev_only: a trust that accepts no package at all. */
static int reject_all(void *self, const void *pkg, size_t len, const actr_package_limits_t *l,
                      actr_verified_package_t *out, actr_error_t *err)
{
    return actr_error_set(err, ACTR_ESIGNATURE, ACTR_KIND_CLIENT, 0,
                          "signature verification failed: dev_only trust accepts no package");
}

static const actr_trust_vtable_t REJECT_ALL = {.name = "dev_only", .verify = reject_all};

/* One provider for an anchor (platform.md §7.2). */
static int provider_for(const actr_trust_anchor_t *a, actr_trust_provider_t **out,
                        actr_error_t *err)
{
    uint8_t key[32];
    int rc;
    switch (a->kind) {
    case ACTR_TRUST_STATIC:
    case ACTR_TRUST_DEV:
        rc = actr_trust_anchor_load_key(a, key, err);
        return rc != 0 ? rc : actr_trust_static_new(key, sizeof key, out, err);
    case ACTR_TRUST_REGISTRY: {
        char base[2048];
        if (actr_trust_registry_base_url(a->endpoint, base, sizeof base) != 0)
            return actr_error_set(err, ACTR_ERANGE, ACTR_KIND_CLIENT, 0,
                                  "%s: registry endpoint too long", a->origin);
        actr_registry_trust_options_t o = {.base_url = base};
        return actr_trust_registry_new(&o, out, err);
    }
    case ACTR_TRUST_DEV_ONLY:
        *out = malloc(sizeof **out);
        if (!*out)
            return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        **out = (actr_trust_provider_t){&REJECT_ALL, NULL};
        return 0;
    }
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s: unknown trust kind",
                          a->origin);
}

/* The configured anchors as one provider (several: a chain, first match wins). */
static int build_trust(const actr_runtime_config_t *cfg, actr_trust_provider_t **out,
                       actr_error_t *err)
{
    const actr_trust_anchor_t *anchors;
    size_t n;
    int rc = actr_runtime_config_trust_anchors(cfg, &anchors, &n, err);
    if (rc != 0)
        return rc;
    if (n == 1)
        return provider_for(&anchors[0], out, err);
    actr_trust_provider_t **list = calloc(n, sizeof *list);
    if (!list)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    size_t made = 0;
    while (rc == 0 && made < n && (rc = provider_for(&anchors[made], &list[made], err)) == 0)
        made++;
    if (rc == 0) {
        rc = actr_trust_chain_new(list, n, out, err); /* owns the providers from here on */
        free(list);
        return rc;
    }
    for (size_t i = 0; i < made; i++)
        actr_trust_free(list[i]);
    free(list);
    return rc;
}

/* Waits for SIGINT/SIGTERM (blocked by the caller) or the node stopping by itself. */
static void wait_for_stop(actr_ref_t *ref, const sigset_t *set)
{
    struct timespec tick = {1, 0};
    while (!actr_ref_is_shutting_down(ref)) {
        int sig = sigtimedwait(set, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
            fprintf(stderr, "actr run: %s received, shutting down\n",
                    sig == SIGINT ? "SIGINT" : "SIGTERM");
            return;
        }
    }
}

/* Everything after the config: hyper, node, attach, register, start, wait. */
static int host(const cli_args_t *args, const actr_runtime_config_t *cfg,
                actr_trust_provider_t *trust, const actr_buf_t *pkg, const char *data_dir,
                const actr_signing_key_t *mfr_key)
{
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.data_dir = data_dir;
    o.trust = trust;
    actr_error_t err = {0};
    actr_hyper_t *hyper;
    int rc = actr_hyper_new(&o, &hyper, &err);
    if (rc != 0) {
        cli_error(args->cmd, "hyper: %s", cli_error_text(rc, &err));
        return cli_exit_for(rc);
    }
    actr_node_t *node = NULL;
    actr_ref_t *ref;
    const char *step = "node";
    if ((rc = actr_node_new(hyper, cfg, &node, &err)) == 0 && (step = "attach") &&
        (rc = actr_node_attach(node, pkg->data, pkg->len, &err)) == 0 &&
        (!mfr_key || (rc = actr_node_set_manufacturer_key(node, mfr_key, &err)) == 0) &&
        (step = "register") &&
        (rc = actr_node_register(node, &err)) == 0 && (step = "start"))
        rc = actr_node_start(node, &ref, &err);
    int status = CLI_EXIT_OK;
    if (rc != 0) {
        cli_error(args->cmd, "%s: %s", step, cli_error_text(rc, &err));
        status = !strcmp(step, "attach") ? cli_exit_for_package(rc) : CLI_EXIT_INVALID;
    } else {
        fprintf(stderr, "actr run: ActrNode started\n");
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        wait_for_stop(ref, &set);
        actr_ref_shutdown(ref);
        actr_ref_wait(ref, -1);
    }
    actr_node_free(node);
    actr_hyper_free(hyper);
    return status;
}

static int run_run(const cli_args_t *args)
{
    const char *config_path = cli_value(args, "config");
    if (!config_path)
        config_path = "actr.toml";
    actr_error_t err = {0};
    actr_runtime_config_t cfg;
    int rc = actr_runtime_config_load(config_path, &cfg, &err);
    if (rc != 0) {
        cli_error(args->cmd, "%s", cli_error_text(rc, &err));
        return cli_exit_for(rc);
    }
    const char *pkg_path = args->npositional ? args->positional[0] : cfg.package_path;
    int status;
    actr_trust_provider_t *trust = NULL;
    actr_signing_key_t *mfr_key = NULL;
    const char *key_path = cli_value(args, "key");
    actr_buf_t pkg = {0};
    if (!pkg_path) {
        status = cli_usage_error(args->cmd, "no package: give PACKAGE or [package].path");
    } else if (key_path && (rc = actr_keyfile_load(key_path, &mfr_key, &err)) != 0) {
        cli_error(args->cmd, "key: %s", cli_error_text(rc, &err));
        status = cli_exit_for(rc);
    } else if ((rc = build_trust(&cfg, &trust, &err)) != 0) {
        cli_error(args->cmd, "trust: %s", cli_error_text(rc, &err));
        status = CLI_EXIT_INVALID;
    } else if ((rc = cli_read_file(pkg_path, RUN_PACKAGE_MAX, NULL, &pkg, &err)) != 0) {
        cli_error(args->cmd, "%s", cli_error_text(rc, &err));
        status = cli_exit_for(rc);
    } else {
        /* Signals go to sigtimedwait: block them before the hyper's threads inherit the mask. */
        sigset_t set, old;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, &old);
        const char *dir = cli_value(args, "hyper-dir");
        status = host(args, &cfg, trust, &pkg, dir ? dir : cfg.hyper.data_dir, mfr_key);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    actr_buf_release(&pkg);
    actr_signing_key_free(mfr_key);
    actr_trust_free(trust);
    actr_runtime_config_free(&cfg);
    return status;
}

static const cli_opt_t run_opts[] = {
    {"config", 'c', NULL, CLI_OPT_VALUE, "FILE", "the runtime config (default ./actr.toml)"},
    {"key", 'k', NULL, CLI_OPT_VALUE, "KEY.json",
     "the manufacturer's signing key: registers an unpublished package with a fresh proof"},
    {"hyper-dir", 0, NULL, CLI_OPT_VALUE, "DIR",
     "the hyper's data directory (default: [hyper].data_dir, else ~/.actr/hyper)"},
    {NULL},
};

const cli_command_t cli_run_cmd = {
    .name = "run",
    .path = "actr run",
    .synopsis = "[-c actr.toml] [-k KEY.json] [--hyper-dir DIR] [PACKAGE.actr]",
    .summary = "host a signed package as a registered node until SIGINT/SIGTERM",
    .description = "Verifies PACKAGE (default: [package].path) with the configured trust, "
                   "attaches it (native dynclib or WASM, by its binary.target), registers with "
                   "AIS and starts it. Exit codes: 0 stopped cleanly; 1 invalid config, package "
                   "or a failed registration/start; 2 usage; 3 I/O.",
    .opts = run_opts,
    .max_positional = 1,
    .run = run_run,
};

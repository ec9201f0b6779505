/*
 * hyper.c - HyperConfig (platform.md 7.3): defaults, the ACTR_DISPATCH_SERIAL override,
 * WasmRuntimeLimits::validate(), and the [hyper] section of actr.toml.
 *
 * The reference reads only data_dir, storage_path_template and [hyper.trust] from TOML. Hyper
 * also lets credential_expiry_warning_secs, mailbox_backpressure_threshold, [hyper.dispatch] and
 * [hyper.wasm] be set there; those two tables are ours alone, so they are strict.
 */
#include "platform/config/config_internal.h"

#include <stdlib.h>
#include <string.h>

#define MIB (1024ull * 1024ull)

void actr_wasm_limits_default(actr_wasm_limits_t *l)
{
    memset(l, 0, sizeof *l);
    l->fuel_per_invocation = 1000000;
    l->epoch_tick_ms = 50;
    l->invocation_timeout_ms = 5000;
    l->max_linear_memory = 64 * MIB;
    l->max_table_elements = 10000;
    l->max_memories = 256;
    l->max_tables = 256;
    l->max_instances = 256;
    l->max_wasm_stack = 2 * MIB;
    l->async_stack_size = 3 * MIB;
    l->max_component_bytes = 64 * MIB;
    l->max_concurrent_compiles = 4;
    l->max_concurrent_instantiates = 16;
    l->max_active_stores = 256;
    l->max_total_linear_memory = 1024 * MIB;
    l->max_outstanding_invocations = 1024;
    l->trap_on_grow_failure = true;
}

/* The limits that must be non-zero, in the reference's order and with its names. */
static const struct {
    const char *name;
    size_t offset;
} nonzero_limits[] = {
#define L(name, member) {name, offsetof(actr_wasm_limits_t, member)}
    L("fuel_per_invocation", fuel_per_invocation),
    L("epoch_tick", epoch_tick_ms),
    L("invocation_timeout", invocation_timeout_ms),
    L("max_linear_memory", max_linear_memory),
    L("max_table_elements", max_table_elements),
    L("max_memories", max_memories),
    L("max_tables", max_tables),
    L("max_instances", max_instances),
    L("max_wasm_stack", max_wasm_stack),
    L("async_stack_size", async_stack_size),
    L("max_component_bytes", max_component_bytes),
    L("max_concurrent_compiles", max_concurrent_compiles),
    L("max_concurrent_instantiates", max_concurrent_instantiates),
    L("max_active_stores", max_active_stores),
    L("max_total_linear_memory", max_total_linear_memory),
    L("max_outstanding_invocations", max_outstanding_invocations),
#undef L
};

int actr_wasm_limits_validate(const actr_wasm_limits_t *l, actr_error_t *err)
{
    if (!l)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no limits given");
    for (size_t i = 0; i < sizeof nonzero_limits / sizeof nonzero_limits[0]; i++) {
        uint64_t v;
        memcpy(&v, (const char *)l + nonzero_limits[i].offset, sizeof v);
        if (v == 0)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "WASM runtime limit `%s` must be greater than zero",
                                  nonzero_limits[i].name);
    }
    if (l->epoch_tick_ms > l->invocation_timeout_ms)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "WASM epoch_tick must not exceed invocation_timeout");
    if (l->max_linear_memory > l->max_total_linear_memory)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "WASM max_linear_memory must not exceed max_total_linear_memory");
    if (l->has_fuel_async_yield_interval && l->fuel_async_yield_interval == 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "WASM fuel_async_yield_interval must be greater than zero when set");
    return 0;
}

bool actr_dispatch_serial_env_override(const char *raw)
{
    if (!raw)
        return false;
    while (*raw == ' ' || (*raw >= '\t' && *raw <= '\r'))
        raw++;
    size_t n = strlen(raw);
    while (n > 0 && (raw[n - 1] == ' ' || (raw[n - 1] >= '\t' && raw[n - 1] <= '\r')))
        n--;
    static const char *const yes[] = {"1", "true", "TRUE", "yes"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strlen(yes[i]) == n && memcmp(yes[i], raw, n) == 0)
            return true;
    return false;
}

static void apply_dispatch_env(actr_hyper_config_t *cfg)
{
    if (actr_dispatch_serial_env_override(getenv("ACTR_DISPATCH_SERIAL")))
        cfg->dispatch.enabled = false;
}

int actr_hyper_config_init(actr_hyper_config_t *cfg, actr_error_t *err)
{
    if (!cfg)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no config given");
    memset(cfg, 0, sizeof *cfg);
    const char *home = getenv("HOME");
    if (home && *home && !(cfg->data_dir = cfg_join(home, ".actr/hyper")))
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    if (!(cfg->storage_path_template = strdup(ACTR_HYPER_DEFAULT_STORAGE_TEMPLATE))) {
        actr_hyper_config_free(cfg);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    cfg->credential_expiry_warning_s = 300;
    cfg->mailbox_backpressure_threshold = 1024;
    cfg->dispatch.enabled = true;
    cfg->dispatch.budget = 8;
    cfg->dispatch.queue_cap = 256;
    actr_wasm_limits_default(&cfg->wasm);
    apply_dispatch_env(cfg);
    return 0;
}

void actr_hyper_config_free(actr_hyper_config_t *cfg)
{
    if (!cfg)
        return;
    free(cfg->data_dir);
    free(cfg->storage_path_template);
    cfg_trust_anchor_free(&cfg->trust);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- the [hyper] schema ---- */

#define U64(k, type, member) \
    {.key = k, .kind = CFG_U64, .offset = offsetof(type, member), .has_offset = CFG_NO_HAS}
#define U64_MIN1(k, type, member)                                                      \
    {.key = k, .kind = CFG_U64, .offset = offsetof(type, member), .has_offset = CFG_NO_HAS, \
     .min = 1, .max = INT64_MAX}

static const cfg_field_t dispatch_fields[] = {
    {.key = "enabled", .kind = CFG_BOOL, .offset = offsetof(actr_dispatch_concurrency_t, enabled),
     .has_offset = CFG_NO_HAS},
    {.key = "budget", .kind = CFG_U32, .offset = offsetof(actr_dispatch_concurrency_t, budget),
     .has_offset = CFG_NO_HAS, .min = 1, .max = UINT32_MAX},
    {.key = "queue_cap", .kind = CFG_U32,
     .offset = offsetof(actr_dispatch_concurrency_t, queue_cap), .has_offset = CFG_NO_HAS,
     .min = 1, .max = UINT32_MAX},
    U64("dispatch_timeout_ms", actr_dispatch_concurrency_t, dispatch_timeout_ms),
};
static const cfg_schema_t dispatch_schema = CFG_SCHEMA(dispatch_fields, true);

/* Zero values pass here and are refused by actr_wasm_limits_validate() with its texts. */
static const cfg_field_t wasm_fields[] = {
    U64("fuel_per_invocation", actr_wasm_limits_t, fuel_per_invocation),
    U64("epoch_tick_ms", actr_wasm_limits_t, epoch_tick_ms),
    U64("invocation_timeout_ms", actr_wasm_limits_t, invocation_timeout_ms),
    U64("max_linear_memory", actr_wasm_limits_t, max_linear_memory),
    U64("max_table_elements", actr_wasm_limits_t, max_table_elements),
    U64("max_memories", actr_wasm_limits_t, max_memories),
    U64("max_tables", actr_wasm_limits_t, max_tables),
    U64("max_instances", actr_wasm_limits_t, max_instances),
    U64("max_wasm_stack", actr_wasm_limits_t, max_wasm_stack),
    U64("async_stack_size", actr_wasm_limits_t, async_stack_size),
    {.key = "fuel_async_yield_interval", .kind = CFG_U64,
     .offset = offsetof(actr_wasm_limits_t, fuel_async_yield_interval),
     .has_offset = offsetof(actr_wasm_limits_t, has_fuel_async_yield_interval)},
    U64("max_component_bytes", actr_wasm_limits_t, max_component_bytes),
    U64("max_concurrent_compiles", actr_wasm_limits_t, max_concurrent_compiles),
    U64("max_concurrent_instantiates", actr_wasm_limits_t, max_concurrent_instantiates),
    U64("max_active_stores", actr_wasm_limits_t, max_active_stores),
    U64("max_total_linear_memory", actr_wasm_limits_t, max_total_linear_memory),
    U64("max_outstanding_invocations", actr_wasm_limits_t, max_outstanding_invocations),
    {.key = "trap_on_grow_failure", .kind = CFG_BOOL,
     .offset = offsetof(actr_wasm_limits_t, trap_on_grow_failure), .has_offset = CFG_NO_HAS},
};
static const cfg_schema_t wasm_schema = CFG_SCHEMA(wasm_fields, true);

/* [hyper] as read; trust is converted separately (it needs the dev_only rule). */
typedef struct raw_hyper {
    char *data_dir;
    char *storage_path_template;
    const actr_toml_value_t *trust;
    uint64_t credential_expiry_warning_s;
    uint64_t mailbox_backpressure_threshold;
    actr_dispatch_concurrency_t dispatch;
    actr_wasm_limits_t wasm;
} raw_hyper_t;

static const cfg_field_t hyper_fields[] = {
    {.key = "data_dir", .kind = CFG_PATH, .offset = offsetof(raw_hyper_t, data_dir),
     .has_offset = CFG_NO_HAS},
    {.key = "storage_path_template", .kind = CFG_STRING,
     .offset = offsetof(raw_hyper_t, storage_path_template), .has_offset = CFG_NO_HAS},
    {.key = "trust", .kind = CFG_RAW, .offset = offsetof(raw_hyper_t, trust),
     .has_offset = CFG_NO_HAS},
    U64_MIN1("credential_expiry_warning_secs", raw_hyper_t, credential_expiry_warning_s),
    U64_MIN1("mailbox_backpressure_threshold", raw_hyper_t, mailbox_backpressure_threshold),
    {.key = "dispatch", .kind = CFG_TABLE, .offset = offsetof(raw_hyper_t, dispatch),
     .has_offset = CFG_NO_HAS, .sub = &dispatch_schema},
    {.key = "wasm", .kind = CFG_TABLE, .offset = offsetof(raw_hyper_t, wasm),
     .has_offset = CFG_NO_HAS, .sub = &wasm_schema},
};
static const cfg_schema_t hyper_schema = CFG_SCHEMA(hyper_fields, false);

int cfg_read_hyper(cfg_ctx_t *ctx, const actr_toml_value_t *hyper, actr_hyper_config_t *cfg)
{
    size_t saved = cfg_push(ctx, "hyper");
    if (actr_toml_type(hyper) != ACTR_TOML_TABLE) {
        int rc = cfg_type_error(ctx, hyper, NULL, "a table");
        cfg_pop(ctx, saved);
        return rc;
    }
    /* Start from the current values so absent keys keep their defaults. */
    raw_hyper_t raw = {
        .credential_expiry_warning_s = cfg->credential_expiry_warning_s,
        .mailbox_backpressure_threshold = cfg->mailbox_backpressure_threshold,
        .dispatch = cfg->dispatch,
        .wasm = cfg->wasm,
    };
    int rc = cfg_read_table(ctx, hyper, &hyper_schema, &raw);
    if (rc == 0 && raw.trust) {
        size_t s2 = cfg_push(ctx, "trust");
        rc = cfg_read_trust_anchor(ctx, raw.trust, true, &cfg->trust);
        cfg->has_trust = rc == 0;
        cfg_pop(ctx, s2);
    }
    actr_error_t why;
    const actr_toml_value_t *wasm = actr_toml_get(hyper, "wasm");
    if (rc == 0 && actr_wasm_limits_validate(&raw.wasm, &why) != 0)
        rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(wasm), "wasm", "%s", why.message);
    if (rc == 0) {
        if (raw.data_dir) {
            free(cfg->data_dir);
            cfg->data_dir = raw.data_dir;
            raw.data_dir = NULL;
        }
        if (raw.storage_path_template) {
            free(cfg->storage_path_template);
            cfg->storage_path_template = raw.storage_path_template;
            raw.storage_path_template = NULL;
        }
        cfg->credential_expiry_warning_s = raw.credential_expiry_warning_s;
        cfg->mailbox_backpressure_threshold = raw.mailbox_backpressure_threshold;
        cfg->dispatch = raw.dispatch;
        cfg->wasm = raw.wasm;
        apply_dispatch_env(cfg); /* the environment wins over the file */
    }
    cfg_free_fields(&hyper_schema, &raw);
    cfg_pop(ctx, saved);
    return rc;
}

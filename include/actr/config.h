/*
 * config.h - configuration files: the runtime config actr.toml (with its [hyper] section), the
 * project manifest.toml and manifest.lock.toml (spec: platform.md section 7; reference by key:
 * docs/CONFIG.md).
 *
 * Loading fills a caller-owned struct and stops at the first error. Every error message names
 * the file, the line and the dotted key:
 *
 *   actr.toml:12: signaling.url: expected a string, found integer
 *
 * Error codes: ACTR_EPARSE (TOML syntax), ACTR_EINVAL (wrong type, bad value, missing required
 * key, unknown key in a strict table), ACTR_ERANGE (integer outside the key's range),
 * ACTR_EUNSUPPORTED (edition other than 1), ACTR_ENOTFOUND / ACTR_EPERM / ACTR_EIO (a file that
 * cannot be read), ACTR_ENOMEM. On failure the struct is left empty (no free needed, freeing is
 * harmless).
 *
 * Unknown keys are never silently ignored: in most tables they become warnings (in the struct's
 * `warnings` list, "file:line: key: unknown key, ignored", also logged at WARN with module
 * "config"); in strict tables ([storage], and the tables only Hyper has: [hyper.dispatch],
 * [hyper.wasm]) they are errors.
 *
 * Relative paths are joined to the directory of the file that holds them (config_dir); a
 * leading "~/" is replaced by $HOME.
 *
 *   actr_runtime_config_t cfg;
 *   actr_error_t err;
 *   if (actr_runtime_config_load("actr.toml", &cfg, &err) != 0)
 *       fprintf(stderr, "%s\n", err.message);
 *   ...
 *   actr_runtime_config_free(&cfg);
 */
#ifndef ACTR_CONFIG_H
#define ACTR_CONFIG_H

#include <stdbool.h>

#include "actr/acl.h"
#include "actr/common.h"
#include "actr/error.h"
#include "actr/types.h"

ACTR_BEGIN_DECLS

/* ---- small owned containers ------------------------------------------------------------- */

/* A list of malloc'd strings, in file order. */
typedef struct actr_config_strlist {
    char **items;
    size_t count;
} actr_config_strlist_t;

/* A string-to-string map in file order (keys unique). */
typedef struct actr_config_strmap {
    char **keys;
    char **values;
    size_t count;
} actr_config_strmap_t;

/* Value of key in map, or NULL. */
ACTR_API const char *actr_config_strmap_get(const actr_config_strmap_t *map, const char *key);

/* ---- trust anchors (platform.md 7.1, 7.2): data only; the trust module builds providers ---- */

typedef enum actr_trust_kind {
    ACTR_TRUST_STATIC = 1,   /* a fixed manufacturer key: pubkey_b64 (wins) or pubkey_file */
    ACTR_TRUST_REGISTRY = 2, /* keys fetched from the MFR registry at endpoint */
    ACTR_TRUST_DEV = 3,      /* Hyper only: the local dev key in pubkey_file, accepted with a
                                warning at every resolution; meant for development */
    ACTR_TRUST_DEV_ONLY = 4, /* the reference's dev_only ([hyper.trust] only): rejects every
                                package (its key is not a valid point); kept for compatibility */
} actr_trust_kind_t;

typedef struct actr_trust_anchor {
    actr_trust_kind_t kind;
    char *pubkey_file; /* static/dev: absolute, or joined to the config dir; else NULL */
    char *pubkey_b64;  /* static: std base64 of the 32-byte key; else NULL */
    char *endpoint;    /* registry: validated http(s) URL as written; else NULL */
    char *origin;      /* "actr.toml:14: trust[0]", for messages */
} actr_trust_anchor_t;

/* "static", "registry", "dev", "dev_only" (or "?"). */
ACTR_API const char *actr_trust_kind_name(actr_trust_kind_t kind);

/*
 * Loads the 32-byte key of a static (or dev) anchor: pubkey_b64 wins; else pubkey_file, a JSON
 * object whose string `public_key` is std base64. Messages carry the reference's texts: "invalid
 * pubkey_b64", "pubkey_b64 must decode to 32 bytes, got N", "is not valid JSON", "missing the
 * `public_key` field", "has invalid base64", "must contain a 32-byte key, got N", "static trust
 * anchor requires `pubkey_file` or `pubkey_b64`". ACTR_EINVAL for other kinds.
 */
ACTR_API int actr_trust_anchor_load_key(const actr_trust_anchor_t *anchor, uint8_t out[32],
                                        actr_error_t *err);

/* ---- [hyper]: HyperConfig (platform.md 7.3) ----------------------------------------------- */

#define ACTR_HYPER_DEFAULT_STORAGE_TEMPLATE "{data_dir}/{actr_type}"

typedef struct actr_dispatch_concurrency {
    bool enabled;                 /* true; false when ACTR_DISPATCH_SERIAL says so */
    uint32_t budget;              /* 8: dispatches in flight at once */
    uint32_t queue_cap;           /* 256: queued + in flight */
    uint64_t dispatch_timeout_ms; /* 0: no deadline */
} actr_dispatch_concurrency_t;

/* WasmRuntimeLimits; durations in milliseconds, sizes in bytes. */
typedef struct actr_wasm_limits {
    uint64_t fuel_per_invocation;         /* 1 000 000 */
    uint64_t epoch_tick_ms;               /* 50 */
    uint64_t invocation_timeout_ms;       /* 5000 */
    uint64_t max_linear_memory;           /* 64 MiB */
    uint64_t max_table_elements;          /* 10 000 */
    uint64_t max_memories;                /* 256 */
    uint64_t max_tables;                  /* 256 */
    uint64_t max_instances;               /* 256 */
    uint64_t max_wasm_stack;              /* 2 MiB */
    uint64_t async_stack_size;            /* 3 MiB */
    bool has_fuel_async_yield_interval;   /* false: trap on fuel exhaustion */
    uint64_t fuel_async_yield_interval;
    uint64_t max_component_bytes;         /* 64 MiB, also the package verification budget */
    uint64_t max_concurrent_compiles;     /* 4 */
    uint64_t max_concurrent_instantiates; /* 16 */
    uint64_t max_active_stores;           /* 256 */
    uint64_t max_total_linear_memory;     /* 1 GiB */
    uint64_t max_outstanding_invocations; /* 1024 */
    bool trap_on_grow_failure;            /* true */
} actr_wasm_limits_t;

/* The reference's defaults. */
ACTR_API void actr_wasm_limits_default(actr_wasm_limits_t *limits);

/*
 * WasmRuntimeLimits::validate(): every numeric limit > 0 ("WASM runtime limit `f` must be
 * greater than zero"), epoch_tick <= invocation_timeout, max_linear_memory <=
 * max_total_linear_memory, a set yield interval != 0. ACTR_EINVAL with the reference's text.
 */
ACTR_API int actr_wasm_limits_validate(const actr_wasm_limits_t *limits, actr_error_t *err);

/* Whether an ACTR_DISPATCH_SERIAL value forces serial dispatch: "1", "true", "TRUE" or "yes"
 * after trimming whitespace. NULL (unset) is false. */
ACTR_API bool actr_dispatch_serial_env_override(const char *raw);

typedef struct actr_hyper_config {
    char *data_dir;              /* [hyper].data_dir, else $HOME/.actr/hyper; NULL when neither */
    char *storage_path_template; /* ACTR_HYPER_DEFAULT_STORAGE_TEMPLATE */
    bool has_trust;              /* [hyper.trust] present: it wins over [[trust]] */
    actr_trust_anchor_t trust;
    uint64_t credential_expiry_warning_s;    /* 300 */
    uint64_t mailbox_backpressure_threshold; /* 1024 messages */
    actr_dispatch_concurrency_t dispatch;
    actr_wasm_limits_t wasm;
} actr_hyper_config_t;

/*
 * Fills the defaults of every field (data_dir and the template are malloc'd; data_dir NULL when
 * $HOME is unset) and applies ACTR_DISPATCH_SERIAL. Free with actr_hyper_config_free().
 */
ACTR_API int actr_hyper_config_init(actr_hyper_config_t *cfg, actr_error_t *err);
ACTR_API void actr_hyper_config_free(actr_hyper_config_t *cfg);

/* ---- actr.toml: RuntimeConfig (platform.md 7.1) ------------------------------------------- */

typedef enum actr_ice_transport_policy {
    ACTR_ICE_POLICY_ALL = 0,   /* force_relay = false */
    ACTR_ICE_POLICY_RELAY = 1, /* force_relay = true */
} actr_ice_transport_policy_t;

/* [webrtc].mode (ours; the reference has no such key and ignores it): how outbound traffic
 * chooses between WebRTC and the direct WebSocket (docs/WEBRTC-COORDINATOR.md). */
typedef enum actr_webrtc_mode {
    ACTR_WEBRTC_MODE_PREFER = 0, /* "prefer" (default): a ready WebRTC peer first */
    ACTR_WEBRTC_MODE_ONLY = 1,   /* "only": never the direct WebSocket for outbound traffic */
    ACTR_WEBRTC_MODE_OFF = 2,    /* "off": no WebRTC at all */
} actr_webrtc_mode_t;

/* One ICE server entry: stun_urls, then turn_urls, each when non-empty. No credentials: TURN
 * credentials come from AIS. */
typedef struct actr_ice_server {
    actr_config_strlist_t urls;
} actr_ice_server_t;

typedef struct actr_webrtc_config {
    actr_ice_server_t ice_servers[2];
    size_t ice_server_count;
    actr_ice_transport_policy_t ice_transport_policy;
    bool has_port_range; /* port_range_start and port_range_end both set (start < end) */
    uint16_t port_range_start, port_range_end;
    actr_config_strlist_t public_ips; /* kept only with a port range, as the reference */
    bool has_udp_mux_port;            /* ice_udp_mux_port: wins over the port range */
    uint16_t ice_udp_mux_port;
    uint64_t ice_host_acceptance_min_wait_ms;  /* 0 */
    uint64_t ice_srflx_acceptance_min_wait_ms; /* 20 */
    uint64_t ice_prflx_acceptance_min_wait_ms; /* 40 */
    uint64_t ice_relay_acceptance_min_wait_ms; /* 100 */
    /* Our own keys (the reference's [webrtc] table is not deny_unknown_fields: it ignores
     * them). ACTR_WEBRTC_MODE / ACTR_WEBRTC_LOCAL_ADDRESSES override them (tests). */
    actr_webrtc_mode_t mode;                 /* [webrtc].mode */
    actr_config_strlist_t local_addresses;   /* [webrtc].local_addresses: host candidates */
    bool watch_network; /* [webrtc].watch_network: local address changes -> network events */
} actr_webrtc_config_t;

typedef struct actr_observability_config {
    char *filter_level;         /* "info" */
    bool tracing_enabled;       /* false */
    char *tracing_endpoint;     /* "http://localhost:4317" */
    char *tracing_service_name; /* NULL: the package name (the caller knows it) */
} actr_observability_config_t;

/* [capabilities]: parsed and checked, not used by the runtime (as the reference). */
typedef struct actr_capabilities_config {
    bool has_max_concurrent_requests;
    uint32_t max_concurrent_requests;
    char *version_range;
    char *region;
    actr_config_strmap_t tags;
} actr_capabilities_config_t;

/* [web], for serving the actor as a web application. */
typedef struct actr_web_config {
    uint16_t port;          /* 8080 */
    char *host;             /* "0.0.0.0" */
    char *static_dir;       /* "public", joined to the config dir */
    bool has_is_server;
    bool is_server;
    char *package_url;      /* NULL when absent */
    char *runtime_wasm_url; /* NULL when absent */
} actr_web_config_t;

typedef struct actr_runtime_config {
    uint32_t edition;     /* 1 */
    char *source;         /* the file name used in messages */
    char *config_dir;     /* directory of the file ("." for a bare name or from memory) */
    char *signaling_url;  /* required; ws:// or wss://, normalized */
    char *ais_endpoint;   /* required; http:// or https://, normalized (bare host gains "/") */
    uint32_t realm_id;    /* required: [deployment].realm_id */
    char *realm_secret;   /* sent as x-actrix-realm-secret; NULL when absent */
    char *deployment_ais_endpoint; /* [deployment].ais_endpoint: parsed, unused */
    bool visible_in_discovery;     /* true */
    actr_webrtc_config_t webrtc;
    bool has_websocket_listen_port;
    uint16_t websocket_listen_port;
    char *websocket_advertised_host; /* NULL: "127.0.0.1" at use */
    actr_observability_config_t observability;
    /* [storage].mailbox_path, joined to config_dir. Unlike the reference (which drops it) Hyper's
     * durable mailbox is stored there; NULL means the default under the data dir. */
    char *mailbox_path;
    bool has_capabilities;
    actr_capabilities_config_t capabilities;
    bool has_acl; /* [acl] present; an empty rule list denies everyone */
    actr_acl_t acl;
    actr_config_strmap_t scripts;
    char *package_path; /* [package].path, joined to config_dir; NULL when absent */
    actr_trust_anchor_t *trust; /* [[trust]], in file order */
    size_t trust_count;
    bool has_web;
    actr_web_config_t web;
    bool has_hyper; /* a [hyper] table was present (hyper holds defaults either way) */
    actr_hyper_config_t hyper;
    actr_config_strlist_t warnings; /* unknown keys and other non-fatal findings */
} actr_runtime_config_t;

/* Loads actr.toml from path; config_dir is the file's directory. */
ACTR_API int actr_runtime_config_load(const char *path, actr_runtime_config_t *out,
                                      actr_error_t *err);

/*
 * Parses len bytes of actr.toml. source names it in messages (NULL: "actr.toml"); config_dir is
 * the base of relative paths (NULL: ".").
 */
ACTR_API int actr_runtime_config_parse(const char *text, size_t len, const char *source,
                                       const char *config_dir, actr_runtime_config_t *out,
                                       actr_error_t *err);

ACTR_API void actr_runtime_config_free(actr_runtime_config_t *cfg);

/*
 * The trust anchors in force (platform.md 7.2): [hyper.trust] if present (one anchor), else the
 * [[trust]] entries in file order (several mean a chain: first match wins). *anchors points into
 * cfg. None configured: ACTR_EINVAL with the reference's "no `[hyper.trust]` or `[[trust]]`
 * anchor configured" text. Logs a warning for dev and dev_only anchors.
 */
ACTR_API int actr_runtime_config_trust_anchors(const actr_runtime_config_t *cfg,
                                               const actr_trust_anchor_t **anchors,
                                               size_t *count, actr_error_t *err);

/* ---- project manifest.toml (platform.md 7.4) ---------------------------------------------- */

/* Bound on `inherit` chains (the reference has none and recurses forever on a cycle). */
#define ACTR_MANIFEST_MAX_INHERIT_DEPTH 16

typedef struct actr_manifest_dependency {
    char *alias;
    bool has_type; /* false for `alias = {}` (filled by `actr install`) */
    actr_type_t actr_type;
    char *service_name;        /* from service = "Name:fingerprint"; NULL when absent */
    char *service_fingerprint;
    uint32_t realm_id; /* {} -> 0 (placeholder); actr_type without realm -> 1 (reference quirk) */
} actr_manifest_dependency_t;

typedef struct actr_manifest_binary {
    char *path;   /* joined to the directory of the manifest that declares it */
    char *target; /* NULL when absent */
} actr_manifest_binary_t;

typedef struct actr_manifest_build {
    char *tool;          /* "cargo" (the only one) */
    char *manifest_path; /* "Cargo.toml" */
    char *artifact;      /* "lib" | "bin"; "lib" */
    char *target;        /* NULL when absent */
    char *profile;       /* "release" | "dev"; "release" */
    actr_config_strlist_t features;
    bool no_default_features;
    actr_config_strlist_t post_build;
} actr_manifest_build_t;

typedef struct actr_project_manifest {
    uint32_t edition;   /* 1 */
    char *source;       /* the file name used in messages */
    char *manifest_dir; /* directory of the (child) manifest */
    char *config_dir;   /* lock-file directory: `config_dir` joined to manifest_dir, else it */
    /* [package] (of the child only: never inherited) */
    char *name;
    char *manufacturer;
    char *version; /* "" when absent */
    actr_type_t actr_type;
    char *description;
    actr_config_strlist_t authors;
    char *license;
    actr_config_strlist_t tags;
    char *signature_algorithm;
    /* [package].exports, else top-level exports; parent's first; each joined to its manifest's
     * directory and checked to be a readable file */
    actr_config_strlist_t exports;
    actr_manifest_dependency_t *dependencies; /* file order; a child's alias replaces a parent's */
    size_t dependency_count;
    bool has_acl; /* realms "self" resolve to 0 here */
    actr_acl_t acl;
    actr_config_strmap_t scripts;
    bool has_binary;
    actr_manifest_binary_t binary;
    bool has_build; /* requires [binary] */
    actr_manifest_build_t build;
    actr_config_strlist_t warnings;
} actr_project_manifest_t;

/* Loads a project manifest and, through `inherit`, its ancestors (merged). */
ACTR_API int actr_project_manifest_load(const char *path, actr_project_manifest_t *out,
                                        actr_error_t *err);

/* As load, from memory; manifest_dir (NULL: ".") resolves exports, binary and `inherit`. */
ACTR_API int actr_project_manifest_parse(const char *text, size_t len, const char *source,
                                         const char *manifest_dir, actr_project_manifest_t *out,
                                         actr_error_t *err);

ACTR_API void actr_project_manifest_free(actr_project_manifest_t *m);

/* Dependency by alias, or NULL. */
ACTR_API const actr_manifest_dependency_t *
actr_project_manifest_dependency(const actr_project_manifest_t *m, const char *alias);

/* ---- manifest.lock.toml (platform.md 7.5) ------------------------------------------------- */

typedef struct actr_lock_proto_file {
    char *path;        /* relative to the project's proto/ directory */
    char *fingerprint; /* "semantic:..." */
} actr_lock_proto_file_t;

typedef struct actr_lock_dependency {
    char *name;      /* unique key */
    char *actr_type; /* free text (legacy "acme+svc" allowed) */
    char *description;
    char *fingerprint; /* "service_semantic:<hex>" */
    bool has_published_at;
    int64_t published_at;
    actr_config_strlist_t tags;
    char *cached_at; /* RFC 3339 */
    actr_lock_proto_file_t *files;
    size_t file_count;
} actr_lock_dependency_t;

typedef struct actr_lock_file {
    bool has_metadata;
    uint32_t version;
    char *generated_at; /* RFC 3339 */
    actr_lock_dependency_t *dependencies;
    size_t dependency_count;
    actr_config_strlist_t warnings;
} actr_lock_file_t;

ACTR_API int actr_lock_file_load(const char *path, actr_lock_file_t *out, actr_error_t *err);
ACTR_API int actr_lock_file_parse(const char *text, size_t len, const char *source,
                                  actr_lock_file_t *out, actr_error_t *err);
ACTR_API void actr_lock_file_free(actr_lock_file_t *lock);

/*
 * Adds a deep copy of dep, replacing any entry with the same name, and keeps the list sorted by
 * name (the reference's add_dependency).
 */
ACTR_API int actr_lock_file_add_dependency(actr_lock_file_t *lock,
                                           const actr_lock_dependency_t *dep, actr_error_t *err);

/* Writes lock as TOML into a new malloc'd NUL-terminated string (parses back to the same). */
ACTR_API int actr_lock_file_to_toml(const actr_lock_file_t *lock, char **out, actr_error_t *err);

ACTR_END_DECLS

#endif /* ACTR_CONFIG_H */

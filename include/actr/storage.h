/*
 * storage.h - per-actor key-value storage (one SQLite file per actor type), the storage path
 * template and the instance UID (spec: platform.md section 4).
 *
 *   actr_kv_store_t *kv;
 *   if (actr_storage_open_for_type("/var/lib/actr", NULL, &type, NULL, &kv, &err) == 0) {
 *       actr_kv_store_put(kv, "hyper:ais:signing_key_id", id_le, 4, &err);
 *       actr_kv_store_close(kv);
 *   }
 *
 * Keys are non-empty UTF-8 strings (no NUL); values are any bytes, empty included. Listing by
 * prefix is an exact, case-sensitive byte-prefix match in ascending byte order (the reference's
 * LIKE is ASCII case-insensitive and mishandles '\'; see docs/PLATFORM.md).
 *
 * Thread safety: a store handle may be used from any number of threads at once. It holds one
 * SQLite connection behind a mutex, so calls on one handle run one at a time; several handles
 * (or processes) on the same file coordinate through SQLite's WAL locking and a busy timeout.
 */
#ifndef ACTR_STORAGE_H
#define ACTR_STORAGE_H

#include <stdbool.h>

#include "actr/buf.h"
#include "actr/common.h"
#include "actr/error.h"
#include "actr/types.h"

ACTR_BEGIN_DECLS

/* ---- Key-value store ---------------------------------------------------------------------- */

typedef struct actr_kv_store actr_kv_store_t;

/* How long a call waits for another connection's write lock before failing (ACTR_EUNAVAILABLE). */
#define ACTR_KV_BUSY_TIMEOUT_MS 5000

/*
 * Opens (creating if needed) the SQLite database at exactly path: missing parent directories are
 * created with mode 0700, a new file gets mode 0600 (existing files keep theirs), the journal is
 * WAL (sidecars <path>-wal and <path>-shm) and the reference schema is created. Errors:
 * ACTR_EINVAL (no path), ACTR_EPERM, ACTR_ENOTFOUND, ACTR_EIO (not a database, cannot open),
 * ACTR_ENOMEM. *out is NULL on failure.
 */
ACTR_API int actr_kv_store_open(const char *path, actr_kv_store_t **out, actr_error_t *err);

/* Closes the connection (checkpointing the WAL) and frees the handle. NULL is allowed. */
ACTR_API void actr_kv_store_close(actr_kv_store_t *store);

/* The path the store was opened with (owned by the handle). */
ACTR_API const char *actr_kv_store_path(const actr_kv_store_t *store);

/*
 * Looks key up and gives its value as a new buffer in *value (release it; an empty value is the
 * empty buffer). ACTR_ENOTFOUND when the key is absent; ACTR_EINVAL for an invalid key.
 */
ACTR_API int actr_kv_store_get(actr_kv_store_t *store, const char *key, actr_buf_t *value,
                               actr_error_t *err);

/* Inserts or overwrites key (upsert). value may be NULL when len is 0. */
ACTR_API int actr_kv_store_put(actr_kv_store_t *store, const char *key, const void *value,
                               size_t len, actr_error_t *err);

/* Deletes key; *removed (optional) says whether a row existed. Deleting a missing key is not an
 * error. */
ACTR_API int actr_kv_store_delete(actr_kv_store_t *store, const char *key, bool *removed,
                                  actr_error_t *err);

/* A list of keys, each a NUL-terminated malloc'd string; free with actr_kv_keys_free(). */
typedef struct actr_kv_keys {
    char **keys;
    size_t count;
} actr_kv_keys_t;

/*
 * Lists the keys that start with prefix (bytewise, case-sensitive; NULL or "" lists all) in
 * ascending byte order. The prefix may be any bytes, including '%', '_', '\' and a partial UTF-8
 * sequence. On failure *out is empty.
 */
ACTR_API int actr_kv_store_list_keys(actr_kv_store_t *store, const char *prefix,
                                     actr_kv_keys_t *out, actr_error_t *err);

/* Frees the keys and resets *keys to empty. NULL is allowed. */
ACTR_API void actr_kv_keys_free(actr_kv_keys_t *keys);

typedef enum actr_kv_op_kind {
    ACTR_KV_OP_SET = 0,
    ACTR_KV_OP_DELETE = 1,
} actr_kv_op_kind_t;

/* One operation of a batch; the strings and bytes are borrowed for the call. */
typedef struct actr_kv_op {
    actr_kv_op_kind_t kind;
    const char *key;
    const void *value; /* SET only; NULL allowed when value_len is 0 */
    size_t value_len;
} actr_kv_op_t;

/*
 * Applies n operations in order in one transaction: either all take effect or none does. Every
 * key is validated before the transaction starts; a failure inside it rolls everything back, and
 * the message names the failing operation's index and key.
 */
ACTR_API int actr_kv_store_batch(actr_kv_store_t *store, const actr_kv_op_t *ops, size_t n,
                                 actr_error_t *err);

/* Whether key is acceptable: non-empty, valid UTF-8 without NUL. */
ACTR_API bool actr_kv_key_valid(const char *key);

/* ---- Storage path template (platform.md 4.4) ---------------------------------------------- */

/* The reference's default template: the SQLite file is data_dir/manufacturer/name/version. */
#define ACTR_STORAGE_DEFAULT_TEMPLATE "{data_dir}/{actr_type}"

/* Values for the template variables. Unset (NULL / false) variables fail when used. */
typedef struct actr_storage_vars {
    const char *data_dir;     /* {data_dir}: required, valid UTF-8 */
    const char *instance_id;  /* {instance_id} */
    const char *hostname;     /* {hostname}; NULL looks up $HOSTNAME, then /etc/hostname */
    const actr_type_t *type;  /* {manufacturer} {actr_name} {version} {actr_type}; checked with
                                 actr_type_path_safe() before anything is substituted */
    bool has_realm;           /* {realm_id} (decimal); the reference never provides it */
    uint32_t realm_id;
} actr_storage_vars_t;

/*
 * Expands tmpl (NULL means ACTR_STORAGE_DEFAULT_TEMPLATE) into a new malloc'd path in *out.
 * Variables: {data_dir}, {instance_id}, {hostname}, {manufacturer}, {actr_name}, {version},
 * {actr_type} (= manufacturer/name/version), {realm_id}, {env.NAME}. Values are inserted once,
 * never re-expanded. A '{' without a later '}' is literal text.
 *
 * Refused with ACTR_EINVAL (nothing touches the disk): an unknown or unavailable variable ("namespace
 * template variable `name` not available"), an unsafe type, a '..' path segment made (even in
 * part) from a substituted value other than data_dir, and, when tmpl starts with {data_dir}, a
 * path that is not strictly inside data_dir (checked lexically; symlinks are not resolved).
 * ACTR_ETOOBIG when the result exceeds PATH_MAX.
 */
ACTR_API int actr_storage_resolve_path(const char *tmpl, const actr_storage_vars_t *vars,
                                       char **out, actr_error_t *err);

/*
 * Resolves tmpl for type (instance_id optional) under data_dir and opens the store there, as
 * Hyper does at registration. The hostname comes from the environment.
 */
ACTR_API int actr_storage_open_for_type(const char *data_dir, const char *tmpl,
                                        const actr_type_t *type, const char *instance_id,
                                        actr_kv_store_t **out, actr_error_t *err);

/* ---- Instance UID (platform.md 4.3) ------------------------------------------------------- */

#define ACTR_INSTANCE_UID_FILE ".hyper-instance-uid"
#define ACTR_INSTANCE_UID_LEN 36 /* lowercase hyphenated UUID, without the NUL */

/*
 * Reads {data_dir}/.hyper-instance-uid (surrounding whitespace ignored) into out, lowercase. A
 * missing file, an empty one or one that is not a UUID gets a fresh UUID v4, written atomically
 * (mode 0600, no newline); data_dir is created (0700) if missing. Concurrent first starts agree on
 * one UID: a new file is linked into place only if none appeared meanwhile.
 */
ACTR_API int actr_instance_uid_load(const char *data_dir, char out[ACTR_INSTANCE_UID_LEN + 1],
                                    actr_error_t *err);

ACTR_END_DECLS

#endif /* ACTR_STORAGE_H */

/*
 * store.c - the SQLite database behind actrd's state: {data_dir}/actrd.db.
 *
 * The directory is created with mode 0700 and the database with 0600 before SQLite opens it
 * (SQLite gives its -wal and -shm files the database's mode), because the file holds the AIS
 * signing key seeds and the renewal and TURN secrets. WAL mode lets the admin commands write
 * while the server runs; the busy timeout makes either side wait for the other's short
 * transactions instead of failing. The schema is versioned with PRAGMA user_version and migrated
 * forward in one transaction; a newer schema than we know is refused rather than guessed at.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actr/log.h"
#include "state/state.h"

#define BUSY_TIMEOUT_MS 5000

/* Version 1. Times are Unix seconds; NULL means "never" or "none" as commented. */
static const char SCHEMA_V1[] =
    "CREATE TABLE settings ("
    "  key TEXT PRIMARY KEY,"
    "  value BLOB NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE realms ("
    "  realm_id INTEGER PRIMARY KEY CHECK (realm_id BETWEEN 0 AND 4294967295),"
    "  name TEXT NOT NULL DEFAULT '',"
    "  enabled INTEGER NOT NULL DEFAULT 1,"
    "  expires_at INTEGER,"              /* NULL: never */
    "  created_at INTEGER NOT NULL,"
    "  secret_hash TEXT,"                /* hex(SHA-256(secret)); NULL: no secret configured */
    "  prev_secret_hash TEXT,"
    "  prev_secret_valid_until INTEGER,"
    "  secret_rotated_at INTEGER"
    ");"
    "CREATE TABLE signing_keys ("
    "  key_id INTEGER PRIMARY KEY CHECK (key_id BETWEEN 1 AND 4294967295),"
    "  seed BLOB,"                       /* Ed25519 seed; wiped (NULL) when the key retires */
    "  pubkey BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  active INTEGER NOT NULL DEFAULT 0,"
    "  retired_at INTEGER,"              /* NULL while active */
    "  signed_until INTEGER NOT NULL DEFAULT 0" /* latest expiry of a credential it signed */
    ");"
    "CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(active) WHERE active = 1;"
    "CREATE TABLE renewal_tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  actor_id TEXT NOT NULL,"          /* the ActrId string */
    "  token_hash BLOB NOT NULL,"        /* SHA-256(token) */
    "  expires_at INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (actor_id, token_hash)"
    ");"
    "CREATE INDEX renewal_tokens_expiry ON renewal_tokens(expires_at);"
    "CREATE TABLE used_nonces ("
    "  manufacturer TEXT NOT NULL,"
    "  key_id TEXT NOT NULL,"
    "  nonce BLOB NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  PRIMARY KEY (manufacturer, key_id, nonce)"
    ") WITHOUT ROWID;"
    "CREATE TABLE acl_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  realm_id INTEGER NOT NULL,"       /* the target's realm */
    "  source_realm_id INTEGER,"         /* NULL: any realm */
    "  from_type TEXT NOT NULL,"
    "  to_type TEXT NOT NULL,"
    "  allow INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX acl_rules_lookup ON acl_rules(realm_id, to_type, from_type);"
    "CREATE TABLE mfr_keys ("
    "  key_id TEXT PRIMARY KEY,"         /* mfr- + 16 hex of SHA-256(pubkey) */
    "  manufacturer TEXT NOT NULL,"
    "  pubkey BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER"               /* NULL: active */
    ");"
    "CREATE INDEX mfr_keys_manufacturer ON mfr_keys(manufacturer, created_at);"
    "CREATE TABLE packages ("
    "  type_str TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  manifest_sha256 TEXT NOT NULL,"   /* hex */
    "  signing_key_id TEXT NOT NULL,"
    "  published_at INTEGER NOT NULL,"
    "  revoked_at INTEGER,"              /* NULL: active */
    "  PRIMARY KEY (type_str, target)"
    ") WITHOUT ROWID;"
    "CREATE TABLE pending_registrations ("
    "  realm_id INTEGER NOT NULL,"
    "  serial INTEGER NOT NULL,"
    "  service_spec BLOB,"               /* encoded ServiceSpec */
    "  ws_address TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  touched_at INTEGER NOT NULL,"     /* register or last renew */
    "  PRIMARY KEY (realm_id, serial)"
    ") WITHOUT ROWID;"
    "CREATE INDEX pending_touched ON pending_registrations(touched_at);";

/* migrations[i] takes the schema from version i to i + 1. */
static const char *const MIGRATIONS[] = {SCHEMA_V1};
#define SCHEMA_VERSION ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

int actrd_db_error(actrd_state_t *st, const char *what)
{
    actr_log(ACTR_LOG_ERROR, "actrd.store", "database error", ACTR_KV("op", what),
             ACTR_KV("error", st->db ? sqlite3_errmsg(st->db) : "not open"));
    return ACTR_EIO;
}

/* mkdir -p with mode 0700 for the directories we create. */
static int make_dirs(const char *dir, actr_error_t *err)
{
    char path[sizeof ((actrd_state_config_t *)0)->data_dir];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "data_dir is empty or too long");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return actr_error_set(err, errno == EACCES ? ACTR_EPERM : ACTR_EIO, ACTR_KIND_CLIENT, 0,
                                  "cannot create %s: %s", path, strerror(errno));
        path[i] = saved;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s is not a directory", dir);
    if (sb.st_mode & 077)
        actr_log(ACTR_LOG_WARN, "actrd.store",
                 "data directory is accessible to other users; the database inside stays 0600",
                 ACTR_KV("dir", dir));
    return 0;
}

/* Creates the database file 0600 (or tightens an existing one) before SQLite touches it. */
static int prepare_db_file(const char *path, actr_error_t *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return actr_error_set(err, errno == EACCES ? ACTR_EPERM : ACTR_EIO, ACTR_KIND_CLIENT, 0,
                              "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s is not a regular file", path);
    } else if ((sb.st_mode & 077) && fchmod(fd, 0600) == 0) {
        actr_log(ACTR_LOG_WARN, "actrd.store", "database file was readable by others; set to 0600",
                 ACTR_KV("path", path));
    }
    close(fd);
    return rc;
}

int actrd_exec(actrd_state_t *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        actr_log(ACTR_LOG_ERROR, "actrd.store", "database error", ACTR_KV("op", "exec"),
                 ACTR_KV("error", msg ? msg : sqlite3_errmsg(st->db)));
        sqlite3_free(msg);
        return ACTR_EIO;
    }
    return 0;
}

static int pragma_int(actrd_state_t *st, const char *sql, int *out)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return actrd_db_error(st, sql);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : actrd_db_error(st, sql);
}

static int migrate(actrd_state_t *st, actr_error_t *err)
{
    if (actrd_tx_begin(st) != 0)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "cannot lock the database");
    int version = 0;
    int rc = pragma_int(st, "PRAGMA user_version", &version);
    if (rc == 0 && version > SCHEMA_VERSION)
        rc = actr_error_set(err, ACTR_EUNSUPPORTED, ACTR_KIND_CLIENT, 0,
                            "database schema version %d is newer than this actrd's (%d)", version,
                            SCHEMA_VERSION);
    for (int v = version; rc == 0 && v < SCHEMA_VERSION; v++) {
        char pragma[40];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (actrd_exec(st, MIGRATIONS[v]) != 0 || actrd_exec(st, pragma) != 0)
            rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0,
                                "database migration to version %d failed", v + 1);
    }
    if (rc == 0 && actrd_tx_commit(st) == 0)
        return 0;
    actrd_tx_rollback(st);
    return rc ? rc : actr_error_set(err, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "migration commit failed");
}

int actrd_store_open(actrd_state_t *st, actr_error_t *err)
{
    char path[sizeof st->cfg.data_dir + sizeof ACTRD_DB_FILE + 1];
    int rc = make_dirs(st->cfg.data_dir, err);
    if (rc != 0)
        return rc;
    snprintf(path, sizeof path, "%s/%s", st->cfg.data_dir, ACTRD_DB_FILE);
    if ((rc = prepare_db_file(path, err)) != 0)
        return rc;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
        SQLITE_OK) {
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0, "cannot open %s: %s", path,
                            st->db ? sqlite3_errmsg(st->db) : "out of memory");
        actrd_store_close(st);
        return rc;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(st->db, 1);
    /* FULL sync: a consumed nonce or a rotated token must survive a power cut. secure_delete
     * overwrites the pages of wiped signing-key seeds and deleted token hashes. */
    if (actrd_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                       "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;") != 0) {
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0, "cannot configure %s: %s", path,
                            sqlite3_errmsg(st->db));
        actrd_store_close(st);
        return rc;
    }
    if ((rc = migrate(st, err)) != 0) {
        actrd_store_close(st);
        return rc;
    }
    return 0;
}

void actrd_store_close(actrd_state_t *st)
{
    for (int i = 0; i < ACTRD_STMT_CACHE; i++) {
        sqlite3_finalize(st->stmts[i].stmt);
        st->stmts[i].stmt = NULL;
        st->stmts[i].sql = NULL;
    }
    if (st->db)
        sqlite3_close(st->db);
    st->db = NULL;
}

sqlite3_stmt *actrd_stmt(actrd_state_t *st, const char *sql)
{
    int free_slot = -1;
    for (int i = 0; i < ACTRD_STMT_CACHE; i++) {
        if (st->stmts[i].sql == sql) {
            sqlite3_reset(st->stmts[i].stmt);
            sqlite3_clear_bindings(st->stmts[i].stmt);
            return st->stmts[i].stmt;
        }
        if (!st->stmts[i].sql && free_slot < 0)
            free_slot = i;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
        actrd_db_error(st, "prepare");
        return NULL;
    }
    if (free_slot < 0) {
        /* More distinct statements than slots is a bug: raise ACTRD_STMT_CACHE. */
        actr_log(ACTR_LOG_ERROR, "actrd.store", "statement cache full", ACTR_KV("sql", sql));
        sqlite3_finalize(stmt);
        return NULL;
    }
    st->stmts[free_slot].sql = sql;
    st->stmts[free_slot].stmt = stmt;
    return stmt;
}

void actrd_stmt_done(sqlite3_stmt *stmt)
{
    if (stmt)
        sqlite3_reset(stmt);
}

int actrd_stmt_run(actrd_state_t *st, sqlite3_stmt *stmt)
{
    if (!stmt)
        return ACTR_EIO;
    int rc = sqlite3_step(stmt);
    int out = 0;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        out = ACTR_EEXIST;
    else if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = actrd_db_error(st, "step");
    sqlite3_reset(stmt);
    return out;
}

int actrd_tx_begin(actrd_state_t *st)
{
    return actrd_exec(st, "BEGIN IMMEDIATE");
}

int actrd_tx_commit(actrd_state_t *st)
{
    return actrd_exec(st, "COMMIT");
}

void actrd_tx_rollback(actrd_state_t *st)
{
    if (st->db && !sqlite3_get_autocommit(st->db))
        actrd_exec(st, "ROLLBACK");
}

int actrd_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
    return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_STATIC) == SQLITE_OK ? 0 : ACTR_EIO;
}

void actrd_column_text(sqlite3_stmt *stmt, int col, char *buf, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(stmt, col);
    snprintf(buf, cap, "%s", t ? (const char *)t : "");
}

static const char SQL_SETTING_GET[] = "SELECT value FROM settings WHERE key = ?1";
static const char SQL_SETTING_SET[] =
    "INSERT INTO settings (key, value) VALUES (?1, ?2)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";

int actrd_setting_get(actrd_state_t *st, const char *key, void *buf, size_t cap, size_t *len)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_SETTING_GET);
    if (!s)
        return ACTR_EIO;
    actrd_bind_text(s, 1, key);
    int rc = sqlite3_step(s);
    int out = ACTR_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        const void *p = sqlite3_column_blob(s, 0);
        out = n > cap ? ACTR_ERANGE : 0;
        if (out == 0 && n)
            memcpy(buf, p, n);
        if (len)
            *len = n;
    } else if (rc != SQLITE_DONE) {
        out = actrd_db_error(st, "setting get");
    }
    actrd_stmt_done(s);
    return out;
}

int actrd_setting_set(actrd_state_t *st, const char *key, const void *data, size_t len)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_SETTING_SET);
    if (!s)
        return ACTR_EIO;
    actrd_bind_text(s, 1, key);
    sqlite3_bind_blob(s, 2, len ? data : "", (int)len, SQLITE_STATIC);
    return actrd_stmt_run(st, s);
}

int actrd_collect(actrd_state_t *st, sqlite3_stmt *s, size_t elem_size, actrd_row_fn row,
                  void **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!s)
        return ACTR_EIO;
    uint8_t *items = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            uint8_t *grown = realloc(items, cap * elem_size);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            items = grown;
        }
        row(s, items + n++ * elem_size);
    }
    actrd_stmt_done(s);
    if (rc != SQLITE_DONE) {
        free(items);
        return rc == SQLITE_NOMEM ? ACTR_ENOMEM : actrd_db_error(st, "list");
    }
    *out = items;
    *count = n;
    return 0;
}

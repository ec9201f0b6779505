/*
 * acl_rows.c - server-side ACL rows (protocol.md 9.4).
 *
 * A registering actor's RegisterRequest.acl says who may discover and reach it: each rule
 * becomes a row (realm = the actor's realm, source realm = rule.realm_id, NULL for any_realm, or
 * the actor's realm when unset; from_type and to_type as "m:n:v"). Each registration that carries
 * an ACL replaces the rows of its (realm, type); one without an ACL leaves them alone, so a
 * second instance that sends none does not wipe the rules of the first.
 *
 * Lookup differs from actrix in two ways, both on purpose:
 * - any-realm rows (source realm NULL) match every source realm; in actrix they never match;
 * - matching rows are combined deny-first (any DENY wins, else any ALLOW), as the node itself
 *   evaluates ACLs (platform.md 6.3), instead of "newest row wins". The two only differ for a
 *   rule list that both allows and denies the same caller.
 * No matching row: denied.
 */
#include <string.h>

#include "actr.pb-c.h"
#include "actr/log.h"
#include "state/state.h"

static const char SQL_ACL_DELETE[] = "DELETE FROM acl_rules WHERE realm_id = ?1 AND to_type = ?2";
static const char SQL_ACL_INSERT[] =
    "INSERT INTO acl_rules (realm_id, source_realm_id, from_type, to_type, allow, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_ACL_MATCH[] =
    "SELECT MIN(allow) FROM acl_rules WHERE realm_id = ?1 AND to_type = ?2 AND from_type = ?3"
    " AND (source_realm_id = ?4 OR source_realm_id IS NULL)";

int actrd_acl_replace(actrd_state_t *st, uint32_t realm_id, const char *to_type,
                      const Actr__Acl *acl)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_ACL_DELETE);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, realm_id);
    actrd_bind_text(s, 2, to_type);
    int rc = actrd_stmt_run(st, s);
    int64_t now = actrd_now_s(st);
    for (size_t i = 0; rc == 0 && i < acl->n_rules; i++) {
        const Actr__AclRule *rule = acl->rules[i];
        char from[ACTR_TYPE_STR_SIZE];
        actr_type_t type;
        /* A rule naming an impossible type could never match; skip it rather than fail. */
        if (!rule || !rule->from_type ||
            actr_type_set(&type, rule->from_type->manufacturer, rule->from_type->name,
                          rule->from_type->version, NULL) != 0 ||
            actr_type_format(&type, from, sizeof from, NULL) != 0) {
            actr_log(ACTR_LOG_WARN, "actrd.acl", "ignored an ACL rule with an invalid from_type",
                     ACTR_KV("to_type", to_type));
            continue;
        }
        if (!(s = actrd_stmt(st, SQL_ACL_INSERT)))
            return ACTR_EIO;
        sqlite3_bind_int64(s, 1, realm_id);
        if (rule->source_realm_case == ACTR__ACL_RULE__SOURCE_REALM_REALM_ID)
            sqlite3_bind_int64(s, 2, rule->realm_id);
        else if (rule->source_realm_case != ACTR__ACL_RULE__SOURCE_REALM_ANY_REALM)
            sqlite3_bind_int64(s, 2, realm_id); /* unset: the actor's own realm */
        actrd_bind_text(s, 3, from);
        actrd_bind_text(s, 4, to_type);
        sqlite3_bind_int(s, 5, rule->permission == ACTR__ACL_RULE__PERMISSION__ALLOW);
        sqlite3_bind_int64(s, 6, now);
        rc = actrd_stmt_run(st, s);
    }
    return rc;
}

bool actrd_acl_can_discover(actrd_state_t *st, uint32_t src_realm, uint32_t tgt_realm,
                            const char *from_type, const char *to_type)
{
    if (!st || !from_type || !to_type)
        return false;
    sqlite3_stmt *s = actrd_stmt(st, SQL_ACL_MATCH);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, tgt_realm);
    actrd_bind_text(s, 2, to_type);
    actrd_bind_text(s, 3, from_type);
    sqlite3_bind_int64(s, 4, src_realm);
    int rc = sqlite3_step(s);
    /* MIN(allow) is NULL without rows, 0 if any row denies, 1 if all allow. */
    bool allowed = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL &&
                   sqlite3_column_int(s, 0) == 1;
    if (rc != SQLITE_ROW)
        actrd_db_error(st, "acl lookup");
    actrd_stmt_done(s);
    return allowed;
}

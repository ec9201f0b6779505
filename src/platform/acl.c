/*
 * acl.c - the ACL model, its evaluation and rules from configuration (spec: platform.md 6).
 *
 * Evaluation follows core/runtime/src/acl.rs::check_acl_permission, except that a caller whose
 * identity did not decode is denied instead of being taken for a local call
 * (docs/ARCHITECTURE.md section 7, improvement 4).
 */
#include "actr/acl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int actr_acl_add_rule(actr_acl_t *acl, const actr_acl_rule_t *rule)
{
    if (!acl || !rule)
        return ACTR_EINVAL;
    if ((rule->permission != ACTR_ACL_DENY && rule->permission != ACTR_ACL_ALLOW) ||
        (rule->realm != ACTR_ACL_REALM_UNSET && rule->realm != ACTR_ACL_REALM_ANY &&
         rule->realm != ACTR_ACL_REALM_ID))
        return ACTR_EINVAL;
    if (acl->count == acl->capacity) {
        size_t cap = acl->capacity ? acl->capacity * 2 : 4;
        actr_acl_rule_t *grown = realloc(acl->rules, cap * sizeof *grown);
        if (!grown)
            return ACTR_ENOMEM;
        acl->rules = grown;
        acl->capacity = cap;
    }
    acl->rules[acl->count++] = *rule;
    return 0;
}

void actr_acl_free(actr_acl_t *acl)
{
    if (!acl)
        return;
    free(acl->rules);
    *acl = (actr_acl_t)ACTR_ACL_INIT;
}

/* ---- evaluation ---- */

static const char *const reason_texts[] = {
    [ACTR_ACL_REASON_LOCAL_CALLER] = "allowed: local call",
    [ACTR_ACL_REASON_NO_ACL] = "allowed: no ACL configured",
    [ACTR_ACL_REASON_ALLOW_RULE] = "allowed by a matching allow rule",
    [ACTR_ACL_REASON_DENY_RULE] = "denied by a matching deny rule",
    [ACTR_ACL_REASON_NO_RULES] = "denied: the ACL has no rules",
    [ACTR_ACL_REASON_NO_MATCH] = "denied: no rule matches the caller",
    [ACTR_ACL_REASON_UNDECODABLE] = "denied: the caller's identity could not be decoded",
    [ACTR_ACL_REASON_BAD_CALLER] = "denied: no caller identity given",
};

const char *actr_acl_reason_text(actr_acl_reason_t reason)
{
    size_t i = (size_t)reason;
    if (i < sizeof reason_texts / sizeof reason_texts[0] && reason_texts[i])
        return reason_texts[i];
    return "denied: unknown reason";
}

static actr_acl_decision_t decide(bool allowed, actr_acl_reason_t reason, long rule_index)
{
    actr_acl_decision_t d = {allowed, reason, rule_index, actr_acl_reason_text(reason)};
    return d;
}

bool actr_acl_rule_matches(const actr_acl_rule_t *rule, const actr_id_t *caller)
{
    if (!rule || !caller || !actr_type_equal(&rule->from_type, &caller->type))
        return false;
    switch (rule->realm) {
    case ACTR_ACL_REALM_UNSET:
    case ACTR_ACL_REALM_ANY:
        return true;
    case ACTR_ACL_REALM_ID:
        return rule->realm_id == caller->realm.realm_id;
    }
    return false; /* a corrupted enum matches nothing */
}

actr_acl_decision_t actr_acl_evaluate(const actr_acl_t *acl, actr_acl_caller_kind_t kind,
                                      const actr_id_t *caller)
{
    switch (kind) {
    case ACTR_ACL_CALLER_LOCAL:
        return decide(true, ACTR_ACL_REASON_LOCAL_CALLER, -1);
    case ACTR_ACL_CALLER_UNDECODABLE:
        return decide(false, ACTR_ACL_REASON_UNDECODABLE, -1);
    case ACTR_ACL_CALLER_REMOTE:
        if (caller)
            break;
        return decide(false, ACTR_ACL_REASON_BAD_CALLER, -1);
    default:
        return decide(false, ACTR_ACL_REASON_BAD_CALLER, -1);
    }
    if (!acl)
        return decide(true, ACTR_ACL_REASON_NO_ACL, -1);
    if (acl->count == 0 || !acl->rules)
        return decide(false, ACTR_ACL_REASON_NO_RULES, -1);
    long first_allow = -1;
    for (size_t i = 0; i < acl->count; i++) {
        const actr_acl_rule_t *rule = &acl->rules[i];
        if (!actr_acl_rule_matches(rule, caller))
            continue;
        if (rule->permission == ACTR_ACL_ALLOW) {
            if (first_allow < 0)
                first_allow = (long)i;
        } else {
            /* DENY, and anything that is not ALLOW: fail closed. */
            return decide(false, ACTR_ACL_REASON_DENY_RULE, (long)i);
        }
    }
    if (first_allow >= 0)
        return decide(true, ACTR_ACL_REASON_ALLOW_RULE, first_allow);
    return decide(false, ACTR_ACL_REASON_NO_MATCH, -1);
}

/* ---- messages ---- */

/* The id's string form, or fallback when there is none. */
static void format_id_or(const actr_id_t *id, const char *fallback, char *buf, size_t size)
{
    if (!id || actr_id_format(id, buf, size, NULL) != 0)
        snprintf(buf, size, "%s", fallback);
}

int actr_acl_denied_error(actr_acl_caller_kind_t kind, const actr_id_t *caller,
                          const actr_id_t *self, actr_error_t *err)
{
    char who[ACTR_ID_STR_SIZE], target[ACTR_ID_STR_SIZE];
    if (kind == ACTR_ACL_CALLER_LOCAL)
        snprintf(who, sizeof who, "<local>");
    else if (kind == ACTR_ACL_CALLER_UNDECODABLE)
        snprintf(who, sizeof who, "<undecodable caller>");
    else
        format_id_or(kind == ACTR_ACL_CALLER_REMOTE ? caller : NULL, "<unknown>", who, sizeof who);
    format_id_or(self, "<unknown>", target, sizeof target);
    return actr_error_set(err, ACTR_EPERM, ACTR_KIND_CLIENT, ACTR_WIRE_PERMISSION_DENIED,
                          "ACL denied: %s is not allowed to call %s", who, target);
}

int actr_acl_rule_format(const actr_acl_rule_t *rule, char *buf, size_t size)
{
    if (!rule || (!buf && size))
        return ACTR_EINVAL;
    char type[ACTR_TYPE_STR_SIZE];
    if (actr_type_format(&rule->from_type, type, sizeof type, NULL) != 0)
        snprintf(type, sizeof type, "<invalid type>");
    const char *perm = rule->permission == ACTR_ACL_ALLOW ? "allow" : "deny";
    int n;
    if (rule->realm == ACTR_ACL_REALM_ID)
        n = snprintf(buf, size, "%s %s realm=%lu", perm, type, (unsigned long)rule->realm_id);
    else if (rule->realm == ACTR_ACL_REALM_ANY)
        n = snprintf(buf, size, "%s %s realm=*", perm, type);
    else
        n = snprintf(buf, size, "%s %s", perm, type);
    return n >= 0 && (size_t)n < size ? 0 : ACTR_ERANGE;
}

/* ---- rules from configuration ---- */

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        if (ca != *b)
            return false;
    }
    return *a == *b;
}

/* Permission and type of a rule; the realm is the caller's business. */
static int parse_common(actr_acl_rule_t *rule, const char *permission, const char *type,
                        actr_error_t *err)
{
    if (!permission)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "ACL rule is missing 'permission'");
    if (ascii_ieq(permission, "allow"))
        rule->permission = ACTR_ACL_ALLOW;
    else if (ascii_ieq(permission, "deny"))
        rule->permission = ACTR_ACL_DENY;
    else
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "ACL rule permission must be 'allow' or 'deny', got '%.64s'",
                              permission);
    if (!type)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "ACL rule is missing 'type'");
    actr_error_t inner;
    int rc = actr_type_parse(&rule->from_type, type, strlen(type), &inner);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "ACL rule type '%.64s': %s", type,
                              inner.message);
    return 0;
}

/* Builds the rule once its realm is known; *out changes only on success. */
static int build_rule(actr_acl_rule_t *out, const char *permission, const char *type,
                      actr_acl_realm_match_t realm, uint32_t realm_id, actr_error_t *err)
{
    if (!out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no output rule");
    actr_acl_rule_t rule;
    memset(&rule, 0, sizeof rule);
    int rc = parse_common(&rule, permission, type, err);
    if (rc != 0)
        return rc;
    rule.realm = realm;
    rule.realm_id = realm_id;
    *out = rule;
    return 0;
}

int actr_acl_rule_parse(actr_acl_rule_t *out, const char *permission, const char *type,
                        const char *realm, uint32_t self_realm, actr_error_t *err)
{
    if (!realm || strcmp(realm, "self") == 0)
        return build_rule(out, permission, type, ACTR_ACL_REALM_ID, self_realm, err);
    if (strcmp(realm, "*") == 0)
        return build_rule(out, permission, type, ACTR_ACL_REALM_ANY, 0, err);
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                          "ACL rule realm must be \"self\", \"*\" or an integer, got '%.64s'",
                          realm);
}

int actr_acl_rule_parse_realm_id(actr_acl_rule_t *out, const char *permission, const char *type,
                                 int64_t realm_id, actr_error_t *err)
{
    if (realm_id < 0 || realm_id > (int64_t)UINT32_MAX)
        return actr_error_set(err, ACTR_ERANGE, ACTR_KIND_CLIENT, 0,
                              "ACL rule realm %lld is outside 0..4294967295", (long long)realm_id);
    return build_rule(out, permission, type, ACTR_ACL_REALM_ID, (uint32_t)realm_id, err);
}

/*
 * acl_section.c - the [acl] table (platform.md 6.2) of actr.toml and manifest.toml, turned into
 * rules with acl.h's builders. The texts follow the reference's InvalidAcl messages; every one
 * also names the file, the line and the key.
 */
#include "platform/config/config_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const rule_keys[] = {"permission", "type", "realm", NULL};

/* A required string of a rule: the reference's "ACL rule N missing 'field' field". */
static int rule_string(cfg_ctx_t *ctx, const actr_toml_value_t *rule, size_t idx,
                       const char *key, char **out)
{
    const actr_toml_value_t *v = actr_toml_get(rule, key);
    if (!v)
        return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(rule), NULL,
                        "ACL rule %zu missing '%s' field", idx, key);
    return cfg_string(ctx, v, key, out);
}

static int read_rule(cfg_ctx_t *ctx, const actr_toml_value_t *rule, size_t idx,
                     uint32_t self_realm, actr_acl_t *out)
{
    if (actr_toml_type(rule) != ACTR_TOML_TABLE)
        return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(rule), NULL,
                        "ACL rule %zu must be a table, found %s", idx,
                        actr_toml_type_name(actr_toml_type(rule)));
    int rc = cfg_check_keys(ctx, rule, rule_keys, false);
    char *permission = NULL, *type = NULL, *realm = NULL;
    if (rc == 0)
        rc = rule_string(ctx, rule, idx, "permission", &permission);
    if (rc == 0 && strcasecmp(permission, "allow") != 0 && strcasecmp(permission, "deny") != 0)
        rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(actr_toml_get(rule, "permission")),
                      "permission", "ACL rule %zu: invalid permission '%.32s', expected 'ALLOW' or 'DENY'",
                      idx, permission);
    if (rc == 0)
        rc = rule_string(ctx, rule, idx, "type", &type);

    const actr_toml_value_t *rv = actr_toml_get(rule, "realm");
    int64_t realm_id = 0;
    bool int_realm = actr_toml_type(rv) == ACTR_TOML_INTEGER;
    if (rc == 0 && rv && !int_realm) {
        if (actr_toml_type(rv) != ACTR_TOML_STRING)
            rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(rv), "realm",
                          "ACL rule %zu: realm must be 'self', '*', or an integer", idx);
        else if ((rc = cfg_string(ctx, rv, "realm", &realm)) == 0 && strcmp(realm, "self") != 0 &&
                 strcmp(realm, "*") != 0)
            rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(rv), "realm",
                          "ACL rule %zu: invalid realm '%.32s', expected 'self', '*', or an integer",
                          idx, realm);
    }
    actr_acl_rule_t built;
    actr_error_t why;
    if (rc == 0) {
        int brc;
        if (int_realm) {
            actr_toml_as_int(rv, &realm_id);
            brc = actr_acl_rule_parse_realm_id(&built, permission, type, realm_id, &why);
        } else {
            brc = actr_acl_rule_parse(&built, permission, type, realm, self_realm, &why);
        }
        /* Permission and realm strings are checked above: what is left is the type or an
         * out-of-range integer realm. */
        if (brc != 0) {
            const char *key = brc == ACTR_ERANGE ? "realm" : "type";
            rc = cfg_fail(ctx, brc, actr_toml_line(actr_toml_get(rule, key)), key, "%s",
                          why.message);
        }
    }
    if (rc == 0 && actr_acl_add_rule(out, &built) != 0)
        rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    free(permission);
    free(type);
    free(realm);
    return rc;
}

int cfg_read_acl(cfg_ctx_t *ctx, const actr_toml_value_t *acl, uint32_t self_realm,
                 actr_acl_t *out)
{
    static const char *const acl_keys[] = {"rules", NULL};
    size_t saved = cfg_push(ctx, "acl");
    int rc = 0;
    const actr_toml_value_t *rules = actr_toml_get(acl, "rules");
    if (actr_toml_type(acl) != ACTR_TOML_TABLE)
        rc = cfg_type_error(ctx, acl, NULL, "a table");
    else if (actr_toml_type(rules) != ACTR_TOML_ARRAY)
        rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(rules ? rules : acl), rules ? "rules" : NULL,
                      "ACL must have 'rules' array");
    else
        rc = cfg_check_keys(ctx, acl, acl_keys, false);
    for (size_t i = 0; rc == 0 && i < actr_toml_array_size(rules); i++) {
        size_t s2 = cfg_push(ctx, "rules");
        cfg_push_index(ctx, i);
        rc = read_rule(ctx, actr_toml_array_at(rules, i), i, self_realm, out);
        cfg_pop(ctx, s2);
    }
    cfg_pop(ctx, saved);
    if (rc != 0)
        actr_acl_free(out);
    return rc;
}

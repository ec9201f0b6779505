/*
 * acl.h - access control for inbound calls (spec: platform.md section 6).
 *
 * An ACL is an ordered list of rules. A rule matches a caller by its exact actor type
 * (manufacturer, name and version, case-sensitive) and optionally its realm; it never looks at
 * the serial number, the method or the target. Evaluation (actr_acl_evaluate()):
 *
 *   1. a local (in-process) caller is allowed;
 *   2. a caller whose identity could not be decoded is DENIED (the reference treats it as local
 *      and allows it: docs/PLATFORM.md);
 *   3. no ACL configured (NULL) allows everyone, for backward compatibility;
 *   4. an ACL with no rules denies everyone;
 *   5. any matching DENY rule denies, wherever it stands; otherwise any matching ALLOW rule
 *      allows; otherwise the caller is denied.
 *
 *   actr_acl_decision_t d = actr_acl_evaluate(acl, ACTR_ACL_CALLER_REMOTE, &caller_id);
 *   if (!d.allowed)
 *       return actr_acl_denied_error(ACTR_ACL_CALLER_REMOTE, &caller_id, &self_id, err);
 *
 * The wire form (Acl / AclRule in actr.proto) converts with actr_acl_decode()/actr_acl_encode().
 */
#ifndef ACTR_ACL_H
#define ACTR_ACL_H

#include <stdbool.h>

#include "actr/common.h"
#include "actr/error.h"
#include "actr/types.h"

ACTR_BEGIN_DECLS

typedef enum actr_acl_permission {
    ACTR_ACL_DENY = 0, /* the wire values of AclRule.Permission */
    ACTR_ACL_ALLOW = 1,
} actr_acl_permission_t;

/* Which realms a rule covers (the AclRule.source_realm oneof). */
typedef enum actr_acl_realm_match {
    ACTR_ACL_REALM_UNSET = 0, /* oneof not set: any realm */
    ACTR_ACL_REALM_ANY = 1,   /* any_realm: any realm (like the reference, whatever the bool) */
    ACTR_ACL_REALM_ID = 2,    /* realm_id: only callers of that realm */
} actr_acl_realm_match_t;

typedef struct actr_acl_rule {
    actr_acl_permission_t permission;
    actr_type_t from_type;
    actr_acl_realm_match_t realm;
    uint32_t realm_id; /* with ACTR_ACL_REALM_ID only */
} actr_acl_rule_t;

/* A growable list of rules, owned by the struct. Start from ACTR_ACL_INIT; free with
 * actr_acl_free(). */
typedef struct actr_acl {
    actr_acl_rule_t *rules;
    size_t count;
    size_t capacity;
} actr_acl_t;

#define ACTR_ACL_INIT {NULL, 0, 0}

/* Appends a copy of rule. Returns 0, ACTR_EINVAL (NULL or out-of-range enums) or ACTR_ENOMEM. */
ACTR_API int actr_acl_add_rule(actr_acl_t *acl, const actr_acl_rule_t *rule);

/* Frees the rules and resets *acl to empty (an empty ACL denies everyone: see above). */
ACTR_API void actr_acl_free(actr_acl_t *acl);

/* Who is calling. */
typedef enum actr_acl_caller_kind {
    ACTR_ACL_CALLER_LOCAL = 0,       /* in-process (the Shell->Guest lane): no identity needed */
    ACTR_ACL_CALLER_REMOTE = 1,      /* a peer whose ActrId was decoded */
    ACTR_ACL_CALLER_UNDECODABLE = 2, /* a peer whose ActrId bytes did not decode */
} actr_acl_caller_kind_t;

typedef enum actr_acl_reason {
    ACTR_ACL_REASON_LOCAL_CALLER = 0, /* allowed */
    ACTR_ACL_REASON_NO_ACL,           /* allowed */
    ACTR_ACL_REASON_ALLOW_RULE,       /* allowed by rule_index */
    ACTR_ACL_REASON_DENY_RULE,        /* denied by rule_index */
    ACTR_ACL_REASON_NO_RULES,         /* denied: the ACL is empty */
    ACTR_ACL_REASON_NO_MATCH,         /* denied: no rule matches the caller */
    ACTR_ACL_REASON_UNDECODABLE,      /* denied: the caller's identity did not decode */
    ACTR_ACL_REASON_BAD_CALLER,       /* denied: REMOTE without an id, or an unknown kind */
} actr_acl_reason_t;

typedef struct actr_acl_decision {
    bool allowed;
    actr_acl_reason_t reason;
    long rule_index;    /* the rule that decided, or -1 */
    const char *detail; /* static text for logs, e.g. "denied by a matching deny rule" */
} actr_acl_decision_t;

/*
 * Decides whether the caller may call. acl NULL means "no ACL configured". caller is needed for
 * ACTR_ACL_CALLER_REMOTE and ignored otherwise. Never fails: bad input is a denial.
 */
ACTR_API actr_acl_decision_t actr_acl_evaluate(const actr_acl_t *acl,
                                               actr_acl_caller_kind_t kind,
                                               const actr_id_t *caller);

/* Whether rule applies to caller: same type (bytewise) and a matching realm. */
ACTR_API bool actr_acl_rule_matches(const actr_acl_rule_t *rule, const actr_id_t *caller);

/* Static text of a reason (as in actr_acl_decision_t.detail). Never NULL. */
ACTR_API const char *actr_acl_reason_text(actr_acl_reason_t reason);

/*
 * Fills err with the PermissionDenied error of a denied call (kind Client, wire code 10004) and
 * returns ACTR_EPERM. Message: "ACL denied: {caller} is not allowed to call {self}", ids in their
 * string form; an undecodable caller is written "<undecodable caller>", a local one "<local>".
 */
ACTR_API int actr_acl_denied_error(actr_acl_caller_kind_t kind, const actr_id_t *caller,
                                   const actr_id_t *self, actr_error_t *err);

/*
 * Writes a rule for logs, e.g. "allow acme:EchoClient:1.0.0 realm=7" ("realm=*" for any realm,
 * nothing for unset). Returns 0 or ACTR_ERANGE when size is too small (output truncated).
 */
ACTR_API int actr_acl_rule_format(const actr_acl_rule_t *rule, char *buf, size_t size);

/* ---- building rules from configuration ([[acl.rules]] in actr.toml, platform.md 6.2) ---- */

/*
 * Builds a rule from its config strings: permission "allow" or "deny" (ASCII case-insensitive),
 * type "manufacturer:name:version" (actr_type_parse() rules), realm NULL or "self" (the
 * deployment's self_realm), or "*" (any realm). ACTR_EINVAL / ACTR_EPARSE with a message naming
 * the bad field; *out is unchanged on failure. Integer realms: actr_acl_rule_parse_realm_id().
 */
ACTR_API int actr_acl_rule_parse(actr_acl_rule_t *out, const char *permission, const char *type,
                                 const char *realm, uint32_t self_realm, actr_error_t *err);

/*
 * As actr_acl_rule_parse() with an integer realm (a TOML integer): 0..4294967295, anything else
 * is ACTR_ERANGE (the reference wraps it with `as u32`).
 */
ACTR_API int actr_acl_rule_parse_realm_id(actr_acl_rule_t *out, const char *permission,
                                          const char *type, int64_t realm_id, actr_error_t *err);

/* ---- wire form (actr.Acl) ---- */

/*
 * Decodes an encoded actr.Acl into *out (initialised here; free with actr_acl_free()). Every
 * rule's type must pass actr_type_validate() and its permission must be DENY or ALLOW; otherwise
 * the whole ACL is refused (ACTR_EINVAL naming the rule), since dropping a rule could drop a deny.
 * any_realm=false is read as "any realm", like the reference. Malformed bytes: ACTR_EPARSE.
 */
ACTR_API int actr_acl_decode(const uint8_t *data, size_t len, actr_acl_t *out, actr_error_t *err);

/* Encodes acl as actr.Acl into a new malloc'd buffer (free() it; never NULL on success). */
ACTR_API int actr_acl_encode(const actr_acl_t *acl, uint8_t **out, size_t *out_len,
                             actr_error_t *err);

ACTR_END_DECLS

#endif /* ACTR_ACL_H */

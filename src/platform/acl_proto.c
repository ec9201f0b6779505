/*
 * acl_proto.c - ACL model <-> actr.Acl (protobuf-c), and the encoded form (see acl_proto.h and
 * actr_acl_decode() in acl.h).
 */
#include "platform/acl_proto.h"

#include <stdlib.h>
#include <string.h>

#include "codec/pb.h"

static int rule_fail(actr_error_t *err, size_t index, const char *what, const char *detail)
{
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "ACL rule %zu: %s%s%s", index,
                          what, detail ? ": " : "", detail ? detail : "");
}

static int rule_from_proto(const Actr__AclRule *r, size_t index, actr_acl_rule_t *out,
                           actr_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!r || !r->from_type)
        return rule_fail(err, index, "no from_type", NULL);
    switch (r->permission) {
    case ACTR__ACL_RULE__PERMISSION__ALLOW:
        out->permission = ACTR_ACL_ALLOW;
        break;
    case ACTR__ACL_RULE__PERMISSION__DENY:
        out->permission = ACTR_ACL_DENY;
        break;
    default:
        return rule_fail(err, index, "unknown permission", NULL);
    }
    const Actr__ActrType *t = r->from_type;
    actr_error_t inner;
    if (!t->manufacturer || !t->name || !t->version)
        return rule_fail(err, index, "incomplete from_type", NULL);
    if (actr_type_set(&out->from_type, t->manufacturer, t->name, t->version, &inner) != 0)
        return rule_fail(err, index, "invalid from_type", inner.message);
    switch (r->source_realm_case) {
    case ACTR__ACL_RULE__SOURCE_REALM__NOT_SET:
        out->realm = ACTR_ACL_REALM_UNSET;
        break;
    case ACTR__ACL_RULE__SOURCE_REALM_ANY_REALM:
        out->realm = ACTR_ACL_REALM_ANY; /* the reference ignores the bool's value */
        break;
    case ACTR__ACL_RULE__SOURCE_REALM_REALM_ID:
        out->realm = ACTR_ACL_REALM_ID;
        out->realm_id = r->realm_id;
        break;
    default:
        return rule_fail(err, index, "unknown source_realm", NULL);
    }
    return 0;
}

int actr_acl_from_proto(const Actr__Acl *pb, actr_acl_t *out, actr_error_t *err)
{
    if (!out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no output ACL");
    *out = (actr_acl_t)ACTR_ACL_INIT;
    if (!pb || (pb->n_rules > 0 && !pb->rules))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no ACL message");
    for (size_t i = 0; i < pb->n_rules; i++) {
        actr_acl_rule_t rule;
        int rc = rule_from_proto(pb->rules[i], i, &rule, err);
        if (rc == 0 && actr_acl_add_rule(out, &rule) != 0)
            rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        if (rc != 0) {
            actr_acl_free(out);
            return rc;
        }
    }
    return 0;
}

void actr_acl_proto_free(Actr__Acl *pb)
{
    if (pb)
        protobuf_c_message_free_unpacked(&pb->base, NULL);
}

/* Fills one rule message; its parts hang off r as soon as they exist, so freeing r frees them. */
static int rule_to_proto(const actr_acl_rule_t *rule, Actr__AclRule *r)
{
    r->permission = rule->permission == ACTR_ACL_ALLOW ? ACTR__ACL_RULE__PERMISSION__ALLOW
                                                       : ACTR__ACL_RULE__PERMISSION__DENY;
    Actr__ActrType *t = malloc(sizeof *t);
    if (!t)
        return ACTR_ENOMEM;
    actr__actr_type__init(t);
    r->from_type = t;
    t->manufacturer = strdup(rule->from_type.manufacturer);
    t->name = strdup(rule->from_type.name);
    t->version = strdup(rule->from_type.version);
    if (!t->manufacturer || !t->name || !t->version)
        return ACTR_ENOMEM;
    if (rule->realm == ACTR_ACL_REALM_ANY) {
        r->source_realm_case = ACTR__ACL_RULE__SOURCE_REALM_ANY_REALM;
        r->any_realm = 1;
    } else if (rule->realm == ACTR_ACL_REALM_ID) {
        r->source_realm_case = ACTR__ACL_RULE__SOURCE_REALM_REALM_ID;
        r->realm_id = rule->realm_id;
    }
    return 0;
}

/* The rules decode would refuse are refused here too, so encode/decode agree. */
static int check_rules(const actr_acl_t *acl, actr_error_t *err)
{
    for (size_t i = 0; i < acl->count; i++) {
        const actr_acl_rule_t *rule = &acl->rules[i];
        actr_error_t inner;
        if (actr_type_validate(&rule->from_type, &inner) != 0)
            return rule_fail(err, i, "invalid from_type", inner.message);
        if (rule->permission != ACTR_ACL_ALLOW && rule->permission != ACTR_ACL_DENY)
            return rule_fail(err, i, "unknown permission", NULL);
    }
    return 0;
}

int actr_acl_to_proto(const actr_acl_t *acl, Actr__Acl **out, actr_error_t *err)
{
    if (out)
        *out = NULL;
    if (!acl || !out || (acl->count > 0 && !acl->rules))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no ACL or output");
    int rc = check_rules(acl, err);
    if (rc != 0)
        return rc;
    Actr__Acl *pb = malloc(sizeof *pb);
    if (!pb)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    actr__acl__init(pb);
    if (acl->count > 0 && !(pb->rules = calloc(acl->count, sizeof *pb->rules)))
        rc = ACTR_ENOMEM;
    for (size_t i = 0; rc == 0 && i < acl->count; i++) {
        Actr__AclRule *r = malloc(sizeof *r);
        if (!r) {
            rc = ACTR_ENOMEM;
            break;
        }
        actr__acl_rule__init(r);
        pb->rules[pb->n_rules++] = r;
        rc = rule_to_proto(&acl->rules[i], r);
    }
    if (rc != 0) {
        actr_acl_proto_free(pb);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    *out = pb;
    return 0;
}

/* ---- encoded form (public, acl.h) ---- */

int actr_acl_decode(const uint8_t *data, size_t len, actr_acl_t *out, actr_error_t *err)
{
    if (!out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no output ACL");
    *out = (actr_acl_t)ACTR_ACL_INIT;
    ProtobufCMessage *msg;
    int rc = actr_pb_decode(&actr__acl__descriptor, data, len, &msg, err);
    if (rc != 0)
        return rc;
    rc = actr_acl_from_proto((const Actr__Acl *)msg, out, err);
    actr_pb_free(msg);
    return rc;
}

int actr_acl_encode(const actr_acl_t *acl, uint8_t **out, size_t *out_len, actr_error_t *err)
{
    if (out)
        *out = NULL;
    Actr__Acl *pb;
    int rc = actr_acl_to_proto(acl, &pb, err);
    if (rc != 0)
        return rc;
    rc = actr_pb_encode(&pb->base, out, out_len, err);
    actr_acl_proto_free(pb);
    return rc;
}

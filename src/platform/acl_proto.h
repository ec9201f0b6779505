/*
 * acl_proto.h - the ACL model to and from the generated protobuf-c structs (actr.Acl), for
 * messages that embed an ACL (RegisterRequest.acl, actrd's store). Not public: the generated
 * types are private to the library.
 */
#ifndef ACTR_PLATFORM_ACL_PROTO_H
#define ACTR_PLATFORM_ACL_PROTO_H

#include "actr.pb-c.h"
#include "actr/acl.h"

/*
 * Converts pb into *out (initialised here; free with actr_acl_free()). Refuses the whole ACL
 * (ACTR_EINVAL, the rule index in err) when a rule has no or an invalid type or an unknown
 * permission. *out is empty on failure.
 */
int actr_acl_from_proto(const Actr__Acl *pb, actr_acl_t *out, actr_error_t *err);

/*
 * Builds a new Actr__Acl from acl, every part malloc'd, so it may be freed either with
 * actr_acl_proto_free() or as part of an enclosing message with protobuf_c_message_free_unpacked(
 * msg, NULL). ACTR_EINVAL or ACTR_ENOMEM; *out is NULL on failure.
 */
int actr_acl_to_proto(const actr_acl_t *acl, Actr__Acl **out, actr_error_t *err);

/* Frees a message made by actr_acl_to_proto(). NULL is allowed. */
void actr_acl_proto_free(Actr__Acl *pb);

#endif /* ACTR_PLATFORM_ACL_PROTO_H */

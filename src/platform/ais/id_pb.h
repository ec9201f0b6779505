/*
 * id_pb.h - ActrId and ActrType between actr_id_t and the generated protobuf-c structs, for the
 * AIS messages (RegisterRequest, RenewCredentialRequest, RegisterOk).
 */
#ifndef ACTR_PLATFORM_AIS_ID_PB_H
#define ACTR_PLATFORM_AIS_ID_PB_H

#include "actr.pb-c.h"
#include "actr/error.h"
#include "actr/types.h"

/*
 * An ActrId message that borrows its strings from an actr_id_t: build it on the stack, encode
 * the enclosing message, and let both go (protobuf-c's encoder only reads the strings).
 */
typedef struct actr_id_pb {
    Actr__ActrId id;
    Actr__Realm realm;
    Actr__ActrType type;
} actr_id_pb_t;

/* Points p's messages at id's fields (id must outlive p). */
void actr_id_pb_init(actr_id_pb_t *p, const actr_id_t *id);

/* An ActrType message borrowing type's strings. */
void actr_type_pb_init(Actr__ActrType *pb, const actr_type_t *type);

/*
 * Converts a decoded ActrId into *out and validates its type (actr_type_validate()): EINVAL for
 * a missing realm or type or an invalid type, ETOOBIG for a part longer than our caps; err names
 * the problem. *out is zeroed on failure.
 */
int actr_id_from_pb(const Actr__ActrId *in, actr_id_t *out, actr_error_t *err);

#endif /* ACTR_PLATFORM_AIS_ID_PB_H */

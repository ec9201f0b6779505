/*
 * id_pb.c - ActrId conversions for the AIS messages.
 */
#include "platform/ais/id_pb.h"

#include <string.h>

void actr_type_pb_init(Actr__ActrType *pb, const actr_type_t *type)
{
    actr__actr_type__init(pb);
    /* protobuf-c's message structs take char *; the encoder only reads them. */
    pb->manufacturer = (char *)type->manufacturer;
    pb->name = (char *)type->name;
    pb->version = (char *)type->version;
}

void actr_id_pb_init(actr_id_pb_t *p, const actr_id_t *id)
{
    actr__actr_id__init(&p->id);
    actr__realm__init(&p->realm);
    actr_type_pb_init(&p->type, &id->type);
    p->realm.realm_id = id->realm.realm_id;
    p->id.realm = &p->realm;
    p->id.serial_number = id->serial_number;
    p->id.type = &p->type;
}

static int copy_part(char *dst, size_t cap, const char *src, const char *what, actr_error_t *err)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CORRUPT, 0,
                              "ActrId type %s is %zu bytes (at most %zu)", what, n, cap - 1);
    memcpy(dst, src ? src : "", n + 1);
    return 0;
}

int actr_id_from_pb(const Actr__ActrId *in, actr_id_t *out, actr_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!in || !in->realm || !in->type)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CORRUPT, 0,
                              "ActrId without %s", !in ? "any field" : !in->realm ? "realm" : "type");
    actr_id_t id = {0};
    id.realm.realm_id = in->realm->realm_id;
    id.serial_number = in->serial_number;
    int rc = copy_part(id.type.manufacturer, sizeof id.type.manufacturer, in->type->manufacturer,
                       "manufacturer", err);
    if (rc == 0)
        rc = copy_part(id.type.name, sizeof id.type.name, in->type->name, "name", err);
    if (rc == 0)
        rc = copy_part(id.type.version, sizeof id.type.version, in->type->version, "version", err);
    if (rc == 0 && (rc = actr_type_validate(&id.type, err)) != 0)
        rc = ACTR_EINVAL;
    if (rc == 0)
        *out = id;
    return rc;
}

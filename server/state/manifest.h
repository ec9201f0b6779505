/* manifest.h - the package-manifest keys AIS reads (see manifest.c). */
#ifndef ACTRD_STATE_MANIFEST_H
#define ACTRD_STATE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "codec/toml.h"

typedef struct actrd_manifest {
    actr_toml_value_t *root;
    /* Borrowed from root; NULL when the key is missing or not a plain string. */
    const char *manufacturer, *name, *version, *signing_key_id, *target;
} actrd_manifest_t;

/* Parses raw TOML: 0, or ACTR_EPARSE / ACTR_ENOMEM with a message in msg. */
int actrd_manifest_parse(const uint8_t *raw, size_t len, actrd_manifest_t *m, char *msg,
                         size_t cap);
void actrd_manifest_free(actrd_manifest_t *m);

#endif /* ACTRD_STATE_MANIFEST_H */

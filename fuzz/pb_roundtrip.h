/*
 * pb_roundtrip.h - body shared by the protobuf fuzz targets: decode with codec/pb; when that
 * succeeds, our own encoding must decode again and re-encode to the same bytes. Any crash, leak,
 * sanitizer report or abort() is a finding.
 */
#ifndef ACTR_FUZZ_PB_ROUNDTRIP_H
#define ACTR_FUZZ_PB_ROUNDTRIP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/pb.h"

static int actr_fuzz_pb_roundtrip(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                                  size_t size)
{
    ProtobufCMessage *first = NULL, *second = NULL;
    uint8_t *once = NULL, *twice = NULL;
    size_t once_len, twice_len;
    if (actr_pb_decode(desc, data, size, &first, NULL) != 0)
        return 0;
    /* Filled-in defaults can make the encoding outgrow the cap; that is a refusal, not a bug. */
    int rc = actr_pb_encode(first, &once, &once_len, NULL);
    if (rc == 0) {
        if (actr_pb_decode(desc, once, once_len, &second, NULL) != 0)
            abort(); /* we wrote something we cannot read */
        if (actr_pb_encode(second, &twice, &twice_len, NULL) != 0)
            abort();
        if (twice_len != once_len || memcmp(once, twice, once_len) != 0)
            abort(); /* the encoding is not stable */
    } else if (rc != ACTR_ETOOBIG) {
        abort();
    }
    free(once);
    free(twice);
    actr_pb_free(first);
    actr_pb_free(second);
    return 0;
}

#endif /* ACTR_FUZZ_PB_ROUNDTRIP_H */

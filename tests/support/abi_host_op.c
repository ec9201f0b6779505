/* abi_host_op.c - see abi_host_op.h. */
#include "abi_host_op.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "abi.pb-c.h"
#include "codec/pb.h"
#include "engine/abi/abi.h"

void abi_host_op(uint64_t token, uint32_t op, const ProtobufCMessage *msg, char *out,
                 size_t cap)
{
    uint8_t *inner, *frame, *reply = NULL;
    size_t inner_len, frame_len, reply_len = 0;
    assert_int_equal(actr_pb_encode(msg, &inner, &inner_len, NULL), 0);
    assert_int_equal(actr_abi_frame_encode(op, inner, inner_len, &frame, &frame_len), 0);
    int32_t rc = actr_abi_host_invoke(token, frame, frame_len, &reply, &reply_len);
    free(inner);
    free(frame);
    if (rc != 0) {
        snprintf(out, cap, "%d", rc);
        return;
    }
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__abi__abi_reply__descriptor, reply, reply_len, &m, NULL),
                     0);
    const Actr__Abi__AbiReply *r = (const Actr__Abi__AbiReply *)m;
    snprintf(out, cap, "0/%d/%.*s", r->status, (int)r->payload.len, (const char *)r->payload.data);
    actr_pb_free(m);
    free(reply);
}

/*
 * Fuzz target: the guest ABI's host side (src/engine/abi) fed with hostile guest bytes: a
 * guest->host AbiFrame through actr_abi_host_invoke (frame, version, op and op message decoding;
 * the token is unknown, so no runtime is needed), and the same bytes as a guest's AbiReply and
 * as a host->guest frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/abi/abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    int32_t rc = actr_abi_host_invoke(0, data, size, &reply, &reply_len);
    /* A reply exists exactly when invoke says so, and it decodes as an AbiReply. */
    if ((rc == ACTR_ABI_SUCCESS) != (reply != NULL))
        abort();
    if (reply) {
        actr_buf_t payload;
        int32_t status;
        if (actr_abi_reply_decode(reply, reply_len, &payload, &status, NULL) == 0 ||
            status == ACTR_ABI_SUCCESS)
            abort(); /* token 0 is never registered: every op must fail */
        free(reply);
    }
    actr_buf_t payload;
    if (actr_abi_reply_decode(data, size, &payload, NULL, NULL) == 0)
        actr_buf_release(&payload);
    uint32_t op;
    uint8_t *inner;
    size_t inner_len;
    if (actr_abi_frame_decode(data, size, &op, &inner, &inner_len, NULL) == 0)
        free(inner);
    return 0;
}

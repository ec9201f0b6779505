/* abi_host_op.h - the guest side of one host op for the ABI tests: frame msg, invoke it with
 * the guest's bridge token, and describe the reply as text. */
#ifndef ACTR_TEST_ABI_HOST_OP_H
#define ACTR_TEST_ABI_HOST_OP_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* Writes "<invoke rc>" when the invoke failed, else "0/<reply status>/<reply payload text>". */
void abi_host_op(uint64_t token, uint32_t op, const ProtobufCMessage *msg, char *out,
                 size_t cap);

#endif /* ACTR_TEST_ABI_HOST_OP_H */

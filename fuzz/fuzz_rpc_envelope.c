/* Fuzz target: RpcEnvelope, what every RPC lane carries (runtime.md §1.1), through codec/pb. */
#include <stddef.h>
#include <stdint.h>

#include "package.pb-c.h"
#include "pb_roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return actr_fuzz_pb_roundtrip(&actr__rpc_envelope__descriptor, data, size);
}

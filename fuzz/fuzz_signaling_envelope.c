/* Fuzz target: SignalingEnvelope, every frame on the signaling WebSocket (protocol.md §3.6, §6.2),
 * through codec/pb. It reaches nearly every message of actr.proto and webrtc.proto. */
#include <stddef.h>
#include <stdint.h>

#include "pb_roundtrip.h"
#include "signaling.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return actr_fuzz_pb_roundtrip(&signaling__signaling_envelope__descriptor, data, size);
}

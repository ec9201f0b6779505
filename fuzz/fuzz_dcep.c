/*
 * fuzz_dcep.c - the DCEP message decoder (src/wire/webrtc/dcep.c): whatever a peer sends on
 * PPID 50 must decode or fail with ACTR_EPARSE, never read out of bounds; a decoded OPEN is
 * re-encoded for the lane its label names and decoded again to the same label and QoS.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/webrtc/dcep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    actr_dcep_open_t o;
    if (actr_dcep_decode_open(data, size, &o) != 0)
        return 0;
    bool unordered;
    int rexmit;
    actr_dcep_open_qos(&o, &unordered, &rexmit);
    if (rexmit < -1)
        __builtin_trap();
    int lane = actr_rtc_lane_by_label(o.label, strlen(o.label));
    if (lane < 0)
        return 0;
    uint8_t buf[300];
    size_t n = actr_dcep_encode_open((actr_rtc_lane_t)lane, buf, sizeof(buf));
    actr_dcep_open_t again;
    if (n == 0 || actr_dcep_decode_open(buf, n, &again) != 0 || strcmp(again.label, o.label) != 0)
        __builtin_trap();
    return 0;
}

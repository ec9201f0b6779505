/*
 * dcep.c - RFC 8832 message codec and the lane table (see dcep.h).
 *
 *   DATA_CHANNEL_OPEN: type u8 (0x03) | channel type u8 | priority u16 | reliability u32 |
 *                      label length u16 | protocol length u16 | label | protocol   (big-endian)
 *   DATA_CHANNEL_ACK:  type u8 (0x02)
 */
#include "wire/webrtc/dcep.h"

#include <string.h>

#include "actr/error.h"

static const actr_rtc_lane_info_t g_lanes[ACTR_RTC_LANE_COUNT] = {
    [ACTR_RTC_LANE_RPC_RELIABLE] = {"RPC_RELIABLE", false, -1},
    [ACTR_RTC_LANE_RPC_SIGNAL] = {"RPC_SIGNAL", false, -1},
    [ACTR_RTC_LANE_STREAM_RELIABLE] = {"STREAM_RELIABLE", false, -1},
    [ACTR_RTC_LANE_STREAM_LATENCY_FIRST] = {"STREAM_LATENCY_FIRST", true, 3},
};

/* What browsers use for a "normal" priority channel (RFC 8831 6.4). */
#define DCEP_PRIORITY 256

const actr_rtc_lane_info_t *actr_rtc_lane_info(actr_rtc_lane_t lane)
{
    if ((int)lane < 0 || lane >= ACTR_RTC_LANE_COUNT)
        return NULL;
    return &g_lanes[lane];
}

int actr_rtc_lane_by_label(const char *label, size_t len)
{
    for (int i = 0; i < ACTR_RTC_LANE_COUNT; i++)
        if (strlen(g_lanes[i].label) == len && memcmp(g_lanes[i].label, label, len) == 0)
            return i;
    return -1;
}

size_t actr_dcep_encode_open(actr_rtc_lane_t lane, uint8_t *buf, size_t cap)
{
    const actr_rtc_lane_info_t *li = actr_rtc_lane_info(lane);
    if (!li)
        return 0;
    size_t llen = strlen(li->label);
    size_t n = 12 + llen;
    if (cap < n)
        return 0;
    uint8_t type = li->max_rexmit >= 0
                       ? (li->unordered ? ACTR_DCEP_PARTIAL_REXMIT_UNORDERED : ACTR_DCEP_PARTIAL_REXMIT)
                       : (li->unordered ? ACTR_DCEP_RELIABLE_UNORDERED : ACTR_DCEP_RELIABLE);
    uint32_t rel = li->max_rexmit >= 0 ? (uint32_t)li->max_rexmit : 0;
    buf[0] = ACTR_DCEP_OPEN;
    buf[1] = type;
    buf[2] = DCEP_PRIORITY >> 8;
    buf[3] = DCEP_PRIORITY & 0xff;
    buf[4] = (uint8_t)(rel >> 24);
    buf[5] = (uint8_t)(rel >> 16);
    buf[6] = (uint8_t)(rel >> 8);
    buf[7] = (uint8_t)rel;
    buf[8] = (uint8_t)(llen >> 8);
    buf[9] = (uint8_t)llen;
    buf[10] = 0; /* protocol "" */
    buf[11] = 0;
    memcpy(buf + 12, li->label, llen);
    return n;
}

int actr_dcep_decode_open(const uint8_t *msg, size_t len, actr_dcep_open_t *out)
{
    if (!msg || len < 12 || msg[0] != ACTR_DCEP_OPEN)
        return ACTR_EPARSE;
    size_t llen = ((size_t)msg[8] << 8) | msg[9];
    size_t plen = ((size_t)msg[10] << 8) | msg[11];
    if (llen > ACTR_DCEP_LABEL_MAX || plen > ACTR_DCEP_LABEL_MAX || 12 + llen + plen > len)
        return ACTR_EPARSE;
    memset(out, 0, sizeof(*out));
    out->channel_type = msg[1];
    out->priority = (uint16_t)((msg[2] << 8) | msg[3]);
    out->reliability = ((uint32_t)msg[4] << 24) | ((uint32_t)msg[5] << 16) |
                       ((uint32_t)msg[6] << 8) | msg[7];
    memcpy(out->label, msg + 12, llen);
    memcpy(out->protocol, msg + 12 + llen, plen);
    return 0;
}

void actr_dcep_open_qos(const actr_dcep_open_t *o, bool *unordered, int *max_rexmit)
{
    *unordered = (o->channel_type & 0x80) != 0;
    if ((o->channel_type & 0x7f) == ACTR_DCEP_PARTIAL_REXMIT)
        *max_rexmit = o->reliability > 0x7fffffff ? 0x7fffffff : (int)o->reliability;
    else
        *max_rexmit = -1;
}

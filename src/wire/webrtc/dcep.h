/*
 * dcep.h - the Data Channel Establishment Protocol (RFC 8832) and our four lanes.
 *
 * DATA_CHANNEL_OPEN / DATA_CHANNEL_ACK encode and decode (PPID 50), and the lane table of
 * spec/protocol.md 8.1: label = PayloadType name, STREAM_LATENCY_FIRST unordered with
 * maxRetransmits = 3, the others ordered and reliable, protocol "" and priority 256 for all.
 */
#ifndef ACTR_WIRE_WEBRTC_DCEP_H
#define ACTR_WIRE_WEBRTC_DCEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lanes by their actr.PayloadType value. */
typedef enum actr_rtc_lane {
    ACTR_RTC_LANE_RPC_RELIABLE = 0,
    ACTR_RTC_LANE_RPC_SIGNAL = 1,
    ACTR_RTC_LANE_STREAM_RELIABLE = 2,
    ACTR_RTC_LANE_STREAM_LATENCY_FIRST = 3,
    ACTR_RTC_LANE_COUNT = 4,
} actr_rtc_lane_t;

enum {
    ACTR_DCEP_ACK = 0x02,
    ACTR_DCEP_OPEN = 0x03,
};

/* Channel types (RFC 8832 5.1). */
enum {
    ACTR_DCEP_RELIABLE = 0x00,
    ACTR_DCEP_RELIABLE_UNORDERED = 0x80,
    ACTR_DCEP_PARTIAL_REXMIT = 0x01,
    ACTR_DCEP_PARTIAL_REXMIT_UNORDERED = 0x81,
    ACTR_DCEP_PARTIAL_TIMED = 0x02,
    ACTR_DCEP_PARTIAL_TIMED_UNORDERED = 0x82,
};

#define ACTR_DCEP_LABEL_MAX 255

typedef struct actr_dcep_open {
    uint8_t channel_type;
    uint16_t priority;
    uint32_t reliability; /* retransmissions or lifetime ms, by type */
    char label[ACTR_DCEP_LABEL_MAX + 1];
    char protocol[ACTR_DCEP_LABEL_MAX + 1];
} actr_dcep_open_t;

/* The QoS of one lane. */
typedef struct actr_rtc_lane_info {
    const char *label;
    bool unordered;
    int max_rexmit; /* -1: reliable */
} actr_rtc_lane_info_t;

/* The lane's label and QoS, or NULL for a value outside 0..3. */
const actr_rtc_lane_info_t *actr_rtc_lane_info(actr_rtc_lane_t lane);

/* The lane named by a label ("RPC_RELIABLE", ...), or -1 for an unknown label. */
int actr_rtc_lane_by_label(const char *label, size_t len);

/* Encodes an OPEN for lane into buf. Returns the length, or 0 when cap is too small. */
size_t actr_dcep_encode_open(actr_rtc_lane_t lane, uint8_t *buf, size_t cap);

/* Decodes an OPEN message. Returns 0 or ACTR_EPARSE (short, wrong type, lengths beyond the
 * message, label or protocol longer than ACTR_DCEP_LABEL_MAX). */
int actr_dcep_decode_open(const uint8_t *msg, size_t len, actr_dcep_open_t *out);

/* Channel QoS from an OPEN: unordered flag and retransmission limit (-1 reliable; timed
 * reliability is mapped to reliable, since no lane uses it). */
void actr_dcep_open_qos(const actr_dcep_open_t *o, bool *unordered, int *max_rexmit);

#endif /* ACTR_WIRE_WEBRTC_DCEP_H */

/*
 * hostile.c - hand-written dynclib guests that break the ABI on purpose (no SDK core; only its
 * protobuf codec to read the route key). Variants, chosen at compile time:
 *   OMIT_INIT / OMIT_HANDLE / OMIT_FREE / OMIT_SHUTDOWN   one of the four symbols is missing
 *   INIT_FAILS                                            actr_init returns INIT_FAILED
 *   (none)                                                actr_handle misbehaves by route key:
 *     h.H.Garbage  success with bytes that are not an AbiReply
 *     h.H.Code     returns HANDLE_FAILED (-3) without a buffer
 *     h.H.NullBuf  success with a NULL buffer of 7 bytes
 *     h.H.Probe    sends malformed frames to the host's invoke and answers its return codes
 *     anything else: a valid empty reply
 */
#include <stdlib.h>
#include <string.h>

#include "actr_guest_internal.h"
#include "actr_guest_pb.h"

#define EXPORT __attribute__((visibility("default")))


static const actr_guest_host_vtable_t *g_host;

EXPORT int32_t actr_init(const actr_guest_host_vtable_t *vt, const uint8_t *init, size_t len);
EXPORT int32_t actr_handle(const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len);
EXPORT void actr_free_response(uint8_t *ptr, size_t len);
EXPORT int32_t actr_shutdown(void);

#ifndef OMIT_INIT
int32_t actr_init(const actr_guest_host_vtable_t *vt, const uint8_t *init, size_t len)
{
#ifdef INIT_FAILS
    return -2;
#else
    g_host = vt;
    return 0;
#endif
}
#endif

#ifndef OMIT_HANDLE
/* Appends invoke's return code for a frame, and (when a reply came) the reply's status. */
static void probe(uint8_t *codes, size_t *n, uint64_t token, const uint8_t *frame, size_t len,
                  bool null_out)
{
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    int32_t rc = null_out ? g_host->invoke(token, frame, len, NULL, NULL)
                          : g_host->invoke(token, frame, len, &reply, &reply_len);
    int32_t status = 100; /* no reply */
    if (rc == 0) {
        uint32_t v;
        const uint8_t *p;
        size_t pl;
        if (agpb_decode_reply(reply, reply_len, &v, &status, &p, &pl) != 0)
            status = 101;
        g_host->free_host_buf(reply, reply_len);
    }
    codes[(*n)++] = (uint8_t)(int8_t)rc;
    codes[(*n)++] = (uint8_t)(int8_t)status;
}

static int32_t run_probe(uint64_t token, uint8_t *codes, size_t *n)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t wrong_version[] = {0x08, 0x02, 0x10, 0x04}; /* abi_version 2, op 4 */
    static const uint8_t unknown_op[] = {0x08, 0x01, 0x10, 0x63};    /* op 99 */
    static const uint8_t discover[] = {0x08, 0x01, 0x10, 0x04};      /* op 4, empty payload */
    static const uint8_t bad_payload[] = {0x08, 0x01, 0x10, 0x01, 0x1a, 0x02, 0xff, 0xff};
    probe(codes, n, token, garbage, sizeof garbage, false);            /* PROTOCOL_ERROR */
    probe(codes, n, token, discover, sizeof discover, true);           /* PROTOCOL_ERROR */
    probe(codes, n, token, wrong_version, sizeof wrong_version, false); /* PROTOCOL_ERROR */
    probe(codes, n, token, unknown_op, sizeof unknown_op, false);      /* UNSUPPORTED_OP */
    probe(codes, n, 0, discover, sizeof discover, false);              /* reply GENERIC_ERROR */
    probe(codes, n, token, discover, sizeof discover, false);          /* reply PROTOCOL_ERROR */
    probe(codes, n, token, bad_payload, sizeof bad_payload, false);    /* PROTOCOL_ERROR */
    codes[(*n)++] = (uint8_t)(int8_t)g_host->retain_context(0);        /* GENERIC_ERROR */
    return 0;
}

int32_t actr_handle(const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
    uint32_t version, op;
    const uint8_t *p;
    size_t n;
    agpb_invocation_t inv;
    char route[ACTR_GUEST_ROUTE_SIZE] = "";
    const uint8_t *body;
    size_t body_len;
    if (agpb_decode_frame(req, len, &version, &op, &p, &n) != 0)
        return -5;
    if (op == 101 && agpb_decode_guest_handle(p, n, &inv, route, sizeof route, &body, &body_len))
        return -5;
    if (strcmp(route, "h.H.Garbage") == 0) {
        *resp = malloc(3);
        memset(*resp, 0xff, 3);
        *resp_len = 3;
        return 0;
    }
    if (strcmp(route, "h.H.Code") == 0)
        return -3;
    if (strcmp(route, "h.H.NullBuf") == 0) {
        *resp = NULL;
        *resp_len = 7;
        return 0;
    }
    uint8_t codes[32];
    size_t count = 0;
    if (strcmp(route, "h.H.Probe") == 0)
        run_probe(inv.token, codes, &count);
    agpb_writer_t w = {0};
    if (!agpb_encode_reply(&w, 0, codes, count))
        return -4;
    *resp = w.buf;
    *resp_len = w.len;
    return 0;
}
#endif

#ifndef OMIT_FREE
void actr_free_response(uint8_t *ptr, size_t len)
{
    free(ptr);
}
#endif

#ifndef OMIT_SHUTDOWN
int32_t actr_shutdown(void)
{
    g_host = NULL;
    return 0;
}
#endif

/*
 * actr_guest_internal.h - between the SDK's portable core (actr_guest.c) and its two transports
 * (actr_guest_native.c: the reference's dynclib ABI; actr_guest_wasm.c: our wasm32 core-module
 * ABI). Each transport implements the agt_* functions and exports the ABI entry points, which
 * call the agc_* functions of the core.
 */
#ifndef ACTR_GUEST_INTERNAL_H
#define ACTR_GUEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* The host vtable of the native ABI (engines.md §2.2; field order is the ABI). */
typedef struct actr_guest_host_vtable {
    int32_t (*retain_context)(uint64_t token);
    void (*release_context)(uint64_t token);
    int32_t (*invoke)(uint64_t token, const uint8_t *frame, size_t frame_len, uint8_t **reply_out,
                      size_t *reply_len_out);
    void (*free_host_buf)(uint8_t *ptr, size_t len);
} actr_guest_host_vtable_t;

/* ---- core (actr_guest.c) ---- */

/* actr_init's body: decode InitPayloadV1, run actr_guest_main(). An ABI status. */
int32_t agc_init(const uint8_t *init, size_t len);
/* actr_handle's body: *resp is a malloc'ed AbiReply of at least 1 byte. An ABI status. */
int32_t agc_handle(const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len);
/* actr_shutdown's body. */
int32_t agc_shutdown(void);

/* ---- transport (one of the two transport files) ---- */

/* Sends a guest->host frame; on 0, *reply (len > 0) must be given back with agt_free_reply. */
int32_t agt_invoke(uint64_t token, const uint8_t *frame, size_t len, uint8_t **reply,
                   size_t *reply_len);
void agt_free_reply(uint8_t *reply, size_t len);
int32_t agt_retain(uint64_t token);
void agt_release(uint64_t token);
void agt_log(int level, const char *msg, size_t len);

#endif /* ACTR_GUEST_INTERNAL_H */

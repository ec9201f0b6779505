/* ais.h - shared pieces of the AIS handlers (ais_register.c, ais_renew.c, ais_reply.c). */
#ifndef ACTRD_STATE_AIS_H
#define ACTRD_STATE_AIS_H

#include "state/state.h"

typedef enum actrd_reply_kind {
    ACTRD_REPLY_REGISTER, /* RegisterResponse, always HTTP 200 */
    ACTRD_REPLY_RENEW,    /* RenewCredentialResponse, HTTP status = error code */
} actrd_reply_kind_t;

/* An ErrorResponse{code, message} answer. */
int actrd_reply_error(actrd_reply_kind_t kind, uint32_t code, const char *message,
                      actrd_http_reply_t *out);

/* A RegisterOk with every field the client requires (protocol.md 11.1). */
int actrd_reply_ok(actrd_reply_kind_t kind, const actrd_state_t *st, const actr_id_t *id,
                   const actrd_issued_t *cred, const uint8_t token[ACTRD_TOKEN_LEN],
                   int64_t token_expires_at, actrd_http_reply_t *out);

#endif /* ACTRD_STATE_AIS_H */

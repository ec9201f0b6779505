/*
 * envelope.c - ActrId conversions between the wire and actr_id_t, and everything the service
 * sends: fresh envelopes (version 2, UUID v4 ids, protocol.md 6.3), replies, error replies.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "codec/pb.h"
#include "signaling/sig_internal.h"

#define SIG_ENVELOPE_VERSION 2

void sig_pb_id_init(sig_pb_id_t *p, const actr_id_t *id)
{
    actr__actr_id__init(&p->id);
    actr__realm__init(&p->realm);
    actr__actr_type__init(&p->type);
    p->realm.realm_id = id->realm.realm_id;
    /* protobuf-c's message structs take char *; the encoder only reads them. */
    p->type.manufacturer = (char *)id->type.manufacturer;
    p->type.name = (char *)id->type.name;
    p->type.version = (char *)id->type.version;
    p->id.realm = &p->realm;
    p->id.serial_number = id->serial_number;
    p->id.type = &p->type;
}

static int copy_field(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return ACTR_ETOOBIG;
    memcpy(dst, src ? src : "", n + 1);
    return 0;
}

int sig_id_from_pb(const Actr__ActrId *in, actr_id_t *out)
{
    if (!in)
        return ACTR_EINVAL;
    memset(out, 0, sizeof *out);
    out->realm.realm_id = sig_pb_realm(in);
    out->serial_number = in->serial_number;
    if (!in->type)
        return 0;
    if (copy_field(out->type.manufacturer, sizeof out->type.manufacturer,
                   in->type->manufacturer) != 0 ||
        copy_field(out->type.name, sizeof out->type.name, in->type->name) != 0 ||
        copy_field(out->type.version, sizeof out->type.version, in->type->version) != 0)
        return ACTR_ETOOBIG;
    return 0;
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

int sig_type_str(const Actr__ActrType *type, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s:%s:%s", type ? str_or_empty(type->manufacturer) : "",
                     type ? str_or_empty(type->name) : "", type ? str_or_empty(type->version) : "");
    return n < 0 || (size_t)n >= size ? ACTR_ETOOBIG : 0;
}

uint32_t sig_pb_realm(const Actr__ActrId *id)
{
    return id && id->realm ? id->realm->realm_id : 0;
}

uint64_t sig_pb_serial(const Actr__ActrId *id)
{
    return id ? id->serial_number : 0;
}

void sig_pb_id_str(const Actr__ActrId *id, char *buf, size_t size)
{
    actr_id_t tmp;
    if (sig_id_from_pb(id, &tmp) != 0 || actr_id_format(&tmp, buf, size, NULL) != 0)
        snprintf(buf, size, "?");
}

void sig_conn_str(const actrd_sig_conn_t *conn, char *buf, size_t size)
{
    if (actr_id_format(&conn->id, buf, size, NULL) != 0)
        snprintf(buf, size, "?");
}

void sig_envelope_init(actrd_sig_t *sig, Signaling__SignalingEnvelope *env,
                       char id_buf[ACTR_UUID_STR_LEN + 1])
{
    signaling__signaling_envelope__init(env);
    env->envelope_version = SIG_ENVELOPE_VERSION;
    actr_uuid_t uuid;
    if (actr_uuid_v4(&uuid) == 0)
        actr_uuid_format(&uuid, id_buf);
    else /* no randomness: still unique within this process */
        snprintf(id_buf, ACTR_UUID_STR_LEN + 1, "actrd-%" PRIu64, ++sig->id_counter);
    env->envelope_id = id_buf;
}

int sig_send(actrd_sig_t *sig, actrd_sig_conn_t *conn, const Signaling__SignalingEnvelope *env)
{
    if (conn->closing)
        return ACTR_ECLOSED;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = actr_pb_encode(&env->base, &buf, &len, NULL);
    if (rc != 0) {
        actr_log(ACTR_LOG_ERROR, SIG_LOG, "cannot encode an outgoing envelope",
                 ACTR_KV("error", actr_strerror(rc)));
        return rc;
    }
    rc = sig->tp.send(sig->tp.self, conn->net, buf, len);
    free(buf);
    if (rc == 0) {
        sig->st.frames_out++;
        return 0;
    }
    /* The peer cannot keep up: it lost this frame, so let it reconnect and start clean. */
    sig->st.send_failures++;
    char who[ACTR_ID_STR_SIZE];
    sig_conn_str(conn, who, sizeof who);
    actr_log(ACTR_LOG_WARN, SIG_LOG, "send queue full, closing", ACTR_KV("actor_id", who));
    conn->closing = true;
    sig->tp.close(sig->tp.self, conn->net, 1013, "send queue full");
    return ACTR_EAGAIN;
}

void sig_send_to_actr(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *reply_for,
                      const Actr__ActrId *target, Signaling__SignalingToActr *msg)
{
    Actr__ActrId empty = ACTR__ACTR_ID__INIT;
    msg->target = (Actr__ActrId *)(target ? target : &empty);
    Signaling__SignalingEnvelope env;
    char id[ACTR_UUID_STR_LEN + 1];
    sig_envelope_init(sig, &env, id);
    env.reply_for = (char *)reply_for;
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_SERVER_TO_ACTR;
    env.server_to_actr = msg;
    sig_send(sig, conn, &env);
}

void sig_count_error(actrd_sig_t *sig, uint32_t code)
{
    actrd_sig_stats_t *st = &sig->st;
    switch (code) {
    case 400: st->errors_400++; break;
    case 401: st->errors_401++; break;
    case 403: st->errors_403++; break;
    case 404: st->errors_404++; break;
    case 410: st->errors_410++; break;
    case 413: st->errors_413++; break;
    case 429: st->errors_429++; break;
    case 500: st->errors_500++; break;
    default: st->errors_other++; break;
    }
}

void sig_reply_error(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *reply_for,
                     const Actr__ActrId *target, uint32_t code, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);

    char who[ACTR_ID_STR_SIZE], code_str[16];
    sig_pb_id_str(target, who, sizeof who);
    snprintf(code_str, sizeof code_str, "%u", (unsigned)code);
    actr_log(ACTR_LOG_WARN, SIG_LOG, "request refused", ACTR_KV("actor_id", who),
             ACTR_KV("code", code_str), ACTR_KV("reason", message));
    sig_count_error(sig, code);

    Actr__ErrorResponse error = ACTR__ERROR_RESPONSE__INIT;
    error.code = code;
    error.message = message;
    Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
    msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ERROR;
    msg.error = &error;
    sig_send_to_actr(sig, conn, reply_for, target, &msg);
}

void sig_send_envelope_error(actrd_sig_t *sig, actrd_sig_conn_t *conn, uint32_t code,
                             const char *message)
{
    sig_count_error(sig, code);
    Actr__ErrorResponse error = ACTR__ERROR_RESPONSE__INIT;
    error.code = code;
    error.message = (char *)message;
    Signaling__SignalingEnvelope env;
    char id[ACTR_UUID_STR_LEN + 1];
    sig_envelope_init(sig, &env, id);
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ENVELOPE_ERROR;
    env.envelope_error = &error;
    sig_send(sig, conn, &env);
}

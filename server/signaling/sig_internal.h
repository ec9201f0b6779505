/*
 * sig_internal.h - the signaling service's private state, shared by its files:
 *
 *   signaling.c  service lifetime, connect/disconnect, frame dispatch, tick, stats
 *   envelope.c   ActrId conversions, building and sending envelopes, error replies
 *   ratelimit.c  per-socket token bucket
 *   registry.c   service registry (entries per type and per spec name, expiry)
 *   checks.c     realm, credential and ACL gates (the ACL with a per-request memo)
 *   ranking.c    route candidate filters and ordering (protocol.md 9.5)
 *   requests.c   ActrToSignaling handling (protocol.md 6.4)
 *   candidates.c route_candidates_request and discovery_request
 *   relay.c      ActrRelay handling and the offerer decision (6.5, 9.6)
 *   presence.c   ActrUp subscriptions and events (9.7)
 */
#ifndef ACTRD_SIG_INTERNAL_H
#define ACTRD_SIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr.pb-c.h"
#include "base/hashmap.h"
#include "base/uuid.h"
#include "signaling.pb-c.h"
#include "signaling/signaling.h"

#define SIG_LOG "signaling"
#define SIG_KEY_LEN 12 /* realm_id (4) + serial (8), little-endian: actrix's relay identity */

/* ---- intrusive doubly-linked lists ---- */

typedef struct sig_link {
    struct sig_link *prev, *next;
} sig_link_t;

typedef struct sig_list {
    sig_link_t *head, *tail;
    size_t count;
} sig_list_t;

#define SIG_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

void sig_list_push(sig_list_t *list, sig_link_t *link);
void sig_list_remove(sig_list_t *list, sig_link_t *link);

/* A named list kept in a string-keyed map (entries of one type, of one spec name, ...). The
 * group is created on first add and freed when its last member leaves. */
typedef struct sig_group {
    sig_list_t members;
    size_t key_len;
    char key[]; /* NUL-terminated */
} sig_group_t;

int sig_group_add(actr_hmap_t *map, const char *key, sig_link_t *link, sig_group_t **out);
void sig_group_remove(actr_hmap_t *map, sig_group_t *group, sig_link_t *link);
sig_group_t *sig_group_find(const actr_hmap_t *map, const char *key);
void sig_group_map_free(actr_hmap_t *map); /* groups must be empty of owned members */

/* ---- registry entry (one per bound socket) ---- */

typedef struct sig_entry {
    bool listed; /* discoverable: in the type and name groups */
    sig_group_t *type_group;
    sig_link_t type_link;
    sig_group_t *name_group; /* NULL without a spec */
    sig_link_t name_link;
    uint8_t *spec; /* encoded ServiceSpec from the pending registration, or NULL */
    size_t spec_len;
    char *spec_name; /* ServiceSpec.name / .fingerprint, or NULL */
    char *spec_fingerprint;
    char *ws_address; /* or NULL */
    bool has_metrics; /* a Ping arrived */
    int availability;
    float power_reserve;
    float mailbox_backlog;
    bool has_location;
    double latitude, longitude;
    uint64_t last_heartbeat_ms;
} sig_entry_t;

/* ---- per-socket token bucket ---- */

typedef struct sig_bucket {
    double tokens;
    uint64_t last_ms;
    uint64_t last_refusal_answer_ms;
    bool answered_once;
} sig_bucket_t;

struct actrd_sig_conn {
    actrd_sig_t *sig;
    void *net;
    actr_id_t id;
    uint8_t key[SIG_KEY_LEN];
    char type_key[ACTR_TYPE_STR_SIZE]; /* "manufacturer:name:version" */
    bool current;        /* the socket of its ActrId in sig->conns */
    bool closing;        /* we asked the transport to close it */
    bool prefers_answer; /* webrtc_role=answer */
    uint64_t credential_expires_at;
    sig_bucket_t bucket;
    sig_entry_t entry;
    sig_link_t all_link; /* sig->all */
};

struct actrd_sig {
    actrd_sig_backend_t be;
    void *be_self;
    actrd_sig_transport_t tp;
    actrd_sig_config_t cfg;
    actr_hmap_t *conns;        /* key (realm, serial) -> current actrd_sig_conn_t */
    actr_hmap_t *types;        /* type string -> sig_group_t of sig_entry_t (type_link) */
    actr_hmap_t *spec_names;   /* ServiceSpec.name -> sig_group_t of sig_entry_t (name_link) */
    actr_hmap_t *subs_by_type; /* type string -> sig_group_t of sig_sub_t (type_link) */
    actr_hmap_t *subscribers;  /* key (realm, serial) -> sig_subscriber_t */
    sig_list_t all;            /* every connection, current or not */
    uint64_t last_sweep_ms;
    uint64_t id_counter; /* envelope ids when the random source fails */
    actrd_sig_stats_t st;
};

/* ---- signaling.c ---- */

uint64_t sig_now_ms(const actrd_sig_t *sig);
void sig_make_key(uint32_t realm_id, uint64_t serial, uint8_t key[SIG_KEY_LEN]);
/* The current socket of (realm, serial), or NULL. */
actrd_sig_conn_t *sig_conn_lookup(const actrd_sig_t *sig, uint32_t realm_id, uint64_t serial);
/* Removes conn from sig->conns and drops its registry entry and subscriptions. */
void sig_conn_unbind(actrd_sig_t *sig, actrd_sig_conn_t *conn);

/* ---- envelope.c ---- */

/* An Actr__ActrId borrowing an actr_id_t's strings; do not move it after sig_pb_id_init(). */
typedef struct sig_pb_id {
    Actr__ActrId id;
    Actr__Realm realm;
    Actr__ActrType type;
} sig_pb_id_t;

void sig_pb_id_init(sig_pb_id_t *p, const actr_id_t *id);
/* Copies a decoded ActrId; ACTR_EINVAL when absent, ACTR_ETOOBIG when a string does not fit. */
int sig_id_from_pb(const Actr__ActrId *in, actr_id_t *out);
/* "manufacturer:name:version" of a decoded type; ACTR_ETOOBIG when it does not fit. */
int sig_type_str(const Actr__ActrType *type, char *buf, size_t size);
uint32_t sig_pb_realm(const Actr__ActrId *id);
uint64_t sig_pb_serial(const Actr__ActrId *id);
/* The ActrId string form for logs ("?" when absent or too long). */
void sig_pb_id_str(const Actr__ActrId *id, char *buf, size_t size);
void sig_conn_str(const actrd_sig_conn_t *conn, char *buf, size_t size);

/* Fills env as a fresh version-2 envelope with a new UUID id (held in id_buf). */
void sig_envelope_init(actrd_sig_t *sig, Signaling__SignalingEnvelope *env,
                       char id_buf[ACTR_UUID_STR_LEN + 1]);
/* Encodes and queues env to conn; on a refusal closes conn (1013). 0 or an ACTR_E* code. */
int sig_send(actrd_sig_t *sig, actrd_sig_conn_t *conn, const Signaling__SignalingEnvelope *env);
/* SignalingToActr{target, <payload already set in msg>} with reply_for (may be NULL). */
void sig_send_to_actr(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *reply_for,
                      const Actr__ActrId *target, Signaling__SignalingToActr *msg);
/* SignalingToActr{target, error{code, message}} with reply_for; counted and logged. */
void sig_reply_error(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *reply_for,
                     const Actr__ActrId *target, uint32_t code, const char *fmt, ...)
    ACTR_PRINTF(6, 7);
/* SignalingEnvelope{envelope_error{code, message}}, no reply_for; counted. */
void sig_send_envelope_error(actrd_sig_t *sig, actrd_sig_conn_t *conn, uint32_t code,
                             const char *message);
void sig_count_error(actrd_sig_t *sig, uint32_t code);

/* ---- ratelimit.c ---- */

void sig_bucket_init(sig_bucket_t *b, const actrd_sig_config_t *cfg, uint64_t now_ms);
/* Takes one token: true when the message may pass. */
bool sig_bucket_take(sig_bucket_t *b, const actrd_sig_config_t *cfg, uint64_t now_ms);
/* Whether a refusal should be answered now (at most one 429 per second per socket). */
bool sig_bucket_should_answer(sig_bucket_t *b, uint64_t now_ms);

/* ---- registry.c ---- */

/* Fills conn->entry from the pending registration (spec and ws_address). */
void sig_registry_load(actrd_sig_t *sig, actrd_sig_conn_t *conn);
/* Makes the entry discoverable (again). 0 or ACTR_ENOMEM. */
int sig_registry_list(actrd_sig_t *sig, actrd_sig_conn_t *conn);
void sig_registry_unlist(actrd_sig_t *sig, actrd_sig_conn_t *conn);
void sig_registry_entry_free(sig_entry_t *e);
/* Records a Ping's metrics and refreshes the heartbeat; relists an expired entry. */
void sig_registry_heartbeat(actrd_sig_t *sig, actrd_sig_conn_t *conn, const Actr__Ping *ping);
/* Unlists entries whose last heartbeat is older than registry_ttl_ms. */
void sig_registry_sweep(actrd_sig_t *sig, uint64_t now_ms);
/* The first listed entry whose ServiceSpec.name is name, or NULL. */
actrd_sig_conn_t *sig_registry_find_spec(const actrd_sig_t *sig, const char *name);

/* ---- checks.c ---- */

/* The realm of source is valid; otherwise answers error 403/500 and returns false. */
bool sig_check_realm(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *reply_for,
                     const Actr__ActrId *source);
/* cred is valid for source's realm, with claims.actor_id copied to claimed (cap bytes);
 * otherwise answers error 401 and returns false. */
bool sig_check_credential(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *reply_for,
                          const Actr__ActrId *source, const Actr__AIdCredential *cred,
                          char *claimed, size_t cap);

/* Remembers the answers for one (source realm, from type, to type) across target realms. */
#define SIG_ACL_MEMO_SLOTS 8
typedef struct sig_acl_memo {
    uint32_t src_realm;
    const char *from_type;
    const char *to_type; /* NULL: per-call target type (not memoised) */
    size_t n;
    uint32_t realms[SIG_ACL_MEMO_SLOTS];
    bool allowed[SIG_ACL_MEMO_SLOTS];
} sig_acl_memo_t;

void sig_acl_memo_init(sig_acl_memo_t *m, uint32_t src_realm, const char *from_type,
                       const char *to_type);
bool sig_acl_check(actrd_sig_t *sig, sig_acl_memo_t *m, uint32_t tgt_realm, const char *to_type);

/* ---- ranking.c ---- */

typedef struct sig_rank_input {
    const Actr__RouteCandidatesRequest__NodeSelectionCriteria *criteria; /* NULL: keep order */
    const char *client_fingerprint; /* trimmed; "" for none */
    bool has_client_location;
    double client_latitude, client_longitude;
} sig_rank_input_t;

/* Great-circle distance in kilometres. */
double sig_haversine_km(double lat1, double lon1, double lat2, double lon2);
/* Filters (health, dependency) and orders cands in place; returns the kept count, already
 * truncated to candidate_count when criteria are given. */
size_t sig_rank(const sig_rank_input_t *in, actrd_sig_conn_t **cands, size_t n);

/* ---- requests.c / candidates.c / relay.c / presence.c ---- */

void sig_handle_actr_to_server(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                               const Signaling__SignalingEnvelope *env);
void sig_handle_route_candidates(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                                 const Signaling__SignalingEnvelope *env);
void sig_handle_discovery(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                          const Signaling__SignalingEnvelope *env);
void sig_handle_relay(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                      const Signaling__SignalingEnvelope *env);

int sig_presence_subscribe(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *type_key);
void sig_presence_unsubscribe(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *type_key);
/* Drops every subscription of conn's actor. */
void sig_presence_drop(actrd_sig_t *sig, const uint8_t key[SIG_KEY_LEN]);
/* Sends ActrUpEvent{conn's id} to the ACL-allowed subscribers of conn's type. */
void sig_presence_notify(actrd_sig_t *sig, actrd_sig_conn_t *conn);
void sig_presence_free(actrd_sig_t *sig);

#endif /* ACTRD_SIG_INTERNAL_H */

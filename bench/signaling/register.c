/* register.c - AIS registration of every benchmark peer (bench_signaling). */
#include "sigbench.h"

/* ---- registration: POST /ais/register, one keep-alive connection ---- */

typedef struct body { char *data; size_t len; } body_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    body_t *bd = ud;
    size_t n = size * nmemb;
    char *p = bd->len + n <= 1048576 ? realloc(bd->data, bd->len + n) : NULL;
    if (!p)
        return 0;
    memcpy(p + bd->len, ptr, n);
    bd->data = p;
    bd->len += n;
    return n;
}

static int encode_register(const bench_t *b, unsigned idx, uint8_t **out, size_t *len)
{
    Actr__ActrType type = ACTR__ACTR_TYPE__INIT;
    type.manufacturer = "bench";
    type.name = "peer";
    type.version = "1.0.0";
    Actr__Realm realm = ACTR__REALM__INIT;
    realm.realm_id = b->o.realm_id;
    Actr__AclRule rule = ACTR__ACL_RULE__INIT, *rules[1] = {&rule};
    rule.permission = ACTR__ACL_RULE__PERMISSION__ALLOW;
    rule.from_type = &type;
    rule.source_realm_case = ACTR__ACL_RULE__SOURCE_REALM_REALM_ID;
    rule.realm_id = b->o.realm_id;
    Actr__Acl acl = ACTR__ACL__INIT;
    acl.n_rules = 1;
    acl.rules = rules;
    Actr__RegisterRequest req = ACTR__REGISTER_REQUEST__INIT;
    req.actr_type = &type;
    req.realm = &realm;
    req.has_auth_mode = 1;
    req.auth_mode = ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_LINKED;
    if (idx == 0) /* peers may relay to peers; later registrations without an ACL keep it */
        req.acl = &acl;
    return actr_pb_encode(&req.base, out, len, NULL);
}

/* The signaling path with the credential in the query (protocol.md 6.1). */
static int build_path(peer_t *p)
{
    const Actr__ActrId *id = p->resp->success->actr_id;
    const Actr__AIdCredential *cr = p->resp->success->credential;
    if (!id || !id->realm || !id->type || !cr || cr->claims.len > 1024 || cr->signature.len > 256)
        return -1;
    actr_id_t aid = {.realm.realm_id = id->realm->realm_id, .serial_number = id->serial_number};
    char ids[ACTR_ID_STR_SIZE], b64c[1400], b64s[400], *eid = NULL, *ec = NULL, *es = NULL;
    int rc = -1;
    const Actr__ActrType *ty = id->type;
    if (!actr_type_set(&aid.type, ty->manufacturer, ty->name, ty->version, NULL) &&
        !actr_id_format(&aid, ids, sizeof ids, NULL)) {
        actr_base64_encode(cr->claims.data, cr->claims.len, b64c, ACTR_B64_STD);
        actr_base64_encode(cr->signature.data, cr->signature.len, b64s, ACTR_B64_STD);
        if (!actr_form_encode_alloc(ids, strlen(ids), &eid, NULL) &&
            !actr_form_encode_alloc(b64c, strlen(b64c), &ec, NULL) &&
            !actr_form_encode_alloc(b64s, strlen(b64s), &es, NULL) &&
            asprintf(&p->path, "/signaling/ws?actor_id=%s&key_id=%u&claims=%s&signature=%s", eid,
                     cr->key_id, ec, es) > 0)
            rc = 0;
    }
    free(eid), free(ec), free(es);
    return rc;
}

int register_all(bench_t *b)
{
    char url[96], hdr[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ais/register", b->port);
    snprintf(hdr, sizeof hdr, "x-actrix-realm-secret: %s", b->o.secret);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/x-protobuf");
    hdrs = curl_slist_append(hdrs, "Accept: application/x-protobuf");
    hdrs = curl_slist_append(hdrs, hdr);
    body_t bd = {0};
    CURL *h = curl_easy_init();
    int rc = h && hdrs ? 0 : -1;
    if (h) {
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &bd);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    }
    uint64_t t0 = now_ns(), end = t0 + (uint64_t)b->o.timeout * 1000000000ull;
    for (unsigned i = 0; !rc && i < b->o.conns; i++) {
        uint8_t *req = NULL;
        size_t len = 0;
        long status = 0;
        ProtobufCMessage *m = NULL;
        bd.len = 0;
        CURLcode cc = CURLE_FAILED_INIT;
        if (now_ns() < end && !encode_register(b, i, &req, &len)) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, (char *)req);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
            cc = curl_easy_perform(h);
        }
        free(req);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (cc != CURLE_OK || status != 200 ||
            actr_pb_decode(&actr__register_response__descriptor, (uint8_t *)bd.data, bd.len, &m,
                           NULL)) {
            fprintf(stderr, "bench_signaling: register #%u: %s, HTTP %ld\n", i,
                    now_ns() < end ? curl_easy_strerror(cc) : "timeout", status);
            rc = -1;
            break;
        }
        Actr__RegisterResponse *resp = b->peers[i].resp = (Actr__RegisterResponse *)m;
        if (resp->result_case != ACTR__REGISTER_RESPONSE__RESULT_SUCCESS) {
            fprintf(stderr, "bench_signaling: register #%u refused: %s\n", i,
                    resp->error ? resp->error->message : "?");
            rc = -1;
        } else {
            rc = build_path(&b->peers[i]);
        }
    }
    if (!rc)
        fprintf(stderr, "bench_signaling:   %u registered, %.0f/s\n", b->o.conns,
                b->o.conns / ((double)(now_ns() - t0) / SEC));
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    free(bd.data);
    return rc;
}

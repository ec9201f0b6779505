/*
 * acl.c - the ACL gate of discovery, route candidates, presence and relays (protocol.md 9.4):
 * can_discover(source realm, target realm, source type, target type), no row = denied.
 *
 * A request that checks many registry entries of one type asks the same question once per target
 * realm, so the answers are memoised for the request (a state-side lookup is a SQLite query).
 */
#include "signaling/sig_internal.h"

void sig_acl_memo_init(sig_acl_memo_t *m, uint32_t src_realm, const char *from_type,
                       const char *to_type)
{
    m->src_realm = src_realm;
    m->from_type = from_type;
    m->to_type = to_type;
    m->n = 0;
}

bool sig_acl_check(actrd_sig_t *sig, sig_acl_memo_t *m, uint32_t tgt_realm, const char *to_type)
{
    bool memo = m->to_type != NULL;
    if (memo)
        for (size_t i = 0; i < m->n; i++)
            if (m->realms[i] == tgt_realm)
                return m->allowed[i];
    bool allowed = sig->be.acl_can_discover(sig->be_self, m->src_realm, tgt_realm, m->from_type,
                                            memo ? m->to_type : to_type);
    if (memo && m->n < SIG_ACL_MEMO_SLOTS) {
        m->realms[m->n] = tgt_realm;
        m->allowed[m->n] = allowed;
        m->n++;
    }
    return allowed;
}

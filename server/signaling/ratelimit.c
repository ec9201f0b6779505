/*
 * ratelimit.c - per-socket message rate limit: a token bucket of msg_burst tokens refilled at
 * msg_rate_per_sec. A refused message is answered SignalingEnvelope{envelope_error{429}}
 * (protocol.md 6.6), at most once a second so the answers cannot become a flood themselves.
 */
#include "signaling/sig_internal.h"

void sig_bucket_init(sig_bucket_t *b, const actrd_sig_config_t *cfg, uint64_t now_ms)
{
    b->tokens = (double)cfg->msg_burst;
    b->last_ms = now_ms;
    b->last_refusal_answer_ms = 0;
    b->answered_once = false;
}

bool sig_bucket_take(sig_bucket_t *b, const actrd_sig_config_t *cfg, uint64_t now_ms)
{
    if (cfg->msg_rate_per_sec <= 0.0 || cfg->msg_burst == 0)
        return true; /* no limit configured */
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * cfg->msg_rate_per_sec / 1000.0;
        if (b->tokens > (double)cfg->msg_burst)
            b->tokens = (double)cfg->msg_burst;
        b->last_ms = now_ms;
    }
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

bool sig_bucket_should_answer(sig_bucket_t *b, uint64_t now_ms)
{
    if (b->answered_once && now_ms - b->last_refusal_answer_ms < 1000)
        return false;
    b->answered_once = true;
    b->last_refusal_answer_ms = now_ms;
    return true;
}

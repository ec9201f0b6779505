/*
 * ranking.c - route candidate selection criteria (protocol.md 9.5, actrix load_balancer.rs):
 *
 *   1. minimal_health_requirement: keep availability <= required; an actor that never pinged is
 *      "unknown", between DEGRADED and OVERLOADED, so it passes only when required >= DEGRADED;
 *   2. minimal_dependency_requirement: nodes never report dependency health, so every candidate is
 *      "unknown" (between WARNING and BROKEN) and passes only when required >= WARNING;
 *   3. a stable sort, lexicographic over ranking_factors in order: power reserve descending,
 *      backlog ascending, exact fingerprint first, nearest first (Haversine); candidates without
 *      the value go last. CLIENT_AFFINITY orders nothing (nodes send no sticky ids) and unknown
 *      factors are ignored;
 *   4. truncation to candidate_count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "signaling/sig_internal.h"

typedef Actr__RouteCandidatesRequest__NodeSelectionCriteria sig_criteria_t;

/* One candidate with its precomputed sort keys. */
typedef struct rank_item {
    actrd_sig_conn_t *conn;
    bool exact;
    bool has_distance;
    double distance;
} rank_item_t;

double sig_haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    const double r = 6371.0, rad = 3.14159265358979323846 / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1.0)
        a = 1.0;
    return 2.0 * r * asin(sqrt(a));
}

/* <0 when a ranks first; NaN compares equal, like Rust's partial_cmp fallback. */
static int cmp_double(double a, double b)
{
    return (a > b) - (a < b);
}

/* Candidates having the key go first; both having it: cmp of the values. */
static int cmp_optional(bool has_a, bool has_b, int values)
{
    if (has_a != has_b)
        return has_a ? -1 : 1;
    return has_a ? values : 0;
}

static int cmp_factor(int factor, const rank_item_t *a, const rank_item_t *b)
{
    const sig_entry_t *ea = &a->conn->entry, *eb = &b->conn->entry;
    switch (factor) {
    case ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__MAXIMUM_POWER_RESERVE:
        return cmp_optional(ea->has_metrics, eb->has_metrics,
                            cmp_double(eb->power_reserve, ea->power_reserve));
    case ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__MINIMUM_MAILBOX_BACKLOG:
        return cmp_optional(ea->has_metrics, eb->has_metrics,
                            cmp_double(ea->mailbox_backlog, eb->mailbox_backlog));
    case ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__EXACT_MATCH_FIRST:
        return cmp_optional(a->exact, b->exact, 0);
    case ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__NEAREST:
        return cmp_optional(a->has_distance, b->has_distance, cmp_double(a->distance, b->distance));
    default: /* CLIENT_AFFINITY and unknown values */
        return 0;
    }
}

static int cmp_items(const sig_criteria_t *c, const rank_item_t *a, const rank_item_t *b)
{
    for (size_t i = 0; i < c->n_ranking_factors; i++) {
        int r = cmp_factor((int)c->ranking_factors[i], a, b);
        if (r != 0)
            return r;
    }
    return 0;
}

/* Bottom-up merge sort: stable, O(n log n), no recursion. */
static void merge_sort(const sig_criteria_t *c, rank_item_t *v, rank_item_t *tmp, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = cmp_items(c, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
}

static bool passes_filters(const sig_criteria_t *c, const sig_entry_t *e)
{
    if (c->has_minimal_health_requirement) {
        int required = (int)c->minimal_health_requirement;
        bool ok = e->has_metrics ? e->availability <= required
                                 : required >= ACTR__SERVICE_AVAILABILITY_STATE__DEGRADED;
        if (!ok)
            return false;
    }
    if (c->has_minimal_dependency_requirement &&
        (int)c->minimal_dependency_requirement < ACTR__SERVICE_DEPENDENCY_STATE__WARNING)
        return false;
    return true;
}

static bool needs_sort(const sig_criteria_t *c)
{
    for (size_t i = 0; i < c->n_ranking_factors; i++)
        if (c->ranking_factors[i] !=
            ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__CLIENT_AFFINITY)
            return true;
    return false;
}

static void fill_keys(const sig_rank_input_t *in, rank_item_t *item)
{
    const sig_entry_t *e = &item->conn->entry;
    item->exact = in->client_fingerprint[0] != '\0' && e->spec_fingerprint &&
                  strcmp(e->spec_fingerprint, in->client_fingerprint) == 0;
    item->has_distance = e->has_location && in->has_client_location;
    item->distance = item->has_distance
                         ? sig_haversine_km(in->client_latitude, in->client_longitude,
                                            e->latitude, e->longitude)
                         : 0.0;
    /* Without a client location, actrix only puts located candidates first. */
    if (!in->has_client_location && e->has_location)
        item->has_distance = true;
}

size_t sig_rank(const sig_rank_input_t *in, actrd_sig_conn_t **cands, size_t n)
{
    const sig_criteria_t *c = in->criteria;
    if (!c)
        return n; /* no criteria: every candidate, in registry order */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (passes_filters(c, &cands[i]->entry))
            cands[kept++] = cands[i];
    if (kept > 1 && needs_sort(c)) {
        rank_item_t *items = malloc(2 * kept * sizeof *items);
        if (items) { /* out of memory: the filtered order still answers the request */
            for (size_t i = 0; i < kept; i++) {
                items[i].conn = cands[i];
                fill_keys(in, &items[i]);
            }
            merge_sort(c, items, items + kept, kept);
            for (size_t i = 0; i < kept; i++)
                cands[i] = items[i].conn;
            free(items);
        }
    }
    return kept < c->candidate_count ? kept : c->candidate_count;
}

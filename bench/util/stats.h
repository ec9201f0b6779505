/* stats.h - small statistics shared by the benchmarks. */
#ifndef ACTR_BENCH_UTIL_STATS_H
#define ACTR_BENCH_UTIL_STATS_H

#include <stdlib.h>

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). Rounds are medians: these machines are shared, one round
 * can be unlucky either way. */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* ACTR_BENCH_UTIL_STATS_H */

/* bench/bench.h -- timing helper: best of several runs, each repeated until it lasts long enough
 * to time reliably.  Benchmarks print ratios against a reference timed in the same run. */
#ifndef CIM_BENCH_H
#define CIM_BENCH_H

#include "core/progress.h"

#include <math.h>
#include <stddef.h>

/* Seconds per call of fn(ctx): best over 5 batches of at least 0.1 s each (2 batches once 10 s are spent). */
static inline double bench_time(void (*fn)(void *), void *ctx)
{
    double best = 1e300, total = 0;
    for (int rep = 0; rep < 5 && !(rep >= 2 && total > 10.0); rep++) { /* slow jobs: best of 2 */
        long n = 0;
        double t0 = progress_now_s(), t;
        do {
            fn(ctx);
            n++;
            t = progress_now_s() - t0;
        } while (t < 0.1);
        total += t;
        if (t / (double)n < best)
            best = t / (double)n;
    }
    return best;
}

/* Largest |a - b| relative to the largest |b|: how far two solvers' column currents are apart. */
static inline double bench_max_rel(const double *a, const double *b, size_t n)
{
    double m = 0, s = 0;
    for (size_t k = 0; k < n; k++)
        s = fmax(s, fabs(b[k]));
    for (size_t k = 0; k < n; k++)
        m = fmax(m, fabs(a[k] - b[k]) / s);
    return m;
}

#endif

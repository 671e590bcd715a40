/* bench/bench.h -- timing helper: best of several runs, each repeated until it lasts long enough
 * to time reliably.  Benchmarks print ratios against a reference timed in the same run. */
#ifndef CIM_BENCH_H
#define CIM_BENCH_H

#include "core/progress.h"

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

#endif

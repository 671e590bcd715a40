/* tests/test_crossbar.c -- the ideal crossbar against OpenBLAS, exact sums, the shared conformance
 * case, a power identity, and input checks. */
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/threads.h"
#include "crossbar/ideal.h"

#include <criterion/criterion.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EPS 2.220446049250313e-16

/* Our Kirchhoff loop and cblas_dgemv each err by at most gamma_M * sum_i |G_ij v_i| (Higham,
 * Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5); so they differ by at most twice that. */
static void compare_with_dgemv(size_t M, size_t N, uint64_t seed)
{
    double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v), *I = malloc(N * sizeof *I);
    double *ref = malloc(N * sizeof *ref), *absv = malloc(M * sizeof *absv), *scale = malloc(N * sizeof *scale);
    gsl_rng *r = rng_alloc(seed, "test");
    crossbar_fill_uniform(G, M * N, 1e-6, 1e-4, r);
    for (size_t i = 0; i < M; i++) {
        v[i] = 0.4 * gsl_rng_uniform(r) - 0.2; /* signed inputs make cancellation possible */
        absv[i] = fabs(v[i]);
    }
    crossbar_ideal_mvm(G, M, N, v, I, NULL);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)M, (int)N, 1.0, G, (int)N, v, 1, 0.0, ref, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)M, (int)N, 1.0, G, (int)N, absv, 1, 0.0, scale, 1);
    double gamma = M * EPS / (1 - M * EPS);
    for (size_t j = 0; j < N; j++)
        cr_assert_leq(fabs(I[j] - ref[j]), 2 * gamma * scale[j], "%zux%zu column %zu: %.17g vs %.17g", M, N, j, I[j],
                      ref[j]);
    rng_free(r);
    free(G), free(v), free(I), free(ref), free(absv), free(scale);
}

Test(crossbar, ideal_matches_openblas_dgemv_within_rounding_bound)
{
    size_t sizes[][2] = {{1, 1}, {1, 17}, {17, 1}, {2, 3}, {64, 64}, {256, 100}, {100, 256}, {1000, 37}};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        compare_with_dgemv(sizes[k][0], sizes[k][1], k + 1);
}

/* The parallel kernel splits columns across threads; each column keeps its summation order, so the bits
 * must not depend on the thread count (sizes above the parallel threshold, odd column counts, blocks that
 * do not divide evenly, and more threads than cores). */
Test(crossbar, ideal_gives_the_same_bits_on_any_thread_count)
{
    size_t sizes[][2] = {{256, 256}, {300, 203}, {2048, 40}, {97, 1500}, {1024, 1030}, {1500, 701}};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t M = sizes[k][0], N = sizes[k][1];
        double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v);
        double *I1 = malloc(N * sizeof *I1), *In = malloc(N * sizeof *In);
        gsl_rng *r = rng_alloc(k + 11, "test");
        crossbar_fill_uniform(G, M * N, 1e-6, 1e-4, r);
        for (size_t i = 0; i < M; i++)
            v[i] = 0.4 * gsl_rng_uniform(r) - 0.2;
        cim_set_threads(1);
        crossbar_ideal_mvm(G, M, N, v, I1, NULL);
        for (int nt = 2; nt <= 5; nt++) {
            cim_set_threads(nt);
            for (size_t j = 0; j < N; j++)
                In[j] = NAN; /* every column must be written */
            crossbar_ideal_mvm(G, M, N, v, In, NULL);
            cr_assert(memcmp(I1, In, N * sizeof *In) == 0, "%zux%zu on %d threads differs from 1 thread", M, N, nt);
        }
        cim_set_threads(1);
        rng_free(r);
        free(G), free(v), free(I1), free(In);
    }
    /* and the parallel result still meets the rounding bound against OpenBLAS */
    cim_set_threads(2);
    compare_with_dgemv(512, 300, 99);
    cim_set_threads(1);
}

Test(crossbar, ideal_is_exact_when_every_sum_is_representable)
{
    /* Small integers times powers of two: every product and partial sum is exact. */
    enum { M = 50, N = 9 };
    double G[M * N], v[M], I[N];
    long long want[N] = {0};
    for (size_t i = 0; i < M; i++) {
        v[i] = (double)((long long)(i % 7) - 3);
        for (size_t j = 0; j < N; j++) {
            G[i * N + j] = (double)((i * 31 + j * 17) % 23);
            want[j] += (long long)G[i * N + j] * (long long)v[i];
        }
    }
    crossbar_ideal_mvm(G, M, N, v, I, NULL);
    for (size_t j = 0; j < N; j++)
        cr_expect_eq(I[j], (double)want[j], "column %zu", j);
}

Test(crossbar, ideal_matches_shared_conformance_case)
{
    const char *dir = CIM_SRC "/tests/conformance/crossbar/ideal_16x16";
    char path[512];
    csv_read_opts o = csv_opts_any();
    csv_table G, v, ref;
    snprintf(path, sizeof path, "%s/G.csv", dir);
    cr_assert_eq(csv_read(path, &o, &G), CIM_OK, "%s", cim_errmsg());
    snprintf(path, sizeof path, "%s/v.csv", dir);
    cr_assert_eq(csv_read(path, &o, &v), CIM_OK, "%s", cim_errmsg());
    snprintf(path, sizeof path, "%s/I_ref.csv", dir);
    cr_assert_eq(csv_read(path, &o, &ref), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(G.rows, v.rows);
    double I[64];
    crossbar_ideal_mvm(G.data, G.rows, G.cols, v.data, I, NULL);
    for (size_t j = 0; j < G.cols; j++) /* ngspice and a direct nodal solve, agreeing to 1e-12 */
        cr_expect_leq(fabs(I[j] - ref.data[j]), 1e-12 * fabs(ref.data[j]), "column %zu", j);
    csv_table_free(&G), csv_table_free(&v), csv_table_free(&ref);
}

Test(crossbar, power_equals_currents_driven_by_squared_voltages)
{
    /* sum_ij G_ij v_i^2 computed as one row-wise sum, and again as the total column current of
     * the same array driven by v_i^2: two orders of summation, one quantity. */
    enum { M = 40, N = 30 };
    double G[M * N], v[M], v2[M], I[N];
    gsl_rng *r = rng_alloc(3, "power");
    crossbar_fill_uniform(G, M * N, 1e-6, 1e-4, r);
    for (size_t i = 0; i < M; i++) {
        v[i] = 0.3 * gsl_rng_uniform(r) - 0.1;
        v2[i] = v[i] * v[i];
    }
    crossbar_ideal_mvm(G, M, N, v2, I, NULL);
    double total = 0;
    for (size_t j = 0; j < N; j++)
        total += I[j];
    double p = crossbar_ideal_power_W(G, M, N, v);
    cr_expect_leq(fabs(p - total), 1e-13 * p, "%.17g vs %.17g", p, total);
    rng_free(r);
}

Test(crossbar, fill_uniform_has_the_configured_moments)
{
    enum { n = 100000 };
    static double g[n];
    gsl_rng *r = rng_alloc(9, "moments");
    crossbar_fill_uniform(g, n, 2e-6, 8e-6, r);
    double lo, hi;
    gsl_stats_minmax(&lo, &hi, g, 1, n);
    cr_expect_geq(lo, 2e-6);
    cr_expect_leq(hi, 8e-6);
    double mean = gsl_stats_mean(g, 1, n), sd = gsl_stats_sd(g, 1, n);
    double sd_true = 6e-6 / sqrt(12.0);
    cr_expect_leq(fabs(mean - 5e-6), 4 * sd_true / sqrt((double)n), "mean %g", mean);
    cr_expect_leq(fabs(sd - sd_true), 4 * sd_true / sqrt(2.0 * n), "sd %g", sd); /* ~normal approx of sd's spread */
    rng_free(r);
}

Test(crossbar, negative_or_nonfinite_conductance_is_rejected)
{
    double G[6] = {1e-6, 2e-6, 3e-6, 4e-6, -5e-6, 6e-6};
    cr_expect_eq(crossbar_check_conductances(G, 2, 3), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "conductance at row 1, column 1 is -5e-06 S; conductances must be finite and >= 0");
    G[4] = NAN;
    cr_expect_eq(crossbar_check_conductances(G, 2, 3), CIM_EINVAL);
    G[4] = 5e-6;
    cr_expect_eq(crossbar_check_conductances(G, 2, 3), CIM_OK);
}

/* crossbar/ideal.c -- see ideal.h. */
#include "crossbar/ideal.h"
#include "core/status.h"
#include "core/threads.h"

#include <omp.h>

#include <math.h>
#include <string.h>

/* Columns [j0, j1) of I = G^T v.  Compiled twice, for AVX2 and for baseline x86-64, and picked at load time
 * (GCC function multiversioning): the vector width changes, not the arithmetic -- each column's sum is the
 * same sequence of IEEE multiplies and adds in the same order (no FMA is enabled), so every machine gets the
 * same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void mvm_cols(const double *g_S, size_t rows, size_t cols, size_t j0, size_t j1, const double *v_V,
                     double *i_A, progress *prog)
{
    double *restrict out = i_A + j0;
    const size_t n = j1 - j0;
    memset(out, 0, n * sizeof *out);
    size_t i = 0;
    /* Eight rows at a time: each column current is read and written once per eight rows, which cuts the
     * traffic on i_A to an eighth.  The summation order is fixed, so results are reproducible. */
    for (; i + 8 <= rows; i += 8) {
        const double *restrict g0 = g_S + i * cols + j0, *restrict g1 = g0 + cols;
        const double *restrict g2 = g1 + cols, *restrict g3 = g2 + cols;
        const double *restrict g4 = g3 + cols, *restrict g5 = g4 + cols;
        const double *restrict g6 = g5 + cols, *restrict g7 = g6 + cols;
        const double v0 = v_V[i], v1 = v_V[i + 1], v2 = v_V[i + 2], v3 = v_V[i + 3];
        const double v4 = v_V[i + 4], v5 = v_V[i + 5], v6 = v_V[i + 6], v7 = v_V[i + 7];
        for (size_t j = 0; j < n; j++)
            out[j] += ((g0[j] * v0 + g1[j] * v1) + (g2[j] * v2 + g3[j] * v3)) +
                      ((g4[j] * v4 + g5[j] * v5) + (g6[j] * v6 + g7[j] * v7));
        if ((i & 63) == 56)
            progress_update(prog, (double)(i + 8));
    }
    for (; i < rows; i++) {
        const double *restrict g = g_S + i * cols + j0;
        const double v = v_V[i];
        for (size_t j = 0; j < n; j++)
            out[j] += g[j] * v;
    }
}

/* Below this many cells one thread is faster: a parallel region costs a few microseconds to start and
 * join: measured, two threads first win at 256 x 256 (and lose at 192 x 192). */
#define MVM_PARALLEL_MIN_CELLS (1u << 16)

void crossbar_ideal_mvm(const double *g_S, size_t rows, size_t cols, const double *v_V, double *i_A,
                        progress *prog)
{
    size_t nt = (size_t)cim_threads();
    if (nt > cols / 8)
        nt = cols / 8; /* at least one cache line of columns per thread */
    if (nt <= 1 || rows * cols < MVM_PARALLEL_MIN_CELLS) {
        mvm_cols(g_S, rows, cols, 0, cols, v_V, i_A, prog);
        return;
    }
    /* Contiguous column blocks, split on 8-column (64-byte) boundaries so no two threads write one cache
     * line of i_A.  Each column is summed by one thread in the serial order: the same bits on any count. */
    size_t lines = (cols + 7) / 8;
#pragma omp parallel num_threads((int)nt)
    {
        size_t t = (size_t)omp_get_thread_num(), n = (size_t)omp_get_num_threads();
        size_t j0 = t * lines / n * 8, j1 = (t + 1) * lines / n * 8;
        if (j1 > cols)
            j1 = cols;
        if (j0 < j1)
            mvm_cols(g_S, rows, cols, j0, j1, v_V, i_A, NULL);
    }
    progress_update(prog, (double)rows);
}

double crossbar_ideal_power_W(const double *g_S, size_t rows, size_t cols, const double *v_V)
{
    double p_W = 0.0;
    for (size_t i = 0; i < rows; i++) {
        double g_row = 0.0;
        for (size_t j = 0; j < cols; j++)
            g_row += g_S[i * cols + j];
        p_W += g_row * v_V[i] * v_V[i];
    }
    return p_W;
}

int crossbar_check_conductances(const double *g_S, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double g = g_S[i * cols + j];
            if (!(g >= 0.0) || !isfinite(g))
                return cim_error(CIM_EINVAL, "conductance at row %zu, column %zu is %g S; conductances must be finite and >= 0",
                                 i, j, g);
        }
    return CIM_OK;
}

void crossbar_fill_uniform(double *g_S, size_t n, double g_min_S, double g_max_S, gsl_rng *r)
{
    for (size_t k = 0; k < n; k++)
        g_S[k] = g_min_S + (g_max_S - g_min_S) * gsl_rng_uniform(r);
}

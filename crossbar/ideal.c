/* crossbar/ideal.c -- see ideal.h. */
#include "crossbar/ideal.h"
#include "core/status.h"

#include <math.h>
#include <string.h>

/* Compiled twice, for AVX2 and for baseline x86-64, and picked at load time (GCC function multiversioning):
 * the vector width changes, not the arithmetic -- each column's sum is the same sequence of IEEE multiplies
 * and adds in the same order (no FMA is enabled), so every machine gets the same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
void crossbar_ideal_mvm(const double *g_S, size_t rows, size_t cols, const double *v_V, double *i_A,
                        progress *prog)
{
    double *restrict out = i_A;
    memset(out, 0, cols * sizeof *out);
    size_t i = 0;
    /* Four rows at a time: each column current is read and written once per four rows, which
     * quarters the traffic on i_A.  The summation order is fixed, so results are reproducible. */
    for (; i + 4 <= rows; i += 4) {
        const double *restrict g0 = g_S + i * cols, *restrict g1 = g0 + cols;
        const double *restrict g2 = g1 + cols, *restrict g3 = g2 + cols;
        const double v0 = v_V[i], v1 = v_V[i + 1], v2 = v_V[i + 2], v3 = v_V[i + 3];
        for (size_t j = 0; j < cols; j++)
            out[j] += ((g0[j] * v0 + g1[j] * v1) + (g2[j] * v2 + g3[j] * v3));
        if ((i & 63) == 60)
            progress_update(prog, (double)(i + 4));
    }
    for (; i < rows; i++) {
        const double *restrict g = g_S + i * cols;
        const double v = v_V[i];
        for (size_t j = 0; j < cols; j++)
            out[j] += g[j] * v;
    }
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

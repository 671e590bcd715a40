/* crossbar/ideal.c -- see ideal.h. */
#include "crossbar/ideal.h"
#include "core/status.h"

#include <math.h>
#include <string.h>

void crossbar_ideal_mvm(const double *g_S, size_t rows, size_t cols, const double *v_V, double *i_A,
                        progress *prog)
{
    memset(i_A, 0, cols * sizeof *i_A);
    for (size_t i = 0; i < rows; i++) {
        const double v = v_V[i];
        const double *g = g_S + i * cols;
        for (size_t j = 0; j < cols; j++) /* row i adds its cell currents to every column */
            i_A[j] += g[j] * v;
        if ((i & 63) == 63)
            progress_update(prog, (double)(i + 1));
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

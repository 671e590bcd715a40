/* crossbar/ideal.c -- see ideal.h. */
#include "crossbar/ideal.h"
#include "core/status.h"
#include "core/threads.h"

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

/* crossbar_ideal_rows.  mvm_cols adds each 8-row block as the tree ((p01 + p23) + (p45 + p67)), p_ab = g_a v_a + g_b v_b;
 * with only some rows driven the other products are zeros, and adding a zero changes no bits.  So a block with one
 * driven row adds its one product, a block with two adds their sum (whatever their slots, the tree reduces to
 * a + b), and a block with more adds mvm_cols's tree with the undriven slots reading a row of zeros (cheap loads
 * from cache instead of the array's rows; 0 v and g 0 are both zero). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void rows_one(const double *restrict g, size_t n, double v, double *restrict out)
{
    for (size_t j = 0; j < n; j++)
        out[j] += g[j] * v;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void rows_two(const double *restrict ga, const double *restrict gb, size_t n, double v, double *restrict out)
{
    for (size_t j = 0; j < n; j++)
        out[j] += ga[j] * v + gb[j] * v;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void rows_eight(const double *const *g8, size_t n, double v, double *restrict out)
{
    const double *restrict g0 = g8[0], *restrict g1 = g8[1], *restrict g2 = g8[2], *restrict g3 = g8[3];
    const double *restrict g4 = g8[4], *restrict g5 = g8[5], *restrict g6 = g8[6], *restrict g7 = g8[7];
    for (size_t j = 0; j < n; j++)
        out[j] += ((g0[j] * v + g1[j] * v) + (g2[j] * v + g3[j] * v)) +
                  ((g4[j] * v + g5[j] * v) + (g6[j] * v + g7[j] * v));
}

/* The block of rows [i0, i0 + 8) with three or more driven slots (mask), the others reading zeros. */
static void rows_block(const double *g_S, size_t cols, size_t i0, unsigned mask, double v, double *out)
{
    enum { CHUNK = 512 };
    static const double zeros[CHUNK];
    for (size_t j0 = 0; j0 < cols; j0 += CHUNK) {
        const double *g8[8];
        for (size_t s = 0; s < 8; s++)
            g8[s] = (mask >> s) & 1u ? g_S + (i0 + s) * cols + j0 : zeros;
        rows_eight(g8, cols - j0 < CHUNK ? cols - j0 : CHUNK, v, out + j0);
    }
}

void crossbar_ideal_rows(const double *g_S, size_t rows, size_t cols, const size_t *idx, size_t n, double v_V,
                         double *i_A)
{
    memset(i_A, 0, cols * sizeof *i_A);
    const size_t blocked = rows / 8 * 8; /* rows below this are added by mvm_cols in 8-row blocks */
    size_t k = 0;
    while (k < n) {
        size_t r = idx[k];
        if (r >= blocked) { /* the tail: one row at a time, as mvm_cols */
            rows_one(g_S + r * cols, cols, v_V, i_A);
            k++;
            continue;
        }
        size_t b0 = r / 8 * 8, m = k;
        unsigned mask = 0;
        while (m < n && idx[m] < b0 + 8)
            mask |= 1u << (idx[m++] - b0);
        if (m - k == 1) /* its block's tree is this one product */
            rows_one(g_S + r * cols, cols, v_V, i_A);
        else if (m - k == 2) /* ... or these two products' sum */
            rows_two(g_S + r * cols, g_S + idx[k + 1] * cols, cols, v_V, i_A);
        else
            rows_block(g_S, cols, b0, mask, v_V, i_A);
        k = m;
    }
}

/* Below this many cells one thread is faster.  Measured on the 2-core machine (bench_threads_load, shared
 * with other users): two threads lost at every size from 256 x 256 to 768 x 768 (0.35-0.95x of one thread;
 * the product streams G from cache, and two cores share that bandwidth) and break even from 1024 x 1024
 * (8 MB, from memory).  On an idle machine OpenMP had found 1.3x at 512 x 512: too little to risk. */
#define MVM_PARALLEL_MIN_CELLS (1u << 20)
/* Each chunk of the parallel loop has at least this many cells (a few microseconds of work), and there are
 * about four chunks per thread, so a helper that arrives late or loses its core holds up little. */
#define MVM_CHUNK_MIN_CELLS (1u << 14)

typedef struct mvm_job {
    const double *g_S, *v_V;
    double *i_A;
    size_t rows, cols;
} mvm_job;

/* Items are 8-column (64-byte) blocks, so no two threads write one cache line of i_A. */
static void mvm_chunk(void *ctx, int slot, size_t b0, size_t b1)
{
    (void)slot;
    const mvm_job *m = ctx;
    size_t j0 = b0 * 8, j1 = b1 * 8 < m->cols ? b1 * 8 : m->cols;
    mvm_cols(m->g_S, m->rows, m->cols, j0, j1, m->v_V, m->i_A, NULL);
}

void crossbar_ideal_mvm(const double *g_S, size_t rows, size_t cols, const double *v_V, double *i_A,
                        progress *prog)
{
    int nt = cim_threads();
    size_t blocks = (cols + 7) / 8;
    if (nt <= 1 || blocks < 2 || rows * cols < MVM_PARALLEL_MIN_CELLS) {
        mvm_cols(g_S, rows, cols, 0, cols, v_V, i_A, prog);
        return;
    }
    /* Each column is summed by one thread in the serial order: the same bits on any count. */
    size_t chunk = (blocks + 4 * (size_t)nt - 1) / (4 * (size_t)nt), min = (MVM_CHUNK_MIN_CELLS + 8 * rows - 1) / (8 * rows);
    if (chunk < min)
        chunk = min;
    mvm_job m = {g_S, v_V, i_A, rows, cols};
    cim_parallel_for(nt, blocks, chunk, mvm_chunk, &m);
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

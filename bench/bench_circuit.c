/* bench/bench_circuit.c -- the crossbar circuit solve (crossbar/circuit.h) against references timed in
 * the same run, for square arrays with 2.5-ohm wires and 10-ohm drivers and sense resistors, cells
 * uniform in 1-100 uS, inputs 0-0.2 V (the conformance cases' circuit):
 *   1. ideal MVM (crossbar_ideal_mvm) vs OpenBLAS cblas_dgemv on the same matrix;
 *   2. cold exact linear solve (conductances just set: line factorizations + PCG to 1e-9) vs CHOLMOD
 *      analyze + factorize + solve of the same nodal matrix, assembled here independently;
 *   3. repeated MVMs with exact parasitics: the effective conductance matrix (characterised once) times
 *      a new input each time, vs the ideal MVM; the characterisation time and its break-even count;
 *   4. nonlinear sinh cells (i = G v0 sinh(v/v0), v0 = 0.1 V, inputs 0-0.4 V) with parasitics: cold
 *      Newton solve vs the cold linear solve;
 *   5. a batch of 16 input vectors on the sinh array (circuit_solve_batch: the others start from the
 *      first one's solution, shared over the threads): time per vector vs one cold Newton solve.
 * Iteration counts and achieved residuals are printed beside the times.  ngspice on the same circuits
 * (sizes up to 64 x 64) is in bench_circuit_spice.c. */
#include "bench/bench.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/threads.h"
#include "crossbar/circuit.h"
#include "crossbar/ideal.h"
#include "crossbar/xbar.h"

#include <cholmod.h>
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int n);

typedef struct job {
    size_t M, N;
    circuit_wires w;
    double *G, *v, *I, *Geff;
    circuit *c;
    circuit_stats st;
    double v0_V;
    /* CHOLMOD reference */
    cholmod_common cm;
    cholmod_sparse *A;
    cholmod_dense *b;
    double *I_chol;
    xbar *xb;
} job;

/* One read of the array object on its effective-matrix path (the product and its energy v^T Y v). */
static void xbar_effective(void *p)
{
    job *j = p;
    xbar_read(j->xb, j->v, j->I);
}

static double seconds_once(void (*fn)(void *), void *ctx)
{
    double t0 = progress_now_s();
    fn(ctx);
    return progress_now_s() - t0;
}

/* Large jobs run once (they last seconds); small ones are timed by bench_time. */
static double timed(void (*fn)(void *), void *ctx, double estimate_s)
{
    return estimate_s > 2.0 ? seconds_once(fn, ctx) : bench_time(fn, ctx);
}

static void ideal(void *p)
{
    job *j = p;
    crossbar_ideal_mvm(j->G, j->M, j->N, j->v, j->I, NULL);
}

static void dgemv(void *p)
{
    job *j = p;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)j->M, (int)j->N, 1.0, j->G, (int)j->N, j->v, 1, 0.0, j->I, 1);
}

static void geff_mvm(void *p)
{
    job *j = p;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)j->M, (int)j->N, 1.0, j->Geff, (int)j->N, j->v, 1, 0.0, j->I, 1);
}

static void cold_linear(void *p)
{
    job *j = p;
    circuit_set_conductances(j->c, j->G); /* drops the factorizations and the warm start */
    circuit_opts o = circuit_opts_default();
    o.method = CIRCUIT_PCG;
    if (circuit_solve(j->c, j->v, NULL, j->I, &o, &j->st) != 0)
        fprintf(stderr, "bench_circuit: solve failed\n");
}

static void sinh_eval(const void *ctx, size_t k0, size_t n, const double *v, double *i, double *g)
{
    const job *j = ctx;
    for (size_t k = 0; k < n; k++) {
        double x = v[k] / j->v0_V, gk = j->G[k0 + k];
        if (i)
            i[k] = gk * j->v0_V * sinh(x);
        if (g)
            g[k] = gk * cosh(x);
    }
}

static void cold_sinh(void *p)
{
    job *j = p;
    circuit_cells cells = {sinh_eval, j};
    circuit_set_cells(j->c, &cells);
    circuit_opts o = circuit_opts_default();
    o.method = CIRCUIT_PCG;
    if (circuit_solve(j->c, j->v, NULL, j->I, &o, &j->st) != 0)
        fprintf(stderr, "bench_circuit: nonlinear solve failed\n");
}

/* ---- CHOLMOD reference: the nodal matrix of the circuit, assembled independently -------------- */

static long row_node(const job *j, size_t i, size_t k) { return (long)(i * j->N + k); }
static long col_node(const job *j, size_t i, size_t k) { return (long)(j->M * j->N + i * j->N + k); }

static void add(cholmod_triplet *T, long a, long b, double g)
{
    long *Ti = T->i, *Tj = T->j;
    double *Tx = T->x;
    Ti[T->nnz] = a, Tj[T->nnz] = a, Tx[T->nnz++] = g;
    if (b >= 0) {
        Ti[T->nnz] = b, Tj[T->nnz] = b, Tx[T->nnz++] = g;
        Ti[T->nnz] = a < b ? a : b, Tj[T->nnz] = a < b ? b : a, Tx[T->nnz++] = -g;
    }
}

static void chol_build(job *j)
{
    size_t M = j->M, N = j->N, n = 2 * M * N;
    cholmod_l_start(&j->cm);
    cholmod_triplet *T = cholmod_l_allocate_triplet(n, n, 9 * M * N + M + N, 1, CHOLMOD_REAL, &j->cm);
    for (size_t i = 0; i < M; i++)
        for (size_t k = 0; k < N; k++) {
            add(T, row_node(j, i, k), col_node(j, i, k), j->G[i * N + k]);
            if (k + 1 < N)
                add(T, row_node(j, i, k), row_node(j, i, k + 1), 1 / j->w.r_row_ohm);
            if (i + 1 < M)
                add(T, col_node(j, i, k), col_node(j, i + 1, k), 1 / j->w.r_col_ohm);
        }
    j->b = cholmod_l_zeros(n, 1, CHOLMOD_REAL, &j->cm);
    double *bx = j->b->x;
    for (size_t i = 0; i < M; i++) {
        add(T, row_node(j, i, 0), -1, 1 / j->w.r_drv_ohm);
        bx[row_node(j, i, 0)] = j->v[i] / j->w.r_drv_ohm;
    }
    for (size_t k = 0; k < N; k++)
        add(T, col_node(j, M - 1, k), -1, 1 / j->w.r_sense_ohm);
    j->A = cholmod_l_triplet_to_sparse(T, T->nnz, &j->cm);
    cholmod_l_free_triplet(&T, &j->cm);
}

static void chol_solve(void *p)
{
    job *j = p;
    cholmod_factor *L = cholmod_l_analyze(j->A, &j->cm);
    cholmod_l_factorize(j->A, L, &j->cm);
    cholmod_dense *x = cholmod_l_solve(CHOLMOD_A, L, j->b, &j->cm);
    const double *xx = x->x;
    for (size_t k = 0; k < j->N; k++)
        j->I_chol[k] = xx[col_node(j, j->M - 1, k)] / j->w.r_sense_ohm;
    cholmod_l_free_dense(&x, &j->cm);
    cholmod_l_free_factor(&L, &j->cm);
}

int main(void)
{
    size_t sizes[] = {64, 128, 256, 512, 1024};
    size_t n_sizes = sizeof sizes / sizeof *sizes;
    cim_set_threads(0); /* every core; it puts OpenBLAS (and CHOLMOD through it) on one thread: as many again */
    openblas_set_num_threads(cim_threads());
    printf("bench_circuit: crossbar circuit solve; wires 2.5 ohm, driver/sense 10 ohm, cells 1-100 uS, residual 1e-9\n");
    printf("threads: cimsim %d (ideal MVM, effective-matrix characterisation; the PCG solve itself is serial), "
           "OpenBLAS %d\n\n", cim_threads(), openblas_get_num_threads());

    printf("1. ideal MVM vs OpenBLAS dgemv (ratio = dgemv time / ours: throughput relative to OpenBLAS)\n");
    printf("%8s %12s %12s %9s\n", "size", "ideal_s", "dgemv_s", "ratio");
    for (size_t s = 0; s < n_sizes; s++) {
        job j = {.M = sizes[s], .N = sizes[s], .w = {2.5, 2.5, 10, 10}};
        j.G = malloc(j.M * j.N * sizeof *j.G), j.v = malloc(j.M * sizeof *j.v), j.I = malloc(j.N * sizeof *j.I);
        gsl_rng *r = rng_alloc(1, "bench");
        crossbar_fill_uniform(j.G, j.M * j.N, 1e-6, 1e-4, r);
        crossbar_fill_uniform(j.v, j.M, 0, 0.2, r);
        double t_i = bench_time(ideal, &j), t_b = bench_time(dgemv, &j);
        printf("%8zu %12.4g %12.4g %9.3f\n", j.M, t_i, t_b, t_b / t_i);
        fflush(stdout);
        rng_free(r);
        free(j.G), free(j.v), free(j.I);
    }

    printf("\n2. cold exact linear solve (PCG) vs CHOLMOD analyze+factorize+solve (ratio = CHOLMOD / ours)\n");
    printf("%8s %12s %6s %9s %12s %9s %10s\n", "size", "pcg_s", "iter", "residual", "cholmod_s", "ratio",
           "pcg-chol");
    double t_cold[8] = {0};
    for (size_t s = 0; s < n_sizes; s++) {
        job j = {.M = sizes[s], .N = sizes[s], .w = {2.5, 2.5, 10, 10}};
        j.G = malloc(j.M * j.N * sizeof *j.G), j.v = malloc(j.M * sizeof *j.v), j.I = malloc(j.N * sizeof *j.I);
        j.I_chol = malloc(j.N * sizeof *j.I_chol);
        gsl_rng *r = rng_alloc(1, "bench");
        crossbar_fill_uniform(j.G, j.M * j.N, 1e-6, 1e-4, r);
        crossbar_fill_uniform(j.v, j.M, 0, 0.2, r);
        circuit_new(&j.c, j.M, j.N, &j.w);
        double t_p = bench_time(cold_linear, &j);
        t_cold[s] = t_p;
        chol_build(&j);
        double t_c = timed(chol_solve, &j, j.M >= 512 ? 10.0 : 0.0);
        printf("%8zu %12.4g %6d %9.1e %12.4g %9.1f %10.1e\n", j.M, t_p, j.st.iterations, j.st.residual, t_c, t_c / t_p,
               bench_max_rel(j.I, j.I_chol, j.N));
        fflush(stdout);
        cholmod_l_free_sparse(&j.A, &j.cm);
        cholmod_l_free_dense(&j.b, &j.cm);
        cholmod_l_finish(&j.cm);
        circuit_free(j.c);
        rng_free(r);
        free(j.G), free(j.v), free(j.I), free(j.I_chol);
    }

    printf("\n3. repeated MVMs with exact parasitics: effective conductance matrix x new input, vs the ideal MVM\n");
    printf("%8s %12s %12s %9s %14s %11s %10s %12s %9s\n", "size", "mvm_s", "ideal_s", "ratio", "characterise_s",
           "break-even", "vs_solve", "xbar_read_s", "xbar/mvm");
    for (size_t s = 0; s < n_sizes; s++) {
        job j = {.M = sizes[s], .N = sizes[s], .w = {2.5, 2.5, 10, 10}};
        size_t M = j.M, N = j.N;
        j.G = malloc(M * N * sizeof *j.G), j.v = malloc(M * sizeof *j.v), j.I = malloc(N * sizeof *j.I);
        j.Geff = malloc(M * N * sizeof *j.Geff);
        double *I_solve = malloc(N * sizeof *I_solve);
        gsl_rng *r = rng_alloc(1, "bench");
        crossbar_fill_uniform(j.G, M * N, 1e-6, 1e-4, r);
        crossbar_fill_uniform(j.v, M, 0, 0.2, r);
        circuit_new(&j.c, M, N, &j.w);
        circuit_set_conductances(j.c, j.G);
        /* Characterisation is M cold solves shared over the threads; above 512 it is estimated from the
         * measured cold solve, M of them over cim_threads() threads (marked "~"), and the MVM uses a matrix
         * of the same size (dgemv's time does not depend on the values). */
        double t_char;
        const char *mark = "";
        if (M <= 512) {
            double t0 = progress_now_s();
            circuit_effective_g(j.c, j.Geff, NULL, NULL);
            t_char = progress_now_s() - t0;
        } else {
            t_char = t_cold[s] * (double)M / (double)cim_threads(); /* measured cold solves, M of them */
            memcpy(j.Geff, j.G, M * N * sizeof *j.G);
            mark = "~";
        }
        double t_m = bench_time(geff_mvm, &j), t_i = bench_time(ideal, &j);
        double dev = 0;
        if (M <= 512) { /* the dense product reproduces a full solve */
            circuit_solve(j.c, j.v, NULL, I_solve, NULL, NULL);
            geff_mvm(&j);
            dev = bench_max_rel(j.I, I_solve, N);
        }
        /* The array object on the same path: its read adds the energy v^T Y v (an M x M product) to the MVM. */
        double t_x = NAN;
        if (M <= 512) {
            xbar_spec x = xbar_spec_default(M, N);
            x.wires = j.w;
            x.reuse = 1;
            if (xbar_new(&j.xb, &x) == 0 && xbar_set_conductances(j.xb, j.G) == 0 && xbar_read(j.xb, j.v, j.I) == 0 &&
                xbar_read_path(j.xb) == XBAR_READ_CIRCUIT)
                t_x = bench_time(xbar_effective, &j);
            xbar_free(j.xb);
        }
        char tc[32];
        snprintf(tc, sizeof tc, "%s%.4g", mark, t_char);
        printf("%8zu %12.4g %12.4g %9.2f %14s %11.0f %10.1e %12.4g %9.2f\n", M, t_m, t_i, t_m / t_i, tc,
               t_char / (t_cold[s] - t_m), dev, t_x, t_x / t_m);
        fflush(stdout);
        circuit_free(j.c);
        rng_free(r);
        free(j.G), free(j.v), free(j.I), free(j.Geff), free(I_solve);
    }

    double t_newton[8] = {0};
    printf("\n4. nonlinear sinh cells (v0 = 0.1 V, inputs 0-0.4 V) with parasitics: cold Newton vs cold linear\n");
    printf("%8s %12s %7s %6s %9s %12s %9s\n", "size", "newton_s", "steps", "iter", "residual", "linear_s", "ratio");
    for (size_t s = 0; s < n_sizes; s++) {
        job j = {.M = sizes[s], .N = sizes[s], .w = {2.5, 2.5, 10, 10}};
        j.v0_V = 0.1;
        j.G = malloc(j.M * j.N * sizeof *j.G), j.v = malloc(j.M * sizeof *j.v), j.I = malloc(j.N * sizeof *j.I);
        gsl_rng *r = rng_alloc(1, "bench");
        crossbar_fill_uniform(j.G, j.M * j.N, 1e-6, 1e-4, r);
        crossbar_fill_uniform(j.v, j.M, 0, 0.4, r);
        circuit_new(&j.c, j.M, j.N, &j.w);
        double t_n = bench_time(cold_sinh, &j);
        t_newton[s] = t_n;
        circuit_stats sn = j.st;
        double t_l = bench_time(cold_linear, &j);
        printf("%8zu %12.4g %7d %6d %9.1e %12.4g %9.2f\n", j.M, t_n, sn.newton_steps, sn.iterations, sn.residual, t_l,
               t_n / t_l);
        fflush(stdout);
        circuit_free(j.c);
        rng_free(r);
        free(j.G), free(j.v), free(j.I);
    }

    enum { BATCH = 16 };
    printf("\n5. a batch of %d inputs on the sinh array (threads %d) vs one cold Newton solve each\n", BATCH,
           cim_threads());
    printf("%8s %14s %7s %6s %9s %12s %9s\n", "size", "per_vector_s", "steps", "iter", "residual", "newton_s",
           "speedup");
    for (size_t s = 0; s < n_sizes && sizes[s] <= 512; s++) {
        job j = {.M = sizes[s], .N = sizes[s], .w = {2.5, 2.5, 10, 10}};
        size_t M = j.M, N = j.N;
        j.v0_V = 0.1;
        j.G = malloc(M * N * sizeof *j.G);
        double *V = malloc(BATCH * M * sizeof *V), *I = malloc(BATCH * N * sizeof *I);
        gsl_rng *r = rng_alloc(1, "bench");
        crossbar_fill_uniform(j.G, M * N, 1e-6, 1e-4, r);
        crossbar_fill_uniform(V, BATCH * M, 0, 0.4, r);
        circuit_new(&j.c, M, N, &j.w);
        circuit_cells cells = {sinh_eval, &j};
        circuit_set_cells(j.c, &cells);
        circuit_opts o = circuit_opts_default();
        o.method = CIRCUIT_PCG;
        o.warm_start = 0;
        circuit_stats sb;
        double t0 = progress_now_s();
        if (circuit_solve_batch(j.c, BATCH, V, NULL, I, &o, &sb) != 0)
            fprintf(stderr, "bench_circuit: batch solve failed\n");
        double t_b = (progress_now_s() - t0) / BATCH;
        printf("%8zu %14.4g %7.1f %6.0f %9.1e %12.4g %9.2f\n", M, t_b, (double)sb.newton_steps / BATCH,
               (double)sb.iterations / BATCH, sb.residual, t_newton[s], t_newton[s] / t_b);
        fflush(stdout);
        circuit_free(j.c);
        rng_free(r);
        free(j.G), free(V), free(I);
    }
    return 0;
}

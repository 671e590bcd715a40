/* bench/bench_mvm.c -- the ideal crossbar read (crossbar_ideal_mvm) against OpenBLAS cblas_dgemv
 * on the same matrix: ratio = our time / OpenBLAS time (below 1 means faster); and the same read through the
 * array object (xbar_read: the Kirchhoff-sum path with its energy tally), as a ratio to the bare kernel. */
#include "bench/bench.h"
#include "core/rng.h"
#include "core/threads.h"
#include "crossbar/ideal.h"
#include "crossbar/xbar.h"

#include <gsl/gsl_cblas.h>
#include <stdio.h>
#include <stdlib.h>

extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int n);

typedef struct job {
    size_t m, n;
    double *g, *v, *i;
    xbar *xb;
} job;

static void through_xbar(void *p)
{
    job *j = p;
    xbar_read(j->xb, j->v, j->i);
}

static void ours(void *p)
{
    job *j = p;
    crossbar_ideal_mvm(j->g, j->m, j->n, j->v, j->i, NULL);
}

static void openblas(void *p)
{
    job *j = p;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)j->m, (int)j->n, 1.0, j->g, (int)j->n, j->v, 1, 0.0, j->i, 1);
}

int main(void)
{
    cim_set_threads(0); /* every core; it puts OpenBLAS on one thread, so give it as many again */
    openblas_set_num_threads(cim_threads());
    printf("bench_mvm: ideal crossbar MVM I = G^T v (%d threads) vs OpenBLAS cblas_dgemv (%d threads)\n",
           cim_threads(), openblas_get_num_threads());
    printf("%10s %14s %14s %10s %12s %14s %12s\n", "size", "cimsim_s", "openblas_s", "ratio", "cimsim_GMAC/s",
           "xbar_read_s", "xbar/kernel");
    size_t sizes[] = {64, 256, 1024, 4096};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        job j = {sizes[k], sizes[k], NULL, NULL, NULL, NULL};
        j.g = malloc(j.m * j.n * sizeof *j.g);
        j.v = malloc(j.m * sizeof *j.v);
        j.i = malloc(j.n * sizeof *j.i);
        gsl_rng *r = rng_alloc(1, "bench");
        crossbar_fill_uniform(j.g, j.m * j.n, 1e-6, 1e-4, r);
        crossbar_fill_uniform(j.v, j.m, 0, 0.2, r);
        rng_free(r);
        double t_ours = bench_time(ours, &j), t_ref = bench_time(openblas, &j);
        xbar_spec x = xbar_spec_default(j.m, j.n);
        if (xbar_new(&j.xb, &x) != 0 || xbar_set_conductances(j.xb, j.g) != 0 || xbar_read_path(j.xb) != XBAR_READ_SUM) {
            fprintf(stderr, "bench_mvm: could not make the xbar\n");
            return 1;
        }
        double *i_kernel = malloc(j.n * sizeof *i_kernel);
        crossbar_ideal_mvm(j.g, j.m, j.n, j.v, i_kernel, NULL);
        double t_xbar = bench_time(through_xbar, &j);
        if (bench_max_rel(j.i, i_kernel, j.n) != 0) {
            fprintf(stderr, "bench_mvm: xbar_read differs from the kernel\n");
            return 1;
        }
        char label[32];
        snprintf(label, sizeof label, "%zux%zu", j.m, j.n);
        printf("%10s %14.4g %14.4g %10.3f %12.3f %14.4g %12.3f\n", label, t_ours, t_ref, t_ours / t_ref,
               (double)(j.m * j.n) / t_ours * 1e-9, t_xbar, t_xbar / t_ours);
        xbar_free(j.xb);
        free(i_kernel);
        free(j.g), free(j.v), free(j.i);
    }
    return 0;
}

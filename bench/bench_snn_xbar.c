/* bench/bench_snn_xbar.c -- event-driven reads of a 256 x 256 array with wires: k active rows read as a sum of rows
 * of the effective matrix (xbar_read_rows, G_eff characterised once) against a full circuit solve of the same dense
 * vector (PCG, cold start), for k = 1, 10, 64, 256; the ratio, the currents' agreement, and the one-time
 * characterisation against which the event reads pay off.  The circuit is the conformance cases' (2.5 ohm row and
 * column wires, 10 ohm drivers and sense resistors, cells uniform in 1-100 uS, a KCL residual of 1e-9). */
#include "bench/bench.h"
#include "core/rng.h"
#include "core/status.h"
#include "crossbar/ideal.h"
#include "crossbar/xbar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    xbar *ev, *solve;
    size_t *rows, k, M;
    double *dense, *i_ev, *i_solve, *g;
} job;

static void run_events(void *p)
{
    job *j = p;
    if (xbar_read_rows(j->ev, j->rows, j->k, 0.2, j->i_ev) != CIM_OK)
        abort();
}

static void run_solve(void *p)
{
    job *j = p;
    if (xbar_read(j->solve, j->dense, j->i_solve) != CIM_OK)
        abort();
}

static void run_characterise(void *p)
{
    job *j = p; /* setting the conductances drops the characterisation; the next read makes it again */
    if (xbar_set_conductances(j->ev, j->g) != CIM_OK || xbar_read_rows(j->ev, j->rows, 1, 0.2, j->i_ev) != CIM_OK)
        abort();
}

static xbar *make(size_t M, const double *g, int reuse)
{
    xbar_spec s = xbar_spec_default(M, M);
    s.wires = (circuit_wires){2.5, 2.5, 10.0, 10.0};
    s.opts.method = CIRCUIT_PCG;
    s.opts.warm_start = 0; /* each solve from scratch: the active rows change every step */
    s.reuse = reuse;
    xbar *x;
    if (xbar_new(&x, &s) != CIM_OK || xbar_set_conductances(x, g) != CIM_OK) {
        fprintf(stderr, "bench_snn_xbar: %s\n", cim_errmsg());
        exit(1);
    }
    return x;
}

int main(void)
{
    const size_t M = 256;
    job j = {.M = M};
    j.g = malloc(M * M * sizeof *j.g);
    gsl_rng *r = rng_alloc(1, "bench");
    crossbar_fill_uniform(j.g, M * M, 1e-6, 1e-4, r);
    j.ev = make(M, j.g, 1);
    j.solve = make(M, j.g, 0);
    j.rows = malloc(M * sizeof *j.rows);
    j.dense = malloc(M * sizeof *j.dense);
    j.i_ev = malloc(M * sizeof *j.i_ev);
    j.i_solve = malloc(M * sizeof *j.i_solve);
    j.rows[0] = 0;
    double t_char = bench_time(run_characterise, &j);
    printf("bench_snn_xbar: event reads of k active rows of a %zu x %zu array with wires (2.5 ohm lines, 10 ohm "
           "drivers and sense)\n",
           M, M);
    printf("G_eff characterisation (once per programmed state, %zu unit solves): %.3g s\n", M, t_char);
    printf("%6s %14s %14s %10s %14s %16s\n", "k", "event_read_s", "circuit_s", "ratio", "max_rel_diff",
           "reads_to_pay_off");
    const size_t ks[] = {1, 10, 64, 256};
    for (size_t q = 0; q < sizeof ks / sizeof *ks; q++) {
        j.k = ks[q];
        /* k rows spread evenly, as a spike pattern would be */
        for (size_t a = 0; a < j.k; a++)
            j.rows[a] = a * M / j.k;
        memset(j.dense, 0, M * sizeof *j.dense);
        for (size_t a = 0; a < j.k; a++)
            j.dense[j.rows[a]] = 0.2;
        double t_ev = bench_time(run_events, &j), t_solve = bench_time(run_solve, &j);
        run_events(&j);
        run_solve(&j);
        double diff = bench_max_rel(j.i_ev, j.i_solve, M);
        printf("%6zu %14.3g %14.3g %10.1f %14.2g %16.1f\n", j.k, t_ev, t_solve, t_solve / t_ev, diff,
               t_char / (t_solve - t_ev));
    }
    printf("(ratio = circuit solve time / event read time; reads_to_pay_off = characterisation / time saved per read)\n");
    xbar_free(j.ev);
    xbar_free(j.solve);
    free(j.g);
    free(j.rows);
    free(j.dense);
    free(j.i_ev);
    free(j.i_solve);
    rng_free(r);
    return 0;
}

/* bench/bench_threads_load.c -- the threaded kernels with another process busy on one core.
 *
 * Each kernel is timed on 1 thread (machine as it is), on 2 threads (same), and on 2 threads while a child
 * process spins in a busy loop pinned to the last CPU this process may use (a user on a shared node, or one
 * sweep worker beside another).  The ratio is loaded 2-thread time / 1-thread time; the criterion is that no
 * kernel is slower than 1.5x its 1-thread time under that load (a threaded kernel that waits for a thread
 * with no core collapses by 10-100x).  The 1-thread time under the same load is printed too, and the ratio
 * against it ("vs 1L"): on a machine that other users also load, it separates what the threads cost from
 * what the load costs any code.  The kernels: the ideal MVM (crossbar_ideal_mvm), the effective-matrix
 * MVM (the same product on a characterised matrix G_eff; OpenBLAS's cblas_dgemv beside it for reference),
 * the characterisation itself (circuit_effective_g), a batch of input vectors (circuit_solve_batch) and one
 * cold PCG solve (circuit_solve; serial, as a control).  Nothing here is asserted: the numbers are printed. */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include "bench/bench.h"
#include "core/rng.h"
#include "core/threads.h"
#include "crossbar/circuit.h"
#include "crossbar/ideal.h"

#include <gsl/gsl_cblas.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern void openblas_set_num_threads(int n);

typedef struct job {
    size_t M, N, n_vec;
    double *G, *v, *I;
    circuit *c;
} job;

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

static void effective_g(void *p)
{
    job *j = p;
    circuit_set_conductances(j->c, j->G); /* drops the stored G_eff: characterise again */
    circuit_effective_g(j->c, j->I, NULL, NULL);
}

static void batch(void *p)
{
    job *j = p;
    circuit_opts o = circuit_opts_default();
    o.warm_start = 0; /* the first vector cold every time: the same work on every call */
    circuit_solve_batch(j->c, j->n_vec, j->v, NULL, j->I, &o, NULL);
}

static void pcg(void *p)
{
    job *j = p;
    circuit_set_conductances(j->c, j->G); /* a cold solve: line factorizations + PCG */
    circuit_opts o = circuit_opts_default();
    o.method = CIRCUIT_PCG;
    circuit_solve(j->c, j->v, NULL, j->I, &o, NULL);
}

/* The conformance cases' circuit (bench_circuit.c): 2.5-ohm wires, 10-ohm drivers and sense resistors,
 * cells 1-100 uS, inputs 0-0.2 V; n_vec input vectors.  G is M x N; I holds M x N values (G_eff). */
static job job_new(size_t M, size_t N, size_t n_vec, int with_circuit)
{
    job j = {M, N, n_vec, malloc(M * N * sizeof(double)), malloc(n_vec * M * sizeof(double)),
             malloc((M > n_vec ? M : n_vec) * N * sizeof(double)), NULL};
    gsl_rng *r = rng_alloc(1, "bench");
    crossbar_fill_uniform(j.G, M * N, 1e-6, 1e-4, r);
    crossbar_fill_uniform(j.v, n_vec * M, 0, 0.2, r);
    rng_free(r);
    if (with_circuit) {
        circuit_wires w = {2.5, 2.5, 10, 10};
        circuit_new(&j.c, M, N, &w);
        circuit_set_conductances(j.c, j.G);
    }
    return j;
}

static void job_free(job *j)
{
    circuit_free(j->c);
    free(j->G), free(j->v), free(j->I);
}

static pid_t hog = -1;

/* A child spinning on the last CPU this process may use; returns that CPU, or -1 (no second CPU, or the
 * affinity call was refused). */
static int hog_start(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2)
        return -1;
    int cpu = -1;
    for (int k = 0; k < CPU_SETSIZE; k++)
        if (CPU_ISSET(k, &set))
            cpu = k;
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    hog = fork();
    if (hog == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the benchmark */
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        char ok = sched_setaffinity(0, sizeof one, &one) == 0 ? 'y' : 'n';
        if (write(fd[1], &ok, 1) != 1)
            _exit(1);
        volatile unsigned long x = 0;
        for (;;)
            x++;
    }
    char ok = 'n';
    if (hog < 0 || read(fd[0], &ok, 1) != 1)
        ok = 'n';
    close(fd[0]), close(fd[1]);
    if (ok != 'y') {
        if (hog > 0)
            kill(hog, SIGKILL), waitpid(hog, NULL, 0);
        hog = -1;
        return -1;
    }
    return cpu;
}

static void hog_stop(void)
{
    if (hog > 0)
        kill(hog, SIGKILL), waitpid(hog, NULL, 0);
    hog = -1;
}

static double worst = 0, worst_loaded = 0;
static const char *only; /* argv[1]: run only the kernels whose name contains it */

/* Times fn on 1 thread and on 2, then both again beside the busy loop; prints one line. */
static void row(const char *kernel, const char *size, void (*fn)(void *), job *j, int blas)
{
    if (only != NULL && strstr(kernel, only) == NULL)
        return;
    double t[4];
    for (int k = 0; k < 4; k++) {
        int n = k % 2 == 0 ? 1 : 2;
        cim_set_threads(n);
        if (blas)
            openblas_set_num_threads(n);
        if (k == 2 && hog_start() < 0) {
            printf("%-26s %-10s (no second CPU to load, or sched_setaffinity refused: skipped)\n", kernel, size);
            return;
        }
        t[k] = bench_time(fn, j);
    }
    hog_stop();
    double ratio = t[3] / t[0], ratio_l = t[3] / t[2];
    if (!blas && ratio > worst)
        worst = ratio;
    if (!blas && ratio_l > worst_loaded)
        worst_loaded = ratio_l;
    printf("%-26s %-10s %10.3g %10.3g %10.3g %10.3g %6.2f %6.2f %6.2f%s\n", kernel, size, t[0], t[1], t[2], t[3],
           t[1] / t[0], ratio, ratio_l, ratio > 1.5 ? "  > 1.5" : "");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    only = argc > 1 ? argv[1] : NULL;
    printf("bench_threads_load: threaded kernels at 1 thread, 2 threads, and 2 threads with a busy loop pinned\n"
           "to one CPU; ratio = loaded 2-thread time / 1-thread time (criterion: <= 1.5 for every kernel)\n");
    printf("%-26s %-10s %10s %10s %10s %10s %6s %6s %6s\n", "kernel", "size", "1 thr (s)", "2 thr (s)", "1 loaded",
           "2 loaded", "2/1", "ratio", "vs 1L");
    char label[32];
    size_t mvm_sizes[] = {128, 256, 512, 1024, 2048};
    for (size_t k = 0; k < sizeof mvm_sizes / sizeof *mvm_sizes; k++) {
        job j = job_new(mvm_sizes[k], mvm_sizes[k], 1, 0);
        snprintf(label, sizeof label, "%zux%zu", j.M, j.N);
        row("ideal MVM", label, ideal, &j, 0);
        job_free(&j);
    }
    /* The effective-matrix MVM is the same product on G_eff (whose values do not change the time). */
    size_t eff_sizes[] = {256, 512, 1024};
    for (size_t k = 0; k < sizeof eff_sizes / sizeof *eff_sizes; k++) {
        job j = job_new(eff_sizes[k], eff_sizes[k], 1, 0);
        snprintf(label, sizeof label, "%zux%zu", j.M, j.N);
        row("effective MVM (ideal_mvm)", label, ideal, &j, 0);
        row("  OpenBLAS dgemv (ref.)", label, dgemv, &j, 1);
        job_free(&j);
    }
    size_t geff_sizes[] = {16, 32, 64};
    for (size_t k = 0; k < sizeof geff_sizes / sizeof *geff_sizes; k++) {
        job j = job_new(geff_sizes[k], geff_sizes[k], 1, 1);
        snprintf(label, sizeof label, "%zux%zu", j.M, j.N);
        row("circuit_effective_g", label, effective_g, &j, 0);
        job_free(&j);
    }
    size_t batch_sizes[][2] = {{16, 4}, {32, 8}, {64, 16}, {128, 16}};
    for (size_t k = 0; k < sizeof batch_sizes / sizeof *batch_sizes; k++) {
        job j = job_new(batch_sizes[k][0], batch_sizes[k][0], batch_sizes[k][1], 1);
        snprintf(label, sizeof label, "%zux%zu/%zu", j.M, j.N, j.n_vec);
        row("circuit_solve_batch", label, batch, &j, 0);
        job_free(&j);
    }
    size_t pcg_sizes[] = {64, 256};
    for (size_t k = 0; k < sizeof pcg_sizes / sizeof *pcg_sizes; k++) {
        job j = job_new(pcg_sizes[k], pcg_sizes[k], 1, 1);
        snprintf(label, sizeof label, "%zux%zu", j.M, j.N);
        row("PCG solve (serial)", label, pcg, &j, 0);
        job_free(&j);
    }
    printf("worst ratio of cimsim's kernels under load: %.2f (%s); against 1 thread under the same load: %.2f\n", worst,
           worst <= 1.5 ? "criterion met" : "criterion NOT met", worst_loaded);
    return 0;
}

/* bench/bench_circuit_spice.c -- ngspice in the same run as the crossbar circuit solve (issue 5), for square
 * linear arrays up to 64 x 64: the circuit of bench_circuit.c's cold-solve rows (2.5-ohm row and column wires,
 * 10-ohm drivers and sense resistors, cells uniform in 1-100 uS, inputs 0-0.2 V, the same generator and seed).
 *
 * For each size the array is written as a netlist by crossbar/spice_array (its .op with the tests' tightened
 * tolerances: reltol 1e-12, abstol 1e-18 A, vntol 1e-15 V) into a fresh folder under /tmp, and the wall time of
 * the whole `ngspice -b` process (posix_spawnp .. waitpid: start-up, parse, solve, write) is taken, best of
 * three runs.  cimsim's time is a cold exact solve: circuit_new + circuit_set_conductances + circuit_solve
 * (PCG, KCL residual 1e-9) + circuit_free, best of bench_time's batches.  The column currents of the two are
 * compared (the largest difference relative to the largest current).  The ratio is there to show, not to chase:
 * most of ngspice's time at these sizes is its own, not the linear algebra's.
 * Without ngspice on PATH the benchmark prints a skip line and exits 0. */
#include "bench/bench.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "crossbar/cell.h"
#include "crossbar/circuit.h"
#include "crossbar/ideal.h"
#include "crossbar/spice_array.h"

#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define NGSPICE_RUNS 3 /* ngspice is timed best of this many whole-process runs */

/* ---- ngspice as a process ----------------------------------------------------------------------------------- */

/* 1 if an executable `name` is on PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return 0;
    char *copy = strdup(path), *save = NULL, file[4096];
    int found = 0;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        snprintf(file, sizeof file, "%s/%s", *dir ? dir : ".", name);
        found = access(file, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* Runs `ngspice -b cir` with stdout and stderr into log; returns its wall time in seconds, or -1 if it could not
 * be started or did not exit with status 0. */
static double run_ngspice(const char *cir, const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {"ngspice", "-b", (char *)cir, NULL};
    pid_t pid;
    double t0 = progress_now_s();
    int rc = posix_spawnp(&pid, "ngspice", &fa, NULL, argv, environ);
    int status = 0;
    if (rc == 0)
        waitpid(pid, &status, 0);
    double t = progress_now_s() - t0;
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return t;
}

/* ---- cimsim's cold solve ------------------------------------------------------------------------------------ */

typedef struct job {
    size_t M, N;
    circuit_wires w;
    const double *G, *v;
    double *I;
    circuit_stats st;
    int failed;
} job;

static void cold_solve(void *p)
{
    job *j = p;
    circuit *c = NULL;
    circuit_opts o = circuit_opts_default();
    o.method = CIRCUIT_PCG;
    if (circuit_new(&c, j->M, j->N, &j->w) != CIM_OK || circuit_set_conductances(c, j->G) != CIM_OK ||
        circuit_solve(c, j->v, NULL, j->I, &o, &j->st) != CIM_OK)
        j->failed = 1;
    circuit_free(c);
}

/* One size: 0 on success, 1 on a failure (reported on stderr). */
static int bench_size(size_t n)
{
    int fail = 0;
    job j = {.M = n, .N = n, .w = {2.5, 2.5, 10, 10}};
    double *G = malloc(n * n * sizeof *G), *v = malloc(n * sizeof *v);
    double *I_spice = malloc(n * sizeof *I_spice);
    j.G = G, j.v = v, j.I = malloc(n * sizeof *j.I);
    gsl_rng *r = rng_alloc(1, "bench"); /* bench_circuit's generator: the same arrays */
    crossbar_fill_uniform(G, n * n, 1e-6, 1e-4, r);
    crossbar_fill_uniform(v, n, 0, 0.2, r);

    char dir[] = "/tmp/cimsim-bench-XXXXXX", cir[256], data[256], log[256];
    if (mkdtemp(dir) == NULL) {
        perror("bench_circuit_spice: mkdtemp");
        fail = 1;
        goto out;
    }
    snprintf(cir, sizeof cir, "%s/xbar.cir", dir);
    snprintf(data, sizeof data, "%s/xbar.data", dir);
    snprintf(log, sizeof log, "%s/ngspice.log", dir);

    cell_params cp = cell_params_default(); /* 1R, linear */
    cell_array a;
    if (cell_array_init(&a, &cp, n, n, G) != CIM_OK) {
        fprintf(stderr, "bench_circuit_spice: %s\n", cim_errmsg());
        fail = 1;
        goto rm;
    }
    spice_array s = {.rows = n, .cols = n, .wires = j.w, .v_row_V = v, .cells = &a};
    strbuf nl;
    strbuf_init(&nl);
    FILE *fp = NULL;
    if (spice_array_netlist(&s, data, &nl) != CIM_OK || (fp = fopen(cir, "w")) == NULL ||
        fputs(nl.s, fp) == EOF) {
        fprintf(stderr, "bench_circuit_spice: cannot write %s: %s\n", cir, cim_errmsg());
        fail = 1;
    }
    if (fp != NULL && fclose(fp) != 0)
        fail = 1;
    strbuf_destroy(&nl);

    double t_spice = 1e300;
    for (int k = 0; k < NGSPICE_RUNS && !fail; k++) {
        double t = run_ngspice(cir, log);
        if (t < 0) {
            fprintf(stderr, "bench_circuit_spice: ngspice failed on %zu x %zu (log kept: %s)\n", n, n, log);
            fail = 2; /* keep the folder for the log */
        } else
            t_spice = fmin(t_spice, t);
    }
    if (!fail && spice_array_read(&s, data, I_spice, NULL, NULL) != CIM_OK) {
        fprintf(stderr, "bench_circuit_spice: %s\n", cim_errmsg());
        fail = 2;
    }
    cell_array_destroy(&a);

    if (!fail) {
        double t_ours = bench_time(cold_solve, &j);
        if (j.failed) {
            fprintf(stderr, "bench_circuit_spice: cimsim's solve failed on %zu x %zu: %s\n", n, n, cim_errmsg());
            fail = 1;
        } else
            printf("%6zu %12.4g %12.4g %9.0f %6d %10.1e %12.1e\n", n, t_spice, t_ours, t_spice / t_ours,
                   j.st.iterations, j.st.residual, bench_max_rel(j.I, I_spice, n));
        fflush(stdout);
    }
rm:
    if (fail != 2) {
        unlink(cir), unlink(data), unlink(log);
        rmdir(dir);
    }
out:
    rng_free(r);
    free(G), free(v), free(I_spice), free(j.I);
    return fail != 0;
}

int main(void)
{
    printf("bench_circuit_spice: ngspice -b (whole process, best of %d) vs cimsim's cold exact solve "
           "(circuit_new + set_conductances + PCG to a KCL residual of 1e-9); linear cells 1-100 uS, wires 2.5 ohm, "
           "driver/sense 10 ohm, inputs 0-0.2 V; ngspice .op with reltol 1e-12, abstol 1e-18, vntol 1e-15\n",
           NGSPICE_RUNS);
    if (!on_path("ngspice")) {
        printf("bench_circuit_spice: skipped: ngspice is not on PATH (`make deps` installs Debian's ngspice)\n\n");
        return 0;
    }
    printf("%6s %12s %12s %9s %6s %10s %12s\n", "size", "ngspice_s", "cimsim_s", "ratio", "iter", "residual",
           "spice-cimsim");
    size_t sizes[] = {8, 16, 32, 64};
    int fail = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        fail |= bench_size(sizes[s]);
    printf("(spice-cimsim: the largest column-current difference relative to the largest current)\n\n");
    return fail;
}

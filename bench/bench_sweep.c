/* bench/bench_sweep.c -- the sweep engine (sweep/): how well it fills two cores, and what it adds to each point.
 *
 * Every sweep here is written as a config into a fresh folder under /tmp (removed afterwards) and run through the
 * library as `cimsim sweep` runs it: sweep_load once, then sweep_file_open (a new result file), sweep_run_local and
 * sweep_file_finish, timed together.  The kernels inside a run use one thread (cim_set_threads(1)), as under
 * `cimsim sweep -j 2`, so the workers are the only parallelism.
 *
 * 1. Parallel efficiency of CPU-bound sweeps: the same runs on 1 worker (t1) and on 2 (t2), efficiency
 *    t1 / (2 t2) (goal >= 0.9).  The runs of each sweep are repeats of one point (the same work, other seeds), an
 *    even number of them, so a perfect scheduler finishes both workers together:
 *      - 8 PCM pulse trains (the pulses experiment, 25 + 25 pulses integrated through the cell's thermal and
 *        threshold-switching dynamics, ~0.5 s each): compute-bound, a small working set;
 *      - 16 circuit solves of a 256 x 256 array with 1-ohm wires (the mvm experiment, ~0.04 s each): each run
 *        allocates ~10 MB of zeroed work arrays (crossbar/circuit.c), which glibc maps fresh and unmaps at the end
 *        of the run, so most of its time is page faults and zeroing, and the two workers' page faults meet in the
 *        one address space they share (with MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ set to 1e9 in the
 *        environment the same run takes ~6 ms and the efficiency is ~100 %).
 *    The configurations take turns for three rounds; each keeps its best time.
 * 2. What the engine adds per run: the same runs (a) in a plain loop through experiment_run with each run's
 *    overrides (what a hand-written loop would do), (b) in a plain loop through sweep_run_one (the run and its row),
 *    both on a thread of their own as the pool's worker is, and (c) through the sweep on 1 worker (the pool hands
 *    runs to its worker thread; this thread formats and appends each row, a thread of the file syncs the appended
 *    rows to disk, and sweep_file_finish rewrites the file in run order).  Per run, wall time and the CPU time of
 *    the whole process; the CPU time of the thread that appends the rows (read in the progress callback, which runs
 *    on it), and the final rewrite's time.  Two point sizes: the smallest (a 4 x 4 ideal multiply, ~60 us) and
 *    ~10 ms (a VTEAM pulse train, 75 + 75 pulses integrated: compute-bound, a small working set).  The appends and
 *    syncs run beside the worker, so the wall time hides them while a core is free for them; on a machine whose
 *    every core runs a worker (-j = cores) what the sweep takes from the runs is its CPU time, and the goal (under
 *    1 % of a 10 ms point) is read on the CPU column.  "in rows" is the runs' own wall time as the rows record it
 *    (sweep_run_one on the worker): the part of the overhead that is the runs running slower beside the sweep's
 *    other threads rather than the sweep's own work.
 * 3. One ~300-byte row appended and fdatasync'ed in the same folder, alone: its wall time and its CPU time (the
 *    kernel's, counted in the process's CPU time of (2) once per sync the file's thread does).
 * 4. The parallel efficiency of (1)'s compute-bound sweep under `mpirun -n 2` (cli/sweep_mpi.c), as processes: see
 *    mpi_efficiency below.
 *
 * `bench_sweep NAME` runs only the sections whose name contains NAME (efficiency, overhead, sync, mpi).
 */
#include "bench/bench.h"
#include "core/progress.h"
#include "core/status.h"
#include "core/threads.h"
#include "exp/experiment.h"
#include "sweep/file.h"
#include "sweep/pool.h"
#include "sweep/row.h"
#include "sweep/spec.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3
#define OVERHEAD_ROUNDS 5

static char tmp[] = "/tmp/cimsim-bench-sweep-XXXXXX";
static char written[8][600]; /* the configs written, removed at the end */
static size_t n_written;

static void die(const char *what)
{
    fprintf(stderr, "bench_sweep: %s: %s\n", what, cim_errmsg());
    exit(1);
}

static void write_config(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", tmp, name);
    FILE *fp = fopen(path, "w");
    if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
        fprintf(stderr, "bench_sweep: cannot write %s\n", path);
        exit(1);
    }
    if (n_written < sizeof written / sizeof *written)
        snprintf(written[n_written++], sizeof *written, "%s", path);
}

/* Wall time and the CPU time of the whole process (every thread), in seconds. */
typedef struct times {
    double wall, cpu;
    double main_cpu; /* time_sweep: the CPU time of the thread that runs the sweep (appends the rows) */
    double finish;   /* time_sweep: sweep_file_finish, the final rewrite in run order (every row formatted again) */
    double runs;     /* time_sweep: the runs' own wall times as the rows record them (sweep_run_one on the workers) */
} times;

static double cpu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double thread_cpu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void keep_best(times *best, times t)
{
    best->wall = t.wall < best->wall ? t.wall : best->wall;
    best->cpu = t.cpu < best->cpu ? t.cpu : best->cpu;
    best->main_cpu = t.main_cpu < best->main_cpu ? t.main_cpu : best->main_cpu;
    best->finish = t.finish < best->finish ? t.finish : best->finish;
    best->runs = t.runs < best->runs ? t.runs : best->runs;
}

/* What the progress callback records: the CPU clock of the sweep's own thread after the last row, and the sum of the
 * rows' run times. */
typedef struct row_clock {
    double cpu, runs;
} row_clock;

/* Called on the sweep's own thread after each row is appended. */
static void on_row(void *ctx, const sweep_row *row, size_t done, size_t failed, size_t total)
{
    (void)done, (void)failed, (void)total;
    row_clock *c = ctx;
    c->cpu = thread_cpu_now_s();
    c->runs += row->runtime_s;
}

/* The whole sweep into a new result file on `jobs` workers: open, run, finish. */
static times time_sweep(const sweep_spec *s, int jobs)
{
    char out[600];
    snprintf(out, sizeof out, "%s/results.csv", tmp);
    sweep_file f;
    double t0 = progress_now_s(), c0 = cpu_now_s(), m0 = thread_cpu_now_s();
    row_clock m1 = {m0, 0};
    if (sweep_file_open(&f, s, out, "bench_sweep", 1) != CIM_OK)
        die("sweep_file_open");
    sweep_options o = {.jobs = jobs, .stop = NULL, .progress = on_row, .ctx = &m1};
    if (sweep_run_local(&f, &o) != CIM_OK)
        die("sweep_run_local");
    double t_fin = progress_now_s();
    if (sweep_file_finish(&f, NULL) != CIM_OK)
        die("sweep_file_finish");
    times t = {progress_now_s() - t0, cpu_now_s() - c0, m1.cpu - m0, progress_now_s() - t_fin, m1.runs};
    if (f.n_done != s->n_runs || f.n_failed != 0) {
        fprintf(stderr, "bench_sweep: %s: %zu of %zu runs done, %zu failed\n", s->file, f.n_done, s->n_runs,
                f.n_failed);
        exit(1);
    }
    sweep_file_close(&f);
    unlink(out);
    return t;
}

/* The reference loops run on a thread of their own, as the pool's worker runs the sweep's: glibc's malloc gives a
 * second thread its own arena, which grows and trims differently from the main thread's, and a run that allocates
 * a few MB (a circuit's zeroed work arrays) took 30 % more or less time on one than on the other here. */
typedef struct loop_job {
    const sweep_spec *s;
    int direct;    /* 1: experiment_run; 0: sweep_run_one */
    char ***sets;  /* direct: each run's overrides, built before the clock starts */
    size_t *n;
    times t;
} loop_job;

static void *loop_body(void *arg)
{
    loop_job *j = arg;
    const sweep_spec *s = j->s;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/", tmp);
    exp_inputs in = {.base_dir = dir};
    double t0 = progress_now_s(), c0 = cpu_now_s();
    for (size_t i = 0; i < s->n_runs; i++) {
        if (j->direct) {
            experiment_loading l = {.path = s->file, .sets = (const char *const *)j->sets[i], .n_sets = j->n[i],
                                    .fixed = s->x, .skip_group = "sweep"};
            exp_run r;
            exp_metrics ms;
            exp_metrics_init(&ms);
            if (experiment_run(&l, &in, &r, &ms) != CIM_OK)
                die("experiment_run");
            exp_metrics_free(&ms);
            exp_run_free(&r);
        } else {
            sweep_row row;
            sweep_run_one(s, i, &row);
            if (row.status != CIM_OK) {
                fprintf(stderr, "bench_sweep: %s: run %zu failed: %s\n", s->file, i, row.error);
                exit(1);
            }
            sweep_row_free(&row);
        }
    }
    j->t.wall = progress_now_s() - t0;
    j->t.cpu = cpu_now_s() - c0;
    return NULL;
}

/* The same runs in a plain loop: directly through experiment_run with each run's overrides (direct = 1, what a
 * hand-written loop would do), or through sweep_run_one (the run and its row). */
static times time_loop(const sweep_spec *s, int direct)
{
    loop_job j = {s, direct, NULL, NULL, {0, 0, 0, 0, 0}};
    if (direct) {
        j.sets = calloc(s->n_runs, sizeof *j.sets);
        j.n = calloc(s->n_runs, sizeof *j.n);
        for (size_t i = 0; i < s->n_runs; i++)
            j.sets[i] = sweep_run_sets(s, i, &j.n[i]);
    }
    pthread_t th;
    if (pthread_create(&th, NULL, loop_body, &j) != 0 || pthread_join(th, NULL) != 0) {
        fprintf(stderr, "bench_sweep: cannot start a thread\n");
        exit(1);
    }
    for (size_t i = 0; direct && i < s->n_runs; i++)
        sweep_sets_free(j.sets[i], j.n[i]);
    free(j.sets);
    free(j.n);
    return j.t;
}

static void load(sweep_spec *s, const char *path)
{
    if (sweep_load(s, path, NULL, 0, NULL) != CIM_OK)
        die(path);
}

/* ---- 1. parallel efficiency ------------------------------------------------------------------------------------ */

typedef struct cpu_sweep {
    const char *name, *file, *text;
    sweep_spec s;
    times t1, t2; /* best over the rounds */
} cpu_sweep;

static void parallel_efficiency(void)
{
    cpu_sweep cs[] = {
        {"PCM pulse trains (compute-bound)", "pcm.cfg",
         "experiment = \"pulses\";\n"
         "device = { model = \"pcm\"; pcm = { a0 = 1.0; }; };\n"
         "stimulus = { r_series_ohm = 50e3; };\n"
         "pulses = { n_pulses = 25; v_pot_V = 3.65; v_dep_V = 6.0; t_width_s = 100e-9; t_rise_s = 1e-9; "
         "t_gap_s = 100e-9; };\n"
         "sweep = { repeats = 8; axes = ( { key = \"pulses.v_pot_V\"; values = [3.65]; } ); };\n",
         {0}, {1e300, 1e300, 1e300, 1e300, 1e300}, {1e300, 1e300, 1e300, 1e300, 1e300}},
        {"256 x 256 circuit solves (page faults)", "circuit.cfg",
         "experiment = \"mvm\";\n"
         "crossbar = { rows = 256; cols = 256; r_row_ohm = 1.0; r_col_ohm = 1.0; };\n"
         "sweep = { repeats = 16; axes = ( { key = \"mvm.v_max_V\"; values = [0.2]; } ); };\n",
         {0}, {1e300, 1e300, 1e300, 1e300, 1e300}, {1e300, 1e300, 1e300, 1e300, 1e300}},
    };
    const size_t n_cs = sizeof cs / sizeof *cs;
    for (size_t k = 0; k < n_cs; k++) {
        char path[600];
        write_config(cs[k].file, cs[k].text, path, sizeof path);
        load(&cs[k].s, path);
    }
    for (int round = 0; round < ROUNDS; round++)
        for (size_t k = 0; k < n_cs; k++) {
            keep_best(&cs[k].t1, time_sweep(&cs[k].s, 1));
            keep_best(&cs[k].t2, time_sweep(&cs[k].s, 2));
        }
    printf("1. parallel efficiency on 2 workers (sweep_run_local, kernels on 1 thread), best of %d rounds\n", ROUNDS);
    printf("%-42s %6s %10s %10s %10s %12s\n", "sweep", "runs", "s per run", "-j 1 (s)", "-j 2 (s)",
           "t1 / (2 t2)");
    for (size_t k = 0; k < n_cs; k++) {
        double eff = cs[k].t1.wall / (2 * cs[k].t2.wall);
        printf("%-42s %6zu %10.3g %10.3g %10.3g %11.1f%%  goal >= 90%%: %s\n", cs[k].name, cs[k].s.n_runs,
               cs[k].t1.wall / (double)cs[k].s.n_runs, cs[k].t1.wall, cs[k].t2.wall, 100 * eff,
               eff >= 0.9 ? "met" : "NOT met");
        sweep_spec_free(&cs[k].s);
    }
}

/* ---- 2. overhead per point ---------------------------------------------------------------------------------- */

typedef struct small_sweep {
    const char *name, *file, *text;
    sweep_spec s;
    times direct, one, local; /* best over the rounds, for all runs */
} small_sweep;

static void overhead(void)
{
    small_sweep ss[] = {
        {"4 x 4 ideal multiply", "tiny.cfg",
         "experiment = \"mvm\";\n"
         "crossbar = { rows = 4; cols = 4; };\n"
         "sweep = { repeats = 1000; axes = ( { key = \"mvm.v_max_V\"; values = [0.2]; } ); };\n",
         {0}, {1e300, 1e300, 1e300, 1e300, 1e300}, {1e300, 1e300, 1e300, 1e300, 1e300}, {1e300, 1e300, 1e300, 1e300, 1e300}},
        {"VTEAM pulse train (~10 ms)", "mid.cfg",
         "experiment = \"pulses\";\n"
         "device = { model = \"vteam\"; vteam = { window = \"kvatinsky\"; a_on_m = 0.3e-9; a_off_m = 2.7e-9; "
         "x0_m = 2.8e-9; }; };\n"
         "pulses = { n_pulses = 75; v_pot_V = -0.21; v_dep_V = 0.1; t_width_s = 10e-9; t_rise_s = 1e-9; "
         "t_gap_s = 10e-9; };\n"
         "sweep = { repeats = 100; axes = ( { key = \"pulses.v_dep_V\"; values = [0.1]; } ); };\n",
         {0}, {1e300, 1e300, 1e300, 1e300, 1e300}, {1e300, 1e300, 1e300, 1e300, 1e300}, {1e300, 1e300, 1e300, 1e300, 1e300}},
    };
    const size_t n_ss = sizeof ss / sizeof *ss;
    for (size_t k = 0; k < n_ss; k++) {
        char path[600];
        write_config(ss[k].file, ss[k].text, path, sizeof path);
        load(&ss[k].s, path);
    }
    for (int round = 0; round < OVERHEAD_ROUNDS; round++)
        for (size_t k = 0; k < n_ss; k++) {
            keep_best(&ss[k].direct, time_loop(&ss[k].s, 1));
            keep_best(&ss[k].one, time_loop(&ss[k].s, 0));
            keep_best(&ss[k].local, time_sweep(&ss[k].s, 1));
        }
    printf("\n2. what the sweep adds per run, on 1 worker: the same runs in a plain loop (experiment_run; sweep_run_one)\n"
           "   and through the sweep; us per run, wall and CPU (every thread of the process), best of %d rounds\n",
           OVERHEAD_ROUNDS);
    printf("%-28s %5s | %9s %9s %9s %9s | %9s %9s %9s %9s %10s | %9s %12s %12s\n", "point", "runs", "loop", "run_one",
           "sweep", "added", "CPU loop", "run_one", "sweep", "added", "of 10 ms", "in rows", "rows' thread",
           "rewrite (ms)");
    for (size_t k = 0; k < n_ss; k++) {
        double n = (double)ss[k].s.n_runs;
        times d = {ss[k].direct.wall / n, ss[k].direct.cpu / n, 0, 0, 0},
              o = {ss[k].one.wall / n, ss[k].one.cpu / n, 0, 0, 0},
              l = {ss[k].local.wall / n, ss[k].local.cpu / n, ss[k].local.main_cpu / n, ss[k].local.finish / n,
                   ss[k].local.runs / n};
        printf("%-28s %5zu | %9.4g %9.4g %9.4g %9.3g | %9.4g %9.4g %9.4g %9.3g %9.3f%% | %9.4g %12.3g %12.3g\n", ss[k].name,
               ss[k].s.n_runs, 1e6 * d.wall, 1e6 * o.wall, 1e6 * l.wall, 1e6 * (l.wall - d.wall), 1e6 * d.cpu,
               1e6 * o.cpu, 1e6 * l.cpu, 1e6 * (l.cpu - d.cpu), 100 * (l.cpu - d.cpu) / 10e-3,
               1e6 * l.runs, 1e6 * l.main_cpu, 1e3 * ss[k].local.finish);
        sweep_spec_free(&ss[k].s);
    }
    printf("   The rows' thread formats and writes each row; a thread of the file syncs what was written (fdatasync),\n"
           "   rows that finish during one sync covered by the next, and the final rewrite is one atomic write.  On a\n"
           "   machine whose every core runs a worker (-j = cores), what the sweep takes from the runs is its CPU\n"
           "   time: the goal, under 1%% of a 10 ms point, is read on the CPU columns of the ~10 ms row.\n");
}

/* ---- 3. fdatasync --------------------------------------------------------------------------------------------- */

typedef struct sync_ctx {
    int fd;
    char line[320];
} sync_ctx;

static void append_sync(void *arg)
{
    sync_ctx *c = arg;
    if (write(c->fd, c->line, strlen(c->line)) < 0 || fdatasync(c->fd) != 0) {
        fprintf(stderr, "bench_sweep: append and fdatasync failed\n");
        exit(1);
    }
}

static void sync_cost(void)
{
    sync_ctx c;
    char path[600];
    snprintf(path, sizeof path, "%s/sync.csv", tmp);
    c.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (c.fd < 0) {
        fprintf(stderr, "bench_sweep: cannot write %s\n", path);
        exit(1);
    }
    memset(c.line, '7', sizeof c.line - 2);
    c.line[sizeof c.line - 2] = '\n';
    c.line[sizeof c.line - 1] = '\0';
    double t = bench_time(append_sync, &c);
    const int n_cpu = 200;
    double c0 = thread_cpu_now_s();
    for (int k = 0; k < n_cpu; k++)
        append_sync(&c);
    double cpu = (thread_cpu_now_s() - c0) / n_cpu;
    close(c.fd);
    unlink(path);
    printf("\n3. one row appended (%zu bytes) and fdatasync'ed in %s: %.4g us (%.3f%% of a 10 ms point), of which "
           "%.3g us CPU\n",
           strlen(c.line), tmp, 1e6 * t, 100 * t / 10e-3, 1e6 * cpu);
}

/* ---- 4. MPI ------------------------------------------------------------------------------------------------- */

/* The parallel efficiency of (1)'s compute-bound sweep (16 PCM pulse trains) spread over 2 MPI ranks of one worker
 * each, against one process of one worker: `mpirun -n 2 cimsim sweep ... -j 1` and `cimsim sweep ... -j 1`, whole
 * processes timed from outside, so mpirun's start-up (ranks launched, MPI initialised) counts against it; that
 * start-up alone (mpirun -n 2 of a sweep with nothing left to run) is printed beside it, and the efficiency of the
 * sweep itself with it subtracted.  The two files must be the same (runtime_s aside); `--bind-to none` because Open
 * MPI binds each of 2 ranks to one core, which -j inside a rank would share (docs/sweeps.md). */
#define MPIRUN_ENV                                                                                                     \
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader "                               \
    "OMPI_MCA_btl_vader_single_copy_mechanism=none "

static double time_shell(const char *cmd)
{
    double t0 = progress_now_s();
    int st = system(cmd);
    double t = progress_now_s() - t0;
    if (st != 0) {
        fprintf(stderr, "bench_sweep: `%s` failed (%d)\n", cmd, st);
        exit(1);
    }
    return t;
}

/* The file without the last field of each line (runtime_s). */
static char *strip_runtime(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        die(path);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap), line[1 << 16];
    while (fgets(line, sizeof line, fp) != NULL) {
        char *comma = line[0] == '#' ? NULL : strrchr(line, ',');
        if (comma != NULL)
            strcpy(comma, "\n");
        size_t len = strlen(line);
        if (n + len + 1 > cap)
            out = realloc(out, cap = 2 * (n + len + 1));
        memcpy(out + n, line, len + 1);
        n += len;
    }
    fclose(fp);
    return out;
}

static void mpi_efficiency(void)
{
    char cfg_path[600], cmd[4096], a[700], b[700];
    write_config("mpi_pcm.cfg",
                 "experiment = \"pulses\";\n"
                 "device = { model = \"pcm\"; pcm = { a0 = 1.0; }; };\n"
                 "stimulus = { r_series_ohm = 50e3; };\n"
                 "pulses = { n_pulses = 25; v_pot_V = 3.65; v_dep_V = 6.0; t_width_s = 100e-9; t_rise_s = 1e-9; "
                 "t_gap_s = 100e-9; };\n"
                 "sweep = { repeats = 16; axes = ( { key = \"pulses.v_pot_V\"; values = [3.65]; } ); };\n",
                 cfg_path, sizeof cfg_path);
    snprintf(a, sizeof a, "%s/mpi_serial.csv", tmp);
    snprintf(b, sizeof b, "%s/mpi_ranks.csv", tmp);
    double t1 = 1e300, t2 = 1e300, t0 = 1e300;
    for (int round = 0; round < 2; round++) {
        unlink(a);
        unlink(b);
        snprintf(cmd, sizeof cmd, "%s sweep %s -o %s -j 1 -q", CIM_BIN, cfg_path, a);
        double t = time_shell(cmd);
        t1 = t < t1 ? t : t1;
        snprintf(cmd, sizeof cmd, MPIRUN_ENV "mpirun -n 2 --oversubscribe --bind-to none %s sweep %s -o %s -j 1 -q",
                 CIM_BIN, cfg_path, b);
        t = time_shell(cmd);
        t2 = t < t2 ? t : t2;
        /* start-up alone: the same command on the finished file (nothing left to run) */
        t = time_shell(cmd);
        t0 = t < t0 ? t : t0;
    }
    char *sa = strip_runtime(a), *sb = strip_runtime(b);
    int same = strcmp(sa, sb) == 0;
    free(sa);
    free(sb);
    unlink(a);
    unlink(b);
    double eff = t1 / (2 * t2), eff_run = t1 / (2 * (t2 - t0));
    printf("\n4. parallel efficiency under mpirun -n 2 (16 PCM pulse trains, one worker per rank), best of 2 rounds\n");
    printf("   one process, -j 1: %.3g s; mpirun -n 2: %.3g s, of which start-up %.3g s\n", t1, t2, t0);
    printf("   t1 / (2 t_mpi) = %.1f%% with start-up, %.1f%% without (goal >= 90%%: %s); files %s\n", 100 * eff,
           100 * eff_run, eff >= 0.9 ? "met" : eff_run >= 0.9 ? "met without start-up" : "NOT met",
           same ? "identical" : "DIFFER");
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : ""; /* bench_sweep NAME: only the sections whose name contains NAME */
    if (mkdtemp(tmp) == NULL) {
        fprintf(stderr, "bench_sweep: cannot make %s\n", tmp);
        return 1;
    }
    cim_set_threads(1);
    printf("bench_sweep: the sweep engine through the library (sweep_load, sweep_file_open, sweep_run_local, "
           "sweep_file_finish)\n\n");
    if (strstr("efficiency", only) != NULL)
        parallel_efficiency();
    if (strstr("overhead", only) != NULL)
        overhead();
    if (strstr("sync", only) != NULL)
        sync_cost();
    if (strstr("mpi", only) != NULL)
        mpi_efficiency();
    for (size_t k = 0; k < n_written; k++)
        unlink(written[k]);
    rmdir(tmp);
    return 0;
}

/* cli/cmd_sweep.c -- `cimsim sweep CONFIG -o results.csv`: one experiment at many points of its configuration
 * (sweep/spec.h), on every core (sweep/pool.h) or over MPI ranks (cli/sweep_mpi.c), resumable (sweep/file.h). */
#include "cli/cli.h"
#include "cli/sweep.h"
#include "core/afile.h"
#include "core/progress.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/threads.h"
#include "core/xalloc.h"
#include "sweep/file.h"
#include "sweep/pool.h"
#include "sweep/spec.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef _GNU_SOURCE
#include <sched.h>
#endif

static const cli_option sweep_options_table[] = {
    {"jobs", "N", "-j N: runs at once (default: every core; under mpirun, the cores of the node shared by its ranks); "
                  "each run's kernels then use one thread",
     CLI_OUT_NONE},
    {"restart", NULL, "start over: replace the result file instead of resuming it", CLI_OUT_NONE},
    {"dry-run", NULL, "list the runs (swept values and seeds) and exit; nothing is run or written", CLI_OUT_NONE},
    {"plot", "PREFIX",
     "draw each metric against the swept values to PREFIX_<metric>.png: lines for one axis, a family of lines or a "
     "heat map for two",
     CLI_OUT_PREFIX},
    {NULL, NULL, NULL, CLI_OUT_NONE},
};

static volatile sig_atomic_t stop_flag = 0;

static void on_signal(int sig)
{
    stop_flag = 1;
    signal(sig, SIG_DFL); /* a second one stops at once */
}

/* The cores this process may run on (its affinity mask: under mpirun's binding, the ones given to the rank), with
 * the kernels' thread count left as --threads set it. */
/* ---- progress ------------------------------------------------------------------------------------------------- */

typedef struct sweep_progress {
    int tty, quiet;
    double t0_s, t_last_s;
    size_t resumed, last_done;
} sweep_progress;

static void fmt_duration(char *buf, size_t n, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, n, "?");
    else if (s < 60)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 3600)
        snprintf(buf, n, "%.0f min %02.0f s", floor(s / 60), fmod(s, 60));
    else
        snprintf(buf, n, "%.0f h %02.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
}

static void on_progress(void *ctx, const sweep_row *row, size_t done, size_t failed, size_t total)
{
    (void)row;
    sweep_progress *p = ctx;
    if (p->quiet)
        return;
    double now = progress_now_s(), el = now - p->t0_s;
    size_t ran = done - p->resumed;
    double eta = ran > 0 ? el / (double)ran * (double)(total - done) : NAN;
    char e1[32], e2[32];
    fmt_duration(e1, sizeof e1, el);
    fmt_duration(e2, sizeof e2, eta);
    if (p->tty) {
        int width = 30, fill = total ? (int)(width * (double)done / (double)total) : width;
        char bar[64];
        for (int k = 0; k < width; k++)
            bar[k] = k < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\rsweep [%s] %zu/%zu runs, %zu failed, %s, ETA %s   ", bar, done, total, failed, e1,
                done < total ? e2 : "0 s");
        if (done == total)
            fputc('\n', stderr);
        fflush(stderr);
        return;
    }
    /* not a terminal: a plain line every 10 s, and the last one if the sweep took that long */
    if (now - p->t_last_s >= 10 || (done == total && el >= 10)) {
        fprintf(stderr, "sweep: %zu/%zu runs done, %zu failed, %s elapsed, ETA %s\n", done, total, failed, e1,
                done < total ? e2 : "0 s");
        p->t_last_s = now;
        p->last_done = done;
    }
}

/* ---- dry run -------------------------------------------------------------------------------------------------- */

static int dry_run(const cli_args *a, const sweep_spec *s)
{
    char desc[256];
    if (a->format == CLI_FORMAT_JSON) {
        json_t *runs = json_array();
        for (size_t i = 0; i < s->n_runs; i++) {
            const sweep_point *pt = &s->runs[i];
            json_t *vals = json_object();
            for (size_t k = 0; k < sweep_n_key_columns(s); k++) {
                size_t ax;
                const char *key = sweep_key_column(s, k, &ax);
                json_object_set_new(vals, key,
                                    !s->axes[ax].numeric ? json_string(pt->label[ax])
                                    : s->axes[ax].is_int ? json_integer((json_int_t)pt->num[ax])
                                                         : json_real(pt->num[ax]));
            }
            json_array_append_new(runs, json_pack("{s:I, s:I, s:o, s:I}", "point", (json_int_t)pt->point, "repeat",
                                                  (json_int_t)pt->repeat, "values", vals, "seed", (json_int_t)pt->seed));
        }
        char h[32];
        snprintf(h, sizeof h, "%016llx", (unsigned long long)s->hash);
        json_t *root = json_pack("{s:s, s:s, s:s, s:o}", "experiment", s->x->name, "runs_text",
                                 sweep_describe(s, desc, sizeof desc), "sweep_hash", h, "runs", runs);
        char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
        printf("%s\n", text);
        free(text);
        json_decref(root);
        return CIM_OK;
    }
    printf("# cimsim sweep %s: the %s experiment, %s\n", s->file, s->x->name, sweep_describe(s, desc, sizeof desc));
    printf("point,repeat");
    for (size_t k = 0; k < sweep_n_key_columns(s); k++)
        printf(",%s", sweep_key_column(s, k, NULL));
    printf(",seed\n");
    for (size_t i = 0; i < s->n_runs; i++) {
        const sweep_point *pt = &s->runs[i];
        printf("%zu,%zu", pt->point, pt->repeat);
        for (size_t k = 0; k < sweep_n_key_columns(s); k++) {
            size_t ax;
            sweep_key_column(s, k, &ax);
            printf(",%s", pt->label[ax]);
        }
        printf(",%lld\n", pt->seed);
    }
    return CIM_OK;
}

/* ---- the command -------------------------------------------------------------------------------------------------- */

static int parse_jobs(const char *text, int *jobs)
{
    char *end;
    errno = 0;
    long j = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || j < 1 || j > 4096)
        return cim_error(CIM_EUSAGE, "sweep: -j %s: expected an integer in [1, 4096]", text);
    *jobs = (int)j;
    return CIM_OK;
}

static int run_sweep(const cli_command *cmd, cli_args *a)
{
    int dry = cli_opt(cmd, a, "dry-run") != NULL, restart = cli_opt(cmd, a, "restart") != NULL;
    const char *plot = cli_opt(cmd, a, "plot");
    if (a->output == NULL && !dry)
        return cim_error(CIM_EUSAGE, "sweep: -o FILE is required: rows are written there as runs finish, and running "
                                     "the same command again resumes from it");
    if (a->output != NULL && strcmp(a->output, "-") == 0)
        return cim_error(CIM_EUSAGE, "sweep: -o -: a sweep writes to a file it can resume from, not to standard output");
    int mpi = cli_mpi_size();
    int jobs = cim_available_cores() / (mpi > 1 ? cli_mpi_local_size() : 1);
    if (jobs < 1)
        jobs = 1;
    const char *jtext = cli_opt(cmd, a, "jobs");
    int st = jtext != NULL ? parse_jobs(jtext, &jobs) : CIM_OK;
    if (st != CIM_OK)
        return st;

    sweep_spec s;
    st = sweep_load(&s, a->config, (const char *const *)a->sets, a->n_sets, a->seed);
    if (st != CIM_OK) {
        sweep_spec_free(&s);
        return st;
    }
    if (dry) {
        st = cli_mpi_rank() == 0 ? dry_run(a, &s) : CIM_OK;
        sweep_spec_free(&s);
        return st;
    }
    /* The kernels inside a run use one thread when several runs share the cores (the bits are the same). */
    if (jobs > 1 || mpi > 1)
        cim_set_threads(1);

    /* What the provenance records: the sweep, not how many workers ran it (the file is the same for any -j). */
    strbuf inv;
    strbuf_init(&inv);
    strbuf_printf(&inv, "cimsim sweep %s", a->config);
    for (size_t i = 0; i < a->n_sets; i++)
        strbuf_printf(&inv, " --set '%s'", a->sets[i]);
    if (a->seed != NULL)
        strbuf_printf(&inv, " --seed %s", a->seed);
    /* JSON is written when the sweep is complete; until then the rows go to a CSV journal beside it. */
    strbuf journal;
    strbuf_init(&journal);
    strbuf_printf(&journal, "%s%s", a->output, a->format == CLI_FORMAT_JSON ? ".part" : "");

    sweep_progress prog = {.tty = isatty(STDERR_FILENO), .quiet = a->quiet, .t0_s = progress_now_s()};
    prog.t_last_s = prog.t0_s;
    sweep_options o = {.jobs = jobs, .stop = &stop_flag, .progress = on_progress, .ctx = &prog};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    sweep_file f;
    memset(&f, 0, sizeof f);
    f.fd = -1;
    int root = 1;
    char note[512] = "";
    if (mpi > 1)
        st = cli_sweep_mpi(&s, journal.s, inv.s, restart, &o, &f, &root, note, sizeof note);
    else {
        st = sweep_file_open(&f, &s, journal.s, inv.s, restart);
        if (st == CIM_OK) {
            prog.resumed = f.n_done;
            if (!a->quiet && f.n_done > 0)
                fprintf(stderr, "sweep: resuming %s: %zu of %zu runs done%s\n", journal.s, f.n_done, s.n_runs,
                        f.torn ? " (a torn last line was cut off; its run is done again)" : "");
            st = sweep_run_local(&f, &o);
        }
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && root && f.n_done < s.n_runs)
        st = cim_error(CIM_ESIM, "sweep interrupted: %zu of %zu runs done, their rows in %s; run the same command again "
                                 "to finish the rest",
                       f.n_done, s.n_runs, journal.s);
    else if (st == CIM_OK && root) {
        st = sweep_file_finish(&f, a->format == CLI_FORMAT_JSON ? a->output : NULL);
        if (st == CIM_OK && plot != NULL)
            st = cli_sweep_plot(&f, plot, out);
        if (st == CIM_OK && plot != NULL) /* figures stay even when runs failed (exit 1 below) */
            st = afile_defer_end(1);
        if (st == CIM_OK && out != NULL) {
            char desc[256], el[32];
            fmt_duration(el, sizeof el, progress_now_s() - prog.t0_s);
            fprintf(out, "cimsim sweep: the %s experiment, %s; %zu run%s here (%zu resumed), %zu failed, %s; wrote %s\n",
                    s.x->name, sweep_describe(&s, desc, sizeof desc), f.n_done - f.n_resumed,
                    f.n_done - f.n_resumed == 1 ? "" : "s", f.n_resumed, f.n_failed, el, a->output);
            if (note[0])
                fprintf(out, "cimsim sweep: %s\n", note);
        }
        if (st == CIM_OK && f.n_failed > 0) {
            size_t shown = 0;
            for (size_t i = 0; i < s.n_runs && shown < 5; i++)
                if (f.rows[i] != NULL && f.rows[i]->status != CIM_OK) {
                    fprintf(stderr, "sweep: point %zu (repeat %zu) failed: %s\n", s.runs[i].point, s.runs[i].repeat,
                            f.rows[i]->error);
                    shown++;
                }
            st = cim_error(CIM_ESIM, "%zu of %zu runs failed (their rows say why, column error)", f.n_failed, s.n_runs);
        }
    }
    sweep_file_close(&f);
    strbuf_destroy(&journal);
    strbuf_destroy(&inv);
    sweep_spec_free(&s);
    return st;
}

const cli_command cmd_sweep = {
    .name = "sweep",
    .summary = "run one experiment at many points of its configuration (grid, zip, random, Latin hypercube)",
    .usage = "[options] CONFIG -o results.csv",
    .description =
        "CONFIG is an experiment's config (with its key experiment = \"...\") plus a group sweep naming the keys to\n"
        "vary and their values (docs/sweeps.md; `cimsim config --docs` lists every key).  Each run's row -- point,\n"
        "repeat, the swept values, seed, status, every named metric of the experiment, error, runtime_s -- is\n"
        "appended to -o as it finishes, synced to disk.  Running the same command again after an interruption\n"
        "(Ctrl-C, a kill, a crash) skips the finished runs and does the rest; when all are done the file is rewritten\n"
        "in run order, the same bytes (runtime_s aside) for any -j and any number of MPI ranks.  A run that fails is\n"
        "recorded with its message and the sweep goes on; the exit status is then 1.\n\n"
        "Under mpirun every rank takes runs from rank 0 as its workers free up:\n"
        "  mpirun -n 4 --hostfile hosts --bind-to none cimsim sweep CONFIG -o results.csv -j 8\n"
        "(one rank per node, -j its cores; docs/sweeps.md, On a cluster)\n\n"
        "examples:\n"
        "  cimsim sweep configs/sweeps/mvm_size_wire.cfg --dry-run\n"
        "  cimsim sweep configs/sweeps/mvm_size_wire.cfg -o mvm_size_wire.csv --plot mvm_size_wire",
    .options = sweep_options_table,
    .config_required = 1,
    .run = run_sweep,
};

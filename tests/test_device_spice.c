/* tests/test_device_spice.c -- every example device config, exported as an ngspice netlist at the default
 * export settings, runs in ngspice to the end of its stimulus and agrees with cimsim's own trace (issue 13:
 * the Stanford-PKU and VTEAM examples aborted with "timestep too small" while ngspice exited 0).  An aborted
 * run is detected from ngspice's log and from the last time in its data file, never from its exit status.
 * The examples are found by listing configs/device: a new one is covered without touching this file.  Those
 * whose "# Run:" line runs another experiment (--pulses, --endurance, --pcm-stat) have no stimulus netlist
 * (the CLI refuses --spice with those flags, tests/test_cli.c); those whose model has no SPICE form must be
 * refused by the exporter. */
#include "core/status.h"
#include "core/strbuf.h"
#include "device/device.h"
#include "device/spice.h"
#include "exp/device.h"
#include "tests/devrun.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_EXAMPLES 64

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

/* The example configs whose "# Run:" line runs the stimulus trace, sorted (the same list in every process). */
static size_t trace_examples(char names[MAX_EXAMPLES][64])
{
    DIR *d = opendir(CIM_SRC "/configs/device");
    cr_assert_not_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < MAX_EXAMPLES) {
        size_t len = strlen(de->d_name);
        if (len < 5 || len >= 64 || strcmp(de->d_name + len - 4, ".cfg") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, CIM_SRC "/configs/device/%s", de->d_name);
        char *text = util_slurp(path, NULL);
        char *run = strstr(text, "# Run:");
        cr_assert_not_null(run, "%s has a # Run: line", de->d_name);
        char *eol = strchr(run, '\n');
        if (eol != NULL)
            *eol = '\0';
        int other = strstr(run, "--pulses") || strstr(run, "--endurance") || strstr(run, "--pcm-stat");
        free(text);
        if (!other)
            memcpy(names[n++], de->d_name, len + 1); /* len < 64 */
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return n;
}

ParameterizedTestParameters(device_spice, example_runs_to_its_end_and_agrees)
{
    static size_t ids[MAX_EXAMPLES];
    char names[MAX_EXAMPLES][64];
    size_t n = trace_examples(names);
    for (size_t i = 0; i < n; i++)
        ids[i] = i;
    return cr_make_param_array(size_t, ids, n);
}

/* The last line of ngspice's log that reports an abort, or NULL. */
static const char *abort_line(const char *log)
{
    static const char *const marks[] = {"imestep too small", "doAnalyses", "simulation(s) aborted", "rror", NULL};
    for (size_t k = 0; marks[k] != NULL; k++)
        if (strstr(log, marks[k]) != NULL)
            return marks[k];
    return NULL;
}

/* The time of the data file's last row. */
static double last_time(const char *data)
{
    double t_last = NAN;
    for (const char *l = data; *l != '\0';) {
        char *end;
        double t = strtod(l, &end);
        if (end != l)
            t_last = t;
        const char *eol = strchr(l, '\n');
        if (eol == NULL)
            break;
        l = eol + 1;
    }
    return t_last;
}

ParameterizedTest(size_t *ci, device_spice, example_runs_to_its_end_and_agrees, .timeout = 300)
{
    char names[MAX_EXAMPLES][64], path[512];
    trace_examples(names);
    const char *name = names[*ci];
    snprintf(path, sizeof path, CIM_SRC "/configs/device/%s", name);
    devrun r;
    devrun_load(&r, path, NULL);
    const device_type *T = r.e.b.type;
    strbuf nl;
    strbuf_init(&nl);
    int st = device_spice_netlist(T, r.e.cell.p, r.e.x0, r.e.b.dev.T_K, &r.e.s, &r.e.sim, exp_device_t_stop(&r.e),
                                  "dev.data", &nl);
    if (T->spice == NULL) { /* refused, naming the model */
        cr_expect_eq(st, CIM_EINVAL, "%s: a model without a SPICE form is refused", name);
        cr_expect(strstr(cim_errmsg(), T->name) != NULL && strstr(cim_errmsg(), "no SPICE form") != NULL, "%s: %s",
                  name, cim_errmsg());
        strbuf_destroy(&nl);
        devrun_unload(&r);
        return;
    }
    cr_assert_eq(st, CIM_OK, "%s: %s", name, cim_errmsg());
    devrun_simulate(&r);
    const device_trace *tr = &r.e.tr;
    double t_stop = exp_device_t_stop(&r.e);

    char *dir = util_tmpdir(), file[600], cmd[1400];
    snprintf(file, sizeof file, "%s/dev.cir", dir);
    util_write(file, nl.s);
    strbuf_destroy(&nl);
    snprintf(cmd, sizeof cmd, "cd %s && ngspice -b dev.cir > ngspice.log 2>&1", dir);
    cr_expect_eq(system(cmd), 0, "%s: ngspice's exit status", name); /* 0 even when it aborts: not trusted */
    snprintf(file, sizeof file, "%s/ngspice.log", dir);
    char *log = util_slurp(file, NULL);
    const char *ab = abort_line(log);
    cr_expect_null(ab, "%s: ngspice's log reports \"%s\" (see %s)", name, ab ? ab : "", file);
    free(log);
    snprintf(file, sizeof file, "%s/dev.data", dir);
    char *data = util_slurp(file, NULL);
    double t_last = last_time(data);
    free(data);
    cr_expect(t_last >= t_stop * (1 - 1e-9), "%s: ngspice's data ends at t = %.9g s, the stimulus at %.9g s", name,
              t_last, t_stop);

    double *ref = malloc(tr->n * sizeof *ref);
    cr_assert_eq(device_spice_read(file, &r.e.sim, t_stop, ref), CIM_OK, "%s: %s", name, cim_errmsg());
    double peak = 0, worst = 0;
    size_t compared = 0;
    for (size_t j = 0; j < tr->n; j++)
        peak = fmax(peak, fabs(tr->i_A[j]));
    for (size_t j = 0; j < tr->n; j++)
        if (isfinite(ref[j])) {
            worst = fmax(worst, fabs(tr->i_A[j] - ref[j]));
            compared++;
        }
    cr_expect_gt(peak, 0, "%s: a current to compare", name);
    cr_expect_geq(compared, tr->n - 1, "%s: every sample but t = 0 compared", name);
    cr_expect_leq(worst, 1e-2 * peak, "%s: ngspice and cimsim differ by %.3g of the peak current %.3g A", name,
                  worst / peak, peak);
    cr_log_info("%s: ngspice to t = %g s, max deviation %.3g of peak %.3g A", name, t_last, worst / peak, peak);
    free(ref);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
    devrun_unload(&r);
}

/* The Stanford-PKU example switches under a compliance: its peak current is an RRAM cell's (0.1-1 mA),
 * not the 130 mA of a filament left to run away. */
Test(device_spice, stanford_pku_example_current_is_in_the_rram_range)
{
    devrun r;
    devrun_load(&r, CIM_SRC "/configs/device/stanford_pku.cfg", NULL);
    devrun_simulate(&r);
    double peak = 0, r_lo = INFINITY, r_hi = 0;
    for (size_t j = 0; j < r.e.tr.n; j++)
        peak = fmax(peak, fabs(r.e.tr.i_A[j]));
    for (size_t j = 0; j < r.e.tr.n; j++) {
        double rr = r.e.b.dev.v_read_V / device_read_A(r.e.b.type, r.e.cell.p, r.e.tr.x + j * r.e.tr.n_state,
                                                     r.e.b.dev.v_read_V);
        r_lo = fmin(r_lo, rr), r_hi = fmax(r_hi, rr);
    }
    cr_expect(peak >= 100e-6 && peak <= 1e-3, "peak current %.4g A", peak);
    cr_expect_gt(r_hi / r_lo, 5, "it still switches: R_read %.4g .. %.4g ohm", r_lo, r_hi);
    cr_expect_gt(r.e.tr.e_J[r.e.tr.n - 1], 0);
    cr_expect_lt(r.e.tr.e_J[r.e.tr.n - 1], 1e-6, "energy %.4g J", r.e.tr.e_J[r.e.tr.n - 1]);
    devrun_unload(&r);
}

/* ---- the device command's summary and plot (issue 13) -------------------------------------------------- */

/* A drift run's read hold changes R_read, but no voltage there is a switching voltage: the summary has no
 * switching line (it printed "RESET at 100 mV"); a sweep keeps it. */
Test(device_spice, drift_summary_has_no_switching_voltage)
{
    char *dir = util_tmpdir(), args[1024], *out, *err;
    snprintf(args, sizeof args, "device %s/configs/device/pcm_drift.cfg -o d.csv", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "RESET at") == NULL && strstr(out, "  switching  ") == NULL, "%s", out);
    cr_expect(strstr(out, "loop lobe area") == NULL, "%s", out);
    cr_expect(strstr(out, "R_read at") != NULL, "%s", out);
    free(out), free(err);
    snprintf(args, sizeof args, "device %s/configs/device/vteam.cfg -o v.csv", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "switching       SET at") != NULL && strstr(out, "loop lobe area") != NULL, "%s", out);
    free(out), free(err), free(dir);
}

/* The FeFET sweep's start-up relaxation (40x its switching current) no longer sets the current panel's scale:
 * the plot is scaled to the loop from the first reversal on, and the summary says which range it drew. */
Test(device_spice, fefet_plot_scales_to_the_loop_after_start_up)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "device %s/configs/device/fefet_sweep.cfg -o f.csv --plot f.png", CIM_SRC);
    int rc = util_run_cli(dir, args, &out, &err);
    if (rc != 0 && strstr(err, "gnuplot") != NULL) /* no gnuplot: nothing to draw */
        cr_skip_test("gnuplot: %s", err);
    cr_assert_eq(rc, 0, "%s", err);
    const char *line = strstr(out, "plot            current axis ");
    cr_assert_not_null(line, "%s", out);
    /* the range printed, in nA (cli_si), against the trace's own peak */
    double lo = NAN, hi = NAN;
    cr_assert_eq(sscanf(line, "plot            current axis %lf nA .. %lf nA", &lo, &hi), 2, "%s", line);
    snprintf(path, sizeof path, "%s/f.csv", dir);
    char *csv = util_slurp(path, NULL);
    double peak = 0;
    for (char *l = csv; l != NULL && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        double t, v, i;
        if (sscanf(l, "%lf,%lf,%lf", &t, &v, &i) == 3)
            peak = fmax(peak, fabs(i));
    }
    free(csv);
    cr_expect_gt(hi, lo);
    cr_expect_lt(fmax(fabs(lo), fabs(hi)) * 1e-9, 0.1 * peak, "axis %g .. %g nA against the start-up peak %g A", lo,
                 hi, peak);
    cr_expect_gt(fmax(fabs(lo), fabs(hi)) * 1e-9, 0, "a loop current to show");
    free(out), free(err), free(dir);
}

/* --spice is refused up front, with exit status 2 and nothing written, where it cannot describe the run: a model
 * without a SPICE form (the FeFET), and another experiment than the stimulus run (it was silently ignored). */
Test(device_spice, spice_is_refused_where_it_cannot_describe_the_run)
{
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"fefet_sweep.cfg -o t.csv --spice t.cir", "device model \"fefet\" has no SPICE form"},
        {"vteam_pulses.cfg --pulses -o t.csv --spice t.cir", "--spice writes the netlist of a stimulus run, not of the pulses"},
        {"vteam_pulses.cfg -o t.csv --spice t.cir", "--spice writes the netlist of a stimulus run, not of the pulses"},
        {"feram_endurance.cfg --endurance -o t.csv --spice t.cir",
         "--spice writes the netlist of a stimulus run, not of the endurance"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
        snprintf(args, sizeof args, "device %s/configs/device/%s", CIM_SRC, cases[k].args);
        cr_expect_eq(util_run_cli(dir, args, &out, &err), 2, "%s", cases[k].args);
        cr_expect(strstr(err, cases[k].says) != NULL, "%s: %s", cases[k].args, err);
        snprintf(path, sizeof path, "%s/t.csv", dir);
        cr_expect_neq(access(path, F_OK), 0, "%s: no output left behind", cases[k].args);
        snprintf(path, sizeof path, "%s/t.cir", dir);
        cr_expect_neq(access(path, F_OK), 0, "%s: no netlist", cases[k].args);
        free(out), free(err), free(dir);
    }
}

/* tests/test_sweep_mpi.c -- `mpirun -n 2 cimsim sweep` writes the file a single process writes, runs on both ranks,
 * and resumes a file another run left behind.
 *
 * Open MPI as root needs OMPI_ALLOW_RUN_AS_ROOT{,_CONFIRM}; the shared-memory and self transports are named so
 * that no network interface is probed (CI containers), and --oversubscribe lets two ranks start on a one-core
 * runner.  Under the sanitizers (make check) LeakSanitizer is off in the MPI processes: Open MPI leaves its plugins'
 * allocations behind when it unloads them, and their frames have no module name a suppression could match; the
 * sweep code they run is leak-checked by tests/test_sweep.c in one process.  The runtime_s column (the last) is the one that may differ between runs and is cut before comparing. */
#include "util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MPIRUN_ENV                                                                                                     \
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader "                               \
    "OMPI_MCA_btl_vader_single_copy_mechanism=none ASAN_OPTIONS=detect_leaks=0 "

/* 16 runs of a 256 x 256 circuit solve: long enough (tens of ms each) that the second rank is up before the first
 * has done them all. */
static const char *sweep_cfg = "experiment = \"mvm\";\n"
                               "run = { seed = 5; };\n"
                               "crossbar = { rows = 256; cols = 256; r_row_ohm = 1.0; r_col_ohm = 1.0; };\n"
                               "sweep = {\n"
                               "  repeats = 2;\n"
                               "  axes = ( { key = \"crossbar.r_drv_ohm\"; linspace = [0.0, 70.0]; n = 8; } );\n"
                               "};\n";

/* The file without its last column on each line (runtime_s), malloc'd. */
static char *without_runtime(const char *path)
{
    char *text = util_slurp(path, NULL);
    cr_assert_not_null(text, "%s was not written", path);
    char *out = calloc(strlen(text) + 1, 1);
    char *o = out;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        size_t keep = n;
        if (line[0] != '#')
            for (size_t k = n; k-- > 0;)
                if (line[k] == ',') {
                    keep = k;
                    break;
                }
        memcpy(o, line, keep);
        o += keep;
        *o++ = '\n';
        line += nl ? n + 1 : n;
    }
    free(text);
    return out;
}

static int sh(const char *fmt, const char *dir, const char *extra)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, fmt, dir, CIM_BIN, extra);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(sweep_mpi, two_ranks_write_the_serial_file)
{
    char *dir = util_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/s.cfg", dir);
    util_write(path, sweep_cfg);
    cr_assert_eq(sh("cd %s && %s sweep s.cfg -o serial.csv -j 1 -q %s", dir, ""), 0);
    int rc = sh("cd %s && " MPIRUN_ENV "mpirun -n 2 --oversubscribe %s sweep s.cfg -o mpi.csv %s > out.txt 2> err.txt",
                dir, "");
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *err = util_slurp(path, NULL);
    cr_assert_eq(rc, 0, "mpirun exited %d: %s", rc, err ? err : "");
    snprintf(path, sizeof path, "%s/out.txt", dir);
    char *out = util_slurp(path, NULL);
    /* both ranks ran runs, and together all 16 */
    const char *note = strstr(out, "2 ranks, runs per rank:");
    cr_assert_not_null(note, "no per-rank note in: %s", out);
    unsigned a = 0, b = 0;
    cr_assert_eq(sscanf(note, "2 ranks, runs per rank: %u %u", &a, &b), 2);
    cr_expect_eq(a + b, 16);
    cr_expect_geq(b, 1, "rank 1 ran no run (%u, %u): the work was not spread", a, b);
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/serial.csv", dir);
    snprintf(p2, sizeof p2, "%s/mpi.csv", dir);
    char *s1 = without_runtime(p1), *s2 = without_runtime(p2);
    cr_expect_str_eq(s2, s1, "the MPI file differs from the serial one");
    /* the column line and 16 rows */
    size_t lines = 0;
    for (const char *c = s1; *c; c = strchr(c, '\n') + 1)
        lines += c[0] != '#';
    cr_expect_eq(lines, 17, "lines that are not comments: %zu", lines);
    free(s1);
    free(s2);
    free(out);
    free(err);
    free(dir);
}

Test(sweep_mpi, resumes_a_partial_file)
{
    char *dir = util_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/s.cfg", dir);
    util_write(path, sweep_cfg);
    cr_assert_eq(sh("cd %s && %s sweep s.cfg -o full.csv -j 1 -q %s", dir, ""), 0);
    /* A file with the header and its first 5 rows: what a run killed after 5 runs leaves. */
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/full.csv", dir);
    snprintf(p2, sizeof p2, "%s/part.csv", dir);
    char *full = util_slurp(p1, NULL);
    char *c = full;
    int data_lines = 0;
    while (*c) {
        char *nl = strchr(c, '\n');
        if (c[0] != '#' && ++data_lines > 6) /* the column line and 5 rows */
            break;
        c = nl + 1;
    }
    *c = '\0';
    util_write(p2, full);
    int rc = sh("cd %s && " MPIRUN_ENV "mpirun -n 2 --oversubscribe %s sweep s.cfg -o part.csv %s > out.txt 2>&1", dir,
                "");
    cr_assert_eq(rc, 0);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    char *out = util_slurp(path, NULL);
    cr_expect(strstr(out, "11 runs here (5 resumed)") != NULL, "not resumed: %s", out);
    char *s1 = without_runtime(p1), *s2 = without_runtime(p2);
    cr_expect_str_eq(s2, s1, "the resumed MPI file differs from the uninterrupted serial one");
    free(s1);
    free(s2);
    free(out);
    free(full);
    free(dir);
}

/* A run that fails on another rank is a row like any other: its message reaches rank 0's file, the other runs
 * complete, the exit status is 1 and the file is the serial one.  crossbar.max_iter = 1 passes the load checks, but
 * the line-preconditioned CG cannot meet rtol = 1e-12 in one iteration on a 32 x 32 array with wires. */
static const char *fail_cfg = "experiment = \"mvm\";\n"
                              "run = { seed = 3; };\n"
                              "crossbar = { rows = 32; cols = 32; solver = \"pcg\"; rtol = 1e-12; };\n"
                              "sweep = {\n  repeats = 3;\n"
                              "  axes = ( { key = \"crossbar.max_iter\"; values = [1, 1000]; },\n"
                              "           { key = [\"crossbar.r_row_ohm\", \"crossbar.r_col_ohm\"]; values = [5.0, 10.0]; } );\n"
                              "};\n";

Test(sweep_mpi, failed_runs_on_any_rank_are_rows)
{
    char *dir = util_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/f.cfg", dir);
    util_write(path, fail_cfg);
    cr_assert_eq(sh("cd %s && %s sweep f.cfg -o serial.csv -j 1 -q %s 2> serial_err.txt", dir, ""), 1,
                 "the serial sweep has failed runs");
    int rc = sh("cd %s && " MPIRUN_ENV "mpirun -n 2 --oversubscribe %s sweep f.cfg -o mpi.csv %s > out.txt 2> err.txt",
                dir, "");
    cr_expect_neq(rc, 0, "mpirun reports the failed runs");
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/serial.csv", dir);
    snprintf(p2, sizeof p2, "%s/mpi.csv", dir);
    char *s1 = without_runtime(p1), *s2 = without_runtime(p2);
    cr_expect_str_eq(s2, s1, "the MPI file differs from the serial one");
    size_t failed = 0, ok = 0;
    for (const char *c = s2; (c = strstr(c, ",failed,")) != NULL; c++)
        failed++;
    for (const char *c = s2; (c = strstr(c, ",ok,")) != NULL; c++)
        ok++;
    cr_expect_eq(failed, 6, "max_iter = 1: 2 wire values x 3 repeats fail");
    cr_expect_eq(ok, 6, "max_iter = 1000: the other 6 complete");
    cr_expect(strstr(s2, "did not converge") != NULL, "a failed row carries its message");
    free(s1);
    free(s2);
    free(dir);
}

/* tests/test_cli.c -- the cimsim program as a user meets it: the bad-input catalogue (tests/bad/),
 * exit codes, outputs and their provenance, reproducibility, and the generated reference. */
#include "core/csv.h"
#include "core/strbuf.h"
#include "core/status.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>
#include <math.h>

#define BAD_DIR CIM_SRC "/tests/bad"
#define MVM_CFG CIM_SRC "/configs/mvm/circuit.cfg"
#define MAX_CASES 256

/* Sorted names of the catalogue's case folders. */
static size_t bad_cases(char names[][256])
{
    DIR *d = opendir(BAD_DIR);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char args[512];
        struct stat st;
        snprintf(args, sizeof args, "%s/%s/args", BAD_DIR, e->d_name);
        if (e->d_name[0] != '.' && stat(args, &st) == 0 && n < MAX_CASES)
            snprintf(names[n++], 256, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, n, 256, (int (*)(const void *, const void *))strcmp);
    return n;
}

ParameterizedTestParameters(cli, bad_input_catalogue)
{
    static char names[MAX_CASES][256];
    static size_t ids[MAX_CASES];
    size_t n = bad_cases(names);
    for (size_t i = 0; i < n; i++)
        ids[i] = i;
    return cr_make_param_array(size_t, ids, n);
}

ParameterizedTest(size_t *index, cli, bad_input_catalogue)
{
    static char names[MAX_CASES][256];
    bad_cases(names);
    const char *name = names[*index];
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/%s", BAD_DIR, name);
    snprintf(path, sizeof path, "%s/args", dir);
    char *args = util_slurp(path, NULL);
    snprintf(path, sizeof path, "%s/expected_stderr", dir);
    char *expected = util_slurp(path, NULL);
    snprintf(path, sizeof path, "%s/expected_status", dir);
    char *status_text = util_slurp(path, NULL);
    cr_assert(args && expected && status_text, "%s: args, expected_stderr and expected_status are required", name);
    char *out, *err;
    int status = util_run_cli(dir, args, &out, &err);
    cr_expect_eq(status, atoi(status_text), "%s: exit status %d, expected %s", name, status, status_text);
    cr_expect_str_eq(err, expected, "%s: stderr differs", name);
    cr_expect_str_eq(out, "", "%s: nothing may go to stdout on failure", name);
    snprintf(path, sizeof path, "%s/out.csv", dir);
    struct stat st;
    int wrote = stat(path, &st) == 0;
    unlink(path);
    cr_expect(!wrote, "%s: a failed run left out.csv behind", name);
    cr_expect_eq(util_count_prefix(dir, ".out.csv.tmp"), 0, "%s: a temporary file was left behind", name);
    free(args), free(expected), free(status_text), free(out), free(err);
}

Test(cli, catalogue_has_at_least_twenty_cases)
{
    static char names[MAX_CASES][256];
    cr_expect_geq(bad_cases(names), 20);
}

/* ---- successful runs ------------------------------------------------------------------------- */

static csv_table read_result(const char *path)
{
    csv_table t;
    csv_read_opts o = csv_opts_any();
    int st = csv_read(path, &o, &t);
    cr_assert_eq(st, CIM_OK, "%s", cim_errmsg());
    return t;
}

Test(cli, mvm_from_files_matches_independent_sum)
{
    char *dir = util_tmpdir();
    char args[1024], path[600];
    snprintf(args, sizeof args,
             "mvm %s --conductances %s/configs/mvm/G_4x3.csv --voltages %s/configs/mvm/v_4.csv -o I.csv", MVM_CFG,
             CIM_SRC, CIM_SRC);
    char *out, *err;
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "4 x 3 ideal crossbar") != NULL, "summary goes to stdout when -o is given: %s", out);
    snprintf(path, sizeof path, "%s/I.csv", dir);
    csv_table I = read_result(path);
    csv_table G = read_result(CIM_SRC "/configs/mvm/G_4x3.csv"), v = read_result(CIM_SRC "/configs/mvm/v_4.csv");
    cr_assert_eq(I.rows, 3);
    cr_assert_eq(I.cols, 1);
    for (size_t j = 0; j < 3; j++) {
        long double sum = 0, mag = 0; /* extended precision reference */
        for (size_t i = 0; i < 4; i++) {
            sum += (long double)G.data[i * 3 + j] * v.data[i];
            mag += fabsl((long double)G.data[i * 3 + j] * v.data[i]);
        }
        cr_expect_leq(fabsl(I.data[j] - sum), 4 * 2.2e-16L * mag, "column %zu: %.17g vs %.17Lg", j, I.data[j], sum);
    }
    csv_table_free(&I), csv_table_free(&G), csv_table_free(&v);
    free(out), free(err), free(dir);
}

Test(cli, mvm_matches_conformance_ideal_16x16)
{
    char *dir = util_tmpdir();
    char args[1024], path[600];
    const char *c = CIM_SRC "/tests/conformance/crossbar/ideal_16x16";
    snprintf(args, sizeof args, "mvm %s --conductances %s/G.csv --voltages %s/v.csv -o I.csv -q", MVM_CFG, c, c);
    char *out, *err;
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect_str_eq(out, "", "--quiet prints nothing");
    snprintf(path, sizeof path, "%s/I.csv", dir);
    csv_table I = read_result(path), ref = read_result(CIM_SRC "/tests/conformance/crossbar/ideal_16x16/I_ref.csv");
    cr_assert_eq(I.rows, ref.rows);
    for (size_t j = 0; j < I.rows; j++)
        cr_expect_leq(fabs(I.data[j] - ref.data[j]), 1e-12 * fabs(ref.data[j]), "column %zu", j);
    csv_table_free(&I), csv_table_free(&ref);
    free(out), free(err), free(dir);
}

/* The issue-5 interface: circuit-level MVM with parasitics given as --set keys, against the ngspice
 * conformance case; the maps are the node voltages of the same case. */
Test(cli, mvm_with_parasitics_matches_conformance_xbar_8x8_and_writes_maps)
{
    char *dir = util_tmpdir();
    char args[2048], path[600];
    const char *c = CIM_SRC "/tests/conformance/crossbar/xbar_8x8";
    snprintf(args, sizeof args,
             "mvm %s --conductances %s/G.csv --voltages %s/v.csv --set crossbar.r_row_ohm=2.5 --set crossbar.r_col_ohm=2.5 "
             "--set crossbar.r_drv_ohm=10 --set crossbar.r_sense_ohm=10 -o I.csv --maps m",
             MVM_CFG, c, c);
    char *out, *err;
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "crossbar circuit") && strstr(out, "SNR") && strstr(out, "RMSE"), "%s", out);
    snprintf(path, sizeof path, "%s/I.csv", dir);
    csv_table I = read_result(path), ref = read_result(CIM_SRC "/tests/conformance/crossbar/xbar_8x8/I_ref.csv");
    cr_assert_eq(I.rows, ref.rows);
    for (size_t j = 0; j < I.rows; j++)
        cr_expect_leq(fabs(I.data[j] - ref.data[j]), 1e-9 * fabs(ref.data[j]), "column %zu: %.17g vs %.17g", j,
                      I.data[j], ref.data[j]);
    const char *maps[2][2] = {{"m_vrow.csv", "Vrow.csv"}, {"m_vcol.csv", "Vcol.csv"}};
    for (int m = 0; m < 2; m++) {
        char p1[700], p2[700];
        snprintf(p1, sizeof p1, "%s/%s", dir, maps[m][0]);
        snprintf(p2, sizeof p2, "%s/%s", c, maps[m][1]);
        csv_table a = read_result(p1), b = read_result(p2);
        cr_assert_eq(a.rows, 8);
        cr_assert_eq(a.cols, 8);
        double peak = 0;
        for (size_t k = 0; k < 64; k++)
            peak = fmax(peak, fabs(b.data[k]));
        for (size_t k = 0; k < 64; k++)
            cr_expect_leq(fabs(a.data[k] - b.data[k]), 1e-9 * peak, "%s node %zu", maps[m][0], k);
        csv_table_free(&a), csv_table_free(&b);
    }
    for (int m = 0; m < 4; m++) {
        const char *png[] = {"m_vrow.png", "m_vcol.png", "m_vcell.png", "m_vdrop.png"};
        snprintf(path, sizeof path, "%s/%s", dir, png[m]);
        struct stat sb;
        cr_expect(stat(path, &sb) == 0 && sb.st_size > 1000, "%s drawn", png[m]);
    }
    csv_table_free(&I), csv_table_free(&ref);
    free(out), free(err), free(dir);
}

/* --spice writes the array as simulated; ngspice run on it gives the currents cimsim printed. */
Test(cli, mvm_spice_netlist_reproduces_the_solve_in_ngspice)
{
    char *dir = util_tmpdir();
    char args[2048], path[700];
    snprintf(args, sizeof args,
             "mvm %s --set crossbar.rows=12 --set crossbar.cols=7 --set crossbar.r_row_ohm=4 --set crossbar.r_col_ohm=3 "
             "--set crossbar.r_drv_ohm=10 --set crossbar.r_sense_ohm=10 --set cell.iv=\"sinh\" -o I.csv --spice a.cir -q",
             MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(path, sizeof path, "%s/I.csv", dir);
    csv_table I = read_result(path);
    cr_assert_eq(I.rows, 7);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s && ngspice -b a.cir 2>/dev/null", dir);
    FILE *fp = popen(cmd, "r");
    cr_assert_not_null(fp);
    char line[512];
    int seen = 0;
    while (fgets(line, sizeof line, fp)) {
        int j;
        double i_A;
        if (sscanf(line, " i(vsen%d) = %lf", &j, &i_A) == 2 && j >= 0 && j < 7) {
            cr_expect_leq(fabs(i_A - I.data[j]), 1e-6 * fabs(I.data[j]), "column %d: ngspice %.12g, cimsim %.12g", j, i_A,
                          I.data[j]);
            seen++;
        }
    }
    pclose(fp);
    cr_assert_eq(seen, 7, "ngspice printed %d column currents", seen);
    csv_table_free(&I);
    free(dir);
}

Test(cli, same_seed_same_bytes_other_seed_other_numbers)
{
    char *dir = util_tmpdir();
    char args[1024], a[600], b[600], c[600];
    snprintf(args, sizeof args, "mvm %s --seed 11 -o a.csv -q", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(args, sizeof args, "mvm %s --seed 11 -o b.csv -q", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(args, sizeof args, "mvm %s --seed 12 -o c.csv -q", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);
    snprintf(c, sizeof c, "%s/c.csv", dir);
    csv_table ta = read_result(a), tb = read_result(b), tc = read_result(c);
    cr_assert_eq(ta.rows, 64);
    cr_expect_eq(memcmp(ta.data, tb.data, ta.rows * sizeof(double)), 0, "same seed, same currents");
    cr_expect_neq(memcmp(ta.data, tc.data, ta.rows * sizeof(double)), 0, "another seed, other currents");
    char *text = util_slurp(a, NULL);
    cr_expect(strstr(text, "# seed: 11\n") != NULL, "the seed is recorded");
    free(text);
    csv_table_free(&ta), csv_table_free(&tb), csv_table_free(&tc);
    free(dir);
}

/* --threads changes speed, never numbers: the parallel kernels (columns of the ideal product, unit-input
 * solves of the effective matrix) must give the same bytes on 1 and 2 threads. */
Test(cli, thread_count_does_not_change_the_numbers)
{
    char *dir = util_tmpdir();
    const char *variants[] = {
        /* exact circuit with bit-serial inputs: each 64 x 64 tile's effective matrix, 64 solves on threads */
        "--set crossbar.r_row_ohm=2.5 --set crossbar.r_col_ohm=2.5 --set crossbar.r_sense_ohm=10",
        /* ideal reads of 256 x 256 tiles: above the parallel product's threshold */
        "--set weights.rows=512 --set weights.cols=128 --set crossbar.tile_rows=256 --set crossbar.tile_cols=256",
    };
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        char args[1024], a[600], b[600];
        for (int nt = 1; nt <= 2; nt++) {
            snprintf(args, sizeof args, "mvm %s/configs/mvm/weights.cfg %s --threads %d -o t%d.csv -q", CIM_SRC,
                     variants[v], nt, nt);
            cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
        }
        snprintf(a, sizeof a, "%s/t1.csv", dir);
        snprintf(b, sizeof b, "%s/t2.csv", dir);
        csv_table ta = read_result(a), tb = read_result(b);
        cr_assert_eq(ta.rows, tb.rows);
        cr_assert_gt(ta.rows, 0);
        cr_expect_eq(memcmp(ta.data, tb.data, ta.rows * ta.cols * sizeof(double)), 0, "variant %zu: 1 and 2 threads differ",
                     v);
        csv_table_free(&ta), csv_table_free(&tb);
    }
    cr_assert_neq(util_run_cli(dir, "mvm " CIM_SRC "/configs/mvm/weights.cfg --threads -1 -q", NULL, NULL), 0,
                  "a negative thread count is refused");
    free(dir);
}

Test(cli, set_overrides_and_provenance_reproduces_the_run)
{
    char *dir = util_tmpdir();
    char args[1024], path[600];
    snprintf(args, sizeof args, "mvm %s --set crossbar.rows=5 --set crossbar.cols=7 --set mvm.v_max_V=1 -o a.csv -q",
             MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(path, sizeof path, "%s/a.csv", dir);
    char *text = util_slurp(path, NULL);
    cr_expect(strstr(text, "cimsim 0.") != NULL, "version recorded");
    cr_expect(strstr(text, "rows = 5;") != NULL && strstr(text, "cols = 7;") != NULL, "overrides recorded");
    /* The "#   " lines of the header are a config file that reproduces the run. */
    char *cfgtext = calloc(strlen(text) + 1, 1);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, "#   ", 4) == 0) {
            strcat(cfgtext, line + 4);
            strcat(cfgtext, "\n");
        }
    snprintf(path, sizeof path, "%s/replay.cfg", dir);
    util_write(path, cfgtext);
    cr_assert_eq(util_run_cli(dir, "mvm replay.cfg -o b.csv -q", NULL, NULL), 0);
    snprintf(path, sizeof path, "%s/a.csv", dir);
    csv_table ta = read_result(path);
    snprintf(path, sizeof path, "%s/b.csv", dir);
    csv_table tb = read_result(path);
    cr_assert_eq(ta.rows, 7);
    cr_assert_eq(tb.rows, 7);
    cr_expect_eq(memcmp(ta.data, tb.data, 7 * sizeof(double)), 0, "replayed config gives identical currents");
    csv_table_free(&ta), csv_table_free(&tb);
    free(text), free(cfgtext), free(dir);
}

Test(cli, json_output_carries_provenance_and_full_precision)
{
    char *dir = util_tmpdir();
    char args[1024], path[600];
    snprintf(args, sizeof args, "mvm %s --format json -o r.json -q --seed 5", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(args, sizeof args, "mvm %s -o r.csv -q --seed 5", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(path, sizeof path, "%s/r.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    cr_assert_not_null(root, "invalid JSON: %s line %d", jerr.text, jerr.line);
    json_t *pv = json_object_get(root, "provenance");
    cr_expect_eq(json_integer_value(json_object_get(pv, "seed")), 5);
    cr_expect_not_null(json_object_get(pv, "cimsim_version"));
    json_t *cfgj = json_object_get(pv, "config");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(cfgj, "crossbar"), "rows")), 64);
    cr_expect_eq(json_real_value(json_object_get(json_object_get(cfgj, "mvm"), "v_max_V")), 0.2);
    json_t *arr = json_object_get(root, "column_current_A");
    snprintf(path, sizeof path, "%s/r.csv", dir);
    csv_table t = read_result(path);
    cr_assert_eq(json_array_size(arr), t.rows);
    for (size_t j = 0; j < t.rows; j++) /* both formats hold the same doubles exactly */
        cr_expect_eq(json_real_value(json_array_get(arr, j)), t.data[j], "column %zu", j);
    csv_table_free(&t);
    json_decref(root);
    free(dir);
}

Test(cli, failed_run_leaves_existing_output_untouched)
{
    char *dir = util_tmpdir();
    char path[600], args[1024];
    snprintf(path, sizeof path, "%s/I.csv", dir);
    util_write(path, "previous result\n");
    snprintf(args, sizeof args, "mvm %s --set crossbar.rows=0 -o I.csv", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 2);
    char *text = util_slurp(path, NULL);
    cr_expect_str_eq(text, "previous result\n");
    cr_expect_eq(util_count_prefix(dir, ".I.csv.tmp"), 0);
    free(text), free(dir);
}

Test(cli, help_and_version_succeed)
{
    char *out, *err;
    cr_expect_eq(util_run_cli(NULL, "--help", &out, &err), 0);
    cr_expect(strstr(out, "mvm") && strstr(out, "config"), "commands listed: %s", out);
    free(out), free(err);
    cr_expect_eq(util_run_cli(NULL, "mvm --help", &out, &err), 0);
    cr_expect(strstr(out, "--conductances") && strstr(out, "--set KEY=VALUE"), "%s", out);
    free(out), free(err);
    cr_expect_eq(util_run_cli(NULL, "help config", &out, &err), 0);
    cr_expect(strstr(out, "--docs") != NULL, "%s", out);
    free(out), free(err);
    cr_expect_eq(util_run_cli(NULL, "--version", &out, &err), 0);
    cr_expect(strstr(out, "cimsim 0.") && strstr(out, "OpenBLAS"), "GSL's BLAS is OpenBLAS: %s", out);
    free(out), free(err);
    cr_expect_eq(util_run_cli(NULL, "", &out, &err), 2, "no command is a usage error");
    free(out), free(err);
}

Test(cli, config_dump_is_a_fixpoint)
{
    char *dir = util_tmpdir();
    char args[1024], a[600], b[600];
    snprintf(args, sizeof args, "config --dump %s --set mvm.g_max_S=3.3e-5 -o a.cfg", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    cr_assert_eq(util_run_cli(dir, "config --dump a.cfg -o b.cfg", NULL, NULL), 0);
    snprintf(a, sizeof a, "%s/a.cfg", dir);
    snprintf(b, sizeof b, "%s/b.cfg", dir);
    char *ta = util_slurp(a, NULL), *tb = util_slurp(b, NULL);
    cr_expect(strstr(ta, "g_max_S = 3.3e-05;") != NULL, "override resolved: %s", ta);
    cr_expect(strstr(ta, "v_min_V = 0.0;") != NULL, "defaults filled in");
    /* Identical apart from the first line, which names the source file. */
    cr_expect_str_eq(strchr(ta, '\n'), strchr(tb, '\n'));
    free(ta), free(tb), free(dir);
}

Test(cli, docs_config_md_is_up_to_date)
{
    char *out, *err;
    cr_assert_eq(util_run_cli(NULL, "config --docs", &out, &err), 0, "%s", err);
    char *committed = util_slurp(CIM_SRC "/docs/config.md", NULL);
    cr_assert_not_null(committed, "docs/config.md is missing: run make docs");
    cr_expect_str_eq(out, committed, "docs/config.md is stale: run make docs");
    cr_expect(strstr(out, "`crossbar.rows`") && strstr(out, "`mvm.g_max_S`"), "every key documented");
    free(out), free(err), free(committed);
}

Test(cli, simulation_failure_exits_1_and_writes_nothing)
{
    char *dir = util_tmpdir();
    char args[1024], *out, *err;
    snprintf(args, sizeof args, "device %s/configs/device/hp_joglekar.cfg --set sim.max_steps=5 -o trace.csv", CIM_SRC);
    cr_expect_eq(util_run_cli(dir, args, &out, &err), 1);
    cr_expect(strstr(err, "error: integration stopped at t = ") != NULL, "%s", err);
    cr_expect_eq(util_count_prefix(dir, "trace.csv"), 0);
    cr_expect_eq(util_count_prefix(dir, ".trace.csv"), 0);
    free(out), free(err), free(dir);
}

Test(cli, every_example_device_config_runs)
{
    static const struct {
        const char *name;
        size_t rows; /* sim.n_points of the config */
    } cfgs[] = {{"hp_joglekar", 2001},         {"team", 2001},          {"vteam", 2001},
                {"yakopcic", 2001},            {"stanford_pku", 2001},  {"stanford_pku_sky130", 2001},
                {"pcm_reset_set", 7001},       {"pcm_threshold", 4001}};
    for (size_t k = 0; k < sizeof cfgs / sizeof *cfgs; k++) {
        const char *name = cfgs[k].name;
        char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
        snprintf(args, sizeof args, "device %s/configs/device/%s.cfg -o t.csv --spice t.cir", CIM_SRC, name);
        cr_expect_eq(util_run_cli(dir, args, &out, &err), 0, "%s: %s", name, err);
        cr_expect(strstr(out, "R_read at") != NULL, "%s: summary printed", name);
        snprintf(path, sizeof path, "%s/t.csv", dir);
        csv_table t;
        csv_read_opts o = csv_opts_any();
        cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s: %s", name, cim_errmsg());
        cr_expect_not_null(t.header);
        cr_expect_str_eq(t.header[0], "t_s");
        cr_expect_str_eq(t.header[t.cols - 1], "p_W");
        cr_expect_eq(t.rows, cfgs[k].rows, "%s: %zu rows", name, t.rows);
        csv_table_free(&t);
        snprintf(path, sizeof path, "%s/t.cir", dir);
        cr_expect_eq(access(path, F_OK), 0, "%s: netlist written", name);
        free(out), free(err), free(dir);
    }
}

/* Every example under configs/device runs as the "# Run:" line of its header says, and writes the files that
 * line names: a new example is covered without touching this test, and a header that drifts from its config
 * (a renamed option, a --pulses config run as a trace) fails here. */
Test(cli, every_device_config_runs_as_its_header_says)
{
    DIR *d = opendir(CIM_SRC "/configs/device");
    cr_assert_not_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".cfg") != 0)
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/configs/device/%s", CIM_SRC, e->d_name);
        char *text = util_slurp(path, NULL);
        cr_assert_not_null(text, "%s", path);
        const char *run = strstr(text, "# Run:  cimsim ");
        cr_assert_not_null(run, "%s: no \"# Run:  cimsim ...\" line in the header", e->d_name);
        run += strlen("# Run:  cimsim ");
        /* The command, with configs/ made absolute (the test runs in a scratch folder). */
        char args[1024] = "", *dir = util_tmpdir(), *out, *err;
        size_t m = 0;
        for (const char *c = run; *c && *c != '\n' && m + 700 < sizeof args; c++) {
            if (strncmp(c, "configs/", 8) == 0 && (c == run || c[-1] == ' '))
                m += (size_t)snprintf(args + m, sizeof args - m, "%s/", CIM_SRC);
            args[m++] = *c;
            args[m] = '\0';
        }
        cr_expect_eq(util_run_cli(dir, args, &out, &err), 0, "%s: cimsim %s: %s", e->d_name, args, err);
        /* Every output it names (-o, --plot, --plot-r-t, --spice) exists. */
        char *copy = strdup(args);
        for (char *tok = strtok(copy, " "), *prev = NULL; tok != NULL; prev = tok, tok = strtok(NULL, " "))
            if (prev && (!strcmp(prev, "-o") || !strcmp(prev, "--plot") || !strcmp(prev, "--plot-r-t") ||
                         !strcmp(prev, "--spice"))) {
                snprintf(path, sizeof path, "%s/%s", dir, tok);
                cr_expect_eq(access(path, F_OK), 0, "%s: %s written", e->d_name, tok);
            }
        free(copy), free(out), free(err), free(dir), free(text);
        n++;
    }
    closedir(d);
    cr_expect_geq(n, 11, "%zu example configs found", n);
}

Test(cli, device_plot_writes_a_png)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "device %s/configs/device/yakopcic.cfg -q -o t.csv --plot iv.png --log-current", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/iv.png", dir);
    size_t n = 0;
    char *png = util_slurp(path, &n);
    cr_assert_not_null(png, "iv.png written");
    cr_expect_gt(n, 10000, "a real figure, not an empty file");
    cr_expect_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0, "PNG signature");
    cr_expect_eq(util_count_prefix(dir, "iv.png.tmp"), 0);
    free(png), free(out), free(err), free(dir);
}

/* ---- the ferroelectrics' polarization (the device observable) ------------------------------------- */

/* Column index of name in t's header, or t.cols. */
static size_t column(const csv_table *t, const char *name)
{
    size_t k = 0;
    while (k < t->cols && strcmp(t->header[k], name) != 0)
        k++;
    return k;
}

/* The width of a PNG, from its IHDR chunk (bytes 16..19, big-endian). */
static unsigned png_width(const unsigned char *png) { return (unsigned)png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19]; }

/* feram's trace carries P = P_r mean(p_i), recomputed here from the trace's own 32 domain columns and the
 * P_r recorded in the provenance; the plot is two panels (P-V beside I-V), wider than the I-V-only figure. */
Test(cli, feram_trace_carries_the_polarization_and_plots_the_pv_loop)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "device %s/configs/device/feram_loop.cfg -o t.csv --plot pv.png --set device.feram.p_r_C_per_m2=0.137",
             CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "(remanent)") != NULL && strstr(out, "µC/cm²") != NULL, "summary in µC/cm²: %s", out);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    csv_table t = read_result(path);
    size_t kp = column(&t, "P_C_per_m2"), k1 = column(&t, "p01");
    cr_assert_lt(kp, t.cols, "a P_C_per_m2 column");
    cr_assert_eq(kp, k1 + 32, "after the 32 domains");
    cr_expect_str_eq(t.header[t.cols - 1], "p_W", "p_W stays last");
    double p_max = 0;
    for (size_t r = 0; r < t.rows; r++) {
        double m = 0;
        for (size_t d = 0; d < 32; d++)
            m += t.data[r * t.cols + k1 + d];
        double want = 0.137 * m / 32;
        cr_expect(fabs(t.data[r * t.cols + kp] - want) <= 1e-15, "row %zu: P %.17g, P_r mean(p_i) %.17g", r,
                  t.data[r * t.cols + kp], want);
        p_max = fmax(p_max, t.data[r * t.cols + kp]);
    }
    cr_expect_gt(p_max, 0.9 * 0.137, "the loop saturates near the configured P_r (max %g)", p_max);
    size_t n = 0;
    snprintf(path, sizeof path, "%s/pv.png", dir);
    unsigned char *png = (unsigned char *)util_slurp(path, &n);
    cr_assert(png != NULL && n > 24 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "pv.png is a PNG");
    cr_expect_gt(png_width(png), 1200, "two panels: %u px wide", png_width(png));
    csv_table_free(&t);
    free(png), free(out), free(err), free(dir);
}

/* feram_lk's polarization is its state: one column, not two; its summary reads the Landau loop's P_r and
 * E_c t_fe off the P-V loop (the closed form of device/feram_lk.c's coefficients). */
Test(cli, feram_lk_summary_reads_pr_and_ec_off_the_loop)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args,
             "device %s/configs/device/feram_lk.cfg -q -o t.json --format json --set device.feram_lk.p_r_C_per_m2=0.237 "
             "--set device.feram_lk.e_c_V_per_m=1.3e8",
             CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/t.json", dir);
    char *text = util_slurp(path, NULL);
    json_t *j = json_loads(text, 0, NULL);
    cr_assert_not_null(j);
    json_t *tr = json_object_get(j, "trace"), *ob = json_object_get(json_object_get(j, "summary"), "observable");
    cr_expect_eq(json_object_size(tr), 5, "t_s, v_V, i_A, P_C_per_m2, p_W: the state is the observable");
    cr_assert_not_null(ob, "summary.observable");
    cr_expect_str_eq(json_string_value(json_object_get(ob, "unit")), "C/m^2");
    double pr = 0.237, vc = 1.3e8 * 10e-9; /* t_fe 10 nm, the default */
    double rp = json_real_value(json_object_get(ob, "remanent_pos")), rn = json_real_value(json_object_get(ob, "remanent_neg"));
    double cp = json_real_value(json_object_get(ob, "v_coercive_pos_V")), cn = json_real_value(json_object_get(ob, "v_coercive_neg_V"));
    cr_expect(fabs(rp - pr) < 0.02 * pr && fabs(rn + pr) < 0.02 * pr, "remanent %g / %g, P_r %g", rp, rn, pr);
    cr_expect(fabs(cp - vc) < 0.02 * vc && fabs(cn + vc) < 0.02 * vc, "coercive %g / %g V, E_c t_fe %g V", cp, cn, vc);
    json_decref(j);
    free(text), free(out), free(err), free(dir);
}

/* A model without an observable keeps the one-panel I-V figure. */
Test(cli, memristor_plot_stays_one_panel)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "device %s/configs/device/vteam.cfg -q -o t.csv --plot iv.png", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/iv.png", dir);
    size_t n = 0;
    unsigned char *png = (unsigned char *)util_slurp(path, &n);
    cr_assert(png != NULL && n > 24, "iv.png written");
    cr_expect_lt(png_width(png), 1200, "one panel: %u px wide", png_width(png));
    snprintf(path, sizeof path, "%s/t.csv", dir);
    csv_table t = read_result(path);
    cr_expect_eq(t.cols, 5, "t_s, v_V, i_A, x, p_W: no observable column");
    csv_table_free(&t);
    free(png), free(out), free(err), free(dir);
}

/* ---- cimsim sneak: the read margin against the array size ---------------------------------------- */

/* The worst-case margin of an n x n passive array with ideal wires, every other cell at G_LRS, derived here
 * from the circuit (not taken from the program): floating lines leave the sneak path N-1 cells in parallel,
 * then (M-1)(N-1), then M-1, in series; V/2 (V/3) puts M-1 half-selected cells of the sensed column at v/2
 * (v/3); the sensed current is the selected cell's plus the sneak current. */
static double margin_by_hand(const char *scheme, double n, double g_lrs, double g_hrs, double v)
{
    double i_sneak;
    if (strcmp(scheme, "floating") == 0) {
        double r = 1 / g_lrs, r_sneak = r / (n - 1) + r / ((n - 1) * (n - 1)) + r / (n - 1);
        i_sneak = v / r_sneak;
    } else
        i_sneak = (n - 1) * g_lrs * v / (strcmp(scheme, "v2") == 0 ? 2.0 : 3.0);
    double i_lrs = g_lrs * v + i_sneak, i_hrs = g_hrs * v + i_sneak;
    return (i_lrs - i_hrs) / i_lrs;
}

Test(cli, sneak_margin_matches_the_closed_forms_and_wires_and_selectors_change_it)
{
    char *dir = util_tmpdir(), args[1024], path[600];
    const char *cfg = CIM_SRC "/configs/crossbar/sneak.cfg";
    const char *schemes[] = {"floating", "v2", "v3"};
    /* ideal wires, 1R: the closed forms */
    snprintf(args, sizeof args,
             "sneak %s --set crossbar.r_row_ohm=0 --set crossbar.r_col_ohm=0 --set crossbar.r_drv_ohm=0 "
             "--set crossbar.r_sense_ohm=0 -o ideal.csv --plot margin.png -q",
             cfg);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
    snprintf(path, sizeof path, "%s/ideal.csv", dir);
    csv_table ti = read_result(path);
    snprintf(path, sizeof path, "%s/margin.png", dir);
    cr_expect_eq(access(path, F_OK), 0, "the plot is written");
    /* with 2.5-ohm wires (the example), and with a selector read at 1 V */
    snprintf(args, sizeof args, "sneak %s -o wires.csv -q", cfg);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
    snprintf(args, sizeof args, "sneak %s --set cell.type=\"1s1r\" --set sneak.v_read_V=1 -o sel.csv -q", cfg);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
    snprintf(path, sizeof path, "%s/wires.csv", dir);
    csv_table tw = read_result(path);
    snprintf(path, sizeof path, "%s/sel.csv", dir);
    csv_table ts = read_result(path);
    cr_assert_eq(ti.rows, 7);
    cr_assert_eq(tw.rows, ti.rows);
    size_t c_n = column(&ti, "size");
    for (size_t s = 0; s < 3; s++) {
        char name[64];
        snprintf(name, sizeof name, "margin_%s", schemes[s]);
        size_t ci = column(&ti, name), cw = column(&tw, name), cs = column(&ts, name);
        for (size_t k = 0; k < ti.rows; k++) {
            double n = ti.data[k * ti.cols + c_n];
            double want = margin_by_hand(schemes[s], n, 1e-4, 1e-6, 0.2);
            double got = ti.data[k * ti.cols + ci], wired = tw.data[k * tw.cols + cw];
            cr_expect_leq(fabs(got - want), 1e-9 * want, "%s n=%g: %.12g vs closed form %.12g", schemes[s], n, got, want);
            /* wires only cost margin (the far cell is reached through IR drop) */
            cr_expect_lt(wired, got, "%s n=%g: wires %.6g vs ideal %.6g", schemes[s], n, wired, got);
        }
        /* a selector read above its threshold keeps far more margin at the largest size than the passive array */
        size_t last = ts.rows - 1;
        cr_expect_gt(ts.data[last * ts.cols + cs], 5 * tw.data[last * tw.cols + cw], "%s: 1S1R %.4g vs 1R %.4g",
                     schemes[s], ts.data[last * ts.cols + cs], tw.data[last * tw.cols + cw]);
    }
    csv_table_free(&ti), csv_table_free(&tw), csv_table_free(&ts);
    free(dir);
}

/* ---- circuit level with device cells (mvm.cells = "device") -------------------------------------- */

/* Yakopcic cells, i = a1 x sinh(b v): the state that reads G at v_read has a1 x = G v_read / sinh(b v_read), so a
 * cell driven at v carries G v_read sinh(b v) / sinh(b v_read) -- derived here from the model's I-V, not from the
 * program.  With ideal wires every cell sees its row voltage: the column currents are those sums exactly; at
 * v = v_read they are the linear product. */
Test(cli, mvm_device_cells_follow_the_device_iv)
{
    char *dir = util_tmpdir(), args[1400], path[600];
    const double b = 10.0, v_read = 0.2;
    const char *set = "--set mvm.cells=\"device\" --set device.model=\"yakopcic\" --set device.yakopcic.b=10 "
                      "--set device.v_read_V=0.2";
    snprintf(path, sizeof path, "%s/v_read.csv", dir);
    util_write(path, "0.2\n0.2\n0.2\n0.2\n");
    csv_table G = read_result(CIM_SRC "/configs/mvm/G_4x3.csv"), v = read_result(CIM_SRC "/configs/mvm/v_4.csv");
    for (int k = 0; k < 2; k++) {
        snprintf(args, sizeof args, "mvm %s/configs/mvm/circuit.cfg --conductances %s/configs/mvm/G_4x3.csv --voltages %s %s -o I%d.csv -q",
                 CIM_SRC, CIM_SRC, k == 0 ? "v_read.csv" : CIM_SRC "/configs/mvm/v_4.csv", set, k);
        cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
        snprintf(path, sizeof path, "%s/I%d.csv", dir, k);
        csv_table I = read_result(path);
        cr_assert_eq(I.rows, G.cols);
        for (size_t j = 0; j < G.cols; j++) {
            double want = 0;
            for (size_t i = 0; i < G.rows; i++) {
                double vi = k == 0 ? v_read : v.data[i];
                want += G.data[i * G.cols + j] * v_read * sinh(b * vi) / sinh(b * v_read);
            }
            cr_expect_leq(fabs(I.data[j] - want), 1e-9 * fabs(want), "inputs %d, column %zu: %.12g vs %.12g", k, j,
                          I.data[j], want);
        }
        csv_table_free(&I);
    }
    /* wires only take current away; --spice has no form for device cells (exit 2, says so) */
    snprintf(args, sizeof args, "mvm %s/configs/mvm/circuit.cfg --conductances %s/configs/mvm/G_4x3.csv --voltages v_read.csv %s "
             "--set crossbar.r_row_ohm=50 --set crossbar.r_col_ohm=50 -o Iw.csv -q", CIM_SRC, CIM_SRC, set);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
    snprintf(path, sizeof path, "%s/Iw.csv", dir);
    csv_table Iw = read_result(path);
    snprintf(path, sizeof path, "%s/I0.csv", dir);
    csv_table I0 = read_result(path);
    for (size_t j = 0; j < G.cols; j++)
        cr_expect_lt(Iw.data[j], I0.data[j], "column %zu with wires", j);
    char *err;
    snprintf(args, sizeof args, "mvm %s/configs/mvm/circuit.cfg --conductances %s/configs/mvm/G_4x3.csv --voltages v_read.csv %s "
             "--spice a.cir -o Is.csv -q", CIM_SRC, CIM_SRC, set);
    cr_expect_eq(util_run_cli(dir, args, NULL, &err), 2);
    cr_expect(strstr(err, "device cells") != NULL, "%s", err);
    free(err);
    csv_table_free(&Iw), csv_table_free(&I0), csv_table_free(&G), csv_table_free(&v);
    free(dir);
}

/* The weight level's --spice writes one netlist per tile: every cell one of the mapping's levels, every input 0 or
 * v_read (bit-serial), and ngspice on tile 0 agrees with the circuit-level solve of the same conductances and
 * voltages (parsed back from the netlist) to 1e-6. */
Test(cli, weight_level_spice_writes_each_tile)
{
    char *dir = util_tmpdir(), args[2048], path[700];
    snprintf(args, sizeof args, "mvm %s/configs/mvm/weights.cfg --set crossbar.r_row_ohm=2.5 --set crossbar.r_col_ohm=2.5 "
             "--set crossbar.r_sense_ohm=10 --spice w.cir -o y.csv -q", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
    for (int k = 0; k < 10; k++) { /* weights.cfg: 96 x 40 weights in 10 tiles of 64 x 64 */
        snprintf(path, sizeof path, "%s/w_tile%d.cir", dir, k);
        cr_expect_eq(access(path, F_OK), 0, "tile %d written", k);
    }
    snprintf(path, sizeof path, "%s/w_tile10.cir", dir);
    cr_expect_neq(access(path, F_OK), 0, "no eleventh tile");
    snprintf(path, sizeof path, "%s/w_tile0.cir", dir);
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp);
    enum { R = 64, C = 64 };
    static double G[R * C], v[R];
    size_t nr = 0, nc = 0, n_cells = 0;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        int i, j;
        double x;
        char a[64], b[64];
        if (sscanf(line, "RCELL%d_%d %63s %63s %lf", &i, &j, a, b, &x) == 5 && i >= 0 && i < R && j >= 0 && j < C) {
            G[i * C + j] = 1 / x;
            nr = (size_t)i + 1 > nr ? (size_t)i + 1 : nr;
            nc = (size_t)j + 1 > nc ? (size_t)j + 1 : nc;
            n_cells++;
            double best = INFINITY; /* mapping levels: 4 uniform in 1 .. 100 uS */
            for (int l = 0; l < 4; l++)
                best = fmin(best, fabs(1 / x - (1e-6 + l * 33e-6)) / 1e-4);
            cr_expect_leq(best, 1e-12, "cell %d,%d: %g S is not a level", i, j, 1 / x);
        } else if (sscanf(line, "VIN%d %63s 0 DC %lf", &i, a, &x) == 3 && i >= 0 && i < R) {
            v[i] = x;
            cr_expect(x == 0 || fabs(x - 0.2) < 1e-15, "input %d at %g V", i, x);
        }
    }
    fclose(fp);
    cr_assert_eq(nr, 64);
    cr_assert_eq(n_cells, nr * nc, "every cell has an element");
    /* the same circuit at the circuit level */
    strbuf gs, vs;
    strbuf_init(&gs), strbuf_init(&vs);
    for (size_t i = 0; i < nr; i++) {
        for (size_t j = 0; j < nc; j++)
            strbuf_printf(&gs, "%.17g%s", G[i * C + j], j + 1 < nc ? "," : "\n");
        strbuf_printf(&vs, "%.17g\n", v[i]);
    }
    snprintf(path, sizeof path, "%s/G.csv", dir);
    util_write(path, gs.s);
    snprintf(path, sizeof path, "%s/v.csv", dir);
    util_write(path, vs.s);
    strbuf_destroy(&gs), strbuf_destroy(&vs);
    snprintf(args, sizeof args, "mvm %s --conductances G.csv --voltages v.csv --set crossbar.r_row_ohm=2.5 "
             "--set crossbar.r_col_ohm=2.5 --set crossbar.r_sense_ohm=10 -o I.csv -q", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
    snprintf(path, sizeof path, "%s/I.csv", dir);
    csv_table I = read_result(path);
    cr_assert_eq(I.rows, nc);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s && ngspice -b w_tile0.cir 2>/dev/null", dir);
    FILE *sp = popen(cmd, "r");
    cr_assert_not_null(sp);
    size_t seen = 0;
    while (fgets(line, sizeof line, sp)) {
        int j;
        double i_A;
        if (sscanf(line, " i(vsen%d) = %lf", &j, &i_A) == 2 && j >= 0 && (size_t)j < nc) {
            cr_expect_leq(fabs(i_A - I.data[j]), 1e-6 * fabs(I.data[j]) + 1e-18, "column %d: ngspice %.12g, cimsim %.12g",
                          j, i_A, I.data[j]);
            seen++;
        }
    }
    pclose(sp);
    cr_assert_eq(seen, nc, "ngspice printed %zu column currents", seen);
    csv_table_free(&I);
    free(dir);
}

/* Several input vectors (columns of --voltages, or mvm.n_vectors drawn): each output column must be that vector's
 * own multiply -- bitwise for the ideal array, to the solve tolerance through the circuit (the batch starts the
 * others from the first one's solution) -- and the same bytes on 1 and 2 threads.  The summary names the model
 * that ran, once. */
Test(cli, several_input_vectors_are_each_their_own_multiply)
{
    char *dir = util_tmpdir(), args[1400], path[600], *out;
    const char *G = CIM_SRC "/configs/mvm/G_4x3.csv";
    snprintf(path, sizeof path, "%s/V.csv", dir);
    util_write(path, "0.02,0.17,0.15\n0.05,0.10,0.09\n0.13,0.16,0.02\n0.006,0.17,0.09\n");
    const char *cols[3] = {"0.02\n0.05\n0.13\n0.006\n", "0.17\n0.10\n0.16\n0.17\n", "0.15\n0.09\n0.02\n0.09\n"};
    const char *wires[2] = {"", "--set crossbar.r_row_ohm=2.5 --set crossbar.r_col_ohm=2.5 --set crossbar.r_sense_ohm=10"};
    for (int w = 0; w < 2; w++) {
        for (int nt = 1; nt <= 2; nt++) {
            snprintf(args, sizeof args, "mvm %s --conductances %s --voltages V.csv %s --threads %d -o B%d.csv", MVM_CFG, G,
                     wires[w], nt, nt);
            cr_assert_eq(util_run_cli(dir, args, &out, NULL), 0, "%s", args);
            cr_expect(strstr(out, w ? "crossbar circuit" : "ideal crossbar") != NULL, "%s", out);
            cr_expect(strstr(out, w ? "ideal crossbar" : "crossbar circuit") == NULL, "one model named: %s", out);
            cr_expect(strstr(out, "input vectors   3") != NULL, "%s", out);
            free(out);
        }
        snprintf(path, sizeof path, "%s/B1.csv", dir);
        csv_table b1 = read_result(path);
        snprintf(path, sizeof path, "%s/B2.csv", dir);
        csv_table b2 = read_result(path);
        cr_assert_eq(b1.rows, 3);
        cr_assert_eq(b1.cols, 3);
        cr_expect_eq(memcmp(b1.data, b2.data, 9 * sizeof(double)), 0, "1 and 2 threads differ");
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/v%d.csv", dir, k);
            util_write(path, cols[k]);
            snprintf(args, sizeof args, "mvm %s --conductances %s --voltages v%d.csv %s -o s%d.csv -q", MVM_CFG, G, k,
                     wires[w], k);
            cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0, "%s", args);
            snprintf(path, sizeof path, "%s/s%d.csv", dir, k);
            csv_table s1 = read_result(path);
            for (size_t j = 0; j < 3; j++) {
                double got = b1.data[j * 3 + (size_t)k], want = s1.data[j];
                if (w == 0)
                    cr_expect_eq(got, want, "ideal, vector %d column %zu: %.17g vs %.17g", k, j, got, want);
                else
                    cr_expect_leq(fabs(got - want), 1e-9 * fabs(want), "circuit, vector %d column %zu", k, j);
            }
            csv_table_free(&s1);
        }
        csv_table_free(&b1), csv_table_free(&b2);
    }
    /* drawn: the first of 4 vectors is the single vector of the same seed */
    snprintf(args, sizeof args, "mvm %s --set mvm.n_vectors=4 -o d4.csv -q", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(args, sizeof args, "mvm %s -o d1.csv -q", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    snprintf(path, sizeof path, "%s/d4.csv", dir);
    csv_table d4 = read_result(path);
    snprintf(path, sizeof path, "%s/d1.csv", dir);
    csv_table d1 = read_result(path);
    cr_assert_eq(d4.cols, 4);
    cr_assert_eq(d4.rows, d1.rows);
    for (size_t j = 0; j < d1.rows; j++)
        cr_expect_eq(d4.data[j * 4], d1.data[j], "column %zu", j);
    csv_table_free(&d4), csv_table_free(&d1);
    free(dir);
}

/* ---- outputs: checked before the run, all or nothing, the figure's format from its name ------------------- */

/* A stand-in gnuplot in dir/bin that fails the way gnuplot reports a script error, without reading its script (the
 * program must not die of SIGPIPE writing it); PATH points there. */
static void fake_failing_gnuplot(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/bin", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/bin/gnuplot", dir);
    util_write(path, "#!/bin/sh\necho '\"<stdin>\" line 7: undefined variable: frobnicate' >&2\nexit 1\n");
    chmod(path, 0755);
    snprintf(path, sizeof path, "%s/bin:/usr/bin:/bin", dir);
    setenv("PATH", path, 1);
}

/* A run that fails at its last output (the figure) leaves none of the outputs it had written: the result CSV and
 * every map CSV go with it, and the message quotes what gnuplot said instead of guessing that it is missing. */
Test(cli, a_failed_figure_leaves_no_output_and_says_what_gnuplot_said)
{
    char *dir = util_tmpdir(), args[1024], *out, *err;
    fake_failing_gnuplot(dir);
    snprintf(args, sizeof args, "mvm %s/configs/mvm/ir_drop.cfg -q -o I.csv --maps ir --set crossbar.rows=8 "
             "--set crossbar.cols=8", CIM_SRC);
    int status = util_run_cli(dir, args, &out, &err);
    cr_assert_eq(status, 2, "status %d, stderr '%s', stdout '%s'", status, err, out);
    cr_expect(strstr(err, "cannot draw ir_vrow.png: gnuplot stopped with: \"<stdin>\" line 7: undefined variable: "
                          "frobnicate") != NULL, "%s", err);
    cr_expect(strstr(err, "installed") == NULL, "gnuplot ran: it is not missing: %s", err);
    const char *gone[] = {"I.csv", "ir_vrow.csv", "ir_vcol.csv", "ir_vrow.png", ".I.csv", ".ir_"};
    for (size_t k = 0; k < sizeof gone / sizeof *gone; k++)
        cr_expect_eq(util_count_prefix(dir, gone[k]), 0, "%s... left behind", gone[k]);
    free(out), free(err);

    setenv("PATH", "/nonexistent", 1); /* no gnuplot at all */
    snprintf(args, sizeof args, "sneak %s/configs/crossbar/sneak.cfg -q -o m.csv --plot m.png", CIM_SRC);
    status = util_run_cli(dir, args, &out, &err);
    cr_assert_eq(status, 2, "status %d, stderr '%s', stdout '%s'", status, err, out);
    cr_expect(strstr(err, "cannot draw m.png: gnuplot is not installed or not on PATH") != NULL, "%s", err);
    cr_expect_eq(util_count_prefix(dir, "m."), 0, "m.csv left behind");
    cr_expect_eq(util_count_prefix(dir, ".m."), 0, "a temporary left behind");
    free(out), free(err), free(dir);
}

/* An output path that cannot be written is refused before anything runs: the result CSV is not written and the
 * message names the option (the catalogue, tests/bad/output_*, holds one case per command and option). */
Test(cli, output_paths_are_checked_before_the_run)
{
    char *dir = util_tmpdir(), args[1024], *out, *err;
    snprintf(args, sizeof args, "mvm %s/configs/mvm/weights_device.cfg -o y.csv --maps nowhere/prog", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 2, "%s", err);
    cr_expect_str_eq(err, "error: --maps nowhere/prog: folder nowhere does not exist\n");
    cr_expect_str_eq(out, "", "nothing ran, so no summary");
    cr_expect_eq(util_count_prefix(dir, "y.csv"), 0);
    free(out), free(err), free(dir);
}

/* The figure's format follows its extension: PNG, SVG and PDF bytes, each by its signature. */
Test(cli, figure_format_follows_the_extension)
{
    static const struct {
        const char *name, *magic;
    } fig[] = {{"m.png", "\x89PNG\r\n\x1a\n"}, {"m.svg", "<?xml"}, {"m.pdf", "%PDF-"}, {"m.PNG", "\x89PNG"}};
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    for (size_t k = 0; k < sizeof fig / sizeof *fig; k++) {
        snprintf(args, sizeof args, "sneak %s/configs/crossbar/sneak.cfg -q -o m.csv --plot %s", CIM_SRC, fig[k].name);
        cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
        snprintf(path, sizeof path, "%s/%s", dir, fig[k].name);
        size_t n = 0;
        char *bytes = util_slurp(path, &n);
        cr_assert_not_null(bytes, "%s written", fig[k].name);
        cr_expect_geq(n, strlen(fig[k].magic));
        cr_expect_eq(memcmp(bytes, fig[k].magic, strlen(fig[k].magic)), 0, "%s: wrong signature", fig[k].name);
        if (strstr(fig[k].name, "svg"))
            cr_expect(strstr(bytes, "<svg") != NULL, "an SVG document");
        free(bytes), free(out), free(err);
    }
    free(dir);
}

/* ---- summaries that say what their numbers are ---------------------------------------------------------------- */

/* Weight level with verify: the cells that gave up and the cells outside the tolerance at the campaign's end are two
 * counts; the summary gives each with what it counts (it said "0 failed" beside hundreds outside the tolerance). */
Test(cli, weight_level_summary_says_what_each_programming_count_is)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "mvm %s/configs/mvm/weights_device.cfg -o y.json --format json", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/y.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    cr_assert_not_null(root, "%s", je.text);
    json_t *pr = json_object_get(json_object_get(root, "summary"), "programming");
    long long cells = json_integer_value(json_object_get(pr, "cells"));
    long long failed = json_integer_value(json_object_get(pr, "failed"));
    long long end = json_integer_value(json_object_get(pr, "out_of_tolerance_at_campaign_end"));
    cr_assert_gt(end, failed, "the example is the case in point: more outside at the end than failed (%lld, %lld)",
                 end, failed);
    char want[256];
    snprintf(want, sizeof want, "all %lld cells passed verify within", cells);
    if (failed > 0)
        snprintf(want, sizeof want, "%lld gave up after", failed);
    cr_expect(strstr(out, want) != NULL, "'%s' in:\n%s", want, out);
    snprintf(want, sizeof want, "after programming  %lld of %lld cells", end, cells);
    cr_expect(strstr(out, want) != NULL, "'%s' in:\n%s", want, out);
    cr_expect(strstr(out, " failed\n") == NULL, "a bare 'N failed' beside the end-of-campaign count:\n%s", out);
    json_decref(root);
    free(out), free(err), free(dir);
}

/* A circuit run's BLAS check is of the ideal sum, which the circuit is then compared with; the summary says so
 * instead of "agrees with OpenBLAS" beside a large circuit error.  An ideal run's result is the checked sum. */
Test(cli, blas_check_says_what_it_checked)
{
    char *dir = util_tmpdir(), args[1024], *out, *err;
    snprintf(args, sizeof args, "mvm %s/configs/mvm/ir_drop.cfg -o I.csv --set crossbar.rows=16 "
             "--set crossbar.cols=16", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "vs ideal sum") != NULL, "%s", out);
    cr_expect(strstr(out, "check           the ideal sum (the reference above) agrees with OpenBLAS") != NULL, "%s",
              out);
    free(out), free(err);
    snprintf(args, sizeof args, "mvm %s -o I.csv", MVM_CFG);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "check           agrees with OpenBLAS") != NULL, "%s", out);
    free(out), free(err), free(dir);
}

/* --large-output is a common option: a small run with it succeeds (the refusals without it: the catalogue cases output_maps_too_large, output_device_trace_too_large). */
Test(cli, large_output_is_accepted_by_every_command)
{
    char *dir = util_tmpdir(), args[1024], *out, *err;
    const char *run[] = {"mvm " MVM_CFG, "sneak " CIM_SRC "/configs/crossbar/sneak.cfg",
                         "device " CIM_SRC "/configs/device/vteam.cfg"};
    for (size_t k = 0; k < sizeof run / sizeof *run; k++) {
        snprintf(args, sizeof args, "%s -q -o r.csv --large-output", run[k]);
        cr_expect_eq(util_run_cli(dir, args, &out, &err), 0, "%s: %s", run[k], err);
        free(out), free(err);
    }
    free(dir);
}

/* ---- figures read as a user reads them: units as units, log axes over decades ----------------------------------- */

/* The figure's text, drawn as SVG (a text format, so its labels can be read back). */
static char *figure_text(const char *dir, const char *args)
{
    char *out, *err, path[600];
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s: %s", args, err);
    free(out), free(err);
    snprintf(path, sizeof path, "%s/f.svg", dir);
    char *svg = util_slurp(path, NULL);
    cr_assert_not_null(svg);
    unlink(path);
    return svg;
}

Test(cli, figures_write_units_with_si_prefixes_and_log_axes_over_decades)
{
    char *dir = util_tmpdir(), args[1024];
    /* VTEAM pulses: 1.07 .. 1.85 mS on a linear axis in mS (was "(uS)" with ticks to 1900), 10 ns in the title */
    snprintf(args, sizeof args, "device %s/configs/device/vteam_pulses.cfg --pulses -q -o r.csv --plot f.svg", CIM_SRC);
    char *svg = figure_text(dir, args);
    cr_expect(strstr(svg, "conductance at the read voltage (mS)") != NULL, "axis in mS");
    cr_expect(strstr(svg, "-210 mV / 100 mV, 10 ns") != NULL, "title in SI prefixes");
    cr_expect(strstr(svg, "e-08") == NULL && strstr(svg, "uS") == NULL, "no 1e-08 s, no uS");
    free(svg);
    /* with r_off 10 Mohm the curve spans 107 nS .. 38.5 µS: a log axis with decade ticks in SI prefixes */
    snprintf(args, sizeof args, "device %s/configs/device/vteam_pulses.cfg --pulses -q -o r.csv --plot f.svg "
             "--set device.vteam.r_off_ohm=1e7 --set pulses.v_pot_V=-0.5", CIM_SRC);
    svg = figure_text(dir, args);
    cr_expect(strstr(svg, ">100 nS<") != NULL && strstr(svg, ">1 µS<") != NULL && strstr(svg, ">10 µS<") != NULL,
              "decade ticks 100 nS, 1 µS, 10 µS");
    free(svg);
    /* PCM statistics: every conductance axis and legend in µS */
    snprintf(args, sizeof args, "device %s/configs/device/pcm_ibm.cfg --pcm-stat -q -o r.csv --plot f.svg", CIM_SRC);
    svg = figure_text(dir, args);
    cr_expect(strstr(svg, "uS") == NULL, "no uS in the PCM figure");
    cr_expect(strstr(svg, "G (µS)") != NULL && strstr(svg, "g_max 25 µS") != NULL);
    free(svg);
    /* sneak: the title's conductances and voltage */
    snprintf(args, sizeof args, "sneak %s/configs/crossbar/sneak.cfg -q -o r.csv --plot f.svg", CIM_SRC);
    svg = figure_text(dir, args);
    cr_expect(strstr(svg, "LRS 100 µS / HRS 1 µS at 200 mV") != NULL, "sneak title in SI prefixes");
    free(svg), free(dir);
}

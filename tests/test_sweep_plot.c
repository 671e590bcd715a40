/* tests/test_sweep_plot.c -- `cimsim sweep ... --plot PREFIX` (cli/sweep_plot.c): which figures are drawn, that they
 * are images, and that what gnuplot is given to draw is the sweep's result reduced the way the figure says (lines of
 * the right points, means and min .. max over repeats, categories in order, heat-map cells that tile the plane).
 *
 * The program runs with a `gnuplot` first on PATH that keeps a copy of each script and data file it is given and
 * then runs the real gnuplot, so the figures are drawn as a user gets them and the test still sees their numbers.
 * The reference numbers come from the sweep's own result file (-o), read here. */
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <sys/stat.h>

/* ---- the sweep's result file ---------------------------------------------------------------------------------- */

#define MAX_COLS 64
#define MAX_ROWS 256

typedef struct result {
    size_t n_cols, n_rows;
    char *col[MAX_COLS];
    char *cell[MAX_ROWS][MAX_COLS];
} result;

/* The CSV of a finished sweep: comment lines, the column line, the rows (a quoted cell, the error of a failed run,
 * may hold commas; its quotes are kept). */
static void result_read(const char *path, result *r)
{
    memset(r, 0, sizeof *r);
    char *text = util_slurp(path, NULL);
    cr_assert(text != NULL, "%s: not written", path);
    int header = 1;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        size_t k = 0;
        char **dst = header ? r->col : r->cell[r->n_rows];
        for (char *c = line;; k++) {
            char *comma = c;
            for (int quoted = 0; *comma && (quoted || *comma != ','); comma++)
                quoted ^= *comma == '"';
            comma = *comma ? comma : NULL;
            if (comma)
                *comma = '\0';
            cr_assert_lt(k, MAX_COLS);
            dst[k] = strdup(c);
            if (!comma)
                break;
            c = comma + 1;
        }
        if (header)
            r->n_cols = k + 1, header = 0;
        else {
            cr_assert_eq(k + 1, r->n_cols, "%s: a row of %zu cells under %zu columns", path, k + 1, r->n_cols);
            r->n_rows++;
        }
        cr_assert_lt(r->n_rows, MAX_ROWS);
    }
    free(text);
}

static size_t result_col(const result *r, const char *name)
{
    for (size_t k = 0; k < r->n_cols; k++)
        if (strcmp(r->col[k], name) == 0)
            return k;
    cr_assert_fail("the result has no column %s", name);
    return 0;
}

static double result_num(const result *r, size_t row, const char *name)
{
    return strtod(r->cell[row][result_col(r, name)], NULL);
}

static void result_free(result *r)
{
    for (size_t k = 0; k < r->n_cols; k++)
        free(r->col[k]);
    for (size_t i = 0; i < r->n_rows; i++)
        for (size_t k = 0; k < r->n_cols; k++)
            free(r->cell[i][k]);
}

/* ---- running with a gnuplot that keeps what it draws ----------------------------------------------------------- */

/* A scratch folder with bin/gnuplot (the recording wrapper) and log/ (its copies); PATH gets bin first. */
static char *scratch(void)
{
    char *dir = util_tmpdir(), path[600], script[2048];
    snprintf(path, sizeof path, "%s/bin", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/log", dir);
    mkdir(path, 0755);
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "d='%s/log'\n"
             "n=$(ls \"$d\" | wc -l)\n"
             "cat > \"$d/s$n.gp\"\n"
             "data=$(grep -o '/tmp/cimsim-plot-[A-Za-z0-9]*' \"$d/s$n.gp\" | head -n 1)\n"
             "[ -n \"$data\" ] && cp \"$data\" \"$d/s$n.dat\"\n"
             "PATH=${PATH#*:} exec gnuplot \"$d/s$n.gp\"\n",
             dir);
    snprintf(path, sizeof path, "%s/bin/gnuplot", dir);
    util_write(path, script);
    chmod(path, 0755);
    char env[8192];
    snprintf(env, sizeof env, "%s/bin:%s", dir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", env, 1); /* each test is its own process */
    return dir;
}

/* The script gnuplot was given for the figure whose file name is `name` (its output goes to a temporary named
 * after it), and that script's data; NULL if none. */
static char *script_of(const char *dir, const char *name, char **data)
{
    char logdir[600], path[1000], needle[400];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    snprintf(needle, sizeof needle, "/.%s.tmp.", name);
    *data = NULL;
    DIR *d = opendir(logdir);
    char *found = NULL;
    for (struct dirent *e; d && !found && (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".gp") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", logdir, e->d_name);
        char *s = util_slurp(path, NULL);
        if (s && strstr(s, needle)) {
            found = s;
            snprintf(path, sizeof path, "%s/%.*s.dat", logdir, (int)(n - 3), e->d_name);
            *data = util_slurp(path, NULL);
        } else
            free(s);
    }
    if (d)
        closedir(d);
    return found;
}

/* The data blocks gnuplot reads (separated by two blank lines), each a list of rows of numbers. */
#define MAX_BLOCKS 16
#define MAX_BROWS 64
#define MAX_BCOLS 8

typedef struct blocks {
    size_t n;
    size_t rows[MAX_BLOCKS];
    size_t cols[MAX_BLOCKS][MAX_BROWS];
    double v[MAX_BLOCKS][MAX_BROWS][MAX_BCOLS];
    char comment[MAX_BLOCKS][256];
} blocks;

static void blocks_read(const char *text, blocks *b)
{
    memset(b, 0, sizeof *b);
    int blank = 0, in_block = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) {
            if (++blank == 2 && in_block)
                b->n++, in_block = 0;
        } else {
            blank = 0;
            cr_assert_lt(b->n, MAX_BLOCKS);
            if (p[0] == '#')
                snprintf(b->comment[b->n], sizeof b->comment[b->n], "%.*s", (int)len, p);
            else {
                size_t r = b->rows[b->n]++, c = 0;
                cr_assert_lt(r, MAX_BROWS);
                char *end;
                for (const char *q = p; c < MAX_BCOLS; c++, q = end) {
                    double x = strtod(q, &end);
                    if (end == q || end > p + len)
                        break;
                    b->v[b->n][r][c] = x;
                }
                b->cols[b->n][r] = c;
            }
            in_block = 1;
        }
        p += len + (e != NULL);
    }
    if (in_block)
        b->n++;
}

static int near(double a, double b) { return fabs(a - b) <= 1e-8 * fmax(fabs(a), fabs(b)); }

/* The file exists and starts with the bytes of its format. */
static void expect_image(const char *path, const char *magic, size_t n)
{
    size_t len = 0;
    char *s = util_slurp(path, &len);
    cr_assert(s != NULL, "%s was not written", path);
    cr_expect(len > 1000 && memcmp(s, magic, n) == 0, "%s: not a %s file (%zu bytes)", path,
              magic[1] == 'P' ? "PNG" : "figure", len);
    free(s);
}

static const char png_magic[] = "\x89PNG\r\n\x1a\n";

/* Removes the scratch folder and frees its name. */
static void scratch_done(char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

static char *run_sweep(const char *dir, const char *cfg, const char *plot, result *r)
{
    char args[2048], csv[700];
    snprintf(csv, sizeof csv, "%s/r.csv", dir);
    snprintf(args, sizeof args, "sweep %s -o %s --plot %s -j 1", cfg, csv, plot);
    char *out, *err;
    int st = util_run_cli(dir, args, &out, &err);
    cr_assert_eq(st, 0, "cimsim %s: exit %d\n%s", args, st, err);
    free(err);
    result_read(csv, r);
    return out;
}

/* ---- array size x wire resistance, every metric ----------------------------------------------------------------- */

/* The first version of configs/sweeps/mvm_size_wire.cfg, kept here so that the example can change for its readers
 * (more points, fewer metrics) without changing what this test checks. */
static const char size_wire_cfg[] =
    "experiment = \"mvm\";\nrun = { seed = 42; };\ncrossbar = { rows = 64; cols = 64; };\n"
    "mvm = { g_min_S = 1e-6; g_max_S = 100e-6; v_min_V = 0.0; v_max_V = 0.2; };\n"
    "sweep = { mode = \"grid\"; axes = (\n"
    "  { key = [\"crossbar.rows\", \"crossbar.cols\"]; values = [16, 32, 64, 128]; },\n"
    "  { key = [\"crossbar.r_row_ohm\", \"crossbar.r_col_ohm\"]; logspace = [0.1, 10.0]; n = 3; } ); };\n";

Test(sweep_plot, size_and_wire_family_of_lines)
{
    char *dir = scratch(), prefix[700], path[900], cfg[700];
    snprintf(prefix, sizeof prefix, "%s/msw", dir);
    snprintf(cfg, sizeof cfg, "%s/size_wire.cfg", dir);
    util_write(cfg, size_wire_cfg);
    result r;
    char *out = run_sweep(dir, cfg, prefix, &r);
    cr_assert_eq(r.n_rows, 12, "4 sizes x 3 wire resistances");

    /* Which metrics are worth a figure, decided here from the result: a metric column (between status and error)
     * with a value that changes over the runs and is not the same as a swept column in every run. */
    size_t first = result_col(&r, "status") + 1, last = result_col(&r, "error");
    size_t keys[] = {result_col(&r, "crossbar.rows"), result_col(&r, "crossbar.r_row_ohm")};
    size_t drawn = 0;
    for (size_t c = first; c < last; c++) {
        int varies = 0, echoes[2] = {1, 1};
        double v0 = NAN;
        for (size_t i = 0; i < r.n_rows; i++) {
            double v = strtod(r.cell[i][c], NULL);
            if (isnan(v)) /* no value: not a point */
                continue;
            if (isnan(v0))
                v0 = v;
            varies |= v != v0;
            for (int k = 0; k < 2; k++)
                echoes[k] &= v == strtod(r.cell[i][keys[k]], NULL);
        }
        int want = varies && !echoes[0] && !echoes[1];
        snprintf(path, sizeof path, "%s_%s.png", prefix, r.col[c]);
        struct stat sb;
        cr_expect_eq(stat(path, &sb) == 0, want, "%s: %s", r.col[c], want ? "no figure" : "a figure, but it tells nothing");
        char line[1000];
        snprintf(line, sizeof line, "  wrote %s\n", path);
        cr_expect_eq(strstr(out, line) != NULL, want, "%s: the summary %s it", r.col[c], want ? "does not list" : "lists");
        if (want)
            expect_image(path, png_magic, 8);
        drawn += want;
    }
    cr_expect_geq(drawn, 10, "the mvm experiment reports more than ten metrics that vary here");
    cr_expect(strstr(out, "the same in every run (vectors") != NULL, "the summary says why vectors is not drawn:\n%s", out);
    cr_expect_eq(util_count_prefix(dir, ".msw"), 0, "a temporary figure was left behind");

    /* The RMS error: one line per wire resistance, each through the 4 sizes in order, at the values of the result. */
    char *data, *script = script_of(dir, "msw_error_vs_ideal.rmse_A.png", &data);
    cr_assert(script != NULL && data != NULL, "gnuplot was not given the RMS error's figure");
    blocks b;
    blocks_read(data, &b);
    cr_assert_eq(b.n, 3, "3 wire resistances: 3 lines, got %zu", b.n);
    double lo = HUGE_VAL, hi = 0;
    for (size_t k = 0; k < b.n; k++) {
        cr_expect_eq(b.rows[k], 4, "line %zu: 4 array sizes, got %zu points", k, b.rows[k]);
        for (size_t j = 0; j < b.rows[k]; j++) {
            double x = b.v[k][j][0], y = b.v[k][j][1];
            if (j > 0)
                cr_expect_gt(x, b.v[k][j - 1][0], "line %zu: sizes in increasing order", k);
            /* the run of this size on this line: the line's wire resistance is the k-th value 0.1, 1, 10 */
            double r_wire = pow(10.0, (double)k - 1.0);
            int found = 0;
            for (size_t i = 0; i < r.n_rows; i++)
                if (result_num(&r, i, "crossbar.rows") == x && near(result_num(&r, i, "crossbar.r_row_ohm"), r_wire)) {
                    found = 1;
                    cr_expect(near(y, result_num(&r, i, "error_vs_ideal.rmse_A")), "rows %g, r %g: drawn %g, result %s",
                              x, r_wire, y, r.cell[i][result_col(&r, "error_vs_ideal.rmse_A")]);
                }
            cr_expect(found, "line %zu: a point at rows = %g that the sweep did not run", k, x);
        }
    }
    for (size_t i = 0; i < r.n_rows; i++) {
        double v = result_num(&r, i, "error_vs_ideal.rmse_A");
        lo = fmin(lo, v), hi = fmax(hi, v);
    }
    cr_assert_gt(hi / lo, 100.0, "the error spans decades over this sweep");
    cr_expect(strstr(script, "set logscale y") != NULL, "a metric spanning %.0f x is drawn on a log axis", hi / lo);
    cr_expect(strstr(script, "set logscale x") == NULL, "the sizes are a list of values: a linear x axis");
    cr_expect(strstr(script, "crossbar.rows = crossbar.cols") != NULL, "x is labelled with both keys of the axis");
    cr_expect(strstr(script, "error_vs_ideal.rmse_A (A)") != NULL, "y is labelled with the metric and its unit");
    cr_expect(strstr(script, "crossbar.r_row_ohm = crossbar.r_col_ohm = 1 Ω") != NULL,
              "the legend names the family's key and value with its unit");
    free(script), free(data), free(out);
    result_free(&r);
    scratch_done(dir);
}

/* A level in dB is already a logarithm (and may be negative): its axis stays linear when its values span decades,
 * where another metric's goes logarithmic (size_and_wire_family_of_lines: the RMS error) (the SNR of a 128 x 128 array from 0.1 to 1000 ohm wires: 25 dB to 0.03 dB). */
Test(sweep_plot, decibels_on_a_linear_axis)
{
    char *dir = scratch(), prefix[700];
    snprintf(prefix, sizeof prefix, "%s/db", dir);
    char *cfg = malloc(700);
    snprintf(cfg, 700, "%s/db.cfg", dir);
    util_write(cfg, "experiment = \"mvm\";\nrun = { seed = 3; };\ncrossbar = { rows = 128; cols = 128; };\n"
                    "sweep = { seeds = \"common\"; metrics = [\"error_vs_ideal.snr_dB\", \"error_vs_ideal.rmse_A\"];\n"
                    "  axes = ( { key = [\"crossbar.r_row_ohm\", \"crossbar.r_col_ohm\"]; values = [0.1, 1000.0]; } ); };\n");
    result r;
    char *out = run_sweep(dir, cfg, prefix, &r);
    double lo = fmin(result_num(&r, 0, "error_vs_ideal.snr_dB"), result_num(&r, 1, "error_vs_ideal.snr_dB"));
    double hi = fmax(result_num(&r, 0, "error_vs_ideal.snr_dB"), result_num(&r, 1, "error_vs_ideal.snr_dB"));
    cr_assert(lo > 0 && hi / lo > 100.0, "the SNR spans more than two decades here (%g .. %g dB)", lo, hi);
    char *data, *script = script_of(dir, "db_error_vs_ideal.snr_dB.png", &data);
    cr_assert(script != NULL, "gnuplot was not given the SNR's figure");
    cr_expect(strstr(script, "set logscale y") == NULL, "a metric in dB is drawn on a linear axis");
    free(script), free(data), free(out), free(cfg);
    result_free(&r);
    scratch_done(dir);
}

/* ---- one axis with repeats -------------------------------------------------------------------------------------- */

/* dir/name: the mvm experiment on a 16 x 16 array with 1 ohm wires (and crossbar keys `more`), run.seed = seed,
 * and the sweep group. */
static char *write_cfg_more(const char *dir, const char *name, int seed, const char *more, const char *sweep)
{
    char *path = malloc(700), text[4096];
    snprintf(path, 700, "%s/%s", dir, name);
    snprintf(text, sizeof text,
             "experiment = \"mvm\";\nrun = { seed = %d; };\n"
             "crossbar = { rows = 16; cols = 16; r_row_ohm = 1.0; r_col_ohm = 1.0; %s };\n"
             "mvm = { g_min_S = 1e-6; g_max_S = 100e-6; v_min_V = 0.0; v_max_V = 0.2; };\n%s",
             seed, more, sweep);
    util_write(path, text);
    return path;
}

static char *write_cfg(const char *dir, const char *name, int seed, const char *sweep)
{
    return write_cfg_more(dir, name, seed, "", sweep);
}

Test(sweep_plot, one_axis_repeats_mean_and_spread)
{
    char *dir = scratch(), prefix[700], path[900];
    char *cfg = write_cfg(dir, "rep.cfg", 11,
                          "sweep = { mode = \"grid\"; repeats = 3; metrics = [\"error_vs_ideal.rmse_A\"];\n"
                          "  axes = ( { key = \"crossbar.rows\"; values = [8, 32, 16, 64]; } ); };\n");
    snprintf(prefix, sizeof prefix, "%s/rep", dir);
    result r;
    free(run_sweep(dir, cfg, prefix, &r));
    cr_assert_eq(r.n_rows, 12);
    snprintf(path, sizeof path, "%s_error_vs_ideal.rmse_A.png", prefix);
    expect_image(path, png_magic, 8);
    char *data, *script = script_of(dir, "rep_error_vs_ideal.rmse_A.png", &data);
    cr_assert(script != NULL && data != NULL);
    blocks b;
    blocks_read(data, &b);
    cr_assert_eq(b.n, 1, "one axis: one line");
    cr_assert_eq(b.rows[0], 4, "4 sizes, each its mean over the repeats: %zu points", b.rows[0]);
    int differ = 0;
    for (size_t j = 0; j < 4; j++) {
        double x = b.v[0][j][0], sum = 0, mn = HUGE_VAL, mx = -HUGE_VAL;
        size_t n = 0;
        for (size_t i = 0; i < r.n_rows; i++)
            if (result_num(&r, i, "crossbar.rows") == x) {
                double v = result_num(&r, i, "error_vs_ideal.rmse_A");
                sum += v, n++, mn = fmin(mn, v), mx = fmax(mx, v);
            }
        cr_expect_eq(n, 3, "rows = %g: 3 repeats in the result", x);
        cr_expect_eq(b.cols[0][j], 5, "x, mean, min, max, count");
        cr_expect(near(b.v[0][j][1], sum / 3), "rows = %g: mean %g, drawn %g", x, sum / 3, b.v[0][j][1]);
        cr_expect(near(b.v[0][j][2], mn) && near(b.v[0][j][3], mx), "rows = %g: bars %g .. %g, drawn %g .. %g", x, mn,
                  mx, b.v[0][j][2], b.v[0][j][3]);
        cr_expect_eq(b.v[0][j][4], 3.0);
        differ |= mx > mn;
        if (j > 0)
            cr_expect_gt(x, b.v[0][j - 1][0], "sizes drawn in increasing order (given as 8, 32, 16, 64)");
    }
    cr_expect(differ, "repeats with their own seeds draw other conductances: the bars have a length");
    cr_expect(strstr(script, "yerrorlines") != NULL, "repeats: error bars");
    cr_expect(strstr(script, "mean of 3 repeats, bars: min .. max") != NULL, "the key says what the bars are");
    free(script), free(data), free(cfg);
    result_free(&r);
    scratch_done(dir);
}

/* ---- a categorical axis ------------------------------------------------------------------------------------------ */

Test(sweep_plot, categorical_axis_in_the_order_given)
{
    char *dir = scratch(), prefix[700];
    char *cfg = write_cfg(dir, "cat.cfg", 11,
                          "sweep = { mode = \"grid\"; repeats = 2; metrics = [\"array_power_W\"];\n"
                          "  axes = ( { key = \"cell.type\"; values = [\"1t1r\", \"1r\", \"1s1r\"]; } ); };\n");
    snprintf(prefix, sizeof prefix, "%s/cat.svg", dir);
    result r;
    char *out = run_sweep(dir, cfg, prefix, &r);
    char path[900];
    snprintf(path, sizeof path, "%s/cat_array_power_W.svg", dir);
    expect_image(path, "<?xml", 5);
    cr_expect(strstr(out, path) != NULL, "the summary names %s:\n%s", path, out);
    char *data, *script = script_of(dir, "cat_array_power_W.svg", &data);
    cr_assert(script != NULL && data != NULL);
    cr_expect(strstr(script, "set terminal svg") != NULL, "a prefix ending in .svg draws SVG");
    cr_expect(strstr(script, "set xtics noenhanced (\"1t1r\" 0, \"1r\" 1, \"1s1r\" 2)") != NULL,
              "the names as ticks, in the sweep's order:\n%s", script);
    blocks b;
    blocks_read(data, &b);
    cr_assert_eq(b.n, 1);
    cr_assert_eq(b.rows[0], 3, "3 cell types");
    const char *names[] = {"1t1r", "1r", "1s1r"};
    for (size_t j = 0; j < 3; j++) {
        cr_expect_eq(b.v[0][j][0], (double)j, "category %zu at x = %zu", j, j);
        double sum = 0;
        size_t n = 0;
        for (size_t i = 0; i < r.n_rows; i++)
            if (strcmp(r.cell[i][result_col(&r, "cell.type")], names[j]) == 0)
                sum += result_num(&r, i, "array_power_W"), n++;
        cr_assert_eq(n, 2);
        /* the axis is in a prefix of W: the ratio of two drawn means is the ratio of the results' */
        if (j > 0) {
            double sum0 = 0;
            for (size_t i = 0; i < r.n_rows; i++)
                if (strcmp(r.cell[i][result_col(&r, "cell.type")], names[0]) == 0)
                    sum0 += result_num(&r, i, "array_power_W");
            cr_expect(near(b.v[0][j][1] / b.v[0][0][1], sum / sum0), "%s: mean %g relative to %s", names[j],
                      b.v[0][j][1] / b.v[0][0][1], names[0]);
        }
    }
    free(script), free(data), free(cfg), free(out);
    result_free(&r);
    scratch_done(dir);
}

/* ---- a heat map: a family too large for lines --------------------------------------------------------------------- */

Test(sweep_plot, many_family_values_make_a_heat_map)
{
    char *dir = scratch(), prefix[700];
    char *cfg = write_cfg(dir, "heat.cfg", 11,
                          "sweep = { mode = \"grid\"; metrics = [\"error_vs_ideal.rmse_A\"];\n"
                          "  axes = ( { key = [\"crossbar.rows\", \"crossbar.cols\"]; values = [8, 16, 32]; },\n"
                          "           { key = [\"crossbar.r_row_ohm\", \"crossbar.r_col_ohm\"]; logspace = [0.1, 100.0];"
                          " n = 10; } ); };\n");
    snprintf(prefix, sizeof prefix, "%s/heat", dir);
    result r;
    free(run_sweep(dir, cfg, prefix, &r));
    cr_assert_eq(r.n_rows, 30);
    char path[900];
    snprintf(path, sizeof path, "%s_error_vs_ideal.rmse_A.png", prefix);
    expect_image(path, png_magic, 8);
    char *data, *script = script_of(dir, "heat_error_vs_ideal.rmse_A.png", &data);
    cr_assert(script != NULL && data != NULL);
    cr_expect(strstr(script, "boxxyerror") != NULL && strstr(script, "palette") != NULL, "a heat map");
    cr_expect(strstr(script, "set logscale y") != NULL, "the logspace axis is drawn logarithmic");
    blocks b;
    blocks_read(data, &b);
    cr_assert_eq(b.n, 1);
    cr_assert_eq(b.rows[0], 30, "a cell per point");
    /* each cell holds its point, and the cells of neighbouring wire resistances meet at their geometric mean */
    for (size_t j = 0; j < 30; j++) {
        double *c = b.v[0][j];
        cr_expect_eq(b.cols[0][j], 7);
        cr_expect(c[2] < c[0] && c[0] < c[3] && c[4] < c[1] && c[1] < c[5], "cell %zu does not hold its point", j);
        cr_expect(near(c[4] * c[5], c[1] * c[1]), "cell %zu: a log axis's cell is centred geometrically", j);
        int found = 0;
        for (size_t i = 0; i < r.n_rows; i++)
            if (result_num(&r, i, "crossbar.rows") == c[0] && near(result_num(&r, i, "crossbar.r_row_ohm"), c[1])) {
                found = 1;
                cr_expect(near(c[6], result_num(&r, i, "error_vs_ideal.rmse_A")), "cell %zu: colour %g", j, c[6]);
            }
        cr_expect(found, "cell %zu at a point the sweep did not run", j);
        for (size_t k = 0; k < 30; k++) /* the next resistance up on the same size: shares the edge */
            if (b.v[0][k][0] == c[0] && b.v[0][k][1] > c[1] * 1.01 && b.v[0][k][1] < c[1] * 1.2 * pow(10, 1.0 / 3))
                cr_expect(near(b.v[0][k][4], c[5]), "cells %zu and %zu overlap or leave a gap", j, k);
    }
    free(script), free(data), free(cfg);
    result_free(&r);
    scratch_done(dir);
}

/* ---- Latin hypercube: a panel per axis ------------------------------------------------------------------------------ */

Test(sweep_plot, lhs_dots_per_run_against_each_axis)
{
    char *dir = scratch(), prefix[700];
    char *cfg = write_cfg(dir, "lhs.cfg", 14,
                          "sweep = { mode = \"lhs\"; points = 12; metrics = [\"error_vs_ideal.rmse_A\"];\n"
                          "  axes = ( { key = [\"crossbar.rows\", \"crossbar.cols\"]; uniform = [8.0, 48.0]; },\n"
                          "           { key = [\"crossbar.r_row_ohm\", \"crossbar.r_col_ohm\"]; loguniform = [0.1, 10.0];"
                          " },\n           { key = \"cell.type\"; values = [\"1t1r\", \"1r\"]; } ); };\n");
    snprintf(prefix, sizeof prefix, "%s/lhs.pdf", dir);
    result r;
    free(run_sweep(dir, cfg, prefix, &r));
    char path[900];
    snprintf(path, sizeof path, "%s/lhs_error_vs_ideal.rmse_A.pdf", dir);
    expect_image(path, "%PDF", 4);
    char *data, *script = script_of(dir, "lhs_error_vs_ideal.rmse_A.pdf", &data);
    cr_assert(script != NULL && data != NULL);
    cr_expect(strstr(script, "set multiplot layout 1,3") != NULL, "three axes: three panels");
    cr_expect(strstr(script, "set xtics noenhanced (\"1t1r\" 0, \"1r\" 1)") != NULL,
              "the names in the order the sweep lists them, whichever was drawn first:\n%s", script);
    cr_assert_str_eq(r.cell[0][result_col(&r, "cell.type")], "1r",
                     "the test wants a sweep whose first point draws the second value of the list (change its seed)");
    blocks b;
    blocks_read(data, &b);
    cr_assert_eq(b.rows[0], 12, "one dot per run");
    /* the metric may be drawn in a prefix of A (µA): one factor for every dot, a power of 1000 */
    double scale = NAN;
    for (size_t j = 0; j < 12; j++) {
        int found = 0;
        for (size_t i = 0; i < r.n_rows && !found; i++)
            if (result_num(&r, i, "crossbar.rows") == b.v[0][j][0] &&
                near(result_num(&r, i, "crossbar.r_row_ohm"), b.v[0][j][1]) &&
                strcmp(r.cell[i][result_col(&r, "cell.type")], b.v[0][j][2] == 0 ? "1t1r" : "1r") == 0) {
                found = 1;
                double s = b.v[0][j][3] / result_num(&r, i, "error_vs_ideal.rmse_A");
                if (isnan(scale))
                    scale = s;
                cr_expect(near(s, scale), "dot %zu: drawn %g, result %g x %g", j, b.v[0][j][3], s, scale);
            }
        cr_expect(found, "dot %zu is no run of the sweep", j);
    }
    cr_expect(fabs(log10(scale) / 3 - round(log10(scale) / 3)) < 1e-9, "the metric is drawn x %g", scale);
    free(script), free(data), free(cfg);
    result_free(&r);
    scratch_done(dir);
}

/* ---- failed runs ---------------------------------------------------------------------------------------------------- */

Test(sweep_plot, failed_runs_left_out)
{
    char *dir = scratch(), prefix[700], args[2048], path[900];
    /* a conjugate-gradient solve allowed one iteration cannot reach a residual of 1e-15: those runs fail */
    char *cfg = write_cfg_more(dir, "fail.cfg", 11, "solver = \"pcg\"; rtol = 1e-15;",
                               "sweep = { mode = \"grid\"; repeats = 2; metrics = [\"error_vs_ideal.rmse_A\"];\n"
                               "  axes = ( { key = \"crossbar.max_iter\"; values = [1, 1000, 2000]; } ); };\n");
    snprintf(prefix, sizeof prefix, "%s/fail", dir);
    snprintf(args, sizeof args, "sweep %s -o %s/r.csv --plot %s -j 1", cfg, dir, prefix);
    char *out, *err;
    int st = util_run_cli(dir, args, &out, &err);
    cr_assert_eq(st, 1, "runs failed: exit 1, got %d\n%s", st, err);
    snprintf(path, sizeof path, "%s/r.csv", dir);
    result r;
    result_read(path, &r);
    size_t ok = 0, failed = 0;
    for (size_t i = 0; i < r.n_rows; i++) {
        int is_ok = strcmp(r.cell[i][result_col(&r, "status")], "ok") == 0;
        ok += is_ok, failed += !is_ok;
        cr_assert_eq(is_ok, result_num(&r, i, "crossbar.max_iter") > 1, "run %zu: the test wants max_iter = 1 to fail "
                     "and the others to converge", i);
    }
    snprintf(path, sizeof path, "%s_error_vs_ideal.rmse_A.png", prefix);
    expect_image(path, png_magic, 8); /* the figures stay although the command fails */
    char *data, *script = script_of(dir, "fail_error_vs_ideal.rmse_A.png", &data);
    cr_assert(script != NULL && data != NULL);
    char note[64];
    snprintf(note, sizeof note, "%zu of %zu runs failed, left out", failed, r.n_rows);
    cr_expect(strstr(script, note) != NULL, "the title says %s", note);
    blocks b;
    blocks_read(data, &b);
    cr_assert_eq(b.n, 1);
    cr_assert_eq(b.rows[0], 2, "the points whose runs converged: %zu drawn", b.rows[0]);
    double scale = NAN;
    for (size_t j = 0; j < 2; j++) {
        double sum = 0;
        size_t n = 0;
        for (size_t i = 0; i < r.n_rows; i++)
            if (result_num(&r, i, "crossbar.max_iter") == b.v[0][j][0])
                sum += result_num(&r, i, "error_vs_ideal.rmse_A"), n++;
        cr_assert_eq(n, 2);
        if (isnan(scale))
            scale = b.v[0][j][1] / (sum / 2);
        cr_expect(near(b.v[0][j][1], sum / 2 * scale), "max_iter %g: mean %g (x %g), drawn %g", b.v[0][j][0], sum / 2,
                  scale, b.v[0][j][1]);
    }
    free(script), free(data), free(cfg), free(out), free(err);
    result_free(&r);
    scratch_done(dir);
}

Test(sweep_plot, nothing_varies_no_figures)
{
    char *dir = scratch(), prefix[700];
    char *cfg = write_cfg(dir, "one.cfg", 11,
                          "sweep = { mode = \"grid\"; repeats = 2;\n"
                          "  axes = ( { key = \"crossbar.rows\"; values = [8]; } ); };\n");
    snprintf(prefix, sizeof prefix, "%s/one", dir);
    result r;
    char *out = run_sweep(dir, cfg, prefix, &r);
    cr_expect(strstr(out, "nothing varies") != NULL, "%s", out);
    cr_expect_eq(util_count_prefix(dir, "one_"), 0, "no figures of a sweep with one point");
    free(out), free(cfg);
    result_free(&r);
    scratch_done(dir);
}

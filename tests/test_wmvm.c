/* tests/test_wmvm.c -- the weight-level `cimsim mvm` (exp/wmvm.h) as a user meets it: the output against an
 * independent computation of the quantized product, the effect of wire resistance, bad input. */
#include "core/csv.h"
#include "core/status.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>

#define WCFG CIM_SRC "/configs/mvm/weights.cfg"
#define R 20
#define C 6
#define WBITS 6
#define XBITS 5

/* A fixed W (R x C) and x (R) with both signs and no ties at the quantization steps. */
static void operands(double *w, double *x)
{
    for (size_t i = 0; i < R; i++) {
        for (size_t j = 0; j < C; j++)
            w[i * C + j] = sin(1.3 * (double)i + 0.7 * (double)j + 0.11) * (0.5 + 0.03 * (double)j);
        x[i] = cos(0.9 * (double)i + 0.2) * 1.7;
    }
}

static void write_operands(const char *dir, const double *w, const double *x, size_t x_rows)
{
    char path[600];
    FILE *f;
    snprintf(path, sizeof path, "%s/W.csv", dir);
    f = fopen(path, "w");
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++)
            fprintf(f, "%.17g%c", w[i * C + j], j + 1 < C ? ',' : '\n');
    fclose(f);
    snprintf(path, sizeof path, "%s/x.csv", dir);
    f = fopen(path, "w");
    for (size_t i = 0; i < x_rows; i++)
        fprintf(f, "%.17g\n", x[i]);
    fclose(f);
}

static csv_table read_y(const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    csv_table t;
    csv_read_opts o = csv_opts_any();
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(t.rows, C);
    cr_assert_eq(t.cols, 1);
    return t;
}

/* Differential bit-sliced mapping, matrix-wide max scale, bit-serial inputs scaled to max |x|: the settings
 * every run below uses (small tiles, so the matrix is split in 3 x 3 tiles). */
#define SETTINGS                                                                                                    \
    "--set mapping.scheme=\"differential\" --set mapping.weight_bits=" "6" " --set mapping.bits_per_cell=2 "         \
    "--set mapping.scale=\"max\" --set mapping.scale_per=\"matrix\" --set mapping.input_mode=\"bit_serial\" "        \
    "--set mapping.input_bits=" "5" " --set mapping.x_max=0 --set crossbar.tile_rows=8 --set crossbar.tile_cols=16 "

Test(wmvm, ideal_output_equals_independent_quantized_product)
{
    double w[R * C], x[R];
    operands(w, x);
    char *dir = util_tmpdir();
    write_operands(dir, w, x, R);
    char args[2048];
    snprintf(args, sizeof args, "mvm %s --weights W.csv --inputs x.csv " SETTINGS "-o y.csv", WCFG);
    char *out, *err;
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "ideal Kirchhoff sum") != NULL, "%s", out);
    cr_expect(strstr(out, "9 tiles (3 x 3)") != NULL, "%s", out);
    csv_table y = read_y(dir, "y.csv");

    /* Independent quantization: k = round(|w| / step), step = max|w| / (2^6 - 1); q = round(|x| / x_step). */
    double wmax = 0, xmax = 0;
    for (size_t k = 0; k < R * C; k++)
        wmax = fmax(wmax, fabs(w[k]));
    for (size_t i = 0; i < R; i++)
        xmax = fmax(xmax, fabs(x[i]));
    double step = wmax / ((1 << WBITS) - 1), x_step = xmax / ((1 << XBITS) - 1);
    for (size_t j = 0; j < C; j++) {
        long double ref = 0, mag = 0, fl = 0;
        for (size_t i = 0; i < R; i++) {
            double wq = copysign(nearbyint(fabs(w[i * C + j]) / step) * step, w[i * C + j]);
            double xq = copysign(nearbyint(fabs(x[i]) / x_step) * x_step, x[i]);
            ref += (long double)wq * xq;
            mag += fabsl((long double)wq * xq);
            fl += (long double)w[i * C + j] * x[i];
        }
        cr_expect_leq(fabsl(y.data[j] - ref), 1e-12L * mag, "output %zu: %.17g vs quantized %.17Lg", j, y.data[j], ref);
        /* and the quantization is visible against the float product, but small */
        cr_expect_leq(fabsl(y.data[j] - fl), 0.05L * mag, "output %zu: %.17g vs float %.17Lg", j, y.data[j], fl);
    }
    csv_table_free(&y);
    free(out), free(err), free(dir);
}

Test(wmvm, wire_resistance_increases_the_error_against_the_float_product)
{
    double w[R * C], x[R];
    operands(w, x);
    char *dir = util_tmpdir();
    write_operands(dir, w, x, R);
    char args[2048];
    snprintf(args, sizeof args, "mvm %s --weights W.csv --inputs x.csv " SETTINGS "-o y0.csv -q", WCFG);
    cr_assert_eq(util_run_cli(dir, args, NULL, NULL), 0);
    char *out, *err;
    snprintf(args, sizeof args,
             "mvm %s --weights W.csv --inputs x.csv " SETTINGS
             "--set crossbar.r_row_ohm=5 --set crossbar.r_col_ohm=5 --set crossbar.r_sense_ohm=10 -o y1.csv",
             WCFG);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "exact circuit solve") != NULL, "%s", out);
    cr_expect(strstr(out, "effective conductance matrix per tile") != NULL, "bit-serial: many cycles: %s", out);
    csv_table y0 = read_y(dir, "y0.csv"), y1 = read_y(dir, "y1.csv");
    double se0 = 0, se1 = 0;
    for (size_t j = 0; j < C; j++) {
        double fl = 0;
        for (size_t i = 0; i < R; i++)
            fl += w[i * C + j] * x[i];
        se0 += (y0.data[j] - fl) * (y0.data[j] - fl);
        se1 += (y1.data[j] - fl) * (y1.data[j] - fl);
    }
    cr_expect_gt(se1, 4 * se0, "squared error with parasitics %g, without %g", se1, se0);
    csv_table_free(&y0), csv_table_free(&y1);
    free(out), free(err), free(dir);
}

Test(wmvm, analog_unsigned_inputs_use_one_solve_per_read)
{
    /* Analog inputs, all positive: one read cycle per tile, so each read is one circuit_solve (no effective
     * matrix), and the run reports one read per tile. */
    double w[R * C], x[R];
    operands(w, x);
    for (size_t i = 0; i < R; i++)
        x[i] = fabs(x[i]) + 0.1;
    char *dir = util_tmpdir();
    write_operands(dir, w, x, R);
    char args[2048];
    char *out, *err;
    snprintf(args, sizeof args,
             "mvm %s --weights W.csv --inputs x.csv " SETTINGS
             "--set mapping.input_mode=\"analog\" --set crossbar.r_row_ohm=5 -o y.csv --format json",
             WCFG);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "one solve per read") != NULL, "%s", out);
    cr_expect(strstr(out, "array reads        9\n") != NULL, "9 tiles x 1 cycle: %s", out);
    free(out), free(err), free(dir);
}

Test(wmvm, dimension_mismatch_exits_2_naming_the_file)
{
    double w[R * C], x[R];
    operands(w, x);
    char *dir = util_tmpdir();
    write_operands(dir, w, x, R - 1);
    char args[2048];
    snprintf(args, sizeof args, "mvm %s --weights W.csv --inputs x.csv -o y.csv", WCFG);
    char *out, *err;
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 2, "%s", err);
    cr_expect(strstr(err, "x.csv") != NULL && strstr(err, "W.csv") != NULL, "message names the files: %s", err);
    cr_expect_str_eq(out, "");
    char path[600];
    snprintf(path, sizeof path, "%s/y.csv", dir);
    cr_expect_eq(access(path, F_OK), -1, "no output on failure");
    free(out), free(err), free(dir);
}

Test(wmvm, example_config_runs_from_the_seed)
{
    char *dir = util_tmpdir();
    char args[1024];
    snprintf(args, sizeof args, "mvm %s -o y.csv", WCFG);
    char *out, *err;
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "W 96 x 40 (drawn from the seed)") != NULL, "%s", out);
    cr_expect(strstr(out, "vs quantized") != NULL && strstr(out, "SNR") != NULL, "%s", out);
    char path[600];
    snprintf(path, sizeof path, "%s/y.csv", dir);
    csv_table t;
    csv_read_opts o = csv_opts_any();
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(t.rows, 40);
    csv_table_free(&t);
    free(out), free(err), free(dir);
}

Test(wmvm, conductance_options_are_refused_at_weight_level)
{
    char *dir = util_tmpdir();
    char args[1024];
    snprintf(args, sizeof args, "mvm %s --conductances G.csv -o y.csv", WCFG);
    char *err;
    cr_expect_eq(util_run_cli(dir, args, NULL, &err), 2);
    cr_expect(strstr(err, "--conductances") != NULL, "%s", err);
    free(err), free(dir);
}

/* tests/test_wmvm.c -- the weight-level `cimsim mvm` (exp/wmvm.h) as a user meets it: the output against an
 * independent computation of the quantized product, the effect of wire resistance, bad input; with device cells
 * (weights.cells = "device"): the verify tolerance bound, PCM drift, reproducibility, the programming energy. */
#include "core/cfg.h"
#include "core/csv.h"
#include "core/status.h"
#include "exp/mvm.h"
#include "exp/wmvm.h"
#include "crossbar/ideal.h"
#include "crossbar/xbar.h"
#include "core/prov.h"
#include "tests/util.h"

#include <jansson.h>
#include <string.h>

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
    "--set mapping.scale=\"max\" --set mapping.scale_per=\"matrix\" --set dac.type=\"bit_serial\" "                  \
    "--set dac.bits=" "5" " --set dac.x_max=0 --set crossbar.tile_rows=8 --set crossbar.tile_cols=16 "

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
    cr_expect(strstr(out, "Kirchhoff sum of the cell conductances (perfect wires) (1r linear cells)") != NULL, "%s", out);
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
             "--set dac.type=\"ideal\" --set crossbar.r_row_ohm=5 -o y.csv --format json",
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

/* ---- device cells ------------------------------------------------------------------------------------------ */

/* The weight-level experiment from inline config text and --set style overrides (NULL-terminated; may be NULL),
 * W and x from CSV files (NULL: generated), loaded and run (keep: keep every tile's array). */
typedef struct wrun {
    cfg c;
    exp_wmvm e;
} wrun;

static void wrun_go(wrun *r, const char *text, const char *const *sets, const char *w_path, const char *x_path, int keep)
{
    cfg_init(&r->c);
    exp_wmvm_init(&r->e, &r->c, 1);
    cr_assert_eq(cfg_read_string(&r->c, "test.cfg", text), CIM_OK, "%s", cim_errmsg());
    exp_wmvm_bind_model(&r->e, &r->c);
    for (size_t i = 0; sets != NULL && sets[i] != NULL; i++)
        cr_assert_eq(cfg_set(&r->c, sets[i]), CIM_OK, "%s: %s", sets[i], cim_errmsg());
    cr_assert_eq(cfg_resolve(&r->c), CIM_OK, "%s", cim_errmsg());
    prov pv;
    prov_init(&pv, "mvm", "test", &r->c, r->e.run.seed);
    cr_assert_eq(exp_wmvm_load(&r->e, w_path, x_path, &pv, NULL), CIM_OK, "%s", cim_errmsg());
    r->e.keep_arrays = keep;
    cr_assert_eq(exp_wmvm_run(&r->e, NULL), CIM_OK, "%s", cim_errmsg());
}

static void wrun_free(wrun *r)
{
    exp_wmvm_free(&r->e);
    cfg_destroy(&r->c);
}

/* VTEAM scaled into the RRAM range (configs/mvm/weights_device.cfg): 5 kohm .. 100 kohm; its voltage-threshold
 * dynamics do not depend on the resistances, so the ISPP settings of tests/test_program.c apply.  Reads at
 * 10 mV, below its RESET threshold. */
#define VTEAM_BASE                                                                                                 \
    "device = { model = \"vteam\"; vteam = { r_on_ohm = 5e3; r_off_ohm = 100e3; }; };\n"                             \
    "program = { method = \"verify\"; v_raise_V = -0.21; v_raise_step_V = 0.005; v_raise_max_V = 0.6; "              \
    "v_lower_V = 0.05; v_lower_step_V = 0.01; v_lower_max_V = 0.6; t_width_s = 10e-9; t_gap_s = 10e-9; "          \
    "tol_rel = 0.02; max_iter = 200; };\n"                                                                        \
    "mapping = { scheme = \"differential\"; weight_bits = 4; bits_per_cell = 2; g_min_S = 20e-6; g_max_S = 120e-6; " \
    "scale = \"max\"; scale_per = \"matrix\"; };\n"                                                                    \
    "dac = { type = \"bit_serial\"; bits = 5; x_max = 0.0; v_read_V = 0.01; };\n"                                       \
    "weights = { cells = \"device\"; };\n"                                                                          \
    "crossbar = { tile_rows = 8; tile_cols = 16; };\n"
static const char vteam_text[] = VTEAM_BASE;
/* ... with D2D spread of both resistances [HfO2-HRS-LRS-2013] and thermal + shot read noise. */
static const char vteam_var_text[] =
    VTEAM_BASE "variability = { d2d = { r_off_ohm = { dist = \"lognormal\"; sigma_ln = 0.1; }; "
               "r_on_ohm = { dist = \"normal\"; sigma_rel = 0.05; }; }; read = { bandwidth_Hz = 1e7; }; };\n";

Test(wmvm, device_verify_keeps_y_within_the_tolerance_bound_of_the_quantized_product)
{
    /* One tile, no variability, noiseless reads, tolerance 0.1 %.  Every cell ends with G = G*(1 + d),
     * |d| <= tol, and VTEAM does not move at rest, so each read sees those conductances.  Output j decodes as
     *   y_j = step/dg sum_c coef_c sum_s 2^(2s) sum_i v_ci (G+_is - G-_is),
     * so y_j - y_quant_j = step/dg sum_s 2^(2s) sum_i (sum_c coef_c v_ci) (G*+_is d+_is - G*-_is d-_is), and since
     * the cycles of one input all have its sign, sum_c |coef_c| v_ci = |x_q,i|:
     *   |y_j - y_quant_j| <= tol step/dg sum_i |x_q,i| sum_s 2^(2s) (G*+_is + G*-_is). */
    const double tol = 1e-3;
    const char *sets[] = {"run.seed=3", "weights.rows=24", "weights.cols=5", "weights.t_s=10",
                          "crossbar.tile_rows=32", "crossbar.tile_cols=32", "program.tol_rel=1e-3",
                          "program.max_iter=400", "program.t_width_min_s=1e-13", NULL};
    wrun r;
    wrun_go(&r, vteam_text, sets, NULL, NULL, 0);
    exp_wmvm *e = &r.e;
    cr_assert_eq(e->t.n_tiles, 1);
    cr_assert_eq(e->read_path, XBAR_READ_SUM, "VTEAM is linear in v: the Kirchhoff sum");
    cr_assert_eq(e->noisy, 0);
    cr_assert_eq(e->pr.n_failed, 0, "every cell within %g (%zu failed)", tol, e->pr.n_failed);
    cr_expect_leq(e->pr.g_err_max, tol * (1 + 1e-12), "the conductances read at t_s: %g", e->pr.g_err_max);
    double wmax = 0;
    for (size_t k = 0; k < e->rows * e->cols; k++)
        wmax = fmax(wmax, fabs(e->w[k]));
    double step = wmax / 15.0, dg = (120e-6 - 20e-6) / 3.0; /* 4-bit magnitudes; 4 levels per cell */
    size_t N = e->t.span[0].phys_cols, S = 2;
    cr_assert_eq(N, e->cols * 2 * S);
    double worst = 0;
    for (size_t j = 0; j < e->cols; j++) {
        double bound = 0;
        for (size_t i = 0; i < e->rows; i++)
            for (size_t s = 0; s < S; s++) {
                const double *g = e->t.g_S + i * N + j * 2 * S + 2 * s;
                bound += fabs(e->x_q[i]) * (double)(1u << (2 * s)) * (g[0] + g[1]);
            }
        bound *= tol * step / dg;
        double d = fabs(e->y[j] - e->y_quant[j]);
        cr_expect_leq(d, bound * (1 + 1e-9), "output %zu: |y - y_quant| = %g above the bound %g", j, d, bound);
        worst = fmax(worst, d / bound);
    }
    cr_expect_gt(worst, 0, "the device error is visible (not the ideal path)");
    cr_log_info("verify to %g: worst |y - y_quant| is %.3f of its bound; %.3g pulses per cell, %.3g s", tol, worst,
                e->pr.iter_mean, e->pr.wall_s);
    wrun_free(&r);
}

/* The PCM cell's read current in closed form (device/pcm.c's equations, restated): R_c in series with the
 * amorphous plug, i = I_0 exp(-E_ac/kT) (age/t_0)^-nu sinh(V_a / v0), v0 = 2 kT a u_max / dz, solved for V_a by
 * bisection on v = V_a + R_c i(V_a).  Default parameters (r_c 45 kohm, u_max 50 nm, i0 20 mA, E_ac 0.3 eV,
 * dz 7 nm, nu 0.1, t_0 1 us). */
static double pcm_closed_form_g(double a, double T_K, double age_s, double v_V)
{
    const double r_c = 45e3, u_max = 50e-9, i0 = 0.02, e_ac = 0.3, dz = 7e-9, nu = 0.1, t0 = 1e-6;
    double kT = 1.380649e-23 * T_K / 1.602176634e-19;
    double is = i0 * exp(-e_ac / kT) * (age_s > t0 ? pow(age_s / t0, -nu) : 1.0);
    double v0 = 2 * kT * a * u_max / dz, lo = 0, hi = v_V;
    for (int k = 0; k < 200; k++) {
        double va = 0.5 * (lo + hi);
        if (va + r_c * is * sinh(va / v0) > v_V)
            hi = va;
        else
            lo = va;
    }
    return (v_V - 0.5 * (lo + hi)) / r_c / v_V;
}

/* Unipolar PCM: partial-SET raises G, melt-quench RESET lowers it (tests/test_array.c's settings). */
static const char pcm_text[] =
    "run = { seed = 5; };\n"
    "device = { model = \"pcm\"; pcm = { a0 = 1.0; }; };\n"
    "program = { method = \"verify\"; tol_rel = 0.05; max_iter = 200; v_raise_V = 3.7; v_raise_step_V = 0.0; "
    "v_raise_max_V = 3.7; v_lower_V = 6.0; v_lower_step_V = 0.0; v_lower_max_V = 6.0; t_width_s = 100e-9; "
    "t_rise_s = 1e-9; t_gap_s = 100e-9; r_series_ohm = 50e3; };\n"
    "mapping = { scheme = \"differential\"; weight_bits = 2; bits_per_cell = 2; g_min_S = 2e-6; g_max_S = 15e-6; "
    "};\n"
    "dac = { type = \"bit_serial\"; bits = 4; v_read_V = 0.1; };\n"
    "crossbar = { tile_rows = 8; tile_cols = 8; };\n"
    "weights = { rows = 2; cols = 1; cells = \"device\"; };\n";

Test(wmvm, pcm_drift_grows_the_error_and_follows_the_power_law_of_age)
{
    const double t1 = 1.0, t2 = 1e4;
    const char *s1[] = {"weights.t_s=1", NULL}, *s2[] = {"weights.t_s=1e4", NULL};
    wrun a, b;
    wrun_go(&a, pcm_text, s1, NULL, NULL, 1);
    wrun_go(&b, pcm_text, s2, NULL, NULL, 1);
    cr_assert_eq(a.e.read_path, XBAR_READ_DIRECT, "PCM's sinh plug is nonlinear: each cell at its row voltage");
    cr_assert_eq(a.e.t.n_tiles, 1);
    size_t n = a.e.pr.n_cells;
    cr_assert_eq(n, 4);
    cr_expect_eq(a.e.pr.n_pulses, b.e.pr.n_pulses, "the same seed programs the same way");
    const array *xa = xbar_array(a.e.xbars[0]), *xb = xbar_array(b.e.xbars[0]);
    for (size_t c = 0; c < n; c++) {
        const double *pa = array_x(xa, c), *pb = array_x(xb, c);
        /* At rest only the age moves (crystallisation at 300 K is a 10-year affair): the same plug, and each
         * cell t2 - t1 older in the later read. */
        /* At rest only the age moves: crystallisation at 300 K, rate k_0 exp(-E_a/kT) = 1.2e-15 /s, shrinks the
         * plug by ~1e-11 of itself in 1e4 s (1e-9: that, with room for the integrator). */
        cr_expect(pb[0] <= pa[0] && pa[0] - pb[0] <= 1e-9 * pa[0], "cell %zu: plug %.17g then %.17g", c, pa[0], pb[0]);
        cr_expect(fabs((pb[3] - pa[3]) - (t2 - t1)) <= 1e-6 * t2, "cell %zu: ages %g and %g s", c, pa[3], pb[3]);
        /* Age at the read: t_s plus the time since the cell's last melt before its campaign ended (a cell only
         * ever SET keeps its initial age, age0_s = 1 us, from t = 0). */
        cr_expect(pa[3] >= t1 && pa[3] <= (t1 + a.e.pr.t_campaign_max_s + 1e-6) * (1 + 1e-12),
                  "cell %zu: age %.17g s at a read %g s after a %g s campaign", c, pa[3], t1, a.e.pr.t_campaign_max_s);
        /* The reads against the closed form: each run's G is the series cell's current at its state, and the later
         * one is the earlier state aged by t2 - t1 alone -- the power law (age/t_0)^-nu of the amorphous
         * conduction, through R_c.  The bisection is exact to rounding; the plug's 1e-11 change above moves G by
         * about as much. */
        double ga = pcm_closed_form_g(pa[0], pa[1], pa[3], 0.1), gb = pcm_closed_form_g(pb[0], pb[1], pb[3], 0.1);
        double gb_aged = pcm_closed_form_g(pa[0], pa[1], pa[3] + (t2 - t1), 0.1);
        cr_expect(fabs(a.e.g_read_S[c] / ga - 1) <= 1e-9, "cell %zu at %g s: G %.10g, closed form %.10g", c, t1,
                  a.e.g_read_S[c], ga);
        cr_expect(fabs(b.e.g_read_S[c] / gb - 1) <= 1e-9, "cell %zu at %g s: G %.10g, closed form %.10g", c, t2,
                  b.e.g_read_S[c], gb);
        cr_expect(fabs(b.e.g_read_S[c] / gb_aged - 1) <= 1e-9,
                  "cell %zu at %g s: G %.10g, the %g s state aged by the closed form %.10g", c, t2, b.e.g_read_S[c], t1,
                  gb_aged);
        cr_expect_lt(b.e.g_read_S[c], a.e.g_read_S[c], "cell %zu drifts down", c);
    }
    cr_expect_gt(b.e.pr.g_err_rms, a.e.pr.g_err_rms, "conductance error at %g s (%g) above that at %g s (%g)", t2,
                 b.e.pr.g_err_rms, t1, a.e.pr.g_err_rms);
    cr_expect_lt(b.e.pr.g_err_mean, a.e.pr.g_err_mean, "drift lowers G: a more negative bias");
    cr_expect_gt(b.e.vs_quant.rmse, a.e.vs_quant.rmse, "y error vs quantized: %g at %g s, %g at %g s", b.e.vs_quant.rmse,
                 t2, a.e.vs_quant.rmse, t1);
    cr_log_info("PCM: G error %.3g (1 s) -> %.3g (1e4 s); campaign %g s; %.3g s wall clock", a.e.pr.g_err_rms,
                b.e.pr.g_err_rms, a.e.pr.t_campaign_max_s, a.e.pr.wall_s);
    wrun_free(&a);
    wrun_free(&b);
}

Test(wmvm, device_results_are_bitwise_reproducible_and_depend_on_the_seed)
{
    double w[R * C], x[R];
    operands(w, x);
    char *dir = util_tmpdir(), wp[600], xp[600];
    write_operands(dir, w, x, R);
    snprintf(wp, sizeof wp, "%s/W.csv", dir);
    snprintf(xp, sizeof xp, "%s/x.csv", dir);
    const char *s11[] = {"run.seed=11", NULL}, *s12[] = {"run.seed=12", NULL};
    wrun r1, r2, r3;
    wrun_go(&r1, vteam_var_text, s11, wp, xp, 0);
    wrun_go(&r2, vteam_var_text, s11, wp, xp, 0);
    wrun_go(&r3, vteam_var_text, s12, wp, xp, 0);
    cr_assert_gt(r1.e.t.n_tiles, 1, "several tiles, several streams");
    cr_expect_eq(memcmp(r1.e.y, r2.e.y, C * sizeof *r1.e.y), 0, "same seed: bitwise the same y");
    cr_expect_eq(memcmp(r1.e.g_read_S, r2.e.g_read_S, r1.e.pr.n_cells * sizeof(double)), 0, "and the same cells");
    size_t n_same = 0;
    for (size_t j = 0; j < C; j++)
        n_same += r1.e.y[j] == r3.e.y[j];
    cr_expect_eq(n_same, 0, "another seed draws other devices and noise: every output differs (%zu equal)", n_same);
    cr_expect(memcmp(r1.e.w, r3.e.w, sizeof w) == 0, "the same W from the file");
    wrun_free(&r1);
    wrun_free(&r2);
    wrun_free(&r3);
    free(dir);
}

Test(wmvm, programming_energy_is_the_sum_of_the_cells_and_of_the_array_tallies)
{
    const char *sets[] = {"run.seed=4", "weights.rows=12", "weights.cols=4", "program.half_select=\"v2\"", NULL};
    wrun r;
    wrun_go(&r, vteam_var_text, sets, NULL, NULL, 0);
    exp_wmvm *e = &r.e;
    size_t n = 0;
    for (size_t k = 0; k < e->t.n_tiles; k++)
        n += e->t.span[k].nr * e->t.span[k].phys_cols;
    cr_assert_eq(n, e->pr.n_cells);
    long double w = 0, d = 0;
    for (size_t q = 0; q < n; q++) {
        cr_expect_geq(e->e_write_J[q], 0);
        cr_expect_geq(e->e_disturb_J[q], 0);
        w += e->e_write_J[q];
        d += e->e_disturb_J[q];
    }
    cr_expect_gt(w, 0, "pulses dissipate");
    cr_expect_gt(d, 0, "V/2 half-select stresses the unselected cells");
    cr_expect_gt(e->pr.e_verify_J, 0, "verify reads dissipate");
    cr_expect_leq(fabsl(w - e->pr.e_write_J), 1e-12L * w, "write: cells %.17Lg, reported %.17g", w, e->pr.e_write_J);
    cr_expect_leq(fabsl(d - e->pr.e_disturb_J), 1e-12L * d, "disturb: cells %.17Lg, reported %.17g", d,
                  e->pr.e_disturb_J);
    /* The arrays' tallies (crossbar/xbar.h), merged over the tiles, against the cells' own sums. */
    cr_expect_leq(fabs(energy_tally_J(&e->tally, ENERGY_WRITE) - (double)w), 1e-12 * (double)w);
    cr_expect_leq(fabs(energy_tally_J(&e->tally, ENERGY_DISTURB) - (double)d), 1e-12 * (double)d);
    cr_expect_leq(fabs(energy_tally_J(&e->tally, ENERGY_VERIFY) - e->pr.e_verify_J), 1e-12 * e->pr.e_verify_J);
    cr_expect_eq(energy_tally_n(&e->tally, ENERGY_WRITE), e->pr.n_pulses);
    json_t *j = exp_wmvm_summary(e), *p = json_object_get(j, "programming");
    double tot = json_real_value(json_object_get(p, "energy_total_J"));
    double sum = (double)(w + d) + e->pr.e_verify_J;
    cr_expect_leq(fabs(tot - sum), 1e-12 * sum, "summary total %.17g, cells + verify %.17g", tot, sum);
    cr_expect_leq(fabs(json_real_value(json_object_get(p, "energy_per_cell_J")) * (double)n - sum), 1e-12 * sum);
    json_decref(j);
    wrun_free(&r);
}

Test(wmvm, device_cli_writes_maps_matching_the_summary)
{
    char *dir = util_tmpdir();
    char args[1024];
    snprintf(args, sizeof args, "mvm %s/configs/mvm/weights_device.cfg -o y.json --format json --maps m", CIM_SRC);
    char *out, *err;
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "write-and-verify") != NULL && strstr(out, "programming energy") != NULL, "%s", out);
    char path[600];
    snprintf(path, sizeof path, "%s/y.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    cr_assert_not_null(root, "%s", je.text);
    json_t *ce = json_object_get(json_object_get(root, "summary"), "conductance_error");
    double rms = json_real_value(json_object_get(ce, "rms_rel"));
    csv_table t;
    csv_read_opts o = csv_opts_any();
    snprintf(path, sizeof path, "%s/m_gerr.csv", dir);
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(t.rows, 32, "one line per input");
    long double ss = 0;
    for (size_t k = 0; k < t.rows * t.cols; k++)
        ss += (long double)t.data[k] * t.data[k];
    double map_rms = sqrt((double)(ss / (long double)(t.rows * t.cols)));
    cr_expect_gt(rms, 0);
    cr_expect_leq(fabs(map_rms - rms), 1e-9 * rms, "the map's RMS %.12g, the summary's %.12g", map_rms, rms);
    csv_table_free(&t);
    for (int m = 0; m < 3; m++) {
        const char *names[] = {"gerr", "gread", "pulses"};
        snprintf(path, sizeof path, "%s/m_%s.png", dir, names[m]);
        cr_expect_eq(access(path, F_OK), 0, "%s written", path);
    }
    json_decref(root);
    free(out), free(err), free(dir);
}

Test(wmvm, maps_need_device_cells_at_the_weight_level)
{
    char *dir = util_tmpdir();
    char args[1024];
    snprintf(args, sizeof args, "mvm %s --maps m -o y.csv", WCFG);
    char *err;
    cr_expect_eq(util_run_cli(dir, args, NULL, &err), 2);
    cr_expect(strstr(err, "weights.cells") != NULL, "%s", err);
    free(err), free(dir);
}

/* The four read paths of device tiles on the same programmed cells (same seed, noiseless reads): as the wires
 * vanish the circuit solve tends to the Kirchhoff sum, and a 1T1R access transistor of vanishing resistance to
 * the bare cell.  With wires of r ohm a line of n cells of at most G_max drops at most r n (n G_max) of the
 * cell voltage (every cell's current through every segment): 1e-3 ohm x 20 x 20 x 120 uS = 5e-5 for the
 * columns, less for the rows, so the outputs move by less than 1e-4 of their scale (the solver's 1e-9 KCL
 * tolerance is far below).  Smaller wires make the nodal system too ill-conditioned to test against. */
static double max_abs(const double *y, size_t n)
{
    double m = 0;
    for (size_t j = 0; j < n; j++)
        m = fmax(m, fabs(y[j]));
    return m;
}

static double max_abs_diff(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t j = 0; j < n; j++)
        m = fmax(m, fabs(a[j] - b[j]));
    return m;
}

Test(wmvm, device_read_paths_agree_as_wires_and_access_vanish)
{
    const char *s0[] = {"run.seed=8", "weights.rows=20", "weights.cols=6", NULL};
    const char *sw[] = {"run.seed=8", "weights.rows=20", "weights.cols=6", "crossbar.r_row_ohm=1e-3",
                        "crossbar.r_col_ohm=1e-3", NULL};
    const char *sa[] = {"run.seed=8", "weights.rows=20", "weights.cols=6", "cell.type=\"1t1r\"", "cell.r_on_ohm=1e-6",
                        NULL};
    wrun r0, rw, ra;
    wrun_go(&r0, vteam_text, s0, NULL, NULL, 0);
    wrun_go(&rw, vteam_text, sw, NULL, NULL, 0);
    wrun_go(&ra, vteam_text, sa, NULL, NULL, 0);
    cr_assert_eq(r0.e.read_path, XBAR_READ_SUM);
    cr_assert_eq(rw.e.read_path, XBAR_READ_CIRCUIT);
    cr_assert_eq(rw.e.effective, 1, "noiseless linear cells, many cycles: one effective matrix per tile");
    cr_assert_eq(ra.e.read_path, XBAR_READ_DIRECT, "an access element: each cell's I-V");
    cr_expect_eq(memcmp(r0.e.g_read_S, rw.e.g_read_S, r0.e.pr.n_cells * sizeof(double)), 0, "the same cells");
    double scale = max_abs(r0.e.y_quant, r0.e.cols);
    for (size_t j = 0; j < r0.e.cols; j++) {
        cr_expect_leq(fabs(rw.e.y[j] - r0.e.y[j]), 1e-4 * scale, "output %zu: circuit %.12g, sum %.12g", j, rw.e.y[j],
                      r0.e.y[j]);
        /* 1 uohm in series with >= 8 kohm cells: a relative 1e-10. */
        cr_expect_leq(fabs(ra.e.y[j] - r0.e.y[j]), 1e-9 * scale, "output %zu: 1T1R %.12g, 1R %.12g", j, ra.e.y[j],
                      r0.e.y[j]);
    }
    cr_expect_neq(memcmp(r0.e.y, rw.e.y, r0.e.cols * sizeof(double)), 0, "the circuit path ran");
    cr_log_info("wires 1 mohm: max |dy| %.3g of the scale; 1T1R: %.3g", max_abs_diff(rw.e.y, r0.e.y, r0.e.cols) / scale,
                max_abs_diff(ra.e.y, r0.e.y, r0.e.cols) / scale);
    wrun_free(&r0);
    wrun_free(&rw);
    wrun_free(&ra);
}

/* PCM cells of at most 15 uS on 2 x 2 lines with 1 ohm wires: IR drops below 1 x 4 x 4 x 15 uS = 2.4e-4 of the
 * voltage; the sinh plug behind R_c turns a relative voltage change into at most ~3 times that in current
 * (z coth z for the plug's share of the voltage): the Newton read is within 1e-3 of the direct one. */
Test(wmvm, pcm_newton_read_tends_to_the_direct_read_as_wires_vanish)
{
    const char *s0[] = {"weights.t_s=1", NULL};
    const char *sw[] = {"weights.t_s=1", "crossbar.r_row_ohm=1", "crossbar.r_col_ohm=1", NULL};
    wrun r0, rw;
    wrun_go(&r0, pcm_text, s0, NULL, NULL, 0);
    wrun_go(&rw, pcm_text, sw, NULL, NULL, 0);
    cr_assert_eq(r0.e.read_path, XBAR_READ_DIRECT);
    cr_assert_eq(rw.e.read_path, XBAR_READ_NEWTON);
    cr_expect_gt(rw.e.n_solves, 0);
    double scale = max_abs(r0.e.y_quant, r0.e.cols);
    for (size_t j = 0; j < r0.e.cols; j++)
        cr_expect_leq(fabs(rw.e.y[j] - r0.e.y[j]), 1e-3 * scale, "output %zu: Newton %.12g, direct %.12g", j,
                      rw.e.y[j], r0.e.y[j]);
    cr_log_info("PCM, 1 ohm wires: max |dy| %.3g of the scale", max_abs_diff(rw.e.y, r0.e.y, r0.e.cols) / scale);
    wrun_free(&r0);
    wrun_free(&rw);
}

Test(wmvm, noisy_device_reads_through_wires_solve_once_per_read)
{
    const char *sets[] = {"run.seed=9", "weights.rows=10", "weights.cols=3", "crossbar.r_row_ohm=2",
                          "crossbar.r_col_ohm=2", NULL};
    wrun r;
    wrun_go(&r, vteam_var_text, sets, NULL, NULL, 0);
    cr_assert_eq(r.e.read_path, XBAR_READ_CIRCUIT);
    cr_expect_eq(r.e.effective, 0, "read noise: new conductances every read");
    cr_expect_eq(r.e.n_solves, r.e.n_reads, "one solve per read");
    cr_expect_gt(r.e.vs_quant.rmse, 0);
    wrun_free(&r);
}

/* ---- one array, two levels (crossbar/xbar.h) --------------------------------------------------------------------------- */

/* The weight level's tile 0 (its conductances, its first read cycle's voltages, its kept array) against the
 * circuit level given the same conductances and voltages and the same cell and crossbar settings. */
static void same_array_both_levels(const char *cell_type, const char *iv, const char *wires)
{
    char text[2048];
    snprintf(text, sizeof text,
             "run = { seed = 5; };\n"
             "weights = { rows = 10; cols = 3; w_min = -1.0; w_max = 1.0; x_min = 0.0; x_max = 1.0; };\n"
             "mapping = { scheme = \"offset\"; weight_bits = 4; bits_per_cell = 4; g_min_S = 1e-6; g_max_S = 1e-4; "
             "};\n"
             "dac = { type = \"ideal\"; v_read_V = 0.3; };\n"
             "cell = { type = \"%s\"; iv = \"%s\"; v_nl_V = 0.15; };\n"
             "crossbar = { tile_rows = 16; tile_cols = 16; %s };\n",
             cell_type, iv, wires);
    cfg cw;
    cfg_init(&cw);
    exp_wmvm ew;
    exp_wmvm_init(&ew, &cw, 1);
    cr_assert_eq(cfg_read_string(&cw, "w.cfg", text), CIM_OK, "%s", cim_errmsg());
    exp_wmvm_bind_model(&ew, &cw);
    cr_assert_eq(cfg_resolve(&cw), CIM_OK, "%s", cim_errmsg());
    prov pv;
    prov_init(&pv, "mvm", "test", &cw, ew.run.seed);
    cr_assert_eq(exp_wmvm_load(&ew, NULL, NULL, &pv, NULL), CIM_OK, "%s", cim_errmsg());
    ew.keep_arrays = 1;
    cr_assert_eq(exp_wmvm_run(&ew, NULL), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(ew.t.n_tiles, 1);
    const tiling_span *s = &ew.t.span[0];
    size_t rows = s->nr, cols = s->phys_cols;
    const double *v = ew.v_first_V; /* cycle 0 */
    double *i_w = malloc(cols * sizeof *i_w);
    cr_assert_eq(xbar_read(ew.xbars[0], v, i_w), CIM_OK, "%s", cim_errmsg());

    cfg cc;
    cfg_init(&cc);
    exp_mvm e;
    exp_mvm_init(&e, &cc);
    cr_assert_eq(cfg_read_string(&cc, "c.cfg", strstr(text, "\ncell =") + 1), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&cc), CIM_OK, "%s", cim_errmsg());
    e.rows = rows;
    e.cols = cols;
    e.n_vec = 1;
    e.g_S = malloc(rows * cols * sizeof *e.g_S);
    memcpy(e.g_S, ew.t.g_S + s->g_off, rows * cols * sizeof *e.g_S);
    e.v_V = malloc(rows * sizeof *e.v_V);
    memcpy(e.v_V, v, rows * sizeof *e.v_V);
    cr_assert_eq(exp_mvm_run(&e, NULL), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(e.read_path, ew.read_path, "%s %s %s: the same read path", cell_type, iv, wires);
    cr_expect_leq(util_max_rel(e.i_A, i_w, cols), 1e-12, "%s %s %s: circuit level vs weight level %g", cell_type, iv,
                  wires, util_max_rel(e.i_A, i_w, cols));
    /* and the physics differs from the plain 1r linear sum whenever the cell is not that */
    double *i_lin = malloc(cols * sizeof *i_lin);
    crossbar_ideal_mvm(e.g_S, rows, cols, v, i_lin, NULL);
    int plain = !strcmp(cell_type, "1r") && !strcmp(iv, "linear") && wires[0] == '\0';
    if (plain)
        cr_expect_leq(util_max_rel(i_w, i_lin, cols), 1e-15);
    else
        cr_expect_gt(util_max_rel(i_w, i_lin, cols), 1e-6, "%s %s %s changes the currents", cell_type, iv, wires);
    free(i_lin);
    free(i_w);
    exp_mvm_free(&e);
    cfg_destroy(&cc);
    exp_wmvm_free(&ew);
    cfg_destroy(&cw);
}

Test(wmvm, the_same_array_gives_the_same_currents_at_circuit_and_weight_level)
{
    const char *types[] = {"1r", "1t1r", "1s1r"}, *ivs[] = {"linear", "sinh"};
    const char *wires[] = {"", "r_row_ohm = 2.5; r_col_ohm = 2.5; r_drv_ohm = 20.0; r_sense_ohm = 20.0;"};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++)
                same_array_both_levels(types[a], ivs[b], wires[c]);
}

/* The defect as a user met it: cell.type and cell.iv changed nothing at the weight level with wires. */
Test(wmvm, weight_level_cli_honours_the_access_element_and_iv)
{
    char *dir = util_tmpdir(), *out[3], *err;
    const char *sets[3] = {"", "--set cell.type=\"1s1r\"", "--set cell.iv=\"sinh\""};
    for (int k = 0; k < 3; k++) {
        char args[1024];
        snprintf(args, sizeof args,
                 "mvm %s/configs/mvm/weights.cfg --set crossbar.r_row_ohm=2.5 --set weights.rows=20 "
                 "--set weights.cols=4 %s -q -o y%d.csv",
                 CIM_SRC, sets[k], k);
        cr_assert_eq(util_run_cli(dir, args, NULL, &err), 0, "%s: %s", args, err);
        free(err);
        char path[700];
        snprintf(path, sizeof path, "%s/y%d.csv", dir, k);
        out[k] = util_slurp(path, NULL);
        char *body = strstr(out[k], "\n0"); /* past the provenance comments, which differ anyway */
        (void)body;
    }
    /* the provenance header records the --set, so compare the data lines only */
    for (int k = 1; k < 3; k++) {
        const char *a = out[0], *b = out[k];
        while (*a == '#')
            a = strchr(a, '\n') + 1;
        while (*b == '#')
            b = strchr(b, '\n') + 1;
        cr_expect_neq(strcmp(a, b), 0, "%s must change the outputs", sets[k]);
    }
    for (int k = 0; k < 3; k++)
        free(out[k]);
    free(dir);
}


/* The summaries name the read path the array chose: before the array object, nonlinear cells without wires were
 * called "ideal crossbar" (circuit level) and "ideal Kirchhoff sum" (weight level). */
Test(wmvm, summaries_name_the_read_path_of_nonlinear_cells_without_wires)
{
    char *dir = util_tmpdir(), *out, *err, args[1024];
    snprintf(args, sizeof args, "mvm %s/configs/mvm/circuit.cfg --set cell.iv=\"sinh\" -o i.csv", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "crossbar of 1r sinh cells with perfect wires (each cell's I-V at its row voltage") != NULL,
              "%s", out);
    cr_expect(strstr(out, "vs ideal sum") != NULL, "sinh cells differ from the linear sum: %s", out);
    cr_expect(strstr(out, "ideal crossbar") == NULL, "%s", out);
    free(out), free(err);
    snprintf(args, sizeof args,
             "mvm %s/configs/mvm/weights.cfg --set cell.type=\"1s1r\" --set weights.rows=10 --set weights.cols=3 -o y.csv",
             CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "reads              each cell's I-V at its row voltage (perfect wires) (1s1r linear cells)") !=
                  NULL,
              "%s", out);
    cr_expect(strstr(out, "    read ") != NULL && strstr(out, "array reads") != NULL, "the energy by category: %s", out);
    free(out), free(err), free(dir);
}

/* ---- per-stage error attribution (weights.attribution) ---------------------------------------------------------- */

/* Every stage real: PCM cells programmed by write-and-verify, read 1e4 s later (drift) with thermal and shot read
 * noise, through 1-ohm wires (IR drop), amplitude DACs with DNL, TIAs and 5-bit SAR ADCs. */
Test(wmvm, attribution_each_stage_adds_error_and_all_together_are_the_full_run)
{
    const char *sets[] = {"weights.rows=3", "weights.cols=1", "weights.t_s=1e4", "weights.attribution=true",
                          "variability.read.bandwidth_Hz=1e8", "crossbar.r_row_ohm=1", "crossbar.r_col_ohm=1",
                          "dac.type=\"amplitude\"", "dac.dnl_lsb=0.3", "sense.type=\"tia\"", "adc.type=\"sar\"",
                          "adc.bits=5", "adc.range=\"max\"", NULL};
    wrun r;
    wrun_go(&r, pcm_text, sets, NULL, NULL, 0);
    const wmvm_attribution *a = r.e.attr;
    cr_assert_not_null(a);
    cr_expect_gt(a->rms_ref, 0);
    /* With every stage ideal the tiles compute W_q^T x: the reference, to rounding. */
    cr_expect_leq(a->ref_vs_exact_rmse, 1e-12 * a->rms_ref, "all ideal vs W_q^T x: %g", a->ref_vs_exact_rmse);
    for (int k = 0; k < WMVM_N_STAGES; k++) {
        cr_expect(a->applies[k], "stage %s is real here", wmvm_stage_names[k]);
        cr_expect_gt(a->alone_rmse[k], 1e-9 * a->rms_ref, "stage %s alone adds error: %g", wmvm_stage_names[k],
                     a->alone_rmse[k]);
    }
    /* Cumulatively, the last step has every stage real: the full run's error exactly (same streams, same bits). */
    cr_expect_eq(a->cumulative_rmse[WMVM_N_STAGES - 1], a->full_rmse, "cumulative %.17g vs full run %.17g",
                 a->cumulative_rmse[WMVM_N_STAGES - 1], a->full_rmse);
    cr_expect_gt(a->full_rmse, 0);
    /* The first cumulative step is the first stage alone. */
    cr_expect_eq(a->cumulative_rmse[0], a->alone_rmse[0]);
    wrun_free(&r);
}

Test(wmvm, attribution_with_ideal_stages_reports_zero_for_them)
{
    /* Conductance cells, perfect wires, ideal sense: only the DAC (bit-serial quantization) and the ADC are real. */
    const char *sets[] = {"weights.attribution=true", "adc.type=\"sar\"", "adc.bits=6", "adc.range=\"calibrated\"",
                          NULL};
    wrun r;
    wrun_go(&r, "weights = { rows = 12; cols = 5; };\nmapping = { weight_bits = 4; };\ncrossbar = { tile_rows = 8; "
                "tile_cols = 16; };\n",
            sets, NULL, NULL, 0);
    const wmvm_attribution *a = r.e.attr;
    cr_assert_not_null(a);
    const int real[] = {WMVM_STAGE_DAC, WMVM_STAGE_ADC};
    for (int k = 0; k < WMVM_N_STAGES; k++) {
        int is_real = k == real[0] || k == real[1];
        cr_expect_eq(a->applies[k], is_real, "stage %s", wmvm_stage_names[k]);
        if (is_real)
            cr_expect_gt(a->alone_rmse[k], 0, "stage %s", wmvm_stage_names[k]);
        else
            cr_expect_eq(a->alone_rmse[k], 0, "stage %s is ideal already: %g", wmvm_stage_names[k], a->alone_rmse[k]);
    }
    cr_expect_eq(a->cumulative_rmse[WMVM_N_STAGES - 1], a->full_rmse);
    wrun_free(&r);
}

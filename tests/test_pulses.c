/* tests/test_pulses.c -- the pulse-programming experiment: the NeuroSim nonlinearity fit against
 * NeuroSim's own curves and table, and the pulse trains against a closed form. */
#include "core/cfg.h"
#include "core/csv.h"
#include "core/status.h"
#include "exp/device.h"
#include "exp/pulses.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

/* NeuroSim's table nodes (Nonlinearity-NormA.htm): NL label -> A / P_max. */
static const double nl[] = {0.5, 1.0, 2.4, 4.88};
static const double an[] = {2.520, 1.252, 0.499, 0.200};

Test(pulses, fit_recovers_neurosim_ltp_curves)
{
    enum { P = 100 };
    for (int k = 0; k < 4; k++) {
        double G[P + 1], Gmin = 3.08e-9, Gmax = 38.46e-9, A = an[k] * P;
        double B = (Gmax - Gmin) / (1 - exp(-P / A));
        for (int p = 0; p <= P; p++)
            G[p] = B * (1 - exp(-p / A)) + Gmin; /* NeuroSim LTP, Chen et al. TCAD 2018 */
        double sse, u = pulses_fit_u(G, P, &sse);
        cr_expect(fabs(1 / u - an[k]) < 1e-6 * an[k], "NL %g: A/P_max %.9g, expected %g", nl[k], 1 / u, an[k]);
        cr_expect(fabs(pulses_nl_label(1 / u) - nl[k]) < 1e-5 * nl[k], "NL %g: label %.9g", nl[k], pulses_nl_label(1 / u));
        cr_expect_lt(sse, 1e-20);
    }
}

Test(pulses, fit_recovers_neurosim_ltd_curves)
{
    enum { P = 64 };
    for (int k = 0; k < 4; k++) {
        double G[P + 1], Gmin = 100e-9, Gmax = 5e-6, A = an[k] * P;
        double B = (Gmax - Gmin) / (1 - exp(-P / A));
        /* NeuroSim LTD, G(P) = -B (1 - exp((P - P_max)/A)) + G_max, walked down from P = P_max by
         * depression pulses q = P_max - P. */
        for (int q = 0; q <= P; q++)
            G[q] = -B * (1 - exp(((P - q) - (double)P) / A)) + Gmax;
        double u = pulses_fit_u(G, P, NULL);
        cr_expect(u > 0, "a saturating depression");
        cr_expect(fabs(1 / u - an[k]) < 1e-6 * an[k], "NL %g: A/P_max %.9g", nl[k], 1 / u);
    }
}

Test(pulses, label_table_is_monotonic_and_exact_at_its_nodes)
{
    double prev = 0;
    for (double a = 31.57; a >= 0.023; a *= 0.9) {
        double l = pulses_nl_label(a);
        cr_assert(l > prev, "label increases as A shrinks (a = %g)", a);
        prev = l;
    }
    cr_expect(isnan(pulses_nl_label(40.0)), "beyond the table: NaN, not an extrapolation");
    cr_expect(isnan(pulses_nl_label(0.01)));
    cr_expect(fabs(pulses_nl_label(0.609) - 2.0) < 1e-12);
}

/* VTEAM, linear I-V, no window, rectangular pulses above v_off: each pulse moves x by exactly
 * k_off (v/v_off - 1) t_width, so after k pulses G = v_read / i = 1 / R(x0 + k dx); the energy of a
 * pulse at constant v while R grows linearly from R0 to R1 is v^2 t_w ln(R1/R0) / (R1 - R0). */
static void vteam_trains(int closed_form)
{
    cfg c;
    exp_device e;
    pulses_params pp;
    cfg_init(&c);
    exp_device_init(&e, &c);
    cfg_bind(&c, &pulses_group, &pp);
    cr_assert_eq(cfg_read_string(&c, "t.cfg",
                                 "device = { model = \"vteam\"; vteam = { window = \"none\"; x0_m = 0.5e-9; }; };\n"
                                 "pulses = { n_pulses = 20; v_pot_V = -0.205; v_dep_V = 0.1; t_width_s = 5e-9;"
                                 " t_rise_s = 0.0; t_gap_s = 5e-9; };\n"
                                 "sim = { rtol = 1e-12; atol = 1e-12; };"),
                 CIM_OK, "%s", cim_errmsg());
    device_binding_select(&e.b, &c);
    cr_assert_eq(cfg_set(&c, closed_form ? "pulses.closed_form=true" : "pulses.closed_form=false"), CIM_OK);
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_device_prepare(&e, NULL), CIM_OK, "%s", cim_errmsg());
    pulse_curve pc;
    progress prog = {0}; /* silent: no sink; the run says how much work it has */
    cr_assert_eq(exp_pulses_run(&e, &pp, &pc, &prog), CIM_OK, "%s", cim_errmsg());
    cr_expect_str_eq(prog.label, "pulses");
    cr_expect_eq(prog.total, 40, "progress counts the 40 pulses, got %g", prog.total);
    cr_assert_eq(pc.n_fast, closed_form ? 40 : 0, "closed form used for %zu pulses", pc.n_fast);
    const double ron = 50, roff = 1000, D = 3e-9;
    double x = 0.5e-9;
    double dx_pot = -10 * pow(-0.205 / -0.2 - 1, 3) * 5e-9, dx_dep = 5e-4 * (0.1 / 0.02 - 1) * 5e-9;
    for (size_t k = 1; k < pc.n; k++) {
        double R0 = ron + (roff - ron) * x / D;
        x += k <= 20 ? dx_pot : dx_dep;
        x = fmin(fmax(x, 0), D);
        double R1 = ron + (roff - ron) * x / D;
        cr_expect(fabs(pc.g_S[k] - 1 / R1) < 1e-9 / R1, "pulse %zu: G %.12g vs %.12g", k, pc.g_S[k], 1 / R1);
        double v = k <= 20 ? -0.205 : 0.1;
        double e_want = fabs(R1 - R0) > 1e-12 ? v * v * 5e-9 * log(R1 / R0) / (R1 - R0) : v * v * 5e-9 / R0;
        cr_expect(fabs(pc.e_J[k] - e_want) < 1e-6 * e_want, "pulse %zu: E %.9g vs %.9g", k, pc.e_J[k], e_want);
    }
    json_t *s = exp_pulses_summary(&pc, &pp);
    cr_expect_gt(json_real_value(json_object_get(s, "dynamic_range")), 1.0);
    json_decref(s);
    pulse_curve_free(&pc);
    exp_device_free(&e);
    cfg_destroy(&c);
}

Test(pulses, vteam_trains_match_the_closed_form_integrated) { vteam_trains(0); }
Test(pulses, vteam_trains_match_the_closed_form_fast_path) { vteam_trains(1); }

/* The models' closed-form pulse hooks against the adaptive integrator at tight tolerance: random
 * states, amplitudes and durations, including pulses that drive the state into a bound. */
static void hook_vs_integrator(const char *text, double v_lo, double v_hi, double t_lo, double t_hi)
{
    cfg c;
    exp_device e;
    cfg_init(&c);
    exp_device_init(&e, &c);
    cr_assert_eq(cfg_read_string(&c, "t.cfg", text), CIM_OK, "%s", cim_errmsg());
    device_binding_select(&e.b, &c);
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_device_prepare(&e, NULL), CIM_OK, "%s", cim_errmsg());
    const device_type *T = e.b.type;
    cr_assert_not_null(T->pulse);
    double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE];
    T->bounds(e.cell.p, lo, hi);
    unsigned long long z = 12345;
    int hit_bound = 0;
    for (int trial = 0; trial < 60; trial++) {
        double u[3];
        for (int q = 0; q < 3; q++) { /* a small LCG: the test's own reproducible numbers */
            z = z * 6364136223846793005ULL + 1442695040888963407ULL;
            u[q] = (double)(z >> 11) / 9007199254740992.0;
        }
        double x0 = lo[0] + (0.05 + 0.9 * u[0]) * (hi[0] - lo[0]);
        double v = v_lo + (v_hi - v_lo) * u[1], t = t_lo * pow(t_hi / t_lo, u[2]);
        double xf[DEVICE_MAX_STATE] = {x0}, ef = 0;
        cr_assert_eq(T->pulse(e.cell.p, xf, lo, hi, v, t, 300, &ef), 1);
        stimulus s;
        stimulus_params sp = e.stim;
        sp.kind = STIM_DC;
        sp.amplitude_V = v;
        sim_params sim = e.sim;
        sim.t_stop_s = t;
        sim.n_points = 2;
        sim.rtol = 1e-11;
        sim.atol = 1e-14;
        sim.method = SIM_RK8PD;
        sim.max_steps = 10000000;
        cr_assert_eq(stimulus_init(&s, &sp, NULL), CIM_OK, "%s", cim_errmsg());
        double xi[DEVICE_MAX_STATE] = {x0};
        device_trace tr;
        cr_assert_eq(device_simulate(T, e.cell.p, 300, xi, &s, &sim, NULL, NULL, &tr, NULL), CIM_OK, "%s",
                     cim_errmsg());
        double ei = tr.e_J[1];
        device_trace_free(&tr);
        stimulus_destroy(&s);
        hit_bound |= xf[0] == lo[0] || xf[0] == hi[0];
        cr_expect(fabs(xf[0] - xi[0]) <= 1e-8 * (hi[0] - lo[0]), "%s trial %d (x0 %g, v %g, t %g): x %.12g vs %.12g",
                  T->name, trial, x0, v, t, xf[0], xi[0]);
        cr_expect(fabs(ef - ei) <= 1e-7 * fabs(ei), "%s trial %d: E %.12g vs %.12g", T->name, trial, ef, ei);
    }
    cr_expect(hit_bound, "some pulses reach a bound");
    exp_device_free(&e);
    cfg_destroy(&c);
}

Test(pulses, hp_closed_form_pulse_matches_the_integrator)
{
    hook_vs_integrator("device = { model = \"hp\"; hp = { window = \"none\"; }; };", -1.5, 1.5, 1e-3, 1.0);
}

Test(pulses, vteam_closed_form_pulse_matches_the_integrator)
{
    hook_vs_integrator("device = { model = \"vteam\"; vteam = { window = \"none\"; }; };", -0.5, 0.5, 1e-10, 1e-6);
    hook_vs_integrator("device = { model = \"vteam\"; vteam = { window = \"none\"; iv = \"exponential\"; }; };",
                       -0.5, 0.5, 1e-10, 1e-6);
}

Test(pulses, windows_have_no_closed_form)
{
    /* A window makes the rate state-dependent: the hook declines and the experiment integrates. */
    const char *models[] = {"device = { model = \"hp\"; hp = { window = \"joglekar\"; }; };",
                            "device = { model = \"vteam\"; vteam = { window = \"kvatinsky\"; }; };"};
    for (int m = 0; m < 2; m++) {
        cfg c;
        exp_device e;
        cfg_init(&c);
        exp_device_init(&e, &c);
        cr_assert_eq(cfg_read_string(&c, "t.cfg", models[m]), CIM_OK);
        device_binding_select(&e.b, &c);
        cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(exp_device_prepare(&e, NULL), CIM_OK, "%s", cim_errmsg());
        double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE], x[DEVICE_MAX_STATE], en;
        e.b.type->bounds(e.cell.p, lo, hi);
        memcpy(x, e.cell.x, sizeof x);
        cr_expect_eq(e.b.type->pulse(e.cell.p, x, lo, hi, 1.0, 1e-6, 300, &en), 0);
        cr_expect_eq(x[0], e.cell.x[0], "declining leaves the state alone");
        exp_device_free(&e);
        cfg_destroy(&c);
    }
}

Test(pulses, cli_runs_the_example)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "device %s/configs/device/vteam_pulses.cfg --pulses -o p.csv --plot p.png", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "NeuroSim NL") != NULL, "%s", out);
    snprintf(path, sizeof path, "%s/p.csv", dir);
    char *text = util_slurp(path, NULL);
    cr_assert_not_null(text);
    cr_expect(strstr(text, "\ncycle,pulse,v_V,G_S,E_J\n") != NULL);
    snprintf(path, sizeof path, "%s/p.png", dir);
    cr_expect_eq(access(path, F_OK), 0);
    free(text), free(out), free(err), free(dir);
}

Test(pulses, cli_runs_the_variability_example)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "device %s/configs/device/vteam_variability.cfg --pulses -o v.csv --format json", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "distinguishable levels") != NULL, "%s", out);
    snprintf(path, sizeof path, "%s/v.csv", dir);
    char *text = util_slurp(path, NULL);
    cr_assert_not_null(text);
    json_t *j = json_loads(text, 0, NULL);
    cr_assert_not_null(j, "valid JSON");
    json_t *pot = json_object_get(json_object_get(j, "summary"), "potentiation");
    long long lv = json_integer_value(json_object_get(pot, "levels"));
    cr_expect(lv > 1 && lv < 101, "levels limited by the spread: %lld of 101 states", lv);
    cr_expect_eq(json_array_size(json_object_get(j, "G_S")), 20, "one curve per cycle");
    json_t *var = json_object_get(json_object_get(json_object_get(j, "provenance"), "config"), "variability");
    cr_expect_not_null(json_object_get(json_object_get(var, "d2d"), "r_off_ohm"), "the resolved config records the d2d spec");
    cr_expect_null(json_object_get(json_object_get(var, "d2d"), "x0_m"), "and only the set ones");
    json_decref(j);
    free(text), free(out), free(err), free(dir);
}

/* The PCM example: gradual SET by partial crystallisation, abrupt RESET by melt-quench (the typical PCM
 * figure).  Potentiation rises at every pulse, no pulse moves G by more than 5 % of the range, and the branch
 * ends near the SET conductance; the first RESET pulse does the whole depression, the others repeat it. */
Test(pulses, pcm_example_sets_gradually_and_resets_abruptly)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "device %s/configs/device/pcm_pulses.cfg --pulses -q -o p.csv", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/p.csv", dir);
    csv_table t;
    csv_read_opts o = csv_opts_any();
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(t.cols, 5); /* cycle,pulse,v_V,G_S,E_J */
    size_t n = t.rows, half = (n - 1) / 2;
    cr_assert_eq(n, 201, "100 + 100 pulses and the initial read");
    double g_min = INFINITY, g_max = 0, step_max = 0;
    for (size_t k = 0; k < n; k++) {
        g_min = fmin(g_min, t.data[k * 5 + 3]);
        g_max = fmax(g_max, t.data[k * 5 + 3]);
    }
    double range = g_max - g_min;
    for (size_t k = 1; k <= half; k++) {
        double step = t.data[k * 5 + 3] - t.data[(k - 1) * 5 + 3];
        cr_expect_gt(step, 0, "potentiation pulse %zu raises G (by %g S)", k, step);
        step_max = fmax(step_max, step);
    }
    cr_expect_lt(step_max, 0.05 * range, "gradual SET: the largest step is %.3g of the range", step_max / range);
    cr_expect_gt(t.data[half * 5 + 3], g_min + 0.9 * range, "the SET branch ends near G_max");
    double g0 = t.data[half * 5 + 3], g1 = t.data[(half + 1) * 5 + 3];
    cr_expect_gt(g0 - g1, 0.99 * range, "abrupt RESET: the first pulse does %.4g of the range", (g0 - g1) / range);
    for (size_t k = half + 2; k < n; k++)
        cr_expect_lt(fabs(t.data[k * 5 + 3] - g1), 1e-3 * range, "RESET pulse %zu repeats the first", k - half);
    csv_table_free(&t);
    free(out), free(err), free(dir);
}

/* ---- distinguishable levels: which spread separates them ------------------------------------------------ */

#define LV_DEVICE                                                                                                      \
    "device = { model = \"vteam\"; T_K = 310.0; v_read_V = 0.137;\n"                                                   \
    "  vteam = { window = \"kvatinsky\"; a_on_m = 0.3e-9; a_off_m = 2.7e-9; x0_m = 2.8e-9; }; };\n"
#define LV_C2C "variability = { c2c = { k_on_m_per_s = { dist = \"normal\"; sigma_rel = 0.05; }; }; };\n"

/* Loads text (a VTEAM device and a 40 + 40 pulse train), runs the pulses with n_cycles and read-noise bandwidth
 * B (0: none), and returns the summary; pc receives the curve. */
static json_t *levels_run(const char *text, int n_cycles, double B, pulse_curve *pc)
{
    cfg c;
    exp_device e;
    pulses_params pp;
    char all[2048], set[64];
    cfg_init(&c);
    exp_device_init(&e, &c);
    cfg_bind(&c, &pulses_group, &pp);
    snprintf(all, sizeof all, "%spulses = { n_pulses = 40; v_pot_V = -0.21; v_dep_V = 0.1; levels_n_sigma = 2.5; };\n",
             text);
    cr_assert_eq(cfg_read_string(&c, "t.cfg", all), CIM_OK, "%s", cim_errmsg());
    device_binding_select(&e.b, &c);
    snprintf(set, sizeof set, "pulses.n_cycles=%d", n_cycles);
    cr_assert_eq(cfg_set(&c, set), CIM_OK, "%s", cim_errmsg());
    snprintf(set, sizeof set, "variability.read.bandwidth_Hz=%.17g", B);
    cr_assert_eq(cfg_set(&c, set), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_device_prepare(&e, NULL), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_pulses_run(&e, &pp, pc, NULL), CIM_OK, "%s", cim_errmsg());
    json_t *s = exp_pulses_summary(pc, &pp);
    exp_device_free(&e);
    cfg_destroy(&c);
    return s;
}

/* The level walk of exp/pulses.h, written again: a new level where |mean - mean_last| >= n_sigma (sd + sd_last). */
static long long walk(const double *mean, const double *sd, size_t n, double n_sigma)
{
    long long levels = 1;
    size_t last = 0;
    for (size_t k = 1; k <= n; k++)
        if (mean[k] != mean[last] && fabs(mean[k] - mean[last]) >= n_sigma * (sd[k] + sd[last])) {
            levels++;
            last = k;
        }
    return levels;
}

/* The read-noise sigma of a conductance G read at v over bandwidth B at T, thermal and shot, in S. */
static double read_sigma_S(double G, double v, double B, double T)
{
    const double kB = 1.380649e-23, q = 1.602176634e-19;
    return sqrt(4 * kB * T * G * B + 2 * q * G * fabs(v) * B) / fabs(v);
}

static long long levels_of(json_t *s, const char *branch)
{
    return (long long)json_integer_value(json_object_get(json_object_get(s, branch), "levels"));
}

static const char *sigma_of(json_t *s, const char *branch)
{
    return json_string_value(json_object_get(json_object_get(s, branch), "levels_sigma"));
}

/* Without any spread nothing separates two states but their last digits: no count, and the reason. */
Test(pulses, levels_are_undefined_without_spread)
{
    static const struct {
        const char *text;
        int n_cycles;
        const char *reason; /* a phrase of the reason */
    } cases[] = {
        {LV_DEVICE, 1, "one cycle, no cycle-to-cycle variability"},
        {LV_DEVICE, 3, "every cycle repeats the same states"},
        {LV_DEVICE LV_C2C, 1, "one cycle cannot measure the cycle-to-cycle spread"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pulse_curve pc;
        json_t *s = levels_run(cases[i].text, cases[i].n_cycles, 0.0, &pc);
        for (int b = 0; b < 2; b++) {
            json_t *br = json_object_get(s, b ? "depression" : "potentiation");
            cr_expect(json_is_null(json_object_get(br, "levels")), "case %zu: levels null", i);
            cr_expect(json_is_null(json_object_get(br, "levels_sigma")), "case %zu", i);
            const char *why = json_string_value(json_object_get(br, "levels_undefined"));
            cr_expect(why != NULL && strstr(why, cases[i].reason) != NULL, "case %zu: reason \"%s\"", i, why);
            cr_expect(cases[i].n_cycles > 1 || json_is_null(json_object_get(br, "c2c_sigma_frac")),
                      "case %zu: no C2C sigma from one cycle", i);
        }
        cr_expect_gt(fabs(pc.g_state_mean_S[40] - pc.g_state_mean_S[0]), 0, "the states do move (case %zu)", i);
        json_decref(s);
        pulse_curve_free(&pc);
    }
}

/* One cycle with read noise: sigma is the read noise at each mean state, the thermal and shot closed form. */
Test(pulses, one_cycle_levels_use_the_read_noise)
{
    long long prev = 1000;
    const double B[] = {2.3e9, 2.3e11};
    for (int i = 0; i < 2; i++) {
        pulse_curve pc;
        json_t *s = levels_run(LV_DEVICE, 1, B[i], &pc);
        cr_expect_str_eq(sigma_of(s, "potentiation"), "read");
        double sd[41];
        for (size_t k = 0; k <= 40; k++) {
            sd[k] = read_sigma_S(pc.g_state_mean_S[k], 0.137, B[i], 310.0);
            cr_expect(fabs(pc.g_read_sd_S[k] - sd[k]) < 1e-12 * sd[k], "read %zu: sigma %.12g S, closed form %.12g S",
                      k, pc.g_read_sd_S[k], sd[k]);
        }
        long long lv = levels_of(s, "potentiation");
        cr_expect_eq(lv, walk(pc.g_state_mean_S, sd, 40, 2.5), "B %g: %lld levels", B[i], lv);
        cr_expect(lv > 1 && lv < prev, "B %g: %lld levels, fewer than at a smaller bandwidth (%lld)", B[i], lv, prev);
        cr_log_info("read noise over %g Hz: %lld levels", B[i], lv);
        prev = lv;
        json_decref(s);
        pulse_curve_free(&pc);
    }
}

/* Cycle-to-cycle spread without read noise: sigma is the standard deviation of the states over cycles. */
Test(pulses, levels_use_the_cycle_to_cycle_spread)
{
    pulse_curve pc;
    json_t *s = levels_run(LV_DEVICE LV_C2C, 12, 0.0, &pc);
    cr_expect_str_eq(sigma_of(s, "potentiation"), "c2c");
    double mean[41], sd[41];
    for (size_t k = 0; k <= 40; k++) {
        double m = 0, v = 0;
        for (size_t c = 0; c < 12; c++)
            m += pc.g_state_S[c * pc.n + k] / 12;
        for (size_t c = 0; c < 12; c++)
            v += pow(pc.g_state_S[c * pc.n + k] - m, 2) / 11;
        mean[k] = m, sd[k] = sqrt(v);
        for (size_t c = 0; c < 12; c++)
            cr_expect_eq(pc.g_state_S[c * pc.n + k], pc.g_S[c * pc.n + k], "noiseless reads are the reads");
    }
    long long lv = levels_of(s, "potentiation");
    cr_expect_eq(lv, walk(mean, sd, 40, 2.5), "%lld levels", lv);
    cr_expect(lv > 1 && lv < 41, "the spread limits the levels: %lld of 41", lv);
    cr_log_info("cycle-to-cycle spread: %lld levels", lv);
    json_decref(s);
    pulse_curve_free(&pc);
}

/* Both: the state's spread over cycles and the read noise add in quadrature (the noisy reads' own spread
 * would count the read noise twice). */
Test(pulses, levels_add_spread_and_read_noise_in_quadrature)
{
    const double B = 2.3e9;
    pulse_curve pc;
    json_t *s = levels_run(LV_DEVICE LV_C2C, 12, B, &pc);
    cr_expect_str_eq(sigma_of(s, "depression"), "c2c+read");
    double sd[41], s_c2c[41], s_read[41];
    for (size_t k = 0; k <= 40; k++) { /* the depression branch: reads 40..80 */
        s_c2c[k] = pc.g_state_std_S[40 + k];
        s_read[k] = read_sigma_S(pc.g_state_mean_S[40 + k], 0.137, B, 310.0);
        sd[k] = sqrt(s_c2c[k] * s_c2c[k] + s_read[k] * s_read[k]);
    }
    long long lv = levels_of(s, "depression");
    cr_expect_eq(lv, walk(pc.g_state_mean_S + 40, sd, 40, 2.5), "%lld levels", lv);
    /* B is chosen so that each alone allows about as many levels: together they allow fewer than either. */
    cr_expect_lt(lv, walk(pc.g_state_mean_S + 40, s_c2c, 40, 2.5), "fewer than with the spread alone");
    cr_expect_lt(lv, walk(pc.g_state_mean_S + 40, s_read, 40, 2.5), "fewer than with the read noise alone");
    cr_log_info("depression: %lld levels (spread alone %lld, read noise alone %lld)", lv,
                walk(pc.g_state_mean_S + 40, s_c2c, 40, 2.5), walk(pc.g_state_mean_S + 40, s_read, 40, 2.5));
    json_decref(s);
    pulse_curve_free(&pc);
}

/* The CLI says why there is no count, and writes null. */
Test(pulses, cli_reports_undefined_levels)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args, "device %s/configs/device/vteam_pulses.cfg --pulses -o p.json --format json", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "levels undefined: one cycle") != NULL, "%s", out);
    cr_expect(strstr(out, "distinguishable levels") == NULL, "no count printed: %s", out);
    snprintf(path, sizeof path, "%s/p.json", dir);
    char *text = util_slurp(path, NULL);
    json_t *j = json_loads(text, 0, NULL);
    cr_assert_not_null(j);
    json_t *pot = json_object_get(json_object_get(j, "summary"), "potentiation");
    cr_expect(json_is_null(json_object_get(pot, "levels")), "JSON null");
    json_decref(j);
    free(text), free(out), free(err), free(dir);
}

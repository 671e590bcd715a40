/* tests/test_variability.c -- device-to-device, cycle-to-cycle, read noise, faults and endurance
 * (device/variability.h): sampled moments against the configured distributions (1e5 draws, within
 * 5 standard errors), read-noise variances against the closed forms, stuck devices that never change,
 * and reproducibility from the seed. */
#include "core/cfg.h"
#include "core/rng.h"
#include "core/status.h"
#include "device/variability.h"
#include "exp/device.h"
#include "exp/pulses.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { N_DRAWS = 100000 };

typedef struct setup {
    cfg c;
    exp_device e;
    pulses_params pp;
} setup;

static void load(setup *s, const char *text)
{
    cfg_init(&s->c);
    exp_device_init(&s->e, &s->c);
    cfg_bind(&s->c, &pulses_group, &s->pp);
    cr_assert_eq(cfg_read_string(&s->c, "t.cfg", text), CIM_OK, "%s", cim_errmsg());
    device_binding_select(&s->e.b, &s->c);
    cr_assert_eq(cfg_resolve(&s->c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_device_prepare(&s->e, NULL), CIM_OK, "%s", cim_errmsg());
}

static void unload(setup *s)
{
    exp_device_free(&s->e);
    cfg_destroy(&s->c);
}

/* The value of parameter key in a parameter block of s's model. */
static double param_of(const setup *s, const void *block, const char *key)
{
    const param_spec *p = param_find(s->e.b.type->params, key);
    cr_assert_not_null(p);
    return *(const double *)((const char *)block + p->offset);
}

typedef struct moments {
    double mean, var, m4; /* mean, variance and fourth central moment of the sample */
} moments;

static moments sample_moments(const double *x, size_t n)
{
    moments m = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        m.mean += x[i];
    m.mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m.mean;
        m.var += d * d;
        m.m4 += d * d * d * d;
    }
    m.var /= (double)(n - 1);
    m.m4 /= (double)n;
    return m;
}

/* Mean and variance of the sample within 5 standard errors of the expected values (the standard
 * error of a sample variance is sqrt((mu4 - sigma^4) / n), mu4 the expected fourth central moment). */
static void expect_moments(const double *x, size_t n, double mean, double var, double mu4, const char *what)
{
    moments m = sample_moments(x, n);
    double se_mean = sqrt(var / (double)n), se_var = sqrt((mu4 - var * var) / (double)n);
    cr_expect(fabs(m.mean - mean) < 5 * se_mean, "%s: mean %.9g, expected %.9g (se %.3g)", what, m.mean, mean, se_mean);
    cr_expect(fabs(m.var - var) < 5 * se_var, "%s: variance %.9g, expected %.9g (se %.3g)", what, m.var, var, se_var);
}

/* Draws N_DRAWS devices of s and returns parameter key of each (caller frees). */
static double *draw_devices(setup *s, const char *key, uint64_t seed)
{
    double *x = malloc(N_DRAWS * sizeof *x);
    gsl_rng *r = rng_alloc(seed, "test.d2d");
    for (size_t i = 0; i < N_DRAWS; i++) {
        device_cell cell;
        cr_assert_eq(device_cell_make(&s->e.b.var, s->e.b.model, 300, r, &cell), CIM_OK, "%s", cim_errmsg());
        x[i] = param_of(s, cell.p, key);
        device_cell_free(&cell);
    }
    rng_free(r);
    return x;
}

Test(variability, d2d_normal_has_the_configured_mean_and_spread)
{
    setup s;
    load(&s, "device = { model = \"vteam\"; };\n"
             "variability = { d2d = { r_off_ohm = { dist = \"normal\"; sigma_rel = 0.1; }; }; };");
    double p0 = param_of(&s, s.e.b.model, "r_off_ohm"), sd = 0.1 * p0;
    double *x = draw_devices(&s, "r_off_ohm", 1);
    expect_moments(x, N_DRAWS, p0, sd * sd, 3 * sd * sd * sd * sd, "normal r_off");
    free(x);
    unload(&s);
}

Test(variability, d2d_lognormal_has_the_configured_median_and_log_spread)
{
    setup s;
    load(&s, "device = { model = \"hp\"; };\n"
             "variability = { d2d = { mu_v_m2_per_Vs = { dist = \"lognormal\"; sigma_ln = 0.3; }; }; };");
    double p0 = param_of(&s, s.e.b.model, "mu_v_m2_per_Vs");
    double *x = draw_devices(&s, "mu_v_m2_per_Vs", 2);
    for (size_t i = 0; i < N_DRAWS; i++)
        x[i] = log(x[i] / p0);
    expect_moments(x, N_DRAWS, 0.0, 0.09, 3 * 0.09 * 0.09, "ln(mu_v / median)");
    free(x);
    unload(&s);
}

Test(variability, d2d_uniform_has_the_configured_width)
{
    setup s;
    load(&s, "device = { model = \"hp\"; };\n"
             "variability = { d2d = { d_m = { dist = \"uniform\"; half_width_rel = 0.2; }; }; };");
    double p0 = param_of(&s, s.e.b.model, "d_m"), a = 0.2 * p0;
    double *x = draw_devices(&s, "d_m", 3);
    /* U(-a, a): variance a^2/3, fourth central moment a^4/5. */
    expect_moments(x, N_DRAWS, p0, a * a / 3, a * a * a * a / 5, "uniform d");
    double lo = x[0], hi = x[0];
    for (size_t i = 0; i < N_DRAWS; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    cr_expect(lo >= p0 - a && hi <= p0 + a, "draws inside [p0 - a, p0 + a]");
    free(x);
    unload(&s);
}

Test(variability, draws_respect_the_parameter_range_and_model_rules)
{
    setup s;
    /* x0 in [0, 1] around 0.1 with sigma 0.2: a third of raw draws fall below 0 and are redrawn. */
    load(&s, "device = { model = \"hp\"; };\n"
             "variability = { d2d = { x0 = { dist = \"normal\"; sigma_rel = 2.0; };\n"
             "                        r_on_ohm = { dist = \"lognormal\"; sigma_ln = 2.0; }; }; };");
    gsl_rng *r = rng_alloc(4, "test");
    for (int i = 0; i < 10000; i++) {
        device_cell cell;
        cr_assert_eq(device_cell_make(&s.e.b.var, s.e.b.model, 300, r, &cell), CIM_OK);
        double x0 = param_of(&s, cell.p, "x0");
        cr_assert(x0 >= 0 && x0 <= 1, "x0 %g inside its range", x0);
        cr_assert_lt(param_of(&s, cell.p, "r_on_ohm"), param_of(&s, cell.p, "r_off_ohm"), "R_on < R_off kept");
        device_cell_free(&cell);
    }
    rng_free(r);
    unload(&s);
}

Test(variability, c2c_redraws_around_the_device_own_value)
{
    setup s;
    load(&s, "device = { model = \"vteam\"; };\n"
             "variability = { d2d = { k_off_m_per_s = { dist = \"normal\"; sigma_rel = 0.3; }; };\n"
             "                c2c = { k_off_m_per_s = { dist = \"normal\"; sigma_rel = 0.05; }; }; };");
    device_cell *cell = &s.e.cell;
    double centre = param_of(&s, cell->p_d2d, "k_off_m_per_s"), nominal = param_of(&s, s.e.b.model, "k_off_m_per_s");
    cr_assert_neq(centre, nominal, "the device has its own value");
    double *x = malloc(N_DRAWS * sizeof *x);
    gsl_rng *r = rng_alloc(5, "test.c2c");
    for (size_t i = 0; i < N_DRAWS; i++) {
        cr_assert_eq(device_cell_event(&s.e.b.var, cell, r), CIM_OK);
        x[i] = param_of(&s, cell->p, "k_off_m_per_s");
    }
    rng_free(r);
    double sd = 0.05 * centre;
    expect_moments(x, N_DRAWS, centre, sd * sd, 3 * sd * sd * sd * sd, "c2c k_off");
    cr_expect_eq(param_of(&s, cell->p_d2d, "k_off_m_per_s"), centre, "events leave the D2D value alone");
    cr_expect_eq(cell->cycles, 0.5 * N_DRAWS, "each event is half a cycle");
    free(x);
    unload(&s);
}

Test(variability, stuck_fault_rates_match_the_configuration)
{
    setup s;
    load(&s, "device = { model = \"hp\"; };\nvariability = { p_stuck_on = 0.1; p_stuck_off = 0.05; };");
    gsl_rng *r = rng_alloc(6, "test");
    size_t on = 0, off = 0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        device_cell cell;
        cr_assert_eq(device_cell_make(&s.e.b.var, s.e.b.model, 300, r, &cell), CIM_OK);
        on += cell.stuck > 0;
        off += cell.stuck < 0;
        device_cell_free(&cell);
    }
    rng_free(r);
    double n = N_DRAWS, se_on = sqrt(0.1 * 0.9 / n), se_off = sqrt(0.05 * 0.95 / n);
    cr_expect(fabs(on / n - 0.1) < 5 * se_on, "stuck ON fraction %g", on / n);
    cr_expect(fabs(off / n - 0.05) < 5 * se_off, "stuck OFF fraction %g", off / n);
    unload(&s);
}

/* A stuck device under pulse trains and a sine: G and the state never change, at the right end. */
static void check_stuck(const char *which, int sign)
{
    char text[512];
    snprintf(text, sizeof text,
             "device = { model = \"vteam\"; vteam = { x0_m = 1.5e-9; }; };\n"
             "variability = { p_stuck_%s = 1.0; };\n"
             "pulses = { n_pulses = 10; v_pot_V = -1.0; v_dep_V = 1.0; n_cycles = 2; };\n"
             "stimulus = { kind = \"sine\"; amplitude_V = 1.0; freq_Hz = 1e6; n_periods = 2; };",
             which);
    setup s;
    load(&s, text);
    cr_assert_eq(s.e.cell.stuck, sign);
    double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE];
    s.e.b.type->bounds(s.e.cell.p, lo, hi);
    double r_lo = 1 / s.e.b.type->current_A(s.e.cell.p, (double[]){lo[0]}, 0.1);
    double r_hi = 1 / s.e.b.type->current_A(s.e.cell.p, (double[]){hi[0]}, 0.1);
    double want = (sign > 0) == (r_hi < r_lo) ? hi[0] : lo[0];
    cr_expect_eq(s.e.cell.x[0], want, "stuck %s at the %s bound", which, want == hi[0] ? "upper" : "lower");
    pulse_curve pc;
    cr_assert_eq(exp_pulses_run(&s.e, &s.pp, &pc, NULL), CIM_OK, "%s", cim_errmsg());
    for (size_t k = 0; k < pc.n * pc.n_cycles; k++) {
        cr_assert_eq(pc.g_S[k], pc.g_S[0], "read %zu: G never changes", k);
        if (k % pc.n)
            cr_assert_gt(pc.e_J[k], 0, "a stuck device still dissipates");
    }
    pulse_curve_free(&pc);
    cr_assert_eq(exp_device_run(&s.e, NULL), CIM_OK, "%s", cim_errmsg());
    for (size_t i = 0; i < s.e.tr.n; i++)
        cr_assert_eq(s.e.tr.x[i], want, "trace sample %zu: the state never changes", i);
    unload(&s);
}

Test(variability, stuck_on_devices_never_change) { check_stuck("on", +1); }
Test(variability, stuck_off_devices_never_change) { check_stuck("off", -1); }

Test(variability, same_seed_same_devices)
{
    const char *text = "run = { seed = %d; };\ndevice = { model = \"vteam\"; };\n"
                       "variability = { d2d = { r_on_ohm = { dist = \"lognormal\"; sigma_ln = 0.2; };\n"
                       "                        k_on_m_per_s = { dist = \"normal\"; sigma_rel = 0.2; }; };\n"
                       "                c2c = { k_on_m_per_s = { dist = \"normal\"; sigma_rel = 0.1; }; };\n"
                       "                read = { bandwidth_Hz = 1e7; flicker_K = 1e-4; }; };\n"
                       "pulses = { n_pulses = 20; v_pot_V = -0.3; v_dep_V = 0.3; n_cycles = 3; };";
    pulse_curve pc[3];
    setup s[3];
    int seeds[3] = {7, 7, 8};
    for (int i = 0; i < 3; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, text, seeds[i]);
        load(&s[i], buf);
        cr_assert_eq(exp_pulses_run(&s[i].e, &s[i].pp, &pc[i], NULL), CIM_OK, "%s", cim_errmsg());
    }
    size_t sz = s[0].e.b.type->params->size;
    cr_expect(memcmp(s[0].e.cell.p_d2d, s[1].e.cell.p_d2d, sz) == 0, "same seed: same device");
    cr_expect(memcmp(pc[0].g_S, pc[1].g_S, pc[0].n * pc[0].n_cycles * sizeof(double)) == 0, "same seed: same curves");
    cr_expect(memcmp(s[0].e.cell.p_d2d, s[2].e.cell.p_d2d, sz) != 0, "another seed: another device");
    cr_expect(memcmp(pc[0].g_S, pc[2].g_S, pc[0].n * sizeof(double)) != 0, "another seed: other curves");
    for (int i = 0; i < 3; i++) {
        pulse_curve_free(&pc[i]);
        unload(&s[i]);
    }
}

Test(variability, read_noise_variance_matches_the_closed_forms)
{
    read_noise_params rn = {1e6, 1, 0, 0, 1};
    const double kB = 1.380649e-23, q = 1.602176634e-19, T = 300, G = 1e-4, V = 0.2, I = G * V;
    double th = variability_read_sigma_A(&rn, I, V, T);
    cr_expect(fabs(th * th - 4 * kB * T * G * 1e6) < 1e-12 * th * th, "thermal 4kTGB");
    rn.thermal = 0;
    rn.shot = 1;
    double sh = variability_read_sigma_A(&rn, I, V, T);
    cr_expect(fabs(sh * sh - 2 * q * I * 1e6) < 1e-12 * sh * sh, "shot 2qIB");
    rn.shot = 0;
    rn.flicker_K = 1e-3;
    double fl = variability_read_sigma_A(&rn, I, V, T);
    cr_expect(fabs(fl * fl - 1e-3 * I * I * log(1e6)) < 1e-12 * fl * fl, "1/f K I^2 ln(B/f_low)");
    rn.thermal = rn.shot = 1;
    double all = variability_read_sigma_A(&rn, I, V, T);
    cr_expect(fabs(all * all - (th * th + sh * sh + fl * fl)) < 1e-12 * all * all, "independent sources add in variance");
    rn.bandwidth_Hz = 0;
    cr_expect_eq(variability_read_sigma_A(&rn, I, V, T), 0.0, "no bandwidth: no noise");
}

Test(variability, sampled_reads_have_the_predicted_spread)
{
    setup s;
    load(&s, "device = { model = \"hp\"; T_K = 350; };\n"
             "variability = { read = { bandwidth_Hz = 1e9; flicker_K = 1e-6; f_low_Hz = 1e-3; }; };");
    double v = 0.1, i0 = s.e.b.type->current_A(s.e.cell.p, s.e.cell.x, v);
    double sd = variability_read_sigma_A(&s.e.b.var.read, i0, v, 350);
    cr_assert_gt(sd, 1e-4 * fabs(i0), "a visible noise for this test");
    double *x = malloc(N_DRAWS * sizeof *x);
    gsl_rng *r = rng_alloc(9, "test.read");
    for (size_t k = 0; k < N_DRAWS; k++)
        x[k] = device_cell_read_A(&s.e.b.var, &s.e.cell, v, 350, r);
    rng_free(r);
    expect_moments(x, N_DRAWS, i0, sd * sd, 3 * sd * sd * sd * sd, "read current");
    free(x);
    unload(&s);
}

Test(variability, endurance_failures_follow_the_weibull_law)
{
    setup s;
    /* Scale 1e6, shape 2, devices that have seen 5e5 cycles: F = 1 - exp(-(0.5)^2). */
    load(&s, "device = { model = \"hp\"; };\n"
             "variability = { endurance = { n63_cycles = 1e6; weibull_shape = 2.0; n_cycles_start = 5e5; "
             "fail_state = \"on\"; }; };");
    gsl_rng *r = rng_alloc(10, "test");
    size_t failed = 0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        device_cell cell;
        cr_assert_eq(device_cell_make(&s.e.b.var, s.e.b.model, 300, r, &cell), CIM_OK);
        failed += cell.stuck > 0;
        cr_assert(cell.stuck >= 0, "worn-out devices stick at fail_state");
        device_cell_free(&cell);
    }
    rng_free(r);
    double F = 1 - exp(-0.25), f = failed / (double)N_DRAWS, se = sqrt(F * (1 - F) / N_DRAWS);
    cr_expect(fabs(f - F) < 5 * se, "failed fraction %g, Weibull CDF %g", f, F);
    unload(&s);
}

Test(variability, endurance_window_closes_log_linearly_from_the_on_side)
{
    setup s;
    /* HP: x = 1 is ON.  Onset 1e3 cycles, 0.2 of the range per decade. */
    load(&s, "device = { model = \"hp\"; hp = { x0 = 0.95; }; };\n"
             "variability = { endurance = { onset_cycles = 1e3; window_loss_per_decade = 0.2; n_cycles_start = 1e4; }; };");
    device_cell *cell = &s.e.cell;
    cr_assert(cell->on_high);
    cr_expect(fabs(cell->hi[0] - 0.8) < 1e-12, "one decade past onset: 20%% lost (hi %.15g)", cell->hi[0]);
    cr_expect_eq(cell->lo[0], 0.0, "the OFF side stays");
    cr_expect_eq(cell->x[0], cell->hi[0], "the state is pulled inside the window");
    gsl_rng *r = rng_alloc(11, "test");
    for (int k = 0; k < 2 * 90000; k++) /* 9e4 more cycles: 1e5, two decades */
        device_cell_event(&s.e.b.var, cell, r);
    rng_free(r);
    cr_expect(fabs(cell->hi[0] - 0.6) < 1e-9, "two decades: 40%% lost (hi %.15g)", cell->hi[0]);
    /* The pulse experiment on the aged device cannot pass the closed window. */
    pulse_curve pc;
    s.pp.n_pulses = 5;
    s.pp.v_pot_V = 2.0;
    s.pp.v_dep_V = -2.0;
    s.pp.t_width_s = 1e-3;
    double g_cap = s.e.b.type->current_A(cell->p, (double[]){cell->hi[0] + 1e-12}, 0.1) / 0.1; /* before: it only closes */
    cr_assert_eq(exp_pulses_run(&s.e, &s.pp, &pc, NULL), CIM_OK, "%s", cim_errmsg());
    for (size_t k = 0; k < pc.n; k++)
        cr_expect_leq(pc.g_S[k], g_cap, "read %zu: G %.9g below the closed window's ON conductance %.9g", k, pc.g_S[k], g_cap);
    pulse_curve_free(&pc);
    unload(&s);
}

Test(variability, c2c_in_a_trace_happens_at_each_polarity_reversal)
{
    const char *base = "device = { model = \"vteam\"; };\n"
                       "stimulus = { kind = \"sine\"; amplitude_V = 1.0; freq_Hz = 1e3; n_periods = 3; };\n"
                       "sim = { n_points = 3001; };\n";
    char text[1024];
    snprintf(text, sizeof text, "%svariability = { c2c = { k_off_m_per_s = { dist = \"lognormal\"; sigma_ln = 0.5; }; }; };",
             base);
    setup a, b;
    load(&a, base);
    load(&b, text);
    cr_assert_eq(exp_device_run(&a.e, NULL), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_device_run(&b.e, NULL), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(a.e.n_events, 5, "3 periods of a sine: 5 polarity reversals (%zu)", a.e.n_events);
    cr_expect_eq(b.e.n_events, 5);
    /* Identical until the first reversal (at half a period), different after it. */
    size_t half = 500;
    for (size_t k = 0; k <= half; k++)
        cr_assert_eq(a.e.tr.i_A[k], b.e.tr.i_A[k], "sample %zu before the first event", k);
    int differs = 0;
    for (size_t k = half + 1; k < a.e.tr.n; k++)
        differs |= a.e.tr.i_A[k] != b.e.tr.i_A[k];
    cr_expect(differs, "the redrawn k_off changes the later cycles");
    cr_expect_neq(param_of(&b, b.e.cell.p, "k_off_m_per_s"), param_of(&b, b.e.cell.p_d2d, "k_off_m_per_s"));
    unload(&a);
    unload(&b);
}

Test(variability, levels_rule)
{
    double mean[11], sd[11];
    for (int k = 0; k <= 10; k++) {
        mean[k] = k;
        sd[k] = 0.25;
    }
    cr_expect_eq(pulses_levels(mean, sd, 10, 2.0), 11, "steps of 1 = 2 (0.25 + 0.25): every state");
    cr_expect_eq(pulses_levels(mean, sd, 10, 3.0), 6, "steps of 2 needed: 0, 2, 4, 6, 8, 10");
    for (int k = 0; k <= 10; k++)
        sd[k] = 0;
    cr_expect_eq(pulses_levels(mean, sd, 10, 3.0), 11, "no spread: every distinct state");
    for (int k = 0; k <= 10; k++)
        mean[k] = 1;
    cr_expect_eq(pulses_levels(mean, sd, 10, 3.0), 1, "no change: one level");
}

Test(variability, pulse_levels_fall_as_c2c_grows)
{
    size_t prev = 1000;
    const char *sig[] = {"0.01", "0.05", "0.2"};
    for (int i = 0; i < 3; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "device = { model = \"vteam\"; vteam = { window = \"kvatinsky\"; a_on_m = 0.3e-9; a_off_m = 2.7e-9; "
                 "x0_m = 2.8e-9; }; };\n"
                 "variability = { c2c = { k_on_m_per_s = { dist = \"normal\"; sigma_rel = %s; }; }; };\n"
                 "pulses = { n_pulses = 50; v_pot_V = -0.21; v_dep_V = 0.1; n_cycles = 30; };",
                 sig[i]);
        setup s;
        load(&s, text);
        pulse_curve pc;
        cr_assert_eq(exp_pulses_run(&s.e, &s.pp, &pc, NULL), CIM_OK, "%s", cim_errmsg());
        json_t *j = exp_pulses_summary(&pc, &s.pp);
        size_t lv = (size_t)json_integer_value(json_object_get(json_object_get(j, "potentiation"), "levels"));
        double cs = json_real_value(json_object_get(json_object_get(j, "potentiation"), "c2c_sigma_frac"));
        cr_expect(lv < prev, "sigma %s: %zu levels, fewer than %zu", sig[i], lv, prev);
        cr_expect(lv >= 2 && cs > 0, "sigma %s: a spread was measured (%g)", sig[i], cs);
        prev = lv;
        json_decref(j);
        pulse_curve_free(&pc);
        unload(&s);
    }
}

/* tests/test_pulse_models.c -- the behavioural pulse-response models (device/neurosim.c, soft_bounds.c, lut.c):
 * their check values against the papers' closed forms computed here, the closed-form pulse against a plain RK4
 * integration of dx/dt, the c2c hook's per-pulse noise, and the pulses experiment's independent NeuroSim fit
 * reading the configured nonlinearity labels back. */
#include "core/cfg.h"
#include "core/status.h"
#include "device/device.h"
#include "exp/device.h"
#include "exp/pulses.h"
#include "tests/devrun.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

/* Parameters of model `name` from its defaults and "key=value" overrides through the config loader. */
static void params_of(const char *name, const char *const *sets, devrun *r)
{
    char model[128];
    snprintf(model, sizeof model, "@device = { model = \"%s\"; };", name);
    devrun_load(r, model, sets);
}

/* G after one rectangular pulse of v for t_s from g by the model's closed form. */
static double pulse_g(const device_type *T, const void *p, double g, double v, double t_s, double *e_J)
{
    double lo[1], hi[1], x[1] = {g}, e = 0;
    T->bounds(p, lo, hi);
    cr_assert(T->pulse(p, x, lo, hi, v, t_s, 300, &e));
    if (e_J)
        *e_J = e;
    return x[0];
}

/* The same by classical RK4 on dx/dt with n steps and the bounds clamped, and the energy by Simpson's rule on v i. */
static double rk4_g(const device_type *T, const void *p, double g, double v, double t_s, int n, double *e_J)
{
    double lo[1], hi[1], h = t_s / n, e = 0;
    T->bounds(p, lo, hi);
    for (int k = 0; k < n; k++) {
        double k1, k2, k3, k4, y;
        T->dxdt(p, &g, v, 300, &k1);
        y = g + 0.5 * h * k1;
        T->dxdt(p, &y, v, 300, &k2);
        y = g + 0.5 * h * k2;
        T->dxdt(p, &y, v, 300, &k3);
        y = g + h * k3;
        T->dxdt(p, &y, v, 300, &k4);
        double g1 = fmin(fmax(g + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), lo[0]), hi[0]);
        double gm = fmin(fmax(g + 0.5 * h * k2, lo[0]), hi[0]);
        e += h / 6 * v * v * (g + 4 * gm + g1);
        g = g1;
    }
    *e_J = e;
    return g;
}

static const char *const unit_range[] = {"device.neurosim.g_min_S=0", "device.neurosim.g_max_S=1",
                                         "device.neurosim.nl_ltp=1", "device.neurosim.nl_ltd=-1",
                                         "device.neurosim.t_pulse_s=1e-6", "device.neurosim.sigma_c2c=0", NULL};

Test(pulse_models, neurosim_one_pulse_is_neurosims_curve)
{
    devrun r;
    params_of("neurosim", unit_range, &r);
    const device_type *T = r.e.b.type;
    /* NeuroSim: G(P) = B (1 - e^{-P/A}) + G_min, A = 1.252 P_max for NL = 1 (its table), B = 1/(1 - e^{-P_max/A}). */
    double A = 1.252 * 100, B = 1 / (1 - exp(-100 / A));
    double g = 0;
    for (int k = 1; k <= 100; k++) {
        g = pulse_g(T, r.e.b.model, g, 3.0, 1e-6, NULL);
        cr_expect(fabs(g - B * (1 - exp(-k / A))) < 1e-12, "pulse %d: G = %.15g, NeuroSim %.15g", k, g,
                  B * (1 - exp(-k / A)));
    }
    cr_expect(fabs(g - 1) < 1e-12, "P_max pulses cross the whole range");
    /* Depression mirrors it from G_max. */
    g = 1;
    g = pulse_g(T, r.e.b.model, g, -3.0, 2e-6, NULL);
    cr_expect(fabs(g - (1 - B * (1 - exp(-2 / A)))) < 1e-12, "two depressing pulse widths from G_max: %g", g);
    /* Below the threshold nothing moves. */
    cr_expect_eq(pulse_g(T, r.e.b.model, 0.5, 0.9, 1e-3, NULL), 0.5);
    devrun_unload(&r);
}

Test(pulse_models, closed_form_equals_integration_with_energy)
{
    static const char *const ns[] = {"device.neurosim.nl_ltp=-2", "device.neurosim.nl_ltd=-6.76", "device.neurosim.sigma_c2c=0.05", NULL};
    static const char *const sb[] = {"device.soft_bounds.alpha_pot=0.05", "device.soft_bounds.alpha_dep=0.2", NULL};
    /* A table that bends (knots crossed within one long pulse) and, for depression, steps that grow toward G_min. */
    static const char *const lt[] = {"device.lut.g_S=[2e-6, 5e-6, 9e-6, 20e-6]",
                                     "device.lut.dg_pot_S=[4e-6, 1e-6, 3e-6, 0.5e-6]",
                                     "device.lut.dg_dep_S=[-5e-6, -2e-6, -2.5e-6, -1e-6]",
                                     "device.lut.sigma_pot_S=[0.2e-6, 0.1e-6, 0.3e-6, 0.1e-6]",
                                     "device.lut.sigma_dep_S=[0.1e-6, 0.1e-6, 0.1e-6, 0.4e-6]", NULL};
    const char *names[] = {"neurosim", "soft_bounds", "lut"};
    const char *const *sets[] = {ns, sb, lt};
    for (int m = 0; m < 3; m++) {
        devrun r;
        params_of(names[m], sets[m], &r);
        const device_type *T = r.e.b.type;
        void *p = r.e.b.model;
        double lo[1], hi[1];
        T->bounds(p, lo, hi);
        T->c2c(p, 0.7); /* a drawn step noise, held for the pulse */
        double tp = m == 0 ? 300e-6 : 10e-9;
        if (m == 2) /* from the table's ends and its middle, crossing knots */
            T->c2c(p, -0.7);
        for (int s = 0; s < 3; s++) { /* 2.5 pulses long: inside the range, and (from near a bound) clamped */
            double g0 = lo[0] + (hi[0] - lo[0]) * (0.05 + 0.45 * s), e1, e2;
            for (int pol = -1; pol <= 1; pol += 2) {
                double g1 = pulse_g(T, p, g0, 3.0 * pol, 2.5 * tp, &e1), g2 = rk4_g(T, p, g0, 3.0 * pol, 2.5 * tp, 20000, &e2);
                cr_expect(fabs(g1 - g2) <= 1e-9 * (hi[0] - lo[0]), "%s: closed form %.12g, RK4 %.12g", names[m], g1, g2);
                cr_expect(fabs(e1 - e2) <= 1e-6 * e2, "%s: energy closed form %.12g, integral %.12g", names[m], e1, e2);
            }
        }
        devrun_unload(&r);
    }
}

Test(pulse_models, c2c_moves_one_pulse_by_sigma_times_z)
{
    static const char *const sets[] = {"device.neurosim.g_min_S=0", "device.neurosim.g_max_S=1", "device.neurosim.nl_ltp=3",
                                       "device.neurosim.t_pulse_s=1e-6", "device.neurosim.sigma_c2c=0.02", NULL};
    devrun r;
    params_of("neurosim", sets, &r);
    const device_type *T = r.e.b.type;
    double g0 = 0.3, clean = pulse_g(T, r.e.b.model, g0, 3.0, 1e-6, NULL);
    T->c2c(r.e.b.model, -1.5);
    double noisy = pulse_g(T, r.e.b.model, g0, 3.0, 1e-6, NULL);
    cr_expect(fabs(noisy - clean - 0.02 * 1.0 * -1.5) < 1e-12, "NeuroSim sigmaCtoC: end point moved by %g", noisy - clean);
    devrun_unload(&r);
    /* soft bounds: G_max - G shrinks by the factor 1 - alpha (1 + sigma z) per pulse. */
    static const char *const sb[] = {"device.soft_bounds.g_min_S=0", "device.soft_bounds.g_max_S=1",
                                     "device.soft_bounds.alpha_pot=0.1", "device.soft_bounds.sigma_c2c=0.3", NULL};
    params_of("soft_bounds", sb, &r);
    T = r.e.b.type;
    T->c2c(r.e.b.model, 0);
    double g = pulse_g(T, r.e.b.model, 0, 2.0, 10e-9, NULL);
    g = pulse_g(T, r.e.b.model, g, 2.0, 10e-9, NULL);
    cr_expect(fabs(g - 0.19) < 1e-12, "two pulses of alpha 0.1 from 0: 1 - 0.9^2 = 0.19, got %.15g", g);
    T->c2c(r.e.b.model, 2.0);
    g = pulse_g(T, r.e.b.model, 0.5, 2.0, 10e-9, NULL);
    cr_expect(fabs(g - (0.5 + 0.1 * 1.6 * 0.5)) < 1e-12, "step scaled by 1 + 0.3 * 2: %.15g", g);
    devrun_unload(&r);
}

/* The pulses experiment's NeuroSim estimator (exp/pulses.c) was written against NeuroSim separately: on the model
 * with labels +2.5 / -3 it must read them back. */
Test(pulse_models, pulses_experiment_reads_the_labels_back)
{
    devrun r;
    /* The device part of configs/device/neurosim_pulses.cfg (devrun reads no pulses group: set below as there). */
    static const char *const sets[] = {"device.neurosim.nl_ltp=2.5", "device.neurosim.nl_ltd=-3", "device.neurosim.sigma_c2c=0",
                                       NULL};
    params_of("neurosim", sets, &r);
    pulses_params pp;
    param_defaults(&pulses_group, &pp);
    pp.n_pulses = 100;
    pp.v_pot_V = 3.2;
    pp.v_dep_V = -2.8;
    pp.t_width_s = 300e-6;
    pp.t_rise_s = 0;
    pp.t_gap_s = 1e-3;
    pulse_curve c;
    cr_assert_eq(exp_pulses_run(&r.e, &pp, &c, NULL), CIM_OK, "%s", cim_errmsg());
    json_t *j = exp_pulses_summary(&c, &pp);
    double lp = json_real_value(json_object_get(json_object_get(j, "potentiation"), "nl_label"));
    double ld = json_real_value(json_object_get(json_object_get(j, "depression"), "nl_label"));
    cr_expect(fabs(lp - 2.5) < 1e-6, "potentiation NL %g, configured 2.5", lp);
    cr_expect(fabs(ld + 3.0) < 1e-6, "depression NL %g, configured -3", ld);
    json_decref(j);
    pulse_curve_free(&c);
    devrun_unload(&r);
}

/* The lookup table: a constant table moves G by exactly dG + z sigma per pulse; a table linear in G from G_min to G_max
 * (f = alpha (G_max - G)) is the flow dG/dP = alpha (G_max - G), whose one pulse is G_max - (G_max - G) e^{-alpha}. */
Test(pulse_models, lut_steps_by_its_table)
{
    static const char *const flat[] = {"device.lut.g_min_S=0", "device.lut.g_max_S=1", "device.lut.g_S=[0.2, 0.8]",
                                       "device.lut.dg_pot_S=[0.01, 0.01]", "device.lut.dg_dep_S=[-0.02, -0.02]",
                                       "device.lut.sigma_pot_S=[0.002, 0.002]", "device.lut.sigma_dep_S=[0, 0]",
                                       "device.lut.t_pulse_s=1e-6", NULL};
    devrun r;
    params_of("lut", flat, &r);
    const device_type *T = r.e.b.type;
    double g = pulse_g(T, r.e.b.model, 0.5, 3.0, 1e-6, NULL);
    cr_expect(fabs(g - 0.51) < 1e-14, "one pulse of a flat table: 0.51, got %.15g", g);
    cr_expect(fabs(pulse_g(T, r.e.b.model, 0.05, 3.0, 1e-6, NULL) - 0.06) < 1e-14, "below the first centre: held");
    cr_expect(fabs(pulse_g(T, r.e.b.model, 0.5, -3.0, 2e-6, NULL) - 0.46) < 1e-14, "two depressing pulse widths");
    cr_expect_eq(pulse_g(T, r.e.b.model, 0.995, 3.0, 1e-6, NULL), 1.0, "clamped at g_max_S");
    cr_expect_eq(pulse_g(T, r.e.b.model, 0.5, 0.9, 1e-6, NULL), 0.5, "below the threshold nothing moves");
    T->c2c(r.e.b.model, 1.5);
    g = pulse_g(T, r.e.b.model, 0.5, 3.0, 1e-6, NULL);
    cr_expect(fabs(g - (0.5 + 0.01 + 1.5 * 0.002)) < 1e-14, "with z = 1.5: %.15g", g);
    devrun_unload(&r);
    static const char *const lin[] = {"device.lut.g_min_S=0", "device.lut.g_max_S=1", "device.lut.g_S=[0, 0.5, 1]",
                                      "device.lut.dg_pot_S=[0.1, 0.05, 0]", "device.lut.dg_dep_S=[0, -0.05, -0.1]",
                                      "device.lut.sigma_pot_S=[0, 0, 0]", "device.lut.sigma_dep_S=[0, 0, 0]",
                                      "device.lut.t_pulse_s=1e-6", NULL};
    params_of("lut", lin, &r);
    T = r.e.b.type;
    g = 0.3;
    for (int k = 1; k <= 30; k++) /* crosses the knot at 0.5 */
        g = pulse_g(T, r.e.b.model, g, 3.0, 1e-6, NULL);
    double want = 1 - 0.7 * exp(-0.1 * 30);
    cr_expect(fabs(g - want) < 1e-12, "30 pulses of alpha 0.1 from 0.3: %.15g, flow %.15g", g, want);
    g = pulse_g(T, r.e.b.model, 0.8, -3.0, 5e-6, NULL);
    cr_expect(fabs(g - 0.8 * exp(-0.5)) < 1e-12, "five depressing pulses: %.15g", g);
    devrun_unload(&r);
}

Test(pulse_models, lut_table_must_be_consistent)
{
    cfg c;
    cfg_init(&c);
    exp_device e;
    exp_device_init(&e, &c);
    cr_assert_eq(cfg_read_string(&c, "t.cfg", "device = { model = \"lut\"; lut = { g_S = [1e-6, 2e-6, 1.5e-6]; "
                                              "dg_pot_S = [1e-8, 1e-8, 1e-8]; dg_dep_S = [1e-8, 1e-8, 1e-8]; "
                                              "sigma_pot_S = [0.0, 0.0, 0.0]; sigma_dep_S = [0.0, 0.0]; }; };"),
                 CIM_OK, "%s", cim_errmsg());
    device_binding_select(&e.b, &c);
    int st = cfg_resolve(&c);
    cr_expect_neq(st, CIM_OK);
    cr_expect(strstr(cim_errmsg(), "sigma_dep_S has 2 entries, but g_S has 3") != NULL, "%s", cim_errmsg());
    exp_device_free(&e);
    cfg_destroy(&c);
}

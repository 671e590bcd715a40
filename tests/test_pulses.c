/* tests/test_pulses.c -- the pulse-programming experiment: the NeuroSim nonlinearity fit against
 * NeuroSim's own curves and table, and the pulse trains against a closed form. */
#include "core/cfg.h"
#include "core/status.h"
#include "exp/device.h"
#include "exp/pulses.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>

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
Test(pulses, vteam_trains_match_the_closed_form)
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
    exp_device_bind_model(&e, &c);
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_device_prepare(&e, NULL), CIM_OK, "%s", cim_errmsg());
    pulse_curve pc;
    cr_assert_eq(exp_pulses_run(&e, &pp, &pc), CIM_OK, "%s", cim_errmsg());
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

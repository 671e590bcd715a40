/* tests/test_device.c -- the device layer: every model's check value, the interface contract, the HP
 * closed form, every model against ngspice on two stimuli, memristor fingerprints, energy, bounds,
 * breakpoints and thermal consistency. */
#include "core/cfg.h"
#include "core/status.h"
#include "device/device.h"
#include "device/integrate.h"
#include "device/inverse.h"
#include "device/spice.h"
#include "exp/device.h"
#include "tests/devrun.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>

/* ---- helpers ----------------------------------------------------------------------------------- */

static double peak_abs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

/* Parameters for tests run once per registered model (indices: each test runs in its own process). */
static struct criterion_test_params model_indices(void)
{
    static size_t ids[32];
    size_t n = 0;
    for (; device_types[n] != NULL; n++)
        ids[n] = n;
    return cr_make_param_array(size_t, ids, n);
}

/* ---- check values from the model headers ----------------------------------------------------------- */

static const void *defaults_of(const device_type *T, void *buf)
{
    param_defaults(T->params, buf);
    return buf;
}

/* The registry's names and tables are one list: the name a config selects is the table it runs. */
Test(device, the_registry_runs_the_model_its_name_selects)
{
    size_t n = 0;
    for (; device_types[n] != NULL; n++) {
        cr_assert_not_null(device_type_names[n], "a name for every table");
        cr_expect_str_eq(device_types[n]->name, device_type_names[n]);
        cr_expect_eq(device_type_find(device_type_names[n]), device_types[n]);
        cr_expect_not_null(device_types[n]->citation, "%s cites its source", device_types[n]->name);
    }
    cr_expect_null(device_type_names[n], "no name without a table");
    cr_expect_eq(n, device_type_count());
}

/* The help's model list is the registry: every model and its title, for both commands with device cells. */
Test(device, help_lists_every_registered_model)
{
    const char *cmds[] = {"device --help", "mvm --help"};
    for (int c = 0; c < 2; c++) {
        char *out, *err;
        cr_assert_eq(util_run_cli(NULL, cmds[c], &out, &err), 0, "%s", err);
        for (size_t k = 0; device_types[k] != NULL; k++) {
            char line[256];
            snprintf(line, sizeof line, "  %-13s %s\n", device_types[k]->name, device_types[k]->title);
            cr_expect_not_null(strstr(out, line), "%s lists %s", cmds[c], device_types[k]->name);
        }
        free(out);
        free(err);
    }
}

Test(device, check_value_vteam)
{
    char p[4096];
    defaults_of(&device_vteam, p);
    double x[1] = {1.5e-9}, dx[1];
    device_vteam.dxdt(p, x, 0.5, 300, dx);
    cr_expect(fabs(dx[0] - 0.012) <= 8 * 2.2e-16 * 0.012, "dx/dt = %.17g", dx[0]);
    cr_expect(fabs(device_vteam.current_A(p, x, 0.5) - 0.5 / 525.0) <= 4 * 2.2e-16 * 0.5 / 525.0);
}

Test(device, check_value_yakopcic)
{
    char p[4096];
    defaults_of(&device_yakopcic, p);
    double x[1] = {0.11}, dx[1];
    device_yakopcic.dxdt(p, x, 0.3, 300, dx);
    cr_expect(fabs(dx[0] - 4000 * (exp(0.3) - exp(0.16))) < 1e-12 * 705, "dx/dt = %.17g", dx[0]);
    cr_expect(fabs(dx[0] - 705.39175) < 1e-4);
    cr_expect(fabs(device_yakopcic.current_A(p, x, 0.3) - 2.8051052e-4) < 1e-11);
}

Test(device, check_value_stanford_pku)
{
    char p[4096];
    defaults_of(&device_stanford_pku, p);
    double x[2] = {1e-9, 300};
    cr_expect(fabs(device_stanford_pku.current_A(p, x, 0.1) - 7.5231913e-6) < 1e-13);
    /* Default tau_th = 0: the temperature is algebraic, T = T_amb + |V I| R_th. */
    device_stanford_pku.algebraic(p, x, 0.1, 300);
    cr_expect(fabs(x[1] - (300 + 0.1 * 7.5231913e-6 * 2.1e3)) < 1e-9, "T = %.12g", x[1]);
    double dx[2];
    device_stanford_pku.dxdt(p, x, 0.0, 300, dx);
    cr_expect_eq(dx[0], 0.0, "no gap motion at 0 V");
    cr_expect_eq(dx[1], 0.0, "an algebraic state has no derivative");
}

/* The Stanford-PKU example as NEEDS runs it, without its compliance (configs/device/stanford_pku.cfg before
 * issue 13): +-1.6 V straight across the cell, the default 1 % F_min gate.  The SET runs away to g_min and heats
 * the cell by hundreds of kelvin, which the thermal tests need. */
#define SPKU_NO_COMPLIANCE "stimulus.r_series_ohm=0", "stimulus.amplitude_V=1.6", "device.stanford_pku.f_min_width=0.01"

/* The steady-state temperature (tau_th = 0) is the limit of the thermal RC: the two runs agree. */
Test(device, stanford_steady_state_is_the_limit_of_the_thermal_rc)
{
    devrun a, b;
    const char *rc[] = {"device.stanford_pku.tau_th_s=0.23e-9", "sim.method=\"bsimp\"", SPKU_NO_COMPLIANCE, NULL};
    const char *ss[] = {SPKU_NO_COMPLIANCE, NULL};
    devrun_load(&a, CIM_SRC "/configs/device/stanford_pku.cfg", ss);
    devrun_load(&b, CIM_SRC "/configs/device/stanford_pku.cfg", rc);
    devrun_simulate(&a);
    devrun_simulate(&b);
    double peak = peak_abs(a.e.tr.i_A, a.e.tr.n), worst = 0;
    for (size_t j = 0; j < a.e.tr.n; j++)
        worst = fmax(worst, fabs(a.e.tr.i_A[j] - b.e.tr.i_A[j]));
    cr_expect_lt(worst / peak, 1e-3, "steady vs RC: max deviation %.3g of peak", worst / peak);
    devrun_unload(&a);
    devrun_unload(&b);
}

/* The HP check value: DC 1 V for 1 ms from x0 = 0.1, no window -> x = 0.10069423. */
Test(device, check_value_hp_dc)
{
    devrun r;
    const char *sets[] = {"device.hp.window=\"none\"", "stimulus.kind=\"dc\"", "stimulus.amplitude_V=1",
                          "sim.t_stop_s=1e-3", "sim.rtol=1e-12", NULL};
    devrun_load(&r, "@device = { model = \"hp\"; };", sets);
    devrun_simulate(&r);
    double x = r.e.tr.x[r.e.tr.n - 1];
    cr_expect(fabs(x - 0.10069422841964841) < 1e-11, "x = %.17g", x);
    devrun_unload(&r);
}

/* ---- the contract every model meets ------------------------------------------------------------- */

ParameterizedTestParameters(device, contract)
{ return model_indices(); }

ParameterizedTest(size_t *i, device, contract)
{
    const device_type *T = device_types[*i];
    char p[4096];
    cr_assert_leq(T->params->size, sizeof p);
    cr_assert_leq(T->n_state, DEVICE_MAX_STATE);
    defaults_of(T, p);
    cr_expect(T->params->check == NULL || T->params->check(p) == CIM_OK, "%s: defaults pass check: %s", T->name,
              cim_errmsg());
    double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE], x[DEVICE_MAX_STATE], dx[DEVICE_MAX_STATE];
    T->bounds(p, lo, hi);
    T->init(p, 300, x);
    for (size_t k = 0; k < T->n_state; k++) {
        cr_expect_lt(lo[k], hi[k], "%s", T->name);
        cr_expect(x[k] >= lo[k] && x[k] <= hi[k], "%s: initial state in bounds", T->name);
    }
    /* Pinched: no current at zero voltage, for states across the whole range. */
    for (int s = 0; s <= 10; s++) {
        x[0] = lo[0] + (hi[0] - lo[0]) * s / 10.0;
        for (size_t k = 1; k < T->n_state; k++) /* further states (a temperature) at ambient */
            x[k] = fmin(fmax(300.0, lo[k]), hi[k]);
        /* A reactive model (device.h) stores energy: a relaxing polarization drives current at zero bias
         * and against the field, so it is exempt from the memristor's pinched, passive I-V. */
        if (!T->reactive)
            cr_expect_eq(T->current_A(p, x, 0.0), 0.0, "%s: i(x, 0) = 0", T->name);
        for (double v = -1.0; v <= 1.0; v += 0.25) {
            T->dxdt(p, x, v, 300, dx);
            for (size_t k = 0; k < T->n_state; k++)
                cr_expect(isfinite(dx[k]), "%s: finite dx/dt at v = %g", T->name, v);
            cr_expect(T->reactive || T->current_A(p, x, v) * v >= 0, "%s: passive (i v >= 0)", T->name);
        }
    }
    cr_expect(T->citation != NULL && strlen(T->citation) > 10, "%s cites its source", T->name);
    cr_expect(device_type_find(T->name) == T);
    /* The observable hook is all or nothing; an observable named like a state variable is that variable
     * (the trace then has one column for both). */
    const device_observable *o = &T->observable;
    cr_expect((o->name == NULL) == (o->value == NULL) && (o->name == NULL) == (o->unit == NULL),
              "%s: observable name, unit and value given together", T->name);
    static const char *const fixed[] = {"t_s", "v_V", "i_A", "p_W"};
    for (int c = 0; o->name != NULL && c < 4; c++)
        cr_expect_str_neq(o->name, fixed[c], "%s: the observable's column is not one of the trace's own", T->name);
    for (size_t k = 0; o->value != NULL && k < T->n_state; k++) {
        if (strcmp(o->name, T->state[k].name) != 0)
            continue;
        for (int s = 0; s <= 10; s++) {
            T->init(p, 300, x);
            x[k] = lo[k] + (hi[k] - lo[k]) * (0.137 + 0.08 * s);
            cr_expect_eq(o->value(p, x), x[k], "%s: observable %s is state %zu", T->name, o->name, k);
        }
    }
}

Test(device, registry_rejects_unknown_names)
{
    cr_expect_null(device_type_find("memristor9000"));
}

/* ---- HP without a window against its closed form -------------------------------------------------- */

Test(device, hp_sine_matches_closed_form)
{
    devrun r;
    const char *sets[] = {"device.hp.window=\"none\"", "stimulus.kind=\"sine\"", "stimulus.amplitude_V=1",
                          "stimulus.freq_Hz=1", "stimulus.n_periods=2", "sim.n_points=4001", "sim.rtol=1e-12",
                          "sim.atol=1e-13", NULL};
    devrun_load(&r, "@device = { model = \"hp\"; };", sets);
    devrun_simulate(&r);
    const device_trace *tr = &r.e.tr;
    const double ron = 100, roff = 16e3, x0 = 0.1, k = 1e-14 * ron / (10e-9 * 10e-9), dR = roff - ron;
    const double R0 = roff - dR * x0, w = 2 * 3.14159265358979323846;
    double peak = peak_abs(tr->i_A, tr->n), worst = 0, x_max = 0;
    for (size_t j = 0; j < tr->n; j++) {
        double t = tr->t_s[j];
        double phi = (1 - cos(w * t)) / w; /* flux of v = sin(w t) */
        double q = (R0 - sqrt(R0 * R0 - 2 * dR * k * phi)) / (dR * k);
        double x = x0 + k * q;
        double i = sin(w * t) / (roff - dR * x);
        worst = fmax(worst, fabs(tr->i_A[j] - i));
        x_max = fmax(x_max, tr->x[j]);
    }
    cr_expect_gt(x_max, 0.3, "the state moves (x reaches %g), so the test exercises the dynamics", x_max);
    cr_expect_lt(worst / peak, 1e-6, "max deviation %.3g of peak current", worst / peak);
    devrun_unload(&r);
}

/* ---- every model against ngspice -------------------------------------------------------------- */

typedef struct spice_case {
    const char *name;
    const char *config;       /* under configs/device/ */
    const char *sets[12];
} spice_case;

#define PULSE(A, W, P, N, R) "stimulus.kind=\"pulse\"", "stimulus.amplitude_V=" A, "stimulus.t_width_s=" W, \
                             "stimulus.t_period_s=" P, "stimulus.n_pulses=" N, "stimulus.t_rise_s=" R, "stimulus.t_fall_s=" R

static const spice_case spice_cases[] = {
    {"hp sine", "hp_joglekar.cfg", {NULL}},
    {"hp pulses", "hp_joglekar.cfg", {PULSE("1", "0.2", "0.4", "5", "0.01"), NULL}},
    {"team sine", "team.cfg", {NULL}},
    {"team pulses", "team.cfg", {PULSE("-1.5", "2e-4", "5e-4", "4", "1e-5"), NULL}},
    {"vteam sine", "vteam.cfg", {"device.vteam.window=\"kvatinsky\"", "device.vteam.a_off_m=2.7e-9",
                                 "device.vteam.a_on_m=0.3e-9", NULL}},
    {"vteam pulses exp", "vteam.cfg", {"device.vteam.window=\"kvatinsky\"", "device.vteam.a_off_m=2.7e-9",
                                       "device.vteam.a_on_m=0.3e-9", "device.vteam.iv=\"exponential\"",
                                       PULSE("0.5", "100e-9", "400e-9", "4", "1e-9"), NULL}},
    {"yakopcic sine", "yakopcic.cfg", {NULL}},
    {"yakopcic pulses", "yakopcic.cfg", {PULSE("0.4", "2e-3", "5e-3", "4", "1e-4"), NULL}},
    {"stanford_pku pulses", "stanford_pku.cfg",
     {PULSE("1.8", "100e-9", "400e-9", "3", "10e-12"), "stimulus.r_series_ohm=0", "device.stanford_pku.f_min_width=0.01",
      NULL}},
    {"stanford_pku sky130 + series R", "stanford_pku_sky130.cfg", {NULL}},
    {"stanford_pku triangle, thermal RC", "stanford_pku.cfg", {"device.stanford_pku.tau_th_s=0.23e-9", "sim.method=\"bsimp\"", NULL}},
    /* With no compliance the SET runs away into g_min, where the netlist's old bound clamp (a jump of the rate)
     * left ngspice's implicit step without a solution: "timestep too small" at 0.22 ms (issue 13). */
    {"stanford_pku triangle, steady state, no compliance", "stanford_pku.cfg", {SPKU_NO_COMPLIANCE, NULL}},
    {"stanford_pku triangle, thermal RC, no compliance", "stanford_pku.cfg",
     {"device.stanford_pku.tau_th_s=0.23e-9", "sim.method=\"bsimp\"", SPKU_NO_COMPLIANCE, NULL}},
    /* With the default viscosity the Landau jump at E_c lasts ~0.1 ns inside a 1 ms sweep: a saddle-node
     * whose timing rounding decides, so both are compared with a viscosity that resolves the switching. */
    {"feram_lk triangle, viscous", "feram_lk.cfg", {"stimulus.freq_Hz=1e5", "device.feram_lk.rho_ohm_m=1e3", NULL}},
    {"feram triangle", "feram_loop.cfg", {NULL}},
    {"feram preisach triangle", "feram_loop.cfg", {"device.feram.kinetics=\"preisach\"", NULL}},
    /* pristine: the split internal bias in the netlist (held fixed there: n_wake so long that the run's few
     * cycles do not move it in cimsim either) */
    {"feram preisach pristine, split bias", "feram_wakeup.cfg",
     {"device.feram.kinetics=\"preisach\"", "device.feram.n_wake_cycles=1e15", NULL}},
    {"feram_lk sine, viscous", "feram_lk.cfg", {"stimulus.kind=\"sine\"", "stimulus.freq_Hz=1e5", "device.feram_lk.rho_ohm_m=1e3", NULL}},
    /* PCM: melt-quench from the SET state (a 0 -> 0.96), threshold switching and crystallisation from the RESET
     * state (a 1 -> 0), both pulses in one PWL waveform, and a sweep through a load resistor that snaps back and
     * then crystallises the cell (a 1 -> 0 on the way, so the state check sees the sweep do more than switch). */
    {"pcm RESET pulse from SET", "pcm_reset_set.cfg", {PULSE("3.0", "100e-9", "200e-9", "1", "1e-9"),
                                                       "stimulus.t_delay_s=10e-9", "sim.n_points=2001", NULL}},
    {"pcm SET pulse from RESET", "pcm_reset_set.cfg", {PULSE("2.3", "200e-9", "400e-9", "1", "10e-9"),
                                                       "stimulus.t_delay_s=10e-9", "sim.n_points=2001",
                                                       "device.pcm.a0=1", NULL}},
    {"pcm RESET then SET (pwl)", "pcm_reset_set.cfg", {NULL}},
    {"pcm threshold sweep through 10 kohm", "pcm_threshold.cfg", {NULL}},
};

ParameterizedTestParameters(device, agrees_with_ngspice)
{
    static size_t ids[sizeof spice_cases / sizeof *spice_cases];
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        ids[i] = i;
    return cr_make_param_array(size_t, ids, sizeof ids / sizeof *ids);
}

ParameterizedTest(size_t *ci, device, agrees_with_ngspice, .timeout = 300)
{
    const spice_case *sc = &spice_cases[*ci];
    char path[512];
    snprintf(path, sizeof path, CIM_SRC "/configs/device/%s", sc->config);
    devrun r;
    devrun_load(&r, path, sc->sets);
    devrun_simulate(&r);
    const device_trace *tr = &r.e.tr;
    cr_assert_geq(tr->n, 1000, "at least 1000 points");
    /* The state must move over a good part of its range, or the comparison proves little. */
    double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE], smin = INFINITY, smax = -INFINITY;
    r.e.b.type->bounds(r.e.b.model, lo, hi);
    for (size_t j = 0; j < tr->n; j++) {
        smin = fmin(smin, tr->x[j * tr->n_state]);
        smax = fmax(smax, tr->x[j * tr->n_state]);
    }
    cr_expect_gt((smax - smin) / (hi[0] - lo[0]), 0.1, "%s: the state sweeps %.3g of its range", sc->name,
                 (smax - smin) / (hi[0] - lo[0]));

    char *dir = util_tmpdir(), cir[600], data[600], cmd[1400];
    snprintf(cir, sizeof cir, "%s/dev.cir", dir);
    snprintf(data, sizeof data, "%s/dev.data", dir);
    strbuf nl;
    strbuf_init(&nl);
    cr_assert_eq(device_spice_netlist(r.e.b.type, r.e.cell.p, r.e.x0, r.e.b.dev.T_K, &r.e.s, &r.e.sim,
                                      exp_device_t_stop(&r.e), data, &nl), CIM_OK);
    util_write(cir, nl.s);
    strbuf_destroy(&nl);
    snprintf(cmd, sizeof cmd, "cd %s && ngspice -b dev.cir > ngspice.log 2>&1", dir);
    cr_assert_eq(system(cmd), 0, "%s: ngspice failed (see %s/ngspice.log)", sc->name, dir);
    double *ref = malloc(tr->n * sizeof *ref);
    cr_assert_eq(device_spice_read(data, &r.e.sim, exp_device_t_stop(&r.e), ref), CIM_OK, "%s", cim_errmsg());
    double peak = peak_abs(tr->i_A, tr->n), worst = 0;
    size_t compared = 0;
    for (size_t j = 0; j < tr->n; j++)
        if (isfinite(ref[j])) {
            worst = fmax(worst, fabs(tr->i_A[j] - ref[j]));
            compared++;
        }
    cr_expect_geq(compared, tr->n - 1, "every sample but t = 0 compared");
    cr_expect_lt(worst / peak, 5e-3, "%s: max deviation %.3g of the peak current %.3g A", sc->name, worst / peak, peak);
    cr_log_info("%s: max deviation %.3g of peak %.3g A over %zu points", sc->name, worst / peak, peak, compared);
    free(ref);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
    devrun_unload(&r);
}

/* ---- memristor fingerprints, energy, bounds ------------------------------------------------------ */

/* Chua's second fingerprint: the hysteresis lobes shrink as the frequency grows. */
Test(device, lobe_area_decreases_with_frequency)
{
    double area[3];
    const char *freqs[] = {"stimulus.freq_Hz=1", "stimulus.freq_Hz=10", "stimulus.freq_Hz=100"};
    for (int k = 0; k < 3; k++) {
        devrun r;
        const char *sets[] = {freqs[k], NULL};
        devrun_load(&r, CIM_SRC "/configs/device/hp_joglekar.cfg", sets);
        devrun_simulate(&r);
        json_t *s = exp_device_summary(&r.e);
        area[k] = json_real_value(json_object_get(s, "loop_area_W"));
        json_decref(s);
        devrun_unload(&r);
    }
    cr_expect_gt(area[0], 0);
    cr_expect_gt(area[0], 2 * area[1], "areas %g %g %g", area[0], area[1], area[2]);
    cr_expect_gt(area[1], 2 * area[2], "areas %g %g %g", area[0], area[1], area[2]);
}

/* The reported energy (integrated with the state) equals the trapezoid integral of v i over the
 * trace, within the trapezoid rule's own error (estimated by halving the grid, Richardson). */
ParameterizedTestParameters(device, energy_is_the_integral_of_power)
{
    static size_t ids[] = {0, 2, 6, 8};
    return cr_make_param_array(size_t, ids, 4);
}

ParameterizedTest(size_t *ci, device, energy_is_the_integral_of_power)
{
    const spice_case *sc = &spice_cases[*ci];
    char path[512];
    snprintf(path, sizeof path, CIM_SRC "/configs/device/%s", sc->config);
    const char *sets[] = {"sim.n_points=20001", NULL};
    devrun r;
    devrun_load(&r, path, sets);
    devrun_simulate(&r);
    const device_trace *tr = &r.e.tr;
    double fine = 0, coarse = 0;
    for (size_t j = 1; j < tr->n; j++)
        fine += 0.5 * (tr->p_W[j] + tr->p_W[j - 1]) * (tr->t_s[j] - tr->t_s[j - 1]);
    for (size_t j = 2; j < tr->n; j += 2)
        coarse += 0.5 * (tr->p_W[j] + tr->p_W[j - 2]) * (tr->t_s[j] - tr->t_s[j - 2]);
    double e = tr->e_J[tr->n - 1];
    double trap_err = fabs(fine - coarse) / 3; /* error of the fine trapezoid sum */
    cr_expect_gt(e, 0, "%s: dissipated energy is positive", sc->name);
    cr_expect_leq(fabs(e - fine), 3 * trap_err + 1e-9 * e, "%s: E = %.9g J, trapezoid %.9g J (+- %.2g)", sc->name, e,
                  fine, trap_err);
    devrun_unload(&r);
}

/* Under drives far beyond anything sensible the state still never leaves its bounds. */
ParameterizedTestParameters(device, state_stays_in_bounds_under_any_stimulus)
{ return model_indices(); }

ParameterizedTest(size_t *i, device, state_stays_in_bounds_under_any_stimulus)
{
    const device_type *T = device_types[*i];
    static const char *amps[] = {"stimulus.amplitude_V=5", "stimulus.amplitude_V=-5"};
    for (int a = 0; a < 2; a++) {
        char model[128];
        snprintf(model, sizeof model, "@device = { model = \"%s\"; };", T->name);
        const char *sets[] = {"stimulus.kind=\"pulse\"", amps[a], "stimulus.t_width_s=1e-3", "stimulus.t_period_s=2e-3",
                              "stimulus.n_pulses=3", "stimulus.r_series_ohm=50", "sim.method=\"bsimp\"",
                              "sim.rtol=1e-6", "sim.max_steps=200000", NULL};
        devrun r;
        devrun_load(&r, model, sets);
        int st = exp_device_run(&r.e, NULL);
        if (st == CIM_OK) {
            double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE];
            T->bounds(r.e.b.model, lo, hi);
            for (size_t j = 0; j < r.e.tr.n; j++)
                for (size_t k = 0; k < T->n_state; k++) {
                    double x = r.e.tr.x[j * T->n_state + k];
                    cr_assert(x >= lo[k] && x <= hi[k], "%s: state %zu = %g outside [%g, %g]", T->name, k, x, lo[k],
                              hi[k]);
                }
        } else {
            cr_expect_eq(st, CIM_ESIM, "%s: a failure is reported as a simulation failure", T->name);
        }
        devrun_unload(&r);
    }
}


/* A 1 ns pulse inside a 1 ms run with 11 output samples: the integrator must land on its edges.
 * VTEAM with no window and alpha_off = 1 moves at the constant rate k_off (v/v_off - 1), so the
 * state after a rectangular pulse is exactly k_off (v/v_off - 1) t_width. */
Test(device, pulse_edges_are_never_stepped_over)
{
    const char *sets[] = {"stimulus.kind=\"pulse\"", "stimulus.amplitude_V=0.5", "stimulus.t_width_s=1e-9",
                          "stimulus.t_rise_s=0", "stimulus.t_fall_s=0", "stimulus.t_delay_s=3.3e-4",
                          "stimulus.t_period_s=1e-3", "sim.t_stop_s=1e-3", "sim.n_points=11",
                          "device.vteam.x0_m=0", NULL};
    devrun r;
    devrun_load(&r, CIM_SRC "/configs/device/vteam.cfg", sets);
    devrun_simulate(&r);
    double x = r.e.tr.x[r.e.tr.n - 1];
    double want = 5e-4 * (0.5 / 0.02 - 1) * 1e-9;
    cr_expect(fabs(x - want) < 1e-9 * want, "x = %.17g, expected %.17g", x, want);
    devrun_unload(&r);
}

/* sim.spacing = "log": t = 0, then t_first_s to t_stop at one ratio, with the state on that grid exact.  VTEAM as
 * above under DC moves at a constant rate, so x(t) = k_off (v/v_off - 1) t at every sample, six decades apart. */
Test(device, log_grid_samples_at_equal_ratios)
{
    const char *sets[] = {"stimulus.kind=\"dc\"", "stimulus.amplitude_V=0.5", "sim.t_stop_s=1.37e-7",
                          "sim.spacing=\"log\"", "sim.t_first_s=1.37e-13", "sim.n_points=61",
                          "device.vteam.x0_m=0", NULL};
    devrun r;
    devrun_load(&r, CIM_SRC "/configs/device/vteam.cfg", sets);
    devrun_simulate(&r);
    const device_trace *tr = &r.e.tr;
    cr_assert_eq(tr->n, 61);
    cr_expect_eq(tr->t_s[0], 0.0);
    cr_expect_eq(tr->t_s[1], 1.37e-13, "first sample at t_first_s");
    cr_expect_eq(tr->t_s[60], 1.37e-7, "last sample exactly at t_stop");
    double ratio = pow(1e6, 1.0 / 59), rate = 5e-4 * (0.5 / 0.02 - 1);
    for (size_t k = 2; k < tr->n; k++)
        cr_expect(fabs(tr->t_s[k] / tr->t_s[k - 1] - ratio) < 1e-12, "sample %zu: ratio %.15g, expected %.15g", k,
                  tr->t_s[k] / tr->t_s[k - 1], ratio);
    for (size_t k = 1; k < tr->n; k++)
        cr_expect(fabs(tr->x[k] - rate * tr->t_s[k]) < 1e-9 * rate * tr->t_s[k], "sample %zu: x %.17g, rate t %.17g", k,
                  tr->x[k], rate * tr->t_s[k]);
    devrun_unload(&r);
}

/* With tau_th far below the stimulus time scale the thermal state follows the steady state
 * T = T_amb + |V I| R_th that NEEDS v1.0.0 uses (and that tau_th = 0 computes directly). */
Test(device, stanford_temperature_tracks_the_steady_state)
{
    devrun r;
    const char *sets[] = {"device.stanford_pku.tau_th_s=0.23e-9", "sim.method=\"bsimp\"", SPKU_NO_COMPLIANCE, NULL};
    devrun_load(&r, CIM_SRC "/configs/device/stanford_pku.cfg", sets);
    devrun_simulate(&r);
    const device_trace *tr = &r.e.tr;
    double worst = 0, rise_max = 0;
    for (size_t j = 0; j < tr->n; j++) {
        double T_ss = 298 + fabs(tr->p_W[j]) * 2.1e3;
        worst = fmax(worst, fabs(tr->x[j * 2 + 1] - T_ss));
        rise_max = fmax(rise_max, T_ss - 298);
    }
    cr_expect_gt(rise_max, 100, "the run heats the cell (by %g K)", rise_max);
    cr_expect_lt(worst, 1e-3 * rise_max, "max |T - T_ss| = %g K", worst);
    devrun_unload(&r);
}

Test(device, exhausted_step_budget_is_a_simulation_failure)
{
    const char *sets[] = {"sim.max_steps=5", NULL};
    devrun r;
    devrun_load(&r, CIM_SRC "/configs/device/hp_joglekar.cfg", sets);
    cr_expect_eq(exp_device_run(&r.e, NULL), CIM_ESIM);
    cr_expect(strstr(cim_errmsg(), "sim.max_steps = 5") != NULL, "%s", cim_errmsg());
    devrun_unload(&r);
}

/* ---- the array path ---------------------------------------------------------------------------- */

/* The fixed-step RK4 array update agrees with the adaptive integrator for a constant voltage. */
Test(device, array_step_matches_adaptive)
{
    devrun r;
    const char *sets[] = {"stimulus.kind=\"dc\"", "stimulus.amplitude_V=0.8", "sim.t_stop_s=0.05", "sim.rtol=1e-12",
                          NULL};
    devrun_load(&r, CIM_SRC "/configs/device/hp_joglekar.cfg", sets);
    devrun_simulate(&r);
    double want = r.e.tr.x[r.e.tr.n - 1];
    enum { N = 1000 };
    static double x[N], v[N], e[N];
    for (int c = 0; c < N; c++) {
        x[c] = 0.1;
        v[c] = 0.8;
        e[c] = 0;
    }
    for (int s = 0; s < 500; s++)
        device_step_array(&device_hp, r.e.b.model, 0, N, x, v, 300, 1e-4, e, NULL);
    for (int c = 0; c < N; c++)
        cr_assert(fabs(x[c] - want) < 1e-9, "cell %d: %.12g vs %.12g", c, x[c], want);
    cr_expect(fabs(e[0] - r.e.tr.e_J[r.e.tr.n - 1]) < 1e-7 * e[0], "energy %.9g vs %.9g", e[0],
              r.e.tr.e_J[r.e.tr.n - 1]);
    devrun_unload(&r);
}

/* ---- the state that reads a given conductance (device/inverse.h) ---------------------------------- */

/* For every model with a DC read: targets across its range (geometric steps between the two ends) come
 * back as the chord conductance of the returned state to 1e-9; a target outside the ends is refused with
 * the range; a model without a DC read is refused. */
Test(device, state_for_conductance_reads_back_the_target)
{
    const double T_K = 300.0, v_read_V = 0.1;
    for (size_t m = 0; device_types[m] != NULL; m++) {
        const device_type *T = device_types[m];
        double buf[512];
        cr_assert_leq(T->params->size, sizeof buf);
        const void *p = defaults_of(T, buf);
        double x[DEVICE_MAX_STATE];
        if (T->reactive && T->read_A == NULL) {
            cr_assert_eq(device_state_for_g(T, p, T_K, v_read_V, 1e-5, x), CIM_EINVAL, "%s", T->name);
            cr_assert(strstr(cim_errmsg(), "no DC read") != NULL, "%s: %s", T->name, cim_errmsg());
            continue;
        }
        double g0, g1;
        device_g_ends(T, p, T_K, v_read_V, &g0, &g1);
        double lo = fmin(g0, g1), hi = fmax(g0, g1);
        cr_log_info("%s: reads %.4g .. %.4g S at %g V", T->name, lo, hi, v_read_V);
        cr_assert(lo >= 0 && hi > lo * 1.5, "%s: ends %g .. %g S", T->name, g0, g1);
        lo = fmax(lo, 1e-3 * hi); /* a model whose stored state can read 0 S (Yakopcic at x = 0) */
        for (int k = 1; k < 8; k++) {
            double g = lo * pow(hi / lo, k / 8.0);
            cr_assert_eq(device_state_for_g(T, p, T_K, v_read_V, g, x), CIM_OK, "%s: %s", T->name, cim_errmsg());
            double got = device_read_A(T, p, x, v_read_V) / v_read_V;
            cr_assert_leq(fabs(got / g - 1), 1e-9, "%s: %g S read back as %g S", T->name, g, got);
        }
        cr_assert_eq(device_state_for_g(T, p, T_K, v_read_V, hi * 2, x), CIM_EINVAL, "%s", T->name);
        cr_assert(strstr(cim_errmsg(), "out of its reach") != NULL, "%s: %s", T->name, cim_errmsg());
    }
}

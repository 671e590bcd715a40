/* tests/test_array.c -- arrays of device cells (crossbar/array.h) and their programming (crossbar/program.h):
 * write-and-verify for every device family, failures reported, programming energy against an independent
 * integral of v i, half-select bias bookkeeping and disturb, D2D draws and seeds, PCM drift against its closed
 * form, the nonlinear-read adapter against the device and a finite difference, read noise and read energy. */
#include "core/cfg.h"
#include "core/param.h"
#include "core/status.h"
#include "crossbar/array.h"
#include "crossbar/program.h"
#include "device/integrate.h"
#include "device/stimulus.h"

#include "tests/devbind.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------------------------------------------- */

/* Loads the device (and its variability) from inline config text and makes an M x N array of it. */
static array *make(devbind *r, const char *text, size_t M, size_t N, uint64_t seed)
{
    devbind_load(r, text, NULL);
    array_opts o = array_opts_default();
    o.T_K = r->b.dev.T_K;
    o.v_read_V = r->b.dev.v_read_V;
    o.seed = seed;
    o.sim = r->sim;
    array *a = NULL;
    cr_assert_eq(array_new(&a, M, N, r->b.type, r->b.model, &r->b.var, &o), CIM_OK, "%s", cim_errmsg());
    return a;
}

static program_params prog_defaults(void)
{
    program_params p;
    param_defaults(&program_group, &p);
    return p;
}

/* Targets spread geometrically over [g_lo, g_hi], in a scrambled order so that neighbours differ. */
static void targets(double *g, size_t n, double g_lo, double g_hi)
{
    for (size_t k = 0; k < n; k++) {
        size_t q = (k * 7 + 3) % n;
        g[k] = g_lo * pow(g_hi / g_lo, n > 1 ? (double)q / (double)(n - 1) : 0.5);
    }
}

/* Every cell within tolerance at the end of its programming, by its noiseless conductance too. */
static void expect_converged(const array *a, const program_report *r, const double *g_t, const program_params *p,
                             const char *what)
{
    cr_expect_eq(r->n_programmed, a->n, "%s", what);
    cr_expect_eq(r->n_failed, 0, "%s: %zu failed cells", what, r->n_failed);
    for (size_t c = 0; c < a->n; c++) {
        cr_expect(r->ok[c], "%s: cell %zu failed (err %g after %d pulses)", what, c, r->err_final[c], r->iterations[c]);
        cr_expect_leq(fabs(r->g_final_S[c] - g_t[c]), p->tol_rel * g_t[c] * (1 + 1e-12), "%s: cell %zu err %g", what, c,
                      r->err_final[c]);
        cr_expect_leq(r->iterations[c], p->max_iter);
    }
    cr_expect_gt(r->e_write_total_J, 0.0, "%s", what);
    cr_expect_leq(r->iter_max, (double)p->max_iter);
    cr_log_info("%s: %zu cells, iterations mean %.1f max %.0f, write %.3g J (%.3g J/cell), verify reads %.3g J", what,
                r->n_programmed, r->iter_mean, r->iter_max, r->e_write_total_J, r->e_per_cell_J, r->e_read_total_J);
}

/* ---- write-and-verify, every family -------------------------------------------------------------------- */

Test(array, verify_converges_vteam_with_d2d_variation)
{
    devbind r;
    array *a = make(&r,
                    "@device = { model = \"vteam\"; };\n"
                    "variability = { d2d = { r_off_ohm = { dist = \"normal\"; sigma_rel = 0.1; };\n"
                    "                        k_on_m_per_s = { dist = \"lognormal\"; sigma_ln = 0.3; }; }; };",
                    8, 8, 11);
    program_params p = prog_defaults();
    p.v_raise_V = -0.21, p.v_raise_step_V = 0.005, p.v_raise_max_V = 0.6;
    p.v_lower_V = 0.05, p.v_lower_step_V = 0.01, p.v_lower_max_V = 0.6;
    p.noisy_verify = 0;
    double g_t[64];
    targets(g_t, 64, 1.5e-3, 15e-3);
    program_report rep;
    cr_assert_eq(program_array(a, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    expect_converged(a, &rep, g_t, &p, "vteam 8x8");
    cr_expect_gt(rep.n_fast, 0, "VTEAM without a window has a closed form");
    double e_log = 0;
    for (size_t q = 0; q < rep.n_log; q++)
        e_log += rep.log_e_J[q];
    cr_expect(fabs(e_log - rep.e_write_total_J) <= 1e-12 * e_log, "pulse log %g J, write total %g J", e_log,
              rep.e_write_total_J);
    program_report_free(&rep);
    array_free(a);
    devbind_unload(&r);
}

Test(array, verify_converges_yakopcic_through_the_integrator)
{
    devbind r;
    array *a = make(&r, "@device = { model = \"yakopcic\"; };", 4, 4, 3);
    program_params p = prog_defaults();
    p.v_raise_V = 0.8, p.v_raise_step_V = 0.02, p.v_raise_max_V = 1.5;
    p.v_lower_V = -0.8, p.v_lower_step_V = 0.02, p.v_lower_max_V = 1.5;
    p.t_width_s = 1e-6, p.t_gap_s = 1e-6;
    double g_t[16];
    targets(g_t, 16, 1.5e-3, 6e-3);
    program_report rep;
    cr_assert_eq(program_array(a, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    expect_converged(a, &rep, g_t, &p, "yakopcic 4x4");
    cr_expect_eq(rep.n_fast, 0, "Yakopcic has no closed form: every pulse integrated");
    program_report_free(&rep);
    array_free(a);
    devbind_unload(&r);
}

Test(array, verify_converges_pcm_unipolar_through_an_access_resistor)
{
    devbind r;
    array *a = make(&r, "@device = { model = \"pcm\"; pcm = { a0 = 1.0; }; };", 2, 3, 5);
    program_params p = prog_defaults();
    /* unipolar: partial SET raises G, melt-quench RESET lowers it (configs/device/pcm_pulses.cfg) */
    p.v_raise_V = 3.7, p.v_raise_step_V = 0, p.v_raise_max_V = 3.7;
    p.v_lower_V = 6.0, p.v_lower_step_V = 0, p.v_lower_max_V = 6.0;
    p.t_width_s = 100e-9, p.t_rise_s = 1e-9, p.t_gap_s = 100e-9, p.r_series_ohm = 50e3;
    p.max_iter = 200;
    double g_t[6];
    targets(g_t, 6, 2e-6, 15e-6);
    program_report rep;
    cr_assert_eq(program_array(a, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    expect_converged(a, &rep, g_t, &p, "pcm 2x3");
    program_report_free(&rep);
    array_free(a);
    devbind_unload(&r);
}

Test(array, verify_converges_fefet_by_gate_pulses)
{
    devbind r;
    array *a = make(&r,
                    "@device = { model = \"fefet\"; v_read_V = 0.05; fefet = { p0 = -1.0; }; };\n"
                    "variability = { d2d = { e_c_V_per_m = { dist = \"normal\"; sigma_rel = 0.03; }; }; };",
                    4, 4, 7);
    program_params p = prog_defaults();
    p.v_raise_V = 1.0, p.v_raise_step_V = 0.05, p.v_raise_max_V = 2.5;
    p.v_lower_V = -3.0, p.v_lower_step_V = 0, p.v_lower_max_V = 3.0;
    p.t_width_s = 100e-9, p.t_rise_s = 5e-9, p.t_gap_s = 1e-6;
    p.max_iter = 200;
    double g_t[16];
    targets(g_t, 16, 1e-7, 1e-5);
    program_report rep;
    cr_assert_eq(program_array(a, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    expect_converged(a, &rep, g_t, &p, "fefet 4x4");
    program_report_free(&rep);
    array_free(a);
    devbind_unload(&r);
}

Test(array, verify_with_read_noise_still_lands_within_tolerance_of_the_noisy_reads)
{
    devbind r;
    array *a = make(&r,
                    "@device = { model = \"vteam\"; };\n"
                    "variability = { read = { bandwidth_Hz = 1e8; flicker_K = 1e-5; }; };",
                    4, 4, 13);
    program_params p = prog_defaults();
    p.v_raise_V = -0.21, p.v_raise_step_V = 0.005, p.v_raise_max_V = 0.6;
    p.v_lower_V = 0.05, p.v_lower_step_V = 0.01, p.v_lower_max_V = 0.6;
    double g_t[16];
    targets(g_t, 16, 2e-3, 12e-3);
    program_report rep;
    cr_assert_eq(program_array(a, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(rep.n_failed, 0);
    /* The verify passed on a noisy read; the state itself is within the tolerance plus a few read sigmas. */
    for (size_t c = 0; c < 16; c++) {
        double s = variability_read_sigma_A(&a->var.read, g_t[c] * a->v_read_V, a->v_read_V, a->T_K) / a->v_read_V;
        cr_expect_leq(fabs(rep.g_final_S[c] - g_t[c]), p.tol_rel * g_t[c] + 5 * s, "cell %zu", c);
    }
    program_report_free(&rep);
    array_free(a);
    devbind_unload(&r);
}

Test(array, unreachable_targets_are_reported_as_failed_cells)
{
    devbind r;
    array *a = make(&r, "@device = { model = \"vteam\"; };", 3, 3, 1);
    program_params p = prog_defaults();
    p.v_raise_V = -0.21, p.v_raise_step_V = 0.005, p.v_raise_max_V = 0.6;
    p.v_lower_V = 0.05, p.v_lower_step_V = 0.01, p.v_lower_max_V = 0.6;
    p.max_iter = 60;
    /* R_on = 50 ohm: no VTEAM cell conducts more than 20 mS.  Cell 4 asks for 40 mS, cell 0 for 0.5 mS
     * (R_off = 1 kohm: 1 mS is the floor); the others are reachable. */
    double g_t[9];
    targets(g_t, 9, 2e-3, 10e-3);
    g_t[4] = 40e-3;
    g_t[0] = 0.5e-3;
    g_t[8] = NAN; /* left alone */
    double g8 = array_g_cell(a, 8);
    program_report rep;
    cr_assert_eq(program_array(a, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(rep.n_programmed, 8);
    cr_expect_eq(rep.n_failed, 2, "two unreachable targets, %zu failures", rep.n_failed);
    cr_expect(!rep.ok[4] && !rep.ok[0], "the unreachable cells are flagged");
    cr_expect_eq(rep.iterations[4], p.max_iter, "the cap was spent");
    cr_expect_eq(rep.iterations[0], p.max_iter);
    cr_expect_lt(rep.err_final[4], -0.4, "reported with its error (%g)", rep.err_final[4]);
    cr_expect_gt(rep.err_final[0], 0.4, "reported with its error (%g)", rep.err_final[0]);
    cr_expect_gt(rep.e_write_J[4], 0.0, "failed cells still cost energy");
    for (size_t c = 1; c < 8; c++)
        if (c != 4)
            cr_expect(rep.ok[c], "cell %zu", c);
    cr_expect(!rep.programmed[8]);
    cr_expect_eq(array_g_cell(a, 8), g8, "a NaN target leaves the cell alone");
    program_report_free(&rep);
    double bad[9] = {1e-3, 1e-3, -1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3};
    cr_expect_eq(program_array(a, &p, bad, 0.0, &rep), CIM_EINVAL, "a negative target is bad input");
    program_report_free(&rep);
    array_free(a);
    devbind_unload(&r);
}

Test(array, feram_has_no_dc_read_and_is_refused)
{
    devbind r;
    devbind_load(&r, "@device = { model = \"feram\"; };", NULL);
    array_opts o = array_opts_default();
    array *a = NULL;
    cr_expect_eq(array_new(&a, 2, 2, r.b.type, r.b.model, &r.b.var, &o), CIM_EINVAL);
    cr_expect_null(a);
    cr_expect(strstr(cim_errmsg(), "no DC read") != NULL, "%s", cim_errmsg());
    devbind_unload(&r);
}

Test(array, open_loop_hits_calibrated_levels_on_identical_cells)
{
    devbind r;
    array *a = make(&r, "@device = { model = \"vteam\"; vteam = { x0_m = 3e-9; }; };", 2, 2, 1);
    program_params p = prog_defaults();
    p.method = PROGRAM_OPEN_LOOP;
    p.v_raise_V = -0.21;
    p.n_cal_pulses = 200;
    /* Calibrated levels are hit exactly by identical cells: probe them through a 1 x 1 array. */
    array_opts o = array_opts_default();
    array *probe = NULL;
    cr_assert_eq(array_new(&probe, 1, 1, r.b.type, r.b.model, NULL, &o), CIM_OK);
    array_pulse_shape sh = {p.t_width_s, 0, p.t_gap_s, 0, 1};
    double lv[4];
    for (int k = 1, q = 0; k <= 120; k++) {
        cr_assert_eq(array_pulse(probe, 0, p.v_raise_V, &sh, 0, 1, NULL, NULL), CIM_OK);
        if (k == 10 || k == 40 || k == 80 || k == 120)
            lv[q++] = array_g_cell(probe, 0);
    }
    program_report rep;
    cr_assert_eq(program_array(a, &p, lv, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(rep.n_failed, 0);
    cr_expect_eq(rep.iterations[0], 10);
    cr_expect_eq(rep.iterations[3], 120);
    for (size_t c = 0; c < 4; c++)
        cr_expect(fabs(rep.g_final_S[c] - lv[c]) <= 1e-12 * lv[c], "cell %zu: %g vs %g", c, rep.g_final_S[c], lv[c]);
    program_report_free(&rep);
    array_free(a);
    array_free(probe);
    devbind_unload(&r);
}

/* ---- device-to-device draws and seeds ------------------------------------------------------------------- */

static const char *const d2d_text = "@device = { model = \"vteam\"; };\n"
                                    "variability = { d2d = { r_off_ohm = { dist = \"normal\"; sigma_rel = 0.1; }; }; };";

Test(array, d2d_parameters_differ_per_cell_and_follow_the_seed)
{
    devbind r1, r2, r3, r0;
    array *a = make(&r1, d2d_text, 4, 4, 42), *b = make(&r2, d2d_text, 4, 4, 42), *c = make(&r3, d2d_text, 4, 4, 43);
    array *z = make(&r0, "@device = { model = \"vteam\"; };", 4, 4, 42);
    size_t ps = a->T->params->size, n = a->n, distinct = 0;
    for (size_t k = 1; k < n; k++) {
        distinct += memcmp(array_p(a, k), array_p(a, 0), ps) != 0;
        cr_expect_eq(memcmp(array_p(z, k), array_p(z, 0), ps), 0, "no variation: cell %zu equals cell 0", k);
        cr_expect_eq(array_g_cell(z, k), array_g_cell(z, 0));
    }
    cr_expect_eq(distinct, n - 1, "with variation every cell has its own parameters");
    cr_expect_eq(memcmp(a->p, b->p, n * a->p_size), 0, "same seed: the same parameters");
    cr_expect_eq(memcmp(a->x, b->x, n * a->n_state * sizeof(double)), 0, "same seed: the same states");
    size_t differ = 0;
    for (size_t k = 0; k < n; k++)
        differ += memcmp(array_p(a, k), array_p(c, k), ps) != 0;
    cr_expect_eq(differ, n, "another seed: other draws (%zu of %zu differ)", differ, n);
    /* the conductances spread as the drawn R_off does: at x0 = x_off/2 G = 1/(R_on + (R_off - R_on)/2) */
    double gmin = INFINITY, gmax = 0;
    for (size_t k = 0; k < n; k++)
        gmin = fmin(gmin, array_g_cell(a, k)), gmax = fmax(gmax, array_g_cell(a, k));
    cr_expect_gt(gmax / gmin, 1.05, "G spreads (%g .. %g)", gmin, gmax);
    array_free(a), array_free(b), array_free(c), array_free(z);
    devbind_unload(&r1), devbind_unload(&r2), devbind_unload(&r3), devbind_unload(&r0);
}

Test(array, stuck_faults_come_from_the_model_variability)
{
    devbind r;
    array *a = make(&r, "@device = { model = \"vteam\"; };\nvariability = { p_stuck_on = 0.3; p_stuck_off = 0.2; };", 8,
                    8, 9);
    size_t on = 0, off = 0;
    double g_on = 1.0 / 50.0, g_off = 1.0 / 1000.0;
    for (size_t c = 0; c < a->n; c++) {
        on += a->stuck[c] > 0;
        off += a->stuck[c] < 0;
        if (a->stuck[c] > 0)
            cr_expect(fabs(array_g_cell(a, c) - g_on) < 1e-12, "stuck ON at R_on");
        if (a->stuck[c] < 0)
            cr_expect(fabs(array_g_cell(a, c) - g_off) < 1e-12, "stuck OFF at R_off");
    }
    cr_expect(on > 8 && on < 32 && off > 4 && off < 24, "%zu on, %zu off of 64", on, off);
    /* a stuck cell cannot be programmed: write-and-verify reports it */
    program_params p = prog_defaults();
    p.max_iter = 20;
    double g_t[64];
    for (size_t c = 0; c < 64; c++)
        g_t[c] = 5e-3;
    program_report rep;
    cr_assert_eq(program_array(a, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    for (size_t c = 0; c < 64; c++)
        if (a->stuck[c])
            cr_expect(!rep.ok[c], "stuck cell %zu reported failed", c);
    cr_expect_geq(rep.n_failed, on + off);
    program_report_free(&rep);
    array_free(a);
    devbind_unload(&r);
}

/* ---- drift ---------------------------------------------------------------------------------------------- */

Test(array, pcm_drift_follows_the_power_law_of_its_age)
{
    devbind r;
    /* An amorphous plug behind a 1 ohm series resistance: at 0.1 V the cell's conductance is the amorphous
     * subthreshold conductance, I_0 exp(-E_ac/kT) (age/t_0)^-nu sinh(...) / v, so it drifts with the full
     * exponent nu = 0.1. */
    array *a = make(&r, "@device = { model = \"pcm\"; pcm = { a0 = 1.0; r_c_ohm = 1.0; age0_s = 1e-6; }; };", 2, 2, 1);
    const double nu = 0.1, age0 = 1e-6, t[] = {1.0, 10.0, 1e3, 1e5};
    double g[4][4];
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(array_read_g(a, t[k], 0, g[k], NULL), CIM_OK, "%s", cim_errmsg());
        for (size_t c = 0; c < 4; c++) {
            double age = array_x(a, c)[3];
            cr_expect(fabs(age - (age0 + t[k])) <= 1e-6 * (age0 + t[k]), "age %g at t = %g", age, t[k]);
            cr_expect(fabs(array_age_s(a, c, t[k]) - t[k]) < 1e-12, "time since programming");
        }
    }
    for (int k = 1; k < 4; k++)
        for (size_t c = 0; c < 4; c++) {
            double want = pow((age0 + t[k]) / (age0 + t[0]), -nu);
            cr_expect(fabs(g[k][c] / g[0][c] - want) <= 1e-4 * want, "t = %g: G(t)/G(1 s) = %.8g, (t/t1)^-nu = %.8g",
                      t[k], g[k][c] / g[0][c], want);
        }
    cr_log_info("PCM drift: G(1e5 s)/G(1 s) = %.6f, closed form %.6f", g[3][0] / g[0][0],
                pow((age0 + 1e5) / (age0 + 1.0), -nu));
    array_free(a);
    devbind_unload(&r);
}

Test(array, pcm_drift_restarts_at_programming)
{
    devbind r;
    /* SET cell (a0 = 0), RESET by one melt-quench pulse at t = 1 s: its age restarts, and reads later follow
     * the time since that pulse, not since the array was made. */
    array *a = make(&r, "@device = { model = \"pcm\"; pcm = { a0 = 0.0; }; };", 1, 2, 1);
    array_pulse_shape sh = {100e-9, 1e-9, 100e-9, 50e3, 1};
    cr_assert_eq(array_pulse(a, 0, 6.0, &sh, 1.0, 1, NULL, NULL), CIM_OK, "%s", cim_errmsg());
    double t_p = a->t_prog_s[0];
    cr_expect(fabs(t_p - (1.0 + array_pulse_period_s(&sh))) < 1e-15);
    cr_expect_eq(a->t_prog_s[1], 0.0, "the other cell was not programmed");
    double g1, g2;
    cr_assert_eq(array_read_cell(a, 0, t_p + 10.0, 0, &g1, NULL), CIM_OK, "%s", cim_errmsg());
    double age1 = array_x(a, 0)[3];
    cr_assert_eq(array_read_cell(a, 0, t_p + 1e4, 0, &g2, NULL), CIM_OK, "%s", cim_errmsg());
    double age2 = array_x(a, 0)[3];
    cr_expect(array_x(a, 0)[0] > 0.5, "the pulse left an amorphous plug (a = %g)", array_x(a, 0)[0]);
    cr_expect(fabs(age2 - age1 - (1e4 - 10.0)) < 1e-6 * 1e4, "the age runs with the clock");
    cr_expect_lt(age1, 11.0, "age counted from the quench (%g s), not from t = 0", age1);
    cr_expect_lt(g2, g1, "the RESET cell drifts down");
    array_free(a);
    devbind_unload(&r);
}

/* ---- reads ---------------------------------------------------------------------------------------------- */

static void check_adapter(const char *text, const double *v, size_t nv)
{
    devbind r;
    array *a = make(&r, text, 2, 3, 5);
    array_cells ac;
    array_cells_init(&ac, a, NULL);
    double eps[6] = {0.01, -0.02, 0.03, 0.0, 0.05, -0.01};
    array_cells acn;
    array_cells_init(&acn, a, eps);
    for (size_t q = 0; q < nv; q++) {
        double vv[6], i[6], g[6], in[6], gn[6];
        for (size_t c = 0; c < 6; c++)
            vv[c] = v[q] * (1.0 + 0.1 * (double)c);
        ac.cells.eval(ac.cells.ctx, 0, 6, vv, i, g);
        acn.cells.eval(acn.cells.ctx, 0, 6, vv, in, gn);
        for (size_t c = 0; c < 6; c++) {
            const void *p = array_p(a, c);
            const double *x = array_x(a, c);
            double want = device_read_A(a->T, p, x, vv[c]);
            cr_expect_eq(i[c], want, "%s: i(%g V) is the device's read current", a->T->name, vv[c]);
            double h = 1e-4 * fmax(fabs(vv[c]), 0.01); /* an independent, coarser difference */
            double fd = (device_read_A(a->T, p, x, vv[c] + h) - device_read_A(a->T, p, x, vv[c] - h)) / (2 * h);
            cr_expect(fabs(g[c] - fd) <= 1e-5 * fabs(fd), "%s: di/dv at %g V: %.10g vs %.10g", a->T->name, vv[c], g[c],
                      fd);
            cr_expect_gt(g[c], 0.0);
            cr_expect(fabs(in[c] - (1 + eps[c]) * want) <= 1e-15 * fabs(want), "noise scales the current");
        }
        /* a sub-range of cells: k0 offsets into the array */
        double i2[2];
        ac.cells.eval(ac.cells.ctx, 4, 2, vv + 4, i2, NULL);
        cr_expect_eq(i2[0], i[4]);
        cr_expect_eq(i2[1], i[5]);
    }
    array_free(a);
    devbind_unload(&r);
}

Test(array, nonlinear_adapter_matches_the_device_and_a_finite_difference)
{
    const double v[] = {-0.3, -0.05, 0.02, 0.137, 0.4};
    check_adapter("@device = { model = \"yakopcic\"; };", v, 5);             /* sinh I-V */
    check_adapter("@device = { model = \"stanford_pku\"; };", v, 5);         /* tunnelling gap */
    check_adapter("@device = { model = \"pcm\"; pcm = { a0 = 0.7; }; };", v, 5); /* series R + sinh plug */
    const double vd[] = {0.01, 0.05, 0.1};
    check_adapter("@device = { model = \"fefet\"; v_read_V = 0.05; };", vd, 3); /* channel read */
}

Test(array, read_noise_has_the_configured_spread_and_reads_cost_energy)
{
    devbind r;
    array *a = make(&r,
                    "@device = { model = \"vteam\"; };\n"
                    "variability = { read = { bandwidth_Hz = 1e9; flicker_K = 1e-4; }; };",
                    16, 16, 3);
    size_t n = a->n;
    double g[256], g_true = array_g_cell(a, 0), s = 0, m = 0;
    double e_read = 0;
    cr_assert_eq(array_read_g(a, 0.0, 1, g, &e_read), CIM_OK);
    for (size_t c = 0; c < n; c++)
        m += g[c] / (double)n;
    for (size_t c = 0; c < n; c++)
        s += (g[c] - m) * (g[c] - m) / (double)(n - 1);
    double sigma = variability_read_sigma_A(&a->var.read, g_true * a->v_read_V, a->v_read_V, a->T_K) / a->v_read_V;
    cr_expect(fabs(sqrt(s) / sigma - 1) < 0.15, "spread %g S, expected %g S", sqrt(s), sigma);
    cr_expect(fabs(m - g_true) < 4 * sigma / 16, "unbiased");
    double e_want = (double)n * a->v_read_V * a->v_read_V * g_true * a->t_read_s;
    cr_expect(fabs(e_read - e_want) <= 1e-12 * e_want, "read energy %g J, expected %g J", e_read, e_want);
    double g0[256];
    cr_assert_eq(array_read_g(a, 0.0, 0, g0, NULL), CIM_OK);
    for (size_t c = 0; c < n; c++)
        cr_expect_eq(g0[c], g_true, "a noiseless read is the state's conductance");
    double eps[256];
    array_read_noise_draw(a, eps);
    size_t nz = 0;
    for (size_t c = 0; c < n; c++)
        nz += eps[c] != 0;
    cr_expect_eq(nz, n, "per-read relative noise for the circuit adapter");
    array_free(a);
    devbind_unload(&r);
}

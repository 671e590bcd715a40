/* tests/test_program.c -- programming energy against an independent integral of v i over every pulse, and the
 * half-select schemes: the voltages the unselected cells see, and the disturbance they cause on a threshold
 * device (VTEAM) above and below its threshold. */
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

/* ---- energy ------------------------------------------------------------------------------------------------ */

/* The energy of a plateau of v_V for w_s on state x (advanced), by the trapezoid rule over a dense trace of the
 * adaptive integrator: an integral of the sampled v i, independent of the closed form and of the integrator's
 * own energy component. */
static double trapz_energy(const array *a, size_t c, double *x, double v_V, double w_s)
{
    stimulus_params sp;
    param_defaults(&stimulus_group, &sp);
    sp.kind = STIM_DC;
    sp.amplitude_V = v_V;
    stimulus s;
    cr_assert_eq(stimulus_init(&s, &sp, NULL), CIM_OK);
    sim_params sim;
    param_defaults(&sim_group, &sim);
    sim.t_stop_s = w_s;
    sim.n_points = 4001;
    sim.rtol = 1e-11;
    device_trace tr;
    device_sim_opts opt = {a->lo + c * a->n_state, a->hi + c * a->n_state, 0, NULL, NULL, NULL, 0};
    cr_assert_eq(device_simulate(a->T, array_p(a, c), a->T_K, x, &s, &sim, NULL, &opt, &tr, NULL), CIM_OK, "%s",
                 cim_errmsg());
    double e = 0;
    for (size_t k = 1; k < tr.n; k++)
        e += 0.5 * (tr.t_s[k] - tr.t_s[k - 1]) * (tr.v_V[k] * tr.i_A[k] + tr.v_V[k - 1] * tr.i_A[k - 1]);
    device_trace_free(&tr);
    stimulus_destroy(&s);
    return e;
}

/* Programs a small array, then replays every logged pulse on a twin array (same seed: the same cells) and
 * integrates v i over each; the report, the pulse log and the array's tally must all agree with it.  The
 * models here do not move at 0 V, so the gaps dissipate nothing and leave the state as it is. */
static void check_energy(const char *text, const program_params *p, double g_lo, double g_hi, int want_fast)
{
    devbind r1, r2;
    array *a = make(&r1, text, 2, 2, 21), *twin = make(&r2, text, 2, 2, 21);
    double g_t[4] = {g_lo, g_hi, sqrt(g_lo * g_hi), g_hi * 0.8};
    program_report rep;
    cr_assert_eq(program_array(a, p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    cr_assert_gt(rep.n_log, 8, "enough pulses to test (%zu)", rep.n_log);
    cr_expect_eq(rep.n_fast > 0, want_fast, "closed form used: %zu pulses", rep.n_fast);
    double per_cell[4] = {0}, total = 0;
    for (size_t q = 0; q < rep.n_log; q++) {
        size_t c = rep.log_cell[q];
        double e = trapz_energy(twin, c, array_x(twin, c), rep.log_v_V[q], rep.log_width_s[q]);
        cr_expect(fabs(e - rep.log_e_J[q]) <= 2e-4 * fabs(e) + 1e-22, "pulse %zu: %g J logged, %g J integrated", q,
                  rep.log_e_J[q], e);
        per_cell[c] += e;
        total += e;
    }
    for (size_t c = 0; c < 4; c++) {
        cr_expect(fabs(per_cell[c] - rep.e_write_J[c]) <= 2e-4 * per_cell[c], "cell %zu: %g J reported, %g J integrated",
                  c, rep.e_write_J[c], per_cell[c]);
        cr_expect(fabs(array_g_cell(twin, c) - rep.g_final_S[c]) <= 1e-6 * rep.g_final_S[c],
                  "the replay reaches the same state");
    }
    cr_expect(fabs(total - rep.e_write_total_J) <= 2e-4 * total, "%g vs %g", total, rep.e_write_total_J);
    cr_log_info("%s: %zu pulses, %.6g J reported, %.6g J integrated", r1.b.type->name, rep.n_log, rep.e_write_total_J,
                total);
    program_report_free(&rep);
    array_free(a);
    array_free(twin);
    devbind_unload(&r1);
    devbind_unload(&r2);
}

Test(program, energy_equals_the_integral_of_v_i_closed_form_vteam)
{
    program_params p;
    param_defaults(&program_group, &p);
    p.v_raise_V = -0.21, p.v_raise_step_V = 0.005, p.v_raise_max_V = 0.6;
    p.v_lower_V = 0.05, p.v_lower_step_V = 0.01, p.v_lower_max_V = 0.6;
    p.noisy_verify = 0;
    check_energy("@device = { model = \"vteam\"; };", &p, 2e-3, 12e-3, 1);
}

Test(program, energy_equals_the_integral_of_v_i_integrated_yakopcic)
{
    program_params p;
    param_defaults(&program_group, &p);
    p.v_raise_V = 0.8, p.v_raise_step_V = 0.02, p.v_raise_max_V = 1.5;
    p.v_lower_V = -0.8, p.v_lower_step_V = 0.02, p.v_lower_max_V = 1.5;
    p.t_width_s = 1e-6, p.t_gap_s = 1e-6;
    check_energy("@device = { model = \"yakopcic\"; };", &p, 1.5e-3, 5e-3, 0);
}

/* ---- half-select ------------------------------------------------------------------------------------------- */

Test(program, half_select_bias_puts_v2_and_v3_where_the_schemes_say)
{
    enum { M = 4, N = 5 };
    double v[M * N], vw = -0.9;
    size_t si = 1, sj = 3;
    program_bias(HALF_SELECT_V3, M, N, si, sj, vw, v);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double want = (i == si && j == sj) ? vw : (i == si || j == sj) ? vw / 3 : -vw / 3;
            cr_expect(fabs(v[i * N + j] - want) <= 1e-15, "V/3 (%zu,%zu): %.17g vs %.17g", i, j, v[i * N + j], want);
            if (!(i == si && j == sj))
                cr_expect_leq(fabs(v[i * N + j]), fabs(vw) / 3 * (1 + 1e-15), "no unselected cell above V/3");
        }
    program_bias(HALF_SELECT_V2, M, N, si, sj, vw, v);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double want = (i == si && j == sj) ? vw : (i == si || j == sj) ? vw / 2 : 0.0;
            cr_expect_eq(v[i * N + j], want, "V/2 (%zu,%zu)", i, j);
        }
    program_bias(HALF_SELECT_NONE, M, N, si, sj, vw, v);
    for (size_t k = 0; k < M * N; k++)
        cr_expect_eq(v[k], k == si * N + sj ? vw : 0.0);
}

/* A VTEAM with symmetric thresholds of +-0.2 V (and symmetric rates), 3 x 3 cells at mid state. */
static const char *const sym_vteam = "@device = { model = \"vteam\"; vteam = { v_off_V = 0.2; k_off_m_per_s = 10.0; "
                                     "alpha_off = 3.0; }; };";

/* One programming pulse of v_w on cell (0, 0) under scheme hs: the conductance change of every cell. */
static void one_pulse(int hs, double v_w, double *dg, double *v_cell, double *e_dist)
{
    devbind r;
    array *a = make(&r, sym_vteam, 3, 3, 1);
    program_params p;
    param_defaults(&program_group, &p);
    p.half_select = hs;
    double g0[9], e = 0, dgs[9] = {0};
    for (size_t c = 0; c < 9; c++)
        g0[c] = array_g_cell(a, c), e_dist[c] = 0;
    cr_assert_eq(program_pulse(a, &p, 0, 0, v_w, p.t_width_s, 0.0, v_cell, &e, e_dist, dgs, NULL, NULL), CIM_OK, "%s",
                 cim_errmsg());
    for (size_t c = 0; c < 9; c++) {
        dg[c] = array_g_cell(a, c) - g0[c];
        if (c != 0)
            cr_expect(fabs(dgs[c] - dg[c]) <= 1e-12 * g0[c], "the report's dg is the change (cell %zu)", c);
    }
    cr_expect_gt(e, 0);
    array_free(a);
    devbind_unload(&r);
}

Test(program, v3_disturbs_less_than_v2_and_nothing_below_threshold)
{
    double dg2[9], dg3[9], v2[9], v3[9], e2[9], e3[9];
    /* -0.7 V: V/2 = -0.35 V and V/3 = -0.233 V both pass the -0.2 V threshold */
    one_pulse(HALF_SELECT_V2, -0.7, dg2, v2, e2);
    one_pulse(HALF_SELECT_V3, -0.7, dg3, v3, e3);
    cr_expect_eq(v3[1], -0.7 - 2 * -0.7 / 3, "row-mate under V/3 sees V/3");
    cr_expect(fabs(v3[1] - -0.7 / 3) < 1e-15);
    cr_expect(fabs(v3[3] - -0.7 / 3) < 1e-15, "column-mate under V/3 sees V/3");
    cr_expect(fabs(v3[4] - 0.7 / 3) < 1e-15, "others see -V/3");
    cr_expect_eq(v2[1], -0.35);
    cr_expect_eq(v2[4], 0.0);
    for (size_t c = 1; c < 9; c++) {
        int on_line = c / 3 == 0 || c % 3 == 0;
        if (on_line) {
            cr_expect_gt(dg2[c], 0.0, "cell %zu: SET disturb under V/2 (%g S)", c, dg2[c]);
            cr_expect_gt(dg3[c], 0.0, "cell %zu: SET disturb under V/3 (%g S)", c, dg3[c]);
            cr_expect_lt(dg3[c], dg2[c], "cell %zu: V/3 (%g S) < V/2 (%g S)", c, dg3[c], dg2[c]);
        } else {
            cr_expect_eq(dg2[c], 0.0, "cell %zu: no stress under V/2", c);
            cr_expect_lt(dg3[c], 0.0, "cell %zu: +V/3 = 0.233 V > v_off: a RESET disturb (%g S)", c, dg3[c]);
            cr_expect_gt(e3[c], 0.0);
        }
    }
    cr_log_info("V/2 -0.7 V: row-mate dG %.4g S; V/3: row-mate %.4g S, off-line %.4g S", dg2[1], dg3[1], dg3[4]);
    /* -0.55 V: V/2 = -0.275 V still disturbs, V/3 = -0.183 V is below threshold */
    one_pulse(HALF_SELECT_V2, -0.55, dg2, v2, e2);
    one_pulse(HALF_SELECT_V3, -0.55, dg3, v3, e3);
    for (size_t c = 1; c < 9; c++) {
        cr_expect_eq(dg3[c], 0.0, "cell %zu: |V/3| = 0.183 V below threshold: no disturb (%g S)", c, dg3[c]);
        if (c / 3 == 0 || c % 3 == 0) {
            cr_expect_gt(dg2[c], 0.0, "cell %zu", c);
            cr_expect_gt(e3[c], 0.0, "a stressed cell still dissipates");
        }
    }
    /* -0.35 V: V/2 = -0.175 V below threshold: no disturb at all */
    one_pulse(HALF_SELECT_V2, -0.35, dg2, v2, e2);
    for (size_t c = 1; c < 9; c++)
        cr_expect_eq(dg2[c], 0.0, "cell %zu", c);
    double dg0[9], v0[9], e0[9];
    one_pulse(HALF_SELECT_NONE, -0.7, dg0, v0, e0);
    for (size_t c = 1; c < 9; c++)
        cr_expect(dg0[c] == 0.0 && e0[c] == 0.0, "no scheme, no stress");
}

Test(program, campaign_reports_the_disturbance_of_earlier_cells)
{
    devbind r;
    /* MemTorch's VTEAM: v_off = 0.02 V, so the V/2 of every RESET pulse above 0.04 V disturbs */
    array *a = make(&r, "@device = { model = \"vteam\"; };", 3, 3, 2);
    program_params p;
    param_defaults(&program_group, &p);
    p.v_raise_V = -0.21, p.v_raise_step_V = 0.005, p.v_raise_max_V = 0.6;
    p.v_lower_V = 0.05, p.v_lower_step_V = 0.01, p.v_lower_max_V = 0.6;
    p.half_select = HALF_SELECT_V2;
    p.noisy_verify = 0;
    double g_t[9];
    for (size_t c = 0; c < 9; c++)
        g_t[c] = 2e-3 + 1e-3 * (double)c;
    program_report rep;
    cr_assert_eq(program_array(a, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    cr_expect_gt(rep.e_disturb_total_J, 0.0);
    cr_expect_gt(rep.dg_disturb_max_rel, 0.0, "V/2 of the RESET pulses passes v_off");
    /* V/2 stresses the other cells of the selected row and column: 4 of a 3 x 3 array per pulse */
    cr_expect_eq(rep.n_disturbs, 4 * rep.n_log, "%zu cell-pulses of stress for %zu pulses", rep.n_disturbs, rep.n_log);
    cr_expect_eq(rep.n_verify_reads, rep.n_log + 9, "one verify read before every pulse and one final read per cell");
    /* g_end differs from g_final exactly by the disturbance received after the cell was programmed. */
    size_t moved = 0;
    for (size_t c = 0; c < 9; c++)
        moved += fabs(rep.g_end_S[c] - rep.g_final_S[c]) > 1e-9 * g_t[c];
    cr_expect_gt(moved, 0, "cells programmed early are moved by later ones");
    cr_expect_eq(fabs(rep.g_end_S[8] - rep.g_final_S[8]) <= 1e-15, 1, "the last cell sees no later pulse");
    cr_log_info("V/2 campaign: max |dG|/G %.3g, %zu of 9 out of tolerance at the end, disturb %.3g J vs write %.3g J",
                rep.dg_disturb_max_rel, rep.n_out_of_tol_end, rep.e_disturb_total_J, rep.e_write_total_J);
    program_report_free(&rep);
    array_free(a);
    devbind_unload(&r);
}

/* tests/test_xbar.c -- the physical array object (crossbar/xbar.h) and the energy tally (energy/tally.h).
 *
 *  - the tally: totals are the sums of their parts, merges add, compensated sums stay exact;
 *  - read paths: the sum, the per-cell I-V, the linear and the Newton circuit agree as the wires vanish, and the
 *    per-cell path equals an independent sum of cell_series_i over the cells;
 *  - read energy: with perfect wires and linear cells sum_ij v_i^2 G_ij t_read; with wires the energy through the
 *    effective matrix (v^T Y v) equals the energy of the solve, which equals the dissipation of every cell and
 *    wire segment computed here from the node voltages;
 *  - batches: the same currents and energy as one read at a time;
 *  - device cells: the programming energy in the tally is the campaign's. */
#include "core/cfg.h"
#include "core/status.h"
#include "crossbar/ideal.h"
#include "crossbar/xbar.h"
#include "device/device.h"
#include "energy/tally.h"
#include "tests/devbind.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tally --------------------------------------------------------------------------------------- */

Test(tally, total_is_the_sum_of_the_categories_and_merge_adds)
{
    energy_tally a = {0}, b;
    energy_tally_zero(&b);
    double want = 0;
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++) {
        energy_tally_add(&a, k, 1e-12 * (k + 1), (uint64_t)k + 2);
        energy_tally_add(&b, k, 3e-15 * (k + 1), 1);
        want += 1e-12 * (k + 1) + 3e-15 * (k + 1);
    }
    energy_tally m = a;
    energy_tally_merge(&m, &b);
    double parts = 0;
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++) {
        parts += energy_tally_J(&m, k);
        cr_expect_eq(energy_tally_n(&m, k), (uint64_t)k + 3);
        cr_expect(fabs(energy_tally_J(&m, k) - (energy_tally_J(&a, k) + energy_tally_J(&b, k))) <= 1e-28);
    }
    cr_expect(fabs(energy_tally_total_J(&m) - parts) <= 1e-15 * parts, "total %.17g, parts %.17g",
              energy_tally_total_J(&m), parts);
    cr_expect(fabs(energy_tally_total_J(&m) - want) <= 1e-15 * want);
    energy_tally_add(&m, ENERGY_N_CATEGORIES, 1.0, 1); /* out of range: ignored */
    energy_tally_add(&m, -1, 1.0, 1);
    cr_expect(fabs(energy_tally_total_J(&m) - parts) <= 1e-15 * parts);
    json_t *j = energy_tally_json(&m);
    cr_expect(fabs(json_real_value(json_object_get(j, "total_J")) - parts) <= 1e-15 * parts);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "adc"), "events")), ENERGY_ADC + 3);
    json_decref(j);
}

Test(tally, a_billion_small_terms_on_a_large_one_are_not_lost)
{
    /* 1 J then 10^6 reads of 1e-17 J: a plain double sum keeps 1 J (each term is below half an ulp of 1);
     * the compensated sum keeps 1 + 1e-11 J. */
    energy_tally t = {0};
    energy_tally_add(&t, ENERGY_READ, 1.0, 1);
    double plain = 1.0;
    for (int k = 0; k < 1000000; k++) {
        energy_tally_add(&t, ENERGY_READ, 1e-17, 1);
        plain += 1e-17;
    }
    cr_expect_eq(plain, 1.0, "the naive sum loses every term");
    cr_expect(fabs(energy_tally_J(&t, ENERGY_READ) - (1.0 + 1e-11)) <= 1e-16, "%.17g",
              energy_tally_J(&t, ENERGY_READ));
    cr_expect_eq(energy_tally_n(&t, ENERGY_READ), 1000001u);
}

/* ---- read paths -------------------------------------------------------------------------------------- */

#define M 12
#define N 9

static xbar *make(const cell_params *cell, const circuit_wires *w, int reuse, const double *g)
{
    xbar_spec s = xbar_spec_default(M, N);
    s.cell = *cell;
    if (w != NULL)
        s.wires = *w;
    s.opts.rtol = 1e-12;
    s.t_read_s = 7e-9;
    s.reuse = reuse;
    xbar *xb;
    cr_assert_eq(xbar_new(&xb, &s), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(xbar_set_conductances(xb, g), CIM_OK, "%s", cim_errmsg());
    return xb;
}

static cell_params cell_of(int type, int iv)
{
    cell_params c = cell_params_default();
    c.type = type;
    c.iv = iv;
    return c;
}

Test(xbar, read_paths_are_chosen_from_cells_and_wires)
{
    double *g = util_random_vec(M * N, 1e-6, 1e-4, 3);
    circuit_wires w = {1.0, 1.0, 5.0, 5.0};
    struct {
        int type, iv, wires, path;
    } k[] = {
        {CELL_1R, CELL_IV_LINEAR, 0, XBAR_READ_SUM},     {CELL_1T1R, CELL_IV_LINEAR, 0, XBAR_READ_SUM},
        {CELL_1R, CELL_IV_SINH, 0, XBAR_READ_DIRECT},    {CELL_1S1R, CELL_IV_LINEAR, 0, XBAR_READ_DIRECT},
        {CELL_1R, CELL_IV_LINEAR, 1, XBAR_READ_CIRCUIT}, {CELL_1T1R, CELL_IV_LINEAR, 1, XBAR_READ_CIRCUIT},
        {CELL_1R, CELL_IV_SINH, 1, XBAR_READ_NEWTON},    {CELL_1S1R, CELL_IV_LINEAR, 1, XBAR_READ_NEWTON},
    };
    for (size_t q = 0; q < sizeof k / sizeof *k; q++) {
        cell_params c = cell_of(k[q].type, k[q].iv);
        xbar *xb = make(&c, k[q].wires ? &w : NULL, 0, g);
        cr_expect_eq(xbar_read_path(xb), k[q].path, "case %zu: path %d", q, xbar_read_path(xb));
        xbar_free(xb);
    }
    free(g);
}

/* With perfect wires every cell sees its row voltage: the column current is the sum of cell_series_i. */
Test(xbar, perfect_wires_read_each_cell_at_its_row_voltage)
{
    double *g = util_random_vec(M * N, 1e-6, 1e-4, 5), *v = util_random_vec(M, -0.3, 0.6, 6);
    int types[] = {CELL_1R, CELL_1T1R, CELL_1S1R}, ivs[] = {CELL_IV_LINEAR, CELL_IV_SINH};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++) {
            cell_params c = cell_of(types[a], ivs[b]);
            c.v_nl_V = 0.2;
            xbar *xb = make(&c, NULL, 0, g);
            double i[N], want[N] = {0}, p_want = 0;
            cr_assert_eq(xbar_read(xb, v, i), CIM_OK, "%s", cim_errmsg());
            for (size_t r = 0; r < M; r++)
                for (size_t j = 0; j < N; j++) {
                    double ic = cell_series_i(&c, c.type == CELL_1T1R ? c.r_on_ohm : 0.0, g[r * N + j], v[r], NULL, NULL);
                    want[j] += ic;
                    p_want += v[r] * ic;
                }
            cr_expect_leq(util_max_rel(i, want, N), 1e-13, "%s %s: max rel %g", cell_type_names[c.type],
                          cell_iv_names[c.iv], util_max_rel(i, want, N));
            double e = energy_tally_J(xbar_energy(xb), ENERGY_READ);
            cr_expect(fabs(e - p_want * 7e-9) <= 1e-12 * fabs(p_want * 7e-9), "%s %s: energy %g, want %g",
                      cell_type_names[c.type], cell_iv_names[c.iv], e, p_want * 7e-9);
            cr_expect_eq(energy_tally_n(xbar_energy(xb), ENERGY_READ), 1u);
            xbar_free(xb);
        }
    free(g);
    free(v);
}

/* As the wires vanish the circuit paths meet the perfect-wire paths: the error falls in proportion to r. */
Test(xbar, circuit_paths_meet_the_perfect_wire_paths_as_wires_vanish)
{
    double *g = util_random_vec(M * N, 1e-6, 1e-4, 7), *v = util_random_vec(M, 0.0, 0.3, 8);
    int types[] = {CELL_1R, CELL_1T1R, CELL_1S1R}, ivs[] = {CELL_IV_LINEAR, CELL_IV_SINH};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++) {
            cell_params c = cell_of(types[a], ivs[b]);
            xbar *x0 = make(&c, NULL, 0, g);
            double i0[N], err[2];
            cr_assert_eq(xbar_read(x0, v, i0), CIM_OK, "%s", cim_errmsg());
            for (int s = 0; s < 2; s++) {
                double r = s ? 1e-3 : 1e-2;
                circuit_wires w = {r, r, r, r};
                xbar *xw = make(&c, &w, 0, g);
                double iw[N];
                cr_assert_eq(xbar_read(xw, v, iw), CIM_OK, "%s", cim_errmsg());
                err[s] = util_max_rel(iw, i0, N);
                xbar_free(xw);
            }
            cr_expect_gt(err[0], 0, "wires change the result");
            cr_expect_leq(err[0], 1e-4, "%s %s: 10 mohm wires: %g", cell_type_names[c.type], cell_iv_names[c.iv], err[0]);
            cr_expect(err[1] < 0.2 * err[0], "%s %s: the error shrinks with r (%g -> %g)", cell_type_names[c.type],
                      cell_iv_names[c.iv], err[0], err[1]);
            xbar_free(x0);
        }
    free(g);
    free(v);
}

/* ---- energy ------------------------------------------------------------------------------------------ */

Test(xbar, read_energy_of_a_linear_array_is_sum_v2_g_t)
{
    double *g = util_random_vec(M * N, 1e-6, 1e-4, 9);
    cell_params c = cell_of(CELL_1R, CELL_IV_LINEAR);
    xbar *xb = make(&c, NULL, 0, g);
    long double want = 0;
    for (int k = 0; k < 5; k++) {
        double *v = util_random_vec(M, -0.2, 0.2, 100 + (unsigned long)k), i[N];
        cr_assert_eq(xbar_read(xb, v, i), CIM_OK);
        for (size_t r = 0; r < M; r++)
            for (size_t j = 0; j < N; j++)
                want += (long double)v[r] * v[r] * g[r * N + j] * 7e-9L;
        free(v);
    }
    double e = energy_tally_J(xbar_energy(xb), ENERGY_READ);
    cr_expect(fabsl(e - want) <= 1e-13L * want, "energy %.17g J, sum v^2 G t %.17Lg J", e, want);
    cr_expect_eq(energy_tally_n(xbar_energy(xb), ENERGY_READ), 5u);
    cr_expect(fabs(energy_tally_total_J(xbar_energy(xb)) - e) <= 1e-15 * e, "only reads happened");
    xbar_free(xb);
    free(g);
}

/* Dissipation of every element of the circuit from its node voltages (circuit.h's convention), W. */
static double dissipation_W(const double *g, const double *vr, const double *vc, const double *v, const circuit_wires *w)
{
    double p = 0;
    for (size_t r = 0; r < M; r++)
        for (size_t j = 0; j < N; j++) {
            size_t k = r * N + j;
            double d = vr[k] - vc[k];
            p += g[k] * d * d;
            if (j + 1 < N)
                p += (vr[k] - vr[k + 1]) * (vr[k] - vr[k + 1]) / w->r_row_ohm;
            if (r + 1 < M)
                p += (vc[k] - vc[k + N]) * (vc[k] - vc[k + N]) / w->r_col_ohm;
        }
    for (size_t r = 0; r < M; r++)
        p += (v[r] - vr[r * N]) * (v[r] - vr[r * N]) / w->r_drv_ohm;
    for (size_t j = 0; j < N; j++)
        p += vc[(M - 1) * N + j] * vc[(M - 1) * N + j] / w->r_sense_ohm;
    return p;
}

Test(xbar, energy_through_the_effective_matrix_equals_the_solve_and_the_dissipation)
{
    double *g = util_random_vec(M * N, 1e-5, 1e-3, 11);
    circuit_wires w = {3.0, 2.0, 50.0, 20.0};
    cell_params c = cell_of(CELL_1R, CELL_IV_LINEAR);
    xbar *xs = make(&c, &w, 0, g), *xe = make(&c, &w, 1, g);
    double vr[M * N], vc[M * N];
    for (int k = 0; k < 4; k++) {
        double *v = util_random_vec(M, -0.2, 0.3, 200 + (unsigned long)k), is[N], ie[N];
        double e_s0 = energy_tally_J(xbar_energy(xs), ENERGY_READ), e_e0 = energy_tally_J(xbar_energy(xe), ENERGY_READ);
        cr_assert_eq(xbar_read(xs, v, is), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(xbar_read(xe, v, ie), CIM_OK, "%s", cim_errmsg());
        cr_expect_leq(util_max_rel(ie, is, N), 1e-9, "effective matrix vs solve: %g", util_max_rel(ie, is, N));
        double de_s = energy_tally_J(xbar_energy(xs), ENERGY_READ) - e_s0;
        double de_e = energy_tally_J(xbar_energy(xe), ENERGY_READ) - e_e0;
        cr_expect(fabs(de_e - de_s) <= 1e-9 * de_s, "read %d: v^T Y v t %g J, solve %g J", k, de_e, de_s);
        cr_assert_eq(xbar_node_voltages(xs, vr, vc), CIM_OK);
        double p = dissipation_W(g, vr, vc, v, &w);
        cr_expect(fabs(de_s - p * 7e-9) <= 1e-9 * de_s, "read %d: solve %g J, dissipation %g J", k, de_s, p * 7e-9);
        free(v);
    }
    cr_expect_eq(xbar_read_path(xe), XBAR_READ_CIRCUIT);
    cr_expect_eq(xbar_stats(xe)->n_solves, (size_t)M, "one characterisation: M unit solves, then products");
    cr_expect_eq(xbar_stats(xs)->n_solves, 4u);
    xbar_free(xs);
    xbar_free(xe);
    free(g);
}

Test(xbar, a_batch_gives_the_currents_and_energy_of_single_reads)
{
    double *g = util_random_vec(M * N, 1e-6, 1e-4, 13);
    circuit_wires w = {2.0, 2.0, 10.0, 10.0};
    enum { K = 5 };
    double *v = util_random_vec(K * M, 0.0, 0.3, 14);
    int ivs[] = {CELL_IV_LINEAR, CELL_IV_SINH};
    for (int b = 0; b < 2; b++) {
        cell_params c = cell_of(CELL_1R, ivs[b]);
        xbar *x1 = make(&c, &w, 0, g), *xk = make(&c, &w, 0, g);
        double i1[K * N], ik[K * N];
        for (int k = 0; k < K; k++)
            cr_assert_eq(xbar_read(x1, v + k * M, i1 + k * N), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(xbar_read_batch(xk, K, v, ik), CIM_OK, "%s", cim_errmsg());
        cr_expect_leq(util_max_rel(ik, i1, K * N), 1e-9, "%s: %g", cell_iv_names[c.iv], util_max_rel(ik, i1, K * N));
        double e1 = energy_tally_J(xbar_energy(x1), ENERGY_READ), ek = energy_tally_J(xbar_energy(xk), ENERGY_READ);
        cr_expect(fabs(e1 - ek) <= 1e-9 * e1, "%s: %g vs %g J", cell_iv_names[c.iv], e1, ek);
        cr_expect_eq(energy_tally_n(xbar_energy(xk), ENERGY_READ), (uint64_t)K);
        xbar_free(x1);
        xbar_free(xk);
    }
    free(v);
    free(g);
}

/* ---- device cells ------------------------------------------------------------------------------------ */

Test(xbar, programming_energy_lands_in_the_tally_by_category)
{
    devbind r;
    devbind_load(&r, "@device = { model = \"vteam\"; };", NULL);
    xbar_spec s = xbar_spec_default(3, 3);
    s.cells = XBAR_CELLS_DEVICE;
    s.dev = r.b.type;
    s.dev_params = r.b.model;
    s.var = &r.b.var;
    xbar *xb;
    cr_assert_eq(xbar_new(&xb, &s), CIM_OK, "%s", cim_errmsg());
    program_params p;
    param_defaults(&program_group, &p);
    p.v_raise_V = -0.21, p.v_raise_step_V = 0.005, p.v_raise_max_V = 0.6;
    p.v_lower_V = 0.05, p.v_lower_step_V = 0.01, p.v_lower_max_V = 0.6;
    p.half_select = HALF_SELECT_V2;
    p.noisy_verify = 0;
    double g_t[9];
    for (size_t k = 0; k < 9; k++)
        g_t[k] = 2e-3 + 1e-3 * (double)k;
    program_report rep;
    cr_assert_eq(xbar_program(xb, &p, g_t, 0.0, &rep), CIM_OK, "%s", cim_errmsg());
    const energy_tally *t = xbar_energy(xb);
    double w = 0, d = 0;
    for (size_t k = 0; k < 9; k++)
        w += rep.e_write_J[k], d += rep.e_disturb_J[k];
    cr_expect(fabs(energy_tally_J(t, ENERGY_WRITE) - w) <= 1e-12 * w);
    cr_expect(fabs(energy_tally_J(t, ENERGY_DISTURB) - d) <= 1e-12 * d);
    cr_expect_gt(d, 0);
    cr_expect_eq(energy_tally_n(t, ENERGY_WRITE), rep.n_log);
    cr_expect_eq(energy_tally_n(t, ENERGY_VERIFY), rep.n_verify_reads);
    cr_expect_gt(energy_tally_J(t, ENERGY_VERIFY), 0);
    cr_expect_eq(energy_tally_n(t, ENERGY_READ), 0u, "programming is not a read");
    cr_expect_geq(xbar_time_s(xb), rep.t_end_s * (1 - 1e-12), "reads happen after the campaign");
    double parts = 0;
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++)
        parts += energy_tally_J(t, k);
    cr_expect(fabs(energy_tally_total_J(t) - parts) <= 1e-15 * parts);
    program_report_free(&rep);
    xbar_free(xb);
    devbind_unload(&r);
}

Test(tally, the_report_names_each_category_with_its_events_and_the_total)
{
    energy_tally t = {0};
    energy_tally_add(&t, ENERGY_READ, 1.5e-12, 3);
    energy_tally_add(&t, ENERGY_WRITE, 2e-9, 1);
    strbuf b;
    strbuf_init(&b);
    energy_tally_report(&t, "  ", &b);
    cr_expect(strstr(b.s, "  read     1.5 pJ      3 array reads (500 fJ each)") != NULL, "%s", b.s);
    cr_expect(strstr(b.s, "  write    2 nJ        1 pulse (2 nJ each)") != NULL, "%s", b.s);
    cr_expect(strstr(b.s, "  total    2.002 nJ\n") != NULL, "%s", b.s);
    cr_expect(strstr(b.s, "adc") == NULL, "categories without events are left out");
    strbuf_destroy(&b);
}

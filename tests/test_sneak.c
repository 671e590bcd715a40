/* tests/test_sneak.c -- cell I-V (series solve against its parametric closed form, the device adapter), and
 * single-cell reads with sneak paths: floating, V/2 and V/3 against closed forms derived here (in ngspice,
 * through the exporter, and with the circuit solver), the read margin versus array size, the selector's
 * and the access transistor's suppression of the sneak current, and a read with wires against ngspice. */
#include "core/cfg.h"
#include "core/status.h"
#include "crossbar/cell.h"
#include "crossbar/circuit.h"
#include "crossbar/sneak.h"
#include "crossbar/spice_array.h"
#include "device/device.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

static double rel(double a, double b) { return fabs(a - b) / fabs(b); }

/* ---- the cells' I-V ------------------------------------------------------------------------------- */

/* The inverse of a series pair is explicit: v(i) = v_access(i) + v_memory(i), with
 * v_sel(i) = v_sel asinh(i / i_sel), v_sinh(i) = v_nl asinh(i / (g v_nl)), v_lin(i) = i / g, v_R(i) = r i;
 * and dv/di = v_sel / sqrt(i^2 + i_sel^2) + ...  So the current at v(i) must be i and di/dv = 1 / (dv/di). */
static double v_of_i(const cell_params *p, double r_acc, double g, double i, double *dvdi)
{
    double va, dva, vm, dvm;
    if (p->type == CELL_1S1R) {
        va = p->v_sel_V * asinh(i / p->i_sel_A);
        dva = p->v_sel_V / sqrt(i * i + p->i_sel_A * p->i_sel_A);
    } else {
        va = r_acc * i;
        dva = r_acc;
    }
    if (p->iv == CELL_IV_SINH) {
        double k = g * p->v_nl_V;
        vm = p->v_nl_V * asinh(i / k);
        dvm = p->v_nl_V / sqrt(i * i + k * k);
    } else {
        vm = i / g;
        dvm = 1 / g;
    }
    *dvdi = dva + dvm;
    return va + vm;
}

Test(cell, series_solve_inverts_the_parametric_closed_form)
{
    static const int types[] = {CELL_1S1R, CELL_1S1R, CELL_1T1R, CELL_1T1R};
    static const int ivs[] = {CELL_IV_LINEAR, CELL_IV_SINH, CELL_IV_SINH, CELL_IV_LINEAR};
    double worst_i = 0, worst_g = 0;
    for (size_t c = 0; c < 4; c++) {
        cell_params p = cell_params_default();
        p.type = types[c];
        p.iv = ivs[c];
        p.i_sel_A = 1.37e-9;
        p.v_sel_V = 0.0385;
        p.v_nl_V = 0.213;
        const double g = 4.71e-5, r = 6.3e3;
        for (double i = 1.3e-12; i < 3e-5; i *= 2.385) {
            for (int sgn = -1; sgn <= 1; sgn += 2) {
                double dvdi, v = sgn * v_of_i(&p, r, g, i, &dvdi), gs, vm;
                double got = cell_series_i(&p, r, g, v, &gs, &vm);
                worst_i = fmax(worst_i, rel(got, sgn * i));
                worst_g = fmax(worst_g, rel(gs, 1 / dvdi));
                cr_assert_leq(rel(got, sgn * i), 1e-12, "%s/%s: i(v(%g)) = %.17g", cell_type_names[p.type],
                              cell_iv_names[p.iv], sgn * i, got);
                cr_assert_leq(rel(gs, 1 / dvdi), 1e-10, "%s/%s at %g A: di/dv %.17g vs %.17g", cell_type_names[p.type],
                              cell_iv_names[p.iv], i, gs, 1 / dvdi);
                cr_assert(vm * v >= 0 && fabs(vm) <= fabs(v), "the memory takes a share of v");
            }
        }
    }
    cr_log_info("series solve: current %.2e, di/dv %.2e relative", worst_i, worst_g);
}

Test(cell, zero_volt_conductance_is_the_programmed_one)
{
    cell_params p = cell_params_default();
    p.iv = CELL_IV_SINH;
    double g;
    double i = cell_memory_i(&p, 2.7e-5, 0.0, &g);
    cr_expect_eq(i, 0.0);
    cr_expect_eq(g, 2.7e-5);
    /* and the sinh rises above the line: at v = v_nl, i = G v_nl sinh(1) */
    cr_expect_leq(rel(cell_memory_i(&p, 2.7e-5, p.v_nl_V, NULL), 2.7e-5 * p.v_nl_V * sinh(1.0)), 1e-15);
}

Test(cell, bad_parameters_are_rejected)
{
    cell_params p = cell_params_default();
    p.r_off_ohm = p.r_on_ohm / 2;
    cr_expect_eq(cell_params_check(&p), CIM_EINVAL);
    p = cell_params_default();
    double G[2] = {1e-5, -1e-6};
    cell_array a;
    cr_expect_eq(cell_array_init(&a, &p, 1, 2, G), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "(0, 1)") != NULL, "names the cell: %s", cim_errmsg());
}

/* The device adapter returns the FeFET's drain current and a positive slope close to the exact one. */
Test(cell, device_cells_read_the_fefet_drain_current)
{
    const device_type *T = &device_fefet;
    void *par = calloc(1, T->params->size);
    param_defaults(T->params, par);
    double x[2 * DEVICE_MAX_STATE];
    T->init(par, 300.0, x);
    for (size_t k = 0; k < T->n_state; k++) /* the second cell: the opposite polarization */
        x[T->n_state + k] = -x[k];
    cell_array a;
    cr_assert_eq(cell_array_init_device(&a, 1, 2, T, par, x), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(cell_array_is_linear(&a), 0);
    double v[2] = {0.0537, 0.0537}, i[2], g[2];
    cell_array_eval(&a, 0, 2, v, i, g);
    for (size_t k = 0; k < 2; k++) {
        double ref = device_read_A(T, par, x + k * T->n_state, v[k]);
        cr_expect_eq(i[k], ref, "cell %zu: the adapter is the device's read current", k);
        double h = 1e-3, slope = (device_read_A(T, par, x + k * T->n_state, v[k] + h) -
                                  device_read_A(T, par, x + k * T->n_state, v[k] - h)) / (2 * h);
        cr_expect_gt(g[k], 0.0);
        cr_expect_leq(rel(g[k], slope), 1e-3, "cell %zu: di/dv %g vs a coarse difference %g", k, g[k], slope);
    }
    cell_array_destroy(&a);
    free(par);
}

/* Device cells in the circuit: with ideal wires every cell sees its row's input, so each column current is the
 * sum of the device read currents, whatever their nonlinearity (a FeFET array with alternating polarization). */
Test(cell, device_cells_in_the_circuit_sum_their_read_currents)
{
    const size_t M = 3, N = 4;
    const device_type *T = &device_fefet;
    void *par = calloc(1, T->params->size);
    param_defaults(T->params, par);
    double *x = malloc(M * N * T->n_state * sizeof *x), v[3] = {0.0537, 0.1371, 0.0913}, i_col[4];
    for (size_t k = 0; k < M * N; k++) {
        T->init(par, 300.0, x + k * T->n_state);
        if ((k * 7) % 3 == 1)
            for (size_t m = 0; m < T->n_state; m++)
                x[k * T->n_state + m] = -x[k * T->n_state + m];
    }
    cell_array a;
    cr_assert_eq(cell_array_init_device(&a, M, N, T, par, x), CIM_OK, "%s", cim_errmsg());
    const circuit_wires w = {0, 0, 0, 0};
    circuit *c = NULL;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cell_array_apply(&a, c), CIM_OK, "%s", cim_errmsg());
    circuit_opts o = circuit_opts_default();
    cr_assert_eq(circuit_solve(c, v, NULL, i_col, &o, NULL), CIM_OK, "%s", cim_errmsg());
    double lo = INFINITY, hi = 0;
    for (size_t j = 0; j < N; j++) {
        double ref = 0;
        for (size_t i = 0; i < M; i++) {
            double ii = device_read_A(T, par, x + (i * N + j) * T->n_state, v[i]);
            ref += ii;
            lo = fmin(lo, ii / v[i]);
            hi = fmax(hi, ii / v[i]);
        }
        cr_expect_leq(rel(i_col[j], ref), 1e-12, "column %zu: %.17g vs %.17g", j, i_col[j], ref);
    }
    cr_expect_gt(hi / lo, 2.0, "the cells hold different states (conductance ratio %g)", hi / lo);
    circuit_free(c);
    cell_array_destroy(&a);
    free(x);
    free(par);
}

/* An access element around any cells: FeFET cells behind a transistor or a selector.  Parametric inverse again:
 * at memory voltage u the cell carries i = read_A(u), so at v = u + r_on i (1T1R) or u + v_sel asinh(i / i_sel)
 * (1S1R) the wrapped cell must carry i -- for negative u too (the FeFET's I-V is not odd). */
Test(cell, an_access_element_wraps_any_cells)
{
    const device_type *T = &device_fefet;
    void *par = calloc(1, T->params->size);
    param_defaults(T->params, par);
    double x[DEVICE_MAX_STATE];
    T->init(par, 300.0, x);
    for (size_t k = 0; k < T->n_state; k++) /* the low-V_T (on) state: ~40 uA at 0.1 V */
        x[k] = -x[k];
    cell_array dev;
    cr_assert_eq(cell_array_init_device(&dev, 1, 1, T, par, x), CIM_OK, "%s", cim_errmsg());
    double worst = 0;
    for (int type = CELL_1T1R; type <= CELL_1S1R; type++) {
        cell_access acc = {cell_params_default(), 1, NULL, cell_array_cells(&dev)};
        acc.p.type = type;
        acc.p.r_on_ohm = 2.7e4;
        acc.p.i_sel_A = 3.1e-9;
        acc.p.v_sel_V = 0.041;
        for (double u = -0.3137; u < 0.35; u += 0.0413) {
            double i = device_read_A(T, par, x, u);
            double v = u + (type == CELL_1T1R ? acc.p.r_on_ohm * i : acc.p.v_sel_V * asinh(i / acc.p.i_sel_A));
            double got, g;
            cell_access_eval(&acc, 0, 1, &v, &got, &g);
            worst = fmax(worst, rel(got, i));
            cr_expect_leq(rel(got, i), 1e-9, "%s around fefet at u = %g V: %.17g vs %.17g", cell_type_names[type], u, got,
                          i);
            cr_expect_gt(g, 0.0);
            cr_expect(fabs(i) < 1e-6 || fabs(v - u) > 0.01 * fabs(u), "the access element takes a real share of v");
        }
    }
    cr_log_info("access element around FeFET cells: %.2e relative", worst);
    cell_array_destroy(&dev);
    free(par);
}

/* The cell and sneak groups load through the config system, with their cross-field rules. */
Test(cell, config_groups_load_and_check)
{
    cell_params p;
    sneak_params sp;
    cfg c;
    cfg_init(&c);
    cfg_bind(&c, &cell_group, &p);
    cfg_bind(&c, &sneak_group, &sp);
    cr_assert_eq(cfg_read_string(&c, "t.cfg", "cell = { type = \"1s1r\"; iv = \"sinh\"; v_sel_V = 0.031; };\n"
                                              "sneak = { scheme = \"v3\"; v_read_V = 0.7; };\n"), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(p.type, CELL_1S1R);
    cr_expect_eq(p.iv, CELL_IV_SINH);
    cr_expect_eq(p.v_sel_V, 0.031);
    cr_expect_eq(p.r_on_ohm, cell_params_default().r_on_ohm);
    cr_expect_eq(sp.scheme, SNEAK_V3);
    cr_expect_eq(sp.v_read_V, 0.7);
    cfg_destroy(&c);

    cfg_init(&c);
    cfg_bind(&c, &cell_group, &p);
    cr_assert_eq(cfg_read_string(&c, "t.cfg", "cell = { r_on_ohm = 1e4; r_off_ohm = 1e3; };\n"), CIM_OK);
    cr_expect_neq(cfg_resolve(&c), CIM_OK, "r_off below r_on is rejected");
    cr_expect(strstr(cim_errmsg(), "r_off_ohm") != NULL, "%s", cim_errmsg());
    cfg_destroy(&c);
}

/* ---- closed forms of the sneak path (ideal wires) --------------------------------------------------- */

/* Derived in sneak.h; written out again here so that the library's own helper is checked too. */
static double closed_i_sneak(int scheme, double M, double N, double g, double V)
{
    if (scheme == SNEAK_V2)
        return (M - 1) * g * V / 2;
    if (scheme == SNEAK_V3)
        return (M - 1) * g * V / 3;
    double R = 1 / g;
    return V / (R / (N - 1) + R / ((M - 1) * (N - 1)) + R / (M - 1));
}

/* Total power, ideal wires: the selected cell at V, and for V/2 the N-1 + M-1 half-selected cells at V/2;
 * for V/3 every other cell at V/3; floating: the sneak current at V. */
static double closed_power(int scheme, double M, double N, double g_sel, double g, double V)
{
    double p = g_sel * V * V;
    if (scheme == SNEAK_V2)
        return p + (M - 1 + N - 1) * g * V * V / 4;
    if (scheme == SNEAK_V3)
        return p + (M * N - 1) * g * V * V / 9;
    return p + closed_i_sneak(scheme, M, N, g, V) * V;
}

/* The sources of the unselected lines: V/2 rows deliver (M-1) g (V/2)^2 into the selected column's cells,
 * V/2 columns absorb (N-1) g (V/2)^2 from the selected row's; V/3: a row sends g V/3 into the selected column and
 * takes g V/3 from each of the N-1 unselected columns, a column takes g V/3 from the selected row and sends g V/3
 * to each of the M-1 unselected rows: rows deliver (V/3) (M-1) (1 - (N-1)) g V/3, columns -(2V/3) (N-1) (1 - (M-1))
 * g V/3.  (With the selected row's V (g_sel V + (N-1) g V/3) the sum is g_sel V^2 + (MN - 1) g V^2/9.) */
static double closed_p_half(int scheme, double M, double N, double g, double V)
{
    if (scheme == SNEAK_V2)
        return (M - 1) * g * V * V / 4 - (N - 1) * g * V * V / 4;
    if (scheme == SNEAK_V3)
        return (V / 3) * ((M - 1) * g * V / 3 - (M - 1) * (N - 1) * g * V / 3) -
               (2 * V / 3) * ((N - 1) * g * V / 3 - (M - 1) * (N - 1) * g * V / 3);
    return 0.0;
}

/* The terminations and sources of a read, for the exporter. */
typedef struct read_setup {
    double *g_row, *g_col, *v_row, *v_col;
} read_setup;

static read_setup setup_read(size_t M, size_t N, size_t s, size_t t, int scheme, double V, const circuit_wires *w)
{
    read_setup r = {malloc(M * sizeof(double)), malloc(N * sizeof(double)), malloc(M * sizeof(double)),
                    malloc(N * sizeof(double))};
    double gd = w->r_drv_ohm == 0 ? INFINITY : 1 / w->r_drv_ohm, gs = w->r_sense_ohm == 0 ? INFINITY : 1 / w->r_sense_ohm;
    for (size_t i = 0; i < M; i++) {
        r.g_row[i] = i == s || scheme != SNEAK_FLOATING ? gd : 0;
        r.v_row[i] = i == s ? V : scheme == SNEAK_V2 ? V / 2 : scheme == SNEAK_V3 ? V / 3 : 0;
    }
    for (size_t j = 0; j < N; j++) {
        r.g_col[j] = j == t || scheme != SNEAK_FLOATING ? gs : 0;
        r.v_col[j] = j == t ? 0 : scheme == SNEAK_V2 ? V / 2 : scheme == SNEAK_V3 ? 2 * V / 3 : 0;
    }
    return r;
}

static void free_read(read_setup *r) { free(r->g_row), free(r->g_col), free(r->v_row), free(r->v_col); }

static double ngspice_sense(const spice_array *s, size_t t)
{
    char *dir = util_tmpdir(), cir[600], data[600], cmd[1400];
    snprintf(cir, sizeof cir, "%s/read.cir", dir);
    snprintf(data, sizeof data, "%s/read.data", dir);
    strbuf nl;
    strbuf_init(&nl);
    cr_assert_eq(spice_array_netlist(s, data, &nl), CIM_OK, "%s", cim_errmsg());
    util_write(cir, nl.s);
    strbuf_destroy(&nl);
    snprintf(cmd, sizeof cmd, "cd %s && ngspice -b read.cir > ngspice.log 2>&1", dir);
    cr_assert_eq(system(cmd), 0, "ngspice failed (see %s/ngspice.log)", dir);
    double *i_col = malloc(s->cols * sizeof *i_col);
    cr_assert_eq(spice_array_read(s, data, i_col, NULL, NULL), CIM_OK, "%s", cim_errmsg());
    double i = i_col[t];
    free(i_col);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
    return i;
}

/* The derivation itself, checked by ngspice on the exported read circuits (independent of the solver). */
Test(sneak, closed_forms_hold_in_ngspice, .timeout = 60)
{
    const size_t M = 5, N = 7, s = 2, t = 4;
    const double g = 8.37e-5, g_sel = 1.29e-6, V = 0.2385;
    const circuit_wires w = {0, 0, 0, 0};
    double *G = malloc(M * N * sizeof *G);
    for (size_t k = 0; k < M * N; k++)
        G[k] = k == s * N + t ? g_sel : g;
    cell_params cp = cell_params_default();
    cell_array a;
    cr_assert_eq(cell_array_init(&a, &cp, M, N, G), CIM_OK);
    for (int scheme = SNEAK_FLOATING; scheme <= SNEAK_V3; scheme++) {
        read_setup r = setup_read(M, N, s, t, scheme, V, &w);
        spice_array sa = {M, N, w, r.g_row, r.g_col, r.v_row, r.v_col, &a, 0};
        double i = ngspice_sense(&sa, t), ref = g_sel * V + closed_i_sneak(scheme, M, N, g, V);
        cr_log_info("%s: ngspice %.17g, closed form %.17g", sneak_scheme_names[scheme], i, ref);
        cr_expect_leq(rel(i, ref), 1e-9, "%s: ngspice %.17g vs closed form %.17g", sneak_scheme_names[scheme], i, ref);
        cr_expect_leq(rel(sneak_ideal_i_sneak(scheme, M, N, g, V), closed_i_sneak(scheme, M, N, g, V)), 1e-15);
        free_read(&r);
    }
    cell_array_destroy(&a);
    free(G);
}

/* Reads cell (s,t) through a physical array (crossbar/xbar.h) holding a's cells and conductances. */
static int read_cell(const cell_array *a, const circuit_wires *w, const circuit_opts *o, size_t s, size_t t, int scheme,
                     double V, sneak_read *r)
{
    xbar_spec x = xbar_spec_default(a->rows, a->cols);
    x.cell = a->p;
    x.wires = *w;
    x.opts = *o;
    xbar *xb;
    int st = xbar_new(&xb, &x);
    if (st != CIM_OK)
        return st;
    if ((st = xbar_set_conductances(xb, a->g_S)) == CIM_OK)
        st = sneak_read_cell(xb, s, t, scheme, V, r);
    xbar_free(xb);
    return st;
}

/* ---- reads through the circuit solver --------------------------------------------------------------- */

Test(sneak, worst_case_reads_match_the_closed_forms)
{
    const size_t M = 6, N = 9, s = 0, t = N - 1;
    const double g = 1.13e-4, V = 0.2385;
    const circuit_wires w = {0, 0, 0, 0};
    double *G = malloc(M * N * sizeof *G);
    circuit *c = NULL;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK, "%s", cim_errmsg());
    circuit_opts o = circuit_opts_default();
    double worst = 0;
    for (int scheme = SNEAK_FLOATING; scheme <= SNEAK_V3; scheme++)
        for (int hrs = 0; hrs <= 1; hrs++) {
            double g_sel = hrs ? 1.07e-6 : g;
            for (size_t k = 0; k < M * N; k++)
                G[k] = k == s * N + t ? g_sel : g;
            cell_params cp = cell_params_default();
            cell_array a;
            cr_assert_eq(cell_array_init(&a, &cp, M, N, G), CIM_OK);
            sneak_read r;
            cr_assert_eq(read_cell(&a, &w, &o, s, t, scheme, V, &r), CIM_OK, "%s", cim_errmsg());
            double sn = closed_i_sneak(scheme, M, N, g, V);
            const char *nm = sneak_scheme_names[scheme];
            cr_expect_leq(rel(r.i_sense_A, g_sel * V + sn), 1e-9, "%s hrs=%d: sense %.17g vs %.17g", nm, hrs, r.i_sense_A,
                          g_sel * V + sn);
            cr_expect_leq(rel(r.i_cell_A, g_sel * V), 1e-9, "%s: cell current", nm);
            cr_expect_leq(rel(r.i_sneak_A, sn), 1e-9, "%s hrs=%d: sneak %.17g vs %.17g", nm, hrs, r.i_sneak_A, sn);
            cr_expect_leq(rel(r.v_cell_V, V), 1e-12, "%s: the selected cell sees V", nm);
            cr_expect_leq(rel(r.p_total_W, closed_power(scheme, M, N, g_sel, g, V)), 1e-9, "%s: power %.17g vs %.17g", nm,
                          r.p_total_W, closed_power(scheme, M, N, g_sel, g, V));
            if (scheme != SNEAK_FLOATING)
                cr_expect_leq(rel(r.p_half_W, closed_p_half(scheme, M, N, g, V)), 1e-9,
                              "%s: unselected-line power %.17g vs %.17g", nm, r.p_half_W, closed_p_half(scheme, M, N, g, V));
            cr_expect_leq(rel(r.p_cell_W, g_sel * V * V), 1e-9);
            worst = fmax(worst, fmax(rel(r.i_sense_A, g_sel * V + sn), rel(r.i_sneak_A, sn)));
            cell_array_destroy(&a);
        }
    cr_log_info("floating, V/2, V/3, LRS and HRS: sensed and sneak currents within %.2e of the closed forms", worst);
    circuit_free(c);
    free(G);
}

/* margin(N) = (G_L - G_H) V / (G_L V + I_sneak(N)): falls with N, as the closed form says. */
Test(sneak, read_margin_falls_with_size_as_the_closed_form_says)
{
    const size_t n[] = {2, 4, 8, 16, 32, 64};
    const size_t count = sizeof n / sizeof *n;
    sneak_params sp = {.scheme = SNEAK_FLOATING, .v_read_V = 0.2, .g_lrs_S = 1e-4, .g_hrs_S = 1e-6};
    cell_params cp = cell_params_default();
    circuit_wires w = {0, 0, 0, 0};
    circuit_opts o = circuit_opts_default();
    sneak_point pts[6];
    for (int scheme = SNEAK_FLOATING; scheme <= SNEAK_V3; scheme++) {
        sp.scheme = scheme;
        cr_assert_eq(sneak_margin_sweep(&cp, &w, &sp, n, count, &o, pts), CIM_OK, "%s", cim_errmsg());
        for (size_t k = 0; k < count; k++) {
            double sn = closed_i_sneak(scheme, n[k], n[k], sp.g_lrs_S, sp.v_read_V);
            double m = (sp.g_lrs_S - sp.g_hrs_S) * sp.v_read_V / (sp.g_lrs_S * sp.v_read_V + sn);
            cr_log_info("%s N=%zu: margin %.6f (closed form %.6f)", sneak_scheme_names[scheme], n[k], pts[k].margin, m);
            cr_expect_leq(rel(pts[k].margin, m), 1e-9, "%s N=%zu: margin %.17g vs %.17g", sneak_scheme_names[scheme],
                          n[k], pts[k].margin, m);
            if (k > 0)
                cr_expect_lt(pts[k].margin, pts[k - 1].margin, "%s: the margin falls with N", sneak_scheme_names[scheme]);
        }
    }
}

/* A 1S1R array read at V/2: each half-selected cell on the selected column carries the series current at V/2.
 * Parametrised by the selector voltage x at V/2: V/2 = x + i_sel sinh(x / v_sel) / G, the cell current is
 * i_sel sinh(x / v_sel); the selector divides the sneak current by G (V/2) / (i_sel sinh(x / v_sel)). */
Test(sneak, a_selector_divides_the_sneak_current_by_its_predicted_factor)
{
    const size_t M = 7, N = 5, s = 0, t = N - 1;
    const double g = 9.1e-5;
    cell_params cp = cell_params_default();
    cp.type = CELL_1S1R;
    const double x = 0.357; /* selector voltage of a half-selected cell */
    const double i_half = cp.i_sel_A * sinh(x / cp.v_sel_V), V = 2 * (x + i_half / g);
    const circuit_wires w = {0, 0, 0, 0};
    double *G = malloc(M * N * sizeof *G);
    for (size_t k = 0; k < M * N; k++)
        G[k] = g;
    circuit *c = NULL;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK, "%s", cim_errmsg());
    circuit_opts o = circuit_opts_default();
    cell_array a1s1r, a1r;
    cr_assert_eq(cell_array_init(&a1s1r, &cp, M, N, G), CIM_OK);
    cell_params lin = cell_params_default();
    cr_assert_eq(cell_array_init(&a1r, &lin, M, N, G), CIM_OK);
    sneak_read r_sel, r_1r;
    cr_assert_eq(read_cell(&a1s1r, &w, &o, s, t, SNEAK_V2, V, &r_sel), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(read_cell(&a1r, &w, &o, s, t, SNEAK_V2, V, &r_1r), CIM_OK, "%s", cim_errmsg());
    double factor = g * (V / 2) / i_half;
    cr_log_info("1S1R at V = %.4f V: sneak %.4g A vs 1R %.4g A: factor %.4g (predicted %.4g)", V, r_sel.i_sneak_A,
                r_1r.i_sneak_A, r_1r.i_sneak_A / r_sel.i_sneak_A, factor);
    cr_expect_leq(rel(r_sel.i_sneak_A, (M - 1) * i_half), 1e-9, "1S1R sneak %.17g vs %.17g", r_sel.i_sneak_A,
                  (M - 1) * i_half);
    cr_expect_leq(rel(r_1r.i_sneak_A / r_sel.i_sneak_A, factor), 1e-9);
    cr_expect_gt(factor, 10.0, "the selector suppresses the sneak path");
    cell_array_destroy(&a1s1r);
    cell_array_destroy(&a1r);
    circuit_free(c);
    free(G);
}

/* Floating lines with a selector: by symmetry the sneak path is three groups of identical cells in series,
 * N-1, (M-1)(N-1) and M-1 wide, carrying I_sn between them: V = v(I/(N-1)) + v(I/((M-1)(N-1))) + v(I/(M-1)),
 * with the explicit inverse v(i) of the 1S1R cell.  Choose I_sn, solve at that V, get I_sn back. */
Test(sneak, floating_read_with_selectors_matches_the_parametric_closed_form)
{
    const size_t M = 5, N = 6, s = 0, t = N - 1;
    const double g = 6.1e-5, I_sn = 2.37e-8;
    cell_params cp = cell_params_default();
    cp.type = CELL_1S1R;
    double d, V = v_of_i(&cp, 0, g, I_sn / (N - 1), &d) + v_of_i(&cp, 0, g, I_sn / ((M - 1) * (N - 1)), &d) +
                  v_of_i(&cp, 0, g, I_sn / (M - 1), &d);
    const circuit_wires w = {0, 0, 0, 0};
    double *G = malloc(M * N * sizeof *G);
    for (size_t k = 0; k < M * N; k++)
        G[k] = g;
    circuit *c = NULL;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK, "%s", cim_errmsg());
    /* The solve's KCL criterion is relative to the largest source current, the selected cell's, here ~160 times
     * the sneak current; 1e-9 of it would leave the sneak current at ~1e-7: ask for 1e-13. */
    circuit_opts o = circuit_opts_default();
    o.rtol = 1e-13;
    cell_array a;
    cr_assert_eq(cell_array_init(&a, &cp, M, N, G), CIM_OK);
    sneak_read r;
    cr_assert_eq(read_cell(&a, &w, &o, s, t, SNEAK_FLOATING, V, &r), CIM_OK, "%s", cim_errmsg());
    cr_log_info("1S1R floating at V = %.4f V: sneak %.6g A (closed form %.6g A), cell %.4g A", V, r.i_sneak_A, I_sn,
                r.i_cell_A);
    cr_expect_leq(rel(r.i_sneak_A, I_sn), 1e-8, "sneak %.17g vs %.17g", r.i_sneak_A, I_sn);
    cr_expect_leq(rel(r.v_cell_V, V), 1e-12);
    cell_array_destroy(&a);
    circuit_free(c);
    free(G);
}

/* 1T1R, floating: only the selected row's gate is on, so the sneak path crosses off transistors twice:
 * R_sneak = (R + r_on)/(N-1) + (R + r_off)/((M-1)(N-1)) + (R + r_off)/(M-1). */
Test(sneak, access_transistors_block_the_sneak_path)
{
    const size_t M = 8, N = 8, s = 0, t = N - 1;
    const double g = 1e-4, R = 1 / g, V = 0.2;
    cell_params cp = cell_params_default();
    cp.type = CELL_1T1R;
    cp.r_off_ohm = 1e9;
    const circuit_wires w = {0, 0, 0, 0};
    double *G = malloc(M * N * sizeof *G);
    for (size_t k = 0; k < M * N; k++)
        G[k] = g;
    circuit *c = NULL;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK, "%s", cim_errmsg());
    circuit_opts o = circuit_opts_default();
    cell_array a;
    cr_assert_eq(cell_array_init(&a, &cp, M, N, G), CIM_OK);
    sneak_read r;
    cr_assert_eq(read_cell(&a, &w, &o, s, t, SNEAK_FLOATING, V, &r), CIM_OK, "%s", cim_errmsg());
    double Rs = (R + cp.r_on_ohm) / (N - 1) + (R + cp.r_off_ohm) / ((M - 1) * (N - 1)) + (R + cp.r_off_ohm) / (M - 1);
    cr_expect_leq(rel(r.i_sneak_A, V / Rs), 1e-9, "sneak %.17g vs %.17g", r.i_sneak_A, V / Rs);
    cr_expect_leq(rel(r.i_cell_A, V / (R + cp.r_on_ohm)), 1e-9);
    cell_array_destroy(&a);
    circuit_free(c);
    free(G);
}

/* With wires, drivers and sense resistors the read has no closed form: the solver against ngspice, floating
 * lines and V/3, linear and sinh cells. */
Test(sneak, reads_with_wires_match_ngspice, .timeout = 60)
{
    const size_t M = 10, N = 12, s = 0, t = N - 1;
    const circuit_wires w = {3.7, 2.9, 10, 10};
    double *G = malloc(M * N * sizeof *G);
    for (size_t k = 0; k < M * N; k++)
        G[k] = 1e-6 + 99e-6 * ((k * 37) % 101) / 101.0;
    circuit *c = NULL;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK, "%s", cim_errmsg());
    circuit_opts o = circuit_opts_default();
    for (int iv = CELL_IV_LINEAR; iv <= CELL_IV_SINH; iv++)
        for (int scheme = SNEAK_FLOATING; scheme <= SNEAK_V3; scheme += 2) {
            cell_params cp = cell_params_default();
            cp.iv = iv;
            cell_array a;
            cr_assert_eq(cell_array_init(&a, &cp, M, N, G), CIM_OK);
            sneak_read r;
            cr_assert_eq(read_cell(&a, &w, &o, s, t, scheme, 0.3, &r), CIM_OK, "%s", cim_errmsg());
            read_setup rs = setup_read(M, N, s, t, scheme, 0.3, &w);
            spice_array sa = {M, N, w, rs.g_row, rs.g_col, rs.v_row, rs.v_col, &a, 0};
            double ref = ngspice_sense(&sa, t);
            cr_log_info("%s/%s with wires: %.3g relative to ngspice", cell_iv_names[iv], sneak_scheme_names[scheme],
                        rel(r.i_sense_A, ref));
            cr_expect_leq(rel(r.i_sense_A, ref), 1e-6, "%s/%s: %.17g vs ngspice %.17g", cell_iv_names[iv],
                          sneak_scheme_names[scheme], r.i_sense_A, ref);
            free_read(&rs);
            cell_array_destroy(&a);
        }
    circuit_free(c);
    free(G);
}

Test(sneak, a_cell_outside_the_array_is_rejected)
{
    const circuit_wires w = {0, 0, 0, 0};
    circuit *c = NULL;
    cr_assert_eq(circuit_new(&c, 2, 2, &w), CIM_OK, "%s", cim_errmsg());
    double G[4] = {1e-5, 1e-5, 1e-5, 1e-5};
    cell_params cp = cell_params_default();
    cell_array a;
    cr_assert_eq(cell_array_init(&a, &cp, 2, 2, G), CIM_OK);
    sneak_read r;
    circuit_opts o = circuit_opts_default();
    cr_expect_eq(read_cell(&a, &w, &o, 2, 0, SNEAK_V2, 0.2, &r), CIM_EINVAL);
    cell_array_destroy(&a);
    circuit_free(c);
}

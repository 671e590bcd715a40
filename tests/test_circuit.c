/* tests/test_circuit.c -- the crossbar circuit solve (crossbar/circuit.h) against the shared ngspice
 * conformance cases, the ideal Kirchhoff sum, its own definition (KCL at every node, computed here
 * independently of the solver), energy conservation, the direct (CHOLMOD) path and the effective
 * conductance matrix.  The generated ngspice comparisons are in test_circuit_spice.c. */
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/threads.h"
#include "crossbar/circuit.h"
#include "crossbar/ideal.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double *read_csv(const char *dir, const char *name, size_t *rows, size_t *cols)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    csv_read_opts o = csv_opts_any();
    csv_table t;
    int st = csv_read(path, &o, &t);
    cr_assert_eq(st, CIM_OK, "%s: %s", path, cim_errmsg());
    if (rows)
        *rows = t.rows;
    if (cols)
        *cols = t.cols;
    double *d = t.data;
    t.data = NULL;
    csv_table_free(&t);
    return d;
}

/* Reads "key": number from params.json (flat, as the conformance README describes). */
static double json_number(const char *dir, const char *key)
{
    char path[512], pat[64];
    snprintf(path, sizeof path, "%s/params.json", dir);
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "%s", path);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    char *p = strstr(buf, pat);
    cr_assert_not_null(p, "%s has no %s", path, key);
    return strtod(p + strlen(pat), NULL);
}

/* ---- an independent KCL check ------------------------------------------------------------------- */

/* Max |sum of currents| over the free nodes, relative to the largest terminal current, from the node
 * voltages alone.  Written from the circuit convention, not from the solver's code; handles only
 * nonzero resistances (every node distinct). */
static double kcl_check(size_t M, size_t N, const circuit_wires *w, const double *G, const double *v,
                        const double *Vr, const double *Vc)
{
    double worst = 0, scale = 0;
    for (size_t i = 0; i < M; i++)
        scale = fmax(scale, fabs((v[i] - Vr[i * N]) / w->r_drv_ohm));
    for (size_t j = 0; j < N; j++)
        scale = fmax(scale, fabs(Vc[(M - 1) * N + j] / w->r_sense_ohm));
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            size_t k = i * N + j;
            double cell = G[k] * (Vr[k] - Vc[k]);
            double fr = cell;
            if (j > 0)
                fr += (Vr[k] - Vr[k - 1]) / w->r_row_ohm;
            else
                fr += (Vr[k] - v[i]) / w->r_drv_ohm;
            if (j + 1 < N)
                fr += (Vr[k] - Vr[k + 1]) / w->r_row_ohm;
            double fc = -cell;
            if (i > 0)
                fc += (Vc[k] - Vc[k - N]) / w->r_col_ohm;
            if (i + 1 < M)
                fc += (Vc[k] - Vc[k + N]) / w->r_col_ohm;
            else
                fc += Vc[k] / w->r_sense_ohm;
            worst = fmax(worst, fmax(fabs(fr), fabs(fc)));
        }
    return worst / scale;
}

/* ---- conformance -------------------------------------------------------------------------------- */

static void conformance(const char *name, int method)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/conformance/crossbar/%s", CIM_SRC, name);
    size_t M, N, vr, vc, nI;
    double *G = read_csv(dir, "G.csv", &M, &N);
    double *v = read_csv(dir, "v.csv", &vr, &vc);
    double *Iref = read_csv(dir, "I_ref.csv", &nI, NULL);
    double *Vrow = read_csv(dir, "Vrow.csv", NULL, NULL), *Vcol = read_csv(dir, "Vcol.csv", NULL, NULL);
    cr_assert_eq(vr, M);
    cr_assert_eq(nI, N);
    circuit_wires w = {json_number(dir, "r_row"), json_number(dir, "r_col"), json_number(dir, "r_drv"),
                       json_number(dir, "r_sense")};
    circuit *c;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(circuit_set_conductances(c, G), CIM_OK);
    circuit_opts o = circuit_opts_default();
    o.method = method;
    circuit_stats st;
    double *I = malloc(N * sizeof *I);
    cr_assert_eq(circuit_solve(c, v, NULL, I, &o, &st), CIM_OK, "%s: %s", name, cim_errmsg());
    cr_assert(st.converged);
    cr_assert_leq(st.residual, 1e-9);
    double dI = util_max_rel(I, Iref, N);
    double dVr = util_max_rel(circuit_v_row(c), Vrow, M * N), dVc = util_max_rel(circuit_v_col(c), Vcol, M * N);
    cr_log_info("%s (%s): column currents %.2e, row nodes %.2e, column nodes %.2e, %d iterations, residual %.1e",
                name, circuit_method_names[method], dI, dVr, dVc, st.iterations, st.residual);
    /* The cases are exact to ~1e-12 (README); our residual target is 1e-9 of the source current. */
    cr_assert_leq(dI, 1e-9, "%s column currents differ by %.3g", name, dI);
    cr_assert_leq(dVr, 1e-9, "%s row node voltages differ by %.3g", name, dVr);
    /* Column node voltages are small (near virtual ground): compare relative to the largest. */
    cr_assert_leq(dVc, 1e-8, "%s column node voltages differ by %.3g", name, dVc);
    if (w.r_row_ohm > 0 && w.r_col_ohm > 0)
        cr_assert_leq(kcl_check(M, N, &w, G, v, circuit_v_row(c), circuit_v_col(c)), 2e-9);
    circuit_free(c);
    free(G), free(v), free(Iref), free(Vrow), free(Vcol), free(I);
}

Test(circuit, conformance_cases_pcg)
{
    const char *names[] = {"xbar_2x3", "xbar_8x8", "xbar_32x32", "ideal_16x16"};
    for (size_t k = 0; k < 4; k++)
        conformance(names[k], CIRCUIT_PCG);
}

Test(circuit, conformance_cases_direct_cholmod)
{
    const char *names[] = {"xbar_2x3", "xbar_8x8", "xbar_32x32", "ideal_16x16"};
    for (size_t k = 0; k < 4; k++)
        conformance(names[k], CIRCUIT_DIRECT);
}

/* ---- the ideal limit ---------------------------------------------------------------------------- */

Test(circuit, zero_wires_equal_the_ideal_sum_to_rounding)
{
    size_t sizes[][2] = {{1, 1}, {1, 7}, {9, 1}, {16, 16}, {33, 70}, {128, 64}};
    gsl_rng *r = rng_alloc(3, "test");
    circuit_wires w = {0, 0, 0, 0};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t M = sizes[s][0], N = sizes[s][1];
        double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v), *I = malloc(N * sizeof *I),
               *ref = malloc(N * sizeof *ref);
        crossbar_fill_uniform(G, M * N, 1e-6, 1e-4, r);
        for (size_t i = 0; i < M; i++)
            v[i] = 0.2 * gsl_rng_uniform(r);
        crossbar_ideal_mvm(G, M, N, v, ref, NULL);
        for (int method = CIRCUIT_PCG; method <= CIRCUIT_DIRECT; method++) {
            circuit *c;
            cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK);
            cr_assert_eq(circuit_set_conductances(c, G), CIM_OK);
            circuit_opts o = circuit_opts_default();
            o.method = method;
            circuit_stats st;
            cr_assert_eq(circuit_solve(c, v, NULL, I, &o, &st), CIM_OK, "%s", cim_errmsg());
            /* All nodes are fixed: both sums are the same M terms in a different order. */
            for (size_t j = 0; j < N; j++)
                cr_assert_leq(fabs(I[j] - ref[j]), 4 * M * 2.3e-16 * fabs(ref[j]), "%zux%zu col %zu: %.17g vs %.17g", M,
                              N, j, I[j], ref[j]);
            cr_assert_eq(st.iterations, 0);
            circuit_free(c);
        }
        free(G), free(v), free(I), free(ref);
    }
    rng_free(r);
}

/* ---- random circuits: PCG against CHOLMOD, KCL and energy ---------------------------------------- */

static void random_case(size_t M, size_t N, circuit_wires w, uint64_t seed, double g_max_S)
{
    gsl_rng *r = rng_alloc(seed, "test");
    double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v);
    double *Ip = malloc(N * sizeof *Ip), *Id = malloc(N * sizeof *Id);
    crossbar_fill_uniform(G, M * N, g_max_S / 100, g_max_S, r);
    for (size_t i = 0; i < M; i++)
        v[i] = 0.2 * gsl_rng_uniform(r);
    circuit *c;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK);
    cr_assert_eq(circuit_set_conductances(c, G), CIM_OK);
    circuit_opts o = circuit_opts_default();
    circuit_stats sp, sd;
    o.method = CIRCUIT_PCG;
    cr_assert_eq(circuit_solve(c, v, NULL, Ip, &o, &sp), CIM_OK, "%s", cim_errmsg());
    double *Vr = malloc(M * N * sizeof *Vr), *Vc = malloc(M * N * sizeof *Vc);
    memcpy(Vr, circuit_v_row(c), M * N * sizeof *Vr);
    memcpy(Vc, circuit_v_col(c), M * N * sizeof *Vc);
    /* Energy: what the sources deliver is what the cells and wires dissipate. */
    double p_src = circuit_power_W(c), p_diss = 0;
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            size_t k = i * N + j;
            p_diss += G[k] * (Vr[k] - Vc[k]) * (Vr[k] - Vc[k]);
            if (w.r_row_ohm > 0 && j + 1 < N)
                p_diss += (Vr[k] - Vr[k + 1]) * (Vr[k] - Vr[k + 1]) / w.r_row_ohm;
            if (w.r_col_ohm > 0 && i + 1 < M)
                p_diss += (Vc[k] - Vc[k + N]) * (Vc[k] - Vc[k + N]) / w.r_col_ohm;
        }
    for (size_t i = 0; i < M && w.r_drv_ohm > 0; i++)
        p_diss += (v[i] - Vr[i * N]) * (v[i] - Vr[i * N]) / w.r_drv_ohm;
    for (size_t j = 0; j < N && w.r_sense_ohm > 0; j++)
        p_diss += Vc[(M - 1) * N + j] * Vc[(M - 1) * N + j] / w.r_sense_ohm;
    cr_assert_leq(fabs(p_src - p_diss), 1e-8 * p_src, "%zux%zu: power delivered %.12g W, dissipated %.12g W", M, N,
                  p_src, p_diss);
    if (w.r_row_ohm > 0 && w.r_col_ohm > 0 && w.r_drv_ohm > 0 && w.r_sense_ohm > 0)
        cr_assert_leq(kcl_check(M, N, &w, G, v, Vr, Vc), 2e-9);
    o.method = CIRCUIT_DIRECT;
    o.warm_start = 0;
    cr_assert_eq(circuit_solve(c, v, NULL, Id, &o, &sd), CIM_OK, "%s", cim_errmsg());
    double d = util_max_rel(Ip, Id, N);
    cr_log_info("%zux%zu r=(%g,%g,%g,%g): pcg %d it, residual %.1e; pcg vs cholmod %.1e", M, N, w.r_row_ohm,
                w.r_col_ohm, w.r_drv_ohm, w.r_sense_ohm, sp.iterations, sp.residual, d);
    cr_assert_leq(d, 1e-8, "%zux%zu pcg vs cholmod %.3g", M, N, d);
    circuit_free(c);
    rng_free(r);
    free(G), free(v), free(Ip), free(Id), free(Vr), free(Vc);
}

Test(circuit, pcg_matches_cholmod_kcl_and_energy_on_random_arrays)
{
    circuit_wires typical = {2.5, 2.5, 10, 10};
    random_case(17, 5, typical, 1, 1e-4);
    random_case(64, 64, typical, 2, 1e-4);
    random_case(40, 96, (circuit_wires){1, 10, 10, 10}, 3, 1e-4);
    /* Strong IR drop: 1 mS cells on 10-ohm wires, 128 x 128 (the ideal sum is off by several x). */
    random_case(128, 128, (circuit_wires){10, 10, 10, 10}, 4, 1e-3);
}

Test(circuit, ideal_parts_of_the_circuit_are_exact_nodes)
{
    /* Every combination of zero and nonzero parasitics (merged lines, fixed ends) against CHOLMOD,
     * with energy conservation. */
    double r[2] = {0, 3};
    int n = 0;
    for (int m = 1; m < 16; m++) {
        circuit_wires w = {r[m & 1], r[(m >> 1) & 1], r[(m >> 2) & 1], r[(m >> 3) & 1]};
        random_case(12, 9, w, 10 + (uint64_t)m, 1e-3);
        n++;
    }
    cr_assert_eq(n, 15);
}

/* ---- warm start and the effective conductance matrix ------------------------------------------- */

Test(circuit, warm_start_converges_faster_and_agrees)
{
    size_t M = 96, N = 96;
    circuit_wires w = {2.5, 2.5, 10, 10};
    gsl_rng *r = rng_alloc(5, "test");
    double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v), *I1 = malloc(N * sizeof *I1),
           *I2 = malloc(N * sizeof *I2);
    crossbar_fill_uniform(G, M * N, 1e-6, 1e-4, r);
    for (size_t i = 0; i < M; i++)
        v[i] = 0.2 * gsl_rng_uniform(r);
    circuit *c;
    circuit_new(&c, M, N, &w);
    circuit_set_conductances(c, G);
    circuit_stats cold, warm;
    cr_assert_eq(circuit_solve(c, v, NULL, I1, NULL, &cold), CIM_OK);
    v[3] *= 1.01; /* a nearby input */
    cr_assert_eq(circuit_solve(c, v, NULL, I2, NULL, &warm), CIM_OK);
    cr_assert_lt(warm.iterations, cold.iterations, "warm %d, cold %d", warm.iterations, cold.iterations);
    circuit_opts o = circuit_opts_default();
    o.warm_start = 0;
    cr_assert_eq(circuit_solve(c, v, NULL, I1, &o, &cold), CIM_OK);
    cr_assert_leq(util_max_rel(I1, I2, N), 3e-9);
    circuit_free(c);
    rng_free(r);
    free(G), free(v), free(I1), free(I2);
}

Test(circuit, effective_conductance_matrix_reproduces_the_solve)
{
    size_t M = 40, N = 24;
    circuit_wires w = {2.5, 5, 10, 10};
    gsl_rng *r = rng_alloc(6, "test");
    double *G = malloc(M * N * sizeof *G), *Ge = malloc(M * N * sizeof *Ge), *v = malloc(M * sizeof *v);
    double *I = malloc(N * sizeof *I), *Ie = malloc(N * sizeof *Ie);
    crossbar_fill_uniform(G, M * N, 1e-6, 1e-3, r);
    circuit *c;
    circuit_new(&c, M, N, &w);
    circuit_set_conductances(c, G);
    circuit_stats st;
    cr_assert_eq(circuit_effective_g(c, Ge, NULL, &st), CIM_OK, "%s", cim_errmsg());
    cr_assert(st.converged);
    /* Parasitics only lose current: 0 < G_eff < G in sum, per row. */
    for (size_t i = 0; i < M; i++) {
        double s = 0, se = 0;
        for (size_t j = 0; j < N; j++)
            s += G[i * N + j], se += Ge[i * N + j];
        cr_assert(se > 0 && se < s, "row %zu: %g vs %g", i, se, s);
    }
    for (int trial = 0; trial < 3; trial++) {
        for (size_t i = 0; i < M; i++)
            v[i] = 0.4 * gsl_rng_uniform(r) - 0.2;
        cr_assert_eq(circuit_solve(c, v, NULL, I, NULL, NULL), CIM_OK);
        crossbar_ideal_mvm(Ge, M, N, v, Ie, NULL);
        cr_assert_leq(util_max_rel(Ie, I, N), 1e-8, "trial %d: %.3g", trial, util_max_rel(Ie, I, N));
    }
    circuit_free(c);
    rng_free(r);
    free(G), free(Ge), free(v), free(I), free(Ie);
}

/* The effective matrix's unit-input solves are shared out over threads, each on its own worker copy of
 * the circuit: the matrix, the iteration count and the residual must not depend on the thread count. */
Test(circuit, effective_conductance_matrix_is_the_same_on_any_thread_count)
{
    size_t M = 37, N = 29;
    circuit_wires w = {2.5, 5, 10, 10};
    gsl_rng *r = rng_alloc(16, "test");
    double *G = malloc(M * N * sizeof *G), *G1 = malloc(M * N * sizeof *G1), *Gn = malloc(M * N * sizeof *Gn);
    crossbar_fill_uniform(G, M * N, 1e-6, 1e-3, r);
    circuit_stats s1, sn;
    for (int nt = 1; nt <= 3; nt++) {
        cim_set_threads(nt);
        circuit *c;
        circuit_new(&c, M, N, &w);
        circuit_set_conductances(c, G);
        cr_assert_eq(circuit_effective_g(c, nt == 1 ? G1 : Gn, NULL, nt == 1 ? &s1 : &sn), CIM_OK, "%s", cim_errmsg());
        circuit_free(c);
        if (nt > 1) {
            cr_assert(memcmp(G1, Gn, M * N * sizeof *Gn) == 0, "%d threads: a different matrix", nt);
            cr_assert_eq(s1.iterations, sn.iterations);
            cr_assert_eq(s1.residual, sn.residual);
            cr_assert(sn.converged);
        }
    }
    cim_set_threads(1);
    rng_free(r);
    free(G), free(G1), free(Gn);
}

/* ---- nonlinear cells ---------------------------------------------------------------------------- */

/* i = G v0 sinh(v / v0): small-signal conductance G at 0 V, stiff above v0. */
typedef struct sinh_ctx {
    const double *G;
    double v0_V;
} sinh_ctx;

static void sinh_eval(const void *ctx, size_t k0, size_t n, const double *v, double *i, double *g)
{
    const sinh_ctx *s = ctx;
    for (size_t k = 0; k < n; k++) {
        double x = v[k] / s->v0_V;
        if (i)
            i[k] = s->G[k0 + k] * s->v0_V * sinh(x);
        if (g)
            g[k] = s->G[k0 + k] * cosh(x);
    }
}

Test(circuit, sinh_cells_newton_converges_and_pcg_matches_cholmod)
{
    size_t M = 48, N = 32;
    circuit_wires w = {5, 5, 10, 10};
    gsl_rng *r = rng_alloc(7, "test");
    double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v), *Ip = malloc(N * sizeof *Ip),
           *Id = malloc(N * sizeof *Id), *Il = malloc(N * sizeof *Il);
    /* Cells up to 100 uS at v / v0 up to 4: strongly nonlinear (sinh(4)/4 = 6.8), with enough IR drop
     * (10-60 %) that the wires matter too. */
    crossbar_fill_uniform(G, M * N, 1e-6, 1e-4, r);
    for (size_t i = 0; i < M; i++)
        v[i] = 0.5 + 0.5 * gsl_rng_uniform(r);
    sinh_ctx sc = {G, 0.25};
    circuit_cells cells = {sinh_eval, &sc};
    circuit *c;
    circuit_new(&c, M, N, &w);
    cr_assert_eq(circuit_set_cells(c, &cells), CIM_OK);
    circuit_opts o = circuit_opts_default();
    circuit_stats sp, sd;
    o.method = CIRCUIT_PCG;
    cr_assert_eq(circuit_solve(c, v, NULL, Ip, &o, &sp), CIM_OK, "%s", cim_errmsg());
    o.method = CIRCUIT_DIRECT;
    o.warm_start = 0;
    cr_assert_eq(circuit_solve(c, v, NULL, Id, &o, &sd), CIM_OK, "%s", cim_errmsg());
    cr_log_info("sinh 48x32: pcg %d Newton steps, %d iterations, residual %.1e; direct %d steps; differ %.1e",
                sp.newton_steps, sp.iterations, sp.residual, sd.newton_steps, util_max_rel(Ip, Id, N));
    cr_assert(sp.converged && sd.converged);
    cr_assert_gt(sp.newton_steps, 1);
    cr_assert_leq(util_max_rel(Ip, Id, N), 1e-8);
    /* The nonlinearity matters here: the linear array with the same G carries less current. */
    circuit *cl;
    circuit_new(&cl, M, N, &w);
    circuit_set_conductances(cl, G);
    circuit_solve(cl, v, NULL, Il, NULL, NULL);
    double lo = INFINITY;
    for (size_t j = 0; j < N; j++)
        lo = fmin(lo, Ip[j] / Il[j]);
    cr_log_info("sinh / linear column current: at least %.3f", lo);
    cr_assert_gt(lo, 1.2);
    /* An impossible budget is reported, never returned as an answer. */
    o.method = CIRCUIT_PCG;
    o.max_newton = 1;
    cr_assert_eq(circuit_solve(c, v, NULL, Ip, &o, &sp), CIM_ESIM);
    cr_assert(!sp.converged);
    cr_assert(strstr(cim_errmsg(), "did not converge") != NULL, "%s", cim_errmsg());
    circuit_free(c);
    circuit_free(cl);
    rng_free(r);
    free(G), free(v), free(Ip), free(Id), free(Il);
}

/* ---- floating lines and bias ------------------------------------------------------------------- */

Test(circuit, floating_lines_and_biased_columns)
{
    /* Single-cell read of a 2 x 2 passive array, ideal wires: row 0 at V, column 0 sensed at 0 V, row 1
     * and column 1 floating.  The sneak path R01 -> R11 -> R10 in series, parallel to R00. */
    circuit_wires w = {0, 0, 0, 0};
    double G[4] = {1e-4, 2e-4, 3e-4, 5e-5}; /* g00 g01 / g10 g11 */
    circuit *c;
    circuit_new(&c, 2, 2, &w);
    circuit_set_conductances(c, G);
    circuit_set_row_term(c, 1, 0.0);
    circuit_set_col_term(c, 1, 0.0);
    double v[2] = {0.3, 0.0}, I[2];
    for (int method = CIRCUIT_PCG; method <= CIRCUIT_DIRECT; method++) {
        circuit_opts o = circuit_opts_default();
        o.method = method;
        o.warm_start = 0;
        cr_assert_eq(circuit_solve(c, v, NULL, I, &o, NULL), CIM_OK, "%s", cim_errmsg());
        double g_sneak = 1.0 / (1 / G[1] + 1 / G[3] + 1 / G[2]);
        cr_assert_float_eq(I[0], 0.3 * (G[0] + g_sneak), 1e-12 * 0.3 * G[0], "%s: %.15g", circuit_method_names[method],
                           I[0]);
        cr_assert_eq(I[1], 0.0);
    }
    /* V/2 bias: row 1 and column 1 at V/2; the half-selected cells each see V/2, the unselected 0. */
    circuit_set_row_term(c, 1, INFINITY);
    circuit_set_col_term(c, 1, INFINITY);
    double vr[2] = {0.3, 0.15}, vc[2] = {0.0, 0.15};
    cr_assert_eq(circuit_solve(c, vr, vc, I, NULL, NULL), CIM_OK);
    cr_assert_float_eq(I[0], 0.3 * G[0] + 0.15 * G[2], 1e-15);
    cr_assert_float_eq(I[1], 0.15 * G[1] + 0.0 * G[3], 1e-15);
    circuit_free(c);
}

Test(circuit, bad_inputs_are_reported)
{
    circuit *c;
    circuit_wires w = {1, 1, 1, 1}, bad = {-1, 1, 1, 1};
    cr_assert_eq(circuit_new(&c, 0, 3, &w), CIM_EINVAL);
    cr_assert_null(c);
    cr_assert_eq(circuit_new(&c, 2, 3, &bad), CIM_EINVAL);
    cr_assert(strstr(cim_errmsg(), "r_row_ohm") != NULL);
    cr_assert_eq(circuit_new(&c, 2, 2, &w), CIM_OK);
    double v[2] = {0.1, NAN}, G[4] = {1e-4, -1e-6, 1e-4, 1e-4};
    cr_assert_eq(circuit_solve(c, v, NULL, NULL, NULL, NULL), CIM_EINVAL); /* no cells yet */
    cr_assert_eq(circuit_set_conductances(c, G), CIM_EINVAL);
    cr_assert(strstr(cim_errmsg(), "row 0, column 1") != NULL, "%s", cim_errmsg());
    G[1] = 1e-4;
    cr_assert_eq(circuit_set_conductances(c, G), CIM_OK);
    cr_assert_eq(circuit_solve(c, v, NULL, NULL, NULL, NULL), CIM_EINVAL);
    cr_assert(strstr(cim_errmsg(), "row 1") != NULL, "%s", cim_errmsg());
    cr_assert_eq(circuit_set_row_term(c, 5, 1.0), CIM_EINVAL);
    circuit_free(c);
}

/* A batch of input vectors: each vector's currents must be the answer of its own cold solve (to the solve
 * tolerance: the batch starts every vector from the first one's solution), the same bits on any thread
 * count, for linear and for sinh cells (whose workers refactor their own Jacobians). */
static void batch_case(int nonlinear)
{
    size_t M = 30, N = 22, n = 9;
    circuit_wires w = {5, 5, 10, 10};
    gsl_rng *r = rng_alloc(21 + (uint64_t)nonlinear, "test");
    double *G = malloc(M * N * sizeof *G), *V = malloc(n * M * sizeof *V), *Ib = malloc(n * N * sizeof *Ib);
    double *In = malloc(n * N * sizeof *In), *I1 = malloc(N * sizeof *I1);
    crossbar_fill_uniform(G, M * N, 1e-6, 1e-4, r);
    for (size_t k = 0; k < n * M; k++)
        V[k] = nonlinear ? 0.2 + 0.6 * gsl_rng_uniform(r) : 0.2 * gsl_rng_uniform(r);
    sinh_ctx sc = {G, 0.25};
    circuit_cells cells = {sinh_eval, &sc};
    circuit_stats sb, sn;
    for (int nt = 1; nt <= 3; nt++) {
        cim_set_threads(nt);
        circuit *c;
        circuit_new(&c, M, N, &w);
        if (nonlinear)
            circuit_set_cells(c, &cells);
        else
            circuit_set_conductances(c, G);
        cr_assert_eq(circuit_solve_batch(c, n, V, NULL, nt == 1 ? Ib : In, NULL, nt == 1 ? &sb : &sn), CIM_OK, "%s",
                     cim_errmsg());
        if (nt == 1) {
            cr_assert(sb.converged);
            if (nonlinear)
                cr_assert_geq(sb.newton_steps, (int)n, "every vector takes Newton steps");
            /* each vector against its own cold solve, and the circuit holds the first vector's solution */
            circuit_opts o = circuit_opts_default();
            o.warm_start = 0;
            for (size_t k = 0; k < n; k++) {
                cr_assert_eq(circuit_solve(c, V + k * M, NULL, I1, &o, NULL), CIM_OK);
                cr_assert_leq(util_max_rel(Ib + k * N, I1, N), 1e-8, "vector %zu: %.3g", k, util_max_rel(Ib + k * N, I1, N));
            }
        } else {
            cr_assert(memcmp(Ib, In, n * N * sizeof *In) == 0, "%s cells, %d threads: other bits",
                      nonlinear ? "sinh" : "linear", nt);
            cr_assert_eq(sb.iterations, sn.iterations);
            cr_assert_eq(sb.newton_steps, sn.newton_steps);
        }
        circuit_free(c);
    }
    cim_set_threads(1);
    rng_free(r);
    free(G), free(V), free(Ib), free(In), free(I1);
}

Test(circuit, batch_of_inputs_linear) { batch_case(0); }
Test(circuit, batch_of_inputs_sinh_cells) { batch_case(1); }

/* Currents far below what the wires carry at the same voltage (1 Gohm cells on 1-ohm wires: nA against
 * 0.4 S x 0.2 V): the KCL residual of a row node cannot be evaluated below its rounding floor, 8 eps g_node
 * v_max, which here exceeds rtol x i_scale.  The solve must stop at that floor (not report non-convergence),
 * say so in floor_rel, and still give column currents that agree between PCG and CHOLMOD and with the ideal
 * sum to within the tiny IR drop. */
Test(circuit, tiny_currents_on_strong_wires_converge_to_the_rounding_floor)
{
    size_t M = 32, N = 32;
    circuit_wires w = {1, 1, 10, 10};
    gsl_rng *r = rng_alloc(31, "test");
    double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v), *Ip = malloc(N * sizeof *Ip);
    double *Id = malloc(N * sizeof *Id), *Ii = malloc(N * sizeof *Ii);
    crossbar_fill_uniform(G, M * N, 0.5e-9, 1.5e-9, r);
    crossbar_fill_uniform(v, M, 0.05, 0.2, r);
    circuit *c;
    circuit_new(&c, M, N, &w);
    circuit_set_conductances(c, G);
    circuit_opts o = circuit_opts_default();
    circuit_stats sp, sd;
    o.method = CIRCUIT_PCG;
    cr_assert_eq(circuit_solve(c, v, NULL, Ip, &o, &sp), CIM_OK, "%s", cim_errmsg());
    o.method = CIRCUIT_DIRECT;
    o.warm_start = 0;
    cr_assert_eq(circuit_solve(c, v, NULL, Id, &o, &sd), CIM_OK, "%s", cim_errmsg());
    cr_log_info("1 Gohm cells on 1-ohm wires: floor %.2g of the source current, residual %.2g (pcg), %.2g (direct)",
                sp.floor_rel, sp.residual, sd.residual);
    cr_assert(sp.converged && sd.converged);
    cr_assert_gt(sp.floor_rel, o.rtol, "the floor is in force here");
    cr_assert_leq(sp.residual, sp.floor_rel);
    crossbar_ideal_mvm(G, M, N, v, Ii, NULL);
    cr_assert_leq(util_max_rel(Ip, Id, N), 1e-9, "pcg vs direct %.3g", util_max_rel(Ip, Id, N));
    /* IR drop of ~nA through ~40 ohm of wire and terminals at 0.05-0.2 V: a relative loss below 1e-5 */
    cr_assert_leq(util_max_rel(Ip, Ii, N), 1e-5, "vs ideal %.3g", util_max_rel(Ip, Ii, N));
    circuit_free(c);
    rng_free(r);
    free(G), free(v), free(Ip), free(Id), free(Ii);
}

/* tests/test_circuit_spice.c -- the crossbar netlist exporter run through Debian's ngspice, against the
 * shared conformance references and the ideal sum (independent of the circuit solver), and the circuit
 * solver against ngspice on random linear, sinh, 1S1R and 1T1R arrays with wires. */
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "crossbar/cell.h"
#include "crossbar/circuit.h"
#include "crossbar/spice_array.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdlib.h>

/* One timeout for every ngspice test: Criterion 2.4 leaks a small block (LeakSanitizer under `make check`) when
 * tests with different timeouts run in parallel. */
#define SPICE_TIMEOUT_S 120

/* ---- helpers --------------------------------------------------------------------------------------- */

/* Exports s, runs ngspice in batch mode on it and reads its column currents (and node voltages). */
static void run_ngspice(const spice_array *s, double *i_col, double *v_row, double *v_col, const char *what)
{
    char *dir = util_tmpdir(), cir[600], data[600], cmd[1400];
    cr_assert_not_null(dir);
    snprintf(cir, sizeof cir, "%s/xbar.cir", dir);
    snprintf(data, sizeof data, "%s/xbar.data", dir);
    strbuf nl;
    strbuf_init(&nl);
    cr_assert_eq(spice_array_netlist(s, data, &nl), CIM_OK, "%s: %s", what, cim_errmsg());
    util_write(cir, nl.s);
    strbuf_destroy(&nl);
    snprintf(cmd, sizeof cmd, "cd %s && ngspice -b xbar.cir > ngspice.log 2>&1", dir);
    cr_assert_eq(system(cmd), 0, "%s: ngspice failed (see %s/ngspice.log)", what, dir);
    cr_assert_eq(spice_array_read(s, data, i_col, v_row, v_col), CIM_OK, "%s: %s (see %s)", what, cim_errmsg(), dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

static double max_rel(const double *a, const double *b, size_t n)
{
    double worst = 0;
    for (size_t k = 0; k < n; k++)
        worst = fmax(worst, fabs(a[k] - b[k]) / fabs(b[k]));
    return worst;
}

static csv_table read_csv(const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, CIM_SRC "/tests/conformance/crossbar/%s/%s", dir, name);
    csv_table t = {0};
    csv_read_opts o = csv_opts_any();
    o.header = CSV_HEADER_NONE;
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    return t;
}

/* "r_row": 2.5 in params.json (the only JSON this test needs: four numbers). */
static double json_number(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(text, pat);
    cr_assert_not_null(p, "params.json lacks %s", key);
    return strtod(p + strlen(pat), NULL);
}

/* ---- the exporter, independently of the solver -------------------------------------------------------- */

ParameterizedTestParameters(circuit_spice, exported_conformance_case_reproduces_its_reference)
{
    static const char *cases[] = {"xbar_2x3", "xbar_8x8", "xbar_32x32", "ideal_16x16"};
    static size_t ids[4] = {0, 1, 2, 3};
    (void)cases;
    return cr_make_param_array(size_t, ids, 4);
}

ParameterizedTest(size_t *ci, circuit_spice, exported_conformance_case_reproduces_its_reference, .timeout = SPICE_TIMEOUT_S)
{
    static const char *cases[] = {"xbar_2x3", "xbar_8x8", "xbar_32x32", "ideal_16x16"};
    const char *name = cases[*ci];
    csv_table G = read_csv(name, "G.csv"), v = read_csv(name, "v.csv"), I = read_csv(name, "I_ref.csv");
    csv_table Vr = read_csv(name, "Vrow.csv"), Vc = read_csv(name, "Vcol.csv");
    char path[600];
    snprintf(path, sizeof path, CIM_SRC "/tests/conformance/crossbar/%s/params.json", name);
    char *js = util_slurp(path, NULL);
    cr_assert_not_null(js);
    size_t M = G.rows, N = G.cols;
    cr_assert_eq(v.rows * v.cols, M);
    cr_assert_eq(I.rows * I.cols, N);
    spice_array s = {.rows = M, .cols = N, .v_row_V = v.data, .node_voltages = 1};
    s.wires = (circuit_wires){json_number(js, "r_row"), json_number(js, "r_col"), json_number(js, "r_drv"),
                              json_number(js, "r_sense")};
    cell_params cp = cell_params_default();
    cell_array a;
    cr_assert_eq(cell_array_init(&a, &cp, M, N, G.data), CIM_OK);
    s.cells = &a;
    double *i_col = malloc(N * sizeof *i_col), *v_row = malloc(M * N * sizeof *v_row),
           *v_col = malloc(M * N * sizeof *v_col);
    run_ngspice(&s, i_col, v_row, v_col, name);
    double e_i = max_rel(i_col, I.data, N), e_vr = max_rel(v_row, Vr.data, M * N), e_vc = 0;
    /* Column node voltages approach 0 V (virtual ground): relative to the largest. */
    double vc_max = 0;
    for (size_t k = 0; k < M * N; k++)
        vc_max = fmax(vc_max, fabs(Vc.data[k]));
    for (size_t k = 0; k < M * N; k++)
        e_vc = fmax(e_vc, vc_max > 0 ? fabs(v_col[k] - Vc.data[k]) / vc_max : fabs(v_col[k]));
    cr_log_info("%s: column currents %.2e, row voltages %.2e, column voltages %.2e (relative)", name, e_i, e_vr, e_vc);
    cr_expect_leq(e_i, 1e-9, "%s: column currents differ by %.3g relative", name, e_i);
    cr_expect_leq(e_vr, 1e-9, "%s: row node voltages differ by %.3g relative", name, e_vr);
    cr_expect_leq(e_vc, 1e-9, "%s: column node voltages differ by %.3g of the largest", name, e_vc);
    cell_array_destroy(&a);
    free(i_col), free(v_row), free(v_col), free(js);
    csv_table_free(&G), csv_table_free(&v), csv_table_free(&I), csv_table_free(&Vr), csv_table_free(&Vc);
}

/* With every resistance zero the exported circuit is the ideal sum, for conductances and, with a
 * transistor in series (1T1R, gates on and off by row), for g / (1 + r g). */
Test(circuit_spice, ideal_wires_export_the_kirchhoff_sum, .timeout = SPICE_TIMEOUT_S)
{
    const size_t M = 12, N = 10;
    gsl_rng *r = rng_alloc(7, "spice.ideal");
    double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v), *i_col = malloc(N * sizeof *i_col);
    double *ref = malloc(N * sizeof *ref);
    for (size_t k = 0; k < M * N; k++)
        G[k] = 1e-6 + 99e-6 * gsl_rng_uniform(r);
    for (size_t i = 0; i < M; i++)
        v[i] = 0.2 * gsl_rng_uniform(r);
    for (int type = CELL_1R; type <= CELL_1T1R; type++) {
        cell_params cp = cell_params_default();
        cp.type = type;
        cp.r_on_ohm = 3.7e3;
        cp.r_off_ohm = 2.3e9;
        cell_array a;
        cr_assert_eq(cell_array_init(&a, &cp, M, N, G), CIM_OK);
        for (size_t i = 0; i < M; i++)
            a.gate_on[i] = i % 3 != 1;
        spice_array s = {.rows = M, .cols = N, .wires = {0, 0, 0, 0}, .v_row_V = v, .cells = &a};
        run_ngspice(&s, i_col, NULL, NULL, cell_type_names[type]);
        for (size_t j = 0; j < N; j++) {
            ref[j] = 0;
            for (size_t i = 0; i < M; i++) {
                double g = G[i * N + j], ra = type == CELL_1T1R ? (a.gate_on[i] ? 3.7e3 : 2.3e9) : 0.0;
                ref[j] += g / (1 + ra * g) * v[i];
            }
        }
        double e = max_rel(i_col, ref, N);
        cr_log_info("ideal %s: %.2e relative", cell_type_names[type], e);
        cr_expect_leq(e, 1e-12, "%s: ngspice differs from the ideal sum by %.3g", cell_type_names[type], e);
        cell_array_destroy(&a);
    }
    rng_free(r);
    free(G), free(v), free(i_col), free(ref);
}

/* ---- the solver against ngspice ----------------------------------------------------------------------- */

typedef struct spice_case {
    const char *name;
    size_t M, N;
    int type, iv;
    uint64_t seed;
    int ideal_rows; /* 1: ideal row wires and drivers (merged nodes), resistive columns and sense */
} spice_case;

static const spice_case solver_cases[] = {
    {"linear 2x3", 2, 3, CELL_1R, CELL_IV_LINEAR, 1, 0},
    {"linear 8x8", 8, 8, CELL_1R, CELL_IV_LINEAR, 2, 0},
    {"linear 16x16", 16, 16, CELL_1R, CELL_IV_LINEAR, 3, 0},
    {"linear 24x40", 24, 40, CELL_1R, CELL_IV_LINEAR, 4, 0},
    {"linear 64x64", 64, 64, CELL_1R, CELL_IV_LINEAR, 5, 0},
    {"sinh 2x3", 2, 3, CELL_1R, CELL_IV_SINH, 6, 0},
    {"sinh 8x8", 8, 8, CELL_1R, CELL_IV_SINH, 7, 0},
    {"sinh 16x16", 16, 16, CELL_1R, CELL_IV_SINH, 8, 0},
    {"sinh 24x40", 24, 40, CELL_1R, CELL_IV_SINH, 9, 0},
    {"1s1r linear 8x8", 8, 8, CELL_1S1R, CELL_IV_LINEAR, 10, 0},
    {"1s1r sinh 16x16", 16, 16, CELL_1S1R, CELL_IV_SINH, 11, 0},
    {"1t1r sinh 8x8", 8, 8, CELL_1T1R, CELL_IV_SINH, 12, 0},
    {"1t1r linear 24x40", 24, 40, CELL_1T1R, CELL_IV_LINEAR, 13, 0},
    {"linear 16x16, ideal rows", 16, 16, CELL_1R, CELL_IV_LINEAR, 14, 1},
    {"sinh 12x20, ideal rows", 12, 20, CELL_1R, CELL_IV_SINH, 15, 1},
};
#define N_SOLVER_CASES (sizeof solver_cases / sizeof *solver_cases)

ParameterizedTestParameters(circuit_spice, solver_matches_ngspice)
{
    static size_t ids[N_SOLVER_CASES];
    for (size_t i = 0; i < N_SOLVER_CASES; i++)
        ids[i] = i;
    return cr_make_param_array(size_t, ids, N_SOLVER_CASES);
}

/* Random G in 1-100 uS, inputs in 0-0.2 V, wires 1-10 ohm, driver and sense 10 ohm; the selector is made
 * stronger than the default (i_sel 1 uA, v_sel 25 mV: 27 uA at 0.1 V) so that at these inputs it and the memory
 * element share the voltage and the cells draw enough current for the wires to matter; 1T1R gates alternate
 * by row. */
ParameterizedTest(size_t *ci, circuit_spice, solver_matches_ngspice, .timeout = SPICE_TIMEOUT_S)
{
    const spice_case *sc = &solver_cases[*ci];
    const size_t M = sc->M, N = sc->N;
    gsl_rng *r = rng_alloc(sc->seed, "spice.solver");
    double *G = malloc(M * N * sizeof *G), *v = malloc(M * sizeof *v);
    double *i_ours = malloc(N * sizeof *i_ours), *i_ref = malloc(N * sizeof *i_ref);
    for (size_t k = 0; k < M * N; k++)
        G[k] = 1e-6 + 99e-6 * gsl_rng_uniform(r);
    for (size_t i = 0; i < M; i++)
        v[i] = 0.2 * gsl_rng_uniform(r);
    circuit_wires w = {1 + 9 * gsl_rng_uniform(r), 1 + 9 * gsl_rng_uniform(r), 10, 10};
    if (sc->ideal_rows)
        w.r_row_ohm = w.r_drv_ohm = 0;
    cell_params cp = cell_params_default();
    cp.type = sc->type;
    cp.iv = sc->iv;
    cp.i_sel_A = 1e-6;
    cp.v_sel_V = 0.025;
    cell_array a;
    cr_assert_eq(cell_array_init(&a, &cp, M, N, G), CIM_OK);
    for (size_t i = 0; i < M; i++)
        a.gate_on[i] = i % 2 == 0;

    spice_array s = {.rows = M, .cols = N, .wires = w, .v_row_V = v, .cells = &a};
    run_ngspice(&s, i_ref, NULL, NULL, sc->name);

    circuit *c = NULL;
    cr_assert_eq(circuit_new(&c, M, N, &w), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cell_array_apply(&a, c), CIM_OK, "%s", cim_errmsg());
    circuit_opts o = circuit_opts_default();
    circuit_stats st;
    cr_assert_eq(circuit_solve(c, v, NULL, i_ours, &o, &st), CIM_OK, "%s: %s", sc->name, cim_errmsg());
    double e = max_rel(i_ours, i_ref, N);
    cr_log_info("%s: max relative difference to ngspice %.2e (%d Newton, %d CG iterations)", sc->name, e,
                st.newton_steps, st.iterations);
    cr_expect_lt(e, 1e-6, "%s: solver and ngspice differ by %.3g relative", sc->name, e);
    /* The cases test what they say: ngspice's currents are far from the ideal sum of the programmed
     * conductances (the wires, and for nonlinear cells their I-V, matter), and nonlinear cells take Newton steps. */
    double *ideal = malloc(N * sizeof *ideal);
    for (size_t j = 0; j < N; j++) {
        ideal[j] = 0;
        for (size_t i = 0; i < M; i++)
            ideal[j] += G[i * N + j] * v[i];
    }
    double e_ideal = max_rel(ideal, i_ref, N);
    cr_log_info("%s: ngspice vs the ideal linear sum %.2e", sc->name, e_ideal);
    cr_expect_gt(e_ideal, 1e-4, "%s: ngspice within %.3g of the ideal sum: the case tests nothing", sc->name, e_ideal);
    if (!cell_array_is_linear(&a))
        cr_expect_gt(st.newton_steps, 1, "%s: a nonlinear solve takes Newton steps", sc->name);
    free(ideal);
    circuit_free(c);
    cell_array_destroy(&a);
    rng_free(r);
    free(G), free(v), free(i_ours), free(i_ref);
}

/* Without a data path the netlist prints the column currents for a person to read, and ngspice runs it. */
Test(circuit_spice, a_netlist_without_data_path_prints_the_currents, .timeout = SPICE_TIMEOUT_S)
{
    double G[6] = {1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 6e-5}, v[2] = {0.1, 0.2};
    cell_params cp = cell_params_default();
    cell_array a;
    cr_assert_eq(cell_array_init(&a, &cp, 2, 3, G), CIM_OK);
    spice_array s = {.rows = 2, .cols = 3, .wires = {2.5, 2.5, 10, 10}, .v_row_V = v, .cells = &a};
    strbuf nl;
    strbuf_init(&nl);
    cr_assert_eq(spice_array_netlist(&s, NULL, &nl), CIM_OK);
    cr_expect(strstr(nl.s, "print i(vsen0) i(vsen1) i(vsen2)") != NULL, "%s", nl.s);
    char *dir = util_tmpdir(), path[600], cmd[1400];
    snprintf(path, sizeof path, "%s/x.cir", dir);
    util_write(path, nl.s);
    snprintf(cmd, sizeof cmd, "cd %s && ngspice -b x.cir > out.txt 2>&1 && grep -q 'i(vsen2) = ' out.txt", dir);
    cr_expect_eq(system(cmd), 0, "ngspice prints the currents (see %s/out.txt)", dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
    strbuf_destroy(&nl);
    cell_array_destroy(&a);
}

/* Device cells have no SPICE form: a clear status, not a wrong netlist. */
Test(circuit_spice, device_cells_are_refused)
{
    double G[1] = {1e-5}, v[1] = {0.1};
    cell_array a;
    cell_params cp = cell_params_default();
    cr_assert_eq(cell_array_init(&a, &cp, 1, 1, G), CIM_OK);
    a.p.type = CELL_FEFET;
    spice_array s = {.rows = 1, .cols = 1, .v_row_V = v, .cells = &a};
    strbuf nl;
    strbuf_init(&nl);
    cr_expect_eq(spice_array_netlist(&s, NULL, &nl), CIM_EINVAL);
    strbuf_destroy(&nl);
    cell_array_destroy(&a);
}

/* exp/mvm.c -- see mvm.h. */
#include "exp/mvm.h"
#include "exp/vector.h"
#include "device/inverse.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "core/afile.h"
#include "core/strbuf.h"
#include "crossbar/circuit.h"
#include "crossbar/spice_array.h"
#include "crossbar/ideal.h"
#include "crossbar/xbar.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const mvm_cells_names[] = {"conductance", "device", NULL};
const char *const mvm_level_names[] = {"circuit", "weights", NULL};

/* ---- configuration ----------------------------------------------------------------------------- */

static int mvm_check(const void *values)
{
    const mvm_params *p = values;
    if (p->g_min_S > p->g_max_S)
        return cim_error(CIM_ECONFIG, "g_min_S (%g) must not exceed g_max_S (%g)", p->g_min_S, p->g_max_S);
    if (p->v_min_V > p->v_max_V)
        return cim_error(CIM_ECONFIG, "v_min_V (%g) must not exceed v_max_V (%g)", p->v_min_V, p->v_max_V);
    return CIM_OK;
}

/* Defaults follow the crossbar conformance cases (tests/conformance/crossbar/README.md): RRAM
 * conductances of 1-100 uS and read voltages up to 0.2 V, below typical SET thresholds. */
static const param_spec mvm_spec[] = {
    PARAM_REAL_F(mvm_params, g_min_S, 0, 1, 1e-6, "S", "smallest generated conductance (used without --conductances)"),
    PARAM_REAL_F(mvm_params, g_max_S, 0, 1, 100e-6, "S", "largest generated conductance"),
    PARAM_REAL_F(mvm_params, v_min_V, -100, 100, 0.0, "V", "smallest generated input voltage (used without --voltages)"),
    PARAM_REAL_F(mvm_params, v_max_V, -100, 100, 0.2, "V", "largest generated input voltage"),
    /* Plausibility limits of input files, so that a file in uS or mV is refused rather than read as S or V.  The
     * smallest published memristor R_on in docs' parameter tables is 50 ohm (MemTorch's VTEAM defaults; HP/Strukov
     * and Kvatinsky use 100 ohm), i.e. 0.02 S; RRAM/PCM array cells are 1 kohm and up (1 mS and down).  Reads are
     * 0.1-0.6 V and programming pulses a few volts (PCM threshold switching ~5.5 V, Ahn 2015); 10 V is above all. */
    PARAM_REAL_F(mvm_params, g_file_max_S, 1e-9, 1e3, 0.02, "S",
                 "largest conductance a --conductances file may hold: 1 / (50 ohm), the smallest R_on among the "
                 "published memristor parameters (MemTorch VTEAM); a file in uS (values like 10..60) is refused with "
                 "a hint instead of being read as siemens.  Raise it for cells that conduct more"),
    PARAM_REAL_F(mvm_params, v_file_max_V, 1e-6, 1e4, 10.0, "V",
                 "largest |voltage| a --voltages file may hold: above every read (0.1-0.6 V) and programming voltage "
                 "(a few V; PCM threshold switching ~5.5 V) of the models; a file in mV is refused with a hint"),
    PARAM_CHOICE_F(mvm_params, level, mvm_level_names, MVM_LEVEL_CIRCUIT,
                   "\"circuit\": I = G^T v from conductances and voltages; \"weights\": y = W^T x from a weight "
                   "matrix and inputs through the mapping, tiles and array reads (also chosen by --weights/--inputs)"),
    PARAM_CHOICE_F(mvm_params, cells, mvm_cells_names, MVM_CELLS_CONDUCTANCE,
                   "circuit level: \"conductance\": each cell is the cell group's I-V with small-signal conductance "
                   "G_ij; \"device\": each cell is device.model in the state whose chord conductance at "
                   "device.v_read_V is G_ij, read through its own I-V at the voltage it sees (always the circuit solve)"),
    PARAM_REAL_F(mvm_params, t_read_s, 0, 1, 10e-9, "s",
                 "duration of one array read (one input vector): each read costs the energy the row sources deliver "
                 "into the array over it (10 ns: NeuroSim's default read pulse)"),
    PARAM_INT_F(mvm_params, n_vectors, 1, 1000000, 1,
                "input vectors drawn from the seed when no --voltages file is given (a file's columns fix the count); "
                "all are multiplied by the same array, as a batch"),
    PARAM_END,
};

const param_group mvm_group = {
    .path = "mvm",
    .doc = "The matrix-vector multiply experiment: ranges for inputs drawn from the seed when no CSV is given.",
    .params = mvm_spec,
    .size = sizeof(mvm_params),
    .check = mvm_check,
};

void exp_mvm_init(exp_mvm *e, cfg *c)
{
    memset(e, 0, sizeof *e);
    cfg_bind(c, &experiment_key_group, &e->key);
    cfg_bind(c, &run_group, &e->run);
    cfg_bind(c, &crossbar_group, &e->xb);
    cfg_bind(c, &mvm_group, &e->p);
    cfg_bind(c, &cell_group, &e->cell);
}

/* ---- inputs ------------------------------------------------------------------------------------ */

int exp_mvm_load(exp_mvm *e, const char *g_path, const char *v_path, prov *pv, progress *prog)
{
    int st;
    /* Work units: one per row generated, one per row multiplied. */
    double rows_planned = g_path ? 0 : (double)e->xb.rows;
    if (prog != NULL)
        progress_start(prog, "mvm", 2 * rows_planned, prog->sink, prog->ctx);
    if (g_path != NULL) {
        csv_read_opts o = {CSV_HEADER_AUTO, "conductance", "S", 0.0, e->p.g_file_max_S, 0, NULL, "mvm.g_file_max_S",
                           "more than any memory cell conducts (R_on 50 ohm).  Is the file in µS?  Conductances are "
                           "read in siemens (10 µS is 1e-5); raise mvm.g_file_max_S for cells that do conduct more"};
        csv_table t;
        if ((st = csv_read(g_path, &o, &t)) != CIM_OK)
            return st;
        /* The file fixes the shape; record it so the provenance shows what actually ran. */
        e->rows = t.rows;
        e->cols = t.cols;
        e->xb.rows = (long long)t.rows;
        e->xb.cols = (long long)t.cols;
        e->g_S = t.data; /* take ownership */
        t.data = NULL;
        prov_add_input(pv, "conductances", g_path, t.fnv1a64);
        csv_table_free(&t);
        e->g_source = g_path;
    } else {
        e->rows = (size_t)e->xb.rows;
        e->cols = (size_t)e->xb.cols;
        e->g_S = xmalloc(e->rows * e->cols * sizeof *e->g_S);
        gsl_rng *r = rng_alloc((uint64_t)e->run.seed, "mvm.G");
        for (size_t i = 0; i < e->rows; i++) {
            crossbar_fill_uniform(e->g_S + i * e->cols, e->cols, e->p.g_min_S, e->p.g_max_S, r);
            progress_update(prog, (double)(i + 1));
        }
        rng_free(r);
    }
    exp_vector_spec vs = {"voltage", "V", "voltages", "mvm.v", e->p.v_min_V, e->p.v_max_V, e->p.v_file_max_V,
                          "mvm.v_file_max_V",
                          "more than any read or programming voltage.  Is the file in mV?  Voltages are read in "
                          "volts (200 mV is 0.2); raise mvm.v_file_max_V if the inputs are meant to be this large"};
    if ((st = exp_vectors_load(&vs, v_path, e->rows, g_path ? g_path : "the generated matrix", (uint64_t)e->run.seed,
                               (size_t)e->p.n_vectors, pv, &e->v_V, &e->n_vec)) != CIM_OK)
        return st;
    e->p.n_vectors = (long long)e->n_vec; /* provenance shows the count that ran */
    e->v_source = v_path;
    return crossbar_check_conductances(e->g_S, e->rows, e->cols);
}

/* ---- run --------------------------------------------------------------------------------------- */

/* The physical array of this run: the cell group's cells (or device.model cells placed in the state that reads
 * G_ij), the crossbar's wires, one read per input vector (a batch). */
static int make_xbar(exp_mvm *e, xbar **out)
{
    xbar_spec x = xbar_spec_default(e->rows, e->cols);
    x.cell = e->cell;
    x.wires = crossbar_wires(&e->xb);
    x.opts = crossbar_opts(&e->xb);
    x.t_read_s = e->p.t_read_s;
    int device = e->p.cells == MVM_CELLS_DEVICE;
    if (device) {
        if (e->dev_type == NULL)
            return cim_error(CIM_EINVAL, "mvm.cells = \"device\" needs a device model (device.model)");
        x.cells = XBAR_CELLS_DEVICE;
        x.dev = e->dev_type;
        x.dev_params = e->dev_params;
        x.aopts.T_K = e->dev_T_K;
        x.aopts.v_read_V = e->dev_v_read_V;
        x.aopts.seed = (uint64_t)e->run.seed;
        x.aopts.stream = "mvm.cells";
    }
    int st = xbar_new(out, &x);
    if (st != CIM_OK)
        return st;
    if ((st = xbar_set_conductances(*out, e->g_S)) != CIM_OK && device) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", cim_errmsg());
        st = cim_error(CIM_ECONFIG, "%s %s (mvm.cells = \"device\", device.model = \"%s\", device.v_read_V = %g)",
                       e->g_source ? e->g_source : "the generated conductances", msg, e->dev_type->name,
                       e->dev_v_read_V);
    }
    if (st != CIM_OK) {
        xbar_free(*out);
        *out = NULL;
    }
    return st;
}

int exp_mvm_run(exp_mvm *e, progress *prog)
{
    size_t M = e->rows, N = e->cols, K = e->n_vec;
    int st = CIM_OK;
    e->i_A = xmalloc(K * N * sizeof *e->i_A);
    e->i_ideal_A = xmalloc(K * N * sizeof *e->i_ideal_A);
    e->v_row_V = xmalloc(M * N * sizeof *e->v_row_V);
    e->v_col_V = xcalloc(M * N, sizeof *e->v_col_V);
    if (prog != NULL && e->g_source != NULL) /* rows known only now that the file is read */
        prog->total = (double)M;
    progress_set_base(prog, e->g_source ? 0 : (double)M);
    for (size_t k = 0; k < K; k++)
        crossbar_ideal_mvm(e->g_S, M, N, e->v_V + k * M, e->i_ideal_A + k * N, k == 0 ? prog : NULL);
    /* The array: its read path (ideal sum, each cell's I-V, linear or Newton circuit solve) is the xbar's. */
    xbar *xb;
    if ((st = make_xbar(e, &xb)) != CIM_OK)
        return st;
    e->read_path = xbar_read_path(xb);
    e->circuit = xbar_uses_circuit(xb);
    st = xbar_read_batch(xb, K, e->v_V, e->i_A);
    e->st = xbar_stats(xb)->last;
    if (st == CIM_OK || st == CIM_ESIM) { /* a failed solve still shows where it got to */
        int sm = xbar_node_voltages(xb, e->v_row_V, e->v_col_V);
        if (st == CIM_OK)
            st = sm;
    }
    e->p_W = xbar_last_power_W(xb);
    e->tally = *xbar_energy(xb);
    xbar_free(xb);
    if (st != CIM_OK && st != CIM_ESIM)
        return st;

    /* Error against the ideal product. */
    double se = 0, ss = 0;
    e->max_rel_err = 0;
    for (size_t j = 0; j < K * N; j++) {
        double d = e->i_A[j] - e->i_ideal_A[j];
        se += d * d;
        ss += e->i_ideal_A[j] * e->i_ideal_A[j];
        if (e->i_ideal_A[j] != 0 && fabs(d) / fabs(e->i_ideal_A[j]) > e->max_rel_err)
            e->max_rel_err = fabs(d) / fabs(e->i_ideal_A[j]);
    }
    e->rmse_A = sqrt(se / (double)(K * N));
    e->snr_dB = se > 0 ? 10 * log10(ss / se) : INFINITY;

    /* Independent check of the ideal sum: OpenBLAS computes the same product with its own kernel and
     * summation order.  The deviation is scaled by sum_i |G_ij v_i|, the natural bound on rounding. */
    double *ref = xmalloc(N * sizeof *ref);
    double *absv = xmalloc(M * sizeof *absv);
    double *scale = xmalloc(N * sizeof *scale);
    e->blas_dev = 0.0;
    for (size_t k = 0; k < K; k++) {
        const double *v = e->v_V + k * M, *ideal = e->i_ideal_A + k * N;
        for (size_t i = 0; i < M; i++)
            absv[i] = fabs(v[i]);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)M, (int)N, 1.0, e->g_S, (int)N, v, 1, 0.0, ref, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)M, (int)N, 1.0, e->g_S, (int)N, absv, 1, 0.0, scale, 1);
        for (size_t j = 0; j < N; j++)
            if (scale[j] > 0) {
                double d = fabs(ideal[j] - ref[j]) / scale[j];
                if (d > e->blas_dev)
                    e->blas_dev = d;
            }
    }
    free(ref);
    free(absv);
    free(scale);
    progress_finish(prog);
    return st;
}

int exp_mvm_spice_possible(const exp_mvm *e)
{
    if (e->p.cells == MVM_CELLS_DEVICE)
        return cim_error(CIM_EINVAL, "--spice: device cells (mvm.cells = \"device\") have no netlist form here; the "
                                     "array export writes conductance cells (mvm.cells = \"conductance\")");
    return CIM_OK;
}

int exp_mvm_write_spice(const exp_mvm *e, const char *path)
{
    int st = exp_mvm_spice_possible(e);
    if (st != CIM_OK)
        return st;
    cell_array ca;
    if ((st = cell_array_init(&ca, &e->cell, e->rows, e->cols, e->g_S)) != CIM_OK)
        return st;
    spice_array sa = {e->rows, e->cols, crossbar_wires(&e->xb), NULL, NULL, e->v_V, NULL, &ca, 0};
    strbuf b;
    strbuf_init(&b);
    if ((st = spice_array_netlist(&sa, NULL, &b)) == CIM_OK)
        st = afile_write_all(path, b.s, b.len);
    strbuf_destroy(&b);
    cell_array_destroy(&ca);
    return st;
}

const char *const exp_mvm_map_names[EXP_MVM_N_MAPS] = {"vrow", "vcol", "vcell", "vdrop"};
const char *const exp_mvm_map_titles[EXP_MVM_N_MAPS] = {
    "row (word line) wire node voltage at each cell", "column (bit line) wire node voltage at each cell",
    "voltage across each cell (row node - column node)",
    "IR drop at each cell: input v_i minus the voltage across the cell"};

void exp_mvm_map(const exp_mvm *e, int m, double *out_V)
{
    size_t N = e->cols, MN = e->rows * N;
    for (size_t k = 0; k < MN; k++) {
        double vcell = e->v_row_V[k] - e->v_col_V[k];
        out_V[k] = m == 0 ? e->v_row_V[k] : m == 1 ? e->v_col_V[k] : m == 2 ? vcell : e->v_V[k / N] - vcell;
    }
}

int exp_mvm_write_map(const exp_mvm *e, int m, const double *z_V, const char *prefix, const char *header)
{
    size_t M = e->rows, N = e->cols;
    strbuf b;
    strbuf_init(&b);
    char path[4096];
    snprintf(path, sizeof path, "%s_%s.csv", prefix, exp_mvm_map_names[m]);
    if (header != NULL)
        strbuf_printf(&b, "%s", header);
    strbuf_printf(&b, "# %s, volts: %zu lines (rows) of %zu values (columns)\n", exp_mvm_map_titles[m], M, N);
    csv_format_matrix(&b, z_V, M, N);
    int st = afile_write_all(path, b.s, b.len);
    strbuf_destroy(&b);
    return st;
}

json_t *exp_mvm_summary(const exp_mvm *e)
{
    double gmin, gmax, vmin, vmax, imin, imax;
    gsl_stats_minmax(&gmin, &gmax, e->g_S, 1, e->rows * e->cols);
    gsl_stats_minmax(&vmin, &vmax, e->v_V, 1, e->rows * e->n_vec);
    gsl_stats_minmax(&imin, &imax, e->i_A, 1, e->cols * e->n_vec);
    double imean = gsl_stats_mean(e->i_A, 1, e->cols * e->n_vec);
    json_t *j = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:{s:s, s:f, s:f}, s:{s:s, s:f, s:f}, s:{s:f, s:f, s:f}, s:f, s:{s:s, s:f}}", "model",
        e->circuit ? "crossbar circuit (each cell's I-V, Kirchhoff's laws at every node, wire/driver/sense resistance)"
        : e->read_path == XBAR_READ_DIRECT ? "crossbar with perfect wires (each cell's I-V at its row voltage, "
                                              "Kirchhoff's current law per column)"
                                            : "ideal crossbar (Ohm's law per cell, Kirchhoff's current law per column, "
                                              "perfect wires)",
        "read_path", xbar_read_path_names[e->read_path],
        "rows", (json_int_t)e->rows, "cols", (json_int_t)e->cols, "vectors", (json_int_t)e->n_vec, "conductance_S", "source",
        e->g_source ? e->g_source : "generated", "min", gmin, "max", gmax, "voltage_V", "source",
        e->v_source ? e->v_source : "generated", "min", vmin, "max", vmax, "column_current_A", "min", imin, "max", imax,
        "mean", imean, "array_power_W", e->p_W, "blas_check", "reference", "cblas_dgemv (OpenBLAS), on the ideal sum",
        "max_dev_rel_to_sum_abs_Gv", e->blas_dev);
    json_t *err = json_pack("{s:f, s:f}", "rmse_A", e->rmse_A, "max_rel_err", e->max_rel_err);
    /* JSON has no infinity: an exact product has no finite SNR. */
    json_object_set_new(err, "snr_dB", isfinite(e->snr_dB) ? json_real(e->snr_dB) : json_null());
    json_object_set_new(j, "error_vs_ideal", err);
    json_object_set_new(j, "energy_tally", energy_tally_json(&e->tally));
    json_object_set_new(j, "cell", json_pack("{s:s, s:s}", "type", cell_type_names[e->cell.type], "iv",
                                             e->p.cells == MVM_CELLS_DEVICE ? "device" : cell_iv_names[e->cell.iv]));
    if (e->p.cells == MVM_CELLS_DEVICE && e->dev_type != NULL)
        json_object_set_new(j, "device",
                            json_pack("{s:s, s:s, s:f, s:f}", "model", e->dev_type->name, "what",
                                      "each cell in the state whose chord conductance at v_read_V is G_ij, read through "
                                      "the model's own I-V at the voltage it sees",
                                      "v_read_V", e->dev_v_read_V, "T_K", e->dev_T_K));
    if (e->circuit) {
        json_object_set_new(j, "circuit",
                            json_pack("{s:f, s:f, s:f, s:f, s:s, s:i, s:f, s:b}", "r_row_ohm", e->xb.r_row_ohm,
                                      "r_col_ohm", e->xb.r_col_ohm, "r_drv_ohm", e->xb.r_drv_ohm, "r_sense_ohm",
                                      e->xb.r_sense_ohm, "method", circuit_method_names[e->st.method], "iterations",
                                      e->st.iterations, "kcl_residual_rel", e->st.residual, "converged",
                                      e->st.converged));
    }
    return j;
}

void exp_mvm_free(exp_mvm *e)
{
    free(e->g_S);
    free(e->v_V);
    free(e->i_A);
    free(e->i_ideal_A);
    free(e->v_row_V);
    free(e->v_col_V);
    e->g_S = e->v_V = e->i_A = e->i_ideal_A = e->v_row_V = e->v_col_V = NULL;
}

/* exp/wmvm.c -- see wmvm.h. */
#include "exp/wmvm.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration ----------------------------------------------------------------------------- */

static int weights_check(const void *values)
{
    const weights_params *p = values;
    if (p->w_min > p->w_max)
        return cim_error(CIM_ECONFIG, "w_min (%g) must not exceed w_max (%g)", p->w_min, p->w_max);
    if (p->x_min > p->x_max)
        return cim_error(CIM_ECONFIG, "x_min (%g) must not exceed x_max (%g)", p->x_min, p->x_max);
    return CIM_OK;
}

/* Defaults: a 64 x 64 layer with weights and inputs uniform in [-1, 1] (signed inputs exercise both input
 * passes); a 10 ns read (convention: the order of ISAAC's 100 ns crossbar cycle over its 8+ cycles per
 * input bit-stream is ~10 ns per bit). */
static const param_spec weights_spec[] = {
    PARAM_INT_F(weights_params, rows, 1, CROSSBAR_MAX_SIDE, 64,
                "inputs R of a generated weight matrix (rows of W; a --weights file fixes the shape)"),
    PARAM_INT_F(weights_params, cols, 1, CROSSBAR_MAX_SIDE, 64, "outputs C of a generated weight matrix (columns of W)"),
    PARAM_REAL_F(weights_params, w_min, -1e300, 1e300, -1.0, "1", "smallest generated weight (without --weights)"),
    PARAM_REAL_F(weights_params, w_max, -1e300, 1e300, 1.0, "1", "largest generated weight"),
    PARAM_REAL_F(weights_params, x_min, -1e300, 1e300, -1.0, "1", "smallest generated input (without --inputs)"),
    PARAM_REAL_F(weights_params, x_max, -1e300, 1e300, 1.0, "1", "largest generated input"),
    PARAM_REAL_F(weights_params, t_read_s, 0, 1, 10e-9, "s",
                 "duration of one array read, for the energy estimate sum over reads of sum_ij v_i^2 G_ij t_read_s"),
    PARAM_END,
};

const param_group weights_group = {
    .path = "weights",
    .doc = "The weight-level multiply (mvm.level = \"weights\", or --weights/--inputs): y = W^T x with W and x "
           "drawn from the seed when no CSV is given, mapped per `mapping` and tiled per `crossbar`.",
    .params = weights_spec,
    .size = sizeof(weights_params),
    .check = weights_check,
};

void exp_wmvm_init(exp_wmvm *e, cfg *c, int bind_shared)
{
    memset(e, 0, sizeof *e);
    if (bind_shared) {
        cfg_bind(c, &run_group, &e->run);
        cfg_bind(c, &crossbar_group, &e->xb);
    }
    cfg_bind(c, &mapping_group, &e->mp);
    cfg_bind(c, &weights_group, &e->p);
}

/* ---- inputs ------------------------------------------------------------------------------------ */

int exp_wmvm_load(exp_wmvm *e, const char *w_path, const char *x_path, prov *pv, progress *prog)
{
    int st;
    if (prog != NULL)
        progress_start(prog, "mvm", 1, prog->sink, prog->ctx);
    if (w_path != NULL) {
        csv_read_opts o = {CSV_HEADER_AUTO, "weight", NULL, -HUGE_VAL, HUGE_VAL, 0};
        csv_table t;
        if ((st = csv_read(w_path, &o, &t)) != CIM_OK)
            return st;
        e->rows = t.rows;
        e->cols = t.cols;
        e->p.rows = (long long)t.rows; /* provenance shows the shape that ran */
        e->p.cols = (long long)t.cols;
        e->w = t.data;
        t.data = NULL;
        prov_add_input(pv, "weights", w_path, t.fnv1a64);
        csv_table_free(&t);
        e->w_source = w_path;
    } else {
        e->rows = (size_t)e->p.rows;
        e->cols = (size_t)e->p.cols;
        e->w = xmalloc(e->rows * e->cols * sizeof *e->w);
        gsl_rng *r = rng_alloc((uint64_t)e->run.seed, "mvm.W");
        for (size_t k = 0; k < e->rows * e->cols; k++)
            e->w[k] = e->p.w_min + (e->p.w_max - e->p.w_min) * gsl_rng_uniform(r);
        rng_free(r);
    }
    if (x_path != NULL) {
        csv_read_opts o = {CSV_HEADER_AUTO, "input", NULL, -HUGE_VAL, HUGE_VAL, 1};
        csv_table t;
        if ((st = csv_read(x_path, &o, &t)) != CIM_OK)
            return st;
        if (t.rows != e->rows) {
            st = cim_error(CIM_EINVAL, "%s holds %zu input%s but %s has %zu rows; give one input per row of W", x_path,
                           t.rows, t.rows == 1 ? "" : "s", w_path ? w_path : "the generated weight matrix", e->rows);
            csv_table_free(&t);
            return st;
        }
        e->x = t.data;
        t.data = NULL;
        prov_add_input(pv, "inputs", x_path, t.fnv1a64);
        csv_table_free(&t);
        e->x_source = x_path;
    } else {
        e->x = xmalloc(e->rows * sizeof *e->x);
        gsl_rng *r = rng_alloc((uint64_t)e->run.seed, "mvm.x");
        for (size_t i = 0; i < e->rows; i++)
            e->x[i] = e->p.x_min + (e->p.x_max - e->p.x_min) * gsl_rng_uniform(r);
        rng_free(r);
    }
    if ((st = mapping_plan(&e->m, &e->mp, e->w, e->rows, e->cols)) != CIM_OK)
        return st;
    if ((st = tiles_plan_crossbar(&e->t, &e->m, e->w, &e->xb)) != CIM_OK) {
        mapping_destroy(&e->m);
        return st;
    }
    mapping_input_init(&e->in, &e->m);
    e->loaded = 1;
    return mapping_encode_input(&e->m, e->x, &e->in);
}

/* ---- reads ------------------------------------------------------------------------------------- */

typedef struct read_ctx {
    exp_wmvm *e;
    circuit_wires wires;
    circuit_opts opts;
    size_t k;          /* tile the circuit (and g_eff) currently hold; SIZE_MAX: none */
    circuit *c;
    double *g_eff_S;   /* tile_rows x tile_cols scratch */
    double *g_row_S;   /* tile_rows: sum_j G_ij of the current tile, for the energy */
    progress *prog;
} read_ctx;

static void note_stats(exp_wmvm *e, const circuit_stats *st)
{
    e->iterations += st->iterations;
    if (st->residual > e->max_residual)
        e->max_residual = st->residual;
}

/* Loads tile k's conductances (circuit, effective matrix, row sums) if it is not the one held. */
static int hold_tile(read_ctx *r, const tiles *t, size_t k)
{
    if (r->k == k)
        return CIM_OK;
    exp_wmvm *e = r->e;
    const tiles_span *s = &t->span[k];
    const double *g = t->g_S + s->g_off;
    int st = CIM_OK;
    for (size_t i = 0; i < s->nr; i++) {
        double sum = 0;
        for (size_t j = 0; j < s->phys_cols; j++)
            sum += g[i * s->phys_cols + j];
        r->g_row_S[i] = sum;
    }
    r->k = k;
    progress_update(r->prog, (double)k);
    if (!e->circuit)
        return CIM_OK;
    circuit_free(r->c);
    r->c = NULL;
    if ((st = circuit_new(&r->c, s->nr, s->phys_cols, &r->wires)) != CIM_OK)
        return st;
    if ((st = circuit_set_conductances(r->c, g)) != CIM_OK)
        return st;
    if (e->effective) {
        circuit_stats cs;
        st = circuit_effective_g(r->c, r->g_eff_S, &r->opts, &cs);
        note_stats(e, &cs);
        e->n_solves += s->nr;
    }
    return st;
}

static int wmvm_read(void *ctx, const tiles *t, size_t k, const double *v_V, double *i_A)
{
    read_ctx *r = ctx;
    exp_wmvm *e = r->e;
    int st = hold_tile(r, t, k);
    if (st != CIM_OK)
        return st;
    const tiles_span *s = &t->span[k];
    double ev = 0;
    for (size_t i = 0; i < s->nr; i++)
        ev += v_V[i] * v_V[i] * r->g_row_S[i];
    e->energy_J += ev * e->p.t_read_s;
    if (!e->circuit)
        return tiles_ideal_read(NULL, t, k, v_V, i_A);
    if (e->effective) {
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)s->nr, (int)s->phys_cols, 1.0, r->g_eff_S, (int)s->phys_cols, v_V,
                    1, 0.0, i_A, 1);
        return CIM_OK;
    }
    circuit_stats cs;
    st = circuit_solve(r->c, v_V, NULL, i_A, &r->opts, &cs);
    note_stats(e, &cs);
    e->n_solves++;
    return st;
}

static void error_of(const double *y, const double *ref, size_t n, wmvm_error *out)
{
    double se = 0, ss = 0;
    out->max_rel_err = 0;
    for (size_t j = 0; j < n; j++) {
        double d = y[j] - ref[j];
        se += d * d;
        ss += ref[j] * ref[j];
        if (ref[j] != 0 && fabs(d) / fabs(ref[j]) > out->max_rel_err)
            out->max_rel_err = fabs(d) / fabs(ref[j]);
    }
    out->rmse = n ? sqrt(se / (double)n) : 0;
    out->snr_dB = se > 0 ? 10 * log10(ss / se) : INFINITY;
}

int exp_wmvm_run(exp_wmvm *e, progress *prog)
{
    size_t R = e->rows, C = e->cols;
    e->y = xcalloc(C, sizeof *e->y);
    e->y_float = xcalloc(C, sizeof *e->y_float);
    e->y_quant = xcalloc(C, sizeof *e->y_quant);
    e->w_q = xmalloc(R * C * sizeof *e->w_q);
    e->x_q = xmalloc(R * sizeof *e->x_q);
    e->circuit = !crossbar_is_ideal(&e->xb);
    e->effective = e->circuit && e->in.n_cycles > 1;
    if (prog != NULL)
        prog->total = (double)e->t.n_tiles;

    read_ctx r = {.e = e, .wires = crossbar_wires(&e->xb), .opts = crossbar_opts(&e->xb), .k = (size_t)-1, .prog = prog};
    r.g_eff_S = e->effective ? xmalloc(e->t.tile_rows * e->t.tile_cols * sizeof *r.g_eff_S) : NULL;
    r.g_row_S = xmalloc(e->t.tile_rows * sizeof *r.g_row_S);
    int st = tiles_mvm(&e->t, &e->in, wmvm_read, &r, e->y);
    circuit_free(r.c);
    free(r.g_eff_S);
    free(r.g_row_S);

    /* References: the float product, and the product an ideal array computes with the quantized operands. */
    tiles_quantized_weights(&e->t, e->w_q);
    for (size_t i = 0; i < R; i++)
        e->x_q[i] = mapping_input_value(&e->in, i);
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) {
            e->y_float[j] += e->w[i * C + j] * e->x[i];
            e->y_quant[j] += e->w_q[i * C + j] * e->x_q[i];
        }
    error_of(e->y, e->y_float, C, &e->vs_float);
    error_of(e->y, e->y_quant, C, &e->vs_quant);
    error_of(e->y_quant, e->y_float, C, &e->quant_vs_float);
    progress_finish(prog);
    return st;
}

/* ---- summary ----------------------------------------------------------------------------------- */

static json_t *error_json(const wmvm_error *er)
{
    json_t *j = json_pack("{s:f, s:f}", "rmse", er->rmse, "max_rel_err", er->max_rel_err);
    json_object_set_new(j, "snr_dB", isfinite(er->snr_dB) ? json_real(er->snr_dB) : json_null());
    return j;
}

json_t *exp_wmvm_summary(const exp_wmvm *e)
{
    strbuf d;
    strbuf_init(&d);
    tiles_describe(&e->t, &d);
    json_t *j = json_pack(
        "{s:s, s:I, s:I, s:s, s:s, s:{s:s, s:I, s:I, s:I, s:I, s:f}, s:s, s:I, s:I, s:I, s:f}", "model",
        e->circuit ? "mapped weights, each tile read through the exact crossbar circuit solve (wire/driver/sense "
                     "resistance)"
                   : "mapped weights, each tile read as the ideal Kirchhoff sum",
        "rows", (json_int_t)e->rows, "cols", (json_int_t)e->cols, "weights_source",
        e->w_source ? e->w_source : "generated", "inputs_source", e->x_source ? e->x_source : "generated", "mapping",
        "scheme", mapping_scheme_names[e->m.p.scheme], "weight_bits", (json_int_t)e->m.p.weight_bits, "bits_per_cell",
        (json_int_t)e->m.p.bits_per_cell, "slices", (json_int_t)e->m.n_slices, "cols_per_output",
        (json_int_t)e->m.cols_per_output, "dg_S", e->m.dg_S, "tiles", d.s, "n_tiles", (json_int_t)e->t.n_tiles,
        "read_cycles", (json_int_t)e->in.n_cycles, "array_reads", (json_int_t)e->t.n_reads, "tile_utilization",
        tiles_utilization(&e->t));
    strbuf_destroy(&d);
    json_object_set_new(j, "clipped",
                        json_pack("{s:I, s:I}", "weights", (json_int_t)e->m.n_clipped, "inputs",
                                  (json_int_t)e->in.n_clipped));
    json_object_set_new(j, "error_vs_float", error_json(&e->vs_float));
    json_object_set_new(j, "error_vs_quantized", error_json(&e->vs_quant));
    json_object_set_new(j, "quantized_vs_float", error_json(&e->quant_vs_float));
    json_object_set_new(j, "energy",
                        json_pack("{s:f, s:f, s:s}", "array_J", e->energy_J, "t_read_s", e->p.t_read_s, "what",
                                  "sum over reads of sum_ij v_i^2 G_ij t_read_s: cell energy at the applied voltages "
                                  "(no wires, drivers or periphery)"));
    if (e->circuit)
        json_object_set_new(j, "circuit",
                            json_pack("{s:f, s:f, s:f, s:f, s:b, s:I, s:i, s:f}", "r_row_ohm", e->xb.r_row_ohm,
                                      "r_col_ohm", e->xb.r_col_ohm, "r_drv_ohm", e->xb.r_drv_ohm, "r_sense_ohm",
                                      e->xb.r_sense_ohm, "effective_g", e->effective, "solves",
                                      (json_int_t)e->n_solves, "iterations", e->iterations, "max_kcl_residual_rel",
                                      e->max_residual));
    return j;
}

void exp_wmvm_free(exp_wmvm *e)
{
    if (e->loaded) {
        mapping_input_destroy(&e->in);
        tiles_destroy(&e->t);
        mapping_destroy(&e->m);
        e->loaded = 0;
    }
    free(e->w);
    free(e->x);
    free(e->y);
    free(e->y_float);
    free(e->y_quant);
    free(e->w_q);
    free(e->x_q);
    e->w = e->x = e->y = e->y_float = e->y_quant = e->w_q = e->x_q = NULL;
}

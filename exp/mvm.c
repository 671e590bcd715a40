/* exp/mvm.c -- see mvm.h. */
#include "exp/mvm.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "crossbar/ideal.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* Defaults follow the crossbar conformance cases (shared/conformance/crossbar/README.md): RRAM
 * conductances of 1-100 uS and read voltages up to 0.2 V, below typical SET thresholds. */
static const param_spec mvm_spec[] = {
    PARAM_REAL_F(mvm_params, g_min_S, 0, 1, 1e-6, "S", "smallest generated conductance (used without --conductances)"),
    PARAM_REAL_F(mvm_params, g_max_S, 0, 1, 100e-6, "S", "largest generated conductance"),
    PARAM_REAL_F(mvm_params, v_min_V, -100, 100, 0.0, "V", "smallest generated input voltage (used without --voltages)"),
    PARAM_REAL_F(mvm_params, v_max_V, -100, 100, 0.2, "V", "largest generated input voltage"),
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
    cfg_bind(c, &run_group, &e->run);
    cfg_bind(c, &crossbar_group, &e->xb);
    cfg_bind(c, &mvm_group, &e->p);
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
        csv_read_opts o = {CSV_HEADER_AUTO, "conductance", "S", 0.0, HUGE_VAL, 0};
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
    if (v_path != NULL) {
        csv_read_opts o = {CSV_HEADER_AUTO, "voltage", "V", -HUGE_VAL, HUGE_VAL, 1};
        csv_table t;
        if ((st = csv_read(v_path, &o, &t)) != CIM_OK)
            return st;
        if (t.rows != e->rows) {
            st = cim_error(CIM_EINVAL, "%s holds %zu voltage%s but %s has %zu rows; give one voltage per row", v_path,
                           t.rows, t.rows == 1 ? "" : "s", g_path ? g_path : "the generated matrix", e->rows);
            csv_table_free(&t);
            return st;
        }
        e->v_V = t.data;
        t.data = NULL;
        prov_add_input(pv, "voltages", v_path, t.fnv1a64);
        csv_table_free(&t);
        e->v_source = v_path;
    } else {
        e->v_V = xmalloc(e->rows * sizeof *e->v_V);
        gsl_rng *r = rng_alloc((uint64_t)e->run.seed, "mvm.v");
        for (size_t i = 0; i < e->rows; i++)
            e->v_V[i] = e->p.v_min_V + (e->p.v_max_V - e->p.v_min_V) * gsl_rng_uniform(r);
        rng_free(r);
    }
    return crossbar_check_conductances(e->g_S, e->rows, e->cols);
}

/* ---- run --------------------------------------------------------------------------------------- */

void exp_mvm_run(exp_mvm *e, progress *prog)
{
    e->i_A = xmalloc(e->cols * sizeof *e->i_A);
    if (prog != NULL && e->g_source != NULL) /* rows known only now that the file is read */
        prog->total = (double)e->rows;
    progress_set_base(prog, e->g_source ? 0 : (double)e->rows);
    crossbar_ideal_mvm(e->g_S, e->rows, e->cols, e->v_V, e->i_A, prog);
    e->p_W = crossbar_ideal_power_W(e->g_S, e->rows, e->cols, e->v_V);

    /* Independent check: OpenBLAS computes the same product with its own kernel and summation
     * order.  The deviation is scaled by sum_i |G_ij v_i|, the natural bound on rounding error. */
    double *ref = xmalloc(e->cols * sizeof *ref);
    double *absv = xmalloc(e->rows * sizeof *absv);
    double *scale = xmalloc(e->cols * sizeof *scale);
    for (size_t i = 0; i < e->rows; i++)
        absv[i] = fabs(e->v_V[i]);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)e->rows, (int)e->cols, 1.0, e->g_S, (int)e->cols, e->v_V, 1, 0.0,
                ref, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)e->rows, (int)e->cols, 1.0, e->g_S, (int)e->cols, absv, 1, 0.0,
                scale, 1);
    e->blas_dev = 0.0;
    for (size_t j = 0; j < e->cols; j++)
        if (scale[j] > 0) {
            double d = fabs(e->i_A[j] - ref[j]) / scale[j];
            if (d > e->blas_dev)
                e->blas_dev = d;
        }
    free(ref);
    free(absv);
    free(scale);
    progress_finish(prog);
}

json_t *exp_mvm_summary(const exp_mvm *e)
{
    double gmin, gmax, vmin, vmax, imin, imax;
    gsl_stats_minmax(&gmin, &gmax, e->g_S, 1, e->rows * e->cols);
    gsl_stats_minmax(&vmin, &vmax, e->v_V, 1, e->rows);
    gsl_stats_minmax(&imin, &imax, e->i_A, 1, e->cols);
    double imean = gsl_stats_mean(e->i_A, 1, e->cols);
    return json_pack("{s:s, s:I, s:I, s:{s:s, s:f, s:f}, s:{s:s, s:f, s:f}, s:{s:f, s:f, s:f}, s:f, s:{s:s, s:f}}",
                     "model", "ideal crossbar (Ohm's law per cell, Kirchhoff's current law per column, perfect wires)",
                     "rows", (json_int_t)e->rows, "cols", (json_int_t)e->cols,
                     "conductance_S", "source", e->g_source ? e->g_source : "generated", "min", gmin, "max", gmax,
                     "voltage_V", "source", e->v_source ? e->v_source : "generated", "min", vmin, "max", vmax,
                     "column_current_A", "min", imin, "max", imax, "mean", imean,
                     "array_power_W", e->p_W,
                     "blas_check", "reference", "cblas_dgemv (OpenBLAS)", "max_dev_rel_to_sum_abs_Gv", e->blas_dev);
}

void exp_mvm_free(exp_mvm *e)
{
    free(e->g_S);
    free(e->v_V);
    free(e->i_A);
    e->g_S = e->v_V = e->i_A = NULL;
}

/* exp/wmvm.c -- see wmvm.h. */
#include "exp/wmvm.h"
#include "device/binding.h"
#include "crossbar/xbar.h"
#include "periph/tiled.h"
#include "core/afile.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "crossbar/ideal.h"
#include "crossbar/spice_array.h"
#include "exp/device.h"
#include "exp/vector.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const wmvm_cells_names[] = {"ideal", "device", NULL};

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
                 "duration of one array read: each read costs the energy the row sources deliver into the array over it "
                 "(10 ns: NeuroSim's default read pulse)"),
    PARAM_CHOICE_F(weights_params, cells, wmvm_cells_names, WMVM_CELLS_IDEAL,
                   "ideal: every cell holds its target conductance exactly; device: every tile is an array of "
                   "device.model cells (with `variability`) programmed toward its targets per `program` and read "
                   "t_s later, at the DAC's top voltage dac.v_read_V"),
    PARAM_REAL_F(weights_params, t_s, 0, 1e10, 1.0, "s",
                 "cells = \"device\": read time after the end of each tile's programming campaign (drift, "
                 "retention); 1 s by convention, past PCM's microsecond drift onset and thermal transients (aihwkit's "
                 "PCM drift is referred to t_0 = 20 s)"),
    PARAM_INT_F(weights_params, n_calibration, 1, 100000, 16,
                "adc.range = \"calibrated\" or \"percentile\": input vectors, uniform in [x_min, x_max] (stream "
                "mvm.calibration), whose column currents set the ADC range of every tile before the MVM (convention: 16)"),
    PARAM_BOOL_F(weights_params, attribution, 0,
                 "also run the pipeline with each stage made ideal in turn and cumulatively (DAC, programming, drift, "
                 "read noise, IR drop, sense, ADC) and report the error each adds"),
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
        cfg_bind(c, &experiment_key_group, &e->key);
        cfg_bind(c, &run_group, &e->run);
        cfg_bind(c, &crossbar_group, &e->xb);
        cfg_bind(c, &cell_group, &e->cell);
    }
    cfg_bind(c, &mapping_group, &e->mp);
    cfg_bind(c, &weights_group, &e->p);
    cfg_bind(c, &dac_group, &e->dac);
    cfg_bind(c, &sense_group, &e->sense);
    cfg_bind(c, &adc_group, &e->adc);
    cfg_bind(c, &tech_group, &e->tech);
    cfg_bind(c, &baseline_group, &e->base);
    cfg_bind(c, &device_group, &e->b.dev);
    cfg_bind(c, &sim_group, &e->sim);
    cfg_bind(c, &program_group, &e->prog);
    variability_bind_common(&e->b.var, c);
}

/* The device model the file selects, its group and its variability groups (device/binding.h). */
void exp_wmvm_bind_model(exp_wmvm *e, cfg *c)
{
    device_binding_select(&e->b, c);
}

/* ---- device cells: what the model can hold ------------------------------------------------------ */

/* The tiles of a pass with the stages in ideal made ideal (periph/tiled.h): their arrays (cells, access element,
 * wires, read time), DACs, sense stages and ADCs, and how device cells are programmed and rested.  quiet: the
 * variability without read noise (read noise made ideal; NULL when it is not). */
static tiled_spec pass_spec(const exp_wmvm *e, int ideal, const variability *quiet);

/* Device cells: the model, its range against the mapping's levels, the read path. */
static int device_prepare(exp_wmvm *e)
{
    e->device = 1;
    e->b.type = device_types[e->b.dev.model]; /* the resolved choice */
    variability_prepare(&e->b.var);
    e->v_array_V = e->dac.v_read_V;
    tiled_spec s = pass_spec(e, 0, NULL);
    int st = tiled_device_check(&s, &e->t, "weights.cells = \"device\"", &e->g_dev_lo_S, &e->g_dev_hi_S,
                                &e->dev_linear, &e->pr.n_out_of_range);
    if (st != CIM_OK)
        return st;
    e->noisy = e->b.var.read.bandwidth_Hz > 0;
    return CIM_OK; /* the read path is the xbar's (crossbar/xbar.h), known once the first tile is built */
}

/* ---- inputs ------------------------------------------------------------------------------------ */

/* The inputs' full scale, the cycle count, the clipped inputs, the first cycle's row voltages and the quantized
 * inputs x_q of the reference product: the configured encoding without its analog errors (DNL, INL, settling), so
 * x_q is the digital code's value. */
static int encode_reference(exp_wmvm *e)
{
    size_t R = e->rows;
    double top = 0;
    for (size_t i = 0; i < R; i++)
        top = fmax(top, fabs(e->x[i]));
    e->x_max_used = e->dac.x_max > 0 ? e->dac.x_max : top > 0 ? top : 1.0;
    dac_params p = e->dac;
    p.dnl_lsb = p.inl_lsb = p.tau_s = 0;
    dac d;
    int st = dac_init(&d, &p, NULL);
    if (st != CIM_OK)
        return cim_error_prefix(st, "dac: ");
    dac_cycles c;
    dac_cycles_init(&c, &d, R);
    if ((st = dac_encode(&d, e->x, e->x_max_used, &c)) == CIM_OK) {
        e->n_cycles = c.n;
        e->n_input_clipped = c.n_clipped;
        e->x_q = xmalloc(R * sizeof *e->x_q);
        e->v_first_V = xcalloc(R, sizeof *e->v_first_V);
        for (size_t i = 0; i < R; i++)
            e->x_q[i] = dac_input_value(&c, i);
        if (c.n > 0)
            memcpy(e->v_first_V, c.v_V, R * sizeof *e->v_first_V);
    }
    dac_cycles_destroy(&c);
    dac_destroy(&d);
    return st;
}

int exp_wmvm_load(exp_wmvm *e, const char *w_path, const char *x_path, prov *pv, progress *prog)
{
    int st;
    if (prog != NULL)
        progress_start(prog, "mvm", 1, prog->sink, prog->ctx);
    if (w_path != NULL) {
        csv_read_opts o = {CSV_HEADER_AUTO, "weight", NULL, -HUGE_VAL, HUGE_VAL, 0, NULL, NULL, NULL};
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
    exp_vector_spec xs = {"input", NULL, "inputs", "mvm.x", e->p.x_min, e->p.x_max, HUGE_VAL, NULL, NULL};
    if ((st = exp_vector_load(&xs, x_path, e->rows, w_path ? w_path : "the generated weight matrix",
                              (uint64_t)e->run.seed, pv, &e->x)) != CIM_OK)
        return st;
    e->x_source = x_path;
    if ((st = mapping_plan(&e->m, &e->mp, e->w, e->rows, e->cols)) != CIM_OK)
        return st;
    if ((st = tiling_plan_crossbar(&e->t, &e->m, e->w, &e->xb)) != CIM_OK) {
        mapping_destroy(&e->m);
        return st;
    }
    e->loaded = 1;
    if (e->p.cells == WMVM_CELLS_DEVICE && (st = device_prepare(e)) != CIM_OK)
        return st;
    return encode_reference(e);
}

/* ---- reads through tiles ------------------------------------------------------------------------- */

const char *const wmvm_stage_names[WMVM_N_STAGES] = {"dac", "programming", "drift", "nonlinearity", "read_noise",
                                                     "ir_drop", "sense", "adc"};

typedef struct read_ctx {
    exp_wmvm *e;
    int ideal;         /* WMVM_STAGE_* bits made ideal */
    int record;        /* 1: the real run, whose statistics, maps and kept tiles are the experiment's */
    size_t k;          /* tile held; SIZE_MAX: none */
    tile *tl;          /* tile k */
    variability quiet; /* the variability without read noise (read noise made ideal) */
    tiled_spec spec;   /* the pass's tiles */
    const double *x_cal; /* n_calibration x R calibration inputs, or NULL */
    double *y;         /* the pass's outputs */
    progress *prog;
    size_t prog_base;  /* tiles done in earlier passes */
} read_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int type_index(const char *const *names, const char *name)
{
    for (int k = 0; names[k] != NULL; k++)
        if (strcmp(names[k], name) == 0)
            return k;
    return 0;
}

/* 1 if the ADCs' range comes from calibration reads. */
static int calibrates(const exp_wmvm *e)
{
    return !adc_types[e->adc.type]->ideal && (e->adc.range == ADC_RANGE_CALIBRATED || e->adc.range == ADC_RANGE_PERCENTILE);
}

static tiled_spec pass_spec(const exp_wmvm *e, int ideal, const variability *quiet)
{
    tiled_spec s;
    memset(&s, 0, sizeof s);
    s.crossbar = e->xb;
    s.cell = e->cell;
    if (ideal & (1 << WMVM_STAGE_NONLINEARITY)) {
        s.cell.type = CELL_1R;
        s.cell.iv = CELL_IV_LINEAR;
        s.linearize = e->device;
    }
    if (ideal & (1 << WMVM_STAGE_IR_DROP))
        s.crossbar.r_row_ohm = s.crossbar.r_col_ohm = s.crossbar.r_drv_ohm = s.crossbar.r_sense_ohm = 0;
    s.t_read_s = e->p.t_read_s;
    /* Several reads of one programmed state: a linear circuit characterises its effective matrix once. */
    s.reuse = e->n_cycles > 1 || e->dac.type == type_index(dac_type_names, "pulse_width") || calibrates(e);
    if (e->device) {
        s.dev = e->b.type;
        s.dev_params = e->b.model;
        s.var = quiet != NULL ? quiet : &e->b.var;
        s.T_K = e->b.dev.T_K;
        s.sim = e->sim;
        s.programmed = !(ideal & (1 << WMVM_STAGE_PROGRAMMING));
        s.program = e->prog;
        s.t_rest_s = (ideal & (1 << WMVM_STAGE_DRIFT)) ? 0.0 : e->p.t_s;
    }
    s.dac = e->dac;
    s.sense = e->sense;
    s.adc = e->adc;
    if (ideal & (1 << WMVM_STAGE_DAC))
        s.dac.type = type_index(dac_type_names, "ideal");
    if (ideal & (1 << WMVM_STAGE_SENSE))
        s.sense.type = type_index(sense_type_names, "none");
    if (ideal & (1 << WMVM_STAGE_ADC))
        s.adc.type = type_index(adc_type_names, "ideal");
    s.e_shift_add_J = e->e_shift_add_J;
    s.seed = (uint64_t)e->run.seed;
    s.prefix = "";
    return s;
}

/* Device cells: records what programming tile k did (per cell in the layout of t->g_S, and in sum) from its
 * campaign's report. */
static void record_programming(exp_wmvm *e, xbar *xb, size_t k, const program_report *rep)
{
    const tiling_span *s = &e->t.span[k];
    const array *a = xbar_array(xb);
    wmvm_program *pr = &e->pr;
    size_t n = a->n;
    for (size_t c = 0; c < n; c++) {
        size_t q = s->g_off + c;
        e->pulses[q] = rep->iterations[c];
        e->ok[q] = rep->ok[c];
        e->e_write_J[q] = rep->e_write_J[c];
        e->e_disturb_J[q] = rep->e_disturb_J[c];
        pr->n_stuck += a->stuck[c] != 0;
    }
    pr->n_cells += rep->n_programmed;
    pr->n_failed += rep->n_failed;
    pr->n_out_of_tol_end += rep->n_out_of_tol_end;
    pr->n_pulses += rep->n_log;
    pr->n_fast += rep->n_fast;
    pr->iter_max = fmax(pr->iter_max, rep->iter_max);
    pr->iter_mean += rep->iter_mean * (double)rep->n_programmed; /* a sum until exp_wmvm_run divides */
    pr->e_write_J += rep->e_write_total_J;
    pr->e_disturb_J += rep->e_disturb_total_J;
    pr->e_verify_J += rep->e_read_total_J;
    pr->t_campaign_max_s = fmax(pr->t_campaign_max_s, rep->t_end_s);
    pr->dg_disturb_max_rel = fmax(pr->dg_disturb_max_rel, rep->dg_disturb_max_rel);
}

/* Device cells at the read time: records the noiseless conductances and their error against the targets. */
static int record_settled(exp_wmvm *e, xbar *xb, size_t k)
{
    const tiling_span *s = &e->t.span[k];
    int st = xbar_conductances(xb, e->g_read_S + s->g_off);
    if (st != CIM_OK)
        return cim_error_prefix(st, "tile %zu: ", k);
    const double *target = e->t.g_S + s->g_off;
    wmvm_program *pr = &e->pr;
    for (size_t c = 0; c < s->nr * s->phys_cols; c++) {
        double d = e->g_read_S[s->g_off + c] / target[c] - 1;
        pr->g_err_rms += d * d; /* sums until exp_wmvm_run divides */
        pr->g_err_mean += d;
        pr->g_err_max = fmax(pr->g_err_max, fabs(d));
    }
    return CIM_OK;
}

/* Releases the tile held: its energy, statistics and solve counts go into the experiment's sums (real run). */
static void release_tile(read_ctx *r)
{
    exp_wmvm *e = r->e;
    if (r->tl == NULL)
        return;
    if (r->record) {
        energy_tally te;
        tile_energy(r->tl, &te);
        energy_tally_merge(&e->tally, &te);
        const xbar_solve_stats *ss = xbar_stats(tile_xbar(r->tl));
        e->n_solves += ss->n_solves;
        e->iterations += (int)ss->iterations;
        e->max_residual = fmax(e->max_residual, ss->max_residual);
        const tile_stats *ts = tile_get_stats(r->tl);
        e->n_reads += ts->n_reads;
        e->n_conversions += ts->n_conversions;
        e->n_adc_clipped += ts->n_adc_clipped;
        e->n_sense_saturated += ts->n_sense_saturated;
        e->latency_s = fmax(e->latency_s, ts->latency_s);
        e->periphery_area_um2 += tile_periphery_area_um2(r->tl);
        if (r->k == 0) {
            e->adc_lo_A = ts->adc_lo_A;
            e->adc_hi_A = ts->adc_hi_A;
        }
    }
    if (!(r->record && e->keep_arrays))
        tile_free(r->tl);
    r->tl = NULL;
}

/* Makes tile k if it is not the one held (periph/tiled.h): conductance cells hold the tile's conductances, device
 * cells are programmed toward them (or placed exactly, programming made ideal) and rest until the read; then the
 * ADCs are calibrated when their range needs it. */
static int hold_tile(read_ctx *r, size_t k)
{
    if (r->k == k)
        return CIM_OK;
    exp_wmvm *e = r->e;
    release_tile(r);
    r->k = k;
    progress_update(r->prog, (double)(r->prog_base + k));
    program_report rep;
    double t0 = now_s();
    int st = tiled_make_tile(&r->spec, &e->t, k, &r->tl, &rep);
    if (r->record && e->device && r->spec.programmed)
        e->pr.wall_s += now_s() - t0;
    if (st == CIM_OK && r->record) {
        xbar *xb = tile_xbar(r->tl);
        if (e->keep_arrays) {
            e->tiles[k] = r->tl;
            e->xbars[k] = xb;
        }
        e->read_path = xbar_read_path(xb);
        e->effective = xbar_uses_circuit(xb) && xbar_is_linear(xb) && r->spec.reuse && !xbar_is_noisy(xb);
        if (e->device && r->spec.programmed)
            record_programming(e, xb, k, &rep);
        if (e->device)
            st = record_settled(e, xb, k);
    }
    program_report_free(&rep);
    if (st == CIM_OK && r->x_cal != NULL)
        st = tiled_calibrate_tile(r->tl, &e->t.span[k], (size_t)e->p.n_calibration, r->x_cal, e->rows,
                                  e->x_max_used);
    return st;
}

static int wmvm_tile(void *ctx, const tiling *t, size_t k, const double *x, double *y_part)
{
    (void)t;
    read_ctx *r = ctx;
    int st = hold_tile(r, k);
    if (st != CIM_OK)
        return st;
    if ((st = tile_mvm(r->tl, x, r->e->x_max_used, y_part)) != CIM_OK)
        return cim_error_prefix(st, "tile %zu: ", k);
    return CIM_OK;
}

/* One pass of the pipeline with the stages in ideal made ideal: y (C). */
static int pipeline(exp_wmvm *e, int ideal, int record, const double *x_cal, progress *prog, size_t prog_base,
                    double *y)
{
    read_ctx r = {.e = e, .ideal = ideal, .record = record, .k = (size_t)-1, .x_cal = x_cal, .prog = prog,
                  .prog_base = prog_base};
    if (e->device) {
        r.quiet = e->b.var; /* a shallow copy: borrowed by the tiles of this pass only */
        r.quiet.read.bandwidth_Hz = 0;
    }
    r.spec = pass_spec(e, ideal, e->device && (ideal & (1 << WMVM_STAGE_READ_NOISE)) ? &r.quiet : NULL);
    int st = tiling_mvm(&e->t, e->x, wmvm_tile, &r, y);
    release_tile(&r);
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

static double rmse_of(const double *y, const double *ref, size_t n)
{
    wmvm_error er;
    error_of(y, ref, n, &er);
    return er.rmse;
}

/* Which stages this configuration has at all (the others are ideal already). */
static void stages_present(const exp_wmvm *e, int *applies)
{
    applies[WMVM_STAGE_DAC] = e->dac.type != type_index(dac_type_names, "ideal");
    applies[WMVM_STAGE_PROGRAMMING] = e->device;
    applies[WMVM_STAGE_DRIFT] = e->device && e->p.t_s > 0;
    int nonlinear_access = e->cell.type == CELL_1S1R || (e->device && e->cell.type == CELL_1T1R);
    applies[WMVM_STAGE_NONLINEARITY] = nonlinear_access || (e->device ? !e->dev_linear : e->cell.iv != CELL_IV_LINEAR);
    applies[WMVM_STAGE_READ_NOISE] = e->device && e->noisy;
    circuit_wires w = crossbar_wires(&e->xb);
    applies[WMVM_STAGE_IR_DROP] = !crossbar_wires_ideal(&w);
    applies[WMVM_STAGE_SENSE] = e->sense.type != type_index(sense_type_names, "none");
    applies[WMVM_STAGE_ADC] = e->adc.type != type_index(adc_type_names, "ideal");
}

/* The attribution passes: the reference (all ideal), each stage alone, and the stages cumulatively. */
static int attribute(exp_wmvm *e, const double *x_cal, progress *prog)
{
    size_t C = e->cols, nt = e->t.n_tiles;
    wmvm_attribution *a = e->attr = xcalloc(1, sizeof *e->attr);
    stages_present(e, a->applies);
    double *ref = xmalloc(C * sizeof *ref), *y = xmalloc(C * sizeof *y);
    size_t pass = 1;
    int st = pipeline(e, WMVM_ALL_IDEAL, 0, x_cal, prog, nt * pass++, ref);
    double ss = 0;
    for (size_t j = 0; j < C; j++)
        ss += ref[j] * ref[j];
    a->rms_ref = C ? sqrt(ss / (double)C) : 0;
    /* The reference is W_q^T x (exact inputs) to rounding; the real run's distance from it. */
    size_t R = e->rows;
    double *wq = xmalloc(R * C * sizeof *wq);
    tiling_quantized_weights(&e->t, wq);
    for (size_t j = 0; j < C; j++)
        y[j] = 0;
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++)
            y[j] += wq[i * C + j] * e->x[i];
    free(wq);
    a->ref_vs_exact_rmse = rmse_of(ref, y, C);
    a->full_rmse = rmse_of(e->y, ref, C);
    for (int s = 0; s < WMVM_N_STAGES && st == CIM_OK; s++) {
        if ((st = pipeline(e, WMVM_ALL_IDEAL & ~(1 << s), 0, x_cal, prog, nt * pass++, y)) != CIM_OK)
            break;
        a->alone_rmse[s] = rmse_of(y, ref, C);
        if ((st = pipeline(e, WMVM_ALL_IDEAL & ~((2 << s) - 1), 0, x_cal, prog, nt * pass++, y)) != CIM_OK)
            break;
        a->cumulative_rmse[s] = rmse_of(y, ref, C);
    }
    free(ref);
    free(y);
    return st;
}

/* The MVM's energy report: the design is the tiles' reads, converters and shift-add plus its activations' buffer
 * traffic (programming is a one-time cost, reported apart); the baselines price the same work -- R x C MACs of
 * weight_bits x dac.bits, one vector -- on a von Neumann machine and, as rate-coded synaptic operations of the
 * input codes, on a Loihi-class chip. */
static int energy_of(exp_wmvm *e)
{
    size_t R = e->rows, C = e->cols;
    int x_bits = e->dac.type == type_index(dac_type_names, "ideal") ? 8 : (int)e->dac.bits;
    energy_work w = energy_work_mvm(R, C, 1, (int)e->m.p.weight_bits, x_bits, 16);
    /* The design's MVM: every category the tiles tallied but programming's (one-time, apart: program_J). */
    static const int programming[] = {ENERGY_WRITE, ENERGY_VERIFY, ENERGY_DISTURB};
    energy_tally design = e->tally, vn, neuro, prog = {0};
    for (size_t k = 0; k < sizeof programming / sizeof *programming; k++)
        energy_tally_move(&prog, &design, programming[k]);
    e->program_J = energy_tally_total_J(&prog);
    baseline_cim_movement(&e->tech, &w, &design);
    energy_tally_zero(&vn);
    energy_tally_zero(&neuro);
    baseline_von_neumann(&e->base, &e->tech, &w, &vn);
    uint64_t *q = xmalloc(R * sizeof *q);
    double q_max = ldexp(1.0, x_bits) - 1;
    for (size_t i = 0; i < R; i++)
        q[i] = (uint64_t)nearbyint(fmin(fabs(e->x_q[i]) / e->x_max_used, 1.0) * q_max);
    neuro_counts nc = neuro_counts_mvm(q, R, C, x_bits);
    free(q);
    baseline_neuromorphic(&e->base, &nc, &neuro);
    /* Area: every tile's full array (its cells, 1T1R or not) and its periphery. */
    int with_transistor = e->cell.type == CELL_1T1R || (e->device && e->cell.type == CELL_FEFET);
    e->array_area_m2 = (double)e->t.n_tiles * tech_array_area_m2(&e->tech, e->t.tile_rows, e->t.tile_cols, with_transistor);
    return energy_report_make(&e->report, &design, (uint64_t)(R * C), e->latency_s,
                              e->array_area_m2 + 1e-12 * e->periphery_area_um2, &vn, &neuro, &e->base);
}

int exp_wmvm_run(exp_wmvm *e, progress *prog)
{
    size_t R = e->rows, C = e->cols;
    e->y = xcalloc(C, sizeof *e->y);
    e->y_float = xcalloc(C, sizeof *e->y_float);
    e->y_quant = xcalloc(C, sizeof *e->y_quant);
    e->w_q = xmalloc(R * C * sizeof *e->w_q);
    size_t passes = e->p.attribution ? 2 + 2 * WMVM_N_STAGES : 1;
    if (prog != NULL)
        prog->total = (double)(e->t.n_tiles * passes);
    if (e->device) {
        size_t n_all = 0;
        for (size_t k = 0; k < e->t.n_tiles; k++)
            n_all += e->t.span[k].nr * e->t.span[k].phys_cols;
        e->g_read_S = xcalloc(n_all, sizeof *e->g_read_S);
        e->pulses = xcalloc(n_all, sizeof *e->pulses);
        e->ok = xcalloc(n_all, 1);
        e->e_write_J = xcalloc(n_all, sizeof *e->e_write_J);
        e->e_disturb_J = xcalloc(n_all, sizeof *e->e_disturb_J);
    }
    if (e->keep_arrays) {
        e->tiles = xcalloc(e->t.n_tiles, sizeof *e->tiles);
        e->xbars = xcalloc(e->t.n_tiles, sizeof *e->xbars);
    }
    /* Calibration inputs for the ADC range: uniform in [weights.x_min, x_max], their own stream. */
    double *x_cal = NULL;
    if (calibrates(e)) {
        size_t n = (size_t)e->p.n_calibration;
        x_cal = xmalloc(n * R * sizeof *x_cal);
        gsl_rng *r = rng_alloc((uint64_t)e->run.seed, "mvm.calibration");
        for (size_t k = 0; k < n * R; k++)
            x_cal[k] = e->p.x_min + (e->p.x_max - e->p.x_min) * gsl_rng_uniform(r);
        rng_free(r);
    }
    energy_tally_zero(&e->tally);
    e->e_shift_add_J = e->tech.e_shift_add_J;
    int st = pipeline(e, e->ideal_mask, 1, x_cal, prog, 0, e->y);
    e->circuit = e->read_path == XBAR_READ_CIRCUIT || e->read_path == XBAR_READ_NEWTON;
    e->energy_J = energy_tally_J(&e->tally, ENERGY_READ);
    if (e->device && e->pr.n_cells > 0) {
        double n = (double)e->pr.n_cells;
        e->pr.iter_mean /= n;
        e->pr.g_err_rms = sqrt(e->pr.g_err_rms / n);
        e->pr.g_err_mean /= n;
    }
    if (st == CIM_OK && e->p.attribution)
        st = attribute(e, x_cal, prog);
    free(x_cal);

    /* References: the float product, and the product an ideal array computes with the quantized operands. */
    tiling_quantized_weights(&e->t, e->w_q);
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) {
            e->y_float[j] += e->w[i * C + j] * e->x[i];
            e->y_quant[j] += e->w_q[i * C + j] * e->x_q[i];
        }
    error_of(e->y, e->y_float, C, &e->vs_float);
    error_of(e->y, e->y_quant, C, &e->vs_quant);
    error_of(e->y_quant, e->y_float, C, &e->quant_vs_float);
    if (st == CIM_OK)
        st = energy_of(e);
    progress_finish(prog);
    return st;
}

/* ---- maps -------------------------------------------------------------------------------------- */

const char *const exp_wmvm_map_names[WMVM_N_MAPS] = {"gerr", "gread", "pulses"};
const char *const exp_wmvm_map_titles[WMVM_N_MAPS] = {
    "programmed conductance error G_read / G_target - 1 at weights.t_s (noiseless read), dimensionless",
    "read conductance G_read at weights.t_s (noiseless read), siemens",
    "programming pulses applied to each cell",
};

size_t exp_wmvm_map_cols(const exp_wmvm *e)
{
    size_t n = 0;
    for (size_t cb = 0; cb < e->t.n_col_blocks; cb++)
        n += e->t.span[cb].phys_cols; /* row block 0 holds every column block */
    return n;
}

void exp_wmvm_map(const exp_wmvm *e, int which, double *z)
{
    size_t W = exp_wmvm_map_cols(e), col0 = 0;
    for (size_t cb = 0; cb < e->t.n_col_blocks; cb++) {
        for (size_t rb = 0; rb < e->t.n_row_blocks; rb++) {
            const tiling_span *s = &e->t.span[rb * e->t.n_col_blocks + cb];
            for (size_t i = 0; i < s->nr; i++)
                for (size_t j = 0; j < s->phys_cols; j++) {
                    size_t q = s->g_off + i * s->phys_cols + j;
                    double v = which == WMVM_MAP_GERR    ? e->g_read_S[q] / e->t.g_S[q] - 1
                               : which == WMVM_MAP_GREAD ? e->g_read_S[q]
                                                         : (double)e->pulses[q];
                    z[(s->r0 + i) * W + col0 + j] = v;
                }
        }
        col0 += e->t.span[cb].phys_cols;
    }
}

int exp_wmvm_write_map(const exp_wmvm *e, int m, const double *z, const char *prefix, const char *header)
{
    size_t M = e->rows, N = exp_wmvm_map_cols(e);
    strbuf b;
    strbuf_init(&b);
    char path[4096];
    snprintf(path, sizeof path, "%s_%s.csv", prefix, exp_wmvm_map_names[m]);
    if (header != NULL)
        strbuf_printf(&b, "%s", header);
    strbuf_printf(&b,
                  "# %s: %zu lines (inputs) of %zu physical columns, the %zu x %zu tiles on their grid, column "
                  "blocks side by side\n",
                  exp_wmvm_map_titles[m], M, N, e->t.n_row_blocks, e->t.n_col_blocks);
    csv_format_matrix(&b, z, M, N);
    int st = afile_write_all(path, b.s, b.len);
    strbuf_destroy(&b);
    return st;
}

/* ---- summary ----------------------------------------------------------------------------------- */

static json_t *error_json(const wmvm_error *er)
{
    json_t *j = json_pack("{s:f, s:f}", "rmse", er->rmse, "max_rel_err", er->max_rel_err);
    json_object_set_new(j, "snr_dB", isfinite(er->snr_dB) ? json_real(er->snr_dB) : json_null());
    return j;
}

/* The converters and what they did: types, resolutions, the ADC range, counts, latency and area. */
static json_t *periphery_json(const exp_wmvm *e)
{
    json_t *jd = json_pack("{s:s, s:I, s:f, s:f, s:I}", "type", dac_type_names[e->dac.type], "bits",
                            (json_int_t)e->dac.bits, "v_read_V", e->dac.v_read_V, "x_full_scale", e->x_max_used,
                            "clipped_inputs", (json_int_t)e->n_input_clipped);
    json_t *js = json_pack("{s:s, s:I}", "type", sense_type_names[e->sense.type], "saturated_reads",
                              (json_int_t)e->n_sense_saturated);
    json_t *ja = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I}", "type", adc_type_names[e->adc.type], "bits",
                            (json_int_t)e->adc.bits, "range", adc_range_names[e->adc.range], "cols_per_adc",
                            (json_int_t)e->adc.cols_per_adc, "conversions", (json_int_t)e->n_conversions, "clipped",
                            (json_int_t)e->n_adc_clipped);
    if (e->adc_hi_A > e->adc_lo_A) {
        json_object_set_new(ja, "range_lo_A", json_real(e->adc_lo_A));
        json_object_set_new(ja, "range_hi_A", json_real(e->adc_hi_A));
    }
    return json_pack("{s:o, s:o, s:o, s:f, s:f}", "dac", jd, "sense", js, "adc", ja, "latency_s", e->latency_s,
                     "area_um2", e->periphery_area_um2);
}

static json_t *attribution_json(const wmvm_attribution *a)
{
    json_t *j = json_object();
    json_object_set_new(j, "reference_rms", json_real(a->rms_ref));
    json_object_set_new(j, "full_run_rmse", json_real(a->full_rmse));
    json_object_set_new(j, "what",
                        json_string("RMS output error (weight x input units) against the run with every stage ideal: "
                                    "alone = only this stage real; cumulative = this stage and those before it real, "
                                    "in pipeline order"));
    for (int k = 0; k < WMVM_N_STAGES; k++)
        json_object_set_new(j, wmvm_stage_names[k],
                            json_pack("{s:f, s:f, s:b}", "alone_rmse", a->alone_rmse[k], "cumulative_rmse",
                                      a->cumulative_rmse[k], "present", a->applies[k]));
    return j;
}

json_t *exp_wmvm_summary(const exp_wmvm *e)
{
    strbuf d;
    strbuf_init(&d);
    tiling_describe(&e->t, &d);
    const char *model = e->device    ? "mapped weights programmed into device arrays (one per tile) and read weights.t_s "
                                       "later"
                        : e->circuit                     ? "mapped weights, each tile read through the exact crossbar circuit "
                                                           "solve (wire/driver/sense resistance)"
                        : e->read_path == XBAR_READ_DIRECT ? "mapped weights, each tile read through each cell's I-V at its "
                                                           "row voltage (perfect wires)"
                                                         : "mapped weights, each tile read as the ideal Kirchhoff sum";
    json_t *j = json_pack(
        "{s:s, s:I, s:I, s:s, s:s, s:{s:s, s:I, s:I, s:I, s:I, s:f}, s:s, s:I, s:I, s:I, s:f}", "model", model,
        "rows", (json_int_t)e->rows, "cols", (json_int_t)e->cols, "weights_source",
        e->w_source ? e->w_source : "generated", "inputs_source", e->x_source ? e->x_source : "generated", "mapping",
        "scheme", mapping_scheme_names[e->m.p.scheme], "weight_bits", (json_int_t)e->m.p.weight_bits, "bits_per_cell",
        (json_int_t)e->m.p.bits_per_cell, "slices", (json_int_t)e->m.n_slices, "cols_per_output",
        (json_int_t)e->m.cols_per_output, "dg_S", e->m.dg_S, "tiles", d.s, "n_tiles", (json_int_t)e->t.n_tiles,
        "read_cycles", (json_int_t)e->n_cycles, "array_reads", (json_int_t)e->n_reads, "tile_utilization",
        tiling_utilization(&e->t));
    strbuf_destroy(&d);
    json_object_set_new(j, "clipped",
                        json_pack("{s:I, s:I}", "weights", (json_int_t)e->m.n_clipped, "inputs",
                                  (json_int_t)e->n_input_clipped));
    json_object_set_new(j, "error_vs_float", error_json(&e->vs_float));
    json_object_set_new(j, "error_vs_quantized", error_json(&e->vs_quant));
    json_object_set_new(j, "quantized_vs_float", error_json(&e->quant_vs_float));
    const char *what = "sum over reads of the energy the row sources deliver into the array over t_read_s: cells, "
                       "access elements and wires (no periphery)";
    json_object_set_new(j, "energy",
                        json_pack("{s:f, s:f, s:s}", "array_J", e->energy_J, "t_read_s", e->p.t_read_s, "what", what));
    json_object_set_new(j, "energy_tally", energy_tally_json(&e->tally));
    json_object_set_new(j, "periphery", periphery_json(e));
    json_object_set_new(j, "energy_report", energy_report_json(&e->report));
    if (e->attr != NULL)
        json_object_set_new(j, "attribution", attribution_json(e->attr));
    json_object_set_new(j, "read_path", json_string(xbar_read_path_names[e->read_path]));
    if (e->device) {
        const wmvm_program *pr = &e->pr;
        json_object_set_new(
            j, "cells",
            json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:b, s:s, s:b}", "kind", "device", "device_model",
                      e->b.type->name, "access", cell_type_names[e->cell.type], "T_K", e->b.dev.T_K, "v_read_V",
                      e->v_array_V, "g_device_min_S", e->g_dev_lo_S, "g_device_max_S", e->g_dev_hi_S, "linear_iv",
                      e->dev_linear, "read_path", xbar_read_path_names[e->read_path], "read_noise", e->noisy));
        double e_tot = pr->e_write_J + pr->e_disturb_J + pr->e_verify_J;
        json_object_set_new(
            j, "programming",
            json_pack("{s:s, s:f, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
                      "method", program_method_names[e->prog.method], "tol_rel", e->prog.tol_rel, "half_select",
                      program_half_select_names[e->prog.half_select], "cells", (json_int_t)pr->n_cells, "failed",
                      (json_int_t)pr->n_failed, "out_of_tolerance_at_campaign_end", (json_int_t)pr->n_out_of_tol_end,
                      "targets_outside_device_range", (json_int_t)pr->n_out_of_range, "stuck",
                      (json_int_t)pr->n_stuck, "pulses", (json_int_t)pr->n_pulses, "closed_form_pulses",
                      (json_int_t)pr->n_fast, "pulses_per_cell_mean", pr->iter_mean, "pulses_per_cell_max",
                      pr->iter_max, "energy_write_J", pr->e_write_J, "energy_disturb_J", pr->e_disturb_J,
                      "energy_verify_read_J", pr->e_verify_J, "energy_total_J", e_tot, "energy_per_cell_J",
                      pr->n_cells ? e_tot / (double)pr->n_cells : 0.0, "campaign_max_s", pr->t_campaign_max_s,
                      "disturb_max_rel", pr->dg_disturb_max_rel));
        json_object_set_new(j, "conductance_error",
                            json_pack("{s:f, s:f, s:f, s:f, s:s}", "t_s", e->p.t_s, "rms_rel", pr->g_err_rms,
                                      "mean_rel", pr->g_err_mean, "max_abs_rel", pr->g_err_max, "what",
                                      "G_read / G_target - 1 over the programmed cells, noiseless reads at t_s after "
                                      "each tile's campaign"));
    }
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
    exp_wmvm_reset(e);
    device_binding_free(&e->b);
}

void exp_wmvm_reset(exp_wmvm *e)
{
    if (e->tiles != NULL)
        for (size_t k = 0; k < e->t.n_tiles; k++)
            tile_free(e->tiles[k]);
    free(e->tiles);
    free(e->xbars);
    e->tiles = NULL;
    e->xbars = NULL;
    free(e->attr);
    free(e->v_first_V);
    e->attr = NULL;
    e->v_first_V = NULL;
    if (e->loaded) {
        tiling_destroy(&e->t);
        mapping_destroy(&e->m);
        e->loaded = 0;
    }
    free(e->g_read_S);
    free(e->pulses);
    free(e->ok);
    free(e->e_write_J);
    free(e->e_disturb_J);
    e->g_read_S = e->e_write_J = e->e_disturb_J = NULL;
    e->pulses = NULL;
    e->ok = NULL;
    free(e->w);
    free(e->x);
    free(e->y);
    free(e->y_float);
    free(e->y_quant);
    free(e->w_q);
    free(e->x_q);
    e->w = e->x = e->y = e->y_float = e->y_quant = e->w_q = e->x_q = NULL;
    /* What a run counted starts again from zero; the configuration and the model stay. */
    e->n_reads = e->n_conversions = e->n_adc_clipped = e->n_sense_saturated = 0;
    e->latency_s = e->periphery_area_um2 = e->array_area_m2 = e->program_J = 0;
    e->n_solves = 0;
    e->iterations = 0;
    e->max_residual = 0;
    e->w_source = e->x_source = NULL;
    memset(&e->pr, 0, sizeof e->pr);
    memset(&e->report, 0, sizeof e->report);
    energy_tally_zero(&e->tally);
}

/* ---- SPICE export ---------------------------------------------------------------------------------- */

int exp_wmvm_spice_possible(const exp_wmvm *e)
{
    if (e->p.cells == WMVM_CELLS_DEVICE)
        return cim_error(CIM_EINVAL, "--spice: device cells (weights.cells = \"device\") have no netlist form here; "
                                     "the array export writes conductance cells (weights.cells = \"ideal\")");
    return CIM_OK;
}

int exp_wmvm_write_spice(const exp_wmvm *e, const char *path)
{
    if (exp_wmvm_spice_possible(e) != CIM_OK)
        return CIM_EINVAL;
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t stem = dot != NULL && (slash == NULL || dot > slash) ? (size_t)(dot - path) : strlen(path);
    cell_params lin = cell_params_default(); /* tiles read as plain conductances (1R, linear), as simulated */
    int st = CIM_OK;
    for (size_t k = 0; k < e->t.n_tiles && st == CIM_OK; k++) {
        const tiling_span *sp = &e->t.span[k];
        cell_array ca;
        if ((st = cell_array_init(&ca, &lin, sp->nr, sp->phys_cols, e->t.g_S + sp->g_off)) != CIM_OK)
            break;
        spice_array sa = {sp->nr, sp->phys_cols, crossbar_wires(&e->xb), NULL, NULL, e->v_first_V + sp->r0, NULL, &ca, 0};
        strbuf b, name;
        strbuf_init(&b);
        strbuf_init(&name);
        if (e->t.n_tiles == 1)
            strbuf_puts(&name, path);
        else
            strbuf_printf(&name, "%.*s_tile%zu%s", (int)stem, path, k, path + stem);
        if ((st = spice_array_netlist(&sa, NULL, &b)) == CIM_OK)
            st = afile_write_all(name.s, b.s, b.len);
        strbuf_destroy(&b);
        strbuf_destroy(&name);
        cell_array_destroy(&ca);
    }
    return st;
}

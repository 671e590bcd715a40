/* crossbar/array.c -- see array.h. */
#include "crossbar/array.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "device/stimulus.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- life cycle ------------------------------------------------------------------------------------ */

array_opts array_opts_default(void)
{
    array_opts o;
    memset(&o, 0, sizeof o);
    o.T_K = 300.0;
    o.v_read_V = 0.1;
    o.t_read_s = 10e-9;
    o.seed = 0;
    o.stream = "array";
    param_defaults(&sim_group, &o.sim);
    return o;
}

/* A device_cell (device/variability.h) that views cell c: the parameter pointers point into the array, the
 * rest is copied in; cell_store copies the changed parts back.  Never device_cell_free a view. */
static void cell_view(const array *a, size_t c, device_cell *v)
{
    size_t ns = a->n_state;
    memset(v, 0, sizeof *v);
    v->p = a->p + c * a->p_size;
    v->p_d2d = a->p_d2d + c * a->p_size;
    memcpy(v->x, a->x + c * ns, ns * sizeof(double));
    memcpy(v->lo, a->lo + c * ns, ns * sizeof(double));
    memcpy(v->hi, a->hi + c * ns, ns * sizeof(double));
    v->on_high = a->on_high[c];
    v->stuck = a->stuck[c];
    v->T_K = a->T_K;
    v->cycles = a->cycles[c];
    v->cycles_to_fail = a->cycles_to_fail[c];
}

static void cell_store(array *a, size_t c, const device_cell *v)
{
    size_t ns = a->n_state;
    memcpy(a->x + c * ns, v->x, ns * sizeof(double));
    memcpy(a->lo + c * ns, v->lo, ns * sizeof(double));
    memcpy(a->hi + c * ns, v->hi, ns * sizeof(double));
    a->stuck[c] = (signed char)v->stuck;
    a->cycles[c] = v->cycles;
}

int array_new(array **out, size_t rows, size_t cols, const device_type *T, const void *nominal, const variability *v,
              const array_opts *o)
{
    *out = NULL;
    if (rows == 0 || cols == 0)
        return cim_error(CIM_EINVAL, "array: %zu x %zu cells: both sides must be at least 1", rows, cols);
    if (!(o->v_read_V != 0 && isfinite(o->v_read_V)))
        return cim_error(CIM_EINVAL, "array: the read voltage must be nonzero and finite (got %g V)", o->v_read_V);
    if (!(o->t_read_s >= 0))
        return cim_error(CIM_EINVAL, "array: the read time must be >= 0 (got %g s)", o->t_read_s);
    if (T->reactive && T->read_A == NULL)
        return cim_error(CIM_EINVAL,
                         "array: model \"%s\" is a ferroelectric capacitor with no DC read (it is read by switching it and "
                         "sensing the charge): it has no conductance to store; use a model with a resistive or "
                         "transistor read (fefet)",
                         T->name);
    if (v != NULL && v->T != T)
        return cim_error(CIM_EINVAL, "array: the variability was bound for model \"%s\", not \"%s\"",
                         v->T ? v->T->name : "(none)", T->name);
    array *a = xcalloc(1, sizeof *a);
    a->T = T;
    if (v != NULL)
        a->var = *v; /* shares the caller's spec/d2d/c2c tables (borrowed) */
    else
        a->var.T = T; /* all zero: no D2D, no C2C, no faults, noiseless reads, no endurance */
    a->rows = rows;
    a->cols = cols;
    a->n = rows * cols;
    a->n_state = T->n_state;
    a->p_size = (T->params->size + 15) / 16 * 16;
    a->T_K = o->T_K;
    a->v_read_V = o->v_read_V;
    a->t_read_s = o->t_read_s;
    a->sim = o->sim;
    size_t n = a->n, ns = a->n_state;
    a->x = xcalloc(n * ns, sizeof(double));
    a->lo = xcalloc(n * ns, sizeof(double));
    a->hi = xcalloc(n * ns, sizeof(double));
    a->p = xcalloc(n, a->p_size);
    a->p_d2d = xcalloc(n, a->p_size);
    a->p_nominal = xcalloc(1, a->p_size);
    memcpy(a->p_nominal, nominal, T->params->size);
    a->stuck = xcalloc(n, 1);
    a->on_high = xcalloc(n, 1);
    a->cycles = xcalloc(n, sizeof(double));
    a->cycles_to_fail = xcalloc(n, sizeof(double));
    a->t_state_s = xcalloc(n, sizeof(double));
    a->t_prog_s = xcalloc(n, sizeof(double));
    const char *stream = o->stream ? o->stream : "array";
    size_t len = strlen(stream) + 8;
    char *name = xmalloc(len);
    snprintf(name, len, "%s.d2d", stream);
    gsl_rng *r = rng_alloc(o->seed, name);
    snprintf(name, len, "%s.run", stream);
    a->rng = rng_alloc(o->seed, name);
    free(name);
    int st = CIM_OK;
    for (size_t c = 0; c < n && st == CIM_OK; c++) {
        device_cell cell;
        st = device_cell_make(&a->var, nominal, a->T_K, r, &cell);
        if (st != CIM_OK) {
            st = cim_error_prefix(st, "array cell (%zu, %zu): ", c / cols, c % cols);
            break;
        }
        memcpy(a->p + c * a->p_size, cell.p, T->params->size);
        memcpy(a->p_d2d + c * a->p_size, cell.p_d2d, T->params->size);
        memcpy(a->x + c * ns, cell.x, ns * sizeof(double));
        memcpy(a->lo + c * ns, cell.lo, ns * sizeof(double));
        memcpy(a->hi + c * ns, cell.hi, ns * sizeof(double));
        a->stuck[c] = (signed char)cell.stuck;
        a->on_high[c] = (unsigned char)cell.on_high;
        a->cycles[c] = cell.cycles;
        a->cycles_to_fail[c] = cell.cycles_to_fail;
        device_cell_free(&cell);
    }
    rng_free(r);
    if (st != CIM_OK) {
        array_free(a);
        return st;
    }
    *out = a;
    return CIM_OK;
}

void array_free(array *a)
{
    if (a == NULL)
        return;
    free(a->x);
    free(a->lo);
    free(a->hi);
    free(a->p);
    free(a->p_d2d);
    free(a->p_nominal);
    free(a->stuck);
    free(a->on_high);
    free(a->cycles);
    free(a->cycles_to_fail);
    free(a->t_state_s);
    free(a->t_prog_s);
    rng_free(a->rng);
    free(a);
}

/* ---- time ------------------------------------------------------------------------------------------ */

/* 1 if cell c does not move at rest: every state derivative at 0 V is zero or points out through a bound. */
static int at_rest(const array *a, size_t c)
{
    const device_type *T = a->T;
    size_t ns = a->n_state;
    double x[DEVICE_MAX_STATE], dx[DEVICE_MAX_STATE];
    memcpy(x, a->x + c * ns, ns * sizeof *x);
    const void *p = a->p + c * a->p_size;
    if (T->algebraic != NULL)
        T->algebraic(p, x, 0.0, a->T_K);
    T->dxdt(p, x, 0.0, a->T_K, dx);
    const double *lo = a->lo + c * ns, *hi = a->hi + c * ns;
    for (size_t k = 0; k < ns; k++)
        if (dx[k] != 0.0 && !((x[k] <= lo[k] && dx[k] < 0) || (x[k] >= hi[k] && dx[k] > 0)))
            return 0;
    return 1;
}

/* Integrates cell c under stimulus s (built by the caller) over its natural duration; *e_J the energy. */
static int integrate_cell(array *a, size_t c, const stimulus *s, const sim_params *sim, double *e_J)
{
    size_t ns = a->n_state;
    device_sim_opts opt;
    memset(&opt, 0, sizeof opt);
    opt.lo = a->lo + c * ns;
    opt.hi = a->hi + c * ns;
    opt.frozen = a->stuck[c] != 0;
    device_trace tr;
    int st = device_simulate(a->T, a->p + c * a->p_size, a->T_K, a->x + c * ns, s, sim, NULL, &opt, &tr, NULL);
    if (st == CIM_OK) {
        if (e_J != NULL)
            *e_J = tr.e_J[tr.n - 1];
        device_trace_free(&tr);
    }
    return st;
}

int array_advance(array *a, size_t c, double t_s)
{
    double dt = t_s - a->t_state_s[c];
    if (!(dt > 0))
        return CIM_OK;
    if (a->stuck[c] || at_rest(a, c)) {
        a->t_state_s[c] = t_s;
        return CIM_OK;
    }
    /* Retention at 0 V spans decades and PCM's thermal time constant is 1 ns: an implicit stepper. */
    stimulus_params sp;
    param_defaults(&stimulus_group, &sp);
    sp.kind = STIM_DC;
    sp.amplitude_V = 0.0;
    stimulus s;
    int st = stimulus_init(&s, &sp, NULL);
    if (st != CIM_OK)
        return st;
    sim_params sim = a->sim;
    sim.method = SIM_MSBDF;
    sim.t_stop_s = dt;
    sim.n_points = 2;
    sim.spacing = SIM_SPACING_LINEAR;
    st = integrate_cell(a, c, &s, &sim, NULL);
    stimulus_destroy(&s);
    if (st != CIM_OK)
        return cim_error_prefix(st, "array cell (%zu, %zu) at rest from %g s to %g s: ", c / a->cols, c % a->cols,
                                a->t_state_s[c], t_s);
    a->t_state_s[c] = t_s;
    return CIM_OK;
}

int array_advance_all(array *a, double t_s)
{
    for (size_t c = 0; c < a->n; c++) {
        int st = array_advance(a, c, t_s);
        if (st != CIM_OK)
            return st;
    }
    return CIM_OK;
}

/* ---- reads ----------------------------------------------------------------------------------------- */

static double cell_i(const array *a, size_t c, double v_V)
{
    return device_read_A(a->T, a->p + c * a->p_size, a->x + c * a->n_state, v_V);
}

int array_linear_read(const array *a, double v_V)
{
    for (int which = 0; which < 3; which++) {
        double x[DEVICE_MAX_STATE];
        memcpy(x, a->x, a->n_state * sizeof *x); /* cell 0 as made: the model's initial state */
        for (size_t k = 0; which < 2 && k < device_n_memory(a->T); k++)
            x[k] = which ? a->hi[k] : a->lo[k];
        const void *p = a->p_nominal;
        double g1 = device_read_A(a->T, p, x, v_V) / v_V;
        double g2 = device_read_A(a->T, p, x, v_V / 2) / (v_V / 2), g3 = device_read_A(a->T, p, x, v_V / 10) / (v_V / 10);
        if (!(fabs(g2 - g1) <= 1e-12 * fabs(g1) && fabs(g3 - g1) <= 1e-12 * fabs(g1)))
            return 0;
    }
    return 1;
}

double array_g_cell(const array *a, size_t c) { return cell_i(a, c, a->v_read_V) / a->v_read_V; }

/* One read of cell c at the read voltage: the current with read noise when noisy; *e_J += its energy. */
static double read_i(array *a, size_t c, int noisy, double *e_J)
{
    double v = a->v_read_V, i = cell_i(a, c, v);
    *e_J += fabs(v * i) * a->t_read_s;
    if (noisy) {
        double s = variability_read_sigma_A(&a->var.read, i, v, a->T_K);
        if (s > 0)
            i += gsl_ran_gaussian_ziggurat(a->rng, s);
    }
    return i;
}

int array_read_cell(array *a, size_t c, double t_s, int noisy, double *g_S, double *e_J)
{
    int st = array_advance(a, c, t_s);
    if (st != CIM_OK)
        return st;
    double e = 0.0;
    *g_S = read_i(a, c, noisy, &e) / a->v_read_V;
    if (e_J != NULL)
        *e_J = e;
    return CIM_OK;
}

int array_read_g(array *a, double t_s, int noisy, double *g_S, double *e_J)
{
    int st = array_advance_all(a, t_s);
    if (st != CIM_OK)
        return st;
    double e = 0.0;
    for (size_t c = 0; c < a->n; c++)
        g_S[c] = read_i(a, c, noisy, &e) / a->v_read_V;
    if (e_J != NULL)
        *e_J = e;
    return CIM_OK;
}

static void cells_eval(const void *ctx, size_t k0, size_t n, const double *v_V, double *i_A, double *g_S)
{
    const array_cells *ac = ctx;
    const array *a = ac->a;
    for (size_t q = 0; q < n; q++) {
        size_t c = k0 + q;
        double f = ac->eps != NULL ? 1.0 + ac->eps[c] : 1.0, v = v_V[q];
        if (i_A != NULL)
            i_A[q] = f * cell_i(a, c, v);
        if (g_S != NULL) {
            double h = 6e-6 * fmax(fabs(v), 0.01);
            double d = (cell_i(a, c, v + h) - cell_i(a, c, v - h)) / (2.0 * h);
            g_S[q] = fmax(f * d, 1e-18);
        }
    }
}

void array_cells_init(array_cells *ac, const array *a, const double *eps)
{
    ac->a = a;
    ac->eps = eps;
    ac->cells.eval = cells_eval;
    ac->cells.ctx = ac;
}

void array_read_noise_draw(array *a, double *eps)
{
    double v = a->v_read_V;
    for (size_t c = 0; c < a->n; c++) {
        double i = cell_i(a, c, v), s = variability_read_sigma_A(&a->var.read, i, v, a->T_K);
        eps[c] = s > 0 && i != 0 ? s / fabs(i) * gsl_ran_gaussian_ziggurat(a->rng, 1.0) : 0.0;
    }
}

/* ---- pulses ---------------------------------------------------------------------------------------- */

double array_pulse_period_s(const array_pulse_shape *ps) { return 2.0 * ps->t_rise_s + ps->t_width_s + ps->t_gap_s; }

int array_pulse(array *a, size_t c, double v_V, const array_pulse_shape *ps, double t_start_s, int event, double *e_J,
                int *fast)
{
    t_start_s = fmax(t_start_s, a->t_state_s[c]); /* a cell's time never runs backwards */
    int st = array_advance(a, c, t_start_s);
    if (st != CIM_OK)
        return st;
    if (fast != NULL)
        *fast = 0;
    if (event) {
        device_cell view;
        cell_view(a, c, &view);
        st = device_cell_event(&a->var, &view, a->rng);
        if (st != CIM_OK)
            return cim_error_prefix(st, "array cell (%zu, %zu): ", c / a->cols, c % a->cols);
        cell_store(a, c, &view);
    }
    double period = array_pulse_period_s(ps), e = 0.0;
    size_t ns = a->n_state;
    double *x = a->x + c * ns;
    void *p = a->p + c * a->p_size;
    int done = 0;
    if (ps->closed_form && a->T->pulse != NULL && ps->t_rise_s == 0 && ps->r_series_ohm == 0 && !a->stuck[c]) {
        double y[DEVICE_MAX_STATE], e1 = 0, e2 = 0;
        memcpy(y, x, ns * sizeof *y);
        const double *lo = a->lo + c * ns, *hi = a->hi + c * ns;
        if (a->T->pulse(p, y, lo, hi, v_V, ps->t_width_s, a->T_K, &e1) &&
            (ps->t_gap_s == 0 || a->T->pulse(p, y, lo, hi, 0.0, ps->t_gap_s, a->T_K, &e2))) {
            memcpy(x, y, ns * sizeof *y);
            e = e1 + e2;
            done = 1;
            if (fast != NULL)
                *fast = 1;
        }
    }
    if (!done) {
        stimulus_params sp;
        param_defaults(&stimulus_group, &sp);
        sp.kind = STIM_PULSE;
        sp.amplitude_V = v_V;
        sp.offset_V = 0;
        sp.t_delay_s = 0;
        sp.t_rise_s = sp.t_fall_s = ps->t_rise_s;
        sp.t_width_s = ps->t_width_s;
        sp.t_period_s = period;
        sp.n_pulses = 1;
        sp.r_series_ohm = ps->r_series_ohm;
        stimulus s;
        st = stimulus_init(&s, &sp, NULL);
        if (st != CIM_OK)
            return st;
        sim_params sim = a->sim;
        sim.t_stop_s = 0; /* the stimulus's duration: the period */
        sim.n_points = 2;
        sim.spacing = SIM_SPACING_LINEAR;
        st = integrate_cell(a, c, &s, &sim, &e);
        stimulus_destroy(&s);
        if (st != CIM_OK)
            return cim_error_prefix(st, "array cell (%zu, %zu), pulse of %g V: ", c / a->cols, c % a->cols, v_V);
    }
    a->t_state_s[c] = t_start_s + period;
    if (event)
        a->t_prog_s[c] = t_start_s + period;
    if (e_J != NULL)
        *e_J = e;
    return CIM_OK;
}

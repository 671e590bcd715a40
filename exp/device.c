/* exp/device.c -- see device.h. */
#include "exp/device.h"
#include "device/binding.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void exp_device_init(exp_device *e, cfg *c)
{
    memset(e, 0, sizeof *e);
    cfg_bind(c, &experiment_key_group, &e->key);
    cfg_bind(c, &run_group, &e->run);
    /* device_binding_init's two binds, with stimulus and sim between them: the order the resolved configuration
     * is dumped in (device, stimulus, sim, variability) */
    cfg_bind(c, &device_group, &e->b.dev);
    cfg_bind(c, &stimulus_group, &e->stim);
    cfg_bind(c, &sim_group, &e->sim);
    variability_bind_common(&e->b.var, c);
}


/* Draws the device from stream "device.d2d" of the run's seed: the same seed, the same device. */
static int make_cell(exp_device *e)
{
    gsl_rng *r = rng_alloc((uint64_t)e->run.seed, "device.d2d");
    int st = device_cell_make(&e->b.var, e->b.model, e->b.dev.T_K, r, &e->cell);
    rng_free(r);
    if (st == CIM_OK)
        memcpy(e->x0, e->cell.x, sizeof e->x0);
    return st;
}

int exp_device_remake(exp_device *e, double n_cycles_start)
{
    device_cell_free(&e->cell);
    e->b.var.endur.n_cycles_start = n_cycles_start;
    return make_cell(e);
}

int exp_device_prepare(exp_device *e, const char *base_dir)
{
    e->b.type = device_types[e->b.dev.model]; /* the resolved choice */
    int st = stimulus_init(&e->s, &e->stim, base_dir);
    if (st != CIM_OK)
        return st;
    variability_prepare(&e->b.var);
    st = make_cell(e);
    if (st != CIM_OK)
        return st;
    if ((st = sim_check_grid(&e->sim, exp_device_t_stop(e))) != CIM_OK)
        return cim_error_prefix(st, "sim: ");
    if (e->b.type->noise != NULL && e->sim.method != SIM_FIXED) {
        /* A noisy model on an adaptive path would silently drop its noise: say so instead. */
        double sig[DEVICE_MAX_STATE] = {0};
        e->b.type->noise(e->cell.p, e->x0, 1.0, e->b.dev.T_K, sig);
        for (size_t k = 0; k < e->b.type->n_state; k++)
            if (sig[k] != 0.0)
                return cim_error(CIM_ECONFIG,
                                 "device.%s.noise = true needs sim.method = \"fixed\" (the adaptive integrators are "
                                 "deterministic)",
                                 e->b.type->name);
    }
    return CIM_OK;
}

double exp_device_t_stop(const exp_device *e)
{
    return e->sim.t_stop_s > 0 ? e->sim.t_stop_s : stimulus_duration(&e->s);
}

typedef struct event_ctx {
    exp_device *e;
    gsl_rng *r;
    device_sim_opts *opt;
} event_ctx;

/* A polarity reversal: a switching event of the cell (C2C redraw, cycle count, endurance). */
static int on_reversal(void *ctx, double t_s, double *y)
{
    (void)t_s;
    event_ctx *ec = ctx;
    device_cell *cell = &ec->e->cell;
    size_t n = ec->e->b.type->n_state;
    memcpy(cell->x, y, n * sizeof *y);
    int st = device_cell_event(&ec->e->b.var, cell, ec->r);
    memcpy(y, cell->x, n * sizeof *y);
    ec->opt->frozen = cell->stuck != 0;
    ec->e->n_events++;
    return st;
}

void exp_device_sim_opts(exp_device *e, device_sim_opts *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->lo = e->cell.lo;
    opt->hi = e->cell.hi;
    opt->frozen = e->cell.stuck != 0;
}

int exp_device_run(exp_device *e, progress *prog)
{
    double x[DEVICE_MAX_STATE];
    memcpy(x, e->x0, sizeof x);
    gsl_rng *r = rng_alloc((uint64_t)e->run.seed, "device.noise");
    gsl_rng *rc = rng_alloc((uint64_t)e->run.seed, "device.c2c");
    device_sim_opts opt;
    exp_device_sim_opts(e, &opt);
    event_ctx ec = {e, rc, &opt};
    opt.on_reversal = on_reversal;
    opt.ctx = &ec;
    e->n_events = 0;
    device_trace_free(&e->tr); /* a run again (the endurance experiment) replaces the last trace */
    int st = device_simulate(e->b.type, e->cell.p, e->b.dev.T_K, x, &e->s, &e->sim, r, &opt, &e->tr, prog);
    memcpy(e->cell.x, x, sizeof x);
    rng_free(r);
    rng_free(rc);
    return st;
}

double exp_device_r_read(const exp_device *e, const double *x)
{
    if (e->b.type->reactive && e->b.type->read_A == NULL)
        return INFINITY; /* a capacitor: its current is a polarization current, not a DC read */
    double i = device_read_A(e->b.type, e->cell.p, x, e->b.dev.v_read_V);
    return i != 0.0 ? e->b.dev.v_read_V / i : INFINITY;
}

/* A number, or null when it is not finite (JSON has no infinity). */
static json_t *jnum(double x) { return isfinite(x) ? json_real(x) : json_null(); }

/* The last point where y crosses 0 in direction dir (+1 rising, -1 falling), interpolated linearly: the
 * value of z there.  NAN if y never crosses.  The last, because the first half-cycle starts from the
 * initial state rather than from the loop. */
static double last_crossing(const double *y, const double *z, size_t n, int dir)
{
    for (size_t k = n - 1; k > 0; k--) {
        double a = dir * y[k - 1], b = dir * y[k];
        if (a < 0 && b >= 0)
            return z[k - 1] + (0 - a) / (b - a) * (z[k] - z[k - 1]);
    }
    return NAN;
}

/* The observable's range and, read off its loop against the voltage, its remanent values (at 0 V, after
 * the positive and the negative branch) and coercive voltages (where it crosses 0, rising and falling). */
static json_t *observable_summary(const exp_device *e)
{
    const device_trace *tr = &e->tr;
    const device_observable *o = &e->b.type->observable;
    double lo = tr->obs[0], hi = tr->obs[0];
    for (size_t k = 1; k < tr->n; k++) {
        lo = fmin(lo, tr->obs[k]);
        hi = fmax(hi, tr->obs[k]);
    }
    json_t *j = json_pack("{s:s, s:s, s:f, s:f, s:f, s:f}", "name", o->name, "unit", o->unit, "initial", tr->obs[0],
                          "final", tr->obs[tr->n - 1], "min", lo, "max", hi);
    json_object_set_new(j, "remanent_pos", jnum(last_crossing(tr->v_V, tr->obs, tr->n, -1)));
    json_object_set_new(j, "remanent_neg", jnum(last_crossing(tr->v_V, tr->obs, tr->n, +1)));
    json_object_set_new(j, "v_coercive_pos_V", jnum(last_crossing(tr->obs, tr->v_V, tr->n, +1)));
    json_object_set_new(j, "v_coercive_neg_V", jnum(last_crossing(tr->obs, tr->v_V, tr->n, -1)));
    return j;
}

json_t *exp_device_summary(const exp_device *e)
{
    const device_trace *tr = &e->tr;
    size_t n = tr->n, ns = tr->n_state;
    double r0 = exp_device_r_read(e, tr->x), r_end = exp_device_r_read(e, tr->x + (n - 1) * ns);
    double r_min = r0, r_max = r0, run_max = r0, run_min = r0;
    double v_set = NAN, v_reset = NAN;
    double area = 0.0, lobe = 0.0;
    for (size_t k = 0; k < n; k++) {
        double r = exp_device_r_read(e, tr->x + k * ns);
        r_min = fmin(r_min, r);
        r_max = fmax(r_max, r);
        /* Switching is a change the drive makes: at or below the read voltage (a read hold) a change of
         * R_read is drift or relaxation, and the voltage there is no switching voltage. */
        int driven = fabs(tr->v_V[k]) > fabs(e->b.dev.v_read_V) * (1 + 1e-9);
        if (isnan(v_set) && driven && r < 0.9 * run_max)
            v_set = tr->v_V[k];
        if (isnan(v_reset) && driven && r > 1.1 * run_min)
            v_reset = tr->v_V[k];
        run_max = fmax(run_max, r);
        run_min = fmin(run_min, r);
        if (k > 0) {
            /* A lobe ends where the voltage changes sign (the pinch point of the loop). */
            if ((tr->v_V[k] > 0) != (tr->v_V[k - 1] > 0) && tr->v_V[k - 1] != 0) {
                area += fabs(lobe);
                lobe = 0.0;
            }
            lobe += 0.5 * (tr->i_A[k] + tr->i_A[k - 1]) * (tr->v_V[k] - tr->v_V[k - 1]);
        }
    }
    area += fabs(lobe);
    json_t *sw = json_object();
    json_object_set_new(sw, "v_set_V", isnan(v_set) ? json_null() : json_real(v_set));
    json_object_set_new(sw, "v_reset_V", isnan(v_reset) ? json_null() : json_real(v_reset));
    json_object_set_new(sw, "sweep", json_boolean(e->stim.kind == STIM_SINE || e->stim.kind == STIM_TRIANGLE));
    json_t *states = json_object();
    for (size_t k = 0; k < ns; k++) {
        double lo = tr->x[k], hi = tr->x[k];
        for (size_t j = 0; j < n; j++) {
            lo = fmin(lo, tr->x[j * ns + k]);
            hi = fmax(hi, tr->x[j * ns + k]);
        }
        json_object_set_new(states, e->b.type->state[k].name,
                            json_pack("{s:f, s:f, s:f, s:f}", "initial", tr->x[k], "final", tr->x[(n - 1) * ns + k],
                                      "min", lo, "max", hi));
    }
    /* A capacitor (FeRAM) has no DC read current: its read resistance is infinite, reported as null. */
    json_t *rr = json_object();
    json_object_set_new(rr, "initial", jnum(r0));
    json_object_set_new(rr, "final", jnum(r_end));
    json_object_set_new(rr, "min", jnum(r_min));
    json_object_set_new(rr, "max", jnum(r_max));
    json_object_set_new(rr, "ratio_max_min", jnum(r_max / r_min));
    json_t *j = json_pack("{s:s, s:s, s:f, s:f, s:o, s:o, s:f, s:f, s:o, s:{s:I, s:I}}", "model", e->b.type->name,
                          "citation", e->b.type->citation, "t_stop_s", tr->t_s[n - 1], "v_read_V", e->b.dev.v_read_V,
                          "r_read_ohm", rr, "switching", sw, "loop_area_W", area, "energy_J", tr->e_J[n - 1], "state",
                          states, "integrator", "steps", (json_int_t)tr->n_steps, "rejected", (json_int_t)tr->n_failed);
    if (tr->obs != NULL)
        json_object_set_new(j, "observable", observable_summary(e));
    return j;
}

int exp_device_final_hold(const exp_device *e, double *t_start_s, size_t *first)
{
    const stimulus *s = &e->s;
    double t_end = exp_device_t_stop(e), t0 = 0.0;
    if (s->p.kind == STIM_SINE || s->p.kind == STIM_TRIANGLE)
        return cim_error(CIM_EINVAL, "a %s stimulus never holds a constant voltage",
                         s->p.kind == STIM_SINE ? "sine" : "triangle");
    for (double b = stimulus_next_break(s, 0.0); b < t_end; b = stimulus_next_break(s, b))
        t0 = b;
    /* Piecewise linear after t0: constant if it has the end value at two points inside as well. */
    double v_end = stimulus_v(s, t_end);
    if (stimulus_v(s, t0 + 1e-6 * (t_end - t0)) != v_end || stimulus_v(s, 0.5 * (t0 + t_end)) != v_end)
        return cim_error(CIM_EINVAL, "the stimulus still changes after its last breakpoint (t = %g s): no final hold", t0);
    if (v_end == 0.0)
        return cim_error(CIM_EINVAL, "the stimulus ends at 0 V (from t = %g s): R = v/i needs a read voltage", t0);
    size_t n = (size_t)e->sim.n_points, k = 1;
    while (k < n && sim_output_time(&e->sim, t_end, k, n) <= t0)
        k++;
    if (n - k < 3)
        return cim_error(CIM_EINVAL, "the final hold (from t = %g s) has %zu output samples; at least 3 are needed", t0,
                         n - k);
    *t_start_s = t0;
    *first = k;
    return CIM_OK;
}

double exp_device_loglog_slope(const exp_device *e, double t_start_s, size_t first, double dt_lo_s, double dt_hi_s,
                               double *ln_r1_ohm, size_t *n_used)
{
    const device_trace *tr = &e->tr;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t n = 0;
    for (size_t k = first; k < tr->n; k++) {
        double dt = tr->t_s[k] - t_start_s, r = tr->v_V[k] / tr->i_A[k];
        if (!(dt >= dt_lo_s && dt <= dt_hi_s && r > 0 && isfinite(r)))
            continue;
        double x = log(dt), y = log(r);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
        n++;
    }
    *n_used = n;
    double d = (double)n * sxx - sx * sx;
    double slope = n >= 2 && d > 0 ? ((double)n * sxy - sx * sy) / d : NAN;
    *ln_r1_ohm = n > 0 ? (sy - slope * sx) / (double)n : NAN;
    return slope;
}

void exp_device_free(exp_device *e)
{
    stimulus_destroy(&e->s);
    device_trace_free(&e->tr);
    device_cell_free(&e->cell);
    device_binding_free(&e->b);
}

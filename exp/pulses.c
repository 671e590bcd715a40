/* exp/pulses.c -- see pulses.h. */
#include "exp/pulses.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "core/rng.h"
#include "device/integrate.h"

#include <gsl/gsl_statistics_double.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int pulses_check(const void *v)
{
    const pulses_params *p = v;
    if (p->v_pot_V == 0 || p->v_dep_V == 0)
        return cim_error(CIM_ECONFIG, "v_pot_V and v_dep_V must be non-zero");
    return CIM_OK;
}

static const param_spec pulses_spec[] = {
    PARAM_INT_F(pulses_params, n_pulses, 2, 1e6, 100, "pulses in each branch (potentiation, then depression)"),
    PARAM_REAL_F(pulses_params, v_pot_V, -100, 100, -0.5, "V", "potentiation pulse amplitude (the polarity that raises G)"),
    PARAM_REAL_F(pulses_params, v_dep_V, -100, 100, 0.5, "V", "depression pulse amplitude (the polarity that lowers G)"),
    PARAM_REAL_F(pulses_params, v_pot_step_V, -100, 100, 0, "V",
                 "added to the potentiation amplitude after each pulse: pulse k has v_pot + (k-1) step (NeuroSim's "
                 "non-identical pulse scheme [NeuroSim-MLP-Cell]; amplitude programming of FeFETs)"),
    PARAM_REAL_F(pulses_params, v_dep_step_V, -100, 100, 0, "V", "added to the depression amplitude after each pulse"),
    PARAM_REAL_F(pulses_params, t_width_s, 1e-15, 1e3, 10e-9, "s", "pulse plateau"),
    PARAM_REAL_F(pulses_params, t_rise_s, 0, 1e3, 1e-9, "s", "pulse rise and fall time"),
    PARAM_REAL_F(pulses_params, t_gap_s, 0, 1e3, 10e-9, "s", "time at 0 V after each pulse"),
    PARAM_INT_F(pulses_params, n_cycles, 1, 1e6, 1,
                "repetitions of the potentiation + depression cycle on the same device (the spread over cycles, with "
                "the read noise, separates the distinguishable levels)"),
    PARAM_BOOL_F(pulses_params, closed_form, 1,
                 "use the model's closed-form pulse response when it has one (rectangular pulses: t_rise_s = 0, no "
                 "series resistor) instead of integrating; same result to rounding, much faster"),
    PARAM_REAL_F(pulses_params, levels_n_sigma, 0, 100, 3, "1",
                 "two states are distinguishable levels when their means differ by n_sigma (sigma_a + sigma_b), sigma the "
                 "cycle-to-cycle spread and the read noise in quadrature (no spread: levels undefined)"),
    PARAM_END,
};

const param_group pulses_group = {
    .path = "pulses",
    .doc = "The pulse-programming experiment (cimsim device --pulses): potentiation then depression trains, "
           "conductance read at device.v_read_V after every pulse.",
    .params = pulses_spec,
    .size = sizeof(pulses_params),
    .check = pulses_check,
};

void pulse_curve_free(pulse_curve *c)
{
    free(c->v_V);
    free(c->g_S);
    free(c->e_J);
    free(c->g_mean_S);
    free(c->g_std_S);
    free(c->e_mean_J);
    free(c->g_state_S);
    free(c->g_state_mean_S);
    free(c->g_state_std_S);
    free(c->g_read_sd_S);
    memset(c, 0, sizeof *c);
}

/* One pulse of amplitude v on the cell, then the gap at 0 V: by the model's closed form when *fast and it
 * applies, else integrated.  *e_J gets the energy; *n_fast counts closed-form pulses. */
static int pulse_once(exp_device *e, const pulses_params *p, const sim_params *sim, double v, int fast, double *e_J,
                      size_t *n_fast)
{
    device_cell *cell = &e->cell;
    if (fast && !cell->stuck) {
        double e1 = 0, e2 = 0, x[DEVICE_MAX_STATE];
        memcpy(x, cell->x, sizeof x);
        if (e->b.type->pulse(cell->p, x, cell->lo, cell->hi, v, p->t_width_s, e->b.dev.T_K, &e1) &&
            e->b.type->pulse(cell->p, x, cell->lo, cell->hi, 0.0, p->t_gap_s, e->b.dev.T_K, &e2)) {
            memcpy(cell->x, x, sizeof x);
            *e_J = e1 + e2;
            (*n_fast)++;
            return CIM_OK;
        }
    }
    stimulus_params sp = e->stim;
    sp.kind = STIM_PULSE;
    sp.amplitude_V = v;
    sp.offset_V = 0;
    sp.t_delay_s = 0;
    sp.t_rise_s = sp.t_fall_s = p->t_rise_s;
    sp.t_width_s = p->t_width_s;
    sp.t_period_s = 2 * p->t_rise_s + p->t_width_s + p->t_gap_s;
    sp.n_pulses = 1;
    stimulus s;
    int st = stimulus_init(&s, &sp, NULL);
    if (st != CIM_OK)
        return st;
    device_sim_opts opt;
    exp_device_sim_opts(e, &opt);
    device_trace tr;
    st = device_simulate(e->b.type, cell->p, e->b.dev.T_K, cell->x, &s, sim, NULL, &opt, &tr, NULL);
    stimulus_destroy(&s);
    if (st == CIM_OK) {
        *e_J = tr.e_J[tr.n - 1];
        device_trace_free(&tr);
    }
    return st;
}

int exp_pulses_run(exp_device *e, const pulses_params *p, pulse_curve *out, progress *prog)
{
    size_t n = (size_t)p->n_pulses, nc = (size_t)p->n_cycles;
    memset(out, 0, sizeof *out);
    out->n = 2 * n + 1;
    out->n_cycles = nc;
    out->v_V = xcalloc(out->n, sizeof(double));
    out->g_S = xcalloc(out->n * nc, sizeof(double));
    out->e_J = xcalloc(out->n * nc, sizeof(double));
    out->g_mean_S = xcalloc(out->n, sizeof(double));
    out->g_std_S = xcalloc(out->n, sizeof(double));
    out->e_mean_J = xcalloc(out->n, sizeof(double));
    out->g_state_S = xcalloc(out->n * nc, sizeof(double));
    out->g_state_mean_S = xcalloc(out->n, sizeof(double));
    out->g_state_std_S = xcalloc(out->n, sizeof(double));
    out->g_read_sd_S = xcalloc(out->n, sizeof(double));
    for (size_t k = 1; k < out->n; k++)
        out->v_V[k] = k <= n ? p->v_pot_V + (double)(k - 1) * p->v_pot_step_V : p->v_dep_V + (double)(k - n - 1) * p->v_dep_step_V;
    double v_read = e->b.dev.v_read_V;
    gsl_rng *rc = rng_alloc((uint64_t)e->run.seed, "pulses.c2c");
    gsl_rng *rr = rng_alloc((uint64_t)e->run.seed, "pulses.read");
    sim_params sim = e->sim;
    sim.t_stop_s = 0;
    sim.n_points = 2;
    /* The closed form applies to rectangular pulses straight onto the device. */
    int fast = p->closed_form && e->b.type->pulse != NULL && p->t_rise_s == 0 && e->stim.r_series_ohm == 0;
    int st = CIM_OK;
    if (prog != NULL) /* one unit per pulse (prog may be NULL: progress_* accept it) */
        progress_start(prog, "pulses", (double)(nc * (out->n - 1)), prog->sink, prog->ctx);
    for (size_t c = 0; c < nc && st == CIM_OK; c++) {
        progress_update(prog, (double)(c * (out->n - 1)));
        double *g = out->g_S + c * out->n, *en = out->e_J + c * out->n, *gs = out->g_state_S + c * out->n;
        /* Each state read twice: as a read sees it (with read noise) and as it is (the noiseless read draws
         * nothing, so the noisy reads are the same as without it). */
        gs[0] = device_cell_read_A(&e->b.var, &e->cell, v_read, e->b.dev.T_K, NULL) / v_read;
        g[0] = device_cell_read_A(&e->b.var, &e->cell, v_read, e->b.dev.T_K, rr) / v_read;
        for (size_t k = 1; k < out->n && st == CIM_OK; k++) {
            st = device_cell_event(&e->b.var, &e->cell, rc); /* every pulse is a switching event */
            if (st == CIM_OK)
                st = pulse_once(e, p, &sim, out->v_V[k], fast, &en[k], &out->n_fast);
            if (st != CIM_OK)
                st = cim_error_prefix(st, "cycle %zu, pulse %zu of %zu: ", c + 1, k, out->n - 1);
            else {
                gs[k] = device_cell_read_A(&e->b.var, &e->cell, v_read, e->b.dev.T_K, NULL) / v_read;
                g[k] = device_cell_read_A(&e->b.var, &e->cell, v_read, e->b.dev.T_K, rr) / v_read;
            }
        }
    }
    rng_free(rc);
    rng_free(rr);
    if (st != CIM_OK) {
        pulse_curve_free(out);
        return st;
    }
    for (size_t k = 0; k < out->n; k++) { /* over cycles: column k of the [cycle][pulse] tables */
        out->g_mean_S[k] = gsl_stats_mean(out->g_S + k, out->n, nc);
        out->e_mean_J[k] = gsl_stats_mean(out->e_J + k, out->n, nc);
        out->g_std_S[k] = nc > 1 ? gsl_stats_sd_m(out->g_S + k, out->n, nc, out->g_mean_S[k]) : 0.0;
        out->g_state_mean_S[k] = gsl_stats_mean(out->g_state_S + k, out->n, nc);
        out->g_state_std_S[k] = nc > 1 ? gsl_stats_sd_m(out->g_state_S + k, out->n, nc, out->g_state_mean_S[k]) : 0.0;
        out->g_read_sd_S[k] =
            variability_read_sigma_A(&e->b.var.read, out->g_state_mean_S[k] * v_read, v_read, e->b.dev.T_K) / fabs(v_read);
    }
    const read_noise_params *rn = &e->b.var.read;
    int c2c = e->b.var.any_c2c || e->b.type->c2c != NULL; /* variability.c2c, or the model's own step noise */
    out->c2c_configured = c2c;
    out->c2c_spread = c2c && nc >= 2;
    out->read_noise = rn->bandwidth_Hz > 0 && (rn->thermal || rn->shot || rn->flicker_K > 0);
    out->stuck = e->cell.stuck;
    return CIM_OK;
}

size_t pulses_levels(const double *mean, const double *sd, size_t n, double n_sigma)
{
    size_t levels = 1, last = 0;
    for (size_t k = 1; k <= n; k++)
        if (mean[k] != mean[last] && fabs(mean[k] - mean[last]) >= n_sigma * (sd[k] + sd[last])) {
            levels++;
            last = k;
        }
    return levels;
}

int pulses_level_sigma(const pulse_curve *c, size_t first, size_t n, double *sd, const char **why)
{
    int parts = (c->c2c_spread ? PULSES_SIGMA_C2C : 0) | (c->read_noise ? PULSES_SIGMA_READ : 0);
    double any = 0;
    for (size_t k = 0; k <= n; k++) {
        double s_c2c = parts & PULSES_SIGMA_C2C ? c->g_state_std_S[first + k] : 0.0;
        double s_read = parts & PULSES_SIGMA_READ ? c->g_read_sd_S[first + k] : 0.0;
        sd[k] = hypot(s_c2c, s_read);
        any = fmax(any, sd[k]);
    }
    const char *reason = NULL;
    if (parts == 0 && c->c2c_configured)
        reason = "one cycle cannot measure the cycle-to-cycle spread (pulses.n_cycles = 1) and there is no read noise "
                 "(variability.read.bandwidth_Hz = 0)";
    else if (parts == 0 && c->n_cycles > 1)
        reason = "no cycle-to-cycle variability (variability.c2c) and no read noise (variability.read.bandwidth_Hz = 0): "
                 "every cycle repeats the same states";
    else if (parts == 0)
        reason = "one cycle, no cycle-to-cycle variability (variability.c2c) and no read noise "
                 "(variability.read.bandwidth_Hz = 0)";
    else if (!(any > 0))
        reason = "the spread is zero along this branch (the varied parameters do not move it, or the device is stuck)";
    if (why != NULL)
        *why = reason;
    return reason != NULL ? 0 : parts;
}

/* ---- the NeuroSim nonlinearity fit ----------------------------------------------------------------- */

/* h(p) = (1 - e^{-u p}) / (1 - e^{-u}); the linear limit at u -> 0. */
static double neurosim_h(double u, double p)
{
    if (fabs(u) < 1e-8)
        return p;
    return expm1(-u * p) / expm1(-u);
}

static double sse_of(const double *g, size_t n, double u)
{
    double s = 0;
    for (size_t k = 0; k <= n; k++) {
        double r = g[k] - neurosim_h(u, (double)k / (double)n);
        s += r * r;
    }
    return s;
}

double pulses_fit_u(const double *G, size_t n, double *sse)
{
    /* Normalise to the branch's own change. */
    double *g = xmalloc((n + 1) * sizeof *g);
    double span = G[n] - G[0];
    for (size_t k = 0; k <= n; k++)
        g[k] = span != 0 ? (G[k] - G[0]) / span : 0.0;
    /* A one-parameter least-squares problem: scan u (covering the whole NeuroSim table, A_norm
     * 0.023..31.6 <-> |u| 0.03..43) and refine the best bracket by golden section. */
    const double lo = -60, hi = 60;
    const int N = 2400;
    double best_u = 0, best = sse_of(g, n, 0);
    for (int i = 0; i <= N; i++) {
        double u = lo + (hi - lo) * i / N;
        double s = sse_of(g, n, u);
        if (s < best) {
            best = s;
            best_u = u;
        }
    }
    double a = best_u - (hi - lo) / N, b = best_u + (hi - lo) / N;
    const double phi = 0.6180339887498949;
    double c = b - phi * (b - a), d = a + phi * (b - a);
    double fc = sse_of(g, n, c), fd = sse_of(g, n, d);
    for (int it = 0; it < 100 && b - a > 1e-12; it++) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - phi * (b - a);
            fc = sse_of(g, n, c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + phi * (b - a);
            fd = sse_of(g, n, d);
        }
    }
    double u = 0.5 * (a + b);
    if (sse)
        *sse = sse_of(g, n, u);
    free(g);
    return u;
}

/* NeuroSim's table: NL label -> normalised A (Nonlinearity-NormA.htm, getParamA in Cell.cpp). */
static const double nl_tab[] = {0.04, 0.1, 0.2, 0.5, 1.0, 1.46, 1.75, 2.0, 2.4, 3.0, 3.68, 4.88, 6.76, 9.0};
static const double a_tab[] = {31.57, 12.63, 6.311, 2.520, 1.252, 0.849, 0.702, 0.609, 0.499, 0.387, 0.301, 0.200, 0.100,
                               0.023};

double pulses_nl_label(double a_norm)
{
    a_norm = fabs(a_norm);
    size_t n = sizeof nl_tab / sizeof *nl_tab;
    if (!(a_norm <= a_tab[0] && a_norm >= a_tab[n - 1]))
        return NAN;
    for (size_t i = 1; i < n; i++)
        if (a_norm >= a_tab[i]) { /* log-log interpolation between the neighbouring entries */
            double f = log(a_norm / a_tab[i - 1]) / log(a_tab[i] / a_tab[i - 1]);
            return exp(log(nl_tab[i - 1]) + f * log(nl_tab[i] / nl_tab[i - 1]));
        }
    return nl_tab[n - 1];
}

/* The NeuroSim C2C sigma of a branch: std over cycles of each pulse's step, RMS over the branch. */
static double c2c_sigma(const pulse_curve *c, size_t first, size_t n)
{
    size_t nc = c->n_cycles;
    if (nc < 2)
        return 0.0;
    double *step = xmalloc(nc * sizeof *step), acc = 0;
    for (size_t k = first + 1; k <= first + n; k++) {
        for (size_t q = 0; q < nc; q++)
            step[q] = c->g_S[q * c->n + k] - c->g_S[q * c->n + k - 1];
        acc += gsl_stats_variance(step, 1, nc);
    }
    free(step);
    return sqrt(acc / (double)n);
}

static json_t *branch(const pulse_curve *c, size_t first, size_t n, int potentiation, double range, double n_sigma)
{
    const double *G = c->g_mean_S;
    double g0 = G[first], g1 = G[first + n];
    double e = 0;
    for (size_t k = first + 1; k <= first + n; k++)
        e += c->e_mean_J[k];
    json_t *j = json_pack("{s:I, s:f, s:f, s:f}", "n_pulses", (json_int_t)n, "v_V", c->v_V[first + 1], "g_start_S", g0,
                          "g_end_S", g1);
    double *sd = xmalloc((n + 1) * sizeof *sd);
    const char *why;
    int parts = pulses_level_sigma(c, first, n, sd, &why);
    static const char *const basis[] = {NULL, "c2c", "read", "c2c+read"};
    if (parts != 0) {
        size_t lv = pulses_levels(c->g_state_mean_S + first, sd, n, n_sigma);
        json_object_set_new(j, "levels", json_integer((json_int_t)lv));
        json_object_set_new(j, "levels_sigma", json_string(basis[parts]));
    } else {
        json_object_set_new(j, "levels", json_null());
        json_object_set_new(j, "levels_sigma", json_null());
        json_object_set_new(j, "levels_undefined", json_string(why));
    }
    free(sd);
    double sc = c2c_sigma(c, first, n);
    /* One cycle has no spread to measure: null, not 0. */
    json_object_set_new(j, "c2c_sigma_frac", range > 0 && c->n_cycles > 1 ? json_real(sc / range) : json_null());
    json_object_set_new(j, "energy_per_pulse_J", json_real(e / (double)n));
    if (!(fabs(g1 - g0) > 1e-9 * fmax(fabs(g0), fabs(g1)))) { /* the branch did not move: nothing to fit */
        json_object_set_new(j, "a_norm", json_null());
        json_object_set_new(j, "shape", json_string("no change"));
        json_object_set_new(j, "fit_rms", json_null());
        json_object_set_new(j, "nl_label", json_null());
        return j;
    }
    double sse, u = pulses_fit_u(G + first, n, &sse);
    double a_norm = 1.0 / u, label = pulses_nl_label(a_norm);
    /* NeuroSim's sign: + for saturating potentiation, - for saturating depression. */
    double signed_label = isnan(label) ? label : (u > 0 ? 1 : -1) * (potentiation ? 1 : -1) * label;
    json_object_set_new(j, "a_norm", json_real(a_norm));
    json_object_set_new(j, "shape", json_string(u > 0 ? "saturating" : "accelerating"));
    json_object_set_new(j, "fit_rms", json_real(sqrt(sse / (double)(n + 1))));
    json_object_set_new(j, "nl_label", isnan(signed_label) ? json_null() : json_real(signed_label));
    return j;
}

json_t *exp_pulses_summary(const pulse_curve *c, const pulses_params *p)
{
    size_t n = (size_t)p->n_pulses;
    double gmin = c->g_mean_S[0], gmax = c->g_mean_S[0];
    for (size_t k = 0; k < c->n; k++) {
        gmin = fmin(gmin, c->g_mean_S[k]);
        gmax = fmax(gmax, c->g_mean_S[k]);
    }
    json_t *pot = branch(c, 0, n, 1, gmax - gmin, p->levels_n_sigma);
    json_t *dep = branch(c, n, n, 0, gmax - gmin, p->levels_n_sigma);
    json_t *lp = json_object_get(pot, "nl_label"), *ld = json_object_get(dep, "nl_label");
    json_t *asym = (json_is_real(lp) && json_is_real(ld))
                       ? json_real(fabs(json_real_value(lp)) - fabs(json_real_value(ld)))
                       : json_null();
    json_t *j = json_pack("{s:I, s:f, s:f, s:o, s:o, s:o, s:f}", "n_cycles", (json_int_t)c->n_cycles, "g_min_S", gmin,
                          "g_max_S", gmax, "potentiation", pot, "depression", dep, "nl_asymmetry", asym,
                          "levels_n_sigma", p->levels_n_sigma);
    json_object_set_new(j, "dynamic_range", gmin > 0 ? json_real(gmax / gmin) : json_null());
    json_object_set_new(j, "stuck", json_string(c->stuck > 0 ? "on" : c->stuck < 0 ? "off" : "no"));
    return j;
}

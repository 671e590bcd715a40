/* fit/pulse_device.c -- fitting the pulse-response device types (neurosim, soft_bounds, lut) to a measured pulse
 * response, and the models' noiseless trace along the data (see pulse.h).
 *
 * neurosim: pulse_fit_neurosim (pulse.c) on the robust range; its labels, range, levels and C2C sigma go into the
 * block.  The model has one level count for both branches: n_levels is the inverse-variance weighted mean of the
 * branches' P_max, rounded; each branch keeps its own label (its curve's shape over the range).
 * soft_bounds: one pulse maps G' = G + alpha_pot (G_max - G) = alpha_pot G_max + (1 - alpha_pot) G, so the same
 * AR(1) regression gives b = 1 - alpha and a = alpha G_bound: alpha = 1 - b, G_bound = a/(1 - b) (the branch's
 * asymptote).  The step noise is multiplicative (aihwkit's dw_min_std), so the regression is weighted by 1/gap^2
 * (gap: distance to the asymptote), and sigma_c2c = the weighted residual sd / alpha.  Where a branch's asymptote
 * is not a soft bound of the data, alpha is the median of step/gap with the bound fixed: at the key's limit when the
 * asymptote is a soft bound beyond the key's range (depression toward a negative G: the limit 0 S), else (alpha
 * outside (0, 1), an accelerating branch, or the asymptote inside the data) at the end of the data's robust range;
 * out says so (ltp.bound_fixed), and the fit statistics show the misfit.  Read-noise-dominated branches (the
 * residuals of the one-pulse map anticorrelate) are fitted as whole curves, as pulse_fit_neurosim does.
 * lut: the steps binned by the read before them (pulse_lut.c).
 * The fit statistics (rms_S, r2) are of the configured model's own one-pulse prediction through the device
 * interface (T->pulse with no C2C noise), over the consecutive same-polarity pairs inside the robust range.
 */
#include "core/status.h"
#include "core/xalloc.h"
#include "device/device.h"
#include "fit/pulse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pulse_types[] = {"neurosim", "soft_bounds", "lut", NULL};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int is_pulse_type(const device_type *T)
{
    for (int i = 0; pulse_types[i] != NULL; i++)
        if (strcmp(T->name, pulse_types[i]) == 0)
            return T->pulse != NULL && T->c2c != NULL;
    return 0;
}

static int refuse(const device_type *T)
{
    return cim_error(CIM_EINVAL, "device model %s is not a pulse-response model (those are neurosim, soft_bounds, lut)",
                     T->name);
}

void *pulse_field(const device_type *T, void *block, const char *key, param_kind kind)
{
    const param_spec *p = param_find(T->params, key);
    return p != NULL && p->kind == kind ? (char *)block + p->offset : NULL;
}

/* Writes a fitted real into key, checking the key's range (conductances of normalised data are in the file's
 * units and skip it: their config needs scaling to siemens anyway). */
static int set_real(const device_type *T, void *block, const char *key, double v, int normalised)
{
    const param_spec *p = param_find(T->params, key);
    if (p == NULL || p->kind != PARAM_REAL)
        return cim_error(CIM_EINVAL, "%s has no real key %s", T->name, key);
    int is_g = strstr(key, "_S") != NULL;
    if (!isfinite(v) || (!(normalised && is_g) && (v < p->min || v > p->max)))
        return cim_error(CIM_EINVAL, "%s: the fitted %s = %g is outside the key's range [%g, %g]", T->name, key, v, p->min,
                         p->max);
    *(double *)((char *)block + p->offset) = v;
    return CIM_OK;
}

void pulse_fit_add(pulse_model_fit *out, const char *name, const char *unit, double value, double se)
{
    if (out->n >= sizeof out->v / sizeof *out->v)
        return;
    pulse_fit_value *v = &out->v[out->n++];
    snprintf(v->name, sizeof v->name, "%s", name);
    v->unit = unit;
    v->value = value;
    v->se = se;
}

/* One noiseless pulse of polarity pol from g with the model q (a copy with z = 0). */
static int one_pulse(const device_type *T, void *q, const double *lo, const double *hi, double vth, double tp,
                     int pol, double *g)
{
    double e;
    double x[DEVICE_MAX_STATE] = {0};
    x[0] = fmin(fmax(*g, lo[0]), hi[0]);
    if (!T->pulse(q, x, lo, hi, pol * fmax(2 * vth, 1.0), tp, 300, &e))
        return cim_error(CIM_EINVAL, "%s: the model has no closed-form pulse for these parameters", T->name);
    *g = x[0];
    return CIM_OK;
}

/* A noiseless copy of block with its pulse amplitude and width. */
static void *noiseless(const device_type *T, const void *block, double *vth, double *tp)
{
    void *q = xmalloc(T->params->size);
    memcpy(q, block, T->params->size);
    T->c2c(q, 0.0);
    const double *v = pulse_field(T, q, "v_threshold_V", PARAM_REAL), *t = pulse_field(T, q, "t_pulse_s", PARAM_REAL);
    *vth = v != NULL ? *v : 0;
    *tp = t != NULL ? *t : 1;
    return q;
}

int pulse_model_trace(const device_type *T, const void *block, const pulse_data *d, double *g_model)
{
    if (!is_pulse_type(T))
        return refuse(T);
    double vth, tp, lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE];
    void *q = noiseless(T, block, &vth, &tp);
    T->bounds(q, lo, hi);
    double g = d->g[0];
    int st = CIM_OK;
    g_model[0] = g;
    for (size_t i = 1; i < d->n && st == CIM_OK; i++) {
        st = one_pulse(T, q, lo, hi, vth, tp, d->polarity[i], &g);
        g_model[i] = g;
    }
    free(q);
    return st;
}

/* (pulse.h) rms and r2 of the configured model's one-pulse prediction over the pairs inside [g_min, g_max]. */
int pulse_model_stats(const device_type *T, const void *block, const pulse_data *d, double g_min, double g_max,
                       pulse_model_fit *out)
{
    double vth, tp, lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE];
    void *q = noiseless(T, block, &vth, &tp);
    T->bounds(q, lo, hi);
    double ss_res = 0, sum[2] = {0}, sum2[2] = {0};
    size_t m = 0, mp[2] = {0};
    int st = CIM_OK;
    for (size_t i = 1; i < d->n && st == CIM_OK; i++) {
        if (d->polarity[i] != d->polarity[i - 1] || d->g[i - 1] < g_min || d->g[i - 1] > g_max || d->g[i] < g_min ||
            d->g[i] > g_max)
            continue;
        double g = d->g[i - 1], s = d->g[i] - d->g[i - 1];
        st = one_pulse(T, q, lo, hi, vth, tp, d->polarity[i], &g);
        ss_res += (d->g[i] - g) * (d->g[i] - g);
        int k = d->polarity[i] > 0;
        sum[k] += s;
        sum2[k] += s * s;
        mp[k]++;
        m++;
    }
    free(q);
    if (st != CIM_OK)
        return st;
    double ss_tot = 0; /* about each branch's mean step, as the branch fits' r2 */
    for (int k = 0; k < 2; k++)
        if (mp[k] > 0)
            ss_tot += sum2[k] - sum[k] * sum[k] / (double)mp[k];
    out->n_pairs = m;
    out->rms_S = m > 0 ? sqrt(ss_res / (double)m) : NAN;
    out->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : NAN;
    return CIM_OK;
}

static int fit_neurosim(const device_type *T, const pulse_data *d, void *block, pulse_model_fit *out)
{
    pulse_fit f;
    int st = pulse_fit_neurosim(d, &f);
    if (st != CIM_OK)
        return st;
    out->g_min_S = f.g_min;
    out->g_max_S = f.g_max;
    const pulse_branch_fit *b[2] = {&f.ltp, &f.ltd};
    size_t m = f.ltp.n_steps + f.ltd.n_steps;
    double c1 = f.ltp.c2c_sigma_frac, c2 = f.ltd.c2c_sigma_frac;
    double sigma = sqrt((c1 * c1 * (double)(f.ltp.n_steps - 2) + c2 * c2 * (double)(f.ltd.n_steps - 2)) / (double)(m - 4));
    double sigma_se = sigma / sqrt(2.0 * (double)(m - 4));
    /* The values first, so that a caller has them even when one is outside its key's range. */
    pulse_fit_add(out, "g_min_S", "S", f.g_min, NAN);
    pulse_fit_add(out, "g_max_S", "S", f.g_max, NAN);
    pulse_fit_add(out, "nl_ltp", "1", f.ltp.nl, f.ltp.nl_se);
    pulse_fit_add(out, "nl_ltd", "1", f.ltd.nl, f.ltd.nl_se);
    pulse_fit_add(out, "n_levels", "1", f.ltp.n_levels, f.ltp.n_levels_se);
    pulse_fit_add(out, "n_levels_ltd", "1", f.ltd.n_levels, f.ltd.n_levels_se);
    pulse_fit_add(out, "sigma_c2c", "1", sigma, sigma_se);
    /* NeuroSim's asymmetry: the labels of a symmetric device are opposite (+NL, -NL), so their sum is 0; and the
     * relative difference of the level counts. */
    pulse_fit_add(out, "asymmetry", "1", f.ltp.nl + f.ltd.nl, hypot(f.ltp.nl_se, f.ltd.nl_se));
    double Ps = f.ltp.n_levels + f.ltd.n_levels;
    pulse_fit_add(out, "levels_asymmetry", "1", (f.ltp.n_levels - f.ltd.n_levels) / Ps,
                  2 * hypot(f.ltd.n_levels * f.ltp.n_levels_se, f.ltp.n_levels * f.ltd.n_levels_se) / (Ps * Ps));
    const char *pre[2] = {"ltp.", "ltd."};
    char name[48];
    for (int k = 0; k < 2; k++) {
#define ADD(key, unit, v, se) (snprintf(name, sizeof name, "%s%s", pre[k], key), pulse_fit_add(out, name, unit, v, se))
        ADD("A_pulses", "1", b[k]->A_pulses, b[k]->A_se);
        ADD("a_norm", "1", b[k]->a_norm, NAN);
        ADD("g_inf_S", "S", b[k]->g_inf, b[k]->g_inf_se);
        ADD("sigma_c2c", "1", b[k]->c2c_sigma_frac, b[k]->c2c_sigma_frac / sqrt(2.0 * (double)(b[k]->n_steps - 2)));
        ADD("read_sigma", "1", b[k]->read_sigma_frac, NAN);
        ADD("resid_lag1", "1", b[k]->resid_lag1, NAN);
        ADD("curve_fit", "1", b[k]->curve, NAN);
        ADD("steps", "1", (double)b[k]->n_steps, NAN);
#undef ADD
    }
    pulse_fit_add(out, "outliers", "1", (double)(f.n_outside + f.ltp.n_rejected + f.ltd.n_rejected), NAN);
    long long *nl = pulse_field(T, block, "n_levels", PARAM_INT), *nld = pulse_field(T, block, "n_levels_ltd", PARAM_INT);
    if (nl == NULL || nld == NULL)
        return refuse(T);
    for (int k = 0; k < 2; k++)
        if (!(b[k]->n_levels >= 0.5 && b[k]->n_levels < 1e9))
            return cim_error(CIM_EINVAL, "neurosim: the fitted level count %g is outside the key's range [1, 1e9]",
                             b[k]->n_levels);
    if ((st = set_real(T, block, "g_min_S", f.g_min, d->normalised)) != CIM_OK ||
        (st = set_real(T, block, "g_max_S", f.g_max, d->normalised)) != CIM_OK ||
        (st = set_real(T, block, "nl_ltp", f.ltp.nl, 0)) != CIM_OK ||
        (st = set_real(T, block, "nl_ltd", f.ltd.nl, 0)) != CIM_OK ||
        (st = set_real(T, block, "sigma_c2c", sigma, 0)) != CIM_OK)
        return st;
    *nl = llround(f.ltp.n_levels);
    *nld = llround(f.ltd.n_levels);
    return pulse_model_stats(T, block, d, f.g_min, f.g_max, out);
}

/* One soft-bounds branch: alpha, its bound and the relative step noise, with standard errors. */
typedef struct sb_branch {
    double alpha, alpha_se, bound, bound_se, sigma, n;
    int bound_fixed, curve;
    double resid_lag1, read_sigma_S;
    size_t rejected;
} sb_branch;

static int fit_sb_branch(const device_type *T, const pulse_data *d, int pol, double g_min, double g_max, sb_branch *r)
{
    memset(r, 0, sizeof *r);
    pulse_branch_fit f;
    int st = pulse_fit_branch_map(d, pol, g_min, g_max, 1, &f);
    if (st != CIM_OK)
        return st;
    const param_spec *ps = param_find(T->params, pol > 0 ? "g_max_S" : "g_min_S");
    r->resid_lag1 = f.resid_lag1;
    r->rejected = f.n_rejected;
    double c_lo, c_hi, gap_rms = NAN;
    if (f.resid_lag1 < PULSE_READ_NOISE_LAG1) { /* read noise: whole curves (pulse.h) */
        if ((st = pulse_fit_branch_curve(d, pol, g_min, g_max, &f, &c_lo, &c_hi)) != CIM_OK)
            return st;
        r->curve = 1;
        r->rejected = 0; /* the curve fit leaves out only the reads outside the range */
        r->read_sigma_S = f.read_sigma_frac * (g_max - g_min);
        /* The pulse-to-pulse sd s_c is alpha sigma times the gap: sigma from the RMS gap of the reads. */
        double bound0 = f.a / (1 - f.b), ss = 0;
        size_t m = 0;
        for (size_t i = 0; i < d->n; i++)
            if (d->polarity[i] == pol && d->g[i] >= g_min && d->g[i] <= g_max) {
                ss += (bound0 - d->g[i]) * (bound0 - d->g[i]);
                m++;
            }
        gap_rms = sqrt(ss / (double)m);
    }
    /* The data's end in this direction: the fitted curves' extent for curve fits (noisy reads overshoot it). */
    double alpha = 1 - f.b, bound = f.a / alpha, end = pol > 0 ? (r->curve ? c_hi : g_max) : (r->curve ? c_lo : g_min);
    int in_keys = d->normalised || (bound >= ps->min && bound <= ps->max);
    if (alpha > 0 && alpha < 1 && pol * (bound - end) >= 0 && in_keys) {
        r->alpha = alpha;
        r->alpha_se = sqrt(f.cov_bb);
        r->bound = bound;
        /* bound = a/(1 - b): d/da = 1/(1 - b), d/db = a/(1 - b)^2 */
        double ga = 1 / alpha, gb = f.a / (alpha * alpha);
        r->bound_se = sqrt(fmax(ga * ga * f.cov_aa + 2 * ga * gb * f.cov_ab + gb * gb * f.cov_bb, 0));
        r->sigma = r->curve ? f.resid_sd / (alpha * gap_rms) : f.resid_sd / alpha;
        r->n = (double)f.n_steps;
        return CIM_OK;
    }
    /* No soft bound beyond the data: the bound is the range's end, and each step gives u = step / gap, whose mean is
     * alpha and whose sd is alpha sigma under the model.  Median and MAD: the model does not hold here, and the few
     * steps close to the bound (tiny gaps) would dominate a mean and an sd. */
    r->bound_fixed = 1;
    r->rejected = 0;
    if (alpha > 0 && alpha < 1 && pol * (bound - end) >= 0) /* a soft bound beyond the key's range: the key's limit */
        end = pol > 0 ? ps->max : ps->min;
    end = pol > 0 ? fmax(end, g_max) : fmin(end, g_min);
    r->bound = end;
    r->bound_se = NAN;
    double *u = xmalloc(d->n * sizeof *u), *v = xmalloc(d->n * sizeof *v);
    size_t m = 0;
    for (size_t i = 1; i < d->n; i++) {
        if (d->polarity[i] != pol || d->polarity[i - 1] != pol)
            continue;
        double x = d->g[i - 1], y = d->g[i], gap = pol * (end - x);
        if (x < g_min || x > g_max || y < g_min || y > g_max || y == end || !(gap > 1e-3 * (g_max - g_min)))
            continue;
        u[m] = (y - x) * pol / gap;
        v[m] = u[m];
        m++;
    }
    if (m < 3) {
        free(u);
        free(v);
        return cim_error(CIM_EINVAL, "soft_bounds: %s: too few points (%zu usable pulse steps; at least 3)",
                         pol > 0 ? "potentiation" : "depression", m);
    }
    double sd = pulse_mad_sigma(v, m); /* sorts v */
    qsort(u, m, sizeof *u, cmp_double);
    double med = m % 2 ? u[m / 2] : 0.5 * (u[m / 2 - 1] + u[m / 2]);
    free(u);
    free(v);
    if (!(med > 0))
        return cim_error(CIM_EINVAL, "soft_bounds: %s: the steps do not move toward the %s bound: no soft-bounds curve "
                         "fits", pol > 0 ? "potentiation" : "depression", pol > 0 ? "upper" : "lower");
    r->alpha = med;
    r->alpha_se = 1.2533141373155 * sd / sqrt((double)m);
    r->sigma = sd / med;
    r->n = (double)m;
    return CIM_OK;
}

static int fit_soft_bounds(const device_type *T, const pulse_data *d, void *block, pulse_model_fit *out)
{
    double g_min, g_max;
    size_t n_out;
    pulse_robust_range(d, &g_min, &g_max, &n_out);
    if (!(g_max > g_min))
        return cim_error(CIM_EINVAL, "the conductance never changes (%g): nothing to fit", g_min);
    sb_branch p, q;
    int st = fit_sb_branch(T, d, +1, g_min, g_max, &p);
    if (st == CIM_OK)
        st = fit_sb_branch(T, d, -1, g_min, g_max, &q);
    if (st != CIM_OK)
        return st;
    if (!(p.bound > q.bound))
        return cim_error(CIM_EINVAL, "soft_bounds: the fitted bounds cross (G_min %g >= G_max %g)", q.bound, p.bound);
    /* The pooled relative step noise (each branch's sigma^2 weighted by its degrees of freedom). */
    double sigma = sqrt((p.sigma * p.sigma * (p.n - 2) + q.sigma * q.sigma * (q.n - 2)) / (p.n + q.n - 4));
    double sigma_se = sigma / sqrt(2 * (p.n + q.n - 4));
    out->g_min_S = g_min;
    out->g_max_S = g_max;
    pulse_fit_add(out, "g_min_S", "S", q.bound, q.bound_se);
    pulse_fit_add(out, "g_max_S", "S", p.bound, p.bound_se);
    pulse_fit_add(out, "alpha_pot", "1", p.alpha, p.alpha_se);
    pulse_fit_add(out, "alpha_dep", "1", q.alpha, q.alpha_se);
    pulse_fit_add(out, "sigma_c2c", "1", sigma, sigma_se);
    /* aihwkit's up_down: the relative difference of the up and down steps (here of their fractions alpha). */
    double s = p.alpha + q.alpha;
    pulse_fit_add(out, "asymmetry", "1", (p.alpha - q.alpha) / s,
                  2 * hypot(q.alpha * p.alpha_se, p.alpha * q.alpha_se) / (s * s));
    pulse_fit_add(out, "ltp.bound_fixed", "1", p.bound_fixed, NAN);
    pulse_fit_add(out, "ltd.bound_fixed", "1", q.bound_fixed, NAN);
    pulse_fit_add(out, "ltp.sigma_c2c", "1", p.sigma, p.sigma / sqrt(2 * (p.n - 2)));
    pulse_fit_add(out, "ltd.sigma_c2c", "1", q.sigma, q.sigma / sqrt(2 * (q.n - 2)));
    pulse_fit_add(out, "ltp.resid_lag1", "1", p.resid_lag1, NAN);
    pulse_fit_add(out, "ltd.resid_lag1", "1", q.resid_lag1, NAN);
    pulse_fit_add(out, "ltp.curve_fit", "1", p.curve, NAN);
    pulse_fit_add(out, "ltd.curve_fit", "1", q.curve, NAN);
    pulse_fit_add(out, "ltp.read_sigma_S", "S", p.read_sigma_S, NAN);
    pulse_fit_add(out, "ltd.read_sigma_S", "S", q.read_sigma_S, NAN);
    pulse_fit_add(out, "outliers", "1", (double)(n_out + p.rejected + q.rejected), NAN);
    if ((st = set_real(T, block, "g_min_S", q.bound, d->normalised)) != CIM_OK ||
        (st = set_real(T, block, "g_max_S", p.bound, d->normalised)) != CIM_OK ||
        (st = set_real(T, block, "alpha_pot", p.alpha, 0)) != CIM_OK ||
        (st = set_real(T, block, "alpha_dep", q.alpha, 0)) != CIM_OK ||
        (st = set_real(T, block, "sigma_c2c", sigma, 0)) != CIM_OK)
        return st;
    return pulse_model_stats(T, block, d, g_min, g_max, out);
}

int pulse_fit_device(const device_type *T, const pulse_data *d, void *block, pulse_model_fit *out)
{
    memset(out, 0, sizeof *out);
    if (!is_pulse_type(T))
        return refuse(T);
    /* On a copy: the block changes only when every fitted key is valid. */
    void *q = xmalloc(T->params->size);
    memcpy(q, block, T->params->size);
    int st = strcmp(T->name, "neurosim") == 0      ? fit_neurosim(T, d, q, out)
             : strcmp(T->name, "soft_bounds") == 0 ? fit_soft_bounds(T, d, q, out)
                                                   : pulse_fit_lut(T, d, q, out);
    if (st == CIM_OK)
        memcpy(block, q, T->params->size);
    free(q);
    return st;
}

/* fit/pulse.c -- see pulse.h. */
#include "fit/pulse.h"
#include "core/csv.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pulse_data_free(pulse_data *d)
{
    free(d->pulse);
    free(d->g);
    free(d->polarity);
    free(d->line);
    memset(d, 0, sizeof *d);
}

int pulse_data_read(const char *path, int normalised, pulse_data *d)
{
    memset(d, 0, sizeof *d);
    csv_read_opts o = csv_opts_any();
    o.header = CSV_HEADER_REQUIRED;
    csv_table t;
    int st = csv_read(path, &o, &t);
    if (st != CIM_OK)
        return st;
    const char *gname = normalised ? "g_norm" : "g_S", *other = normalised ? "g_S" : "g_norm";
    int cp = csv_column(&t, "pulse"), cg = csv_column(&t, gname), cq = csv_column(&t, "polarity");
    size_t hl = t.header_line;
    if (cg < 0 && csv_column(&t, other) >= 0)
        st = normalised ? cim_error(CIM_EIO, "%s:%zu:%d: normalised data expected (g_norm), got g_S in siemens", path, hl,
                                    csv_column(&t, other) + 1)
                        : cim_error(CIM_EIO, "%s:%zu:%d: g_norm is normalised, not siemens (read it as normalised data)",
                                    path, hl, csv_column(&t, other) + 1);
    for (size_t j = 0; j < t.cols && st == CIM_OK; j++)
        if (strcmp(t.header[j], "pulse") != 0 && strcmp(t.header[j], gname) != 0 && strcmp(t.header[j], "polarity") != 0)
            st = cim_error(CIM_EIO, "%s:%zu:%zu: column %zu is \"%s\"; a pulse response has the columns pulse, %s and "
                           "polarity (in any order)", path, hl, j + 1, j + 1, t.header[j], gname);
    if (st != CIM_OK)
        ;
    else if (cp < 0 || cg < 0 || cq < 0)
        st = cim_error(CIM_EIO, "%s:%zu: missing column %s (a pulse response has the columns pulse, %s, polarity, in any "
                       "order)", path, hl, cp < 0 ? "pulse" : cg < 0 ? gname : "polarity", gname);
    for (size_t j = 0; j < t.cols && st == CIM_OK; j++)
        if (csv_column(&t, t.header[j]) != (int)j)
            st = cim_error(CIM_EIO, "%s:%zu:%zu: column %s repeats (column %d)", path, hl, j + 1, t.header[j],
                           csv_column(&t, t.header[j]) + 1);
    if (st == CIM_OK && t.rows < 4)
        st = cim_error(CIM_EIO, "%s: too few points (%zu rows; a fit needs at least 4)", path, t.rows);
    if (st != CIM_OK) {
        csv_table_free(&t);
        return st;
    }
    d->n = t.rows;
    d->normalised = normalised;
    d->pulse = xmalloc(d->n * sizeof *d->pulse);
    d->g = xmalloc(d->n * sizeof *d->g);
    d->polarity = xmalloc(d->n * sizeof *d->polarity);
    d->line = xmalloc(d->n * sizeof *d->line);
    for (size_t i = 0; i < d->n && st == CIM_OK; i++) {
        const double *r = t.data + t.cols * i;
        d->line[i] = t.line[i];
        d->pulse[i] = r[cp];
        d->g[i] = r[cg];
        if (r[cq] != 1 && r[cq] != -1)
            st = cim_error(CIM_EIO, "%s:%zu:%d: polarity must be +1 or -1, got %g", path, t.line[i], cq + 1, r[cq]);
        else if (i > 0 && !(r[cp] > d->pulse[i - 1]))
            st = cim_error(CIM_EIO, "%s:%zu:%d: pulse counts must increase (%g after %g)", path, t.line[i], cp + 1,
                           r[cp], d->pulse[i - 1]);
        d->polarity[i] = (int)r[cq];
    }
    csv_table_free(&t);
    if (st != CIM_OK)
        pulse_data_free(d);
    return st;
}

/* NeuroSim's table: NL label -> A / P_max (Nonlinearity-NormA.htm, getParamA in Cell.cpp). */
static const double nl_tab[] = {0.04, 0.1, 0.2, 0.5, 1.0, 1.46, 1.75, 2.0, 2.4, 3.0, 3.68, 4.88, 6.76, 9.0};
static const double a_tab[] = {31.57, 12.63, 6.311, 2.520, 1.252, 0.849, 0.702, 0.609, 0.499, 0.387, 0.301, 0.200,
                               0.100, 0.023};

double pulse_nl_of_a_norm(double a_norm)
{
    a_norm = fabs(a_norm);
    if (isinf(a_norm))
        return 0.0;
    size_t n = sizeof nl_tab / sizeof *nl_tab, i = 1;
    while (i < n - 1 && a_norm < a_tab[i])
        i++;
    double f = log(a_norm / a_tab[i - 1]) / log(a_tab[i] / a_tab[i - 1]);
    return exp(log(nl_tab[i - 1]) + f * log(nl_tab[i] / nl_tab[i - 1]));
}

/* The derived quantities of one branch from the map (a, b): A, G_inf, P_max, A_norm, signed NL.  0 if the map
 * does not move toward the branch's bound across the range (no NeuroSim curve through it). */
static int derive(double a, double b, int pol, double g_min, double g_max, double *A, double *g_inf, double *P,
                  double *a_norm, double *nl)
{
    double range = g_max - g_min;
    if (!(b > 0))
        return 0;
    if (fabs(log(b)) < 1e-12) { /* linear: a constant step a */
        if (!(pol * a > 0))
            return 0;
        *A = *g_inf = *a_norm = INFINITY;
        *P = range / fabs(a);
        *nl = 0;
        return 1;
    }
    *A = -1.0 / log(b);
    *g_inf = a / (1.0 - b);
    double B = pol > 0 ? *g_inf - g_min : g_max - *g_inf, ratio = 1.0 - range / B;
    if (!(ratio > 0))
        return 0;
    *P = -*A * log(ratio);
    if (!(*P > 0))
        return 0;
    *a_norm = *A / *P;
    double s = *A > 0 ? 1 : -1;
    *nl = (pol > 0 ? s : -s) * pulse_nl_of_a_norm(*a_norm);
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of the n sorted values s (linear between order statistics). */
static double quantile(const double *s, size_t n, double q)
{
    double h = q * (double)(n - 1);
    size_t i = (size_t)h;
    return i + 1 < n ? s[i] + (h - (double)i) * (s[i + 1] - s[i]) : s[n - 1];
}

double pulse_mad_sigma(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    double med = quantile(v, n, 0.5);
    for (size_t i = 0; i < n; i++)
        v[i] = fabs(v[i] - med);
    qsort(v, n, sizeof *v, cmp_double);
    return 1.482602218505602 * quantile(v, n, 0.5);
}

void pulse_robust_range(const pulse_data *d, double *g_min, double *g_max, size_t *n_outside)
{
    double *s = xmalloc(d->n * sizeof *s);
    memcpy(s, d->g, d->n * sizeof *s);
    qsort(s, d->n, sizeof *s, cmp_double);
    double q_lo = quantile(s, d->n, PULSE_RANGE_QUANTILE), q_hi = quantile(s, d->n, 1 - PULSE_RANGE_QUANTILE);
    double *st = xmalloc(d->n * sizeof *st);
    size_t m = 0;
    for (size_t i = 1; i < d->n; i++)
        if (d->polarity[i] == d->polarity[i - 1])
            st[m++] = d->g[i] - d->g[i - 1];
    double sd = m > 0 ? pulse_mad_sigma(st, m) : 0, lo = q_lo - PULSE_RANGE_FENCE * sd, hi = q_hi + PULSE_RANGE_FENCE * sd;
    *g_min = q_lo;
    *g_max = q_hi;
    size_t out = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (s[i] < lo || s[i] > hi)
            out++;
        else {
            *g_min = fmin(*g_min, s[i]);
            *g_max = fmax(*g_max, s[i]);
        }
    }
    if (n_outside != NULL)
        *n_outside = out;
    free(s);
    free(st);
}

/* The one-pulse map of one branch by (weighted) least squares of G_{k+1} on G_k.  weighted: each pair's weight is
 * 1/(its gap to the previous pass's asymptote)^2, the maximum-likelihood weighting when the noise is a fraction of
 * the step (soft bounds); else ordinary least squares (NeuroSim's additive noise).  Sets the map, its covariance,
 * n_runs, n_steps, rms, r2, resid_sd (of the weighted residuals), resid_lag1 and n_rejected. */
static int fit_map(const pulse_data *d, int pol, double g_min, double g_max, int weighted, pulse_branch_fit *f)
{
    memset(f, 0, sizeof *f);
    f->polarity = pol;
    const char *name = pol > 0 ? "potentiation" : "depression";
    double *x = xmalloc(d->n * sizeof *x), *y = xmalloc(d->n * sizeof *y), *w = xmalloc(d->n * sizeof *w);
    double *e = xmalloc(d->n * sizeof *e);
    size_t *row = xmalloc(d->n * sizeof *row);
    size_t m = 0;
    int st = CIM_OK;
    double sumsq, sigma = INFINITY, rsigma = INFINITY, bound = pol > 0 ? g_max : g_min;
    /* Reads at the bound are censored (the step was clamped).  Leaving out the clamped reads themselves would
     * select on the noise and bias the fit; so pairs are chosen on the regressor only: first those whose later
     * read is off the bounds, then (three passes) those whose predicted read lies 3 residual sigmas inside the
     * bound the pulse moves toward, clamped or not.  Reads outside [g_min, g_max] (outliers beyond the robust
     * range) never enter a pair, and from the second pass on a pair whose residual exceeds 5 robust sigmas (MAD) of
     * the previous pass is an outlier too. */
    for (int pass = 0; pass < 4; pass++) {
        double gi = f->b < 1 ? f->a / (1 - f->b) : NAN;
        m = 0;
        f->n_runs = 0;
        f->n_rejected = 0;
        for (size_t i = 0; i < d->n; i++) {
            if (d->polarity[i] != pol)
                continue;
            if (i == 0 || d->polarity[i - 1] != pol)
                f->n_runs++;
            if (i == 0) /* a pair: the read before this pulse (the previous row) and the read after it */
                continue;
            double xi = d->g[i - 1], yi = d->g[i];
            if (xi < g_min || xi > g_max || yi < g_min || yi > g_max)
                continue;
            if (pass == 0 ? (yi == g_min || yi == g_max)
                          : (xi == bound || !(pol * (bound - (f->a + f->b * xi)) > 3 * sigma)))
                continue;
            double wi = 1;
            if (weighted && pass > 0 && isfinite(gi)) {
                double gap = fmax(pol * (gi - xi), 1e-3 * (g_max - g_min));
                wi = 1 / (gap * gap);
            }
            if (pass > 0 && fabs(yi - (f->a + f->b * xi)) * sqrt(wi) > 5 * rsigma) {
                f->n_rejected++;
                continue;
            }
            x[m] = xi;
            y[m] = yi;
            w[m] = wi;
            row[m] = i;
            m++;
        }
        f->n_steps = m;
        if (m < 3) {
            st = cim_error(CIM_EINVAL, "%s: too few points (%zu usable pulse steps; at least 3)", name, m);
            goto done;
        }
        gsl_fit_wlinear(x, 1, w, 1, y, 1, m, &f->a, &f->b, &f->cov_aa, &f->cov_ab, &f->cov_bb, &sumsq);
        /* gsl_fit_wlinear's covariance takes the weights as 1/variance; here they are relative, so scale by the
         * residual variance (the unweighted case then equals gsl_fit_linear's). */
        double s2 = sumsq / (double)(m - 2);
        f->cov_aa *= s2;
        f->cov_ab *= s2;
        f->cov_bb *= s2;
        sigma = sqrt(s2);
        if (weighted) { /* the 3-sigma censoring predicate is in siemens: the plain residual sd */
            double ss = 0;
            for (size_t k = 0; k < m; k++)
                ss += (y[k] - f->a - f->b * x[k]) * (y[k] - f->a - f->b * x[k]);
            sigma = sqrt(ss / (double)(m - 2));
        }
        /* the outlier test of the next pass weighs its residuals with that pass's weights (from this fit's
         * asymptote): the robust sigma must be in the same units (pass 0 is unweighted, the next ones are not) */
        double gi_next = f->b < 1 ? f->a / (1 - f->b) : NAN;
        for (size_t k = 0; k < m; k++) {
            double wk = 1;
            if (weighted && isfinite(gi_next)) {
                double gap = fmax(pol * (gi_next - x[k]), 1e-3 * (g_max - g_min));
                wk = 1 / (gap * gap);
            }
            e[k] = (y[k] - f->a - f->b * x[k]) * sqrt(wk);
        }
        rsigma = fmax(pulse_mad_sigma(e, m), 1e-9 * (g_max - g_min) * (weighted ? 1 / (g_max - g_min) : 1));
        f->resid_sd = sqrt(s2);
    }
    /* Residuals and the steps' variation. */
    double mean_step = 0, ss_tot = 0, ss_res = 0, c01 = 0, c00 = 0;
    size_t n01 = 0;
    for (size_t i = 0; i < m; i++)
        mean_step += (y[i] - x[i]) / (double)m;
    for (size_t i = 0; i < m; i++) {
        double s = y[i] - x[i];
        e[i] = y[i] - (f->a + f->b * x[i]);
        ss_tot += (s - mean_step) * (s - mean_step);
        ss_res += e[i] * e[i];
        c00 += e[i] * e[i];
        if (i > 0 && row[i] == row[i - 1] + 1) { /* consecutive pulses: the lag-1 correlation of the residuals */
            c01 += e[i] * e[i - 1];
            n01++;
        }
    }
    f->rms = sqrt(ss_res / (double)m);
    f->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : NAN;
    f->resid_lag1 = n01 > 2 && c00 > 0 ? (c01 / (double)n01) / (c00 / (double)m) : NAN;
done:
    free(x);
    free(y);
    free(w);
    free(e);
    free(row);
    return st;
}

/* ---- whole-curve fit (read noise) ---- */

typedef struct curve_data {
    size_t m, n_runs;
    double *y;     /* the reads used */
    double *k;     /* pulses since the run's first read */
    size_t *run;   /* run index of each read */
} curve_data;

/* Sum of squares at b, profiled over a and the starts; optionally the solution. */
static double curve_ss(const curve_data *c, double b, double *a_out, double *g0_out)
{
    double *suv = calloc(c->n_runs, sizeof *suv), *svv = calloc(c->n_runs, sizeof *svv), *svy = calloc(c->n_runs,
                                                                                                        sizeof *svy);
    double suu = 0, suy = 0;
    for (size_t i = 0; i < c->m; i++) {
        double v = pow(b, c->k[i]), u = fabs(b - 1) < 1e-12 ? c->k[i] : (1 - v) / (1 - b);
        size_t r = c->run[i];
        suv[r] += u * v;
        svv[r] += v * v;
        svy[r] += v * c->y[i];
        suu += u * u;
        suy += u * c->y[i];
    }
    double num = suy, den = suu;
    for (size_t r = 0; r < c->n_runs; r++)
        if (svv[r] > 0) {
            num -= suv[r] * svy[r] / svv[r];
            den -= suv[r] * suv[r] / svv[r];
        }
    double a = den > 0 ? num / den : 0;
    double ss = 0;
    for (size_t i = 0; i < c->m; i++) {
        double v = pow(b, c->k[i]), u = fabs(b - 1) < 1e-12 ? c->k[i] : (1 - v) / (1 - b);
        size_t r = c->run[i];
        double g0 = svv[r] > 0 ? (svy[r] - a * suv[r]) / svv[r] : 0, e = c->y[i] - g0 * v - a * u;
        ss += e * e;
    }
    if (a_out != NULL)
        *a_out = a;
    if (g0_out != NULL)
        for (size_t r = 0; r < c->n_runs; r++)
            g0_out[r] = svv[r] > 0 ? (svy[r] - a * suv[r]) / svv[r] : 0;
    free(suv);
    free(svv);
    free(svy);
    return ss;
}

/* Fits the curves of polarity pol (reads inside [g_min, g_max]); *c_lo, *c_hi: the extent of the fitted curves. */
static int fit_curve(const pulse_data *d, int pol, double g_min, double g_max, pulse_branch_fit *f, double *c_lo,
                     double *c_hi)
{
    curve_data c = {0};
    c.y = xmalloc(d->n * sizeof *c.y);
    c.k = xmalloc(d->n * sizeof *c.k);
    c.run = xmalloc(d->n * sizeof *c.run);
    double k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->polarity[i] != pol)
            continue;
        if (i == 0 || d->polarity[i - 1] != pol) {
            c.n_runs++;
            k = 0;
        } else
            k++;
        if (d->g[i] < g_min || d->g[i] > g_max)
            continue; /* an outlier: the pulse still counts */
        c.y[c.m] = d->g[i];
        c.k[c.m] = k;
        c.run[c.m] = c.n_runs - 1;
        c.m++;
    }
    int st = CIM_OK;
    size_t p = 2 + c.n_runs;
    if (c.m < p + 2) {
        st = cim_error(CIM_EINVAL, "%s: too few points (%zu reads for a curve with %zu parameters)",
                       pol > 0 ? "potentiation" : "depression", c.m, p);
        goto done;
    }
    /* ln b on a grid over [-1, 0.05] (A from 1 pulse to accelerating with A = -20), then golden section. */
    double best = INFINITY, lb = 0;
    for (int j = 0; j <= 400; j++) {
        double x = -1.0 + 1.05 * j / 400.0, ss = curve_ss(&c, exp(x), NULL, NULL);
        if (ss < best)
            best = ss, lb = x;
    }
    double lo = lb - 1.05 / 400, hi = lb + 1.05 / 400, gr = 0.5 * (sqrt(5.0) - 1);
    double x1 = hi - gr * (hi - lo), x2 = lo + gr * (hi - lo);
    double f1 = curve_ss(&c, exp(x1), NULL, NULL), f2 = curve_ss(&c, exp(x2), NULL, NULL);
    for (int it = 0; it < 100 && hi - lo > 1e-13; it++) {
        if (f1 < f2) {
            hi = x2, x2 = x1, f2 = f1;
            x1 = hi - gr * (hi - lo);
            f1 = curve_ss(&c, exp(x1), NULL, NULL);
        } else {
            lo = x1, x1 = x2, f1 = f2;
            x2 = lo + gr * (hi - lo);
            f2 = curve_ss(&c, exp(x2), NULL, NULL);
        }
    }
    double b = exp(0.5 * (lo + hi)), a, *g0 = xmalloc(c.n_runs * sizeof *g0);
    double ss = curve_ss(&c, b, &a, g0);
    /* Covariance: Jacobian in (a, b, G0_r) at the optimum; the regression of the residuals on it gives
     * s^2 (J^T J)^-1. */
    gsl_matrix *J = gsl_matrix_calloc(c.m, p), *cov = gsl_matrix_alloc(p, p);
    gsl_vector *res = gsl_vector_alloc(c.m), *coef = gsl_vector_alloc(p);
    double *rr = xmalloc(c.m * sizeof *rr);
    for (size_t i = 0; i < c.m; i++) {
        double kk = c.k[i], v = pow(b, kk), u = fabs(b - 1) < 1e-12 ? kk : (1 - v) / (1 - b);
        double dv = kk > 0 ? kk * pow(b, kk - 1) : 0;
        double du = fabs(b - 1) < 1e-9 ? 0.5 * kk * (kk - 1) : ((1 - v) - (1 - b) * dv) / ((1 - b) * (1 - b));
        gsl_matrix_set(J, i, 0, u);
        gsl_matrix_set(J, i, 1, a * du + g0[c.run[i]] * dv);
        gsl_matrix_set(J, i, 2 + c.run[i], v);
        rr[i] = c.y[i] - g0[c.run[i]] * v - a * u;
        gsl_vector_set(res, i, rr[i]);
        *c_lo = fmin(*c_lo, c.y[i] - rr[i]);
        *c_hi = fmax(*c_hi, c.y[i] - rr[i]);
    }
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(c.m, p);
    double chisq;
    gsl_multifit_linear(J, res, coef, cov, &chisq, w);
    gsl_multifit_linear_free(w);
    /* gsl_multifit_linear's cov is already s^2 (J^T J)^-1, s^2 from the scatter of the residuals about the fit (the
     * residuals of the curve, as J^T r = 0 at the optimum).  With a pulse-to-pulse walk on top of the read noise the
     * residuals correlate and this understates the spread. */
    f->a = a;
    f->b = b;
    f->cov_aa = gsl_matrix_get(cov, 0, 0);
    f->cov_ab = gsl_matrix_get(cov, 0, 1);
    f->cov_bb = gsl_matrix_get(cov, 1, 1);
    /* Noise split from the differenced residuals within runs. */
    double sd1 = 0, sd2 = 0, mean = 0;
    size_t n1 = 0, n2 = 0;
    for (size_t i = 1; i < c.m; i++)
        if (c.run[i] == c.run[i - 1] && c.k[i] == c.k[i - 1] + 1) {
            mean += rr[i] - rr[i - 1];
            n1++;
        }
    mean = n1 > 0 ? mean / (double)n1 : 0;
    for (size_t i = 1; i < c.m; i++)
        if (c.run[i] == c.run[i - 1] && c.k[i] == c.k[i - 1] + 1) {
            double d1 = rr[i] - rr[i - 1] - mean;
            sd1 += d1 * d1;
            if (i + 1 < c.m && c.run[i + 1] == c.run[i] && c.k[i + 1] == c.k[i] + 1) {
                sd2 += d1 * (rr[i + 1] - rr[i] - mean);
                n2++;
            }
        }
    double var = n1 > 1 ? sd1 / (double)(n1 - 1) : 0, cov1 = n2 > 0 ? sd2 / (double)n2 : 0;
    double sr2 = fmax(-cov1, 0), sc2 = fmax(var - 2 * sr2, 0);
    f->read_sigma_frac = sqrt(sr2) / (g_max - g_min);
    f->resid_sd = sqrt(sc2);
    f->rms = sqrt(ss / (double)c.m);
    f->n_steps = c.m;
    f->curve = 1;
    free(g0);
    free(rr);
    gsl_matrix_free(J);
    gsl_matrix_free(cov);
    gsl_vector_free(res);
    gsl_vector_free(coef);
done:
    free(c.y);
    free(c.k);
    free(c.run);
    return st;
}

/* The NeuroSim quantities of a fitted map (a, b) on the range. */
static int finish_branch(int pol, double g_min, double g_max, pulse_branch_fit *f)
{
    const char *name = pol > 0 ? "potentiation" : "depression";
    double gi, P, an, nl, A;
    if (!derive(f->a, f->b, pol, g_min, g_max, &A, &gi, &P, &an, &nl))
        return cim_error(CIM_EINVAL, "%s: the steps do not move toward the %s bound across the range (G' = %g + %g G): "
                         "no NeuroSim curve fits%s", name, pol > 0 ? "upper" : "lower", f->a, f->b,
                         f->curve ? " (fitted as whole curves: read noise dominates)" : "");
    f->A_pulses = A;
    f->g_inf = gi;
    f->n_levels = P;
    f->a_norm = an;
    f->nl = nl;
    /* Delta method: gradients of (A, G_inf, P, NL) in (a, b) by central differences. */
    double ha = 1e-6 * fmax(fabs(f->a), 1e-6 * (g_max - g_min)) + 1e-300, hb = 1e-7;
    double q[2][4], r[2][4], *out[4] = {&f->A_se, &f->g_inf_se, &f->n_levels_se, &f->nl_se};
    for (int k = 0; k < 2; k++) {
        double da = k == 0 ? ha : 0, db = k == 1 ? hb : 0;
        double an2;
        if (!derive(f->a + da, f->b + db, pol, g_min, g_max, &q[k][0], &q[k][1], &q[k][2], &an2, &q[k][3]) ||
            !derive(f->a - da, f->b - db, pol, g_min, g_max, &r[k][0], &r[k][1], &r[k][2], &an2, &r[k][3]))
            for (int j = 0; j < 4; j++)
                q[k][j] = r[k][j] = NAN;
    }
    for (int j = 0; j < 4; j++) {
        double ga = (q[0][j] - r[0][j]) / (2 * ha), gb = (q[1][j] - r[1][j]) / (2 * hb);
        double var = ga * ga * f->cov_aa + 2 * ga * gb * f->cov_ab + gb * gb * f->cov_bb;
        *out[j] = var >= 0 ? sqrt(var) : NAN;
    }
    f->c2c_sigma_frac = f->resid_sd / (g_max - g_min);
    return CIM_OK;
}

int pulse_fit_branch_curve(const pulse_data *d, int pol, double g_min, double g_max, pulse_branch_fit *f,
                           double *c_lo, double *c_hi)
{
    *c_lo = INFINITY;
    *c_hi = -INFINITY;
    return fit_curve(d, pol, g_min, g_max, f, c_lo, c_hi);
}

int pulse_fit_branch_map(const pulse_data *d, int pol, double g_min, double g_max, int weighted, pulse_branch_fit *f)
{
    return fit_map(d, pol, g_min, g_max, weighted, f);
}

int pulse_fit_neurosim(const pulse_data *d, pulse_fit *out)
{
    memset(out, 0, sizeof *out);
    pulse_robust_range(d, &out->g_min, &out->g_max, &out->n_outside);
    if (!(out->g_max > out->g_min))
        return cim_error(CIM_EINVAL, "the conductance never changes (%g): nothing to fit", out->g_min);
    int st = fit_map(d, +1, out->g_min, out->g_max, 0, &out->ltp);
    if (st == CIM_OK)
        st = fit_map(d, -1, out->g_min, out->g_max, 0, &out->ltd);
    if (st != CIM_OK)
        return st;
    if (out->ltp.resid_lag1 < PULSE_READ_NOISE_LAG1 || out->ltd.resid_lag1 < PULSE_READ_NOISE_LAG1) {
        /* Read noise: both branches as whole curves, and the range is the fitted curves' extent (the extremes of
         * noisy reads lie several read sigmas beyond the device's range). */
        double lo = INFINITY, hi = -INFINITY, lag[2] = {out->ltp.resid_lag1, out->ltd.resid_lag1};
        if ((st = fit_curve(d, +1, out->g_min, out->g_max, &out->ltp, &lo, &hi)) != CIM_OK ||
            (st = fit_curve(d, -1, out->g_min, out->g_max, &out->ltd, &lo, &hi)) != CIM_OK)
            return st;
        out->ltp.resid_lag1 = lag[0];
        out->ltd.resid_lag1 = lag[1];
        double range0 = out->g_max - out->g_min;
        out->ltp.read_sigma_frac *= range0 / (hi - lo);
        out->ltd.read_sigma_frac *= range0 / (hi - lo);
        out->g_min = lo;
        out->g_max = hi;
    }
    st = finish_branch(+1, out->g_min, out->g_max, &out->ltp);
    if (st == CIM_OK)
        st = finish_branch(-1, out->g_min, out->g_max, &out->ltd);
    return st;
}

/* fit/pulse.c -- see pulse.h. */
#include "fit/pulse.h"
#include "core/csv.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_fit.h>

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
    o.want_cols = 3;
    csv_table t;
    int st = csv_read(path, &o, &t);
    if (st != CIM_OK)
        return st;
    const char *want[] = {"pulse", normalised ? "g_norm" : "g_S", "polarity"};
    for (int c = 0; c < 3; c++)
        if (strcmp(t.header[c], want[c]) != 0) {
            if (c == 1 && strcmp(t.header[c], "g_norm") == 0)
                st = cim_error(CIM_EIO, "%s:1:2: g_norm is normalised, not siemens (read it as normalised data)", path);
            else if (c == 1 && strcmp(t.header[c], "g_S") == 0)
                st = cim_error(CIM_EIO, "%s:1:2: normalised data expected (g_norm), got g_S in siemens", path);
            else
                st = cim_error(CIM_EIO, "%s:1:%d: column %d must be %s, not %s", path, c + 1, c + 1, want[c], t.header[c]);
            csv_table_free(&t);
            return st;
        }
    if (t.rows < 4) {
        st = cim_error(CIM_EIO, "%s: too few points (%zu rows; a fit needs at least 4)", path, t.rows);
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
        const double *r = t.data + 3 * i;
        d->line[i] = t.line[i];
        d->pulse[i] = r[0];
        d->g[i] = r[1];
        if (r[2] != 1 && r[2] != -1)
            st = cim_error(CIM_EIO, "%s:%zu:3: polarity must be +1 or -1, got %g", path, t.line[i], r[2]);
        else if (i > 0 && !(r[0] > d->pulse[i - 1]))
            st = cim_error(CIM_EIO, "%s:%zu:1: pulse counts must increase (%g after %g)", path, t.line[i], r[0],
                           d->pulse[i - 1]);
        d->polarity[i] = (int)r[2];
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

static int fit_branch(const pulse_data *d, int pol, double g_min, double g_max, pulse_branch_fit *f)
{
    memset(f, 0, sizeof *f);
    f->polarity = pol;
    const char *name = pol > 0 ? "potentiation" : "depression";
    double *x = xmalloc(d->n * sizeof *x), *y = xmalloc(d->n * sizeof *y);
    size_t m = 0;
    int st = CIM_OK;
    double sumsq, sigma = INFINITY, bound = pol > 0 ? g_max : g_min;
    /* Reads at the bound are censored (the step was clamped).  Leaving out the clamped reads themselves would
     * select on the noise and bias the fit; so pairs are chosen on the regressor only: first those whose later
     * read is off the bounds, then (three passes) those whose predicted read lies 3 residual sigmas inside the
     * bound the pulse moves toward, clamped or not. */
    for (int pass = 0; pass < 4; pass++) {
        m = 0;
        f->n_runs = 0;
        for (size_t i = 0; i < d->n; i++) {
            if (d->polarity[i] != pol)
                continue;
            if (i == 0 || d->polarity[i - 1] != pol)
                f->n_runs++;
            if (i == 0) /* a pair: the read before this pulse (the previous row) and the read after it */
                continue;
            if (pass == 0 ? (d->g[i] == g_min || d->g[i] == g_max)
                          : (d->g[i - 1] == bound || !(pol * (bound - (f->a + f->b * d->g[i - 1])) > 3 * sigma)))
                continue;
            x[m] = d->g[i - 1];
            y[m] = d->g[i];
            m++;
        }
        f->n_steps = m;
        if (m < 3) {
            st = cim_error(CIM_EINVAL, "%s: too few points (%zu usable pulse steps; at least 3)", name, m);
            goto done;
        }
        gsl_fit_linear(x, 1, y, 1, m, &f->a, &f->b, &f->cov_aa, &f->cov_ab, &f->cov_bb, &sumsq);
        sigma = sqrt(sumsq / (double)(m - 2));
    }
    double gi, P, an, nl, A;
    if (!derive(f->a, f->b, pol, g_min, g_max, &A, &gi, &P, &an, &nl)) {
        st = cim_error(CIM_EINVAL, "%s: the steps do not move toward the %s bound across the range (G' = %g + %g G): "
                       "no NeuroSim curve fits", name, pol > 0 ? "upper" : "lower", f->a, f->b);
        goto done;
    }
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
    /* Residuals and the steps' variation. */
    double mean_step = 0, ss_tot = 0, ss_res = 0;
    for (size_t i = 0; i < m; i++)
        mean_step += (y[i] - x[i]) / (double)m;
    for (size_t i = 0; i < m; i++) {
        double s = y[i] - x[i], e = y[i] - (f->a + f->b * x[i]);
        ss_tot += (s - mean_step) * (s - mean_step);
        ss_res += e * e;
    }
    f->rms = sqrt(ss_res / (double)m);
    f->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : NAN;
    f->c2c_sigma_frac = sqrt(ss_res / (double)(m - 2)) / (g_max - g_min);
done:
    free(x);
    free(y);
    return st;
}

int pulse_fit_neurosim(const pulse_data *d, pulse_fit *out)
{
    memset(out, 0, sizeof *out);
    out->g_min = out->g_max = d->g[0];
    for (size_t i = 1; i < d->n; i++) {
        out->g_min = fmin(out->g_min, d->g[i]);
        out->g_max = fmax(out->g_max, d->g[i]);
    }
    if (!(out->g_max > out->g_min))
        return cim_error(CIM_EINVAL, "the conductance never changes (%g): nothing to fit", out->g_min);
    int st = fit_branch(d, +1, out->g_min, out->g_max, &out->ltp);
    if (st == CIM_OK)
        st = fit_branch(d, -1, out->g_min, out->g_max, &out->ltd);
    return st;
}

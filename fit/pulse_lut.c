/* fit/pulse_lut.c -- a lookup table of dG per pulse against G (device/lut.c) built from a measured pulse response.
 *
 * Method (as CrossSim builds its lookup tables from measured ramps): every consecutive pair of reads of the same
 * polarity inside the robust range (pulse_robust_range) is one step s = G_{k+1} - G_k taken from G_k; a step whose
 * later read sits at the range's end in its direction is clamped and left out.  The range is cut into n equal bins
 * (device.lut.fit_n_bins, or from the data: round(sqrt(m)/2) for the polarity with fewer steps m, 4 to 32); per
 * polarity and bin the table holds the median of the steps (robust to outliers; standard error 1.2533 sigma /
 * sqrt(count), the median's asymptotic one for normal noise) at the bin's centre.  A bin with fewer than
 * PULSE_LUT_MIN_COUNT steps is interpolated linearly between the nearest bins that have enough (held at the ends)
 * and marked.  The spread: the table interpolated at each step's own G_k (as the device does) is subtracted, and
 * sigma of the bin is 1.4826 times the median absolute deviation of those residuals (so the slope of dG within a bin
 * does not count as noise).  The device treats the table as the rate dG/dP, whose one-pulse step differs from it at
 * second order (device/lut.c); the bins' steps are small against the range, so this is left.
 */
#include "core/status.h"
#include "core/xalloc.h"
#include "device/device.h"
#include "fit/pulse.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The table's value at g: linear between centres, held beyond them (device/lut.c's interpolation). */
static double interp(const pulse_lut_bin *b, size_t n, double g, int sigma)
{
#define VAL(k) (sigma ? b[k].sigma_S : b[k].dg_S)
    if (g <= b[0].g_S)
        return VAL(0);
    if (g >= b[n - 1].g_S)
        return VAL(n - 1);
    size_t j = 0;
    while (j + 2 < n && g >= b[j + 1].g_S)
        j++;
    double f = (g - b[j].g_S) / (b[j + 1].g_S - b[j].g_S);
    return VAL(j) + f * (VAL(j + 1) - VAL(j));
#undef VAL
}

/* Fills the n bins of one polarity; counts the steps of each. */
static int build(const pulse_data *d, int pol, double g_min, double g_max, size_t n, pulse_lut_bin *b, size_t *n_interp)
{
    const char *name = pol > 0 ? "potentiation" : "depression";
    double w = (g_max - g_min) / (double)n, end = pol > 0 ? g_max : g_min;
    size_t m = 0;
    double *x = xmalloc(d->n * sizeof *x), *s = xmalloc(d->n * sizeof *s), *tmp = xmalloc(d->n * sizeof *tmp);
    size_t *bin = xmalloc(d->n * sizeof *bin);
    for (size_t i = 1; i < d->n; i++) {
        if (d->polarity[i] != pol || d->polarity[i - 1] != pol)
            continue;
        double g0 = d->g[i - 1], g1 = d->g[i];
        if (g0 < g_min || g0 > g_max || g1 < g_min || g1 > g_max || g1 == end)
            continue;
        size_t k = (size_t)((g0 - g_min) / w);
        x[m] = g0;
        s[m] = g1 - g0;
        bin[m] = k < n ? k : n - 1;
        m++;
    }
    size_t valid = 0;
    for (size_t k = 0; k < n; k++) {
        b[k].g_S = g_min + ((double)k + 0.5) * w;
        size_t c = 0;
        for (size_t i = 0; i < m; i++)
            if (bin[i] == k)
                tmp[c++] = s[i];
        b[k].count = c;
        b[k].interpolated = c < PULSE_LUT_MIN_COUNT;
        b[k].dg_S = b[k].interpolated ? NAN : median(tmp, c);
        valid += !b[k].interpolated;
    }
    int st = CIM_OK;
    if (valid < 2) {
        st = cim_error(CIM_EINVAL, "lut: %s: only %zu of %zu bins have %d or more steps (%zu steps in all): too few "
                       "points for a table (fewer bins: device.lut.fit_n_bins)", name, valid, n, PULSE_LUT_MIN_COUNT, m);
        goto done;
    }
    /* Bins with too few steps: linear between the nearest valid neighbours, held at the ends. */
    *n_interp = 0;
    for (size_t k = 0; k < n; k++) {
        if (!b[k].interpolated)
            continue;
        (*n_interp)++;
        long lo = (long)k - 1, hi = (long)k + 1;
        while (lo >= 0 && b[lo].interpolated)
            lo--;
        while (hi < (long)n && b[hi].interpolated)
            hi++;
        if (lo < 0)
            b[k].dg_S = b[hi].dg_S;
        else if (hi >= (long)n)
            b[k].dg_S = b[lo].dg_S;
        else
            b[k].dg_S = b[lo].dg_S + (b[hi].dg_S - b[lo].dg_S) * (double)((long)k - lo) / (double)(hi - lo);
    }
    /* The spread about the interpolated table, per bin. */
    for (size_t k = 0; k < n; k++) {
        size_t c = 0;
        for (size_t i = 0; i < m; i++)
            if (bin[i] == k)
                tmp[c++] = s[i] - interp(b, n, x[i], 0);
        b[k].sigma_S = c >= PULSE_LUT_MIN_COUNT ? pulse_mad_sigma(tmp, c) : NAN;
        b[k].se_S = c >= PULSE_LUT_MIN_COUNT ? 1.2533141373155 * b[k].sigma_S / sqrt((double)c) : NAN;
    }
    for (size_t k = 0; k < n; k++) {
        if (!b[k].interpolated)
            continue;
        long lo = (long)k - 1, hi = (long)k + 1;
        while (lo >= 0 && b[lo].interpolated)
            lo--;
        while (hi < (long)n && b[hi].interpolated)
            hi++;
        b[k].sigma_S = lo < 0 ? b[hi].sigma_S
                       : hi >= (long)n
                           ? b[lo].sigma_S
                           : b[lo].sigma_S + (b[hi].sigma_S - b[lo].sigma_S) * (double)((long)k - lo) / (double)(hi - lo);
    }
done:
    free(x);
    free(s);
    free(tmp);
    free(bin);
    return st;
}

static size_t steps_of(const pulse_data *d, int pol)
{
    size_t m = 0;
    for (size_t i = 1; i < d->n; i++)
        m += d->polarity[i] == pol && d->polarity[i - 1] == pol;
    return m;
}

int pulse_fit_lut(const device_type *T, const pulse_data *d, void *block, pulse_model_fit *out)
{
    double g_min, g_max;
    size_t n_out;
    pulse_robust_range(d, &g_min, &g_max, &n_out);
    if (!(g_max > g_min))
        return cim_error(CIM_EINVAL, "the conductance never changes (%g): nothing to fit", g_min);
    long long *nb = pulse_field(T, block, "fit_n_bins", PARAM_INT);
    param_reals *g_S = pulse_field(T, block, "g_S", PARAM_REALS), *dp = pulse_field(T, block, "dg_pot_S", PARAM_REALS),
                *dd = pulse_field(T, block, "dg_dep_S", PARAM_REALS),
                *sp = pulse_field(T, block, "sigma_pot_S", PARAM_REALS),
                *sd = pulse_field(T, block, "sigma_dep_S", PARAM_REALS);
    double *gmin = pulse_field(T, block, "g_min_S", PARAM_REAL), *gmax = pulse_field(T, block, "g_max_S", PARAM_REAL);
    if (nb == NULL || g_S == NULL || dp == NULL || dd == NULL || sp == NULL || sd == NULL || gmin == NULL || gmax == NULL)
        return cim_error(CIM_EINVAL, "device model %s has no lookup table", T->name);
    size_t m = steps_of(d, +1), md = steps_of(d, -1), n;
    m = md < m ? md : m;
    if (*nb > 0)
        n = (size_t)*nb;
    else {
        double r = round(sqrt((double)m) / 2);
        n = r < 4 ? 4 : r > 32 ? 32 : (size_t)r;
    }
    if (n < 2 || n > PULSE_LUT_MAX)
        return cim_error(CIM_EINVAL, "lut: %zu bins; a table has 2 to %d", n, PULSE_LUT_MAX);
    size_t ip = 0, id = 0;
    int st = build(d, +1, g_min, g_max, n, out->pot, &ip);
    if (st == CIM_OK)
        st = build(d, -1, g_min, g_max, n, out->dep, &id);
    if (st != CIM_OK)
        return st;
    if (!d->normalised && g_min < 0)
        return cim_error(CIM_EINVAL, "lut: the data's range starts below 0 S (%g): not conductances", g_min);
    out->n_bins = n;
    out->g_min_S = g_min;
    out->g_max_S = g_max;
    g_S->n = dp->n = dd->n = sp->n = sd->n = n;
    for (size_t k = 0; k < n; k++) {
        g_S->v[k] = out->pot[k].g_S;
        dp->v[k] = out->pot[k].dg_S;
        dd->v[k] = out->dep[k].dg_S;
        sp->v[k] = out->pot[k].sigma_S;
        sd->v[k] = out->dep[k].sigma_S;
    }
    *gmin = g_min;
    *gmax = g_max;
    /* Summaries (the table itself is in out->pot, out->dep): the count-weighted RMS spread per polarity. */
    const pulse_lut_bin *b[2] = {out->pot, out->dep};
    const char *pre[2] = {"pot.", "dep."};
    size_t ni[2] = {ip, id};
    pulse_fit_add(out, "g_min_S", "S", g_min, NAN);
    pulse_fit_add(out, "g_max_S", "S", g_max, NAN);
    pulse_fit_add(out, "n_bins", "1", (double)n, NAN);
    char name[48];
    for (int k = 0; k < 2; k++) {
        double ss = 0;
        size_t c = 0, cmin = SIZE_MAX;
        for (size_t j = 0; j < n; j++) {
            if (!b[k][j].interpolated) {
                ss += b[k][j].sigma_S * b[k][j].sigma_S * (double)b[k][j].count;
                c += b[k][j].count;
            }
            cmin = b[k][j].count < cmin ? b[k][j].count : cmin;
        }
        snprintf(name, sizeof name, "%ssigma_S", pre[k]);
        pulse_fit_add(out, name, "S", sqrt(ss / (double)c), sqrt(ss / (double)c) / sqrt(2.0 * (double)c));
        snprintf(name, sizeof name, "%sinterpolated_bins", pre[k]);
        pulse_fit_add(out, name, "1", (double)ni[k], NAN);
        snprintf(name, sizeof name, "%smin_count", pre[k]);
        pulse_fit_add(out, name, "1", (double)cmin, NAN);
        snprintf(name, sizeof name, "%ssteps", pre[k]);
        pulse_fit_add(out, name, "1", (double)c, NAN);
    }
    pulse_fit_add(out, "outliers", "1", (double)n_out, NAN);
    return pulse_model_stats(T, block, d, g_min, g_max, out);
}

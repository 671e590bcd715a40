/* device/stimulus.c -- see stimulus.h. */
#include "device/stimulus.h"
#include "core/csv.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STIM_PI 3.14159265358979323846

static const char *const kind_names[] = {"dc", "sine", "triangle", "pulse", "pwl", NULL};

static int stimulus_check(const void *v)
{
    const stimulus_params *p = v;
    if (p->kind == STIM_PULSE && p->t_rise_s + p->t_width_s + p->t_fall_s > p->t_period_s)
        return cim_error(CIM_ECONFIG, "t_rise_s + t_width_s + t_fall_s (%g s) must not exceed t_period_s (%g s)",
                         p->t_rise_s + p->t_width_s + p->t_fall_s, p->t_period_s);
    if (p->kind == STIM_PWL && p->pwl_file[0] == '\0')
        return cim_error(CIM_ECONFIG, "kind = \"pwl\" needs pwl_file, a CSV of t_s,v_V");
    return CIM_OK;
}

static const param_spec stimulus_spec[] = {
    PARAM_CHOICE_F(stimulus_params, kind, kind_names, STIM_SINE, "waveform"),
    PARAM_REAL_F(stimulus_params, amplitude_V, -1e3, 1e3, 1.0, "V", "DC level, sine/triangle peak, or pulse plateau"),
    PARAM_REAL_F(stimulus_params, offset_V, -1e3, 1e3, 0.0, "V", "sine/triangle offset, or pulse base level"),
    PARAM_REAL_F(stimulus_params, freq_Hz, 1e-9, 1e15, 1.0, "Hz", "sine/triangle frequency"),
    PARAM_REAL_F(stimulus_params, n_periods, 1e-3, 1e6, 2, "1", "sine/triangle: periods to simulate (when sim.t_stop_s = 0)"),
    PARAM_REAL_F(stimulus_params, t_delay_s, 0, 1e6, 0, "s", "pulse: delay before the first rising edge"),
    PARAM_REAL_F(stimulus_params, t_rise_s, 0, 1e6, 1e-9, "s", "pulse: rise time"),
    PARAM_REAL_F(stimulus_params, t_width_s, 0, 1e6, 100e-9, "s", "pulse: plateau duration"),
    PARAM_REAL_F(stimulus_params, t_fall_s, 0, 1e6, 1e-9, "s", "pulse: fall time"),
    PARAM_REAL_F(stimulus_params, t_period_s, 1e-15, 1e6, 1e-6, "s", "pulse: period"),
    PARAM_INT_F(stimulus_params, n_pulses, 1, 1e9, 1, "pulse: number of pulses"),
    PARAM_STRING_F(stimulus_params, pwl_file, "", "pwl: CSV file of t_s,v_V rows (relative to the config file)"),
    PARAM_REAL_F(stimulus_params, r_series_ohm, 0, 1e12, 0, "ohm",
                 "series resistance between source and device (current compliance, load line); 0 = none"),
    PARAM_END,
};

const param_group stimulus_group = {
    .path = "stimulus",
    .doc = "The voltage applied across the device: dc, sine, triangle, a pulse train, or piecewise-linear from "
           "a CSV. Pulse edges and corners are breakpoints the integrator lands on exactly.",
    .params = stimulus_spec,
    .size = sizeof(stimulus_params),
    .check = stimulus_check,
};

int stimulus_init(stimulus *s, const stimulus_params *p, const char *base_dir)
{
    memset(s, 0, sizeof *s);
    s->p = *p;
    if (p->kind != STIM_PWL)
        return CIM_OK;
    char path[2 * PARAM_STRING_MAX];
    if (p->pwl_file[0] == '/' || base_dir == NULL || base_dir[0] == '\0')
        snprintf(path, sizeof path, "%s", p->pwl_file);
    else
        snprintf(path, sizeof path, "%s%s", base_dir, p->pwl_file);
    csv_read_opts o = csv_opts_any();
    o.want_cols = 2;
    o.quantity = "value";
    csv_table t;
    int st = csv_read(path, &o, &t);
    if (st != CIM_OK)
        return st;
    s->pwl_n = t.rows;
    s->pwl_t_s = xmalloc(t.rows * sizeof *s->pwl_t_s);
    s->pwl_v_V = xmalloc(t.rows * sizeof *s->pwl_v_V);
    for (size_t k = 0; k < t.rows; k++) {
        s->pwl_t_s[k] = t.data[2 * k];
        s->pwl_v_V[k] = t.data[2 * k + 1];
        if (k == 0 && s->pwl_t_s[0] < 0)
            st = cim_error(CIM_EINVAL, "%s:%zu: time %g s is negative", path, t.line[0], s->pwl_t_s[0]);
        if (k > 0 && st == CIM_OK && !(s->pwl_t_s[k] > s->pwl_t_s[k - 1]))
            st = cim_error(CIM_EINVAL, "%s:%zu: times must increase, but t = %g s follows t = %g s on line %zu", path,
                           t.line[k], s->pwl_t_s[k], s->pwl_t_s[k - 1], t.line[k - 1]);
    }
    csv_table_free(&t);
    if (st != CIM_OK)
        stimulus_destroy(s);
    return st;
}

int stimulus_init_pwl(stimulus *s, const double *t_s, const double *v_V, size_t n, double r_series_ohm)
{
    memset(s, 0, sizeof *s);
    param_defaults(&stimulus_group, &s->p);
    s->p.kind = STIM_PWL;
    s->p.r_series_ohm = r_series_ohm;
    if (n == 0)
        return cim_error(CIM_EINVAL, "a piecewise-linear waveform needs at least one knot");
    if (!(r_series_ohm >= 0) || !isfinite(r_series_ohm))
        return cim_error(CIM_EINVAL, "r_series_ohm (%g) must be finite and non-negative", r_series_ohm);
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(t_s[k]) || !isfinite(v_V[k]))
            return cim_error(CIM_EINVAL, "knot %zu: t = %g s, v = %g V is not finite", k, t_s[k], v_V[k]);
        if (k == 0 && t_s[0] < 0)
            return cim_error(CIM_EINVAL, "knot 0: time %g s is negative", t_s[0]);
        if (k > 0 && !(t_s[k] > t_s[k - 1]))
            return cim_error(CIM_EINVAL, "knot %zu: times must increase, but t = %g s follows t = %g s", k, t_s[k],
                             t_s[k - 1]);
    }
    s->pwl_n = n;
    s->pwl_t_s = xmalloc(n * sizeof *s->pwl_t_s);
    s->pwl_v_V = xmalloc(n * sizeof *s->pwl_v_V);
    memcpy(s->pwl_t_s, t_s, n * sizeof *t_s);
    memcpy(s->pwl_v_V, v_V, n * sizeof *v_V);
    return CIM_OK;
}

void stimulus_destroy(stimulus *s)
{
    free(s->pwl_t_s);
    free(s->pwl_v_V);
    s->pwl_t_s = s->pwl_v_V = NULL;
    s->pwl_n = 0;
}

/* Triangle of unit amplitude and unit period: 0 -> 1 at 1/4 -> -1 at 3/4 -> 0 at 1. */
static double tri(double u)
{
    u -= floor(u);
    if (u < 0.25)
        return 4 * u;
    if (u < 0.75)
        return 2 - 4 * u;
    return 4 * u - 4;
}

double stimulus_v(const stimulus *s, double t)
{
    const stimulus_params *p = &s->p;
    switch (p->kind) {
    case STIM_DC: return p->amplitude_V;
    case STIM_SINE: return p->offset_V + p->amplitude_V * sin(2 * STIM_PI * p->freq_Hz * t);
    case STIM_TRIANGLE: return p->offset_V + p->amplitude_V * tri(p->freq_Hz * t);
    case STIM_PULSE: {
        double u = t - p->t_delay_s;
        if (u < 0)
            return p->offset_V;
        double k = floor(u / p->t_period_s);
        if (k >= (double)p->n_pulses)
            return p->offset_V;
        u -= k * p->t_period_s;
        double dv = p->amplitude_V - p->offset_V;
        if (u < p->t_rise_s)
            return p->offset_V + dv * u / p->t_rise_s;
        u -= p->t_rise_s;
        if (u <= p->t_width_s)
            return p->amplitude_V;
        u -= p->t_width_s;
        if (u < p->t_fall_s)
            return p->amplitude_V - dv * u / p->t_fall_s;
        return p->offset_V;
    }
    case STIM_PWL: {
        if (t <= s->pwl_t_s[0])
            return s->pwl_v_V[0];
        if (t >= s->pwl_t_s[s->pwl_n - 1])
            return s->pwl_v_V[s->pwl_n - 1];
        size_t lo = 0, hi = s->pwl_n - 1; /* bisection: t_lo <= t < t_hi */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (s->pwl_t_s[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
        double f = (t - s->pwl_t_s[lo]) / (s->pwl_t_s[hi] - s->pwl_t_s[lo]);
        return s->pwl_v_V[lo] + f * (s->pwl_v_V[hi] - s->pwl_v_V[lo]);
    }
    }
    return 0.0;
}

/* Smallest e in edges (relative to a period start) with start + e > t. */
static double next_edge(double t, double start, const double *edges, int n)
{
    for (int i = 0; i < n; i++)
        if (start + edges[i] > t)
            return start + edges[i];
    return INFINITY;
}

double stimulus_next_break(const stimulus *s, double t)
{
    const stimulus_params *p = &s->p;
    switch (p->kind) {
    case STIM_TRIANGLE: {
        double half = 0.5 / p->freq_Hz, first = 0.25 / p->freq_Hz;
        if (t < first)
            return first;
        double k = floor((t - first) / half) + 1;
        double b = first + k * half;
        return b > t ? b : b + half;
    }
    case STIM_PULSE: {
        double edges[4] = {0, p->t_rise_s, p->t_rise_s + p->t_width_s, p->t_rise_s + p->t_width_s + p->t_fall_s};
        double u = t - p->t_delay_s;
        double k = u < 0 ? 0 : floor(u / p->t_period_s);
        for (; k < (double)p->n_pulses; k++) {
            double b = next_edge(t, p->t_delay_s + k * p->t_period_s, edges, 4);
            if (isfinite(b))
                return b;
        }
        return INFINITY;
    }
    case STIM_PWL: {
        size_t lo = 0, hi = s->pwl_n;
        while (lo < hi) { /* first knot > t */
            size_t mid = (lo + hi) / 2;
            if (s->pwl_t_s[mid] <= t)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < s->pwl_n ? s->pwl_t_s[lo] : INFINITY;
    }
    default: return INFINITY;
    }
}

double stimulus_duration(const stimulus *s)
{
    const stimulus_params *p = &s->p;
    switch (p->kind) {
    case STIM_SINE:
    case STIM_TRIANGLE: return p->n_periods / p->freq_Hz;
    case STIM_PULSE: return p->t_delay_s + (double)p->n_pulses * p->t_period_s;
    case STIM_PWL: return s->pwl_t_s[s->pwl_n - 1];
    default: return 1.0;
    }
}

double stimulus_max_step(const stimulus *s)
{
    const stimulus_params *p = &s->p;
    switch (p->kind) {
    case STIM_SINE: return 1.0 / (200.0 * p->freq_Hz);
    case STIM_TRIANGLE: return 1.0 / (100.0 * p->freq_Hz);
    default: return INFINITY; /* piecewise linear: breakpoints and output times bound the steps */
    }
}

void stimulus_spice(const stimulus *s, double t_stop, const char *t_expr, strbuf *o)
{
    const stimulus_params *p = &s->p;
    /* The source drives node src; the device sits at node p, behind the series resistor if any. */
    if (p->r_series_ohm > 0)
        strbuf_printf(o, "Rs src p %.17g\n", p->r_series_ohm);
    const char *node = p->r_series_ohm > 0 ? "src" : "p";
    if (t_expr != NULL) { /* a behavioural source of t_expr, behind a 0 V Vin that reads the same current */
        strbuf_printf(o, "Vin %s vsrc 0\n", node);
        if (p->kind == STIM_SINE) {
            strbuf_printf(o, "Bsrc vsrc 0 V=%.17g+%.17g*sin(%.17g*(%s))\n", p->offset_V, p->amplitude_V,
                          2.0 * STIM_PI * p->freq_Hz, t_expr);
            return;
        }
        strbuf_printf(o, "Bsrc vsrc 0 V=pwl(%s, 0,%.17g", t_expr, stimulus_v(s, 0));
        for (double b = stimulus_next_break(s, 0.0); b < t_stop; b = stimulus_next_break(s, b))
            strbuf_printf(o, ",\n+ %.17g,%.17g", b, stimulus_v(s, b));
        strbuf_printf(o, ",\n+ %.17g,%.17g)\n", t_stop, stimulus_v(s, t_stop));
        return;
    }
    if (p->kind == STIM_SINE) {
        strbuf_printf(o, "Vin %s 0 SIN(%.17g %.17g %.17g 0 0 0)\n", node, p->offset_V, p->amplitude_V, p->freq_Hz);
        return;
    }
    /* Everything else is piecewise linear: exported exactly, through its own breakpoints. */
    strbuf_printf(o, "Vin %s 0 PWL(0 %.17g", node, stimulus_v(s, 0));
    double t = 0.0;
    for (double b = stimulus_next_break(s, t); b < t_stop; b = stimulus_next_break(s, b)) /* t_stop is written last */
        strbuf_printf(o, "\n+ %.17g %.17g", b, stimulus_v(s, b));
    strbuf_printf(o, "\n+ %.17g %.17g)\n", t_stop, stimulus_v(s, t_stop));
}

/* cli/sweep_plot.c -- the figures of a finished sweep (`cimsim sweep ... --plot PREFIX`): each metric against the
 * swept values, one figure per metric, drawn by gnuplot through the helpers of cli/plot.h.
 *
 * Every metric of a sweep gets the same kind of figure, chosen from the sweep's shape:
 *  - Only the axes that vary are drawn: a grid axis with one value stays out (it is in the title when held).
 *  - grid, one varying axis, or zip (the axes move together; x is the first numeric one, the others named in the
 *    title): the metric against x, lines and points for a numeric axis, points over the names for a categorical one.
 *  - grid, two or more varying axes: x is the first numeric varying axis (else the first), and the next varying
 *    axis the family -- one line per value, legend "key = value" -- when it has at most 8 values, else a heat map
 *    of the metric over the two.  Axes beyond these two are held at their first value (the title says so): the
 *    figure is that slice of the grid, the other slices are in the result file.
 *  - random and lhs (values drawn, no grid): one dot per run against each axis, a panel per axis (up to 6).
 *  - repeats: the mean over a point's repeats, with the spread min .. max as error bars (the key says so).
 * Scales: x (and y of a heat map) is logarithmic for logspace / loguniform axes and for value lists of positive
 * numbers spanning more than two decades; the metric is logarithmic when its positive values span more than two
 * decades (plot_spans_decades).  Labels are the keys with their units, values in SI prefixes ("(nA)", "100 mΩ").
 * Failed runs and NaN values are left out.  A metric is not drawn when no run drawn has a value, when it is the same
 * in every run (it tells nothing), or when it repeats a swept value in every run (rows beside crossbar.rows); at
 * most 40 figures are drawn.  The summary on `out` names every file written and every metric left out, and why.
 * Files: PREFIX_<metric>.png (the metric's name as in the result's column, dots kept), or .svg / .pdf when PREFIX
 * ends so; a PREFIX ending in '/' is a folder: PREFIX<metric>.png.
 */
#include "cli/cli.h"
#include "cli/plot.h"
#include "cli/sweep.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "exp/experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIGURES 40 /* a sweep reporting 200 metrics would otherwise fill a folder nobody reads */
#define MAX_FAMILY 8   /* more lines than this do not read apart: a heat map instead */
#define MAX_PANELS 6   /* scatter panels of a random / lhs sweep */

/* A metric's axis is logarithmic when its values span decades, unless the metric is a level in decibels (already a
 * logarithm, and may be negative). */
static int metric_log(const char *metric, double lo, double hi)
{
    return strcmp(exp_unit_of(metric), "dB") != 0 && plot_spans_decades(lo, hi);
}

static const char *const colour[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                     "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

/* ---- units ---------------------------------------------------------------------------------------------------- */

/* How a unit is shown: its symbol, the factor into it (µC/cm² from C/m^2) and whether SI prefixes apply (nA, kΩ). */
typedef struct shown_unit {
    const char *sym;
    double factor;
    int prefixed;
} shown_unit;

static shown_unit show_unit(const char *unit)
{
    static const struct {
        const char *unit, *sym;
    } names[] = {{"1", ""},          {"none", ""},          {"ohm", "Ω"},          {"ohm m", "Ω m"},
                 {"m2", "m²"},       {"m^2", "m²"},         {"per_Vs", "1/(V s)"}, {"m^2/(V s)", "m²/(V s)"},
                 {"TOPS_per_W", "TOPS/W"}, {"TOPS_per_mm2", "TOPS/mm²"}};
    static const char *const si[] = {"A", "V", "W", "J", "S", "s", "F", "C", "Hz", "m", "ohm", "eV"};
    shown_unit u = {unit != NULL ? unit : "", 1.0, 0};
    for (size_t k = 0; k < sizeof si / sizeof *si; k++)
        u.prefixed |= strcmp(u.sym, si[k]) == 0;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        if (strcmp(u.sym, names[k].unit) == 0) {
            u.sym = names[k].sym;
            return u;
        }
    u.sym = cli_display_unit(strcmp(u.sym, "C_per_m2") == 0 ? "C/m^2" : u.sym, &u.factor);
    return u;
}

/* x in SI prefixes (cli_si), rounded to 12 digits first: a logspace value 0.99999999999999989 reads "1 Ω", not
 * "1000 mΩ". */
static const char *si_text(char *buf, double x, const char *unit)
{
    char t[40];
    snprintf(t, sizeof t, "%.12g", x);
    return cli_si(buf, strtod(t, NULL), unit);
}

/* One axis of a figure (x, y, or the colour of a heat map): whether it is logarithmic, the factor its values are
 * drawn in, its label and the gnuplot lines that set it up. */
typedef struct plot_axis {
    int log;
    double factor;
    char label[600];
    char setup[1400];
} plot_axis;

/* Sets up axis `which` ("x", "y", "cb") for values from lo to hi (in SI, already checked finite) of a quantity
 * called name in unit u, logarithmic if want_log (and lo > 0). */
static void axis_setup(plot_axis *ax, const char *which, const char *name, shown_unit u, double lo, double hi,
                       int want_log)
{
    ax->log = want_log && lo > 0;
    ax->factor = u.factor;
    const char *prefix = "";
    if (!ax->log && u.prefixed)
        ax->factor *= plot_eng_scale(fmax(fabs(lo), fabs(hi)) * u.factor, &prefix);
    char unit[64];
    snprintf(unit, sizeof unit, "%s%s", prefix, u.sym);
    if (unit[0] != '\0')
        snprintf(ax->label, sizeof ax->label, "%s (%s)", name, unit);
    else
        snprintf(ax->label, sizeof ax->label, "%s", name);
    ax->setup[0] = '\0';
    if (ax->log) {
        size_t m = (size_t)snprintf(ax->setup, sizeof ax->setup, "set logscale %s\n", which);
        if (strcmp(which, "y") == 0) { /* decade to decade: explicit ticks stop gnuplot's autoscale at the last one */
            double d_lo = pow(10, floor(log10(lo * u.factor) + 1e-9)), d_hi = pow(10, ceil(log10(hi * u.factor) - 1e-9));
            m += (size_t)snprintf(ax->setup + m, sizeof ax->setup - m, "set yrange [%.9g:%.9g]\n", d_lo,
                                  d_hi > d_lo ? d_hi : 10 * d_lo);
        }
        if (u.prefixed && hi / lo >= 10) /* ticks at the decades, in SI prefixes; a shorter span: gnuplot's own */
            plot_log_tics(ax->setup + m, sizeof ax->setup - m, which, lo * u.factor, hi * u.factor, u.sym);
    }
}

/* ---- gnuplot text --------------------------------------------------------------------------------------------- */

/* text as a double-quoted gnuplot string, backslashes and quotes escaped. */
static void gp_str(strbuf *b, const char *text)
{
    strbuf_puts(b, "\"");
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\')
            strbuf_puts(b, "\\");
        strbuf_putn(b, c, 1);
    }
    strbuf_puts(b, "\"");
}

/* The figure's title as a gnuplot string: "<experiment>: <metric>", the note on a second line. */
static void put_title(strbuf *b, const char *exp_name, const char *metric, const char *note)
{
    strbuf t;
    strbuf_init(&t);
    strbuf_printf(&t, "%s: %s", exp_name, metric);
    gp_str(b, t.s);
    if (note[0] != '\0') { /* a second string: gnuplot joins them, "\n" (double quotes) breaks the line */
        strbuf_puts(b, ".\"\\n\".");
        gp_str(b, note);
    }
    strbuf_puts(b, " noenhanced font ',11'\n");
    strbuf_destroy(&t);
}

/* ---- the sweep's shape ---------------------------------------------------------------------------------------- */

/* The distinct values of one axis over the points, in order of first appearance, and each point's value. */
typedef struct axis_values {
    size_t n;
    const char **label; /* borrowed from the spec's runs */
    double *num;
    size_t *of_point;   /* per point: index into label / num */
    int numeric;
    int log;            /* drawn on a log axis */
    char name[600];     /* the keys, "crossbar.rows = crossbar.cols" */
    shown_unit unit;
} axis_values;

typedef enum { DRAW_NOTHING, DRAW_LINES, DRAW_HEAT, DRAW_SCATTER } draw_kind;

typedef struct sweep_shape {
    const sweep_spec *s;
    size_t n_points, repeats;
    size_t *first_run;  /* per point: its first run (runs are point-major: point * repeats + repeat) */
    axis_values *ax;    /* per axis */
    draw_kind kind;
    int x, fam;         /* LINES: x and the family (-1: none); HEAT: x and y */
    int *held;          /* grid: the varying axes held at their first value */
    size_t n_held;
    int panels[MAX_PANELS]; /* SCATTER */
    size_t n_panels;
    strbuf note;        /* what the title says about the slice, the zip or the draws */
    strbuf what;        /* for the summary: "against X, one line per Y" */
} sweep_shape;

static void axis_values_of(const sweep_spec *s, size_t a, sweep_shape *sh, axis_values *v)
{
    const sweep_axis *sa = &s->axes[a];
    memset(v, 0, sizeof *v);
    v->label = xcalloc(sh->n_points, sizeof *v->label);
    v->num = xcalloc(sh->n_points, sizeof *v->num);
    v->of_point = xcalloc(sh->n_points, sizeof *v->of_point);
    v->numeric = sa->numeric;
    for (size_t p = 0; p < sh->n_points; p++) {
        const sweep_point *pt = &s->runs[sh->first_run[p]];
        size_t k = 0;
        while (k < v->n && strcmp(v->label[k], pt->label[a]) != 0)
            k++;
        if (k == v->n) {
            v->label[v->n] = pt->label[a];
            v->num[v->n++] = pt->num[a];
            char *end; /* a number as its label reads: true / false (0 / 1) are categories */
            strtod(pt->label[a], &end);
            v->numeric &= isfinite(pt->num[a]) && end != pt->label[a] && *end == '\0';
        }
        v->of_point[p] = k;
    }
    /* in the order the sweep lists them (random and lhs draw them in any order) */
    size_t *place = xcalloc(v->n + 1, sizeof *place), *order = xcalloc(v->n + 1, sizeof *order);
    for (size_t k = 0; k < v->n; k++) {
        place[k] = sa->n_values + k; /* not in the list: after it, as they came */
        for (size_t j = 0; j < sa->n_values; j++) {
            const char *t = sa->value_text[j];
            size_t n = strlen(v->label[k]);
            if (strcmp(t, v->label[k]) == 0 || (t[0] == '"' && strncmp(t + 1, v->label[k], n) == 0 && t[n + 1] == '"' &&
                                                 t[n + 2] == '\0')) {
                place[k] = j;
                break;
            }
        }
        order[k] = k;
    }
    for (size_t k = 1; k < v->n; k++) /* insertion sort: a handful of values */
        for (size_t j = k; j > 0 && place[order[j]] < place[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    const char **label = xcalloc(v->n + 1, sizeof *label);
    double *num = xcalloc(v->n + 1, sizeof *num);
    for (size_t k = 0; k < v->n; k++) {
        label[k] = v->label[order[k]];
        num[k] = v->num[order[k]];
        place[order[k]] = k; /* now: old index -> new */
    }
    for (size_t p = 0; p < sh->n_points; p++)
        v->of_point[p] = place[v->of_point[p]];
    memcpy(v->label, label, v->n * sizeof *label);
    memcpy(v->num, num, v->n * sizeof *num);
    free(label), free(num), free(place), free(order);

    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t k = 0; k < v->n; k++)
        lo = fmin(lo, v->num[k]), hi = fmax(hi, v->num[k]);
    if (sa->n_values == 0 && s->mode >= SWEEP_RANDOM) /* a drawn range: its bounds, not only the draws */
        lo = fmin(lo, sa->lo), hi = fmax(hi, sa->hi);
    v->log = v->numeric && lo > 0 &&
             (sa->scale == SWEEP_LOG || (sa->scale == SWEEP_LIST && plot_spans_decades(lo, hi)));
    strbuf name;
    strbuf_init(&name);
    for (size_t k = 0; k < sa->n_keys; k++)
        strbuf_printf(&name, "%s%s", k ? " = " : "", sa->keys[k]);
    snprintf(v->name, sizeof v->name, "%s", name.s);
    strbuf_destroy(&name);
    v->unit = show_unit(sa->unit);
}

/* A value of axis v as the legend shows it ("100 mΩ", "64", "vteam"). */
static const char *value_text(const axis_values *v, size_t k, char *buf, size_t n)
{
    if (v->numeric && v->unit.prefixed)
        return si_text(buf, v->num[k] * v->unit.factor, v->unit.sym);
    if (v->numeric && v->unit.sym[0] != '\0')
        snprintf(buf, n, "%s %s", v->label[k], v->unit.sym);
    else
        snprintf(buf, n, "%s", v->label[k]);
    return buf;
}

/* Chooses the figure for the sweep (see the top of the file). */
static void shape_of(const sweep_spec *s, sweep_shape *sh)
{
    memset(sh, 0, sizeof *sh);
    sh->s = s;
    strbuf_init(&sh->note);
    strbuf_init(&sh->what);
    sh->repeats = s->repeats > 0 ? s->repeats : 1;
    for (size_t i = 0; i < s->n_runs; i++)
        if (s->runs[i].point + 1 > sh->n_points)
            sh->n_points = s->runs[i].point + 1;
    sh->first_run = xcalloc(sh->n_points + 1, sizeof *sh->first_run);
    for (size_t i = s->n_runs; i-- > 0;)
        sh->first_run[s->runs[i].point] = i;
    sh->ax = xcalloc(s->n_axes + 1, sizeof *sh->ax);
    sh->held = xcalloc(s->n_axes + 1, sizeof *sh->held);
    int varying[64];
    size_t nv = 0;
    for (size_t a = 0; a < s->n_axes; a++) {
        axis_values_of(s, a, sh, &sh->ax[a]);
        if (sh->ax[a].n > 1 && nv < 64)
            varying[nv++] = (int)a;
    }
    sh->x = sh->fam = -1;
    if (nv == 0) {
        sh->kind = DRAW_NOTHING;
        return;
    }
    if (s->mode == SWEEP_RANDOM || s->mode == SWEEP_LHS) {
        sh->kind = DRAW_SCATTER;
        for (size_t k = 0; k < nv && sh->n_panels < MAX_PANELS; k++)
            sh->panels[sh->n_panels++] = varying[k];
        char reps[64] = "";
        if (sh->repeats > 1)
            snprintf(reps, sizeof reps, " x %zu repeats", sh->repeats);
        strbuf_printf(&sh->note, "%s, %zu points%s: one dot per run%s",
                 s->mode == SWEEP_LHS ? "Latin hypercube" : "random", sh->n_points, reps,
                 nv > MAX_PANELS ? " (the first 6 axes)" : "");
        strbuf_printf(&sh->what, "one dot per run against each swept axis%s",
                 nv > MAX_PANELS ? " (the first 6)" : "");
        return;
    }
    for (size_t k = 0; k < nv && sh->x < 0; k++)
        if (sh->ax[varying[k]].numeric)
            sh->x = varying[k];
    if (sh->x < 0)
        sh->x = varying[0];
    if (s->mode == SWEEP_ZIP) {
        sh->kind = DRAW_LINES;
        for (size_t k = 0; k < nv; k++)
            if (varying[k] != sh->x)
                strbuf_printf(&sh->note, "%s%s", sh->note.len ? ", " : "zip: moving with ", sh->ax[varying[k]].name);
        strbuf_printf(&sh->what, "against %s", sh->ax[sh->x].name);
        return;
    }
    for (size_t k = 0; k < nv; k++)
        if (varying[k] != sh->x) {
            if (sh->fam < 0)
                sh->fam = varying[k];
            else
                sh->held[sh->n_held++] = varying[k];
        }
    sh->kind = sh->fam >= 0 && sh->ax[sh->fam].n > MAX_FAMILY ? DRAW_HEAT : DRAW_LINES;
    for (size_t k = 0; k < sh->n_held; k++) {
        const axis_values *h = &sh->ax[sh->held[k]];
        char b[64];
        strbuf_printf(&sh->note, "%s%s = %s", k ? ", " : "held at the first value: ", h->name,
                      value_text(h, 0, b, sizeof b));
    }
    if (sh->kind == DRAW_HEAT && sh->repeats > 1)
        strbuf_printf(&sh->note, "%smean of %zu repeats", sh->note.len ? "; " : "", sh->repeats);
    if (sh->kind == DRAW_HEAT)
        strbuf_printf(&sh->what, "a heat map over %s and %s", sh->ax[sh->x].name, sh->ax[sh->fam].name);
    else if (sh->fam >= 0)
        strbuf_printf(&sh->what, "against %s, one line per %s", sh->ax[sh->x].name, sh->ax[sh->fam].name);
    else
        strbuf_printf(&sh->what, "against %s", sh->ax[sh->x].name);
    if (sh->n_held > 0)
        strbuf_printf(&sh->what, "; %s", sh->note.s);
}

static void shape_free(sweep_shape *sh)
{
    for (size_t a = 0; sh->ax != NULL && a < sh->s->n_axes; a++) {
        free(sh->ax[a].label);
        free(sh->ax[a].num);
        free(sh->ax[a].of_point);
    }
    free(sh->ax);
    free(sh->held);
    free(sh->first_run);
    strbuf_destroy(&sh->note);
    strbuf_destroy(&sh->what);
}

/* The point is in the figure: every held axis at its first value. */
static int point_drawn(const sweep_shape *sh, size_t p)
{
    for (size_t k = 0; k < sh->n_held; k++)
        if (sh->ax[sh->held[k]].of_point[p] != 0)
            return 0;
    return 1;
}

/* ---- one metric's values ---------------------------------------------------------------------------------------- */

/* Its value in run i: NaN if the run failed or has none.  hint: where the previous run had it (rows of one
 * experiment list their metrics in the same order, so the search is one comparison). */
static double value_in(const sweep_file *f, size_t i, const char *name, size_t *hint)
{
    const sweep_row *r = f->rows[i];
    if (r == NULL || r->status != CIM_OK)
        return NAN;
    const exp_metrics *ms = &r->metrics;
    if (*hint < ms->n && strcmp(ms->m[*hint].name, name) == 0)
        return ms->m[*hint].value;
    for (size_t q = 0; q < ms->n; q++)
        if (strcmp(ms->m[q].name, name) == 0) {
            *hint = q;
            return ms->m[q].value;
        }
    return NAN;
}

/* Over a point's repeats: how many have a value, their mean, min and max. */
typedef struct point_stat {
    size_t n;
    double mean, lo, hi;
} point_stat;

typedef enum { USE_DRAW, SKIP_NONE, SKIP_CONSTANT, SKIP_ECHO } metric_use;

/* The metric's values per run (v) and per point (ps), and whether it is worth a figure. */
static metric_use metric_values(const sweep_file *f, const sweep_shape *sh, const char *name, double *v,
                                point_stat *ps)
{
    const sweep_spec *s = f->s;
    size_t hint = 0, n = 0;
    double first = NAN;
    int constant = 1;
    for (size_t i = 0; i < s->n_runs; i++) {
        v[i] = value_in(f, i, name, &hint);
        if (!isfinite(v[i])) { /* inf is no point on an axis either */
            v[i] = NAN;
            continue;
        }
        if (n++ == 0)
            first = v[i];
        constant &= v[i] == first;
    }
    if (n == 0)
        return SKIP_NONE;
    if (constant)
        return SKIP_CONSTANT;
    /* the same as a numeric axis's value in every run that has one: a line y = x */
    for (size_t a = 0; a < s->n_axes; a++) {
        int echo = sh->ax[a].numeric;
        for (size_t i = 0; i < s->n_runs && echo; i++)
            if (!isnan(v[i]))
                echo = fabs(v[i] - s->runs[i].num[a]) <= 1e-12 * fabs(s->runs[i].num[a]);
        if (echo)
            return SKIP_ECHO;
    }
    for (size_t p = 0; p < sh->n_points; p++)
        ps[p] = (point_stat){0, 0, HUGE_VAL, -HUGE_VAL};
    for (size_t i = 0; i < s->n_runs; i++)
        if (!isnan(v[i])) {
            point_stat *q = &ps[s->runs[i].point];
            q->n++;
            q->mean += v[i];
            q->lo = fmin(q->lo, v[i]);
            q->hi = fmax(q->hi, v[i]);
        }
    size_t drawn = 0;
    for (size_t p = 0; p < sh->n_points; p++) {
        ps[p].mean = ps[p].n > 0 ? ps[p].mean / (double)ps[p].n : NAN;
        drawn += ps[p].n > 0 && point_drawn(sh, p);
    }
    return drawn > 0 ? USE_DRAW : SKIP_NONE; /* values only where other axes are not at their first value */
}

/* ---- the figures ------------------------------------------------------------------------------------------------ */

/* The x position of value k of axis v (scaled by factor; a category: its index). */
static double pos_of(const axis_values *v, size_t k, double factor)
{
    return v->numeric ? v->num[k] * factor : (double)k;
}

/* Categories as tick labels: set <which>tics ("vteam" 0, "yakopcic" 1) and the range around them. */
static void category_tics(strbuf *b, const char *which, const axis_values *v)
{
    strbuf_printf(b, "set %stics noenhanced (", which);
    for (size_t k = 0; k < v->n; k++) {
        strbuf_puts(b, k ? ", " : "");
        gp_str(b, v->label[k]);
        strbuf_printf(b, " %zu", k);
    }
    strbuf_printf(b, ")\nset %srange [-0.5:%zu.5]\n", which, v->n - 1);
}

/* Ticks at the values of a numeric axis (few of them, each a point of the figure), labelled in the axis's unit
 * (on a log axis with their SI prefixes, as the decades of plot_log_tics are); with_range: a range a little wider. */
static void value_tics(strbuf *b, const char *which, const axis_values *v, const plot_axis *ax, int with_range)
{
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    strbuf_printf(b, "set %stics (", which);
    for (size_t k = 0; k < v->n; k++) {
        char t[64];
        double x = v->num[k] * ax->factor;
        if (ax->log && v->unit.prefixed)
            si_text(t, v->num[k] * v->unit.factor, v->unit.sym);
        else
            snprintf(t, sizeof t, "%.4g", x);
        strbuf_printf(b, "%s\"%s\" %.9g", k ? ", " : "", t, x);
        lo = fmin(lo, x), hi = fmax(hi, x);
    }
    strbuf_printf(b, ")\nunset m%stics\n", which);
    if (with_range && ax->log)
        strbuf_printf(b, "set %srange [%.9g:%.9g]\n", which, lo / pow(hi / lo, 0.05), hi * pow(hi / lo, 0.05));
    else if (with_range)
        strbuf_printf(b, "set %srange [%.9g:%.9g]\n", which, lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
}

/* The range of an axis's values over the drawn points (the x axis of a line figure: lo, hi in SI). */
static void axis_range(const sweep_shape *sh, const axis_values *v, const point_stat *ps, double *lo, double *hi)
{
    *lo = HUGE_VAL, *hi = -HUGE_VAL;
    for (size_t p = 0; p < sh->n_points; p++)
        if (ps[p].n > 0 && point_drawn(sh, p)) {
            double x = v->num[v->of_point[p]];
            *lo = fmin(*lo, x), *hi = fmax(*hi, x);
        }
}

typedef struct xy_row {
    double x, mean, lo, hi;
    size_t n;
} xy_row;

static int by_x(const void *a, const void *b)
{
    double x = ((const xy_row *)a)->x, y = ((const xy_row *)b)->x;
    return (x > y) - (x < y);
}

/* Lines: one data block per family value that has points ("x mean min max n", sorted by x), one line each. */
static int draw_lines(const sweep_shape *sh, const point_stat *ps, const char *metric, const char *path)
{
    const axis_values *xa = &sh->ax[sh->x], *fa = sh->fam >= 0 ? &sh->ax[sh->fam] : NULL;
    size_t n_fam = fa != NULL ? fa->n : 1;
    /* the metric's range over what is drawn, min .. max included when they are the error bars */
    double ylo = HUGE_VAL, yhi = -HUGE_VAL, ypos = HUGE_VAL, xlo, xhi;
    for (size_t p = 0; p < sh->n_points; p++)
        if (ps[p].n > 0 && point_drawn(sh, p)) {
            ylo = fmin(ylo, ps[p].lo), yhi = fmax(yhi, ps[p].hi);
            if (ps[p].lo > 0)
                ypos = fmin(ypos, ps[p].lo);
        }
    axis_range(sh, xa, ps, &xlo, &xhi);
    plot_axis x, y;
    axis_setup(&x, "x", xa->name, xa->unit, xlo, xhi, xa->log);
    axis_setup(&y, "y", metric, show_unit(exp_unit_of(metric)), ylo, yhi, metric_log(metric, ylo, yhi));
    int errors = sh->repeats > 1;

    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, path, 900, fa != NULL ? 680 : 600, data, &fp);
    if (st != CIM_OK)
        return st;
    xy_row *rows = xcalloc(sh->n_points + 1, sizeof *rows);
    size_t *block_of = xcalloc(n_fam, sizeof *block_of), n_blocks = 0;
    for (size_t k = 0; k < n_fam; k++) {
        size_t n = 0;
        for (size_t p = 0; p < sh->n_points; p++)
            if (ps[p].n > 0 && point_drawn(sh, p) && (fa == NULL || fa->of_point[p] == k))
                rows[n++] = (xy_row){pos_of(xa, xa->of_point[p], x.factor), ps[p].mean * y.factor,
                                     ps[p].lo * y.factor, ps[p].hi * y.factor, ps[p].n};
        if (n == 0) { /* a family value without values has no line (and no block: gnuplot counts blocks) */
            block_of[k] = (size_t)-1;
            continue;
        }
        qsort(rows, n, sizeof *rows, by_x);
        fprintf(fp, "# %s%s%s\n", fa != NULL ? fa->name : "", fa != NULL ? " = " : "", fa != NULL ? fa->label[k] : "");
        for (size_t r = 0; r < n; r++)
            fprintf(fp, "%.9g %.9g %.9g %.9g %zu\n", rows[r].x, rows[r].mean, rows[r].lo, rows[r].hi, rows[r].n);
        fputs("\n\n", fp);
        block_of[k] = n_blocks++;
    }
    fclose(fp);
    free(rows);

    strbuf b;
    strbuf_init(&b);
    strbuf_puts(&b, "set title ");
    put_title(&b, sh->s->x->name, metric, sh->note.s);
    strbuf_puts(&b, "set grid\nset key below noenhanced\nset xlabel ");
    gp_str(&b, x.label);
    strbuf_puts(&b, " noenhanced\nset ylabel ");
    gp_str(&b, y.label);
    strbuf_printf(&b, " noenhanced\n%s%s", x.setup, y.setup);
    if (!xa->numeric)
        category_tics(&b, "x", xa);
    else if (xa->n <= 10)
        value_tics(&b, "x", xa, &x, 1);
    if (fa != NULL && errors) {
        strbuf_printf(&b, "set key title \"mean of %zu repeats, bars: min .. max\"\n", sh->repeats);
    }
    strbuf_puts(&b, "plot ");
    int first = 1;
    for (size_t k = 0; k < n_fam; k++) {
        if (block_of[k] == (size_t)-1)
            continue;
        /* categories: the family's points side by side around each name, not on top of each other */
        char xcol[64] = "1";
        if (!xa->numeric && n_blocks > 1)
            snprintf(xcol, sizeof xcol, "($1%+.3f)", 0.3 * ((double)block_of[k] / (double)(n_blocks - 1) - 0.5));
        const char *style = xa->numeric ? (errors ? "yerrorlines" : "linespoints") : (errors ? "yerrorbars" : "points");
        strbuf_printf(&b, "%s'%s' index %zu using %s:2%s with %s pt 7 ps %s lw 1.5 lc rgb '%s' ", first ? "" : ", ",
                      data, block_of[k], xcol, errors ? ":3:4" : "", style, xa->numeric ? "0.9" : "1.4",
                      colour[k % (sizeof colour / sizeof *colour)]);
        first = 0;
        if (fa != NULL) {
            char v[64], t[800];
            snprintf(t, sizeof t, "%s = %s", fa->name, value_text(fa, k, v, sizeof v));
            strbuf_puts(&b, "title ");
            gp_str(&b, t);
        } else if (errors)
            strbuf_printf(&b, "title \"mean of %zu repeats, bars: min .. max\"", sh->repeats);
        else
            strbuf_puts(&b, "notitle");
    }
    strbuf_puts(&b, "\n");
    free(block_of);
    st = plot_figure_draw(&fg, b.s, data);
    strbuf_destroy(&b);
    return st;
}

/* The cell edges of an axis's values on a heat map: halfway between neighbours (geometrically on a log axis), the
 * outer edges as far out as the inner ones; categories: index +- 0.5.  edge[k], edge[k + 1] bound value k in sorted
 * order; order[k] is the value in that place. */
static void cell_edges(const axis_values *v, double factor, double *edge, size_t *order)
{
    size_t n = v->n;
    for (size_t k = 0; k < n; k++)
        order[k] = k;
    if (!v->numeric) {
        for (size_t k = 0; k <= n; k++)
            edge[k] = (double)k - 0.5;
        return;
    }
    for (size_t k = 1; k < n; k++) /* insertion sort: a handful of values */
        for (size_t j = k; j > 0 && v->num[order[j]] < v->num[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t k = 1; k < n; k++) {
        double a = v->num[order[k - 1]] * factor, b = v->num[order[k]] * factor;
        edge[k] = v->log ? sqrt(a * b) : 0.5 * (a + b);
    }
    double first = v->num[order[0]] * factor, last = v->num[order[n - 1]] * factor;
    edge[0] = v->log ? first * first / edge[1] : 2 * first - edge[1];
    edge[n] = v->log ? last * last / edge[n - 1] : 2 * last - edge[n - 1];
}

/* A heat map: a box per point of x and y ("x y xlo xhi ylo yhi mean"), coloured by the metric's mean. */
static int draw_heat(const sweep_shape *sh, const point_stat *ps, const char *metric, const char *path)
{
    const axis_values *xa = &sh->ax[sh->x], *ya = &sh->ax[sh->fam];
    double zlo = HUGE_VAL, zhi = -HUGE_VAL, xlo, xhi, ylo, yhi;
    for (size_t p = 0; p < sh->n_points; p++)
        if (ps[p].n > 0 && point_drawn(sh, p))
            zlo = fmin(zlo, ps[p].mean), zhi = fmax(zhi, ps[p].mean);
    axis_range(sh, xa, ps, &xlo, &xhi);
    axis_range(sh, ya, ps, &ylo, &yhi);
    plot_axis x, y, z;
    axis_setup(&x, "x", xa->name, xa->unit, xlo, xhi, xa->log);
    axis_setup(&y, "y", ya->name, ya->unit, ylo, yhi, ya->log);
    axis_setup(&z, "cb", metric, show_unit(exp_unit_of(metric)), zlo, zhi, metric_log(metric, zlo, zhi));
    double *xe = xcalloc(xa->n + 1, sizeof *xe), *ye = xcalloc(ya->n + 1, sizeof *ye);
    size_t *xo = xcalloc(xa->n, sizeof *xo), *yo = xcalloc(ya->n, sizeof *yo);
    size_t *xr = xcalloc(xa->n, sizeof *xr), *yr = xcalloc(ya->n, sizeof *yr); /* value -> sorted place */
    cell_edges(xa, x.factor, xe, xo);
    cell_edges(ya, y.factor, ye, yo);
    for (size_t k = 0; k < xa->n; k++)
        xr[xo[k]] = k;
    for (size_t k = 0; k < ya->n; k++)
        yr[yo[k]] = k;

    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, path, 900, 700, data, &fp);
    if (st == CIM_OK) {
        for (size_t p = 0; p < sh->n_points; p++)
            if (ps[p].n > 0 && point_drawn(sh, p)) {
                size_t i = xa->of_point[p], j = ya->of_point[p];
                fprintf(fp, "%.9g %.9g %.9g %.9g %.9g %.9g %.9g\n", pos_of(xa, i, x.factor), pos_of(ya, j, y.factor),
                        xe[xr[i]], xe[xr[i] + 1], ye[yr[j]], ye[yr[j] + 1], ps[p].mean * z.factor);
            }
        fclose(fp);
        strbuf b;
        strbuf_init(&b);
        strbuf_puts(&b, "set title ");
    put_title(&b, sh->s->x->name, metric, sh->note.s);
        strbuf_puts(&b, "set xlabel ");
        gp_str(&b, x.label);
        strbuf_puts(&b, " noenhanced\nset ylabel ");
        gp_str(&b, y.label);
        strbuf_puts(&b, " noenhanced\nset cblabel ");
        gp_str(&b, z.label);
        strbuf_printf(&b, " noenhanced\n%s%s%s", x.setup, y.setup, z.setup);
        if (!xa->numeric)
            category_tics(&b, "x", xa);
        else {
            strbuf_printf(&b, "set xrange [%.9g:%.9g]\n", xe[0], xe[xa->n]);
            if (xa->n <= 12)
                value_tics(&b, "x", xa, &x, 0);
        }
        if (!ya->numeric)
            category_tics(&b, "y", ya);
        else {
            strbuf_printf(&b, "set yrange [%.9g:%.9g]\n", ye[0], ye[ya->n]);
            if (ya->n <= 12)
                value_tics(&b, "y", ya, &y, 0);
        }
        /* viridis: ordered in lightness, readable in grey */
        strbuf_printf(&b, "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', "
                          "1 '#fde725')\nset tics out\nset key off\n"
                          "plot '%s' using 1:2:3:4:5:6:7 with boxxyerror fs solid 1.0 noborder lc palette notitle\n",
                      data);
        st = plot_figure_draw(&fg, b.s, data);
        strbuf_destroy(&b);
    }
    free(xe), free(ye), free(xo), free(yo), free(xr), free(yr);
    return st;
}

/* Random / lhs: a panel per axis, one dot per run ("x_1 .. x_n y", a column per panel). */
static int draw_scatter(const sweep_shape *sh, const double *v, const char *metric, const char *path)
{
    const sweep_spec *s = sh->s;
    double ylo = HUGE_VAL, yhi = -HUGE_VAL;
    for (size_t i = 0; i < s->n_runs; i++)
        if (!isnan(v[i]))
            ylo = fmin(ylo, v[i]), yhi = fmax(yhi, v[i]);
    plot_axis y, x[MAX_PANELS];
    axis_setup(&y, "y", metric, show_unit(exp_unit_of(metric)), ylo, yhi, metric_log(metric, ylo, yhi));
    for (size_t k = 0; k < sh->n_panels; k++) {
        const axis_values *a = &sh->ax[sh->panels[k]];
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (size_t j = 0; j < a->n; j++)
            lo = fmin(lo, a->num[j]), hi = fmax(hi, a->num[j]);
        axis_setup(&x[k], "x", a->name, a->unit, lo, hi, a->log);
    }
    size_t cols = sh->n_panels <= 3 ? sh->n_panels : sh->n_panels == 4 ? 2 : 3;
    size_t rows_ = (sh->n_panels + cols - 1) / cols;
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, path, cols == 1 ? 900 : (int)(520 * cols), (int)(460 * rows_ + 60), data, &fp);
    if (st != CIM_OK)
        return st;
    for (size_t i = 0; i < s->n_runs; i++)
        if (!isnan(v[i])) {
            const sweep_point *pt = &s->runs[i];
            for (size_t k = 0; k < sh->n_panels; k++) {
                const axis_values *a = &sh->ax[sh->panels[k]];
                fprintf(fp, "%.9g ", pos_of(a, a->of_point[pt->point], x[k].factor));
            }
            fprintf(fp, "%.9g\n", v[i] * y.factor);
        }
    fclose(fp);
    strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "set multiplot layout %zu,%zu title ", rows_, cols);
    put_title(&b, s->x->name, metric, sh->note.s);
    strbuf_puts(&b, "set grid\nset ylabel ");
    gp_str(&b, y.label);
    strbuf_printf(&b, " noenhanced\n%s", y.setup);
    for (size_t k = 0; k < sh->n_panels; k++) {
        const axis_values *a = &sh->ax[sh->panels[k]];
        strbuf_puts(&b, "unset logscale x\nset xtics autofreq\nunset mxtics\nset xrange [*:*]\nset xlabel ");
        gp_str(&b, x[k].label);
        strbuf_printf(&b, " noenhanced\n%s", x[k].setup);
        if (!a->numeric)
            category_tics(&b, "x", a);
        strbuf_printf(&b, "plot '%s' using %zu:%zu with points pt 7 ps 0.7 lc rgb '%s' notitle\n", data, k + 1,
                      sh->n_panels + 1, colour[0]);
    }
    strbuf_puts(&b, "unset multiplot\n");
    st = plot_figure_draw(&fg, b.s, data);
    strbuf_destroy(&b);
    return st;
}

/* ---- files and the summary -------------------------------------------------------------------------------------- */

/* PREFIX_<metric><tag>.<ext> into path (see the top of the file). */
static void figure_path(const char *prefix, const char *metric, const char *tag, char *path, size_t n)
{
    const char *ext = "png";
    size_t len = strlen(prefix);
    const char *dot = strrchr(prefix, '.'), *slash = strrchr(prefix, '/');
    if (dot != NULL && (slash == NULL || dot > slash) &&
        (strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".svg") == 0 || strcasecmp(dot, ".pdf") == 0)) {
        ext = dot + 1;
        len = (size_t)(dot - prefix);
    }
    int folder = len > 0 && prefix[len - 1] == '/';
    size_t m = (size_t)snprintf(path, n, "%.*s%s", (int)len, prefix, folder ? "" : "_");
    for (const char *c = metric; *c && m + 1 < n; c++) /* the name stays one file name in the folder */
        path[m++] = (strchr("/\\ \t\"'*?", *c) != NULL || (unsigned char)*c < 32) ? '_' : *c;
    if (m < n)
        snprintf(path + m, n - m, "%s.%s", tag, ext);
}

/* "a, b, c" (the first 8 names; then "and n more") */
static void name_list(strbuf *b, const char *const *names, size_t n)
{
    for (size_t k = 0; k < n && k < 8; k++)
        strbuf_printf(b, "%s%s", k ? ", " : "", names[k]);
    if (n > 8)
        strbuf_printf(b, " and %zu more", n - 8);
}

int cli_sweep_plot(const sweep_file *f, const char *prefix, FILE *out)
{
    const sweep_spec *s = f->s;
    sweep_shape sh;
    shape_of(s, &sh);
    if (sh.kind == DRAW_NOTHING) {
        if (out != NULL)
            fprintf(out, "sweep --plot: nothing varies over the sweep's %zu point%s: no figures\n", sh.n_points,
                     sh.n_points == 1 ? "" : "s");
        shape_free(&sh);
        return CIM_OK;
    }
    size_t n_failed = 0;
    for (size_t i = 0; i < s->n_runs; i++)
        n_failed += f->rows[i] == NULL || f->rows[i]->status != CIM_OK;
    if (n_failed > 0) /* the title says so: a line that stops early is not the model's doing */
        strbuf_printf(&sh.note, "%s%zu of %zu runs failed, left out", sh.note.len ? "; " : "", n_failed, s->n_runs);
    size_t nm;
    const char **names = sweep_file_metric_names(f, &nm);
    const char **skipped[4];
    size_t n_skipped[4] = {0, 0, 0, 0}; /* no value, constant, echo, over the limit */
    for (int k = 0; k < 4; k++)
        skipped[k] = xcalloc(nm + 1, sizeof **skipped);
    double *v = xcalloc(s->n_runs + 1, sizeof *v);
    point_stat *ps = xcalloc(sh.n_points + 1, sizeof *ps);
    char **written = xcalloc(nm + 1, sizeof *written);
    size_t n_written = 0;
    int st = CIM_OK;
    for (size_t q = 0; q < nm && st == CIM_OK; q++) {
        metric_use use = metric_values(f, &sh, names[q], v, ps);
        if (use == SKIP_NONE || use == SKIP_CONSTANT || use == SKIP_ECHO) {
            int k = use == SKIP_NONE ? 0 : use == SKIP_CONSTANT ? 1 : 2;
            skipped[k][n_skipped[k]++] = names[q];
            continue;
        }
        if (n_written == MAX_FIGURES) {
            skipped[3][n_skipped[3]++] = names[q];
            continue;
        }
        char path[4200];
        figure_path(prefix, names[q], "", path, sizeof path);
        for (size_t w = 0; w < n_written; w++)
            if (strcmp(written[w], path) == 0) { /* two names the same once cleaned: the later one numbered */
                char tag[32];
                snprintf(tag, sizeof tag, "_%zu", q);
                figure_path(prefix, names[q], tag, path, sizeof path);
            }
        st = sh.kind == DRAW_LINES  ? draw_lines(&sh, ps, names[q], path)
             : sh.kind == DRAW_HEAT ? draw_heat(&sh, ps, names[q], path)
                                    : draw_scatter(&sh, v, names[q], path);
        if (st == CIM_OK)
            written[n_written++] = xstrdup(path);
    }
    if (st == CIM_OK && out != NULL) {
        fprintf(out, "sweep --plot: %zu figure%s, each metric %s\n", n_written, n_written == 1 ? "" : "s", sh.what.s);
        for (size_t w = 0; w < n_written; w++)
            fprintf(out, "  wrote %s\n", written[w]);
        static const char *const why[4] = {"no value in any run drawn", "the same in every run",
                                           "repeating a swept value", "over the limit of 40 figures"};
        size_t total = n_skipped[0] + n_skipped[1] + n_skipped[2] + n_skipped[3];
        if (total > 0) {
            strbuf b;
            strbuf_init(&b);
            strbuf_printf(&b, "  not drawn: %zu metric%s:", total, total == 1 ? "" : "s");
            for (int k = 0, first = 1; k < 4; k++)
                if (n_skipped[k] > 0) {
                    strbuf_printf(&b, "%s %s (", first ? "" : ";", why[k]);
                    name_list(&b, skipped[k], n_skipped[k]);
                    strbuf_puts(&b, ")");
                    first = 0;
                }
            fprintf(out, "%s\n", b.s);
            strbuf_destroy(&b);
        }
    }
    for (size_t w = 0; w < n_written; w++)
        free(written[w]);
    free(written);
    for (int k = 0; k < 4; k++)
        free(skipped[k]);
    free(names);
    free(v);
    free(ps);
    shape_free(&sh);
    return st;
}

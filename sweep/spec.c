/* sweep/spec.c -- reading a sweep spec, expanding its points and checking every point's configuration. */
#include "sweep/spec.h"

#include "sweep/row.h"

#include "core/cfg.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/version.h"
#include "core/xalloc.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most runs a sweep expands to: a typo in a grid (logspace n = 1e6) should be an error, not a week of work. */
#define SWEEP_MAX_RUNS 10000000

static const char *const mode_names[] = {"grid", "zip", "random", "lhs", NULL};
static const char *const sweep_keys[] = {"mode", "points", "repeats", "seeds", "metrics", "axes", NULL};
static const char *const axis_keys[] = {"key", "values", "linspace", "logspace", "n", "uniform", "loguniform", NULL};

static char *xstrdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xstrdupf(const char *fmt, ...)
{
    strbuf b;
    strbuf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    strbuf_puts(&b, tmp);
    return b.s;
}

static int line_of(const config_setting_t *st) { return st != NULL ? config_setting_source_line(st) : 0; }

static int err_at(const sweep_spec *s, const config_setting_t *st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int err_at(const sweep_spec *s, const config_setting_t *st, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = st != NULL && config_setting_source_file(st) ? config_setting_source_file(st) : s->file;
    if (line_of(st) > 0)
        return cim_error(CIM_ECONFIG, "%s:%d: %s", file, line_of(st), msg);
    return cim_error(CIM_ECONFIG, "%s: %s", file, msg);
}

static void fmt_real(char *buf, size_t n, double x) { sweep_fmt_real(buf, n, x); }

/* ---- the axis values ------------------------------------------------------------------------------------------ */

typedef struct axis_values {
    size_t n;
    char **text;   /* config syntax */
    char **label;  /* as shown */
    double *num;
} axis_values;

static void values_push(axis_values *v, char *text, char *label, double num)
{
    v->text = xrealloc(v->text, (v->n + 1) * sizeof *v->text);
    v->label = xrealloc(v->label, (v->n + 1) * sizeof *v->label);
    v->num = xrealloc(v->num, (v->n + 1) * sizeof *v->num);
    v->text[v->n] = text;
    v->label[v->n] = label;
    v->num[v->n] = num;
    v->n++;
}

static void values_free(axis_values *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->text[i]);
        free(v->label[i]);
    }
    free(v->text);
    free(v->label);
    free(v->num);
    memset(v, 0, sizeof *v);
}

/* A number for a key of kind `kind` (the first key's): integers must be whole. */
static int push_number(const sweep_spec *s, const config_setting_t *where, const char *key, param_kind kind, double x,
                       axis_values *v)
{
    char buf[64];
    if (kind == PARAM_INT) {
        double r = nearbyint(x);
        if (fabs(x - r) > 1e-9 * fmax(1.0, fabs(x)))
            return err_at(s, where, "sweep axis %s: %.17g is not a whole number, and %s is an integer key", key, x, key);
        snprintf(buf, sizeof buf, "%.0f", r);
        values_push(v, xstrdup(buf), xstrdup(buf), r);
        return CIM_OK;
    }
    if (kind != PARAM_REAL)
        return err_at(s, where, "sweep axis %s: %s takes %s, not numbers", key, key,
                      kind == PARAM_BOOL ? "true or false" : kind == PARAM_REALS ? "lists of numbers" : "strings");
    fmt_real(buf, sizeof buf, x);
    values_push(v, xstrdup(buf), xstrdup(buf), x);
    return CIM_OK;
}

static int read_range(const sweep_spec *s, const config_setting_t *a, const char *name, size_t want, double *out)
{
    config_setting_t *r = config_setting_get_member(a, name);
    int n = config_setting_length(r);
    if ((!config_setting_is_array(r) && !config_setting_is_list(r)) || n != (int)want)
        return err_at(s, r, "sweep.axes: %s = [%s]: expected %zu numbers", name,
                      strstr(name, "space") ? "first, last" : "lo, hi", want);
    for (int i = 0; i < n; i++) {
        config_setting_t *e = config_setting_get_elem(r, (unsigned)i);
        int t = config_setting_type(e);
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 && t != CONFIG_TYPE_FLOAT)
            return err_at(s, r, "sweep.axes: %s: element %d is not a number", name, i + 1);
        out[i] = config_setting_get_float(e);
        if (t != CONFIG_TYPE_FLOAT)
            out[i] = (double)config_setting_get_int64(e);
        if (!isfinite(out[i]))
            return err_at(s, r, "sweep.axes: %s: element %d is not finite", name, i + 1);
    }
    return CIM_OK;
}

/* The value of one element of `values` as config syntax for a key of kind `kind`. */
static int push_element(const sweep_spec *s, const config_setting_t *vals, const config_setting_t *e, const char *key,
                        const param_spec *p, axis_values *v)
{
    int t = config_setting_type(e);
    switch (t) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return push_number(s, vals, key, p->kind, (double)config_setting_get_int64(e), v);
    case CONFIG_TYPE_FLOAT: return push_number(s, vals, key, p->kind, config_setting_get_float(e), v);
    case CONFIG_TYPE_BOOL:
        if (p->kind != PARAM_BOOL)
            return err_at(s, vals, "sweep axis %s: true/false given, but %s is not a boolean key", key, key);
        values_push(v, xstrdup(config_setting_get_bool(e) ? "true" : "false"),
                    xstrdup(config_setting_get_bool(e) ? "true" : "false"), config_setting_get_bool(e));
        return CIM_OK;
    case CONFIG_TYPE_STRING: {
        if (p->kind != PARAM_STRING && p->kind != PARAM_CHOICE)
            return err_at(s, vals, "sweep axis %s: the string \"%s\" given, but %s takes %s", key,
                          config_setting_get_string(e), key, p->kind == PARAM_BOOL ? "true or false" : "numbers");
        const char *str = config_setting_get_string(e);
        if (strchr(str, '"') != NULL || strchr(str, ',') != NULL || strchr(str, '\n') != NULL)
            return err_at(s, vals, "sweep axis %s: the value \"%s\" may not contain quotes, commas or newlines", key, str);
        values_push(v, xstrdupf("\"%s\"", str), xstrdup(str), NAN);
        return CIM_OK;
    }
    case CONFIG_TYPE_ARRAY:
    case CONFIG_TYPE_LIST: {
        if (p->kind != PARAM_REALS)
            return err_at(s, vals, "sweep axis %s: a list given as one value, but %s is not a list key", key, key);
        strbuf b, l;
        strbuf_init(&b);
        strbuf_init(&l);
        int n = config_setting_length(e);
        strbuf_puts(&b, "[");
        for (int i = 0; i < n; i++) {
            const config_setting_t *x = config_setting_get_elem(e, (unsigned)i);
            int tx = config_setting_type(x);
            if (tx != CONFIG_TYPE_INT && tx != CONFIG_TYPE_INT64 && tx != CONFIG_TYPE_FLOAT) {
                strbuf_destroy(&b);
                strbuf_destroy(&l);
                return err_at(s, vals, "sweep axis %s: element %d of a list value is not a number", key, i + 1);
            }
            double d = tx == CONFIG_TYPE_FLOAT ? config_setting_get_float(x) : (double)config_setting_get_int64(x);
            char buf[64];
            fmt_real(buf, sizeof buf, d);
            strbuf_printf(&b, "%s%s", i ? "," : "", buf);
            strbuf_printf(&l, "%s%s", i ? " " : "", buf);
        }
        strbuf_puts(&b, "]");
        values_push(v, b.s, l.s, NAN);
        return CIM_OK;
    }
    default: return err_at(s, vals, "sweep axis %s: values must be numbers, booleans, strings or lists", key);
    }
}

/* ---- reading the sweep group ------------------------------------------------------------------------------------- */

static int check_members(const sweep_spec *s, const config_setting_t *g, const char *const *known, const char *what)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        int ok = 0;
        for (size_t k = 0; known[k] && !ok; k++)
            ok = strcmp(known[k], name) == 0;
        if (!ok) {
            strbuf b;
            strbuf_init(&b);
            for (size_t k = 0; known[k]; k++)
                strbuf_printf(&b, "%s%s", k ? ", " : "", known[k]);
            int st = err_at(s, m, "%s.%s: unknown key; %s has %s", what, name, what, b.s);
            strbuf_destroy(&b);
            return st;
        }
    }
    return CIM_OK;
}

static int get_count(const sweep_spec *s, const config_setting_t *g, const char *name, long long lo, long long dflt,
                     long long *out)
{
    config_setting_t *m = config_setting_get_member(g, name);
    *out = dflt;
    if (m == NULL)
        return CIM_OK;
    int t = config_setting_type(m);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return err_at(s, m, "sweep.%s: expected an integer", name);
    *out = config_setting_get_int64(m);
    if (*out < lo || *out > SWEEP_MAX_RUNS)
        return err_at(s, m, "sweep.%s = %lld: expected an integer in [%lld, %d]", name, *out, lo, SWEEP_MAX_RUNS);
    return CIM_OK;
}

/* The resolved base run: every axis key must be one the experiment reads (for its model when device.model is
 * swept: then the points' own loads check it). */
typedef struct parsed_axis {
    const config_setting_t *st;
    const config_setting_t *vals; /* the value member */
    const char *how;              /* values, linspace, ... */
    axis_values v;
} parsed_axis;

static const param_spec *key_spec(const sweep_spec *s, const exp_run *base, const config_setting_t *where,
                                  const char *key, int *st)
{
    const param_spec *p = cfg_find_spec(&base->c, key);
    *st = CIM_OK;
    if (p != NULL)
        return p;
    /* A key of a group bound only for some values of another swept key (device.<model>.x with device.model swept)
     * is checked when each point loads; here the key must at least be a key of some experiment's tables.  Without
     * that, name what the experiment reads. */
    const char *hint = cfg_suggest(&base->c, key);
    if (hint != NULL)
        *st = err_at(s, where, "sweep axis %s: the %s experiment has no key %s; did you mean %s?", key, s->x->name, key,
                     hint);
    else
        *st = err_at(s, where,
                     "sweep axis %s: the %s experiment does not read %s (`cimsim config --docs` lists the keys each "
                     "experiment reads)",
                     key, s->x->name, key);
    return NULL;
}

static int parse_axis(sweep_spec *s, const exp_run *base, const config_setting_t *a, size_t ia, parsed_axis *pa)
{
    sweep_axis *ax = &s->axes[ia];
    ax->line = line_of(a);
    pa->st = a;
    if (!config_setting_is_group(a))
        return err_at(s, a, "sweep.axes: element %zu: expected a group { key = \"...\"; values = [...]; }", ia + 1);
    int st = check_members(s, a, axis_keys, "sweep.axes");
    if (st != CIM_OK)
        return st;
    config_setting_t *k = config_setting_get_member(a, "key");
    if (k == NULL)
        return err_at(s, a, "sweep.axes: element %zu has no key = \"group.key\";", ia + 1);
    if (config_setting_type(k) == CONFIG_TYPE_STRING) {
        ax->n_keys = 1;
        ax->keys = xcalloc(1, sizeof *ax->keys);
        ax->keys[0] = xstrdup(config_setting_get_string(k));
    } else if (config_setting_is_array(k) && config_setting_length(k) > 0 &&
               config_setting_type(config_setting_get_elem(k, 0)) == CONFIG_TYPE_STRING) {
        ax->n_keys = (size_t)config_setting_length(k);
        ax->keys = xcalloc(ax->n_keys, sizeof *ax->keys);
        for (size_t i = 0; i < ax->n_keys; i++)
            ax->keys[i] = xstrdup(config_setting_get_string_elem(k, (int)i));
    } else
        return err_at(s, k, "sweep.axes: key: expected a key path (\"crossbar.rows\") or a list of them");
    /* Every key must be read by the experiment, and all of one axis must be of one kind. */
    const param_spec *p0 = NULL;
    for (size_t i = 0; i < ax->n_keys; i++) {
        for (size_t j = 0; j < ia; j++)
            for (size_t kk = 0; kk < s->axes[j].n_keys; kk++)
                if (strcmp(s->axes[j].keys[kk], ax->keys[i]) == 0)
                    return err_at(s, k, "sweep axis %s: the key is swept twice (also on line %d)", ax->keys[i],
                                  s->axes[j].line);
        if (strcmp(ax->keys[i], "run.seed") == 0)
            return err_at(s, k, "sweep axis run.seed: seeds are not swept; use sweep.repeats (each repeat has its own "
                                "seed)");
        if (strcmp(ax->keys[i], "experiment") == 0)
            return err_at(s, k, "sweep axis experiment: a sweep runs one experiment; sweep its keys instead");
        for (size_t j = 0; j < s->n_sets; j++) {
            size_t n = strlen(ax->keys[i]);
            if (strncmp(s->sets[j], ax->keys[i], n) == 0 && (s->sets[j][n] == '=' || s->sets[j][n] == ' '))
                return err_at(s, k, "sweep axis %s: --set %s overrides a swept key", ax->keys[i], s->sets[j]);
        }
        const param_spec *p = key_spec(s, base, k, ax->keys[i], &st);
        if (st != CIM_OK)
            return st;
        if (p0 != NULL && p->kind != p0->kind)
            return err_at(s, k, "sweep axis: %s and %s are keys of different types and cannot take the same values",
                          ax->keys[0], ax->keys[i]);
        if (p0 == NULL)
            p0 = p;
    }
    ax->unit = p0->unit != NULL ? p0->unit : "";
    ax->is_int = p0->kind == PARAM_INT;
    const char *hows[] = {"values", "linspace", "logspace", "uniform", "loguniform"};
    int found = -1;
    for (int i = 0; i < 5; i++)
        if (config_setting_get_member(a, hows[i]) != NULL) {
            if (found >= 0)
                return err_at(s, a, "sweep axis %s: both %s and %s given; give one", ax->keys[0], hows[found], hows[i]);
            found = i;
        }
    if (config_setting_get_member(a, "n") != NULL && found != 1 && found != 2)
        return err_at(s, config_setting_get_member(a, "n"), "sweep axis %s: n counts the values of linspace or logspace",
                      ax->keys[0]);
    if (found < 0)
        return err_at(s, a, "sweep axis %s: no values; give values = [...], or linspace or logspace = [first, last] "
                            "with n = <count>%s",
                      ax->keys[0], s->mode >= SWEEP_RANDOM ? ", uniform = [lo, hi] or loguniform = [lo, hi]" : "");
    pa->how = hows[found];
    pa->vals = config_setting_get_member(a, pa->how);
    const char *key = ax->keys[0];
    if (found == 0) {
        ax->scale = SWEEP_LIST;
        const config_setting_t *vals = pa->vals;
        if (!config_setting_is_aggregate(vals) || config_setting_is_group(vals))
            return err_at(s, vals, "sweep axis %s: values: expected a list [v1, v2, ...]", key);
        int n = config_setting_length(vals);
        if (n == 0)
            return err_at(s, vals, "sweep axis %s: values is empty", key);
        for (int i = 0; i < n; i++)
            if ((st = push_element(s, vals, config_setting_get_elem(vals, (unsigned)i), key, p0, &pa->v)) != CIM_OK)
                return st;
    } else if (found <= 2) {
        double r[2];
        if ((st = read_range(s, a, pa->how, 2, r)) != CIM_OK)
            return st;
        ax->scale = found == 1 ? SWEEP_LINEAR : SWEEP_LOG;
        const config_setting_t *ns = config_setting_get_member(a, "n");
        int tn = ns != NULL ? config_setting_type(ns) : CONFIG_TYPE_NONE;
        if (ns == NULL || (tn != CONFIG_TYPE_INT && tn != CONFIG_TYPE_INT64))
            return err_at(s, ns != NULL ? ns : pa->vals, "sweep axis %s: %s = [first, last] needs n = <how many values>;",
                          key, pa->how);
        long long nn = config_setting_get_int64(ns);
        if (nn < 1 || nn > SWEEP_MAX_RUNS)
            return err_at(s, ns, "sweep axis %s: n = %lld: expected an integer in [1, %d]", key, nn, SWEEP_MAX_RUNS);
        size_t n = (size_t)nn;
        if (found == 2 && (r[0] <= 0 || r[1] <= 0))
            return err_at(s, pa->vals, "sweep axis %s: logspace = [%g, %g]: first and last must be > 0 (they are the "
                                       "values, not exponents)", key, r[0], r[1]);
        if (n == 1 && r[0] != r[1])
            return err_at(s, ns, "sweep axis %s: %s with n = 1 but first != last", key, pa->how);
        if (n > 1 && r[0] == r[1])
            return err_at(s, pa->vals, "sweep axis %s: %s from %g to %g: an empty range", key, pa->how, r[0], r[1]);
        for (size_t i = 0; i < n; i++) {
            double t = n > 1 ? (double)i / (double)(n - 1) : 0;
            double x = found == 1 ? r[0] + t * (r[1] - r[0]) : r[0] * pow(r[1] / r[0], t);
            if (i == n - 1)
                x = r[1];
            if ((st = push_number(s, pa->vals, key, p0->kind, x, &pa->v)) != CIM_OK)
                return st;
        }
    } else {
        if (s->mode < SWEEP_RANDOM)
            return err_at(s, pa->vals, "sweep axis %s: %s is a range to sample; mode \"%s\" needs values, linspace or "
                                       "logspace (or set mode = \"random\" or \"lhs\")",
                          key, pa->how, mode_names[s->mode]);
        double r[2];
        if ((st = read_range(s, a, pa->how, 2, r)) != CIM_OK)
            return st;
        if (!(r[0] < r[1]))
            return err_at(s, pa->vals, "sweep axis %s: %s = [%g, %g]: an empty range (need lo < hi)", key, pa->how, r[0],
                          r[1]);
        if (found == 4 && r[0] <= 0)
            return err_at(s, pa->vals, "sweep axis %s: loguniform = [%g, %g]: lo must be > 0", key, r[0], r[1]);
        if (p0->kind != PARAM_REAL && p0->kind != PARAM_INT)
            return err_at(s, pa->vals, "sweep axis %s: %s samples numbers, but %s is not a number key", key, pa->how, key);
        ax->scale = found == 3 ? SWEEP_LINEAR : SWEEP_LOG;
        ax->lo = r[0];
        ax->hi = r[1];
    }
    /* Duplicates (an integer linspace that rounds two values together) would run the same point twice; a zip may
     * repeat a value on one axis (its points are checked whole in expand). */
    for (size_t i = 0; i < pa->v.n && s->mode != SWEEP_ZIP; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(pa->v.text[i], pa->v.text[j]) == 0)
                return err_at(s, pa->vals, "sweep axis %s: the value %s appears twice", key, pa->v.label[i]);
    ax->n_values = pa->v.n;
    ax->value_text = pa->v.n ? xcalloc(pa->v.n, sizeof *ax->value_text) : NULL;
    for (size_t i = 0; i < pa->v.n; i++)
        ax->value_text[i] = xstrdup(pa->v.text[i]);
    ax->numeric = 1;
    for (size_t i = 0; i < pa->v.n; i++)
        if (isnan(pa->v.num[i]))
            ax->numeric = 0;
    return CIM_OK;
}

/* ---- expansion ------------------------------------------------------------------------------------------------- */

static void point_set(sweep_point *pt, size_t ia, const axis_values *v, size_t k)
{
    pt->value_text[ia] = xstrdup(v->text[k]);
    pt->label[ia] = xstrdup(v->label[k]);
    pt->num[ia] = v->num[k];
}

static void point_set_drawn(sweep_point *pt, size_t ia, const sweep_axis *ax, double u)
{
    double x = ax->scale == SWEEP_LOG ? exp(log(ax->lo) + u * (log(ax->hi) - log(ax->lo))) : ax->lo + u * (ax->hi - ax->lo);
    char buf[64];
    if (ax->is_int) {
        /* whole numbers lo..hi, each with equal probability: floor over [lo, hi + 1) */
        double xi = ax->scale == SWEEP_LOG ? nearbyint(x) : floor(ax->lo + u * (ax->hi - ax->lo + 1.0));
        x = fmin(fmax(xi, ceil(ax->lo)), floor(ax->hi));
        snprintf(buf, sizeof buf, "%.0f", x);
    } else
        fmt_real(buf, sizeof buf, x);
    pt->value_text[ia] = xstrdup(buf);
    pt->label[ia] = xstrdup(buf);
    pt->num[ia] = x;
}

static void alloc_point(sweep_point *pt, size_t n_axes)
{
    pt->value_text = xcalloc(n_axes ? n_axes : 1, sizeof *pt->value_text);
    pt->label = xcalloc(n_axes ? n_axes : 1, sizeof *pt->label);
    pt->num = xcalloc(n_axes ? n_axes : 1, sizeof *pt->num);
}

static void free_point(sweep_point *pt, size_t n_axes)
{
    for (size_t a = 0; a < n_axes; a++) {
        free(pt->value_text[a]);
        free(pt->label[a]);
    }
    free(pt->value_text);
    free(pt->label);
    free(pt->num);
}

/* Points (one repeat each) into pts; n_points set. */
static int expand(sweep_spec *s, parsed_axis *pa, sweep_point **out, size_t *n_out, const config_setting_t *where)
{
    size_t n = 1;
    if (s->mode == SWEEP_GRID) {
        for (size_t a = 0; a < s->n_axes; a++) {
            if (pa[a].v.n > 0 && n > (size_t)SWEEP_MAX_RUNS / pa[a].v.n)
                return err_at(s, where, "sweep: the grid has more than %d points", SWEEP_MAX_RUNS);
            n *= pa[a].v.n;
        }
    } else if (s->mode == SWEEP_ZIP) {
        n = s->n_axes ? pa[0].v.n : 1;
        for (size_t a = 1; a < s->n_axes; a++)
            if (pa[a].v.n != n)
                return err_at(s, pa[a].st,
                              "sweep: zip takes the i-th value of every axis together, so the axes need as many values: "
                              "%s has %zu (line %d), %s has %zu (line %d)",
                              s->axes[0].keys[0], n, s->axes[0].line, s->axes[a].keys[0], pa[a].v.n, s->axes[a].line);
    } else
        n = s->n_draws;
    if (n * s->repeats > SWEEP_MAX_RUNS)
        return err_at(s, where, "sweep: %zu points x %zu repeats is more than %d runs", n, s->repeats, SWEEP_MAX_RUNS);
    sweep_point *pts = xcalloc(n ? n : 1, sizeof *pts);
    for (size_t p = 0; p < n; p++)
        alloc_point(&pts[p], s->n_axes);
    if (s->mode == SWEEP_GRID) {
        for (size_t p = 0; p < n; p++) {
            size_t rest = p;
            for (size_t a = s->n_axes; a-- > 0;) { /* the first axis varies slowest, like nested loops */
                point_set(&pts[p], a, &pa[a].v, rest % pa[a].v.n);
                rest /= pa[a].v.n;
            }
        }
    } else if (s->mode == SWEEP_ZIP) {
        for (size_t p = 0; p < n; p++)
            for (size_t a = 0; a < s->n_axes; a++)
                point_set(&pts[p], a, &pa[a].v, p);
        for (size_t p = 0; p < n; p++)
            for (size_t q = 0; q < p; q++) {
                size_t a = 0;
                while (a < s->n_axes && strcmp(pts[p].value_text[a], pts[q].value_text[a]) == 0)
                    a++;
                if (a == s->n_axes) {
                    for (size_t k = 0; k < n; k++)
                        free_point(&pts[k], s->n_axes);
                    free(pts);
                    return err_at(s, where, "sweep: zip points %zu and %zu are the same point (the %zu-th and %zu-th "
                                            "values of every axis are equal)", q, p, q + 1, p + 1);
                }
            }
    } else {
        gsl_rng *r = rng_alloc((uint64_t)s->run_seed, "sweep.sample");
        size_t *perm = xcalloc(n, sizeof *perm);
        for (size_t a = 0; a < s->n_axes; a++) {
            for (size_t p = 0; p < n; p++)
                perm[p] = p;
            if (s->mode == SWEEP_LHS)
                gsl_ran_shuffle(r, perm, n, sizeof *perm);
            for (size_t p = 0; p < n; p++) {
                double u = gsl_rng_uniform(r);
                if (s->mode == SWEEP_LHS)
                    u = ((double)perm[p] + u) / (double)n; /* one point per stratum [k/n, (k+1)/n) */
                if (pa[a].v.n > 0) {
                    size_t k = (size_t)(u * (double)pa[a].v.n);
                    point_set(&pts[p], a, &pa[a].v, k < pa[a].v.n ? k : pa[a].v.n - 1);
                } else
                    point_set_drawn(&pts[p], a, &s->axes[a], u);
            }
        }
        free(perm);
        rng_free(r);
    }
    *out = pts;
    *n_out = n;
    return CIM_OK;
}

/* ---- seeds, overrides -------------------------------------------------------------------------------------------- */

static long long run_seed_of(const sweep_spec *s, const sweep_point *pt, size_t repeat)
{
    strbuf b;
    strbuf_init(&b);
    strbuf_puts(&b, "sweep/");
    if (!s->common_seeds)
        for (size_t a = 0; a < s->n_axes; a++)
            for (size_t k = 0; k < s->axes[a].n_keys; k++)
                strbuf_printf(&b, "%s=%s;", s->axes[a].keys[k], pt->value_text[a]);
    strbuf_printf(&b, "/%zu", repeat);
    uint64_t seed = rng_stream_seed((uint64_t)s->run_seed, b.s);
    strbuf_destroy(&b);
    return (long long)(seed & ((1ULL << 53) - 1)); /* run.seed's range: [0, 2^53] */
}

char **sweep_run_sets(const sweep_spec *s, size_t i, size_t *n)
{
    const sweep_point *pt = &s->runs[i];
    size_t m = s->n_sets + 1;
    for (size_t a = 0; a < s->n_axes; a++)
        m += s->axes[a].n_keys;
    char **sets = xcalloc(m, sizeof *sets);
    size_t k = 0;
    for (size_t j = 0; j < s->n_sets; j++)
        sets[k++] = xstrdup(s->sets[j]);
    for (size_t a = 0; a < s->n_axes; a++)
        for (size_t q = 0; q < s->axes[a].n_keys; q++)
            sets[k++] = xstrdupf("%s=%s", s->axes[a].keys[q], pt->value_text[a]);
    sets[k++] = xstrdupf("run.seed=%lld", pt->seed);
    *n = k;
    return sets;
}

void sweep_sets_free(char **sets, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(sets[i]);
    free(sets);
}

size_t sweep_n_key_columns(const sweep_spec *s)
{
    size_t n = 0;
    for (size_t a = 0; a < s->n_axes; a++)
        n += s->axes[a].n_keys;
    return n;
}

const char *sweep_key_column(const sweep_spec *s, size_t k, size_t *axis)
{
    for (size_t a = 0; a < s->n_axes; a++) {
        if (k < s->axes[a].n_keys) {
            if (axis)
                *axis = a;
            return s->axes[a].keys[k];
        }
        k -= s->axes[a].n_keys;
    }
    return NULL;
}

const char *sweep_describe(const sweep_spec *s, char *buf, size_t n)
{
    size_t points = s->n_runs / s->repeats;
    int w = 0;
    if (s->mode == SWEEP_GRID && s->n_axes > 0) {
        w = snprintf(buf, n, "grid ");
        for (size_t a = 0; a < s->n_axes && w >= 0 && (size_t)w < n; a++)
            w += snprintf(buf + w, n - (size_t)w, "%s%zu", a ? " x " : "", s->axes[a].n_values);
        if (w >= 0 && (size_t)w < n)
            w += snprintf(buf + w, n - (size_t)w, " = %zu point%s", points, points == 1 ? "" : "s");
    } else
        w = snprintf(buf, n, "%s, %zu point%s", mode_names[s->mode], points, points == 1 ? "" : "s");
    if (w >= 0 && (size_t)w < n)
        snprintf(buf + w, n - (size_t)w, ", %zu repeat%s: %zu run%s", s->repeats, s->repeats == 1 ? "" : "s", s->n_runs,
                 s->n_runs == 1 ? "" : "s");
    return buf;
}

/* ---- loading -------------------------------------------------------------------------------------------------- */

/* Rewrites a point's load error so it names the sweep file's axis: "--set crossbar.rows=0: ..." -> "FILE:LINE: sweep
 * axis crossbar.rows = 0: ...". */
static int point_error(const sweep_spec *s, size_t p, int st)
{
    const char *msg = cim_errmsg();
    for (size_t a = 0; a < s->n_axes; a++)
        for (size_t k = 0; k < s->axes[a].n_keys; k++) {
            char pre[1200];
            snprintf(pre, sizeof pre, "--set %s=%s: ", s->axes[a].keys[k], s->runs[p].value_text[a]);
            if (strncmp(msg, pre, strlen(pre)) == 0) {
                char rest[3000];
                snprintf(rest, sizeof rest, "%s", msg + strlen(pre));
                return cim_error(st, "%s:%d: sweep axis %s = %s (point %zu): %s", s->file, s->axes[a].line,
                                 s->axes[a].keys[k], s->runs[p].label[a], s->runs[p].point, rest);
            }
        }
    char rest[3000];
    snprintf(rest, sizeof rest, "%s", msg);
    strbuf b;
    strbuf_init(&b);
    for (size_t a = 0; a < s->n_axes; a++)
        strbuf_printf(&b, "%s%s = %s", a ? ", " : "", s->axes[a].keys[0], s->runs[p].label[a]);
    int r = cim_error(st, "%s (sweep point %zu: %s)", rest, s->runs[p].point, b.s);
    strbuf_destroy(&b);
    return r;
}

static void spec_text(sweep_spec *s)
{
    strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "mode = %s; repeats = %zu; seeds = %s", mode_names[s->mode], s->repeats,
                  s->common_seeds ? "common" : "per_point");
    if (s->mode >= SWEEP_RANDOM)
        strbuf_printf(&b, "; points = %zu", s->n_draws);
    strbuf_puts(&b, "\nmetrics = ");
    if (s->n_metrics == 0)
        strbuf_puts(&b, "all");
    for (size_t i = 0; i < s->n_metrics; i++)
        strbuf_printf(&b, "%s%s", i ? ", " : "", s->metrics[i]);
    for (size_t a = 0; a < s->n_axes; a++) {
        const sweep_axis *ax = &s->axes[a];
        strbuf_puts(&b, "\naxis ");
        for (size_t k = 0; k < ax->n_keys; k++)
            strbuf_printf(&b, "%s%s", k ? " = " : "", ax->keys[k]);
        if (ax->n_values > 0) {
            strbuf_puts(&b, ":");
            for (size_t i = 0; i < ax->n_values; i++)
                strbuf_printf(&b, " %s", ax->value_text[i]);
        } else
            strbuf_printf(&b, ": %s [%.17g, %.17g]%s", ax->scale == SWEEP_LOG ? "loguniform" : "uniform", ax->lo, ax->hi,
                          ax->is_int ? " (integers)" : "");
    }
    for (size_t j = 0; j < s->n_sets; j++)
        strbuf_printf(&b, "\n--set %s", s->sets[j]);
    s->spec_text = b.s;
}

static void compute_hash(sweep_spec *s)
{
    uint64_t h = RNG_FNV_OFFSET;
    h = rng_fnv1a64(h, CIM_VERSION, strlen(CIM_VERSION) + 1);
    h = rng_fnv1a64(h, s->x->name, strlen(s->x->name) + 1);
    h = rng_fnv1a64(h, s->base_dump, strlen(s->base_dump) + 1);
    h = rng_fnv1a64(h, s->spec_text, strlen(s->spec_text) + 1);
    for (size_t i = 0; i < s->n_runs; i++) {
        size_t n;
        char **sets = sweep_run_sets(s, i, &n);
        for (size_t k = 0; k < n; k++)
            h = rng_fnv1a64(h, sets[k], strlen(sets[k]) + 1);
        sweep_sets_free(sets, n);
    }
    s->hash = h;
}

int sweep_load(sweep_spec *s, const char *path, const char *const *sets, size_t n_sets, const char *seed)
{
    memset(s, 0, sizeof *s);
    s->file = xstrdup(path);
    s->repeats = 1;
    s->sets = xcalloc(n_sets + 1, sizeof *s->sets);
    for (size_t i = 0; i < n_sets; i++)
        s->sets[i] = xstrdup(sets[i]);
    s->n_sets = n_sets;

    /* The file alone, to read the sweep group and the experiment it names. */
    cfg raw;
    cfg_init(&raw);
    int st = cfg_read_file(&raw, path);
    exp_run base;
    int base_open = 0;
    parsed_axis *pa = NULL;
    sweep_point *pts = NULL;
    size_t n_pts = 0;
    if (st != CIM_OK)
        goto done;
    const config_setting_t *root = config_root_setting(&raw.lc);
    const config_setting_t *g = config_setting_get_member(root, "sweep");
    if (g == NULL || !config_setting_is_group(g)) {
        st = cim_error(CIM_ECONFIG, "%s: no sweep group: a sweep config is an experiment's config with a group "
                                    "sweep = { axes = ({ key = \"crossbar.rows\"; values = [32, 64]; }); }; "
                                    "(docs/sweeps.md)", path);
        goto done;
    }
    const char *xname = cfg_peek_string(&raw, "experiment");
    s->x = experiment_find(xname);
    if (s->x == NULL) {
        strbuf b;
        strbuf_init(&b);
        for (size_t i = 0; experiment_names[i]; i++)
            strbuf_printf(&b, "%s\"%s\"", i ? ", " : "", experiment_names[i]);
        const config_setting_t *e = config_setting_get_member(root, "experiment");
        if (xname == NULL)
            st = err_at(s, e, "a sweep config names the experiment it runs at every point: experiment = \"mvm\"; "
                              "(one of %s)", b.s);
        else
            st = err_at(s, e, "experiment = \"%s\": not an experiment; one of %s", xname, b.s);
        strbuf_destroy(&b);
        goto done;
    }
    if ((st = check_members(s, g, sweep_keys, "sweep")) != CIM_OK)
        goto done;
    const config_setting_t *m = config_setting_get_member(g, "mode");
    if (m != NULL) {
        const char *mv = config_setting_type(m) == CONFIG_TYPE_STRING ? config_setting_get_string(m) : NULL;
        int found = -1;
        for (int i = 0; mv && mode_names[i]; i++)
            if (strcmp(mode_names[i], mv) == 0)
                found = i;
        if (found < 0) {
            st = err_at(s, m, "sweep.mode: expected \"grid\", \"zip\", \"random\" or \"lhs\"");
            goto done;
        }
        s->mode = (sweep_mode)found;
    }
    long long v;
    if ((st = get_count(s, g, "repeats", 1, 1, &v)) != CIM_OK)
        goto done;
    s->repeats = (size_t)v;
    if ((st = get_count(s, g, "points", 1, 0, &v)) != CIM_OK)
        goto done;
    s->n_draws = (size_t)v;
    const config_setting_t *pts_set = config_setting_get_member(g, "points");
    if (s->mode >= SWEEP_RANDOM && pts_set == NULL) {
        st = err_at(s, g, "sweep: mode \"%s\" draws points = N points; give points", mode_names[s->mode]);
        goto done;
    }
    if (s->mode < SWEEP_RANDOM && pts_set != NULL) {
        st = err_at(s, pts_set, "sweep.points: only mode \"random\" and \"lhs\" draw points; a %s takes every value "
                                "of its axes", mode_names[s->mode]);
        goto done;
    }
    const config_setting_t *sd = config_setting_get_member(g, "seeds");
    if (sd != NULL) {
        const char *sv = config_setting_type(sd) == CONFIG_TYPE_STRING ? config_setting_get_string(sd) : "";
        if (strcmp(sv, "common") == 0)
            s->common_seeds = 1;
        else if (strcmp(sv, "per_point") != 0) {
            st = err_at(s, sd, "sweep.seeds: expected \"per_point\" or \"common\"");
            goto done;
        }
    }
    const config_setting_t *mt = config_setting_get_member(g, "metrics");
    if (mt != NULL) {
        s->metrics_line = line_of(mt);
        int n = config_setting_length(mt);
        if (!config_setting_is_array(mt) || n == 0 ||
            config_setting_type(config_setting_get_elem(mt, 0)) != CONFIG_TYPE_STRING) {
            st = err_at(s, mt, "sweep.metrics: expected a list of metric names [\"error.rmse_A\", ...]");
            goto done;
        }
        s->n_metrics = (size_t)n;
        s->metrics = xcalloc((size_t)n, sizeof *s->metrics);
        for (int i = 0; i < n; i++)
            s->metrics[i] = xstrdup(config_setting_get_string_elem(mt, i));
    }

    /* The base run: the experiment's configuration without the sweep. */
    experiment_loading l = {.path = path, .sets = (const char *const *)s->sets, .n_sets = s->n_sets, .seed = seed,
                            .fixed = s->x, .skip_group = "sweep"};
    st = experiment_open(&l, &base);
    base_open = 1;
    if (st != CIM_OK)
        goto done;
    {
        json_t *j = cfg_to_json(&base.c);
        s->run_seed = (long long)json_integer_value(json_object_get(json_object_get(j, "run"), "seed"));
        json_decref(j);
        strbuf d;
        strbuf_init(&d);
        cfg_dump(&base.c, &d);
        s->base_dump = d.s;
    }

    /* The axes. */
    const config_setting_t *axes = config_setting_get_member(g, "axes");
    if (axes == NULL || !config_setting_is_list(axes) || config_setting_length(axes) == 0) {
        st = err_at(s, axes != NULL ? axes : g,
                    "sweep.axes: expected a list of axes ( { key = \"crossbar.rows\"; values = [32, 64]; }, ... )");
        goto done;
    }
    s->n_axes = (size_t)config_setting_length(axes);
    s->axes = xcalloc(s->n_axes, sizeof *s->axes);
    pa = xcalloc(s->n_axes, sizeof *pa);
    for (size_t a = 0; a < s->n_axes; a++)
        if ((st = parse_axis(s, &base, config_setting_get_elem(axes, (unsigned)a), a, &pa[a])) != CIM_OK)
            goto done;
    if ((st = expand(s, pa, &pts, &n_pts, g)) != CIM_OK)
        goto done;

    /* Runs: each point, then its repeats. */
    s->n_runs = n_pts * s->repeats;
    s->runs = xcalloc(s->n_runs ? s->n_runs : 1, sizeof *s->runs);
    for (size_t p = 0; p < n_pts; p++)
        for (size_t r = 0; r < s->repeats; r++) {
            sweep_point *q = &s->runs[p * s->repeats + r];
            alloc_point(q, s->n_axes);
            q->point = p;
            q->repeat = r;
            for (size_t a = 0; a < s->n_axes; a++) {
                q->value_text[a] = xstrdup(pts[p].value_text[a]);
                q->label[a] = xstrdup(pts[p].label[a]);
                q->num[a] = pts[p].num[a];
            }
            q->seed = run_seed_of(s, q, r);
        }
    /* Every point's configuration loads and resolves (repeats differ only in the seed). */
    for (size_t p = 0; p < n_pts && st == CIM_OK; p++) {
        size_t i = p * s->repeats, n;
        char **ps = sweep_run_sets(s, i, &n);
        experiment_loading lp = {.path = path, .sets = (const char *const *)ps, .n_sets = n, .fixed = s->x,
                                 .skip_group = "sweep"};
        exp_run r;
        st = experiment_open(&lp, &r);
        if (st != CIM_OK)
            st = point_error(s, i, st);
        exp_run_free(&r);
        sweep_sets_free(ps, n);
    }
    if (st != CIM_OK)
        goto done;
    spec_text(s);
    compute_hash(s);
    s->file_fnv = sweep_file_fnv(path);
done:
    for (size_t a = 0; pa != NULL && a < s->n_axes; a++)
        values_free(&pa[a].v);
    free(pa);
    for (size_t p = 0; p < n_pts; p++)
        free_point(&pts[p], s->n_axes);
    free(pts);
    if (base_open)
        exp_run_free(&base);
    cfg_destroy(&raw);
    return st;
}

uint64_t sweep_file_fnv(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return 0;
    uint64_t h = RNG_FNV_OFFSET;
    char buf[8192];
    for (size_t n; (n = fread(buf, 1, sizeof buf, fp)) > 0;)
        h = rng_fnv1a64(h, buf, n);
    fclose(fp);
    return h;
}

void sweep_spec_free(sweep_spec *s)
{
    free(s->file);
    for (size_t i = 0; i < s->n_sets; i++)
        free(s->sets[i]);
    free(s->sets);
    for (size_t a = 0; a < s->n_axes; a++) {
        for (size_t k = 0; k < s->axes[a].n_keys; k++)
            free(s->axes[a].keys[k]);
        free(s->axes[a].keys);
        for (size_t i = 0; i < s->axes[a].n_values; i++)
            free(s->axes[a].value_text[i]);
        free(s->axes[a].value_text);
    }
    free(s->axes);
    for (size_t i = 0; i < s->n_metrics; i++)
        free(s->metrics[i]);
    free(s->metrics);
    for (size_t i = 0; i < s->n_runs; i++)
        free_point(&s->runs[i], s->n_axes);
    free(s->runs);
    free(s->base_dump);
    free(s->spec_text);
    memset(s, 0, sizeof *s);
}

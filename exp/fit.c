/* exp/fit.c -- see fit.h. */
#include "exp/fit.h"
#include "core/status.h"
#include "core/rng.h"
#include "core/threads.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "device/integrate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the group `fit` ------------------------------------------------------------------------------------- */

static const char *const kind_names[] = {"iv", "pulse", NULL};
static const char *const residual_names[] = {"linear", "log", NULL};
static const char *const trust_names[] = {"lm", "lmaccel", "dogleg", "ddogleg", "subspace2D", NULL};

static int fit_check(const void *v)
{
    const fit_exp_params *p = v;
    if (p->polarity != 1 && p->polarity != -1)
        return cim_error(CIM_ECONFIG, "polarity (%lld) must be 1 or -1", p->polarity);
    return CIM_OK;
}

static const param_spec fit_spec[] = {
    PARAM_STRING_F(fit_exp_params, data, "",
                   "the measurement to fit, relative to this file's folder (`--data FILE` overrides); kind \"iv\": "
                   "CSV columns t_s (optional), v_V, i_A, weight (optional) (fit/iv.h); kind \"pulse\": pulse, g_S (or g_norm), polarity"),
    PARAM_CHOICE_F(fit_exp_params, kind, kind_names, FIT_KIND_IV,
                   "what the data is: \"iv\" (a current-voltage trace, fitted by least squares within fit.bounds) or "
                   "\"pulse\" (a pulse response pulse,g_S,polarity or g_norm, fitted in closed form to a neurosim, "
                   "soft_bounds or lut model: fit/pulse.h)"),
    PARAM_CHOICE_F(fit_exp_params, residual, residual_names, FIT_RESID_LINEAR,
                   "residuals: \"linear\" (current difference over the RMS current) or \"log\" (difference of "
                   "log10(|i| + i_floor_A): currents over decades, multiplicative noise); a solver setting"),
    PARAM_REAL_F(fit_exp_params, i_floor_A, 1e-18, 1, 1e-12, "A",
                 "the instrument's current floor, added to |i| in log residuals and rms_log (solver setting; set it "
                 "to your instrument's resolution)"),
    PARAM_REAL_F(fit_exp_params, r_series_ohm, 0, 1e12, 0, "ohm",
                 "series resistor between source and device (> 0: v_V is the source voltage); the start when fitted "
                 "(bounds key r_series_ohm); your measurement circuit's value"),
    PARAM_REAL_F(fit_exp_params, i_offset_A, -1, 1, 0, "A",
                 "the instrument's current offset (measured = model + offset); the start when fitted (bounds key "
                 "i_offset_A); your instrument's value"),
    PARAM_INT_F(fit_exp_params, polarity, -1, 1, 1,
                "+1, or -1 for a device connected the other way round (the model sees -v, the measured current is "
                "-i_model); your set-up's wiring"),
    PARAM_REAL_F(fit_exp_params, dt_s, 0, 1e6, 0, "s",
                 "sample step of a trace without a t_s column (a quasi-static sweep: the model needs a time "
                 "scale); your sweep's step time"),
    PARAM_INT_F(fit_exp_params, n_starts, 1, 10000, 1,
                "starts: the config's values, then n_starts - 1 drawn across the bounds from stream fit.starts of "
                "run.seed; the lowest cost wins (solver setting)"),
    PARAM_INT_F(fit_exp_params, max_iter, 1, 1e6, 200, "iterations per start (solver setting, fit/fit.h default)"),
    PARAM_CHOICE_F(fit_exp_params, trust, trust_names, FIT_TRUST_LM,
                   "GSL trust-region subproblem: \"lm\" (Levenberg-Marquardt), \"lmaccel\" (with geodesic "
                   "acceleration), \"dogleg\", \"ddogleg\", \"subspace2D\" (solver setting)"),
    PARAM_REAL_F(fit_exp_params, xtol, 1e-15, 1e-1, 1e-8, "1",
                 "converged when the step is below xtol relative to the variables (GSL's test; solver setting)"),
    PARAM_REAL_F(fit_exp_params, gtol, 1e-15, 1e-1, 1e-8, "1",
                 "converged when the scaled gradient is below gtol (GSL's test; solver setting)"),
    PARAM_REAL_F(fit_exp_params, ftol, 1e-15, 1e-1, 1e-10, "1", "GSL's ftol (solver setting)"),
    PARAM_REAL_F(fit_exp_params, rtol, 1e-14, 1e-3, 1e-8, "1",
                 "integrator relative tolerance: tight, so the finite-difference Jacobian sees the model and not "
                 "the integrator's error (solver setting)"),
    PARAM_REAL_F(fit_exp_params, atol, 1e-16, 1e-3, 1e-10, "1", "integrator absolute tolerance (solver setting)"),
    PARAM_INT_F(fit_exp_params, max_steps, 1, 1e12, 1e5,
                "integrator step budget per model evaluation; a trial point that needs more counts as failed (stiff "
                "corners of the bounds: 6-parameter Knowm VTEAM fit 17.9 s at 1e6, 2.8 s at 1e5, same optimum) "
                "(solver setting)"),
    PARAM_REAL_F(fit_exp_params, fd_step, 0, 0.5, 0, "1",
                 "relative finite-difference step of the Jacobian, in the fit variable; 0: sqrt(rtol), which "
                 "balances the integrator's error against truncation (fit/fit.h) (solver setting)"),
    PARAM_STRING_F(fit_exp_params, predict, "",
                   "optional second measurement (same format), evaluated with the fitted parameters and reported "
                   "as the prediction error; relative to this file's folder (`--predict FILE` overrides)"),
    PARAM_END,
};

const param_group fit_group = {
    .path = "fit",
    .doc = "Fitting a device model to a measurement (cimsim fit, exp/fit.h).  The sub-group fit.bounds names the "
           "fitted keys of the model's group (device.<model>), each with its bounds: `bounds = { r_on_ohm = [500.0, "
           "5000.0]; k_off_m_per_s = (1e-9, 1e-3, \"log\"); };` -- the optional third entry forces the map (\"log\" "
           "or \"linear\"; default log for one-signed bounds spanning 100x or more).  The start is the key's value "
           "in device.<model>, and must lie strictly inside.  r_series_ohm and i_offset_A (the measurement "
           "circuit) may be fitted too, starting at this group's values.",
    .params = fit_spec,
    .size = sizeof(fit_exp_params),
    .check = fit_check,
};

/* ---- binding ----------------------------------------------------------------------------------------------- */

void exp_fit_init(exp_fit *e, cfg *c)
{
    memset(e, 0, sizeof *e);
    cfg_bind(c, &experiment_key_group, &e->key);
    cfg_bind(c, &run_group, &e->run);
    cfg_bind(c, &device_group, &e->b.dev);
    cfg_bind(c, &fit_group, &e->p);
}

static const char *source_of(const cfg *c, const config_setting_t *s)
{
    return s != NULL && config_setting_source_file(s) != NULL ? config_setting_source_file(s)
                                                              : (c->file != NULL ? c->file : "the configuration");
}

/* Records the first error met reading fit.bounds. */
static void bounds_fail(exp_fit *e, const cfg *c, const config_setting_t *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void bounds_fail(exp_fit *e, const cfg *c, const config_setting_t *s, const char *fmt, ...)
{
    if (e->bounds_error[0] != '\0')
        return;
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = s != NULL ? config_setting_source_line(s) : 0;
    if (line > 0)
        snprintf(e->bounds_error, sizeof e->bounds_error, "%s:%d: %s", source_of(c, s), line, msg);
    else
        snprintf(e->bounds_error, sizeof e->bounds_error, "%s: %s", source_of(c, s), msg);
}

static int number_of(const config_setting_t *s, double *x)
{
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_FLOAT)
        *x = config_setting_get_float(s);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        *x = (double)config_setting_get_int64(s);
    else
        return -1;
    return 0;
}

/* Reads fit.bounds into e->bounds (the first error into e->bounds_error) and removes it from the tree. */
static void read_bounds(cfg *c, exp_fit *e)
{
    e->n_bounds = 0;
    e->bounds_error[0] = '\0';
    config_setting_t *fit = config_setting_get_member(config_root_setting(&c->lc), "fit");
    config_setting_t *bs = fit != NULL && config_setting_is_group(fit) ? config_setting_get_member(fit, "bounds") : NULL;
    e->bounds_given = bs != NULL;
    if (bs == NULL)
        return;
    if (!config_setting_is_group(bs))
        bounds_fail(e, c, bs, "fit.bounds: expected a group of the fitted keys, { key = [lo, hi]; ... }");
    int n = config_setting_is_group(bs) ? config_setting_length(bs) : 0;
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(bs, (unsigned)i);
        const char *name = config_setting_name(m);
        if (e->n_bounds == EXP_FIT_MAX_KEYS) {
            bounds_fail(e, c, m, "fit.bounds: more than %d keys", EXP_FIT_MAX_KEYS);
            break;
        }
        int len = config_setting_length(m);
        int shaped = (config_setting_is_array(m) || config_setting_is_list(m)) && (len == 2 || len == 3);
        double lo = NAN, hi = NAN;
        int map = FIT_MAP_AUTO;
        if (shaped && (number_of(config_setting_get_elem(m, 0), &lo) != 0 ||
                       number_of(config_setting_get_elem(m, 1), &hi) != 0))
            shaped = 0;
        if (shaped && len == 3) {
            const config_setting_t *k = config_setting_get_elem(m, 2);
            const char *s = config_setting_type(k) == CONFIG_TYPE_STRING ? config_setting_get_string(k) : NULL;
            if (s != NULL && strcmp(s, "log") == 0)
                map = FIT_MAP_LOG;
            else if (s != NULL && strcmp(s, "linear") == 0)
                map = FIT_MAP_LINEAR;
            else {
                bounds_fail(e, c, m, "fit.bounds.%s: the third entry chooses the map: \"log\" or \"linear\"", name);
                continue;
            }
        }
        if (!shaped) {
            bounds_fail(e, c, m, "fit.bounds.%s: expected [lo, hi] (two numbers) or (lo, hi, \"log\"|\"linear\")", name);
            continue;
        }
        exp_fit_bound *b = &e->bounds[e->n_bounds++];
        snprintf(b->key, sizeof b->key, "%s", name);
        b->lo = lo;
        b->hi = hi;
        b->map = map;
        snprintf(b->where, sizeof b->where, "%s:%d", source_of(c, m), config_setting_source_line(m));
    }
    /* Its keys depend on the model: checked by prepare, not by the param tables. */
    config_setting_remove(fit, "bounds");
}

void exp_fit_select(cfg *c, exp_fit *e)
{
    e->b.type = device_bind_params(c, &e->b.model, &e->b.unused, &e->b.n_unused);
    read_bounds(c, e);
}

void exp_fit_take_bounds(cfg *c, strbuf *text)
{
    exp_fit *e = xcalloc(1, sizeof *e);
    read_bounds(c, e);
    strbuf v;
    strbuf_init(&v);
    for (size_t k = 0; k < e->n_bounds; k++) {
        const exp_fit_bound *b = &e->bounds[k];
        strbuf_clear(&v);
        param_format_real(b->lo, &v);
        strbuf_printf(text, "    %s = %s%s, ", b->key, b->map == FIT_MAP_AUTO ? "[" : "(", v.s);
        strbuf_clear(&v);
        param_format_real(b->hi, &v);
        strbuf_printf(text, "%s%s;\n", v.s,
                      b->map == FIT_MAP_AUTO ? "]" : b->map == FIT_MAP_LOG ? ", \"log\")" : ", \"linear\")");
    }
    if (e->bounds_error[0] != '\0')
        strbuf_printf(text, "    # not read: %s\n", e->bounds_error);
    strbuf_destroy(&v);
    free(e);
}

/* ---- prepare ----------------------------------------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(b), row[128];
    if (n >= 128)
        return (size_t)-1;
    for (size_t j = 0; j <= n; j++)
        row[j] = j;
    for (size_t i = 1; a[i - 1] != '\0'; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= n; j++) {
            size_t up = row[j];
            size_t sub = diag + (a[i - 1] != b[j - 1]);
            size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[n];
}

/* The nearest real key of the model (or circuit key) to name, or NULL. */
static const char *nearest_key(const device_type *T, const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    const char *circuit[] = {FIT_KEY_R_SERIES, FIT_KEY_I_OFFSET};
    for (const param_spec *s = T->params->params; s->key != NULL; s++) {
        size_t d = edit_distance(name, s->key);
        if (s->kind == PARAM_REAL && d < best_d)
            best_d = d, best = s->key;
    }
    for (int k = 0; k < 2; k++) {
        size_t d = edit_distance(name, circuit[k]);
        if (d < best_d)
            best_d = d, best = circuit[k];
    }
    size_t limit = strlen(name) / 3 > 2 ? strlen(name) / 3 : 2;
    return best_d <= limit ? best : NULL;
}

/* "FILE:LINE" where path was given, "--set" if an override gave it, or "the model's default". */
static void where_set(const cfg *c, const char *path, char *out, size_t n)
{
    const config_setting_t *s = config_lookup(&c->lc, path);
    if (s == NULL)
        snprintf(out, n, "the default of %s", path);
    else if (config_setting_source_line(s) > 0)
        snprintf(out, n, "%s at %s:%d", path, source_of(c, s), config_setting_source_line(s));
    else
        snprintf(out, n, "%s, set by --set", path);
}

/* A file the config names (relative to its folder) or the command line gives (as given). */
static int data_path(const cfg *c, const char *cmdline, const char *key, const char *value, const char *base_dir,
                     char *out, size_t n, const char *opt)
{
    if (cmdline != NULL)
        snprintf(out, n, "%s", cmdline);
    else if (value[0] == '/' || base_dir == NULL)
        snprintf(out, n, "%s", value);
    else
        snprintf(out, n, "%s%s", base_dir, value);
    if (access(out, R_OK) == 0)
        return CIM_OK;
    if (cmdline != NULL)
        return cim_error(CIM_EIO, "%s %s: cannot read the file (%s)", opt, out, "it does not exist or is not readable");
    cim_error(CIM_EIO, "%s: %s: cannot read the file (it does not exist or is not readable; the path is relative to the "
                       "config's folder)", key, out);
    return cfg_locate_error(c, CIM_EIO);
}

/* 1 if the file's header (first non-comment line) names column `name`. */
static int header_has(const char *path, const char *name)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return 0;
    char line[512];
    int yes = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        yes = strstr(line, name) != NULL;
        break;
    }
    fclose(fp);
    return yes;
}

/* 1 if the file's header names the pulse-response columns. */
static int looks_like_pulse_file(const char *path)
{
    return header_has(path, "pulse") && (header_has(path, "g_S") || header_has(path, "g_norm"));
}

static int read_trace(const exp_fit *e, const cfg *c, const char *path, size_t min_points, iv_trace *tr)
{
    int st = iv_read(path, min_points, tr);
    if (st != CIM_OK && looks_like_pulse_file(path)) {
        char where[600];
        where_set(c, "fit.kind", where, sizeof where);
        return cim_error(CIM_EIO, "%s:1: a pulse-response file (columns pulse, g_S/g_norm, polarity), but fit.kind is "
                                  "\"iv\" (%s), which reads a current-voltage trace (t_s, v_V, i_A): set fit.kind = "
                                  "\"pulse\" or give an I-V trace",
                         path, cfg_is_set(c, "fit.kind") ? where : "the default");
    }
    (void)e;
    return st;
}

double exp_fit_bound_position(const fit_param *par, double value)
{
    int one_sign = par->lo > 0 || par->hi < 0;
    int log_map = par->map == FIT_MAP_LOG ||
                  (par->map == FIT_MAP_AUTO && one_sign &&
                   fmax(fabs(par->lo), fabs(par->hi)) >= 100.0 * fmin(fabs(par->lo), fabs(par->hi)));
    if (log_map) {
        double a = log(fmin(fabs(par->lo), fabs(par->hi))), b = log(fmax(fabs(par->lo), fabs(par->hi)));
        double z = (log(fabs(value)) - a) / (b - a);
        return par->lo > 0 ? z : 1.0 - z; /* negative bounds: lo has the larger magnitude */
    }
    return (value - par->lo) / (par->hi - par->lo);
}

/* Checks one bound against the model and fills par and start. */
static int check_bound(exp_fit *e, const cfg *c, const exp_fit_bound *b, fit_param *par, double *start)
{
    const device_type *T = e->b.type;
    const char *gp = T->params->path;
    double lo_r = 0, hi_r = 0;
    char start_where[700];
    for (size_t q = 0; q < (size_t)(b - e->bounds); q++)
        if (strcmp(e->bounds[q].key, b->key) == 0)
            return cim_error(CIM_ECONFIG, "%s: fit.bounds.%s: listed twice (also at %s)", b->where, b->key,
                             e->bounds[q].where);
    if (strcmp(b->key, FIT_KEY_R_SERIES) == 0 || strcmp(b->key, FIT_KEY_I_OFFSET) == 0) {
        int rs = strcmp(b->key, FIT_KEY_R_SERIES) == 0;
        const param_spec *s = param_find(&fit_group, b->key);
        lo_r = s->min, hi_r = s->max;
        *start = rs ? e->p.r_series_ohm : e->p.i_offset_A;
        char path[80];
        snprintf(path, sizeof path, "fit.%s", b->key);
        where_set(c, path, start_where, sizeof start_where);
    } else {
        const param_spec *s = param_find(T->params, b->key);
        if (s == NULL) {
            const char *near = nearest_key(T, b->key);
            char hint[200] = "";
            if (near != NULL)
                snprintf(hint, sizeof hint, "; did you mean %s?", near);
            else
                snprintf(hint, sizeof hint, " (`cimsim config --docs` lists %s's keys)", gp);
            return cim_error(CIM_ECONFIG, "%s: fit.bounds.%s: model %s has no key %s (group %s)%s", b->where, b->key,
                             T->name, b->key, gp, hint);
        }
        if (s->kind != PARAM_REAL)
            return cim_error(CIM_ECONFIG, "%s: fit.bounds.%s: %s.%s is %s, not a real number: only real keys can be "
                                          "fitted",
                             b->where, b->key, gp, b->key,
                             s->kind == PARAM_INT ? "an integer" : s->kind == PARAM_BOOL ? "true or false"
                                                   : s->kind == PARAM_CHOICE ? "a choice" : "not a number");
        lo_r = s->min, hi_r = s->max;
        memcpy(start, (const char *)e->b.model + s->offset, sizeof *start);
        char path[200];
        snprintf(path, sizeof path, "%s.%s", gp, b->key);
        where_set(c, path, start_where, sizeof start_where);
    }
    if (!isfinite(b->lo) || !isfinite(b->hi) || !(b->lo < b->hi))
        return cim_error(CIM_ECONFIG, "%s: fit.bounds.%s = [%g, %g]: expected finite bounds with lo < hi", b->where,
                         b->key, b->lo, b->hi);
    if (b->lo < lo_r || b->hi > hi_r)
        return cim_error(CIM_ECONFIG, "%s: fit.bounds.%s = [%g, %g] leaves the key's range [%g, %g]", b->where, b->key,
                         b->lo, b->hi, lo_r, hi_r);
    if (!(*start > b->lo && *start < b->hi))
        return cim_error(CIM_ECONFIG, "%s: fit.bounds.%s = [%g, %g] excludes the start %.17g (%s); the start must lie "
                                      "strictly inside the bounds",
                         b->where, b->key, b->lo, b->hi, *start, start_where);
    if (b->map == FIT_MAP_LOG && !(b->lo > 0 || b->hi < 0))
        return cim_error(CIM_ECONFIG, "%s: fit.bounds.%s = [%g, %g]: a log map needs bounds of one sign, neither 0",
                         b->where, b->key, b->lo, b->hi);
    *par = (fit_param){b->key, b->lo, b->hi, b->map};
    return CIM_OK;
}


static uint64_t file_fnv(const char *path)
{
    FILE *fp = fopen(path, "rb");
    uint64_t h = RNG_FNV_OFFSET;
    char buf[65536];
    size_t n;
    while (fp != NULL && (n = fread(buf, 1, sizeof buf, fp)) > 0)
        h = rng_fnv1a64(h, buf, n);
    if (fp != NULL)
        fclose(fp);
    return h;
}

static int read_pulses(const cfg *c, const char *path, pulse_data *d)
{
    int st = pulse_data_read(path, header_has(path, "g_norm"), d); /* g_norm: normalised units, kept as they are */
    if (st != CIM_OK && header_has(path, "v_V") && header_has(path, "i_A")) {
        char where[600];
        where_set(c, "fit.kind", where, sizeof where);
        return cim_error(CIM_EIO, "%s: a current-voltage trace (columns t_s, v_V, i_A), but fit.kind is \"pulse\" (%s), "
                                  "which reads a pulse response (pulse, g_S, polarity): set fit.kind = \"iv\" or give a "
                                  "pulse-response file",
                         path, where);
    }
    return st;
}

/* kind = "pulse": the closed-form fit of a pulse-response model (fit/pulse.h). */
static int prepare_pulse(exp_fit *e, const exp_inputs *in, const cfg *c)
{
    const char *name = e->b.type->name;
    if (strcmp(name, "neurosim") != 0 && strcmp(name, "soft_bounds") != 0 && strcmp(name, "lut") != 0) {
        cim_error(CIM_ECONFIG, "device.model: fit.kind = \"pulse\" fits a pulse-response model (neurosim, soft_bounds, "
                               "lut), not %s; for an I-V trace set fit.kind = \"iv\"",
                  name);
        return cfg_locate_error(c, CIM_ECONFIG);
    }
    if (e->n_bounds > 0)
        return cim_error(CIM_ECONFIG, "%s: fit.bounds: a pulse fit (fit.kind = \"pulse\") finds the model's keys in closed "
                                      "form (fit/pulse.h), without bounds or starts; remove fit.bounds",
                         e->bounds[0].where);
    const char *base = in != NULL && in->base_dir != NULL ? in->base_dir : "";
    const char *cl_data = in != NULL ? in->data : NULL, *cl_pred = in != NULL ? in->predict : NULL;
    if (cl_data == NULL && e->p.data[0] == '\0')
        return cim_error(CIM_ECONFIG, "%s: no data: set fit.data = \"FILE.csv\" or give --data FILE.csv", c->file);
    int st = data_path(c, cl_data, "fit.data", e->p.data, base, e->data_path, sizeof e->data_path, "--data");
    if (st == CIM_OK)
        st = read_pulses(c, e->data_path, &e->pd);
    if (st != CIM_OK)
        return st;
    e->pd_fnv = file_fnv(e->data_path);
    if (cl_pred != NULL || e->p.predict[0] != '\0') {
        st = data_path(c, cl_pred, "fit.predict", e->p.predict, base, e->predict_path, sizeof e->predict_path,
                       "--predict");
        if (st == CIM_OK)
            st = read_pulses(c, e->predict_path, &e->ppd);
        if (st != CIM_OK)
            return st;
        e->ppd_fnv = file_fnv(e->predict_path);
        e->have_pred = 1;
    }
    return CIM_OK;
}

int exp_fit_prepare(exp_fit *e, const exp_inputs *in, const cfg *c)
{
    if (e->bounds_error[0] != '\0')
        return cim_error(CIM_ECONFIG, "%s", e->bounds_error);
    e->b.type = device_types[e->b.dev.model];
    if (e->p.kind == FIT_KIND_PULSE)
        return prepare_pulse(e, in, c);
    if (!e->bounds_given || e->n_bounds == 0)
        return cim_error(CIM_ECONFIG, "%s: fit.bounds: no keys to fit; name them with their bounds, e.g. fit = { bounds "
                                      "= { %s = [lo, hi]; }; }",
                         c->file, e->b.type->params->params[0].key);
    for (size_t k = 0; k < e->n_bounds; k++) {
        int st = check_bound(e, c, &e->bounds[k], &e->par[k], &e->start[k]);
        if (st != CIM_OK)
            return st;
    }
    e->n_par = e->n_bounds;
    const char *base = in != NULL && in->base_dir != NULL ? in->base_dir : "";
    const char *cl_data = in != NULL ? in->data : NULL, *cl_pred = in != NULL ? in->predict : NULL;
    if (cl_data == NULL && e->p.data[0] == '\0')
        return cim_error(CIM_ECONFIG, "%s: no data: set fit.data = \"FILE.csv\" or give --data FILE.csv", c->file);
    int st = data_path(c, cl_data, "fit.data", e->p.data, base, e->data_path, sizeof e->data_path, "--data");
    if (st != CIM_OK)
        return st;
    if ((st = read_trace(e, c, e->data_path, e->n_par + 1, &e->tr)) != CIM_OK)
        return st;
    if (e->tr.t_s == NULL && !(e->p.dt_s > 0)) {
        cim_error(CIM_ECONFIG, "fit.dt_s: %s has no t_s column (a quasi-static sweep): give the sample step, fit.dt_s "
                               "> 0, so the model has a time scale",
                  e->data_path);
        return cfg_locate_error(c, CIM_ECONFIG);
    }
    if (cl_pred != NULL || e->p.predict[0] != '\0') {
        st = data_path(c, cl_pred, "fit.predict", e->p.predict, base, e->predict_path, sizeof e->predict_path,
                       "--predict");
        if (st == CIM_OK)
            st = read_trace(e, c, e->predict_path, 2, &e->pred);
        if (st != CIM_OK)
            return st;
        if (e->pred.t_s == NULL && !(e->p.dt_s > 0)) {
            cim_error(CIM_ECONFIG, "fit.dt_s: %s has no t_s column: give fit.dt_s > 0", e->predict_path);
            return cfg_locate_error(c, CIM_ECONFIG);
        }
        e->have_pred = 1;
    }
    fit_opts *o = &e->o;
    fit_opts_default(o);
    o->residual = e->p.residual;
    o->i_floor_A = e->p.i_floor_A;
    o->r_series_ohm = e->p.r_series_ohm;
    o->i_offset_A = e->p.i_offset_A;
    o->polarity = (int)e->p.polarity;
    o->dt_s = e->p.dt_s;
    o->T_K = e->b.dev.T_K;
    o->trust = e->p.trust;
    o->max_iter = (size_t)e->p.max_iter;
    o->xtol = e->p.xtol;
    o->gtol = e->p.gtol;
    o->ftol = e->p.ftol;
    o->rtol = e->p.rtol;
    o->atol = e->p.atol;
    o->max_steps = e->p.max_steps;
    o->fd_step = e->p.fd_step;
    o->n_starts = (size_t)e->p.n_starts;
    o->seed = (uint64_t)e->run.seed;
    o->n_threads = (size_t)cim_threads();
    return CIM_OK;
}

/* ---- run --------------------------------------------------------------------------------------------------- */

static int run_pulse(exp_fit *e)
{
    const device_type *T = e->b.type;
    free(e->fitted);
    e->fitted = xmalloc(T->params->size);
    memcpy(e->fitted, e->b.model, T->params->size);
    int st = pulse_fit_device(T, &e->pd, e->fitted, &e->pf);
    if (st != CIM_OK)
        return st == CIM_EINVAL ? cim_error_prefix(CIM_ECONFIG, "fit: %s: ", e->data_path) : st;
    free(e->g_model_S);
    e->g_model_S = xmalloc(e->pd.n * sizeof *e->g_model_S);
    if ((st = pulse_model_trace(T, e->fitted, &e->pd, e->g_model_S)) != CIM_OK)
        return st;
    if (e->have_pred) {
        free(e->g_pred_S);
        e->g_pred_S = xmalloc(e->ppd.n * sizeof *e->g_pred_S);
        st = pulse_model_trace(T, e->fitted, &e->ppd, e->g_pred_S);
        if (st == CIM_OK) { /* the fitted model's one-pulse error on the second file, over its own range */
            double lo, hi;
            pulse_robust_range(&e->ppd, &lo, &hi, NULL);
            memset(&e->pred_pf, 0, sizeof e->pred_pf);
            st = pulse_model_stats(T, e->fitted, &e->ppd, lo, hi, &e->pred_pf);
        }
        if (st != CIM_OK)
            return cim_error_prefix(st, "the prediction of %s: ", e->predict_path);
    }
    return CIM_OK;
}

int exp_fit_run(exp_fit *e)
{
    if (e->p.kind == FIT_KIND_PULSE)
        return run_pulse(e);
    fit_result_free(&e->res);
    e->o.weight = e->tr.weight; /* the data's weight column, or NULL (statistics and the prediction are unweighted) */
    int st = fit_iv(e->b.type, e->b.model, &e->tr, e->par, e->n_par, &e->o, &e->res);
    if (st != CIM_OK)
        return st == CIM_EINVAL ? cim_error_prefix(CIM_ECONFIG, "fit: ") : st;
    fit_stats_of(&e->tr, e->res.i_model_A, e->o.i_floor_A, &e->stats);
    /* The fitted model runs with the fitted circuit values. */
    e->o_fitted = e->o;
    for (size_t j = 0; j < e->n_par; j++) {
        if (strcmp(e->par[j].key, FIT_KEY_R_SERIES) == 0)
            e->o_fitted.r_series_ohm = e->res.value[j];
        else if (strcmp(e->par[j].key, FIT_KEY_I_OFFSET) == 0)
            e->o_fitted.i_offset_A = e->res.value[j];
        double z = exp_fit_bound_position(&e->par[j], e->res.value[j]);
        e->at_bound[j] = !(z > 1e-3 && z < 1 - 1e-3);
    }
    if (e->have_pred) {
        free(e->i_pred_A);
        e->i_pred_A = xmalloc(e->pred.n * sizeof *e->i_pred_A);
        st = fit_eval_iv(e->b.type, e->res.model, &e->pred, &e->o_fitted, e->i_pred_A);
        if (st != CIM_OK)
            return cim_error_prefix(st, "the prediction of %s: ", e->predict_path);
        fit_stats_of(&e->pred, e->i_pred_A, e->o.i_floor_A, &e->pred_stats);
    }
    return CIM_OK;
}

/* ---- summary ------------------------------------------------------------------------------------------------ */

static json_t *jnum(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *stats_json(const fit_stats *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "n_points", json_integer((json_int_t)s->n));
    json_object_set_new(j, "rms_A", jnum(s->rms_A));
    json_object_set_new(j, "rms_log", jnum(s->rms_log));
    json_object_set_new(j, "nrmse", jnum(s->nrmse));
    json_object_set_new(j, "r2", jnum(s->r2));
    json_object_set_new(j, "max_abs_A", jnum(s->max_abs_A));
    return j;
}

static json_t *summary_pulse(const exp_fit *e)
{
    char fp[32];
    snprintf(fp, sizeof fp, "%016" PRIx64, e->pd_fnv);
    json_t *j = json_object();
    json_object_set_new(j, "model", json_string(e->b.type->name));
    json_object_set_new(j, "kind", json_string(kind_names[e->p.kind]));
    json_object_set_new(j, "data", json_string(e->data_path));
    json_object_set_new(j, "data_fnv1a64", json_string(fp));
    json_object_set_new(j, "units", json_string(e->pd.normalised ? "normalised (g_norm)" : "S"));
    json_t *ps = json_object();
    for (size_t k = 0; k < e->pf.n; k++)
        json_object_set_new(ps, e->pf.v[k].name, json_pack("{s:o, s:o}", "value", jnum(e->pf.v[k].value), "se",
                                                           jnum(e->pf.v[k].se)));
    json_object_set_new(j, "params", ps);
    json_t *f = json_object();
    json_object_set_new(f, "n_points", json_integer((json_int_t)e->pd.n));
    json_object_set_new(f, "n_pairs", json_integer((json_int_t)e->pf.n_pairs));
    json_object_set_new(f, "rms_S", jnum(e->pf.rms_S));
    json_object_set_new(f, "r2", jnum(e->pf.r2));
    json_object_set_new(f, "g_min_S", jnum(e->pf.g_min_S));
    json_object_set_new(f, "g_max_S", jnum(e->pf.g_max_S));
    json_object_set_new(f, "converged", json_true());
    json_object_set_new(f, "stop", json_string("closed form (fit/pulse.h)"));
    json_object_set_new(j, "fit", f);
    if (e->have_pred) {
        json_t *p = json_object();
        json_object_set_new(p, "n_points", json_integer((json_int_t)e->ppd.n));
        json_object_set_new(p, "n_pairs", json_integer((json_int_t)e->pred_pf.n_pairs));
        json_object_set_new(p, "rms_S", jnum(e->pred_pf.rms_S));
        json_object_set_new(p, "r2", jnum(e->pred_pf.r2));
        json_object_set_new(p, "data", json_string(e->predict_path));
        json_object_set_new(j, "prediction", p);
    }
    return j;
}

json_t *exp_fit_summary(const exp_fit *e)
{
    if (e->p.kind == FIT_KIND_PULSE)
        return summary_pulse(e);
    const fit_result *r = &e->res;
    char fp[32];
    snprintf(fp, sizeof fp, "%016" PRIx64, e->tr.fnv1a64);
    json_t *j = json_object();
    json_object_set_new(j, "model", json_string(e->b.type->name));
    json_object_set_new(j, "kind", json_string(kind_names[e->p.kind]));
    json_object_set_new(j, "data", json_string(e->data_path));
    json_object_set_new(j, "data_fnv1a64", json_string(fp));
    json_object_set_new(j, "residual", json_string(residual_names[e->p.residual]));
    json_t *ps = json_object();
    for (size_t k = 0; k < r->n_par; k++) {
        json_t *p = json_object();
        json_object_set_new(p, "value", jnum(r->value[k]));
        json_object_set_new(p, "se", jnum(r->std_err[k]));
        json_object_set_new(p, "start", jnum(e->start[k]));
        json_object_set_new(p, "lo", jnum(e->par[k].lo));
        json_object_set_new(p, "hi", jnum(e->par[k].hi));
        json_object_set_new(p, "at_bound", json_boolean(e->at_bound[k]));
        json_object_set_new(ps, e->par[k].key, p);
    }
    json_object_set_new(j, "params", ps);
    json_t *f = stats_json(&e->stats);
    json_object_set_new(f, "cost", jnum(r->cost));
    json_object_set_new(f, "iterations", json_integer((json_int_t)r->iterations));
    json_object_set_new(f, "n_eval", json_integer((json_int_t)r->n_eval));
    json_object_set_new(f, "best_start", json_integer((json_int_t)r->best_start));
    json_object_set_new(f, "n_starts", json_integer((json_int_t)r->n_starts));
    json_object_set_new(f, "converged", json_boolean(r->converged));
    json_object_set_new(f, "stop", json_string(r->stop));
    json_object_set_new(j, "fit", f);
    /* The correlation matrix: arrays are a table, not metrics. */
    json_t *keys = json_array(), *rows = json_array();
    for (size_t a = 0; a < r->n_par; a++) {
        json_array_append_new(keys, json_string(e->par[a].key));
        json_t *row = json_array();
        for (size_t b = 0; b < r->n_par; b++)
            json_array_append_new(row, jnum(r->corr[a * r->n_par + b]));
        json_array_append_new(rows, row);
    }
    json_object_set_new(j, "correlation", json_pack("{s:o, s:o}", "keys", keys, "matrix", rows));
    if (e->have_pred) {
        json_t *p = stats_json(&e->pred_stats);
        json_object_set_new(p, "data", json_string(e->predict_path));
        json_object_set_new(j, "prediction", p);
    }
    return j;
}

void exp_fit_free(exp_fit *e)
{
    fit_result_free(&e->res);
    iv_trace_free(&e->tr);
    iv_trace_free(&e->pred);
    free(e->i_pred_A);
    e->i_pred_A = NULL;
    pulse_data_free(&e->pd);
    pulse_data_free(&e->ppd);
    free(e->fitted);
    free(e->g_model_S);
    free(e->g_pred_S);
    e->fitted = NULL;
    e->g_model_S = e->g_pred_S = NULL;
    device_free_params(e->b.model, e->b.unused, e->b.n_unused);
    e->b.model = NULL;
    e->b.unused = NULL;
    e->b.n_unused = 0;
}

/* ---- the fitted config ----------------------------------------------------------------------------------- */

static double trace_time(const iv_trace *tr, double dt_s, size_t k)
{
    return tr->t_s != NULL ? tr->t_s[k] - tr->t_s[0] : (double)k * dt_s;
}

void exp_fit_pwl(const exp_fit *e, strbuf *out)
{
    const iv_trace *tr = &e->tr;
    strbuf_printf(out, "# the measured waveform of %s (fnv1a64 %016" PRIx64 "), times from 0%s: the stimulus of the "
                       "fitted config\nt_s,v_V\n",
                  e->data_path, tr->fnv1a64, e->p.polarity < 0 ? ", the voltage reversed (fit.polarity = -1)" : "");
    strbuf fmt;
    strbuf_init(&fmt);
    for (size_t k = 0; k < tr->n; k++) {
        strbuf_clear(&fmt);
        param_format_real(trace_time(tr, e->p.dt_s, k), &fmt);
        strbuf_printf(out, "%s,", fmt.s);
        strbuf_clear(&fmt);
        param_format_real(e->p.polarity < 0 ? -tr->v_V[k] : tr->v_V[k], &fmt);
        strbuf_printf(out, "%s\n", fmt.s);
    }
    strbuf_destroy(&fmt);
}

void exp_fit_config(const exp_fit *e, const char *pwl_name, const char *invocation, strbuf *out)
{
    const device_type *T = e->b.type;
    const fit_result *r = &e->res;
    const iv_trace *tr = &e->tr;
    strbuf v;
    strbuf_init(&v);
    strbuf_printf(out, "# %s fitted by cimsim %s to %s (fnv1a64 %016" PRIx64 ", %zu points)\n", T->name, cim_version(),
                  e->data_path, tr->fnv1a64, tr->n);
    if (invocation != NULL)
        strbuf_printf(out, "# written by: %s\n", invocation);
    strbuf_printf(out, "# fit: %s residuals, cost %.6g, rms %.4g A, rms_log %.4g decades, R^2 %.6g; %s\n",
                  residual_names[e->p.residual], r->cost, e->stats.rms_A, e->stats.rms_log, e->stats.r2, r->stop);
    strbuf_printf(out, "# The stimulus is the measured waveform (%s), so the device experiment reproduces the fitted "
                       "model's current at the measured times.\n",
                  pwl_name);
    if (e->o_fitted.i_offset_A != 0 || e->p.polarity < 0)
        strbuf_printf(out, "# The measured current is %si_device%s: the device experiment reports i_device.\n",
                      e->p.polarity < 0 ? "-" : "", e->o_fitted.i_offset_A != 0 ? " + fit.i_offset_A" : "");
    strbuf_printf(out, "# Run:  cimsim device THIS.cfg -o fitted_trace.csv\n");
    strbuf_printf(out, "experiment = \"device\";\n\ndevice = {\n  model = \"%s\";\n", T->name);
    param_format_real(e->b.dev.T_K, &v);
    strbuf_printf(out, "  T_K = %s;\n", v.s);
    strbuf_clear(&v);
    param_format_real(e->b.dev.v_read_V, &v);
    strbuf_printf(out, "  v_read_V = %s;\n  %s = {\n", v.s, strrchr(T->params->path, '.') + 1);
    for (const param_spec *s = T->params->params; s->key != NULL; s++) {
        strbuf_clear(&v);
        param_format_value(s, r->model, &v);
        strbuf_printf(out, "    %s = %s;", s->key, v.s);
        for (size_t j = 0; j < r->n_par; j++)
            if (strcmp(e->par[j].key, s->key) == 0) {
                char se[64];
                snprintf(se, sizeof se, isfinite(r->std_err[j]) ? "%.3g" : "undefined", r->std_err[j]);
                strbuf_printf(out, "   # fitted: +- %s %s (start %.6g, bounds [%g, %g])%s", se, s->unit, e->start[j],
                              e->par[j].lo, e->par[j].hi, e->at_bound[j] ? "; AT A BOUND" : "");
            }
        strbuf_puts(out, "\n");
    }
    strbuf_puts(out, "  };\n};\n");
    strbuf_clear(&v);
    param_format_real(e->o_fitted.r_series_ohm, &v);
    strbuf_printf(out, "stimulus = {\n  kind = \"pwl\";\n  pwl_file = \"%s\";\n  r_series_ohm = %s;", pwl_name, v.s);
    for (size_t j = 0; j < r->n_par; j++)
        if (strcmp(e->par[j].key, FIT_KEY_R_SERIES) == 0)
            strbuf_printf(out, "   # fitted: +- %.3g ohm", r->std_err[j]);
    strbuf_puts(out, "\n};\n");
    /* The samples at the measured times when they are evenly spaced (sim's grid); the fit's integrator. */
    strbuf_clear(&v);
    param_format_real(trace_time(tr, e->p.dt_s, tr->n - 1), &v);
    strbuf_printf(out, "sim = {\n  t_stop_s = %s;\n  n_points = %zu;\n  method = \"rk8pd\";\n", v.s,
                  tr->n < 2 ? (size_t)2 : tr->n);
    strbuf_clear(&v);
    param_format_real(e->o.rtol, &v);
    strbuf_printf(out, "  rtol = %s;\n", v.s);
    strbuf_clear(&v);
    param_format_real(e->o.atol, &v);
    strbuf_printf(out, "  atol = %s;\n  max_steps = %lld;\n};\n", v.s, (long long)e->o.max_steps);
    strbuf_destroy(&v);
}

void exp_fit_pulse_config(const exp_fit *e, const char *invocation, strbuf *out)
{
    const device_type *T = e->b.type;
    strbuf v;
    strbuf_init(&v);
    strbuf_printf(out, "# %s fitted by cimsim %s to %s (fnv1a64 %016" PRIx64 ", %zu reads%s)\n", T->name, cim_version(),
                  e->data_path, e->pd_fnv, e->pd.n, e->pd.normalised ? ", normalised units" : "");
    if (invocation != NULL)
        strbuf_printf(out, "# written by: %s\n", invocation);
    strbuf_printf(out, "# fit: one-pulse rms %.4g, R^2 %.6g over %zu pulse pairs; range %.6g .. %.6g\n", e->pf.rms_S,
                  e->pf.r2, e->pf.n_pairs, e->pf.g_min_S, e->pf.g_max_S);
    for (size_t k = 0; k < e->pf.n; k++) {
        strbuf_printf(out, "#   %-22s %.8g", e->pf.v[k].name, e->pf.v[k].value);
        if (isfinite(e->pf.v[k].se))
            strbuf_printf(out, " +- %.3g", e->pf.v[k].se);
        strbuf_puts(out, "\n");
    }
    /* Trains as long as the data's longest run of one polarity, at twice the model's threshold, one model pulse
     * wide: the pulses experiment then steps the model as the measurement did. */
    size_t run = 1, longest = 1;
    for (size_t k = 1; k < e->pd.n; k++) {
        run = e->pd.polarity[k] == e->pd.polarity[k - 1] ? run + 1 : 1;
        longest = run > longest ? run : longest;
    }
    double v_th = 1.0, t_pulse = 1e-6;
    const param_spec *s;
    if ((s = param_find(T->params, "v_threshold_V")) != NULL)
        memcpy(&v_th, (const char *)e->fitted + s->offset, sizeof v_th);
    if ((s = param_find(T->params, "t_pulse_s")) != NULL)
        memcpy(&t_pulse, (const char *)e->fitted + s->offset, sizeof t_pulse);
    strbuf_printf(out, "# Run:  cimsim device THIS.cfg --pulses -o fitted_pulses.csv\n");
    strbuf_printf(out, "experiment = \"pulses\";\n\ndevice = {\n  model = \"%s\";\n", T->name);
    param_format_real(e->b.dev.T_K, &v);
    strbuf_printf(out, "  T_K = %s;\n", v.s);
    strbuf_clear(&v);
    param_format_real(e->b.dev.v_read_V, &v);
    strbuf_printf(out, "  v_read_V = %s;\n  %s = {\n", v.s, strrchr(T->params->path, '.') + 1);
    for (s = T->params->params; s->key != NULL; s++) {
        strbuf_clear(&v);
        param_format_value(s, e->fitted, &v);
        strbuf_printf(out, "    %s = %s;", s->key, v.s);
        for (size_t k = 0; k < e->pf.n; k++) {
            if (strcmp(e->pf.v[k].name, s->key) != 0)
                continue;
            if (isfinite(e->pf.v[k].se))
                strbuf_printf(out, "   # fitted: +- %.3g", e->pf.v[k].se);
            else
                strbuf_puts(out, "   # fitted");
        }
        strbuf_puts(out, "\n");
    }
    strbuf_puts(out, "  };\n};\n");
    strbuf_clear(&v);
    param_format_real(2 * v_th, &v);
    strbuf_printf(out, "pulses = {\n  n_pulses = %zu;\n  v_pot_V = %s;\n", longest < 2 ? (size_t)2 : longest, v.s);
    strbuf_clear(&v);
    param_format_real(-2 * v_th, &v);
    strbuf_printf(out, "  v_dep_V = %s;\n", v.s);
    strbuf_clear(&v);
    param_format_real(t_pulse, &v);
    strbuf_printf(out, "  t_width_s = %s;\n  t_rise_s = 0.0;\n};\n", v.s);
    strbuf_destroy(&v);
}

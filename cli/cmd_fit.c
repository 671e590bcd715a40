/* cli/cmd_fit.c -- `cimsim fit`: a device model's parameters fitted to a measured trace (exp/fit.h). */
#include "cli/cli.h"
#include "cli/plot.h"
#include "core/afile.h"
#include "core/status.h"
#include "exp/fit.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const cli_option fit_options[] = {
    {"data", "FILE.csv", "the measurement to fit (instead of the config's fit.data; as given, not relative to the config)",
     CLI_OUT_NONE},
    {"predict", "FILE.csv",
     "a second measurement to predict with the fitted parameters (instead of fit.predict): its error is reported",
     CLI_OUT_NONE},
    {"plot", "FILE.png",
     "draw data (points) and fitted model (line): current against voltage, against time when the trace has times, "
     "and log |current| for log residuals; with a prediction also FILE_predict.png (.png, .svg or .pdf)",
     CLI_OUT_FIGURE},
    {NULL, NULL, NULL, CLI_OUT_NONE},
};

/* "dir/name.cfg" -> "dir/name.pwl.csv" (the fitted config's stimulus, beside it). */
static void pwl_path_of(const char *cfg_path, char *out, size_t n)
{
    size_t len = strlen(cfg_path);
    const char *slash = strrchr(cfg_path, '/');
    const char *dot = strrchr(cfg_path, '.');
    if (dot != NULL && (slash == NULL || dot > slash) && strcmp(dot, ".cfg") == 0)
        len = (size_t)(dot - cfg_path);
    snprintf(out, n, "%.*s.pwl.csv", (int)len, cfg_path);
}

/* "dir/fit.png" -> "dir/fit_predict.png". */
static void predict_plot_path(const char *png, char *out, size_t n)
{
    const char *slash = strrchr(png, '/');
    const char *dot = strrchr(png, '.');
    size_t len = dot != NULL && (slash == NULL || dot > slash) ? (size_t)(dot - png) : strlen(png);
    snprintf(out, n, "%.*s_predict%s", (int)len, png, png + len);
}

static int fit_check(const cli_command *cmd, const cli_args *a, const exp_run *r)
{
    (void)cmd, (void)r;
    if (a->output != NULL && strcmp(a->output, "-") == 0)
        return cim_error(CIM_EUSAGE, "fit: -o names the fitted config's file (its stimulus is written beside it), "
                                     "not standard output");
    if (a->output != NULL) {
        char pwl[4200];
        pwl_path_of(a->output, pwl, sizeof pwl);
        struct stat sb;
        if (stat(pwl, &sb) == 0 && !S_ISREG(sb.st_mode))
            return cim_error(CIM_EIO, "-o %s: its stimulus file %s exists and is not a regular file", a->output, pwl);
    }
    return CIM_OK;
}

/* ---- the figure ---------------------------------------------------------------------------------------------- */

/* Data as points, the model as a line: i(v), i(t) when the trace has times, log|i|(v) for log residuals.  With a
 * series resistor the trace's voltage is the source's, and the axis says so. */
static int plot_fit(const iv_trace *tr, const double *i_model, double dt_s, int log_panel, int source_v,
                    const char *title, const char *path)
{
    const char *vlabel = source_v ? "source voltage (V)" : "voltage (V)";
    int timed = tr->t_s != NULL;
    int panels = 1 + timed + log_panel;
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, path, 700 * panels, 600, data, &fp);
    if (st != CIM_OK)
        return st;
    double peak = 0, t_end = 0;
    for (size_t k = 0; k < tr->n; k++)
        peak = fmax(peak, fmax(fabs(tr->i_A[k]), fabs(i_model[k])));
    const char *ip = "", *tp = "";
    double is = plot_eng_scale(peak, &ip);
    for (size_t k = 0; k < tr->n; k++)
        t_end = timed ? tr->t_s[k] - tr->t_s[0] : (double)k * dt_s;
    double ts = plot_eng_scale(t_end, &tp);
    for (size_t k = 0; k < tr->n; k++) {
        double t = timed ? tr->t_s[k] - tr->t_s[0] : (double)k * dt_s;
        fprintf(fp, "%.9g %.9g %.9g %.9g %.9g %.9g\n", tr->v_V[k], tr->i_A[k] * is, i_model[k] * is, t * ts,
                fabs(tr->i_A[k]), fabs(i_model[k]));
    }
    fclose(fp);
    char script[6000];
    size_t m = 0;
    m += (size_t)snprintf(script + m, sizeof script - m,
                          "set multiplot layout 1,%d title \"%s\" noenhanced font ',11'\nset grid\n"
                          "set key top left box opaque\n",
                          panels, title);
    m += (size_t)snprintf(script + m, sizeof script - m,
                          "set xlabel '%s'\nset ylabel 'current (%sA)'\n"
                          "plot '%s' using 1:2 with points pt 7 ps 0.6 lc rgb '#1f77b4' title 'measured', "
                          "'' using 1:3 with lines lw 2 lc rgb '#d62728' title 'fitted model'\n",
                          vlabel, ip, data);
    if (timed)
        m += (size_t)snprintf(script + m, sizeof script - m,
                              "set xlabel 'time (%ss)'\nset ylabel 'current (%sA)'\n"
                              "plot '%s' using 4:2 with points pt 7 ps 0.6 lc rgb '#1f77b4' title 'measured', "
                              "'' using 4:3 with lines lw 2 lc rgb '#d62728' title 'fitted model'\n",
                              tp, ip, data);
    if (log_panel)
        m += (size_t)snprintf(script + m, sizeof script - m,
                              "set xlabel '%s'\nset ylabel '|current| (A)'\nset logscale y\n"
                              "set format y '10^{%%L}'\nset yrange [%.3g:*]\n"
                              "plot '%s' using 1:5 with points pt 7 ps 0.6 lc rgb '#1f77b4' title 'measured', "
                              "'' using 1:6 with lines lw 2 lc rgb '#d62728' title 'fitted model'\n",
                              /* six decades below the peak: a sample at 0 V would stretch the axis to 1e-20 A */
                              vlabel, peak > 0 ? 1e-6 * peak : 1e-15, data);
    snprintf(script + m, sizeof script - m, "unset multiplot\n");
    return plot_figure_draw(&fg, script, data);
}

/* Pulse responses: G against the pulse count, data as points, the fitted model (no noise) as a line. */
static int plot_pulse_fit(const pulse_data *d, const double *g_model, const char *title, const char *path)
{
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, path, 1100, 600, data, &fp);
    if (st != CIM_OK)
        return st;
    double peak = 0;
    for (size_t k = 0; k < d->n; k++)
        peak = fmax(peak, fmax(fabs(d->g[k]), fabs(g_model[k])));
    const char *gp = "";
    double gs = d->normalised ? 1.0 : plot_eng_scale(peak, &gp);
    for (size_t k = 0; k < d->n; k++)
        fprintf(fp, "%.9g %.9g %.9g %d\n", d->pulse[k], d->g[k] * gs, g_model[k] * gs, d->polarity[k]);
    fclose(fp);
    char script[3000], ylabel[64];
    if (d->normalised)
        snprintf(ylabel, sizeof ylabel, "conductance (normalised)");
    else
        snprintf(ylabel, sizeof ylabel, "conductance (%sS)", gp);
    snprintf(script, sizeof script,
             "set title \"%s\" noenhanced font ',10'\nset grid\nset key top right box opaque\n"
             "set xlabel 'pulse'\nset ylabel '%s'\n"
             "plot '%s' using 1:($4 > 0 ? $2 : 1/0) with points pt 7 ps 0.4 lc rgb '#1f77b4' title 'measured, potentiating', "
             "'' using 1:($4 < 0 ? $2 : 1/0) with points pt 7 ps 0.4 lc rgb '#ff7f0e' title 'measured, depressing', "
             "'' using 1:3 with lines lw 2 lc rgb '#d62728' title 'fitted model (no noise)'\n",
             title, ylabel, data);
    return plot_figure_draw(&fg, script, data);
}

/* ---- the report ---------------------------------------------------------------------------------------------- */

static const char *unit_of_key(const exp_fit *e, const char *key)
{
    const param_spec *s = param_find(e->b.type->params, key);
    if (s == NULL)
        s = param_find(&fit_group, key);
    return s != NULL && s->unit != NULL && strcmp(s->unit, "1") != 0 ? s->unit : "";
}

static void print_stats(FILE *out, const char *label, const fit_stats *s)
{
    char b1[32], b2[32];
    fprintf(out, "  %-15s rms %s (nrmse %.4g), rms_log %.4g decades, R^2 %.6g, max |error| %s, %zu points\n", label,
            cli_si(b1, s->rms_A, "A"), s->nrmse, s->rms_log, s->r2, cli_si(b2, s->max_abs_A, "A"), s->n);
}

static void report(FILE *out, const cli_args *a, const exp_fit *e, const char *pwl, const char *png,
                   const char *png_pred)
{
    const fit_result *r = &e->res;
    char b1[32], b2[32];
    fprintf(out, "cimsim fit: %s -- %s\n", e->b.type->name, e->b.type->title);
    const iv_trace *tr = &e->tr;
    if (tr->t_s != NULL)
        fprintf(out, "  data            %s: %zu points over %s (fnv1a64 %016" PRIx64 ")\n", e->data_path, tr->n,
                cli_si(b1, tr->t_s[tr->n - 1] - tr->t_s[0], "s"), tr->fnv1a64);
    else
        fprintf(out, "  data            %s: %zu points, quasi-static (steps of %s) (fnv1a64 %016" PRIx64 ")\n",
                e->data_path, tr->n, cli_si(b1, e->p.dt_s, "s"), tr->fnv1a64);
    fprintf(out, "  residuals       %s%s%s%s\n", e->p.residual == FIT_RESID_LOG ? "log10(|i| + i_floor), i_floor " : "linear",
            e->p.residual == FIT_RESID_LOG ? cli_si(b1, e->p.i_floor_A, "A") : "",
            e->p.r_series_ohm > 0 ? "; series resistor " : "", e->p.r_series_ohm > 0 ? cli_si(b2, e->p.r_series_ohm, "ohm") : "");
    fprintf(out, "  %-18s %-14s %-14s %-13s %s\n", "key", "start", "fitted", "std error", "bounds");
    for (size_t j = 0; j < r->n_par; j++) {
        char se[32];
        if (isfinite(r->std_err[j]))
            snprintf(se, sizeof se, "+- %.4g", r->std_err[j]);
        else
            snprintf(se, sizeof se, "undefined");
        fprintf(out, "  %-18s %-14.6g %-14.7g %-13s [%g, %g] %s%s\n", e->par[j].key, e->start[j], r->value[j], se,
                e->par[j].lo, e->par[j].hi, unit_of_key(e, e->par[j].key), e->at_bound[j] ? "  AT A BOUND" : "");
    }
    for (size_t j = 0; j < r->n_par; j++)
        if (e->at_bound[j])
            fprintf(out, "  warning: %s = %g sits at a bound (within 1e-3 of its range in the fit variable): not a "
                         "real optimum, and its standard error means nothing; widen the bounds or check the model\n",
                    e->par[j].key, r->value[j]);
    if (r->n_par > 1) {
        fprintf(out, "  correlation     ");
        for (size_t j = 0; j < r->n_par; j++)
            fprintf(out, " %8.8s", e->par[j].key);
        fputc('\n', out);
        for (size_t i = 0; i < r->n_par; i++) {
            fprintf(out, "  %15.15s ", e->par[i].key);
            for (size_t j = 0; j < r->n_par; j++)
                fprintf(out, " %+8.4f", r->corr[i * r->n_par + j]);
            fputc('\n', out);
        }
        for (size_t i = 0; i < r->n_par; i++)
            for (size_t j = i + 1; j < r->n_par; j++)
                if (fabs(r->corr[i * r->n_par + j]) > 0.95)
                    fprintf(out, "  warning: %s and %s are correlated (r = %+.4f): the data constrain a combination "
                                 "of the two better than either; their standard errors are large together\n",
                            e->par[i].key, e->par[j].key, r->corr[i * r->n_par + j]);
    }
    print_stats(out, "fit", &e->stats);
    fprintf(out, "  solver          %s; %zu iterations, %zu model evaluations, start %zu of %zu won, cost %.6g\n",
            r->stop, r->iterations, r->n_eval, r->best_start, r->n_starts, r->cost);
    if (e->have_pred) {
        char label[64];
        snprintf(label, sizeof label, "prediction");
        fprintf(out, "  %-15s %s, with the fitted parameters:\n", label, e->predict_path);
        print_stats(out, "", &e->pred_stats);
    }
    if (a->output != NULL)
        fprintf(out, "  wrote           %s (run: cimsim device %s) and its stimulus %s\n", a->output, a->output, pwl);
    if (png != NULL)
        fprintf(out, "  wrote           %s\n", png);
    if (png_pred != NULL)
        fprintf(out, "  wrote           %s\n", png_pred);
}

/* ---- present ------------------------------------------------------------------------------------------------- */

static json_t *trace_json(const iv_trace *tr, const double *i_model, double dt_s)
{
    json_t *t = json_array(), *v = json_array(), *i = json_array(), *im = json_array();
    for (size_t k = 0; k < tr->n; k++) {
        json_array_append_new(t, json_real(tr->t_s != NULL ? tr->t_s[k] : (double)k * dt_s));
        json_array_append_new(v, json_real(tr->v_V[k]));
        json_array_append_new(i, json_real(tr->i_A[k]));
        json_array_append_new(im, json_real(i_model[k]));
    }
    return json_pack("{s:o, s:o, s:o, s:o}", "t_s", t, "v_V", v, "i_A", i, "i_model_A", im);
}

static void report_pulse(FILE *out, const cli_args *a, const exp_fit *e, const char *png, const char *png_pred)
{
    const pulse_model_fit *pf = &e->pf;
    const char *u = e->pd.normalised ? "" : "S";
    char b1[32], b2[32];
    fprintf(out, "cimsim fit: %s -- %s\n", e->b.type->name, e->b.type->title);
    fprintf(out, "  data            %s: %zu reads%s (fnv1a64 %016" PRIx64 ")\n", e->data_path, e->pd.n,
            e->pd.normalised ? ", normalised units (g_norm)" : "", e->pd_fnv);
    fprintf(out, "  %-24s %-16s %s\n", "quantity", "fitted", "std error");
    for (size_t k = 0; k < pf->n; k++) {
        char se[32];
        if (isfinite(pf->v[k].se))
            snprintf(se, sizeof se, "+- %.4g", pf->v[k].se);
        else
            snprintf(se, sizeof se, "-");
        fprintf(out, "  %-24s %-16.8g %-13s %s\n", pf->v[k].name, pf->v[k].value, se,
                strcmp(pf->v[k].unit, "1") != 0 ? pf->v[k].unit : "");
    }
    fprintf(out, "  range           %s .. %s (robust: outlying reads left out)\n", cli_si(b1, pf->g_min_S, u),
            cli_si(b2, pf->g_max_S, u));
    fprintf(out, "  fit             one-pulse rms %s, R^2 %.6g of the steps, over %zu pulse pairs (closed form)\n",
            cli_si(b1, pf->rms_S, u), pf->r2, pf->n_pairs);
    if (e->have_pred)
        fprintf(out, "  prediction      %s: one-pulse rms %s, R^2 %.6g over %zu pairs, with the fitted parameters\n",
                e->predict_path, cli_si(b1, e->pred_pf.rms_S, u), e->pred_pf.r2, e->pred_pf.n_pairs);
    if (a->output != NULL)
        fprintf(out, "  wrote           %s (run: cimsim device %s --pulses)\n", a->output, a->output);
    if (png != NULL)
        fprintf(out, "  wrote           %s\n", png);
    if (png_pred != NULL)
        fprintf(out, "  wrote           %s\n", png_pred);
}

static json_t *pulse_trace_json(const pulse_data *d, const double *g_model)
{
    json_t *p = json_array(), *g = json_array(), *pol = json_array(), *gm = json_array();
    for (size_t k = 0; k < d->n; k++) {
        json_array_append_new(p, json_real(d->pulse[k]));
        json_array_append_new(g, json_real(d->g[k]));
        json_array_append_new(pol, json_integer(d->polarity[k]));
        json_array_append_new(gm, json_real(g_model[k]));
    }
    return json_pack("{s:o, s:o, s:o, s:o}", "pulse", p, "g_S", g, "polarity", pol, "g_model_S", gm);
}

static int pulse_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv)
{
    const exp_fit *e = r->state;
    int st = CIM_OK;
    char png_pred[4200];
    const char *png = cli_opt(cmd, a, "plot");
    if (a->output != NULL) {
        strbuf b;
        strbuf_init(&b);
        exp_fit_pulse_config(e, a->invocation, &b);
        st = afile_write_all(a->output, b.s, b.len);
        strbuf_destroy(&b);
    }
    if (st == CIM_OK && a->format == CLI_FORMAT_JSON) {
        cli_args to_stdout = *a;
        to_stdout.output = NULL;
        json_t *jb = json_pack("{s:O, s:o}", "summary", r->summary, "trace", pulse_trace_json(&e->pd, e->g_model_S));
        if (e->have_pred)
            json_object_set_new(jb, "prediction_trace", pulse_trace_json(&e->ppd, e->g_pred_S));
        st = cli_write_result(&to_stdout, pv, NULL, jb);
        json_decref(jb);
    }
    if (st == CIM_OK && png != NULL) {
        char title[3000];
        snprintf(title, sizeof title, "cimsim fit: %s to %s (one-pulse R^2 %.5g)", e->b.type->name, e->data_path,
                 e->pf.r2);
        st = plot_pulse_fit(&e->pd, e->g_model_S, title, png);
        if (st == CIM_OK && e->have_pred) {
            predict_plot_path(png, png_pred, sizeof png_pred);
            snprintf(title, sizeof title, "cimsim fit: %s fitted to %s, predicting %s (one-pulse R^2 %.5g)",
                     e->b.type->name, e->data_path, e->predict_path, e->pred_pf.r2);
            st = plot_pulse_fit(&e->ppd, e->g_pred_S, title, png_pred);
        }
    }
    FILE *out = a->quiet ? NULL : a->format == CLI_FORMAT_JSON ? stderr : stdout;
    if (st == CIM_OK && out != NULL)
        report_pulse(out, a, e, png, png != NULL && e->have_pred ? png_pred : NULL);
    return st;
}

static int fit_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    (void)prog;
    const exp_fit *e = r->state;
    if (e->p.kind == FIT_KIND_PULSE)
        return pulse_present(cmd, a, r, pv);
    int st = CIM_OK;
    char pwl[4200] = "", png_pred[4200];
    const char *png = cli_opt(cmd, a, "plot");
    if (a->output != NULL) {
        pwl_path_of(a->output, pwl, sizeof pwl);
        const char *slash = strrchr(pwl, '/');
        strbuf b;
        strbuf_init(&b);
        exp_fit_config(e, slash != NULL ? slash + 1 : pwl, a->invocation, &b);
        st = afile_write_all(a->output, b.s, b.len);
        strbuf_clear(&b);
        exp_fit_pwl(e, &b);
        if (st == CIM_OK)
            st = afile_write_all(pwl, b.s, b.len);
        strbuf_destroy(&b);
    }
    if (st == CIM_OK && a->format == CLI_FORMAT_JSON) { /* the result goes to standard output; -o is the config */
        cli_args to_stdout = *a;
        to_stdout.output = NULL;
        json_t *jb = json_pack("{s:O, s:o}", "summary", r->summary, "trace", trace_json(&e->tr, e->res.i_model_A, e->p.dt_s));
        if (e->have_pred)
            json_object_set_new(jb, "prediction_trace", trace_json(&e->pred, e->i_pred_A, e->p.dt_s));
        st = cli_write_result(&to_stdout, pv, NULL, jb);
        json_decref(jb);
    }
    if (st == CIM_OK && png != NULL) {
        char title[3000];
        snprintf(title, sizeof title, "cimsim fit: %s to %s (%s residuals, R^2 %.5g)", e->b.type->name, e->data_path,
                 e->p.residual == FIT_RESID_LOG ? "log" : "linear", e->stats.r2);
        st = plot_fit(&e->tr, e->res.i_model_A, e->p.dt_s, e->p.residual == FIT_RESID_LOG, e->res.r_series_ohm > 0,
                      title, png);
        if (st == CIM_OK && e->have_pred) {
            predict_plot_path(png, png_pred, sizeof png_pred);
            snprintf(title, sizeof title, "cimsim fit: %s fitted to %s, predicting %s (nrmse %.4g, R^2 %.5g)",
                     e->b.type->name, e->data_path, e->predict_path, e->pred_stats.nrmse, e->pred_stats.r2);
            st = plot_fit(&e->pred, e->i_pred_A, e->p.dt_s, e->p.residual == FIT_RESID_LOG, e->res.r_series_ohm > 0,
                          title, png_pred);
        }
    }
    FILE *out = a->quiet ? NULL : a->format == CLI_FORMAT_JSON ? stderr : stdout;
    if (st == CIM_OK && out != NULL)
        report(out, a, e, pwl, png, png != NULL && e->have_pred ? png_pred : NULL);
    if (st == CIM_OK && !e->res.converged) {
        /* Exit 1, but the best point is a result: its outputs are kept (core/afile.h). */
        afile_defer_end(1);
        afile_defer_begin();
        const char *why = e->res.stop;
        if (strncmp(why, "not converged: ", 15) == 0)
            why += 15;
        return cim_error(CIM_ESIM,
                         "the fit did not converge: %s, after %zu iterations of the winning start; its best point is "
                         "reported%s.  Try a larger fit.max_iter (now %lld), more starts drawn across the bounds "
                         "(fit.n_starts, now %lld), or other bounds",
                         why, e->res.iterations, a->output != NULL || png != NULL ? " and written" : "",
                         e->p.max_iter, e->p.n_starts);
    }
    return st;
}

static const cli_presenter fit_presenter = {"fit", "fit", fit_check, NULL, fit_present};
static const cli_presenter *const fit_presenters[] = {&fit_presenter, NULL};

const cli_command cmd_fit = {
    .name = "fit",
    .summary = "fit a device model's parameters to a measured I-V trace: values, standard errors, prediction error",
    .usage = "[options] CONFIG",
    .description =
        "Tunes the keys named in fit.bounds of the model device.model (the others stay at the config's\n"
        "values; each fitted key starts at its value there) so that the model, driven by the measured\n"
        "voltage, reproduces the measured current: GSL nonlinear least squares with bounds, optional\n"
        "log-current residuals, a series resistor, multi-start (fit/fit.h).  Prints the fitted values with\n"
        "standard errors and their correlations, the fit's RMS error (linear and log), R^2 and why the solver\n"
        "stopped; with a second measurement (fit.predict, --predict) the error of predicting it.  -o writes the\n"
        "fitted model as a device config (and its stimulus, the measured waveform, beside it) that\n"
        "`cimsim device` runs.  --format json writes the result to standard output.\n"
        "Exit status: 0 converged, 1 not converged (the best point is still reported and written), 2 bad\n"
        "input.  The data: CSV with columns t_s (optional), v_V, i_A and weight (optional, per sample); a trace\n"
        "without t_s needs fit.dt_s.\n"
        "fit.kind = \"pulse\" fits a pulse-response model (neurosim, soft_bounds, lut) to pulse,g_S,polarity\n"
        "data in closed form (fit/pulse.h; no bounds), and -o writes a config for `cimsim device --pulses`.\n\n"
        "examples:\n"
        "  cimsim fit configs/fit/vteam_iv.cfg -o vteam_fitted.cfg --plot vteam_fit.png\n"
        "  cimsim device vteam_fitted.cfg -o vteam_fitted.csv\n"
        "  cimsim fit configs/fit/vteam_iv.cfg --set fit.residual='\"linear\"' --format json -o fitted.cfg",
    .options = fit_options,
    .config_required = 1,
    .run = cli_run_experiment,
    .presenters = fit_presenters,
};

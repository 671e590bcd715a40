/* cli/plot.c -- see plot.h. */
#include "cli/plot.h"
#include "cli/cli.h"
#include "core/afile.h"
#include "core/status.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The gnuplot terminal of a figure's file name (cli_check_outputs refuses others before the run): PNG and PDF through
 * cairo (anti-aliased, the same fonts), SVG through gnuplot's own svg terminal (gnuplot-nox has no cairo svg). */
static const char *terminal_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot != NULL && strcasecmp(dot, ".svg") == 0)
        return "svg";
    if (dot != NULL && strcasecmp(dot, ".pdf") == 0)
        return "pdfcairo";
    if (dot != NULL && strcasecmp(dot, ".png") == 0)
        return "pngcairo";
    return NULL;
}

/* Opens path for a w x h figure (pixels; a PDF gets the same shape at 100 pixels to the inch). */
static int figure_open(plot_figure *fg, const char *path, int w, int h)
{
    const char *term = terminal_of(path);
    if (term == NULL)
        return cim_error(CIM_EUSAGE, "%s: the extension chooses the figure's format: .png, .svg or .pdf", path);
    if (strlen(path) > 1000) /* the script quotes it; keep it well inside the buffers */
        return cim_error(CIM_EUSAGE, "%.60s...: the figure's path is longer than 1000 characters", path);
    int st = afile_open(&fg->out, path);
    if (st != CIM_OK)
        return st;
    if (strcmp(term, "pdfcairo") == 0)
        snprintf(fg->head, sizeof fg->head,
                 "set encoding utf8\nset terminal pdfcairo size %.2fin,%.2fin font ',9'\nset output '%s'\n", w / 100.0,
                 h / 100.0, fg->out.tmp_path);
    else
        snprintf(fg->head, sizeof fg->head, "set encoding utf8\nset terminal %s size %d,%d font ',11'\nset output '%s'\n",
                 term, w, h, fg->out.tmp_path);
    return CIM_OK;
}

/* gnuplot's last message (its error comes last; a line of only a caret, pointing into the script, is skipped), on
 * one line, leading blanks trimmed. */
static void tail_of(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return;
    char buf[8192];
    size_t len = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[len] = '\0';
    const char *last = NULL;
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        line += strspn(line, " \t^");
        if (*line != '\0')
            last = line;
    }
    if (last != NULL)
        snprintf(out, n, "%s", last);
}

int plot_figure_draw(plot_figure *fg, const char *script, const char *data)
{
    char err_path[] = "/tmp/cimsim-gnuplot-XXXXXX", cmd[64], why[600];
    int fd = mkstemp(err_path);
    if (fd < 0) {
        unlink(data);
        afile_abort(&fg->out);
        return cim_error(CIM_EIO, "cannot create a temporary file for gnuplot's messages: %s", strerror(errno));
    }
    close(fd);
    snprintf(cmd, sizeof cmd, "gnuplot 2>%s", err_path);
    /* A gnuplot that is missing or stops early closes the pipe: the write must fail, not kill the program
     * (SIGPIPE), so that the message below says what happened. */
    struct sigaction ign = {0}, old_pipe;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe);
    FILE *gp = popen(cmd, "w");
    int rc = -1;
    if (gp != NULL) {
        fputs(fg->head, gp);
        fputs(script, gp);
        rc = pclose(gp);
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
    unlink(data);
    tail_of(err_path, why, sizeof why);
    unlink(err_path);
    const char *path = fg->out.path;
    struct stat sb;
    int code = rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    if (code == 127) {
        cim_error(CIM_EIO, "cannot draw %s: gnuplot is not installed or not on PATH (Debian: gnuplot-nox; make deps "
                           "installs it)", path);
    } else if (code != 0) {
        if (why[0] != '\0')
            cim_error(CIM_EIO, "cannot draw %s: gnuplot stopped with: %s", path, why);
        else
            cim_error(CIM_EIO, "cannot draw %s: gnuplot %s", path,
                      rc == -1 ? "could not be started" : "exited with an error and no message");
    } else if (stat(fg->out.tmp_path, &sb) != 0 || sb.st_size == 0) {
        cim_error(CIM_EIO, "cannot draw %s: gnuplot wrote nothing%s%s", path, why[0] ? ": " : "", why);
    } else {
        return afile_commit(&fg->out);
    }
    afile_abort(&fg->out);
    return CIM_EIO;
}

int plot_figure_begin(plot_figure *fg, const char *path, int w, int h, char data[static 24], FILE **fp)
{
    int st = figure_open(fg, path, w, h);
    if (st != CIM_OK)
        return st;
    strcpy(data, "/tmp/cimsim-plot-XXXXXX");
    int fd = mkstemp(data);
    if (fd < 0 || (*fp = fdopen(fd, "w")) == NULL) {
        cim_error(CIM_EIO, "cannot create a temporary file for the plot: %s", strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(data);
        }
        afile_abort(&fg->out);
        return CIM_EIO;
    }
    return CIM_OK;
}

double plot_eng_scale(double peak, const char **prefix)
{
    static const char *const name[] = {"f", "p", "n", "µ", "m", "", "k", "M", "G"};
    int k = peak > 0 && isfinite(peak) ? 5 + (int)floor(log10(peak) / 3) : 5;
    k = k < 0 ? 0 : k > 8 ? 8 : k;
    *prefix = name[k];
    return pow(10.0, -3 * (k - 5));
}

size_t plot_iv_current_range(const device_trace *tr, int reactive, double *lo, double *hi)
{
    size_t k0 = 0;
    if (reactive) /* skip the start-up: from the first polarity reversal of the voltage on */
        for (size_t k = 1, seen = 0; k < tr->n && k0 == 0; k++) {
            if (tr->v_V[k - 1] != 0)
                seen = 1;
            if (seen && (tr->v_V[k] > 0) != (tr->v_V[k - 1] > 0) && tr->v_V[k] != 0)
                k0 = k;
        }
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t k = k0; k < tr->n; k++)
        *lo = fmin(*lo, tr->i_A[k]), *hi = fmax(*hi, tr->i_A[k]);
    return k0;
}

int plot_spans_decades(double lo, double hi) { return lo > 0 && hi > 0 && hi / lo > 100.0; }

void plot_log_tics(char *out, size_t n, const char *axis, double lo, double hi, const char *unit)
{
    size_t m = (size_t)snprintf(out, n, "set %stics (", axis);
    int first = 1;
    for (int d = (int)floor(log10(lo)); d <= (int)ceil(log10(hi)) && m < n; d++) {
        char b[32];
        m += (size_t)snprintf(out + m, n - m, "%s'%s' %.0e", first ? "" : ", ", cli_si(b, pow(10.0, d), unit), pow(10.0, d));
        first = 0;
    }
    if (m < n)
        snprintf(out + m, n - m, ")\nset m%stics 10\n", axis);
}

int plot_pulses(const double *g_S, const double *g_sd_S, size_t n, size_t n_pot, const char *title,
                const char *png_path)
{
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, png_path, 900, 650, data, &fp);
    if (st != CIM_OK)
        return st;
    /* The unit's prefix from the data (µS or mS); a log axis when the curve spans more than two decades. */
    double lo = HUGE_VAL, hi = 0;
    for (size_t k = 0; k < n; k++)
        if (g_S[k] > 0) {
            lo = fmin(lo, g_S[k]);
            hi = fmax(hi, g_S[k]);
        }
    int log_g = plot_spans_decades(lo, hi);
    const char *prefix = "";
    double scale = log_g ? 1.0 : plot_eng_scale(hi, &prefix);
    for (size_t k = 0; k < n; k++)
        fprintf(fp, "%zu %.9g %d %.9g\n", k, g_S[k] * scale, k <= n_pot ? 0 : 1, g_sd_S ? g_sd_S[k] * scale : 0.0);
    fclose(fp);
    char script[4096], axis[1024] = "";
    if (log_g)
        plot_log_tics(axis, sizeof axis, "y", lo, hi, "S");
    /* With a spread over cycles: the mean with +-1 sigma error bars. */
    const char *style = g_sd_S ? "1:($3==%d?$2:1/0):4 with yerrorlines" : "1:($3==%d?$2:1/0) with linespoints";
    char s0[96], s1[96];
    snprintf(s0, sizeof s0, style, 0);
    snprintf(s1, sizeof s1, style, 1);
    snprintf(script, sizeof script,
             "set title \"%s\" noenhanced font ',10'\nset xlabel 'pulse number'\n"
             "set ylabel 'conductance at the read voltage%s%s%s%s'\n%s%sset grid\nset key below\n"
             "plot '%s' using %s pt 7 ps 0.5 lc rgb '#1f77b4' title 'potentiation', "
             "'' using %s pt 7 ps 0.5 lc rgb '#d62728' title 'depression'\n",
             title, log_g ? "" : " (", log_g ? "" : prefix, log_g ? "" : "S)",
             g_sd_S ? ", mean +- 1 sigma over cycles" : "", log_g ? "set logscale y\n" : "", axis, data, s0, s1);
    return plot_figure_draw(&fg, script, data);
}

int plot_iv(const device_trace *tr, const device_observable *obs, const char *title, int log_current,
            const char *png_path)
{
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, png_path, obs != NULL && obs->name != NULL && tr->obs != NULL ? 1600 : 900, 650, data, &fp);
    if (st != CIM_OK)
        return st;
    int two = obs != NULL && obs->name != NULL && tr->obs != NULL;
    double scale = 1.0;
    const char *unit = two ? cli_display_unit(obs->unit, &scale) : "";
    double peak = 0;
    for (size_t i = 0; i < tr->n; i++)
        peak = fmax(peak, fabs(tr->i_A[i]));
    const char *i_prefix = "", *t_prefix;
    double i_scale = log_current ? 1.0 : plot_eng_scale(peak, &i_prefix), t_scale = plot_eng_scale(tr->t_s[tr->n - 1], &t_prefix);
    for (size_t i = 0; i < tr->n; i++)
        fprintf(fp, "%.9g %.9g %.9g %.9g\n", tr->v_V[i], log_current ? fabs(tr->i_A[i]) : tr->i_A[i] * i_scale,
                tr->t_s[i] * t_scale, two ? tr->obs[i] * scale : 0.0);
    fclose(fp);
    char script[4096];
    size_t m = 0;
    m += (size_t)snprintf(script + m, sizeof script - m,
                          "set xlabel 'voltage (V)'\n"
                          "set grid\nunset key\nset offsets 0, 0, graph 0.04, graph 0.04\nset palette rgb 33,13,10\nset cblabel 'time (%ss)'\n",
                          t_prefix);
    if (two) /* the observable's loop on the left, as papers show the P-V loop beside the switching current */
        m += (size_t)snprintf(script + m, sizeof script - m,
                              "set multiplot layout 1,2 title \"%s\" noenhanced font ',11'\n"
                              "set ylabel '%.*s (%s)' noenhanced\nset xzeroaxis lt -1\nset yzeroaxis lt -1\n"
                              "unset colorbox\nplot '%s' using 1:4:3 with lines lw 2 lc palette\n"
                              "set colorbox\nunset xzeroaxis\nunset yzeroaxis\n",
                              title, (int)strcspn(obs->name, "_"), obs->name, unit, data);
    else
        m += (size_t)snprintf(script + m, sizeof script - m, "set title \"%s\" noenhanced font ',10'\n", title);
    if (log_current)
        m += (size_t)snprintf(script + m, sizeof script - m, "set ylabel '|current| (A)'\n");
    else
        m += (size_t)snprintf(script + m, sizeof script - m, "set ylabel 'current (%sA)'\n", i_prefix);
    /* A log axis shows six decades below the peak: samples at a source voltage that is zero to rounding (a
     * PWL knot, 1e-14 V) would otherwise stretch it to 1e-19 A and squash the curve. */
    if (log_current)
        m += (size_t)snprintf(script + m, sizeof script - m, "set logscale y\nset format y '10^{%%L}'\n");
    if (log_current && peak > 0)
        m += (size_t)snprintf(script + m, sizeof script - m, "set yrange [%.3g:*]\n", 1e-6 * peak);
    /* A reactive device's start-up relaxation (the depolarizing domains at t = 0) can dwarf its switching
     * current: the panel is scaled to the loop from the first reversal on, and says so. */
    double lo, hi;
    size_t k0 = two && !log_current ? plot_iv_current_range(tr, 1, &lo, &hi) : 0;
    if (k0 > 0 && hi > lo)
        m += (size_t)snprintf(script + m, sizeof script - m,
                              "set yrange [%.6g:%.6g]\nset label 1 'start-up before %.3g %ss off scale' at graph 0.02, "
                              "graph 0.96 font ',9'\n",
                              (lo - 0.05 * (hi - lo)) * i_scale, (hi + 0.05 * (hi - lo)) * i_scale, tr->t_s[k0] * t_scale,
                              t_prefix);
    snprintf(script + m, sizeof script - m, "plot '%s' using 1:2:3 with lines lw 2 lc palette\n%s", data,
             two ? "unset multiplot\n" : "");
    return plot_figure_draw(&fg, script, data);
}

int plot_r_t(const device_trace *tr, size_t first, double t_start_s, double slope, double ln_r1_ohm, double dt_lo_s,
             double dt_hi_s, const char *title, const char *png_path)
{
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, png_path, 900, 650, data, &fp);
    if (st != CIM_OK)
        return st;
    for (size_t k = first; k < tr->n; k++) {
        double dt = tr->t_s[k] - t_start_s, r = tr->v_V[k] / tr->i_A[k];
        if (dt > 0 && r > 0 && isfinite(r)) /* a log-log axis shows positive values only */
            fprintf(fp, "%.9g %.9g\n", dt, r);
    }
    fclose(fp);
    /* About 12 markers per decade, so the fitted line shows between them. */
    double decades = log10((tr->t_s[tr->n - 1] - t_start_s) / fmax(tr->t_s[first] - t_start_s, 1e-300));
    size_t every = (size_t)fmax(1.0, floor((double)(tr->n - first) / fmax(12.0 * decades, 1.0)));
    char script[4096], fit[512] = "", lo_s[32], hi_s[32];
    if (isfinite(slope))
        snprintf(fit, sizeof fit,
                 ", (x >= %.9g && x <= %.9g) ? exp(%.17g) * x**%.17g : 1/0 with lines lw 2.5 lc rgb '#d62728' "
                 "title sprintf('fit over %s .. %s: slope %%.4f', %.17g)",
                 dt_lo_s, dt_hi_s, ln_r1_ohm, slope, cli_si(lo_s, dt_lo_s, "s"), cli_si(hi_s, dt_hi_s, "s"), slope);
    snprintf(script, sizeof script,
             "set title \"%s\" noenhanced font ',10'\n"
             "set logscale xy\nset format x '10^{%%L}'\nset format y '%%.0s %%cΩ'\nset mytics 10\n"
             "set xlabel 'time since the read hold began, t - t_0 (s)'\nset ylabel 'resistance R = v / i'\n"
             "set grid xtics ytics mytics\nset key top left\nset samples 400\n"
             "plot '%s' using 1:2 every %zu with points pt 6 ps 1 lc rgb '#1f77b4' title 'R(t), simulated'%s\n",
             title, data, every, fit);
    return plot_figure_draw(&fg, script, data);
}

int plot_pcm_stat(const pcm_stat_params *m, const pcm_stat_result *r, const char *title, const char *png_path)
{
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, png_path, 1400, 1000, data, &fp);
    if (st != CIM_OK)
        return st;
    /* Conductances in the prefix of g_max (µS for the IBM model); G(t) on a log axis when the targets span more
     * than two decades. */
    const char *gp;
    double gs = plot_eng_scale(r->g_max_S, &gp);
    int log_g = r->n_targets > 0 && plot_spans_decades(r->g_t_S[0], r->g_t_S[r->n_targets - 1]);
    /* index 0: the model on a fine grid of G_T; 1: the drawn statistics per target; 2 + k: G(t) of target k. */
    for (int i = 0; i <= 400; i++) {
        double x = i / 400.0, mean, sd;
        pcm_stat_nu_moments(m, x, &mean, &sd);
        fprintf(fp, "%.9g %.9g %.9g %.9g\n", x * r->g_max_S * gs, pcm_stat_sigma_prog_S(m, x) * gs, mean, sd);
    }
    fprintf(fp, "\n\n");
    for (size_t k = 0; k < r->n_targets; k++)
        fprintf(fp, "%.9g %.9g %.9g %.9g\n", r->g_t_S[k] * gs, r->g_prog_std_S[k] * gs, r->nu_mean[k], r->nu_std[k]);
    for (size_t k = 0; k < r->n_targets; k++) {
        fprintf(fp, "\n\n");
        for (size_t j = 0; j < r->n_times; j++) {
            size_t i = k * r->n_times + j;
            fprintf(fp, "%.9g %.9g %.9g %.9g %.9g %.9g\n", r->t_s[j], r->g_mean_S[i] * gs, r->g_std_S[i] * gs,
                    r->alpha[j] * r->g_mean_S[i] * gs, r->alpha[j] * r->g_std_S[i] * gs, r->g_mean_model_S[i] * gs);
        }
    }
    fclose(fp);
    char script[12288], names[PARAM_REALS_MAX * 16 + 1] = "";
    int last = 1 + (int)r->n_targets;
    for (size_t k = 0; k < r->n_targets; k++) /* the legend: one word per target */
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%.4g", k ? " " : "", r->g_t_S[k] * gs);
    snprintf(script, sizeof script,
             "set multiplot layout 2,2 title \"%s\" noenhanced font ',11'\n"
             "set grid\nset key top left\nset xlabel 'target conductance G_T (%sS)'\n"
             "set title 'programming noise' noenhanced\nset ylabel 'sigma of G_P (%sS)'\n"
             "plot '%s' index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'model sigma_{prog}', "
             "'' index 1 using 1:2 with points pt 7 ps 1.2 lc rgb '#d62728' title 'drawn'\n"
             "set title 'drift exponent' noenhanced\nset ylabel 'nu'\nset key top right\n"
             "plot '' index 0 using 1:3 with lines lw 2 lc rgb '#1f77b4' title 'model mean', "
             "'' index 0 using 1:($3-$4) with lines dt 2 lc rgb '#1f77b4' title 'model mean +- 1 sigma', "
             "'' index 0 using 1:($3+$4) with lines dt 2 lc rgb '#1f77b4' notitle, "
             "'' index 1 using 1:3:4 with yerrorbars pt 7 ps 1.2 lc rgb '#d62728' title 'drawn mean +- 1 sigma'\n"
             "set logscale x\nset format x '10^{%%L}'\nset xlabel 'time after programming (s)'\n"
             "set ylabel 'G (%sS)'\nset key outside right title 'G_T (%sS)'\n%s\ntargets = '%s'\n"
             "set title 'G(t), mean +- 1 sigma (dashed: model mean)' noenhanced\n"
             "plot for [k=2:%d] '' index k using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 "
             "lc k-1 notitle, for [k=2:%d] '' index k using 1:2 with linespoints pt 7 lc k-1 title word(targets, k-1), "
             "for [k=2:%d] '' index k using 1:6 with lines dt 2 lc k-1 notitle\n"
             "set title 'G(t) with global drift compensation' noenhanced\n"
             "plot for [k=2:%d] '' index k using 1:($4-$5):($4+$5) with filledcurves fs transparent solid 0.2 "
             "lc k-1 notitle, for [k=2:%d] '' index k using 1:4 with linespoints pt 7 lc k-1 title word(targets, k-1)\n"
             "unset multiplot\n",
             title, gp, gp, data, gp, gp, log_g ? "set logscale y" : "set yrange [0:*]", names, last, last, last,
             last, last);
    return plot_figure_draw(&fg, script, data);
}

int plot_endurance(const double *cycles, const double *window, const double *i_pos, const double *i_neg, size_t n,
                   const char *obs_label, double obs_scale, const char *title, const char *png_path)
{
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, png_path, (window != NULL) + (i_pos != NULL) > 1 ? 1300 : 800, 600, data, &fp);
    if (st != CIM_OK)
        return st;
    int has_obs = window != NULL, has_read = i_pos != NULL;
    for (size_t k = 0; k < n; k++)
        fprintf(fp, "%.9g %.9g %.9g %.9g\n", cycles[k], has_obs ? window[k] * obs_scale : 0.0,
                has_read ? fabs(i_pos[k]) : 1.0, has_read ? fabs(i_neg[k]) : 1.0);
    fclose(fp);
    char script[4096];
    size_t m = 0;
    int panels = has_obs + has_read;
    m += (size_t)snprintf(script + m, sizeof script - m,
                          "set multiplot layout 1,%d title \"%s\" noenhanced font ',10'\n"
                          "set logscale x\nset format x '10^{%%L}'\nset xlabel 'switching cycles'\nset grid\n",
                          panels, title);
    if (has_obs)
        m += (size_t)snprintf(script + m, sizeof script - m,
                              "set ylabel '%s' noenhanced\nset yrange [0:*]\n"
                              "plot '%s' using 1:2 with linespoints pt 7 ps 0.6 lc rgb '#1f77b4' notitle\n",
                              obs_label, data);
    if (has_read)
        m += (size_t)snprintf(script + m, sizeof script - m,
                              "set ylabel 'read current at the read voltage (A)'\nset logscale y\nset format y '10^{%%L}'\n"
                              "set yrange [*:*]\nset key below\n"
                              "plot '%s' using 1:3 with linespoints pt 7 ps 0.6 lc rgb '#d62728' title 'after the positive half', "
                              "'' using 1:4 with linespoints pt 7 ps 0.6 lc rgb '#1f77b4' title 'after the negative half'\n",
                              data);
    snprintf(script + m, sizeof script - m, "unset multiplot\n");
    return plot_figure_draw(&fg, script, data);
}

int plot_heatmap(const double *z, size_t rows, size_t cols, double z_scale, const char *z_label, const char *log_unit,
                 const char *title, const char *png_path)
{
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, png_path, 700, 600, data, &fp);
    if (st != CIM_OK)
        return st;
    /* gnuplot's "matrix" format: one line per row, row 0 at the top (set yrange reverse). */
    double lo = HUGE_VAL, hi = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double v = z[i * cols + j] * (log_unit ? 1.0 : z_scale);
            fprintf(fp, "%.9g%c", v, j + 1 < cols ? ' ' : '\n');
            if (v > 0) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
    fclose(fp);
    char script[4096], cb[1024] = "";
    if (log_unit != NULL && hi > 0)
        plot_log_tics(cb, sizeof cb, "cb", lo, hi, log_unit);
    snprintf(script, sizeof script,
             "set title \"%s\" noenhanced font ',10'\nset xlabel 'column j (bit line; sense at the bottom)'\n"
             "set ylabel 'row i (word line; driver at column 0)'\nset cblabel '%s' noenhanced\n%s%s"
             "set xrange [-0.5:%zu-0.5]\nset yrange [%zu-0.5:-0.5]\nset palette rgbformulae 33,13,10\n"
             "set tics out\nplot '%s' matrix with image notitle\n",
             title, z_label, log_unit ? "set logscale cb\n" : "", cb, cols, rows, data);
    return plot_figure_draw(&fg, script, data);
}

int plot_margin(const size_t *n, size_t count, const double *const *margin, const double *const *closed,
                const char *const *labels, size_t n_series, double margin_min, const char *title, const char *png_path)
{
    static const char *const colour[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, png_path, 800, 600, data, &fp);
    if (st != CIM_OK)
        return st;
    /* columns: n, then margin and closed form (or -1: none) of each series, in % */
    for (size_t k = 0; k < count; k++) {
        fprintf(fp, "%zu", n[k]);
        for (size_t s = 0; s < n_series; s++)
            fprintf(fp, " %.9g %.9g", 100 * margin[s][k], closed[s] != NULL ? 100 * closed[s][k] : -1.0);
        fputc('\n', fp);
    }
    fclose(fp);
    char script[8192];
    size_t m = 0;
    m += (size_t)snprintf(script + m, sizeof script - m,
                          "set title \"%s\" noenhanced font ',10'\nset logscale x 2\nset grid\n"
                          "set xlabel 'array side n (n x n, worst-case cell)'\nset ylabel 'read margin (I_{LRS} - I_{HRS}) / I_{LRS} (%%)'\n"
                          "set yrange [0:105]\nset key below\n"
                          "plot %.9g with lines dt 3 lc rgb '#555555' title 'usable minimum (sneak.margin\\_min)'",
                          title, 100 * margin_min);
    for (size_t s = 0; s < n_series && s < 4; s++) {
        m += (size_t)snprintf(script + m, sizeof script - m,
                              ", '%s' using 1:%zu with linespoints pt 7 ps 0.8 lc rgb '%s' title '%s'", data, 2 + 2 * s,
                              colour[s], labels[s]);
        if (closed[s] != NULL)
            m += (size_t)snprintf(script + m, sizeof script - m,
                                  ", '%s' using 1:%zu with lines dt 2 lc rgb '%s' title '%s, closed form'", data,
                                  3 + 2 * s, colour[s], labels[s]);
    }
    snprintf(script + m, sizeof script - m, "\n");
    return plot_figure_draw(&fg, script, data);
}

int plot_bars(const char *const *names, const double *a, const double *b, size_t n, const char *label_a,
              const char *label_b, const char *y_label, const char *title, const char *path)
{
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, path, 900, 560, data, &fp);
    if (st != CIM_OK)
        return st;
    for (size_t k = 0; k < n; k++)
        fprintf(fp, "\"%s\" %.9g %.9g\n", names[k], a[k], b[k]);
    fclose(fp);
    char script[4096];
    snprintf(script, sizeof script,
             "set title \"%s\" noenhanced font ',10'\nset style data histograms\n"
             "set style histogram clustered gap 1\nset style fill solid 0.85 border -1\nset boxwidth 0.9\n"
             "set grid ytics\nset yrange [0:*]\nset ylabel \"%s\" noenhanced\nset xtics noenhanced\nset key top left\n"
             "plot '%s' using 2:xtic(1) lc rgb '#1f77b4' title \"%s\", '' using 3 lc rgb '#d62728' title \"%s\"\n",
             title, y_label, data, label_a, label_b);
    return plot_figure_draw(&fg, script, data);
}

int plot_stacked(const char *const *bars, size_t n_bars, const char *const *parts, size_t n_parts, const double *v,
                 const char *y_label, const char *title, const char *path)
{
    static const char *const colour[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                         "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};
    /* Log axis: the bars' totals can be decades apart; the floor is a decade under the smallest total.  gnuplot's
     * stacked histograms refuse a log axis, so each segment is drawn as a box from the sum below it to the sum with
     * it (the first from the floor). */
    double smallest = HUGE_VAL;
    for (size_t b = 0; b < n_bars; b++) {
        double tot = 0;
        for (size_t p = 0; p < n_parts; p++)
            tot += v[b * n_parts + p];
        if (tot > 0)
            smallest = fmin(smallest, tot);
    }
    double y_floor = isfinite(smallest) ? pow(10, floor(log10(smallest)) - 1) : 1e-3;
    plot_figure fg;
    char data[24];
    FILE *fp;
    int st = plot_figure_begin(&fg, path, 900, 600, data, &fp);
    if (st != CIM_OK)
        return st;
    /* one data block per part: for each bar with that part, x, the sum below and the sum with it */
    for (size_t p = 0; p < n_parts; p++) {
        fprintf(fp, "# %s\n", parts[p]);
        int any = 0;
        for (size_t b = 0; b < n_bars; b++) {
            double below = 0;
            for (size_t q = 0; q < p; q++)
                below += v[b * n_parts + q];
            if (v[b * n_parts + p] > 0) {
                fprintf(fp, "%zu %.9g %.9g\n", b, fmax(below, y_floor), below + v[b * n_parts + p]);
                any = 1;
            }
        }
        if (!any) /* an empty block would end the file's indexing: a segment of zero height, off the axis */
            fprintf(fp, "0 %.9g %.9g\n", y_floor / 10, y_floor / 10);
        fputs("\n\n", fp);
    }
    fclose(fp);
    char script[8192];
    size_t m = (size_t)snprintf(script, sizeof script,
                                "set title \"%s\" noenhanced font ',10'\nset style fill solid 0.85 border -1\n"
                                "set grid ytics\nset logscale y\nset yrange [%.3g:*]\nset xrange [-0.6:%zu.6]\n"
                                "set ylabel \"%s\" noenhanced\nset key outside right noenhanced\nset xtics (",
                                title, y_floor, n_bars - 1, y_label);
    for (size_t b = 0; b < n_bars; b++)
        m += (size_t)snprintf(script + m, sizeof script - m, "%s\"%s\" %zu", b ? ", " : "", bars[b], b);
    m += (size_t)snprintf(script + m, sizeof script - m, ")\nplot ");
    int first = 1;
    for (size_t p = 0; p < n_parts; p++) {
        int used = 0;
        for (size_t b = 0; b < n_bars; b++)
            used |= v[b * n_parts + p] > 0;
        if (!used) /* parts no bar has stay out of the key */
            continue;
        m += (size_t)snprintf(script + m, sizeof script - m,
                              "%s'%s' index %zu using 1:3:($1-0.3):($1+0.3):2:3 with boxxyerror lc rgb '%s' "
                              "title \"%s\"",
                              first ? "" : ", ", data, p, colour[p % 12], parts[p]);
        first = 0;
    }
    if (first)
        m += (size_t)snprintf(script + m, sizeof script - m, "NaN notitle");
    snprintf(script + m, sizeof script - m, "\n");
    return plot_figure_draw(&fg, script, data);
}

int plot_energy_report(const energy_report *rep, const char *const bars[3], const char *title, const char *path)
{
    const energy_machine *mach[3] = {&rep->design, &rep->von_neumann, &rep->neuromorphic};
    const char *parts[ENERGY_N_CATEGORIES];
    double v[3 * ENERGY_N_CATEGORIES];
    double per = rep->n_mac > 0 ? 1e12 / (double)rep->n_mac : 0; /* pJ per MAC */
    for (int c = 0; c < ENERGY_N_CATEGORIES; c++) {
        parts[c] = energy_categories[c].name;
        for (int k = 0; k < 3; k++)
            v[k * ENERGY_N_CATEGORIES + c] = energy_tally_J(&mach[k]->tally, c) * per;
    }
    return plot_stacked(bars, 3, parts, ENERGY_N_CATEGORIES, v, "energy per MAC (pJ)", title, path);
}

/* cli/plot.c -- see plot.h. */
#include "cli/plot.h"
#include "core/status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs gnuplot on script (which writes tmp_png) and moves the figure into place. */
static int run_gnuplot(const char *script, const char *tmp_png, const char *png_path, const char *data)
{
    FILE *gp = popen("gnuplot 2>/dev/null", "w");
    int rc = -1;
    if (gp != NULL) {
        fputs(script, gp);
        rc = pclose(gp);
    }
    unlink(data);
    if (rc != 0) {
        unlink(tmp_png);
        return cim_error(CIM_EIO, "gnuplot failed to draw %s (is gnuplot installed? make deps installs it)", png_path);
    }
    if (rename(tmp_png, png_path) != 0) {
        int e = errno;
        unlink(tmp_png);
        return cim_error(CIM_EIO, "cannot write %s: %s", png_path, strerror(e));
    }
    return CIM_OK;
}

/* A temporary data file for gnuplot, open for writing; path receives its name. */
static FILE *open_data(char path[static 24])
{
    strcpy(path, "/tmp/cimsim-plot-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) {
        cim_error(CIM_EIO, "cannot create a temporary file for the plot: %s", strerror(errno));
        return NULL;
    }
    return fdopen(fd, "w");
}

int plot_pulses(const double *g_S, const double *g_sd_S, size_t n, size_t n_pot, const char *title,
                const char *png_path)
{
    char data[24];
    FILE *fp = open_data(data);
    if (fp == NULL)
        return CIM_EIO;
    for (size_t k = 0; k < n; k++)
        fprintf(fp, "%zu %.9g %d %.9g\n", k, g_S[k] * 1e6, k <= n_pot ? 0 : 1, g_sd_S ? g_sd_S[k] * 1e6 : 0.0);
    fclose(fp);
    char tmp_png[1200], script[4096];
    snprintf(tmp_png, sizeof tmp_png, "%s.tmp.png", png_path);
    /* With a spread over cycles: the mean with +-1 sigma error bars. */
    const char *style = g_sd_S ? "1:($3==%d?$2:1/0):4 with yerrorlines" : "1:($3==%d?$2:1/0) with linespoints";
    char s0[96], s1[96];
    snprintf(s0, sizeof s0, style, 0);
    snprintf(s1, sizeof s1, style, 1);
    snprintf(script, sizeof script,
             "set terminal pngcairo size 900,650 font ',11'\nset output '%s'\n"
             "set title \"%s\" noenhanced font ',10'\nset xlabel 'pulse number'\n"
             "set ylabel 'conductance at the read voltage (uS)%s'\nset grid\nset key bottom center\n"
             "plot '%s' using %s pt 7 ps 0.5 lc rgb '#1f77b4' title 'potentiation', "
             "'' using %s pt 7 ps 0.5 lc rgb '#d62728' title 'depression'\n",
             tmp_png, title, g_sd_S ? ", mean +- 1 sigma over cycles" : "", data, s0, s1);
    return run_gnuplot(script, tmp_png, png_path, data);
}

int plot_iv(const device_trace *tr, const char *title, int log_current, const char *png_path)
{
    char data[24];
    FILE *fp = open_data(data);
    if (fp == NULL)
        return CIM_EIO;
    double peak = 0;
    for (size_t i = 0; i < tr->n; i++) {
        fprintf(fp, "%.9g %.9g %.9g\n", tr->v_V[i], log_current ? fabs(tr->i_A[i]) : tr->i_A[i], tr->t_s[i]);
        peak = fmax(peak, fabs(tr->i_A[i]));
    }
    fclose(fp);
    /* A log axis shows six decades below the peak: samples at a source voltage that is zero to rounding (a
     * PWL knot, 1e-14 V) would otherwise stretch it to 1e-19 A and squash the curve. */
    char yrange[64] = "";
    if (log_current && peak > 0)
        snprintf(yrange, sizeof yrange, "set yrange [%.3g:*]\n", 1e-6 * peak);
    char tmp_png[1200], script[4096];
    snprintf(tmp_png, sizeof tmp_png, "%s.tmp.png", png_path);
    snprintf(script, sizeof script,
             "set terminal pngcairo size 900,650 font ',11'\n"
             "set output '%s'\n"
             "set title \"%s\" noenhanced font ',10'\n"
             "set xlabel 'voltage (V)'\n"
             "set ylabel '%s'\n"
             "%s%s"
             "set grid\n"
             "set cblabel 'time (s)'\n"
             "set palette rgb 33,13,10\n"
             "unset key\n"
             "plot '%s' using 1:2:3 with lines lw 2 lc palette\n",
             tmp_png, title, log_current ? "|current| (A)" : "current (A)",
             log_current ? "set logscale y\nset format y '10^{%L}'\n" : "", yrange, data);
    return run_gnuplot(script, tmp_png, png_path, data);
}

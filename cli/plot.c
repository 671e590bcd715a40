/* cli/plot.c -- see plot.h. */
#include "cli/plot.h"
#include "core/status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int plot_iv(const device_trace *tr, const char *title, int log_current, const char *png_path)
{
    char data[] = "/tmp/cimsim-plot-XXXXXX";
    int fd = mkstemp(data);
    if (fd < 0)
        return cim_error(CIM_EIO, "cannot create a temporary file for the plot: %s", strerror(errno));
    FILE *fp = fdopen(fd, "w");
    for (size_t i = 0; i < tr->n; i++)
        fprintf(fp, "%.9g %.9g %.9g\n", tr->v_V[i], log_current ? fabs(tr->i_A[i]) : tr->i_A[i], tr->t_s[i]);
    fclose(fp);
    char tmp_png[1200], script[4096];
    snprintf(tmp_png, sizeof tmp_png, "%s.tmp.png", png_path);
    snprintf(script, sizeof script,
             "set terminal pngcairo size 900,650 font ',11'\n"
             "set output '%s'\n"
             "set title \"%s\" noenhanced font ',10'\n"
             "set xlabel 'voltage (V)'\n"
             "set ylabel '%s'\n"
             "%s"
             "set grid\n"
             "set cblabel 'time (s)'\n"
             "set palette rgb 33,13,10\n"
             "unset key\n"
             "plot '%s' using 1:2:3 with lines lw 2 lc palette\n",
             tmp_png, title, log_current ? "|current| (A)" : "current (A)",
             log_current ? "set logscale y\nset format y '10^{%L}'\n" : "", data);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "gnuplot 2>/dev/null");
    FILE *gp = popen(cmd, "w");
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

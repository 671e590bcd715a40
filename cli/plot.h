/* cli/plot.h -- figures through gnuplot (Debian gnuplot-nox), drawn by the CLI, never the library. */
#ifndef CIM_CLI_PLOT_H
#define CIM_CLI_PLOT_H

#include "core/afile.h"
#include "device/integrate.h"
#include "energy/report.h"
#include "exp/pcm_stat.h"

#include <stdio.h>

/* ---- the parts every figure is drawn with (for figures whose script is built elsewhere: cli/sweep_plot.c) ---- */

/* A figure being drawn: its output, written by gnuplot to a temporary beside it and renamed when whole
 * (core/afile.h), and the script lines that choose the terminal from the extension and point it there. */
typedef struct plot_figure {
    afile out;
    char head[1400]; /* "set terminal ...\nset output '...'\n" */
} plot_figure;

/* Opens path for a w x h figure (pixels; the extension .png, .svg or .pdf chooses the terminal, a PDF gets the same
 * shape at 100 pixels to the inch) and a temporary data file for gnuplot, open for writing in *fp; data receives its
 * name.  On failure nothing is left behind. */
int plot_figure_begin(plot_figure *fg, const char *path, int w, int h, char data[static 24], FILE **fp);
/* Runs gnuplot on script (fg->head first), removes the data file, and commits the figure (core/afile.h).  CIM_EIO
 * with gnuplot's last message if gnuplot is missing, fails or writes nothing. */
int plot_figure_draw(plot_figure *fg, const char *script, const char *data);
/* The power of 1000 that brings |x| <= peak into [1, 1000) (from femto to giga), and its SI prefix: axes
 * then read "current (µA)" with ticks 0 .. 150, not 1.5x10^-4 A. */
double plot_eng_scale(double peak, const char **prefix);
/* Values from lo to hi (both > 0) span more than two decades: the axis is logarithmic, else the spread vanishes
 * into the bottom of the axis. */
int plot_spans_decades(double lo, double hi);
/* "set <axis>tics ('1 µS' 1e-06, '10 µS' 1e-05, ...)\nset m<axis>tics 10\n" for a log axis of values in unit from lo
 * to hi: the tick labels in SI prefixes (gnuplot's own %c writes 'u' for micro). */
void plot_log_tics(char *out, size_t n, const char *axis, double lo, double hi, const char *unit);

/* ---- the figures ---------------------------------------------------------------------------------------------- */

/* Draws the I-V loop of a trace to png_path (current on a log |I| axis if log_current), with the
 * time-colour of each point so the direction of the loop reads off the figure.  With a model observable
 * (obs, may be NULL; the trace's obs column), two panels: the observable against the voltage (the P-V
 * loop, in the field's unit, cli_display_unit) beside the I-V loop.  The PNG is written to a temporary
 * name and renamed.  CIM_EIO if gnuplot is missing or fails. */
/* The current range of the loop an I-V plot shows: for a reactive device (reactive != 0) from the first
 * polarity reversal of the voltage on, which leaves the start-up relaxation out; returns that first sample. */
size_t plot_iv_current_range(const device_trace *tr, int reactive, double *lo, double *hi);
int plot_iv(const device_trace *tr, const device_observable *obs, const char *title, int log_current,
            const char *png_path);

/* Draws R = v/i of a trace's samples first..n-1 against their time since t_start_s on log-log axes (the
 * drift figure of PCM papers: a straight line of slope nu), with the fitted line ln R = ln_r1 + slope ln t
 * over [dt_lo_s, dt_hi_s] dashed (slope NAN: no line). */
int plot_r_t(const device_trace *tr, size_t first, double t_start_s, double slope, double ln_r1_ohm, double dt_lo_s,
             double dt_hi_s, const char *title, const char *png_path);

/* Draws conductance against pulse number (n reads) to png_path. */
int plot_pulses(const double *g_S, const double *g_sd_S, size_t n, size_t n_pot, const char *title,
                const char *png_path);

/* Draws the PCM characterisation of exp/pcm_stat.h to png_path, four panels after Joshi et al. 2020: sigma_prog
 * vs G_T and nu (mean +- 1 sigma) vs G_T, drawn points on the model's curves; G(t) vs log t with +-1 sigma
 * bands per target, raw and with global drift compensation, the model's mean dashed. */
/* The endurance curve (exp/endurance.h): the observable window (pos - neg, times obs_scale, labelled obs_label;
 * window NULL: none) and the read currents after each half (i_pos NULL: none) against the cycle count, log x. */
int plot_endurance(const double *cycles, const double *window, const double *i_pos, const double *i_neg, size_t n,
                   const char *obs_label, double obs_scale, const char *title, const char *png_path);
int plot_pcm_stat(const pcm_stat_params *m, const pcm_stat_result *r, const char *title, const char *png_path);

/* A heat map of the rows x cols matrix z (times z_scale, colour bar labelled z_label), row 0 at the top,
 * the way the array is drawn in papers (node-voltage maps of IR drop).  With log_unit (NULL: linear), z is drawn
 * unscaled on a logarithmic colour axis whose ticks read in SI prefixes of log_unit (conductances over decades). */
int plot_heatmap(const double *z, size_t rows, size_t cols, double z_scale, const char *z_label, const char *log_unit,
                 const char *title, const char *png_path);

/* The read margin against the array side (log2 x axis): one line per scheme (n_series curves of n points, y in
 * [0, 1] shown in %), each with its closed form dashed when closed[s] is not NULL, and margin_min as a
 * horizontal line. */
int plot_margin(const size_t *n, size_t count, const double *const *margin, const double *const *closed,
                const char *const *labels, size_t n_series, double margin_min, const char *title, const char *png_path);

/* A clustered bar chart: for each of the n categories names[k], the bars a[k] (label_a) and b[k] (label_b), from 0;
 * y_label names the quantity and its unit.  Written to a temporary name and renamed.  CIM_EIO if gnuplot fails. */
int plot_bars(const char *const *names, const double *a, const double *b, size_t n, const char *label_a,
              const char *label_b, const char *y_label, const char *title, const char *path);

/* Stacked bars: bar b is the stack of v[b * n_parts + p] over the parts p (labelled parts[p]), on a logarithmic
 * axis from a decade below the smallest total (totals decades apart stay visible).  Written to a temporary name and renamed.  CIM_EIO if gnuplot fails. */
int plot_stacked(const char *const *bars, size_t n_bars, const char *const *parts, size_t n_parts, const double *v,
                 const char *y_label, const char *title, const char *path);

/* An energy report's three machines (design, von Neumann, neuromorphic) as stacked bars of energy per MAC (pJ) by
 * category: plot_stacked with the bars named bars[0..2]. */
int plot_energy_report(const energy_report *rep, const char *const bars[3], const char *title, const char *path);

#endif

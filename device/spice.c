/* device/spice.c -- see spice.h. */
#include "device/spice.h"
#include "core/status.h"
#include "core/version.h"
#include "core/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int device_spice_netlist(const device_type *T, const void *params, const double *x0, double T_K,
                         const stimulus *s, double t_stop_s, size_t n_points, const char *data_path, strbuf *o)
{
    if (T->spice == NULL)
        return cim_error(CIM_EINVAL, "device model \"%s\" has no SPICE form", T->name);
    double t_step = t_stop_s / (double)(n_points - 1);
    strbuf_printf(o, "* cimsim %s: %s (%s) -- behavioural ngspice netlist\n", cim_version(), T->name, T->title);
    strbuf_printf(o, "* %s\n", T->citation);
    strbuf_puts(o, "* state variables live on unit capacitors, in units of:");
    for (size_t k = 0; k < T->n_state; k++)
        strbuf_printf(o, " %s/%g", T->state[k].name, T->state[k].spice_scale);
    strbuf_puts(o, "\n.options reltol=1e-10 abstol=1e-15 vntol=1e-12 chgtol=1e-22 method=gear maxord=2\n");
    if (T->spice_options != NULL) /* a later .options line overrides (a repeated key on one line does not) */
        strbuf_printf(o, ".options %s\n", T->spice_options);
    stimulus_spice(s, t_stop_s, o);
    /* A source on its own node whose PWL knots are the output times: ngspice places a breakpoint at
     * every knot, so it computes a solution exactly at each sample (no interpolation across an edge). */
    strbuf_puts(o, "Vgrid tg 0 PWL(0 0");
    for (size_t k = 1; k < n_points; k++)
        strbuf_printf(o, "%s %.17g 0", k % 4 == 1 ? "\n+" : "",
                      k + 1 == n_points ? t_stop_s : t_stop_s * (double)k / (double)(n_points - 1));
    strbuf_puts(o, ")\nRgrid tg 0 1\n");
    strbuf_printf(o, "X1 p 0 %s\n", T->name);
    T->spice(params, x0, T_K, o);
    /* No TMAX: ngspice 39 steps over breakpoints when a TMAX forces its step (seen here); the grid
     * source already bounds every step by the output spacing. */
    strbuf_printf(o, ".tran %.17g %.17g 0 uic\n", t_step, t_stop_s);
    strbuf_puts(o, ".control\nset wr_singlescale\nset wr_vecnames\noption numdgt=16\nrun\n");
    /* v(p) is the device voltage; -i(Vin) the device current (the series resistor carries the same). */
    strbuf_printf(o, "wrdata %s v(p) i(Vin)", data_path);
    for (size_t k = 0; k < T->n_state; k++)
        strbuf_printf(o, " v(x1.s%zu)*%.17g", k, T->state[k].spice_scale);
    strbuf_puts(o, "\nquit\n.endc\n.end\n");
    return CIM_OK;
}

int device_spice_read(const char *data_path, double t_stop_s, size_t n_points, double *i_A)
{
    FILE *fp = fopen(data_path, "r");
    if (fp == NULL)
        return cim_error(CIM_EIO, "cannot read %s: %s", data_path, strerror(errno));
    char line[4096];
    size_t k = 0, rows = 0;
    double t_prev = NAN, i_prev = NAN;
    double tol = 1e-9 * t_stop_s / (double)n_points;
    while (k < n_points && fgets(line, sizeof line, fp) != NULL) {
        char *end;
        double t = strtod(line, &end);
        if (end == line)
            continue; /* the header line of vector names */
        strtod(end, &end);               /* v(p) */
        double i = -strtod(end, &end);   /* -i(Vin) is the device current */
        if (rows++ == 0 && t > tol)      /* with `uic` ngspice writes no row at t = 0 */
            i_A[k++] = NAN;
        /* Every output time is a breakpoint, so a row lies on it or (when ngspice judged the
         * breakpoint already reached) within a rounding distance: interpolate between neighbours. */
        for (;;) {
            double t_k = k + 1 == n_points ? t_stop_s : t_stop_s * (double)k / (double)(n_points - 1);
            if (k >= n_points || t < t_k - tol)
                break;
            if (fabs(t - t_k) <= tol || isnan(t_prev))
                i_A[k] = i;
            else
                i_A[k] = i_prev + (i - i_prev) * (t_k - t_prev) / (t - t_prev);
            k++;
        }
        t_prev = t;
        i_prev = i;
    }
    fclose(fp);
    if (k < n_points)
        return cim_error(CIM_EIO, "%s: ngspice stopped before t = %.17g s (%zu of %zu samples)", data_path,
                         t_stop_s * (double)k / (double)(n_points - 1), k, n_points);
    return CIM_OK;
}

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

/* ngspice's time u of physical time t in a log-time netlist: t = t_c (e^u - 1). */
static double log_time_u(double t_c, double t) { return log1p(t / t_c); }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The model's subcircuit with every state's rate source "Bs<k> 0 s<k> I=<rate>" (device.h's contract) written
 * as "I=TDOT()*(<rate>)": in a log-time netlist a state moves by dx/du = (dt/du) dx/dt. */
static void scale_rates(const char *sub, strbuf *o)
{
    for (const char *l = sub; *l != '\0';) {
        const char *eol = strchr(l, '\n');
        size_t len = eol != NULL ? (size_t)(eol - l) : strlen(l);
        unsigned k1, k2;
        int n = 0;
        if (sscanf(l, "Bs%u 0 s%u I=%n", &k1, &k2, &n) == 2 && n > 0 && k1 == k2 && (size_t)n <= len)
            strbuf_printf(o, "%.*sTDOT()*(%.*s)\n", n, l, (int)(len - (size_t)n), l + n);
        else
            strbuf_printf(o, "%.*s\n", (int)len, l);
        l += len + (eol != NULL);
    }
}

int device_spice_netlist(const device_type *T, const void *params, const double *x0, double T_K,
                         const stimulus *s, const sim_params *sim, double t_stop_s, const char *data_path, strbuf *o)
{
    if (T->spice == NULL) {
        char with[256] = "";
        for (size_t k = 0; device_types[k] != NULL; k++)
            if (device_types[k]->spice != NULL && strlen(with) + strlen(device_types[k]->name) + 3 < sizeof with)
                snprintf(with + strlen(with), sizeof with - strlen(with), "%s%s", with[0] ? ", " : "",
                         device_types[k]->name);
        return cim_error(CIM_EINVAL, "device model \"%s\" has no SPICE form, so --spice cannot describe it (models with one: %s)",
                         T->name, with);
    }
    size_t n_points = (size_t)sim->n_points;
    /* A log grid spans many decades, and ngspice cannot: its smallest step is 1e-11 of its largest (the output
     * spacing), and it merges breakpoints closer than 1e-10 of it, so over 1 ns .. 1e6 s it steps over a
     * nanosecond pulse at the start without seeing it.  There the netlist runs in log time u = ln(1 + t/t_c),
     * t_c the first sample: uniform steps in u are steps in t proportional to t + t_c, every state's rate is
     * multiplied by dt/du = t_c e^u, the stimulus is a function of t(u), and the output times and the
     * stimulus's breakpoints are breakpoints in u.  The data file's time column is t again (setscale). */
    int log_time = sim->spacing == SIM_SPACING_LOG;
    double t_c = sim->t_first_s;
    double u_stop = log_time ? log_time_u(t_c, t_stop_s) : t_stop_s;
    double t_step = u_stop / (double)(n_points - 1);
    strbuf_printf(o, "* cimsim %s: %s (%s) -- behavioural ngspice netlist\n", cim_version(), T->name, T->title);
    strbuf_printf(o, "* %s\n", T->citation);
    strbuf_puts(o, "* state variables live on unit capacitors, in units of:");
    for (size_t k = 0; k < T->n_state; k++)
        strbuf_printf(o, " %s/%g", T->state[k].name, T->state[k].spice_scale);
    /* chgtol: an absolute floor for the states' truncation error.  ngspice's charge tolerance is
     * reltol max(|q|, chgtol); every state node is O(1) (spice_scale), and with a floor far below that
     * (chgtol = 1e-22) a state at or leaving 0 (a bound, a gap opening from 0 at a threshold) has no
     * absolute tolerance at all: at a kink of its rate ngspice cuts its step to 1e-16 s and aborts with
     * "timestep too small".  1e-2 makes the floor reltol chgtol = 1e-12 node units, the same as vntol. */
    strbuf_puts(o, "\n.options reltol=1e-10 abstol=1e-15 vntol=1e-12 chgtol=1e-2 method=gear maxord=2\n");
    if (T->spice_options != NULL) /* a later .options line overrides (a repeated key on one line does not) */
        strbuf_printf(o, ".options %s\n", T->spice_options);
    if (log_time) {
        strbuf_printf(o, "* log time: ngspice's time is u = ln(1 + t/%.17g s); t = TOFT(), dt/du = TDOT()\n", t_c);
        strbuf_printf(o, ".func TOFT() {%.17g*(exp(time)-1)}\n.func TDOT() {%.17g*exp(time)}\n", t_c, t_c);
    }
    stimulus_spice(s, t_stop_s, log_time ? "TOFT()" : NULL, o);
    /* A source on its own node whose PWL knots are the output times: ngspice places a breakpoint at
     * every knot, so it computes a solution exactly at each sample (no interpolation across an edge).
     * In log time it also carries the stimulus's breakpoints, which the B-source does not set. */
    size_t n_knots = n_points, cap = n_points + 16;
    double *u = xmalloc(cap * sizeof *u);
    for (size_t k = 0; k < n_points; k++) {
        double t = sim_output_time(sim, t_stop_s, k, n_points);
        u[k] = k + 1 == n_points ? u_stop : log_time ? log_time_u(t_c, t) : t;
    }
    if (log_time) {
        for (double b = stimulus_next_break(s, 0.0); b < t_stop_s; b = stimulus_next_break(s, b)) {
            if (n_knots == cap)
                u = xrealloc(u, (cap *= 2) * sizeof *u);
            u[n_knots++] = log_time_u(t_c, b);
        }
        qsort(u, n_knots, sizeof *u, cmp_double);
    }
    strbuf_puts(o, "Vgrid tg 0 PWL(0 0");
    for (size_t k = 1, w = 0; k < n_knots; k++)
        if (u[k] > u[k - 1]) /* PWL times increase strictly */
            strbuf_printf(o, "%s %.17g 0", w++ % 4 == 0 ? "\n+" : "", u[k]);
    free(u);
    strbuf_puts(o, ")\nRgrid tg 0 1\n");
    strbuf_printf(o, "X1 p 0 %s\n", T->name);
    /* The states' initial values also as the first Newton guess: with `uic` ngspice starts its first
     * step's iteration from 0 V on every node, whatever the capacitors' IC, and where the implicit step
     * has several roots (the Landau-Khalatnikov capacitor at remanence: the two wells and the unstable
     * P = 0 between them, at a first step 70 relaxation times long) Newton converges to the one
     * nearest 0 and the whole run follows a state that never was. */
    strbuf_puts(o, ".ic");
    for (size_t k = 0; k < T->n_state; k++)
        strbuf_printf(o, "%s v(x1.s%zu)=%.17g", k % 4 == 3 ? "\n+" : "", k, x0[k] / T->state[k].spice_scale);
    strbuf_puts(o, "\n");
    if (log_time) {
        strbuf sub;
        strbuf_init(&sub);
        T->spice(params, x0, T_K, &sub);
        scale_rates(sub.s, o);
        strbuf_destroy(&sub);
    } else {
        T->spice(params, x0, T_K, o);
    }
    /* No TMAX: ngspice 39 steps over breakpoints when a TMAX forces its step (seen here); the grid
     * source already bounds every step by the output spacing. */
    strbuf_printf(o, ".tran %.17g %.17g 0 uic\n", t_step, u_stop);
    strbuf_puts(o, ".control\nset wr_singlescale\nset wr_vecnames\noption numdgt=16\nrun\n");
    if (log_time)
        strbuf_printf(o, "let t_s = %.17g*(exp(time)-1)\nsetscale t_s\n", t_c);
    /* v(p) is the device voltage; -i(Vin) the device current (the series resistor carries the same). */
    strbuf_printf(o, "wrdata %s v(p) i(Vin)", data_path);
    for (size_t k = 0; k < T->n_state; k++)
        strbuf_printf(o, " v(x1.s%zu)*%.17g", k, T->state[k].spice_scale);
    strbuf_puts(o, "\nquit\n.endc\n.end\n");
    return CIM_OK;
}

int device_spice_read(const char *data_path, const sim_params *sim, double t_stop_s, double *i_A)
{
    FILE *fp = fopen(data_path, "r");
    if (fp == NULL)
        return cim_error(CIM_EIO, "cannot read %s: %s", data_path, strerror(errno));
    size_t n_points = (size_t)sim->n_points;
    char line[4096];
    size_t k = 0, rows = 0;
    double t_prev = NAN, i_prev = NAN;
    while (k < n_points && fgets(line, sizeof line, fp) != NULL) {
        char *end;
        double t = strtod(line, &end);
        if (end == line)
            continue; /* the header line of vector names */
        strtod(end, &end);               /* v(p) */
        double i = -strtod(end, &end);   /* -i(Vin) is the device current */
        /* a rounding distance at sample k: 1e-9 of the spacing to its neighbour (log time: t varies in steps
         * proportional to t, and t(u) rounds in proportion to t) */
        double t_k = sim_output_time(sim, t_stop_s, k, n_points);
        double tol = 1e-9 * (sim_output_time(sim, t_stop_s, k + 1 < n_points ? k + 1 : k, n_points) -
                             sim_output_time(sim, t_stop_s, k + 1 < n_points ? k : k - 1, n_points));
        if (rows++ == 0 && t > tol) /* with `uic` ngspice writes no row at t = 0 */
            i_A[k++] = NAN;
        /* Every output time is a breakpoint, so a row lies on it or (when ngspice judged the
         * breakpoint already reached) within a rounding distance: interpolate between neighbours. */
        while (k < n_points) {
            t_k = sim_output_time(sim, t_stop_s, k, n_points);
            tol = 1e-9 * (sim_output_time(sim, t_stop_s, k + 1 < n_points ? k + 1 : k, n_points) -
                          sim_output_time(sim, t_stop_s, k + 1 < n_points ? k : k - 1, n_points));
            if (t < t_k - tol)
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
                         sim_output_time(sim, t_stop_s, k, n_points), k, n_points);
    return CIM_OK;
}

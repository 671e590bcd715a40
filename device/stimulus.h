/* device/stimulus.h -- terminal voltage waveforms for device experiments.
 *
 * Every waveform is piecewise smooth and reports its breakpoints (pulse edges, triangle corners,
 * piecewise-linear knots): the integrators stop exactly on each, so an edge is never stepped over.
 *   dc        v = amplitude_V
 *   sine      v = offset_V + amplitude_V sin(2 pi freq_Hz t)
 *   triangle  v = offset_V + amplitude_V tri(freq_Hz t): 0 -> +A at T/4 -> -A at 3T/4 -> 0 at T
 *   pulse     n_pulses trapezoids from offset_V to amplitude_V: start t_delay_s + k t_period_s,
 *             rise t_rise_s, plateau t_width_s, fall t_fall_s (SPICE PULSE semantics)
 *   pwl       piecewise-linear through (t_s, v_V) pairs read from pwl_file (CSV), held after the end
 * The source drives the device through r_series_ohm (0: directly), as a 1T1R access transistor or a
 * compliance resistor would: the device then sees the voltage v that solves v_src = v + R_s i(x, v).
 */
#ifndef CIM_DEVICE_STIMULUS_H
#define CIM_DEVICE_STIMULUS_H

#include "core/param.h"
#include "core/strbuf.h"

#include <stddef.h>

enum { STIM_DC, STIM_SINE, STIM_TRIANGLE, STIM_PULSE, STIM_PWL };

typedef struct stimulus_params {
    int kind;               /* waveform */
    double amplitude_V;     /* DC level, sine/triangle peak, pulse plateau */
    double offset_V;        /* sine/triangle offset, pulse base level */
    double freq_Hz;         /* sine and triangle frequency */
    double n_periods;       /* sine/triangle: periods simulated when sim.t_stop_s = 0 */
    double t_delay_s;       /* pulse: time before the first rising edge */
    double t_rise_s;        /* pulse: rise time */
    double t_width_s;       /* pulse: plateau */
    double t_fall_s;        /* pulse: fall time */
    double t_period_s;      /* pulse: period */
    long long n_pulses;     /* pulse: number of pulses */
    param_string pwl_file;  /* pwl: CSV of t_s,v_V */
    double r_series_ohm;    /* resistor between the source and the device (load line, compliance) */
} stimulus_params;

extern const param_group stimulus_group;

typedef struct stimulus {
    stimulus_params p;  /* the settings */
    double *pwl_t_s;    /* pwl knots (owned) */
    double *pwl_v_V;
    size_t pwl_n;
} stimulus;

/* Builds a stimulus (reads the PWL file, relative to base_dir if not absolute).  CIM_EIO / CIM_EINVAL
 * with file and line on a malformed file or non-increasing times. */
int stimulus_init(stimulus *s, const stimulus_params *p, const char *base_dir);
/* Builds a pwl stimulus from n >= 1 knots in memory (a measured waveform: no file), copied, driving the device
 * through r_series_ohm.  CIM_EINVAL naming the knot if a value is not finite, a time is negative or the times do
 * not increase. */
int stimulus_init_pwl(stimulus *s, const double *t_s, const double *v_V, size_t n, double r_series_ohm);
void stimulus_destroy(stimulus *s);

/* Voltage at time t. */
double stimulus_v(const stimulus *s, double t_s);
/* The first breakpoint strictly after t (INFINITY if none). */
double stimulus_next_break(const stimulus *s, double t_s);
/* The natural duration: n_periods / freq, the end of the last pulse, the last PWL knot (DC: 1 s). */
double stimulus_duration(const stimulus *s);
/* The largest integration step that still resolves the waveform's shape (period/200 for sine). */
double stimulus_max_step(const stimulus *s);
/* An ngspice voltage source "Vin p 0 ..." for the same waveform over [0, t_stop]: SIN for a sine,
 * otherwise an exact PWL through the waveform's breakpoints.  With t_expr (an expression of ngspice's
 * `time` that is the physical time: device/spice.c's log-time netlists) the waveform is a B-source of
 * t_expr behind a 0 V source Vin (i(Vin) is the same current), and sets no breakpoints of its own. */
void stimulus_spice(const stimulus *s, double t_stop_s, const char *t_expr, strbuf *out);

#endif

/* device/integrate.h -- time integration of any device model, written once for all of them.
 *
 * Adaptive path (device_simulate): GSL odeiv2 steppers with error control, on the state plus one
 * extra component, the dissipated energy E = integral v i dt, so the reported energy is as accurate
 * as the state.  Every call of the stepper is bounded by the next stimulus breakpoint and the next
 * output time, so pulse edges are never stepped over and samples are exact, not interpolated.
 * The model sees only in-bound states (the right-hand side clamps its argument), motion past a bound
 * is switched off, and the state is clamped after every step.  Failure (a non-finite derivative, a
 * step-size underflow, the step budget exhausted) is a CIM_ESIM status with time and reason.
 *
 * Fixed-step path (device_step_array): classical RK4 over many cells at once, state in
 * structure-of-arrays layout, each cell with its own voltage; optional Euler-Maruyama noise from the
 * model's noise hook.  This is the path arrays use to update millions of cells per pulse.
 */
#ifndef CIM_DEVICE_INTEGRATE_H
#define CIM_DEVICE_INTEGRATE_H

#include "core/param.h"
#include "core/progress.h"
#include "device/device.h"
#include "device/stimulus.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>

enum { SIM_RKF45, SIM_RK8PD, SIM_MSBDF, SIM_BSIMP, SIM_FIXED };
enum { SIM_SPACING_LINEAR, SIM_SPACING_LOG };

typedef struct sim_params {
    double t_stop_s;      /* end time; 0 = the stimulus's natural duration */
    long long n_points;   /* output samples, including t = 0 and t_stop */
    int spacing;          /* output grid: uniform in time, or t = 0 then logarithmic from t_first_s */
    double t_first_s;     /* log spacing: the first sample after t = 0 */
    int method;           /* stepper */
    double rtol;          /* relative tolerance */
    double atol;          /* absolute tolerance, in units of each state's SPICE scale (nm, K, 1) */
    double dt_fixed_s;    /* step of the fixed method */
    long long max_steps;  /* step budget */
} sim_params;

extern const param_group sim_group;
extern const char *const sim_method_names[];
extern const char *const sim_spacing_names[];

/* Output time k of n_out (k = 0 is t = 0, k = n_out - 1 is t_stop) on sim's grid. */
double sim_output_time(const sim_params *sim, double t_stop_s, size_t k, size_t n_out);
/* CIM_ECONFIG unless sim's grid fits [0, t_stop_s] (log spacing: t_first_s < t_stop_s). */
int sim_check_grid(const sim_params *sim, double t_stop_s);

/* A sampled run: n samples of time, device voltage, current, state, the model's observable and device
 * power, plus the cumulative energy dissipated in the device (not in a series resistor). */
typedef struct device_trace {
    size_t n, n_state;
    double *t_s, *v_V, *i_A, *p_W, *e_J;
    double *x;          /* n x n_state, row-major */
    double *obs;        /* n values of the model's observable (device.h), with the parameters live at each
                           sample (a C2C redraw changes them); NULL when the model has none */
    size_t n_steps;     /* accepted steps */
    size_t n_failed;    /* rejected steps */
} device_trace;

void device_trace_free(device_trace *tr);

/* What one device brings beyond its parameters (device/variability.h): all optional. */
typedef struct device_sim_opts {
    const double *lo, *hi; /* reachable state range (endurance window), NULL: the model's bounds */
    int frozen;            /* stuck: the state never moves; current and energy are still computed */
    /* Called at the first output sample after each polarity reversal of the source voltage (a
     * switching event), with the state y there; may change the parameter block the integrator reads,
     * lo/hi and frozen (cycle-to-cycle redraws, ageing).  A non-OK status stops the run. */
    int (*on_reversal)(void *ctx, double t_s, double *y);
    void *ctx;
    /* Explicit output times (a measured trace's sample times, which a fit compares with): n_t_out increasing
     * times >= 0 replace sim's grid (n_points, spacing, t_stop_s); the run ends at the last.  The integrator
     * lands on each, as on the grid's.  NULL: sim's grid. */
    const double *t_out_s;
    size_t n_t_out;
} device_sim_opts;

/* Simulates one device from state x (updated in place) over [0, t_stop] under s, recording
 * sim->n_points samples (or opt's explicit times).  rng drives the noise hook on the fixed path (NULL: no noise); opt may be
 * NULL. */
int device_simulate(const device_type *T, const void *params, double T_K, double *x, const stimulus *s,
                    const sim_params *sim, gsl_rng *rng, const device_sim_opts *opt, device_trace *out,
                    progress *prog);

/* The voltage across the device when v_src drives it through r_s: the root of
 * v_src = v + r_s i(x, v), between 0 and v_src.  r_s = 0 gives v_src. */
double device_voltage(const device_type *T, const void *params, const double *x, double v_src, double r_s);

/* Advances n cells by one RK4 step of dt under per-cell voltages v_V.  x holds n_state blocks of n
 * values (x[k*n + c] is state k of cell c); p_stride = 0 shares one parameter block, else params
 * points to n blocks of p_stride bytes.  e_J (may be NULL) accumulates each cell's dissipated energy.
 * rng (may be NULL) adds the model's noise by Euler-Maruyama. */
void device_step_array(const device_type *T, const void *params, size_t p_stride, size_t n, double *x,
                       const double *v_V, double T_K, double dt_s, double *e_J, gsl_rng *rng);

#endif

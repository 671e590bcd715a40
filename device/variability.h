/* device/variability.h -- what makes one device differ from another, and from itself over time.
 *
 * Named semantics (the same words in the config reference, docs/config.md):
 *  - device-to-device (D2D), group variability.d2d.<param>: the parameter <param> of the model is drawn
 *    ONCE per device, when the device is made, around the configured (nominal) value.  Any real
 *    parameter of the selected model may be given.  A draw outside the parameter's declared range is
 *    redrawn (truncation); a device whose drawn parameters break the model's own rules (R_on < R_off)
 *    is redrawn whole.  Both give up with an error after 1000 tries: the spread is too wide.
 *  - cycle-to-cycle (C2C), group variability.c2c.<param>: the parameter is redrawn at EVERY switching
 *    event around that device's own (D2D) value.  A switching event is one programming pulse (the
 *    pulse experiment, array programming) or one polarity reversal of the applied voltage in a
 *    continuous trace (taken at the first output sample of the new polarity).
 *  - Distributions, around the centre p0:  normal  p = p0 + sigma_rel |p0| N(0,1)  (mean p0, standard
 *    deviation sigma_rel |p0|);  lognormal  p = p0 exp(sigma_ln N(0,1))  (median p0, ln|p| has standard
 *    deviation sigma_ln);  uniform  p = p0 + half_width_rel |p0| U(-1,1).  The lognormal is the usual
 *    description of the HRS, the normal of the LRS [HfO2-HRS-LRS-2013].
 *  - read noise, group variability.read: added to every READ (not to the dynamics), a zero-mean Gaussian
 *    current with variance over the measurement bandwidth B
 *        sigma_I^2 = 4 k T G B  (thermal, Johnson-Nyquist, G = I/V the chord conductance)
 *                  + 2 q |I| B  (shot)
 *                  + K_f I^2 ln(B / f_low)  (1/f: S_I(f) = K_f I^2 / f integrated from f_low to B;
 *                    S_G/G^2 = Q/f is the same form, docs/parameters.md)
 *  - faults, group variability: each device is, with probability p_stuck_on (p_stuck_off), stuck at its
 *    ON (OFF) state: the bound of the first state variable that conducts more (less) at the read voltage.
 *    A stuck device's state never changes; it still conducts and dissipates.
 *  - endurance, group variability.endurance: a device counts its switching cycles (one SET plus one
 *    RESET = one cycle, so each switching event adds 1/2), starting from n_cycles_start.  Two cited
 *    effects: (1) window closure -- beyond onset_cycles the reachable range of the first state variable
 *    loses window_loss_per_decade of its width per decade of cycles, from the ON side (the LRS degrades
 *    toward the HRS by filament shrinkage, [HfO2-HRS-LRS-2013]; the log-linear closure is the form of
 *    published endurance plots, a phenomenological fit, not physics); (2) failure -- each device's
 *    cycles-to-failure is drawn from a Weibull distribution (scale n63_cycles, shape weibull_shape), the
 *    customary description of RRAM cycling failure (Raghavan et al., Microelectron. Eng. 178, 2017, who
 *    also show where it fits poorly); past it the device is stuck at fail_state.
 *    Models with a device_type.condition hook also age through their own parameters as the count grows
 *    (the ferroelectrics: wake-up and a fatigue that closes the window symmetrically, device/ferro.h); the
 *    window closure above still applies on top if configured.
 *  - temperature: device.T_K, a parameter of every model (passed to condition as well).
 * Every draw comes from the generator the caller passes (owned by the simulation object).
 */
#ifndef CIM_DEVICE_VARIABILITY_H
#define CIM_DEVICE_VARIABILITY_H

#include "core/cfg.h"
#include "device/device.h"

#include <gsl/gsl_rng.h>

enum { DIST_NONE, DIST_NORMAL, DIST_LOGNORMAL, DIST_UNIFORM };
extern const char *const variability_dist_names[];

/* One parameter's distribution: the struct of every variability.d2d.<param> and .c2c.<param> group. */
typedef struct var_dist {
    int dist;
    double sigma_rel;      /* normal */
    double sigma_ln;       /* lognormal */
    double half_width_rel; /* uniform */
} var_dist;

/* Draws one value around p0 (no range check). */
double var_dist_draw(const var_dist *d, double p0, gsl_rng *r);

enum { FAIL_OFF, FAIL_ON };

typedef struct variability_params { /* group "variability" */
    double p_stuck_on;
    double p_stuck_off;
} variability_params;

typedef struct read_noise_params { /* group "variability.read" */
    double bandwidth_Hz; /* 0: noiseless reads */
    int thermal;
    int shot;
    double flicker_K;    /* S_I / I^2 = K_f / f */
    double f_low_Hz;
} read_noise_params;

typedef struct endurance_params { /* group "variability.endurance" */
    double n_cycles_start;
    double onset_cycles;
    double window_loss_per_decade;
    double n63_cycles;     /* 0: no failures */
    double weibull_shape;
    int fail_state;        /* FAIL_OFF or FAIL_ON */
} endurance_params;

extern const param_group variability_group, read_noise_group, endurance_group;
/* The template of the per-parameter groups, for the reference (path "variability.d2d.<param>"). */
extern const param_group var_dist_doc_group;

/* The group variability.d2d.<param> (which = 0) or variability.c2c.<param> (which = 1) for the k-th real
 * parameter of T, or NULL past the last.  Static storage, built once (thread-safe); quiet groups:
 * dumped and reported only when the configuration sets one of their keys. */
const param_group *variability_param_group(const device_type *T, int which, size_t k);

/* Everything that varies, for one model: bind with variability_bind, then variability_prepare. */
typedef struct variability {
    const device_type *T;
    variability_params faults;
    read_noise_params read;
    endurance_params endur;
    size_t n_params;             /* real parameters of T */
    const param_spec **spec;     /* [n_params] */
    var_dist *d2d, *c2c;         /* [n_params] each */
    int any_d2d, any_c2c;        /* set by variability_prepare */
} variability;

/* Binds variability, variability.read and variability.endurance (zeroes v first). */
void variability_bind_common(variability *v, cfg *c);
/* Binds the per-parameter groups of model T (after variability_bind_common). */
void variability_bind_model(variability *v, cfg *c, const device_type *T);
/* After cfg_resolve: notes which distributions are active. */
void variability_prepare(variability *v);
void variability_free(variability *v);

/* One device: its own parameters and state, faults, cycle count. */
typedef struct device_cell {
    void *p;            /* current parameters (D2D value, then C2C redraws) */
    void *p_d2d;        /* this device's D2D values: the centre of its C2C draws */
    double x[DEVICE_MAX_STATE];
    double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE]; /* reachable state range (endurance) */
    int on_high;        /* 1 if the ON state is the upper bound of state 0 */
    int stuck;          /* 0, or +1 stuck ON, -1 stuck OFF */
    double T_K;         /* ambient temperature */
    double cycles;      /* switching cycles so far */
    double cycles_to_fail; /* INFINITY without endurance failure */
} device_cell;

/* Makes a device from the nominal parameters: D2D draws, faults, cycles-to-failure, initial state at
 * T_K.  CIM_ESIM with the reason when no valid draw is found. */
int device_cell_make(const variability *v, const void *nominal, double T_K, gsl_rng *r, device_cell *cell);
void device_cell_free(device_cell *cell);

/* A switching event: C2C redraws, the cycle count and its endurance consequences. */
int device_cell_event(const variability *v, device_cell *cell, gsl_rng *r);

/* Standard deviation of the read current I at voltage v_V (model current I, temperature T_K). */
double variability_read_sigma_A(const read_noise_params *rn, double i_A, double v_V, double T_K);

/* A read: the model current of the cell at v_V plus read noise (r may be NULL: noiseless). */
double device_cell_read_A(const variability *v, const device_cell *cell, double v_V, double T_K, gsl_rng *r);

#endif

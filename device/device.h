/* device/device.h -- the device interface: one const table per model (GSL's gsl_odeiv2_step_type).
 *
 * Contract, checked for every registered model by tests/test_device.c:
 *  - A model is continuous-time physics: state variables x (names, units, bounds given by the type),
 *    the state derivative dx/dt(x, v, T) and the terminal current i(x, v).  Both are pure: they
 *    read the parameter block and the state and change nothing.
 *  - current_A(p, x, 0) == 0 (a memristor's pinched hysteresis); current_A is finite for |v| up
 *    to the voltages the model's check() allows.
 *  - bounds() gives the physical range of each state variable; the integrators clamp to it, so a
 *    model never has to (window functions stay the model's business).
 *  - Parameters live in a struct described by `params` (a param_group at "device.<name>"), loaded
 *    and range-checked by core/cfg.c; cross-field rules (R_on < R_off) are params->check.
 *  - Models never allocate, print or draw random numbers; stochastic behaviour goes through the
 *    optional `noise` hook, which the integrators drive with the owner's generator.
 * Integration (adaptive with breakpoints, fixed-step for arrays) is written once, in
 * device/integrate.c, not in the models.
 */
#ifndef CIM_DEVICE_H
#define CIM_DEVICE_H

#include "core/param.h"
#include "core/strbuf.h"

#include <stddef.h>

#define DEVICE_MAX_STATE 32 /* the ferroelectric models carry 32 domains (device/ferro.h) */

/* One state variable. */
typedef struct device_var {
    const char *name;    /* trace column and SPICE node name ("x", "w_m", "g_m", "T_K") */
    const char *unit;    /* SI unit ("1" for dimensionless) */
    double spice_scale;  /* the SPICE node holds x / spice_scale, O(1), so ngspice's absolute
                            tolerances (1 uV) do not swamp a state measured in nanometres */
} device_var;

/* Optional: one quantity derived from the state that papers plot against the voltage, next to the current
 * (the ferroelectrics' polarization, P = P_r mean(p_i)).  The trace carries it as a column named `name`,
 * unless a state variable already has that name (then it is that variable, and value returns it); the I-V
 * plot adds a panel of it against the voltage.  value is pure, like current_A.  name NULL: none. */
typedef struct device_observable {
    const char *name;  /* trace column, spelled like a state variable ("P_C_per_m2") */
    const char *unit;  /* SI unit ("C/m^2") */
    double (*value)(const void *p, const double *x);
} device_observable;

typedef struct device_type {
    const char *name;           /* registry key; config: device.model = "vteam" */
    const char *title;          /* one line: what the model is */
    const char *citation;       /* the paper(s) the equations and defaults come from */
    const param_group *params;  /* parameter table at "device.<name>" (size, defaults, check) */
    size_t n_state;             /* number of state variables, <= DEVICE_MAX_STATE */
    const device_var *state;    /* n_state descriptions */

    /* Physical range of the state for these parameters. */
    void (*bounds)(const void *p, double *lo, double *hi);
    /* Initial state from the parameters (x0 keys) at ambient temperature T_K. */
    void (*init)(const void *p, double T_K, double *x);
    /* dx/dt at state x, terminal voltage v_V and ambient temperature T_K. */
    void (*dxdt)(const void *p, const double *x, double v_V, double T_K, double *dx);
    /* Terminal current at state x and voltage v_V. */
    double (*current_A)(const void *p, const double *x, double v_V);

    /* Optional: sets the algebraic state variables (those with no dynamics of their own for these
     * parameters, such as a temperature in thermal steady state) from the others and the voltage.
     * The integrators call it before every evaluation and before recording; dxdt returns 0 for those
     * variables.  NULL: every state variable is dynamic. */
    void (*algebraic)(const void *p, double *x, double v_V, double T_K);
    /* Optional: diffusion of each state variable, units of x per sqrt(second), for Euler-Maruyama
     * on the fixed-step path (dx += sigma dW).  NULL: deterministic. */
    void (*noise)(const void *p, const double *x, double v_V, double T_K, double *sigma);
    /* Optional closed-form pulse fast path: the state after v_V held for t_s from x (updated in place)
     * within the range [lo, hi], and the energy dissipated in that time in *e_J, without integrating.
     * Returns 1 if it applied, 0 if these parameters have no closed form (a window function, a
     * current-controlled threshold): the caller integrates instead.  NULL: never. */
    int (*pulse)(const void *p, double *x, const double *lo, const double *hi, double v_V, double t_s, double T_K,
                 double *e_J);
    /* Optional: the current a read sees at the read voltage v_V, when it is not the terminal current of the
     * dynamics: a FeFET is programmed through its gate (current_A is the gate current) and read through its
     * channel (the drain current at its gate read bias and V_ds = v_V).  NULL: current_A.  Use
     * device_read_A(), which picks. */
    double (*read_A)(const void *p, const double *x, double v_V);
    /* The number of leading state variables that hold the stored state and are alike (the ferroelectric
     * domains): stuck faults set all of them to the same bound and endurance narrows all of them.  0: 1. */
    size_t n_memory;
    /* 1 if current_A is a polarization (displacement) current: the device stores energy, so it can drive
     * current at zero bias (a depolarizing or relaxing polarization) and i v may be negative.  The contract
     * test exempts such models from the memristor's pinched, passive I-V. */
    int reactive;
    /* Optional: conditions the parameters p (a device's own copy) to its ambient temperature T_K and the
     * switching cycles it has seen (NAN: no cycling history), for models whose parameters change with
     * them (the ferroelectrics: wake-up, fatigue, E_c(T), P_r(T)).  Called when a device is made and at
     * each switching event (device/variability.c).  NULL: nothing to condition. */
    void (*condition)(void *p, double T_K, double cycles);
    /* Optional: an ngspice behavioural subcircuit ".subckt <name> p n" with the same equations:
     * state on unit capacitors (node = x / spice_scale), B-sources for dx/dt and the current.
     * T_K is the ambient temperature.  NULL: no SPICE export. */
    void (*spice)(const void *p, const double *x0, double T_K, strbuf *out);
    /* Optional: ngspice options this model's netlist needs beyond device/spice.c's, written on a second
     * .options line (which overrides the first), e.g. "chgtol=1e-2".  NULL: none. */
    const char *spice_options;
    /* Optional: the derived observable above ({NULL}: none). */
    device_observable observable;
    /* Optional: cycle-to-cycle noise of a behavioural pulse model (device/neurosim.c, soft_bounds.c, lut.c).  At each
     * switching event (device_cell_event, before the pulse) the caller draws z ~ N(0, 1) from its own named stream
     * and hands it here; the model keeps z in its own parameter copy p (a derived field, not a key) and dxdt and
     * pulse apply it to the coming pulse's step.  The model itself still draws nothing.  NULL: none. */
    void (*c2c)(void *p, double z);
} device_type;

/* The read current of state x at v_V (read_A when the model has one, else current_A). */
static inline double device_read_A(const device_type *T, const void *p, const double *x, double v_V)
{
    return T->read_A != NULL ? T->read_A(p, x, v_V) : T->current_A(p, x, v_V);
}

/* The number of leading state variables that are the stored state (at least 1). */
static inline size_t device_n_memory(const device_type *T) { return T->n_memory > 0 ? T->n_memory : 1; }

/* ---- registry ---------------------------------------------------------------------------------- */

extern const device_type device_hp, device_team, device_vteam, device_yakopcic, device_stanford_pku, device_pcm,
    device_feram, device_feram_lk, device_fefet, device_neurosim, device_soft_bounds, device_lut;

/* Every model, NULL-terminated (device/registry.c); a new model is one file and one line there. */
extern const device_type *const device_types[];
/* Their names, NULL-terminated, in the same order (the choices of device.model). */
extern const char *const device_type_names[];

/* The number of registered models. */
size_t device_type_count(void);

/* The model called name, or NULL (callers report the valid names from device_type_names). */
const device_type *device_type_find(const char *name);

/* ---- the device settings common to all models --------------------------------------------------- */

typedef struct device_params {
    int model;     /* index into device_types */
    double T_K;    /* ambient temperature */
    double v_read_V; /* read voltage at which R_read = v_read / i(x, v_read) is reported */
} device_params;

extern const param_group device_group;

/* Shared window functions (Joglekar 2009, Biolek 2009, Prodromakis 2011), on a state normalised to
 * [0, 1] that grows for positive drive; `toward` is +1 when the drive pushes the state up. */
enum { WINDOW_NONE, WINDOW_JOGLEKAR, WINDOW_BIOLEK, WINDOW_PRODROMAKIS };
extern const char *const device_window_names[];
double device_window(int kind, double x01, double toward, double p, double j);

/* Boltzmann constant and elementary charge (CODATA 2018, exact in the 2019 SI). */
#define DEVICE_KB_J_PER_K 1.380649e-23
#define DEVICE_Q_C 1.602176634e-19

#endif

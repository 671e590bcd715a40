/* crossbar/array.h -- M x N cells of one device model: state, per-cell parameters, time, reads, energy.
 *
 * An array holds rows x cols cells of ONE registered device_type (device/device.h), in structure-of-arrays
 * form: every per-cell quantity is one contiguous vector over the cells (row-major cell index c = i cols + j).
 *  - State, cell-major: x[c n_state + k].  Each cell's state is then the contiguous vector every model function
 *    (current_A, read_A, dxdt, pulse) takes, so a read or a circuit-solver callback passes a pointer into the
 *    array with no gather, and a whole-array read is one forward pass through memory.  (The state-major layout
 *    of device_step_array would stream better only for lock-step RK4 updates of all cells, which stiff models
 *    such as PCM cannot use at programming time scales; programming touches one cell at a time.)
 *  - Parameters: one parameter block per cell, p[c] (the device's D2D draw, then its C2C redraws), and
 *    p_d2d[c] (its own D2D values: the centre of its C2C draws).  Drawn by device/variability.c
 *    (device_cell_make), which also draws stuck-at faults and cycles-to-failure; switching events (every
 *    programming pulse on a selected cell) go through device_cell_event.  Nothing of variability is redone here.
 *  - Time: the array has no global clock.  Each cell's state describes the instant t_state_s[c]; an operation
 *    at time t first lets the cell rest at 0 V from t_state_s[c] to t (array_advance): its retention dynamics,
 *    integrated by the model's own equations -- PCM's drift lives in the age of its amorphous plug, so a PCM
 *    cell read at t has drifted by exactly (age/t0)^-nu in its amorphous conduction.  A model whose rate is 0 at
 *    0 V (VTEAM, HP, the thresholded models) is not integrated: only its time moves.  t_prog_s[c] is when the
 *    cell's last programming pulse ended (0 when the array was made): "time since programming" of a read at t
 *    is t - t_prog_s[c].
 *  - Reads do not disturb: a read evaluates the current at the read voltage and never moves the state (read
 *    disturb is not modelled).  Read noise (variability.read) is drawn per read from the array's generator.
 *  - Energy: the array keeps no tally.  Every operation returns the energy it dissipated in the cells
 *    themselves (integral v i dt of the device; not the drivers, wires or access resistors), and the owner
 *    (crossbar/xbar.h) writes it into its own tally (energy/tally.h) under the category it belongs to.
 * Random streams (core/rng.h): "<stream>.d2d" for the per-cell draws when the array is made, "<stream>.run"
 * for everything after (C2C redraws, read noise).  Same seed and stream: the same array, on any thread count.
 * Reactive models without a DC read (feram, feram_lk: a capacitor is read by switching it and sensing the
 * charge) have no conductance and are refused.
 * An array is not thread-safe; use one per thread.
 */
#ifndef CIM_CROSSBAR_ARRAY_H
#define CIM_CROSSBAR_ARRAY_H

#include "crossbar/circuit.h"
#include "device/device.h"
#include "device/integrate.h"
#include "device/variability.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

/* How an array is made (not a config group: the caller takes these from device.*, run.seed and sim.*). */
typedef struct array_opts {
    double T_K;          /* ambient temperature */
    double v_read_V;     /* read voltage: the chord conductance i(v_read)/v_read; nonzero */
    double t_read_s;     /* duration of one read (its energy) */
    uint64_t seed;       /* run seed */
    const char *stream;  /* stream name prefix: "array", "tile3", ... */
    sim_params sim;      /* integrator for pulses without a closed form (its method, tolerances, step budget) */
} array_opts;

/* T_K 300, v_read 0.1 V, t_read 10 ns, seed 0, stream "array", sim.* defaults. */
array_opts array_opts_default(void);

/* A pulse on a cell: a trapezoid (rise, plateau, fall = rise) then a rest at 0 V, through an optional
 * series resistance (a 1T1R access transistor, a compliance resistor). */
typedef struct array_pulse_shape {
    double t_width_s;    /* plateau */
    double t_rise_s;     /* rise and fall */
    double t_gap_s;      /* rest at 0 V after the pulse */
    double r_series_ohm; /* between the driver and the cell (0: none) */
    int closed_form;     /* use the model's closed-form pulse when it applies (rectangular, no resistor) */
} array_pulse_shape;

typedef struct array {
    const device_type *T;   /* the model of every cell */
    variability var;        /* the variability in force (a copy of the caller's, borrowing its tables) */
    size_t rows, cols, n;   /* n = rows cols */
    size_t n_state;         /* T->n_state */
    size_t p_size;          /* bytes of one parameter block */
    double *x;              /* [n][n_state] state, cell-major */
    double *lo, *hi;        /* [n][n_state] reachable state range (endurance window) */
    unsigned char *p;       /* [n] parameter blocks in force */
    unsigned char *p_d2d;   /* [n] D2D parameter blocks */
    unsigned char *p_nominal; /* the nominal block the cells were drawn around (a copy) */
    signed char *stuck;     /* [n] 0, +1 stuck ON, -1 stuck OFF */
    unsigned char *on_high; /* [n] 1 if ON is the upper bound of state 0 */
    double *cycles;         /* [n] switching cycles */
    double *cycles_to_fail; /* [n] INFINITY without endurance failure */
    double *t_state_s;      /* [n] the instant each cell's state describes */
    double *t_prog_s;       /* [n] end of each cell's last programming pulse (0: as made) */
    double T_K, v_read_V, t_read_s;
    sim_params sim;         /* integrator settings */
    gsl_rng *rng;           /* owned: C2C redraws and read noise ("<stream>.run") */
} array;

/* ---- life cycle ---------------------------------------------------------------------------------- */

/* Makes rows x cols cells of model T from the nominal parameter block (T->params->size bytes), with the
 * variability v (NULL: none; borrowed, must outlive the array), drawn from o->seed.  CIM_EINVAL for a zero
 * size, v_read 0, a model without a DC read; CIM_ESIM when variability finds no valid draw. */
int array_new(array **out, size_t rows, size_t cols, const device_type *T, const void *nominal,
              const variability *v, const array_opts *o);
void array_free(array *a);

/* Cell c's state and parameters. */
static inline double *array_x(const array *a, size_t c) { return a->x + c * a->n_state; }
static inline void *array_p(const array *a, size_t c) { return a->p + c * a->p_size; }

/* ---- time ---------------------------------------------------------------------------------------- */

/* Lets cell c rest at 0 V until t_s (nothing if its state is already at or past t_s).  CIM_ESIM if the
 * integration fails. */
int array_advance(array *a, size_t c, double t_s);
/* Every cell. */
int array_advance_all(array *a, double t_s);
/* Time since cell c was last programmed, for a read at t_s. */
static inline double array_age_s(const array *a, size_t c, double t_s) { return t_s - a->t_prog_s[c]; }

/* ---- reads --------------------------------------------------------------------------------------- */

/* 1 if the nominal cell's read current is linear in v over (0, v_V]: its chord conductance at v_V / 2 and
 * v_V / 10 equals the one at v_V to 1e-12 (rounding, not physics) with its memory at either bound and in its
 * initial state.  Decides whether an array's reads can take the linear (conductance) paths. */
int array_linear_read(const array *a, double v_V);
/* Cell c's chord conductance i(v_read)/v_read in its present state: no noise, no energy, no time. */
double array_g_cell(const array *a, size_t c);
/* A read of cell c at t_s: advances it, draws read noise when noisy.  *g_S gets the conductance as read;
 * *e_J (may be NULL) the read's energy |v_read i| t_read (noiseless current). */
int array_read_cell(array *a, size_t c, double t_s, int noisy, double *g_S, double *e_J);
/* The conductance matrix (rows x cols, row-major) at t_s: what the linear circuit solve and the ideal MVM
 * take.  Advances every cell, draws read noise when noisy; *e_J (may be NULL) gets the read energy of every
 * cell at v_read, summed. */
int array_read_g(array *a, double t_s, int noisy, double *g_S, double *e_J);

/* Nonlinear reads through the circuit solver (crossbar/circuit.h).  The adapter evaluates each cell's read
 * current at its actual voltage, i = device_read_A(v) (1 + eps_c), and di/dv by a central difference with
 * step h = 6e-6 max(|v|, 0.01 V) (cube root of the double epsilon: truncation and rounding balance; no model
 * supplies an analytic derivative), floored at 1e-18 S since the solver needs an increasing I-V.  eps_c is
 * the relative read noise of this read (NULL: noiseless), drawn by array_read_noise_draw.  The adapter reads
 * the cells' present state: advance them (array_advance_all) to the read time first; a solve's energy is
 * the circuit's (circuit_power_W times the read time), for the owner to tally. */
typedef struct array_cells {
    const array *a;           /* borrowed */
    const double *eps;        /* [n] relative noise of this read, or NULL */
    circuit_cells cells;      /* hand to circuit_set_cells */
} array_cells;

void array_cells_init(array_cells *ac, const array *a, const double *eps);
/* One read's relative current noise per cell, eps_c = sigma_I(i_c)/|i_c| N(0, 1) at the read voltage
 * (variability.read; zeros without read noise), from the array's generator. */
void array_read_noise_draw(array *a, double *eps);

/* ---- pulses -------------------------------------------------------------------------------------- */

/* Applies v_V to cell c from t_start_s in shape ps: the cell is first advanced to t_start_s; a programming
 * pulse (event = 1) is a switching event (C2C redraw, cycle count, endurance) and sets t_prog_s; a
 * disturbing one (event = 0) is not.  The energy dissipated in the cell goes to *e_J (may be NULL) -- the
 * caller tallies it as write or disturb.  *fast (may be NULL) gets 1 if the model's closed form was used.
 * The pulse starts at t_start_s or, if the cell's state is already later, then (a cell's time never runs
 * backwards); the cell's state then describes that start + 2 t_rise + t_width + t_gap. */
int array_pulse(array *a, size_t c, double v_V, const array_pulse_shape *ps, double t_start_s, int event,
                double *e_J, int *fast);
/* Duration of one pulse of shape ps, gap included. */
double array_pulse_period_s(const array_pulse_shape *ps);

#endif

/* exp/endurance.h -- the endurance experiment (`cimsim device --endurance`): the device's window against
 * the number of switching cycles it has seen.
 *
 * For each cycle count N on a logarithmic grid (n_min_cycles .. n_max_cycles, n_points), the device is made
 * afresh from the same seed (the same device-to-device draw) as if it had already seen N cycles
 * (variability.endurance.n_cycles_start = N: window closure and failures, and the models' own ageing, e.g.
 * the ferroelectrics' wake-up and fatigue, device/ferro.h), the configured stimulus -- a bipolar loop,
 * sine or triangle -- runs, and the states it leaves at 0 V in its last period are read:
 *  - "pos": the state where the voltage last falls through 0 V (after the positive half), "neg": where it
 *    last rises through 0 V (after the negative half), each interpolated linearly to v = 0;
 *  - the model's observable there, when it has one (the ferroelectrics' polarization: pos - neg = 2 P_r,
 *    the quantity of published wake-up / fatigue plots);
 *  - the read current at device.v_read_V there, when the model has a DC read (FeFET drain current,
 *    RRAM LRS/HRS): the on/off window.
 * Simulating every one of N = 1e11 cycles is neither possible nor needed: ageing is a function of the
 * count, so the loop at count N is the loop of an N-cycle device.
 */
#ifndef CIM_EXP_ENDURANCE_H
#define CIM_EXP_ENDURANCE_H

#include "core/param.h"
#include "exp/device.h"

#include <jansson.h>

typedef struct endurance_exp_params {
    double n_min_cycles;
    double n_max_cycles;
    long long n_points;
} endurance_exp_params;

extern const param_group endurance_exp_group;

typedef struct endurance_curve {
    size_t n;
    int has_obs, has_read; /* which columns mean something */
    double *cycles;        /* [n] */
    double *obs_pos, *obs_neg;   /* [n] observable after the positive / negative half (NAN without one) */
    double *i_pos_A, *i_neg_A;   /* [n] read current at v_read (NAN without a DC read) */
} endurance_curve;

/* Runs the experiment on e (prepared; its cell is remade at each count and left at the last). */
int exp_endurance_run(exp_device *e, const endurance_exp_params *p, endurance_curve *out, progress *prog);
/* prog (may be NULL) is started here and counts the run's units of work (pulses, cycle-grid points, targets). */
/* A read window below this on/off ratio is closed (two states a sense amplifier cannot tell apart). */
#define ENDURANCE_CLOSED_RATIO 2.0

/* Summary: the window (observable and read-current ratio) at the first, best and last counts, and
 * "read_closed_cycles", the first count whose read on/off ratio fell below ENDURANCE_CLOSED_RATIO after
 * having been above it (null if it never closed or never opened). */
json_t *exp_endurance_summary(const exp_device *e, const endurance_curve *c);
void endurance_curve_free(endurance_curve *c);

#endif

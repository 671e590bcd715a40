/* exp/device.h -- the `device` experiment: one device model under a stimulus.
 *
 * Produces the trace (t_s, v_V, i_A, state..., p_W) and a summary a device researcher reads first:
 *  - R_read, the resistance at device.v_read_V for the current state, at the start and end, and its
 *    minimum and maximum over the run (R_on / R_off reached);
 *  - switching voltages: the terminal voltage at the first sample where R_read has fallen 10 % below
 *    its running maximum (SET) or risen 10 % above its running minimum (RESET);
 *  - I-V loop lobe area: sum over half-cycles (stretches of one voltage sign) of |integral i dv|;
 *  - energy: integral v i dt, integrated with the state to the integrator's tolerance;
 *  - for a model with an observable (device.h; the ferroelectrics' polarization P), its range and its loop
 *    against the voltage read as a hysteresis loop: the remanent values (at the last 0 V crossing after the
 *    positive branch, remanent_pos, and after the negative one, remanent_neg) and the coercive voltages
 *    (where it last crosses 0 rising, v_coercive_pos_V, and falling, v_coercive_neg_V); null where the run
 *    has no such crossing.
 */
#ifndef CIM_EXP_DEVICE_H
#define CIM_EXP_DEVICE_H

#include "core/cfg.h"
#include "exp/experiment.h"
#include "core/progress.h"
#include "core/run.h"
#include "device/binding.h"
#include "device/device.h"
#include "device/integrate.h"
#include "device/stimulus.h"
#include "device/variability.h"

#include <jansson.h>

typedef struct exp_device {
    experiment_key key;        /* bound to the top-level key `experiment` */
    run_params run;            /* bound to `run` */
    device_binding b;          /* `device`, the model's group and the variability groups (device/binding.h):
                                  b.dev, b.type (the selected model), b.model (its nominal block), b.var */
    stimulus_params stim;      /* bound to `stimulus` */
    sim_params sim;            /* bound to `sim` */
    device_cell cell;          /* the device simulated: drawn from b.model and b.var by exp_device_prepare */
    size_t n_events;           /* switching events (polarity reversals) in the last run */
    stimulus s;                /* built from stim */
    device_trace tr;           /* the result */
    double x0[DEVICE_MAX_STATE];
} exp_device;

/* Binds run, device, stimulus, sim and the model-independent variability groups; after the file and --set are
 * read, device_binding_select(&e->b, c) binds the model's groups. */
void exp_device_init(exp_device *e, cfg *c);
/* After cfg_resolve: builds the stimulus (PWL paths relative to base_dir) and draws the device
 * (variability: random stream "device.d2d" of run.seed). */
int exp_device_prepare(exp_device *e, const char *base_dir);
/* Draws the device again (same seed, same draw) as if it had already seen n_cycles_start switching cycles. */
int exp_device_remake(exp_device *e, double n_cycles_start);
/* Runs the simulation; switching events (polarity reversals) redraw the cycle-to-cycle parameters
 * (stream "device.c2c") and age the device. */
int exp_device_run(exp_device *e, progress *prog);
/* The integrator options for the drawn cell: its window, stuck or not (no event callback). */
void exp_device_sim_opts(exp_device *e, device_sim_opts *opt);
/* R_read of state x. */
double exp_device_r_read(const exp_device *e, const double *x);
/* The summary (new reference). */
json_t *exp_device_summary(const exp_device *e);

/* The final hold of the run, for retention and drift figures (R(t) after programming): the stretch after
 * the stimulus's last breakpoint, when the source holds one nonzero voltage from there to the end.
 * *t_start_s gets that breakpoint (0 for DC: the time the hold began), *first the first output sample
 * after it.  Needs only the settings: call after exp_device_prepare, before or after the run.  CIM_EINVAL
 * with the reason when the run ends otherwise (a sine, a ramp, 0 V) or the hold has fewer than 3 samples. */
int exp_device_final_hold(const exp_device *e, double *t_start_s, size_t *first);
/* The least-squares line ln R = ln_r1 + slope ln((t - t_start) / 1 s), R = v/i, over the trace samples from
 * first on with t - t_start in [dt_lo_s, dt_hi_s] and R > 0: the drift exponent of R ~ t^nu.  Returns the
 * slope (NAN with fewer than 2 samples); *ln_r1_ohm gets ln R at 1 s on the line, *n_used the count. */
double exp_device_loglog_slope(const exp_device *e, double t_start_s, size_t first, double dt_lo_s, double dt_hi_s,
                               double *ln_r1_ohm, size_t *n_used);
/* t_stop actually used. */
double exp_device_t_stop(const exp_device *e);
void exp_device_free(exp_device *e);

#endif

/* exp/device.h -- the `device` experiment: one device model under a stimulus.
 *
 * Produces the trace (t_s, v_V, i_A, state..., p_W) and a summary a device researcher reads first:
 *  - R_read, the resistance at device.v_read_V for the current state, at the start and end, and its
 *    minimum and maximum over the run (R_on / R_off reached);
 *  - switching voltages: the terminal voltage at the first sample where R_read has fallen 10 % below
 *    its running maximum (SET) or risen 10 % above its running minimum (RESET);
 *  - I-V loop lobe area: sum over half-cycles (stretches of one voltage sign) of |integral i dv|;
 *  - energy: integral v i dt, integrated with the state to the integrator's tolerance.
 */
#ifndef CIM_EXP_DEVICE_H
#define CIM_EXP_DEVICE_H

#include "core/cfg.h"
#include "core/progress.h"
#include "core/run.h"
#include "device/device.h"
#include "device/integrate.h"
#include "device/stimulus.h"

#include <jansson.h>

typedef struct exp_device {
    run_params run;            /* bound to `run` */
    device_params dev;         /* bound to `device` */
    stimulus_params stim;      /* bound to `stimulus` */
    sim_params sim;            /* bound to `sim` */
    const device_type *type;   /* the selected model (after exp_device_bind_model) */
    void *model;               /* its parameter block */
    void *unused[8];           /* blocks of other models' groups present in the file (validated only) */
    size_t n_unused;
    stimulus s;                /* built from stim */
    device_trace tr;           /* the result */
    double x0[DEVICE_MAX_STATE];
} exp_device;

/* Binds run, device, stimulus and sim. */
void exp_device_init(exp_device *e, cfg *c);
/* After the file and --set are read: binds device.<model> for the selected model, and the groups
 * of other models the file mentions (so their keys are still checked). */
void exp_device_bind_model(exp_device *e, cfg *c);
/* After cfg_resolve: builds the stimulus (PWL paths relative to base_dir). */
int exp_device_prepare(exp_device *e, const char *base_dir);
/* Runs the simulation. */
int exp_device_run(exp_device *e, progress *prog);
/* R_read of state x. */
double exp_device_r_read(const exp_device *e, const double *x);
/* The summary (new reference). */
json_t *exp_device_summary(const exp_device *e);
/* t_stop actually used. */
double exp_device_t_stop(const exp_device *e);
void exp_device_free(exp_device *e);

/* The model group selected by the tree's device.model (default: the first model). */
const param_group *exp_device_selected_group(const cfg *c);

#endif

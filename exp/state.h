/* exp/state.h -- the state each experiment of the table (exp/experiment.h) runs in: exp_run.state points at one
 * of these, for a caller that reads a run's tables and traces (the CLI's presenters, a sweep writing curves).
 *
 *   device       exp_device (exp/device.h)
 *   pulses       exp_pulses_state      endurance   exp_endurance_state     pcm_stat   exp_pcm_stat_state
 *   mvm          exp_mvm_state         mvm_weights exp_wmvm_state
 *   sneak        exp_margin (exp/margin.h)
 *   fit          exp_fit (exp/fit.h)
 */
#ifndef CIM_EXP_STATE_H
#define CIM_EXP_STATE_H

#include "device/binding.h"
#include "exp/device.h"
#include "exp/endurance.h"
#include "exp/fit.h"
#include "exp/margin.h"
#include "exp/mvm.h"
#include "exp/pcm_stat.h"
#include "exp/pulses.h"
#include "exp/wmvm.h"

typedef struct exp_pulses_state {
    exp_device e;    /* the device and its stimulus (first: the device hooks take it) */
    pulses_params p; /* bound to `pulses` */
    pulse_curve curve;
} exp_pulses_state;

typedef struct exp_endurance_state {
    exp_device e;
    endurance_exp_params p; /* bound to `endurance_exp` */
    endurance_curve curve;
} exp_endurance_state;

typedef struct exp_pcm_stat_state {
    experiment_key key;
    run_params run;
    pcm_stat_params m;      /* bound to `pcm_stat`: the model */
    pcm_stat_exp_params p;  /* bound to `pcm_stat_exp`: the experiment */
    pcm_stat_result r;
} exp_pcm_stat_state;

typedef struct exp_mvm_state {
    exp_mvm e;
    device_binding dev; /* `device` and, for mvm.cells = "device", the model's group (not its variability) */
} exp_mvm_state;

typedef struct exp_wmvm_state {
    exp_wmvm w;   /* first: the hooks take it */
    mvm_params m; /* bound to `mvm`: its level says "weights" */
} exp_wmvm_state;

#endif

/* core/run.c -- the `run` configuration group. */
#include "core/run.h"

static const param_spec run_spec[] = {
    PARAM_INT_F(run_params, seed, 0, PARAM_INT_LIMIT, 1,
                "seed of every random draw; the same config and seed give the same numbers (also --seed N)"),
    PARAM_END,
};

const param_group run_group = {
    .path = "run",
    .doc = "Settings of the run as a whole.",
    .params = run_spec,
    .size = sizeof(run_params),
};

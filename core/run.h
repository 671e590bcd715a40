/* core/run.h -- settings every experiment reads: the seed of all random draws. */
#ifndef CIM_RUN_H
#define CIM_RUN_H

#include "core/param.h"

typedef struct run_params {
    long long seed; /* run seed: every random stream is derived from it (core/rng.h) */
} run_params;

extern const param_group run_group;

#endif

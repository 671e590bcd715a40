/* crossbar/crossbar.c -- the `crossbar` configuration group. */
#include "crossbar/crossbar.h"

static const param_spec crossbar_spec[] = {
    PARAM_INT_F(crossbar_params, rows, 1, CROSSBAR_MAX_SIDE, 64,
                "rows (word lines, inputs M); taken from the conductance file when one is given"),
    PARAM_INT_F(crossbar_params, cols, 1, CROSSBAR_MAX_SIDE, 64,
                "columns (bit lines, outputs N); taken from the conductance file when one is given"),
    PARAM_END,
};

const param_group crossbar_group = {
    .path = "crossbar",
    .doc = "Geometry of the crossbar array: M rows driven by input voltages, N columns whose currents are "
           "the outputs (I = G^T v).",
    .params = crossbar_spec,
    .size = sizeof(crossbar_params),
};

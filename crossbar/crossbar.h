/* crossbar/crossbar.h -- crossbar array settings shared by every array experiment.
 * (Issue 5 adds devices, wire resistances and the circuit solve on this group.) */
#ifndef CIM_CROSSBAR_H
#define CIM_CROSSBAR_H

#include "core/param.h"

typedef struct crossbar_params {
    long long rows; /* word lines (inputs), M */
    long long cols; /* bit lines (outputs), N */
} crossbar_params;

/* Largest array side accepted from a config: generous (real tiles are 64..1024) but small enough
 * that rows*cols doubles always fit in memory arithmetic. */
#define CROSSBAR_MAX_SIDE 65536

extern const param_group crossbar_group;

#endif

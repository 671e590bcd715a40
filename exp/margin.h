/* exp/margin.h -- the read-margin experiment (`cimsim sneak`): worst-case single-cell reads of square passive
 * (or selector, or transistor) arrays against their size, under floating, V/2 and V/3 biasing.
 *
 * For each scheme (sneak.scheme, or all three) and each side n of sneak.sizes, crossbar/sneak.h reads cell
 * (0, n-1) -- farthest from its driver and its sense amplifier -- once in LRS and once in HRS with every other
 * cell in LRS, through the exact circuit solve with the crossbar's wire, driver and sense resistances and the
 * cell group's access element and I-V.  The margin is (I_sense(LRS) - I_sense(HRS)) / I_sense(LRS).  With
 * ideal wires and plain 1R linear cells the closed form of sneak.h is computed beside it as a check.
 */
#ifndef CIM_EXP_MARGIN_H
#define CIM_EXP_MARGIN_H

#include "core/cfg.h"
#include "exp/experiment.h"
#include "core/progress.h"
#include "core/run.h"
#include "crossbar/cell.h"
#include "crossbar/crossbar.h"
#include "crossbar/sneak.h"

#include <jansson.h>
#include <stddef.h>

typedef struct exp_margin {
    experiment_key key;   /* bound to the top-level key `experiment` */
    run_params run;       /* bound to `run` (recorded; nothing here is random) */
    crossbar_params xb;   /* bound to `crossbar`: wires, solver */
    cell_params cell;     /* bound to `cell`: access element and memory I-V */
    sneak_params sp;      /* bound to `sneak` */
    size_t n_schemes;     /* 1 or 3 */
    int scheme[3];        /* the schemes run, in order */
    size_t n_sizes;
    size_t size[64];      /* the array sides */
    sneak_point *pt;      /* n_schemes x n_sizes, scheme-major */
    double *closed;       /* n_schemes x n_sizes: the closed-form margin, or NAN when it does not apply */
    int has_closed;       /* 1 if the closed form applies (ideal wires, 1R linear cells) */
    size_t largest_ok[3]; /* per scheme: the largest side with margin >= sneak.margin_min (0: none) */
} exp_margin;

/* Binds run, crossbar, cell and sneak; call before cfg_resolve. */
void exp_margin_init(exp_margin *e, cfg *c);

/* Runs every read.  CIM_ESIM if a solve did not converge (the message names the array). */
int exp_margin_run(exp_margin *e, progress *prog);

/* Summary numbers as a JSON object (new reference). */
json_t *exp_margin_summary(const exp_margin *e);

void exp_margin_free(exp_margin *e);

#endif

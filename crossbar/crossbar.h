/* crossbar/crossbar.h -- crossbar array settings shared by every array experiment: geometry, tiling,
 * the parasitic resistances of the circuit (crossbar/circuit.h) and how it is solved. */
#ifndef CIM_CROSSBAR_H
#define CIM_CROSSBAR_H

#include "core/param.h"
#include "crossbar/circuit.h"

typedef struct crossbar_params {
    long long rows;      /* word lines (inputs), M */
    long long cols;      /* bit lines (outputs), N */
    long long tile_rows; /* one physical array's rows; larger matrices are tiled */
    long long tile_cols; /* one physical array's columns */
    double r_row_ohm;    /* row wire resistance between neighbouring cells; 0: ideal */
    double r_col_ohm;    /* column wire resistance between neighbouring cells; 0: ideal */
    double r_drv_ohm;    /* driver output resistance; 0: ideal */
    double r_sense_ohm;  /* sense input resistance to virtual ground; 0: ideal */
    int solver;          /* enum circuit_method */
    double rtol;         /* relative KCL residual of the circuit solve */
    long long max_iter;  /* PCG iterations per linear solve */
    long long max_newton; /* Newton steps for nonlinear cells */
} crossbar_params;

/* Largest array side accepted from a config: generous (real tiles are 64..1024) but small enough
 * that rows*cols doubles always fit in memory arithmetic. */
#define CROSSBAR_MAX_SIDE 65536

extern const param_group crossbar_group;

/* The wires and solver options these settings describe. */
circuit_wires crossbar_wires(const crossbar_params *p);
circuit_opts crossbar_opts(const crossbar_params *p);
/* 1 if every parasitic resistance is zero (the circuit is the ideal Kirchhoff sum). */
int crossbar_is_ideal(const crossbar_params *p);
/* The same for the wires alone. */
int crossbar_wires_ideal(const circuit_wires *w);

#endif

/* crossbar/sneak.h -- single-cell reads with sneak paths, and the read margin versus array size.
 *
 * Reading cell (s,t): row s is driven at v_read, column t is sensed at 0 V (virtual ground); the other
 * lines are biased by the scheme:
 *   floating:  unselected rows and columns are left floating (terminal conductance 0);
 *   v2:        unselected rows and columns are driven at v_read/2 (half-selected cells see v_read/2,
 *              unselected ones 0);
 *   v3:        unselected rows at v_read/3, unselected columns at 2 v_read/3 (every non-selected cell sees
 *              +-v_read/3).
 * Driven lines keep their terminal resistances (r_drv for rows, r_sense for columns: the same drivers).
 * The sensed current is column t's terminal current; the selected cell's current is its I-V at the
 * solved voltage across it; the sneak current is their difference (the current the sense amplifier sees
 * that did not pass through the selected cell).
 *
 * Closed forms with ideal wires (all four resistances 0), every unselected cell at conductance G (LRS),
 * M x N array, derived here and asserted by tests/test_sneak.c:
 *   floating: the unselected rows are one node and the unselected columns another (symmetry); the sneak
 *             path is N-1 cells (selected row -> unselected columns), (M-1)(N-1) cells (unselected columns
 *             -> unselected rows) and M-1 cells (unselected rows -> selected column) in series:
 *             R_sneak = R/(N-1) + R/((M-1)(N-1)) + R/(M-1),  I_sneak = v_read / R_sneak;
 *   v2:       I_sneak = (M-1) G v_read/2;   v3: I_sneak = (M-1) G v_read/3;
 *   margin = (I_sense(LRS) - I_sense(HRS)) / I_sense(LRS) = (G_LRS - G_HRS) v_read / (G_LRS v_read + I_sneak).
 * The worst case places the selected cell farthest from its driver and its sense amplifier (row 0,
 * column N-1), with every other cell in LRS.
 */
#ifndef CIM_CROSSBAR_SNEAK_H
#define CIM_CROSSBAR_SNEAK_H

#include "core/param.h"
#include "crossbar/cell.h"
#include "crossbar/circuit.h"
#include "crossbar/xbar.h"

enum sneak_scheme { SNEAK_FLOATING = 0, SNEAK_V2 = 1, SNEAK_V3 = 2, SNEAK_ALL = 3 };
/* "floating", "v2", "v3", "all"; NULL-terminated.  "all" is for studies (the three schemes side by side); a
 * single read takes one of the three. */
extern const char *const sneak_scheme_names[];

/* The `sneak` configuration group: a read-margin study. */
typedef struct sneak_params {
    int scheme;       /* enum sneak_scheme */
    double v_read_V;  /* read voltage on the selected row */
    double g_lrs_S;   /* low-resistance-state conductance (every unselected cell, worst case) */
    double g_hrs_S;   /* high-resistance-state conductance */
    param_reals sizes; /* the study: square array sides n, each an integer in [2, 4096], increasing */
    double margin_min; /* the study: the smallest usable read margin (sense-amplifier resolution) */
} sneak_params;
extern const param_group sneak_group;

/* What one read saw. */
typedef struct sneak_read {
    double i_sense_A;  /* selected column's terminal current (what the sense amplifier reads) */
    double i_cell_A;   /* current through the selected cell */
    double i_sneak_A;  /* i_sense - i_cell */
    double v_cell_V;   /* voltage across the selected cell */
    double p_total_W;  /* power every source delivers (= dissipated in cells and wires) */
    double p_half_W;   /* power the unselected (half-selected) line sources deliver (negative: they absorb) */
    double p_cell_W;   /* power dissipated in the selected cell */
    circuit_stats st;  /* the solve */
} sneak_read;

/* Reads cell (s,t) of the array xb (conductance cells; crossbar/xbar.h) by a biased read: unselected lines
 * floating or at the scheme's voltages, a 1T1R array's gates on for the selected row only.  Returns the solve's
 * status (CIM_ESIM: no convergence; r then holds the last iterate's figures). */
int sneak_read_cell(xbar *xb, size_t s, size_t t, int scheme, double v_read_V, sneak_read *r);

/* One point of a read-margin sweep. */
typedef struct sneak_point {
    size_t rows, cols;   /* array size */
    sneak_read lrs;      /* read of the selected cell in LRS (every other cell LRS) */
    sneak_read hrs;      /* read of the selected cell in HRS (every other cell LRS) */
    double margin;       /* (lrs.i_sense - hrs.i_sense) / lrs.i_sense */
} sneak_point;

/* The worst-case read margin of square arrays of each side n[k] (k < count): cells of type cp, wires w,
 * the selected cell at (0, n-1).  Returns the first failing status. */
int sneak_margin_sweep(const cell_params *cp, const circuit_wires *w, const sneak_params *sp, const size_t *n,
                       size_t count, const circuit_opts *o, sneak_point *out);

/* The closed-form sneak current of an all-LRS passive array with ideal wires (see above). */
double sneak_ideal_i_sneak(int scheme, size_t rows, size_t cols, double g_lrs_S, double v_read_V);

#endif

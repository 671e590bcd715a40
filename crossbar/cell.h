/* crossbar/cell.h -- the I-V of one crossbar cell type, as a `circuit_cells` provider for the circuit solve.
 *
 * A cell joins row node (i,j) to column node (i,j); v = V_row - V_col.  It is a memory element, alone or in
 * series with an access element:
 *
 *   memory element (key cell.iv), small-signal conductance g = G_ij at 0 V (the programmed conductance):
 *     linear:  i = g v
 *     sinh:    i = g v_nl sinh(v / v_nl)                                        (di/dv = g cosh(v / v_nl))
 *              -- the nonlinear cell of Chen, "A comprehensive crossbar array model with solutions for line
 *              resistance and nonlinear device characteristics", IEEE TED 60(4), 1318 (2013), I = k sinh(a V),
 *              here with k = g v_nl and a = 1 / v_nl so that G_ij stays the 0 V conductance.  The same sinh
 *              is the Stanford-PKU RRAM read current I0 exp(-g/g0) sinh(V/V0), whose V0 = 0.25 V
 *              (docs/parameters.md#stanford-pku-filament-gap) is the default v_nl_V.
 *   access element (key cell.type):
 *     1r:     none (passive array).
 *     1s1r:   a two-terminal selector  i = i_sel sinh(v / v_sel)  in series: the symmetric exponential
 *             ("nonlinearity factor") selector of the crossbar sneak-path literature -- I(V)/I(V/2) =
 *             2 cosh(V / (2 v_sel)), ~exp(V / (2 v_sel)) -- e.g. Burr et al., "Access devices for 3D crosspoint
 *             memory", J. Vac. Sci. Technol. B 32, 040802 (2014), and the MIEC selectors reviewed there;
 *             smooth and monotonic (threshold switches with snap-back are not: they would need a state).
 *             Defaults (illustrative): i_sel = 0.1 nA, v_sel = 50 mV: 10 uA at ~0.6 V, I(1 V)/I(0.5 V) = 2.2e4.
 *     1t1r:   an access transistor as a gate-controlled resistance: r_on_ohm with its gate on, r_off_ohm
 *             (leakage) off; the gate is per row (word line), all on for an MVM, only the selected row
 *             on for a single-cell read.  Defaults (illustrative): 5 kohm on (a small access NMOS in its
 *             linear region), 1e12 ohm off (pA leakage at 1 V).
 *     fefet:  the cell is a device model's read current at v (device_read_A: a FeFET's drain current at
 *             its gate read bias and V_ds = v), per-cell state; di/dv by a central difference.  Generic:
 *             any device_type with its per-cell state works (cell_array_init_device).  A transistor or a
 *             selector in front of device cells (or of any circuit_cells, e.g. crossbar/array.h's adapter with
 *             per-cell parameters) is cell_access below.
 * A memory element in series with an access element is solved per cell by a bracketed scalar Newton on the
 * internal node (rtsafe: Newton steps, bisection when a step leaves the bracket), to the last bits; then
 *     di/dv = 1 / (1/g_access' + 1/g_memory').
 * Every I-V here is odd, monotonic and C^1, with di/dv > 0, as circuit.h requires.  Linear memory with a
 * linear (or no) access element is linear: cell_array_apply hands the circuit plain conductances
 * (g / (1 + r g) for 1T1R), and the solve takes its linear path.
 *
 * Check values (tests/test_sneak.c): the series solve reproduces the parametric closed form of the 1S1R
 * I-V, v(i) = v_sel asinh(i / i_sel) + i / g, to 1e-12.
 */
#ifndef CIM_CROSSBAR_CELL_H
#define CIM_CROSSBAR_CELL_H

#include "core/param.h"
#include "crossbar/circuit.h"
#include "device/device.h"

#include <stddef.h>

enum cell_type { CELL_1R = 0, CELL_1T1R = 1, CELL_1S1R = 2, CELL_FEFET = 3 };
extern const char *const cell_type_names[]; /* "1r", "1t1r", "1s1r", "fefet"; NULL-terminated */

enum cell_iv { CELL_IV_LINEAR = 0, CELL_IV_SINH = 1 };
extern const char *const cell_iv_names[]; /* "linear", "sinh"; NULL-terminated */

/* The `cell` configuration group. */
typedef struct cell_params {
    int type;         /* enum cell_type: the access element */
    int iv;           /* enum cell_iv: the memory element's I-V */
    double v_nl_V;    /* sinh memory: i = g v_nl sinh(v / v_nl) */
    double i_sel_A;   /* 1S1R selector: i = i_sel sinh(v / v_sel) */
    double v_sel_V;   /* 1S1R selector voltage scale (nonlinearity) */
    double r_on_ohm;  /* 1T1R access transistor, gate on */
    double r_off_ohm; /* 1T1R access transistor, gate off (leakage) */
} cell_params;

extern const param_group cell_group;

/* The defaults of cell_group. */
cell_params cell_params_default(void);
/* Cross-field rules (r_off_ohm >= r_on_ohm); CIM_EINVAL through cim_error. */
int cell_params_check(const cell_params *p);

/* ---- scalar I-V ---------------------------------------------------------------------------------- */

/* sinh element: i = g v0 sinh(v / v0); *g_S = di/dv (may be NULL). */
double cell_sinh_i(double g0_S, double v0_V, double v_V, double *g_S);

/* The memory element of p with 0 V conductance g0_S at v_V; *g_S = di/dv (may be NULL). */
double cell_memory_i(const cell_params *p, double g0_S, double v_V, double *g_S);

/* The series combination of p's access element (r_acc_ohm for a resistive one: 1T1R; ignored for 1S1R)
 * and its memory element with 0 V conductance g0_S, at total voltage v_V; *g_S = di/dv (may be NULL);
 * *v_mid_V (may be NULL) = the voltage across the memory element.  For 1R this is the memory element. */
double cell_series_i(const cell_params *p, double r_acc_ohm, double g0_S, double v_V, double *g_S, double *v_mem_V);

/* ---- an access element around any cells ------------------------------------------------------------ */

/* A 1T1R or 1S1R access element (p.type; the memory keys of p are not used) in series with each cell of an
 * inner circuit_cells -- a device array's adapter (crossbar/array.h), device cells, anything monotonic through
 * the origin -- solved per cell like cell_series_i.  The inner cells are called one at a time (n = 1).
 * p.type 1r (or fefet) passes the inner cells through. */
typedef struct cell_access {
    cell_params p;                 /* the access element: type, i_sel_A, v_sel_V, r_on_ohm, r_off_ohm */
    size_t cols;                   /* N: row of cell k is k / cols (for the gates) */
    const unsigned char *gate_on;  /* 1T1R: per-row gate states, borrowed; NULL: all on */
    circuit_cells inner;           /* the memory cells (their context must outlive the solves) */
} cell_access;

void cell_access_eval(const void *ctx, size_t k0, size_t n, const double *v_V, double *i_A, double *g_S);
circuit_cells cell_access_cells(const cell_access *a);

/* ---- an array of cells --------------------------------------------------------------------------- */

/* The cells of an M x N array: what circuit_set_cells / circuit_set_conductances get. */
typedef struct cell_array {
    cell_params p;               /* copy of the cell settings */
    size_t rows, cols;           /* M, N */
    const double *g_S;           /* borrowed: M x N memory conductances at 0 V, row-major (not for fefet) */
    unsigned char *gate_on;      /* 1T1R: M gate states (1: on), owned; all on after init; callers may write */
    const device_type *dev;      /* fefet (device) cells: the model, borrowed */
    const void *dev_params;      /* its parameters, borrowed */
    const double *x;             /* its per-cell states, M x N x dev->n_state, borrowed */
    double *g_lin_S;             /* linear arrays: the effective conductances handed to the circuit (owned) */
} cell_array;

/* Cells of type p (not fefet) with memory conductances g_S (borrowed; M x N, finite and >= 0).
 * CIM_EINVAL if p fails cell_params_check, a conductance is invalid, or p->type is fefet. */
int cell_array_init(cell_array *a, const cell_params *p, size_t rows, size_t cols, const double *g_S);
/* Device cells: i(v) = device_read_A(T, params, x + k n_state, v) for cell k; x borrowed.  CIM_EINVAL if the
 * read current is not increasing at 0 V for some cell (not usable as a crossbar cell). */
int cell_array_init_device(cell_array *a, size_t rows, size_t cols, const device_type *T, const void *params,
                           const double *x);
void cell_array_destroy(cell_array *a);

/* 1 if every cell is a conductance (1R or 1T1R with linear memory). */
int cell_array_is_linear(const cell_array *a);
/* The access resistance of row i's cells (1T1R: by its gate; else 0). */
double cell_array_r_access(const cell_array *a, size_t i);
/* Current of cell k = i*N + j at v_V; *g_S = di/dv (may be NULL). */
double cell_array_current(const cell_array *a, size_t k, double v_V, double *g_S);
/* The circuit_cells callback: ctx is a const cell_array *. */
void cell_array_eval(const void *ctx, size_t k0, size_t n, const double *v_V, double *i_A, double *g_S);
circuit_cells cell_array_cells(const cell_array *a);
/* Gives c these cells: circuit_set_conductances with the effective conductances if linear (recomputed
 * from the gates each call), else circuit_set_cells (a must outlive the solves). */
int cell_array_apply(cell_array *a, circuit *c);

#endif

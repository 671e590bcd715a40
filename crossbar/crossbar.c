/* crossbar/crossbar.c -- the `crossbar` configuration group. */
#include "crossbar/crossbar.h"

/* Wire defaults are zero (ideal) so that a config without them is the ideal product; typical values
 * are in the doc strings.  A 22-65 nm metal line has ~1-3 ohm per cell pitch [Chen TED 2013: 2.5 ohm
 * per cell at F = 20 nm]; tests/conformance/crossbar uses 2.5 ohm wires and 10 ohm drivers and sense. */
static const param_spec crossbar_spec[] = {
    PARAM_INT_F(crossbar_params, rows, 1, CROSSBAR_MAX_SIDE, 64,
                "rows (word lines, inputs M); taken from the conductance file when one is given"),
    PARAM_INT_F(crossbar_params, cols, 1, CROSSBAR_MAX_SIDE, 64,
                "columns (bit lines, outputs N); taken from the conductance file when one is given"),
    PARAM_INT_F(crossbar_params, tile_rows, 1, CROSSBAR_MAX_SIDE, 256,
                "rows of one physical array; a larger matrix is split into tiles whose partial sums are added digitally"),
    PARAM_INT_F(crossbar_params, tile_cols, 1, CROSSBAR_MAX_SIDE, 256, "columns of one physical array"),
    PARAM_REAL_F(crossbar_params, r_row_ohm, 0, 1e9, 0.0, "ohm",
                 "row (word line) wire resistance between neighbouring cells; 0 = ideal wire (typical 1-10)"),
    PARAM_REAL_F(crossbar_params, r_col_ohm, 0, 1e9, 0.0, "ohm",
                 "column (bit line) wire resistance between neighbouring cells; 0 = ideal wire"),
    PARAM_REAL_F(crossbar_params, r_drv_ohm, 0, 1e9, 0.0, "ohm",
                 "row driver output resistance, source to the cell at column 0; 0 = ideal source"),
    PARAM_REAL_F(crossbar_params, r_sense_ohm, 0, 1e9, 0.0, "ohm",
                 "column sense input resistance, last cell to virtual ground; 0 = ideal virtual ground"),
    PARAM_CHOICE_F(crossbar_params, solver, circuit_method_names, CIRCUIT_AUTO,
                   "circuit solve: pcg (line-preconditioned conjugate gradients), direct (CHOLMOD), auto (pcg, "
                   "direct if it stalls)"),
    PARAM_REAL_F(crossbar_params, rtol, 1e-15, 1e-2, 1e-9, "1",
                 "the circuit solve converges when every node's KCL residual is below rtol times the largest source current"),
    PARAM_INT_F(crossbar_params, max_iter, 1, 1000000, 1000, "conjugate-gradient iterations per linear solve"),
    PARAM_INT_F(crossbar_params, max_newton, 1, 10000, 100, "Newton steps for nonlinear cells and selectors"),
    PARAM_END,
};

const param_group crossbar_group = {
    .path = "crossbar",
    .doc = "The crossbar array: M rows driven by input voltages, N columns whose currents are the outputs "
           "(I = G^T v); tiling; the wire, driver and sense resistances of the circuit and how it is solved.",
    .params = crossbar_spec,
    .size = sizeof(crossbar_params),
};

circuit_wires crossbar_wires(const crossbar_params *p)
{
    circuit_wires w = {p->r_row_ohm, p->r_col_ohm, p->r_drv_ohm, p->r_sense_ohm};
    return w;
}

circuit_opts crossbar_opts(const crossbar_params *p)
{
    circuit_opts o = circuit_opts_default();
    o.method = p->solver;
    o.rtol = p->rtol;
    o.max_iter = (int)p->max_iter;
    o.max_newton = (int)p->max_newton;
    return o;
}

int crossbar_wires_ideal(const circuit_wires *w)
{
    return w->r_row_ohm == 0 && w->r_col_ohm == 0 && w->r_drv_ohm == 0 && w->r_sense_ohm == 0;
}

int crossbar_is_ideal(const crossbar_params *p)
{
    circuit_wires w = crossbar_wires(p);
    return crossbar_wires_ideal(&w);
}

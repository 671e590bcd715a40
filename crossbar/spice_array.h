/* crossbar/spice_array.h -- the exact simulated crossbar as an ngspice netlist (issue 5, `--spice FILE.cir`).
 *
 * The netlist is the circuit of crossbar/circuit.h, element for element, with node names as in
 * tests/conformance/crossbar/<case>/netlist.cir:
 *   row i:     VIN{i} s{i} 0 DC v_row[i]  and  RDRV{i} s{i} r{i}_0 (1/g_row_term[i]);  an ideal terminal
 *              (g = INFINITY) is VIN{i} r{i}_0 0 directly; a floating one (g = 0) has neither;
 *   row wire:  RROW{i}_{j} r{i}_{j} r{i}_{j+1} r_row;
 *   col wire:  RCOL{i}_{j} c{i}_{j} c{i+1}_{j} r_col;
 *   column j:  RSEN{j} c{M-1}_{j} k{j} (1/g_col_term[j])  and  VSEN{j} k{j} 0 DC v_col[j]  (0 V: virtual
 *              ground); i(VSEN{j}) is the column current, positive into the source as in circuit.h; an ideal
 *              terminal is VSEN{j} c{M-1}_{j} 0; a floating column has neither (its current is 0);
 *   cell (i,j), between r{i}_{j} and c{i}_{j}:
 *              linear memory   RCELL{i}_{j} with R = 1/G_ij (17 significant digits; G = 0: no element);
 *              sinh memory     BCELL{i}_{j} ... I = G v_nl sinh(V(a,b) / v_nl);
 *              1S1R            BSEL{i}_{j} r{i}_{j} m{i}_{j} I = i_sel sinh(V(r,m) / v_sel), then the memory
 *                              element from m{i}_{j} to c{i}_{j};
 *              1T1R            RACC{i}_{j} r{i}_{j} m{i}_{j} (r_on or r_off by the row's gate), then the memory.
 * A zero wire resistance is an ideal wire: its nodes are one node, named after row i's first node r{i}_0
 * (row wire) or column j's last node c{M-1}_{j} (column wire); no large-conductance stand-in.
 * Analysis: `.op` in a .control block with tightened tolerances (reltol 1e-12, abstol 1e-18 A, vntol 1e-15 V;
 * ngspice-39 accepts them and still converges on the sinh and selector cells) that writes, with wrdata and
 * 17 digits, the column currents i(vsen{j}) and, if asked, every node voltage to data_path; with no data
 * path it prints the column currents instead (a netlist for people).
 * Device (fefet) cells have no SPICE form: CIM_EINVAL.
 */
#ifndef CIM_CROSSBAR_SPICE_ARRAY_H
#define CIM_CROSSBAR_SPICE_ARRAY_H

#include "core/strbuf.h"
#include "crossbar/cell.h"
#include "crossbar/circuit.h"

/* One array, its wires, terminations and sources, as circuit.h solves it. */
typedef struct spice_array {
    size_t rows, cols;           /* M, N */
    circuit_wires wires;         /* row/column wire, driver and sense resistances (0: ideal) */
    const double *g_row_term_S;  /* M row terminal conductances (INFINITY: ideal, 0: floating); NULL: 1/r_drv */
    const double *g_col_term_S;  /* N column terminal conductances; NULL: 1/r_sense */
    const double *v_row_V;       /* M row source voltages */
    const double *v_col_V;       /* N column source voltages; NULL: 0 V (virtual ground) */
    const cell_array *cells;     /* the cells, rows x cols */
    int node_voltages;           /* 1: the .control block also writes every node voltage */
} spice_array;

/* Appends the netlist to out.  data_path: where ngspice writes its results (NULL: print them).
 * CIM_EINVAL for cells with no SPICE form or mismatched sizes. */
int spice_array_netlist(const spice_array *s, const char *data_path, strbuf *out);

/* Reads the data file ngspice wrote for s: the N column currents (a floating column's is 0) and, if the
 * netlist wrote them and v_row_V / v_col_V are not NULL, the M x N row and column node voltages.
 * CIM_EIO if the file is missing, malformed or lacks a value. */
int spice_array_read(const spice_array *s, const char *data_path, double *i_col_A, double *v_row_V,
                     double *v_col_V);

#endif

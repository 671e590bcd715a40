/* crossbar/xbar.h -- one physical crossbar array: its cells, access element, wires, circuit, read path, read
 * noise and energy tally.  Every read of an array in cimsim goes through here.
 *
 * Cells are one of
 *   - conductances (XBAR_CELLS_CONDUCTANCE): the `cell` group's memory I-V (linear, or sinh with v_nl_V) with
 *     small-signal conductance G_ij, behind the group's access element (1r, 1t1r, 1s1r) -- crossbar/cell.h;
 *   - device cells (XBAR_CELLS_DEVICE): an array of one device model's states (crossbar/array.h), with its
 *     variability, read through the model's own I-V at the voltage each cell sees, behind the same access
 *     element.  The memory keys of `cell` (iv, v_nl_V) do not apply: the device is the memory.
 * The wires are the circuit convention of crossbar/circuit.h (row i driven at column 0 through r_drv, column j
 * sensed at row M-1 through r_sense to virtual ground).
 *
 * The read path is chosen once, when the array is built, from what the cells and wires are:
 *   linear cells (linear memory, 1r or 1t1r; device cells: a model linear in v, 1r), perfect wires
 *       -> XBAR_READ_SUM:     the Kirchhoff sum i_j = sum_i G_ij v_i (1t1r: G / (1 + r_on G));
 *   nonlinear cells, perfect wires
 *       -> XBAR_READ_DIRECT:  every cell at its row voltage (exact: without wires a cell sees v_i - 0);
 *   linear cells, wires
 *       -> XBAR_READ_CIRCUIT: the linear circuit solve; with spec.reuse, and reads that do not change the
 *          conductances (no read noise), the effective matrix G_eff (circuit_effective_g) once per programmed
 *          state, then each read is a dense product;
 *   nonlinear cells, wires
 *       -> XBAR_READ_NEWTON:  the damped-Newton circuit solve with each cell's I-V.
 * The four paths agree as the wires vanish (tests/test_xbar.c).
 *
 * Time (device cells): the array has the clock of crossbar/array.h.  Reads happen at the read time, which
 * xbar_program and xbar_set_conductances leave at the latest cell time and xbar_rest moves forward (PCM drifts
 * meanwhile).  Read noise (variability.read) is drawn per read from the array's own stream.
 *
 * Energy: the xbar is the only writer of its tally (energy/tally.h).  A read adds the energy the read sources
 * deliver into the array over t_read_s -- sum_i v_i I_i t_read, cells, access elements and wires together --
 * to ENERGY_READ, one event per read (per input vector).  With perfect wires and linear cells that is
 * sum_ij v_i^2 G_ij t_read; through the effective matrix it is v^T Y v t_read with the input admittance Y
 * characterised with G_eff (exact for linear cells).  Programming adds the campaign's write, verify-read and
 * half-select energies (crossbar/program.h) to ENERGY_WRITE, ENERGY_VERIFY, ENERGY_DISTURB.
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.  Not thread-safe: one xbar per
 * thread (the solves inside may use cim_threads() workers, with the same bits on any count).
 */
#ifndef CIM_CROSSBAR_XBAR_H
#define CIM_CROSSBAR_XBAR_H

#include "crossbar/array.h"
#include "crossbar/cell.h"
#include "crossbar/circuit.h"
#include "crossbar/program.h"
#include "energy/tally.h"

#include <stddef.h>

enum xbar_cells { XBAR_CELLS_CONDUCTANCE, XBAR_CELLS_DEVICE };
enum xbar_read_path { XBAR_READ_SUM, XBAR_READ_DIRECT, XBAR_READ_CIRCUIT, XBAR_READ_NEWTON };
/* One phrase per read path, for summaries. */
extern const char *const xbar_read_path_names[];

/* What an array is made of (a plain value: the caller fills it from its config groups). */
typedef struct xbar_spec {
    size_t rows, cols;         /* M word lines (inputs), N bit lines (outputs) */
    int cells;                 /* enum xbar_cells */
    cell_params cell;          /* access element (type, i_sel_A, v_sel_V, r_on/off); memory I-V of conductance cells */
    circuit_wires wires;       /* all zero: perfect wires */
    circuit_opts opts;         /* circuit solve settings */
    double t_read_s;           /* duration of one read, for its energy */
    int reuse;                 /* 1: many reads per programmed state are expected (bit-serial cycles, batches,
                                  time steps): a linear circuit characterises its effective matrix once */
    int linearize;             /* device cells: read as linear conductances, each cell's chord conductance at
                                  aopts.v_read_V (with its read noise) times v -- the cells' I-V nonlinearity made
                                  ideal (per-stage error attribution); needs the 1r access element */
    /* device cells */
    const device_type *dev;    /* the model */
    const void *dev_params;    /* its nominal parameter block (borrowed for the call) */
    const variability *var;    /* variation, faults, read noise (NULL: none; borrowed, must outlive the xbar) */
    array_opts aopts;          /* temperature, read voltage (of verify reads and G targets), seed, stream, sim */
} xbar_spec;

/* A spec of rows x cols conductance cells: 1r linear, perfect wires, default circuit options, t_read 10 ns. */
xbar_spec xbar_spec_default(size_t rows, size_t cols);

/* What the circuit solves of an xbar did, summed over its reads (and its characterisation). */
typedef struct xbar_solve_stats {
    size_t n_solves;        /* circuit solves (a characterisation counts its M unit solves) */
    long long iterations;   /* PCG iterations */
    double max_residual;    /* largest relative KCL residual reached */
    circuit_stats last;     /* the last solve's (or batch's) statistics */
} xbar_solve_stats;

typedef struct xbar xbar;

/* Makes the array.  Conductance cells start at G = 0 (set them with xbar_set_conductances); device cells are
 * drawn (variability) from spec->aopts.seed and stream.  CIM_EINVAL for a zero size, a cell group that fails its
 * check, a device model without a DC read, invalid wires; CIM_ESIM when variability finds no valid draw. */
int xbar_new(xbar **out, const xbar_spec *spec);
void xbar_free(xbar *xb);

size_t xbar_rows(const xbar *xb);
size_t xbar_cols(const xbar *xb);
int xbar_read_path(const xbar *xb);
/* 1 if reads go through the circuit solve (XBAR_READ_CIRCUIT or XBAR_READ_NEWTON). */
int xbar_uses_circuit(const xbar *xb);
/* 1 if the cells are linear (the read path is SUM or CIRCUIT). */
int xbar_is_linear(const xbar *xb);
/* 1 if reads carry read noise (device cells with variability.read). */
int xbar_is_noisy(const xbar *xb);

/* Conductance cells: G (M x N, row-major, S, finite and >= 0; copied).  Device cells: every cell is placed in
 * the state whose chord conductance at the read voltage is G_ij (device/inverse.h; no pulses, no energy, its
 * own parameter block), CIM_EINVAL naming the first cell out of the model's reach.  Resets the characterisation. */
int xbar_set_conductances(xbar *xb, const double *g_S);

/* Device cells: programs the array toward g_target_S (M x N; NaN leaves a cell) from t_start_s with the
 * program group (crossbar/program.h), tallies the campaign's energy and leaves the read time at its end.
 * The report is the caller's to free (program_report_free), also on failure. */
int xbar_program(xbar *xb, const program_params *p, const double *g_target_S, double t_start_s,
                 program_report *rep);
/* Device cells: one programming pulse of v_V for t_width_s on cell (i, j) at t_s (or when the cell's own time is
 * later), in the pulse shape of p (rise, gap, series resistance, closed form) with its half-select stress on the
 * other cells (program_pulse, crossbar/program.h): the update of online learning.  A switching event (C2C redraw,
 * cycles, endurance).  Tallies the pulse's energy in the cell as ENERGY_WRITE (one event) and the stress as
 * ENERGY_DISTURB (one event per stressed cell); reads then happen at the later of the read time and the cell's
 * time after the pulse.  *e_J (may be NULL) gets the energy in the selected cell. */
int xbar_pulse(xbar *xb, const program_params *p, size_t i, size_t j, double v_V, double t_width_s, double t_s,
               double *e_J);
/* Device cells: every cell rests at 0 V until t_s (never backwards); reads then happen at t_s. */
int xbar_rest(xbar *xb, double t_s);
/* The read time (device cells; 0 for conductance cells). */
double xbar_time_s(const xbar *xb);

/* One read: row voltages v_row_V (M) -> column currents i_col_A (N, into virtual ground).  CIM_ESIM if a
 * solve did not converge (the stats say how far it got). */
int xbar_read(xbar *xb, const double *v_row_V, double *i_col_A);
/* The same read lasting t_s instead of t_read_s (its energy is the delivered power times t_s): a segment of a
 * pulse-width read (periph/tile.h). */
int xbar_read_for(xbar *xb, const double *v_row_V, double *i_col_A, double t_s);
/* An event-driven read: the rows rows[0 .. n) (ascending, distinct, < M) at v_V, every other row at 0 V -> column
 * currents i_col_A (N).  The same read as xbar_read of that dense vector, by the cheapest exact route:
 *   - linear cells, perfect wires (XBAR_READ_SUM), no read noise: the sum of the listed rows of G (1t1r: of
 *     G / (1 + r_on G), crossbar/cell.h) times v_V, crossbar_ideal_rows -- bit for bit xbar_read's Kirchhoff sum;
 *     energy v_V^2 sum over the listed rows of sum_j G_ij, times t_read;
 *   - linear cells with wires (XBAR_READ_CIRCUIT) characterised through the effective matrix (spec.reuse, no read
 *     noise): the sum of the listed rows of G_eff times v_V, bit for bit xbar_read's dense product with G_eff;
 *     energy v^T Y v t_read over the listed rows (exact for linear cells);
 *   each O(n N) (plus O(n M) for the energy through Y), not a circuit solve;
 *   - otherwise (nonlinear cells, read noise, a circuit without the effective matrix): xbar_read of the dense
 *     vector, correct and as slow as any read.
 * One read of the tally (ENERGY_READ, one event).  CIM_EINVAL for rows out of order or range, or v_V not finite. */
int xbar_read_rows(xbar *xb, const size_t *rows, size_t n, double v_V, double *i_col_A);
/* n reads of the same programmed state: v_row_V n x M, i_col_A n x N (vector-major).  Circuit paths without
 * read noise solve them as one batch (circuit_solve_batch; the same bits on any thread count). */
int xbar_read_batch(xbar *xb, size_t n, const double *v_row_V, double *i_col_A);

/* A read with every line biased -- how a single cell of a passive array is read (crossbar/sneak.h).  Conductance
 * cells only.  Always the exact circuit solve (with perfect wires, a circuit of ideal wires, made on first use). */
typedef struct xbar_bias {
    const double *v_row_V;            /* M row source voltages */
    const double *v_col_V;            /* N column source voltages (NULL: all 0 V, virtual ground) */
    const unsigned char *float_row;   /* M: 1 leaves the row's terminal open (NULL: every row driven) */
    const unsigned char *float_col;   /* N: 1 leaves the column's terminal open (NULL: every column sensed) */
    const unsigned char *gate_on;     /* M: 1t1r word lines whose transistors conduct (NULL: all on) */
} xbar_bias;
/* i_col_A (N): current into each column source; i_row_A (M, may be NULL): out of each row source.  Tallied as
 * one read (the energy every source delivers over t_read_s).  The next xbar_read restores the plain MVM biasing. */
int xbar_read_bias(xbar *xb, const xbar_bias *b, double *i_col_A, double *i_row_A);
/* Conductance cells: the current through cell k (= i N + j) at v_V with the gates of the last read, *g_S = di/dv
 * (may be NULL). */
double xbar_cell_current(const xbar *xb, size_t k, double v_V, double *g_S);

/* After a read: the row and column wire node voltages at each cell (M x N each) for the first vector of the
 * last read or batch; perfect wires: v_i and 0.  If the circuit does not hold that solution (reads through
 * the effective matrix, noisy batches read one by one) it is solved here, with the cells of the last read
 * (not a read: no energy).  CIM_ESIM if that solve fails. */
int xbar_node_voltages(xbar *xb, double *v_row_V, double *v_col_V);
/* After a read: the power the sources delivered for the first vector of the last read or batch, W. */
double xbar_last_power_W(const xbar *xb);

/* The conductances a linear read uses now (M x N): conductance cells as set (1t1r: in series with r_on);
 * device cells: the noiseless chord conductances at the read voltage and read time.  For maps and checks. */
int xbar_conductances(xbar *xb, double *g_S);

/* The array's energy since it was made. */
const energy_tally *xbar_energy(const xbar *xb);
/* What its circuit solves did. */
const xbar_solve_stats *xbar_stats(const xbar *xb);

/* Device cells: the array of states (for maps, checks and tests); NULL for conductance cells. */
array *xbar_array(xbar *xb);

#endif

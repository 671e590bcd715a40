/* crossbar/circuit.h -- the exact DC solve of a crossbar with its wires, drivers and sense resistors.
 *
 * Circuit (docs/design.md#crossbar-circuit-convention): an M x N array has a row node (i,j) and a
 * column node (i,j) at every cell.  Row i is terminated at column 0 by a source v_row[i] behind the
 * row's terminal conductance (1/r_drv by default); neighbouring row nodes are joined by 1/r_row; the
 * far end is open.  Column j's neighbouring nodes are joined by 1/r_col; its node at row M-1 reaches
 * a source v_col[j] (0 V: the sense amplifier's virtual ground) through the column's terminal
 * conductance (1/r_sense by default); the top end is open.  Cell (i,j) joins row node (i,j) to column
 * node (i,j), either as a conductance (linear cells) or through a monotonic I-V i(v) with v = V_row -
 * V_col (nonlinear cells, selectors).  The output is the current through each column's terminal,
 * positive into the column source (for sense amplifiers: into virtual ground).
 *
 * A resistance of zero is an ideal wire: the nodes it joins are one node, and a zero terminal
 * resistance fixes the end node at its source voltage, exactly (no large-conductance stand-in).
 * A terminal conductance of 0 leaves the line floating (sneak-path reads bias unselected lines so).
 *
 * Methods:
 *  - CIRCUIT_PCG: conjugate gradients on the column-node Schur complement.  The row nodes are
 *    eliminated exactly by one tridiagonal solve per row (the row wire, its driver and its cells), and
 *    the preconditioner is the exact tridiagonal solve of every column line; both factorizations are
 *    computed once per set of conductances, so an iteration costs O(MN).  For cells much weaker than
 *    the wires (the usual case) a handful of iterations reach 1e-9.
 *  - CIRCUIT_DIRECT: CHOLMOD's sparse Cholesky factorization of the full nodal system, the reference.
 *  - CIRCUIT_AUTO: PCG, falling back to DIRECT when PCG stalls (all lines floating).
 * Nonlinear cells: damped Newton on the same nodal equations; every Newton step solves the linearised
 * system (cell conductances replaced by di/dv) with the method above, with a backtracking line search
 * on the residual norm.  Convergence is declared on the KCL residual, never on the step size:
 *      max over free nodes |sum of currents into the node| <= max(rtol * i_scale, floor),
 * i_scale = the largest current any source delivers (at least 1e-30 A), and floor = 8 eps g_node v_max the
 * rounding floor of double precision: a node's KCL sum adds currents g (v_a - v_b) through its strongest
 * element (g_node: two wire links and a terminal) at node voltages up to v_max (the largest source), each
 * rounded by ~eps g |v|.  The floor matters only when the array's currents are tiny against its wires (a
 * selector array read far below threshold: nA through 0.4 S wires); it is reported (floor_rel).  A solve that
 * does not reach the test returns CIM_ESIM with the residual it did reach; the voltages it leaves are the
 * last iterate.
 *
 * Contract: the library never prints; every function that can fail returns a cim_status and sets
 * cim_errmsg().  A circuit object is not thread-safe; use one per thread.
 */
#ifndef CIM_CROSSBAR_CIRCUIT_H
#define CIM_CROSSBAR_CIRCUIT_H

#include <stddef.h>

/* The parasitic resistances (config keys crossbar.r_row_ohm, r_col_ohm, r_drv_ohm, r_sense_ohm). */
typedef struct circuit_wires {
    double r_row_ohm;   /* row wire between neighbouring cells; 0: ideal */
    double r_col_ohm;   /* column wire between neighbouring cells; 0: ideal */
    double r_drv_ohm;   /* row driver output resistance; 0: ideal source */
    double r_sense_ohm; /* column sense input resistance to virtual ground; 0: ideal */
} circuit_wires;

enum circuit_method { CIRCUIT_AUTO = 0, CIRCUIT_PCG = 1, CIRCUIT_DIRECT = 2 };
extern const char *const circuit_method_names[]; /* "auto", "pcg", "direct"; NULL-terminated */

typedef struct circuit_opts {
    int method;        /* enum circuit_method */
    double rtol;       /* relative KCL residual to reach (default 1e-9) */
    int max_iter;      /* PCG iterations per linear solve (default 1000) */
    int max_newton;    /* Newton steps (default 100) */
    int warm_start;    /* 1 (default): start from the previous solution of this circuit */
} circuit_opts;

/* The defaults above. */
circuit_opts circuit_opts_default(void);

/* What a solve did. */
typedef struct circuit_stats {
    int method;            /* the method that produced the answer (enum circuit_method) */
    int iterations;        /* PCG iterations, summed over Newton steps (0 for DIRECT) */
    int newton_steps;      /* Newton steps (0 for linear cells) */
    int converged;         /* 1 if residual <= rtol */
    double residual;       /* achieved max KCL residual / i_scale */
    double floor_rel;      /* the rounding floor of the residual / i_scale (see above); usually << rtol */
    double i_scale_A;      /* the current scale the residual is relative to */
} circuit_stats;

/* A nonlinear cell array: for the n cells k0 .. k0+n-1 (k = i*N + j, row-major) at voltages v_V[k-k0]
 * (row node minus column node), the currents i_A and the small-signal conductances g_S = di/dv (> 0:
 * the I-V must be monotonic).  Either output pointer may be NULL (not wanted).  Must be pure. */
typedef struct circuit_cells {
    void (*eval)(const void *ctx, size_t k0, size_t n, const double *v_V, double *i_A, double *g_S);
    const void *ctx;
} circuit_cells;

typedef struct circuit circuit;

/* A circuit of rows x cols cells with these wires; every terminal conductance set from w
 * (rows driven, columns sensed).  Returns CIM_EINVAL (negative or non-finite resistance, zero size).
 * *out is NULL on failure. */
int circuit_new(circuit **out, size_t rows, size_t cols, const circuit_wires *w);
void circuit_free(circuit *c);

size_t circuit_rows(const circuit *c);
size_t circuit_cols(const circuit *c);

/* Terminal conductance of row i (at column 0) or column j (at row M-1): INFINITY ties the end node
 * to its source, 0 leaves the line floating.  Defaults: 1/r_drv and 1/r_sense. */
int circuit_set_row_term(circuit *c, size_t i, double g_S);
int circuit_set_col_term(circuit *c, size_t j, double g_S);

/* Linear cells: g_S is M x N row-major, siemens, finite and >= 0 (copied).  Invalidates the
 * factorizations, the warm start and the effective matrix. */
int circuit_set_conductances(circuit *c, const double *g_S);
/* Nonlinear cells: the I-V of every cell (the context must outlive the solves).  Replaces linear
 * cells. */
int circuit_set_cells(circuit *c, const circuit_cells *cells);

/* Solves for row sources v_row_V (M) and column sources v_col_V (N; NULL: all 0 V, virtual ground),
 * and writes the N column terminal currents into i_col_A (may be NULL).  st may be NULL.
 * CIM_ESIM if the solve did not converge (stats and voltages hold the best iterate). */
int circuit_solve(circuit *c, const double *v_row_V, const double *v_col_V, double *i_col_A,
                  const circuit_opts *o, circuit_stats *st);

/* Solves n input vectors on one circuit: v_row_V is n x M (one vector per row), v_col_V the column
 * sources shared by all (NULL: 0 V), i_col_A n x N (may be NULL).  The first vector is solved as by
 * circuit_solve (warm-started if o asks and c holds a solution); every other vector starts from the
 * first one's solution and is solved on a worker thread (cim_threads(), core/threads.h), each worker
 * owning its own work arrays (and, for nonlinear cells, its own Jacobian factorizations).  The results
 * are the same bits on any thread count.  st sums iterations and Newton steps, takes the largest
 * residual and current scale, and is converged only if every vector is.  Afterwards c holds the first
 * vector's solution (maps, power and row currents refer to it).  CIM_ESIM names the first failure. */
int circuit_solve_batch(circuit *c, size_t n, const double *v_row_V, const double *v_col_V, double *i_col_A,
                        const circuit_opts *o, circuit_stats *st);
/* The same, and p_W (n values; may be NULL) gets the power the sources deliver for each vector. */
int circuit_solve_batch_power(circuit *c, size_t n, const double *v_row_V, const double *v_col_V, double *i_col_A,
                              double *p_W, const circuit_opts *o, circuit_stats *st);

/* After a solve: the node voltages, M x N row-major (row wire nodes, column wire nodes). */
const double *circuit_v_row(const circuit *c);
const double *circuit_v_col(const circuit *c);
/* After a solve: the current each row source delivers into its row (M values). */
void circuit_row_currents(const circuit *c, double *i_row_A);
/* After a solve: the power the sources deliver (= dissipated in cells and wires), W. */
double circuit_power_W(const circuit *c);

/* Linear cells, column sources at 0 V: the effective conductance matrix G_eff (M x N) with
 * i_col = G_eff^T v_row exactly, from M batched solves (one per unit row input).  Once computed,
 * every MVM on this programmed state is a dense product (cblas_dgemv).  Recomputed only after the
 * conductances or terminations change. */
int circuit_effective_g(circuit *c, double *g_eff_S, const circuit_opts *o, circuit_stats *st);
/* After circuit_effective_g: the input admittance Y (M x M, row-major), Y_ik = the current row source i
 * delivers when row k is at 1 V and every other source at 0 V.  The power the sources deliver for row
 * voltages v is then v^T Y v exactly (linear cells), which is what a read through the effective matrix
 * costs.  CIM_EINVAL if the effective matrix is not current. */
int circuit_effective_y(const circuit *c, double *y_S);

#endif

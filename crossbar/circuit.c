/* crossbar/circuit.c -- see circuit.h.
 *
 * Unknowns.  Row node (i,j) and column node (i,j) are stored row-major in vr and vc (M x N each).
 * A row (column) line with ideal wire (r = 0) is one node: all its entries carry the same value and
 * only the sum of their KCL residuals means anything.  A line end with an ideal terminal (r = 0) is
 * a fixed node.  Everything below works on the full M x N arrays with those two rules.
 *
 * Newton on KCL.  F(x) = current leaving each node through its elements (links, cell, terminal).
 * The Jacobian K = [A_R + D, -D; -D, A_C + D] has the wire Laplacians A_R (block-diagonal: one
 * tridiagonal per row, including its terminal) and A_C (one per column), and D = diag(di/dv) of the
 * cells.  Each step solves K dx = -F.  Linear cells are the same loop: the first step is exact up to
 * the linear solver's tolerance and the second (if any) is iterative refinement.
 *
 * Linear solve (PCG).  Eliminating the row nodes, (A_R + D) r = b_R + D c, leaves the column system
 *     S c = b_C + D (A_R + D)^-1 b_R,     S = A_C + D - D (A_R + D)^-1 D   (SPD),
 * solved by conjugate gradients preconditioned with (A_C + D)^-1.  Both inverses are tridiagonal line
 * solves whose factorizations are computed once per D.  The preconditioned operator is I - E with E =
 * (A_C+D)^-1 D (A_R+D)^-1 D, whose eigenvalues lie in [0, 1) and are small when the cells are weak
 * against the wires and terminals: the usual crossbar converges in a few iterations.  The CG residual
 * is exactly the column KCL residual, because the rows are solved exactly at every step.
 *
 * Line factorization.  A line's nodes are ordered k = 0 (open end) .. n-1 (terminal end).  The
 * elimination runs from the open end and tracks s_k, the conductance from node k to the sources of
 * the eliminated part, s_k = d_k + series(g_link, s_{k-1}).  That form never subtracts, so a wire far
 * stronger than its cells (g_link / d ~ 1e10) loses no digits, unlike the textbook pivot recursion
 * p_k = diag_k - g^2 / p_{k-1}.  ip_k = 1 / (s_k + g_next), g_next the link onward or the terminal;
 * ip = 0 marks a fixed node (its update is 0).
 */
#include "crossbar/circuit.h"
#include "core/status.h"
#include "core/threads.h"
#include "core/xalloc.h"
#include "crossbar/ideal.h"

#include <cholmod.h>
#include <float.h>
#include <math.h>
#include <string.h>

const char *const circuit_method_names[] = {"auto", "pcg", "direct", NULL};

circuit_opts circuit_opts_default(void)
{
    circuit_opts o = {CIRCUIT_AUTO, 1e-9, 1000, 100, 1};
    return o;
}

struct circuit {
    size_t M, N;
    circuit_wires w;
    double gl_row, gl_col;     /* link conductances; INFINITY: the line is one node */
    double *gt_row, *gt_col;   /* terminal conductances (M, N); INFINITY: fixed end; 0: floating */
    int linear;                /* 1: g_cell; 0: cells */
    double *g_cell;            /* M x N, linear cells */
    circuit_cells cells;       /* nonlinear cells */
    int have_cells;            /* conductances or cells were given */

    double *vr, *vc;           /* node voltages (the solution) */
    double *src_row, *src_col; /* the sources of the last solve */
    int have_x;                /* vr, vc hold a solution of this circuit (warm start) */

    double *d;                 /* the cell conductances the factorization uses */
    double *ip_row, *ip_col;   /* line factorizations (M x N each): 1 / pivot */
    double *gip_row, *gip_col; /* g_link / pivot, the elimination multipliers */
    double *inv_row, *inv_col; /* merged lines: 1 / (sum d + g_t) per line; 0 for fixed lines */
    int fac_valid;             /* factorizations match d */
    unsigned long d_version;   /* counts changes of d (the direct path refactors when it moves) */
    double *scr_N, *scr_M2;    /* scratch: N values; M + N values */
    int singular;              /* a line had a zero pivot (floating, no conducting cell) */

    /* Work arrays, M x N each. */
    double *i_cell, *F_r, *F_c, *dx_r, *dx_c, *res, *z, *p, *q, *t, *xr_try, *xc_try;

    /* CHOLMOD (the direct path), made on first use. */
    int cm_started;
    cholmod_common cm;
    cholmod_factor *L;
    unsigned long L_version;   /* d_version L was factored for (0: none) */
    long *map_r, *map_c;       /* unknown index of each node, -1 for fixed (M x N each) */
    size_t n_unknown;

    double *geff;              /* the effective conductance matrix, when valid */
    double *yeff;              /* with it: the M x M input admittance (row source currents per unit input) */
    int geff_valid;
    int owns_fac;              /* a worker with its own d and line factorizations (nonlinear cells) */
};

static inline double max_abs(double m, double x)
{
    x = fabs(x);
    return x > m ? x : m;
}

/* Reductions over the M x N work vectors, in 8 lanes (four 2-wide GCC vectors: SSE2, the x86-64 baseline)
 * combined in a fixed order: the same bits on every run and thread count, without the one-add-per-latency
 * chain that a plain loop must keep without -ffast-math. */
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));

static inline v2d load2(const double *p)
{
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

static double dot(const double *a, const double *b, size_t n)
{
    v2d s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        s0 += load2(a + k) * load2(b + k);
        s1 += load2(a + k + 2) * load2(b + k + 2);
        s2 += load2(a + k + 4) * load2(b + k + 4);
        s3 += load2(a + k + 6) * load2(b + k + 6);
    }
    double t = 0.0;
    for (; k < n; k++)
        t += a[k] * b[k];
    v2d s = (s0 + s1) + (s2 + s3);
    return (s[0] + s[1]) + t;
}

/* max |a_k|; NaN if any a_k is NaN or infinite (x * 0 is NaN exactly then), so divergence is seen. */
static double norm_inf(const double *a, size_t n)
{
    const v2i abs_mask = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
    v2d m0 = {0}, m1 = {0}, z = {0};
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        v2d x0 = (v2d)((v2i)load2(a + k) & abs_mask), x1 = (v2d)((v2i)load2(a + k + 2) & abs_mask);
        v2i g0 = x0 > m0, g1 = x1 > m1;
        m0 = (v2d)(((v2i)x0 & g0) | ((v2i)m0 & ~g0));
        m1 = (v2d)(((v2i)x1 & g1) | ((v2i)m1 & ~g1));
        z += x0 * 0.0 + x1 * 0.0;
    }
    double r = 0.0, zz = z[0] + z[1];
    for (size_t l = 0; l < 2; l++) {
        r = r > m0[l] ? r : m0[l];
        r = r > m1[l] ? r : m1[l];
    }
    for (; k < n; k++) {
        r = max_abs(r, a[k]);
        zz += a[k] * 0.0;
    }
    return zz == 0.0 ? r : NAN;
}

/* ---- construction -------------------------------------------------------------------------- */

static double conductance_of(double r_ohm) { return r_ohm == 0.0 ? INFINITY : 1.0 / r_ohm; }

static int check_r(const char *name, double r)
{
    if (!isfinite(r) || r < 0)
        return cim_error(CIM_EINVAL, "%s is %g ohm; a resistance must be finite and >= 0", name, r);
    return CIM_OK;
}

/* The per-solve arrays: everything a solve writes.  The rest of a circuit (wires, terminals, cells,
 * factorizations) is only read during a linear solve, so a worker (circuit_effective_g) that owns just
 * these can solve on the same factorized circuit while other workers do. */
#define WORK_MN(X) X(vr) X(vc) X(i_cell) X(F_r) X(F_c) X(dx_r) X(dx_c) X(res) X(z) X(p) X(q) X(t) X(xr_try) X(xc_try)

static void work_alloc(circuit *c)
{
    size_t MN = c->M * c->N;
#define WORK_ALLOC(f) c->f = xcalloc(MN, sizeof(double));
    WORK_MN(WORK_ALLOC)
#undef WORK_ALLOC
    c->src_row = xcalloc(c->M, sizeof *c->src_row);
    c->src_col = xcalloc(c->N, sizeof *c->src_col);
    c->scr_N = xcalloc(c->N, sizeof *c->scr_N);
    c->scr_M2 = xcalloc(c->M + c->N, sizeof *c->scr_M2);
    c->have_x = 0;
}

static void work_free(circuit *c)
{
#define WORK_FREE(f) free(c->f);
    WORK_MN(WORK_FREE)
#undef WORK_FREE
    free(c->src_row);
    free(c->src_col);
    free(c->scr_N);
    free(c->scr_M2);
}

int circuit_new(circuit **out, size_t rows, size_t cols, const circuit_wires *w)
{
    int st;
    *out = NULL;
    if (rows == 0 || cols == 0)
        return cim_error(CIM_EINVAL, "a crossbar needs at least one row and one column (got %zu x %zu)", rows, cols);
    if ((st = check_r("r_row_ohm", w->r_row_ohm)) || (st = check_r("r_col_ohm", w->r_col_ohm)) ||
        (st = check_r("r_drv_ohm", w->r_drv_ohm)) || (st = check_r("r_sense_ohm", w->r_sense_ohm)))
        return st;
    circuit *c = xcalloc(1, sizeof *c);
    size_t MN = rows * cols;
    c->M = rows;
    c->N = cols;
    c->w = *w;
    c->gl_row = conductance_of(w->r_row_ohm);
    c->gl_col = conductance_of(w->r_col_ohm);
    c->gt_row = xmalloc(rows * sizeof *c->gt_row);
    c->gt_col = xmalloc(cols * sizeof *c->gt_col);
    for (size_t i = 0; i < rows; i++)
        c->gt_row[i] = conductance_of(w->r_drv_ohm);
    for (size_t j = 0; j < cols; j++)
        c->gt_col[j] = conductance_of(w->r_sense_ohm);
    c->inv_row = xcalloc(rows, sizeof *c->inv_row);
    c->inv_col = xcalloc(cols, sizeof *c->inv_col);
    double **arrays[] = {&c->d, &c->ip_row, &c->ip_col, &c->gip_row, &c->gip_col};
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++)
        *arrays[k] = xcalloc(MN, sizeof(double));
    work_alloc(c);
    *out = c;
    return CIM_OK;
}

static void direct_forget(circuit *c)
{
    if (c->cm_started) {
        if (c->L != NULL)
            cholmod_l_free_factor(&c->L, &c->cm);
        cholmod_l_finish(&c->cm);
        c->L_version = 0;
        c->cm_started = 0;
    }
    free(c->map_r);
    free(c->map_c);
    c->map_r = c->map_c = NULL;
}

void circuit_free(circuit *c)
{
    if (c == NULL)
        return;
    direct_forget(c);
    double *arrays[] = {c->d, c->ip_row, c->ip_col, c->gip_row, c->gip_col, c->gt_row, c->gt_col,
                        c->inv_row, c->inv_col, c->g_cell, c->geff, c->yeff};
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++)
        free(arrays[k]);
    work_free(c);
    free(c);
}

size_t circuit_rows(const circuit *c) { return c->M; }
size_t circuit_cols(const circuit *c) { return c->N; }

/* Anything that changes the nodal matrix or its structure. */
static void invalidate(circuit *c, int structure)
{
    c->fac_valid = 0;
    c->geff_valid = 0;
    c->have_x = 0;
    if (structure)
        direct_forget(c);
}

static int check_term(double g, const char *what, size_t k)
{
    if (isnan(g) || g < 0)
        return cim_error(CIM_EINVAL, "terminal conductance of %s %zu is %g S; it must be >= 0 (INFINITY: ideal)", what, k, g);
    return CIM_OK;
}

int circuit_set_row_term(circuit *c, size_t i, double g_S)
{
    if (i >= c->M)
        return cim_error(CIM_EINVAL, "row %zu is outside the %zu-row array", i, c->M);
    int st = check_term(g_S, "row", i);
    if (st)
        return st;
    if (c->gt_row[i] != g_S)
        invalidate(c, isinf(g_S) != isinf(c->gt_row[i]));
    c->gt_row[i] = g_S;
    return CIM_OK;
}

int circuit_set_col_term(circuit *c, size_t j, double g_S)
{
    if (j >= c->N)
        return cim_error(CIM_EINVAL, "column %zu is outside the %zu-column array", j, c->N);
    int st = check_term(g_S, "column", j);
    if (st)
        return st;
    if (c->gt_col[j] != g_S)
        invalidate(c, isinf(g_S) != isinf(c->gt_col[j]));
    c->gt_col[j] = g_S;
    return CIM_OK;
}

int circuit_set_conductances(circuit *c, const double *g_S)
{
    size_t MN = c->M * c->N;
    int st = crossbar_check_conductances(g_S, c->M, c->N);
    if (st != CIM_OK)
        return st;
    if (c->g_cell == NULL)
        c->g_cell = xmalloc(MN * sizeof *c->g_cell);
    memcpy(c->g_cell, g_S, MN * sizeof *g_S);
    c->linear = 1;
    c->have_cells = 1;
    invalidate(c, 0);
    return CIM_OK;
}

int circuit_set_cells(circuit *c, const circuit_cells *cells)
{
    if (cells == NULL || cells->eval == NULL)
        return cim_error(CIM_EINVAL, "nonlinear cells need an eval function");
    c->cells = *cells;
    c->linear = 0;
    c->have_cells = 1;
    invalidate(c, 0);
    return CIM_OK;
}

const double *circuit_v_row(const circuit *c) { return c->vr; }
const double *circuit_v_col(const circuit *c) { return c->vc; }

/* ---- cells and KCL ------------------------------------------------------------------------------ */

/* Cell currents (and, if g_S, conductances) at node voltages xr, xc. */
static void eval_cells(circuit *c, const double *xr, const double *xc, double *i_A, double *g_S)
{
    size_t MN = c->M * c->N;
    if (c->linear) {
        for (size_t k = 0; k < MN; k++)
            i_A[k] = c->g_cell[k] * (xr[k] - xc[k]);
        if (g_S != NULL && g_S != c->g_cell)
            memcpy(g_S, c->g_cell, MN * sizeof *g_S);
        return;
    }
    /* Voltages across the cells go through t (one row at a time would be slower for the callback). */
    double *v = c->t;
    for (size_t k = 0; k < MN; k++)
        v[k] = xr[k] - xc[k];
    c->cells.eval(c->cells.ctx, 0, MN, v, i_A, g_S);
}

/* F = current leaving every node through its links, cell and finite terminal, for node voltages xr,
 * xc and cell currents i_A.  Fixed nodes get no terminal term: there F is the current the source
 * pushes into the network.  Merged lines get no link terms (their per-node F sum to the node's). */
static void kcl(const circuit *c, const double *xr, const double *xc, const double *i_A, double *Fr, double *Fc)
{
    size_t M = c->M, N = c->N;
    for (size_t i = 0; i < M; i++) {
        const double *x = xr + i * N;
        double *F = Fr + i * N;
        const double *ic = i_A + i * N;
        for (size_t j = 0; j < N; j++)
            F[j] = ic[j];
        if (isfinite(c->gl_row)) {
            double g = c->gl_row;
            for (size_t j = 0; j + 1 < N; j++) {
                double il = g * (x[j] - x[j + 1]);
                F[j] += il;
                F[j + 1] -= il;
            }
        }
        if (isfinite(c->gt_row[i]))
            F[0] += c->gt_row[i] * (x[0] - c->src_row[i]);
    }
    for (size_t k = 0; k < M * N; k++)
        Fc[k] = -i_A[k];
    if (isfinite(c->gl_col)) {
        double g = c->gl_col;
        for (size_t i = 0; i + 1 < M; i++) {
            const double *x0 = xc + i * N, *x1 = x0 + N;
            double *F0 = Fc + i * N, *F1 = F0 + N;
            for (size_t j = 0; j < N; j++) {
                double il = g * (x0[j] - x1[j]);
                F0[j] += il;
                F1[j] -= il;
            }
        }
    }
    const double *xl = xc + (M - 1) * N;
    double *Fl = Fc + (M - 1) * N;
    for (size_t j = 0; j < N; j++)
        if (isfinite(c->gt_col[j]))
            Fl[j] += c->gt_col[j] * (xl[j] - c->src_col[j]);
}

/* Is row node (i,j) fixed?  Column node (i,j)? */
static int row_fixed(const circuit *c, size_t i, size_t j)
{
    return isinf(c->gt_row[i]) && (j == 0 || isinf(c->gl_row));
}
static int col_fixed(const circuit *c, size_t i, size_t j)
{
    return isinf(c->gt_col[j]) && (i == c->M - 1 || isinf(c->gl_col));
}

/* Max |KCL residual| over free nodes (merged lines summed). */
static double resid_norm(const circuit *c, const double *Fr, const double *Fc)
{
    size_t M = c->M, N = c->N;
    double m = 0.0;
    for (size_t i = 0; i < M; i++) {
        if (isinf(c->gl_row)) {
            if (isinf(c->gt_row[i]))
                continue;
            double s = 0.0;
            for (size_t j = 0; j < N; j++)
                s += Fr[i * N + j];
            m = max_abs(m, (s));
        } else {
            size_t j0 = row_fixed(c, i, 0) ? 1 : 0;
            double t = norm_inf(Fr + i * N + j0, N - j0);
            if (isnan(t))
                return t;
            m = fmax(m, t);
        }
    }
    if (isinf(c->gl_col)) {
        for (size_t j = 0; j < N; j++) {
            if (isinf(c->gt_col[j]))
                continue;
            double s = 0.0;
            for (size_t i = 0; i < M; i++)
                s += Fc[i * N + j];
            m = max_abs(m, (s));
        }
    } else {
        double t = norm_inf(Fc, (M - 1) * N);
        if (isnan(t))
            return t;
        m = fmax(m, t);
        for (size_t j = 0; j < N; j++)
            if (!isinf(c->gt_col[j]))
                m = max_abs(m, Fc[(M - 1) * N + j]);
    }
    return m;
}

/* Terminal currents from a KCL evaluation: into each row (M) and into each column source (N). */
static void terminal_currents(const circuit *c, const double *xr, const double *xc, const double *Fr,
                              const double *Fc, double *i_row, double *i_col)
{
    size_t M = c->M, N = c->N;
    for (size_t i = 0; i < M && i_row != NULL; i++) {
        if (isfinite(c->gt_row[i]))
            i_row[i] = c->gt_row[i] * (c->src_row[i] - xr[i * N]);
        else if (isinf(c->gl_row)) {
            double s = 0.0;
            for (size_t j = 0; j < N; j++)
                s += Fr[i * N + j];
            i_row[i] = s;
        } else
            i_row[i] = Fr[i * N];
    }
    for (size_t j = 0; j < N && i_col != NULL; j++) {
        size_t kl = (M - 1) * N + j;
        if (isfinite(c->gt_col[j]))
            i_col[j] = c->gt_col[j] * (xc[kl] - c->src_col[j]);
        else if (isinf(c->gl_col)) {
            double s = 0.0;
            for (size_t i = 0; i < M; i++)
                s -= Fc[i * N + j];
            i_col[j] = s;
        } else
            i_col[j] = -Fc[kl];
    }
}

/* ---- line factorizations and solves ------------------------------------------------------------- */

/* Factors every row and column line for cell conductances c->d. */
static void factor_lines(circuit *c)
{
    size_t M = c->M, N = c->N;
    const double *d = c->d;
    c->singular = 0;
    /* Rows: k runs from the open end j = N-1 to the terminal j = 0. */
    if (isfinite(c->gl_row)) {
        double g = c->gl_row;
        for (size_t i = 0; i < M; i++) {
            const double *di = d + i * N;
            double *ip = c->ip_row + i * N;
            double s_prev = 0.0;
            for (size_t jj = N; jj-- > 0;) {
                double s = di[jj] + (jj == N - 1 ? 0.0 : g * s_prev / (g + s_prev));
                double g_next = jj > 0 ? g : c->gt_row[i];
                if (jj == 0 && isinf(g_next)) {
                    ip[0] = 0.0; /* fixed */
                } else {
                    double piv = s + g_next;
                    if (!(piv > 0)) {
                        c->singular = 1;
                        ip[jj] = 0.0;
                    } else
                        ip[jj] = 1.0 / piv;
                }
                s_prev = s;
            }
        }
    } else {
        for (size_t i = 0; i < M; i++) {
            if (isinf(c->gt_row[i])) {
                c->inv_row[i] = 0.0;
                continue;
            }
            double s = c->gt_row[i];
            for (size_t j = 0; j < N; j++)
                s += d[i * N + j];
            if (!(s > 0))
                c->singular = 1;
            c->inv_row[i] = s > 0 ? 1.0 / s : 0.0;
        }
    }
    /* Columns: k = i from the open end i = 0 to the terminal i = M-1; vectorised over j. */
    if (isfinite(c->gl_col)) {
        double g = c->gl_col;
        double *s_prev = c->scr_N;
        for (size_t i = 0; i < M; i++) {
            const double *di = d + i * N;
            double *ip = c->ip_col + i * N;
            for (size_t j = 0; j < N; j++) {
                double s = di[j] + (i == 0 ? 0.0 : g * s_prev[j] / (g + s_prev[j]));
                double g_next = i + 1 < M ? g : c->gt_col[j];
                double piv = s + g_next;
                if (isinf(g_next))
                    ip[j] = 0.0;
                else if (!(piv > 0)) {
                    c->singular = 1;
                    ip[j] = 0.0;
                } else
                    ip[j] = 1.0 / piv;
                s_prev[j] = s;
            }
        }
    } else {
        for (size_t j = 0; j < N; j++)
            c->inv_col[j] = isinf(c->gt_col[j]) ? 0.0 : c->gt_col[j];
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                c->inv_col[j] += isinf(c->gt_col[j]) ? 0.0 : d[i * N + j];
        for (size_t j = 0; j < N; j++) {
            if (isinf(c->gt_col[j]))
                continue;
            if (!(c->inv_col[j] > 0))
                c->singular = 1;
            c->inv_col[j] = c->inv_col[j] > 0 ? 1.0 / c->inv_col[j] : 0.0;
        }
    }
    size_t MN = M * N;
    if (isfinite(c->gl_row))
        for (size_t k = 0; k < MN; k++)
            c->gip_row[k] = c->gl_row * c->ip_row[k];
    if (isfinite(c->gl_col))
        for (size_t k = 0; k < MN; k++)
            c->gip_col[k] = c->gl_col * c->ip_col[k];
    c->fac_valid = 1;
    c->d_version++;
}

/* Eliminates nb rows at once (up to ROW_BLOCK), starting at the given row pointers: each row's
 * recurrence is serial, so interleaving rows keeps the floating-point units busy.  x may alias b. */
#define ROW_BLOCK 8
static inline void solve_row_block(const double *b, double *x, const double *ip, const double *gip, size_t N,
                                   size_t nb)
{
    double y[ROW_BLOCK] = {0};
    for (size_t jj = N; jj-- > 0;)
        for (size_t r = 0; r < nb; r++) {
            size_t k = r * N + jj;
            y[r] = b[k] * ip[k] + gip[k] * y[r];
            x[k] = y[r];
        }
    for (size_t r = 0; r < nb; r++)
        y[r] = x[r * N];
    for (size_t j = 1; j < N; j++)
        for (size_t r = 0; r < nb; r++) {
            size_t k = r * N + j;
            y[r] = x[k] + gip[k] * y[r];
            x[k] = y[r];
        }
}

/* x = (A_R + D)^-1 b over every row line (fixed nodes get 0).  x may alias b. */
static void solve_rows(const circuit *c, const double *b, double *x)
{
    size_t M = c->M, N = c->N;
    if (isinf(c->gl_row)) {
        for (size_t i = 0; i < M; i++) {
            double s = 0.0;
            for (size_t j = 0; j < N; j++)
                s += b[i * N + j];
            s *= c->inv_row[i];
            for (size_t j = 0; j < N; j++)
                x[i * N + j] = s;
        }
        return;
    }
    size_t i = 0;
    for (; i + ROW_BLOCK <= M; i += ROW_BLOCK)
        solve_row_block(b + i * N, x + i * N, c->ip_row + i * N, c->gip_row + i * N, N, ROW_BLOCK);
    if (i < M)
        solve_row_block(b + i * N, x + i * N, c->ip_row + i * N, c->gip_row + i * N, N, M - i);
}

/* x = (A_C + D)^-1 b over every column line, vectorised across the columns.  x may alias b. */
static void solve_cols(const circuit *c, const double *b, double *x)
{
    size_t M = c->M, N = c->N;
    if (isinf(c->gl_col)) {
        double *s = c->scr_N;
        for (size_t j = 0; j < N; j++)
            s[j] = 0.0;
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                s[j] += b[i * N + j];
        for (size_t j = 0; j < N; j++)
            s[j] *= c->inv_col[j];
        for (size_t i = 0; i < M; i++)
            memcpy(x + i * N, s, N * sizeof *s);
        return;
    }
    for (size_t j = 0; j < N; j++)
        x[j] = b[j] * c->ip_col[j];
    for (size_t i = 1; i < M; i++) {
        const double *restrict bi = b + i * N, *restrict ip = c->ip_col + i * N, *restrict gip = c->gip_col + i * N;
        const double *xp = x + (i - 1) * N;
        double *xi = x + i * N;
        for (size_t j = 0; j < N; j++)
            xi[j] = bi[j] * ip[j] + gip[j] * xp[j];
    }
    for (size_t i = M - 1; i-- > 0;) {
        const double *restrict gip = c->gip_col + i * N, *xn = x + (i + 1) * N;
        double *xi = x + i * N;
        for (size_t j = 0; j < N; j++)
            xi[j] += gip[j] * xn[j];
    }
}

/* q = (A_C + D) p - D t over the column lines, 0 at fixed column nodes (p is 0 there and constant on
 * merged lines).  t = NULL: no D t term. */
static void apply_cols(const circuit *c, const double *p, const double *t, double *q)
{
    size_t M = c->M, N = c->N, MN = M * N;
    const double *d = c->d;
    if (t != NULL)
        for (size_t k = 0; k < MN; k++)
            q[k] = d[k] * (p[k] - t[k]);
    else
        for (size_t k = 0; k < MN; k++)
            q[k] = d[k] * p[k];
    if (isfinite(c->gl_col)) {
        double g = c->gl_col;
        for (size_t i = 0; i + 1 < M; i++) {
            const double *p0 = p + i * N, *p1 = p0 + N;
            double *q0 = q + i * N, *q1 = q0 + N;
            for (size_t j = 0; j < N; j++) {
                double il = g * (p0[j] - p1[j]);
                q0[j] += il;
                q1[j] -= il;
            }
        }
    }
    double *ql = q + (M - 1) * N;
    const double *pl = p + (M - 1) * N;
    for (size_t j = 0; j < N; j++) {
        if (isfinite(c->gt_col[j]))
            ql[j] += c->gt_col[j] * pl[j];
        else if (isfinite(c->gl_col))
            ql[j] = 0.0;
        else
            for (size_t i = 0; i < M; i++)
                q[i * N + j] = 0.0;
    }
}

/* Zeroes a column-space vector at the fixed column nodes. */
static void mask_cols(const circuit *c, double *r)
{
    size_t M = c->M, N = c->N;
    for (size_t j = 0; j < N; j++)
        if (isinf(c->gt_col[j])) {
            if (isinf(c->gl_col))
                for (size_t i = 0; i < M; i++)
                    r[i * N + j] = 0.0;
            else
                r[(M - 1) * N + j] = 0.0;
        }
}

/* Column-space residual norm of a masked residual (merged lines summed). */
static double col_norm(const circuit *c, const double *r)
{
    size_t M = c->M, N = c->N;
    double m = 0.0;
    if (isinf(c->gl_col)) {
        double *s = c->scr_N;
        memset(s, 0, N * sizeof *s);
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                s[j] += r[i * N + j];
        for (size_t j = 0; j < N; j++)
            m = max_abs(m, s[j]);
        return m;
    }
    return norm_inf(r, M * N);
}

/* Solves K [xr; xc] = [br; bc] for the update (0 at fixed nodes) by Schur-complement PCG, until the
 * column KCL residual is below tol_A.  Returns iterations, or -1 if max_iter did not reach it.
 * Uses res, z, p, q, t; br, bc are left intact.  (The inner products of the reduced space are the
 * full-array ones: on a merged line one factor is constant, so the sum is the line's.) */
static int solve_pcg(circuit *c, const double *br, const double *bc, double *xr, double *xc, double tol_A,
                     int max_iter, double *achieved)
{
    size_t MN = c->M * c->N;
    const double *d = c->d;
    double *res = c->res, *z = c->z, *p = c->p, *q = c->q, *t = c->t;
    int merged = isinf(c->gl_col);
    /* rhs = bc + D (A_R+D)^-1 br; start from xc = 0. */
    solve_rows(c, br, t);
    for (size_t k = 0; k < MN; k++) {
        res[k] = bc[k] + d[k] * t[k];
        xc[k] = 0.0;
    }
    mask_cols(c, res);
    double rn = col_norm(c, res);
    int it = 0;
    double rz_old = 0.0;
    while (rn > tol_A) {
        if (it >= max_iter) {
            *achieved = rn;
            return -1;
        }
        solve_cols(c, res, z);
        double rz = dot(res, z, MN);
        if (!(rz > 0)) /* the preconditioner is singular on this residual: no progress possible */
            break;
        double beta = it == 0 ? 0.0 : rz / rz_old;
        for (size_t k = 0; k < MN; k++) {
            p[k] = z[k] + beta * p[k];
            t[k] = d[k] * p[k];
        }
        rz_old = rz;
        /* q = S p = (A_C + D) p - D (A_R + D)^-1 D p */
        solve_rows(c, t, t);
        apply_cols(c, p, t, q);
        double pq = dot(p, q, MN);
        if (!(pq > 0))
            break;
        double alpha = rz / pq;
        for (size_t k = 0; k < MN; k++) {
            xc[k] += alpha * p[k];
            res[k] -= alpha * q[k];
        }
        rn = merged ? col_norm(c, res) : norm_inf(res, MN);
        it++;
    }
    /* Rows from the columns: (A_R + D) xr = br + D xc. */
    for (size_t k = 0; k < MN; k++)
        t[k] = br[k] + d[k] * xc[k];
    solve_rows(c, t, xr);
    *achieved = rn;
    return rn <= tol_A ? it : -1;
}

/* ---- the direct path (CHOLMOD) ------------------------------------------------------------------ */

/* Numbers the unknowns: each free node, or one per merged line. */
static void direct_map(circuit *c)
{
    size_t M = c->M, N = c->N;
    c->map_r = xmalloc(M * N * sizeof *c->map_r);
    c->map_c = xmalloc(M * N * sizeof *c->map_c);
    long n = 0;
    for (size_t i = 0; i < M; i++) {
        long line = -1;
        for (size_t j = 0; j < N; j++) {
            if (row_fixed(c, i, j))
                c->map_r[i * N + j] = -1;
            else if (isinf(c->gl_row))
                c->map_r[i * N + j] = line >= 0 ? line : (line = n++);
            else
                c->map_r[i * N + j] = n++;
        }
    }
    for (size_t j = 0; j < N; j++) {
        long line = -1;
        for (size_t i = 0; i < M; i++) {
            if (col_fixed(c, i, j))
                c->map_c[i * N + j] = -1;
            else if (isinf(c->gl_col))
                c->map_c[i * N + j] = line >= 0 ? line : (line = n++);
            else
                c->map_c[i * N + j] = n++;
        }
    }
    c->n_unknown = (size_t)n;
}

/* Adds conductance g between unknowns a and b (either may be -1, fixed) to the triplet (upper part). */
static void stamp(cholmod_triplet *T, long a, long b, double g)
{
    long *Ti = T->i, *Tj = T->j;
    double *Tx = T->x;
    if (a == b)
        return; /* same merged node: no current */
    if (a >= 0) {
        Ti[T->nnz] = a, Tj[T->nnz] = a, Tx[T->nnz] = g, T->nnz++;
    }
    if (b >= 0) {
        Ti[T->nnz] = b, Tj[T->nnz] = b, Tx[T->nnz] = g, T->nnz++;
    }
    if (a >= 0 && b >= 0) {
        Ti[T->nnz] = a < b ? a : b, Tj[T->nnz] = a < b ? b : a, Tx[T->nnz] = -g, T->nnz++;
    }
}

static int solve_direct(circuit *c, const double *br, const double *bc, double *xr, double *xc)
{
    size_t M = c->M, N = c->N, MN = M * N;
    if (!c->cm_started) {
        cholmod_l_start(&c->cm);
        c->cm_started = 1;
        direct_map(c);
    }
    size_t n = c->n_unknown;
    if (n == 0) {
        memset(xr, 0, MN * sizeof *xr);
        memset(xc, 0, MN * sizeof *xc);
        return CIM_OK;
    }
    if (c->L != NULL && c->L_version == c->d_version)
        goto solve;
    size_t nz_max = 3 * (3 * MN) + M + N;
    cholmod_triplet *T = cholmod_l_allocate_triplet(n, n, nz_max, 1, CHOLMOD_REAL, &c->cm);
    if (T == NULL)
        return cim_error(CIM_ESIM, "CHOLMOD could not allocate the nodal matrix (%zu unknowns)", n);
    const double *d = c->d;
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            size_t k = i * N + j;
            stamp(T, c->map_r[k], c->map_c[k], d[k]);
            if (isfinite(c->gl_row) && j + 1 < N)
                stamp(T, c->map_r[k], c->map_r[k + 1], c->gl_row);
            if (isfinite(c->gl_col) && i + 1 < M)
                stamp(T, c->map_c[k], c->map_c[k + N], c->gl_col);
        }
    for (size_t i = 0; i < M; i++)
        if (isfinite(c->gt_row[i]))
            stamp(T, c->map_r[i * N], -1, c->gt_row[i]);
    for (size_t j = 0; j < N; j++)
        if (isfinite(c->gt_col[j]))
            stamp(T, c->map_c[(M - 1) * N + j], -1, c->gt_col[j]);
    cholmod_sparse *A = cholmod_l_triplet_to_sparse(T, T->nnz, &c->cm);
    cholmod_l_free_triplet(&T, &c->cm);
    if (A == NULL)
        return cim_error(CIM_ESIM, "CHOLMOD could not assemble the nodal matrix");
    if (c->L == NULL)
        c->L = cholmod_l_analyze(A, &c->cm);
    int ok = c->L != NULL && cholmod_l_factorize(A, c->L, &c->cm);
    cholmod_l_free_sparse(&A, &c->cm);
    if (!ok || c->cm.status == CHOLMOD_NOT_POSDEF)
        return cim_error(CIM_ESIM, "CHOLMOD could not factor the nodal matrix (status %d): the circuit is singular "
                                   "(a floating line with no conducting cell?)",
                         c->cm.status);
    c->L_version = c->d_version;
solve:;
    cholmod_dense *B = cholmod_l_zeros(n, 1, CHOLMOD_REAL, &c->cm);
    double *bx = B->x;
    for (size_t k = 0; k < MN; k++) {
        if (c->map_r[k] >= 0)
            bx[c->map_r[k]] += br[k];
        if (c->map_c[k] >= 0)
            bx[c->map_c[k]] += bc[k];
    }
    cholmod_dense *X = cholmod_l_solve(CHOLMOD_A, c->L, B, &c->cm);
    cholmod_l_free_dense(&B, &c->cm);
    if (X == NULL)
        return cim_error(CIM_ESIM, "CHOLMOD solve failed (status %d)", c->cm.status);
    const double *xx = X->x;
    for (size_t k = 0; k < MN; k++) {
        xr[k] = c->map_r[k] >= 0 ? xx[c->map_r[k]] : 0.0;
        xc[k] = c->map_c[k] >= 0 ? xx[c->map_c[k]] : 0.0;
    }
    cholmod_l_free_dense(&X, &c->cm);
    return CIM_OK;
}

/* ---- Newton ------------------------------------------------------------------------------------- */

/* Sets the fixed nodes of xr, xc to their sources. */
static void set_fixed(const circuit *c, double *xr, double *xc)
{
    size_t M = c->M, N = c->N;
    for (size_t i = 0; i < M; i++)
        if (isinf(c->gt_row[i])) {
            size_t n = isinf(c->gl_row) ? N : 1;
            for (size_t j = 0; j < n; j++)
                xr[i * N + j] = c->src_row[i];
        }
    for (size_t j = 0; j < N; j++)
        if (isinf(c->gt_col[j])) {
            size_t i0 = isinf(c->gl_col) ? 0 : M - 1;
            for (size_t i = i0; i < M; i++)
                xc[i * N + j] = c->src_col[j];
        }
}

/* The current scale of the residual test: the largest current any source delivers at the current
 * iterate, or the largest total cell current of a line if that is larger (it is, at a start where the
 * terminals carry nothing yet; at the solution a driven line's cell total is its source current). */
static double current_scale(const circuit *c)
{
    size_t M = c->M, N = c->N;
    double s = 1e-30, *ir = c->scr_M2, *ic = c->scr_M2 + M, *colsum = c->scr_N;
    terminal_currents(c, c->vr, c->vc, c->F_r, c->F_c, ir, ic);
    for (size_t i = 0; i < M; i++)
        s = max_abs(s, (ir[i]));
    for (size_t j = 0; j < N; j++)
        s = max_abs(s, (ic[j]));
    memset(colsum, 0, N * sizeof *colsum);
    for (size_t i = 0; i < M; i++) {
        const double *ic_row = c->i_cell + i * N;
        double rs = 0.0;
        for (size_t j = 0; j < N; j++) {
            rs += ic_row[j];
            colsum[j] += ic_row[j];
        }
        s = max_abs(s, (rs));
    }
    for (size_t j = 0; j < N; j++)
        s = max_abs(s, (colsum[j]));
    return s;
}

/* One linear solve with the chosen method; AUTO falls back to DIRECT when PCG stalls. */
static int linear_step(circuit *c, const circuit_opts *o, double tol_A, circuit_stats *st)
{
    size_t MN = c->M * c->N;
    for (size_t k = 0; k < MN; k++) {
        c->F_r[k] = -c->F_r[k];
        c->F_c[k] = -c->F_c[k];
    }
    int method = o->method == CIRCUIT_DIRECT ? CIRCUIT_DIRECT : CIRCUIT_PCG;
    int st_code = CIM_OK;
    if (method == CIRCUIT_PCG) {
        double achieved;
        int it = solve_pcg(c, c->F_r, c->F_c, c->dx_r, c->dx_c, tol_A, o->max_iter, &achieved);
        st->iterations += it >= 0 ? it : o->max_iter;
        if (it < 0) {
            if (o->method == CIRCUIT_AUTO)
                method = CIRCUIT_DIRECT;
            else
                st_code = cim_error(CIM_ESIM,
                                    "the circuit solve (pcg) did not converge in %d iterations: residual %.3g A, "
                                    "wanted %.3g A%s",
                                    o->max_iter, achieved, tol_A,
                                    c->singular ? " (a floating line has no conducting cell)" : "");
        }
    }
    if (method == CIRCUIT_DIRECT)
        st_code = solve_direct(c, c->F_r, c->F_c, c->dx_r, c->dx_c);
    st->method = method;
    /* restore F */
    for (size_t k = 0; k < MN; k++) {
        c->F_r[k] = -c->F_r[k];
        c->F_c[k] = -c->F_c[k];
    }
    return st_code;
}

/* ||F||, the KCL residual norm at xr, xc (fills i_cell, F_r, F_c). */
static double residual_at(circuit *c, const double *xr, const double *xc)
{
    eval_cells(c, xr, xc, c->i_cell, NULL);
    kcl(c, xr, xc, c->i_cell, c->F_r, c->F_c);
    return resid_norm(c, c->F_r, c->F_c);
}

/* The rounding floor of the KCL residual (circuit.h): 8 eps g_node v_max, g_node the largest conductance of
 * the wire and terminal elements at one node, v_max the largest source voltage (no node of a passive array with
 * monotonic cells exceeds it). */
static double rounding_floor(const circuit *c)
{
    size_t M = c->M, N = c->N;
    double g_row = isfinite(c->gl_row) ? 2.0 * c->gl_row : 0.0, g_col = isfinite(c->gl_col) ? 2.0 * c->gl_col : 0.0;
    double gt = 0.0, v = 0.0;
    for (size_t i = 0; i < M; i++) {
        if (isfinite(c->gt_row[i]))
            gt = fmax(gt, c->gt_row[i]);
        v = fmax(v, fabs(c->src_row[i]));
    }
    for (size_t j = 0; j < N; j++) {
        if (isfinite(c->gt_col[j]))
            gt = fmax(gt, c->gt_col[j]);
        v = fmax(v, fabs(c->src_col[j]));
    }
    return 8.0 * DBL_EPSILON * (fmax(g_row, g_col) + gt) * v;
}

int circuit_solve(circuit *c, const double *v_row_V, const double *v_col_V, double *i_col_A, const circuit_opts *o_in,
                  circuit_stats *st_out)
{
    size_t M = c->M, N = c->N, MN = M * N;
    circuit_opts o = o_in != NULL ? *o_in : circuit_opts_default();
    circuit_stats stl = {0}, *st = st_out != NULL ? st_out : &stl;
    memset(st, 0, sizeof *st);
    st->method = o.method == CIRCUIT_DIRECT ? CIRCUIT_DIRECT : CIRCUIT_PCG;
    if (!c->have_cells)
        return cim_error(CIM_EINVAL, "the circuit has no cells: set conductances or an I-V first");
    for (size_t i = 0; i < M; i++)
        if (!isfinite(v_row_V[i]))
            return cim_error(CIM_EINVAL, "input voltage of row %zu is %g; it must be finite", i, v_row_V[i]);
    for (size_t j = 0; v_col_V != NULL && j < N; j++)
        if (!isfinite(v_col_V[j]))
            return cim_error(CIM_EINVAL, "bias of column %zu is %g; it must be finite", j, v_col_V[j]);
    memcpy(c->src_row, v_row_V, M * sizeof *v_row_V);
    if (v_col_V != NULL)
        memcpy(c->src_col, v_col_V, N * sizeof *v_col_V);
    else
        memset(c->src_col, 0, N * sizeof *c->src_col);

    /* Start: the previous solution, or every row at its source and every column at its bias. */
    if (!(o.warm_start && c->have_x)) {
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++) {
                c->vr[i * N + j] = isinf(c->gt_row[i]) || c->gt_row[i] > 0 ? c->src_row[i] : 0.0;
                c->vc[i * N + j] = c->src_col[j];
            }
    }
    set_fixed(c, c->vr, c->vc);

    double rn = residual_at(c, c->vr, c->vc);
    double scale = current_scale(c);
    const double floor_A = rounding_floor(c);
    int status = CIM_OK;
    int max_steps = c->linear ? 4 : o.max_newton; /* linear: one solve plus refinement */
    int step = 0;
    while (!(rn <= fmax(o.rtol * scale, floor_A))) {
        if (step >= max_steps) {
            status = cim_error(CIM_ESIM,
                               "the circuit solve did not converge in %d %s: KCL residual %.3g of the largest source "
                               "current (%.3g A), wanted %.3g",
                               step, c->linear ? "refinement steps" : "Newton steps", rn / scale, scale,
                               fmax(o.rtol, floor_A / scale));
            break;
        }
        /* Jacobian: linear cells once per conductance set; nonlinear at every step. */
        if (c->linear) {
            if (!c->fac_valid) {
                memcpy(c->d, c->g_cell, MN * sizeof *c->d);
                factor_lines(c);
            }
        } else {
            eval_cells(c, c->vr, c->vc, c->i_cell, c->d);
            for (size_t k = 0; k < MN; k++)
                if (!(c->d[k] >= 0) || !isfinite(c->d[k])) {
                    status = cim_error(CIM_ESIM, "cell at row %zu, column %zu has di/dv = %g S at %g V; the cell I-V "
                                                 "must be monotonic and finite",
                                       k / N, k % N, c->d[k], c->vr[k] - c->vc[k]);
                    goto done;
                }
            factor_lines(c);
        }
        /* Inexact Newton: solve to a fraction of the present residual, never looser than needed. */
        double tol_A = c->linear ? 0.25 * o.rtol * scale : fmax(0.25 * o.rtol * scale, 1e-3 * rn);
        tol_A = fmax(tol_A, floor_A);
        if ((status = linear_step(c, &o, tol_A, st)) != CIM_OK)
            goto done;
        /* Line search on ||F|| (linear cells take the full step). */
        double lambda = 1.0, rn_try = 0.0;
        for (int ls = 0; ls < 40; ls++) {
            for (size_t k = 0; k < MN; k++) {
                c->xr_try[k] = c->vr[k] + lambda * c->dx_r[k];
                c->xc_try[k] = c->vc[k] + lambda * c->dx_c[k];
            }
            rn_try = residual_at(c, c->xr_try, c->xc_try);
            if (c->linear || rn_try <= (1.0 - 1e-4 * lambda) * rn || !(rn > 0))
                break;
            lambda *= 0.5;
        }
        /* Accept the last trial point.  Its residual (F, cell currents) was just evaluated, and the update is
         * 0 at fixed nodes (both linear solvers), so they keep their source values. */
        memcpy(c->vr, c->xr_try, MN * sizeof *c->vr);
        memcpy(c->vc, c->xc_try, MN * sizeof *c->vc);
        rn = rn_try;
        scale = current_scale(c);
        step++;
        if (!isfinite(rn)) {
            status = cim_error(CIM_ESIM, "the circuit solve diverged (non-finite residual after step %d)", step);
            break;
        }
    }
done:
    st->newton_steps = c->linear ? 0 : step;
    st->residual = rn / scale;
    st->i_scale_A = scale;
    st->floor_rel = floor_A / scale;
    st->converged = rn <= fmax(o.rtol * scale, floor_A);
    c->have_x = st->converged;
    if (i_col_A != NULL)
        terminal_currents(c, c->vr, c->vc, c->F_r, c->F_c, NULL, i_col_A);
    return status;
}

void circuit_row_currents(const circuit *c, double *i_row_A)
{
    terminal_currents(c, c->vr, c->vc, c->F_r, c->F_c, i_row_A, NULL);
}

double circuit_power_W(const circuit *c)
{
    double *ir = xmalloc(c->M * sizeof *ir), *ic = xmalloc(c->N * sizeof *ic);
    terminal_currents(c, c->vr, c->vc, c->F_r, c->F_c, ir, ic);
    double p = 0.0;
    for (size_t i = 0; i < c->M; i++)
        p += c->src_row[i] * ir[i];
    for (size_t j = 0; j < c->N; j++)
        p -= c->src_col[j] * ic[j];
    free(ir);
    free(ic);
    return p;
}

/* ---- effective conductance matrix ------------------------------------------------------------ */

/* A worker for the threads of circuit_effective_g and circuit_solve_batch: a copy of c that shares its
 * wires, terminals and cells, owns its per-solve arrays and its own CHOLMOD state (made only if its PCG
 * falls back to the direct path), and either shares c's line factorizations (linear cells: computed
 * once, only read by a solve) or owns its own (nonlinear cells: refactored at every Newton step). */
static circuit *worker_new(const circuit *c)
{
    circuit *w = xmalloc(sizeof *w);
    *w = *c;
    w->cm_started = 0;
    w->L = NULL;
    w->L_version = 0;
    w->map_r = w->map_c = NULL;
    w->geff = NULL;
    w->yeff = NULL;
    w->geff_valid = 0;
    w->owns_fac = !c->linear;
    if (w->owns_fac) {
        size_t MN = c->M * c->N;
        w->d = xcalloc(MN, sizeof *w->d);
        w->ip_row = xcalloc(MN, sizeof *w->ip_row);
        w->ip_col = xcalloc(MN, sizeof *w->ip_col);
        w->gip_row = xcalloc(MN, sizeof *w->gip_row);
        w->gip_col = xcalloc(MN, sizeof *w->gip_col);
        w->inv_row = xcalloc(c->M, sizeof *w->inv_row);
        w->inv_col = xcalloc(c->N, sizeof *w->inv_col);
        w->fac_valid = 0;
    }
    work_alloc(w);
    return w;
}

static void worker_free(circuit *w)
{
    direct_forget(w);
    work_free(w);
    if (w->owns_fac) {
        double *a[] = {w->d, w->ip_row, w->ip_col, w->gip_row, w->gip_col, w->inv_row, w->inv_col};
        for (size_t k = 0; k < sizeof a / sizeof *a; k++)
            free(a[k]);
    }
    free(w);
}

static void stats_add(circuit_stats *total, const circuit_stats *one)
{
    total->method = one->method;
    total->iterations += one->iterations;
    total->newton_steps += one->newton_steps;
    total->i_scale_A = fmax(total->i_scale_A, one->i_scale_A);
    total->residual = fmax(total->residual, one->residual);
    total->converged &= one->converged;
}

/* The unit-input solves of rows 1 .. M-1 of the effective matrix, one worker per thread (slot), made when
 * that thread takes its first row: a helper that never gets a core costs nothing. */
typedef struct geff_job {
    circuit *c;
    const circuit_opts *o;
    const double *zero;
    double *g_eff_S;
    double *y;            /* M x M input admittance: row i gets the source currents of unit input i */
    unsigned char *failed;
    circuit **w;          /* per slot */
    double **vt;          /* per slot: the unit input */
    circuit_stats *part;  /* per slot */
    int method;
} geff_job;

static void geff_rows(void *ctx, int t, size_t k0, size_t k1)
{
    geff_job *j = ctx;
    size_t M = j->c->M, N = j->c->N;
    if (j->w[t] == NULL) {
        j->w[t] = worker_new(j->c);
        j->vt[t] = xcalloc(M, sizeof *j->vt[t]);
        j->part[t] = (circuit_stats){.method = j->method, .converged = 1};
    }
    circuit_stats s1;
    for (size_t i = k0 + 1; i < k1 + 1; i++) {
        j->vt[t][i] = 1.0;
        if (circuit_solve(j->w[t], j->vt[t], j->zero, j->g_eff_S + i * N, j->o, &s1) != CIM_OK)
            j->failed[i] = 1;
        else {
            stats_add(&j->part[t], &s1);
            circuit_row_currents(j->w[t], j->y + i * M);
        }
        j->vt[t][i] = 0.0;
    }
}

int circuit_effective_g(circuit *c, double *g_eff_S, const circuit_opts *o_in, circuit_stats *st_out)
{
    size_t M = c->M, N = c->N;
    if (!c->linear)
        return cim_error(CIM_EINVAL, "the effective conductance matrix exists only for linear cells");
    circuit_opts o = o_in != NULL ? *o_in : circuit_opts_default();
    o.warm_start = 0; /* every unit-input solve starts cold: its result does not depend on the order */
    circuit_stats total = {0}, one;
    if (c->geff_valid) {
        memcpy(g_eff_S, c->geff, M * N * sizeof *g_eff_S);
        if (st_out != NULL)
            *st_out = total;
        return CIM_OK;
    }
    total.converged = 1;
    if (c->yeff == NULL)
        c->yeff = xmalloc(M * M * sizeof *c->yeff);
    double *y = c->yeff;
    /* Row 0 on c itself: it factorizes the lines, which the workers then share. */
    double *v = xcalloc(M, sizeof *v), *zero = xcalloc(N, sizeof *zero);
    v[0] = 1.0;
    int st = circuit_solve(c, v, zero, g_eff_S, &o, &one);
    if (st == CIM_OK)
        circuit_row_currents(c, y);
    v[0] = 0.0;
    stats_add(&total, &one);
    free(v);

    /* Rows 1 .. M-1: independent solves, shared out over the threads, each with its own worker.  A row
     * whose solve fails in a worker is redone below on c, on this thread, so its error is reported here. */
    int nt = cim_threads();
    unsigned char *failed = xcalloc(M, 1);
    geff_job job = {c, &o, zero, g_eff_S, y, failed, xcalloc((size_t)nt, sizeof *job.w),
                    xcalloc((size_t)nt, sizeof *job.vt), xcalloc((size_t)nt, sizeof *job.part), total.method};
    if (st == CIM_OK && M > 1) {
        cim_parallel_for(nt, M - 1, 1, geff_rows, &job);
        for (int t = 0; t < nt; t++)
            if (job.w[t] != NULL) {
                stats_add(&total, &job.part[t]);
                free(job.vt[t]);
                worker_free(job.w[t]);
            }
        v = xcalloc(M, sizeof *v);
        for (size_t i = 1; i < M && st == CIM_OK; i++)
            if (failed[i]) {
                v[i] = 1.0;
                st = circuit_solve(c, v, zero, g_eff_S + i * N, &o, &one);
                if (st == CIM_OK)
                    circuit_row_currents(c, y + i * M);
                v[i] = 0.0;
                stats_add(&total, &one);
            }
        free(v);
    }
    free(job.w), free(job.vt), free(job.part);
    free(failed);
    free(zero);
    if (st == CIM_OK) {
        if (c->geff == NULL)
            c->geff = xmalloc(M * N * sizeof *c->geff);
        memcpy(c->geff, g_eff_S, M * N * sizeof *g_eff_S);
        c->geff_valid = 1;
    }
    c->have_x = 0; /* the unit-input solutions are no use as a warm start */
    if (st_out != NULL)
        *st_out = total;
    return st;
}

int circuit_effective_y(const circuit *c, double *y_S)
{
    if (!c->geff_valid)
        return cim_error(CIM_EINVAL, "the input admittance is known only after circuit_effective_g on these cells");
    memcpy(y_S, c->yeff, c->M * c->M * sizeof *y_S);
    return CIM_OK;
}

/* ---- batches of input vectors ----------------------------------------------------------------- */

/* Vectors 1 .. n-1 of a batch, each from the first one's solution, one worker per thread (slot). */
typedef struct batch_job {
    circuit *c;
    const circuit_opts *o;
    const double *v_row_V, *v_col_V;
    double *i_col_A;
    double *p_W;          /* per vector: the power the sources deliver (may be NULL) */
    const double *x0r, *x0c;
    unsigned char *failed;
    circuit **w;          /* per slot */
    circuit_stats *part;  /* per slot */
    int method;
} batch_job;

static void batch_vectors(void *ctx, int t, size_t k0, size_t k1)
{
    batch_job *j = ctx;
    size_t M = j->c->M, N = j->c->N, MN = M * N;
    if (j->w[t] == NULL) {
        j->w[t] = worker_new(j->c);
        j->part[t] = (circuit_stats){.method = j->method, .converged = 1};
    }
    circuit *w = j->w[t];
    circuit_stats s1;
    for (size_t k = k0 + 1; k < k1 + 1; k++) {
        memcpy(w->vr, j->x0r, MN * sizeof *w->vr);
        memcpy(w->vc, j->x0c, MN * sizeof *w->vc);
        w->have_x = 1;
        if (circuit_solve(w, j->v_row_V + k * M, j->v_col_V, j->i_col_A != NULL ? j->i_col_A + k * N : NULL, j->o,
                          &s1) != CIM_OK)
            j->failed[k] = 1;
        else {
            stats_add(&j->part[t], &s1);
            if (j->p_W != NULL)
                j->p_W[k] = circuit_power_W(w);
        }
    }
}

int circuit_solve_batch(circuit *c, size_t n, const double *v_row_V, const double *v_col_V, double *i_col_A,
                        const circuit_opts *o_in, circuit_stats *st_out)
{
    return circuit_solve_batch_power(c, n, v_row_V, v_col_V, i_col_A, NULL, o_in, st_out);
}

int circuit_solve_batch_power(circuit *c, size_t n, const double *v_row_V, const double *v_col_V, double *i_col_A,
                              double *p_W, const circuit_opts *o_in, circuit_stats *st_out)
{
    size_t M = c->M, N = c->N, MN = M * N;
    circuit_opts o = o_in != NULL ? *o_in : circuit_opts_default();
    circuit_stats total = {.converged = 1}, one;
    if (n == 0) {
        if (st_out != NULL)
            *st_out = total;
        return CIM_OK;
    }
    /* The first vector on c itself (warm-started as the caller asked); its solution is the start of all
     * the others, whichever thread solves them, so the results do not depend on the thread count. */
    int st = circuit_solve(c, v_row_V, v_col_V, i_col_A, &o, &one);
    stats_add(&total, &one);
    if (st == CIM_OK && p_W != NULL)
        p_W[0] = circuit_power_W(c);
    if (st != CIM_OK || n == 1) {
        if (st_out != NULL)
            *st_out = total;
        return st;
    }
    double *x0r = xmalloc(MN * sizeof *x0r), *x0c = xmalloc(MN * sizeof *x0c);
    memcpy(x0r, c->vr, MN * sizeof *x0r);
    memcpy(x0c, c->vc, MN * sizeof *x0c);
    circuit_opts ow = o;
    ow.warm_start = 1;
    int nt = cim_threads();
    unsigned char *failed = xcalloc(n, 1);
    batch_job job = {c, &ow, v_row_V, v_col_V, i_col_A, p_W, x0r, x0c, failed, xcalloc((size_t)nt, sizeof *job.w),
                     xcalloc((size_t)nt, sizeof *job.part), total.method};
    cim_parallel_for(nt, n - 1, 1, batch_vectors, &job);
    for (int t = 0; t < nt; t++)
        if (job.w[t] != NULL) {
            stats_add(&total, &job.part[t]);
            worker_free(job.w[t]);
        }
    free(job.w), free(job.part);
    /* A vector that failed in a worker is solved again here, from the same start, so that its error is
     * reported on the caller's thread; c then holds that vector's (best) iterate. */
    for (size_t k = 1; k < n && st == CIM_OK; k++)
        if (failed[k]) {
            memcpy(c->vr, x0r, MN * sizeof *x0r);
            memcpy(c->vc, x0c, MN * sizeof *x0c);
            c->have_x = 1;
            st = circuit_solve(c, v_row_V + k * M, v_col_V, i_col_A != NULL ? i_col_A + k * N : NULL, &ow, &one);
            stats_add(&total, &one);
            if (st == CIM_OK && p_W != NULL)
                p_W[k] = circuit_power_W(c);
        }
    if (st == CIM_OK) { /* c holds the first vector's solution, as after circuit_solve of it */
        memcpy(c->vr, x0r, MN * sizeof *x0r);
        memcpy(c->vc, x0c, MN * sizeof *x0c);
        memcpy(c->src_row, v_row_V, M * sizeof *v_row_V);
        c->have_x = 1;
    }
    free(failed);
    free(x0r);
    free(x0c);
    if (st_out != NULL)
        *st_out = total;
    return st;
}

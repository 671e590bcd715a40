/* crossbar/xbar.c -- see xbar.h. */
#include "crossbar/xbar.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "crossbar/crossbar.h"
#include "crossbar/ideal.h"
#include "device/inverse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const xbar_read_path_names[] = {
    "Kirchhoff sum of the cell conductances (perfect wires)",
    "each cell's I-V at its row voltage (perfect wires)",
    "linear circuit solve with the wire, driver and sense resistances",
    "Newton circuit solve with each cell's I-V and the wire, driver and sense resistances",
    NULL,
};

struct xbar {
    xbar_spec s;            /* as given (dev_params and var not kept: the array has its own copies) */
    size_t M, N, n;         /* rows, cols, cells */
    int device;             /* device cells */
    int linear;             /* linear cells */
    int noisy;              /* reads draw read noise (device cells) */
    int path;               /* enum xbar_read_path */
    /* conductance cells */
    double *g_S;            /* [n] memory conductances at 0 V */
    cell_array ca;          /* their I-V and access element (borrows g_S) */
    /* device cells */
    array *a;               /* the states */
    double t_s;             /* read time */
    double *eps;            /* [n] one read's relative noise per cell */
    array_cells ac;         /* the array's I-V adapter */
    cell_access acc;        /* the access element around it */
    /* what reads evaluate */
    circuit_cells cells;    /* nonlinear paths */
    double *g_lin_S;        /* [n] linear paths: the conductance of each cell (1t1r: in series with r_on) */
    double *g_row_S;        /* [M] linear paths: sum_j g_lin_ij (the sum path's energy) */
    circuit *c;             /* circuit paths */
    int ready;              /* g_lin / circuit hold the present state */
    int biased;             /* the circuit's terminals and gates are a biased read's (xbar_read_bias) */
    int effective;          /* g_eff and y_in hold its characterisation */
    double *g_eff_S;        /* [n] effective conductance matrix */
    double *y_in_S;         /* [M x M] input admittance */
    double *yv_A;           /* [M] scratch: Y^T v, the source currents of one read */
    double *v_cell_V;       /* [n] direct path scratch */
    double *i_cell_A;       /* [n] */
    double *v_first_V;      /* [M] the first input of the last read or batch */
    double *v_pulse_V;      /* [n] xbar_pulse scratch: the voltage every cell sees (made on first use) */
    int node_from_circuit;  /* 1 if the circuit holds the solution of v_first_V */
    double p_first_W;       /* its power */
    energy_tally tally;
    xbar_solve_stats stats;
};

xbar_spec xbar_spec_default(size_t rows, size_t cols)
{
    xbar_spec s;
    memset(&s, 0, sizeof s);
    s.rows = rows;
    s.cols = cols;
    s.cells = XBAR_CELLS_CONDUCTANCE;
    s.cell = cell_params_default();
    s.opts = circuit_opts_default();
    s.t_read_s = 10e-9;
    s.aopts = array_opts_default();
    return s;
}

int xbar_new(xbar **out, const xbar_spec *spec)
{
    *out = NULL;
    size_t M = spec->rows, N = spec->cols;
    if (M == 0 || N == 0)
        return cim_error(CIM_EINVAL, "xbar: an array needs at least one row and one column (got %zu x %zu)", M, N);
    int st = cell_params_check(&spec->cell);
    if (st != CIM_OK)
        return cim_error_prefix(st, "cell: ");
    xbar *xb = xcalloc(1, sizeof *xb);
    xb->s = *spec;
    xb->s.dev_params = NULL;
    xb->s.var = NULL;
    xb->M = M;
    xb->N = N;
    xb->n = M * N;
    xb->device = spec->cells == XBAR_CELLS_DEVICE;
    if (xb->device) {
        if (spec->dev == NULL) {
            free(xb);
            return cim_error(CIM_EINVAL, "xbar: device cells need a device model");
        }
        if ((st = array_new(&xb->a, M, N, spec->dev, spec->dev_params, spec->var, &spec->aopts)) != CIM_OK) {
            free(xb);
            return st;
        }
        xb->noisy = spec->var != NULL && spec->var->read.bandwidth_Hz > 0;
        xb->linear = (spec->linearize || array_linear_read(xb->a, spec->aopts.v_read_V)) &&
                     spec->cell.type != CELL_1T1R && spec->cell.type != CELL_1S1R;
        if (spec->linearize && spec->cell.type != CELL_1R) {
            xbar_free(xb);
            return cim_error(CIM_EINVAL, "xbar: linearized device cells need the 1r access element");
        }
        xb->eps = xcalloc(xb->n, sizeof *xb->eps);
        array_cells_init(&xb->ac, xb->a, xb->noisy ? xb->eps : NULL);
        xb->cells = xb->ac.cells;
        if (spec->cell.type == CELL_1T1R || spec->cell.type == CELL_1S1R) {
            xb->acc.p = spec->cell;
            xb->acc.cols = N;
            xb->acc.gate_on = NULL; /* every word line on for an MVM */
            xb->acc.inner = xb->ac.cells;
            xb->cells = cell_access_cells(&xb->acc);
        }
    } else {
        xb->g_S = xcalloc(xb->n, sizeof *xb->g_S);
        if ((st = cell_array_init(&xb->ca, &spec->cell, M, N, xb->g_S)) != CIM_OK) {
            free(xb->g_S);
            free(xb);
            return st;
        }
        xb->linear = cell_array_is_linear(&xb->ca);
        xb->cells = cell_array_cells(&xb->ca);
    }
    int ideal = crossbar_wires_ideal(&spec->wires);
    xb->path = ideal ? (xb->linear ? XBAR_READ_SUM : XBAR_READ_DIRECT) : (xb->linear ? XBAR_READ_CIRCUIT : XBAR_READ_NEWTON);
    if (!ideal && (st = circuit_new(&xb->c, M, N, &spec->wires)) != CIM_OK) {
        xbar_free(xb);
        return st;
    }
    if (xb->linear) {
        xb->g_lin_S = xcalloc(xb->n, sizeof *xb->g_lin_S);
        xb->g_row_S = xcalloc(M, sizeof *xb->g_row_S);
    } else if (ideal) {
        xb->v_cell_V = xmalloc(xb->n * sizeof *xb->v_cell_V);
        xb->i_cell_A = xmalloc(xb->n * sizeof *xb->i_cell_A);
    }
    xb->v_first_V = xcalloc(M, sizeof *xb->v_first_V);
    *out = xb;
    return CIM_OK;
}

void xbar_free(xbar *xb)
{
    if (xb == NULL)
        return;
    if (!xb->device)
        cell_array_destroy(&xb->ca);
    array_free(xb->a);
    circuit_free(xb->c);
    double *v[] = {xb->g_S, xb->eps, xb->g_lin_S, xb->g_row_S, xb->g_eff_S, xb->y_in_S, xb->yv_A, xb->v_cell_V,
                   xb->i_cell_A, xb->v_first_V, xb->v_pulse_V};
    for (size_t k = 0; k < sizeof v / sizeof *v; k++)
        free(v[k]);
    free(xb);
}

size_t xbar_rows(const xbar *xb) { return xb->M; }
size_t xbar_cols(const xbar *xb) { return xb->N; }
int xbar_read_path(const xbar *xb) { return xb->path; }
int xbar_uses_circuit(const xbar *xb) { return xb->path == XBAR_READ_CIRCUIT || xb->path == XBAR_READ_NEWTON; }
int xbar_is_linear(const xbar *xb) { return xb->linear; }
int xbar_is_noisy(const xbar *xb) { return xb->noisy; }
double xbar_time_s(const xbar *xb) { return xb->t_s; }
const energy_tally *xbar_energy(const xbar *xb) { return &xb->tally; }
const xbar_solve_stats *xbar_stats(const xbar *xb) { return &xb->stats; }
array *xbar_array(xbar *xb) { return xb->a; }

/* ---- state ------------------------------------------------------------------------------------- */

static void forget(xbar *xb)
{
    xb->ready = 0;
    xb->effective = 0;
    xb->node_from_circuit = 0;
}

static double latest_cell_time(const array *a)
{
    double t = a->t_state_s[0];
    for (size_t c = 1; c < a->n; c++)
        t = fmax(t, a->t_state_s[c]);
    return t;
}

int xbar_set_conductances(xbar *xb, const double *g_S)
{
    int st = crossbar_check_conductances(g_S, xb->M, xb->N);
    if (st != CIM_OK)
        return st;
    forget(xb);
    if (!xb->device) {
        memcpy(xb->g_S, g_S, xb->n * sizeof *g_S);
        return CIM_OK;
    }
    array *a = xb->a;
    for (size_t c = 0; c < xb->n; c++)
        if ((st = device_state_for_g(a->T, array_p(a, c), a->T_K, a->v_read_V, g_S[c], array_x(a, c))) != CIM_OK)
            return cim_error_prefix(st, "row %zu, column %zu: ", c / xb->N + 1, c % xb->N + 1);
    xb->t_s = latest_cell_time(a);
    return CIM_OK;
}

int xbar_program(xbar *xb, const program_params *p, const double *g_target_S, double t_start_s, program_report *rep)
{
    if (!xb->device) {
        memset(rep, 0, sizeof *rep);
        return cim_error(CIM_EINVAL, "xbar: programming needs device cells (conductance cells are set, not programmed)");
    }
    forget(xb);
    int st = program_array(xb->a, p, g_target_S, t_start_s, rep);
    energy_tally_add(&xb->tally, ENERGY_WRITE, rep->e_write_total_J, rep->n_log);
    energy_tally_add(&xb->tally, ENERGY_VERIFY, rep->e_read_total_J, rep->n_verify_reads);
    energy_tally_add(&xb->tally, ENERGY_DISTURB, rep->e_disturb_total_J, rep->n_disturbs);
    xb->t_s = fmax(xb->t_s, latest_cell_time(xb->a));
    return st;
}

int xbar_pulse(xbar *xb, const program_params *p, size_t i, size_t j, double v_V, double t_width_s, double t_s,
               double *e_J)
{
    if (e_J != NULL)
        *e_J = 0.0;
    if (!xb->device)
        return cim_error(CIM_EINVAL, "xbar: programming pulses need device cells (conductance cells are set)");
    if (i >= xb->M || j >= xb->N)
        return cim_error(CIM_EINVAL, "xbar: no cell (%zu, %zu) in a %zu x %zu array", i, j, xb->M, xb->N);
    if (xb->v_pulse_V == NULL)
        xb->v_pulse_V = xmalloc(xb->n * sizeof *xb->v_pulse_V);
    forget(xb);
    double e_sel = 0.0;
    size_t n_dist = 0;
    int fast = 0;
    double *e_dist = p->half_select != HALF_SELECT_NONE ? xcalloc(xb->n, sizeof *e_dist) : NULL;
    int st = program_pulse(xb->a, p, i, j, v_V, t_width_s, t_s, xb->v_pulse_V, &e_sel, e_dist, NULL, &fast, &n_dist);
    energy_tally_add(&xb->tally, ENERGY_WRITE, e_sel, 1);
    if (e_dist != NULL) {
        double e = 0.0;
        for (size_t c = 0; c < xb->n; c++)
            e += e_dist[c];
        energy_tally_add(&xb->tally, ENERGY_DISTURB, e, n_dist);
        free(e_dist);
    }
    xb->t_s = fmax(xb->t_s, xb->a->t_state_s[i * xb->N + j]);
    if (e_J != NULL)
        *e_J = e_sel;
    return st;
}

int xbar_rest(xbar *xb, double t_s)
{
    if (!xb->device || !(t_s > xb->t_s))
        return CIM_OK;
    forget(xb);
    xb->t_s = t_s;
    return array_advance_all(xb->a, t_s);
}

/* The conductances of the linear paths for the present state: conductance cells with their access element in
 * series; device cells read noiselessly at the read time (advancing them there). */
static int linear_conductances(xbar *xb, double *g)
{
    if (xb->device)
        return array_read_g(xb->a, xb->t_s, 0, g, NULL);
    for (size_t k = 0; k < xb->n; k++)
        g[k] = cell_series_i(&xb->ca.p, cell_array_r_access(&xb->ca, k / xb->N), xb->g_S[k], 1.0, NULL, NULL);
    return CIM_OK;
}

int xbar_conductances(xbar *xb, double *g_S) { return linear_conductances(xb, g_S); }

static void row_sums(xbar *xb, const double *g)
{
    for (size_t i = 0; i < xb->M; i++) {
        double s = 0.0;
        for (size_t j = 0; j < xb->N; j++)
            s += g[i * xb->N + j];
        xb->g_row_S[i] = s;
    }
}

static void note(xbar *xb, const circuit_stats *cs, size_t solves)
{
    xb->stats.n_solves += solves;
    xb->stats.iterations += cs->iterations;
    xb->stats.max_residual = fmax(xb->stats.max_residual, cs->residual);
    xb->stats.last = *cs;
}

/* Terminates every line as the wires say, except floating ones (NULL: none). */
static int terminate(xbar *xb, const unsigned char *float_row, const unsigned char *float_col)
{
    const circuit_wires *w = &xb->s.wires;
    double g_drv = w->r_drv_ohm == 0 ? INFINITY : 1.0 / w->r_drv_ohm;
    double g_sense = w->r_sense_ohm == 0 ? INFINITY : 1.0 / w->r_sense_ohm;
    int st = CIM_OK;
    for (size_t i = 0; i < xb->M && st == CIM_OK; i++)
        st = circuit_set_row_term(xb->c, i, float_row != NULL && float_row[i] ? 0.0 : g_drv);
    for (size_t j = 0; j < xb->N && st == CIM_OK; j++)
        st = circuit_set_col_term(xb->c, j, float_col != NULL && float_col[j] ? 0.0 : g_sense);
    return st;
}

/* Brings g_lin / the circuit / the characterisation up to the present state (once per state). */
static int prepare(xbar *xb)
{
    if (xb->ready)
        return CIM_OK;
    int st = CIM_OK;
    if (xb->biased) { /* back to the MVM biasing: every line terminated, every gate on */
        if (!xb->device)
            memset(xb->ca.gate_on, 1, xb->M);
        if (xbar_uses_circuit(xb) && (st = terminate(xb, NULL, NULL)) != CIM_OK)
            return st;
        xb->biased = 0;
    }
    if (xb->device && (st = array_advance_all(xb->a, xb->t_s)) != CIM_OK)
        return st;
    if (xb->linear) {
        if ((st = linear_conductances(xb, xb->g_lin_S)) != CIM_OK)
            return st;
        row_sums(xb, xb->g_lin_S);
    }
    if (xb->path == XBAR_READ_CIRCUIT) {
        if ((st = circuit_set_conductances(xb->c, xb->g_lin_S)) != CIM_OK)
            return st;
        if (xb->s.reuse && !xb->noisy) {
            if (xb->g_eff_S == NULL) {
                xb->g_eff_S = xmalloc(xb->n * sizeof *xb->g_eff_S);
                xb->y_in_S = xmalloc(xb->M * xb->M * sizeof *xb->y_in_S);
                xb->yv_A = xmalloc(xb->M * sizeof *xb->yv_A);
            }
            circuit_stats cs;
            st = circuit_effective_g(xb->c, xb->g_eff_S, &xb->s.opts, &cs);
            note(xb, &cs, xb->M);
            if (st == CIM_OK)
                st = circuit_effective_y(xb->c, xb->y_in_S);
            if (st != CIM_OK)
                return st;
            xb->effective = 1;
        }
    } else if (xb->path == XBAR_READ_NEWTON && (st = circuit_set_cells(xb->c, &xb->cells)) != CIM_OK)
        return st;
    xb->ready = 1;
    return CIM_OK;
}

/* ---- reads ------------------------------------------------------------------------------------- */

/* One read of v into i; *p_W the power the sources delivered; *solved 1 if the circuit now holds its solution. */
static int read_one(xbar *xb, const double *v, double *i, double *p_W, int *solved)
{
    size_t M = xb->M, N = xb->N, n = xb->n;
    int st = CIM_OK;
    *solved = 0;
    switch (xb->path) {
    case XBAR_READ_SUM: {
        if (xb->noisy && (st = array_read_g(xb->a, xb->t_s, 1, xb->g_lin_S, NULL)) != CIM_OK)
            return st;
        crossbar_ideal_mvm(xb->g_lin_S, M, N, v, i, NULL);
        if (xb->noisy)
            *p_W = crossbar_ideal_power_W(xb->g_lin_S, M, N, v);
        else {
            double p = 0.0;
            for (size_t r = 0; r < M; r++)
                p += v[r] * v[r] * xb->g_row_S[r];
            *p_W = p;
        }
        return CIM_OK;
    }
    case XBAR_READ_DIRECT: {
        if (xb->noisy)
            array_read_noise_draw(xb->a, xb->eps);
        for (size_t c = 0; c < n; c++)
            xb->v_cell_V[c] = v[c / N];
        xb->cells.eval(xb->cells.ctx, 0, n, xb->v_cell_V, xb->i_cell_A, NULL);
        for (size_t j = 0; j < N; j++)
            i[j] = 0;
        double p = 0.0;
        for (size_t c = 0; c < n; c++) {
            i[c % N] += xb->i_cell_A[c];
            p += xb->v_cell_V[c] * xb->i_cell_A[c];
        }
        *p_W = p;
        return CIM_OK;
    }
    case XBAR_READ_CIRCUIT:
        if (xb->effective) {
            crossbar_ideal_mvm(xb->g_eff_S, M, N, v, i, NULL); /* the same product, on the same thread policy */
            /* P = v^T Y v = v . (Y^T v) (a scalar is its own transpose): Y is the input admittance of the same
             * characterisation; the product streams Y row by row like the MVM itself */
            crossbar_ideal_mvm(xb->y_in_S, M, M, v, xb->yv_A, NULL);
            double p = 0.0;
            for (size_t r = 0; r < M; r++)
                p += v[r] * xb->yv_A[r];
            *p_W = p;
            return CIM_OK;
        }
        if (xb->noisy) {
            if ((st = array_read_g(xb->a, xb->t_s, 1, xb->g_lin_S, NULL)) != CIM_OK ||
                (st = circuit_set_conductances(xb->c, xb->g_lin_S)) != CIM_OK)
                return st;
        }
        break;
    case XBAR_READ_NEWTON:
        if (xb->noisy) {
            array_read_noise_draw(xb->a, xb->eps);
            if ((st = circuit_set_cells(xb->c, &xb->cells)) != CIM_OK)
                return st;
        }
        break;
    }
    circuit_stats cs;
    st = circuit_solve(xb->c, v, NULL, i, &xb->s.opts, &cs);
    note(xb, &cs, 1);
    *p_W = circuit_power_W(xb->c);
    *solved = 1;
    return st;
}

int xbar_read(xbar *xb, const double *v_row_V, double *i_col_A)
{
    return xbar_read_for(xb, v_row_V, i_col_A, xb->s.t_read_s);
}

int xbar_read_for(xbar *xb, const double *v_row_V, double *i_col_A, double t_s)
{
    int st = prepare(xb), solved = 0;
    if (st != CIM_OK)
        return st;
    double p = 0.0;
    st = read_one(xb, v_row_V, i_col_A, &p, &solved);
    memcpy(xb->v_first_V, v_row_V, xb->M * sizeof *v_row_V);
    xb->node_from_circuit = solved;
    xb->p_first_W = p;
    if (st == CIM_OK)
        energy_tally_add(&xb->tally, ENERGY_READ, p * t_s, 1);
    return st;
}

int xbar_read_rows(xbar *xb, const size_t *rows, size_t n, double v_V, double *i_col_A)
{
    size_t M = xb->M, N = xb->N;
    if (!isfinite(v_V))
        return cim_error(CIM_EINVAL, "xbar: read voltage %g is not finite", v_V);
    for (size_t k = 0; k < n; k++)
        if (rows[k] >= M || (k > 0 && rows[k] <= rows[k - 1]))
            return cim_error(CIM_EINVAL, "xbar: event rows must be ascending, distinct and below %zu (entry %zu is %zu)",
                             M, k, rows[k]);
    int st = prepare(xb);
    if (st != CIM_OK)
        return st;
    /* The dense vector is the last read's input (xbar_node_voltages), and the fallback reads it. */
    memset(xb->v_first_V, 0, M * sizeof *xb->v_first_V);
    for (size_t k = 0; k < n; k++)
        xb->v_first_V[rows[k]] = v_V;
    double p = 0.0;
    int solved = 0;
    if (!xb->noisy && xb->path == XBAR_READ_SUM) {
        crossbar_ideal_rows(xb->g_lin_S, M, N, rows, n, v_V, i_col_A);
        for (size_t k = 0; k < n; k++) /* xbar_read's sum over every row, whose undriven terms are zeros */
            p += v_V * v_V * xb->g_row_S[rows[k]];
    } else if (xb->effective) {
        crossbar_ideal_rows(xb->g_eff_S, M, N, rows, n, v_V, i_col_A);
        /* v^T Y v = v . (Y^T v) as xbar_read computes it, the undriven rows' terms zeros */
        crossbar_ideal_rows(xb->y_in_S, M, M, rows, n, v_V, xb->yv_A);
        for (size_t k = 0; k < n; k++)
            p += v_V * xb->yv_A[rows[k]];
    } else
        st = read_one(xb, xb->v_first_V, i_col_A, &p, &solved);
    xb->node_from_circuit = solved;
    xb->p_first_W = p;
    if (st == CIM_OK)
        energy_tally_add(&xb->tally, ENERGY_READ, p * xb->s.t_read_s, 1);
    return st;
}

int xbar_read_batch(xbar *xb, size_t n, const double *v_row_V, double *i_col_A)
{
    if (n == 0)
        return CIM_OK;
    int st = prepare(xb);
    if (st != CIM_OK)
        return st;
    size_t M = xb->M, N = xb->N;
    if (xbar_uses_circuit(xb) && !xb->effective && !xb->noisy && n > 1) {
        double *p = xmalloc(n * sizeof *p);
        circuit_stats cs;
        st = circuit_solve_batch_power(xb->c, n, v_row_V, NULL, i_col_A, p, &xb->s.opts, &cs);
        note(xb, &cs, n);
        memcpy(xb->v_first_V, v_row_V, M * sizeof *v_row_V);
        xb->node_from_circuit = 1;
        xb->p_first_W = p[0];
        if (st == CIM_OK)
            for (size_t k = 0; k < n; k++)
                energy_tally_add(&xb->tally, ENERGY_READ, p[k] * xb->s.t_read_s, 1);
        free(p);
        return st;
    }
    for (size_t k = 0; k < n && st == CIM_OK; k++) {
        double p = 0.0;
        int solved = 0;
        st = read_one(xb, v_row_V + k * M, i_col_A + k * N, &p, &solved);
        if (k == 0) {
            memcpy(xb->v_first_V, v_row_V, M * sizeof *v_row_V);
            xb->p_first_W = p;
        }
        xb->node_from_circuit = solved && n == 1;
        if (st == CIM_OK)
            energy_tally_add(&xb->tally, ENERGY_READ, p * xb->s.t_read_s, 1);
    }
    return st;
}

int xbar_read_bias(xbar *xb, const xbar_bias *b, double *i_col_A, double *i_row_A)
{
    if (xb->device)
        return cim_error(CIM_EINVAL, "xbar: biased reads take conductance cells");
    int st;
    if (xb->c == NULL && (st = circuit_new(&xb->c, xb->M, xb->N, &xb->s.wires)) != CIM_OK)
        return st;
    forget(xb);
    xb->biased = 1; /* the next plain read restores terminals and gates */
    for (size_t i = 0; i < xb->M; i++)
        xb->ca.gate_on[i] = b->gate_on == NULL || b->gate_on[i];
    if ((st = terminate(xb, b->float_row, b->float_col)) != CIM_OK ||
        (st = cell_array_apply(&xb->ca, xb->c)) != CIM_OK)
        return st;
    circuit_stats cs;
    st = circuit_solve(xb->c, b->v_row_V, b->v_col_V, i_col_A, &xb->s.opts, &cs);
    note(xb, &cs, 1);
    if (st != CIM_OK && st != CIM_ESIM)
        return st;
    double p = circuit_power_W(xb->c);
    if (i_row_A != NULL)
        circuit_row_currents(xb->c, i_row_A);
    memcpy(xb->v_first_V, b->v_row_V, xb->M * sizeof *b->v_row_V);
    xb->node_from_circuit = 1;
    xb->p_first_W = p;
    if (st == CIM_OK)
        energy_tally_add(&xb->tally, ENERGY_READ, p * xb->s.t_read_s, 1);
    return st;
}

double xbar_cell_current(const xbar *xb, size_t k, double v_V, double *g_S)
{
    return cell_array_current(&xb->ca, k, v_V, g_S);
}

int xbar_node_voltages(xbar *xb, double *v_row_V, double *v_col_V)
{
    size_t n = xb->n, N = xb->N;
    if (xbar_uses_circuit(xb) && !xb->node_from_circuit) {
        /* read through the effective matrix, or a batch read one by one: solve the first vector now (the
         * circuit holds the conductances of the last read; not a read: no energy) */
        circuit_stats cs;
        int st = circuit_solve(xb->c, xb->v_first_V, NULL, NULL, &xb->s.opts, &cs);
        if (st != CIM_OK)
            return st;
        xb->node_from_circuit = 1;
    }
    if (xb->node_from_circuit) {
        memcpy(v_row_V, circuit_v_row(xb->c), n * sizeof *v_row_V);
        memcpy(v_col_V, circuit_v_col(xb->c), n * sizeof *v_col_V);
        return CIM_OK;
    }
    for (size_t c = 0; c < n; c++) {
        v_row_V[c] = xb->v_first_V[c / N];
        v_col_V[c] = 0.0;
    }
    return CIM_OK;
}

double xbar_last_power_W(const xbar *xb) { return xb->p_first_W; }

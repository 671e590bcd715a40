/* crossbar/cell.c -- see cell.h for the equations and their sources. */
#include "crossbar/cell.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const cell_type_names[] = {"1r", "1t1r", "1s1r", "fefet", NULL};
const char *const cell_iv_names[] = {"linear", "sinh", NULL};

/* ---- configuration ------------------------------------------------------------------------------ */

static const param_spec cell_spec[] = {
    PARAM_CHOICE_F(cell_params, type, cell_type_names, CELL_1R,
                   "cell type: 1r (passive), 1t1r (access transistor), 1s1r (sinh selector in series), "
                   "fefet (the device model's read current, per-cell state)"),
    PARAM_CHOICE_F(cell_params, iv, cell_iv_names, CELL_IV_LINEAR,
                   "memory element I-V: linear (i = G v) or sinh (i = G v_nl sinh(v / v_nl); Chen, IEEE TED 60(4) 2013)"),
    PARAM_REAL_F(cell_params, v_nl_V, 1e-3, 100, 0.25, "V",
                 "sinh memory nonlinearity voltage (Stanford-PKU V0 = 0.25 V [NEEDS v1.0.0])"),
    PARAM_REAL_F(cell_params, i_sel_A, 1e-20, 1, 1e-10, "A",
                 "1s1r selector prefactor: i = i_sel sinh(v / v_sel) (illustrative: 10 uA at ~0.6 V)"),
    PARAM_REAL_F(cell_params, v_sel_V, 1e-3, 10, 0.05, "V",
                 "1s1r selector voltage scale; I(V)/I(V/2) = 2 cosh(V / (2 v_sel))"),
    PARAM_REAL_F(cell_params, r_on_ohm, 0, 1e15, 5e3, "ohm",
                 "1t1r access transistor resistance with its gate on (illustrative)"),
    PARAM_REAL_F(cell_params, r_off_ohm, 0, 1e18, 1e12, "ohm",
                 "1t1r access transistor resistance with its gate off: the leakage (illustrative)"),
    PARAM_END,
};

static int cell_check_values(const void *v) { return cell_params_check(v); }

const param_group cell_group = {
    .path = "cell",
    .doc = "The crossbar cell: the memory element's I-V (linear or sinh) and its access element (none, a "
           "transistor as a gate-controlled resistance, or a sinh selector), or a device model's read current.",
    .params = cell_spec,
    .size = sizeof(cell_params),
    .check = cell_check_values,
};

cell_params cell_params_default(void)
{
    cell_params p;
    param_defaults(&cell_group, &p);
    return p;
}

int cell_params_check(const cell_params *p)
{
    if (p->type < CELL_1R || p->type > CELL_FEFET || p->iv < CELL_IV_LINEAR || p->iv > CELL_IV_SINH)
        return cim_error(CIM_EINVAL, "cell: unknown type (%d) or iv (%d)", p->type, p->iv);
    if (!(p->v_nl_V > 0) || !(p->i_sel_A > 0) || !(p->v_sel_V > 0) || !(p->r_on_ohm >= 0) || !isfinite(p->r_on_ohm))
        return cim_error(CIM_EINVAL, "cell: v_nl_V, i_sel_A, v_sel_V must be > 0 and r_on_ohm finite and >= 0");
    if (!(p->r_off_ohm >= p->r_on_ohm) || !isfinite(p->r_off_ohm))
        return cim_error(CIM_EINVAL, "cell: r_off_ohm (%g) must be finite and not below r_on_ohm (%g)", p->r_off_ohm,
                         p->r_on_ohm);
    return CIM_OK;
}

/* ---- scalar I-V ---------------------------------------------------------------------------------- */

double cell_sinh_i(double g0_S, double v0_V, double v_V, double *g_S)
{
    double u = v_V / v0_V;
    if (g_S != NULL)
        *g_S = g0_S * cosh(u);
    return g0_S * v0_V * sinh(u);
}

double cell_memory_i(const cell_params *p, double g0_S, double v_V, double *g_S)
{
    if (p->iv == CELL_IV_SINH)
        return cell_sinh_i(g0_S, p->v_nl_V, v_V, g_S);
    if (g_S != NULL)
        *g_S = g0_S;
    return g0_S * v_V;
}

/* The access element at voltage x: the selector (1S1R) or a resistance r_acc (1T1R). */
static double access_i(const cell_params *p, double r_acc_ohm, double x_V, double *g_S)
{
    if (p->type == CELL_1S1R)
        return cell_sinh_i(p->i_sel_A / p->v_sel_V, p->v_sel_V, x_V, g_S);
    double g = r_acc_ohm > 0 ? 1.0 / r_acc_ohm : INFINITY;
    if (g_S != NULL)
        *g_S = g;
    return g * x_V;
}

/* A memory element as a function: i(v) and di/dv. */
typedef struct memory_fn {
    double (*i)(const void *ctx, double v_V, double *g_S);
    const void *ctx;
} memory_fn;

typedef struct param_memory { const cell_params *p; double g0_S; } param_memory;

static double param_memory_i(const void *ctx, double v_V, double *g_S)
{
    const param_memory *m = ctx;
    return cell_memory_i(m->p, m->g0_S, v_V, g_S);
}

/* The access voltage x between 0 and v with i_a(x) = i_m(v - x).  f(x) = i_a(x) - i_m(v - x) is increasing
 * (f' = g_a + g_m > 0) and, for I-Vs through the origin, f(min(0,v)) <= 0 <= f(max(0,v)): one root, bracketed.
 * Newton from the small-signal divider, bisection whenever a step leaves the bracket or fails to halve the
 * step before last (rtsafe, Numerical Recipes 9.4), down to a few ulps. */
static double series_solve(const cell_params *p, double r_acc_ohm, const memory_fn *m, double v)
{
    double lo = fmin(0.0, v), hi = fmax(0.0, v);
    double ga0, gm0;
    access_i(p, r_acc_ohm, 0.0, &ga0);
    m->i(m->ctx, 0.0, &gm0);
    double x = isinf(ga0) ? 0.0 : v * gm0 / (ga0 + gm0);
    if (!(x >= lo && x <= hi))
        x = 0.5 * v;
    double dx_old = hi - lo, dx = dx_old;
    for (int it = 0; it < 300; it++) {
        double ga, gm;
        double f = access_i(p, r_acc_ohm, x, &ga) - m->i(m->ctx, v - x, &gm);
        if (f == 0.0)
            return x;
        if (f < 0)
            lo = x;
        else
            hi = x;
        double xn = x - f / (ga + gm);
        if (!(xn > lo && xn < hi) || fabs(2.0 * (x - xn)) > fabs(dx_old)) {
            dx_old = dx;
            dx = 0.5 * (hi - lo);
            xn = lo + dx;
        } else {
            dx_old = dx;
            dx = x - xn;
        }
        if (fabs(xn - x) <= 4 * DBL_EPSILON * fmax(fabs(x), DBL_MIN) || hi - lo <= 4 * DBL_EPSILON * fabs(v))
            return xn;
        x = xn;
    }
    return x;
}

/* The series pair at v once the access element is known to be there. */
static double series_i(const cell_params *p, double r_acc_ohm, const memory_fn *m, double v_V, double *g_S,
                       double *v_mem_V)
{
    double x = series_solve(p, r_acc_ohm, m, v_V);
    double ga, gm;
    double ia = access_i(p, r_acc_ohm, x, &ga);
    double im = m->i(m->ctx, v_V - x, &gm);
    /* Both agree at the root; take the element across which most of v drops (its voltage is the accurate
     * one: the other's is a difference of nearly equal numbers). */
    double i = fabs(x) >= 0.5 * fabs(v_V) ? ia : im;
    if (g_S != NULL)
        *g_S = 1.0 / (1.0 / ga + 1.0 / gm);
    if (v_mem_V != NULL)
        *v_mem_V = v_V - x;
    return i;
}

double cell_series_i(const cell_params *p, double r_acc_ohm, double g0_S, double v_V, double *g_S, double *v_mem_V)
{
    int resistive = p->type == CELL_1T1R;
    if (!(p->type == CELL_1S1R || resistive) || (resistive && r_acc_ohm == 0) || g0_S == 0) {
        /* no access element (or an ideal one), or an open memory element: the memory element alone */
        if (v_mem_V != NULL)
            *v_mem_V = g0_S == 0 && (p->type == CELL_1S1R || resistive) ? 0.0 : v_V;
        return cell_memory_i(p, g0_S, g0_S == 0 ? 0.0 : v_V, g_S);
    }
    if (resistive && p->iv == CELL_IV_LINEAR) { /* two resistors */
        double g = g0_S / (1.0 + r_acc_ohm * g0_S);
        if (g_S != NULL)
            *g_S = g;
        if (v_mem_V != NULL)
            *v_mem_V = v_V * g / g0_S;
        return g * v_V;
    }
    param_memory pm = {p, g0_S};
    memory_fn m = {param_memory_i, &pm};
    return series_i(p, r_acc_ohm, &m, v_V, g_S, v_mem_V);
}

/* ---- an access element around any cells ----------------------------------------------------------- */

typedef struct inner_memory { const circuit_cells *inner; size_t k; } inner_memory;

static double inner_memory_i(const void *ctx, double v_V, double *g_S)
{
    const inner_memory *m = ctx;
    double i, g;
    m->inner->eval(m->inner->ctx, m->k, 1, &v_V, &i, &g);
    if (g_S != NULL)
        *g_S = g;
    return i;
}

void cell_access_eval(const void *ctx, size_t k0, size_t n, const double *v_V, double *i_A, double *g_S)
{
    const cell_access *a = ctx;
    for (size_t q = 0; q < n; q++) {
        size_t k = k0 + q;
        double r_acc = 0.0;
        if (a->p.type == CELL_1T1R)
            r_acc = a->gate_on == NULL || a->gate_on[k / a->cols] ? a->p.r_on_ohm : a->p.r_off_ohm;
        double i, g;
        if (a->p.type == CELL_1R || a->p.type == CELL_FEFET || (a->p.type == CELL_1T1R && r_acc == 0)) {
            a->inner.eval(a->inner.ctx, k, 1, &v_V[q], &i, &g); /* no access element */
        } else {
            inner_memory im = {&a->inner, k};
            memory_fn m = {inner_memory_i, &im};
            i = series_i(&a->p, r_acc, &m, v_V[q], &g, NULL);
        }
        if (i_A != NULL)
            i_A[q] = i;
        if (g_S != NULL)
            g_S[q] = g;
    }
}

circuit_cells cell_access_cells(const cell_access *a)
{
    circuit_cells c = {cell_access_eval, a};
    return c;
}

/* ---- an array of cells --------------------------------------------------------------------------- */

int cell_array_init(cell_array *a, const cell_params *p, size_t rows, size_t cols, const double *g_S)
{
    memset(a, 0, sizeof *a);
    int st = cell_params_check(p);
    if (st != CIM_OK)
        return st;
    if (p->type == CELL_FEFET)
        return cim_error(CIM_EINVAL, "cell: type fefet takes a device model and its states, not conductances");
    for (size_t k = 0; k < rows * cols; k++)
        if (!(g_S[k] >= 0) || !isfinite(g_S[k]))
            return cim_error(CIM_EINVAL, "cell (%zu, %zu): conductance %g S is not finite and >= 0", k / cols,
                             k % cols, g_S[k]);
    a->p = *p;
    a->rows = rows;
    a->cols = cols;
    a->g_S = g_S;
    a->gate_on = xmalloc(rows);
    memset(a->gate_on, 1, rows);
    return CIM_OK;
}

int cell_array_init_device(cell_array *a, size_t rows, size_t cols, const device_type *T, const void *params,
                           const double *x)
{
    memset(a, 0, sizeof *a);
    a->p = cell_params_default();
    a->p.type = CELL_FEFET;
    a->rows = rows;
    a->cols = cols;
    a->dev = T;
    a->dev_params = params;
    a->x = x;
    a->gate_on = xmalloc(rows);
    memset(a->gate_on, 1, rows);
    for (size_t k = 0; k < rows * cols; k++) {
        double g;
        cell_array_current(a, k, 0.0, &g);
        if (!(g > 0) || !isfinite(g)) {
            int st = cim_error(CIM_EINVAL, "cell (%zu, %zu): %s read current is not increasing at 0 V (di/dv = %g S)",
                               k / cols, k % cols, T->name, g);
            cell_array_destroy(a);
            return st;
        }
    }
    return CIM_OK;
}

void cell_array_destroy(cell_array *a)
{
    free(a->gate_on);
    free(a->g_lin_S);
    a->gate_on = NULL;
    a->g_lin_S = NULL;
}

int cell_array_is_linear(const cell_array *a)
{
    return (a->p.type == CELL_1R || a->p.type == CELL_1T1R) && a->p.iv == CELL_IV_LINEAR;
}

double cell_array_r_access(const cell_array *a, size_t i)
{
    if (a->p.type != CELL_1T1R)
        return 0.0;
    return a->gate_on[i] ? a->p.r_on_ohm : a->p.r_off_ohm;
}

/* The read current of a device cell; a central difference for di/dv, h = 1 uV: the truncation error
 * (h^2/6) i''' / i' is ~1e-9 at the thermal voltage scale of a MOSFET and round-off ~1e-10. */
static double device_cell_i(const cell_array *a, size_t k, double v_V, double *g_S)
{
    const double *x = a->x + k * a->dev->n_state;
    double i = device_read_A(a->dev, a->dev_params, x, v_V);
    if (g_S != NULL) {
        const double h = 1e-6;
        double ip = device_read_A(a->dev, a->dev_params, x, v_V + h);
        double im = device_read_A(a->dev, a->dev_params, x, v_V - h);
        *g_S = (ip - im) / (2 * h);
    }
    return i;
}

double cell_array_current(const cell_array *a, size_t k, double v_V, double *g_S)
{
    if (a->p.type == CELL_FEFET)
        return device_cell_i(a, k, v_V, g_S);
    return cell_series_i(&a->p, cell_array_r_access(a, k / a->cols), a->g_S[k], v_V, g_S, NULL);
}

void cell_array_eval(const void *ctx, size_t k0, size_t n, const double *v_V, double *i_A, double *g_S)
{
    const cell_array *a = ctx;
    for (size_t m = 0; m < n; m++) {
        double g;
        double i = cell_array_current(a, k0 + m, v_V[m], &g);
        if (i_A != NULL)
            i_A[m] = i;
        if (g_S != NULL)
            g_S[m] = g;
    }
}

circuit_cells cell_array_cells(const cell_array *a)
{
    circuit_cells c = {cell_array_eval, a};
    return c;
}

int cell_array_apply(cell_array *a, circuit *c)
{
    if (circuit_rows(c) != a->rows || circuit_cols(c) != a->cols)
        return cim_error(CIM_EINVAL, "cell array %zux%zu does not fit circuit %zux%zu", a->rows, a->cols,
                         circuit_rows(c), circuit_cols(c));
    if (!cell_array_is_linear(a)) {
        circuit_cells cc = cell_array_cells(a);
        return circuit_set_cells(c, &cc);
    }
    if (a->g_lin_S == NULL)
        a->g_lin_S = xmalloc(a->rows * a->cols * sizeof *a->g_lin_S);
    for (size_t k = 0; k < a->rows * a->cols; k++)
        a->g_lin_S[k] = cell_series_i(&a->p, cell_array_r_access(a, k / a->cols), a->g_S[k], 1.0, NULL, NULL);
    return circuit_set_conductances(c, a->g_lin_S);
}

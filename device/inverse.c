/* device/inverse.c -- see inverse.h. */
#include "device/inverse.h"
#include "core/status.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>

typedef struct line {
    const device_type *T;
    const void *p;
    double T_K, v_read_V, g_S;
    double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE], x[DEVICE_MAX_STATE];
} line;

static void place(line *l, double s)
{
    l->T->init(l->p, l->T_K, l->x);
    for (size_t k = 0; k < device_n_memory(l->T); k++)
        l->x[k] = l->lo[k] + s * (l->hi[k] - l->lo[k]);
    if (l->T->algebraic != NULL)
        l->T->algebraic(l->p, l->x, l->v_read_V, l->T_K);
}

static double chord_g(line *l, double s)
{
    place(l, s);
    return device_read_A(l->T, l->p, l->x, l->v_read_V) / l->v_read_V;
}

static double residual(double s, void *ctx)
{
    line *l = ctx;
    return chord_g(l, s) - l->g_S;
}

static void line_init(line *l, const device_type *T, const void *p, double T_K, double v_read_V, double g_S)
{
    l->T = T, l->p = p, l->T_K = T_K, l->v_read_V = v_read_V, l->g_S = g_S;
    T->bounds(p, l->lo, l->hi);
}

void device_g_ends(const device_type *T, const void *p, double T_K, double v_read_V, double *g0_S, double *g1_S)
{
    line l;
    line_init(&l, T, p, T_K, v_read_V, 0.0);
    *g0_S = chord_g(&l, 0.0);
    *g1_S = chord_g(&l, 1.0);
}

int device_state_for_g(const device_type *T, const void *p, double T_K, double v_read_V, double g_S, double *x)
{
    if (!(v_read_V != 0.0) || !isfinite(v_read_V))
        return cim_error(CIM_EINVAL, "the read voltage must be finite and nonzero (got %g V)", v_read_V);
    if (T->reactive && T->read_A == NULL)
        return cim_error(CIM_EINVAL,
                         "device model %s has no DC read (a capacitor is read by switching it); it cannot be a "
                         "crossbar cell with a conductance",
                         T->name);
    line l;
    line_init(&l, T, p, T_K, v_read_V, g_S);
    double f0 = residual(0.0, &l), f1 = residual(1.0, &l);
    if (f0 == 0.0 || f1 == 0.0) {
        place(&l, f0 == 0.0 ? 0.0 : 1.0);
    } else if (!(f0 * f1 < 0)) {
        double g0 = f0 + g_S, g1 = f1 + g_S;
        return cim_error(CIM_EINVAL,
                         "device model %s reads %.4g S .. %.4g S at %g V; a conductance of %.4g S is out of its reach",
                         T->name, fmin(g0, g1), fmax(g0, g1), v_read_V, g_S);
    } else {
        cim_gsl_errors_off(); /* GSL must report, never abort */
        gsl_function F = {residual, &l};
        gsl_root_fsolver *rs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
        gsl_root_fsolver_set(rs, &F, 0.0, 1.0);
        int status = GSL_CONTINUE;
        for (int it = 0; it < 200 && status == GSL_CONTINUE; it++) {
            if (gsl_root_fsolver_iterate(rs) != GSL_SUCCESS)
                break;
            status = gsl_root_test_interval(gsl_root_fsolver_x_lower(rs), gsl_root_fsolver_x_upper(rs), 1e-13, 0.0);
        }
        double s = gsl_root_fsolver_root(rs);
        gsl_root_fsolver_free(rs);
        if (status != GSL_SUCCESS)
            return cim_error(CIM_ESIM, "device model %s: no state found for %.4g S at %g V", T->name, g_S, v_read_V);
        place(&l, s);
    }
    for (size_t k = 0; k < T->n_state; k++)
        x[k] = l.x[k];
    return CIM_OK;
}

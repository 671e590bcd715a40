/* exp/endurance.c -- the endurance experiment (exp/endurance.h). */
#include "exp/endurance.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int endurance_check(const void *v)
{
    const endurance_exp_params *p = v;
    if (!(p->n_max_cycles > p->n_min_cycles))
        return cim_error(CIM_ECONFIG, "endurance_exp.n_max_cycles (%g) must exceed n_min_cycles (%g)", p->n_max_cycles,
                         p->n_min_cycles);
    return CIM_OK;
}

static const param_spec endurance_spec[] = {
    PARAM_REAL_F(endurance_exp_params, n_min_cycles, 1, 1e18, 1, "1", "smallest cycle count of the logarithmic grid"),
    PARAM_REAL_F(endurance_exp_params, n_max_cycles, 1, 1e18, 1e11, "1",
                 "largest cycle count (1e11: the HZO fatigue data of [Lyu-HZO])"),
    PARAM_INT_F(endurance_exp_params, n_points, 2, 1000, 45, "cycle counts on the grid (45: four per decade over 11)"),
    PARAM_END,
};

const param_group endurance_exp_group = {
    .path = "endurance_exp",
    .doc = "The endurance experiment (cimsim device --endurance): the stimulus loop run on the device as made "
           "after N switching cycles, N on a logarithmic grid; window read at 0 V after each half of the loop.",
    .params = endurance_spec,
    .size = sizeof(endurance_exp_params),
    .check = endurance_check,
};

void endurance_curve_free(endurance_curve *c)
{
    free(c->cycles);
    free(c->obs_pos);
    free(c->obs_neg);
    free(c->i_pos_A);
    free(c->i_neg_A);
    memset(c, 0, sizeof *c);
}

/* The state at the last crossing of 0 V in direction dir (-1 falling, +1 rising), interpolated. */
static int last_crossing(const device_trace *tr, int dir, double *x)
{
    size_t ns = tr->n_state;
    double peak = 0;
    for (size_t k = 0; k < tr->n; k++)
        peak = fmax(peak, fabs(tr->v_V[k]));
    double tol = 1e-9 * peak; /* a sine ends at sin(2 pi) = -2e-16, which is 0 V */
    for (size_t k = tr->n - 1; k > 0; k--) {
        double a = tr->v_V[k - 1], b = tr->v_V[k];
        if ((dir < 0 && a > tol && b <= tol) || (dir > 0 && a < -tol && b >= -tol)) {
            double w = a / (a - b); /* weight of sample k */
            for (size_t j = 0; j < ns; j++)
                x[j] = (1 - w) * tr->x[(k - 1) * ns + j] + w * tr->x[k * ns + j];
            return 1;
        }
    }
    return 0;
}

int exp_endurance_run(exp_device *e, const endurance_exp_params *p, endurance_curve *c, progress *prog)
{
    memset(c, 0, sizeof *c);
    size_t n = (size_t)p->n_points;
    c->n = n;
    c->has_obs = e->b.type->observable.value != NULL;
    c->has_read = !(e->b.type->reactive && e->b.type->read_A == NULL);
    c->cycles = xmalloc(n * sizeof(double));
    c->obs_pos = xmalloc(n * sizeof(double));
    c->obs_neg = xmalloc(n * sizeof(double));
    c->i_pos_A = xmalloc(n * sizeof(double));
    c->i_neg_A = xmalloc(n * sizeof(double));
    double l0 = log10(p->n_min_cycles), l1 = log10(p->n_max_cycles);
    if (prog != NULL) /* one unit per point of the cycle grid */
        progress_start(prog, "endurance", (double)n, prog->sink, prog->ctx);
    for (size_t k = 0; k < n; k++) {
        progress_update(prog, (double)k);
        c->cycles[k] = pow(10.0, l0 + (l1 - l0) * (double)k / (double)(n - 1));
        int st = exp_device_remake(e, c->cycles[k]);
        if (st == CIM_OK)
            st = exp_device_run(e, NULL);
        if (st != CIM_OK) {
            endurance_curve_free(c);
            return st;
        }
        double xp[DEVICE_MAX_STATE], xn[DEVICE_MAX_STATE];
        if (!last_crossing(&e->tr, -1, xp) || !last_crossing(&e->tr, +1, xn)) {
            endurance_curve_free(c);
            return cim_error(CIM_ECONFIG, "stimulus.kind: the endurance experiment needs a stimulus that crosses 0 V both ways "
                                          "(stimulus.kind = \"sine\" or \"triangle\")");
        }
        const void *prm = e->cell.p;
        c->obs_pos[k] = c->has_obs ? e->b.type->observable.value(prm, xp) : NAN;
        c->obs_neg[k] = c->has_obs ? e->b.type->observable.value(prm, xn) : NAN;
        c->i_pos_A[k] = c->has_read ? device_read_A(e->b.type, prm, xp, e->b.dev.v_read_V) : NAN;
        c->i_neg_A[k] = c->has_read ? device_read_A(e->b.type, prm, xn, e->b.dev.v_read_V) : NAN;
    }
    return CIM_OK;
}

static json_t *jnum(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *point(const endurance_curve *c, size_t k)
{
    double ratio = c->i_pos_A[k] / c->i_neg_A[k];
    if (isfinite(ratio) && ratio < 1)
        ratio = 1 / ratio;
    return json_pack("{s:f, s:o, s:o, s:o, s:o}", "cycles", c->cycles[k], "obs_window",
                     jnum(c->obs_pos[k] - c->obs_neg[k]), "i_read_pos_A", jnum(c->i_pos_A[k]), "i_read_neg_A",
                     jnum(c->i_neg_A[k]), "i_read_ratio", jnum(ratio));
}

json_t *exp_endurance_summary(const exp_device *e, const endurance_curve *c)
{
    /* the best point: the widest observable window, else the largest read-current ratio */
    size_t best = 0;
    double wbest = -INFINITY;
    for (size_t k = 0; k < c->n; k++) {
        double w = c->has_obs ? fabs(c->obs_pos[k] - c->obs_neg[k]) : fabs(log(c->i_pos_A[k] / c->i_neg_A[k]));
        if (w > wbest)
            wbest = w, best = k;
    }
    /* the read window closed: the first count, after one with on/off >= ENDURANCE_CLOSED_RATIO, below it */
    double closed = NAN;
    int open = 0;
    for (size_t k = 0; k < c->n && c->has_read && isnan(closed); k++) {
        double r = fabs(c->i_pos_A[k] / c->i_neg_A[k]);
        r = r < 1 ? 1 / r : r;
        if (r >= ENDURANCE_CLOSED_RATIO)
            open = 1;
        else if (open)
            closed = c->cycles[k];
    }
    const device_observable *o = &e->b.type->observable;
    return json_pack("{s:s, s:s, s:o, s:o, s:f, s:o, s:o, s:o, s:o}", "model", e->b.type->name, "citation",
                     e->b.type->citation, "observable", c->has_obs ? json_string(o->name) : json_null(),
                     "observable_unit", c->has_obs ? json_string(o->unit) : json_null(), "v_read_V", e->b.dev.v_read_V,
                     "first", point(c, 0), "best", point(c, best), "last", point(c, c->n - 1), "read_closed_cycles",
                     jnum(closed));
}

/* device/variability.c -- see variability.h. */
#include "device/variability.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const variability_dist_names[] = {"none", "normal", "lognormal", "uniform", NULL};
static const char *const fail_names[] = {"off", "on", NULL};

/* ---- configuration -------------------------------------------------------------------------------- */

static int var_dist_check(const void *values)
{
    const var_dist *d = values;
    static const char *const keys[] = {NULL, "sigma_rel", "sigma_ln", "half_width_rel"};
    double spread[] = {0, d->sigma_rel, d->sigma_ln, d->half_width_rel};
    for (int k = 1; k <= 3; k++) {
        if (k == d->dist && !(spread[k] > 0))
            return cim_error(CIM_ECONFIG, "dist = \"%s\" needs %s > 0", variability_dist_names[k], keys[k]);
        if (k != d->dist && spread[k] != 0)
            return cim_error(CIM_ECONFIG, "%s applies to dist = \"%s\", not \"%s\"", keys[k], variability_dist_names[k],
                             variability_dist_names[d->dist]);
    }
    return CIM_OK;
}

static const param_spec var_dist_spec[] = {
    PARAM_CHOICE_F(var_dist, dist, variability_dist_names, DIST_NONE,
                   "distribution of the parameter around its centre (the configured value for d2d, the device's own "
                   "d2d value for c2c)"),
    PARAM_REAL_F(var_dist, sigma_rel, 0, 10, 0, "1", "normal: standard deviation / |centre|"),
    PARAM_REAL_F(var_dist, sigma_ln, 0, 10, 0, "1", "lognormal: standard deviation of ln(p) (the median is the centre)"),
    PARAM_REAL_F(var_dist, half_width_rel, 0, 10, 0, "1", "uniform: half width / |centre|"),
    PARAM_END,
};

const param_group var_dist_doc_group = {
    .path = "variability.d2d.<param>",
    .doc = "Device-to-device variation of one real parameter <param> of the selected model (any key of "
           "device.<model> that is a real number, e.g. variability.d2d.R_off): drawn once per device, when the "
           "device is made.  The same keys under variability.c2c.<param> give cycle-to-cycle variation: redrawn at "
           "every switching event (each programming pulse; each polarity reversal of a continuous stimulus) around "
           "the device's own d2d value.  Draws outside the parameter's range are redrawn.",
    .params = var_dist_spec,
    .size = sizeof(var_dist),
    .check = var_dist_check,
};

static int variability_check(const void *values)
{
    const variability_params *v = values;
    if (v->p_stuck_on + v->p_stuck_off > 1)
        return cim_error(CIM_ECONFIG, "p_stuck_on + p_stuck_off (%g) must not exceed 1", v->p_stuck_on + v->p_stuck_off);
    return CIM_OK;
}

static const param_spec variability_spec[] = {
    PARAM_REAL_F(variability_params, p_stuck_on, 0, 1, 0, "1",
                 "probability that a device is stuck at its ON state (its state never changes)"),
    PARAM_REAL_F(variability_params, p_stuck_off, 0, 1, 0, "1",
                 "probability that a device is stuck at its OFF state (its state never changes)"),
    PARAM_END,
};

const param_group variability_group = {
    .path = "variability",
    .doc = "Faults drawn once per device (stuck-at-ON/OFF).  Per-parameter variation is in variability.d2d.<param> "
           "and variability.c2c.<param>, read noise in variability.read, ageing in variability.endurance.",
    .params = variability_spec,
    .size = sizeof(variability_params),
    .check = variability_check,
};

static int read_noise_check(const void *values)
{
    const read_noise_params *r = values;
    if (r->flicker_K > 0 && r->bandwidth_Hz > 0 && !(r->f_low_Hz < r->bandwidth_Hz))
        return cim_error(CIM_ECONFIG, "f_low_Hz (%g) must be below bandwidth_Hz (%g) for 1/f noise", r->f_low_Hz,
                         r->bandwidth_Hz);
    return CIM_OK;
}

static const param_spec read_noise_spec[] = {
    PARAM_REAL_F(read_noise_params, bandwidth_Hz, 0, 1e12, 0, "Hz",
                 "measurement bandwidth B of a read (about 1/(2 t_read)); 0 = noiseless reads"),
    PARAM_BOOL_F(read_noise_params, thermal, 1, "thermal (Johnson-Nyquist) noise 4 k T G B, G = I/V"),
    PARAM_BOOL_F(read_noise_params, shot, 1, "shot noise 2 q |I| B"),
    PARAM_REAL_F(read_noise_params, flicker_K, 0, 1, 0, "1",
                 "1/f noise: S_I(f) = K_f I^2 / f, giving K_f I^2 ln(B / f_low) (IBM PCM: Q ~ 1e-3 .. 1e-2)"),
    PARAM_REAL_F(read_noise_params, f_low_Hz, 1e-12, 1e12, 1, "Hz",
                 "lower edge of the 1/f integral (about 1 / time since programming)"),
    PARAM_END,
};

const param_group read_noise_group = {
    .path = "variability.read",
    .doc = "Read noise: a zero-mean Gaussian current added to every read (not to the switching dynamics), with "
           "variance 4kTGB + 2q|I|B + K_f I^2 ln(B/f_low).",
    .params = read_noise_spec,
    .size = sizeof(read_noise_params),
    .check = read_noise_check,
};

static const param_spec endurance_spec[] = {
    PARAM_REAL_F(endurance_params, n_cycles_start, 0, 1e18, 0, "1",
                 "switching cycles the devices have already seen (one SET + one RESET = one cycle)"),
    PARAM_REAL_F(endurance_params, onset_cycles, 1, 1e18, 1e6, "1", "cycle count at which the window starts to close"),
    PARAM_REAL_F(endurance_params, window_loss_per_decade, 0, 1, 0, "1",
                 "fraction of the state range lost per decade of cycles beyond onset_cycles, from the ON side; 0 = "
                 "no closure"),
    PARAM_REAL_F(endurance_params, n63_cycles, 0, 1e18, 0, "1",
                 "Weibull scale of cycles-to-failure (63% of devices failed); 0 = no endurance failures"),
    PARAM_REAL_F(endurance_params, weibull_shape, 0.1, 100, 2, "1", "Weibull shape (slope) of cycles-to-failure"),
    PARAM_CHOICE_F(endurance_params, fail_state, fail_names, FAIL_OFF,
                   "state a worn-out device is stuck at (LRS degradation toward HRS: \"off\")"),
    PARAM_END,
};

const param_group endurance_group = {
    .path = "variability.endurance",
    .doc = "Endurance: window closure, log-linear in cycles beyond an onset, and cycles-to-failure drawn per device "
           "from a Weibull distribution, after which the device is stuck (see device/variability.h for the sources).",
    .params = endurance_spec,
    .size = sizeof(endurance_params),
};

/* ---- the per-parameter groups: built once for every model ------------------------------------------------ */

typedef struct model_groups {
    size_t n;             /* real parameters */
    param_group *g[2];    /* d2d, c2c: n groups each */
} model_groups;

static model_groups *all_groups;
static pthread_once_t groups_once = PTHREAD_ONCE_INIT;

static void build_groups(void)
{
    size_t n_models = device_type_count();
    all_groups = xcalloc(n_models, sizeof *all_groups);
    for (size_t m = 0; m < n_models; m++) {
        const param_group *pg = device_types[m]->params;
        size_t n = 0;
        for (const param_spec *p = pg->params; p->key != NULL; p++)
            n += p->kind == PARAM_REAL;
        all_groups[m].n = n;
        for (int w = 0; w < 2; w++) {
            all_groups[m].g[w] = xcalloc(n ? n : 1, sizeof(param_group));
            size_t k = 0;
            for (const param_spec *p = pg->params; p->key != NULL; p++) {
                if (p->kind != PARAM_REAL)
                    continue;
                size_t len = strlen(p->key) + 24;
                char *path = xmalloc(len);
                snprintf(path, len, "variability.%s.%s", w == 0 ? "d2d" : "c2c", p->key);
                param_group *g = &all_groups[m].g[w][k++];
                *g = var_dist_doc_group;
                g->path = path;
                g->quiet = 1;
            }
        }
    }
}

const param_group *variability_param_group(const device_type *T, int which, size_t k)
{
    pthread_once(&groups_once, build_groups);
    for (size_t m = 0; device_types[m] != NULL; m++)
        if (device_types[m] == T)
            return k < all_groups[m].n ? &all_groups[m].g[which != 0][k] : NULL;
    return NULL;
}

void variability_bind_common(variability *v, cfg *c)
{
    memset(v, 0, sizeof *v);
    cfg_bind(c, &variability_group, &v->faults);
    cfg_bind(c, &read_noise_group, &v->read);
    cfg_bind(c, &endurance_group, &v->endur);
}

void variability_bind_model(variability *v, cfg *c, const device_type *T)
{
    v->T = T;
    while (variability_param_group(T, 0, v->n_params) != NULL)
        v->n_params++;
    size_t n = v->n_params ? v->n_params : 1;
    v->spec = xcalloc(n, sizeof *v->spec);
    v->d2d = xcalloc(n, sizeof *v->d2d);
    v->c2c = xcalloc(n, sizeof *v->c2c);
    size_t k = 0;
    for (const param_spec *p = T->params->params; p->key != NULL; p++)
        if (p->kind == PARAM_REAL)
            v->spec[k++] = p;
    for (k = 0; k < v->n_params; k++) {
        cfg_bind(c, variability_param_group(T, 0, k), &v->d2d[k]);
        cfg_bind(c, variability_param_group(T, 1, k), &v->c2c[k]);
    }
}

void variability_prepare(variability *v)
{
    v->any_d2d = v->any_c2c = 0;
    for (size_t k = 0; k < v->n_params; k++) {
        v->any_d2d |= v->d2d[k].dist != DIST_NONE;
        v->any_c2c |= v->c2c[k].dist != DIST_NONE;
    }
}

void variability_free(variability *v)
{
    free(v->spec);
    free(v->d2d);
    free(v->c2c);
    memset(v, 0, sizeof *v);
}

/* ---- draws ----------------------------------------------------------------------------------------- */

double var_dist_draw(const var_dist *d, double p0, gsl_rng *r)
{
    switch (d->dist) {
    case DIST_NORMAL: return p0 + d->sigma_rel * fabs(p0) * gsl_ran_gaussian_ziggurat(r, 1.0);
    case DIST_LOGNORMAL: return p0 * exp(d->sigma_ln * gsl_ran_gaussian_ziggurat(r, 1.0));
    case DIST_UNIFORM: return p0 + d->half_width_rel * fabs(p0) * (2.0 * gsl_rng_uniform(r) - 1.0);
    default: return p0;
    }
}

enum { MAX_TRIES = 1000 };

/* Draws every active parameter of dist[] around centre into out; redraws out-of-range values and
 * parameter sets the model's check rejects. */
static int draw_params(const variability *v, const var_dist *dist, const void *centre, void *out, gsl_rng *r,
                       const char *what)
{
    const param_group *pg = v->T->params;
    for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
        memcpy(out, centre, pg->size);
        for (size_t k = 0; k < v->n_params; k++) {
            if (dist[k].dist == DIST_NONE)
                continue;
            const param_spec *p = v->spec[k];
            double p0 = *(const double *)((const char *)centre + p->offset), x = NAN;
            int tries = 0;
            do
                x = var_dist_draw(&dist[k], p0, r);
            while (!(x >= p->min && x <= p->max) && ++tries < MAX_TRIES);
            if (tries == MAX_TRIES)
                return cim_error(CIM_ESIM,
                                 "variability.%s.%s: %d draws around %g all fell outside the parameter's range [%g, %g]; "
                                 "the spread is too wide",
                                 what, p->key, MAX_TRIES, p0, p->min, p->max);
            *(double *)((char *)out + p->offset) = x;
        }
        if (pg->check == NULL || pg->check(out) == CIM_OK)
            return CIM_OK;
    }
    char why[256];
    snprintf(why, sizeof why, "%s", cim_errmsg());
    return cim_error(CIM_ESIM, "variability.%s: %d drawn parameter sets all broke the model's rules (last: %s); the "
                               "spread is too wide",
                     what, MAX_TRIES, why);
}

static void apply_window(const variability *v, device_cell *cell)
{
    double lo0[DEVICE_MAX_STATE], hi0[DEVICE_MAX_STATE];
    v->T->bounds(cell->p, lo0, hi0);
    memcpy(cell->lo, lo0, sizeof lo0);
    memcpy(cell->hi, hi0, sizeof hi0);
    const endurance_params *e = &v->endur;
    if (e->window_loss_per_decade > 0 && cell->cycles > e->onset_cycles) {
        double s = fmin(1.0, e->window_loss_per_decade * log10(cell->cycles / e->onset_cycles));
        for (size_t k = 0; k < device_n_memory(v->T); k++) {
            double w = hi0[k] - lo0[k];
            if (cell->on_high)
                cell->hi[k] = hi0[k] - s * w;
            else
                cell->lo[k] = lo0[k] + s * w;
        }
    }
    for (size_t k = 0; k < v->T->n_state; k++)
        cell->x[k] = fmin(fmax(cell->x[k], cell->lo[k]), cell->hi[k]);
}

static void make_stuck(const device_type *T, device_cell *cell, int which)
{
    cell->stuck = which;
    int at_hi = (which > 0) == (cell->on_high != 0);
    for (size_t k = 0; k < device_n_memory(T); k++)
        cell->x[k] = at_hi ? cell->hi[k] : cell->lo[k];
}

int device_cell_make(const variability *v, const void *nominal, double T_K, gsl_rng *r, device_cell *cell)
{
    const device_type *T = v->T;
    memset(cell, 0, sizeof *cell);
    cell->p = xmalloc(T->params->size);
    cell->p_d2d = xmalloc(T->params->size);
    int st = CIM_OK;
    if (v->any_d2d)
        st = draw_params(v, v->d2d, nominal, cell->p_d2d, r, "d2d");
    else
        memcpy(cell->p_d2d, nominal, T->params->size);
    if (st != CIM_OK) {
        device_cell_free(cell);
        return st;
    }
    memcpy(cell->p, cell->p_d2d, T->params->size);
    cell->T_K = T_K;
    cell->cycles = v->endur.n_cycles_start;
    if (T->condition != NULL)
        T->condition(cell->p, T_K, cell->cycles);
    T->init(cell->p, T_K, cell->x);
    /* Which end of state 0 is ON: the one that conducts more at a small probe voltage. */
    double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE], xl[DEVICE_MAX_STATE], xh[DEVICE_MAX_STATE];
    T->bounds(cell->p, lo, hi);
    memcpy(xl, cell->x, sizeof xl);
    memcpy(xh, cell->x, sizeof xh);
    for (size_t k = 0; k < device_n_memory(T); k++)
        xl[k] = lo[k], xh[k] = hi[k];
    cell->on_high = fabs(device_read_A(T, cell->p, xh, 0.1)) > fabs(device_read_A(T, cell->p, xl, 0.1));
    cell->cycles_to_fail = v->endur.n63_cycles > 0 ? gsl_ran_weibull(r, v->endur.n63_cycles, v->endur.weibull_shape)
                                                    : INFINITY;
    apply_window(v, cell);
    double u = gsl_rng_uniform(r);
    if (u < v->faults.p_stuck_on)
        make_stuck(T, cell, +1);
    else if (u < v->faults.p_stuck_on + v->faults.p_stuck_off)
        make_stuck(T, cell, -1);
    else if (cell->cycles >= cell->cycles_to_fail)
        make_stuck(T, cell, v->endur.fail_state == FAIL_ON ? +1 : -1);
    return CIM_OK;
}

void device_cell_free(device_cell *cell)
{
    free(cell->p);
    free(cell->p_d2d);
    cell->p = cell->p_d2d = NULL;
}

int device_cell_event(const variability *v, device_cell *cell, gsl_rng *r)
{
    if (cell->stuck)
        return CIM_OK; /* nothing switches */
    if (v->any_c2c) {
        int st = draw_params(v, v->c2c, cell->p_d2d, cell->p, r, "c2c");
        if (st != CIM_OK)
            return st;
    }
    if (v->T->c2c != NULL && r != NULL) /* a pulse model's own step noise, from the caller's stream */
        v->T->c2c(cell->p, gsl_ran_gaussian_ziggurat(r, 1.0));
    cell->cycles += 0.5;
    if (v->T->condition != NULL)
        v->T->condition(cell->p, cell->T_K, cell->cycles);
    apply_window(v, cell);
    if (cell->cycles >= cell->cycles_to_fail)
        make_stuck(v->T, cell, v->endur.fail_state == FAIL_ON ? +1 : -1);
    return CIM_OK;
}

double variability_read_sigma_A(const read_noise_params *rn, double i_A, double v_V, double T_K)
{
    double B = rn->bandwidth_Hz;
    if (!(B > 0))
        return 0.0;
    double var = 0.0;
    if (rn->thermal && v_V != 0.0)
        var += 4.0 * DEVICE_KB_J_PER_K * T_K * fabs(i_A / v_V) * B;
    if (rn->shot)
        var += 2.0 * DEVICE_Q_C * fabs(i_A) * B;
    if (rn->flicker_K > 0 && B > rn->f_low_Hz)
        var += rn->flicker_K * i_A * i_A * log(B / rn->f_low_Hz);
    return sqrt(var);
}

double device_cell_read_A(const variability *v, const device_cell *cell, double v_V, double T_K, gsl_rng *r)
{
    double i = device_read_A(v->T, cell->p, cell->x, v_V);
    if (r == NULL)
        return i;
    double s = variability_read_sigma_A(&v->read, i, v_V, T_K);
    return s > 0 ? i + gsl_ran_gaussian_ziggurat(r, s) : i;
}

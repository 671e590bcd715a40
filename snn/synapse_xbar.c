/* snn/synapse_xbar.c -- the "xbar" synapse bank (see synapse_xbar.h): W on crossbar tiles read by binary row pulses
 * per spike, the direct-current input through the DACs, STDP applied as programming pulses with the remainder
 * carried [Nandakumar2020]. */
#include "snn/synapse_xbar.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "crossbar/array.h"
#include "device/inverse.h"
#include "periph/tiled.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const snn_xbar_cells_names[] = {"ideal", "device", NULL};
const char *const snn_membrane_names[] = {"digital", "analog", NULL};

static const param_spec synapse_spec[] = {
    PARAM_CHOICE_F(snn_xbar_params, cells, snn_xbar_cells_names, SNN_XBAR_CELLS_IDEAL,
                   "crossbar synapses: ideal (every cell holds its target conductance exactly) or device (each tile an "
                   "array of device.model cells with `variability`, programmed per `program` and read t_s later at "
                   "dac.v_read_V), as weights.cells"),
    PARAM_CHOICE_F(snn_xbar_params, membrane, snn_membrane_names, SNN_MEMBRANE_DIGITAL,
                   "digital: column outputs through the ADCs into a digital membrane (the default, a convention); "
                   "analog: the column current charges the integrator (sense.type = \"integrator\") that is the "
                   "membrane's input, no ADC (snn/synapse_xbar.h says what that models)"),
    PARAM_REAL_F(snn_xbar_params, t_s, 0, 1e10, 1.0, "s",
                 "device cells: read time after the end of each tile's programming (1 s by convention, as weights.t_s)"),
    PARAM_REAL_F(snn_xbar_params, t_read_s, 0, 1, 10e-9, "s",
                 "duration of one read pulse, its energy's time (10 ns: NeuroSim's default read pulse "
                 "[NeuroSim-V14-Param])"),
    PARAM_BOOL_F(snn_xbar_params, learn, 0,
                 "learn online by pair-based STDP (group stdp; device cells, one slice per weight): every weight change "
                 "is applied as programming pulses to the devices (cimsim snn --network DIR CONFIG)"),
    PARAM_END,
};

const param_group synapse_group = {
    .path = "synapse",
    .doc = "Crossbar synapses of a spiking network (snn/synapse_xbar.h): the cells the weights are held in and "
           "whether the column currents are converted or charge an analog membrane.",
    .params = synapse_spec,
    .size = sizeof(snn_xbar_params),
};

snn_xbar_params snn_xbar_params_default(void)
{
    snn_xbar_params p;
    param_defaults(&synapse_group, &p);
    return p;
}

typedef struct xsyn {
    tiled *tm;
    size_t *rows;        /* [n_in] one step's spiking rows */
    double *y;           /* [n_out] */
    snn_xbar_stats st;
    /* learning */
    int learns;
    stdp rule;
    double *pending;     /* [n_in x n_out] change not yet applied, fraction of full scale */
    double *t0_s;        /* [n_tiles] each tile's read time after programming: the device clock at step 0 */
    program_params pulse; /* the pulse shape (program group) */
    double v_plus_V, v_minus_V, t_width_s;
    double dt_s;
    uint64_t t_now;      /* the step being learnt */
    size_t n_out;
} xsyn;

static void update_tally(snn_synapse *s)
{
    xsyn *x = s->impl;
    tiled_energy(x->tm, &s->tally);
}

static int xbar_events(snn_synapse *s, const uint32_t *src, size_t n, double *acc)
{
    xsyn *x = s->impl;
    if (n == 0)
        return CIM_OK;
    for (size_t k = 0; k < n; k++)
        x->rows[k] = src[k];
    int st = tiled_read_events(x->tm, x->rows, n, acc);
    update_tally(s);
    return st;
}

static int xbar_dense(snn_synapse *s, const double *in, double *acc)
{
    xsyn *x = s->impl;
    int st = tiled_mvm(x->tm, in, 1.0, x->y);
    if (st == CIM_OK)
        for (size_t i = 0; i < s->n_out; i++)
            acc[i] += x->y[i];
    update_tally(s);
    return st;
}

static int xbar_weights(snn_synapse *s, double *w) { return tiled_weights(((xsyn *)s->impl)->tm, w); }

/* ---- learning ------------------------------------------------------------------------------------------- */

/* One weight change of synapse (pre, post): added to its pending amount, whole pulses applied to its cell. */
static int learn_sink(void *ctx, size_t pre, size_t post, double dw)
{
    snn_synapse *s = ctx;
    xsyn *x = s->impl;
    double *p = &x->pending[pre * x->n_out + post];
    *p += dw;
    const int up = *p > 0;
    const double eps = up ? x->st.eps_plus : x->st.eps_minus;
    double whole = trunc(fabs(*p) / eps);
    if (whole < 1)
        return CIM_OK;
    if (whole > (double)x->rule.p.max_pulses)
        whole = (double)x->rule.p.max_pulses;
    size_t n = (size_t)whole;
    *p -= (up ? 1.0 : -1.0) * (double)n * eps;

    const tiling *t = tiled_tiling(x->tm);
    const mapping *m = tiled_mapping(x->tm);
    size_t k = pre / t->tile_rows * t->n_col_blocks + post / t->outputs_per_tile;
    const tiling_span *sp = &t->span[k];
    size_t row = pre - sp->r0, o = post - sp->c0;
    /* One slice: differential columns G+ = 2 o, G- = 2 o + 1; offset: column o (crossbar/mapping.h). */
    size_t col = o * m->cols_per_output;
    double v = up ? x->v_plus_V : x->v_minus_V;
    if (!up && x->rule.p.pulses == STDP_RAISE_PAIR)
        col += 1; /* depress by raising G- */
    xbar *xb = tile_xbar(tiled_tile(x->tm, k));
    double t_s = x->t0_s[k] + (double)x->t_now * x->dt_s;
    for (size_t q = 0; q < n; q++) {
        int st = xbar_pulse(xb, &x->pulse, row, col, v, x->t_width_s, t_s, NULL);
        if (st != CIM_OK)
            return cim_error_prefix(st, "synapse (%zu, %zu): ", pre, post);
    }
    if (up)
        x->st.n_pulses_plus += n;
    else
        x->st.n_pulses_minus += n;
    return CIM_OK;
}

static int xbar_learn(snn_synapse *s, uint64_t t, const uint32_t *pre, size_t n_pre, const uint32_t *post,
                      size_t n_post)
{
    xsyn *x = s->impl;
    x->t_now = t;
    int st = stdp_step(&x->rule, t, pre, n_pre, post, n_post, learn_sink, s);
    update_tally(s);
    return st;
}

/* The conductance change one pulse of v_V makes on the nominal device placed at the middle of the mapping's
 * levels. */
static int nominal_step(const snn_xbar_config *cf, const mapping *m, const program_params *shape, double v_V,
                        double t_width_s, double *dg_S, double *g_mid_S)
{
    const device_binding *b = cf->device;
    array_opts o = array_opts_default();
    o.T_K = b->dev.T_K;
    o.v_read_V = cf->dac->v_read_V;
    o.sim = *cf->sim;
    array *a;
    int st = array_new(&a, 1, 1, b->type, b->model, NULL, &o);
    if (st != CIM_OK)
        return st;
    *g_mid_S = 0.5 * (m->level_S[0] + m->level_S[m->n_levels - 1]);
    if ((st = device_state_for_g(a->T, array_p(a, 0), a->T_K, a->v_read_V, *g_mid_S, array_x(a, 0))) == CIM_OK) {
        double g0 = array_g_cell(a, 0);
        array_pulse_shape sh = {t_width_s, shape->t_rise_s, shape->t_gap_s, shape->r_series_ohm, shape->closed_form};
        if ((st = array_pulse(a, 0, v_V, &sh, 0.0, 1, NULL, NULL)) == CIM_OK)
            *dg_S = array_g_cell(a, 0) - g0;
    }
    array_free(a);
    return st;
}

static int learn_init(xsyn *x, const snn_xbar_config *cf, size_t n_in, size_t n_out)
{
    const stdp_params *sp = cf->stdp;
    const mapping *m = tiled_mapping(x->tm);
    if (cf->syn->cells != SNN_XBAR_CELLS_DEVICE)
        return cim_error(CIM_ECONFIG, "stdp applies programming pulses to devices: it needs synapse.cells = "
                                      "\"device\"");
    if (m->n_slices != 1)
        return cim_error(CIM_ECONFIG,
                         "stdp programs one analog cell per weight: set mapping.bits_per_cell = mapping.weight_bits "
                         "(now %lld and %lld, %zu slices)",
                         m->p.bits_per_cell, m->p.weight_bits, m->n_slices);
    if (sp->pulses == STDP_RAISE_PAIR && m->p.scheme != MAPPING_DIFFERENTIAL)
        return cim_error(CIM_ECONFIG, "stdp.pulses = \"raise_pair\" raises G+ or G-: it needs mapping.scheme = "
                                      "\"differential\"");
    int st = stdp_init(&x->rule, sp, n_in, n_out, cf->dt_s);
    if (st != CIM_OK)
        return st;
    x->pulse = *cf->program;
    x->t_width_s = sp->t_width_s > 0 ? sp->t_width_s : cf->program->t_width_s;
    x->v_plus_V = sp->v_plus_V != 0 ? sp->v_plus_V : cf->program->v_raise_V;
    x->v_minus_V = sp->v_minus_V != 0 ? sp->v_minus_V
                   : sp->pulses == STDP_RAISE_PAIR ? cf->program->v_raise_V
                                                   : cf->program->v_lower_V;
    x->dt_s = cf->dt_s;
    /* The nominal weight of one pulse, each direction: |dG| / (dg code_max) of full scale. */
    double full_S = m->dg_S * m->code_max, dg_plus, dg_minus, g_mid;
    if ((st = nominal_step(cf, m, &x->pulse, x->v_plus_V, x->t_width_s, &dg_plus, &g_mid)) != CIM_OK ||
        (st = nominal_step(cf, m, &x->pulse, x->v_minus_V, x->t_width_s, &dg_minus, &g_mid)) != CIM_OK)
        return cim_error_prefix(st, "stdp: the nominal pulse: ");
    const int pair = sp->pulses == STDP_RAISE_PAIR;
    if (!(dg_plus > 0))
        return cim_error(CIM_ECONFIG,
                         "stdp.v_plus_V = %g V for %g s does not raise device.model = \"%s\" from %g S (one pulse moved "
                         "it by %g S): give a potentiating amplitude",
                         x->v_plus_V, x->t_width_s, cf->device->type->name, g_mid, dg_plus);
    if (pair ? !(dg_minus > 0) : !(dg_minus < 0))
        return cim_error(CIM_ECONFIG,
                         "stdp.v_minus_V = %g V for %g s does not %s device.model = \"%s\" from %g S (one pulse moved "
                         "it by %g S): give a depressing amplitude",
                         x->v_minus_V, x->t_width_s, pair ? "raise (on G-)" : "lower", cf->device->type->name, g_mid,
                         dg_minus);
    x->st.eps_plus = dg_plus / full_S;
    x->st.eps_minus = fabs(dg_minus) / full_S;
    x->pending = xcalloc(n_in * n_out, sizeof *x->pending);
    const tiling *t = tiled_tiling(x->tm);
    x->t0_s = xmalloc(t->n_tiles * sizeof *x->t0_s);
    for (size_t k = 0; k < t->n_tiles; k++)
        x->t0_s[k] = xbar_time_s(tile_xbar(tiled_tile(x->tm, k)));
    x->learns = 1;
    return CIM_OK;
}

/* ---- life cycle ------------------------------------------------------------------------------------------- */

static void xbar_destroy(snn_synapse *s)
{
    xsyn *x = s->impl;
    if (x == NULL)
        return;
    tiled_free(x->tm);
    if (x->learns)
        stdp_destroy(&x->rule);
    free(x->rows);
    free(x->y);
    free(x->pending);
    free(x->t0_s);
    free(x);
    s->impl = NULL;
}

/* The two tables differ only in learn: NULL for a bank that does not learn (snn/synapse.h). */
#define XBAR_TYPE(learn_fn, what_text)                                                                             \
    {                                                                                                              \
        .name = "xbar", .what = what_text, .events = xbar_events, .dense = xbar_dense, .learn = learn_fn,          \
        .weights = xbar_weights, .destroy = xbar_destroy                                                           \
    }

const snn_synapse_type snn_synapse_xbar_type = XBAR_TYPE(NULL, "weights on crossbar tiles, read by binary row pulses "
                                                               "per spike");
static const snn_synapse_type xbar_learning_type =
    XBAR_TYPE(xbar_learn, "weights on crossbar tiles, read by binary row pulses per spike, learning by STDP as "
                          "programming pulses");

int snn_synapse_xbar_new(snn_synapse *out, size_t n_in, size_t n_out, const double *w, const snn_xbar_config *cf)
{
    memset(out, 0, sizeof *out);
    if (n_in == 0 || n_out == 0)
        return cim_error(CIM_EINVAL, "synapse: %zu sources x %zu targets: both must be at least 1", n_in, n_out);
    for (size_t k = 0; k < n_in * n_out; k++)
        if (!isfinite(w[k]))
            return cim_error(CIM_EINVAL, "synapse: the weight of source %zu, target %zu is %g", k / n_out + 1,
                             k % n_out + 1, w[k]);
    const snn_xbar_params *sy = cf->syn;
    const int device = sy->cells == SNN_XBAR_CELLS_DEVICE, analog = sy->membrane == SNN_MEMBRANE_ANALOG;
    if (analog && strcmp(sense_types[cf->sense->type]->name, "integrator") != 0)
        return cim_error(CIM_ECONFIG, "synapse.membrane = \"analog\" charges the column's integrator: set sense.type = "
                                      "\"integrator\" (now \"%s\")",
                         sense_types[cf->sense->type]->name);
    if (device && (cf->device == NULL || cf->device->type == NULL))
        return cim_error(CIM_ECONFIG, "synapse.cells = \"device\" needs a device model (device.model)");
    tiled_spec ts;
    memset(&ts, 0, sizeof ts);
    ts.crossbar = *cf->crossbar;
    ts.cell = *cf->cell;
    ts.t_read_s = sy->t_read_s;
    ts.reuse = 1; /* every step reads the same programmed state */
    if (device) {
        ts.dev = cf->device->type;
        ts.dev_params = cf->device->model;
        ts.var = &cf->device->var;
        ts.T_K = cf->device->dev.T_K;
        ts.sim = *cf->sim;
        ts.programmed = 1;
        ts.program = *cf->program;
        ts.t_rest_s = sy->t_s;
    }
    ts.dac = *cf->dac;
    ts.sense = *cf->sense;
    ts.adc = *cf->adc;
    ts.analog_out = analog;
    ts.e_shift_add_J = cf->e_shift_add_J;
    ts.seed = cf->seed;
    char prefix[TILED_NAME_MAX];
    snprintf(prefix, sizeof prefix, "%s%s", cf->name != NULL ? cf->name : "", cf->name != NULL ? "." : "");
    ts.prefix = prefix;

    xsyn *x = xcalloc(1, sizeof *x);
    x->n_out = n_out;
    int st = tiled_new(&x->tm, &ts, cf->mapping, w, n_in, n_out);
    if (st == CIM_OK && !analog && !adc_types[cf->adc->type]->ideal &&
        (cf->adc->range == ADC_RANGE_CALIBRATED || cf->adc->range == ADC_RANGE_PERCENTILE)) {
        /* Every row driven: for columns of non-negative currents the largest each can carry. */
        double *ones = xmalloc(n_in * sizeof *ones);
        for (size_t k = 0; k < n_in; k++)
            ones[k] = 1.0;
        st = tiled_calibrate(x->tm, 1, ones, 1.0);
        free(ones);
    }
    if (st == CIM_OK && cf->stdp != NULL)
        st = learn_init(x, cf, n_in, n_out);
    out->type = x->learns ? &xbar_learning_type : &snn_synapse_xbar_type;
    out->n_in = n_in;
    out->n_out = n_out;
    out->impl = x;
    if (st != CIM_OK) {
        xbar_destroy(out);
        memset(out, 0, sizeof *out);
        return cim_error_prefix(st, "synapse%s%s: ", cf->name != NULL ? " " : "", cf->name != NULL ? cf->name : "");
    }
    x->rows = xmalloc(n_in * sizeof *x->rows);
    x->y = xmalloc(n_out * sizeof *x->y);
    x->st.n_tiles = tiled_tiling(x->tm)->n_tiles;
    x->st.n_prog_failed = tiled_get_stats(x->tm)->n_failed;
    update_tally(out);
    return CIM_OK;
}

struct tiled *snn_synapse_xbar_tiles(snn_synapse *s) { return ((xsyn *)s->impl)->tm; }

const snn_xbar_stats *snn_synapse_xbar_stats(snn_synapse *s)
{
    xsyn *x = s->impl;
    size_t reads = 0, rows = 0;
    const tiling *t = tiled_tiling(x->tm);
    for (size_t k = 0; k < t->n_tiles; k++) {
        const tile_stats *ts = tile_get_stats(tiled_tile(x->tm, k));
        reads += ts->n_event_reads;
        rows += ts->n_row_pulses;
    }
    x->st.n_event_reads = reads;
    x->st.n_row_pulses = rows;
    return &x->st;
}

/* periph/dac.c -- the row DACs and the input encodings of a crossbar (see periph/dac.h).
 *
 * Models: an input x becomes a code q = round(min(|x|, x_max) / x_step), x_step = x_max / (2^N - 1), per sign pass;
 * bit_serial drives bit b of q as v_read or 0 in cycle b (ISAAC's 1-bit drivers, [ISAAC2016]); amplitude drives
 * level_V[q], the nominal q / (2^N - 1) v_read plus a static DNL random walk and a bow INL; pulse_width drives
 * v_read for q t_lsb of a (2^N - 1) t_lsb window; ideal drives min(|x|, x_max) / x_max v_read unquantized.  A driver
 * with time constant tau read t_settle after switching has reached 1 - exp(-t_settle / tau) of its level.  Energy
 * per conversion E = e_step_J 2^N (amplitude) or 2 e_step_J (bit_serial and pulse_width: a 1-bit driver switched
 * on and off once per read, one step each way).  The encoding reproduces
 * crossbar/mapping.c's input half bit for bit where they overlap (bit_serial, and ideal = mapping's analog mode).
 */
#include "periph/dac.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the types -------------------------------------------------------------------------------------------- */

static const dac_type dac_ideal = {"ideal", "ideal analog drivers: exact, unquantized, free",
                                   "convention (the reference a real DAC is compared with)", DAC_IDEAL};
static const dac_type dac_bit_serial = {"bit_serial", "1-bit drivers, one read cycle per input bit, shift-and-add",
                                        "[ISAAC2016]", DAC_BIT_SERIAL};
static const dac_type dac_amplitude = {"amplitude", "multi-level DAC, one read per pass at q / (2^N - 1) v_read",
                                       "convention (static DNL and bow INL as for converters generally)",
                                       DAC_AMPLITUDE};
static const dac_type dac_pulse_width = {"pulse_width", "pulse-width modulated drivers, on for q t_lsb at v_read",
                                         "convention (the column integrates charge over the window)",
                                         DAC_PULSE_WIDTH};

/* Order = enum dac_kind, so that dac_types[p.type]->kind == p.type. */
const dac_type *const dac_types[] = {&dac_ideal, &dac_bit_serial, &dac_amplitude, &dac_pulse_width, NULL};
const char *const dac_type_names[] = {"ideal", "bit_serial", "amplitude", "pulse_width", NULL};

const dac_type *dac_type_find(const char *name)
{
    for (size_t k = 0; name != NULL && dac_types[k] != NULL; k++)
        if (strcmp(dac_types[k]->name, name) == 0)
            return dac_types[k];
    return NULL;
}

/* ---- configuration ---------------------------------------------------------------------------------------- */

static const param_spec dac_spec[] = {
    PARAM_CHOICE_F(dac_params, type, dac_type_names, DAC_BIT_SERIAL,
                   "input encoding: \"bit_serial\" (1-bit drivers, one read per bit, as ISAAC [ISAAC2016]), "
                   "\"amplitude\" (multi-level DAC, one read per pass), \"pulse_width\" (on for q t_lsb_s at "
                   "v_read_V), \"ideal\" (exact analog levels); negative inputs take a second pass"),
    PARAM_INT_F(dac_params, bits, 1, DAC_MAX_BITS, 8,
                "input code bits: the input magnitude is quantized to 2^bits - 1 steps (bit_serial: read cycles per pass); "
                "convention 8, as the mapping's input_bits"),
    PARAM_REAL_F(dac_params, x_max, 0, 1e300, 0.0, "1",
                 "input magnitude of full scale; larger magnitudes are clipped and counted; 0 = the largest magnitude "
                 "of each vector"),
    PARAM_REAL_F(dac_params, v_read_V, 1e-6, 10, 0.2, "V",
                 "the top row voltage (convention: 0.2 V, the project's read voltage, as mapping.v_read_V; see "
                 "crossbar/mapping.h)"),
    PARAM_REAL_F(dac_params, t_lsb_s, 1e-15, 1, 1e-9, "s",
                 "pulse_width: on-time of one code step, the window is (2^bits - 1) t_lsb_s; 1 ns is illustrative"),
    PARAM_REAL_F(dac_params, dnl_lsb, 0, 1, 0.0, "1",
                 "amplitude: sigma of each code step's width error (static, drawn once per bank), LSB; 0 is "
                 "illustrative (an ideal ladder)"),
    PARAM_REAL_F(dac_params, inl_lsb, -1e3, 1e3, 0.0, "1",
                 "amplitude: peak of the bow INL at mid-scale, inl_lsb 4 u (1 - u) LSB, signed; 0 is illustrative"),
    PARAM_REAL_F(dac_params, tau_s, 0, 1, 0.0, "s",
                 "driver settling time constant: the read sees 1 - exp(-t_settle_s / tau_s) of the level; 0 = "
                 "settled (illustrative)"),
    PARAM_REAL_F(dac_params, t_settle_s, 0, 1, 1e-9, "s",
                 "time from the driver switching to the start of the read window, the DAC's latency per read; "
                 "1 ns is illustrative"),
    PARAM_REAL_F(dac_params, e_step_J, 0, 1e-9, 0.165e-12, "J",
                 "energy per conversion step, E = e_step_J 2^bits per conversion (amplitude); bit_serial and "
                 "pulse_width: 2 e_step_J (a 1-bit driver switched on and off once per read); "
                 "0.165 pJ makes ISAAC's 1-bit row driver, about 0.33 pJ per conversion [ISAAC2016; hwc-isaac]"),
    PARAM_REAL_F(dac_params, area_um2, 0, 1e9, 0.166, "um^2",
                 "area of one row driver; 0.166 um^2 is ISAAC's 1-bit DAC at 32 nm, 170 um^2 for 8 x 128 drivers "
                 "[ISAAC2016; hwc-isaac]; a multi-level DAC is larger: set it"),
    PARAM_END,
};

static int dac_group_check(const void *values) { return dac_check(values); }

const param_group dac_group = {
    .path = "dac",
    .doc = "Row drivers (DACs) and the input encoding: bit-serial, amplitude, pulse-width or ideal, with static "
           "DNL/INL (amplitude), settling, energy and area; see periph/dac.h.",
    .params = dac_spec,
    .size = sizeof(dac_params),
    .check = dac_group_check,
};

int dac_check(const dac_params *p)
{
    if (p->type < 0 || p->type >= (int)(sizeof dac_types / sizeof *dac_types) - 1)
        return cim_error(CIM_ECONFIG, "type (index %d) is not a DAC type", p->type);
    if (p->bits < 1 || p->bits > DAC_MAX_BITS)
        return cim_error(CIM_ECONFIG, "bits (%lld) must be in [1, %d]", p->bits, DAC_MAX_BITS);
    if (!(p->v_read_V > 0) || !isfinite(p->v_read_V))
        return cim_error(CIM_ECONFIG, "v_read_V (%g) must be a finite voltage > 0", p->v_read_V);
    if (!(p->x_max >= 0) || !isfinite(p->x_max))
        return cim_error(CIM_ECONFIG, "x_max (%g) must be finite and >= 0", p->x_max);
    if (!(p->tau_s >= 0) || !(p->t_settle_s >= 0) || !(p->dnl_lsb >= 0) || !(p->e_step_J >= 0))
        return cim_error(CIM_ECONFIG, "tau_s (%g), t_settle_s (%g), dnl_lsb (%g) and e_step_J (%g) must be >= 0",
                         p->tau_s, p->t_settle_s, p->dnl_lsb, p->e_step_J);
    if (p->tau_s > 0 && !(p->t_settle_s > 0))
        return cim_error(CIM_ECONFIG,
                         "t_settle_s (%g) must be > 0 when tau_s (%g) > 0: a read that starts as the drivers switch "
                         "sees 0 V",
                         p->t_settle_s, p->tau_s);
    if (p->type == DAC_PULSE_WIDTH && !(p->t_lsb_s > 0))
        return cim_error(CIM_ECONFIG, "t_lsb_s (%g) must be > 0 for type \"pulse_width\"", p->t_lsb_s);
    return CIM_OK;
}

dac_params dac_params_default(void)
{
    dac_params p;
    param_defaults(&dac_group, &p);
    return p;
}

/* ---- the bank --------------------------------------------------------------------------------------------- */

int dac_init(dac *d, const dac_params *p, gsl_rng *r)
{
    memset(d, 0, sizeof *d);
    int st = dac_check(p);
    if (st != CIM_OK)
        return st;
    d->T = dac_types[p->type];
    d->p = *p;
    /* The ideal driver is exact: no settling error either (its latency is still t_settle_s). */
    d->settle = p->tau_s > 0 && d->T->kind != DAC_IDEAL ? -expm1(-p->t_settle_s / p->tau_s) : 1.0;
    if (d->T->kind != DAC_AMPLITUDE)
        return CIM_OK;
    if (p->dnl_lsb > 0 && r == NULL)
        return cim_error(CIM_EINVAL, "dac: dnl_lsb (%g) > 0 needs a random stream to draw the ladder from",
                         p->dnl_lsb);

    /* Level k in LSB: the sum of k step widths 1 + N(0, dnl) (drawn in code order, so a bank is one stream's
     * numbers), plus the bow.  Divided by q_max, times v_read: with no errors exactly k / q_max v_read. */
    const size_t n = (size_t)1 << p->bits;
    const double q_max = (double)(n - 1);
    d->level_V = xmalloc(n * sizeof *d->level_V);
    double k_lsb = 0;
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            k_lsb += 1.0 + (p->dnl_lsb > 0 ? gsl_ran_gaussian_ziggurat(r, p->dnl_lsb) : 0.0);
        double u = (double)k / q_max;
        double lsb = k_lsb + p->inl_lsb * 4 * u * (1 - u);
        /* A driver between ground and its supply cannot go below 0 V (only with large errors near code 0). */
        d->level_V[k] = fmax(lsb / q_max * p->v_read_V, 0.0);
    }
    return CIM_OK;
}

void dac_destroy(dac *d)
{
    free(d->level_V);
    d->level_V = NULL;
}

/* ---- cycles ----------------------------------------------------------------------------------------------- */

/* Read cycles per pass: one per bit for bit_serial, else one. */
static size_t cycles_per_pass(const dac_params *p)
{
    return p->type == DAC_BIT_SERIAL ? (size_t)p->bits : 1;
}

void dac_cycles_init(dac_cycles *c, const dac *d, size_t rows)
{
    memset(c, 0, sizeof *c);
    c->rows = rows;
    c->cap = 2 * cycles_per_pass(&d->p);
    c->v_V = xcalloc(c->cap * rows, sizeof *c->v_V);
    c->coef = xcalloc(c->cap, sizeof *c->coef);
    if (d->T->kind == DAC_PULSE_WIDTH) {
        c->t_on_s = xcalloc(c->cap * rows, sizeof *c->t_on_s);
        c->t_window_s = (ldexp(1.0, (int)d->p.bits) - 1) * d->p.t_lsb_s;
    }
}

void dac_cycles_destroy(dac_cycles *c)
{
    free(c->v_V);
    free(c->t_on_s);
    free(c->coef);
    c->v_V = c->t_on_s = c->coef = NULL;
}

int dac_encode(const dac *d, const double *x, double x_max_in, dac_cycles *c)
{
    const dac_params *p = &d->p;
    const int kind = d->T->kind;
    const size_t R = c->rows, per = cycles_per_pass(p);
    if (c->cap < 2 * per || (kind == DAC_PULSE_WIDTH && c->t_on_s == NULL))
        return cim_error(CIM_EINVAL, "dac: the cycles were made for another DAC type (%zu cycles, %s on-times)",
                         c->cap, c->t_on_s ? "with" : "no");
    if (!(x_max_in >= 0) || !isfinite(x_max_in))
        return cim_error(CIM_EINVAL, "dac: full scale x_max %g must be finite and >= 0", x_max_in);
    double top = 0;
    for (size_t i = 0; i < R; i++) {
        if (!isfinite(x[i]))
            return cim_error(CIM_EINVAL, "dac: input %zu is %g; inputs must be finite", i, x[i]);
        top = fmax(top, fabs(x[i]));
    }
    c->x_max = x_max_in > 0 ? x_max_in : p->x_max > 0 ? p->x_max : top > 0 ? top : 1.0;
    c->n_clipped = 0;
    for (size_t i = 0; i < R; i++)
        c->n_clipped += fabs(x[i]) > c->x_max;

    const double q_max = ldexp(1.0, (int)p->bits) - 1, x_step = c->x_max / q_max;
    const double v_top = p->v_read_V * d->settle;
    /* A negative pass only if some entry is negative after quantization (else it would read zeros). */
    int any_neg = 0;
    for (size_t i = 0; i < R && !any_neg; i++)
        any_neg = kind == DAC_IDEAL ? x[i] < 0 : nearbyint(fmin(-x[i], c->x_max) / x_step) > 0;
    const size_t passes = any_neg ? 2 : 1;
    c->n = passes * per;
    c->n_conversions = c->n * R;
    if (kind == DAC_PULSE_WIDTH)
        c->t_window_s = q_max * p->t_lsb_s;

    for (size_t pass = 0; pass < passes; pass++) {
        const double sign = pass == 0 ? 1.0 : -1.0;
        const size_t c0 = pass * per;
        for (size_t b = 0; b < per; b++)
            c->coef[c0 + b] = kind == DAC_BIT_SERIAL ? sign * ldexp(x_step, (int)b) / p->v_read_V
                                                     : sign * c->x_max / p->v_read_V;
        for (size_t i = 0; i < R; i++) {
            const double a = fmin(sign * x[i], c->x_max);
            /* fmin: a full scale so small that x_step underflows must not index past the top code. */
            const uint32_t q = a > 0 ? (uint32_t)fmin(nearbyint(a / x_step), q_max) : 0;
            double *v = c->v_V + c0 * R + i;
            switch (kind) {
            case DAC_IDEAL:
                *v = a > 0 ? a / c->x_max * p->v_read_V : 0.0;
                break;
            case DAC_BIT_SERIAL:
                for (size_t b = 0; b < per; b++)
                    v[b * R] = (q >> b) & 1 ? v_top : 0.0;
                break;
            case DAC_AMPLITUDE:
                *v = d->level_V[q] * d->settle;
                break;
            default: /* DAC_PULSE_WIDTH */
                *v = q > 0 ? v_top : 0.0;
                c->t_on_s[c0 * R + i] = (double)q * p->t_lsb_s;
                break;
            }
        }
    }
    return CIM_OK;
}

double dac_input_value(const dac_cycles *c, size_t i)
{
    double x = 0;
    for (size_t k = 0; k < c->n; k++) {
        double v = c->v_V[k * c->rows + i];
        if (c->t_on_s != NULL)
            v *= c->t_on_s[k * c->rows + i] / c->t_window_s;
        x += c->coef[k] * v;
    }
    return x;
}

/* ---- energy and time -------------------------------------------------------------------------------------- */

double dac_energy_J(const dac_params *p)
{
    switch (p->type) {
    case DAC_IDEAL:
        return 0.0;
    case DAC_BIT_SERIAL:
    case DAC_PULSE_WIDTH: /* a 1-bit driver switched on and off once; its timing counter is shared by the rows */
        return 2 * p->e_step_J;
    default: /* DAC_AMPLITUDE: a ladder of 2^bits steps */
        return ldexp(p->e_step_J, (int)p->bits);
    }
}

double dac_latency_s(const dac_params *p)
{
    return p->t_settle_s + (p->type == DAC_PULSE_WIDTH ? (ldexp(1.0, (int)p->bits) - 1) * p->t_lsb_s : 0.0);
}

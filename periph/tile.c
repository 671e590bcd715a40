/* periph/tile.c -- see tile.h. */
#include "periph/tile.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tile {
    tile_spec s;
    char name[64];
    xbar *xb;
    size_t nr, cols;     /* array rows, physical columns */
    int pair_analog;     /* sense.pair = "analog": one channel per differential pair, I+ - I- */
    size_t n_ch;         /* converted channels: cols, or cols / 2 pairs */
    dac d;
    dac_cycles cyc;
    sense se;
    size_t n_adc;        /* converters: ceil(cols / cols_per_adc) */
    adc *adcs;
    gsl_rng *r_sense, *r_adc;
    double *i_A;         /* [cols] one read's (or one cycle's integrated) column currents */
    double *i_pair_A;    /* [n_ch] analog pairs: each pair's I+ - I- */
    double *i_seg_A;     /* [cols] one pulse-width segment's */
    double *v_seg_V;     /* [nr] one segment's row voltages */
    double *t_sort_s;    /* [nr] a cycle's on-times, sorted */
    energy_tally own;    /* DAC, sense, ADC, digital of the MVMs */
    energy_tally xb_calib; /* the array's energy in calibration reads: not the MVMs' (programming before it is) */
    tile_stats st;
};

int tile_new(tile **out, const tile_spec *s)
{
    *out = NULL;
    if (s->m == NULL || s->nc == 0)
        return cim_error(CIM_EINVAL, "tile: no mapping or no outputs");
    size_t want = mapping_phys_cols(s->m, s->nc);
    if (s->array.cols != want)
        return cim_error(CIM_EINVAL, "tile: the array has %zu columns; %zu outputs of this mapping need %zu",
                         s->array.cols, s->nc, want);
    if (s->adc.cols_per_adc < 1)
        return cim_error(CIM_ECONFIG, "cols_per_adc (%lld) must be at least 1", s->adc.cols_per_adc);
    const int pair_analog = s->sense.pair == SENSE_PAIR_ANALOG;
    if (pair_analog && (s->m->p.scheme != MAPPING_DIFFERENTIAL || s->m->n_ref != 0 || want % 2 != 0))
        return cim_error(CIM_ECONFIG, "pair = \"analog\" subtracts differential pairs: it needs mapping.scheme = "
                                      "\"differential\"");
    if (pair_analog && s->adc.range == ADC_RANGE_MAX && s->adc.bits < 2 &&
        !adc_types[s->adc.type]->ideal)
        return cim_error(CIM_ECONFIG, "bits (%lld) must be at least 2 for the signed range of analog pairs",
                         s->adc.bits);
    tile *t = xcalloc(1, sizeof *t);
    t->s = *s;
    snprintf(t->name, sizeof t->name, "%s", s->name != NULL ? s->name : "tile");
    t->s.name = t->name;
    t->nr = s->array.rows;
    t->cols = s->array.cols;
    t->pair_analog = pair_analog;
    t->n_ch = pair_analog ? t->cols / 2 : t->cols;
    int st = xbar_new(&t->xb, &s->array);
    char stream[96];
    if (st == CIM_OK) {
        snprintf(stream, sizeof stream, "%s.dac", t->name);
        gsl_rng *r = rng_alloc(s->seed, stream);
        st = dac_init(&t->d, &s->dac, r);
        rng_free(r);
    }
    if (st == CIM_OK) {
        dac_cycles_init(&t->cyc, &t->d, t->nr);
        st = sense_init(&t->se, &s->sense, t->d.T->kind == DAC_PULSE_WIDTH ? dac_latency_s(&s->dac) - s->dac.t_settle_s
                                                                            : s->array.t_read_s);
    }
    if (st == CIM_OK) {
        /* Drawn per column and read: the fast generator (core/rng.h). */
        snprintf(stream, sizeof stream, "%s.sense", t->name);
        t->r_sense = rng_alloc_fast(s->seed, stream);
        snprintf(stream, sizeof stream, "%s.adc", t->name);
        t->r_adc = rng_alloc_fast(s->seed, stream);
        size_t k = (size_t)s->adc.cols_per_adc;
        t->n_adc = (t->n_ch + k - 1) / k;
        t->adcs = xcalloc(t->n_adc, sizeof *t->adcs);
        for (size_t a = 0; a < t->n_adc && st == CIM_OK; a++)
            st = adc_init(&t->adcs[a], &s->adc, t->r_adc); /* the offsets first, in converter order */
    }
    if (st == CIM_OK && s->adc.range == ADC_RANGE_MAX && !t->adcs[0].T->ideal) {
        const mapping *m = s->m;
        double hi = (double)t->nr * m->level_S[m->n_levels - 1] * s->dac.v_read_V, lo = 0.0;
        if (pair_analog) {
            /* Signed, two's-complement codes -2^(N-1) .. 2^(N-1) - 1 of lsb hi / (2^(N-1) - 1): [-hi, hi] is
             * covered and 0 is a code, so an idle pair reads exactly 0. */
            double half = ldexp(1.0, (int)s->adc.bits - 1);
            lo = -half * (hi / (half - 1));
        }
        for (size_t a = 0; a < t->n_adc && st == CIM_OK; a++)
            st = adc_set_range(&t->adcs[a], lo, hi);
    }
    if (st != CIM_OK) {
        tile_free(t);
        return cim_error_prefix(st, "%s: ", s->name != NULL ? s->name : "tile");
    }
    t->i_A = xcalloc(t->cols, sizeof *t->i_A);
    t->i_seg_A = xcalloc(t->cols, sizeof *t->i_seg_A);
    t->i_pair_A = xcalloc(t->n_ch, sizeof *t->i_pair_A);
    t->v_seg_V = xcalloc(t->nr, sizeof *t->v_seg_V);
    t->t_sort_s = xcalloc(t->nr, sizeof *t->t_sort_s);
    energy_tally_zero(&t->own);
    energy_tally_zero(&t->xb_calib);
    t->st.adc_lo_A = t->adcs[0].lo_A;
    t->st.adc_hi_A = t->adcs[0].hi_A;
    *out = t;
    return CIM_OK;
}

void tile_free(tile *t)
{
    if (t == NULL)
        return;
    xbar_free(t->xb);
    dac_cycles_destroy(&t->cyc);
    dac_destroy(&t->d);
    rng_free(t->r_sense);
    rng_free(t->r_adc);
    free(t->adcs);
    free(t->i_A);
    free(t->i_seg_A);
    free(t->i_pair_A);
    free(t->v_seg_V);
    free(t->t_sort_s);
    free(t);
}

xbar *tile_xbar(tile *t) { return t->xb; }
size_t tile_rows(const tile *t) { return t->nr; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The channels the sense stages and ADCs see of the currents in t->i_A: the columns themselves, or each analog
 * pair's difference I+ - I- in t->i_pair_A. */
static double *channels(tile *t)
{
    if (!t->pair_analog)
        return t->i_A;
    for (size_t k = 0; k < t->n_ch; k++)
        t->i_pair_A[k] = t->i_A[2 * k] - t->i_A[2 * k + 1];
    return t->i_pair_A;
}

/* The column currents of cycle c of the encoded vector into t->i_A: one read, or for a pulse-width cycle the
 * charge of its segments over the window.  Counts the array reads. */
static int read_cycle(tile *t, size_t c)
{
    const double *v = t->cyc.v_V + c * t->nr;
    if (t->cyc.t_on_s == NULL) {
        t->st.n_reads++;
        return xbar_read(t->xb, v, t->i_A);
    }
    const double *t_on = t->cyc.t_on_s + c * t->nr;
    size_t n = 0;
    for (size_t i = 0; i < t->nr; i++)
        if (t_on[i] > 0 && v[i] != 0)
            t->t_sort_s[n++] = t_on[i];
    qsort(t->t_sort_s, n, sizeof *t->t_sort_s, cmp_double);
    for (size_t j = 0; j < t->cols; j++)
        t->i_A[j] = 0;
    double t_prev = 0;
    for (size_t k = 0; k < n; k++) {
        double t_k = t->t_sort_s[k];
        if (t_k <= t_prev)
            continue; /* a repeated on-time: its segment was read already */
        for (size_t i = 0; i < t->nr; i++)
            t->v_seg_V[i] = t_on[i] >= t_k ? v[i] : 0.0;
        int st = xbar_read_for(t->xb, t->v_seg_V, t->i_seg_A, t_k - t_prev);
        t->st.n_reads++;
        if (st != CIM_OK)
            return st;
        for (size_t j = 0; j < t->cols; j++)
            t->i_A[j] += t->i_seg_A[j] * (t_k - t_prev);
        t_prev = t_k;
    }
    for (size_t j = 0; j < t->cols; j++)
        t->i_A[j] /= t->cyc.t_window_s;
    return CIM_OK;
}

/* 1 if the tile converts with a real ADC (not ideal, not bypassed by analog_out). */
static int adc_real(const tile *t) { return !t->s.analog_out && !t->adcs[0].T->ideal; }

int tile_calibrate(tile *t, size_t n, const double *x, double x_max)
{
    int range = t->s.adc.range;
    if (!adc_real(t) || (range != ADC_RANGE_CALIBRATED && range != ADC_RANGE_PERCENTILE))
        return CIM_OK;
    if (n == 0)
        return cim_error(CIM_EINVAL, "%s: ADC calibration needs at least one sample vector", t->name);
    size_t cap = 0, m = 0;
    double *samples = NULL;
    int st = CIM_OK;
    const energy_tally xb_before = *xbar_energy(t->xb);
    const size_t reads_before = t->st.n_reads;
    for (size_t v = 0; v < n && st == CIM_OK; v++) {
        if ((st = dac_encode(&t->d, x + v * t->nr, x_max, &t->cyc)) != CIM_OK)
            break;
        for (size_t c = 0; c < t->cyc.n && st == CIM_OK; c++) {
            if ((st = read_cycle(t, c)) != CIM_OK)
                break;
            if (m + t->n_ch > cap) {
                cap = 2 * (m + t->n_ch);
                samples = xrealloc(samples, cap * sizeof *samples);
            }
            const double *ch = channels(t);
            for (size_t j = 0; j < t->n_ch; j++)
                samples[m++] = t->se.gain * ch[j]; /* what the ADC sees, without the noise */
        }
    }
    /* An idle column (pair) must read 0: the range contains 0 (column currents are >= 0, so it starts at 0 unless
     * the samples go below; a pair's differences are signed). */
    if (st == CIM_OK && m > 0) {
        samples = xrealloc(samples, (m + 1) * sizeof *samples);
        samples[m++] = 0.0;
    }
    for (size_t a = 0; a < t->n_adc && st == CIM_OK; a++) {
        st = adc_calibrate(&t->adcs[a], samples, m);
        if (st == CIM_OK && t->adcs[a].lo_A > 0)
            st = adc_set_range(&t->adcs[a], 0.0, t->adcs[a].hi_A);
        if (st == CIM_OK && t->adcs[a].hi_A < 0)
            st = adc_set_range(&t->adcs[a], t->adcs[a].lo_A, 0.0);
    }
    free(samples);
    /* Calibration is not part of the MVMs: its reads are left out of tile_energy and the statistics.  Only its
     * reads: the array's programming, tallied before it, stays in tile_energy. */
    const energy_tally *xb_after = xbar_energy(t->xb);
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++)
        energy_tally_add(&t->xb_calib, k, energy_tally_J(xb_after, k) - energy_tally_J(&xb_before, k),
                         xb_after->n[k] - xb_before.n[k]);
    t->st.n_reads = reads_before;
    if (st != CIM_OK)
        return cim_error_prefix(st, "%s: ADC calibration: ", t->name);
    t->st.adc_lo_A = t->adcs[0].lo_A;
    t->st.adc_hi_A = t->adcs[0].hi_A;
    return CIM_OK;
}

/* The read window: a pulse-width read lasts its window (dac_latency_s's part after the settling). */
static double read_window_s(const tile *t)
{
    return t->d.T->kind == DAC_PULSE_WIDTH ? dac_latency_s(&t->s.dac) - t->s.dac.t_settle_s : t->s.array.t_read_s;
}

static int check_ranged(const tile *t)
{
    if (adc_real(t) && !t->adcs[0].ranged)
        return cim_error(CIM_ECONFIG, "%s: adc.range = \"%s\" needs calibration before the first MVM", t->name,
                         adc_range_names[t->s.adc.range]);
    return CIM_OK;
}

/* Steps 3-4 of one read cycle whose column currents are in t->i_A: sense, ADC, the decode of coefficient coef
 * added to y. */
static void convert_decode(tile *t, double coef, double *y)
{
    const size_t per_adc = (size_t)t->s.adc.cols_per_adc;
    double *ch = channels(t);
    if (!t->se.T->ideal)
        t->st.n_sense_saturated += sense_apply_n(&t->se, ch, t->n_ch, t->r_sense) > 0;
    if (adc_real(t))
        for (size_t a = 0; a < t->n_adc; a++) {
            size_t j0 = a * per_adc, n = t->n_ch - j0 < per_adc ? t->n_ch - j0 : per_adc;
            t->st.n_adc_clipped += adc_convert_n(&t->adcs[a], ch + j0, n, t->r_adc);
        }
    /* An analog pair's value d goes to the decode as (I+, I-) = (d, 0): its I+ - I- is d - 0 = d exactly. */
    if (t->pair_analog)
        for (size_t k = 0; k < t->n_ch; k++)
            t->i_A[2 * k] = ch[k], t->i_A[2 * k + 1] = 0.0;
    mapping_decode_add(t->s.m, t->s.c0, t->s.nc, t->i_A, coef, y);
}

/* Energy and counts of the sense stages, the converters and the digital logic over n_cycles read cycles of window
 * t_read_s: per channel (column, or analog pair) and read. */
static void tally_channels(tile *t, size_t n_cycles, double t_read_s)
{
    size_t n_col_reads = n_cycles * t->n_ch;
    if (!t->se.T->ideal)
        energy_tally_add(&t->own, ENERGY_SENSE, (double)n_col_reads * t->se.e_read_J, n_col_reads);
    if (adc_real(t)) {
        energy_tally_add(&t->own, ENERGY_ADC, (double)n_col_reads * adc_energy_read_J(&t->s.adc, t_read_s),
                         n_col_reads);
        t->st.n_conversions += n_col_reads;
    }
    energy_tally_add(&t->own, ENERGY_DIGITAL, (double)n_col_reads * t->s.e_shift_add_J, n_col_reads);
    t->st.n_cycles += n_cycles;
}

int tile_mvm(tile *t, const double *x, double x_max, double *y)
{
    int st = check_ranged(t);
    if (st != CIM_OK || (st = dac_encode(&t->d, x, x_max, &t->cyc)) != CIM_OK)
        return st;
    for (size_t j = 0; j < t->s.nc; j++)
        y[j] = 0;
    for (size_t c = 0; c < t->cyc.n; c++) {
        if ((st = read_cycle(t, c)) != CIM_OK)
            return st;
        convert_decode(t, t->cyc.coef[c], y);
    }
    if (t->d.T->kind != DAC_IDEAL)
        energy_tally_add(&t->own, ENERGY_DAC, (double)t->cyc.n_conversions * dac_energy_J(&t->s.dac),
                         t->cyc.n_conversions);
    tally_channels(t, t->cyc.n, read_window_s(t));
    t->st.n_dac_clipped += t->cyc.n_clipped;
    t->st.n_mvm++;
    t->st.latency_s = tile_latency_s(t);
    return CIM_OK;
}

static double cycle_latency_s(const tile *t, double t_read);

int tile_read_events(tile *t, const size_t *rows, size_t n, double *y)
{
    int st = check_ranged(t);
    if (st != CIM_OK)
        return st;
    for (size_t j = 0; j < t->s.nc; j++)
        y[j] = 0;
    if (n == 0)
        return CIM_OK;
    /* The rows' 1-bit drivers at v_read_V as settled (d.settle: 1 for the ideal type), as dac_encode drives a 1 bit;
     * the cycle coefficient of a 1-bit code at full scale 1, ldexp(x_step, 0) / v_read with x_step = 1. */
    const double v_read = t->s.dac.v_read_V;
    if ((st = xbar_read_rows(t->xb, rows, n, v_read * t->d.settle, t->i_A)) != CIM_OK)
        return st;
    t->st.n_reads++;
    convert_decode(t, 1.0 / v_read, y);
    if (t->d.T->kind != DAC_IDEAL) {
        dac_params one_bit = t->s.dac;
        one_bit.type = DAC_BIT_SERIAL;
        energy_tally_add(&t->own, ENERGY_DAC, (double)n * dac_energy_J(&one_bit), n);
    }
    tally_channels(t, 1, t->s.array.t_read_s); /* a plain read pulse, whatever the DAC encodes */
    t->st.n_event_reads++;
    t->st.n_row_pulses += n;
    t->st.latency_s = cycle_latency_s(t, t->s.array.t_read_s);
    return CIM_OK;
}

void tile_input_values(const tile *t, double *x_q)
{
    for (size_t i = 0; i < t->nr; i++)
        x_q[i] = dac_input_value(&t->cyc, i);
}

void tile_energy(const tile *t, energy_tally *out)
{
    energy_tally_zero(out);
    const energy_tally *a = xbar_energy(t->xb);
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++)
        energy_tally_add(out, k, energy_tally_J(a, k) - energy_tally_J(&t->xb_calib, k), a->n[k] - t->xb_calib.n[k]);
    energy_tally_merge(out, &t->own);
}

const tile_stats *tile_get_stats(const tile *t) { return &t->st; }

/* One read cycle of window t_read: the drivers' settling, the read, the sense stage, the conversions of a shared ADC
 * (a converter that integrates the column current -- cco, integrating -- does that part of its first conversion
 * during the window; a cco counts through the whole window, adc_conversion_s). */
static double cycle_latency_s(const tile *t, double t_read)
{
    const adc_params *ap = &t->s.adc;
    const double overlap = fmin(t_read, adc_conversion_in_read_s(ap, t_read));
    return t->s.analog_out /* no conversion */
               ? t->s.dac.t_settle_s + t_read + t->se.t_settle_s
               : t->s.dac.t_settle_s + t_read + t->se.t_settle_s +
                     (double)ap->cols_per_adc * adc_conversion_s(ap, t_read) - overlap;
}

double tile_latency_s(const tile *t) { return (double)t->cyc.n * cycle_latency_s(t, read_window_s(t)); }

double tile_periphery_area_um2(const tile *t)
{
    /* Ideal parts are not modelled: no area. */
    return (t->d.T->kind == DAC_IDEAL ? 0.0 : (double)t->nr * t->s.dac.area_um2) +
           (!adc_real(t) ? 0.0 : (double)t->n_adc * t->s.adc.area_um2) +
           (t->se.T->ideal ? 0.0 : (double)t->n_ch * t->s.sense.area_um2);
}

/* periph/adc.c -- the column ADC: a mid-tread quantizer of column current with a static offset, a bow-shaped INL
 * and thermal noise, its range strategies, and its energy (Walden figure of merit, E = FOM_W 2^N) and conversion
 * time (cycles(N) / f_clk) by converter type.  The equations and sources are in periph/adc.h; the defaults' sources
 * in the doc strings below (docs/parameters.md#adc). */
#include "periph/adc.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ADC_MAX_BITS 16

const char *const adc_range_names[] = {"fixed", "max", "calibrated", "percentile", NULL};

/* ---- the types ------------------------------------------------------------------------------------------ */

static double cycles_sar(int bits) { return bits; }
static double cycles_flash(int bits) { return (void)bits, 1.0; }
static double cycles_ramp(int bits) { return ldexp(1.0, bits); }
static double cycles_integrating(int bits) { return ldexp(1.0, bits + 1); }
static double cycles_none(int bits) { return (void)bits, 0.0; }

/* NeuroSim's SAR model spends 1 ns per bit cycle [NeuroSim-V14-SAR]; HERMES's CCO counts at 300 ps per LSB
 * [HERMES-core].  The flash, ramp and integrating converters share the 1 GHz clock (a convention). */
#define ADC_CLK_DEFAULT_HZ 1e9
#define ADC_CLK_CCO_HZ (1.0 / 300e-12)

static const adc_type adc_sar = {"sar", "successive approximation: one comparison per bit",
                                 "N clock periods per conversion (binary search of a capacitor DAC)", 0, cycles_sar,
                                 ADC_CLK_DEFAULT_HZ, cycles_none, 0};
static const adc_type adc_flash = {"flash", "flash: 2^N - 1 comparators in parallel",
                                   "one clock period per conversion", 0, cycles_flash, ADC_CLK_DEFAULT_HZ,
                                   cycles_none, 0};
static const adc_type adc_ramp = {"ramp", "single-slope: a counter runs until the ramp crosses the input",
                                  "2^N clock periods per conversion", 0, cycles_ramp, ADC_CLK_DEFAULT_HZ,
                                  cycles_none, 0};
static const adc_type adc_integrating = {"integrating",
                                         "dual-slope: integrate for 2^N periods, de-integrate for up to 2^N",
                                         "2^(N+1) clock periods per conversion", 0, cycles_integrating,
                                         ADC_CLK_DEFAULT_HZ, cycles_ramp, 0};
static const adc_type adc_cco = {"cco",
                                 "current-controlled oscillator counted while the column current flows (at least "
                                 "2^N periods)",
                                 "IBM HERMES core: 300 ps per LSB (Khaddam-Aljameh et al., IEEE JSSC 2022)", 0,
                                 cycles_ramp, ADC_CLK_CCO_HZ, cycles_ramp, 1};
static const adc_type adc_ideal = {"ideal", "ideal: no quantization, no noise, no energy", "none (a reference)", 1,
                                   cycles_none, ADC_CLK_DEFAULT_HZ, cycles_none, 0};

/* One list: X(name) is the table adc_<name> and the config name "name", in the same order. */
#define ADC_TYPES(X) X(ideal) X(sar) X(flash) X(ramp) X(integrating) X(cco)
#define ADC_AS_TYPE(n) &adc_##n,
#define ADC_AS_NAME(n) #n,
const adc_type *const adc_types[] = {ADC_TYPES(ADC_AS_TYPE) NULL};
const char *const adc_type_names[] = {ADC_TYPES(ADC_AS_NAME) NULL};

const adc_type *adc_type_find(const char *name)
{
    for (size_t i = 0; name != NULL && adc_types[i] != NULL; i++)
        if (strcmp(adc_types[i]->name, name) == 0)
            return adc_types[i];
    return NULL;
}

static size_t adc_type_count(void)
{
    size_t n = 0;
    while (adc_types[n] != NULL)
        n++;
    return n;
}

/* ---- configuration ------------------------------------------------------------------------------------ */

static const param_spec adc_spec[] = {
    PARAM_CHOICE_F(adc_params, type, adc_type_names, 0,
                   "converter: sar (N clock periods; the column ADC of ISAAC [ISAAC2016] and NeuroSim "
                   "[NeuroSim-V14-SAR]), flash (1), ramp (2^N), integrating (2^(N+1)), cco (2^N, or the read window "
                   "if longer: it counts while the current flows), or ideal (the current unchanged, no energy: the ADC is not modelled, the default, so that a configuration says "
                   "which converter it means)"),
    PARAM_INT_F(adc_params, bits, 1, ADC_MAX_BITS, 6,
                "resolution N (6: inside the ENOB 4-8 class whose median FOM_W is fom_J [Murmann-survey]; ISAAC's "
                "model spans 4-10 bits [ISAAC2016])"),
    PARAM_CHOICE_F(adc_params, range, adc_range_names, ADC_RANGE_CALIBRATED,
                   "range: \"fixed\" [i_min_A, i_max_A]; \"max\" [0, the largest current the column can carry]; "
                   "\"calibrated\" the smallest to the largest current of calibration inputs (convention: no code is spent "
                   "outside the currents that occur, as CrossSim's calibrated ADC ranges); \"percentile\" the "
                   "(100 - p)-th to p-th percentiles of those currents"),
    PARAM_REAL_F(adc_params, i_min_A, -1, 1, 0, "A",
                 "range \"fixed\": the column current of code 0 (0: an idle column reads exactly 0)"),
    PARAM_REAL_F(adc_params, i_max_A, -1, 1, 1.28e-3, "A",
                 "range \"fixed\": the column current of the top code (illustrative: the largest current of a 64-row "
                 "column at 100 uS and 0.2 V, 1.28 mA)"),
    PARAM_REAL_F(adc_params, percentile, 50, 100, 99.9, "1",
                 "range \"percentile\": p in (50, 100], clipping the samples' tails beyond the (100 - p)-th and p-th "
                 "percentiles (linear interpolation between samples); convention: 0.1 % at each end"),
    PARAM_REAL_F(adc_params, fom_J, 0, 1e-9, 46e-15, "J",
                 "Walden figure of merit FOM_W = P / (2^ENOB f_s), energy per conversion step: E = fom_J 2^N; "
                 "46 fJ, the median of Nyquist ADCs of ENOB 4-8 published at ISSCC and VLSI since 2015 "
                 "[Murmann-survey]"),
    PARAM_REAL_F(adc_params, f_clk_Hz, 0, 1e12, 0, "Hz",
                 "clock: one comparison (sar), one count (ramp, integrating, cco), one conversion (flash); 0 = the "
                 "type's own: 1 GHz (NeuroSim's 1 ns SAR cycle [NeuroSim-V14-SAR]; a convention for flash, ramp, "
                 "integrating), 3.33 GHz for cco (300 ps per LSB [HERMES-core])"),
    PARAM_REAL_F(adc_params, offset_lsb, 0, 1e3, 0, "1",
                 "sigma of the static input offset of each converter, LSB, drawn once per instance (convention: 0, "
                 "a calibrated-out offset; set it from a design's mismatch)"),
    PARAM_REAL_F(adc_params, inl_lsb, -1e3, 1e3, 0, "1",
                 "peak of the bow-shaped integral nonlinearity, inl_lsb 4 u (1 - u) LSB at u = (x - lo) / (hi - lo), "
                 "signed (convention: 0)"),
    PARAM_REAL_F(adc_params, noise_lsb, 0, 1e3, 0, "1",
                 "sigma of the input-referred thermal noise, LSB, drawn per conversion (convention: 0, quantization "
                 "error only)"),
    PARAM_INT_F(adc_params, cols_per_adc, 1, 65536, 8,
                "columns one converter serves through a multiplexer, in turn (8: NeuroSim's numColMuxed "
                "[NeuroSim-V14-Param])"),
    PARAM_REAL_F(adc_params, area_um2, 0, 1e9, 1200, "um^2",
                 "area of one converter (ISAAC's 8-bit SAR ADC, 1200 um^2 [ISAAC2016]; an upper bound at fewer "
                 "bits)"),
    PARAM_END,
};

static int adc_check(const void *v)
{
    const adc_params *p = v;
    if (!(p->i_min_A < p->i_max_A))
        return cim_error(CIM_ECONFIG, "i_min_A (%g) must be below i_max_A (%g)", p->i_min_A, p->i_max_A);
    if (!(p->percentile > 50 && p->percentile <= 100))
        return cim_error(CIM_ECONFIG, "percentile (%g) must be in (50, 100]: the range runs from the (100 - p)-th "
                                      "to the p-th percentile",
                         p->percentile);
    return CIM_OK;
}

const param_group adc_group = {
    .path = "adc",
    .doc = "The analog-to-digital converter at the foot of a crossbar column: type, resolution and range (all in "
           "column amperes), offset, integral nonlinearity and noise in LSB, energy from the Walden figure of merit, "
           "conversion time from the type's clock cycles, column multiplexing and area (periph/adc.h).",
    .params = adc_spec,
    .size = sizeof(adc_params),
    .check = adc_check,
};

adc_params adc_params_default(void)
{
    adc_params p;
    param_defaults(&adc_group, &p);
    return p;
}

/* ---- one converter ---------------------------------------------------------------------------------------- */

static double levels_minus_one(long long bits) { return ldexp(1.0, (int)bits) - 1.0; }

int adc_init(adc *a, const adc_params *p, gsl_rng *r)
{
    memset(a, 0, sizeof *a);
    if (p->type < 0 || (size_t)p->type >= adc_type_count())
        return cim_error(CIM_ECONFIG, "adc: type index %d is not in the table of %zu types", p->type,
                         adc_type_count());
    if (p->range < ADC_RANGE_FIXED || p->range > ADC_RANGE_PERCENTILE)
        return cim_error(CIM_ECONFIG, "adc: range index %d is not one of fixed, max, calibrated, percentile",
                         p->range);
    if (p->bits < 1 || p->bits > ADC_MAX_BITS)
        return cim_error(CIM_ECONFIG, "bits (%lld) must be in [1, %d]", p->bits, ADC_MAX_BITS);
    if (!(p->offset_lsb >= 0) || !(p->noise_lsb >= 0) || !isfinite(p->offset_lsb) || !isfinite(p->noise_lsb) ||
        !isfinite(p->inl_lsb))
        return cim_error(CIM_ECONFIG, "offset_lsb (%g), noise_lsb (%g) must be finite and >= 0, inl_lsb (%g) finite",
                         p->offset_lsb, p->noise_lsb, p->inl_lsb);
    if (!(p->f_clk_Hz >= 0) || !(p->fom_J >= 0) || p->cols_per_adc < 1)
        return cim_error(CIM_ECONFIG, "f_clk_Hz (%g), fom_J (%g) must be >= 0 and cols_per_adc (%lld) >= 1",
                         p->f_clk_Hz, p->fom_J, p->cols_per_adc);
    int st = adc_check(p);
    if (st != CIM_OK)
        return st;
    if (p->offset_lsb > 0 && r == NULL)
        return cim_error(CIM_EINVAL, "adc_init: offset_lsb (%g) > 0 needs a random stream", p->offset_lsb);
    a->T = adc_types[p->type];
    a->p = *p;
    a->code_max = levels_minus_one(p->bits);
    a->offset_lsbs = p->offset_lsb > 0 ? gsl_ran_gaussian(r, p->offset_lsb) : 0.0;
    if (p->range == ADC_RANGE_FIXED)
        return adc_set_range(a, p->i_min_A, p->i_max_A);
    return CIM_OK;
}

int adc_set_range(adc *a, double lo_A, double hi_A)
{
    if (!isfinite(lo_A) || !isfinite(hi_A) || !(lo_A < hi_A))
        return cim_error(CIM_EINVAL, "adc range [%g, %g] A: needs finite lo < hi", lo_A, hi_A);
    double lsb = (hi_A - lo_A) / a->code_max;
    if (!(lsb > 0))
        return cim_error(CIM_EINVAL, "adc range [%g, %g] A is too narrow for %lld bits", lo_A, hi_A, a->p.bits);
    a->lo_A = lo_A;
    a->hi_A = hi_A;
    a->lsb_A = lsb;
    a->offset_A = a->offset_lsbs * lsb;
    a->ranged = 1;
    return CIM_OK;
}

int adc_calibrate(adc *a, const double *samples_A, size_t n)
{
    if (a->p.range != ADC_RANGE_CALIBRATED && a->p.range != ADC_RANGE_PERCENTILE)
        return CIM_OK;
    if (n == 0)
        return cim_error(CIM_EINVAL, "adc calibration: no sample currents");
    for (size_t k = 0; k < n; k++)
        if (!isfinite(samples_A[k]))
            return cim_error(CIM_EINVAL, "adc calibration: sample %zu is %g A", k, samples_A[k]);
    double lo, hi;
    if (a->p.range == ADC_RANGE_CALIBRATED) {
        lo = hi = samples_A[0];
        for (size_t k = 1; k < n; k++) {
            lo = fmin(lo, samples_A[k]);
            hi = fmax(hi, samples_A[k]);
        }
    } else {
        /* GSL's quantile of sorted data interpolates at (n - 1) f, as numpy's default "linear" method. */
        double *s = xmalloc(n * sizeof *s);
        memcpy(s, samples_A, n * sizeof *s);
        gsl_sort(s, 1, n);
        lo = gsl_stats_quantile_from_sorted_data(s, 1, n, (100.0 - a->p.percentile) / 100.0);
        hi = gsl_stats_quantile_from_sorted_data(s, 1, n, a->p.percentile / 100.0);
        free(s);
    }
    if (!(lo < hi))
        return cim_error(CIM_EINVAL,
                         "adc calibration: the %zu sample currents give the empty range [%g, %g] A (set the range "
                         "another way)",
                         n, lo, hi);
    return adc_set_range(a, lo, hi);
}

/* The input the quantizer sees: x plus the static offset, the INL bow (zero outside the range) and the noise. */
static double adc_input(const adc *a, double x_A, gsl_rng *r)
{
    double x = x_A + a->offset_A;
    if (a->p.inl_lsb != 0) {
        double u = fmin(fmax((x - a->lo_A) / (a->hi_A - a->lo_A), 0.0), 1.0);
        x += a->p.inl_lsb * 4.0 * u * (1.0 - u) * a->lsb_A;
    }
    if (a->p.noise_lsb > 0 && r != NULL)
        x += gsl_ran_gaussian_ziggurat(r, a->p.noise_lsb) * a->lsb_A;
    return x;
}

static long long adc_quantize(const adc *a, double x, int *clipped)
{
    double top = a->code_max;
    if (clipped != NULL)
        *clipped = x < a->lo_A || x > a->hi_A;
    double k = round((x - a->lo_A) / a->lsb_A); /* round() rounds half away from zero */
    return (long long)fmin(fmax(k, 0.0), top);
}

long long adc_code(const adc *a, double x_A, gsl_rng *r, int *clipped)
{
    if (clipped != NULL)
        *clipped = 0;
    if (!a->ranged || isnan(x_A))
        return -1;
    if (a->T->ideal)
        return adc_quantize(a, x_A, NULL);
    return adc_quantize(a, adc_input(a, x_A, r), clipped);
}

double adc_convert(const adc *a, double x_A, gsl_rng *r, int *clipped)
{
    if (clipped != NULL)
        *clipped = 0;
    if (a->T->ideal)
        return x_A;
    if (!a->ranged)
        return NAN;
    long long k = adc_code(a, x_A, r, clipped);
    if (k < 0)
        return NAN;
    return (double)k == a->code_max ? a->hi_A : a->lo_A + (double)k * a->lsb_A;
}

size_t adc_convert_n(const adc *a, double *x_A, size_t n, gsl_rng *r)
{
    if (a->T->ideal)
        return 0;
    size_t n_clipped = 0;
    for (size_t k = 0; k < n; k++) {
        if (!a->ranged) {
            x_A[k] = NAN;
            continue;
        }
        if (isnan(x_A[k]))
            continue;
        /* adc_convert's steps without its per-call checks (the static helpers inline here): the same bits. */
        int c = 0;
        long long q = adc_quantize(a, adc_input(a, x_A[k], r), &c);
        n_clipped += (size_t)c;
        x_A[k] = (double)q == a->code_max ? a->hi_A : a->lo_A + (double)q * a->lsb_A;
    }
    return n_clipped;
}

/* ---- energy and time ------------------------------------------------------------------------------------ */

double adc_energy_J(const adc_params *p)
{
    if (p->type < 0 || (size_t)p->type >= adc_type_count() || adc_types[p->type]->ideal)
        return 0.0;
    return ldexp(p->fom_J, (int)p->bits);
}

double adc_latency_s(const adc_params *p)
{
    if (p->type < 0 || (size_t)p->type >= adc_type_count() || adc_types[p->type]->ideal)
        return 0.0;
    const adc_type *T = adc_types[p->type];
    double f = p->f_clk_Hz > 0 ? p->f_clk_Hz : T->f_clk_Hz;
    return T->cycles((int)p->bits) / f;
}

double adc_latency_in_read_s(const adc_params *p)
{
    if (p->type < 0 || (size_t)p->type >= adc_type_count() || adc_types[p->type]->ideal)
        return 0.0;
    const adc_type *T = adc_types[p->type];
    double f = p->f_clk_Hz > 0 ? p->f_clk_Hz : T->f_clk_Hz;
    return T->cycles_in_read((int)p->bits) / f;
}

double adc_conversion_s(const adc_params *p, double t_read_s)
{
    double t = adc_latency_s(p);
    if (t > 0 && adc_types[p->type]->counts_window)
        t = fmax(t, t_read_s);
    return t;
}

double adc_energy_read_J(const adc_params *p, double t_read_s)
{
    double e = adc_energy_J(p);
    if (e > 0 && adc_types[p->type]->counts_window) {
        const adc_type *T = adc_types[p->type];
        double f = p->f_clk_Hz > 0 ? p->f_clk_Hz : T->f_clk_Hz;
        e = p->fom_J * fmax(ldexp(1.0, (int)p->bits), f * t_read_s);
    }
    return e;
}

double adc_conversion_in_read_s(const adc_params *p, double t_read_s)
{
    double t = adc_latency_in_read_s(p);
    if (t > 0 && adc_types[p->type]->counts_window)
        t = adc_conversion_s(p, t_read_s);
    return t;
}

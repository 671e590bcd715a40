/* periph/adc.h -- the analog-to-digital converter at the foot of a crossbar column (config group `adc`).
 *
 * Units: everything in the analog chain of a tile is referred to the column current, in amperes (the sense
 * stage, periph/sense.h, converts the current to the ADC's input and refers its own errors back).  So the ADC's
 * range, LSB, offset and noise are currents here, whatever the physical input node is (a TIA's voltage, an
 * integrator's charge, a CCO's frequency): users think in column currents, and no unit changes hands silently.
 *
 * Quantizer (mid-tread, zero exact -- CrossSim's convention, so an idle column reads 0): with the range
 * [lo_A, hi_A] and N = bits, lsb = (hi - lo) / (2^N - 1); code k = round((x - lo) / lsb) clamped to
 * [0, 2^N - 1] (round half away from zero); the digital output is the reconstruction lo + k lsb (hi exactly
 * for the top code).  Zero is a level, so reads back exactly, when lo = 0 (ranges "max", "fixed" with
 * i_min_A = 0, or calibration samples whose smallest is 0); a range with lo > 0 reads an idle column as lo.  An
 * input outside [lo, hi] (after the non-idealities below) is clipped and counted.  An ideal converter's error within the range is uniform in
 * +-lsb/2; a sine spanning [lo, hi] gives SNR = 6.02 N + 1.76 + 20 log10(1 - 2^-N) dB (the textbook
 * 6.02 N + 1.76 for a full scale of 2^N lsb; the last term is the mid-tread range of 2^N - 1 lsb), plus
 * -10 log10(1 - 12 eta(5/2) / (pi^3 sqrt(2^N - 1))) dB because the sine dwells at its peaks inside the end codes'
 * half-width bins (+0.59 dB at 3 bits, +0.19 at 6, +0.02 at 12; tests/test_periph_adc.c derives it).
 *
 * Non-idealities, applied before quantization in this order:
 *   offset:  a static offset per converter instance, drawn once N(0, offset_lsb) lsb when the ADC is made;
 *   INL:     a bow, inl_lsb * 4 u (1 - u) lsb with u = (x - lo) / (hi - lo): zero at both ends, inl_lsb at
 *            mid-scale (the dominant second-order shape of SAR capacitor-array and ramp converters);
 *   noise:   thermal noise, N(0, noise_lsb) lsb drawn per conversion.
 *
 * Range strategies (key `range`): "fixed" [i_min_A, i_max_A]; "max" [0, the largest current the column can
 * carry] (the tile gives it: rows x the top level x the top input voltage); "calibrated" [min, max] of sample
 * currents the tile collects on calibration inputs; "percentile" [the (100 - p)-th, the p-th] percentiles of those
 * samples (numpy's linear interpolation), clipping the tails.  adc_set_range / adc_calibrate set it.
 *
 * Types (a const table, GSL-style; one entry and one table line add a converter), each with its conversion time in
 * clock periods 1/f_clk_Hz (f_clk_Hz = 0, the default: the type's own clock, adc_type.f_clk_Hz -- 1 GHz, NeuroSim's
 * 1 ns SAR cycle, for all but cco; 1/300 ps for cco):
 *   sar          N        successive approximation, one comparison per bit
 *   flash        1        2^N - 1 comparators in parallel
 *   ramp         2^N      single-slope: a counter runs until the ramp crosses the input
 *   integrating  2^(N+1)  dual-slope: integrate the input for 2^N periods, de-integrate for up to 2^N
 *   cco          2^N      current-controlled oscillator whose counter runs while the column current flows: at least
 *                          2^N periods, or the whole read window if that is longer (IBM HERMES: 300 ps per LSB,
 *                          counted over its 128 ns input window, docs/parameters.md#adc)
 * cco and integrating converters integrate the column current itself (all 2^N periods of a cco, the first slope of
 * a dual-slope), so that part of the conversion can run while the column is read (adc_latency_in_read_s; the tile
 * overlaps it with the read window, periph/tile.h); sar, flash and ramp convert a settled value after the read.
 *   ideal        0        no quantization, no noise, no energy: the column current passes unchanged
 * Energy per conversion from the Walden figure of merit, E = fom_J * 2^N (FOM_W = P / (2^ENOB f_s) with ENOB taken
 * as the resolution N); a cco counting through a window longer than 2^N periods spans f_clk * window steps and
 * spends fom_J on each (adc_energy_read_J: its oscillator and counter run for the whole window, so its energy is
 * its power times the window -- IBM's 64-core chip draws about the same power in its 1-phase and 4-phase modes,
 * 63.1 TOPS / 9.76 TOPS/W = 6.47 W and 16.1 / 2.48 = 6.49 W, so its energy per MVM follows the counting time); the default fom_J is the median FOM_W of Nyquist converters of ENOB 4-8 published since 2015 in
 * Murmann's ADC survey, 46 fJ per conversion step (docs/config.md#adc).  Column multiplexing: one ADC serves
 * cols_per_adc adjacent columns in turn, so a read's conversions take cols_per_adc conversion times.
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints, never exits.
 */
#ifndef CIM_PERIPH_ADC_H
#define CIM_PERIPH_ADC_H

#include "core/param.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>

enum adc_range { ADC_RANGE_FIXED, ADC_RANGE_MAX, ADC_RANGE_CALIBRATED, ADC_RANGE_PERCENTILE };
extern const char *const adc_range_names[]; /* "fixed", "max", "calibrated", "percentile"; NULL-terminated */

typedef struct adc_type {
    const char *name;      /* the value of adc.type: "sar" */
    const char *title;     /* one line */
    const char *citation;  /* where its timing comes from */
    int ideal;             /* 1: no quantization, noise or energy */
    double (*cycles)(int bits); /* clock periods per conversion */
    double f_clk_Hz;       /* its clock when adc.f_clk_Hz is 0 (docs/config.md#adc) */
    double (*cycles_in_read)(int bits); /* clock periods of a conversion that integrate the column current while
                                         * it is read (cco: all 2^N; integrating: the 2^N of its first slope;
                                         * others 0: they convert a settled value after the read) */
    int counts_window;     /* 1: it counts the column current for as long as it flows (cco): a read window longer
                            * than its 2^N periods lengthens the conversion and its energy (adc_conversion_s) */
} adc_type;

/* The registry, NULL-terminated, and its names (the choices of adc.type). */
extern const adc_type *const adc_types[];
extern const char *const adc_type_names[];
const adc_type *adc_type_find(const char *name);

/* The `adc` configuration group. */
typedef struct adc_params {
    int type;                /* index into adc_types */
    long long bits;          /* resolution N, 1..16 */
    int range;               /* enum adc_range */
    double i_min_A, i_max_A; /* range = "fixed": the column currents of code 0 and code 2^N - 1 */
    double percentile;       /* range = "percentile": p in (50, 100] (the group's check refuses 50) */
    double fom_J;            /* Walden figure of merit, J per conversion step */
    double f_clk_Hz;         /* clock: one comparison (sar), one count (ramp, integrating, cco), one conversion (flash);
                              * 0: the type's own, adc_type.f_clk_Hz */
    double offset_lsb;       /* sigma of the static offset of each converter, LSB */
    double inl_lsb;          /* peak of the bow-shaped integral nonlinearity at mid-scale, LSB (signed) */
    double noise_lsb;        /* sigma of the input-referred thermal noise per conversion, LSB */
    long long cols_per_adc;  /* columns one converter serves through a multiplexer */
    double area_um2;         /* area of one converter (docs/config.md#adc) */
} adc_params;

extern const param_group adc_group;
adc_params adc_params_default(void);

/* One converter instance. */
typedef struct adc {
    const adc_type *T;
    adc_params p;
    double lo_A, hi_A; /* the range; lo < hi once set */
    double lsb_A;      /* (hi - lo) / (2^N - 1) */
    double offset_lsbs; /* this instance's static offset in lsb, N(0, offset_lsb), drawn at adc_init */
    double offset_A;    /* the same in amperes, offset_lsbs lsb_A (0 until a range is set) */
    int ranged;         /* 1 once a range is set */
    double code_max;    /* 2^N - 1, the top code */
} adc;

/* A converter of p; its static offset is drawn from r (one normal draw when offset_lsb > 0; r may be NULL when
 * offset_lsb is 0).  For range "fixed" the range is set here.  CIM_ECONFIG through cim_error for settings the
 * group's table or check would refuse (i_min_A >= i_max_A, bits outside 1..16, an unknown type or range);
 * CIM_EINVAL for a NULL r with offset_lsb > 0. */
int adc_init(adc *a, const adc_params *p, gsl_rng *r);
/* Sets the range to [lo_A, hi_A] (range "max", or a caller's own); CIM_EINVAL unless lo < hi, both finite. */
int adc_set_range(adc *a, double lo_A, double hi_A);
/* Sets the range from n sample currents as p.range says ("calibrated", "percentile"; "fixed" and "max": no-op,
 * CIM_OK).  CIM_EINVAL, leaving the converter as it was, if n is 0, a sample is not finite, or the range would
 * span nothing (all samples, or the two percentiles, equal): there is no scale to give an lsb, so the caller
 * chooses (adc_set_range, e.g. the "max" range). */
int adc_calibrate(adc *a, const double *samples_A, size_t n);
/* Converts one current: the reconstruction lo + k lsb of its code (ideal type: x unchanged, never clipped).  r
 * draws the noise, one normal draw per conversion when noise_lsb > 0 (NULL: no noise).  *clipped (may be NULL) is
 * set to 1 if the input plus offset, INL and noise fell outside [lo, hi], else 0.  An unranged converter (range
 * "calibrated" or "percentile" before adc_calibrate, "max" before adc_set_range) returns NaN. */
double adc_convert(const adc *a, double x_A, gsl_rng *r, int *clipped);
/* Converts x_A[0 .. n) in place, in order (the same draws as n adc_convert calls); returns how many were clipped. */
size_t adc_convert_n(const adc *a, double *x_A, size_t n, gsl_rng *r);
/* Its code k, for tests and digital back ends (ideal type: the code of an ideal N-bit quantizer of the range, no
 * draw).  -1 when unranged. */
long long adc_code(const adc *a, double x_A, gsl_rng *r, int *clipped);

/* Energy of one conversion, fom_J * 2^bits (0 for ideal), joules. */
double adc_energy_J(const adc_params *p);
/* Time of one conversion of a column read for t_read_s: a converter that counts the column current for as long as
 * it flows (counts_window: cco) converts over max(its cycles / f_clk, t_read_s) -- its oscillator runs through
 * the whole window; others: adc_latency_s (t_read_s does not matter). */
double adc_conversion_s(const adc_params *p, double t_read_s);
/* Energy of one conversion of a column read for t_read_s: fom_J times the conversion steps it spans, 2^bits, or
 * for a counting converter f_clk * adc_conversion_s (the steps its counter could reach over the window: HERMES's
 * CCOs count at 300 ps per LSB over a 128 ns input window, more than 420 levels for an 8-bit output).  At a
 * window no longer than 2^bits periods both are adc_energy_J. */
double adc_energy_read_J(const adc_params *p, double t_read_s);
/* The part of adc_conversion_s that integrates the column current and so runs during the read: all of it for a
 * counting converter, cycles_in_read / f_clk for others (integrating: its first slope; sar, flash, ramp: 0). */
double adc_conversion_in_read_s(const adc_params *p, double t_read_s);
/* Time of one conversion, cycles(bits) / f_clk_Hz (0 for ideal), seconds. */
double adc_latency_s(const adc_params *p);
/* The part of it that integrates the column current and so can run during the read, cycles_in_read(bits) /
 * f_clk_Hz (cco: all of it; integrating: its first slope, half; others and ideal: 0), seconds. */
double adc_latency_in_read_s(const adc_params *p);

#endif

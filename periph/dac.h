/* periph/dac.h -- the digital-to-analog converters that drive a crossbar's rows, and the input encoding they
 * implement (config group `dac`).  This is where an input vector becomes read cycles of row voltages (it was
 * crossbar/mapping.c's input half); the tile (periph/tile.h) reads the array once per cycle and shift-adds.
 *
 * Inputs.  Signed inputs take two passes: the positive part, then (only if the vector has an entry that is negative
 * after quantization) the magnitude of the negative part, whose outputs are subtracted (sign-magnitude: no negative
 * voltage reaches the array).  x_max is the fixed `x_max` or, when it is 0, the largest |x| of the vector the caller
 * passes (1 if all are zero); |x| > x_max is clipped and counted.  q = round(|x| / x_step), x_step = x_max /
 * (2^bits - 1) (ties to even: nearbyint), is the input code.
 *
 * Encodings (key `type`, a const table):
 *   bit_serial   one 1-bit conversion per bit per pass: bit b of q drives v_read_V (1) or 0 V (0) in its own read
 *                cycle, bit 0 first; cycle coefficient +-2^b x_step / v_read_V.  Cycles: bits per pass.
 *   amplitude    one read per pass at v = q / (2^bits - 1) v_read_V, a multi-level DAC; coefficient +-x_max /
 *                v_read_V.  Static errors per code (drawn once per DAC bank from the tile's `tileK.dac` stream):
 *                DNL, each step (k-1 -> k) 1 + N(0, dnl_lsb) lsb wide, and a bow INL of inl_lsb * 4 u (1 - u)
 *                lsb, u = k / (2^bits - 1); the code-to-voltage table is fixed for the bank (one DAC per row, same
 *                table: the systematic error of a shared reference ladder).  The steps are not renormalised, so the
 *                DNL also walks the top level off v_read_V (a gain error, sigma sqrt(2^bits - 1) dnl_lsb lsb).  The
 *                step widths are drawn in code order, only when dnl_lsb > 0; a level below 0 V is held at 0 V.
 *   pulse_width  one read per pass at amplitude v_read_V, row i on for t_i = q_i t_lsb_s of a window of
 *                (2^bits - 1) t_lsb_s; the column charge is the output (coefficient +-x_max / v_read_V on the
 *                charge divided by the window, i.e. on the window-average current).  With nonlinear cells or
 *                wires the array is not linear in the inputs, so the tile integrates exactly: between successive
 *                turn-off times the set of driven rows is fixed, one read per distinct code (periph/tile.c).
 *   ideal        analog: v = min(|x|, x_max) / x_max v_read_V exactly, one read per pass, no quantization, settling
 *                error or energy (mapping's "analog" input mode with v_max_V = v_read_V).
 * Settling: a row driver reaches its level with time constant tau_s; a read window that starts t_settle_s after
 * the driver switches sees v (1 - exp(-t_settle_s / tau_s)) (tau_s = 0: exact); the decode coefficients stay
 * nominal, so settling shows as a gain error.  Latency per read: t_settle_s (every type, ideal too).
 *
 * Energy per conversion from a figure of merit: amplitude E = e_step_J * 2^bits (a multi-level ladder of 2^bits
 * steps); bit_serial and pulse_width E = 2 e_step_J, one 1-bit conversion (the driver switched on and off).  A
 * pulse-width row driver is a 1-bit driver at v_read_V: it switches on at the start of the window and off after
 * q t_lsb_s, timed by a counter shared by the rows (each row compares its code with the count; the counter, one
 * per bank, is not counted); the energy of the current it delivers while on is the array's read energy, counted
 * by the xbar.  So
 * it costs what ISAAC's 1-bit driver costs per read, not a ladder's 2^bits steps (reasoning:
 * docs/parameters.md#row-dacs-dac).
 * The default e_step_J = 0.165 pJ gives ISAAC's 1-bit row driver, 0.33 pJ per conversion (docs/config.md#dac).  A
 * conversion is one row driven in one read cycle (rows at 0 V are conversions too: the driver is clocked), so
 * n_conversions = rows x cycles for every type (ideal too, at 0 J); pulse_width counts one conversion per row per
 * pass.
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints, never exits.
 */
#ifndef CIM_PERIPH_DAC_H
#define CIM_PERIPH_DAC_H

#include "core/param.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>

enum dac_kind { DAC_IDEAL, DAC_BIT_SERIAL, DAC_AMPLITUDE, DAC_PULSE_WIDTH };

typedef struct dac_type {
    const char *name;     /* the value of dac.type */
    const char *title;
    const char *citation;
    int kind;             /* enum dac_kind */
} dac_type;

extern const dac_type *const dac_types[];
extern const char *const dac_type_names[];
const dac_type *dac_type_find(const char *name);

#define DAC_MAX_BITS 16

/* The `dac` configuration group. */
typedef struct dac_params {
    int type;          /* index into dac_types */
    long long bits;    /* input code bits, 1..DAC_MAX_BITS (bit_serial: cycles per pass) */
    double x_max;      /* input magnitude of full scale; 0: the largest |x| of each vector */
    double v_read_V;   /* the top row voltage */
    double t_lsb_s;    /* pulse_width: duration of one code step */
    double dnl_lsb;    /* amplitude: sigma of each code step's width error, LSB */
    double inl_lsb;    /* amplitude: peak of the bow INL at mid-scale, LSB (signed) */
    double tau_s;      /* driver settling time constant (0: ideal) */
    double t_settle_s; /* time from driver switching to the start of the read window */
    double e_step_J;   /* energy figure of merit, J per conversion step */
    double area_um2;   /* area of one row driver (docs/config.md#dac) */
} dac_params;

extern const param_group dac_group;
dac_params dac_params_default(void);
/* The group's check (also run by dac_init): bits in range, t_settle_s > 0 when tau_s > 0, t_lsb_s > 0 for
 * pulse_width.  CIM_ECONFIG naming the key. */
int dac_check(const dac_params *p);

/* A bank of row DACs of one type: the code-to-voltage table (amplitude) drawn once. */
typedef struct dac {
    const dac_type *T;
    dac_params p;
    double *level_V;   /* 2^bits voltages of codes 0 .. 2^bits - 1 (amplitude), else NULL */
    double settle;     /* 1 - exp(-t_settle_s / tau_s), 1 for tau_s = 0 */
} dac;

/* r draws the static DNL (may be NULL when dnl_lsb is 0 or the type is not amplitude; CIM_EINVAL if it is needed
 * and NULL).  CIM_ECONFIG for inconsistent settings (dac_check).  On failure d needs no destroy (it is safe). */
int dac_init(dac *d, const dac_params *p, gsl_rng *r);
void dac_destroy(dac *d);

/* The read cycles of one input vector. */
typedef struct dac_cycles {
    size_t rows;       /* entries of each vector */
    size_t cap;        /* cycles allocated: 2 passes x (bits or 1) */
    size_t n;          /* cycles of the vector last encoded */
    double *v_V;       /* cap x rows: cycle c's row voltages at v_V + c * rows (pulse_width: the amplitude or 0) */
    double *t_on_s;    /* pulse_width: cap x rows, each row's on-time in the cycle; else NULL */
    double t_window_s; /* pulse_width: the cycle's window, (2^bits - 1) t_lsb_s; else 0 */
    double *coef;      /* cap: the decode coefficient of each cycle (input units per volt, signed) */
    double x_max;      /* the full scale used */
    size_t n_clipped;  /* entries with |x| > x_max */
    size_t n_conversions; /* row conversions of the vector (energy events) */
} dac_cycles;

void dac_cycles_init(dac_cycles *c, const dac *d, size_t rows);
void dac_cycles_destroy(dac_cycles *c);
/* Encodes x (c->rows entries) with full scale x_max_in (0: the dac's x_max, or the vector's largest |x| if that is
 * 0 too).  CIM_EINVAL naming the first entry that is not finite, for an x_max_in < 0 or not finite, and for cycles
 * made by dac_cycles_init for a DAC of another type. */
int dac_encode(const dac *d, const double *x, double x_max_in, dac_cycles *c);
/* The input entry i the cycles represent, sum_c coef_c v_c,i (pulse_width: v times t_on / window): the
 * quantized input an ideal array multiplies. */
double dac_input_value(const dac_cycles *c, size_t i);

/* Energy of one conversion: amplitude e_step_J * 2^bits, bit_serial and pulse_width 2 e_step_J, ideal 0; joules. */
double dac_energy_J(const dac_params *p);
/* Time one read cycle waits for the drivers (t_settle_s) plus, for pulse_width, the window. */
double dac_latency_s(const dac_params *p);

#endif

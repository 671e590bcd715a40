/* periph/sense.h -- the sense stage between a crossbar column and its ADC (config group `sense`).
 *
 * The column is held at virtual ground and its current is turned into what the ADC digitizes.  As with the ADC
 * (periph/adc.h), everything is referred back to the column current in amperes: a sense stage returns the current
 * that its output represents, with its own errors added, so the ADC range and the decoded outputs stay in column
 * amperes whatever the circuit.
 *
 * Types (a const table; one entry adds one):
 *   none        ideal: the ADC sees the column current itself (current-mode ADC, e.g. a CCO); no noise, no energy.
 *   tia         transimpedance amplifier, feedback resistor gain_ohm, single-pole bandwidth bandwidth_Hz:
 *               v_out = -i R_f (1 - exp(-2 pi BW t_read)) -- incomplete settling within the read window is a gain
 *               error; input-referred noise current, one draw per read:
 *                 sigma_i = sqrt((4 k T / R_f + i_n^2) BW_n),  BW_n = (pi/2) BW (single-pole noise bandwidth)
 *               (the feedback resistor's Johnson noise plus the amplifier's input noise density i_n =
 *               i_noise_A_rtHz); the output saturates at +-v_sat_V, i.e. |i| <= v_sat_V / R_f.  Energy: its
 *               static power p_W over the read window, p_W t_read per read.
 *   integrator  the column current charges a capacitor c_F for t_int_s (a charge-domain or spiking read):
 *               v = i t_int / C; kT/C noise on reset, sigma_v = sqrt(k T / C), referred to the column:
 *               sigma_i = sqrt(k T C) / t_int; the swing saturates at v_sat_V, |i| <= v_sat_V C / t_int.
 *               Energy: the charge drawn to reset it, C v_sat^2 per integration (upper bound: full swing).
 * Sources for the defaults (docs/config.md#sense): NeuroSim's current-sense amplifier power (1.89 uW at 22 nm)
 * for p_W; Johnson noise 4kTR and kT/C are textbook (Razavi, Design of Analog CMOS Integrated Circuits, ch. 7).
 *
 * Differential pairs (key `pair`, see enum sense_pair): subtracted in the digital shift-add (default) or in the
 * analog domain before one sense stage and one ADC per pair (the tile does it; periph/tile.h).
 *
 * Random draws come from the caller's stream (the tile's `tileK.sense`).
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints, never exits.
 */
#ifndef CIM_PERIPH_SENSE_H
#define CIM_PERIPH_SENSE_H

#include "core/param.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>

typedef struct sense_params sense_params;

/* Where the two columns of a differential pair (mapping.scheme = "differential") are subtracted: "digital", each
 * column has its own sense stage and ADC conversion and the codes are subtracted in the shift-add; "analog", the
 * pair's currents are subtracted before the sense stage (a current mirror, or the positive and negative lines
 * summed into one node, as IBM's HERMES core does), so a pair has one sense stage and one conversion of I+ - I-,
 * with a signed ADC range (periph/tile.h). */
enum sense_pair { SENSE_PAIR_DIGITAL, SENSE_PAIR_ANALOG };
extern const char *const sense_pair_names[]; /* "digital", "analog"; NULL-terminated */

typedef struct sense_type {
    const char *name;     /* the value of sense.type */
    const char *title;
    const char *citation;
    int ideal;            /* 1: passes the current unchanged, no energy */
} sense_type;

extern const sense_type *const sense_types[];
extern const char *const sense_type_names[];
const sense_type *sense_type_find(const char *name);

/* The `sense` configuration group. */
struct sense_params {
    int type;               /* index into sense_types */
    double T_K;             /* temperature of the noise sources */
    double gain_ohm;        /* tia: feedback resistance R_f */
    double bandwidth_Hz;    /* tia: -3 dB bandwidth */
    double i_noise_A_rtHz;  /* tia: amplifier input-referred noise current density */
    double p_W;             /* tia: static power */
    double c_F;             /* integrator: capacitance */
    double t_int_s;         /* integrator: integration window */
    double v_sat_V;         /* output swing limit (tia, integrator) */
    double area_um2;        /* area of one sense stage (docs/config.md#sense) */
    int pair;               /* enum sense_pair: where a differential pair is subtracted */
};

extern const param_group sense_group;
sense_params sense_params_default(void);

/* What a sense stage does to one read, derived once from its parameters and the read window. */
typedef struct sense {
    const sense_type *T;
    sense_params p;
    double t_read_s;   /* the read window the stage is used with */
    double gain;       /* settling gain, (1 - exp(-2 pi BW t_read)) for a tia, 1 otherwise */
    double sigma_A;    /* input-referred noise per read, column amperes */
    double i_sat_A;    /* |current| at which the output saturates (HUGE_VAL: none) */
    double e_read_J;   /* energy per read */
    double t_settle_s; /* time the stage adds to a read (tia: time to settle to 1/2 lsb of 10 bits, i.e. to 2^-11:
                        * 11 ln 2 / (2 pi BW); 0 otherwise) */
} sense;

/* Derives s from p for reads of t_read_s (integrator: its own t_int_s, and s->t_read_s is t_int_s; none: t_read_s
 * is only recorded).  CIM_ECONFIG for parameters the group's table would refuse (a non-positive gain_ohm,
 * bandwidth_Hz, c_F, t_int_s or v_sat_V, a negative T_K, i_noise_A_rtHz or p_W, an unknown type); CIM_EINVAL for a
 * tia with t_read_s not finite and > 0. */
int sense_init(sense *s, const sense_params *p, double t_read_s);
/* The column current the output represents: gain i + noise, clipped at +-i_sat_A (*saturated set to 1 if so, else 0;
 * may be NULL).  One normal draw from r per call when sigma_A > 0 (r NULL: no noise).  Type none: i_A itself,
 * bit for bit. */
double sense_apply(const sense *s, double i_A, gsl_rng *r, int *saturated);
/* sense_apply on i_A[0 .. n) in place, in order (the same draws); returns how many saturated. */
size_t sense_apply_n(const sense *s, double *i_A, size_t n, gsl_rng *r);

#endif

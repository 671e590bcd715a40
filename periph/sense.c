/* periph/sense.c -- the sense stage between a column and its ADC, referred to the column current: a transimpedance
 * amplifier (single-pole settling gain 1 - exp(-2 pi BW t), Johnson noise of R_f plus the amplifier's input noise
 * over the noise bandwidth (pi/2) BW, saturation at v_sat / R_f, energy p_W t_read) or a capacitor integrator
 * (kT/C reset noise sqrt(kTC) / t_int, saturation v_sat C / t_int, energy C v_sat^2), or none.  Equations in
 * periph/sense.h; Johnson noise and kT/C are textbook (Razavi, Design of Analog CMOS Integrated Circuits, ch. 7);
 * the defaults' sources in the doc strings below (docs/parameters.md#sense). */
#include "periph/sense.h"
#include "core/status.h"
#include "device/device.h"

#include <gsl/gsl_math.h> /* M_PI, M_LN2 (not in strict C11) */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

/* ---- the types ------------------------------------------------------------------------------------------ */

static const sense_type sense_none = {"none", "none: the ADC sees the column current (a current-mode ADC)",
                                      "ideal (a reference)", 1};
static const sense_type sense_tia = {"tia", "transimpedance amplifier, single pole",
                                     "Johnson noise 4kT/R_f and a single-pole noise bandwidth (pi/2) BW (textbook); "
                                     "static power of NeuroSim V1.4's current-sense amplifier",
                                     0};
static const sense_type sense_integrator = {"integrator", "capacitor integrating the column current for t_int",
                                            "kT/C reset noise (textbook)", 0};

#define SENSE_TYPES(X) X(none) X(tia) X(integrator)
#define SENSE_AS_TYPE(n) &sense_##n,
#define SENSE_AS_NAME(n) #n,
const sense_type *const sense_types[] = {SENSE_TYPES(SENSE_AS_TYPE) NULL};
const char *const sense_type_names[] = {SENSE_TYPES(SENSE_AS_NAME) NULL};

const sense_type *sense_type_find(const char *name)
{
    for (size_t i = 0; name != NULL && sense_types[i] != NULL; i++)
        if (strcmp(sense_types[i]->name, name) == 0)
            return sense_types[i];
    return NULL;
}

/* ---- configuration ------------------------------------------------------------------------------------ */

const char *const sense_pair_names[] = {"digital", "analog", NULL};

static const param_spec sense_spec[] = {
    PARAM_CHOICE_F(sense_params, type, sense_type_names, 0,
                   "sense stage: none (the ADC sees the column current, as HERMES's current-controlled oscillator "
                   "ADC [HERMES-core]; the default, a convention), tia (transimpedance amplifier) or integrator "
                   "(capacitor charged for t_int_s)"),
    PARAM_REAL_F(sense_params, T_K, 0, 1000, 300, "K", "temperature of the noise sources (room temperature)"),
    PARAM_REAL_F(sense_params, gain_ohm, 1e-3, 1e12, 300, "ohm",
                 "tia: feedback resistance R_f (illustrative: 300 ohm keeps a 64-row column at 100 uS and 0.2 V, "
                 "1.28 mA, below v_sat_V / R_f = 1.67 mA)"),
    PARAM_REAL_F(sense_params, bandwidth_Hz, 1, 1e13, 1e8, "Hz",
                 "tia: -3 dB bandwidth of its single pole (illustrative: 100 MHz settles to 0.19 % within a 10 ns "
                 "read, NeuroSim's default read pulse [NeuroSim-V14-Param])"),
    PARAM_REAL_F(sense_params, i_noise_A_rtHz, 0, 1e-6, 1e-12, "A/Hz^0.5",
                 "tia: the amplifier's input-referred noise current density (illustrative: 1 pA/rtHz, below the "
                 "7.4 pA/rtHz Johnson noise of the default R_f)"),
    PARAM_REAL_F(sense_params, p_W, 0, 1, 1.8939e-6, "W",
                 "tia: static power, p_W t_read per read (NeuroSim V1.4's current-sense amplifier at 22 nm, 1.8939 uW "
                 "without its column term [NeuroSim-V14-CSA])"),
    PARAM_REAL_F(sense_params, c_F, 1e-18, 1e-6, 1e-12, "F",
                 "integrator: capacitance (illustrative: 1 pF holds 50 uA for 10 ns at 0.5 V)"),
    PARAM_REAL_F(sense_params, t_int_s, 1e-12, 1, 1e-8, "s",
                 "integrator: integration window (10 ns: NeuroSim's default read pulse [NeuroSim-V14-Param])"),
    PARAM_REAL_F(sense_params, v_sat_V, 1e-3, 100, 0.5, "V",
                 "output swing limit of tia and integrator (illustrative: half of a 1 V supply)"),
    PARAM_REAL_F(sense_params, area_um2, 0, 1e9, 0, "um^2",
                 "area of one sense stage; 0 = not counted (no source pins it: NeuroSim derives it from transistor "
                 "sizes)"),
    PARAM_CHOICE_F(sense_params, pair, sense_pair_names, SENSE_PAIR_DIGITAL,
                   "differential pairs (mapping.scheme = \"differential\"): \"digital\" converts each column and "
                   "subtracts the codes (the default, a convention); \"analog\" subtracts the pair's currents before "
                   "one sense stage and one signed ADC conversion per pair, as IBM's HERMES core sums its positive and "
                   "negative lines [LeGallo2023]"),
    PARAM_END,
};

const param_group sense_group = {
    .path = "sense",
    .doc = "The sense stage between a crossbar column and its ADC (none, a transimpedance amplifier or an "
           "integrator): its settling gain, noise and saturation referred to the column current, and its energy per "
           "read (periph/sense.h); Johnson 4kT/R and kT/C noise are textbook [Razavi].",
    .params = sense_spec,
    .size = sizeof(sense_params),
};

sense_params sense_params_default(void)
{
    sense_params p;
    param_defaults(&sense_group, &p);
    return p;
}

/* ---- one stage ------------------------------------------------------------------------------------------ */

int sense_init(sense *s, const sense_params *p, double t_read_s)
{
    memset(s, 0, sizeof *s);
    size_t n_types = 0;
    while (sense_types[n_types] != NULL)
        n_types++;
    if (p->type < 0 || (size_t)p->type >= n_types)
        return cim_error(CIM_ECONFIG, "sense: type index %d is not in the table of %zu types", p->type, n_types);
    const sense_type *T = sense_types[p->type];
    if (!(p->T_K >= 0) || !isfinite(p->T_K))
        return cim_error(CIM_ECONFIG, "T_K (%g) must be finite and >= 0", p->T_K);
    s->T = T;
    s->p = *p;
    s->t_read_s = t_read_s;
    s->gain = 1.0;
    s->i_sat_A = HUGE_VAL;
    const double kT = DEVICE_KB_J_PER_K * p->T_K;
    if (T == &sense_tia) {
        if (!(p->gain_ohm > 0) || !(p->bandwidth_Hz > 0) || !(p->v_sat_V > 0) || !(p->i_noise_A_rtHz >= 0) ||
            !(p->p_W >= 0) || !isfinite(p->gain_ohm) || !isfinite(p->bandwidth_Hz))
            return cim_error(CIM_ECONFIG, "gain_ohm (%g), bandwidth_Hz (%g), v_sat_V (%g) must be > 0, "
                                          "i_noise_A_rtHz (%g) and p_W (%g) >= 0",
                             p->gain_ohm, p->bandwidth_Hz, p->v_sat_V, p->i_noise_A_rtHz, p->p_W);
        if (!(t_read_s > 0) || !isfinite(t_read_s))
            return cim_error(CIM_EINVAL, "sense tia: the read window t_read_s (%g) must be finite and > 0", t_read_s);
        const double w = 2.0 * M_PI * p->bandwidth_Hz;
        s->gain = -expm1(-w * t_read_s);
        /* Johnson noise of R_f plus the amplifier's, over a single pole's noise bandwidth (pi/2) BW. */
        double psd = 4.0 * kT / p->gain_ohm + p->i_noise_A_rtHz * p->i_noise_A_rtHz;
        s->sigma_A = sqrt(psd * M_PI / 2.0 * p->bandwidth_Hz);
        s->i_sat_A = p->v_sat_V / p->gain_ohm;
        s->e_read_J = p->p_W * t_read_s;
        s->t_settle_s = 11.0 * M_LN2 / w;
    } else if (T == &sense_integrator) {
        if (!(p->c_F > 0) || !(p->t_int_s > 0) || !(p->v_sat_V > 0) || !isfinite(p->c_F) || !isfinite(p->t_int_s))
            return cim_error(CIM_ECONFIG, "c_F (%g), t_int_s (%g), v_sat_V (%g) must be finite and > 0", p->c_F,
                             p->t_int_s, p->v_sat_V);
        s->t_read_s = p->t_int_s;
        s->sigma_A = sqrt(kT * p->c_F) / p->t_int_s; /* kT/C on the reset, divided by the window */
        s->i_sat_A = p->v_sat_V * p->c_F / p->t_int_s;
        s->e_read_J = p->c_F * p->v_sat_V * p->v_sat_V;
    }
    return CIM_OK;
}

double sense_apply(const sense *s, double i_A, gsl_rng *r, int *saturated)
{
    if (saturated != NULL)
        *saturated = 0;
    if (s->T->ideal)
        return i_A;
    double y = s->gain * i_A;
    if (s->sigma_A > 0 && r != NULL)
        y += gsl_ran_gaussian_ziggurat(r, s->sigma_A);
    if (fabs(y) > s->i_sat_A) {
        if (saturated != NULL)
            *saturated = 1;
        y = copysign(s->i_sat_A, y);
    }
    return y;
}

size_t sense_apply_n(const sense *s, double *i_A, size_t n, gsl_rng *r)
{
    size_t n_sat = 0;
    for (size_t k = 0; k < n; k++) {
        int sat = 0;
        i_A[k] = sense_apply(s, i_A[k], r, &sat); /* same translation unit: inlined */
        n_sat += (size_t)sat;
    }
    return n_sat;
}

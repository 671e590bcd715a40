/* device/pcm_stat.c -- see pcm_stat.h. */
#include "device/pcm_stat.h"
#include "core/status.h"

#include <gsl/gsl_math.h> /* M_PI, M_SQRT2, M_LN2 (not in strict C11) */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_erf.h>
#include <math.h>
#include <stddef.h>

const char *const pcm_stat_variant_names[] = {"joshi2020", "hermes", "hermes_single", NULL};
const char *const pcm_stat_gdc_names[] = {"ones", "eye", NULL};

/* aihwkit's _ZERO_CLIP: the floor of x = g / g_max under a logarithm. */
#define X_FLOOR 1e-7

/* ---- the variants' constants (data tables) ----------------------------------------------------------------- */

typedef struct variant_info {
    double g_max_S;  /* characterised maximum conductance (the default g_max) */
    double t0_s;     /* drift reference time */
    double t_read_s; /* read duration of the 1/f fit */
} variant_info;

static const variant_info variants[] = {
    {25e-6, 20.0, 250e-9},    /* joshi2020: PCMLikeNoiseModel + SinglePairConductanceConverter defaults */
    {20.7e-6, 300.0, 512e-9}, /* hermes: num_devices = 2 */
    {10.35e-6, 200.0, 512e-9} /* hermes_single: num_devices = 1 */
};

/* HermesNoiseModel fits (aihwkit hermes.py).  Branch fits: below split, clip(slope ln x + offset, lo, hi);
 * at and above split, the polynomial poly[0] + poly[1] x + ...  The mean of nu is shared by both. */
typedef struct hermes_fit {
    double prog_uS[4];                                               /* sigma_prog cubic, uS at g_max */
    double std_split, std_slope, std_offset, std_lo, std_hi, std_poly[3]; /* sigma_nu */
    double q_split, q_slope, q_offset, q_lo, q_hi, q_poly[4];         /* Q_s */
} hermes_fit;

static const hermes_fit hermes_fits[] = {
    { /* two devices per weight (MSF) */
     {0.16603222, 4.71806468, -8.48101252, 4.68961419},
     0.3055, -0.0117, -0.0057, 0.0091, 0.04, {0.0073, 0.0093, -0.0118},
     0.16, -0.0117, -0.0069, 0.015, 0.04, {0.0123, 0.0211, -0.0280, 0.0069}},
    { /* one device per weight */
     {0.15781817, 2.32443916, -2.16310839, 0.68841818},
     0.3039, -0.0120, -0.0023, 0.0124, 0.04, {0.0104, 0.0116, -0.0165},
     0.1591, -0.0078, 0.0038, 0.0179, 0.04, {0.0088, 0.0768, -0.1352, 0.0664}},
};
static const double hermes_mean_split = 0.0945, hermes_mean_slope = -0.0387, hermes_mean_offset = -0.0182,
                    hermes_mean_lo = 0.0720, hermes_mean_hi = 0.13, hermes_mean_poly[3] = {0.0736, -0.0126, -0.0436};

static const hermes_fit *hermes_of(const pcm_stat_params *p)
{
    return &hermes_fits[p->variant == PCM_STAT_HERMES ? 0 : 1];
}

/* ---- configuration ------------------------------------------------------------------------------------------ */

static const param_spec pcm_stat_spec[] = {
    PARAM_CHOICE_F(pcm_stat_params, variant, pcm_stat_variant_names, PCM_STAT_JOSHI2020,
                   "which fit: \"joshi2020\" (1M-device doped-GST array, Joshi et al. Nat. Commun. 2020 / Nandakumar "
                   "et al. ICECS 2019, aihwkit PCMLikeNoiseModel [aihwkit-pcm]), \"hermes\" (14 nm HERMES chip, two "
                   "devices per weight, MSF programming) or \"hermes_single\" (one device per weight) "
                   "[aihwkit-hermes]"),
    PARAM_REAL_F(pcm_stat_params, g_max_S, 0, 1e-3, 0, "S",
                 "conductance of the largest weight magnitude (differential pair, one device at 0); 0 = the variant's "
                 "characterised value: 25e-6 (joshi2020, SinglePairConductanceConverter [aihwkit-pcm]), 20.7e-6 "
                 "(hermes), 10.35e-6 (hermes_single) [aihwkit-hermes]"),
    PARAM_REAL_F(pcm_stat_params, t0_s, 0, 1e9, 0, "s",
                 "first read after programming, the reference of drift (t_tot = t + t0); 0 = the variant's: 20 "
                 "(joshi2020 [aihwkit-pcm]), 300 (hermes), 200 (hermes_single) [aihwkit-hermes]"),
    PARAM_REAL_F(pcm_stat_params, t_read_s, 0, 1, 0, "s",
                 "read duration: the 1/f noise is integrated up to 1/(2 t_read); 0 = the variant's: 250e-9 "
                 "(joshi2020 [aihwkit-pcm]), 512e-9 (hermes, hermes_single) [aihwkit-hermes]"),
    PARAM_REAL_F(pcm_stat_params, prog_c0_S, -1e-3, 1e-3, 0.26348e-6, "S",
                 "sigma_prog = (c0 + c1 x + c2 x^2) g_max / g_ref, x = g_T / g_max: c0 = 0.26348 uS [aihwkit-pcm] "
                 "(joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, prog_c1_S, -1e-3, 1e-3, 1.9650e-6, "S",
                 "c1 of sigma_prog: 1.9650 uS [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, prog_c2_S, -1e-3, 1e-3, -1.1731e-6, "S",
                 "c2 of sigma_prog: -1.1731 uS [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, prog_g_ref_S, 1e-9, 1e-3, 25e-6, "S",
                 "g_max at which the sigma_prog polynomial was fitted: 25 uS [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, nu_mean_slope, -1, 1, -0.0155, "1",
                 "mu_nu = clip(slope ln x + offset, min, max): slope -0.0155 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, nu_mean_offset, -1, 1, 0.0244, "1",
                 "mu_nu offset 0.0244 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, nu_mean_min, 0, 1, 0.049, "1",
                 "lower clip of mu_nu, reached from x ~ 0.2 up: 0.049 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, nu_mean_max, 0, 1, 0.1, "1",
                 "upper clip of mu_nu, reached below x ~ 0.005: 0.1 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, nu_std_slope, -1, 1, -0.0125, "1",
                 "sigma_nu = clip(slope ln x + offset, min, max): slope -0.0125 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, nu_std_offset, -1, 1, -0.0059, "1",
                 "sigma_nu offset -0.0059 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, nu_std_min, 0, 1, 0.008, "1",
                 "lower clip of sigma_nu: 0.008 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, nu_std_max, 0, 1, 0.045, "1",
                 "upper clip of sigma_nu: 0.045 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, q_s_coeff, 0, 1, 0.0088, "1",
                 "read noise Q_s = min(coeff / max(x_P^exp, floor), max), x_P = g_P / g_max: coeff 0.0088 "
                 "[aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, q_s_exp, 0, 5, 0.65, "1",
                 "exponent of x_P in Q_s: 0.65 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, q_s_floor, 1e-12, 1, 1e-3, "1",
                 "floor of x_P^exp in Q_s: 1e-3 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, q_s_max, 0, 10, 0.2, "1", "upper clip of Q_s: 0.2 [aihwkit-pcm] (joshi2020 only)"),
    PARAM_REAL_F(pcm_stat_params, prog_noise_scale, 0, 100, 1, "1",
                 "multiplies sigma_prog (aihwkit prog_noise_scale; 1 = as measured)"),
    PARAM_REAL_F(pcm_stat_params, drift_scale, 0, 100, 1, "1",
                 "multiplies every drawn drift exponent nu (aihwkit drift_scale; 1 = as measured)"),
    PARAM_REAL_F(pcm_stat_params, read_noise_scale, 0, 100, 1, "1",
                 "multiplies the read-noise sigma (aihwkit read_noise_scale; 1 = as measured)"),
    PARAM_CHOICE_F(pcm_stat_params, gdc_input, pcm_stat_gdc_names, PCM_GDC_ONES,
                   "global drift compensation readout: \"ones\" = all-ones calibration input, sum of |outputs| "
                   "(Joshi et al. 2020); \"eye\" = one-hot inputs, mean |output| (aihwkit GlobalDriftCompensation)"),
    PARAM_END,
};

static int pcm_stat_check(const void *values)
{
    const pcm_stat_params *p = values;
    if (p->nu_mean_min > p->nu_mean_max)
        return cim_error(CIM_ECONFIG, "nu_mean_min (%g) must not exceed nu_mean_max (%g)", p->nu_mean_min,
                         p->nu_mean_max);
    if (p->nu_std_min > p->nu_std_max)
        return cim_error(CIM_ECONFIG, "nu_std_min (%g) must not exceed nu_std_max (%g)", p->nu_std_min, p->nu_std_max);
    /* sigma_prog >= 0 on [0, 1]: at the ends, and at the vertex of a convex parabola inside. */
    double c0 = p->prog_c0_S, c1 = p->prog_c1_S, c2 = p->prog_c2_S, xv = c2 > 0 ? -c1 / (2 * c2) : -1;
    double lowest = fmin(c0, c0 + c1 + c2);
    if (xv > 0 && xv < 1)
        lowest = fmin(lowest, c0 + c1 * xv + c2 * xv * xv);
    if (lowest < 0)
        return cim_error(CIM_ECONFIG,
                         "prog_c0_S + prog_c1_S x + prog_c2_S x^2 (%g + %g x + %g x^2) must not be negative for x in "
                         "[0, 1]: it is a standard deviation",
                         c0, c1, c2);
    if (p->variant != PCM_STAT_JOSHI2020) {
        /* The HERMES fits are fixed: a changed joshi2020 coefficient would silently do nothing. */
        for (const param_spec *s = pcm_stat_spec; s->key != NULL; s++) {
            if (s->offset < offsetof(pcm_stat_params, prog_c0_S) || s->offset > offsetof(pcm_stat_params, q_s_max))
                continue;
            double v = *(const double *)((const char *)p + s->offset);
            if (v != s->def)
                return cim_error(CIM_ECONFIG, "%s applies to variant = \"joshi2020\", not \"%s\" (the HERMES fits are "
                                              "fixed: aihwkit hermes.py)",
                                 s->key, pcm_stat_variant_names[p->variant]);
        }
        double g_char = variants[p->variant].g_max_S;
        if (p->g_max_S > g_char)
            return cim_error(CIM_ECONFIG, "g_max_S (%g) must not exceed %g S, the largest conductance characterised "
                                          "for variant = \"%s\"",
                             p->g_max_S, g_char, pcm_stat_variant_names[p->variant]);
    }
    return CIM_OK;
}

const param_group pcm_stat_group = {
    .path = "pcm_stat",
    .doc = "IBM statistical PCM inference model (Nandakumar et al. ICECS 2019; Joshi et al. Nat. Commun. 2020; "
           "aihwkit PCMLikeNoiseModel and HermesNoiseModel): programming noise vs target conductance, per-device "
           "drift exponent with conductance-dependent mean and spread, 1/f read noise growing with log time, global "
           "drift compensation.  Equations in device/pcm_stat.h; run with cimsim device --pcm-stat.",
    .params = pcm_stat_spec,
    .size = sizeof(pcm_stat_params),
    .check = pcm_stat_check,
};

/* ---- constants in use ---------------------------------------------------------------------------------------- */

double pcm_stat_g_max_S(const pcm_stat_params *p) { return p->g_max_S > 0 ? p->g_max_S : variants[p->variant].g_max_S; }
double pcm_stat_t0_s(const pcm_stat_params *p) { return p->t0_s > 0 ? p->t0_s : variants[p->variant].t0_s; }
double pcm_stat_t_read_s(const pcm_stat_params *p)
{
    return p->t_read_s > 0 ? p->t_read_s : variants[p->variant].t_read_s;
}

/* ---- the fitted laws ----------------------------------------------------------------------------------------- */

static double clip(double v, double lo, double hi) { return fmin(fmax(v, lo), hi); }

/* c[0] + c[1] x + ... + c[n-1] x^(n-1) */
static double poly(const double *c, int n, double x)
{
    double y = 0;
    for (int k = n - 1; k >= 0; k--)
        y = y * x + c[k];
    return y;
}

double pcm_stat_sigma_prog_S(const pcm_stat_params *p, double x)
{
    double g_max = pcm_stat_g_max_S(p);
    if (p->variant == PCM_STAT_JOSHI2020) {
        double c[3] = {p->prog_c0_S, p->prog_c1_S, p->prog_c2_S};
        return p->prog_noise_scale * poly(c, 3, x) * g_max / p->prog_g_ref_S;
    }
    return p->prog_noise_scale * poly(hermes_of(p)->prog_uS, 4, x) * 1e-6 * g_max / variants[p->variant].g_max_S;
}

double pcm_stat_nu_mu(const pcm_stat_params *p, double x)
{
    x = fmax(fabs(x), X_FLOOR);
    if (p->variant == PCM_STAT_JOSHI2020)
        return clip(p->nu_mean_slope * log(x) + p->nu_mean_offset, p->nu_mean_min, p->nu_mean_max);
    if (x < hermes_mean_split)
        return clip(hermes_mean_slope * log(x) + hermes_mean_offset, hermes_mean_lo, hermes_mean_hi);
    return poly(hermes_mean_poly, 3, x);
}

double pcm_stat_nu_sigma(const pcm_stat_params *p, double x)
{
    x = fmax(fabs(x), X_FLOOR);
    if (p->variant == PCM_STAT_JOSHI2020)
        return clip(p->nu_std_slope * log(x) + p->nu_std_offset, p->nu_std_min, p->nu_std_max);
    const hermes_fit *h = hermes_of(p);
    if (x < h->std_split)
        return clip(h->std_slope * log(x) + h->std_offset, h->std_lo, h->std_hi);
    return poly(h->std_poly, 3, x);
}

void pcm_stat_nu_moments(const pcm_stat_params *p, double x, double *mean, double *sd)
{
    double mu = pcm_stat_nu_mu(p, x), s = pcm_stat_nu_sigma(p, x), m;
    if (s > 0) /* folded normal: E|Y| = s sqrt(2/pi) e^(-mu^2 / 2 s^2) + mu (1 - 2 Phi(-mu / s)) */
        m = s * sqrt(2 / M_PI) * exp(-mu * mu / (2 * s * s)) + mu * (1 - gsl_sf_erfc(mu / (s * M_SQRT2)));
    else
        m = fabs(mu);
    double var = fmax(mu * mu + s * s - m * m, 0.0); /* E Y^2 = mu^2 + s^2 */
    *mean = p->drift_scale * m;
    *sd = p->drift_scale * sqrt(var);
}

double pcm_stat_q_s(const pcm_stat_params *p, double x_p)
{
    x_p = fabs(x_p);
    if (p->variant == PCM_STAT_JOSHI2020)
        return fmin(p->q_s_coeff / fmax(pow(x_p, p->q_s_exp), p->q_s_floor), p->q_s_max);
    const hermes_fit *h = hermes_of(p);
    if (x_p < h->q_split)
        return clip(h->q_slope * log(fmax(x_p, X_FLOOR)) + h->q_offset, h->q_lo, h->q_hi);
    return poly(h->q_poly, 4, x_p);
}

double pcm_stat_read_time_factor(const pcm_stat_params *p, double t_s)
{
    double t_read = pcm_stat_t_read_s(p);
    return sqrt(log((t_s + pcm_stat_t0_s(p) + t_read) / (2 * t_read)));
}

double pcm_stat_drift_factor(const pcm_stat_params *p, double nu, double t_s)
{
    double t0 = pcm_stat_t0_s(p);
    return t_s > 0 ? pow((t_s + t0) / t0, -nu) : 1.0;
}

/* ln Phi(z), accurate far into the lower tail. */
static double log_phi(double z) { return gsl_sf_log_erfc(-z / M_SQRT2) - M_LN2; }

double pcm_stat_drift_factor_mean(const pcm_stat_params *p, double x, double t_s)
{
    /* E e^(-k |Y|), Y ~ N(mu, s^2), k = drift_scale ln(t_tot / t0):
     *   e^(-k mu + k^2 s^2 / 2) Phi(mu/s - k s) + e^(k mu + k^2 s^2 / 2) Phi(-mu/s - k s). */
    double t0 = pcm_stat_t0_s(p), k = p->drift_scale * log((fmax(t_s, 0.0) + t0) / t0);
    double mu = pcm_stat_nu_mu(p, x), s = pcm_stat_nu_sigma(p, x);
    if (!(s > 0))
        return exp(-k * fabs(mu));
    double h = 0.5 * k * k * s * s;
    return exp(-k * mu + h + log_phi(mu / s - k * s)) + exp(k * mu + h + log_phi(-mu / s - k * s));
}

double pcm_stat_sigma_read_S(const pcm_stat_params *p, double g_p_S, double nu, double t_s)
{
    double g_d = g_p_S * pcm_stat_drift_factor(p, nu, t_s);
    return p->read_noise_scale * fabs(g_d) * pcm_stat_q_s(p, g_p_S / pcm_stat_g_max_S(p)) *
           pcm_stat_read_time_factor(p, t_s);
}

/* ---- drawing --------------------------------------------------------------------------------------------------- */

double pcm_stat_draw_prog_S(const pcm_stat_params *p, double g_t_S, gsl_rng *r)
{
    double s = pcm_stat_sigma_prog_S(p, g_t_S / pcm_stat_g_max_S(p));
    return fmax(g_t_S + s * gsl_ran_gaussian_ziggurat(r, 1.0), 0.0);
}

double pcm_stat_draw_nu(const pcm_stat_params *p, double g_t_S, gsl_rng *r)
{
    double x = g_t_S / pcm_stat_g_max_S(p);
    return p->drift_scale * fabs(pcm_stat_nu_mu(p, x) + pcm_stat_nu_sigma(p, x) * gsl_ran_gaussian_ziggurat(r, 1.0));
}

double pcm_stat_draw_read_S(const pcm_stat_params *p, double g_p_S, double nu, double t_s, gsl_rng *r)
{
    double g_d = g_p_S * pcm_stat_drift_factor(p, nu, t_s);
    return fmax(g_d + pcm_stat_sigma_read_S(p, g_p_S, nu, t_s) * gsl_ran_gaussian_ziggurat(r, 1.0), 0.0);
}

/* ---- arrays ---------------------------------------------------------------------------------------------------- */

int pcm_stat_program(const pcm_stat_params *p, const double *g_t_S, size_t n, gsl_rng *r_prog, gsl_rng *r_nu,
                     double *g_p_S, double *nu)
{
    double g_max = pcm_stat_g_max_S(p);
    for (size_t i = 0; i < n; i++)
        if (!(g_t_S[i] >= 0 && g_t_S[i] <= g_max))
            return cim_error(CIM_EINVAL, "pcm_stat: target conductance %zu is %g S, outside [0, g_max = %g S]", i,
                             g_t_S[i], g_max);
    for (size_t i = 0; i < n; i++) {
        g_p_S[i] = pcm_stat_draw_prog_S(p, g_t_S[i], r_prog);
        nu[i] = pcm_stat_draw_nu(p, g_t_S[i], r_nu);
    }
    return CIM_OK;
}

int pcm_stat_read(const pcm_stat_params *p, const double *g_p_S, const double *nu, size_t n, double t_s,
                  gsl_rng *r_read, double *g_S)
{
    if (!(t_s >= 0 && isfinite(t_s)))
        return cim_error(CIM_EINVAL,
                         "pcm_stat: inference time %g s must be finite and >= 0 (the time since programming)", t_s);
    for (size_t i = 0; i < n; i++)
        g_S[i] = pcm_stat_draw_read_S(p, g_p_S[i], nu[i], t_s, r_read);
    return CIM_OK;
}

double pcm_stat_map_weights(const pcm_stat_params *p, const double *w, size_t n, double *g_plus_S, double *g_minus_S)
{
    double w_max = 0, g_max = pcm_stat_g_max_S(p);
    for (size_t i = 0; i < n; i++)
        w_max = fmax(w_max, fabs(w[i]));
    double scale = g_max / fmax(w_max, X_FLOOR);
    for (size_t i = 0; i < n; i++) {
        g_plus_S[i] = clip(w[i] * scale, 0.0, g_max);
        g_minus_S[i] = clip(-w[i] * scale, 0.0, g_max);
    }
    return scale;
}

void pcm_stat_unmap_weights(const double *g_plus_S, const double *g_minus_S, size_t n, double scale, double *w)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (g_plus_S[i] - g_minus_S[i]) / scale;
}

/* ---- global drift compensation ----------------------------------------------------------------------------------- */

double pcm_stat_gdc_readout(int input, const double *w, size_t rows, size_t cols)
{
    double r = 0;
    if (input == PCM_GDC_EYE) { /* one-hot input i reads row i; the mean |y| over every input and output */
        for (size_t k = 0; k < rows * cols; k++)
            r += fabs(w[k]);
        return rows * cols > 0 ? r / (double)(rows * cols) : 0.0;
    }
    for (size_t j = 0; j < cols; j++) { /* the all-ones input: y_j = sum_i w_ij */
        double y = 0;
        for (size_t i = 0; i < rows; i++)
            y += w[i * cols + j];
        r += fabs(y);
    }
    return r;
}

int pcm_stat_gdc_alpha(double ref, double now, double *alpha)
{
    if (!(now > 0) || !isfinite(ref))
        return cim_error(CIM_EINVAL, "drift compensation: the calibration readout is %g (reference %g); it must be > 0",
                         now, ref);
    *alpha = ref / now;
    return CIM_OK;
}

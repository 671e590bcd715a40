/* device/ferro.c -- the ferroelectric domain ensemble and the FeFET's MOSFET (equations in ferro.h). */
#include "device/ferro.h"
#include "core/status.h"
#include "device/device.h"
#include "device/spice_util.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <pthread.h>

const char *const ferro_kinetics_names[] = {"nls", "preisach", NULL};

static double quantiles[FERRO_N_DOMAINS];
static pthread_once_t quantiles_once = PTHREAD_ONCE_INIT;

static void make_quantiles(void)
{
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++)
        quantiles[i] = gsl_cdf_ugaussian_Pinv((i + 0.5) / FERRO_N_DOMAINS);
}

double ferro_domain_quantile(size_t i)
{
    pthread_once(&quantiles_once, make_quantiles);
    return quantiles[i];
}

int ferro_domains_check(const ferro_domains *d)
{
    if (!(d->t_ref_s > 2.0 * d->tau_inf_s * FERRO_LN2))
        return cim_error(CIM_ECONFIG, "t_ref_s (%g) must exceed 2 tau_inf_s ln 2 (%g): no field would switch a domain "
                                      "in t_ref",
                         d->t_ref_s, 2.0 * d->tau_inf_s * FERRO_LN2);
    if (!(1.0 - d->sigma_ec_rel * fabs(ferro_domain_quantile(0)) > 0.05))
        return cim_error(CIM_ECONFIG, "sigma_ec_rel (%g) gives the weakest domain a coercive field below 5%% of e_c",
                         d->sigma_ec_rel);
    if (d->curie_K > 0 && !(d->curie_K > d->temp_ref_K))
        return cim_error(CIM_ECONFIG, "curie_K (%g) must exceed temp_ref_K (%g), the temperature at which p_r is given",
                         d->curie_K, d->temp_ref_K);
    return CIM_OK;
}

void ferro_domains_condition(ferro_domains *d, double T_K, double cycles)
{
    pthread_once(&quantiles_once, make_quantiles);
    double T = T_K > 0 ? T_K : d->temp_ref_K;
    double L = log(d->t_ref_s / (d->tau_inf_s * FERRO_LN2));
    double s_T = pow(d->temp_ref_K / T, 1.0 / d->merz_alpha); /* thermally activated nucleation */
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++) {
        d->ec_i[i] = d->e_c_V_per_m * (1.0 + d->sigma_ec_rel * quantiles[i]) * s_T;
        d->merz_c[i] = L * pow(d->ec_i[i], d->merz_alpha);
    }
    double pr = d->p_r_C_per_m2;
    if (d->curie_K > 0)
        pr *= T < d->curie_K ? sqrt((d->curie_K - T) / (d->curie_K - d->temp_ref_K)) : 0.0;
    double pinned = 0.0;
    if (!isnan(cycles) && d->fatigue_loss_per_decade > 0 && cycles > d->fatigue_onset_cycles)
        pinned = fmin(1.0, d->fatigue_loss_per_decade * log10(cycles / d->fatigue_onset_cycles));
    d->pr_eff_C_per_m2 = pr * (1.0 - pinned);
    d->bias_V_per_m = isnan(cycles) ? 0.0 : d->e_bias_V_per_m * exp(-cycles / d->n_wake_cycles);
    d->T_K = T;
    d->conditioned = 1;
}

/* The sign of domain i's internal bias: + - - + repeating, so that the two halves of the (sorted) coercive
 * fields are alike to first order. */
static int bias_group(size_t i) { return (int)((i ^ (i >> 1)) & 1); }

/* d itself when conditioned, else a copy conditioned for no history at temp_ref (slow: unconditioned
 * parameters only reach here from code that never made a device, such as the interface contract tests). */
static const ferro_domains *conditioned(const ferro_domains *d, ferro_domains *tmp)
{
    if (d->conditioned)
        return d;
    *tmp = *d;
    ferro_domains_condition(tmp, d->temp_ref_K, NAN);
    return tmp;
}

double ferro_domains_pr(const ferro_domains *d)
{
    ferro_domains tmp;
    return conditioned(d, &tmp)->pr_eff_C_per_m2;
}

void ferro_domains_bounds(double *lo, double *hi, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lo[i] = -1.0, hi[i] = 1.0;
}

double ferro_domains_mean(const double *p)
{
    double s = 0.0;
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++)
        s += p[i];
    return s / FERRO_N_DOMAINS;
}

void ferro_domains_init(const ferro_domains *d0, double *p)
{
    ferro_domains tmp;
    const ferro_domains *d = conditioned(d0, &tmp);
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++) {
        double b = bias_group(i) ? -d->bias_V_per_m : d->bias_V_per_m;
        p[i] = fabs(b) > d->ec_i[i] ? (b > 0 ? 1.0 : -1.0) : d->p0;
    }
}

double ferro_domains_P(const ferro_domains *d, const double *p) { return ferro_domains_pr(d) * ferro_domains_mean(p); }

double ferro_domains_rate(const ferro_domains *d0, const double *p, double e_V_per_m, double *dp)
{
    ferro_domains tmp;
    const ferro_domains *d = conditioned(d0, &tmp);
    /* The two fields the domains see (with and against the bias), and for each the target polarization and
     * |E|^-alpha, so that each domain's Merz exponent is one product (alpha = 3 without pow). */
    double target[2], e_abs[2], inv_ea[2];
    for (int g = 0; g < 2; g++) {
        double e = e_V_per_m + (g ? -d->bias_V_per_m : d->bias_V_per_m);
        target[g] = e > 0 ? 1.0 : -1.0;
        e_abs[g] = fabs(e);
        inv_ea[g] = e == 0.0 ? 0.0 : (d->merz_alpha == 3.0 ? 1.0 / (e_abs[g] * e_abs[g] * e_abs[g])
                                                           : pow(e_abs[g], -d->merz_alpha));
    }
    double sum = 0.0, inv_tau = 1.0 / d->tau_inf_s;
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++) {
        int g = bias_group(i);
        if (e_abs[g] == 0.0) {
            dp[i] = 0.0;
        } else if (d->kinetics == FERRO_PREISACH) {
            dp[i] = e_abs[g] > d->ec_i[i] ? (target[g] - p[i]) * inv_tau : 0.0;
        } else {
            double z = d->merz_c[i] * inv_ea[g];
            dp[i] = z > 700 ? 0.0 : (target[g] - p[i]) * exp(-z) * inv_tau;
        }
        sum += dp[i];
    }
    return d->pr_eff_C_per_m2 * sum / FERRO_N_DOMAINS;
}

/* ln^2(1 + e^(u/2)), without overflow. */
static double ekv_f(double u)
{
    double h = 0.5 * u;
    double l = h > 35 ? h + log1p(exp(-h)) : log1p(exp(h));
    return l * l;
}

double ferro_ekv_id_A(double v_gs, double v_ds, double v_t, double n, double i_spec_A, double T_K)
{
    double phi_t = DEVICE_KB_J_PER_K * T_K / DEVICE_Q_C;
    double s = v_ds < 0 ? -1.0 : 1.0, vd = fabs(v_ds);
    double uf = (v_gs - v_t) / (n * phi_t), ur = (v_gs - v_t - n * vd) / (n * phi_t);
    return s * i_spec_A * (ekv_f(uf) - ekv_f(ur));
}

void ferro_domains_spice(const ferro_domains *d0, const double *x0, const char *e_expr, strbuf *o)
{
    ferro_domains tmp;
    const ferro_domains *d = conditioned(d0, &tmp);
    double L = log(d->t_ref_s / (d->tau_inf_s * FERRO_LN2));
    strbuf_printf(o, ".func P() {" SPICE_G "*(", d->pr_eff_C_per_m2 / FERRO_N_DOMAINS);
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++)
        strbuf_printf(o, "%sV(s%zu)", i ? "+" : "", i);
    strbuf_puts(o, ")}\n");
    strbuf_printf(o, ".func E() {%s}\n", e_expr);
    /* the fields of the two bias groups */
    strbuf_printf(o, ".func E0() {E()+" SPICE_G "}\n.func E1() {E()-" SPICE_G "}\n", d->bias_V_per_m, d->bias_V_per_m);
    strbuf_puts(o, ".func T0() {E0()>0 ? 1 : -1}\n.func T1() {E1()>0 ? 1 : -1}\n");
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++) {
        int g = bias_group(i);
        double ec_i = d->ec_i[i];
        strbuf_printf(o, "Cs%zu s%zu 0 1 IC=" SPICE_G "\n", i, i, x0[i]);
        if (d->kinetics == FERRO_PREISACH)
            strbuf_printf(o, ".func D%zu() {abs(E%d())>" SPICE_G " ? (T%d()-V(s%zu))/" SPICE_G " : 0}\n", i, g, ec_i, g,
                          i, d->tau_inf_s);
        else /* the C code's cut-off, exponent > 700, is |E| below ec_i (L / 700)^(1/alpha) */
            strbuf_printf(o,
                          ".func D%zu() {abs(E%d()) <= " SPICE_G " ? 0 : (T%d()-V(s%zu))*exp(-" SPICE_G "*pow(" SPICE_G
                          "/abs(E%d())," SPICE_G "))/" SPICE_G "}\n",
                          i, g, ec_i * pow(L / 700.0, 1.0 / d->merz_alpha), g, i, L, ec_i, g, d->merz_alpha,
                          d->tau_inf_s);
        strbuf_printf(o, "Bs%zu 0 s%zu I=D%zu()\n", i, i, i);
    }
    strbuf_printf(o, ".func dPdt() {" SPICE_G "*(", d->pr_eff_C_per_m2 / FERRO_N_DOMAINS);
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++)
        strbuf_printf(o, "%sD%zu()", i ? "+" : "", i);
    strbuf_puts(o, ")}\n");
}

/* The state variables of every multi-domain model. */
const device_var ferro_domain_state[FERRO_N_DOMAINS] = {
    {"p01", "1", 1}, {"p02", "1", 1}, {"p03", "1", 1}, {"p04", "1", 1}, {"p05", "1", 1}, {"p06", "1", 1},
    {"p07", "1", 1}, {"p08", "1", 1}, {"p09", "1", 1}, {"p10", "1", 1}, {"p11", "1", 1}, {"p12", "1", 1},
    {"p13", "1", 1}, {"p14", "1", 1}, {"p15", "1", 1}, {"p16", "1", 1}, {"p17", "1", 1}, {"p18", "1", 1},
    {"p19", "1", 1}, {"p20", "1", 1}, {"p21", "1", 1}, {"p22", "1", 1}, {"p23", "1", 1}, {"p24", "1", 1},
    {"p25", "1", 1}, {"p26", "1", 1}, {"p27", "1", 1}, {"p28", "1", 1}, {"p29", "1", 1}, {"p30", "1", 1},
    {"p31", "1", 1}, {"p32", "1", 1},
};


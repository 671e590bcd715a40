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
    return CIM_OK;
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

/* (E_a / |E|)^alpha with E_a = E_c,i L^(1/alpha): written as L (E_c,i / |E|)^alpha, no pow of L needed. */
static double merz_exponent(const ferro_domains *d, double ec_i, double e_abs)
{
    double L = log(d->t_ref_s / (d->tau_inf_s * FERRO_LN2));
    double r = ec_i / e_abs;
    return L * (d->merz_alpha == 3.0 ? r * r * r : pow(r, d->merz_alpha));
}

double ferro_domain_tau_s(const ferro_domains *d, size_t i, double e_V_per_m)
{
    if (e_V_per_m == 0.0)
        return INFINITY;
    double ec_i = d->e_c_V_per_m * (1.0 + d->sigma_ec_rel * ferro_domain_quantile(i));
    return d->tau_inf_s * exp(merz_exponent(d, ec_i, fabs(e_V_per_m)));
}

double ferro_domains_rate(const ferro_domains *d, const double *p, double e_V_per_m, double *dp)
{
    pthread_once(&quantiles_once, make_quantiles);
    double sum = 0.0;
    if (e_V_per_m == 0.0) {
        for (size_t i = 0; i < FERRO_N_DOMAINS; i++)
            dp[i] = 0.0;
        return 0.0;
    }
    double target = e_V_per_m > 0 ? 1.0 : -1.0, e_abs = fabs(e_V_per_m);
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++) {
        double ec_i = d->e_c_V_per_m * (1.0 + d->sigma_ec_rel * quantiles[i]);
        if (d->kinetics == FERRO_PREISACH) {
            dp[i] = e_abs > ec_i ? (target - p[i]) / d->tau_inf_s : 0.0;
        } else {
            double z = merz_exponent(d, ec_i, e_abs);
            dp[i] = z > 700 ? 0.0 : (target - p[i]) * exp(-z) / d->tau_inf_s;
        }
        sum += dp[i];
    }
    return sum / FERRO_N_DOMAINS;
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

void ferro_domains_spice(const ferro_domains *d, const double *x0, const char *e_expr, strbuf *o)
{
    pthread_once(&quantiles_once, make_quantiles);
    double L = log(d->t_ref_s / (d->tau_inf_s * FERRO_LN2));
    strbuf_printf(o, ".func P() {" SPICE_G "*(", d->p_r_C_per_m2 / FERRO_N_DOMAINS);
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++)
        strbuf_printf(o, "%sV(s%zu)", i ? "+" : "", i);
    strbuf_puts(o, ")}\n");
    strbuf_printf(o, ".func E() {%s}\n", e_expr);
    strbuf_puts(o, ".func T() {E()>0 ? 1 : -1}\n");
    for (size_t i = 0; i < FERRO_N_DOMAINS; i++) {
        double ec_i = d->e_c_V_per_m * (1.0 + d->sigma_ec_rel * quantiles[i]);
        strbuf_printf(o, "Cs%zu s%zu 0 1 IC=" SPICE_G "\n", i, i, x0[i]);
        if (d->kinetics == FERRO_PREISACH)
            strbuf_printf(o, ".func D%zu() {abs(E())>" SPICE_G " ? (T()-V(s%zu))/" SPICE_G " : 0}\n", i, ec_i, i,
                          d->tau_inf_s);
        else /* the C code's cut-off, exponent > 700, is |E| below ec_i (L / 700)^(1/alpha) */
            strbuf_printf(o, ".func D%zu() {abs(E()) <= " SPICE_G " ? 0 : (T()-V(s%zu))*exp(-" SPICE_G "*pow(" SPICE_G
                          "/abs(E())," SPICE_G "))/" SPICE_G "}\n",
                          i, ec_i * pow(L / 700.0, 1.0 / d->merz_alpha), i, L, ec_i, d->merz_alpha, d->tau_inf_s);
        strbuf_printf(o, "Bs%zu 0 s%zu I=D%zu()\n", i, i, i);
    }
    strbuf_printf(o, ".func dPdt() {" SPICE_G "*(", d->p_r_C_per_m2 / FERRO_N_DOMAINS);
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


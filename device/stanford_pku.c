/* device/stanford_pku.c -- Stanford-PKU filamentary RRAM model (oxygen-vacancy filament gap).
 *
 * State: the tunnelling gap g between filament tip and electrode, and the local temperature T.
 *   current:   I = I0 exp(-g/g0) sinh(V/V0)
 *   gap:       dg/dt = -(vel0/2) [exp(-q Ea_set/kT) e^z - exp(-q Ea_reset/kT) e^-z],   z = gamma a0 q V / (t_ox k T)
 *              which for Ea_set = Ea_reset = Ea is the published -vel0 exp(-q Ea/kT) sinh(z)
 *   field:     gamma = gamma0 - beta (g/g1)^alpha;  gamma = 0 where gamma |V| / t_ox < F_min
 *              (NEEDS's hard gate; by default smoothed by a logistic of width 1 % of F_min, see below)
 *   heat:      dT/dt = (T_amb + |V I| R_th - T) / tau_th,  or T = T_amb + |V I| R_th for tau_th = 0
 *   noise:     optional Wiener term on g, sigma(T) = dg0 sqrt(t_ref) / (1 + exp((T_crit - T)/T_smth))
 *   g is bounded to [g_min, g_max].
 * Sources: Guan, Yu & Wong, "A SPICE compact model of metal oxide resistive switching memory with
 * variations", IEEE EDL 33(10), 1405 (2012); Jiang et al., "A compact model for metal-oxide resistive
 * random access memory with experiment verification", IEEE TED 63(5), 1884 (2016); defaults are the
 * Stanford NEEDS v1.0.0 set (I0 1 mA, g0 0.25 nm, V0 0.25 V, vel0 10 m/s, Ea 0.6 eV, a0 0.25 nm,
 * gamma0 16, beta 0.8, t_ox 12 nm, R_th 2.1 kK/W, F_min 1.4 GV/m, g in 0.2..1.7 nm, dg0 0.02,
 * T_crit 450 K, T_smth 500 K), as in MemTorch and the nanoHUB release.
 * Two deliberate differences from NEEDS v1.0.0, both documented in the config reference (a third,
 * the thermal time constant, is optional: tau_th = 0, the default, is NEEDS's steady state):
 *  - The F_min gate switches the gap motion off discontinuously; during RESET the gap then slides
 *    along the surface gamma(g)|V|/t_ox = F_min and every integrator chatters on it (1e8 steps in
 *    0.7 ms here).  By default the gate is a logistic of width f_min_width = 1 % of F_min; set 0 for
 *    the hard gate.
 *  - tau_th > 0 (the SkyWater/ASU cell's 0.23 ns) makes T a dynamic state relaxing to the steady
 *    state; with tau_th = 0 (default) T is algebraic, T = T_amb + |V I| R_th, exactly as NEEDS.  For
 *    stimuli slower than ~10 tau_th the two agree (tested); the steady form is not stiff.
 *  - NEEDS adds dg0 N(0,1) dt at every simulator step, which depends on the step; here the noise is a
 *    Wiener process with the same variance at the reference step t_ref (1 ns).
 * The SkyWater sky130 ReRAM / ASU variant is the same equations with Ea_set 1.501 eV, Ea_reset
 * 1.500 eV, vel0 300 m/s (its v1 = vel0/2 = 150 m/s), I0 61.4 uA, g0 0.2751 nm, V0 0.43 V, gamma0 16.5,
 * beta 1.25, t_ox 5 nm, R_th = tau/C_th = 7.227e5 K/W, F_min 0, g in 0.1..1.7 nm
 * (configs/device/stanford_pku_sky130.cfg).
 * Check value: defaults at g = 1 nm, V = 0.1 V: I = 1e-3 exp(-4) sinh(0.4) = 7.5231913e-6 A; at g = 0.2 nm,
 * V = 1.5 V, T = 300 K: gamma = 16 - 0.8*0.008 = 15.9936 (asserted in tests/test_device.c).
 */
#include "device/device.h"
#include "device/spice_util.h"
#include "core/status.h"

#include <math.h>

typedef struct spku_params {
    double i0_A;            /* current prefactor I0 */
    double g0_m;            /* current decay length of the gap */
    double v0_V;            /* I-V nonlinearity */
    double vel0_m_per_s;    /* gap velocity prefactor */
    double ea_set_eV;       /* activation energy of gap shrinking (vacancy generation, SET) */
    double ea_reset_eV;     /* activation energy of gap growth (recombination, RESET) */
    double a0_m;            /* atomic hopping distance */
    double gamma0;          /* field enhancement at zero gap */
    double beta;            /* field enhancement reduction */
    double alpha;           /* exponent of g/g1 */
    double g1_m;            /* normalising length of the gap */
    double t_ox_m;          /* oxide thickness */
    double f_min_V_per_m;   /* minimum field for gap motion */
    double f_min_width;     /* relative width of the smoothed F_min gate (0: hard, as NEEDS) */
    double r_th_K_per_W;    /* effective thermal resistance */
    double tau_th_s;        /* thermal time constant */
    double g_min_m, g_max_m;/* gap bounds */
    double g_init_m;        /* initial gap */
    int noise;              /* enable the stochastic gap term */
    double dg0_m_per_s;     /* noise amplitude dg0 (NEEDS deltaGap0) */
    double t_ref_s;         /* step at which the Wiener noise matches NEEDS */
    double t_crit_K;        /* noise activation temperature */
    double t_smth_K;        /* noise activation smoothness */
} spku_params;

static int spku_check(const void *v)
{
    const spku_params *p = v;
    if (!(p->g_min_m < p->g_max_m))
        return cim_error(CIM_ECONFIG, "g_min_m (%g) must be less than g_max_m (%g)", p->g_min_m, p->g_max_m);
    if (p->g_init_m < p->g_min_m || p->g_init_m > p->g_max_m)
        return cim_error(CIM_ECONFIG, "g_init_m (%g) must lie in [g_min_m, g_max_m] = [%g, %g]", p->g_init_m,
                         p->g_min_m, p->g_max_m);
    if (!(p->g_max_m < p->t_ox_m))
        return cim_error(CIM_ECONFIG, "g_max_m (%g) must be smaller than the oxide thickness t_ox_m (%g)", p->g_max_m,
                         p->t_ox_m);
    return CIM_OK;
}

#define NEEDS "[NEEDS v1.0.0]"
static const param_spec spku_spec[] = {
    PARAM_REAL_F(spku_params, i0_A, 1e-12, 1, 1e-3, "A", "current prefactor I0 " NEEDS),
    PARAM_REAL_F(spku_params, g0_m, 1e-12, 1e-8, 0.25e-9, "m", "current decay length g0 " NEEDS),
    PARAM_REAL_F(spku_params, v0_V, 1e-3, 10, 0.25, "V", "I-V nonlinearity V0 " NEEDS),
    PARAM_REAL_F(spku_params, vel0_m_per_s, 0, 1e6, 10, "m/s", "gap velocity prefactor vel0 " NEEDS),
    PARAM_REAL_F(spku_params, ea_set_eV, 0, 5, 0.6, "eV", "activation energy of gap shrinking " NEEDS),
    PARAM_REAL_F(spku_params, ea_reset_eV, 0, 5, 0.6, "eV", "activation energy of gap growth " NEEDS),
    PARAM_REAL_F(spku_params, a0_m, 1e-12, 1e-8, 0.25e-9, "m", "atomic hopping distance a0 " NEEDS),
    PARAM_REAL_F(spku_params, gamma0, 0, 1e3, 16, "1", "field enhancement gamma0 " NEEDS),
    PARAM_REAL_F(spku_params, beta, 0, 1e3, 0.8, "1", "field enhancement reduction beta " NEEDS),
    PARAM_REAL_F(spku_params, alpha, 0, 10, 3, "1", "exponent alpha of g/g1 " NEEDS),
    PARAM_REAL_F(spku_params, g1_m, 1e-12, 1e-6, 1e-9, "m", "normalising gap length g1 " NEEDS),
    PARAM_REAL_F(spku_params, t_ox_m, 1e-10, 1e-6, 12e-9, "m", "oxide thickness " NEEDS),
    PARAM_REAL_F(spku_params, f_min_V_per_m, 0, 1e12, 1.4e9, "V/m", "minimum field for gap motion F_min " NEEDS),
    PARAM_REAL_F(spku_params, f_min_width, 0, 1, 0.01, "1",
                 "F_min gate smoothed over this fraction of F_min (0 = the hard NEEDS gate, which makes the RESET a "
                 "discontinuous sliding motion that integrators chatter on)"),
    PARAM_REAL_F(spku_params, r_th_K_per_W, 0, 1e9, 2.1e3, "K/W", "effective thermal resistance R_th " NEEDS),
    PARAM_REAL_F(spku_params, tau_th_s, 0, 1, 0, "s",
                 "thermal time constant; 0 = steady state T = T_amb + |V I| R_th as in NEEDS (0.23 ns in the sky130 cell)"),
    PARAM_REAL_F(spku_params, g_min_m, 0, 1e-8, 0.2e-9, "m", "smallest gap (LRS) " NEEDS),
    PARAM_REAL_F(spku_params, g_max_m, 0, 1e-8, 1.7e-9, "m", "largest gap (HRS) " NEEDS),
    PARAM_REAL_F(spku_params, g_init_m, 0, 1e-8, 0.2e-9, "m", "initial gap " NEEDS),
    PARAM_BOOL_F(spku_params, noise, 0, "enable the stochastic gap fluctuation (fixed-step path only)"),
    PARAM_REAL_F(spku_params, dg0_m_per_s, 0, 1e3, 0.02, "m/s", "gap noise amplitude deltaGap0 " NEEDS),
    PARAM_REAL_F(spku_params, t_ref_s, 1e-15, 1, 1e-9, "s", "step at which the Wiener noise has NEEDS's variance"),
    PARAM_REAL_F(spku_params, t_crit_K, 0, 5000, 450, "K", "noise activation temperature T_crit " NEEDS),
    PARAM_REAL_F(spku_params, t_smth_K, 1e-3, 5000, 500, "K", "noise activation smoothness T_smth " NEEDS),
    PARAM_END,
};
#undef NEEDS

static const param_group spku_group = {
    .path = "device.stanford_pku",
    .doc = "Stanford-PKU filamentary RRAM (Guan, Yu & Wong, IEEE EDL 2012; Jiang et al., IEEE TED 2016): the "
           "gap g between filament and electrode sets the tunnelling current; Joule heating with R_th and "
           "tau_th sets the local temperature. Defaults: NEEDS v1.0.0; configs/device/stanford_pku_sky130.cfg "
           "holds the higher-resistance SkyWater/ASU set.",
    .params = spku_spec,
    .size = sizeof(spku_params),
    .check = spku_check,
};

static const device_var spku_state[] = {{"g_m", "m", 1e-9}, {"T_K", "K", 1.0}};

static void spku_bounds(const void *v, double *lo, double *hi)
{
    const spku_params *p = v;
    lo[0] = p->g_min_m;
    hi[0] = p->g_max_m;
    lo[1] = 1.0;    /* temperature: a floor that keeps kT > 0 in trial states */
    hi[1] = 1e5;
}

static void spku_init(const void *v, double T_K, double *x)
{
    x[0] = ((const spku_params *)v)->g_init_m;
    x[1] = T_K; /* the cell starts at ambient temperature */
}

static double spku_current(const void *v, const double *x, double v_V)
{
    const spku_params *p = v;
    return p->i0_A * exp(-x[0] / p->g0_m) * sinh(v_V / p->v0_V);
}

static double spku_gamma(const spku_params *p, double g, double v_V)
{
    double gamma = p->gamma0 - p->beta * pow(g / p->g1_m, p->alpha);
    double field = gamma * fabs(v_V) / p->t_ox_m;
    if (p->f_min_V_per_m <= 0.0)
        return gamma; /* no gate */
    if (p->f_min_width <= 0.0)
        return field < p->f_min_V_per_m ? 0.0 : gamma;
    /* Logistic step of width f_min_width * F_min, centred so that it reaches 1/2 at F_min. */
    return gamma / (1.0 + exp(-(field - p->f_min_V_per_m) / (p->f_min_width * p->f_min_V_per_m)));
}

static void spku_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    const spku_params *p = v;
    double g = x[0], T = x[1];
    double kT = DEVICE_KB_J_PER_K * T;
    double z = spku_gamma(p, g, v_V) * p->a0_m * DEVICE_Q_C * v_V / (p->t_ox_m * kT);
    dx[0] = -0.5 * p->vel0_m_per_s *
            (exp(-DEVICE_Q_C * p->ea_set_eV / kT + z) - exp(-DEVICE_Q_C * p->ea_reset_eV / kT - z));
    double i = spku_current(v, x, v_V);
    dx[1] = p->tau_th_s > 0 ? (T_K + fabs(v_V * i) * p->r_th_K_per_W - T) / p->tau_th_s : 0.0;
}

/* With tau_th = 0 the temperature is algebraic: the steady state of the heat balance (NEEDS). */
static void spku_algebraic(const void *v, double *x, double v_V, double T_K)
{
    const spku_params *p = v;
    if (p->tau_th_s <= 0)
        x[1] = T_K + fabs(v_V * spku_current(v, x, v_V)) * p->r_th_K_per_W;
}

static void spku_noise(const void *v, const double *x, double v_V, double T_K, double *sigma)
{
    const spku_params *p = v;
    (void)T_K;
    sigma[0] = 0.0;
    sigma[1] = 0.0;
    if (p->noise && v_V != 0.0) /* NEEDS: fluctuation only while biased */
        sigma[0] = p->dg0_m_per_s * sqrt(p->t_ref_s) / (1.0 + exp((p->t_crit_K - x[1]) / p->t_smth_K));
}

static void spku_spice(const void *v, const double *x0, double T_K, strbuf *o)
{
    const spku_params *p = v;
    const double s = 1e-9; /* gap node in nm */
    const double kq = DEVICE_KB_J_PER_K / DEVICE_Q_C; /* kT/q = kq T, volts */
    strbuf_puts(o, ".subckt stanford_pku p n\n");
    strbuf_printf(o, "Cs0 s0 0 1 IC=" SPICE_G "\n", x0[0] / s);
    if (p->tau_th_s > 0)
        strbuf_printf(o, "Cs1 s1 0 1 IC=" SPICE_G "\n", x0[1]);
    strbuf_printf(o, ".func CUR() {" SPICE_G "*exp(-V(s0)/" SPICE_G ")*sinh(V(p,n)/" SPICE_G ")}\n", p->i0_A,
                  p->g0_m / s, p->v0_V);
    strbuf_puts(o, "Bm p n I=CUR()\n");
    strbuf_printf(o, ".func GAM0() {" SPICE_G "-" SPICE_G "*pow(V(s0)/" SPICE_G "," SPICE_G ")}\n", p->gamma0, p->beta,
                  p->g1_m / s, p->alpha);
    if (p->f_min_V_per_m <= 0.0)
        strbuf_puts(o, ".func GAM() {GAM0()}\n");
    else if (p->f_min_width <= 0.0)
        strbuf_printf(o, ".func GAM() {GAM0()*abs(V(p,n))/" SPICE_G "<" SPICE_G " ? 0 : GAM0()}\n", p->t_ox_m,
                      p->f_min_V_per_m);
    else
        strbuf_printf(o, ".func GAM() {GAM0()/(1+exp(-(GAM0()*abs(V(p,n))/" SPICE_G "-" SPICE_G ")/" SPICE_G "))}\n",
                      p->t_ox_m, p->f_min_V_per_m, p->f_min_width * p->f_min_V_per_m);
    strbuf_printf(o, ".func Z() {GAM()*" SPICE_G "*V(p,n)/(" SPICE_G "*" SPICE_G "*V(s1))}\n", p->a0_m, p->t_ox_m, kq);
    strbuf_printf(o,
                  ".func D() {" SPICE_G "*(exp(-" SPICE_G "/(" SPICE_G "*V(s1))+Z())-exp(-" SPICE_G "/(" SPICE_G
                  "*V(s1))-Z()))}\n",
                  -0.5 * p->vel0_m_per_s / s, p->ea_set_eV, kq, p->ea_reset_eV, kq);
    spice_bounded_rate(o, 0, "D()", p->g_min_m / s, p->g_max_m / s);
    if (p->tau_th_s > 0)
        strbuf_printf(o, "Bs1 0 s1 I=(" SPICE_G "+abs(V(p,n)*CUR())*" SPICE_G "-V(s1))/" SPICE_G "\n", T_K,
                      p->r_th_K_per_W, p->tau_th_s);
    else /* steady state: the temperature node is a voltage, T_amb + |V I| R_th */
        strbuf_printf(o, "Rs1 s1 0 1e12\nBs1t s1 0 V=" SPICE_G "+abs(V(p,n)*CUR())*" SPICE_G "\n", T_K, p->r_th_K_per_W);
    strbuf_puts(o, ".ends stanford_pku\n");
}

const device_type device_stanford_pku = {
    .name = "stanford_pku",
    .title = "Stanford-PKU filamentary RRAM (gap dynamics with Joule heating)",
    .citation = "Guan, Yu & Wong, IEEE EDL 33(10), 1405 (2012); Jiang et al., IEEE TED 63(5), 1884 (2016)",
    .params = &spku_group,
    .n_state = 2,
    .state = spku_state,
    .bounds = spku_bounds,
    .init = spku_init,
    .dxdt = spku_dxdt,
    .current_A = spku_current,
    .algebraic = spku_algebraic,
    .noise = spku_noise,
    .spice = spku_spice,
};

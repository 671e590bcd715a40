/* device/feram.c -- ferroelectric capacitor (FeRAM, metal / HZO / metal), multi-domain model.
 *
 * State: the normalised polarization p_i of FERRO_N_DOMAINS domains (device/ferro.h: Gaussian Preisach
 * density of coercive fields, nucleation-limited switching with the generalised Merz law).
 *   field:     E = v / t_fe (metal electrodes: no depolarization field)
 *   switching: dp_i/dt = (sgn E - p_i) / tau_i(E),  tau_i = tau_inf exp((E_a,i / |E|)^alpha)
 *   current:   i = A dP/dt, P = P_r mean(p_i): the switching (polarization) current.  The displacement
 *              current of the linear background permittivity, eps0 eps_fe A / t_fe dv/dt, is reactive and
 *              is not part of the model's current, exactly as a PUND measurement subtracts it; the total
 *              charge per area is P + eps0 eps_fe E (reported by tests and plots that need the P-V loop).
 *   energy:    integral v i dt = A t_fe integral E dP, the loop area: the energy dissipated by switching.
 * Sources: Merz, Phys. Rev. 95, 690 (1954); Tagantsev et al., Phys. Rev. B 66, 214109 (2002) (NLS);
 * Deng et al., VLSI 2020, FeFET/MFM Verilog-A models [Deng-FeFET-VA] (per-domain Merz law, alpha, tau_0,
 * spread); HZO values P_r, E_c [Schroeder-HfO2]; eps_fe 28 [Deng-FeFET-VA].  Thickness and area are
 * illustrative (10 nm, 1 um^2).
 * Check value: defaults, all domains at -1, a rectangular pulse of t_ref = 1 us at E_c (1 V across 10 nm)
 * switches the median domains halfway (tests/test_ferro.c).
 */
#include "core/status.h"
#include "device/device.h"
#include "device/ferro.h"

#include <math.h>
#include <stdio.h>

typedef struct feram_params {
    ferro_domains dom;
    double eps_fe;    /* background relative permittivity */
    double t_fe_m;    /* film thickness */
    double area_m2;   /* capacitor area */
} feram_params;

static int feram_check(const void *v) { return ferro_domains_check(&((const feram_params *)v)->dom); }

static const param_spec feram_spec[] = {
    FERRO_DOMAIN_SPECS(feram_params),
    PARAM_REAL_F(feram_params, eps_fe, 1, 1000, 28, "1", "background relative permittivity of HZO [Deng-FeFET-VA]"),
    PARAM_REAL_F(feram_params, t_fe_m, 1e-9, 1e-5, 10e-9, "m", "ferroelectric thickness (illustrative; HZO 7-30 nm [Schroeder-HfO2])"),
    PARAM_REAL_F(feram_params, area_m2, 1e-18, 1e-4, 1e-12, "m^2", "capacitor area (illustrative, 1 um^2)"),
    PARAM_END,
};

static const param_group feram_group = {
    .path = "device.feram",
    .doc = "Ferroelectric capacitor (FeRAM), multi-domain: Gaussian Preisach density of coercive fields with "
           "nucleation-limited (Merz-law) switching of each domain.",
    .params = feram_spec,
    .size = sizeof(feram_params),
    .check = feram_check,
};

static void feram_bounds(const void *v, double *lo, double *hi)
{
    (void)v;
    ferro_domains_bounds(lo, hi, FERRO_N_DOMAINS);
}

static void feram_init(const void *v, double T_K, double *x)
{
    (void)T_K;
    ferro_domains_init(&((const feram_params *)v)->dom, x);
}

static void feram_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    (void)T_K;
    const feram_params *p = v;
    ferro_domains_rate(&p->dom, x, v_V / p->t_fe_m, dx);
}

static void feram_condition(void *v, double T_K, double cycles)
{
    ferro_domains_condition(&((feram_params *)v)->dom, T_K, cycles);
}

static double feram_current(const void *v, const double *x, double v_V)
{
    const feram_params *p = v;
    double dp[FERRO_N_DOMAINS];
    return p->area_m2 * ferro_domains_rate(&p->dom, x, v_V / p->t_fe_m, dp);
}

static void feram_spice(const void *v, const double *x0, double T_K, strbuf *o)
{
    (void)T_K;
    const feram_params *p = v;
    char e[64];
    snprintf(e, sizeof e, "V(p,n)/%.17g", p->t_fe_m);
    strbuf_puts(o, ".subckt feram p n\n");
    ferro_domains_spice(&p->dom, x0, e, o);
    strbuf_printf(o, "Bm p n I=%.17g*dPdt()\n.ends feram\n", p->area_m2);
}

/* The polarization P = P_r,eff mean(p_i) (at T, after fatigue), the P of the P-V loop (without the background eps0 eps_fe E, as i). */
static double feram_polarization(const void *v, const double *x)
{
    return ferro_domains_P(&((const feram_params *)v)->dom, x);
}

const device_type device_feram = {
    .name = "feram",
    .title = "ferroelectric capacitor (FeRAM), multi-domain Preisach ensemble with nucleation-limited Merz switching",
    .citation = "Merz, Phys. Rev. 95, 690 (1954); Tagantsev et al., Phys. Rev. B 66, 214109 (2002); Deng et al., "
                "VLSI 2020 (multi-domain Verilog-A); HZO: Schroeder et al. (P_r, E_c)",
    .params = &feram_group,
    .n_state = FERRO_N_DOMAINS,
    .state = ferro_domain_state,
    .bounds = feram_bounds,
    .init = feram_init,
    .dxdt = feram_dxdt,
    .current_A = feram_current,
    .n_memory = FERRO_N_DOMAINS,
    .reactive = 1, /* a capacitor: with internal bias fields (wake-up) domains relax and drive current at 0 V */
    .condition = feram_condition,
    .spice = feram_spice,
    /* reltol 1e-7, not spice.c's 1e-10: 32 domains each switching in its own narrow field range cost ngspice
     * 3x the steps at 1e-10 (34 s against 9 s for configs/device/feram_wakeup.cfg) for nothing a comparison
     * sees: the example loops agree with cimsim to 6e-6 of the peak current at 1e-7 as at 1e-10 (2e-7). */
    .spice_options = "reltol=1e-7",
    .observable = {"P_C_per_m2", "C/m^2", feram_polarization},
};

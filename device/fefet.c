/* device/fefet.c -- ferroelectric field-effect transistor (HZO FeFET), multi-domain model.
 *
 * State: the normalised polarization p_i of FERRO_N_DOMAINS domains in the gate ferroelectric (device/ferro.h:
 * Gaussian Preisach density, nucleation-limited Merz switching).  The device is programmed through its gate
 * and read through its channel:
 *   write (v = gate voltage, source and drain grounded): the ferroelectric field from the stack's charge
 *              balance, E_fe = (C_il v - P) / ((C_fe + C_il) t_fe), P = P_r mean(p_i), whose -P term is the
 *              depolarization field: after a pulse it back-switches the weakest domains, so the retained
 *              polarization, and with it the window, saturates near E_c (C_fe + C_il) t_fe (docs/parameters.md);
 *              current_A is the gate current A_g dQ_g/dt = A_g C_il / (C_fe + C_il) dP/dt (the linear
 *              charging current C_g dv/dt is reactive and left out, as in device/feram.c);
 *   read (read_A, v = drain-source voltage, gate at v_gs_read): I_D from the EKV model at
 *              V_T = V_T0 - P / C_fe = V_T0 - P t_fe / (eps0 eps_fe), plus a leakage conductance g_leak
 *              (junction and gate leakage floor of a real cell).  The memory window of a retained +-P is
 *              2 P t_fe / (eps0 eps_fe).
 * Endurance of the transistor, beyond the film's wake-up and fatigue (ferro.h): HZO FeFETs on silicon lose
 * their memory window after ~1e4-1e6 program/erase cycles while the ferroelectric itself still switches
 * ([FeFET-endurance-paradox]: the same degraded stack shows full polarization switching; [JOS-FeFET-fatigue]
 * review: endurance typically 1e4-1e6 cycles), because cycling generates traps at the Si/SiO2 interlayer whose
 * charge, trapped in the direction that opposes each programmed state, screens the polarization from the
 * channel [Yurchuk-trapping]; the cell finally fails by interlayer breakdown (5e6 cycles in [Ni-HZO-FeFET]).
 * Modelled as a screened fraction of the polarization's threshold shift that grows with the cycle count N,
 *   V_T = V_T0 - (1 - f_trap(N)) P / C_fe,   f_trap(N) = 1 - exp(-(N / n_trap_cycles)^trap_beta),
 * and f_trap = 1 (no window) from n_breakdown_cycles on.  The read sees the screened sheet; the polarization
 * (the P-V loop, the gate current) is the ferroelectric's own and keeps switching.  The stretched exponential is
 * the usual form of trap generation under stress; its two constants are illustrative, placed inside the
 * published 1e4-1e6 range.  0 turns either mechanism off (the default: a device with no cycling history).
 * The depolarization term makes the gate current nonzero at zero gate bias while domains back-switch, so
 * the model is marked reactive.  The interlayer is taken with an inverted or accumulated channel behind it
 * (C_il alone, no depletion capacitance): right during writes, an approximation at rest.
 * Sources: multi-domain FeFET of Deng et al., VLSI 2020 [Deng-FeFET-VA] (1 nm SiO2 interlayer, eps_fe 28,
 * mu 50 cm^2/Vs, Merz-law tau_0, alpha and domain spread); EKV: Enz, Krummenacher & Vittoz, Analog Integr.
 * Circ. Sig. Proc. 8, 83 (1995); HZO P_r, E_c [Schroeder-HfO2]; 5 nm film as the 4.5 nm Zr:HfO2 FeFET of
 * [Tan-FeFET] (MW ~ 1 V).  V_T0, n, W, L and g_leak are illustrative.
 * Endurance references: [Yurchuk-trapping] E. Yurchuk et al., "Charge-trapping phenomena in HfO2-based
 * FeFET-type nonvolatile memories", IEEE TED 63(9) (2016); [Ni-HZO-FeFET] K. Ni et al., "Critical role of
 * interlayer in Hf0.5Zr0.5O2 ferroelectric FET nonvolatile memory performance", IEEE TED 65(6) (2018);
 * [FeFET-endurance-paradox] "Endurance paradox in hafnium-oxide-based silicon-channel ferroelectric
 * transistors", Fraunhofer (2026), publica.fraunhofer.de/handle/publica/517559; [JOS-FeFET-fatigue] review of
 * HfO2 FeFET fatigue, J. Semicond., doi:10.1088/1674-4926/24100010.
 */
#include "core/status.h"
#include "device/device.h"
#include "device/ferro.h"

#include <math.h>

typedef struct fefet_params {
    ferro_domains dom;
    double eps_fe;
    double t_fe_m;
    double eps_il;
    double t_il_m;
    double vt0_V;
    double n_slope;
    double mu_m2_per_Vs;
    double w_m;
    double l_m;
    double v_gs_read_V;
    double g_leak_S;
    double n_trap_cycles;      /* trapped-charge screening: f_trap reaches 1 - 1/e at this cycle count; 0: none */
    double trap_beta;          /* stretch exponent of f_trap(N) */
    double n_breakdown_cycles; /* interlayer breakdown: no window from this cycle count on; 0: never */
    double f_trap;             /* derived (fefet_condition): the screened fraction at the device's cycle count */
} fefet_params;

static int fefet_check(const void *v) { return ferro_domains_check(&((const fefet_params *)v)->dom); }

static const param_spec fefet_spec[] = {
    FERRO_DOMAIN_SPECS(fefet_params),
    PARAM_REAL_F(fefet_params, eps_fe, 1, 1000, 28, "1", "background relative permittivity of HZO [Deng-FeFET-VA]"),
    PARAM_REAL_F(fefet_params, t_fe_m, 1e-9, 1e-6, 5e-9, "m", "ferroelectric thickness (4.5 nm Zr:HfO2 [Tan-FeFET])"),
    PARAM_REAL_F(fefet_params, eps_il, 1, 100, 3.9, "1", "interlayer relative permittivity (SiO2 [Deng-FeFET-VA])"),
    PARAM_REAL_F(fefet_params, t_il_m, 1e-10, 1e-7, 1e-9, "m", "interlayer thickness, 1 nm [Deng-FeFET-VA]"),
    PARAM_REAL_F(fefet_params, vt0_V, -5, 5, 0.5, "V", "threshold voltage at zero polarization (illustrative)"),
    PARAM_REAL_F(fefet_params, n_slope, 1, 5, 1.3, "1", "subthreshold slope factor (illustrative: 77 mV/dec at 300 K)"),
    PARAM_REAL_F(fefet_params, mu_m2_per_Vs, 1e-5, 1, 5e-3, "m^2/(V s)", "channel mobility, 50 cm^2/Vs [Deng-FeFET-VA]"),
    PARAM_REAL_F(fefet_params, w_m, 1e-9, 1e-3, 100e-9, "m", "channel width (illustrative)"),
    PARAM_REAL_F(fefet_params, l_m, 1e-9, 1e-3, 100e-9, "m", "channel length (illustrative)"),
    PARAM_REAL_F(fefet_params, v_gs_read_V, -5, 5, 0.5, "V", "gate bias during a read (inside the window, below the coercive voltage)"),
    PARAM_REAL_F(fefet_params, g_leak_S, 0, 1, 1e-10, "S", "drain leakage floor in parallel with the channel (illustrative)"),
    PARAM_REAL_F(fefet_params, n_trap_cycles, 0, 1e18, 0, "1",
                 "endurance: charge trapped at the interlayer screens a fraction f = 1 - exp(-(N/n_trap_cycles)^trap_beta) "
                 "of the polarization's threshold shift after N cycles, closing the memory window while the film still "
                 "switches [Yurchuk-trapping], [FeFET-endurance-paradox]; FeFET windows close after 1e4-1e6 cycles "
                 "[JOS-FeFET-fatigue]; 0 = no trapping"),
    PARAM_REAL_F(fefet_params, trap_beta, 0.05, 10, 1, "1", "endurance: stretch exponent of the trapping law (illustrative)"),
    PARAM_REAL_F(fefet_params, n_breakdown_cycles, 0, 1e18, 0, "1",
                 "endurance: interlayer breakdown, no memory window from this cycle count on (5e6 cycles [Ni-HZO-FeFET]); "
                 "0 = never"),
    PARAM_END,
};

static const param_group fefet_group = {
    .path = "device.fefet",
    .doc = "Ferroelectric FET (HZO), multi-domain gate ferroelectric with depolarization; read by an EKV MOSFET "
           "whose threshold the polarization shifts.",
    .params = fefet_spec,
    .size = sizeof(fefet_params),
    .check = fefet_check,
};

static double c_fe(const fefet_params *p) { return FERRO_EPS0 * p->eps_fe / p->t_fe_m; }
static double c_il(const fefet_params *p) { return FERRO_EPS0 * p->eps_il / p->t_il_m; }

/* The ferroelectric field at gate voltage v and polarization P (charge balance of the stack). */
static double e_fe(const fefet_params *p, double P, double v)
{
    return (c_il(p) * v - P) / ((c_fe(p) + c_il(p)) * p->t_fe_m);
}

static void fefet_bounds(const void *v, double *lo, double *hi)
{
    (void)v;
    ferro_domains_bounds(lo, hi, FERRO_N_DOMAINS);
}

static void fefet_init(const void *v, double T_K, double *x)
{
    (void)T_K;
    ferro_domains_init(&((const fefet_params *)v)->dom, x);
}

static void fefet_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    (void)T_K;
    const fefet_params *p = v;
    double P = ferro_domains_P(&p->dom, x);
    ferro_domains_rate(&p->dom, x, e_fe(p, P, v_V), dx);
}

/* The screened fraction of the polarization's threshold shift after `cycles` cycles (NAN: none yet). */
static double fefet_trap_fraction(const fefet_params *p, double cycles)
{
    if (!(cycles > 0))
        return 0.0;
    if (p->n_breakdown_cycles > 0 && cycles >= p->n_breakdown_cycles)
        return 1.0;
    if (p->n_trap_cycles <= 0)
        return 0.0;
    return -expm1(-pow(cycles / p->n_trap_cycles, p->trap_beta));
}

static void fefet_condition(void *v, double T_K, double cycles)
{
    fefet_params *p = v;
    ferro_domains_condition(&p->dom, T_K, cycles);
    p->f_trap = fefet_trap_fraction(p, cycles);
}

static double fefet_current(const void *v, const double *x, double v_V)
{
    const fefet_params *p = v;
    double dp[FERRO_N_DOMAINS];
    double P = ferro_domains_P(&p->dom, x);
    double dPdt = ferro_domains_rate(&p->dom, x, e_fe(p, P, v_V), dp);
    return p->w_m * p->l_m * c_il(p) / (c_fe(p) + c_il(p)) * dPdt;
}

/* Drain current at V_ds = v_V, gate at v_gs_read, at the device's temperature (temp_ref_K unconditioned):
 * the thermal voltage sets the subthreshold slope; mobility and V_T0 are taken as temperature-independent. */
static double fefet_read(const void *v, const double *x, double v_V)
{
    const fefet_params *p = v;
    double P = ferro_domains_P(&p->dom, x);
    double vt = p->vt0_V - (1.0 - p->f_trap) * P / c_fe(p);
    double cg = c_fe(p) * c_il(p) / (c_fe(p) + c_il(p));
    double T = p->dom.conditioned ? p->dom.T_K : p->dom.temp_ref_K;
    double phi_t = DEVICE_KB_J_PER_K * T / DEVICE_Q_C;
    double i_spec = 2.0 * p->n_slope * p->mu_m2_per_Vs * cg * (p->w_m / p->l_m) * phi_t * phi_t;
    return ferro_ekv_id_A(p->v_gs_read_V, v_V, vt, p->n_slope, i_spec, T) + p->g_leak_S * v_V;
}

/* The gate polarization P = P_r,eff mean(p_i) (at T, after fatigue), the P of the P-V_g loop. */
static double fefet_polarization(const void *v, const double *x)
{
    return ferro_domains_P(&((const fefet_params *)v)->dom, x);
}

const device_type device_fefet = {
    .name = "fefet",
    .title = "ferroelectric FET (HZO), multi-domain gate with depolarization, EKV channel read",
    .citation = "Deng et al., VLSI 2020 (multi-domain FeFET Verilog-A); Merz, Phys. Rev. 95, 690 (1954); Tagantsev "
                "et al., PRB 66, 214109 (2002); EKV: Enz, Krummenacher & Vittoz (1995); HZO: Schroeder et al.; Tan "
                "et al. (4.5 nm FeFET)",
    .params = &fefet_group,
    .n_state = FERRO_N_DOMAINS,
    .state = ferro_domain_state,
    .bounds = fefet_bounds,
    .init = fefet_init,
    .dxdt = fefet_dxdt,
    .current_A = fefet_current,
    .read_A = fefet_read,
    .n_memory = FERRO_N_DOMAINS,
    .reactive = 1,
    .condition = fefet_condition,
    .observable = {"P_C_per_m2", "C/m^2", fefet_polarization},
    /* No SPICE form: the netlist of 32 domains coupled through the depolarization field ran for more than
     * 10 minutes in ngspice 39 on a 2-period sine without finishing, so it is not offered unverified. */
};

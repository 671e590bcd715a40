/* device/ferro.h -- what the ferroelectric models share: the multi-domain (Preisach / nucleation-limited
 * switching) polarization ensemble, and the FeFET's gate stack and MOSFET.  The models themselves are
 * device/feram.c (capacitor), device/fefet.c (transistor) and device/feram_lk.c (single domain,
 * Landau-Khalatnikov).
 *
 * Domain ensemble.  The film is N = FERRO_N_DOMAINS groups of grains ("domains") of equal weight; domain i
 * holds the normalised polarization p_i in [-1, 1], so P = P_r mean(p_i).  Each domain has its own coercive
 * field E_c,i = E_c (1 + sigma_rel z_i), z_i the (i + 1/2)/N quantiles of the standard normal distribution:
 * the deterministic discretisation of a Gaussian Preisach density (docs/parameters.md; [Deng-FeFET-VA] draws
 * the activation voltages from N(2.3 V, 0.4 V), i.e. sigma_rel = 0.17).  Switching is nucleation-limited,
 * first order in each domain, with the generalised Merz law for its time constant:
 *     dp_i/dt = (sgn E - p_i) / tau_i(E),   tau_i(E) = tau_inf exp((E_a,i / |E|)^alpha)
 * (Merz, Phys. Rev. 95, 690 (1954): alpha = 1; Deng et al., VLSI 2020 [Deng-FeFET-VA]: alpha = 3, tau_0 =
 * 19 ns for HZO).  The activation field E_a,i is set so that E_c,i is the coercive field at the reference
 * switching time t_ref: a rectangular pulse of width t_ref at E_c,i switches domain i halfway,
 *     tau_i(E_c,i) = t_ref / ln 2   =>   E_a,i = E_c,i ln(t_ref / (tau_inf ln 2))^(1/alpha).
 * The ensemble is the nucleation-limited-switching picture of Tagantsev et al., PRB 66, 214109 (2002): a
 * broad distribution of local switching times (here from the spread of E_c,i) gives a switched fraction
 * that grows with log t, and under a slow sweep each domain acts as a Preisach hysteron switching near
 * its own coercive field, so minor loops nest inside the major loop.  The Avrami exponent of each domain
 * is 1 (a domain's switched part grows as 1 - exp(-t/tau)); a larger exponent needs a hidden state per
 * domain and is left out.  Nucleation-limited switching accumulates: repeated sub-coercive pulses keep
 * switching (the accumulative switching of HZO), so a minor loop closes only in the slow-sweep limit.  The
 * alternative kinetics "preisach" is the rate-independent limit: domain i relaxes to sgn E with time
 * constant tau_inf while |E| > E_c,i and holds otherwise, the classical Preisach model with its return-point
 * memory and wiping-out (Mayergoyz, Mathematical Models of Hysteresis, 1991).
 *
 * Wake-up, fatigue, temperature (set per device by ferro_domains_condition, from its ambient temperature and
 * switching-cycle count, device/variability.h):
 *  - wake-up: a pristine HfO2 film shows a pinched loop, read as domains carrying internal bias fields of
 *    both signs (the "split-up" of the switching-current peak, Schenk et al., ACS Appl. Mater. Interfaces 7,
 *    20224 (2015) [Schenk-bias]); field cycling redistributes the defects and the bias fades, opening the
 *    loop (Zhou et al., Appl. Phys. Lett. 103, 192904 (2013) [Zhou-wakeup]; Pesic et al., Adv. Funct. Mater.
 *    26, 4601 (2016)).  Here half the domains feel E + E_b(N), the other half E - E_b(N), with
 *    E_b(N) = e_bias exp(-N / n_wake_cycles) (the exponential is phenomenological; measured wake-up also
 *    depends on the cycling field and frequency, which this per-cycle form does not follow).  The signs go
 *    + - - + over consecutive domains, so the two halves have the same coercive fields to first order.
 *  - fatigue: domains pin and stop switching; pinned domains are taken as unpolarized on average, so P_r, the
 *    switching charge and the FeFET window shrink symmetrically about zero (unlike the RRAM window closure
 *    of variability.endurance, which closes from the ON side).  The pinned fraction is
 *    f(N) = fatigue_loss_per_decade log10(N / fatigue_onset_cycles) past the onset, at most 1: log-linear,
 *    the form of published fatigue curves (2P_r 27 -> 6 uC/cm^2 after 1e11 cycles in sub-5 nm HZO
 *    [Lyu-HZO]), a fit, not a mechanism.
 *  - temperature: switching is thermally activated nucleation, tau = tau_inf exp(U(E) / kT) with the
 *    barrier U proportional to E^-alpha, so (E_a / E)^alpha scales as 1/T and the activation field as
 *    E_a(T) = E_a(T_ref) (T_ref / T)^(1/alpha) (derived; Merz (1954) measured the activation field of BaTiO3
 *    falling as T rises).  At a fixed t_ref the coercive field scales the same way: E_c(T) = E_c (T_ref/T)^(1/alpha),
 *    for both kinetics.  With curie_K set, P_r(T) = P_r sqrt((T_C - T) / (T_C - T_ref)) (Landau mean field;
 *    zero above T_C).
 *
 * FeFET gate stack (metal / ferroelectric / interlayer / silicon).  With the interlayer (and an inverted
 * or accumulated channel) as a linear capacitance C_is = eps0 eps_il / t_il per area, the ferroelectric as
 * C_fe = eps0 eps_fe / t_fe plus the polarization sheet P, charge balance gives the ferroelectric field
 *     E_fe = (C_is V_g - P) / ((C_fe + C_is) t_fe),
 * whose -P term is the depolarization field that limits the retained polarization, and the threshold
 * voltage shift of a fixed polarization sheet in the gate dielectric,
 *     V_T = V_T0 - P / C_fe = V_T0 - P t_fe / (eps0 eps_fe),
 * so the memory window of a retained +-P is 2 P t_fe / (eps0 eps_fe) (docs/parameters.md, FeFET: the
 * depolarization field keeps the retained P near the coercive field, which is why measured windows are ~2 E_c t_fe).
 * Drain current: the EKV interpolation (Enz, Krummenacher & Vittoz 1995), valid from weak to strong
 * inversion, linear and saturation:
 *     I_D = I_spec [F((V_gs - V_T) / (n phi_t)) - F((V_gs - V_T - n V_ds) / (n phi_t))],
 *     F(u) = ln^2(1 + e^(u/2)),  I_spec = 2 n mu C_g (W/L) phi_t^2,  C_g = C_fe C_is / (C_fe + C_is).
 */
#ifndef CIM_DEVICE_FERRO_H
#define CIM_DEVICE_FERRO_H

#include "core/param.h"
#include "core/strbuf.h"
#include "device/device.h"

#include <stddef.h>

#define FERRO_N_DOMAINS 32
#define FERRO_EPS0 8.8541878128e-12 /* F/m, CODATA 2018 */
#define FERRO_LN2 0.69314718055994530942

/* The domain ensemble's parameters, embedded in each multi-domain model's parameter block. */
enum { FERRO_NLS, FERRO_PREISACH };
extern const char *const ferro_kinetics_names[];

typedef struct ferro_domains {
    int kinetics;          /* FERRO_NLS or FERRO_PREISACH */
    double p_r_C_per_m2;   /* remanent polarization (every domain switched) */
    double e_c_V_per_m;    /* median coercive field at t_ref */
    double sigma_ec_rel;   /* relative spread of the domains' coercive fields */
    double t_ref_s;        /* switching time at which E_c is defined */
    double tau_inf_s;      /* Merz prefactor */
    double merz_alpha;     /* exponent of the generalised Merz law (1: Merz 1954) */
    double p0;             /* initial normalised polarization of every domain */
    /* field cycling and temperature (ferro.h, "Wake-up, fatigue, temperature") */
    double e_bias_V_per_m;          /* pristine internal bias field of the split-up domains; 0: none */
    double n_wake_cycles;           /* cycles over which the bias decays by 1/e */
    double fatigue_onset_cycles;    /* cycle count at which domains start to pin */
    double fatigue_loss_per_decade; /* fraction of the domains pinned per decade of cycles past the onset */
    double temp_ref_K;              /* temperature at which p_r and e_c are given */
    double curie_K;                 /* Curie temperature of the mean-field P_r(T); 0: P_r independent of T */
    /* Derived, not configuration keys: set by ferro_domains_condition for one device's temperature and
     * cycle count.  All zero (never conditioned): as at temp_ref_K, woken up, not fatigued. */
    int conditioned;
    double T_K;                          /* the device's temperature */
    double pr_eff_C_per_m2;              /* P_r at T_K times the unpinned fraction */
    double bias_V_per_m;                 /* the remaining internal bias field */
    double ec_i[FERRO_N_DOMAINS];        /* coercive field of domain i at T_K */
    double merz_c[FERRO_N_DOMAINS];      /* L E_c,i^alpha: the Merz exponent of domain i is merz_c / |E|^alpha */
} ferro_domains;

/* Their parameter table entries, for a model struct `type` holding a ferro_domains member `dom`. */
#define FERRO_DOMAIN_SPECS(type)                                                                                       \
    {"kinetics", PARAM_CHOICE, offsetof(type, dom.kinetics), 0, 0, FERRO_NLS, NULL, ferro_kinetics_names, "",          \
     "nls: nucleation-limited Merz-law switching (time- and history-dependent); preisach: rate-independent "           \
     "hysterons, each domain switches within tau_inf once |E| exceeds its coercive field"},                           \
    {"p_r_C_per_m2", PARAM_REAL, offsetof(type, dom.p_r_C_per_m2), 1e-4, 2, 0.2, NULL, NULL, "C/m^2",                  \
     "remanent polarization, 20 uC/cm^2 (HfO2/HZO up to 25 uC/cm^2 [Schroeder-HfO2])"},                               \
    {"e_c_V_per_m", PARAM_REAL, offsetof(type, dom.e_c_V_per_m), 1e5, 1e10, 1e8, NULL, NULL, "V/m",                    \
     "median coercive field at t_ref, 1 MV/cm [Schroeder-HfO2]"},                                                      \
    {"sigma_ec_rel", PARAM_REAL, offsetof(type, dom.sigma_ec_rel), 0, 0.3, 0.17, NULL, NULL, "1",                      \
     "relative spread of the domains' coercive fields (0.4 V / 2.3 V [Deng-FeFET-VA])"},                              \
    {"t_ref_s", PARAM_REAL, offsetof(type, dom.t_ref_s), 1e-12, 1e3, 1e-6, NULL, NULL, "s",                            \
     "switching time at which e_c is defined: a t_ref pulse at E_c switches the median domain halfway"},              \
    {"tau_inf_s", PARAM_REAL, offsetof(type, dom.tau_inf_s), 1e-15, 1, 19e-9, NULL, NULL, "s",                         \
     "Merz-law prefactor tau_0 = 19 ns [Deng-FeFET-VA]"},                                                              \
    {"merz_alpha", PARAM_REAL, offsetof(type, dom.merz_alpha), 0.5, 6, 3, NULL, NULL, "1",                             \
     "exponent of the generalised Merz law tau = tau_0 exp((E_a/E)^alpha): 3 [Deng-FeFET-VA]; 1 is Merz (1954)"},     \
    {"p0", PARAM_REAL, offsetof(type, dom.p0), -1, 1, -1, NULL, NULL, "1",                                             \
     "initial normalised polarization of every domain (-1: fully down)"},                                             \
    {"e_bias_V_per_m", PARAM_REAL, offsetof(type, dom.e_bias_V_per_m), 0, 1e10, 0, NULL, NULL, "V/m",                  \
     "wake-up: internal bias field of the pristine film, +E_b on half the domains and -E_b on the other half "        \
     "(the split-up of pinched pristine HfO2 loops [Schenk-bias]); 0 = a woken-up film"},                             \
    {"n_wake_cycles", PARAM_REAL, offsetof(type, dom.n_wake_cycles), 1, 1e18, 1e3, NULL, NULL, "1",                    \
     "wake-up: the bias decays as exp(-N / n_wake_cycles) (wake-up within 1e3-1e4 cycles [Zhou-wakeup]; "             \
     "the exponential form is phenomenological)"},                                                                     \
    {"fatigue_onset_cycles", PARAM_REAL, offsetof(type, dom.fatigue_onset_cycles), 1, 1e18, 1e6, NULL, NULL, "1",      \
     "fatigue: cycle count at which domains start to pin (illustrative; set with fatigue_loss_per_decade)"},          \
    {"fatigue_loss_per_decade", PARAM_REAL, offsetof(type, dom.fatigue_loss_per_decade), 0, 1, 0, NULL, NULL, "1",     \
     "fatigue: fraction of the domains pinned (no longer switching, no net polarization) per decade of cycles past "  \
     "the onset, so P_r and the FeFET window shrink symmetrically; 0 = no fatigue (HZO: 2P_r 27 -> 6 uC/cm^2 by "     \
     "1e11 cycles [Lyu-HZO])"},                                                                                        \
    {"temp_ref_K", PARAM_REAL, offsetof(type, dom.temp_ref_K), 1, 2000, 300, NULL, NULL, "K",                          \
     "temperature at which p_r_C_per_m2 and e_c_V_per_m are given"},                                                  \
    {"curie_K", PARAM_REAL, offsetof(type, dom.curie_K), 0, 3000, 0, NULL, NULL, "K",                                  \
     "Curie temperature of the mean-field P_r(T) = P_r sqrt((T_C - T)/(T_C - T_ref)); 0 = P_r independent of T "     \
     "(no HZO T_C pinned, docs/parameters.md)"}

/* "p01" ... "p32": the state variables of every multi-domain model. */
extern const device_var ferro_domain_state[FERRO_N_DOMAINS];

/* Sets the derived part of d for a device at temperature T_K that has seen `cycles` switching cycles
 * (NAN: no cycling history, i.e. woken up and not fatigued). */
void ferro_domains_condition(ferro_domains *d, double T_K, double cycles);

/* The initial state: every domain at p0, except those whose internal bias exceeds their coercive field
 * (a pristine film): such a domain has one stable state at zero field, the sign of its bias. */
void ferro_domains_init(const ferro_domains *d, double *p);

/* The polarization P = P_r,eff mean(p_i) (C/m^2), and the effective P_r (C/m^2). */
double ferro_domains_P(const ferro_domains *d, const double *p);
double ferro_domains_pr(const ferro_domains *d);

/* Cross-field rule: t_ref must exceed tau_inf ln 2 (else no field switches a domain in t_ref). */
int ferro_domains_check(const ferro_domains *d);

/* Bounds [-1, 1] for n domains. */
void ferro_domains_bounds(double *lo, double *hi, size_t n);

/* The normalised polarization mean(p_i). */
double ferro_domains_mean(const double *p);

/* dp_i/dt of every domain at field E_V_per_m; returns dP/dt (C/m^2/s). */
double ferro_domains_rate(const ferro_domains *d, const double *p, double e_V_per_m, double *dp);

/* The z_i quantile of the standard normal distribution that places domain i's coercive field. */
double ferro_domain_quantile(size_t i);

/* ngspice form of the domain ensemble: unit capacitors s0..s31 holding p_i (IC from x0), B-sources
 * integrating dp_i/dt at the field given by the expression e_expr (which may use P(), defined here as
 * P_r mean(p_i)), and .func dPdt() = P_r mean(dp_i/dt) for the model's current source. */
void ferro_domains_spice(const ferro_domains *d, const double *x0, const char *e_expr, strbuf *o);

/* EKV drain current (A) at gate-source v_gs, drain-source v_ds >= or < 0 (antisymmetric), threshold v_t,
 * slope factor n, specific current i_spec and temperature T_K. */
double ferro_ekv_id_A(double v_gs, double v_ds, double v_t, double n, double i_spec_A, double T_K);

#endif

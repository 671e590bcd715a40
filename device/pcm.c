/* device/pcm.c -- phase-change memory, physics model of a mushroom cell (GST).
 *
 * State: amorphous fraction a of the dome above the heater (0 = SET, crystalline; 1 = full RESET),
 * cell temperature T, threshold-switching state s of the amorphous region (0 = off, 1 = on), and the
 * age tau of the amorphous material (time since it was last molten).
 *   series:     v = i R_c + V_a            R_c: crystalline GST, heater and electrodes in series
 *   amorphous:  i = I_sub(V_a) + s I_on(V_a), plug thickness u_a = a u_max
 *     subthreshold (trap-limited hopping, Ielmini & Zhang 2007):
 *       I_sub = I_0 exp(-E_ac / kT) (tau/t_0)^(-nu) sinh(q V_a dz / (2 k T u_a))
 *     drift: (tau/t_0)^(-nu) is the rise of the activation energy by nu k T ln(tau/t_0) under structural
 *       relaxation, so the amorphous resistance drifts as R(t) = R(t_0) (t/t_0)^nu (Ielmini, Lacaita &
 *       Mantegazza 2007); the cell's effective exponent, nu R_a / (R_a + R_c), depends on a;
 *     on (ovonic threshold switching), a channel in parallel: I_on = (V_a - V_h)^+ / R_ots;
 *   OTS state:  ds/dt = (h(ln(|i| / I_th) / 0.1) - s) / tau_ots, h the C1 smooth step from 0 to 1 on [0, 1],
 *               I_th = I_sub(V_th) at the ambient temperature, V_th = V_h + E_th u_a.  Current-controlled, so
 *               switching regenerates: once the plug reaches V_th the on-channel raises the current, which
 *               keeps s rising while V_a snaps back toward V_h (the snap-back of a sweep through a load);
 *               the cell turns off when the current falls below I_th.  A warm cell reaches I_th at a lower
 *               V_a: the threshold voltage falls with temperature, as measured;
 *   heat:       dT/dt = (T_amb + P R_th - T) / tau_th,  P = v i
 *   phase:      da/dt = (a_melt(T) - a)^+ / tau_melt - (1 - m(T)) K(T) a
 *               a_melt = (T - T_melt)/(T_full - T_melt) in [0, 1]: the molten part of the dome grows with how
 *               far the melt reached and stays amorphous when quenched; m(T) = ((T - T_melt)/10 K) clipped to
 *               [0, 1] is the molten share, zero at and below T_melt (nothing below the melting point melts);
 *               crystallisation first-order JMAK (Avrami n = 1) with an Arrhenius rate limited by growth,
 *               1/K = 1/(k_0 exp(-E_a/kT)) + 1/k_max;
 *   age:        dtau/dt = 1 - m(T) tau / tau_melt   (molten material is new: its age resets; one age for the
 *               whole plug, a lumped simplification when a partial melt reaches only part of an old plug)
 * Numerical forms, shared letter for letter with the ngspice netlist (pcm_spice): I_th in the log domain,
 * ln sinh z = z + ln(1 - e^-2z) - ln 2, with the plug floored at 1e-12 u_max there only (a vanishing plug has an
 * infinite I_th, i.e. never switches); K = k_arr k_max / (k_arr + k_max); the drift factor as exp(-nu ln(tau/t_0)).
 * The netlist solves the series circuit itself, with V_a on an internal node and the subthreshold law written by
 * its inverse, V_a = v0 asinh(I_sub / I_s) (why: at pcm_spice).  The age lives in ns on its SPICE node.
 * 1/f read noise is the shared read-noise model (variability.read.flicker_K: S_I/I^2 = K/f).
 * Sources (defaults against published values: docs/parameters.md#pcm-physics-model): lumped electro-thermal
 * model, JMAK/Arrhenius crystallisation and power-law drift; D. Ielmini & Y. Zhang, "Analytical model for
 * subthreshold conduction and threshold switching in chalcogenide-based memory devices", J. Appl. Phys. 102,
 * 054517 (2007); D. Ielmini, A. L. Lacaita & D. Mantegazza, "Recovery and drift dynamics of resistance and
 * threshold voltages in phase-change memories", IEEE TED 54(2), 308 (2007).
 * Defaults: T_melt 900 K, R_c 45 kohm (LRS 40-50 kohm) and the 100 nm heater [Ahn2015]; E_a 2.34 eV
 * [GST-Ea-heatingrate]; nu 0.1 [Khan-drift]; k_0 gives 10-year retention at 85 C (derived).  The
 * thermal resistance and time constant, threshold field, holding voltage and current, trap spacing and
 * conduction prefactor are NOT pinned by a source (docs/parameters.md): they are illustrative,
 * chosen so that R_HRS is a few Mohm at 0.1 V and V_th ~ 1.2 V, RESET ~ 3 V / 100 ns and SET ~ 1.5 V
 * / 100 ns as in [Ahn2015] and NeuroSim's GST entry.
 * Check value: defaults, a = 1, T = 300 K, s = 0, tau = t_0: the low-field amorphous resistance is
 * 2 k T u_max / (q dz I_0 e^(-E_ac/kT)) = 2.024 Mohm (asserted in tests/test_pcm.c).
 */
#include "device/device.h"
#include "device/spice_util.h"
#include "core/status.h"

#include <math.h>

typedef struct pcm_params {
    double r_c_ohm;          /* crystalline + heater series resistance */
    double u_max_m;          /* amorphous dome height at a = 1 */
    double i0_A;             /* subthreshold prefactor 2 q A N_T dz / tau_0 */
    double e_ac_eV;          /* activation energy of subthreshold conduction */
    double dz_m;             /* trap spacing */
    double nu;               /* drift exponent of the amorphous phase */
    double t0_drift_s;       /* age at which drift starts */
    double e_th_V_per_m;     /* threshold switching field */
    double v_h_V;            /* holding voltage */
    double r_ots_ohm;        /* on-state resistance of the switched amorphous region */
    double tau_ots_s;        /* threshold switching time */
    double r_th_K_per_W;     /* thermal resistance */
    double tau_th_s;         /* thermal time constant */
    double t_melt_K;         /* melting temperature */
    double t_full_K;         /* lumped temperature at which the melt covers the whole dome */
    double tau_melt_s;       /* melting time constant */
    double e_a_eV;           /* crystallisation activation energy */
    double k0_per_s;         /* crystallisation rate prefactor */
    double k_max_per_s;      /* growth-limited maximum crystallisation rate */
    double a0;               /* initial amorphous fraction */
    double age0_s;           /* initial age of the amorphous material */
} pcm_params;

static int pcm_check(const void *v)
{
    const pcm_params *p = v;
    if (!(p->t_full_K > p->t_melt_K))
        return cim_error(CIM_ECONFIG, "t_full_K (%g) must exceed t_melt_K (%g)", p->t_full_K, p->t_melt_K);
    return CIM_OK;
}

static const param_spec pcm_spec[] = {
    PARAM_REAL_F(pcm_params, r_c_ohm, 1, 1e9, 45e3, "ohm", "crystalline GST + heater series resistance (LRS 40-50 kohm [Ahn2015])"),
    PARAM_REAL_F(pcm_params, u_max_m, 1e-10, 1e-6, 50e-9, "m", "amorphous dome height at a = 1 (illustrative)"),
    PARAM_REAL_F(pcm_params, i0_A, 1e-12, 1e6, 0.02, "A", "subthreshold prefactor 2 q A N_T dz / tau_0 (illustrative: R_HRS ~ 2 Mohm)"),
    PARAM_REAL_F(pcm_params, e_ac_eV, 0, 2, 0.3, "eV", "activation energy of subthreshold conduction [Ielmini & Zhang 2007]"),
    PARAM_REAL_F(pcm_params, dz_m, 1e-10, 1e-7, 7e-9, "m", "inter-trap distance (illustrative)"),
    PARAM_REAL_F(pcm_params, nu, 0, 1, 0.1, "1", "drift exponent of the amorphous phase [Khan-drift]"),
    PARAM_REAL_F(pcm_params, t0_drift_s, 1e-12, 1e6, 1e-6, "s", "age at which the power-law drift starts"),
    PARAM_REAL_F(pcm_params, e_th_V_per_m, 1e5, 1e10, 2e7, "V/m", "threshold switching field: V_th = V_h + E_th u_a (illustrative: 1.5 V at a = 1)"),
    PARAM_REAL_F(pcm_params, v_h_V, 0, 10, 0.5, "V", "holding voltage of the switched amorphous region (illustrative)"),
    PARAM_REAL_F(pcm_params, r_ots_ohm, 1e-3, 1e9, 1e3, "ohm", "on-state resistance of the switched amorphous region (illustrative)"),
    PARAM_REAL_F(pcm_params, tau_ots_s, 1e-15, 1, 1e-9, "s", "threshold switching time constant (illustrative)"),
    PARAM_REAL_F(pcm_params, r_th_K_per_W, 1, 1e12, 5e6, "K/W",
                 "thermal resistance (not pinned: docs/parameters.md#not-pinned-by-a-source)"),
    PARAM_REAL_F(pcm_params, tau_th_s, 1e-15, 1, 1e-9, "s",
                 "thermal time constant (not pinned: docs/parameters.md#not-pinned-by-a-source)"),
    PARAM_REAL_F(pcm_params, t_melt_K, 300, 3000, 900, "K", "melting temperature [Ahn2015]"),
    PARAM_REAL_F(pcm_params, t_full_K, 300, 5000, 1100, "K", "lumped temperature at which the melt covers the whole dome (illustrative)"),
    PARAM_REAL_F(pcm_params, tau_melt_s, 1e-15, 1, 1e-10, "s", "melting time constant (illustrative)"),
    PARAM_REAL_F(pcm_params, e_a_eV, 0.1, 5, 2.34, "eV", "crystallisation activation energy [GST-Ea-heatingrate]"),
    PARAM_REAL_F(pcm_params, k0_per_s, 1, 1e40, 2.8e24, "1/s", "crystallisation prefactor (10-year retention at 85 C, derived)"),
    PARAM_REAL_F(pcm_params, k_max_per_s, 1, 1e15, 1e8, "1/s", "growth-limited maximum crystallisation rate (illustrative)"),
    PARAM_REAL_F(pcm_params, a0, 0, 1, 0, "1", "initial amorphous fraction (0 = SET state)"),
    PARAM_REAL_F(pcm_params, age0_s, 0, 1e12, 1e-6, "s", "initial age of the amorphous material"),
    PARAM_END,
};

static const param_group pcm_group = {
    .path = "device.pcm",
    .doc = "Phase-change memory (GST mushroom cell): amorphous fraction, Joule heating, ovonic threshold switching, "
           "melt-quench RESET, Arrhenius crystallisation SET and power-law drift.",
    .params = pcm_spec,
    .size = sizeof(pcm_params),
    .check = pcm_check,
};

enum { PCM_A, PCM_T, PCM_S, PCM_AGE };
/* The age lives in nanoseconds on its SPICE node (and in the integrators' atol): it spans from tau_melt (0.1 ns
 * just after a melt) to years, and ns keeps ngspice's 1e-12 V node tolerance and the integrators' absolute
 * tolerance far below the shortest age that matters. */
static const device_var pcm_state[] = {{"a", "1", 1.0}, {"T_K", "K", 1.0}, {"s", "1", 1.0}, {"age_s", "s", 1e-9}};

static void pcm_bounds(const void *v, double *lo, double *hi)
{
    (void)v;
    lo[PCM_A] = 0.0, hi[PCM_A] = 1.0;
    lo[PCM_T] = 1.0, hi[PCM_T] = 1e5;
    lo[PCM_S] = 0.0, hi[PCM_S] = 1.0;
    lo[PCM_AGE] = 0.0, hi[PCM_AGE] = 1e30;
}

static void pcm_init(const void *v, double T_K, double *x)
{
    const pcm_params *p = v;
    x[PCM_A] = p->a0;
    x[PCM_T] = T_K;
    x[PCM_S] = 0.0;
    x[PCM_AGE] = p->age0_s;
}

/* Every law below (not the Newton solve of amorphous_v: ngspice solves the circuit itself) has a twin in
 * pcm_spice, written the same way (the same clips, the same log forms), so that the netlist is the same
 * function and not an approximation of it. */

/* The threshold current of a vanishing plug (a -> 0) is infinite: V_th tends to V_h while the plug, and with it
 * the sinh scale, shrinks to nothing.  It is computed with the plug thickness floored at 1e-12 u_max, which keeps
 * I_th finite (e^(1e12), in the log domain) and changes nothing else: such a plug never switches. */
#define PCM_A_MIN_TH 1e-12

/* ln of the drift factor (max(tau, t_0) / t_0)^-nu. */
static double log_drift(const pcm_params *p, double age)
{
    return age > p->t0_drift_s ? -p->nu * log(age / p->t0_drift_s) : 0.0;
}

/* Current through the amorphous region at V_a >= 0 (the device is symmetric), with d i / d V_a:
 * trap-limited subthreshold conduction in parallel with the threshold-switched channel. */
static double amorphous_i(const pcm_params *p, const double *x, double va, double *didv)
{
    double kT = DEVICE_KB_J_PER_K * x[PCM_T] / DEVICE_Q_C; /* volts */
    double is = p->i0_A * exp(-p->e_ac_eV / kT + log_drift(p, x[PCM_AGE]));
    double v0 = 2.0 * kT * x[PCM_A] * p->u_max_m / p->dz_m; /* sinh scale */
    double z = va / v0, i, d;
    if (z > 700) { /* beyond any current the series resistor allows: report a huge, finite value */
        i = 1e300;
        d = 1e300;
    } else {
        i = is * sinh(z);
        d = is * cosh(z) / v0;
    }
    double s = x[PCM_S];
    if (s > 0 && va > p->v_h_V) {
        i += s * (va - p->v_h_V) / p->r_ots_ohm;
        d += s / p->r_ots_ohm;
    }
    *didv = d;
    return i;
}

/* The voltage across the amorphous region for a terminal voltage |v|: the root of
 * f(V_a) = V_a + R_c i(V_a) - |v|.  i is increasing and convex in V_a (sinh plus a ramp), so Newton started
 * above the root converges monotonically.  The start V_a = v0 asinh(|v| / (R_c I_s)) is above it: there the
 * subthreshold current alone already carries the whole |v| / R_c. */
static double amorphous_v(const pcm_params *p, const double *x, double v_abs)
{
    if (v_abs == 0.0 || x[PCM_A] <= 0.0)
        return 0.0; /* no plug: R_c alone */
    double kT = DEVICE_KB_J_PER_K * x[PCM_T] / DEVICE_Q_C;
    double is = p->i0_A * exp(-p->e_ac_eV / kT + log_drift(p, x[PCM_AGE]));
    double v0 = 2.0 * kT * x[PCM_A] * p->u_max_m / p->dz_m;
    double va = fmin(v_abs, v0 * asinh(v_abs / (p->r_c_ohm * is)));
    for (int it = 0; it < 100; it++) {
        double d, f = va + p->r_c_ohm * amorphous_i(p, x, va, &d) - v_abs;
        if (f <= 0)
            break; /* at the root to rounding */
        double step = f / (1.0 + p->r_c_ohm * d);
        va -= step;
        if (step <= 1e-15 * va)
            break;
    }
    return fmax(va, 0.0);
}

static double pcm_current(const void *v, const double *x, double v_V)
{
    const pcm_params *p = v;
    double va = amorphous_v(p, x, fabs(v_V));
    double i = (fabs(v_V) - va) / p->r_c_ohm;
    return v_V >= 0 ? i : -i;
}

/* The threshold voltage never falls below the holding voltage (a thin plug switches at V_h). */
static double v_th(const pcm_params *p, const double *x) { return p->v_h_V + p->e_th_V_per_m * x[PCM_A] * p->u_max_m; }

/* Molten share of the cell's hot spot: 0 at and below T_melt (one-sided, so nothing below the melting
 * point melts or renews the amorphous material), 1 from T_melt + 10 K; continuous for the integrators. */
static double molten(const pcm_params *p, double T) { return fmin(1.0, fmax(0.0, (T - p->t_melt_K) / 10.0)); }

/* The OTS target state: the C1 smooth step h(z) = z^2 (3 - 2 z), clipped to [0, 1], of z = ln(i / I_th) / 0.1.
 * I_th = I_sub(V_th) at the ambient temperature is taken in the log domain, ln sinh z = z + ln(1 - e^-2z) - ln 2,
 * because a thin plug's I_th overflows a double (V_th tends to V_h while u_a tends to 0); no current, or no
 * threshold (V_th = 0), is off. */
static double ots_target(const pcm_params *p, const double *x, double i, double T_amb)
{
    double kT = DEVICE_KB_J_PER_K * T_amb / DEVICE_Q_C;
    double zth = v_th(p, x) * p->dz_m / (2.0 * kT * fmax(x[PCM_A], PCM_A_MIN_TH) * p->u_max_m);
    if (!(i > 0 && zth > 0))
        return 0.0;
    double ln_ith = log(p->i0_A) - p->e_ac_eV / kT + log_drift(p, x[PCM_AGE]) + zth + log(1.0 - exp(-2.0 * zth)) -
                    log(2.0);
    double z = (log(i) - ln_ith) / 0.1;
    return z <= 0 ? 0.0 : z >= 1 ? 1.0 : z * z * (3 - 2 * z);
}

static void pcm_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    const pcm_params *p = v;
    double va = amorphous_v(p, x, fabs(v_V));
    double i = (fabs(v_V) - va) / p->r_c_ohm;
    double T = x[PCM_T], a = x[PCM_A];
    /* heat */
    dx[PCM_T] = (T_K + fabs(v_V) * i * p->r_th_K_per_W - T) / p->tau_th_s;
    /* phase: melting toward the reach of the melt, crystallisation of the solid amorphous part */
    double m = molten(p, T);
    double a_melt = fmin(1.0, fmax(0.0, (T - p->t_melt_K) / (p->t_full_K - p->t_melt_K)));
    double k_arr = p->k0_per_s * exp(-p->e_a_eV * DEVICE_Q_C / (DEVICE_KB_J_PER_K * T));
    double k = k_arr * p->k_max_per_s / (k_arr + p->k_max_per_s); /* 1/k = 1/k_arr + 1/k_max, finite at k_arr = 0 */
    dx[PCM_A] = fmax(0.0, a_melt - a) / p->tau_melt_s - (1.0 - m) * k * a;
    /* threshold switching, current-controlled so that it regenerates: on while the current exceeds the
     * threshold current I_th = I_sub(V_th) at the ambient temperature (a hot cell reaches it at a lower V_a).
     * Switching raises the current, which keeps it on; it turns off once the current falls below I_th again. */
    dx[PCM_S] = (ots_target(p, x, i, T_K) - x[PCM_S]) / p->tau_ots_s;
    /* age of the amorphous material: molten material is new */
    dx[PCM_AGE] = 1.0 - m * x[PCM_AGE] / p->tau_melt_s;
}

/* ngspice subcircuit with the same equations.  The series circuit is left to ngspice: R_c from p to an internal
 * node va and the amorphous plug from va to n, so V_a is a node voltage rather than the C model's Newton root.
 * The plug is two branches in parallel: the switched channel s I_on(V_a), a current source, and the subthreshold
 * path written by its inverse, V_a = v0 asinh(I_sub / I_s) with I_sub the current of a 0 V sense source.  That
 * is the same relation as I_sub = I_s sinh(V_a / v0), but ngspice's Newton iterates on it without overflow
 * (sinh of a trial V_a over a thin plug's v0 leaves the doubles: the C model's Newton, started above the root,
 * only needs its cap at 700 as a guard), and a SET plug (a = 0, v0 = 0) is a short, exactly as in the C model.
 * The plug is odd in V_a (the C model mirrors negative voltages); a is read as max(a, 0) and the clamps below
 * stop each state at its bounds, as the integrators do.  Nodes: s0 = a, s1 = T in K, s2 = s, s3 = age in ns. */
static void pcm_spice(const void *v, const double *x0, double T_K, strbuf *o)
{
    const pcm_params *p = v;
    const double kq = DEVICE_KB_J_PER_K / DEVICE_Q_C; /* kT/q = kq T, volts */
    const double sa = pcm_state[PCM_AGE].spice_scale;
    double lo[4], hi[4];
    pcm_bounds(p, lo, hi);
    strbuf_puts(o, ".subckt pcm p n\n");
    for (int k = 0; k < 4; k++)
        strbuf_printf(o, "Cs%d s%d 0 1 IC=" SPICE_G "\n", k, k, x0[k] / pcm_state[k].spice_scale);
    strbuf_printf(o, "Rc p va " SPICE_G "\n", p->r_c_ohm);
    /* conduction: log_drift, amorphous_i */
    strbuf_printf(o, ".func KT() {" SPICE_G "*V(s1)}\n", kq);
    strbuf_printf(o, ".func LD() {V(s3)>" SPICE_G " ? " SPICE_G "*ln(V(s3)/" SPICE_G ") : 0}\n", p->t0_drift_s / sa,
                  -p->nu, p->t0_drift_s / sa);
    strbuf_printf(o, ".func IS() {" SPICE_G "*exp(-" SPICE_G "/KT()+LD())}\n", p->i0_A, p->e_ac_eV);
    strbuf_printf(o, ".func V0() {2*KT()*(V(s0)>0 ? V(s0) : 0)*" SPICE_G "}\n", p->u_max_m / p->dz_m);
    strbuf_puts(o, "Vsub va vs 0\nBsub vs n V=V0()*asinh(i(Vsub)/IS())\n");
    strbuf_printf(o,
                  "Bon va n I=V(s2)*(V(va,n)>" SPICE_G " ? (V(va,n)-" SPICE_G ")/" SPICE_G " : (V(va,n)<" SPICE_G
                  " ? (V(va,n)+" SPICE_G ")/" SPICE_G " : 0))\n",
                  p->v_h_V, p->v_h_V, p->r_ots_ohm, -p->v_h_V, p->v_h_V, p->r_ots_ohm);
    /* the terminal current magnitude i = (|v| - V_a) / R_c and the power |v| i */
    strbuf_printf(o, ".func ICEL() {abs(V(p,va))/" SPICE_G "}\n", p->r_c_ohm);
    /* heat */
    strbuf_printf(o, ".func DTT() {(" SPICE_G "+abs(V(p,n))*ICEL()*" SPICE_G "-V(s1))/" SPICE_G "}\n", T_K,
                  p->r_th_K_per_W, p->tau_th_s);
    /* phase: molten, a_melt, the growth-limited Arrhenius rate */
    strbuf_printf(o, ".func MOL() {V(s1)<=" SPICE_G " ? 0 : (V(s1)>=" SPICE_G " ? 1 : (V(s1)-" SPICE_G ")/10)}\n",
                  p->t_melt_K, p->t_melt_K + 10.0, p->t_melt_K);
    strbuf_printf(o, ".func AMELT() {V(s1)<=" SPICE_G " ? 0 : (V(s1)>=" SPICE_G " ? 1 : (V(s1)-" SPICE_G ")/" SPICE_G
                     ")}\n",
                  p->t_melt_K, p->t_full_K, p->t_melt_K, p->t_full_K - p->t_melt_K);
    strbuf_printf(o, ".func KARR() {" SPICE_G "*exp(-" SPICE_G "/KT())}\n", p->k0_per_s, p->e_a_eV);
    strbuf_printf(o, ".func KCR() {KARR()*" SPICE_G "/(KARR()+" SPICE_G ")}\n", p->k_max_per_s, p->k_max_per_s);
    strbuf_printf(o, ".func DAA() {(AMELT()>V(s0) ? (AMELT()-V(s0))/" SPICE_G " : 0)-(1-MOL())*KCR()*V(s0)}\n",
                  p->tau_melt_s);
    /* threshold switching: ots_target */
    double kTa = kq * T_K;
    strbuf_printf(o, ".func ZTH() {(" SPICE_G "+" SPICE_G "*V(s0))*" SPICE_G "/(" SPICE_G "*(V(s0)>" SPICE_G
                     " ? V(s0) : " SPICE_G "))}\n",
                  p->v_h_V, p->e_th_V_per_m * p->u_max_m, p->dz_m, 2.0 * kTa * p->u_max_m, PCM_A_MIN_TH, PCM_A_MIN_TH);
    strbuf_printf(o, ".func LITH() {" SPICE_G "+LD()+ZTH()+ln(1-exp(-2*ZTH()))}\n",
                  log(p->i0_A) - p->e_ac_eV / kTa - log(2.0));
    strbuf_puts(o, ".func ZON() {(ln(ICEL())-LITH())/0.1}\n");
    /* Nested ternaries, not "ICEL()>0 && ZTH()>0": in a .func body ngspice 39 leaves a call after && unexpanded. */
    strbuf_puts(o, ".func SON() {ICEL()<=0 ? 0 : (ZTH()<=0 ? 0 : "
                   "(ZON()<=0 ? 0 : (ZON()>=1 ? 1 : ZON()*ZON()*(3-2*ZON()))))}\n");
    strbuf_printf(o, ".func DSS() {(SON()-V(s2))/" SPICE_G "}\n", p->tau_ots_s);
    /* age, in ns */
    strbuf_printf(o, ".func DAGE() {" SPICE_G "-MOL()*V(s3)/" SPICE_G "}\n", 1.0 / sa, p->tau_melt_s);
    /* No motion past a bound, as the integrators. */
    static const char *const d[4] = {"DAA()", "DTT()", "DSS()", "DAGE()"};
    for (int k = 0; k < 4; k++)
        spice_bounded_rate(o, k, d[k], lo[k] / pcm_state[k].spice_scale, hi[k] / pcm_state[k].spice_scale);
    strbuf_puts(o, ".ends pcm\n");
}

const device_type device_pcm = {
    .name = "pcm",
    .title = "phase-change memory (GST mushroom cell): melt-quench, crystallisation, threshold switching, drift",
    .citation = "Ielmini & Zhang, J. Appl. Phys. 102, 054517 (2007); Ielmini, Lacaita & Mantegazza, IEEE TED 54, 308 "
                "(2007); lumped electro-thermal and JMAK/Arrhenius kinetics (docs/parameters.md); GST values: Ahn et al. "
                "2015, Khan et al. (drift)",
    .params = &pcm_group,
    .n_state = 4,
    .state = pcm_state,
    .bounds = pcm_bounds,
    .init = pcm_init,
    .dxdt = pcm_dxdt,
    .current_A = pcm_current,
    .spice = pcm_spice,
};

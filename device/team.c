/* device/team.c -- the TEAM family: TEAM (current thresholds) and VTEAM (voltage thresholds).
 *
 * State x (a length, m) between x_on (low resistance) and x_off (high resistance).
 *   VTEAM:  dx/dt = k_off (v/v_off - 1)^a_off f_off(x)   for v > v_off > 0
 *                 = 0                                   for v_on <= v <= v_off
 *                 = k_on (v/v_on - 1)^a_on f_on(x)      for v < v_on < 0      (k_off > 0 > k_on)
 *   TEAM:   the same with the device current i and thresholds i_on < 0 < i_off.
 *   I-V, linear:      i = v / [R_on + (R_off - R_on)(x - x_on)/(x_off - x_on)]
 *   I-V, exponential: i = v / [R_on exp(lambda (x - x_on)/(x_off - x_on))],  lambda = ln(R_off/R_on)
 *   Windows: none, Joglekar, Biolek, Prodromakis on the normalised state, or the TEAM ("Kvatinsky")
 *   window f_off = exp(-exp((x - a_off)/w_c)), f_on = exp(-exp(-(x - a_on)/w_c)).
 * Sources: Kvatinsky, Friedman, Kolodny & Weiser, "TEAM: ThrEshold Adaptive Memristor Model", IEEE
 * TCAS-I 60(1), 211 (2013) eqs. (5)-(11); Kvatinsky, Ramadan, Friedman & Kolodny, "VTEAM: A General
 * Model for Voltage-Controlled Memristors", IEEE TCAS-II 62(8), 786 (2015) eqs. (1)-(3).
 * Defaults: VTEAM from MemTorch's VTEAM (R_on 50 ohm, R_off 1 kohm, x_off 3 nm, k_on -10 m/s,
 * k_off 5e-4 m/s, a_on 3, a_off 1, v_on -0.2 V, v_off 0.02 V); TEAM from the Technion Verilog-A report
 * (k_on -8e-13 m/s, k_off 8e-13 m/s, a = 3, x_off 3 nm) with the TEAM fit's i_off 115 uA, i_on -8.9 uA,
 * R_on 1 kohm, R_off 100 kohm (TEAM report Figs. 10, 14).  The 2015 paper's own tables were not
 * available (docs/parameters.md#vteam).
 * Check value: VTEAM defaults, x = 1.5 nm, v = 0.5 V: dx/dt = 5e-4 (0.5/0.02 - 1) = 0.012 m/s and
 * i = 0.5 / 525 A (asserted in tests/test_device.c).
 */
#include "device/device.h"
#include "device/spice_util.h"
#include "core/status.h"

#include <math.h>
#include <string.h>

enum { IV_LINEAR, IV_EXPONENTIAL };
static const char *const iv_names[] = {"linear", "exponential", NULL};
enum { TW_NONE, TW_JOGLEKAR, TW_BIOLEK, TW_PRODROMAKIS, TW_KVATINSKY };
static const char *const team_window_names[] = {"none", "joglekar", "biolek", "prodromakis", "kvatinsky", NULL};

/* One struct for both models: the thresholds are volts for VTEAM and amperes for TEAM. */
typedef struct team_params {
    double r_on_ohm, r_off_ohm; /* resistance at x_on and x_off */
    double x_on_m, x_off_m;     /* state bounds */
    double k_on_m_per_s;        /* < 0 */
    double k_off_m_per_s;       /* > 0 */
    double alpha_on, alpha_off; /* threshold exponents */
    double th_on, th_off;       /* thresholds: v_on_V/v_off_V (VTEAM) or i_on_A/i_off_A (TEAM) */
    int iv;                     /* linear or exponential I-V */
    int window;                 /* window function */
    long long p;                /* Joglekar/Biolek/Prodromakis exponent */
    double j;                   /* Prodromakis scale */
    double a_on_m, a_off_m;     /* Kvatinsky window centres */
    double w_c_m;               /* Kvatinsky window width */
    double x0_m;                /* initial state */
} team_params;

static int team_check(const void *v)
{
    const team_params *p = v;
    if (!(p->r_on_ohm < p->r_off_ohm))
        return cim_error(CIM_ECONFIG, "r_on_ohm (%g) must be less than r_off_ohm (%g)", p->r_on_ohm, p->r_off_ohm);
    if (!(p->x_on_m < p->x_off_m))
        return cim_error(CIM_ECONFIG, "x_on_m (%g) must be less than x_off_m (%g)", p->x_on_m, p->x_off_m);
    if (p->x0_m < p->x_on_m || p->x0_m > p->x_off_m)
        return cim_error(CIM_ECONFIG, "x0_m (%g) must lie in [x_on_m, x_off_m] = [%g, %g]", p->x0_m, p->x_on_m,
                         p->x_off_m);
    return CIM_OK;
}

#define TEAM_COMMON(R_ON, R_OFF, K_ON, K_OFF, A_ON, A_OFF, SRC)                                                     \
    PARAM_REAL_F(team_params, r_on_ohm, 1e-3, 1e12, R_ON, "ohm", "resistance at x = x_on " SRC),                    \
    PARAM_REAL_F(team_params, r_off_ohm, 1e-3, 1e12, R_OFF, "ohm", "resistance at x = x_off " SRC),                 \
    PARAM_REAL_F(team_params, x_on_m, 0, 1e-6, 0, "m", "state bound of the low-resistance end"),                   \
    PARAM_REAL_F(team_params, x_off_m, 1e-12, 1e-6, 3e-9, "m", "state bound of the high-resistance end (D)"),      \
    PARAM_REAL_F(team_params, k_on_m_per_s, -1e12, 0, K_ON, "m/s", "ON switching rate (negative) " SRC),           \
    PARAM_REAL_F(team_params, k_off_m_per_s, 0, 1e12, K_OFF, "m/s", "OFF switching rate (positive) " SRC),         \
    PARAM_REAL_F(team_params, alpha_on, 0, 100, A_ON, "1", "ON threshold exponent " SRC),                          \
    PARAM_REAL_F(team_params, alpha_off, 0, 100, A_OFF, "1", "OFF threshold exponent " SRC)

#define TEAM_TAIL                                                                                                   \
    PARAM_CHOICE_F(team_params, iv, iv_names, IV_LINEAR, "current-voltage relation"),                             \
    PARAM_CHOICE_F(team_params, window, team_window_names, TW_NONE, "window function (bounds are always enforced)"), \
    PARAM_INT_F(team_params, p, 1, 20, 1, "Joglekar/Biolek/Prodromakis exponent p"),                               \
    PARAM_REAL_F(team_params, j, 0, 100, 1, "1", "Prodromakis window scale j"),                                    \
    PARAM_REAL_F(team_params, a_on_m, -1e-6, 1e-6, 0, "m", "Kvatinsky window: ON-side centre a_on"),               \
    PARAM_REAL_F(team_params, a_off_m, -1e-6, 1e-6, 3e-9, "m", "Kvatinsky window: OFF-side centre a_off"),         \
    PARAM_REAL_F(team_params, w_c_m, 1e-15, 1e-6, 107e-12, "m", "Kvatinsky window width w_c [TEAM report Fig. 8]"), \
    PARAM_REAL_F(team_params, x0_m, 0, 1e-6, 1.5e-9, "m", "initial state"),                                        \
    PARAM_END

static const param_spec vteam_spec[] = {
    TEAM_COMMON(50, 1000, -10, 5e-4, 3, 1, "[MemTorch VTEAM]"),
    {"v_on_V", PARAM_REAL, offsetof(team_params, th_on), -100, 0, -0.2, NULL, NULL, "V", "ON threshold voltage (negative) [MemTorch VTEAM]"},
    {"v_off_V", PARAM_REAL, offsetof(team_params, th_off), 0, 100, 0.02, NULL, NULL, "V", "OFF threshold voltage (positive) [MemTorch VTEAM]"},
    TEAM_TAIL,
};

static const param_spec team_spec[] = {
    TEAM_COMMON(1e3, 100e3, -8e-13, 8e-13, 3, 3, "[Kvatinsky Verilog-A report; TEAM report Fig. 14]"),
    {"i_on_A", PARAM_REAL, offsetof(team_params, th_on), -1, 0, -8.9e-6, NULL, NULL, "A", "ON threshold current (negative) [TEAM report Fig. 10]"},
    {"i_off_A", PARAM_REAL, offsetof(team_params, th_off), 0, 1, 115e-6, NULL, NULL, "A", "OFF threshold current (positive) [TEAM report Fig. 10]"},
    TEAM_TAIL,
};

static int vteam_check(const void *v)
{
    const team_params *p = v;
    if (!(p->th_on < 0 && p->th_off > 0))
        return cim_error(CIM_ECONFIG, "thresholds must satisfy v_on_V < 0 < v_off_V (got %g, %g)", p->th_on, p->th_off);
    return team_check(v);
}

static int team_only_check(const void *v)
{
    const team_params *p = v;
    if (!(p->th_on < 0 && p->th_off > 0))
        return cim_error(CIM_ECONFIG, "thresholds must satisfy i_on_A < 0 < i_off_A (got %g, %g)", p->th_on, p->th_off);
    return team_check(v);
}

static const param_group vteam_group = {
    .path = "device.vteam",
    .doc = "VTEAM voltage-controlled threshold memristor (Kvatinsky et al., IEEE TCAS-II 2015). State x in "
           "[x_on_m, x_off_m]; positive voltage above v_off_V moves it toward x_off (high resistance).",
    .params = vteam_spec,
    .size = sizeof(team_params),
    .check = vteam_check,
};

static const param_group team_group = {
    .path = "device.team",
    .doc = "TEAM current-controlled threshold memristor (Kvatinsky et al., IEEE TCAS-I 2013). State x in "
           "[x_on_m, x_off_m]; current above i_off_A moves it toward x_off (high resistance).",
    .params = team_spec,
    .size = sizeof(team_params),
    .check = team_only_check,
};

static const device_var team_state[] = {{"x_m", "m", 1e-9}};

static void team_bounds(const void *v, double *lo, double *hi)
{
    const team_params *p = v;
    lo[0] = p->x_on_m;
    hi[0] = p->x_off_m;
}

static void team_init(const void *v, double T_K, double *x) {
    (void)T_K;
    x[0] = ((const team_params *)v)->x0_m; }

static double team_r(const team_params *p, double x)
{
    double u = (x - p->x_on_m) / (p->x_off_m - p->x_on_m);
    if (p->iv == IV_EXPONENTIAL)
        return p->r_on_ohm * exp(log(p->r_off_ohm / p->r_on_ohm) * u);
    return p->r_on_ohm + (p->r_off_ohm - p->r_on_ohm) * u;
}

static double team_current(const void *v, const double *x, double v_V) { return v_V / team_r(v, x[0]); }

static double team_window(const team_params *p, double x, int toward_off)
{
    double u = (x - p->x_on_m) / (p->x_off_m - p->x_on_m);
    switch (p->window) {
    case TW_KVATINSKY:
        return toward_off ? exp(-exp((x - p->a_off_m) / p->w_c_m)) : exp(-exp(-(x - p->a_on_m) / p->w_c_m));
    case TW_JOGLEKAR: return device_window(WINDOW_JOGLEKAR, u, 0, (double)p->p, p->j);
    case TW_BIOLEK: return device_window(WINDOW_BIOLEK, u, toward_off ? 1 : -1, (double)p->p, p->j);
    case TW_PRODROMAKIS: return device_window(WINDOW_PRODROMAKIS, u, 0, (double)p->p, p->j);
    default: return 1.0;
    }
}

/* The threshold law shared by both models; s is the voltage (VTEAM) or current (TEAM). */
static double team_rate(const team_params *p, double x, double s)
{
    if (s > p->th_off)
        return p->k_off_m_per_s * pow(s / p->th_off - 1.0, p->alpha_off) * team_window(p, x, 1);
    if (s < p->th_on)
        return p->k_on_m_per_s * pow(s / p->th_on - 1.0, p->alpha_on) * team_window(p, x, 0);
    return 0.0;
}

static void vteam_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    (void)T_K;
    dx[0] = team_rate(v, x[0], v_V);
}

static void team_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    (void)T_K;
    dx[0] = team_rate(v, x[0], team_current(v, x, v_V));
}

/* integral of dt / R(x) while x moves from x0 to x1 at the constant rate r (r != 0). */
static double team_inv_r_integral(const team_params *p, double x0, double x1, double r)
{
    double L = p->x_off_m - p->x_on_m, u0 = (x0 - p->x_on_m) / L, u1 = (x1 - p->x_on_m) / L;
    if (p->iv == IV_EXPONENTIAL) { /* R = R_on e^(lambda u): integral of e^(-lambda u) du */
        double lam = log(p->r_off_ohm / p->r_on_ohm);
        double I = lam != 0.0 ? (exp(-lam * u0) - exp(-lam * u1)) / lam : u1 - u0;
        return L * I / (r * p->r_on_ohm);
    }
    double R0 = team_r(p, x0), R1 = team_r(p, x1); /* R linear in x: integral of du / R(u) */
    double I = R1 != R0 ? (u1 - u0) * log(R1 / R0) / (R1 - R0) : (u1 - u0) / R0;
    return L * I / r;
}

/* VTEAM without a window: at constant v the rate is constant, so x moves linearly until a bound;
 * the energy is v^2 times the integral of dt / R(x) (closed for both I-V forms). */
static int vteam_pulse(const void *v, double *x, const double *lo, const double *hi, double v_V, double t_s, double T_K,
                       double *e_J)
{
    const team_params *p = v;
    (void)T_K;
    if (p->window != TW_NONE)
        return 0;
    double r = team_rate(p, x[0], v_V), x0 = x[0];
    if (r == 0.0) {
        *e_J = v_V * v_V / team_r(p, x0) * t_s;
        return 1;
    }
    double xb = r > 0 ? hi[0] : lo[0], t_b = (xb - x0) / r;
    if (t_s >= t_b) {
        x[0] = xb;
        *e_J = v_V * v_V * (team_inv_r_integral(p, x0, xb, r) + (t_s - t_b) / team_r(p, xb));
    } else {
        x[0] = x0 + r * t_s;
        *e_J = v_V * v_V * team_inv_r_integral(p, x0, x[0], r);
    }
    return 1;
}

/* ngspice subcircuit; the state node holds x in nanometres. */
static void team_spice_common(const team_params *p, const double *x0, int by_current, const char *name, strbuf *o)
{
    const double s = 1e-9;
    double xon = p->x_on_m / s, xoff = p->x_off_m / s;
    strbuf_printf(o, ".subckt %s p n\n", name);
    strbuf_printf(o, "Cs0 s0 0 1 IC=" SPICE_G "\n", x0[0] / s);
    strbuf_printf(o, ".func U() {(V(s0)-" SPICE_G ")/" SPICE_G "}\n", xon, xoff - xon);
    if (p->iv == IV_EXPONENTIAL)
        strbuf_printf(o, ".func R() {" SPICE_G "*exp(" SPICE_G "*U())}\n", p->r_on_ohm, log(p->r_off_ohm / p->r_on_ohm));
    else
        strbuf_printf(o, ".func R() {" SPICE_G "+" SPICE_G "*U()}\n", p->r_on_ohm, p->r_off_ohm - p->r_on_ohm);
    strbuf_puts(o, "Bm p n I=V(p,n)/R()\n");
    strbuf_puts(o, by_current ? ".func S() {V(p,n)/R()}\n" : ".func S() {V(p,n)}\n");
    /* Windows (x in nm inside the netlist). */
    strbuf_puts(o, ".func FOFF() {");
    switch (p->window) {
    case TW_KVATINSKY: strbuf_printf(o, "exp(-exp((V(s0)-" SPICE_G ")/" SPICE_G "))", p->a_off_m / s, p->w_c_m / s); break;
    case TW_JOGLEKAR: strbuf_puts(o, "1-"); spice_ipow(o, "2*U()-1", 2 * (int)p->p); break;
    case TW_BIOLEK: strbuf_puts(o, "1-"); spice_ipow(o, "U()", 2 * (int)p->p); break;
    case TW_PRODROMAKIS: strbuf_printf(o, SPICE_G "*(1-pow((U()-0.5)*(U()-0.5)+0.75," SPICE_G "))", p->j, (double)p->p); break;
    default: strbuf_puts(o, "1");
    }
    strbuf_puts(o, "}\n.func FON() {");
    switch (p->window) {
    case TW_KVATINSKY: strbuf_printf(o, "exp(-exp(-(V(s0)-" SPICE_G ")/" SPICE_G "))", p->a_on_m / s, p->w_c_m / s); break;
    case TW_JOGLEKAR: strbuf_puts(o, "1-"); spice_ipow(o, "2*U()-1", 2 * (int)p->p); break;
    case TW_BIOLEK: strbuf_puts(o, "1-"); spice_ipow(o, "U()-1", 2 * (int)p->p); break;
    case TW_PRODROMAKIS: strbuf_printf(o, SPICE_G "*(1-pow((U()-0.5)*(U()-0.5)+0.75," SPICE_G "))", p->j, (double)p->p); break;
    default: strbuf_puts(o, "1");
    }
    strbuf_puts(o, "}\n");
    /* pow() of the positive base (s/th - 1) > 0 inside each branch. */
    strbuf_printf(o,
                  ".func D() {S()>" SPICE_G " ? " SPICE_G "*pow(S()/" SPICE_G "-1," SPICE_G ")*FOFF() : "
                  "(S()<" SPICE_G " ? " SPICE_G "*pow(S()/" SPICE_G "-1," SPICE_G ")*FON() : 0)}\n",
                  p->th_off, p->k_off_m_per_s / s, p->th_off, p->alpha_off, p->th_on, p->k_on_m_per_s / s, p->th_on,
                  p->alpha_on);
    spice_bounded_rate(o, 0, "D()", xon, xoff);
    strbuf_printf(o, ".ends %s\n", name);
}

static void vteam_spice(const void *v, const double *x0, double T_K, strbuf *o)
{
    (void)T_K;
    team_spice_common(v, x0, 0, "vteam", o);
}

static void team_spice(const void *v, const double *x0, double T_K, strbuf *o)
{
    (void)T_K;
    team_spice_common(v, x0, 1, "team", o);
}

const device_type device_vteam = {
    .name = "vteam",
    .title = "VTEAM voltage-threshold memristor",
    .citation = "Kvatinsky, Ramadan, Friedman & Kolodny, IEEE TCAS-II 62(8), 786 (2015)",
    .params = &vteam_group,
    .n_state = 1,
    .state = team_state,
    .bounds = team_bounds,
    .init = team_init,
    .dxdt = vteam_dxdt,
    .current_A = team_current,
    .pulse = vteam_pulse,
    .spice = vteam_spice,
};

const device_type device_team = {
    .name = "team",
    .title = "TEAM current-threshold memristor",
    .citation = "Kvatinsky, Friedman, Kolodny & Weiser, IEEE TCAS-I 60(1), 211 (2013)",
    .params = &team_group,
    .n_state = 1,
    .state = team_state,
    .bounds = team_bounds,
    .init = team_init,
    .dxdt = team_dxdt,
    .current_A = team_current,
    .spice = team_spice,
};

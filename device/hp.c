/* device/hp.c -- HP linear ion drift memristor with window functions.
 *
 * A doped (low-resistance) layer of width w in series with an undoped one, total length D; the
 * state is x = w / D in [0, 1]:
 *   v = R(x) i,            R(x) = R_on x + R_off (1 - x)
 *   dx/dt = mu_v R_on / D^2 * i * f(x, i)
 * f is a window: none, Joglekar (p), Biolek (p, direction-aware), Prodromakis (p, j).
 * Source: Strukov, Snider, Stewart & Williams, "The missing memristor found", Nature 453, 80 (2008),
 * eqs. (1)-(2); windows: Joglekar & Wolf, Eur. J. Phys. 30, 661 (2009); Biolek, Biolek & Biolkova,
 * Radioengineering 18, 210 (2009); Prodromakis et al., IEEE TED 58, 3099 (2011).
 * Defaults: mu_v = 1e-14 m^2/(V s), D = 10 nm, R_on = 100 ohm, R_off = 16 kohm (R_off/R_on = 160, as in
 * Strukov's Fig. 2) -- also MemTorch's LinearIonDrift defaults; Joglekar window with p = 1.
 * Without a window the model is charge-controlled and has a closed form (tests/test_device.c):
 *   R(x0) q - (R_off - R_on) k q^2 / 2 = phi(t),  k = mu_v R_on / D^2,  x = x0 + k q.
 * Check value: defaults with no window, x0 = 0.1, DC 1 V for 1 ms: phi = 1e-3 V s, k = 1e4 /(A s),
 * q = 6.9422842e-08 C (smaller root) and x = 0.10069423 (asserted in tests/test_device.c).
 */
#include "device/device.h"
#include "device/spice_util.h"
#include "core/status.h"

#include <math.h>

typedef struct hp_params {
    double r_on_ohm;        /* resistance fully doped (x = 1) */
    double r_off_ohm;       /* resistance undoped (x = 0) */
    double d_m;             /* device length D */
    double mu_v_m2_per_Vs;  /* dopant mobility */
    int window;             /* window function */
    long long p;            /* window exponent */
    double j;               /* Prodromakis window scale */
    double x0;              /* initial w / D */
} hp_params;

static int hp_check(const void *v)
{
    const hp_params *p = v;
    if (!(p->r_on_ohm < p->r_off_ohm))
        return cim_error(CIM_ECONFIG, "r_on_ohm (%g) must be less than r_off_ohm (%g)", p->r_on_ohm, p->r_off_ohm);
    return CIM_OK;
}

static const param_spec hp_spec[] = {
    PARAM_REAL_F(hp_params, r_on_ohm, 1e-3, 1e12, 100, "ohm", "resistance at x = 1 (fully doped) [Strukov2008]"),
    PARAM_REAL_F(hp_params, r_off_ohm, 1e-3, 1e12, 16e3, "ohm", "resistance at x = 0 (undoped); R_off/R_on = 160 [Strukov2008 Fig. 2]"),
    PARAM_REAL_F(hp_params, d_m, 1e-10, 1e-6, 10e-9, "m", "device length D [Strukov2008]"),
    PARAM_REAL_F(hp_params, mu_v_m2_per_Vs, 1e-20, 1e-6, 1e-14, "m^2/(V s)", "dopant mobility mu_v [Strukov2008]"),
    PARAM_CHOICE_F(hp_params, window, device_window_names, WINDOW_JOGLEKAR, "window function f(x) [MemTorch: Joglekar]"),
    PARAM_INT_F(hp_params, p, 1, 20, 1, "window exponent p"),
    PARAM_REAL_F(hp_params, j, 0, 100, 1, "1", "Prodromakis window scale j"),
    PARAM_REAL_F(hp_params, x0, 0, 1, 0.1, "1", "initial state w/D"),
    PARAM_END,
};

static const param_group hp_group = {
    .path = "device.hp",
    .doc = "HP linear ion drift memristor (Strukov et al., Nature 2008) with Joglekar, Biolek or Prodromakis "
           "window. State x = w/D in [0, 1].",
    .params = hp_spec,
    .size = sizeof(hp_params),
    .check = hp_check,
};

static const device_var hp_state[] = {{"x", "1", 1.0}};

static void hp_bounds(const void *v, double *lo, double *hi)
{
    (void)v;
    lo[0] = 0.0;
    hi[0] = 1.0;
}

static void hp_init(const void *v, double T_K, double *x) {
    (void)T_K;
    x[0] = ((const hp_params *)v)->x0; }

static double hp_r(const hp_params *p, double x) { return p->r_on_ohm * x + p->r_off_ohm * (1.0 - x); }

static double hp_current(const void *v, const double *x, double v_V) { return v_V / hp_r(v, x[0]); }

static void hp_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    const hp_params *p = v;
    (void)T_K;
    double i = v_V / hp_r(p, x[0]);
    double k = p->mu_v_m2_per_Vs * p->r_on_ohm / (p->d_m * p->d_m);
    dx[0] = k * i * device_window(p->window, x[0], i, (double)p->p, p->j);
}

/* Without a window the charge-controlled form integrates exactly: R(x) dx = k v dt with
 * R(x) = R_off - dR x, so at constant v, R_off x - dR x^2/2 grows linearly in time; and since
 * v i dt = (v/k) dx, the energy is v dx / k while the state moves, v^2 t / R after it hits a bound. */
static int hp_pulse(const void *v, double *x, const double *lo, const double *hi, double v_V, double t_s, double T_K,
                    double *e_J)
{
    const hp_params *p = v;
    (void)T_K;
    if (p->window != WINDOW_NONE)
        return 0;
    double k = p->mu_v_m2_per_Vs * p->r_on_ohm / (p->d_m * p->d_m), dR = p->r_off_ohm - p->r_on_ohm;
    double x0 = x[0], R0 = hp_r(p, x0);
    if (v_V == 0.0) {
        *e_J = 0.0;
        return 1;
    }
    double xb = v_V > 0 ? hi[0] : lo[0];
    double t_b = (p->r_off_ohm * (xb - x0) - 0.5 * dR * (xb * xb - x0 * x0)) / (k * v_V); /* time to the bound */
    if (t_s >= t_b) {
        x[0] = xb;
        *e_J = v_V * (xb - x0) / k + v_V * v_V / hp_r(p, xb) * (t_s - t_b);
    } else {
        double kvt = k * v_V * t_s;
        x[0] = x0 + 2.0 * kvt / (R0 + sqrt(R0 * R0 - 2.0 * dR * kvt)); /* the root continuous with x0, stably */
        *e_J = v_V * (x[0] - x0) / k;
    }
    return 1;
}

static void hp_spice(const void *v, const double *x0, double T_K, strbuf *o)
{
    const hp_params *p = v;
    (void)T_K;
    double k = p->mu_v_m2_per_Vs * p->r_on_ohm / (p->d_m * p->d_m);
    strbuf_puts(o, ".subckt hp p n\n");
    strbuf_printf(o, "Cs0 s0 0 1 IC=" SPICE_G "\n", x0[0]);
    strbuf_printf(o, ".func R() {" SPICE_G "*V(s0)+" SPICE_G "*(1-V(s0))}\n", p->r_on_ohm, p->r_off_ohm);
    strbuf_puts(o, "Bm p n I=V(p,n)/R()\n");
    strbuf_puts(o, ".func W() {");
    switch (p->window) {
    case WINDOW_JOGLEKAR:
        strbuf_puts(o, "1-");
        spice_ipow(o, "2*V(s0)-1", 2 * (int)p->p);
        break;
    case WINDOW_BIOLEK:
        strbuf_puts(o, "V(p,n)>=0 ? 1-");
        spice_ipow(o, "V(s0)", 2 * (int)p->p);
        strbuf_puts(o, " : 1-");
        spice_ipow(o, "V(s0)-1", 2 * (int)p->p);
        break;
    case WINDOW_PRODROMAKIS:
        strbuf_printf(o, SPICE_G "*(1-pow((V(s0)-0.5)*(V(s0)-0.5)+0.75," SPICE_G "))", p->j, (double)p->p);
        break;
    default: strbuf_puts(o, "1"); break;
    }
    strbuf_puts(o, "}\n");
    strbuf_printf(o, ".func D() {" SPICE_G "*V(p,n)/R()*W()}\n", k);
    spice_bounded_rate(o, 0, "D()", 0.0, 1.0); /* no motion past a bound, as the integrators */
    strbuf_puts(o, ".ends hp\n");
}

const device_type device_hp = {
    .name = "hp",
    .title = "HP linear ion drift memristor with window functions",
    .citation = "Strukov, Snider, Stewart & Williams, Nature 453, 80 (2008); windows: Joglekar & Wolf, Eur. J. Phys. "
                "30, 661 (2009); Biolek et al., Radioengineering 18, 210 (2009); Prodromakis et al., IEEE TED 58, "
                "3099 (2011)",
    .params = &hp_group,
    .n_state = 1,
    .state = hp_state,
    .bounds = hp_bounds,
    .init = hp_init,
    .dxdt = hp_dxdt,
    .current_A = hp_current,
    .pulse = hp_pulse,
    .spice = hp_spice,
};

/* device/yakopcic.c -- Yakopcic generalized memristor model.
 *
 * State x in [0, 1].
 *   I-V:        i = a1 x sinh(b v)  (v >= 0),   i = a2 x sinh(b v)  (v < 0)
 *   threshold:  g(v) = A_p (e^v - e^V_p)     for v > V_p
 *                    = -A_n (e^-v - e^V_n)   for v < -V_n,   0 otherwise
 *   motion:     eta v > 0:  f = exp(-alpha_p (x - x_p)) w_p(x)  if x >= x_p, else 1;  w_p = (x_p - x)/(1 - x_p) + 1
 *               eta v <= 0: f = exp(alpha_n (x + x_n - 1)) w_n(x) if x <= 1 - x_n, else 1; w_n = x/(1 - x_n)
 *   state:      dx/dt = eta g(v) f(x)
 * Sources: Yakopcic, Taha, Subramanyam, Pino & Rogers, "A Memristor Device Model", IEEE EDL 32(10),
 * 1436 (2011) (symmetric a1 = a2, eta = 1); "Generalized Memristive Device SPICE Model and its
 * Application in Circuit Design", IEEE TCAD 32(8), 1201 (2013) eqs. (1)-(7) (a1 != a2, polarity eta).
 * The 2011 form is this model with a2 = a1 and eta = 1.
 * Defaults: the fit to the Oblea et al. Ag-chalcogenide device in the 2013 paper (a1 = a2 = 0.17,
 * b = 0.05, V_p 0.16 V, V_n 0.15 V, A_p = A_n = 4000, x_p 0.3, x_n 0.5, alpha_p 1, alpha_n 5, x0 0.11).
 * Check value: defaults at x = 0.11, v = 0.3 V: i = 0.17*0.11*sinh(0.015) = 2.8051052e-4 A and
 * dx/dt = 4000 (e^0.3 - e^0.16) = 705.39175 /s, since x < x_p gives f = 1 (asserted in tests/test_device.c).
 */
#include "device/device.h"
#include "device/spice_util.h"
#include "core/status.h"

#include <math.h>

typedef struct yakopcic_params {
    double a1, a2;          /* I-V amplitude for v >= 0 and v < 0 (A) */
    double b;               /* I-V curvature (1/V) */
    double v_p_V, v_n_V;    /* positive and negative thresholds (both given as positive numbers) */
    double a_p, a_n;        /* threshold function amplitudes (1/s) */
    double x_p, x_n;        /* where the motion starts to saturate */
    double alpha_p, alpha_n;/* decay of the motion past x_p, x_n */
    double eta;             /* switching polarity, +1 or -1 */
    double x0;              /* initial state */
} yakopcic_params;

static int yakopcic_check(const void *v)
{
    const yakopcic_params *p = v;
    if (p->eta != 1.0 && p->eta != -1.0)
        return cim_error(CIM_ECONFIG, "eta must be 1 or -1, got %g", p->eta);
    return CIM_OK;
}

#define SRC "[Yakopcic 2013, Oblea fit]"
static const param_spec yakopcic_spec[] = {
    PARAM_REAL_F(yakopcic_params, a1, 0, 1e3, 0.17, "A", "I-V amplitude for v >= 0 " SRC),
    PARAM_REAL_F(yakopcic_params, a2, 0, 1e3, 0.17, "A", "I-V amplitude for v < 0 " SRC),
    PARAM_REAL_F(yakopcic_params, b, 1e-6, 100, 0.05, "1/V", "I-V curvature " SRC),
    PARAM_REAL_F(yakopcic_params, v_p_V, 0, 100, 0.16, "V", "positive threshold V_p " SRC),
    PARAM_REAL_F(yakopcic_params, v_n_V, 0, 100, 0.15, "V", "negative threshold V_n (magnitude) " SRC),
    PARAM_REAL_F(yakopcic_params, a_p, 0, 1e15, 4000, "1/s", "threshold amplitude A_p " SRC),
    PARAM_REAL_F(yakopcic_params, a_n, 0, 1e15, 4000, "1/s", "threshold amplitude A_n " SRC),
    PARAM_REAL_F(yakopcic_params, x_p, 0, 0.999999, 0.3, "1", "motion saturation point x_p " SRC),
    PARAM_REAL_F(yakopcic_params, x_n, 0, 0.999999, 0.5, "1", "motion saturation point x_n " SRC),
    PARAM_REAL_F(yakopcic_params, alpha_p, 0, 1e3, 1, "1", "motion decay alpha_p " SRC),
    PARAM_REAL_F(yakopcic_params, alpha_n, 0, 1e3, 5, "1", "motion decay alpha_n " SRC),
    PARAM_REAL_F(yakopcic_params, eta, -1, 1, 1, "1", "switching polarity (+1 or -1)"),
    PARAM_REAL_F(yakopcic_params, x0, 0, 1, 0.11, "1", "initial state " SRC),
    PARAM_END,
};
#undef SRC

static const param_group yakopcic_group = {
    .path = "device.yakopcic",
    .doc = "Yakopcic generalized memristor model (IEEE EDL 2011; IEEE TCAD 2013): sinh I-V, exponential "
           "threshold g(v), saturating motion f(x). State x in [0, 1].",
    .params = yakopcic_spec,
    .size = sizeof(yakopcic_params),
    .check = yakopcic_check,
};

static const device_var yakopcic_state[] = {{"x", "1", 1.0}};

static void yakopcic_bounds(const void *v, double *lo, double *hi)
{
    (void)v;
    lo[0] = 0.0;
    hi[0] = 1.0;
}

static void yakopcic_init(const void *v, double T_K, double *x) {
    (void)T_K;
    x[0] = ((const yakopcic_params *)v)->x0; }

static double yakopcic_current(const void *v, const double *x, double v_V)
{
    const yakopcic_params *p = v;
    return (v_V >= 0 ? p->a1 : p->a2) * x[0] * sinh(p->b * v_V);
}

static void yakopcic_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    const yakopcic_params *p = v;
    (void)T_K;
    double g = 0.0;
    if (v_V > p->v_p_V)
        g = p->a_p * (exp(v_V) - exp(p->v_p_V));
    else if (v_V < -p->v_n_V)
        g = -p->a_n * (exp(-v_V) - exp(p->v_n_V));
    double f = 1.0, s = x[0];
    if (p->eta * v_V > 0) {
        if (s >= p->x_p)
            f = exp(-p->alpha_p * (s - p->x_p)) * ((p->x_p - s) / (1.0 - p->x_p) + 1.0);
    } else if (s <= 1.0 - p->x_n) {
        f = exp(p->alpha_n * (s + p->x_n - 1.0)) * (s / (1.0 - p->x_n));
    }
    dx[0] = p->eta * g * f;
}

static void yakopcic_spice(const void *v, const double *x0, double T_K, strbuf *o)
{
    const yakopcic_params *p = v;
    (void)T_K;
    strbuf_puts(o, ".subckt yakopcic p n\n");
    strbuf_printf(o, "Cs0 s0 0 1 IC=" SPICE_G "\n", x0[0]);
    strbuf_printf(o, "Bm p n I=(V(p,n)>=0 ? " SPICE_G " : " SPICE_G ")*V(s0)*sinh(" SPICE_G "*V(p,n))\n", p->a1, p->a2,
                  p->b);
    strbuf_printf(o,
                  ".func G() {V(p,n)>" SPICE_G " ? " SPICE_G "*(exp(V(p,n))-" SPICE_G ") : "
                  "(V(p,n)<" SPICE_G " ? " SPICE_G "*(exp(-V(p,n))-" SPICE_G ") : 0)}\n",
                  p->v_p_V, p->a_p, exp(p->v_p_V), -p->v_n_V, -p->a_n, exp(p->v_n_V));
    strbuf_printf(o,
                  ".func F() {" SPICE_G "*V(p,n)>0 ? (V(s0)>=" SPICE_G " ? exp(" SPICE_G "*(V(s0)-" SPICE_G "))*((" SPICE_G
                  "-V(s0))/" SPICE_G "+1) : 1) : (V(s0)<=" SPICE_G " ? exp(" SPICE_G "*(V(s0)+" SPICE_G "))*(V(s0)/" SPICE_G
                  ") : 1)}\n",
                  p->eta, p->x_p, -p->alpha_p, p->x_p, p->x_p, 1.0 - p->x_p, 1.0 - p->x_n, p->alpha_n, p->x_n - 1.0,
                  1.0 - p->x_n);
    strbuf_printf(o, ".func D() {" SPICE_G "*G()*F()}\n", p->eta);
    spice_bounded_rate(o, 0, "D()", 0.0, 1.0);
    strbuf_puts(o, ".ends yakopcic\n");
}

const device_type device_yakopcic = {
    .name = "yakopcic",
    .title = "Yakopcic generalized memristor model",
    .citation = "Yakopcic et al., IEEE EDL 32(10), 1436 (2011); Yakopcic et al., IEEE TCAD 32(8), 1201 (2013)",
    .params = &yakopcic_group,
    .n_state = 1,
    .state = yakopcic_state,
    .bounds = yakopcic_bounds,
    .init = yakopcic_init,
    .dxdt = yakopcic_dxdt,
    .current_A = yakopcic_current,
    .spice = yakopcic_spice,
};

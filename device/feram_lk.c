/* device/feram_lk.c -- ferroelectric capacitor, single-domain Landau-Khalatnikov model.
 *
 * State: the polarization P (C/m^2) of one homogeneous domain.
 *   free energy:  G(P) = alpha P^2 + beta P^4 - E P   (sixth-order term gamma = 0)
 *   dynamics:     rho dP/dt = -dG/dP = E - (2 alpha P + 4 beta P^3),   E = v / t_fe
 *   coefficients from the loop: the static curve E(P) = 2 alpha P + 4 beta P^3 has P(E = 0) = +-P_r and
 *                 turning points at +-E_c when alpha = -3 sqrt(3) E_c / (4 P_r), beta = 3 sqrt(3) E_c / (8 P_r^3)
 *                 (derived: docs/parameters.md#landau-khalatnikov-capacitor), so a slow sweep gives a
 *                 square loop with exactly P_r and E_c (the Landau coercive field: the intrinsic limit,
 *                 larger than a real film's).
 *   temperature:  with curie_K set, alpha(T) = alpha (T - T_C) / (T_ref - T_C) (Landau: alpha linear in
 *                 T - T_C, beta constant), so P_r(T) = P_r sqrt((T_C - T)/(T_C - T_ref)) and E_c(T) =
 *                 E_c ((T_C - T)/(T_C - T_ref))^(3/2); above T_C one well (paraelectric).  curie_K = 0: no
 *                 temperature dependence.
 *   current:      i = A dP/dt (the switching current; the background term eps0 eps_fe A dv/dt is reactive
 *                 and left out, as in device/feram.c).  The model stores energy in the double well: a
 *                 polarization between the wells relaxes at zero bias and drives current, so the model is
 *                 marked reactive.
 * Sources: Landau-Khalatnikov kinetics as used in the PFECAP compact model [PFECAP] (viscosity rho =
 * 0.09 ohm m); HZO P_r and E_c [Schroeder-HfO2].  Thickness and area illustrative (10 nm, 1 um^2).
 */
#include "core/status.h"
#include "device/device.h"
#include "device/spice_util.h"

#include <math.h>

typedef struct feram_lk_params {
    double p_r_C_per_m2;
    double e_c_V_per_m;
    double rho_ohm_m;
    double t_fe_m;
    double area_m2;
    double p0_C_per_m2;
    double temp_ref_K;
    double curie_K;
    double T_K; /* derived (feram_lk_condition): the device's temperature; 0 = temp_ref_K */
} feram_lk_params;

static int feram_lk_check(const void *v)
{
    const feram_lk_params *p = v;
    if (p->curie_K > 0 && !(p->curie_K > p->temp_ref_K))
        return cim_error(CIM_ECONFIG, "curie_K (%g) must exceed temp_ref_K (%g), the temperature at which p_r is given",
                         p->curie_K, p->temp_ref_K);
    return CIM_OK;
}

static const param_spec feram_lk_spec[] = {
    PARAM_REAL_F(feram_lk_params, p_r_C_per_m2, 1e-4, 2, 0.2, "C/m^2", "remanent polarization, 20 uC/cm^2 [Schroeder-HfO2]"),
    PARAM_REAL_F(feram_lk_params, e_c_V_per_m, 1e5, 1e10, 1e8, "V/m", "coercive field (Landau), 1 MV/cm [Schroeder-HfO2]"),
    PARAM_REAL_F(feram_lk_params, rho_ohm_m, 1e-6, 1e6, 0.09, "ohm m", "Landau-Khalatnikov viscosity [PFECAP]"),
    PARAM_REAL_F(feram_lk_params, t_fe_m, 1e-9, 1e-5, 10e-9, "m", "ferroelectric thickness (illustrative)"),
    PARAM_REAL_F(feram_lk_params, area_m2, 1e-18, 1e-4, 1e-12, "m^2", "capacitor area (illustrative, 1 um^2)"),
    PARAM_REAL_F(feram_lk_params, p0_C_per_m2, -6, 6, -0.2, "C/m^2", "initial polarization"),
    PARAM_REAL_F(feram_lk_params, temp_ref_K, 1, 2000, 300, "K", "temperature at which p_r and e_c are given"),
    PARAM_REAL_F(feram_lk_params, curie_K, 0, 3000, 0, "K",
                 "Curie temperature (Landau alpha linear in T - T_C); 0 = no temperature dependence (no HZO T_C pinned, "
                 "docs/parameters.md#not-pinned-by-a-source)"),
    PARAM_END,
};

static const param_group feram_lk_group = {
    .path = "device.feram_lk",
    .doc = "Ferroelectric capacitor, single-domain Landau-Khalatnikov dynamics with coefficients from P_r and E_c.",
    .params = feram_lk_spec,
    .size = sizeof(feram_lk_params),
    .check = feram_lk_check,
};

static const device_var feram_lk_state[] = {{"P_C_per_m2", "C/m^2", 0.1}};

static void coefficients(const feram_lk_params *p, double *alpha, double *beta)
{
    double k = 3.0 * sqrt(3.0) * p->e_c_V_per_m;
    *alpha = -k / (4.0 * p->p_r_C_per_m2);
    if (p->curie_K > 0 && p->T_K > 0)
        *alpha *= (p->T_K - p->curie_K) / (p->temp_ref_K - p->curie_K);
    *beta = k / (8.0 * p->p_r_C_per_m2 * p->p_r_C_per_m2 * p->p_r_C_per_m2);
}

static void feram_lk_bounds(const void *v, double *lo, double *hi)
{
    const feram_lk_params *p = v;
    lo[0] = -3.0 * p->p_r_C_per_m2; /* reaching 3 P_r takes 62 E_c on the static curve */
    hi[0] = 3.0 * p->p_r_C_per_m2;
}

static void feram_lk_init(const void *v, double T_K, double *x)
{
    (void)T_K;
    x[0] = ((const feram_lk_params *)v)->p0_C_per_m2;
}

static void feram_lk_condition(void *v, double T_K, double cycles)
{
    (void)cycles; /* one domain: no ensemble to pin or to split (wake-up and fatigue are in device/ferro.h) */
    ((feram_lk_params *)v)->T_K = T_K;
}

static double dpdt(const feram_lk_params *p, double P, double v_V)
{
    double a, b;
    coefficients(p, &a, &b);
    return (v_V / p->t_fe_m - (2.0 * a * P + 4.0 * b * P * P * P)) / p->rho_ohm_m;
}

static void feram_lk_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    (void)T_K;
    dx[0] = dpdt(v, x[0], v_V);
}

static double feram_lk_current(const void *v, const double *x, double v_V)
{
    const feram_lk_params *p = v;
    return p->area_m2 * dpdt(p, x[0], v_V);
}

static void feram_lk_spice(const void *v, const double *x0, double T_K, strbuf *o)
{
    (void)T_K;
    const feram_lk_params *p = v;
    double a, b, s = feram_lk_state[0].spice_scale;
    coefficients(p, &a, &b);
    strbuf_puts(o, ".subckt feram_lk p n\n");
    strbuf_printf(o, "Cs0 s0 0 1 IC=" SPICE_G "\n", x0[0] / s);
    /* P = s V(s0); dP/dt = (E - 2 a P - 4 b P^3) / rho; node s0 integrates dP/dt / s */
    strbuf_printf(o, ".func D() {(V(p,n)/" SPICE_G "-" SPICE_G "*V(s0)-" SPICE_G "*V(s0)*V(s0)*V(s0))/" SPICE_G "}\n",
                  p->t_fe_m, 2.0 * a * s, 4.0 * b * s * s * s, p->rho_ohm_m);
    strbuf_printf(o, "Bs0 0 s0 I=D()/" SPICE_G "\n", s);
    strbuf_printf(o, "Bm p n I=" SPICE_G "*D()\n", p->area_m2);
    strbuf_puts(o, ".ends feram_lk\n");
}

/* The polarization is the state itself (same name: the trace does not repeat it). */
static double feram_lk_polarization(const void *v, const double *x)
{
    (void)v;
    return x[0];
}

const device_type device_feram_lk = {
    .name = "feram_lk",
    .title = "ferroelectric capacitor, single-domain Landau-Khalatnikov dynamics",
    .citation = "Landau-Khalatnikov kinetics with alpha, beta from P_r and E_c (docs/parameters.md); viscosity from "
                "the PFECAP compact model; HZO: Schroeder et al.",
    .params = &feram_lk_group,
    .n_state = 1,
    .state = feram_lk_state,
    .bounds = feram_lk_bounds,
    .init = feram_lk_init,
    .dxdt = feram_lk_dxdt,
    .current_A = feram_lk_current,
    .reactive = 1,
    .condition = feram_lk_condition,
    .spice = feram_lk_spice,
    .observable = {"P_C_per_m2", "C/m^2", feram_lk_polarization},
};

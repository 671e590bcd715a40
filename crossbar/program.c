/* crossbar/program.c -- see program.h. */
#include "crossbar/program.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const program_method_names[] = {"open_loop", "verify", NULL};
const char *const program_half_select_names[] = {"none", "v2", "v3", NULL};

/* ---- configuration ----------------------------------------------------------------------------------- */

static int program_check(const void *v)
{
    const program_params *p = v;
    if (p->v_raise_V == 0 || p->v_lower_V == 0)
        return cim_error(CIM_ECONFIG, "v_raise_V and v_lower_V must be nonzero");
    if (fabs(p->v_raise_max_V) < fabs(p->v_raise_V))
        return cim_error(CIM_ECONFIG, "v_raise_max_V (%g) must be at least |v_raise_V| (%g)", p->v_raise_max_V,
                         fabs(p->v_raise_V));
    if (fabs(p->v_lower_max_V) < fabs(p->v_lower_V))
        return cim_error(CIM_ECONFIG, "v_lower_max_V (%g) must be at least |v_lower_V| (%g)", p->v_lower_max_V,
                         fabs(p->v_lower_V));
    if (p->t_width_min_s > p->t_width_s)
        return cim_error(CIM_ECONFIG, "t_width_min_s (%g) must not exceed t_width_s (%g)", p->t_width_min_s,
                         p->t_width_s);
    return CIM_OK;
}

static const param_spec program_spec[] = {
    PARAM_CHOICE_F(program_params, method, program_method_names, PROGRAM_VERIFY,
                   "open_loop: one calibrated pulse train per cell; verify: program, read, compare, repeat (ISPP)"),
    PARAM_REAL_F(program_params, tol_rel, 1e-6, 10, 0.05, "1", "accepted |G - G_target| / G_target"),
    PARAM_INT_F(program_params, max_iter, 1, 1e6, 100, "verify: pulses per cell before the cell is reported failed"),
    PARAM_INT_F(program_params, n_cal_pulses, 1, 1e6, 100, "open loop: calibration pulses per direction"),
    PARAM_REAL_F(program_params, v_raise_V, -100, 100, -0.25, "V",
                 "first amplitude of a pulse that raises G, signed (VTEAM SET: negative; PCM partial SET, FeFET program: "
                 "positive)"),
    PARAM_REAL_F(program_params, v_raise_step_V, 0, 100, 0.01, "V", "magnitude added per consecutive raise pulse (ISPP)"),
    PARAM_REAL_F(program_params, v_raise_max_V, 0, 100, 1.0, "V", "magnitude cap of raise pulses"),
    PARAM_REAL_F(program_params, v_lower_V, -100, 100, 0.1, "V",
                 "first amplitude of a pulse that lowers G, signed (VTEAM RESET: positive; PCM RESET: positive; FeFET "
                 "erase: negative)"),
    PARAM_REAL_F(program_params, v_lower_step_V, 0, 100, 0.01, "V", "magnitude added per consecutive lower pulse"),
    PARAM_REAL_F(program_params, v_lower_max_V, 0, 100, 1.0, "V", "magnitude cap of lower pulses"),
    PARAM_REAL_F(program_params, t_width_s, 1e-15, 1e3, 10e-9, "s", "pulse plateau"),
    PARAM_REAL_F(program_params, t_rise_s, 0, 1e3, 0, "s", "pulse rise and fall time (0: rectangular)"),
    PARAM_REAL_F(program_params, t_gap_s, 0, 1e3, 10e-9, "s", "rest at 0 V after each pulse"),
    PARAM_REAL_F(program_params, width_shrink, 0.01, 1, 0.5, "1",
                 "verify: the width is multiplied by this at each overshoot (reversal of direction)"),
    PARAM_REAL_F(program_params, step_shrink, 0.01, 1, 0.5, "1",
                 "verify: the amplitude steps are multiplied by this at each overshoot (reversal of direction)"),
    PARAM_REAL_F(program_params, t_width_min_s, 0, 1e3, 1e-10, "s", "verify: the width never shrinks below this"),
    PARAM_REAL_F(program_params, r_series_ohm, 0, 1e12, 0, "ohm",
                 "access resistance in series with the selected cell (1T1R transistor, compliance)"),
    PARAM_CHOICE_F(program_params, half_select, program_half_select_names, HALF_SELECT_NONE,
                   "bias of the unselected lines: none (isolated), v2 (V/2: row and column of the cell see V/2), v3 "
                   "(V/3: every unselected cell sees +-V/3)"),
    PARAM_BOOL_F(program_params, closed_form, 1, "use the model's closed-form pulse response where it applies"),
    PARAM_BOOL_F(program_params, noisy_verify, 1, "verify reads carry the read noise of variability.read"),
    PARAM_END,
};

const param_group program_group = {
    .path = "program",
    .doc = "Programming an array toward target conductances: open loop or write-and-verify (ISPP), with half-select "
           "disturb of the unselected cells (crossbar/program.h).",
    .params = program_spec,
    .size = sizeof(program_params),
    .check = program_check,
};

void program_report_free(program_report *r)
{
    free(r->programmed);
    free(r->ok);
    free(r->iterations);
    free(r->e_write_J);
    free(r->e_disturb_J);
    free(r->g_final_S);
    free(r->err_final);
    free(r->g_end_S);
    free(r->dg_disturb_S);
    free(r->log_cell);
    free(r->log_v_V);
    free(r->log_width_s);
    free(r->log_e_J);
    memset(r, 0, sizeof *r);
}

/* ---- one pulse with its half-select stress -------------------------------------------------------------- */

void program_bias(int half_select, size_t rows, size_t cols, size_t i, size_t j, double v_w, double *v)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            int on_line = r == i || c == j;
            double u = 0.0;
            if (half_select == HALF_SELECT_V2)
                u = on_line ? v_w / 2.0 : 0.0;
            else if (half_select == HALF_SELECT_V3) /* rows at v/3, columns at 2v/3; selected row v, column 0 */
                u = (r == i ? v_w : v_w / 3.0) - (c == j ? 0.0 : 2.0 * v_w / 3.0);
            v[r * cols + c] = u;
        }
    v[i * cols + j] = v_w;
}

static array_pulse_shape shape_of(const program_params *p, double t_width_s, double r_series_ohm)
{
    array_pulse_shape s = {t_width_s, p->t_rise_s, p->t_gap_s, r_series_ohm, p->closed_form};
    return s;
}

/* The pulse on the selected cell alone, tallied as a write. */
static int pulse_selected(array *a, const program_params *p, size_t sel, double v_w, double t_width_s, double t_s,
                          double *e_sel_J, int *fast)
{
    array_pulse_shape sh = shape_of(p, t_width_s, p->r_series_ohm);
    return array_pulse(a, sel, v_w, &sh, t_s, 1, e_sel_J, fast);
}

int program_pulse(array *a, const program_params *p, size_t i, size_t j, double v_w, double t_width_s, double t_s,
                  double *v_cell, double *e_sel_J, double *e_dist_J, double *dg_S, int *fast, size_t *n_dist)
{
    size_t sel = i * a->cols + j;
    program_bias(p->half_select, a->rows, a->cols, i, j, v_w, v_cell);
    int st = pulse_selected(a, p, sel, v_w, t_width_s, t_s, e_sel_J, fast);
    if (st != CIM_OK || p->half_select == HALF_SELECT_NONE)
        return st;
    /* The unselected cells hang between their lines directly (no access device of their own in a passive
     * array): the same shape, no series resistor. */
    array_pulse_shape ush = shape_of(p, t_width_s, 0.0);
    for (size_t c = 0; c < a->n; c++) {
        if (c == sel || v_cell[c] == 0.0)
            continue;
        if ((st = array_advance(a, c, t_s)) != CIM_OK)
            return st;
        double g0 = array_g_cell(a, c), e = 0.0;
        if ((st = array_pulse(a, c, v_cell[c], &ush, t_s, 0, &e, NULL)) != CIM_OK)
            return st;
        double g1 = array_g_cell(a, c);
        if (n_dist != NULL)
            (*n_dist)++;
        if (e_dist_J != NULL)
            e_dist_J[c] += e;
        if (dg_S != NULL)
            dg_S[c] += g1 - g0;
    }
    return CIM_OK;
}

/* ---- campaigns ---------------------------------------------------------------------------------------- */

static void log_pulse(program_report *r, size_t *cap, size_t c, double v, double w, double e)
{
    if (r->n_log == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        r->log_cell = xrealloc(r->log_cell, *cap * sizeof *r->log_cell);
        r->log_v_V = xrealloc(r->log_v_V, *cap * sizeof *r->log_v_V);
        r->log_width_s = xrealloc(r->log_width_s, *cap * sizeof *r->log_width_s);
        r->log_e_J = xrealloc(r->log_e_J, *cap * sizeof *r->log_e_J);
    }
    r->log_cell[r->n_log] = c;
    r->log_v_V[r->n_log] = v;
    r->log_width_s[r->n_log] = w;
    r->log_e_J[r->n_log] = e;
    r->n_log++;
}

/* Open loop: G after k = 0..n constant-amplitude pulses of v on a nominal cell, into g[0..n]. */
static int calibrate(const array *a, const program_params *p, double v, double *g, size_t n)
{
    array_opts o = array_opts_default();
    o.T_K = a->T_K;
    o.v_read_V = a->v_read_V;
    o.t_read_s = 0;
    o.sim = a->sim;
    array *cal;
    int st = array_new(&cal, 1, 1, a->T, a->p_nominal, NULL, &o);
    if (st != CIM_OK)
        return st;
    array_pulse_shape sh = shape_of(p, p->t_width_s, p->r_series_ohm);
    double t = 0;
    g[0] = array_g_cell(cal, 0);
    for (size_t k = 1; k <= n && st == CIM_OK; k++) {
        st = array_pulse(cal, 0, v, &sh, t, 1, NULL, NULL);
        t += array_pulse_period_s(&sh);
        g[k] = array_g_cell(cal, 0);
    }
    array_free(cal);
    return st == CIM_OK ? CIM_OK : cim_error_prefix(st, "program: open-loop calibration: ");
}

/* A campaign's pulse: without half-select stress only the selected cell is touched, so the bias map (rows x cols
 * per pulse, quadratic in the array size over a campaign) is skipped. */
static int campaign_pulse(array *a, const program_params *p, size_t i, size_t j, double v_w, double t_width_s,
                          double t_s, double *v_cell, double *e_sel_J, program_report *r, int *fast)
{
    if (p->half_select == HALF_SELECT_NONE)
        return pulse_selected(a, p, i * a->cols + j, v_w, t_width_s, t_s, e_sel_J, fast);
    return program_pulse(a, p, i, j, v_w, t_width_s, t_s, v_cell, e_sel_J, r->e_disturb_J, r->dg_disturb_S, fast,
                         &r->n_disturbs);
}

static size_t nearest(const double *g, size_t n, double target)
{
    size_t best = 0;
    for (size_t k = 1; k <= n; k++)
        if (fabs(g[k] - target) < fabs(g[best] - target))
            best = k;
    return best;
}

/* The next amplitude of a run of pulses in one direction: the magnitude grows by step, up to max. */
static double stepped(double v, double step, double max)
{
    double m = fmin(fabs(v) + step, max);
    return v > 0 ? m : -m;
}

/* After an overshoot by a pulse of v_used: one step below it, not below the start amplitude. */
static double backed_off(double v_used, double step, double v_start)
{
    double m = fmax(fabs(v_used) - step, fabs(v_start));
    return v_start > 0 ? m : -m;
}

int program_array(array *a, const program_params *p, const double *target, double t_start_s, program_report *r)
{
    size_t n = a->n;
    memset(r, 0, sizeof *r);
    r->n = n;
    r->programmed = xcalloc(n, 1);
    r->ok = xcalloc(n, 1);
    r->iterations = xcalloc(n, sizeof(int));
    r->e_write_J = xcalloc(n, sizeof(double));
    r->e_disturb_J = xcalloc(n, sizeof(double));
    r->g_final_S = xcalloc(n, sizeof(double));
    r->err_final = xcalloc(n, sizeof(double));
    r->g_end_S = xcalloc(n, sizeof(double));
    r->dg_disturb_S = xcalloc(n, sizeof(double));
    for (size_t c = 0; c < n; c++)
        if (!isnan(target[c]) && !(target[c] > 0 && isfinite(target[c])))
            return cim_error(CIM_EINVAL, "program: the target of cell (%zu, %zu) is %g S: targets must be > 0 (NaN: "
                                         "leave the cell)",
                             c / a->cols, c % a->cols, target[c]);
    int st = array_advance_all(a, t_start_s);
    if (st != CIM_OK)
        return st;
    double *g0 = xmalloc(n * sizeof *g0), *v_cell = xmalloc(n * sizeof *v_cell);
    for (size_t c = 0; c < n; c++)
        g0[c] = array_g_cell(a, c);
    size_t nc = (size_t)p->n_cal_pulses, cap = 0;
    double *g_up = NULL, *g_dn = NULL;
    if (p->method == PROGRAM_OPEN_LOOP) {
        g_up = xmalloc((nc + 1) * sizeof *g_up);
        g_dn = xmalloc((nc + 1) * sizeof *g_dn);
        st = calibrate(a, p, p->v_raise_V, g_up, nc);
        if (st == CIM_OK)
            st = calibrate(a, p, p->v_lower_V, g_dn, nc);
    }
    double t = t_start_s;
    for (size_t c = 0; c < n && st == CIM_OK; c++) {
        if (isnan(target[c]))
            continue;
        size_t i = c / a->cols, j = c % a->cols;
        double G = target[c], e = 0.0;
        int fast = 0;
        r->programmed[c] = 1;
        r->n_programmed++;
        if (p->method == PROGRAM_OPEN_LOOP) {
            int up = G >= g_up[0];
            size_t k = nearest(up ? g_up : g_dn, nc, G);
            double v = up ? p->v_raise_V : p->v_lower_V;
            for (size_t q = 0; q < k && st == CIM_OK; q++) {
                st = campaign_pulse(a, p, i, j, v, p->t_width_s, t, v_cell, &e, r, &fast);
                t = a->t_state_s[c];
                r->e_write_J[c] += e;
                r->n_fast += (size_t)fast;
                log_pulse(r, &cap, c, v, p->t_width_s, e);
            }
            r->iterations[c] = (int)k;
            r->g_final_S[c] = array_g_cell(a, c);
            r->ok[c] = fabs(r->g_final_S[c] - G) <= p->tol_rel * G;
        } else {
            double vr = p->v_raise_V, vl = p->v_lower_V, w = p->t_width_s, v_used = 0.0, k_step = 1.0;
            int last = 0, it = 0;
            for (;;) {
                double g, e_read;
                if ((st = array_read_cell(a, c, t, p->noisy_verify, &g, &e_read)) != CIM_OK)
                    break;
                r->e_read_total_J += e_read;
                r->n_verify_reads++;
                t = fmax(t, a->t_state_s[c]) + a->t_read_s;
                if (fabs(g - G) <= p->tol_rel * G) {
                    r->ok[c] = 1;
                    break;
                }
                if (it >= p->max_iter)
                    break; /* failed: reported below */
                int dir = g < G ? 1 : -1;
                if (last != 0 && dir != last) { /* overshoot: the overshooting direction backs off, pulses narrow */
                    if (last > 0)
                        vr = backed_off(v_used, p->v_raise_step_V * k_step, p->v_raise_V);
                    else
                        vl = backed_off(v_used, p->v_lower_step_V * k_step, p->v_lower_V);
                    w = fmax(w * p->width_shrink, p->t_width_min_s);
                    k_step *= p->step_shrink;
                }
                double v = dir > 0 ? vr : vl;
                st = campaign_pulse(a, p, i, j, v, w, t, v_cell, &e, r, &fast);
                if (st != CIM_OK)
                    break;
                t = a->t_state_s[c];
                r->e_write_J[c] += e;
                r->n_fast += (size_t)fast;
                log_pulse(r, &cap, c, v, w, e);
                v_used = v;
                if (dir > 0)
                    vr = stepped(vr, p->v_raise_step_V * k_step, p->v_raise_max_V);
                else
                    vl = stepped(vl, p->v_lower_step_V * k_step, p->v_lower_max_V);
                last = dir;
                it++;
            }
            r->iterations[c] = it;
            r->g_final_S[c] = array_g_cell(a, c);
        }
        r->err_final[c] = (r->g_final_S[c] - G) / G;
        if (st != CIM_OK)
            st = cim_error_prefix(st, "program: cell (%zu, %zu): ", i, j);
    }
    free(g_up);
    free(g_dn);
    if (st == CIM_OK)
        st = array_advance_all(a, t);
    if (st != CIM_OK) {
        free(g0);
        free(v_cell);
        return st;
    }
    /* summary */
    r->t_end_s = t;
    double it_sum = 0;
    for (size_t c = 0; c < n; c++) {
        r->g_end_S[c] = array_g_cell(a, c);
        r->e_write_total_J += r->e_write_J[c];
        r->e_disturb_total_J += r->e_disturb_J[c];
        if (g0[c] != 0)
            r->dg_disturb_max_rel = fmax(r->dg_disturb_max_rel, fabs(r->dg_disturb_S[c]) / fabs(g0[c]));
        if (!r->programmed[c])
            continue;
        it_sum += r->iterations[c];
        r->iter_max = fmax(r->iter_max, r->iterations[c]);
        r->n_failed += !r->ok[c];
        r->n_out_of_tol_end += fabs(r->g_end_S[c] - target[c]) > p->tol_rel * target[c];
    }
    r->iter_mean = r->n_programmed ? it_sum / (double)r->n_programmed : 0.0;
    r->e_per_cell_J = r->n_programmed ? (r->e_write_total_J + r->e_disturb_total_J + r->e_read_total_J) / (double)r->n_programmed : 0.0;
    free(g0);
    free(v_cell);
    return CIM_OK;
}

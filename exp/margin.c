/* exp/margin.c -- see margin.h. */
#include "exp/margin.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void exp_margin_init(exp_margin *e, cfg *c)
{
    memset(e, 0, sizeof *e);
    cfg_bind(c, &experiment_key_group, &e->key);
    cfg_bind(c, &run_group, &e->run);
    cfg_bind(c, &crossbar_group, &e->xb);
    cfg_bind(c, &cell_group, &e->cell);
    cfg_bind(c, &sneak_group, &e->sp);
}

int exp_margin_run(exp_margin *e, progress *prog)
{
    e->n_schemes = 0;
    if (e->sp.scheme == SNEAK_ALL)
        for (int s = SNEAK_FLOATING; s <= SNEAK_V3; s++)
            e->scheme[e->n_schemes++] = s;
    else
        e->scheme[e->n_schemes++] = e->sp.scheme;
    e->n_sizes = e->sp.sizes.n;
    for (size_t k = 0; k < e->n_sizes; k++)
        e->size[k] = (size_t)e->sp.sizes.v[k];
    size_t n = e->n_schemes * e->n_sizes;
    e->pt = xcalloc(n, sizeof *e->pt);
    e->closed = xmalloc(n * sizeof *e->closed);
    e->has_closed = crossbar_is_ideal(&e->xb) && e->cell.type == CELL_1R && e->cell.iv == CELL_IV_LINEAR;
    circuit_wires w = crossbar_wires(&e->xb);
    circuit_opts o = crossbar_opts(&e->xb);
    /* Cost grows as n^2 per read: weight the progress by it. */
    double total = 0, done = 0;
    for (size_t k = 0; k < e->n_sizes; k++)
        total += (double)(e->size[k] * e->size[k]);
    if (prog != NULL)
        progress_start(prog, "sneak", total * (double)e->n_schemes, prog->sink, prog->ctx);
    int st = CIM_OK;
    for (size_t s = 0; s < e->n_schemes && st == CIM_OK; s++) {
        sneak_params sp = e->sp;
        sp.scheme = e->scheme[s];
        e->largest_ok[s] = 0;
        for (size_t k = 0; k < e->n_sizes && st == CIM_OK; k++) {
            sneak_point *p = &e->pt[s * e->n_sizes + k];
            st = sneak_margin_sweep(&e->cell, &w, &sp, &e->size[k], 1, &o, p);
            double *cf = &e->closed[s * e->n_sizes + k];
            *cf = NAN;
            if (e->has_closed) {
                double sn = sneak_ideal_i_sneak(sp.scheme, e->size[k], e->size[k], sp.g_lrs_S, sp.v_read_V);
                *cf = (sp.g_lrs_S - sp.g_hrs_S) * sp.v_read_V / (sp.g_lrs_S * sp.v_read_V + sn);
            }
            if (st == CIM_OK && p->margin >= e->sp.margin_min)
                e->largest_ok[s] = e->size[k];
            done += (double)(e->size[k] * e->size[k]);
            progress_update(prog, done);
        }
    }
    progress_finish(prog);
    return st;
}

json_t *exp_margin_summary(const exp_margin *e)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f}", "model",
                          "worst-case single-cell read of cell (0, n-1) in LRS and HRS, every other cell LRS, exact "
                          "circuit solve",
                          "cell_type", cell_type_names[e->cell.type], "cell_iv", cell_iv_names[e->cell.iv], "v_read_V",
                          e->sp.v_read_V, "g_lrs_S", e->sp.g_lrs_S, "g_hrs_S", e->sp.g_hrs_S, "margin_min",
                          e->sp.margin_min);
    json_object_set_new(j, "wires",
                        json_pack("{s:f, s:f, s:f, s:f}", "r_row_ohm", e->xb.r_row_ohm, "r_col_ohm", e->xb.r_col_ohm,
                                  "r_drv_ohm", e->xb.r_drv_ohm, "r_sense_ohm", e->xb.r_sense_ohm));
    json_t *schemes = json_object();
    for (size_t s = 0; s < e->n_schemes; s++) {
        json_t *js = json_pack("{s:o, s:o, s:I}", "sizes", json_array(), "margin", json_array(), "largest_side_ok",
                               (json_int_t)e->largest_ok[s]);
        for (size_t k = 0; k < e->n_sizes; k++) {
            const sneak_point *p = &e->pt[s * e->n_sizes + k];
            json_array_append_new(json_object_get(js, "sizes"), json_integer((json_int_t)e->size[k]));
            json_array_append_new(json_object_get(js, "margin"), json_real(p->margin));
        }
        json_object_set_new(schemes, sneak_scheme_names[e->scheme[s]], js);
    }
    json_object_set_new(j, "schemes", schemes);
    if (e->has_closed) { /* ideal wires and 1R linear cells: the solve against the closed form */
        double dev = 0;
        for (size_t k = 0; k < e->n_schemes * e->n_sizes; k++)
            dev = fmax(dev, fabs(e->pt[k].margin - e->closed[k]));
        json_object_set_new(j, "closed_form_max_dev", json_real(dev));
    }
    return j;
}

void exp_margin_free(exp_margin *e)
{
    free(e->pt);
    free(e->closed);
    e->pt = NULL;
    e->closed = NULL;
}

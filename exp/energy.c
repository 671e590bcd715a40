/* exp/energy.c -- see energy.h. */
#include "exp/energy.h"
#include "core/status.h"

#include <math.h>
#include <string.h>

static int workload_check(const void *values)
{
    const workload_params *p = values;
    for (size_t k = 0; k < p->layers.n; k++) {
        double n = p->layers.v[k];
        if (p->layers.n == 1 && n == 0)
            return CIM_OK;
        if (!(n >= 1) || n != floor(n) || n > CROSSBAR_MAX_SIDE)
            return cim_error(CIM_ECONFIG, "layers: entry %zu is %g; layer widths are whole numbers >= 1 (at most %d)",
                             k, n, CROSSBAR_MAX_SIDE);
    }
    if (p->layers.n == 1)
        return cim_error(CIM_ECONFIG, "layers: one width (%g) makes no layer: give the input width and every layer's "
                                      "output width, [n_0, n_1, ...], or [0.0] for weights.rows x weights.cols",
                         p->layers.v[0]);
    return CIM_OK;
}

static const param_spec workload_spec[] = {
    PARAM_REALS_F(workload_params, layers, 0, 1e9, "[0.0]", "1",
                  "widths of a stack of fully connected layers, [n_0, n_1, ..., n_L]: layer l is an n_l x n_(l+1) "
                  "weight matrix; [0.0] (the default) is the one layer weights.rows x weights.cols"),
    PARAM_END,
};

const param_group workload_group = {
    .path = "workload",
    .doc = "What `cimsim energy` prices: a stack of fully connected layers, each run as the weight-level MVM.",
    .params = workload_spec,
    .size = sizeof(workload_params),
    .check = workload_check,
};

void exp_energy_init(exp_energy *e, cfg *c)
{
    memset(e, 0, sizeof *e);
    exp_wmvm_init(&e->w, c, 1);
    cfg_bind(c, &workload_group, &e->wl);
}

void exp_energy_bind_model(exp_energy *e, cfg *c) { exp_wmvm_bind_model(&e->w, c); }

int exp_energy_run(exp_energy *e, prov *pv, progress *prog)
{
    exp_wmvm *w = &e->w;
    int single = e->wl.layers.n == 1;
    e->n_layers = single ? 1 : e->wl.layers.n - 1;
    energy_tally design, vn, neuro;
    energy_tally_zero(&design);
    energy_tally_zero(&vn);
    energy_tally_zero(&neuro);
    uint64_t n_mac = 0;
    double latency = 0, area = 0;
    e->layers = json_array();
    if (prog != NULL)
        progress_start(prog, "energy", (double)e->n_layers, prog->sink, prog->ctx);
    int st = CIM_OK;
    const long long rows0 = w->p.rows, cols0 = w->p.cols;
    for (size_t l = 0; l < e->n_layers && st == CIM_OK; l++) {
        if (!single) {
            w->p.rows = (long long)e->wl.layers.v[l];
            w->p.cols = (long long)e->wl.layers.v[l + 1];
        }
        if ((st = exp_wmvm_load(w, NULL, NULL, pv, NULL)) == CIM_OK)
            st = exp_wmvm_run(w, NULL);
        if (st != CIM_OK) {
            cim_error_prefix(st, "layer %zu (%lld x %lld): ", l + 1, w->p.rows, w->p.cols);
            break;
        }
        const energy_report *r = &w->report;
        energy_tally_merge(&design, &r->design.tally);
        energy_tally_merge(&vn, &r->von_neumann.tally);
        energy_tally_merge(&neuro, &r->neuromorphic.tally);
        n_mac += r->n_mac;
        latency += r->latency_s;
        area += r->area_m2;
        e->e_program_J += w->program_J;
        json_t *jl = json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:f}", "rows", (json_int_t)w->rows, "cols",
                               (json_int_t)w->cols, "n_tiles", (json_int_t)w->t.n_tiles, "total_J",
                               r->design.total_J, "latency_s", r->latency_s, "area_m2", r->area_m2, "rmse_vs_float",
                               w->vs_float.rmse);
        json_object_set_new(jl, "snr_vs_float_dB", isfinite(w->vs_float.snr_dB) ? json_real(w->vs_float.snr_dB)
                                                                                : json_null());
        json_array_append_new(e->layers, jl);
        exp_wmvm_reset(w);
        progress_update(prog, (double)(l + 1));
    }
    w->p.rows = rows0; /* the configuration as given (provenance) */
    w->p.cols = cols0;
    progress_finish(prog);
    if (st != CIM_OK)
        return st;
    return energy_report_make(&e->report, &design, n_mac, latency, area, &vn, &neuro, &w->base);
}

json_t *exp_energy_summary(const exp_energy *e)
{
    json_t *j = energy_report_json(&e->report);
    json_object_set_new(j, "layers", json_incref(e->layers));
    json_object_set_new(j, "programming_J", json_real(e->e_program_J));
    json_object_set_new(j, "what",
                        json_string("energy of one input vector through every layer: the design (tiles: arrays, DACs, "
                                    "sense, ADCs, shift-add; activations through its buffer) beside a von Neumann "
                                    "machine and a Loihi-class chip doing the same work; programming apart"));
    return j;
}

void exp_energy_free(exp_energy *e)
{
    exp_wmvm_free(&e->w);
    json_decref(e->layers);
    e->layers = NULL;
}

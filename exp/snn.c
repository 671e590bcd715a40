/* exp/snn.c -- see snn.h. */
#include "exp/snn.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "periph/tiled.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const param_spec snn_spec[] = {
    PARAM_STRING_F(snn_params, data, "",
                   "the UCI 8 x 8 digits (.csv.gz, or the same decompressed), relative to the configuration's folder; "
                   "the repository ships data/digits.csv.gz (Alpaydin & Kaynak 1998, data/README.md)"),
    PARAM_STRING_F(snn_params, weights_dir, "",
                   "\"\": train the network to convert (group train); else a directory written by a previous run's "
                   "training (params.json with \"kind\": \"ann\", W<l>.csv, b<l>.csv), relative to the configuration"),
    PARAM_REAL_F(snn_params, dt_s, 1e-9, 1.0, 1e-3, "s",
                 "time step (1 ms: the converted network of data/README.md; with neuron.alpha = 0 it sets the decay "
                 "exp(-dt / tau_m))"),
    PARAM_INT_F(snn_params, t_steps, 1, 100000, 30,
                "steps per image (30: the converted network's 91.78% of data/README.md, also reached at 100)"),
    PARAM_INT_F(snn_params, n_test, 0, DIGITS_TEST, 0, "test images classified, the first of the test split (0: all 450)"),
    PARAM_INT_F(snn_params, record_images, 0, DIGITS_TEST, 1,
                "the first test images whose spikes (a raster: image,step,layer,neuron) and membrane traces are "
                "recorded, from the device pass (or the ideal one without it); cimsim snn --raster and --voltages "
                "write them"),
    PARAM_BOOL_F(snn_params, device_run, 1,
                 "also run the network on the configured crossbar tiles (group synapse and the array's groups); false: "
                 "the float network and the ideal SNN only"),
    PARAM_END,
};

const param_group snn_group = {
    .path = "snn",
    .doc = "The digits experiment (`cimsim snn CONFIG`): data, the network converted, time steps and images.",
    .params = snn_spec,
    .size = sizeof(snn_params),
};

void exp_snn_init(exp_snn *e, cfg *c)
{
    memset(e, 0, sizeof *e);
    strbuf_init(&e->raster);
    strbuf_init(&e->volts);
    cfg_bind(c, &experiment_key_group, &e->key);
    cfg_bind(c, &run_group, &e->run);
    cfg_bind(c, &snn_group, &e->p);
    cfg_bind(c, &neuron_group, &e->neuron);
    cfg_bind(c, &encode_group, &e->enc);
    cfg_bind(c, &train_group, &e->train);
    cfg_bind(c, &convert_group, &e->conv);
    cfg_bind(c, &synapse_group, &e->syn);
    cfg_bind(c, &stdp_group, &e->stdp);
    cfg_bind(c, &crossbar_group, &e->xb);
    cfg_bind(c, &cell_group, &e->cell);
    cfg_bind(c, &mapping_group, &e->mp);
    device_binding_init(&e->b, c);
    cfg_bind(c, &sim_group, &e->sim);
    cfg_bind(c, &program_group, &e->prog);
    cfg_bind(c, &dac_group, &e->dac);
    cfg_bind(c, &sense_group, &e->sense);
    cfg_bind(c, &adc_group, &e->adc);
    cfg_bind(c, &tech_group, &e->tech);
    cfg_bind(c, &baseline_group, &e->base);
}

void exp_snn_bind_model(exp_snn *e, cfg *c) { device_binding_select(&e->b, c); }

/* The device model of device cells, resolved once (as the weight level does). */
static void device_ready(exp_snn *e)
{
    if (e->syn.cells == SNN_XBAR_CELLS_DEVICE && !e->dev_ready) {
        e->dev_ready = 1;
        e->b.type = device_types[e->b.dev.model];
        variability_prepare(&e->b.var);
    }
}

/* base_dir + name, or name when it is absolute. */
static void path_in(char *out, size_t n, const char *base_dir, const char *name)
{
    snprintf(out, n, "%s%s", name[0] == '/' ? "" : base_dir, name);
}

int exp_snn_prepare(exp_snn *e, const char *base_dir, prov *pv)
{
    if (e->p.data[0] == '\0')
        return cim_error(CIM_ECONFIG, "snn.data: give the digits file, e.g. data = \"../../data/digits.csv.gz\" from "
                                      "configs/snn/ (relative to the configuration's folder)");
    device_ready(e);
    char path[2 * PARAM_STRING_MAX + 8];
    path_in(e->data_path, sizeof e->data_path, base_dir, e->p.data);
    int st = digits_load(e->data_path, &e->train_set, &e->test_set);
    if (st != CIM_OK)
        return st;
    if (pv != NULL) /* the provenance keeps the pointer: the path lives in e */
        prov_add_input(pv, "snn.data", e->data_path, e->train_set.fnv1a64);
    if (e->p.weights_dir[0] != '\0') {
        path_in(path, sizeof path, base_dir, e->p.weights_dir);
        if ((st = ann_load(&e->net, path)) != CIM_OK)
            return st;
        e->loaded = 1;
        if (e->net.size[0] != DIGITS_PIXELS || e->net.size[e->net.n_layers] != DIGITS_CLASSES)
            return cim_error(CIM_EINVAL, "%s: a network of %zu inputs and %zu outputs; the digits need %d and %d",
                             path, e->net.size[0], e->net.size[e->net.n_layers], DIGITS_PIXELS, DIGITS_CLASSES);
    }
    return CIM_OK;
}

/* ---- one pass over the test images ---------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t n_test_of(const exp_snn *e)
{
    return e->p.n_test > 0 ? (size_t)e->p.n_test : e->test_set.n;
}

int exp_snn_maker(void *ctx, size_t l, size_t n_in, size_t n_out, const double *w, snn_synapse *out)
{
    exp_snn *e = ctx;
    device_ready(e);
    char name[32];
    snprintf(name, sizeof name, "layer%zu", l);
    snn_xbar_config cf = {
        .syn = &e->syn, .mapping = &e->mp, .crossbar = &e->xb, .cell = &e->cell, .device = &e->b,
        .program = &e->prog, .sim = &e->sim, .dac = &e->dac, .sense = &e->sense, .adc = &e->adc,
        .e_shift_add_J = e->tech.e_shift_add_J, .stdp = e->syn.learn ? &e->stdp : NULL, .dt_s = e->p.dt_s, .seed = (uint64_t)e->run.seed,
        .name = name,
    };
    int st = snn_synapse_xbar_new(out, n_in, n_out, w, &cf);
    return st == CIM_OK ? CIM_OK : cim_error_prefix(st, "layer %zu (%zu x %zu): ", l, n_in, n_out);
}

/* Layer l's bank (l = 1 .. L) from the converted weights: ideal, or on crossbar tiles. */
static int make_bank(exp_snn *e, size_t l, int on_tiles, snn_synapse *out)
{
    const snn_conv *cv = &e->conv_net;
    size_t n_in = cv->size[l - 1], n_out = cv->size[l];
    return on_tiles ? exp_snn_maker(e, l, n_in, n_out, cv->w[l - 1], out)
                    : snn_synapse_ideal_new(out, n_in, n_out, cv->w[l - 1]);
}

static int make_net(exp_snn *e, int on_tiles, snn_net **out)
{
    const snn_conv *cv = &e->conv_net;
    size_t L = cv->n_layers;
    snn_layer_spec *ls = xcalloc(L, sizeof *ls);
    int st = CIM_OK;
    for (size_t l = 1; l <= L && st == CIM_OK; l++) {
        ls[l - 1].n = cv->size[l];
        ls[l - 1].neuron = e->neuron;
        st = make_bank(e, l, on_tiles, &ls[l - 1].syn);
    }
    if (st == CIM_OK) {
        snn_net_spec s = {.n_in = cv->size[0], .n_layers = L, .layers = ls, .dt_s = e->p.dt_s, .delay_steps = 0};
        st = snn_net_new(out, &s);
    }
    if (st != CIM_OK)
        for (size_t l = 0; l < L; l++)
            snn_synapse_free(&ls[l].syn);
    free(ls);
    return st;
}

/* Classifies the test images on net: the pass's predictions and counts.  spikes_of[l] (l = 0 .. L) gets each
 * layer's spikes (0: the inputs) when not NULL. */
/* Appends image i's step t to the raster and the traces. */
static void record_step(exp_snn *e, snn_net *net, size_t i, uint64_t t)
{
    size_t L = snn_net_layers(net);
    for (size_t l = 0; l <= L; l++) {
        const uint32_t *idx;
        size_t m = snn_net_spikes(net, l, &idx);
        for (size_t k = 0; k < m; k++)
            strbuf_printf(&e->raster, "%zu,%llu,%zu,%lu\n", i, (unsigned long long)t, l, (unsigned long)idx[k]);
    }
    strbuf_printf(&e->volts, "%zu,%llu", i, (unsigned long long)t);
    for (size_t l = 1; l <= L; l++) {
        const double *v = snn_net_v(net, l);
        for (size_t k = 0; k < snn_net_size(net, l); k++)
            strbuf_printf(&e->volts, ",%.17g", v[k]);
    }
    strbuf_puts(&e->volts, "\n");
}

static void record_start(exp_snn *e, snn_net *net)
{
    strbuf_destroy(&e->raster);
    strbuf_destroy(&e->volts);
    strbuf_init(&e->raster);
    strbuf_init(&e->volts);
    strbuf_puts(&e->raster, "image,step,layer,neuron\n");
    strbuf_puts(&e->volts, "image,step");
    for (size_t l = 1; l <= snn_net_layers(net); l++)
        for (size_t k = 0; k < snn_net_size(net, l); k++)
            strbuf_printf(&e->volts, ",l%zu_v%zu", l, k);
    strbuf_puts(&e->volts, "\n");
}

static int classify(exp_snn *e, snn_net *net, snn_pass *pass, uint64_t *spikes_of, progress *prog, double prog0)
{
    const snn_conv *cv = &e->conv_net;
    size_t L = cv->n_layers, n_out = cv->size[L], n = n_test_of(e);
    encoder_spec es = {.p = e->enc, .n_channels = cv->n_data, .bias = cv->bias, .T_steps = (uint64_t)e->p.t_steps,
                       .dt_s = e->p.dt_s, .seed = (uint64_t)e->run.seed, .stream = "encode"};
    encoder *enc;
    int st = encoder_new(&enc, &es);
    if (st != CIM_OK)
        return st;
    pass->n = n;
    pass->pred = xmalloc(n * sizeof *pass->pred);
    uint32_t *spk = xmalloc(encoder_channels(enc) * sizeof *spk);
    uint64_t *count = xmalloc(n_out * sizeof *count);
    const snn_counts c0 = *snn_net_counts(net);
    record_start(e, net);
    for (size_t i = 0; i < n && st == CIM_OK; i++) {
        if ((st = encoder_set_input(enc, e->test_set.x + i * e->test_set.d, (uint64_t)i)) != CIM_OK)
            break;
        snn_net_reset(net);
        memset(count, 0, n_out * sizeof *count);
        for (uint64_t t = 0; t < (uint64_t)e->p.t_steps && st == CIM_OK; t++) {
            size_t k = encoder_step(enc, t, spk);
            st = snn_net_step(net, spk, k, encoder_analog(enc));
            if (st != CIM_OK)
                break;
            const uint32_t *idx;
            size_t m = snn_net_spikes(net, L, &idx);
            for (size_t j = 0; j < m; j++)
                count[idx[j]]++;
            if (i < (size_t)e->p.record_images)
                record_step(e, net, i, t);
            if (spikes_of != NULL)
                for (size_t l = 0; l <= L; l++)
                    spikes_of[l] += snn_net_spikes(net, l, &idx);
        }
        if (st != CIM_OK)
            st = cim_error_prefix(st, "test image %zu: ", i);
        else {
            pass->pred[i] = (int)convert_readout(count, snn_net_v(net, L), n_out);
            pass->correct += pass->pred[i] == e->test_set.y[i];
        }
        progress_update(prog, prog0 + (double)(i + 1));
    }
    const snn_counts *c1 = snn_net_counts(net);
    pass->in_spikes = c1->in_spikes - c0.in_spikes;
    pass->spikes = c1->spikes - c0.spikes;
    pass->sop = c1->sop - c0.sop;
    pass->updates_active = c1->updates_active - c0.updates_active;
    pass->updates_idle = c1->updates_idle - c0.updates_idle;
    pass->accuracy = n > 0 ? (double)pass->correct / (double)n : NAN;
    free(count);
    free(spk);
    encoder_free(enc);
    return st;
}

/* ---- energy -------------------------------------------------------------------------------------------- */

/* Bits of an address event among n sources. */
static int address_bits(size_t n)
{
    int b = 1;
    while (b < 63 && ((size_t)1 << b) < n)
        b++;
    return b;
}

/* The device SNN's report: its banks' tallies (programming moved apart), neurons, spike traffic; the baselines. */
static int energy_of(exp_snn *e, snn_net *net, const uint64_t *spikes_of)
{
    const snn_conv *cv = &e->conv_net;
    size_t L = cv->n_layers, n = n_test_of(e);
    energy_tally design = {0}, prog = {0};
    double latency_step = 0, area_m2 = 0;
    e->banks = json_array();
    for (size_t l = 1; l <= L; l++) {
        snn_synapse *s = snn_net_synapse(net, l);
        energy_tally t = s->tally;
        energy_tally_move(&prog, &t, ENERGY_WRITE);
        energy_tally_move(&prog, &t, ENERGY_VERIFY);
        energy_tally_move(&prog, &t, ENERGY_DISTURB);
        energy_tally_merge(&design, &t);
        /* Tiles run in parallel; layers one after another within a step. */
        struct tiled *td = snn_synapse_xbar_tiles(s);
        const tiling *tg = tiled_tiling(td);
        double lat = 0;
        for (size_t k = 0; k < tg->n_tiles; k++) {
            tile *tl = tiled_tile(td, k);
            lat = fmax(lat, tile_get_stats(tl)->latency_s);
            area_m2 += 1e-12 * tile_periphery_area_um2(tl) +
                       tech_array_area_m2(&e->tech, tg->tile_rows, tg->tile_cols, e->cell.type != CELL_1R);
        }
        latency_step += lat;
        json_array_append_new(e->banks, json_pack("{s:I, s:I, s:I, s:f}", "layer", (json_int_t)l, "n_in",
                                                  (json_int_t)s->n_in, "n_out", (json_int_t)s->n_out,
                                                  "latency_s", lat));
        json_t *jb = json_array_get(e->banks, l - 1);
        json_object_set_new(jb, "n_tiles", json_integer((json_int_t)tg->n_tiles));
        /* How programming went (device cells): cells, pulses, those outside tolerance, targets out of range. */
        const tiled_stats *ps = tiled_get_stats(td);
        json_object_set_new(jb, "cells_programmed", json_integer((json_int_t)ps->n_cells));
        json_object_set_new(jb, "program_pulses", json_integer((json_int_t)ps->n_pulses));
        json_object_set_new(jb, "cells_failed", json_integer((json_int_t)ps->n_failed));
        json_object_set_new(jb, "cells_out_of_tol_end", json_integer((json_int_t)ps->n_out_of_tol_end));
        json_object_set_new(jb, "targets_out_of_range", json_integer((json_int_t)ps->n_out_of_range));
    }
    e->program_J = energy_tally_total_J(&prog);
    /* Neurons: a digital update per neuron and step -- the leak (a 16-bit multiply), the input and the threshold
     * compare (two 16-bit adds) [Horowitz2014]. */
    uint64_t n_upd = e->device.updates_active + e->device.updates_idle;
    double e_upd = tech_e_mult_J(&e->tech, 16) + 2 * tech_e_add_J(&e->tech, 16);
    energy_tally_add(&design, ENERGY_NEURON, (double)n_upd * e_upd, n_upd);
    /* Movement: the pixels are read from the activation buffer once per image (8 bits each) and the classes'
     * spike counts written back (16 bits), as the von Neumann machine reads and writes its activations; the rate
     * code is made beside the arrays (below).  Spikes of hidden layers travel to the next layer's tiles as address
     * events of ceil(log2 n) bits, written to and read from the buffer. */
    energy_work io = energy_work_mvm(cv->n_data, cv->size[L], n, (int)e->mp.weight_bits, 8, 16);
    baseline_cim_movement(&e->tech, &io, &design);
    for (size_t l = 1; l < L; l++) {
        double bits = 2.0 * (double)spikes_of[l] * address_bits(cv->size[l]);
        energy_tally_add(&design, ENERGY_ONCHIP,
                         bits * e->tech.e_buffer_J_per_bit + tech_wire_J(&e->tech, bits, e->tech.d_act_mm),
                         (uint64_t)bits);
    }
    /* The encoder beside the arrays: one 8-bit accumulate per input channel and step [Horowitz2014]. */
    uint64_t n_acc = (uint64_t)n * (uint64_t)e->p.t_steps * (uint64_t)cv->size[0];
    energy_tally_add(&design, ENERGY_DIGITAL, (double)n_acc * tech_e_add_J(&e->tech, 8), n_acc);
    /* Von Neumann: the network converted from, one MVM per layer and image, at the mapping's weight bits. */
    energy_tally vn = {0}, neuro = {0};
    uint64_t n_mac = 0;
    for (size_t l = 1; l <= e->net.n_layers; l++) {
        energy_work w = energy_work_mvm(e->net.size[l - 1] + 1, e->net.size[l], n, (int)e->mp.weight_bits, 8, 16);
        baseline_von_neumann(&e->base, &e->tech, &w, &vn);
        n_mac += w.n_mac;
    }
    /* Neuromorphic: this run's own events. */
    neuro_counts nc = {.n_sop = e->device.sop, .n_active = e->device.updates_active,
                       .n_inactive = e->device.updates_idle, .n_spikes = e->device.in_spikes + e->device.spikes,
                       .n_hops = 0};
    baseline_neuromorphic(&e->base, &nc, &neuro);
    double latency = (double)n * (double)e->p.t_steps * latency_step;
    return energy_report_make(&e->report, &design, n_mac, latency, area_m2, &vn, &neuro, &e->base);
}

/* ---- the run ------------------------------------------------------------------------------------------- */

int exp_snn_run(exp_snn *e, progress *prog)
{
    int st = CIM_OK;
    if (e->syn.learn)
        return cim_error(CIM_ECONFIG, "synapse.learn: the digits experiment classifies with the converted weights; "
                                      "STDP runs on a network directory (cimsim snn --network DIR CONFIG)");
    if (!e->loaded) {
        if ((st = train_fit(&e->train, &e->train_set, (uint64_t)e->run.seed, "train", &e->net, &e->trained)) != CIM_OK)
            return cim_error_prefix(st, "train: ");
    }
    size_t n = n_test_of(e);
    dataset head = e->test_set;
    head.n = n;
    e->n_float_correct = ann_correct(&e->net, &head);
    if ((st = convert_ann(&e->conv, &e->net, &e->train_set, &e->neuron, &e->conv_net)) != CIM_OK)
        return cim_error_prefix(st, "convert: ");
    double total = (double)n * (e->p.device_run ? 2.0 : 1.0);
    if (prog != NULL)
        progress_start(prog, "snn", total, prog->sink, prog->ctx);
    snn_net *net = NULL;
    if ((st = make_net(e, 0, &net)) == CIM_OK)
        st = classify(e, net, &e->ideal, NULL, prog, 0.0);
    snn_net_free(net);
    net = NULL;
    if (st == CIM_OK && e->p.device_run) {
        uint64_t spikes_of[ANN_MAX_LAYERS + 2] = {0};
        double t0 = now_s();
        if ((st = make_net(e, 1, &net)) == CIM_OK && (st = classify(e, net, &e->device, spikes_of, prog, (double)n)) ==
                                                         CIM_OK)
            st = energy_of(e, net, spikes_of);
        e->wall_s = now_s() - t0;
        snn_net_free(net);
    }
    progress_finish(prog);
    return st;
}

static json_t *pass_json(const snn_pass *p)
{
    double n = p->n > 0 ? (double)p->n : NAN;
    return json_pack("{s:f, s:I, s:I, s:f, s:f, s:f}", "accuracy", p->accuracy, "correct", (json_int_t)p->correct,
                     "images", (json_int_t)p->n, "in_spikes_per_image", (double)p->in_spikes / n,
                     "spikes_per_image", (double)p->spikes / n, "sop_per_image", (double)p->sop / n);
}

json_t *exp_snn_summary(const exp_snn *e)
{
    size_t n = n_test_of(e);
    json_t *j = json_object();
    json_t *acc = json_object();
    json_object_set_new(acc, "float", json_real(n > 0 ? (double)e->n_float_correct / (double)n : NAN));
    json_object_set_new(acc, "snn_ideal", json_real(e->ideal.accuracy));
    json_object_set_new(acc, "snn_device", e->p.device_run ? json_real(e->device.accuracy) : json_null());
    json_object_set_new(j, "accuracy", acc);
    json_object_set_new(j, "images", json_integer((json_int_t)n));
    json_object_set_new(j, "t_steps", json_integer(e->p.t_steps));
    json_t *net = json_object();
    json_object_set_new(net, "source", json_string(e->loaded ? "loaded" : "trained"));
    json_object_set_new(net, "model", json_string(e->net.n_layers == 1 ? "softmax" : "mlp"));
    json_t *sizes = json_array();
    for (size_t l = 0; l <= e->conv_net.n_layers; l++)
        json_array_append_new(sizes, json_integer((json_int_t)e->conv_net.size[l]));
    json_object_set_new(net, "snn_layer_sizes", sizes);
    if (!e->loaded)
        json_object_set_new(net, "train_iterations", json_integer(e->trained.iterations));
    json_object_set_new(j, "network", net);
    json_object_set_new(j, "snn_ideal", pass_json(&e->ideal));
    if (e->p.device_run) {
        json_object_set_new(j, "snn_device", pass_json(&e->device));
        json_t *er = energy_report_json(&e->report);
        json_object_set_new(er, "programming_J", json_real(e->program_J));
        json_object_set_new(er, "banks", json_incref(e->banks));
        json_object_set_new(j, "energy", er);
    }
    return j;
}

void exp_snn_free(exp_snn *e)
{
    dataset_free(&e->train_set);
    dataset_free(&e->test_set);
    ann_free(&e->net);
    snn_conv_free(&e->conv_net);
    free(e->ideal.pred);
    free(e->device.pred);
    e->ideal.pred = e->device.pred = NULL;
    json_decref(e->banks);
    e->banks = NULL;
    strbuf_destroy(&e->raster);
    strbuf_destroy(&e->volts);
    device_binding_free(&e->b);
}

/* cli/cmd_snn.c -- `cimsim snn`: spiking networks.
 *
 * `cimsim snn CONFIG` runs the digits experiment (exp/snn.h) and prints its accuracies, spike counts and energy
 * report.  `cimsim snn --network DIR [CONFIG]` runs a network given as a directory (snn/netdir.h: params.json,
 * the weight CSVs, inputs.csv) for its T_steps and writes every layer's spikes (-o) and, with --voltages, every
 * layer's membrane at the end of each step.  The synapses are ideal without CONFIG; with one, its crossbar groups
 * map every layer's weights onto tiles (exp_snn_maker), and its neuron and experiment groups are refused (the
 * directory gives the neurons). */
#include "cli/cli.h"
#include "core/afile.h"
#include "core/prov.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "cli/plot.h"
#include "exp/snn.h"
#include "exp/experiment.h"
#include "snn/netdir.h"
#include "snn/network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_option snn_options[] = {
    {"network", "DIR", "run the network in DIR: params.json, the weight CSVs it names, inputs.csv", CLI_OUT_NONE},
    {"voltages", "FILE",
     "also write every layer's membrane at the end of each step (CSV: step,l1_v0,...; CONFIG form: "
     "image,step,l1_v0,... of the first snn.record_images test images)",
     CLI_OUT_FILE},
    {"raster", "FILE",
     "CONFIG form: write the spikes of the first snn.record_images test images (CSV: image,step,layer,neuron; layer 0 "
     "the input channels)",
     CLI_OUT_FILE},
    {"plot", "FILE.png",
     "CONFIG form: draw the device SNN's energy per MAC beside the von Neumann and neuromorphic machines (stacked "
     "bars by category; .png, .svg or .pdf)",
     CLI_OUT_FIGURE},
    {NULL, NULL, NULL, CLI_OUT_NONE},
};

/* Where each layer's synapse bank is made from its weights.  Without CONFIG: ideal synapses.  With CONFIG: the
 * configuration is loaded as the snn experiment's (only its crossbar, device and periphery groups may be given: the
 * directory gives the neurons and steps) and every layer's bank becomes tiles (exp_snn_maker). */
static const char *const netdir_refused[] = {"snn", "neuron", "encode", "train", "convert", NULL};

static int synapse_maker(const cli_args *a, exp_run *r, snn_synapse_maker *make, void **ctx)
{
    *ctx = NULL;
    if (a->config == NULL) {
        *make = snn_synapse_maker_ideal;
        return CIM_OK;
    }
    experiment_loading l = {.path = a->config, .sets = (const char *const *)a->sets, .n_sets = a->n_sets,
                            .seed = a->seed, .fixed = experiment_find("snn")};
    int st = experiment_open(&l, r);
    if (st != CIM_OK)
        return st;
    for (size_t k = 0; netdir_refused[k] != NULL; k++)
        if (cfg_has(&r->c, netdir_refused[k]))
            return cim_error(CIM_EUSAGE, "%s sets the group %s, which --network does not read: the network directory "
                                         "gives the neurons, the steps and the input spikes; a CONFIG with --network "
                                         "maps the weights onto devices (groups synapse, mapping, crossbar, cell, "
                                         "device, program, dac, sense, adc)",
                             a->config, netdir_refused[k]);
    *make = exp_snn_maker;
    *ctx = r->state;
    return CIM_OK;
}

/* x in the fewest significant digits that read back to the same double ("0.9", not "0.90000000000000002"). */
static const char *shortest(char *buf, size_t n, double x)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, n, "%.*g", digits, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

/* The '#' lines that open each output: version, command line, the input files and their fingerprints, the network. */
static void header(strbuf *b, const cli_args *a, const snn_netdir *d, const char *syn_what, const exp_run *r)
{
    strbuf_printf(b, "# cimsim %s: snn --network\n", cim_version());
    strbuf_printf(b, "# invocation: %s\n", a->invocation);
    strbuf_printf(b, "# input params: %s (FNV-1a 64: %016llx)\n", d->params_path, (unsigned long long)d->params_fnv);
    for (size_t l = 0; l < d->n_layers; l++)
        strbuf_printf(b, "# input weights of layer %zu: %s (FNV-1a 64: %016llx)\n", l + 1, d->w_path[l],
                      (unsigned long long)d->w_fnv[l]);
    strbuf_printf(b, "# input spikes: %s (FNV-1a 64: %016llx)\n", d->inputs_path, (unsigned long long)d->inputs_fnv);
    strbuf_printf(b, "# network: %zu inputs", d->sizes[0]);
    for (size_t l = 1; l <= d->n_layers; l++)
        strbuf_printf(b, " -> %zu", d->sizes[l]);
    strbuf_printf(b, " LIF neurons, %lld steps, inter-layer delay %d, %s\n", d->T_steps, d->delay_steps, syn_what);
    if (a->config != NULL) { /* the synapses' configuration, resolved (its seed included) */
        strbuf_puts(b, "# resolved configuration of the synapses:\n");
        strbuf text;
        strbuf_init(&text);
        cfg_dump(&r->c, &text);
        strbuf_prefix_lines(b, "#   ", text.s);
        strbuf_destroy(&text);
    }
}

static int snn_network(const cli_command *cmd, cli_args *a, const char *dir)
{
    const char *vpath = cli_opt(cmd, a, "voltages");
    if (a->n_sets > 0 && a->config == NULL)
        return cim_error(CIM_EUSAGE, "snn: --set %s: --network without a CONFIG reads no configuration keys (its "
                                     "parameters are in %s/params.json)",
                         a->sets[0], dir);
    if (cli_opt(cmd, a, "plot") != NULL || cli_opt(cmd, a, "raster") != NULL)
        return cim_error(CIM_EUSAGE, "snn: --%s belongs to the digits experiment (cimsim snn CONFIG); a --network "
                                     "run writes its spikes with -o",
                         cli_opt(cmd, a, "plot") != NULL ? "plot" : "raster");
    if (a->format == CLI_FORMAT_JSON)
        return cim_error(CIM_EUSAGE, "snn: --network writes its spikes as CSV (step,layer,neuron); --format json is "
                                     "not supported");
    snn_synapse_maker make = snn_synapse_maker_ideal;
    void *ctx;
    exp_run r;
    memset(&r, 0, sizeof r);
    int st = synapse_maker(a, &r, &make, &ctx);
    if (st != CIM_OK) {
        exp_run_free(&r);
        return st;
    }
    snn_netdir d;
    if ((st = snn_netdir_load(&d, dir)) != CIM_OK) {
        exp_run_free(&r);
        return st;
    }
    char syn_what[PARAM_STRING_MAX + 64] = "ideal synapses";
    if (a->config != NULL)
        snprintf(syn_what, sizeof syn_what, "synapses on crossbar tiles of %s", a->config);
    size_t n_total = 0;
    for (size_t l = 1; l <= d.n_layers; l++)
        n_total += d.sizes[l];
    if (vpath != NULL) {
        char what[200];
        snprintf(what, sizeof what, "--voltages of %lld steps x %zu neurons", d.T_steps, n_total);
        st = cli_check_size(a, (double)d.T_steps * (double)(n_total + 1) * CLI_BYTES_PER_VALUE, what);
    }
    snn_net *net = NULL;
    if (st == CIM_OK)
        st = snn_netdir_network(&d, make, ctx, &net);
    if (st != CIM_OK) {
        snn_netdir_free(&d);
        exp_run_free(&r);
        return st;
    }

    strbuf spikes, volts;
    strbuf_init(&spikes);
    strbuf_init(&volts);
    header(&spikes, a, &d, syn_what, &r);
    strbuf_puts(&spikes, "step,layer,neuron\n");
    if (vpath != NULL) {
        header(&volts, a, &d, syn_what, &r);
        strbuf_puts(&volts, "step");
        for (size_t l = 1; l <= d.n_layers; l++)
            for (size_t i = 0; i < d.sizes[l]; i++)
                strbuf_printf(&volts, ",l%zu_v%zu", l, i);
        strbuf_puts(&volts, "\n");
    }
    uint64_t *per_layer = calloc(d.n_layers + 1, sizeof *per_layer);
    /* Learning: the weights the devices hold before the run, to say how far STDP moved them. */
    const exp_snn *xe = r.state;
    int learns = a->config != NULL && xe->syn.learn;
    double **w0 = xcalloc(d.n_layers + 1, sizeof *w0);
    for (size_t l = 1; learns && l <= d.n_layers && st == CIM_OK; l++) {
        snn_synapse *bank = snn_net_synapse(net, l);
        w0[l] = xmalloc(d.sizes[l - 1] * d.sizes[l] * sizeof *w0[l]);
        st = bank->type->weights(bank, w0[l]);
    }
    progress prog;
    cli_progress(a, &prog);
    progress_start(&prog, "steps", (size_t)d.T_steps, prog.sink, prog.ctx);
    for (long long t = 0; t < d.T_steps && st == CIM_OK; t++) {
        const uint32_t *in;
        size_t n_in = snn_netdir_inputs(&d, t, &in);
        if ((st = snn_net_step(net, in, n_in, NULL)) != CIM_OK)
            break;
        for (size_t l = 1; l <= d.n_layers; l++) {
            const uint32_t *idx;
            size_t n = snn_net_spikes(net, l, &idx);
            per_layer[l] += n;
            for (size_t k = 0; k < n; k++)
                strbuf_printf(&spikes, "%lld,%zu,%lu\n", t, l, (unsigned long)idx[k]);
        }
        if (vpath != NULL) {
            strbuf_printf(&volts, "%lld", t);
            for (size_t l = 1; l <= d.n_layers; l++) {
                const double *v = snn_net_v(net, l);
                for (size_t i = 0; i < d.sizes[l]; i++)
                    strbuf_printf(&volts, ",%.17g", v[i]);
            }
            strbuf_puts(&volts, "\n");
        }
        if ((t & 1023) == 0)
            progress_update(&prog, (size_t)t);
    }
    progress_update(&prog, (size_t)d.T_steps);
    progress_finish(&prog);
    if (st == CIM_OK)
        st = afile_write_all(a->output ? a->output : "-", spikes.s, spikes.len);
    if (st == CIM_OK && vpath != NULL)
        st = afile_write_all(vpath, volts.s, volts.len);

    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        const snn_counts *c = snn_net_counts(net);
        neuron_derived nd;
        neuron_derive(&d.neuron, d.dt_s, &nd); /* checked when loaded */
        fprintf(out, "cimsim snn: network %s, %s\n", dir, syn_what);
        fprintf(out, "  layers             %zu inputs", d.sizes[0]);
        for (size_t l = 1; l <= d.n_layers; l++)
            fprintf(out, " -> %zu", d.sizes[l]);
        char a_txt[32];
        fprintf(out, " LIF neurons (alpha %s, v_th %g V, v_reset %g V, t_ref %lld step%s, reset %s), inter-layer "
                     "delay %d step%s\n",
                shortest(a_txt, sizeof a_txt, nd.alpha), d.neuron.v_th_V, d.neuron.v_reset_V, d.neuron.t_ref_steps,
                d.neuron.t_ref_steps == 1 ? "" : "s", neuron_reset_names[d.neuron.reset], d.delay_steps,
                d.delay_steps == 1 ? "" : "s");
        fprintf(out, "  steps              %lld\n", d.T_steps);
        fprintf(out, "  input spikes       %llu\n", (unsigned long long)c->in_spikes);
        for (size_t l = 1; l <= d.n_layers; l++)
            fprintf(out, "  spikes, layer %-4zu %llu\n", l, (unsigned long long)per_layer[l]);
        fprintf(out, "  synaptic ops       %llu\n", (unsigned long long)c->sop);
        fprintf(out, "  neuron updates     %llu with input, %llu without\n", (unsigned long long)c->updates_active,
                (unsigned long long)c->updates_idle);
        if (learns)
            for (size_t l = 1; l <= d.n_layers; l++) {
                snn_synapse *bank = snn_net_synapse(net, l);
                const snn_xbar_stats *xs = snn_synapse_xbar_stats(bank);
                size_t nw = d.sizes[l - 1] * d.sizes[l];
                double *w = xmalloc(nw * sizeof *w), sum = 0, big = 0;
                if (bank->type->weights(bank, w) == CIM_OK) {
                    for (size_t k = 0; k < nw; k++) {
                        double dw = fabs(w[k] - w0[l][k]);
                        sum += dw;
                        big = dw > big ? dw : big;
                    }
                    fprintf(out, "  learning, layer %-3zu %zu potentiating and %zu depressing pulses; the weights "
                                 "the devices hold moved by %.3g V on average (at most %.3g V)\n",
                            l, xs->n_pulses_plus, xs->n_pulses_minus, sum / (double)nw, big);
                }
                free(w);
            }
        if (a->config != NULL) {
            energy_tally all = {0};
            for (size_t l = 1; l <= d.n_layers; l++)
                energy_tally_merge(&all, &snn_net_synapse(net, l)->tally);
            strbuf t;
            strbuf_init(&t);
            energy_tally_report(&all, "    ", &t);
            fprintf(out, "  synapse energy (the tiles' reads, drivers, converters; programming included):\n%s", t.s);
            strbuf_destroy(&t);
        }
        if (a->output != NULL && strcmp(a->output, "-") != 0)
            fprintf(out, "wrote %s (step,layer,neuron)\n", a->output);
        if (vpath != NULL)
            fprintf(out, "wrote %s (step, then each layer's membrane in volts)\n", vpath);
    }
    free(per_layer);
    for (size_t l = 0; l <= d.n_layers; l++)
        free(w0[l]);
    free(w0);
    strbuf_destroy(&spikes);
    strbuf_destroy(&volts);
    snn_net_free(net);
    snn_netdir_free(&d);
    exp_run_free(&r);
    return st;
}

/* ---- the digits experiment (`cimsim snn CONFIG`) ---------------------------------------------------------- */

static int snn_check(const cli_command *cmd, const cli_args *a, const exp_run *r)
{
    const exp_snn *e = r->state;
    if ((cli_opt(cmd, a, "voltages") != NULL || cli_opt(cmd, a, "raster") != NULL) && e->p.record_images == 0)
        return cim_error(CIM_EUSAGE, "snn: --raster and --voltages write the recorded images, and snn.record_images "
                                     "is 0");
    return CIM_OK;
}

static void pass_line(FILE *out, const char *what, const snn_pass *p, double t_steps)
{
    double n = p->n > 0 ? (double)p->n : 1.0;
    fprintf(out, "  %-22s %6.2f %%  (%zu / %zu)   per image: %.1f input spikes, %.1f spikes, %.0f synaptic ops "
                 "(%.0f steps)\n",
            what, 100 * p->accuracy, p->correct, p->n, (double)p->in_spikes / n, (double)p->spikes / n,
            (double)p->sop / n, t_steps);
}

static int snn_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    (void)prog;
    const exp_snn *e = r->state;
    size_t n = e->ideal.n;
    /* CSV: one line per test image. */
    strbuf body;
    strbuf_init(&body);
    strbuf_puts(&body, e->p.device_run ? "image,label,float,snn_ideal,snn_device\n" : "image,label,float,snn_ideal\n");
    for (size_t i = 0; i < n; i++) {
        int f = ann_predict(&e->net, e->test_set.x + i * e->test_set.d);
        strbuf_printf(&body, "%zu,%d,%d,%d", i, e->test_set.y[i], f, e->ideal.pred[i]);
        if (e->p.device_run)
            strbuf_printf(&body, ",%d", e->device.pred[i]);
        strbuf_puts(&body, "\n");
    }
    int st = cli_write_run(a, pv, r, &body, NULL);
    const char *raster = cli_opt(cmd, a, "raster"), *vpath = cli_opt(cmd, a, "voltages");
    for (int k = 0; k < 2 && st == CIM_OK; k++) {
        const char *path = k == 0 ? raster : vpath;
        if (path == NULL)
            continue;
        strbuf b; /* the provenance's '#' lines, then the recording */
        strbuf_init(&b);
        prov_csv_comment(pv, &b);
        const strbuf *rec = k == 0 ? &e->raster : &e->volts;
        strbuf_puts(&b, rec->s);
        st = afile_write_all(path, b.s, b.len);
        strbuf_destroy(&b);
    }
    const energy_report *rep = &e->report;
    const char *png = cli_opt(cmd, a, "plot");
    if (st == CIM_OK && png != NULL) {
        if (!e->p.device_run) {
            st = cim_error(CIM_EUSAGE, "snn: --plot draws the device run's energy; snn.device_run is false");
        } else {
            const char *bars[3] = {"CIM design (SNN on tiles)", "von Neumann (the ANN)", "neuromorphic (this SNN)"};
            char title[256];
            snprintf(title, sizeof title, "digits, %zu test images: energy per MAC of the network converted from; "
                     "saved on data movement %.3g x", n, rep->saved_ratio);
            st = plot_energy_report(rep, bars, title, png);
        }
    }
    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        char s1[32];
        fprintf(out, "cimsim snn: handwritten digits (UCI 8x8), %zu test images, %lld steps each\n", n, e->p.t_steps);
        fprintf(out, "  network: %s %s", e->loaded ? "loaded" : "trained here,", e->net.n_layers == 1 ? "softmax regression" : "one-hidden-layer ReLU network");
        for (size_t l = 0; l <= e->net.n_layers; l++)
            fprintf(out, "%s%zu", l ? "-" : " ", e->net.size[l]);
        fprintf(out, ", converted to %s neurons", neuron_types[e->neuron.type]->name);
        for (size_t l = 0; l <= e->conv_net.n_layers; l++)
            fprintf(out, "%s%zu", l ? " -> " : " (", e->conv_net.size[l]);
        fprintf(out, ", %s code)\n", encoder_types[e->enc.type]->name);
        fprintf(out, "test accuracy\n");
        fprintf(out, "  %-22s %6.2f %%  (%zu / %zu)\n", "float network", 100.0 * (double)e->n_float_correct / (double)(n ? n : 1),
                e->n_float_correct, n);
        pass_line(out, "SNN, ideal synapses", &e->ideal, (double)e->p.t_steps);
        if (e->p.device_run) {
            char what[64];
            snprintf(what, sizeof what, "SNN on %s tiles", e->syn.cells == SNN_XBAR_CELLS_DEVICE ? e->b.type->name : "ideal-cell");
            pass_line(out, what, &e->device, (double)e->p.t_steps);
            strbuf t;
            strbuf_init(&t);
            energy_report_text(rep, &t);
            fprintf(out, "energy of the SNN on tiles over the %zu images (MACs: the network converted from, %llu)\n", n,
                    (unsigned long long)rep->n_mac);
            fputs(t.s, out);
            strbuf_destroy(&t);
            if (e->program_J > 0)
                fprintf(out, "programming the tiles (one-time, not above): %s\n", cli_si(s1, e->program_J, "J"));
            for (size_t l = 0; e->syn.cells == SNN_XBAR_CELLS_DEVICE && l < json_array_size(e->banks); l++) {
                json_t *jb = json_array_get(e->banks, l);
                long long cells = json_integer_value(json_object_get(jb, "cells_programmed"));
                long long failed = json_integer_value(json_object_get(jb, "cells_failed"));
                long long out_range = json_integer_value(json_object_get(jb, "targets_out_of_range"));
                fprintf(out, "  layer %zu: %lld cells programmed by %lld pulses; %lld outside program.tol_rel when "
                             "their programming ended, %lld targets outside the device's range%s\n",
                        l + 1, cells, (long long)json_integer_value(json_object_get(jb, "program_pulses")), failed,
                        out_range, failed > 0 || out_range > 0 ? " (the accuracy above includes them)" : "");
            }
        }
        if (a->output)
            fprintf(out, "wrote %s (%s)\n", a->output, a->format == CLI_FORMAT_JSON ? "JSON" : "CSV: image,label,predictions");
        if (png != NULL)
            fprintf(out, "wrote %s\n", png);
        if (raster != NULL)
            fprintf(out, "wrote %s (image,step,layer,neuron: the first %lld test image%s, %s pass)\n", raster,
                    e->p.record_images, e->p.record_images == 1 ? "" : "s", e->p.device_run ? "device" : "ideal");
        if (vpath != NULL)
            fprintf(out, "wrote %s (image,step, then every neuron's membrane in volts)\n", vpath);
    }
    return st;
}

static const cli_presenter snn_presenter = {"snn", "snn", snn_check, NULL, snn_present};
static const cli_presenter *const snn_presenters[] = {&snn_presenter, NULL};

static int snn_run(const cli_command *cmd, cli_args *a)
{
    const char *dir = cli_opt(cmd, a, "network");
    if (dir != NULL)
        return snn_network(cmd, a, dir);
    if (a->config == NULL)
        return cim_error(CIM_EUSAGE, "snn: give a CONFIG (the digits experiment: configs/snn/digits.cfg) or --network "
                                     "DIR, a network directory (params.json, the weight CSVs, inputs.csv)");
    return cli_run_experiment(cmd, a);
}

const cli_command cmd_snn = {
    .name = "snn",
    .summary = "spiking networks: handwritten digits on crossbar synapses (CONFIG), or your network (--network DIR)",
    .usage = "[options] CONFIG  |  --network DIR [CONFIG] [-o spikes.csv] [--voltages FILE]",
    .description =
        "cimsim snn CONFIG runs the digits experiment (exp/snn.h): trains a softmax regression (or a one-hidden-\n"
        "layer network) in C on the first 1347 UCI 8x8 digits, converts it to a rate-coded spiking network, and\n"
        "classifies the last 450 digits with ideal synapses and on the configured crossbar tiles (group synapse:\n"
        "device cells programmed by write-and-verify, wires, converters; a spike drives its row, only the rows\n"
        "that spiked are read).  Prints the test accuracy of the float network, the ideal SNN and the SNN on\n"
        "devices, spikes and synaptic operations per image, and the energy report of the SNN on tiles beside a\n"
        "von Neumann processor running the network converted from and a Loihi-class chip running this SNN.\n"
        "-o writes one line per test image (image,label,float,snn_ideal,snn_device) or, with --format json, the\n"
        "summary's named fields (accuracy.float, accuracy.snn_ideal, accuracy.snn_device, energy.design.total_J,\n"
        "energy.saved.ratio, ...); --raster the spikes of the first snn.record_images images (image,step,layer,\n"
        "neuron), --voltages their membranes.\n\n"
        "--network DIR runs the layered spiking network in DIR for its T_steps steps and writes every layer's\n"
        "spikes.  DIR holds params.json (alpha, the decay per step, used literally -- or tau_m_ms and dt_ms;\n"
        "v_th, v_reset, t_ref_steps, T_steps, K, layer_sizes, inter_layer_delay_steps 0 or 1, the weight file\n"
        "names), one weight CSV per layer (row j = source j, column i = target i, volts) and inputs.csv\n"
        "(step,channel, sorted); the format is tests/conformance/snn/README.md in the source tree, and\n"
        "snn/netdir.h.  Each step runs inputs -> reads -> integrate -> threshold -> reset -> record, layer by\n"
        "layer (snn/network.h); the reads are event-driven: only the rows of the sources that spiked are added.\n"
        "Without CONFIG the synapses are ideal (exact weights in memory); with a CONFIG its groups synapse,\n"
        "mapping, crossbar, cell, device, program, dac, sense and adc map every layer onto crossbar tiles (the\n"
        "directory still gives the neurons and steps: a CONFIG that sets neuron, snn or encode is refused).\n\n"
        "outputs of --network:\n"
        "  -o FILE         step,layer,neuron: one line per spike, by step, then layer (1 = the first layer of\n"
        "                  neurons), then neuron (from 0); '#' lines first record the version, the command and\n"
        "                  the input files' fingerprints\n"
        "  --voltages FILE step,l1_v0,l1_v1,...,l2_v0,...: one line per step, the membrane of every neuron of\n"
        "                  every layer at the end of the step (after reset), volts\n\n"
        "examples:\n"
        "  cimsim snn configs/snn/digits.cfg --plot snn_energy.png --raster raster.csv\n"
        "  cimsim snn --network configs/snn/chain -o spikes.csv --voltages v.csv\n"
        "  cimsim snn --network configs/snn/chain configs/snn/network_rram.cfg -o spikes_rram.csv",
    .options = snn_options,
    .config_required = 0,
    .run = snn_run,
    .presenters = snn_presenters,
};

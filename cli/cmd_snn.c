/* cli/cmd_snn.c -- `cimsim snn`: spiking networks.
 *
 * `cimsim snn --network DIR [CONFIG]` runs a network given as a directory (snn/netdir.h: params.json, the weight
 * CSVs, inputs.csv) for its T_steps and writes every layer's spikes (-o) and, with --voltages, every layer's
 * membrane at the end of each step.  The synapses are ideal without CONFIG; with one, its crossbar groups will map
 * the weights onto devices (the place is synapse_maker below; not built yet).  The form without --network,
 * `cimsim snn CONFIG` (the digits experiment), is not built yet either: both are refused with a usage error. */
#include "cli/cli.h"
#include "core/afile.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/version.h"
#include "snn/netdir.h"
#include "snn/network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_option snn_options[] = {
    {"network", "DIR", "run the network in DIR: params.json, the weight CSVs it names, inputs.csv", CLI_OUT_NONE},
    {"voltages", "FILE", "also write every layer's membrane at the end of each step (CSV: step,l1_v0,...)",
     CLI_OUT_FILE},
    {NULL, NULL, NULL, CLI_OUT_NONE},
};

/* Where each layer's synapse bank is made from its weights.  Without CONFIG: ideal synapses.  With CONFIG (not built
 * yet): the maker of snn/synapse_xbar.c, configured from the file's crossbar, device and periphery groups, goes
 * here, and every layer's bank becomes tiles of devices. */
static int synapse_maker(const cli_args *a, snn_synapse_maker *make, void **ctx)
{
    *ctx = NULL;
    if (a->config != NULL)
        return cim_error(CIM_EUSAGE, "snn: --network with a CONFIG (the weights mapped onto devices) is not built yet; "
                                     "without CONFIG the synapses are ideal");
    *make = snn_synapse_maker_ideal;
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
static void header(strbuf *b, const cli_args *a, const snn_netdir *d)
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
    strbuf_printf(b, " LIF neurons, %lld steps, inter-layer delay %d, ideal synapses\n", d->T_steps, d->delay_steps);
}

static int snn_network(const cli_command *cmd, cli_args *a, const char *dir)
{
    const char *vpath = cli_opt(cmd, a, "voltages");
    if (a->n_sets > 0)
        return cim_error(CIM_EUSAGE, "snn: --set %s: --network reads no configuration keys (its parameters are in "
                                     "%s/params.json)",
                         a->sets[0], dir);
    if (a->format == CLI_FORMAT_JSON)
        return cim_error(CIM_EUSAGE, "snn: --network writes its spikes as CSV (step,layer,neuron); --format json is "
                                     "not supported");
    snn_synapse_maker make;
    void *ctx;
    int st = synapse_maker(a, &make, &ctx);
    if (st != CIM_OK)
        return st;
    snn_netdir d;
    if ((st = snn_netdir_load(&d, dir)) != CIM_OK)
        return st;
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
        return st;
    }

    strbuf spikes, volts;
    strbuf_init(&spikes);
    strbuf_init(&volts);
    header(&spikes, a, &d);
    strbuf_puts(&spikes, "step,layer,neuron\n");
    if (vpath != NULL) {
        header(&volts, a, &d);
        strbuf_puts(&volts, "step");
        for (size_t l = 1; l <= d.n_layers; l++)
            for (size_t i = 0; i < d.sizes[l]; i++)
                strbuf_printf(&volts, ",l%zu_v%zu", l, i);
        strbuf_puts(&volts, "\n");
    }
    uint64_t *per_layer = calloc(d.n_layers + 1, sizeof *per_layer);
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
        fprintf(out, "cimsim snn: network %s, ideal synapses\n", dir);
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
        if (a->output != NULL && strcmp(a->output, "-") != 0)
            fprintf(out, "wrote %s (step,layer,neuron)\n", a->output);
        if (vpath != NULL)
            fprintf(out, "wrote %s (step, then each layer's membrane in volts)\n", vpath);
    }
    free(per_layer);
    strbuf_destroy(&spikes);
    strbuf_destroy(&volts);
    snn_net_free(net);
    snn_netdir_free(&d);
    return st;
}

static int snn_run(const cli_command *cmd, cli_args *a)
{
    const char *dir = cli_opt(cmd, a, "network");
    if (dir != NULL)
        return snn_network(cmd, a, dir);
    if (cli_opt(cmd, a, "voltages") != NULL && a->config == NULL)
        return cim_error(CIM_EUSAGE, "snn: --voltages needs --network DIR");
    if (a->config != NULL)
        return cim_error(CIM_EUSAGE, "snn: the experiment form `cimsim snn CONFIG` is not built yet; run a network "
                                     "directory with --network DIR");
    return cim_error(CIM_EUSAGE, "snn: give --network DIR, a network directory (params.json, the weight CSVs, "
                                 "inputs.csv)");
}

const cli_command cmd_snn = {
    .name = "snn",
    .summary = "run a spiking network: --network DIR (your weights and spike trains)",
    .usage = "--network DIR [CONFIG] [-o spikes.csv] [--voltages FILE]",
    .description =
        "--network DIR runs the layered spiking network in DIR for its T_steps steps and writes every layer's\n"
        "spikes.  DIR holds params.json (alpha, the decay per step, used literally -- or tau_m_ms and dt_ms;\n"
        "v_th, v_reset, t_ref_steps, T_steps, K, layer_sizes, inter_layer_delay_steps 0 or 1, the weight file\n"
        "names), one weight CSV per layer (row j = source j, column i = target i, volts) and inputs.csv\n"
        "(step,channel, sorted); the format is tests/conformance/snn/README.md in the source tree, and\n"
        "snn/netdir.h.  Each step runs inputs -> reads -> integrate -> threshold -> reset -> record, layer by\n"
        "layer (snn/network.h); the reads are event-driven: only the rows of the sources that spiked are added.\n"
        "Without CONFIG the synapses are ideal (exact weights in memory); mapping them onto devices with a\n"
        "CONFIG is not built yet.\n\n"
        "outputs:\n"
        "  -o FILE         step,layer,neuron: one line per spike, by step, then layer (1 = the first layer of\n"
        "                  neurons), then neuron (from 0); '#' lines first record the version, the command and\n"
        "                  the input files' fingerprints\n"
        "  --voltages FILE step,l1_v0,l1_v1,...,l2_v0,...: one line per step, the membrane of every neuron of\n"
        "                  every layer at the end of the step (after reset), volts\n\n"
        "example:\n"
        "  cimsim snn --network configs/snn/chain -o spikes.csv --voltages v.csv",
    .options = snn_options,
    .config_required = 0,
    .run = snn_run,
};

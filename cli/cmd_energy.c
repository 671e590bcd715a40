/* cli/cmd_energy.c -- `cimsim energy`: what a workload of layers costs on the CIM design, a von Neumann machine
 * and a Loihi-class neuromorphic chip (exp/energy.h, energy/report.h). */
#include "cli/cli.h"
#include "cli/plot.h"
#include "core/status.h"
#include "exp/energy.h"
#include "exp/experiment.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const cli_option energy_options[] = {
    {"plot", "FILE.png",
     "draw each machine's energy per MAC as stacked bars by category (.png, .svg or .pdf); the von Neumann and "
     "neuromorphic bars share the design's axis, so a bar far taller than the design's is the point",
     CLI_OUT_FIGURE},
    {NULL, NULL, NULL, CLI_OUT_NONE},
};

static int energy_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    (void)prog;
    const exp_energy *e = r->state;
    const energy_report *rep = &e->report;
    const energy_machine *mach[3] = {&rep->design, &rep->von_neumann, &rep->neuromorphic};
    const char *names[3] = {"design", "von_neumann", "neuromorphic"};
    /* CSV: one line per machine and category. */
    strbuf body;
    strbuf_init(&body);
    strbuf_puts(&body, "machine,category,energy_J,events\n");
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < ENERGY_N_CATEGORIES; c++)
            strbuf_printf(&body, "%s,%s,%.17g,%llu\n", names[k], energy_categories[c].name,
                          energy_tally_J(&mach[k]->tally, c), (unsigned long long)energy_tally_n(&mach[k]->tally, c));
    int st = cli_write_run(a, pv, r, &body, NULL);

    const char *png = cli_opt(cmd, a, "plot");
    if (st == CIM_OK && png != NULL) {
        const char *bars[3] = {"CIM design", "von Neumann", "neuromorphic"};
        char title[256];
        snprintf(title, sizeof title, "energy per MAC, %zu layer%s, %llu MACs: saved on data movement %.3g x", e->n_layers,
                 e->n_layers == 1 ? "" : "s", (unsigned long long)rep->n_mac, rep->saved_ratio);
        st = plot_energy_report(rep, bars, title, png);
    }

    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        char s1[32], s2[32];
        fprintf(out, "cimsim energy: %zu layer%s", e->n_layers, e->n_layers == 1 ? "" : "s");
        size_t nl = json_array_size(e->layers);
        for (size_t l = 0; l < nl; l++) {
            json_t *jl = json_array_get(e->layers, l);
            fprintf(out, "%s%lld x %lld", l ? ", " : " (", (long long)json_integer_value(json_object_get(jl, "rows")),
                    (long long)json_integer_value(json_object_get(jl, "cols")));
        }
        fprintf(out, "), one input vector\n");
        strbuf t;
        strbuf_init(&t);
        energy_report_text(rep, &t);
        fputs(t.s, out);
        strbuf_destroy(&t);
        if (e->e_program_J > 0)
            fprintf(out, "programming the device arrays (one-time, not above): %s\n", cli_si(s1, e->e_program_J, "J"));
        for (size_t l = 0; l < nl && nl > 1; l++) {
            json_t *jl = json_array_get(e->layers, l);
            fprintf(out, "  layer %zu: %s, %s\n", l + 1,
                    cli_si(s1, json_real_value(json_object_get(jl, "total_J")), "J"),
                    cli_si(s2, json_real_value(json_object_get(jl, "latency_s")), "s"));
        }
        if (a->output)
            fprintf(out, "wrote %s (%s)\n", a->output, a->format == CLI_FORMAT_JSON ? "JSON" : "CSV");
        if (png != NULL)
            fprintf(out, "wrote %s\n", png);
    }
    return st;
}

static const cli_presenter energy_presenter = {"energy", "energy", NULL, NULL, energy_present};
static const cli_presenter *const energy_presenters[] = {&energy_presenter, NULL};

const cli_command cmd_energy = {
    .name = "energy",
    .summary = "what a workload costs: the CIM design beside a von Neumann machine and a neuromorphic chip",
    .usage = "[options] CONFIG",
    .description =
        "Runs the layers of workload.layers (or the one layer weights.rows x weights.cols), each as the weight-level\n"
        "MVM through tiles of DACs, arrays, sense stages and ADCs, and prices the same work on a von Neumann\n"
        "processor that fetches its weights from memory (group baseline: memory level, batch) and on a Loihi-class\n"
        "chip (synaptic operations and neuron updates).  Prints, for each machine, the total split into compute and\n"
        "data movement, the energy the design saves on data movement (joules and x), TOPS/W, latency and area,\n"
        "and each machine's energy by category.  -o writes one line per machine and category (CSV) or the\n"
        "report's named fields (--format json: design.total_J, design.movement_J, baseline.von_neumann.total_J,\n"
        "baseline.von_neumann.movement_J, baseline.neuromorphic.total_J, saved.movement_J, saved.ratio, ...).\n"
        "Every default cost names its source in docs/config.md (groups tech, baseline, dac, adc, sense).\n\n"
        "example:\n"
        "  cimsim energy configs/energy/mlp.cfg --plot energy.png",
    .options = energy_options,
    .config_required = 1,
    .run = cli_run_experiment,
    .presenters = energy_presenters,
};

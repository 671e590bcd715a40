/* cli/cmd_mvm.c -- `cimsim mvm`: one matrix-vector multiply on a crossbar (exp/mvm.h). */
#include "cli/cli.h"
#include "exp/experiment.h"
#include "device/binding.h"
#include "cli/plot.h"
#include "core/status.h"
#include "crossbar/crossbar.h"
#include "exp/device.h"
#include "exp/mvm.h"
#include "exp/state.h"
#include "exp/wmvm.h"

#include <stdio.h>
#include <string.h>

static const cli_option mvm_options[] = {
    {"conductances", "FILE",
     "conductance matrix G, siemens: one line per row, comma-separated (values above mvm.g_file_max_S, 0.02 S, "
     "are refused: a file in µS)", CLI_OUT_NONE},
    {"voltages", "FILE",
     "input voltages v, volts: one line per row of G; several comma-separated columns are several input vectors, "
     "multiplied as a batch (the result then has one column per vector); |v| above mvm.v_file_max_V, 10 V, is "
     "refused (a file in mV)", CLI_OUT_NONE},
    {"spice", "FILE.cir",
     "write the simulated array (cells, wires, sources) as an ngspice netlist; weight level: one per tile "
     "(FILE_tile<k>.cir), its mapped conductances and the first read cycle's voltages",
     CLI_OUT_FILE},
    {"weights", "FILE", "weight matrix W for y = W^T x: one line per input (row), one value per output (weight level)",
     CLI_OUT_NONE},
    {"inputs", "FILE", "input vector x: one value per line, one per row of W (weight level)", CLI_OUT_NONE},
    {"maps", "PREFIX",
     "node-voltage maps: PREFIX_vrow/_vcol/_vcell/_vdrop.csv (M x N, volts) and heat-map PNGs; weight level with "
     "weights.cells = \"device\": PREFIX_gerr/_gread/_pulses.csv and PNGs (programmed conductance error, read "
     "conductance, pulses per cell, every tile on its grid)",
     CLI_OUT_PREFIX},
    {NULL, NULL, NULL, CLI_OUT_NONE},
};

/* The circuit level: --weights/--inputs name the weight level; --spice needs an array the netlist can write. */
static int mvm_check(const cli_command *cmd, const cli_args *a, const exp_run *r)
{
    const char *opt_w = cli_opt(cmd, a, "weights") ? "--weights" : cli_opt(cmd, a, "inputs") ? "--inputs" : NULL;
    if (opt_w != NULL)
        return cim_error(CIM_EUSAGE, "%s runs the weight level, but %s says experiment = \"%s\"", opt_w, a->config,
                         r->x->name);
    const exp_mvm_state *s = r->state;
    if (cli_opt(cmd, a, "spice") != NULL && exp_mvm_spice_possible(&s->e) != CIM_OK)
        return cim_error_prefix(CIM_EUSAGE, "%s", ""); /* an option this run cannot honour: a usage error */
    return CIM_OK;
}

/* The shape is known now (a file fixes it): refuse huge outputs before the solve. */
static int mvm_ready(const cli_command *cmd, const cli_args *a, exp_run *r)
{
    const exp_mvm *e = &((exp_mvm_state *)r->state)->e;
    double cells = (double)e->rows * (double)e->cols;
    double bytes = (double)e->cols * (double)e->n_vec * CLI_BYTES_PER_VALUE;
    if (cli_opt(cmd, a, "maps") != NULL)
        bytes += EXP_MVM_N_MAPS * cells * CLI_BYTES_PER_VALUE;
    if (cli_opt(cmd, a, "spice") != NULL)
        bytes += cells * CLI_SPICE_BYTES_PER_CELL;
    char what[160];
    snprintf(what, sizeof what, "the outputs (-o%s%s) of a %zu x %zu array", cli_opt(cmd, a, "maps") ? ", --maps" : "",
             cli_opt(cmd, a, "spice") ? ", --spice" : "", e->rows, e->cols);
    return cli_check_size(a, bytes, what);
}

/* The column currents, the node-voltage maps, the netlist and the summary. */
static int mvm_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    exp_mvm *e = &((exp_mvm_state *)r->state)->e;
    strbuf body;
    strbuf_init(&body);
    size_t K = e->n_vec;
    const char *layout = K == 1 ? "one line per column" : "one line per column, one value per input vector";
    if (e->circuit)
        strbuf_printf(&body,
                      "# column currents through r_sense into virtual ground (exact circuit solve), amperes; %s "
                      "(%zu)\n",
                      layout, e->cols);
    else
        strbuf_printf(&body, "# column currents I_j = sum_i G_ij v_i, amperes; %s (%zu)\n", layout, e->cols);
    /* JSON: one current per column for one vector; for several, one array per column (as the CSV's lines) */
    json_t *jb = json_pack("{s:o}", "column_current_A", json_array());
    json_t *arr = json_object_get(jb, "column_current_A");
    for (size_t j = 0; j < e->cols; j++) {
        json_t *row = K == 1 ? NULL : json_array();
        for (size_t k = 0; k < K; k++) {
            double i_A = e->i_A[k * e->cols + j];
            strbuf_printf(&body, "%.17g%s", i_A, k + 1 < K ? "," : "\n");
            json_array_append_new(K == 1 ? arr : row, json_real(i_A));
        }
        if (row != NULL)
            json_array_append_new(arr, row);
    }
    int st = cli_write_run(a, pv, r, &body, jb);
    const char *maps = cli_opt(cmd, a, "maps"), *spice = cli_opt(cmd, a, "spice");
    if (st == CIM_OK && spice != NULL)
        st = exp_mvm_write_spice(e, spice);
    if (st == CIM_OK && maps != NULL) {
        strbuf hdr;
        strbuf_init(&hdr);
        prov_csv_comment(pv, &hdr);
        const char *labels[EXP_MVM_N_MAPS] = {"row wire node voltage (mV)", "column wire node voltage (mV)",
                                              "voltage across the cell (mV)",
                                              "IR drop: input minus cell voltage (mV)"};
        double *z = malloc(e->rows * e->cols * sizeof *z);
        /* A large array's maps take a while to format and draw: their own progress line. */
        progress_start(prog, "maps", EXP_MVM_N_MAPS, prog->sink, prog->ctx);
        for (int m = 0; m < EXP_MVM_N_MAPS && st == CIM_OK; m++) {
            progress_update(prog, m);
            char png[4096], title[512];
            exp_mvm_map(e, m, z);
            if ((st = exp_mvm_write_map(e, m, z, maps, hdr.s)) != CIM_OK)
                break;
            snprintf(png, sizeof png, "%s_%s.png", maps, exp_mvm_map_names[m]);
            snprintf(title, sizeof title, "%s: %zu x %zu, r_row %g, r_col %g, r_drv %g, r_sense %g ohm", labels[m],
                     e->rows, e->cols, e->xb.r_row_ohm, e->xb.r_col_ohm, e->xb.r_drv_ohm, e->xb.r_sense_ohm);
            st = plot_heatmap(z, e->rows, e->cols, 1e3, labels[m], NULL, title, png);
        }
        progress_update(prog, EXP_MVM_N_MAPS);
        progress_finish(prog);
        free(z);
        strbuf_destroy(&hdr);
    }

    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        /* The run's numbers come from its named metrics (exp/experiment.h), the list --format json carries;
         * the settings (sizes, cells, wires) from the configuration. */
        const exp_metrics *ms = &r->metrics;
        if (e->circuit)
            fprintf(out,
                    "cimsim mvm: %zu x %zu crossbar circuit of %s %s cells, r_row %g, r_col %g, r_drv %g, r_sense "
                    "%g ohm (exact nodal solve)\n",
                    e->rows, e->cols, cell_type_names[e->cell.type],
                    e->p.cells == MVM_CELLS_DEVICE ? e->dev_type->name : cell_iv_names[e->cell.iv], e->xb.r_row_ohm,
                    e->xb.r_col_ohm, e->xb.r_drv_ohm, e->xb.r_sense_ohm);
        else if (e->read_path == XBAR_READ_DIRECT)
            fprintf(out, "cimsim mvm: %zu x %zu crossbar of %s %s cells with perfect wires (each cell's I-V at its "
                         "row voltage, Kirchhoff sum per column)\n",
                    e->rows, e->cols, cell_type_names[e->cell.type],
                    e->p.cells == MVM_CELLS_DEVICE ? e->dev_type->name : cell_iv_names[e->cell.iv]);
        else
            fprintf(out, "cimsim mvm: %zu x %zu ideal crossbar (Ohm's law per cell, Kirchhoff sum per column)\n",
                    e->rows, e->cols);
        if (e->circuit && e->p.cells == MVM_CELLS_DEVICE)
            fprintf(out, "  device cells    each in the state whose chord conductance at %g V is G_ij; read "
                         "through the %s I-V at the voltage it sees\n",
                    e->dev_v_read_V, e->dev_type->name);
        char s1[32], s2[32], s3[32];
        fprintf(out, "  conductances    %s .. %s (%s)\n", cli_si(s1, exp_metrics_value(ms, "conductance_S.min"), "S"),
                cli_si(s2, exp_metrics_value(ms, "conductance_S.max"), "S"),
                e->g_source ? e->g_source : "drawn from the seed");
        fprintf(out, "  input voltages  %s .. %s (%s)\n", cli_si(s1, exp_metrics_value(ms, "voltage_V.min"), "V"),
                cli_si(s2, exp_metrics_value(ms, "voltage_V.max"), "V"),
                e->v_source ? e->v_source : "drawn from the seed");
        fprintf(out, "  column currents %s .. %s, mean %s\n",
                cli_si(s1, exp_metrics_value(ms, "column_current_A.min"), "A"),
                cli_si(s2, exp_metrics_value(ms, "column_current_A.max"), "A"),
                cli_si(s3, exp_metrics_value(ms, "column_current_A.mean"), "A"));
        fprintf(out, "  array power     %s delivered by the drivers (dissipated in cells%s)\n",
                cli_si(s1, exp_metrics_value(ms, "array_power_W"), "W"), e->circuit ? " and wires" : "");
        if (e->n_vec > 1)
            fprintf(out, "  input vectors   %zu, multiplied as a batch%s\n", e->n_vec,
                    e->circuit ? " (power, maps and netlist: the first vector)" : "");
        if (e->circuit)
            fprintf(out, "  solver          %s, %.0f iterations%s, KCL residual %.2g of the largest source current\n",
                    circuit_method_names[e->st.method], exp_metrics_value(ms, "circuit.iterations"),
                    e->n_vec > 1 ? " in all" : "", exp_metrics_value(ms, "circuit.kcl_residual_rel"));
        if (e->read_path != XBAR_READ_SUM) /* wires or nonlinear cells: how far from the ideal linear sum */
            fprintf(out, "  vs ideal sum    RMSE %s, max relative error %.4g %%, SNR %.2f dB\n",
                    cli_si(s1, exp_metrics_value(ms, "error_vs_ideal.rmse_A"), "A"),
                    100 * exp_metrics_value(ms, "error_vs_ideal.max_rel_err"),
                    exp_metrics_value(ms, "error_vs_ideal.snr_dB"));
        /* The BLAS check is of the ideal sum (the reference of "vs ideal sum" above), not of the array read. */
        if (e->read_path != XBAR_READ_SUM)
            fprintf(out, "  check           the ideal sum (the reference above) agrees with OpenBLAS cblas_dgemv to "
                         "%.2g (relative to sum_i |G_ij v_i|)\n",
                    exp_metrics_value(ms, "blas_check.max_dev_rel_to_sum_abs_Gv"));
        else
            fprintf(out, "  check           agrees with OpenBLAS cblas_dgemv to %.2g (relative to sum_i |G_ij v_i|)\n",
                    exp_metrics_value(ms, "blas_check.max_dev_rel_to_sum_abs_Gv"));
        strbuf tally;
        strbuf_init(&tally);
        energy_tally_report(&e->tally, "    ", &tally);
        fprintf(out, "  energy          of the array, reads of %s (mvm.t_read_s):\n%s", cli_si(s1, e->p.t_read_s, "s"),
                tally.s);
        strbuf_destroy(&tally);
        if (a->output)
            fprintf(out, "  wrote           %s (%zu column currents%s, %s)\n", a->output, e->cols,
                    e->n_vec > 1 ? " per vector" : "", a->format == CLI_FORMAT_JSON ? "JSON" : "CSV");
        if (spice != NULL)
            fprintf(out, "  wrote           %s (ngspice netlist: ngspice -b %s prints the column currents)\n", spice,
                    spice);
        if (maps != NULL)
            fprintf(out, "  wrote           %s_{vrow,vcol,vcell,vdrop}.{csv,png} (node-voltage maps)\n", maps);
    }
    return st;
}

/* --weights or --inputs: the weight level. */
static const char *weights_level(const cfg *c)
{
    (void)c;
    return "mvm_weights";
}

/* Without a flag or the key `experiment`, mvm.level decides the level. */
static const char *level_of(const cfg *c)
{
    const char *level = cfg_peek_string(c, "mvm.level");
    return level != NULL && strcmp(level, "weights") == 0 ? "mvm_weights" : "mvm";
}

static int mvm_choose(const cli_command *cmd, const cli_args *a, const char **flag,
                      const char *(**by_default)(const cfg *c))
{
    *flag = NULL;
    *by_default = cli_opt(cmd, a, "weights") || cli_opt(cmd, a, "inputs") ? weights_level : level_of;
    return CIM_OK;
}

static const cli_presenter mvm_presenter = {"mvm", "mvm", mvm_check, mvm_ready, mvm_present};
static const cli_presenter *const mvm_presenters[] = {&mvm_presenter, &cli_mvm_weights_presenter, NULL};

const cli_command cmd_mvm = {
    .name = "mvm",
    .summary = "multiply a matrix by a vector on a crossbar: I = G^T v",
    .usage = "[options] CONFIG [--conductances G.csv] [--voltages v.csv] | [--weights W.csv] [--inputs x.csv]",
    .description =
        "Computes the column currents of a resistive crossbar: row i is driven at v_i volts, cell (i,j)\n"
        "conducts G_ij siemens, and column j collects I_j = sum_i G_ij v_i amperes (Ohm's law per cell,\n"
        "Kirchhoff's current law per column).  With crossbar.r_row_ohm, r_col_ohm, r_drv_ohm or r_sense_ohm\n"
        "set (e.g. --set crossbar.r_row_ohm=2.5), the whole circuit is solved exactly (driver at column 0,\n"
        "sense into virtual ground at the last row) and the summary gives the error against the ideal sum. G and v come from CSV files, or are drawn from the seeded\n"
        "configuration (crossbar.rows x crossbar.cols, mvm.g_min_S..g_max_S, mvm.v_min_V..v_max_V).\n"
        "The result is one current per column, amperes, 17 significant digits, after a comment block\n"
        "recording the version, command line, seed, input fingerprints and resolved configuration.\n\n"
        "Weight level (--weights, --inputs, or mvm.level = \"weights\"): y = W^T x for a real matrix W (one line\n"
        "per input, one value per output) and inputs x, from CSV or drawn from the seed (weights.*).  W is mapped\n"
        "to conductances per the mapping group, tiled into crossbar.tile_rows x tile_cols arrays, and every tile\n"
        "is read per input cycle -- the ideal sum, or with crossbar.r_* set the exact circuit solve.  The result is\n"
        "one value per output; the summary gives the error against the float and the quantized product.\n"
        "With weights.cells = \"device\" every tile is an array of device.model cells (variability.* for\n"
        "device-to-device spread, faults and read noise), programmed toward its target conductances per the\n"
        "program group (open loop or write-and-verify, half-select disturb) and read weights.t_s seconds after\n"
        "programming; the summary adds failures, pulses, programming energy and the conductance error, and\n"
        "--maps PREFIX writes the per-cell programming maps.\n\n"
        "examples:\n"
        "  cimsim mvm configs/mvm/circuit.cfg --conductances configs/mvm/G_4x3.csv --voltages configs/mvm/v_4.csv -o I.csv\n"
        "  cimsim mvm configs/mvm/weights.cfg -o y.csv\n"
        "  cimsim mvm configs/mvm/weights_device.cfg -o y.csv --maps prog",
    .options = mvm_options,
    .config_required = 1,
    .run = cli_run_experiment,
    .choose = mvm_choose,
    .presenters = mvm_presenters,
};

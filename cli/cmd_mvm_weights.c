/* cli/cmd_mvm_weights.c -- the weight-level body of `cimsim mvm` (exp/wmvm.h): y = W^T x through the mapping,
 * the tiles and the array reads.  cli/cmd_mvm.c dispatches here for --weights/--inputs or mvm.level = "weights". */
#include "cli/cli.h"
#include "exp/experiment.h"
#include "cli/plot.h"
#include "core/status.h"
#include "exp/wmvm.h"

#include <stdlib.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* An error line from the metrics under prefix (error_vs_float, ...). */
static void print_error(FILE *out, const char *what, const exp_metrics *ms, const char *prefix)
{
    char n[3][96];
    snprintf(n[0], sizeof n[0], "%s.rmse", prefix);
    snprintf(n[1], sizeof n[1], "%s.max_rel_err", prefix);
    snprintf(n[2], sizeof n[2], "%s.snr_dB", prefix);
    fprintf(out, "  %-18s RMSE %.4g, max relative error %.4g %%, SNR %.2f dB\n", what, exp_metrics_value(ms, n[0]),
            100 * exp_metrics_value(ms, n[1]), exp_metrics_value(ms, n[2]));
}

/* Options this level cannot honour, before anything is read. */
static int wmvm_check(const cli_command *cmd, const cli_args *a, const exp_run *r)
{
    const exp_wmvm *e = r->state;
    if (cli_opt(cmd, a, "conductances") != NULL || cli_opt(cmd, a, "voltages") != NULL)
        return cim_error(CIM_EUSAGE, "--conductances/--voltages are circuit-level inputs; the weight-level multiply "
                                     "(--weights, --inputs, mvm.level = \"weights\") takes W and x instead");
    if (cli_opt(cmd, a, "maps") != NULL && e->p.cells != WMVM_CELLS_DEVICE)
        return cim_error(CIM_EUSAGE, "--maps at the weight level maps programmed device cells: it needs weights.cells = "
                                     "\"device\" (the node-voltage maps are circuit-level: --conductances/--voltages)");
    if (cli_opt(cmd, a, "spice") != NULL && exp_wmvm_spice_possible(e) != CIM_OK)
        return cim_error_prefix(CIM_EUSAGE, "%s", ""); /* an option this run cannot honour: a usage error */
    if (cli_opt(cmd, a, "plot-attribution") != NULL && !e->p.attribution)
        return cim_error(CIM_EUSAGE, "--plot-attribution draws the per-stage errors of weights.attribution = true; "
                                     "%s does not set it (add --set weights.attribution=true)", a->config);
    return CIM_OK;
}

/* W and x are read: refuse huge outputs before programming and reading. */
static int wmvm_ready(const cli_command *cmd, const cli_args *a, exp_run *r)
{
    const exp_wmvm *e = r->state;
    const char *maps = cli_opt(cmd, a, "maps"), *spice = cli_opt(cmd, a, "spice");
    double bytes = (double)e->cols * CLI_BYTES_PER_VALUE;
    if (maps != NULL)
        bytes += WMVM_N_MAPS * (double)e->rows * (double)exp_wmvm_map_cols(e) * CLI_BYTES_PER_VALUE;
    if (spice != NULL)
        bytes += (double)e->t.n_tiles * (double)e->xb.tile_rows * (double)e->xb.tile_cols * CLI_SPICE_BYTES_PER_CELL;
    char what[160];
    snprintf(what, sizeof what, "the outputs (-o%s%s) of a %zu x %zu weight matrix", maps ? ", --maps" : "",
             spice ? ", --spice" : "", e->rows, e->cols);
    return cli_check_size(a, bytes, what);
}

/* The outputs y, the netlists, the programming maps and the summary. */
static int wmvm_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    exp_wmvm *e = r->state;
    const char *maps = cli_opt(cmd, a, "maps"), *spice = cli_opt(cmd, a, "spice");
    json_t *summary = r->summary;
    strbuf body;
    strbuf_init(&body);
    strbuf_printf(&body,
                  "# outputs y = W^T x as decoded from the crossbar reads (%s), weight x input units; one line per "
                  "output (%zu)\n",
                  e->device    ? "programmed device arrays"
                  : e->circuit ? "exact circuit solve of every tile"
                               : "ideal Kirchhoff sum",
                  e->cols);
    json_t *jb = json_pack("{s:o}", "y", json_array());
    json_t *arr = json_object_get(jb, "y");
    for (size_t j = 0; j < e->cols; j++) {
        strbuf_printf(&body, "%.17g\n", e->y[j]);
        json_array_append_new(arr, json_real(e->y[j]));
    }
    int st = cli_write_run(a, pv, r, &body, jb);
    if (st == CIM_OK && spice != NULL)
        st = exp_wmvm_write_spice(e, spice);
    if (st == CIM_OK && maps != NULL) {
        strbuf hdr;
        strbuf_init(&hdr);
        prov_csv_comment(pv, &hdr);
        const char *labels[WMVM_N_MAPS] = {"G_read / G_target - 1 (%)", "G_read (µS)", "programming pulses"};
        const double scale[WMVM_N_MAPS] = {100, 1e6, 1};
        char s1[32];
        size_t N = exp_wmvm_map_cols(e);
        double *z = malloc(e->rows * N * sizeof *z);
        progress_start(prog, "maps", WMVM_N_MAPS, prog->sink, prog->ctx);
        for (int m = 0; m < WMVM_N_MAPS && st == CIM_OK; m++) {
            progress_update(prog, m);
            char png[4096], title[512];
            exp_wmvm_map(e, m, z);
            if ((st = exp_wmvm_write_map(e, m, z, maps, hdr.s)) != CIM_OK)
                break;
            snprintf(png, sizeof png, "%s_%s.png", maps, exp_wmvm_map_names[m]);
            /* G_read: the unit's prefix from the data, a log colour axis when it spans more than two decades */
            const char *label = labels[m], *log_unit = NULL;
            double sc = scale[m];
            char glabel[64];
            if (m == 1) {
                double lo = HUGE_VAL, hi = 0;
                for (size_t k = 0; k < e->rows * N; k++)
                    if (z[k] > 0) {
                        lo = fmin(lo, z[k]);
                        hi = fmax(hi, z[k]);
                    }
                if (hi > 0 && hi / lo > 100.0) {
                    log_unit = "S";
                    label = "G_read";
                } else {
                    char unit[32];
                    cli_si(unit, hi, "S"); /* "120 µS": the prefix of the largest value */
                    const char *pre = strchr(unit, ' ') + 1;
                    snprintf(glabel, sizeof glabel, "G_read (%s)", pre);
                    sc = 1.0 / pow(10.0, 3 * floor(log10(hi) / 3));
                    label = glabel;
                }
            }
            snprintf(title, sizeof title, "%s: %s, %s programming, %zu x %zu tiles, read %s after programming",
                     label, e->b.type->name, program_method_names[e->prog.method], e->t.n_row_blocks,
                     e->t.n_col_blocks, cli_si(s1, e->p.t_s, "s"));
            st = plot_heatmap(z, e->rows, N, sc, label, log_unit, title, png);
        }
        progress_update(prog, WMVM_N_MAPS);
        progress_finish(prog);
        free(z);
        strbuf_destroy(&hdr);
    }

    const char *png_attr = cli_opt(cmd, a, "plot-attribution");
    if (st == CIM_OK && png_attr != NULL && e->attr != NULL) {
        double alone[WMVM_N_STAGES], cumulative[WMVM_N_STAGES];
        for (int k = 0; k < WMVM_N_STAGES; k++) {
            alone[k] = e->attr->alone_rmse[k];
            cumulative[k] = e->attr->cumulative_rmse[k];
        }
        char title[256];
        snprintf(title, sizeof title,
                 "error each stage adds, %zu x %zu weights (reference: every stage ideal, RMS %.3g; full run %.3g)",
                 e->rows, e->cols, e->attr->rms_ref, e->attr->full_rmse);
        st = plot_bars(wmvm_stage_names, alone, cumulative, WMVM_N_STAGES, "this stage alone",
                       "cumulative, in pipeline order", "RMS output error (weight x input units)", title, png_attr);
    }
    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        /* The run's numbers come from its named metrics (exp/experiment.h), the list --format json carries; the
         * settings (mapping, program, cells) from the configuration. */
        const exp_metrics *ms = &r->metrics;
#define M(name) exp_metrics_value(ms, name)
        char s1[32], s2[32];
        fprintf(out, "cimsim mvm: y = W^T x, W %zu x %zu (%s), x (%s)\n", e->rows, e->cols,
                e->w_source ? e->w_source : "drawn from the seed", e->x_source ? e->x_source : "drawn from the seed");
        fprintf(out, "  mapping            %s, %lld-bit weights, %lld bit%s per cell (%zu slice%s), levels %s .. %s\n",
                mapping_scheme_names[e->m.p.scheme], e->m.p.weight_bits, e->m.p.bits_per_cell,
                e->m.p.bits_per_cell == 1 ? "" : "s", e->m.n_slices, e->m.n_slices == 1 ? "" : "s",
                cli_si(s1, e->m.level_S[0], "S"), cli_si(s2, e->m.level_S[e->m.n_levels - 1], "S"));
        fprintf(out, "  inputs             %s DACs, %lld bits, %zu read cycle%s per tile\n", dac_type_names[e->dac.type],
                e->dac.bits, e->n_cycles, e->n_cycles == 1 ? "" : "s");
        if (adc_types[e->adc.type]->ideal && sense_types[e->sense.type]->ideal) /* not modelled */
            fprintf(out, "  outputs            ideal sense and ADC (not modelled: set sense.type and adc.type)\n");
        else {
            char s3[32], s4[32];
            fprintf(out, "  outputs            sense %s, %lld-bit %s ADCs (1 per %lld column%s), range %s .. %s (%s), %.0f "
                         "of %.0f conversions clipped\n",
                    sense_type_names[e->sense.type], e->adc.bits, adc_type_names[e->adc.type], e->adc.cols_per_adc,
                    e->adc.cols_per_adc == 1 ? "" : "s", cli_si(s3, M("periphery.adc.range_lo_A"), "A"),
                    cli_si(s4, M("periphery.adc.range_hi_A"), "A"), adc_range_names[e->adc.range],
                    M("periphery.adc.clipped"), M("periphery.adc.conversions"));
        }
        fprintf(out, "  tiles              %s\n", json_string_value(json_object_get(summary, "tiles")));
        if (e->device) {
            const wmvm_program *pr = &e->pr; /* wall-clock time only: not a result */
            size_t n_cells = (size_t)M("programming.cells"), n_failed = (size_t)M("programming.failed");
            size_t n_end = (size_t)M("programming.out_of_tolerance_at_campaign_end");
            size_t n_range = (size_t)M("programming.targets_outside_device_range"), n_stuck = (size_t)M("programming.stuck");
            double e_tot = M("programming.energy_total_J");
            char s3[32], s4[32], s5[32];
            fprintf(out, "  cells              %s (%s), %s access, %s .. %s reachable at %s (nominal)\n", e->b.type->name,
                    e->b.type->title, cell_type_names[e->cell.type], cli_si(s1, M("cells.g_device_min_S"), "S"),
                    cli_si(s2, M("cells.g_device_max_S"), "S"), cli_si(s3, M("cells.v_read_V"), "V"));
            /* Two different counts, each said for what it is: a cell fails when its own programming ends outside
             * the tolerance (verify: it gave up after max_iter pulses, judged by its verify reads; open loop: its
             * pulses missed); the end-of-campaign count re-reads every cell without noise once all are programmed. */
            double tol = 100 * e->prog.tol_rel;
            int verify = e->prog.method == PROGRAM_VERIFY;
            if (verify && n_failed == 0)
                fprintf(out, "  programming        write-and-verify to %g %%, half-select %s: all %zu cells passed verify "
                             "within %lld pulses\n",
                        tol, program_half_select_names[e->prog.half_select], n_cells, e->prog.max_iter);
            else if (verify)
                fprintf(out, "  programming        write-and-verify to %g %%, half-select %s: %zu cells, %zu gave up "
                             "after %lld pulses still outside it\n",
                        tol, program_half_select_names[e->prog.half_select], n_cells, n_failed, e->prog.max_iter);
            else
                fprintf(out, "  programming        open loop (no verify), half-select %s: %zu cells, %zu outside %g %% "
                             "right after their pulses\n",
                        program_half_select_names[e->prog.half_select], n_cells, n_failed, tol);
            char why[200] = "";
            if (verify && e->prog.noisy_verify && e->noisy)
                strcat(why, "accepted on a noisy verify read, or ");
            if (e->prog.half_select != HALF_SELECT_NONE)
                strcat(why, "disturbed by later cells' half-select, or ");
            strcat(why, "relaxed since their own programming ended");
            fprintf(out, "  after programming  %zu of %zu cells (%.3g %%) outside %g %% at the campaign's end, read "
                         "without noise (%s)\n",
                    n_end, n_cells, n_cells ? 100.0 * (double)n_end / (double)n_cells : 0.0, tol, why);
            if (n_range > 0 || n_stuck > 0)
                fprintf(out, "                     %zu target%s outside the device's range, %zu cell%s stuck by faults\n",
                        n_range, n_range == 1 ? "" : "s", n_stuck, n_stuck == 1 ? "" : "s");
            fprintf(out, "  pulses             %.0f, %.3g per cell on average, at most %.0f\n", M("programming.pulses"),
                    M("programming.pulses_per_cell_mean"), M("programming.pulses_per_cell_max"));
            fprintf(out, "  programming energy %s: write %s, half-select disturb %s, verify reads %s (%s per cell)\n",
                    cli_si(s1, e_tot, "J"), cli_si(s2, M("programming.energy_write_J"), "J"),
                    cli_si(s3, M("programming.energy_disturb_J"), "J"), cli_si(s4, M("programming.energy_verify_read_J"), "J"),
                    cli_si(s5, M("programming.energy_per_cell_J"), "J"));
            fprintf(out, "  conductance error  RMS %.3g %%, mean %+.3g %%, max %.3g %% (G_read / G_target - 1, %s after "
                         "programming)\n",
                    100 * M("conductance_error.rms_rel"), 100 * M("conductance_error.mean_rel"),
                    100 * M("conductance_error.max_abs_rel"), cli_si(s1, e->p.t_s, "s"));
            fprintf(out, "  reads              device arrays: %s%s\n", xbar_read_path_names[e->read_path],
                    e->noisy ? ", read noise drawn per read" : "");
            if (e->circuit)
                fprintf(out, "  circuit            r_row %g, r_col %g, r_drv %g, r_sense %g ohm; %s, %.0f solves, %.0f PCG "
                             "iterations, worst KCL residual %.2g\n",
                        e->xb.r_row_ohm, e->xb.r_col_ohm, e->xb.r_drv_ohm, e->xb.r_sense_ohm,
                        M("circuit.effective_g") ? "effective conductance matrix per tile" : "one solve per read",
                        M("circuit.solves"), M("circuit.iterations"), M("circuit.max_kcl_residual_rel"));
            fprintf(out, "  programming time   %.3g s wall clock, %s per cell; longest tile campaign %s simulated\n",
                    pr->wall_s, cli_si(s1, n_cells ? pr->wall_s / (double)n_cells : 0.0, "s"),
                    cli_si(s2, M("programming.campaign_max_s"), "s"));
        } else if (e->circuit)
            fprintf(out,
                    "  reads              exact circuit solve, r_row %g, r_col %g, r_drv %g, r_sense %g ohm; %s, %.0f "
                    "solves, %.0f PCG iterations, worst KCL residual %.2g\n",
                    e->xb.r_row_ohm, e->xb.r_col_ohm, e->xb.r_drv_ohm, e->xb.r_sense_ohm,
                    M("circuit.effective_g") ? "effective conductance matrix per tile" : "one solve per read",
                    M("circuit.solves"), M("circuit.iterations"), M("circuit.max_kcl_residual_rel"));
        else
            fprintf(out, "  reads              %s (%s %s cells)\n", xbar_read_path_names[e->read_path],
                    cell_type_names[e->cell.type], cell_iv_names[e->cell.iv]);
        size_t n_cw = (size_t)M("clipped.weights"), n_ci = (size_t)M("clipped.inputs");
        fprintf(out, "  array reads        %.0f\n", M("array_reads"));
        fprintf(out, "  clipped            %zu weight%s, %zu input%s\n", n_cw, n_cw == 1 ? "" : "s", n_ci,
                n_ci == 1 ? "" : "s");
        print_error(out, "vs float W^T x", ms, "error_vs_float");
        print_error(out, "vs quantized", ms, "error_vs_quantized");
        print_error(out, "quantization alone", ms, "quantized_vs_float");
        if (e->attr != NULL) {
            fprintf(out, "  error by stage     RMS output error against every stage ideal (reference RMS %.4g):\n",
                    M("attribution.reference_rms"));
            fprintf(out, "    %-12s %14s %14s\n", "stage", "alone", "cumulative");
            for (int k = 0; k < WMVM_N_STAGES; k++) {
                char key[96];
                snprintf(key, sizeof key, "attribution.%s.alone_rmse", wmvm_stage_names[k]);
                double alone = M(key);
                snprintf(key, sizeof key, "attribution.%s.cumulative_rmse", wmvm_stage_names[k]);
                fprintf(out, "    %-12s %14.4g %14.4g%s\n", wmvm_stage_names[k], alone, M(key),
                        e->attr->applies[k] ? "" : "   (ideal in this configuration)");
            }
        }
        strbuf tally;
        strbuf_init(&tally);
        energy_tally_report(&e->tally, "    ", &tally);
        fprintf(out, "  energy             of the tiles (arrays, converters, shift-add), reads of %s (weights.t_read_s)%s:\n%s",
                cli_si(s1, e->p.t_read_s, "s"), e->device ? " and programming" : "", tally.s);
        fprintf(out, "  latency            %s per MVM (the slowest tile's cycles, no pipelining), periphery area %.4g mm^2\n",
                cli_si(s1, M("periphery.latency_s"), "s"), 1e-6 * M("periphery.area_um2"));
        strbuf_destroy(&tally);
        strbuf rep;
        strbuf_init(&rep);
        energy_report_table(&e->report, &rep);
        fprintf(out, "  against other machines (one input vector; programming apart; cimsim energy for layers):\n");
        /* The table and saving; the design's categories are printed above, the baselines' in JSON. */
        for (char *line = strtok(rep.s, "\n"); line != NULL; line = strtok(NULL, "\n"))
            fprintf(out, "    %s\n", line);
        strbuf_destroy(&rep);
        if (png_attr != NULL)
            fprintf(out, "  wrote              %s (per-stage error)\n", png_attr);
        if (a->output)
            fprintf(out, "  wrote              %s (%zu outputs, %s)\n", a->output, e->cols,
                    a->format == CLI_FORMAT_JSON ? "JSON" : "CSV");
        if (maps != NULL)
            fprintf(out, "  wrote              %s_{gerr,gread,pulses}.{csv,png} (per-cell programming maps)\n", maps);
        if (spice != NULL && e->t.n_tiles == 1)
            fprintf(out, "  wrote              %s (ngspice netlist of the tile, first read cycle)\n", spice);
        else if (spice != NULL) {
            const char *dot = strrchr(spice, '.'), *slash = strrchr(spice, '/');
            int stem = dot != NULL && (slash == NULL || dot > slash) ? (int)(dot - spice) : (int)strlen(spice);
            fprintf(out, "  wrote              %.*s_tile{0..%zu}%s (ngspice netlists of the tiles, first read cycle)\n",
                    stem, spice, e->t.n_tiles - 1, spice + stem);
        }
#undef M
    }
    return st;
}

const cli_presenter cli_mvm_weights_presenter = {"mvm_weights", "mvm", wmvm_check, wmvm_ready, wmvm_present};

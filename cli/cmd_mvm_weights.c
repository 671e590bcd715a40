/* cli/cmd_mvm_weights.c -- the weight-level body of `cimsim mvm` (exp/wmvm.h): y = W^T x through the mapping,
 * the tiles and the array reads.  cli/cmd_mvm.c dispatches here for --weights/--inputs or mvm.level = "weights". */
#include "cli/cli.h"
#include "core/status.h"
#include "exp/wmvm.h"

#include <math.h>
#include <stdio.h>

static void print_error(FILE *out, const char *what, const wmvm_error *er)
{
    fprintf(out, "  %-18s RMSE %.4g, max relative error %.4g %%, SNR %.2f dB\n", what, er->rmse, 100 * er->max_rel_err,
            er->snr_dB);
}

int cli_mvm_weights(const cli_command *cmd, cli_args *a, cfg *c, struct exp_wmvm *e)
{
    prov pv;
    progress prog;
    if (cli_opt(cmd, a, "conductances") != NULL || cli_opt(cmd, a, "voltages") != NULL)
        return cim_error(CIM_EUSAGE, "--conductances/--voltages are circuit-level inputs; the weight-level multiply "
                                     "(--weights, --inputs, mvm.level = \"weights\") takes W and x instead");
    prov_init(&pv, "mvm", a->invocation, c, e->run.seed);
    cli_progress(a, &prog);
    int st = exp_wmvm_load(e, cli_opt(cmd, a, "weights"), cli_opt(cmd, a, "inputs"), &pv, &prog);
    if (st == CIM_OK)
        st = exp_wmvm_run(e, &prog);
    if (st != CIM_OK)
        return st;
    json_t *summary = exp_wmvm_summary(e);
    strbuf body;
    strbuf_init(&body);
    strbuf_printf(&body,
                  "# outputs y = W^T x as decoded from the crossbar reads (%s), weight x input units; one line per "
                  "output (%zu)\n",
                  e->circuit ? "exact circuit solve of every tile" : "ideal Kirchhoff sum", e->cols);
    json_t *jb = json_pack("{s:O, s:o}", "summary", summary, "y", json_array());
    json_t *arr = json_object_get(jb, "y");
    for (size_t j = 0; j < e->cols; j++) {
        strbuf_printf(&body, "%.17g\n", e->y[j]);
        json_array_append_new(arr, json_real(e->y[j]));
    }
    st = cli_write_result(a, &pv, body.s, jb);
    json_decref(jb);
    strbuf_destroy(&body);

    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        char s1[32], s2[32];
        fprintf(out, "cimsim mvm: y = W^T x, W %zu x %zu (%s), x (%s)\n", e->rows, e->cols,
                e->w_source ? e->w_source : "drawn from the seed", e->x_source ? e->x_source : "drawn from the seed");
        fprintf(out, "  mapping            %s, %lld-bit weights, %lld bit%s per cell (%zu slice%s), levels %s .. %s\n",
                mapping_scheme_names[e->m.p.scheme], e->m.p.weight_bits, e->m.p.bits_per_cell,
                e->m.p.bits_per_cell == 1 ? "" : "s", e->m.n_slices, e->m.n_slices == 1 ? "" : "s",
                cli_si(s1, e->m.level_S[0], "S"), cli_si(s2, e->m.level_S[e->m.n_levels - 1], "S"));
        fprintf(out, "  inputs             %s, %zu read cycle%s per tile\n", mapping_input_mode_names[e->m.p.input_mode],
                e->in.n_cycles, e->in.n_cycles == 1 ? "" : "s");
        fprintf(out, "  tiles              %s\n", json_string_value(json_object_get(summary, "tiles")));
        if (e->circuit)
            fprintf(out,
                    "  reads              exact circuit solve, r_row %g, r_col %g, r_drv %g, r_sense %g ohm; %s, %zu "
                    "solves, %d PCG iterations, worst KCL residual %.2g\n",
                    e->xb.r_row_ohm, e->xb.r_col_ohm, e->xb.r_drv_ohm, e->xb.r_sense_ohm,
                    e->effective ? "effective conductance matrix per tile" : "one solve per read", e->n_solves,
                    e->iterations, e->max_residual);
        else
            fprintf(out, "  reads              ideal Kirchhoff sum (all crossbar.r_* are 0)\n");
        fprintf(out, "  array reads        %zu\n", e->t.n_reads);
        fprintf(out, "  clipped            %zu weight%s, %zu input%s\n", e->m.n_clipped, e->m.n_clipped == 1 ? "" : "s",
                e->in.n_clipped, e->in.n_clipped == 1 ? "" : "s");
        print_error(out, "vs float W^T x", &e->vs_float);
        print_error(out, "vs quantized", &e->vs_quant);
        print_error(out, "quantization alone", &e->quant_vs_float);
        fprintf(out, "  array energy       %s (sum over reads of sum_ij v_i^2 G_ij x %s; cells only)\n",
                cli_si(s1, e->energy_J, "J"), cli_si(s2, e->p.t_read_s, "s"));
        if (a->output)
            fprintf(out, "  wrote              %s (%zu outputs, %s)\n", a->output, e->cols,
                    a->format == CLI_FORMAT_JSON ? "JSON" : "CSV");
    }
    json_decref(summary);
    return st;
}

/* cli/cmd_sneak.c -- `cimsim sneak`: the worst-case read margin of a crossbar against its size, under
 * floating, V/2 and V/3 biasing (exp/margin.h). */
#include "cli/cli.h"
#include "exp/experiment.h"
#include "cli/plot.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "exp/margin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const cli_option sneak_options[] = {
    {"plot", "FILE.png",
     "draw the read margin against the array side, one line per scheme (closed forms dashed); .png, .svg or .pdf",
     CLI_OUT_FIGURE},
    {NULL, NULL, NULL, CLI_OUT_NONE},
};

/* The margins against the side, the figure and the summary. */
static int sneak_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    (void)prog;
    const exp_margin *e = r->state;
    /* CSV: one line per array side; per scheme the margin, both sensed currents, the sneak current of the LRS
     * read and the PCG iterations of the two reads (and the closed-form margin with ideal 1R arrays). */
    strbuf body;
    strbuf_init(&body);
    strbuf_puts(&body, "size");
    for (size_t s = 0; s < e->n_schemes; s++) {
        const char *nm = sneak_scheme_names[e->scheme[s]];
        strbuf_printf(&body, ",margin_%s,i_sense_lrs_%s_A,i_sense_hrs_%s_A,i_sneak_lrs_%s_A,iterations_%s", nm, nm,
                      nm, nm, nm);
        if (e->has_closed)
            strbuf_printf(&body, ",margin_closed_form_%s", nm);
    }
    strbuf_puts(&body, "\n");
    for (size_t k = 0; k < e->n_sizes; k++) {
        strbuf_printf(&body, "%zu", e->size[k]);
        for (size_t s = 0; s < e->n_schemes; s++) {
            const sneak_point *p = &e->pt[s * e->n_sizes + k];
            strbuf_printf(&body, ",%.17g,%.17g,%.17g,%.17g,%d", p->margin, p->lrs.i_sense_A, p->hrs.i_sense_A,
                          p->lrs.i_sneak_A, p->lrs.st.iterations + p->hrs.st.iterations);
            if (e->has_closed)
                strbuf_printf(&body, ",%.17g", e->closed[s * e->n_sizes + k]);
        }
        strbuf_puts(&body, "\n");
    }
    int st = cli_write_run(a, pv, r, &body, NULL);

    const char *png = cli_opt(cmd, a, "plot");
    if (st == CIM_OK && png != NULL) {
        const double *margin[3], *closed[3];
        const char *labels[3];
        double *mg = xmalloc(e->n_schemes * e->n_sizes * sizeof *mg);
        for (size_t s = 0; s < e->n_schemes; s++) {
            for (size_t k = 0; k < e->n_sizes; k++)
                mg[s * e->n_sizes + k] = e->pt[s * e->n_sizes + k].margin;
            margin[s] = mg + s * e->n_sizes;
            closed[s] = e->has_closed ? e->closed + s * e->n_sizes : NULL;
            labels[s] = sneak_scheme_names[e->scheme[s]];
        }
        char title[256], b1[32], b2[32], b3[32];
        snprintf(title, sizeof title, "worst-case read margin, %s %s cells, LRS %s / HRS %s at %s",
                 cell_type_names[e->cell.type], cell_iv_names[e->cell.iv], cli_si(b1, e->sp.g_lrs_S, "S"),
                 cli_si(b2, e->sp.g_hrs_S, "S"), cli_si(b3, e->sp.v_read_V, "V"));
        st = plot_margin(e->size, e->n_sizes, margin, closed, labels, e->n_schemes, e->sp.margin_min, title, png);
        free(mg);
    }

    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        char s1[32], s2[32];
        fprintf(out, "cimsim sneak: worst-case read of cell (0, n-1), every other cell LRS (%s), HRS %s, at %g V\n",
                cli_si(s1, e->sp.g_lrs_S, "S"), cli_si(s2, e->sp.g_hrs_S, "S"), e->sp.v_read_V);
        fprintf(out, "  cells              %s, %s memory\n", cell_type_names[e->cell.type], cell_iv_names[e->cell.iv]);
        fprintf(out, "  wires              r_row %g, r_col %g, r_drv %g, r_sense %g ohm\n", e->xb.r_row_ohm,
                e->xb.r_col_ohm, e->xb.r_drv_ohm, e->xb.r_sense_ohm);
        fprintf(out, "  %8s", "n");
        for (size_t s = 0; s < e->n_schemes; s++)
            fprintf(out, " %12s", sneak_scheme_names[e->scheme[s]]);
        fprintf(out, "   (read margin)\n");
        for (size_t k = 0; k < e->n_sizes; k++) {
            fprintf(out, "  %8zu", e->size[k]);
            for (size_t s = 0; s < e->n_schemes; s++)
                fprintf(out, " %11.4g%%", 100 * e->pt[s * e->n_sizes + k].margin);
            fputc('\n', out);
        }
        /* The run's numbers come from its named metrics (exp/experiment.h); the margins are its table. */
        const exp_metrics *ms = &r->metrics;
        for (size_t s = 0; s < e->n_schemes; s++) {
            char key[96];
            snprintf(key, sizeof key, "schemes.%s.largest_side_ok", sneak_scheme_names[e->scheme[s]]);
            size_t side = (size_t)exp_metrics_value(ms, key);
            if (side > 0)
                fprintf(out, "  %-8s           largest array with margin >= %g %%: %zu x %zu\n",
                        sneak_scheme_names[e->scheme[s]], 100 * e->sp.margin_min, side, side);
            else
                fprintf(out, "  %-8s           no array of these sizes keeps a margin >= %g %%\n",
                        sneak_scheme_names[e->scheme[s]], 100 * e->sp.margin_min);
        }
        if (exp_metrics_find(ms, "closed_form_max_dev") != NULL)
            fprintf(out, "  closed form        ideal wires, 1R linear cells: largest |margin - closed form| %.2g\n",
                    exp_metrics_value(ms, "closed_form_max_dev"));
        if (a->output)
            fprintf(out, "  wrote              %s (%s)\n", a->output, a->format == CLI_FORMAT_JSON ? "JSON" : "CSV");
    }
    return st;
}

static const cli_presenter sneak_presenter = {"sneak", "sneak", NULL, NULL, sneak_present};
static const cli_presenter *const sneak_presenters[] = {&sneak_presenter, NULL};

const cli_command cmd_sneak = {
    .name = "sneak",
    .summary = "the worst-case read margin of a crossbar against its size (floating, V/2, V/3 biasing)",
    .usage = "[options] CONFIG",
    .description =
        "For each side n of sneak.sizes, reads cell (0, n-1) of an n x n array -- the cell farthest from its\n"
        "driver and its sense amplifier -- with every other cell in LRS (the worst case), once with the cell in\n"
        "LRS and once in HRS, through the exact circuit solve with the crossbar's wire, driver and sense\n"
        "resistances and the cell group's access element (1R, 1S1R selector, 1T1R transistor) and I-V.\n"
        "Unselected lines float, or are held at v_read/2 (v2) or at v_read/3 and 2 v_read/3 (v3).  The margin is\n"
        "(I_LRS - I_HRS) / I_LRS of the sensed column current.  With ideal wires and 1R linear cells the closed\n"
        "forms (crossbar/sneak.h) are printed beside it.\n\n"
        "example:\n"
        "  cimsim sneak configs/crossbar/sneak.cfg -o margin.csv --plot margin.png",
    .options = sneak_options,
    .config_required = 1,
    .run = cli_run_experiment,
    .presenters = sneak_presenters,
};

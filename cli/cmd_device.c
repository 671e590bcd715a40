/* cli/cmd_device.c -- `cimsim device`: one device model under a stimulus (exp/device.h). */
#include "cli/cli.h"
#include "cli/plot.h"
#include "core/afile.h"
#include "core/status.h"
#include "device/spice.h"
#include "exp/device.h"
#include "exp/pulses.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const cli_option device_options[] = {
    {"spice", "FILE.cir", "also write an ngspice netlist of the same model and stimulus (its data goes to FILE.data)"},
    {"plot", "FILE.png", "draw the I-V loop with gnuplot, coloured by time"},
    {"log-current", NULL, "with --plot: |current| on a logarithmic axis"},
    {"pulses", NULL, "run the pulse-programming experiment (group pulses) instead of the stimulus"},
    {NULL, NULL, NULL},
};

static const param_group *const device_groups[] = {&run_group,      &device_group,       &stimulus_group,
                                                   &sim_group,      &pulses_group,       &variability_group,
                                                   &read_noise_group, &endurance_group, NULL};

static void bind_model(cfg *c, void *ctx) { exp_device_bind_model(ctx, c); }

static int write_spice(const cli_args *a, exp_device *e, const char *path)
{
    char data[1024];
    snprintf(data, sizeof data, "%s", path);
    char *dot = strrchr(data, '.');
    if (dot != NULL && strchr(dot, '/') == NULL)
        *dot = '\0';
    strncat(data, ".data", sizeof data - strlen(data) - 1);
    strbuf b;
    strbuf_init(&b);
    int st = device_spice_netlist(e->type, e->cell.p, e->x0, e->dev.T_K, &e->s, exp_device_t_stop(e),
                                  (size_t)e->sim.n_points, data, &b);
    if (st == CIM_OK) {
        strbuf_printf(&b, "* written by: %s\n", a->invocation);
        st = afile_write_all(path, b.s, b.len);
    }
    strbuf_destroy(&b);
    return st;
}

/* `--pulses`: potentiation/depression trains and the metrics of exp/pulses.h. */
static int pulses_run(const cli_command *cmd, cli_args *a, cfg *c, exp_device *e, const pulses_params *pp)
{
    prov pv;
    pulse_curve pc;
    prov_init(&pv, "device --pulses", a->invocation, c, e->run.seed);
    int st = exp_pulses_run(e, pp, &pc);
    if (st != CIM_OK)
        return st;
    json_t *summary = exp_pulses_summary(&pc, pp);
    strbuf body;
    strbuf_init(&body);
    strbuf_printf(&body,
                  "# pulse programming: %s; G read at %g V after each pulse; pulse 0 is the read before a cycle's "
                  "first pulse\ncycle,pulse,v_V,G_S,E_J\n",
                  e->type->name, e->dev.v_read_V);
    json_t *jg = json_array(), *je = json_array();
    for (size_t cy = 0; cy < pc.n_cycles; cy++) {
        json_t *g = json_array(), *en = json_array();
        for (size_t k = 0; k < pc.n; k++) {
            size_t i = cy * pc.n + k;
            strbuf_printf(&body, "%zu,%zu,%.17g,%.17g,%.17g\n", cy + 1, k, pc.v_V[k], pc.g_S[i], pc.e_J[i]);
            json_array_append_new(g, json_real(pc.g_S[i]));
            json_array_append_new(en, json_real(pc.e_J[i]));
        }
        json_array_append_new(jg, g);
        json_array_append_new(je, en);
    }
    json_t *jb = json_pack("{s:O, s:o, s:o}", "summary", summary, "G_S", jg, "E_J", je);
    st = cli_write_result(a, &pv, body.s, jb);
    json_decref(jb);
    strbuf_destroy(&body);
    const char *png = cli_opt(cmd, a, "plot");
    if (st == CIM_OK && png != NULL) {
        char title[256];
        snprintf(title, sizeof title, "cimsim device --pulses: %s, %lld + %lld pulses of %g V / %g V, %g s, %lld cycle%s",
                 e->type->name, pp->n_pulses, pp->n_pulses, pp->v_pot_V, pp->v_dep_V, pp->t_width_s, pp->n_cycles,
                 pp->n_cycles > 1 ? "s" : "");
        st = plot_pulses(pc.g_mean_S, pc.n_cycles > 1 ? pc.g_std_S : NULL, pc.n, (size_t)pp->n_pulses, title, png);
    }
    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        char b1[32], b2[32], b3[32];
        fprintf(out, "cimsim device --pulses: %s -- %s\n", e->type->name, e->type->title);
        fprintf(out, "  conductance     %s .. %s, dynamic range %.4g\n",
                cli_si(b1, json_real_value(json_object_get(summary, "g_min_S")), "S"),
                cli_si(b2, json_real_value(json_object_get(summary, "g_max_S")), "S"),
                json_real_value(json_object_get(summary, "dynamic_range")));
        const char *names[] = {"potentiation", "depression"};
        for (int k = 0; k < 2; k++) {
            json_t *b = json_object_get(summary, names[k]), *nl = json_object_get(b, "nl_label");
            char label[32];
            if (!json_is_real(json_object_get(b, "a_norm"))) {
                fprintf(out, "  %-14s  %s -> %s: no change, nothing to fit\n", names[k],
                        cli_si(b1, json_real_value(json_object_get(b, "g_start_S")), "S"),
                        cli_si(b2, json_real_value(json_object_get(b, "g_end_S")), "S"));
                continue;
            }
            if (json_is_real(nl))
                snprintf(label, sizeof label, "%+.3g", json_real_value(nl));
            else
                snprintf(label, sizeof label, "outside the table");
            fprintf(out, "  %-14s  %s -> %s, NeuroSim NL %s (A/P_max = %.4g, %s, rms misfit %.2g), %s per pulse\n",
                    names[k], cli_si(b1, json_real_value(json_object_get(b, "g_start_S")), "S"),
                    cli_si(b2, json_real_value(json_object_get(b, "g_end_S")), "S"), label,
                    json_real_value(json_object_get(b, "a_norm")), json_string_value(json_object_get(b, "shape")),
                    json_real_value(json_object_get(b, "fit_rms")),
                    cli_si(b3, json_real_value(json_object_get(b, "energy_per_pulse_J")), "J"));
            json_t *cs = json_object_get(b, "c2c_sigma_frac");
            fprintf(out, "  %-14s  %lld distinguishable levels (+-%g sigma bands apart over %zu cycles), C2C sigma %s of "
                         "the range\n",
                    "", (long long)json_integer_value(json_object_get(b, "levels")), pp->levels_n_sigma, pc.n_cycles,
                    json_is_real(cs) ? (snprintf(label, sizeof label, "%.3g%%", 100 * json_real_value(cs)), label) : "n/a");
        }
        if (pc.stuck)
            fprintf(out, "  the device is stuck %s: its state does not change\n", pc.stuck > 0 ? "ON" : "OFF");
        if (a->output)
            fprintf(out, "  wrote           %s\n", a->output);
        if (png)
            fprintf(out, "  wrote           %s\n", png);
    }
    json_decref(summary);
    pulse_curve_free(&pc);
    return st;
}

static int device_run(const cli_command *cmd, cli_args *a)
{
    cfg c;
    exp_device e;
    pulses_params pp;
    prov pv;
    progress prog;
    char dir[1024];
    cfg_init(&c);
    exp_device_init(&e, &c);
    cfg_bind(&c, &pulses_group, &pp);
    int st = cli_load_config(a, &c, bind_model, &e);
    cli_config_dir(a, dir, sizeof dir);
    if (st == CIM_OK && (st = exp_device_prepare(&e, dir)) == CIM_ECONFIG)
        cim_error_prefix(st, "%s: ", a->config);
    if (st == CIM_OK && cli_opt(cmd, a, "pulses") != NULL) {
        st = pulses_run(cmd, a, &c, &e, &pp);
        exp_device_free(&e);
        cfg_destroy(&c);
        return st;
    }
    const char *spice = cli_opt(cmd, a, "spice");
    if (st == CIM_OK && spice != NULL)
        st = write_spice(a, &e, spice);
    if (st == CIM_OK) {
        prov_init(&pv, "device", a->invocation, &c, e.run.seed);
        cli_progress(a, &prog);
        progress_start(&prog, "device", 1.0, prog.sink, prog.ctx);
        st = exp_device_run(&e, &prog);
        progress_finish(&prog);
    }
    if (st == CIM_OK) {
        const device_trace *tr = &e.tr;
        json_t *summary = exp_device_summary(&e);
        strbuf body;
        strbuf_init(&body);
        strbuf_printf(&body, "# device trace: %s under a %s stimulus\nt_s,v_V,i_A", e.type->name,
                      (const char *[]){"dc", "sine", "triangle", "pulse", "pwl"}[e.stim.kind]);
        for (size_t k = 0; k < tr->n_state; k++)
            strbuf_printf(&body, ",%s", e.type->state[k].name);
        strbuf_puts(&body, ",p_W\n");
        for (size_t i = 0; i < tr->n; i++) {
            strbuf_printf(&body, "%.17g,%.17g,%.17g", tr->t_s[i], tr->v_V[i], tr->i_A[i]);
            for (size_t k = 0; k < tr->n_state; k++)
                strbuf_printf(&body, ",%.17g", tr->x[i * tr->n_state + k]);
            strbuf_printf(&body, ",%.17g\n", tr->p_W[i]);
        }
        json_t *jt = json_object();
        const char *names[] = {"t_s", "v_V", "i_A", "p_W"};
        const double *cols[] = {tr->t_s, tr->v_V, tr->i_A, tr->p_W};
        for (int k = 0; k < 4; k++) {
            json_t *arr = json_array();
            for (size_t i = 0; i < tr->n; i++)
                json_array_append_new(arr, json_real(cols[k][i]));
            json_object_set_new(jt, names[k], arr);
        }
        for (size_t k = 0; k < tr->n_state; k++) {
            json_t *arr = json_array();
            for (size_t i = 0; i < tr->n; i++)
                json_array_append_new(arr, json_real(tr->x[i * tr->n_state + k]));
            json_object_set_new(jt, e.type->state[k].name, arr);
        }
        json_t *jb = json_pack("{s:O, s:o}", "summary", summary, "trace", jt);
        st = cli_write_result(a, &pv, body.s, jb);
        json_decref(jb);
        strbuf_destroy(&body);
        const char *png = cli_opt(cmd, a, "plot");
        if (st == CIM_OK && png != NULL) {
            char title[256];
            /* The main reference only (up to the first ';'), so the title fits. */
            snprintf(title, sizeof title, "cimsim device: %s -- %s\\n%.*s", e.type->name, e.type->title,
                     (int)strcspn(e.type->citation, ";"), e.type->citation);
            st = plot_iv(tr, title, cli_opt(cmd, a, "log-current") != NULL, png);
        }

        FILE *out = cli_summary_stream(a);
        if (st == CIM_OK && out != NULL) {
            char b1[32], b2[32], b3[32], b4[32], b5[32];
            json_t *r = json_object_get(summary, "r_read_ohm"), *sw = json_object_get(summary, "switching");
            fprintf(out, "cimsim device: %s -- %s\n  %s\n", e.type->name, e.type->title, e.type->citation);
            fprintf(out, "  simulated       %s in %zu steps (%zu rejected), %zu samples\n",
                    cli_si(b1, tr->t_s[tr->n - 1], "s"), tr->n_steps, tr->n_failed, tr->n);
            if (!json_is_real(json_object_get(r, "initial")))
                fprintf(out, "  R_read at %s  none: no DC read current (a capacitor)\n", cli_si(b1, e.dev.v_read_V, "V"));
            else
            fprintf(out, "  R_read at %s  %s -> %s (range %s .. %s, ratio %.4g)\n", cli_si(b1, e.dev.v_read_V, "V"),
                    cli_si(b2, json_real_value(json_object_get(r, "initial")), "ohm"),
                    cli_si(b3, json_real_value(json_object_get(r, "final")), "ohm"),
                    cli_si(b4, json_real_value(json_object_get(r, "min")), "ohm"),
                    cli_si(b5, json_real_value(json_object_get(r, "max")), "ohm"),
                    json_real_value(json_object_get(r, "ratio_max_min")));
            json_t *vs = json_object_get(sw, "v_set_V"), *vr = json_object_get(sw, "v_reset_V");
            fprintf(out, "  switching       SET at %s, RESET at %s (R_read moved 10%% from its running extreme)\n",
                    vs && json_is_real(vs) ? cli_si(b1, json_real_value(vs), "V") : "none",
                    vr && json_is_real(vr) ? cli_si(b2, json_real_value(vr), "V") : "none");
            fprintf(out, "  loop lobe area  %s (sum over half-cycles of |integral i dv|)\n",
                    cli_si(b1, json_real_value(json_object_get(summary, "loop_area_W")), "W"));
            fprintf(out, "  energy          %s dissipated (integral v i dt)\n",
                    cli_si(b1, json_real_value(json_object_get(summary, "energy_J")), "J"));
            if (a->output)
                fprintf(out, "  wrote           %s\n", a->output);
            if (spice)
                fprintf(out, "  wrote           %s (run: ngspice -b %s)\n", spice, spice);
            if (cli_opt(cmd, a, "plot"))
                fprintf(out, "  wrote           %s\n", cli_opt(cmd, a, "plot"));
        }
        json_decref(summary);
    }
    exp_device_free(&e);
    cfg_destroy(&c);
    return st;
}


const cli_command cmd_device = {
    .name = "device",
    .summary = "simulate one device (memristor, RRAM) under a voltage stimulus: trace, switching, energy",
    .usage = "[options] CONFIG",
    .description =
        "Integrates the device model named by device.model under the stimulus, writes the trace\n"
        "t_s,v_V,i_A,<state...>,p_W (17 significant digits) and prints a summary: read resistance\n"
        "at device.v_read_V (initial, final, range), switching voltages, I-V loop lobe area and the\n"
        "energy integral v i dt.  Models: hp, team, vteam, yakopcic, stanford_pku, pcm, feram, feram_lk, fefet (see\n"
        "`cimsim config --docs` for their parameters and sources).\n\n"
        "example:\n"
        "  cimsim device configs/device/vteam.cfg -o vteam.csv --spice vteam.cir",
    .options = device_options,
    .config_required = 1,
    .groups = device_groups,
    .optional_group = exp_device_optional_group,
    .reads = exp_device_reads,
    .run = device_run,
};

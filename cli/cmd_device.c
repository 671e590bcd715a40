/* cli/cmd_device.c -- `cimsim device`: one device model under a stimulus (exp/device.h). */
#include "cli/cli.h"
#include "device/binding.h"
#include "cli/plot.h"
#include "core/afile.h"
#include "core/status.h"
#include "device/spice.h"
#include "exp/device.h"
#include "exp/experiment.h"
#include "exp/endurance.h"
#include "exp/pcm_stat.h"
#include "exp/pulses.h"
#include "exp/state.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_option device_options[] = {
    {"spice", "FILE.cir", "also write an ngspice netlist of the same model and stimulus (its data goes to FILE.data)",
     CLI_OUT_FILE},
    {"plot", "FILE.png",
     "draw the I-V loop with gnuplot, coloured by time (models with an observable: the P-V loop beside it); "
     "the extension chooses the format: .png, .svg or .pdf",
     CLI_OUT_FIGURE},
    {"log-current", NULL, "with --plot: |current| on a logarithmic axis", CLI_OUT_NONE},
    {"plot-r-t", "FILE.png",
     "draw R = v/i against time on log-log axes over the run's final hold at a read voltage (drift, retention), "
     "with the slope fitted over its last 3 decades (.png, .svg or .pdf)",
     CLI_OUT_FIGURE},
    {"pulses", NULL, "run the pulse-programming experiment (group pulses) instead of the stimulus", CLI_OUT_NONE},
    {"endurance", NULL,
     "run the endurance experiment (group endurance_exp): the stimulus loop on the device as aged by N switching "
     "cycles, N on a log grid; window at 0 V after each half", CLI_OUT_NONE},
    {"pcm-stat", NULL,
     "run the IBM statistical PCM inference characterisation (groups pcm_stat, pcm_stat_exp) instead of the stimulus",
     CLI_OUT_NONE},
    {NULL, NULL, NULL, CLI_OUT_NONE},
};

/* 1 if the trace gets a column for the model's observable: it has one, and no state variable of that name
 * (feram_lk's polarization is its state). */
static int obs_column(const device_type *T, const device_trace *tr)
{
    if (tr->obs == NULL)
        return 0;
    for (size_t k = 0; k < T->n_state; k++)
        if (strcmp(T->state[k].name, T->observable.name) == 0)
            return 0;
    return 1;
}

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
    int st = device_spice_netlist(e->b.type, e->cell.p, e->x0, e->b.dev.T_K, &e->s, &e->sim, exp_device_t_stop(e),
                                  data, &b);
    if (st == CIM_OK) {
        strbuf_printf(&b, "* written by: %s\n", a->invocation);
        st = afile_write_all(path, b.s, b.len);
    }
    strbuf_destroy(&b);
    return st;
}

/* The summary's tail: the files written (either may be NULL). */
static void print_written(FILE *out, const char *output, const char *png)
{
    if (output)
        fprintf(out, "  wrote           %s\n", output);
    if (png)
        fprintf(out, "  wrote           %s\n", png);
}

/* `--pulses`: potentiation/depression trains and the metrics of exp/pulses.h. */
static int pulses_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    (void)prog;
    exp_pulses_state *s = r->state;
    const exp_device *e = &s->e;
    const pulses_params *pp = &s->p;
    const pulse_curve pc = s->curve;
    json_t *summary = r->summary;
    strbuf body;
    strbuf_init(&body);
    strbuf_printf(&body,
                  "# pulse programming: %s; G read at %g V after each pulse; pulse 0 is the read before a cycle's "
                  "first pulse\ncycle,pulse,v_V,G_S,E_J\n",
                  e->b.type->name, e->b.dev.v_read_V);
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
    json_t *jb = json_pack("{s:o, s:o}", "G_S", jg, "E_J", je);
    int st = cli_write_run(a, pv, r, &body, jb);
    const char *png = cli_opt(cmd, a, "plot");
    if (st == CIM_OK && png != NULL) {
        char title[256];
        char b1[32], b2[32], b3[32];
        snprintf(title, sizeof title, "cimsim device --pulses: %s, %lld + %lld pulses of %s / %s, %s, %lld cycle%s",
                 e->b.type->name, pp->n_pulses, pp->n_pulses, cli_si(b1, pp->v_pot_V, "V"), cli_si(b2, pp->v_dep_V, "V"),
                 cli_si(b3, pp->t_width_s, "s"), pp->n_cycles, pp->n_cycles > 1 ? "s" : "");
        st = plot_pulses(pc.g_mean_S, pc.n_cycles > 1 ? pc.g_std_S : NULL, pc.n, (size_t)pp->n_pulses, title, png);
    }
    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        char b1[32], b2[32], b3[32];
        fprintf(out, "cimsim device --pulses: %s -- %s\n", e->b.type->name, e->b.type->title);
        /* The run's numbers come from its named metrics (exp/experiment.h); descriptions from the summary. */
        const exp_metrics *ms = &r->metrics;
        fprintf(out, "  conductance     %s .. %s, dynamic range %.4g\n", cli_si(b1, exp_metrics_value(ms, "g_min_S"), "S"),
                cli_si(b2, exp_metrics_value(ms, "g_max_S"), "S"), exp_metrics_value(ms, "dynamic_range"));
        const char *names[] = {"potentiation", "depression"};
        for (int k = 0; k < 2; k++) {
            json_t *b = json_object_get(summary, names[k]);
            char label[32], key[64];
#define BRANCH(field) (snprintf(key, sizeof key, "%s.%s", names[k], field), exp_metrics_value(ms, key))
            double g0 = BRANCH("g_start_S"), g1 = BRANCH("g_end_S"), a_norm = BRANCH("a_norm"), nl = BRANCH("nl_label");
            if (!isfinite(a_norm)) {
                fprintf(out, "  %-14s  %s -> %s: no change, nothing to fit\n", names[k], cli_si(b1, g0, "S"),
                        cli_si(b2, g1, "S"));
                continue;
            }
            if (isfinite(nl))
                snprintf(label, sizeof label, "%+.3g", nl);
            else
                snprintf(label, sizeof label, "outside the table");
            fprintf(out, "  %-14s  %s -> %s, NeuroSim NL %s (A/P_max = %.4g, %s, rms misfit %.2g), %s per pulse\n",
                    names[k], cli_si(b1, g0, "S"), cli_si(b2, g1, "S"), label, a_norm,
                    json_string_value(json_object_get(b, "shape")), BRANCH("fit_rms"),
                    cli_si(b3, BRANCH("energy_per_pulse_J"), "J"));
            double cs = BRANCH("c2c_sigma_frac");
            char c2c[32];
            if (isfinite(cs))
                snprintf(c2c, sizeof c2c, "%.3g%% of the range", 100 * cs);
            else
                snprintf(c2c, sizeof c2c, "n/a%s", pc.n_cycles < 2 ? " (one cycle)" : "");
            const char *basis = json_string_value(json_object_get(b, "levels_sigma"));
            char sigma[160];
            if (basis == NULL) /* no spread: a count would only measure the last digits */
                fprintf(out, "  %-14s  levels undefined: %s; C2C sigma %s\n", "",
                        json_string_value(json_object_get(b, "levels_undefined")), c2c);
            else {
                if (strcmp(basis, "read") == 0)
                    snprintf(sigma, sizeof sigma, "read noise%s", pc.c2c_configured ? " only: one cycle cannot measure the "
                                                                                      "cycle-to-cycle spread" : "");
                else
                    snprintf(sigma, sizeof sigma, "cycle-to-cycle spread over %zu cycles%s", pc.n_cycles,
                             strcmp(basis, "c2c") == 0 ? "" : " and read noise");
                fprintf(out, "  %-14s  %.0f distinguishable levels (+-%g sigma bands apart; sigma: %s), C2C sigma %s\n",
                        "", BRANCH("levels"), pp->levels_n_sigma, sigma, c2c);
            }
#undef BRANCH
        }
        if (pc.stuck)
            fprintf(out, "  the device is stuck %s: its state does not change\n", pc.stuck > 0 ? "ON" : "OFF");
        print_written(out, a->output, png);
    }
    return st;
}

/* `--endurance`: the window against the cycle count (exp/endurance.h). */
static int endurance_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    (void)prog;
    exp_endurance_state *s = r->state;
    const exp_device *e = &s->e;
    const endurance_curve ec = s->curve;
    const char *obs = ec.has_obs ? e->b.type->observable.name : "observable";
    strbuf body;
    strbuf_init(&body);
    strbuf_printf(&body,
                  "# endurance: %s; the stimulus loop on the device as made after N cycles; pos / neg: the state at "
                  "0 V after the positive / negative half (%s in %s; read current at %g V)\n"
                  "cycles,%s_pos,%s_neg,%s_window,i_read_pos_A,i_read_neg_A\n",
                  e->b.type->name, obs, ec.has_obs ? e->b.type->observable.unit : "-", e->b.dev.v_read_V, obs, obs, obs);
    json_t *jn = json_array(), *jw = json_array(), *jp = json_array(), *jq = json_array();
    double *w = malloc(ec.n * sizeof *w);
    for (size_t k = 0; k < ec.n; k++) {
        w[k] = ec.obs_pos[k] - ec.obs_neg[k];
        strbuf_printf(&body, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", ec.cycles[k], ec.obs_pos[k], ec.obs_neg[k], w[k],
                      ec.i_pos_A[k], ec.i_neg_A[k]);
        json_array_append_new(jn, json_real(ec.cycles[k]));
        json_array_append_new(jw, isfinite(w[k]) ? json_real(w[k]) : json_null());
        json_array_append_new(jp, isfinite(ec.i_pos_A[k]) ? json_real(ec.i_pos_A[k]) : json_null());
        json_array_append_new(jq, isfinite(ec.i_neg_A[k]) ? json_real(ec.i_neg_A[k]) : json_null());
    }
    json_t *jb = json_pack("{s:o, s:o, s:o, s:o}", "cycles", jn, "window", jw,
                           "i_read_pos_A", jp, "i_read_neg_A", jq);
    int st = cli_write_run(a, pv, r, &body, jb);
    const char *png = cli_opt(cmd, a, "plot");
    double scale = 1.0;
    const char *unit = ec.has_obs ? cli_display_unit(e->b.type->observable.unit, &scale) : "";
    if (st == CIM_OK && png != NULL) {
        char title[256], label[128];
        snprintf(title, sizeof title, "cimsim device --endurance: %s\\n%s", e->b.type->name, e->b.type->title);
        snprintf(label, sizeof label, "window: %.*s at 0 V after the + half minus after the - half (%s)",
                 (int)strcspn(obs, "_"), obs, unit); /* P_C_per_m2 -> P: the unit follows */
        st = plot_endurance(ec.cycles, ec.has_obs ? w : NULL, ec.has_read ? ec.i_pos_A : NULL, ec.i_neg_A, ec.n, label,
                            scale, title, png);
    }
    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        fprintf(out, "cimsim device --endurance: %s -- %s\n", e->b.type->name, e->b.type->title);
        /* The run's numbers come from its named metrics (exp/experiment.h). */
        const exp_metrics *ms = &r->metrics;
        const char *names[] = {"first", "best", "last"};
        for (int k = 0; k < 3; k++) {
            char key[64];
#define POINT(field) (snprintf(key, sizeof key, "%s.%s", names[k], field), exp_metrics_value(ms, key))
            fprintf(out, "  %-6s N = %-10.4g", names[k], POINT("cycles"));
            double ow = POINT("obs_window"), rr = POINT("i_read_ratio");
#undef POINT
            if (isfinite(ow))
                fprintf(out, "  %s window %.4g %s", obs, ow * scale, unit);
            if (isfinite(rr))
                fprintf(out, "  read on/off %.4g", rr);
            fputc('\n', out);
        }
        double closed = exp_metrics_value(ms, "read_closed_cycles");
        if (isfinite(closed))
            fprintf(out, "  read window closed (on/off < %g) by N = %.4g\n", ENDURANCE_CLOSED_RATIO, closed);
        print_written(out, a->output, png);
    }
    free(w);
    return st;
}

/* t in the unit a reader of retention plots expects: s, min, h, d or y (365 d). */
static const char *human_time(char buf[static 32], double t)
{
    static const double unit_s[] = {1, 60, 3600, 86400, 365 * 86400.0};
    static const char *const name[] = {"s", "min", "h", "d", "y"};
    int k = 0;
    while (k < 4 && t >= unit_s[k + 1])
        k++;
    snprintf(buf, 32, "%.4g %s", t / unit_s[k], name[k]);
    return buf;
}

/* `--pcm-stat`: the statistical PCM characterisation of exp/pcm_stat.h. */
static int pcm_stat_present(const cli_command *cmd, const cli_args *a, exp_run *run, const prov *pv, progress *prog)
{
    (void)prog;
    exp_pcm_stat_state *s = run->state;
    const pcm_stat_params *m = &s->m;
    const pcm_stat_result r = s->r;
    strbuf body;
    strbuf_init(&body);
    strbuf_printf(&body,
                  "# IBM statistical PCM model, variant %s: g_max %g S, t0 %g s, t_read %g s; %zu devices per target\n"
                  "# one row per target and inference time t: G(t) drawn (mean, std), with global drift compensation "
                  "(gdc, alpha = summed G_P / summed G(t)), the model's E[G(t)] and read-noise factor f(t); then the "
                  "target's programmed G_P and drift exponent nu, drawn and model (sigma_prog, folded-normal nu, Q_s)\n"
                  "x,g_target_S,t_s,g_mean_S,g_std_S,g_gdc_mean_S,g_gdc_std_S,alpha_gdc,g_mean_model_S,read_factor,"
                  "g_prog_mean_S,g_prog_std_S,g_prog_mean_model_S,sigma_prog_model_S,nu_mean,nu_std,nu_mean_model,"
                  "nu_std_model,q_s_model\n",
                  pcm_stat_variant_names[m->variant], r.g_max_S, r.t0_s, r.t_read_s, r.n_devices);
    for (size_t k = 0; k < r.n_targets; k++)
        for (size_t j = 0; j < r.n_times; j++) {
            size_t i = k * r.n_times + j;
            strbuf_printf(&body, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,", r.x[k], r.g_t_S[k],
                          r.t_s[j], r.g_mean_S[i], r.g_std_S[i], r.alpha[j] * r.g_mean_S[i], r.alpha[j] * r.g_std_S[i],
                          r.alpha[j], r.g_mean_model_S[i], r.read_factor[j]);
            strbuf_printf(&body, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", r.g_prog_mean_S[k],
                          r.g_prog_std_S[k], r.g_prog_mean_model_S[k], r.sigma_prog_model_S[k], r.nu_mean[k],
                          r.nu_std[k], r.nu_mean_model[k], r.nu_std_model[k], r.q_s_model[k]);
        }
    int st = cli_write_run(a, pv, run, &body, NULL);
    const char *png = cli_opt(cmd, a, "plot");
    if (st == CIM_OK && png != NULL) {
        char title[256], b1[32];
        snprintf(title, sizeof title,
                 "cimsim device --pcm-stat: IBM statistical PCM model (%s), g_max %s, %zu devices per target",
                 pcm_stat_variant_names[m->variant], cli_si(b1, r.g_max_S, "S"), r.n_devices);
        st = plot_pcm_stat(m, &r, title, png);
    }
    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        char b1[48], b2[32], b3[32];
        fprintf(out, "cimsim device --pcm-stat: IBM statistical PCM inference model, variant %s\n",
                pcm_stat_variant_names[m->variant]);
        fprintf(out, "  Nandakumar et al. ICECS 2019; Joshi et al. Nat. Commun. 11, 2473 (2020); aihwkit %s\n",
                m->variant == PCM_STAT_JOSHI2020 ? "PCMLikeNoiseModel" : "HermesNoiseModel");
        fprintf(out, "  g_max %s, t0 %s, t_read %s, %zu devices per target; drawn (model)\n",
                cli_si(b1, r.g_max_S, "S"), cli_si(b2, r.t0_s, "s"), cli_si(b3, r.t_read_s, "s"), r.n_devices);
        fprintf(out, "  %-6s %-10s %-19s %-18s %-18s %s\n", "x", "G_T/µS", "sigma_prog/µS", "nu mean", "nu std", "Q_s");
        for (size_t k = 0; k < r.n_targets; k++) {
            char sp[48], nm[48], ns[48];
            snprintf(sp, sizeof sp, "%.4f (%.4f)", r.g_prog_std_S[k] * 1e6, r.sigma_prog_model_S[k] * 1e6);
            snprintf(nm, sizeof nm, "%.4f (%.4f)", r.nu_mean[k], r.nu_mean_model[k]);
            snprintf(ns, sizeof ns, "%.4f (%.4f)", r.nu_std[k], r.nu_std_model[k]);
            fprintf(out, "  %-6.4g %-9.4g %-18s %-18s %-18s %.4g\n", r.x[k], r.g_t_S[k] * 1e6, sp, nm, ns,
                    r.q_s_model[k]);
        }
        fprintf(out, "  mean G(t) in µS, raw / with global drift compensation (%s readout):\n",
                pcm_stat_gdc_names[m->gdc_input]);
        fprintf(out, "  %-6s", "x");
        for (size_t j = 0; j < r.n_times; j++)
            fprintf(out, " %15s", human_time(b1, r.t_s[j]));
        fprintf(out, "\n");
        for (size_t k = 0; k < r.n_targets; k++) {
            fprintf(out, "  %-6.4g", r.x[k]);
            for (size_t j = 0; j < r.n_times; j++) {
                size_t i = k * r.n_times + j;
                snprintf(b1, sizeof b1, "%.3f/%.3f", r.g_mean_S[i] * 1e6, r.alpha[j] * r.g_mean_S[i] * 1e6);
                fprintf(out, " %15s", b1);
            }
            fprintf(out, "\n");
        }
        fprintf(out, "  %-6s", "alpha");
        for (size_t j = 0; j < r.n_times; j++)
            fprintf(out, " %15.4f", r.alpha[j]);
        fprintf(out, "\n");
        print_written(out, a->output, png);
    }
    return st;
}

/* The observable's line of the summary, in the field's unit: range, remanent values, coercive voltages. */
static void print_observable(FILE *out, json_t *ob)
{
    double scale;
    const char *unit = cli_display_unit(json_string_value(json_object_get(ob, "unit")), &scale);
    char b[4][48];
    const char *keys[] = {"remanent_pos", "remanent_neg", "v_coercive_pos_V", "v_coercive_neg_V"};
    for (int k = 0; k < 4; k++) {
        json_t *v = json_object_get(ob, keys[k]);
        if (!json_is_real(v))
            snprintf(b[k], sizeof b[k], "none");
        else if (k < 2)
            snprintf(b[k], sizeof b[k], "%+.4g", json_real_value(v) * scale);
        else
            snprintf(b[k], sizeof b[k], "%+.4g V", json_real_value(v));
    }
    fprintf(out, "  %-15s %.4g .. %.4g %s; at 0 V %s / %s %s (remanent), crosses 0 at %s / %s (coercive)\n",
            json_string_value(json_object_get(ob, "name")), json_real_value(json_object_get(ob, "min")) * scale,
            json_real_value(json_object_get(ob, "max")) * scale, unit, b[0], b[1], unit, b[2], b[3]);
}

/* The trace of a stimulus run only: refused by the other experiments of the command (they were silently ignored:
 * the run wrote no netlist and said nothing). */
static int refuse_trace_options(const cli_command *cmd, const cli_args *a, const exp_run *r)
{
    if (cli_opt(cmd, a, "plot-r-t") != NULL)
        return cim_error(CIM_EUSAGE, "device: --plot-r-t draws the trace of a stimulus run, not of the %s experiment",
                         r->x->name);
    if (cli_opt(cmd, a, "spice") != NULL)
        return cim_error(CIM_EUSAGE, "device: --spice writes the netlist of a stimulus run, not of the %s experiment: "
                                     "run a device config without --pulses, --pcm-stat or --endurance",
                         r->x->name);
    return CIM_OK;
}

/* The drawn device and its stimulus are known: --plot-r-t needs a final hold, the trace's size, the netlist. */
static int device_ready(const cli_command *cmd, const cli_args *a, exp_run *r)
{
    exp_device *e = r->state;
    double t_hold;
    size_t first_hold;
    int st = CIM_OK;
    if (cli_opt(cmd, a, "plot-r-t") != NULL && (st = exp_device_final_hold(e, &t_hold, &first_hold)) != CIM_OK)
        return cim_error_prefix(st, "%s: --plot-r-t needs a run that ends holding a read voltage: ", a->config);
    /* the trace: one line per sample of t, v, i, the states, the observable and p, ~22 bytes each */
    char what[128];
    snprintf(what, sizeof what, "the trace of %lld samples (sim.n_points)", e->sim.n_points);
    st = cli_check_size(a, (double)e->sim.n_points * (double)(5 + e->b.type->n_state) * CLI_BYTES_PER_VALUE, what);
    const char *spice = cli_opt(cmd, a, "spice");
    if (st == CIM_OK && spice != NULL)
        st = write_spice(a, e, spice);
    return st;
}

/* The trace, the I-V (and R(t)) figures and the summary of a stimulus run. */
static int device_present(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog)
{
    (void)prog;
    const exp_device *e = r->state;
    const char *png_rt = cli_opt(cmd, a, "plot-r-t"), *spice = cli_opt(cmd, a, "spice");
    double t_hold = 0.0;
    size_t first_hold = 0;
    if (png_rt != NULL)
        exp_device_final_hold(e, &t_hold, &first_hold); /* device_ready checked it */
    const device_trace *tr = &e->tr;
    json_t *summary = r->summary;
    strbuf body;
    strbuf_init(&body);
    strbuf_printf(&body, "# device trace: %s under a %s stimulus\nt_s,v_V,i_A", e->b.type->name,
                  (const char *[]){"dc", "sine", "triangle", "pulse", "pwl"}[e->stim.kind]);
    int oc = obs_column(e->b.type, tr);
    for (size_t k = 0; k < tr->n_state; k++)
        strbuf_printf(&body, ",%s", e->b.type->state[k].name);
    if (oc)
        strbuf_printf(&body, ",%s", e->b.type->observable.name);
    strbuf_puts(&body, ",p_W\n");
    for (size_t i = 0; i < tr->n; i++) {
        strbuf_printf(&body, "%.17g,%.17g,%.17g", tr->t_s[i], tr->v_V[i], tr->i_A[i]);
        for (size_t k = 0; k < tr->n_state; k++)
            strbuf_printf(&body, ",%.17g", tr->x[i * tr->n_state + k]);
        if (oc)
            strbuf_printf(&body, ",%.17g", tr->obs[i]);
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
        json_object_set_new(jt, e->b.type->state[k].name, arr);
    }
    if (oc) {
        json_t *arr = json_array();
        for (size_t i = 0; i < tr->n; i++)
            json_array_append_new(arr, json_real(tr->obs[i]));
        json_object_set_new(jt, e->b.type->observable.name, arr);
    }
    json_t *jb = json_pack("{s:o}", "trace", jt);
    int st = cli_write_run(a, pv, r, &body, jb);
    const char *png = cli_opt(cmd, a, "plot");
    if (st == CIM_OK && png != NULL) {
        char title[256];
        /* The main reference only (up to the first ';'), so the title fits. */
        snprintf(title, sizeof title, "cimsim device: %s -- %s\\n%.*s", e->b.type->name, e->b.type->title,
                 (int)strcspn(e->b.type->citation, ";"), e->b.type->citation);
        st = plot_iv(tr, &e->b.type->observable, title, cli_opt(cmd, a, "log-current") != NULL, png);
    }
    /* Drift: the slope over the hold's last 3 decades, where a power law has settled (PCM drift starts at
     * its t0 after the melt-quench). */
    double dt_hi = tr->t_s[tr->n - 1] - t_hold, dt_lo = 0, slope = NAN, ln_r1 = NAN;
    size_t n_fit = 0;
    if (png_rt != NULL) {
        dt_lo = fmax(tr->t_s[first_hold] - t_hold, 1e-3 * dt_hi);
        slope = exp_device_loglog_slope(e, t_hold, first_hold, dt_lo, dt_hi, &ln_r1, &n_fit);
    }
    if (st == CIM_OK && png_rt != NULL) {
        char title[256], b1[32], b2[32];
        snprintf(title, sizeof title, "cimsim device: %s -- R = v/i at %s, held from t_0 = %s\\n%s", e->b.type->name,
                 cli_si(b1, tr->v_V[tr->n - 1], "V"), cli_si(b2, t_hold, "s"), e->b.type->title);
        st = plot_r_t(tr, first_hold, t_hold, slope, ln_r1, dt_lo, dt_hi, title, png_rt);
    }

    FILE *out = cli_summary_stream(a);
    if (st == CIM_OK && out != NULL) {
        char b1[32], b2[32], b3[32], b4[32], b5[32];
        fprintf(out, "cimsim device: %s -- %s\n  %s\n", e->b.type->name, e->b.type->title, e->b.type->citation);
        fprintf(out, "  simulated       %s in %zu steps (%zu rejected), %zu samples\n",
                cli_si(b1, tr->t_s[tr->n - 1], "s"), tr->n_steps, tr->n_failed, tr->n);
        /* The run's numbers come from its named metrics (exp/experiment.h), the list --format json carries. */
        const exp_metrics *ms = &r->metrics;
        if (!isfinite(exp_metrics_value(ms, "r_read_ohm.initial")))
            fprintf(out, "  R_read at %s  none: no DC read current (a capacitor)\n", cli_si(b1, e->b.dev.v_read_V, "V"));
        else
            fprintf(out, "  R_read at %s  %s -> %s (range %s .. %s, ratio %.4g)\n", cli_si(b1, e->b.dev.v_read_V, "V"),
                    cli_si(b2, exp_metrics_value(ms, "r_read_ohm.initial"), "ohm"),
                    cli_si(b3, exp_metrics_value(ms, "r_read_ohm.final"), "ohm"),
                    cli_si(b4, exp_metrics_value(ms, "r_read_ohm.min"), "ohm"),
                    cli_si(b5, exp_metrics_value(ms, "r_read_ohm.max"), "ohm"),
                    exp_metrics_value(ms, "r_read_ohm.ratio_max_min"));
        /* Switching voltages and the loop area mean something for a sweep; for pulses and holds only a
         * switching the drive did (exp_device_summary), and no line at all when there was none. */
        double vs = exp_metrics_value(ms, "switching.v_set_V"), vr = exp_metrics_value(ms, "switching.v_reset_V");
        int sweep = exp_metrics_value(ms, "switching.sweep") == 1.0;
        if (sweep || isfinite(vs) || isfinite(vr))
            fprintf(out, "  switching       SET at %s, RESET at %s (R_read moved 10%% from its running extreme)\n",
                    isfinite(vs) ? cli_si(b1, vs, "V") : "none", isfinite(vr) ? cli_si(b2, vr, "V") : "none");
        if (sweep)
            fprintf(out, "  loop lobe area  %s (sum over half-cycles of |integral i dv|)\n",
                    cli_si(b1, exp_metrics_value(ms, "loop_area_W"), "W"));
        fprintf(out, "  energy          %s dissipated (integral v i dt)\n",
                cli_si(b1, exp_metrics_value(ms, "energy_J"), "J"));
        json_t *ob = json_object_get(summary, "observable");
        if (ob != NULL)
            print_observable(out, ob);
        if (a->output)
            fprintf(out, "  wrote           %s\n", a->output);
        if (spice)
            fprintf(out, "  wrote           %s (run: ngspice -b %s)\n", spice, spice);
        double ilo, ihi;
        size_t k_loop = png != NULL && tr->obs != NULL && !cli_opt(cmd, a, "log-current")
                        ? plot_iv_current_range(tr, 1, &ilo, &ihi)
                        : 0;
        if (k_loop > 0)
            fprintf(out, "  plot            current axis %s .. %s: the loop from t = %s on (the start-up before is "
                         "off scale)\n",
                    cli_si(b1, ilo, "A"), cli_si(b2, ihi, "A"), cli_si(b3, tr->t_s[k_loop], "s"));
        if (png_rt != NULL) {
            size_t k0 = first_hold, k1 = tr->n - 1;
            fprintf(out, "  R(t) drift      R = v/i from %s at t - t_0 = %s to %s at %s (hold from t_0 = %s)\n",
                    cli_si(b1, tr->v_V[k0] / tr->i_A[k0], "ohm"), cli_si(b2, tr->t_s[k0] - t_hold, "s"),
                    cli_si(b3, tr->v_V[k1] / tr->i_A[k1], "ohm"), cli_si(b4, dt_hi, "s"), cli_si(b5, t_hold, "s"));
            fprintf(out, "                  log-log slope d ln R / d ln t = %.5g over t - t_0 = %s .. %s (%zu samples)\n",
                    slope, cli_si(b1, dt_lo, "s"), cli_si(b2, dt_hi, "s"), n_fit);
        }
        if (cli_opt(cmd, a, "plot"))
            fprintf(out, "  wrote           %s\n", cli_opt(cmd, a, "plot"));
        if (png_rt != NULL)
            fprintf(out, "  wrote           %s\n", png_rt);
    }
    return st;
}

/* One of --pulses, --pcm-stat, --endurance: the experiment's shorthand. */
static int device_choose(const cli_command *cmd, const cli_args *a, const char **flag,
                         const char *(**by_default)(const cfg *c))
{
    (void)by_default;
    if ((cli_opt(cmd, a, "pulses") != NULL) + (cli_opt(cmd, a, "pcm-stat") != NULL) +
            (cli_opt(cmd, a, "endurance") != NULL) > 1)
        return cim_error(CIM_EUSAGE, "device: give at most one of --pulses, --pcm-stat and --endurance");
    *flag = cli_opt(cmd, a, "pulses") ? "pulses" : cli_opt(cmd, a, "pcm-stat") ? "pcm-stat"
            : cli_opt(cmd, a, "endurance")                                   ? "endurance"
                                                                              : NULL;
    return CIM_OK;
}

static const cli_presenter device_presenter = {"device", "device", NULL, device_ready, device_present};
static const cli_presenter pulses_presenter = {"pulses", "device --pulses", refuse_trace_options, NULL, pulses_present};
static const cli_presenter endurance_presenter = {"endurance", "device --endurance", refuse_trace_options, NULL,
                                                  endurance_present};
static const cli_presenter pcm_stat_presenter = {"pcm_stat", "device --pcm-stat", refuse_trace_options, NULL,
                                                 pcm_stat_present};
static const cli_presenter *const device_presenters[] = {&device_presenter, &pulses_presenter, &endurance_presenter,
                                                         &pcm_stat_presenter, NULL};


const cli_command cmd_device = {
    .name = "device",
    .summary = "simulate one device (memristor, RRAM) under a voltage stimulus: trace, switching, energy",
    .usage = "[options] CONFIG",
    .description =
        "Integrates the device model named by device.model under the stimulus, writes the trace\n"
        "t_s,v_V,i_A,<state...>,[observable,]p_W (17 significant digits) and prints a summary: read resistance\n"
        "at device.v_read_V (initial, final, range), switching voltages, I-V loop lobe area and the\n"
        "energy integral v i dt.  The models are listed below (`cimsim config --docs` gives their parameters).\n"
        "Models with an observable (feram, feram_lk, fefet: the polarization P) add it to the trace and\n"
        "the summary (remanent P, coercive voltages), and --plot draws the P-V loop beside the I-V loop.\n"
        "--plot-r-t draws R = v/i against the time since the stimulus settled, on log-log axes, for a run\n"
        "that ends holding a read voltage (PCM drift, retention); the summary adds the slope d ln R / d ln t\n"
        "over the last 3 decades (the drift exponent).  sim.spacing = \"log\" samples such runs evenly in log t.\n"
        "--pulses runs potentiation/depression pulse trains instead (group pulses); --pcm-stat the IBM\n"
        "statistical PCM inference model (groups pcm_stat, pcm_stat_exp): programming noise, drift and\n"
        "read noise per target conductance over inference time, with global drift compensation.\n\n"
        "examples:\n"
        "  cimsim device configs/device/vteam.cfg -o vteam.csv --spice vteam.cir\n"
        "  cimsim device configs/device/feram_loop.cfg -o feram.csv --plot feram.png\n"
        "  cimsim device configs/device/pcm_drift.cfg -o drift.csv --plot-r-t drift.png\n"
        "  cimsim device configs/device/feram_endurance.cfg --endurance -o endurance.csv --plot endurance.png\n"
        "  cimsim device configs/device/pcm_ibm.cfg --pcm-stat -o pcm.csv --plot pcm.png",
    .options = device_options,
    .config_required = 1,
    .run = cli_run_experiment,
    .choose = device_choose,
    .presenters = device_presenters,
};

/* exp/experiment.c -- see experiment.h. */
#include "exp/experiment.h"
#include "core/prov.h"
#include "core/progress.h"
#include "core/run.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "crossbar/cell.h"
#include "crossbar/crossbar.h"
#include "crossbar/mapping.h"
#include "crossbar/program.h"
#include "crossbar/sneak.h"
#include "device/binding.h"
#include "device/integrate.h"
#include "device/pcm_stat.h"
#include "device/stimulus.h"
#include "device/variability.h"
#include "energy/baseline.h"
#include "energy/tech.h"
#include "exp/device.h"
#include "exp/endurance.h"
#include "exp/energy.h"
#include "exp/fit.h"
#include "exp/snn.h"
#include "exp/margin.h"
#include "exp/mvm.h"
#include "exp/pcm_stat.h"
#include "exp/pulses.h"
#include "exp/state.h"
#include "exp/wmvm.h"
#include "periph/dac.h"
#include "snn/stdp.h"
#include "snn/synapse_xbar.h"
#include "periph/adc.h"
#include "periph/sense.h"
#include "snn/convert.h"
#include "snn/encode.h"
#include "snn/train.h"
#include "snn/neuron.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the table ------------------------------------------------------------------------------------------- */

static const param_group *const device_groups[] = {&experiment_key_group, &run_group, &device_group,
                                                   &stimulus_group, &sim_group, &variability_group,
                                                   &read_noise_group, &endurance_group, NULL};
static const param_group *const pulses_groups[] = {&experiment_key_group, &run_group, &device_group, &stimulus_group,
                                                   &sim_group, &pulses_group, &variability_group, &read_noise_group,
                                                   &endurance_group, NULL};
static const param_group *const endurance_groups[] = {&experiment_key_group, &run_group, &device_group,
                                                      &stimulus_group, &sim_group, &endurance_exp_group,
                                                      &variability_group, &read_noise_group, &endurance_group, NULL};
static const param_group *const pcm_stat_groups[] = {&experiment_key_group, &run_group, &pcm_stat_group,
                                                     &pcm_stat_exp_group, NULL};
static const param_group *const mvm_groups[] = {&experiment_key_group, &run_group, &crossbar_group, &cell_group,
                                                &mvm_group, &device_group, NULL};
static const param_group *const mvm_weights_groups[] = {
    &experiment_key_group, &run_group, &crossbar_group, &cell_group,      &mvm_group,         &mapping_group,
    &weights_group,        &device_group, &sim_group, &program_group, &variability_group, &read_noise_group,
    &endurance_group,      &dac_group,    &sense_group, &adc_group, &tech_group, &baseline_group, NULL};
static const param_group *const energy_groups[] = {
    &experiment_key_group, &run_group, &crossbar_group, &cell_group, &mapping_group, &weights_group, &device_group,
    &sim_group, &program_group, &variability_group, &read_noise_group, &endurance_group, &dac_group, &sense_group,
    &adc_group, &tech_group, &baseline_group, &workload_group, NULL};
static const param_group *const snn_groups[] = {
    &experiment_key_group, &run_group, &snn_group, &neuron_group, &encode_group, &train_group, &convert_group,
    &synapse_group, &stdp_group, &crossbar_group, &cell_group, &mapping_group, &device_group, &sim_group,
    &program_group,
    &variability_group, &read_noise_group, &endurance_group, &dac_group, &sense_group, &adc_group, &tech_group,
    &baseline_group, NULL};
static const param_group *const fit_groups[] = {&experiment_key_group, &run_group, &device_group, &fit_group,
                                                NULL};
static const param_group *const sneak_groups[] = {&experiment_key_group, &run_group, &crossbar_group, &cell_group,
                                                  &sneak_group, NULL};


/* The circuit level reads a device model only for mvm.cells = "device"; its variability is not used. */
static int mvm_reads(const cfg *c, const param_group *g)
{
    for (size_t m = 0; device_types[m] != NULL; m++)
        if (g == device_types[m]->params)
            return device_reads(c, g);
    return 0;
}

static const param_group *mvm_optional_group(size_t i)
{
    return i < device_type_count() ? device_types[i]->params : NULL;
}

/* ---- running: one state and its hooks per experiment ------------------------------------------------------ */

/* A device experiment's inputs: the stimulus (PWL files relative to the config) and the device drawn. */
static int device_prepare(void *s, const exp_inputs *in, prov *pv, progress *prog, const cfg *c)
{
    (void)pv, (void)prog;
    int st = exp_device_prepare(s, in->base_dir);
    return st == CIM_ECONFIG ? cfg_locate_error(c, st) : st;
}

static void device_init(void *s, cfg *c) { exp_device_init(s, c); }
static void device_select(cfg *c, void *s) { device_binding_select(&((exp_device *)s)->b, c); }
static int device_run(void *s, progress *prog, const cfg *c)
{
    (void)c;
    if (prog != NULL)
        progress_start(prog, "device", 1.0, prog->sink, prog->ctx);
    return exp_device_run(s, prog);
}
static json_t *device_summary(const void *s) { return exp_device_summary(s); }
static void device_destroy(void *s) { exp_device_free(s); }

static void pulses_init(void *v, cfg *c)
{
    exp_pulses_state *s = v;
    exp_device_init(&s->e, c);
    cfg_bind(c, &pulses_group, &s->p);
}
static int pulses_run(void *v, progress *prog, const cfg *c)
{
    exp_pulses_state *s = v;
    (void)c;
    return exp_pulses_run(&s->e, &s->p, &s->curve, prog);
}
static json_t *pulses_summary(const void *v)
{
    const exp_pulses_state *s = v;
    return exp_pulses_summary(&s->curve, &s->p);
}
static void pulses_destroy(void *v)
{
    exp_pulses_state *s = v;
    pulse_curve_free(&s->curve);
    exp_device_free(&s->e);
}

static void endurance_init(void *v, cfg *c)
{
    exp_endurance_state *s = v;
    exp_device_init(&s->e, c);
    cfg_bind(c, &endurance_exp_group, &s->p);
}
static int endurance_run(void *v, progress *prog, const cfg *c)
{
    exp_endurance_state *s = v;
    int st = exp_endurance_run(&s->e, &s->p, &s->curve, prog);
    return st == CIM_ECONFIG ? cfg_locate_error(c, st) : st;
}
static json_t *endurance_summary(const void *v)
{
    const exp_endurance_state *s = v;
    return exp_endurance_summary(&s->e, &s->curve);
}
static void endurance_destroy(void *v)
{
    exp_endurance_state *s = v;
    endurance_curve_free(&s->curve);
    exp_device_free(&s->e);
}

static void pcm_stat_init(void *v, cfg *c)
{
    exp_pcm_stat_state *s = v;
    cfg_bind(c, &experiment_key_group, &s->key);
    cfg_bind(c, &run_group, &s->run);
    cfg_bind(c, &pcm_stat_group, &s->m);
    cfg_bind(c, &pcm_stat_exp_group, &s->p);
}
static int pcm_stat_run(void *v, progress *prog, const cfg *c)
{
    exp_pcm_stat_state *s = v;
    (void)c;
    return exp_pcm_stat_run(&s->m, &s->p, s->run.seed, &s->r, prog);
}
static json_t *pcm_stat_summary(const void *v)
{
    const exp_pcm_stat_state *s = v;
    return exp_pcm_stat_summary(&s->m, &s->r);
}
static void pcm_stat_destroy(void *v) { pcm_stat_result_free(&((exp_pcm_stat_state *)v)->r); }

/* The circuit level binds `device` and, once the file says which, the model's group; not its variability (mvm_reads). */
static void mvm_init(void *v, cfg *c)
{
    exp_mvm_state *s = v;
    exp_mvm_init(&s->e, c);
    cfg_bind(c, &device_group, &s->dev.dev);
}
static void mvm_select(cfg *c, void *v)
{
    device_binding *b = &((exp_mvm_state *)v)->dev;
    b->type = device_bind_params(c, &b->model, &b->unused, &b->n_unused);
}
static int mvm_prepare(void *v, const exp_inputs *in, prov *pv, progress *prog, const cfg *c)
{
    exp_mvm_state *s = v;
    (void)c;
    return exp_mvm_load(&s->e, in->conductances, in->voltages, pv, prog);
}
static int mvm_run(void *v, progress *prog, const cfg *c)
{
    exp_mvm_state *s = v;
    (void)c;
    s->e.dev_type = s->dev.type; /* mvm.cells = "device": the model the file names */
    s->e.dev_params = s->dev.model;
    s->e.dev_T_K = s->dev.dev.T_K;
    s->e.dev_v_read_V = s->dev.dev.v_read_V;
    return exp_mvm_run(&s->e, prog);
}
static json_t *mvm_summary(const void *v) { return exp_mvm_summary(&((const exp_mvm_state *)v)->e); }
static void mvm_destroy(void *v)
{
    exp_mvm_state *s = v;
    device_binding_free(&s->dev);
    exp_mvm_free(&s->e);
}

/* The shared groups first, in the circuit level's order (the order the resolved configuration is dumped in), then
 * the weight level's own.  exp_wmvm_init clears the struct: the shared groups' defaults are written again (keys the
 * file does not give keep what cfg_bind wrote). */
static void wmvm_init(void *v, cfg *c)
{
    exp_wmvm_state *s = v;
    const param_group *shared[] = {&experiment_key_group, &run_group, &crossbar_group, &mvm_group, &cell_group};
    void *values[] = {&s->w.key, &s->w.run, &s->w.xb, &s->m, &s->w.cell};
    for (size_t k = 0; k < 5; k++)
        cfg_bind(c, shared[k], values[k]);
    exp_wmvm_init(&s->w, c, 0);
    for (size_t k = 0; k < 5; k++)
        param_defaults(shared[k], values[k]);
}
static void wmvm_select(cfg *c, void *v) { exp_wmvm_bind_model(v, c); }
static int wmvm_prepare(void *v, const exp_inputs *in, prov *pv, progress *prog, const cfg *c)
{
    int st = exp_wmvm_load(v, in->weights, in->inputs, pv, prog);
    return st == CIM_ECONFIG ? cim_error_prefix(st, "%s: ", c->file) : st;
}
static int wmvm_run(void *v, progress *prog, const cfg *c)
{
    (void)c;
    return exp_wmvm_run(v, prog);
}
static json_t *wmvm_summary(const void *v) { return exp_wmvm_summary(v); }
static void wmvm_destroy(void *v) { exp_wmvm_free(v); }

static void energy_init(void *v, cfg *c) { exp_energy_init(v, c); }
static void energy_select(cfg *c, void *v) { exp_energy_bind_model(v, c); }
/* Its layers' inputs are drawn when each runs: prepare only keeps the provenance they are recorded in. */
static int energy_prepare(void *v, const exp_inputs *in, prov *pv, progress *prog, const cfg *c)
{
    (void)in, (void)prog, (void)c;
    ((exp_energy *)v)->pv = pv;
    return CIM_OK;
}
static int energy_run(void *v, progress *prog, const cfg *c)
{
    exp_energy *e = v;
    int st = exp_energy_run(e, e->pv, prog);
    return st == CIM_ECONFIG ? cim_error_prefix(st, "%s: ", c->file) : st;
}
static json_t *energy_summary(const void *v) { return exp_energy_summary(v); }
static void energy_destroy(void *v) { exp_energy_free(v); }

static void snn_init(void *v, cfg *c) { exp_snn_init(v, c); }
static void snn_select(cfg *c, void *v) { exp_snn_bind_model(v, c); }
static int snn_prepare(void *v, const exp_inputs *in, prov *pv, progress *prog, const cfg *c)
{
    (void)prog;
    int st = exp_snn_prepare(v, in != NULL && in->base_dir != NULL ? in->base_dir : "", pv);
    return st == CIM_ECONFIG ? cfg_locate_error(c, st) : st;
}
static int snn_run(void *v, progress *prog, const cfg *c)
{
    int st = exp_snn_run(v, prog);
    return st == CIM_ECONFIG ? cim_error_prefix(st, "%s: ", c->file) : st;
}
static json_t *snn_summary(const void *v) { return exp_snn_summary(v); }
static void snn_destroy(void *v) { exp_snn_free(v); }

/* The fit reads the device model's group, not its variability (a fit is of the nominal model). */
static void fit_init(void *v, cfg *c) { exp_fit_init(v, c); }
static void fit_select(cfg *c, void *v) { exp_fit_select(c, v); }
static int fit_prepare(void *v, const exp_inputs *in, prov *pv, progress *prog, const cfg *c)
{
    (void)prog;
    exp_fit *e = v;
    int st = exp_fit_prepare(e, in, c);
    if (st == CIM_OK && pv != NULL) {
        prov_add_input(pv, "data", e->data_path, e->tr.fnv1a64);
        if (e->have_pred)
            prov_add_input(pv, "predict", e->predict_path, e->pred.fnv1a64);
    }
    return st;
}
static int fit_run(void *v, progress *prog, const cfg *c)
{
    int st;
    if (prog != NULL)
        progress_start(prog, "fit", 1.0, prog->sink, prog->ctx);
    st = exp_fit_run(v);
    return st == CIM_ECONFIG ? cim_error_prefix(st, "%s: ", c->file) : st;
}
static json_t *fit_summary(const void *v) { return exp_fit_summary(v); }
static void fit_destroy(void *v) { exp_fit_free(v); }

static void sneak_init(void *v, cfg *c) { exp_margin_init(v, c); }
static int sneak_run(void *v, progress *prog, const cfg *c)
{
    (void)c;
    return exp_margin_run(v, prog);
}
static json_t *sneak_summary(const void *v) { return exp_margin_summary(v); }
static void sneak_destroy(void *v) { exp_margin_free(v); }

/* ---- the entries -------------------------------------------------------------------------------------------- */

static const experiment x_device = {
    .name = "device", .command = "device",
    .title = "one device model under a voltage stimulus: trace, switching, energy",
    .groups = device_groups, .optional_group = device_optional_group, .reads = device_reads,
    .size = sizeof(exp_device), .init = device_init, .select = device_select, .prepare = device_prepare, .run = device_run,
    .summary = device_summary, .destroy = device_destroy,
};
static const experiment x_pulses = {
    .name = "pulses", .command = "device", .flag = "pulses", .how = "--pulses", .select = device_select,
    .title = "pulse programming: potentiation and depression trains, conductance after each pulse, NeuroSim metrics",
    .groups = pulses_groups, .optional_group = device_optional_group, .reads = device_reads,
    .size = sizeof(exp_pulses_state), .init = pulses_init, .prepare = device_prepare, .run = pulses_run,
    .summary = pulses_summary, .destroy = pulses_destroy,
};
static const experiment x_endurance = {
    .name = "endurance", .command = "device", .flag = "endurance", .how = "--endurance", .select = device_select,
    .title = "endurance: the stimulus loop on the device as aged by N switching cycles, N on a log grid",
    .groups = endurance_groups, .optional_group = device_optional_group, .reads = device_reads,
    .size = sizeof(exp_endurance_state), .init = endurance_init, .prepare = device_prepare, .run = endurance_run,
    .summary = endurance_summary, .destroy = endurance_destroy,
};
static const experiment x_pcm_stat = {
    .name = "pcm_stat", .command = "device", .flag = "pcm-stat", .how = "--pcm-stat",
    .title = "the statistical PCM inference model: programming noise, drift and read noise per target over time",
    .groups = pcm_stat_groups,
    .size = sizeof(exp_pcm_stat_state), .init = pcm_stat_init, .run = pcm_stat_run,
    .summary = pcm_stat_summary, .destroy = pcm_stat_destroy,
};
static const experiment x_mvm = {
    .name = "mvm", .command = "mvm", .implies = "mvm.level=\"circuit\"",
    .title = "a circuit-level matrix-vector multiply: column currents I = G^T v of a crossbar",
    .groups = mvm_groups, .optional_group = mvm_optional_group, .reads = mvm_reads,
    .size = sizeof(exp_mvm_state), .init = mvm_init, .select = mvm_select, .prepare = mvm_prepare, .run = mvm_run,
    .summary = mvm_summary, .destroy = mvm_destroy,
};
static const experiment x_mvm_weights = {
    .name = "mvm_weights", .command = "mvm", .implies = "mvm.level=\"weights\"", .how = "--set mvm.level='\"weights\"'",
    .title = "a weight-level multiply y = W^T x through mapping, tiling and (programmed) crossbar arrays",
    .groups = mvm_weights_groups, .optional_group = device_optional_group, .reads = device_reads,
    .size = sizeof(exp_wmvm_state), .init = wmvm_init, .select = wmvm_select, .prepare = wmvm_prepare, .run = wmvm_run,
    .summary = wmvm_summary, .destroy = wmvm_destroy,
};
static const experiment x_energy = {
    .name = "energy", .command = "energy",
    .title = "what a workload of layers costs on the CIM design, a von Neumann machine and a neuromorphic chip",
    .groups = energy_groups, .optional_group = device_optional_group, .reads = device_reads,
    .size = sizeof(exp_energy), .init = energy_init, .select = energy_select, .prepare = energy_prepare,
    .run = energy_run,
    .summary = energy_summary, .destroy = energy_destroy,
};
static const experiment x_snn = {
    .name = "snn", .command = "snn",
    .title = "handwritten digits on a spiking network converted from a trained one, its synapses crossbar tiles",
    .groups = snn_groups, .optional_group = device_optional_group, .reads = device_reads,
    .size = sizeof(exp_snn), .init = snn_init, .select = snn_select, .prepare = snn_prepare, .run = snn_run,
    .summary = snn_summary, .destroy = snn_destroy,
};
static const experiment x_sneak = {
    .name = "sneak", .command = "sneak",
    .title = "the worst-case read margin of a crossbar against its size under a biasing scheme",
    .groups = sneak_groups,
    .size = sizeof(exp_margin), .init = sneak_init, .run = sneak_run,
    .summary = sneak_summary, .destroy = sneak_destroy,
};

static const experiment x_fit = {
    .name = "fit", .command = "fit",
    .title = "a device model's parameters fitted to a measured I-V trace: values, standard errors, prediction error",
    .groups = fit_groups, .optional_group = mvm_optional_group, .reads = mvm_reads,
    .size = sizeof(exp_fit), .init = fit_init, .select = fit_select, .prepare = fit_prepare, .run = fit_run,
    .summary = fit_summary, .destroy = fit_destroy,
};

/* One list: X(name) is the entry x_<name> and the key value "name". */
#define EXPERIMENTS(X) X(device) X(pulses) X(endurance) X(pcm_stat) X(mvm) X(mvm_weights) X(energy) X(snn) X(sneak) X(fit)
#define EXP_AS_ENTRY(n) &x_##n,
#define EXP_AS_NAME(n) #n,
const experiment *const experiments[] = {EXPERIMENTS(EXP_AS_ENTRY) NULL};
const char *const experiment_names[] = {EXPERIMENTS(EXP_AS_NAME) NULL};
const param_group *const library_groups[] = {NULL};

const experiment *experiment_find(const char *name)
{
    for (size_t i = 0; name != NULL && experiments[i] != NULL; i++)
        if (strcmp(experiments[i]->name, name) == 0)
            return experiments[i];
    return NULL;
}

int experiment_reads(const experiment *x, const cfg *c, const param_group *g)
{
    for (size_t k = 0; x->groups[k] != NULL; k++)
        if (x->groups[k] == g)
            return 1;
    return x->reads != NULL && x->reads(c, g);
}

/* ---- the key `experiment` ----------------------------------------------------------------------------------- */

/* "auto" first: the default, the command decides. */
static const char *const key_names[] = {"auto", EXPERIMENTS(EXP_AS_NAME) NULL};

static const param_spec key_spec[] = {
    PARAM_CHOICE_F(experiment_key, experiment, key_names, 0,
                   "what this file is for: \"auto\" (the command and its flags decide), or one of device, pulses, "
                   "endurance, pcm_stat (cimsim device), mvm, mvm_weights (cimsim mvm), energy (cimsim energy), snn (cimsim snn), sneak (cimsim sneak), fit (cimsim fit); a "
                   "command or flag that contradicts it is refused"),
    PARAM_END,
};

const param_group experiment_key_group = {
    .path = "",
    .doc = "Top-level keys: what the file is for.",
    .params = key_spec,
    .size = sizeof(experiment_key),
};

const experiment *experiment_of_file(const cfg *c)
{
    return experiment_find(cfg_peek_string(c, "experiment"));
}

/* How to run x on the file: "cimsim device FILE --pulses" (without the arguments when the file's key names x:
 * the key alone selects it). */
static void how_to_run(const experiment *x, const cfg *c, char *out, size_t n)
{
    int keyed = experiment_of_file(c) == x;
    snprintf(out, n, "cimsim %s %s%s%s", x->command, c->file ? c->file : "CONFIG", x->how && !keyed ? " " : "",
             x->how && !keyed ? x->how : "");
}

/* "FILE:LINE" of the key `experiment` (or FILE when a --set made it). */
static void key_where(const cfg *c, char *out, size_t n)
{
    const config_setting_t *s = config_lookup(&c->lc, "experiment");
    if (s != NULL && config_setting_source_line(s) > 0)
        snprintf(out, n, "%s:%d", config_setting_source_file(s) ? config_setting_source_file(s) : c->file,
                 config_setting_source_line(s));
    else
        snprintf(out, n, "%s", c->file ? c->file : "the configuration");
}

int experiment_choose(const cfg *c, const char *command, const char *flag, const experiment *by_default,
                      const experiment **out)
{
    const experiment *file = experiment_of_file(c), *x = NULL;
    const char *name = cfg_peek_string(c, "experiment");
    char where[1100];
    key_where(c, where, sizeof where);
    *out = NULL;
    if (name != NULL && file == NULL && strcmp(name, "auto") != 0) {
        strbuf b;
        strbuf_init(&b);
        for (size_t i = 0; experiments[i] != NULL; i++)
            strbuf_printf(&b, "%s\"%s\"", i ? ", " : "", experiments[i]->name);
        int st = cim_error(CIM_ECONFIG, "%s: experiment = \"%s\" is not an experiment; expected \"auto\" or one of %s",
                           where, name, b.s);
        strbuf_destroy(&b);
        return st;
    }
    if (flag != NULL)
        for (size_t i = 0; experiments[i] != NULL && x == NULL; i++)
            if (strcmp(experiments[i]->command, command) == 0 && experiments[i]->flag != NULL &&
                strcmp(experiments[i]->flag, flag) == 0)
                x = experiments[i];
    char run[1024];
    if (file != NULL) {
        how_to_run(file, c, run, sizeof run);
        if (strcmp(file->command, command) != 0)
            return cim_error(CIM_ECONFIG, "%s: experiment = \"%s\": `cimsim %s` does not run that experiment; run `%s`",
                             where, file->name, command, run);
        if (x != NULL && x != file)
            return cim_error(CIM_ECONFIG, "%s: --%s runs the %s experiment, but the file says experiment = \"%s\"; run `%s`",
                             where, flag, x->name, file->name, run);
        x = file;
    }
    *out = x != NULL ? x : by_default;
    return CIM_OK;
}

/* The first experiment that reads group g always (or, failing that, optionally for this tree). */
static const experiment *owner_of(const cfg *c, const param_group *g)
{
    for (size_t i = 0; experiments[i] != NULL; i++)
        for (size_t k = 0; experiments[i]->groups[k] != NULL; k++)
            if (experiments[i]->groups[k] == g)
                return experiments[i];
    for (size_t i = 0; experiments[i] != NULL; i++)
        if (experiments[i]->reads != NULL && experiments[i]->reads(c, g))
            return experiments[i];
    return NULL;
}

/* Every group any experiment reads (fixed first, then optional), for looking a top-level name up. */
static const param_group *group_named(const char *path)
{
    for (size_t i = 0; experiments[i] != NULL; i++) {
        for (size_t k = 0; experiments[i]->groups[k] != NULL; k++)
            if (strcmp(experiments[i]->groups[k]->path, path) == 0)
                return experiments[i]->groups[k];
        for (size_t k = 0; experiments[i]->optional_group && experiments[i]->optional_group(k); k++)
            if (strcmp(experiments[i]->optional_group(k)->path, path) == 0)
                return experiments[i]->optional_group(k);
    }
    return NULL;
}

/* 1 if x reads some group at or below path (path "device" is read when "device" or "device.vteam" is). */
static int reads_under(const experiment *x, const cfg *c, const char *path)
{
    size_t n = strlen(path);
    for (size_t k = 0; x->groups[k] != NULL; k++)
        if (strncmp(x->groups[k]->path, path, n) == 0 && (x->groups[k]->path[n] == '\0' || x->groups[k]->path[n] == '.'))
            return 1;
    for (size_t k = 0; x->optional_group && x->optional_group(k); k++) {
        const param_group *g = x->optional_group(k);
        if (strncmp(g->path, path, n) == 0 && (g->path[n] == '\0' || g->path[n] == '.') && x->reads(c, g))
            return 1;
    }
    return 0;
}

int experiment_check_groups(const experiment *x, const cfg *c)
{
    const config_setting_t *root = config_root_setting(&c->lc);
    int n = config_setting_length(root);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        if (strcmp(name, "sweep") == 0 && config_setting_source_line(s) > 0)
            return cim_error(CIM_ECONFIG, "%s:%d: group sweep makes this a sweep config (docs/sweeps.md): run `cimsim "
                                          "sweep %s -o results.csv`, which runs the %s experiment at every point",
                             config_setting_source_file(s) ? config_setting_source_file(s) : c->file,
                             config_setting_source_line(s), c->file, x->name);
        if (!config_setting_is_group(s) || reads_under(x, c, name))
            continue; /* top-level keys and groups x reads: cfg_resolve checks them */
        /* Sub-groups (device.vteam) of a group x reads are cfg_resolve's to check; here: whole groups. */
        const param_group *g = group_named(name);
        const experiment *o = g != NULL ? owner_of(c, g) : NULL;
        if (o == NULL || o == x)
            continue; /* unknown to every experiment: cfg_resolve suggests the nearest name */
        char run[1024];
        how_to_run(o, c, run, sizeof run);
        const char *file = config_setting_source_file(s) ? config_setting_source_file(s) : c->file;
        char where[1100];
        if (config_setting_source_line(s) > 0)
            snprintf(where, sizeof where, "%s:%d", file, config_setting_source_line(s));
        else
            snprintf(where, sizeof where, "%s (a --set)", c->file);
        return cim_error(CIM_ECONFIG, "%s: group %s is for the %s experiment, but this run is the %s experiment (%s); "
                                      "run `%s`",
                         where, name, o->name, x->name, x->title, run);
    }
    return CIM_OK;
}

/* x->implies: set it when the tree does not give the key, refuse another value. */
static int implied(cfg *c, const experiment *x)
{
    char key[128];
    snprintf(key, sizeof key, "%.*s", (int)strcspn(x->implies, "="), x->implies);
    const char *want = x->implies + strlen(key) + 1, *given = cfg_peek_string(c, key);
    if (given == NULL && !cfg_has(c, key))
        return cfg_set(c, x->implies);
    char quoted[PARAM_STRING_MAX + 2];
    snprintf(quoted, sizeof quoted, "\"%s\"", given ? given : "");
    if (given != NULL && strcmp(quoted, want) != 0) {
        const config_setting_t *s = config_lookup(&c->lc, key);
        char where[1100];
        if (s != NULL && config_setting_source_line(s) > 0)
            snprintf(where, sizeof where, "%s:%d",
                     config_setting_source_file(s) ? config_setting_source_file(s) : c->file,
                     config_setting_source_line(s));
        else
            snprintf(where, sizeof where, "%s (a --set)", c->file);
        return cim_error(CIM_ECONFIG, "%s: %s = %s contradicts the %s experiment this run does, which means %s = %s; drop "
                                      "one of the two",
                         where, key, quoted, x->name, key, want);
    }
    return CIM_OK; /* the same value, or one of the wrong type for cfg_resolve to report */
}

/* experiment_load up to the seed: the file, the overrides, the choice, bind_more, the check of the file's groups. */
static int load_tree(cfg *c, const experiment_loading *l, const experiment **out)
{
    const experiment *x = NULL;
    if (out != NULL)
        *out = NULL;
    int st = l->path != NULL ? cfg_read_file(c, l->path) : CIM_OK;
    if (st == CIM_OK && l->skip_group != NULL && config_setting_get_member(config_root_setting(&c->lc), l->skip_group))
        config_setting_remove(config_root_setting(&c->lc), l->skip_group);
    /* Overrides of keys already bound go first, so that one of them (device.model, mvm.level) can decide the
     * experiment and which further groups bind_more adds; the rest follow once those groups exist. */
    unsigned char *done = xcalloc(l->n_sets + 1, 1);
    for (size_t i = 0; st == CIM_OK && i < l->n_sets; i++)
        if (cfg_knows(c, l->sets[i]) || l->bind_more == NULL) {
            st = cfg_set(c, l->sets[i]);
            done[i] = 1;
        }
    if (st == CIM_OK && l->fixed != NULL) {
        x = l->fixed;
        const experiment *file = experiment_of_file(c);
        if (file != NULL && file != x) {
            char where[1100], run[1024];
            key_where(c, where, sizeof where);
            how_to_run(file, c, run, sizeof run);
            st = cim_error(CIM_ECONFIG, "%s: experiment = \"%s\", but it is loaded for the %s experiment; run `%s`", where,
                           file->name, x->name, run);
        }
    }
    else if (st == CIM_OK && l->command != NULL) {
        const char *dflt = l->by_default != NULL ? l->by_default(c) : l->command;
        st = experiment_choose(c, l->command, l->flag, experiment_find(dflt), &x);
    }
    if (out != NULL)
        *out = x;
    if (st == CIM_OK && x != NULL && x->implies != NULL)
        st = implied(c, x);
    const char *given = cfg_peek_string(c, "experiment");
    if (st == CIM_OK && x != NULL && (given == NULL || strcmp(given, "auto") == 0) && !(given == NULL && cfg_has(c, "experiment"))) {
        /* the resolved configuration says what it is for (a key of the wrong type is left for cfg_resolve) */
        char set[128];
        snprintf(set, sizeof set, "experiment=\"%s\"", x->name);
        st = cfg_set(c, set);
    }
    if (st == CIM_OK && l->bind_more != NULL) {
        l->bind_more(c, l->ctx);
        for (size_t i = 0; st == CIM_OK && i < l->n_sets; i++)
            if (!done[i])
                st = cfg_set(c, l->sets[i]);
    }
    free(done);
    if (st == CIM_OK && x != NULL)
        st = experiment_check_groups(x, c);
    return st;
}

int experiment_load(cfg *c, const experiment_loading *l, const experiment **out)
{
    int st = load_tree(c, l, out);
    if (st == CIM_OK && l->seed != NULL) {
        char *end;
        errno = 0;
        long long s = strtoll(l->seed, &end, 10);
        if (end == l->seed || *end != '\0' || errno == ERANGE || s < 0 || (double)s > PARAM_INT_LIMIT)
            return cim_error(CIM_EUSAGE, "--seed %s: expected an integer in [0, 9007199254740992]", l->seed);
        char buf[64];
        snprintf(buf, sizeof buf, "run.seed=%lld", s);
        st = cfg_set(c, buf);
    }
    if (st == CIM_OK)
        st = cfg_resolve(c);
    return st;
}

/* ---- running: open, exec ----------------------------------------------------------------------------------- */

/* The choice among the experiments of a command: each candidate's state binds its own groups into one probe
 * configuration; a group two candidates share is bound once (the first).  The probe is read, overridden, chosen
 * from and checked, never resolved: the chosen experiment is then loaded alone. */
typedef struct run_binding {
    const experiment *cands[16];
    void *states[16];
    size_t n;
} run_binding;

static void run_select(cfg *c, void *ctx)
{
    run_binding *b = ctx;
    for (size_t i = 0; i < b->n; i++)
        if (b->cands[i]->select != NULL)
            b->cands[i]->select(c, b->states[i]);
}

static void bind_candidates(cfg *c, run_binding *b)
{
    for (size_t i = 0; i < b->n; i++) {
        cfg probe;
        cfg_init(&probe);
        b->states[i] = xcalloc(1, b->cands[i]->size);
        b->cands[i]->init(b->states[i], &probe);
        for (size_t g = 0; g < probe.n_groups; g++) {
            int bound = 0;
            for (size_t h = 0; h < c->n_groups; h++)
                bound = bound || c->groups[h] == probe.groups[g];
            if (!bound)
                cfg_bind(c, probe.groups[g], probe.values[g]);
        }
        cfg_destroy(&probe);
    }
}

static int choose(const experiment_loading *l_in, const experiment **x)
{
    run_binding b = {.n = 0};
    for (size_t i = 0; experiments[i] != NULL && b.n < 16; i++)
        if (l_in->command != NULL && strcmp(experiments[i]->command, l_in->command) == 0)
            b.cands[b.n++] = experiments[i];
    if (b.n == 0)
        return cim_error(CIM_EINVAL, "experiment_open: no experiment runs as command %s",
                         l_in->command ? l_in->command : "(none)");
    cfg pc;
    cfg_init(&pc);
    bind_candidates(&pc, &b);
    experiment_loading l = *l_in;
    l.bind_more = run_select;
    l.ctx = &b;
    int st = load_tree(&pc, &l, x);
    cfg_destroy(&pc);
    for (size_t i = 0; i < b.n; i++) {
        b.cands[i]->destroy(b.states[i]);
        free(b.states[i]);
    }
    return st;
}

/* bind_more of the chosen experiment: its select hook. */
static void select_chosen(cfg *c, void *ctx)
{
    exp_run *r = ctx;
    if (r->x->select != NULL)
        r->x->select(c, r->state);
}

int experiment_open(const experiment_loading *l_in, exp_run *r)
{
    memset(r, 0, sizeof *r);
    cfg_init(&r->c);
    const experiment *x = l_in->fixed;
    int st = x == NULL ? choose(l_in, &x) : CIM_OK;
    if (st != CIM_OK)
        return st;
    r->x = x;
    r->state = xcalloc(1, x->size);
    x->init(r->state, &r->c);
    experiment_loading l = *l_in;
    l.fixed = x;
    l.bind_more = select_chosen;
    l.ctx = r;
    return experiment_load(&r->c, &l, NULL);
}

int experiment_exec(exp_run *r, const exp_inputs *in, prov *pv, progress *prog, int (*ready)(exp_run *r, void *ctx),
                    void *ctx)
{
    static const exp_inputs none = {"", NULL, NULL, NULL, NULL, NULL, NULL};
    const experiment *x = r->x;
    int st = x->prepare != NULL ? x->prepare(r->state, in != NULL ? in : &none, pv, prog, &r->c) : CIM_OK;
    if (st == CIM_OK && ready != NULL)
        st = ready(r, ctx);
    if (st == CIM_OK)
        st = x->run(r->state, prog, &r->c);
    if (st == CIM_OK) {
        r->summary = x->summary(r->state);
        exp_metrics_from_json(&r->metrics, r->summary, NULL);
    }
    return st;
}

int experiment_run(const experiment_loading *l, const exp_inputs *in, exp_run *r, exp_metrics *ms)
{
    int st = experiment_open(l, r);
    if (st != CIM_OK)
        return st;
    prov pv;
    prov_init(&pv, r->x->name, "library", &r->c, 0);
    if ((st = experiment_exec(r, in, &pv, NULL, NULL, NULL)) != CIM_OK)
        return st;
    if (ms != NULL)
        exp_metrics_from_json(ms, r->summary, NULL);
    return CIM_OK;
}

void exp_run_free(exp_run *r)
{
    if (r->x != NULL && r->state != NULL)
        r->x->destroy(r->state);
    free(r->state);
    json_decref(r->summary);
    exp_metrics_free(&r->metrics);
    cfg_destroy(&r->c);
    memset(r, 0, sizeof *r);
}

/* ---- metrics ---------------------------------------------------------------------------------------------- */

void exp_metrics_init(exp_metrics *ms) { memset(ms, 0, sizeof *ms); }

void exp_metrics_free(exp_metrics *ms)
{
    for (size_t k = 0; k < ms->n; k++)
        free(ms->m[k].name);
    free(ms->m);
    memset(ms, 0, sizeof *ms);
}

void exp_metrics_add(exp_metrics *ms, const char *name, const char *unit, double value)
{
    void *p = ms->m;
    xgrow(&p, &ms->cap, ms->n + 1, sizeof *ms->m);
    ms->m = p;
    ms->m[ms->n].name = xstrdup(name);
    ms->m[ms->n].unit = unit;
    ms->m[ms->n].value = value;
    ms->n++;
}

/* The unit suffix of one name component (n characters), or NULL. */
static const char *suffix_unit(const char *c, size_t n)
{
    /* The project's suffixes (SI units in names), longest first where one ends another. */
    static const char *const units[] = {"per_Vs", "C_per_m2", "TOPS_per_W", "TOPS_per_mm2", "TOPS", "m_per_s", "ohm", "dB", "Hz",
                                        "J",      "W",        "A",          "V",            "S",    "s",   "K",  "F",
                                        "C",      "m2",       "m",          NULL};
    for (size_t k = 0; units[k] != NULL; k++) {
        size_t u = strlen(units[k]);
        if (n > u && c[n - u - 1] == '_' && strncmp(c + n - u, units[k], u) == 0)
            return units[k];
    }
    return NULL;
}

const char *exp_unit_of(const char *name)
{
    const char *last = strrchr(name, '.');
    const char *comp = last ? last + 1 : name;
    const char *u = suffix_unit(comp, strlen(comp));
    if (u != NULL || last == NULL)
        return u != NULL ? u : "1";
    /* A statistic of a quantity takes the quantity's unit: r_read_ohm.initial, column_current_A.mean. */
    static const char *const stats[] = {"min", "max", "mean", "median", "initial", "final", "first", "last", "rms", "sd",
                                        "value", "se", "start", "lo", "hi", NULL};
    int is_stat = 0;
    for (size_t k = 0; stats[k] != NULL; k++)
        is_stat |= strcmp(comp, stats[k]) == 0;
    if (!is_stat)
        return "1";
    const char *p = last;
    while (p > name && p[-1] != '.')
        p--;
    u = suffix_unit(p, (size_t)(last - p));
    return u != NULL ? u : "1";
}

void exp_metrics_from_json(exp_metrics *ms, const json_t *j, const char *prefix)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
        char name[512];
        if (prefix != NULL && prefix[0] != '\0')
            snprintf(name, sizeof name, "%s.%s", prefix, key);
        else
            snprintf(name, sizeof name, "%s", key);
        if (json_is_object(v))
            exp_metrics_from_json(ms, v, name);
        else if (json_is_number(v))
            exp_metrics_add(ms, name, exp_unit_of(name), json_number_value(v));
        else if (json_is_boolean(v))
            exp_metrics_add(ms, name, "1", json_is_true(v) ? 1.0 : 0.0);
        else if (json_is_null(v))
            exp_metrics_add(ms, name, exp_unit_of(name), NAN);
        /* strings and arrays are descriptions and tables, not metrics */
    }
}

const exp_metric *exp_metrics_find(const exp_metrics *ms, const char *name)
{
    for (size_t k = 0; k < ms->n; k++)
        if (strcmp(ms->m[k].name, name) == 0)
            return &ms->m[k];
    return NULL;
}

double exp_metrics_value(const exp_metrics *ms, const char *name)
{
    const exp_metric *m = exp_metrics_find(ms, name);
    return m != NULL ? m->value : NAN;
}

json_t *exp_metrics_json(const exp_metrics *ms)
{
    json_t *a = json_array();
    for (size_t k = 0; k < ms->n; k++) {
        const exp_metric *m = &ms->m[k];
        json_t *o = json_pack("{s:s, s:s}", "name", m->name, "unit", m->unit);
        json_object_set_new(o, "value", isfinite(m->value) ? json_real(m->value) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

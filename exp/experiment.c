/* exp/experiment.c -- see experiment.h. */
#include "exp/experiment.h"
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
#include "exp/endurance.h"
#include "exp/mvm.h"
#include "exp/pcm_stat.h"
#include "exp/pulses.h"
#include "exp/wmvm.h"

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
    &endurance_group,      NULL};
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

static const experiment x_device = {
    "device", "device", NULL, NULL, "one device model under a voltage stimulus: trace, switching, energy",
    device_groups, device_optional_group, device_reads,
};
static const experiment x_pulses = {
    "pulses", "device", "pulses", "--pulses",
    "pulse programming: potentiation and depression trains, conductance after each pulse, NeuroSim metrics",
    pulses_groups, device_optional_group, device_reads,
};
static const experiment x_endurance = {
    "endurance", "device", "endurance", "--endurance",
    "endurance: the stimulus loop on the device as aged by N switching cycles, N on a log grid",
    endurance_groups, device_optional_group, device_reads,
};
static const experiment x_pcm_stat = {
    "pcm_stat", "device", "pcm-stat", "--pcm-stat",
    "the statistical PCM inference model: programming noise, drift and read noise per target over time",
    pcm_stat_groups, NULL, NULL,
};
static const experiment x_mvm = {
    "mvm", "mvm", NULL, NULL, "a circuit-level matrix-vector multiply: column currents I = G^T v of a crossbar",
    mvm_groups, mvm_optional_group, mvm_reads,
};
static const experiment x_mvm_weights = {
    "mvm_weights", "mvm", NULL, "--set mvm.level='\"weights\"'",
    "a weight-level multiply y = W^T x through mapping, tiling and (programmed) crossbar arrays",
    mvm_weights_groups, device_optional_group, device_reads,
};
static const experiment x_sneak = {
    "sneak", "sneak", NULL, NULL, "the worst-case read margin of a crossbar against its size under a biasing scheme",
    sneak_groups, NULL, NULL,
};

/* One list: X(name) is the entry x_<name> and the key value "name". */
#define EXPERIMENTS(X) X(device) X(pulses) X(endurance) X(pcm_stat) X(mvm) X(mvm_weights) X(sneak)
#define EXP_AS_ENTRY(n) &x_##n,
#define EXP_AS_NAME(n) #n,
const experiment *const experiments[] = {EXPERIMENTS(EXP_AS_ENTRY) NULL};
const char *const experiment_names[] = {EXPERIMENTS(EXP_AS_NAME) NULL};

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
                   "endurance, pcm_stat (cimsim device), mvm, mvm_weights (cimsim mvm), sneak (cimsim sneak); a "
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

/* How to run x on the file: "cimsim device --pulses FILE". */
static void how_to_run(const experiment *x, const cfg *c, char *out, size_t n)
{
    snprintf(out, n, "cimsim %s %s%s%s", x->command, c->file ? c->file : "CONFIG", x->select ? " " : "",
             x->select ? x->select : "");
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

int experiment_load(cfg *c, const experiment_loading *l, const experiment **out)
{
    const experiment *x = NULL;
    if (out != NULL)
        *out = NULL;
    int st = l->path != NULL ? cfg_read_file(c, l->path) : CIM_OK;
    /* Overrides of keys already bound go first, so that one of them (device.model, mvm.level) can decide the
     * experiment and which further groups bind_more adds; the rest follow once those groups exist. */
    unsigned char *done = xcalloc(l->n_sets + 1, 1);
    for (size_t i = 0; st == CIM_OK && i < l->n_sets; i++)
        if (cfg_knows(c, l->sets[i]) || l->bind_more == NULL) {
            st = cfg_set(c, l->sets[i]);
            done[i] = 1;
        }
    if (st == CIM_OK && l->fixed != NULL)
        x = l->fixed;
    else if (st == CIM_OK && l->command != NULL) {
        const char *dflt = l->by_default != NULL ? l->by_default(c) : l->command;
        st = experiment_choose(c, l->command, l->flag, experiment_find(dflt), &x);
    }
    if (out != NULL)
        *out = x;
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
    /* The groups bound for other experiments of the command are not this run's: not resolved, not recorded. */
    for (size_t i = 0; st == CIM_OK && x != NULL && i < c->n_groups;) {
        if (!experiment_reads(x, c, c->groups[i]))
            cfg_unbind(c, c->groups[i]);
        else
            i++;
    }
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

const char *exp_unit_of(const char *name)
{
    /* The project's suffixes (STYLE.md: SI units in names), longest first where one ends another. */
    static const char *const units[] = {"per_Vs", "C_per_m2", "ohm", "dB", "Hz", "J", "W", "A", "V", "S", "s", "K",
                                        "F", "C", "m", NULL};
    const char *last = strrchr(name, '.');
    last = last ? last + 1 : name;
    size_t n = strlen(last);
    for (size_t k = 0; units[k] != NULL; k++) {
        size_t u = strlen(units[k]);
        if (n > u && last[n - u - 1] == '_' && strcmp(last + n - u, units[k]) == 0)
            return units[k];
    }
    return "1";
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

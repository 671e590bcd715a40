/* exp/experiment.h -- the experiment table: what cimsim runs, the configuration each experiment reads, and the
 * named metrics every run reports.
 *
 * An experiment is a const table entry (GSL's type-table style): its name, the command and flag that run it
 * from the CLI, the configuration groups it reads, and a one-line description.  The CLI dispatches from the
 * table and a sweep can load any experiment's configuration by name, without the CLI:
 *   - which experiment runs: the command, then a shorthand flag (`cimsim device --pulses`), then the optional
 *     top-level key `experiment = "pulses";` of the config file (a file says what it is for).  A flag or command
 *     that contradicts the file's key is refused, saying which command the file is for.
 *   - what it reads: a file with a group the chosen experiment does not read is refused, naming the experiment
 *     that does read it ("configs/device/vteam.cfg:10 sets stimulus, which the mvm experiment does not read:
 *     it is a device config; run `cimsim device ...`"), instead of being ignored or reported as unknown.
 *   - loading (experiment_load): the file, then the --set overrides the bound groups know, then the groups that
 *     depend on what was read (a device model's), then the remaining overrides, then the seed, then resolution.
 *
 * Results: a run reports a flat list of named metrics (name, unit, value) -- what the summary printer,
 * `--format json` and the sweep engine read -- beside its tables and traces.  exp_metrics_from_json flattens an
 * experiment's summary object into that list: a number at path a.b.c becomes the metric "a.b.c" whose unit is
 * the SI suffix of its last name (the project's naming rule, docs/design.md: r_read_ohm, energy_J, i_col_A, snr_dB) or, for a
 * statistic (min, max, mean, initial, ...), of the quantity it belongs to; "1" for
 * counts and ratios; booleans are 0/1; strings are not metrics; null (no value for this run) is NaN.
 */
#ifndef CIM_EXP_EXPERIMENT_H
#define CIM_EXP_EXPERIMENT_H

#include "core/cfg.h"
#include "core/param.h"

#include <jansson.h>
#include <stddef.h>

/* ---- the table ------------------------------------------------------------------------------------------- */

struct experiment;
struct prov;
struct progress;
/* The files a run reads besides its configuration (NULL: generate from the seed / none). */
typedef struct exp_inputs {
    const char *base_dir;       /* folder of the config with a trailing '/' ("": the working directory): PWL files */
    const char *conductances;   /* mvm: G, siemens, M x N */
    const char *voltages;       /* mvm: v, volts, M (or M x K for K vectors) */
    const char *weights;        /* mvm_weights: W, R x C */
    const char *inputs;         /* mvm_weights: x, R */
    const char *data;           /* fit: the measurement, as given (NULL: the config's fit.data) */
    const char *predict;        /* fit: a second measurement to predict, as given (NULL: the config's fit.predict) */
} exp_inputs;

typedef struct experiment {
    const char *name;                  /* "device", "pulses", ...: the value of the config key `experiment` */
    const char *command;               /* the CLI command that runs it: "device", "mvm", "sneak" */
    const char *flag;                  /* its shorthand flag on that command ("pulses" for --pulses), or NULL */
    const char *implies;               /* "key.path=value" the experiment means (mvm.level for the two mvm levels): set
                                          when the file does not give it, refused when it gives another value */
    const char *how;                   /* the arguments that select it on its command, for messages ("--pulses",
                                          "--set mvm.level='\"weights\"'"), or NULL */
    const char *title;                 /* one line: what it does */
    const param_group *const *groups;  /* the groups it always reads (NULL-terminated) */
    /* Groups read for some files only (a device model's group, its variability groups): optional_group(i) is the
     * i-th, NULL past the end; reads(c, g) is 1 if the experiment reads optional group g for the tree c (file and
     * --set so far).  Both NULL for none. */
    const param_group *(*optional_group)(size_t i);
    int (*reads)(const cfg *c, const param_group *g);
    /* Running it (experiment_open, experiment_exec): its state is `size` bytes; init binds its groups into the state
     * (only its own: the order it binds them is the order the resolved configuration is dumped in), select (may be
     * NULL) the groups that depend on the file (a device model's) once it is read; prepare reads the run's inputs
     * (files, PWL stimuli, the device drawn), after which its sizes are known; run runs it; both report errors as
     * the CLI prints them (configuration errors located in c).  summary gives its results as a JSON object (new
     * reference), whose numbers are the run's named metrics; destroy frees what prepare and run made. */
    size_t size;
    void (*init)(void *state, cfg *c);
    void (*select)(cfg *c, void *state);
    int (*prepare)(void *state, const exp_inputs *in, struct prov *pv, struct progress *prog, const cfg *c);
    int (*run)(void *state, struct progress *prog, const cfg *c);
    json_t *(*summary)(const void *state);
    void (*destroy)(void *state);
} experiment;

/* The registry, NULL-terminated, in the order `cimsim --help` lists them. */
extern const experiment *const experiments[];
/* Names of every experiment, NULL-terminated: the choices of the key `experiment`. */
extern const char *const experiment_names[];
/* Groups the library declares that no experiment reads yet (parts of snn/ until an experiment reads them),
 * NULL-terminated: `cimsim config --docs` documents them after the experiments' groups.  A group moves out of this
 * list when an experiment's table lists it. */
extern const param_group *const library_groups[];

/* The experiment called name, or NULL. */
const experiment *experiment_find(const char *name);
/* 1 if x reads group g for the tree c (always, or optionally for this file). */
int experiment_reads(const experiment *x, const cfg *c, const param_group *g);

/* The top-level key `experiment` (a group with the empty path): bind it in every configuration. */
typedef struct experiment_key {
    int experiment; /* index into experiments[], or -1 when the file does not say */
} experiment_key;
extern const param_group experiment_key_group;

/* The experiment a file names with its key `experiment` in the tree read so far (NULL if it names none or an
 * unknown one: cfg_resolve reports those). */
const experiment *experiment_of_file(const cfg *c);

/* Which experiment runs command `command` on tree c: flag (a shorthand the command was given, NULL for none)
 * first, then the file's key, then by_default.  CIM_ECONFIG naming the file, the key's line and the command to
 * run when the flag or command contradicts the file's key; *out the experiment. */
int experiment_choose(const cfg *c, const char *command, const char *flag, const experiment *by_default,
                      const experiment **out);

/* Every top-level group of tree c must be read by x: CIM_ECONFIG naming FILE:LINE, the group, the experiment
 * that reads it and the command that runs that (or, for a group no experiment reads, the nearest known name),
 * else CIM_OK.  Call after the experiment's groups (and optional groups) are bound, before cfg_resolve. */
int experiment_check_groups(const experiment *x, const cfg *c);

/* How to load a configuration (a plain value). */
typedef struct experiment_loading {
    const char *path;                        /* the file (NULL: already read into the cfg) */
    const char *const *sets;                 /* --set overrides "key.path=value", in order */
    size_t n_sets;
    const char *seed;                        /* run.seed as given (decimal, [0, 2^53]), or NULL */
    void (*bind_more)(cfg *c, void *ctx);    /* binds the groups that depend on what was read (may be NULL) */
    void *ctx;
    /* The experiment (experiment_choose), decided once the file and the overrides of bound keys are read:
     * command NULL loads without choosing (and without checking the file's groups). */
    const char *command;
    const char *flag;
    const char *(*by_default)(const cfg *c); /* the default's name for this tree (NULL: the command's name) */
    const experiment *fixed;                 /* load for this experiment without choosing (NULL: choose) */
    const char *skip_group;                  /* a top-level group of the file that is not for the experiment (the
                                                sweep spec, sweep/spec.h): dropped once read (NULL: none) */
} experiment_loading;

/* Loads a configuration into c, its groups already bound: reads the file; applies the overrides of keys already
 * bound; chooses the experiment (*out; may be NULL) and sets the key `experiment` to it, so the resolved
 * configuration (dumps, provenance) says what it is for; calls bind_more; applies the remaining overrides; checks the
 * file's groups against the experiment; applies the seed; resolves every group bound.  So bind only the groups of
 * the experiment that runs: experiment_open chooses among a command's experiments first, then loads the chosen
 * one alone.  CIM_ECONFIG / CIM_EIO / CIM_EUSAGE (a bad seed) with the file, line and key. */
int experiment_load(cfg *c, const experiment_loading *l, const experiment **out);

/* ---- running an experiment: open, then exec (the CLI and the library alike) -------------------------------- */

/* ---- results: named metrics (the functions are below) ----------------------------------------------------- */

typedef struct exp_metric {
    char *name;        /* dotted path ("error_vs_ideal.rmse_A"), owned */
    const char *unit;  /* "A", "ohm", "J", "dB", "1", ... (static) */
    double value;      /* NaN where the run has no value */
} exp_metric;

typedef struct exp_metrics {
    exp_metric *m;
    size_t n, cap;
} exp_metrics;

/* A run: the experiment chosen, its state and its resolved configuration. */
typedef struct exp_run {
    const experiment *x;   /* what runs */
    void *state;           /* its state, for tables and traces (owned; x->size bytes; exp/state.h names the types) */
    cfg c;                 /* the resolved configuration: only x's groups */
    json_t *summary;       /* its summary after experiment_exec (owned) */
    exp_metrics metrics;   /* the named metrics of the summary, in its order, after experiment_exec */
} exp_run;

/* Chooses the experiment (l->fixed, else experiment_choose on l->command, l->flag and the file's key, with every
 * candidate of the command bound for that choice only, and the check that the file's groups are the chosen one's),
 * then binds only the chosen experiment's groups (its init and select hooks) and loads the configuration with the
 * --set overrides and the seed (experiment_load).  l->bind_more and l->ctx are not used.  On failure r is still to
 * be freed with exp_run_free. */
int experiment_open(const experiment_loading *l, exp_run *r);

/* Runs an opened experiment: prepare with the inputs in (NULL: none), provenance pv (the inputs read are recorded
 * there) and progress prog (either may be NULL); then ready(r, ctx) if not NULL (the run's sizes are known: a
 * caller checks its outputs); then run; then r->summary and r->metrics. */
int experiment_exec(exp_run *r, const exp_inputs *in, struct prov *pv, struct progress *prog,
                    int (*ready)(exp_run *r, void *ctx), void *ctx);

/* experiment_open then experiment_exec, for callers that are not the CLI (a sweep, a test, a program using the
 * library): the named metrics go to ms when it is not NULL.  The same numbers as the CLI's for the same
 * configuration, seed and inputs (the CLI runs through open and exec too). */
int experiment_run(const experiment_loading *l, const exp_inputs *in, exp_run *r, exp_metrics *ms);
void exp_run_free(exp_run *r);

/* ---- results: named metrics ------------------------------------------------------------------------------ */

void exp_metrics_init(exp_metrics *ms);
void exp_metrics_free(exp_metrics *ms);
void exp_metrics_add(exp_metrics *ms, const char *name, const char *unit, double value);
/* Appends every number of the JSON object j (see the top of this file), names prefixed by prefix (NULL: none). */
void exp_metrics_from_json(exp_metrics *ms, const json_t *j, const char *prefix);
/* The metric called name, or NULL. */
const exp_metric *exp_metrics_find(const exp_metrics *ms, const char *name);
/* Its value, NaN if absent. */
double exp_metrics_value(const exp_metrics *ms, const char *name);
/* The unit a name states by the suffix of its last component ("r_read_ohm" -> "ohm"), or of the quantity a
 * statistic belongs to ("r_read_ohm.initial" -> "ohm"; min, max, mean, median, initial, final, first, last, rms, sd, and a fit's value, se
 * (standard error), start, lo, hi);
 * "1" if none. */
const char *exp_unit_of(const char *name);
/* [{"name": ..., "unit": ..., "value": ...}, ...] in order (value null for NaN); new reference. */
json_t *exp_metrics_json(const exp_metrics *ms);

#endif

/* tests/test_experiment.c -- the experiment table (exp/experiment.h) without the CLI: every shipped configuration
 * loads and runs through experiment_run by its key `experiment`, with --set-style overrides by key path, and its
 * named metrics are the numbers the CLI reports for the same file (`--format json`); the metric units follow the
 * names; the table and the key's choices are one list; the CLI dispatches every entry of the table as the library
 * runs it (the same named metrics for the same config and seed). */
#include "core/status.h"
#include "exp/experiment.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glob.h>
#include <math.h>
#include <string.h>

Test(experiment, the_table_and_the_key_are_one_list)
{
    size_t n = 0;
    for (; experiments[n] != NULL; n++) {
        cr_expect_str_eq(experiments[n]->name, experiment_names[n]);
        cr_expect_eq(experiment_find(experiment_names[n]), experiments[n]);
        cr_expect_not_null(experiments[n]->run, "%s runs without the CLI", experiments[n]->name);
        cr_expect_not_null(experiments[n]->summary);
        cr_expect(experiments[n]->groups[0] == &experiment_key_group, "%s reads the key experiment",
                  experiments[n]->name);
    }
    cr_expect_null(experiment_names[n]);
    cr_expect_eq(n, 10, "device, pulses, endurance, pcm_stat, mvm, mvm_weights, energy, snn, sneak, fit");
}

Test(experiment, metric_units_come_from_the_names)
{
    struct {
        const char *name, *unit;
    } k[] = {{"r_read_ohm.initial", "ohm"}, {"r_read_ohm.ratio_max_min", "1"}, {"column_current_A.mean", "A"},
             {"events", "1"}, {"summary.energy_J", "J"}, {"error_vs_ideal.rmse_A", "A"},
             {"snr_dB", "dB"},           {"v_read_V", "V"},          {"g_device_min_S", "S"},
             {"t_s", "s"},               {"rows", "1"},              {"campaign_max_s", "s"},
             {"T_K", "K"},               {"max_rel_err", "1"},       {"bandwidth_Hz", "Hz"},
             {"design.efficiency_TOPS_per_W", "TOPS_per_W"}, {"design.throughput_TOPS", "TOPS"},
             {"design.density_TOPS_per_mm2", "TOPS_per_mm2"}, {"design.area_m2", "m2"}, {"t_fe_m", "m"},
             /* a fit's statistics of a key take the key's unit; m_per_s is a speed, not seconds */
             {"params.r_on_ohm.value", "ohm"}, {"params.r_on_ohm.se", "ohm"}, {"params.i_offset_A.lo", "A"},
             {"params.k_off_m_per_s.start", "m_per_s"}, {"params.alpha_on.hi", "1"}, {"fit.rms_log", "1"}};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++)
        cr_expect_str_eq(exp_unit_of(k[i].name), k[i].unit, "%s", k[i].name);
    json_t *j = json_pack("{s:f, s:{s:i, s:n, s:b}, s:s, s:[i]}", "p_W", 2.5, "inner", "count", 3, "none_V", "flag",
                          1, "text", "x", "list", 1);
    exp_metrics ms;
    exp_metrics_init(&ms);
    exp_metrics_from_json(&ms, j, NULL);
    cr_expect_eq(ms.n, 4, "numbers, nulls and booleans; not strings or arrays");
    cr_expect_eq(exp_metrics_value(&ms, "p_W"), 2.5);
    cr_expect_str_eq(exp_metrics_find(&ms, "p_W")->unit, "W");
    cr_expect_eq(exp_metrics_value(&ms, "inner.count"), 3);
    cr_expect(isnan(exp_metrics_value(&ms, "inner.none_V")));
    cr_expect_str_eq(exp_metrics_find(&ms, "inner.none_V")->unit, "V");
    cr_expect_eq(exp_metrics_value(&ms, "inner.flag"), 1);
    cr_expect(isnan(exp_metrics_value(&ms, "text")));
    json_t *a = exp_metrics_json(&ms);
    cr_expect_eq(json_array_size(a), 4);
    cr_expect(json_is_null(json_object_get(json_array_get(a, 2), "value")), "NaN is null in JSON");
    json_decref(a);
    json_decref(j);
    exp_metrics_free(&ms);
}

/* Every number of CLI JSON summary s equals metric prefix.name of ms (both come from the same run). */
static void expect_same_numbers(const json_t *s, const exp_metrics *ms, const char *prefix, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)s, key, v) {
        char name[512];
        snprintf(name, sizeof name, "%s%s%s", prefix, prefix[0] ? "." : "", key);
        if (json_is_object(v))
            expect_same_numbers(v, ms, name, what);
        else if (json_is_number(v)) {
            const exp_metric *m = exp_metrics_find(ms, name);
            cr_expect_not_null(m, "%s: metric %s", what, name);
            if (m != NULL)
                cr_expect_eq(m->value, json_number_value(v), "%s: %s: library %.17g, CLI %.17g", what, name, m->value,
                             json_number_value(v));
        }
    }
}

/* A shipped config, overrides that keep it quick, and what the CLI needs besides the config. */
typedef struct shipped {
    const char *path;      /* under configs/ */
    const char *sets[3];   /* NULL-terminated */
    const char *cli_extra; /* flag */
} shipped;

static const shipped cases[] = {
    {"device/vteam.cfg", {NULL}, ""},
    {"device/pcm_drift.cfg", {"sim.n_points=200", NULL}, ""},
    {"device/vteam_pulses.cfg", {"pulses.n_pulses=20", NULL}, "--pulses"},
    {"device/feram_endurance.cfg", {"endurance_exp.n_points=3", NULL}, "--endurance"},
    {"device/pcm_ibm.cfg", {"pcm_stat_exp.n_devices=300", NULL}, "--pcm-stat"},
    {"mvm/circuit.cfg", {"crossbar.rows=8", "crossbar.cols=5", NULL}, ""},
    {"mvm/ir_drop.cfg", {"crossbar.rows=16", "crossbar.cols=8", NULL}, ""},
    {"mvm/weights.cfg", {"weights.rows=20", "weights.cols=6", NULL}, ""},
    {"crossbar/sneak.cfg", {"sneak.sizes=[4,8]", NULL}, ""},
};

ParameterizedTestParameters(experiment, shipped_configs_run_by_key_and_match_the_cli)
{
    size_t n = sizeof cases / sizeof *cases;
    size_t *idx = cr_malloc(n * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, n);
}

ParameterizedTest(size_t *ci, experiment, shipped_configs_run_by_key_and_match_the_cli, .timeout = 120)
{
    const shipped *sc = &cases[*ci];
    char path[600];
    snprintf(path, sizeof path, "%s/configs/%s", CIM_SRC, sc->path);
    size_t n_sets = 0;
    while (sc->sets[n_sets] != NULL)
        n_sets++;
    /* the command comes from the file's key: a sweep needs nothing but the file */
    cfg probe;
    cfg_init(&probe);
    cr_assert_eq(cfg_read_file(&probe, path), CIM_OK, "%s", cim_errmsg());
    const experiment *x = experiment_of_file(&probe);
    cfg_destroy(&probe);
    cr_assert_not_null(x, "%s says what it is for", sc->path);
    char dir[700];
    snprintf(dir, sizeof dir, "%s/configs/%s", CIM_SRC, sc->path);
    *strrchr(dir, '/') = '\0';
    strcat(dir, "/");
    experiment_loading l = {path, sc->sets, n_sets, "7", NULL, NULL, x->command, NULL, NULL, NULL, NULL};
    exp_inputs in = {.base_dir = dir};
    exp_run r;
    exp_metrics ms;
    exp_metrics_init(&ms);
    int st = experiment_run(&l, &in, &r, &ms);
    cr_assert_eq(st, CIM_OK, "%s: %s", sc->path, cim_errmsg());
    cr_expect_eq(r.x, x, "%s: the experiment its key names", sc->path);
    cr_expect_gt(ms.n, 3, "%s: metrics", sc->path);
    for (size_t k = 0; k < n_sets; k++) { /* the overrides are in force: the resolved configuration says so */
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)strcspn(sc->sets[k], "="), sc->sets[k]);
        cr_expect(cfg_is_set(&r.c, key), "%s: %s", sc->path, key);
    }

    /* The CLI on the same file, seed and overrides reports the same numbers. */
    char *tmp = util_tmpdir(), args[2048], *err;
    int off = snprintf(args, sizeof args, "%s %s %s --seed 7 -q --format json -o out.json", x->command, path,
                       sc->cli_extra);
    for (size_t k = 0; k < n_sets; k++)
        off += snprintf(args + off, sizeof args - (size_t)off, " --set %s", sc->sets[k]);
    cr_assert_eq(util_run_cli(tmp, args, NULL, &err), 0, "%s: %s", args, err);
    free(err);
    char out[800];
    snprintf(out, sizeof out, "%s/out.json", tmp);
    json_t *j = json_load_file(out, 0, NULL);
    cr_assert_not_null(j);
    json_t *s = json_object_get(j, "summary");
    cr_assert_not_null(s, "%s: the CLI's JSON has a summary", sc->path);
    expect_same_numbers(s, &ms, "", sc->path);
    /* the CLI's JSON carries the same list, in order, with units */
    json_t *list = json_object_get(j, "metrics");
    cr_assert_eq(json_array_size(list), ms.n, "%s: %zu metrics in the CLI's JSON, %zu in the library's", sc->path,
                 json_array_size(list), ms.n);
    for (size_t k = 0; k < ms.n; k++) {
        json_t *m = json_array_get(list, k);
        cr_expect_str_eq(json_string_value(json_object_get(m, "name")), ms.m[k].name);
        cr_expect_str_eq(json_string_value(json_object_get(m, "unit")), ms.m[k].unit);
        json_t *val = json_object_get(m, "value");
        if (isfinite(ms.m[k].value))
            cr_expect_eq(json_real_value(val), ms.m[k].value, "%s", ms.m[k].name);
        else
            cr_expect(json_is_null(val), "%s: NaN is null", ms.m[k].name);
    }
    json_decref(j);
    free(tmp);
    exp_metrics_free(&ms);
    exp_run_free(&r);
}

Test(experiment, a_point_loads_by_key_path_without_the_cli)
{
    const char *sets[] = {"crossbar.rows=6", "crossbar.cols=3", "mvm.v_max_V=0.1"};
    char path[600];
    snprintf(path, sizeof path, "%s/configs/mvm/circuit.cfg", CIM_SRC);
    experiment_loading l = {path, sets, 3, NULL, NULL, NULL, NULL, NULL, NULL, experiment_find("mvm"), NULL};
    exp_run r;
    exp_metrics ms;
    exp_metrics_init(&ms);
    cr_assert_eq(experiment_run(&l, NULL, &r, &ms), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(exp_metrics_value(&ms, "rows"), 6);
    cr_expect_eq(exp_metrics_value(&ms, "cols"), 3);
    cr_expect_leq(exp_metrics_value(&ms, "voltage_V.max"), 0.1);
    double e = exp_metrics_value(&ms, "energy_tally.read.energy_J"), p = exp_metrics_value(&ms, "array_power_W");
    cr_expect_gt(e, 0, "the array's tally is a metric");
    cr_expect(fabs(e - p * 10e-9) <= 1e-15 * e, "one vector: the read energy is its power over mvm.t_read_s = 10 ns");
    exp_metrics_free(&ms);
    exp_run_free(&r);
    /* loaded for another experiment than its key says: refused */
    l.fixed = experiment_find("sneak");
    cr_expect_eq(experiment_run(&l, NULL, &r, NULL), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "experiment = \"mvm\"") != NULL, "%s", cim_errmsg());
    exp_run_free(&r);
}

/* The first shipped config (in path order) whose key `experiment` names x, into path; 0 if none does. */
static int shipped_config_of(const experiment *x, char *path, size_t n)
{
    glob_t g;
    char pattern[600];
    snprintf(pattern, sizeof pattern, "%s/configs/*/*.cfg", CIM_SRC);
    cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "%s", pattern);
    int found = 0;
    for (size_t i = 0; i < g.gl_pathc && !found; i++) {
        cfg probe;
        cfg_init(&probe);
        if (cfg_read_file(&probe, g.gl_pathv[i]) == CIM_OK && experiment_of_file(&probe) == x) {
            snprintf(path, n, "%s", g.gl_pathv[i]);
            found = 1;
        }
        cfg_destroy(&probe);
    }
    globfree(&g);
    return found;
}

ParameterizedTestParameters(experiment, the_cli_dispatches_every_experiment_as_the_library_runs_it)
{
    size_t n = 0;
    while (experiments[n] != NULL)
        n++;
    size_t *idx = cr_malloc(n * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, n);
}

/* For every entry of the table (not a hand-made list: a new experiment is covered when it is added, and must ship
 * a config that names it): `cimsim COMMAND CONFIG --format json`, where the file's key alone chooses the experiment,
 * and experiment_run on the same file and seed report the same named metrics -- the same names and units in the
 * same order, the same values bit for bit (null in the JSON where the library's is NaN) -- and the CLI's resolved
 * configuration says it ran that experiment. */
ParameterizedTest(size_t *xi, experiment, the_cli_dispatches_every_experiment_as_the_library_runs_it, .timeout = 300)
{
    const experiment *x = experiments[*xi];
    char path[600];
    cr_assert(shipped_config_of(x, path, sizeof path), "no shipped config says experiment = \"%s\"", x->name);
    char dir[700];
    snprintf(dir, sizeof dir, "%s", path);
    *(strrchr(dir, '/') + 1) = '\0';

    experiment_loading l = {path, NULL, 0, "11", NULL, NULL, x->command, NULL, NULL, NULL, NULL};
    exp_inputs in = {.base_dir = dir};
    exp_run r;
    exp_metrics ms;
    exp_metrics_init(&ms);
    cr_assert_eq(experiment_run(&l, &in, &r, &ms), CIM_OK, "%s: %s", path, cim_errmsg());
    cr_assert_eq(r.x, x, "%s: the library ran %s", path, r.x->name);

    /* The result on standard output (without -o: for cimsim fit, -o names the fitted config, not the result). */
    char *tmp = util_tmpdir(), args[1024], *err, *out;
    snprintf(args, sizeof args, "%s %s --seed 11 -q --format json", x->command, path);
    cr_assert_eq(util_run_cli(tmp, args, &out, &err), 0, "%s: %s", args, err);
    free(err);
    json_t *j = json_loads(out, 0, NULL);
    cr_assert_not_null(j, "%s: standard output is not JSON", args);
    free(out);
    const char *ran = json_string_value(json_object_get(json_object_get(json_object_get(j, "provenance"), "config"),
                                                        "experiment"));
    cr_expect(ran != NULL && strcmp(ran, x->name) == 0, "%s: the CLI ran %s, not %s", path, ran ? ran : "?", x->name);
    json_t *list = json_object_get(j, "metrics");
    cr_assert_eq(json_array_size(list), ms.n, "%s: %zu metrics from the CLI, %zu from the library", path,
                 json_array_size(list), ms.n);
    cr_expect_gt(ms.n, 0, "%s: the run has metrics", path);
    for (size_t k = 0; k < ms.n; k++) {
        json_t *m = json_array_get(list, k), *val = json_object_get(m, "value");
        cr_expect_str_eq(json_string_value(json_object_get(m, "name")), ms.m[k].name, "%s: metric %zu", path, k);
        cr_expect_str_eq(json_string_value(json_object_get(m, "unit")), ms.m[k].unit, "%s: %s", path, ms.m[k].name);
        if (isnan(ms.m[k].value))
            cr_expect(json_is_null(val), "%s: %s is NaN in the library, not null in the CLI", path, ms.m[k].name);
        else
            cr_expect(json_is_number(val) && json_number_value(val) == ms.m[k].value, "%s: %s: library %.17g, CLI %.17g",
                      path, ms.m[k].name, ms.m[k].value, json_number_value(val));
    }
    json_decref(j);
    char rm[900];
    snprintf(rm, sizeof rm, "rm -rf '%s'", tmp);
    cr_expect_eq(system(rm), 0);
    free(tmp);
    exp_metrics_free(&ms);
    exp_run_free(&r);
}

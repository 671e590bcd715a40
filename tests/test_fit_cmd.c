/* tests/test_fit_cmd.c -- `cimsim fit` as a user runs it (the built program, in a scratch folder): a VTEAM trace made
 * by the library with known parameters under a 0.8 V sine (200 samples per period) and 2% multiplicative noise from
 * a seeded stream, fitted from starts 35-45% off; the fitted config run by `cimsim device`; a fit stopped by its
 * iteration limit; every kind of bad input; the prediction of a second trace at another frequency, checked against
 * hand arithmetic on the test's own evaluation of the fitted model; a sweep of fits.  References: the known
 * parameters, the device experiment's own run of the written config, and arithmetic in the test. */
#include "core/rng.h"
#include "core/status.h"
#include "device/device.h"
#include "fit/fit.h"
#include "fit/iv.h"
#include "fit/pulse.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846

static const char *const KEYS[] = {"r_on_ohm", "r_off_ohm", "k_off_m_per_s", "k_on_m_per_s"};
static const double TRUTH[] = {2000.0, 50e3, 5e-7, -1e-6};
static const double START[] = {1.40, 0.65, 1.45, 0.60}; /* start = truth * factor */

static void set_key(void *b, const char *key, double v)
{
    const param_spec *s = param_find(device_vteam.params, key);
    cr_assert_not_null(s, "%s", key);
    memcpy((char *)b + s->offset, &v, sizeof v);
}

/* VTEAM with thresholds of +-0.2 V whose state crosses its range each period (tests/test_fit.c's choice). */
static void *truth_block(void)
{
    void *p = malloc(device_vteam.params->size);
    param_defaults(device_vteam.params, p);
    set_key(p, "v_off_V", 0.2);
    set_key(p, "v_on_V", -0.2);
    set_key(p, "alpha_on", 1.0);
    set_key(p, "alpha_off", 1.0);
    set_key(p, "x0_m", 1.5e-9);
    for (int j = 0; j < 4; j++)
        set_key(p, KEYS[j], TRUTH[j]);
    return p;
}

/* One period of a 0.8 V sine at f_Hz, 200 samples, the current of the true model (evaluated by the library at a
 * tight tolerance) times (1 + 0.02 N(0, 1)) from stream "test.fit_cmd.noise" of seed; written to dir/name. */
static void write_trace(const char *dir, const char *name, double f_Hz, uint64_t seed)
{
    size_t n = 200;
    iv_trace tr = {n, malloc(n * sizeof(double)), malloc(n * sizeof(double)), malloc(n * sizeof(double)),
                   malloc(n * sizeof(size_t)), 0, NULL};
    for (size_t k = 0; k < n; k++) {
        tr.t_s[k] = (double)k / (200.0 * f_Hz);
        tr.v_V[k] = 0.8 * sin(2 * PI * f_Hz * tr.t_s[k]);
        tr.line[k] = k + 2;
    }
    void *truth = truth_block();
    fit_opts o;
    fit_opts_default(&o);
    o.rtol = 1e-11;
    o.atol = 1e-13;
    cr_assert_eq(fit_eval_iv(&device_vteam, truth, &tr, &o, tr.i_A), CIM_OK, "%s", cim_errmsg());
    gsl_rng *r = rng_alloc(seed, "test.fit_cmd.noise");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "# synthetic VTEAM capture, %g Hz\nt_s,v_V,i_A\n", f_Hz);
    for (size_t k = 0; k < n; k++)
        fprintf(fp, "%.17g,%.17g,%.17g\n", tr.t_s[k], tr.v_V[k], tr.i_A[k] * (1.0 + 0.02 * gsl_ran_gaussian(r, 1.0)));
    fclose(fp);
    rng_free(r);
    free(truth);
    iv_trace_free(&tr);
}

/* The fit config: the bounds' entries on line 6 (bounds_line; NULL: the four keys in [truth / 10, truth * 10]),
 * fit.data on line 4 with extra fit keys after it. */
static void write_config(const char *dir, const char *data, const char *extra, const char *bounds_line)
{
    char b[1024] = "";
    if (bounds_line == NULL)
        for (int j = 0; j < 4; j++) {
            double a = TRUTH[j] / 10, c = TRUTH[j] * 10;
            snprintf(b + strlen(b), sizeof b - strlen(b), "%s = [%.17g, %.17g]; ", KEYS[j], fmin(a, c), fmax(a, c));
        }
    char text[4096], path[512];
    snprintf(text, sizeof text,
             "experiment = \"fit\";\n"
             "device = { model = \"vteam\"; vteam = { r_on_ohm = %.17g; r_off_ohm = %.17g; k_off_m_per_s = %.17g; "
             "k_on_m_per_s = %.17g; x0_m = 1.5e-9; v_on_V = -0.2; v_off_V = 0.2; alpha_on = 1.0; alpha_off = 1.0; }; };\n"
             "fit = {\n"
             "  data = \"%s\"; residual = \"log\"; i_floor_A = 1e-9; %s\n"
             "  bounds = {\n"
             "    %s\n"
             "  };\n"
             "};\n",
             TRUTH[0] * START[0], TRUTH[1] * START[1], TRUTH[2] * START[2], TRUTH[3] * START[3], data,
             extra != NULL ? extra : "", bounds_line != NULL ? bounds_line : b);
    snprintf(path, sizeof path, "%s/fit.cfg", dir);
    util_write(path, text);
}

/* Removes a scratch folder of util_tmpdir (its files only: the tests write no sub-folders). */
static void remove_dir(char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
    free(dir);
}

static json_t *parse_json(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    cr_assert_not_null(j, "not JSON (%s): %.300s", err.text, text);
    return j;
}

/* The value of the named metric in a --format json result's "metrics" list (NAN if absent); *unit its unit. */
static double metric(json_t *root, const char *name, const char **unit)
{
    json_t *ms = json_object_get(root, "metrics");
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m) {
        if (strcmp(json_string_value(json_object_get(m, "name")), name) == 0) {
            if (unit != NULL)
                *unit = json_string_value(json_object_get(m, "unit"));
            json_t *v = json_object_get(m, "value");
            return json_is_number(v) ? json_number_value(v) : NAN;
        }
    }
    return NAN;
}

static double path_real(json_t *root, const char *a, const char *b, const char *c)
{
    json_t *j = json_object_get(json_object_get(json_object_get(root, a), b), c);
    cr_assert(json_is_number(j), "%s.%s.%s missing", a, b, c);
    return json_number_value(j);
}

Test(fit_cmd, recovers_vteam_and_writes_a_config_that_runs, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_trace(dir, "trace.csv", 100.0, 17);
    write_config(dir, "trace.csv", NULL, NULL);
    char *out, *err;
    int st = util_run_cli(dir, "fit fit.cfg -o fitted.cfg --format json -q", &out, &err);
    cr_assert_eq(st, 0, "exit %d: %s", st, err);
    json_t *root = parse_json(out);
    const char *unit = NULL;
    for (int j = 0; j < 4; j++) {
        char name[128];
        snprintf(name, sizeof name, "params.%s.value", KEYS[j]);
        double v = metric(root, name, &unit);
        cr_expect_lt(fabs(v / TRUTH[j] - 1), 0.05, "%s: fitted %g, true %g", KEYS[j], v, TRUTH[j]);
        snprintf(name, sizeof name, "params.%s.start", KEYS[j]);
        cr_expect_eq(metric(root, name, NULL), TRUTH[j] * START[j], "%s: the start is the config's value", KEYS[j]);
        snprintf(name, sizeof name, "params.%s.se", KEYS[j]);
        double se = metric(root, name, NULL);
        cr_expect(se > 0 && se < 0.05 * fabs(v), "%s: standard error %g of %g", KEYS[j], se, v);
    }
    metric(root, "params.r_on_ohm.se", &unit);
    cr_expect_str_eq(unit, "ohm");
    metric(root, "params.k_on_m_per_s.value", &unit);
    cr_expect_str_eq(unit, "m_per_s");
    metric(root, "fit.rms_A", &unit);
    cr_expect_str_eq(unit, "A");
    cr_expect_eq(metric(root, "fit.converged", NULL), 1.0);
    /* 2% multiplicative noise: about 0.02 / ln 10 = 0.0087 decades of log residual */
    double rl = metric(root, "fit.rms_log", NULL);
    cr_expect(rl > 0.006 && rl < 0.011, "rms_log %g", rl);
    cr_expect_gt(metric(root, "fit.r2", NULL), 0.999);
    json_t *corr = json_object_get(json_object_get(root, "summary"), "correlation");
    cr_expect_eq(json_array_size(json_object_get(corr, "matrix")), 4);

    /* The written config, run by the device experiment: the fitted values bit for bit in its resolved configuration,
     * and its current on the measured waveform equal to the fit's model current to the integrator's tolerance. */
    char cfg_path[512];
    snprintf(cfg_path, sizeof cfg_path, "%s/fitted.cfg", dir);
    char *cfg = util_slurp(cfg_path, NULL);
    cr_assert_not_null(cfg);
    cr_expect(strstr(cfg, "# fitted: +-") != NULL, "%s", cfg);
    cr_expect(strstr(cfg, json_string_value(json_object_get(json_object_get(root, "summary"), "data_fnv1a64"))) != NULL,
              "the data's fingerprint is recorded");
    char *dout, *derr;
    st = util_run_cli(dir, "device fitted.cfg --format json -q", &dout, &derr);
    cr_assert_eq(st, 0, "cimsim device on the fitted config: exit %d: %s", st, derr);
    json_t *dev = parse_json(dout);
    json_t *vteam = json_object_get(json_object_get(json_object_get(json_object_get(dev, "provenance"), "config"),
                                                    "device"), "vteam");
    for (int j = 0; j < 4; j++) {
        double fitted = path_real(json_object_get(root, "summary"), "params", KEYS[j], "value");
        cr_expect_eq(json_number_value(json_object_get(vteam, KEYS[j])), fitted, "%s", KEYS[j]);
    }
    json_t *im = json_object_get(json_object_get(root, "trace"), "i_model_A");
    json_t *di = json_object_get(json_object_get(dev, "trace"), "i_A");
    cr_assert_eq(json_array_size(di), json_array_size(im));
    double peak = 0, worst = 0;
    for (size_t k = 0; k < json_array_size(im); k++) {
        double a = json_number_value(json_array_get(im, k)), b = json_number_value(json_array_get(di, k));
        peak = fmax(peak, fabs(a));
        worst = fmax(worst, fabs(a - b));
    }
    cr_expect_lt(worst, 1e-6 * peak, "device run vs fit model: %g A apart (peak %g A)", worst, peak);
    json_decref(dev);
    json_decref(root);
    free(cfg);
    free(dout), free(derr), free(out), free(err);
    remove_dir(dir);
}

Test(fit_cmd, a_fit_stopped_by_its_iteration_limit_exits_1_and_still_writes, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_trace(dir, "trace.csv", 100.0, 17);
    write_config(dir, "trace.csv", "max_iter = 1;", NULL);
    char *out, *err;
    int st = util_run_cli(dir, "fit fit.cfg -o fitted.cfg --plot fit.png", &out, &err);
    cr_expect_eq(st, 1, "exit %d: %s", st, err);
    cr_expect(strstr(err, "did not converge") != NULL && strstr(err, "iteration limit") != NULL, "%s", err);
    cr_expect(strstr(err, "fit.max_iter (now 1)") != NULL, "says what to try: %s", err);
    cr_expect(strstr(out, "fitted") != NULL, "the report is printed: %s", out);
    cr_expect_eq(util_count_prefix(dir, "fitted.cfg"), 1);
    cr_expect_eq(util_count_prefix(dir, "fitted.pwl.csv"), 1);
    cr_expect_eq(util_count_prefix(dir, "fit.png"), 1);
    cr_expect_eq(util_count_prefix(dir, "."), 2, "no temporaries left (only . and ..)");
    /* the best point written is a runnable config */
    cr_expect_eq(util_run_cli(dir, "device fitted.cfg -q -o t.csv", NULL, NULL), 0);
    free(out), free(err);
    remove_dir(dir);
}

typedef struct bad_case {
    const char *data;       /* fit.data */
    const char *file_text;  /* written to the data file (NULL: the good trace) */
    const char *bounds;     /* line 6 (NULL: the good bounds) */
    const char *args;       /* extra arguments */
    const char *want[3];    /* substrings of the message */
} bad_case;

Test(fit_cmd, bad_input_exits_2_naming_file_line_and_key, .timeout = 120)
{
    static const bad_case cases[] = {
        {"trace.csv", NULL, "r_onn_ohm = [200.0, 20000.0];", "",
         {"fit.cfg:6: fit.bounds.r_onn_ohm", "model vteam has no key r_onn_ohm", "did you mean r_on_ohm?"}},
        {"trace.csv", NULL, "iv = [1.0, 2.0];", "", {"fit.cfg:6: fit.bounds.iv", "not a real number", NULL}},
        {"trace.csv", NULL, "r_on_ohm = [3000.0, 20000.0];", "",
         {"fit.cfg:6: fit.bounds.r_on_ohm", "excludes the start 2800", "device.vteam.r_on_ohm at fit.cfg:2"}},
        {"trace.csv", NULL, "r_on_ohm = [3000.0, 200.0];", "", {"fit.cfg:6: fit.bounds.r_on_ohm", "lo < hi", NULL}},
        {"trace.csv", NULL, "r_on_ohm = [-1.0, 20000.0];", "",
         {"fit.cfg:6: fit.bounds.r_on_ohm", "leaves the key's range", NULL}},
        {"trace.csv", NULL, "r_on_ohm = (1.0, 20000.0, \"cubic\");", "",
         {"fit.cfg:6: fit.bounds.r_on_ohm", "\"log\" or \"linear\"", NULL}},
        {"trace.csv", NULL, NULL, "--set device.vteam.r_on_ohm=150",
         {"fit.bounds.r_on_ohm", "excludes the start 150", "set by --set"}},
        {"missing.csv", NULL, NULL, "", {"fit.cfg:4: fit.data", "missing.csv", "cannot read"}},
        {"trace.csv", NULL, NULL, "--data nowhere.csv", {"--data nowhere.csv", "cannot read", NULL}},
        {"bad.csv", "t_s,v_V,i_A\n0,0.1,1e-6\n1e-3,nan,2e-6\n2e-3,0.1,1e-6\n3e-3,0.1,1e-6\n4e-3,0.1,1e-6\n", NULL, "",
         {"bad.csv:3:6", "not a finite number", NULL}},
        {"bad.csv", "t_s,v_V,i_A\n0,0.1,1e-6\n2e-3,0.2,2e-6\n1e-3,0.1,1e-6\n3e-3,0.1,1e-6\n4e-3,0.1,1e-6\n", NULL, "",
         {"bad.csv:4", "t_s (column 1) must increase", NULL}},
        {"bad.csv", "t_s,v_V\n0,0.1\n1e-3,0.2\n2e-3,0.1\n3e-3,0.1\n4e-3,0.1\n", NULL, "",
         {"bad.csv:1", "missing column i_A", NULL}},
        {"bad.csv", "t_s,v_V,i_A\n0,0.1,1e-6\n1e-3,0.2,2e-6\n2e-3,0.1,1e-6\n3e-3,0.1,1e-6\n", NULL, "",
         {"bad.csv", "4 data points", "needs at least 5"}},
        {"bad.csv", "pulse,g_S,polarity\n1,1e-6,1\n2,2e-6,1\n3,3e-6,-1\n4,2e-6,-1\n5,1e-6,-1\n", NULL, "",
         {"bad.csv:1: a pulse-response file", "fit.kind is \"iv\"", "set fit.kind = \"pulse\""}},
        {"trace.csv", NULL, NULL, "--set fit.polarity=0", {"fit.polarity", "must be 1 or -1", NULL}},
    };
    char *dir = util_tmpdir();
    write_trace(dir, "trace.csv", 100.0, 17);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const bad_case *k = &cases[c];
        if (k->file_text != NULL) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, k->data);
            util_write(p, k->file_text);
        }
        write_config(dir, k->data, NULL, k->bounds);
        char args[512], *out, *err;
        snprintf(args, sizeof args, "fit fit.cfg -o out.cfg --plot out.png %s", k->args);
        int st = util_run_cli(dir, args, &out, &err);
        cr_expect_eq(st, 2, "case %zu: exit %d: %s", c, st, err);
        for (int w = 0; w < 3 && k->want[w] != NULL; w++)
            cr_expect(strstr(err, k->want[w]) != NULL, "case %zu: no \"%s\" in: %s", c, k->want[w], err);
        cr_expect_eq(util_count_prefix(dir, "out"), 0, "case %zu: an output was left", c);
        cr_expect_eq(util_count_prefix(dir, ".cimsim"), 0, "case %zu: a temporary was left", c);
        free(out), free(err);
    }
    remove_dir(dir);
}

/* A second capture at 50 Hz, predicted with the fitted parameters: the reported errors equal hand arithmetic on
 * the test's own evaluation of the fitted model on that capture. */
Test(fit_cmd, predicts_a_second_measurement, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_trace(dir, "trace.csv", 100.0, 17);
    write_trace(dir, "slow.csv", 50.0, 18);
    write_config(dir, "trace.csv", NULL, NULL);
    char *out, *err;
    int st = util_run_cli(dir, "fit fit.cfg --predict slow.csv --format json -q --plot f.png", &out, &err);
    cr_assert_eq(st, 0, "exit %d: %s", st, err);
    cr_expect_eq(util_count_prefix(dir, "f_predict.png"), 1, "the prediction's figure");
    json_t *root = parse_json(out);
    json_t *sum = json_object_get(root, "summary");
    void *block = truth_block();
    for (int j = 0; j < 4; j++)
        set_key(block, KEYS[j], path_real(sum, "params", KEYS[j], "value"));
    char path[512];
    snprintf(path, sizeof path, "%s/slow.csv", dir);
    iv_trace tr;
    cr_assert_eq(iv_read(path, 2, &tr), CIM_OK, "%s", cim_errmsg());
    double *im = malloc(tr.n * sizeof *im);
    fit_opts o;
    fit_opts_default(&o); /* the fit's integrator settings are the defaults: fit.rtol, fit.atol unset */
    cr_assert_eq(fit_eval_iv(&device_vteam, block, &tr, &o, im), CIM_OK, "%s", cim_errmsg());
    double ss = 0, sy = 0, ym = 0, sl = 0, mx = 0, floor_A = 1e-9;
    for (size_t k = 0; k < tr.n; k++)
        ym += tr.i_A[k] / (double)tr.n;
    double st2 = 0;
    for (size_t k = 0; k < tr.n; k++) {
        double d = im[k] - tr.i_A[k];
        ss += d * d;
        sy += tr.i_A[k] * tr.i_A[k];
        st2 += (tr.i_A[k] - ym) * (tr.i_A[k] - ym);
        double l = log10(fabs(im[k]) + floor_A) - log10(fabs(tr.i_A[k]) + floor_A);
        sl += l * l;
        mx = fmax(mx, fabs(d));
    }
    double rms = sqrt(ss / (double)tr.n), nrmse = rms / sqrt(sy / (double)tr.n), r2 = 1 - ss / st2;
    double rms_log = sqrt(sl / (double)tr.n);
    cr_expect(fabs(metric(root, "prediction.rms_A", NULL) / rms - 1) < 1e-9, "rms %g vs %g",
              metric(root, "prediction.rms_A", NULL), rms);
    cr_expect(fabs(metric(root, "prediction.nrmse", NULL) / nrmse - 1) < 1e-9);
    cr_expect(fabs(metric(root, "prediction.rms_log", NULL) / rms_log - 1) < 1e-9);
    cr_expect(fabs(metric(root, "prediction.max_abs_A", NULL) / mx - 1) < 1e-9);
    cr_expect(fabs(metric(root, "prediction.r2", NULL) - r2) < 1e-9);
    cr_expect_eq(metric(root, "prediction.n_points", NULL), 200.0);
    /* The same model at half the frequency: the noise is all that is left (about 2% of the RMS current). */
    cr_expect(nrmse > 0.005 && nrmse < 0.05, "prediction nrmse %g", nrmse);
    json_t *inputs = json_object_get(json_object_get(root, "provenance"), "inputs");
    cr_expect_eq(json_array_size(inputs), 2, "the data and the predicted file are recorded");
    iv_trace_free(&tr);
    free(im);
    free(block);
    json_decref(root);
    free(out), free(err);
    remove_dir(dir);
}

/* `cimsim sweep` runs fits: over the start of R_on, every point reaches the truth within 5%. */
Test(fit_cmd, a_sweep_of_fits_runs, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_trace(dir, "trace.csv", 100.0, 17);
    write_config(dir, "trace.csv", NULL, NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/fit.cfg", dir);
    FILE *fp = fopen(path, "a");
    fprintf(fp, "sweep = { metrics = [\"params.r_on_ohm.value\", \"fit.converged\"];\n"
                "  axes = ( { key = \"device.vteam.r_on_ohm\"; values = [700.0, 2800.0, 9000.0]; } ); };\n");
    fclose(fp);
    char *out, *err;
    int st = util_run_cli(dir, "sweep fit.cfg -o sweep.csv -q", &out, &err);
    cr_assert_eq(st, 0, "exit %d: %s", st, err);
    snprintf(path, sizeof path, "%s/sweep.csv", dir);
    char *csv = util_slurp(path, NULL);
    cr_assert_not_null(csv);
    size_t rows = 0;
    for (char *line = strtok(csv, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || strncmp(line, "point", 5) == 0)
            continue;
        /* point,repeat,device.vteam.r_on_ohm,seed,status,params.r_on_ohm.value,fit.converged,... */
        char status[16];
        double start, value, conv;
        cr_assert_eq(sscanf(line, "%*d,%*d,%lf,%*[^,],%15[^,],%lf,%lf", &start, status, &value, &conv), 4, "%s", line);
        cr_expect_str_eq(status, "ok");
        cr_expect_lt(fabs(value / TRUTH[0] - 1), 0.05, "start %g: fitted %g", start, value);
        cr_expect_eq(conv, 1.0);
        rows++;
    }
    cr_expect_eq(rows, 3);
    free(csv);
    free(out), free(err);
    remove_dir(dir);
}

/* `cimsim config --dump` of a fit config keeps fit.bounds (read by hand, not by a param table), and the dump runs to
 * the same fit, bit for bit. */
Test(fit_cmd, the_dump_of_a_fit_config_runs_the_same_fit, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_trace(dir, "trace.csv", 100.0, 17);
    write_config(dir, "trace.csv", NULL, NULL);
    char *out, *err, *out2, *err2;
    cr_assert_eq(util_run_cli(dir, "config --dump fit.cfg -o dumped.cfg", NULL, NULL), 0);
    cr_assert_eq(util_run_cli(dir, "fit fit.cfg --format json -q", &out, &err), 0, "%s", err);
    cr_assert_eq(util_run_cli(dir, "fit dumped.cfg --format json -q", &out2, &err2), 0, "%s", err2);
    json_t *a = parse_json(out), *b = parse_json(out2);
    for (int j = 0; j < 4; j++) {
        char name[128];
        snprintf(name, sizeof name, "params.%s.value", KEYS[j]);
        cr_expect_eq(metric(a, name, NULL), metric(b, name, NULL), "%s", name);
        snprintf(name, sizeof name, "params.%s.hi", KEYS[j]);
        cr_expect_eq(metric(a, name, NULL), metric(b, name, NULL), "%s", name);
    }
    json_decref(a);
    json_decref(b);
    free(out), free(err), free(out2), free(err2);
    remove_dir(dir);
}

/* A lower bound above the truth: R_on is pinned there; the metric and the report say so, the free keys do not. */
Test(fit_cmd, a_value_pinned_at_a_bound_is_flagged, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_trace(dir, "trace.csv", 100.0, 17);
    write_config(dir, "trace.csv", NULL,
                 "r_on_ohm = [2100.0, 20000.0]; r_off_ohm = [5000.0, 500000.0]; k_off_m_per_s = [5e-8, 5e-6]; "
                 "k_on_m_per_s = [-1e-5, -1e-7];");
    char *out, *err;
    int st = util_run_cli(dir, "fit fit.cfg --format json", &out, &err);
    cr_assert(st == 0 || st == 1, "exit %d: %s", st, err);
    json_t *j = parse_json(out);
    cr_expect_eq(metric(j, "params.r_on_ohm.at_bound", NULL), 1.0);
    cr_expect_lt(fabs(metric(j, "params.r_on_ohm.value", NULL) / 2100.0 - 1), 1e-3);
    cr_expect_eq(metric(j, "params.r_off_ohm.at_bound", NULL), 0.0);
    cr_expect(strstr(err, "warning: r_on_ohm = 2100 sits at a bound") != NULL, "the report (on stderr with json): %s",
              err);
    cr_expect(strstr(err, "warning: r_off_ohm") == NULL, "%s", err);
    json_decref(j);
    free(out), free(err);
    remove_dir(dir);
}

/* ---- the pulse path ------------------------------------------------------------------------------------------ */

static const double SB_ALPHA_POT = 0.01, SB_ALPHA_DEP = 0.02, SB_GMAX = 25e-6;

/* Soft-bounds pulse responses written by hand (device/soft_bounds.c's rule): 4 cycles of 300 potentiating then 300
 * depressing pulses from G = 0, each step dG = alpha_pot (G_max - G) or -alpha_dep G times (1 + sigma z), z from
 * stream "test.fit_cmd.pulse" of seed, clipped at the bounds. */
static void write_pulses(const char *dir, const char *name, uint64_t seed, double sigma)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "pulse,g_S,polarity\n");
    gsl_rng *r = rng_alloc(seed, "test.fit_cmd.pulse");
    double g = 0;
    size_t k = 0;
    for (int c = 0; c < 4; c++)
        for (int pol = 1; pol >= -1; pol -= 2)
            for (int j = 0; j < 300; j++) {
                double f = 1 + sigma * gsl_ran_gaussian(r, 1.0);
                g += pol > 0 ? SB_ALPHA_POT * (SB_GMAX - g) * f : -SB_ALPHA_DEP * g * f;
                g = fmin(fmax(g, 0.0), SB_GMAX);
                fprintf(fp, "%zu,%.17g,%d\n", ++k, g, pol);
            }
    rng_free(r);
    fclose(fp);
}

static void write_pulse_config(const char *dir, const char *model, const char *data, const char *extra)
{
    char text[1024], path[512];
    snprintf(text, sizeof text,
             "experiment = \"fit\";\ndevice = { model = \"%s\"; };\nfit = {\n  kind = \"pulse\"; data = \"%s\"; %s\n};\n",
             model, data, extra != NULL ? extra : "");
    snprintf(path, sizeof path, "%s/fit.cfg", dir);
    util_write(path, text);
}

/* Soft bounds recovered from their own pulse responses with 10% cycle-to-cycle noise on each step; the written config
 * runs the pulses experiment with the fitted values bit for bit; the prediction of a second response (another noise
 * seed) equals hand arithmetic on the fitted rule.  (With noise this fit used to be refused, "potentiation: too few
 * points": the outlier test of the first weighted pass compared weighted residuals with an unweighted sigma.) */
Test(fit_cmd, pulse_fit_recovers_soft_bounds_and_predicts, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_pulses(dir, "ramps.csv", 5, 0.1);
    write_pulses(dir, "other.csv", 6, 0.1);
    write_pulse_config(dir, "soft_bounds", "ramps.csv", "predict = \"other.csv\";");
    char *out, *err;
    int st = util_run_cli(dir, "fit fit.cfg -o fitted.cfg --plot p.png --format json -q", &out, &err);
    cr_assert_eq(st, 0, "exit %d: %s", st, err);
    cr_expect_eq(util_count_prefix(dir, "p_predict.png"), 1);
    json_t *root = parse_json(out);
    double ap = metric(root, "params.alpha_pot.value", NULL), ad = metric(root, "params.alpha_dep.value", NULL);
    cr_expect_lt(fabs(ap / SB_ALPHA_POT - 1), 0.05, "alpha_pot %g", ap);
    cr_expect_lt(fabs(ad / SB_ALPHA_DEP - 1), 0.05, "alpha_dep %g", ad);
    double gmin = metric(root, "params.g_min_S.value", NULL), gmax = metric(root, "params.g_max_S.value", NULL);
    cr_expect_eq(metric(root, "fit.converged", NULL), 1.0);

    /* the prediction: one-pulse error of G' = G + alpha_pot (G_max - G) or G - alpha_dep (G - G_min) over the second
     * file's consecutive same-polarity pairs inside its robust range */
    char path[512];
    snprintf(path, sizeof path, "%s/other.csv", dir);
    pulse_data d;
    cr_assert_eq(pulse_data_read(path, 0, &d), CIM_OK, "%s", cim_errmsg());
    double lo, hi, ss = 0;
    pulse_robust_range(&d, &lo, &hi, NULL);
    size_t n = 0;
    for (size_t k = 1; k < d.n; k++) {
        if (d.polarity[k] != d.polarity[k - 1] || d.g[k - 1] < lo || d.g[k - 1] > hi || d.g[k] < lo || d.g[k] > hi)
            continue;
        double g = d.g[k - 1];
        double pred = d.polarity[k] > 0 ? g + ap * (gmax - g) : g - ad * (g - gmin);
        pred = fmin(fmax(pred, gmin), gmax);
        ss += (d.g[k] - pred) * (d.g[k] - pred);
        n++;
    }
    cr_expect_eq(metric(root, "prediction.n_pairs", NULL), (double)n);
    double rms = sqrt(ss / (double)n), got = metric(root, "prediction.rms_S", NULL);
    cr_expect_lt(fabs(got / rms - 1), 1e-6, "prediction rms %g, by hand %g", got, rms);
    pulse_data_free(&d);

    char *dout, *derr;
    st = util_run_cli(dir, "device fitted.cfg --pulses --format json -q", &dout, &derr);
    cr_assert_eq(st, 0, "cimsim device --pulses on the fitted config: exit %d: %s", st, derr);
    json_t *dev = parse_json(dout);
    json_t *sb = json_object_get(json_object_get(json_object_get(json_object_get(dev, "provenance"), "config"),
                                                 "device"), "soft_bounds");
    cr_expect_eq(json_number_value(json_object_get(sb, "alpha_pot")), ap);
    cr_expect_eq(json_number_value(json_object_get(sb, "alpha_dep")), ad);
    json_decref(dev);
    json_decref(root);
    free(dout), free(derr), free(out), free(err);
    remove_dir(dir);
}

Test(fit_cmd, pulse_fit_bad_input_exits_2, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_pulses(dir, "ramps.csv", 5, 0.0);
    write_trace(dir, "trace.csv", 100.0, 17);
    struct {
        const char *model, *data, *extra, *want[2];
    } cases[] = {
        {"vteam", "ramps.csv", "", {"fit.cfg:2: device.model", "pulse-response model (neurosim, soft_bounds, lut), not vteam"}},
        {"soft_bounds", "trace.csv", "", {"trace.csv: a current-voltage trace", "set fit.kind = \"iv\""}},
        {"soft_bounds", "ramps.csv", "bounds = { alpha_pot = [0.001, 0.1]; };",
         {"fit.cfg:4: fit.bounds", "closed form"}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        write_pulse_config(dir, cases[c].model, cases[c].data, cases[c].extra);
        char *out, *err;
        int st = util_run_cli(dir, "fit fit.cfg -o out.cfg", &out, &err);
        cr_expect_eq(st, 2, "case %zu: exit %d: %s", c, st, err);
        for (int w = 0; w < 2; w++)
            cr_expect(strstr(err, cases[c].want[w]) != NULL, "case %zu: no \"%s\" in: %s", c, cases[c].want[w], err);
        cr_expect_eq(util_count_prefix(dir, "out"), 0);
        free(out), free(err);
    }
    remove_dir(dir);
}

/* Rewrites dir/src as dir/dst: the currents of rows [k0, k1) (data rows, 0-based) times glitch, and with a weight
 * column when weighted (0 on those rows, 1 elsewhere); drop != 0 leaves those rows out instead. */
static void rewrite_trace(const char *dir, const char *src, const char *dst, size_t k0, size_t k1, double glitch,
                          int weighted, int drop)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, src);
    iv_trace tr;
    cr_assert_eq(iv_read(path, 2, &tr), CIM_OK, "%s", cim_errmsg());
    snprintf(path, sizeof path, "%s/%s", dir, dst);
    FILE *fp = fopen(path, "w");
    fprintf(fp, weighted ? "t_s,v_V,i_A,weight\n" : "t_s,v_V,i_A\n");
    for (size_t k = 0; k < tr.n; k++) {
        int hit = k >= k0 && k < k1;
        if (hit && drop)
            continue;
        fprintf(fp, "%.17g,%.17g,%.17g", tr.t_s[k], tr.v_V[k], tr.i_A[k] * (hit ? glitch : 1.0));
        if (weighted)
            fprintf(fp, ",%d", hit ? 0 : 1);
        fprintf(fp, "\n");
    }
    fclose(fp);
    iv_trace_free(&tr);
}

/* A weight column: 20 samples with their current tripled (a glitch) and weight 0 give the fit of the trace
 * without those rows (the same cost function; only the integrator's output times differ), recovering the truth;
 * the same glitch unweighted spoils the fit.  A negative weight is refused with its line and column. */
Test(fit_cmd, a_weight_column_leaves_samples_out, .timeout = 120)
{
    char *dir = util_tmpdir();
    write_trace(dir, "trace.csv", 100.0, 23);
    rewrite_trace(dir, "trace.csv", "weighted.csv", 60, 80, 3.0, 1, 0);
    rewrite_trace(dir, "trace.csv", "glitch.csv", 60, 80, 3.0, 0, 0);
    rewrite_trace(dir, "trace.csv", "dropped.csv", 60, 80, 3.0, 0, 1);
    write_config(dir, "trace.csv", NULL, NULL);
    const char *files[] = {"weighted.csv", "dropped.csv", "glitch.csv"};
    double v[3][4];
    for (int f = 0; f < 3; f++) {
        char args[256], *out, *err;
        snprintf(args, sizeof args, "fit fit.cfg --data %s --format json -q", files[f]);
        int st = util_run_cli(dir, args, &out, &err);
        cr_assert(st == 0 || st == 1, "%s: exit %d: %s", files[f], st, err);
        json_t *root = parse_json(out);
        for (int j = 0; j < 4; j++) {
            char name[128];
            snprintf(name, sizeof name, "params.%s.value", KEYS[j]);
            v[f][j] = metric(root, name, NULL);
        }
        json_decref(root);
        free(out), free(err);
    }
    for (int j = 0; j < 4; j++) {
        cr_expect_lt(fabs(v[0][j] / TRUTH[j] - 1), 0.05, "weighted %s: %g, true %g", KEYS[j], v[0][j], TRUTH[j]);
        cr_expect_lt(fabs(v[0][j] / v[1][j] - 1), 1e-4, "%s: weighted %.9g, rows dropped %.9g", KEYS[j], v[0][j],
                     v[1][j]);
    }
    /* the unweighted fit bends to the glitch */
    double worst = 0;
    for (int j = 0; j < 4; j++)
        worst = fmax(worst, fabs(v[2][j] / TRUTH[j] - 1));
    cr_expect_gt(worst, 0.05, "the glitch left the unweighted fit within 5%% of the truth: the test shows nothing");

    char path[512];
    snprintf(path, sizeof path, "%s/neg.csv", dir);
    util_write(path, "t_s,v_V,i_A,weight\n0,0,0,1\n1e-4,0.1,1e-6,1\n2e-4,0.2,2e-6,-1\n3e-4,0.1,1e-6,1\n"
                     "4e-4,0,0,1\n5e-4,-0.1,-1e-6,1\n");
    char *out, *err;
    int st = util_run_cli(dir, "fit fit.cfg --data neg.csv -q", &out, &err);
    cr_expect_eq(st, 2, "exit %d", st);
    cr_expect(strstr(err, "neg.csv:4") != NULL && strstr(err, "weight (column 4)") != NULL, "%s", err);
    free(out), free(err);
    remove_dir(dir);
}

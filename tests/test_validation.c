/* tests/test_validation.c -- the example configurations of configs/energy/ and the comparison with published chips
 * that docs/validation.md states.
 *
 *  - every .cfg of configs/energy runs as its header's "# Run:  cimsim ..." line says (energy, or mvm), with
 *    --format json, and its energy report adds up: design.total_J is the sum of the tally's categories, efficiency_TOPS_per_W is
 *    2 n_mac / total_J / 1e12 in this test's arithmetic, and the design moves less data than the von Neumann
 *    machine (saved.ratio > 1);
 *  - each chip configuration lands within the factor of the published TOPS/W that docs/validation.md states.  The
 *    published values are this file's own table (from the papers), never read back from cimsim; the factors are the
 *    ones the document states (2x where reached; wider, and said so, where cimsim does not reach it). */
#include "tests/util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

/* Published energy efficiencies (docs/validation.md). */
typedef struct chip_claim {
    const char *cfg;      /* file under configs/energy */
    const char *what;     /* the chip and the source of the number */
    double tops_per_W;    /* published */
    double factor;        /* docs/validation.md: cimsim within this factor of it (either way) */
} chip_claim;

static const chip_claim claims[] = {
    /* HERMES: 1.71x, 1.84x and 2.37x above since a cco counts (and spends) through its whole window and the
     * 4-phase mode counts each polarity in a window of its own (docs/validation.md, "What changed") */
    {"hermes_1phase.cfg", "HERMES core, Khaddam-Aljameh et al. JSSC 2022", 10.5, 2.0},
    {"hermes_1phase.cfg", "IBM 64-core chip, 1-phase, Le Gallo et al. Nat. Electron. 2023", 9.76, 2.0},
    {"hermes_4phase.cfg", "IBM 64-core chip, 4-phase, Le Gallo et al. Nat. Electron. 2023", 2.48, 2.4},
    {"hung_reram.cfg", "22 nm ReRAM macro, Hung et al. JSSC 2023", 21.6, 12.0},
};
#define N_CLAIMS (sizeof claims / sizeof claims[0])

/* Runs the header's command of configs/energy/name with --format json; returns the summary's energy_report (a new
 * reference to the whole output in *root). */
static json_t *run_config(const char *name, json_t **root)
{
    char path[600];
    snprintf(path, sizeof path, "%s/configs/energy/%s", CIM_SRC, name);
    char *text = util_slurp(path, NULL);
    cr_assert_not_null(text, "%s", path);
    const char *run = strstr(text, "# Run:  cimsim ");
    cr_assert_not_null(run, "%s: no \"# Run:  cimsim ...\" line in the header", name);
    run += strlen("# Run:  cimsim ");
    char args[1024] = "";
    size_t m = 0;
    for (const char *c = run; *c && *c != '\n' && m + 700 < sizeof args; c++) {
        if (strncmp(c, "configs/", 8) == 0 && (c == run || c[-1] == ' '))
            m += (size_t)snprintf(args + m, sizeof args - m, "%s/", CIM_SRC);
        args[m++] = *c;
        args[m] = '\0';
    }
    snprintf(args + m, sizeof args - m, " --format json");
    char *dir = util_tmpdir(), *out, *err;
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s: cimsim %s: %s", name, args, err);
    json_error_t je;
    *root = json_loads(out, JSON_DISABLE_EOF_CHECK, &je);
    cr_assert_not_null(*root, "%s: JSON: %s", name, je.text);
    /* `cimsim mvm` carries the report as summary.energy_report; `cimsim energy`'s summary is the report */
    json_t *summary = json_object_get(*root, "summary");
    json_t *rep = json_object_get(summary, "energy_report");
    if (rep == NULL && json_object_get(summary, "design") != NULL)
        rep = summary;
    cr_assert_not_null(rep, "%s: summary.energy_report (mvm) or a summary with design (energy)", name);
    free(out), free(err), free(text), free(dir);
    return rep;
}

static double num(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b != NULL)
        v = json_object_get(v, b);
    cr_assert(json_is_number(v), "%s.%s is a number", a, b ? b : "");
    return json_number_value(v);
}

Test(validation, every_energy_config_runs_and_its_report_adds_up, .timeout = 60)
{
    DIR *d = opendir(CIM_SRC "/configs/energy");
    cr_assert_not_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".cfg") != 0)
            continue;
        json_t *root, *rep = run_config(e->d_name, &root);
        json_t *design = json_object_get(rep, "design");
        double total = num(design, "total_J", NULL);
        /* the total is the sum of its categories */
        json_t *tally = json_object_get(design, "tally");
        const char *key;
        json_t *val;
        double sum = 0;
        json_object_foreach(tally, key, val)
            if (json_is_object(val))
                sum += num(val, "energy_J", NULL);
        cr_expect(total > 0, "%s: design energy %g", e->d_name, total);
        cr_expect(fabs(sum - total) <= 1e-12 * total, "%s: categories sum to %.17g, total %.17g", e->d_name, sum,
                  total);
        /* TOPS/W by hand: one MAC is two operations */
        double n_mac = num(rep, "n_mac", NULL), eff = num(design, "efficiency_TOPS_per_W", NULL);
        cr_expect(fabs(eff - 2 * n_mac / total / 1e12) <= 1e-12 * eff, "%s: TOPS/W %g", e->d_name, eff);
        /* the weights stay put: the design moves less than the von Neumann machine */
        cr_expect_gt(num(rep, "saved", "ratio"), 1.0, "%s: saving on data movement", e->d_name);
        cr_expect_lt(num(design, "movement_J", NULL),
                     num(json_object_get(rep, "baseline"), "von_neumann", "movement_J"), "%s", e->d_name);
        json_decref(root);
        n++;
    }
    closedir(d);
    cr_expect_geq(n, 6, "%zu example configs (three device families, three chip modes)", n);
}

Test(validation, chips_land_within_the_stated_factor_of_their_published_efficiency, .timeout = 60)
{
    for (size_t k = 0; k < N_CLAIMS; k++) {
        json_t *root, *rep = run_config(claims[k].cfg, &root);
        double eff = num(json_object_get(rep, "design"), "efficiency_TOPS_per_W", NULL);
        double ratio = eff / claims[k].tops_per_W;
        cr_expect(ratio <= claims[k].factor && ratio >= 1.0 / claims[k].factor,
                  "%s (%s): cimsim %.3g TOPS/W, published %.3g, ratio %.3g outside 1/%g .. %g", claims[k].cfg,
                  claims[k].what, eff, claims[k].tops_per_W, ratio, claims[k].factor, claims[k].factor);
        json_decref(root);
    }
}

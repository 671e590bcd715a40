/* tests/test_workload.c -- the `energy` experiment (exp/energy.h) and the energy report of the weight-level MVM.
 *
 *  - a workload of layers costs the sum of its layers, each run alone as the weight-level MVM with the same seed
 *    (energies, MACs, latency, area add up: conservation);
 *  - the MVM's report: the design's tally is the tiles' (programming apart) plus the activations' buffer traffic,
 *    and the von Neumann baseline is the hand formula of energy/baseline.h for R x C MACs;
 *  - layer widths that are not whole numbers are refused naming the key. */
#include "core/status.h"
#include "exp/energy.h"
#include "exp/experiment.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static const char base_text[] =
    "run = { seed = 3; };\n"
    "mapping = { weight_bits = 4; bits_per_cell = 2; };\n"
    "crossbar = { tile_rows = 16; tile_cols = 16; };\n"
    "dac = { type = \"bit_serial\"; bits = 4; };\n"
    "sense = { type = \"tia\"; };\n"
    "adc = { type = \"sar\"; bits = 5; range = \"max\"; };\n";

static int load_energy(exp_energy *e, cfg *c, const char *extra)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", base_text, extra);
    cfg_init(c);
    exp_energy_init(e, c);
    int st = cfg_read_string(c, "w.cfg", text);
    if (st == CIM_OK) {
        exp_energy_bind_model(e, c);
        st = cfg_resolve(c);
    }
    return st;
}

static energy_report one_layer(size_t rows, size_t cols)
{
    exp_energy e;
    cfg c;
    char extra[128];
    snprintf(extra, sizeof extra, "weights = { rows = %zu; cols = %zu; };\n", rows, cols);
    cr_assert_eq(load_energy(&e, &c, extra), CIM_OK, "%s", cim_errmsg());
    prov pv;
    prov_init(&pv, "energy", "test", &c, e.w.run.seed);
    cr_assert_eq(exp_energy_run(&e, &pv, NULL), CIM_OK, "%s", cim_errmsg());
    energy_report r = e.report;
    exp_energy_free(&e);
    cfg_destroy(&c);
    return r;
}

Test(workload, a_stack_of_layers_costs_the_sum_of_its_layers)
{
    exp_energy e;
    cfg c;
    cr_assert_eq(load_energy(&e, &c, "workload = { layers = [20.0, 12.0, 5.0]; };\n"), CIM_OK, "%s", cim_errmsg());
    prov pv;
    prov_init(&pv, "energy", "test", &c, e.w.run.seed);
    cr_assert_eq(exp_energy_run(&e, &pv, NULL), CIM_OK, "%s", cim_errmsg());
    energy_report a = one_layer(20, 12), b = one_layer(12, 5);
    const energy_report *r = &e.report;
    cr_expect_eq(r->n_mac, 20u * 12u + 12u * 5u);
    cr_expect_eq(r->n_mac, a.n_mac + b.n_mac);
    double want[] = {a.design.total_J + b.design.total_J, a.von_neumann.total_J + b.von_neumann.total_J,
                     a.neuromorphic.total_J + b.neuromorphic.total_J, a.latency_s + b.latency_s, a.area_m2 + b.area_m2};
    double got[] = {r->design.total_J, r->von_neumann.total_J, r->neuromorphic.total_J, r->latency_s, r->area_m2};
    const char *what[] = {"design", "von Neumann", "neuromorphic", "latency", "area"};
    for (int k = 0; k < 5; k++)
        cr_expect(fabs(got[k] - want[k]) <= 1e-12 * want[k], "%s: %.17g vs layers %.17g", what[k], got[k], want[k]);
    cr_expect_gt(r->design.total_J, 0);
    cr_expect_gt(r->saved_movement_J, 0, "the weights stay in the arrays");
    json_t *j = exp_energy_summary(&e);
    cr_expect_eq(json_array_size(json_object_get(j, "layers")), 2);
    cr_expect_eq(json_real_value(json_object_get(json_object_get(j, "design"), "total_J")), r->design.total_J);
    json_decref(j);
    exp_energy_free(&e);
    cfg_destroy(&c);
}

Test(workload, the_mvm_report_is_the_tiles_and_the_hand_von_neumann_formula)
{
    exp_energy e;
    cfg c;
    cr_assert_eq(load_energy(&e, &c, "weights = { rows = 24; cols = 6; };\nbaseline = { memory = \"dram\"; };\n"),
                 CIM_OK, "%s", cim_errmsg());
    prov pv;
    prov_init(&pv, "energy", "test", &c, e.w.run.seed);
    /* Run the layer by hand to see the tiles' tally before the reset. */
    cr_assert_eq(exp_wmvm_load(&e.w, NULL, NULL, &pv, NULL), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_wmvm_run(&e.w, NULL), CIM_OK, "%s", cim_errmsg());
    const energy_report *r = &e.w.report;
    const tech_params *t = &e.w.tech;
    /* Design: the tiles' categories as they are, plus the activations' buffer traffic (24 x 4-bit inputs and 6 x
     * 16-bit outputs, each bit a buffer access and a carry over d_act_mm), in ONCHIP. */
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++)
        if (k != ENERGY_ONCHIP)
            cr_expect_eq(energy_tally_J(&r->design.tally, k), energy_tally_J(&e.w.tally, k), "category %s",
                         energy_categories[k].name);
    double bits_x = 24 * 4 + 6 * 16;
    double onchip = bits_x * (t->e_buffer_J_per_bit + t->e_wire_J_per_bit_mm * t->d_act_mm);
    cr_expect(fabs(energy_tally_J(&r->design.tally, ENERGY_ONCHIP) - onchip) <= 1e-12 * onchip, "%.17g vs %.17g",
              energy_tally_J(&r->design.tally, ENERGY_ONCHIP), onchip);
    /* von Neumann: 144 MACs at 4 bits; 144 weights x 4 bits from DRAM (OFFCHIP); the DRAM access per bit is the
     * 64-bit access energy / 64. */
    double e_mac = tech_e_mac_J(t, 4);
    cr_expect(fabs(energy_tally_J(&r->von_neumann.tally, ENERGY_DIGITAL) - 144 * e_mac) <= 1e-12 * 144 * e_mac);
    double off = 144 * 4 * t->e_dram_J / (double)t->access_bits;
    cr_expect(fabs(energy_tally_J(&r->von_neumann.tally, ENERGY_OFFCHIP) - off) <= 1e-12 * off, "%.17g vs %.17g",
              energy_tally_J(&r->von_neumann.tally, ENERGY_OFFCHIP), off);
    cr_expect_gt(r->saved_ratio, 1);
    exp_energy_free(&e);
    cfg_destroy(&c);
}

Test(workload, layer_widths_must_be_whole_numbers)
{
    exp_energy e;
    cfg c;
    cr_expect_eq(load_energy(&e, &c, "workload = { layers = [20.0, 12.5]; };\n"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "workload.layers") != NULL, "%s", cim_errmsg());
    exp_energy_free(&e);
    cfg_destroy(&c);
    cr_expect_eq(load_energy(&e, &c, "workload = { layers = [20.0]; };\n"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "one width") != NULL, "%s", cim_errmsg());
    exp_energy_free(&e);
    cfg_destroy(&c);
}

/* `cimsim energy --format json`: the report's named fields are metrics, and they say what the report says. */
Test(workload, the_cli_reports_the_named_fields_and_draws_the_figure)
{
    char *dir = util_tmpdir();
    char args[1024], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "energy %s/configs/energy/mlp.cfg --format json -o r.json --plot e.svg -q", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    char path[1024];
    snprintf(path, sizeof path, "%s/r.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    cr_assert_not_null(root, "%s", je.text);
    json_t *ms = json_object_get(root, "metrics"), *sum = json_object_get(root, "summary");
    const char *names[] = {"design.total_J", "design.movement_J", "baseline.von_neumann.total_J",
                           "baseline.von_neumann.movement_J", "baseline.neuromorphic.total_J", "saved.movement_J",
                           "saved.ratio"};
    double v[7];
    for (int k = 0; k < 7; k++) {
        v[k] = NAN;
        for (size_t i = 0; i < json_array_size(ms); i++) {
            json_t *m = json_array_get(ms, i);
            if (strcmp(json_string_value(json_object_get(m, "name")), names[k]) == 0)
                v[k] = json_real_value(json_object_get(m, "value"));
        }
        cr_expect(isfinite(v[k]) && v[k] > 0, "metric %s: %g", names[k], v[k]);
    }
    cr_expect(fabs(v[5] - (v[3] - v[1])) <= 1e-12 * v[3], "saved = vN movement - design movement");
    cr_expect(fabs(v[6] - v[3] / v[1]) <= 1e-12 * v[6], "ratio = vN movement / design movement");
    cr_expect_eq(v[0], json_real_value(json_object_get(json_object_get(sum, "design"), "total_J")));
    cr_expect_eq(json_array_size(json_object_get(sum, "layers")), 2);
    json_decref(root);
    snprintf(path, sizeof path, "%s/e.svg", dir);
    size_t len = 0;
    char *svg = util_slurp(path, &len);
    cr_expect(svg != NULL && strstr(svg, "<svg") != NULL, "the figure is an SVG");
    free(svg);
    free(out), free(err), free(dir);
}

/* tests/test_energy.c -- technology figures, baselines and the energy report (energy/tech.h, baseline.h, report.h).
 *
 * References: the published figures themselves (Horowitz ISSCC 2014 table, Loihi's Table 2), hand arithmetic written
 * out in each test from those figures, a step-by-step simulation of rate-coded spikes for the neuromorphic counts,
 * and conservation: every total is the sum of its parts, the report's fields are the tallies they summarise.
 */
#include "core/cfg.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "energy/baseline.h"
#include "energy/report.h"
#include "energy/tally.h"
#include "energy/tech.h"
#include "exp/experiment.h"

#include "tests/util.h"
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

/* |a - b| within rel of |b| (rel 1e-14: the same arithmetic in another order). */
static int close_to(double a, double b, double rel) { return fabs(a - b) <= rel * fabs(b); }

#define EXPECT_CLOSE(a, b)                                                                                        \
    cr_expect(close_to((a), (b), 1e-14), "%s = %.17g, want %s = %.17g", #a, (double)(a), #b, (double)(b))

/* ---- tech ------------------------------------------------------------------------------------------- */

Test(energy, tech_defaults_are_the_published_figures)
{
    tech_params t = tech_params_default();
    /* Horowitz, ISSCC 2014, 45 nm, pJ. */
    cr_expect_eq(t.e_add8_J, 0.03e-12);
    cr_expect_eq(t.e_add32_J, 0.1e-12);
    cr_expect_eq(t.e_mult8_J, 0.2e-12);
    cr_expect_eq(t.e_mult32_J, 3.1e-12);
    cr_expect_eq(t.e_fadd16_J, 0.4e-12);
    cr_expect_eq(t.e_fmult16_J, 1.1e-12);
    cr_expect_eq(t.e_fadd32_J, 0.9e-12);
    cr_expect_eq(t.e_fmult32_J, 3.7e-12);
    cr_expect_eq(t.e_sram_8kB_J, 10e-12);
    cr_expect_eq(t.e_sram_32kB_J, 20e-12);
    cr_expect_eq(t.e_sram_1MB_J, 100e-12);
    cr_expect(t.e_dram_J >= 1.3e-9 && t.e_dram_J <= 2.6e-9, "DRAM 1.3-2.6 nJ per 64 bits");
    cr_expect_eq(t.access_bits, 64);
    cr_expect(t.e_wire_J_per_bit_mm >= 18e-15 && t.e_wire_J_per_bit_mm <= 110e-15, "18-110 fJ/bit/mm");
    cr_expect_eq(t.e_offchip_J_per_bit, 30e-12);
    cr_expect_eq(t.e_shift_add_J, 0.021e-12);
    cr_expect_eq(t.e_buffer_J_per_bit, 20.45e-12 / 256, "ISAAC eDRAM: 20.45 pJ per 256 bits");
    cr_expect_eq(tech_params_check(&t), CIM_OK, "%s", cim_errmsg());
}

Test(energy, integer_widths_follow_the_stated_model_and_meet_the_table_rows)
{
    tech_params t = tech_params_default();
    /* The published rows are reproduced. */
    EXPECT_CLOSE(tech_e_add_J(&t, 8), 0.03e-12);
    EXPECT_CLOSE(tech_e_add_J(&t, 32), 0.1e-12);
    EXPECT_CLOSE(tech_e_mult_J(&t, 8), 0.2e-12);
    EXPECT_CLOSE(tech_e_mult_J(&t, 32), 3.1e-12);
    /* 8-bit MAC: multiply + add = 0.23 pJ. */
    EXPECT_CLOSE(tech_e_mac_J(&t, 8), 0.23e-12);
    /* 16 bits by hand: add 0.03 + 8 (0.1 - 0.03) / 24 pJ; multiply 0.2 + (256 - 64) (3.1 - 0.2) / (1024 - 64) pJ. */
    EXPECT_CLOSE(tech_e_add_J(&t, 16), (0.03 + 8 * 0.07 / 24) * 1e-12);
    EXPECT_CLOSE(tech_e_mult_J(&t, 16), (0.2 + 192 * 2.9 / 960) * 1e-12);
    /* The shape on another table: add linear (equal steps), multiply affine in b^2. */
    t.e_add8_J = 1e-12, t.e_add32_J = 2.5e-12, t.e_mult8_J = 4e-12, t.e_mult32_J = 40e-12;
    cr_assert_eq(tech_params_check(&t), CIM_OK, "%s", cim_errmsg());
    for (int b = 1; b < 64; b++) {
        double step = tech_e_add_J(&t, b + 1) - tech_e_add_J(&t, b);
        cr_expect(close_to(step, 1.5e-12 / 24, 1e-9), "add step at %d bits: %g", b, step);
        double m = tech_e_mult_J(&t, b) - tech_e_mult_J(&t, 8);
        cr_expect(fabs(m - 36e-12 * (b * b - 64) / 960.0) <= 1e-9 * 40e-12, "multiply at %d bits", b);
        cr_expect_gt(tech_e_mac_J(&t, b), 0);
    }
}

Test(energy, tech_check_names_the_key_that_breaks_the_width_model)
{
    tech_params t = tech_params_default();
    t.e_add32_J = 0.01e-12; /* below the 8-bit add */
    cr_expect_eq(tech_params_check(&t), CIM_EINVAL);
    cr_expect(strncmp(cim_errmsg(), "e_add32_J", 9) == 0, "%s", cim_errmsg());
    t = tech_params_default();
    t.e_add32_J = 5 * t.e_add8_J; /* the line through the rows crosses zero above 1 bit */
    cr_expect_eq(tech_params_check(&t), CIM_EINVAL);
    cr_expect(close_to(tech_e_add_J(&t, 1), 0.03e-12 - 7 * (0.12e-12 / 24), 1e-12) && tech_e_add_J(&t, 1) <= 0);
    t = tech_params_default();
    t.e_mult32_J = 17 * t.e_mult8_J;
    cr_expect_eq(tech_params_check(&t), CIM_EINVAL);
    cr_expect(strncmp(cim_errmsg(), "e_mult32_J", 10) == 0, "%s", cim_errmsg());
    cr_expect_leq(tech_e_mult_J(&t, 1), 0);

    /* Through a configuration file: the loader names the file, the line and the full key. */
    cfg c;
    tech_params v;
    cfg_init(&c);
    cfg_bind(&c, &tech_group, &v);
    int st = cfg_read_string(&c, "t.cfg", "tech = {\n  e_add32_J = 0.01e-12;\n};");
    cr_assert_eq(st, CIM_OK, "%s", cim_errmsg());
    cr_expect_neq(cfg_resolve(&c), CIM_OK);
    cr_expect(strstr(cim_errmsg(), "t.cfg:2: tech.e_add32_J") != NULL, "%s", cim_errmsg());
    cfg_destroy(&c);
}

Test(energy, memory_levels_cost_their_access_per_bit_and_areas_scale_with_F)
{
    tech_params t = tech_params_default();
    EXPECT_CLOSE(tech_mem_J_per_bit(&t, TECH_SRAM_8KB), 10e-12 / 64);
    EXPECT_CLOSE(tech_mem_J_per_bit(&t, TECH_SRAM_32KB), 20e-12 / 64);
    EXPECT_CLOSE(tech_mem_J_per_bit(&t, TECH_SRAM_1MB), 100e-12 / 64);
    EXPECT_CLOSE(tech_mem_J_per_bit(&t, TECH_DRAM), t.e_dram_J / 64);
    EXPECT_CLOSE(tech_mem_J_per_bit(&t, TECH_BUFFER), t.e_buffer_J_per_bit);
    cr_expect(tech_mem_offchip(TECH_DRAM) && !tech_mem_offchip(TECH_SRAM_1MB) && !tech_mem_offchip(TECH_BUFFER));
    EXPECT_CLOSE(tech_wire_J(&t, 1000, 2.5), 1000 * 18e-15 * 2.5);
    EXPECT_CLOSE(tech_offchip_J(&t, 10), 10 * 30e-12);
    /* 45 nm: a 4 F^2 cell is 4 (45e-9)^2 m^2; 256 x 256 of them; 1T1R 48 F^2; SRAM 280 F^2 per bit. */
    EXPECT_CLOSE(tech_cell_area_m2(&t, 0), 4 * 45e-9 * 45e-9);
    EXPECT_CLOSE(tech_array_area_m2(&t, 256, 256, 1), 65536 * 48 * 45e-9 * 45e-9);
    EXPECT_CLOSE(tech_sram_area_m2(&t, 8192), 8192 * 280 * 45e-9 * 45e-9);
    EXPECT_CLOSE(tech_shift_add_area_m2(&t), 60e-12);
}

/* ---- von Neumann -------------------------------------------------------------------------------------- */

/* A 256 x 128 layer, 8-bit weights, inputs and outputs, 10 vectors, weights fetched from DRAM every 4 vectors,
 * activations from a 32 kB SRAM; weights carried 2 mm, activations 0.5 mm. */
Test(energy, von_neumann_by_hand_from_the_horowitz_table)
{
    tech_params t = tech_params_default();
    t.d_weight_mm = 2.0;
    t.d_act_mm = 0.5;
    baseline_params p = baseline_params_default();
    p.memory = TECH_DRAM;
    p.act_memory = TECH_SRAM_32KB;
    p.batch = 4;
    energy_work w = energy_work_mvm(256, 128, 10, 8, 8, 8);
    energy_tally e = {0};
    baseline_von_neumann(&p, &t, &w, &e);

    /* The test's own arithmetic, from the published figures (pJ converted at the end). */
    double n_mac = 256.0 * 128 * 10;             /* 327680 */
    double mac_pJ = 0.2 + 0.03;                  /* 8-bit multiply + add */
    double rounds = 3;                           /* ceil(10 / 4) */
    double bits_w = 256.0 * 128 * 8 * rounds;    /* 786432 */
    double dram_pJ_per_bit = 1300.0 / 64;        /* 1.3 nJ per 64 bits = 20.3125 pJ */
    double wire_pJ_per_bit_mm = 0.018;
    double bits_x = 256.0 * 10 * 8 + 128.0 * 10 * 8; /* inputs read + outputs written: 30720 */
    double sram_pJ_per_bit = 20.0 / 64;          /* 0.3125 pJ */

    double digital = n_mac * mac_pJ * 1e-12;
    double offchip = bits_w * dram_pJ_per_bit * 1e-12;
    double onchip = (bits_w * wire_pJ_per_bit_mm * 2.0 + bits_x * (sram_pJ_per_bit + wire_pJ_per_bit_mm * 0.5)) * 1e-12;
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_DIGITAL), digital);
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_OFFCHIP), offchip);
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_ONCHIP), onchip);
    /* the same numbers written out: 75.3664 nJ, 15.9744 uJ, 38.188032 nJ */
    EXPECT_CLOSE(digital, 75.3664e-9);
    EXPECT_CLOSE(offchip, 15.9744e-6);
    EXPECT_CLOSE(onchip, 38.188032e-9);
    cr_expect_eq(energy_tally_n(&e, ENERGY_DIGITAL), 327680);
    cr_expect_eq(energy_tally_n(&e, ENERGY_OFFCHIP), 786432, "bits fetched from DRAM");
    cr_expect_eq(energy_tally_n(&e, ENERGY_ONCHIP), 786432 + 30720, "bits carried on chip, each once");
    /* Nothing else, and the total is the sum of the three. */
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++)
        if (k != ENERGY_DIGITAL && k != ENERGY_OFFCHIP && k != ENERGY_ONCHIP)
            cr_expect(energy_tally_J(&e, k) == 0 && energy_tally_n(&e, k) == 0, "%s", energy_categories[k].name);
    EXPECT_CLOSE(energy_tally_total_J(&e), digital + offchip + onchip);
}

Test(energy, von_neumann_float_arithmetic_on_chip_weights_and_batches)
{
    tech_params t = tech_params_default();
    baseline_params p = baseline_params_default(); /* weights from the 1 MB SRAM, activations from the buffer */
    p.mac = BASELINE_MAC_FP16;
    energy_work w = energy_work_mvm(64, 32, 5, 16, 16, 16);
    energy_tally e = {0};
    baseline_von_neumann(&p, &t, &w, &e);
    double bits_w = 64.0 * 32 * 16 * 5, bits_x = (64.0 + 32) * 5 * 16;
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_DIGITAL), 64.0 * 32 * 5 * (1.1 + 0.4) * 1e-12);
    cr_expect_eq(energy_tally_J(&e, ENERGY_OFFCHIP), 0, "on-chip weights move nothing off chip");
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_ONCHIP),
                 bits_w * (100e-12 / 64 + 18e-15 * 1.0) + bits_x * (20.45e-12 / 256 + 18e-15 * 1.0));
    /* Batching divides the weight traffic by the rounds, nothing else. */
    cr_expect_eq(baseline_fetch_rounds(&p, 5), 5);
    p.batch = 2;
    cr_expect_eq(baseline_fetch_rounds(&p, 5), 3);
    cr_expect_eq(baseline_fetch_rounds(&p, 0), 0);
    p.batch = 5;
    energy_tally e5 = {0};
    baseline_von_neumann(&p, &t, &w, &e5);
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_ONCHIP) - energy_tally_J(&e5, ENERGY_ONCHIP),
                 bits_w * 4 / 5 * (100e-12 / 64 + 18e-15));
    cr_expect_eq(energy_tally_J(&e5, ENERGY_DIGITAL), energy_tally_J(&e, ENERGY_DIGITAL));
}

/* ---- neuromorphic ------------------------------------------------------------------------------------- */

Test(energy, neuromorphic_mvm_by_hand_from_loihi_table_2)
{
    baseline_params p = baseline_params_default();
    cr_expect_eq(p.e_sop_J, 23.6e-12, "not the 27.1 pJ that adds a time row");
    cr_expect_eq(p.e_neuron_active_J, 81e-12);
    cr_expect_eq(p.e_neuron_inactive_J, 52e-12);
    /* 3-bit codes (7 steps) into a 4 x 3 layer: 6 spikes, each reaching 3 synapses; inputs spike in steps 1..3,
     * so each of the 3 neurons is active 3 steps and idle 4. */
    uint64_t q[4] = {1, 3, 0, 2};
    neuro_counts c = neuro_counts_mvm(q, 4, 3, 3);
    cr_expect_eq(c.n_spikes, 6);
    cr_expect_eq(c.n_sop, 18);
    cr_expect_eq(c.n_active, 9);
    cr_expect_eq(c.n_inactive, 12);
    cr_expect_eq(c.n_hops, 0);
    energy_tally e = {0};
    baseline_neuromorphic(&p, &c, &e);
    /* 18 x 23.6 + 9 x 81 + 12 x 52 + 6 x 1.7 = 424.8 + 729 + 624 + 10.2 = 1788 pJ */
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_DIGITAL), 18 * 23.6e-12);
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_NEURON), 9 * 81e-12 + 12 * 52e-12);
    EXPECT_CLOSE(energy_tally_J(&e, ENERGY_ONCHIP), 6 * 1.7e-12);
    EXPECT_CLOSE(energy_tally_total_J(&e), 1788e-12);
    cr_expect_eq(energy_tally_n(&e, ENERGY_NEURON), 21, "cols x (2^b - 1) updates");
    /* Hops priced per hop; counts add. */
    neuro_counts h = {0};
    h.n_hops = 10;
    neuro_counts_add(&c, &h);
    energy_tally e2 = {0};
    baseline_neuromorphic(&p, &c, &e2);
    EXPECT_CLOSE(energy_tally_J(&e2, ENERGY_ONCHIP), 6 * 1.7e-12 + 10 * 3.0e-12);
    /* A code above 2^b - 1 is clamped. */
    uint64_t big[2] = {9, 7};
    neuro_counts cb = neuro_counts_mvm(big, 2, 1, 3);
    cr_expect_eq(cb.n_spikes, 14);
    cr_expect_eq(cb.n_inactive, 0);
}

/* The counts against a step-by-step run: input i spikes in steps 1..q_i; every spike reaches every column; a
 * neuron is active in a step in which any input spikes. */
Test(energy, neuromorphic_counts_equal_a_step_by_step_rate_coded_run)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 14);
    for (int trial = 0; trial < 50; trial++) {
        int bits = 1 + (int)gsl_rng_uniform_int(r, 6);
        size_t rows = 1 + gsl_rng_uniform_int(r, 40), cols = 1 + gsl_rng_uniform_int(r, 20);
        uint64_t q[40], T = ((uint64_t)1 << bits) - 1;
        for (size_t i = 0; i < rows; i++)
            q[i] = gsl_rng_uniform_int(r, T + 1);
        uint64_t sop = 0, spikes = 0, active = 0, inactive = 0;
        for (uint64_t step = 1; step <= T; step++) {
            int any = 0;
            for (size_t i = 0; i < rows; i++)
                if (step <= q[i]) {
                    spikes++;
                    sop += cols;
                    any = 1;
                }
            for (size_t j = 0; j < cols; j++)
                any ? active++ : inactive++;
        }
        neuro_counts c = neuro_counts_mvm(q, rows, cols, bits);
        cr_expect_eq(c.n_sop, sop, "trial %d", trial);
        cr_expect_eq(c.n_spikes, spikes, "trial %d", trial);
        cr_expect_eq(c.n_active, active, "trial %d", trial);
        cr_expect_eq(c.n_inactive, inactive, "trial %d", trial);
    }
    gsl_rng_free(r);
}

/* ---- the report --------------------------------------------------------------------------------------- */

/* A design tally as a tile would write it, plus its activations' buffer traffic. */
static energy_tally some_design(const tech_params *t, const energy_work *w)
{
    energy_tally d = {0};
    energy_tally_add(&d, ENERGY_READ, 3.1e-9, 40);
    energy_tally_add(&d, ENERGY_DAC, 2.2e-9, 2560);
    energy_tally_add(&d, ENERGY_ADC, 9.4e-9, 1280);
    energy_tally_add(&d, ENERGY_DIGITAL, (double)1280 * t->e_shift_add_J, 1280);
    baseline_cim_movement(t, w, &d);
    return d;
}

static double json_num(const json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *v = j;
    for (char *s = strtok(buf, "."); s != NULL && v != NULL; s = strtok(NULL, "."))
        v = json_object_get(v, s);
    cr_assert(v != NULL, "no field %s", path);
    return json_is_null(v) ? NAN : json_number_value(v);
}

Test(energy, report_fields_are_the_tallies_they_summarise)
{
    tech_params t = tech_params_default();
    baseline_params p = baseline_params_default();
    energy_work w = energy_work_mvm(256, 128, 10, 8, 8, 8);
    energy_tally d = some_design(&t, &w), vn = {0}, nm = {0};
    baseline_von_neumann(&p, &t, &w, &vn);
    uint64_t q[256];
    for (size_t i = 0; i < 256; i++)
        q[i] = (i * 37) % 256;
    neuro_counts c = {0};
    for (int v = 0; v < 10; v++) {
        neuro_counts one = neuro_counts_mvm(q, 256, 128, 8);
        neuro_counts_add(&c, &one);
    }
    baseline_neuromorphic(&p, &c, &nm);

    energy_report r;
    cr_assert_eq(energy_report_make(&r, &d, w.n_mac, 1.5e-6, 0.02e-6, &vn, &nm, &p), CIM_OK, "%s", cim_errmsg());
    json_t *j = energy_report_json(&r);

    /* Sums computed here, category by category, plainly. */
    const energy_tally *m[3] = {&d, &vn, &nm};
    const char *name[3] = {"design", "baseline.von_neumann", "baseline.neuromorphic"};
    double total[3], move[3];
    for (int k = 0; k < 3; k++) {
        total[k] = 0;
        for (int cat = 0; cat < ENERGY_N_CATEGORIES; cat++)
            total[k] += energy_tally_J(m[k], cat);
        move[k] = energy_tally_J(m[k], ENERGY_ONCHIP) + energy_tally_J(m[k], ENERGY_OFFCHIP);
        char f[128];
        snprintf(f, sizeof f, "%s.total_J", name[k]);
        cr_expect(close_to(json_num(j, f), total[k], 1e-14), "%s", f);
        snprintf(f, sizeof f, "%s.movement_J", name[k]);
        cr_expect(close_to(json_num(j, f), move[k], 1e-14), "%s", f);
        snprintf(f, sizeof f, "%s.compute_J", name[k]);
        cr_expect(close_to(json_num(j, f) + move[k], total[k], 1e-14), "%s: compute + movement = total", f);
        snprintf(f, sizeof f, "%s.efficiency_TOPS_per_W", name[k]);
        cr_expect(close_to(json_num(j, f), 2.0 * (double)w.n_mac / total[k] / 1e12, 1e-14), "%s", f);
        /* every category of the tally, as the tally has it */
        for (int cat = 0; cat < ENERGY_N_CATEGORIES; cat++) {
            if (energy_tally_n(m[k], cat) == 0 && energy_tally_J(m[k], cat) == 0)
                continue;
            snprintf(f, sizeof f, "%s.tally.%s.energy_J", name[k], energy_categories[cat].name);
            cr_expect_eq(json_num(j, f), energy_tally_J(m[k], cat), "%s", f);
            snprintf(f, sizeof f, "%s.tally.%s.events", name[k], energy_categories[cat].name);
            cr_expect_eq(json_num(j, f), (double)energy_tally_n(m[k], cat), "%s", f);
        }
    }
    cr_expect(move[0] > 0 && move[1] > move[0], "the design moves activations, von Neumann weights too");
    cr_expect(close_to(json_num(j, "saved.movement_J"), move[1] - move[0], 1e-14));
    cr_expect(close_to(json_num(j, "saved.ratio"), move[1] / move[0], 1e-14));
    cr_expect_eq(json_num(j, "n_mac"), 327680);
    cr_expect_eq(json_num(j, "design.latency_s"), 1.5e-6);
    cr_expect_eq(json_num(j, "design.area_m2"), 0.02e-6);
    cr_expect(close_to(json_num(j, "design.throughput_TOPS"), 2.0 * 327680 / 1.5e-6 / 1e12, 1e-14));
    cr_expect(close_to(json_num(j, "design.density_TOPS_per_mm2"), 2.0 * 327680 / 1.5e-6 / 1e12 / 0.02, 1e-14));
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(j, "baseline"),
                                                                       "von_neumann"), "memory")), "sram_1MB");
    json_decref(j);
}

/* With act_memory = "buffer" both machines pay alike for activations, so the saving is exactly the von Neumann
 * weights' movement, and the design's movement is its activations' buffer traffic. */
Test(energy, saving_on_data_movement_is_the_weights_movement_when_activations_cost_alike)
{
    tech_params t = tech_params_default();
    baseline_params p = baseline_params_default();
    p.memory = TECH_DRAM;
    p.batch = 3;
    energy_work w = energy_work_mvm(100, 50, 7, 4, 6, 8);
    energy_tally d = some_design(&t, &w), vn = {0}, nm = {0};
    baseline_von_neumann(&p, &t, &w, &vn);
    energy_report r;
    cr_assert_eq(energy_report_make(&r, &d, w.n_mac, 0, 0, &vn, &nm, &p), CIM_OK);
    double bits_w = 100.0 * 50 * 4 * 3, bits_x = 100.0 * 7 * 6 + 50.0 * 7 * 8;
    double weights = bits_w * (1.3e-9 / 64 + 18e-15 * 1.0);
    double acts = bits_x * (20.45e-12 / 256 + 18e-15 * 1.0);
    EXPECT_CLOSE(r.design.movement_J, acts);
    EXPECT_CLOSE(r.von_neumann.movement_J, weights + acts);
    cr_expect(close_to(r.saved_movement_J, weights, 1e-12), "saved %.17g, weights %.17g", r.saved_movement_J, weights);
    EXPECT_CLOSE(r.saved_ratio, (weights + acts) / acts);
    /* 4-bit weights and 6-bit inputs: the MAC is priced at 6 bits. */
    EXPECT_CLOSE(energy_tally_J(&vn, ENERGY_DIGITAL), 100.0 * 50 * 7 * tech_e_mac_J(&t, 6));
    /* no latency or area: no throughput; an empty neuromorphic tally has no efficiency */
    cr_expect(isnan(r.tops) && isnan(r.tops_per_mm2) && isnan(r.neuromorphic.tops_per_W));
    json_t *j = energy_report_json(&r);
    cr_expect(json_is_null(json_object_get(json_object_get(j, "design"), "throughput_TOPS")));
    json_decref(j);
}

Test(energy, a_design_that_moves_nothing_has_an_unbounded_ratio_and_bad_inputs_are_refused)
{
    energy_tally d = {0}, vn = {0}, nm = {0};
    energy_tally_add(&d, ENERGY_READ, 1e-9, 1);
    energy_tally_add(&vn, ENERGY_ONCHIP, 5e-9, 64);
    energy_report r;
    cr_assert_eq(energy_report_make(&r, &d, 100, 1e-6, 1e-8, &vn, &nm, NULL), CIM_OK);
    cr_expect(isinf(r.saved_ratio));
    cr_expect_eq(r.saved_movement_J, 5e-9);
    json_t *j = energy_report_json(&r);
    cr_expect(json_is_null(json_object_get(json_object_get(j, "saved"), "ratio")));
    cr_expect_null(json_object_get(json_object_get(json_object_get(j, "baseline"), "von_neumann"), "memory"),
                   "no baseline settings given, none reported");
    json_decref(j);
    strbuf s;
    strbuf_init(&s);
    energy_report_text(&r, &s);
    cr_expect(strstr(s.s, "inf x") != NULL, "%s", s.s);
    strbuf_destroy(&s);
    cr_expect_eq(energy_report_make(&r, &d, 100, -1, 0, &vn, &nm, NULL), CIM_EINVAL);
    cr_expect_eq(energy_report_make(&r, &d, 100, 1, INFINITY, &vn, &nm, NULL), CIM_EINVAL);
}

Test(energy, text_report_names_the_machines_the_saving_and_the_assumptions)
{
    tech_params t = tech_params_default();
    baseline_params p = baseline_params_default();
    energy_work w = energy_work_mvm(256, 256, 1, 8, 8, 8);
    energy_tally d = some_design(&t, &w), vn = {0}, nm = {0};
    baseline_von_neumann(&p, &t, &w, &vn);
    energy_report r;
    cr_assert_eq(energy_report_make(&r, &d, w.n_mac, 1e-6, 1e-8, &vn, &nm, &p), CIM_OK);
    strbuf s;
    strbuf_init(&s);
    energy_report_text(&r, &s);
    char want[128];
    snprintf(want, sizeof want, "(%.4g x less)", r.saved_ratio);
    cr_expect(strstr(s.s, want) != NULL, "%s in\n%s", want, s.s);
    snprintf(want, sizeof want, "%.4g\n", r.design.tops_per_W);
    cr_expect(strstr(s.s, want) != NULL, "the design's TOPS/W %s in\n%s", want, s.s);
    cr_expect(strstr(s.s, "weights from sram_1MB, activations from buffer, int arithmetic, batch 1") != NULL, "%s",
              s.s);
    cr_expect(strstr(s.s, "von Neumann by category:") != NULL && strstr(s.s, "neuromorphic") != NULL);
    strbuf_destroy(&s);
}

/* ---- registration ------------------------------------------------------------------------------------- */

Test(energy, tech_and_baseline_are_documented_groups)
{
    /* Read by the weight-level MVM and by `cimsim energy`. */
    int tech = 0, base = 0;
    for (size_t n = 0; experiments[n] != NULL; n++)
        for (size_t k = 0; experiments[n]->groups[k] != NULL; k++)
            if (strcmp(experiments[n]->name, "energy") == 0) {
                tech |= experiments[n]->groups[k] == &tech_group;
                base |= experiments[n]->groups[k] == &baseline_group;
            }
    cr_expect(tech && base, "the energy experiment reads tech and baseline");
    char *md = util_slurp(CIM_SRC "/docs/config.md", NULL);
    cr_assert_not_null(md);
    cr_expect(strstr(md, "### `tech`") != NULL && strstr(md, "`tech.e_mult8_J`") != NULL);
    cr_expect(strstr(md, "### `baseline`") != NULL && strstr(md, "`baseline.e_sop_J`") != NULL);
    free(md);
}

Test(energy, moving_a_category_keeps_every_joule_and_event)
{
    energy_tally a = {0}, b = {0};
    energy_tally_add(&a, ENERGY_WRITE, 3e-12, 3);
    energy_tally_add(&a, ENERGY_WRITE, 1e-30, 1); /* below the sum's rounding: kept by the compensation */
    energy_tally_add(&a, ENERGY_READ, 2e-12, 2);
    energy_tally_add(&b, ENERGY_WRITE, 1e-12, 1);
    double total = energy_tally_total_J(&a) + energy_tally_total_J(&b);
    energy_tally_move(&b, &a, ENERGY_WRITE);
    cr_expect_eq(energy_tally_J(&a, ENERGY_WRITE), 0.0);
    cr_expect_eq(energy_tally_n(&a, ENERGY_WRITE), 0);
    cr_expect_eq(energy_tally_J(&a, ENERGY_READ), 2e-12);
    cr_expect_eq(energy_tally_n(&b, ENERGY_WRITE), 5);
    cr_expect(fabs(energy_tally_J(&b, ENERGY_WRITE) - 4e-12) <= 1e-27);
    cr_expect(fabs(energy_tally_total_J(&a) + energy_tally_total_J(&b) - total) <= 1e-27);
    energy_tally_move(&b, &a, ENERGY_N_CATEGORIES); /* out of range: nothing */
    cr_expect_eq(energy_tally_n(&b, ENERGY_WRITE), 5);
}

/* tests/test_tile.c -- the tile (periph/tile.h): DAC -> array -> sense -> ADC -> shift-add.
 *
 *  - ideal converters and perfect wires: bit for bit the array's reads decoded by the mapping (the weight-level
 *    product without a tile), and W_q^T x_q to rounding;
 *  - an N-bit ADC's error on each output stays within the bound its half-lsb errors allow after the decode;
 *  - pulse-width inputs on nonlinear cells: the exact segment integration equals a brute-force time integral of
 *    the column currents; on linear cells it equals the amplitude (ideal) encoding;
 *  - energy: the tile's total is the sum of its components; the DAC, ADC and sense energies are their formulas
 *    times their counted events; the read energy of linear cells is sum v^2 G t_read per read;
 *  - ADC ranges: "calibrated" never clips the calibration inputs; "max" is rows x g_top x v_read;
 *  - latency: the documented sum per cycle; a cco counts during the read window (max(window, conversion)) and an
 *    integrating converter its first slope, by hand arithmetic;
 *  - analog pairs (sense.pair = "analog"): with ideal converters the same outputs as digital pairs, bit for bit;
 *    half the conversions, sense events, shift-adds and converters; each difference quantized once on the signed
 *    range (by hand), the sense noise drawn once per pair (its variance against the closed form, half the digital
 *    pairs'); a calibrated range spans the signed differences; refused without a differential mapping;
 *  - streams: the same seed gives the same bits, another tile name other noise. */
#include "core/status.h"
#include "crossbar/ideal.h"
#include "crossbar/mapping.h"
#include "periph/tile.h"
#include "tests/tilefix.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define R 24 /* inputs */
#define C 5  /* outputs */

typedef tilefix fixture;

static void fixture_make(fixture *f, int scheme, unsigned long seed)
{
    mapping_params p;
    param_defaults(&mapping_group, &p);
    p.scheme = scheme;
    tilefix_make(f, R, C, &p, seed);
}

#define fixture_free tilefix_free
#define ideal_spec tilefix_spec
#define type_index tilefix_type
#define make_tile tilefix_tile

/* The array's reads decoded by the mapping, without a tile: dac cycles, the Kirchhoff sum, mapping_decode_add. */
static void reference(const fixture *f, const tile_spec *s, const double *x, double *y)
{
    dac d;
    cr_assert_eq(dac_init(&d, &s->dac, NULL), CIM_OK, "%s", cim_errmsg());
    dac_cycles cyc;
    dac_cycles_init(&cyc, &d, R);
    cr_assert_eq(dac_encode(&d, x, 0, &cyc), CIM_OK);
    double *i = malloc(f->phys * sizeof *i);
    for (size_t j = 0; j < C; j++)
        y[j] = 0;
    for (size_t c = 0; c < cyc.n; c++) {
        crossbar_ideal_mvm(f->g, R, f->phys, cyc.v_V + c * R, i, NULL);
        mapping_decode_add(&f->m, 0, C, i, cyc.coef[c], y);
    }
    free(i);
    dac_cycles_destroy(&cyc);
    dac_destroy(&d);
}

Test(tile, ideal_converters_give_the_decoded_reads_bit_for_bit)
{
    const char *dacs[] = {"ideal", "bit_serial"};
    for (int scheme = 0; scheme < 2; scheme++)
        for (int k = 0; k < 2; k++) {
            fixture f;
            fixture_make(&f, scheme, 11 + (unsigned long)scheme);
            tile_spec s = ideal_spec(&f);
            s.dac.type = type_index(dac_type_names, dacs[k]);
            s.sense.type = type_index(sense_type_names, "none");
            s.adc.type = type_index(adc_type_names, "ideal");
            tile *t = make_tile(&s, f.g);
            double *x = util_random_vec(R, -1, 1, 5), y[C], y_ref[C];
            cr_assert_eq(tile_mvm(t, x, 0, y), CIM_OK, "%s", cim_errmsg());
            reference(&f, &s, x, y_ref);
            for (size_t j = 0; j < C; j++)
                cr_expect_eq(y[j], y_ref[j], "%s, scheme %d, output %zu: %.17g vs %.17g", dacs[k], scheme, j, y[j],
                             y_ref[j]);
            /* and W_q^T x_q to rounding */
            double *wq = malloc(R * C * sizeof *wq), xq[R];
            mapping_quantized_weights(&f.m, f.w, wq);
            tile_input_values(t, xq);
            for (size_t j = 0; j < C; j++) {
                double want = 0, scale = 0;
                for (size_t i = 0; i < R; i++) {
                    want += wq[i * C + j] * xq[i];
                    scale += fabs(wq[i * C + j] * xq[i]);
                }
                cr_expect(fabs(y[j] - want) <= 1e-12 * scale, "output %zu: %.17g vs %.17g", j, y[j], want);
            }
            free(wq);
            free(x);
            tile_free(t);
            fixture_free(&f);
        }
}

Test(tile, an_adc_error_stays_within_half_an_lsb_per_column_after_the_decode)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 3);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "bit_serial");
    s.sense.type = type_index(sense_type_names, "none");
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.bits = 6;
    s.adc.range = ADC_RANGE_MAX;
    s.adc.noise_lsb = s.adc.offset_lsb = s.adc.inl_lsb = 0;
    tile *t = make_tile(&s, f.g);
    tile_spec si = s;
    si.adc.type = type_index(adc_type_names, "ideal");
    tile *ti = make_tile(&si, f.g);
    double *x = util_random_vec(R, -1, 1, 9), y[C], yi[C];
    cr_assert_eq(tile_mvm(t, x, 0, y), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(tile_mvm(ti, x, 0, yi), CIM_OK, "%s", cim_errmsg());
    /* Each column value is off by at most lsb/2; the decode of output j sums, over cycles c and its columns k,
     * |coef_c| 2^(slice b) step_j / dg times that. */
    const tile_stats *ts = tile_get_stats(t);
    double lsb = (ts->adc_hi_A - ts->adc_lo_A) / (ldexp(1, 6) - 1);
    cr_expect(fabs(ts->adc_hi_A - R * f.m.level_S[f.m.n_levels - 1] * s.dac.v_read_V) <= 1e-15 * ts->adc_hi_A,
              "range max is rows x g_top x v_read");
    dac d;
    dac_init(&d, &s.dac, NULL);
    dac_cycles cyc;
    dac_cycles_init(&cyc, &d, R);
    dac_encode(&d, x, 0, &cyc);
    double coef_sum = 0;
    for (size_t c = 0; c < cyc.n; c++)
        coef_sum += fabs(cyc.coef[c]);
    double slice_sum = 0;
    for (size_t sl = 0; sl < f.m.n_slices; sl++)
        slice_sum += 2 * ldexp(1, (int)(sl * (size_t)f.m.p.bits_per_cell)); /* two columns per slice */
    int any_diff = 0;
    for (size_t j = 0; j < C; j++) {
        double bound = coef_sum * slice_sum * f.m.w_step[j] / f.m.dg_S * lsb / 2;
        cr_expect(fabs(y[j] - yi[j]) <= bound * (1 + 1e-12), "output %zu: error %g > bound %g", j, fabs(y[j] - yi[j]),
                  bound);
        any_diff |= y[j] != yi[j];
    }
    cr_expect(any_diff, "a 6-bit ADC must change something");
    dac_cycles_destroy(&cyc);
    dac_destroy(&d);
    free(x);
    tile_free(t);
    tile_free(ti);
    fixture_free(&f);
}

Test(tile, pulse_width_on_nonlinear_cells_is_the_time_integral_of_the_column_currents)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 21);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "pulse_width");
    s.dac.bits = 4;
    s.sense.type = type_index(sense_type_names, "none");
    s.adc.type = type_index(adc_type_names, "ideal");
    s.array.cell.iv = CELL_IV_SINH;
    s.array.cell.v_nl_V = 0.1; /* strongly nonlinear at the 0.2 V read */
    tile *t = make_tile(&s, f.g);
    double *x = util_random_vec(R, 0, 1, 4), y[C];
    cr_assert_eq(tile_mvm(t, x, 0, y), CIM_OK, "%s", cim_errmsg());
    /* Brute force: the column currents of the rows still on at time tau, sampled at the midpoints of a fine grid
     * over the window, integrated, divided by the window, decoded. */
    dac d;
    dac_init(&d, &s.dac, NULL);
    dac_cycles cyc;
    dac_cycles_init(&cyc, &d, R);
    dac_encode(&d, x, 0, &cyc);
    cr_assert_eq(cyc.n, 1);
    const size_t steps = 15 * 64;
    double v[R], i_sum[64] = {0}, yb[C] = {0};
    cr_assert(f.phys <= 64);
    for (size_t k = 0; k < steps; k++) {
        double tau = (k + 0.5) * cyc.t_window_s / (double)steps;
        for (size_t r = 0; r < R; r++)
            v[r] = cyc.t_on_s[r] > tau ? cyc.v_V[r] : 0.0;
        for (size_t j = 0; j < f.phys; j++) {
            double sum = 0;
            for (size_t r = 0; r < R; r++)
                sum += cell_memory_i(&s.array.cell, f.g[r * f.phys + j], v[r], NULL);
            i_sum[j] += sum / (double)steps;
        }
    }
    mapping_decode_add(&f.m, 0, C, i_sum, cyc.coef[0], yb);
    for (size_t j = 0; j < C; j++)
        cr_expect(fabs(y[j] - yb[j]) <= 1e-9 * fabs(yb[j]) + 1e-15, "output %zu: %.12g vs %.12g", j, y[j], yb[j]);
    /* Linear cells: the same as the ideal amplitude encoding of the quantized inputs. */
    tile_spec sl = s;
    sl.array.cell.iv = CELL_IV_LINEAR;
    tile *tl = make_tile(&sl, f.g);
    double yl[C], xq[R], ya[C];
    cr_assert_eq(tile_mvm(tl, x, 0, yl), CIM_OK);
    tile_input_values(tl, xq);
    tile_spec sa = ideal_spec(&f);
    sa.sense.type = type_index(sense_type_names, "none");
    sa.adc.type = type_index(adc_type_names, "ideal");
    tile *ta = make_tile(&sa, f.g);
    cr_assert_eq(tile_mvm(ta, xq, 1.0, ya), CIM_OK);
    for (size_t j = 0; j < C; j++)
        cr_expect(fabs(yl[j] - ya[j]) <= 1e-12 * fabs(ya[j]) + 1e-15, "output %zu: %.17g vs %.17g", j, yl[j], ya[j]);
    dac_cycles_destroy(&cyc);
    dac_destroy(&d);
    free(x);
    tile_free(t);
    tile_free(tl);
    tile_free(ta);
    fixture_free(&f);
}

Test(tile, energy_is_the_sum_of_its_components_and_each_follows_its_formula)
{
    fixture f;
    fixture_make(&f, MAPPING_OFFSET, 8);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "bit_serial");
    s.dac.bits = 5;
    s.sense.type = type_index(sense_type_names, "tia");
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.bits = 5;
    s.adc.range = ADC_RANGE_MAX;
    tile *t = make_tile(&s, f.g);
    double *x = util_random_vec(R, -1, 1, 2), y[C];
    cr_assert_eq(tile_mvm(t, x, 0, y), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(tile_mvm(t, x, 0, y), CIM_OK, "%s", cim_errmsg());
    energy_tally e;
    tile_energy(t, &e);
    const energy_tally *a = xbar_energy(tile_xbar(t));
    const tile_stats *ts = tile_get_stats(t);
    double parts = 0;
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++)
        parts += energy_tally_J(&e, k);
    cr_expect(fabs(energy_tally_total_J(&e) - parts) <= 1e-15 * parts);
    cr_expect_eq(energy_tally_J(&e, ENERGY_READ), energy_tally_J(a, ENERGY_READ), "the array's reads are its own");
    /* counted events: cycles of the two MVMs */
    size_t cols = f.phys;
    cr_expect_eq(energy_tally_n(&e, ENERGY_ADC), ts->n_cycles * cols);
    cr_expect_eq(energy_tally_n(&e, ENERGY_SENSE), ts->n_cycles * cols);
    cr_expect_eq(energy_tally_n(&e, ENERGY_DAC), ts->n_cycles * R);
    cr_expect_eq(energy_tally_n(&e, ENERGY_READ), ts->n_reads);
    double e_adc = s.adc.fom_J * ldexp(1, 5), e_dac = 2 * s.dac.e_step_J;
    sense se;
    sense_init(&se, &s.sense, s.array.t_read_s);
    cr_expect(fabs(energy_tally_J(&e, ENERGY_ADC) - (double)(ts->n_cycles * cols) * e_adc) <= 1e-12 * e_adc);
    cr_expect(fabs(energy_tally_J(&e, ENERGY_DAC) - (double)(ts->n_cycles * R) * e_dac) <= 1e-12 * e_dac);
    cr_expect(fabs(energy_tally_J(&e, ENERGY_SENSE) - (double)(ts->n_cycles * cols) * s.sense.p_W * s.array.t_read_s) <=
              1e-12 * energy_tally_J(&e, ENERGY_SENSE));
    /* the read energy of linear cells with perfect wires: sum over reads of sum_i v_i^2 sum_j G_ij t_read */
    dac d;
    dac_init(&d, &s.dac, NULL);
    dac_cycles cyc;
    dac_cycles_init(&cyc, &d, R);
    dac_encode(&d, x, 0, &cyc);
    double e_read = 0;
    for (size_t c = 0; c < cyc.n; c++)
        for (size_t i = 0; i < R; i++)
            for (size_t j = 0; j < cols; j++)
                e_read += cyc.v_V[c * R + i] * cyc.v_V[c * R + i] * f.g[i * cols + j] * s.array.t_read_s;
    cr_expect(fabs(energy_tally_J(&e, ENERGY_READ) - 2 * e_read) <= 1e-12 * e_read, "%.17g vs %.17g",
              energy_tally_J(&e, ENERGY_READ), 2 * e_read);
    dac_cycles_destroy(&cyc);
    dac_destroy(&d);
    free(x);
    tile_free(t);
    fixture_free(&f);
}

Test(tile, a_calibrated_range_does_not_clip_its_own_samples_and_needs_calibrating)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 13);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "bit_serial");
    s.sense.type = type_index(sense_type_names, "none");
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.range = ADC_RANGE_CALIBRATED;
    s.adc.noise_lsb = s.adc.offset_lsb = s.adc.inl_lsb = 0;
    tile *t = make_tile(&s, f.g);
    double *x = util_random_vec(4 * R, -1, 1, 6), y[C];
    cr_expect_eq(tile_mvm(t, x, 1.0, y), CIM_ECONFIG, "an uncalibrated range is refused");
    cr_assert_eq(tile_calibrate(t, 4, x, 1.0), CIM_OK, "%s", cim_errmsg());
    for (size_t v = 0; v < 4; v++)
        cr_assert_eq(tile_mvm(t, x + v * R, 1.0, y), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(tile_get_stats(t)->n_adc_clipped, 0u);
    cr_expect_eq(tile_get_stats(t)->n_mvm, 4u);
    energy_tally e;
    tile_energy(t, &e);
    cr_expect_eq(energy_tally_n(&e, ENERGY_READ), tile_get_stats(t)->n_reads, "calibration reads are not the MVMs'");
    free(x);
    tile_free(t);
    fixture_free(&f);
}

Test(tile, latency_is_the_documented_sum_per_cycle)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 1);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "bit_serial");
    s.dac.bits = 4;
    s.dac.t_settle_s = 1e-9;
    s.sense.type = type_index(sense_type_names, "none");
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.bits = 6;
    s.adc.f_clk_Hz = 1e9;
    s.adc.cols_per_adc = 8;
    s.adc.range = ADC_RANGE_MAX;
    tile *t = make_tile(&s, f.g);
    double x[R], y[C];
    for (size_t i = 0; i < R; i++)
        x[i] = (double)i / R; /* all positive: one pass */
    cr_assert_eq(tile_mvm(t, x, 1.0, y), CIM_OK, "%s", cim_errmsg());
    double want = 4 * (1e-9 + s.array.t_read_s + 8 * 6 / 1e9);
    cr_expect(fabs(tile_latency_s(t) - want) <= 1e-15 * want, "%g vs %g", tile_latency_s(t), want);
    tile_free(t);
    fixture_free(&f);
}

Test(tile, the_same_seed_gives_the_same_bits_and_another_tile_other_noise)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 17);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "amplitude");
    s.dac.dnl_lsb = 0.2;
    s.sense.type = type_index(sense_type_names, "tia");
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.range = ADC_RANGE_MAX;
    s.adc.noise_lsb = 0.5;
    s.adc.offset_lsb = 0.3;
    double *x = util_random_vec(R, -1, 1, 23), y1[C], y2[C], y3[C];
    tile *a = make_tile(&s, f.g), *b = make_tile(&s, f.g);
    s.name = "tile1";
    tile *c = make_tile(&s, f.g);
    cr_assert_eq(tile_mvm(a, x, 0, y1), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(tile_mvm(b, x, 0, y2), CIM_OK);
    cr_assert_eq(tile_mvm(c, x, 0, y3), CIM_OK);
    cr_expect_eq(memcmp(y1, y2, sizeof y1), 0, "same seed, same name: same bits");
    cr_expect_neq(memcmp(y1, y3, sizeof y1), 0, "another tile draws other noise");
    free(x);
    tile_free(a);
    tile_free(b);
    tile_free(c);
    fixture_free(&f);
}

/* ---- the mapping with its DACs: end to end on an ideal array (the decode inverts the encoding) ---------------- */

typedef struct e2e {
    int scheme, weight_bits, bits_per_cell;
    const char *dac;
    int input_bits;
} e2e;

static void end_to_end(e2e c)
{
    const size_t RR = 37, CC = 23;
    mapping_params p;
    param_defaults(&mapping_group, &p);
    p.scheme = c.scheme;
    p.weight_bits = c.weight_bits;
    p.bits_per_cell = c.bits_per_cell;
    double *w = util_random_vec(RR * CC, -0.8, 1.13, 2024 + (unsigned long)c.weight_bits);
    double *x = util_random_vec(RR, -0.6, 2.385, 31 + (unsigned long)c.input_bits);
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, RR, CC), CIM_OK, "%s", cim_errmsg());
    const size_t P = mapping_phys_cols(&m, CC);
    double *g = malloc(RR * P * sizeof *g), *wq = malloc(RR * CC * sizeof *wq), y[CC];
    mapping_encode_weights(&m, w, g);
    mapping_quantized_weights(&m, w, wq);
    tile_spec s;
    memset(&s, 0, sizeof s);
    s.array = xbar_spec_default(RR, P);
    s.m = &m;
    s.nc = CC;
    s.dac = dac_params_default();
    s.dac.type = type_index(dac_type_names, c.dac);
    s.dac.bits = c.input_bits;
    s.sense = sense_params_default();
    s.sense.type = type_index(sense_type_names, "none");
    s.adc = adc_params_default();
    s.adc.type = type_index(adc_type_names, "ideal");
    s.seed = 1;
    s.name = "tile0";
    tile *t = make_tile(&s, g);
    cr_assert_eq(tile_mvm(t, x, 0, y), CIM_OK, "%s", cim_errmsg());

    /* The input quantizer of dac.h, written here. */
    double x_max = 0;
    for (size_t i = 0; i < RR; i++)
        x_max = fmax(x_max, fabs(x[i]));
    const int serial = strcmp(c.dac, "bit_serial") == 0;
    double x_step = serial ? x_max / (pow(2, c.input_bits) - 1) : 0, xq[RR], xq_tile[RR];
    tile_input_values(t, xq_tile);
    for (size_t i = 0; i < RR; i++) {
        xq[i] = serial ? copysign(nearbyint(fabs(x[i]) / x_step) * x_step, x[i]) : x[i];
        cr_expect(fabs(xq_tile[i] - xq[i]) <= 1e-13 * x_max, "x[%zu] %g: quantized %.17g vs %.17g", i, x[i], xq_tile[i],
                  xq[i]);
    }
    double e_w = 0.5 * m.w_step[0], e_x = 0.5 * x_step;
    for (size_t j = 0; j < CC; j++) {
        double yq = 0, mag = 0, yf = 0, bound = 0;
        for (size_t i = 0; i < RR; i++) {
            yq += wq[i * CC + j] * xq[i];
            mag += fabs(wq[i * CC + j] * xq[i]);
            yf += w[i * CC + j] * x[i];
            bound += e_w * (fabs(x[i]) + e_x) + fabs(w[i * CC + j]) * e_x;
        }
        cr_expect(fabs(y[j] - yq) <= 1e-12 * mag, "scheme %d B=%d b=%d %s Bi=%d, y[%zu] %.17g vs W_q^T x_q %.17g",
                  c.scheme, c.weight_bits, c.bits_per_cell, c.dac, c.input_bits, j, y[j], yq);
        cr_expect(fabs(y[j] - yf) <= bound + 1e-12 * mag, "y[%zu] %.17g vs W^T x %.17g: error beyond the bound %g", j,
                  y[j], yf, bound);
    }
    tile_free(t);
    mapping_destroy(&m);
    free(g);
    free(wq);
    free(w);
    free(x);
}

Test(tile, bit_serial_inputs_on_an_ideal_array_decode_to_the_quantized_product)
{
    const e2e cases[] = {
        {MAPPING_DIFFERENTIAL, 8, 2, "bit_serial", 8}, {MAPPING_DIFFERENTIAL, 4, 4, "bit_serial", 3},
        {MAPPING_DIFFERENTIAL, 7, 3, "bit_serial", 6}, {MAPPING_DIFFERENTIAL, 1, 1, "bit_serial", 1},
        {MAPPING_OFFSET, 8, 2, "bit_serial", 8},       {MAPPING_OFFSET, 5, 5, "bit_serial", 4},
        {MAPPING_OFFSET, 12, 4, "bit_serial", 10},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        end_to_end(cases[k]);
}

Test(tile, analog_inputs_on_an_ideal_array_decode_to_the_quantized_weights_times_x)
{
    const e2e cases[] = {
        {MAPPING_DIFFERENTIAL, 8, 2, "ideal", 8},
        {MAPPING_DIFFERENTIAL, 6, 6, "ideal", 8},
        {MAPPING_OFFSET, 8, 4, "ideal", 8},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        end_to_end(cases[k]);
}

/* ---- differential pairs subtracted in the analog domain (sense.pair = "analog") ------------------------------ */

Test(tile, analog_pairs_with_ideal_converters_give_the_digital_pairs_outputs_bit_for_bit)
{
    const char *dacs[] = {"ideal", "bit_serial", "pulse_width"};
    for (int k = 0; k < 3; k++) {
        fixture f;
        fixture_make(&f, MAPPING_DIFFERENTIAL, 31 + (unsigned long)k);
        tile_spec s = ideal_spec(&f);
        s.dac.type = type_index(dac_type_names, dacs[k]);
        s.dac.bits = 5;
        s.sense.type = type_index(sense_type_names, "none");
        s.adc.type = type_index(adc_type_names, "ideal");
        tile_spec sa = s;
        sa.sense.pair = SENSE_PAIR_ANALOG;
        tile *t = make_tile(&s, f.g), *ta = make_tile(&sa, f.g);
        double *x = util_random_vec(R, -1, 1, 17), y[C], ya[C];
        cr_assert_eq(tile_mvm(t, x, 0, y), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(tile_mvm(ta, x, 0, ya), CIM_OK, "%s", cim_errmsg());
        /* (I+ - I-) - 0 is I+ - I- exactly: the decode sees the same numbers */
        for (size_t j = 0; j < C; j++)
            cr_expect_eq(ya[j], y[j], "%s, output %zu: %.17g vs %.17g", dacs[k], j, ya[j], y[j]);
        free(x);
        tile_free(t);
        tile_free(ta);
        fixture_free(&f);
    }
}

Test(tile, analog_pairs_halve_the_conversions_sense_events_shift_adds_and_converters)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 41);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "bit_serial");
    s.dac.bits = 4;
    s.sense.type = type_index(sense_type_names, "tia");
    s.sense.area_um2 = 3;
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.bits = 6;
    s.adc.range = ADC_RANGE_MAX;
    s.adc.cols_per_adc = 4;
    s.adc.area_um2 = 100;
    s.dac.area_um2 = 0.5;
    tile_spec sa = s;
    sa.sense.pair = SENSE_PAIR_ANALOG;
    tile *t = make_tile(&s, f.g), *ta = make_tile(&sa, f.g);
    double *x = util_random_vec(R, 0, 1, 3), y[C];
    cr_assert_eq(tile_mvm(t, x, 1.0, y), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(tile_mvm(ta, x, 1.0, y), CIM_OK, "%s", cim_errmsg());
    energy_tally e, ea;
    tile_energy(t, &e);
    tile_energy(ta, &ea);
    const size_t cycles = 4, cols = f.phys, pairs = f.phys / 2; /* one pass of 4 bits */
    cr_assert_eq(tile_get_stats(ta)->n_cycles, cycles);
    cr_expect_eq(tile_get_stats(t)->n_conversions, cycles * cols);
    cr_expect_eq(tile_get_stats(ta)->n_conversions, cycles * pairs);
    cr_expect_eq(energy_tally_n(&ea, ENERGY_ADC), cycles * pairs);
    cr_expect_eq(energy_tally_n(&ea, ENERGY_SENSE), cycles * pairs);
    cr_expect_eq(energy_tally_n(&ea, ENERGY_DIGITAL), cycles * pairs);
    cr_expect_eq(energy_tally_n(&e, ENERGY_ADC), cycles * cols);
    double e_adc = s.adc.fom_J * 64;
    cr_expect(fabs(energy_tally_J(&ea, ENERGY_ADC) - (double)(cycles * pairs) * e_adc) <= 1e-12 * e_adc);
    /* the DACs and the array are the same */
    cr_expect_eq(energy_tally_n(&ea, ENERGY_DAC), cycles * R);
    cr_expect_eq(energy_tally_J(&ea, ENERGY_READ), energy_tally_J(&e, ENERGY_READ));
    /* area: R DACs, ceil(channels / 4) ADCs, one sense stage per channel; 40 columns = 20 pairs */
    cr_assert_eq(cols, 40u);
    cr_expect(fabs(tile_periphery_area_um2(t) - (R * 0.5 + 10 * 100 + 40 * 3)) <= 1e-9);
    cr_expect(fabs(tile_periphery_area_um2(ta) - (R * 0.5 + 5 * 100 + 20 * 3)) <= 1e-9);
    free(x);
    tile_free(t);
    tile_free(ta);
    fixture_free(&f);
}

Test(tile, analog_pairs_quantize_each_difference_once_on_a_signed_range)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 43);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "bit_serial");
    s.dac.bits = 3;
    s.sense.type = type_index(sense_type_names, "none");
    s.sense.pair = SENSE_PAIR_ANALOG;
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.bits = 5;
    s.adc.range = ADC_RANGE_MAX;
    s.adc.noise_lsb = s.adc.offset_lsb = s.adc.inl_lsb = 0;
    tile *t = make_tile(&s, f.g);
    /* the signed "max" range: lsb = hi / (2^4 - 1), codes -16 .. 15 */
    const double hi = R * f.m.level_S[f.m.n_levels - 1] * s.dac.v_read_V, lsb = hi / 15;
    const tile_stats *ts = tile_get_stats(t);
    cr_expect(fabs(ts->adc_hi_A - hi) <= 1e-15 * hi, "hi %g vs %g", ts->adc_hi_A, hi);
    cr_expect(fabs(ts->adc_lo_A - (-16 * lsb)) <= 1e-15 * hi, "lo %g vs %g", ts->adc_lo_A, -16 * lsb);
    double *x = util_random_vec(R, -1, 1, 23), y[C];
    cr_assert_eq(tile_mvm(t, x, 0, y), CIM_OK, "%s", cim_errmsg());
    /* By hand: each cycle's ideal column currents, each pair's difference rounded to a multiple of lsb (0 is the
     * code 16 of lo = -16 lsb), decoded as (q, 0). */
    dac d;
    dac_init(&d, &s.dac, NULL);
    dac_cycles cyc;
    dac_cycles_init(&cyc, &d, R);
    dac_encode(&d, x, 0, &cyc);
    double i[64], yh[C] = {0};
    cr_assert(f.phys <= 64);
    int any_negative = 0;
    for (size_t c = 0; c < cyc.n; c++) {
        crossbar_ideal_mvm(f.g, R, f.phys, cyc.v_V + c * R, i, NULL);
        for (size_t k = 0; k < f.phys / 2; k++) {
            double diff = i[2 * k] - i[2 * k + 1];
            any_negative |= diff < -lsb;
            i[2 * k] = lsb * fmin(fmax(round(diff / lsb), -16), 15), i[2 * k + 1] = 0;
        }
        mapping_decode_add(&f.m, 0, C, i, cyc.coef[c], yh);
    }
    cr_expect(any_negative, "the test needs negative differences to show the range is signed");
    cr_expect_eq(tile_get_stats(t)->n_adc_clipped, 0u);
    double scale = 0;
    for (size_t j = 0; j < C; j++)
        scale = fmax(scale, fabs(yh[j]));
    for (size_t j = 0; j < C; j++)
        cr_expect(fabs(y[j] - yh[j]) <= 1e-12 * scale, "output %zu: %.17g vs %.17g", j, y[j], yh[j]);
    /* an idle tile reads exactly 0 */
    double zero[R] = {0};
    cr_assert_eq(tile_mvm(t, zero, 1.0, y), CIM_OK);
    for (size_t j = 0; j < C; j++)
        cr_expect_eq(y[j], 0.0);
    dac_cycles_destroy(&cyc);
    dac_destroy(&d);
    free(x);
    tile_free(t);
    fixture_free(&f);
}

Test(tile, analog_pairs_take_the_sense_noise_once_per_pair)
{
    /* One cycle (ideal DAC, positive inputs), a tia whose noise sigma_A is the only error, an ideal ADC.  Output j's
     * error is coef step_j / dg sum_s 2^(s b) n_s: one draw n_s per pair (variance sigma^2 sum_s 4^(s b)), or
     * n+_s - n-_s per pair when each column has its own stage (twice that). */
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 47);
    tile_spec s = ideal_spec(&f);
    s.sense.type = type_index(sense_type_names, "tia");
    s.adc.type = type_index(adc_type_names, "ideal");
    tile_spec sa = s;
    sa.sense.pair = SENSE_PAIR_ANALOG;
    tile *t = make_tile(&s, f.g), *ta = make_tile(&sa, f.g);
    tile_spec si = s;
    si.sense.type = type_index(sense_type_names, "none");
    tile *ti = make_tile(&si, f.g);
    sense se;
    cr_assert_eq(sense_init(&se, &s.sense, s.array.t_read_s), CIM_OK);
    double s4 = 0;
    for (size_t sl = 0; sl < f.m.n_slices; sl++)
        s4 += ldexp(1, 2 * (int)(sl * (size_t)f.m.p.bits_per_cell));
    const double coef = 1.0 / s.dac.v_read_V; /* x_max 1 */
    double *x = util_random_vec(R, 0, 1, 29), y[C], ya[C], yi[C];
    cr_assert_eq(tile_mvm(ti, x, 1.0, yi), CIM_OK);
    const int n = 1000;
    double z2 = 0, z2a = 0;
    for (int v = 0; v < n; v++) {
        cr_assert_eq(tile_mvm(t, x, 1.0, y), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(tile_mvm(ta, x, 1.0, ya), CIM_OK, "%s", cim_errmsg());
        for (size_t j = 0; j < C; j++) {
            double sd = coef * f.m.w_step[j] / f.m.dg_S * se.sigma_A * sqrt(s4); /* one draw per pair */
            z2 += pow((y[j] - se.gain * yi[j]) / sd, 2);
            z2a += pow((ya[j] - se.gain * yi[j]) / sd, 2);
        }
    }
    z2 /= n * C, z2a /= n * C;
    /* 5000 squared unit normals: mean 1, sd 0.02; 0.1 is 5 sd */
    cr_expect(fabs(z2a - 1) <= 0.1, "analog pairs: mean z^2 %g, want 1", z2a);
    cr_expect(fabs(z2 - 2) <= 0.2, "digital pairs: mean z^2 %g, want 2", z2);
    cr_expect_eq(tile_get_stats(ta)->n_sense_saturated, 0u);
    free(x);
    tile_free(t);
    tile_free(ta);
    tile_free(ti);
    fixture_free(&f);
}

Test(tile, analog_pairs_calibrate_a_signed_range_and_need_a_differential_mapping)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 53);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "ideal");
    s.sense.type = type_index(sense_type_names, "none");
    s.sense.pair = SENSE_PAIR_ANALOG;
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.range = ADC_RANGE_CALIBRATED;
    s.adc.noise_lsb = s.adc.offset_lsb = s.adc.inl_lsb = 0;
    tile *t = make_tile(&s, f.g);
    double *x = util_random_vec(4 * R, 0, 1, 8), y[C];
    cr_assert_eq(tile_calibrate(t, 4, x, 1.0), CIM_OK, "%s", cim_errmsg());
    /* the range is [min, max] of the pairs' differences (and 0), by hand */
    double lo = 0, hi = 0, i[64];
    for (size_t v = 0; v < 4; v++) {
        double vr[R];
        for (size_t r = 0; r < R; r++)
            vr[r] = x[v * R + r] * s.dac.v_read_V;
        crossbar_ideal_mvm(f.g, R, f.phys, vr, i, NULL);
        for (size_t k = 0; k < f.phys / 2; k++)
            lo = fmin(lo, i[2 * k] - i[2 * k + 1]), hi = fmax(hi, i[2 * k] - i[2 * k + 1]);
    }
    cr_expect(lo < 0 && hi > 0, "signed differences: [%g, %g]", lo, hi);
    const tile_stats *ts = tile_get_stats(t);
    cr_expect(fabs(ts->adc_lo_A - lo) <= 1e-12 * hi && fabs(ts->adc_hi_A - hi) <= 1e-12 * hi, "[%g, %g] vs [%g, %g]",
              ts->adc_lo_A, ts->adc_hi_A, lo, hi);
    for (size_t v = 0; v < 4; v++)
        cr_assert_eq(tile_mvm(t, x + v * R, 1.0, y), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(tile_get_stats(t)->n_adc_clipped, 0u);
    tile_free(t);
    /* refused: an offset mapping has no pairs; a 1-bit signed "max" range has no code for 0 and hi */
    fixture fo;
    fixture_make(&fo, MAPPING_OFFSET, 53);
    tile_spec so = ideal_spec(&fo);
    so.sense.pair = SENSE_PAIR_ANALOG;
    tile *bad = NULL;
    cr_expect_eq(tile_new(&bad, &so), CIM_ECONFIG);
    cr_expect_null(bad);
    s.adc.range = ADC_RANGE_MAX;
    s.adc.bits = 1;
    cr_expect_eq(tile_new(&bad, &s), CIM_ECONFIG);
    cr_expect_null(bad);
    s.adc.bits = 2;
    cr_expect_eq(tile_new(&bad, &s), CIM_OK, "%s", cim_errmsg());
    tile_free(bad);
    free(x);
    fixture_free(&f);
    fixture_free(&fo);
}

/* ---- latency: converters that integrate during the read --------------------------------------------------- */

Test(tile, a_cco_counts_during_the_read_window_and_an_integrating_adc_its_first_slope)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 59);
    tile_spec s = ideal_spec(&f);
    s.dac.type = type_index(dac_type_names, "pulse_width");
    s.dac.bits = 4;      /* window 15 x 1 ns */
    s.dac.t_lsb_s = 1e-9;
    s.dac.t_settle_s = 1e-9;
    s.sense.type = type_index(sense_type_names, "none");
    s.adc.type = type_index(adc_type_names, "cco");
    s.adc.range = ADC_RANGE_MAX;
    double x[R], y[C];
    for (size_t i = 0; i < R; i++)
        x[i] = (double)(i + 1) / R; /* positive: one pass, one cycle */
    struct {
        int adc_bits;
        long long per_adc;
        double want_s;
    } cases[] = {
        {4, 1, 1e-9 + 15e-9},                    /* 16 x 0.3 ns = 4.8 ns counted within the 15 ns window */
        {6, 1, 1e-9 + 19.2e-9},                  /* 64 x 0.3 ns = 19.2 ns: the window ends first */
        {4, 2, 1e-9 + 2 * 15e-9},                /* the second column is counted through a window of its own */
    };
    for (size_t k = 0; k < 3; k++) {
        s.adc.bits = cases[k].adc_bits;
        s.adc.cols_per_adc = cases[k].per_adc;
        tile *t = make_tile(&s, f.g);
        cr_assert_eq(tile_mvm(t, x, 1.0, y), CIM_OK, "%s", cim_errmsg());
        cr_expect(fabs(tile_latency_s(t) - cases[k].want_s) <= 1e-12 * cases[k].want_s, "case %zu: %g vs %g", k,
                  tile_latency_s(t), cases[k].want_s);
        /* Energy: each conversion spans the steps the counter reaches in its count time, max(2^N, 15 ns / 0.3 ns),
         * at fom_J each -- 50 steps at 4 bits (the window is longer than 16 counts), 64 at 6 bits. */
        double steps = fmax((double)(1LL << cases[k].adc_bits), 15e-9 / 300e-12);
        energy_tally e;
        tile_energy(t, &e);
        const tile_stats *ts = tile_get_stats(t);
        double want_J = (double)ts->n_conversions * s.adc.fom_J * steps;
        cr_expect(ts->n_conversions > 0);
        cr_expect(fabs(energy_tally_J(&e, ENERGY_ADC) - want_J) <= 1e-12 * want_J, "case %zu: %g J vs %g J", k,
                  energy_tally_J(&e, ENERGY_ADC), want_J);
        tile_free(t);
    }
    /* dual slope, 4 bits at 1 GHz: 16 ns integrating (overlapping a 10 ns read) + 16 ns de-integrating; bit-serial
     * 4 bits = 4 cycles of 1 + 10 + 32 - 10 ns */
    tile_spec si = ideal_spec(&f);
    si.dac.type = type_index(dac_type_names, "bit_serial");
    si.dac.bits = 4;
    si.dac.t_settle_s = 1e-9;
    si.array.t_read_s = 10e-9;
    si.sense.type = type_index(sense_type_names, "none");
    si.adc.type = type_index(adc_type_names, "integrating");
    si.adc.bits = 4;
    si.adc.f_clk_Hz = 1e9;
    si.adc.cols_per_adc = 1;
    si.adc.range = ADC_RANGE_MAX;
    tile *t = make_tile(&si, f.g);
    cr_assert_eq(tile_mvm(t, x, 1.0, y), CIM_OK, "%s", cim_errmsg());
    double want = 4 * (1e-9 + 10e-9 + 32e-9 - 10e-9);
    cr_expect(fabs(tile_latency_s(t) - want) <= 1e-12 * want, "%g vs %g", tile_latency_s(t), want);
    tile_free(t);
    fixture_free(&f);
}

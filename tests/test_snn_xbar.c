/* tests/test_snn_xbar.c -- event-driven crossbar reads, the weight matrix on tiles, the crossbar synapse bank and
 * STDP through the devices.
 *
 *  - xbar_read_rows without wires is the dense Kirchhoff sum of the same rows, bit for bit (and an independent sum
 *    of the listed rows to rounding); its energy is v^2 sum over the listed rows of sum_j G_ij t_read (closed form);
 *  - with wires, the event read through the effective matrix equals a full circuit solve of the same active rows
 *    (PCG, and CHOLMOD's direct factorization) to solver tolerance, currents and energy; nonlinear cells fall back
 *    to the dense read (bit for bit);
 *  - tile_read_events equals tile_mvm of the 0/1 vector with a 1-bit DAC bit for bit, with ideal converters and with
 *    noisy ones (same streams); it costs one 1-bit driver event per driven row; analog outputs skip the ADC and carry
 *    the integrator's kT/C noise (variance against the closed form) and saturation;
 *  - tiled_read_events over several tiles sums the listed rows of the quantized weights and reads only the tiles
 *    whose row block holds a spike;
 *  - the "xbar" bank with ideal converters and no wires gives the weights back: weights() is W_q exactly, events of
 *    one source give its row of W_q to rounding, W_q within half a code step of W, and W on the code grid exactly
 *    (to rounding);
 *  - STDP: the traces give the exponential windows (hand arithmetic); through VTEAM cells a causal pairing raises
 *    G+ and an anti-causal one lowers it by exactly the pulses the pending-amount rule predicts, each the device's
 *    own closed-form pulse; equal numbers of potentiating and depressing events do not cancel (reported). */
#include "core/status.h"
#include "crossbar/ideal.h"
#include "crossbar/mapping.h"
#include "crossbar/xbar.h"
#include "device/inverse.h"
#include "periph/tile.h"
#include "periph/tiled.h"
#include "snn/stdp.h"
#include "snn/synapse_xbar.h"
#include "tests/devbind.h"
#include "tests/tilefix.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define type_index tilefix_type

/* Row sets exercising the 8-row blocks of the dense kernel: none, one, two in one block, a full block, one per
 * block, the tail, and random subsets. */
#define N_SETS 9
static size_t row_set(size_t which, size_t M, unsigned long seed, size_t *rows)
{
    size_t n = 0;
    switch (which) {
    case 0: return 0;
    case 1: rows[n++] = 5; return n;
    case 2: rows[n++] = 3, rows[n++] = 4; return n;
    case 3: for (size_t i = 8; i < 16; i++) rows[n++] = i; return n;
    case 4: for (size_t i = 1; i < M; i += 8) rows[n++] = i; return n;
    case 5: rows[n++] = M - 2, rows[n++] = M - 1; return n;
    case 6: for (size_t i = 0; i < M; i++) rows[n++] = i; return n;
    default: {
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(r, seed + which);
        for (size_t i = 0; i < M; i++)
            if (gsl_rng_uniform(r) < 0.3)
                rows[n++] = i;
        gsl_rng_free(r);
        return n;
    }
    }
}

static void dense_of(const size_t *rows, size_t n, size_t M, double v, double *dense)
{
    for (size_t i = 0; i < M; i++)
        dense[i] = 0;
    for (size_t k = 0; k < n; k++)
        dense[rows[k]] = v;
}

/* ---- xbar_read_rows ----------------------------------------------------------------------------------- */

Test(events, without_wires_an_event_read_is_the_dense_kirchhoff_sum_bit_for_bit)
{
    const size_t M = 37, N = 23; /* 4 full blocks of 8 rows and a tail of 5 */
    const double v = 0.2;
    double *g = util_random_vec(M * N, 1e-6, 100e-6, 3);
    for (int access = 0; access < 2; access++) {
        xbar_spec s = xbar_spec_default(M, N);
        s.cell.type = access ? CELL_1T1R : CELL_1R;
        xbar *a, *b;
        cr_assert_eq(xbar_new(&a, &s), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(xbar_new(&b, &s), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(xbar_read_path(a), XBAR_READ_SUM);
        cr_assert_eq(xbar_set_conductances(a, g), CIM_OK);
        cr_assert_eq(xbar_set_conductances(b, g), CIM_OK);
        double *glin = malloc(M * N * sizeof *glin);
        cr_assert_eq(xbar_conductances(a, glin), CIM_OK);
        size_t rows[64];
        double dense[64], ie[32], id[32];
        for (size_t set = 0; set < N_SETS; set++) {
            size_t n = row_set(set, M, 100, rows);
            dense_of(rows, n, M, v, dense);
            double e0a = energy_tally_J(xbar_energy(a), ENERGY_READ), e0b = energy_tally_J(xbar_energy(b), ENERGY_READ);
            cr_assert_eq(xbar_read_rows(a, rows, n, v, ie), CIM_OK, "%s", cim_errmsg());
            cr_assert_eq(xbar_read(b, dense, id), CIM_OK);
            double ea = energy_tally_J(xbar_energy(a), ENERGY_READ) - e0a;
            double eb = energy_tally_J(xbar_energy(b), ENERGY_READ) - e0b;
            double g_rows = 0; /* closed form: v^2 sum over the listed rows of sum_j G_ij, times t_read */
            for (size_t j = 0; j < N; j++) {
                cr_assert(ie[j] == id[j], "set %zu column %zu: event %.17g, dense %.17g", set, j, ie[j], id[j]);
                double want = 0; /* the listed rows of G (1t1r: in series with r_on), added by hand */
                for (size_t k = 0; k < n; k++)
                    want += glin[rows[k] * N + j] * v;
                cr_assert(fabs(ie[j] - want) <= 1e-14 * fabs(want), "set %zu column %zu", set, j);
            }
            for (size_t k = 0; k < n; k++)
                for (size_t j = 0; j < N; j++)
                    g_rows += glin[rows[k] * N + j];
            cr_assert(ea == eb, "set %zu: event energy %.17g, dense %.17g", set, ea, eb);
            double closed = v * v * g_rows * s.t_read_s;
            cr_assert(fabs(ea - closed) <= 1e-13 * closed + 1e-300, "set %zu: %.17g vs %.17g", set, ea, closed);
        }
        cr_assert_eq(xbar_energy(a)->n[ENERGY_READ], N_SETS, "one read event per event read");
        free(glin);
        xbar_free(a);
        xbar_free(b);
    }
    free(g);
}

/* An xbar of the same conductances with wires, solved per read (reuse 0) or through G_eff (reuse 1). */
static xbar *wired(size_t M, size_t N, const double *g, int reuse, int method, int iv)
{
    xbar_spec s = xbar_spec_default(M, N);
    s.wires = (circuit_wires){2.5, 2.5, 10.0, 10.0};
    s.opts.rtol = 1e-13;
    s.opts.method = method;
    s.reuse = reuse;
    s.cell.iv = iv;
    xbar *x;
    cr_assert_eq(xbar_new(&x, &s), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(xbar_set_conductances(x, g), CIM_OK);
    return x;
}

Test(events, with_wires_the_effective_matrix_read_equals_a_circuit_solve_of_the_same_rows)
{
    const size_t M = 40, N = 24;
    const double v = 0.2;
    double *g = util_random_vec(M * N, 1e-6, 100e-6, 5);
    xbar *ev = wired(M, N, g, 1, CIRCUIT_AUTO, CELL_IV_LINEAR);       /* event reads through G_eff */
    xbar *pcg = wired(M, N, g, 0, CIRCUIT_PCG, CELL_IV_LINEAR);       /* a PCG solve per read */
    xbar *chol = wired(M, N, g, 0, CIRCUIT_DIRECT, CELL_IV_LINEAR);   /* CHOLMOD per read */
    size_t rows[64];
    double dense[64], ie[32], ip[32], ic[32], id[32];
    for (size_t set = 0; set < N_SETS; set++) {
        size_t n = row_set(set, M, 200, rows);
        if (n == 0)
            continue; /* a solve of nothing has no scale to compare against */
        dense_of(rows, n, M, v, dense);
        double e0 = energy_tally_J(xbar_energy(ev), ENERGY_READ), p0 = energy_tally_J(xbar_energy(pcg), ENERGY_READ);
        double c0 = energy_tally_J(xbar_energy(chol), ENERGY_READ);
        cr_assert_eq(xbar_read_rows(ev, rows, n, v, ie), CIM_OK, "%s", cim_errmsg());
        double e_ev = energy_tally_J(xbar_energy(ev), ENERGY_READ) - e0;
        cr_assert_eq(xbar_read_rows(pcg, rows, n, v, ip), CIM_OK, "%s", cim_errmsg()); /* falls back: a solve */
        cr_assert_eq(xbar_read(chol, dense, ic), CIM_OK, "%s", cim_errmsg());
        double e_p = energy_tally_J(xbar_energy(pcg), ENERGY_READ) - p0;
        double e_c = energy_tally_J(xbar_energy(chol), ENERGY_READ) - c0;
        double r1 = util_max_rel(ie, ip, N), r2 = util_max_rel(ie, ic, N);
        cr_assert_lt(r1, 1e-9, "set %zu: G_eff vs PCG solve %g", set, r1);
        cr_assert_lt(r2, 1e-9, "set %zu: G_eff vs CHOLMOD %g", set, r2);
        cr_assert_lt(fabs(e_ev - e_c) / e_c, 1e-9, "set %zu: energy %g vs %g", set, e_ev, e_c);
        cr_assert_lt(fabs(e_p - e_c) / e_c, 1e-9, "set %zu", set);
        /* and bit for bit the same xbar's dense read through G_eff, power included */
        double p_ev = xbar_last_power_W(ev);
        cr_assert_eq(xbar_read(ev, dense, id), CIM_OK);
        for (size_t j = 0; j < N; j++)
            cr_assert(ie[j] == id[j], "set %zu column %zu", set, j);
        cr_assert(xbar_last_power_W(ev) == p_ev, "set %zu: the dense read's power %.17g, the event read's %.17g", set,
                  xbar_last_power_W(ev), p_ev);
    }
    /* The effective path really is the sum of rows: its solves are the characterisation's M unit solves only. */
    cr_assert_eq(xbar_stats(ev)->n_solves, M);
    xbar_free(ev);
    xbar_free(pcg);
    xbar_free(chol);
    free(g);
}

Test(events, nonlinear_cells_fall_back_to_the_dense_read)
{
    const size_t M = 19, N = 11;
    const double v = 0.3;
    double *g = util_random_vec(M * N, 1e-6, 100e-6, 9);
    for (int wires = 0; wires < 2; wires++) {
        xbar *a = wires ? wired(M, N, g, 1, CIRCUIT_AUTO, CELL_IV_SINH) : NULL, *b;
        if (!wires) {
            xbar_spec s = xbar_spec_default(M, N);
            s.cell.iv = CELL_IV_SINH;
            cr_assert_eq(xbar_new(&a, &s), CIM_OK);
            cr_assert_eq(xbar_set_conductances(a, g), CIM_OK);
            cr_assert_eq(xbar_new(&b, &s), CIM_OK);
            cr_assert_eq(xbar_set_conductances(b, g), CIM_OK);
        } else
            b = wired(M, N, g, 1, CIRCUIT_AUTO, CELL_IV_SINH);
        cr_assert_eq(xbar_read_path(a), wires ? XBAR_READ_NEWTON : XBAR_READ_DIRECT);
        size_t rows[32];
        double dense[32], ie[16], id[16];
        for (size_t set = 1; set < N_SETS; set++) {
            size_t n = row_set(set, M, 300, rows);
            dense_of(rows, n, M, v, dense);
            cr_assert_eq(xbar_read_rows(a, rows, n, v, ie), CIM_OK, "%s", cim_errmsg());
            cr_assert_eq(xbar_read(b, dense, id), CIM_OK);
            for (size_t j = 0; j < N; j++)
                cr_assert(ie[j] == id[j], "wires %d set %zu column %zu", wires, set, j);
            cr_assert(energy_tally_J(xbar_energy(a), ENERGY_READ) == energy_tally_J(xbar_energy(b), ENERGY_READ));
        }
        xbar_free(a);
        xbar_free(b);
    }
    free(g);
}

Test(events, rows_out_of_order_or_range_are_refused)
{
    xbar_spec s = xbar_spec_default(8, 4);
    xbar *x;
    cr_assert_eq(xbar_new(&x, &s), CIM_OK);
    double i[4];
    size_t desc[] = {3, 2}, dup[] = {2, 2}, out[] = {1, 8};
    cr_assert_eq(xbar_read_rows(x, desc, 2, 0.1, i), CIM_EINVAL);
    cr_assert_eq(xbar_read_rows(x, dup, 2, 0.1, i), CIM_EINVAL);
    cr_assert_eq(xbar_read_rows(x, out, 2, 0.1, i), CIM_EINVAL);
    cr_assert_eq(xbar_read_rows(x, desc + 1, 1, NAN, i), CIM_EINVAL);
    xbar_free(x);
}

/* ---- tile_read_events ----------------------------------------------------------------------------------- */

#define TR 27 /* tile rows */
#define TC 5  /* outputs */

typedef tilefix fixture;

static void fixture_make(fixture *f, int scheme, long long weight_bits, long long bits_per_cell, unsigned long seed)
{
    mapping_params p;
    param_defaults(&mapping_group, &p);
    p.scheme = scheme;
    p.weight_bits = weight_bits;
    p.bits_per_cell = bits_per_cell;
    tilefix_make(f, TR, TC, &p, seed);
}

/* A tile of the fixture: a 1-bit bit-serial DAC, ideal sense and ADC unless asked. */
static tile_spec spec_of(const fixture *f, int wires)
{
    tile_spec s = tilefix_spec(f);
    if (wires) {
        s.array.wires = (circuit_wires){1.0, 1.0, 5.0, 5.0};
        s.array.opts.rtol = 1e-12;
        s.array.reuse = 1;
    }
    s.dac.type = type_index(dac_type_names, "bit_serial");
    s.dac.bits = 1;
    s.seed = 11;
    return s;
}

#define make_tile tilefix_tile
#define fixture_free tilefix_free

Test(tile_events, an_event_read_is_tile_mvm_of_the_indicator_with_a_1bit_dac_bit_for_bit)
{
    /* Converters: ideal; then a tia with noise and a SAR ADC with offset and noise (the same streams in both tiles,
     * so the same draws in the same order); perfect wires, then wires through the effective matrix. */
    for (int scheme = 0; scheme < 2; scheme++)
        for (int noisy = 0; noisy < 2; noisy++)
            for (int wires = 0; wires < 2; wires++) {
                fixture f;
                fixture_make(&f, scheme, 8, 2, 21 + (unsigned long)scheme);
                tile_spec s = spec_of(&f, wires);
                if (noisy) {
                    s.sense.type = type_index(sense_type_names, "tia");
                    s.adc.type = type_index(adc_type_names, "sar");
                    s.adc.bits = 6;
                    s.adc.range = ADC_RANGE_MAX;
                    s.adc.noise_lsb = 0.3;
                    s.adc.offset_lsb = 0.5;
                }
                tile *te = make_tile(&s, f.g), *tm = make_tile(&s, f.g);
                size_t rows[TR];
                double x[TR], ye[TC], ym[TC];
                for (size_t set = 0; set < N_SETS; set++) {
                    size_t n = row_set(set, TR, 400, rows);
                    dense_of(rows, n, TR, 1.0, x);
                    if (n == 0)
                        continue; /* no rows: tile_read_events reads nothing (below) */
                    cr_assert_eq(tile_read_events(te, rows, n, ye), CIM_OK, "%s", cim_errmsg());
                    cr_assert_eq(tile_mvm(tm, x, 1.0, ym), CIM_OK, "%s", cim_errmsg());
                    for (size_t j = 0; j < TC; j++)
                        cr_assert(ye[j] == ym[j], "scheme %d noisy %d wires %d set %zu output %zu: %.17g vs %.17g",
                                  scheme, noisy, wires, set, j, ye[j], ym[j]);
                }
                /* The array and the sense stage, ADC and digital logic cost the same; only the drivers differ. */
                energy_tally a, b;
                tile_energy(te, &a);
                tile_energy(tm, &b);
                for (int c = 0; c < ENERGY_N_CATEGORIES; c++)
                    if (c != ENERGY_DAC)
                        cr_assert(energy_tally_J(&a, c) == energy_tally_J(&b, c) && a.n[c] == b.n[c],
                                  "category %d", c);
                tile_free(te);
                tile_free(tm);
                fixture_free(&f);
            }
}

Test(tile_events, an_event_read_costs_one_1bit_driver_event_per_driven_row)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 8, 2, 31);
    tile_spec s = spec_of(&f, 0);
    s.dac.type = type_index(dac_type_names, "amplitude"); /* whatever it encodes, events switch 1-bit drivers */
    s.dac.bits = 6;
    s.sense.type = type_index(sense_type_names, "tia");
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.range = ADC_RANGE_MAX;
    tile *t = make_tile(&s, f.g);
    size_t rows[] = {0, 4, 9, 26}, total = 0, reads = 0;
    double y[TC];
    for (size_t n = 0; n <= 4; n++) {
        cr_assert_eq(tile_read_events(t, rows, n, y), CIM_OK, "%s", cim_errmsg());
        total += n;
        reads += n > 0;
    }
    energy_tally e;
    tile_energy(t, &e);
    const tile_stats *st = tile_get_stats(t);
    cr_assert_eq(e.n[ENERGY_DAC], total);
    cr_assert_float_eq(energy_tally_J(&e, ENERGY_DAC), (double)total * 2 * s.dac.e_step_J, 1e-27);
    cr_assert_eq(st->n_event_reads, reads, "a read without rows reads nothing");
    cr_assert_eq(st->n_row_pulses, total);
    cr_assert_eq(e.n[ENERGY_READ], reads);
    cr_assert_eq(e.n[ENERGY_ADC], reads * f.phys, "one conversion per column per read");
    cr_assert_eq(e.n[ENERGY_SENSE], reads * f.phys);
    cr_assert_eq(e.n[ENERGY_DIGITAL], reads * f.phys);
    cr_assert_eq(st->n_conversions, reads * f.phys);
    tile_free(t);
    fixture_free(&f);
}

Test(tile_events, an_analog_output_skips_the_adc_and_carries_the_integrator_noise_and_saturation)
{
    fixture f;
    fixture_make(&f, MAPPING_DIFFERENTIAL, 4, 4, 41); /* one slice: a pair per output */
    tile_spec s = spec_of(&f, 0);
    s.sense.type = type_index(sense_type_names, "integrator");
    s.sense.c_F = 5e-12; /* holds 4 rows of 100 uS at 0.2 V for 10 ns below v_sat (80 uA < 250 uA) */
    s.adc.type = type_index(adc_type_names, "sar");
    s.adc.range = ADC_RANGE_CALIBRATED; /* would need calibrating; not with analog outputs */
    s.analog_out = 1;
    tile *t = make_tile(&s, f.g), *quiet;
    tile_spec sq = s;
    sq.sense.type = type_index(sense_type_names, "none");
    quiet = make_tile(&sq, f.g);
    size_t rows[] = {1, 2, 7, 20};
    double y0[TC], y[TC], sum[TC] = {0}, sum2[TC] = {0};
    cr_assert_eq(tile_read_events(quiet, rows, 4, y0), CIM_OK, "%s", cim_errmsg());
    const int n = 4000;
    for (int k = 0; k < n; k++) {
        cr_assert_eq(tile_read_events(t, rows, 4, y), CIM_OK, "%s", cim_errmsg());
        for (size_t j = 0; j < TC; j++) {
            sum[j] += y[j] - y0[j];
            sum2[j] += (y[j] - y0[j]) * (y[j] - y0[j]);
        }
    }
    /* Each column's noise sqrt(k T C) / t_int; a pair's decoded output is coef step / dg (I+ - I-), so its variance
     * is 2 (coef step / dg)^2 sigma^2. */
    const double kB = 1.380649e-23;
    double sigma = sqrt(kB * s.sense.T_K * s.sense.c_F) / s.sense.t_int_s;
    for (size_t j = 0; j < TC; j++) {
        double scale = f.m.w_step[j] / f.m.dg_S / s.dac.v_read_V, want = 2 * scale * scale * sigma * sigma;
        double var = sum2[j] / n - (sum[j] / n) * (sum[j] / n);
        cr_assert(fabs(var / want - 1) < 0.15, "output %zu: variance %g, kT/C predicts %g", j, var, want);
    }
    energy_tally e;
    tile_energy(t, &e);
    cr_assert_eq(e.n[ENERGY_ADC], 0, "no conversions");
    cr_assert_eq(tile_get_stats(t)->n_conversions, 0);
    cr_assert_eq(e.n[ENERGY_SENSE], (uint64_t)n * f.phys, "one integration per column per read");
    cr_assert_float_eq(energy_tally_J(&e, ENERGY_SENSE), (double)n * f.phys * s.sense.c_F * s.sense.v_sat_V *
                                                              s.sense.v_sat_V, 1e-25);
    cr_assert_eq(tile_periphery_area_um2(t), tile_periphery_area_um2(quiet), "no ADC area either");
    /* Saturation: a swing of 1 mV clips every column at v_sat C / t_int. */
    tile_spec ss = s;
    ss.sense.v_sat_V = 1e-3;
    ss.sense.T_K = 0; /* no noise: the clip alone */
    tile *sat = make_tile(&ss, f.g);
    cr_assert_eq(tile_read_events(sat, rows, 4, y), CIM_OK);
    double i_sat = ss.sense.v_sat_V * ss.sense.c_F / ss.sense.t_int_s;
    double *ic = malloc(f.phys * sizeof *ic), vr = s.dac.v_read_V;
    for (size_t c = 0; c < f.phys; c++) {
        double i = 0;
        for (size_t k = 0; k < 4; k++)
            i += f.g[rows[k] * f.phys + c] * vr;
        ic[c] = fmin(i, i_sat);
    }
    cr_assert_gt(tile_get_stats(sat)->n_sense_saturated, 0);
    double want[TC] = {0};
    mapping_decode_add(&f.m, 0, TC, ic, 1.0 / vr, want);
    for (size_t j = 0; j < TC; j++)
        cr_assert(fabs(y[j] - want[j]) <= 1e-12 * fabs(f.m.w_max[j]), "output %zu: %g vs %g", j, y[j], want[j]);
    free(ic);
    tile_free(sat);
    tile_free(t);
    tile_free(quiet);
    fixture_free(&f);
}

/* ---- the weight matrix on tiles ---------------------------------------------------------------------------- */

static tiled_spec ideal_tiled(size_t tile_rows, size_t tile_cols)
{
    tiled_spec s;
    memset(&s, 0, sizeof s);
    param_defaults(&crossbar_group, &s.crossbar);
    s.crossbar.tile_rows = (long long)tile_rows;
    s.crossbar.tile_cols = (long long)tile_cols;
    s.cell = cell_params_default();
    s.t_read_s = 10e-9;
    s.reuse = 1;
    s.dac = dac_params_default();
    s.sense = sense_params_default();
    s.adc = adc_params_default();
    s.e_shift_add_J = 0.021e-12;
    s.seed = 5;
    s.prefix = "m.";
    return s;
}

Test(tiled, event_reads_over_several_tiles_sum_the_rows_of_the_quantized_weights)
{
    const size_t R = 50, C = 13;
    double *w = util_random_vec(R * C, -1, 1, 51);
    mapping_params mp;
    param_defaults(&mapping_group, &mp);
    tiled_spec s = ideal_tiled(16, 24); /* 4 row blocks (16, 16, 16, 2) x 5 column blocks of 3 outputs */
    tiled *m;
    cr_assert_eq(tiled_new(&m, &s, &mp, w, R, C), CIM_OK, "%s", cim_errmsg());
    const tiling *t = tiled_tiling(m);
    cr_assert_eq(t->n_row_blocks, 4);
    cr_assert_eq(t->n_col_blocks, 5);
    double *wq = malloc(R * C * sizeof *wq);
    mapping_quantized_weights(tiled_mapping(m), w, wq);
    size_t rows[] = {2, 3, 17, 40, 49}; /* row blocks 0, 1, 2, 3 ... */
    size_t n = sizeof rows / sizeof *rows;
    double y[13], y0 = 0.25;
    for (size_t j = 0; j < C; j++)
        y[j] = y0; /* the read adds to what is there */
    cr_assert_eq(tiled_read_events(m, rows, n, y), CIM_OK, "%s", cim_errmsg());
    for (size_t j = 0; j < C; j++) {
        double want = y0;
        for (size_t k = 0; k < n; k++)
            want += wq[rows[k] * C + j];
        cr_assert(fabs(y[j] - want) <= 1e-13, "output %zu: %.17g vs %.17g", j, y[j], want);
    }
    /* Rows 2 and 3 only: row block 0's five tiles are read, no other. */
    size_t two[] = {2, 3};
    size_t before[20];
    for (size_t k = 0; k < t->n_tiles; k++)
        before[k] = tile_get_stats(tiled_tile(m, k))->n_event_reads;
    cr_assert_eq(tiled_read_events(m, two, 2, y), CIM_OK);
    for (size_t k = 0; k < t->n_tiles; k++)
        cr_assert_eq(tile_get_stats(tiled_tile(m, k))->n_event_reads - before[k], k < 5 ? 1u : 0u, "tile %zu", k);
    /* The decoded weights are W_q exactly (conductance cells hold their targets). */
    double *wd = malloc(R * C * sizeof *wd);
    cr_assert_eq(tiled_weights(m, wd), CIM_OK);
    for (size_t k = 0; k < R * C; k++)
        cr_assert(wd[k] == wq[k], "weight %zu", k);
    free(wd);
    free(wq);
    free(w);
    tiled_free(m);
}

/* ---- the crossbar synapse bank ---------------------------------------------------------------------------- */

typedef struct bank_cfg {
    snn_xbar_params syn;
    mapping_params mapping;
    crossbar_params crossbar;
    cell_params cell;
    program_params program;
    sim_params sim;
    dac_params dac;
    sense_params sense;
    adc_params adc;
    stdp_params stdp;
    snn_xbar_config c;
} bank_cfg;

static void bank_defaults(bank_cfg *b)
{
    memset(b, 0, sizeof *b);
    b->syn = snn_xbar_params_default();
    param_defaults(&mapping_group, &b->mapping);
    param_defaults(&crossbar_group, &b->crossbar);
    b->cell = cell_params_default();
    param_defaults(&program_group, &b->program);
    param_defaults(&sim_group, &b->sim);
    b->dac = dac_params_default();
    b->sense = sense_params_default();
    b->adc = adc_params_default();
    b->stdp = stdp_params_default();
    b->c = (snn_xbar_config){.syn = &b->syn, .mapping = &b->mapping, .crossbar = &b->crossbar, .cell = &b->cell,
                             .program = &b->program, .sim = &b->sim, .dac = &b->dac, .sense = &b->sense,
                             .adc = &b->adc, .e_shift_add_J = 0.021e-12, .dt_s = 1e-3, .seed = 3, .name = "layer1"};
}

Test(synapse_xbar, with_ideal_converters_and_no_wires_the_bank_gives_the_weights_back)
{
    const size_t n_in = 30, n_out = 7;
    for (int grid = 0; grid < 2; grid++)
        for (int scheme = 0; scheme < 2; scheme++) {
            bank_cfg b;
            bank_defaults(&b);
            b.mapping.scheme = scheme;
            b.crossbar.tile_rows = 16; /* 2 x 2 tiles */
            b.crossbar.tile_cols = scheme == MAPPING_DIFFERENTIAL ? 32 : 20;
            double *w = util_random_vec(n_in * n_out, -0.02, 0.02, 61 + (unsigned long)scheme);
            if (grid) {
                /* weights on the code grid, k step with step = w_max / code_max: representable, so W_q = W */
                double w_max = 0, code_max = scheme == MAPPING_DIFFERENTIAL ? 255 : 127;
                for (size_t k = 0; k < n_in * n_out; k++)
                    w_max = fmax(w_max, fabs(w[k]));
                for (size_t k = 0; k < n_in * n_out; k++)
                    w[k] = nearbyint(w[k] / w_max * code_max) * (w_max / code_max);
            }
            snn_synapse s;
            cr_assert_eq(snn_synapse_xbar_new(&s, n_in, n_out, w, &b.c), CIM_OK, "%s", cim_errmsg());
            cr_assert_str_eq(s.type->name, "xbar");
            cr_assert_null(s.type->learn, "no stdp: the bank does not learn");
            const mapping *m = tiled_mapping(snn_synapse_xbar_tiles(&s));
            double *wq = malloc(n_in * n_out * sizeof *wq), *wd = malloc(n_in * n_out * sizeof *wd);
            mapping_quantized_weights(m, w, wq);
            cr_assert_eq(s.type->weights(&s, wd), CIM_OK);
            double acc[7];
            for (size_t j = 0; j < n_in; j++) {
                uint32_t src = (uint32_t)j;
                for (size_t i = 0; i < n_out; i++)
                    acc[i] = 0;
                cr_assert_eq(s.type->events(&s, &src, 1, acc), CIM_OK, "%s", cim_errmsg());
                for (size_t i = 0; i < n_out; i++) {
                    double q = wq[j * n_out + i], step = m->w_step[i];
                    cr_assert(wd[j * n_out + i] == q, "weights() is W_q");
                    /* The read decodes G v / v: W_q to rounding. */
                    cr_assert(fabs(acc[i] - q) <= 1e-12 * m->w_max[i], "source %zu target %zu: %.17g vs W_q %.17g", j,
                              i, acc[i], q);
                    /* W_q is W to half a code step (no weight is clipped with scale "max") ... */
                    cr_assert(fabs(q - w[j * n_out + i]) <= 0.5 * step * (1 + 1e-12), "within half a step");
                    /* ... and W itself on the code grid */
                    if (grid)
                        cr_assert(fabs(acc[i] - w[j * n_out + i]) <= 1e-12 * m->w_max[i], "on the grid: exact");
                }
            }
            /* Events of several sources: the sum of their rows; the read energy is v^2 sum over the spiking rows of
             * their conductances, t_read (perfect wires, linear cells), summed over the tiles. */
            uint32_t src[] = {0, 5, 16, 29};
            for (size_t i = 0; i < n_out; i++)
                acc[i] = 0;
            double e0 = energy_tally_J(&s.tally, ENERGY_READ);
            cr_assert_eq(s.type->events(&s, src, 4, acc), CIM_OK);
            double de = energy_tally_J(&s.tally, ENERGY_READ) - e0;
            const tiling *t = tiled_tiling(snn_synapse_xbar_tiles(&s));
            double g_sum = 0;
            for (size_t k = 0; k < t->n_tiles; k++) {
                const tiling_span *sp = &t->span[k];
                for (size_t q = 0; q < 4; q++)
                    if (src[q] >= sp->r0 && src[q] < sp->r0 + sp->nr)
                        for (size_t c = 0; c < sp->phys_cols; c++)
                            g_sum += t->g_S[sp->g_off + (src[q] - sp->r0) * sp->phys_cols + c];
            }
            double v = b.dac.v_read_V;
            cr_assert(fabs(de - v * v * g_sum * b.syn.t_read_s) <= 1e-13 * de, "%g vs %g", de,
                      v * v * g_sum * b.syn.t_read_s);
            for (size_t i = 0; i < n_out; i++) {
                double want = 0;
                for (size_t q = 0; q < 4; q++)
                    want += wq[src[q] * n_out + i];
                cr_assert(fabs(acc[i] - want) <= 1e-12 * m->w_max[i]);
            }
            /* The direct-current input through ideal DACs: W_q^T x to rounding. */
            b.dac.type = type_index(dac_type_names, "ideal");
            snn_synapse d;
            cr_assert_eq(snn_synapse_xbar_new(&d, n_in, n_out, w, &b.c), CIM_OK, "%s", cim_errmsg());
            double *x = util_random_vec(n_in, 0, 1, 71);
            for (size_t i = 0; i < n_out; i++)
                acc[i] = 1.0;
            cr_assert_eq(d.type->dense(&d, x, acc), CIM_OK, "%s", cim_errmsg());
            for (size_t i = 0; i < n_out; i++) {
                double want = 1.0;
                for (size_t j = 0; j < n_in; j++)
                    want += wq[j * n_out + i] * x[j];
                cr_assert(fabs(acc[i] - want) <= 1e-12 * n_in * m->w_max[i], "%g vs %g", acc[i], want);
            }
            free(x);
            d.type->destroy(&d);
            s.type->destroy(&s);
            free(w);
            free(wq);
            free(wd);
        }
}

Test(synapse_xbar, inconsistent_settings_are_refused_naming_the_keys)
{
    bank_cfg b;
    bank_defaults(&b);
    double w[6] = {0.1, -0.2, 0.3, 0.0, 0.05, -0.01};
    snn_synapse s;
    b.syn.membrane = SNN_MEMBRANE_ANALOG; /* with sense "none" */
    cr_assert_eq(snn_synapse_xbar_new(&s, 3, 2, w, &b.c), CIM_ECONFIG);
    cr_assert(strstr(cim_errmsg(), "sense.type") != NULL, "%s", cim_errmsg());
    cr_assert_null(s.type);
    b.syn.membrane = SNN_MEMBRANE_DIGITAL;
    b.c.stdp = &b.stdp; /* learning on conductance cells */
    cr_assert_eq(snn_synapse_xbar_new(&s, 3, 2, w, &b.c), CIM_ECONFIG);
    cr_assert(strstr(cim_errmsg(), "synapse.cells") != NULL, "%s", cim_errmsg());
    w[2] = NAN;
    cr_assert_eq(snn_synapse_xbar_new(&s, 3, 2, w, &b.c), CIM_EINVAL);
}

/* ---- STDP --------------------------------------------------------------------------------------------------- */

typedef struct change {
    size_t pre, post;
    double dw;
} change;

typedef struct changes {
    change c[64];
    size_t n;
} changes;

static int record(void *ctx, size_t pre, size_t post, double dw)
{
    changes *ch = ctx;
    cr_assert_lt(ch->n, 64);
    ch->c[ch->n++] = (change){pre, post, dw};
    return CIM_OK;
}

Test(stdp, the_traces_give_the_exponential_windows)
{
    stdp_params p = stdp_params_default();
    const double dt = 1e-3;
    stdp r;
    cr_assert_eq(stdp_init(&r, &p, 3, 2, dt), CIM_OK, "%s", cim_errmsg());
    changes ch = {0};
    uint32_t a = 1, b = 0;
    /* pre 1 at step 0, post 0 at step 3: +a_plus exp(-3 dt / tau_plus) */
    cr_assert_eq(stdp_step(&r, 0, &a, 1, NULL, 0, record, &ch), CIM_OK);
    cr_assert_eq(ch.n, 0, "no post trace yet: nothing to depress");
    cr_assert_eq(stdp_step(&r, 3, NULL, 0, &b, 1, record, &ch), CIM_OK);
    cr_assert_eq(ch.n, 1);
    cr_assert_eq(ch.c[0].pre, 1);
    cr_assert_eq(ch.c[0].post, 0);
    double d = exp(-dt / p.tau_plus_s);
    cr_assert_float_eq(ch.c[0].dw, p.a_plus * d * d * d, 1e-15 * p.a_plus);
    /* pre 1 again at step 5: -a_minus exp(-2 dt / tau_minus) against post 0 (step 3) */
    ch.n = 0;
    cr_assert_eq(stdp_step(&r, 5, &a, 1, NULL, 0, record, &ch), CIM_OK);
    cr_assert_eq(ch.n, 1);
    cr_assert_eq(ch.c[0].post, 0);
    cr_assert_float_eq(ch.c[0].dw, -p.a_minus * exp(-2 * dt / p.tau_minus_s), 1e-15 * p.a_minus);
    /* the same step: pre 2 and post 1 together count as causal, +a_plus; pre 2 also meets post 0's trace */
    ch.n = 0;
    uint32_t pre2 = 2, post1 = 1;
    cr_assert_eq(stdp_step(&r, 6, &pre2, 1, &post1, 1, record, &ch), CIM_OK);
    double x1 = (d * d * d * d * d + 1) * d; /* pre 1's trace: spikes at steps 0 and 5, at step 6 */
    double y0 = exp(-3 * dt / p.tau_minus_s);
    int saw_dep = 0, saw_same = 0, saw_old = 0;
    for (size_t k = 0; k < ch.n; k++) {
        if (ch.c[k].pre == 2 && ch.c[k].post == 0) {
            saw_dep = 1;
            cr_assert_float_eq(ch.c[k].dw, -p.a_minus * y0, 1e-15 * p.a_minus);
        } else if (ch.c[k].pre == 2 && ch.c[k].post == 1) {
            saw_same = 1;
            cr_assert_float_eq(ch.c[k].dw, p.a_plus, 1e-16);
        } else if (ch.c[k].pre == 1 && ch.c[k].post == 1) {
            saw_old = 1;
            cr_assert_float_eq(ch.c[k].dw, p.a_plus * x1, 1e-15 * p.a_plus);
        } else
            cr_assert_fail("unexpected change (%zu, %zu)", ch.c[k].pre, ch.c[k].post);
    }
    cr_assert(saw_dep && saw_same && saw_old);
    cr_assert_eq(stdp_step(&r, 6, NULL, 0, NULL, 0, record, &ch), CIM_EINVAL, "time must advance");
    uint32_t bad[] = {2, 1};
    cr_assert_eq(stdp_step(&r, 7, bad, 2, NULL, 0, record, &ch), CIM_EINVAL, "ascending");
    stdp_destroy(&r);
}

/* VTEAM cells (the weight-level device configuration's: 5 .. 100 kohm), one analog pair per weight. */
static const char vteam_cfg[] = "@device = { model = \"vteam\"; vteam = { r_on_ohm = 5e3; r_off_ohm = 100e3; }; };";

static void device_bank(bank_cfg *b, devbind *d, int pulses)
{
    bank_defaults(b);
    devbind_load(d, vteam_cfg, NULL);
    b->syn.cells = SNN_XBAR_CELLS_DEVICE;
    b->syn.t_s = 1.0;
    b->mapping.weight_bits = 4;
    b->mapping.bits_per_cell = 4; /* one slice: an analog pair */
    b->mapping.g_min_S = 20e-6;
    b->mapping.g_max_S = 120e-6;
    b->dac.v_read_V = 0.01; /* below VTEAM's thresholds: reads do not switch */
    b->program.tol_rel = 0.02;
    b->program.max_iter = 200;
    b->program.v_raise_V = -0.21;
    b->program.v_raise_step_V = 0.005;
    b->program.v_raise_max_V = 0.6;
    b->program.v_lower_V = 0.05;
    b->program.v_lower_step_V = 0.01;
    b->program.v_lower_max_V = 0.6;
    b->stdp.pulses = pulses;
    b->c.device = &d->b;
    b->c.sim = &d->sim;
    b->c.stdp = &b->stdp;
}

/* The state after n pulses of v for width, by the model's own closed form (VTEAM without a window), then its
 * read conductance at v_read. */
static double after_pulses(const device_type *T, const void *p, const double *x0, size_t n, double v, double width,
                           double gap, double v_read)
{
    double x[DEVICE_MAX_STATE], lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE], e;
    memcpy(x, x0, T->n_state * sizeof *x);
    T->bounds(p, lo, hi);
    for (size_t k = 0; k < n; k++) {
        cr_assert(T->pulse(p, x, lo, hi, v, width, 300, &e), "closed form applies");
        cr_assert(T->pulse(p, x, lo, hi, 0.0, gap, 300, &e));
    }
    return device_read_A(T, p, x, v_read) / v_read;
}

/* The weight one pulse moves on the nominal cell at the middle of the levels, fraction of full scale. */
static double nominal_eps(const devbind *d, const bank_cfg *b, double v)
{
    const device_type *T = d->b.type;
    double x[DEVICE_MAX_STATE], g_mid = 0.5 * (b->mapping.g_min_S + b->mapping.g_max_S);
    T->init(d->b.model, 300, x);
    cr_assert_eq(device_state_for_g(T, d->b.model, d->b.dev.T_K, b->dac.v_read_V, g_mid, x), CIM_OK);
    double g0 = device_read_A(T, d->b.model, x, b->dac.v_read_V) / b->dac.v_read_V;
    double g1 = after_pulses(T, d->b.model, x, 1, v, b->program.t_width_s, b->program.t_gap_s, b->dac.v_read_V);
    return fabs(g1 - g0) / (b->mapping.g_max_S - b->mapping.g_min_S);
}

/* The weights of the STDP banks (4 sources x 3 targets, volts) and the device array of their one tile. */
static const double w12[12] = {0.3, -0.2, 0.1, 0.05, 0.4, -0.4, -0.1, 0.2, 0.25, 0.0, -0.3, 0.15};

static array *tile0_array(snn_synapse *s) { return xbar_array(tile_xbar(tiled_tile(snn_synapse_xbar_tiles(s), 0))); }

/* One pairing on synapse (pre 2, post 1): causal (pre at step 0, post at step 1) or anti-causal. */
static void pairing(snn_synapse *s, int causal, uint64_t t0)
{
    uint32_t pre = 2, post = 1;
    if (causal) {
        cr_assert_eq(s->type->learn(s, t0, &pre, 1, NULL, 0), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(s->type->learn(s, t0 + 1, NULL, 0, &post, 1), CIM_OK, "%s", cim_errmsg());
    } else {
        cr_assert_eq(s->type->learn(s, t0, NULL, 0, &post, 1), CIM_OK, "%s", cim_errmsg());
        cr_assert_eq(s->type->learn(s, t0 + 1, &pre, 1, NULL, 0), CIM_OK, "%s", cim_errmsg());
    }
}

Test(stdp, a_causal_pairing_potentiates_and_an_anticausal_one_depresses_through_the_device)
{
    const size_t n_in = 4, n_out = 3;
    for (int causal = 1; causal >= 0; causal--) {
        bank_cfg b;
        devbind d;
        device_bank(&b, &d, STDP_RAISE_LOWER);
        const double dt = b.c.dt_s;
        double v = causal ? b.program.v_raise_V : b.program.v_lower_V;
        double eps = nominal_eps(&d, &b, v);
        /* a change of 3.5 pulses: 3 applied, half a pulse carried */
        double decay = causal ? exp(-dt / b.stdp.tau_plus_s) : exp(-dt / b.stdp.tau_minus_s);
        b.stdp.a_plus = b.stdp.a_minus = 3.5 * eps / decay;
        snn_synapse s;
        cr_assert_eq(snn_synapse_xbar_new(&s, n_in, n_out, w12, &b.c), CIM_OK, "%s", cim_errmsg());
        cr_assert_not_null(s.type->learn);
        const snn_xbar_stats *st = snn_synapse_xbar_stats(&s);
        cr_assert_float_eq(causal ? st->eps_plus : st->eps_minus, eps, 1e-12 * eps, "the bank's nominal step");
        /* synapse (2, 1): tile 0, row 2, G+ at column 2 (differential, one slice), G- at 3 */
        array *a = tile0_array(&s);
        size_t cp = 2 * a->cols + 2, cm = cp + 1;
        double x0[DEVICE_MAX_STATE], gp0 = array_g_cell(a, cp), gm0 = array_g_cell(a, cm);
        memcpy(x0, array_x(a, cp), a->n_state * sizeof *x0);
        double *w0 = malloc(n_in * n_out * sizeof *w0), *w1 = malloc(n_in * n_out * sizeof *w1);
        cr_assert_eq(s.type->weights(&s, w0), CIM_OK);
        double e_write0 = energy_tally_J(&s.tally, ENERGY_WRITE);
        pairing(&s, causal, 0);
        st = snn_synapse_xbar_stats(&s);
        cr_assert_eq(causal ? st->n_pulses_plus : st->n_pulses_minus, 3, "trunc(3.5) pulses");
        cr_assert_eq(causal ? st->n_pulses_minus : st->n_pulses_plus, 0);
        double gp1 = array_g_cell(a, cp), gm1 = array_g_cell(a, cm);
        double want = after_pulses(a->T, array_p(a, cp), x0, 3, v, b.program.t_width_s, b.program.t_gap_s,
                                   b.dac.v_read_V);
        cr_assert(causal ? gp1 > gp0 : gp1 < gp0, "G+ %g -> %g", gp0, gp1);
        cr_assert(fabs(gp1 - want) <= 1e-12 * want, "G+ %.17g, three closed-form pulses give %.17g", gp1, want);
        cr_assert(gm1 == gm0, "G- untouched");
        cr_assert_eq(s.type->weights(&s, w1), CIM_OK);
        for (size_t k = 0; k < n_in * n_out; k++)
            if (k == 2 * n_out + 1)
                cr_assert(causal ? w1[k] > w0[k] : w1[k] < w0[k], "the weight moved the right way");
            else
                cr_assert(w1[k] == w0[k], "weight %zu untouched", k);
        cr_assert_gt(energy_tally_J(&s.tally, ENERGY_WRITE), e_write0, "the pulses' energy is tallied");
        cr_log_info("%s pairing: 3 pulses of %g V moved G+ %.4g -> %.4g uS, the weight %.4g -> %.4g V",
                    causal ? "causal" : "anti-causal", v, gp0 * 1e6, gp1 * 1e6, w0[2 * n_out + 1], w1[2 * n_out + 1]);
        free(w0);
        free(w1);
        s.type->destroy(&s);
        devbind_unload(&d);
    }
}

Test(stdp, raise_pair_depresses_by_raising_g_minus)
{
    bank_cfg b;
    devbind d;
    device_bank(&b, &d, STDP_RAISE_PAIR);
    double eps = nominal_eps(&d, &b, b.program.v_raise_V);
    b.stdp.a_minus = 2.5 * eps / exp(-b.c.dt_s / b.stdp.tau_minus_s);
    snn_synapse s;
    cr_assert_eq(snn_synapse_xbar_new(&s, 4, 3, w12, &b.c), CIM_OK, "%s", cim_errmsg());
    array *a = tile0_array(&s);
    size_t cp = 2 * a->cols + 2, cm = cp + 1;
    double gp0 = array_g_cell(a, cp), gm0 = array_g_cell(a, cm), x0[DEVICE_MAX_STATE];
    memcpy(x0, array_x(a, cm), a->n_state * sizeof *x0);
    pairing(&s, 0, 0);
    cr_assert_eq(snn_synapse_xbar_stats(&s)->n_pulses_minus, 2);
    double want = after_pulses(a->T, array_p(a, cm), x0, 2, b.program.v_raise_V, b.program.t_width_s,
                               b.program.t_gap_s, b.dac.v_read_V);
    cr_assert(array_g_cell(a, cp) == gp0, "G+ untouched");
    cr_assert(array_g_cell(a, cm) > gm0);
    cr_assert(fabs(array_g_cell(a, cm) - want) <= 1e-12 * want);
    s.type->destroy(&s);
    devbind_unload(&d);
}

Test(stdp, equal_potentiating_and_depressing_events_do_not_cancel_on_a_nonlinear_device)
{
    bank_cfg b;
    devbind d;
    device_bank(&b, &d, STDP_RAISE_LOWER);
    /* One pulse per event each way: a change of 1.5 nominal pulses of its own direction. */
    double eps_p = nominal_eps(&d, &b, b.program.v_raise_V), eps_m = nominal_eps(&d, &b, b.program.v_lower_V);
    const double dt = b.c.dt_s;
    b.stdp.a_plus = 1.5 * eps_p / exp(-dt / b.stdp.tau_plus_s);
    b.stdp.a_minus = 1.5 * eps_m / exp(-dt / b.stdp.tau_minus_s);
    snn_synapse s;
    cr_assert_eq(snn_synapse_xbar_new(&s, 4, 3, w12, &b.c), CIM_OK, "%s", cim_errmsg());
    array *a = tile0_array(&s);
    size_t cp = 2 * a->cols + 2;
    double g0 = array_g_cell(a, cp);
    const int n = 20;
    uint64_t t = 0;
    /* Pairings 200 steps apart: the traces of one have decayed to nothing (exp(-200 ms / 33.7 ms) ~ 3e-3) */
    for (int k = 0; k < n; k++, t += 200)
        pairing(&s, 1, t);
    double g_mid = array_g_cell(a, cp);
    for (int k = 0; k < n; k++, t += 200)
        pairing(&s, 0, t);
    double g1 = array_g_cell(a, cp);
    const snn_xbar_stats *st = snn_synapse_xbar_stats(&s);
    cr_log_info("VTEAM, %d causal then %d anti-causal pairings: %zu potentiating and %zu depressing pulses; G+ "
                "%.4g -> %.4g -> %.4g uS, net %+.3g uS (%+.2f %% of the level range); nominal steps %.3g and %.3g of "
                "full scale",
                n, n, st->n_pulses_plus, st->n_pulses_minus, g0 * 1e6, g_mid * 1e6, g1 * 1e6, (g1 - g0) * 1e6,
                100 * (g1 - g0) / (b.mapping.g_max_S - b.mapping.g_min_S), st->eps_plus, st->eps_minus);
    cr_assert_gt(g_mid, g0);
    cr_assert_lt(g1, g_mid);
    cr_assert_geq(st->n_pulses_plus, (size_t)n, "at least a pulse per causal pairing");
    cr_assert_geq(st->n_pulses_minus, (size_t)n);
    cr_assert_gt(fabs(g1 - g0), 1e-3 * (b.mapping.g_max_S - b.mapping.g_min_S), "they do not cancel");
    s.type->destroy(&s);
    devbind_unload(&d);
}

Test(synapse_xbar, a_calibrated_adc_is_ranged_by_the_bank_and_an_analog_membrane_converts_nothing)
{
    const size_t n_in = 20, n_out = 4;
    double *w = util_random_vec(n_in * n_out, -1, 1, 81);
    uint32_t src[] = {1, 3, 4, 18};
    double acc[4];
    /* a calibrated SAR range: the bank calibrates on every row driven, so no event read of these weights clips */
    bank_cfg b;
    bank_defaults(&b);
    b.adc.type = type_index(adc_type_names, "sar");
    b.adc.range = ADC_RANGE_CALIBRATED;
    b.adc.bits = 8;
    snn_synapse s;
    cr_assert_eq(snn_synapse_xbar_new(&s, n_in, n_out, w, &b.c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(s.type->events(&s, src, 4, acc), CIM_OK, "%s", cim_errmsg());
    const tile_stats *ts = tile_get_stats(tiled_tile(snn_synapse_xbar_tiles(&s), 0));
    cr_assert_gt(ts->n_conversions, 0);
    cr_assert_eq(ts->n_adc_clipped, 0);
    cr_assert_gt(s.tally.n[ENERGY_ADC], 0);
    s.type->destroy(&s);
    /* the analog membrane: the integrator instead of the ADC */
    b.syn.membrane = SNN_MEMBRANE_ANALOG;
    b.sense.type = type_index(sense_type_names, "integrator");
    b.sense.c_F = 5e-12;
    cr_assert_eq(snn_synapse_xbar_new(&s, n_in, n_out, w, &b.c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(s.type->events(&s, src, 4, acc), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(s.tally.n[ENERGY_ADC], 0, "no conversions");
    cr_assert_gt(s.tally.n[ENERGY_SENSE], 0, "the integrators charged");
    cr_assert_eq(snn_synapse_xbar_stats(&s)->n_row_pulses, 4);
    s.type->destroy(&s);
    free(w);
}

/* A calibrated ADC range is set by reads of the programmed array; those reads are left out of the bank's energy,
 * the programming before them is not: the same bank with ideal converters (no calibration) reports the same
 * programming energy, and one event read is the one array read the tally counts. */
Test(synapse_xbar, the_adc_calibration_leaves_the_programming_energy_in_the_tally)
{
    devbind d;
    snn_synapse s[2];
    for (int calibrated = 0; calibrated < 2; calibrated++) {
        bank_cfg b;
        device_bank(&b, &d, 0);
        b.c.stdp = NULL;
        if (calibrated) {
            b.adc.type = type_index(adc_type_names, "sar");
            b.adc.range = ADC_RANGE_CALIBRATED;
            b.adc.bits = 8;
        }
        cr_assert_eq(snn_synapse_xbar_new(&s[calibrated], 4, 3, w12, &b.c), CIM_OK, "%s", cim_errmsg());
        uint32_t src[] = {0, 2};
        double acc[3] = {0};
        cr_assert_eq(s[calibrated].type->events(&s[calibrated], src, 2, acc), CIM_OK, "%s", cim_errmsg());
        devbind_unload(&d);
    }
    const energy_tally *ideal = &s[0].tally, *cal = &s[1].tally;
    const energy_tally *array_own = xbar_energy(tile_xbar(tiled_tile(snn_synapse_xbar_tiles(&s[1]), 0)));
    cr_assert_gt(energy_tally_J(ideal, ENERGY_WRITE), 0, "the cells were programmed by pulses");
    int programming[] = {ENERGY_WRITE, ENERGY_VERIFY, ENERGY_DISTURB};
    for (size_t k = 0; k < 3; k++) {
        int c = programming[k];
        cr_expect_eq(energy_tally_J(cal, c), energy_tally_J(ideal, c), "%s: the same programming, the same joules",
                     energy_categories[c].name);
        cr_expect_eq(cal->n[c], ideal->n[c], "%s", energy_categories[c].name);
    }
    cr_expect_eq(cal->n[ENERGY_READ], 1, "the event read; not the calibration's");
    cr_expect_gt(array_own->n[ENERGY_READ], 1, "the array itself did read for the calibration");
    cr_expect_eq(tile_get_stats(tiled_tile(snn_synapse_xbar_tiles(&s[1]), 0))->n_reads, 1);
    for (int k = 0; k < 2; k++)
        s[k].type->destroy(&s[k]);
}

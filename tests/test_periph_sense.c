/* tests/test_periph_sense.c -- the sense stage (periph/sense.h) against closed forms computed here: a tia's
 * measured noise is sqrt((4 k T / R_f + i_n^2) (pi/2) BW) with k from GSL's constants (CODATA 2006, 1e-6 from the
 * library's 2019 value: far below the statistical tolerance), its settling gain 1 - exp(-2 pi BW t), its
 * saturation v_sat / R_f; an integrator's noise sqrt(k T C) / t_int and saturation v_sat C / t_int; energies p_W
 * t_read and C v_sat^2; `none` passes currents bit for bit; the same stream gives the same bits. */
#include "core/cfg.h"
#include "core/rng.h"
#include "core/status.h"
#include "periph/sense.h"

#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_const_mksa.h>
#include <gsl/gsl_math.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static sense_params params(const char *type)
{
    sense_params p = sense_params_default();
    const sense_type *T = sense_type_find(type);
    cr_assert_not_null(T, "%s", type);
    for (p.type = 0; sense_types[p.type] != T; p.type++)
        ;
    return p;
}

/* Sample standard deviation of n outputs for input i (no saturation expected). */
static double measured_sd(const sense *s, double i_A, gsl_rng *r, size_t n, double *mean_out)
{
    double sum = 0, sum2 = 0;
    for (size_t k = 0; k < n; k++) {
        int sat;
        double y = sense_apply(s, i_A, r, &sat) - s->gain * i_A;
        cr_assert_eq(sat, 0);
        sum += y;
        sum2 += y * y;
    }
    double mean = sum / n;
    *mean_out = mean;
    return sqrt((sum2 / n - mean * mean) * n / (n - 1.0));
}

Test(sense, type_table_names_and_defaults)
{
    size_t n = 0;
    for (; sense_types[n] != NULL; n++) {
        cr_expect_str_eq(sense_types[n]->name, sense_type_names[n]);
        cr_expect_eq(sense_type_find(sense_type_names[n]), sense_types[n]);
    }
    cr_expect_eq(n, 3);
    cr_expect_null(sense_type_find("latch"));
    sense_params p = sense_params_default();
    cr_expect_str_eq(sense_types[p.type]->name, "none");
    cr_expect_eq(p.p_W, 1.8939e-6);
    cr_expect_eq(p.T_K, 300);
}

Test(sense, none_passes_currents_bit_for_bit)
{
    sense s;
    sense_params p = params("none");
    cr_assert_eq(sense_init(&s, &p, 10e-9), CIM_OK, "%s", cim_errmsg());
    gsl_rng *r = rng_alloc(1, "tile0.sense");
    const double x[] = {0.0, -0.0, 1.2345678901234567e-5, -7e-3, DBL_MIN / 4, 1e300, -HUGE_VAL, NAN};
    for (size_t k = 0; k < sizeof x / sizeof *x; k++) {
        int sat = -1;
        double y = sense_apply(&s, x[k], r, &sat);
        cr_expect_eq(memcmp(&y, &x[k], sizeof y), 0, "input %zu changed", k);
        cr_expect_eq(sat, 0);
    }
    cr_expect_eq(s.e_read_J, 0.0);
    cr_expect_eq(s.sigma_A, 0.0);
    cr_expect_eq(s.t_settle_s, 0.0);
    double u = gsl_rng_uniform(r);
    gsl_rng *fresh = rng_alloc(1, "tile0.sense");
    cr_expect_eq(u, gsl_rng_uniform(fresh), "none draws nothing");
    rng_free(r);
    rng_free(fresh);
}

Test(sense, tia_noise_is_johnson_plus_amplifier_over_the_noise_bandwidth)
{
    const size_t n = 200000;
    sense_params p = params("tia");
    p.T_K = 350;
    p.gain_ohm = 2e3;
    p.bandwidth_Hz = 5e7;
    p.i_noise_A_rtHz = 3e-12;
    p.v_sat_V = 1;
    sense s;
    cr_assert_eq(sense_init(&s, &p, 20e-9), CIM_OK, "%s", cim_errmsg());
    const double k = GSL_CONST_MKSA_BOLTZMANN;
    const double want = sqrt((4 * k * 350 / 2e3 + 9e-24) * (M_PI / 2) * 5e7);
    cr_expect_lt(fabs(s.sigma_A / want - 1), 1e-5, "sigma_A %g, want %g", s.sigma_A, want);
    gsl_rng *r = rng_alloc(3, "tile0.sense");
    double mean, sd = measured_sd(&s, 1e-5, r, n, &mean);
    cr_expect_lt(fabs(sd / want - 1), 5 / sqrt(2.0 * n), "measured %g A, want %g A", sd, want);
    cr_expect_lt(fabs(mean), 5 * want / sqrt((double)n), "mean %g A", mean);
    rng_free(r);
    /* No temperature and no amplifier noise: no noise at all. */
    p.T_K = 0;
    p.i_noise_A_rtHz = 0;
    cr_assert_eq(sense_init(&s, &p, 20e-9), CIM_OK);
    cr_expect_eq(s.sigma_A, 0.0);
    cr_expect_eq(sense_apply(&s, 1e-5, NULL, NULL), s.gain * 1e-5);
}

Test(sense, tia_settles_with_a_single_pole_and_saturates_at_v_sat_over_r_f)
{
    sense_params p = params("tia");
    p.T_K = 0;
    p.i_noise_A_rtHz = 0;
    p.gain_ohm = 1e3;
    p.bandwidth_Hz = 1e8;
    p.v_sat_V = 0.4;
    const double t_reads[] = {1e-9, 3e-9, 10e-9, 100e-9};
    for (size_t k = 0; k < 4; k++) {
        sense s;
        cr_assert_eq(sense_init(&s, &p, t_reads[k]), CIM_OK, "%s", cim_errmsg());
        double g = 1 - exp(-2 * M_PI * 1e8 * t_reads[k]);
        cr_expect_lt(fabs(s.gain - g), 1e-15, "t = %g: gain %.17g, want %.17g", t_reads[k], s.gain, g);
        int sat;
        double y = sense_apply(&s, 2e-4, NULL, &sat);
        cr_expect_lt(fabs(y - g * 2e-4), 1e-15 * 2e-4);
        cr_expect_eq(sat, 0);
        cr_expect_eq(s.i_sat_A, 0.4 / 1e3);
        cr_expect_eq(sense_apply(&s, 3e-3, NULL, &sat), 0.4e-3);
        cr_expect_eq(sat, 1);
        cr_expect_eq(sense_apply(&s, -3e-3, NULL, &sat), -0.4e-3);
        cr_expect_eq(sat, 1);
        /* Energy: the static power over the read window. */
        cr_expect_eq(s.e_read_J, p.p_W * t_reads[k]);
        /* Settled to 1/2 lsb of 10 bits, 2^-11, after t_settle_s. */
        cr_expect_lt(fabs(exp(-2 * M_PI * 1e8 * s.t_settle_s) - ldexp(1, -11)), 1e-15);
    }
    sense s;
    cr_expect_eq(sense_init(&s, &p, 0), CIM_EINVAL, "a tia needs a read window");
    cr_expect_eq(sense_init(&s, &p, NAN), CIM_EINVAL);
    p.gain_ohm = 0;
    cr_expect_eq(sense_init(&s, &p, 1e-8), CIM_ECONFIG);
}

Test(sense, integrator_has_ktc_noise_and_saturates_at_its_swing)
{
    const size_t n = 200000;
    sense_params p = params("integrator");
    p.c_F = 50e-15;
    p.t_int_s = 5e-9;
    p.v_sat_V = 0.8;
    p.T_K = 300;
    sense s;
    cr_assert_eq(sense_init(&s, &p, 123e-9), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(s.t_read_s, 5e-9, "its own window");
    cr_expect_eq(s.gain, 1.0);
    const double want = sqrt(GSL_CONST_MKSA_BOLTZMANN * 300 * 50e-15) / 5e-9;
    cr_expect_lt(fabs(s.sigma_A / want - 1), 1e-5, "sigma_A %g, want %g", s.sigma_A, want);
    gsl_rng *r = rng_alloc(4, "tile0.sense");
    double mean, sd = measured_sd(&s, 1e-6, r, n, &mean);
    cr_expect_lt(fabs(sd / want - 1), 5 / sqrt(2.0 * n), "measured %g A, want %g A", sd, want);
    cr_expect_lt(fabs(mean), 5 * want / sqrt((double)n));
    rng_free(r);
    const double i_sat = 0.8 * 50e-15 / 5e-9; /* 8 uA */
    cr_expect_lt(fabs(s.i_sat_A - i_sat), 1e-15 * i_sat);
    int sat;
    cr_expect_eq(sense_apply(&s, 1e-4, NULL, &sat), s.i_sat_A);
    cr_expect_eq(sat, 1);
    cr_expect_eq(sense_apply(&s, -1e-4, NULL, &sat), -s.i_sat_A);
    cr_expect_eq(s.e_read_J, 50e-15 * 0.8 * 0.8);
    cr_expect_eq(s.t_settle_s, 0.0);
}

static void outputs(uint64_t seed, const char *stream, double *out, size_t n)
{
    sense_params p = params("tia");
    sense s;
    cr_assert_eq(sense_init(&s, &p, 10e-9), CIM_OK);
    gsl_rng *r = rng_alloc(seed, stream);
    for (size_t k = 0; k < n; k++)
        out[k] = sense_apply(&s, (double)k * 1e-6, r, NULL);
    rng_free(r);
}

Test(sense, the_same_seed_and_stream_give_the_same_bits)
{
    double a[300], b[300], c[300];
    outputs(8, "tile2.sense", a, 300);
    outputs(8, "tile2.sense", b, 300);
    outputs(8, "tile5.sense", c, 300);
    cr_expect_eq(memcmp(a, b, sizeof a), 0);
    size_t differ = 0;
    for (size_t k = 0; k < 300; k++)
        differ += a[k] != c[k];
    cr_expect_eq(differ, 300, "another stream, other noise");
}

static int load(sense_params *p, const char *text)
{
    cfg c;
    cfg_init(&c);
    cfg_bind(&c, &sense_group, p);
    int st = cfg_read_string(&c, "t.cfg", text);
    if (st == CIM_OK)
        st = cfg_resolve(&c);
    cfg_destroy(&c);
    return st;
}

Test(sense, config_group_loads_and_refuses_bad_values_naming_the_key)
{
    sense_params p;
    cr_assert_eq(load(&p, "sense = { type = \"integrator\"; c_F = 2e-13; };"), CIM_OK, "%s", cim_errmsg());
    cr_expect_str_eq(sense_types[p.type]->name, "integrator");
    cr_expect_eq(p.c_F, 2e-13);
    cr_expect_eq(load(&p, "sense = { type = \"latch\"; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "sense.type") != NULL, "%s", cim_errmsg());
    cr_expect_eq(load(&p, "sense = { gain_ohm = 0.0; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "sense.gain_ohm") != NULL, "%s", cim_errmsg());
    cr_expect_eq(load(&p, "sense = { T_K = -1.0; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "sense.T_K") != NULL, "%s", cim_errmsg());
}

Test(sense, a_block_is_each_value_in_turn)
{
    sense_params p = sense_params_default();
    for (p.type = 0; sense_types[p.type] != sense_type_find("tia"); p.type++)
        ;
    p.gain_ohm = 1e3; /* saturates at v_sat / R_f = 0.5 mA */
    sense s;
    cr_assert_eq(sense_init(&s, &p, 10e-9), CIM_OK, "%s", cim_errmsg());
    gsl_rng *r1 = rng_alloc(5, "blk"), *r2 = rng_alloc(5, "blk");
    double x[200], y[200];
    size_t n_sat = 0;
    for (size_t k = 0; k < 200; k++) {
        x[k] = y[k] = -1e-3 + 2e-3 * (double)k / 199;
        int sat = 0;
        x[k] = sense_apply(&s, x[k], r1, &sat);
        n_sat += (size_t)sat;
    }
    cr_expect_eq(sense_apply_n(&s, y, 200, r2), n_sat);
    cr_expect_gt(n_sat, 0);
    cr_expect_eq(memcmp(x, y, sizeof x), 0, "the same bits");
    rng_free(r1);
    rng_free(r2);
}

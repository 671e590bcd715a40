/* bench/bench_tile.c -- the periphery's cost: a 256 x 256 tile MVM (8-bit bit-serial inputs, tia sense with noise,
 * 6-bit SAR ADCs with offset, INL and thermal noise, shift-add decode) against the array reads it wraps (the same
 * 8 cycles read through the xbar alone, Kirchhoff-sum path) and against one ideal MVM of the same conductances.
 * The ratio the issue sets: periphery time (tile - its reads) / reads <= 1.5. */
#include "bench/bench.h"
#include "core/rng.h"
#include "core/status.h"
#include "crossbar/ideal.h"
#include "crossbar/mapping.h"
#include "periph/tile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    tile *t, *t_ideal, *t_adc;
    xbar *xb;
    const mapping *m;
    double *x, *y, *g, *i, *v; /* v: the tile's cycles, n_cyc x rows */
    size_t rows, cols, n_cyc;
} job;

static void run_tile(void *p)
{
    job *j = p;
    if (tile_mvm(j->t, j->x, 0, j->y) != CIM_OK)
        abort();
}

static void run_tile_ideal(void *p)
{
    job *j = p;
    if (tile_mvm(j->t_ideal, j->x, 0, j->y) != CIM_OK)
        abort();
}

static void run_tile_adc(void *p)
{
    job *j = p;
    if (tile_mvm(j->t_adc, j->x, 0, j->y) != CIM_OK)
        abort();
}

static void run_reads(void *p)
{
    job *j = p;
    for (size_t c = 0; c < j->n_cyc; c++)
        xbar_read(j->xb, j->v + c * j->rows, j->i);
}

static void run_ideal(void *p)
{
    job *j = p;
    crossbar_ideal_mvm(j->g, j->rows, j->cols, j->v, j->i, NULL);
}

static int index_of(const char *const *names, const char *name)
{
    for (int k = 0; names[k] != NULL; k++)
        if (strcmp(names[k], name) == 0)
            return k;
    return -1;
}

int main(void)
{
    const size_t R = 256;
    mapping_params mp;
    param_defaults(&mapping_group, &mp);
    mp.weight_bits = 1; /* one differential pair per output: 128 outputs fill 256 columns */
    mp.bits_per_cell = 1;
    double *w = malloc(R * 128 * sizeof *w);
    gsl_rng *r = rng_alloc(1, "bench");
    for (size_t k = 0; k < R * 128; k++)
        w[k] = 2 * gsl_rng_uniform(r) - 1;
    mapping m;
    if (mapping_plan(&m, &mp, w, R, 128) != CIM_OK)
        return 1;
    size_t P = mapping_phys_cols(&m, 128);
    job j = {.rows = R, .cols = P, .m = &m};
    j.g = malloc(R * P * sizeof *j.g);
    mapping_encode_block(&m, w, 0, R, 0, 128, j.g);
    /* Uniform conductances instead of the 1-bit levels, so the reads are not trivially sparse. */
    crossbar_fill_uniform(j.g, R * P, 1e-6, 1e-4, r);
    j.x = malloc(R * sizeof *j.x);
    for (size_t i = 0; i < R; i++)
        j.x[i] = gsl_rng_uniform(r); /* positive: one pass of 8 cycles */
    rng_free(r);
    j.y = malloc(128 * sizeof *j.y);
    j.i = malloc(P * sizeof *j.i);

    tile_spec s;
    memset(&s, 0, sizeof s);
    s.array = xbar_spec_default(R, P);
    s.m = &m;
    s.nc = 128;
    s.dac = dac_params_default();
    s.dac.type = index_of(dac_type_names, "bit_serial");
    s.dac.bits = 8;
    s.sense = sense_params_default();
    s.sense.type = index_of(sense_type_names, "tia");
    s.adc = adc_params_default();
    s.adc.type = index_of(adc_type_names, "sar");
    s.adc.bits = 6;
    s.adc.range = ADC_RANGE_MAX;
    s.adc.noise_lsb = 0.5;
    s.adc.offset_lsb = 0.5;
    s.adc.inl_lsb = 0.5;
    s.e_shift_add_J = 0.021e-12;
    s.seed = 1;
    s.name = "bench";
    if (tile_new(&j.t, &s) != CIM_OK || xbar_set_conductances(tile_xbar(j.t), j.g) != CIM_OK) {
        fprintf(stderr, "bench_tile: %s\n", cim_errmsg());
        return 1;
    }
    tile_spec si = s; /* the same tile with ideal sense and ADCs: what the bit-serial cycles and decode cost */
    si.sense.type = index_of(sense_type_names, "none");
    si.adc.type = index_of(adc_type_names, "ideal");
    if (tile_new(&j.t_ideal, &si) != CIM_OK || xbar_set_conductances(tile_xbar(j.t_ideal), j.g) != CIM_OK)
        return 1;
    tile_spec sa = s; /* current-mode ADCs (sense none): one noise draw per column and cycle */
    sa.sense.type = index_of(sense_type_names, "none");
    if (tile_new(&j.t_adc, &sa) != CIM_OK || xbar_set_conductances(tile_xbar(j.t_adc), j.g) != CIM_OK)
        return 1;
    /* The same cycles through an xbar alone. */
    dac d;
    dac_init(&d, &s.dac, NULL);
    dac_cycles cyc;
    dac_cycles_init(&cyc, &d, R);
    dac_encode(&d, j.x, 0, &cyc);
    j.n_cyc = cyc.n;
    j.v = cyc.v_V;
    xbar_spec xs = xbar_spec_default(R, P);
    if (xbar_new(&j.xb, &xs) != CIM_OK || xbar_set_conductances(j.xb, j.g) != CIM_OK)
        return 1;

    double t_tile = bench_time(run_tile, &j), t_reads = bench_time(run_reads, &j), t_ideal = bench_time(run_ideal, &j);
    double t_tile_ideal = bench_time(run_tile_ideal, &j), t_tile_adc = bench_time(run_tile_adc, &j);
    printf("bench_tile: one %zu x %zu tile MVM, %zu bit-serial cycles, tia sense, 6-bit SAR ADCs with noise\n", R, P,
           j.n_cyc);
    printf("%14s %16s %14s %14s %18s %16s\n", "tile_s", "tile_ideal_adc_s", "reads_s", "ideal_mvm_s", "periphery/reads",
           "tile/ideal_mvm");
    printf("%14.3g %16.3g %14.3g %14.3g %18.3f %16.2f\n", t_tile, t_tile_ideal, t_reads, t_ideal,
           (t_tile - t_reads) / t_reads, t_tile / t_ideal);
    printf("%14s %14s %18s  (current-mode ADCs: sense none, the ADC's noise the only draw)\n", "tile_adc_s",
           "reads_s", "periphery/reads");
    printf("%14.3g %14.3g %18.3f\n", t_tile_adc, t_reads, (t_tile_adc - t_reads) / t_reads);
    printf("(periphery/reads: the time the DAC encoding, sense, ADC and shift-add add, over the %zu array reads they "
           "wrap; the issue's bound is 1.5)\n",
           j.n_cyc);
    dac_cycles_destroy(&cyc);
    dac_destroy(&d);
    tile_free(j.t);
    tile_free(j.t_ideal);
    tile_free(j.t_adc);
    xbar_free(j.xb);
    mapping_destroy(&m);
    free(w);
    free(j.g);
    free(j.x);
    free(j.y);
    free(j.i);
    return 0;
}

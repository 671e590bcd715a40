/* tests/tilefix.h -- a weight block mapped to conductances and the tile that holds it, for the suites that test tiles
 * (test_tile.c, test_snn_xbar.c); header-only, like util.h. */
#ifndef CIM_TESTS_TILEFIX_H
#define CIM_TESTS_TILEFIX_H

#include "core/status.h"
#include "crossbar/mapping.h"
#include "periph/tile.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

typedef struct tilefix {
    mapping m;
    double *w, *g;      /* weights rows x cols (uniform in [-1, 1)), conductances rows x phys */
    size_t rows, cols, phys;
} tilefix;

static inline void tilefix_make(tilefix *f, size_t rows, size_t cols, const mapping_params *p, unsigned long seed)
{
    f->rows = rows;
    f->cols = cols;
    f->w = util_random_vec(rows * cols, -1, 1, seed);
    cr_assert_eq(mapping_plan(&f->m, p, f->w, rows, cols), CIM_OK, "%s", cim_errmsg());
    f->phys = mapping_phys_cols(&f->m, cols);
    f->g = malloc(rows * f->phys * sizeof *f->g);
    mapping_encode_block(&f->m, f->w, 0, rows, 0, cols, f->g);
}

static inline void tilefix_free(tilefix *f)
{
    mapping_destroy(&f->m);
    free(f->w);
    free(f->g);
}

/* The tile of the whole block: an ideal DAC, sense and ADC at their defaults (none, ideal), seed 7, "tile0". */
static inline tile_spec tilefix_spec(const tilefix *f)
{
    tile_spec s;
    memset(&s, 0, sizeof s);
    s.array = xbar_spec_default(f->rows, f->phys);
    s.m = &f->m;
    s.c0 = 0;
    s.nc = f->cols;
    s.dac = dac_params_default();
    s.dac.type = (int)(dac_type_find("ideal") - dac_types[0]);
    s.sense = sense_params_default();
    s.adc = adc_params_default();
    s.e_shift_add_J = 0.021e-12;
    s.seed = 7;
    s.name = "tile0";
    return s;
}

/* The index of a converter type by name (fails the test for an unknown name). */
static inline int tilefix_type(const char *const *names, const char *name)
{
    for (int k = 0; names[k] != NULL; k++)
        if (strcmp(names[k], name) == 0)
            return k;
    cr_assert_fail("no type %s", name);
    return -1;
}

/* A tile of s whose array holds g. */
static inline tile *tilefix_tile(const tile_spec *s, const double *g)
{
    tile *t;
    cr_assert_eq(tile_new(&t, s), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(xbar_set_conductances(tile_xbar(t), g), CIM_OK, "%s", cim_errmsg());
    return t;
}

#endif

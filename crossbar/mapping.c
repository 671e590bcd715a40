/* crossbar/mapping.c -- see mapping.h. */
#include "crossbar/mapping.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const mapping_scheme_names[] = {"differential", "offset", NULL};
const char *const mapping_levels_names[] = {"uniform", "list", NULL};
const char *const mapping_scale_names[] = {"max", "fixed", "percentile", NULL};
const char *const mapping_scale_per_names[] = {"matrix", "column", NULL};

/* ---- configuration ---------------------------------------------------------------------------------------- */

static const param_spec mapping_spec[] = {
    PARAM_CHOICE_F(mapping_params, scheme, mapping_scheme_names, MAPPING_DIFFERENTIAL,
                   "how a signed weight is stored: \"differential\" (two columns per slice, G+ - G- = w) or \"offset\" "
                   "(one column per slice holding w + w_max, one reference column per array subtracted digitally)"),
    PARAM_INT_F(mapping_params, weight_bits, 1, MAPPING_MAX_WEIGHT_BITS, 8,
                "bits of the weight code: of |w| for differential (the pair carries the sign), of the offset-binary "
                "w for offset (sign included); convention 8"),
    PARAM_INT_F(mapping_params, bits_per_cell, 1, MAPPING_MAX_CELL_BITS, 2,
                "bits stored per cell (2^bits_per_cell levels); a code of weight_bits is sliced into "
                "ceil(weight_bits / bits_per_cell) columns recombined by shift-and-add (convention 2, as ISAAC)"),
    PARAM_CHOICE_F(mapping_params, levels, mapping_levels_names, MAPPING_LEVELS_UNIFORM,
                   "programmable levels of a cell: \"uniform\" in [g_min_S, g_max_S], or \"list\": g_levels_S"),
    PARAM_REAL_F(mapping_params, g_min_S, 0, 1, 1e-6, "S",
                 "lowest programmable conductance (uniform levels); 1 uS: RRAM high-resistance state, on/off 100"),
    PARAM_REAL_F(mapping_params, g_max_S, 0, 1, 100e-6, "S",
                 "highest programmable conductance (uniform levels); 100 uS: RRAM low-resistance state"),
    PARAM_REALS_F(mapping_params, g_levels_S, 0, 1, "[1e-06, 3.4e-05, 6.7e-05, 0.0001]", "S",
                  "the cell's levels, strictly increasing, exactly 2^bits_per_cell of them (levels = \"list\"), e.g. "
                  "a device's measured levels; decoding assumes their mean spacing"),
    PARAM_CHOICE_F(mapping_params, scale, mapping_scale_names, MAPPING_SCALE_MAX,
                   "weight scale (the |w| mapped to the top code): \"max\" |w|, \"fixed\" w_max, or \"percentile\" of "
                   "|w|; larger weights are clipped and counted"),
    PARAM_REAL_F(mapping_params, w_max, 1e-300, 1e300, 1.0, "1", "the |w| of the top code when scale = \"fixed\""),
    PARAM_REAL_F(mapping_params, percentile, 1e-6, 100, 99.9, "1",
                 "percentile of |w| mapped to the top code when scale = \"percentile\" (linear interpolation, as "
                 "numpy); clips the outliers above it"),
    PARAM_CHOICE_F(mapping_params, scale_per, mapping_scale_per_names, MAPPING_PER_MATRIX,
                   "one weight scale for the \"matrix\" or one per output \"column\""),
    PARAM_END,
};

static int mapping_group_check(const void *values) { return mapping_check(values); }

const param_group mapping_group = {
    .path = "mapping",
    .doc = "Weights to conductances (differential pairs or offset with a reference column, bit slicing, "
           "programmable levels, scaling and clipping); the inputs are the DACs' (group dac); "
           "see crossbar/mapping.h for the policies.",
    .params = mapping_spec,
    .size = sizeof(mapping_params),
    .check = mapping_group_check,
    .moved = (const char *const[]){"input_mode", "dac.type", "input_bits", "dac.bits", "x_max", "dac.x_max",
                                   "v_read_V", "dac.v_read_V", "v_max_V", "dac.v_read_V", NULL},
};

int mapping_check(const mapping_params *p)
{
    if (p->bits_per_cell > p->weight_bits)
        return cim_error(CIM_ECONFIG, "bits_per_cell (%lld) must not exceed weight_bits (%lld)", p->bits_per_cell,
                         p->weight_bits);
    if (p->scheme == MAPPING_OFFSET && p->weight_bits < 2)
        return cim_error(CIM_ECONFIG, "scheme \"offset\" needs weight_bits >= 2 (one is the sign), not %lld",
                         p->weight_bits);
    if (p->levels == MAPPING_LEVELS_UNIFORM) {
        if (!(p->g_min_S < p->g_max_S))
            return cim_error(CIM_ECONFIG, "g_min_S (%g) must be below g_max_S (%g)", p->g_min_S, p->g_max_S);
    } else {
        size_t want = (size_t)1 << p->bits_per_cell;
        if (p->g_levels_S.n != want)
            return cim_error(CIM_ECONFIG,
                             "g_levels_S has %zu levels; bits_per_cell = %lld needs exactly 2^%lld = %zu%s", p->g_levels_S.n,
                             p->bits_per_cell, p->bits_per_cell, want,
                             want > PARAM_REALS_MAX ? " (a list holds at most 64: bits_per_cell <= 6 with levels = \"list\")"
                                                    : "");
        for (size_t k = 0; k < p->g_levels_S.n; k++) {
            double g = p->g_levels_S.v[k];
            if (!(g >= 0) || !isfinite(g))
                return cim_error(CIM_ECONFIG, "g_levels_S[%zu] (%g) must be a finite conductance >= 0", k, g);
            if (k > 0 && !(g > p->g_levels_S.v[k - 1]))
                return cim_error(CIM_ECONFIG, "g_levels_S must increase strictly: entry %zu (%g) follows %g", k, g,
                                 p->g_levels_S.v[k - 1]);
        }
    }
    return CIM_OK;
}

/* ---- scales ----------------------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The statistic of the n magnitudes in a (sorted in place) that scale selects. */
static double scale_of(const mapping_params *p, double *a, size_t n)
{
    double top = 0;
    if (p->scale == MAPPING_SCALE_FIXED)
        return p->w_max;
    if (p->scale == MAPPING_SCALE_MAX) {
        for (size_t k = 0; k < n; k++)
            top = fmax(top, a[k]);
        return top;
    }
    /* Percentile, numpy's "linear": position h = (n - 1) p / 100 between order statistics floor(h), ceil(h). */
    qsort(a, n, sizeof *a, cmp_double);
    double h = (double)(n - 1) * p->percentile / 100.0;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        return a[n - 1];
    return a[lo] + (h - (double)lo) * (a[lo + 1] - a[lo]);
}

static uint64_t digit(uint64_t code, size_t s, long long bits)
{
    return (code >> (s * (size_t)bits)) & (((uint64_t)1 << bits) - 1);
}

int mapping_plan(mapping *m, const mapping_params *p, const double *w, size_t rows, size_t cols)
{
    memset(m, 0, sizeof *m);
    int st = mapping_check(p);
    if (st != CIM_OK)
        return st;
    if (rows == 0 || cols == 0)
        return cim_error(CIM_EINVAL, "mapping: the weight matrix is empty (%zu x %zu)", rows, cols);
    for (size_t k = 0; k < rows * cols; k++)
        if (!isfinite(w[k]))
            return cim_error(CIM_EINVAL, "mapping: weight at row %zu, column %zu is %g; weights must be finite",
                             k / cols, k % cols, w[k]);
    m->p = *p;
    m->rows = rows;
    m->cols = cols;
    m->n_slices = (size_t)((p->weight_bits + p->bits_per_cell - 1) / p->bits_per_cell);
    m->cols_per_output = p->scheme == MAPPING_DIFFERENTIAL ? 2 * m->n_slices : m->n_slices;
    m->n_ref = p->scheme == MAPPING_OFFSET ? 1 : 0;

    m->n_levels = (size_t)1 << p->bits_per_cell;
    m->level_S = xmalloc(m->n_levels * sizeof *m->level_S);
    for (size_t d = 0; d < m->n_levels; d++)
        m->level_S[d] = p->levels == MAPPING_LEVELS_LIST
                            ? p->g_levels_S.v[d]
                            : p->g_min_S + (double)d * ((p->g_max_S - p->g_min_S) / (double)(m->n_levels - 1));
    m->dg_S = (m->level_S[m->n_levels - 1] - m->level_S[0]) / (double)(m->n_levels - 1);

    if (p->scheme == MAPPING_DIFFERENTIAL) {
        m->code_max = ldexp(1.0, (int)p->weight_bits) - 1;
    } else {
        m->code_max = ldexp(1.0, (int)p->weight_bits - 1) - 1;
        m->zero_code = ldexp(1.0, (int)p->weight_bits - 1);
        uint64_t z = (uint64_t)m->zero_code;
        double c = 0;
        for (size_t s = 0; s < m->n_slices; s++)
            c += ldexp(m->level_S[digit(z, s, p->bits_per_cell)], (int)(s * (size_t)p->bits_per_cell));
        m->g_ref_S = m->level_S[digit(z, m->n_slices - 1, p->bits_per_cell)];
        m->ref_factor = c / m->g_ref_S;
    }

    /* Scales: the statistic over the matrix or each column, then the clip count against it. */
    m->w_max = xmalloc(cols * sizeof *m->w_max);
    m->w_step = xmalloc(cols * sizeof *m->w_step);
    size_t n_per = p->scale_per == MAPPING_PER_MATRIX ? rows * cols : rows;
    double *a = xmalloc(n_per * sizeof *a);
    if (p->scale_per == MAPPING_PER_MATRIX) {
        for (size_t k = 0; k < rows * cols; k++)
            a[k] = fabs(w[k]);
        double s = scale_of(p, a, n_per);
        for (size_t j = 0; j < cols; j++)
            m->w_max[j] = s;
    } else {
        for (size_t j = 0; j < cols; j++) {
            for (size_t i = 0; i < rows; i++)
                a[i] = fabs(w[i * cols + j]);
            m->w_max[j] = scale_of(p, a, n_per);
        }
    }
    free(a);
    for (size_t j = 0; j < cols; j++) {
        if (!(m->w_max[j] > 0))
            m->w_max[j] = 1.0;
        m->w_step[j] = m->w_max[j] / m->code_max;
    }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            m->n_clipped += fabs(w[i * cols + j]) > m->w_max[j];
    return CIM_OK;
}

void mapping_destroy(mapping *m)
{
    free(m->level_S);
    free(m->w_max);
    free(m->w_step);
    m->level_S = m->w_max = m->w_step = NULL;
}

size_t mapping_phys_cols(const mapping *m, size_t n_outputs) { return n_outputs * m->cols_per_output + m->n_ref; }

/* ---- weights ---------------------------------------------------------------------------------------------- */

/* The signed integer code of weight w of output j, clipped to +-code_max. */
static double weight_code(const mapping *m, double w, size_t j)
{
    double k = nearbyint(w / m->w_step[j]);
    return fmin(fmax(k, -m->code_max), m->code_max);
}

void mapping_encode_block(const mapping *m, const double *w, size_t r0, size_t nr, size_t c0, size_t nc,
                          double *g_S)
{
    const size_t P = mapping_phys_cols(m, nc), cpo = m->cols_per_output, ns = m->n_slices;
    const long long b = m->p.bits_per_cell;
    const double *L = m->level_S;
    for (size_t i = 0; i < nr; i++) {
        double *g = g_S + i * P;
        const double *wr = w + (r0 + i) * m->cols;
        for (size_t j = 0; j < nc; j++) {
            double k = weight_code(m, wr[c0 + j], c0 + j);
            double *gj = g + j * cpo;
            if (m->p.scheme == MAPPING_DIFFERENTIAL) {
                uint64_t u = (uint64_t)fabs(k);
                int neg = k < 0;
                for (size_t s = 0; s < ns; s++) {
                    double on = L[digit(u, s, b)];
                    gj[2 * s] = neg ? L[0] : on;
                    gj[2 * s + 1] = neg ? on : L[0];
                }
            } else {
                uint64_t u = (uint64_t)(k + m->zero_code);
                for (size_t s = 0; s < ns; s++)
                    gj[s] = L[digit(u, s, b)];
            }
        }
        if (m->n_ref)
            g[nc * cpo] = m->g_ref_S;
    }
}

void mapping_encode_weights(const mapping *m, const double *w, double *g_S)
{
    mapping_encode_block(m, w, 0, m->rows, 0, m->cols, g_S);
}

/* The shift-and-add of one output's physical values (conductances or currents) x, reference value ref,
 * in digit units times dg: sum_s 2^(s b) (x+_s - x-_s), or sum_s 2^(s b) x_s - ref_factor ref. */
static double combine(const mapping *m, const double *x, double ref)
{
    /* Slice weights 2^(s b) by repeated multiplication: powers of two, exact. */
    const double base = ldexp(1.0, (int)m->p.bits_per_cell);
    double acc = 0, sw = 1;
    if (m->p.scheme == MAPPING_DIFFERENTIAL) {
        for (size_t s = 0; s < m->n_slices; s++, sw *= base)
            acc += sw * (x[2 * s] - x[2 * s + 1]);
    } else {
        for (size_t s = 0; s < m->n_slices; s++, sw *= base)
            acc += sw * x[s];
        acc -= m->ref_factor * ref;
    }
    return acc;
}

void mapping_reconstruct_block(const mapping *m, const double *g_S, size_t nr, size_t c0, size_t nc, double *w_q,
                               size_t ld)
{
    const size_t P = mapping_phys_cols(m, nc), cpo = m->cols_per_output;
    for (size_t i = 0; i < nr; i++) {
        const double *g = g_S + i * P;
        double ref = m->n_ref ? g[nc * cpo] : 0;
        for (size_t j = 0; j < nc; j++)
            w_q[i * ld + j] = m->w_step[c0 + j] / m->dg_S * combine(m, g + j * cpo, ref);
    }
}

void mapping_quantized_weights(const mapping *m, const double *w, double *w_q)
{
    double *g = xmalloc(m->rows * mapping_phys_cols(m, m->cols) * sizeof *g);
    mapping_encode_weights(m, w, g);
    mapping_reconstruct_block(m, g, m->rows, 0, m->cols, w_q, m->cols);
    free(g);
}

/* ---- decoding --------------------------------------------------------------------------------------------- */

void mapping_decode_add(const mapping *m, size_t c0, size_t nc, const double *i_A, double coef, double *y)
{
    const size_t cpo = m->cols_per_output;
    double ref = m->n_ref ? i_A[nc * cpo] : 0;
    for (size_t j = 0; j < nc; j++)
        y[j] += coef * (m->w_step[c0 + j] / m->dg_S) * combine(m, i_A + j * cpo, ref);
}


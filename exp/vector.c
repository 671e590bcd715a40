/* exp/vector.c -- see vector.h. */
#include "exp/vector.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>

/* want_cols: 1 for exactly one vector (the CSV reader names a line with more), 0 for any number. */
static int load(const exp_vector_spec *s, const char *path, size_t n, const char *shape_of, uint64_t seed,
                size_t k_draw, size_t want_cols, prov *pv, double **out, size_t *k)
{
    *out = NULL;
    if (path == NULL) {
        double *v = xmalloc(n * k_draw * sizeof *v);
        gsl_rng *r = rng_alloc(seed, s->stream);
        for (size_t i = 0; i < n * k_draw; i++)
            v[i] = s->lo + (s->hi - s->lo) * gsl_rng_uniform(r);
        rng_free(r);
        *out = v;
        *k = k_draw;
        return CIM_OK;
    }
    csv_read_opts o = {CSV_HEADER_AUTO, s->what,         s->unit,      -s->file_max_abs, s->file_max_abs,
                       want_cols,        s->limit_key, s->limit_key, s->limit_hint};
    csv_table t;
    int st = csv_read(path, &o, &t);
    if (st != CIM_OK)
        return st;
    if (t.rows != n && t.rows == 1 && t.cols == n) /* a row vector: the usual slip */
        st = cim_error(CIM_EINVAL,
                       "%s:%zu: expected one %s per line, one line per row of %s (%zu lines), got one line of %zu values; "
                       "write the vector as a column (several columns are several input vectors)",
                       path, t.line[0], s->what, shape_of, n, t.cols);
    else if (t.rows != n)
        st = cim_error(CIM_EINVAL, "%s holds %zu %s%s but %s has %zu rows; give one %s per row", path, t.rows, s->what,
                       t.rows == 1 ? "" : "s", shape_of, n, s->what);
    if (st != CIM_OK) {
        csv_table_free(&t);
        return st;
    }
    double *v = xmalloc(n * t.cols * sizeof *v); /* one line per entry, one column per vector: transpose */
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < t.cols; c++)
            v[c * n + i] = t.data[i * t.cols + c];
    *out = v;
    *k = t.cols;
    prov_add_input(pv, s->prov_name, path, t.fnv1a64);
    csv_table_free(&t);
    return CIM_OK;
}

int exp_vector_load(const exp_vector_spec *s, const char *path, size_t n, const char *shape_of, uint64_t seed,
                    prov *pv, double **out)
{
    size_t k;
    return load(s, path, n, shape_of, seed, 1, 1, pv, out, &k);
}

int exp_vectors_load(const exp_vector_spec *s, const char *path, size_t n, const char *shape_of, uint64_t seed,
                     size_t k_draw, prov *pv, double **out, size_t *k)
{
    return load(s, path, n, shape_of, seed, k_draw, 0, pv, out, k);
}

/* exp/vector.c -- see vector.h. */
#include "exp/vector.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>

int exp_vector_load(const exp_vector_spec *s, const char *path, size_t n, const char *shape_of, uint64_t seed,
                    prov *pv, double **out)
{
    *out = NULL;
    if (path == NULL) {
        double *v = xmalloc(n * sizeof *v);
        gsl_rng *r = rng_alloc(seed, s->stream);
        for (size_t i = 0; i < n; i++)
            v[i] = s->lo + (s->hi - s->lo) * gsl_rng_uniform(r);
        rng_free(r);
        *out = v;
        return CIM_OK;
    }
    csv_read_opts o = {CSV_HEADER_AUTO, s->what, s->unit, -HUGE_VAL, HUGE_VAL, 1};
    csv_table t;
    int st = csv_read(path, &o, &t);
    if (st != CIM_OK)
        return st;
    if (t.rows != n) {
        st = cim_error(CIM_EINVAL, "%s holds %zu %s%s but %s has %zu rows; give one %s per row", path, t.rows, s->what,
                       t.rows == 1 ? "" : "s", shape_of, n, s->what);
        csv_table_free(&t);
        return st;
    }
    *out = t.data;
    t.data = NULL;
    prov_add_input(pv, s->prov_name, path, t.fnv1a64);
    csv_table_free(&t);
    return CIM_OK;
}

/* fit/iv.c -- see iv.h. */
#include "fit/iv.h"
#include "core/csv.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void iv_trace_free(iv_trace *tr)
{
    free(tr->t_s);
    free(tr->v_V);
    free(tr->i_A);
    free(tr->line);
    free(tr->weight);
    memset(tr, 0, sizeof *tr);
}

static const char *const iv_columns[] = {"t_s", "v_V", "i_A", "weight"};
enum { N_IV_COLUMNS = 4 };

/* Takes the parsed table (csv_read/csv_parse's result, status st) apart into tr. */
static int from_table(const char *name, int st, csv_table *t, size_t min_points, iv_trace *tr)
{
    memset(tr, 0, sizeof *tr);
    if (st != CIM_OK)
        return st;
    int col[N_IV_COLUMNS]; /* t_s, v_V, i_A, weight */
    for (int q = 0; q < N_IV_COLUMNS; q++)
        col[q] = csv_column(t, iv_columns[q]);
    for (size_t j = 0; j < t->cols && st == CIM_OK; j++) {
        int first = csv_column(t, t->header[j]), known = 0;
        for (int q = 0; q < N_IV_COLUMNS; q++)
            known |= strcmp(t->header[j], iv_columns[q]) == 0;
        if (!known)
            st = cim_error(CIM_EIO, "%s:%zu: column %zu is \"%s\"; an I-V trace has the columns t_s (optional), "
                                    "v_V, i_A and weight (optional)",
                           name, t->header_line, j + 1, t->header[j]);
        else if (first != (int)j)
            st = cim_error(CIM_EIO, "%s:%zu: column %zu repeats \"%s\" (column %d)", name, t->header_line, j + 1,
                           t->header[j], first + 1);
    }
    for (int q = 1; q < 3 && st == CIM_OK; q++)
        if (col[q] < 0)
            st = cim_error(CIM_EIO, "%s:%zu: missing column %s (the header has t_s (optional), v_V and i_A)", name,
                           t->header_line, iv_columns[q]);
    if (st == CIM_OK && t->rows < min_points)
        st = cim_error(CIM_EIO, "%s: %zu data points, but the fit needs at least %zu (one more than its parameters)",
                       name, t->rows, min_points);
    if (st != CIM_OK) {
        csv_table_free(t);
        return st;
    }
    size_t n = t->rows;
    tr->n = n;
    tr->v_V = xmalloc(n * sizeof *tr->v_V);
    tr->i_A = xmalloc(n * sizeof *tr->i_A);
    tr->line = xmalloc(n * sizeof *tr->line);
    tr->t_s = col[0] >= 0 ? xmalloc(n * sizeof *tr->t_s) : NULL;
    tr->weight = col[3] >= 0 ? xmalloc(n * sizeof *tr->weight) : NULL;
    double w_sum = 0.0;
    tr->fnv1a64 = t->fnv1a64;
    for (size_t k = 0; k < n; k++) {
        const double *row = t->data + k * t->cols;
        tr->v_V[k] = row[col[1]];
        tr->i_A[k] = row[col[2]];
        tr->line[k] = t->line[k];
        if (tr->weight != NULL) {
            tr->weight[k] = row[col[3]];
            w_sum += tr->weight[k];
            if (st == CIM_OK && !(tr->weight[k] >= 0))
                st = cim_error(CIM_EIO, "%s:%zu: weight (column %d) is %g; a weight must be 0 or positive", name,
                               t->line[k], col[3] + 1, tr->weight[k]);
        }
        if (tr->t_s != NULL) {
            tr->t_s[k] = row[col[0]];
            if (k > 0 && st == CIM_OK && !(tr->t_s[k] > tr->t_s[k - 1]))
                st = cim_error(CIM_EIO, "%s:%zu: t_s (column %d) must increase, but %g s follows %g s on line %zu", name,
                               t->line[k], col[0] + 1, tr->t_s[k], tr->t_s[k - 1], t->line[k - 1]);
        }
    }
    if (st == CIM_OK && tr->weight != NULL && !(w_sum > 0))
        st = cim_error(CIM_EIO, "%s:%zu: every weight (column %d) is 0: nothing would be fitted", name, t->header_line,
                       col[3] + 1);
    csv_table_free(t);
    if (st != CIM_OK)
        iv_trace_free(tr);
    return st;
}

static csv_read_opts iv_opts(void)
{
    csv_read_opts o = csv_opts_any();
    o.header = CSV_HEADER_REQUIRED;
    return o;
}

int iv_read(const char *path, size_t min_points, iv_trace *tr)
{
    csv_read_opts o = iv_opts();
    csv_table t;
    int st = csv_read(path, &o, &t);
    return from_table(path, st, &t, min_points, tr);
}

int iv_parse(const char *name, const char *text, size_t len, size_t min_points, iv_trace *tr)
{
    csv_read_opts o = iv_opts();
    csv_table t;
    int st = csv_parse(name, text, len, &o, &t);
    return from_table(name, st, &t, min_points, tr);
}

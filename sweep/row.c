/* sweep/row.c -- running one run of a sweep into its row; rows as text for other ranks. */
#include "sweep/row.h"

#include "core/progress.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sweep_fmt_real(char *buf, size_t n, double x)
{
    if (isnan(x)) {
        snprintf(buf, n, "nan");
        return;
    }
    /* Most metrics need 16 or 17 digits.  A double that reads back from a decimal of p <= 15 digits lies within half
     * an ulp (<= 1.1e-16 relative) of it, inside half a step of the 15-digit grid (>= 5e-16 relative), so %.15g
     * prints that decimal and reads back too: when 15 digits do not, no fewer do, and the search starts at 16 -- the
     * same text as searching from 6, in three conversions instead of twelve (the sweep formats every metric of every
     * row twice). */
    snprintf(buf, n, "%.15g", x);
    for (int prec = strtod(buf, NULL) == x ? 6 : 16; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

void sweep_row_init(sweep_row *r, size_t run)
{
    memset(r, 0, sizeof *r);
    r->run = run;
    exp_metrics_init(&r->metrics);
}

void sweep_row_free(sweep_row *r)
{
    free(r->error);
    exp_metrics_free(&r->metrics);
    memset(r, 0, sizeof *r);
}

static void fail(sweep_row *row, int st, const char *msg)
{
    row->status = st != CIM_OK ? st : CIM_ESIM;
    free(row->error);
    row->error = xstrdup(msg != NULL && msg[0] ? msg : cim_strstatus(row->status));
}

void sweep_run_one(const sweep_spec *s, size_t i, sweep_row *row)
{
    sweep_row_init(row, i);
    double t0 = progress_now_s();
    size_t n;
    char **sets = sweep_run_sets(s, i, &n);
    experiment_loading l = {.path = s->file, .sets = (const char *const *)sets, .n_sets = n, .fixed = s->x,
                            .skip_group = "sweep"};
    /* Files the config names (snn.data, stimulus PWL files) are relative to its folder, as for the CLI. */
    const char *slash = strrchr(s->file, '/');
    char *dir = xstrdup(s->file);
    dir[slash != NULL ? (size_t)(slash - s->file + 1) : 0] = '\0';
    exp_inputs in = {.base_dir = dir};
    exp_run r;
    exp_metrics all;
    exp_metrics_init(&all);
    cim_error_clear();
    /* The run reads the config again: it must be the file the sweep was checked and hashed against, before and
     * after the run (an edit during the run may have been read half-written). */
    int ran = sweep_file_fnv(s->file) == s->file_fnv;
    int st = ran ? experiment_run(&l, &in, &r, &all) : CIM_ECONFIG;
    if (!ran || sweep_file_fnv(s->file) != s->file_fnv)
        st = cim_error(CIM_ECONFIG, "%s changed on disk after the sweep started: restore it and run the sweep again, "
                                    "or start over with --restart",
                       s->file);
    free(dir);
    if (st != CIM_OK)
        fail(row, st, cim_errmsg());
    else if (s->n_metrics == 0) {
        row->metrics = all;
        exp_metrics_init(&all);
    } else {
        for (size_t k = 0; k < s->n_metrics; k++) {
            const exp_metric *m = exp_metrics_find(&all, s->metrics[k]);
            if (m == NULL) {
                char msg[1024];
                snprintf(msg, sizeof msg, "%s:%d: sweep.metrics: the %s experiment reports no metric %s (cimsim %s "
                                          "--format json lists the metrics it reports)",
                         s->file, s->metrics_line, s->x->name, s->metrics[k], s->x->command);
                fail(row, CIM_ECONFIG, msg);
                exp_metrics_free(&row->metrics);
                exp_metrics_init(&row->metrics);
                break;
            }
            exp_metrics_add(&row->metrics, m->name, m->unit, m->value);
        }
    }
    exp_metrics_free(&all);
    if (ran)
        exp_run_free(&r);
    sweep_sets_free(sets, n);
    row->runtime_s = progress_now_s() - t0;
}

char *sweep_row_encode(const sweep_row *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "run", json_integer((json_int_t)r->run));
    json_object_set_new(j, "status", json_integer(r->status));
    json_object_set_new(j, "error", r->error ? json_string(r->error) : json_null());
    json_object_set_new(j, "runtime_s", json_real(r->runtime_s));
    json_t *ms = json_array();
    for (size_t k = 0; k < r->metrics.n; k++) {
        const exp_metric *m = &r->metrics.m[k];
        json_array_append_new(ms, json_pack("[s, s, o]", m->name, m->unit,
                                            isfinite(m->value) ? json_real(m->value) : json_null()));
    }
    json_object_set_new(j, "metrics", ms);
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(j);
    if (text == NULL)
        abort(); /* out of memory: the one abort (core/xalloc.h) */
    return text;
}

/* Units are static strings in exp_metrics: the unit of a decoded metric is recomputed from its name, which is
 * where exp_unit_of got it on the sending side. */
int sweep_row_decode(const char *text, sweep_row *r)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    sweep_row_init(r, 0);
    json_t *ms = j ? json_object_get(j, "metrics") : NULL;
    if (j == NULL || !json_is_integer(json_object_get(j, "run")) || !json_is_array(ms)) {
        json_decref(j);
        return cim_error(CIM_EIO, "sweep: a malformed row came from another rank: %.80s", text);
    }
    r->run = (size_t)json_integer_value(json_object_get(j, "run"));
    r->status = (int)json_integer_value(json_object_get(j, "status"));
    const char *err = json_string_value(json_object_get(j, "error"));
    r->error = err != NULL ? xstrdup(err) : NULL;
    r->runtime_s = json_number_value(json_object_get(j, "runtime_s"));
    size_t k;
    json_t *m;
    json_array_foreach(ms, k, m)
    {
        const char *name = json_string_value(json_array_get(m, 0));
        json_t *v = json_array_get(m, 2);
        if (name == NULL)
            continue;
        exp_metrics_add(&r->metrics, name, exp_unit_of(name), json_is_number(v) ? json_number_value(v) : NAN);
    }
    json_decref(j);
    return CIM_OK;
}

/* bench/bench_csv.c -- CSV parsing (csv_parse, with line/column tracking and every check) against a
 * plain strtod loop over the same text: ratio = csv_parse time / plain loop time. */
#include "bench/bench.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    strbuf text;
    double *out;
    size_t n;
} job;

static void ours(void *p)
{
    job *j = p;
    csv_table t;
    csv_read_opts o = csv_opts_any();
    if (csv_parse("bench.csv", j->text.s, j->text.len, &o, &t) != 0)
        abort();
    csv_table_free(&t);
}

/* The reference: the least a parser must do -- convert every number, skip the separators. */
static void plain(void *p)
{
    job *j = p;
    const char *s = j->text.s;
    size_t k = 0;
    while (*s) {
        char *end;
        j->out[k++] = strtod(s, &end);
        s = end + (*end != '\0');
    }
}

int main(void)
{
    enum { R = 1000, C = 256 };
    job j;
    strbuf_init(&j.text);
    gsl_rng *r = rng_alloc(1, "bench");
    for (size_t i = 0; i < R; i++)
        for (size_t c = 0; c < C; c++)
            strbuf_printf(&j.text, "%.17g%c", 1e-6 + 1e-4 * gsl_rng_uniform(r), c + 1 == C ? '\n' : ',');
    rng_free(r);
    j.n = R * C;
    j.out = malloc(j.n * sizeof *j.out);
    double t_ours = bench_time(ours, &j), t_ref = bench_time(plain, &j);
    printf("bench_csv: parse %dx%d matrix (%.1f MB) vs plain strtod loop\n", R, C, (double)j.text.len / 1e6);
    printf("%14s %14s %10s %12s\n", "cimsim_s", "strtod_s", "ratio", "cimsim_MB/s");
    printf("%14.4g %14.4g %10.3f %12.1f\n", t_ours, t_ref, t_ours / t_ref, (double)j.text.len / t_ours / 1e6);
    strbuf_destroy(&j.text);
    free(j.out);
    return 0;
}

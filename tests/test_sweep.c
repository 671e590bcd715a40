/* tests/test_sweep.c -- the sweep engine (sweep/, `cimsim sweep`): how a sweep expands into runs (grid, zip,
 * linspace/logspace, random and Latin hypercube draws, repeats and their seeds) against values computed here; the
 * result file's identity for any -j; resuming after SIGKILL, SIGINT, a torn or NUL-padded last line or a journal in
 * any order; failed points recorded while the rest complete; bad sweep specs refused with FILE:LINE and the key and
 * nothing written; a changed config refusing to resume; --dry-run and --format json. */
#include "core/status.h"
#include "core/threads.h"
#include "sweep/file.h"
#include "sweep/pool.h"
#include "sweep/row.h"
#include "sweep/spec.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

/* ---- helpers -------------------------------------------------------------------------------------------------- */

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *write_cfg(const char *dir, const char *name, const char *text)
{
    char *p = path_in(dir, name);
    util_write(p, text);
    return p;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Removes a test's folder (flat: files only) and frees its path. */
static void remove_dir(char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            char *p = path_in(dir, e->d_name);
            unlink(p);
            free(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    free(dir);
}

static sweep_spec load_ok(const char *path, const char *seed)
{
    sweep_spec s;
    int st = sweep_load(&s, path, NULL, 0, seed);
    cr_assert_eq(st, CIM_OK, "sweep_load %s: %s", path, cim_errmsg());
    return s;
}

/* The 1-based line of text that contains marker (0 if none). */
static int line_of(const char *text, const char *marker)
{
    const char *at = strstr(text, marker);
    if (at == NULL)
        return 0;
    int line = 1;
    for (const char *c = text; c < at; c++)
        line += *c == '\n';
    return line;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* A CSV line (no newline) split into fields; quotes honoured ("" inside quotes is one quote).  -1 on an unterminated
 * quote. */
static long split_csv(const char *line, char ***out)
{
    char **f = NULL;
    long n = 0;
    const char *c = line;
    for (;;) {
        size_t cap = strlen(c) + 1, k = 0;
        char *b = malloc(cap);
        if (*c == '"') {
            c++;
            for (;;) {
                if (*c == '\0') {
                    free(b);
                    for (long i = 0; i < n; i++)
                        free(f[i]);
                    free(f);
                    return -1;
                }
                if (c[0] == '"' && c[1] == '"') {
                    b[k++] = '"';
                    c += 2;
                } else if (*c == '"') {
                    c++;
                    break;
                } else
                    b[k++] = *c++;
            }
        }
        while (*c != ',' && *c != '\0')
            b[k++] = *c++;
        b[k] = '\0';
        f = realloc(f, (size_t)(n + 1) * sizeof *f);
        f[n++] = b;
        if (*c != ',')
            break;
        c++;
    }
    *out = f;
    return n;
}

static void free_fields(char **f, long n)
{
    for (long i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

/* A result file read back: the column line and the rows after the comment block. */
typedef struct table {
    char **head;
    long n_cols;
    char ***rows;
    long *n_fields; /* per row */
    size_t n_rows;
    int ends_with_newline;
} table;

static table read_table_text(const char *text)
{
    table t;
    memset(&t, 0, sizeof t);
    size_t len = strlen(text);
    t.ends_with_newline = len == 0 || text[len - 1] == '\n';
    const char *c = text;
    while (*c) {
        const char *nl = strchr(c, '\n');
        size_t n = nl ? (size_t)(nl - c) : strlen(c);
        char *line = strndup(c, n);
        if (line[0] != '#' && line[0] != '\0') {
            char **f;
            long nf = split_csv(line, &f);
            if (t.head == NULL) {
                cr_assert_geq(nf, 1, "column line: %s", line);
                t.head = f;
                t.n_cols = nf;
            } else {
                t.rows = realloc(t.rows, (t.n_rows + 1) * sizeof *t.rows);
                t.n_fields = realloc(t.n_fields, (t.n_rows + 1) * sizeof *t.n_fields);
                t.rows[t.n_rows] = nf >= 0 ? f : NULL;
                t.n_fields[t.n_rows++] = nf;
            }
        }
        free(line);
        c += n + (nl != NULL);
    }
    return t;
}

static table read_table(const char *path)
{
    char *text = util_slurp(path, NULL);
    cr_assert_not_null(text, "%s is missing", path);
    table t = read_table_text(text);
    free(text);
    return t;
}

static void table_free(table *t)
{
    for (size_t r = 0; r < t->n_rows; r++)
        if (t->rows[r] != NULL)
            free_fields(t->rows[r], t->n_fields[r]);
    free(t->rows);
    free(t->n_fields);
    if (t->head != NULL)
        free_fields(t->head, t->n_cols);
}

static long col(const table *t, const char *name)
{
    for (long k = 0; k < t->n_cols; k++)
        if (strcmp(t->head[k], name) == 0)
            return k;
    return -1;
}

static const char *cell(const table *t, size_t r, const char *name)
{
    long k = col(t, name);
    cr_assert_geq(k, 0, "no column %s", name);
    return t->rows[r][k];
}

/* Every row has as many fields as the column line, and the file ends with a newline: a killed writer left only
 * whole rows.  Returns the number of rows. */
static size_t expect_complete_rows(const char *path)
{
    table t = read_table(path);
    cr_expect(t.ends_with_newline, "%s: the last row is not complete", path);
    for (size_t r = 0; r < t.n_rows; r++)
        cr_expect_eq(t.n_fields[r], t.n_cols, "%s: row %zu has %ld fields, the column line %ld", path, r + 1,
                     t.n_fields[r], t.n_cols);
    size_t n = t.n_rows;
    table_free(&t);
    return n;
}

/* The file without its runtime_s column (the last of the final file: wall time, the one column that differs between
 * runs of the same sweep).  The comment block is kept whole. */
static char *strip_runtime(const char *path)
{
    char *text = util_slurp(path, NULL);
    cr_assert_not_null(text, "%s is missing", path);
    char *out = malloc(strlen(text) + 1);
    size_t k = 0;
    int header = 1;
    for (const char *c = text; *c;) {
        const char *nl = strchr(c, '\n');
        size_t n = nl ? (size_t)(nl - c) : strlen(c);
        if (c[0] == '#') {
            memcpy(out + k, c, n);
            k += n;
        } else {
            const char *comma = c + n;
            while (comma > c && *comma != ',')
                comma--;
            if (header)
                cr_assert(n >= 10 && strncmp(c + n - 10, ",runtime_s", 10) == 0, "%s: the last column is not runtime_s",
                          path);
            header = 0;
            memcpy(out + k, c, (size_t)(comma - c));
            k += (size_t)(comma - c);
        }
        if (nl != NULL)
            out[k++] = '\n';
        c += n + (nl != NULL);
    }
    out[k] = '\0';
    free(text);
    return out;
}

static void expect_same_but_runtime(const char *path, const char *ref_path)
{
    char *a = strip_runtime(path), *b = strip_runtime(ref_path);
    cr_expect_str_eq(a, b, "%s differs from %s (runtime_s aside)", path, ref_path);
    free(a);
    free(b);
}

/* Starts `cimsim ARGS` in dir (ARGS split on spaces) with stdout and stderr to files; returns its pid. */
static pid_t spawn_cli(const char *dir, const char *args, const char *out_path, const char *err_path)
{
    char *copy = strdup(args);
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)CIM_BIN;
    for (char *tok = strtok(copy, " "); tok && argc < 63; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (chdir(dir) != 0 || fo < 0 || fe < 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(CIM_BIN, argv);
        _exit(127);
    }
    free(copy);
    cr_assert_gt(pid, 0, "fork");
    return pid;
}

/* Rows (newline-terminated lines after the column line) in a result file so far. */
static size_t rows_so_far(const char *path)
{
    char *text = util_slurp(path, NULL);
    if (text == NULL)
        return 0;
    size_t rows = 0;
    int header = 0;
    for (const char *c = text; *c;) {
        const char *nl = strchr(c, '\n');
        if (nl == NULL)
            break;
        if (c[0] != '#') {
            if (header)
                rows++;
            header = 1;
        }
        c = nl + 1;
    }
    free(text);
    return rows;
}

/* Waits until path holds at least n rows; 0 if the process exited first or a minute passed. */
static int wait_rows(const char *path, size_t n, pid_t pid)
{
    for (int k = 0; k < 60000; k++) {
        if (rows_so_far(path) >= n)
            return 1;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return 0;
        sleep_ms(1);
    }
    return 0;
}

static int run_ok(const char *dir, const char *args)
{
    char *out, *err;
    int st = util_run_cli(dir, args, &out, &err);
    cr_expect_eq(st, 0, "cimsim %s: exit %d: %s", args, st, err);
    free(out);
    free(err);
    return st;
}

/* ---- expansion ------------------------------------------------------------------------------------------------ */

#define MVM_BASE "experiment = \"mvm\";\nrun = { seed = 11; };\ncrossbar = { rows = 8; cols = 8; };\n"

Test(sweep_expand, grid_is_the_cartesian_product_in_nested_loop_order)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "g.cfg",
                        MVM_BASE "sweep = {\n"
                                 "  axes = (\n"
                                 "    { key = \"crossbar.rows\"; values = [8, 16, 32]; },\n"
                                 "    { key = [\"crossbar.r_row_ohm\", \"crossbar.r_col_ohm\"]; values = [0.5, 2.0]; },\n"
                                 "    { key = \"mvm.v_max_V\"; values = [0.1, 0.2]; }\n"
                                 "  );\n"
                                 "};\n");
    sweep_spec s = load_ok(p, NULL);
    const double rows[] = {8, 16, 32}, wire[] = {0.5, 2.0}, vmax[] = {0.1, 0.2};
    const char *rows_label[] = {"8", "16", "32"};
    cr_assert_eq(s.n_axes, 3);
    cr_assert_eq(s.n_runs, 3 * 2 * 2);
    cr_expect_eq(s.repeats, 1);
    cr_assert_eq(sweep_n_key_columns(&s), 4, "the two-key axis takes two columns");
    const char *cols[] = {"crossbar.rows", "crossbar.r_row_ohm", "crossbar.r_col_ohm", "mvm.v_max_V"};
    for (size_t k = 0; k < 4; k++)
        cr_expect_str_eq(sweep_key_column(&s, k, NULL), cols[k]);
    size_t i = 0;
    for (size_t a = 0; a < 3; a++) /* the first axis varies slowest */
        for (size_t b = 0; b < 2; b++)
            for (size_t c = 0; c < 2; c++, i++) {
                const sweep_point *pt = &s.runs[i];
                cr_expect_eq(pt->point, i);
                cr_expect_eq(pt->repeat, 0);
                cr_expect_eq(pt->num[0], rows[a], "run %zu", i);
                cr_expect_str_eq(pt->label[0], rows_label[a], "run %zu", i);
                cr_expect_eq(pt->num[1], wire[b], "run %zu", i);
                cr_expect_eq(pt->num[2], vmax[c], "run %zu", i);
                /* the overrides of the run set both keys of the two-key axis, and the run's seed */
                size_t n;
                char **sets = sweep_run_sets(&s, i, &n);
                char want[128];
                int found_row = 0, found_col = 0, found_seed = 0;
                for (size_t k = 0; k < n; k++) {
                    char *eq = strchr(sets[k], '=');
                    cr_assert_not_null(eq, "%s", sets[k]);
                    if (strncmp(sets[k], "crossbar.r_row_ohm=", 19) == 0)
                        found_row = strtod(eq + 1, NULL) == wire[b];
                    if (strncmp(sets[k], "crossbar.r_col_ohm=", 19) == 0)
                        found_col = strtod(eq + 1, NULL) == wire[b];
                    snprintf(want, sizeof want, "run.seed=%lld", pt->seed);
                    found_seed |= strcmp(sets[k], want) == 0;
                }
                cr_expect(found_row && found_col && found_seed, "run %zu: overrides lack a key or the seed", i);
                sweep_sets_free(sets, n);
            }
    sweep_spec_free(&s);
    free(p), remove_dir(dir);
}

Test(sweep_expand, zip_takes_the_ith_values_together)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "z.cfg",
                        MVM_BASE "sweep = {\n"
                                 "  mode = \"zip\";\n"
                                 "  axes = (\n"
                                 "    { key = [\"crossbar.rows\", \"crossbar.cols\"]; values = [8, 16, 32, 4]; },\n"
                                 "    { key = \"mvm.v_max_V\"; values = [0.1, 0.15, 0.2, 0.3]; },\n"
                                 "    { key = \"crossbar.solver\"; values = [\"auto\", \"pcg\", \"direct\", \"pcg\"]; }\n"
                                 "  );\n"
                                 "};\n");
    sweep_spec s = load_ok(p, NULL);
    const double n[] = {8, 16, 32, 4}, v[] = {0.1, 0.15, 0.2, 0.3};
    const char *solver[] = {"auto", "pcg", "direct", "pcg"};
    cr_assert_eq(s.n_runs, 4, "zip: as many points as each axis has values, not 4^3");
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(s.runs[i].num[0], n[i]);
        cr_expect_eq(s.runs[i].num[1], v[i]);
        cr_expect_str_eq(s.runs[i].label[2], solver[i], "strings are shown unquoted");
        cr_expect(isnan(s.runs[i].num[2]), "a string has no number");
    }
    cr_expect_eq(s.axes[2].numeric, 0);
    cr_expect_eq(s.axes[1].numeric, 1);
    sweep_spec_free(&s);
    free(p), remove_dir(dir);
}

Test(sweep_expand, linspace_and_logspace_follow_their_closed_forms)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "l.cfg",
                        MVM_BASE "sweep = {\n"
                                 "  axes = (\n"
                                 "    { key = \"mvm.v_max_V\"; linspace = [0.1, 0.5]; n = 9; },\n"
                                 "    { key = \"crossbar.r_row_ohm\"; logspace = [0.01, 300.0]; n = 7; },\n"
                                 "    { key = \"crossbar.r_col_ohm\"; linspace = [2.5, 2.5]; n = 1; }\n"
                                 "  );\n"
                                 "};\n");
    sweep_spec s = load_ok(p, NULL);
    cr_assert_eq(s.n_runs, 9 * 7);
    cr_expect_eq(s.axes[0].scale, SWEEP_LINEAR);
    cr_expect_eq(s.axes[1].scale, SWEEP_LOG);
    cr_expect_str_eq(s.axes[1].unit, "ohm", "the unit of the key from its parameter table");
    for (size_t i = 0; i < s.n_runs; i++) {
        size_t a = i / 7, b = i % 7;
        double lin = 0.1 + (0.5 - 0.1) * (double)a / 8.0;
        double lg = 0.01 * pow(300.0 / 0.01, (double)b / 6.0);
        cr_expect_leq(fabs(s.runs[i].num[0] - lin), 4e-16 * lin, "linspace value %zu: %.17g vs %.17g", a,
                      s.runs[i].num[0], lin);
        cr_expect_leq(fabs(s.runs[i].num[1] - lg), 1e-14 * lg, "logspace value %zu: %.17g vs %.17g", b,
                      s.runs[i].num[1], lg);
        cr_expect_eq(s.runs[i].num[2], 2.5, "n = 1 with first == last is the one value");
        /* the override text reads back as exactly the value the row reports */
        for (size_t k = 0; k < 3; k++)
            cr_expect_eq(strtod(s.runs[i].value_text[k], NULL), s.runs[i].num[k], "%s", s.runs[i].value_text[k]);
    }
    /* the ends are the given values exactly */
    cr_expect_eq(s.runs[0].num[0], 0.1);
    cr_expect_eq(s.runs[s.n_runs - 1].num[0], 0.5);
    cr_expect_eq(s.runs[0].num[1], 0.01);
    cr_expect_eq(s.runs[s.n_runs - 1].num[1], 300.0);
    sweep_spec_free(&s);
    free(p), remove_dir(dir);
}

Test(sweep_expand, integer_keys_take_whole_numbers_only)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "i.cfg",
                        MVM_BASE "sweep = {\n"
                                 "  axes = (\n"
                                 "    { key = \"crossbar.rows\"; linspace = [4, 8]; n = 5; },\n"
                                 "    { key = \"crossbar.cols\"; values = [8.0, 16.0]; }\n"
                                 "  );\n"
                                 "};\n");
    sweep_spec s = load_ok(p, NULL);
    cr_assert_eq(s.n_runs, 10);
    const char *want[] = {"4", "5", "6", "7", "8"};
    for (size_t i = 0; i < 10; i++) {
        cr_expect_str_eq(s.runs[i].label[0], want[i / 2], "an integer key shows whole numbers");
        cr_expect_str_eq(s.runs[i].value_text[0], want[i / 2]);
        cr_expect_str_eq(s.runs[i].label[1], i % 2 ? "16" : "8", "8.0 is the integer 8");
    }
    cr_expect(s.axes[0].is_int);
    sweep_spec_free(&s);

    /* 4, 5.33, 6.67, 8: not integers */
    char *q = write_cfg(dir, "j.cfg",
                        MVM_BASE "sweep = {\n  axes = ( { key = \"crossbar.rows\"; linspace = [4, 8]; n = 4; } );\n};\n");
    int st = sweep_load(&s, q, NULL, 0, NULL);
    cr_expect_eq(st, CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "j.cfg:5:") && strstr(cim_errmsg(), "crossbar.rows") &&
                  strstr(cim_errmsg(), "whole number"),
              "%s", cim_errmsg());
    sweep_spec_free(&s);
    char *r = write_cfg(dir, "k.cfg",
                        MVM_BASE "sweep = {\n  axes = ( { key = \"crossbar.rows\"; values = [8.0, 16.5]; } );\n};\n");
    st = sweep_load(&s, r, NULL, 0, NULL);
    cr_expect_eq(st, CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "16.5") && strstr(cim_errmsg(), "crossbar.rows"), "%s", cim_errmsg());
    sweep_spec_free(&s);
    free(p), free(q), free(r), remove_dir(dir);
}

/* random: every draw in its range, integers whole and every integer of the range drawn, values among the given ones,
 * the mean of a uniform axis where it should be; the same seed the same draws, another seed other draws. */
Test(sweep_expand, random_draws_stay_in_range_and_follow_the_seed)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "r.cfg",
                        MVM_BASE "sweep = {\n"
                                 "  mode = \"random\";\n"
                                 "  points = 300;\n"
                                 "  axes = (\n"
                                 "    { key = \"mvm.v_max_V\"; uniform = [0.1, 0.3]; },\n"
                                 "    { key = \"crossbar.r_row_ohm\"; loguniform = [0.01, 100.0]; },\n"
                                 "    { key = \"crossbar.rows\"; uniform = [2, 5]; },\n"
                                 "    { key = \"crossbar.solver\"; values = [\"auto\", \"pcg\", \"direct\"]; }\n"
                                 "  );\n"
                                 "};\n");
    sweep_spec s = load_ok(p, NULL), same = load_ok(p, NULL), other = load_ok(p, "12");
    cr_assert_eq(s.n_runs, 300);
    cr_assert_eq(other.n_runs, 300);
    double sum_v = 0, sum_log = 0;
    int count_int[6] = {0}, count_str[3] = {0};
    size_t differ = 0;
    for (size_t i = 0; i < 300; i++) {
        const sweep_point *pt = &s.runs[i];
        cr_expect(pt->num[0] >= 0.1 && pt->num[0] <= 0.3, "%g", pt->num[0]);
        cr_expect(pt->num[1] >= 0.01 && pt->num[1] <= 100.0, "%g", pt->num[1]);
        cr_expect(pt->num[2] >= 2 && pt->num[2] <= 5 && pt->num[2] == floor(pt->num[2]), "%g", pt->num[2]);
        for (size_t k = 0; k < 3; k++)
            cr_expect_eq(strtod(pt->value_text[k], NULL), pt->num[k], "the override is the value");
        if (pt->num[2] >= 2 && pt->num[2] <= 5)
            count_int[(int)pt->num[2]]++;
        const char *names[] = {"auto", "pcg", "direct"};
        int known = 0;
        for (int k = 0; k < 3; k++)
            if (strcmp(pt->label[3], names[k]) == 0)
                count_str[k]++, known = 1;
        cr_expect(known, "%s is not among the values", pt->label[3]);
        sum_v += pt->num[0];
        sum_log += log10(pt->num[1]);
        for (size_t k = 0; k < 4; k++)
            cr_expect_str_eq(same.runs[i].value_text[k], pt->value_text[k], "the same seed draws the same points");
        cr_expect_eq(same.runs[i].seed, pt->seed);
        differ += other.runs[i].num[0] != pt->num[0];
    }
    /* uniform [0.1, 0.3]: mean 0.2, sd of the mean 0.2 / sqrt(12 * 300) = 0.0033; log10 of loguniform [0.01, 100]:
     * uniform on [-2, 2], mean 0, sd of the mean 4 / sqrt(12 * 300) = 0.067.  Five sd. */
    cr_expect_leq(fabs(sum_v / 300 - 0.2), 5 * 0.2 / sqrt(12.0 * 300), "mean %g", sum_v / 300);
    cr_expect_leq(fabs(sum_log / 300), 5 * 4.0 / sqrt(12.0 * 300), "mean log10 %g", sum_log / 300);
    for (int k = 2; k <= 5; k++) /* each has probability 1/4: missing one in 300 draws is (3/4)^300 */
        cr_expect_gt(count_int[k], 0, "the integer %d is never drawn from uniform = [2, 5]", k);
    for (int k = 0; k < 3; k++)
        cr_expect_gt(count_str[k], 0, "value %d is never drawn", k);
    cr_expect_gt(differ, 290, "another seed draws other points (%zu of 300 differ)", differ);
    sweep_spec_free(&s);
    sweep_spec_free(&same);
    sweep_spec_free(&other);
    free(p), remove_dir(dir);
}

/* Latin hypercube: for every axis, each of the `points` equal-probability strata holds exactly one point. */
Test(sweep_expand, lhs_puts_one_point_in_each_stratum_of_every_axis)
{
    enum { N = 40 };
    char *dir = util_tmpdir();
    char text[1024];
    snprintf(text, sizeof text,
             MVM_BASE "sweep = {\n"
                      "  mode = \"lhs\";\n"
                      "  points = %d;\n"
                      "  axes = (\n"
                      "    { key = \"mvm.v_max_V\"; uniform = [0.1, 0.3]; },\n"
                      "    { key = \"crossbar.r_row_ohm\"; loguniform = [0.01, 100.0]; },\n"
                      "    { key = \"crossbar.rows\"; uniform = [1, 8]; },\n"
                      "    { key = \"crossbar.r_col_ohm\"; values = [0.5, 1.0, 2.0, 4.0]; }\n"
                      "  );\n"
                      "};\n",
             N);
    char *p = write_cfg(dir, "h.cfg", text);
    sweep_spec s = load_ok(p, NULL), other = load_ok(p, "99");
    cr_assert_eq(s.n_runs, N);
    int lin[N] = {0}, lg[N] = {0}, ints[9] = {0};
    int vals[4] = {0};
    const double v4[] = {0.5, 1.0, 2.0, 4.0};
    for (size_t i = 0; i < N; i++) {
        const sweep_point *pt = &s.runs[i];
        int a = (int)floor((pt->num[0] - 0.1) / 0.2 * N);
        int b = (int)floor(log(pt->num[1] / 0.01) / log(100.0 / 0.01) * N);
        cr_assert(a >= 0 && a < N && b >= 0 && b < N, "%g %g outside the range", pt->num[0], pt->num[1]);
        lin[a]++;
        lg[b]++;
        cr_assert(pt->num[2] >= 1 && pt->num[2] <= 8 && pt->num[2] == floor(pt->num[2]), "%g", pt->num[2]);
        ints[(int)pt->num[2]]++;
        for (int k = 0; k < 4; k++)
            vals[k] += pt->num[3] == v4[k];
    }
    for (int k = 0; k < N; k++) {
        cr_expect_eq(lin[k], 1, "uniform axis: stratum %d holds %d points", k, lin[k]);
        cr_expect_eq(lg[k], 1, "loguniform axis: stratum %d holds %d points", k, lg[k]);
    }
    /* 8 whole numbers over 40 strata: 5 strata each; 4 values: 10 each */
    for (int k = 1; k <= 8; k++)
        cr_expect_eq(ints[k], N / 8, "integer %d drawn %d times", k, ints[k]);
    for (int k = 0; k < 4; k++)
        cr_expect_eq(vals[k], N / 4, "value %g drawn %d times", v4[k], vals[k]);
    size_t differ = 0;
    for (size_t i = 0; i < N; i++)
        differ += other.runs[i].num[0] != s.runs[i].num[0];
    cr_expect_gt(differ, N / 2, "another seed, another hypercube");
    sweep_spec_free(&s);
    sweep_spec_free(&other);
    free(p), remove_dir(dir);
}

static char *repeats_cfg(const char *dir, const char *name, const char *seeds, const char *rows, const char *vmax)
{
    char text[1024];
    snprintf(text, sizeof text,
             MVM_BASE "sweep = {\n"
                      "  repeats = 4;\n"
                      "  %s\n"
                      "  axes = (\n"
                      "    { key = \"crossbar.rows\"; values = [%s]; },\n"
                      "    { key = \"mvm.v_max_V\"; values = [%s]; }\n"
                      "  );\n"
                      "};\n",
             seeds, rows, vmax);
    return write_cfg(dir, name, text);
}

Test(sweep_expand, repeats_run_each_point_with_its_own_seeds)
{
    char *dir = util_tmpdir();
    char *p = repeats_cfg(dir, "r.cfg", "", "8, 16, 32", "0.1, 0.2");
    sweep_spec s = load_ok(p, NULL);
    cr_assert_eq(s.n_runs, 6 * 4, "points x repeats");
    for (size_t i = 0; i < s.n_runs; i++) {
        cr_expect_eq(s.runs[i].point, i / 4, "runs: each point, then its repeats");
        cr_expect_eq(s.runs[i].repeat, i % 4);
        cr_expect_str_eq(s.runs[i].label[0], s.runs[i - i % 4].label[0], "a repeat runs its point's values");
        cr_expect_str_eq(s.runs[i].label[1], s.runs[i - i % 4].label[1]);
        cr_expect(s.runs[i].seed >= 0 && s.runs[i].seed <= (1LL << 53), "run.seed's range");
        for (size_t j = 0; j < i; j++)
            cr_expect_neq(s.runs[i].seed, s.runs[j].seed, "runs %zu and %zu share a seed", i, j);
    }
    /* another run.seed: other seeds for every run */
    sweep_spec t = load_ok(p, "12345");
    for (size_t i = 0; i < s.n_runs; i++)
        cr_expect_neq(t.runs[i].seed, s.runs[i].seed, "run %zu: --seed does not reach the run's seed", i);
    sweep_spec_free(&t);
    sweep_spec_free(&s);

    /* seeds = "common": repeat r has the same seed at every point, and repeats differ */
    char *q = repeats_cfg(dir, "c.cfg", "seeds = \"common\";", "8, 16, 32", "0.1, 0.2");
    s = load_ok(q, NULL);
    cr_assert_eq(s.n_runs, 24);
    for (size_t i = 0; i < s.n_runs; i++) {
        cr_expect_eq(s.runs[i].seed, s.runs[i % 4].seed, "run %zu: common seeds differ between points", i);
        for (size_t r = 0; r < i % 4; r++)
            cr_expect_neq(s.runs[i].seed, s.runs[i - i % 4 + r].seed, "repeats %zu and %zu share a seed", i % 4, r);
    }
    sweep_spec_free(&s);
    free(p), free(q), remove_dir(dir);
}

/* A point's seeds come from its values: adding a value to either axis leaves every old point's seeds as they were
 * (even where its index moves), so an extended sweep reproduces the runs it already had. */
Test(sweep_expand, a_point_keeps_its_seeds_when_values_are_added)
{
    char *dir = util_tmpdir();
    char *pa = repeats_cfg(dir, "a.cfg", "", "8, 16", "0.1, 0.2");
    char *pb = repeats_cfg(dir, "b.cfg", "", "8, 16, 32", "0.1, 0.2");
    char *pc = repeats_cfg(dir, "c.cfg", "", "8, 16", "0.1, 0.15, 0.2");
    char *pd = repeats_cfg(dir, "d.cfg", "", "4, 8, 16", "0.1, 0.2");
    sweep_spec a = load_ok(pa, NULL);
    const char *more[] = {pb, pc, pd};
    for (size_t m = 0; m < 3; m++) {
        sweep_spec b = load_ok(more[m], NULL);
        cr_assert_gt(b.n_runs, a.n_runs);
        for (size_t i = 0; i < a.n_runs; i++) {
            size_t found = 0;
            for (size_t j = 0; j < b.n_runs; j++)
                if (strcmp(b.runs[j].label[0], a.runs[i].label[0]) == 0 &&
                    strcmp(b.runs[j].label[1], a.runs[i].label[1]) == 0 && b.runs[j].repeat == a.runs[i].repeat) {
                    found++;
                    cr_expect_eq(b.runs[j].seed, a.runs[i].seed, "%s: rows = %s, v_max = %s, repeat %zu: seed changed",
                                 more[m], a.runs[i].label[0], a.runs[i].label[1], a.runs[i].repeat);
                }
            cr_expect_eq(found, 1);
        }
        sweep_spec_free(&b);
    }
    sweep_spec_free(&a);
    free(pa), free(pb), free(pc), free(pd), remove_dir(dir);
}

/* ---- the result file: any -j, any interruption ---------------------------------------------------------------- */

/* Points of different sizes (so with two workers they finish out of order), repeats, and a two-key axis. */
#define JOBS_CFG                                                                                                       \
    "experiment = \"mvm\";\nrun = { seed = 2; };\ncrossbar = { r_row_ohm = 1.0; r_col_ohm = 1.0; };\n"                \
    "mvm = { n_vectors = 10; };\n"                                                                                     \
    "sweep = {\n  repeats = 2;\n  axes = (\n"                                                                          \
    "    { key = [\"crossbar.rows\", \"crossbar.cols\"]; values = [64, 8, 48, 16]; },\n"                               \
    "    { key = \"mvm.v_max_V\"; values = [0.1, 0.2]; }\n  );\n};\n"

Test(sweep_file, the_same_file_for_one_and_two_workers)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "j.cfg", JOBS_CFG));
    run_ok(dir, "sweep j.cfg -o one.csv -j 1");
    run_ok(dir, "sweep j.cfg -o two.csv -j 2");
    char *one = path_in(dir, "one.csv"), *two = path_in(dir, "two.csv");
    expect_same_but_runtime(two, one);
    table t = read_table(one);
    cr_expect_eq(t.n_rows, 16);
    for (size_t r = 0; r < t.n_rows; r++) {
        char want[32];
        snprintf(want, sizeof want, "%zu", r / 2);
        cr_expect_str_eq(cell(&t, r, "point"), want, "rows in run order");
        cr_expect_str_eq(cell(&t, r, "status"), "ok");
        cr_expect_str_eq(cell(&t, r, "crossbar.rows"), cell(&t, r, "rows"), "the swept size is the size that ran");
        cr_expect_str_eq(cell(&t, r, "crossbar.cols"), cell(&t, r, "cols"));
    }
    cr_expect_str_eq(t.head[t.n_cols - 1], "runtime_s");
    cr_expect_eq(col(&t, "more_metrics"), -1, "the journal-only column is gone from the final file");
    table_free(&t);
    free(one), free(two), remove_dir(dir);
}

/* 30 runs of ~45 ms (a 64 x 64 array with wires, 300 input vectors): long enough to interrupt after a few rows. */
#define SLOW_CFG                                                                                                       \
    "experiment = \"mvm\";\nrun = { seed = 5; };\n"                                                                    \
    "crossbar = { rows = 64; cols = 64; r_row_ohm = 1.0; r_col_ohm = 1.0; };\n"                                       \
    "mvm = { n_vectors = 300; };\n"                                                                                    \
    "sweep = {\n  repeats = 3;\n  axes = ( { key = \"mvm.v_max_V\"; linspace = [0.1, 0.2]; n = 10; } );\n};\n"
#define SLOW_RUNS 30

/* The rows of a file are distinct runs of the sweep (no run twice). */
static void expect_distinct_runs(const char *path)
{
    table t = read_table(path);
    for (size_t r = 0; r < t.n_rows; r++)
        for (size_t q = 0; q < r; q++)
            cr_expect(strcmp(cell(&t, r, "point"), cell(&t, q, "point")) != 0 ||
                          strcmp(cell(&t, r, "repeat"), cell(&t, q, "repeat")) != 0,
                      "%s: rows %zu and %zu are the same run", path, q + 1, r + 1);
    table_free(&t);
}

Test(sweep_file, sigkill_then_resume_gives_the_uninterrupted_file)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "slow.cfg", SLOW_CFG));
    run_ok(dir, "sweep slow.cfg -o ref.csv -j 1");
    char *ref = path_in(dir, "ref.csv"), *out = path_in(dir, "out.csv");
    char *so = path_in(dir, "so.txt"), *se = path_in(dir, "se.txt");
    pid_t pid = spawn_cli(dir, "sweep slow.cfg -o out.csv -j 2", so, se);
    int got = wait_rows(out, 3, pid);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(got, "the sweep ended before it had 3 rows");
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed");
    size_t rows = expect_complete_rows(out);
    expect_distinct_runs(out);
    cr_assert(rows >= 3 && rows < SLOW_RUNS, "killed mid-run: %zu rows", rows);

    char *o, *e;
    cr_assert_eq(util_run_cli(dir, "sweep slow.cfg -o out.csv -j 2", &o, &e), 0, "%s", e);
    char want[128];
    snprintf(want, sizeof want, "resuming out.csv: %zu of %d runs done", rows, SLOW_RUNS);
    cr_expect(strstr(e, want) != NULL, "every row of the killed run is kept (want \"%s\"): %s", want, e);
    snprintf(want, sizeof want, "%zu runs here (%zu resumed)", SLOW_RUNS - rows, rows);
    cr_expect(strstr(o, want) != NULL, "want \"%s\": %s", want, o);
    expect_same_but_runtime(out, ref);
    free(o), free(e);
    free(ref), free(out), free(so), free(se), remove_dir(dir);
}

Test(sweep_file, sigint_stops_after_the_runs_in_flight_and_resumes)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "slow.cfg", SLOW_CFG));
    run_ok(dir, "sweep slow.cfg -o ref.csv -j 2");
    char *ref = path_in(dir, "ref.csv"), *out = path_in(dir, "out.csv");
    char *so = path_in(dir, "so.txt"), *se = path_in(dir, "se.txt");
    pid_t pid = spawn_cli(dir, "sweep slow.cfg -o out.csv -j 2", so, se);
    int got = wait_rows(out, 3, pid);
    kill(pid, SIGINT);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(got, "the sweep ended before it had 3 rows");
    cr_assert(WIFEXITED(status), "SIGINT ends the sweep cleanly, not by the signal");
    cr_expect_eq(WEXITSTATUS(status), 1);
    char *err = util_slurp(se, NULL);
    size_t rows = expect_complete_rows(out);
    expect_distinct_runs(out);
    cr_assert(rows >= 3 && rows < SLOW_RUNS, "interrupted mid-run: %zu rows", rows);
    char want[128];
    snprintf(want, sizeof want, "interrupted: %zu of %d runs done", rows, SLOW_RUNS);
    cr_expect(strstr(err, want) != NULL, "want \"%s\" (every run that finished is in the file): %s", want, err);
    cr_expect(strstr(err, "run the same command again") != NULL, "%s", err);

    run_ok(dir, "sweep slow.cfg -o out.csv -j 2");
    expect_same_but_runtime(out, ref);
    free(err);
    free(ref), free(out), free(so), free(se), remove_dir(dir);
}

/* Each run reads the config again: edited while the sweep runs, the runs that start after the edit fail (they would
 * run another configuration than the rows before them), the sweep says why, and the rows before the edit stand. */
Test(sweep_file, a_config_edited_during_the_sweep_fails_the_later_runs)
{
    char *dir = util_tmpdir();
    char *cfg_path = write_cfg(dir, "slow.cfg", SLOW_CFG);
    char *out = path_in(dir, "out.csv"), *so = path_in(dir, "so.txt"), *se = path_in(dir, "se.txt");
    pid_t pid = spawn_cli(dir, "sweep slow.cfg -o out.csv -j 2", so, se);
    int got = wait_rows(out, 3, pid);
    /* a changed value: what a user editing the sweep's file during a run does */
    util_write(cfg_path, SLOW_CFG "mvm = { n_vectors = 30; };\n");
    int status;
    waitpid(pid, &status, 0);
    cr_assert(got, "the sweep ended before it had 3 rows");
    cr_assert(WIFEXITED(status));
    cr_expect_eq(WEXITSTATUS(status), 1, "runs failed: exit 1");
    table t = read_table(out);
    size_t ok = 0, changed = 0;
    for (size_t r = 0; r < t.n_rows; r++) {
        ok += strcmp(cell(&t, r, "status"), "ok") == 0;
        changed += strstr(cell(&t, r, "error"), "changed on disk after the sweep started") != NULL;
    }
    cr_expect_eq(t.n_rows, SLOW_RUNS, "every run has its row");
    cr_expect_geq(ok, 3, "the rows before the edit stand");
    cr_expect_eq(ok + changed, SLOW_RUNS, "every other run failed because the file changed (%zu ok, %zu changed)", ok, changed);
    cr_expect_geq(changed, 1, "the edit came before the last run");
    table_free(&t);
    free(cfg_path), free(out), free(so), free(se), remove_dir(dir);
}

/* The library's stop: set while run 0 is running (its runs take ~0.4 s), the sweep returns once run 0 is written and
 * starts no other run -- not the runs queued behind it. */
typedef struct stop_later {
    volatile sig_atomic_t *flag;
    long ms;
} stop_later;

static void *set_stop(void *arg)
{
    stop_later *s = arg;
    sleep_ms(s->ms);
    *s->flag = 1;
    return NULL;
}

Test(sweep_file, a_stop_starts_no_run_after_the_ones_in_flight)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "long.cfg",
                        "experiment = \"mvm\";\nrun = { seed = 5; };\n"
                        "crossbar = { rows = 64; cols = 64; r_row_ohm = 1.0; r_col_ohm = 1.0; };\n"
                        "mvm = { n_vectors = 3000; };\n"
                        "sweep = {\n  axes = ( { key = \"mvm.v_max_V\"; values = [0.1, 0.15, 0.2, 0.25]; } );\n};\n");
    char *out = path_in(dir, "out.csv");
    cim_set_threads(1);
    sweep_spec s = load_ok(p, NULL);
    sweep_file f;
    cr_assert_eq(sweep_file_open(&f, &s, out, "test", 0), CIM_OK, "%s", cim_errmsg());
    volatile sig_atomic_t flag = 0;
    stop_later sl = {&flag, 100};
    pthread_t th;
    pthread_create(&th, NULL, set_stop, &sl);
    sweep_options o = {.jobs = 1, .stop = &flag};
    cr_expect_eq(sweep_run_local(&f, &o), CIM_OK);
    pthread_join(th, NULL);
    cr_assert_not_null(f.rows[0]);
    cr_assert_gt(f.rows[0]->runtime_s, 0.2, "run 0 took %.3f s: too short to be stopped at 0.1 s", f.rows[0]->runtime_s);
    cr_expect_eq(f.n_done, 1, "stopped during run 0: %zu runs done, expected only run 0", f.n_done);
    sweep_file_close(&f);
    sweep_spec_free(&s);
    free(p), free(out), remove_dir(dir);
}

/* A small sweep for the damaged-file cases: 8 fast runs. */
#define SMALL_CFG                                                                                                      \
    "experiment = \"mvm\";\nrun = { seed = 9; };\n"                                                                    \
    "crossbar = { rows = 16; cols = 16; r_row_ohm = 2.0; r_col_ohm = 2.0; };\n"                                       \
    "sweep = {\n  repeats = 2;\n  axes = ( { key = \"mvm.v_max_V\"; values = [0.1, 0.2]; },\n"                        \
    "    { key = \"crossbar.r_drv_ohm\"; values = [0.0, 5.0]; } );\n};\n"
#define SMALL_RUNS 8

/* The lines of a text (each without its newline); *n set. */
static char **lines_of(const char *text, size_t *n)
{
    char **l = NULL;
    *n = 0;
    for (const char *c = text; *c;) {
        const char *nl = strchr(c, '\n');
        size_t k = nl ? (size_t)(nl - c) : strlen(c);
        l = realloc(l, (*n + 1) * sizeof *l);
        l[(*n)++] = strndup(c, k);
        c += k + (nl != NULL);
    }
    return l;
}

static void write_bytes(const char *path, const char *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    fwrite(data, 1, n, fp);
    fclose(fp);
}

Test(sweep_file, a_torn_or_nul_padded_last_line_is_redone)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "s.cfg", SMALL_CFG));
    run_ok(dir, "sweep s.cfg -o ref.csv");
    char *ref = path_in(dir, "ref.csv"), *out = path_in(dir, "out.csv");
    size_t len = 0;
    char *full = util_slurp(ref, &len);
    cr_assert(len > 2 && full[len - 1] == '\n');
    size_t last = len - 1; /* start of the last row */
    while (last > 0 && full[last - 1] != '\n')
        last--;
    size_t row_len = len - last;
    cr_assert_gt(row_len, 10);

    /* re-running a finished sweep changes nothing, not even runtime_s */
    write_bytes(out, full, len);
    run_ok(dir, "sweep s.cfg -o out.csv");
    size_t n2 = 0;
    char *again = util_slurp(out, &n2);
    cr_expect(n2 == len && memcmp(again, full, len) == 0, "a finished file re-run is byte-identical");
    free(again);

    struct {
        const char *what;
        size_t keep;   /* bytes of the original kept */
        size_t nuls;   /* NUL bytes appended */
        int redone;    /* runs done again */
    } cases[] = {
        {"the last row cut in the middle", last + row_len / 2, 0, 1},
        {"the last row without its newline", len - 1, 0, 1},
        {"NUL bytes after the last row", len, 64, 0},
        {"the last row cut, then NULs", last + row_len / 3, 200, 1},
        {"the last row all NULs with its length (a power cut)", last, row_len, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *buf = calloc(len + 256, 1);
        memcpy(buf, full, cases[c].keep);
        write_bytes(out, buf, cases[c].keep + cases[c].nuls);
        free(buf);
        char *o, *e;
        int st = util_run_cli(dir, "sweep s.cfg -o out.csv", &o, &e);
        cr_expect_eq(st, 0, "%s: %s", cases[c].what, e);
        char want[96];
        snprintf(want, sizeof want, "%d run%s here (%d resumed)", cases[c].redone, cases[c].redone == 1 ? "" : "s",
                 SMALL_RUNS - cases[c].redone);
        cr_expect(strstr(o, want) != NULL, "%s: want \"%s\": %s", cases[c].what, want, o);
        if (cases[c].redone)
            cr_expect(strstr(e, "torn last line") != NULL, "%s: %s", cases[c].what, e);
        expect_same_but_runtime(out, ref);
        free(o), free(e);
    }
    free(full), free(ref), free(out), remove_dir(dir);
}

/* A journal as workers leave it: rows in any order, some missing, one run written twice, the last one torn. */
Test(sweep_file, a_journal_in_any_order_with_gaps_resumes_to_the_same_file)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "s.cfg", SMALL_CFG));
    run_ok(dir, "sweep s.cfg -o ref.csv");
    char *ref = path_in(dir, "ref.csv"), *out = path_in(dir, "out.csv");
    char *full = util_slurp(ref, NULL);
    size_t n;
    char **l = lines_of(full, &n);
    size_t head = 0;
    while (head < n && l[head][0] == '#')
        head++;
    cr_assert_eq(n - head - 1, SMALL_RUNS);
    /* journal: the comment block, the column line with the journal's extra column, then rows 6, 1, 3, 0, 6 again
     * (with another metric value: the first row of a run stands), then half of row 5 */
    size_t cap = strlen(full) * 3, k = 0;
    char *j = calloc(cap, 1);
    for (size_t i = 0; i < head; i++)
        k += (size_t)snprintf(j + k, cap - k, "%s\n", l[i]);
    k += (size_t)snprintf(j + k, cap - k, "%s,more_metrics\n", l[head]);
    const size_t order[] = {6, 1, 3, 0};
    for (size_t i = 0; i < 4; i++)
        k += (size_t)snprintf(j + k, cap - k, "%s,\n", l[head + 1 + order[i]]);
    /* row 6 again with its first metric (the column after status) changed */
    char **f;
    long nf = split_csv(l[head + 1 + 6], &f);
    char **h;
    long nh = split_csv(l[head], &h);
    long status_col = -1;
    for (long c = 0; c < nh; c++)
        if (strcmp(h[c], "status") == 0)
            status_col = c;
    cr_assert(status_col > 0 && status_col + 1 < nf);
    for (long c = 0; c < nf; c++)
        k += (size_t)snprintf(j + k, cap - k, "%s%s", c ? "," : "", c == status_col + 1 ? "12345" : f[c]);
    k += (size_t)snprintf(j + k, cap - k, ",\n");
    free_fields(f, nf);
    free_fields(h, nh);
    const char *row5 = l[head + 1 + 5];
    memcpy(j + k, row5, strlen(row5) / 2);
    k += strlen(row5) / 2;
    write_bytes(out, j, k);
    char *o, *e;
    cr_assert_eq(util_run_cli(dir, "sweep s.cfg -o out.csv", &o, &e), 0, "%s", e);
    cr_expect(strstr(o, "4 runs here (4 resumed)") != NULL, "runs 2, 4, 5, 7 done again: %s", o);
    expect_same_but_runtime(out, ref);
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l), free(j), free(o), free(e), free(full), free(ref), free(out), remove_dir(dir);
}

/* Points whose runs report different metrics (device models with their own state variables): a journal whose
 * first row is a later point's must still finish with the uninterrupted file's columns. */
#define DEV_CFG                                                                                                        \
    "experiment = \"device\";\nrun = { seed = 4; };\n"                                                                 \
    "stimulus = { kind = \"sine\"; amplitude_V = 0.5; freq_Hz = 1e6; n_periods = 1.0; };\n"                         \
    "sim = { n_points = 201; };\n"                                                                                     \
    "sweep = {\n  repeats = 2;\n  axes = ( { key = \"device.model\"; values = [\"vteam\", \"hp\"]; } );\n};\n"

Test(sweep_file, a_journal_begun_by_a_later_point_keeps_the_columns)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "d.cfg", DEV_CFG);
    run_ok(dir, "sweep d.cfg -o ref.csv -j 1");
    char *ref = path_in(dir, "ref.csv"), *out = path_in(dir, "out.csv");
    /* As two workers may leave it: hp (run 2) finished first, then vteam (run 0); then the process died. */
    sweep_spec s = load_ok(p, NULL);
    cr_assert_eq(s.n_runs, 4);
    sweep_file f;
    cr_assert_eq(sweep_file_open(&f, &s, out, "test", 0), CIM_OK, "%s", cim_errmsg());
    const size_t order[] = {2, 0};
    for (size_t i = 0; i < 2; i++) {
        sweep_row row;
        sweep_run_one(&s, order[i], &row);
        cr_assert_eq(row.status, CIM_OK, "%s", row.error);
        cr_assert_eq(sweep_file_append(&f, &row), CIM_OK);
    }
    sweep_file_close(&f);
    sweep_spec_free(&s);
    char *o, *e;
    cr_assert_eq(util_run_cli(dir, "sweep d.cfg -o out.csv -j 1", &o, &e), 0, "%s", e);
    cr_expect(strstr(o, "2 runs here (2 resumed)") != NULL, "%s", o);
    expect_same_but_runtime(out, ref);
    free(o), free(e), free(p), free(ref), free(out), remove_dir(dir);
}

/* A finished file from which rows were deleted (to redo them) resumes, and stays resumable if that resume is itself
 * interrupted after writing some rows. */
Test(sweep_file, a_finished_file_with_rows_removed_resumes_twice)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "s.cfg", SMALL_CFG);
    run_ok(dir, "sweep s.cfg -o ref.csv");
    char *ref = path_in(dir, "ref.csv"), *out = path_in(dir, "out.csv");
    char *full = util_slurp(ref, NULL);
    size_t n;
    char **l = lines_of(full, &n);
    /* drop the last three rows */
    size_t cap = strlen(full) + 1, k = 0;
    char *cut = calloc(cap, 1);
    for (size_t i = 0; i + 3 < n; i++)
        k += (size_t)snprintf(cut + k, cap - k, "%s\n", l[i]);
    write_bytes(out, cut, k);
    /* a resume that writes two of the missing runs and dies */
    sweep_spec s = load_ok(p, NULL);
    sweep_file f;
    cr_assert_eq(sweep_file_open(&f, &s, out, "test", 0), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(f.n_done, SMALL_RUNS - 3);
    for (size_t i = SMALL_RUNS - 3; i < SMALL_RUNS - 1; i++) {
        sweep_row row;
        sweep_run_one(&s, i, &row);
        cr_assert_eq(sweep_file_append(&f, &row), CIM_OK);
    }
    sweep_file_close(&f);
    sweep_spec_free(&s);
    char *o, *e;
    cr_expect_eq(util_run_cli(dir, "sweep s.cfg -o out.csv", &o, &e), 0, "%s", e);
    cr_expect(strstr(o, "1 run here (7 resumed)") != NULL, "%s", o);
    expect_same_but_runtime(out, ref);
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l), free(cut), free(o), free(e), free(full), free(p), free(ref), free(out), remove_dir(dir);
}

/* ---- failures -------------------------------------------------------------------------------------------------- */

/* crossbar.max_iter = 1 passes every load check (its range is [1, 1e6]) but the line-preconditioned CG cannot meet
 * rtol = 1e-12 in one iteration on a 32 x 32 array with wires: those points fail when they run. */
#define FAIL_CFG                                                                                                       \
    "experiment = \"mvm\";\nrun = { seed = 3; };\n"                                                                    \
    "crossbar = { rows = 32; cols = 32; solver = \"pcg\"; rtol = 1e-12; };\n"                                        \
    "sweep = {\n  axes = (\n    { key = \"crossbar.max_iter\"; values = [1, 1000]; },\n"                               \
    "    { key = [\"crossbar.r_row_ohm\", \"crossbar.r_col_ohm\"]; values = [5.0, 10.0]; }\n  );\n};\n"

Test(sweep_fail, a_failing_point_is_recorded_and_the_rest_complete)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "f.cfg", FAIL_CFG));
    free(write_cfg(dir, "plain.cfg",
                   "experiment = \"mvm\";\nrun = { seed = 3; };\n"
                   "crossbar = { rows = 32; cols = 32; solver = \"pcg\"; rtol = 1e-12; };\n"));
    char *o, *e;
    int st = util_run_cli(dir, "sweep f.cfg -o out.csv -j 2", &o, &e);
    cr_expect_eq(st, 1, "a failed point: exit 1 at the end");
    cr_expect(strstr(e, "2 of 4 runs failed") != NULL, "%s", e);
    cr_expect(strstr(e, "did not converge") != NULL, "the first failures are shown: %s", e);
    char *out = path_in(dir, "out.csv");
    table t = read_table(out);
    cr_assert_eq(t.n_rows, 4, "every point has its row");
    for (size_t r = 0; r < 4; r++) {
        int failing = strcmp(cell(&t, r, "crossbar.max_iter"), "1") == 0;
        cr_expect_str_eq(cell(&t, r, "status"), failing ? "failed" : "ok", "row %zu", r);
        if (failing) {
            cr_expect(strstr(cell(&t, r, "error"), "did not converge in 1 iterations") != NULL, "row %zu: %s", r,
                      cell(&t, r, "error"));
            cr_expect_str_eq(cell(&t, r, "rows"), "", "a failed run has no metrics");
            continue;
        }
        cr_expect_str_eq(cell(&t, r, "error"), "");
        cr_expect_str_eq(cell(&t, r, "circuit.converged"), "1");
        /* the row holds what the experiment run alone with the point's values and seed reports */
        char args[512];
        snprintf(args, sizeof args,
                 "mvm plain.cfg --set crossbar.max_iter=1000 --set crossbar.r_row_ohm=%s --set crossbar.r_col_ohm=%s "
                 "--seed %s --format json",
                 cell(&t, r, "crossbar.r_row_ohm"), cell(&t, r, "crossbar.r_col_ohm"), cell(&t, r, "seed"));
        char *jo, *je;
        cr_assert_eq(util_run_cli(dir, args, &jo, &je), 0, "%s", je);
        json_error_t jerr;
        json_t *j = json_loads(jo, JSON_DISABLE_EOF_CHECK, &jerr);
        cr_assert_not_null(j, "%s", jerr.text);
        json_t *ms = json_object_get(j, "metrics");
        cr_assert(json_is_array(ms) && json_array_size(ms) > 10);
        size_t q;
        json_t *m;
        json_array_foreach(ms, q, m)
        {
            const char *name = json_string_value(json_object_get(m, "name"));
            json_t *v = json_object_get(m, "value");
            long c = col(&t, name);
            cr_expect_geq(c, 0, "metric %s has no column", name);
            if (c < 0)
                continue;
            if (json_is_number(v))
                cr_expect_eq(strtod(t.rows[r][c], NULL), json_number_value(v), "row %zu, %s: %s vs %.17g", r, name,
                             t.rows[r][c], json_number_value(v));
            else
                cr_expect_str_eq(t.rows[r][c], "nan", "row %zu, %s", r, name);
        }
        json_decref(j);
        free(jo), free(je);
    }
    table_free(&t);
    free(o), free(e), free(out), remove_dir(dir);
}

/* ---- bad specs ---------------------------------------------------------------------------------------------------- */

typedef struct bad_case {
    const char *name;
    const char *sweep;  /* the sweep group (after MVM_BASE), or the whole file if whole */
    const char *marker; /* text on the line the message must name ("" : no line, the file only) */
    const char *key;    /* the message names it */
    int whole;
} bad_case;

Test(sweep_bad, specs_are_refused_with_file_line_and_key_and_nothing_written)
{
    const bad_case cases[] = {
        {"unknown_sweep_key", "sweep = {\n  modes = \"grid\";\n  axes = ( { key = \"crossbar.rows\"; values = [8, 16]; } );\n};\n",
         "modes", "sweep.modes", 0},
        {"unknown_axis_key", "sweep = {\n  axes = (\n    { key = \"crossbar.rows\";\n      valuez = [8, 16]; }\n  );\n};\n",
         "valuez", "valuez", 0},
        {"unknown_config_key", "sweep = {\n  axes = (\n    { key = \"crossbar.rowz\"; values = [8, 16]; }\n  );\n};\n",
         "rowz", "crossbar.rowz", 0},
        {"empty_linspace", "sweep = {\n  axes = (\n    { key = \"crossbar.r_row_ohm\";\n      linspace = [1.0, 1.0]; n = 3; }\n  );\n};\n",
         "linspace", "crossbar.r_row_ohm", 0},
        {"logspace_from_zero", "sweep = {\n  axes = (\n    { key = \"crossbar.r_row_ohm\";\n      logspace = [0.0, 1.0]; n = 3; }\n  );\n};\n",
         "logspace", "crossbar.r_row_ohm", 0},
        {"empty_uniform", "sweep = {\n  mode = \"random\";\n  points = 4;\n  axes = (\n    { key = \"crossbar.r_row_ohm\";\n      uniform = [2.0, 1.0]; }\n  );\n};\n",
         "uniform", "crossbar.r_row_ohm", 0},
        {"zip_lengths", "sweep = {\n  mode = \"zip\";\n  axes = (\n    { key = \"crossbar.rows\"; values = [8, 16]; },\n"
                        "    { key = \"mvm.v_max_V\"; values = [0.1, 0.2, 0.3]; }\n  );\n};\n",
         "mvm.v_max_V", "mvm.v_max_V", 0},
        {"stimulus_key_for_mvm", "sweep = {\n  axes = (\n    { key = \"stimulus.amplitude_V\"; values = [0.5, 1.0]; }\n  );\n};\n",
         "stimulus", "stimulus.amplitude_V", 0},
        {"other_device_model_key", "sweep = {\n  axes = (\n    { key = \"device.vteam.r_on_ohm\"; values = [50.0, 100.0]; }\n  );\n};\n",
         "vteam", "device.vteam.r_on_ohm", 0},
        {"unknown_mode", "sweep = {\n  mode = \"grdi\";\n  axes = ( { key = \"crossbar.rows\"; values = [8, 16]; } );\n};\n",
         "grdi", "sweep.mode", 0},
        {"value_out_of_range_at_a_later_point", "sweep = {\n  axes = (\n    { key = \"crossbar.rows\"; values = [8, 16, 0]; }\n  );\n};\n",
         "values = [8, 16, 0]", "crossbar.rows", 0},
        {"not_an_integer", "sweep = {\n  axes = (\n    { key = \"crossbar.rows\"; values = [8.0, 12.5]; }\n  );\n};\n",
         "12.5", "crossbar.rows", 0},
        {"duplicate_value", "sweep = {\n  axes = (\n    { key = \"crossbar.rows\";\n      values = [8, 16, 8]; }\n  );\n};\n",
         "values", "crossbar.rows", 0},
        {"random_without_points", "sweep = {\n  mode = \"random\";\n  axes = ( { key = \"crossbar.r_row_ohm\"; uniform = [1.0, 2.0]; } );\n};\n",
         "sweep = {", "points", 0},
        {"string_for_a_number", "sweep = {\n  axes = (\n    { key = \"crossbar.r_row_ohm\"; values = [\"one\", \"two\"]; }\n  );\n};\n",
         "one", "crossbar.r_row_ohm", 0},
        {"seed_swept", "sweep = {\n  axes = (\n    { key = \"run.seed\"; values = [1, 2]; }\n  );\n};\n",
         "run.seed", "run.seed", 0},
        {"zip_same_point_twice", "sweep = {\n  mode = \"zip\";\n  axes = (\n    { key = \"crossbar.rows\"; values = [8, 16, 8]; },\n"
                                 "    { key = \"mvm.v_max_V\"; values = [0.1, 0.2, 0.1]; }\n  );\n};\n",
         "sweep = {", "point", 0},
        {"no_experiment", "crossbar = { rows = 8; cols = 8; };\nsweep = {\n  axes = ( { key = \"crossbar.rows\"; values = [8, 16]; } );\n};\n",
         "", "experiment", 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const bad_case *b = &cases[c];
        char *dir = util_tmpdir();
        char text[2048];
        snprintf(text, sizeof text, "%s%s", b->whole ? "" : MVM_BASE, b->sweep);
        free(write_cfg(dir, "bad.cfg", text));
        char *o, *e;
        int st = util_run_cli(dir, "sweep bad.cfg -o out.csv", &o, &e);
        cr_expect_eq(st, 2, "%s: exit %d: %s", b->name, st, e);
        char where[64];
        if (b->marker[0]) {
            int line = line_of(text, b->marker);
            cr_assert_gt(line, 0, "%s: marker", b->name);
            snprintf(where, sizeof where, "bad.cfg:%d: ", line);
        } else
            snprintf(where, sizeof where, "bad.cfg: ");
        cr_expect(strstr(e, where) != NULL, "%s: the message names %s: %s", b->name, where, e);
        cr_expect(strstr(e, b->key) != NULL, "%s: the message names %s: %s", b->name, b->key, e);
        cr_expect_str_eq(o, "", "%s: nothing on stdout", b->name);
        cr_expect_eq(util_count_prefix(dir, ""), 3, "%s: only bad.cfg in the folder (and . and ..)", b->name);
        char *out = path_in(dir, "out.csv");
        cr_expect(!exists(out), "%s: out.csv written", b->name);
        free(out);
        free(o), free(e), remove_dir(dir);
    }
}

Test(sweep_bad, usage_errors_exit_2_and_write_nothing)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "s.cfg", SMALL_CFG));
    const char *args[] = {"sweep s.cfg", "sweep s.cfg -o -", "sweep s.cfg -o out.csv -j 0", "sweep s.cfg -o out.csv -j x",
                          "sweep missing.cfg -o out.csv"};
    const char *says[] = {"-o FILE is required", "-o -", "-j 0", "-j x", "missing.cfg"};
    for (size_t k = 0; k < sizeof args / sizeof args[0]; k++) {
        char *o, *e;
        int st = util_run_cli(dir, args[k], &o, &e);
        cr_expect_eq(st, 2, "%s: exit %d", args[k], st);
        cr_expect(strstr(e, says[k]) != NULL, "%s: %s", args[k], e);
        cr_expect_str_eq(o, "", "%s", args[k]);
        cr_expect_eq(util_count_prefix(dir, ""), 3, "%s: only s.cfg in the folder", args[k]);
        free(o), free(e);
    }
    remove_dir(dir);
}

Test(sweep_bad, a_changed_config_refuses_to_resume_unless_restarted)
{
    char *dir = util_tmpdir();
    char *p = write_cfg(dir, "s.cfg", SMALL_CFG);
    run_ok(dir, "sweep s.cfg -o out.csv");
    char *out = path_in(dir, "out.csv");
    size_t n0 = 0;
    char *before = util_slurp(out, &n0);
    /* a base value changed (not a swept key) */
    char *text = util_slurp(p, NULL);
    char *at = strstr(text, "rows = 16; cols = 16;");
    cr_assert_not_null(at);
    memcpy(at, "rows = 12; cols = 12;", 21);
    util_write(p, text);
    const char *variants[] = {"sweep s.cfg -o out.csv", "sweep s.cfg -o out.csv --seed 10",
                              "sweep s.cfg -o out.csv --set mvm.v_min_V=0.01"};
    for (size_t v = 0; v < 3; v++) {
        if (v == 1) { /* the file as first run; another seed */
            util_write(p, SMALL_CFG);
        }
        char *o, *e;
        int st = util_run_cli(dir, variants[v], &o, &e);
        cr_expect_eq(st, 2, "%s: exit %d: %s", variants[v], st, e);
        cr_expect(strstr(e, "out.csv") && strstr(e, "--restart"), "%s: names the file and --restart: %s", variants[v], e);
        size_t n1 = 0;
        char *after = util_slurp(out, &n1);
        cr_expect(n1 == n0 && memcmp(before, after, n0) == 0, "%s: the old file changed", variants[v]);
        free(after), free(o), free(e);
    }
    util_write(p, text);
    run_ok(dir, "sweep s.cfg -o out.csv --restart");
    run_ok(dir, "sweep s.cfg -o fresh.csv");
    char *fresh = path_in(dir, "fresh.csv");
    expect_same_but_runtime(out, fresh);
    table t = read_table(out);
    cr_expect_eq(t.n_rows, SMALL_RUNS);
    for (size_t r = 0; r < t.n_rows; r++)
        cr_expect_str_eq(cell(&t, r, "rows"), "12", "the new configuration ran");
    table_free(&t);
    free(before), free(text), free(p), free(out), free(fresh), remove_dir(dir);
}

Test(sweep_bad, a_file_that_is_not_a_sweep_result_is_not_overwritten)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "s.cfg", SMALL_CFG));
    char *out = path_in(dir, "data.csv");
    util_write(out, "x,y\n1,2\n3,4\n");
    char *o, *e;
    int st = util_run_cli(dir, "sweep s.cfg -o data.csv", &o, &e);
    cr_expect_eq(st, 2, "%s", e);
    cr_expect(strstr(e, "data.csv") && strstr(e, "--restart"), "%s", e);
    char *after = util_slurp(out, NULL);
    cr_expect_str_eq(after, "x,y\n1,2\n3,4\n");
    free(after), free(o), free(e), free(out), remove_dir(dir);
}

/* ---- dry run, JSON ---------------------------------------------------------------------------------------------- */

Test(sweep_out, dry_run_lists_the_runs_that_run_and_writes_nothing)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "s.cfg", SMALL_CFG));
    char *o, *e;
    cr_assert_eq(util_run_cli(dir, "sweep s.cfg -o out.csv --dry-run", &o, &e), 0, "%s", e);
    char *out = path_in(dir, "out.csv");
    cr_expect(!exists(out), "--dry-run wrote out.csv");
    cr_expect_eq(util_count_prefix(dir, ""), 3, "only s.cfg in the folder");
    table d = read_table_text(o);
    cr_assert_eq(d.n_rows, SMALL_RUNS, "one line per run:\n%s", o);
    run_ok(dir, "sweep s.cfg -o out.csv");
    table t = read_table(out);
    cr_assert_eq(t.n_rows, SMALL_RUNS);
    /* the listed runs are the runs the sweep runs: each column of the listing equals the result's */
    for (long k = 0; k < d.n_cols; k++) {
        cr_expect_geq(col(&t, d.head[k]), 0, "%s", d.head[k]);
        for (size_t r = 0; r < d.n_rows && col(&t, d.head[k]) >= 0; r++)
            cr_expect_str_eq(d.rows[r][k], cell(&t, r, d.head[k]), "run %zu, %s", r, d.head[k]);
    }
    /* and in nested-loop order: v_max slowest, then r_drv, then the repeat */
    const char *v[] = {"0.1", "0.2"}, *r_drv[] = {"0", "5"};
    for (size_t r = 0; r < d.n_rows; r++) {
        cr_expect_str_eq(cell(&d, r, "mvm.v_max_V"), v[r / 4]);
        cr_expect_str_eq(cell(&d, r, "crossbar.r_drv_ohm"), r_drv[(r / 2) % 2]);
        cr_expect_eq(atoi(cell(&d, r, "repeat")), (int)(r % 2));
    }
    table_free(&d), table_free(&t);
    free(o), free(e), free(out), remove_dir(dir);
}

Test(sweep_out, json_holds_the_rows_and_leaves_no_journal)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "s.cfg", SMALL_CFG));
    run_ok(dir, "sweep s.cfg -o out.json --format json");
    run_ok(dir, "sweep s.cfg -o out.csv");
    cr_expect_eq(util_count_prefix(dir, "out.json"), 1, "no out.json.part or temporary left");
    cr_expect_eq(util_count_prefix(dir, ""), 5, "., .., s.cfg, out.json, out.csv");
    char *jp = path_in(dir, "out.json"), *cp = path_in(dir, "out.csv");
    json_error_t err;
    json_t *j = json_load_file(jp, 0, &err);
    cr_assert_not_null(j, "%s: line %d: %s", jp, err.line, err.text);
    json_t *rows = json_object_get(j, "rows");
    cr_assert(json_is_array(rows));
    cr_assert_eq(json_array_size(rows), SMALL_RUNS);
    table t = read_table(cp);
    const double v[] = {0.1, 0.2}, r_drv[] = {0.0, 5.0};
    for (size_t r = 0; r < SMALL_RUNS; r++) {
        json_t *row = json_array_get(rows, r);
        cr_expect_eq(json_integer_value(json_object_get(row, "point")), (json_int_t)(r / 2));
        cr_expect_eq(json_integer_value(json_object_get(row, "repeat")), (json_int_t)(r % 2));
        json_t *vals = json_object_get(row, "values");
        cr_expect_eq(json_number_value(json_object_get(vals, "mvm.v_max_V")), v[r / 4]);
        cr_expect_eq(json_number_value(json_object_get(vals, "crossbar.r_drv_ohm")), r_drv[(r / 2) % 2]);
        cr_expect_str_eq(json_string_value(json_object_get(row, "status")), "ok");
        cr_expect(json_is_null(json_object_get(row, "error")));
        cr_expect_eq(json_integer_value(json_object_get(row, "seed")), strtoll(cell(&t, r, "seed"), NULL, 10));
        /* every metric as the CSV run has it */
        json_t *ms = json_object_get(row, "metrics");
        cr_assert(json_is_object(ms));
        long status = col(&t, "status"), error = col(&t, "error");
        cr_expect_eq((long)json_object_size(ms), error - status - 1, "row %zu: as many metrics as the CSV's", r);
        for (long c = status + 1; c < error; c++) {
            json_t *m = json_object_get(ms, t.head[c]);
            cr_expect_not_null(m, "%s", t.head[c]);
            if (json_is_number(m))
                cr_expect_eq(json_number_value(m), strtod(t.rows[r][c], NULL), "row %zu %s", r, t.head[c]);
        }
    }
    table_free(&t);
    json_decref(j);
    free(jp), free(cp), remove_dir(dir);
}

Test(sweep_out, selected_metrics_are_the_only_metric_columns)
{
    char *dir = util_tmpdir();
    free(write_cfg(dir, "m.cfg",
                   "experiment = \"mvm\";\nrun = { seed = 9; };\ncrossbar = { rows = 16; cols = 16; };\n"
                   "sweep = {\n  metrics = [\"error_vs_ideal.rmse_A\", \"array_power_W\"];\n"
                   "  axes = ( { key = \"crossbar.r_row_ohm\"; values = [0.5, 2.0]; } );\n};\n"));
    free(write_cfg(dir, "all.cfg",
                   "experiment = \"mvm\";\nrun = { seed = 9; };\ncrossbar = { rows = 16; cols = 16; };\n"
                   "sweep = {\n  axes = ( { key = \"crossbar.r_row_ohm\"; values = [0.5, 2.0]; } );\n};\n"));
    run_ok(dir, "sweep m.cfg -o m.csv");
    run_ok(dir, "sweep all.cfg -o all.csv");
    char *mp = path_in(dir, "m.csv"), *ap = path_in(dir, "all.csv");
    table m = read_table(mp), a = read_table(ap);
    const char *want[] = {"point", "repeat", "crossbar.r_row_ohm", "seed", "status", "error_vs_ideal.rmse_A",
                          "array_power_W", "error", "runtime_s"};
    cr_assert_eq(m.n_cols, 9);
    for (long k = 0; k < 9; k++)
        cr_expect_str_eq(m.head[k], want[k]);
    cr_assert_eq(m.n_rows, 2);
    cr_assert_eq(a.n_rows, 2);
    for (size_t r = 0; r < 2; r++)
        for (long k = 0; k < 8; k++)
            cr_expect_str_eq(m.rows[r][k], cell(&a, r, want[k]), "row %zu, %s: the same run", r, want[k]);
    table_free(&m), table_free(&a);
    free(mp), free(ap), remove_dir(dir);
}

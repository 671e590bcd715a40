/* sweep/file.c -- the sweep's result file: journal while running, resume, final rewrite in run order. */
#include "sweep/file.h"

#include "core/status.h"
#include "core/strbuf.h"
#include "core/version.h"
#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COL_MORE "more_metrics"

/* ---- CSV fields ------------------------------------------------------------------------------------------------ */

static void put_field(strbuf *b, const char *f)
{
    if (strpbrk(f, ",\"\n\r") == NULL) {
        strbuf_puts(b, f);
        return;
    }
    strbuf_puts(b, "\"");
    for (const char *c = f; *c; c++) {
        if (*c == '"')
            strbuf_puts(b, "\"\"");
        else if (*c == '\n' || *c == '\r')
            strbuf_puts(b, " ");
        else
            strbuf_printf(b, "%c", *c);
    }
    strbuf_puts(b, "\"");
}

/* Splits one line (without its newline) into fields; -1 on an unterminated quote. */
static int split_fields(const char *line, char ***out, size_t *n_out)
{
    char **f = NULL;
    size_t n = 0;
    const char *c = line;
    for (;;) {
        strbuf b;
        strbuf_init(&b);
        if (*c == '"') {
            c++;
            for (;;) {
                if (*c == '\0') {
                    strbuf_destroy(&b);
                    for (size_t i = 0; i < n; i++)
                        free(f[i]);
                    free(f);
                    return -1;
                }
                if (*c == '"' && c[1] == '"') {
                    strbuf_puts(&b, "\"");
                    c += 2;
                } else if (*c == '"') {
                    c++;
                    break;
                } else
                    strbuf_printf(&b, "%c", *c++);
            }
        } else
            while (*c != ',' && *c != '\0')
                strbuf_printf(&b, "%c", *c++);
        f = xrealloc(f, (n + 1) * sizeof *f);
        f[n++] = b.s;
        if (*c == ',') {
            c++;
            continue;
        }
        if (*c != '\0') { /* text after a closing quote */
            for (size_t i = 0; i < n; i++)
                free(f[i]);
            free(f);
            return -1;
        }
        break;
    }
    *out = f;
    *n_out = n;
    return 0;
}

static void free_fields(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

/* ---- writing ------------------------------------------------------------------------------------------------------ */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void sync_dir_of(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        slash[slash == dir ? 1 : 0] = '\0';
    int fd = open(slash != NULL ? dir : ".", O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

static void provenance(sweep_file *f, const char *invocation)
{
    const sweep_spec *s = f->s;
    strbuf b;
    strbuf_init(&b);
    char desc[256];
    strbuf_printf(&b, "# cimsim %s: sweep of the %s experiment\n", cim_version(), s->x->name);
    strbuf_printf(&b, "# invocation: %s\n", invocation);
    strbuf_printf(&b, "# seed: %lld\n", s->run_seed);
    strbuf_printf(&b, "# sweep_hash: %016llx\n", (unsigned long long)s->hash);
    strbuf_printf(&b, "# runs: %s\n", sweep_describe(s, desc, sizeof desc));
    strbuf_puts(&b, "# sweep:\n");
    strbuf_prefix_lines(&b, "#   ", s->spec_text);
    strbuf_puts(&b, "# resolved configuration of every point (the swept keys and run.seed as in the row):\n");
    strbuf_prefix_lines(&b, "#   ", s->base_dump);
    f->provenance = b.s;
}

static void column_line(const sweep_file *f, strbuf *b, const char *const *metrics, size_t n_metrics, int journal)
{
    const sweep_spec *s = f->s;
    strbuf_puts(b, "point,repeat");
    for (size_t k = 0; k < sweep_n_key_columns(s); k++) {
        strbuf_puts(b, ",");
        put_field(b, sweep_key_column(s, k, NULL));
    }
    strbuf_puts(b, ",seed,status");
    for (size_t k = 0; k < n_metrics; k++) {
        strbuf_puts(b, ",");
        put_field(b, metrics[k]);
    }
    strbuf_puts(b, ",error,runtime_s");
    if (journal)
        strbuf_puts(b, "," COL_MORE);
    strbuf_puts(b, "\n");
}

static void row_line(const sweep_file *f, strbuf *b, const sweep_row *r, const char *const *metrics, size_t n_metrics,
                     int journal)
{
    const sweep_spec *s = f->s;
    const sweep_point *pt = &s->runs[r->run];
    strbuf_printf(b, "%zu,%zu", pt->point, pt->repeat);
    for (size_t k = 0; k < sweep_n_key_columns(s); k++) {
        size_t a;
        sweep_key_column(s, k, &a);
        strbuf_puts(b, ",");
        put_field(b, pt->label[a]);
    }
    strbuf_printf(b, ",%lld,%s", pt->seed, r->status == CIM_OK ? "ok" : "failed");
    unsigned char *used = xcalloc(r->metrics.n + 1, 1);
    for (size_t k = 0; k < n_metrics; k++) {
        strbuf_puts(b, ",");
        for (size_t q = 0; q < r->metrics.n; q++)
            if (!used[q] && strcmp(r->metrics.m[q].name, metrics[k]) == 0) {
                char num[64];
                sweep_fmt_real(num, sizeof num, r->metrics.m[q].value);
                strbuf_puts(b, num);
                used[q] = 1;
                break;
            }
    }
    strbuf_puts(b, ",");
    put_field(b, r->error != NULL ? r->error : "");
    strbuf_printf(b, ",%.3f", r->runtime_s);
    if (journal) {
        strbuf more;
        strbuf_init(&more);
        for (size_t q = 0; q < r->metrics.n; q++)
            if (!used[q]) {
                char num[64];
                sweep_fmt_real(num, sizeof num, r->metrics.m[q].value);
                strbuf_printf(&more, "%s%s=%s", more.len ? ";" : "", r->metrics.m[q].name, num);
            }
        strbuf_puts(b, ",");
        put_field(b, more.s);
        strbuf_destroy(&more);
    }
    strbuf_puts(b, "\n");
    free(used);
}

/* ---- syncing appended rows to disk, beside the sweep ---------------------------------------------------------------- */

struct sweep_syncer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fd;
    unsigned long long written, synced; /* rows appended, and rows known to be on disk */
    int quit, error;
};

static void *syncer_main(void *arg)
{
    struct sweep_syncer *y = arg;
    pthread_mutex_lock(&y->mu);
    for (;;) {
        while (y->synced == y->written && !y->quit)
            pthread_cond_wait(&y->cv, &y->mu);
        if (y->synced == y->written && y->quit)
            break;
        unsigned long long target = y->written;
        pthread_mutex_unlock(&y->mu);
        int bad = fdatasync(y->fd) != 0;
        pthread_mutex_lock(&y->mu);
        y->synced = target;
        y->error |= bad;
    }
    pthread_mutex_unlock(&y->mu);
    return NULL;
}

static struct sweep_syncer *syncer_start(int fd)
{
    struct sweep_syncer *y = xcalloc(1, sizeof *y);
    y->fd = fd;
    pthread_mutex_init(&y->mu, NULL);
    pthread_cond_init(&y->cv, NULL);
    if (pthread_create(&y->thread, NULL, syncer_main, y) != 0)
        abort(); /* no thread: like out of memory (core/xalloc.h) */
    return y;
}

static int syncer_wrote(struct sweep_syncer *y)
{
    pthread_mutex_lock(&y->mu);
    y->written++;
    int err = y->error;
    pthread_cond_signal(&y->cv);
    pthread_mutex_unlock(&y->mu);
    return err;
}

/* Waits for the last sync, stops the thread; 1 if any sync failed. */
static int syncer_stop(struct sweep_syncer *y)
{
    if (y == NULL)
        return 0;
    pthread_mutex_lock(&y->mu);
    y->quit = 1;
    pthread_cond_signal(&y->cv);
    pthread_mutex_unlock(&y->mu);
    pthread_join(y->thread, NULL);
    int err = y->error;
    pthread_mutex_destroy(&y->mu);
    pthread_cond_destroy(&y->cv);
    free(y);
    return err;
}

/* ---- reading an existing file ------------------------------------------------------------------------------------- */

static int find_col(char **cols, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i], name) == 0)
            return (int)i;
    return -1;
}

static int parse_real(const char *t, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(t, &end);
    return end != t && *end == '\0' ? 0 : -1;
}

/* One data line into a row; a message in why on failure. */
static int parse_row(const sweep_file *f, char **cols, size_t n_cols, char **v, size_t n, sweep_row *row, char *why,
                     size_t nwhy)
{
    const sweep_spec *s = f->s;
    if (n != n_cols) {
        snprintf(why, nwhy, "%zu fields where the column line has %zu", n, n_cols);
        return -1;
    }
    int ip = find_col(cols, n_cols, "point"), ir = find_col(cols, n_cols, "repeat");
    char *end;
    unsigned long long p = strtoull(v[ip], &end, 10);
    unsigned long long rep = *end == '\0' ? strtoull(v[ir], &end, 10) : 0;
    if (*end != '\0' || v[ip][0] == '\0' || p >= s->n_runs / s->repeats || rep >= s->repeats) {
        snprintf(why, nwhy, "point %s, repeat %s is not a run of this sweep", v[ip], v[ir]);
        return -1;
    }
    size_t run = (size_t)(p * s->repeats + rep);
    const sweep_point *pt = &s->runs[run];
    for (size_t k = 0; k < sweep_n_key_columns(s); k++) {
        size_t a;
        int c = find_col(cols, n_cols, sweep_key_column(s, k, &a));
        if (strcmp(v[c], pt->label[a]) != 0) {
            snprintf(why, nwhy, "%s = %s, but point %llu of this sweep has %s", cols[c], v[c], p, pt->label[a]);
            return -1;
        }
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%lld", pt->seed);
    if (strcmp(v[find_col(cols, n_cols, "seed")], seed) != 0) {
        snprintf(why, nwhy, "seed %s, but run %llu/%llu of this sweep has %s", v[find_col(cols, n_cols, "seed")], p,
                 rep, seed);
        return -1;
    }
    const char *status = v[find_col(cols, n_cols, "status")];
    if (strcmp(status, "ok") != 0 && strcmp(status, "failed") != 0) {
        snprintf(why, nwhy, "status \"%s\" (expected ok or failed)", status);
        return -1;
    }
    double rt;
    if (parse_real(v[find_col(cols, n_cols, "runtime_s")], &rt) != 0) {
        snprintf(why, nwhy, "runtime_s \"%s\" is not a number", v[find_col(cols, n_cols, "runtime_s")]);
        return -1;
    }
    sweep_row_init(row, run);
    row->runtime_s = rt;
    row->status = strcmp(status, "ok") == 0 ? CIM_OK : CIM_ESIM;
    const char *err = v[find_col(cols, n_cols, "error")];
    if (row->status != CIM_OK)
        row->error = xstrdup(err[0] ? err : "failed");
    /* metric columns: between status and error */
    int i0 = find_col(cols, n_cols, "status") + 1, i1 = find_col(cols, n_cols, "error");
    for (int c = i0; c < i1; c++) {
        if (v[c][0] == '\0')
            continue;
        double x;
        if (parse_real(v[c], &x) != 0) {
            snprintf(why, nwhy, "%s = \"%s\" is not a number", cols[c], v[c]);
            sweep_row_free(row);
            return -1;
        }
        exp_metrics_add(&row->metrics, cols[c], exp_unit_of(cols[c]), x);
    }
    int im = find_col(cols, n_cols, COL_MORE);
    if (im >= 0 && v[im][0] != '\0') {
        char *more = xstrdup(v[im]);
        for (char *save = NULL, *tok = strtok_r(more, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
            char *eq = strrchr(tok, '=');
            double x;
            if (eq == NULL || parse_real(eq + 1, &x) != 0) {
                snprintf(why, nwhy, "%s: \"%s\" is not name=value", COL_MORE, tok);
                free(more);
                sweep_row_free(row);
                return -1;
            }
            *eq = '\0';
            exp_metrics_add(&row->metrics, tok, exp_unit_of(tok), x);
        }
        free(more);
    }
    return 0;
}

static int read_existing(sweep_file *f, const char *text, size_t len, off_t *keep)
{
    const sweep_spec *s = f->s;
    *keep = 0;
    int hash_seen = 0, line_no = 0;
    char **cols = NULL;
    size_t n_cols = 0;
    size_t pos = 0;
    int st = CIM_OK;
    while (pos < len && st == CIM_OK) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        line_no++;
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        char *line = xcalloc(end - pos + 1, 1);
        memcpy(line, text + pos, end - pos);
        int complete = nl != NULL && strlen(line) == end - pos; /* a NUL inside is a torn write too */
        int last = nl == NULL || end + 1 >= len;
        if (!complete) {
            /* the torn last line of a crash: cut off, its run redone */
            free(line);
            if (!last || nl != NULL) {
                /* NULs then more lines: only a torn tail is acceptable */
                const char *z = text + pos;
                size_t k = 0;
                while (pos + k < len && (z[k] == '\0' || z[k] == '\n'))
                    k++;
                if (pos + k < len) {
                    st = cim_error(CIM_EIO, "%s:%d: a damaged line (NUL bytes) inside the file; re-run with --restart "
                                            "to start over", f->path, line_no);
                    break;
                }
            }
            f->torn = 1;
            break;
        }
        if (line[0] == '#') {
            unsigned long long h;
            if (sscanf(line, "# sweep_hash: %llx", &h) == 1) {
                hash_seen = 1;
                if ((uint64_t)h != s->hash) {
                    st = cim_error(CIM_ECONFIG,
                                   "%s: written by a different sweep (sweep_hash %016llx; this sweep's is %016llx: the "
                                   "configuration, the sweep, a --set, the seed or the cimsim version differ); re-run "
                                   "with --restart to start over, or write to another file with -o",
                                   f->path, h, (unsigned long long)s->hash);
                }
            }
        } else if (!hash_seen) {
            st = cim_error(CIM_ECONFIG, "%s: not a cimsim sweep result (no sweep_hash line before line %d); re-run with "
                                        "--restart to replace it, or write to another file with -o",
                           f->path, line_no);
        } else if (cols == NULL) {
            if (split_fields(line, &cols, &n_cols) != 0 || find_col(cols, n_cols, "point") < 0 ||
                find_col(cols, n_cols, "runtime_s") < 0) {
                if (last) {
                    f->torn = 1;
                    free(line);
                    break;
                }
                st = cim_error(CIM_EIO, "%s:%d: not the column line of a sweep result", f->path, line_no);
            } else {
                /* the metric columns of the journal */
                int i0 = find_col(cols, n_cols, "status") + 1, i1 = find_col(cols, n_cols, "error");
                int ok = i0 > 0 && i1 >= i0 && find_col(cols, n_cols, "seed") >= 0 && find_col(cols, n_cols, "repeat") >= 0;
                for (size_t k = 0; ok && k < sweep_n_key_columns(s); k++)
                    ok = find_col(cols, n_cols, sweep_key_column(s, k, NULL)) >= 0;
                if (!ok)
                    st = cim_error(CIM_EIO, "%s:%d: the column line does not have this sweep's columns", f->path,
                                   line_no);
                for (int c = i0; ok && c < i1; c++) {
                    f->columns = xrealloc(f->columns, (f->n_columns + 1) * sizeof *f->columns);
                    f->columns[f->n_columns++] = xstrdup(cols[c]);
                }
                f->header_written = 1;
            }
        } else if (line[0] != '\0') {
            char **v;
            size_t n;
            char why[512] = "an unterminated quote";
            sweep_row row;
            int bad = split_fields(line, &v, &n) != 0;
            if (!bad) {
                bad = parse_row(f, cols, n_cols, v, n, &row, why, sizeof why) != 0;
                free_fields(v, n);
            }
            if (bad && last) {
                f->torn = 1;
                free(line);
                break;
            }
            if (bad)
                st = cim_error(CIM_EIO, "%s:%d: %s; re-run with --restart to start over", f->path, line_no, why);
            else if (f->rows[row.run] != NULL)
                sweep_row_free(&row); /* a second row of one run: the first stands */
            else {
                f->rows[row.run] = xcalloc(1, sizeof row);
                *f->rows[row.run] = row;
                f->n_done++;
                f->n_resumed++;
                f->n_failed += row.status != CIM_OK;
            }
        }
        free(line);
        pos = end + 1;
        *keep = (off_t)(pos < len ? pos : len);
    }
    if (st == CIM_OK && !hash_seen && len > 0)
        st = cim_error(CIM_ECONFIG, "%s: not a cimsim sweep result (no sweep_hash line); re-run with --restart to "
                                    "replace it, or write to another file with -o",
                       f->path);
    if (cols != NULL)
        free_fields(cols, n_cols);
    return st;
}

/* ---- the file --------------------------------------------------------------------------------------------------- */

int sweep_file_open(sweep_file *f, const sweep_spec *s, const char *path, const char *invocation, int restart)
{
    memset(f, 0, sizeof *f);
    f->s = s;
    f->fd = -1;
    f->path = xstrdup(path);
    f->rows = xcalloc(s->n_runs ? s->n_runs : 1, sizeof *f->rows);
    provenance(f, invocation);
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode))
        return cim_error(CIM_EIO, "%s: not a regular file", path);
    if (exists && !restart && sb.st_size > 0) {
        int fd = open(path, O_RDWR);
        if (fd < 0)
            return cim_error(CIM_EIO, "cannot open %s to resume: %s", path, strerror(errno));
        char *text = xcalloc((size_t)sb.st_size + 1, 1);
        size_t got = 0;
        while (got < (size_t)sb.st_size) {
            ssize_t r = read(fd, text + got, (size_t)sb.st_size - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        off_t keep = 0;
        int st = read_existing(f, text, got, &keep);
        free(text);
        if (st == CIM_OK && keep < (off_t)got && (ftruncate(fd, keep) != 0 || fsync(fd) != 0))
            st = cim_error(CIM_EIO, "cannot cut the torn last line of %s: %s", path, strerror(errno));
        if (st != CIM_OK) {
            close(fd);
            return st;
        }
        if (lseek(fd, 0, SEEK_END) < 0) {
            close(fd);
            return cim_error(CIM_EIO, "%s: %s", path, strerror(errno));
        }
        f->fd = fd;
        return CIM_OK;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return cim_error(CIM_EIO, "cannot write %s: %s", path, strerror(errno));
    if (write_all(fd, f->provenance, strlen(f->provenance)) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return cim_error(CIM_EIO, "cannot write %s: %s", path, strerror(e));
    }
    sync_dir_of(path);
    f->fd = fd;
    return CIM_OK;
}

int sweep_file_append(sweep_file *f, sweep_row *row)
{
    if (row->run >= f->s->n_runs || f->rows[row->run] != NULL) {
        sweep_row_free(row);
        return CIM_OK;
    }
    strbuf b;
    strbuf_init(&b);
    if (!f->header_written) {
        /* the journal's metric columns: this first row's (or the selected metrics) */
        if (f->s->n_metrics > 0) {
            for (size_t k = 0; k < f->s->n_metrics; k++) {
                f->columns = xrealloc(f->columns, (f->n_columns + 1) * sizeof *f->columns);
                f->columns[f->n_columns++] = xstrdup(f->s->metrics[k]);
            }
        } else
            for (size_t k = 0; k < row->metrics.n; k++) {
                f->columns = xrealloc(f->columns, (f->n_columns + 1) * sizeof *f->columns);
                f->columns[f->n_columns++] = xstrdup(row->metrics.m[k].name);
            }
        column_line(f, &b, (const char *const *)f->columns, f->n_columns, 1);
    }
    row_line(f, &b, row, (const char *const *)f->columns, f->n_columns, 1);
    /* One write of whole lines: a kill leaves whole rows; the syncer puts them on disk. */
    int st = CIM_OK;
    if (f->syncer == NULL)
        f->syncer = syncer_start(f->fd);
    if (write_all(f->fd, b.s, b.len) != 0)
        st = cim_error(CIM_EIO, "cannot append to %s: %s", f->path, strerror(errno));
    else if (syncer_wrote(f->syncer) != 0)
        st = cim_error(CIM_EIO, "cannot sync %s to disk", f->path);
    strbuf_destroy(&b);
    f->header_written = 1;
    size_t run = row->run;
    f->rows[run] = xcalloc(1, sizeof *row);
    *f->rows[run] = *row;
    memset(row, 0, sizeof *row);
    f->n_done++;
    f->n_failed += f->rows[run]->status != CIM_OK;
    return st;
}

const char **sweep_file_metric_names(const sweep_file *f, size_t *n)
{
    const sweep_spec *s = f->s;
    const char **names = NULL;
    size_t k = 0;
    if (s->n_metrics > 0) {
        names = xcalloc(s->n_metrics, sizeof *names);
        for (; k < s->n_metrics; k++)
            names[k] = s->metrics[k];
        *n = k;
        return names;
    }
    for (size_t i = 0; i < s->n_runs; i++) {
        const sweep_row *r = f->rows[i];
        for (size_t q = 0; r != NULL && q < r->metrics.n; q++) {
            int seen = 0;
            for (size_t j = 0; j < k && !seen; j++)
                seen = strcmp(names[j], r->metrics.m[q].name) == 0;
            if (!seen) {
                names = xrealloc(names, (k + 1) * sizeof *names);
                names[k++] = r->metrics.m[q].name;
            }
        }
    }
    *n = k;
    return names;
}

static json_t *value_json(const sweep_axis *ax, const sweep_point *pt, size_t a)
{
    if (ax->numeric && !isnan(pt->num[a]))
        return ax->is_int ? json_integer((json_int_t)pt->num[a]) : json_real(pt->num[a]);
    return json_string(pt->label[a]);
}

static char *final_json(const sweep_file *f)
{
    const sweep_spec *s = f->s;
    size_t nm;
    const char **names = sweep_file_metric_names(f, &nm);
    json_t *root = json_object();
    json_t *pv = json_object();
    json_object_set_new(pv, "version", json_string(cim_version()));
    json_object_set_new(pv, "experiment", json_string(s->x->name));
    json_object_set_new(pv, "seed", json_integer(s->run_seed));
    char h[32];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)s->hash);
    json_object_set_new(pv, "sweep_hash", json_string(h));
    json_object_set_new(pv, "sweep", json_string(s->spec_text));
    json_object_set_new(pv, "configuration", json_string(s->base_dump));
    json_object_set_new(root, "provenance", pv);
    json_t *cols = json_array();
    for (size_t k = 0; k < sweep_n_key_columns(s); k++) {
        size_t a;
        const char *key = sweep_key_column(s, k, &a);
        json_array_append_new(cols, json_pack("{s:s, s:s, s:s}", "name", key, "kind", "swept", "unit", s->axes[a].unit));
    }
    for (size_t k = 0; k < nm; k++)
        json_array_append_new(cols, json_pack("{s:s, s:s, s:s}", "name", names[k], "kind", "metric", "unit",
                                              exp_unit_of(names[k])));
    json_object_set_new(root, "columns", cols);
    json_t *rows = json_array();
    for (size_t i = 0; i < s->n_runs; i++) {
        const sweep_row *r = f->rows[i];
        const sweep_point *pt = &s->runs[i];
        json_t *jr = json_object();
        json_object_set_new(jr, "point", json_integer((json_int_t)pt->point));
        json_object_set_new(jr, "repeat", json_integer((json_int_t)pt->repeat));
        json_t *vals = json_object();
        for (size_t k = 0; k < sweep_n_key_columns(s); k++) {
            size_t a;
            const char *key = sweep_key_column(s, k, &a);
            json_object_set_new(vals, key, value_json(&s->axes[a], pt, a));
        }
        json_object_set_new(jr, "values", vals);
        json_object_set_new(jr, "seed", json_integer(pt->seed));
        json_object_set_new(jr, "status", json_string(r != NULL && r->status == CIM_OK ? "ok" : "failed"));
        json_t *ms = json_object();
        for (size_t k = 0; r != NULL && k < nm; k++) {
            const exp_metric *m = exp_metrics_find(&r->metrics, names[k]);
            if (m != NULL)
                json_object_set_new(ms, names[k], isfinite(m->value) ? json_real(m->value) : json_null());
        }
        json_object_set_new(jr, "metrics", ms);
        json_object_set_new(jr, "error", r != NULL && r->error ? json_string(r->error) : json_null());
        json_object_set_new(jr, "runtime_s", json_real(r != NULL ? r->runtime_s : 0));
        json_array_append_new(rows, jr);
    }
    json_object_set_new(root, "rows", rows);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
    json_decref(root);
    free(names);
    return text;
}

static int write_atomic(const char *path, const char *data, size_t n)
{
    size_t len = strlen(path) + 32;
    char *tmp = xcalloc(len, 1);
    snprintf(tmp, len, "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int st = CIM_OK;
    if (fd < 0 || write_all(fd, data, n) != 0 || fsync(fd) != 0)
        st = cim_error(CIM_EIO, "cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (st == CIM_OK && rename(tmp, path) != 0)
        st = cim_error(CIM_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (st != CIM_OK)
        unlink(tmp);
    else
        sync_dir_of(path);
    free(tmp);
    return st;
}

int sweep_file_finish(sweep_file *f, const char *json_path)
{
    if (syncer_stop(f->syncer) != 0) {
        f->syncer = NULL;
        return cim_error(CIM_EIO, "cannot sync %s to disk", f->path);
    }
    f->syncer = NULL;
    if (f->n_done < f->s->n_runs)
        return cim_error(CIM_EINVAL, "sweep_file_finish: %zu of %zu runs done", f->n_done, f->s->n_runs);
    int st;
    if (json_path != NULL) {
        char *text = final_json(f);
        strbuf b;
        strbuf_init(&b);
        strbuf_puts(&b, text);
        strbuf_puts(&b, "\n");
        free(text);
        st = write_atomic(json_path, b.s, b.len);
        strbuf_destroy(&b);
        if (st == CIM_OK && strcmp(json_path, f->path) != 0)
            unlink(f->path);
    } else {
        size_t nm;
        const char **names = sweep_file_metric_names(f, &nm);
        strbuf b;
        strbuf_init(&b);
        strbuf_puts(&b, f->provenance);
        column_line(f, &b, names, nm, 0);
        for (size_t i = 0; i < f->s->n_runs; i++)
            row_line(f, &b, f->rows[i], names, nm, 0);
        free(names);
        st = write_atomic(f->path, b.s, b.len);
        strbuf_destroy(&b);
    }
    return st;
}

void sweep_file_close(sweep_file *f)
{
    syncer_stop(f->syncer);
    if (f->fd >= 0)
        close(f->fd);
    for (size_t i = 0; f->rows != NULL && i < f->s->n_runs; i++)
        if (f->rows[i] != NULL) {
            sweep_row_free(f->rows[i]);
            free(f->rows[i]);
        }
    free(f->rows);
    for (size_t k = 0; k < f->n_columns; k++)
        free(f->columns[k]);
    free(f->columns);
    free(f->provenance);
    free(f->path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

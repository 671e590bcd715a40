/* core/csv.c -- see csv.h.  The reader loads the whole file and walks it once; cells are parsed
 * with strtod in the C locale (the program never calls setlocale, so '.' is the decimal point). */
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

csv_read_opts csv_opts_any(void)
{
    csv_read_opts o = {CSV_HEADER_AUTO, NULL, NULL, -HUGE_VAL, HUGE_VAL, 0, NULL, NULL, NULL};
    return o;
}

void csv_table_free(csv_table *t)
{
    if (t->header != NULL) {
        for (size_t j = 0; j < t->cols; j++)
            free(t->header[j]);
        free(t->header);
    }
    free(t->data);
    free(t->line);
    memset(t, 0, sizeof *t);
}

int csv_column(const csv_table *t, const char *name)
{
    if (t->header == NULL)
        return -1;
    for (size_t j = 0; j < t->cols; j++)
        if (strcmp(t->header[j], name) == 0)
            return (int)j;
    return -1;
}

/* ---- reading ---------------------------------------------------------------------------------- */

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* True if the cell spells NaN or an infinity, which strtod would accept but we must reject. */
static int spells_nonfinite(const char *s, size_t n)
{
    if (n > 0 && (*s == '+' || *s == '-')) {
        s++;
        n--;
    }
    return (n >= 3 && strncasecmp(s, "nan", 3) == 0) || (n >= 3 && strncasecmp(s, "inf", 3) == 0);
}

/* A header cell is a name: it starts with a letter, '_' or a quote and is not NaN/Inf. */
static int looks_like_name(const char *s, size_t n)
{
    if (n == 0 || spells_nonfinite(s, n))
        return 0;
    return isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == '"';
}

typedef struct cell {
    const char *s; /* first non-blank character */
    size_t n;      /* length without surrounding blanks */
    size_t col;    /* 1-based column of the cell's first character */
} cell;

/* Splits one line (without its end-of-line and comment) into cells. */
static size_t split_cells(const char *line, size_t len, cell **cells, size_t *cap)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || line[i] == ',') {
            size_t a = start, b = i;
            while (a < b && is_blank(line[a]))
                a++;
            while (b > a && is_blank(line[b - 1]))
                b--;
            void *p = *cells;
            xgrow(&p, cap, n + 1, sizeof **cells);
            *cells = p;
            (*cells)[n].s = line + a;
            (*cells)[n].n = b - a;
            (*cells)[n].col = (a < b ? a : start) + 1;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static void show_cell(char *out, size_t outsz, const cell *c)
{
    size_t n = c->n < 40 ? c->n : 40;
    snprintf(out, outsz, "'%.*s%s'", (int)n, c->s, c->n > 40 ? "..." : "");
}

static int parse_cell(const char *name, size_t line, const cell *c, const csv_read_opts *o, double *out)
{
    const char *what = o->quantity ? o->quantity : "value";
    const char *unit = o->unit ? o->unit : "";
    const char *sp = o->unit ? " " : "";
    char shown[64];
    if (c->n == 0)
        return cim_error(CIM_EIO, "%s:%zu:%zu: expected a number, got an empty cell", name, line, c->col);
    show_cell(shown, sizeof shown, c);
    if (spells_nonfinite(c->s, c->n))
        return cim_error(CIM_EIO, "%s:%zu:%zu: %s is not a finite number (NaN and infinities are not allowed)",
                         name, line, c->col, shown);
    char buf[512];
    if (c->n >= sizeof buf)
        return cim_error(CIM_EIO, "%s:%zu:%zu: expected a number, got %s", name, line, c->col, shown);
    memcpy(buf, c->s, c->n);
    buf[c->n] = '\0';
    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return cim_error(CIM_EIO, "%s:%zu:%zu: expected a number, got %s", name, line, c->col, shown);
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return cim_error(CIM_EIO, "%s:%zu:%zu: %s is outside the range of a double", name, line, c->col, shown);
    const char *key = v < o->min ? o->min_key : v > o->max ? o->max_key : NULL;
    if (key != NULL)
        return cim_error(CIM_EIO, "%s:%zu:%zu: %s %s%s%s is %s %s = %g%s%s%s%s", name, line, c->col, what, buf, sp, unit,
                         v < o->min ? "below" : "above", key, v < o->min ? o->min : o->max, sp, unit,
                         o->range_hint ? "; " : "", o->range_hint ? o->range_hint : "");
    if (v < o->min)
        return cim_error(CIM_EIO, "%s:%zu:%zu: %s must be >= %g%s%s, got %s", name, line, c->col, what, o->min, sp,
                         unit, buf);
    if (v > o->max)
        return cim_error(CIM_EIO, "%s:%zu:%zu: %s must be <= %g%s%s, got %s", name, line, c->col, what, o->max, sp,
                         unit, buf);
    *out = v;
    return CIM_OK;
}

int csv_parse(const char *name, const char *text, size_t len, const csv_read_opts *o, csv_table *t)
{
    memset(t, 0, sizeof *t);
    t->fnv1a64 = rng_fnv1a64(RNG_FNV_OFFSET, text, len);
    cell *cells = NULL;
    size_t cells_cap = 0, data_cap = 0, line_cap = 0, first_line = 0;
    int status = CIM_OK, seen_first = 0;
    size_t line_no = 0, pos = 0;
    while (pos < len && status == CIM_OK) {
        line_no++;
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n > 0 && line[n - 1] == '\r') /* CRLF */
            n--;
        const char *hash = memchr(line, '#', n);
        if (hash != NULL)
            n = (size_t)(hash - line);
        size_t k = 0;
        while (k < n && (is_blank(line[k]) || line[k] == '\r'))
            k++;
        if (k == n)
            continue; /* blank or comment-only line */
        size_t nc = split_cells(line, n, &cells, &cells_cap);
        if (!seen_first) {
            seen_first = 1;
            int names = 1;
            for (size_t j = 0; j < nc; j++)
                names = names && looks_like_name(cells[j].s, cells[j].n);
            if (o->header == CSV_HEADER_REQUIRED && !names) {
                status = cim_error(CIM_EIO, "%s:%zu: expected a header line of column names, got data", name,
                                   line_no);
                break;
            }
            if (o->header != CSV_HEADER_NONE && names) {
                t->cols = nc;
                t->header = xcalloc(nc, sizeof *t->header);
                for (size_t j = 0; j < nc; j++) {
                    const char *s = cells[j].s;
                    size_t m = cells[j].n;
                    if (m >= 2 && s[0] == '"' && s[m - 1] == '"') {
                        s++;
                        m -= 2;
                    }
                    t->header[j] = xmalloc(m + 1);
                    memcpy(t->header[j], s, m);
                    t->header[j][m] = '\0';
                }
                first_line = line_no;
                t->header_line = line_no;
                continue;
            }
        }
        if (t->rows == 0 && t->header == NULL) {
            t->cols = nc;
            first_line = line_no;
        }
        if (nc != t->cols) {
            status = cim_error(CIM_EIO, "%s:%zu: this row has %zu value%s; expected %zu as on line %zu", name,
                               line_no, nc, nc == 1 ? "" : "s", t->cols, first_line);
            break;
        }
        if (o->want_cols != 0 && nc != o->want_cols) {
            if (o->want_cols == 1)
                status = cim_error(CIM_EIO, "%s:%zu: expected one value per line (a column vector), got %zu values",
                                   name, line_no, nc);
            else
                status = cim_error(CIM_EIO, "%s:%zu: expected %zu values per line, got %zu", name, line_no,
                                   o->want_cols, nc);
            break;
        }
        void *p = t->data;
        xgrow(&p, &data_cap, (t->rows + 1) * nc, sizeof(double));
        t->data = p;
        for (size_t j = 0; j < nc && status == CIM_OK; j++)
            status = parse_cell(name, line_no, &cells[j], o, &t->data[t->rows * nc + j]);
        p = t->line;
        xgrow(&p, &line_cap, t->rows + 1, sizeof *t->line);
        t->line = p;
        t->line[t->rows] = line_no;
        t->rows++;
    }
    free(cells);
    if (status == CIM_OK && t->rows == 0)
        status = cim_error(CIM_EIO, "%s: no data: the file is empty or holds only comments%s", name,
                           t->header ? " and a header" : "");
    if (status != CIM_OK)
        csv_table_free(t);
    return status;
}

int csv_read(const char *path, const csv_read_opts *o, csv_table *t)
{
    memset(t, 0, sizeof *t);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return cim_error(CIM_EIO, "cannot read %s: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        void *p = text;
        xgrow(&p, &cap, len + 65536, 1);
        text = p;
        size_t got = fread(text + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    int err = ferror(fp);
    fclose(fp);
    int status;
    if (err)
        status = cim_error(CIM_EIO, "cannot read %s: read error", path);
    else
        status = csv_parse(path, text, len, o, t);
    free(text);
    return status;
}

/* ---- writing ---------------------------------------------------------------------------------- */

int csv_write_matrix(FILE *fp, const double *a, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            if (fprintf(fp, "%.17g%c", a[i * cols + j], j + 1 == cols ? '\n' : ',') < 0)
                return cim_error(CIM_EIO, "write error: %s", strerror(errno));
    return CIM_OK;
}

void csv_format_matrix(strbuf *b, const double *a, size_t rows, size_t cols)
{
    for (size_t k = 0; k < rows * cols; k++)
        strbuf_printf(b, "%.17g%c", a[k], (k + 1) % cols ? ',' : '\n');
}

int csv_write_header(FILE *fp, const char *const *names, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (fprintf(fp, "%s%c", names[j], j + 1 == n ? '\n' : ',') < 0)
            return cim_error(CIM_EIO, "write error: %s", strerror(errno));
    return CIM_OK;
}

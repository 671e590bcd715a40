/* snn/digits.c -- see digits.h. */
#include "snn/digits.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { DIGITS_COLS = DIGITS_PIXELS + 1 };

void dataset_alloc(dataset *s, size_t n, size_t d, size_t n_classes)
{
    *s = (dataset){.n = n, .d = d, .n_classes = n_classes};
    s->x = xcalloc(n * d > 0 ? n * d : 1, sizeof *s->x);
    s->y = xcalloc(n ? n : 1, sizeof *s->y);
}

void dataset_free(dataset *s)
{
    if (s == NULL)
        return;
    free(s->x);
    free(s->y);
    *s = (dataset){0};
}

/* The whole decompressed content of path (NUL-terminated); *len its length. */
static int slurp_gz(const char *path, char **text, size_t *len)
{
    *text = NULL;
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return cim_error(CIM_EIO, "cannot read %s: %s", path, errno ? strerror(errno) : "out of memory");
    size_t cap = 1 << 19, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (cap - n < 65536)
            buf = xrealloc(buf, cap *= 2);
        int got = gzread(f, buf + n, (unsigned)(cap - n - 1));
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            int st = cim_error(CIM_EIO, "cannot read %s: %s", path,
                               zerr == Z_ERRNO ? strerror(errno) : (msg && *msg ? msg : "broken gzip stream"));
            gzclose(f);
            free(buf);
            return st;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    gzclose(f);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return CIM_OK;
}

/* Parses one line (without its end of line): 65 values into v.  lineno for messages. */
static int parse_line(const char *path, size_t lineno, const char *s, size_t len, int *v)
{
    if (len == 0)
        return cim_error(CIM_EIO, "%s:%zu:1: blank line; every line holds 64 pixels and a label", path, lineno);
    size_t k = 0, i = 0;
    for (;;) {
        size_t start = i;
        while (i < len && s[i] != ',')
            i++;
        if (k == DIGITS_COLS)
            return cim_error(CIM_EIO, "%s:%zu:%zu: more than %d values on the line (64 pixels and a label)", path,
                             lineno, start + 1, DIGITS_COLS);
        const char *what = k < DIGITS_PIXELS ? "pixel" : "label";
        const int hi = k < DIGITS_PIXELS ? DIGITS_PIXEL_MAX : DIGITS_CLASSES - 1;
        if (i == start)
            return cim_error(CIM_EIO, "%s:%zu:%zu: empty %s (value %zu of %d)", path, lineno, start + 1, what, k + 1,
                             DIGITS_COLS);
        long val = 0;
        for (size_t j = start; j < i; j++) {
            if (s[j] < '0' || s[j] > '9') {
                size_t w = i - start < 40 ? i - start : 40;
                return cim_error(CIM_EIO,
                                 "%s:%zu:%zu: %s '%.*s' is not an integer 0..%d (the file holds raw counts 0..16 and "
                                 "labels 0..9; the features pixel/16 are computed on reading, so a file already "
                                 "divided by 16 is refused)",
                                 path, lineno, start + 1, what, (int)w, s + start, hi);
            }
            if (val <= 1000)
                val = 10 * val + (s[j] - '0');
        }
        if (val > hi)
            return cim_error(CIM_EIO, "%s:%zu:%zu: %s %.*s is outside 0..%d", path, lineno, start + 1, what,
                             (int)(i - start < 40 ? i - start : 40), s + start, hi);
        v[k++] = (int)val;
        if (i == len)
            break;
        i++; /* the comma */
    }
    if (k != DIGITS_COLS)
        return cim_error(CIM_EIO, "%s:%zu:%zu: %zu values on the line; expected %d (64 pixels and a label)", path,
                         lineno, len + 1, k, DIGITS_COLS);
    return CIM_OK;
}

int digits_load(const char *path, dataset *train, dataset *test)
{
    if (train)
        *train = (dataset){0};
    if (test)
        *test = (dataset){0};
    char *text = NULL;
    size_t len = 0;
    int st = slurp_gz(path, &text, &len);
    if (st != CIM_OK)
        return st;
    if (memchr(text, '\0', len) != NULL) {
        free(text);
        return cim_error(CIM_EIO, "%s: not a text file (it holds NUL bytes)", path);
    }
    int *all = xmalloc((size_t)DIGITS_ROWS * DIGITS_COLS * sizeof *all);
    size_t rows = 0, lineno = 0;
    for (size_t p = 0; p < len && st == CIM_OK;) {
        const char *nl = memchr(text + p, '\n', len - p);
        size_t end = nl ? (size_t)(nl - text) : len, l = end - p;
        lineno++;
        if (l > 0 && text[p + l - 1] == '\r')
            l--;
        if (rows == DIGITS_ROWS && l > 0)
            st = cim_error(CIM_EIO, "%s:%zu:1: more than %d lines; this is not the digits file of data/README.md", path,
                           lineno, DIGITS_ROWS);
        else
            st = parse_line(path, lineno, text + p, l, all + rows * DIGITS_COLS);
        rows++;
        p = end + 1;
    }
    if (st == CIM_OK && rows != DIGITS_ROWS)
        st = cim_error(CIM_EIO, "%s:%zu: the file ends after %zu lines; expected %d (data/README.md)", path, lineno,
                       rows, DIGITS_ROWS);
    if (st == CIM_OK) {
        uint64_t fp = rng_fnv1a64(RNG_FNV_OFFSET, text, len);
        dataset *out[2] = {train, test};
        const size_t first[2] = {0, DIGITS_TRAIN}, count[2] = {DIGITS_TRAIN, DIGITS_TEST};
        for (int s = 0; s < 2; s++) {
            if (out[s] == NULL)
                continue;
            dataset_alloc(out[s], count[s], DIGITS_PIXELS, DIGITS_CLASSES);
            out[s]->fnv1a64 = fp;
            for (size_t r = 0; r < count[s]; r++) {
                const int *row = all + (first[s] + r) * DIGITS_COLS;
                for (size_t j = 0; j < DIGITS_PIXELS; j++)
                    out[s]->x[r * DIGITS_PIXELS + j] = row[j] / (double)DIGITS_PIXEL_MAX;
                out[s]->y[r] = row[DIGITS_PIXELS];
            }
        }
    }
    free(all);
    free(text);
    return st;
}

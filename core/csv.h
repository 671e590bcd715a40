/* core/csv.h -- CSV input and output for vectors, matrices and traces.
 *
 * Format (docs/design.md#csv-conventions): comma-separated numbers, one matrix row per line; an optional first line of
 * column names (a header, required for traces); '#' starts a comment that runs to the end of the
 * line; blank lines are ignored; LF or CRLF line endings; the last line may lack its newline.
 * Reading rejects, with FILE:LINE:COLUMN in the message: non-numeric and empty cells, NaN and
 * infinities, numbers outside double range, values outside the caller's allowed range, rows whose
 * length differs from the first, and files with no data.  Numbers are written with 17 significant
 * digits, which read back to the identical double.
 */
#ifndef CIM_CSV_H
#define CIM_CSV_H

#include "core/strbuf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum csv_header_mode {
    CSV_HEADER_AUTO = 0, /* a first line of names (every cell starts with a letter, '_' or '"') is a header */
    CSV_HEADER_NONE,     /* the first line is data */
    CSV_HEADER_REQUIRED  /* the first line must be a header (traces) */
} csv_header_mode;

typedef struct csv_read_opts {
    csv_header_mode header; /* how to treat the first line */
    const char *quantity;   /* what a value is, for messages ("conductance"); NULL means "value" */
    const char *unit;       /* its SI unit for messages ("S"); NULL means none */
    double min, max;        /* allowed range, inclusive; -HUGE_VAL and HUGE_VAL for none */
    size_t want_cols;       /* required number of columns; 0 accepts any (1 reads a vector) */
    /* When the range is a physical plausibility limit set by a configuration key (not a law such as G >= 0):
     * the key, named in the message, and a hint appended to it (what the likely slip is: a file in uS).  Both
     * may be NULL.  range_key names min_key for values below min, max_key above max. */
    const char *min_key, *max_key;
    const char *range_hint;
} csv_read_opts;

/* Options accepting any finite number, any shape, optional header. */
csv_read_opts csv_opts_any(void);

typedef struct csv_table {
    size_t rows, cols; /* data rows and columns */
    double *data;      /* rows*cols values, row-major */
    char **header;     /* cols names, or NULL when the file has none */
    size_t header_line;/* the header's line number in the file (0: none) */
    size_t *line;      /* rows line numbers in the file, for messages about a row's values */
    uint64_t fnv1a64;  /* fingerprint of the file's bytes (for provenance) */
} csv_table;

/* Reads path into t.  On failure returns CIM_EIO with a FILE:LINE:COLUMN message and leaves t
 * empty (safe to csv_table_free). */
int csv_read(const char *path, const csv_read_opts *o, csv_table *t);

/* Parses text already in memory; name is used in messages. */
int csv_parse(const char *name, const char *text, size_t len, const csv_read_opts *o, csv_table *t);

void csv_table_free(csv_table *t);

/* The index of the header column called name (the first, if it repeats), or -1 when it is absent or the table has
 * no header.  Readers look columns up by name so that a file may give them in any order. */
int csv_column(const csv_table *t, const char *name);

/* Writes rows*cols values, one matrix row per line, "%.17g".  Returns CIM_EIO on write error. */
int csv_write_matrix(FILE *fp, const double *a, size_t rows, size_t cols);

/* Appends rows*cols values to b in the same form (one matrix row per line, "%.17g"), for writers that assemble
 * a file in memory and write it atomically (core/afile.h). */
void csv_format_matrix(strbuf *b, const double *a, size_t rows, size_t cols);

/* Writes a header line "name1,name2,...". */
int csv_write_header(FILE *fp, const char *const *names, size_t n);

#endif

/* sweep/file.h -- the result file of a sweep: written as runs finish, resumed after a crash, finished in run order.
 *
 * While a sweep runs, its result file is a journal: the provenance comment block (version, the sweep's config
 * hash, the resolved sweep and configuration), then the column line, then one row per finished run in the order
 * runs finish.  Each row is one write(2) of a complete line, so a killed process leaves only complete rows; a
 * thread of the file then syncs it to disk (fdatasync), so a power cut loses at most the rows of the last few
 * milliseconds (they are run again on resume) and tears at most the last line.  The sync runs beside the sweep, not
 * in its path: on this machine's disk one fdatasync takes 2-3 ms, 20-30 % of a 10 ms run, and rows that finish
 * during one sync are covered together by the next.  Columns:
 *
 *   point,repeat,<swept keys>,seed,status,<metrics>,error,runtime_s      (+ more_metrics while running)
 *
 * status is "ok" or "failed"; error is the failure's message (quoted); NaN metrics are "nan"; runtime_s is wall
 * time, the one column that differs between runs of the same sweep.  The metric columns of a journal are those of
 * the first row written; a later row's metrics outside them go, as name=value pairs, to the journal-only column
 * more_metrics.  When every run is done, sweep_file_finish rewrites the file atomically with the rows in run order
 * (point, then repeat) and the metric columns in order of first appearance over that order, so the final file's
 * bytes, runtime_s aside, are the same for any number of workers, ranks and interruptions.
 *
 * Resuming (sweep_file_open on an existing file): the header's sweep_hash must equal the sweep's, else
 * CIM_ECONFIG naming the file and --restart; a last line without its newline, or one that does not parse (a torn
 * write), is cut off and its run redone; a row in the middle that does not parse is an error naming its line;
 * a second row of the same run is ignored.  restart: an existing file is replaced.
 */
#ifndef CIM_SWEEP_FILE_H
#define CIM_SWEEP_FILE_H

#include "sweep/row.h"
#include "sweep/spec.h"

typedef struct sweep_file {
    const sweep_spec *s;
    char *path;              /* the journal (owned) */
    int fd;                  /* open for appending, -1 when closed */
    char *provenance;        /* the comment block (owned) */
    sweep_row **rows;        /* per run: its row once finished, else NULL (owned) */
    size_t n_done, n_failed; /* rows held, and how many of them failed */
    size_t n_resumed;        /* rows read from an existing file */
    int torn;                /* 1 if a torn last line was cut off when opening */
    char **columns;          /* metric columns of the journal's column line (owned), n_columns */
    size_t n_columns;
    int header_written;      /* the column line is in the file */
    struct sweep_syncer *syncer; /* the thread that syncs appended rows to disk */
} sweep_file;

/* Opens path for the sweep s: resumes an existing file (see above) unless restart, else creates it with the
 * comment block.  invocation: the command the provenance records.  CIM_EIO / CIM_ECONFIG with the path. */
int sweep_file_open(sweep_file *f, const sweep_spec *s, const char *path, const char *invocation, int restart);

/* Appends a finished row (taken: f owns it from here) as one complete line, synced.  CIM_EIO if the write fails. */
int sweep_file_append(sweep_file *f, sweep_row *row);

/* With every run done: rewrites the file in run order (atomically).  json_path not NULL: writes the result as
 * JSON there instead and removes the journal. */
int sweep_file_finish(sweep_file *f, const char *json_path);

/* Closes the journal and frees the rows (the file stays). */
void sweep_file_close(sweep_file *f);

/* The metric columns of the final file: every metric name over the rows in run order, first appearance first
 * (f->s->metrics when the sweep selects them).  *n set; the array is malloc'd, its strings borrowed. */
const char **sweep_file_metric_names(const sweep_file *f, size_t *n);

#endif

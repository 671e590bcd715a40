/* sweep/row.h -- one run of a sweep and its result row.
 *
 * sweep_run_one runs run i of a sweep (exp/experiment.h: experiment_run with the run's --set overrides) and
 * records what came out: the status, the error message of a failure, the named metrics (all, or the ones the
 * sweep selects, in the sweep's order) and the wall time.  It never fails itself: a run that fails is a row with
 * its message, and the sweep goes on.  Thread-safe (each run owns its experiment state and random streams).
 *
 * Rows cross process boundaries (MPI ranks) as text: sweep_row_encode / sweep_row_decode, lossless (metrics as
 * 17 significant digits, NaN as null).
 */
#ifndef CIM_SWEEP_ROW_H
#define CIM_SWEEP_ROW_H

#include "exp/experiment.h"
#include "sweep/spec.h"

typedef struct sweep_row {
    size_t run;           /* index into spec->runs */
    int status;           /* CIM_OK, or the status of the failure (core/status.h) */
    char *error;          /* the failure's message (owned; NULL when it succeeded) */
    double runtime_s;     /* wall time of the run (not part of the result's identity) */
    exp_metrics metrics;  /* named metrics, NaN where the run has no value */
} sweep_row;

void sweep_row_init(sweep_row *r, size_t run);
/* The shortest text that reads back as x with strtod ("0.1", not "0.10000000000000001"); "nan", "inf", "-inf". */
void sweep_fmt_real(char *buf, size_t n, double x);
void sweep_row_free(sweep_row *r);

/* Runs run i of s into row (initialised here). */
void sweep_run_one(const sweep_spec *s, size_t i, sweep_row *row);

/* The row as one line of text (JSON, no newline; malloc'd) and back.  decode: CIM_EIO on malformed text. */
char *sweep_row_encode(const sweep_row *r);
int sweep_row_decode(const char *text, sweep_row *r);

#endif

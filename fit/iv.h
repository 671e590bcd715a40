/* fit/iv.h -- a measured current-voltage trace, as a fit reads it.
 *
 * File: CSV (core/csv.h conventions) with a header naming the columns v_V and i_A and, optionally, t_s, in any
 * order: volts across the device (or at the source, for a fit with a series resistor: fit/fit.h), amperes, and
 * seconds; and optionally `weight`, each sample's least-squares weight (dimensionless, finite, >= 0, not all 0: a 0
 * leaves a sample out of the cost, as for a glitch or a clipped range; for independent errors of standard deviation
 * sigma_k the weights 1/sigma_k^2 make the reported standard errors right).  Without t_s the trace is a
 * quasi-static sweep and the fit supplies a sample step.  Errors name the file,
 * the line and the column (a bad cell: core/csv.h's character column; otherwise the column's number): a cell that
 * is not a finite number (NaN, infinities), an unknown or repeated column
 * name, a missing v_V or i_A column, times that do not increase, fewer points than the caller needs.
 */
#ifndef CIM_FIT_IV_H
#define CIM_FIT_IV_H

#include <stddef.h>
#include <stdint.h>

typedef struct iv_trace {
    size_t n;         /* samples */
    double *t_s;      /* n times (increasing), or NULL when the file has no t_s column */
    double *v_V;      /* n voltages */
    double *i_A;      /* n currents */
    size_t *line;     /* n file line numbers, for messages */
    uint64_t fnv1a64; /* fingerprint of the file's bytes (provenance) */
    double *weight;   /* n least-squares weights (column `weight`, >= 0, not all 0), or NULL: all 1 */
} iv_trace;

/* Reads path into tr; min_points is the fewest samples accepted (a fit of p parameters needs p + 1).  On failure
 * returns CIM_EIO with a FILE:LINE:COLUMN message and leaves tr empty (safe to iv_trace_free). */
int iv_read(const char *path, size_t min_points, iv_trace *tr);

/* The same for text in memory; name is used in messages. */
int iv_parse(const char *name, const char *text, size_t len, size_t min_points, iv_trace *tr);

void iv_trace_free(iv_trace *tr);

#endif

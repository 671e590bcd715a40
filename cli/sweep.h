/* cli/sweep.h -- the parts of `cimsim sweep` beside the command itself: the MPI sweep and the sweep's figures. */
#ifndef CIM_CLI_SWEEP_H
#define CIM_CLI_SWEEP_H

#include "sweep/file.h"
#include "sweep/pool.h"
#include "sweep/spec.h"

#include <stdio.h>

/* Ranks of the MPI job this process was started in by mpirun (from Open MPI's environment; 1 when not under
 * mpirun), and this process's rank and the ranks on its node. */
int cli_mpi_size(void);
int cli_mpi_rank(void);
int cli_mpi_local_size(void);

/* The sweep over MPI ranks (cli/sweep_mpi.c).  Rank 0 coordinates: it opens the result file (journal, invocation,
 * restart as sweep_file_open), hands out runs to its own workers and to the other ranks as they ask (dynamic
 * scheduling: a rank asks for a run whenever one of its workers is free), appends each row as it arrives and, with
 * every run done, leaves f open and complete for the caller to finish (*is_root = 1).  Every other rank runs what
 * it is given on o->jobs workers and returns when rank 0 says the sweep is over (*is_root = 0).  *o->stop on rank 0
 * (SIGINT) stops handing out runs; the others finish what they hold.  Every rank must call it with the same spec.
 * note (rank 0): "2 ranks, runs per rank: 6 6", the rows each rank ran in this call. */
int cli_sweep_mpi(const sweep_spec *s, const char *journal, const char *invocation, int restart,
                  const sweep_options *o, sweep_file *f, int *is_root, char *note, size_t n_note);

/* Draws the metrics of a finished sweep (cli/sweep_plot.c): for each metric PREFIX_<metric>.png (.png unless the
 * prefix ends in .svg or .pdf: then that format; a prefix ending in '/' is a folder) against the swept values -- a
 * line for one axis (mean over repeats with min .. max as error bars), for two a family of lines (the second axis
 * as the family, up to 8 values) or beyond that a heat map, further axes held at their first value; a random or lhs
 * sweep as one dot per run against each axis.  Axes labelled with the keys and their units.  Failed runs are left
 * out; metrics without values, constant, or repeating a swept value are not drawn, at most 40 figures.  Writes the
 * names of the files drawn and of the metrics left out to out (may be NULL).  CIM_EIO if gnuplot fails. */
int cli_sweep_plot(const sweep_file *f, const char *prefix, FILE *out);

#endif

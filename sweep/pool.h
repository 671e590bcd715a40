/* sweep/pool.h -- running a sweep's runs on worker threads.
 *
 * A pool of worker threads takes runs from a queue and hands back finished rows in the order they finish.  The
 * kernels inside a run then use one thread each (core/threads.h: results never depend on the thread count, so a
 * row's numbers are the same whichever worker ran it).  sweep_run_local is the single-process sweep: it keeps
 * every worker busy with the runs the file does not have yet, appends each row as it arrives, and stops handing
 * out runs when *stop becomes nonzero (SIGINT), returning after the runs in flight have finished and been written.
 * The MPI sweep (cli/sweep_mpi.c) uses the same pool on every rank.
 */
#ifndef CIM_SWEEP_POOL_H
#define CIM_SWEEP_POOL_H

#include "sweep/file.h"
#include "sweep/row.h"
#include "sweep/spec.h"

#include <signal.h>

typedef struct sweep_pool sweep_pool;

/* Starts n_workers (>= 1) threads for the runs of s. */
sweep_pool *sweep_pool_start(const sweep_spec *s, int n_workers);
/* Queues run i. */
void sweep_pool_submit(sweep_pool *p, size_t i);
/* Runs queued or running. */
size_t sweep_pool_in_flight(sweep_pool *p);
/* Waits up to timeout_s (< 0: without limit) for a finished run: 1 with *row filled (the caller owns it), 0 on
 * timeout, -1 when nothing is in flight. */
int sweep_pool_next(sweep_pool *p, double timeout_s, sweep_row *row);
/* Forgets the runs queued that no worker has started (returns how many): after a stop. */
size_t sweep_pool_drop_queued(sweep_pool *p);
/* Waits for the runs in flight (their rows are dropped), then joins the workers and frees p. */
void sweep_pool_stop(sweep_pool *p);

/* Progress after each row: rows done (resumed ones included) and failed, of total. */
typedef void (*sweep_progress_fn)(void *ctx, const sweep_row *row, size_t done, size_t failed, size_t total);

typedef struct sweep_options {
    int jobs;                        /* worker threads (>= 1) */
    volatile sig_atomic_t *stop;     /* nonzero: no further runs are started (NULL: never) */
    sweep_progress_fn progress;      /* may be NULL */
    void *ctx;
} sweep_options;

/* Runs every run of f->s that f does not hold yet, appending rows to f as they finish.  Returns CIM_OK when it
 * stopped (all done, or *stop: f->n_done < n_runs then), CIM_EIO if a row could not be written. */
int sweep_run_local(sweep_file *f, const sweep_options *o);

#endif

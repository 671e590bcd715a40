/* core/threads.h -- how many threads the library's parallel kernels may use (process-wide), and the pool
 * that runs them.
 *
 * The setting changes speed, never results: every parallel kernel splits work so that each number is
 * computed by the same sequence of floating-point operations whatever the thread count (for example the
 * ideal MVM splits columns, and each column's sum keeps its row order), and no kernel draws random numbers
 * inside a parallel region.  The same config and seed therefore give the same bits on 1 or N threads; the
 * tests check this.
 *
 * The default is 1: a library should not start threads it was not asked for (a test runner or a sweep
 * that already runs one job per core would be oversubscribed).  The cimsim program sets it from --threads
 * (default: every available core).
 *
 * Load policy: the caller never waits for a thread that has not started.  A parallel loop is a list of
 * chunks that the calling thread and the pool's helpers take one at a time from a shared counter; the
 * caller takes chunks like any helper, and when none is left it waits only for chunks a helper has already
 * taken.  A helper that finds no core (another process busy on it) simply arrives late and finds nothing to
 * do, so on a loaded machine a loop costs about what it costs on one thread, instead of a barrier that
 * spins for a scheduler time slice (an OpenMP parallel region of a 512 x 512 MVM went from 28 us to 2.6 ms
 * beside one busy process).  A loop that the helpers made slower than its caller alone would have been (they
 * took chunks on cores that other processes hold) sends the next loops to the caller alone for a while (16x
 * the time lost, doubling while it repeats, at most 1 s): the team shrinks under load and grows back when
 * the load goes.  Helpers spin ~20 us for the next loop (back-to-back reads), then sleep.
 * Helpers are started on the first loop that can use them and live until the process exits.  A loop
 * started while the pool is busy (another thread's loop, or a loop inside a chunk) runs on its caller.
 *
 * cim_set_threads also keeps OpenBLAS (behind GSL's CBLAS and CHOLMOD) on the calling thread: its own
 * threads spin-wait at a barrier and collapse in the same way under load (cblas_dgemv of 256 x 256:
 * 5x slower with 2 threads beside a busy process).  The library's dense products that want threads use
 * crossbar_ideal_mvm.
 */
#ifndef CIM_THREADS_H
#define CIM_THREADS_H

#include <stddef.h>

/* Sets the thread count; n <= 0 means every processor available to this process (its affinity mask). */
void cim_set_threads(int n);

/* The processors this process may run on (its affinity mask; >= 1), whatever the thread count is set to. */
int cim_available_cores(void);

/* The current thread count (>= 1). */
int cim_threads(void);

/* One chunk of a parallel loop: items [k0, k1), run by participant `slot` (0: the caller; 1 .. n_threads-1:
 * helpers).  A slot runs its chunks one after another, never two at once, so per-slot scratch indexed by
 * slot needs no locking.  Which slot runs which chunk is not defined: results must not depend on it. */
typedef void (*cim_chunk_fn)(void *ctx, int slot, size_t k0, size_t k1);

/* Runs body over items [0, n_items) in chunks of `chunk` items (0 counts as 1) on up to n_threads threads
 * (the caller and n_threads - 1 helpers; slots < n_threads).  With n_threads <= 1, one chunk, or the pool
 * busy, it is one call body(ctx, 0, 0, n_items) on the caller.  Returns when every chunk has run. */
void cim_parallel_for(int n_threads, size_t n_items, size_t chunk, cim_chunk_fn body, void *ctx);

#endif

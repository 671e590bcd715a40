/* core/threads.h -- how many threads the library's parallel kernels may use (process-wide).
 *
 * The setting changes speed, never results: every parallel kernel splits work so that each number is
 * computed by the same sequence of floating-point operations whatever the thread count (for example the
 * ideal MVM splits columns, and each column's sum keeps its row order), and no kernel draws random numbers
 * inside a parallel region.  The same config and seed therefore give the same bits on 1 or N threads; the
 * tests check this.
 *
 * The default is 1: a library should not start threads it was not asked for (a test runner or a sweep
 * that already runs one job per core would be oversubscribed).  The cimsim program sets it from --threads
 * (default: every available core).  Kernels are OpenMP parallel regions (GCC's libgomp).
 */
#ifndef CIM_THREADS_H
#define CIM_THREADS_H

/* Sets the thread count; n <= 0 means every processor available to this process. */
void cim_set_threads(int n);

/* The current thread count (>= 1). */
int cim_threads(void);

#endif

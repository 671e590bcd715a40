/* core/threads.c -- see threads.h. */
#include "core/threads.h"

#include <omp.h>
#include <stdatomic.h>

static atomic_int n_threads = 1;

void cim_set_threads(int n)
{
    if (n <= 0)
        n = omp_get_num_procs();
    atomic_store(&n_threads, n > 0 ? n : 1);
}

int cim_threads(void) { return atomic_load(&n_threads); }

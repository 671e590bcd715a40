/* core/threads.c -- see threads.h.
 *
 * One loop runs at a time (pool.busy).  Its chunks are claimed through one 64-bit word: the first unclaimed
 * chunk lo (bits 0-23), one past the last unclaimed chunk hi (24-47) and the number of slots allowed (48-63).
 * A claim is a compare-and-swap that takes lo (the caller) or hi - 1 (a helper), valid only while lo < hi; so
 * a stale claim on a finished loop fails, and the word alone says whether there is work, with no reference to
 * the caller's stack.  The loop's description (body, ctx, sizes) is written before the word is published
 * (release) and read by a helper only after a successful claim (acquire) and before its chunk counts as done;
 * the caller rewrites it only after every chunk has been counted done.
 * Sleeping and waking (helpers waiting for a loop, the caller waiting for the last taken chunks) use one mutex
 * and two condition variables, signalled only when someone sleeps: with sequentially consistent counters,
 * either the sleeper sees the new state or the signaller sees the sleeper (no lost wake-up).
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "core/threads.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

extern void openblas_set_num_threads(int n); /* OpenBLAS, which the Makefile links as GSL's CBLAS */

#define IDX_BITS 24
#define IDX_MASK ((UINT64_C(1) << IDX_BITS) - 1)
#define MAX_SLOTS 4096           /* the CLI's --threads limit; more helpers are never started */
#define SPIN_NS 20000            /* how long an idle helper looks for the next loop before sleeping */
#define CALLER_SPIN_NS 20000     /* how long the caller spins for a helper's last chunk before sleeping */
#define STALL_MIN_NS 1000        /* less time lost to the helpers is never a stall */

static atomic_int n_threads = 1;

static struct {
    pthread_mutex_t busy;        /* held by the caller of the running loop */
    _Atomic uint64_t word;       /* limit << 48 | hi << 24 | lo: chunks [lo, hi) are unclaimed */
    atomic_size_t done;          /* chunks finished in the running loop */
    cim_chunk_fn body;           /* the running loop (valid while it has chunks) */
    void *ctx;
    size_t chunk, n_items, n_chunks;
    int n_helpers;               /* started so far (under busy) */
    double serial_until_ns;      /* back-off: loops run on their caller until then (under busy) */
    double backoff_ns;           /* the last back-off, doubled while stalls repeat (under busy) */

    pthread_mutex_t sleep;
    pthread_cond_t wake, finished;
    atomic_int sleepers;         /* helpers in (or entering) pthread_cond_wait on wake */
    atomic_int caller_waits;     /* the caller is in (or entering) pthread_cond_wait on finished */
} pool = {.busy = PTHREAD_MUTEX_INITIALIZER,
          .sleep = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .finished = PTHREAD_COND_INITIALIZER};

int cim_available_cores(void)
{
    cpu_set_t set;
    int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    return n > 0 ? n : 1;
}

void cim_set_threads(int n)
{
    if (n <= 0)
        n = cim_available_cores();
    if (n > MAX_SLOTS)
        n = MAX_SLOTS;
    atomic_store(&n_threads, n > 0 ? n : 1);
    openblas_set_num_threads(1);
}

int cim_threads(void) { return atomic_load(&n_threads); }

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static inline int claimable(uint64_t w, int slot)
{
    return (int)(w >> 48) > slot && (w & IDX_MASK) < ((w >> IDX_BITS) & IDX_MASK);
}

/* Claims and runs chunks of the current loop while there are any; returns how many it ran.  The caller
 * takes chunks from the front and helpers from the back, so on an idle machine each core gets about the
 * same chunks in every loop and finds their data still in its cache. */
static int run_chunks(int slot)
{
    int ran = 0;
    uint64_t w = atomic_load_explicit(&pool.word, memory_order_acquire);
    while (claimable(w, slot)) {
        uint64_t next = slot == 0 ? w + 1 : w - (UINT64_C(1) << IDX_BITS);
        if (!atomic_compare_exchange_weak_explicit(&pool.word, &w, next, memory_order_acq_rel, memory_order_acquire))
            continue; /* w now holds the current word */
        size_t idx = slot == 0 ? (size_t)(w & IDX_MASK) : (size_t)((w >> IDX_BITS) & IDX_MASK) - 1;
        /* Everything about the loop is read before this chunk counts as done: after that, the caller may be
         * writing the next loop's description. */
        size_t k0 = idx * pool.chunk, k1 = k0 + pool.chunk, n_chunks = pool.n_chunks;
        pool.body(pool.ctx, slot, k0, k1 < pool.n_items ? k1 : pool.n_items);
        ran++;
        if (atomic_fetch_add(&pool.done, 1) + 1 == n_chunks && atomic_load(&pool.caller_waits)) {
            pthread_mutex_lock(&pool.sleep);
            pthread_cond_signal(&pool.finished);
            pthread_mutex_unlock(&pool.sleep);
        }
        w = atomic_load_explicit(&pool.word, memory_order_acquire);
    }
    return ran;
}

static void *helper_main(void *arg)
{
    int slot = (int)(intptr_t)arg;
    for (;;) {
        if (run_chunks(slot))
            continue;
        /* Spin a little: the next loop often follows at once (repeated reads of one array). */
        double t0 = now_ns();
        int found = 0;
        for (unsigned k = 1; !found; k++) {
            found = claimable(atomic_load_explicit(&pool.word, memory_order_relaxed), slot);
            cpu_relax();
            if ((k & 63) == 0 && now_ns() - t0 > SPIN_NS)
                break;
        }
        if (found)
            continue;
        pthread_mutex_lock(&pool.sleep);
        atomic_fetch_add(&pool.sleepers, 1);
        while (!claimable(atomic_load(&pool.word), slot))
            pthread_cond_wait(&pool.wake, &pool.sleep);
        atomic_fetch_sub(&pool.sleepers, 1);
        pthread_mutex_unlock(&pool.sleep);
    }
    return NULL;
}

void cim_parallel_for(int nt, size_t n_items, size_t chunk, cim_chunk_fn body, void *ctx)
{
    if (chunk == 0)
        chunk = 1;
    size_t n_chunks = n_items / chunk + (n_items % chunk != 0);
    if (nt > MAX_SLOTS)
        nt = MAX_SLOTS;
    if (nt <= 1 || n_chunks <= 1 || n_chunks > IDX_MASK || pthread_mutex_trylock(&pool.busy) != 0) {
        body(ctx, 0, 0, n_items);
        return;
    }
    double t_start = now_ns();
    if (t_start < pool.serial_until_ns) {
        pthread_mutex_unlock(&pool.busy);
        body(ctx, 0, 0, n_items);
        return;
    }
    /* Helpers up to nt - 1 (fewer if the system refuses: the caller does the rest). */
    while (pool.n_helpers < nt - 1) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        int err = pthread_create(&t, &a, helper_main, (void *)(intptr_t)(pool.n_helpers + 1));
        pthread_attr_destroy(&a);
        if (err != 0)
            break;
        pool.n_helpers++;
    }
    pool.body = body;
    pool.ctx = ctx;
    pool.chunk = chunk;
    pool.n_items = n_items;
    pool.n_chunks = n_chunks;
    atomic_store(&pool.done, 0);
    atomic_store(&pool.word, (uint64_t)nt << 48 | (uint64_t)n_chunks << IDX_BITS);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep);
    }
    double t_work = now_ns();
    size_t own = (size_t)run_chunks(0);
    /* Every chunk is taken; wait for those still running on helpers.  Sleeping (rather than spinning)
     * leaves this core idle, so the scheduler can move a helper that lost its core here. */
    double t0 = now_ns();
    for (unsigned k = 1; atomic_load(&pool.done) < n_chunks; k++) {
        cpu_relax();
        if ((k & 63) == 0 && now_ns() - t0 > CALLER_SPIN_NS) {
            pthread_mutex_lock(&pool.sleep);
            atomic_store(&pool.caller_waits, 1);
            while (atomic_load(&pool.done) < n_chunks)
                pthread_cond_wait(&pool.finished, &pool.sleep);
            atomic_store(&pool.caller_waits, 0);
            pthread_mutex_unlock(&pool.sleep);
        }
    }
    /* Did the helpers pay?  The caller's own chunks give the time one thread would have taken for all of
     * them; a loop that took longer (helpers on cores that other processes hold, a helper that took a chunk
     * and then lost its core) is a stall.  Loops then run on their caller for a while -- 16 times the time
     * lost, so a stall costs at most ~6% over the loops that follow, doubled while stalls repeat, at most a
     * second -- and try the helpers again after that. */
    double t_end = now_ns();
    if (own > 0) {
        double serial_ns = (t0 - t_work) * (double)n_chunks / (double)own, lost_ns = t_end - t_start - serial_ns;
        if (lost_ns > STALL_MIN_NS && lost_ns > 0.1 * serial_ns) {
            double b = 16.0 * lost_ns;
            if (2.0 * pool.backoff_ns > b)
                b = 2.0 * pool.backoff_ns;
            pool.backoff_ns = b < 1e9 ? b : 1e9;
            pool.serial_until_ns = t_end + pool.backoff_ns;
        } else {
            pool.backoff_ns = 0;
        }
    }
    pthread_mutex_unlock(&pool.busy);
}

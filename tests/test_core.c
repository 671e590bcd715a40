/* tests/test_core.c -- RNG streams, atomic files, progress, strings, statuses and the thread pool. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_* */
#include "core/afile.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/threads.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

Test(rng, fnv1a64_matches_published_check_values)
{
    /* Check values from the FNV reference (Fowler, Noll, Vo; draft-eastlake-fnv). */
    cr_expect_eq(rng_fnv1a64(RNG_FNV_OFFSET, "", 0), 0xcbf29ce484222325ULL);
    cr_expect_eq(rng_fnv1a64(RNG_FNV_OFFSET, "a", 1), 0xaf63dc4c8601ec8cULL);
    cr_expect_eq(rng_fnv1a64(RNG_FNV_OFFSET, "foobar", 6), 0x85944171f73967e8ULL);
}

Test(rng, same_seed_and_stream_give_the_same_draws)
{
    gsl_rng *a = rng_alloc(42, "crossbar.G"), *b = rng_alloc(42, "crossbar.G");
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(gsl_rng_get(a), gsl_rng_get(b));
    rng_free(a), rng_free(b);
}

Test(rng, streams_and_seeds_are_distinct)
{
    cr_expect_neq(rng_stream_seed(42, "a"), rng_stream_seed(42, "b"));
    cr_expect_neq(rng_stream_seed(42, "a"), rng_stream_seed(43, "a"));
    gsl_rng *a = rng_alloc(42, "mvm.G"), *b = rng_alloc(42, "mvm.v");
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += gsl_rng_get(a) == gsl_rng_get(b);
    cr_expect_lt(same, 3, "two streams should not coincide");
    rng_free(a), rng_free(b);
    rng_free(NULL);
}

Test(rng, fast_streams_are_seeded_by_name_and_uniform)
{
    gsl_rng *a = rng_alloc_fast(42, "tile3.adc"), *b = rng_alloc_fast(42, "tile3.adc"),
            *c = rng_alloc_fast(42, "tile3.sense");
    cr_expect_str_eq(gsl_rng_name(a), "taus2");
    int same = 0;
    for (int i = 0; i < 1000; i++) {
        unsigned long x = gsl_rng_get(a);
        cr_assert_eq(x, gsl_rng_get(b), "the same name and seed: the same draws");
        same += x == gsl_rng_get(c);
    }
    cr_expect_lt(same, 3, "two streams should not coincide");
    /* 10^5 uniform draws in 10 bins: chi-square with 9 degrees of freedom, below its 0.999 quantile 27.88. */
    long bins[10] = {0};
    for (int i = 0; i < 100000; i++)
        bins[(int)(10 * gsl_rng_uniform(a))]++;
    double chi2 = 0;
    for (int k = 0; k < 10; k++)
        chi2 += (bins[k] - 1e4) * (bins[k] - 1e4) / 1e4;
    cr_expect_lt(chi2, 27.88, "chi-square %g", chi2);
    rng_free(a), rng_free(b), rng_free(c);
}

Test(afile, commit_publishes_and_abort_leaves_nothing)
{
    char *dir = util_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    afile f;
    cr_assert_eq(afile_open(&f, path), CIM_OK);
    fputs("partial", f.fp);
    cr_expect_eq(access(path, F_OK), -1, "nothing visible before commit");
    afile_abort(&f);
    cr_expect_eq(access(path, F_OK), -1);
    cr_expect_eq(util_count_prefix(dir, "."), 2, "only . and .. remain");

    util_write(path, "old\n");
    cr_assert_eq(afile_open(&f, path), CIM_OK);
    fputs("new\n", f.fp);
    char *mid = util_slurp(path, NULL);
    cr_expect_str_eq(mid, "old\n", "the old result stays whole until commit");
    cr_assert_eq(afile_commit(&f), CIM_OK);
    char *now = util_slurp(path, NULL);
    cr_expect_str_eq(now, "new\n");
    cr_expect_eq(util_count_prefix(dir, ".out"), 0, "no temporary left");
    free(mid), free(now), free(dir);
}

Test(afile, missing_folder_is_reported)
{
    afile f;
    cr_expect_eq(afile_open(&f, "/nonexistent-dir/x.csv"), CIM_EIO);
    cr_expect_str_eq(cim_errmsg(), "cannot write /nonexistent-dir/x.csv: No such file or directory");
    afile_abort(&f); /* safe after a failed open */
}

static int n_lines;
static char last_line[256];
static void sink(void *ctx, const char *line)
{
    (void)ctx;
    n_lines++;
    snprintf(last_line, sizeof last_line, "%s", line);
}

Test(progress, quiet_for_short_work_then_shows_eta)
{
    progress p;
    n_lines = 0;
    progress_start(&p, "work", 100, sink, NULL);
    for (int i = 0; i < 100; i++)
        progress_update(&p, i);
    progress_finish(&p);
    cr_expect_eq(n_lines, 0, "work under a second shows nothing");

    progress_start(&p, "work", 100, sink, NULL);
    struct timespec ts = {1, 100000000};
    nanosleep(&ts, NULL); /* past the one-second threshold */
    progress_update(&p, 50);
    cr_expect_eq(n_lines, 1);
    cr_expect(strstr(last_line, " 50% ETA ") != NULL, "%s", last_line);
    progress_update(&p, 51); /* too soon to redraw */
    cr_expect_eq(n_lines, 1);
    progress_finish(&p);
    cr_expect_eq(n_lines, 2);
    cr_expect(strstr(last_line, "100% done in ") != NULL, "%s", last_line);
    progress_update(NULL, 1); /* NULL progress is accepted */
}

Test(strbuf, prefixes_lines_and_grows)
{
    strbuf b;
    strbuf_init(&b);
    strbuf_prefix_lines(&b, "# ", "a\nb\n\nc");
    cr_expect_str_eq(b.s, "# a\n# b\n# \n# c\n");
    strbuf_clear(&b);
    for (int i = 0; i < 10000; i++)
        strbuf_printf(&b, "%d,", i % 10);
    cr_expect_eq(b.len, 20000);
    strbuf_destroy(&b);
}

Test(status, exit_codes_and_prefixes)
{
    cr_expect_eq(cim_exit_code(CIM_OK), 0);
    cr_expect_eq(cim_exit_code(CIM_ESIM), 1);
    cr_expect_eq(cim_exit_code(CIM_EINVAL), 2);
    cr_expect_eq(cim_exit_code(CIM_ECONFIG), 2);
    cr_expect_eq(cim_exit_code(CIM_EIO), 2);
    cr_expect_eq(cim_exit_code(CIM_EUSAGE), 2);
    cr_expect_eq(cim_error(CIM_EINVAL, "bad %d", 3), CIM_EINVAL);
    cr_expect_eq(cim_error_prefix(CIM_EINVAL, "f.csv: "), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "f.csv: bad 3");
}

/* ---- the thread pool (core/threads.h) ----------------------------------------------------------- */

typedef struct pool_probe {
    int nt;
    atomic_int *runs;       /* per item: how many times it ran */
    atomic_int bad_slot;    /* a slot outside [0, nt) was passed */
    atomic_int helper_ran;  /* a helper (slot > 0) ran a chunk */
    atomic_int caller_first;
    atomic_int inner_serial; /* a loop started inside a chunk ran on its caller, in one call */
} pool_probe;

static void probe_chunk(void *ctx, int slot, size_t k0, size_t k1)
{
    pool_probe *p = ctx;
    if (slot < 0 || slot >= p->nt)
        atomic_store(&p->bad_slot, 1);
    if (slot > 0)
        atomic_store(&p->helper_ran, 1);
    /* The caller's first chunk holds on (at most 20 s) until a helper has run one: the helpers do take part. */
    if (slot == 0 && atomic_exchange(&p->caller_first, 0))
        for (int k = 0; k < 20000 && !atomic_load(&p->helper_ran); k++)
            nanosleep(&(struct timespec){0, 1000000}, NULL);
    for (size_t k = k0; k < k1; k++)
        atomic_fetch_add(&p->runs[k], 1);
}

Test(threads, every_item_runs_once_and_helpers_take_part)
{
    enum { N = 1001 };
    atomic_int runs[N];
    for (int nt = 1; nt <= 4; nt++) {
        for (int k = 0; k < N; k++)
            atomic_init(&runs[k], 0);
        pool_probe p = {.nt = nt, .runs = runs, .caller_first = nt > 1};
        cim_parallel_for(nt, N, 7, probe_chunk, &p);
        for (int k = 0; k < N; k++)
            cr_assert_eq(atomic_load(&runs[k]), 1, "%d threads: item %d ran %d times", nt, k, atomic_load(&runs[k]));
        cr_assert(!atomic_load(&p.bad_slot), "%d threads: a slot outside [0, %d)", nt, nt);
        cr_assert_eq(atomic_load(&p.helper_ran), nt > 1, "%d threads: helpers %s", nt,
                     nt > 1 ? "never ran a chunk" : "ran on one thread");
    }
}

static void inner_chunk(void *ctx, int slot, size_t k0, size_t k1)
{
    pool_probe *p = ctx;
    if (slot == 0 && k0 == 0 && k1 == 10)
        atomic_fetch_add(&p->inner_serial, 1);
}

static void outer_chunk(void *ctx, int slot, size_t k0, size_t k1)
{
    (void)slot, (void)k0, (void)k1;
    pool_probe inner = {.nt = 2};
    cim_parallel_for(2, 10, 1, inner_chunk, &inner); /* the pool is busy: one call on this thread */
    atomic_fetch_add(&((pool_probe *)ctx)->inner_serial, atomic_load(&inner.inner_serial));
}

/* A loop started inside a chunk (or on another thread while the pool runs a loop) does not wait for the
 * pool: it runs on its caller, so nested kernels cannot deadlock. */
Test(threads, a_loop_inside_a_loop_runs_on_its_caller)
{
    pool_probe p = {.nt = 2};
    cim_parallel_for(2, 8, 1, outer_chunk, &p);
    cr_assert_eq(atomic_load(&p.inner_serial), 8, "%d of 8 inner loops ran as one call", atomic_load(&p.inner_serial));
}

Test(threads, set_threads_counts_processors_and_clamps)
{
    cim_set_threads(3);
    cr_assert_eq(cim_threads(), 3);
    cim_set_threads(0);
    cr_assert_geq(cim_threads(), 1);
    cim_set_threads(1 << 20);
    cr_assert_eq(cim_threads(), 4096);
    cim_set_threads(1);
}

/* The cores available are the affinity mask's, and asking does not change the thread count (cmd_sweep's -j
 * default used to set and restore it). */
Test(threads, available_cores_follow_the_affinity_mask)
{
    cpu_set_t all, one;
    cr_assert_eq(sched_getaffinity(0, sizeof all, &all), 0);
    cim_set_threads(3);
    cr_assert_eq(cim_available_cores(), CPU_COUNT(&all));
    cr_assert_eq(cim_threads(), 3);
    int first = 0;
    while (!CPU_ISSET(first, &all))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
    int n_one = cim_available_cores();
    sched_setaffinity(0, sizeof all, &all);
    cr_assert_eq(n_one, 1);
    cim_set_threads(1);
}

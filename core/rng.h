/* core/rng.h -- seeded random streams owned by simulation objects.
 *
 * Reproducibility rule: every random draw in cimsim comes from a gsl_rng owned by the object that
 * draws (an array, a device population, a network), seeded from the run seed and a stream name
 * that identifies that object ("crossbar.G", "mvm.v", "tile3.adc").  Streams are independent of one
 * another and of the order in which objects are created or the thread that runs them, so the same
 * config and seed give the same numbers on any thread count.
 */
#ifndef CIM_RNG_H
#define CIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* The seed a stream's generator is started from: splitmix64 of the run seed mixed with the FNV-1a
 * hash of the stream name.  Different names give statistically unrelated seeds. */
uint64_t rng_stream_seed(uint64_t run_seed, const char *stream);

/* A Mersenne Twister (gsl_rng_mt19937) seeded for (run_seed, stream).  Never NULL (aborts on OOM). */
gsl_rng *rng_alloc(uint64_t run_seed, const char *stream);

/* The same for a stream drawn per sample in an inner loop (a tile's per-conversion noise): L'Ecuyer's maximally
 * equidistributed combined Tausworthe generator (gsl_rng_taus2, period 2^88), about 1.7x faster per normal draw
 * than MT19937 here and of comparable statistical quality for Monte-Carlo noise.  Never NULL. */
gsl_rng *rng_alloc_fast(uint64_t run_seed, const char *stream);

/* Frees r; NULL is a no-op. */
void rng_free(gsl_rng *r);

/* 64-bit FNV-1a hash of n bytes, continuing from h (start with RNG_FNV_OFFSET).  Also used to
 * fingerprint input files in output provenance. */
#define RNG_FNV_OFFSET 0xcbf29ce484222325ULL
uint64_t rng_fnv1a64(uint64_t h, const void *data, size_t n);

#endif

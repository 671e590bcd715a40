/* core/rng.c -- see rng.h. */
#include "core/rng.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

uint64_t rng_fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* splitmix64 finalizer (Steele, Lea & Flood 2014): a bijective mix, so distinct inputs never collide. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rng_stream_seed(uint64_t run_seed, const char *stream)
{
    uint64_t h = rng_fnv1a64(RNG_FNV_OFFSET, stream, strlen(stream));
    return mix64(mix64(run_seed) ^ h);
}

gsl_rng *rng_alloc(uint64_t run_seed, const char *stream)
{
    gsl_rng *r = xoom(gsl_rng_alloc(gsl_rng_mt19937)); /* fails only when out of memory */
    uint64_t s = rng_stream_seed(run_seed, stream);
    /* mt19937 takes 32 bits of seed; fold the high half in rather than dropping it. */
    unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffUL);
    gsl_rng_set(r, s32);
    return r;
}

void rng_free(gsl_rng *r)
{
    if (r != NULL)
        gsl_rng_free(r);
}

gsl_rng *rng_alloc_fast(uint64_t run_seed, const char *stream)
{
    gsl_rng *r = xoom(gsl_rng_alloc(gsl_rng_taus2));
    uint64_t s = rng_stream_seed(run_seed, stream);
    unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffUL); /* taus2 seeds from 32 bits too */
    gsl_rng_set(r, s32);
    return r;
}

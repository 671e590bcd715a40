/* exp/vector.h -- an experiment's input vector: one value per line of a CSV, or drawn from the run seed.
 * (`cimsim mvm`'s voltages at the circuit level and inputs at the weight level.) */
#ifndef CIM_EXP_VECTOR_H
#define CIM_EXP_VECTOR_H

#include "core/prov.h"

#include <stddef.h>
#include <stdint.h>

typedef struct exp_vector_spec {
    const char *what;      /* singular noun in messages and the CSV checks: "voltage", "input" */
    const char *unit;      /* unit the CSV reader names, or NULL */
    const char *prov_name; /* name of the input in the provenance: "voltages", "inputs" */
    const char *stream;    /* random stream of a drawn vector (core/rng.h): "mvm.v" */
    double lo, hi;         /* a drawn vector is uniform in [lo, hi] */
    double file_max_abs;   /* a file's values must lie in [-file_max_abs, file_max_abs]; HUGE_VAL: any */
    const char *limit_key; /* the key that sets file_max_abs, for the message (NULL: none) */
    const char *limit_hint; /* appended to the message (the likely slip), or NULL */
} exp_vector_spec;

/* n values into *out (allocated; the caller frees): read from path, which must hold exactly n of them (else
 * CIM_EINVAL naming path and shape_of, what fixes n: "G.csv", "the generated matrix"), its fingerprint recorded
 * in pv; or, with path NULL, drawn from stream s->stream of seed. */
int exp_vector_load(const exp_vector_spec *s, const char *path, size_t n, const char *shape_of, uint64_t seed,
                    prov *pv, double **out);

/* As exp_vector_load, for k vectors of n values: the CSV holds one line per entry and one column per vector (any
 * number of columns; *k gets it), or, with path NULL, k_draw vectors are drawn (vector after vector from one
 * stream, so the first is what exp_vector_load draws).  *out is vector-major: vector v at *out + v n. */
int exp_vectors_load(const exp_vector_spec *s, const char *path, size_t n, const char *shape_of, uint64_t seed,
                     size_t k_draw, prov *pv, double **out, size_t *k);

#endif

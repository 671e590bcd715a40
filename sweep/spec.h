/* sweep/spec.h -- a sweep: one experiment of the table (exp/experiment.h) run at many points of its configuration.
 *
 * A sweep config is an experiment's config (it names its experiment with the top-level key `experiment`) plus a
 * group `sweep`:
 *
 *   sweep = {
 *     mode = "grid";                 # grid (Cartesian product) | zip (i-th values together) | random | lhs
 *     points = 20;                   # random / lhs: how many points are drawn
 *     repeats = 3;                   # runs of each point, each with its own seed (Monte Carlo)
 *     seeds = "per_point";           # per_point: seed from (run.seed, point, repeat); common: from (run.seed, repeat)
 *     metrics = ["error.rmse_A"];    # which named metrics to record (default: every metric the experiment reports)
 *     axes = (
 *       { key = "crossbar.r_wire_ohm"; logspace = [0.1, 10.0]; n = 5; },  # 5 values from 0.1 to 10, log spaced
 *       { key = ["crossbar.rows", "crossbar.cols"]; values = [32, 64]; },  # several keys take the same value
 *       { key = "device.model"; values = ["vteam", "yakopcic"]; },
 *       { key = "adc.bits"; linspace = [4, 8]; n = 5; }                    # integer keys: values must be integers
 *     );
 *   };
 *
 * Axis values (one of): `values` (a list of numbers, booleans, strings, or of arrays for list-valued keys),
 * `linspace = [first, last]` or `logspace = [first, last]` (first, last > 0; the values themselves, not exponents)
 * with `n` values.  (libconfig arrays hold one type: [0.1, 10.0], not [0.1, 10].)  For random and lhs an axis may instead give `uniform = [lo, hi]` or `loguniform = [lo, hi]`; a
 * `values` axis is then sampled among its values.  lhs (Latin hypercube) puts exactly one point in each of
 * `points` equal-probability strata of every axis.  Random draws come from the stream "sweep.sample" of run.seed.
 *
 * Seeds: repeat r of point p runs with run.seed = rng_stream_seed(run.seed, "sweep/<assignments of p>/<r>") (or
 * "sweep/<r>" for seeds = "common": every point sees the same random draws for a given repeat, which compares
 * points with less noise) reduced to 53 bits, so a point keeps its seed when other points are added.
 *
 * Loading (sweep_load) checks everything before anything runs, and reports the first problem as CIM_ECONFIG
 * (exit 2) naming FILE:LINE and the key: an unknown key in `sweep`, an unknown mode, an empty or reversed range,
 * zip axes of different lengths, an axis key the experiment does not read, a value its key refuses (every
 * point's configuration is loaded and resolved once, so a range error at point 17 is found before point 0 runs).
 */
#ifndef CIM_SWEEP_SPEC_H
#define CIM_SWEEP_SPEC_H

#include "exp/experiment.h"

#include <stddef.h>
#include <stdint.h>

typedef enum sweep_mode { SWEEP_GRID, SWEEP_ZIP, SWEEP_RANDOM, SWEEP_LHS } sweep_mode;
typedef enum sweep_scale { SWEEP_LIST, SWEEP_LINEAR, SWEEP_LOG } sweep_scale;

/* One swept dimension: one or more config keys that take the same value. */
typedef struct sweep_axis {
    char **keys;          /* config key paths ("crossbar.rows"), n_keys >= 1, owned */
    size_t n_keys;
    int line;             /* line of the axis in the sweep file (for messages) */
    sweep_scale scale;    /* how its values were given: a list, linear (linspace/uniform), log (logspace/loguniform) */
    const char *unit;     /* SI unit of its first key from the parameter table ("ohm", "" for none) */
    int numeric;          /* 1 if every value is a number (plots: a numeric axis; else categories) */
    /* grid / zip (and a `values` axis of random / lhs): the values */
    size_t n_values;
    char **value_text;    /* each as config syntax for an override ("64", "0.1", "\"vteam\"", "[1.0, 2.0]") */
    /* random / lhs with uniform / loguniform: the range */
    double lo, hi;
    int is_int;           /* the key is an integer: drawn values are rounded */
} sweep_axis;

/* One run: a point of the sweep and a repeat. */
typedef struct sweep_point {
    size_t point;         /* index of the point (row order of the result: point, then repeat) */
    size_t repeat;        /* 0 .. repeats-1 */
    long long seed;       /* run.seed of this run */
    char **value_text;    /* per axis: the value as config syntax (owned) */
    char **label;         /* per axis: the value as the CSV shows it (strings unquoted) (owned) */
    double *num;          /* per axis: the value as a number (NaN for strings, 0/1 for booleans) (owned) */
} sweep_point;

typedef struct sweep_spec {
    char *file;                   /* the sweep config as given */
    const experiment *x;          /* the experiment every point runs */
    char **sets;                  /* --set overrides of every point, as given (owned) */
    size_t n_sets;
    long long run_seed;           /* run.seed after --seed */
    sweep_mode mode;
    size_t n_axes;
    sweep_axis *axes;
    size_t n_draws;               /* random / lhs: points drawn */
    size_t repeats;               /* >= 1 */
    int common_seeds;             /* seeds = "common" */
    char **metrics;               /* metrics to record (NULL, 0: all the experiment reports) */
    size_t n_metrics;
    int metrics_line;             /* line of `metrics` (for messages about a metric no run reports) */
    size_t n_runs;                /* points x repeats */
    sweep_point *runs;            /* n_runs, in output order */
    char *base_dump;              /* the experiment's resolved configuration without the sweep (cfg_dump) */
    char *spec_text;              /* the sweep as resolved: mode, axes and values, repeats, seeds, metrics */
    uint64_t hash;                /* FNV-1a of version, base_dump and spec_text: the file a resume may continue */
    uint64_t file_fnv;            /* FNV-1a of the config file's bytes when loaded: each run reads the file again and
                                     fails if it changed meanwhile (sweep_file_fnv) */
} sweep_spec;

/* Reads the sweep config at path with the --set overrides sets (applied to every point; they may not name a
 * swept key) and the seed (NULL: the file's run.seed), expands the points and loads every point's configuration
 * once to check it.  CIM_ECONFIG / CIM_EIO / CIM_EUSAGE with FILE:LINE and the key; s is then still to be freed. */
int sweep_load(sweep_spec *s, const char *path, const char *const *sets, size_t n_sets, const char *seed);
void sweep_spec_free(sweep_spec *s);

/* FNV-1a 64 of the bytes of the file at path (0 if it cannot be read). */
uint64_t sweep_file_fnv(const char *path);

/* The --set overrides of run i in order: the common sets, then "key=value" of each axis key, then run.seed
 * (the caller frees the array and its strings with sweep_sets_free). */
char **sweep_run_sets(const sweep_spec *s, size_t i, size_t *n);
void sweep_sets_free(char **sets, size_t n);

/* The number of columns the swept values take (sum of the axes' keys) and the name of column k ("crossbar.rows"). */
size_t sweep_n_key_columns(const sweep_spec *s);
const char *sweep_key_column(const sweep_spec *s, size_t k, size_t *axis);

/* "grid 3 x 4 = 12 points, 2 repeats: 24 runs" (buf >= 128 bytes). */
const char *sweep_describe(const sweep_spec *s, char *buf, size_t n);

#endif

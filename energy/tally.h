/* energy/tally.h -- where a simulated object's energy went: joules and event counts by category.
 *
 * A tally is a plain value (no allocation): one running sum of joules and one count of events per category.
 * Each object that spends energy owns one tally and is its only writer (crossbar/xbar.h writes the array's);
 * a parent asks its children for theirs and merges them (energy_tally_merge), so totals are always sums of
 * parts and nothing is counted twice.  The joules of a category are summed with Neumaier's compensated
 * summation, so a tally of 10^9 reads of femtojoules is as exact as its terms (the order of additions is the
 * caller's and fixed, so the bits are reproducible).
 *
 * Categories are a fixed table (energy_categories): the array's own (device read, write, verify reads,
 * half-select disturb) and room for the periphery, digital logic, neurons and data movement that later
 * layers write.  What each counts as one event is stated in the table.
 *
 * Contract: no function here can fail or print; the JSON form is a new reference the caller owns.
 */
#ifndef CIM_ENERGY_TALLY_H
#define CIM_ENERGY_TALLY_H

#include "core/strbuf.h"

#include <jansson.h>
#include <stdint.h>

enum energy_category {
    ENERGY_READ,     /* array reads: energy the read sources deliver into the array */
    ENERGY_WRITE,    /* programming pulses, dissipated in the selected cells */
    ENERGY_VERIFY,   /* verify reads of write-and-verify programming */
    ENERGY_DISTURB,  /* half-select stress during programming, dissipated in the unselected cells */
    ENERGY_DAC,      /* input conversions */
    ENERGY_ADC,      /* output conversions */
    ENERGY_SENSE,    /* sense amplifiers and integrators */
    ENERGY_DIGITAL,  /* shift-add, accumulation and other digital logic */
    ENERGY_NEURON,   /* neuron state updates */
    ENERGY_ONCHIP,   /* on-chip data movement */
    ENERGY_OFFCHIP,  /* off-chip data movement */
    ENERGY_N_CATEGORIES
};

/* What a category is called (the JSON key and the report's label), what it counts, and its event. */
typedef struct energy_category_info {
    const char *name;  /* "read", "write", ... */
    const char *what;  /* one phrase for reports */
    const char *event; /* what one event is: "cell read", "pulse", ... */
} energy_category_info;

extern const energy_category_info energy_categories[ENERGY_N_CATEGORIES];

typedef struct energy_tally {
    double J[ENERGY_N_CATEGORIES];    /* joules per category (compensated sum: J + c) */
    double c[ENERGY_N_CATEGORIES];    /* Neumaier compensation of each sum */
    uint64_t n[ENERGY_N_CATEGORIES];  /* events per category */
} energy_tally;

/* An empty tally (all zero); `energy_tally t = {0};` is the same. */
void energy_tally_zero(energy_tally *t);
/* Adds e_J joules and n_events events to category cat (cat out of range: nothing). */
void energy_tally_add(energy_tally *t, int cat, double e_J, uint64_t n_events);
/* dst += src, category by category. */
void energy_tally_merge(energy_tally *dst, const energy_tally *src);
/* Moves category cat of src (joules, compensation and events) into dst and leaves it empty in src: how a parent
 * keeps one-time costs (programming) apart from a run's (cat out of range: nothing). */
void energy_tally_move(energy_tally *dst, energy_tally *src, int cat);
/* The joules of one category. */
double energy_tally_J(const energy_tally *t, int cat);
/* The events of one category. */
uint64_t energy_tally_n(const energy_tally *t, int cat);
/* The sum over every category, J. */
double energy_tally_total_J(const energy_tally *t);

/* {"total_J": x, "<category>": {"energy_J": x, "events": n, "per_event_J": x}, ...} for every category with
 * events or energy (new reference). */
json_t *energy_tally_json(const energy_tally *t);

/* One line per category with energy or events, then the total: "  read      1.199 nJ  160 array reads (7.49 pJ
 * each)", each line starting with indent; joules with an SI prefix (4 significant digits).  Appended to out. */
void energy_tally_report(const energy_tally *t, const char *indent, strbuf *out);

#endif

/* energy/report.h -- the energy report: the CIM design beside the von Neumann and neuromorphic baselines, each split
 * into compute and data movement, and what the design saves on data movement.
 *
 * Inputs: the design's tally (the CIM run: array, periphery and movement -- baseline_cim_movement adds the
 * activations' buffer traffic), its MAC count, latency and area, and the two baselines' tallies for the same work
 * (energy/baseline.h).  For each machine:
 *
 *   total_J     = the sum of every category
 *   movement_J  = ONCHIP + OFFCHIP: wires, links and memory or buffer accesses (the energy of bringing a bit from
 *                 where it is kept to where it is used; a memory access counts as movement in every machine)
 *   compute_J   = total_J - movement_J: array reads, programming, converters, sense, digital logic, neurons
 *   efficiency_TOPS_per_W = 2 n_mac / total_J / 1e12 (one MAC is two operations; null in JSON when total_J is 0)
 *
 * and for the design against the von Neumann machine
 *
 *   saved.movement_J = von_neumann.movement_J - design.movement_J      (negative if the design moves more)
 *   saved.ratio      = von_neumann.movement_J / design.movement_J      (null in JSON, "inf" in text, when the design
 *                                                                       moves nothing)
 *
 * The design's latency and area are reported as given, with its throughput_TOPS = 2 n_mac / latency_s / 1e12 and
 * density_TOPS_per_mm2 = throughput_TOPS / (area in mm^2) when they are positive (else null).  The baselines carry
 * no latency or area model.  (Names end in their unit, so the metric list, exp/, reads the unit off the name.)
 *
 * JSON (energy_report_json): {"n_mac", "design": {"total_J", "movement_J", "compute_J",
 * "efficiency_TOPS_per_W", "latency_s", "area_m2", "throughput_TOPS", "density_TOPS_per_mm2", "tally"}, "baseline":
 * {"von_neumann": {"total_J", "movement_J", "compute_J", "efficiency_TOPS_per_W", "memory", "act_memory", "mac",
 * "batch", "tally"}, "neuromorphic": {"total_J", "movement_J", "compute_J", "efficiency_TOPS_per_W", "tally"}},
 * "saved": {"movement_J", "ratio"}}; each "tally" is energy_tally_json.
 *
 * Contract: energy_report_make returns CIM_EINVAL through cim_error for a negative or non-finite latency or area;
 * nothing here prints; the JSON is a new reference the caller owns.
 */
#ifndef CIM_ENERGY_REPORT_H
#define CIM_ENERGY_REPORT_H

#include "core/strbuf.h"
#include "energy/baseline.h"
#include "energy/tally.h"

#include <jansson.h>
#include <stdint.h>

/* One machine's totals. */
typedef struct energy_machine {
    energy_tally tally;
    double total_J, movement_J, compute_J;
    double tops_per_W; /* 2 n_mac / total_J / 1e12; NAN when total_J is 0 */
} energy_machine;

typedef struct energy_report {
    uint64_t n_mac;
    energy_machine design, von_neumann, neuromorphic;
    double latency_s, area_m2;         /* the design's */
    double tops, tops_per_mm2;         /* the design's throughput; NAN unless latency (and area) are positive */
    double saved_movement_J;           /* von_neumann.movement_J - design.movement_J */
    double saved_ratio;                /* von_neumann.movement_J / design.movement_J; INFINITY if the latter is 0 */
    baseline_params baseline;          /* the von Neumann assumptions, for the report's text and JSON */
    int has_baseline;
} energy_report;

/* Movement (ONCHIP + OFFCHIP) of a tally, J. */
double energy_movement_J(const energy_tally *t);

/* Fills r.  bp (may be NULL) are the baseline settings the von Neumann tally was priced with. */
int energy_report_make(energy_report *r, const energy_tally *design, uint64_t n_mac, double latency_s,
                       double area_m2, const energy_tally *von_neumann, const energy_tally *neuromorphic,
                       const baseline_params *bp);

/* The JSON described above (new reference). */
json_t *energy_report_json(const energy_report *r);

/* A text report: a table of the three machines (total, compute, movement, TOPS/W), the saving on data movement,
 * the design's latency and area, then each machine's tally by category.  Appended to out. */
void energy_report_text(const energy_report *r, strbuf *out);
/* Its first part alone: the table of the three machines, the saving, latency, area and assumptions. */
void energy_report_table(const energy_report *r, strbuf *out);

#endif

/* crossbar/program.h -- programming an array toward target conductances: open loop, write-and-verify,
 * half-select disturb.
 *
 * Targets are chord conductances at the array's read voltage (array.h), one per cell, row-major; a NaN target
 * leaves the cell alone.  Cells are programmed one after another in row-major order on one clock: a campaign
 * starts at t_start_s and every pulse and verify read takes its time (a pulse its period, a read t_read_s), so
 * cells programmed early have rested (and drifted) longer when the campaign ends.
 *
 * Pulses.  "Raise" pulses move the conductance up, "lower" pulses down; each is a trapezoid (t_rise_s,
 * t_width_s, t_rise_s) and t_gap_s at 0 V, through r_series_ohm.  The amplitudes are signed and independent:
 * bipolar RRAM raises with one polarity and lowers with the other (VTEAM: SET is negative), unipolar PCM does
 * both with positive pulses (partial-crystallisation SET, melt-quench RESET), a FeFET raises its drain
 * conductance with positive gate pulses and erases with negative ones.  Every programming pulse is a switching
 * event (device/variability.h: C2C redraw, cycle count, endurance).
 *
 * Open loop (method "open_loop"): the model is calibrated once per campaign on a nominal cell (the configured
 * parameters, no variation, the model's initial state): up to n_cal_pulses raise pulses and, separately, lower
 * pulses of the start amplitudes, reading G after each.  A cell whose target is above the calibration's initial
 * conductance gets the number of raise pulses whose calibrated G is nearest its target (else lower pulses),
 * in one train, with no read-back.  This assumes the cells start at the model's initial state (a block reset).
 * The cell counts as a success if its conductance then lies within the tolerance -- reported, never retried.
 *
 * Write-and-verify (method "verify", incremental step pulse programming): read (with read noise, if
 * configured); stop if |G - G_target| <= tol_rel G_target; otherwise pulse in the direction of the error
 * (G too low: raise, too high: lower).  Consecutive pulses of one direction grow in magnitude by v_*_step_V up
 * to v_*_max_V; when the direction reverses (an overshoot), the direction that overshot resumes, next time,
 * one step below the amplitude that overshot (never below its start), the pulse width is multiplied by
 * width_shrink (not below t_width_min_s) and the amplitude steps by step_shrink, so the search refines.  A
 * device whose conductance is steep in its state (a FeFET read in subthreshold: G is exponential in V_T) needs
 * the finer amplitude steps; one whose lowering pulse is a full reset (PCM melt-quench) the narrower widths.  A cell still
 * outside the tolerance after max_iter pulses is FAILED: reported with its final error, never silently
 * accepted.  Iterations = pulses applied (0 if the first read already passed).
 *
 * Half-select disturb (half_select): while cell (i, j) gets v_w on row i (column j at 0 V), the unselected
 * lines are biased so that
 *   "v2": unselected rows and columns at v_w/2 -- the cells of row i and of column j see v_w/2, others 0;
 *   "v3": unselected rows at v_w/3, unselected columns at 2 v_w/3 -- the cells of row i and column j see
 *         +v_w/3, every other cell -v_w/3;
 *   "none": ideal isolation (a 1T1R array with its gates off): no stress.
 * The stressed cells go through their own dynamics for the whole pulse (the same shape, closed form or
 * integrator; not a switching event).  Their dissipation is counted as disturb energy, and each cell's
 * conductance change under stress is accumulated (dg_disturb_S).  Cells verified earlier may be pushed out of
 * tolerance by later ones: n_out_of_tol_end counts them at the end of the campaign.
 * The program group is read by `cimsim mvm` at the weight level with weights.cells = "device" (exp/wmvm.h).
 */
#ifndef CIM_CROSSBAR_PROGRAM_H
#define CIM_CROSSBAR_PROGRAM_H

#include "core/param.h"
#include "crossbar/array.h"

enum { PROGRAM_OPEN_LOOP, PROGRAM_VERIFY };
enum { HALF_SELECT_NONE, HALF_SELECT_V2, HALF_SELECT_V3 };
extern const char *const program_method_names[];      /* "open_loop", "verify" */
extern const char *const program_half_select_names[]; /* "none", "v2", "v3" */

typedef struct program_params { /* group "program" */
    int method;             /* PROGRAM_OPEN_LOOP or PROGRAM_VERIFY */
    double tol_rel;         /* verify: accepted |G - G_target| / G_target */
    long long max_iter;     /* verify: pulses per cell before it is declared failed */
    long long n_cal_pulses; /* open loop: calibration pulses per direction (the longest train) */
    double v_raise_V;       /* first amplitude of a pulse that raises G (signed) */
    double v_raise_step_V;  /* magnitude added per consecutive raise pulse */
    double v_raise_max_V;   /* magnitude cap of raise pulses */
    double v_lower_V;       /* first amplitude of a pulse that lowers G (signed) */
    double v_lower_step_V;  /* magnitude added per consecutive lower pulse */
    double v_lower_max_V;   /* magnitude cap of lower pulses */
    double t_width_s;       /* pulse plateau */
    double t_rise_s;        /* rise and fall */
    double t_gap_s;         /* rest at 0 V after each pulse */
    double width_shrink;    /* verify: width factor at each reversal of direction (1: fixed width) */
    double step_shrink;     /* verify: amplitude-step factor at each reversal of direction (1: fixed steps) */
    double t_width_min_s;   /* verify: the width never shrinks below this */
    double r_series_ohm;    /* access resistance in series with the selected cell */
    int half_select;        /* HALF_SELECT_NONE, _V2, _V3 */
    int closed_form;        /* use the model's closed-form pulse response when it applies */
    int noisy_verify;       /* verify reads carry read noise (variability.read) */
} program_params;

extern const param_group program_group;

/* Per cell and in sum, what a campaign did. */
typedef struct program_report {
    size_t n;                /* cells (rows x cols) */
    unsigned char *programmed; /* [n] 1 if the cell had a target */
    unsigned char *ok;       /* [n] within tolerance when its programming ended */
    int *iterations;         /* [n] programming pulses applied */
    double *e_write_J;       /* [n] energy of its programming pulses, in the cell */
    double *e_disturb_J;     /* [n] energy of the half-select stress it received, in the cell */
    double *g_final_S;       /* [n] noiseless conductance when its programming ended */
    double *err_final;       /* [n] (g_final - target) / target */
    double *g_end_S;         /* [n] noiseless conductance at the end of the campaign (after later disturbs) */
    double *dg_disturb_S;    /* [n] summed conductance change under half-select stress */
    /* pulse log: every programming pulse, in order (for checks and traces) */
    size_t n_log;
    size_t *log_cell;        /* [n_log] cell index */
    double *log_v_V;         /* [n_log] amplitude */
    double *log_width_s;     /* [n_log] plateau */
    double *log_e_J;         /* [n_log] energy in the selected cell */
    /* summary */
    size_t n_programmed, n_failed, n_out_of_tol_end;
    double iter_mean, iter_max;
    double e_write_total_J;   /* programming pulses, in the selected cells */
    double e_disturb_total_J; /* half-select stress, in the unselected cells */
    double e_read_total_J;    /* verify reads */
    size_t n_verify_reads;    /* verify reads (one cell each) */
    size_t n_disturbs;        /* cell-pulses of half-select stress on unselected cells */
    double e_per_cell_J;     /* (write + disturb + read totals) / n_programmed */
    double dg_disturb_max_rel; /* max over cells of |dg_disturb| / g at the start of the campaign */
    size_t n_fast;           /* pulses computed by a closed form */
    double t_end_s;          /* the campaign's clock at its end */
} program_report;

void program_report_free(program_report *r);

/* The voltage every cell sees while cell (i, j) is written with v_w under scheme half_select (above):
 * v_cell_V is rows x cols, the selected cell gets v_w. */
void program_bias(int half_select, size_t rows, size_t cols, size_t i, size_t j, double v_w, double *v_cell_V);

/* Energy: the array keeps no tally; the report carries the joules and event counts of the campaign (write,
 * disturb, verify reads), which the array's owner tallies (crossbar/xbar.h). */
/* Programs array a toward g_target_S (rows x cols, S; NaN: leave the cell) from time t_start_s.  The report is
 * filled even when cells fail (failures are results); a non-OK status is a simulation failure (an integrator
 * error) or bad input (CIM_EINVAL: a target <= 0), and leaves the report freeable. */
int program_array(array *a, const program_params *p, const double *g_target_S, double t_start_s,
                  program_report *out);

/* One programming pulse of v_w on cell (i, j) at t_s with its half-select stress on every other cell: the
 * building block of program_array.  *e_sel_J gets the energy in the selected cell; v_cell_V (rows x cols
 * scratch) gets the applied voltages; e_dist_J and dg_S (may be NULL; rows x cols) accumulate each unselected
 * cell's stress energy and conductance change; *n_dist (may be NULL) counts the stressed cells. */
int program_pulse(array *a, const program_params *p, size_t i, size_t j, double v_w, double t_width_s, double t_s,
                  double *v_cell_V, double *e_sel_J, double *e_dist_J, double *dg_S, int *fast, size_t *n_dist);

#endif

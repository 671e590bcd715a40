/* device/spice.h -- an ngspice netlist of one device under a stimulus, for cross-checking.
 *
 * The netlist holds the model as a behavioural subcircuit (the state on unit capacitors, B-sources
 * for dx/dt and the current; see each model's spice hook), the stimulus as a voltage source across
 * it, and a .control block that runs the transient and writes every accepted time point,
 *   time  v(p)  i(Vin)  state1 ...   (i(Vin) is minus the device current: SPICE counts source
 *   current from + to - through the source)
 * to data_path, with the states in the model's units (the node voltages times their scale).
 * A dummy PWL source forces a time point at each of the n_points output times, so a reader picks
 * those rows out exactly (device_spice_read does) rather than interpolating.
 * What makes ngspice run such a netlist to its end (each was a "timestep too small" abort or a wrong
 * run of an example config, issue 13): a state's bounds stop it continuously (spice_bounded_rate in
 * spice_util.h), the states' truncation error has an absolute floor (chgtol), the first Newton
 * iteration starts from the initial state (.ic), and a log grid runs in log time.
 * The contract for a model's subcircuit: state k on node s<k> with a unit capacitor, its rate source
 * written "Bs<k> 0 s<k> I=<dx/dt in node units per second>" on one line (the log-time netlist scales it).
 * Tolerances are tightened (reltol 1e-10) so ngspice is a reference, not an approximation: at
 * ngspice's default 1e-3, and even at 1e-7, its solution of a runaway TEAM SET is off by several
 * per cent, and it converges toward ours as reltol shrinks.  chgtol gives the states' truncation error an
 * absolute floor (why: at the .options line).  A model may add options on a second .options line
 * (device_type.spice_options).
 */
#ifndef CIM_DEVICE_SPICE_H
#define CIM_DEVICE_SPICE_H

#include "core/strbuf.h"
#include "device/device.h"
#include "device/integrate.h"
#include "device/stimulus.h"

/* The output times are sim's grid over [0, t_stop_s] (sim_output_time).  On a log grid the netlist runs
 * in log time (why and how: at log_time in spice.c), and the data file's first column is still t.
 * CIM_EINVAL if the model has no SPICE form. */
int device_spice_netlist(const device_type *T, const void *params, const double *x0, double T_K,
                         const stimulus *s, const sim_params *sim, double t_stop_s, const char *data_path,
                         strbuf *out);

/* Reads ngspice's data file and returns, for each of sim's n_points output times of [0, t_stop], the
 * device current (-i(Vin)) at the row with that time; i_A[0] is NaN when ngspice wrote no row at
 * t = 0 (it does not, with `uic`).  CIM_EIO if the file is missing, malformed,
 * or lacks a time (ngspice stopped early). */
int device_spice_read(const char *data_path, const sim_params *sim, double t_stop_s, double *i_A);

#endif

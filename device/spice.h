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
 * Tolerances are tightened (reltol 1e-10) so ngspice is a reference, not an approximation: at
 * ngspice's default 1e-3, and even at 1e-7, its solution of a runaway TEAM SET is off by several
 * per cent, and it converges toward ours as reltol shrinks.  A model may add options on a second .options
 * line (device_type.spice_options): PCM sets an absolute floor for the states' truncation error.
 */
#ifndef CIM_DEVICE_SPICE_H
#define CIM_DEVICE_SPICE_H

#include "core/strbuf.h"
#include "device/device.h"
#include "device/stimulus.h"

/* CIM_EINVAL if the model has no SPICE form. */
int device_spice_netlist(const device_type *T, const void *params, const double *x0, double T_K,
                         const stimulus *s, double t_stop_s, size_t n_points, const char *data_path, strbuf *out);

/* Reads ngspice's data file and returns, for each of the n_points output times of [0, t_stop], the
 * device current (-i(Vin)) at the row with that time; i_A[0] is NaN when ngspice wrote no row at
 * t = 0 (it does not, with `uic`).  CIM_EIO if the file is missing, malformed,
 * or lacks a time (ngspice stopped early). */
int device_spice_read(const char *data_path, double t_stop_s, size_t n_points, double *i_A);

#endif

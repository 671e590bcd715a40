/* device/inverse.h -- the state of a device whose read conductance is a given value.
 *
 * A crossbar given a conductance matrix G (cimsim mvm --conductances with cell.iv = "device") needs each
 * cell's device in the state that reads G_ij, so that the circuit solve can evaluate the device's own
 * nonlinear I-V at the voltage the cell actually sees.  Programming pulses reach such a state too
 * (crossbar/program.h); this is the direct answer, without the pulse history.
 *
 * The stored state is moved along one line: every memory variable (the leading device_n_memory of them:
 * the filament gap, the amorphous fraction, all ferroelectric domains alike) at
 *     x_k(s) = lo_k + s (hi_k - lo_k),   s in [0, 1],
 * the other variables as the model's init() sets them, algebraic ones by the model at the read voltage.
 * The chord conductance g(s) = i_read(x(s), v_read) / v_read is solved for g(s) = G by Brent's method
 * (GSL gsl_root_fsolver_brent) on the bracket [0, 1], to |ds| <= 1e-13.  This is exact for the
 * one-variable models and a documented choice (uniform domains) for the ferroelectrics.
 */
#ifndef CIM_DEVICE_INVERSE_H
#define CIM_DEVICE_INVERSE_H

#include "device/device.h"

/* The read conductances at the two ends of the line, s = 0 and s = 1 (not sorted). */
void device_g_ends(const device_type *T, const void *p, double T_K, double v_read_V, double *g0_S, double *g1_S);

/* x (n_state values) gets the state on the line whose chord conductance at v_read_V is g_S.  CIM_EINVAL if g_S
 * lies outside the conductances of the two ends (the message gives the range), if v_read_V is 0, or if the
 * model has no DC read (a reactive model without read_A). */
int device_state_for_g(const device_type *T, const void *p, double T_K, double v_read_V, double g_S, double *x);

#endif

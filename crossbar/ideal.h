/* crossbar/ideal.h -- the ideal resistive crossbar: Ohm's law in every cell, Kirchhoff's current
 * law on every column, all wires perfect.
 *
 * Convention (docs/design.md#crossbar-circuit-convention): conductances are an M x N row-major matrix
 * g_S; row i is driven at v_V[i]; every column is held at virtual ground and its current is
 * i_A[j] = sum_i g_S[i,j] v_V[i] -- the matrix-vector product I = G^T v that compute-in-memory performs
 * in place.  This is the zero-wire-resistance limit of the full circuit solve (issue 5), and the oracle it must meet.
 */
#ifndef CIM_CROSSBAR_IDEAL_H
#define CIM_CROSSBAR_IDEAL_H

#include "core/progress.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>

/* i_A[j] = sum_i g_S[i*cols + j] * v_V[i].  Rows are streamed in order, so each column current is
 * accumulated in the same order on every run and on any thread count (bitwise reproducible); columns are
 * split across cim_threads() threads (core/threads.h) from 2^20 cells.  progress may be NULL. */
void crossbar_ideal_mvm(const double *g_S, size_t rows, size_t cols, const double *v_V, double *i_A,
                        progress *prog);

/* The same product with only the rows idx[0 .. n) driven, at v_V, and every other row at 0 V: an event-driven read
 * (the rows that received a spike).  idx ascending and distinct, each < rows (not checked: the caller's).  The
 * arithmetic is crossbar_ideal_mvm's -- each 8-row block of its kernel adds its eight products in the same tree,
 * with the undriven rows' products zeros, and a lone driven row of a block is its one product (adding zeros
 * changes no bits) -- so the result is bit for bit crossbar_ideal_mvm of the dense voltage vector.  Cost
 * O(n cols) (at most 8 n cols when every driven row shares its block with another), not O(rows cols). */
void crossbar_ideal_rows(const double *g_S, size_t rows, size_t cols, const size_t *idx, size_t n, double v_V,
                         double *i_A);

/* Power dissipated in the cells, sum_ij g_ij v_i^2, in W: with perfect wires every cell in row i
 * sees exactly v_i, so this is also the power the row drivers deliver. */
double crossbar_ideal_power_W(const double *g_S, size_t rows, size_t cols, const double *v_V);

/* Returns CIM_EINVAL naming the first cell (row, column, both 0-based) whose conductance is
 * negative or not finite. */
int crossbar_check_conductances(const double *g_S, size_t rows, size_t cols);

/* Fills n conductances uniformly in [g_min_S, g_max_S] from r. */
void crossbar_fill_uniform(double *g_S, size_t n, double g_min_S, double g_max_S, gsl_rng *r);

#endif

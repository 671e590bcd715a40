/* crossbar/circuit.c -- see circuit.h.  (Transient: the solver lands in the next commit.) */
#include "crossbar/circuit.h"
#include "core/status.h"

#include <math.h>

const char *const circuit_method_names[] = {"auto", "pcg", "direct", NULL};

circuit_opts circuit_opts_default(void)
{
    circuit_opts o = {CIRCUIT_AUTO, 1e-9, 1000, 100, 1};
    return o;
}

int circuit_new(circuit **out, size_t rows, size_t cols, const circuit_wires *w)
{
    (void)rows, (void)cols, (void)w;
    *out = NULL;
    return cim_error(CIM_ESIM, "circuit solver not built yet");
}
void circuit_free(circuit *c) { (void)c; }
size_t circuit_rows(const circuit *c) { (void)c; return 0; }
size_t circuit_cols(const circuit *c) { (void)c; return 0; }
int circuit_set_row_term(circuit *c, size_t i, double g_S) { (void)c, (void)i, (void)g_S; return CIM_ESIM; }
int circuit_set_col_term(circuit *c, size_t j, double g_S) { (void)c, (void)j, (void)g_S; return CIM_ESIM; }
int circuit_set_conductances(circuit *c, const double *g_S) { (void)c, (void)g_S; return CIM_ESIM; }
int circuit_set_cells(circuit *c, const circuit_cells *cells) { (void)c, (void)cells; return CIM_ESIM; }
int circuit_solve(circuit *c, const double *v_row_V, const double *v_col_V, double *i_col_A, const circuit_opts *o,
                  circuit_stats *st)
{
    (void)c, (void)v_row_V, (void)v_col_V, (void)i_col_A, (void)o, (void)st;
    return CIM_ESIM;
}
const double *circuit_v_row(const circuit *c) { (void)c; return NULL; }
const double *circuit_v_col(const circuit *c) { (void)c; return NULL; }
void circuit_row_currents(const circuit *c, double *i_row_A) { (void)c, (void)i_row_A; }
double circuit_power_W(const circuit *c) { (void)c; return NAN; }
int circuit_effective_g(circuit *c, double *g_eff_S, const circuit_opts *o, circuit_stats *st)
{
    (void)c, (void)g_eff_S, (void)o, (void)st;
    return CIM_ESIM;
}

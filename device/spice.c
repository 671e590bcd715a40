/* device/spice.c -- see spice.h. */
#include "device/spice.h"
#include "core/status.h"
#include "core/version.h"

int device_spice_netlist(const device_type *T, const void *params, const double *x0, double T_K,
                         const stimulus *s, double t_stop_s, size_t n_points, const char *data_path, strbuf *o)
{
    if (T->spice == NULL)
        return cim_error(CIM_EINVAL, "device model \"%s\" has no SPICE form", T->name);
    double t_step = t_stop_s / (double)(n_points - 1);
    strbuf_printf(o, "* cimsim %s: %s (%s) -- behavioural ngspice netlist\n", cim_version(), T->name, T->title);
    strbuf_printf(o, "* %s\n", T->citation);
    strbuf_puts(o, "* state variables live on unit capacitors, in units of:");
    for (size_t k = 0; k < T->n_state; k++)
        strbuf_printf(o, " %s/%g", T->state[k].name, T->state[k].spice_scale);
    strbuf_puts(o, "\n.options reltol=1e-7 abstol=1e-15 vntol=1e-10 chgtol=1e-22 method=gear maxord=2\n");
    stimulus_spice(s, t_stop_s, o);
    strbuf_printf(o, "X1 p 0 %s\n", T->name);
    T->spice(params, x0, T_K, o);
    strbuf_printf(o, ".tran %.17g %.17g 0 %.17g uic\n", t_step, t_stop_s, t_step / 10);
    strbuf_puts(o, ".control\nset wr_singlescale\nset wr_vecnames\noption numdgt=16\nrun\n");
    strbuf_printf(o, "linearize\n");
    strbuf_printf(o, "wrdata %s v(p) i(Vin)", data_path);
    for (size_t k = 0; k < T->n_state; k++)
        strbuf_printf(o, " v(x1.s%zu)*%.17g", k, T->state[k].spice_scale);
    strbuf_puts(o, "\nquit\n.endc\n.end\n");
    return CIM_OK;
}

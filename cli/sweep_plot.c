/* cli/sweep_plot.c -- placeholder until the sweep figures land. */
#include "cli/sweep.h"
#include "core/status.h"

int cli_sweep_plot(const sweep_file *f, const char *prefix, FILE *out)
{
    (void)f; (void)prefix; (void)out;
    return cim_error(CIM_EUSAGE, "sweep: --plot is not built yet");
}

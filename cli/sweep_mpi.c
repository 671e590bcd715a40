/* cli/sweep_mpi.c -- placeholder until the MPI sweep lands. */
#include "cli/sweep.h"
#include "core/status.h"

#include <stdlib.h>

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v != NULL && atoi(v) > 0 ? atoi(v) : dflt;
}
int cli_mpi_size(void) { return env_int("OMPI_COMM_WORLD_SIZE", 1); }
int cli_mpi_rank(void) { return env_int("OMPI_COMM_WORLD_RANK", 0); }
int cli_mpi_local_size(void) { return env_int("OMPI_COMM_WORLD_LOCAL_SIZE", 1); }
int cli_sweep_mpi(const sweep_spec *s, const char *journal, const char *invocation, int restart,
                  const sweep_options *o, sweep_file *f, int *is_root)
{
    (void)s; (void)journal; (void)invocation; (void)restart; (void)o; (void)f;
    *is_root = 1;
    return cim_error(CIM_EUSAGE, "sweep: this cimsim was built without MPI");
}

/* cli/main.c -- `cimsim COMMAND [options] CONFIG`: the command table and dispatch. */
#include "cli/cli.h"
#include "core/afile.h"
#include "core/status.h"
#include "core/version.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

/* The registry: a new command is a file cli/cmd_<name>.c and one line here. */
const cli_command *const cli_commands[] = {
    &cmd_device,
    &cmd_mvm,
    &cmd_energy,
    &cmd_sneak,
    &cmd_snn,
    &cmd_fit,
    &cmd_sweep,
    &cmd_config,
    NULL,
};

const cli_command *cli_find(const char *name)
{
    for (size_t i = 0; cli_commands[i]; i++)
        if (strcmp(cli_commands[i]->name, name) == 0)
            return cli_commands[i];
    return NULL;
}

static void print_usage(void)
{
    printf("cimsim %s -- a simulator of compute-in-memory hardware\n\n"
           "usage: cimsim COMMAND [options] CONFIG\n"
           "       cimsim COMMAND --help\n"
           "       cimsim --version\n\n"
           "commands:\n",
           CIM_VERSION);
    for (size_t i = 0; cli_commands[i]; i++)
        printf("  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    printf("\noptions every command takes:\n"
           "  --set KEY=VALUE    override a configuration value (repeatable)\n"
           "  --seed N           run seed\n"
           "  -o, --output PATH  write the result to PATH instead of standard output\n"
           "  --format csv|json  format of the result\n"
           "  -q, --quiet        no summary, no progress bar\n"
           "  --large-output     write outputs estimated above 100 MB\n\n"
           "Configs are libconfig files in SI units; `cimsim config --docs` lists every key.\n"
           "Exit status: 0 success, 1 simulation failure, 2 bad input or usage.\n");
}


int main(int argc, char **argv)
{
    /* A run allocates its large arrays afresh (a 256 x 256 circuit solve: ~10 MB).  Above glibc's default threshold
     * (128 kB, adapting up to 32 MB) each is a new mmap whose pages the kernel zeroes and maps on first touch, run
     * after run; served from the heap instead, a sweep of mvm_size_wire.cfg spends half the CPU time (0.70 -> 0.36
     * s).  The program, not the library, decides this: it is a process-wide allocator setting. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    if (argc < 2) {
        print_usage();
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            const cli_command *cmd = cli_find(argv[2]);
            if (cmd == NULL) {
                fprintf(stderr, "error: unknown command '%s'\nTry 'cimsim --help'.\n", argv[2]);
                return 2;
            }
            cli_print_help(cmd);
            return 0;
        }
        print_usage();
        return 0;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("cimsim %s\nBLAS: %s\n", cim_version(), cim_blas_info());
        return 0;
    }
    const cli_command *cmd = cli_find(name);
    if (cmd == NULL) {
        fprintf(stderr, "error: unknown command '%s'; commands are:", name);
        for (size_t i = 0; cli_commands[i]; i++)
            fprintf(stderr, " %s", cli_commands[i]->name);
        fprintf(stderr, "\nTry 'cimsim --help'.\n");
        return 2;
    }
    cli_args a;
    int st = cli_parse(cmd, argc - 1, argv + 1, &a);
    if (st == CIM_OK && a.help) {
        cli_print_help(cmd);
        cli_args_free(&a);
        return 0;
    }
    if (st == CIM_OK) {
        /* Every output of the run is renamed into place only if the whole run succeeds (core/afile.h). */
        afile_defer_begin();
        st = cmd->run(cmd, &a);
        int st_commit = afile_defer_end(st == CIM_OK);
        if (st == CIM_OK)
            st = st_commit;
    }
    cli_args_free(&a);
    if (st != CIM_OK) {
        fprintf(stderr, "error: %s\n", cim_errmsg());
        if (st == CIM_EUSAGE)
            fprintf(stderr, "Try 'cimsim %s --help'.\n", cmd->name);
    }
    return cim_exit_code(st);
}

/* cli/cli.h -- the `cimsim` program: one command table, one option parser, one error printer.
 *
 * A command is a row in cli_commands[] (cli/main.c) pointing at a cli_command defined in its own
 * file (cli/cmd_<name>.c).  A command parses nothing itself: cli_parse handles the options every
 * command shares (--set, -o, --seed, --format, --quiet, --help) plus the command's own, listed in
 * its option table.  A command that runs experiments dispatches from the library's experiment table
 * (exp/experiment.h) through cli_run_experiment, and keeps only its options, help and presenters: what it
 * checks, writes and prints around each experiment.  Commands print through cli_* helpers and return a
 * status; main turns it into the exit code (0 ok, 1 simulation failure, 2 bad input or usage).
 */
#ifndef CIM_CLI_H
#define CIM_CLI_H

#include "core/cfg.h"
#include "core/param.h"
#include "core/progress.h"
#include "core/prov.h"
#include "core/strbuf.h"
#include "exp/experiment.h"

#include <jansson.h>

#define CLI_MAX_OPTIONS 16

/* Outputs estimated larger than this are refused unless --large-output is given (cli_check_size): a
 * 4096 x 4096 --maps is 1.5 GB of CSV, which a user asking for a bigger array does not expect. */
#define CLI_LARGE_OUTPUT_BYTES 100e6
/* A value written "%.17g" with its separator, for the estimates (measured: 21-24 bytes). */
#define CLI_BYTES_PER_VALUE 22.0
/* A netlist's cell with its share of wires and sources (measured on a 32 x 32 array: 96 bytes). */
#define CLI_SPICE_BYTES_PER_CELL 100.0

/* What an option's argument names, so every output is checked before the run (cli_check_outputs). */
typedef enum cli_out_kind {
    CLI_OUT_NONE = 0, /* not an output */
    CLI_OUT_FILE,     /* a file written as named (--spice) */
    CLI_OUT_FIGURE,   /* a figure; its extension chooses the format (cli/plot.h: .png, .svg, .pdf) */
    CLI_OUT_PREFIX    /* the start of several file names (--maps PREFIX: PREFIX_vrow.csv, ...) */
} cli_out_kind;

typedef struct cli_option {
    const char *name; /* long option, without "--"; NULL ends a table */
    const char *arg;  /* name of its argument ("FILE"), or NULL for a flag */
    const char *help; /* one line */
    cli_out_kind out; /* what the argument names, if it is an output */
} cli_option;

typedef enum cli_format { CLI_FORMAT_CSV, CLI_FORMAT_JSON } cli_format;

typedef struct cli_args {
    const char *config;                   /* the CONFIG argument, or NULL */
    const char *output;                   /* -o PATH, or NULL for standard output */
    const char **sets;                    /* --set KEY=VALUE, in order */
    size_t n_sets;
    const char *seed;                     /* --seed N as given, or NULL */
    cli_format format;                    /* --format */
    int quiet;                            /* --quiet */
    int large_output;                     /* --large-output: write outputs larger than CLI_LARGE_OUTPUT_BYTES */
    int help;                             /* --help */
    const char *opt[CLI_MAX_OPTIONS];     /* the command's own options: argument, or "" for a given flag */
    char *invocation;                     /* the command line, quoted, for provenance */
} cli_args;

struct cli_presenter;
typedef struct cli_command {
    const char *name;                     /* "mvm" */
    const char *summary;                  /* one line for `cimsim --help` */
    const char *usage;                    /* arguments after the name: "[options] CONFIG" */
    const char *description;              /* paragraphs for `cimsim NAME --help` */
    const cli_option *options;            /* the command's own options */
    int config_required;                  /* 1 if CONFIG must be given */
    /* The configuration groups a command reads are its experiments' (exp/experiment.h: the table lists each
     * experiment's command), shown by its help. */
    int (*run)(const struct cli_command *cmd, cli_args *a);
    /* A command that runs experiments of the table (run = cli_run_experiment): choose (may be NULL: no shorthand,
     * the experiment named like the command) gives the shorthand flag its options name (*flag, NULL for none) and
     * the default for a file that does not say (*by_default, NULL: the command's name), or CIM_EUSAGE for options
     * that contradict each other; presenters, NULL-terminated, one per experiment the command runs. */
    int (*choose)(const struct cli_command *cmd, const cli_args *a, const char **flag,
                  const char *(**by_default)(const cfg *c));
    const struct cli_presenter *const *presenters;
} cli_command;

/* What the CLI does around one experiment of the table, beside the library's run (exp/experiment.h): the
 * options it checks, and what it writes and prints.  r->state is the experiment's state (exp/state.h). */
typedef struct cli_presenter {
    const char *experiment;  /* its name in the table */
    const char *label;       /* the command the provenance records ("device --pulses") */
    /* After the configuration is loaded, before anything is read or run: options this run cannot honour (may be
     * NULL). */
    int (*check)(const cli_command *cmd, const cli_args *a, const exp_run *r);
    /* After the run's inputs are read, before it runs: the outputs' sizes, files written before the run (--spice)
     * (may be NULL). */
    int (*ready)(const cli_command *cmd, const cli_args *a, exp_run *r);
    /* After the run: the result (-o, CSV or JSON), figures, the printed summary. */
    int (*present)(const cli_command *cmd, const cli_args *a, exp_run *r, const prov *pv, progress *prog);
} cli_presenter;

/* The run of every command with experiments: cmd->choose, experiment_open (the command, the flag, the file's
 * key), the presenter of the experiment chosen: check, then experiment_exec with the inputs the options name
 * (--conductances, --voltages, --weights, --inputs; PWL files relative to the config) and the presenter's ready,
 * then present. */
int cli_run_experiment(const cli_command *cmd, cli_args *a);

/* The registry, NULL-terminated (cli/main.c). */
extern const cli_command *const cli_commands[];
const cli_command *cli_find(const char *name);

/* Parses argv (after the command name).  CIM_EUSAGE with a message on bad options. */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *a);
void cli_args_free(cli_args *a);

/* Checks every output named on the command line (-o and the command's options of an out kind) before
 * anything runs: its folder exists and is writable, the path is not a folder or a special file, a figure's
 * extension is one cli/plot.h draws.  CIM_EIO (CIM_EUSAGE for an unknown figure format) with a message
 * naming the option.  cli_parse calls it. */
int cli_check_outputs(const cli_command *cmd, const cli_args *a);

/* Refuses an output estimated at `bytes` above CLI_LARGE_OUTPUT_BYTES unless --large-output was given:
 * CIM_EUSAGE with a message giving the estimate and what makes it (`what`: "--maps of 4096 x 4096 cells"). */
int cli_check_size(const cli_args *a, double bytes, const char *what);

/* Value of the command's own option `name` (NULL if not given). */
const char *cli_opt(const cli_command *cmd, const cli_args *a, const char *name);

/* Prints `cimsim NAME --help`. */
void cli_print_help(const cli_command *cmd);

/* The folder of a->config with a trailing '/', or "" (for paths inside the config). */
void cli_config_dir(const cli_args *a, char *out, size_t n);

/* The progress sink to use: stderr when it is a terminal and --quiet is off, else silent. */
void cli_progress(const cli_args *a, progress *p);

/* Writes a result atomically to -o (or standard output): in CSV, the provenance comment block
 * followed by csv_body; in JSON, {"provenance": ..., "metrics": [the named metrics of json_body's "summary"],
 * then every member of json_body}. */
int cli_write_result(const cli_args *a, const prov *pv, const char *csv_body, json_t *json_body);
/* cli_write_result for run r: csv_body (destroyed), or JSON {"summary": r->summary, then the members of more (a new
 * reference, taken; NULL for none)}. */
int cli_write_run(const cli_args *a, const prov *pv, const exp_run *r, strbuf *csv_body, json_t *more);

/* Where human-readable summaries go: stdout if the result went to a file, stderr if the result
 * itself went to stdout, nowhere with --quiet. */
FILE *cli_summary_stream(const cli_args *a);

/* x with an SI prefix and unit, 4 significant digits ("100 µS", "-2.5 mV"); buf >= 32 bytes. */
const char *cli_si(char *buf, double x, const char *unit);

/* The unit a reader of the field's papers expects for values in SI unit `unit` ("µC/cm²" for C/m^2), and the
 * factor *scale that converts to it; unit itself and 1 when the field uses SI. */
const char *cli_display_unit(const char *unit, double *scale);

extern const cli_command cmd_config;
extern const cli_command cmd_mvm;
extern const cli_command cmd_device;
extern const cli_command cmd_energy;
extern const cli_command cmd_sneak;
extern const cli_command cmd_snn;
extern const cli_command cmd_sweep;
extern const cli_command cmd_fit;

/* The weight level of `cimsim mvm` (cli/cmd_mvm_weights.c). */
extern const cli_presenter cli_mvm_weights_presenter;

#endif

/* cli/cli.h -- the `cimsim` program: one command table, one option parser, one error printer.
 *
 * A command is a row in cli_commands[] (cli/main.c) pointing at a cli_command defined in its own
 * file (cli/cmd_<name>.c).  A command parses nothing itself: cli_parse handles the options every
 * command shares (--set, -o, --seed, --format, --quiet, --help) plus the command's own, listed in
 * its option table.  Commands call the library, print through cli_* helpers and return a status;
 * main turns it into the exit code (0 ok, 1 simulation failure, 2 bad input or usage).
 */
#ifndef CIM_CLI_H
#define CIM_CLI_H

#include "core/cfg.h"
#include "core/param.h"
#include "core/progress.h"
#include "core/prov.h"
#include "core/strbuf.h"

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
} cli_command;

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

/* Which experiment of the table (exp/experiment.h) a command runs: the command, the shorthand flag it was given
 * (NULL: none), the file's key `experiment`, else by_default(c) (NULL: the experiment named like the command). */
struct experiment;
typedef struct cli_choice {
    const char *command;
    const char *flag;
    const char *(*by_default)(const cfg *c);
    const struct experiment **out; /* the choice */
} cli_choice;

/* Reads a->config into c (groups already bound), chooses the experiment (choice; NULL: no experiment, no check
 * of the file's groups), then experiment_load: the --set overrides, bind_more (may be NULL) for groups that
 * depend on what was read, the check that the file's groups are the experiment's, --seed, resolution. */
int cli_load_config(cli_args *a, cfg *c, const cli_choice *choice, void (*bind_more)(cfg *c, void *ctx), void *ctx);

/* The folder of a->config with a trailing '/', or "" (for paths inside the config). */
void cli_config_dir(const cli_args *a, char *out, size_t n);

/* The progress sink to use: stderr when it is a terminal and --quiet is off, else silent. */
void cli_progress(const cli_args *a, progress *p);

/* Writes a result atomically to -o (or standard output): in CSV, the provenance comment block
 * followed by csv_body; in JSON, {"provenance": ..., "metrics": [the named metrics of json_body's "summary"],
 * then every member of json_body}. */
int cli_write_result(const cli_args *a, const prov *pv, const char *csv_body, json_t *json_body);

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
extern const cli_command cmd_sneak;

/* The weight-level body of `cimsim mvm` (cli/cmd_mvm_weights.c): e has its groups bound and resolved in c. */
struct exp_wmvm;
int cli_mvm_weights(const cli_command *cmd, cli_args *a, cfg *c, struct exp_wmvm *e);

#endif

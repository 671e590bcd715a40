/* cli/common.c -- option parsing, configuration loading and output writing shared by commands. */
#include "cli/cli.h"
#include "exp/experiment.h"
#include "device/binding.h"
#include "core/afile.h"
#include "core/run.h"
#include "core/status.h"
#include "core/threads.h"
#include "core/xalloc.h"

#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- parsing ----------------------------------------------------------------------------------- */

enum { OPT_SET = 256, OPT_SEED, OPT_FORMAT, OPT_THREADS, OPT_LARGE, OPT_OWN = 512 };

static void quote_arg(strbuf *b, const char *s)
{
    if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == strlen(s)) {
        strbuf_puts(b, s);
        return;
    }
    strbuf_puts(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            strbuf_puts(b, "'\\''");
        else
            strbuf_putn(b, s, 1);
    }
    strbuf_puts(b, "'");
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    strbuf inv;
    strbuf_init(&inv);
    strbuf_printf(&inv, "cimsim %s", cmd->name);
    for (int i = 1; i < argc; i++) {
        strbuf_puts(&inv, " ");
        quote_arg(&inv, argv[i]);
    }
    a->invocation = inv.s; /* ownership moves to a */

    struct option longopts[CLI_MAX_OPTIONS + 10];
    size_t n = 0;
    longopts[n++] = (struct option){"set", required_argument, NULL, OPT_SET};
    longopts[n++] = (struct option){"output", required_argument, NULL, 'o'};
    longopts[n++] = (struct option){"seed", required_argument, NULL, OPT_SEED};
    longopts[n++] = (struct option){"format", required_argument, NULL, OPT_FORMAT};
    longopts[n++] = (struct option){"threads", required_argument, NULL, OPT_THREADS};
    longopts[n++] = (struct option){"quiet", no_argument, NULL, 'q'};
    longopts[n++] = (struct option){"large-output", no_argument, NULL, OPT_LARGE};
    longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    for (size_t k = 0; cmd->options && cmd->options[k].name; k++)
        longopts[n++] = (struct option){cmd->options[k].name, cmd->options[k].arg ? required_argument : no_argument,
                                        NULL, OPT_OWN + (int)k};
    longopts[n] = (struct option){NULL, 0, NULL, 0};

    int threads = 0; /* every core unless --threads says otherwise; results do not depend on it */
    opterr = 0; /* we write our own messages */
    optind = 1;
    int c;
    int jobs_opt = -1; /* -j N is the short form of a command's own option --jobs */
    for (size_t k = 0; cmd->options && cmd->options[k].name; k++)
        if (strcmp(cmd->options[k].name, "jobs") == 0)
            jobs_opt = (int)k;
    while ((c = getopt_long(argc, argv, jobs_opt >= 0 ? ":o:qhj:" : ":o:qh", longopts, NULL)) != -1) {
        if (c == 'j')
            c = OPT_OWN + jobs_opt;
        switch (c) {
        case OPT_SET: {
            void *p = a->sets;
            size_t cap = a->n_sets;
            xgrow(&p, &cap, a->n_sets + 1, sizeof *a->sets);
            a->sets = p;
            a->sets[a->n_sets++] = optarg;
            break;
        }
        case 'o': a->output = optarg; break;
        case OPT_SEED: a->seed = optarg; break;
        case OPT_THREADS: {
            char *end;
            errno = 0;
            long t = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || errno == ERANGE || t < 0 || t > 4096)
                return cim_error(CIM_EUSAGE, "%s: --threads %s: expected an integer in [0, 4096] (0: every core)",
                                 cmd->name, optarg);
            threads = (int)t;
            break;
        }
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                a->format = CLI_FORMAT_CSV;
            else if (strcmp(optarg, "json") == 0)
                a->format = CLI_FORMAT_JSON;
            else
                return cim_error(CIM_EUSAGE, "%s: --format %s: expected csv or json", cmd->name, optarg);
            break;
        case 'q': a->quiet = 1; break;
        case OPT_LARGE: a->large_output = 1; break;
        case 'h': a->help = 1; break;
        case ':':
            return cim_error(CIM_EUSAGE, "%s: option %s needs an argument", cmd->name, argv[optind - 1]);
        case '?':
            if (optopt != 0)
                return cim_error(CIM_EUSAGE, "%s: unknown option -%c", cmd->name, optopt);
            return cim_error(CIM_EUSAGE, "%s: unknown option %s", cmd->name, argv[optind - 1]);
        default: a->opt[c - OPT_OWN] = optarg ? optarg : ""; break;
        }
    }
    cim_set_threads(threads);
    if (a->help)
        return CIM_OK;
    int npos = argc - optind;
    if (npos > 1)
        return cim_error(CIM_EUSAGE, "%s: expected one CONFIG file, got %d arguments (%s, %s%s)", cmd->name, npos,
                         argv[optind], argv[optind + 1], npos > 2 ? ", ..." : "");
    if (npos == 1)
        a->config = argv[optind];
    if (cmd->config_required && a->config == NULL)
        return cim_error(CIM_EUSAGE, "%s: missing CONFIG file", cmd->name);
    return cli_check_outputs(cmd, a);
}

/* ---- outputs ----------------------------------------------------------------------------------- */

/* 1 if path's extension is one the figures are drawn in (cli/plot.h). */
static int figure_format_known(const char *path)
{
    static const char *const ext[] = {".png", ".svg", ".pdf"};
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash))
        return 0;
    for (size_t k = 0; k < sizeof ext / sizeof *ext; k++)
        if (strcasecmp(dot, ext[k]) == 0)
            return 1;
    return 0;
}

/* One output: `opt` is how the user named it ("-o", "--plot"). */
static int check_output(const char *opt, const char *path, cli_out_kind kind)
{
    if (path[0] == '\0')
        return cim_error(CIM_EUSAGE, "%s: expected a file name, got an empty string", opt);
    size_t len = strlen(path);
    if (kind == CLI_OUT_FIGURE && !figure_format_known(path)) {
        const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
        int has = dot != NULL && (slash == NULL || dot > slash);
        return cim_error(CIM_EUSAGE, "%s %s: %s%s%s; the extension chooses the format: .png, .svg or .pdf", opt, path,
                         has ? "cannot draw a figure as " : "no extension", has ? dot : "", has ? "" : "");
    }
    struct stat sb;
    if (kind != CLI_OUT_PREFIX && (path[len - 1] == '/' || (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))))
        return cim_error(CIM_EIO, "%s %s: is a folder; give a file name in it", opt, path);
    if (kind != CLI_OUT_PREFIX && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return cim_error(CIM_EIO, "%s %s: exists and is not a regular file; it would be replaced", opt, path);
    /* The folder must exist and take a new file: the outputs are written to temporaries beside their names
     * and renamed (core/afile.h).  A probe file answers for permissions, read-only mounts and full quotas alike. */
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (stat(dir, &sb) != 0)
        return cim_error(CIM_EIO, "%s %s: folder %s does not exist", opt, path, dir);
    if (!S_ISDIR(sb.st_mode))
        return cim_error(CIM_EIO, "%s %s: %s is not a folder", opt, path, dir);
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/.cimsim-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0)
        return cim_error(CIM_EIO, "%s %s: cannot write in folder %s: %s", opt, path, dir, strerror(errno));
    close(fd);
    unlink(probe);
    return CIM_OK;
}

int cli_check_outputs(const cli_command *cmd, const cli_args *a)
{
    int st = CIM_OK;
    if (a->output != NULL && strcmp(a->output, "-") != 0)
        st = check_output("-o", a->output, CLI_OUT_FILE);
    for (size_t k = 0; st == CIM_OK && cmd->options && cmd->options[k].name; k++)
        if (cmd->options[k].out != CLI_OUT_NONE && a->opt[k] != NULL) {
            char opt[64];
            snprintf(opt, sizeof opt, "--%s", cmd->options[k].name);
            st = check_output(opt, a->opt[k], cmd->options[k].out);
        }
    return st;
}

int cli_check_size(const cli_args *a, double bytes, const char *what)
{
    if (bytes <= CLI_LARGE_OUTPUT_BYTES || a->large_output)
        return CIM_OK;
    char b[32];
    return cim_error(CIM_EUSAGE, "%s would write about %s; give --large-output to write it anyway (the limit "
                     "without it is %.0f MB)", what, cli_si(b, bytes, "B"), CLI_LARGE_OUTPUT_BYTES / 1e6);
}

void cli_args_free(cli_args *a)
{
    free(a->sets);
    free(a->invocation);
    memset(a, 0, sizeof *a);
}

const char *cli_opt(const cli_command *cmd, const cli_args *a, const char *name)
{
    for (size_t k = 0; cmd->options && cmd->options[k].name; k++)
        if (strcmp(cmd->options[k].name, name) == 0)
            return a->opt[k];
    return NULL;
}

/* ---- help -------------------------------------------------------------------------------------- */

void cli_print_help(const cli_command *cmd)
{
    printf("usage: cimsim %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->description);
    int device_cells = 0;
    for (size_t i = 0; experiments[i] != NULL; i++)
        device_cells |= strcmp(experiments[i]->command, cmd->name) == 0 && experiments[i]->optional_group != NULL;
    if (device_cells) { /* commands with device cells: the registry's models */
        printf("\ndevice models (device.model):\n");
        for (size_t k = 0; device_types[k] != NULL; k++)
            printf("  %-13s %s\n", device_types[k]->name, device_types[k]->title);
    }
    if (cmd->options && cmd->options[0].name) {
        printf("\n%s options:\n", cmd->name);
        for (size_t k = 0; cmd->options[k].name; k++) {
            char left[64];
            snprintf(left, sizeof left, "--%s%s%s", cmd->options[k].name, cmd->options[k].arg ? " " : "",
                     cmd->options[k].arg ? cmd->options[k].arg : "");
            printf("  %-26s %s\n", left, cmd->options[k].help);
        }
    }
    printf("\ncommon options:\n"
           "  --set KEY=VALUE            override a configuration value (repeatable), e.g. --set crossbar.rows=128\n"
           "  --seed N                   run seed (same as --set run.seed=N; applied after every --set)\n"
           "  -o, --output PATH          write the result to PATH (atomically) instead of standard output\n"
           "  --format csv|json          format of the result (default csv)\n"
           "  --threads N                threads of the parallel kernels (default 0: every core); results are the\n"
           "                             same bits on any count\n"
           "  -q, --quiet                print no summary and no progress bar\n"
           "  --large-output             write outputs estimated above 100 MB (refused without it)\n"
           "  -h, --help                 show this help\n");
    int any = 0;
    for (size_t i = 0; experiments[i] != NULL; i++) {
        const experiment *x = experiments[i];
        if (strcmp(x->command, cmd->name) != 0)
            continue;
        if (!any)
            printf("\nexperiments (chosen by %s, a flag, or the config's key experiment = \"NAME\"):\n",
                   "the command");
        any = 1;
        printf("  %-12s %s\n               groups:", x->name, x->title);
        for (size_t k = 0; x->groups[k]; k++)
            if (x->groups[k]->path[0] != '\0')
                printf(" %s", x->groups[k]->path);
        if (x->optional_group != NULL)
            printf(" (and the model's: device.<model>%s)", x->optional_group == device_optional_group
                                                                 ? ", variability.d2d/c2c.<param>"
                                                                 : "");
        if (x->how != NULL)
            printf("\n               run by: cimsim %s CONFIG %s", x->command, x->how);
        printf("\n");
    }
    if (any)
        printf("  (every key: cimsim config --docs)\n");
}

/* ---- configuration ----------------------------------------------------------------------------- */

void cli_config_dir(const cli_args *a, char *out, size_t n)
{
    const char *slash = a->config ? strrchr(a->config, '/') : NULL;
    if (slash == NULL)
        snprintf(out, n, "%s", "");
    else
        snprintf(out, n, "%.*s", (int)(slash - a->config + 1), a->config);
}

/* ---- running an experiment ------------------------------------------------------------------- */

/* The resolved run.seed (every experiment reads the group run). */
static long long run_seed(const cfg *c)
{
    for (size_t i = 0; i < c->n_groups; i++)
        if (c->groups[i] == &run_group)
            return ((const run_params *)c->values[i])->seed;
    return 0;
}

typedef struct ready_ctx {
    const cli_command *cmd;
    const cli_args *a;
    const cli_presenter *p;
} ready_ctx;

static int ready(exp_run *r, void *ctx)
{
    const ready_ctx *rc = ctx;
    return rc->p->ready != NULL ? rc->p->ready(rc->cmd, rc->a, r) : CIM_OK;
}

int cli_run_experiment(const cli_command *cmd, cli_args *a)
{
    const char *flag = NULL;
    const char *(*by_default)(const cfg *c) = NULL;
    int st = cmd->choose != NULL ? cmd->choose(cmd, a, &flag, &by_default) : CIM_OK;
    if (st != CIM_OK)
        return st;
    experiment_loading l = {a->config, a->sets, a->n_sets, a->seed, NULL, NULL, cmd->name, flag, by_default, NULL, NULL};
    exp_run r;
    st = experiment_open(&l, &r);
    const cli_presenter *p = NULL;
    for (size_t k = 0; st == CIM_OK && cmd->presenters[k] != NULL && p == NULL; k++)
        if (strcmp(cmd->presenters[k]->experiment, r.x->name) == 0)
            p = cmd->presenters[k];
    if (st == CIM_OK && p == NULL)
        st = cim_error(CIM_EINVAL, "%s: the %s experiment has no presenter", cmd->name, r.x->name);
    if (st == CIM_OK && p->check != NULL)
        st = p->check(cmd, a, &r);
    if (st == CIM_OK) {
        char dir[1024];
        cli_config_dir(a, dir, sizeof dir);
        exp_inputs in = {dir, cli_opt(cmd, a, "conductances"), cli_opt(cmd, a, "voltages"), cli_opt(cmd, a, "weights"),
                         cli_opt(cmd, a, "inputs"), cli_opt(cmd, a, "data"), cli_opt(cmd, a, "predict")};
        prov pv;
        progress prog;
        prov_init(&pv, p->label, a->invocation, &r.c, run_seed(&r.c));
        cli_progress(a, &prog);
        ready_ctx rc = {cmd, a, p};
        st = experiment_exec(&r, &in, &pv, &prog, ready, &rc);
        progress_finish(&prog);
        if (st == CIM_OK)
            st = p->present(cmd, a, &r, &pv, &prog);
    }
    exp_run_free(&r);
    return st;
}

/* ---- output ------------------------------------------------------------------------------------ */

static void tty_sink(void *ctx, const char *line)
{
    (void)ctx;
    fputs(line, stderr);
    fflush(stderr);
}

void cli_progress(const cli_args *a, progress *p)
{
    int show = !a->quiet && isatty(STDERR_FILENO);
    progress_start(p, "", 1, show ? tty_sink : NULL, NULL);
}

int cli_write_result(const cli_args *a, const prov *pv, const char *csv_body, json_t *json_body)
{
    const char *path = a->output ? a->output : "-";
    if (a->format == CLI_FORMAT_JSON) {
        json_t *root = json_object();
        json_object_set_new(root, "provenance", prov_json(pv));
        json_t *summary = json_object_get(json_body, "summary");
        if (json_is_object(summary)) { /* the run's named metrics: what a sweep reads (exp/experiment.h) */
            exp_metrics ms;
            exp_metrics_init(&ms);
            exp_metrics_from_json(&ms, summary, NULL);
            json_object_set_new(root, "metrics", exp_metrics_json(&ms));
            exp_metrics_free(&ms);
        }
        json_object_update(root, json_body);
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER);
        json_decref(root);
        size_t n = strlen(text);
        text = xrealloc(text, n + 2);
        text[n] = '\n';
        text[n + 1] = '\0';
        int st = afile_write_all(path, text, n + 1);
        free(text);
        return st;
    }
    strbuf b;
    strbuf_init(&b);
    prov_csv_comment(pv, &b);
    strbuf_puts(&b, csv_body);
    int st = afile_write_all(path, b.s, b.len);
    strbuf_destroy(&b);
    return st;
}

int cli_write_run(const cli_args *a, const prov *pv, const exp_run *r, strbuf *csv_body, json_t *more)
{
    json_t *jb = json_pack("{s:O}", "summary", r->summary);
    if (more != NULL)
        json_object_update(jb, more);
    int st = cli_write_result(a, pv, csv_body->s, jb);
    json_decref(more);
    json_decref(jb);
    strbuf_destroy(csv_body);
    return st;
}

FILE *cli_summary_stream(const cli_args *a)
{
    if (a->quiet)
        return NULL;
    return (a->output && strcmp(a->output, "-") != 0) ? stdout : stderr;
}

const char *cli_si(char *buf, double x, const char *unit)
{
    static const char *const prefix[] = {"f", "p", "n", "µ", "m", "", "k", "M", "G", "T"};
    double a = fabs(x);
    int k = 5; /* index of "" */
    if (a != 0 && isfinite(a)) {
        k = 5 + (int)floor(log10(a) / 3);
        if (k < 0)
            k = 0;
        if (k > 9)
            k = 9;
    }
    snprintf(buf, 32, "%.4g %s%s", x / pow(10.0, 3 * (k - 5)), prefix[k], unit);
    return buf;
}

const char *cli_display_unit(const char *unit, double *scale)
{
    static const struct {
        const char *si, *shown;
        double scale;
    } table[] = {
        {"C/m^2", "µC/cm²", 100.0}, /* polarization: 1 C/m^2 = 100 µC/cm^2 */
    };
    for (size_t k = 0; k < sizeof table / sizeof *table; k++)
        if (strcmp(unit, table[k].si) == 0) {
            *scale = table[k].scale;
            return table[k].shown;
        }
    *scale = 1.0;
    return unit;
}

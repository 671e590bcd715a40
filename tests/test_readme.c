/* tests/test_readme.c -- every example command a user is shown runs as written: the ```sh blocks of README.md,
 * the examples of every `--help` text and the "# Run:" lines of every config under configs/.
 *
 * Each command runs through /bin/sh exactly as printed (quotes, backslash continuations and trailing comments
 * included), in a scratch folder holding a copy of the repository's configs/ and data/, where `cimsim` (on PATH) and
 * `build/cimsim` are the program just built.  The commands of one README block, one help text or one config share
 * a folder, in order, so a later command may read what an earlier one wrote.  A cimsim command must exit 0 and
 * write every file it names (-o, --plot, --plot-r-t, --spice, --maps); an `ngspice -b X.cir` line must run its
 * analysis to the end: ngspice exits 0 after a "Timestep too small" abort, so its log and the last time in the
 * data file are checked instead.  What a command prints (its summary) may cite only documents that exist
 * (tests/docref.h).  A line of a ```sh block that the test cannot run is a failure, not a skip;
 * deliberately failing examples (error messages) belong in plain ``` blocks. */
#include "tests/docref.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ctype.h>
#include <errno.h>

#define MAX_UNITS 128
#define MAX_CMDS 16

/* The commands that share one scratch folder, and where they were found. */
typedef struct {
    char where[300];        /* README.md:123, `cimsim mvm --help`, configs/mvm/circuit.cfg */
    char *cmd[MAX_CMDS];    /* as written (continuations kept) */
    size_t n;
    char problem[600];      /* a line the test cannot run, or a config without a "# Run:" line */
} unit;

/* ---- running ---------------------------------------------------------------------------------- */

/* `sh -c cmd` in dir with dir/bin first on PATH; stdout and stderr captured.  Exit status, -1 on a signal. */
static int run_sh(const char *dir, const char *cmd, char **out, char **err)
{
    char out_path[] = "/tmp/cimsim-out-XXXXXX", err_path[] = "/tmp/cimsim-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    pid_t pid = fork();
    if (pid == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/bin:%s", dir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
        setenv("PATH", path, 1);
        if (chdir(dir) != 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    close(fo);
    close(fe);
    *out = util_slurp(out_path, NULL);
    *err = util_slurp(err_path, NULL);
    unlink(out_path);
    unlink(err_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A scratch folder with configs/ and data/ copied from the repository, build/cimsim and bin/cimsim the built
 * program. */
static char *scratch(void)
{
    char *dir = util_tmpdir(), cmd[2048], path[600];
    snprintf(cmd, sizeof cmd, "cp -R '%s/configs' '%s/configs' && cp -R '%s/data' '%s/data'", CIM_SRC, dir, CIM_SRC,
             dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/build", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/bin", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/build/cimsim", dir);
    cr_assert_eq(symlink(CIM_BIN, path), 0, "%s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/bin/cimsim", dir);
    cr_assert_eq(symlink(CIM_BIN, path), 0, "%s: %s", path, strerror(errno));
    return dir;
}

static void remove_tree(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

static long file_size(const char *dir, const char *name)
{
    char path[1200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* ---- parsing ----------------------------------------------------------------------------------- */

/* The words of a command as the shell would split it here: continuations joined, a word starting with '#' ends
 * it, quotes dropped (no example quotes a file name).  Returns the count; words point into buf. */
static size_t words(const char *cmd, char *buf, size_t cap, char **w, size_t max)
{
    size_t m = 0, n = 0;
    for (const char *c = cmd; *c && m + 1 < cap; c++) {
        if (c[0] == '\\' && c[1] == '\n') {
            c++;
            buf[m++] = ' ';
        } else if (*c != '"' && *c != '\'')
            buf[m++] = *c == '\n' ? ' ' : *c;
    }
    buf[m] = '\0';
    for (char *tok = strtok(buf, " \t"); tok && n < max; tok = strtok(NULL, " \t")) {
        if (tok[0] == '#')
            break;
        if (tok[0] == '\\' && tok[1] == '\0')
            continue;
        w[n++] = tok;
    }
    return n;
}

static int is_cimsim(const char *word)
{
    return strcmp(word, "cimsim") == 0 || strcmp(word, "build/cimsim") == 0;
}

static void add_cmd(unit *u, const char *text, size_t len)
{
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    if (u->n < MAX_CMDS)
        u->cmd[u->n++] = strndup(text, len);
}

/* README.md: one unit per ```sh block that holds a command; `make` lines are the build, run elsewhere. */
static size_t readme_units(unit *u, size_t max)
{
    char *text = util_slurp(CIM_SRC "/README.md", NULL);
    cr_assert_not_null(text, "README.md unreadable");
    size_t n = 0, line = 1;
    int in_sh = 0, in_other = 0, in_library = 0;
    unit *cur = NULL;
    for (char *p = text; *p && n < max;) {
        char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        size_t first = line;
        /* A logical line: physical lines joined while they end in a backslash. */
        while (in_sh && len > 0 && p[len - 1] == '\\' && eol != NULL) {
            char *next = strchr(eol + 1, '\n');
            len = next ? (size_t)(next - p) : strlen(p);
            eol = next;
            line++;
        }
        const char *s = p;
        while (s < p + len && (*s == ' ' || *s == '\t'))
            s++;
        size_t slen = len - (size_t)(s - p);
        if (strncmp(s, "## ", 3) == 0) /* the library section's build commands are tests/lib_install.sh's to run */
            in_library = strncmp(s, "## Using the library", 20) == 0;
        if (!in_sh && !in_other && strncmp(s, "```", 3) == 0) {
            in_sh = strncmp(s, "```sh", 5) == 0 && slen == 5 && !in_library;
            in_other = !in_sh;
            if (in_sh) {
                cur = &u[n];
                memset(cur, 0, sizeof *cur);
                snprintf(cur->where, sizeof cur->where, "README.md:%zu", first);
            }
        } else if (strncmp(s, "```", 3) == 0) {
            if (in_sh && (cur->n > 0 || cur->problem[0]))
                n++;
            in_sh = in_other = 0;
        } else if (in_sh && slen > 0 && s[0] != '#') {
            char buf[4096], *w[64];
            char *one = strndup(s, slen);
            size_t nw = words(one, buf, sizeof buf, w, 64);
            if (nw > 0 && (is_cimsim(w[0]) || strcmp(w[0], "ngspice") == 0))
                add_cmd(cur, s, slen);
            else if (nw > 0 && strcmp(w[0], "make") != 0 && cur->problem[0] == '\0')
                snprintf(cur->problem, sizeof cur->problem,
                         "README.md:%zu: `%s` is in a ```sh block but is neither a cimsim, an ngspice nor a make "
                         "command, so no test runs it", first, one);
            free(one);
        }
        line++;
        p = eol ? eol + 1 : p + len;
    }
    free(text);
    return n;
}

/* The command names listed by `cimsim --help`, then each one's examples. */
static size_t help_units(unit *u, size_t max)
{
    char *out, *err, *dir = util_tmpdir();
    cr_assert_eq(run_sh(dir, CIM_BIN " --help", &out, &err), 0, "cimsim --help: %s", err);
    char names[32][64];
    size_t nn = 0;
    strcpy(names[nn++], "");  /* the top-level help itself */
    char *cmds = strstr(out, "\ncommands:\n");
    cr_assert_not_null(cmds, "cimsim --help lists no commands:\n%s", out);
    for (char *p = cmds + strlen("\ncommands:\n"); *p == ' ' && nn < 32;) {
        sscanf(p, " %63s", names[nn++]);
        p = strchr(p, '\n');
        if (p == NULL)
            break;
        p++;
    }
    free(out), free(err);
    size_t n = 0;
    for (size_t k = 0; k < nn && n < max; k++) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "%s %s --help", CIM_BIN, names[k]);
        cr_assert_eq(run_sh(dir, cmd, &out, &err), 0, "%s: %s", cmd, err);
        unit *cur = &u[n];
        memset(cur, 0, sizeof *cur);
        snprintf(cur->where, sizeof cur->where, "`cimsim %.60s%s--help`", names[k], names[k][0] ? " " : "");
        for (char *p = out; p && *p;) {
            char *eol = strchr(p, '\n');
            size_t len = eol ? (size_t)(eol - p) : strlen(p);
            if ((len == 8 && strncmp(p, "example:", 8) == 0) || (len == 9 && strncmp(p, "examples:", 9) == 0)) {
                /* Indented lines below the heading, up to the first line that is not. */
                for (p = eol ? eol + 1 : NULL; p && *p == ' ';) {
                    eol = strchr(p, '\n');
                    len = eol ? (size_t)(eol - p) : strlen(p);
                    const char *s = p;
                    while (*s == ' ')
                        s++;
                    add_cmd(cur, s, len - (size_t)(s - p));
                    p = eol ? eol + 1 : NULL;
                }
                continue;
            }
            p = eol ? eol + 1 : NULL;
        }
        if (cur->n > 0)
            n++;
        free(out), free(err);
    }
    rmdir(dir);
    free(dir);
    return n;
}

/* configs/ (recursively): one unit per .cfg, its "# Run:" line and the "#   cimsim ..." lines under it. */
static void config_walk(const char *rel, unit *u, size_t max, size_t *n)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%.600s", CIM_SRC, rel);
    DIR *d = opendir(path);
    cr_assert_not_null(d, "%s", path);
    char names[128][256];
    size_t nn = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && nn < 128;)
        if (e->d_name[0] != '.')
            snprintf(names[nn++], 256, "%s", e->d_name);
    closedir(d);
    qsort(names, nn, 256, (int (*)(const void *, const void *))strcmp);
    for (size_t k = 0; k < nn && *n < max; k++) {
        char sub[600];
        struct stat st;
        snprintf(sub, sizeof sub, "%.300s/%.250s", rel, names[k]);
        snprintf(path, sizeof path, "%s/%.600s", CIM_SRC, sub);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            config_walk(sub, u, max, n);
            continue;
        }
        size_t len = strlen(names[k]);
        if (len < 5 || strcmp(names[k] + len - 4, ".cfg") != 0)
            continue;
        unit *cur = &u[(*n)++];
        memset(cur, 0, sizeof *cur);
        snprintf(cur->where, sizeof cur->where, "%.290s", sub);
        char *text = util_slurp(path, NULL);
        cr_assert_not_null(text, "%s", path);
        char *run = strstr(text, "# Run:");
        if (run == NULL) {
            snprintf(cur->problem, sizeof cur->problem, "%.290s: no \"# Run:  cimsim ...\" line in the header", sub);
            free(text);
            continue;
        }
        for (char *p = run + strlen("# Run:"); p;) {
            char *eol = strchr(p, '\n');
            size_t l = eol ? (size_t)(eol - p) : strlen(p);
            while (l > 0 && *p == ' ')
                p++, l--;
            add_cmd(cur, p, l);
            /* Continued on the next line when that is "#" + spaces + a cimsim command. */
            p = eol ? eol + 1 : NULL;
            if (p == NULL || p[0] != '#' || p[1] != ' ')
                break;
            const char *s = p + 1;
            while (*s == ' ')
                s++;
            if (strncmp(s, "cimsim ", 7) != 0 && strncmp(s, "build/cimsim ", 13) != 0)
                break;
            p = (char *)s;
        }
        free(text);
    }
}

static void units_free(unit *u, size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < u[k].n; j++)
            free(u[k].cmd[j]);
}

static size_t all_units(unit *u)
{
    size_t n = readme_units(u, MAX_UNITS);
    n += help_units(u + n, MAX_UNITS - n);
    config_walk("configs", u, MAX_UNITS, &n);
    return n;
}

/* ---- checks ------------------------------------------------------------------------------------ */

/* A cimsim command ran: exit 0 and every file it names written and non-empty. */
static void check_cimsim(const unit *u, const char *cmd, const char *dir, int status, const char *out,
                         const char *err)
{
    cr_expect_eq(status, 0, "%s: `%s` exited %d:\n%s", u->where, cmd, status, err);
    char msg[1024], where[600];
    snprintf(where, sizeof where, "the output of `%.500s`", cmd);
    cr_expect_eq(docref_check(out, where, msg, sizeof msg), 0, "%s: %s", u->where, msg);
    cr_expect_eq(docref_check(err, where, msg, sizeof msg), 0, "%s: %s", u->where, msg);
    if (status != 0)
        return;
    char buf[4096], *w[64];
    size_t nw = words(cmd, buf, sizeof buf, w, 64);
    int to_stdout = 1;
    /* --plot of cimsim sweep is a prefix (PREFIX_<metric>.png), as --maps is */
    int plot_prefix = nw > 1 && !strcmp(w[1], "sweep");
    for (size_t k = 1; k + 1 < nw; k++) {
        const char *opt = w[k], *f = w[k + 1];
        if (!strcmp(opt, "-o") || !strcmp(opt, "--output") || (!strcmp(opt, "--plot") && !plot_prefix) ||
            !strcmp(opt, "--plot-r-t")) {
            to_stdout &= !(!strcmp(opt, "-o") || !strcmp(opt, "--output"));
            cr_expect_gt(file_size(dir, f), 0, "%s: `%s` did not write %s (or wrote it empty)", u->where, cmd, f);
        } else if (!strcmp(opt, "--spice")) {
            /* The weight level writes one netlist per tile, FILE_tile<k>.cir. */
            char tile[600];
            const char *dot = strrchr(f, '.');
            size_t stem = dot ? (size_t)(dot - f) : strlen(f);
            snprintf(tile, sizeof tile, "%.*s_tile0%s", (int)stem, f, dot ? dot : "");
            cr_expect(file_size(dir, f) > 0 || file_size(dir, tile) > 0, "%s: `%s` wrote neither %s nor %s",
                      u->where, cmd, f, tile);
        } else if (!strcmp(opt, "--maps") || !strcmp(opt, "--plot")) {
            char prefix[300];
            snprintf(prefix, sizeof prefix, "%s_", f);
            cr_expect_gt(util_count_prefix(dir, prefix), 0, "%s: `%s` wrote no %s* files", u->where, cmd, prefix);
            DIR *d = opendir(dir);
            for (struct dirent *e; d && (e = readdir(d)) != NULL;)
                if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
                    cr_expect_gt(file_size(dir, e->d_name), 0, "%s: `%s` wrote %s empty", u->where, cmd, e->d_name);
            if (d)
                closedir(d);
        }
    }
    if (to_stdout)
        cr_expect(out[0] != '\0', "%s: `%s` has no -o and printed nothing", u->where, cmd);
}

/* An `ngspice -b X.cir` line ran its transient to the .tran stop time. */
static void check_ngspice(const unit *u, const char *cmd, const char *dir, int status, const char *out,
                          const char *err)
{
    cr_expect_eq(status, 0, "%s: `%s` exited %d:\n%s%s", u->where, cmd, status, out, err);
    const char *bad[] = {"Timestep too small", "aborted", "doAnalyses: "};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const char *hit = strstr(out, bad[k]) ? strstr(out, bad[k]) : strstr(err, bad[k]);
        if (hit != NULL) {
            const char *bol = hit, *base = strstr(out, bad[k]) ? out : err;
            while (bol > base && bol[-1] != '\n')
                bol--;
            const char *eol = strchr(hit, '\n');
            cr_expect_fail("%s: `%s` aborted: ngspice says \"%.*s\"", u->where, cmd,
                           (int)(eol ? eol - bol : (long)strlen(bol)), bol);
            return;
        }
    }
    /* The netlist's .tran stop time and wrdata file: the data must reach the stop time. */
    char buf[4096], *w[64], path[1200];
    size_t nw = words(cmd, buf, sizeof buf, w, 64);
    const char *cir = NULL;
    for (size_t k = 1; k < nw; k++)
        if (strlen(w[k]) > 4 && strcmp(w[k] + strlen(w[k]) - 4, ".cir") == 0)
            cir = w[k];
    cr_assert_not_null(cir, "%s: `%s` names no .cir netlist", u->where, cmd);
    snprintf(path, sizeof path, "%s/%s", dir, cir);
    char *net = util_slurp(path, NULL);
    cr_assert_not_null(net, "%s: %s not found", u->where, path);
    double t_step, t_stop = -1;
    char data[256] = "";
    for (char *p = net; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, ".tran ", 6) == 0)
            sscanf(p + 6, "%lf %lf", &t_step, &t_stop);
        else if (strncmp(p, "wrdata ", 7) == 0)
            sscanf(p + 7, "%255s", data);
    }
    free(net);
    if (t_stop <= 0 || data[0] == '\0')
        return; /* an operating-point netlist (the crossbar's): the log check above is all there is */
    snprintf(path, sizeof path, "%s/%s", dir, data);
    char *rows = util_slurp(path, NULL);
    cr_assert(rows && rows[0], "%s: `%s` wrote no data to %s", u->where, cmd, data);
    size_t len = strlen(rows);
    while (len > 0 && isspace((unsigned char)rows[len - 1]))
        rows[--len] = '\0';
    char *last = strrchr(rows, '\n');
    double t_last = strtod(last ? last + 1 : rows, NULL);
    cr_expect_geq(t_last, t_stop * (1 - 1e-9), "%s: `%s` stopped at t = %g s of %g s (%s cut short)", u->where, cmd,
                  t_last, t_stop, data);
    free(rows);
}

/* ---- the tests --------------------------------------------------------------------------------- */

ParameterizedTestParameters(readme, every_example_command_runs_as_written)
{
    static unit u[MAX_UNITS];
    static size_t ids[MAX_UNITS];
    size_t n = all_units(u);
    for (size_t i = 0; i < n; i++)
        ids[i] = i;
    units_free(u, n);
    return cr_make_param_array(size_t, ids, n);
}

ParameterizedTest(size_t *index, readme, every_example_command_runs_as_written, .timeout = 120)
{
    static unit u[MAX_UNITS];
    size_t n = all_units(u);
    cr_assert_lt(*index, n);
    const unit *cur = &u[*index];
    cr_expect_str_empty(cur->problem, "%s", cur->problem);
    char *dir = scratch();
    for (size_t k = 0; k < cur->n; k++) {
        char *out, *err, buf[4096], *w[64];
        int status = run_sh(dir, cur->cmd[k], &out, &err);
        if (words(cur->cmd[k], buf, sizeof buf, w, 64) > 0 && strcmp(w[0], "ngspice") == 0)
            check_ngspice(cur, cur->cmd[k], dir, status, out, err);
        else
            check_cimsim(cur, cur->cmd[k], dir, status, out, err);
        free(out), free(err);
    }
    remove_tree(dir);
    free(dir);
    units_free(u, n);
}

/* The collection itself: the README's blocks, the help examples and the configs are all found, so a change of
 * format that hides them from the test above fails here instead of passing with nothing run. */
Test(readme, the_examples_are_found)
{
    static unit u[MAX_UNITS];
    size_t readme = readme_units(u, MAX_UNITS), help, cfg = 0;
    units_free(u, readme);
    help = help_units(u, MAX_UNITS);
    units_free(u, help);
    config_walk("configs", u, MAX_UNITS, &cfg);
    units_free(u, cfg);
    cr_expect_geq(readme, 6, "%zu ```sh blocks with commands in README.md", readme);
    cr_expect_geq(help, 3, "%zu --help texts with examples", help);
    cr_expect_geq(cfg, 26, "%zu configs", cfg);
    size_t cmds = 0, spice = 0, continued = 0;
    readme = readme_units(u, MAX_UNITS);
    for (size_t k = 0; k < readme; k++)
        for (size_t j = 0; j < u[k].n; j++) {
            cmds++;
            spice += strncmp(u[k].cmd[j], "ngspice ", 8) == 0;
            /* A continuation is kept as written (the shell sees the text a reader copies), whole. */
            continued += strstr(u[k].cmd[j], "\\\n") != NULL && strstr(u[k].cmd[j], "-o I.csv") != NULL;
        }
    cr_expect_geq(cmds, 10, "%zu README commands", cmds);
    cr_expect_geq(spice, 1, "the README's ngspice line is found");
    cr_expect_geq(continued, 1, "a command continued over lines is read whole");
    units_free(u, readme);
}

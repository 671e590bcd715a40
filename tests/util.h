/* tests/util.h -- helpers shared by the test suites (header-only: each suite is one program). */
#ifndef CIM_TESTS_UTIL_H
#define CIM_TESTS_UTIL_H

#include <dirent.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Largest |a - b| relative to the largest |b| (how far two solutions' currents are apart). */
static inline double util_max_rel(const double *a, const double *b, size_t n)
{
    double m = 0, s = 0;
    for (size_t k = 0; k < n; k++)
        s = fmax(s, fabs(b[k]));
    for (size_t k = 0; k < n; k++)
        m = fmax(m, fabs(a[k] - b[k]) / s);
    return m;
}

/* n values uniform in [lo, hi) from a mt19937 seeded with seed (caller frees). */
static inline double *util_random_vec(size_t n, double lo, double hi, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double *v = malloc(n * sizeof *v);
    for (size_t k = 0; k < n; k++)
        v[k] = lo + (hi - lo) * gsl_rng_uniform(r);
    gsl_rng_free(r);
    return v;
}

/* Whole file as a NUL-terminated string (NULL if unreadable); *len gets its size. */
static inline char *util_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, fp);
    fclose(fp);
    s[got] = '\0';
    if (len)
        *len = got;
    return s;
}

static inline void util_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    fputs(text, fp);
    fclose(fp);
}

/* A fresh empty folder under /tmp; caller frees the path. */
static inline char *util_tmpdir(void)
{
    char *d = strdup("/tmp/cimsim-test-XXXXXX");
    return mkdtemp(d);
}

/* Runs `cimsim ARGS` (ARGS split on spaces, as the shell would without quotes) in folder dir,
 * capturing stdout and stderr.  Returns the exit status, or -1 if it died from a signal. */
static inline int util_run_cli(const char *dir, const char *args, char **out, char **err)
{
    char out_path[] = "/tmp/cimsim-out-XXXXXX", err_path[] = "/tmp/cimsim-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    char *copy = strdup(args);
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)CIM_BIN;
    for (char *tok = strtok(copy, " \n"); tok && argc < 63; tok = strtok(NULL, " \n"))
        argv[argc++] = tok;
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        if (dir && chdir(dir) != 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(CIM_BIN, argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    close(fo);
    close(fe);
    free(copy);
    if (out)
        *out = util_slurp(out_path, NULL);
    if (err)
        *err = util_slurp(err_path, NULL);
    unlink(out_path);
    unlink(err_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Number of entries in dir whose name starts with prefix. */
static inline int util_count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

#endif

/* core/afile.c -- see afile.h. */

#include "core/afile.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The deferred renames of the current run (afile_defer_begin): temporary and destination, in order. */
static struct {
    int on;
    size_t n, cap;
    char **tmp, **dest;
} defer;

void afile_defer_begin(void)
{
    defer.on = 1;
}

int afile_defer_end(int keep)
{
    int status = CIM_OK;
    for (size_t k = 0; k < defer.n; k++) {
        if (keep && status == CIM_OK && rename(defer.tmp[k], defer.dest[k]) != 0)
            status = cim_error(CIM_EIO, "cannot write %s: %s", defer.dest[k], strerror(errno));
        if (!keep || status != CIM_OK)
            unlink(defer.tmp[k]);
        free(defer.tmp[k]);
        free(defer.dest[k]);
    }
    free(defer.tmp);
    free(defer.dest);
    defer.tmp = defer.dest = NULL;
    defer.n = defer.cap = 0;
    defer.on = 0;
    return status;
}

int afile_open(afile *f, const char *path)
{
    f->fp = NULL;
    f->path = xstrdup(path);
    f->tmp_path = NULL;
    if (strcmp(path, "-") == 0) {
        f->fp = stdout;
        return CIM_OK;
    }
    /* Same folder as the destination, so rename() is atomic (never crosses file systems). */
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = path + dir_len;
    size_t n = strlen(path) + 32;
    f->tmp_path = xmalloc(n);
    snprintf(f->tmp_path, n, "%.*s.%s.tmp.XXXXXX", (int)dir_len, path, base);
    int fd = mkstemp(f->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(f->tmp_path);
        f->tmp_path = NULL;
        free(f->path);
        f->path = NULL;
        return cim_error(CIM_EIO, "cannot write %s: %s", path, strerror(e));
    }
    /* mkstemp creates mode 0600; give the result the permissions a plain fopen() would. */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    f->fp = fdopen(fd, "w");
    if (f->fp == NULL) {
        int e = errno;
        close(fd);
        unlink(f->tmp_path);
        free(f->tmp_path);
        f->tmp_path = NULL;
        free(f->path);
        f->path = NULL;
        return cim_error(CIM_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return CIM_OK;
}

int afile_commit(afile *f)
{
    int status = CIM_OK;
    if (f->fp == NULL)
        return cim_error(CIM_EIO, "cannot write %s: file not open", f->path ? f->path : "?");
    if (f->tmp_path == NULL) { /* stdout */
        if (fflush(f->fp) != 0 || ferror(f->fp))
            status = cim_error(CIM_EIO, "cannot write to standard output: %s", strerror(errno));
        f->fp = NULL;
        afile_abort(f);
        return status;
    }
    int e = 0;
    if (fflush(f->fp) != 0 || ferror(f->fp))
        e = errno ? errno : EIO;
    if (e == 0 && fsync(fileno(f->fp)) != 0)
        e = errno;
    if (fclose(f->fp) != 0 && e == 0)
        e = errno;
    f->fp = NULL;
    if (e == 0 && defer.on) { /* renamed by afile_defer_end */
        if (defer.n == defer.cap) {
            void *t = defer.tmp, *d = defer.dest;
            size_t cap = defer.cap;
            xgrow(&t, &cap, defer.n + 1, sizeof *defer.tmp);
            xgrow(&d, &defer.cap, defer.n + 1, sizeof *defer.dest);
            defer.tmp = t;
            defer.dest = d;
        }
        defer.tmp[defer.n] = f->tmp_path;
        defer.dest[defer.n++] = xstrdup(f->path);
        f->tmp_path = NULL;
        afile_abort(f);
        return CIM_OK;
    }
    if (e == 0 && rename(f->tmp_path, f->path) != 0)
        e = errno;
    if (e != 0) {
        unlink(f->tmp_path);
        status = cim_error(CIM_EIO, "cannot write %s: %s", f->path, strerror(e));
    }
    free(f->tmp_path);
    f->tmp_path = NULL;
    afile_abort(f);
    return status;
}

void afile_abort(afile *f)
{
    if (f->fp != NULL && f->fp != stdout)
        fclose(f->fp);
    f->fp = NULL;
    if (f->tmp_path != NULL) {
        unlink(f->tmp_path);
        free(f->tmp_path);
        f->tmp_path = NULL;
    }
    free(f->path);
    f->path = NULL;
}

int afile_write_all(const char *path, const char *data, size_t n)
{
    afile f;
    int status = afile_open(&f, path);
    if (status != CIM_OK)
        return status;
    if (fwrite(data, 1, n, f.fp) != n) {
        afile_abort(&f);
        return cim_error(CIM_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    return afile_commit(&f);
}

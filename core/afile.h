/* core/afile.h -- atomic output files.
 *
 * An output is written to a temporary file in the destination's folder and renamed over the
 * destination only when complete (afile_commit), so a failed or interrupted run never leaves a
 * half-written result, and an existing result is replaced in one step.  The path "-" means
 * standard output, written directly.
 */
#ifndef CIM_AFILE_H
#define CIM_AFILE_H

#include <stdio.h>

typedef struct afile {
    FILE *fp;        /* write here between open and commit/abort */
    char *path;      /* destination path ("-" for stdout) */
    char *tmp_path;  /* temporary file, NULL for stdout */
} afile;

/* Creates the temporary file.  CIM_EIO with a message naming the path if the folder is missing
 * or not writable. */
int afile_open(afile *f, const char *path);

/* Flushes, syncs, closes and renames into place.  On any failure the temporary is removed and
 * CIM_EIO returned; the destination is untouched. */
int afile_commit(afile *f);

/* Discards the temporary file (safe after a failed open or after commit). */
void afile_abort(afile *f);

/* Writes a whole buffer to path atomically. */
int afile_write_all(const char *path, const char *data, size_t n);

/* One run's outputs as a whole (the program's, not the library's: one set per process, not thread-safe).
 * Between afile_defer_begin and afile_defer_end, afile_commit syncs and closes each temporary but does not
 * rename it; afile_defer_end(1) renames them all into place, afile_defer_end(0) removes them all, so a run
 * that fails after writing some of its outputs leaves none behind and every earlier file untouched.
 * Without afile_defer_begin, afile_commit renames at once.  afile_defer_end returns CIM_EIO if a rename
 * fails (the temporaries not yet renamed are then removed). */
void afile_defer_begin(void);
int afile_defer_end(int keep);

#endif

/* core/status.h -- status codes and the one error function.
 *
 * Contract: every library function that can meet bad input returns an int status, 0 = success, and
 * describes the problem through cim_error(), which formats the message into a per-thread buffer and
 * returns the status it was given.  The library never prints, exits or aborts on bad input; the
 * CLI reads the message with cim_errmsg() and prints it.  Out of memory is the one exception: the
 * allocation helpers in core/xalloc.h abort, so callers never check malloc (Redis's zmalloc rule).
 */
#ifndef CIM_STATUS_H
#define CIM_STATUS_H

enum cim_status {
    CIM_OK = 0,      /* success */
    CIM_EINVAL = 1,  /* a value is invalid (negative conductance, dimension mismatch, ...) */
    CIM_ECONFIG = 2, /* a configuration file or --set override is malformed or out of range */
    CIM_EIO = 3,     /* a file could not be read or written, or its content is malformed */
    CIM_EUSAGE = 4,  /* the command line is malformed */
    CIM_ESIM = 5     /* the simulation failed (e.g. a solver did not converge) */
};

/* Records a formatted message for the calling thread and returns status unchanged, so a caller
 * writes `return cim_error(CIM_EINVAL, "...", ...)`.  One function, so one breakpoint catches every
 * reported error (gsl_error does the same). */
int cim_error(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prefixes the current message with a formatted context ("G.csv: " + message) and returns status. */
int cim_error_prefix(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The last message recorded by this thread ("" if none). Valid until the next cim_error call. */
const char *cim_errmsg(void);

/* Forgets the last message. */
void cim_error_clear(void);

/* The process exit code for a status: 0 success, 1 simulation failure, 2 bad input or usage. */
int cim_exit_code(int status);

/* A short name for a status ("invalid value", "config error", ...). */
const char *cim_strstatus(int status);

/* Turns GSL's abort-on-error handler off, once per process (GSL's handler is a global: setting it from every
 * call, on several threads, was a data race).  Every library path that calls GSL calls this first: GSL must
 * report through its return codes, never abort. */
void cim_gsl_errors_off(void);

#endif

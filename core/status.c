/* core/status.c -- the error message buffer behind cim_error(). */
#include "core/status.h"

#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One buffer per thread: sweeps run experiments on several threads, each reporting its own error. */
static _Thread_local char errbuf[4096];

int cim_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
    return status;
}

int cim_error_prefix(int status, const char *fmt, ...)
{
    char prefix[1024], old[sizeof errbuf];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, errbuf, sizeof old);
    if (snprintf(errbuf, sizeof errbuf, "%s%s", prefix, old) >= (int)sizeof errbuf)
        errbuf[sizeof errbuf - 1] = '\0'; /* an over-long message is cut, never overflows */
    return status;
}

const char *cim_errmsg(void) { return errbuf; }

void cim_error_clear(void) { errbuf[0] = '\0'; }

int cim_exit_code(int status)
{
    if (status == CIM_OK)
        return 0;
    if (status == CIM_ESIM)
        return 1;
    return 2;
}

const char *cim_strstatus(int status)
{
    switch (status) {
    case CIM_OK: return "success";
    case CIM_EINVAL: return "invalid value";
    case CIM_ECONFIG: return "configuration error";
    case CIM_EIO: return "input/output error";
    case CIM_EUSAGE: return "usage error";
    case CIM_ESIM: return "simulation failure";
    default: return "unknown status";
    }
}

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;
static void gsl_off(void) { gsl_set_error_handler_off(); }
void cim_gsl_errors_off(void) { pthread_once(&gsl_once, gsl_off); }

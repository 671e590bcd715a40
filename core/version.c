/* core/version.c -- see version.h. */
#include "core/version.h"

#include <stdio.h>

#ifndef CIM_GIT_REV
#define CIM_GIT_REV "unknown"
#endif

/* Provided by OpenBLAS, which the Makefile links as the CBLAS behind GSL. */
extern char *openblas_get_config(void);

const char *cim_version(void) { return CIM_VERSION " (git " CIM_GIT_REV ")"; }

const char *cim_blas_info(void) { return openblas_get_config(); }

/* core/version.h -- what made an output: recorded in every result file. */
#ifndef CIM_VERSION_H
#define CIM_VERSION_H

#define CIM_VERSION "0.1.0"

/* "0.1.0 (git 1a2b3c4)": the release and the source revision the build came from (the Makefile
 * passes `git describe --always --dirty`; "unknown" outside a git checkout). */
const char *cim_version(void);

/* One line naming the BLAS actually linked ("OpenBLAS 0.3.21 ..."), for --version and provenance. */
const char *cim_blas_info(void);

#endif

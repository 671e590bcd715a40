/* core/prov.h -- provenance: what every output records so its result can be reproduced.
 *
 * A CSV output opens with '#' comment lines, and a JSON output carries a "provenance" object,
 * holding: the cimsim version and git revision, the command line, the run seed, each input file
 * with its FNV-1a fingerprint, and the fully resolved configuration (defaults filled in, --set
 * applied).  The comment block of a CSV, with its leading "# " removed from the configuration
 * lines, is a config file that reproduces the run.
 *
 * JSON goes through libjansson (Debian libjansson-dev) rather than a hand-written emitter: it gets
 * string escaping and UTF-8 right, prints reals with 17 significant digits (JSON_REAL_PRECISION)
 * so they read back exactly, keeps key order, and its parser lets the tests read our output back.
 */
#ifndef CIM_PROV_H
#define CIM_PROV_H

#include "core/cfg.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <stdint.h>

#define PROV_MAX_INPUTS 8

typedef struct prov_input {
    const char *role;  /* "conductances", "voltages" */
    const char *path;  /* as given on the command line */
    uint64_t fnv1a64;  /* fingerprint of the file's bytes */
} prov_input;

typedef struct prov {
    const char *command;    /* experiment name ("mvm") */
    const char *invocation; /* the command line as typed */
    long long seed;         /* run.seed after --seed */
    const cfg *config;      /* resolved configuration, borrowed */
    size_t n_inputs;
    prov_input inputs[PROV_MAX_INPUTS];
} prov;

void prov_init(prov *p, const char *command, const char *invocation, const cfg *config, long long seed);
void prov_add_input(prov *p, const char *role, const char *path, uint64_t fnv1a64);

/* Appends the '#' comment block for a CSV output. */
void prov_csv_comment(const prov *p, strbuf *out);

/* The provenance object for a JSON output (new reference). */
json_t *prov_json(const prov *p);

#endif

/* core/cfg.h -- loading a configuration against parameter tables.
 *
 * Lifetime (libconfig's caller-owned style): cfg_init; cfg_bind each group the command reads to the
 * struct it fills; cfg_read_file (or cfg_read_string); cfg_set for each --set override; cfg_resolve;
 * read the structs; cfg_destroy (safe after any failure).
 *
 * cfg_resolve rejects, with FILE:LINE (or the --set text) and the key in every message:
 *  - keys and groups that no bound table declares, suggesting the nearest known key;
 *  - values of the wrong type (integers do load into real parameters: auto-convert is on);
 *  - values outside the declared range, stating the range and unit;
 *  - violations of a group's cross-field check, as "FILE:LINE: group.key: message" where key is the key
 *    the check's message is about (param_group.check names its keys): the first key it mentions that the
 *    file or a --set gave ("--set group.key=VALUE: group.key: message" for an override).
 * Keys not in the file take their declared defaults.
 */
#ifndef CIM_CFG_H
#define CIM_CFG_H

#include "core/param.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <libconfig.h>

#define CFG_MAX_GROUPS 256

typedef struct cfg {
    config_t lc;                                /* libconfig tree: the file plus --set overrides */
    char *file;                                 /* config file name as given (used in messages) */
    char *include_prefix;                       /* folder of file with a trailing '/', or "" */
    size_t n_groups;                            /* bound groups */
    const param_group *groups[CFG_MAX_GROUPS];  /* tables, in bind order */
    void *values[CFG_MAX_GROUPS];               /* caller's structs, filled by cfg_resolve */
    unsigned char *is_set[CFG_MAX_GROUPS];      /* per key: 1 if the file or a --set gave it */
    char **sets;                                /* --set assignments as given, for messages */
    size_t n_sets, cap_sets;
} cfg;

void cfg_init(cfg *c);
void cfg_destroy(cfg *c);

/* Declares that group g is read into values (g->size bytes, caller-owned, must outlive c). */
void cfg_bind(cfg *c, const param_group *g, void *values);

/* Parses a libconfig file.  @include paths are relative to the file's folder.  CIM_ECONFIG with
 * "FILE:LINE: libconfig's message" on a syntax error, CIM_EIO if the file cannot be read. */
int cfg_read_file(cfg *c, const char *path);

/* Parses text as if read from a file called name (tests, sweeps). */
int cfg_read_string(cfg *c, const char *name, const char *text);

/* Applies one override "key.path=value": the key must be bound, the value must parse as the key's
 * type.  Range and cross-field checks happen in cfg_resolve like for file values. */
int cfg_set(cfg *c, const char *assignment);

/* The string at path in the tree as read so far (file plus --set), or NULL if absent or not a
 * string.  For settings that decide which further groups to bind (device.model). */
const char *cfg_peek_string(const cfg *c, const char *path);

/* 1 if a bound table declares the key of assignment "key.path=value" (or of a bare path). */
int cfg_knows(const cfg *c, const char *assignment);

/* The table entry of the bound key at path ("crossbar.rows"), or NULL: its kind, unit and range. */
const param_spec *cfg_find_spec(const cfg *c, const char *path);

/* 1 if the tree has a setting (group or value) at path. */
int cfg_has(const cfg *c, const char *path);

/* Validates the tree and fills every bound struct (defaults where absent). */
int cfg_resolve(cfg *c);

/* For a configuration error found after cfg_resolve, by code that checks keys of several groups together
 * (cim_errmsg() names them by full path: "stimulus.kind: ..."): prefixes the message with where the first
 * key it names that the file or a --set gave was set ("FILE:LINE: " or "--set KEY=VALUE: "), or with the
 * file name if it names none.  Returns status. */
int cfg_locate_error(const cfg *c, int status);

/* 1 if the resolved value of path came from the file or a --set, 0 if it is the default. */
int cfg_is_set(const cfg *c, const char *path);

/* Appends the resolved configuration in libconfig syntax, every key with its unit, range and doc
 * in a comment.  Reading the dump back gives the same values. */
void cfg_dump(const cfg *c, strbuf *out);

/* The resolved configuration as a JSON object nested like the groups (new reference). */
json_t *cfg_to_json(const cfg *c);

/* The nearest known key or group to path by edit distance, or NULL if none is close. */
const char *cfg_suggest(const cfg *c, const char *path);

#endif

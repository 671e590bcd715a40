/* core/param.h -- parameter tables: every configuration key cimsim reads is declared once here-style.
 *
 * A module describes the struct its settings fill with a NULL-terminated table of param_spec
 * (docs/design.md#core): key (spelled exactly like the struct field), kind, offset, range, default, SI unit and
 * a one-line doc.  A param_group gives the table a path in the configuration ("crossbar",
 * "device.vteam") and an optional cross-field check.  The same table drives loading, range
 * checking, --set overrides, the resolved-config dump, JSON provenance and `cimsim config --docs`,
 * and later the sweep engine; nothing else may read a configuration value.
 *
 * Storage by kind: PARAM_REAL -> double, PARAM_INT -> long long, PARAM_BOOL -> int (0/1),
 * PARAM_CHOICE -> int (index into choices), PARAM_STRING -> param_string (NUL-terminated),
 * PARAM_REALS -> param_reals (1 to PARAM_REALS_MAX reals, each in [min, max]; written `[1.0, 60.0]` or
 * `(1, 60)` in a file, `key=[1,60]` with --set; its default is def_str in that syntax).
 */
#ifndef CIM_PARAM_H
#define CIM_PARAM_H

#include "core/strbuf.h"

#include <stddef.h>

typedef enum param_kind { PARAM_REAL, PARAM_INT, PARAM_BOOL, PARAM_CHOICE, PARAM_STRING, PARAM_REALS } param_kind;

#define PARAM_STRING_MAX 256
typedef char param_string[PARAM_STRING_MAX];

#define PARAM_REALS_MAX 64
typedef struct param_reals {
    size_t n;                  /* entries given, 1..PARAM_REALS_MAX once loaded */
    double v[PARAM_REALS_MAX]; /* the values, v[0..n) */
} param_reals;

typedef struct param_spec {
    const char *key;             /* last path component; NULL ends a table */
    param_kind kind;             /* storage type and config syntax */
    size_t offset;               /* offsetof the field in the group's struct */
    double min, max;             /* inclusive range (REAL, INT) */
    double def;                  /* default (REAL, INT, BOOL; index for CHOICE) */
    const char *def_str;         /* default for STRING; for REALS the list in config syntax ("[1.0, 60.0]") */
    const char *const *choices;  /* CHOICE: NULL-terminated list of accepted names */
    const char *unit;            /* SI unit ("S", "V", "ohm", "s", "1" for dimensionless ratios); "" if none */
    const char *doc;             /* one line: what it is and, where it matters, where the default comes from */
} param_spec;

/* Declaration helpers: the key is the field name, so `grep g_max_S` finds config, table and uses. */
#define PARAM_REAL_F(type, field, lo, hi, dflt, unit, doc) \
    {#field, PARAM_REAL, offsetof(type, field), (lo), (hi), (dflt), NULL, NULL, (unit), (doc)}
#define PARAM_INT_F(type, field, lo, hi, dflt, doc) \
    {#field, PARAM_INT, offsetof(type, field), (lo), (hi), (dflt), NULL, NULL, "", (doc)}
#define PARAM_BOOL_F(type, field, dflt, doc) \
    {#field, PARAM_BOOL, offsetof(type, field), 0, 1, (dflt), NULL, NULL, "", (doc)}
#define PARAM_CHOICE_F(type, field, names, dflt_index, doc) \
    {#field, PARAM_CHOICE, offsetof(type, field), 0, 0, (dflt_index), NULL, (names), "", (doc)}
#define PARAM_STRING_F(type, field, dflt, doc) \
    {#field, PARAM_STRING, offsetof(type, field), 0, 0, 0, (dflt), NULL, "", (doc)}
#define PARAM_REALS_F(type, field, lo, hi, dflt_list, unit, doc) \
    {#field, PARAM_REALS, offsetof(type, field), (lo), (hi), 0, (dflt_list), NULL, (unit), (doc)}
#define PARAM_END {NULL, PARAM_REAL, 0, 0, 0, 0, NULL, NULL, NULL, NULL}

/* Largest integer a double holds exactly: the widest range an INT parameter may declare. */
#define PARAM_INT_LIMIT 9007199254740992.0

typedef struct param_group {
    const char *path;          /* dotted path of the group in the config ("crossbar", "device.vteam") */
    const char *doc;           /* one or two sentences for the reference */
    const param_spec *params;  /* the table, ended by PARAM_END */
    size_t size;               /* sizeof the struct the offsets index */
    /* Optional cross-field rules, run after every value is loaded and range checked.  Returns
     * CIM_OK or reports through cim_error() naming the keys involved ("g_min_S (2e-05) must not
     * exceed g_max_S (1e-05)"); the loader adds the file, the line and the full path of the first key the
     * message names that the file or a --set gave ("cfg.cfg:4: mvm.g_min_S: "), so name the key at fault
     * first, by its bare name, and put values in double quotes (quoted words are never taken for keys). */
    int (*check)(const void *values);
    /* 1: a group of many optional ones (variability.d2d.<param>): the dump, the JSON provenance and the
     * reference include it only when the configuration sets one of its keys. */
    int quiet;
    /* Keys this group once had and where they went, as pairs {"old_key", "new.path"}, NULL-terminated (may be
     * NULL): an old key is refused like any unknown one, its message naming where it moved. */
    const char *const *moved;
} param_group;

/* ---- using tables ---------------------------------------------------------------------------- */

/* Writes every default of g into values (which must be g->size bytes). */
void param_defaults(const param_group *g, void *values);

/* The spec for key in g, or NULL. */
const param_spec *param_find(const param_group *g, const char *key);

/* Index of name in a CHOICE spec, or -1. */
int param_choice_index(const param_spec *p, const char *name);

/* Parses a list of reals as written in a config or --set: "[1, 60.5, 3.6e3]", "(1, 2)", "1, 2" or a single
 * number.  Returns 0, or -1 if text is not such a list or has more than PARAM_REALS_MAX entries (out is
 * then unspecified).  Ranges are not checked here. */
int param_parse_reals(const char *text, param_reals *out);

/* "a real number", "an integer", "true or false", "one of \"csv\", \"json\"", "a string". */
void param_expected(const param_spec *p, strbuf *out);

/* The value of p in values, in libconfig syntax (64, 1e-06, true, "csv"). */
void param_format_value(const param_spec *p, const void *values, strbuf *out);

/* The default of p in libconfig syntax. */
void param_format_default(const param_spec *p, strbuf *out);

/* Shortest decimal form of x that reads back to the same double, always with '.', 'e' or both
 * so that libconfig reads it as a float. */
void param_format_real(double x, strbuf *out);

/* A Markdown section documenting group g: path, doc, and a table of its keys. */
void param_doc_group(const param_group *g, strbuf *out);

#endif

/* core/cfg.c -- see cfg.h.  The only code that calls libconfig; it converts libconfig's 1-for-success
 * convention to our 0 = CIM_OK at the boundary. */
#include "core/cfg.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PATH_MAX_LEN 512

/* ---- lifetime ---------------------------------------------------------------------------------- */

void cfg_init(cfg *c)
{
    memset(c, 0, sizeof *c);
    config_init(&c->lc);
    config_set_auto_convert(&c->lc, CONFIG_TRUE); /* so `g_max_S = 1;` loads into a double */
    c->file = xstrdup("<none>");
    c->include_prefix = xstrdup("");
}

void cfg_destroy(cfg *c)
{
    config_destroy(&c->lc);
    free(c->file);
    free(c->include_prefix);
    for (size_t i = 0; i < c->n_groups; i++)
        free(c->is_set[i]);
    for (size_t i = 0; i < c->n_sets; i++)
        free(c->sets[i]);
    free(c->sets);
    memset(c, 0, sizeof *c);
}

void cfg_bind(cfg *c, const param_group *g, void *values)
{
    assert(c->n_groups < CFG_MAX_GROUPS);
    size_t n = 0;
    while (g->params[n].key != NULL)
        n++;
    c->groups[c->n_groups] = g;
    c->values[c->n_groups] = values;
    c->is_set[c->n_groups] = xcalloc(n ? n : 1, 1);
    param_defaults(g, values);
    c->n_groups++;
}

/* ---- lookup ------------------------------------------------------------------------------------ */

/* Paths come from libconfig names and our tables: longer than PATH_MAX_LEN is cut (never overflows). */
static void join(char *out, const char *prefix, const char *name)
{
    if (snprintf(out, PATH_MAX_LEN, "%s%s%s", prefix, prefix[0] ? "." : "", name) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = '\0';
}

/* Finds the bound spec for a full dotted path. */
static const param_spec *find_key(const cfg *c, const char *path, size_t *group_index)
{
    for (size_t i = 0; i < c->n_groups; i++) {
        const char *gp = c->groups[i]->path;
        size_t n = strlen(gp);
        const char *key;
        if (n == 0)
            key = path;
        else if (strncmp(path, gp, n) == 0 && path[n] == '.')
            key = path + n + 1;
        else
            continue;
        const param_spec *p = param_find(c->groups[i], key);
        if (p != NULL) {
            if (group_index)
                *group_index = i;
            return p;
        }
    }
    return NULL;
}

const param_spec *cfg_find_spec(const cfg *c, const char *path) { return find_key(c, path, NULL); }

/* True if path names a bound group or a folder above one ("device" above "device.vteam"). */
static int is_group_path(const cfg *c, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < c->n_groups; i++) {
        const char *gp = c->groups[i]->path;
        if (strncmp(gp, path, n) == 0 && (gp[n] == '\0' || gp[n] == '.'))
            return 1;
    }
    return 0;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    size_t *row = xmalloc((nb + 1) * sizeof *row);
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[nb];
    free(row);
    return d;
}

static const char *last_component(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

static void consider(const char *path, const char *cand, size_t *best_d, char *best)
{
    size_t d = edit_distance(path, cand);
    /* The right key in the wrong group ("rows" for "crossbar.rows") is a close match. */
    if (d > 1 && strcasecmp(last_component(path), last_component(cand)) == 0)
        d = 1;
    if (d < *best_d) {
        *best_d = d;
        snprintf(best, PATH_MAX_LEN, "%s", cand);
    }
}

const char *cfg_suggest(const cfg *c, const char *path)
{
    static _Thread_local char best[PATH_MAX_LEN];
    size_t best_d = (size_t)-1;
    char cand[PATH_MAX_LEN];
    /* A key that moved to another group: its new path, not the nearest spelling. */
    for (size_t i = 0; i < c->n_groups; i++) {
        const param_group *g = c->groups[i];
        for (const char *const *m = g->moved; m != NULL && m[0] != NULL; m += 2) {
            join(cand, g->path, m[0]);
            if (strcmp(cand, path) == 0) {
                snprintf(best, sizeof best, "%s (it moved there)", m[1]);
                return best;
            }
        }
    }
    for (size_t i = 0; i < c->n_groups; i++) {
        const param_group *g = c->groups[i];
        for (const param_spec *p = g->params; p->key != NULL; p++) {
            join(cand, g->path, p->key);
            consider(path, cand, &best_d, best);
        }
        if (g->path[0] != '\0')
            consider(path, g->path, &best_d, best);
    }
    size_t limit = strlen(path) / 3;
    if (limit < 2)
        limit = 2;
    return best_d <= limit ? best : NULL;
}

/* ---- messages ---------------------------------------------------------------------------------- */

/* libconfig names an included file as written in @include; report it as a path a user can open. */
static void source_name(const cfg *c, const char *f, char *out, size_t n)
{
    if (f == NULL)
        snprintf(out, n, "%s", c->file);
    else if (strcmp(f, c->file) == 0 || f[0] == '/')
        snprintf(out, n, "%s", f);
    else
        snprintf(out, n, "%s%s", c->include_prefix, f);
}

/* "FILE:LINE" for a setting read from a file, "--set KEY=VALUE" for an override. */
static void where(const cfg *c, const config_setting_t *s, const char *path, char *out, size_t n)
{
    unsigned line = s ? config_setting_source_line(s) : 0;
    if (s != NULL && line > 0) {
        char name[PATH_MAX_LEN];
        source_name(c, config_setting_source_file(s), name, sizeof name);
        snprintf(out, n, "%s:%u", name, line);
        return;
    }
    size_t plen = strlen(path);
    for (size_t i = c->n_sets; i-- > 0;) {
        if (strncmp(c->sets[i], path, plen) == 0 && (c->sets[i][plen] == '=' || c->sets[i][plen] == ' ')) {
            snprintf(out, n, "--set %s", c->sets[i]);
            return;
        }
    }
    snprintf(out, n, "%s", c->file);
}

static void show_setting(const config_setting_t *s, strbuf *out)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: strbuf_printf(out, "%d", config_setting_get_int(s)); break;
    case CONFIG_TYPE_INT64: strbuf_printf(out, "%lld", config_setting_get_int64(s)); break;
    case CONFIG_TYPE_FLOAT: strbuf_printf(out, "%.17g", config_setting_get_float(s)); break;
    case CONFIG_TYPE_BOOL: strbuf_puts(out, config_setting_get_bool(s) ? "true" : "false"); break;
    case CONFIG_TYPE_STRING: strbuf_printf(out, "\"%s\"", config_setting_get_string(s)); break;
    case CONFIG_TYPE_GROUP: strbuf_puts(out, "{...} (a group)"); break;
    case CONFIG_TYPE_ARRAY: strbuf_puts(out, "[...] (an array)"); break;
    case CONFIG_TYPE_LIST: strbuf_puts(out, "(...) (a list)"); break;
    default: strbuf_puts(out, "?"); break;
    }
}

static int type_error(const cfg *c, const config_setting_t *s, const char *path, const param_spec *p,
                      const char *why)
{
    char loc[PATH_MAX_LEN + 64];
    strbuf b;
    where(c, s, path, loc, sizeof loc);
    strbuf_init(&b);
    strbuf_printf(&b, "%s: %s = ", loc, path);
    show_setting(s, &b);
    strbuf_printf(&b, " %s; expected ", why);
    param_expected(p, &b);
    int st = cim_error(CIM_ECONFIG, "%s", b.s);
    strbuf_destroy(&b);
    return st;
}

static int unknown_key(const cfg *c, const config_setting_t *s, const char *path, const char *what)
{
    char loc[PATH_MAX_LEN + 64];
    where(c, s, path, loc, sizeof loc);
    const char *hint = cfg_suggest(c, path);
    if (hint != NULL)
        return cim_error(CIM_ECONFIG, "%s: unknown %s %s; did you mean %s?", loc, what, path, hint);
    return cim_error(CIM_ECONFIG, "%s: unknown %s %s (see 'cimsim config --docs' for the keys this command reads)",
                     loc, what, path);
}

/* ---- reading ----------------------------------------------------------------------------------- */

static int read_error(cfg *c)
{
    char name[PATH_MAX_LEN];
    source_name(c, config_error_file(&c->lc), name, sizeof name);
    if (config_error_type(&c->lc) == CONFIG_ERR_FILE_IO)
        return cim_error(CIM_EIO, "cannot read %s: %s", name, errno ? strerror(errno) : config_error_text(&c->lc));
    const char *text = config_error_text(&c->lc);
    /* libconfig's arrays hold one type, which a reader of [0.1, 10] does not expect */
    const char *hint = text != NULL && strstr(text, "mismatched element type") != NULL
                           ? " (an array [...] holds values of one type: write 10.0, not 10, beside reals)"
                           : "";
    return cim_error(CIM_ECONFIG, "%s:%d: %s%s", name, config_error_line(&c->lc), text, hint);
}

int cfg_read_file(cfg *c, const char *path)
{
    free(c->file);
    c->file = xstrdup(path);
    /* @include "x.cfg" is resolved next to the including file, as a reader expects. */
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        slash[1] = '\0';
        config_set_include_dir(&c->lc, dir);
    } else {
        dir[0] = '\0';
        config_set_include_dir(&c->lc, ".");
    }
    free(c->include_prefix);
    c->include_prefix = dir;
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return cim_error(CIM_EIO, "cannot read %s: %s", path, strerror(errno));
    fclose(fp);
    errno = 0;
    if (config_read_file(&c->lc, path) != CONFIG_TRUE)
        return read_error(c);
    return CIM_OK;
}

int cfg_read_string(cfg *c, const char *name, const char *text)
{
    free(c->file);
    c->file = xstrdup(name);
    if (config_read_string(&c->lc, text) != CONFIG_TRUE) {
        if (config_error_file(&c->lc) == NULL)
            return cim_error(CIM_ECONFIG, "%s:%d: %s", name, config_error_line(&c->lc), config_error_text(&c->lc));
        return read_error(c);
    }
    return CIM_OK;
}

/* ---- --set overrides --------------------------------------------------------------------------- */

static int set_error(const char *assignment, const char *path, const param_spec *p, const char *value)
{
    strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "--set %s: %s = %s has the wrong type; expected ", assignment, path, value);
    param_expected(p, &b);
    int st = cim_error(CIM_ECONFIG, "%s", b.s);
    strbuf_destroy(&b);
    return st;
}

int cfg_set(cfg *c, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    if (eq == NULL)
        return cim_error(CIM_EUSAGE, "--set %s: expected KEY=VALUE, for example --set crossbar.rows=128", assignment);
    char path[PATH_MAX_LEN], value[PATH_MAX_LEN];
    size_t klen = (size_t)(eq - assignment);
    while (klen > 0 && assignment[klen - 1] == ' ')
        klen--;
    if (klen == 0 || klen >= sizeof path || strlen(eq + 1) >= sizeof value)
        return cim_error(CIM_EUSAGE, "--set %s: expected KEY=VALUE, for example --set crossbar.rows=128", assignment);
    memcpy(path, assignment, klen);
    path[klen] = '\0';
    const char *v = eq + 1;
    while (*v == ' ')
        v++;
    snprintf(value, sizeof value, "%s", v);

    void *grow = c->sets;
    xgrow(&grow, &c->cap_sets, c->n_sets + 1, sizeof *c->sets);
    c->sets = grow;
    c->sets[c->n_sets++] = xstrdup(assignment);

    const param_spec *p = find_key(c, path, NULL);
    if (p == NULL) {
        const char *hint = cfg_suggest(c, path);
        if (hint != NULL)
            return cim_error(CIM_ECONFIG, "--set %s: unknown key %s; did you mean %s?", assignment, path, hint);
        return cim_error(CIM_ECONFIG,
                         "--set %s: unknown key %s (see 'cimsim config --docs' for the keys this command reads)",
                         assignment, path);
    }

    /* Parse the text as the key's type before touching the tree. */
    int type = CONFIG_TYPE_FLOAT;
    double d = 0;
    long long ll = 0;
    int bval = 0;
    param_reals list;
    char sval[PATH_MAX_LEN];
    char *end = NULL;
    errno = 0;
    switch (p->kind) {
    case PARAM_REAL:
        d = strtod(value, &end);
        if (end == value || *end != '\0' || !isfinite(d) || (errno == ERANGE && fabs(d) > 1.0))
            return set_error(assignment, path, p, value);
        type = CONFIG_TYPE_FLOAT;
        break;
    case PARAM_INT:
        ll = strtoll(value, &end, 10);
        if (end == value || *end != '\0' || errno == ERANGE)
            return set_error(assignment, path, p, value);
        type = CONFIG_TYPE_INT64;
        break;
    case PARAM_BOOL:
        if (strcasecmp(value, "true") == 0)
            bval = 1;
        else if (strcasecmp(value, "false") == 0)
            bval = 0;
        else
            return set_error(assignment, path, p, value);
        type = CONFIG_TYPE_BOOL;
        break;
    case PARAM_CHOICE:
    case PARAM_STRING: {
        size_t n = strlen(value);
        if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
            snprintf(sval, sizeof sval, "%.*s", (int)(n - 2), value + 1);
        else
            snprintf(sval, sizeof sval, "%s", value);
        type = CONFIG_TYPE_STRING;
        break;
    }
    case PARAM_REALS:
        if (param_parse_reals(value, &list) != 0)
            return set_error(assignment, path, p, value);
        type = CONFIG_TYPE_ARRAY;
        break;
    }

    /* Walk down, creating groups as needed, then replace the leaf. */
    config_setting_t *parent = config_root_setting(&c->lc);
    char buf[PATH_MAX_LEN];
    snprintf(buf, sizeof buf, "%s", path);
    char *comp = buf;
    for (char *dot; (dot = strchr(comp, '.')) != NULL; comp = dot + 1) {
        *dot = '\0';
        config_setting_t *m = config_setting_get_member(parent, comp);
        if (m == NULL)
            m = config_setting_add(parent, comp, CONFIG_TYPE_GROUP);
        else if (!config_setting_is_group(m))
            return cim_error(CIM_ECONFIG, "--set %s: cannot set %s because %s is not a group in %s", assignment,
                             path, comp, c->file);
        parent = m;
    }
    if (config_setting_get_member(parent, comp) != NULL)
        config_setting_remove(parent, comp);
    config_setting_t *s = config_setting_add(parent, comp, type);
    assert(s != NULL);
    switch (type) {
    case CONFIG_TYPE_FLOAT: config_setting_set_float(s, d); break;
    case CONFIG_TYPE_INT64: config_setting_set_int64(s, ll); break;
    case CONFIG_TYPE_BOOL: config_setting_set_bool(s, bval); break;
    case CONFIG_TYPE_ARRAY:
        for (size_t i = 0; i < list.n; i++)
            config_setting_set_float_elem(s, -1, list.v[i]);
        break;
    default: config_setting_set_string(s, sval); break;
    }
    return CIM_OK;
}

/* ---- blaming a key ------------------------------------------------------------------------------ */

static int is_word(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Offset of the first mention of name in msg as a whole word outside double quotes (a quoted word is a
 * value: dist = "normal"), or -1.  A key may follow a dot (endurance_exp.n_max_cycles) unless dotted is
 * set, in which case name is a full path and must not be the tail of a longer one. */
static long mention(const char *msg, const char *name, int dotted)
{
    size_t n = strlen(name);
    int quoted = 0;
    for (const char *q = msg; *q != '\0'; q++) {
        if (*q == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted || strncmp(q, name, n) != 0 || is_word(q[n]))
            continue;
        if (q > msg && (is_word(q[-1]) || (dotted && q[-1] == '.')))
            continue;
        return (long)(q - msg);
    }
    return -1;
}

/* The key a check message is about (param_group.check: "names the keys involved"): of the keys that msg
 * mentions, the first one the file or a --set gave, else the first mentioned.  only_group: a group index
 * whose keys are matched by their bare names (a group check's message), or (size_t)-1 for full dotted paths
 * of every bound group (a message from after resolution).  Returns 0 if msg names no key. */
static int blame(const cfg *c, const char *msg, size_t only_group, size_t *gi_out, size_t *k_out)
{
    long best_set = -1, best_any = -1;
    size_t gs = 0, ks = 0, ga = 0, ka = 0;
    for (size_t gi = 0; gi < c->n_groups; gi++) {
        if (only_group != (size_t)-1 && gi != only_group)
            continue;
        const param_group *g = c->groups[gi];
        for (size_t k = 0; g->params[k].key != NULL; k++) {
            char path[PATH_MAX_LEN];
            join(path, g->path, g->params[k].key);
            long at = only_group != (size_t)-1 ? mention(msg, g->params[k].key, 0) : mention(msg, path, 1);
            if (at < 0)
                continue;
            if (best_any < 0 || at < best_any)
                best_any = at, ga = gi, ka = k;
            if (c->is_set[gi][k] && (best_set < 0 || at < best_set))
                best_set = at, gs = gi, ks = k;
        }
    }
    if (best_set >= 0)
        *gi_out = gs, *k_out = ks;
    else if (best_any >= 0)
        *gi_out = ga, *k_out = ka;
    return best_any >= 0;
}

/* A failed group check (its message in cim_errmsg()): prefixed with where the key it is about was set and the
 * key's full path, "FILE:LINE: group.key: " or "--set group.key=VALUE: group.key: ".  A key left at its default
 * has no line: then the group's own line (or the file) and the key; a message that names no key gets the
 * group's line and path. */
static int check_error(const cfg *c, size_t gi)
{
    const param_group *g = c->groups[gi];
    char msg[4096], loc[PATH_MAX_LEN + 64], path[PATH_MAX_LEN];
    snprintf(msg, sizeof msg, "%s", cim_errmsg());
    size_t bg, k;
    const config_setting_t *s = NULL;
    if (blame(c, msg, gi, &bg, &k)) {
        join(path, g->path, g->params[k].key);
        if (c->is_set[gi][k])
            s = config_lookup(&c->lc, path);
    } else
        snprintf(path, sizeof path, "%s", g->path[0] ? g->path : "(top level)");
    if (s != NULL)
        where(c, s, path, loc, sizeof loc);
    else {
        const config_setting_t *gs = g->path[0] ? config_lookup(&c->lc, g->path) : NULL;
        if (gs != NULL && config_setting_source_line(gs) > 0)
            where(c, gs, g->path, loc, sizeof loc);
        else
            snprintf(loc, sizeof loc, "%s", c->file);
    }
    return cim_error_prefix(CIM_ECONFIG, "%s: %s: ", loc, path);
}

/* ---- resolving --------------------------------------------------------------------------------- */

/* Every key and group in the tree must be declared by a bound table. */
static int check_known(const cfg *c, const config_setting_t *s, const char *path)
{
    if (config_setting_is_group(s)) {
        if (path[0] != '\0' && !is_group_path(c, path)) {
            if (find_key(c, path, NULL) != NULL)
                return CIM_OK; /* a key given a group value: load_key reports the type */
            return unknown_key(c, s, path, "group");
        }
        int n = config_setting_length(s);
        for (int i = 0; i < n; i++) {
            const config_setting_t *child = config_setting_get_elem(s, (unsigned)i);
            char child_path[PATH_MAX_LEN];
            join(child_path, path, config_setting_name(child));
            int st = check_known(c, child, child_path);
            if (st != CIM_OK)
                return st;
        }
        return CIM_OK;
    }
    if (find_key(c, path, NULL) == NULL) {
        if (is_group_path(c, path)) {
            char loc[PATH_MAX_LEN + 64];
            where(c, s, path, loc, sizeof loc);
            return cim_error(CIM_ECONFIG, "%s: %s must be a group { ... }, not a single value", loc, path);
        }
        return unknown_key(c, s, path, "key");
    }
    return CIM_OK;
}

/* A number of a list: the setting's value as a double, 0 if it is not a number. */
static int number_of(const config_setting_t *e, double *x)
{
    switch (config_setting_type(e)) {
    case CONFIG_TYPE_INT: *x = config_setting_get_int(e); return 1;
    case CONFIG_TYPE_INT64: *x = (double)config_setting_get_int64(e); return 1;
    case CONFIG_TYPE_FLOAT: *x = config_setting_get_float(e); return 1;
    default: return 0;
    }
}

/* A list of reals: an array or list of numbers, or a single number (a list of one). */
static int load_reals(const cfg *c, const config_setting_t *s, const char *path, const param_spec *p,
                      param_reals *out)
{
    int t = config_setting_type(s);
    double x;
    memset(out, 0, sizeof *out);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
        if (!number_of(s, &x))
            return type_error(c, s, path, p, "has the wrong type");
        if (!(x >= p->min && x <= p->max))
            return type_error(c, s, path, p, "is out of range");
        out->n = 1;
        out->v[0] = x;
        return CIM_OK;
    }
    int n = config_setting_length(s);
    if (n == 0)
        return type_error(c, s, path, p, "is empty");
    if (n > PARAM_REALS_MAX)
        return type_error(c, s, path, p, "has too many entries");
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (!number_of(e, &x) || !(x >= p->min && x <= p->max)) {
            char loc[PATH_MAX_LEN + 64];
            strbuf b;
            where(c, s, path, loc, sizeof loc);
            strbuf_init(&b);
            strbuf_printf(&b, "%s: %s[%d] = ", loc, path, i);
            show_setting(e, &b);
            strbuf_printf(&b, " %s; expected ", number_of(e, &x) ? "is out of range" : "has the wrong type");
            param_expected(p, &b);
            int st = cim_error(CIM_ECONFIG, "%s", b.s);
            strbuf_destroy(&b);
            return st;
        }
        out->v[i] = x;
    }
    out->n = (size_t)n;
    return CIM_OK;
}

static int load_key(const cfg *c, const config_setting_t *s, const char *path, const param_spec *p, void *values)
{
    void *f = (char *)values + p->offset;
    int t = config_setting_type(s);
    switch (p->kind) {
    case PARAM_REAL:
    case PARAM_INT: {
        double x;
        if (t == CONFIG_TYPE_INT)
            x = config_setting_get_int(s);
        else if (t == CONFIG_TYPE_INT64)
            x = (double)config_setting_get_int64(s);
        else if (t == CONFIG_TYPE_FLOAT && p->kind == PARAM_REAL)
            x = config_setting_get_float(s);
        else
            return type_error(c, s, path, p, "has the wrong type");
        if (!(x >= p->min && x <= p->max))
            return type_error(c, s, path, p, "is out of range");
        if (p->kind == PARAM_REAL)
            *(double *)f = x;
        else
            *(long long *)f = t == CONFIG_TYPE_INT ? config_setting_get_int(s) : config_setting_get_int64(s);
        return CIM_OK;
    }
    case PARAM_BOOL:
        if (t != CONFIG_TYPE_BOOL)
            return type_error(c, s, path, p, "has the wrong type");
        *(int *)f = config_setting_get_bool(s);
        return CIM_OK;
    case PARAM_CHOICE: {
        if (t != CONFIG_TYPE_STRING)
            return type_error(c, s, path, p, "has the wrong type");
        int k = param_choice_index(p, config_setting_get_string(s));
        if (k < 0)
            return type_error(c, s, path, p, "is not allowed");
        *(int *)f = k;
        return CIM_OK;
    }
    case PARAM_STRING: {
        if (t != CONFIG_TYPE_STRING)
            return type_error(c, s, path, p, "has the wrong type");
        const char *str = config_setting_get_string(s);
        if (strlen(str) >= PARAM_STRING_MAX)
            return type_error(c, s, path, p, "is too long");
        snprintf((char *)f, PARAM_STRING_MAX, "%s", str);
        return CIM_OK;
    }
    case PARAM_REALS: return load_reals(c, s, path, p, f);
    }
    return CIM_OK;
}

int cfg_resolve(cfg *c)
{
    int st = check_known(c, config_root_setting(&c->lc), "");
    if (st != CIM_OK)
        return st;
    for (size_t i = 0; i < c->n_groups; i++) {
        const param_group *g = c->groups[i];
        size_t k = 0;
        for (const param_spec *p = g->params; p->key != NULL; p++, k++) {
            char path[PATH_MAX_LEN];
            join(path, g->path, p->key);
            const config_setting_t *s = config_lookup(&c->lc, path);
            if (s == NULL)
                continue;
            st = load_key(c, s, path, p, c->values[i]);
            if (st != CIM_OK)
                return st;
            c->is_set[i][k] = 1;
        }
        if (g->check != NULL && (st = g->check(c->values[i])) != CIM_OK)
            return check_error(c, i);
    }
    return CIM_OK;
}

int cfg_locate_error(const cfg *c, int status)
{
    char msg[4096];
    snprintf(msg, sizeof msg, "%s", cim_errmsg());
    size_t gi, k;
    char loc[PATH_MAX_LEN + 64];
    if (blame(c, msg, (size_t)-1, &gi, &k) && c->is_set[gi][k]) {
        char path[PATH_MAX_LEN];
        join(path, c->groups[gi]->path, c->groups[gi]->params[k].key);
        where(c, config_lookup(&c->lc, path), path, loc, sizeof loc);
    } else
        snprintf(loc, sizeof loc, "%s", c->file);
    return cim_error_prefix(status, "%s: ", loc);
}

const char *cfg_peek_string(const cfg *c, const char *path)
{
    const config_setting_t *s = config_lookup(&c->lc, path);
    return (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING) ? config_setting_get_string(s) : NULL;
}

int cfg_knows(const cfg *c, const char *assignment)
{
    char path[PATH_MAX_LEN];
    size_t n = strcspn(assignment, "= ");
    if (n >= sizeof path)
        return 0;
    memcpy(path, assignment, n);
    path[n] = '\0';
    return find_key(c, path, NULL) != NULL;
}

int cfg_has(const cfg *c, const char *path) { return config_lookup(&c->lc, path) != NULL; }

int cfg_is_set(const cfg *c, const char *path)
{
    size_t gi;
    const param_spec *p = find_key(c, path, &gi);
    assert(p != NULL);
    return c->is_set[gi][p - c->groups[gi]->params];
}

/* ---- dumping ----------------------------------------------------------------------------------- */

static void indent(strbuf *out, int depth)
{
    for (int i = 0; i < depth; i++)
        strbuf_puts(out, "  ");
}

static void dump_keys(const cfg *c, size_t gi, int depth, strbuf *out)
{
    const param_group *g = c->groups[gi];
    strbuf line;
    strbuf_init(&line);
    for (const param_spec *p = g->params; p->key != NULL; p++) {
        strbuf_clear(&line);
        for (int i = 0; i < depth; i++)
            strbuf_puts(&line, "  ");
        strbuf_printf(&line, "%s = ", p->key);
        param_format_value(p, c->values[gi], &line);
        strbuf_puts(&line, ";");
        while (line.len < 40)
            strbuf_puts(&line, " ");
        strbuf_puts(&line, " # ");
        param_expected(p, &line);
        strbuf_puts(&line, "; default ");
        param_format_default(p, &line);
        strbuf_printf(&line, ": %s\n", p->doc);
        strbuf_puts(out, line.s);
    }
    strbuf_destroy(&line);
}

/* A quiet group appears in the dump and JSON only when the configuration sets one of its keys. */
static int shown(const cfg *c, size_t gi)
{
    const param_group *g = c->groups[gi];
    if (!g->quiet)
        return 1;
    for (size_t k = 0; g->params[k].key != NULL; k++)
        if (c->is_set[gi][k])
            return 1;
    return 0;
}

/* Emits the keys of the group at prefix, then each child group, nested as libconfig requires. */
static void dump_tree(const cfg *c, const char *prefix, int depth, strbuf *out)
{
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < c->n_groups; i++)
        if (strcmp(c->groups[i]->path, prefix) == 0 && shown(c, i))
            dump_keys(c, i, depth, out);
    const char *done[CFG_MAX_GROUPS]; /* child names already emitted, as (pointer, length) into paths */
    size_t done_len[CFG_MAX_GROUPS];
    size_t n_done = 0;
    for (size_t i = 0; i < c->n_groups; i++) {
        const char *gp = c->groups[i]->path;
        const char *rest;
        if (!shown(c, i))
            continue;
        if (plen == 0)
            rest = gp;
        else if (strncmp(gp, prefix, plen) == 0 && gp[plen] == '.')
            rest = gp + plen + 1;
        else
            continue;
        if (rest[0] == '\0')
            continue;
        size_t clen = strcspn(rest, ".");
        int seen = 0;
        for (size_t k = 0; k < n_done; k++)
            seen = seen || (done_len[k] == clen && strncmp(done[k], rest, clen) == 0);
        if (seen)
            continue;
        done[n_done] = rest;
        done_len[n_done++] = clen;
        char child[PATH_MAX_LEN];
        snprintf(child, sizeof child, "%.*s", (int)clen, rest);
        char child_path[PATH_MAX_LEN];
        join(child_path, prefix, child);
        indent(out, depth);
        strbuf_printf(out, "%s = {\n", child);
        dump_tree(c, child_path, depth + 1, out);
        indent(out, depth);
        strbuf_puts(out, "};\n");
    }
}

void cfg_dump(const cfg *c, strbuf *out) { dump_tree(c, "", 0, out); }

static json_t *json_group_at(json_t *root, const char *path)
{
    json_t *node = root;
    while (*path != '\0') {
        size_t n = strcspn(path, ".");
        char comp[PATH_MAX_LEN];
        snprintf(comp, sizeof comp, "%.*s", (int)n, path);
        json_t *next = json_object_get(node, comp);
        if (next == NULL) {
            next = json_object();
            json_object_set_new(node, comp, next);
        }
        node = next;
        path += n + (path[n] == '.');
    }
    return node;
}

json_t *cfg_to_json(const cfg *c)
{
    json_t *root = json_object();
    for (size_t i = 0; i < c->n_groups; i++) {
        const param_group *g = c->groups[i];
        if (!shown(c, i))
            continue;
        json_t *obj = json_group_at(root, g->path);
        for (const param_spec *p = g->params; p->key != NULL; p++) {
            const void *f = (const char *)c->values[i] + p->offset;
            json_t *v = NULL;
            switch (p->kind) {
            case PARAM_REAL: v = json_real(*(const double *)f); break;
            case PARAM_INT: v = json_integer(*(const long long *)f); break;
            case PARAM_BOOL: v = json_boolean(*(const int *)f); break;
            case PARAM_CHOICE: v = json_string(p->choices[*(const int *)f]); break;
            case PARAM_STRING: v = json_string((const char *)f); break;
            case PARAM_REALS: {
                const param_reals *r = f;
                v = json_array();
                for (size_t k = 0; k < r->n; k++)
                    json_array_append_new(v, json_real(r->v[k]));
                break;
            }
            }
            json_object_set_new(obj, p->key, v);
        }
    }
    return root;
}

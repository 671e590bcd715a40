/* core/param.c -- see param.h. */
#include "core/param.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *field(void *values, const param_spec *p) { return (char *)values + p->offset; }
static const void *cfield(const void *values, const param_spec *p) { return (const char *)values + p->offset; }

void param_defaults(const param_group *g, void *values)
{
    memset(values, 0, g->size);
    for (const param_spec *p = g->params; p->key != NULL; p++) {
        switch (p->kind) {
        case PARAM_REAL: *(double *)field(values, p) = p->def; break;
        case PARAM_INT: *(long long *)field(values, p) = (long long)p->def; break;
        case PARAM_BOOL:
        case PARAM_CHOICE: *(int *)field(values, p) = (int)p->def; break;
        case PARAM_STRING: snprintf(field(values, p), PARAM_STRING_MAX, "%s", p->def_str ? p->def_str : ""); break;
        case PARAM_REALS:
            if (param_parse_reals(p->def_str ? p->def_str : "", field(values, p)) != 0)
                ((param_reals *)field(values, p))->n = 0; /* a malformed table default; tests/test_cfg.c checks them */
            break;
        }
    }
}

int param_parse_reals(const char *text, param_reals *out)
{
    const char *s = text;
    while (isspace((unsigned char)*s))
        s++;
    char close = *s == '[' ? ']' : *s == '(' ? ')' : '\0';
    if (close != '\0')
        s++;
    out->n = 0;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (close != '\0' && *s == close && out->n == 0) { /* "[]": empty, rejected by the range check */
            s++;
            break;
        }
        char *end;
        errno = 0;
        double x = strtod(s, &end);
        if (end == s || !isfinite(x) || (errno == ERANGE && fabs(x) > 1.0) || out->n == PARAM_REALS_MAX)
            return -1;
        out->v[out->n++] = x;
        s = end;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == ',') {
            s++;
            continue;
        }
        if (close != '\0') {
            if (*s != close)
                return -1;
            s++;
        }
        break;
    }
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0' ? 0 : -1;
}

const param_spec *param_find(const param_group *g, const char *key)
{
    for (const param_spec *p = g->params; p->key != NULL; p++)
        if (strcmp(p->key, key) == 0)
            return p;
    return NULL;
}

int param_choice_index(const param_spec *p, const char *name)
{
    for (int i = 0; p->choices[i] != NULL; i++)
        if (strcmp(p->choices[i], name) == 0)
            return i;
    return -1;
}

void param_format_real(double x, strbuf *out)
{
    char buf[64];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    if (strpbrk(buf, ".eEni") == NULL) /* "64" would read back as an integer */
        strcat(buf, ".0");
    strbuf_puts(out, buf);
}

static void format_int(double x, strbuf *out) { strbuf_printf(out, "%lld", (long long)x); }

static void format_bound(const param_spec *p, double x, strbuf *out)
{
    if (isinf(x))
        strbuf_puts(out, x < 0 ? "-inf" : "inf");
    else if (p->kind == PARAM_INT)
        format_int(x, out);
    else
        strbuf_printf(out, "%g", x);
}

void param_expected(const param_spec *p, strbuf *out)
{
    switch (p->kind) {
    case PARAM_REAL:
    case PARAM_INT:
        strbuf_puts(out, p->kind == PARAM_REAL ? "a real number in [" : "an integer in [");
        format_bound(p, p->min, out);
        strbuf_puts(out, ", ");
        format_bound(p, p->max, out);
        strbuf_puts(out, "]");
        if (p->unit != NULL && p->unit[0] != '\0' && strcmp(p->unit, "1") != 0)
            strbuf_printf(out, " %s", p->unit);
        break;
    case PARAM_BOOL: strbuf_puts(out, "true or false"); break;
    case PARAM_CHOICE:
        strbuf_puts(out, "one of ");
        for (int i = 0; p->choices[i] != NULL; i++)
            strbuf_printf(out, "%s\"%s\"", i ? ", " : "", p->choices[i]);
        break;
    case PARAM_STRING: strbuf_puts(out, "a string"); break;
    case PARAM_REALS:
        strbuf_printf(out, "a list of 1 to %d real numbers in [", PARAM_REALS_MAX);
        format_bound(p, p->min, out);
        strbuf_puts(out, ", ");
        format_bound(p, p->max, out);
        strbuf_puts(out, "]");
        if (p->unit != NULL && p->unit[0] != '\0' && strcmp(p->unit, "1") != 0)
            strbuf_printf(out, " %s", p->unit);
        break;
    }
}

static void format_reals(const param_reals *r, strbuf *out)
{
    strbuf_puts(out, "[");
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            strbuf_puts(out, ", ");
        param_format_real(r->v[i], out);
    }
    strbuf_puts(out, "]");
}

static void format_string(const char *s, strbuf *out)
{
    strbuf_puts(out, "\"");
    for (; *s; s++) {
        switch (*s) {
        case '"': strbuf_puts(out, "\\\""); break;
        case '\\': strbuf_puts(out, "\\\\"); break;
        case '\n': strbuf_puts(out, "\\n"); break;
        case '\t': strbuf_puts(out, "\\t"); break;
        default: strbuf_putn(out, s, 1);
        }
    }
    strbuf_puts(out, "\"");
}

void param_format_value(const param_spec *p, const void *values, strbuf *out)
{
    const void *f = cfield(values, p);
    switch (p->kind) {
    case PARAM_REAL: param_format_real(*(const double *)f, out); break;
    case PARAM_INT: {
        long long v = *(const long long *)f;
        /* libconfig reads integers beyond 32 bits only with the L suffix. */
        strbuf_printf(out, "%lld%s", v, (v > 2147483647LL || v < -2147483647LL - 1) ? "L" : "");
        break;
    }
    case PARAM_BOOL: strbuf_puts(out, *(const int *)f ? "true" : "false"); break;
    case PARAM_CHOICE: format_string(p->choices[*(const int *)f], out); break;
    case PARAM_STRING: format_string((const char *)f, out); break;
    case PARAM_REALS: format_reals(f, out); break;
    }
}

void param_format_default(const param_spec *p, strbuf *out)
{
    switch (p->kind) {
    case PARAM_REAL: param_format_real(p->def, out); break;
    case PARAM_INT: format_int(p->def, out); break;
    case PARAM_BOOL: strbuf_puts(out, p->def != 0 ? "true" : "false"); break;
    case PARAM_CHOICE: format_string(p->choices[(int)p->def], out); break;
    case PARAM_STRING: format_string(p->def_str ? p->def_str : "", out); break;
    case PARAM_REALS: {
        param_reals r;
        if (param_parse_reals(p->def_str ? p->def_str : "", &r) != 0)
            r.n = 0;
        format_reals(&r, out);
        break;
    }
    }
}

static const char *kind_name(param_kind k)
{
    switch (k) {
    case PARAM_REAL: return "real";
    case PARAM_INT: return "integer";
    case PARAM_BOOL: return "boolean";
    case PARAM_CHOICE: return "choice";
    case PARAM_STRING: return "string";
    case PARAM_REALS: return "list of reals";
    }
    return "?";
}

void param_doc_group(const param_group *g, strbuf *out)
{
    if (g->path[0] == '\0')
        strbuf_printf(out, "### top level\n\n%s\n\n", g->doc);
    else
        strbuf_printf(out, "### `%s`\n\n%s\n\n", g->path, g->doc);
    strbuf_puts(out, "| key | type | default | unit | allowed | description |\n");
    strbuf_puts(out, "|---|---|---|---|---|---|\n");
    for (const param_spec *p = g->params; p->key != NULL; p++) {
        strbuf_printf(out, "| `%s%s%s` | %s | `", g->path, g->path[0] ? "." : "", p->key, kind_name(p->kind));
        param_format_default(p, out);
        strbuf_printf(out, "` | %s | ", (p->unit && p->unit[0]) ? p->unit : "");
        switch (p->kind) {
        case PARAM_REAL:
        case PARAM_INT:
        case PARAM_REALS:
            strbuf_puts(out, "[");
            format_bound(p, p->min, out);
            strbuf_puts(out, ", ");
            format_bound(p, p->max, out);
            strbuf_puts(out, "]");
            if (p->kind == PARAM_REALS)
                strbuf_printf(out, " each, 1 to %d entries", PARAM_REALS_MAX);
            break;
        case PARAM_BOOL: strbuf_puts(out, "`true`, `false`"); break;
        case PARAM_CHOICE:
            for (int i = 0; p->choices[i] != NULL; i++)
                strbuf_printf(out, "%s`\"%s\"`", i ? ", " : "", p->choices[i]);
            break;
        case PARAM_STRING: strbuf_puts(out, "any"); break;
        }
        strbuf_printf(out, " | %s |\n", p->doc);
    }
    strbuf_puts(out, "\n");
}

/* tests/docref.h -- references to documents that a reader can follow: no file or program output points at a
 * document outside the repository, and every docs/<file>[#anchor] it names exists (header-only, shared by
 * tests/test_docs.c and tests/test_readme.c). */
#ifndef CIM_TESTS_DOCREF_H
#define CIM_TESTS_DOCREF_H

#include "tests/util.h"

#include <ctype.h>

/* Documents that lived outside the repository (the reference folder beside an early checkout).  Spelled in
 * pieces so that this file does not match itself. */
static const char *const docref_gone[] = {"DESIGN" ".md", "PARAMETERS" ".md", "STYLE" ".md", "shared" "/reference",
                                          "shared" "/conformance", "../" "shared/", NULL};

/* GitHub's anchor of a Markdown heading: lower case, spaces to '-', punctuation other than '-' and '_' dropped. */
static inline void docref_slug(const char *heading, size_t len, char *out, size_t cap)
{
    size_t m = 0;
    for (size_t k = 0; k < len && m + 1 < cap; k++) {
        unsigned char c = (unsigned char)heading[k];
        if (isalnum(c) || c == '-' || c == '_' || c >= 0x80)
            out[m++] = (char)tolower(c);
        else if (c == ' ')
            out[m++] = '-';
    }
    out[m] = '\0';
}

/* Whether the Markdown file at path has a heading whose anchor is anchor (anchor_len bytes). */
static inline int docref_has_anchor(const char *path, const char *anchor, size_t anchor_len)
{
    char *text = util_slurp(path, NULL);
    int found = 0;
    for (char *p = text; p && *p && !found;) {
        char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (*p == '#') {
            const char *h = p;
            while (*h == '#')
                h++;
            while (*h == ' ')
                h++;
            char slug[512];
            docref_slug(h, len - (size_t)(h - p), slug, sizeof slug);
            found = strlen(slug) == anchor_len && strncmp(slug, anchor, anchor_len) == 0;
        }
        p = eol ? eol + 1 : NULL;
    }
    free(text);
    return found;
}

/* Checks text (from where: a file or a command).  Returns the number of bad references; the first is described in
 * msg. */
static inline int docref_check(const char *text, const char *where, char *msg, size_t cap)
{
    int bad = 0;
    for (size_t k = 0; docref_gone[k] != NULL; k++) {
        const char *hit = strstr(text, docref_gone[k]);
        if (hit != NULL && bad++ == 0) {
            size_t line = 1;
            for (const char *c = text; c < hit; c++)
                line += *c == '\n';
            snprintf(msg, cap, "%s:%zu refers to %s, which is not in the repository (docs/design.md, docs/parameters.md)",
                     where, line, docref_gone[k]);
        }
    }
    for (const char *hit = strstr(text, "docs/"); hit != NULL; hit = strstr(hit + 5, "docs/")) {
        if (hit > text && (isalnum((unsigned char)hit[-1]) || hit[-1] == '_'))
            continue; /* some other folder ending in docs/ */
        const char *name = hit + 5, *end = name;
        while (isalnum((unsigned char)*end) || *end == '_' || *end == '-' || *end == '.')
            end++;
        while (end > name && end[-1] == '.')
            end--; /* a full stop after the name */
        if (end == name || memchr(name, '.', (size_t)(end - name)) == NULL)
            continue; /* the folder itself */
        char path[1024];
        snprintf(path, sizeof path, "%s/docs/%.*s", CIM_SRC, (int)(end - name), name);
        size_t line = 1;
        for (const char *c = text; c < hit; c++)
            line += *c == '\n';
        if (access(path, R_OK) != 0) {
            if (bad++ == 0)
                snprintf(msg, cap, "%s:%zu refers to docs/%.*s, which does not exist", where, line, (int)(end - name),
                         name);
            continue;
        }
        if (*end == '#') {
            const char *a = end + 1, *ae = a;
            while (isalnum((unsigned char)*ae) || *ae == '_' || *ae == '-')
                ae++;
            if (!docref_has_anchor(path, a, (size_t)(ae - a)) && bad++ == 0)
                snprintf(msg, cap, "%s:%zu refers to docs/%.*s#%.*s, a section that docs/%.*s does not have", where,
                         line, (int)(end - name), name, (int)(ae - a), a, (int)(end - name), name);
        }
    }
    return bad;
}

#endif

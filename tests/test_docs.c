/* tests/test_docs.c -- the project's documents: docs/design.md and docs/parameters.md exist, nothing in the
 * repository or in the program's output points at a document that is not in it, every docs/ file and section
 * named exists, links between the documents resolve, and every source tag of the configuration reference is
 * resolved in docs/parameters.md.  (docs/config.md against `cimsim config --docs`: cli/docs_config_md_is_up_to_date
 * in tests/test_cli.c.) */
#include "device/device.h"
#include "tests/docref.h"

#include <criterion/criterion.h>

/* ---- tracked files ------------------------------------------------------------------------------ */

Test(docs, design_and_parameter_pages_exist)
{
    const char *pages[] = {"/docs/design.md", "/docs/parameters.md", "/docs/config.md"};
    for (size_t k = 0; k < sizeof pages / sizeof *pages; k++) {
        char path[600];
        snprintf(path, sizeof path, "%s%s", CIM_SRC, pages[k]);
        size_t len = 0;
        char *text = util_slurp(path, &len);
        cr_expect(text != NULL && len > 2000, "%s missing or nearly empty", pages[k]);
        free(text);
    }
}

/* The tracked files (git ls-files), or outside a git checkout every file but build/ and dot folders. */
Test(docs, tracked_files_refer_only_to_documents_in_the_repository)
{
    FILE *ls = popen("cd '" CIM_SRC "' && { git ls-files 2>/dev/null | grep . || "
                     "find . -path ./build -prune -o -path '*/.*' -prune -o -type f -print | sed 's|^\\./||'; }",
                     "r");
    cr_assert_not_null(ls);
    char name[1024];
    size_t n = 0;
    while (fgets(name, sizeof name, ls) != NULL) {
        name[strcspn(name, "\n")] = '\0';
        char path[1200], msg[1024];
        snprintf(path, sizeof path, "%s/%s", CIM_SRC, name);
        size_t len;
        char *text = util_slurp(path, &len);
        if (text == NULL)
            continue; /* deleted in the work tree */
        if (strlen(text) == len) { /* text, not binary */
            int bad = docref_check(text, name, msg, sizeof msg);
            cr_expect_eq(bad, 0, "%s (%d in all)", msg, bad);
        }
        free(text);
        n++;
    }
    pclose(ls);
    cr_expect_gt(n, 100, "git ls-files listed %zu files", n);
}

/* ---- program output ----------------------------------------------------------------------------- */

Test(docs, program_output_refers_only_to_documents_in_the_repository)
{
    char *out, *err, msg[1024];
    cr_assert_eq(util_run_cli(NULL, "--help", &out, &err), 0, "%s", err);
    cr_expect_eq(docref_check(out, "cimsim --help", msg, sizeof msg), 0, "%s", msg);
    /* Each command's help, from the list the top-level help prints. */
    char *cmds = strstr(out, "\ncommands:\n");
    cr_assert_not_null(cmds);
    size_t n = 0;
    for (char *p = cmds + strlen("\ncommands:\n"); p && *p == ' '; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        char cmd[64], args[128], where[160], *o, *e;
        sscanf(p, " %63s", cmd);
        snprintf(args, sizeof args, "%s --help", cmd);
        snprintf(where, sizeof where, "cimsim %s", args);
        cr_expect_eq(util_run_cli(NULL, args, &o, &e), 0, "%s: %s", where, e);
        cr_expect_eq(docref_check(o, where, msg, sizeof msg), 0, "%s", msg);
        free(o), free(e);
        n++;
    }
    cr_expect_geq(n, 4, "%zu commands listed", n);
    free(out), free(err);
    cr_assert_eq(util_run_cli(NULL, "config --docs", &out, &err), 0, "%s", err);
    cr_expect_eq(docref_check(out, "cimsim config --docs", msg, sizeof msg), 0, "%s", msg);
    free(out), free(err);
    /* Each model's title and citation, which `cimsim device` prints in its summary and records in its output. */
    for (size_t k = 0; device_types[k] != NULL; k++) {
        char where[200];
        snprintf(where, sizeof where, "the citation of device model %s", device_types[k]->name);
        cr_expect_eq(docref_check(device_types[k]->citation, where, msg, sizeof msg), 0, "%s", msg);
        cr_expect_eq(docref_check(device_types[k]->title, where, msg, sizeof msg), 0, "%s", msg);
    }
}

/* ---- the documents among themselves --------------------------------------------------------------- */

/* Every [tag] in a doc string of docs/config.md appears as [tag] in docs/parameters.md, the part that names the
 * source: "[TEAM report Fig. 10]" and "[Yakopcic 2013, Oblea fit]" need [TEAM report] and [Yakopcic 2013];
 * "[A; B]" needs both. */
Test(docs, every_source_tag_of_the_reference_is_resolved)
{
    char *ref = util_slurp(CIM_SRC "/docs/config.md", NULL), *par = util_slurp(CIM_SRC "/docs/parameters.md", NULL);
    cr_assert(ref && par);
    size_t n = 0;
    for (char *p = strchr(ref, '['); p != NULL; p = strchr(p + 1, '[')) {
        char *close = strchr(p, ']');
        if (close == NULL || close[1] == '(' || !isalpha((unsigned char)p[1]) || memchr(p, '\n', (size_t)(close - p)) ||
            memchr(p, '_', (size_t)(close - p)))
            continue; /* a Markdown link, a range [0, 1] or [x_on_m, x_off_m], or no tag */
        char tag[256];
        snprintf(tag, sizeof tag, "%.*s", (int)(close - p - 1), p + 1);
        for (char *part = strtok(tag, ";"); part != NULL; part = strtok(NULL, ";")) {
            while (*part == ' ')
                part++;
            size_t len = strcspn(part, ",:");
            char *fig = strstr(part, " Fig.");
            if (fig != NULL && (size_t)(fig - part) < len)
                len = (size_t)(fig - part);
            char want[300];
            snprintf(want, sizeof want, "[%.*s]", (int)len, part);
            cr_expect(strstr(par, want) != NULL, "docs/config.md cites %s, which docs/parameters.md does not resolve",
                      want);
            n++;
        }
    }
    cr_expect_geq(n, 20, "%zu tags found", n);
    free(ref), free(par);
}

/* Relative links of README.md and the docs/ pages lead to a file that exists, and to a section it has. */
Test(docs, links_between_the_documents_resolve)
{
    const char *pages[] = {"README.md", "docs/design.md", "docs/parameters.md", "tests/conformance/crossbar/README.md"};
    size_t n = 0;
    for (size_t k = 0; k < sizeof pages / sizeof *pages; k++) {
        char path[800], dir[800];
        snprintf(path, sizeof path, "%s/%s", CIM_SRC, pages[k]);
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = '\0';
        char *text = util_slurp(path, NULL);
        cr_assert_not_null(text, "%s", pages[k]);
        for (char *p = strstr(text, "]("); p != NULL; p = strstr(p + 2, "](")) {
            char *t = p + 2, *close = strchr(t, ')');
            if (close == NULL || strncmp(t, "http", 4) == 0 || strncmp(t, "mailto:", 7) == 0)
                continue;
            char target[600], file[1500];
            snprintf(target, sizeof target, "%.*s", (int)(close - t), t);
            char *hash = strchr(target, '#');
            if (hash != NULL)
                *hash++ = '\0';
            if (target[0] == '\0')
                snprintf(file, sizeof file, "%s", path); /* (#section): this page */
            else
                snprintf(file, sizeof file, "%s/%s", dir, target);
            cr_expect_eq(access(file, R_OK), 0, "%s: link to %s, which does not exist", pages[k], target);
            if (hash != NULL && access(file, R_OK) == 0)
                cr_expect(docref_has_anchor(file, hash, strlen(hash)), "%s: link to %s#%s, a section it does not have",
                          pages[k], target[0] ? target : pages[k], hash);
            n++;
        }
        free(text);
    }
    cr_expect_geq(n, 10, "%zu links checked", n);
}

/* Every repository path the pages name in `code` spans (crossbar/circuit.c, configs/mvm/G_4x3.csv,
 * tests/conformance/crossbar/) exists: "where each effect lives" stays true when files move. */
Test(docs, paths_the_pages_name_exist)
{
    static const char *const roots[] = {"core/", "device/", "crossbar/", "periph/", "snn/", "energy/", "exp/", "cli/",
                                        "tests/", "configs/", "bench/", "docs/", NULL};
    const char *pages[] = {"README.md", "docs/design.md", "docs/parameters.md"};
    size_t n = 0;
    for (size_t k = 0; k < sizeof pages / sizeof *pages; k++) {
        char path[800];
        snprintf(path, sizeof path, "%s/%s", CIM_SRC, pages[k]);
        char *text = util_slurp(path, NULL);
        cr_assert_not_null(text, "%s", pages[k]);
        int in_code = 0;
        for (char *p = text; *p; p++) {
            if (strncmp(p, "```", 3) == 0) { /* a fenced block: its commands are run by tests/test_readme.c */
                char *close = strstr(p + 3, "\n```");
                if (close == NULL)
                    break;
                p = close + 4;
                continue;
            }
            if (*p == '`') {
                in_code = !in_code;
                continue;
            }
            if (!in_code || (p > text && p[-1] != '`' && p[-1] != ' '))
                continue; /* a path starts a code span or a word in one */
            for (size_t r = 0; roots[r] != NULL; r++) {
                if (strncmp(p, roots[r], strlen(roots[r])) != 0)
                    continue;
                size_t len = strcspn(p, "` ,;)\n");
                char name[512];
                snprintf(name, sizeof name, "%.*s", (int)len, p);
                if (strpbrk(name, "<>*{}") != NULL)
                    break; /* a pattern: tests/test_<module>.c, PREFIX_{vrow,...} */
                snprintf(path, sizeof path, "%s/%s", CIM_SRC, name);
                struct stat st;
                cr_expect_eq(stat(path, &st), 0, "%s names `%s`, which is not in the repository", pages[k], name);
                n++;
                break;
            }
        }
        free(text);
    }
    cr_expect_geq(n, 40, "%zu paths checked", n);
}

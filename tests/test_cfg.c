/* tests/test_cfg.c -- the configuration schema: defaults, file values, --set overrides, unknown
 * keys with suggestions, type and range errors, cross-field checks, includes, dump round trip. */
#include "core/cfg.h"
#include "core/status.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

typedef struct demo_params {
    double g_max_S;
    long long rows;
    int verify;
    int mode;
    param_string label;
    param_reals times_s;
} demo_params;

static const char *const modes[] = {"fast", "exact", NULL};

static int demo_check(const void *v)
{
    const demo_params *p = v;
    if (p->verify && p->g_max_S < 1e-6)
        return cim_error(CIM_ECONFIG, "verify needs g_max_S >= 1e-06, got %g", p->g_max_S);
    if (p->g_max_S > 0.5 && p->rows > 32 && !p->verify) /* names a key left at its default first */
        return cim_error(CIM_ECONFIG, "rows (%lld) must not exceed 32 when g_max_S > 0.5 without verify", p->rows);
    if (strcmp(p->label, "rows") == 0) /* names no key: a quoted word is a value */
        return cim_error(CIM_ECONFIG, "\"%s\" is reserved", p->label);
    return CIM_OK;
}

static const param_spec demo_spec[] = {
    PARAM_REAL_F(demo_params, g_max_S, 0, 1, 1e-4, "S", "largest conductance"),
    PARAM_INT_F(demo_params, rows, 1, 1024, 64, "rows"),
    PARAM_BOOL_F(demo_params, verify, 0, "write and verify"),
    PARAM_CHOICE_F(demo_params, mode, modes, 1, "solver mode"),
    PARAM_STRING_F(demo_params, label, "none", "a name"),
    PARAM_REALS_F(demo_params, times_s, 0, 1e6, "[1.0, 60.0]", "s", "times"),
    PARAM_END,
};
static const param_group demo_group = {"dev.demo", "A demo group.", demo_spec, sizeof(demo_params), demo_check, 0, NULL};

typedef struct top_params {
    long long seed;
} top_params;
static const param_spec top_spec[] = {PARAM_INT_F(top_params, seed, 0, 1e6, 1, "seed"), PARAM_END};
static const param_group top_group = {"run", "Run.", top_spec, sizeof(top_params), NULL, 0, NULL};

static cfg c;
static demo_params d;
static top_params t;

static void setup(void)
{
    cfg_init(&c);
    cfg_bind(&c, &top_group, &t);
    cfg_bind(&c, &demo_group, &d);
}
static void teardown(void) { cfg_destroy(&c); }

static int load(const char *text)
{
    int st = cfg_read_string(&c, "t.cfg", text);
    return st == CIM_OK ? cfg_resolve(&c) : st;
}

static void expect_error(const char *text, const char *message)
{
    cr_expect_eq(load(text), CIM_ECONFIG, "accepted: %s", text);
    cr_expect_str_eq(cim_errmsg(), message);
}

TestSuite(cfg, .init = setup, .fini = teardown);

Test(cfg, defaults_apply_when_keys_are_absent)
{
    cr_assert_eq(load("run = { seed = 5; };"), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(t.seed, 5);
    cr_expect_eq(d.g_max_S, 1e-4);
    cr_expect_eq(d.rows, 64);
    cr_expect_eq(d.verify, 0);
    cr_expect_eq(d.mode, 1);
    cr_expect_str_eq(d.label, "none");
    cr_expect_eq(d.times_s.n, 2);
    cr_expect(d.times_s.v[0] == 1.0 && d.times_s.v[1] == 60.0);
    cr_expect(cfg_is_set(&c, "run.seed"));
    cr_expect(!cfg_is_set(&c, "dev.demo.rows"));
}

Test(cfg, file_values_load_and_integers_load_into_reals)
{
    cr_assert_eq(load("dev = { demo = { g_max_S = 1; rows = 128; verify = true; mode = \"fast\"; label = \"x y\"; }; };"),
                 CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(d.g_max_S, 1.0);
    cr_expect_eq(d.rows, 128);
    cr_expect_eq(d.verify, 1);
    cr_expect_eq(d.mode, 0);
    cr_expect_str_eq(d.label, "x y");
}

Test(cfg, lists_of_reals_load_from_arrays_lists_and_single_numbers)
{
    cr_assert_eq(load("dev = { demo = { times_s = [1, 2, 3]; }; };"), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(d.times_s.n, 3);
    cr_expect(d.times_s.v[0] == 1 && d.times_s.v[1] == 2 && d.times_s.v[2] == 3);
    cfg_destroy(&c);
    setup();
    cr_assert_eq(load("dev = { demo = { times_s = (0.5, 2, 3.6e3); }; };"), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(d.times_s.n, 3);
    cr_expect(d.times_s.v[0] == 0.5 && d.times_s.v[2] == 3600);
    cfg_destroy(&c);
    setup();
    cr_assert_eq(load("dev = { demo = { times_s = 7; }; };"), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(d.times_s.n, 1);
    cr_expect_eq(d.times_s.v[0], 7.0);
    cfg_destroy(&c);
    setup();
    cr_assert_eq(cfg_read_string(&c, "t.cfg", "dev = { demo = { times_s = [1.0]; }; };"), CIM_OK);
    cr_assert_eq(cfg_set(&c, "dev.demo.times_s=[3, 4.5,1e2]"), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(d.times_s.n, 3);
    cr_expect(d.times_s.v[0] == 3 && d.times_s.v[1] == 4.5 && d.times_s.v[2] == 100);
    cr_expect_eq(cfg_set(&c, "dev.demo.times_s=[1,x]"), CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(), "--set dev.demo.times_s=[1,x]: dev.demo.times_s = [1,x] has the wrong type; "
                                   "expected a list of 1 to 64 real numbers in [0, 1e+06] s");
}

Test(cfg, lists_of_reals_check_every_entry)
{
    expect_error("dev = { demo = {\n times_s = [1, -2]; }; };",
                 "t.cfg:2: dev.demo.times_s[1] = -2 is out of range; expected a list of 1 to 64 real numbers in [0, "
                 "1e+06] s");
    expect_error("dev = { demo = { times_s = (1, \"a\"); }; };",
                 "t.cfg:1: dev.demo.times_s[1] = \"a\" has the wrong type; expected a list of 1 to 64 real numbers in "
                 "[0, 1e+06] s");
    expect_error("dev = { demo = { times_s = []; }; };",
                 "t.cfg:1: dev.demo.times_s = [...] (an array) is empty; expected a list of 1 to 64 real numbers in "
                 "[0, 1e+06] s");
    expect_error("dev = { demo = { times_s = true; }; };",
                 "t.cfg:1: dev.demo.times_s = true has the wrong type; expected a list of 1 to 64 real numbers in [0, "
                 "1e+06] s");
    strbuf b;
    strbuf_init(&b);
    strbuf_puts(&b, "dev = { demo = { times_s = [");
    for (int i = 0; i <= PARAM_REALS_MAX; i++)
        strbuf_printf(&b, "%s%d", i ? ", " : "", i);
    strbuf_puts(&b, "]; }; };");
    cr_expect_eq(load(b.s), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "has too many entries") != NULL, "%s", cim_errmsg());
    strbuf_destroy(&b);
}

Test(cfg, parse_reals_accepts_the_config_spellings_only)
{
    param_reals r;
    cr_expect_eq(param_parse_reals(" [ 1 , 2.5e-3 ] ", &r), 0);
    cr_expect(r.n == 2 && r.v[1] == 2.5e-3);
    cr_expect_eq(param_parse_reals("(4)", &r), 0);
    cr_expect(r.n == 1 && r.v[0] == 4);
    cr_expect_eq(param_parse_reals("1,2", &r), 0);
    cr_expect_eq(r.n, 2);
    cr_expect_eq(param_parse_reals("[]", &r), 0, "empty parses; the range check rejects it");
    cr_expect_eq(r.n, 0);
    const char *bad[] = {"", "[1, 2", "[1 2]", "1,", "[1,]", "(1]", "[nan]", "[1e999]", "[1] x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(param_parse_reals(bad[i], &r), -1, "accepted \"%s\"", bad[i]);
}

Test(cfg, set_overrides_file_values_and_creates_groups)
{
    cr_assert_eq(cfg_read_string(&c, "t.cfg", "dev = { demo = { rows = 8; }; };"), CIM_OK);
    cr_assert_eq(cfg_set(&c, "dev.demo.rows=16"), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_set(&c, "dev.demo.g_max_S = 2.5e-5"), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_set(&c, "run.seed=99"), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_set(&c, "dev.demo.mode=\"fast\""), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_set(&c, "dev.demo.verify=true"), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(d.rows, 16);
    cr_expect_eq(d.g_max_S, 2.5e-5);
    cr_expect_eq(t.seed, 99);
    cr_expect_eq(d.mode, 0);
    cr_expect_eq(d.verify, 1);
}

Test(cfg, set_rejects_bad_values_like_the_file_does)
{
    cr_assert_eq(cfg_read_string(&c, "t.cfg", ""), CIM_OK);
    cr_expect_eq(cfg_set(&c, "dev.demo.rows=1.5"), CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(),
                     "--set dev.demo.rows=1.5: dev.demo.rows = 1.5 has the wrong type; expected an integer in [1, 1024]");
    cr_expect_eq(cfg_set(&c, "dev.demo.g_max_S=nan"), CIM_ECONFIG);
    cr_expect_eq(cfg_set(&c, "dev.demo.verify=yes"), CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(), "--set dev.demo.verify=yes: dev.demo.verify = yes has the wrong type; expected true or false");
    cr_expect_eq(cfg_set(&c, "dev.demo.rowz=3"), CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(), "--set dev.demo.rowz=3: unknown key dev.demo.rowz; did you mean dev.demo.rows?");
    cr_expect_eq(cfg_set(&c, "dev.demo.rows"), CIM_EUSAGE);
    cr_assert_eq(cfg_set(&c, "dev.demo.rows=2000"), CIM_OK, "range is checked at resolve");
    cr_expect_eq(cfg_resolve(&c), CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(),
                     "--set dev.demo.rows=2000: dev.demo.rows = 2000 is out of range; expected an integer in [1, 1024]");
}

Test(cfg, unknown_keys_and_groups_suggest_the_nearest)
{
    expect_error("dev = { demo = {\n rowz = 3; }; };", "t.cfg:2: unknown key dev.demo.rowz; did you mean dev.demo.rows?");
    expect_error("dev = { dmeo = { rows = 3; }; };", "t.cfg:1: unknown group dev.dmeo; did you mean dev.demo?");
    expect_error("\n\nseed = 3;", "t.cfg:3: unknown key seed; did you mean run.seed?");
    expect_error("dev = { demo = { completely_unrelated_key = 1; }; };",
                 "t.cfg:1: unknown key dev.demo.completely_unrelated_key (see 'cimsim config --docs' for the keys this "
                 "command reads)");
}

Test(cfg, type_and_range_errors_name_line_key_value_and_range)
{
    expect_error("dev = { demo = {\n\n g_max_S = 3.0; }; };",
                 "t.cfg:3: dev.demo.g_max_S = 3 is out of range; expected a real number in [0, 1] S");
    expect_error("dev = { demo = { rows = 0; }; };",
                 "t.cfg:1: dev.demo.rows = 0 is out of range; expected an integer in [1, 1024]");
    expect_error("dev = { demo = { rows = 2.0; }; };",
                 "t.cfg:1: dev.demo.rows = 2 has the wrong type; expected an integer in [1, 1024]");
    expect_error("dev = { demo = { g_max_S = \"1e-4\"; }; };",
                 "t.cfg:1: dev.demo.g_max_S = \"1e-4\" has the wrong type; expected a real number in [0, 1] S");
    expect_error("dev = { demo = { verify = 1; }; };",
                 "t.cfg:1: dev.demo.verify = 1 has the wrong type; expected true or false");
    expect_error("dev = { demo = { mode = \"slow\"; }; };",
                 "t.cfg:1: dev.demo.mode = \"slow\" is not allowed; expected one of \"fast\", \"exact\"");
    expect_error("dev = { demo = { rows = [1, 2]; }; };",
                 "t.cfg:1: dev.demo.rows = [...] (an array) has the wrong type; expected an integer in [1, 1024]");
    expect_error("dev = 3;", "t.cfg:1: dev must be a group { ... }, not a single value");
}

Test(cfg, cross_field_check_names_the_line_and_path_of_the_key_it_is_about)
{
    /* The first key the message names that the file gave: verify, on line 4 (not the group's line 2). */
    expect_error("run = { seed = 1; };\ndev = {\n demo = {\n  verify = true;\n  g_max_S = 1e-9;\n };\n};",
                 "t.cfg:4: dev.demo.verify: verify needs g_max_S >= 1e-06, got 1e-09");
}

Test(cfg, cross_field_check_prefers_a_key_the_file_gave_to_a_default)
{
    /* rows is named first but left at its default: the key the file gave, g_max_S, is blamed. */
    expect_error("dev = { demo = {\n  mode = \"fast\";\n  g_max_S = 0.75;\n}; };",
                 "t.cfg:3: dev.demo.g_max_S: rows (64) must not exceed 32 when g_max_S > 0.5 without verify");
}

Test(cfg, cross_field_check_names_the_set_of_an_overridden_key)
{
    cr_assert_eq(cfg_read_string(&c, "t.cfg", "dev = { demo = {\n  g_max_S = 1e-9;\n}; };"), CIM_OK);
    cr_assert_eq(cfg_set(&c, "dev.demo.verify=true"), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(cfg_resolve(&c), CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(), "--set dev.demo.verify=true: dev.demo.verify: verify needs g_max_S >= 1e-06, got 1e-09");
}

Test(cfg, cross_field_check_naming_no_key_gives_the_group_and_its_line)
{
    /* "rows" in quotes is the value, not the key rows. */
    expect_error("run = { seed = 1; };\n\ndev = { demo = {\n  label = \"rows\";\n}; };",
                 "t.cfg:3: dev.demo: \"rows\" is reserved");
}

Test(cfg, errors_after_resolution_name_the_first_given_key_they_mention)
{
    cr_assert_eq(load("run = { seed = 1; };\ndev = { demo = {\n  verify = true;\n}; };"), CIM_OK, "%s", cim_errmsg());
    /* dev.demo.rows (default) is named first; dev.demo.verify (line 3) is the first the file gave. */
    cim_error(CIM_ECONFIG, "dev.demo.rows = 64 does not fit dev.demo.verify = true");
    cr_expect_eq(cfg_locate_error(&c, CIM_ECONFIG), CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(), "t.cfg:3: dev.demo.rows = 64 does not fit dev.demo.verify = true");
    /* A bare key is not a full path (verify alone could be any group's): then only the file. */
    cim_error(CIM_ECONFIG, "verify needs something");
    cfg_locate_error(&c, CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(), "t.cfg: verify needs something");
    /* A --set key is named by its --set. */
    cr_assert_eq(cfg_set(&c, "run.seed=5"), CIM_OK);
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cim_error(CIM_ECONFIG, "run.seed: must be even");
    cfg_locate_error(&c, CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(), "--set run.seed=5: run.seed: must be even");
}

Test(cfg, syntax_errors_give_file_and_line)
{
    cr_expect_eq(load("run = {\n seed = ;\n};"), CIM_ECONFIG);
    cr_expect_str_eq(cim_errmsg(), "t.cfg:2: syntax error");
}

Test(cfg, include_files_resolve_next_to_the_including_file)
{
    char *dir = util_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/sub.cfg", dir);
    util_write(path, "dev = { demo = { rows = 12; }; };\n");
    snprintf(path, sizeof path, "%s/main.cfg", dir);
    util_write(path, "run = { seed = 3; };\n@include \"sub.cfg\"\n");
    cr_assert_eq(cfg_read_file(&c, path), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(d.rows, 12);
    cr_expect_eq(t.seed, 3);
    /* An error inside the included file names that file and its line. */
    cfg_destroy(&c);
    setup();
    snprintf(path, sizeof path, "%s/sub.cfg", dir);
    util_write(path, "\ndev = { demo = { rows = -1; }; };\n");
    snprintf(path, sizeof path, "%s/main.cfg", dir);
    cr_assert_eq(cfg_read_file(&c, path), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(cfg_resolve(&c), CIM_ECONFIG);
    char want[600];
    snprintf(want, sizeof want, "%s/sub.cfg:2: dev.demo.rows = -1 is out of range; expected an integer in [1, 1024]", dir);
    cr_expect_str_eq(cim_errmsg(), want);
    free(dir);
}

Test(cfg, dump_reads_back_to_identical_values)
{
    cr_assert_eq(load("run = { seed = 999999; };\n"
                      "dev = { demo = { g_max_S = 0.30000000000000004; mode = \"fast\";\n"
                      "                 label = \"a \\\"q\\\" \\\\ b\"; times_s = [1.0, 0.1, 3e-7]; }; };"),
                 CIM_OK, "%s", cim_errmsg());
    strbuf b;
    strbuf_init(&b);
    cfg_dump(&c, &b);
    demo_params d1 = d;
    top_params t1 = t;
    cfg_destroy(&c);
    setup();
    cr_assert_eq(load(b.s), CIM_OK, "dump does not load back: %s\n%s", cim_errmsg(), b.s);
    cr_expect_eq(memcmp(&d1, &d, sizeof d), 0, "values differ after round trip:\n%s", b.s);
    cr_expect_eq(memcmp(&t1, &t, sizeof t), 0);
    cr_expect(strstr(b.s, "g_max_S = 0.30000000000000004;") != NULL, "%s", b.s);
    cr_expect(strstr(b.s, "times_s = [1.0, 0.1, 3e-07];") != NULL, "%s", b.s);
    cr_expect(strstr(b.s, "# a real number in [0, 1] S; default 0.0001: largest conductance") != NULL, "%s", b.s);
    strbuf_destroy(&b);
}

Test(cfg, json_mirrors_the_groups)
{
    cr_assert_eq(load("dev = { demo = { rows = 7; }; };"), CIM_OK);
    json_t *j = cfg_to_json(&c);
    json_t *demo = json_object_get(json_object_get(j, "dev"), "demo");
    cr_expect_eq(json_integer_value(json_object_get(demo, "rows")), 7);
    cr_expect_str_eq(json_string_value(json_object_get(demo, "mode")), "exact");
    cr_expect_eq(json_real_value(json_object_get(demo, "g_max_S")), 1e-4);
    json_t *times = json_object_get(demo, "times_s");
    cr_expect_eq(json_array_size(times), 2);
    cr_expect_eq(json_real_value(json_array_get(times, 1)), 60.0);
    json_decref(j);
}

/* tests/test_cfg.c -- the configuration schema: defaults, file values, --set overrides, unknown
 * keys with suggestions, type and range errors, cross-field checks, includes, dump round trip. */
#include "core/cfg.h"
#include "core/status.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>

typedef struct demo_params {
    double g_max_S;
    long long rows;
    int verify;
    int mode;
    param_string label;
} demo_params;

static const char *const modes[] = {"fast", "exact", NULL};

static int demo_check(const void *v)
{
    const demo_params *p = v;
    if (p->verify && p->g_max_S < 1e-6)
        return cim_error(CIM_ECONFIG, "verify needs g_max_S >= 1e-06, got %g", p->g_max_S);
    return CIM_OK;
}

static const param_spec demo_spec[] = {
    PARAM_REAL_F(demo_params, g_max_S, 0, 1, 1e-4, "S", "largest conductance"),
    PARAM_INT_F(demo_params, rows, 1, 1024, 64, "rows"),
    PARAM_BOOL_F(demo_params, verify, 0, "write and verify"),
    PARAM_CHOICE_F(demo_params, mode, modes, 1, "solver mode"),
    PARAM_STRING_F(demo_params, label, "none", "a name"),
    PARAM_END,
};
static const param_group demo_group = {"dev.demo", "A demo group.", demo_spec, sizeof(demo_params), demo_check, 0};

typedef struct top_params {
    long long seed;
} top_params;
static const param_spec top_spec[] = {PARAM_INT_F(top_params, seed, 0, 1e6, 1, "seed"), PARAM_END};
static const param_group top_group = {"run", "Run.", top_spec, sizeof(top_params), NULL, 0};

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

Test(cfg, cross_field_check_reports_group_and_line)
{
    expect_error("run = { seed = 1; };\ndev = { demo = { verify = true; g_max_S = 1e-9; }; };",
                 "t.cfg:2: dev.demo: verify needs g_max_S >= 1e-06, got 1e-09");
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
                      "dev = { demo = { g_max_S = 0.30000000000000004; mode = \"fast\"; label = \"a \\\"q\\\" \\\\ b\"; }; };"),
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
    json_decref(j);
}

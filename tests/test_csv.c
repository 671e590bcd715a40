/* tests/test_csv.c -- CSV reading and writing: every malformed case with its exact message,
 * line endings, headers, comments, ranges, and a large round trip. */
#include "core/csv.h"
#include "core/status.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <math.h>

static int parse(const char *text, const csv_read_opts *o, csv_table *t)
{
    csv_read_opts any = csv_opts_any();
    return csv_parse("t.csv", text, strlen(text), o ? o : &any, t);
}

static void expect_error(const char *text, const csv_read_opts *o, const char *message)
{
    csv_table t;
    int st = parse(text, o, &t);
    cr_expect_eq(st, CIM_EIO, "accepted: %s", text);
    cr_expect_str_eq(cim_errmsg(), message);
    cr_expect_null(t.data, "nothing returned on failure");
}

Test(csv, reads_matrix_with_comments_blanks_and_spaces)
{
    csv_table t;
    cr_assert_eq(parse("# a comment\n\n 1.5 , -2e-3\t,3\n4,5,6 # trailing comment\n\n", NULL, &t), CIM_OK, "%s",
                 cim_errmsg());
    cr_expect_eq(t.rows, 2);
    cr_expect_eq(t.cols, 3);
    cr_expect_null(t.header);
    double want[] = {1.5, -2e-3, 3, 4, 5, 6};
    for (int k = 0; k < 6; k++)
        cr_expect_eq(t.data[k], want[k]);
    csv_table_free(&t);
}

Test(csv, crlf_and_missing_final_newline_read_the_same)
{
    const char *texts[] = {"1,2\n3,4\n", "1,2\r\n3,4\r\n", "1,2\n3,4", "1,2\r\n3,4", "1,2\n3,4\n\n\n"};
    for (int i = 0; i < 5; i++) {
        csv_table t;
        cr_assert_eq(parse(texts[i], NULL, &t), CIM_OK, "case %d: %s", i, cim_errmsg());
        cr_expect_eq(t.rows, 2, "case %d", i);
        cr_expect_eq(t.cols, 2, "case %d", i);
        cr_expect_eq(t.data[3], 4.0, "case %d", i);
        csv_table_free(&t);
    }
}

Test(csv, header_is_detected_and_kept)
{
    csv_table t;
    cr_assert_eq(parse("t_s,v_V,\"i_A\"\n0,0.1,1e-6\n1e-9,0.2,2e-6\n", NULL, &t), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(t.rows, 2);
    cr_assert_not_null(t.header);
    cr_expect_str_eq(t.header[0], "t_s");
    cr_expect_str_eq(t.header[2], "i_A");
    csv_table_free(&t);
    csv_read_opts o = csv_opts_any();
    o.header = CSV_HEADER_REQUIRED;
    expect_error("0,1\n", &o, "t.csv:1: expected a header line of column names, got data");
    o.header = CSV_HEADER_NONE;
    expect_error("t_s,v_V\n0,1\n", &o, "t.csv:1:1: expected a number, got 't_s'");
}

Test(csv, columns_are_found_by_name)
{
    csv_table t;
    cr_assert_eq(parse("# a comment\nv_V,i_A,v_V\n1,2,3\n", NULL, &t), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(t.header_line, 2, "the header is on line 2, after the comment");
    cr_expect_eq(csv_column(&t, "i_A"), 1);
    cr_expect_eq(csv_column(&t, "v_V"), 0, "the first of a repeated name");
    cr_expect_eq(csv_column(&t, "t_s"), -1);
    csv_table_free(&t);
    cr_assert_eq(parse("1,2\n", NULL, &t), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(csv_column(&t, "v_V"), -1, "no header, no columns by name");
    csv_table_free(&t);
}

Test(csv, malformed_cells_name_line_and_column)
{
    expect_error("1,2\n3,abc\n", NULL, "t.csv:2:3: expected a number, got 'abc'");
    expect_error("1,2\n3, 4x\n", NULL, "t.csv:2:4: expected a number, got '4x'");
    expect_error("1,,2\n", NULL, "t.csv:1:3: expected a number, got an empty cell");
    expect_error("1,2,\n", NULL, "t.csv:1:5: expected a number, got an empty cell");
    expect_error("1,nan\n", NULL, "t.csv:1:3: 'nan' is not a finite number (NaN and infinities are not allowed)");
    expect_error("1\n-Infinity\n", NULL,
                 "t.csv:2:1: '-Infinity' is not a finite number (NaN and infinities are not allowed)");
    expect_error("1e400\n", NULL, "t.csv:1:1: '1e400' is outside the range of a double");
    expect_error("1,2\n\n3\n", NULL, "t.csv:3: this row has 1 value; expected 2 as on line 1");
    expect_error("a,b\n1,2\n3,4,5\n", NULL, "t.csv:3: this row has 3 values; expected 2 as on line 1");
    expect_error("1,2\r\n3,x\r\n", NULL, "t.csv:2:3: expected a number, got 'x'");
}

Test(csv, empty_inputs_are_rejected)
{
    expect_error("", NULL, "t.csv: no data: the file is empty or holds only comments");
    expect_error("\n\n# only a comment\n", NULL, "t.csv: no data: the file is empty or holds only comments");
    expect_error("x_V\n# nothing\n", NULL, "t.csv: no data: the file is empty or holds only comments and a header");
}

/* A plausibility limit set by a key names the key and gives the hint (a file in uS read as siemens); a hard limit
 * on the other side keeps its plain message. */
Test(csv, a_limit_set_by_a_key_names_it_and_hints)
{
    csv_read_opts o = {CSV_HEADER_AUTO, "conductance", "S", 0.0, 0.02, 0, NULL, "mvm.g_file_max_S", "in uS?"};
    expect_error("1e-6,2e-6\n3e-6,12\n", &o, "t.csv:2:6: conductance 12 S is above mvm.g_file_max_S = 0.02 S; in uS?");
    expect_error("1e-6,-2e-6\n", &o, "t.csv:1:6: conductance must be >= 0 S, got -2e-6");
    o = (csv_read_opts){CSV_HEADER_AUTO, "voltage", "V", -10, 10, 0, "mvm.v_file_max_V", "mvm.v_file_max_V", NULL};
    expect_error("0.1\n-200\n", &o, "t.csv:2:1: voltage -200 V is below mvm.v_file_max_V = -10 V");
}

Test(csv, ranges_and_shapes_are_enforced)
{
    csv_read_opts o = {CSV_HEADER_AUTO, "conductance", "S", 0.0, HUGE_VAL, 0, NULL, NULL, NULL};
    expect_error("1e-6,-1e-6\n", &o, "t.csv:1:6: conductance must be >= 0 S, got -1e-6");
    o = (csv_read_opts){CSV_HEADER_AUTO, "voltage", "V", -5, 5, 1, NULL, NULL, NULL};
    expect_error("1\n7.5\n", &o, "t.csv:2:1: voltage must be <= 5 V, got 7.5");
    expect_error("1,2\n", &o, "t.csv:1: expected one value per line (a column vector), got 2 values");
    csv_table t;
    cr_expect_eq(parse("-5\n5\n0\n", &o, &t), CIM_OK, "bounds are inclusive");
    csv_table_free(&t);
}

Test(csv, missing_file_is_an_io_error)
{
    csv_table t;
    csv_read_opts o = csv_opts_any();
    cr_expect_eq(csv_read("/nonexistent/x.csv", &o, &t), CIM_EIO);
    cr_expect_str_eq(cim_errmsg(), "cannot read /nonexistent/x.csv: No such file or directory");
}

Test(csv, large_file_round_trips_exactly)
{
    enum { R = 1000, C = 1000 };
    double *a = malloc(R * C * sizeof *a);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t k = 0; k < R * C; k++) /* awkward doubles across many decades */
        a[k] = (gsl_rng_uniform(r) - 0.3) * pow(10.0, (double)(int)(gsl_rng_uniform_int(r, 40)) - 20);
    char *dir = util_tmpdir(), path[256];
    snprintf(path, sizeof path, "%s/big.csv", dir);
    FILE *fp = fopen(path, "w");
    cr_assert_eq(csv_write_matrix(fp, a, R, C), CIM_OK);
    fclose(fp);
    csv_table t;
    csv_read_opts o = csv_opts_any();
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(t.rows, R);
    cr_assert_eq(t.cols, C);
    cr_expect_eq(memcmp(t.data, a, R * C * sizeof *a), 0, "17 significant digits read back bit for bit");
    uint64_t fp1 = t.fnv1a64;
    csv_table_free(&t);
    /* The fingerprint notices a one-character change. */
    size_t len = 0;
    char *text = util_slurp(path, &len);
    char *d = strchr(text, '.');
    *(d + 1) = *(d + 1) == '1' ? '2' : '1';
    cr_assert_eq(csv_parse(path, text, len, &o, &t), CIM_OK);
    cr_expect_neq(t.fnv1a64, fp1);
    csv_table_free(&t);
    free(text), free(a), free(dir);
    gsl_rng_free(r);
}

/* crossbar/spice_array.c -- see spice_array.h. */
#include "crossbar/spice_array.h"
#include "core/status.h"
#include "core/version.h"
#include "core/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define G17 "%.17g"
#define VECS_PER_LINE 32 /* wrdata vectors per control line (keeps each line short) */

/* ---- node names ----------------------------------------------------------------------------------- */

typedef struct node { char s[48]; } node;

/* Row i's node at cell j; with an ideal row wire every cell of the row is on node r{i}_0. */
static node row_node(const spice_array *s, size_t i, size_t j)
{
    node n;
    snprintf(n.s, sizeof n.s, "r%zu_%zu", i, s->wires.r_row_ohm == 0 ? 0 : j);
    return n;
}

/* Column j's node at cell i; with an ideal column wire every cell of the column is on node c{M-1}_{j}. */
static node col_node(const spice_array *s, size_t i, size_t j)
{
    node n;
    snprintf(n.s, sizeof n.s, "c%zu_%zu", s->wires.r_col_ohm == 0 ? s->rows - 1 : i, j);
    return n;
}

static double row_term(const spice_array *s, size_t i)
{
    if (s->g_row_term_S != NULL)
        return s->g_row_term_S[i];
    return s->wires.r_drv_ohm == 0 ? INFINITY : 1.0 / s->wires.r_drv_ohm;
}

static double col_term(const spice_array *s, size_t j)
{
    if (s->g_col_term_S != NULL)
        return s->g_col_term_S[j];
    return s->wires.r_sense_ohm == 0 ? INFINITY : 1.0 / s->wires.r_sense_ohm;
}

/* ---- the netlist ----------------------------------------------------------------------------------- */

/* The memory element of cell (i,j) from node a to node b. */
static void memory_element(const spice_array *s, size_t i, size_t j, const char *a, const char *b, strbuf *o)
{
    const cell_array *ca = s->cells;
    double g = ca->g_S[i * s->cols + j];
    if (g == 0)
        return; /* open */
    if (ca->p.iv == CELL_IV_SINH)
        strbuf_printf(o, "BCELL%zu_%zu %s %s I = " G17 " * sinh(V(%s,%s) / " G17 ")\n", i, j, a, b, g * ca->p.v_nl_V,
                      a, b, ca->p.v_nl_V);
    else
        strbuf_printf(o, "RCELL%zu_%zu %s %s " G17 "\n", i, j, a, b, 1.0 / g);
}

static void cell_element(const spice_array *s, size_t i, size_t j, strbuf *o)
{
    const cell_array *ca = s->cells;
    node r = row_node(s, i, j), c = col_node(s, i, j);
    double r_acc = cell_array_r_access(ca, i);
    if (ca->p.type == CELL_1S1R || (ca->p.type == CELL_1T1R && r_acc > 0)) {
        if (ca->g_S[i * s->cols + j] == 0)
            return; /* an open memory element opens the series pair */
        char m[48];
        snprintf(m, sizeof m, "m%zu_%zu", i, j);
        if (ca->p.type == CELL_1S1R)
            strbuf_printf(o, "BSEL%zu_%zu %s %s I = " G17 " * sinh(V(%s,%s) / " G17 ")\n", i, j, r.s, m,
                          ca->p.i_sel_A, r.s, m, ca->p.v_sel_V);
        else
            strbuf_printf(o, "RACC%zu_%zu %s %s " G17 "\n", i, j, r.s, m, r_acc);
        memory_element(s, i, j, m, c.s, o);
    } else {
        memory_element(s, i, j, r.s, c.s, o);
    }
}

int spice_array_netlist(const spice_array *s, const char *data_path, strbuf *o)
{
    const size_t M = s->rows, N = s->cols;
    if (s->cells == NULL || s->cells->rows != M || s->cells->cols != N || M == 0 || N == 0)
        return cim_error(CIM_EINVAL, "spice export: the cell array does not match the %zux%zu circuit", M, N);
    if (s->cells->p.type == CELL_FEFET)
        return cim_error(CIM_EINVAL, "spice export: device (%s) cells have no SPICE form",
                         s->cells->dev ? s->cells->dev->name : "fefet");
    const circuit_wires *w = &s->wires;
    strbuf_printf(o, "* cimsim %s: %zux%zu crossbar, cells %s/%s, r_row=" G17 " r_col=" G17 " r_drv=" G17
                     " r_sense=" G17 " ohm\n",
                  cim_version(), M, N, cell_type_names[s->cells->p.type], cell_iv_names[s->cells->p.iv], w->r_row_ohm,
                  w->r_col_ohm, w->r_drv_ohm, w->r_sense_ohm);
    strbuf_puts(o, ".options reltol=1e-12 abstol=1e-18 vntol=1e-15\n");

    strbuf_puts(o, "* row drivers\n");
    for (size_t i = 0; i < M; i++) {
        double g = row_term(s, i);
        node r = row_node(s, i, 0);
        if (g == 0)
            continue; /* floating */
        if (isinf(g)) {
            strbuf_printf(o, "VIN%zu %s 0 DC " G17 "\n", i, r.s, s->v_row_V[i]);
        } else {
            strbuf_printf(o, "VIN%zu s%zu 0 DC " G17 "\n", i, i, s->v_row_V[i]);
            strbuf_printf(o, "RDRV%zu s%zu %s " G17 "\n", i, i, r.s, 1.0 / g);
        }
    }
    if (w->r_row_ohm > 0) {
        strbuf_puts(o, "* row wires\n");
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j + 1 < N; j++)
                strbuf_printf(o, "RROW%zu_%zu r%zu_%zu r%zu_%zu " G17 "\n", i, j, i, j, i, j + 1, w->r_row_ohm);
    }
    if (w->r_col_ohm > 0) {
        strbuf_puts(o, "* column wires\n");
        for (size_t j = 0; j < N; j++)
            for (size_t i = 0; i + 1 < M; i++)
                strbuf_printf(o, "RCOL%zu_%zu c%zu_%zu c%zu_%zu " G17 "\n", i, j, i, j, i + 1, j, w->r_col_ohm);
    }
    strbuf_puts(o, "* cells\n");
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++)
            cell_element(s, i, j, o);
    strbuf_puts(o, "* sense: i(VSENj) is column j's current into its source\n");
    for (size_t j = 0; j < N; j++) {
        double g = col_term(s, j), v = s->v_col_V ? s->v_col_V[j] : 0.0;
        node c = col_node(s, M - 1, j);
        if (g == 0)
            continue;
        if (isinf(g)) {
            strbuf_printf(o, "VSEN%zu %s 0 DC " G17 "\n", j, c.s, v);
        } else {
            strbuf_printf(o, "RSEN%zu %s k%zu " G17 "\n", j, c.s, j, 1.0 / g);
            strbuf_printf(o, "VSEN%zu k%zu 0 DC " G17 "\n", j, j, v);
        }
    }

    /* The vectors to report: the sensed columns' currents, then (if asked) every distinct node. */
    strbuf vec;
    strbuf_init(&vec);
    size_t n_vec = 0;
    for (size_t j = 0; j < N; j++)
        if (col_term(s, j) != 0) {
            strbuf_printf(&vec, " i(vsen%zu)", j);
            if (++n_vec % VECS_PER_LINE == 0)
                strbuf_puts(&vec, "\n");
        }
    if (s->node_voltages)
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                for (int side = 0; side < 2; side++) {
                    if ((side == 0 && w->r_row_ohm == 0 && j > 0) || (side == 1 && w->r_col_ohm == 0 && i + 1 < M))
                        continue; /* a merged node, written once */
                    node n = side == 0 ? row_node(s, i, j) : col_node(s, i, j);
                    strbuf_printf(&vec, " v(%s)", n.s);
                    if (++n_vec % VECS_PER_LINE == 0)
                        strbuf_puts(&vec, "\n");
                }
    strbuf_puts(o, ".control\nset wr_singlescale\nset wr_vecnames\noption numdgt=17\nop\n");
    /* One wrdata (or print) per line of vectors; the later ones append to the file. */
    const char *line = vec.s;
    int first = 1;
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 0) {
            if (data_path == NULL) {
                strbuf_puts(o, "print");
            } else {
                if (!first)
                    strbuf_puts(o, "set appendwrite\n");
                strbuf_printf(o, "wrdata %s", data_path);
            }
            strbuf_putn(o, line, len);
            strbuf_puts(o, "\n");
            first = 0;
        }
        line += len + (end != NULL);
    }
    strbuf_destroy(&vec);
    strbuf_puts(o, "quit\n.endc\n.end\n");
    return CIM_OK;
}

/* ---- reading ngspice's results ---------------------------------------------------------------------- */

/* Stores value x of the vector called name (lower case, as ngspice writes it) in the outputs it names. */
static void store(const spice_array *s, const char *name, double x, double *i_col, double *v_row, double *v_col,
                  unsigned char *seen)
{
    const size_t M = s->rows, N = s->cols;
    size_t a, b;
    int n = 0;
    if (sscanf(name, "i(vsen%zu)%n", &a, &n) == 1 && name[n] == '\0' && a < N) {
        i_col[a] = x;
        seen[a] = 1;
    } else if (sscanf(name, "v(r%zu_%zu)%n", &a, &b, &n) == 2 && name[n] == '\0' && a < M && b < N) {
        if (v_row == NULL)
            return;
        if (s->wires.r_row_ohm == 0)
            for (size_t j = 0; j < N; j++)
                v_row[a * N + j] = x;
        else
            v_row[a * N + b] = x;
        seen[N + a * N + b] = 1;
    } else if (sscanf(name, "v(c%zu_%zu)%n", &a, &b, &n) == 2 && name[n] == '\0' && a < M && b < N) {
        if (v_col == NULL)
            return;
        if (s->wires.r_col_ohm == 0)
            for (size_t i = 0; i < M; i++)
                v_col[i * N + b] = x;
        else
            v_col[a * N + b] = x;
        seen[N + M * N + a * N + b] = 1;
    }
}

int spice_array_read(const spice_array *s, const char *data_path, double *i_col_A, double *v_row_V, double *v_col_V)
{
    const size_t M = s->rows, N = s->cols;
    FILE *fp = fopen(data_path, "r");
    if (fp == NULL)
        return cim_error(CIM_EIO, "cannot read %s: %s", data_path, strerror(errno));
    unsigned char *seen = xcalloc(N + 2 * M * N, 1);
    char *hdr = NULL, *row = NULL;
    size_t hcap = 0, rcap = 0;
    int st = CIM_OK;
    /* Blocks of a header line of names and one line of values (one per wrdata). */
    while (st == CIM_OK && getline(&hdr, &hcap, fp) > 0) {
        if (strspn(hdr, " \t\r\n") == strlen(hdr))
            continue;
        if (getline(&row, &rcap, fp) <= 0) {
            st = cim_error(CIM_EIO, "%s: a header line without values", data_path);
            break;
        }
        char *hs = NULL, *rs = NULL;
        char *name = strtok_r(hdr, " \t\r\n", &hs), *val = strtok_r(row, " \t\r\n", &rs);
        for (; name != NULL && val != NULL;
             name = strtok_r(NULL, " \t\r\n", &hs), val = strtok_r(NULL, " \t\r\n", &rs)) {
            char *end;
            double x = strtod(val, &end);
            if (*end != '\0' || !isfinite(x)) {
                st = cim_error(CIM_EIO, "%s: \"%s\" is not a number (vector %s)", data_path, val, name);
                break;
            }
            store(s, name, x, i_col_A, v_row_V, v_col_V, seen);
        }
        if (st == CIM_OK && (name != NULL || val != NULL))
            st = cim_error(CIM_EIO, "%s: names and values differ in number", data_path);
    }
    free(hdr);
    free(row);
    fclose(fp);
    for (size_t j = 0; st == CIM_OK && j < N; j++) {
        if (col_term(s, j) == 0)
            i_col_A[j] = 0.0; /* floating: no sense source */
        else if (!seen[j])
            st = cim_error(CIM_EIO, "%s: no current for column %zu", data_path, j);
    }
    for (size_t k = 0; st == CIM_OK && s->node_voltages && k < M * N; k++) {
        size_t i = k / N, j = k % N;
        int row_ok = seen[N + (s->wires.r_row_ohm == 0 ? i * N : k)];
        int col_ok = seen[N + M * N + (s->wires.r_col_ohm == 0 ? (M - 1) * N + j : k)];
        if ((v_row_V != NULL && !row_ok) || (v_col_V != NULL && !col_ok))
            st = cim_error(CIM_EIO, "%s: no voltage for the nodes of cell (%zu, %zu)", data_path, i, j);
    }
    free(seen);
    return st;
}

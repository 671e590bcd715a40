/* core/prov.c -- see prov.h. */
#include "core/prov.h"
#include "core/version.h"

#include <assert.h>
#include <stdio.h>

void prov_init(prov *p, const char *command, const char *invocation, const cfg *config, long long seed)
{
    p->command = command;
    p->invocation = invocation;
    p->config = config;
    p->seed = seed;
    p->n_inputs = 0;
}

void prov_add_input(prov *p, const char *role, const char *path, uint64_t fnv1a64)
{
    assert(p->n_inputs < PROV_MAX_INPUTS);
    p->inputs[p->n_inputs++] = (prov_input){role, path, fnv1a64};
}

void prov_csv_comment(const prov *p, strbuf *out)
{
    strbuf_printf(out, "# cimsim %s: %s\n", cim_version(), p->command);
    strbuf_printf(out, "# invocation: %s\n", p->invocation);
    strbuf_printf(out, "# seed: %lld\n", p->seed);
    for (size_t i = 0; i < p->n_inputs; i++)
        strbuf_printf(out, "# input %s: %s (FNV-1a 64: %016llx)\n", p->inputs[i].role, p->inputs[i].path,
                      (unsigned long long)p->inputs[i].fnv1a64);
    strbuf_puts(out, "# resolved configuration:\n");
    strbuf cfgtext;
    strbuf_init(&cfgtext);
    cfg_dump(p->config, &cfgtext);
    strbuf_prefix_lines(out, "#   ", cfgtext.s);
    strbuf_destroy(&cfgtext);
}

json_t *prov_json(const prov *p)
{
    json_t *inputs = json_array();
    for (size_t i = 0; i < p->n_inputs; i++) {
        char fp[17];
        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)p->inputs[i].fnv1a64);
        json_array_append_new(inputs, json_pack("{s:s, s:s, s:s}", "role", p->inputs[i].role, "path",
                                                p->inputs[i].path, "fnv1a64", fp));
    }
    return json_pack("{s:s, s:s, s:s, s:I, s:o, s:o}", "cimsim_version", cim_version(), "command", p->command,
                     "invocation", p->invocation, "seed", (json_int_t)p->seed, "inputs", inputs, "config",
                     cfg_to_json(p->config));
}

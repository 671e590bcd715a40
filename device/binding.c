/* device/binding.c -- see binding.h. */
#include "device/binding.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

void device_binding_init(device_binding *b, cfg *c)
{
    memset(b, 0, sizeof *b);
    cfg_bind(c, &device_group, &b->dev);
    variability_bind_common(&b->var, c);
}

void device_binding_select(device_binding *b, cfg *c)
{
    b->type = device_bind_params(c, &b->model, &b->unused, &b->n_unused);
    if (b->type != NULL)
        variability_bind_model(&b->var, c, b->type);
}

void device_binding_free(device_binding *b)
{
    variability_free(&b->var);
    device_free_params(b->model, b->unused, b->n_unused);
    b->model = NULL;
    b->unused = NULL;
    b->n_unused = 0;
}

const param_group *device_selected_group(const cfg *c)
{
    const char *name = cfg_peek_string(c, "device.model");
    const device_type *T = device_type_find(name ? name : device_type_names[0]);
    return T ? T->params : NULL; /* unknown names are reported by the choice check in cfg_resolve */
}

const device_type *device_bind_params(cfg *c, void **model, void ***unused, size_t *n_unused)
{
    const param_group *sel = device_selected_group(c);
    const device_type *type = NULL;
    *unused = xcalloc(device_type_count(), sizeof **unused);
    *n_unused = 0;
    for (size_t i = 0; device_types[i] != NULL; i++) {
        const device_type *T = device_types[i];
        if (T->params == sel) {
            type = T;
            *model = xcalloc(1, T->params->size);
            cfg_bind(c, T->params, *model);
        } else if (cfg_has(c, T->params->path)) {
            (*unused)[*n_unused] = xcalloc(1, T->params->size);
            cfg_bind(c, T->params, (*unused)[(*n_unused)++]);
        }
    }
    return type;
}

void device_free_params(void *model, void **unused, size_t n_unused)
{
    free(model);
    for (size_t i = 0; i < n_unused; i++)
        free(unused[i]);
    free(unused);
}

const param_group *device_optional_group(size_t i)
{
    size_t n_models = device_type_count();
    if (i < n_models)
        return device_types[i]->params;
    if (i == n_models)
        return &var_dist_doc_group;
    i -= n_models + 1;
    for (size_t m = 0; m < n_models; m++)
        for (int w = 0; w < 2; w++) {
            const param_group *g = variability_param_group(device_types[m], w, i);
            if (g != NULL)
                return g;
            size_t n = 0;
            while (variability_param_group(device_types[m], w, n) != NULL)
                n++;
            i -= n;
        }
    return NULL;
}

int device_reads(const cfg *c, const param_group *g)
{
    const param_group *sel = device_selected_group(c);
    if (g == &var_dist_doc_group || sel == NULL)
        return 0;
    for (size_t m = 0; device_types[m] != NULL; m++) {
        const device_type *T = device_types[m];
        if (g == T->params)
            return g == sel || cfg_has(c, g->path);
        for (int w = 0; w < 2; w++)
            for (size_t k = 0; variability_param_group(T, w, k) != NULL; k++)
                if (variability_param_group(T, w, k) == g)
                    return T->params == sel;
    }
    return 0;
}

/* device/binding.h -- a device model chosen and parameterised from a configuration.
 *
 * `device.model` names the model; its parameters are the group device.<model> (the type table's params);
 * the variability groups (variability, .read, .endurance, and the model's per-parameter .d2d.* / .c2c.*) say
 * how cells of it vary.  Every experiment and test with device cells binds them the same way, through here:
 *   device_binding_init      before the file is read: `device` and the model-independent variability groups;
 *   device_binding_select    after the file and --set are read, before cfg_resolve: the selected model's group,
 *                            the groups of other models the file mentions (bound so their keys are still
 *                            checked, then ignored) and the selected model's variability groups;
 *   after cfg_resolve        b->type, b->model (the nominal block) and b->var are ready.
 */
#ifndef CIM_DEVICE_BINDING_H
#define CIM_DEVICE_BINDING_H

#include "core/cfg.h"
#include "device/device.h"
#include "device/variability.h"

#include <stddef.h>

typedef struct device_binding {
    device_params dev;        /* bound to `device`: model, T_K, v_read_V */
    variability var;          /* bound to the variability groups */
    const device_type *type;  /* the selected model (NULL before device_binding_select or for an unknown name) */
    void *model;              /* its parameter block: the nominal values (allocated) */
    void **unused;            /* blocks of other models' groups present in the file (validated only) */
    size_t n_unused;
} device_binding;

void device_binding_init(device_binding *b, cfg *c);
void device_binding_select(device_binding *b, cfg *c);
void device_binding_free(device_binding *b);

/* The lower-level step of device_binding_select: binds the selected model's group into *model (allocated) and
 * the groups of other models the file mentions into *unused; returns the model's type, NULL if the name is
 * unknown (cfg_resolve reports it). */
const device_type *device_bind_params(cfg *c, void **model, void ***unused, size_t *n_unused);
void device_free_params(void *model, void **unused, size_t n_unused);

/* The model group selected by the tree's device.model (default: the first model). */
const param_group *device_selected_group(const cfg *c);
/* The groups read for some files only: every model's group, the template of the per-parameter variability
 * groups (documentation only), every model's variability.d2d/c2c groups.  NULL past the end. */
const param_group *device_optional_group(size_t i);
/* 1 if a binding reads optional group g for the tree c (what device_binding_select binds). */
int device_reads(const cfg *c, const param_group *g);

#endif

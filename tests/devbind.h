/* tests/devbind.h -- a device model and its variability from a config (file or inline text) in crossbar tests,
 * through device/binding.h (the same binding every experiment with device cells uses), without an experiment. */
#ifndef CIM_TESTS_DEVBIND_H
#define CIM_TESTS_DEVBIND_H

#include "core/cfg.h"
#include "core/status.h"
#include "device/binding.h"
#include "device/integrate.h"

#include <criterion/criterion.h>

typedef struct devbind {
    cfg c;
    device_binding b;
    sim_params sim; /* bound to `sim` */
} devbind;

/* Loads source (a file path or, if it starts with '@', inline text), resolves it and prepares the variability. */
static inline void devbind_load(devbind *r, const char *source, const char *const *sets)
{
    cfg_init(&r->c);
    device_binding_init(&r->b, &r->c);
    cfg_bind(&r->c, &sim_group, &r->sim);
    int st = source[0] == '@' ? cfg_read_string(&r->c, "test.cfg", source + 1) : cfg_read_file(&r->c, source);
    cr_assert_eq(st, CIM_OK, "%s", cim_errmsg());
    for (size_t i = 0; sets && sets[i]; i++)
        if (cfg_knows(&r->c, sets[i]))
            cr_assert_eq(cfg_set(&r->c, sets[i]), CIM_OK, "%s", cim_errmsg());
    device_binding_select(&r->b, &r->c);
    for (size_t i = 0; sets && sets[i]; i++)
        cr_assert_eq(cfg_set(&r->c, sets[i]), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&r->c), CIM_OK, "%s", cim_errmsg());
    variability_prepare(&r->b.var);
}

static inline void devbind_unload(devbind *r)
{
    device_binding_free(&r->b);
    cfg_destroy(&r->c);
}

#endif

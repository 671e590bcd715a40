/* tests/devrun.h -- loading a device experiment from a config (file or inline text) in tests. */
#ifndef CIM_TESTS_DEVRUN_H
#define CIM_TESTS_DEVRUN_H

#include "core/cfg.h"
#include "core/status.h"
#include "exp/device.h"

#include <criterion/criterion.h>

typedef struct devrun {
    cfg c;
    exp_device e;
} devrun;

/* Loads source (a file path or, if it starts with '@', inline text) with --set overrides, and
 * prepares the experiment; configs are relative to configs/device/. */
static inline void devrun_load(devrun *r, const char *source, const char *const *sets)
{
    cfg_init(&r->c);
    exp_device_init(&r->e, &r->c);
    int st = source[0] == '@' ? cfg_read_string(&r->c, "test.cfg", source + 1) : cfg_read_file(&r->c, source);
    cr_assert_eq(st, CIM_OK, "%s", cim_errmsg());
    for (size_t i = 0; sets && sets[i]; i++)
        if (cfg_knows(&r->c, sets[i]))
            cr_assert_eq(cfg_set(&r->c, sets[i]), CIM_OK, "%s", cim_errmsg());
    device_binding_select(&r->e.b, &r->c);
    for (size_t i = 0; sets && sets[i]; i++)
        cr_assert_eq(cfg_set(&r->c, sets[i]), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&r->c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_device_prepare(&r->e, CIM_SRC "/configs/device/"), CIM_OK, "%s", cim_errmsg());
}

static inline void devrun_simulate(devrun *r)
{
    cr_assert_eq(exp_device_run(&r->e, NULL), CIM_OK, "%s", cim_errmsg());
}

static inline void devrun_unload(devrun *r)
{
    exp_device_free(&r->e);
    cfg_destroy(&r->c);
}

#endif

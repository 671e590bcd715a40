/* device/registry.c -- the list of device models and the settings every model shares. */
#include "device/device.h"

#include <math.h>
#include <string.h>

/* The registry: one entry per model.  X(name) stands for the type table device_<name> (its file's one export)
 * and for the config name "name", so the two lists below are one list and cannot drift apart; a new model is one
 * file and one entry here.  tests/test_device.c checks that every table's own name is its entry's. */
#define DEVICE_MODELS(X) X(hp) X(team) X(vteam) X(yakopcic) X(stanford_pku) X(pcm) X(feram) X(feram_lk) X(fefet) X(neurosim) X(soft_bounds) X(lut)

#define DEVICE_AS_TYPE(n) &device_##n,
#define DEVICE_AS_NAME(n) #n,
const device_type *const device_types[] = {DEVICE_MODELS(DEVICE_AS_TYPE) NULL};
const char *const device_type_names[] = {DEVICE_MODELS(DEVICE_AS_NAME) NULL};

size_t device_type_count(void)
{
    size_t n = 0;
    while (device_types[n] != NULL)
        n++;
    return n;
}

const device_type *device_type_find(const char *name)
{
    for (size_t i = 0; device_types[i] != NULL; i++)
        if (strcmp(device_types[i]->name, name) == 0)
            return device_types[i];
    return NULL;
}

static const param_spec device_spec[] = {
    PARAM_CHOICE_F(device_params, model, device_type_names, 0,
                   "device model; its parameters are the group device.<model>"),
    PARAM_REAL_F(device_params, T_K, 1, 1000, 300, "K", "ambient temperature (models with thermal physics use it)"),
    PARAM_REAL_F(device_params, v_read_V, 1e-3, 10, 0.1, "V",
                 "read voltage for the reported read resistance R_read = v_read / i(x, v_read)"),
    PARAM_END,
};

const param_group device_group = {
    .path = "device",
    .doc = "The device model and the conditions every model shares.",
    .params = device_spec,
    .size = sizeof(device_params),
};

/* ---- window functions ----------------------------------------------------------------------------- */

const char *const device_window_names[] = {"none", "joglekar", "biolek", "prodromakis", NULL};

static double ipow(double b, int e)
{
    double r = 1.0;
    for (int i = 0; i < e; i++)
        r *= b;
    return r;
}

double device_window(int kind, double x, double toward, double p, double j)
{
    int ip = (int)p;
    switch (kind) {
    case WINDOW_JOGLEKAR: /* f = 1 - (2x - 1)^(2p)   (Joglekar & Wolf, Eur. J. Phys. 30, 2009) */
        return 1.0 - ipow(2.0 * x - 1.0, 2 * ip);
    case WINDOW_BIOLEK: /* f = 1 - (x - stp(-i))^(2p)   (Biolek et al., Radioengineering 18, 2009) */
        return 1.0 - ipow(x - (toward > 0 ? 0.0 : 1.0), 2 * ip);
    case WINDOW_PRODROMAKIS: /* f = j (1 - ((x - 0.5)^2 + 0.75)^p)   (Prodromakis et al., IEEE TED 58, 2011) */
        return j * (1.0 - pow((x - 0.5) * (x - 0.5) + 0.75, p));
    default: return 1.0;
    }
}

/* exp/snn.h -- the `snn` experiment: handwritten digits classified by a spiking network whose synapses are
 * simulated crossbar tiles, with the energy report at the end.
 *
 * The run, in order:
 *   1. data: the UCI 8 x 8 digits (snn/digits.h), snn.data relative to the configuration file's folder; the fixed
 *      split (first 1347 rows train, last 450 test); snn.n_test limits the test images used (0: all);
 *   2. the network it converts: trained in C on the training rows (snn/train.h: softmax regression or a
 *      one-hidden-layer ReLU network), or loaded from snn.weights_dir (a directory written by ann_save);
 *      its test accuracy is the float reference;
 *   3. conversion (snn/convert.h): weights in volts and the neurons' thresholds by percentile normalization, a
 *      bias channel spiking every step;
 *   4. the ideal SNN: the converted weights held exactly (snn/synapse.h "ideal"), LIF neurons (group `neuron`),
 *      the input encoding (group `encode`), snn.t_steps steps per image, readout by most output spikes (ties: the
 *      larger final membrane, then the lower index, convert_readout);
 *   5. the SNN on simulated devices: the same weights mapped onto crossbar tiles (snn/synapse_xbar.h: the groups
 *      synapse, mapping, crossbar, cell, device and its variability, program, sim, dac, sense, adc), programmed,
 *      and read event by event (a spike drives its row);
 *   6. the energy of the device SNN over the test images, beside the same work on a von Neumann machine (the
 *      converted-from network's MVMs, its weights fetched at baseline.memory) and on a Loihi-class neuromorphic
 *      chip (the run's own synaptic operations, neuron updates and spikes: energy/baseline.h); the design's tally is
 *      its tiles' reads, row drivers, sense, ADCs and shift-adds, the neurons' digital updates (ENERGY_NEURON:
 *      one 16-bit multiply for the leak and two 16-bit adds, input and threshold compare, per update; Horowitz's
 *      table, energy/tech.h), the input code made beside the arrays (one 8-bit accumulate per channel and step)
 *      and the data movement: the pixels read from the activation buffer once per image (8 bits), the class
 *      counts written back (16 bits), and a hidden layer's spikes sent to the next layer's tiles as address events
 *      of ceil(log2 n) bits, written to and read from the buffer; programming is one-time and kept apart.
 * The MAC count of the report (its TOPS/W) is the converted-from network's: n_test x its weights.
 *
 * Random streams: training ("train"), the encoder's per-image streams ("encode.<image>"), each bank's tiles
 * ("layer<l>.tile<k>.*"): the same configuration and seed give the same bits.  Images run one after another.
 */
#ifndef CIM_EXP_SNN_H
#define CIM_EXP_SNN_H

#include "core/param.h"
#include "core/progress.h"
#include "core/prov.h"
#include "core/run.h"
#include "core/strbuf.h"
#include "crossbar/cell.h"
#include "crossbar/crossbar.h"
#include "crossbar/mapping.h"
#include "crossbar/program.h"
#include "device/binding.h"
#include "device/integrate.h"
#include "energy/baseline.h"
#include "energy/report.h"
#include "energy/tech.h"
#include "exp/experiment.h"
#include "periph/adc.h"
#include "periph/dac.h"
#include "periph/sense.h"
#include "snn/convert.h"
#include "snn/digits.h"
#include "snn/encode.h"
#include "snn/network.h"
#include "snn/neuron.h"
#include "snn/stdp.h"
#include "snn/synapse_xbar.h"
#include "snn/train.h"

#include <jansson.h>
#include <stdint.h>

typedef struct snn_params { /* group "snn" */
    param_string data;        /* the digits file (.csv.gz or .csv), relative to the configuration's folder */
    param_string weights_dir; /* "": train; else load the network to convert from this directory (ann_save) */
    double dt_s;              /* time step */
    long long t_steps;        /* steps per image */
    long long n_test;         /* test images used (0: all 450) */
    int device_run;           /* 1: also run the SNN on the configured crossbar tiles */
    long long record_images;  /* the first test images whose spikes and membranes are recorded (raster, traces) */
} snn_params;

extern const param_group snn_group;

/* One classification pass over the test images. */
typedef struct snn_pass {
    size_t n, correct;
    double accuracy;              /* correct / n */
    uint64_t in_spikes, spikes;   /* input and neuron spikes, every image */
    uint64_t sop;                 /* synaptic operations */
    uint64_t updates_active, updates_idle;
    int *pred;                    /* n predicted labels (owned) */
} snn_pass;

typedef struct exp_snn {
    experiment_key key;
    run_params run;
    snn_params p;
    neuron_params neuron;
    encode_params enc;
    train_params train;
    convert_params conv;
    snn_xbar_params syn;       /* group `synapse` */
    stdp_params stdp;          /* group `stdp`: used when synapse.learn (cimsim snn --network DIR CONFIG) */
    crossbar_params xb;
    cell_params cell;
    mapping_params mp;
    device_binding b;
    int dev_ready;             /* 1 once b's model and variability are resolved for device cells */
    sim_params sim;
    program_params prog;
    dac_params dac;
    sense_params sense;
    adc_params adc;
    tech_params tech;
    baseline_params base;
    char data_path[2 * PARAM_STRING_MAX + 8]; /* snn.data resolved against the configuration's folder */
    dataset train_set, test_set;
    ann net;                   /* the network converted from */
    train_report trained;      /* when trained here */
    int loaded;                /* 1: loaded from weights_dir */
    snn_conv conv_net;         /* its converted weights (volts) */
    size_t n_float_correct;    /* the float network on the test images used */
    snn_pass ideal, device;
    energy_report report;      /* the device SNN's energy over the test images */
    double program_J;          /* programming the tiles (one time) */
    double wall_s;             /* wall-clock time of the device pass (not a result) */
    json_t *banks;             /* per layer: tiles, event reads, row pulses, programming (owned) */
    /* The recorded images (snn.record_images) of the last pass (the device pass when it runs): every spike as
     * image,step,layer,neuron (layer 0: the input channels), and every neuron's membrane at the end of each step as
     * image,step,l1_v0,...,l2_v0,... (CSV bodies with their header lines). */
    strbuf raster, volts;
} exp_snn;

void exp_snn_init(exp_snn *e, cfg *c);
void exp_snn_bind_model(exp_snn *e, cfg *c);
/* Reads the data (base_dir: the configuration's folder with a trailing '/', "" for the working directory). */
int exp_snn_prepare(exp_snn *e, const char *base_dir, prov *pv);
int exp_snn_run(exp_snn *e, progress *prog);
/* A synapse maker (snn/synapse.h) with ctx an exp_snn whose configuration is loaded: layer l's bank on crossbar
 * tiles as its groups say (synapse, mapping, crossbar, cell, device, program, sim, dac, sense, adc, tech), streams
 * "layer<l>.tile<k>.*".  `cimsim snn --network DIR CONFIG` makes its banks through it. */
int exp_snn_maker(void *ctx, size_t l, size_t n_in, size_t n_out, const double *w, snn_synapse *out);
json_t *exp_snn_summary(const exp_snn *e);
void exp_snn_free(exp_snn *e);

#endif

/* snn/digits.h -- the handwritten-digit task of the spiking network: the UCI 8x8 optical digits (Alpaydin & Kaynak
 * 1998, the copy scikit-learn ships; data/README.md gives provenance, licence and checksums), read through zlib and
 * split the one fixed way.
 *
 * The file: 1797 lines of 65 comma-separated integers, 64 pixels (row-major 8x8, each a count 0..16 of set pixels
 * in a 4x4 block) then the label 0..9.  gzip-compressed or plain (zlib reads a file that is not gzip unchanged).
 * The split: training = the first 1347 lines, test = the last 450, in file order.  Features x = pixel / 16, exact
 * binary fractions in [0, 1].
 *
 * Strict by design: the reference accuracies (data/README.md) hold only for this exact file and split, so anything
 * else is refused rather than guessed at -- CIM_EIO naming FILE:LINE:COLUMN (column: the byte position in the line,
 * 1-based, as core/csv.h) for a value that is not a plain decimal integer (a sign, a decimal point, an exponent:
 * in particular a file already divided by 16), a pixel outside 0..16, a label outside 0..9, a line with other than
 * 65 values, a blank line, a number of lines other than 1797; CIM_EIO for a file that cannot be read or a broken
 * gzip stream.  LF line endings (a CR before the LF is accepted); the last line may lack its newline.
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.  On failure the outputs are left
 * empty (safe to dataset_free).
 */
#ifndef CIM_SNN_DIGITS_H
#define CIM_SNN_DIGITS_H

#include <stddef.h>
#include <stdint.h>

enum {
    DIGITS_ROWS = 1797,  /* lines of the file */
    DIGITS_TRAIN = 1347, /* the first lines: training set */
    DIGITS_TEST = 450,   /* the last lines: test set */
    DIGITS_PIXELS = 64,  /* 8 x 8 */
    DIGITS_CLASSES = 10,
    DIGITS_PIXEL_MAX = 16 /* a pixel counts 0..16 set pixels of a 4 x 4 block; the feature is pixel / 16 */
};

/* A labelled set of n samples of d features, classes 0 .. n_classes - 1. */
typedef struct dataset {
    size_t n, d, n_classes;
    double *x;          /* n x d, row-major */
    int *y;             /* n labels */
    uint64_t fnv1a64;   /* FNV-1a of the decompressed file the set was read from (provenance); 0 if none */
} dataset;

/* Reads the digits file at path (gzip or plain) into the fixed split.  Either output may be NULL. */
int digits_load(const char *path, dataset *train, dataset *test);

/* A set of n samples of d features (zeroed), n_classes classes: for tests and callers that build their own. */
void dataset_alloc(dataset *s, size_t n, size_t d, size_t n_classes);
void dataset_free(dataset *s);

#endif

# cimsim -- build, test, sanitize, benchmark, document, install.
#
#   make            build/libcimsim.a, build/libcimsim.so (-> .so.MAJOR -> .so.MAJOR.MINOR.PATCH), build/cimsim
#   make demo       the README's main job: cimsim snn configs/snn/digits.cfg (and one crossbar multiply)
#   make test       the Criterion suite (builds first)
#   make check      the suite under AddressSanitizer + UndefinedBehaviorSanitizer, in build/check
#   make bench      benchmarks, each printed as a ratio against a reference run alongside
#   make docs       docs/config.md from the parameter tables
#   make install PREFIX=/usr/local    library, headers (<cimsim.h> and the rest), cimsim.pc, the cimsim program
#   make deps       install the Debian packages below (only those missing)
#
# Every target that compiles depends on `deps`, so a fresh Debian machine with only gcc and make
# needs nothing else.  Library flags come from pkg-config, evaluated lazily (after deps ran).

SHELL   := /bin/bash
BUILD   ?= build
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
LDFLAGS ?=

# What the build, the tests and the references need.  Later issues append to this list.
# (binutils: readelf, with which `make test` checks the shared object's SONAME; zlib1g-dev: snn/digits.c reads
# the gzip-compressed data set data/digits.csv.gz.)
DEBIAN_PKGS := pkg-config libgsl-dev libconfig-dev libcriterion-dev libopenblas-dev libjansson-dev \
               libsuitesparse-dev ngspice gnuplot-nox binutils zlib1g-dev openmpi-bin libopenmpi-dev

# Fixed flags live here, not in CFLAGS, so `make CFLAGS=...` (as `check` does) keeps them.
WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Werror
PKGS := gsl libconfig jansson zlib

# Lazy, evaluated once: on a fresh machine pkg-config only exists after `deps` has run.
# CHOLMOD (SuiteSparse 5, the direct reference solve of crossbar/circuit.c) ships no .pc file.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)) -I/usr/include/suitesparse)$(PKG_CFLAGS)
# GSL's BLAS calls go to OpenBLAS: link -lopenblas in place of GSL's reference -lgslcblas.
PKG_LIBS   = $(eval PKG_LIBS := $$(filter-out -lgslcblas,$$(shell pkg-config --libs $(PKGS))) \
               -lcholmod $$(shell pkg-config --libs openblas))$(PKG_LIBS)
# Open MPI (Debian openmpi-bin, libopenmpi-dev): the program's distributed sweeps (cli/sweep_mpi.c); the library does not
# link it.
MPI_CFLAGS = $(eval MPI_CFLAGS := $$(shell pkg-config --cflags ompi-c))$(MPI_CFLAGS)
MPI_LIBS   = $(eval MPI_LIBS := $$(shell pkg-config --libs ompi-c))$(MPI_LIBS)
CRIT_FLAGS = $(eval CRIT_FLAGS := $$(shell pkg-config --cflags --libs criterion))$(CRIT_FLAGS)

CPPFLAGS += -I. -MMD -MP -D_POSIX_C_SOURCE=200809L
# The parallel kernels run on core/threads.c's own pthread pool (not OpenMP: see threads.h, "Load policy").
PTHREAD := -pthread
ALL_CFLAGS = $(WARN) $(CFLAGS) -fPIC $(PTHREAD) $(PKG_CFLAGS)

LIB_DIRS := core device fit crossbar periph snn energy exp sweep
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC  := $(wildcard cli/*.c)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
HEADERS  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.h))

# The shared object is versioned from core/version.h: programs record the SONAME libcimsim.so.MAJOR, which
# links to the file libcimsim.so.MAJOR.MINOR.PATCH; libcimsim.so (what -lcimsim finds) links to the SONAME.
VERSION  := $(shell sed -n 's/^\#define CIM_VERSION "\(.*\)"/\1/p' core/version.h)
SO_MAJOR := $(firstword $(subst ., ,$(VERSION)))
LIB_A    := $(BUILD)/libcimsim.a
LIB_SO   := $(BUILD)/libcimsim.so
LIB_SO_V := $(BUILD)/libcimsim.so.$(VERSION)
CIMSIM   := $(BUILD)/cimsim
# The umbrella header, generated from the header list so that it names every header the library installs.
UMBRELLA := $(BUILD)/cimsim.h

GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

.PHONY: all deps demo test test-lib check bench docs install layers clean FORCE
all: $(LIB_A) $(LIB_SO) $(UMBRELLA) $(CIMSIM)

deps:
	@missing=""; for p in $(DEBIAN_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: these Debian packages are missing; run as root:$$missing" >&2; exit 1; fi; \
	  echo "make deps: installing$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

# The crossbar kernels (line solves, Kirchhoff sums) are streaming loops that GCC vectorises only at
# -O3 (-O2's "very cheap" cost model refuses loops that need an alias check).  -O3 does not reorder
# floating-point sums (no -ffast-math), so results are the same bits as at -O2.
$(BUILD)/crossbar/%.o: ALL_CFLAGS += -O3
# The same for the spiking engine's loops (a row of W added per spike, the neurons' leak and threshold passes): at
# -O2 none of them is vectorised.  -fno-trapping-math lets GCC compute both sides of a select (the reset value and
# the membrane) where the threshold test picks one: the same values, only no floating-point traps are assumed
# (nothing here enables traps or reads the exception flags).
$(BUILD)/snn/%.o: ALL_CFLAGS += -O3 -fno-trapping-math

$(BUILD)/cli/sweep_mpi.o: ALL_CFLAGS += $(MPI_CFLAGS)

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

# The revision is baked into version.o; the stamp changes only when the revision does.
$(BUILD)/gitrev.stamp: FORCE
	@mkdir -p $(@D); echo '$(GIT_REV)' | cmp -s - $@ || echo '$(GIT_REV)' > $@
$(BUILD)/core/version.o: CPPFLAGS += -DCIM_GIT_REV='"$(GIT_REV)"'
$(BUILD)/core/version.o: $(BUILD)/gitrev.stamp

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO_V): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libcimsim.so.$(SO_MAJOR) $(PTHREAD) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(LIB_SO): $(LIB_SO_V)
	ln -sf $(<F) $(BUILD)/libcimsim.so.$(SO_MAJOR)
	ln -sf libcimsim.so.$(SO_MAJOR) $@

$(UMBRELLA): $(HEADERS) Makefile
	@mkdir -p $(@D)
	@{ echo '/* cimsim.h -- every header of the cimsim library (generated by make from the header list). */'; \
	   echo '#ifndef CIMSIM_H'; echo '#define CIMSIM_H'; echo; \
	   for h in $(HEADERS); do echo "#include \"$$h\""; done; echo; echo '#endif'; } > $@.tmp && mv $@.tmp $@

$(CIMSIM): $(CLI_OBJ) $(LIB_A)
	$(CC) $(PTHREAD) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB_A) $(PKG_LIBS) $(MPI_LIBS) -lm

# Tests find the program and the source tree through these (absolute, so any cwd works).
$(BUILD)/tests/%: tests/%.c $(LIB_A) $(CIMSIM) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -DCIM_BIN='"$(abspath $(CIMSIM))"' -DCIM_SRC='"$(CURDIR)"' \
	    $< -o $@ $(LIB_A) $(LDFLAGS) $(PKG_LIBS) $(CRIT_FLAGS) -lm

$(BUILD)/bench/%: bench/%.c $(LIB_A) $(CIMSIM) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -DCIM_BIN='"$(abspath $(CIMSIM))"' -DCIM_SRC='"$(CURDIR)"' $< -o $@ $(LIB_A) $(LDFLAGS) $(PKG_LIBS) -lm

# The main job: handwritten digits on a spiking network whose synapses are simulated RRAM crossbars, with its
# accuracies, synaptic operations and energy report; then one crossbar multiply checked against OpenBLAS.
demo: all
	@mkdir -p $(BUILD)/demo
	$(CIMSIM) snn configs/snn/digits.cfg -o $(BUILD)/demo/digits.csv --plot $(BUILD)/demo/snn_energy.png
	@echo
	$(CIMSIM) mvm configs/mvm/circuit.cfg -o $(BUILD)/demo/I.csv

test: $(TEST_BIN) layers test-lib
	@fail=0; for t in $(TEST_BIN); do echo "== $$t"; $$t --jobs=2 || fail=1; done; \
	 if [ $$fail = 0 ]; then echo "make test: all suites passed"; else echo "make test: FAILED"; exit 1; fi

# The README's "Using the library" example, compiled against a fresh install through pkg-config (shared and
# -static) and run (tests/lib_install.sh).  Not under the sanitizers: the installed library would be
# instrumented, a program linked against it needs the sanitizer runtimes, and ASan cannot link -static.
test-lib: all
ifneq (,$(findstring -fsanitize,$(CFLAGS)))
	@echo "== tests/lib_install.sh: skipped under sanitizers (instrumented library; ASan cannot link -static)"
else
	@echo "== tests/lib_install.sh"
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	 { $(MAKE) --no-print-directory install PREFIX=$$tmp/prefix > $$tmp/install.log 2>&1 || \
	   { cat $$tmp/install.log; exit 1; }; } && \
	 tests/lib_install.sh $$tmp/prefix $(CURDIR)
endif

# Criterion may record a test as passed before LeakSanitizer reports at process exit, so any
# sanitizer report in the log fails the target too.
check:
	@mkdir -p build/check
	@set -o pipefail; \
	 $(MAKE) BUILD=build/check CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" test 2>&1 | tee build/check/log; \
	 status=$$?; \
	 if grep -q -e 'Sanitizer' -e 'runtime error:' build/check/log; then echo "make check: sanitizer reports above"; exit 1; fi; \
	 exit $$status

bench: $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b || exit 1; done

docs: $(CIMSIM)
	$(CIMSIM) config --docs -o docs/config.md

# Layers point down only: device <- crossbar <- periph <- snn; exp and cli sit on top.
layers:
	@! grep -rn '#include "\(crossbar\|periph\|snn\|exp\|cli\)/' core device energy || { echo "layer violation"; exit 1; }
	@! grep -rn '#include "\(periph\|snn\|exp\|cli\)/' crossbar || { echo "layer violation"; exit 1; }
	@! grep -rn '#include "\(snn\|exp\|cli\)/' periph || { echo "layer violation"; exit 1; }
	@! grep -rn '#include "\(exp\|cli\)/' snn || { echo "layer violation"; exit 1; }
	@! grep -rn '#include "cli/' exp || { echo "layer violation"; exit 1; }
	@! grep -rn '#include "\(sweep\|cli\)/' core device energy crossbar periph snn exp || { echo "layer violation"; exit 1; }
	@! grep -rn '#include "cli/' sweep || { echo "layer violation"; exit 1; }
	@! grep -n '#include "\(exp\|cli\)/' tests/test_array.c tests/test_program.c tests/test_xbar.c tests/test_circuit.c \
	    tests/test_sneak.c tests/test_mapping.c tests/test_tiling.c tests/test_crossbar.c \
	    || { echo "layer violation: crossbar tests test the crossbar alone"; exit 1; }

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/cimsim
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO_V) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libcimsim.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libcimsim.so.$(SO_MAJOR)
	ln -sf libcimsim.so.$(SO_MAJOR) $(DESTDIR)$(PREFIX)/lib/libcimsim.so
	install -m 755 $(CIMSIM) $(DESTDIR)$(PREFIX)/bin/
	for h in $(HEADERS); do install -D -m 644 $$h $(DESTDIR)$(PREFIX)/include/cimsim/$$h; done
	install -m 644 $(UMBRELLA) $(DESTDIR)$(PREFIX)/include/cimsim/cimsim.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' cimsim.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/cimsim.pc

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(BENCH_BIN:=.d)

#!/bin/bash
# tests/lib_install.sh PREFIX SRC -- the library as its users get it (run by `make test` after
# `make install PREFIX=<tmp>`): the versioned shared object and its SONAME, and the example program of
# README.md's "Using the library" (taken from the README itself, never a copy) compiled through pkg-config
# against PREFIX, shared and -static, and run; its column currents are checked against the same sums done
# by awk from the G and v written in the example.
set -uo pipefail
prefix=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "tests/lib_install.sh: FAILED: $*" >&2; exit 1; }

version=$(sed -n 's/^#define CIM_VERSION "\(.*\)"/\1/p' "$src/core/version.h")
major=${version%%.*}
lib=$prefix/lib

# 1. libcimsim.so -> libcimsim.so.MAJOR -> libcimsim.so.MAJOR.MINOR.PATCH, whose SONAME is libcimsim.so.MAJOR.
[ -f "$lib/libcimsim.so.$version" ] && [ ! -L "$lib/libcimsim.so.$version" ] ||
    fail "$lib/libcimsim.so.$version is not installed as a file"
[ "$(readlink "$lib/libcimsim.so.$major")" = "libcimsim.so.$version" ] ||
    fail "libcimsim.so.$major does not link to libcimsim.so.$version"
[ "$(readlink "$lib/libcimsim.so")" = "libcimsim.so.$major" ] || fail "libcimsim.so does not link to libcimsim.so.$major"
readelf -d "$lib/libcimsim.so.$version" | grep -q "(SONAME).*\[libcimsim.so.$major\]" ||
    fail "readelf -d shows no SONAME libcimsim.so.$major: $(readelf -d "$lib/libcimsim.so.$version" | grep SONAME)"
[ -f "$prefix/include/cimsim/cimsim.h" ] || fail "no include/cimsim/cimsim.h"

# 2. The example: the first ```c block of the section "## Using the library".
awk '/^## Using the library/ { s = 1; next } s && /^## / { exit } s && /^```c$/ { c = 1; next } c && /^```/ { exit } c' \
    "$src/README.md" > "$work/example.c"
[ -s "$work/example.c" ] || fail "README.md has no \`\`\`c block in its section \"Using the library\""

export PKG_CONFIG_PATH=$lib/pkgconfig
[ "$(pkg-config --modversion cimsim)" = "$version" ] || fail "pkg-config --modversion cimsim is not $version"
cflags=$(pkg-config --cflags cimsim) || fail "pkg-config --cflags cimsim"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags "$work/example.c" -o "$work/shared" $(pkg-config --libs cimsim) \
    2> "$work/cc.log" || { cat "$work/cc.log" >&2; fail "the example does not build against libcimsim.so"; }
readelf -d "$work/shared" | grep -q "(NEEDED).*\[libcimsim.so.$major\]" ||
    fail "the shared example does not record libcimsim.so.$major"
cc -std=c11 -static $cflags "$work/example.c" -o "$work/static" $(pkg-config --static --libs cimsim) \
    2> "$work/cc.log" || { cat "$work/cc.log" >&2; fail "the example does not link -static with pkg-config --static"; }
readelf -d "$work/static" 2>&1 | grep -q "no dynamic section" || fail "the -static example is dynamically linked"

# 3. Expected currents, I_j = sum_i G_ij v_i, by awk from the initialisers of g_S and v_V in the example.
init() { sed -n "s/.*const double $1\[[^]]*\] = {\([^}]*\)}.*/\1/p" "$work/example.c"; }
g=$(init g_S) v=$(init v_V) cols=$(sed -n 's/.*COLS = \([0-9]*\).*/\1/p' "$work/example.c")
[ -n "$g" ] && [ -n "$v" ] && [ -n "$cols" ] || fail "cannot find g_S, v_V and COLS in the example"
awk -v g="$g" -v v="$v" -v cols="$cols" 'BEGIN {
    ng = split(g, G, ","); nv = split(v, V, ",");
    if (ng != nv * cols) { print "G has " ng " values, not " nv " x " cols > "/dev/stderr"; exit 1 }
    for (j = 0; j < cols; j++) { s = 0; for (i = 0; i < nv; i++) s += G[i * cols + j + 1] * V[i + 1]; printf "%d %.17g\n", j, s }
}' > "$work/expected" || fail "awk could not compute the expected currents"

for kind in shared static; do
    env LD_LIBRARY_PATH="$lib" "$work/$kind" > "$work/$kind.out" 2> "$work/$kind.err" ||
        { cat "$work/$kind.err" >&2; fail "the $kind example failed"; }
    head -n 1 "$work/$kind.out" | grep -q "^cimsim $version " ||
        fail "the $kind example reports $(head -n 1 "$work/$kind.out"), not version $version"
    # Printed with 7 significant digits (%.6e): agreement to 1e-6 of each value is all the output can show.
    awk 'NR == FNR { want[$1] = $2; n++; next }
         /^column / { j = $2 + 0; got = $3 + 0; seen++
                      d = got - want[j]; if (d < 0) d = -d
                      if (!(j in want) || d > 1e-6 * (want[j] < 0 ? -want[j] : want[j])) { print "column " j ": " got " A, expected " want[j] > "/dev/stderr"; bad = 1 } }
         END { if (seen != n) { print seen " columns printed, expected " n > "/dev/stderr"; bad = 1 } exit bad }' \
        "$work/expected" "$work/$kind.out" || fail "the $kind example's currents are wrong: $(tr '\n' ';' < "$work/$kind.out")"
done
# 4. The section's ```sh block, as written, as a user runs it: in a folder holding example.c, with HOME a fresh
#    folder (the block installs into $HOME/cimsim); `make` there is the repository's make (a user runs it in the
#    checkout: a shim that only says where the Makefile is).
awk '/^## Using the library/ { s = 1; next } s && /^## / { exit } s && /^```sh$/ { c = 1; next } c && /^```/ { exit } c' \
    "$src/README.md" > "$work/block.sh"
[ -s "$work/block.sh" ] || fail "README.md has no \`\`\`sh block in its section \"Using the library\""
mkdir -p "$work/user" "$work/home" "$work/bin"
cp "$work/example.c" "$work/user/example.c"
printf '#!/bin/sh\nexec %s -C %s "$@"\n' "$(command -v make)" "$src" > "$work/bin/make"
chmod +x "$work/bin/make"
(cd "$work/user" && env -u PKG_CONFIG_PATH HOME="$work/home" PATH="$work/bin:$PATH" MAKEFLAGS= MAKELEVEL= \
    bash -eo pipefail "$work/block.sh") > "$work/block.out" 2> "$work/block.err" ||
    { tail -n 20 "$work/block.err" >&2; fail "README.md's build commands of \"Using the library\" failed as written"; }
n_runs=$(grep -c "^cimsim $version " "$work/block.out")
[ "$n_runs" = 2 ] || fail "README.md's build commands ran the example $n_runs times (shared and -static: 2)"
for f in shared static; do
    grep '^column ' "$work/$f.out" > "$work/$f.cols"
done
grep '^column ' "$work/block.out" > "$work/block.cols"
cat "$work/shared.cols" "$work/static.cols" | cmp -s - "$work/block.cols" ||
    fail "README.md's build commands printed other currents than the checked builds"

echo "tests/lib_install.sh: libcimsim.so.$version (SONAME libcimsim.so.$major); README example built shared and -static through pkg-config, currents match; the README's build commands run as written"

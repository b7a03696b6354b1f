#!/bin/sh
# hdrhistogram-fetch.sh - fetch HdrHistogram_c's C sources from the npm
# package native-hdr-histogram@1.0.0 and build hdr_histogram.c as a small
# shared library for bench-hist (its "HdrHistogram_c hdr_record_value" row).
#
#   bench/hdrhistogram-fetch.sh [-d CACHEDIR] [BENCH [ARGS...]]
#
# CACHEDIR (default ${OSPREY_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/osprey-bench}
# /hdrhistogram-c-1.0.0, the place bench-hist looks when given no --hdr; keep
# it outside the repository or under an ignored /build*/ folder) gets the
# .tgz, the extracted package and CACHEDIR/libhdr_histogram.so, built from
# package/HdrHistogram_c/src/hdr_histogram.c alone with gcc -O3 -fPIC (the
# optimization level of our release build; no -march). Nothing from the
# package is written into the repository. A second run reuses the cache.
#
# Without BENCH: prints the library's path (exit 1 if the fetch or the build
# failed). With BENCH (build/bench/bench-hist): runs BENCH --hdr LIB ARGS; if
# the fetch or the build failed, says why on stderr and runs BENCH ARGS
# anyway, which then prints a line saying the HdrHistogram_c row is skipped.
# Needs npm (reaches the npm registry) and gcc.
set -u
D=${OSPREY_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/osprey-bench}/hdrhistogram-c-1.0.0
if [ "${1:-}" = "-d" ]; then
	D=${2:?usage: hdrhistogram-fetch.sh [-d CACHEDIR] [BENCH [ARGS...]]}
	shift 2
fi
CC=${CC:-gcc}
PKG=native-hdr-histogram@1.0.0
LIB=$D/libhdr_histogram.so

fetch() {
	[ -f "$LIB" ] && return 0
	mkdir -p "$D" || return 1
	if [ ! -f "$D/native-hdr-histogram-1.0.0.tgz" ]; then
		(cd "$D" && npm pack --silent "$PKG" >/dev/null) || {
			echo "hdrhistogram-fetch: npm pack $PKG failed" >&2
			return 1
		}
	fi
	tar -xzf "$D/native-hdr-histogram-1.0.0.tgz" -C "$D" package/HdrHistogram_c || {
		echo "hdrhistogram-fetch: no package/HdrHistogram_c in the package" >&2
		return 1
	}
	S=$D/package/HdrHistogram_c/src
	[ -f "$S/hdr_histogram.c" ] || {
		echo "hdrhistogram-fetch: no $S/hdr_histogram.c" >&2
		return 1
	}
	# build under a temporary name so a failed build never leaves a library behind
	"$CC" -O3 -fPIC -shared -w -I"$S" -o "$LIB.tmp" "$S/hdr_histogram.c" -lm || {
		echo "hdrhistogram-fetch: $CC failed on $S/hdr_histogram.c" >&2
		rm -f "$LIB.tmp"
		return 1
	}
	mv "$LIB.tmp" "$LIB"
	echo "hdrhistogram-fetch: built $LIB from $PKG (HdrHistogram_c/src/hdr_histogram.c)" >&2
}

if [ $# -eq 0 ]; then
	fetch || exit 1
	echo "$LIB"
	exit 0
fi
B=$1
shift
if fetch; then
	exec "$B" --hdr "$LIB" "$@"
fi
echo "hdrhistogram-fetch: running $B without HdrHistogram_c" >&2
exec "$B" "$@"

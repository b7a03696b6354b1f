#!/bin/sh
# talib-fetch.sh - download TA-Lib's C sources from the npm package
# talib@2.0.5 and build them as a shared library for bench-indicators.
#
#   bench/talib-fetch.sh WORKDIR [BUILD]
#
# WORKDIR (created; outside the repository, or ignored by .gitignore) gets
# talib-2.0.5.tgz, the extracted package and WORKDIR/libta.so, built from
# every src/ta_common/*.c and src/ta_func/*.c with gcc -O2 -ffp-contract=off
# -fPIC (no -march: TA-Lib as the oracle README builds it). Nothing from the
# package is written into the repository. With BUILD (a meson build dir), it
# then runs BUILD/bench/bench-indicators --talib WORKDIR/libta.so.
# Needs npm (reaches the npm registry) and gcc.
set -eu
W=${1:?usage: talib-fetch.sh WORKDIR [BUILD]}
B=${2:-}
CC=${CC:-gcc}
mkdir -p "$W"
W=$(cd "$W" && pwd)
if [ ! -f "$W/libta.so" ]; then
	(cd "$W" && npm pack --silent talib@2.0.5 >/dev/null)
	tar -xzf "$W/talib-2.0.5.tgz" -C "$W"
	L=$W/package/src/lib
	[ -d "$L/src/ta_func" ] || { echo "talib-fetch: no src/lib/src/ta_func in the package" >&2; exit 1; }
	mkdir -p "$W/obj"
	# two compilers at a time (the machine has 2 cores)
	ls "$L"/src/ta_common/*.c "$L"/src/ta_func/*.c | xargs -P 2 -I{} sh -c \
		'f={}; o='"$W"'/obj/$(basename "$f" .c).o; '"$CC"' -O2 -ffp-contract=off -fPIC -w \
		-I'"$L"'/include -I'"$L"'/src/ta_common -I'"$L"'/src/ta_func -c "$f" -o "$o"'
	"$CC" -shared -o "$W/libta.so" "$W"/obj/*.o -lm
	echo "talib-fetch: built $W/libta.so from $(ls "$W"/obj/*.o | wc -l) objects" >&2
fi
if [ -n "$B" ]; then
	exec "$B/bench/bench-indicators" --talib "$W/libta.so"
fi
echo "$W/libta.so"

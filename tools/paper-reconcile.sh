#!/bin/sh
# paper-reconcile.sh - the engine's view of a paper session against the venue's:
# positions, cash and fills per symbol, from three independent sources:
#   the engine's --positions CSV (symbol,position,cash) and its summary's
#   "fills N (S shares)" line; the venue's drop copy (every fill, rebuilt here
#   into positions and cash); the venue's own --positions CSV for ACCOUNT.
# Prints one line per difference, then
#   reconciliation: ... N differences (F fills, S shares)
# and exits 1 when N > 0, 2 when a file is missing.
#
# usage: tools/paper-reconcile.sh ENGINE_SUMMARY ENGINE_POSITIONS VENUE_POSITIONS DROP_COPY ACCOUNT
set -u
[ $# -eq 5 ] || { echo "usage: $0 ENGINE_SUMMARY ENGINE_POSITIONS VENUE_POSITIONS DROP_COPY ACCOUNT" >&2; exit 2; }
for f in "$1" "$2" "$3" "$4"; do
	[ -r "$f" ] || { echo "paper-reconcile: $f: cannot read" >&2; exit 2; }
done
# "  fills          558 (29566 shares)" in the engine's trading summary
efills=$(awk '/^  fills / { print $2 }' "$1")
eshares=$(awk '/^  fills / { gsub(/[(]/, "", $3); print $3 }' "$1")
awk -F, -v efills="${efills:-0}" -v eshares="${eshares:-0}" -v acct="$5" \
	-v epf="$2" -v vpf="$3" -v dcf="$4" '
	FNR == 1 { next }   # headers
	FILENAME == epf { epos[$1] = $2; ecash[$1] = $3; seen[$1] = 1; next }
	FILENAME == vpf && $1 == acct {
		vpos[$2] = $3; vcash[$2] = $7; vfills += $4; vshares += $5 + $6; seen[$2] = 1; next }
	# drop copy: account,...,token(6),,symbol(8),side(9),...,price(12),...,cum(14),event(15)
	FILENAME == dcf && $4 == acct && $15 == "fill" {
		key = $6
		q = $14 - cum[key]; cum[key] = $14
		if (q <= 0) { printf "  drop copy line %d: fill of %d shares on %s\n", FNR, q, key; bad++; next }
		dfills++; dshares += q; seen[$8] = 1
		if ($9 == "B") { dpos[$8] += q; dcash[$8] -= q * $12 } else { dpos[$8] -= q; dcash[$8] += q * $12 }
	}
	function money(a, b, what, s) {
		if (a - b > 0.00005 || b - a > 0.00005) {
			printf "  %s: %s %.4f, drop copy %.4f\n", s, what, a, b; return 1 }
		return 0
	}
	END {
		d = bad + 0
		for (s in seen) {
			if (epos[s] + 0 != dpos[s] + 0) {
				printf "  %s: engine position %d, drop copy %d\n", s, epos[s], dpos[s]; d++ }
			if (vpos[s] + 0 != dpos[s] + 0) {
				printf "  %s: venue position %d, drop copy %d\n", s, vpos[s], dpos[s]; d++ }
			d += money(ecash[s], dcash[s], "engine cash", s)
			d += money(vcash[s], dcash[s], "venue cash", s)
		}
		if (efills != dfills) { printf "  fills: engine %d, drop copy %d\n", efills, dfills; d++ }
		if (eshares != dshares) { printf "  shares filled: engine %d, drop copy %d\n", eshares, dshares; d++ }
		if (vfills != dfills) { printf "  fills: venue positions %d, drop copy %d\n", vfills, dfills; d++ }
		printf "reconciliation: engine positions, cash and fills against the venue'"'"'s drop copy: %d differences (%d fills, %d shares)\n", d, dfills, dshares
		exit d != 0
	}' "$2" "$3" "$4"

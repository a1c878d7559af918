#!/bin/sh
# Rebuild assets/icc/FOGRA39L-argyll.icc from the free FOGRA39L characterisation data.
#
# Not run by the build: the profile is committed. Run this only to regenerate it.
# Needs: ArgyllCMS (Debian package `argyll`, used: 2.3.1), icc-profiles-free (for FOGRA39L.ti3),
# python3 (to pin the header date so that the output is byte-for-byte reproducible).
#
#   sh tools/build_icc.sh            # writes assets/icc/FOGRA39L-argyll.icc
#
# The result is a freely licensed *approximation* of FOGRA39 (ISO 12647-2:2004, coated paper),
# not the official ECI/Fogra "ISO Coated v2" profile.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/assets/icc/FOGRA39L-argyll.icc"
ti3=${FOGRA39L_TI3:-$(find /usr/share/color -name FOGRA39L.ti3 2>/dev/null | head -n 1)}
if [ -z "$ti3" ] || [ ! -f "$ti3" ]; then
    echo "FOGRA39L.ti3 not found: install icc-profiles-free or set FOGRA39L_TI3=/path/FOGRA39L.ti3" >&2
    exit 1
fi
command -v colprof >/dev/null 2>&1 || { echo "colprof not found: install ArgyllCMS (apt-get install argyll)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$ti3" "$work/FOGRA39L.ti3"          # colprof writes next to its input; keep /usr clean
(
    cd "$work"
    # -qm    medium quality
    # -k p 0 0.05 1.0 0.7 1.0   medium black generation: K starts at 5 % of the tone range
    #        (near white), rises linearly to 70 % of its possible range at black
    # -l 300 total ink limit 300 %   -L 95  black ink limit 95 %
    colprof -qm \
        -D "FOGRA39L (Argyll, printpipe)" \
        -C "Generated with ArgyllCMS colprof from FOGRA39L.ti3 (icc-profiles-free, Zlib licence). No warranty." \
        -k p 0 0.05 1.0 0.7 1.0 -l 300 -L 95 FOGRA39L
)

# colprof stamps the ICC header (bytes 24-35) with the current date and time: the only bytes
# that differ between two runs. Pin them so a rebuild gives the committed file exactly.
python3 - "$work/FOGRA39L.icc" <<'EOF'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[24:36] = struct.pack(">6H", 2026, 11, 26, 0, 0, 0)   # dateTimeNumber, UTC
open(path, "wb").write(bytes(data))
EOF

mkdir -p "$(dirname "$out")"
cp "$work/FOGRA39L.icc" "$out"
sha256sum "$out"

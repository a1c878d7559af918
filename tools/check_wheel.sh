#!/usr/bin/env bash
# CI: build the wheel, install it (with the locked runtime) into a fresh venv outside the
# checkout, and build editions kept outside the repository with it: the package defaults must
# be inside the wheel, nothing may come from the checkout. Downloads only from PyPI.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/printpipe-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "wheel: building from $repo"
"$python" -m pip wheel --no-deps --verbose "$repo" -w "$work/dist" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
if grep -i "deprecat" "$work/build.log"; then
  echo "wheel: the build printed deprecation warnings (above)" >&2; exit 1
fi
wheel="$(ls "$work"/dist/printpipe-*.whl)"
listing="$("$python" -m zipfile -l "$wheel")"
for file in printpipe/defaults/layouts/house.yaml printpipe/defaults/layouts/letter.yaml \
            printpipe/defaults/assets/fonts/NotoSerif-Regular.ttf printpipe/defaults/assets/fonts/OFL.txt \
            printpipe/defaults/assets/icc/FOGRA39L-argyll.icc printpipe/defaults/assets/icc/sRGB.icc \
            printpipe/defaults/assets/CREDITS.md printpipe/requirements.lock; do
  grep -q " *$file " <<<"$listing" || { echo "wheel: $file is missing" >&2; exit 1; }
done

echo "wheel: installing $(basename "$wheel") into a fresh venv"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --require-hashes -r "$repo/requirements.lock"
"$work/venv/bin/python" -m pip install --quiet --no-deps "$wheel"
printpipe="$work/venv/bin/printpipe"

# An edition on its own (package defaults), from a folder outside the repository.
mkdir -p "$work/drive"
cp -r "$repo/editions/2019" "$work/drive/2019"
cd "$work"
"$printpipe" build drive/2019 --target press --target screen
test -s drive/2019/build/harbourlight-2019-press.pdf
"$printpipe" verify drive/2019
grep -q '"<printpipe-defaults>/layouts/house.yaml"' drive/2019/build/manifest.json
case "$("$work/venv/bin/python" -c 'import printpipe; print(printpipe.__file__)')" in
  "$repo"/*) echo "wheel: printpipe was imported from the checkout" >&2; exit 1 ;;
esac

# A new project, built through its own Makefile.
"$printpipe" init "$work/project"
make -C "$work/project" report PRINTPIPE="$printpipe"
ls "$work"/project/build/example/*-press.pdf >/dev/null
echo "wheel: ok"

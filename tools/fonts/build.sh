#!/bin/sh
# Builds the web fonts of static/fonts/web/ (static/css/fonts.css declares them) from the npm packages
# @fontsource/noto-sans, noto-sans-arabic and noto-sans-tifinagh 5.3.0, with fontTools from the
# project's venv: `sh tools/fonts/build.sh`. Why each subset is what it is: static/fonts/README.md.
# A file's content never changes under its name (fonts are cached for a year): a new build of a font
# gets a new name, and fonts.css its new unicode-range.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/static/fonts/web}
PY=${PY:-$ROOT/.venv/bin}
export SOURCE_DATE_EPOCH=1764892800  # a fixed head.modified: the same bytes at every build
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
for package in noto-sans noto-sans-arabic noto-sans-tifinagh; do
  npm pack --silent "@fontsource/$package@5.3.0" >/dev/null
  mkdir "$package" && tar xzf "fontsource-$package-5.3.0.tgz" -C "$package"
done
F=package/files
subset() { "$PY/pyftsubset" "$@"; }
# What a page's text needs besides its letters: space, digits, ASCII punctuation, no-break spaces,
# « », °, ·, ×, dashes, quotes, bullet, ellipsis.
COMMON="U+0020-0040,U+005B-0060,U+007B-007E,U+00A0,U+00AB,U+00B0,U+00B7,U+00BB,U+00D7,U+2010-2014,U+2018-201D,U+2022,U+2026,U+202F"
# Arabic letters and vowel marks, Arabic punctuation and percent/decimal signs, ڤ ڭ گ (Moroccan),
# joiners and direction marks.
ARABIC="U+060C,U+061B-061C,U+061F,U+0621-063A,U+0640-0655,U+066A-066C,U+0670,U+06A4,U+06AD,U+06AF,U+200C-200F"
# The Tifinagh of Standard Moroccan Tamazight (IRCAM): letters, labio-velarization mark, separator.
TIFINAGH="U+2D30-2D67,U+2D6F-2D70,U+200C-200D"
LATIN="U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD"
LATIN_FEATURES=ccmp,locl,liga,kern,mark,mkmk
ARABIC_FEATURES=ccmp,isol,init,medi,fina,rlig,liga,calt,curs,kern,mark,mkmk
TIFINAGH_FEATURES=ccmp,kern,mark,mkmk
for weight in 400 700; do
  subset noto-sans/$F/noto-sans-latin-$weight-normal.woff2 --unicodes="$LATIN" --layout-features=$LATIN_FEATURES \
    --no-hinting --flavor=woff2 --output-file="$OUT/noto-sans-latin-$weight-v2.woff2"
  # The Arabic font's own space, digits and punctuation (its "latin" file: same design, version and
  # metrics) merged into its Arabic letters. Its average width is recomputed from the glyphs kept: the
  # whole font's (918, wide ligatures included) sized every textarea of an Arabic page 1.8 times wider.
  subset noto-sans-arabic/$F/noto-sans-arabic-arabic-$weight-normal.woff2 --unicodes='*' --layout-features='*' \
    --output-file=arabic-$weight.ttf
  subset noto-sans-arabic/$F/noto-sans-arabic-latin-$weight-normal.woff2 --unicodes="$COMMON" --layout-features='*' \
    --output-file=arabic-common-$weight.ttf
  "$PY/pyftmerge" arabic-$weight.ttf arabic-common-$weight.ttf --output-file=arabic-merged-$weight.ttf
  subset arabic-merged-$weight.ttf --unicodes="$ARABIC,$COMMON" --layout-features=$ARABIC_FEATURES \
    --no-hinting --recalc-average-width --flavor=woff2 --output-file="$OUT/noto-sans-arabic-$weight-v2.woff2"
done
subset noto-sans-tifinagh/$F/noto-sans-tifinagh-tifinagh-400-normal.woff2 --unicodes='*' --layout-features='*' \
  --output-file=tifinagh.ttf
subset noto-sans-tifinagh/$F/noto-sans-tifinagh-latin-400-normal.woff2 --unicodes="$COMMON" --layout-features='*' \
  --output-file=tifinagh-common.ttf
"$PY/pyftmerge" tifinagh.ttf tifinagh-common.ttf --output-file=tifinagh-merged.ttf
subset tifinagh-merged.ttf --unicodes="$TIFINAGH,$COMMON" --layout-features=$TIFINAGH_FEATURES \
  --no-hinting --flavor=woff2 --output-file="$OUT/noto-sans-tifinagh-400-v2.woff2"
# The header's few words in one file: the language switcher's names and the school's initials.
subset noto-sans/$F/noto-sans-latin-400-normal.woff2 --text="Français EPDR" --layout-features=$LATIN_FEATURES \
  --no-hinting --output-file=header-latin.ttf
subset noto-sans-arabic/$F/noto-sans-arabic-arabic-400-normal.woff2 --text="العربية" \
  --layout-features=$ARABIC_FEATURES --no-hinting --output-file=header-arabic.ttf
subset noto-sans-tifinagh/$F/noto-sans-tifinagh-tifinagh-400-normal.woff2 --text="ⵜⴰⵎⴰⵣⵉⵖⵜ" \
  --layout-features=$TIFINAGH_FEATURES --no-hinting --output-file=header-tifinagh.ttf
"$PY/pyftmerge" header-latin.ttf header-arabic.ttf header-tifinagh.ttf --output-file=header.ttf
subset header.ttf --unicodes='*' --layout-features='*' --flavor=woff2 --output-file="$OUT/header-v2.woff2"
ls -l "$OUT"

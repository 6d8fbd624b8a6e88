#!/usr/bin/env bash
# Regenerates docs/screenshots/: the ten most used pages over the demo data (`fora demo`), as
# a visitor, a member, a moderator or an admin sees them, at 1280 and 375 CSS pixels wide,
# plus the phone's menu opened. Drives Debian's chromium through chromedriver, as the browser
# tests do (tests/integration/screenshots.rs).
#
# Needs: cargo, chromium, chromedriver (apt-get install chromium chromium-driver).
# Environment (optional):
#   OUT=dir   where to write the PNG files (default: docs/screenshots)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/docs/screenshots}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

cd "$ROOT"
FORA_SCREENSHOT_DIR="$OUT" cargo test --locked --test integration \
    screenshots::screenshots -- --ignored --exact
ls -l "$OUT"

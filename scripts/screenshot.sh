#!/usr/bin/env bash
# Render the main window under a virtual X display to docs/screenshot.png (or the path given).
#   scripts/screenshot.sh [--out PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
export FOLEY_STUDIO_CONFIG="$(mktemp -d)"
export QT_QPA_PLATFORM=xcb
exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshot.py "$@"

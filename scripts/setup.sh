#!/usr/bin/env bash
# Set up Foley Studio on a fresh Debian/Ubuntu machine; safe to run again.
#   - system packages: PortAudio (sounddevice), liblo-tools (OSC test peer), Xvfb (app
#     screenshots), Lua (REAPER script tests), ffmpeg/sox (independent media readers in tests)
#   - .venv with the pinned torch family and the package in editable mode (with test extras)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libportaudio2 liblo-tools xvfb xauth lua5.4 ffmpeg sox libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0)

PY=${PYTHON:-python3}
# Debian's own Python keeps venv/ensurepip in a separate package
"$PY" -c "import ensurepip, venv" 2>/dev/null || APT_PACKAGES+=(python3-venv)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
if ! .venv/bin/python -c "import foley_studio, torch, PyQt6, pytest" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch .venv/.installed
fi
echo "Foley Studio is set up in .venv"

#!/usr/bin/env bash
# Prints the path of a working Python 3.10 (Rasa 3.6 runs on Python 3.8-3.10 only).
set -u
try() { "$1" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { command -v "$1" || echo "$1"; exit 0; }; }
[ -n "${PYTHON:-}" ] && try "$PYTHON"
try python3.10
for p in "$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 \
         /usr/local/bin/python3.10 /usr/bin/python3.10; do
  [ -x "$p" ] && try "$p"
done
cat >&2 <<'MSG'
Jaga needs Python 3.10 (Rasa 3.6 supports Python 3.8-3.10 only), and none was found.
Install it, then run make again:
  - Debian/Ubuntu: apt-get install python3.10 python3.10-venv
  - pyenv:         pyenv install 3.10
  - or point to one: make demo PYTHON=/path/to/python3.10
MSG
exit 1

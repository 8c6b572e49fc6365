# Sourced by scripts/demo and scripts/setup: the project's own virtual environment, .venv.
#
# Debian 12 and Ubuntu 24.04 refuse `pip install` into the system Python (PEP 668,
# "externally-managed-environment"), and a normal user may not write there anyway, so the
# package goes into .venv in the checkout. Nothing here needs root.

# Python ≥ 3.11 (pyproject.toml's requires-python), said plainly when it is older.
check_python() {
  if ! command -v python3 >/dev/null 2>&1; then
    echo "mailtriage needs Python 3.11 or newer: python3 is not installed." >&2
    exit 1
  fi
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "mailtriage needs Python 3.11 or newer; python3 is $(python3 -V 2>&1)." >&2
    exit 1
  fi
}

# Make .venv (once) with the options given, e.g. --system-site-packages.
make_venv() {
  if [ ! -x .venv/bin/python ]; then
    check_python
    if ! python3 -m venv "$@" .venv; then
      rm -rf .venv
      # Debian and Ubuntu ship venv's pip (ensurepip) in a package of its own.
      echo "Could not create the virtual environment .venv. On Debian/Ubuntu: sudo apt install python3-venv" >&2
      echo "(or install with pipx / uv instead: see README.md, Install)." >&2
      exit 1
    fi
  fi
  # Keep the environment out of git (Python 3.13's venv writes this file itself).
  [ -f .venv/.gitignore ] || printf '*\n' > .venv/.gitignore
}

# pip install into .venv what is asked (e.g. . or -e '.[test]'), again only when the
# checkout changed since the last time (a pull) or something else is asked for.
venv_install() {
  local stamp=".venv/.installed" wanted="$*"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] \
     && [ -z "$(find pyproject.toml wizard tui -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check "$@"
  printf '%s\n' "$wanted" > "$stamp"
}

# Whether the system Python refuses pip installs (PEP 668).
externally_managed() {
  python3 -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'
}

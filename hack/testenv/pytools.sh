#!/usr/bin/env bash
# Installs the AWS CLI and moto's server at the versions pinned in python-requirements.txt
# into a virtualenv in the testenv cache, and prints its bin directory. The virtualenv is
# reused while the pins and the Python version are unchanged, so later runs cost a moment.
# `make test` (through hack/with-testenv.sh) and `make demo` put it first on PATH: a fresh
# machine needs only python3 with its venv module.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}
venv=$cache/venv
requirements=$here/python-requirements.txt

command -v python3 >/dev/null || {
	echo "pytools: python3 is required for the AWS CLI and moto (Debian: apt-get install python3 python3-venv)" >&2
	exit 1
}
stamp="$(sha256sum "$requirements" | cut -c1-16) $(python3 -c 'import sys; print(sys.version.split()[0])')"
if [[ -x $venv/bin/aws && -x $venv/bin/moto_server && "$(cat "$venv/.stamp" 2>/dev/null)" == "$stamp" ]]; then
	echo "$venv/bin"
	exit 0
fi
echo "pytools: installing the AWS CLI and moto into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv" >&2 || {
	echo "pytools: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
	exit 1
}
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
"$venv/bin/aws" --version >&2
echo "$stamp" >"$venv/.stamp"
echo "$venv/bin"

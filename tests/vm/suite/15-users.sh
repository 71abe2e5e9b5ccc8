#!/bin/bash
# Unprivileged users exist and can run dynamically linked programs.
set -euo pipefail
[ "$(setpriv --reuid tester --regid tester --clear-groups id -un)" = tester ]
[ "$(setpriv --reuid 65534 --regid 65534 --clear-groups id -un)" = nobody ]
setpriv --reuid 1000 --regid 1000 --clear-groups lua5.4 -e 'print("lua as", os.getenv("USER") or "uid 1000")'
setpriv --reuid 1000 --regid 1000 --clear-groups bash -c 'echo "bash as $(id -u)"'

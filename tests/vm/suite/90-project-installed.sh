#!/bin/bash
# The project's modules and the lunatik command are installed in the guest.
set -euo pipefail
modinfo lunatik
command -v lunatik

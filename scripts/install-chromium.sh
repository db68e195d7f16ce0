#!/usr/bin/env bash
# Installs Debian's chromium (and a font), which the HTML sketch test uses to render a race
# in headless mode; graphviz too, for the dot test. Without them those tests skip, saying so.
# Usage: sudo scripts/install-chromium.sh   (or as root)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core graphviz
chromium --version
dot -V

#!/usr/bin/env bash
# Builds the DocC documentation of the MMScenario library (its catalogue is
# Sources/MMScenario/MMScenario.docc) with the toolchain's docc, without the docc plugin:
# symbol graph from the debug build, then `docc convert`. Output: .build-docs/MMScenario.doccarchive
# Usage: scripts/docc.sh [scratch-path]   (default .build)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${1:-.build}
swift build --scratch-path "$scratch" --target MMScenario
out=.build-docs
rm -rf "$out/symbol-graphs" && mkdir -p "$out/symbol-graphs"
swift-symbolgraph-extract -module-name MMScenario -I "$scratch/debug/Modules" \
    -target "$(uname -m)-unknown-linux-gnu" -minimum-access-level public \
    -output-dir "$out/symbol-graphs"
docc convert Sources/MMScenario/MMScenario.docc --additional-symbol-graph-dir "$out/symbol-graphs" \
    --analyze --output-path "$out/MMScenario.doccarchive"

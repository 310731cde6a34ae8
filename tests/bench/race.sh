#!/usr/bin/env bash
# race.sh - the seed's benchmark in one command: every LlamaIndex
# IngestionPipeline mode against ours, each scenario against its physical
# bound, with a table, race-out/race.csv and race-out/race.png.
#
# usage: tests/bench/race.sh [race.py flags]   (see tests/bench/race.py --help)
#   e.g. tests/bench/race.sh --scenarios a,f --repeat 1 --no-peer
# Needs ../shared (corpus, mock); runs LlamaIndex where the peer is installed
# (../shared/peers/llamaindex-py/install.sh). Installs gnuplot if missing.
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/common.sh"
install_deps gnuplot-nox nodejs
build build
exec python3 "$ROOT/tests/bench/race.py" --build "$ROOT/build" "$@"

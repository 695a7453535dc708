#!/bin/bash
# bench/h100_s12d.sh - session 12: h100_s12c.sh again after 0b6015a (pack tasks sized for a
# piece) with pieces of 0 / 8 (the default) / 16 / 32 MiB, its summary by bench/load_summary.py.
PIECES="0 8 16 32" TESTS="test_gpu test_quant_model" TAG=s12d bash bench/h100_s12c.sh
python3 bench/load_summary.py "${OUT:-bench/out}/s12d.txt"

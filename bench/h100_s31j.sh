#!/bin/bash
# bench/h100_s31j.sh - h100_s31i.sh again on the build of the layer norms polling their first
# value alone until it is written, then the rest in rounds (ff0ae78's LN_WAIT).
exec bash bench/h100_s31i.sh

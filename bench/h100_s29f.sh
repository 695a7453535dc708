#!/bin/bash
# bench/h100_s29f.sh - session 29: what a dependent dispatch pays for uniform updates, a uniform
# block range instead, binds and program switches (bench-dispatch 3000, new cases at 264
# workgroups), twice.
. bench/h100_env.sh
for r in 1 2; do "$B/bench-dispatch" 3000; done

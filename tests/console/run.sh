#!/bin/sh
# Runs the console end-to-end cases (see run.py).
exec python3 "$(dirname "$0")/run.py"

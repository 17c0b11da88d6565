#!/bin/sh
# Never ends; the per-case deadline must kill it.
sleep 100000

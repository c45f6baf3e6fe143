"""A neighbour for measuring threads on a shared machine: busy for BUSY seconds, idle for IDLE, forever.

    taskset -c 1 python3 Benchmarks/roof/hog.py 0.01 0.01 &   # half of CPU 1, in 10 ms slices
"""
import sys
import time

busy, idle = float(sys.argv[1]), float(sys.argv[2])
while True:
    start = time.perf_counter()
    while time.perf_counter() - start < busy:
        pass
    time.sleep(idle)

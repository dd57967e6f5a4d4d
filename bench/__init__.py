"""cpdash benchmark (``make bench``): a fast generator of city-shaped data sets
(bench/generate.py), hand-written single-query floors of the figures
(bench/floors.py) and the measurements (bench/run.py). See docs/performance.md.
"""

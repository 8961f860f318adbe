"""govcat: a static-site governance catalog for machine-learning models."""

import os

__version__ = "0.1.0"

# numpy asks Linux for transparent huge pages for its large arrays (madvise). Where the
# kernel then compacts memory on a page fault (THP "defrag" set to madvise, the common
# default), a process whose memory another one just churned stalls on it: aggregating
# 10,000 models took 2.45 s instead of 2.66 s (medians of 8 interleaved runs; slowest
# 2.71 s instead of 3.22 s, kernel time 0.8 s instead of 1.0 s), alike at 1,000. Each
# array here is short-lived, so huge pages buy little. Read by numpy when it is imported,
# so set before; a value set by the user stands.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

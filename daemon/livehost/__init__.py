"""livehost: an AI livestream host for a shop, running on an edge box."""

import os

# numpy's OpenBLAS starts a worker per core, and they spin after every small matrix call
# the lip-sync makes per frame: measured a whole core burnt at 720p30 on 2 cores
# (1.33 -> 0.36 cores with one thread). The daemon has its own threads; BLAS needs none.
# Set before numpy is first imported; an explicit setting in the environment wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

__version__ = "0.1.0"

"""Password hashing and checking, off the event loop and a few at a time.

An argon2id hash (or a check against one of our digests) allocates ARGON2_MEMORY_BYTES while it runs.
Run in Starlette's thread pool (40 threads), 100 concurrent verifications took a server to 1.8 GB.
Every hash and check (passwords, backup codes, imported digests) goes through `run_hashing`
instead: a pool of MAX_CONCURRENT_HASHES threads, where further calls wait in the queue holding
nothing but their arguments.

The bound is per process: `locum serve --workers N` allows N times as many hashes at once.
"""

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from locum.kit.passwords import ARGON2_MEMORY_BYTES

# Memory the hashes running at one time may take together, beside the server's own.
HASHING_MEMORY_BUDGET_BYTES = 128 * 1024 * 1024
# One hash per core keeps the processor busy; the memory budget caps that on many-core machines.
MAX_CONCURRENT_HASHES = max(1, min(os.cpu_count() or 1, HASHING_MEMORY_BUDGET_BYTES // ARGON2_MEMORY_BYTES))

_EXECUTOR = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_HASHES, thread_name_prefix="locum-hashing")

T = TypeVar("T")


async def run_hashing(function: Callable[..., T], *args: object) -> T:
    """`function(*args)` on the hashing threads; waits for a free one first."""
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, function, *args)

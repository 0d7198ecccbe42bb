"""Run the fit with one BLAS thread.

The model does thousands of small matrix products (hundreds of rows by a handful of columns).
OpenBLAS splits each across all cores, and the threads' start-up and spin-waiting cost far more
than the products: on a shared two-core machine a fit took 40 s with the default threads and
4.5 s with one. numpy has no API for this, so, as threadpoolctl does, the OpenBLAS libraries
bundled with numpy and scipy are asked through their C entry points. Where none is found
(another BLAS, another platform) this does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy

# Symbol suffixes of the OpenBLAS builds shipped in numpy/scipy wheels (64-bit and 32-bit
# integer interfaces), then plain OpenBLAS.
_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "", "_64_")


def _bundled_openblas() -> list[tuple]:
    """(get, set) function pairs of every bundled OpenBLAS that is loaded."""
    found = []
    for package in (np, scipy):
        libs = Path(package.__file__).resolve().parent.parent / f"{package.__name__}.libs"
        for path in sorted(libs.glob("*openblas*.so*")):
            try:
                # RTLD_NOLOAD: only a library this process has already loaded.
                library = ctypes.CDLL(str(path), mode=os.RTLD_NOLOAD | os.RTLD_NOW)
            except OSError:
                continue
            for prefix in _PREFIXES:
                pair = _functions(library, prefix)
                if pair:
                    found.append(pair)
                    break
    return found


def _functions(library, prefix: str):
    for suffix in _SUFFIXES:
        getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
        setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
        if getter is not None and setter is not None:
            getter.restype = ctypes.c_int
            setter.argtypes = [ctypes.c_int]
            return getter, setter
    return None


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Inside the block, bundled OpenBLAS libraries use one thread; restored afterwards."""
    try:
        libraries = _bundled_openblas()
    except (AttributeError, OSError):
        libraries = []
    previous = [getter() for getter, _ in libraries]
    for _, setter in libraries:
        setter(1)
    try:
        yield
    finally:
        for (_, setter), count in zip(libraries, previous, strict=True):
            setter(count)

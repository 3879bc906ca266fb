"""The C kernels' shared libraries: each ``csrc/<name>.c`` compiled once per machine, cached on disk, loaded by ctypes.

Cache: ``$XDG_CACHE_HOME/regref/kernels/`` (by default ``~/.cache/regref/kernels/``), one file per
library, named by a hash of its sources, the flags, the compiler (its path, size and modification
time) and the CPU (the code is built with ``-march=native``, so a cache shared between different
machines keeps one file per kind of CPU). Processes share it safely: a library is written under a
temporary name and renamed into place. Delete it at any time (``rm -rf ~/.cache/regref/kernels``): the
next call rebuilds what it needs. If the directory cannot be written, each process builds into a
temporary directory of its own. A cold build takes ~0.3 s per library (GCC 12, 2 cores), loading a
cached one ~1 ms.

The compiler is ``$CC`` if set, else the first of ``cc``, ``gcc``, ``clang`` on the ``PATH``. If it
refuses ``-march=native`` the portable build is tried, and if it refuses ``-fopenmp`` a single-threaded
one. A failure is raised from :func:`load`, and every later :func:`load` of that library raises the
same error without trying again.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

__all__ = ["FLAGS", "cache_dir", "load"]

SOURCES = Path(__file__).with_name("csrc")
#: -ffp-contract=off: no fused multiply-adds (each op rounds as NumPy's does); -fno-math-errno lets sqrt
#: vectorise (no result changes).
FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fPIC", "-shared"]
#: GCC's: loop unswitching and vectorised epilogues would only add compile time here.
_TUNING = ["-fno-unswitch-loops", "--param=vect-epilogues-nomask=0"]
_NATIVE, _OPENMP = "-march=native", "-fopenmp"
#: Tried in order until one builds: for this CPU with OpenMP (torch's libgomp: csrc/common.h says why);
#: portable with OpenMP; portable and single-threaded, with no flag a C compiler could refuse.
_ATTEMPTS = ([*FLAGS, *_TUNING, _NATIVE, _OPENMP], [*FLAGS, _OPENMP], FLAGS)

_lock = threading.Lock()
_loaded: dict[str, ctypes.CDLL | str] = {}  # a library, or why it could not be had


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regref" / "kernels"


def _compiler() -> list[str]:
    if os.environ.get("CC"):
        return shlex.split(os.environ["CC"])
    for name in ("cc", "gcc", "clang"):
        found = shutil.which(name)
        if found:
            return [found]
    raise RuntimeError("no C compiler: $CC is not set and none of cc, gcc, clang is on the PATH")


def _cpu() -> str:
    """What ``-march=native`` depends on: the CPU's model and feature flags (Linux), else what platform says."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    wanted = ("model name", "flags", "Features", "CPU part")
    found = {line.split(":")[0].strip(): line for line in lines if line.split(":")[0].strip() in wanted}
    return "\n".join(found.values()) or f"{platform.machine()} {platform.processor()}"


def _file_name(name: str, cc: list[str], flags: list[str]) -> str:
    digest = hashlib.sha256()
    for source in (SOURCES / f"{name}.c", *sorted(SOURCES.glob("*.h"))):
        digest.update(source.read_bytes())
    executable = shutil.which(cc[0]) or cc[0]
    stat = os.stat(executable) if os.path.exists(executable) else None
    identity = (cc, stat and (stat.st_size, stat.st_mtime_ns), flags, _cpu() if _NATIVE in flags else "")
    digest.update(repr(identity).encode())
    return f"{name}-{digest.hexdigest()[:16]}.so"


def _build(cc: list[str], flags: list[str], source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    run = subprocess.run([*cc, *flags, "-o", str(partial), str(source)], capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"{' '.join(cc)} could not build {source.name}: {run.stderr.strip()[-1500:]}")
    os.replace(partial, target)


def _open(name: str) -> ctypes.CDLL:
    cc = _compiler()
    errors = []
    for flags in _ATTEMPTS:
        file_name = _file_name(name, cc, flags)
        for directory in (cache_dir(), None):
            try:
                where = directory or Path(tempfile.mkdtemp(prefix="regref-kernels-"))
                if not (where / file_name).exists():
                    _build(cc, flags, SOURCES / f"{name}.c", where / file_name)
                library = ctypes.CDLL(str(where / file_name))
                if directory is None:
                    shutil.rmtree(where)  # mapped already: the file is no longer needed
                return library
            except OSError as error:  # an unwritable cache: build in a directory of this process's own
                errors.append(f"{type(error).__name__}: {error}")
            except RuntimeError as error:  # the compiler refused: try the next flags
                errors.append(str(error))
                break
    raise RuntimeError("; ".join(errors))


def load(name: str) -> ctypes.CDLL:
    """The library built from ``csrc/<name>.c``: from the cache, or compiled into it now; RuntimeError if impossible."""
    with _lock:
        if name not in _loaded:
            try:
                _loaded[name] = _open(name)
            except RuntimeError as error:
                _loaded[name] = str(error)
            except (OSError, subprocess.TimeoutExpired) as error:
                _loaded[name] = f"{type(error).__name__}: {error}"
    found = _loaded[name]
    if isinstance(found, str):
        raise RuntimeError(found)
    return found

"""Workbooks parsed so that one that kills its process (memory, abort) costs only that file.

Every workbook is checked by `bixue.forms.guard` before it is read, which bounds what calamine
allocates (a sheet at the caps: about 240 MB). A workbook the guard measured at up to
RISKY_CELLS cells is parsed in the process reading its batch (the run's own, or the task
runner's worker: a Prefect process-pool worker, a Dask worker); a larger one, and every .xls
(whose cells cannot be counted before reading), is parsed in a child forked from that process
under RLIMIT_AS (its address space at fork plus `parse_memory_megabytes`): a MemoryError or a
C-level abort there refuses that file with a reason, the batch goes on. A fork of a process
with GX loaded costs about 0.2 s, too much for every file of a month. The child's result comes
back pickled through a pipe (object columns pickle at ~5 % of their parse time).
"""

from __future__ import annotations

import faulthandler
import logging
import os
import pickle
import resource
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bixue.forms.derive import derive
from bixue.forms.guard import LIMITS, WorkbookLimits, measure_workbook
from bixue.forms.parse import ParsedWorkbook, parse_workbook
from bixue.rules.problem import Problem

log = logging.getLogger(__name__)

# A workbook of more cells than this (first to last cell of each sheet, summed) is risky: the
# realistic forms have a few thousand, a unit's biggest month about 20,000.
RISKY_CELLS = 200_000
# Address space a parse may add to what its process had (settings.yaml run.parse_memory_megabytes).
MEMORY_BUDGET = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Peak:
    """Resident memory of a parse child: at its start and its peak (VmHWM), in bytes."""

    start: int
    peak: int

    @property
    def growth(self) -> int:
        return max(0, self.peak - self.start)


def parse_file(
    path: str, codes: Mapping[str, str], limits: WorkbookLimits = LIMITS
) -> ParsedWorkbook:
    """A landed workbook parsed, its derived fields filled in."""
    return _parsed(Path(path).read_bytes(), codes, limits)


def _parsed(
    content: bytes,
    codes: Mapping[str, str],
    limits: WorkbookLimits,
    checked: bool = False,
    formulas: bool = True,
) -> ParsedWorkbook:
    parsed = parse_workbook(content, limits, checked=checked, formulas=formulas)
    for sheet in parsed.sheets:
        sheet.frame = derive(sheet.form, sheet.frame, codes)
    return parsed


def _status_kb(field: str) -> int:
    """A line of /proc/self/status in bytes (VmSize, VmRSS, VmHWM); 0 where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cap_memory(budget: int) -> None:
    """Limit this process's address space to what it has now plus `budget` bytes."""
    if budget <= 0:
        return
    size = _status_kb("VmSize") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = size + budget
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def _died(path: str, why: str) -> ParsedWorkbook:
    """A workbook whose parse did not come back: refused with the reason, nothing else lost."""
    problem = Problem(
        rule="parse_failed",
        message=f"读取文件时{why}，文件未读取。",
        fix="请在Excel或WPS中打开，删除表格以外多余的内容，另存为.xlsx后重新报送。",
    )
    return ParsedWorkbook(None, [], [problem])


_MEMORY = "所需内存超过上限"


def _guarded(path: str, codes: Mapping[str, str], limits: WorkbookLimits) -> ParsedWorkbook:
    """parse_file that answers a refusal for what it raises (it is a bug to raise, not the file)."""
    try:
        return parse_file(path, codes, limits)
    except MemoryError:
        return _died(path, _MEMORY)
    except Exception as exc:  # any other error costs this file only
        return _died(path, f"处理程序出错（{type(exc).__name__}）")


def parse_isolated(
    path: str,
    codes: Mapping[str, str],
    limits: WorkbookLimits = LIMITS,
    budget: int = MEMORY_BUDGET,
) -> tuple[ParsedWorkbook, Peak | None]:
    """One workbook parsed in a forked child under RLIMIT_AS; a child that dies refuses it."""
    if not hasattr(os, "fork"):
        return _guarded(path, codes, limits), None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, send, and leave without running the parent's exit hooks
        code = 0
        try:
            os.close(read_end)
            faulthandler.disable()  # the parent's stack dumped on our abort would only mislead
            start = _status_kb("VmRSS")
            _cap_memory(budget)
            parsed = _guarded(path, codes, limits)
            payload = pickle.dumps((parsed, Peak(start, _status_kb("VmHWM"))), protocol=5)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and data:
        parsed, peak = pickle.loads(data)
        if any(p.rule == "parse_failed" for p in parsed.problems):
            log.warning("parse of %s failed in its child: %s", path, parsed.problems[0].message)
        return parsed, peak
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else ""
        why = f"处理程序异常终止（信号{number}{' ' + name if name else ''}，多为{_MEMORY}）"
    else:
        why = f"处理程序异常退出（退出码{os.WEXITSTATUS(status)}，多为{_MEMORY}）"
    log.warning("parse child of %s died: %s", path, why)
    return _died(path, why), None


def parse_guarded(
    path: str,
    codes: Mapping[str, str],
    limits: WorkbookLimits = LIMITS,
    budget: int = MEMORY_BUDGET,
) -> ParsedWorkbook:
    """One workbook: refused by the guard, parsed here when small, else in a capped child."""
    content = Path(path).read_bytes()
    found = measure_workbook(content, limits)
    if isinstance(found, Problem):
        return ParsedWorkbook(None, [], [found])
    if found is None or found > RISKY_CELLS:
        return parse_isolated(path, codes, limits, budget)[0]
    try:
        return _parsed(content, codes, limits, checked=True, formulas=found.formulas)
    except MemoryError:
        return _died(path, _MEMORY)
    except Exception as exc:  # any other error costs this file only
        return _died(path, f"处理程序出错（{type(exc).__name__}）")

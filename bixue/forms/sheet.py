"""One form's table from one sheet: the record a batch hands back, readable without pandas.

A batch run on a pool worker comes back pickled. Its sheets' rows are loaded and let go by
then, so a released sheet travels as its column names and types only: the run's process then
holds no pandas while the workers work, and builds the empty frame only if something reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bixue.rules.problem import Problem, column_letter

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class ParsedSheet:
    """One form's table from one sheet, with where each field was found."""

    form: str
    sheet: str
    frame: pd.DataFrame
    columns: dict[str, int]  # field key -> 0-based column index in the sheet
    unit_text: str | None = None
    period: tuple[int, int] | None = None
    problems: list[Problem] = field(default_factory=list)
    released_rows: int | None = None

    def letter(self, key: str) -> str | None:
        idx = self.columns.get(key)
        return None if idx is None else column_letter(idx)

    @property
    def rows(self) -> int:
        """Rows the sheet had, also after its frame was let go."""
        return len(self.frame) if self.released_rows is None else self.released_rows

    def release(self) -> None:
        """Drop the rows (loaded, they are read from the warehouse) and keep their count."""
        if self.released_rows is None:
            self.released_rows = len(self.frame)
            self.frame = self.frame.iloc[0:0].copy()  # a slice would keep the rows alive

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self.released_rows is not None and "frame" in state:
            frame = state.pop("frame")
            state["_released_dtypes"] = [(str(c), str(t)) for c, t in frame.dtypes.items()]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __getattr__(self, name: str) -> Any:
        """The frame of a released sheet that came back pickled: empty, built on first use."""
        dtypes = self.__dict__.get("_released_dtypes")
        if name != "frame" or dtypes is None:
            raise AttributeError(name)
        import pandas as pd

        frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes})
        self.__dict__["frame"] = frame
        del self.__dict__["_released_dtypes"]
        return frame

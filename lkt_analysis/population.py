"""Population by municipality: Statistics Norway's table 07459 and the municipality register.

Population always means SSB's count at 1 January of a year. Every loader returns
the same tidy frame, ``code, year, age_group, population``, with ``code`` the
4-digit municipality number as a string (leading zero kept) and one row per age
group (``total`` plus bands such as ``0-17`` or ``67+``).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .errors import InputError
from .xlsx import Bounds, read_text

AGE_GROUPS: tuple[str, ...] = ("total", "0-17", "0-18", "67+")
POPULATION_COLUMNS = ["code", "year", "age_group", "population"]
REGISTER_COLUMNS = ["code", "name", "valid_from", "valid_to", "cooperation_council", "successor_code"]

_CODE = re.compile(r"^(?:K-)?(\d{4})(?:\s|$)")
_LINE_CODE = re.compile(r'^\s*"?(?:K-)?(\d{4})\b')
_AGE = re.compile(r"(\d+)")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_MISSING = {"..", ":", ".", "-", ""}
TABLE = "07459"
_TABLE_ID = re.compile(r'^\W*(\d{5})\s*:\s*(.*?)["\s]*$')  # a title such as "07459: Befolkning, etter region, ..."
_SEX = re.compile(r"^(kj.{1,2}nn|sex|gender)$", re.IGNORECASE)  # 'kjønn', also with its letter damaged
_SEX_WORDS = re.compile(r"\b(menn|kvinner|mann|kvinne|males?|females?|men|women)\b", re.IGNORECASE)
_PERSONS = re.compile(r"person|folkemengd|befolkning|population", re.IGNORECASE)
HAND_DOWNLOAD = "see docs/population.md"
# An xlsx download of table 07459 for all of Norway has a row per region and age (about 40 000 to 50 000 rows,
# 357 to 476 regions x 106 ages) and a column per year; SSB hands out at most 800 000 cells per query. The
# bounds leave room for every region there ever was and the years as rows, and refuse what no download is.
XLSX_BOUNDS = Bounds("a population workbook", unpacked=100_000_000, parts=1_000, rows=1_000_000, columns=200,
                     cells=2_000_000)


def age_band(label: str) -> tuple[int, int | None]:
    """Return the inclusive age bounds of a group label: ``"0-17"``, ``"67+"`` or ``"total"``.

    Example:
        >>> age_band("67+")
        (67, None)
    """
    if label == "total":
        return 0, None
    if m := re.fullmatch(r"(\d+)-(\d+)", label):
        low, high = int(m[1]), int(m[2])
        if low <= high:
            return low, high
    if m := re.fullmatch(r"(\d+)\+", label):
        return int(m[1]), None
    raise ValueError(f"age group '{label}' is not 'total', 'A-B' or 'A+'")


class AgeGroupBeyondData(InputError):
    """An age group asked for begins after the oldest age a population file gives."""

    def __init__(self, path: Path, label: str, oldest: int) -> None:
        super().__init__(path, f"age group '{label}' lies beyond the oldest age in the file, {oldest}")
        self.label, self.oldest = label, oldest


# --- the municipality register -------------------------------------------------------------

def read_municipalities(path: str | Path) -> pd.DataFrame:
    """Read the municipality register (code, name, validity, council, successor) and check it."""
    path = Path(path)
    frame = _read_csv(path, dtype=str, keep_default_na=False)
    _require_columns(frame, REGISTER_COLUMNS, path)
    frame = frame[REGISTER_COLUMNS].apply(lambda s: s.str.strip())
    for i, row in frame.iterrows():
        line = int(i) + 2
        if not re.fullmatch(r"\d{4}", row["code"]):
            raise InputError(path, f"code '{row['code']}' is not a 4-digit municipality number", row=line, column="code")
        if row["successor_code"] and not re.fullmatch(r"\d{4}", row["successor_code"]):
            raise InputError(path, f"successor '{row['successor_code']}' is not a 4-digit municipality number",
                             row=line, column="successor_code")
    duplicated = frame.loc[frame["code"].duplicated(), "code"]
    if not duplicated.empty:
        raise InputError(path, f"duplicate municipality code(s): {', '.join(sorted(set(duplicated)))}")
    unknown = set(frame["successor_code"]) - set(frame["code"]) - {""}
    if unknown:
        raise InputError(path, f"successor code(s) not in the register: {', '.join(sorted(unknown))}")
    for column in ("valid_from", "valid_to"):
        parsed = pd.to_datetime(frame[column].replace("", None), format="%Y-%m-%d", errors="coerce")
        bad = frame[column].ne("") & parsed.isna()
        if bad.any():
            line = int(bad.idxmax()) + 2
            raise InputError(path, f"'{frame.at[bad.idxmax(), column]}' is not a date (YYYY-MM-DD)",
                             row=line, column=column)
        frame[column] = parsed.dt.date
    frame["successor_code"] = frame["successor_code"].replace("", None)
    return frame.reset_index(drop=True)


def existing(municipalities: pd.DataFrame, on: date) -> pd.DataFrame:
    """The municipalities of the register that exist on a given day."""
    starts = municipalities["valid_from"].map(lambda d: d is None or pd.isna(d) or d <= on)
    ends = municipalities["valid_to"].map(lambda d: d is None or pd.isna(d) or d >= on)
    return municipalities[starts & ends]


def successors(municipalities: pd.DataFrame, on: date) -> dict[str, str]:
    """Map each code of the register to the municipality its successor chain leads to ``on`` a day.

    A code that exists that day maps to itself; a code whose chain ends before it is left out.
    """
    alive = set(existing(municipalities, on)["code"])
    successor = dict(zip(municipalities["code"], municipalities["successor_code"]))
    result = {}
    for start in successor:
        code, seen = start, set()
        while code not in alive and isinstance(code, str) and code not in seen:
            seen.add(code)
            code = successor.get(code)
        if code in alive:
            result[start] = code
    return result


def successor_on(municipalities: pd.DataFrame, code: str, on: date) -> str:
    """The municipality that ``code`` is, or became through mergers, ``on`` a day.

    Raises:
        KeyError: the code is not in the register or its chain ends before ``on``.
    """
    if code not in set(municipalities["code"]):
        raise KeyError(f"municipality {code} is not in the municipality register")
    try:
        return successors(municipalities, on)[code]
    except KeyError:
        raise KeyError(f"municipality {code} has no successor that exists on {on.isoformat()}") from None


# --- population loaders -----------------------------------------------------------------------

def read_population(
    paths: str | Path | Iterable[str | Path],
    *,
    age_groups: Sequence[str] = AGE_GROUPS,
    codes: Collection[str] | None = None,
) -> pd.DataFrame:
    """Read population from one or more files into the tidy frame, one row per code, year and group.

    Each file may be the project's tidy CSV (``code, year, age_group, population``),
    an SSB Statistikkbanken CSV download of table 07459, JSON-stat 2 as SSB's API
    returns it, or an xlsx sheet laid out like the CSV download. Single-year ages
    are added up into ``age_groups``. A code, year and group found twice is an error.
    With ``codes``, only those municipalities are kept: a download of all of Norway
    then skips the lines of the others before parsing them.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames = []
    for path in map(Path, paths):
        frame = _read_one(path, age_groups, None if codes is None else set(codes))
        if codes is not None:
            frame = frame[frame["code"].isin(codes)]
        frames.append(frame.assign(file=str(path)))
    if not frames:
        raise ValueError("no population file given")
    population = pd.concat(frames, ignore_index=True)
    twice = population[population.duplicated(["code", "year", "age_group"], keep=False)]
    if not twice.empty:
        first = twice.iloc[0]
        files = " and ".join(sorted(set(twice.loc[(twice["code"] == first["code"]) & (twice["year"] == first["year"]), "file"])))
        raise InputError(files, f"population for municipality {first['code']} in {first['year']} is given twice")
    return population[POPULATION_COLUMNS].sort_values(["year", "code", "age_group"], ignore_index=True)


def _read_one(path: Path, age_groups: Sequence[str], codes: set[str] | None) -> pd.DataFrame:
    """One file read, remembered by its content: a program that loads a project again, or a copy of it, parses
    an unchanged download once."""
    groups, chosen = tuple(age_groups), None if codes is None else frozenset(codes)
    try:
        content = _Content(path, path.suffix.lower(), hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return _parse(path, groups, chosen)  # which names what is wrong
    return _read_file(content, groups, chosen).copy()


@dataclass(frozen=True)
class _Content:
    """A file to read, equal to any other of the same kind and content (SHA-256), wherever it is."""

    path: Path = field(compare=False)
    suffix: str
    sha256: bytes


@lru_cache(maxsize=32)
def _read_file(content: _Content, age_groups: tuple[str, ...], codes: frozenset[str] | None) -> pd.DataFrame:
    return _parse(content.path, age_groups, codes)


def _parse(path: Path, age_groups: tuple[str, ...], codes: frozenset[str] | None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".json":
        single = _read_jsonstat(path)
    elif suffix in {".xlsx", ".xlsm"}:
        single = _single_ages_from_table(_read_excel_table(path), path)
    else:
        table = _read_csv_table(path, codes)
        if {"code", "age_group"} <= set(table.columns):
            return _tidy(table, path, age_groups)
        single = _single_ages_from_table(table, path)
    return _age_groups(single, age_groups, path)


def _read_csv_table(path: Path, codes: set[str] | None) -> pd.DataFrame:
    """A CSV download as text columns plus ``_line``, each row's line number in the file.

    With ``codes`` and the region as the first column, lines of other regions are
    dropped before pandas parses them.
    """
    lines = _read_text(path).splitlines()
    header = _header_line(lines, path)
    body = [(number, line) for number, line in enumerate(lines[header + 1:], start=header + 2) if line.strip()]
    first_field = re.split(r"[\t;,]", lines[header])[0].strip().strip('"').lower()
    if codes is not None and first_field == "region":
        body = [(n, line) for n, line in body if (m := _LINE_CODE.match(line)) and m[1] in codes]
    sep = max(("\t", ";", ","), key=lines[header].count)
    text = "\n".join([lines[header], *(line for _, line in body)])
    table = _read_csv(path, io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    table.columns = [c.strip() for c in table.columns]
    if len(table) != len(body):
        raise InputError(path, "lines and rows do not match: a quoted field spans lines")
    return table.assign(_line=[n for n, _ in body])


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as err:
        raise InputError(path, f"cannot read the file ({err.strerror or err})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _read_csv(path: Path, source: object = None, **kwargs: object) -> pd.DataFrame:
    try:
        return pd.read_csv(path if source is None else source, **kwargs)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"not a readable CSV file ({str(err).strip().splitlines()[0]})") from None


def _header_line(lines: list[str], path: Path) -> int:
    """Index of the header line: SSB downloads may start with a title line and a blank line.

    A title naming another SSB table than 07459 is refused, header or not.
    """
    for i, line in enumerate(lines[:10]):
        fields = {f.strip().strip('"').lower() for f in re.split(r"[\t;,]", line)}
        if fields & {"region", "code"}:
            _check_table(path, lines[:i])
            return i
    _check_table(path, lines[:10])
    raise InputError(path, "no header line with a 'region' (or 'code') column in the first 10 lines")


# --- what a file is, when it is not table 07459 as the keys need it ------------------------------

def _check_table(path: Path, titles: Iterable[object]) -> None:
    """Refuse a download whose title (or a heading such as "11342: Bosatte 2021") names another SSB table."""
    for title in titles:
        if (m := _TABLE_ID.match(str(title).strip())) and m[1] != TABLE:
            raise _other_table(path, m[1], m[2])


def _other_table(path: Path, table: str, title: str | None) -> InputError:
    title = re.sub(r"^\W*\d{5}\s*:", "", title or "").strip().strip('"').strip()
    named = f"SSB table {table}" + (f" ('{title}')" if title else "")
    return InputError(path, f"this is {named}, not table {TABLE}: download table {TABLE} (population by region, "
                            f"age, contents and year) instead; {HAND_DOWNLOAD}")


def _split_by_sex(path: Path, where: str) -> InputError:
    return InputError(path, f"this download is split by sex ({where}); download table {TABLE} again with both "
                            "sexes together: select no value for 'kjønn' (sex), so that SSB adds men and women up; "
                            f"{HAND_DOWNLOAD}")


def _totals_only(path: Path, where: str) -> InputError:
    return InputError(path, f"this download has no age {where}, so it holds totals only, and the keys need the "
                            f"population by single year of age: download table {TABLE} again with every age "
                            f"(alder) selected, 0 to '105 år eller eldre'; {HAND_DOWNLOAD}")


def _not_persons(path: Path, contents: str) -> InputError:
    return InputError(path, f"this download holds {contents}, not the number of persons: download table {TABLE} "
                            f"with the contents (statistikkvariabel) 'Personer'; {HAND_DOWNLOAD}")


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], path: Path, sheet: str | None = None) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(repr(c) for c in missing)}; "
                               f"found {', '.join(repr(str(c)) for c in frame.columns)}", sheet=sheet)


def _tidy(table: pd.DataFrame, path: Path, age_groups: Sequence[str]) -> pd.DataFrame:
    _require_columns(table, POPULATION_COLUMNS, path)
    lines = table["_line"]
    table = table[POPULATION_COLUMNS].apply(lambda s: s.str.strip())
    for i, row in table.iterrows():
        line = int(lines[i])
        if not re.fullmatch(r"\d{4}", row["code"]):
            raise InputError(path, f"code '{row['code']}' is not a 4-digit municipality number", row=line, column="code")
        if not re.fullmatch(r"\d{4}", row["year"]):
            raise InputError(path, f"year '{row['year']}' is not a year", row=line, column="year")
        if row["population"] not in _MISSING and not row["population"].isdigit():
            raise InputError(path, f"'{row['population']}' is not a whole number of persons", row=line, column="population")
    table = table[table["age_group"].isin(age_groups)]
    return table.assign(
        year=table["year"].astype(int),
        population=pd.to_numeric(table["population"].replace(list(_MISSING), None)).astype("Int64"),
    )


def _single_ages_from_table(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Turn an SSB 07459 table (years as columns or as rows) into ``code, year, age, population``.

    ``table`` holds text cells and ``_line``, the line (or sheet row) each row came from.
    """
    columns = {str(c).strip().lower(): c for c in table.columns if c != "_line"}
    _check_table(path, columns.values())
    sex = next((c for key, c in columns.items() if _SEX.match(key)), None)
    if sex is not None:
        raise _split_by_sex(path, f"column '{sex}'")
    region = columns.get("region")
    age = next((columns[k] for k in ("age", "alder") if k in columns), None)
    if region is None:
        raise InputError(path, "expected SSB table 07459 with columns 'region' and 'age' (or 'alder'); "
                               f"found {', '.join(repr(str(c)) for c in columns.values())}")
    if age is None:
        raise _totals_only(path, "column ('alder' or 'age')")
    by_sex = [str(c) for c in columns.values() if c not in (region, age) and _SEX_WORDS.search(str(c))]
    if by_sex:
        raise _split_by_sex(path, f"columns {', '.join(repr(c) for c in by_sex[:4])}")
    year = next((columns[k] for k in ("year", "år", "tid") if k in columns), None)
    contents = next((columns[k] for k in ("contents", "statistikkvariabel", "statistical variable") if k in columns),
                    None)
    if contents is not None:
        other = [v for v in table[contents].astype(str).str.strip().unique() if v and not _PERSONS.search(v)]
        if other:
            raise _not_persons(path, f"'{other[0]}' (column '{contents}')")
    if year is not None:  # years as rows: one value column besides region, age, year and labels
        values = [c for c in table.columns if c not in (region, age, year, contents, "_line")]
        if len(values) != 1:
            raise InputError(path, f"expected one value column besides region, age and year; "
                                   f"found {[str(c) for c in values]}")
        long = table[[region, age, year, values[0], "_line"]].set_axis(["region", "age", "year", "value", "row"],
                                                                      axis=1)
    else:  # years as columns: "Persons 2018", "Personer 2018", "07459: Personer 2018"
        years = {c: _YEAR.search(str(c)) for c in table.columns if c not in (region, age, "_line")}
        if not years or not all(years.values()):
            raise InputError(path, f"cannot find the year in column(s) {[str(c) for c, m in years.items() if not m]}")
        for column in years:  # "Personer 2018", "Persons 2018", "07459: Personer 2018", or the year alone
            what = re.sub(r"^\W*\d{5}\s*:", "", _YEAR.sub("", str(column))).strip(" -:\"")
            if what and not _PERSONS.search(what):
                raise _not_persons(path, f"'{what}' (column '{column}')")
        long = table.melt(id_vars=[region, age, "_line"], var_name="year", value_name="value").rename(
            columns={region: "region", age: "age", "_line": "row"})
        long["year"] = long["year"].map(lambda c: years[c][1])
    long = long.reset_index(drop=True)
    long["code"] = _parse_each(long["region"], lambda r: (m := _CODE.match(str(r).strip())) and m[1])
    long = long[long["code"].notna()]  # other regions: county, country, "K-Rest", continental shelf
    ages = _parse_each(long["age"], lambda a: (m := _AGE.search(str(a))) and int(m[1]))
    if ages.isna().any():
        bad = long[ages.isna()].iloc[0]
        raise InputError(path, f"age '{bad['age']}' is not an age in years", row=int(bad["row"]), column=str(age))
    value = long["value"].astype(str).str.strip()
    missing = value.isin(_MISSING)
    numeric = pd.to_numeric(value.where(~missing), errors="coerce")
    bad = ~missing & (numeric.isna() | (numeric % 1 != 0) | (numeric < 0))
    if bad.any():
        first = long[bad].iloc[0]
        raise InputError(path, f"'{first['value']}' is not a whole number of persons", row=int(first["row"]))
    single = pd.DataFrame({
        "code": long["code"].astype(str),
        "year": _parse_each(long["year"], lambda y: int(_YEAR.search(str(y))[1])).astype(int),
        "age": ages.astype(int),
        "population": numeric.astype("Int64"),
    })
    _check_complete(single.assign(row=long["row"].to_numpy(), label=long["age"].astype(str).to_numpy()), path)
    return single


def _check_complete(single: pd.DataFrame, path: Path) -> None:
    """Refuse a damaged download: every municipality read must have every year of the file, and each of
    them every single-year age exactly once, from 0 up to the table's open top band ("105 år eller eldre").

    A repeated line or a download cut short at a line end would otherwise change every amount silently.
    """
    if single.empty:
        return
    twice = single[single.duplicated(["code", "year", "age"])]
    if not twice.empty:
        first = twice.iloc[0]
        raise InputError(path, f"municipality {first['code']}, {first['year']}: age {first['age']} is given twice "
                               "(a line repeated?)", row=int(first["row"]))
    top = int(single["age"].max())
    oldest = single[single["age"] == top]
    if not oldest["label"].str.contains(r"eldre|older|over|\+", case=False).all():
        last = single.loc[single["row"].idxmax()]
        raise InputError(path, f"no open top band such as '105 år eller eldre': the oldest age is "
                               f"'{oldest['label'].iloc[0]}', and the last line read is municipality {last['code']}, "
                               f"{last['year']}, '{last['label']}'; the download is cut short or filtered by age",
                         row=int(last["row"]))
    counts = single.groupby(["code", "year"])["age"].count()
    short = counts[counts != top + 1]
    if not short.empty:
        code, year = short.index[0]
        rows = single[(single["code"] == code) & (single["year"] == year)]
        missing = sorted(set(range(top + 1)) - set(rows["age"]))
        shown = ", ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
        raise InputError(path, f"municipality {code}, {year}: {len(missing)} of the ages 0-{top} missing ({shown}); "
                               "the download may be cut short", row=int(rows["row"].max()))
    years = sorted(set(single["year"]))
    for code, present in single.groupby("code")["year"].unique().items():
        absent = sorted(set(years) - set(present))
        if absent:
            raise InputError(path, f"municipality {code} has population for {', '.join(map(str, sorted(present)))} "
                                   f"but not for {', '.join(map(str, absent))}")


def _parse_each(values: pd.Series, parse: Callable[[object], object]) -> pd.Series:
    """Parse every distinct value once: a download repeats a few hundred labels many thousand times."""
    uniques = values.unique()
    return values.map(dict(zip(uniques, map(parse, uniques))))


def _read_excel_table(path: Path) -> pd.DataFrame:
    raw = read_text(path, bounds=XLSX_BOUNDS)
    header = next((i for i, row in raw.head(10).iterrows()
                   if any(str(v).strip().lower() == "region" for v in row)), None)
    _check_table(path, raw.head(10 if header is None else header).to_numpy().ravel())
    if header is None:
        raise InputError(path, "no header row with a 'region' column in the first 10 rows")
    table = raw.iloc[header + 1:].set_axis([str(v).strip() for v in raw.iloc[header]], axis=1)
    return table.reset_index(drop=True).assign(_line=lambda t: t.index + header + 2)


def _read_jsonstat(path: Path) -> pd.DataFrame:
    """Read a JSON-stat 2 dataset of table 07459 as SSB's API returns it; a part missing or of the wrong
    kind is refused, naming it."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as err:
        raise InputError(path, f"not a JSON-stat 2 dataset ({err})") from None
    parts = {"id": list, "size": list, "dimension": dict, "value": (list, dict)}
    for part, kind in parts.items():
        if not isinstance(data, dict) or not isinstance(data.get(part), kind):
            raise InputError(path, f"not a JSON-stat 2 dataset: no '{part}' "
                                   f"({'a list' if kind is list else 'an object' if kind is dict else 'values'})")
    ids, sizes, dims, values = data["id"], data["size"], data["dimension"], data["value"]
    if not all(isinstance(dim, str) for dim in ids):
        raise InputError(path, f"not a JSON-stat 2 dataset: its 'id' {ids} is not a list of dimension names")

    def categories(dim: str) -> list[str]:
        dimension = dims.get(dim)
        category = dimension.get("category") if isinstance(dimension, dict) else None
        index = category.get("index") if isinstance(category, dict) else None
        if isinstance(index, list):
            return index
        if isinstance(index, dict) and all(isinstance(i, int) for i in index.values()):
            return sorted(index, key=index.get)
        raise InputError(path, f"JSON-stat dimension '{dim}' has no category index (its categories in order)")

    def find(*names: str) -> str:
        for dim in ids:
            if dim.lower() in names:
                return dim
        raise InputError(path, f"no dimension named {' or '.join(names)}; found {', '.join(ids)}")

    extension = data.get("extension")
    px = extension.get("px") if isinstance(extension, dict) else None
    table_id = px.get("tableid") if isinstance(px, dict) else None
    label = data.get("label") if isinstance(data.get("label"), str) else None
    if isinstance(table_id, str) and table_id.strip() and table_id.strip() != TABLE:
        raise _other_table(path, table_id.strip(), label)
    _check_table(path, [label or ""])
    sex = next((dim for dim in ids if _SEX.match(dim)), None)
    if sex is not None:
        raise _split_by_sex(path, f"dimension '{sex}'")
    if not any(dim.lower() in ("alder", "age") for dim in ids):
        raise _totals_only(path, f"dimension ('Alder'; it has {', '.join(ids)})")
    for dim in ids:
        if dim.lower() in ("contentscode", "contents", "statistikkvariabel"):
            labels = dims[dim]["category"].get("label") if categories(dim) else None  # categories() checked them
            labels = labels if isinstance(labels, dict) else {}
            other = [c for c in categories(dim) if not _PERSONS.search(f"{c} {labels.get(c, '')}")]
            if other:
                raise _not_persons(path, f"'{labels.get(other[0], other[0])}' ({dim} '{other[0]}')")
    region, age, year = find("region"), find("alder", "age"), find("tid", "year", "år")
    index = pd.MultiIndex.from_product([categories(d) for d in ids], names=ids)
    if isinstance(values, dict):  # the sparse form: {"0": 12, "5": 3}
        values = [values.get(str(i)) for i in range(len(index))]
    if len(index) != len(values) or [len(categories(d)) for d in ids] != list(sizes):
        raise InputError(path, f"JSON-stat sizes {sizes} do not match its {len(values)} values")
    frame = index.to_frame(index=False).assign(value=[("" if v is None else str(v)) for v in values])
    table = frame.rename(columns={region: "region", age: "age", year: "year"})[["region", "age", "year", "value"]]
    return _single_ages_from_table(table.assign(_line=table.index + 1), path)  # "row": the value's position


def _age_groups(single: pd.DataFrame, age_groups: Sequence[str], path: Path) -> pd.DataFrame:
    """Add single-year ages up into the named groups; a missing count makes its group missing."""
    frames = []
    for label in age_groups:
        low, high = age_band(label)
        if not single.empty and low > single["age"].max():
            raise AgeGroupBeyondData(path, label, int(single["age"].max()))
        rows = single[(single["age"] >= low) & ((single["age"] <= high) if high is not None else True)]
        summed = rows.groupby(["code", "year"])["population"].sum(min_count=1)
        has_missing = rows["population"].isna().groupby([rows["code"], rows["year"]]).any()
        frames.append(summed.mask(has_missing).rename("population").reset_index().assign(age_group=label))
    return pd.concat(frames, ignore_index=True)[POPULATION_COLUMNS]


# --- the members of a budget year ---------------------------------------------------------

def members(
    population: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    year: int,
    population_year: int,
    sources: tuple[str, str] = ("population data", "municipality register"),
) -> pd.DataFrame:
    """The municipalities of a budget year with their population at 1 January of ``population_year``.

    A budget year is allocated over the municipalities that exist on 1 January of
    that year. When the population date lies before a merger, the population of
    the merged municipalities is added up under the successor's code.

    Returns:
        ``code, name, cooperation_council, population`` and one column per other
        age group (``0-17``, ``67+``, ...), one row per municipality, by code.

    ``sources`` names the population files and the register in error messages.
    """
    population_source, register_source = sources
    target = existing(municipalities, date(year, 1, 1))
    source = existing(municipalities, date(population_year, 1, 1))
    leads_to = successors(municipalities, date(year, 1, 1))
    ended = sorted(set(source["code"]) - set(leads_to))
    if ended:
        raise InputError(register_source, f"municipality code(s) {', '.join(ended)} have no successor that "
                                          f"exists on 1 January {year}")
    mapping = {code: leads_to[code] for code in source["code"]}
    counted = population[(population["year"] == population_year) & population["code"].isin(mapping)]
    absent = sorted(set(mapping) - set(counted["code"]))
    if absent:
        raise InputError(population_source, f"no population at 1 January {population_year} for "
                         f"municipality code(s) {', '.join(absent)}")
    if counted["population"].isna().any():
        bad = counted[counted["population"].isna()].iloc[0]
        raise InputError(population_source, f"population of {bad['code']} ({bad['age_group']}) at 1 January "
                         f"{population_year} is missing ('..')")
    wide = (counted.assign(code=counted["code"].map(mapping))
            .pivot_table(index="code", columns="age_group", values="population", aggfunc="sum")
            .astype("int64").rename(columns={"total": "population"}).rename_axis(columns=None))
    unmatched = sorted(set(target["code"]) - set(wide.index))
    if unmatched:
        raise InputError(register_source, f"municipality code(s) {', '.join(unmatched)} exist in "
                         f"{year} but none of the municipalities of 1 January {population_year} lead to them")
    table = target[["code", "name", "cooperation_council"]].merge(
        wide, left_on="code", right_index=True, how="left", validate="1:1")
    return table.sort_values("code", ignore_index=True)

"""Mention rows and the derived columns the linkage model compares.

Two steps:

* :func:`mention_rows` turns contract records into the plain input frame (one row a mention,
  the columns listed in :data:`INPUT_COLUMNS`). Callers with their own storage (the database
  layer) can build the same frame directly.
* :func:`prepare` adds the normalised and derived columns (phonetic codes, nickname keys,
  swapped dates of birth, birth-date ranges implied by an age estimate ...). It is pure and
  deterministic, so its output can be cached beside each mention and handed back later, which
  is what makes incremental linking against a million stored mentions cheap.

Derived values are computed once per *distinct* input value (names, postcodes repeat a lot),
which keeps preparation of a million rows to a few seconds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from functools import lru_cache
from typing import Any

import jellyfish
import pandas as pd
from nicknames import NickNamer

INPUT_COLUMNS: tuple[str, ...] = (
    "mention_key", "record_key", "forename", "middle_names", "surname", "aliases",
    "date_of_birth", "age_estimate", "occurred_on", "gender", "address", "postcode", "phone",
    "pnc", "nhs",
)

# Columns the Splink model reads. Anything else on the frame is dropped before it goes to DuckDB.
MODEL_COLUMNS: tuple[str, ...] = (
    "mention_key", "record_key", "forename", "first_middle", "surname", "forename_canon",
    "forename_metaphone", "surname_metaphone", "surname_soundex", "name_keys", "alias_tokens",
    "surname_keys", "dob", "dob_swapped", "dob_year", "dob_days", "birth_lo", "birth_hi",
    "gender", "address", "postcode", "postcode_sector", "phone", "pnc", "nhs", "has_name",
)

_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EPOCH = dt.date(1970, 1, 1)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from pandas
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, list | tuple) else False
    except (TypeError, ValueError):
        return False


def clean_text(value: Any) -> str | None:
    """Lower-case, punctuation to spaces, single spaces; empty means missing (RECORDS.md)."""
    if _missing(value):
        return None
    text = _SPACES.sub(" ", _NON_ALNUM.sub(" ", str(value).lower().replace("'", ""))).strip()
    return text or None


def clean_name(value: Any) -> str | None:
    """A name token for comparison: letters only, hyphens and spaces removed ('Smith-Jones')."""
    text = clean_text(value)
    if text is None:
        return None
    joined = text.replace(" ", "")
    return joined or None


def clean_postcode(value: Any) -> str | None:
    if _missing(value):
        return None
    text = re.sub(r"[^A-Z0-9]", "", str(value).upper())
    return text or None


def postcode_sector(postcode: str | None) -> str | None:
    """Outward code plus the first inward digit ('B129QD' -> 'B12 9'): a few hundred homes."""
    if not postcode or len(postcode) < 5:
        return None
    return f"{postcode[:-3]} {postcode[-3]}"


def clean_phone(value: Any) -> str | None:
    if _missing(value):
        return None
    digits = re.sub(r"\D", "", str(value))
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    return digits or None


def clean_identifier(value: Any) -> str | None:
    """PNC / NHS numbers: upper case, separators removed ('14/123456 A' -> '14123456A')."""
    if _missing(value):
        return None
    text = re.sub(r"[^A-Z0-9]", "", str(value).upper())
    return text or None


_NICKNAMER: NickNamer | None = None


def _nicknamer() -> NickNamer:
    global _NICKNAMER
    if _NICKNAMER is None:
        _NICKNAMER = NickNamer()
    return _NICKNAMER


@lru_cache(maxsize=200_000)
def canonical_forename(name: str) -> str:
    """One key per family of names, for blocking: the alphabetically first of the name and the
    formal names the ``nicknames`` data lists for it ('william' and 'bill' both give 'bill').
    The data runs both ways for many names, so there is no clean 'formal' root; the comparison
    itself uses :func:`_forename_keys`. This only has to be deterministic and shared."""
    return min({name, *_nicknamer().canonicals_of(name)})


@lru_cache(maxsize=200_000)
def _forename_keys(name: str) -> tuple[str, ...]:
    # The name and every formal name it may be short for. Comparisons ask whether one side's
    # forename is among the other side's keys, which is asymmetric on purpose: 'bill' and 'rob'
    # both expand to 'robert' but neither is the other's nickname.
    return tuple(sorted({name, *_nicknamer().canonicals_of(name), *_nicknamer().nicknames_of(name)}))


def _parse_date(value: Any) -> tuple[str | None, dt.date | None]:
    """(ISO text if it has the shape, date if it is a real date). A mistyped date of birth that
    is not a calendar date (FEBRL has them) is still useful for the one-typo level."""
    if _missing(value):
        return None, None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat(), value
    text = str(value).strip()[:10]
    if not _DATE.match(text):
        return None, None
    try:
        return text, dt.date.fromisoformat(text)
    except ValueError:
        return text, None


def _days(value: dt.date) -> int:
    return (value - _EPOCH).days


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_slack_years(age: int) -> int:
    """How far an age estimate may be out, in years: officers judge teenagers to within a year
    or two, adults less well."""
    return 1 + age // 10


def _map_unique(series: pd.Series, fn: Callable[[Any], Any]) -> list[Any]:
    cache: dict[Hashable, Any] = {}
    out: list[Any] = []
    for value in series.tolist():
        key: Hashable = value if isinstance(value, Hashable) else repr(value)
        try:
            out.append(cache[key])
        except KeyError:
            result = fn(value)
            cache[key] = result
            out.append(result)
    return out


def _aliases(value: Any) -> list[str]:
    if value is None or isinstance(value, float | int):
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [str(v) for v in value if isinstance(v, str) and v.strip()]


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Normalise a mention frame and add the derived columns in :data:`MODEL_COLUMNS`.

    Input columns that are absent are treated as missing for every row. Idempotent on the
    input columns: running it on an already-prepared frame recomputes the same values.
    """
    n = len(df)

    def col(name: str) -> pd.Series:
        if name in df.columns:
            return df[name]
        return pd.Series([None] * n, index=df.index, dtype=object)

    out = pd.DataFrame(index=df.index)
    out["mention_key"] = col("mention_key").astype(str)
    record_key = col("record_key")
    out["record_key"] = [
        None if _missing(v) else str(v) for v in record_key.tolist()
    ]
    forename = _map_unique(col("forename"), clean_name)
    surname = _map_unique(col("surname"), clean_name)
    middle = _map_unique(col("middle_names"), lambda v: (clean_text(v) or " ").split(" ")[0] or None)
    out["forename"] = forename
    out["surname"] = surname
    out["first_middle"] = middle
    out["forename_canon"] = [canonical_forename(f) if f else None for f in forename]
    out["forename_metaphone"] = [jellyfish.metaphone(f) or None if f else None for f in forename]
    out["surname_metaphone"] = [jellyfish.metaphone(s) or None if s else None for s in surname]
    out["surname_soundex"] = [jellyfish.soundex(s) or None if s else None for s in surname]

    alias_tokens: list[list[str]] = []
    surname_keys: list[list[str]] = []
    name_keys: list[list[str]] = []
    has_name: list[bool] = []
    for fore, sur, aliases in zip(forename, surname, col("aliases").tolist(), strict=True):
        tokens: list[str] = []
        alias_surnames: list[str] = []
        for alias in _aliases(aliases):
            words = (clean_text(alias) or "").split(" ")
            words = [w for w in words if w]
            tokens.extend(words)
            if len(words) > 1:
                alias_surnames.append(words[-1])
        keys = set(tokens)
        if fore:
            keys.update(_forename_keys(fore))
        for token in tokens:
            keys.update(_nicknamer().canonicals_of(token))
        alias_tokens.append(sorted(set(tokens)))
        name_keys.append(sorted(keys))
        skeys = set(alias_surnames)
        if sur:
            skeys.add(sur)
        surname_keys.append(sorted(skeys))
        has_name.append(bool(fore or sur or tokens))
    # Double-barrelled surnames: 'Smith-Jones' also answers to 'Smith' and to 'Jones'.
    raw_surnames = _map_unique(col("surname"), lambda v: (clean_text(v) or "").split(" "))
    surname_keys = [
        sorted(set(keys) | {p for p in parts if p}) for keys, parts in zip(surname_keys, raw_surnames, strict=True)
    ]
    out["alias_tokens"] = alias_tokens
    out["name_keys"] = name_keys
    out["surname_keys"] = surname_keys
    out["has_name"] = has_name

    dob_text: list[str | None] = []
    dob_swapped: list[str | None] = []
    dob_year: list[str | None] = []
    dob_days: list[int | None] = []
    birth_lo: list[int | None] = []
    birth_hi: list[int | None] = []
    for dob_raw, age_raw, occurred_raw in zip(
        col("date_of_birth").tolist(), col("age_estimate").tolist(), col("occurred_on").tolist(),
        strict=True,
    ):
        text, day = _parse_date(dob_raw)
        dob_text.append(text)
        dob_year.append(text[:4] if text else None)
        swapped = None
        if text:
            month, dom = text[5:7], text[8:10]
            if month != dom and int(dom) <= 12:
                swapped = f"{text[:4]}-{dom}-{month}"
        dob_swapped.append(swapped)
        if day is not None:
            dob_days.append(_days(day))
            birth_lo.append(_days(day))
            birth_hi.append(_days(day))
            continue
        dob_days.append(None)
        age = None if _missing(age_raw) else int(age_raw)
        _, occurred = _parse_date(occurred_raw)
        if age is None or occurred is None or age < 0:
            birth_lo.append(None)
            birth_hi.append(None)
            continue
        slack = age_slack_years(age)
        # Aged `age` on `occurred` means born in (occurred - age - 1 years, occurred - age years].
        birth_lo.append(_days(_years_before(occurred, age + 1 + slack)))
        birth_hi.append(_days(_years_before(occurred, max(age - slack, 0))))
    out["dob"] = dob_text
    out["dob_swapped"] = dob_swapped
    out["dob_year"] = dob_year
    out["dob_days"] = pd.array(dob_days, dtype="Int64")
    out["birth_lo"] = pd.array(birth_lo, dtype="Int64")
    out["birth_hi"] = pd.array(birth_hi, dtype="Int64")

    gender = _map_unique(col("gender"), clean_text)
    out["gender"] = [g if g in ("female", "male", "other") else None for g in gender]
    out["address"] = _map_unique(col("address"), clean_text)
    postcode = _map_unique(col("postcode"), clean_postcode)
    out["postcode"] = postcode
    out["postcode_sector"] = [postcode_sector(p) for p in postcode]
    out["phone"] = _map_unique(col("phone"), clean_phone)
    out["pnc"] = _map_unique(col("pnc"), clean_identifier)
    out["nhs"] = _map_unique(col("nhs"), clean_identifier)
    for name in MODEL_COLUMNS:
        if name in ("dob_days", "birth_lo", "birth_hi", "has_name"):
            continue
        if name in ("name_keys", "alias_tokens", "surname_keys"):
            continue
        out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out[list(MODEL_COLUMNS)].reset_index(drop=True)


def mention_key(source_system: str, source_id: str, mention_id: str) -> str:
    """The canonical mention key: 'storm|CAD-1001|k'."""
    return f"{source_system}|{source_id}|{mention_id}"


def record_key(source_system: str, source_id: str) -> str:
    return f"{source_system}|{source_id}"


def mention_rows(records: Iterable[Any]) -> pd.DataFrame:
    """Input rows (:data:`INPUT_COLUMNS`) from contract records (``vigil.records.contract``
    models, or plain dicts of the same shape)."""
    rows: list[dict[str, Any]] = []
    for record in records:
        rec = record.model_dump(mode="json") if hasattr(record, "model_dump") else dict(record)
        occurred = str(rec.get("occurred_at") or "")[:10] or None
        rkey = record_key(str(rec["source_system"]), str(rec["source_id"]))
        for person in rec.get("people") or []:
            identifiers = person.get("identifiers") or {}
            rows.append({
                "mention_key": mention_key(
                    str(rec["source_system"]), str(rec["source_id"]), str(person["mention_id"])
                ),
                "record_key": rkey,
                "forename": person.get("forename"),
                "middle_names": person.get("middle_names"),
                "surname": person.get("surname"),
                "aliases": list(person.get("aliases") or []) or None,
                "date_of_birth": person.get("date_of_birth"),
                "age_estimate": person.get("age_estimate"),
                "occurred_on": occurred,
                "gender": person.get("gender"),
                "address": person.get("address"),
                "postcode": person.get("postcode"),
                "phone": person.get("phone"),
                "pnc": identifiers.get("pnc"),
                "nhs": identifiers.get("nhs"),
            })
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS))


def as_frame(rows: pd.DataFrame | Sequence[dict[str, Any]]) -> pd.DataFrame:
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))

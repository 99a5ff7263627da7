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
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

import jellyfish
import pandas as pd
from nicknames import NickNamer

INPUT_COLUMNS: tuple[str, ...] = (
    "mention_key",
    "record_key",
    "forename",
    "middle_names",
    "surname",
    "aliases",
    "date_of_birth",
    "age_estimate",
    "occurred_on",
    "gender",
    "address",
    "postcode",
    "phone",
    "pnc",
    "nhs",
)

# Columns the Splink model reads. Anything else on the frame is dropped before it goes to DuckDB.
MODEL_COLUMNS: tuple[str, ...] = (
    "mention_key",
    "record_key",
    "forename",
    "forename_initial",
    "first_middle",
    "surname",
    "forename_canon",
    "forename_metaphone",
    "surname_metaphone",
    "surname_soundex",
    "name_keys",
    "alias_tokens",
    "surname_keys",
    "dob",
    "dob_swapped",
    "dob_year",
    "dob_days",
    "birth_lo",
    "birth_hi",
    "gender",
    "address",
    "postcode",
    "postcode_sector",
    "phone",
    "pnc",
    "nhs",
    "has_name",
)

_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EPOCH = dt.date(1970, 1, 1)


def is_missing(value: Any) -> bool:
    """None, NaN, a blank string: what RECORDS.md counts as absent."""
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


# Letters that carry no combining mark to strip (NFKD leaves them whole), written as English
# keyboards write them.
_UNDECOMPOSED = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",
        "ŀ": "l",
        "ħ": "h",
        "ŧ": "t",
        "ĸ": "k",
        "ŋ": "ng",
        "\u017f": "s",
        # Typographic apostrophes (right single quotation mark, modifier letter apostrophe), as in
        # O-right-quote-Brien: dropped like the plain one.
        "\u2019": "'",
        "\u02bc": "'",
    }
)


def fold_diacritics(text: str) -> str:
    """Latin letters without their accents, in lower case: 'Zoë' -> 'zoe', 'José' -> 'jose',
    'Łukasz' -> 'lukasz', 'Søren' -> 'soren', 'Straße' -> 'strasse'. Names are keyed both ways
    (an officer's keyboard drops the accents a health record keeps), so they are compared
    without them; before, 'Zoë' lost the letter and became 'zo'."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean_text(value: Any) -> str | None:
    """Lower-case, accents folded, punctuation to spaces, single spaces; empty means missing
    (RECORDS.md)."""
    if is_missing(value):
        return None
    text = fold_diacritics(str(value)).replace("'", "")
    text = _SPACES.sub(" ", _NON_ALNUM.sub(" ", text)).strip()
    return text or None


def clean_name(value: Any) -> str | None:
    """A name token for comparison: letters only, hyphens and spaces removed ('Smith-Jones')."""
    text = clean_text(value)
    if text is None:
        return None
    joined = text.replace(" ", "")
    return joined or None


def clean_postcode(value: Any) -> str | None:
    if is_missing(value):
        return None
    text = re.sub(r"[^A-Z0-9]", "", str(value).upper())
    return text or None


def postcode_sector(postcode: str | None) -> str | None:
    """Outward code plus the first inward digit ('B129QD' -> 'B12 9'): a few hundred homes."""
    if not postcode or len(postcode) < 5:
        return None
    return f"{postcode[:-3]} {postcode[-3]}"


def clean_phone(value: Any) -> str | None:
    if is_missing(value):
        return None
    digits = re.sub(r"\D", "", str(value))
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    return digits or None


def clean_identifier(value: Any) -> str | None:
    """PNC / NHS numbers: upper case, separators removed ('14/123456 A' -> '14123456A')."""
    if is_missing(value):
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
    return tuple(
        sorted({name, *_nicknamer().canonicals_of(name), *_nicknamer().nicknames_of(name)})
    )


def _parse_date(value: Any) -> tuple[str | None, dt.date | None]:
    """(ISO text if it has the shape, date if it is a real date). A mistyped date of birth that
    is not a calendar date (FEBRL has them) is still useful for the one-typo level."""
    if is_missing(value):
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
    """``fn`` over each distinct value once (names and postcodes repeat a lot); missing values
    (None, NaN, empty) map to ``fn(None)``."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = [fn(value) for value in uniques.tolist()]
    missing = fn(None)
    table = [*mapped, missing]  # code -1 (missing) indexes the last entry
    return [table[code] for code in codes.tolist()]


def _aliases(value: Any) -> list[str]:
    if value is None or isinstance(value, float | int):
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [str(v) for v in value if isinstance(v, str) and v.strip()]


def _dob_parts(value: Any) -> tuple[str | None, str | None, str | None, int | None]:
    """(ISO text, day-month swapped text, year, day number) of a date of birth."""
    text, day = _parse_date(value)
    if text is None:
        return None, None, None, None
    swapped = None
    month, dom = text[5:7], text[8:10]
    if month != dom and int(dom) <= 12:
        swapped = f"{text[:4]}-{dom}-{month}"
    return text, swapped, text[:4], (_days(day) if day is not None else None)


def _birth_range(age_raw: Any, occurred_raw: Any) -> tuple[int | None, int | None]:
    """Birth-date range (day numbers) an age estimate on a date implies, with slack."""
    age = None if is_missing(age_raw) else int(age_raw)
    _, occurred = _parse_date(occurred_raw)
    if age is None or occurred is None or age < 0:
        return None, None
    slack = age_slack_years(age)
    # Aged `age` on `occurred` means born in (occurred - age - 1 years, occurred - age years].
    return (
        _days(_years_before(occurred, age + 1 + slack)),
        _days(_years_before(occurred, max(age - slack, 0))),
    )


def _surname_parts(value: Any) -> tuple[str, ...]:
    # Double-barrelled surnames: 'Smith-Jones' also answers to 'Smith' and to 'Jones'.
    text = clean_text(value)
    if text is None:
        return ()
    parts = {p for p in text.split(" ") if p}
    parts.add(text.replace(" ", ""))
    return tuple(sorted(parts))


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Normalise a mention frame and add the derived columns in :data:`MODEL_COLUMNS`.

    Input columns that are absent are treated as missing for every row. Work is done once per
    distinct value, so a million rows take seconds.
    """
    n = len(df)

    def col(name: str) -> pd.Series:
        if name in df.columns:
            return df[name].reset_index(drop=True)
        return pd.Series([None] * n, dtype=object)

    out = pd.DataFrame(index=pd.RangeIndex(n))
    out["mention_key"] = col("mention_key").astype(str)
    out["record_key"] = _map_unique(col("record_key"), lambda v: None if v is None else str(v))
    forename = _map_unique(col("forename"), clean_name)
    surname = _map_unique(col("surname"), clean_name)
    out["forename"] = forename
    out["surname"] = surname
    out["forename_initial"] = [f[0] if f else None for f in forename]
    out["first_middle"] = _map_unique(
        col("middle_names"), lambda v: (clean_text(v) or " ").split(" ")[0] or None
    )
    fore_series = pd.Series(forename, dtype=object)
    sur_series = pd.Series(surname, dtype=object)
    out["forename_canon"] = _map_unique(fore_series, lambda f: canonical_forename(f) if f else None)
    out["forename_metaphone"] = _map_unique(
        fore_series, lambda f: (jellyfish.metaphone(f) or None) if f else None
    )
    out["surname_metaphone"] = _map_unique(
        sur_series, lambda s: (jellyfish.metaphone(s) or None) if s else None
    )
    out["surname_soundex"] = _map_unique(
        sur_series, lambda s: (jellyfish.soundex(s) or None) if s else None
    )

    # Rows with equal names share one list object (never mutated; alias rows get new lists).
    name_keys: list[list[str]] = _map_unique(
        fore_series, lambda f: list(_forename_keys(f)) if f else []
    )
    surname_keys: list[list[str]] = _map_unique(col("surname"), lambda v: list(_surname_parts(v)))
    empty: list[str] = []
    alias_tokens: list[list[str]] = [empty] * n
    aliases = col("aliases")
    with_alias = [
        i
        for i, v in enumerate(aliases.tolist())
        if v is not None and not isinstance(v, float) and _aliases(v)
    ]
    for i in with_alias:
        tokens: list[str] = []
        alias_surnames: list[str] = []
        for alias in _aliases(aliases.iloc[i]):
            words = [w for w in (clean_text(alias) or "").split(" ") if w]
            # 'Rena Kaur': the forename words are alias tokens (compared with forenames), the
            # last word is an alias surname (compared with surnames). Were the surname a token
            # too, any two women with aliases under one common surname would count as sharing
            # an alias.
            if len(words) > 1:
                tokens.extend(words[:-1])
                alias_surnames.append(words[-1])
            else:
                tokens.extend(words)
        keys = set(name_keys[i]) | set(tokens)
        for token in tokens:
            keys.update(_nicknamer().canonicals_of(token))
        alias_tokens[i] = sorted(set(tokens))
        name_keys[i] = sorted(keys)
        surname_keys[i] = sorted(set(surname_keys[i]) | set(alias_surnames))
    out["alias_tokens"] = alias_tokens
    out["name_keys"] = name_keys
    out["surname_keys"] = surname_keys
    out["has_name"] = [
        bool(f or s or a) for f, s, a in zip(forename, surname, alias_tokens, strict=True)
    ]

    parts = _map_unique(col("date_of_birth"), _dob_parts)
    out["dob"] = [p[0] for p in parts]
    out["dob_swapped"] = [p[1] for p in parts]
    out["dob_year"] = [p[2] for p in parts]
    dob_days = [p[3] for p in parts]
    birth_lo: list[int | None] = list(dob_days)
    birth_hi: list[int | None] = list(dob_days)
    ages, occurred = col("age_estimate").tolist(), col("occurred_on").tolist()
    for i, days in enumerate(dob_days):
        if days is None and not is_missing(ages[i]):
            birth_lo[i], birth_hi[i] = _birth_range(ages[i], occurred[i])
    out["dob_days"] = pd.array(dob_days, dtype="Int64")
    out["birth_lo"] = pd.array(birth_lo, dtype="Int64")
    out["birth_hi"] = pd.array(birth_hi, dtype="Int64")

    out["gender"] = _map_unique(
        col("gender"), lambda g: g if (g := clean_text(g)) in ("female", "male", "other") else None
    )
    out["address"] = _map_unique(col("address"), clean_text)
    postcode = _map_unique(col("postcode"), clean_postcode)
    out["postcode"] = postcode
    out["postcode_sector"] = _map_unique(pd.Series(postcode, dtype=object), postcode_sector)
    out["phone"] = _map_unique(col("phone"), clean_phone)
    out["pnc"] = _map_unique(col("pnc"), clean_identifier)
    out["nhs"] = _map_unique(col("nhs"), clean_identifier)
    return out[list(MODEL_COLUMNS)]


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
            rows.append(
                {
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
                }
            )
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS))


def as_frame(rows: pd.DataFrame | Sequence[dict[str, Any]]) -> pd.DataFrame:
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))

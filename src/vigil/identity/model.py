"""The linkage model: Splink 5 settings for police person data, thresholds, load/save, training.

The comparisons are written as Splink settings dictionaries with DuckDB SQL conditions over the
columns :func:`vigil.identity.frames.prepare` derives, so the model file is plain JSON and the
exact rule of every level is visible in it.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

MODEL_FORMAT_VERSION = 1
DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")

# Prior: the chance that two mentions drawn at random are one person. It depends on how many
# mentions a force holds, so it is fixed rather than learnt from whatever data trained the
# model: about 1 in 100,000 fits a force-sized data set, and keeps namesakes apart.
DEFAULT_PRIOR = 1e-5

# Below this, estimates from a force's own data are noise: keep the shipped model instead.
MIN_TRAINING_MENTIONS = 2_000

# With more mentions, two random ones are less likely to be one person: about (k - 1) / N for
# N mentions of people mentioned k times each. Linking uses min(model prior, this / N), so a
# million-mention force is not linked with the prior that suits a hundred thousand.
MATCHES_PER_MENTION = 2.0


@dataclass(frozen=True)
class Thresholds:
    """All decision thresholds, as match probabilities.

    * ``link``: a scored pair at or above this joins two mentions into one person.
    * ``review_lower`` .. ``review_upper``: pairs in this band are uncertain and go to a person
      for review, whether or not they were linked (so the band straddles ``link``).
    """

    # 0.9, not 0.95: on FEBRL and on the synthetic force the pairs scored between the two are
    # nearly all one person (at 20,000 synthetic people linking them gained 87 true pairs for
    # 16 false), and every one of them is still shown for review (the band reaches 0.995).
    link: float = 0.90
    review_lower: float = 0.50
    review_upper: float = 0.995

    def __post_init__(self) -> None:
        if not 0.0 < self.review_lower <= self.link <= self.review_upper <= 1.0:
            raise ValueError(
                "thresholds must satisfy 0 < review_lower <= link <= review_upper <= 1"
            )


def _lvl(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(sql: str) -> dict[str, Any]:
    return _lvl(sql, "missing on either side", is_null_level=True)


_ELSE = {"sql_condition": "ELSE", "label_for_charts": "all other"}

# Forename and surname written the wrong way round (common in both FEBRL and police data).
_SWAPPED_NAMES = _lvl(
    "jaro_winkler_similarity(forename_l, surname_r) >= 0.9"
    " AND jaro_winkler_similarity(surname_l, forename_r) >= 0.9",
    "forename and surname swapped",
)


def _similar_address(jaro_winkler: float, edit_share: float) -> str:
    """Addresses alike by Jaro-Winkler, or differing in at most ``edit_share`` of their
    characters, or one holding every word of the other (at least three words).

    Jaro-Winkler rewards a shared beginning, so a mistyped house number ('10 Temperley Street'
    for '20 Temperley Street') or a word split in two scores low on it; the edit share catches
    those. Containment catches an address written without a part ('108 Baker Rise, Dudley' for
    'Flat 3, 108 Baker Rise, Dudley'), which neither measure does; three words at least, so a
    bare town name is not 'contained' in every address there."""
    words_l, words_r = "string_split(address_l, ' ')", "string_split(address_r, ' ')"
    return (
        f"(jaro_winkler_similarity(address_l, address_r) >= {jaro_winkler}"
        f" OR levenshtein(address_l, address_r)"
        f" <= {edit_share} * greatest(length(address_l), length(address_r))"
        f" OR (least(len({words_l}), len({words_r})) >= 3"
        f" AND (list_has_all({words_l}, {words_r}) OR list_has_all({words_r}, {words_l}))))"
    )


# Dates of birth compared as digits: a keying slip that swaps two digits across the separator
# ('1942-07-04' keyed as '1940-27-04') is one transposition of 'YYYYMMDD', two edits of the
# ISO text.
_DOB_DIGITS_L = "replace(dob_l, '-', '')"
_DOB_DIGITS_R = "replace(dob_r, '-', '')"


# A generation apart: dates of birth this far apart that no typo explains (the levels before
# this one catch a digit, two adjacent digits swapped, day and month swapped) are a parent and
# child, not one person: a father and son with one name at one address used to be merged,
# their names and home outweighing the dates. Its own level, so training learns how rare it is
# among true matches (never, where dates are keyed by hand; often in FEBRL, which replaces whole
# dates), and it may weigh more against a match than wholly different dates (see
# :func:`_clamp_between_top_and_else`).
GENERATION_YEARS = 14
GENERATION_LABEL = "a generation apart"
_GENERATION_DAYS = round(GENERATION_YEARS * 365.25)

# After the typo levels (two typos included): 14 years or more apart, and not one typo apart
# once either side's day and month are swapped (a slip in the decade on one record and day and
# month swapped on another).
_GENERATION_APART = (
    f"abs(dob_days_l - dob_days_r) >= {_GENERATION_DAYS}"
    f" AND NOT coalesce(damerau_levenshtein(replace(dob_swapped_l, '-', ''), {_DOB_DIGITS_R})"
    " <= 1, false)"
    f" AND NOT coalesce(damerau_levenshtein({_DOB_DIGITS_L}, replace(dob_swapped_r, '-', ''))"
    " <= 1, false)"
)

# Forenames are gendered: 'Frank' and 'Frances', 'Jamie' and 'Janice', 'Paul' and 'Paula' are
# alike in spelling but, between a man and a woman, the names of a couple or of a brother and
# sister, not one person's name mistyped. A near-miss forename counts only when the genders do
# not differ (an exact forename still counts: 'Jordan' and 'Alex' are given to both).
_SAME_GENDER = "NOT coalesce(gender_l <> gender_r, false)"

# Half a swap: one side's forename is the other's surname while the surnames differ. Between
# two mentions with one surname it is no swap but a forename like the family name ('Liam Kay'
# and 'Katy Kay', 'Kim Cameron' and 'Cameron Cameron'): a couple, not one person.
_HALF_SWAP = (
    "(jaro_winkler_similarity(forename_l, surname_r) >= 0.92"
    " OR jaro_winkler_similarity(surname_l, forename_r) >= 0.92)"
    " AND surname_l <> surname_r"
)
# m = u: a Bayes factor of exactly 1 (the value itself is immaterial).
_NEUTRAL = 0.001


def _cmp(name: str, description: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "output_column_name": name,
        "comparison_description": description,
        "comparison_levels": levels,
    }


def comparisons() -> list[dict[str, Any]]:
    """The comparisons, strongest level first within each."""
    return [
        _cmp(
            "forename",
            "forename with nicknames, aliases and misspellings",
            [
                _null("forename_l IS NULL OR forename_r IS NULL"),
                _lvl(
                    "forename_l = forename_r",
                    "exact",
                    tf_adjustment_column="forename",
                    tf_adjustment_weight=1.0,
                ),
                _lvl(
                    "(list_contains(name_keys_r, forename_l) OR list_contains(name_keys_l, forename_r)"
                    " OR list_has_any(alias_tokens_l, alias_tokens_r)) AND " + _SAME_GENDER,
                    "nickname or alias",
                ),
                _lvl(
                    "(damerau_levenshtein(forename_l, forename_r) <= 1"
                    " OR jaro_winkler_similarity(forename_l, forename_r) >= 0.92) AND "
                    + _SAME_GENDER,
                    "one typo",
                ),
                _SWAPPED_NAMES,
                # Half a swap: one side's forename is the other's surname ('Capurso Ruby' and
                # 'Harrison Capurso'), from systems that confuse the order of names.
                _lvl(_HALF_SWAP + " AND " + _SAME_GENDER, "forename is the other's surname"),
                _lvl(
                    "(forename_metaphone_l = forename_metaphone_r"
                    " OR jaro_winkler_similarity(forename_l, forename_r) >= 0.85) AND "
                    + _SAME_GENDER,
                    "sounds alike",
                ),
                _lvl(
                    "forename_l = first_middle_r OR first_middle_l = forename_r",
                    "forename is the other's middle name",
                ),
                _ELSE,
            ],
        ),
        _cmp(
            "surname",
            "surname with frequency adjustment and phonetic similarity",
            [
                _null("surname_l IS NULL OR surname_r IS NULL"),
                _lvl(
                    "surname_l = surname_r",
                    "exact",
                    tf_adjustment_column="surname",
                    tf_adjustment_weight=1.0,
                ),
                _lvl(
                    "damerau_levenshtein(surname_l, surname_r) <= 1"
                    " OR jaro_winkler_similarity(surname_l, surname_r) >= 0.92",
                    "one typo",
                ),
                _SWAPPED_NAMES,
                _lvl(
                    "surname_metaphone_l = surname_metaphone_r OR surname_soundex_l = surname_soundex_r",
                    "sounds alike",
                ),
                _lvl(
                    "list_has_any(surname_keys_l, surname_keys_r)",
                    "part of a double-barrelled or alias surname",
                ),
                # Half a swap ('Capurso Ruby' for 'Harrison Capurso') is weighed once, by the
                # forename comparison; the surname it displaced is no evidence either way. Fixed at
                # a Bayes factor of 1 so training cannot count the same fact twice.
                _lvl(
                    _HALF_SWAP + " AND " + _SAME_GENDER,
                    "forename is the other's surname (weighed under forename)",
                    m_probability=_NEUTRAL,
                    u_probability=_NEUTRAL,
                    fix_m_probability=True,
                    fix_u_probability=True,
                ),
                _ELSE,
            ],
        ),
        _cmp(
            "date_of_birth",
            "date of birth, or the birth range an age estimate implies",
            [
                _null(
                    "(dob_l IS NULL OR dob_r IS NULL)"
                    " AND (birth_lo_l IS NULL OR birth_lo_r IS NULL)"
                ),
                _lvl("dob_l = dob_r", "exact"),
                _lvl("dob_swapped_l = dob_r", "day and month swapped"),
                _lvl(f"damerau_levenshtein({_DOB_DIGITS_L}, {_DOB_DIGITS_R}) <= 1", "one typo"),
                _lvl("abs(dob_days_l - dob_days_r) <= 365", "within a year"),
                _lvl(f"damerau_levenshtein({_DOB_DIGITS_L}, {_DOB_DIGITS_R}) <= 2", "two typos"),
                _lvl(_GENERATION_APART, GENERATION_LABEL),
                _lvl(
                    "(dob_days_l IS NULL OR dob_days_r IS NULL)"
                    " AND birth_lo_l <= birth_hi_r AND birth_lo_r <= birth_hi_l",
                    "fits the age estimate",
                ),
                _ELSE,
            ],
        ),
        _cmp(
            "gender",
            "gender",
            [
                _null("gender_l IS NULL OR gender_r IS NULL"),
                _lvl("gender_l = gender_r", "exact"),
                _ELSE,
            ],
        ),
        _cmp(
            "location",
            "home address and postcode",
            [
                _null(
                    "(address_l IS NULL AND postcode_l IS NULL)"
                    " OR (address_r IS NULL AND postcode_r IS NULL)"
                ),
                # Frequency adjustment: a care home or a hostel is home to many children.
                _lvl(
                    "address_l = address_r",
                    "same address",
                    tf_adjustment_column="address",
                    tf_adjustment_weight=1.0,
                ),
                _lvl(
                    "postcode_l = postcode_r AND " + _similar_address(0.88, 0.15),
                    "same postcode, similar address",
                ),
                _lvl("postcode_l = postcode_r", "same postcode"),
                _lvl(_similar_address(0.92, 0.1), "similar address"),
                _lvl("postcode_sector_l = postcode_sector_r", "same postcode sector"),
                _lvl("damerau_levenshtein(postcode_l, postcode_r) <= 1", "postcode with one typo"),
                _ELSE,
            ],
        ),
        _cmp(
            "phone",
            "phone number",
            [
                _null("phone_l IS NULL OR phone_r IS NULL"),
                _lvl("phone_l = phone_r", "exact"),
                _lvl("damerau_levenshtein(phone_l, phone_r) <= 1", "one typo"),
                _ELSE,
            ],
        ),
        _cmp(
            "pnc",
            "Police National Computer id",
            [
                _null("pnc_l IS NULL OR pnc_r IS NULL"),
                _lvl("pnc_l = pnc_r", "exact"),
                _ELSE,
            ],
        ),
        _cmp(
            "nhs",
            "NHS number",
            [
                _null("nhs_l IS NULL OR nhs_r IS NULL"),
                _lvl("nhs_l = nhs_r", "exact"),
                _ELSE,
            ],
        ),
    ]


# Columns every scored pair carries out of Splink: the hard rules' and :func:`family_pair_sql`'s.
RETAINED_COLUMNS: tuple[str, ...] = (
    "record_key",
    "pnc",
    "nhs",
    "has_name",
    "forename",
    "surname",
    "dob",
    "name_keys",
    "alias_tokens",
    "gender",
    "first_middle",
    "forename_metaphone",
)


def family_pair_sql() -> str:
    """Twins: one surname, one date of birth, both forenames given and unalike by every test
    of the forename comparison (not a nickname, typo, swap, sound-alike or middle name).

    Fellegi-Sunter multiplies the evidence of fields as if they were independent; between
    members of one family they are not (a surname, a home and, for twins, a date of birth go
    together), so 'Jack' and 'Oliver Walsh' born the same day at one address scored 0.9999 and
    merged with nobody asked. Such a pair never scores above the review ceiling: if it links,
    it is linked *and* shown to a reviewer. (Not kept apart outright: data that replaces whole
    forenames, as FEBRL does, has many true pairs like this.)"""
    forename = comparisons()[0]
    agreeing = [
        lvl["sql_condition"]
        for lvl in forename["comparison_levels"]
        if not lvl.get("is_null_level") and lvl["sql_condition"] != "ELSE"
    ]
    return (
        "forename_l IS NOT NULL AND forename_r IS NOT NULL"
        " AND surname_l = surname_r AND dob_l = dob_r"
        " AND NOT coalesce(" + " OR ".join(f"({c})" for c in agreeing) + ", false)"
    )


def blocking_rules() -> list[str]:
    """Candidate pairs: each rule is an equi-join, so each stays small at a million mentions.

    Mentions without any name never enter blocking (``has_name``), so they cannot pair up.
    """
    named = "l.has_name AND r.has_name AND "
    return [
        "l.pnc = r.pnc",
        "l.nhs = r.nhs",
        named + "l.phone = r.phone",
        named + "l.postcode = r.postcode AND l.surname_soundex = r.surname_soundex",
        named + "l.postcode = r.postcode AND l.forename_metaphone = r.forename_metaphone",
        # With the initial: sound-alike surname and birth year alone grow quadratically (some
        # 30,000,000 pairs at a million mentions with common surnames).
        named + "l.surname_soundex = r.surname_soundex AND l.dob_year = r.dob_year"
        " AND l.forename_initial = r.forename_initial",
        named + "l.dob = r.dob AND l.forename_metaphone = r.forename_metaphone",
        named + "l.dob = r.dob AND l.surname_metaphone = r.surname_metaphone",
        named + "l.forename_canon = r.forename_canon AND l.surname_metaphone = r.surname_metaphone"
        " AND l.postcode_sector = r.postcode_sector",
        named + "l.address = r.address",
        named + "l.dob = r.dob AND l.postcode = r.postcode",
        # Swapped names, whole or half. A dedupe only pairs l < r, so each one-sided rule
        # comes in both directions.
        named + "l.dob = r.dob AND l.forename = r.surname",
        named + "l.dob = r.dob AND l.surname = r.forename",
        named + "l.postcode = r.postcode AND l.forename = r.surname",
        named + "l.postcode = r.postcode AND l.surname = r.forename",
        named + "l.forename = r.forename AND l.surname = r.surname",
    ]


def base_settings(prior: float = DEFAULT_PRIOR) -> dict[str, Any]:
    """Untrained Splink settings (dedupe; the incremental path overrides the link type)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "mention_key",
        "probability_two_random_records_match": prior,
        "comparisons": comparisons(),
        "blocking_rules_to_generate_predictions": blocking_rules(),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": list(RETAINED_COLUMNS),
        "em_convergence": 0.0001,
        "max_iterations": 25,
    }


@dataclass
class IdentityModel:
    """A trained model: Splink settings (with m and u probabilities) plus thresholds."""

    settings: dict[str, Any]
    thresholds: Thresholds = field(default_factory=Thresholds)
    version: int = MODEL_FORMAT_VERSION
    trained_on: str = ""
    term_frequencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Name frequencies among the mentions the model was trained on, per column:
    ``{"values": {name: share}, "other": share of any name not listed}``. A store too small to
    count its own (:data:`vigil.identity.scoring.MIN_TF_POPULATION`) weighs names by these."""

    def common_names(self, column: str) -> dict[str, float]:
        """The names the model's table shows as commoner than the average agreement (the u of
        the comparison's exact level), with their shares: what a small store weighs names by.

        Only these: the table is borrowed, and a name it does not list (or lists as rare) may
        well be common in the store; so the table only ever discounts an agreement, never adds
        to one ('Mark', absent from the training names, would otherwise count as very rare)."""
        table = self.term_frequencies.get(column)
        if not table:
            return {}
        average = None
        for comparison in self.settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                if level.get("tf_adjustment_column") == column:
                    average = level.get("u_probability")
        if not average:
            return {}
        return {str(k): float(v) for k, v in table["values"].items() if float(v) > average}

    def frequency(self, column: str, value: str | None) -> float | None:
        """A small store's share for ``value`` (None: no adjustment): see :meth:`common_names`."""
        if value is None:
            return None
        return self.common_names(column).get(value)

    def prior_for(self, n_mentions: int) -> float:
        """The prior to link ``n_mentions`` with (see :data:`MATCHES_PER_MENTION`)."""
        prior = float(self.settings["probability_two_random_records_match"])
        if n_mentions <= 0:
            return prior
        return min(prior, MATCHES_PER_MENTION / n_mentions)

    def splink_settings(
        self, link_type: str | None = None, n_mentions: int | None = None
    ) -> dict[str, Any]:
        """A fresh copy for a Linker (Splink mutates what it is given).

        Blocking rules always come from this code, not the file: they decide speed and which
        pairs are ever looked at, not any trained parameter, so improving them must not need
        every saved model retrained."""
        settings = copy.deepcopy(self.settings)
        settings.pop("linker_uid", None)
        settings["blocking_rules_to_generate_predictions"] = blocking_rules()
        settings["additional_columns_to_retain"] = list(RETAINED_COLUMNS)
        if n_mentions is not None:
            settings["probability_two_random_records_match"] = self.prior_for(n_mentions)
        if link_type is not None:
            settings["link_type"] = link_type
        return settings

    def to_json(self) -> dict[str, Any]:
        return {
            "vigil_identity_model_version": self.version,
            "trained_on": self.trained_on,
            "thresholds": asdict(self.thresholds),
            "splink_settings": self.settings,
            "term_frequencies": self.term_frequencies,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IdentityModel:
        version = int(data.get("vigil_identity_model_version", 0))
        if version != MODEL_FORMAT_VERSION:
            raise ValueError(
                f"identity model format {version} is not supported (expected {MODEL_FORMAT_VERSION})"
            )
        return cls(
            settings=data["splink_settings"],
            thresholds=Thresholds(**data.get("thresholds", {})),
            version=version,
            trained_on=str(data.get("trained_on", "")),
            term_frequencies=dict(data.get("term_frequencies") or {}),
        )

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1, sort_keys=False) + "\n")


def load_model(path: str | Path | None = None) -> IdentityModel:
    """Load a model file; without a path, the default model shipped with the package."""
    return IdentityModel.from_json(json.loads(Path(path or DEFAULT_MODEL_PATH).read_text()))


def untrained_model(prior: float = DEFAULT_PRIOR) -> IdentityModel:
    return IdentityModel(settings=base_settings(prior))


# Blocking rules for expectation maximisation: each fixes some columns so the others' m
# probabilities can be learnt; together they cover every comparison.
EM_BLOCKING_RULES: tuple[str, ...] = (
    "l.dob = r.dob AND l.postcode = r.postcode",
    "l.forename = r.forename AND l.surname = r.surname",
    "l.surname_soundex = r.surname_soundex AND l.dob_year = r.dob_year",
    "l.pnc = r.pnc",
)


def train(
    df: pd.DataFrame,
    *,
    prior: float | None = DEFAULT_PRIOR,
    thresholds: Thresholds | None = None,
    max_pairs: float = 5e6,
    seed: int = 1,
    trained_on: str = "",
) -> IdentityModel:
    """Estimate m and u probabilities on a mention frame (input columns, not yet prepared).

    u from random sampling, m by expectation maximisation over several blocking passes (the
    approach of Splink's own examples). ``prior=None`` also estimates the prior from
    deterministic rules, which suits a benchmark where the data set *is* the population.
    """
    from splink import DuckDBAPI, Linker

    from vigil.identity.duck import quiet_connection, register_prepared
    from vigil.identity.frames import prepare

    if len(df) < MIN_TRAINING_MENTIONS:
        raise ValueError(
            f"{len(df)} mentions are too few to train on (at least "
            f"{MIN_TRAINING_MENTIONS:,}); keep the default model"
        )
    prepared = prepare(df)
    con = quiet_connection()
    register_prepared(con, "training", prepared)
    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register("training")
    linker = Linker(sdf, base_settings(prior or DEFAULT_PRIOR), log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    proportion = 1.0 if len(prepared) <= 200_000 else 200_000 / len(prepared)
    for rule in EM_BLOCKING_RULES:
        if rule.startswith("l.pnc") and prepared["pnc"].notna().sum() < 50:
            continue
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, record_sample_proportion=proportion
            )
        except Exception as error:  # one pass failing must not lose the others
            # A pass can fail on data that gives it too few pairs (e.g. no date of birth
            # anywhere); the other passes still estimate what they can.
            logger.warning("EM pass %r skipped: %s", rule, error)
    if prior is None:
        _estimate_prior(linker, prepared)
    settings = linker.misc.save_model_to_json()
    if TRUTH_COLUMN in df.columns:
        set_generation_m_from_truth(settings, prepared, df[TRUTH_COLUMN])
    settings = _fill_untrained_levels(settings, len(prepared))
    if prior is not None:
        settings["probability_two_random_records_match"] = prior
    settings.pop("linker_uid", None)
    return IdentityModel(
        settings=settings,
        thresholds=thresholds or Thresholds(),
        trained_on=trained_on,
        term_frequencies={c: name_frequencies(prepared[c]) for c in NAME_TF_COLUMNS},
    )


# A column of the training frame naming each mention's true person (the synthetic training
# data has it; a force's own data does not).
TRUTH_COLUMN = "true_person"


def set_generation_m_from_truth(
    settings: dict[str, Any], prepared: pd.DataFrame, truth: pd.Series
) -> float:
    """Estimate the 'a generation apart' level's m from labelled pairs instead of EM.

    EM is unsupervised: a father and son with one name at one address agree on everything but
    the date, so it counts some of them as one person, and learnt a weight for the level hardly
    below 'all other' (the very merge the level is for). Where the truth is known, m is the
    share of true pairs (both dates given) whose dates are a generation apart, and at least one
    in that many pairs when none is (hand-keyed dates never are). Returns the m set."""
    import itertools

    days = prepared["dob_days"].tolist()
    dobs = prepared["dob"].tolist()
    swapped = prepared["dob_swapped"].tolist()
    groups: dict[Any, list[int]] = {}
    for i, person in enumerate(truth.tolist()):
        if days[i] is not None and not pd.isna(days[i]):
            groups.setdefault(person, []).append(i)
    pairs = apart = 0
    for members in groups.values():
        for i, j in itertools.combinations(members, 2):
            pairs += 1
            if _generation_apart(dobs[i], dobs[j], swapped[i], swapped[j], days[i], days[j]):
                apart += 1
    if pairs == 0:
        return float("nan")
    m = max(apart, 1) / pairs
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("label_for_charts") == GENERATION_LABEL:
                level["m_probability"] = m
    return m


def _generation_apart(
    dob_a: str, dob_b: str, swapped_a: str | None, swapped_b: str | None, days_a: int, days_b: int
) -> bool:
    """:data:`_GENERATION_APART` (and no level before it) in Python, for labelled pairs."""
    import jellyfish

    def dl(x: str | None, y: str | None) -> int:
        if x is None or y is None:
            return 99
        return int(jellyfish.damerau_levenshtein_distance(x.replace("-", ""), y.replace("-", "")))

    return (
        abs(int(days_a) - int(days_b)) >= _GENERATION_DAYS
        and dl(dob_a, dob_b) > 2
        and dl(swapped_a, dob_b) > 1
        and dl(dob_a, swapped_b) > 1
    )


# Name columns whose frequencies a model carries for stores too small to count their own.
NAME_TF_COLUMNS = ("forename", "surname")
# How many of the commonest names a model lists; every other name counts as 'other'.
LISTED_NAMES = 400


def name_frequencies(values: pd.Series) -> dict[str, Any]:
    """The share of mentions holding each of the commonest values, and the average share of
    the rest ('other'): a rare or mistyped name in a small store then weighs as a rare one."""
    counts = values.dropna().value_counts()
    total = int(counts.sum())
    if total == 0:
        return {"values": {}, "other": 1.0}
    listed = counts.iloc[:LISTED_NAMES]
    rest = counts.iloc[LISTED_NAMES:]
    other = (float(rest.sum()) / len(rest) if len(rest) else float(listed.min())) / total
    return {
        "values": {str(k): round(int(v) / total, 8) for k, v in listed.items()},
        "other": round(other, 10),
    }


# The deterministic rule the prior is estimated from, and the comparisons (with their exact
# level's label) whose agreement it requires.
_PRIOR_RULE = "l.forename = r.forename AND l.surname = r.surname AND l.dob = r.dob"
_PRIOR_RULE_PARTS = (("forename", "forename"), ("surname", "surname"), ("date_of_birth", "dob"))


def _estimate_prior(linker: Any, prepared: pd.DataFrame) -> None:
    """Estimate the prior from how many pairs agree exactly on forename, surname and date of
    birth, divided by the share of true matches that do (the rule's recall).

    Splink asks for that recall as a guess; here it comes from the trained model instead: the
    product, over the three fields, of the exact level's m probability and the chance that both
    sides have the field at all (m is conditional on neither side missing). On noisy data (FEBRL
    has fewer than half its true pairs agreeing on all three) a fixed guess of, say, 0.7
    understates the prior by a third."""
    trained = linker.misc.save_model_to_json()
    by_name = {c["output_column_name"]: c for c in trained["comparisons"]}
    recall = 1.0
    for comparison, column in _PRIOR_RULE_PARTS:
        levels = [
            lvl for lvl in by_name[comparison]["comparison_levels"] if not lvl.get("is_null_level")
        ]
        m_exact = float(levels[0].get("m_probability") or 0.0)
        present = float(prepared[column].notna().mean())
        recall *= m_exact * present * present
    if not 0.0 < recall <= 1.0:
        logger.warning("prior not estimated: rule recall %.3g from the trained model", recall)
        return
    linker.training.estimate_probability_two_random_records_match([_PRIOR_RULE], recall=recall)


def _bf(level: dict[str, Any]) -> float | None:
    m, u = level.get("m_probability"), level.get("u_probability")
    if m is None or u is None or u <= 0 or m <= 0:
        return None
    return float(m) / float(u)


def _fill_untrained_levels(settings: dict[str, Any], n_mentions: int = 0) -> dict[str, Any]:
    """Give every level that training could not estimate (never observed in the training data)
    an explicit, conservative Bayes factor: the geometric mean of its trained neighbours above
    and below. Splink would otherwise fall back on generic default m values, whose weights
    bear no relation to the level's meaning. Then clamp every level between full agreement
    and full disagreement."""
    for comparison in settings["comparisons"]:
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        factors = [_bf(lvl) for lvl in levels]
        for i, level in enumerate(levels):
            if factors[i] is not None:
                continue
            if level.get("label_for_charts") == GENERATION_LABEL and n_mentions:
                # Never seen among true matches (dates keyed by hand are not a generation out):
                # at most one in the mentions trained on, against how often random pairs are.
                u = float(level.get("u_probability") or 0.0)
                if u > 0:
                    level["m_probability"] = min(1.0 / n_mentions, u)
                    factors[i] = level["m_probability"] / u
                    continue
            above = next((f for f in reversed(factors[:i]) if f is not None), None)
            below = next((f for f in factors[i + 1 :] if f is not None), None)
            if above is not None and below is not None:
                target = math.sqrt(above * below)
            elif above is not None:
                target = above
            elif below is not None:
                target = below
            else:
                target = 1.0
            u = float(level.get("u_probability") or 1e-4)
            m = min(target * u, 1.0)
            level["u_probability"] = m / target if m < target * u else u
            level["m_probability"] = m
            factors[i] = m / level["u_probability"]
        _clamp_between_top_and_else(levels, factors)
    return settings


def _set_bf(level: dict[str, Any], target: float) -> None:
    u = float(level["u_probability"])
    m = target * u
    if m > 1.0:
        m, u = 1.0, 1.0 / target
    level["m_probability"], level["u_probability"] = m, u


def _clamp_between_top_and_else(levels: list[dict[str, Any]], factors: list[float | None]) -> None:
    """A partial agreement never weighs more than full agreement (the first level) nor less than
    full disagreement (ELSE). Training data can push rare levels past either end: a postcode
    typo never seen among true matches would otherwise count far more against a match than a
    wholly different postcode, and a name swap would count as much as two exact names each."""
    if len(levels) < 3 or factors[0] is None or factors[-1] is None:
        return
    top, bottom = factors[0], factors[-1]
    for i in range(1, len(levels) - 1):
        bf = factors[i]
        if bf is None:
            continue
        # Dates a generation apart are stronger evidence against than dates merely unalike.
        floor = 0.0 if levels[i].get("label_for_charts") == GENERATION_LABEL else bottom
        clamped = min(max(bf, floor), top)
        if clamped != bf:
            _set_bf(levels[i], clamped)
            factors[i] = clamped

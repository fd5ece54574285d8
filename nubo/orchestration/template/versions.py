"""The HOT versions, their release-name aliases, and the functions each one has."""

from __future__ import annotations

from nubo.orchestration.errors import InvalidTemplateVersion

VERSIONS = ("2013-05-23", "2014-10-16", "2015-04-30", "2015-10-15", "2016-04-08",
            "2016-10-14", "2017-02-24", "2017-09-01", "2018-03-02", "2018-08-31",
            "2021-04-16")
ALIASES = {"newton": "2016-10-14", "ocata": "2017-02-24", "pike": "2017-09-01",
           "queens": "2018-03-02", "rocky": "2018-08-31", "wallaby": "2021-04-16"}

_BASE = ("get_attr", "get_file", "get_param", "get_resource", "list_join",
         "resource_facade", "str_replace")
#: functions added by each version (cumulative from the first)
_ADDED: dict[str, tuple[str, ...]] = {
    "2013-05-23": _BASE,
    "2015-04-30": ("digest", "repeat"),
    "2015-10-15": ("str_split",),
    "2016-04-08": ("map_merge",),
    "2016-10-14": ("map_replace", "if", "yaql"),
    "2017-02-24": ("filter", "str_replace_strict"),
    "2017-09-01": ("make_url", "list_concat", "list_concat_unique", "contains",
                   "str_replace_vstrict"),
}
#: CloudFormation functions some HOT versions keep
_CFN = {"2013-05-23": ("Fn::Select",), "2014-10-16": ("Fn::Select",)}
_COND_ADDED: dict[str, tuple[str, ...]] = {
    "2016-10-14": ("equals", "get_param", "not", "and", "or"),
    "2017-09-01": ("contains", "yaql"),
}

ALL_FUNCTIONS = frozenset(f for fs in _ADDED.values() for f in fs) | {"Fn::Select"}
ALL_CONDITIONS = frozenset(f for fs in _COND_ADDED.values() for f in fs)


def _cumulative(table: dict[str, tuple[str, ...]], version: str) -> frozenset[str]:
    return frozenset(f for v, fs in table.items() if v <= version for f in fs)


def canonical(raw: object) -> str:
    """The date of a `heat_template_version` value (a date, a string or a release name)."""
    text = raw.isoformat() if hasattr(raw, "isoformat") else str(raw)
    text = ALIASES.get(text, text)
    if text not in VERSIONS:
        valid = ", ".join(f'"heat_template_version.{v}"' for v in VERSIONS)
        raise InvalidTemplateVersion(
            explanation=f'"heat_template_version: {raw}". "heat_template_version" should '
                        f"be one of: {valid}")
    return text


def functions(version: str) -> frozenset[str]:
    return _cumulative(_ADDED, version) | frozenset(_CFN.get(version, ()))


def condition_functions(version: str) -> frozenset[str]:
    return _cumulative(_COND_ADDED, version)


def has_conditions(version: str) -> bool:
    return version >= "2016-10-14"

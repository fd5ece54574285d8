"""The OS::Heat resources that need no other service: RandomString, Value, None,
TestResource (heat-tempest-plugin's)."""

from __future__ import annotations

import secrets
import string
import time
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from nubo.orchestration.resources.base import Base, Ctx, Prop, ResourceFailure

_CLASSES = {"lettersdigits": string.ascii_letters + string.digits,
            "letters": string.ascii_letters, "lowercase": string.ascii_lowercase,
            "uppercase": string.ascii_uppercase, "digits": string.digits,
            "hexdigits": string.digits + "abcdef", "octdigits": string.octdigits}


class RandomString(Base):
    type_name = "OS::Heat::RandomString"
    properties: ClassVar[Mapping[str, Prop]] = {
        "length": Prop("integer", default=32), "sequence": Prop("string"),
        "character_classes": Prop("list"), "character_sequences": Prop("list"),
        "salt": Prop("string", update_allowed=False)}
    attributes = ("value",)

    async def create(self, c: Ctx) -> str:
        p = c.properties
        length = int(p["length"])
        if length < 0 or length > 512:
            raise ResourceFailure("length must be in the range 0 to 512")
        chars: list[str] = []
        pools: list[str] = []
        for cc in p.get("character_classes") or []:
            pool = _CLASSES.get(cc.get("class", "lettersdigits"), "")
            pools.append(pool)
            chars += [secrets.choice(pool) for _ in range(int(cc.get("min", 1)))]
        for cs in p.get("character_sequences") or []:
            pool = str(cs.get("sequence", ""))
            if pool:
                pools.append(pool)
                chars += [secrets.choice(pool) for _ in range(int(cs.get("min", 1)))]
        if p.get("sequence"):
            pools = [_CLASSES.get(p["sequence"], _CLASSES["lettersdigits"])]
        alphabet = "".join(pools) or _CLASSES["lettersdigits"]
        if len(chars) > length:
            raise ResourceFailure(f"Length property cannot be smaller than combined "
                                  f"character class and character sequence minimums "
                                  f"({len(chars)})")
        chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        c.data["value"] = "".join(chars)
        # Heat's resource id of a random string is the string itself
        return str(c.data["value"])

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        return {"value": c.data.get("value")}


class Value(Base):
    type_name = "OS::Heat::Value"
    properties: ClassVar[Mapping[str, Prop]] = {
        "value": Prop("any", required=True, update_allowed=True),
        "type": Prop("string", update_allowed=True,
                     allowed=("string", "number", "json", "comma_delimited_list",
                              "boolean"))}
    attributes = ("value",)

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        return {"value": c.properties.get("value")}


class NoneResource(Base):
    type_name = "OS::Heat::None"
    open_properties = True


class TestResource(Base):
    """heat-tempest-plugin's test resource: a value, optional waits, failures on demand."""

    type_name = "OS::Heat::TestResource"
    properties: ClassVar[Mapping[str, Prop]] = {
        "value": Prop("string", default="test_string", update_allowed=True),
        "update_replace": Prop("boolean", default=False, update_allowed=True),
        "update_replace_value": Prop("string"),
        "fail": Prop("boolean", default=False, update_allowed=True),
        "client_name": Prop("string"), "entity_name": Prop("string"),
        "wait_secs": Prop("number", default=0, update_allowed=True),
        "action_wait_secs": Prop("map", update_allowed=True),
        "attr_wait_secs": Prop("number", default=0, update_allowed=True),
        "constraint_prop_secs": Prop("number", default=0, update_allowed=True)}
    attributes = ("output",)

    def _wait(self, c: Ctx, action: str) -> None:
        waits = c.properties.get("action_wait_secs") or {}
        secs = float(waits.get(action, c.properties.get("wait_secs") or 0))
        c.data["wait_until"] = time.time() + secs

    def _done(self, c: Ctx) -> bool:
        if time.time() < float(c.data.get("wait_until", 0)):
            return False
        if c.properties.get("fail"):
            raise ResourceFailure("Test Resource failed " + c.name, "ResourceInError")
        return True

    async def create(self, c: Ctx) -> str:
        self._wait(c, "create")
        return str(uuid.uuid4())

    async def check_create_complete(self, c: Ctx) -> bool:
        return self._done(c)

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        self._wait(c, "update")

    async def check_update_complete(self, c: Ctx) -> bool:
        return self._done(c)

    async def delete(self, c: Ctx) -> None:
        self._wait(c, "delete")

    async def check_delete_complete(self, c: Ctx) -> bool:
        return time.time() >= float(c.data.get("wait_until", 0))

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        return {"output": c.properties.get("value")}

    def must_replace(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return bool(new.get("update_replace"))

"""OS::Heat::SoftwareConfig, CloudConfig and MultipartMime as data resources: each keeps its
config (a cloud-config document, a MIME multipart message) in its private data and shows it
as the `config` attribute, usable as a server's user_data (directly, or by the config's id
as Heat's servers take it). No /software_configs API and no deployments yet."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any, ClassVar

import yaml

from nubo.orchestration.resources.base import Base, Ctx, Prop, ResourceFailure

CONFIG_TYPES = ("OS::Heat::SoftwareConfig", "OS::Heat::CloudConfig",
                "OS::Heat::MultipartMime")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def config_by_id(c: Ctx, value: str) -> str | None:
    """The config of a config resource of this stack named by its id, else None."""
    if c.nested is None or not UUID_RE.match(value):
        return None
    return await c.nested.config(value)


class _Config(Base):
    attributes = ("config",)

    def render(self, p: Mapping[str, Any]) -> str:
        return str(p.get("config") or "")

    async def create(self, c: Ctx) -> str:
        c.data["config"] = self.render(c.properties)
        return str(uuid.uuid4())

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        return {"config": c.data.get("config")}


class SoftwareConfig(_Config):
    type_name = "OS::Heat::SoftwareConfig"
    properties: ClassVar[Mapping[str, Prop]] = {
        "group": Prop("string", default="Heat::Ungrouped"), "config": Prop("string"),
        "inputs": Prop("list"), "outputs": Prop("list"), "options": Prop("map")}


class CloudConfig(_Config):
    type_name = "OS::Heat::CloudConfig"
    properties: ClassVar[Mapping[str, Prop]] = {"cloud_config": Prop("map", default={})}

    def render(self, p: Mapping[str, Any]) -> str:
        return "#cloud-config\n" + yaml.safe_dump(p.get("cloud_config") or {},
                                                  default_flow_style=False)


class MultipartMime(_Config):
    type_name = "OS::Heat::MultipartMime"
    properties: ClassVar[Mapping[str, Prop]] = {
        "parts": Prop("list", default=[]), "group": Prop("string", default="Heat::Ungrouped")}

    async def create(self, c: Ctx) -> str:
        msg = MIMEMultipart()
        for i, part in enumerate(c.properties.get("parts") or []):
            if not isinstance(part, dict) or "config" not in part:
                raise ResourceFailure(f"parts[{i}]: a part is a map with a config")
            text = str(part["config"] or "")
            text = await config_by_id(c, text) or text
            kind = part.get("type", "text")
            if kind == "multipart":
                from email import message_from_string
                msg.attach(message_from_string(text))
                continue
            if kind != "text":
                raise ResourceFailure(f'parts[{i}].type: "{kind}" is not text or multipart')
            sub = MIMEText(text, str(part.get("subtype") or _subtype(text)), "utf-8")
            if part.get("filename"):
                sub.add_header("Content-Disposition", "attachment",
                               filename=str(part["filename"]))
            msg.attach(sub)
        c.data["config"] = msg.as_string()
        return str(uuid.uuid4())


def _subtype(text: str) -> str:
    """cloud-init's part types by the first line, as Heat picks them."""
    if text.startswith("#cloud-config"):
        return "cloud-config"
    if text.startswith("#!"):
        return "x-shellscript"
    return "plain"

from __future__ import annotations

import pytest

from nubo.core.errors import ValidationError
from nubo.core.validation import validate
from nubo.identity import schemas


def message(body: object) -> str:
    with pytest.raises(ValidationError) as exc:
        validate(schemas.PROJECT_CREATE, body)
    return exc.value.message


def test_messages_name_the_field() -> None:
    assert message({"project": {"name": 3}}) == \
        "Invalid input for field 'project/name': 3 is not of type 'string'"
    assert "'name' is a required property" in message({"project": {}})
    assert "Additional properties are not allowed" in message({"project": {"name": "a"},
                                                               "x": 1})


def test_valid_body_passes() -> None:
    validate(schemas.PROJECT_CREATE, {"project": {"name": "a", "tags": ["x"], "k": "extra"}})

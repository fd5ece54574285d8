from __future__ import annotations

from nubo.identity.revocations import Event
from nubo.identity.tokens import TokenPayload

P = TokenPayload("u1", ("password",), "project", "p1", 100.0, 200.0, ("a1", "a0"), None)


def ev(**kw: object) -> Event:
    base = dict(id=1, user_id=None, project_id=None, domain_id=None, audit_id=None,
                application_credential_id=None, issued_before=150.0)
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


def test_matches_on_every_given_field() -> None:
    assert ev(user_id="u1").matches(P, "d1", "d2")
    assert not ev(user_id="u2").matches(P, "d1", "d2")
    assert ev(user_id="u1", project_id="p1").matches(P, "d1", "d2")
    assert not ev(user_id="u1", project_id="p2").matches(P, "d1", "d2")
    assert ev(domain_id="d2").matches(P, "d1", "d2")
    assert not ev(domain_id="d3").matches(P, "d1", "d2")
    assert ev(audit_id="a0").matches(P, None, None)      # the chain's parent revoked
    assert not ev(application_credential_id="c1").matches(P, None, None)


def test_only_tokens_issued_before_the_event() -> None:
    assert not ev(user_id="u1", issued_before=100.0).matches(P, None, None)
    assert not ev(user_id="u1", issued_before=99.0).matches(P, None, None)
    assert ev(user_id="u1", issued_before=100.000001).matches(P, None, None)

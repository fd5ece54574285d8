"""GET /servers(/detail) pages in SQL when no filter is applied in Python (limit, marker,
sort_key, sort_dir) and in Python after such filters: both give the same answers. A `name`
regex that every server matches (`.`) takes the Python path, so each query is asked both
ways and the servers (and errors) compared."""

from __future__ import annotations

from typing import Any

from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

S = "/compute/v2.1/servers"
V = {"OpenStack-API-Version": "compute 2.96"}


async def _both(api: Api, query: str) -> tuple[Any, Any]:
    """The answer to `query` paged in SQL, and paged in Python (status, body)."""
    out = []
    for q in (query, f"{query}&name=." if query else "name=."):
        r = await api.req("GET", f"{S}/detail?{q}", headers=V)
        body = r.json()
        if r.status_code == 200:
            links = body.pop("servers_links", None)
            body["has_next"] = links is not None
        out.append((r.status_code, body))
    return out[0], out[1]


async def test_sql_page_equals_python_page(api: Api) -> None:
    await check_paging(api)


async def check_paging(api: Api) -> None:
    """Six servers in three creates, then every query both ways."""
    img, flv = await image_id(api), await flavor_id(api)
    ids = []
    for name in ("b", "a", "c"):        # several per create: equal created_at, ties on id
        made = await create(api, img, flv, name=name, min_count=2, max_count=2,
                            return_reservation_id=True)
        found = (await api.ok("GET", f"{S}?reservation_id={made['reservation_id']}"))
        ids += [s["id"] for s in found["servers"]]
    for sid in ids:
        await wait(api, sid, "ACTIVE")
    everything = (await api.ok("GET", f"{S}/detail", headers=V))["servers"]
    assert len(everything) == 6
    order = [s["id"] for s in everything]
    queries = [""]
    for key in ("created_at", "display_name", "uuid", "vm_state", "launched_at", "host",
                "task_state", "updated_at"):
        for direction in ("asc", "desc"):
            queries += [f"sort_key={key}&sort_dir={direction}",
                        f"sort_key={key}&sort_dir={direction}&limit=4"]
    queries += [f"limit=2&marker={m}" for m in order] + [f"marker={order[2]}",
                                                          "limit=0", "limit=1000",
                                                          "limit=-1", "limit=x",
                                                          "marker=nope", "marker=nope&limit=x",
                                                          f"marker={order[1]}&limit=-1",
                                                          "sort_key=bogus"]
    for query in queries:
        sql, python = await _both(api, query)
        assert sql == python, query
    # the SQL page is the expected one, not merely equal to the other path
    sql, _ = await _both(api, f"limit=2&marker={order[1]}")
    assert [s["id"] for s in sql[1]["servers"]] == order[2:4] and sql[1]["has_next"]
    sql, _ = await _both(api, "marker=nope")
    assert sql[0] == 400
    brief = (await api.ok("GET", f"{S}?limit=3&marker={order[0]}", headers=V))["servers"]
    assert [s["id"] for s in brief] == order[1:4]

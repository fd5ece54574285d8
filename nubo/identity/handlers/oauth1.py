"""/v3/OS-OAUTH1/consumers"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.identity import schemas
from nubo.identity.handlers.common import api, body


async def list_consumers(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_consumers")
    found = await a.consumers.list_()
    return json_response(a.views.collection(
        "consumers", [a.views.consumer(c) for c in found], "OS-OAUTH1/consumers"))


async def create_consumer(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.CONSUMER_CREATE))["consumer"]
    a.enforce(context(request), "identity:create_consumer")
    consumer, secret = await a.consumers.create(data)
    return json_response({"consumer": a.views.consumer(consumer, secret)}, 201)


async def get_consumer(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_consumer")
    c = await a.consumers.get(request.path_params["consumer_id"])
    return json_response({"consumer": a.views.consumer(c)})


async def update_consumer(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.CONSUMER_UPDATE))["consumer"]
    a.enforce(context(request), "identity:update_consumer")
    c = await a.consumers.update(request.path_params["consumer_id"], data)
    return json_response({"consumer": a.views.consumer(c)})


async def delete_consumer(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_consumer")
    await a.consumers.delete(request.path_params["consumer_id"])
    return no_content()

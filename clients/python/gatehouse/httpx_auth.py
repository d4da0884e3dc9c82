"""``httpx`` integration, sync and async: ``httpx.Client(auth=gatehouse.HttpxAuth(provider))``."""
from __future__ import annotations

from typing import AsyncGenerator, Generator

import httpx

from .providers import TokenProvider


class HttpxAuth(httpx.Auth):
    """Sends ``Authorization: Bearer <token>`` from ``provider``, renewing it ahead of expiry; on a 401 it renews
    once and sends the request again. In ``httpx.AsyncClient`` the tasks of a loop share one token request."""

    requires_request_body = True  # so a retried request can carry its body again

    def __init__(self, provider: TokenProvider, *, retry_on_401: bool = True) -> None:
        self.provider = provider
        self.retry_on_401 = retry_on_401

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        bearer = self.provider.bearer(self.provider.get_token())
        request.headers['Authorization'] = f'Bearer {bearer}'
        response = yield request
        if self.retry_on_401 and response.status_code == 401:
            self.provider.invalidate(bearer)
            request.headers['Authorization'] = f'Bearer {self.provider.bearer(self.provider.get_token())}'
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        bearer = self.provider.bearer(await self.provider.aget_token())
        request.headers['Authorization'] = f'Bearer {bearer}'
        response = yield request
        if self.retry_on_401 and response.status_code == 401:
            self.provider.invalidate(bearer)
            request.headers['Authorization'] = f'Bearer {self.provider.bearer(await self.provider.aget_token())}'
            yield request

"""``requests`` integration: ``requests.get(url, auth=gatehouse.Auth(provider))``."""
from __future__ import annotations

import logging
from typing import Any

import requests
from requests.auth import AuthBase

from .providers import TokenProvider

log = logging.getLogger('gatehouse')


def _replayable(body: Any) -> bool:
    return body is None or isinstance(body, (bytes, str))


class Auth(AuthBase):
    """Sends ``Authorization: Bearer <token>`` from ``provider``; on a 401 it renews the token once and sends the
    request again (when its body can be sent twice), so a token revoked or rotated away early costs one retry."""

    def __init__(self, provider: TokenProvider, *, retry_on_401: bool = True) -> None:
        self.provider = provider
        self.retry_on_401 = retry_on_401

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        bearer = self.provider.bearer(self.provider.get_token())
        request.headers['Authorization'] = f'Bearer {bearer}'
        if self.retry_on_401 and _replayable(request.body):
            request.register_hook('response', self._retry_on_401)  # type: ignore[arg-type]
        return request

    def headers(self) -> dict:
        """The header to send, for code that builds its own requests (NOMAD's ``auth.headers()``)."""
        return self.provider.headers()

    def _retry_on_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        request = response.request
        if response.status_code != 401 or getattr(request, '_gatehouse_retried', False):
            return response
        sent = str(request.headers.get('Authorization', ''))[len('Bearer '):]
        self.provider.invalidate(sent)
        bearer = self.provider.bearer(self.provider.get_token())
        log.info('HTTP 401 from %s; retrying once with a renewed token', (request.url or '').split('?')[0])
        response.content  # noqa: B018 - drain, so the connection can be reused
        response.close()
        retry = request.copy()
        retry.headers['Authorization'] = f'Bearer {bearer}'
        retry._gatehouse_retried = True  # type: ignore[attr-defined]
        again = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again

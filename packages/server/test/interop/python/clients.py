"""requests-oauthlib and authlib (Debian's python3 packages) against a real Gatehouse, through discovery.

Run by interop/python.test.ts with /usr/bin/python3: argv[1] is a JSON object {issuer, api, bot: {client_id,
client_secret, email, password}, user: {email, password}}. Prints one JSON object of observations; the Node test
asserts on them. Each library runs on its defaults, with one exception each, said where it is set.
"""
import json
import os
import sys

# Both libraries refuse http:// token endpoints unless told otherwise: the test server speaks plain HTTP on 127.0.0.1.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import requests  # noqa: E402
from oauthlib.oauth2 import BackendApplicationClient, LegacyApplicationClient  # noqa: E402
from requests_oauthlib import OAuth2Session  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession  # noqa: E402
from authlib.jose import JsonWebKey, jwt  # noqa: E402

cfg = json.loads(sys.argv[1])
meta = requests.get(cfg["issuer"] + "/.well-known/openid-configuration", timeout=10).json()
jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
bot, user, api = cfg["bot"], cfg["user"], cfg["api"]
out = {}


def verified(token, audience):
    """authlib.jose: signature through the JWKS (by kid), then iss, aud, exp."""
    claims = jwt.decode(token, jwks, claims_options={"iss": {"essential": True, "value": cfg["issuer"]}, "aud": {"essential": True, "value": audience}})
    claims.validate()
    return dict(claims)


def introspect(token):
    r = requests.post(meta["introspection_endpoint"], data={"token": token}, auth=(bot["client_id"], bot["client_secret"]), timeout=10)
    return r.json()


# --- requests-oauthlib -------------------------------------------------------------------------------------------
ro = {}
cc = OAuth2Session(client=BackendApplicationClient(client_id=bot["client_id"]))
t = cc.fetch_token(meta["token_endpoint"], client_secret=bot["client_secret"], audience=api)
ro["cc_token_type"] = t["token_type"]
ro["cc_access_verified_sub"] = verified(t["access_token"], api)["sub"]

# The password grant for a public client: requests-oauthlib sends Authorization: Basic base64("gatehouse-public:").
person = OAuth2Session(client=LegacyApplicationClient(client_id="gatehouse-public"))
login = person.fetch_token(meta["token_endpoint"], username=user["email"], password=user["password"])
ro["id_token_email"] = verified(login["id_token"], "gatehouse-public")["email"]
refreshed = person.refresh_token(meta["token_endpoint"])
ro["refresh_rotated"] = refreshed["refresh_token"] != login["refresh_token"]
ro["userinfo_email"] = person.get(meta["userinfo_endpoint"]).json().get("email")
ro["introspect_token_type"] = introspect(refreshed["access_token"]).get("token_type")
rv = person.post(meta["revocation_endpoint"], data={"token": refreshed["refresh_token"], "client_id": "gatehouse-public"}, withhold_token=True)
ro["revoke_status"] = rv.status_code
ro["revoke_json"] = rv.json()
ro["after_revoke_active"] = introspect(refreshed["access_token"])["active"]
out["requests_oauthlib"] = ro

# --- authlib -----------------------------------------------------------------------------------------------------
al = {}
conf = AuthlibSession(bot["client_id"], bot["client_secret"])  # client_secret_basic, authlib's default
t = conf.fetch_token(meta["token_endpoint"], grant_type="client_credentials", resource=api)
al["cc_token_type"] = t["token_type"]
al["cc_access_verified_sub"] = verified(t["access_token"], api)["sub"]
botlogin = conf.fetch_token(meta["token_endpoint"], username=bot["email"], password=bot["password"])
al["bot_id_token_sub"] = verified(botlogin["id_token"], bot["client_id"])["sub"]
al["introspect"] = conf.introspect_token(meta["introspection_endpoint"], token=botlogin["access_token"]).json()
al["revoke_status"] = conf.revoke_token(meta["revocation_endpoint"], token=botlogin["refresh_token"], token_type_hint="refresh_token").status_code
al["after_revoke_active"] = conf.introspect_token(meta["introspection_endpoint"], token=botlogin["access_token"]).json()["active"]

# A public client in authlib: without a secret its default method is "none" (client_id in the body).
pub = AuthlibSession("gatehouse-public")
login = pub.fetch_token(meta["token_endpoint"], username=user["email"], password=user["password"])
al["id_token_email"] = verified(login["id_token"], "gatehouse-public")["email"]
refreshed = pub.refresh_token(meta["token_endpoint"], refresh_token=login["refresh_token"])
al["refresh_rotated"] = refreshed["refresh_token"] != login["refresh_token"]
al["userinfo_email"] = pub.get(meta["userinfo_endpoint"]).json().get("email")
out["authlib"] = al

print(json.dumps(out))

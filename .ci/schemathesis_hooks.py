"""Schemathesis hooks for .ci/run's api_contract step.

The run acts as the demo admin with one API token. Every operation is tested, but never on
the run's own credentials: revoking its own token, or changing its own account (password,
roles, enabled state, e-mail), would leave the rest of the run unauthenticated. The ids to
spare come from the environment (STEWARD_ST_TOKEN_ID, STEWARD_ST_USER_ID).

A well-formed `Idempotency-Key` is made unique per case: a client names each logical request
with a fresh key, and reusing one for another request is refused (422) by design, a rule of
state the schema cannot state. Malformed keys (negative cases) are sent as generated.
"""

import os
import re
import uuid

import schemathesis

TOKEN_ID = os.environ.get("STEWARD_ST_TOKEN_ID", "")
USER_ID = os.environ.get("STEWARD_ST_USER_ID", "")


@schemathesis.hook
def filter_case(context, case):
    path = case.operation.path
    params = case.path_parameters or {}
    ident = str(params.get("id", ""))
    if path.startswith("/api/v1/tokens/") and ident == TOKEN_ID:
        return False
    if path.startswith("/api/v1/users/{id}") and case.method.upper() != "GET" and ident == USER_ID:
        return False
    return True


WELL_FORMED_KEY = re.compile(r"^[ -~]{1,200}$")


@schemathesis.hook
def map_case(context, case):
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and WELL_FORMED_KEY.match(value):
            headers[name] = str(uuid.uuid4())
    return case

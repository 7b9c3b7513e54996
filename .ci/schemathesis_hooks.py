"""Schemathesis hooks for .ci/run's api_contract step.

The run acts as the demo admin with one API token. Every operation is tested, but never on
the run's own credentials: revoking its own token, or changing its own account (password,
roles, enabled state, e-mail), would leave the rest of the run unauthenticated. The ids to
spare come from the environment (STEWARD_ST_TOKEN_ID, STEWARD_ST_USER_ID).
"""

import os

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

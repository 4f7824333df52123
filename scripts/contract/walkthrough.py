"""The README's walk-through (register -> sub-account -> lead -> list) through a
client generated from /openapi.json by openapi-python-client.

If the document drifts from the server (a renamed field, an undeclared
response, a wrong schema) the generated client fails to parse or this
script's assertions fail. Usage: walkthrough.py BASE_URL (the generated
package `frontdesk_api_client` must be importable).
"""

import sys
import uuid

from frontdesk_api_client import AuthenticatedClient, Client
from frontdesk_api_client.api.auth import get_auth_me, post_auth_register
from frontdesk_api_client.api.leads import get_leads, get_leads_id, post_leads
from frontdesk_api_client.api.subaccounts import post_subaccounts
from frontdesk_api_client.models import (
    CreatedSubAccountBody,
    GetLeadsSort,
    GetLeadsStatus,
    CreateLeadBody,
    CreateSubAccountBody,
    CreateSubAccountBodyTimezoneType0,
    LeadBody,
    PagedLeadBody,
    RegisterBody,
    SessionBody,
    UserBody,
)


def main(base_url: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    email = f"owner-{uuid.uuid4().hex[:8]}@walkthrough.test"
    session = post_auth_register.sync(
        client=anonymous, body=RegisterBody(email=email, password="Secret123", name="Olga")
    )
    assert isinstance(session, SessionBody), session
    onboarding = AuthenticatedClient(base_url=base_url, token=session.access_token, raise_on_unexpected_status=True)

    created = post_subaccounts.sync(
        client=onboarding, body=CreateSubAccountBody(name="Acme Roofing", timezone=CreateSubAccountBodyTimezoneType0("America/Chicago"), country="US")
    )
    assert isinstance(created, CreatedSubAccountBody), created
    assert created.access_token, "the owner gets a token that carries the new sub-account"
    owner = AuthenticatedClient(base_url=base_url, token=created.access_token, raise_on_unexpected_status=True)

    me = get_auth_me.sync(client=owner)
    assert isinstance(me, UserBody), me
    assert me.role == "owner" and me.sub_account_id == created.sub_account.id, me

    lead = post_leads.sync(
        client=owner, body=CreateLeadBody(name="Ana Lopez", phone="(415) 555-2671", email="ana@example.com")
    )
    assert isinstance(lead, LeadBody), lead
    assert lead.phone == "+14155552671", lead.phone

    page = get_leads.sync(client=owner, q="lopez", status=GetLeadsStatus.NEW, sort=GetLeadsSort("-createdAt"), limit=20)
    assert isinstance(page, PagedLeadBody), page
    assert page.total == 1 and page.data[0].id == lead.id, page

    again = get_leads_id.sync(client=owner, id=lead.id)
    assert isinstance(again, LeadBody) and again.email == "ana@example.com", again
    print(f"walkthrough: ok (lead {lead.id} in sub-account {created.sub_account.id})")


if __name__ == "__main__":
    main(sys.argv[1])

"""Schemathesis hooks for .ci/run's api_contract step.

The run acts as the demo admin with one API token. Every operation is tested, but never on
the run's own credentials: revoking its own token, or changing its own account (password,
roles, enabled state, e-mail), would leave the rest of the run unauthenticated. The ids to
spare come from the environment (STEWARD_ST_TOKEN_ID, STEWARD_ST_USER_ID).

A well-formed `Idempotency-Key` is made unique per case: a client names each logical request
with a fresh key, and reusing one for another request is refused (422) by design, a rule of
state the schema cannot state. Malformed keys (negative cases) are sent as generated.

`positive_data_accepted` stands in for schemathesis's `positive_data_acceptance` (which the
run excludes): a schema-valid request must be accepted, exactly as there, except that a 422
whose every error is a rule of *state* passes. A schema says what a well-formed request is;
it cannot say that a name is taken, that a referenced record exists, or that a period is
closed. Each such rule is listed in STATE_RULES by the field it names and the server's own
message, so nothing about a request's shape can hide behind it: a shape error (an unknown
enum value, a bad date, a missing field) is never on the list and still fails the run.

A multipart form labelled negative that its schema accepts, once its file parts are read as
the bytes sent, is not sent (see `_negative_form_that_is_valid`: schemathesis validates a form
with every file as the empty string, and a file part is declared non-empty).

A path parameter of `null`/`None` comes from a link schemathesis infers from a response field
the document declares nullable (a built-in policy has no id); the parameter is declared
integer, so such a case is not schema-valid and is not sent.
"""

import os
import re
import uuid

import schemathesis
from schemathesis.transport.serialization import Binary

TOKEN_ID = os.environ.get("STEWARD_ST_TOKEN_ID", "")
USER_ID = os.environ.get("STEWARD_ST_USER_ID", "")


@schemathesis.hook
def filter_case(context, case):
    path = case.operation.path
    params = case.path_parameters or {}
    if any(v is None or v in ("null", "None") for v in params.values()):
        return False
    if _negative_form_that_is_valid(case):
        return False
    ident = str(params.get("id", ""))
    if path.startswith("/api/v1/tokens/") and ident == TOKEN_ID:
        return False
    if path.startswith("/api/v1/users/{id}") and case.method.upper() != "GET" and ident == USER_ID:
        return False
    return True


def _as_sent(value):
    """A form body as it goes on the wire: a file part's bytes instead of schemathesis's
    `Binary` wrapper, which a validator reads as the empty string."""
    if isinstance(value, Binary):
        return value.data.decode("latin-1") if isinstance(value.data, bytes) else str(value.data)
    if isinstance(value, dict):
        return {k: _as_sent(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_sent(v) for v in value]
    return value


def _negative_form_that_is_valid(case):
    """Whether a case labelled negative is a multipart form its own schema accepts.

    Schemathesis breaks one value of a valid form (e.g. appends `*` to a text part, "naive but
    effective" for a pattern) and keeps the result as negative when the form no longer
    validates. It validates the form with every file part as the empty string, and a file
    part is declared non-empty (`minLength: 1`, as `forms::read_api_upload` refuses an empty
    file), so every such form looks broken whatever was done to it, and a server that
    accepts the valid form it really sends is reported. Such a case is not sent."""
    meta = case.meta
    if meta is None or meta.generation.mode.is_positive:
        return False
    media = (case.media_type or "").split(";")[0].strip().lower()
    if media != "multipart/form-data" or not isinstance(case.body, dict):
        return False
    for alt in case.operation.body:
        if (alt.media_type or "").split(";")[0].strip().lower() == media:
            try:
                return alt.is_valid(_as_sent(case.body))
            except Exception:
                return False
    return False


WELL_FORMED_KEY = re.compile(r"^[ -~]{1,200}$")


@schemathesis.hook
def map_case(context, case):
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and WELL_FORMED_KEY.match(value):
            headers[name] = str(uuid.uuid4())
    # An integer of JSON Schema may be generated as a float with no fraction (`53.0`), which
    # Python writes into a URL as `53.0`; a client writes the number 53 as `53`.
    for params in (case.path_parameters, case.query):
        if isinstance(params, dict):
            for k, v in list(params.items()):
                if isinstance(v, float) and v.is_integer():
                    params[k] = int(v)
    return case


# (field, message) pairs, as regular expressions matched in full: rules of state, each with
# the module that states it.
STATE_RULES = [
    # Work, users, roles, platform
    # users: a user name or address another account holds
    (r"username|email", r"is already taken"),
    # auth::password: the policy beyond length
    (r"password", r"is too common; choose another|must not be your user name or e-mail address"),
    # users::set_roles: a role the company does not have
    (r"roles", r"unknown role `.*`"),
    # roles, task templates: keys and names are unique
    (r"key", r"is already used by another role"),
    (r"name", r"a template with this name exists already"),
    # files: a file is typed by its content, and an import reads its rows, which no schema
    # of a file can see (steward-io reports the line at fault)
    (r"file", r"this kind of file is not accepted .*|the file is empty|.*expected \d+ columns, found \d+.*|missing required columns? .*"
     r"|needs a `name` column .*|.*not valid UTF-8.*|[^:\n]*:\d+: .*|not a valid XLSX file: .*"),
    # work::tasks, work::approvals: people and departments of the company
    (r"owner_id|assignee_id|watchers", r"user -?\d+ is not an active member of the company"),
    (r"user_id|delegate_id|head|levels\[\d+\]\.rule", r"no such person in this company"),
    (r"department_id|parent_id", r"no such department"),
    # work::approvals::delegations: nobody stands in for themselves
    (r"delegate_id", r"choose someone else"),
    (r"assignee_id", r"the task is already with this person"),
    (r"assignee", r"is not someone who works cases here"),
    # work::approvals: thresholds rise level by level; nobody approves their own request
    (r"levels\[\d+\]\.above", r"levels go from the smallest threshold up"),
    (r"approver", r"nobody approves their own request: another person must"),
    # departments: names and codes are unique; the tree has no cycle (a department is not
    # moved under itself or one of its own sub-departments, as the tree stands)
    (r"name", r"a department with this name exists"),
    (r"code", r"another department has this code"),
    (r"parent_id", r"a department cannot be placed under itself or one of its own sub-departments"),
    # input::DateRange and reports: an end before the start
    (r"to|until", r"must not be before (the start|from)|is before the first day"),
    # work::cases: the case as it stands
    (r"status", r"the case has that status already"),
    (r"priority", r"the case has that priority already"),
    (r"body", r"the customer has no e-mail address; call them and log the call"),
    # work::cases service levels and work::sla: relations between values, and the IANA
    # time zone database
    (r"(low|normal|high|urgent)\.resolution", r"must not be shorter than the first response"),
    (r"hours|mon|tue|wed|thu|fri|sat|sun", r"at least one day must be a working day|the day must end after it starts, by 24:00 at the latest"),
    (r"time_zone", r"`.*` is not a time zone: use an IANA name such as Europe/Berlin, or UTC"),
    # HR and ledger
    # core::hr::employees (check_refs): references by id to records of the company
    (r"department_id|department", r"no such department"),  # also core::hr::reports (timeoff)
    (r"location_id", r"no such location"),
    (r"user_id", r"no such user in the company"),
    (r"manager_id", r"no such employee|an employee cannot be their own manager"
     r"|this manager reports to the employee \(a reporting-line cycle\)"),
    # core::hr::employees (apply, update_employee): a change is checked against the stored record
    (r"end_date|probation_end|effective_date", r"must be on or after the start date"),
    # core::hr::fields (validate_values): custom values follow the company's field definitions
    (r"(?s)custom\..*", r"no such custom field|is required|must be a number|one of: .*"
     r"|`.*` is not a date \(YYYY-MM-DD\)|.* is out of range \(years 1900-2999\)"
     r"|must not contain control characters|at most 2000 characters"),
    # core::hr::fields: the key is unique and the kind fixed once created
    (r"key", r"a field with this key exists|at most 100 fields"),
    (r"kind", r"stays \S+ \(the kind is fixed once created\)"),
    # core::hr::documents (add_certification): the document must be the same employee's
    (r"document_id", r"is not a document of this employee"),
    # core::hr::locations, store hr::locations: unique names, calendars of the company
    (r"name", r"another location has this name"),
    (r"calendar_id", r"no such working calendar"),
    # core::hr::org (positions): unique per department, references, no cycle
    (r"title", r"this department has a position with this title"),
    (r"reports_to", r"no such position"
     r"|a position cannot report to itself or to a position below it"),
    # store hr::timeoff: unique policy and calendar names, one holiday a day
    (r"name", r"a policy has this name already|a calendar has this name already"),
    (r"day", r"this day is a holiday already"),
    # core::hr::timeoff::requests: the policy, the employee's record, dates and balance
    (r"policy_id", r"no such policy|not enough .*"),
    (r"employee_id", r"you have no employee record: ask HR"),
    (r"start", r"outside the employment dates|overlaps request #\d+ \(.*\)"
     r"|this policy may be used from \S+ \(waiting period\)"),
    (r"end", r"these dates hold no working day on your calendar"),
    (r"status", r"time off that has begun cannot be cancelled: ask HR for an adjustment"
     r"|the request is closed already"),
    # core::hr::lifecycle (start_offboarding): against the stored start date
    (r"leaving_date", r"must be on or after the start date, \S+"),
    # core::ledger::accounts (plan_accounts), store ledger: the chart as it stands
    (r"(rows\[\d+\]\.)?name", r".+ exists already|the parent account .+ does not exist"),
    (r"(rows\[\d+\]\.)?code", r"code .+ is taken"),
    (r"(rows\[\d+\]\.)?kind", r"give the kind \(asset, liability, equity, income, expense\) "
     r"or start the name with Assets, Liabilities, Equity, Income or Expenses"
     r"|.+ is under .+ \(\w+\), so it must be \w+ too"),
    # core::ledger (accounts, rates, entries): commodities, journals and accounts by name
    (r"((rows|rates)\[\d+\]\.)?(commodity|quote)", r"unknown commodity `.*`"),
    (r"((entries\[\d+\]\.|corrected\.)?lines\[\d+\]\.)?(commodity|price_commodity)",
     r"unknown commodity `.*`|.+ takes only .+"),
    (r"(entries\[\d+\]\.|corrected\.)?journal", r"unknown journal `.*`"),
    (r"(entries\[\d+\]\.|corrected\.)?lines\[\d+\]\.account",
     r"unknown account `.*`|.+ is inactive|.+ has sub-accounts: post to one of them"
     r"|.+ no longer takes postings"),
    # core::ledger::entry: a well-formed amount with more places than its commodity has
    (r"(entries\[\d+\]\.|corrected\.)?lines\[\d+\]\.(amount|debit|credit)",
     r"`[+-]?[0-9]*\.?[0-9]*` is not an amount in \S+ \(\d+ decimal places at most\)"),
    # core::ledger::books (update_settings): the company currency's places
    (r"approval_threshold", r"`[+]?[0-9]*\.?[0-9]*` is not an amount"),
    # store ledger (closed_message), core::ledger::periods: closed months take no postings
    (r"(entries\[\d+\]\.|corrected\.)?date", r"the period \d{4}-\d{2} is closed"),
    # core::ledger::entries (approve_entry): the approver is not the author
    (r"approver", r"nobody approves their own entry: another user must"),
    # core::billing: names, codes and references of the company as they stand
    (r"name", r"another customer or vendor has this name"),
    (r"code", r"another tax code has this code"),
    (r"income_account|expense_account|collected_account|paid_account|receivable_account|payable_account|writeoff_account"
     r"|fx_gain_loss_account|lines\[\d+\]\.account",
     r"no account `.*` in the chart of accounts|account `.*` is inactive"
     r"|account `.*` has sub-accounts: choose one of them"),
    (r"party_id", r"no such customer or vendor|.* is not a (customer|vendor)"),
    (r"lines\[\d+\]\.tax_code", r"no active tax code `.*`|tax code .* has no account for tax on (sales|purchases)"),
    (r"lines\[\d+\]\.department_id", r"no such department"),
    (r"lines\[\d+\]\.account", r"choose an? (income|expense) account \(the (customer|vendor) has no default\)"),
    (r"lines\[\d+\]\.credited_line_id", r"not a line of the credited document"
     r"|only a credit note or vendor credit credits a line"),
    (r"lines\[\d+\]\.quantity", r"at most .* of this line is left to credit"),
    # the currency's decimal places, the books' currencies and settings, closed periods
    (r"lines\[\d+\]\.unit_price", r"an amount in \S+ with at most \d+ decimals"),
    (r"currency", r"the books have no currency \S+: add it under Books, settings"
     r"|give the document's currency \(a code such as EUR\)"),
    (r"receivable_account", r"set the receivables account in the billing settings before posting invoices"),
    (r"payable_account", r"set the payables account in the billing settings before posting bills"),
    (r"issue_date", r"the period \d{4}-\d{2} is closed"),
    # core::billing::fx: a document or payment in another currency than the books' takes the
    # ledger's rate of its date; a difference it realises needs the settings' account
    (r"issue_date|date", r"the ledger has no rate of \S+ in \S+ on or before \d{4}-\d{2}-\d{2}: enter one under Ledger, rates"),
    (r"fx_gain_loss_account", r"this realises an exchange (gain|loss) of \S+ \S+: set the exchange difference account in the billing settings"
     r"|.+ takes only \S+: exchange differences are in \S+"),
    (r"amount|lines", r"the amounts? (is|are) too large to convert"),
    (r"credited_id", r"a credit note cannot itself be credited|only a posted document is credited .*"
     r"|every line of this document is credited already"),
    # core::billing::payments: the documents a payment settles, as they stand
    (r"allocations\[\d+\]\.document_id", r"not a posted (invoice|bill) of this (customer|vendor)"
     r"|the document is named twice|.* is in \S+; the payment is in \S+"),
    (r"allocations\[\d+\]\.amount", r".* owes .*|the document owes less now: .*"
     r"|an amount in \S+ with at most \d+ decimals"),
    (r"amount|writeoff", r"an amount in \S+ with at most \d+ decimals|the amount is too large"),
    (r"account", r"no account `.*` in the chart of accounts|account `.*` is inactive"
     r"|account `.*` has sub-accounts: choose one of them"),
    # core::billing::runs: the bank account that pays and the bills due, as they stand
    (r"bank_account_id", r"choose the bank account that pays|no such bank account|.* is closed"
     r"|.* is in \S+; a SEPA credit transfer pays euro only|.* has no IBAN: add it on the bank account"),
    (r"lines", r"nothing to pay: no bill in euro to a vendor with an IBAN is due by the date"
     r"|some bills owe less now: save the run again before submitting it|the run is too large"),
    (r"lines\[\d+\]\.document_id", r"not a posted bill due by the date that this run may pay .*"
     r"|the bill is named twice"),
    (r"lines\[\d+\]\.amount", r".* owes .* EUR"),
    (r"bill_approval_threshold", r"an amount in \S+ with at most \d+ decimals, or empty for none"),
    (r"approver", r"nobody approves a (bill they sent for approval|payment run they submitted): another user must"),
    (r"comment", r"say why it is refused"),
    # core::input::Iban and Bic: the registry of countries and the check digits
    (r"iban", r"unknown country code \S+|an? \S+ IBAN has \d+ characters, this one has \d+"
     r"|IBAN check digits do not match"),
    (r"bic", r"unknown country code \S+"),
    # Rules across fields, which no schema can state (the order of two dates, which one of
    # several optional fields is given, whether lines balance): listed here for review.
    (r"from", r"is after `to`"),  # core::ledger::reports
    (r"(contract\.)?end_date", r"must be on or after the effective date"),  # core::hr::employees (contracts)
    (r"expires", r"must not be before the issue date"),  # core::hr::documents
    (r"choices", r"a choice field needs at least one choice"),  # core::hr::fields
    (r"end", r"must be on or after the start|at most 366 days in one request"),  # core::hr::timeoff
    (r"end_half", r"a request starting at midday cannot end at midday the same day"),
    (r"((rows|rates)\[\d+\]\.)?quote", r"a rate is between two different commodities"),  # core::ledger::books
    # core::ledger::entry (prepare_entry, balance_lines)
    (r"(entries\[\d+\]\.|corrected\.)?lines\[\d+\]\.amount",
     r"only one line may be left without an amount|give one of amount, debit or credit, not several"
     r"|the other lines balance already; this line would be zero"
     r"|a line without an amount can balance one commodity only; give amounts"),
    (r"(entries\[\d+\]\.|corrected\.)?lines\[\d+\]\.price(_commodity)?",
     r"give a unit price or a total price, not both|a line with a price needs an amount"
     r"|a price must be in another commodity|is not a positive price"),
    (r"(entries\[\d+\]\.|corrected\.)?lines", r"the entry does not balance: .*|amounts are too large"),
    # core::billing: a tax code's rate needs an account; dates in order; sizes beyond i64
    (r"collected_account", r"a tax code with a rate needs the account tax on sales is credited to, .*"),
    (r"due_date", r"the due date is before the document's date"),
    (r"is_customer", r"a party is a customer, a vendor, or both"),  # core::billing::parties
    (r"allocations", r"the allocations \(.*\) are more than the payment holds \(.*\)"),
    (r"writeoff_account", r"choose the account the difference is written off to"),
    (r"buckets", r"1 to 8 numbers of days, each larger than the one before \(e\.g\. 30,60,90\)"),
    # core::billing::reports: a statement of a side the party does not have (a customer's
    # vendor statement); the period's order is the ledger's `from` rule above
    (r"side", r"this party is not a customer|this party is not a vendor"),
    (r"lines", r"the amounts are too large|a document of zero posts nothing|tax code .* has no account"),
    # core::billing::mail, dunning, recurring: documents and parties as they stand; levels in order
    (r"id", r"only invoices and credit notes are sent to customers"
     r"|post the document before sending it \(a draft is not a valid document\)"),
    (r"party_id", r"only customers are sent reminders"),
    (r"levels\[\d+\]\.days", r"must be more days than the level before it"),
    (r"source_id", r"no such invoice|only an invoice is repeated"),
    (r"end", r"the end is before the start"),
    (r"auto_send", r"only a posted invoice is sent: post automatically too"),
    # core::bank: a statement is read whole (steward_io::bank names the line and the column,
    # field or element at fault) and checked against the bank account it is imported into
    (r"file", r"line \d+(, column [^\n]*?)?: .+|(opening|closing) balance: `[^`]*` (has more than \d+ decimal places|is too large) for \S+"
     r"|the statement is in \S+, the bank account `.*` in \S+|the statement is for \S+, not for the bank account `.*` \(.*\)"),
    (r"account", r"the bank account `.*` is inactive"),
    (r"mapping", r"no saved mapping `.*`"),
    # core::bank::matching: the documents a line settles and the account an entry posts to,
    # as they stand (the currency's decimal places; what a missing document owes is nothing)
    # (a payment's allocations are its documents: core::billing::payments names them)
    (r"documents\[\d+\]\.document_id", r"not a posted (invoice|bill) of this (customer|vendor)"
     r"|the document is named twice|.* is in \S+; the payment is in \S+"
     r"|another party's document: a payment settles one party's documents"),
    (r"documents\[\d+\]\.amount", r"an amount in \S+ with at most \d+ decimals|a positive amount"
     r"|.* owes .*|the document owes less now: .*"),
    (r"documents", r"the allocations \(.*\) are more than the payment holds \(.*\)"),
    (r"payment_id", r".+ was not paid through .+|.+ is .+; the line is .+"),
    (r"entry_id", r"no such entry|the entry does not move .+"),
    # the other side of a line's entry, as core::ledger::entry finds it in the chart
    (r"account", r"unknown account `.*`|.+ is inactive|.+ has sub-accounts: post to one of them"
     r"|.+ no longer takes postings|.+ takes only .+"),
    (r"documents", r"name the documents \(or a party\), or a payment, or an entry: one of them"),  # across fields
    (r"lines", r"a document needs at least one line"),  # a credit of nothing
    # core::bank: names of the company, the chart of accounts and the account's statements
    (r"name", r"another bank account has this name|a mapping with this name exists"),
    (r"ledger_account", r"no account `.*` in the chart of accounts|account `.*` is inactive"
     r"|account `.*` has sub-accounts: choose one of them|account `.*` is not an asset account"),
    (r"currency", r"account `.*` takes only \S+|stays \S+ \(statements were imported in it\)"),
    # core::bank::import (save_mapping): which of several optional columns is given
    (r"mapping\.amount", r"name an amount column, or a debit or credit column"),
    # core::it::assets: names of the company's catalogue; an asset's status follows its
    # lending (deployed only by a check-out, and back only by a check-in), and a return is
    # expected from today on
    (r"name", r"another category has this name|another model has this name"),
    (r"status", r"an asset becomes deployed by checking it out|the asset is checked out: check it in first"
     r"|the asset is not checked out|only a deployable asset can be checked out.*"),
    (r"expected_return", r"a date from today on"),
    (r"tag", r"another asset has this tag"),
    (r"serial", r"another asset has this serial number"),
    (r"employee_id", r"no such employee|this person has left"),
    (r"model_id", r"no such model"),
    (r"category_id", r"no such category"),
    (r"life_months", r"a model that depreciates needs its life in months"),  # across fields
    # core::it::asset_fields: a category's custom fields (keys unique in the category, not an
    # asset column's; kind fixed once made; a choice needs choices: across fields) and an
    # asset's values, checked against its model's category (a free object by key; the
    # shared core::custom_fields states them as for HR)
    (r"key", r"this category has a field with this key|an asset's own column has this name: choose another"
     r"|at most \d+ fields a category"),
    # (kind fixed, choices and values: as core::hr::fields, whose rules above cover them)
    # core::it::assets: a check-out names exactly one target (across fields); another asset
    # is not this one, not retired or lost, not checked out to this one through any chain
    (r"employee_id", r"choose an employee, a location or an asset to check it out to"),
    (r"location|asset_id", r"check out to one of an employee, a location or an asset, not several"),
    (r"asset_id", r"an asset cannot be checked out to itself|\S+ is (retired|lost): check out to an asset in use"
     r"|\S+ is checked out to this asset|that asset is checked out to this one \(directly or through others\)"
     r"|that asset is part of too long a chain of assets checked out to assets"),
    # the places an amount may have are its currency's
    (r"purchase_cost", r"`[+]?[0-9]*\.?[0-9]*` is not an amount in \S+"),
    # core::it::licences: seats owned against seats in use, the licence's dates, one seat per
    # holder, an employee or an asset (not both: across fields)
    (r"seats", r"all \d+ seats are in use: buy more or unassign one first"
     r"|\d+ seats are in use: unassign some before owning fewer"),
    (r"expires_on", r"the licence has expired: renew it first|on or after the purchase date"),
    (r"employee_id", r"an employee or an asset, not both|choose an employee or an asset"
     r"|this person has a seat of this licence already"),
    (r"asset_id", r"no such asset|this asset has a seat of this licence already"),
    (r"cost", r"`[+]?[0-9]*\.?[0-9]*` is not an amount in \S+"),
    # core::it::consumables: stock never below 0; names unique
    (r"quantity", r"only \d+ .* in stock|more than a stock room holds"),
    (r"name", r"another consumable has this name"),
    (r"unit_cost", r"`[+]?[0-9]*\.?[0-9]*` is not an amount in \S+"),
    # core::it::cidr, core::it::networks: what an address or a network is (std::net's
    # grammar, no schema pattern), the site's other networks and the addresses given out
    # as they stand
    (r"name", r"another site has this name"),
    (r"site_id", r"no such site|choose a site"),
    (r"cidr", r"`.*` is not (a network: .*|an IP address)|the prefix length is a number from 0 to \d+"
     r"|host bits are set: the network is \S+|\S+ overlaps \S+ \(.*\) at the same site"
     r"|\S+ is given to .* and would be outside \S+: release it first"),
    (r"gateway", r"`.*` is not an IP address|\S+ is outside the network \S+"
     r"|\S+ is the (network|broadcast) address of \S+|\S+ is given to a device"),
    (r"dns", r"`.*` is not an IP address \(list DNS servers separated by commas\)"),
    (r"address", r"`.*` is not an IP address|\S+ is outside the network \S+"
     r"|\S+ is the (network|broadcast) address of \S+|\S+ is the gateway"
     r"|\S+ is already given out|no address of \S+ is free"),
    (r"hostname", r"letters, digits, '-', '_' and '\.'"),
    (r"asset_id", r"no such asset"),
    # core::it::changes, core::it::maintenance: the window's order, the change as it
    # stands, the RRULE grammar (work::tasks::recur), a log not from the future
    (r"window_start|window_end", r"`.*` is not a date and time \(YYYY-MM-DDTHH:MM, UTC\)"
     r"|.* is out of range \(years 1900-2999\)|the window ends after it starts"),
    (r"checklist", r"item \d+: one line of up to \d+ characters"),
    (r"asset_ids", r"no such asset: -?\d+"),
    (r"status", r"a change that is .* cannot (be edited|become .*)"
     r"|tick every checklist item before the change is done"
     r"|items are ticked while the change is approved or in progress, not .*"),
    (r"rule", r".+"),  # the RRULE grammar's own messages
    (r"starts_on", r".* is out of range \(years 1900-2999\)"),
    (r"done_on", r"not in the future|.* is out of range \(years 1900-2999\)"),
    # core::it::helpdesk: the company's categories, groups, technicians, articles and assets
    # (an employee links only assets checked out to them), a ticket's status as it stands,
    # targets across fields (resolution not shorter than first response; one per priority)
    (r"name", r"another group has this name"),
    (r"category_id", r"not a ticket category of the company"),
    (r"group_id", r"not a ticket group of the company"),
    (r"assignee_id", r"not an IT technician of the company"),
    (r"members", r"user -?\d+ is not an IT technician of the company"),
    (r"assets", r"asset -?\d+ is not one you may link|asset -?\d+ is not checked out to you"
     r"|at most 20 assets per ticket"),
    (r"asset_id", r"the asset is linked already"),
    (r"article_id", r"not an article of the company|the article is linked already"),
    (r"status", r"a ticket cannot go back to new|the ticket has this status already"),
    (r"p[1-4]\.resolution", r"must not be shorter than the first response"),
    (r"p[1-4]\.first_response", r"a target is needed for every priority"),
    (r"to", r"must not be before from|at most ten years"),
    # core::it::books: the chart's accounts, the asset's books and its catalogue as they
    # stand (a category's accounts named or not, cost and purchase date given or not), the
    # books' currency, a disposal not before the months posted, and no run ahead of today
    (r"(asset|accumulated|expense|disposal|credit|proceeds)_account",
     r"no account `.*` in the chart of accounts|account `.*` is inactive"
     r"|account `.*` has sub-accounts: choose one of them"),
    (r"accumulated_account", r"accumulated depreciation needs an account of its own, not the asset account"),
    (r"proceeds_account", r"name the account the proceeds went to \(bank, receivables\)"),  # across fields
    (r"residual", r"an amount in \S+|between 0 and the asset's cost"),
    (r"proceeds", r"an amount in \S+ \(0 when nothing was received\)"),
    (r"category", r"name the .* of category .* first \(IT, books\)"),
    (r"category_id", r"every asset there is in the books already"),
    (r"currency", r"only assets in the books' currency \(\S+\) go to the books; this one is in \S+"
     r"|the books have no currency \S+: .*|the books keep \S+ with \d+ decimals, assets with \d+"),
    (r"asset", r".+ is (Retired|Lost): it is not booked|.+ has no purchase cost or date: .*|.+ has no cost to book"),
    (r"assets\[.*\]", r".+"),
    (r"date", r".+ was bought on \S+: book it on or after that day|the asset went to the books on \S+"
     r"|the asset is depreciated through \S+: dispose of it on or after \S+"
     r"|give the booking date \(the asset has no purchase date\)"),
    (r"through", r"a month up to this one \(\S+\): depreciation is not posted ahead"),
    (r"journal", r"the books have no journal"),
    # core::records: kinds, fields and categories are unique in the company (a template
    # whose kind the company has is refused); a subject's kind, owner and reference as the
    # company has them (custom values: as core::hr::fields above); a record's category must
    # exist, a sensitive one needs its grant; assignments name exactly one who, once; a
    # note has no versions; a reason and a review note are more than spaces
    (r"key", r"the company has a kind with this key|this kind has a field with this key"
     r"|at most \d+ fields a kind"),
    (r"template", r"the company has the kind \S+ already"),
    (r"name", r"another category has this name"),
    (r"kind_id", r"no such kind of subject"),
    (r"reference", r"another subject has this reference"),
    (r"owner_id|user_id", r"no such user in the company"),
    (r"category_id", r"no such category|choose a category"
     r"|a sensitive category: records in it need the records_sensitive grant"),
    (r"role_key", r"no such role"),
    (r"assignee", r"name exactly one of user_id, role_key or department_id"
     r"|is assigned to this subject already"),
    (r"file", r"a note has no versions: upload a document"),
    (r"reason|note|body", r"is required"),
    # core::records::retention: a hold names exactly one subject or category of the company
    (r"subject_id", r"no such subject|name a subject or a category to hold"),
    (r"category_id", r"a hold is on a subject or a category, not both"),
    # core::records::consent: a consent is recorded once given (not on a future day), ends
    # after it was given, is withdrawn once made (not before it was given); its signed form
    # is one of the subject's documents
    (r"given_on", r"a consent is recorded once given: not a future day"),
    (r"expires_on", r"the consent would end before it was given"),
    (r"withdrawn_on", r"a withdrawal is recorded once made: not a future day|before the consent was given"),
    (r"document_id", r"no such document in this subject's file"),
    (r"purpose", r"is required"),
    # core::records::search: a query is words (letters or digits), at most 8 of them
    (r"q", r"type a word to look for|at most \d+ (words|characters)"),
]

ACCEPTED = re.compile(r"^(2..|3..|401|403|404|409|429|5..)$")


def _state_rule(error):
    field = str(error.get("field", ""))
    # A document of a batch (`POST /api/v1/billing/invoices/batch`) is checked as one posted
    # on its own: its fields are named under `items[n].document.`.
    field = re.sub(r"^items\[\d+\]\.document\.", "", field)
    message = str(error.get("message", ""))
    return any(re.fullmatch(f, field) and re.fullmatch(m, message, re.S) for f, m in STATE_RULES)


def _json_body_is_valid(case):
    """Whether a JSON body is valid against the operation's schema: schemathesis's coverage
    phase can label a body positive that its own schema refuses (it merges the fields of a
    `oneOf`'s variants), and refusing that body is right."""
    media = (case.media_type or "").split(";")[0].strip().lower()
    if not (media == "application/json" or media.endswith("+json")):
        return True
    for alt in case.operation.body:
        if (alt.media_type or "").split(";")[0].strip().lower() == media:
            try:
                return alt.is_valid(case.body)
            except Exception:
                return True
    return True


@schemathesis.check
def positive_data_accepted(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if not _json_body_is_valid(case):
        return None
    status = response.status_code
    if ACCEPTED.match(str(status)):
        return None
    if status == 422:
        try:
            errors = response.json().get("errors") or []
        except Exception:
            errors = []
        if errors and all(_state_rule(e) for e in errors):
            return None
        # An import's dry-run report: the file's rows, by line, which no schema of a file
        # can describe.
        try:
            report = response.json()
        except Exception:
            report = {}
        if isinstance(report, dict) and "dry_run" in report and report.get("problems"):
            return None
    raise AssertionError(
        f"Valid data should have been accepted (a rule of state would be listed in "
        f"STATE_RULES; phase {getattr(meta.phase, 'name', meta.phase)})\n[{status}] {response.text[:400]}"
    )

"""OAI-PMH 2.0 at ``/oai``: the published archive for library and archive harvesters.

Every verb of the protocol, one metadata format (``oai_dc``, Dublin Core), no sets. An item
is a hero, identified as ``oai:<host>:hero/<id>``; its datestamp is the hero's ``updated_at``
in UTC to the second. Lists come in pages of :data:`PAGE`; a resumption token is signed with
the app's secret key (nobody can forge a position or change the arguments inside it) and
carries the original arguments, the position (the last id sent) and the upper bound of the
list fixed at its first page, so a harvest started never changes under the harvester's feet.
A token is good for :data:`TOKEN_LIFETIME` from the page that gave it (its
``expirationDate``); an older one is a ``badResumptionToken``, and the harvest starts again.

Deleted records: *transient*. A hero once published and now hidden (a draft again; the first
publication time is kept) is listed as a deleted header with the day it was hidden; a hero
never published is unknown; a hero removed from the database is forgotten.

Whatever arrives, the answer is an OAI-PMH document, an error code of the protocol in it
when the request was wrong: never a stack trace, never an HTML page.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from lxml import etree as ET
from sqlalchemy import and_, func, or_, select

from .. import clock
from ..extensions import csrf, db
from ..models import Hero, HeroCollection
from ..records import public_view
from .edge import MAX_ID
from .errors import Refused
from .opendata import licence

bp = Blueprint("oai", __name__)
csrf.exempt(bp)  # harvesters may POST, as the protocol allows; nothing is changed

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
NAMESPACES = {None: OAI, "xsi": XSI}

#: Records (or headers) per page of a list.
PAGE = 100
#: The longest argument answered; anything longer is a badArgument.
MAX_ARGUMENT = 2000
#: The characters of a biography a record's description carries.
DESCRIPTION_CHARS = 500
XML = "text/xml; charset=utf-8"
DATESTAMP = "%Y-%m-%dT%H:%M:%SZ"
#: How long a resumption token may be used after the page that gave it.
TOKEN_LIFETIME = dt.timedelta(hours=24)
#: Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_DOMAIN = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

#: Each verb: the arguments it requires, and those it may take besides (``resumptionToken``
#: is exclusive: it comes alone).
VERBS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Identify": ((), ()),
    "ListMetadataFormats": ((), ("identifier",)),
    "ListSets": ((), ("resumptionToken",)),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
    "GetRecord": (("identifier", "metadataPrefix"), ()),
}


class OaiError(Exception):
    """An error the protocol names: its code and a message for the harvester's operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _sub(
    parent: ET._Element,
    tag: str,
    text: object = None,
    nsmap: dict | None = None,
    **attributes: str,
) -> ET._Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items()}, nsmap=nsmap)
    if text is not None:
        element.text = _text(text)
    return element


def _q(tag: str, ns: str = OAI) -> str:
    return f"{{{ns}}}{tag}"


def _datestamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite gives moments back without their zone; they are UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime(DATESTAMP)


def _host() -> str:
    return request.host.rsplit(":", 1)[0] if "]" not in request.host else request.host


def identifier(hero_id: int) -> str:
    """The OAI identifier of a hero."""
    return f"oai:{_host()}:hero/{hero_id}"


def _hero_id(value: str) -> int | None:
    """The hero an OAI identifier names, if it is one of this repository's."""
    prefix = f"oai:{_host()}:hero/"
    if not value.startswith(prefix):
        return None
    number = value[len(prefix) :]
    if not number.isascii() or not number.isdigit() or len(number) > 10:
        return None
    hero_id = int(number)
    return hero_id if 0 < hero_id <= MAX_ID else None


#: Heroes a harvester sees: published ones, and those once published and now hidden (deleted);
#: the fallen only (living veterans are not part of the memorial's records).
_VISIBLE = and_(
    Hero.collection == HeroCollection.FALLEN,
    or_(Hero.is_published, Hero.published_at.is_not(None)),
)


def _document(arguments: dict[str, str] | None) -> tuple[ET._Element, ET._Element]:
    """The root of a response and its ``request`` element (``arguments``: ``None`` after a
    badVerb or badArgument, when the protocol wants the base address alone)."""
    root = ET.Element(
        _q("OAI-PMH"), {_q("schemaLocation", XSI): f"{OAI} {OAI_SCHEMA}"}, nsmap=NAMESPACES
    )
    _sub(root, _q("responseDate"), clock.now().strftime(DATESTAMP))
    asked = _sub(root, _q("request"), url_for("oai.endpoint", _external=True))
    for name, value in (arguments or {}).items():
        asked.set(name, _text(value))
    return root, asked


def _response(root: ET._Element) -> Response:
    body = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    response = Response(body, content_type=XML)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _error_response(error: OaiError, arguments: dict[str, str] | None) -> Response:
    bare = error.code in ("badVerb", "badArgument")
    root, _asked = _document(None if bare else arguments)
    _sub(root, _q("error"), error.message, code=error.code)
    return _response(root)


def _arguments() -> dict[str, str]:
    """The request's arguments, checked against its verb (or an :class:`OaiError`)."""
    source = request.form if request.method == "POST" else request.args
    pairs = list(source.items(multi=True))
    verbs = [value for name, value in pairs if name == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OaiError(
            "badVerb",
            "the verb argument is repeated"
            if len(verbs) > 1
            else ("the verb argument is missing" if not verbs else "illegal verb"),
        )
    verb = verbs[0]
    required, optional = VERBS[verb]
    arguments: dict[str, str] = {}
    for name, value in pairs:
        if name in arguments:
            raise OaiError("badArgument", f"the argument {_text(name)[:50]} is repeated")
        if name != "verb" and name not in required and name not in optional:
            raise OaiError("badArgument", f"illegal argument {_text(name)[:50]} for {verb}")
        if len(value) > MAX_ARGUMENT or not value:
            raise OaiError("badArgument", f"the argument {name} is empty or too long")
        if _CONTROL.search(value):  # a form's fields keep line breaks; no argument has one
            raise OaiError("badArgument", f"the argument {name} carries control characters")
        arguments[name] = value
    if "resumptionToken" in arguments:
        if len(arguments) != 2:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
    else:
        missing = [name for name in required if name not in arguments]
        if missing:
            raise OaiError("badArgument", f"missing argument: {', '.join(missing)}")
    return arguments


def _bound(value: str, name: str) -> tuple[dt.datetime, dt.timedelta]:
    """A ``from``/``until`` moment (UTC) and its granularity (a day or a second)."""
    try:
        if _DAY.match(value):
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), dt.timedelta(days=1)
        if _SECOND.match(value):
            moment = dt.datetime.strptime(value, DATESTAMP).replace(tzinfo=dt.UTC)
            return moment, dt.timedelta(seconds=1)
    except ValueError:
        pass
    raise OaiError(
        "badArgument", f"{name} must be a day (YYYY-MM-DD) or a moment (YYYY-MM-DDThh:mm:ssZ)"
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="memorial.oai.resumption")


def _prefix(arguments: dict[str, str]) -> None:
    if arguments["metadataPrefix"] != "oai_dc":
        raise OaiError("cannotDisseminateFormat", "the only metadata format here is oai_dc")


def _list_state(verb: str, arguments: dict[str, str]) -> dict:
    """Where a list starts: from the arguments, or from a resumption token."""
    token = arguments.get("resumptionToken")
    if token is not None:
        try:
            state = _serializer().loads(token)
        except BadData:
            raise OaiError("badResumptionToken", "the resumption token is not valid") from None
        if not isinstance(state, dict) or state.get("verb") != verb:
            raise OaiError("badResumptionToken", "the resumption token is not for this verb")
        try:
            issued = dt.datetime.fromisoformat(state["issued"])
        except (KeyError, TypeError, ValueError):
            raise OaiError("badResumptionToken", "the resumption token is not valid") from None
        if issued.tzinfo is None or clock.now() - issued > TOKEN_LIFETIME:
            raise OaiError(
                "badResumptionToken", "the resumption token has expired: start the list again"
            )
        return state
    _prefix(arguments)
    if "set" in arguments:
        raise OaiError("noSetHierarchy", "this repository has no sets")
    lower = upper = None
    if "from" in arguments:
        lower, lower_step = _bound(arguments["from"], "from")
    if "until" in arguments:
        until, until_step = _bound(arguments["until"], "until")
        if lower is not None and lower_step != until_step:
            raise OaiError("badArgument", "from and until must have the same granularity")
        try:  # until is inclusive: the whole day, or the whole second
            upper = until + until_step
        except OverflowError:  # the last day of year 9999
            upper = dt.datetime.max.replace(tzinfo=dt.UTC)
    if lower is not None and upper is not None and lower >= upper:
        raise OaiError("badArgument", "from is later than until")
    if upper is None:  # fixed now, so later pages list what the first one counted
        upper = clock.now().replace(microsecond=0) + dt.timedelta(seconds=1)
    return {
        "verb": verb,
        "lower": lower.isoformat() if lower else None,
        "upper": upper.isoformat(),
        "after": 0,
        "cursor": 0,
    }


def _header(parent: ET._Element, hero: Hero) -> None:
    deleted = not hero.is_remembered
    header = _sub(parent, _q("header"), **({"status": "deleted"} if deleted else {}))
    _sub(header, _q("identifier"), identifier(hero.id))
    _sub(header, _q("datestamp"), _datestamp(hero.updated_at))


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


def _dublin_core(parent: ET._Element, hero: Hero) -> None:
    """A hero as Dublin Core, in Ukrainian (the archive's language)."""
    hero = public_view(hero)
    dc = _sub(
        _sub(parent, _q("metadata")),
        _q("dc", OAI_DC),
        nsmap={"oai_dc": OAI_DC, "dc": DC},
        **{_q("schemaLocation", XSI): f"{OAI_DC} {OAI_DC_SCHEMA}"},
    )

    def add(tag: str, value: object) -> None:
        if value:
            _sub(dc, _q(tag, DC), value)

    with force_locale("uk"):
        archive = _("Меморіал — архів пам'яті загиблих захисників і захисниць України")
        add("title", hero.full_name)
        add("creator", archive)
        add("subject", _("Загиблі захисники і захисниці України"))
        add("subject", _("Російсько-українська війна"))
        full = not hero.name_only  # the empty frame: the name and the dates only
        add("subject", full and hero.rank)
        add("subject", full and hero.military_unit)
        add("description", full and _short(hero.biography or hero.death_circumstances or ""))
        add("publisher", archive)
        add("date", hero.death_date.iso() if hero.death_date else None)
        add("type", "Text")
        add("format", "text/html")
        add("identifier", url_for("public.hero", slug=hero.slug, _external=True))
        add("language", "uk")
        born = hero.birth_date.iso() if hero.birth_date else ""
        died = hero.death_date.iso() if hero.death_date else ""
        add("coverage", f"{born}/{died}" if born or died else None)
        add("coverage", full and hero.death_place)
        add("coverage", full and hero.home_community)
        terms = licence()
        add("rights", f"{terms['name']} {terms['url']}".strip())


def _identify(root: ET._Element) -> None:
    earliest = db.session.scalar(select(func.min(Hero.updated_at)).where(_VISIBLE))
    node = _sub(root, _q("Identify"))
    with force_locale("uk"):
        _sub(node, _q("repositoryName"), _("Меморіал"))
    _sub(node, _q("baseURL"), url_for("oai.endpoint", _external=True))
    _sub(node, _q("protocolVersion"), "2.0")
    admin = current_app.config.get("OAI_ADMIN_EMAIL") or f"webmaster@{_host()}"
    _sub(node, _q("adminEmail"), admin)
    first = earliest or dt.datetime(2022, 2, 24, tzinfo=dt.UTC)
    _sub(node, _q("earliestDatestamp"), _datestamp(first))
    _sub(node, _q("deletedRecord"), "transient")
    _sub(node, _q("granularity"), "YYYY-MM-DDThh:mm:ssZ")
    host = _host()
    if _DOMAIN.match(host):  # the oai-identifier scheme wants a domain name, not an address
        described = _sub(
            _sub(node, _q("description")),
            _q("oai-identifier", OAI_IDENTIFIER),
            nsmap={None: OAI_IDENTIFIER},
            **{_q("schemaLocation", XSI): f"{OAI_IDENTIFIER} {OAI_IDENTIFIER_SCHEMA}"},
        )
        _sub(described, _q("scheme", OAI_IDENTIFIER), "oai")
        _sub(described, _q("repositoryIdentifier", OAI_IDENTIFIER), host)
        _sub(described, _q("delimiter", OAI_IDENTIFIER), ":")
        _sub(described, _q("sampleIdentifier", OAI_IDENTIFIER), identifier(1))


def _metadata_formats(root: ET._Element, arguments: dict[str, str]) -> None:
    if "identifier" in arguments:
        hero_id = _hero_id(arguments["identifier"])
        known = hero_id is not None and db.session.scalar(
            select(Hero.id).where(Hero.id == hero_id, _VISIBLE)
        )
        if not known:
            raise OaiError("idDoesNotExist", "no such item in this repository")
    node = _sub(root, _q("ListMetadataFormats"))
    dc = _sub(node, _q("metadataFormat"))
    _sub(dc, _q("metadataPrefix"), "oai_dc")
    _sub(dc, _q("schema"), OAI_DC_SCHEMA)
    _sub(dc, _q("metadataNamespace"), OAI_DC)


def _list(root: ET._Element, verb: str, arguments: dict[str, str]) -> None:
    state = _list_state(verb, arguments)
    try:
        lower = dt.datetime.fromisoformat(state["lower"]) if state["lower"] else None
        upper = dt.datetime.fromisoformat(state["upper"])
        after, cursor = int(state["after"]), int(state["cursor"])
    except (KeyError, TypeError, ValueError):
        raise OaiError("badResumptionToken", "the resumption token is not valid") from None
    conditions = [_VISIBLE, Hero.updated_at < upper]
    if lower is not None:
        conditions.append(Hero.updated_at >= lower)
    total = db.session.scalar(select(func.count(Hero.id)).where(*conditions)) or 0
    heroes = db.session.scalars(
        select(Hero).where(*conditions, Hero.id > after).order_by(Hero.id).limit(PAGE + 1)
    ).all()
    if not heroes:
        raise OaiError("noRecordsMatch", "no record matches these arguments")
    more = len(heroes) > PAGE
    heroes = heroes[:PAGE]
    node = _sub(root, _q(verb))
    for hero in heroes:
        if verb == "ListIdentifiers":
            _header(node, hero)
        else:
            record = _sub(node, _q("record"))
            _header(record, hero)
            if hero.is_remembered:
                _dublin_core(record, hero)
    if more or cursor:
        issued = clock.now().replace(microsecond=0)
        following = {
            **state,
            "after": heroes[-1].id,
            "cursor": cursor + len(heroes),
            "issued": issued.isoformat(),
        }
        token = _serializer().dumps(following) if more else None
        expiry = {"expirationDate": (issued + TOKEN_LIFETIME).strftime(DATESTAMP)} if more else {}
        _sub(
            node,
            _q("resumptionToken"),
            token,
            completeListSize=str(total),
            cursor=str(cursor),
            **expiry,
        )


def _get_record(root: ET._Element, arguments: dict[str, str]) -> None:
    hero_id = _hero_id(arguments["identifier"])
    hero = (
        db.session.scalar(select(Hero).where(Hero.id == hero_id, _VISIBLE))
        if hero_id is not None
        else None
    )
    if hero is None:
        raise OaiError("idDoesNotExist", "no such item in this repository")
    _prefix(arguments)
    record = _sub(_sub(root, _q("GetRecord")), _q("record"))
    _header(record, hero)
    if hero.is_remembered:
        _dublin_core(record, hero)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer one OAI-PMH request."""
    arguments: dict[str, str] | None = None
    try:
        arguments = _arguments()
        root, _asked = _document(arguments)
        verb = arguments["verb"]
        if verb == "Identify":
            _identify(root)
        elif verb == "ListMetadataFormats":
            _metadata_formats(root, arguments)
        elif verb == "ListSets":
            if "resumptionToken" in arguments:
                raise OaiError("badResumptionToken", "this repository gives no set tokens")
            raise OaiError("noSetHierarchy", "this repository has no sets")
        elif verb == "GetRecord":
            _get_record(root, arguments)
        else:
            _list(root, verb, arguments)
    except OaiError as error:
        return _error_response(error, arguments)
    return _response(root)


@bp.errorhandler(Refused)
def refused(exc: Refused) -> Response:
    """An address with control characters in it (refused at the edge) is a badArgument."""
    return _error_response(OaiError("badArgument", "the request carries control characters"), None)

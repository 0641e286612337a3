"""OAI-PMH at /oai, harvested by a real harvester (Sickle) from the app in a real HTTP server."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
import requests
from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import CannotDisseminateFormat, IdDoesNotExist, NoRecordsMatch
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

from memorial import archive as operations
from memorial import clock, create_app
from memorial.extensions import db
from memorial.models import Hero, HeroStatus, User
from memorial.schema import create_tables

from helpers import app_config, record, staff_password_hash, write_archive

OAI = "{http://www.openarchives.org/OAI/2.0/}"
VERBS_NAMED = [
    "Identify",
    "ListMetadataFormats",
    "ListSets",
    "ListIdentifiers",
    "ListRecords",
    "GetRecord",
]
PUBLISHED, DRAFTS, HIDDEN = 240, 5, 5
DAY = dt.datetime(2024, 1, 10, 10, 0, 0, tzinfo=dt.UTC)
SECOND = dt.datetime(2024, 1, 11, 12, 30, 15, 500_000, tzinfo=dt.UTC)


class Site:
    """The app serving on a free port, and what its archive holds."""

    def __init__(self, app, url: str) -> None:
        self.app = app
        self.url = url
        self.oai = f"{url}/oai"
        with app.app_context():
            heroes = db.session.scalars(select(Hero).order_by(Hero.id)).all()
            self.published = {h.id: (h.full_name, h.slug) for h in heroes if h.is_published}
            self.hidden = {h.id for h in heroes if not h.is_published and h.published_at}
            self.drafts = {h.id for h in heroes if h.published_at is None}
            self.ids = [h.id for h in heroes]

    def identifier(self, hero_id: int) -> str:
        return f"oai:127.0.0.1:hero/{hero_id}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """250 heroes (240 published, 5 drafts, 5 published then hidden), some of them last
    changed on known days, served by a real server thread."""
    tmp_path = tmp_path_factory.mktemp("oai")
    app = create_app(app_config(tmp_path))
    with app.app_context():
        create_tables()
    records = [
        record(f"oai-{n:03}", surname=f"Гармаш{n:03}", status="published")
        for n in range(PUBLISHED + HIDDEN)
    ]
    records += [record(f"oai-d{n}", surname="Чернетка", status="draft") for n in range(DRAFTS)]
    result = app.test_cli_runner().invoke(
        args=["import-archive", str(write_archive(tmp_path / "a", records))]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = User(
            email="moder@example.org", role="moderator", password_hash=staff_password_hash()
        )
        db.session.add(user)
        ids = db.session.scalars(select(Hero.id).order_by(Hero.id)).all()
        for hero_id in ids[200 : 200 + HIDDEN]:
            operations.change_status(
                db.session, db.session.get(Hero, hero_id), HeroStatus.DRAFT, user, "приховати"
            )
        db.session.commit()
        db.session.execute(update(Hero).where(Hero.id.in_(ids[:50])).values(updated_at=DAY))
        db.session.execute(update(Hero).where(Hero.id.in_(ids[50:100])).values(updated_at=SECOND))
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        app.extensions["memorial.index_sync"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def oai(site: Site, method: str = "GET", **arguments) -> etree._Element:
    """A raw OAI-PMH request; the parsed answer (always 200 and XML)."""
    if method == "GET":
        response = requests.get(site.oai, params=arguments, timeout=30)
    else:
        response = requests.post(site.oai, data=arguments, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return etree.fromstring(response.content)


def error_code(root: etree._Element) -> str | None:
    error = root.find(f"{OAI}error")
    return None if error is None else error.get("code")


def test_identify(site):
    identify = Sickle(site.oai).Identify()
    assert identify.repositoryName == "Меморіал"
    assert identify.baseURL == site.oai
    assert identify.protocolVersion == "2.0"
    assert identify.deletedRecord == "transient"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.earliestDatestamp == "2024-01-10T10:00:00Z"
    assert identify.adminEmail == "webmaster@127.0.0.1"
    # An address is no domain name: no oai-identifier description then; a host name has one.
    assert b"oai-identifier" not in identify.raw.encode()
    named = site.app.test_client().get(
        "/oai?verb=Identify", base_url="https://memorial.example.org"
    )
    described = etree.fromstring(named.data).find(f"{OAI}Identify/{OAI}description")
    ns = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
    assert described[0].find(f"{ns}repositoryIdentifier").text == "memorial.example.org"
    assert described[0].find(f"{ns}sampleIdentifier").text == "oai:memorial.example.org:hero/1"


def test_harvest_every_record_across_resumption_tokens(site):
    harvester = Sickle(site.oai)
    records = list(harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    identifiers = [r.header.identifier for r in records]
    assert len(identifiers) == len(set(identifiers)) == PUBLISHED + HIDDEN
    live = {r.header.identifier: r for r in records if not r.deleted}
    assert set(live) == {site.identifier(i) for i in site.published}
    assert {r.header.identifier for r in records if r.deleted} == {
        site.identifier(i) for i in site.hidden
    }
    assert not {site.identifier(i) for i in site.drafts} & set(identifiers)
    hero_id = next(iter(site.published))
    name, slug = site.published[hero_id]
    dc = live[site.identifier(hero_id)].metadata
    assert dc["title"] == [name]
    assert dc["identifier"] == [f"{site.url}/heroes/{slug}"]
    assert dc["language"] == ["uk"]
    assert dc["date"] == ["2022-08-19"]
    assert dc["coverage"][0] == "1985-06-02/2022-08-19"
    assert dc["rights"] == ["CC BY 4.0 https://creativecommons.org/licenses/by/4.0/"]
    assert "Меморіал" in dc["publisher"][0] and dc["description"][0].startswith("Народився")
    headers = list(harvester.ListIdentifiers(metadataPrefix="oai_dc"))
    assert {h.identifier for h in headers if not h.deleted} == set(live)
    assert {h.identifier for h in headers if h.deleted} == {site.identifier(i) for i in site.hidden}


def test_pages_carry_cursor_and_complete_list_size(site):
    total = PUBLISHED + HIDDEN
    root = oai(site, verb="ListIdentifiers", metadataPrefix="oai_dc")
    cursors, seen = [], 0
    while True:
        listed = root.find(f"{OAI}ListIdentifiers")
        seen += len(listed.findall(f"{OAI}header"))
        token = listed.find(f"{OAI}resumptionToken")
        assert token.get("completeListSize") == str(total)
        cursors.append(int(token.get("cursor")))
        if not token.text:
            break
        root = oai(site, "POST", verb="ListIdentifiers", resumptionToken=token.text)
    assert cursors == [0, 100, 200] and seen == total


def test_from_and_until_by_day_and_by_second(site):
    harvester = Sickle(site.oai)

    def harvested(**bounds) -> set[str]:
        return {
            h.identifier
            for h in harvester.ListIdentifiers(
                metadataPrefix="oai_dc", ignore_deleted=False, **bounds
            )
        }

    first, second = site.ids[:50], site.ids[50:100]
    assert harvested(**{"from": "2024-01-10", "until": "2024-01-10"}) == {
        site.identifier(i) for i in first
    }
    # Until is inclusive to the second: 12:30:15.5 falls in 12:30:15.
    moment = "2024-01-11T12:30:15Z"
    assert harvested(**{"from": moment, "until": moment}) == {site.identifier(i) for i in second}
    assert harvested(until="2024-01-11") == {site.identifier(i) for i in first + second}
    later = harvested(**{"from": "2024-01-11T12:30:16Z"})
    assert len(later) == PUBLISHED + HIDDEN - 100
    everything = harvested()
    assert harvested(until="9999-12-31") == everything
    assert (
        harvested(**{"from": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"}) == everything
    )
    with pytest.raises(NoRecordsMatch):
        harvested(until="2023-12-31")
    with pytest.raises(NoRecordsMatch):
        harvested(**{"from": "9999-12-31"})


def test_get_record_and_metadata_formats(site):
    harvester = Sickle(site.oai)
    hero_id = next(iter(site.published))
    found = harvester.GetRecord(identifier=site.identifier(hero_id), metadataPrefix="oai_dc")
    assert found.metadata["title"] == [site.published[hero_id][0]]
    assert found.header.datestamp.endswith("Z") and not found.deleted
    hidden = harvester.GetRecord(
        identifier=site.identifier(next(iter(site.hidden))), metadataPrefix="oai_dc"
    )
    assert hidden.deleted and hidden.header.deleted
    with pytest.raises(IdDoesNotExist):
        harvester.GetRecord(
            identifier=site.identifier(next(iter(site.drafts))), metadataPrefix="oai_dc"
        )
    with pytest.raises(CannotDisseminateFormat):
        harvester.GetRecord(identifier=site.identifier(hero_id), metadataPrefix="marc21")
    formats = list(harvester.ListMetadataFormats())
    assert [f.metadataPrefix for f in formats] == ["oai_dc"]
    one = list(harvester.ListMetadataFormats(identifier=site.identifier(hero_id)))
    assert [f.metadataNamespace for f in one] == ["http://www.openarchives.org/OAI/2.0/oai_dc/"]


LONG = "x" * 20_000


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "identify"}, "badVerb"),
        ({"verb": "Identify", "set": "a"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-02-30"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "10.01.2024"}, "badArgument"),
        (
            {
                "verb": "ListIdentifiers",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-10",
                "until": "2024-01-11T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListIdentifiers",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-12",
                "until": "2024-01-10",
            },
            "badArgument",
        ),
        (
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "until": "1999-01-01"},
            "noRecordsMatch",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "units"}, "noSetHierarchy"),
        ({"verb": "ListSets"}, "noSetHierarchy"),
        ({"verb": "ListSets", "resumptionToken": "abc"}, "badResumptionToken"),
        ({"verb": "ListRecords", "resumptionToken": "abc"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "resumptionToken": "abc", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        ({"verb": "GetRecord", "identifier": "oai:127.0.0.1:hero/1"}, "badArgument"),
        (
            {
                "verb": "GetRecord",
                "identifier": "oai:elsewhere.org:hero/1",
                "metadataPrefix": "oai_dc",
            },
            "idDoesNotExist",
        ),
        (
            {
                "verb": "GetRecord",
                "identifier": "oai:127.0.0.1:hero/99999999999999999999",
                "metadataPrefix": "oai_dc",
            },
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "identifier": "oai:127.0.0.1:hero/٣", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "oai:127.0.0.1:hero/0"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": LONG}, "badArgument"),
        ({"verb": "Identify", "x": "a\x00b"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc\r\nX-Injected: 1"}, "badArgument"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_error_of_the_protocol(site, arguments, code, method):
    root = oai(site, method, **arguments)
    assert error_code(root) == code
    asked = root.find(f"{OAI}request")
    assert asked.text == site.oai
    if code in ("badVerb", "badArgument"):
        assert dict(asked.attrib) == {}  # the protocol wants the base address alone then


def test_repeated_arguments_and_a_huge_body_are_bad_arguments(site):
    for query in (
        "verb=Identify&verb=Identify",
        "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc",
    ):
        response = requests.get(f"{site.oai}?{query}", timeout=30)
        root = etree.fromstring(response.content)
        assert error_code(root) == ("badVerb" if query.count("verb=") == 2 else "badArgument")
    root = oai(site, "POST", verb="ListRecords", metadataPrefix="y" * 300_000)
    assert error_code(root) == "badArgument"


def test_resumption_tokens_cannot_be_forged_or_moved_between_verbs(site):
    root = oai(site, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    assert token
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert error_code(oai(site, verb="ListIdentifiers", resumptionToken=tampered)) == (
        "badResumptionToken"
    )
    assert error_code(oai(site, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    following = oai(site, verb="ListIdentifiers", resumptionToken=token)
    assert error_code(following) is None
    assert len(following.findall(f"{OAI}ListIdentifiers/{OAI}header")) == 100


def test_resumption_tokens_expire_a_day_after_their_page(site):
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=1)
    with clock.frozen(start):
        root = oai(site, verb="ListRecords", metadataPrefix="oai_dc")
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    expected = start + dt.timedelta(days=1)
    assert token.get("expirationDate") == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    with clock.frozen(start + dt.timedelta(hours=23, minutes=59)):
        assert error_code(oai(site, verb="ListRecords", resumptionToken=token.text)) is None
    with clock.frozen(start + dt.timedelta(hours=24, seconds=1)):
        expired = oai(site, verb="ListRecords", resumptionToken=token.text)
    assert error_code(expired) == "badResumptionToken"
    assert "expired" in expired.find(f"{OAI}error").text


def test_random_hostile_requests_always_get_an_oai_document(site):
    """Arguments drawn at random from valid, odd and hostile values: never anything but an
    OAI-PMH answer (200, XML)."""
    rng = random.Random(17)
    verbs = [*VERBS_NAMED, "", "listrecords"]
    names = ["verb", "metadataPrefix", "from", "until", "set", "resumptionToken", "identifier"]
    values = [
        "oai_dc",
        "2024-01-10",
        "2024-01-10T10:00:00Z",
        "9999-12-31",
        "9999-12-31T23:59:59Z",
        "0001-01-01",
        "2024-02-30",
        "2024-01-01T24:00:00Z",
        site.identifier(site.ids[0]),
        "oai:127.0.0.1:hero/" + "9" * 10,
        "%ff%fe",
        "\u202e😀" * 40,
        "'\"<>&",
        "." * 3000,
    ]
    client = site.app.test_client()
    for _ in range(400):
        pairs = [("verb", rng.choice(verbs))] if rng.random() < 0.8 else []
        pairs += [(rng.choice(names), rng.choice(values)) for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.5:
            response = client.get("/oai", query_string=MultiDict(pairs))
        else:
            response = client.post("/oai", data=MultiDict(pairs))
        assert response.status_code == 200, pairs
        assert etree.fromstring(response.data).tag == f"{OAI}OAI-PMH", pairs

""" "Нагадати мені": e-mail reminders of a hero's anniversaries, with no account.

A visitor leaves an address on a small form (the profile itself is served from the page cache
and carries no per-visitor state); a letter with a signed link confirms it (double opt-in).
Every letter carries a one-click unsubscribe link (RFC 8058) and a link to the page of that
address's subscriptions. The letters are composed here, for the site and for
``memorial send-reminders``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from .. import reminders
from ..dates import day_month
from ..extensions import csrf, db, limiter
from ..mail import Mailer, MailError, MailServer
from ..models import Hero, ReminderKind, ReminderSubscription
from .forms import ManageRemindersForm, ReminderForm
from .i18n import current_language
from .public import load_published_hero

log = logging.getLogger(__name__)
bp = Blueprint("reminders", __name__)


def mail_enabled() -> bool:
    """Whether a mail server is configured (else reminders are off and no link is shown)."""
    return bool(current_app.config.get("MAIL_URL"))


@bp.app_context_processor
def reminders_context():
    return {"reminders_on": mail_enabled}


#: Pages opened by a signed link: the link must not travel on in a Referer or stay in a cache.
_SIGNED_PAGES = {"reminders.confirm", "reminders.unsubscribe", "reminders.manage"}


@bp.after_request
def keep_links_private(response):
    if request.endpoint in _SIGNED_PAGES:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


def _remind_limit() -> str:
    return current_app.config["REMIND_RATE_LIMIT"]


def _link_limit() -> str:
    return current_app.config["REMINDER_LINK_RATE_LIMIT"]


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _day_label(hero: Hero, kind: str) -> str:
    date = hero.death_date if kind == ReminderKind.DEATH else hero.birth_date
    assert date is not None and date.month is not None and date.day is not None
    when = day_month(date.month, date.day, current_language())
    if kind == ReminderKind.DEATH:
        return _("День пам'яті, %(date)s", date=when)
    return _("День народження, %(date)s", date=when)


def _message_page(title: str, message: str, status: int = 200, **extra):
    return render_template("reminders/message.html", title=title, message=message, **extra), status


def _off():
    return _message_page(
        _("Нагадування вимкнено"),
        _(
            "На цьому сайті зараз не надсилають листів, тож нагадування не працюють. "
            "Дні пам'яті можна додати у свій календар за посиланням на сторінці героя."
        ),
        200 if request.method == "GET" else 503,
    )


# --- The form -------------------------------------------------------------------------------


@bp.route("/heroes/<slug>/remind", methods=["GET", "POST"])
@limiter.limit(_remind_limit, methods=["POST"])
def subscribe(slug: str):
    """The form: an address and the hero's days known to the day."""
    hero = load_published_hero(slug)
    if not mail_enabled():
        return _off()
    offered = reminders.days_offered(hero)
    form = ReminderForm()
    form.days.choices = [(kind, _day_label(hero, kind)) for kind in offered]
    if request.method == "GET":
        form.days.data = offered[:1]
    if request.method == "POST" and (form.website.data or "").strip():
        log.info("reminder request refused by the honeypot from %s", request.remote_addr)
        return _message_page(
            _("Форму не прийнято"),
            _(
                "Форму заповнено так, як це роблять програми-спамери, тому її не прийнято. "
                "Якщо ви людина, залиште порожнім поле «Не заповнюйте це поле» і надішліть ще "
                "раз."
            ),
            400,
        )
    status = 200
    if offered and form.validate_on_submit():
        asked = reminders.ask(
            db.session,
            hero,
            form.email.data,
            form.days.data,
            current_language(),
            current_app.config["PUBLIC_URL"] or request.url_root.rstrip("/"),
            _secret(),
            dt.timedelta(minutes=current_app.config["REMINDER_RESEND_MINUTES"]),
            current_app.config["REMINDER_MAX_PENDING"],
        )
        db.session.commit()
        if asked.subscription is not None and asked.outcome != reminders.Request.HELD:
            try:
                with Mailer(MailServer.from_url(current_app.config["MAIL_URL"])) as mailer:
                    mailer.send(
                        confirmation_letter(asked.subscription, asked.outcome),
                        asked.subscription.email,
                    )
            except MailError as exc:
                number = asked.subscription.id
                reminders.undo(db.session, asked)
                db.session.commit()
                log.warning(
                    "confirmation letter of reminder subscription %s not sent: %s", number, exc
                )
                if not exc.permanent:
                    return _message_page(
                        _("Лист не вдалося надіслати"),
                        _(
                            "Поштовий сервер зараз не відповідає, тож лист із підтвердженням "
                            "не надіслано і нічого не збережено. Спробуйте, будь ласка, "
                            "пізніше."
                        ),
                        503,
                        back=url_for("reminders.subscribe", slug=hero.slug),
                    )
                form.email.errors.append(
                    _("Поштовий сервер не приймає листів на цю адресу. Перевірте її.")
                )
                return render_template("reminders/form.html", form=form, hero=hero), 400
        return redirect(url_for("reminders.sent", slug=hero.slug), code=303)
    if request.method == "POST":
        status = 400
    return render_template("reminders/form.html", form=form, hero=hero), status


@bp.get("/heroes/<slug>/remind/sent")
def sent(slug: str):
    """What happens next: the same words whatever the address (nothing about it is told)."""
    hero = load_published_hero(slug)
    return render_template(
        "reminders/sent.html",
        hero=hero,
        days=current_app.config["REMINDER_CONFIRM_DAYS"],
        minutes=current_app.config["REMINDER_RESEND_MINUTES"],
    )


# --- Signed links from the letters ----------------------------------------------------------


def _link_problem(exc: reminders.LinkError):
    if exc.expired:
        return _message_page(
            _("Посилання застаріло"),
            _(
                "Це посилання вже не діє: воно працює обмежений час. Нічого не змінено. "
                "Відкрийте посилання з новішого листа або заповніть форму «Нагадати мені» "
                "на сторінці героя ще раз."
            ),
            400,
        )
    return _message_page(
        _("Посилання неправильне"),
        _(
            "Це посилання пошкоджене або неповне, тож ми не можемо його прийняти. Нічого не "
            "змінено. Скопіюйте, будь ласка, посилання з листа повністю."
        ),
        400,
    )


def _gone():
    return _message_page(
        _("Підписки вже немає"),
        _(
            "Цієї підписки на нагадування вже немає: від неї відписалися, або її не "
            "підтвердили вчасно. Лишати нічого не треба — листів не буде."
        ),
        404,
    )


@bp.route("/reminders/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority, as for unsubscribing
@limiter.limit(_link_limit)
def confirm(token: str):
    """The link in the confirmation letter. GET asks (mail services and link checkers open
    links before the person does, and must not subscribe anyone); POST confirms: from now
    on, the reminders go out."""
    try:
        payload = reminders.read(
            _secret(),
            reminders.CONFIRM,
            token,
            dt.timedelta(days=current_app.config["REMINDER_CONFIRM_DAYS"]),
        )
    except reminders.LinkError as exc:
        return _link_problem(exc)
    subscription = reminders.find_signed(db.session, payload)
    if subscription is None:
        return _gone()
    if request.method == "GET" and subscription.confirmed_at is None:
        return render_template("reminders/confirm.html", name=_hero_name(subscription), token=token)
    fresh = reminders.confirm(db.session, subscription)
    db.session.commit()
    return render_template(
        "reminders/confirmed.html",
        subscription=subscription,
        hero=subscription.hero,
        fresh=fresh,
        kinds=[_day_label(subscription.hero, k) for k in _known_kinds(subscription)],
        manage_url=url_for(
            "reminders.manage",
            token=reminders.sign_address(_secret(), subscription.address_key),
        ),
    )


def _known_kinds(subscription: ReminderSubscription) -> list[str]:
    offered = reminders.days_offered(subscription.hero)
    return [kind for kind in subscription.kinds if kind in offered]


@bp.route("/reminders/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail services post here (RFC 8058)
@limiter.limit(_link_limit, methods=["GET"])  # a mail service posts many from one address
def unsubscribe(token: str):
    """One click: GET asks (link checkers open links), POST unsubscribes."""
    try:
        payload = reminders.read(_secret(), reminders.UNSUBSCRIBE, token)
    except reminders.LinkError as exc:
        return _link_problem(exc)
    subscription = reminders.find_signed(db.session, payload)
    if subscription is None:
        return _message_page(
            _("Ви вже відписалися"),
            _("Листів-нагадувань про цю людину на вашу адресу більше не буде."),
        )
    name = _hero_name(subscription)
    if request.method == "POST":
        reminders.unsubscribe(db.session, subscription)
        db.session.commit()
        return _message_page(
            _("Ви відписалися"),
            _(
                "Нагадувань про %(name)s більше не буде. Вашу адресу для цієї підписки видалено.",
                name=name,
            ),
        )
    return render_template("reminders/unsubscribe.html", name=name, token=token)


def _hero_name(subscription: ReminderSubscription) -> str:
    """The hero's name, unless the profile is no longer public."""
    if subscription.hero.is_published:
        return subscription.hero.full_name
    return _("людину, чий профіль більше не опубліковано")


@bp.route("/reminders/manage/<token>", methods=["GET", "POST"])
@limiter.limit(_link_limit)
def manage(token: str):
    """Every subscription of one address, each with its own button, and one for all."""
    try:
        key = reminders.read(
            _secret(), reminders.MANAGE, token, dt.timedelta(days=reminders.MANAGE_DAYS)
        )
    except reminders.LinkError as exc:
        return _link_problem(exc)
    if not isinstance(key, str):
        return _link_problem(reminders.LinkError(expired=False))
    rows = reminders.subscriptions_of(db.session, key)
    form = ManageRemindersForm()
    if form.validate_on_submit() and form.action.data == "days":
        row = next((r for r in rows if str(r.id) == form.subscription.data), None)
        if row is not None:
            kinds = [k for k in form.days.data or [] if k in reminders.days_offered(row.hero)]
            if kinds:
                reminders.change_days(db.session, row, kinds)
                db.session.commit()
                flash(_("Збережено: %(name)s.", name=_hero_name(row)), "success")
            else:
                flash(
                    _(
                        "Позначте хоча б один день. Щоб не отримувати листів про цю людину, "
                        "натисніть «Відписатися»."
                    ),
                    "error",
                )
        return redirect(url_for("reminders.manage", token=token), code=303)
    if form.validate_on_submit():
        chosen = form.subscription.data or ""
        gone = [row for row in rows if chosen == "all" or str(row.id) == chosen]
        for row in gone:
            reminders.unsubscribe(db.session, row)
        db.session.commit()
        if gone:
            flash(
                ngettext(
                    "Скасовано %(num)d підписку.",
                    "Скасовано %(num)d підписки.",
                    len(gone),
                ),
                "success",
            )
        return redirect(url_for("reminders.manage", token=token), code=303)
    items = [
        {
            "id": row.id,
            "name": _hero_name(row),
            "url": url_for("public.hero", slug=row.hero.slug) if row.hero.is_published else None,
            "kinds": [_day_label(row.hero, k) for k in _known_kinds(row)],
            "days": [
                (kind, _day_label(row.hero, kind), kind in row.kinds)
                for kind in reminders.days_offered(row.hero)
            ]
            if row.hero.is_published
            else [],
            "confirmed": row.confirmed_at is not None,
        }
        for row in rows
    ]
    status = 400 if request.method == "POST" else 200
    return render_template("reminders/manage.html", items=items, form=form), status


# --- Letters ----------------------------------------------------------------------------------


@contextmanager
def letter_context(subscription: ReminderSubscription) -> Iterator[None]:
    """Links to the subscriber's site and words in the subscriber's language."""
    base = current_app.config["PUBLIC_URL"] or subscription.site_url
    with current_app.test_request_context("/", base_url=base), force_locale(subscription.language):
        yield


def _sender(base_url: str) -> str:
    configured = current_app.config.get("MAIL_FROM")
    if configured:
        return configured
    host = urlsplit(base_url).hostname or "localhost"
    return str(Address(display_name=_("Меморіал"), addr_spec=f"noreply@{host}"))


def _letter(
    subscription: ReminderSubscription, subject: str, template: str, **context
) -> EmailMessage:
    """A letter in plain text and HTML with the unsubscribe links (body and headers)."""
    secret = _secret()
    unsubscribe_url = url_for(
        "reminders.unsubscribe",
        token=reminders.sign(secret, reminders.UNSUBSCRIBE, subscription),
        _external=True,
    )
    manage_url = url_for(
        "reminders.manage",
        token=reminders.sign_address(secret, subscription.address_key),
        _external=True,
    )
    hero = subscription.hero
    context.update(
        subscription=subscription,
        hero=hero,
        hero_url=url_for("public.hero", slug=hero.slug, _external=True),
        unsubscribe_url=unsubscribe_url,
        manage_url=manage_url,
        subject=subject,
        lang=subscription.language,
    )
    base_url = url_for("public.index", _external=True)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = _sender(base_url)
    message["To"] = subscription.email
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=urlsplit(base_url).hostname or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message["List-Id"] = f"Memorial reminders <reminders.{urlsplit(base_url).hostname}>"
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template(f"mail/{template}.txt", **context))
    message.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return message


def confirmation_letter(
    subscription: ReminderSubscription, outcome: reminders.Request
) -> EmailMessage:
    """The letter with the confirmation link (or, when confirmed before, the manage link)."""
    with letter_context(subscription):
        hero = subscription.hero
        confirm_url = url_for(
            "reminders.confirm",
            token=reminders.sign(_secret(), reminders.CONFIRM, subscription),
            _external=True,
        )
        if outcome == reminders.Request.ALREADY:
            subject = _("Ви вже отримуєте нагадування: %(name)s", name=hero.full_name)
        else:
            subject = _("Підтвердьте нагадування: %(name)s", name=hero.full_name)
        return _letter(
            subscription,
            subject,
            "confirm",
            confirm_url=confirm_url,
            already=outcome == reminders.Request.ALREADY,
            kinds=[_day_label(hero, k) for k in _known_kinds(subscription)],
            days=current_app.config["REMINDER_CONFIRM_DAYS"],
        )


def reminder_letter(item: reminders.Due, today: dt.date) -> EmailMessage:
    """The note before (or on) an anniversary."""
    subscription = item.subscription
    with letter_context(subscription):
        hero = subscription.hero
        lang = subscription.language
        when = day_month(item.anniversary.month, item.anniversary.day, lang)
        death = item.kind == ReminderKind.DEATH
        if death:
            subject = _("%(date)s — день пам'яті: %(name)s", date=when, name=hero.full_name)
            what = ngettext(
                "%(num)d рік від дня загибелі",
                "%(num)d років від дня загибелі",
                item.years,
            )
        else:
            subject = _("%(date)s — день народження: %(name)s", date=when, name=hero.full_name)
            what = ngettext(
                "йому чи їй виповнився б %(num)d рік",
                "йому чи їй виповнилося б %(num)d років",
                item.years,
            )
        days_left = (item.anniversary - today).days
        if days_left == 0:
            lead = _("Сьогодні, %(date)s:", date=when)
        elif days_left == 1:
            lead = _("Завтра, %(date)s:", date=when)
        else:
            lead = ngettext(
                "Через %(num)d день, %(date)s:",
                "Через %(num)d днів, %(date)s:",
                days_left,
                date=when,
            )
        return _letter(
            subscription,
            subject,
            "reminder",
            lead=lead,
            what=what,
            death=death,
            dates=_life_dates(hero, lang),
        )


def _life_dates(hero: Hero, lang: str) -> str:
    birth = hero.birth_date.display(lang) if hero.birth_date else "?"
    death = hero.death_date.display(lang) if hero.death_date else "?"
    return f"{birth} — {death}"

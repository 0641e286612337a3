"""The interface's names for the archive's statuses, kinds, roles and revision sources.

Built from the enums of :mod:`memorial.models`, so a new status cannot be added without a name
for it (a test checks every member has one); templates read them through ``label()``.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..dates import PartialDate
from ..family import Ask, IdentityCheck, Mark, Target
from ..models import (
    ConsentScope,
    EntranceSide,
    FactField,
    GraveEventKind,
    HeroStatus,
    RevisionSource,
    SourceKind,
    SubmissionKind,
    SubmissionStatus,
    UserRole,
)
from .i18n import current_language

#: Staff's names, short, as lists and filters show them.
STAFF_LABELS: dict[type[StrEnum], dict] = {
    FactField: {
        FactField.BIRTH_DATE: _l("дата народження"),
        FactField.DEATH_DATE: _l("дата загибелі"),
        FactField.MILITARY_UNIT: _l("військова частина"),
        FactField.RANK: _l("звання"),
        FactField.DEATH_CIRCUMSTANCES: _l("обставини загибелі"),
        FactField.AWARDS: _l("нагороди"),
        FactField.BURIAL: _l("місце поховання"),
    },
    SourceKind: {
        SourceKind.FAMILY: _l("родина"),
        SourceKind.UNIT: _l("від військової частини"),
        SourceKind.OFFICIAL_NOTICE: _l("офіційне сповіщення"),
        SourceKind.DOCUMENT: _l("документ"),
        SourceKind.PUBLICATION: _l("публікація"),
    },
    SubmissionKind: {
        SubmissionKind.HERO: _l("новий герой"),
        SubmissionKind.STORY: _l("спогад"),
        SubmissionKind.PHOTOS: _l("фото"),
        SubmissionKind.CORRECTION: _l("виправлення"),
        SubmissionKind.FAMILY_REQUEST: _l("прохання родини"),
    },
    SubmissionStatus: {
        SubmissionStatus.RECEIVED: _l("отримано"),
        SubmissionStatus.NEEDS_INFO: _l("чекає уточнень"),
        SubmissionStatus.PUBLISHED: _l("опубліковано"),
        SubmissionStatus.REJECTED: _l("відхилено"),
    },
    HeroStatus: {
        HeroStatus.PUBLISHED: _l("опубліковано"),
        HeroStatus.DRAFT: _l("чернетка"),
    },
    UserRole: {
        UserRole.MODERATOR: _l("модератор"),
        UserRole.ADMIN: _l("адміністратор"),
    },
    RevisionSource: {
        RevisionSource.IMPORT: _l("імпорт"),
        RevisionSource.MODERATION: _l("модерація"),
        RevisionSource.EDIT: _l("редагування"),
        RevisionSource.RESTORE: _l("відновлення"),
        RevisionSource.PUBLISH: _l("публікація"),
        RevisionSource.UNPUBLISH: _l("зняття з публікації"),
    },
    EntranceSide: {
        EntranceSide.NORTH: _l("з півночі"),
        EntranceSide.EAST: _l("зі сходу"),
        EntranceSide.SOUTH: _l("з півдня"),
        EntranceSide.WEST: _l("із заходу"),
    },
    GraveEventKind: {
        GraveEventKind.LINKED: _l("поховано / вказано місце"),
        GraveEventKind.UNLINKED: _l("місце звільнено (виправлення)"),
        GraveEventKind.REBURIED: _l("перепоховано"),
        GraveEventKind.RESERVED: _l("зарезервовано"),
        GraveEventKind.RELEASED: _l("резерв знято"),
        GraveEventKind.WORK: _l("роботи на могилі"),
    },
    Target: {
        Target.HERO: _l("уся сторінка"),
        Target.PHOTO: _l("фото"),
        Target.STORY: _l("спогад"),
        Target.FIELD: _l("відомість"),
    },
    Ask: {Ask.HIDE: _l("приховати"), Ask.CORRECT: _l("виправити")},
    IdentityCheck: {
        IdentityCheck.CALLED_BACK: _l("передзвонили на відомий номер"),
        IdentityCheck.DOCUMENT_SEEN: _l("бачили документ"),
        IdentityCheck.KNOWN_TO_STAFF: _l("родина відома працівникам"),
        IdentityCheck.OTHER: _l("інше (напишіть як)"),
    },
    Mark: {Mark.HIDDEN: _l("приховано"), Mark.SENSITIVE: _l("може засмутити")},
    ConsentScope: {
        ConsentScope.SITE: _l("на сайті"),
        ConsentScope.BOOK: _l("у друкованій книзі пам'яті"),
        ConsentScope.BOTH: _l("і на сайті, і в книзі"),
    },
}

#: What a family reads on the status page of what they sent.
PUBLIC_LABELS: dict[type[StrEnum], dict] = {
    SubmissionKind: {
        SubmissionKind.HERO: _l("Новий профіль героя"),
        SubmissionKind.STORY: _l("Спогад"),
        SubmissionKind.PHOTOS: _l("Фотографії"),
        SubmissionKind.CORRECTION: _l("Виправлення"),
        SubmissionKind.FAMILY_REQUEST: _l("Прохання родини"),
    },
    SubmissionStatus: {
        SubmissionStatus.RECEIVED: _l("отримано, чекає на перевірку"),
        SubmissionStatus.NEEDS_INFO: _l("потрібні уточнення"),
        SubmissionStatus.PUBLISHED: _l("опубліковано"),
        SubmissionStatus.REJECTED: _l("відхилено"),
    },
}


#: Ukrainian names of the archive fields, for labels, corrections and differences.
FIELD_LABELS = {
    "surname": _l("Прізвище"),
    "given_name": _l("Ім'я"),
    "patronymic": _l("По батькові"),
    "call_sign": _l("Позивний"),
    "birth_date": _l("Дата народження"),
    "death_date": _l("Дата загибелі"),
    "birth_place": _l("Місце народження"),
    "home_community": _l("Громада"),
    "rank": _l("Звання"),
    "position": _l("Посада"),
    "military_unit": _l("Військова частина"),
    "death_place": _l("Місце загибелі"),
    "death_circumstances": _l("Обставини загибелі"),
    "burial_place": _l("Місце поховання"),
    "burial_plot": _l("Ділянка поховання"),
    "grave": _l("Могила"),
    "biography": _l("Життєпис"),
    "awards": _l("Нагороди"),
    "stories": _l("Спогади"),
    "photos": _l("Фотографії"),
    "status": _l("Стан"),
    "external_id": _l("Ідентифікатор"),
    "name_only": _l("Лише ім'я та дати"),
    "publish_at": _l("Опублікувати не раніше (UTC)"),
    "collection": _l("Зібрання"),
    "service_periods": _l("Періоди служби"),
    "unit_hidden": _l("Підрозділ приховано"),
    "life_now": _l("Чим займається зараз"),
}
#: Names of the fields of a story and of a correction, as a submission carries them.
SUBMISSION_FIELD_LABELS = {
    "title": _l("Заголовок"),
    "body": _l("Спогад"),
    "author_name": _l("Підпис під спогадом"),
    "author_relation": _l("Хто автор для героя"),
    "date": _l("Коли записано"),
    "field": _l("Що неточно"),
    "value": _l("Як має бути"),
    "note": _l("Звідки це відомо"),
}


#: The audit log's actions, objects and details as staff read them.
AUDIT_ACTIONS = {
    "login.success": _l("вхід"),
    "login.failure": _l("невдала спроба входу"),
    "login.locked": _l("вхід з адреси, якій треба зачекати"),
    "logout": _l("вихід"),
    "access.denied": _l("спроба відкрити заборонену сторінку"),
    "account.create": _l("створено обліковий запис"),
    "account.reset": _l("змінено пароль і роль"),
    "account.disable": _l("обліковий запис вимкнено"),
    "account.enable": _l("обліковий запис увімкнено"),
    "account.end-sessions": _l("сеанси завершено"),
    "account.role-moderator": _l("роль: модератор"),
    "account.role-admin": _l("роль: адміністратор"),
    "account.unlock": _l("невдалі спроби входу скинуто"),
    "submission.edit": _l("звернення відредаговано"),
    "submission.approve": _l("звернення опубліковано"),
    "submission.reject": _l("звернення відхилено"),
    "submission.ask": _l("автору поставлено запитання"),
    "hero.edit": _l("профіль відредаговано"),
    "hero.publish": _l("профіль опубліковано"),
    "hero.unpublish": _l("профіль знято з публікації"),
    "revision.restore": _l("ревізію відновлено"),
    "grave.link": _l("героя пов'язано з могилою"),
    "grave.unlink": _l("зв'язок героя з могилою знято"),
    "grave.rebury": _l("перепоховання записано"),
    "grave.reserve": _l("місце зарезервовано"),
    "grave.release": _l("резерв місця знято"),
    "grave.edit": _l("координати або примітку місця змінено"),
    "cemetery.create": _l("кладовище додано"),
    "cemetery.edit": _l("кладовище змінено"),
    "sector.create": _l("сектор додано"),
    "sector.edit": _l("сектор змінено"),
    "sector.delete": _l("сектор видалено"),
    "consent.text-publish": _l("опубліковано нову версію тексту згоди"),
    "consent.record": _l("згоду записано вручну"),
    "consent.withdraw": _l("згоду відкликано"),
    "veteran.withdrawal_issued": _l("ветерану видано код і посилання для відкликання"),
    "veteran.withdraw": _l("ветеран приховав свою сторінку"),
    "veteran.show_again": _l("сторінку ветерана знову показано"),
    "veteran.unit": _l("змінено показ підрозділу ветерана"),
    "veteran.safety_checked": _l("фото ветерана перевірено на безпеку інших"),
    "veteran.move_to_fallen": _l("ветерана перенесено до загиблих"),
    "veteran.erase": _l("усе про ветерана видалено на його прохання"),
}
AUDIT_OBJECTS = {
    "user": _l("обліковий запис"),
    "submission": _l("звернення"),
    "hero": _l("герой"),
    "revision": _l("ревізія"),
    "url": _l("сторінка"),
    "grave": _l("могила"),
    "cemetery": _l("кладовище"),
    "sector": _l("сектор"),
    "consent_text": _l("текст згоди"),
}
AUDIT_DETAILS = {
    "hero_id": _l("герой"),
    "email": _l("пошта"),
    "role": _l("роль"),
    "reason": _l("причина"),
    "failures": _l("невдалих спроб"),
    "until": _l("чекати до"),
    "cleared": _l("скинуто"),
    "consent_id": _l("згода"),
    "scope": _l("де публікувати"),
    "version": _l("версія тексту згоди"),
}
#: Why a sign-in failed, as the audit log keeps it.
AUDIT_REASONS = {
    "password": _l("неправильний пароль"),
    "unknown": _l("немає такого облікового запису"),
    "inactive": _l("обліковий запис вимкнено"),
}


def audit_action(action: str) -> str:
    """The name of an audit action (the key itself when it has none)."""
    return str(AUDIT_ACTIONS.get(action, action))


def audit_object(kind: str) -> str:
    """The name of the kind of object an audit entry concerns."""
    return str(AUDIT_OBJECTS.get(kind, kind))


def audit_details(detail: dict) -> list[tuple[str, str]]:
    """An audit entry's details as ``(name, value)`` pairs for people."""
    out = []
    for key, value in detail.items():
        if key == "reason":
            value = AUDIT_REASONS.get(value, value)
        elif key == "role":
            value = label(UserRole, value)
        elif key == "scope":
            value = label(ConsentScope, value)
        out.append((str(AUDIT_DETAILS.get(key, key)), str(value)))
    return out


def _date_text(value: object) -> str:
    try:
        parsed = PartialDate.parse(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    return parsed.display(current_language()) if parsed else str(value or "")


def field_text(name: str, value: object) -> str:
    """A field of a hero record (an archive value) as staff read it: dates in words, awards,
    stories and photos as lines of text, never as raw data."""
    if value is None or value == "" or value == []:
        return ""
    if name.endswith("_date") or name == "date":
        return _date_text(value)
    if name == "status":
        return label(HeroStatus, str(value))
    if name == "collection":
        return str(_l("ветерани") if value == "veteran" else _l("загиблі"))
    if name == "unit_hidden":
        return str(_l("так") if value else _l("ні"))
    if name == "service_periods" and isinstance(value, list):
        return "\n".join(_period_text(p) for p in value if isinstance(p, dict))
    if name == "awards" and isinstance(value, list):
        return "\n".join(_award_text(a) for a in value if isinstance(a, dict))
    if name == "stories" and isinstance(value, list):
        return "\n\n".join(_story_text(s) for s in value if isinstance(s, dict))
    if name == "photos" and isinstance(value, list):
        return "\n".join(_photo_text(p) for p in value if isinstance(p, dict))
    if name == "grave" and isinstance(value, dict):
        return str(
            _l(
                "%(cemetery)s, сектор %(sector)s, ряд %(row)s, місце %(place)s (код %(code)s)",
                cemetery=value.get("cemetery", ""),
                sector=value.get("sector", ""),
                row=value.get("row", ""),
                place=value.get("place", ""),
                code=value.get("code", ""),
            )
        )
    return str(value)


def _period_text(period: dict) -> str:
    start = _date_text(period["from"]) if period.get("from") else "?"
    end = _date_text(period["to"]) if period.get("to") else str(_l("дотепер"))
    parts = [f"{start} — {end}", period.get("role") or "", period.get("unit") or ""]
    return ", ".join(p for p in parts if p)


def _award_text(award: dict) -> str:
    parts = [str(award.get("name") or "")]
    if award.get("date"):
        parts.append(_date_text(award["date"]))
    if award.get("posthumous"):
        parts.append(str(_l("посмертно")))
    return ", ".join(parts)


def _story_text(story: dict) -> str:
    signed = ", ".join(p for p in (story.get("author_name"), story.get("author_relation")) if p)
    if story.get("date"):
        signed = f"{signed}, {_date_text(story['date'])}" if signed else _date_text(story["date"])
    return "\n".join(
        p for p in (story.get("title"), story.get("body"), f"— {signed}" if signed else "") if p
    )


def _photo_text(photo: dict) -> str:
    text = photo.get("caption") or str(_l("без підпису"))
    if photo.get("primary"):
        text += f" ({_l('портрет')})"
    return text


def record_items(record: dict | None) -> list[tuple[str, str]]:
    """A record's filled fields as ``(name, text)`` pairs, in the record's order."""
    names = {**SUBMISSION_FIELD_LABELS, **FIELD_LABELS}
    items = []
    for key, value in (record or {}).items():
        # A correction names the field it corrects.
        text = str(FIELD_LABELS.get(value, value)) if key == "field" else field_text(key, value)
        if text:
            items.append((str(names.get(key, key)), text))
    return items


def label(enum: type[StrEnum], value: str, public: bool = False) -> str:
    """The interface's name of ``value`` of ``enum`` (the value itself when it has none)."""
    names = (PUBLIC_LABELS if public else STAFF_LABELS).get(enum, {})
    return str(names.get(value, value))


def choices(enum: type[StrEnum]) -> list[tuple[str, object]]:
    """``(value, name)`` of every member, for a select field."""
    return [(member.value, STAFF_LABELS[enum][member]) for member in enum]


def template_globals() -> dict:
    """What templates use: ``label`` and the enums it takes, and the audit log's names."""
    return {
        "label": label,
        "audit_action": audit_action,
        "audit_object": audit_object,
        "audit_details": audit_details,
        "record_items": record_items,
        "SubmissionKind": SubmissionKind,
        "ConsentScope": ConsentScope,
        "SubmissionStatus": SubmissionStatus,
        "HeroStatus": HeroStatus,
        "UserRole": UserRole,
        "RevisionSource": RevisionSource,
        "EntranceSide": EntranceSide,
        "GraveEventKind": GraveEventKind,
        "FactField": FactField,
        "SourceKind": SourceKind,
        "IdentityCheck": IdentityCheck,
        "FamilyTarget": Target,
        "FamilyAsk": Ask,
    }

"""The interface's names for the archive's statuses, kinds, roles and revision sources.

Built from the enums of :mod:`memorial.models`, so a new status cannot be added without a name
for it (a test checks every member has one); templates read them through ``label()``.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..models import HeroStatus, RevisionSource, SubmissionKind, SubmissionStatus, UserRole

#: Staff's names, short, as lists and filters show them.
STAFF_LABELS: dict[type[StrEnum], dict] = {
    SubmissionKind: {
        SubmissionKind.HERO: _l("новий герой"),
        SubmissionKind.STORY: _l("спогад"),
        SubmissionKind.PHOTOS: _l("фото"),
        SubmissionKind.CORRECTION: _l("виправлення"),
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
}

#: What a family reads on the status page of what they sent.
PUBLIC_LABELS: dict[type[StrEnum], dict] = {
    SubmissionKind: {
        SubmissionKind.HERO: _l("Новий профіль героя"),
        SubmissionKind.STORY: _l("Спогад"),
        SubmissionKind.PHOTOS: _l("Фотографії"),
        SubmissionKind.CORRECTION: _l("Виправлення"),
    },
    SubmissionStatus: {
        SubmissionStatus.RECEIVED: _l("отримано, чекає на перевірку"),
        SubmissionStatus.NEEDS_INFO: _l("потрібні уточнення"),
        SubmissionStatus.PUBLISHED: _l("опубліковано"),
        SubmissionStatus.REJECTED: _l("відхилено"),
    },
}


def label(enum: type[StrEnum], value: str, public: bool = False) -> str:
    """The interface's name of ``value`` of ``enum`` (the value itself when it has none)."""
    names = (PUBLIC_LABELS if public else STAFF_LABELS).get(enum, {})
    return str(names.get(value, value))


def choices(enum: type[StrEnum]) -> list[tuple[str, object]]:
    """``(value, name)`` of every member, for a select field."""
    return [(member.value, STAFF_LABELS[enum][member]) for member in enum]


def template_globals() -> dict:
    """What templates use: ``label`` and the enums it takes."""
    return {
        "label": label,
        "SubmissionKind": SubmissionKind,
        "SubmissionStatus": SubmissionStatus,
        "HeroStatus": HeroStatus,
        "UserRole": UserRole,
        "RevisionSource": RevisionSource,
    }

"""Forms (Flask-WTF): the public submission forms, moderation and staff accounts.

Field names follow the archive format, so a family's form, an import and the API agree.
Every label, hint and error is Ukrainian in the code and translated through the catalogs.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import consent as consents
from .. import interviews, media, reminders
from ..dates import PartialDate, to_iso_date
from ..extensions import db
from ..models import ConsentScope, InterviewVisibility, UserRole
from ..records import HERO_DATE_FIELDS, HERO_TEXT_FIELDS, HIDEABLE_FIELDS
from ..veterans import VeteranCheck
from .labels import FIELD_LABELS, choices

#: Ukrainian names of the archive fields, for labels, corrections and differences.
LONG_FIELDS = ("death_circumstances", "biography")
DATE_HINT = _l("Рік (1987), рік і місяць (03.1987) або повна дата (14.03.1987).")
_PHONE = re.compile(r"^\+?[\d\s()\-]{7,25}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def partial_date(form, field) -> None:
    """Validator: the field holds a partial date in one of the accepted forms."""
    try:
        to_iso_date(field.data)
    except ValueError:
        raise ValidationError(_l("Не вдалося прочитати дату. %(hint)s", hint=DATE_HINT)) from None


def _text(label, limit: int, required: bool = False, hint=None, long: bool = False):
    validators = [DataRequired(_l("Заповніть це поле."))] if required else [Optional()]
    validators.append(Length(max=limit, message=_l("Не більше %(max)d символів.")))
    cls = TextAreaField if long else StringField
    return cls(
        label,
        validators=validators,
        description=hint or "",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class SubmitterForm(FlaskForm):
    """Who sends this: kept private, never shown publicly or exported."""

    submitter_name = _text(_l("Ваше ім'я"), 300, required=True)
    submitter_relation = _text(
        _l("Ким ви йому чи їй доводитеся"),
        200,
        required=True,
        hint=_l("Наприклад: дружина, мати, побратим, сусідка."),
    )
    submitter_email = EmailField(
        _l("Електронна пошта"),
        validators=[Optional(), Length(max=320, message=_l("Не більше %(max)d символів."))],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    submitter_phone = _text(
        _l("Телефон"),
        50,
        hint=_l("Пошту чи телефон бачать лише модератори: щоб уточнити, якщо буде потреба."),
    )
    consent = BooleanField(
        _l("Я погоджуюся, щоб надіслане після перевірки опублікували"),
        validators=[DataRequired(_l("Без вашої згоди ми не можемо опублікувати надіслане."))],
    )
    #: Where it may be published; a form sent without it means the site.
    consent_scope = RadioField(
        _l("Де опублікувати"),
        choices=[SelectChoice(scope.value, scope.value) for scope in ConsentScope],
        default=ConsentScope.SITE.value,
        validate_choice=False,
    )
    #: The version of the consent wording the person was shown.
    consent_version = HiddenField()
    # A field people never see (hidden by the stylesheet); robots fill every field they find.
    website = StringField(_l("Не заповнюйте це поле"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._show_consent_text()

    def consent_text(self):
        """The consent wording this form shows (or showed, when it is sent back)."""
        shown = self.consent_version.data
        if shown:
            return consents.text_version(db.session, shown)
        return consents.current_text(db.session)

    def _show_consent_text(self) -> None:
        """Label the checkbox and the scopes with the wording of the version shown."""
        from .i18n import current_language

        shown = self.consent_text()
        self._unknown_version = shown is None
        text = shown or consents.current_text(db.session)
        # The page shows this version now, so a form sent from it agrees to this one.
        self.consent_version.data = str(text.version)
        lang = "en" if current_language() == "en" else "uk"
        version = _l("текст згоди, версія %(n)d", n=text.version)
        self.consent.label.text = f"{getattr(text, f'text_{lang}')} ({version})"
        self.consent_scope.choices = [
            SelectChoice(scope.value, getattr(text, f"{scope.value}_{lang}"))
            for scope in ConsentScope
        ]

    def validate_consent(self, field) -> None:
        """The consent names a version of the wording that exists."""
        if self._unknown_version:
            raise ValidationError(
                _l(
                    "Текст згоди, який ви бачили, нам невідомий. Нічого не збережено: "
                    "оновіть сторінку, прочитайте текст згоди й надішліть ще раз."
                )
            )

    def validate_consent_scope(self, field) -> None:
        """One of the scopes (none at all means the site)."""
        try:
            consents.parse_scope(field.data)
        except consents.ConsentError:
            raise ValidationError(
                _l("Оберіть, де можна опублікувати: на сайті, у книзі чи і там, і там.")
            ) from None

    def validate_submitter_email(self, field) -> None:
        """An e-mail address when one is given; e-mail or phone is required."""
        if field.data and not _EMAIL.match(field.data):
            raise ValidationError(_l("Це не схоже на адресу електронної пошти."))
        if not field.data and not (self.submitter_phone.data or "").strip():
            raise ValidationError(
                _l("Вкажіть електронну пошту або телефон, щоб ми могли з вами зв'язатися.")
            )

    def validate_submitter_phone(self, field) -> None:
        """A phone number when one is given."""
        if field.data and not _PHONE.match(field.data):
            raise ValidationError(
                _l("Вкажіть номер телефону цифрами, наприклад +380 67 123 45 67.")
            )

    def submitter(self) -> dict:
        """The submitter's details under their field names."""
        return {
            name: getattr(self, name).data
            for name in (
                "submitter_name",
                "submitter_relation",
                "submitter_email",
                "submitter_phone",
                "consent",
                "consent_version",
                "consent_scope",
            )
        }


class PhotosMixin:
    """Photos (several files at once) with one caption per line."""

    photos = MultipleFileField(
        _l("Фотографії"),
        description=_l(
            "JPEG, PNG або WebP; можна кілька файлів одразу. Дані про місце зйомки ми видаляємо."
        ),
    )
    captions = TextAreaField(
        _l("Підписи до фотографій"),
        validators=[Optional(), Length(max=20_000, message=_l("Не більше %(max)d символів."))],
        description=_l("Один рядок на фото, у тому самому порядку: хто на фото, де і коли."),
    )
    photos_required = False

    def validate_photos(self, field) -> None:
        """Every file is a readable image within the limits; the accepted ones are kept."""
        files = [f for f in (field.data or []) if f and getattr(f, "filename", "")]
        self.accepted_photos: list[tuple[bytes, str, int, int]] = []
        if not files:
            if self.photos_required:
                raise ValidationError(_l("Додайте хоча б одну фотографію."))
            return
        limit = current_app.config["MAX_PHOTOS"]
        if len(files) > limit:
            raise ValidationError(_l("Можна надіслати до %(n)d фотографій за раз.", n=limit))
        max_bytes = current_app.config["MAX_PHOTO_BYTES"]
        errors = []
        for upload in files:
            name = (upload.filename or "")[-80:]
            data = upload.read(max_bytes + 1)
            if len(data) > max_bytes:
                errors.append(
                    _l(
                        "Файл «%(name)s» завеликий: можна до %(mb)d МБ. Зменште його "
                        "або надішліть інше фото.",
                        name=name,
                        mb=max_bytes // (1024 * 1024) or 1,
                    )
                )
                continue
            try:
                self.accepted_photos.append(media.reencode(data))
            except media.MediaError as exc:
                errors.append(photo_error(exc, name))
        if errors:
            self.accepted_photos = []
            raise ValidationError(" ".join(str(e) for e in errors))

    def photos_to_attach_again(self) -> int:
        """How many good photos came with a form that failed elsewhere: a browser never
        sends files again, so the family must be told to attach them once more."""
        if not getattr(self, "errors", None) or "photos" in self.errors:
            return 0
        return len(getattr(self, "accepted_photos", []))

    def caption_list(self) -> list[str | None]:
        """Captions by photo position (missing ones are ``None``)."""
        lines = [line.strip()[:1000] for line in (self.captions.data or "").splitlines()]
        count = len(getattr(self, "accepted_photos", []))
        return [(lines[i] if i < len(lines) and lines[i] else None) for i in range(count)]


def photo_error(exc: media.MediaError, name: str):
    """A message for people about a refused image file."""
    messages = {
        "heic": _l(
            "Файл «%(name)s» — фото у форматі HEIC, яке сайт не може прочитати. "
            "Збережіть його як JPEG (на iPhone: Параметри → Камера → Формати → "
            "«Найсумісніший») і надішліть ще раз.",
            name=name,
        ),
        "pixels": _l(
            "Файл «%(name)s» має забагато пікселів (понад 40 мегапікселів). "
            "Зменште зображення і надішліть ще раз.",
            name=name,
        ),
        "frames": _l(
            "Файл «%(name)s» — анімація з надто великою кількістю кадрів. "
            "Надішліть звичайне фото (один кадр).",
            name=name,
        ),
        "empty": _l("Файл «%(name)s» порожній.", name=name),
    }
    return messages.get(
        exc.reason,
        _l(
            "Файл «%(name)s» не є фотографією у форматі JPEG, PNG або WebP, або він пошкоджений.",
            name=name,
        ),
    )


def interview_error(exc: interviews.InterviewError, name: str = ""):
    """A message for people about a refused recording or transcript."""
    params = exc.params
    messages = {
        "empty": _l("Файл «%(name)s» порожній.", name=name),
        "size": _l(
            "Файл «%(name)s» більший за %(mb)d МБ. Стисніть запис або розділіть його на "
            "частини і надішліть ще раз.",
            name=name,
            mb=params.get("limit_mb", 0),
        ),
        "duration": _l(
            "Запис «%(name)s» довший за %(minutes)d хв. Розділіть його на частини і надішліть "
            "ще раз.",
            name=name,
            minutes=params.get("limit_minutes", 0),
        ),
        "timestamp": _l(
            "Рядок %(line)d розшифровки: «%(stamp)s» — не час. Пишіть [год:хв:сек] або "
            "хв:сек, хвилини й секунди до 59.",
            line=params.get("line", 0),
            stamp=params.get("stamp", ""),
        ),
        "timestamp_end": _l(
            "Рядок %(line)d розшифровки: час %(stamp)s — після кінця запису (запис триває "
            "%(length)s). Виправте час цього рядка.",
            line=params.get("line", 0),
            stamp=params.get("stamp", ""),
            length=params.get("length", ""),
        ),
        "tool": _l("Записи зараз не вдається перевірити. Спробуйте пізніше."),
    }
    return messages.get(
        exc.reason,
        _l(
            "Файл «%(name)s» — не аудіо- чи відеозапис у форматі, який ми приймаємо "
            "(аудіо: MP3, M4A, OGG/Opus, WAV; відео: MP4, WebM), або він пошкоджений. "
            "Назва файлу тут нічого не змінює: ми перевіряємо сам вміст.",
            name=name,
        ),
    )


RECORDING_HINT = _l(
    "Аудіо (MP3, M4A, OGG/Opus, WAV) або відео (MP4, WebM). Ми перетворюємо запис для "
    "вебу й видаляємо з нього всі службові дані (місце й час зйомки, назву пристрою)."
)


class RecordingMixin:
    """One recorded interview, stored and judged by content while the form is validated.

    ``recording_field`` names the file field; the stored upload is in ``accepted_recording``
    (relative path, path, what ffprobe found) and every written file in ``written_files``,
    so that the view removes it when anything else fails."""

    recording_field = "recording"
    recording_required = False

    def accept_recording(self, field, transcript: str = "") -> None:
        """Store the upload, judge it, and check the transcript against its length."""
        self.written_files = getattr(self, "written_files", [])
        self.accepted_recording = None
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            if self.recording_required:
                raise ValidationError(_l("Додайте файл запису."))
            return
        name = (upload.filename or "")[-80:]
        data_dir = current_app.config["DATA_DIR"]
        max_bytes, max_seconds = interviews.limits()
        try:
            rel, path = interviews.store_upload(
                data_dir, upload.stream, max_bytes, self.written_files
            )
            found = interviews.probe(path, max_bytes, max_seconds)
        except interviews.InterviewError as exc:
            self.discard_recording()
            raise ValidationError(interview_error(exc, name)) from None
        try:
            interviews.parse_transcript(transcript, found.duration)
        except interviews.InterviewError as exc:
            self.discard_recording()
            self.transcript_error = interview_error(exc)
            return
        self.accepted_recording = (rel, path, found)

    def discard_recording(self) -> None:
        """Delete what was written for the upload (the form failed or was refused)."""
        for path in getattr(self, "written_files", []):
            path.unlink(missing_ok=True)
        self.written_files = []
        self.recording_dropped = getattr(self, "accepted_recording", None) is not None
        self.accepted_recording = None

    def recording_to_attach_again(self) -> bool:
        """Whether a good recording came with a form that failed elsewhere."""
        return bool(
            getattr(self, "errors", None)
            and self.recording_field not in self.errors
            and (getattr(self, "accepted_recording", None) or getattr(self, "recording_dropped", 0))
        )


class InterviewForm(RecordingMixin, FlaskForm):
    """Staff attach a recorded interview to a hero."""

    recording_required = True
    recording = FileField(_l("Файл запису"), description=RECORDING_HINT)
    title = _text(_l("Назва"), 500, hint=_l("Наприклад: Розмова з сестрою, 2024."))
    visibility = RadioField(
        _l("Хто може слухати чи дивитися"),
        choices=[
            SelectChoice(InterviewVisibility.PUBLIC.value, _l("Усі відвідувачі сайту")),
            SelectChoice(InterviewVisibility.STAFF.value, _l("Лише працівники архіву")),
        ],
        default=InterviewVisibility.PUBLIC.value,
    )
    transcript = TextAreaField(
        _l("Розшифровка"),
        validators=[Optional(), Length(max=500_000, message=_l("Не більше %(max)d символів."))],
        description=_l(
            "Текст запису. Рядок може починатися з часу: [00:12:34] або 12:34 — тоді на "
            "сторінці він стане посиланням на цей момент запису."
        ),
    )

    def validate_recording(self, field) -> None:
        self.accept_recording(field, self.transcript.data or "")

    def validate_transcript(self, field) -> None:
        """A timestamp past the end of the recording (found while judging it) is named here."""
        if getattr(self, "transcript_error", None):
            raise ValidationError(self.transcript_error)


class InterviewEditForm(FlaskForm):
    """Staff change an interview's title, visibility and transcript."""

    title = InterviewForm.title
    visibility = InterviewForm.visibility
    transcript = InterviewForm.transcript


class SubmissionInterviewMixin(RecordingMixin):
    """An optional recorded interview sent with a submission (checked by a moderator)."""

    recording_field = "interview"
    interview = FileField(
        _l("Запис інтерв'ю (необов'язково)"),
        description=RECORDING_HINT,
    )

    def validate_interview(self, field) -> None:
        self.accept_recording(field)


def _hero_fields(cls):
    """Add the archive's hero fields to a form class."""
    for name in HERO_TEXT_FIELDS:
        limit = 100_000 if name == "biography" else 20_000 if name in LONG_FIELDS else 300
        hint = None
        if name == "biography":
            hint = _l("Звичайний текст; абзаци відділяйте порожнім рядком.")
        elif name == "burial_place":
            hint = _l("Наприклад: Краматорськ, Алея Героїв.")
        setattr(
            cls,
            name,
            _text(
                FIELD_LABELS[name],
                limit,
                required=name in ("surname", "given_name"),
                hint=hint,
                long=name in LONG_FIELDS,
            ),
        )
    for name in HERO_DATE_FIELDS:
        setattr(
            cls,
            name,
            StringField(
                FIELD_LABELS[name],
                validators=[Optional(), Length(max=20), partial_date],
                description=DATE_HINT,
            ),
        )
    cls.awards = TextAreaField(
        FIELD_LABELS["awards"],
        validators=[Optional(), Length(max=5000, message=_l("Не більше %(max)d символів."))],
        description=_l("Одна нагорода на рядок."),
    )
    return cls


_POSTHUMOUS = re.compile(r"[\s,;—–-]*\(?\s*(посмертно|posthumously)\s*\)?\s*\.?$", re.I)


def _posthumous(name: str) -> tuple[str, bool]:
    """An award's name without a trailing "(посмертно)", and whether it was there."""
    stripped = _POSTHUMOUS.sub("", name)
    return stripped.strip(), stripped != name


class HeroFieldsMixin:
    """Checks shared by every form that edits a hero's fields."""

    def validate_death_date(self, field) -> None:
        """Death is not before birth."""
        try:
            birth = PartialDate.parse(to_iso_date(self.birth_date.data))
            death = PartialDate.parse(to_iso_date(field.data))
        except ValueError:
            return
        if birth and death and birth.sort_key()[:1] > death.sort_key()[:1]:
            raise ValidationError(_l("Дата загибелі раніша за дату народження."))

    def hero_fields(self) -> dict:
        """The hero's fields in archive form (dates in ISO)."""
        out = {name: getattr(self, name).data or None for name in HERO_TEXT_FIELDS}
        for name in HERO_DATE_FIELDS:
            out[name] = to_iso_date(getattr(self, name).data)
        return out

    def award_list(self) -> list[dict]:
        """Awards typed one per line; "(посмертно)" written after one sets its flag."""
        awards = []
        for line in (self.awards.data or "").splitlines():
            name, posthumous = _posthumous(line.strip())
            if name:
                awards.append({"name": name[:500], "date": None, "posthumous": posthumous})
        return awards

    def payload(self) -> dict:
        """What a new-hero submission carries: the fields and the awards."""
        return {**self.hero_fields(), "awards": self.award_list()}


class StoryFieldsMixin:
    """A story's own fields, as a family sends them and a moderator edits them."""

    def payload(self) -> dict:
        """What a story submission carries, in archive field names."""
        return {
            "title": self.title.data or "",
            "body": self.body.data,
            "author_name": self.author_name.data,
            "author_relation": self.author_relation.data or "",
            "date": to_iso_date(self.date.data),
        }


@_hero_fields
class NewHeroForm(HeroFieldsMixin, PhotosMixin, SubmissionInterviewMixin, SubmitterForm):
    """A new hero profile from a family."""


class StoryForm(StoryFieldsMixin, SubmissionInterviewMixin, SubmitterForm):
    """A memory of an existing hero."""

    title = _text(_l("Заголовок"), 500, hint=_l("Необов'язково."))
    body = _text(
        _l("Спогад"),
        100_000,
        required=True,
        long=True,
        hint=_l("Звичайний текст; абзаци відділяйте порожнім рядком."),
    )
    author_name = _text(
        _l("Підпис під спогадом"),
        300,
        required=True,
        hint=_l("Як вас назвати під спогадом, наприклад: Олена Коваленко."),
    )
    author_relation = _text(
        _l("Хто ви для нього чи неї (для підпису)"),
        200,
        hint=_l("Наприклад: сестра. Необов'язково."),
    )
    date = StringField(
        _l("Коли записано"),
        validators=[Optional(), Length(max=20), partial_date],
        description=DATE_HINT,
    )


class PhotosForm(PhotosMixin, SubmitterForm):
    """Photos of an existing hero."""

    photos_required = True


class CorrectionForm(SubmitterForm):
    """A correction of one published field ("повідомити про неточність")."""

    # The empty first choice makes a visitor pick a field (HTML requires it of a required select).
    field = SelectField(
        _l("Що неточно"),
        choices=[SelectChoice("", _l("— оберіть поле —"))]
        + [
            SelectChoice(name, FIELD_LABELS[name])
            for name in (*HERO_TEXT_FIELDS[:4], *HERO_DATE_FIELDS, *HERO_TEXT_FIELDS[4:])
        ],
        validators=[DataRequired(_l("Оберіть поле."))],
    )
    value = _text(_l("Як має бути"), 100_000, required=True, long=True)
    note = _text(
        _l("Звідки це відомо"),
        5000,
        long=True,
        hint=_l("Наприклад: свідоцтво, наказ, розповідь побратима. Необов'язково."),
    )

    def validate_value(self, field) -> None:
        """A corrected date must be a date."""
        if self.field.data in HERO_DATE_FIELDS:
            try:
                to_iso_date(field.data)
            except ValueError:
                raise ValidationError(
                    _l("Не вдалося прочитати дату. %(hint)s", hint=DATE_HINT)
                ) from None


class FamilyRequestForm(SubmitterForm):
    """A relative asks to hide or correct the profile, a photo, a story or a fact.

    ``hero``: the hero the request is about (its photos, stories and facts are the choices).
    """

    target = SelectField(
        _l("Про що прохання"), validators=[DataRequired(_l("Оберіть, про що прохання."))]
    )
    ask = SelectField(
        _l("Що зробити"),
        choices=[
            SelectChoice("", _l("— оберіть —")),
            SelectChoice("hide", _l("Приховати")),
            SelectChoice("correct", _l("Виправити")),
        ],
        validators=[DataRequired(_l("Оберіть, що зробити."))],
    )
    value = _text(
        _l("Як має бути"),
        100_000,
        long=True,
        hint=_l("Лише для виправлення: правильне значення або текст."),
    )
    how = _text(
        _l("Звідки ви це знаєте"),
        5000,
        long=True,
        hint=_l("Наприклад: свідоцтво про народження, наказ, родинні документи."),
    )
    consent = BooleanField(
        _l("Я підтверджую, що я родич, і погоджуюся, щоб модератор зв'язався зі мною"),
        validators=[DataRequired(_l("Без цього ми не можемо розглянути прохання."))],
    )

    def __init__(self, hero, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        options = [
            SelectChoice("", gettext("— оберіть —")),
            SelectChoice("hero", gettext("Уся сторінка")),
        ]
        for n, photo in enumerate(hero.photos, 1):
            what = f": {photo.caption}" if photo.caption else ""
            options.append(SelectChoice(f"photo:{photo.id}", gettext("Фото %(n)d", n=n) + what))
        for story in hero.stories:
            what = story.title or (story.body[:40] + "…")
            options.append(SelectChoice(f"story:{story.id}", gettext("Спогад") + f": {what}"))
        for name in HIDEABLE_FIELDS:
            options.append(
                SelectChoice(f"field:{name}", gettext("Відомість") + f": {FIELD_LABELS[name]}")
            )
        self.target.choices = options

    def target_parts(self) -> tuple[str, int | None, str | None]:
        """The chosen target: its kind, and the photo or story id or the field name."""
        kind, _sep, rest = (self.target.data or "").partition(":")
        if kind in ("photo", "story"):
            return kind, int(rest), None
        if kind == "field":
            return kind, None, rest
        return kind, None, None

    def validate(self, extra_validators=None) -> bool:
        """A correction says how it should be (not of the whole page), a date as a date."""
        valid = super().validate(extra_validators)
        if self.ask.data != "correct" or self.target.errors:
            return valid
        kind, _id, name = self.target_parts()
        value = (self.value.data or "").strip()
        message = None
        if kind == "hero":
            message = _l("Усю сторінку можна лише приховати; оберіть, що саме виправити.")
        elif not value:
            message = _l("Напишіть, як має бути.")
        elif name in HERO_DATE_FIELDS:
            try:
                to_iso_date(value)
            except ValueError:
                message = _l("Не вдалося прочитати дату. %(hint)s", hint=DATE_HINT)
        if message is not None:
            self.value.errors = [*self.value.errors, message]
            return False
        return valid


class StatusForm(FlaskForm):
    """The submitter's reference code, to see the status."""

    code = StringField(
        _l("Код звернення"),
        validators=[DataRequired(_l("Введіть код, наприклад MEM-7K2F-9QX4.")), Length(max=40)],
        description=_l("Код на зразок MEM-7K2F-9QX4, який ви отримали після надсилання."),
    )


class AnswerForm(FlaskForm):
    """The submitter's answer to a moderator's question."""

    code = StringField(validators=[DataRequired(), Length(max=40)])
    answer = _text(_l("Ваша відповідь"), 20_000, required=True, long=True)


# --- Staff ------------------------------------------------------------------------------------


class LoginForm(FlaskForm):
    """Staff sign-in."""

    email = StringField(
        _l("Електронна пошта"), validators=[DataRequired(_l("Заповніть це поле.")), Length(max=320)]
    )
    password = PasswordField(
        _l("Пароль"), validators=[DataRequired(_l("Заповніть це поле.")), Length(max=256)]
    )


class ReasonForm(FlaskForm):
    """A moderation step that needs words: a reason, a question, a note."""

    text = _text(_l("Пояснення"), 5000, required=True, long=True)


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token; the reason is optional."""

    text = _text(_l("Пояснення (необов'язково)"), 5000, long=True)


@_hero_fields
class SubmissionHeroForm(HeroFieldsMixin, FlaskForm):
    """A moderator's edit of a new-hero submission before publishing."""


class HeroEditForm(SubmissionHeroForm):
    """Staff edit of a published or draft hero's fields."""

    reason = _text(_l("Чому змінено"), 2000, required=True)


class StoryEditForm(StoryFieldsMixin, FlaskForm):
    """Staff edit of a story submission before publishing."""

    title = _text(_l("Заголовок"), 500)
    body = _text(_l("Спогад"), 100_000, required=True, long=True)
    author_name = _text(_l("Підпис під спогадом"), 300, required=True)
    author_relation = _text(_l("Хто автор для героя"), 200)
    date = StringField(_l("Коли записано"), validators=[Optional(), Length(max=20), partial_date])


class CorrectionEditForm(FlaskForm):
    """Staff edit of a correction's new value before applying it."""

    value = _text(_l("Нове значення"), 100_000, required=True, long=True)


class AccountForm(FlaskForm):
    """An administrator creates a staff account."""

    email = StringField(
        _l("Електронна пошта"), validators=[DataRequired(_l("Заповніть це поле.")), Length(max=320)]
    )
    password = PasswordField(
        _l("Пароль"),
        validators=[
            DataRequired(_l("Заповніть це поле.")),
            Length(min=10, max=256, message=_l("Пароль має містити від 10 до 256 символів.")),
        ],
    )
    role = SelectField(
        _l("Роль"), choices=[SelectChoice(value, name) for value, name in choices(UserRole)]
    )


class SheetUploadForm(FlaskForm):
    """Staff upload a spreadsheet of heroes (and a ZIP of its photos) to be checked."""

    sheet = FileField(
        _l("Таблиця (CSV або XLSX)"),
        validators=[FileRequired(_l("Виберіть файл таблиці."))],
        description=_l(
            "Перший рядок: заголовки стовпців (Ідентифікатор, Прізвище, Ім'я, Дата загибелі…)."
        ),
        render_kw={"accept": ".csv,.xlsx,text/csv"},
    )
    photos = FileField(
        _l("Фотографії в архіві ZIP (необов'язково)"),
        description=_l(
            "Стовпець «Фотографії» називає файли з цього архіву; перший стає портретом."
        ),
        render_kw={"accept": ".zip,application/zip"},
    )
    key = StringField(
        _l("Ключовий стовпець (необов'язково)"),
        validators=[Optional(), Length(max=200, message=_l("Не більше %(max)d символів."))],
        description=_l(
            "Заголовок стовпця, за яким знаходити наявних героїв; порожньо: «Ідентифікатор»."
        ),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    draft = BooleanField(_l("Зберегти нових героїв як чернетки"))


class SheetImportForm(FlaskForm):
    """Confirm the import of a checked sheet."""

    skip_invalid = BooleanField(_l("Імпортувати лише рядки без помилок"))


class ReminderForm(FlaskForm):
    """ "Нагадати мені": an address and the days of a hero to be reminded of."""

    email = EmailField(
        _l("Ваша електронна пошта"),
        validators=[
            DataRequired(_l("Вкажіть адресу електронної пошти.")),
            Length(max=320, message=_l("Не більше %(max)d символів.")),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        description=_l(
            "Ми надішлемо лист із посиланням для підтвердження. Адресу ніхто не побачить; "
            "ми видалимо її, щойно ви відпишетеся."
        ),
    )
    days = SelectMultipleField(
        _l("Про які дні нагадувати"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    # A field people never see (hidden by the stylesheet); robots fill every field they find.
    website = StringField(_l("Не заповнюйте це поле"), validators=[Optional()])

    def validate_email(self, field) -> None:
        """One plain address that letters can be sent to."""
        if field.data and reminders.mailbox(field.data) is None:
            raise ValidationError(_l("Це не схоже на адресу електронної пошти."))

    def validate_days(self, field) -> None:
        """At least one of the days offered."""
        offered = {value for value, _label in field.choices}
        chosen = [d for d in (field.data or []) if d in offered]
        if not chosen:
            raise ValidationError(_l("Позначте хоча б один день."))
        field.data = chosen


class ManageRemindersForm(FlaskForm):
    """The page of one's subscriptions: unsubscribe from one (``subscription``) or all, or
    (``action=days``) choose again which of one hero's days to be reminded of."""

    subscription = StringField(validators=[Optional()])
    action = StringField(validators=[Optional()])
    days = SelectMultipleField(choices=[], validate_choice=False)


# -- provenance --------------------------------------------------------------------------
NOTIFIED_LABEL = _l("Родину офіційно сповіщено про загибель (я це перевірив(-ла))")


class PublishForm(ReasonForm):
    """Publish (or unpublish) a hero; a first publication needs the family-notified check."""

    notified = BooleanField(NOTIFIED_LABEL)


class ApproveForm(ConfirmForm):
    """Approve a submission; a new hero needs the family-notified check, a veteran's story
    the checks for the safety of others seen in the photos."""

    notified = BooleanField(NOTIFIED_LABEL)
    safety = SelectMultipleField(
        _l("Перевірено фото й відео"),
        choices=[SelectChoice(c.value, c.value) for c in VeteranCheck],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = safety_check_labels()
        self.safety.choices = [SelectChoice(c.value, labels[c.value]) for c in VeteranCheck]


class EmbargoForm(FlaskForm):
    """The moment a hero appears to the public, in Kyiv time (empty: at once)."""

    publish_at = StringField(
        _l("Опублікувати не раніше (час Києва)"),
        # No length rule: a datetime-local input takes no maxlength (the value is parsed).
        validators=[Optional()],
        description=_l("Порожньо: одразу. До цього часу героя не видно ніде на сайті."),
        render_kw={"type": "datetime-local"},
    )
    text = _text(_l("Чому"), 2000, required=True)


class NameOnlyForm(FlaskForm):
    """Show only the name and the dates while the family is not ready."""

    name_only = BooleanField(_l("Родина ще не готова: показувати лише ім'я та дати"))
    text = _text(_l("Чому"), 2000, required=True)


class SourceForm(FlaskForm):
    """One source of one fact of a hero."""

    # A select always holds one of its choices (anything else fails the choice check).
    field = SelectField(_l("Факт"))
    kind = SelectField(_l("Джерело"))
    link = StringField(
        _l("Посилання (для публікації обов'язкове)"),
        validators=[Optional(), Length(max=1000, message=_l("Не більше %(max)d символів."))],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    note = _text(_l("Примітка"), 2000, long=True)
    document = FileField(
        _l("Скан документа (зображення або PDF до 10 сторінок, необов'язково)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp,application/pdf"},
    )
    document_public = BooleanField(_l("Документ можна показувати відвідувачам"))

    def __init__(self, *args, **kwargs) -> None:
        from ..models import FactField, SourceKind

        super().__init__(*args, **kwargs)
        self.field.choices = choices(FactField)
        self.kind.choices = choices(SourceKind)


# -- veterans --


def safety_check_labels() -> dict[str, str]:
    """What a moderator confirms before a veteran's story is published."""
    return {
        VeteranCheck.FACES: _l(
            "На фото й відео немає облич інших людей (побратимів, цивільних) без їхньої згоди"
        ),
        VeteranCheck.POSITIONS: _l(
            "Не видно позицій, місцевості чи орієнтирів, за якими можна знайти підрозділ"
        ),
        VeteranCheck.EQUIPMENT: _l(
            "Не видно техніки, озброєння, номерів, шевронів чи документів, які можуть зашкодити"
        ),
    }


#: How many periods of service the veteran's form offers (more are added by staff).
SERVICE_PERIODS_OFFERED = 3


def _service_periods(cls):
    """Add the fields of a few periods of service (from, to, unit, role) to a form class."""
    for i in range(1, SERVICE_PERIODS_OFFERED + 1):
        setattr(
            cls,
            f"period_{i}_from",
            StringField(
                _l("З (рік або дата)"),
                validators=[Optional(), Length(max=20), partial_date],
                description=DATE_HINT,
            ),
        )
        setattr(
            cls,
            f"period_{i}_to",
            StringField(
                _l("До (порожньо: досі служить)"),
                validators=[Optional(), Length(max=20), partial_date],
                description=DATE_HINT,
            ),
        )
        setattr(cls, f"period_{i}_unit", _text(_l("Підрозділ"), 300))
        setattr(cls, f"period_{i}_role", _text(_l("Ким служив або служила"), 300))
    return cls


@_service_periods
class VeteranForm(PhotosMixin, SubmissionInterviewMixin, SubmitterForm):
    """A living veteran's story, told by themselves ("про себе") or by a relative."""

    about = RadioField(
        _l("Хто розповідає"),
        choices=[
            SelectChoice("self", _l("Я розповідаю про себе")),
            SelectChoice("relative", _l("Я розповідаю про рідну людину")),
        ],
        default="self",
        validators=[DataRequired(_l("Оберіть, хто розповідає."))],
    )
    submitter_relation = _text(
        _l("Ким ви доводитеся ветерану чи ветеранці"),
        200,
        hint=_l("Якщо розповідаєте про рідну людину: наприклад, донька, брат."),
    )
    surname = _text(FIELD_LABELS["surname"], 300, required=True)
    given_name = _text(FIELD_LABELS["given_name"], 300, required=True)
    patronymic = _text(FIELD_LABELS["patronymic"], 300)
    call_sign = _text(FIELD_LABELS["call_sign"], 300)
    birth_year = StringField(
        _l("Рік народження"),
        validators=[Optional(), Length(max=4)],
        description=_l("Лише рік: на сайті ми не показуємо повної дати, адреси чи телефону."),
    )
    home_community = _text(FIELD_LABELS["home_community"], 300)
    rank = _text(FIELD_LABELS["rank"], 300)
    military_unit = _text(FIELD_LABELS["military_unit"], 300)
    unit_public = BooleanField(_l("Можна показувати на сайті назви підрозділів"))
    story_before = _text(_l("До війни"), 100_000, long=True, hint=_l("Ким був або була, чим жили."))
    story_during = _text(_l("На війні"), 100_000, long=True, hint=_l("Те, чим хочете поділитися."))
    story_after = _text(_l("Після"), 100_000, long=True)
    life_now = _text(_l("Чим займається зараз"), 20_000, long=True)
    chapters_private = BooleanField(
        _l("Розповідь лише для архіву (працівники її бачать, на сайті її немає)")
    )
    photos_private = BooleanField(_l("Фотографії лише для архіву, не для сайту"))

    def validate_birth_year(self, field) -> None:
        """A year of four digits, not in the future."""
        if not field.data:
            return
        from ..clock import today_in_kyiv

        if not field.data.isdigit() or not 1900 <= int(field.data) <= today_in_kyiv().year:
            raise ValidationError(_l("Вкажіть рік чотирма цифрами, наприклад 1990."))

    def periods(self) -> list[dict]:
        """The periods of service filled in (a period needs its start)."""
        out = []
        for i in range(1, SERVICE_PERIODS_OFFERED + 1):
            start = to_iso_date(getattr(self, f"period_{i}_from").data)
            if not start:
                continue
            out.append(
                {
                    "from": start,
                    "to": to_iso_date(getattr(self, f"period_{i}_to").data),
                    "unit": getattr(self, f"period_{i}_unit").data or None,
                    "role": getattr(self, f"period_{i}_role").data or None,
                }
            )
        return out

    def payload(self) -> dict:
        """What a veteran's submission carries, in archive field names."""
        fields: dict = {name: None for name in HERO_TEXT_FIELDS}
        for name in ("surname", "given_name", "patronymic", "call_sign", "home_community"):
            fields[name] = getattr(self, name).data or None
        fields["rank"] = self.rank.data or None
        fields["military_unit"] = self.military_unit.data or None
        fields["birth_date"] = self.birth_year.data or None
        fields["death_date"] = None
        author = self.submitter_name.data
        relation = "" if self.about.data == "self" else (self.submitter_relation.data or "")
        stories = [
            {
                "chapter": chapter,
                "title": "",
                "body": text,
                "author_name": author,
                "author_relation": relation,
                "date": None,
                "hidden": bool(self.chapters_private.data),
            }
            for chapter, text in (
                ("before", self.story_before.data),
                ("during", self.story_during.data),
                ("after", self.story_after.data),
            )
            if text
        ]
        return {
            **fields,
            "collection": "veteran",
            "about": self.about.data,
            "service_periods": self.periods(),
            "unit_hidden": not self.unit_public.data,
            "life_now": self.life_now.data or None,
            "awards": [],
            "stories": stories,
            "photos_hidden": bool(self.photos_private.data),
        }

"""Form helpers shared by every area's forms."""

from __future__ import annotations

import unicodedata
from datetime import date

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    Field,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import Choice
from wtforms.fields.core import UnboundField
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, RadioInput

from .documents.files import DocumentsField, Upload
from .reference import Vocabulary
from .translation import current_locale, marked, marked_plural, ngettext, request_translations
from .translation import lazy_gettext as _l


def declared_fields(form_class) -> list[tuple[str, UnboundField]]:
    """A form class's fields in declaration order, without instantiating it."""
    fields = [
        (name, value)
        for name in dir(form_class)
        if not name.startswith("_") and isinstance(value := getattr(form_class, name), UnboundField)
    ]
    return sorted(fields, key=lambda item: item[1].creation_counter)


def document_fields(form_class) -> set[str]:
    """The names of a form class's document (file) fields."""
    return {name for name, unbound in declared_fields(form_class) if issubclass(unbound.field_class, DocumentsField)}


def _option_tags(choices) -> str:
    return "".join(f'<option value="{escape(code)}">{escape(text or code)}</option>' for code, text in choices)


_VOCABULARY_OPTIONS: dict[tuple[str, str], str] = {}
_CHECKBOX_ITEMS: dict[tuple[str, ...], list[tuple[str, str]]] = {}


def options(choices, current: str | None = None) -> Markup:
    """`<option>`s of a vocabulary or of (code, label) pairs, `current` selected.

    A vocabulary's are written once per language, for the lists' filters and the forms' selects alike:
    the 250 countries cost a millisecond to write out each time through a template loop, three
    through WTForms' option objects.
    """
    if isinstance(choices, Vocabulary):
        key = (choices.name, str(current_locale()))
        if key not in _VOCABULARY_OPTIONS:
            _VOCABULARY_OPTIONS[key] = _option_tags(choices.choices())
        tags = _VOCABULARY_OPTIONS[key]
    else:
        tags = _option_tags(choices)
    if current:
        value = f'value="{escape(current)}"'
        tags = tags.replace(f"{value}>", f"{value} selected>", 1)
    return Markup(tags)  # noqa: S704 (codes and labels escaped)  # nosec B704


class Select(widgets.Select):
    """WTForms' select, each plain option written by one format: the same HTML, without a call of
    `html_params` per option. The long lists (experts, countries) have widgets of their own below and
    in cases/forms.py, which write their options once and only mark the chosen one."""

    def opening(self, field, **kwargs) -> str:
        """The `<select>` tag, with the same attributes as WTForms writes."""
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = True
        return f"<select {widgets.html_params(name=field.name, **kwargs)}>"

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')  # noqa: S704 (escaped)  # nosec B704


class NamesSelect(Select):
    """A select of people's or organisations' names, written as they were entered: each option takes
    its own direction (`dir="auto"`). In an Arabic page a Latin name otherwise reads right to left,
    and a select too narrow for it cuts its beginning ("…istine Delacroix-Beaumont")."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        return super().render_option(choice, dir="auto", **kwargs)


class VocabularySelectWidget(Select):
    """The select of a `VocabularySelect`: its options written by `options`, once per language."""

    def __call__(self, field: VocabularySelect, **kwargs) -> Markup:
        blank = self.render_option(Choice("", _l("Choose…"), field.data == "", None)) if field.blank else ""
        chosen = options(field.vocabulary, field.data if isinstance(field.data, str) else None)
        return Markup(f"{self.opening(field, **kwargs)}{blank}{chosen}</select>")  # noqa: S704 (escaped)  # nosec B704


class VocabularySelect(SelectField):
    """A select whose choices are a coded vocabulary, labelled in the user's language."""

    widget = VocabularySelectWidget()

    def __init__(self, label=None, validators=None, vocabulary: Vocabulary | None = None, blank: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.vocabulary = vocabulary
        self.blank = blank

    def iter_choices(self):
        self.choices = self._vocabulary_choices()
        return super().iter_choices()

    def pre_validate(self, form) -> None:
        # Validation needs the codes only: labelling and sorting every choice (250 countries) is for
        # display, and WTForms' own check would do it, through iter_choices.
        if self.process_errors:
            return
        if self.data not in self.vocabulary and not (self.blank and self.data == ""):
            raise ValidationError(self.gettext("Not a valid choice."))

    def _vocabulary_choices(self) -> list[tuple[str, str]]:
        choices = self.vocabulary.choices()
        return [("", _l("Choose…")), *choices] if self.blank else choices


class VocabularyRadio(VocabularySelect):
    """One code from a short vocabulary, shown as radio buttons."""

    widget = ListWidget(prefix_label=False)
    option_widget = RadioInput()

    def __init__(self, label=None, validators=None, vocabulary: Vocabulary | None = None, **kwargs):
        super().__init__(label, validators, vocabulary=vocabulary, blank=False, **kwargs)


class VocabularyMultiSelect(SelectMultipleField):
    """Several codes from a vocabulary, shown as a list of checkboxes (no script needed)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, vocabulary: Vocabulary | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.vocabulary = vocabulary

    def iter_choices(self):
        self.choices = self.vocabulary.choices()
        return super().iter_choices()

    def items(self) -> Markup:
        """Its checkboxes, each in its `<li>` with its label, as WTForms' subfields write them, but
        written once per language and field and only marked where ticked: through the subfields, the
        184 working languages of a new request took most of its page's time.

        No checkbox says `required`: one ticked is enough, and a screen reader would announce every
        box as required (WTForms writes it on each). The list's legend says it once."""
        if self.render_kw:  # attributes of its own, written on each checkbox: through the subfields
            return Markup("".join(f"<li>{option(required=False)} {option.label}</li>" for option in self))  # noqa: S704  # nosec B704
        key = (self.vocabulary.name, str(current_locale()), self.id, self.name)
        if key not in _CHECKBOX_ITEMS:
            ident, name = escape(self.id), escape(self.name)
            _CHECKBOX_ITEMS[key] = [
                (
                    code,
                    f'<li><input id="{ident}-{index}" name="{name}" type="checkbox" value="{escape(code)}">'
                    f' <label for="{ident}-{index}">{escape(label or code)}</label></li>',
                )
                for index, (code, label) in enumerate(self.vocabulary.choices())
            ]
        ticked = {str(code) for code in self.data or ()}
        tags = (
            item.replace("<input ", "<input checked ", 1) if code in ticked else item
            for code, item in _CHECKBOX_ITEMS[key]
        )
        return Markup("".join(tags))  # noqa: S704 (ids, codes and labels escaped)  # nosec B704

    def process_formdata(self, valuelist) -> None:
        # A code sent twice is chosen once: the list stays as long as the vocabulary at most.
        super().process_formdata(list(dict.fromkeys(valuelist)))

    def pre_validate(self, form) -> None:
        # The codes only, as above.
        if self.process_errors or not self.data:
            return
        unknown = [str(code) for code in dict.fromkeys(self.data) if code not in self.vocabulary]
        if unknown:
            raise ValidationError(
                ngettext(
                    "“%(codes)s” is not one of the choices.",
                    "“%(codes)s” are not among the choices.",
                    len(unknown),
                    codes="”, “".join(unknown),
                )
            )


class IdListField(Field):
    """Several record ids (experts to propose), without a list of choices to render or check.

    The page that shows the form lists the candidates itself (the ranked suggestions);
    the form's own validator checks the ids against the database.
    """

    widget = HiddenInput()

    def process_formdata(self, valuelist) -> None:
        ids = []
        for value in valuelist:
            if str(value).strip() == "":
                continue
            try:
                ids.append(int(value))
            except ValueError as error:
                self.data = []
                raise ValueError(_l("Not a valid choice.")) from error
        self.data = list(dict.fromkeys(ids))

    def _value(self) -> str:
        return ""


_WTFORMS_TRANSLATIONS: dict[str, support.Translations] = {}

# WTForms' messages that our catalogue says, in place of WTForms' own: its Arabic leaves the length limits
# in English ("Field cannot be longer than 200 characters.") and words others awkwardly ("could not
# coerce", an integer called a real number). The rest come from WTForms (OursFirst).
WTFORMS_MESSAGES = (
    marked("Field must be between %(min)d and %(max)d characters long."),
    marked_plural("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters."),
    marked_plural("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long."),
    marked("Number must be between %(min)s and %(max)s."),
    marked("Number must be at least %(min)s."),
    marked("Number must be at most %(max)s."),
    marked("Not a valid choice."),
    marked("Not a valid integer value."),
    marked("Invalid Choice: could not coerce."),
)


class OursFirst:
    """WTForms' translations, with the messages our catalogue says (WTFORMS_MESSAGES) said our way."""

    def __init__(self, ours: support.NullTranslations, theirs: support.NullTranslations):
        self.ours, self.theirs = ours, theirs

    def gettext(self, string: str) -> str:
        text = self.ours.ugettext(string)
        return text if text != string else self.theirs.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text = self.ours.ungettext(singular, plural, n)
        return text if text not in (singular, plural) else self.theirs.ungettext(singular, plural, n)


def wtforms_translations() -> support.Translations:
    """WTForms' own messages ("This field is required.") in the user's language, read once per language.

    Flask-WTF reads the catalogue from disk for every request that shows a form (half a millisecond).
    """
    language = str(get_locale())
    if language not in _WTFORMS_TRANSLATIONS:
        _WTFORMS_TRANSLATIONS[language] = support.Translations.load(messages_path(), [language], domain="wtforms")
    return _WTFORMS_TRANSLATIONS[language]


# Characters that show nothing and mean nothing at either end of a one-line text: zero-width space,
# zero-width non-joiner and joiner, word joiner, byte-order mark, soft hyphen. (Direction marks and an
# emoji's tag characters, also invisible, carry meaning and are kept.)
INVISIBLE_ENDS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def one_line(value):
    """A one-line field's text as one line: no line breaks or tabs, single spaces, no space at either
    end (a name with a line break in it shaped lines of an email sent under the ministry's name), nor
    an invisible character (`INVISIBLE_ENDS`); a text of invisible characters alone (format
    characters, such as direction marks) is no text, and a required field refuses it as empty."""
    if not isinstance(value, str):
        return value
    text = " ".join(value.split()).strip(INVISIBLE_ENDS + " ")
    return text if any(unicodedata.category(char) != "Cf" for char in text) else ""


def said_or_empty(value):
    """A text's words without the spaces around them; "" when it holds only spaces and what shows as
    nothing (format characters such as a zero-width space): a field that must say something is not
    said by them. Its lines stay as written."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    return text if any(not char.isspace() and unicodedata.category(char) != "Cf" for char in text) else ""


def is_one_line(field_class: type) -> bool:
    """A text input of one line: not a text area, nor a password or a hidden value (kept as sent)."""
    return issubclass(field_class, StringField) and not issubclass(
        field_class, TextAreaField | PasswordField | HiddenField
    )


class Form(FlaskForm):
    """Every form of the app: Flask-WTF's, with WTForms' messages read once per language, and every
    one-line text field kept to one line."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if is_one_line(unbound_field.field_class):
                options = {**options, "filters": (*unbound_field.kwargs.get("filters", ()), one_line)}
            return unbound_field.bind(form=form, **options)

        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return OursFirst(request_translations(), wtforms_translations())


class InputForm(Form):
    """A form that validates data handed to a service, not a page's own POST.

    CSRF is enforced once for every POST by CSRFProtect, so the service-side
    validation does not ask for a token again; the API builds the same forms
    from JSON.
    """

    class Meta:
        csrf = False

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # "Today" for date rules: the moment the data is given (demo data is given in the past).
        self.today = today or date.today()

    @property
    def values(self) -> dict:
        """The validated data, files apart (they are kept as documents, not in the history's data)."""
        return {name: value for name, value in self.data.items() if not isinstance(self[name], DocumentsField)}

    @property
    def uploads(self) -> list[tuple[str, Upload]]:
        """(kind, checked file) for every file the form brought."""
        return [(field.kind, upload) for field in self if isinstance(field, DocumentsField) for upload in field.uploads]

    @property
    def upload_too_large(self) -> bool:
        return any(isinstance(field, DocumentsField) and field.too_large for field in self)


YEARS_AWAY = 5  # how far from today a date may be: ahead for a plan, back for a mission delivered


def not_years_ahead(form, field: DateField) -> None:
    """Validator: the date is within YEARS_AWAY years of today. A mission or a period further off is a slip
    of the keyboard (9999 for 2029), and the working days up to a date at the calendar's end cannot be counted."""
    if field.data and field.data.year > form.today.year + YEARS_AWAY:
        raise ValidationError(_l("This date is too far ahead: give one within the next five years."))


def end_not_before(start_field_name: str):
    """Validator: this date field is on or after the date in `start_field_name`."""

    def check(form, field: DateField) -> None:
        start: date | None = form[start_field_name].data
        if start and field.data and field.data < start:
            raise ValidationError(_l("The end date must be on or after the start date."))

    return check

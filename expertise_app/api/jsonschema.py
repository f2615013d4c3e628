"""JSON Schema of a form's data, generated from the WTForms class itself.

The API validates with the very form classes the pages use (through the
services); this module describes them, so that the published schema and the
rules that are enforced cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, DateField, Form, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..documents.files import DocumentsField
from ..forms import IdListField, VocabularyMultiSelect, VocabularySelect, declared_fields


def unbound_fields(form_class: type[Form]) -> list[tuple[str, UnboundField]]:
    """The form's fields a JSON body can carry, in declaration order, without instantiating it.

    Files are not among them: they are sent as multipart/form-data to the documents endpoint.
    """
    return [
        (name, unbound)
        for name, unbound in declared_fields(form_class)
        if not issubclass(unbound.field_class, DocumentsField)
    ]


def _validators(unbound: UnboundField) -> list:
    if unbound.args and len(unbound.args) > 1:
        return list(unbound.args[1] or [])
    return list(unbound.kwargs.get("validators") or [])


def _is_required(unbound: UnboundField) -> bool:
    return any(isinstance(v, DataRequired | InputRequired) for v in _validators(unbound))


def _label(unbound: UnboundField) -> str:
    label = unbound.args[0] if unbound.args else unbound.kwargs.get("label", "")
    return str(label)


def field_schema(unbound: UnboundField) -> dict[str, Any]:
    kind = unbound.field_class
    validators = _validators(unbound)
    schema: dict[str, Any]
    if issubclass(kind, VocabularyMultiSelect):
        codes = unbound.kwargs["vocabulary"].codes
        schema = {"type": "array", "items": {"type": "string", "enum": codes}, "uniqueItems": True}
    elif issubclass(kind, SelectMultipleField | IdListField):
        schema = {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}
    elif issubclass(kind, BooleanField):
        schema = {"type": "boolean"}
    elif issubclass(kind, VocabularySelect):
        schema = {"type": "string", "enum": unbound.kwargs["vocabulary"].codes}
    elif issubclass(kind, SelectField):
        schema = {"type": "integer"}  # an expert's id
    elif issubclass(kind, DateField):
        schema = {"type": "string", "format": "date"}
    elif issubclass(kind, IntegerField):
        schema = {"type": "integer"}
    elif issubclass(kind, StringField):
        schema = {"type": "string"}
    else:  # pragma: no cover - a new field type must be described here
        raise TypeError(f"no JSON Schema for {kind.__name__}")
    for validator in validators:
        if isinstance(validator, Length):
            if validator.min and validator.min > 0:
                schema["minLength"] = validator.min
            if validator.max and validator.max > 0:
                schema["maxLength"] = validator.max
        elif isinstance(validator, NumberRange):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
    if schema["type"] == "boolean" and _is_required(unbound):
        schema["const"] = True  # a declaration: sent, and ticked
    if schema["type"] == "array" and _is_required(unbound):
        schema["minItems"] = 1
    if schema["type"] == "string" and _is_required(unbound) and not {"minLength", "enum", "format"} & set(schema):
        schema["minLength"] = 1
    description = _label(unbound)
    if description:
        schema["description"] = description
    return schema


def form_schema(form_class: type[Form], partial: bool = False, **extra_properties: dict) -> dict[str, Any]:
    """An object schema: one property per field, `required` for the required ones.

    A field with a default may be left out (it takes the default); so may every
    field of a `partial` form (it keeps its current value).
    """
    properties = dict(extra_properties)
    required = list(extra_properties)
    for name, unbound in unbound_fields(form_class):
        properties[name] = field_schema(unbound)
        default = unbound.kwargs.get("default")
        if default is not None:
            properties[name]["default"] = default
        if _is_required(unbound) and default is None and not partial:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required}

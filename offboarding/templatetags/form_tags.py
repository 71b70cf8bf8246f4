"""Bootstrap 5 markup for the fields of the list pages' filter forms, written in Python.

The filters of the client list and the dashboard render on every request of the
busiest pages. crispy's field templates cost several milliseconds per form there
(measured with `make bench-pages` and `make bench-dashboard`); this filter writes
the same markup as crispy-bootstrap5 (label, widget with `form-control` or
`form-select`, help text, errors tied to the field with aria-describedby) for a
fraction of that. Forms people fill in keep crispy.
"""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def filter_field(field: BoundField) -> SafeString:
    """`{{ form.name|filter_field }}`: label, widget, help text and errors of one field."""
    css = "form-select" if isinstance(field.field.widget, forms.Select) else "form-control"
    attrs: dict[str, str | bool] = {"class": f"{css} is-invalid" if field.errors else css}
    if field.errors:
        described_by = [f"{field.auto_id}_error", *([f"{field.auto_id}_helptext"] if field.help_text else [])]
        attrs["aria-describedby"] = " ".join(described_by)
    widget = field.as_widget(attrs=attrs)
    help_text = (
        format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text)
        if field.help_text
        else ""
    )
    errors = (
        format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.auto_id,
            format_html_join("", "<p><strong>{}</strong></p>", ((error,) for error in field.errors)),
        )
        if field.errors
        else ""
    )
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label">{}</label>{}{}{}</div>',
        field.auto_id,
        field.id_for_label,
        field.label,
        widget,
        errors,
        help_text,
    )

"""Admin widgets that survive what a hand-made request puts in a form.

Django's autocomplete widgets look the submitted value up again to redraw an invalid form: a
value that is not a key (`activity=abc`) made that lookup raise, a 500 instead of the form's own
Chinese error ("选择一个有效的选项"). These redraw only the values the key field can read.
"""

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


def _readable(widget, value):
    remote = widget.field.remote_field
    opts = remote.model._meta
    target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.attname)
    kept = []
    for item in value:
        try:
            target.get_prep_value(target.to_python(item))
        except (TypeError, ValueError, ValidationError):
            continue
        kept.append(item)
    return kept


class SafeAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _readable(self, value), attr)


class SafeAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _readable(self, value), attr)


SAFE = {
    AutocompleteSelect: SafeAutocompleteSelect,
    AutocompleteSelectMultiple: SafeAutocompleteSelectMultiple,
}


def make_safe(formfield):
    """Swap a form field's autocomplete widget for the one above (same state, same markup)."""
    widget = getattr(formfield, "widget", None)
    safe = SAFE.get(type(widget))
    if safe is not None:
        widget.__class__ = safe
    return formfield

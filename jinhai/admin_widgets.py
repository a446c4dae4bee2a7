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
    # {str(key): label} of the rows chosen in a whole inline, read once (`read_chosen_once`):
    # otherwise every row's widget reads its chosen row again, one query per row.
    known_labels = None

    def optgroups(self, name, value, attr=None):
        value = _readable(self, value)
        empty = self.choices.field.empty_values
        chosen = [str(v) for v in value if str(v) not in empty]
        known = self.known_labels
        if known is None or any(key not in known for key in chosen):
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for key in chosen:
            options.append(self.create_option(name, key, known[key], set(chosen), len(options)))
        return [(None, options, 0)]


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


def read_chosen_once(forms) -> None:
    """Give the autocomplete widgets of an inline's rows the labels of what they show, read in
    one query per field for all the rows (the same scoped choices each widget would read)."""
    if not forms:
        return
    for name, field in forms[0].fields.items():
        widget = getattr(field.widget, "widget", field.widget)
        if not isinstance(widget, SafeAutocompleteSelect):
            continue
        if field.to_field_name not in (None, field.queryset.model._meta.pk.attname):
            continue
        keys = {str(form[name].value()) for form in forms} - {str(v) for v in field.empty_values}
        keys = _readable(widget, keys)
        labels = {}
        if keys:
            labels = {
                str(row.pk): field.label_from_instance(row)
                for row in field.queryset.filter(pk__in=keys)
            }
        for form in forms:
            inner = form.fields[name].widget
            getattr(inner, "widget", inner).known_labels = labels

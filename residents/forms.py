from django import forms

from self_governance.agreements.models import Pet


class ClaimForm(forms.Form):
    code = forms.CharField(
        label="户码",
        max_length=30,
        help_text="卡片上的 15 位数字,如 12345-67890-12345。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PetForm(forms.ModelForm):
    class Meta:
        model = Pet
        fields = ["name", "kind", "registered_on", "vaccinated_on"]
        widgets = {
            "registered_on": forms.DateInput(attrs={"type": "date"}),
            "vaccinated_on": forms.DateInput(attrs={"type": "date"}),
        }

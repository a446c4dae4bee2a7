from django import forms

from communities.models import Compound
from self_governance.agreements.models import Pet
from self_governance.fund.models import ProjectCategory


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


class ProposalForm(forms.Form):
    """A household's proposal (居民提议) for the fund: plain text, lengths capped."""

    title = forms.CharField(label="项目名称", max_length=100, help_text="如:3号楼加装晾衣架。")
    category = forms.ChoiceField(label="类别", choices=ProjectCategory.choices)
    compound = forms.ModelChoiceField(
        label="小区",
        queryset=Compound.objects.none(),
        required=False,
        empty_label="全社区",
        help_text="只涉及一个小区时选择。",
    )
    description = forms.CharField(
        label="要做什么、为什么",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="采纳后公开显示,请勿填写手机号、身份证号。",
    )
    amount = forms.DecimalField(label="估算金额(元)", min_value=1, max_digits=12, decimal_places=2)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = Compound.objects.filter(
            community=household.community_id
        ).order_by("name")

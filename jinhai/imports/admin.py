"""The admin side of imports: upload -> preview -> confirm, on django-import-export's views.

What this changes from the library's defaults, and why:
- one reading format that recognises .xlsx/CSV by content and decodes GBK (SheetFormat);
- the upload is streamed to a private folder, not concatenated in memory, and refused above
  IMPORT_MAX_BYTES before anything reads it;
- the confirm form carries a signed token (file, user, resource), never a path;
- the preview is a validation pass that writes nothing; confirm writes once, all or nothing;
- the uploaded file is removed after confirm, at once when the preview shows errors, and swept
  when abandoned;
- no LogEntry per row (tens of thousands of them): one ImportLog row per import instead;
- a template to fill in (`blank`: headers, drop-downs, an example, instructions) can be
  downloaded from the import page.
"""

import logging
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from jinhai.admin import ScopedExportAdmin

from . import confirmations, storage
from .base import ERRORS_SHOWN
from .blank import template_workbook
from .errors import error_workbook
from .formats import SheetFormat
from .reading import SheetError, human_size, limits

logger = logging.getLogger("jinhai.imports")

ALREADY_CONFIRMED = (
    "这次导入已经确认过(或预览已过期),本次提交没有写入任何数据。请到列表中查看导入结果。"
)


class SheetImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        max_bytes, _, _ = limits()
        if upload.size > max_bytes:
            raise forms.ValidationError(
                f"文件大小为 {human_size(upload.size)},超过了上限 {human_size(max_bytes)}。"
                "请把文件拆分成几个较小的文件后分别导入。"
            )
        return upload


ONLY_NEW_LABEL = "只导入尚未记入的行(跳过已有的相同记录)"


class SheetConfirmForm(ConfirmImportForm):
    confirm_token = forms.CharField(widget=forms.HiddenInput, required=False)
    only_new = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean_import_file_name(self):
        # The library would take the basename of a path; ours is a signed token, checked later
        # against the user and resource.
        return self.cleaned_data["import_file_name"]


class ScopedImportExportAdmin(ImportMixin, ScopedExportAdmin):
    """A scoped admin with spreadsheet import (one SheetResource) and safe exports."""

    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    import_template_name = "admin/jinhai/import.html"
    import_form_class = SheetImportForm
    confirm_form_class = SheetConfirmForm
    tmp_storage_class = storage.UploadStorage
    skip_admin_log = True
    import_error_display = ("message",)

    # An admin may offer variants of its import (the leaders' roster and its 换届): the import
    # page's choice posts the variant's index as `resource` (django-import-export's own field);
    # the template and error-workbook links carry it as `?resource=`. Signatures and confirm
    # tokens name the variant's key, so a preview of one is never confirmed as another.

    def _resource_index(self, raw):
        try:
            index = int(raw)
        except (TypeError, ValueError):
            return 0
        return index if 0 <= index < len(self.resource_classes) else 0

    def get_resource_index(self, form):
        # The confirm form's `resource` is free text: an unknown index is the first variant,
        # whose key then fails the signature check, rather than an IndexError.
        return self._resource_index((getattr(form, "cleaned_data", None) or {}).get("resource"))

    def _chosen_index(self, request):
        return self._resource_index(request.POST.get("resource", request.GET.get("resource")))

    def _resource_class(self, request):
        return self.resource_classes[self._chosen_index(request)]

    def _variant_url(self, view, index, **params):
        """An import view's address for variant `index` (the first needs no `resource`)."""
        query = urlencode({**params, **({"resource": index} if index else {})})
        return self._admin_url(view) + (f"?{query}" if query else "")

    def get_import_formats(self):
        # No request here; the variants of one admin read the same columns.
        return [SheetFormat.for_resource(self.resource_classes[0])]

    def has_import_permission(self, request):
        return self._resource_class(request).may_import(request.user)

    def get_import_form_class(self, request):
        form_class = super().get_import_form_class(request)
        if not self._resource_class(request).offers_only_new:
            return form_class
        # A resource that can tell rows already stored (the points ledger) offers to skip them.
        field = forms.BooleanField(label=ONLY_NEW_LABEL, required=False)
        return type(form_class.__name__, (form_class,), {"only_new": field})

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        resource_kwargs["user"] = request.user
        cleaned = getattr(form, "cleaned_data", None) or {}
        resource_kwargs["only_new"] = bool(cleaned.get("only_new"))
        return resource_kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, SheetError | storage.UploadRefused):
            form.add_error("import_file", str(e))
            return
        logger.exception("could not read an uploaded spreadsheet")
        form.add_error("import_file", "无法读取该文件。请确认它是 Excel 工作簿、.ods 或 CSV 文件。")

    def write_to_tmp_storage(self, import_file, input_format):
        upload = storage.UploadStorage()
        upload.save_chunks(import_file.chunks())
        return upload

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["import_file_name"] = storage.sign(
                initial["import_file_name"],
                user_pk=request.user.pk,
                resource=self._resource_class(request).key,
            )
            initial["only_new"] = bool(import_form.cleaned_data.get("only_new"))
            initial["confirm_token"] = confirmations.issue(
                user=request.user, resource=self._resource_class(request).key
            )
        return initial

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if request.method == "POST" and "confirm_form" not in context:
            # Nothing to confirm (errors, or an unreadable file): the upload has no further use.
            upload = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
            if upload:
                storage.UploadStorage(name=upload).remove()
        if context.get("result") is not None:
            context.update(self._error_context(request, context["result"]))
        context.setdefault("templates", self._templates())
        context.setdefault("limits", _limit_text())
        return response

    def _error_context(self, request, result):
        """The first ERRORS_SHOWN errors, how many more, and the error workbook's address."""
        items = getattr(result, "error_items", [])
        if not items:
            return {}
        context = {
            "errors_shown": items[:ERRORS_SHOWN],
            "errors_more": max(len(items) - ERRORS_SHOWN, 0),
        }
        workbook = error_workbook(result)
        if workbook is not None:
            kept = storage.ErrorWorkbookStorage()
            kept.save(workbook)
            token = storage.sign(
                kept.name,
                user_pk=request.user.pk,
                resource=self._resource_class(request).key,
                purpose="errors",
            )
            context["error_workbook_url"] = self._variant_url(
                "import_errors", self._chosen_index(request), t=token
            )
        return context

    def import_errors_view(self, request):
        """The error workbook of this user's last preview (signed, expiring with the upload)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            name = storage.unsign(
                request.GET.get("t", ""),
                user_pk=request.user.pk,
                resource=self._resource_class(request).key,
                purpose="errors",
            )
            data = storage.ErrorWorkbookStorage(name=name).read()
        except storage.UploadRefused as exc:
            return self._import_page(request, errors=[str(exc)])
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = quote(f"{self._resource_class(request).title}导入错误行.xlsx")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return self._import_page(request, errors=["导入请求无效,请重新上传文件。"])
        try:
            name = storage.unsign(
                confirm_form.cleaned_data["import_file_name"],
                user_pk=request.user.pk,
                resource=self._resource_class(request).key,
            )
        except storage.UploadRefused as exc:
            return self._import_page(request, errors=[str(exc)])
        upload = storage.UploadStorage(name=name)
        token = confirm_form.cleaned_data.get("confirm_token") or ""
        if confirmations.was_used(token):
            return self._import_page(request, errors=[ALREADY_CONFIRMED])
        try:
            data = upload.read()
            input_format = self.get_import_formats()[0]()
            dataset = input_format.create_dataset(data)
            if len(dataset) > settings.JOB_IMPORT_ROWS:
                # A long file is written by a background job; this request only queues it, and
                # the job is queued in the transaction that consumes the token.
                from jinhai.jobs.handlers import start_import

                file_name = confirm_form.cleaned_data.get("original_file_name") or ""
                url = start_import(
                    self._resource_class(request),
                    user=request.user,
                    file_name=file_name,
                    content=data,
                    confirm_token=token,
                )
                if url is None:
                    return self._import_page(request, errors=[ALREADY_CONFIRMED])
                return HttpResponseRedirect(url)
            # The token is consumed in the transaction that writes: a retried or doubled confirm
            # finds it used and writes nothing.
            with transaction.atomic():
                if not confirmations.consume(
                    token=token, user=request.user, resource=self._resource_class(request).key
                ):
                    return self._import_page(request, errors=[ALREADY_CONFIRMED])
                result = self.process_dataset(
                    dataset, confirm_form, request, rollback_on_validation_errors=True, **kwargs
                )
                if result.has_errors() or result.has_validation_errors():
                    # Nothing was written: the same preview may be confirmed again once fixed.
                    transaction.set_rollback(True)
        except (SheetError, storage.UploadRefused) as exc:
            return self._import_page(request, errors=[str(exc)])
        finally:
            upload.remove()
        if result.has_errors() or result.has_validation_errors():
            # The data changed between preview and confirm (another import, an edit): nothing
            # was written; show why.
            return self._import_page(request, result=result)
        return self.process_result(result, request)

    def process_result(self, result, request):
        messages.success(
            request,
            f"导入完成:新建 {result.created} 行,更新 {result.updated} 行,"
            f"{result.unchanged} 行无变化。",
        )
        return HttpResponseRedirect(self._admin_url("changelist"))

    def _import_page(self, request, *, errors=(), result=None):
        context = {
            **self.admin_site.each_context(request),
            "title": "导入",
            "opts": self.model._meta,
            "form": self.create_import_form(request),
            "result": result,
            "import_errors": list(errors),
            "import_error_display": self.import_error_display,
            **(self._error_context(request, result) if result is not None else {}),
            "templates": self._templates(),
            "limits": _limit_text(),
        }
        context["form"].errors.clear()
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    # The template to fill in, and the error workbook of a preview.

    def get_urls(self):
        info = self.get_model_info()
        return [
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            path(
                "import/errors/",
                self.admin_site.admin_view(self.import_errors_view),
                name="{}_{}_import_errors".format(*info),
            ),
        ] + super().get_urls()

    def _admin_url(self, view):
        app_label, model_name = self.get_model_info()
        return reverse(f"admin:{app_label}_{model_name}_{view}", current_app=self.admin_site.name)

    def _templates(self):
        """Each variant's title, what it does and its template's address, for the import page."""
        return [
            {
                "title": resource.title,
                "purpose": resource.purpose,
                "url": self._variant_url("import_template", index),
            }
            for index, resource in enumerate(self.resource_classes)
        ]

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource_class = self._resource_class(request)
        response = HttpResponse(
            template_workbook(resource_class(user=request.user)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = quote(f"{resource_class.title}导入模板.xlsx")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response


def _limit_text():
    max_bytes, max_rows, _ = limits()
    return f"文件不超过 {human_size(max_bytes)}、{max_rows:,} 行"

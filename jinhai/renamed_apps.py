"""Chinese names for two apps whose own are English ("Axes", "Otp_Totp"): named in
INSTALLED_APPS in place of theirs, Django's way of renaming another project's app. (A module of
their own: jinhai/apps.py must hold only jinhai's config for Django to find it.)"""

from axes.apps import AppConfig as AxesAppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = "登录安全"


class TOTPConfig(TOTPAppConfig):
    verbose_name = "动态口令"

from django.apps import AppConfig


class SampleAppConfig(AppConfig):
    name = "sample_app"
    default_auto_field = "django.db.models.BigAutoField"

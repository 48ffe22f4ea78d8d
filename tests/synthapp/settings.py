"""Django for the property test of generated files: the varied models, in memory."""

SECRET_KEY = "synth-property-test"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "tests.synthapp"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

"""Servers the harness starts for imports spread beyond one process pool: the Celery
broker (:mod:`.broker`, a throwaway Redis server or the one ``CELERY_BROKER_URL`` names)."""

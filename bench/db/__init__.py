"""The database the harness works in, and the contract with the settings module.

- :mod:`.environment`: the environment variables through which the harness tells a Django
  settings module which database to use and where output goes (the only module that names
  them);
- :mod:`.django_setup`: starting Django and migrating a fresh database;
- :mod:`.postgres`: a throwaway PostgreSQL cluster, or a scratch database on a server you run;
- :mod:`.latency`: a model of a database across a network;
- :mod:`.pytest_plugin`: ``--db sqlite|postgres`` for a test suite.

This is the bottom layer: it imports nothing else of the harness.
"""

"""The data an import reads and the database state it starts from.

- :mod:`.generate`: seeded, realistic datasets and the state each scenario expects, cached;
- :mod:`.files`: reading a user's CSV, XLSX or JSON file, with errors that say where;
- :mod:`.seed`: putting the database in a dataset's starting state (never timed);
- :mod:`.gcpause`: pausing the cyclic GC while large collections of objects are built.
"""

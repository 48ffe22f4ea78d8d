"""The Django app under test: a small book catalogue with a foreign key and a many-to-many."""

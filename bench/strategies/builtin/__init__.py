"""The built-in strategies, one module each; the registry imports every module here."""

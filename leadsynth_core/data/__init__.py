"""Data files shipped with the core (read with :mod:`importlib.resources`): ``snomed_ct.csv``."""

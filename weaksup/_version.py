"""The package version, in a bottom-layer module so that any layer can name it (``weaksup.__version__``)."""

__version__ = "0.1.0"
